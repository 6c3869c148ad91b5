/* unit_stack: composition (open procedure, exchange, sticky failure, abort) and the drivers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "hostbus.h"
#include "trustm/trustm_pal.h"

static trustm_stack_t st;
static trustm_stack_config_t cfg;
static uint8_t rsp[64];
static const uint8_t apdu[] = {0x81, 0x00, 0x00, 0x06, 0xE0, 0xC2, 0x00, 0x00, 0x00, 0x64};
static const uint8_t rsp_ok[] = {0x00, 0x00, 0x00, 0x00};

static int setup(void **state)
{
    (void)state;
    memset(&cfg, 0, sizeof cfg);
    assert_int_equal(trustm_stack_init(&st, &cfg), TRUSTM_OK);
    hb_reset();
    hb.now = 777;
    return 0;
}

static trustm_status_t open_with(trustm_stack_reset_t r)
{
    assert_int_equal(trustm_stack_open_start(&st, r, hb.now), TRUSTM_OK);
    return hb_run_stack(&st);
}

static trustm_status_t xchg(void)
{
    trustm_status_t s = trustm_stack_start(&st, apdu, sizeof apdu, 0, rsp, sizeof rsp, hb.now);
    if (s != TRUSTM_OK)
        return s;
    return hb_run_stack(&st);
}

/* Cold reset: VDD+RST low, 2 ms, VDD+RST high, tSTARTUP 15 ms, then negotiation (§7.1). */
static void test_open_cold(void **state)
{
    (void)state;
    hb_p(TRUSTM_IO_PIN_VDD, false);
    hb_p(TRUSTM_IO_PIN_RST, false);
    hb_p(TRUSTM_IO_PIN_VDD, true);
    hb_p(TRUSTM_IO_PIN_RST, true);
    hb_negotiation(277, 277);
    assert_int_equal(open_with(TRUSTM_STACK_RESET_COLD), TRUSTM_OK);
    hb_assert_done();
    assert_true(hb.steps[2].at - hb.steps[1].at >= 2000);
    assert_true(hb.steps[4].at - hb.steps[3].at >= 15000); /* first transaction after RST high */
    assert_int_equal(trustm_stack_frame_size(&st), 277);
    assert_int_equal(trustm_stack_max_scl_khz(&st), 400);
}

/* startup_us is configurable (the vendor waits 12 ms). */
static void test_open_startup_configurable(void **state)
{
    (void)state;
    cfg.startup_us = 12000;
    assert_int_equal(trustm_stack_init(&st, &cfg), TRUSTM_OK);
    hb_p(TRUSTM_IO_PIN_RST, false);
    hb_p(TRUSTM_IO_PIN_RST, true);
    hb_negotiation(277, 277);
    assert_int_equal(open_with(TRUSTM_STACK_RESET_WARM), TRUSTM_OK);
    hb_assert_done();
    uint64_t wait = hb.steps[2].at - hb.steps[1].at;
    assert_true(wait >= 12000 && wait < 13000);
}

/* A port with RST only: the cold reset skips VDD. A port without pins: soft reset. */
static void test_open_missing_pins(void **state)
{
    (void)state;
    hb.unsupported_pins = 1u << TRUSTM_IO_PIN_VDD;
    hb_p(TRUSTM_IO_PIN_RST, false);
    hb_p(TRUSTM_IO_PIN_RST, true);
    hb_negotiation(277, 277);
    assert_int_equal(open_with(TRUSTM_STACK_RESET_COLD), TRUSTM_OK);
    hb_assert_done();
    hb.unsupported_pins = 3;
    hb_soft_reset(277, 277);
    assert_int_equal(open_with(TRUSTM_STACK_RESET_COLD), TRUSTM_OK);
    hb_assert_done();
}

/* Soft reset: I2C_STATE bit 27 checked, 88 00 00 written, tSTARTUP waited (§1.8). */
static void test_open_soft(void **state)
{
    (void)state;
    hb_soft_reset(277, 277);
    assert_int_equal(open_with(TRUSTM_STACK_RESET_SOFT), TRUSTM_OK);
    hb_assert_done();
    assert_true(hb.steps[3].at - hb.steps[2].at >= 15000);
    setup(NULL);
    hb_w_hex("82");
    hb_r_hex("00 80 00 00"); /* SOFT_RESET not supported */
    assert_int_equal(open_with(TRUSTM_STACK_RESET_SOFT), TRUSTM_STATUS(TRUSTM_LAYER_PHY, TRUSTM_BASE_NOT_SUPPORTED));
    hb_assert_done();
    /* the failure is sticky until the next successful open */
    assert_int_equal(xchg(), TRUSTM_STATUS(TRUSTM_LAYER_PHY, TRUSTM_BASE_FAILED));
}

