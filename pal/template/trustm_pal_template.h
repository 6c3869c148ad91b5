/*
 * trustm_pal_template.h - skeleton of a platform port, to copy when porting trustm to a new
 * board or RTOS (docs/PORTING.md walks through it).
 *
 * The port is written against a tiny "board" interface (the trustm_board_* functions below)
 * that stands for whatever your SDK offers: ESP-IDF i2c_master_*, Zephyr i2c_write/i2c_read,
 * an STM32 HAL, a bare-metal driver. To port:
 *   1. copy pal/template/ to pal/<yourport>/ and rename template -> yourport;
 *   2. either implement the trustm_board_* functions for your SDK, or replace their calls in
 *      trustm_pal_template.c by direct SDK calls;
 *   3. keep the contract of every operation exactly as commented in the .c file.
 * The template itself is compiled in CI and unit-tested against fake board functions
 * (tests/pal/test_pal_template.c), so it stays correct.
 *
 * All state lives in trustm_pal_template_t (no globals), so several chips on several buses
 * can be driven by one program.
 */
#ifndef TRUSTM_PAL_TEMPLATE_H
#define TRUSTM_PAL_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trustm/trustm_pal.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- the board interface (PORT: provide these, or call your SDK directly) ---------------- */

/* Result of one board-level bus transaction. Most SDKs can tell an address NACK apart from
 * other failures (ESP-IDF: ESP_FAIL vs ESP_ERR_TIMEOUT; Zephyr: -EIO for both, see
 * PORTING.md); if yours cannot, report every NACK as TRUSTM_BOARD_I2C_NACK. */
typedef enum trustm_board_i2c_result {
    TRUSTM_BOARD_I2C_OK = 0,   /* all bytes transferred, STOP sent              */
    TRUSTM_BOARD_I2C_NACK = 1, /* address byte not acknowledged                 */
    TRUSTM_BOARD_I2C_ERROR = 2 /* anything else: arbitration, timeout, data NACK */
} trustm_board_i2c_result_t;

/* One I2C transaction on bus `bus`: START, addr7+W/R, len bytes, STOP. No retries. */
trustm_board_i2c_result_t trustm_board_i2c_write(int bus, uint8_t addr7, const uint8_t *buf, size_t len);
trustm_board_i2c_result_t trustm_board_i2c_read(int bus, uint8_t addr7, uint8_t *buf, size_t len);
/* Free-running microsecond counter; may be 32 bits wide and wrap (every ~71.6 minutes). */
uint32_t trustm_board_micros(void);
/* Busy-wait or task delay of at least us microseconds. */
void trustm_board_delay_us(uint32_t us);
/* Drive GPIO `gpio` to level (0/1). Returns 0 on success. */
int trustm_board_gpio_write(int gpio, int level);

/* ---- the port ----------------------------------------------------------------------------- */

typedef struct trustm_pal_template {
    int bus;              /* board bus number                          */
    int rst_gpio;         /* GPIO for RST (active low), -1 = not wired  */
    int vdd_gpio;         /* GPIO for the VDD switch, -1 = not wired    */
    uint32_t last_micros; /* last raw counter value seen (wrap detection) */
    uint64_t epoch_us;    /* microseconds added for past wraps          */
} trustm_pal_template_t;

/* Set up the context (no bus traffic). rst_gpio / vdd_gpio = -1 when not wired. */
void trustm_pal_template_setup(trustm_pal_template_t *t, int bus, int rst_gpio, int vdd_gpio);

/* Fill *pal with the template ops and t as context. */
void trustm_pal_template_init(trustm_pal_t *pal, trustm_pal_template_t *t);

extern const trustm_pal_ops_t trustm_pal_template_ops;

#ifdef __cplusplus
}
#endif
#endif /* TRUSTM_PAL_TEMPLATE_H */
