/* unit_api_mutation: every single-command service operation is answered (over the scripted
 * bus) with truncated and mutated versions of a valid response: each answer must give OK or a
 * CMD/API error, the caller's buffers are never written past out_size, and nothing is read
 * past the response (the sanitizer build runs this test too). */
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
static hb_link_t link;
static uint8_t apdu[700], valid[700], rsp[700], in[512];
static size_t apdu_len, valid_len;

/* Output area with guard bytes after the announced size. */
#define GUARD 32u
static uint8_t outbuf[600 + GUARD];
static size_t out_len;

static const uint8_t open_apdu[] = {0xF0, 0x00, 0x00, 0x10, 0xD2, 0x76, 0x00, 0x00, 0x04, 0x47,
                                    0x65, 0x6E, 0x41, 0x75, 0x74, 0x68, 0x41, 0x70, 0x70, 0x6C};
static const uint8_t rsp_ok[] = {0x00, 0x00, 0x00, 0x00};

static int setup(void **state)
{
    (void)state;
    trustm_config_t cfg;
    hb_reset();
    hb.now = 1;
    hb.has_pins = false;
    pal = hb_pal();
    memset(&cfg, 0, sizeof cfg);
    assert_int_equal(trustm_device_init(&dev, &pal, &cfg), TRUSTM_OK);
    hb_link_init(&link, 277, false);
    for (size_t i = 0; i < sizeof in; i++)
        in[i] = (uint8_t)(i * 29u + 3u);
    hb_soft_reset(277, 277);
    hb_exchange(&link, open_apdu, sizeof open_apdu, rsp_ok, 4, false);
    assert_int_equal(trustm_device_open(&dev), TRUSTM_OK);
    hb_assert_done();
    return 0;
}

typedef trustm_status_t (*op_fn)(size_t out_size);

static bool sane(trustm_status_t s)
{
    uint32_t l = TRUSTM_STATUS_LAYER(s);
    return s == TRUSTM_OK || l == TRUSTM_LAYER_CMD || l == TRUSTM_LAYER_API;
}

static void run_one(op_fn fn, const uint8_t *r, size_t rn, size_t out_size, unsigned *oks)
{
    hb.count = 0;
    hb.pos = 0;
    hb_exchange(&link, apdu, apdu_len, r, rn, true);
    memset(outbuf, 0xC3, sizeof outbuf);
    trustm_status_t s = fn(out_size);
    if (!sane(s))
        fail_msg("status %08x for response %s", (unsigned)s, tv_hex_str(r, rn));
    hb_assert_done();
    for (size_t i = out_size; i < out_size + GUARD; i++)
        assert_int_equal(outbuf[i], 0xC3);
    *oks += s == TRUSTM_OK;
}

/* valid response, every truncation (OutLen kept consistent), every byte of OutData mutated. */
static void torture(op_fn fn, size_t out_size)
{
    static const uint8_t vals[] = {0x00, 0x01, 0x02, 0x41, 0x61, 0x7F, 0x80, 0x81, 0x82, 0xFE, 0xFF};
    unsigned oks = 0;
    run_one(fn, valid, valid_len, out_size, &oks);
    assert_int_equal(oks, 1);
    for (size_t cut = 4; cut < valid_len; cut++) {
        memcpy(rsp, valid, cut);
        rsp[2] = (uint8_t)((cut - 4) >> 8);
        rsp[3] = (uint8_t)(cut - 4);
        run_one(fn, rsp, cut, out_size, &oks);
    }
    for (size_t i = 4; i < valid_len; i++) {
        for (size_t v = 0; v < sizeof vals; v++) {
            memcpy(rsp, valid, valid_len);
            rsp[i] = vals[v];
            run_one(fn, rsp, valid_len, out_size, &oks);
        }
    }
    /* one byte too many */
    memcpy(rsp, valid, valid_len);
    rsp[valid_len] = 0x00;
    rsp[2] = (uint8_t)((valid_len - 3) >> 8);
    rsp[3] = (uint8_t)(valid_len - 3);
    unsigned before = oks;
    run_one(fn, rsp, valid_len + 1, out_size, &oks);
    assert_int_equal(oks, before); /* an extra byte is never accepted */
}