/* DATA_REG_LEN: the smaller of asked and read back; below 16 is an error. */
static void test_negotiation(void **state)
{
    (void)state;
    hb_negotiation(277, 20);
    assert_int_equal(open_with(TRUSTM_STACK_RESET_NONE), TRUSTM_OK);
    hb_assert_done();
    assert_int_equal(trustm_stack_frame_size(&st), 20);
    cfg.frame_size = 64;
    assert_int_equal(trustm_stack_init(&st, &cfg), TRUSTM_OK);
    hb_negotiation(64, 277);
    assert_int_equal(open_with(TRUSTM_STACK_RESET_NONE), TRUSTM_OK);
    assert_int_equal(trustm_stack_frame_size(&st), 64);
    hb_negotiation(64, 15);
    assert_int_equal(open_with(TRUSTM_STACK_RESET_NONE), TRUSTM_STATUS(TRUSTM_LAYER_PHY, TRUSTM_BASE_PROTOCOL));
    hb_assert_done();
}

/* Without a reset the chip's counters are unknown: the first frame is preceded by C0. */
static void test_open_none_resyncs(void **state)
{
    (void)state;
    hb_link_t l;
    hb_link_init(&l, 277, false);
    hb_negotiation(277, 277);
    hb_host_ctrl(0xC0);
    hb_exchange(&l, apdu, sizeof apdu, rsp_ok, 4, true);
    assert_int_equal(open_with(TRUSTM_STACK_RESET_NONE), TRUSTM_OK);
    assert_int_equal(xchg(), TRUSTM_OK);
    hb_assert_done();
    assert_int_equal(trustm_stack_rsp_len(&st), 4);
}

/* A NACK storm during an exchange: PHY NACK, the stack is FAILED until re-opened. */
static void test_nack_storm_sticky(void **state)
{
    (void)state;
    hb_link_t l;
    hb_link_init(&l, 277, false);
    hb_soft_reset(277, 277);
    assert_int_equal(open_with(TRUSTM_STACK_RESET_SOFT), TRUSTM_OK);
    uint8_t pkt[11] = {0x00};
    memcpy(pkt + 1, apdu, sizeof apdu);
    hb_host_frame(0x03, pkt, sizeof pkt)->nacks = 100000;
    assert_int_equal(xchg(), TRUSTM_STATUS(TRUSTM_LAYER_PHY, TRUSTM_BASE_NACK));
    assert_int_equal(st.stats.nacks, 200);
    assert_int_equal(xchg(), TRUSTM_STATUS(TRUSTM_LAYER_PHY, TRUSTM_BASE_FAILED));
    /* re-open clears it; the link restarts at frame 0 */
    hb.pos = hb.count;
    hb_soft_reset(277, 277);
    hb_exchange(&l, apdu, sizeof apdu, rsp_ok, 4, false);
    assert_int_equal(open_with(TRUSTM_STACK_RESET_SOFT), TRUSTM_OK);
    assert_int_equal(xchg(), TRUSTM_OK);
    hb_assert_done();
}

/* Abort in the middle: the next exchange starts with a re-sync frame. */
static void test_abort_then_resync(void **state)
{
    (void)state;
    hb_link_t l;
    hb_link_init(&l, 277, false);
    hb_soft_reset(277, 277);
    assert_int_equal(open_with(TRUSTM_STACK_RESET_SOFT), TRUSTM_OK);
    hb_host_message(&l, apdu, sizeof apdu, false);
    assert_int_equal(trustm_stack_start(&st, apdu, sizeof apdu, 0, rsp, sizeof rsp, hb.now), TRUSTM_OK);
    assert_int_equal(trustm_stack_start(&st, apdu, sizeof apdu, 0, rsp, sizeof rsp, hb.now),
                     TRUSTM_STATUS(TRUSTM_LAYER_TL, TRUSTM_BASE_BAD_SEQUENCE));
    while (hb.pos < hb.count) {
        trustm_io_t io;
        assert_int_equal(trustm_stack_next_io(&st, &io), TRUSTM_IN_PROGRESS);
        trustm_status_t s = hb_perform(&io);
        trustm_stack_io_done(&st, s, hb.n, hb.now);
    }
    trustm_stack_abort(&st);
    assert_false(trustm_stack_is_busy(&st));
    hb_link_init(&l, 277, false);
    hb_host_ctrl(0xC0);
    hb_exchange(&l, apdu, sizeof apdu, rsp_ok, 4, false);
    assert_int_equal(xchg(), TRUSTM_OK);
    hb_assert_done();
}

