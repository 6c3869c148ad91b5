/*
 * Composition of PHY, DL, TL (+ PL seam): start / next_io / io_done / abort (design-guide §7.8),
 * and the open procedure (ifx-i2c.md §1.8, §7.1):
 *
 *   COLD  VDD low, RST low, wait reset_low, VDD high, RST high, wait startup  -+
 *   WARM  RST low, wait reset_low, RST high, wait startup                       |
 *         (a pin the port cannot drive is skipped; no pin at all -> SOFT)       +-> NEGOTIATE
 *   SOFT  read I2C_STATE, bit 27 must be set (else PHY NOT_SUPPORTED),          |
 *         write SOFT_RESET 00 00, wait startup                                  |
 *   NONE  (link counters unknown: a re-sync frame precedes the first frame)   -+
 *   NEGOTIATE  read MAX_SCL_FREQU (4), write DATA_REG_LEN = frame_size, read it back (2);
 *              frame size = min(requested, read back); read back < 16 -> PHY PROTOCOL
 * Any failure -> FAILED (sticky until the next successful open).
 *
 * The steps are one list (OS_*) walked in order; a step that does not apply is skipped
 * (open_applies). Compiled out (trustm_config.h): without TRUSTM_CFG_RESET_PINS, COLD and WARM
 * act as on a port without pins (SOFT); without TRUSTM_CFG_RESET_SOFT, a soft reset is not done
 * (the open only negotiates, as NONE).
 */
#include <string.h>

#include "trustm_bytes.h"
#include "trustm_config.h"
#include "trustm_dl.h"
#include "trustm_phy.h"
#include "trustm_tl.h"

enum { STACK_ST_IDLE = 0, STACK_ST_OPEN, STACK_ST_EXCHANGE, STACK_ST_DONE };
/* The open procedure's steps in the order they are taken. */
enum {
    OS_VDD_LOW = 1,
    OS_RST_LOW,
    OS_LOW_WAIT,
    OS_VDD_HIGH,
    OS_RST_HIGH,
    OS_SOFT_STATE,
    OS_SOFT_WRITE,
    OS_STARTUP_WAIT,
    OS_SCL_READ,
    OS_DRL_WRITE,
    OS_DRL_READ
};
#define PIN_OK_VDD 1u
#define PIN_OK_RST 2u

#define DEFAULT(field, value)                                                                                          \
    do {                                                                                                               \
        if ((field) == 0)                                                                                              \
            (field) = (value);                                                                                         \
    } while (0)

trustm_status_t trustm_stack_init(trustm_stack_t *st, const trustm_stack_config_t *cfg)
{
    if (st == NULL || cfg == NULL)
        return TRUSTM_STATUS(TRUSTM_LAYER_TL, TRUSTM_BASE_BAD_PARAM);
    trustm_stack_config_t c = *cfg;
    DEFAULT(c.addr7, TRUSTM_DEFAULT_I2C_ADDR);
    DEFAULT(c.frame_size, TRUSTM_DL_FRAME_MAX);
    DEFAULT(c.startup_us, TRUSTM_DEFAULT_STARTUP_US);
    DEFAULT(c.reset_low_us, TRUSTM_DEFAULT_RESET_LOW_US);
    DEFAULT(c.guard_time_us, TRUSTM_DEFAULT_GUARD_TIME_US);
    DEFAULT(c.trans_timeout_us, TRUSTM_DEFAULT_TRANS_TIMEOUT_US);
    DEFAULT(c.trans_repeat, TRUSTM_DEFAULT_TRANS_REPEAT);
    DEFAULT(c.resync_max, TRUSTM_DEFAULT_RESYNC_MAX);
    DEFAULT(c.poll_interval_us, TRUSTM_DEFAULT_POLL_INTERVAL_US);
    DEFAULT(c.nack_interval_us, TRUSTM_DEFAULT_NACK_INTERVAL_US);
    DEFAULT(c.nack_max, TRUSTM_DEFAULT_NACK_MAX);
    DEFAULT(c.exchange_timeout_us, TRUSTM_DEFAULT_EXCHANGE_TIMEOUT_US);
    if (c.pl == NULL)
        c.pl = &trustm_pl_none;
    if (c.addr7 > 0x7Fu || c.frame_size < TRUSTM_DL_FRAME_MIN || c.frame_size > TRUSTM_DL_FRAME_MAX ||
        c.trans_repeat > 4u || c.reset > TRUSTM_STACK_RESET_SOFT || c.pl->tx_begin == NULL || c.pl->rx_end == NULL)
        return TRUSTM_STATUS(TRUSTM_LAYER_TL, TRUSTM_BASE_BAD_PARAM);
    memset(st, 0, sizeof *st);
    st->startup_us = c.startup_us;
    st->reset_low_us = c.reset_low_us;
    st->frame_size_ask = c.frame_size;
    st->frame_size = c.frame_size;
    trustm_phy_setup(&st->phy, &c, &st->stats);
    trustm_dl_setup(&st->dl, &st->phy, &c);
    trustm_tl_setup(&st->tl, &st->dl, &c);
    /* Until the first open the chip's link state is unknown. */
    trustm_dl_link_reset(&st->dl, true);
    return TRUSTM_OK;
}

