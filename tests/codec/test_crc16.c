/* CRC-16 (FCS) against the catalogue check value and the frames of ifx-i2c.md §2.3. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "trustm_crc16.h"

static uint16_t crc_bitwise(const uint8_t *d, size_t n)
{
    uint16_t crc = 0;
    for (size_t i = 0; i < n; i++) {
        crc ^= d[i];
        for (int k = 0; k < 8; k++)
            crc = (crc & 1u) ? (uint16_t)((crc >> 1) ^ 0x8408u) : (uint16_t)(crc >> 1);
    }
    return crc;
}

static void test_check_value(void **state)
{
    (void)state;
    const uint8_t s[] = "123456789";
    assert_int_equal(trustm_crc16(s, 9), 0x2189);
    assert_int_equal(trustm_crc16(NULL, 0), 0x0000);
}

/* Worked examples of ifx-i2c.md §2.3 (frame body -> CRC), written here by hand. */
static void test_spec_examples(void **state)
{
    (void)state;
    const uint8_t open_app[] = {0x03, 0x00, 0x15, 0x00, 0x70, 0x00, 0x00, 0x10, 0xD2, 0x76, 0x00, 0x00,
                                0x04, 0x47, 0x65, 0x6E, 0x41, 0x75, 0x74, 0x68, 0x41, 0x70, 0x70, 0x6C};
    const uint8_t ack0[] = {0x80, 0x00, 0x00};
    const uint8_t rsp[] = {0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00};
    const uint8_t getdo[] = {0x04, 0x00, 0x0B, 0x00, 0x01, 0x00, 0x00, 0x06, 0xE0, 0xC2, 0x00, 0x00, 0x00, 0x64};
    const uint8_t ack1[] = {0x81, 0x00, 0x00};
    assert_int_equal(trustm_crc16(open_app, sizeof open_app), 0x041A);
    assert_int_equal(trustm_crc16(ack0, sizeof ack0), 0x0CEC);
    assert_int_equal(trustm_crc16(rsp, sizeof rsp), 0x1487);
    assert_int_equal(trustm_crc16(getdo, sizeof getdo), 0xF09F);
    assert_int_equal(trustm_crc16(ack1, sizeof ack1), 0x5630);
}

/* The nibble-table implementation equals the bit-serial definition on pseudo-random data,
 * and incremental updates equal one-shot. */
static void test_matches_bitwise(void **state)
{
    (void)state;
    uint8_t buf[600];
    uint32_t x = 0x12345678u;
    for (size_t i = 0; i < sizeof buf; i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = (uint8_t)(x >> 16);
    }
    for (size_t n = 0; n <= sizeof buf; n += 37) {
        assert_int_equal(trustm_crc16(buf, n), crc_bitwise(buf, n));
        size_t h = n / 3;
        assert_int_equal(trustm_crc16_update(trustm_crc16(buf, h), buf + h, n - h), crc_bitwise(buf, n));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_value),
        cmocka_unit_test(test_spec_examples),
        cmocka_unit_test(test_matches_bitwise),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
