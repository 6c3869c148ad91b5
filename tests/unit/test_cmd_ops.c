/* unit_cmd_ops: builders and parsers of the full command set (commands.md §5.4-5.17).
 * Expected APDUs are the commands.md examples where it gives them, otherwise derived by hand
 * from the tables of commands.md; responses are checked for lying lengths, short data, wrong
 * and duplicated tags. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "trustm_bytes.h"
#include "trustm_cmd_int.h"
#include "trustm_testutil.h"

#define BAD_RSP   TRUSTM_STATUS(TRUSTM_LAYER_CMD, TRUSTM_BASE_BAD_RESPONSE)
#define BAD_PARAM TRUSTM_STATUS(TRUSTM_LAYER_CMD, TRUSTM_BASE_BAD_PARAM)
#define TOO_SMALL TRUSTM_STATUS(TRUSTM_LAYER_CMD, TRUSTM_BASE_BUFFER_TOO_SMALL)

static uint8_t b[2048];
static uint8_t want[2048];
static size_t n;

/* Build an expected byte string from hex pieces; "*" pieces take the next (ptr, len) pair. */
static size_t cat(size_t pos, const char *hex)
{
    long k = tv_hex_parse(hex, want + pos, sizeof want - pos);
    assert_true(k >= 0);
    return pos + (size_t)k;
}

static size_t catb(size_t pos, const uint8_t *p, size_t len)
{
    memcpy(want + pos, p, len);
    return pos + len;
}

static void expect(size_t wlen)
{
    if (n != wlen || memcmp(b, want, wlen) != 0) {
        print_message("got  %s\n", tv_hex_str(b, n));
        print_message("want %s\n", tv_hex_str(want, wlen));
    }
    assert_int_equal(n, wlen);
    assert_memory_equal(b, want, wlen);
}

static void fill(uint8_t *p, size_t len, uint8_t seed)
{
    for (size_t i = 0; i < len; i++)
        p[i] = (uint8_t)(seed + i * 7u);
}

/* ---- SetDataObject ---- */
static void test_set_data(void **state)
{
    (void)state;
    uint8_t d[12];
    tv_hex_parse("00 65 E2 29 F0 0F 28 C6 35 08 B6 00", d, sizeof d);
    assert_int_equal(trustm_cmd_set_data_encode(0x40, 0xF1D0, 0, d, 12, 0, b, sizeof b, &n), TRUSTM_OK);
    expect(cat(0, "82 40 00 10 F1 D0 00 00 00 65 E2 29 F0 0F 28 C6 35 08 B6 00"));
    static const uint8_t md[] = {0x20, 0x05, 0xD1, 0x03, 0xE1, 0xFC, 0x07};
    assert_int_equal(trustm_cmd_set_data_encode(0x01, 0xE0E8, 0, md, sizeof md, 0, b, sizeof b, &n), TRUSTM_OK);
    expect(cat(0, "82 01 00 0B E0 E8 00 00 20 05 D1 03 E1 FC 07"));
    uint8_t five = 5;
    assert_int_equal(trustm_cmd_set_data_encode(0x02, 0xE120, 0, &five, 1, 0, b, sizeof b, &n), TRUSTM_OK);
    expect(cat(0, "82 02 00 05 E1 20 00 00 05"));
    static const uint8_t ctr[8] = {0, 0, 0, 0, 0, 0, 0, 0x0A};
    assert_int_equal(trustm_cmd_set_data_encode(0x00, 0xE120, 0, ctr, 8, 0, b, sizeof b, &n), TRUSTM_OK);
    expect(cat(0, "82 00 00 0C E1 20 00 00 00 00 00 00 00 00 00 0A"));
    /* plain code, offset */
    assert_int_equal(trustm_cmd_set_data_encode(0x00, 0xF1E0, 0x0102, ctr, 2, TRUSTM_CMD_FLAG_PLAIN, b, sizeof b, &n),
                     TRUSTM_OK);
    expect(cat(0, "02 00 00 06 F1 E0 01 02 00 00"));
    /* argument rules */
    uint8_t zero = 0;
    assert_int_equal(trustm_cmd_set_data_encode(0x02, 0xE120, 0, &zero, 1, 0, b, sizeof b, &n), BAD_PARAM);
    assert_int_equal(trustm_cmd_set_data_encode(0x01, 0xE0E8, 0, md, sizeof md - 1, 0, b, sizeof b, &n), BAD_PARAM);
    assert_int_equal(trustm_cmd_set_data_encode(0x01, 0xE0E8, 2, md, sizeof md, 0, b, sizeof b, &n), BAD_PARAM);
    assert_int_equal(trustm_cmd_set_data_encode(0x03, 0xE0E8, 0, md, sizeof md, 0, b, sizeof b, &n), BAD_PARAM);
    assert_int_equal(trustm_cmd_set_data_encode(0x00, 0xF1E0, 0, b, 1550, 0, want, sizeof want, &n), BAD_PARAM);
    assert_int_equal(trustm_cmd_set_data_encode(0x00, 0xF1E0, 0, b, 1549, 0, want, sizeof want, &n), TRUSTM_OK);
    assert_int_equal(n, 1557); /* 4 + 4 + 1549 = 0x615, the largest APDU */
    assert_int_equal(trustm_cmd_set_data_encode(0x40, 0xF1D0, 0, d, 12, 0, b, 15, &n), TOO_SMALL);
}

