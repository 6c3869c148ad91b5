/* unit_api: the service API over a scripted bus (blocking and non-blocking forms). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "hostbus.h"
#include "trustm/trustm.h"
#include "trustm_testutil.h"

static trustm_device_t dev;
static trustm_pal_t pal;
static trustm_config_t cfg;
static hb_link_t link;
static uint8_t out[4096];
static uint8_t big[2100];
static uint16_t g_fs = 277; /* the suite runs at frame size 277 and at 20 */

static const uint8_t open_apdu[] = {0xF0, 0x00, 0x00, 0x10, 0xD2, 0x76, 0x00, 0x00, 0x04, 0x47,
                                    0x65, 0x6E, 0x41, 0x75, 0x74, 0x68, 0x41, 0x70, 0x70, 0x6C};
static const uint8_t rsp_ok[] = {0x00, 0x00, 0x00, 0x00};
static const uint8_t rsp_err[] = {0xFF, 0x00, 0x00, 0x00};
static const uint8_t last_err_apdu[] = {0x01, 0x00, 0x00, 0x06, 0xF1, 0xC2, 0x00, 0x00, 0x00, 0x01};

static const uint8_t uid[27] = {0xCD, 0x16, 0x33, 0x82, 0x01, 0x00, 0x1C, 0x00, 0x05, 0x00, 0x00, 0x0A, 0x09, 0x1B,
                                0x5C, 0x00, 0x07, 0x00, 0x72, 0x00, 0x40, 0x80, 0x10, 0x12, 0x34, 0x24, 0x40};

static void init_dev(uint16_t fs, bool presence, bool pins)
{
    hb_reset();
    hb.now = 1;
    hb.has_pins = pins;
    pal = hb_pal();
    memset(&cfg, 0, sizeof cfg);
    cfg.frame_size = fs;
    cfg.presentation_bit = presence;
    assert_int_equal(trustm_device_init(&dev, &pal, &cfg), TRUSTM_OK);
    hb_link_init(&link, fs == 0 ? 277 : fs, presence);
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i ^ (i >> 8));
}

static int setup(void **state)
{
    (void)state;
    init_dev(g_fs, false, false);
    return 0;
}

/* open with soft reset (no pins): negotiation + OpenApplication F0 */
static void script_open(uint16_t fs)
{
    hb_soft_reset(fs, 277);
    hb_exchange(&link, open_apdu, sizeof open_apdu, rsp_ok, 4, false);
}

static void expect_get(uint16_t oid, uint16_t off, uint16_t len, const uint8_t *data, size_t n)
{
    uint8_t a[10] = {0x81,
                     0x00,
                     0x00,
                     0x06,
                     (uint8_t)(oid >> 8),
                     (uint8_t)oid,
                     (uint8_t)(off >> 8),
                     (uint8_t)off,
                     (uint8_t)(len >> 8),
                     (uint8_t)len};
    static uint8_t r[1600];
    r[0] = 0;
    r[1] = 0;
    r[2] = (uint8_t)(n >> 8);
    r[3] = (uint8_t)n;
    memcpy(r + 4, data, n);
    hb_exchange(&link, a, sizeof a, r, n + 4, true);
}

static void test_open_and_read_uid(void **state)
{
    (void)state;
    static const uint16_t sizes[3] = {277, 20, 16};
    for (int k = 0; k < 3; k++) {
        uint16_t fs = sizes[k];
        size_t n = 0;
        init_dev(fs, false, false);
        script_open(fs);
        expect_get(0xE0C2, 0, 100, uid, 27);
        assert_int_equal(trustm_device_open(&dev), TRUSTM_OK);
        assert_int_equal(trustm_device_frame_size(&dev), fs);
        assert_int_equal(trustm_data_read(&dev, 0xE0C2, 0, out, 100, &n), TRUSTM_OK);
        hb_assert_done();
        assert_int_equal(n, 27);
        assert_memory_equal(out, uid, 27);
        /* the statistics agree with the transcript */
        const trustm_stats_t *s = trustm_device_stats(&dev);
        uint32_t w = 0, r = 0, t = 0;
        for (size_t i = 0; i < hb.count; i++) {
            if (hb.steps[i].kind == 'W')
                w += (uint32_t)hb.steps[i].len, t++;
            if (hb.steps[i].kind == 'R')
                r += (uint32_t)hb.steps[i].len, t++;
        }
        assert_int_equal(s->bytes_written, w);
        assert_int_equal(s->bytes_read, r);
        assert_int_equal(s->transactions, t);
        assert_int_equal(s->retransmits, 0);
        print_message("frame size %u: reset+open+UID read: %u transactions, %u bytes written, %u read, "
                      "%llu us scripted bus time\n",
                      (unsigned)fs, (unsigned)s->transactions, (unsigned)s->bytes_written, (unsigned)s->bytes_read,
                      (unsigned long long)(hb.now - 1));
        trustm_device_stats_clear(&dev);
        assert_int_equal(trustm_device_stats(&dev)->transactions, 0);
    }
}