static void stack_fail(trustm_stack_t *st, trustm_status_t s)
{
    st->failed = true;
    st->fail_status = s;
}

/* ---- open procedure ---- */

static void open_step(trustm_stack_t *st, uint8_t step)
{
    trustm_phy_t *phy = &st->phy;
    uint64_t now = trustm_phy_now(phy);
    st->open_step = step;
    switch (step) {
#if TRUSTM_CFG_RESET_PINS
    case OS_VDD_LOW:
    case OS_RST_LOW:
    case OS_VDD_HIGH:
    case OS_RST_HIGH:
        trustm_phy_pin_start(phy, step == OS_VDD_LOW || step == OS_VDD_HIGH ? TRUSTM_IO_PIN_VDD : TRUSTM_IO_PIN_RST,
                             step >= OS_VDD_HIGH);
        break;
    case OS_LOW_WAIT:
        trustm_phy_wait_start(phy, now + st->reset_low_us);
        break;
#endif
#if TRUSTM_CFG_RESET_SOFT
    case OS_SOFT_STATE:
        trustm_phy_read_start(phy, TRUSTM_PHY_REG_I2C_STATE, st->i2c_state, sizeof st->i2c_state);
        break;
    case OS_SOFT_WRITE:
        st->reg_buf[0] = TRUSTM_PHY_REG_SOFT_RESET;
        st->reg_buf[1] = 0;
        st->reg_buf[2] = 0;
        trustm_phy_write_start(phy, st->reg_buf, 3);
        break;
#endif
    case OS_STARTUP_WAIT:
        trustm_phy_wait_start(phy, now + st->startup_us);
        break;
    case OS_SCL_READ:
        trustm_phy_read_start(phy, TRUSTM_PHY_REG_MAX_SCL_FREQU, st->reg_buf, 4);
        break;
    case OS_DRL_WRITE:
        st->reg_buf[0] = TRUSTM_PHY_REG_DATA_REG_LEN;
        trustm_be16_put(st->reg_buf + 1, st->frame_size_ask);
        trustm_phy_write_start(phy, st->reg_buf, 3);
        break;
    default: /* OS_DRL_READ */
        trustm_phy_read_start(phy, TRUSTM_PHY_REG_DATA_REG_LEN, st->reg_buf, 2);
        break;
    }
}

/* Whether a step after the first applies: a pin goes high only if it went low; the wait between
 * needs a pin; the soft reset is the reset when no pin could be driven; the startup wait
 * follows a reset. */