/* ---- GetRandom ---- */
static void test_random(void **state)
{
    (void)state;
    static const uint8_t opt2[2] = {1, 2};
    uint8_t opt16[16];
    for (int i = 0; i < 16; i++)
        opt16[i] = (uint8_t)(i + 1);
    assert_int_equal(trustm_cmd_random_encode(0, 0x20, 0, NULL, 0, 0, b, sizeof b, &n), TRUSTM_OK);
    expect(cat(0, "8C 00 00 02 00 20"));
    assert_int_equal(trustm_cmd_random_encode(4, 0x2E, 0xE100, opt2, 2, 0, b, sizeof b, &n), TRUSTM_OK);
    expect(cat(0, "8C 04 00 09 00 2E E1 00 41 00 02 01 02"));
    assert_int_equal(trustm_cmd_random_encode(0, 0x20, 0xE100, opt16, 16, 0, b, sizeof b, &n), TRUSTM_OK);
    expect(cat(0, "8C 00 00 17 00 20 E1 00 41 00 10 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F 10"));
    assert_int_equal(trustm_cmd_random_encode(0, 7, 0, NULL, 0, 0, b, sizeof b, &n), BAD_PARAM);
    assert_int_equal(trustm_cmd_random_encode(0, 257, 0, NULL, 0, 0, b, sizeof b, &n), BAD_PARAM);
    assert_int_equal(trustm_cmd_random_encode(4, 0x20, 0, NULL, 0, 0, b, sizeof b, &n), BAD_PARAM);
    assert_int_equal(trustm_cmd_random_encode(0, 60, 0xE100, opt16, 16, 0, b, sizeof b, &n), BAD_PARAM); /* > 66 */
    assert_int_equal(trustm_cmd_random_encode(2, 0x20, 0, NULL, 0, 0, b, sizeof b, &n), BAD_PARAM);
    /* raw decode: exactly the length asked */
    uint8_t r[40] = {0, 0, 0, 0x20};
    const uint8_t *p;
    fill(r + 4, 32, 3);
    assert_int_equal(trustm_cmd_raw_decode(r, 36, 32, &p), TRUSTM_OK);
    assert_ptr_equal(p, r + 4);
    assert_int_equal(trustm_cmd_raw_decode(r, 36, 31, &p), BAD_RSP); /* more than asked */
    r[3] = 0x1F;
    assert_int_equal(trustm_cmd_raw_decode(r, 35, 32, &p), BAD_RSP); /* fewer */
    r[3] = 0x40;
    assert_int_equal(trustm_cmd_raw_decode(r, 36, 32, &p), BAD_RSP); /* OutLen lies */
    r[0] = 0xFF;
    r[3] = 0;
    assert_int_equal(trustm_cmd_raw_decode(r, 4, 32, &p), TRUSTM_CMD_STA_FAILED);
    r[0] = 0x01;
    assert_int_equal(trustm_cmd_raw_decode(r, 4, 0, &p), BAD_RSP); /* unknown Sta */
    assert_int_equal(trustm_cmd_raw_decode(r, 3, 0, &p), BAD_RSP);
}

