/* unit_cmd: APDU builders and response parsers (commands.md §3, §5.1-5.3). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "trustm_cmd_int.h"
#include "trustm_testutil.h"

#define CMD_BAD_RESPONSE TRUSTM_STATUS(TRUSTM_LAYER_CMD, TRUSTM_BASE_BAD_RESPONSE)

static void expect_bytes(const uint8_t *got, size_t n, const char *hex)
{
    uint8_t want[64];
    long w = tv_hex_parse(hex, want, sizeof want);
    assert_int_equal((long)n, w);
    assert_memory_equal(got, want, n);
}

static void test_open_application(void **state)
{
    (void)state;
    uint8_t b[40];
    size_t n;
    static const uint8_t handle[8] = {0x3C, 0x91, 0x0A, 0x55, 0xE7, 0x20, 0x6B, 0xD4};
    assert_int_equal(trustm_cmd_open_application_encode(0, NULL, 0, b, sizeof b, &n), TRUSTM_OK);
    expect_bytes(b, n, "F0 00 00 10 D2 76 00 00 04 47 65 6E 41 75 74 68 41 70 70 6C");
    assert_int_equal(trustm_cmd_open_application_encode(0, NULL, TRUSTM_CMD_FLAG_PLAIN, b, sizeof b, &n), TRUSTM_OK);
    expect_bytes(b, n, "70 00 00 10 D2 76 00 00 04 47 65 6E 41 75 74 68 41 70 70 6C");
    assert_int_equal(trustm_cmd_open_application_encode(1, handle, 0, b, sizeof b, &n), TRUSTM_OK);
    expect_bytes(b, n, "F0 01 00 18 D2 76 00 00 04 47 65 6E 41 75 74 68 41 70 70 6C 3C 91 0A 55 E7 20 6B D4");
    assert_int_equal(trustm_cmd_open_application_encode(1, NULL, 0, b, sizeof b, &n),
                     TRUSTM_STATUS(TRUSTM_LAYER_CMD, TRUSTM_BASE_BAD_PARAM));
    assert_int_equal(trustm_cmd_open_application_encode(0, NULL, 0, b, 19, &n),
                     TRUSTM_STATUS(TRUSTM_LAYER_CMD, TRUSTM_BASE_BUFFER_TOO_SMALL));
}

static void test_close_application(void **state)
{
    (void)state;
    uint8_t b[8], h[8];
    size_t n;
    assert_int_equal(trustm_cmd_close_application_encode(0, 0, b, sizeof b, &n), TRUSTM_OK);
    expect_bytes(b, n, "F1 00 00 00");
    assert_int_equal(trustm_cmd_close_application_encode(1, TRUSTM_CMD_FLAG_PLAIN, b, sizeof b, &n), TRUSTM_OK);
    expect_bytes(b, n, "71 01 00 00");
    assert_int_equal(trustm_cmd_close_application_encode(2, 0, b, sizeof b, &n),
                     TRUSTM_STATUS(TRUSTM_LAYER_CMD, TRUSTM_BASE_BAD_PARAM));
    static const uint8_t r[] = {0, 0, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8};
    assert_int_equal(trustm_cmd_close_hibernate_decode(r, sizeof r, h), TRUSTM_OK);
    assert_memory_equal(h, r + 4, 8);
    static const uint8_t r7[] = {0, 0, 0, 7, 1, 2, 3, 4, 5, 6, 7};
    assert_int_equal(trustm_cmd_close_hibernate_decode(r7, sizeof r7, h), CMD_BAD_RESPONSE);
}

static void test_get_data(void **state)
{
    (void)state;
    uint8_t b[16];
    size_t n;
    assert_int_equal(trustm_cmd_get_data_encode(0xE0C2, 0, 0x64, TRUSTM_CMD_FLAG_PLAIN, b, sizeof b, &n), TRUSTM_OK);
    expect_bytes(b, n, "01 00 00 06 E0 C2 00 00 00 64");
    assert_int_equal(trustm_cmd_get_data_encode(0xE0C5, 0, 1, 0, b, sizeof b, &n), TRUSTM_OK);
    expect_bytes(b, n, "81 00 00 06 E0 C5 00 00 00 01");
    assert_int_equal(trustm_cmd_get_metadata_encode(0xE0C2, 0, b, sizeof b, &n), TRUSTM_OK);
    expect_bytes(b, n, "81 01 00 02 E0 C2");
    assert_int_equal(trustm_cmd_get_data_encode(0xE0C2, 0, 0, 0, b, sizeof b, &n),
                     TRUSTM_STATUS(TRUSTM_LAYER_CMD, TRUSTM_BASE_BAD_PARAM));
    assert_int_equal(trustm_cmd_get_data_encode(0xE0C2, 0, 1, 0, b, 9, &n),
                     TRUSTM_STATUS(TRUSTM_LAYER_CMD, TRUSTM_BASE_BUFFER_TOO_SMALL));
}

/* The last-error read never carries the flush bit. */
static void test_last_error(void **state)
{
    (void)state;
    uint8_t b[16], code = 0xEE;
    size_t n;
    assert_int_equal(trustm_cmd_last_error_encode(b, sizeof b, &n), TRUSTM_OK);
    expect_bytes(b, n, "01 00 00 06 F1 C2 00 00 00 01");
    static const uint8_t ok[] = {0, 0, 0, 1, 0x07};
    assert_int_equal(trustm_cmd_last_error_decode(ok, sizeof ok, &code), TRUSTM_OK);
    assert_int_equal(code, 0x07);
    static const uint8_t two[] = {0, 0, 0, 2, 0x07, 0x08};
    assert_int_equal(trustm_cmd_last_error_decode(two, sizeof two, &code), CMD_BAD_RESPONSE);
    static const uint8_t err[] = {0xFF, 0, 0, 0};
    assert_int_equal(trustm_cmd_last_error_decode(err, sizeof err, &code), CMD_BAD_RESPONSE);
}

