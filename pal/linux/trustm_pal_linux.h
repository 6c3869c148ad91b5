/*
 * trustm_pal_linux.h - platform port for a real chip on a Linux I2C adapter (i2c-dev), e.g. a
 * Raspberry Pi: /dev/i2c-1, address 0x30, optional RST/VDD lines through libgpiod (v1 API).
 *
 * Bus transactions: one I2C_RDWR ioctl with exactly one message per PAL transaction (so no
 * repeated START is ever generated, as the chip requires). Adapters that lack plain I2C
 * transfers (I2C_FUNC_I2C not in I2C_FUNCS, e.g. SMBus-only controllers) fall back to
 * ioctl(I2C_SLAVE) + write()/read(), which also produce one transaction per call.
 *
 * Error mapping (Documentation/i2c/fault-codes.rst): ENXIO ("no device at that address" — the
 * address byte was not acknowledged) and EREMOTEIO (what several adapters, e.g. bcm2835 and
 * designware, report for a NACK) -> TRUSTM_PAL_NACK, so the stack retries ("late acknowledge").
 * Every other errno (EAGAIN arbitration lost, ETIMEDOUT, EIO, ...) and short transfers ->
 * TRUSTM_PAL_IO. The port never retries by itself.
 *
 * Time: CLOCK_MONOTONIC; sleep: nanosleep (restarted on EINTR with the remaining time).
 *
 * System calls go through a small table (trustm_pal_linux_sys_t) so the port can be tested
 * without hardware: tests pass a fake table and check every request and buffer.
 */
#ifndef TRUSTM_PAL_LINUX_H
#define TRUSTM_PAL_LINUX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "trustm/trustm_pal.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The system calls the port uses. ioctl's third argument is always a pointer or an
 * unsigned long cast to a pointer (I2C_SLAVE takes the address by value). */
typedef struct trustm_pal_linux_sys {
    int (*open)(const char *path, int flags);
    int (*close)(int fd);
    int (*ioctl)(int fd, unsigned long request, void *arg);
    ssize_t (*read)(int fd, void *buf, size_t len);
    ssize_t (*write)(int fd, const void *buf, size_t len);
} trustm_pal_linux_sys_t;

/* The real system calls. */
extern const trustm_pal_linux_sys_t trustm_pal_linux_sys_default;

typedef struct trustm_pal_linux_config {
    const char *i2c_dev;               /* "/dev/i2c-1" (required) */
    const char *gpio_chip;             /* NULL: no pins; else a gpiochip name, path, label or number */
    int rst_line;                      /* line offset on gpio_chip for RST (active low), -1 = none */
    int vdd_line;                      /* line offset for the VDD switch (high = on), -1 = none */
    const trustm_pal_linux_sys_t *sys; /* NULL: trustm_pal_linux_sys_default */
    uint16_t max_transfer;             /* largest transfer the adapter supports, bytes; 0 = any.
                                       * Longer transactions fail with TRUSTM_PAL_IO; use
                                       * trustm_pal_linux_frame_size() as the frame size. */
} trustm_pal_linux_config_t;

/* Config with no pins and the real system calls. */
void trustm_pal_linux_config_default(trustm_pal_linux_config_t *cfg, const char *i2c_dev);

typedef struct trustm_pal_linux {
    const trustm_pal_linux_sys_t *sys;
    int fd;                /* i2c-dev file, -1 when closed */
    bool use_rdwr;         /* I2C_RDWR available (else I2C_SLAVE + read/write) */
    int slave_addr;        /* address last set with I2C_SLAVE, -1 none */
    void *gpio_chip;       /* struct gpiod_chip * (libgpiod builds only) */
    void *rst;             /* struct gpiod_line * or NULL */
    void *vdd;             /* struct gpiod_line * or NULL */
    int last_errno;        /* errno of the last failure, for messages */
    uint16_t max_transfer; /* 0 = any */
} trustm_pal_linux_t;

/*
 * Open the adapter (and request the GPIO lines as outputs, initially high: powered, not in
 * reset). Returns TRUSTM_OK; TRUSTM_STATUS(PAL, BAD_PARAM) for a bad config;
 * TRUSTM_STATUS(PAL, NOT_FOUND) if the device or GPIO chip/line does not exist;
 * TRUSTM_STATUS(PAL, NOT_SUPPORTED) if pins are configured but the build has no libgpiod;
 * TRUSTM_PAL_IO for other failures (p->last_errno tells why).
 */
trustm_status_t trustm_pal_linux_open(trustm_pal_linux_t *p, const trustm_pal_linux_config_t *cfg);
void trustm_pal_linux_close(trustm_pal_linux_t *p);
void trustm_pal_linux_init(trustm_pal_t *pal, trustm_pal_linux_t *p);

/* The DATA_REG_LEN to negotiate so that no transaction exceeds the adapter's max_transfer:
 * min(wanted, max_transfer - 1) (a frame write carries the register byte), at least 16; wanted
 * 0 means 277. */
uint16_t trustm_pal_linux_frame_size(const trustm_pal_linux_t *p, uint16_t wanted);

/* True when this build can drive RST/VDD through libgpiod. */
bool trustm_pal_linux_has_gpio(void);

extern const trustm_pal_ops_t trustm_pal_linux_ops;

#ifdef __cplusplus
}
#endif
#endif /* TRUSTM_PAL_LINUX_H */