/* ---- CalcHash ---- */
static void test_hash(void **state)
{
    (void)state;
    uint8_t ctx[209];
    fill(ctx, sizeof ctx, 0x11);
    static const uint8_t abc[3] = {'a', 'b', 'c'};
    assert_int_equal(trustm_cmd_hash_encode(1, abc, 3, 0, 0, 0, NULL, 0, 0, 0, b, sizeof b, &n), TRUSTM_OK);
    expect(cat(0, "B0 E2 00 06 01 00 03 61 62 63"));
    assert_int_equal(trustm_cmd_hash_encode(1, NULL, 0, 0xE0E0, 0, 0x1E5, NULL, 0, 0, 0, b, sizeof b, &n), TRUSTM_OK);
    expect(cat(0, "B0 E2 00 09 11 00 06 E0 E0 00 00 01 E5"));
    assert_int_equal(trustm_cmd_hash_encode(0, NULL, 0, 0, 0, 0, NULL, 0, 1, 0, b, sizeof b, &n), TRUSTM_OK);
    expect(cat(0, "B0 E2 00 06 00 00 00 07 00 00"));
    assert_int_equal(trustm_cmd_hash_encode(2, abc, 3, 0, 0, 0, ctx, 209, 1, 0, b, sizeof b, &n), TRUSTM_OK);
    size_t w = cat(0, "B0 E2 00 DD 02 00 03 61 62 63 06 00 D1");
    w = catb(w, ctx, 209);
    expect(cat(w, "07 00 00"));
    assert_int_equal(trustm_cmd_hash_encode(3, NULL, 0, 0, 0, 0, ctx, 209, 0, 0, b, sizeof b, &n), TRUSTM_OK);
    w = cat(0, "B0 E2 00 D7 03 00 00 06 00 D1");
    expect(catb(w, ctx, 209));
    assert_int_equal(trustm_cmd_hash_encode(4, NULL, 0, 0, 0, 0, NULL, 0, 0, 0, b, sizeof b, &n), TRUSTM_OK);
    expect(cat(0, "B0 E2 00 03 04 00 00"));
    /* rules: no import with start, no export with final, start&final needs data */
    assert_int_equal(trustm_cmd_hash_encode(0, NULL, 0, 0, 0, 0, ctx, 209, 0, 0, b, sizeof b, &n), BAD_PARAM);
    assert_int_equal(trustm_cmd_hash_encode(3, NULL, 0, 0, 0, 0, ctx, 209, 1, 0, b, sizeof b, &n), BAD_PARAM);
    assert_int_equal(trustm_cmd_hash_encode(1, NULL, 0, 0, 0, 0, NULL, 0, 0, 0, b, sizeof b, &n), BAD_PARAM);
    assert_int_equal(trustm_cmd_hash_encode(2, abc, 3, 0, 0, 0, ctx, 210, 0, 0, b, sizeof b, &n), BAD_PARAM);
    assert_int_equal(trustm_cmd_hash_encode(1, b, 1551, 0, 0, 0, NULL, 0, 0, 0, want, sizeof want, &n), BAD_PARAM);

    /* responses */
    const uint8_t *dg = NULL, *cx = NULL;
    size_t cl = 0;
    uint8_t r[300];
    size_t rl = (size_t)tv_hex_parse("00 00 00 23 01 00 20 BA 78 16 BF 8F 01 CF EA 41 41 40 DE 5D AE 22 23"
                                     "B0 03 61 A3 96 17 7A 9C B4 10 FF 61 F2 00 15 AD",
                                     r, sizeof r);
    assert_int_equal(trustm_cmd_hash_decode(r, rl, 1, 0, &dg, &cx, &cl), TRUSTM_OK);
    assert_ptr_equal(dg, r + 7);
    assert_int_equal(trustm_cmd_hash_decode(r, rl, 1, 1, &dg, &cx, &cl), BAD_RSP); /* context missing */
    assert_int_equal(trustm_cmd_hash_decode(r, rl, 0, 0, &dg, &cx, &cl), BAD_RSP); /* digest unexpected */
    r[6] = 0x1F; /* digest TLV 31 bytes: short digest */
    r[3] = 0x22;
    assert_int_equal(trustm_cmd_hash_decode(r, rl - 1, 1, 0, &dg, &cx, &cl), BAD_RSP);
    r[6] = 0x21; /* TLV length runs past OutData */
    r[3] = 0x23;
    assert_int_equal(trustm_cmd_hash_decode(r, rl, 1, 0, &dg, &cx, &cl), BAD_RSP);
    /* context: 06 00 D1 <209> accepted, 06 00 D2 <210> refused, duplicated tag refused */
    r[0] = 0;
    r[1] = 0;
    trustm_be16_put(r + 2, 212);
    r[4] = 0x06;
    trustm_be16_put(r + 5, 209);
    fill(r + 7, 209, 1);
    assert_int_equal(trustm_cmd_hash_decode(r, 216, 0, 1, &dg, &cx, &cl), TRUSTM_OK);
    assert_int_equal(cl, 209);
    trustm_be16_put(r + 2, 213);
    trustm_be16_put(r + 5, 210);
    assert_int_equal(trustm_cmd_hash_decode(r, 217, 0, 1, &dg, &cx, &cl), BAD_RSP);
    static const uint8_t dup[] = {0, 0, 0, 8, 0x06, 0, 1, 0xAA, 0x06, 0, 1, 0xBB};
    assert_int_equal(trustm_cmd_hash_decode(dup, sizeof dup, 0, 1, &dg, &cx, &cl), BAD_RSP);
    static const uint8_t unk[] = {0, 0, 0, 4, 0x06, 0, 1, 0xAA};
    static const uint8_t unk2[] = {0, 0, 0, 8, 0x06, 0, 1, 0xAA, 0x09, 0, 1, 0xBB};
    assert_int_equal(trustm_cmd_hash_decode(unk, sizeof unk, 0, 1, &dg, &cx, &cl), TRUSTM_OK);
    assert_int_equal(trustm_cmd_hash_decode(unk2, sizeof unk2, 0, 1, &dg, &cx, &cl), BAD_RSP);
    static const uint8_t trunc_hdr[] = {0, 0, 0, 2, 0x06, 0};
    assert_int_equal(trustm_cmd_hash_decode(trunc_hdr, sizeof trunc_hdr, 0, 1, &dg, &cx, &cl), BAD_RSP);
}

