/*
 * test_cbor.c - unit tests of the strict CBOR codec (src/codec/trustm_cbor.c): RFC 8949
 * Appendix A examples for the supported types (encode and decode), and strict rejection of
 * non-canonical, unsupported, truncated and over-long input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "trustm_cbor.h"
#include "trustm_testutil.h"

static size_t hx(const char *s, uint8_t *out, size_t size)
{
    long n = tv_hex_parse(s, out, size);
    assert_true(n >= 0);
    return (size_t)n;
}

typedef struct int_case {
    const char *hex;
    int64_t v;
} int_case_t;

/* RFC 8949 Appendix A: integers. */
static const int_case_t k_ints[] = {
    {"00", 0},
    {"01", 1},
    {"0a", 10},
    {"17", 23},
    {"1818", 24},
    {"1819", 25},
    {"1864", 100},
    {"1903e8", 1000},
    {"1a000f4240", 1000000},
    {"1b000000e8d4a51000", 1000000000000LL},
    {"20", -1},
    {"29", -10},
    {"3863", -100},
    {"3903e7", -1000},
    /* values of the manifest profile (protected-update.md §2) */
    {"3a000100a3", -65700},
    {"3a000100b7", -65720},
    {"26", -7},
    {"22", -3},
};

static void test_ints_roundtrip(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof k_ints / sizeof k_ints[0]; i++) {
        uint8_t want[16], got[16];
        size_t wl = hx(k_ints[i].hex, want, sizeof want);
        trustm_cbor_enc_t e;
        trustm_cbor_enc_init(&e, got, sizeof got);
        trustm_cbor_put_int(&e, k_ints[i].v);
        assert_true(trustm_cbor_enc_ok(&e));
        assert_int_equal(e.len, wl);
        assert_memory_equal(got, want, wl);

        trustm_cbor_dec_t d;
        int64_t v = 0;
        trustm_cbor_dec_init(&d, want, wl);
        assert_true(trustm_cbor_get_int(&d, &v));
        assert_true(trustm_cbor_dec_done(&d));
        assert_true(v == k_ints[i].v);
        assert_int_equal(trustm_cbor_validate(want, wl), TRUSTM_CBOR_OK);
    }
}

static void test_uint64_extremes(void **state)
{
    (void)state;
    uint8_t b[16];
    size_t n = hx("1bffffffffffffffff", b, sizeof b);
    trustm_cbor_dec_t d;
    uint64_t u = 0;
    trustm_cbor_dec_init(&d, b, n);
    assert_true(trustm_cbor_get_uint(&d, &u));
    assert_true(u == UINT64_MAX);
    uint8_t enc[16];
    trustm_cbor_enc_t e;
    trustm_cbor_enc_init(&e, enc, sizeof enc);
    trustm_cbor_put_uint(&e, UINT64_MAX);
    assert_int_equal(e.len, n);
    assert_memory_equal(enc, b, n);

    /* -18446744073709551616: well-formed, but does not fit int64 */
    n = hx("3bffffffffffffffff", b, sizeof b);
    assert_int_equal(trustm_cbor_validate(b, n), TRUSTM_CBOR_OK);
    int64_t v;
    trustm_cbor_dec_init(&d, b, n);
    assert_false(trustm_cbor_get_int(&d, &v));
    assert_int_equal(trustm_cbor_dec_err(&d), TRUSTM_CBOR_ERR_RANGE);
}

