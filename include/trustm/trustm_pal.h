/*
 * trustm_pal.h - the platform contract.  A port (pal/<name>/) fills in an ops table; the
 * application wires it up and hands it to trustm_device_init().  The library core never calls
 * the operating system itself.
 *
 * Return contract of the bus operations (mirrors Linux's ENXIO-versus-EIO split):
 *   TRUSTM_OK        the whole transaction START..STOP completed (every byte transferred)
 *   TRUSTM_PAL_NACK  the address byte was not acknowledged: the chip is busy, asleep or held
 *                    in reset.  The caller retries ("late acknowledge"); the port MUST NOT retry.
 *   TRUSTM_PAL_IO    any other bus failure (arbitration lost, data NACK, driver error).
 */
#ifndef TRUSTM_PAL_H
#define TRUSTM_PAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trustm_status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum trustm_pal_pin {
    TRUSTM_PAL_PIN_RST = 0, /* reset line, active low                  */
    TRUSTM_PAL_PIN_VDD = 1  /* supply switch, high = powered           */
} trustm_pal_pin_t;

/* One bus transfer with its waits, for the optional xfer op (trustm_pal_ops_t). */
typedef enum trustm_pal_xfer_kind {
    TRUSTM_PAL_XFER_WRITE = 1,    /* one write transaction of buf[0..len)                      */
    TRUSTM_PAL_XFER_READ = 2,     /* one read transaction of len bytes into buf                */
    TRUSTM_PAL_XFER_READ_REG = 3, /* write reg (1 byte), wait gap_us, read len bytes into buf   */
    TRUSTM_PAL_XFER_SLEEP = 4     /* nothing but the wait                                      */
} trustm_pal_xfer_kind_t;

typedef struct trustm_pal_xfer {
    trustm_pal_xfer_kind_t kind;
    uint8_t addr7;
    uint8_t reg;           /* READ_REG */
    uint32_t pre_sleep_us; /* sleep at least this long first */
    uint32_t gap_us;       /* READ_REG: between the select and the read */
    uint8_t *buf;          /* WRITE: const in practice */
    size_t len;
    size_t done;     /* out: len on success; READ_REG failed after its select: 1; else 0 */
    uint64_t now_us; /* out: the clock after the transfer */
} trustm_pal_xfer_t;

typedef struct trustm_pal_ops {
    /* One I2C write transaction: START, addr7+W, len bytes, STOP. Required. */
    trustm_status_t (*i2c_write)(void *ctx, uint8_t addr7, const uint8_t *buf, size_t len);
    /* One I2C read transaction: START, addr7+R, exactly len bytes, STOP. Required. */
    trustm_status_t (*i2c_read)(void *ctx, uint8_t addr7, uint8_t *buf, size_t len);
    /* Monotonic time in microseconds. Required. */
    uint64_t (*now_us)(void *ctx);
    /* Sleep at least us microseconds. Required by the blocking driver only. */
    void (*sleep_us)(void *ctx, uint32_t us);
    /* Drive a pin. Optional (NULL: the port has no RST/VDD control); return
     * TRUSTM_STATUS(TRUSTM_LAYER_PAL, TRUSTM_BASE_NOT_SUPPORTED) for a pin it lacks. */
    trustm_status_t (*set_pin)(void *ctx, trustm_pal_pin_t pin, bool high);
    /* Optional (NULL: the calls above are used): the whole transfer x -- its sleep, the
     * transaction(s), the clock read -- in one call, for a port where every call is a round
     * trip (a socket, a USB bridge). Returns the status of the transaction (the first that
     * failed); fills x->done and x->now_us. Used by the blocking driver only; ignored by a
     * library built with -DTRUSTM_PAL_XFER=OFF. */
    trustm_status_t (*xfer)(void *ctx, trustm_pal_xfer_t *x);
} trustm_pal_ops_t;

typedef struct trustm_pal {
    const trustm_pal_ops_t *ops;
    void *ctx;
} trustm_pal_t;

#ifdef __cplusplus
}
#endif
#endif /* TRUSTM_PAL_H */