/* ---- EncryptSym / DecryptSym / GenSymKey ---- */
static void test_sym(void **state)
{
    (void)state;
    uint8_t pt[16], iv[16], m1[16], m2[16], m3[16], ct[16];
    tv_hex_parse("6B C1 BE E2 2E 40 9F 96 E9 3D 7E 11 73 93 17 2A", pt, 16);
    tv_hex_parse("00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F", iv, 16);
    tv_hex_parse("7C D2 CF F3 3F 51 A0 A7 F0 4E 8F 22 84 A4 28 3B", m2, 16);
    tv_hex_parse("5A B0 AD D1 1D 3F 8E 85 D8 2C 6D F1 62 82 06 19", m3, 16);
    tv_hex_parse("3A D7 7B B4 0D 7A 36 60 A8 9E CA F3 24 66 EF 97", ct, 16);
    memcpy(m1, pt, 16);
    assert_int_equal(trustm_cmd_sym_encode(0, 0x08, 0xE200, 1, pt, 16, NULL, 0, 0, b, sizeof b, &n), TRUSTM_OK);
    expect(cat(0, "94 08 00 15 E2 00 01 00 10 6B C1 BE E2 2E 40 9F 96 E9 3D 7E 11 73 93 17 2A"));
    assert_int_equal(trustm_cmd_sym_encode(0, 0x09, 0xE200, 1, pt, 16, iv, 16, 0, b, sizeof b, &n), TRUSTM_OK);
    expect(cat(0, "94 09 00 28 E2 00 01 00 10 6B C1 BE E2 2E 40 9F 96 E9 3D 7E 11 73 93 17 2A"
                  "41 00 10 00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F"));
    assert_int_equal(trustm_cmd_sym_encode(0, 0x20, 0xF1D1, 0, m1, 16, NULL, 0, 0, b, sizeof b, &n), TRUSTM_OK);
    expect(cat(0, "94 20 00 15 F1 D1 00 00 10 6B C1 BE E2 2E 40 9F 96 E9 3D 7E 11 73 93 17 2A"));
    assert_int_equal(trustm_cmd_sym_encode(0, 0x20, 0xF1D1, 2, m2, 16, NULL, 0, 0, b, sizeof b, &n), TRUSTM_OK);
    expect(cat(0, "94 20 00 15 F1 D1 02 00 10 7C D2 CF F3 3F 51 A0 A7 F0 4E 8F 22 84 A4 28 3B"));
    assert_int_equal(trustm_cmd_sym_encode(0, 0x20, 0xF1D1, 3, m3, 16, NULL, 0, 0, b, sizeof b, &n), TRUSTM_OK);
    expect(cat(0, "94 20 00 15 F1 D1 03 00 10 5A B0 AD D1 1D 3F 8E 85 D8 2C 6D F1 62 82 06 19"));
    assert_int_equal(trustm_cmd_sym_encode(1, 0x08, 0xE200, 1, ct, 16, NULL, 0, 0, b, sizeof b, &n), TRUSTM_OK);
    expect(cat(0, "95 08 00 15 E2 00 01 00 10 3A D7 7B B4 0D 7A 36 60 A8 9E CA F3 24 66 EF 97"));
    /* 640-byte InData limit: 635 data bytes fit, 636 do not; IV only with start */
    assert_int_equal(trustm_cmd_sym_encode(0, 0x20, 0xF1D1, 1, want, 635, NULL, 0, 0, b, sizeof b, &n), TRUSTM_OK);
    assert_int_equal(n, 644);
    assert_int_equal(trustm_cmd_sym_encode(0, 0x20, 0xF1D1, 1, want, 636, NULL, 0, 0, b, sizeof b, &n), BAD_PARAM);
    assert_int_equal(trustm_cmd_sym_encode(0, 0x09, 0xE200, 2, pt, 16, iv, 16, 0, b, sizeof b, &n), BAD_PARAM);
    assert_int_equal(trustm_cmd_sym_encode(0, 0x08, 0xE200, 1, pt, 0, NULL, 0, 0, b, sizeof b, &n), BAD_PARAM);

    /* HMAC verification example of §5.8 */
    uint8_t in[64], mac[32];
    size_t w = cat(0, "01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F 10");
    memset(want + w, 0xA5, 32);
    w = cat(w + 32, "F0 F1 F2 F3 F4 F5 F6 F7 F8 F9 FA FB FC FD FE FF");
    memcpy(in, want, 64);
    tv_hex_parse("61 8E 54 8F D2 77 7A 0A F6 BB 44 23 51 CB 9D 44 0C B7 DD D5 F0 9D DF A4 3F A7 8F B4 E5 A8 46 90", mac,
                 32);
    assert_int_equal(trustm_cmd_hmac_verify_encode(0x20, 0xF1D1, 0xE100, in, 64, mac, 32, 0, b, sizeof b, &n),
                     TRUSTM_OK);
    w = cat(0, "95 20 00 6A F1 D1 01 00 42 E1 00");
    w = catb(w, in, 64);
    w = cat(w, "43 00 20");
    expect(catb(w, mac, 32));
    assert_int_equal(trustm_cmd_auto_clear_encode(0x20, 0xF1D1, 0, b, sizeof b, &n), TRUSTM_OK);
    expect(cat(0, "95 20 00 07 F1 D1 01 00 02 00 00"));

    assert_int_equal(trustm_cmd_gen_sym_key_encode(0x81, 0xE200, 0x02, 0, b, sizeof b, &n), TRUSTM_OK);
    expect(cat(0, "B9 81 00 09 01 00 02 E2 00 02 00 01 02"));
    assert_int_equal(trustm_cmd_gen_sym_key_encode(0x83, 0, 0, 0, b, sizeof b, &n), TRUSTM_OK);
    expect(cat(0, "B9 83 00 03 07 00 00"));
    assert_int_equal(trustm_cmd_gen_sym_key_encode(0x84, 0, 0, 0, b, sizeof b, &n), BAD_PARAM);

    /* 61 TLV responses */
    const uint8_t *p;
    size_t pl;
    uint8_t r[32];
    size_t rl = (size_t)tv_hex_parse("00 00 00 13 61 00 10 3A D7 7B B4 0D 7A 36 60 A8 9E CA F3 24 66 EF 97", r, 32);
    assert_int_equal(trustm_cmd_tlv1_decode(r, rl, 0x61, 1, 640, &p, &pl), TRUSTM_OK);
    assert_int_equal(pl, 16);
    assert_memory_equal(p, ct, 16);
    assert_int_equal(trustm_cmd_tlv1_decode(r, rl, 0x61, 0, 640, &p, &pl), BAD_RSP); /* data not expected */
    assert_int_equal(trustm_cmd_tlv1_decode(r, rl, 0x61, 1, 15, &p, &pl), BAD_RSP);  /* more than max */
    assert_int_equal(trustm_cmd_tlv1_decode(r, rl, 0x01, 1, 640, &p, &pl), BAD_RSP); /* wrong tag */
    r[6] = 0x11;                                                                     /* TLV length lies */
    assert_int_equal(trustm_cmd_tlv1_decode(r, rl, 0x61, 1, 640, &p, &pl), BAD_RSP);
    r[6] = 0x0F; /* TLV shorter than OutData: trailing garbage */
    assert_int_equal(trustm_cmd_tlv1_decode(r, rl, 0x61, 1, 640, &p, &pl), BAD_RSP);
    static const uint8_t none[] = {0, 0, 0, 0};
    assert_int_equal(trustm_cmd_tlv1_decode(none, 4, 0x61, 0, 0, &p, &pl), TRUSTM_OK);
    assert_int_equal(trustm_cmd_tlv1_decode(none, 4, 0x61, 1, 640, &p, &pl), BAD_RSP);
}

