/*
 * Drivers over trustm_pal_t: the only proto file that includes trustm_pal.h and the only code
 * of the library that sleeps (blocking driver). design-guide §7.8.
 */
#include <string.h>

#include "trustm/trustm_pal.h"
#include "trustm_config.h"
#include "trustm_stack.h"

/* Microseconds from now until `until`: 0 once reached, at most 2^32 - 1. */
static uint32_t pump_left(uint64_t now, uint64_t until)
{
    if (trustm_time_reached(now, until))
        return 0;
    uint64_t left = until - now;
    return left > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)left;
}

/* Sleep until `until` counted from *now; the clock is read once afterwards (a port without
 * sleep_us: spin on the clock). */
static void pump_sleep_until(const struct trustm_pal *pal, uint64_t until, uint64_t *now)
{
    uint32_t left;
    while ((left = pump_left(*now, until)) != 0) {
        if (pal->ops->sleep_us != NULL)
            pal->ops->sleep_us(pal->ctx, left);
        *now = pal->ops->now_us(pal->ctx);
    }
}

/* The gap inside a register read: GUARD_TIME after the select, without reading the clock. */
static void pump_gap(const struct trustm_pal *pal, uint32_t gap_us)
{
    if (gap_us == 0)
        return;
    if (pal->ops->sleep_us != NULL) {
        pal->ops->sleep_us(pal->ctx, gap_us);
        return;
    }
    uint64_t now = pal->ops->now_us(pal->ctx);
    pump_sleep_until(pal, now + gap_us, &now);
}

/* The transaction(s) of an I2C request or the pin change. *n: len for a write or a read (as
 * io_done expects it on success), for a register read 0, 1 once selected, len once read. */
static trustm_status_t pump_io(const struct trustm_pal *pal, const trustm_io_t *io, size_t *n)
{
    const trustm_pal_ops_t *ops = pal->ops;
    trustm_status_t s;
    *n = 0;
    switch (io->kind) {
    case TRUSTM_IO_I2C_WRITE:
        *n = io->len;
        return ops->i2c_write(pal->ctx, io->addr7, io->buf, io->len);
    case TRUSTM_IO_I2C_READ_REG:
        s = ops->i2c_write(pal->ctx, io->addr7, &io->reg, 1);
        if (s != TRUSTM_OK)
            return s;
        pump_gap(pal, io->gap_us);
        s = ops->i2c_read(pal->ctx, io->addr7, io->buf, io->len);
        *n = s == TRUSTM_OK ? io->len : 1u; /* 1: selected, the read alone failed */
        return s;
    case TRUSTM_IO_I2C_READ:
        *n = io->len;
        return ops->i2c_read(pal->ctx, io->addr7, io->buf, io->len);
    case TRUSTM_IO_SET_PIN:
        if (ops->set_pin == NULL)
            return TRUSTM_STATUS(TRUSTM_LAYER_PAL, TRUSTM_BASE_NOT_SUPPORTED);
        return ops->set_pin(pal->ctx, io->pin == TRUSTM_IO_PIN_VDD ? TRUSTM_PAL_PIN_VDD : TRUSTM_PAL_PIN_RST,
                            io->level);
    default:
        return TRUSTM_STATUS(TRUSTM_LAYER_PAL, TRUSTM_BASE_INTERNAL);
    }
}

trustm_status_t trustm_pump_perform(const struct trustm_pal *pal, const trustm_io_t *io, uint64_t *now_us, size_t *n)
{
    if (io->kind == TRUSTM_IO_WAIT) {
        *n = 0;
        pump_sleep_until(pal, io->until_us, now_us);
        return TRUSTM_OK;
    }
    /* the guard before a transaction: sleep it off; the clock is read once, after the I/O */
    if (io->kind != TRUSTM_IO_SET_PIN)
        pump_gap(pal, pump_left(*now_us, io->until_us));
    trustm_status_t s = pump_io(pal, io, n);
    *now_us = pal->ops->now_us(pal->ctx);
    return s;
}

#if TRUSTM_CFG_PAL_XFER
/* One sleep through the port's xfer; *now becomes the clock after it. (until last: no argument
 * on the stack.) */
static void pump_xfer_sleep(const struct trustm_pal *pal, uint64_t *now, uint64_t until)
{
    trustm_pal_xfer_t x;
    memset(&x, 0, sizeof x);
    x.kind = TRUSTM_PAL_XFER_SLEEP;
    x.pre_sleep_us = pump_left(*now, until);
    (void)pal->ops->xfer(pal->ctx, &x);
    *now = x.now_us;
}

/* Through the port's xfer: a wait is carried over into the next transfer (its pre-sleep), so
 * that every request costs the port one call. The engine is told that the wait ended at its
 * target time (a lower bound of the real clock: nothing ever happens early); a second wait in
 * a row (an engine that checks the real clock) is slept at once. *now is the port's clock,
 * *eng_now what io_done reports. */