static size_t hexto(uint8_t *dst, const char *h)
{
    long k = tv_hex_parse(h, dst, 700);
    assert_true(k >= 0);
    return (size_t)k;
}

/* response 00 00 LL LL followed by parts */
static void valid_begin(void)
{
    valid_len = hexto(valid, "00 00 00 00");
}
static void valid_hex(const char *h)
{
    valid_len += hexto(valid + valid_len, h);
}
static void valid_bytes(const uint8_t *p, size_t n)
{
    memcpy(valid + valid_len, p, n);
    valid_len += n;
}
static void valid_end(void)
{
    valid[2] = (uint8_t)((valid_len - 4) >> 8);
    valid[3] = (uint8_t)(valid_len - 4);
}

/* ---- operations ---- */
static trustm_status_t op_random(size_t sz)
{
    return trustm_random(&dev, TRUSTM_RNG_TRNG, sz, outbuf, sz, NULL);
}
static trustm_status_t op_sha(size_t sz)
{
    (void)sz;
    return trustm_sha256(&dev, (const uint8_t *)"abc", 3, outbuf);
}
static trustm_hash_ctx_t hctx;
static trustm_status_t op_hash_start(size_t sz)
{
    (void)sz;
    trustm_status_t s = trustm_sha256_setup(&dev, &hctx);
    assert_true(hctx.len <= TRUSTM_HASH_CTX_SIZE);
    return s;
}
static trustm_status_t op_ecb(size_t sz)
{
    return trustm_sym_encrypt(&dev, 0xE200, TRUSTM_SYM_ECB, NULL, 0, in, 32, outbuf, sz, &out_len);
}
static trustm_status_t op_cmac(size_t sz)
{
    return trustm_sym_encrypt(&dev, 0xE200, TRUSTM_SYM_CMAC, NULL, 0, in, 5, outbuf, sz, &out_len);
}
static trustm_status_t op_keygen(size_t sz)
{
    return trustm_rsa_keygen(&dev, 0xE0FC, TRUSTM_RSA1024, 0x10, outbuf, sz, &out_len);
}
static trustm_status_t op_sign(size_t sz)
{
    return trustm_rsa_sign(&dev, 0xE0FC, TRUSTM_RSA_PKCS1_SHA256, in, 32, outbuf, sz, &out_len);
}
static trustm_status_t op_decrypt(size_t sz)
{
    return trustm_rsa_decrypt(&dev, 0xE0FC, in, 128, outbuf, sz, &out_len);
}
static trustm_status_t op_prf(size_t sz)
{
    return trustm_tls_prf(&dev, 0xF1D1, 0, TRUSTM_PRF_SHA256, 20, in, 8, in, 8, outbuf, sz, NULL);
}
static trustm_status_t op_counter(size_t sz)
{
    uint32_t v, t;
    (void)sz;
    return trustm_counter_read(&dev, 0xE120, &v, &t);
}
static trustm_status_t op_hibernate(size_t sz)
{
    (void)sz;
    return trustm_device_hibernate(&dev, outbuf);
}
static trustm_status_t op_aes_export(size_t sz)
{
    return trustm_aes_keygen_export(&dev, TRUSTM_AES128, outbuf, sz, &out_len);
}
static trustm_status_t op_metadata(size_t sz)
{
    return trustm_metadata_read(&dev, 0xE0E8, outbuf, sz, &out_len);
}