/* ---- RSA ---- */
static const char *vs_digest =
    "91 70 02 48 3F BD 5F DD D5 38 EB DA 9A 5E 1F 46 FC AD 8F 1E 2C 75 B0 83 D0 71 2B 80 D4 AA C6 9B";
static const char *vs_sig =
    "5B DE 46 E4 35 48 F4 81 45 7C 72 31 54 55 E8 9F 1D D0 5D 9D EC 40 E6 6B 89 F3 BC 52 68 B1 D8 70"
    "35 05 FC 98 F6 36 99 24 53 F0 17 B8 9B D4 A0 5F 12 04 8A A1 A7 96 E6 33 CA 48 84 D9 00 E4 A3 8E"
    "2F 6F 3F 6D E0 1D F8 EA E0 95 BA 63 15 ED 7B 6A B6 6E 20 17 B5 64 DE 49 64 97 CA 5E 4D 84 63 A0"
    "F1 00 6C EE 70 89 D5 6E C5 05 31 0D AA B7 BA A0 AA BF 98 E8 39 93 70 07 2D FF 42 F9 A4 6F 1B 00";
static const char *vs_pub =
    "03 81 8E 00 30 81 8A 02 81 81 00"
    "A1 D4 6F BA 23 18 F8 DC EF 16 C2 80 94 8B 1C F2 79 66 B9 B4 72 25 ED 29 89 F8 D7 4B 45 BD 36 04"
    "9C 0A AB 5A D0 FF 00 35 53 BA 84 3C 8E 12 78 2F C5 87 3B B8 9A 3D C8 4B 88 3D 25 66 6C D2 2B F3"
    "AC D5 B6 75 96 9F 8B EB FB CA C9 3F DD 92 7C 74 42 B1 78 B1 0D 1D FF 93 98 E5 23 16 AA E0 AF 74"
    "E5 94 65 0B DC 3C 67 02 41 D4 18 68 45 93 CD A1 A7 B9 DC 4F 20 D2 FD C6 F6 63 44 07 40 03 E2 11"
    "02 04 00 01 00 01";

