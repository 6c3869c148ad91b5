/* Bounds-checked writer/reader and big-endian helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "trustm_bytes.h"
#include "trustm/trustm_status.h"

static void test_be(void **state)
{
    (void)state;
    uint8_t b[8];
    trustm_be16_put(b, 0x1234);
    assert_int_equal(b[0], 0x12);
    assert_int_equal(trustm_be16_get(b), 0x1234);
    trustm_be32_put(b, 0xA1B2C3D4u);
    assert_int_equal(b[0], 0xA1);
    assert_int_equal(b[3], 0xD4);
    assert_int_equal(trustm_be32_get(b), 0xA1B2C3D4u);
    trustm_be64_put(b, 0x0102030405060708ull);
    assert_int_equal(b[7], 0x08);
    assert_true(trustm_be64_get(b) == 0x0102030405060708ull);
}

static void test_wbuf_sticky_overflow(void **state)
{
    (void)state;
    uint8_t buf[8];
    memset(buf, 0xCC, sizeof buf);
    trustm_wbuf_t w;
    trustm_wbuf_init(&w, buf, 6);
    trustm_wbuf_be32(&w, 0x01020304u);
    trustm_wbuf_be16(&w, 0x0506);
    assert_true(trustm_wbuf_ok(&w));
    trustm_wbuf_u8(&w, 0x07); /* overflow */
    assert_false(trustm_wbuf_ok(&w));
    trustm_wbuf_u8(&w, 0x08);
    assert_false(trustm_wbuf_ok(&w));
    assert_int_equal(w.len, 6);
    assert_int_equal(buf[6], 0xCC); /* canary untouched */
    assert_int_equal(buf[7], 0xCC);

    trustm_wbuf_t count; /* NULL buffer counts through the same code path */
    trustm_wbuf_init(&count, NULL, 0);
    trustm_wbuf_be32(&count, 1);
    trustm_wbuf_bytes(&count, buf, 5);
    assert_true(trustm_wbuf_ok(&count));
    assert_int_equal(count.len, 9);
    assert_null(trustm_wbuf_reserve(&count, 1));
}

static void test_rbuf_bounds(void **state)
{
    (void)state;
    const uint8_t d[] = {0x00, 0x10, 0xAA, 0xBB, 0xCC};
    trustm_rbuf_t r;
    trustm_rbuf_init(&r, d, sizeof d);
    assert_int_equal(trustm_rbuf_be16(&r), 0x0010);
    assert_int_equal(trustm_rbuf_left(&r), 3);
    assert_null(trustm_rbuf_bytes(&r, 0x10)); /* length field lies */
    assert_false(trustm_rbuf_ok(&r));
    assert_int_equal(trustm_rbuf_u8(&r), 0); /* sticky */
    assert_int_equal(trustm_rbuf_left(&r), 0);
}

static void test_wipe_and_status(void **state)
{
    (void)state;
    uint8_t k[4] = {1, 2, 3, 4};
    trustm_wipe(k, sizeof k);
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(k[i], 0);
    assert_false(trustm_status_is_error(TRUSTM_OK));
    assert_false(trustm_status_is_error(TRUSTM_IN_PROGRESS));
    trustm_status_t s = TRUSTM_DEVICE_ERR(0x07);
    assert_true(trustm_status_is_error(s));
    assert_int_equal(trustm_status_device_code(s), 0x07);
    assert_string_equal(trustm_status_layer_str(s), "device");
    assert_string_equal(trustm_status_base_str(s), "access conditions not satisfied");
    assert_int_equal(trustm_status_device_code(TRUSTM_PAL_NACK), 0);
    assert_string_equal(trustm_status_layer_str(TRUSTM_PAL_NACK), "pal");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_be),
        cmocka_unit_test(test_wbuf_sticky_overflow),
        cmocka_unit_test(test_rbuf_bounds),
        cmocka_unit_test(test_wipe_and_status),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
