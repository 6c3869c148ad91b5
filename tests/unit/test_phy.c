/* unit_phy: the physical layer engine driven directly through next_io / io_done. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "hostbus.h"
#include "trustm_phy.h"

static trustm_phy_t phy;
static trustm_stats_t stats;

static int setup(void **state)
{
    (void)state;
    trustm_stack_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.addr7 = 0x30;
    cfg.guard_time_us = TRUSTM_DEFAULT_GUARD_TIME_US;
    cfg.nack_interval_us = TRUSTM_DEFAULT_NACK_INTERVAL_US;
    cfg.nack_max = TRUSTM_DEFAULT_NACK_MAX;
    memset(&stats, 0, sizeof stats);
    trustm_phy_setup(&phy, &cfg, &stats);
    hb_reset();
    hb.now = 1000;
    trustm_phy_set_now(&phy, hb.now);
    return 0;
}

static trustm_status_t run(void)
{
    for (;;) {
        trustm_io_t io;
        trustm_status_t s = trustm_phy_next_io(&phy, &io);
        if (s != TRUSTM_IN_PROGRESS)
            return s;
        s = hb_perform(&io);
        trustm_phy_io_done(&phy, s, hb.n, hb.now);
    }
}

/* A register read is a write of the address, GUARD_TIME, then a read (§1.4). */
static void test_register_read(void **state)
{
    (void)state;
    uint8_t buf[4];
    hb_w_hex("82");
    hb_r_hex("08 80 00 00");
    trustm_phy_read_start(&phy, TRUSTM_PHY_REG_I2C_STATE, buf, 4);
    assert_int_equal(run(), TRUSTM_OK);
    hb_assert_done();
    assert_memory_equal(buf, "\x08\x80\x00\x00", 4);
    assert_true(hb.steps[1].at - hb.steps[0].at >= TRUSTM_DEFAULT_GUARD_TIME_US);
    assert_true(hb.min_gap >= TRUSTM_DEFAULT_GUARD_TIME_US);
    assert_int_equal(stats.transactions, 2);
    assert_int_equal(stats.bytes_written, 1);
    assert_int_equal(stats.bytes_read, 4);
    /* the PHY returns the result once, then is idle */
    trustm_io_t io;
    assert_int_equal(trustm_phy_next_io(&phy, &io), TRUSTM_STATUS(TRUSTM_LAYER_PHY, TRUSTM_BASE_BAD_SEQUENCE));
}

/* Guard time applies between consecutive operations too. */
static void test_guard_between_operations(void **state)
{
    (void)state;
    uint8_t w[3] = {0x81, 0x01, 0x15};
    hb_w(w, 3);
    hb_w(w, 3);
    trustm_phy_write_start(&phy, w, 3);
    assert_int_equal(run(), TRUSTM_OK);
    trustm_phy_write_start(&phy, w, 3);
    assert_int_equal(run(), TRUSTM_OK);
    hb_assert_done();
    assert_true(hb.min_gap >= TRUSTM_DEFAULT_GUARD_TIME_US);
}

/* Late acknowledge: a NACKed transaction is repeated unchanged every 1 ms (§1.5). */
static void test_nack_retry(void **state)
{
    (void)state;
    uint8_t buf[2];
    hb_w_hex("81")->nacks = 3;
    hb_r_hex("01 15")->nacks = 2;
    trustm_phy_read_start(&phy, TRUSTM_PHY_REG_DATA_REG_LEN, buf, 2);
    uint64_t t0 = hb.now;
    assert_int_equal(run(), TRUSTM_OK);
    hb_assert_done();
    assert_int_equal(stats.nacks, 5);
    assert_int_equal(stats.transactions, 7);
    assert_true(hb.now - t0 >= 5 * 1000);
    assert_memory_equal(buf, "\x01\x15", 2);
}

/* 199 NACKs still succeed; the 200th failed attempt gives PHY NACK (≤ 200 attempts). */
static void test_nack_budget_edge(void **state)
{
    (void)state;
    uint8_t w[3] = {0x88, 0, 0};
    hb_w(w, 3)->nacks = 199;
    trustm_phy_write_start(&phy, w, 3);
    assert_int_equal(run(), TRUSTM_OK);
    assert_int_equal(stats.transactions, 200);
}