/* Sta FF: the API reads the Last Error Code (plain Cmd 01) and returns DEVICE_ERR(code). */
static void test_device_error(void **state)
{
    (void)state;
    size_t n = 99;
    static const uint8_t code07[] = {0x00, 0x00, 0x00, 0x01, 0x07};
    script_open(g_fs);
    uint8_t a[10] = {0x81, 0x00, 0x00, 0x06, 0xE0, 0xF1, 0x00, 0x00, 0x00, 0x40};
    hb_exchange(&link, a, sizeof a, rsp_err, 4, true);
    hb_exchange(&link, last_err_apdu, sizeof last_err_apdu, code07, 5, true);
    assert_int_equal(trustm_device_open(&dev), TRUSTM_OK);
    assert_int_equal(trustm_data_read(&dev, 0xE0F1, 0, out, 64, &n), TRUSTM_DEVICE_ERR(0x07));
    hb_assert_done();
    assert_int_equal(n, 0);
    /* a malformed answer to the error read: DEVICE_ERR(0) */
    hb_exchange(&link, a, sizeof a, rsp_err, 4, true);
    hb_exchange(&link, last_err_apdu, sizeof last_err_apdu, rsp_ok, 4, true);
    assert_int_equal(trustm_data_read(&dev, 0xE0F1, 0, out, 64, &n), TRUSTM_DEVICE_ERR(0));
    hb_assert_done();
}

/* OpenApplication refused: the open reports the chip's code. */
static void test_open_refused(void **state)
{
    (void)state;
    static const uint8_t code0c[] = {0x00, 0x00, 0x00, 0x01, 0x0C};
    hb_soft_reset(g_fs, 277);
    hb_exchange(&link, open_apdu, sizeof open_apdu, rsp_err, 4, false);
    hb_exchange(&link, last_err_apdu, sizeof last_err_apdu, code0c, 5, true);
    assert_int_equal(trustm_device_open(&dev), TRUSTM_DEVICE_ERR(0x0C));
    hb_assert_done();
}

/* Reads larger than one APDU go in chunks of 1553 bytes; a short chunk ends the read. */
static void test_data_read_chunks(void **state)
{
    (void)state;
    size_t n = 0;
    script_open(g_fs);
    expect_get(0xF1D0, 16, 1553, big, 1553);
    expect_get(0xF1D0, 16 + 1553, 447, big + 1553, 100);
    assert_int_equal(trustm_device_open(&dev), TRUSTM_OK);
    assert_int_equal(trustm_data_read(&dev, 0xF1D0, 16, out, 2000, &n), TRUSTM_OK);
    hb_assert_done();
    assert_int_equal(n, 1653);
    assert_memory_equal(out, big, 1653);
}

/* "Boundary exceeded" (08) on a later chunk means end of data. */
static void test_data_read_boundary_is_end(void **state)
{
    (void)state;
    size_t n = 0;
    static const uint8_t code08[] = {0x00, 0x00, 0x00, 0x01, 0x08};
    script_open(g_fs);
    expect_get(0xF1D0, 0, 1553, big, 1553);
    uint8_t a[10] = {0x81, 0x00, 0x00, 0x06, 0xF1, 0xD0, 0x06, 0x11, 0x00, 0x01};
    hb_exchange(&link, a, sizeof a, rsp_err, 4, true);
    hb_exchange(&link, last_err_apdu, sizeof last_err_apdu, code08, 5, true);
    assert_int_equal(trustm_device_open(&dev), TRUSTM_OK);
    assert_int_equal(trustm_data_read(&dev, 0xF1D0, 0, out, 1554, &n), TRUSTM_OK);
    hb_assert_done();
    assert_int_equal(n, 1553);
}

