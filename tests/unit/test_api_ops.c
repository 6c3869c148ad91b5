/* unit_api_ops: the full service API end to end over the strict scripted bus: exact APDUs
 * sent (chunking, sequence indicators, TLV order), responses parsed with every length checked
 * (lying OutLen, short data, oversize data vs the caller's buffer, wrong tags), device errors,
 * the session allocator, hibernate/restore and the SEC wait, blocking and non-blocking. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "hostbus.h"
#include "trustm/trustm.h"
#include "trustm_testutil.h"

#define BAD_RSP       TRUSTM_STATUS(TRUSTM_LAYER_CMD, TRUSTM_BASE_BAD_RESPONSE)
#define API_BAD_PARAM TRUSTM_STATUS(TRUSTM_LAYER_API, TRUSTM_BASE_BAD_PARAM)
#define API_TOO_SMALL TRUSTM_STATUS(TRUSTM_LAYER_API, TRUSTM_BASE_BUFFER_TOO_SMALL)
#define API_BAD_SEQ   TRUSTM_STATUS(TRUSTM_LAYER_API, TRUSTM_BASE_BAD_SEQUENCE)

static trustm_device_t dev;
static trustm_pal_t pal;
static hb_link_t link;
static uint8_t a[2100], r[2100], in[4096], out[4096];

static const uint8_t open_apdu[] = {0xF0, 0x00, 0x00, 0x10, 0xD2, 0x76, 0x00, 0x00, 0x04, 0x47,
                                    0x65, 0x6E, 0x41, 0x75, 0x74, 0x68, 0x41, 0x70, 0x70, 0x6C};
static const uint8_t rsp_ok[] = {0x00, 0x00, 0x00, 0x00};
static const uint8_t rsp_err[] = {0xFF, 0x00, 0x00, 0x00};
static const uint8_t last_err_apdu[] = {0x01, 0x00, 0x00, 0x06, 0xF1, 0xC2, 0x00, 0x00, 0x00, 0x01};

static int setup(void **state)
{
    (void)state;
    trustm_config_t cfg;
    hb_reset();
    hb.now = 1;
    hb.has_pins = false; /* soft reset */
    pal = hb_pal();
    memset(&cfg, 0, sizeof cfg);
    cfg.frame_size = 277;
    assert_int_equal(trustm_device_init(&dev, &pal, &cfg), TRUSTM_OK);
    hb_link_init(&link, 277, false);
    for (size_t i = 0; i < sizeof in; i++)
        in[i] = (uint8_t)(i * 13u + (i >> 8));
    memset(out, 0xEE, sizeof out);
    hb_soft_reset(277, 277);
    hb_exchange(&link, open_apdu, sizeof open_apdu, rsp_ok, 4, false);
    assert_int_equal(trustm_device_open(&dev), TRUSTM_OK);
    hb_assert_done();
    return 0;
}

/* -------- script helpers -------- */

static size_t hx(uint8_t *dst, size_t pos, const char *hex)
{
    long k = tv_hex_parse(hex, dst + pos, 2100 - pos);
    assert_true(k >= 0);
    return pos + (size_t)k;
}

static size_t put(uint8_t *dst, size_t pos, const uint8_t *p, size_t n)
{
    memcpy(dst + pos, p, n);
    return pos + n;
}

/* Fix InLen/OutLen of a built APDU or response. */
static size_t fix_len(uint8_t *dst, size_t n)
{
    dst[2] = (uint8_t)((n - 4) >> 8);
    dst[3] = (uint8_t)(n - 4);
    return n;
}

static void xchg(size_t an, size_t rn)
{
    hb_exchange(&link, a, an, r, rn, true);
}

static void xchg_hex(const char *apdu, const char *rsp)
{
    size_t an = hx(a, 0, apdu), rn = hx(r, 0, rsp);
    xchg(an, rn);
}

/* The command fails with Sta FF; the Last Error Code read answers code. */
static void xchg_err(size_t an, uint8_t code)
{
    const uint8_t c[5] = {0, 0, 0, 1, code};
    hb_exchange(&link, a, an, rsp_err, 4, true);
    hb_exchange(&link, last_err_apdu, sizeof last_err_apdu, c, 5, true);
}

/* A response 00 00 LL LL <tag LL LL data> */
static size_t rsp_tlv(uint8_t tag, const uint8_t *p, size_t n)
{
    size_t k = hx(r, 0, "00 00 00 00");
    r[k++] = tag;
    r[k++] = (uint8_t)(n >> 8);
    r[k++] = (uint8_t)n;
    k = put(r, k, p, n);
    return fix_len(r, k);
}

static size_t rsp_raw(const uint8_t *p, size_t n)
{
    size_t k = hx(r, 0, "00 00 00 00");
    return fix_len(r, put(r, k, p, n));
}

/* -------- data objects -------- */

static void test_data_write_chunks(void **state)
{
    (void)state;
    /* 2000 bytes erase&write at offset 10: 1549 with Param 40, then 451 with Param 00 */
    size_t k = hx(a, 0, "82 40 00 00 F1 E0 00 0A");
    memcpy(r, rsp_ok, 4);
    xchg(fix_len(a, put(a, k, in, 1549)), 4);
    k = hx(a, 0, "82 00 00 00 F1 E0 06 17");
    k = fix_len(a, put(a, k, in + 1549, 451));
    hb_exchange(&link, a, k, rsp_ok, 4, true);
    assert_int_equal(trustm_data_write(&dev, 0xF1E0, TRUSTM_ERASE_AND_WRITE, 10, in, 2000), TRUSTM_OK);
    hb_assert_done();
    /* failure in the second chunk is reported with the chip's code */
    k = hx(a, 0, "82 00 00 00 F1 E0 00 00");
    hb_exchange(&link, a, fix_len(a, put(a, k, in, 1549)), rsp_ok, 4, true);
    k = hx(a, 0, "82 00 00 00 F1 E0 06 0D");
    xchg_err(fix_len(a, put(a, k, in + 1549, 1)), 0x08);
    assert_int_equal(trustm_data_write(&dev, 0xF1E0, TRUSTM_WRITE_ONLY, 0, in, 1550), TRUSTM_DEVICE_ERR(0x08));
    hb_assert_done();
    /* argument errors: nothing sent */
    assert_int_equal(trustm_data_write(&dev, 0xF1E0, 0x01, 0, in, 4), API_BAD_PARAM);
    assert_int_equal(trustm_data_write(&dev, 0xF1E0, 0, 0xFFF0, in, 0x20), API_BAD_PARAM);
    /* a write answered with data is a bad response */
    xchg_hex("82 00 00 05 F1 D0 00 00 AA", "00 00 00 01 00");
    static const uint8_t aa = 0xAA;
    assert_int_equal(trustm_data_write(&dev, 0xF1D0, 0, 0, &aa, 1), BAD_RSP);
    hb_assert_done();
}

