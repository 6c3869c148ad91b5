/* Physical layer engine, master side (ifx-i2c.md §1). See trustm_phy.h for the transitions. */
#include "trustm_phy.h"

#include <string.h>

enum { PHY_OP_IDLE = 0, PHY_OP_WRITE, PHY_OP_READ, PHY_OP_WAIT, PHY_OP_PIN, PHY_OP_DONE };

void trustm_phy_setup(trustm_phy_t *phy, const trustm_stack_config_t *cfg, trustm_stats_t *stats)
{
    memset(phy, 0, sizeof *phy);
    phy->addr7 = cfg->addr7;
    phy->guard_time_us = cfg->guard_time_us;
    phy->nack_interval_us = cfg->nack_interval_us;
    phy->nack_max = cfg->nack_max;
    phy->stats = stats;
}

void trustm_phy_set_now(trustm_phy_t *phy, uint64_t now_us)
{
    phy->now = now_us;
}

static void phy_begin(trustm_phy_t *phy, uint8_t op)
{
    phy->op = op;
    phy->attempts = 0;
    phy->selected = false;
    phy->pending = TRUSTM_IO_NONE;
    phy->result = TRUSTM_IN_PROGRESS;
}

void trustm_phy_write_start(trustm_phy_t *phy, uint8_t *buf, size_t len)
{
    phy_begin(phy, PHY_OP_WRITE);
    phy->wbuf = buf;
    phy->wlen = (uint16_t)len;
}

void trustm_phy_read_start(trustm_phy_t *phy, uint8_t reg, uint8_t *buf, size_t len)
{
    phy_begin(phy, PHY_OP_READ);
    phy->reg = reg;
    phy->rbuf = buf;
    phy->rlen = (uint16_t)len;
}

void trustm_phy_not_before(trustm_phy_t *phy, uint64_t until_us)
{
    if (!trustm_time_reached(phy->not_before, until_us))
        phy->not_before = until_us;
}

void trustm_phy_wait_start(trustm_phy_t *phy, uint64_t until_us)
{
    phy_begin(phy, PHY_OP_WAIT);
    phy->until_us = until_us;
}

void trustm_phy_pin_start(trustm_phy_t *phy, uint8_t pin, bool level)
{
    phy_begin(phy, PHY_OP_PIN);
    phy->pin = pin;
    phy->level = level;
}

void trustm_phy_cancel(trustm_phy_t *phy)
{
    phy->op = PHY_OP_IDLE;
    phy->pending = TRUSTM_IO_NONE;
}

static void phy_finish(trustm_phy_t *phy, trustm_status_t status)
{
    phy->op = PHY_OP_DONE;
    phy->result = status;
}

/* The transaction, not before GUARD_TIME / the NACK interval has passed (the performer waits);
 * a register read is one request: select, GUARD_TIME, read. */
static trustm_status_t phy_transaction_io(trustm_phy_t *phy, trustm_io_t *io)
{
    io->until_us = phy->not_before;
    if (phy->op == PHY_OP_WRITE) {
        io->kind = TRUSTM_IO_I2C_WRITE;
        io->buf = phy->wbuf;
        io->len = phy->wlen;
    } else if (phy->selected) {
        io->kind = TRUSTM_IO_I2C_READ; /* the select went through: the read alone again */
        io->buf = phy->rbuf;
        io->len = phy->rlen;
    } else {
        io->kind = TRUSTM_IO_I2C_READ_REG;
        io->reg = phy->reg;
        io->gap_us = phy->guard_time_us;
        io->buf = phy->rbuf;
        io->len = phy->rlen;
    }
    io->addr7 = phy->addr7;
    phy->pending = (uint8_t)io->kind;
    return TRUSTM_IN_PROGRESS;
}

trustm_status_t trustm_phy_next_io(trustm_phy_t *phy, trustm_io_t *io)
{
    memset(io, 0, sizeof *io);
    switch (phy->op) {
    case PHY_OP_WRITE:
    case PHY_OP_READ:
        return phy_transaction_io(phy, io);
    case PHY_OP_WAIT:
        if (trustm_time_reached(phy->now, phy->until_us)) {
            phy_finish(phy, TRUSTM_OK);
            break;
        }
        io->kind = TRUSTM_IO_WAIT;
        io->until_us = phy->until_us;
        phy->pending = TRUSTM_IO_WAIT;
        return TRUSTM_IN_PROGRESS;
    case PHY_OP_PIN:
        io->kind = TRUSTM_IO_SET_PIN;
        io->pin = phy->pin;
        io->level = phy->level;
        phy->pending = TRUSTM_IO_SET_PIN;
        return TRUSTM_IN_PROGRESS;
    case PHY_OP_DONE:
        break;
    case PHY_OP_IDLE:
        return TRUSTM_STATUS(TRUSTM_LAYER_PHY, TRUSTM_BASE_BAD_SEQUENCE);
    default:
        return TRUSTM_STATUS(TRUSTM_LAYER_PHY, TRUSTM_BASE_INTERNAL);
    }
    phy->op = PHY_OP_IDLE;
    return phy->result;
}

static void phy_transaction_done(trustm_phy_t *phy, trustm_status_t io_status, uint8_t kind, size_t n)
{
    if (kind == TRUSTM_IO_I2C_READ_REG && (io_status == TRUSTM_OK || n == 1u)) {
        TRUSTM_STAT_INC(phy, transactions); /* the select went through */
        TRUSTM_STAT_INC(phy, bytes_written);
        phy->selected = true;
        if (io_status == TRUSTM_IN_PROGRESS) { /* the performer stopped after the select */
            phy->not_before = phy->now + phy->guard_time_us;
            return;
        }
    }
    TRUSTM_STAT_INC(phy, transactions);
    if (io_status == TRUSTM_OK) {
        if (kind == TRUSTM_IO_I2C_WRITE)
            TRUSTM_STAT_ADD(phy, bytes_written, phy->wlen);
        else
            TRUSTM_STAT_ADD(phy, bytes_read, phy->rlen);
        phy->not_before = phy->now + phy->guard_time_us;
        phy_finish(phy, TRUSTM_OK);
        return;
    }
    /* Late acknowledge (§1.5): any failed transaction is repeated after 1 ms, up to nack_max
     * attempts for the whole register access. */
    if (io_status == TRUSTM_PAL_NACK)
        TRUSTM_STAT_INC(phy, nacks);
    phy->attempts++;
    if (phy->attempts >= phy->nack_max) {
        phy_finish(phy,
                   TRUSTM_STATUS(TRUSTM_LAYER_PHY, io_status == TRUSTM_PAL_NACK ? TRUSTM_BASE_NACK : TRUSTM_BASE_IO));
        return;
    }
    phy->not_before = phy->now + phy->nack_interval_us;
}

void trustm_phy_io_done(trustm_phy_t *phy, trustm_status_t io_status, size_t n, uint64_t now_us)
{
    uint8_t pending = phy->pending;
    phy->now = now_us;
    phy->pending = TRUSTM_IO_NONE;
    if (phy->op == PHY_OP_IDLE || phy->op == PHY_OP_DONE)
        return; /* nothing outstanding (e.g. after cancel) */
    switch (pending) {
    case TRUSTM_IO_WAIT:
        break; /* time advanced; next_io re-evaluates */
    case TRUSTM_IO_I2C_WRITE:
    case TRUSTM_IO_I2C_READ:
    case TRUSTM_IO_I2C_READ_REG:
        phy_transaction_done(phy, io_status, pending, n);
        break;
    case TRUSTM_IO_SET_PIN:
        phy_finish(phy, io_status);
        break;
    default:
        break;
    }
}
