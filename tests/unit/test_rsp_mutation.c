/* unit_rsp_mutation: every response parser of the command set and the pure decoders of the
 * API (metadata, AC, RSA public key) fed with truncated and mutated inputs held in exactly
 * sized heap blocks, so that any over-read is caught by ASan (the sanitizer build runs this
 * test). Each call must return OK or a CMD/API error, never more. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "trustm/trustm.h"
#include "trustm_cmd_int.h"
#include "trustm_testutil.h"

static bool status_sane(trustm_status_t s)
{
    uint32_t layer = TRUSTM_STATUS_LAYER(s);
    return s == TRUSTM_OK || layer == TRUSTM_LAYER_CMD || layer == TRUSTM_LAYER_API || s == TRUSTM_CMD_STA_FAILED;
}

typedef trustm_status_t (*parse_fn)(const uint8_t *p, size_t n);

static trustm_status_t p_hash_digest(const uint8_t *p, size_t n)
{
    const uint8_t *d, *c;
    size_t cl;
    trustm_status_t s = trustm_cmd_hash_decode(p, n, 1, 0, &d, &c, &cl);
    if (s == TRUSTM_OK) {
        volatile uint8_t x = d[31]; /* touch the last byte the caller would copy */
        (void)x;
    }
    return s;
}
static trustm_status_t p_hash_ctx(const uint8_t *p, size_t n)
{
    const uint8_t *d, *c;
    size_t cl;
    trustm_status_t s = trustm_cmd_hash_decode(p, n, 0, 1, &d, &c, &cl);
    if (s == TRUSTM_OK) {
        volatile uint8_t x = c[cl - 1];
        (void)x;
    }
    return s;
}
static trustm_status_t p_tlv61(const uint8_t *p, size_t n)
{
    const uint8_t *d;
    size_t dl;
    trustm_status_t s = trustm_cmd_tlv1_decode(p, n, 0x61, 1, 640, &d, &dl);
    if (s == TRUSTM_OK && dl > 0) {
        volatile uint8_t x = d[dl - 1];
        (void)x;
    }
    return s;
}
static trustm_status_t p_keypair(const uint8_t *p, size_t n)
{
    const uint8_t *v, *b;
    size_t vl, bl;
    trustm_status_t s = trustm_cmd_gen_key_pair_decode(p, n, 1, &v, &vl, &b, &bl);
    if (s == TRUSTM_OK) {
        volatile uint8_t x = (uint8_t)(v[vl - 1] ^ b[bl - 1]);
        (void)x;
        trustm_rsa_pubkey_t pk;
        if (trustm_rsa_pubkey_decode(b, bl, &pk) == TRUSTM_OK) {
            x = (uint8_t)(pk.modulus[pk.modulus_len - 1] ^ pk.exponent[pk.exponent_len - 1]);
        }
    }
    return s;
}
static trustm_status_t p_raw8(const uint8_t *p, size_t n)
{
    const uint8_t *d;
    return trustm_cmd_raw_decode(p, n, 8, &d);
}
static trustm_status_t p_sig(const uint8_t *p, size_t n)
{
    const uint8_t *d;
    size_t dl;
    trustm_status_t s = trustm_cmd_raw_var_decode(p, n, 256, &d, &dl);
    if (s == TRUSTM_OK) {
        volatile uint8_t x = d[dl - 1];
        (void)x;
    }
    return s;
}
static trustm_status_t p_hib(const uint8_t *p, size_t n)
{
    uint8_t h[8];
    return trustm_cmd_close_hibernate_decode(p, n, h);
}
static trustm_status_t p_metadata(const uint8_t *p, size_t n)
{
    trustm_metadata_t md;
    char t[600];
    size_t tl;
    trustm_status_t s = trustm_metadata_decode(p, n, &md);
    trustm_status_t s2 = trustm_metadata_format(p, n, t, sizeof t, &tl);
    assert_int_equal(s == TRUSTM_OK, s2 == TRUSTM_OK);
    return s;
}
static trustm_status_t p_pubkey(const uint8_t *p, size_t n)
{
    trustm_rsa_pubkey_t pk;
    return trustm_rsa_pubkey_decode(p, n, &pk);
}

