/*
 * trustm_pal_template.c - skeleton platform port; see trustm_pal_template.h and PORTING.md.
 * Every function documents the contract the protocol stack relies on.
 */
#include "trustm_pal_template.h"

/*
 * i2c_write - one complete I2C write transaction: START, addr7 + W, the len bytes of buf,
 * STOP. buf[0] is the chip's register address (0x80 DATA, 0x81 DATA_REG_LEN, ...).
 *
 * Contract:
 *  - exactly one transaction; never a repeated START, never split into several transactions
 *    (the chip treats a STOP as "frame complete");
 *  - do NOT retry: when the chip is busy it NACKs its address and the stack retries with the
 *    protocol's timing ("late acknowledge", ifx-i2c.md §1.5);
 *  - return TRUSTM_OK when every byte was acknowledged, TRUSTM_PAL_NACK when the ADDRESS byte
 *    was not acknowledged, TRUSTM_PAL_IO for anything else (bus stuck, arbitration lost,
 *    driver timeout, a data byte NACKed);
 *  - len is 1..277 for this chip; buf stays owned by the caller.
 */
static trustm_status_t tpl_i2c_write(void *ctx, uint8_t addr7, const uint8_t *buf, size_t len)
{
    trustm_pal_template_t *t = ctx;
    if (t == NULL || buf == NULL || len == 0u) {
        return TRUSTM_PAL_IO;
    }
    switch (trustm_board_i2c_write(t->bus, addr7, buf, len)) {
    case TRUSTM_BOARD_I2C_OK:
        return TRUSTM_OK;
    case TRUSTM_BOARD_I2C_NACK:
        return TRUSTM_PAL_NACK;
    default:
        return TRUSTM_PAL_IO;
    }
}

/*
 * i2c_read - one complete I2C read transaction: START, addr7 + R, exactly len bytes from the
 * chip (the master ACKs every byte but the last, then STOP).
 *
 * Contract: as i2c_write. The register to read was selected by the previous i2c_write of its
 * address alone; the stack waits the guard time in between, the port does not. Fill buf with
 * exactly len bytes on TRUSTM_OK; buf contents are unspecified on failure.
 */
static trustm_status_t tpl_i2c_read(void *ctx, uint8_t addr7, uint8_t *buf, size_t len)
{
    trustm_pal_template_t *t = ctx;
    if (t == NULL || buf == NULL || len == 0u) {
        return TRUSTM_PAL_IO;
    }
    switch (trustm_board_i2c_read(t->bus, addr7, buf, len)) {
    case TRUSTM_BOARD_I2C_OK:
        return TRUSTM_OK;
    case TRUSTM_BOARD_I2C_NACK:
        return TRUSTM_PAL_NACK;
    default:
        return TRUSTM_PAL_IO;
    }
}

/*
 * now_us - monotonic time in microseconds; never goes backwards, need not start at 0.
 *
 * The stack computes every timeout (guard time, TRANS_TIMEOUT 10 ms, NACK retry budget) as a
 * difference of now_us() values, so a 32-bit counter must be widened: this version detects the
 * wrap of trustm_board_micros() (call it at least once every 71 minutes, which the stack does
 * while it is active; after a longer idle period only relative order matters). A millisecond
 * tick (FreeRTOS xTaskGetTickCount) times 1000 is acceptable when the tick is 1 ms or finer.
 */
static uint64_t tpl_now_us(void *ctx)
{
    trustm_pal_template_t *t = ctx;
    uint32_t raw = trustm_board_micros();
    if (raw < t->last_micros) {
        t->epoch_us += (uint64_t)1u << 32; /* the 32-bit counter wrapped */
    }
    t->last_micros = raw;
    return t->epoch_us + raw;
}

/*
 * sleep_us - wait at least us microseconds. Used only by the blocking driver (the
 * non-blocking driver never sleeps). Longer is fine, shorter is not: round a tick-based delay
 * UP (e.g. vTaskDelay(pdMS_TO_TICKS((us + 999) / 1000)) or k_usleep(us)). Waits are 50 µs
 * (guard time) up to a few tens of milliseconds (start-up time, polling).
 */
static void tpl_sleep_us(void *ctx, uint32_t us)
{
    (void)ctx;
    if (us != 0u) {
        trustm_board_delay_us(us);
    }
}

/*
 * set_pin - drive the chip's RST (active low: high = running) or VDD switch (high = powered).
 * Optional: set the member to NULL in the ops table when the board wires neither pin; the
 * stack then resets the chip through the SOFT_RESET register. For a pin that is not wired,
 * return TRUSTM_STATUS(TRUSTM_LAYER_PAL, TRUSTM_BASE_NOT_SUPPORTED). The stack holds a pin low
 * for the reset low time and waits the start-up time itself.
 */
static trustm_status_t tpl_set_pin(void *ctx, trustm_pal_pin_t pin, bool high)
{
    trustm_pal_template_t *t = ctx;
    int gpio = -1;
    if (pin == TRUSTM_PAL_PIN_RST) {
        gpio = t->rst_gpio;
    } else if (pin == TRUSTM_PAL_PIN_VDD) {
        gpio = t->vdd_gpio;
    }
    if (gpio < 0) {
        return TRUSTM_STATUS(TRUSTM_LAYER_PAL, TRUSTM_BASE_NOT_SUPPORTED);
    }
    return trustm_board_gpio_write(gpio, high ? 1 : 0) == 0 ? TRUSTM_OK : TRUSTM_PAL_IO;
}

const trustm_pal_ops_t trustm_pal_template_ops = {
    tpl_i2c_write, tpl_i2c_read, tpl_now_us,
    tpl_sleep_us,  tpl_set_pin,  NULL, /* xfer: optional, for ports where every call is a round trip */
};

void trustm_pal_template_setup(trustm_pal_template_t *t, int bus, int rst_gpio, int vdd_gpio)
{
    t->bus = bus;
    t->rst_gpio = rst_gpio;
    t->vdd_gpio = vdd_gpio;
    t->last_micros = 0;
    t->epoch_us = 0;
}

void trustm_pal_template_init(trustm_pal_t *pal, trustm_pal_template_t *t)
{
    pal->ops = &trustm_pal_template_ops;
    pal->ctx = t;
}