static void test_rsa(void **state)
{
    (void)state;
    uint8_t dg[32], sig[128], pub[145], ct[128], msg[16];
    assert_int_equal(tv_hex_parse(vs_digest, dg, 32), 32);
    assert_int_equal(tv_hex_parse(vs_sig, sig, 128), 128);
    assert_int_equal(tv_hex_parse(vs_pub, pub, 145), 145);
    fill(ct, 128, 9);
    for (int i = 0; i < 16; i++)
        msg[i] = (uint8_t)i;

    assert_int_equal(trustm_cmd_gen_key_pair_encode(0x41, 0xE0FC, 0x10, 0, b, sizeof b, &n), TRUSTM_OK);
    expect(cat(0, "B8 41 00 09 01 00 02 E0 FC 02 00 01 10"));
    assert_int_equal(trustm_cmd_gen_key_pair_encode(0x42, 0, 0, 0, b, sizeof b, &n), TRUSTM_OK);
    expect(cat(0, "B8 42 00 03 07 00 00"));
    assert_int_equal(trustm_cmd_gen_key_pair_encode(0x42, 0xE0FC, 0, 0, b, sizeof b, &n), BAD_PARAM);

    static const char *sd =
        "61 C7 DE F9 0F D5 CD 7A 8B 7A 36 41 04 E0 0D 82 38 46 BF B7 70 EE BF 8F 40 25 2E 0A 21 42 AF 9C";
    uint8_t d2[32];
    tv_hex_parse(sd, d2, 32);
    assert_int_equal(trustm_cmd_calc_sign_encode(0x01, d2, 32, 0xE0FC, 0, b, sizeof b, &n), TRUSTM_OK);
    size_t w = cat(0, "B1 01 00 28 01 00 20");
    w = cat(w, sd);
    expect(cat(w, "03 00 02 E0 FC"));
    assert_int_equal(trustm_cmd_calc_sign_encode(0x01, d2, 65, 0xE0FC, 0, b, sizeof b, &n), BAD_PARAM);

    assert_int_equal(trustm_cmd_verify_sign_encode(0x01, dg, 32, sig, 128, 0, 0x41, pub, 145, 0, b, sizeof b, &n),
                     TRUSTM_OK);
    w = cat(0, "B2 01 01 3E 01 00 20");
    w = cat(w, vs_digest);
    w = cat(w, "02 00 80");
    w = cat(w, vs_sig);
    w = cat(w, "05 00 01 41 06 00 91");
    expect(cat(w, vs_pub));
    assert_int_equal(trustm_cmd_verify_sign_encode(0x01, dg, 32, sig, 128, 0xE0E8, 0, NULL, 0, 0, b, sizeof b, &n),
                     TRUSTM_OK);
    w = cat(0, "B2 01 00 AB 01 00 20");
    w = cat(w, vs_digest);
    w = cat(w, "02 00 80");
    w = cat(w, vs_sig);
    expect(cat(w, "04 00 02 E0 E8"));
    assert_int_equal(trustm_cmd_verify_sign_encode(0x01, dg, 32, sig, 128, 0, 0, NULL, 0, 0, b, sizeof b, &n),
                     BAD_PARAM);

    assert_int_equal(trustm_cmd_encrypt_asym_encode(msg, 16, 0, 0, 0x41, pub, 145, 0, b, sizeof b, &n), TRUSTM_OK);
    w = cat(0, "9E 11 00 AB 61 00 10 00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F 05 00 01 41 06 00 91");
    expect(cat(w, vs_pub));
    assert_int_equal(trustm_cmd_encrypt_asym_encode(NULL, 0, 0xE100, 0, 0x41, pub, 145, 0, b, sizeof b, &n), TRUSTM_OK);
    w = cat(0, "9E 11 00 9D 02 00 02 E1 00 05 00 01 41 06 00 91");
    expect(cat(w, vs_pub));
    static const uint8_t abcd[2] = {0xAB, 0xCD};
    assert_int_equal(trustm_cmd_encrypt_asym_encode(abcd, 2, 0, 0xE0E8, 0, NULL, 0, 0, b, sizeof b, &n), TRUSTM_OK);
    expect(cat(0, "9E 11 00 0A 61 00 02 AB CD 04 00 02 E0 E8"));

    assert_int_equal(trustm_cmd_decrypt_asym_encode(ct, 128, 0xE0FC, 0, 0, b, sizeof b, &n), TRUSTM_OK);
    w = cat(0, "9F 11 00 88 61 00 80");
    w = catb(w, ct, 128);
    expect(cat(w, "03 00 02 E0 FC"));
    assert_int_equal(trustm_cmd_decrypt_asym_encode(ct, 128, 0xE0FC, 0xE100, 0, b, sizeof b, &n), TRUSTM_OK);
    w = cat(0, "9F 11 00 8D 61 00 80");
    w = catb(w, ct, 128);
    expect(cat(w, "03 00 02 E0 FC 02 00 02 E1 00"));

    /* GenKeyPair responses: store = 02 only; export = 01 + 02 in either order */
    const uint8_t *pv = NULL, *pb = NULL;
    size_t pvl = 0, pbl = 0;
    uint8_t r[400];
    r[0] = 0, r[1] = 0;
    trustm_be16_put(r + 2, 148);
    r[4] = 0x02;
    trustm_be16_put(r + 5, 145);
    memcpy(r + 7, pub, 145);
    assert_int_equal(trustm_cmd_gen_key_pair_decode(r, 152, 0, &pv, &pvl, &pb, &pbl), TRUSTM_OK);
    assert_int_equal(pbl, 145);
    assert_int_equal(trustm_cmd_gen_key_pair_decode(r, 152, 1, &pv, &pvl, &pb, &pbl), BAD_RSP); /* private missing */
    trustm_be16_put(r + 5, 146); /* public key TLV longer than OutData */
    assert_int_equal(trustm_cmd_gen_key_pair_decode(r, 152, 0, &pv, &pvl, &pb, &pbl), BAD_RSP);
    trustm_be16_put(r + 5, 145);
    /* export, 02 first then 01 */
    trustm_be16_put(r + 2, 148 + 6);
    r[152] = 0x01;
    trustm_be16_put(r + 153, 3);
    r[155] = 4, r[156] = 1, r[157] = 0x55;
    assert_int_equal(trustm_cmd_gen_key_pair_decode(r, 158, 1, &pv, &pvl, &pb, &pbl), TRUSTM_OK);
    assert_ptr_equal(pv, r + 155);
    assert_int_equal(pvl, 3);
    assert_int_equal(trustm_cmd_gen_key_pair_decode(r, 158, 0, &pv, &pvl, &pb, &pbl), BAD_RSP); /* private unexpected */

    /* raw signature: 1..max */
    const uint8_t *sp;
    size_t sl;
    static const uint8_t empty[] = {0, 0, 0, 0};
    assert_int_equal(trustm_cmd_raw_var_decode(empty, 4, 256, &sp, &sl), BAD_RSP);
    r[0] = 0, r[1] = 0;
    trustm_be16_put(r + 2, 257);
    assert_int_equal(trustm_cmd_raw_var_decode(r, 261, 256, &sp, &sl), BAD_RSP);
    assert_int_equal(trustm_cmd_raw_var_decode(r, 261, 257, &sp, &sl), TRUSTM_OK);
    assert_int_equal(sl, 257);
}