static trustm_status_t pump_xfer(const struct trustm_pal *pal, const trustm_io_t *io, uint64_t *now,
                                 uint64_t *owed_until, size_t *n, uint64_t *eng_now)
{
    trustm_pal_xfer_t x;
    *n = 0;
    if (io->kind == TRUSTM_IO_WAIT) {
        if (*owed_until != 0) {
            pump_xfer_sleep(pal, now, trustm_time_reached(io->until_us, *owed_until) ? io->until_us : *owed_until);
            *owed_until = 0;
            *eng_now = *now;
        } else if (!trustm_time_reached(*now, io->until_us)) {
            *owed_until = io->until_us;
            *eng_now = io->until_us;
        } else {
            *eng_now = *now;
        }
        return TRUSTM_OK;
    }
    if (io->kind == TRUSTM_IO_SET_PIN) {
        if (*owed_until != 0)
            pump_xfer_sleep(pal, now, *owed_until);
        *owed_until = 0;
        trustm_status_t s = trustm_pump_perform(pal, io, now, n);
        *eng_now = *now;
        return s;
    }
    memset(&x, 0, sizeof x);
    uint64_t start = io->until_us;
    if (*owed_until != 0 && trustm_time_reached(*owed_until, start))
        start = *owed_until;
    *owed_until = 0;
    x.pre_sleep_us = pump_left(*now, start);
    x.kind = io->kind == TRUSTM_IO_I2C_WRITE  ? TRUSTM_PAL_XFER_WRITE
             : io->kind == TRUSTM_IO_I2C_READ ? TRUSTM_PAL_XFER_READ
                                              : TRUSTM_PAL_XFER_READ_REG;
    x.addr7 = io->addr7;
    x.reg = io->reg;
    x.gap_us = io->gap_us;
    x.buf = io->buf;
    x.len = io->len;
    trustm_status_t s = pal->ops->xfer(pal->ctx, &x);
    *now = x.now_us;
    *eng_now = x.now_us;
    *n = x.done;
    return s;
}
#endif

/* The blocking driver's clock: the PAL clock as last read and (xfer ports) the wait still owed
 * to the port, carried into its next transfer (0: none). */
typedef struct pump_clock {
    uint64_t now;
#if TRUSTM_CFG_PAL_XFER
    uint64_t owed_until;
#endif
} pump_clock_t;

/* Perform one request of the blocking driver and report it to the engine (here rather than in
 * the driver loop, whose frame lies below the engine's whole call tree: it keeps only the
 * request and the clock). */
static TRUSTM_NOINLINE void pump_one(const trustm_engine_t *eng, const struct trustm_pal *pal, const trustm_io_t *io,
                                     pump_clock_t *c)
{
    size_t n;
    trustm_status_t s;
#if TRUSTM_CFG_PAL_XFER
    if (pal->ops->xfer != NULL) {
        uint64_t eng_now;
        s = pump_xfer(pal, io, &c->now, &c->owed_until, &n, &eng_now);
        eng->io_done(eng->ctx, s, n, eng_now);
        return;
    }
#endif
    s = trustm_pump_perform(pal, io, &c->now, &n);
    eng->io_done(eng->ctx, s, n, c->now);
}

trustm_status_t trustm_pump_engine_run(const trustm_engine_t *eng, const struct trustm_pal *pal)
{
    pump_clock_t c;
    memset(&c, 0, sizeof c);
    c.now = pal->ops->now_us(pal->ctx);
    trustm_io_t io;
    trustm_status_t s;
    while ((s = eng->next_io(eng->ctx, &io)) == TRUSTM_IN_PROGRESS)
        pump_one(eng, pal, &io, &c);
#if TRUSTM_CFG_PAL_XFER
    if (c.owed_until != 0) /* a final wait is still owed */
        pump_xfer_sleep(pal, &c.now, c.owed_until);
#endif
    return s;
}

trustm_status_t trustm_pump_engine_step(const trustm_engine_t *eng, const struct trustm_pal *pal,
                                        uint64_t *next_deadline_us)
{
    bool performed = false;
    for (;;) {
        trustm_io_t io;
        trustm_status_t s = eng->next_io(eng->ctx, &io);
        uint64_t now = pal->ops->now_us(pal->ctx);
        if (s != TRUSTM_IN_PROGRESS)
            return s;
        if (io.kind == TRUSTM_IO_WAIT || (io.kind != TRUSTM_IO_SET_PIN && !trustm_time_reached(now, io.until_us))) {
            if (!trustm_time_reached(now, io.until_us)) {
                if (next_deadline_us != NULL)
                    *next_deadline_us = io.until_us;
                return TRUSTM_IN_PROGRESS;
            }
            eng->io_done(eng->ctx, TRUSTM_OK, 0, now); /* elapsed wait: not an I/O */
            continue;
        }
        if (performed) {
            if (next_deadline_us != NULL)
                *next_deadline_us = now; /* more work is due at once */
            return TRUSTM_IN_PROGRESS;
        }
        size_t n;
        performed = true;
        if (io.kind == TRUSTM_IO_I2C_READ_REG) {                     /* no sleeping here: the select alone, the read */
            s = pal->ops->i2c_write(pal->ctx, io.addr7, &io.reg, 1); /* after GUARD_TIME */
            eng->io_done(eng->ctx, s == TRUSTM_OK ? TRUSTM_IN_PROGRESS : s, s == TRUSTM_OK ? 1u : 0u,
                         pal->ops->now_us(pal->ctx));
            continue;
        }
        s = trustm_pump_perform(pal, &io, &now, &n);
        eng->io_done(eng->ctx, s, n, now);
    }
}

static trustm_status_t stack_next_io_cb(void *ctx, trustm_io_t *io)
{
    return trustm_stack_next_io((trustm_stack_t *)ctx, io);
}

static void stack_io_done_cb(void *ctx, trustm_status_t io_status, size_t n, uint64_t now_us)
{
    trustm_stack_io_done((trustm_stack_t *)ctx, io_status, n, now_us);
}

trustm_status_t trustm_pump_run(trustm_stack_t *st, const struct trustm_pal *pal)
{
    trustm_engine_t eng = {stack_next_io_cb, stack_io_done_cb, st};
    return trustm_pump_engine_run(&eng, pal);
}

trustm_status_t trustm_pump_step(trustm_stack_t *st, const struct trustm_pal *pal, uint64_t *next_deadline_us)
{
    trustm_engine_t eng = {stack_next_io_cb, stack_io_done_cb, st};
    return trustm_pump_engine_step(&eng, pal, next_deadline_us);
}
