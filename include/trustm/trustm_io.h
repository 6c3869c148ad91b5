/*
 * trustm_io.h - the I/O requests of the trustm engines (the device engine of trustm_device.h and
 * the protocol stack inside it). An engine does no I/O, never sleeps and keeps no timers of its
 * own: it hands out one request at a time, the caller performs it and reports the outcome.
 *
 * Request kinds (addr7 = 7-bit I2C address; until_us on the PAL clock, see below):
 *   TRUSTM_IO_I2C_WRITE     one write transaction of buf[0..len) (buf[0] = register address).
 *                           Report n = len on success.
 *   TRUSTM_IO_I2C_READ      one read transaction of exactly len bytes into buf. n = len.
 *   TRUSTM_IO_WAIT          nothing to transfer: once the clock has reached until_us, report
 *                           io_done(TRUSTM_OK, 0, now). The engine learns the time only from
 *                           now_us: a wait reported early is simply handed out again.
 *   TRUSTM_IO_SET_PIN       drive pin (TRUSTM_IO_PIN_RST / _VDD) to level; a port without the
 *                           pin reports TRUSTM_STATUS(PAL, NOT_SUPPORTED). n = 0.
 *   TRUSTM_IO_I2C_READ_REG  register read: a 1-byte write transaction of reg (the select), then
 *                           at least gap_us later (GUARD_TIME) one read transaction of exactly
 *                           len bytes into buf. Partial success: a performer that has done only
 *                           the select may report io_done(TRUSTM_IN_PROGRESS, 1, now) (the next
 *                           request is then the read alone, not before the gap); if the read
 *                           fails after a good select it reports io_done(error, 1, now) -- only
 *                           the read is requested again. A failed select: io_done(error, 0, now).
 *
 * until_us: for WAIT the time to wait for; for the I2C kinds "not before" (GUARD_TIME after the
 * previous transaction, the NACK retry interval): the performer, not the engine, waits until
 * then before it starts the transaction (a timer, a sleep, or simply a later call).
 * SET_PIN carries no time. Errors to report: TRUSTM_OK, TRUSTM_PAL_NACK (address or data not
 * acknowledged: retried by the engine within its budget), TRUSTM_PAL_IO or any other status
 * (the request failed); now_us = the PAL clock after the transaction.
 */
#ifndef TRUSTM_IO_H
#define TRUSTM_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum trustm_io_kind {
    TRUSTM_IO_NONE = 0,
    TRUSTM_IO_I2C_WRITE,
    TRUSTM_IO_I2C_READ,
    TRUSTM_IO_WAIT,
    TRUSTM_IO_SET_PIN,
    TRUSTM_IO_I2C_READ_REG
} trustm_io_kind_t;

/* Pin identifiers of TRUSTM_IO_SET_PIN (same meaning and values as trustm_pal_pin_t). */
#define TRUSTM_IO_PIN_RST 0u
#define TRUSTM_IO_PIN_VDD 1u

typedef struct trustm_io {
    trustm_io_kind_t kind;
    uint8_t addr7;
    uint8_t reg;     /* TRUSTM_IO_I2C_READ_REG: the register selected first */
    uint8_t pin;     /* TRUSTM_IO_SET_PIN */
    bool level;      /* TRUSTM_IO_SET_PIN */
    uint32_t gap_us; /* TRUSTM_IO_I2C_READ_REG: at least this long between select and read */
    uint8_t *buf;    /* engine-owned (or the caller's borrowed buffer): valid until io_done */
    size_t len;
    uint64_t until_us;
} trustm_io_t;

/* Time comparison that survives wrap-around: true when a is at or after b. */
static inline bool trustm_time_reached(uint64_t a, uint64_t b)
{
    return (int64_t)(a - b) >= 0;
}

#ifdef __cplusplus
}
#endif
#endif /* TRUSTM_IO_H */