/* ---- DeriveKey ---- */
static void test_derive(void **state)
{
    (void)state;
    static const char *label = "46 69 72 6D 77 61 72 65 20 75 70 64 61 74 65 00";
    static const char *seed =
        "61 C7 DE F9 0F D5 CD 7A 8B 7A 36 41 04 E0 0D 82 38 46 BF B7 70 EE BF 8F 40 25 2E 0A 21 42 AF 9C";
    static const char *info = "8D E4 3F FF 65 2D A0 A7 F0 4E 8F 22 84 A4 28 3B";
    uint8_t l[16], s[32], in[16], ls[48];
    tv_hex_parse(label, l, 16);
    tv_hex_parse(seed, s, 32);
    tv_hex_parse(info, in, 16);
    fill(ls, 48, 0x30);
    assert_int_equal(trustm_cmd_derive_key_encode(0x01, 0xF1D1, l, 16, s, 32, NULL, 0, 16, 0, 0, b, sizeof b, &n),
                     TRUSTM_OK);
    size_t w = cat(0, "B4 01 00 40 01 00 02 F1 D1 03 00 02 00 10 02 00 30");
    w = cat(w, label);
    w = cat(w, seed);
    expect(cat(w, "07 00 00"));
    assert_int_equal(trustm_cmd_derive_key_encode(0x08, 0xF1D1, s, 32, NULL, 0, in, 16, 16, 0, 0, b, sizeof b, &n),
                     TRUSTM_OK);
    w = cat(0, "B4 08 00 43 01 00 02 F1 D1 03 00 02 00 10 04 00 10");
    w = cat(w, info);
    w = cat(w, "02 00 20");
    w = cat(w, seed);
    expect(cat(w, "07 00 00"));
    assert_int_equal(
        trustm_cmd_derive_key_encode(0x01, 0xE100, ls, 48, NULL, 0, NULL, 0, 48, 0xE100, 0, b, sizeof b, &n),
        TRUSTM_OK);
    w = cat(0, "B4 01 00 42 01 00 02 E1 00 03 00 02 00 30 02 00 30");
    w = catb(w, ls, 48);
    expect(cat(w, "08 00 02 E1 00"));
    /* empty HKDF salt still sends the 02 TLV */
    assert_int_equal(trustm_cmd_derive_key_encode(0x09, 0xF1D1, NULL, 0, NULL, 0, NULL, 0, 32, 0, 0, b, sizeof b, &n),
                     TRUSTM_OK);
    expect(cat(0, "B4 09 00 10 01 00 02 F1 D1 03 00 02 00 20 02 00 00 07 00 00"));
    assert_int_equal(
        trustm_cmd_derive_key_encode(0x01, 0xF1D1, want, 1025, NULL, 0, NULL, 0, 32, 0, 0, b, sizeof b, &n), BAD_PARAM);
    assert_int_equal(trustm_cmd_derive_key_encode(0x01, 0xF1D1, l, 16, s, 32, NULL, 0, 16, 0, 0, b, 20, &n), TOO_SMALL);
}