static bool open_applies(const trustm_stack_t *st, uint8_t step)
{
    switch (step) {
    case OS_LOW_WAIT:
        return st->pins_ok != 0;
    case OS_VDD_HIGH:
        return (st->pins_ok & PIN_OK_VDD) != 0;
    case OS_RST_HIGH:
        return (st->pins_ok & PIN_OK_RST) != 0;
    case OS_SOFT_STATE:
    case OS_SOFT_WRITE:
        return TRUSTM_CFG_RESET_SOFT && st->pins_ok == 0;
    case OS_STARTUP_WAIT:
        return TRUSTM_CFG_RESET_SOFT || st->pins_ok != 0;
    default:
        return true;
    }
}

static void open_finish(trustm_stack_t *st, trustm_status_t s)
{
    st->state = STACK_ST_DONE;
    st->result = s;
    if (s != TRUSTM_OK)
        stack_fail(st, s);
}

static void open_on_phy_done(trustm_stack_t *st, trustm_status_t s)
{
    uint8_t step = st->open_step;
    if (step == OS_VDD_LOW || step == OS_RST_LOW) {
        if (s == TRUSTM_OK)
            st->pins_ok |= step == OS_VDD_LOW ? PIN_OK_VDD : PIN_OK_RST;
        else if (TRUSTM_STATUS_BASE(s) == TRUSTM_BASE_NOT_SUPPORTED)
            s = TRUSTM_OK; /* a pin the port cannot drive is skipped */
    }
    if (s == TRUSTM_OK && step == OS_SOFT_STATE && (st->i2c_state[0] & TRUSTM_PHY_I2C_STATE_SOFT_RESET) == 0)
        s = TRUSTM_STATUS(TRUSTM_LAYER_PHY, TRUSTM_BASE_NOT_SUPPORTED);
    if (s != TRUSTM_OK) {
        open_finish(st, s);
        return;
    }
    if (step == OS_SCL_READ)
        st->max_scl_khz = (uint16_t)trustm_be32_get(st->reg_buf);
    if (step == OS_DRL_READ) {
        uint16_t chip = trustm_be16_get(st->reg_buf);
        if (chip < TRUSTM_DL_FRAME_MIN) {
            open_finish(st, TRUSTM_STATUS(TRUSTM_LAYER_PHY, TRUSTM_BASE_PROTOCOL));
            return;
        }
        st->frame_size = chip < st->frame_size_ask ? chip : st->frame_size_ask;
        st->dl.frame_size = st->frame_size;
        /* no reset (NONE, or no pin and no soft reset): the link counters are unknown */
        bool reset = st->pins_ok != 0 || (TRUSTM_CFG_RESET_SOFT && st->reset_kind != TRUSTM_STACK_RESET_NONE);
        trustm_dl_link_reset(&st->dl, !reset);
        open_finish(st, TRUSTM_OK);
        return;
    }
    do
        step++;
    while (!open_applies(st, step));
    open_step(st, step);
}

trustm_status_t trustm_stack_open_start(trustm_stack_t *st, trustm_stack_reset_t reset, uint64_t now_us)
{
    static const uint8_t first_step[] = {OS_SCL_READ, OS_VDD_LOW, OS_RST_LOW, OS_SOFT_STATE};
    if (st == NULL || reset > TRUSTM_STACK_RESET_SOFT)
        return TRUSTM_STATUS(TRUSTM_LAYER_PHY, TRUSTM_BASE_BAD_PARAM);
    if (trustm_stack_is_busy(st))
        return TRUSTM_STATUS(TRUSTM_LAYER_PHY, TRUSTM_BASE_BAD_SEQUENCE);
#if !TRUSTM_CFG_RESET_PINS
    if (reset != TRUSTM_STACK_RESET_NONE)
        reset = TRUSTM_STACK_RESET_SOFT; /* as on a port without pins */
#endif
#if !TRUSTM_CFG_RESET_SOFT
    if (reset == TRUSTM_STACK_RESET_SOFT)
        reset = TRUSTM_STACK_RESET_NONE;
#endif
    st->failed = false;
    st->fail_status = TRUSTM_OK;
    if (st->tl.pl->event != NULL)
        st->tl.pl->event(st->tl.pl_ctx, TRUSTM_PL_EV_OPEN);
    st->reset_kind = (uint8_t)reset;
    st->pins_ok = 0;
    st->state = STACK_ST_OPEN;
    st->result = TRUSTM_IN_PROGRESS;
    trustm_phy_set_now(&st->phy, now_us);
    open_step(st, first_step[reset]);
    return TRUSTM_OK;
}