static void test_metadata_and_lifecycle(void **state)
{
    (void)state;
    uint8_t md[64];
    size_t n;
    assert_int_equal(trustm_metadata_parse("read: LcsO < op", md, sizeof md, &n), TRUSTM_OK);
    xchg_hex("82 01 00 0B E0 E8 00 00 20 05 D1 03 E1 FC 07", "00 00 00 00");
    assert_int_equal(trustm_metadata_write(&dev, 0xE0E8, md, n), TRUSTM_OK);
    xchg_hex("82 01 00 09 F1 D0 00 00 20 03 C0 01 07", "00 00 00 00");
    assert_int_equal(trustm_lcso_set(&dev, 0xF1D0, TRUSTM_LCS_OPERATIONAL), TRUSTM_OK);
    xchg_hex("82 00 00 05 F1 C0 00 00 07", "00 00 00 00");
    assert_int_equal(trustm_lcs_set(&dev, TRUSTM_OID_LCS_APP, TRUSTM_LCS_OPERATIONAL), TRUSTM_OK);
    xchg_hex("82 00 00 05 E0 C0 00 00 0F", "00 00 00 00");
    assert_int_equal(trustm_lcs_set(&dev, TRUSTM_OID_LCS_GLOBAL, TRUSTM_LCS_TERMINATION), TRUSTM_OK);
    hb_assert_done();
    assert_int_equal(trustm_lcs_set(&dev, TRUSTM_OID_LCS_APP, TRUSTM_LCS_TERMINATION), API_BAD_PARAM);
    assert_int_equal(trustm_lcs_set(&dev, 0xF1D0, TRUSTM_LCS_OPERATIONAL), API_BAD_PARAM);
    assert_int_equal(trustm_lcso_set(&dev, 0xF1D0, 0x05), API_BAD_PARAM);
    md[1] = 4; /* container length lies */
    assert_int_equal(trustm_metadata_write(&dev, 0xE0E8, md, n), API_BAD_PARAM);
    /* a lower state is refused by the chip */
    size_t k = hx(a, 0, "82 01 00 09 F1 D0 00 00 20 03 C0 01 03");
    xchg_err(k, 0x07);
    assert_int_equal(trustm_lcso_set(&dev, 0xF1D0, TRUSTM_LCS_INITIALIZATION), TRUSTM_DEVICE_ERR(0x07));
    /* metadata read + decode of what came back */
    xchg_hex("81 01 00 02 E0 C2", "00 00 00 0B 20 09 C4 01 1B D0 01 FF D1 01 00");
    assert_int_equal(trustm_metadata_read(&dev, 0xE0C2, md, sizeof md, &n), TRUSTM_OK);
    char text[128];
    size_t tl;
    assert_int_equal(trustm_metadata_format(md, n, text, sizeof text, &tl), TRUSTM_OK);
    assert_string_equal(text, "max_size: 27\nchange: NEV\nread: ALW\n");
    hb_assert_done();
}

static void test_counters(void **state)
{
    (void)state;
    uint32_t v = 1, t = 2;
    xchg_hex("82 02 00 05 E1 20 00 00 05", "00 00 00 00");
    assert_int_equal(trustm_counter_increment(&dev, 0xE120, 5), TRUSTM_OK);
    xchg_hex("82 00 00 0C E1 20 00 00 00 00 00 00 00 00 00 0A", "00 00 00 00");
    assert_int_equal(trustm_counter_set(&dev, 0xE120, 0, 10), TRUSTM_OK);
    xchg_hex("81 00 00 06 E1 21 00 00 00 08", "00 00 00 08 00 00 01 02 00 00 FF FF");
    assert_int_equal(trustm_counter_read(&dev, 0xE121, &v, &t), TRUSTM_OK);
    assert_int_equal(v, 0x102);
    assert_int_equal(t, 0xFFFF);
    /* short counter object, lying OutLen, threshold reached */
    xchg_hex("81 00 00 06 E1 21 00 00 00 08", "00 00 00 07 00 00 01 02 00 00 FF");
    assert_int_equal(trustm_counter_read(&dev, 0xE121, &v, &t), BAD_RSP);
    xchg_hex("81 00 00 06 E1 21 00 00 00 08", "00 00 00 09 00 00 01 02 00 00 FF FF");
    assert_int_equal(trustm_counter_read(&dev, 0xE121, &v, &t), BAD_RSP);
    assert_int_equal(v, 0x102); /* outputs untouched on failure */
    size_t k = hx(a, 0, "82 02 00 05 E1 20 00 00 01");
    xchg_err(k, 0x0E);
    assert_int_equal(trustm_counter_increment(&dev, 0xE120, 1), TRUSTM_DEVICE_ERR(0x0E));
    hb_assert_done();
    assert_int_equal(trustm_counter_increment(&dev, 0xE120, 0), API_BAD_PARAM);
    uint8_t sec = 9;
    xchg_hex("81 00 00 06 E0 C5 00 00 00 01", "00 00 00 01 03");
    assert_int_equal(trustm_byte_read(&dev, TRUSTM_OID_SEC, &sec), TRUSTM_OK);
    assert_int_equal(sec, 3);
    xchg_hex("81 00 00 06 E0 C5 00 00 00 01", "00 00 00 00");
    assert_int_equal(trustm_byte_read(&dev, TRUSTM_OID_SEC, &sec), BAD_RSP);
    hb_assert_done();
}

/* -------- random and hash -------- */

