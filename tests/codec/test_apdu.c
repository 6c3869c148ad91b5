/* APDU header codec (commands.md §2). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "trustm_apdu.h"

static void test_open_application_log(void **state)
{
    (void)state;
    /* Datasheet Table 24 APDU: 70 00 00 10 <AID> */
    uint8_t apdu[4 + TRUSTM_APP_ID_SIZE];
    assert_int_equal(trustm_apdu_header_encode(TRUSTM_CMD_OPEN_APPLICATION, 0x00, TRUSTM_APP_ID_SIZE, apdu, 4), 4);
    for (size_t i = 0; i < TRUSTM_APP_ID_SIZE; i++)
        apdu[4 + i] = trustm_app_id[i];
    const uint8_t logged[] = {0x70, 0x00, 0x00, 0x10, 0xD2, 0x76, 0x00, 0x00, 0x04, 0x47,
                              0x65, 0x6E, 0x41, 0x75, 0x74, 0x68, 0x41, 0x70, 0x70, 0x6C};
    assert_memory_equal(apdu, logged, sizeof logged);
    trustm_apdu_cmd_t c;
    assert_true(trustm_apdu_cmd_decode(apdu, sizeof apdu, &c));
    assert_int_equal(c.cmd, 0x70);
    assert_int_equal(c.in_len, 16);
    assert_false(trustm_apdu_cmd_decode(apdu, sizeof apdu - 1, &c));
    assert_false(trustm_apdu_cmd_decode(apdu, 3, &c));
    assert_int_equal(trustm_apdu_header_encode(0x01, 0, 0, apdu, 3), 0);
}

static void test_response(void **state)
{
    (void)state;
    const uint8_t ok[] = {0x00, 0x00, 0x00, 0x01, 0x07}; /* last error read: 07 */
    trustm_apdu_rsp_t r;
    assert_true(trustm_apdu_rsp_decode(ok, sizeof ok, &r));
    assert_int_equal(r.sta, TRUSTM_APDU_STA_SUCCESS);
    assert_int_equal(r.out_len, 1);
    assert_int_equal(r.out_data[0], 0x07);
    const uint8_t lying[] = {0x00, 0x00, 0xFF, 0xFF, 0x07}; /* OutLen beyond the bytes received */
    assert_false(trustm_apdu_rsp_decode(lying, sizeof lying, &r));
    const uint8_t err[] = {0xFF, 0x00, 0x00, 0x00};
    assert_true(trustm_apdu_rsp_decode(err, sizeof err, &r));
    assert_int_equal(r.sta, TRUSTM_APDU_STA_ERROR);
    assert_false(trustm_apdu_rsp_decode(err, 3, &r));
    assert_false(trustm_apdu_rsp_decode(NULL, 4, &r));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_application_log),
        cmocka_unit_test(test_response),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