static void test_strings_and_simple(void **state)
{
    (void)state;
    uint8_t b[64], o[64];
    trustm_cbor_enc_t e;
    trustm_cbor_dec_t d;
    const uint8_t *p;
    const char *s;
    size_t n, len;

    n = hx("4401020304", b, sizeof b);
    trustm_cbor_dec_init(&d, b, n);
    assert_true(trustm_cbor_get_bstr(&d, &p, &len));
    assert_int_equal(len, 4);
    assert_int_equal(p[3], 4);
    assert_true(trustm_cbor_dec_done(&d));
    trustm_cbor_enc_init(&e, o, sizeof o);
    trustm_cbor_put_bstr(&e, p, len);
    assert_int_equal(e.len, n);
    assert_memory_equal(o, b, n);

    n = hx("40", b, sizeof b);
    trustm_cbor_dec_init(&d, b, n);
    assert_true(trustm_cbor_get_bstr(&d, &p, &len));
    assert_int_equal(len, 0);

    n = hx("6449455446", b, sizeof b);
    trustm_cbor_dec_init(&d, b, n);
    assert_true(trustm_cbor_get_tstr(&d, &s, &len));
    assert_int_equal(len, 4);
    assert_memory_equal(s, "IETF", 4);
    trustm_cbor_enc_init(&e, o, sizeof o);
    trustm_cbor_put_tstr(&e, "IETF", 4);
    assert_memory_equal(o, b, n);
    n = hx("60", b, sizeof b);
    assert_int_equal(trustm_cbor_validate(b, n), TRUSTM_CBOR_OK);

    /* false, true, null, undefined */
    n = hx("f4f5f6f7", b, sizeof b);
    trustm_cbor_enc_init(&e, o, sizeof o);
    for (unsigned v = TRUSTM_CBOR_FALSE; v <= TRUSTM_CBOR_UNDEFINED; v++)
        trustm_cbor_put_simple(&e, v);
    assert_int_equal(e.len, 4);
    assert_memory_equal(o, b, 4);
    trustm_cbor_dec_init(&d, b, n);
    trustm_cbor_item_t it;
    for (unsigned v = TRUSTM_CBOR_FALSE; v <= TRUSTM_CBOR_UNDEFINED; v++) {
        assert_true(trustm_cbor_next(&d, &it));
        assert_int_equal(it.mt, TRUSTM_CBOR_MT_SIMPLE);
        assert_int_equal(it.arg, v);
    }
    trustm_cbor_dec_init(&d, b + 2, 1);
    assert_true(trustm_cbor_get_null(&d));
    trustm_cbor_dec_init(&d, b, 1);
    assert_false(trustm_cbor_get_null(&d));
    assert_int_equal(trustm_cbor_dec_err(&d), TRUSTM_CBOR_ERR_TYPE);
}

static void test_containers_and_tags(void **state)
{
    (void)state;
    static const char *const ok[] = {
        "80",
        "83010203",
        "8301820203820405",
        "98190102030405060708090a0b0c0d0e0f101112131415161718181819",
        "a0",
        "a201020304",
        "a26161016162820203",
        "826161a161626163",
        "c11a514b67b0",
        "d818456449455446",
        "d82076687474703a2f2f7777772e6578616d706c652e636f6d",
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        uint8_t b[64];
        size_t n = hx(ok[i], b, sizeof b);
        assert_int_equal(trustm_cbor_validate(b, n), TRUSTM_CBOR_OK);
    }
    /* encode [1, [2, 3], [4, 5]] and {1: 2, 3: 4} and 1(1363896240) */
    uint8_t o[32], w[32];
    trustm_cbor_enc_t e;
    trustm_cbor_enc_init(&e, o, sizeof o);
    trustm_cbor_put_array(&e, 3);
    trustm_cbor_put_uint(&e, 1);
    trustm_cbor_put_array(&e, 2);
    trustm_cbor_put_uint(&e, 2);
    trustm_cbor_put_uint(&e, 3);
    trustm_cbor_put_array(&e, 2);
    trustm_cbor_put_uint(&e, 4);
    trustm_cbor_put_uint(&e, 5);
    trustm_cbor_put_map(&e, 2);
    trustm_cbor_put_uint(&e, 1);
    trustm_cbor_put_uint(&e, 2);
    trustm_cbor_put_uint(&e, 3);
    trustm_cbor_put_uint(&e, 4);
    trustm_cbor_put_tag(&e, 1);
    trustm_cbor_put_uint(&e, 1363896240);
    size_t n = hx("8301820203820405a201020304c11a514b67b0", w, sizeof w);
    assert_true(trustm_cbor_enc_ok(&e));
    assert_int_equal(e.len, n);
    assert_memory_equal(o, w, n);

    /* typed walk of {"a": 1, "b": [2, 3]} */
    trustm_cbor_dec_t d;
    size_t m;
    const char *s;
    size_t sl;
    uint64_t u;
    n = hx("a26161016162820203", w, sizeof w);
    trustm_cbor_dec_init(&d, w, n);
    assert_true(trustm_cbor_get_map(&d, &m));
    assert_int_equal(m, 2);
    assert_true(trustm_cbor_get_tstr(&d, &s, &sl) && sl == 1 && s[0] == 'a');
    assert_true(trustm_cbor_get_uint(&d, &u) && u == 1);
    assert_true(trustm_cbor_get_tstr(&d, &s, &sl) && s[0] == 'b');
    assert_true(trustm_cbor_expect_array(&d, 2));
    assert_true(trustm_cbor_skip(&d));
    assert_true(trustm_cbor_skip(&d));
    assert_true(trustm_cbor_dec_done(&d));
}