/* Blocking driver over a PAL. */
static void test_pump_run(void **state)
{
    (void)state;
    hb_link_t l;
    hb_link_init(&l, 277, false);
    trustm_pal_t pal = hb_pal();
    hb_soft_reset(277, 277);
    hb_exchange(&l, apdu, sizeof apdu, rsp_ok, 4, false);
    assert_int_equal(trustm_stack_open_start(&st, TRUSTM_STACK_RESET_SOFT, hb.now), TRUSTM_OK);
    assert_int_equal(trustm_pump_run(&st, &pal), TRUSTM_OK);
    assert_int_equal(trustm_stack_start(&st, apdu, sizeof apdu, 0, rsp, sizeof rsp, hb.now), TRUSTM_OK);
    assert_int_equal(trustm_pump_run(&st, &pal), TRUSTM_OK);
    hb_assert_done();
    assert_true(hb.sleeps > 0);
    assert_true(hb.min_gap >= TRUSTM_DEFAULT_GUARD_TIME_US);
}

/* Stepping driver: at most one bus I/O per call, never sleeps, deadlines drive the loop. */
static void test_pump_step(void **state)
{
    (void)state;
    hb_link_t l;
    hb_link_init(&l, 277, false);
    trustm_pal_t pal = hb_pal();
    hb_soft_reset(277, 277);
    hb_exchange(&l, apdu, sizeof apdu, rsp_ok, 4, false);
    assert_int_equal(trustm_stack_open_start(&st, TRUSTM_STACK_RESET_SOFT, hb.now), TRUSTM_OK);
    trustm_status_t s;
    uint64_t deadline = 0;
    uint32_t calls = 0;
    for (int phase = 0; phase < 2; phase++) {
        for (;;) {
            uint32_t before = hb.txns;
            s = trustm_pump_step(&st, &pal, &deadline);
            calls++;
            assert_true(hb.txns - before <= 1); /* at most one transaction per call */
            if (s != TRUSTM_IN_PROGRESS)
                break;
            if (deadline > hb.now)
                hb.now = deadline; /* the event loop sleeps until the deadline */
        }
        assert_int_equal(s, TRUSTM_OK);
        if (phase == 0)
            assert_int_equal(trustm_stack_start(&st, apdu, sizeof apdu, 0, rsp, sizeof rsp, hb.now), TRUSTM_OK);
    }
    hb_assert_done();
    assert_int_equal(hb.sleeps, 0);
    assert_true(calls >= hb.txns);
}

static void test_init_rejects_bad_config(void **state)
{
    (void)state;
    trustm_stack_config_t c;
    memset(&c, 0, sizeof c);
    c.frame_size = 15;
    assert_int_equal(trustm_stack_init(&st, &c), TRUSTM_STATUS(TRUSTM_LAYER_TL, TRUSTM_BASE_BAD_PARAM));
    c.frame_size = 278;
    assert_int_equal(trustm_stack_init(&st, &c), TRUSTM_STATUS(TRUSTM_LAYER_TL, TRUSTM_BASE_BAD_PARAM));
    c.frame_size = 16;
    c.trans_repeat = 5;
    assert_int_equal(trustm_stack_init(&st, &c), TRUSTM_STATUS(TRUSTM_LAYER_TL, TRUSTM_BASE_BAD_PARAM));
    c.trans_repeat = 0;
    assert_int_equal(trustm_stack_init(&st, &c), TRUSTM_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_open_cold, setup),
        cmocka_unit_test_setup(test_open_startup_configurable, setup),
        cmocka_unit_test_setup(test_open_missing_pins, setup),
        cmocka_unit_test_setup(test_open_soft, setup),
        cmocka_unit_test_setup(test_negotiation, setup),
        cmocka_unit_test_setup(test_open_none_resyncs, setup),
        cmocka_unit_test_setup(test_nack_storm_sticky, setup),
        cmocka_unit_test_setup(test_abort_then_resync, setup),
        cmocka_unit_test_setup(test_pump_run, setup),
        cmocka_unit_test_setup(test_pump_step, setup),
        cmocka_unit_test_setup(test_init_rejects_bad_config, setup),
    };
    return cmocka_run_group_tests_name("unit_stack", tests, NULL, NULL);
}