static void test_random(void **state)
{
    (void)state;
    uint8_t rnd[32];
    size_t rl = 0;
    xchg(hx(a, 0, "8C 00 00 02 00 20"), rsp_raw(in, 32));
    assert_int_equal(trustm_random(&dev, TRUSTM_RNG_TRNG, 32, rnd, sizeof rnd, &rl), TRUSTM_OK);
    assert_memory_equal(rnd, in, 32);
    assert_int_equal(rl, 32);
    memset(rnd, 0x5A, sizeof rnd);
    xchg(hx(a, 0, "8C 01 00 02 00 20"), rsp_raw(in, 31)); /* short */
    assert_int_equal(trustm_random(&dev, TRUSTM_RNG_DRNG, 32, rnd, 32, NULL), BAD_RSP);
    xchg(hx(a, 0, "8C 01 00 02 00 10"), rsp_raw(in, 32)); /* more than asked */
    assert_int_equal(trustm_random(&dev, TRUSTM_RNG_DRNG, 16, rnd, 16, NULL), BAD_RSP);
    assert_int_equal(rnd[0], 0x5A);
    xchg_hex("8C 04 00 09 00 2E E1 00 41 00 02 01 02", "00 00 00 00");
    static const uint8_t opt[2] = {1, 2};
    assert_int_equal(trustm_rsa_pms_generate(&dev, 0xE100, 48, opt, 2), TRUSTM_OK);
    xchg_hex("8C 04 00 09 00 2E E1 00 41 00 02 01 02", "00 00 00 01 00");
    assert_int_equal(trustm_rsa_pms_generate(&dev, 0xE100, 48, opt, 2), BAD_RSP);
    size_t k = hx(a, 0, "8C 00 00 09 00 08 E1 01 41 00 02 01 02");
    xchg(k, rsp_raw(in, 8));
    rl = 0;
    assert_int_equal(trustm_random_to_session(&dev, 0xE101, TRUSTM_RNG_TRNG, 8, opt, 2, rnd, sizeof rnd, &rl),
                     TRUSTM_OK);
    assert_int_equal(rl, 8);
    hb_assert_done();
    /* out_size is the capacity: smaller than the length asked is refused before any I/O */
    assert_int_equal(trustm_random(&dev, TRUSTM_RNG_TRNG, 16, rnd, 15, NULL), API_TOO_SMALL);
    assert_int_equal(trustm_random_to_session(&dev, 0xE101, TRUSTM_RNG_TRNG, 8, opt, 2, rnd, 7, NULL), API_TOO_SMALL);
    assert_int_equal(trustm_random(&dev, TRUSTM_RNG_TRNG, 7, rnd, 7, NULL), API_BAD_PARAM);
    assert_int_equal(trustm_random(&dev, 2, 8, rnd, 8, NULL), API_BAD_PARAM);
    assert_int_equal(trustm_rsa_pms_generate(&dev, 0xE100, 9, opt, 2), API_BAD_PARAM);
    assert_int_equal(trustm_rsa_pms_generate(&dev, 0xE100, 67, opt, 2), API_BAD_PARAM);
    assert_int_equal(trustm_rsa_pms_generate(&dev, 0xE0F0, 48, opt, 2), API_BAD_PARAM);
}

static void test_hash_oneshot(void **state)
{
    (void)state;
    uint8_t dg[32], want[32];
    memcpy(want, in + 100, 32);
    /* 3000 bytes: start (1550), final (1450) */
    size_t k = hx(a, 0, "B0 E2 00 00 00 06 0E");
    memcpy(r, rsp_ok, 4);
    xchg(fix_len(a, put(a, k, in, 1550)), 4);
    k = hx(a, 0, "B0 E2 00 00 03 05 AA");
    k = fix_len(a, put(a, k, in + 1550, 1450));
    hb_exchange(&link, a, k, r, rsp_tlv(0x01, want, 32), true);
    assert_int_equal(trustm_sha256(&dev, in, 3000, dg), TRUSTM_OK);
    assert_memory_equal(dg, want, 32);
    /* "abc" start&final with a 31-byte digest: bad */
    xchg(hx(a, 0, "B0 E2 00 06 01 00 03 61 62 63"), rsp_tlv(0x01, want, 31));
    assert_int_equal(trustm_sha256(&dev, (const uint8_t *)"abc", 3, dg), BAD_RSP);
    /* object form */
    xchg(hx(a, 0, "B0 E2 00 09 11 00 06 E0 E0 00 00 01 E5"), rsp_tlv(0x01, want, 32));
    assert_int_equal(trustm_sha256_object(&dev, 0xE0E0, 0, 0x1E5, dg), TRUSTM_OK);
    hb_assert_done();
    assert_int_equal(trustm_sha256(&dev, in, 0, dg), API_BAD_PARAM);
}

static void test_hash_context(void **state)
{
    (void)state;
    trustm_hash_ctx_t ctx;
    uint8_t c1[209], c2[209], dg[32];
    memset(&ctx, 0, sizeof ctx);
    for (int i = 0; i < 209; i++)
        c1[i] = (uint8_t)i, c2[i] = (uint8_t)(255 - i);
    xchg(hx(a, 0, "B0 E2 00 06 00 00 00 07 00 00"), rsp_tlv(0x06, c1, 209));
    assert_int_equal(trustm_sha256_setup(&dev, &ctx), TRUSTM_OK);
    assert_int_equal(ctx.len, 209);
    assert_memory_equal(ctx.data, c1, 209);
    /* update with 1400 bytes: 1335 + 65, each importing the previous context and exporting */
    size_t k = hx(a, 0, "B0 E2 00 00 02 05 37");
    k = put(a, k, in, 1335);
    k = hx(a, k, "06 00 D1");
    k = put(a, k, c1, 209);
    k = fix_len(a, hx(a, k, "07 00 00"));
    hb_exchange(&link, a, k, r, rsp_tlv(0x06, c2, 209), true);
    k = hx(a, 0, "B0 E2 00 00 02 00 41");
    k = put(a, k, in + 1335, 65);
    k = hx(a, k, "06 00 D1");
    k = put(a, k, c2, 209);
    k = fix_len(a, hx(a, k, "07 00 00"));
    hb_exchange(&link, a, k, r, rsp_tlv(0x06, c1, 100), true);
    assert_int_equal(trustm_sha256_update(&dev, &ctx, in, 1400), TRUSTM_OK);
    assert_int_equal(ctx.len, 100);
    k = hx(a, 0, "B0 E2 00 00 03 00 00 06 00 64");
    k = fix_len(a, put(a, k, c1, 100));
    hb_exchange(&link, a, k, r, rsp_tlv(0x01, in, 32), true);
    assert_int_equal(trustm_sha256_finish(&dev, &ctx, dg), TRUSTM_OK);
    assert_memory_equal(dg, in, 32);
    /* an exported context longer than 209 bytes is refused and ctx stays as it was */
    xchg(hx(a, 0, "B0 E2 00 06 00 00 00 07 00 00"), rsp_tlv(0x06, in, 210));
    assert_int_equal(trustm_sha256_setup(&dev, &ctx), BAD_RSP);
    assert_int_equal(ctx.len, 100);
    /* a final answered with a context instead of a digest */
    k = hx(a, 0, "B0 E2 00 00 03 00 00 06 00 64");
    k = fix_len(a, put(a, k, c1, 100));
    hb_exchange(&link, a, k, r, rsp_tlv(0x06, c1, 32), true);
    assert_int_equal(trustm_sha256_finish(&dev, &ctx, dg), BAD_RSP);
    hb_assert_done();
    ctx.len = 0;
    assert_int_equal(trustm_sha256_finish(&dev, &ctx, dg), API_BAD_PARAM);
}

/* -------- symmetric -------- */