static void test_mutations(void **state)
{
    (void)state;
    apdu_len = hexto(apdu, "8C 00 00 02 00 10");
    valid_begin();
    valid_bytes(in, 16);
    valid_end();
    torture(op_random, 16);

    apdu_len = hexto(apdu, "B0 E2 00 06 01 00 03 61 62 63");
    valid_begin();
    valid_hex("01 00 20");
    valid_bytes(in, 32);
    valid_end();
    torture(op_sha, 32);

    apdu_len = hexto(apdu, "B0 E2 00 06 00 00 00 07 00 00");
    valid_begin();
    valid_hex("06 00 40");
    valid_bytes(in, 64);
    valid_end();
    torture(op_hash_start, 0);

    apdu_len = hexto(apdu, "94 08 00 25 E2 00 01 00 20");
    memcpy(apdu + apdu_len, in, 32);
    apdu_len += 32;
    valid_begin();
    valid_hex("61 00 20");
    valid_bytes(in + 100, 32);
    valid_end();
    torture(op_ecb, 32);

    apdu_len = hexto(apdu, "94 0B 00 0A E2 00 01 00 05");
    memcpy(apdu + apdu_len, in, 5);
    apdu_len += 5;
    valid_begin();
    valid_hex("61 00 10");
    valid_bytes(in + 100, 16);
    valid_end();
    torture(op_cmac, 16);

    apdu_len = hexto(apdu, "B8 41 00 09 01 00 02 E0 FC 02 00 01 10");
    uint8_t mod[128];
    static const uint8_t e[3] = {1, 0, 1};
    memcpy(mod, in, 128);
    mod[0] |= 0x80;
    trustm_rsa_pubkey_t pk = {mod, 128, e, 3};
    uint8_t der[200];
    size_t dl;
    assert_int_equal(trustm_rsa_pubkey_encode(&pk, der, sizeof der, &dl), TRUSTM_OK);
    valid_begin();
    valid_hex("02 00 91");
    valid_bytes(der, dl);
    valid_end();
    torture(op_keygen, 145);

    apdu_len = hexto(apdu, "B1 01 00 28 01 00 20");
    memcpy(apdu + apdu_len, in, 32);
    apdu_len += 32;
    apdu_len += hexto(apdu + apdu_len, "03 00 02 E0 FC");
    valid_begin();
    valid_bytes(in + 200, 128);
    valid_end();
    torture(op_sign, 128);

    apdu_len = hexto(apdu, "9F 11 00 88 61 00 80");
    memcpy(apdu + apdu_len, in, 128);
    apdu_len += 128;
    apdu_len += hexto(apdu + apdu_len, "03 00 02 E0 FC");
    valid_begin();
    valid_hex("61 00 10");
    valid_bytes(in + 300, 16);
    valid_end();
    torture(op_decrypt, 16);

    apdu_len = hexto(apdu, "B4 01 00 20 01 00 02 F1 D1 03 00 02 00 14 02 00 10");
    memcpy(apdu + apdu_len, in, 8);
    memcpy(apdu + apdu_len + 8, in, 8);
    apdu_len += 16;
    apdu_len += hexto(apdu + apdu_len, "07 00 00");
    valid_begin();
    valid_bytes(in + 50, 20);
    valid_end();
    torture(op_prf, 20);

    apdu_len = hexto(apdu, "81 00 00 06 E1 20 00 00 00 08");
    valid_begin();
    valid_bytes(in, 8);
    valid_end();
    torture(op_counter, 0);

    apdu_len = hexto(apdu, "B9 81 00 03 07 00 00");
    valid_begin();
    valid_hex("01 00 10");
    valid_bytes(in, 16);
    valid_end();
    torture(op_aes_export, 16);

    apdu_len = hexto(apdu, "81 01 00 02 E0 E8");
    valid_begin();
    valid_hex("20 05 D1 03 E1 FC 07");
    valid_end();
    torture(op_metadata, 7);

    /* last: hibernate (the chip is closed afterwards on success) */
    apdu_len = hexto(apdu, "F1 01 00 00");
    valid_begin();
    valid_bytes(in, 8);
    valid_end();
    torture(op_hibernate, 8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_mutations, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