/* A response that brings more than was asked for (lying OutLen) is rejected. */
static void test_data_read_lying_length(void **state)
{
    (void)state;
    size_t n = 0;
    script_open(g_fs);
    uint8_t a[10] = {0x81, 0x00, 0x00, 0x06, 0xE0, 0xC2, 0x00, 0x00, 0x00, 0x0A};
    uint8_t r[4 + 27] = {0x00, 0x00, 0x00, 0x1B};
    memcpy(r + 4, uid, 27);
    hb_exchange(&link, a, sizeof a, r, sizeof r, true);
    uint8_t r2[8] = {0x00, 0x00, 0x00, 0x09, 1, 2, 3, 4}; /* OutLen 9, 4 bytes */
    hb_exchange(&link, a, sizeof a, r2, sizeof r2, true);
    assert_int_equal(trustm_device_open(&dev), TRUSTM_OK);
    assert_int_equal(trustm_data_read(&dev, 0xE0C2, 0, out, 10, &n),
                     TRUSTM_STATUS(TRUSTM_LAYER_CMD, TRUSTM_BASE_BAD_RESPONSE));
    assert_int_equal(trustm_data_read(&dev, 0xE0C2, 0, out, 10, &n),
                     TRUSTM_STATUS(TRUSTM_LAYER_CMD, TRUSTM_BASE_BAD_RESPONSE));
    hb_assert_done();
}

static void test_metadata_read(void **state)
{
    (void)state;
    size_t n = 0;
    static const uint8_t meta[] = {0x20, 0x09, 0xC4, 0x01, 0x1B, 0xD0, 0x01, 0xFF, 0xD1, 0x01, 0x00};
    uint8_t r[4 + sizeof meta] = {0x00, 0x00, 0x00, sizeof meta};
    memcpy(r + 4, meta, sizeof meta);
    static const uint8_t a[] = {0x81, 0x01, 0x00, 0x02, 0xE0, 0xC2};
    script_open(g_fs);
    hb_exchange(&link, a, sizeof a, r, sizeof r, true);
    hb_exchange(&link, a, sizeof a, r, sizeof r, true);
    assert_int_equal(trustm_device_open(&dev), TRUSTM_OK);
    assert_int_equal(trustm_metadata_read(&dev, 0xE0C2, out, sizeof out, &n), TRUSTM_OK);
    assert_int_equal(n, sizeof meta);
    assert_memory_equal(out, meta, sizeof meta);
    assert_int_equal(trustm_metadata_read(&dev, 0xE0C2, out, 5, &n),
                     TRUSTM_STATUS(TRUSTM_LAYER_API, TRUSTM_BASE_BUFFER_TOO_SMALL));
    hb_assert_done();
}

static void test_transceive_and_close(void **state)
{
    (void)state;
    size_t n = 0;
    uint8_t small[8];
    static const uint8_t a[] = {0x8C, 0x00, 0x00, 0x02, 0x00, 0x08};
    static const uint8_t close_apdu[] = {0xF1, 0x00, 0x00, 0x00};
    script_open(g_fs);
    hb_exchange(&link, a, sizeof a, big, 12, true);
    hb_exchange(&link, a, sizeof a, big, 12, true);
    hb_exchange(&link, close_apdu, sizeof close_apdu, rsp_ok, 4, true);
    assert_int_equal(trustm_device_transceive(&dev, a, sizeof a, out, sizeof out, &n),
                     TRUSTM_STATUS(TRUSTM_LAYER_API, TRUSTM_BASE_BAD_SEQUENCE)); /* not opened */
    assert_int_equal(trustm_device_open(&dev), TRUSTM_OK);
    assert_int_equal(trustm_device_transceive(&dev, a, sizeof a, out, sizeof out, &n), TRUSTM_OK);
    assert_int_equal(n, 12);
    assert_memory_equal(out, big, 12);
    assert_int_equal(trustm_device_transceive(&dev, a, sizeof a, small, sizeof small, &n),
                     TRUSTM_STATUS(TRUSTM_LAYER_TL, TRUSTM_BASE_BUFFER_TOO_SMALL));
    assert_int_equal(n, 12); /* the size the response needed */
    assert_int_equal(trustm_device_close(&dev), TRUSTM_OK);
    hb_assert_done();
}