static void test_aes_oneshot(void **state)
{
    (void)state;
    size_t n = 0;
    /* 1280 bytes ECB: 624 (start), 624 (continue), 32 (final); output = the 61 TLVs in order */
    static const uint8_t seqs[3] = {0x00, 0x02, 0x03};
    static const size_t lens[3] = {624, 624, 32};
    size_t off = 0;
    for (int i = 0; i < 3; i++) {
        size_t k = hx(a, 0, "94 08 00 00 E2 00");
        a[k++] = seqs[i];
        a[k++] = (uint8_t)(lens[i] >> 8);
        a[k++] = (uint8_t)lens[i];
        k = fix_len(a, put(a, k, in + off, lens[i]));
        hb_exchange(&link, a, k, r, rsp_tlv(0x61, in + 2000 + off, lens[i]), true);
        off += lens[i];
    }
    assert_int_equal(trustm_sym_encrypt(&dev, 0xE200, TRUSTM_SYM_ECB, NULL, 0, in, 1280, out, 1280, &n), TRUSTM_OK);
    assert_int_equal(n, 1280);
    assert_memory_equal(out, in + 2000, 1280);
    hb_assert_done();
    /* CBC with IV: 16 bytes, response one block short */
    size_t k = hx(a, 0, "95 09 00 28 E2 00 01 00 10");
    k = put(a, k, in, 16);
    k = hx(a, k, "41 00 10");
    k = put(a, k, in + 16, 16);
    xchg(k, rsp_tlv(0x61, in, 15));
    assert_int_equal(trustm_sym_decrypt(&dev, 0xE200, TRUSTM_SYM_CBC, in + 16, 16, in, 16, out, 16, &n), BAD_RSP);
    /* CMAC of 20 bytes (no alignment): start&final, 16-byte MAC */
    k = hx(a, 0, "94 0B 00 19 E2 00 01 00 14");
    xchg(put(a, k, in, 20), rsp_tlv(0x61, in + 500, 16));
    assert_int_equal(trustm_sym_encrypt(&dev, 0xE200, TRUSTM_SYM_CMAC, NULL, 0, in, 20, out, 16, &n), TRUSTM_OK);
    assert_int_equal(n, 16);
    assert_memory_equal(out, in + 500, 16);
    /* CBC-MAC answered with a 61 TLV whose length runs past OutData */
    k = hx(a, 0, "94 0A 00 15 E2 00 01 00 10");
    k = put(a, k, in, 16);
    size_t rn = rsp_tlv(0x61, in, 16);
    r[6] = 0x11;
    xchg(k, rn);
    assert_int_equal(trustm_sym_encrypt(&dev, 0xE200, TRUSTM_SYM_CBC_MAC, NULL, 0, in, 16, out, 16, &n), BAD_RSP);
    hb_assert_done();
    /* argument checks before any I/O */
    assert_int_equal(trustm_sym_encrypt(&dev, 0xE200, TRUSTM_SYM_ECB, NULL, 0, in, 17, out, 32, &n), API_BAD_PARAM);
    assert_int_equal(trustm_sym_encrypt(&dev, 0xE200, TRUSTM_SYM_ECB, NULL, 0, in, 32, out, 31, &n), API_TOO_SMALL);
    assert_int_equal(trustm_sym_encrypt(&dev, 0xE200, TRUSTM_SYM_ECB, in, 16, in, 16, out, 16, &n), API_BAD_PARAM);
    assert_int_equal(trustm_sym_decrypt(&dev, 0xE200, TRUSTM_SYM_CMAC, NULL, 0, in, 16, out, 16, &n), API_BAD_PARAM);
    assert_int_equal(trustm_sym_encrypt(&dev, 0xE200, TRUSTM_SYM_CMAC, NULL, 0, in, 16, out, 15, &n), API_TOO_SMALL);
}

static void test_sym_stream_and_hmac(void **state)
{
    (void)state;
    size_t n = 0;
    assert_int_equal(trustm_sym_update(&dev, in, 16, out, 16, &n), API_BAD_SEQ);
    /* HMAC-SHA256 start / continue / final as in commands.md §5.7 */
    size_t k = hx(a, 0, "94 20 00 15 F1 D1 00 00 10");
    memcpy(r, rsp_ok, 4);
    xchg(put(a, k, in, 16), 4);
    k = hx(a, 0, "94 20 00 15 F1 D1 02 00 10");
    hb_exchange(&link, a, put(a, k, in + 16, 16), rsp_ok, 4, true);
    k = hx(a, 0, "94 20 00 15 F1 D1 03 00 10");
    hb_exchange(&link, a, put(a, k, in + 32, 16), r, rsp_tlv(0x61, in + 100, 32), true);
    assert_int_equal(trustm_sym_setup(&dev, 0xF1D1, false, TRUSTM_HMAC_SHA256, NULL, 0, in, 16, NULL, 0, NULL),
                     TRUSTM_OK);
    assert_int_equal(trustm_sym_update(&dev, in + 16, 16, NULL, 0, NULL), TRUSTM_OK);
    assert_int_equal(trustm_sym_finish(&dev, in + 32, 16, out, 64, &n), TRUSTM_OK);
    assert_int_equal(n, 32);
    assert_memory_equal(out, in + 100, 32);
    hb_assert_done();
    assert_int_equal(trustm_sym_finish(&dev, in, 16, out, 64, &n), API_BAD_SEQ); /* sequence closed */
    /* another command between start and final ends the sequence on the host as on the chip */
    k = hx(a, 0, "94 08 00 25 E2 00 00 00 20");
    k = put(a, k, in, 32);
    xchg(k, rsp_tlv(0x61, in + 64, 32));
    assert_int_equal(trustm_sym_setup(&dev, 0xE200, false, TRUSTM_SYM_ECB, NULL, 0, in, 32, out, 32, &n), TRUSTM_OK);
    assert_int_equal(n, 32);
    k = hx(a, 0, "94 08 00 15 E2 00 02 00 10");
    k = put(a, k, in + 32, 16);
    xchg(k, rsp_tlv(0x61, in + 96, 16));
    assert_int_equal(trustm_sym_update(&dev, in + 32, 16, out, 16, &n), TRUSTM_OK);
    xchg(hx(a, 0, "8C 00 00 02 00 08"), rsp_raw(in, 8));
    assert_int_equal(trustm_random(&dev, TRUSTM_RNG_TRNG, 8, out + 100, 8, NULL), TRUSTM_OK);
    assert_int_equal(trustm_sym_finish(&dev, in, 16, out, 16, &n), API_BAD_SEQ);
    hb_assert_done();
    /* a MAC during start is a bad response; the chip error closes the sequence */
    k = hx(a, 0, "94 20 00 15 F1 D1 00 00 10");
    xchg(put(a, k, in, 16), rsp_tlv(0x61, in, 32));
    assert_int_equal(trustm_sym_setup(&dev, 0xF1D1, false, TRUSTM_HMAC_SHA256, NULL, 0, in, 16, NULL, 0, NULL),
                     BAD_RSP);
    /* one-shot HMAC: 48-byte MAC for SHA-384, wrong size refused */
    k = hx(a, 0, "94 21 00 0A F1 D1 01 00 05");
    xchg(put(a, k, in, 5), rsp_tlv(0x61, in, 32));
    assert_int_equal(trustm_hmac(&dev, 0xF1D1, TRUSTM_HMAC_SHA384, in, 5, out, 64, &n), BAD_RSP);
    /* HMAC verify (DEVICE_ERR 2F on mismatch) and clearing the Auto state (answer ignored) */
    k = hx(a, 0, "95 20 00 32 F1 D1 01 00 0A E1 00");
    k = put(a, k, in, 8);
    k = hx(a, k, "43 00 20");
    k = put(a, k, in + 8, 32);
    xchg_err(k, 0x2F);
    assert_int_equal(trustm_hmac_verify(&dev, 0xF1D1, 0xE100, TRUSTM_HMAC_SHA256, in, 8, in + 8, 32),
                     TRUSTM_DEVICE_ERR(0x2F));
    xchg_err(hx(a, 0, "95 20 00 07 F1 D1 01 00 02 00 00"), 0x05);
    assert_int_equal(trustm_auto_state_clear(&dev, 0xF1D1), TRUSTM_OK);
    xchg_hex("95 20 00 07 F1 D1 01 00 02 00 00", "00 00 00 00");
    assert_int_equal(trustm_auto_state_clear(&dev, 0xF1D1), TRUSTM_OK);
    hb_assert_done();
    assert_int_equal(trustm_hmac_verify(&dev, 0xF1D1, 0xE100, TRUSTM_HMAC_SHA256, in, 8, in + 8, 31), API_BAD_PARAM);
    assert_int_equal(trustm_hmac_verify(&dev, 0xF1D1, 0xE100, TRUSTM_HMAC_SHA256, in, 600, in, 32), API_BAD_PARAM);
}

