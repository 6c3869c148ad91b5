/*
 * unit_config: the compile-time options of the library core (src/common/trustm_config.h) each
 * way. The same tests run in the default build (every feature in) and in the build with every
 * option off (ctest config_minimal): each case asserts the behaviour of the configuration it
 * was compiled in.
 */
#include <setjmp.h>
#include <stdio.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "hostbus.h"
#include "trustm/trustm_pal.h"
#include "trustm_config.h"

static trustm_stack_t st;
static uint8_t rsp[64];
static const uint8_t apdu[] = {0x81, 0x00, 0x00, 0x06, 0xE0, 0xC2, 0x00, 0x00, 0x00, 0x64};
static const uint8_t rsp_ok[] = {0x00, 0x00, 0x00, 0x00};

static int setup(void **state)
{
    (void)state;
    trustm_stack_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    assert_int_equal(trustm_stack_init(&st, &cfg), TRUSTM_OK);
    hb_reset();
    hb.now = 777;
    return 0;
}

/* How the chip is expected to be reset at open. */
enum { BY_PINS, BY_SOFT, BY_NONE };

/* The transcript of an open and one exchange: the pin reset, the soft reset, or none (the open
 * only negotiates and the first frame is preceded by a re-sync: the link counters are unknown). */
static void expect_open_exchange(hb_link_t *l, int by)
{
    hb_link_init(l, 277, false);
    if (by == BY_PINS) {
        hb_p(TRUSTM_IO_PIN_VDD, false);
        hb_p(TRUSTM_IO_PIN_RST, false);
        hb_p(TRUSTM_IO_PIN_VDD, true);
        hb_p(TRUSTM_IO_PIN_RST, true);
        hb_negotiation(277, 277);
    } else if (by == BY_SOFT) {
        hb_soft_reset(277, 277);
    } else {
        hb_negotiation(277, 277);
        hb_host_ctrl(0xC0);
    }
    hb_exchange(l, apdu, sizeof apdu, rsp_ok, 4, by == BY_NONE);
}

/* Open with reset kind `kind` and run one exchange over the scripted bus. */
static void open_and_exchange(trustm_stack_reset_t kind, int by)
{
    hb_link_t l;
    expect_open_exchange(&l, by);
    assert_int_equal(trustm_stack_open_start(&st, kind, hb.now), TRUSTM_OK);
    assert_int_equal(hb_run_stack(&st), TRUSTM_OK);
    assert_int_equal(trustm_stack_start(&st, apdu, sizeof apdu, 0, rsp, sizeof rsp, hb.now), TRUSTM_OK);
    assert_int_equal(hb_run_stack(&st), TRUSTM_OK);
    hb_assert_done();
    assert_int_equal(trustm_stack_rsp_len(&st), 4);
}

/* Cold reset on a port with pins: the pins (TRUSTM_CFG_RESET_PINS), else the soft reset
 * (TRUSTM_CFG_RESET_SOFT), else no reset at all. */
static void test_cold_reset(void **state)
{
    (void)state;
    open_and_exchange(TRUSTM_STACK_RESET_COLD, TRUSTM_CFG_RESET_PINS   ? BY_PINS
                                               : TRUSTM_CFG_RESET_SOFT ? BY_SOFT
                                                                       : BY_NONE);
}

/* Soft reset: done (TRUSTM_CFG_RESET_SOFT), or the open only negotiates. */
static void test_soft_reset(void **state)
{
    (void)state;
    open_and_exchange(TRUSTM_STACK_RESET_SOFT, TRUSTM_CFG_RESET_SOFT ? BY_SOFT : BY_NONE);
}

/* Statistics: counted (TRUSTM_CFG_STATS) or left at zero. */
static void test_stats(void **state)
{
    (void)state;
    open_and_exchange(TRUSTM_STACK_RESET_NONE, BY_NONE);
    const trustm_stats_t *s = trustm_stack_stats(&st);
    if (TRUSTM_CFG_STATS) {
        assert_int_equal(s->transactions, hb.txns);
        assert_int_equal(s->resyncs, 1);
    } else {
        trustm_stats_t zero;
        memset(&zero, 0, sizeof zero);
        assert_memory_equal(s, &zero, sizeof zero);
    }
}

/* A port with xfer: the blocking driver performs every transfer through it
 * (TRUSTM_CFG_PAL_XFER), or ignores it and calls the basic operations. */
static uint32_t xfers;

static trustm_status_t xfer_over_hb(void *ctx, trustm_pal_xfer_t *x)
{
    trustm_pal_t b = hb_pal();
    trustm_status_t s = TRUSTM_OK;
    (void)ctx;
    xfers++;
    b.ops->sleep_us(b.ctx, x->pre_sleep_us);
    x->done = 0;
    if (x->kind == TRUSTM_PAL_XFER_WRITE) {
        s = b.ops->i2c_write(b.ctx, x->addr7, x->buf, x->len);
    } else if (x->kind == TRUSTM_PAL_XFER_READ) {
        s = b.ops->i2c_read(b.ctx, x->addr7, x->buf, x->len);
    } else if (x->kind == TRUSTM_PAL_XFER_READ_REG) {
        s = b.ops->i2c_write(b.ctx, x->addr7, &x->reg, 1);
        if (s == TRUSTM_OK) {
            x->done = 1;
            b.ops->sleep_us(b.ctx, x->gap_us);
            s = b.ops->i2c_read(b.ctx, x->addr7, x->buf, x->len);
        }
    }
    if (s == TRUSTM_OK && x->kind != TRUSTM_PAL_XFER_SLEEP)
        x->done = x->len;
    x->now_us = b.ops->now_us(b.ctx);
    return s;
}

static void test_pal_xfer(void **state)
{
    (void)state;
    hb_link_t l;
    trustm_pal_t b = hb_pal();
    trustm_pal_ops_t ops = *b.ops;
    ops.xfer = xfer_over_hb;
    trustm_pal_t pal = {&ops, b.ctx};
    xfers = 0;
    expect_open_exchange(&l, BY_NONE);
    assert_int_equal(trustm_stack_open_start(&st, TRUSTM_STACK_RESET_NONE, hb.now), TRUSTM_OK);
    assert_int_equal(trustm_pump_run(&st, &pal), TRUSTM_OK);
    assert_int_equal(trustm_stack_start(&st, apdu, sizeof apdu, 0, rsp, sizeof rsp, hb.now), TRUSTM_OK);
    assert_int_equal(trustm_pump_run(&st, &pal), TRUSTM_OK);
    hb_assert_done();
    if (TRUSTM_CFG_PAL_XFER)
        assert_true(xfers >= hb.txns / 2u); /* a register read is one xfer, two transactions */
    else
        assert_int_equal(xfers, 0);
}

int main(void)
{
    printf("unit_config: TRUSTM_CFG_RESET_PINS=%d RESET_SOFT=%d PAL_XFER=%d STATS=%d\n", TRUSTM_CFG_RESET_PINS,
           TRUSTM_CFG_RESET_SOFT, TRUSTM_CFG_PAL_XFER, TRUSTM_CFG_STATS);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_cold_reset, setup),
        cmocka_unit_test_setup(test_soft_reset, setup),
        cmocka_unit_test_setup(test_stats, setup),
        cmocka_unit_test_setup(test_pal_xfer, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