/* ---- exchange ---- */

/* Start an exchange of the message the PL builds around apdu (none: a control exchange). */
static trustm_status_t stack_ready(trustm_stack_t *st, uint32_t expect_us, uint64_t now_us)
{
    if (trustm_stack_is_busy(st))
        return TRUSTM_STATUS(TRUSTM_LAYER_TL, TRUSTM_BASE_BAD_SEQUENCE);
    if (st->failed)
        return TRUSTM_STATUS(TRUSTM_STATUS_LAYER(st->fail_status), TRUSTM_BASE_FAILED);
    trustm_phy_set_now(&st->phy, now_us);
    st->tl.expect_us = expect_us;
    return TRUSTM_OK;
}

/* The transport started the exchange with status s. */
static trustm_status_t stack_begun(trustm_stack_t *st, trustm_status_t s)
{
    if (s != TRUSTM_OK)
        return s;
    st->state = STACK_ST_EXCHANGE;
    st->result = TRUSTM_IN_PROGRESS;
    return TRUSTM_OK;
}

trustm_status_t trustm_stack_start(trustm_stack_t *st, const uint8_t *apdu, size_t apdu_len, uint32_t expect_us,
                                   uint8_t *rsp, size_t rsp_size, uint64_t now_us)
{
    if (st == NULL || (apdu == NULL && apdu_len > 0) || apdu_len == 0 || (rsp == NULL && rsp_size > 0))
        return TRUSTM_STATUS(TRUSTM_LAYER_TL, TRUSTM_BASE_BAD_PARAM);
    trustm_status_t s = stack_ready(st, expect_us, now_us);
    if (s != TRUSTM_OK)
        return s;
    return stack_begun(st, trustm_tl_start(&st->tl, apdu, apdu_len, rsp, rsp_size, now_us));
}

trustm_status_t trustm_stack_start_sink(trustm_stack_t *st, const trustm_gather_t *g, uint32_t expect_us,
                                        const trustm_rsp_sink_t *sink, uint64_t now_us)
{
    if (st == NULL || g == NULL || g->len == 0 || sink == NULL || sink->put == NULL)
        return TRUSTM_STATUS(TRUSTM_LAYER_TL, TRUSTM_BASE_BAD_PARAM);
    trustm_status_t s = stack_ready(st, expect_us, now_us);
    if (s != TRUSTM_OK)
        return s;
    return stack_begun(st, trustm_tl_start_sink(&st->tl, g, sink, now_us));
}

trustm_status_t trustm_stack_start_control(trustm_stack_t *st, uint64_t now_us)
{
    if (st == NULL)
        return TRUSTM_STATUS(TRUSTM_LAYER_TL, TRUSTM_BASE_BAD_PARAM);
    trustm_status_t s = stack_ready(st, 0, now_us);
    if (s != TRUSTM_OK)
        return s;
    return stack_begun(st, trustm_tl_start(&st->tl, NULL, 0, NULL, 0, now_us));
}