/* Non-blocking: trustm_op_poll never sleeps, performs at most one transaction per call. */
static void test_nonblocking(void **state)
{
    (void)state;
    size_t n = 0;
    uint64_t deadline = 0;
    trustm_status_t s;
    script_open(20);
    init_dev(20, false, false);
    script_open(20);
    expect_get(0xE0C2, 0, 27, uid, 27);
    assert_int_equal(trustm_op_start_device_open(&dev), TRUSTM_OK);
    assert_true(trustm_op_is_busy(&dev));
    assert_int_equal(trustm_op_start_data_read(&dev, 0xE0C2, 0, out, 27, &n),
                     TRUSTM_STATUS(TRUSTM_LAYER_API, TRUSTM_BASE_BAD_SEQUENCE));
    for (int op = 0; op < 2; op++) {
        do {
            uint32_t before = hb.txns;
            s = trustm_op_poll(&dev, &deadline);
            assert_true(hb.txns - before <= 1);
            if (s == TRUSTM_IN_PROGRESS && deadline > hb.now)
                hb.now = deadline;
        } while (s == TRUSTM_IN_PROGRESS);
        assert_int_equal(s, TRUSTM_OK);
        if (op == 0)
            assert_int_equal(trustm_op_start_data_read(&dev, 0xE0C2, 0, out, 27, &n), TRUSTM_OK);
    }
    hb_assert_done();
    assert_int_equal(hb.sleeps, 0);
    assert_false(trustm_op_is_busy(&dev));
    assert_int_equal(n, 27);
    assert_int_equal(trustm_op_poll(&dev, &deadline), TRUSTM_STATUS(TRUSTM_LAYER_API, TRUSTM_BASE_BAD_SEQUENCE));
}

/* Abort: the next exchange re-synchronises first. */
static void test_abort(void **state)
{
    (void)state;
    size_t n = 0;
    uint64_t deadline;
    script_open(g_fs);
    assert_int_equal(trustm_device_open(&dev), TRUSTM_OK);
    uint8_t a[10] = {0x81, 0x00, 0x00, 0x06, 0xE0, 0xC2, 0x00, 0x00, 0x00, 0x1B};
    hb_host_message(&link, a, sizeof a, true);
    assert_int_equal(trustm_op_start_data_read(&dev, 0xE0C2, 0, out, 27, &n), TRUSTM_OK);
    while (hb.pos < hb.count) {
        assert_int_equal(trustm_op_poll(&dev, &deadline), TRUSTM_IN_PROGRESS);
        if (deadline > hb.now)
            hb.now = deadline;
    }
    trustm_op_abort(&dev);
    assert_false(trustm_op_is_busy(&dev));
    hb_link_init(&link, g_fs, false);
    hb_host_ctrl(0xC0);
    expect_get(0xE0C2, 0, 27, uid, 27);
    assert_int_equal(trustm_data_read(&dev, 0xE0C2, 0, out, 27, &n), TRUSTM_OK);
    hb_assert_done();
}

/* NACK storm: PHY NACK, then every call is FAILED until the device is opened again. */
static void test_sticky_failure(void **state)
{
    (void)state;
    size_t n = 0;
    script_open(g_fs);
    assert_int_equal(trustm_device_open(&dev), TRUSTM_OK);
    uint8_t pkt[11] = {0x00, 0x81, 0x00, 0x00, 0x06, 0xE0, 0xC2, 0x00, 0x00, 0x00, 0x1B};
    uint8_t fctr = (uint8_t)(((link.host_tx + 1) & 3) << 2 | link.host_rx);
    hb_host_frame(fctr, pkt, sizeof pkt)->nacks = 1000000;
    assert_int_equal(trustm_data_read(&dev, 0xE0C2, 0, out, 27, &n), TRUSTM_STATUS(TRUSTM_LAYER_PHY, TRUSTM_BASE_NACK));
    assert_int_equal(trustm_device_stats(&dev)->nacks, 200);
    assert_int_equal(trustm_data_read(&dev, 0xE0C2, 0, out, 27, &n),
                     TRUSTM_STATUS(TRUSTM_LAYER_PHY, TRUSTM_BASE_FAILED));
    hb.pos = hb.count;
    hb_link_init(&link, g_fs, false);
    script_open(g_fs);
    expect_get(0xE0C2, 0, 27, uid, 27);
    assert_int_equal(trustm_device_open(&dev), TRUSTM_OK);
    assert_int_equal(trustm_data_read(&dev, 0xE0C2, 0, out, 27, &n), TRUSTM_OK);
    hb_assert_done();
}

/* AUTO reset: cold with pins; presentation bit: PCTR 08 + SCTR 20 ([VEC] section B framing). */
static void test_auto_cold_with_presentation(void **state)
{
    (void)state;
    init_dev(g_fs, true, true);
    hb_p(TRUSTM_IO_PIN_VDD, false);
    hb_p(TRUSTM_IO_PIN_RST, false);
    hb_p(TRUSTM_IO_PIN_VDD, true);
    hb_p(TRUSTM_IO_PIN_RST, true);
    hb_negotiation(g_fs, 277);
    hb_exchange(&link, open_apdu, sizeof open_apdu, rsp_ok, 4, false);
    assert_int_equal(trustm_device_open(&dev), TRUSTM_OK);
    hb_assert_done();
    assert_int_equal(hb.steps[9].bytes[4] & 0xF8, 0x08); /* PCTR: presence (chained at 20) */
    assert_int_equal(hb.steps[9].bytes[5], 0x20);
}