static void test_aes_keygen(void **state)
{
    (void)state;
    uint8_t key[32];
    size_t n = 0;
    xchg_hex("B9 81 00 09 01 00 02 E2 00 02 00 01 02", "00 00 00 00");
    assert_int_equal(trustm_aes_keygen(&dev, TRUSTM_OID_AES_KEY, TRUSTM_AES128, 0x02), TRUSTM_OK);
    xchg(hx(a, 0, "B9 83 00 03 07 00 00"), rsp_tlv(0x01, in, 32));
    assert_int_equal(trustm_aes_keygen_export(&dev, TRUSTM_AES256, key, 32, &n), TRUSTM_OK);
    assert_int_equal(n, 32);
    assert_memory_equal(key, in, 32);
    xchg(hx(a, 0, "B9 82 00 03 07 00 00"), rsp_tlv(0x01, in, 32)); /* 32 bytes for AES-192 */
    assert_int_equal(trustm_aes_keygen_export(&dev, TRUSTM_AES192, key, 32, &n), BAD_RSP);
    hb_assert_done();
    assert_int_equal(trustm_aes_keygen_export(&dev, TRUSTM_AES256, key, 31, &n), API_TOO_SMALL);
    assert_int_equal(trustm_aes_keygen(&dev, TRUSTM_OID_AES_KEY, 0x41, 0x02), API_BAD_PARAM);
}

/* -------- RSA -------- */

static size_t make_pub(uint8_t *dst, size_t bytes)
{
    uint8_t mod[256];
    static const uint8_t e[3] = {1, 0, 1};
    memcpy(mod, in + 7, bytes);
    mod[0] |= 0x80;
    trustm_rsa_pubkey_t pk = {mod, bytes, e, 3};
    size_t n = 0;
    assert_int_equal(trustm_rsa_pubkey_encode(&pk, dst, 300, &n), TRUSTM_OK);
    return n;
}

static void test_rsa_pubkey_codec(void **state)
{
    (void)state;
    uint8_t der[300];
    trustm_rsa_pubkey_t pk;
    size_t n = make_pub(der, 128);
    assert_int_equal(n, 145); /* 03 81 8E 00 30 81 8A 02 81 81 00 <128> 02 04 00 01 00 01 */
    assert_int_equal(der[0], 0x03);
    assert_int_equal(der[2], 0x8E);
    assert_int_equal(der[140], 0x04);
    assert_int_equal(trustm_rsa_pubkey_decode(der, n, &pk), TRUSTM_OK);
    assert_int_equal(pk.modulus_len, 128);
    assert_int_equal(pk.exponent_len, 3);
    assert_int_equal(make_pub(der, 256), 276);
    assert_int_equal(trustm_rsa_pubkey_decode(der, 276, &pk), TRUSTM_OK);
    assert_int_equal(pk.modulus_len, 256);
    /* every truncation and every length byte off by one is refused */
    for (size_t cut = 0; cut < 276; cut++)
        assert_int_equal(trustm_rsa_pubkey_decode(der, cut, &pk), BAD_RSP);
    static const size_t len_pos[] = {2, 3, 7, 8, 11, 12};
    for (size_t i = 0; i < sizeof len_pos / sizeof len_pos[0]; i++) {
        der[len_pos[i]]++;
        assert_int_equal(trustm_rsa_pubkey_decode(der, 276, &pk), BAD_RSP);
        der[len_pos[i]] -= 2;
        assert_int_equal(trustm_rsa_pubkey_decode(der, 276, &pk), BAD_RSP);
        der[len_pos[i]]++;
    }
    assert_int_equal(trustm_rsa_pubkey_decode(der, 276, &pk), TRUSTM_OK);
    der[4] = 0x01; /* unused bits */
    assert_int_equal(trustm_rsa_pubkey_decode(der, 276, &pk), BAD_RSP);
}