/* Errors after which the chip cannot be reached or the link cannot be recovered. */
static bool stack_is_fatal(const trustm_stack_t *st, trustm_status_t s)
{
    uint32_t layer = TRUSTM_STATUS_LAYER(s), base = TRUSTM_STATUS_BASE(s);
    if (layer == TRUSTM_LAYER_PL && st->tl.pl->sticky != NULL)
        return st->tl.pl->sticky(st->tl.pl_ctx);
    if (layer == TRUSTM_LAYER_PHY || layer == TRUSTM_LAYER_PAL)
        return true;
    return layer == TRUSTM_LAYER_DL && base == TRUSTM_BASE_DESYNC;
}

/* io: the PHY's next_io fills it (cleared first), or the layer that ends clears it. */
trustm_status_t trustm_stack_next_io(trustm_stack_t *st, trustm_io_t *io)
{
    for (;;) {
        trustm_status_t s;
        switch (st->state) {
        case STACK_ST_OPEN:
            s = trustm_phy_next_io(&st->phy, io);
            if (s == TRUSTM_IN_PROGRESS)
                return s;
            open_on_phy_done(st, s);
            break;
        case STACK_ST_EXCHANGE:
            s = trustm_tl_next_io(&st->tl, io);
            if (s == TRUSTM_IN_PROGRESS)
                return s;
            st->state = STACK_ST_DONE;
            st->result = s;
            if (stack_is_fatal(st, s))
                stack_fail(st, s);
            break;
        case STACK_ST_DONE:
            memset(io, 0, sizeof *io);
            return st->result;
        default:
            memset(io, 0, sizeof *io);
            return TRUSTM_STATUS(TRUSTM_LAYER_TL, TRUSTM_BASE_BAD_SEQUENCE);
        }
    }
}

void trustm_stack_io_done(trustm_stack_t *st, trustm_status_t io_status, size_t n, uint64_t now_us)
{
    if (st->state == STACK_ST_OPEN || st->state == STACK_ST_EXCHANGE)
        trustm_phy_io_done(&st->phy, io_status, n, now_us);
}

void trustm_stack_abort(trustm_stack_t *st)
{
    if (st->state == STACK_ST_EXCHANGE) {
        trustm_tl_cancel(&st->tl);
        st->dl.need_resync = true;
        if (st->tl.pl->event != NULL)
            st->tl.pl->event(st->tl.pl_ctx, TRUSTM_PL_EV_ABORT);
    } else if (st->state == STACK_ST_OPEN) {
        trustm_phy_cancel(&st->phy);
        stack_fail(st, TRUSTM_STATUS(TRUSTM_LAYER_PHY, TRUSTM_BASE_BAD_SEQUENCE));
    }
    st->state = STACK_ST_IDLE;
}

void trustm_stack_wipe(trustm_stack_t *st)
{
    if (trustm_stack_is_busy(st))
        return;
    /* only what was used: the buffers are wiped after every operation */
    trustm_wipe(st->dl.frame, st->dl.frame_hw);
    trustm_wipe(st->dl.ctrl_rx, sizeof st->dl.ctrl_rx);
    st->dl.frame_hw = 0;
    st->dl.tx_stale = true;
    trustm_wipe(st->tl.rx_hdr, sizeof st->tl.rx_hdr);
    st->dl.rx_packet = NULL;
    st->dl.rx_packet_len = 0;
}

bool trustm_stack_is_busy(const trustm_stack_t *st)
{
    return st->state == STACK_ST_OPEN || st->state == STACK_ST_EXCHANGE;
}

size_t trustm_stack_rsp_len(const trustm_stack_t *st)
{
    return st->tl.rsp_len;
}
size_t trustm_stack_rsp_written(const trustm_stack_t *st)
{
    return st->tl.rsp_hw;
}
uint16_t trustm_stack_frame_size(const trustm_stack_t *st)
{
    return st->frame_size;
}
uint16_t trustm_stack_max_scl_khz(const trustm_stack_t *st)
{
    return st->max_scl_khz;
}
const trustm_stats_t *trustm_stack_stats(const trustm_stack_t *st)
{
    return &st->stats;
}