typedef struct bad_case {
    const char *hex;
    trustm_cbor_err_t err;
} bad_case_t;

static void test_strict_rejection(void **state)
{
    (void)state;
    static const bad_case_t bad[] = {
        /* non-canonical arguments */
        {"1817", TRUSTM_CBOR_ERR_NON_CANONICAL},
        {"190017", TRUSTM_CBOR_ERR_NON_CANONICAL},
        {"1900ff", TRUSTM_CBOR_ERR_NON_CANONICAL},
        {"1a0000ffff", TRUSTM_CBOR_ERR_NON_CANONICAL},
        {"1b00000000ffffffff", TRUSTM_CBOR_ERR_NON_CANONICAL},
        {"3800", TRUSTM_CBOR_ERR_NON_CANONICAL},
        {"580100", TRUSTM_CBOR_ERR_NON_CANONICAL},
        {"980101", TRUSTM_CBOR_ERR_NON_CANONICAL},
        {"b8010102", TRUSTM_CBOR_ERR_NON_CANONICAL},
        {"d80101", TRUSTM_CBOR_ERR_NON_CANONICAL},
        /* unsupported: indefinite lengths, floats, 1-byte simple, low simple, reserved */
        {"5f42010243030405ff", TRUSTM_CBOR_ERR_UNSUPPORTED},
        {"9f018202039f0405ffff", TRUSTM_CBOR_ERR_UNSUPPORTED},
        {"bf6346756ef563416d7421ff", TRUSTM_CBOR_ERR_UNSUPPORTED},
        {"f90000", TRUSTM_CBOR_ERR_UNSUPPORTED},
        {"fa47c35000", TRUSTM_CBOR_ERR_UNSUPPORTED},
        {"fb3ff199999999999a", TRUSTM_CBOR_ERR_UNSUPPORTED},
        {"f8ff", TRUSTM_CBOR_ERR_UNSUPPORTED},
        {"f0", TRUSTM_CBOR_ERR_UNSUPPORTED},
        {"1c", TRUSTM_CBOR_ERR_UNSUPPORTED},
        {"ff", TRUSTM_CBOR_ERR_UNSUPPORTED},
        /* truncated */
        {"", TRUSTM_CBOR_ERR_TRUNCATED},
        {"18", TRUSTM_CBOR_ERR_TRUNCATED},
        {"1901", TRUSTM_CBOR_ERR_TRUNCATED},
        {"1b00000001000000", TRUSTM_CBOR_ERR_TRUNCATED},
        {"44010203", TRUSTM_CBOR_ERR_TRUNCATED},
        {"5818", TRUSTM_CBOR_ERR_TRUNCATED},
        {"5bffffffffffffffff00", TRUSTM_CBOR_ERR_TRUNCATED},
        {"830102", TRUSTM_CBOR_ERR_TRUNCATED},
        {"9bffffffffffffffff00", TRUSTM_CBOR_ERR_TRUNCATED},
        {"a201020304a1", TRUSTM_CBOR_ERR_TRAILING},
        {"a10102a1", TRUSTM_CBOR_ERR_TRAILING},
        {"a101", TRUSTM_CBOR_ERR_TRUNCATED},
        {"c1", TRUSTM_CBOR_ERR_TRUNCATED},
        /* over-long: bytes after the item */
        {"0000", TRUSTM_CBOR_ERR_TRAILING},
        {"8001", TRUSTM_CBOR_ERR_TRAILING},
        {"4101ff", TRUSTM_CBOR_ERR_TRAILING},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t b[32];
        size_t n = hx(bad[i].hex, b, sizeof b);
        trustm_cbor_err_t got = trustm_cbor_validate(b, n);
        if (got != bad[i].err)
            fail_msg("%s: got %s, want %s", bad[i].hex, trustm_cbor_err_str(got), trustm_cbor_err_str(bad[i].err));
    }
}