static void test_init_checks(void **state)
{
    (void)state;
    trustm_config_t c;
    trustm_pal_ops_t ops = *pal.ops;
    trustm_pal_t p = {&ops, NULL};
    memset(&c, 0, sizeof c);
    assert_int_equal(trustm_device_init(&dev, NULL, &c), TRUSTM_STATUS(TRUSTM_LAYER_API, TRUSTM_BASE_BAD_PARAM));
    c.frame_size = 15;
    assert_int_equal(trustm_device_init(&dev, &p, &c), TRUSTM_STATUS(TRUSTM_LAYER_API, TRUSTM_BASE_BAD_PARAM));
    c.frame_size = 278;
    assert_int_equal(trustm_device_init(&dev, &p, &c), TRUSTM_STATUS(TRUSTM_LAYER_API, TRUSTM_BASE_BAD_PARAM));
    c.frame_size = 0;
    c.reset = 5;
    assert_int_equal(trustm_device_init(&dev, &p, &c), TRUSTM_STATUS(TRUSTM_LAYER_API, TRUSTM_BASE_BAD_PARAM));
    c.reset = 0;
    ops.now_us = NULL;
    assert_int_equal(trustm_device_init(&dev, &p, &c), TRUSTM_STATUS(TRUSTM_LAYER_API, TRUSTM_BASE_BAD_PARAM));
    assert_int_equal(trustm_device_init(&dev, &pal, NULL), TRUSTM_OK);
    assert_int_equal(trustm_data_read(&dev, 0xE0C2, 0, out, 0, NULL),
                     TRUSTM_STATUS(TRUSTM_LAYER_API, TRUSTM_BASE_BAD_PARAM));
    trustm_device_t blank;
    memset(&blank, 0, sizeof blank);
    assert_int_equal(trustm_device_open(&blank), TRUSTM_STATUS(TRUSTM_LAYER_API, TRUSTM_BASE_BAD_PARAM));
}

static void test_uid_decode(void **state)
{
    (void)state;
    trustm_uid_t u;
    assert_int_equal(trustm_uid_decode(uid, 27, &u), TRUSTM_OK);
    assert_int_equal(u.cim_id, 0xCD);
    assert_int_equal(u.platform_id, 0x16);
    assert_int_equal(u.model_id, 0x33);
    assert_int_equal(u.rom_mask_id, 0x8201);
    assert_memory_equal(u.chip_type, uid + 5, 6);
    assert_memory_equal(u.batch_number, uid + 11, 6);
    assert_int_equal(u.x_coordinate, 0x0072);
    assert_int_equal(u.y_coordinate, 0x0040);
    assert_int_equal(u.firmware_id, 0x80101234u);
    assert_int_equal(u.esw_build_bcd, 0x2440);
    assert_int_equal(u.esw_build, 2440);
    uint8_t bad[27];
    memcpy(bad, uid, 27);
    bad[26] = 0x4A;
    assert_int_equal(trustm_uid_decode(bad, 27, &u), TRUSTM_OK);
    assert_int_equal(u.esw_build, 0xFFFF);
    assert_int_equal(trustm_uid_decode(uid, 26, &u), TRUSTM_STATUS(TRUSTM_LAYER_API, TRUSTM_BASE_BAD_PARAM));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_open_and_read_uid, setup),
        cmocka_unit_test_setup(test_device_error, setup),
        cmocka_unit_test_setup(test_open_refused, setup),
        cmocka_unit_test_setup(test_data_read_chunks, setup),
        cmocka_unit_test_setup(test_data_read_boundary_is_end, setup),
        cmocka_unit_test_setup(test_data_read_lying_length, setup),
        cmocka_unit_test_setup(test_metadata_read, setup),
        cmocka_unit_test_setup(test_transceive_and_close, setup),
        cmocka_unit_test_setup(test_nonblocking, setup),
        cmocka_unit_test_setup(test_abort, setup),
        cmocka_unit_test_setup(test_sticky_failure, setup),
        cmocka_unit_test_setup(test_auto_cold_with_presentation, setup),
        cmocka_unit_test_setup(test_init_checks, setup),
        cmocka_unit_test_setup(test_uid_decode, setup),
    };
    int failed = cmocka_run_group_tests_name("unit_api (frame size 277)", tests, NULL, NULL);
    g_fs = 20;
    failed += cmocka_run_group_tests_name("unit_api (frame size 20)", tests, NULL, NULL);
    return failed;
}
