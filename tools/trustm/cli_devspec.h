/*
 * cli_devspec.h - the device specification string of the trustm tools (parsed once, like a
 * TSS TCTI config):
 *
 *   sim:STATEFILE                     in-process simulator on an existing state file
 *   socket:PATH                       simulator daemon (trustm-sim serve --socket PATH)
 *   i2c:/dev/i2c-N[@ADDR][,gpio=CHIP][,rst=LINE][,vdd=LINE][,max=BYTES]
 *                                     real chip on Linux i2c-dev; ADDR default 0x30 (7-bit,
 *                                     0x08..0x77); optional RST/VDD lines through libgpiod
 */
#ifndef TRUSTM_CLI_DEVSPEC_H
#define TRUSTM_CLI_DEVSPEC_H

#include <stddef.h>
#include <stdint.h>

#define CLI_DEVSPEC_DEFAULT_ADDR 0x30u
#define CLI_DEVSPEC_ENV          "TRUSTM_DEVICE"

typedef enum cli_dev_kind { CLI_DEV_SIM = 0, CLI_DEV_SOCKET = 1, CLI_DEV_I2C = 2 } cli_dev_kind_t;

typedef struct cli_devspec {
    cli_dev_kind_t kind;
    char path[256];        /* state file, socket path or i2c-dev node */
    uint8_t addr;          /* 7-bit I2C address */
    char gpio_chip[64];    /* i2c only: "" = no pins */
    int rst_line;          /* -1 = none */
    int vdd_line;          /* -1 = none */
    unsigned max_transfer; /* i2c only: max=N, the adapter's largest transfer; 0 = any */
} cli_devspec_t;

/* Parse spec; returns 0, or -1 with a one-line reason in err. */
int cli_devspec_parse(const char *spec, cli_devspec_t *out, char *err, size_t errlen);

/* Human-readable form ("socket /tmp/x.sock", "i2c /dev/i2c-1 @0x30"). */
void cli_devspec_describe(const cli_devspec_t *d, char *out, size_t out_size);

#endif /* TRUSTM_CLI_DEVSPEC_H */