static void test_depth_limit(void **state)
{
    (void)state;
    uint8_t b[40];
    /* TRUSTM_CBOR_MAX_DEPTH nested arrays are fine, one more is not */
    for (size_t depth = TRUSTM_CBOR_MAX_DEPTH; depth <= TRUSTM_CBOR_MAX_DEPTH + 1u; depth++) {
        memset(b, 0x81, depth);
        b[depth] = 0x00;
        trustm_cbor_err_t e = trustm_cbor_validate(b, depth + 1u);
        assert_int_equal(e, depth <= TRUSTM_CBOR_MAX_DEPTH ? TRUSTM_CBOR_OK : TRUSTM_CBOR_ERR_DEPTH);
    }
}

static void test_sticky_errors_and_types(void **state)
{
    (void)state;
    uint8_t b[8];
    size_t n = hx("820102", b, sizeof b);
    trustm_cbor_dec_t d;
    uint64_t u;
    trustm_cbor_dec_init(&d, b, n);
    assert_false(trustm_cbor_get_uint(&d, &u)); /* it is an array */
    assert_int_equal(trustm_cbor_dec_err(&d), TRUSTM_CBOR_ERR_TYPE);
    assert_int_equal(trustm_cbor_dec_pos(&d), 0); /* nothing consumed */
    size_t m;
    assert_false(trustm_cbor_get_array(&d, &m)); /* sticky */
    trustm_cbor_dec_init(&d, b, n);
    assert_false(trustm_cbor_expect_array(&d, 3));
    trustm_cbor_dec_init(&d, b, n);
    assert_true(trustm_cbor_expect_array(&d, 2));
    assert_false(trustm_cbor_expect_int(&d, 2));
    /* take_null leaves a non-null item alone */
    trustm_cbor_dec_init(&d, b + 1, 2);
    assert_false(trustm_cbor_take_null(&d));
    assert_true(trustm_cbor_dec_ok(&d));
    assert_int_equal(trustm_cbor_dec_pos(&d), 0);
}

static void test_encoder_limits(void **state)
{
    (void)state;
    uint8_t o[4];
    trustm_cbor_enc_t e;
    /* forced 58 LL form */
    trustm_cbor_enc_init(&e, o, sizeof o);
    trustm_cbor_put_bstr_hdr8(&e, 5);
    assert_int_equal(e.len, 2);
    assert_int_equal(o[0], 0x58);
    assert_int_equal(o[1], 5);
    trustm_cbor_put_bstr_hdr8(&e, 256);
    assert_int_equal(e.err, TRUSTM_CBOR_ERR_PARAM);
    /* overflow is sticky and nothing is written past the end */
    trustm_cbor_enc_init(&e, o, sizeof o);
    trustm_cbor_put_uint(&e, 1000000); /* 5 bytes */
    assert_int_equal(e.err, TRUSTM_CBOR_ERR_OVERFLOW);
    trustm_cbor_put_uint(&e, 1);
    assert_int_equal(e.len, 0);
    /* counting mode */
    trustm_cbor_enc_init(&e, NULL, 0);
    trustm_cbor_put_array(&e, 2);
    trustm_cbor_put_bstr(&e, NULL, 0);
    trustm_cbor_put_int(&e, -65700);
    assert_true(trustm_cbor_enc_ok(&e));
    assert_int_equal(e.len, 7);
    /* invalid simple value */
    trustm_cbor_enc_init(&e, o, sizeof o);
    trustm_cbor_put_simple(&e, 7);
    assert_int_equal(e.err, TRUSTM_CBOR_ERR_PARAM);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ints_roundtrip),          cmocka_unit_test(test_uint64_extremes),
        cmocka_unit_test(test_strings_and_simple),      cmocka_unit_test(test_containers_and_tags),
        cmocka_unit_test(test_strict_rejection),        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_sticky_errors_and_types), cmocka_unit_test(test_encoder_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