/* Truncate at every length and mutate every byte (several values) of a valid input. */
static void torture(parse_fn fn, const uint8_t *valid, size_t len)
{
    static const uint8_t vals[] = {0x00, 0x01, 0x02, 0x7F, 0x80, 0x81, 0x82, 0xFE, 0xFF};
    unsigned ok = 0;
    uint8_t *buf;
    assert_int_equal(fn(valid, len), TRUSTM_OK);
    for (size_t cut = 0; cut <= len; cut++) {
        buf = malloc(cut > 0 ? cut : 1);
        assert_non_null(buf);
        memcpy(buf, valid, cut);
        trustm_status_t s = fn(buf, cut);
        assert_true(status_sane(s));
        ok += s == TRUSTM_OK;
        free(buf);
    }
    buf = malloc(len);
    assert_non_null(buf);
    for (size_t i = 0; i < len; i++) {
        for (size_t v = 0; v < sizeof vals; v++) {
            memcpy(buf, valid, len);
            buf[i] = vals[v];
            assert_true(status_sane(fn(buf, len)));
        }
    }
    free(buf);
    assert_true(ok >= 1); /* the full input itself */
}

static uint8_t scratch[600];

static size_t mk(const char *hex)
{
    long k = tv_hex_parse(hex, scratch, sizeof scratch);
    assert_true(k > 0);
    return (size_t)k;
}

static void test_cmd_parsers(void **state)
{
    (void)state;
    size_t n = mk("00 00 00 23 01 00 20 BA 78 16 BF 8F 01 CF EA 41 41 40 DE 5D AE 22 23 B0 03 61 A3 96 17 7A 9C B4 10 "
                  "FF 61 F2 00 15 AD");
    torture(p_hash_digest, scratch, n);
    n = mk("00 00 00 0A 06 00 07 01 02 03 04 05 06 07");
    torture(p_hash_ctx, scratch, n);
    n = mk("00 00 00 13 61 00 10 3A D7 7B B4 0D 7A 36 60 A8 9E CA F3 24 66 EF 97");
    torture(p_tlv61, scratch, n);
    n = mk("00 00 00 08 00 00 01 02 00 00 FF FF");
    torture(p_raw8, scratch, n);
    n = mk("00 00 00 08 3C 91 0A 55 E7 20 6B D4");
    torture(p_hib, scratch, n);
    n = mk("00 00 00 05 01 02 03 04 05");
    torture(p_sig, scratch, n);
}

static void test_keypair_and_pubkey(void **state)
{
    (void)state;
    uint8_t mod[128], der[200], rsp[400];
    static const uint8_t e[3] = {1, 0, 1};
    for (int i = 0; i < 128; i++)
        mod[i] = (uint8_t)(0x80 + i);
    trustm_rsa_pubkey_t pk = {mod, 128, e, 3};
    size_t dl;
    assert_int_equal(trustm_rsa_pubkey_encode(&pk, der, sizeof der, &dl), TRUSTM_OK);
    torture(p_pubkey, der, dl);
    size_t k = 4;
    rsp[k++] = 0x01, rsp[k++] = 0x00, rsp[k++] = 0x05;
    rsp[k++] = 0x04, rsp[k++] = 0x03, rsp[k++] = 1, rsp[k++] = 2, rsp[k++] = 3;
    rsp[k++] = 0x02, rsp[k++] = 0x00, rsp[k++] = (uint8_t)dl;
    memcpy(rsp + k, der, dl);
    k += dl;
    rsp[0] = 0, rsp[1] = 0, rsp[2] = (uint8_t)((k - 4) >> 8), rsp[3] = (uint8_t)(k - 4);
    torture(p_keypair, rsp, k);
}

static void test_metadata_parser(void **state)
{
    (void)state;
    size_t n = mk("20 17 C0 01 01 D0 07 E1 FC 07 FE 20 E1 40 D1 03 E1 FC 07 D3 01 00 E8 01 22");
    torture(p_metadata, scratch, n);
    n = mk("20 1D C1 02 80 03 E0 01 42 E1 01 53 C4 02 01 00 C5 01 00 D8 07 21 E0 E3 FD 20 F1 D1 F0 01 11");
    torture(p_metadata, scratch, n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cmd_parsers),
        cmocka_unit_test(test_keypair_and_pubkey),
        cmocka_unit_test(test_metadata_parser),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