static void test_rsa_keygen_sign(void **state)
{
    (void)state;
    uint8_t pub[300], der[300], priv[300], sig[256];
    size_t pl = 0, vl = 0, sl = 0;
    size_t dl = make_pub(der, 128);
    xchg(hx(a, 0, "B8 41 00 09 01 00 02 E0 FC 02 00 01 10"), rsp_tlv(0x02, der, dl));
    assert_int_equal(trustm_rsa_keygen(&dev, 0xE0FC, TRUSTM_RSA1024, 0x10, pub, sizeof pub, &pl), TRUSTM_OK);
    assert_int_equal(pl, 145);
    assert_memory_equal(pub, der, 145);
    /* a 2048-bit key where 1024 was asked, a broken DER key, a too small buffer */
    size_t dl2 = make_pub(der, 256);
    xchg(hx(a, 0, "B8 41 00 09 01 00 02 E0 FD 02 00 01 02"), rsp_tlv(0x02, der, dl2));
    assert_int_equal(trustm_rsa_keygen(&dev, 0xE0FD, TRUSTM_RSA1024, 0x02, pub, sizeof pub, &pl), BAD_RSP);
    make_pub(der, 128);
    der[10] = 0x01;
    xchg(hx(a, 0, "B8 41 00 09 01 00 02 E0 FC 02 00 01 10"), rsp_tlv(0x02, der, dl));
    assert_int_equal(trustm_rsa_keygen(&dev, 0xE0FC, TRUSTM_RSA1024, 0x10, pub, sizeof pub, &pl), BAD_RSP);
    make_pub(der, 128);
    xchg(hx(a, 0, "B8 41 00 09 01 00 02 E0 FC 02 00 01 10"), rsp_tlv(0x02, der, dl));
    assert_int_equal(trustm_rsa_keygen(&dev, 0xE0FC, TRUSTM_RSA1024, 0x10, pub, 144, &pl), API_TOO_SMALL);
    /* export: 01 private (04 81 80 <128>) and 02 public */
    size_t k = hx(r, 0, "00 00 00 00 01 00 83 04 81 80");
    k = put(r, k, in, 128);
    k = hx(r, k, "02 00 91");
    k = fix_len(r, put(r, k, der, 145));
    xchg(hx(a, 0, "B8 41 00 03 07 00 00"), k);
    assert_int_equal(trustm_rsa_keygen_export(&dev, TRUSTM_RSA1024, priv, sizeof priv, &vl, pub, sizeof pub, &pl),
                     TRUSTM_OK);
    assert_int_equal(vl, 131);
    assert_memory_equal(priv + 3, in, 128);
    r[9] = 0x7F; /* private key length inconsistent */
    xchg(hx(a, 0, "B8 41 00 03 07 00 00"), k);
    assert_int_equal(trustm_rsa_keygen_export(&dev, TRUSTM_RSA1024, priv, sizeof priv, &vl, pub, sizeof pub, &pl),
                     BAD_RSP);
    /* sign: raw key-size signature */
    k = hx(a, 0, "B1 01 00 28 01 00 20");
    k = hx(a, put(a, k, in, 32), "03 00 02 E0 FC");
    xchg(k, rsp_raw(in + 64, 128));
    assert_int_equal(trustm_rsa_sign(&dev, 0xE0FC, TRUSTM_RSA_PKCS1_SHA256, in, 32, sig, sizeof sig, &sl), TRUSTM_OK);
    assert_int_equal(sl, 128);
    assert_memory_equal(sig, in + 64, 128);
    xchg(k, rsp_raw(in + 64, 127));
    assert_int_equal(trustm_rsa_sign(&dev, 0xE0FC, TRUSTM_RSA_PKCS1_SHA256, in, 32, sig, sizeof sig, &sl), BAD_RSP);
    xchg(k, rsp_raw(in + 64, 256));
    assert_int_equal(trustm_rsa_sign(&dev, 0xE0FC, TRUSTM_RSA_PKCS1_SHA256, in, 32, sig, 128, &sl), API_TOO_SMALL);
    hb_assert_done();
    assert_int_equal(trustm_rsa_sign(&dev, 0xE0FC, TRUSTM_RSA_PKCS1_SHA384, in, 32, sig, sizeof sig, &sl),
                     API_BAD_PARAM);
}

static void test_rsa_verify_encrypt_decrypt(void **state)
{
    (void)state;
    uint8_t der[300], ct[256];
    size_t n = 0;
    size_t dl = make_pub(der, 128);
    /* verify with host key; failure is the chip's 2C */
    size_t k = hx(a, 0, "B2 01 01 3E 01 00 20");
    k = hx(a, put(a, k, in, 32), "02 00 80");
    k = hx(a, put(a, k, in + 32, 128), "05 00 01 41 06 00 91");
    k = put(a, k, der, dl);
    hb_exchange(&link, a, k, rsp_ok, 4, true);
    assert_int_equal(trustm_rsa_verify(&dev, der, dl, TRUSTM_RSA1024, TRUSTM_RSA_PKCS1_SHA256, in, 32, in + 32, 128),
                     TRUSTM_OK);
    xchg_err(k, 0x2C);
    assert_int_equal(trustm_rsa_verify(&dev, der, dl, TRUSTM_RSA1024, TRUSTM_RSA_PKCS1_SHA256, in, 32, in + 32, 128),
                     TRUSTM_DEVICE_ERR(0x2C));
    k = hx(a, 0, "B2 01 00 AB 01 00 20");
    k = hx(a, put(a, k, in, 32), "02 00 80");
    k = hx(a, put(a, k, in + 32, 128), "04 00 02 E0 E8");
    hb_exchange(&link, a, k, rsp_ok, 4, true);
    assert_int_equal(trustm_rsa_verify_cert(&dev, 0xE0E8, TRUSTM_RSA_PKCS1_SHA256, in, 32, in + 32, 128), TRUSTM_OK);
    /* a verification answered with data */
    xchg(k, rsp_raw(in, 1));
    assert_int_equal(trustm_rsa_verify_cert(&dev, 0xE0E8, TRUSTM_RSA_PKCS1_SHA256, in, 32, in + 32, 128), BAD_RSP);
    /* encrypt a message with the host key */
    trustm_rsa_key_src_t key = {0, TRUSTM_RSA1024, der, dl};
    k = hx(a, 0, "9E 11 00 AB 61 00 10");
    k = hx(a, put(a, k, in, 16), "05 00 01 41 06 00 91");
    k = put(a, k, der, dl);
    xchg(k, rsp_tlv(0x61, in + 300, 128));
    assert_int_equal(trustm_rsa_encrypt(&dev, &key, in, 16, ct, sizeof ct, &n), TRUSTM_OK);
    assert_int_equal(n, 128);
    assert_memory_equal(ct, in + 300, 128);
    xchg(k, rsp_tlv(0x61, in + 300, 256)); /* ciphertext not of the key size */
    assert_int_equal(trustm_rsa_encrypt(&dev, &key, in, 16, ct, sizeof ct, &n), BAD_RSP);
    /* encrypt the session with the certificate key */
    trustm_rsa_key_src_t cert = {0xE0E8, 0, NULL, 0};
    xchg(hx(a, 0, "9E 11 00 0A 02 00 02 E1 00 04 00 02 E0 E8"), rsp_tlv(0x61, in, 256));
    assert_int_equal(trustm_rsa_encrypt_session(&dev, &cert, 0xE100, ct, sizeof ct, &n), TRUSTM_OK);
    assert_int_equal(n, 256);
    /* decrypt and export: plaintext longer than k - 11 is impossible */
    k = hx(a, 0, "9F 11 00 88 61 00 80");
    k = hx(a, put(a, k, in, 128), "03 00 02 E0 FC");
    xchg(k, rsp_tlv(0x61, in + 400, 16));
    assert_int_equal(trustm_rsa_decrypt(&dev, 0xE0FC, in, 128, out, 16, &n), TRUSTM_OK);
    assert_int_equal(n, 16);
    assert_memory_equal(out, in + 400, 16);
    xchg(k, rsp_tlv(0x61, in + 400, 118));
    assert_int_equal(trustm_rsa_decrypt(&dev, 0xE0FC, in, 128, out, 200, &n), BAD_RSP);
    xchg(k, rsp_tlv(0x61, in + 400, 16));
    assert_int_equal(trustm_rsa_decrypt(&dev, 0xE0FC, in, 128, out, 15, &n), API_TOO_SMALL);
    /* decrypt into a session: no data allowed back */
    k = hx(a, 0, "9F 11 00 8D 61 00 80");
    k = hx(a, put(a, k, in, 128), "03 00 02 E0 FC 02 00 02 E1 00");
    hb_exchange(&link, a, k, rsp_ok, 4, true);
    assert_int_equal(trustm_rsa_decrypt_to_session(&dev, 0xE0FC, 0xE100, in, 128), TRUSTM_OK);
    xchg(k, rsp_tlv(0x61, in, 16));
    assert_int_equal(trustm_rsa_decrypt_to_session(&dev, 0xE0FC, 0xE100, in, 128), BAD_RSP);
    hb_assert_done();
    /* argument checks */
    key.pub_len = dl - 1;
    assert_int_equal(trustm_rsa_encrypt(&dev, &key, in, 16, ct, sizeof ct, &n), API_BAD_PARAM);
    key.pub_len = dl;
    assert_int_equal(trustm_rsa_encrypt(&dev, &key, in, 118, ct, sizeof ct, &n), API_BAD_PARAM);
    assert_int_equal(trustm_rsa_encrypt(&dev, &key, in, 16, ct, 127, &n), API_TOO_SMALL);
    assert_int_equal(trustm_rsa_decrypt(&dev, 0xE0FC, in, 100, out, 200, &n), API_BAD_PARAM);
    assert_int_equal(trustm_rsa_verify(&dev, der, dl, TRUSTM_RSA1024, TRUSTM_RSA_PKCS1_SHA256, in, 32, in, 256),
                     API_BAD_PARAM);
}