static void test_nack_storm(void **state)
{
    (void)state;
    uint8_t w[3] = {0x88, 0, 0};
    hb_w(w, 3)->nacks = 1000;
    trustm_phy_write_start(&phy, w, 3);
    uint64_t t0 = hb.now;
    assert_int_equal(run(), TRUSTM_STATUS(TRUSTM_LAYER_PHY, TRUSTM_BASE_NACK));
    assert_int_equal(hb.nacked, 200);
    assert_int_equal(stats.nacks, 200);
    assert_true(hb.now - t0 >= 199 * 1000u);
}

/* The attempt counter is not re-armed between the address write and the data read. */
static void test_nack_budget_shared_by_read(void **state)
{
    (void)state;
    uint8_t buf[4];
    hb_w_hex("82")->nacks = 150;
    hb_r_hex("08 80 00 00")->nacks = 1000;
    trustm_phy_read_start(&phy, TRUSTM_PHY_REG_I2C_STATE, buf, 4);
    assert_int_equal(run(), TRUSTM_STATUS(TRUSTM_LAYER_PHY, TRUSTM_BASE_NACK));
    assert_int_equal(hb.nacked, 50);
}

static void test_bus_error_retried_then_reported(void **state)
{
    (void)state;
    uint8_t w[3] = {0x88, 0, 0};
    hb_w(w, 3)->io_error = true;
    trustm_phy_write_start(&phy, w, 3);
    assert_int_equal(run(), TRUSTM_OK); /* one bus error, retried */
    hb_assert_done();
    /* an I/O error on the last allowed attempt is reported as PHY IO */
    setup(NULL);
    phy.nack_max = 1;
    hb_w(w, 3)->io_error = true;
    trustm_phy_write_start(&phy, w, 3);
    assert_int_equal(run(), TRUSTM_STATUS(TRUSTM_LAYER_PHY, TRUSTM_BASE_IO));
}

static void test_wait_and_pin(void **state)
{
    (void)state;
    trustm_phy_wait_start(&phy, hb.now + 15000);
    uint64_t t0 = hb.now;
    assert_int_equal(run(), TRUSTM_OK);
    assert_int_equal(hb.now - t0, 15000);
    hb_p(TRUSTM_IO_PIN_RST, false);
    trustm_phy_pin_start(&phy, TRUSTM_IO_PIN_RST, false);
    assert_int_equal(run(), TRUSTM_OK);
    hb_assert_done();
    hb.has_pins = false;
    trustm_phy_pin_start(&phy, TRUSTM_IO_PIN_VDD, true);
    assert_int_equal(run(), TRUSTM_STATUS(TRUSTM_LAYER_PAL, TRUSTM_BASE_NOT_SUPPORTED));
}

/* next_io is idempotent: asking twice without io_done yields the same request. */
static void test_next_io_idempotent(void **state)
{
    (void)state;
    uint8_t buf[2];
    trustm_io_t a, b;
    trustm_phy_read_start(&phy, TRUSTM_PHY_REG_DATA_REG_LEN, buf, 2);
    assert_int_equal(trustm_phy_next_io(&phy, &a), TRUSTM_IN_PROGRESS);
    assert_int_equal(trustm_phy_next_io(&phy, &b), TRUSTM_IN_PROGRESS);
    assert_int_equal(a.kind, b.kind);
    assert_ptr_equal(a.buf, b.buf);
    assert_int_equal(a.len, b.len);
    trustm_phy_cancel(&phy);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_register_read, setup),
        cmocka_unit_test_setup(test_guard_between_operations, setup),
        cmocka_unit_test_setup(test_nack_retry, setup),
        cmocka_unit_test_setup(test_nack_budget_edge, setup),
        cmocka_unit_test_setup(test_nack_storm, setup),
        cmocka_unit_test_setup(test_nack_budget_shared_by_read, setup),
        cmocka_unit_test_setup(test_bus_error_retried_then_reported, setup),
        cmocka_unit_test_setup(test_wait_and_pin, setup),
        cmocka_unit_test_setup(test_next_io_idempotent, setup),
    };
    return cmocka_run_group_tests_name("unit_phy", tests, NULL, NULL);
}