/* ---- generic TLV splitter ---- */
static void test_tlv_split(void **state)
{
    (void)state;
    static const uint8_t tags[2] = {0x01, 0x02};
    const uint8_t *v[2];
    size_t l[2];
    static const uint8_t ok[] = {0x02, 0x00, 0x00, 0x01, 0x00, 0x01, 0x7F};
    assert_int_equal(trustm_cmd_tlv_split(ok, sizeof ok, tags, 2, v, l), TRUSTM_OK);
    assert_non_null(v[0]);
    assert_int_equal(l[0], 1);
    assert_non_null(v[1]); /* zero-length value present */
    assert_int_equal(l[1], 0);
    for (size_t cut = 1; cut < sizeof ok; cut++) /* every truncation is refused or shorter-but-valid */
        if (cut != 3)
            assert_int_equal(trustm_cmd_tlv_split(ok, cut, tags, 2, v, l), BAD_RSP);
    static const uint8_t huge[] = {0x01, 0xFF, 0xFF, 0x00};
    assert_int_equal(trustm_cmd_tlv_split(huge, sizeof huge, tags, 2, v, l), BAD_RSP);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_set_data),  cmocka_unit_test(test_random), cmocka_unit_test(test_hash),
        cmocka_unit_test(test_sym),       cmocka_unit_test(test_rsa),    cmocka_unit_test(test_derive),
        cmocka_unit_test(test_tlv_split),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