/* -------- key derivation -------- */

static void test_derive(void **state)
{
    (void)state;
    static const uint8_t label[16] = "Firmware update";
    /* 10 bytes asked: 16 on the wire, 10 copied, the rest of out untouched */
    size_t k = hx(a, 0, "B4 01 00 40 01 00 02 F1 D1 03 00 02 00 10 02 00 30");
    k = put(a, k, label, 16);
    k = hx(a, put(a, k, in, 32), "07 00 00");
    xchg(k, rsp_raw(in + 100, 16));
    size_t dl = 0;
    assert_int_equal(trustm_tls_prf(&dev, 0xF1D1, 0, TRUSTM_PRF_SHA256, 10, label, 16, in, 32, out, 11, &dl),
                     TRUSTM_OK);
    assert_memory_equal(out, in + 100, 10);
    assert_int_equal(out[10], 0xEE);
    assert_int_equal(dl, 10);
    xchg(k, rsp_raw(in + 100, 15));
    assert_int_equal(trustm_tls_prf(&dev, 0xF1D1, 0, TRUSTM_PRF_SHA256, 10, label, 16, in, 32, out, 10, NULL), BAD_RSP);
    /* HKDF into a session */
    k = hx(a, 0, "B4 0A 00 39 01 00 02 F1 D1 03 00 02 00 20 04 00 04");
    k = hx(a, put(a, k, in, 4), "02 00 20");
    k = hx(a, put(a, k, in + 4, 32), "08 00 02 E1 02");
    hb_exchange(&link, a, k, rsp_ok, 4, true);
    assert_int_equal(trustm_hkdf(&dev, 0xF1D1, 0xE102, TRUSTM_HKDF_SHA512, 32, in + 4, 32, in, 4, NULL, 0, NULL),
                     TRUSTM_OK);
    xchg(k, rsp_raw(in, 32));
    assert_int_equal(trustm_hkdf(&dev, 0xF1D1, 0xE102, TRUSTM_HKDF_SHA512, 32, in + 4, 32, in, 4, NULL, 0, NULL),
                     BAD_RSP);
    hb_assert_done();
    assert_int_equal(trustm_tls_prf(&dev, 0xF1D1, 0, TRUSTM_PRF_SHA256, 16, label, 16, NULL, 0, out, 16, NULL),
                     API_BAD_PARAM);
    assert_int_equal(trustm_tls_prf(&dev, 0xF1D1, 0, TRUSTM_PRF_SHA256, 257, label, 16, in, 32, out, 300, NULL),
                     API_BAD_PARAM);
    assert_int_equal(trustm_tls_prf(&dev, 0xF1D1, 0, TRUSTM_PRF_SHA256, 32, label, 16, in, 32, out, 31, NULL),
                     API_TOO_SMALL);
    assert_int_equal(trustm_hkdf(&dev, 0xF1D1, 0xE100, TRUSTM_HKDF_SHA256, 15, in, 4, NULL, 0, NULL, 0, NULL),
                     API_BAD_PARAM);
    assert_int_equal(trustm_hkdf(&dev, 0xF1D1, 0, TRUSTM_PRF_SHA256, 16, in, 4, NULL, 0, out, 16, NULL), API_BAD_PARAM);
}

/* -------- sessions, hibernate, SEC -------- */

static void test_sessions(void **state)
{
    (void)state;
    uint16_t s[5];
    for (int i = 0; i < 4; i++) {
        assert_int_equal(trustm_session_acquire(&dev, &s[i]), TRUSTM_OK);
        assert_int_equal(s[i], 0xE100 + i);
    }
    assert_int_equal(trustm_session_acquire(&dev, &s[4]), TRUSTM_STATUS(TRUSTM_LAYER_API, TRUSTM_BASE_NOT_FOUND));
    assert_int_equal(trustm_session_release(&dev, 0xE102), TRUSTM_OK);
    assert_int_equal(trustm_session_release(&dev, 0xE102), API_BAD_PARAM);
    assert_int_equal(trustm_session_release(&dev, 0xE104), API_BAD_PARAM);
    assert_int_equal(trustm_session_acquire(&dev, &s[4]), TRUSTM_OK);
    assert_int_equal(s[4], 0xE102);
    /* close releases all */
    hb_exchange(&link, (const uint8_t *)"\xF1\x00\x00\x00", 4, rsp_ok, 4, true);
    assert_int_equal(trustm_device_close(&dev), TRUSTM_OK);
    assert_int_equal(trustm_session_acquire(&dev, &s[0]), TRUSTM_OK);
    assert_int_equal(s[0], 0xE100);
    hb_assert_done();
}

