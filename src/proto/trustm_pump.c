/*
 * Drivers over trustm_pal_t: the only proto file that includes trustm_pal.h and the only code
 * of the library that sleeps (blocking driver). design-guide §7.8.
 */
#include "trustm/trustm_pal.h"
#include "trustm_stack.h"

static trustm_status_t pump_set_pin(const trustm_pal_t *pal, const trustm_io_t *io)
{
    if (pal->ops->set_pin == NULL)
        return TRUSTM_STATUS(TRUSTM_LAYER_PAL, TRUSTM_BASE_NOT_SUPPORTED);
    trustm_pal_pin_t pin = io->pin == TRUSTM_IO_PIN_VDD ? TRUSTM_PAL_PIN_VDD : TRUSTM_PAL_PIN_RST;
    return pal->ops->set_pin(pal->ctx, pin, io->level);
}

trustm_status_t trustm_pump_perform(const struct trustm_pal *pal, const trustm_io_t *io)
{
    switch (io->kind) {
    case TRUSTM_IO_I2C_WRITE:
        return pal->ops->i2c_write(pal->ctx, io->addr7, io->buf, io->len);
    case TRUSTM_IO_I2C_READ:
        return pal->ops->i2c_read(pal->ctx, io->addr7, io->buf, io->len);
    case TRUSTM_IO_WAIT: {
        uint64_t now = pal->ops->now_us(pal->ctx);
        while (!trustm_time_reached(now, io->until_us)) {
            uint64_t left = io->until_us - now;
            if (pal->ops->sleep_us != NULL) /* a port without sleep_us: spin on the clock */
                pal->ops->sleep_us(pal->ctx, left > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)left);
            now = pal->ops->now_us(pal->ctx);
        }
        return TRUSTM_OK;
    }
    case TRUSTM_IO_SET_PIN:
        return pump_set_pin(pal, io);
    default:
        return TRUSTM_STATUS(TRUSTM_LAYER_PAL, TRUSTM_BASE_INTERNAL);
    }
}

trustm_status_t trustm_pump_engine_run(const trustm_engine_t *eng, const struct trustm_pal *pal)
{
    for (;;) {
        trustm_io_t io;
        trustm_status_t s = eng->next_io(eng->ctx, &io);
        if (s != TRUSTM_IN_PROGRESS)
            return s;
        s = trustm_pump_perform(pal, &io);
        eng->io_done(eng->ctx, s, s == TRUSTM_OK ? io.len : 0, pal->ops->now_us(pal->ctx));
    }
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
        if (io.kind == TRUSTM_IO_WAIT) {
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
        s = trustm_pump_perform(pal, &io);
        performed = true;
        eng->io_done(eng->ctx, s, s == TRUSTM_OK ? io.len : 0, pal->ops->now_us(pal->ctx));
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