/* Every response length is checked: short, lying OutLen, unknown Sta. */
static void test_response_checks(void **state)
{
    (void)state;
    trustm_apdu_rsp_t r;
    const uint8_t *d;
    size_t n;
    static const uint8_t ok[] = {0x00, 0x00, 0x00, 0x02, 0xAA, 0xBB};
    assert_int_equal(trustm_cmd_response_decode(ok, sizeof ok, &r), TRUSTM_OK);
    assert_int_equal(r.out_len, 2);
    assert_int_equal(trustm_cmd_response_decode(ok, 3, &r), CMD_BAD_RESPONSE);
    static const uint8_t lie_long[] = {0x00, 0x00, 0x00, 0x05, 0xAA, 0xBB};
    assert_int_equal(trustm_cmd_response_decode(lie_long, sizeof lie_long, &r), CMD_BAD_RESPONSE);
    static const uint8_t lie_short[] = {0x00, 0x00, 0x00, 0x01, 0xAA, 0xBB};
    assert_int_equal(trustm_cmd_response_decode(lie_short, sizeof lie_short, &r), CMD_BAD_RESPONSE);
    static const uint8_t sta[] = {0x12, 0x00, 0x00, 0x00};
    assert_int_equal(trustm_cmd_response_decode(sta, sizeof sta, &r), CMD_BAD_RESPONSE);
    static const uint8_t ff[] = {0xFF, 0x00, 0x00, 0x00};
    assert_int_equal(trustm_cmd_response_decode(ff, sizeof ff, &r), TRUSTM_CMD_STA_FAILED);
    assert_int_equal(trustm_cmd_no_data_decode(ok, sizeof ok), CMD_BAD_RESPONSE);
    assert_int_equal(trustm_cmd_no_data_decode(ff, sizeof ff), TRUSTM_CMD_STA_FAILED);
    assert_int_equal(trustm_cmd_get_data_decode(ok, sizeof ok, 2, &d, &n), TRUSTM_OK);
    assert_int_equal(n, 2);
    assert_ptr_equal(d, ok + 4);
    assert_int_equal(trustm_cmd_get_data_decode(ok, sizeof ok, 1, &d, &n), CMD_BAD_RESPONSE); /* more than asked */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_application), cmocka_unit_test(test_close_application),
        cmocka_unit_test(test_get_data),         cmocka_unit_test(test_last_error),
        cmocka_unit_test(test_response_checks),
    };
    return cmocka_run_group_tests_name("unit_cmd", tests, NULL, NULL);
}