static void test_hibernate_restore(void **state)
{
    (void)state;
    uint8_t handle[8];
    uint16_t s;
    uint8_t sec = 0xAA;
    assert_int_equal(trustm_session_acquire(&dev, &s), TRUSTM_OK);
    /* SEC 2 -> 1 -> 0 with 50 ms polls */
    xchg_hex("81 00 00 06 E0 C5 00 00 00 01", "00 00 00 01 02");
    xchg_hex("81 00 00 06 E0 C5 00 00 00 01", "00 00 00 01 01");
    xchg_hex("81 00 00 06 E0 C5 00 00 00 01", "00 00 00 01 00");
    uint64_t t0 = hb.now;
    assert_int_equal(trustm_sec_wait_zero(&dev, 1000000, 50000, &sec), TRUSTM_OK);
    assert_int_equal(sec, 0);
    assert_true(hb.now - t0 >= 100000);
    /* budget of one poll interval: two reads, then TIMEOUT */
    xchg_hex("81 00 00 06 E0 C5 00 00 00 01", "00 00 00 01 05");
    xchg_hex("81 00 00 06 E0 C5 00 00 00 01", "00 00 00 01 04");
    assert_int_equal(trustm_sec_wait_zero(&dev, 50000, 50000, &sec),
                     TRUSTM_STATUS(TRUSTM_LAYER_API, TRUSTM_BASE_TIMEOUT));
    assert_int_equal(sec, 4);
    /* hibernate refused while SEC != 0, then accepted */
    xchg_err(hx(a, 0, "F1 01 00 00"), 0x0B);
    assert_int_equal(trustm_device_hibernate(&dev, handle), TRUSTM_DEVICE_ERR(0x0B));
    xchg_hex("F1 01 00 00", "00 00 00 07 3C 91 0A 55 E7 20 6B");
    assert_int_equal(trustm_device_hibernate(&dev, handle), BAD_RSP);
    xchg_hex("F1 01 00 00", "00 00 00 08 3C 91 0A 55 E7 20 6B D4");
    assert_int_equal(trustm_device_hibernate(&dev, handle), TRUSTM_OK);
    uint8_t want[8];
    tv_hex_parse("3C 91 0A 55 E7 20 6B D4", want, 8);
    assert_memory_equal(handle, want, 8);
    hb_assert_done();
    /* restore: reset, negotiation, OpenApplication Param 1 with the handle; sessions kept */
    hb_link_init(&link, 277, false);
    hb_soft_reset(277, 277);
    xchg_hex("F0 01 00 18 D2 76 00 00 04 47 65 6E 41 75 74 68 41 70 70 6C 3C 91 0A 55 E7 20 6B D4", "00 00 00 00");
    assert_int_equal(trustm_device_open_restore(&dev, handle), TRUSTM_OK);
    hb_assert_done();
    uint16_t s2;
    assert_int_equal(trustm_session_acquire(&dev, &s2), TRUSTM_OK);
    assert_int_equal(s2, 0xE101); /* E100 still held across hibernate */
    static const uint8_t zero[8] = {0};
    assert_int_equal(trustm_device_open_restore(&dev, zero), API_BAD_PARAM);
}

/* -------- non-blocking form -------- */

static void test_nonblocking_ops(void **state)
{
    (void)state;
    uint8_t rnd[16];
    uint64_t deadline = 0;
    trustm_status_t s;
    xchg(hx(a, 0, "8C 00 00 02 00 10"), rsp_raw(in, 16));
    assert_int_equal(trustm_op_start_random(&dev, TRUSTM_RNG_TRNG, 16, rnd, 16, NULL), TRUSTM_OK);
    assert_int_equal(trustm_op_start_random(&dev, TRUSTM_RNG_TRNG, 16, rnd, 16, NULL), API_BAD_SEQ);
    do {
        uint32_t before = hb.txns;
        s = trustm_op_poll(&dev, &deadline);
        assert_true(hb.txns - before <= 1);
        if (s == TRUSTM_IN_PROGRESS && deadline > hb.now)
            hb.now = deadline;
    } while (s == TRUSTM_IN_PROGRESS);
    assert_int_equal(s, TRUSTM_OK);
    assert_memory_equal(rnd, in, 16);
    /* SEC wait through poll: the wait between reads is a deadline, never a sleep */
    xchg_hex("81 00 00 06 E0 C5 00 00 00 01", "00 00 00 01 01");
    xchg_hex("81 00 00 06 E0 C5 00 00 00 01", "00 00 00 01 00");
    uint32_t sleeps = hb.sleeps;
    assert_int_equal(trustm_op_start_sec_wait_zero(&dev, 1000000, 20000, NULL), TRUSTM_OK);
    uint64_t t0 = hb.now;
    do {
        s = trustm_op_poll(&dev, &deadline);
        if (s == TRUSTM_IN_PROGRESS && deadline > hb.now)
            hb.now = deadline;
    } while (s == TRUSTM_IN_PROGRESS);
    assert_int_equal(s, TRUSTM_OK);
    assert_int_equal(hb.sleeps, sleeps);
    assert_true(hb.now - t0 >= 20000);
    hb_assert_done();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_data_write_chunks, setup),
        cmocka_unit_test_setup(test_metadata_and_lifecycle, setup),
        cmocka_unit_test_setup(test_counters, setup),
        cmocka_unit_test_setup(test_random, setup),
        cmocka_unit_test_setup(test_hash_oneshot, setup),
        cmocka_unit_test_setup(test_hash_context, setup),
        cmocka_unit_test_setup(test_aes_oneshot, setup),
        cmocka_unit_test_setup(test_sym_stream_and_hmac, setup),
        cmocka_unit_test_setup(test_aes_keygen, setup),
        cmocka_unit_test_setup(test_rsa_pubkey_codec, setup),
        cmocka_unit_test_setup(test_rsa_keygen_sign, setup),
        cmocka_unit_test_setup(test_rsa_verify_encrypt_decrypt, setup),
        cmocka_unit_test_setup(test_derive, setup),
        cmocka_unit_test_setup(test_sessions, setup),
        cmocka_unit_test_setup(test_hibernate_restore, setup),
        cmocka_unit_test_setup(test_nonblocking_ops, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
