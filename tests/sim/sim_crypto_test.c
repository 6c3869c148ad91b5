/*
 * sim_crypto_test.c - the chip engine's cryptographic commands through APDUs on the
 * frame-level test host, each result checked independently with mbedTLS on the host: random,
 * SHA-256 (one-shot, sequences, context export/import), AES ECB/CBC/CBC-MAC/CMAC, HMAC and
 * HMAC verification (Auto states), TLS PRF and HKDF (RFC 5869), RSA key generation, signing,
 * verification, encryption and decryption; the security monitor on the virtual clock and
 * hibernate with sessions.  Fresh chip per test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <mbedtls/aes.h>
#include <mbedtls/cmac.h>
#include <mbedtls/md.h>
#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>
#include <mbedtls/sha256.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "sim_chip_help.h"

#define OK 0x00

static const uint8_t aes_key[16] = {0x2B, 0x7E, 0x15, 0x16, 0x28, 0xAE, 0xD2, 0xA6,
                                    0xAB, 0xF7, 0x15, 0x88, 0x09, 0xCF, 0x4F, 0x3C};
static const uint8_t blk[16] = {0x6B, 0xC1, 0xBE, 0xE2, 0x2E, 0x40, 0x9F, 0x96,
                                0xE9, 0x3D, 0x7E, 0x11, 0x73, 0x93, 0x17, 0x2A};

static void new_aes_chip(chip_t *c, trustm_sim_timing_t timing)
{
    trustm_sim_provision_t p;
    memset(&p, 0, sizeof p);
    p.aes_key = aes_key;
    p.aes_key_len = sizeof aes_key;
    chip_new(c, timing, &p, 1);
}

/* EncryptSym/DecryptSym: key OID then one data TLV (+ optional IV). */
static int sym(chip_t *c, uint8_t cmd, uint8_t mode, uint16_t key, uint8_t y, const uint8_t *d, size_t n,
               const uint8_t *iv)
{
    uint8_t in[1600];
    size_t k = 0;
    in[k++] = (uint8_t)(key >> 8);
    in[k++] = (uint8_t)key;
    tlv(in, &k, y, d, n);
    if (iv != NULL)
        tlv(in, &k, 0x41, iv, 16);
    return chip_cmd(c, cmd, mode, in, k);
}

static uint8_t sec_of(chip_t *c)
{
    assert_int_equal(chip_read(c, 0xE0C5, 0, 1), OK);
    return chip_out(c)[0];
}

/* ------------------------------------------------------------------ random */

static void sim_crypto_random(void **state)
{
    (void)state;
    chip_t c;
    chip_new(&c, TRUSTM_SIM_TIMING_NONE, NULL, 0);
    uint8_t a[256], b[256];
    assert_int_equal(chip_cmd(&c, 0x8C, 0x00, (const uint8_t[]){0x01, 0x00}, 2), OK);
    assert_int_equal(chip_out_len(&c), 256);
    memcpy(a, chip_out(&c), 256);
    assert_int_equal(chip_cmd(&c, 0x8C, 0x01, (const uint8_t[]){0x01, 0x00}, 2), OK);
    memcpy(b, chip_out(&c), 256);
    assert_memory_not_equal(a, b, 256);
    unsigned ones = 0;
    for (unsigned i = 0; i < 256; i++)
        for (unsigned k = 0; k < 8; k++)
            ones += (a[i] >> k) & 1u;
    assert_true(ones > 900 && ones < 1150); /* 2048 bits, roughly balanced */
    assert_int_equal(chip_cmd(&c, 0x8C, 0x00, (const uint8_t[]){0x00, 0x08}, 2), OK);
    assert_int_equal(chip_out_len(&c), 8);
    /* pre-master secret: nothing returned; 66-byte limit */
    assert_int_equal(
        chip_cmd(&c, 0x8C, 0x04, (const uint8_t[]){0x00, 0x2E, 0xE1, 0x00, 0x41, 0x00, 0x02, 0x03, 0x03}, 9), OK);
    assert_int_equal(chip_out_len(&c), 0);
    chip_fails(&c, 0x8C, 0x04, (const uint8_t[]){0x00, 0x41, 0xE1, 0x00, 0x41, 0x00, 0x02, 0x03, 0x03}, 9, 0x05);
    chip_fails(&c, 0x8C, 0x04, (const uint8_t[]){0x00, 0x20}, 2, 0x05);
    chip_free(&c);
}

/* -------------------------------------------------------------------- hash */

static void sim_crypto_hash(void **state)
{
    (void)state;
    chip_t c;
    chip_new(&c, TRUSTM_SIM_TIMING_NONE, NULL, 0);
    uint8_t ref[32], in[600], ctx[209];
    size_t n = 0;
    tlv(in, &n, 0x01, (const uint8_t *)"abc", 3);
    assert_int_equal(chip_cmd(&c, 0xB0, 0xE2, in, n), OK);
    mbedtls_sha256_ret((const uint8_t *)"abc", 3, ref, 0);
    assert_int_equal(chip_out_len(&c), 35);
    assert_memory_equal(chip_out(&c), ((uint8_t[]){0x01, 0x00, 0x20, 0xBA, 0x78, 0x16, 0xBF}), 7);
    assert_memory_equal(chip_out(&c) + 3, ref, 32);
    /* start with export, continue with import and export, another hash in between, final */
    uint8_t msg[300];
    for (unsigned i = 0; i < sizeof msg; i++)
        msg[i] = (uint8_t)(i * 13u + 1u);
    n = 0;
    tlv(in, &n, 0x00, msg, 100);
    tlv(in, &n, 0x07, NULL, 0);
    assert_int_equal(chip_cmd(&c, 0xB0, 0xE2, in, n), OK);
    assert_int_equal(chip_out_len(&c), 3 + 209);
    assert_memory_equal(chip_out(&c), ((uint8_t[]){0x06, 0x00, 0xD1}), 3);
    memcpy(ctx, chip_out(&c) + 3, 209);
    n = 0;
    tlv(in, &n, 0x01, (const uint8_t *)"other", 5); /* ends the chip's running hash */
    assert_int_equal(chip_cmd(&c, 0xB0, 0xE2, in, n), OK);
    n = 0;
    tlv(in, &n, 0x02, msg + 100, 150);
    tlv(in, &n, 0x06, ctx, 209);
    tlv(in, &n, 0x07, NULL, 0);
    assert_int_equal(chip_cmd(&c, 0xB0, 0xE2, in, n), OK);
    memcpy(ctx, chip_out(&c) + 3, 209);
    n = 0;
    tlv(in, &n, 0x03, msg + 250, 50);
    tlv(in, &n, 0x06, ctx, 209);
    assert_int_equal(chip_cmd(&c, 0xB0, 0xE2, in, n), OK);
    mbedtls_sha256_ret(msg, 300, ref, 0);
    assert_memory_equal(chip_out(&c) + 3, ref, 32);
    /* sequence in the chip without export: start, continue, final-keep, final */
    n = 0;
    tlv(in, &n, 0x00, msg, 64);
    assert_int_equal(chip_cmd(&c, 0xB0, 0xE2, in, n), OK);
    assert_int_equal(chip_out_len(&c), 0);
    n = 0;
    tlv(in, &n, 0x05, msg + 64, 10);
    assert_int_equal(chip_cmd(&c, 0xB0, 0xE2, in, n), OK);
    mbedtls_sha256_ret(msg, 74, ref, 0);
    assert_memory_equal(chip_out(&c) + 3, ref, 32);
    n = 0;
    tlv(in, &n, 0x03, msg + 74, 6);
    assert_int_equal(chip_cmd(&c, 0xB0, 0xE2, in, n), OK);
    mbedtls_sha256_ret(msg, 80, ref, 0);
    assert_memory_equal(chip_out(&c) + 3, ref, 32);
    /* final without start; terminate */
    n = 0;
    tlv(in, &n, 0x03, msg, 6);
    chip_fails(&c, 0xB0, 0xE2, in, n, 0x0B);
    n = 0;
    tlv(in, &n, 0x00, msg, 6);
    assert_int_equal(chip_cmd(&c, 0xB0, 0xE2, in, n), OK);
    assert_int_equal(chip_cmd(&c, 0xB0, 0xE2, (const uint8_t[]){0x04, 0, 0}, 3), OK);
    chip_fails(&c, 0xB0, 0xE2, (const uint8_t[]){0x04, 0, 0}, 3, 0x0B);
    chip_fails(&c, 0xB0, 0xE3, in, n, 0x03);
    /* data from an object: F1D0 bytes 0..11 */
    assert_int_equal(chip_write(&c, 0x40, 0xF1D0, 0, msg, 12), OK);
    assert_int_equal(chip_cmd(&c, 0xB0, 0xE2, (const uint8_t[]){0x11, 0, 6, 0xF1, 0xD0, 0, 0, 0, 12}, 9), OK);
    mbedtls_sha256_ret(msg, 12, ref, 0);
    assert_memory_equal(chip_out(&c) + 3, ref, 32);
    chip_fails(&c, 0xB0, 0xE2, (const uint8_t[]){0x11, 0, 6, 0xF1, 0xD0, 0, 0, 0, 13}, 9, 0x08);
    /* a forged context: rejected, and "suspect system behaviour" sets SEC to 255 */
    ctx[10] ^= 1;
    n = 0;
    tlv(in, &n, 0x03, msg, 1);
    tlv(in, &n, 0x06, ctx, 209);
    chip_fails(&c, 0xB0, 0xE2, in, n, 0x05);
    assert_int_equal(sec_of(&c), 255);
    chip_free(&c);
}

/* --------------------------------------------------------------------- AES */

static void host_aes(int mode, const uint8_t *iv0, const uint8_t *in, size_t n, uint8_t *out, bool enc)
{
    mbedtls_aes_context a;
    mbedtls_aes_init(&a);
    if (enc || mode == 0x0A)
        mbedtls_aes_setkey_enc(&a, aes_key, 128);
    else
        mbedtls_aes_setkey_dec(&a, aes_key, 128);
    uint8_t iv[16] = {0};
    if (iv0 != NULL)
        memcpy(iv, iv0, 16);
    if (mode == 0x08)
        for (size_t i = 0; i < n; i += 16)
            mbedtls_aes_crypt_ecb(&a, enc ? MBEDTLS_AES_ENCRYPT : MBEDTLS_AES_DECRYPT, in + i, out + i);
    else
        mbedtls_aes_crypt_cbc(&a, enc || mode == 0x0A ? MBEDTLS_AES_ENCRYPT : MBEDTLS_AES_DECRYPT, n, iv, in, out);
    mbedtls_aes_free(&a);
}

static void sim_crypto_aes(void **state)
{
    (void)state;
    chip_t c;
    new_aes_chip(&c, TRUSTM_SIM_TIMING_NONE);
    /* the spec's vectors (commands.md §5.7) */
    assert_int_equal(sym(&c, 0x94, 0x08, 0xE200, 0x01, blk, 16, NULL), OK);
    assert_memory_equal(chip_out(&c),
                        ((uint8_t[]){0x61, 0x00, 0x10, 0x3A, 0xD7, 0x7B, 0xB4, 0x0D, 0x7A, 0x36, 0x60, 0xA8, 0x9E, 0xCA,
                                     0xF3, 0x24, 0x66, 0xEF, 0x97}),
                        19);
    const uint8_t iv[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    assert_int_equal(sym(&c, 0x94, 0x09, 0xE200, 0x01, blk, 16, iv), OK);
    assert_memory_equal(
        chip_out(&c) + 3,
        ((uint8_t[]){0x76, 0x49, 0xAB, 0xAC, 0x81, 0x19, 0xB2, 0x46, 0xCE, 0xE9, 0x8E, 0x9B, 0x12, 0xE9, 0x19, 0x7D}),
        16);
    assert_int_equal(sym(&c, 0x94, 0x0B, 0xE200, 0x01, blk, 16, NULL), OK);
    assert_memory_equal(
        chip_out(&c) + 3,
        ((uint8_t[]){0x07, 0x0A, 0x16, 0xB4, 0x6B, 0x4D, 0x41, 0x44, 0xF7, 0x9B, 0xDD, 0x9D, 0xD0, 0x4A, 0x28, 0x7C}),
        16);
    /* 96 bytes, against the host: ECB/CBC one-shot and start/continue/final, decrypt back */
    uint8_t msg[96], ref[96], got[96], back[96];
    for (unsigned i = 0; i < sizeof msg; i++)
        msg[i] = (uint8_t)(0xA5 ^ (i * 29u));
    for (int mode = 0x08; mode <= 0x09; mode++) {
        host_aes(mode, iv, msg, 96, ref, true);
        assert_int_equal(sym(&c, 0x94, (uint8_t)mode, 0xE200, 0x01, msg, 96, mode == 0x09 ? iv : NULL), OK);
        assert_memory_equal(chip_out(&c) + 3, ref, 96);
        assert_int_equal(sym(&c, 0x94, (uint8_t)mode, 0xE200, 0x00, msg, 32, mode == 0x09 ? iv : NULL), OK);
        memcpy(got, chip_out(&c) + 3, 32);
        assert_int_equal(sym(&c, 0x94, (uint8_t)mode, 0xE200, 0x02, msg + 32, 48, NULL), OK);
        memcpy(got + 32, chip_out(&c) + 3, 48);
        assert_int_equal(sym(&c, 0x94, (uint8_t)mode, 0xE200, 0x03, msg + 80, 16, NULL), OK);
        memcpy(got + 80, chip_out(&c) + 3, 16);
        assert_memory_equal(got, ref, 96);
        assert_int_equal(sym(&c, 0x95, (uint8_t)mode, 0xE200, 0x00, ref, 48, mode == 0x09 ? iv : NULL), OK);
        memcpy(back, chip_out(&c) + 3, 48);
        assert_int_equal(sym(&c, 0x95, (uint8_t)mode, 0xE200, 0x03, ref + 48, 48, NULL), OK);
        memcpy(back + 48, chip_out(&c) + 3, 48);
        assert_memory_equal(back, msg, 96);
    }
    /* CBC-MAC (zero IV, last block) and CMAC of 40 bytes in three steps */
    host_aes(0x0A, NULL, msg, 96, ref, true);
    assert_int_equal(sym(&c, 0x94, 0x0A, 0xE200, 0x01, msg, 96, NULL), OK);
    assert_int_equal(chip_out_len(&c), 19);
    assert_memory_equal(chip_out(&c) + 3, ref + 80, 16);
    uint8_t cmac[16];
    const mbedtls_cipher_info_t *ci = mbedtls_cipher_info_from_type(MBEDTLS_CIPHER_AES_128_ECB);
    assert_int_equal(mbedtls_cipher_cmac(ci, aes_key, 128, msg, 40, cmac), 0);
    assert_int_equal(sym(&c, 0x94, 0x0B, 0xE200, 0x00, msg, 16, NULL), OK);
    assert_int_equal(chip_out_len(&c), 0);
    assert_int_equal(sym(&c, 0x94, 0x0B, 0xE200, 0x02, msg + 16, 16, NULL), OK);
    assert_int_equal(sym(&c, 0x94, 0x0B, 0xE200, 0x03, msg + 32, 8, NULL), OK);
    assert_memory_equal(chip_out(&c) + 3, cmac, 16);
    assert_int_equal(mbedtls_cipher_cmac(ci, aes_key, 128, msg, 64, cmac), 0);
    assert_int_equal(sym(&c, 0x94, 0x0B, 0xE200, 0x01, msg, 64, NULL), OK);
    assert_memory_equal(chip_out(&c) + 3, cmac, 16);
    /* errors: alignment, sequence, interleaving, size, mode */
    assert_int_equal(sym(&c, 0x94, 0x08, 0xE200, 0x01, msg, 15, NULL), 0xFF);
    assert_int_equal(chip_err(&c), 0x05);
    assert_int_equal(sym(&c, 0x94, 0x08, 0xE200, 0x02, msg, 16, NULL), 0xFF);
    assert_int_equal(chip_err(&c), 0x0B);
    assert_int_equal(sym(&c, 0x94, 0x09, 0xE200, 0x00, msg, 16, NULL), OK);
    assert_int_equal(chip_cmd(&c, 0x8C, 0x00, (const uint8_t[]){0x00, 0x08}, 2), OK); /* aborts */
    assert_int_equal(sym(&c, 0x94, 0x09, 0xE200, 0x03, msg, 16, NULL), 0xFF);
    assert_int_equal(chip_err(&c), 0x0B);
    uint8_t big[656];
    memset(big, 0, sizeof big);
    assert_int_equal(sym(&c, 0x94, 0x08, 0xE200, 0x01, big, 640, NULL), 0xFF);
    assert_int_equal(chip_err(&c), 0x04);
    assert_int_equal(sym(&c, 0x95, 0x0B, 0xE200, 0x01, msg, 16, NULL), 0xFF);
    assert_int_equal(chip_err(&c), 0x03);
    /* key usage without Enc */
    assert_int_equal(chip_set_meta(&c, 0xE200, (const uint8_t[]){0x20, 0x03, 0xE1, 0x01, 0x10}, 5), OK);
    assert_int_equal(sym(&c, 0x94, 0x08, 0xE200, 0x01, blk, 16, NULL), 0xFF);
    assert_int_equal(chip_err(&c), 0x07);
    chip_free(&c);
}

static void sim_crypto_gen_sym_key(void **state)
{
    (void)state;
    chip_t c;
    chip_new(&c, TRUSTM_SIM_TIMING_NONE, NULL, 0);
    const uint8_t store[] = {0x01, 0x00, 0x02, 0xE2, 0x00, 0x02, 0x00, 0x01, 0x02};
    chip_fails(&c, 0xB9, 0x83, store, sizeof store, 0x07); /* CHA NEV as shipped */
    assert_int_equal(chip_set_meta(&c, 0xE200, (const uint8_t[]){0x20, 0x03, 0xD0, 0x01, 0x00}, 5), OK);
    assert_int_equal(chip_cmd(&c, 0xB9, 0x83, store, sizeof store), OK);
    assert_int_equal(chip_meta(&c, 0xE200), OK);
    assert_memory_equal(chip_out(&c) + chip_out_len(&c) - 6, ((uint8_t[]){0xE0, 0x01, 0x83, 0xE1, 0x01, 0x02}), 6);
    uint8_t ct[16];
    assert_int_equal(sym(&c, 0x94, 0x08, 0xE200, 0x01, blk, 16, NULL), OK);
    memcpy(ct, chip_out(&c) + 3, 16);
    assert_memory_not_equal(ct, blk, 16);
    assert_int_equal(sym(&c, 0x95, 0x08, 0xE200, 0x01, ct, 16, NULL), OK);
    assert_memory_equal(chip_out(&c) + 3, blk, 16);
    assert_int_equal(chip_cmd(&c, 0xB9, 0x82, (const uint8_t[]){0x07, 0, 0}, 3), OK);
    assert_int_equal(chip_out_len(&c), 27);
    assert_memory_equal(chip_out(&c), ((uint8_t[]){0x01, 0x00, 0x18}), 3);
    chip_fails(&c, 0xB9, 0x84, (const uint8_t[]){0x07, 0, 0}, 3, 0x03);
    chip_fails(&c, 0xB9, 0x81, (const uint8_t[]){0x01, 0x00, 0x02, 0xE0, 0xFC, 0x02, 0x00, 0x01, 0x02}, 9, 0x01);
    chip_free(&c);
}

/* -------------------------------------------------------------------- HMAC */

static const uint8_t secret16[16] = {0x8D, 0xE4, 0x3F, 0xFF, 0x65, 0x2D, 0xA0, 0xA7,
                                     0xF0, 0x4E, 0x8F, 0x22, 0x84, 0xA4, 0x28, 0x3B};

static void host_hmac(mbedtls_md_type_t t, const uint8_t *k, size_t kl, const uint8_t *m, size_t n, uint8_t *out)
{
    assert_int_equal(mbedtls_md_hmac(mbedtls_md_info_from_type(t), k, kl, m, n, out), 0);
}

static void sim_crypto_hmac(void **state)
{
    (void)state;
    chip_t c;
    chip_new(&c, TRUSTM_SIM_TIMING_NONE, NULL, 0);
    assert_int_equal(chip_set_meta(&c, 0xF1D1, (const uint8_t[]){0x20, 0x06, 0xE8, 0x01, 0x21, 0xD3, 0x01, 0x00}, 8),
                     OK);
    assert_int_equal(chip_write(&c, 0x40, 0xF1D1, 0, secret16, 16), OK);
    uint8_t m[48] = {0x6B, 0xC1, 0xBE, 0xE2, 0x2E, 0x40, 0x9F, 0x96, 0xE9, 0x3D, 0x7E, 0x11, 0x73, 0x93, 0x17, 0x2A,
                     0x7C, 0xD2, 0xCF, 0xF3, 0x3F, 0x51, 0xA0, 0xA7, 0xF0, 0x4E, 0x8F, 0x22, 0x84, 0xA4, 0x28, 0x3B,
                     0x5A, 0xB0, 0xAD, 0xD1, 0x1D, 0x3F, 0x8E, 0x85, 0xD8, 0x2C, 0x6D, 0xF1, 0x62, 0x82, 0x06, 0x19};
    assert_int_equal(sym(&c, 0x94, 0x20, 0xF1D1, 0x00, m, 16, NULL), OK);
    assert_int_equal(sym(&c, 0x94, 0x20, 0xF1D1, 0x02, m + 16, 16, NULL), OK);
    assert_int_equal(sym(&c, 0x94, 0x20, 0xF1D1, 0x03, m + 32, 16, NULL), OK);
    assert_memory_equal(chip_out(&c), ((uint8_t[]){0x61, 0x00, 0x20, 0x2C, 0xC1, 0x35, 0xE8, 0x3E, 0xE9, 0x80, 0x25}),
                        11);
    uint8_t ref[64];
    host_hmac(MBEDTLS_MD_SHA256, secret16, 16, m, 48, ref);
    assert_memory_equal(chip_out(&c) + 3, ref, 32);
    assert_int_equal(sym(&c, 0x94, 0x21, 0xF1D1, 0x01, m, 47, NULL), OK);
    host_hmac(MBEDTLS_MD_SHA384, secret16, 16, m, 47, ref);
    assert_int_equal(chip_out_len(&c), 51);
    assert_memory_equal(chip_out(&c) + 3, ref, 48);
    assert_int_equal(sym(&c, 0x94, 0x22, 0xF1D1, 0x01, m, 5, NULL), OK);
    host_hmac(MBEDTLS_MD_SHA512, secret16, 16, m, 5, ref);
    assert_memory_equal(chip_out(&c) + 3, ref, 64);
    /* a BSTR object is not a PRESSEC */
    assert_int_equal(sym(&c, 0x94, 0x20, 0xF1D2, 0x01, m, 5, NULL), 0xFF);
    assert_int_equal(chip_err(&c), 0x07);

    /* HMAC verification with AUTOREF F1D2 guarding reads of F1E0 through Auto(F1D2) */
    uint8_t ar[64];
    for (unsigned i = 0; i < 64; i++)
        ar[i] = (uint8_t)(0x49 + i * 3u);
    assert_int_equal(chip_set_meta(&c, 0xF1D2, (const uint8_t[]){0x20, 0x06, 0xD3, 0x01, 0x00, 0xE8, 0x01, 0x31}, 8),
                     OK);
    assert_int_equal(chip_write(&c, 0x40, 0xF1D2, 0, ar, 64), OK);
    assert_int_equal(chip_set_meta(&c, 0xF1E0, (const uint8_t[]){0x20, 0x05, 0xD1, 0x03, 0x23, 0xF1, 0xD2}, 7), OK);
    assert_int_equal(chip_read(&c, 0xF1E0, 0, 4), 0xFF);
    for (int round = 0; round < 3; round++) {
        uint8_t opt[16], input[16 + 32 + 8], in[200];
        for (unsigned i = 0; i < 16; i++)
            opt[i] = (uint8_t)(i + 1);
        size_t n = 0;
        in[n++] = 0x00;
        in[n++] = 0x20;
        in[n++] = 0xE1;
        in[n++] = 0x00;
        tlv(in, &n, 0x41, opt, 16);
        assert_int_equal(chip_cmd(&c, 0x8C, 0x00, in, n), OK); /* challenge into E100 */
        memcpy(input, opt, 16);
        memcpy(input + 16, chip_out(&c), 32);
        memcpy(input + 48, "extra!!!", 8);
        uint8_t mac[32];
        host_hmac(MBEDTLS_MD_SHA256, ar, 64, input, sizeof input, mac);
        if (round == 1)
            mac[0] ^= 0x80; /* wrong MAC: 2F, Auto cleared */
        uint8_t data[2 + sizeof input];
        data[0] = 0xE1;
        data[1] = 0x00;
        memcpy(data + 2, input, sizeof input);
        n = 0;
        in[n++] = 0xF1;
        in[n++] = 0xD2;
        tlv(in, &n, 0x01, data, sizeof data);
        tlv(in, &n, 0x43, mac, 32);
        int sta = chip_cmd(&c, 0x95, 0x20, in, n);
        if (round == 1) {
            assert_int_equal(sta, 0xFF);
            assert_int_equal(chip_err(&c), 0x2F);
            assert_int_equal(chip_read(&c, 0xF1E0, 0, 4), 0xFF);
        } else {
            assert_int_equal(sta, OK);
            assert_int_equal(chip_read(&c, 0xF1E0, 0, 4), OK);
        }
        if (round == 0) {
            /* the challenge expired: the same request again fails and clears Auto(F1D2) */
            assert_int_equal(chip_cmd(&c, 0x95, 0x20, in, n), 0xFF);
            assert_int_equal(chip_err(&c), 0x2F);
            assert_int_equal(chip_read(&c, 0xF1E0, 0, 4), 0xFF);
        }
    }
    /* clear Auto state as the vendor host sends it */
    assert_int_equal(chip_read(&c, 0xF1E0, 0, 4), OK);
    assert_int_equal(chip_cmd(&c, 0x95, 0x20, (const uint8_t[]){0xF1, 0xD2, 0x01, 0x00, 0x02, 0x00, 0x00}, 7), 0xFF);
    assert_int_equal(chip_err(&c), 0x2F);
    assert_int_equal(chip_read(&c, 0xF1E0, 0, 4), 0xFF);
    chip_free(&c);
}

/* ------------------------------------------------------------------- KDFs */

static int derive(chip_t *c, uint8_t param, uint16_t secret, const uint8_t *d, size_t dl, const uint8_t *info,
                  size_t il, uint16_t len, uint16_t dest)
{
    uint8_t in[1200];
    size_t n = 0;
    tlv_oid(in, &n, 0x01, secret);
    const uint8_t l[2] = {(uint8_t)(len >> 8), (uint8_t)len};
    tlv(in, &n, 0x03, l, 2);
    if (info != NULL)
        tlv(in, &n, 0x04, info, il);
    tlv(in, &n, 0x02, d, dl);
    if (dest != 0)
        tlv_oid(in, &n, 0x08, dest);
    else
        tlv(in, &n, 0x07, NULL, 0);
    return chip_cmd(c, 0xB4, param, in, n);
}

static void set_pressec(chip_t *c, uint16_t oid, const uint8_t *s, size_t n)
{
    assert_int_equal(chip_set_meta(c, oid, (const uint8_t[]){0x20, 0x06, 0xE8, 0x01, 0x21, 0xD3, 0x01, 0x00}, 8), OK);
    assert_int_equal(chip_write(c, 0x40, oid, 0, s, n), OK);
}

static void sim_crypto_derive(void **state)
{
    (void)state;
    chip_t c;
    chip_new(&c, TRUSTM_SIM_TIMING_NONE, NULL, 0);
    const uint8_t sec[32] = {0xBF, 0xB7, 0x70, 0xEE, 0xBF, 0x8F, 0x61, 0xC7, 0x04, 0xE0, 0x0D,
                             0x82, 0x8B, 0x7A, 0x36, 0x41, 0xD5, 0xCD, 0x7A, 0x38, 0x46, 0xDE,
                             0xF9, 0x0F, 0x21, 0x42, 0x40, 0x25, 0x0A, 0xAF, 0x9C, 0x2E};
    const uint8_t seed[32] = {0x61, 0xC7, 0xDE, 0xF9, 0x0F, 0xD5, 0xCD, 0x7A, 0x8B, 0x7A, 0x36,
                              0x41, 0x04, 0xE0, 0x0D, 0x82, 0x38, 0x46, 0xBF, 0xB7, 0x70, 0xEE,
                              0xBF, 0x8F, 0x40, 0x25, 0x2E, 0x0A, 0x21, 0x42, 0xAF, 0x9C};
    set_pressec(&c, 0xF1D1, sec, 32);
    uint8_t d[48], zseed[33] = {0};
    memcpy(d, "Firmware update", 16); /* with its terminating zero */
    memcpy(d + 16, seed, 32);
    memcpy(zseed + 1, seed, 32); /* mbedTLS takes the label as a C string: the 00 goes here */
    /* commands.md §5.15 example */
    assert_int_equal(derive(&c, 0x01, 0xF1D1, d, 48, NULL, 0, 16, 0), OK);
    assert_int_equal(chip_out_len(&c), 16);
    assert_memory_equal(
        chip_out(&c),
        ((uint8_t[]){0xC4, 0xC3, 0xB7, 0x78, 0xB8, 0x0D, 0xFD, 0x3C, 0x8B, 0x2A, 0x03, 0x23, 0xCB, 0xAE, 0x30, 0xCC}),
        16);
    /* TLS PRF SHA-256/384/512 against mbedTLS's TLS PRF, 100 bytes */
    static const struct {
        uint8_t p;
        mbedtls_tls_prf_types t;
    } prfs[] = {{0x01, MBEDTLS_SSL_TLS_PRF_SHA256}, {0x02, MBEDTLS_SSL_TLS_PRF_SHA384}};
    uint8_t ref[100];
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(mbedtls_ssl_tls_prf(prfs[i].t, sec, 32, "Firmware update", zseed, 33, ref, 100), 0);
        assert_int_equal(derive(&c, prfs[i].p, 0xF1D1, d, 48, NULL, 0, 100, 0), OK);
        assert_memory_equal(chip_out(&c), ref, 100);
    }
    /* mbedTLS 2.28 has no SHA-512 TLS PRF: P_SHA512 (RFC 5246 §5) from mbedTLS HMAC here */
    {
        const mbedtls_md_info_t *mi = mbedtls_md_info_from_type(MBEDTLS_MD_SHA512);
        uint8_t a[64], buf[64 + 48], blk64[64];
        assert_int_equal(mbedtls_md_hmac(mi, sec, 32, d, 48, a), 0);
        for (size_t off = 0; off < 100; off += 64) {
            memcpy(buf, a, 64);
            memcpy(buf + 64, d, 48);
            assert_int_equal(mbedtls_md_hmac(mi, sec, 32, buf, sizeof buf, blk64), 0);
            memcpy(ref + off, blk64, 100 - off < 64 ? 100 - off : 64);
            assert_int_equal(mbedtls_md_hmac(mi, sec, 32, a, 64, a), 0);
        }
        assert_int_equal(derive(&c, 0x03, 0xF1D1, d, 48, NULL, 0, 100, 0), OK);
        assert_memory_equal(chip_out(&c), ref, 100);
    }
    /* HKDF: the spec's example and RFC 5869 test case 1 */
    const uint8_t info[16] = {0x8D, 0xE4, 0x3F, 0xFF, 0x65, 0x2D, 0xA0, 0xA7,
                              0xF0, 0x4E, 0x8F, 0x22, 0x84, 0xA4, 0x28, 0x3B};
    assert_int_equal(derive(&c, 0x08, 0xF1D1, seed, 32, info, 16, 16, 0), OK);
    assert_memory_equal(
        chip_out(&c),
        ((uint8_t[]){0x90, 0xF6, 0x2B, 0x9F, 0xF3, 0x03, 0x87, 0xD6, 0x93, 0x58, 0xDD, 0x85, 0x65, 0x7B, 0x56, 0x43}),
        16);
    uint8_t ikm[22], salt[13], inf[10];
    memset(ikm, 0x0B, sizeof ikm);
    for (unsigned i = 0; i < 13; i++)
        salt[i] = (uint8_t)i;
    for (unsigned i = 0; i < 10; i++)
        inf[i] = (uint8_t)(0xF0 + i);
    set_pressec(&c, 0xF1D2, ikm, sizeof ikm);
    assert_int_equal(derive(&c, 0x08, 0xF1D2, salt, 13, inf, 10, 42, 0), OK);
    static const uint8_t okm[42] = {0x3c, 0xb2, 0x5f, 0x25, 0xfa, 0xac, 0xd5, 0x7a, 0x90, 0x43, 0x4f, 0x64, 0xd0, 0x36,
                                    0x2f, 0x2a, 0x2d, 0x2d, 0x0a, 0x90, 0xcf, 0x1a, 0x5a, 0x4c, 0x5d, 0xb0, 0x2d, 0x56,
                                    0xec, 0xc4, 0xc5, 0xbf, 0x34, 0x00, 0x72, 0x08, 0xd5, 0xb8, 0x87, 0x18, 0x58, 0x65};
    assert_int_equal(chip_out_len(&c), 42);
    assert_memory_equal(chip_out(&c), okm, 42);
    /* RFC 5869 test case 3 (empty salt and info) */
    assert_int_equal(derive(&c, 0x08, 0xF1D2, NULL, 0, NULL, 0, 42, 0), OK);
    assert_memory_equal(chip_out(&c), ((uint8_t[]){0x8d, 0xa4, 0xe7, 0x75, 0xa5, 0x63, 0xc1, 0x8f, 0x71, 0x5f}), 10);
    /* into a session, then used as an HMAC secret: equals HMAC with the host's PRF output */
    uint8_t prf[48], mac[32];
    assert_int_equal(mbedtls_ssl_tls_prf(MBEDTLS_SSL_TLS_PRF_SHA256, sec, 32, "Firmware update", zseed, 33, prf, 48),
                     0);
    assert_int_equal(derive(&c, 0x01, 0xF1D1, d, 48, NULL, 0, 48, 0xE102), OK);
    assert_int_equal(chip_out_len(&c), 0);
    assert_int_equal(sym(&c, 0x94, 0x20, 0xE102, 0x01, (const uint8_t *)"message", 7, NULL), OK);
    host_hmac(MBEDTLS_MD_SHA256, prf, 48, (const uint8_t *)"message", 7, mac);
    assert_memory_equal(chip_out(&c) + 3, mac, 32);
    /* session secret as the source, stored back into the same session */
    assert_int_equal(derive(&c, 0x01, 0xE102, d, 48, NULL, 0, 32, 0xE102), OK);
    uint8_t prf2[32];
    assert_int_equal(mbedtls_ssl_tls_prf(MBEDTLS_SSL_TLS_PRF_SHA256, prf, 48, "Firmware update", zseed, 33, prf2, 32),
                     0);
    assert_int_equal(sym(&c, 0x94, 0x20, 0xE102, 0x01, (const uint8_t *)"message", 7, NULL), OK);
    host_hmac(MBEDTLS_MD_SHA256, prf2, 32, (const uint8_t *)"message", 7, mac);
    assert_memory_equal(chip_out(&c) + 3, mac, 32);
    /* errors: length limits, info with PRF, wrong type, EXE with Luc() */
    assert_int_equal(derive(&c, 0x01, 0xF1D1, d, 48, NULL, 0, 67, 0xE101), 0xFF);
    assert_int_equal(chip_err(&c), 0x05);
    assert_int_equal(derive(&c, 0x01, 0xF1D1, d, 48, NULL, 0, 257, 0), 0xFF);
    assert_int_equal(chip_err(&c), 0x05);
    assert_int_equal(derive(&c, 0x01, 0xF1D1, d, 48, info, 16, 32, 0), 0xFF);
    assert_int_equal(chip_err(&c), 0x05);
    assert_int_equal(derive(&c, 0x01, 0xF1D3, d, 48, NULL, 0, 32, 0), 0xFF);
    assert_int_equal(chip_err(&c), 0x07);
    assert_int_equal(derive(&c, 0x04, 0xF1D1, d, 48, NULL, 0, 32, 0), 0xFF);
    assert_int_equal(chip_err(&c), 0x03);
    assert_int_equal(chip_write(&c, 0x00, 0xE120, 0, (const uint8_t[]){0, 0, 0, 0, 0, 0, 0, 2}, 8), OK);
    assert_int_equal(chip_set_meta(&c, 0xF1D1, (const uint8_t[]){0x20, 0x05, 0xD3, 0x03, 0x40, 0xE1, 0x20}, 7), OK);
    assert_int_equal(derive(&c, 0x01, 0xF1D1, d, 48, NULL, 0, 16, 0), OK);
    assert_int_equal(derive(&c, 0x01, 0xF1D1, d, 48, NULL, 0, 16, 0), OK);
    assert_int_equal(derive(&c, 0x01, 0xF1D1, d, 48, NULL, 0, 16, 0), 0xFF);
    assert_int_equal(chip_err(&c), 0x07);
    chip_free(&c);
}

/* --------------------------------------------------------------------- RSA */

/* Parse the chip's RSA public key encoding (commands.md §6.1) into a host context. */
static void import_pub(const uint8_t *pk, size_t n, size_t kb, mbedtls_rsa_context *r)
{
    size_t hdr = kb == 128 ? 11u : 14u;
    assert_int_equal(n, kb == 128 ? 145u : 276u);
    if (kb == 128)
        assert_memory_equal(pk, ((uint8_t[]){0x03, 0x81, 0x8E, 0x00, 0x30, 0x81, 0x8A, 0x02, 0x81, 0x81, 0x00}), 11);
    else
        assert_memory_equal(
            pk, ((uint8_t[]){0x03, 0x82, 0x01, 0x10, 0x00, 0x30, 0x82, 0x01, 0x0B, 0x02, 0x82, 0x01, 0x01, 0x00}), 14);
    assert_memory_equal(pk + hdr + kb, ((uint8_t[]){0x02, 0x04, 0x00, 0x01, 0x00, 0x01}), 6);
    mbedtls_rsa_init(r, MBEDTLS_RSA_PKCS_V15, 0);
    assert_int_equal(mbedtls_rsa_import_raw(r, pk + hdr, kb, NULL, 0, NULL, 0, NULL, 0, pk + hdr + kb + 2, 4), 0);
    assert_int_equal(mbedtls_rsa_complete(r), 0);
}

static uint32_t g_rng = 0x12345678u;
static int test_rng(void *ctx, unsigned char *out, size_t n)
{
    (void)ctx;
    for (size_t i = 0; i < n; i++) {
        g_rng ^= g_rng << 13;
        g_rng ^= g_rng >> 17;
        g_rng ^= g_rng << 5;
        out[i] = (uint8_t)g_rng;
    }
    return 0;
}

static int keygen(chip_t *c, uint8_t alg, uint16_t oid, uint8_t usage)
{
    const uint8_t in[] = {0x01, 0x00, 0x02, (uint8_t)(oid >> 8), (uint8_t)oid, 0x02, 0x00, 0x01, usage};
    return chip_cmd(c, 0xB8, alg, in, sizeof in);
}

static int sign(chip_t *c, uint16_t key, const uint8_t dig[32])
{
    uint8_t in[64];
    size_t n = 0;
    tlv(in, &n, 0x01, dig, 32);
    tlv_oid(in, &n, 0x03, key);
    return chip_cmd(c, 0xB1, 0x01, in, n);
}

static void sim_crypto_rsa(void **state)
{
    (void)state;
    chip_t c;
    chip_new(&c, TRUSTM_SIM_TIMING_NONE, NULL, 0);
    uint8_t dig[32], sig[256], pub[300];
    mbedtls_sha256_ret((const uint8_t *)"hello", 5, dig, 0);
    /* RSA-1024 into E0FC, usage Sign; the signature verifies on the host */
    assert_int_equal(keygen(&c, 0x41, 0xE0FC, 0x10), OK);
    assert_int_equal(chip_out_len(&c), 3 + 145);
    assert_memory_equal(chip_out(&c), ((uint8_t[]){0x02, 0x00, 0x91}), 3);
    memcpy(pub, chip_out(&c) + 3, 145);
    mbedtls_rsa_context r;
    import_pub(pub, 145, 128, &r);
    assert_int_equal(chip_meta(&c, 0xE0FC), OK);
    assert_memory_equal(chip_out(&c) + chip_out_len(&c) - 6, ((uint8_t[]){0xE0, 0x01, 0x41, 0xE1, 0x01, 0x10}), 6);
    assert_int_equal(sign(&c, 0xE0FC, dig), OK);
    assert_int_equal(chip_out_len(&c), 128);
    memcpy(sig, chip_out(&c), 128);
    assert_int_equal(mbedtls_rsa_pkcs1_verify(&r, NULL, NULL, MBEDTLS_RSA_PUBLIC, MBEDTLS_MD_SHA256, 32, dig, sig), 0);
    mbedtls_rsa_free(&r);
    /* VerifySign on the chip with that public key: valid, then tampered */
    uint8_t in[700];
    size_t n = 0;
    tlv(in, &n, 0x01, dig, 32);
    tlv(in, &n, 0x02, sig, 128);
    tlv(in, &n, 0x05, (const uint8_t[]){0x41}, 1);
    tlv(in, &n, 0x06, pub, 145);
    assert_int_equal(chip_cmd(&c, 0xB2, 0x01, in, n), OK);
    in[3 + 32 + 3 + 5] ^= 1;
    chip_fails(&c, 0xB2, 0x01, in, n, 0x2C);
    /* decryption needs usage Enc */
    n = 0;
    tlv(in, &n, 0x61, sig, 128);
    tlv_oid(in, &n, 0x03, 0xE0FC);
    chip_fails(&c, 0x9F, 0x11, in, n, 0x07);
    /* RSA-1024 in E0FD with usage Enc: host encrypts, chip decrypts; chip encrypts, chip decrypts */
    assert_int_equal(keygen(&c, 0x41, 0xE0FD, 0x02), OK);
    memcpy(pub, chip_out(&c) + 3, 145);
    import_pub(pub, 145, 128, &r);
    uint8_t ct[128];
    assert_int_equal(mbedtls_rsa_pkcs1_encrypt(&r, test_rng, NULL, MBEDTLS_RSA_PUBLIC, 16, blk, ct), 0);
    mbedtls_rsa_free(&r);
    n = 0;
    tlv(in, &n, 0x61, ct, 128);
    tlv_oid(in, &n, 0x03, 0xE0FD);
    assert_int_equal(chip_cmd(&c, 0x9F, 0x11, in, n), OK);
    assert_int_equal(chip_out_len(&c), 19);
    assert_memory_equal(chip_out(&c) + 3, blk, 16);
    ct[5] ^= 0x40; /* padding broken: decryption failure */
    n = 0;
    tlv(in, &n, 0x61, ct, 128);
    tlv_oid(in, &n, 0x03, 0xE0FD);
    chip_fails(&c, 0x9F, 0x11, in, n, 0x2E);
    /* session secret: random with optional data into E101, encrypted by the chip from the
     * session, decrypted back: equals optional || random */
    n = 0;
    in[n++] = 0x00;
    in[n++] = 0x20;
    in[n++] = 0xE1;
    in[n++] = 0x01;
    tlv(in, &n, 0x41, (const uint8_t[]){0x03, 0x03}, 2);
    assert_int_equal(chip_cmd(&c, 0x8C, 0x01, in, n), OK);
    uint8_t expect[34] = {0x03, 0x03};
    memcpy(expect + 2, chip_out(&c), 32);
    n = 0;
    tlv_oid(in, &n, 0x02, 0xE101);
    tlv(in, &n, 0x05, (const uint8_t[]){0x41}, 1);
    tlv(in, &n, 0x06, pub, 145);
    assert_int_equal(chip_cmd(&c, 0x9E, 0x11, in, n), OK);
    assert_int_equal(chip_out_len(&c), 131);
    memcpy(ct, chip_out(&c) + 3, 128);
    n = 0;
    tlv(in, &n, 0x61, ct, 128);
    tlv_oid(in, &n, 0x03, 0xE0FD);
    assert_int_equal(chip_cmd(&c, 0x9F, 0x11, in, n), OK);
    assert_int_equal(chip_out_len(&c), 3 + 34);
    assert_memory_equal(chip_out(&c) + 3, expect, 34);
    /* decrypt into a session, then that session feeds DeriveKey */
    tlv_oid(in, &n, 0x02, 0xE103);
    assert_int_equal(chip_cmd(&c, 0x9F, 0x11, in, n), OK);
    assert_int_equal(chip_out_len(&c), 0);
    n = 0;
    tlv_oid(in, &n, 0x01, 0xE103);
    tlv(in, &n, 0x03, (const uint8_t[]){0x00, 0x20}, 2);
    tlv(in, &n, 0x02, (const uint8_t *)"label and seed..", 16);
    tlv(in, &n, 0x07, NULL, 0);
    assert_int_equal(chip_cmd(&c, 0xB4, 0x01, in, n), OK);
    uint8_t prf[32];
    assert_int_equal(mbedtls_ssl_tls_prf(MBEDTLS_SSL_TLS_PRF_SHA256, expect, 34, "label and seed..", NULL, 0, prf, 32),
                     0);
    assert_memory_equal(chip_out(&c), prf, 32);
    /* encrypt a host message with the host key */
    n = 0;
    tlv(in, &n, 0x61, blk, 16);
    tlv(in, &n, 0x05, (const uint8_t[]){0x41}, 1);
    tlv(in, &n, 0x06, pub, 145);
    assert_int_equal(chip_cmd(&c, 0x9E, 0x11, in, n), OK);
    memcpy(ct, chip_out(&c) + 3, 128);
    n = 0;
    tlv(in, &n, 0x61, ct, 128);
    tlv_oid(in, &n, 0x03, 0xE0FD);
    assert_int_equal(chip_cmd(&c, 0x9F, 0x11, in, n), OK);
    assert_memory_equal(chip_out(&c) + 3, blk, 16);
    /* key pair exported: private exponent and public key are consistent */
    assert_int_equal(chip_cmd(&c, 0xB8, 0x41, (const uint8_t[]){0x07, 0x00, 0x00}, 3), OK);
    assert_int_equal(chip_out_len(&c), 3 + 131 + 3 + 145);
    const uint8_t *o = chip_out(&c);
    assert_memory_equal(o, ((uint8_t[]){0x01, 0x00, 0x83, 0x04, 0x81, 0x80}), 6);
    assert_memory_equal(o + 134, ((uint8_t[]){0x02, 0x00, 0x91}), 3);
    mbedtls_rsa_context pr;
    mbedtls_rsa_init(&pr, MBEDTLS_RSA_PKCS_V15, 0);
    assert_int_equal(
        mbedtls_rsa_import_raw(&pr, o + 137 + 11, 128, NULL, 0, NULL, 0, o + 6, 128, o + 137 + 11 + 130, 4), 0);
    assert_int_equal(mbedtls_rsa_complete(&pr), 0);
    assert_int_equal(mbedtls_rsa_pkcs1_sign(&pr, test_rng, NULL, MBEDTLS_RSA_PRIVATE, MBEDTLS_MD_SHA256, 32, dig, sig),
                     0);
    assert_int_equal(mbedtls_rsa_pkcs1_verify(&pr, NULL, NULL, MBEDTLS_RSA_PUBLIC, MBEDTLS_MD_SHA256, 32, dig, sig), 0);
    mbedtls_rsa_free(&pr);
    /* ephemeral key in a session */
    assert_int_equal(keygen(&c, 0x41, 0xE100, 0x10), OK);
    memcpy(pub, chip_out(&c) + 3, 145);
    import_pub(pub, 145, 128, &r);
    assert_int_equal(sign(&c, 0xE100, dig), OK);
    assert_int_equal(
        mbedtls_rsa_pkcs1_verify(&r, NULL, NULL, MBEDTLS_RSA_PUBLIC, MBEDTLS_MD_SHA256, 32, dig, chip_out(&c)), 0);
    mbedtls_rsa_free(&r);
    /* errors */
    chip_fails(&c, 0xB8, 0x03, (const uint8_t[]){0x07, 0x00, 0x00}, 3, 0x03);
    n = 0;
    tlv(in, &n, 0x01, dig, 31);
    tlv_oid(in, &n, 0x03, 0xE0FC);
    chip_fails(&c, 0xB1, 0x01, in, n, 0x05);
    /* CHA LcsO < op: after LcsO op no regeneration */
    assert_int_equal(chip_set_meta(&c, 0xE0FC, (const uint8_t[]){0x20, 0x03, 0xC0, 0x01, 0x07}, 5), OK);
    assert_int_equal(keygen(&c, 0x41, 0xE0FC, 0x10), 0xFF);
    assert_int_equal(chip_err(&c), 0x07);
    chip_free(&c);
}

/* A provisioned RSA-2048 key (host PEM) and RSA-2048 generation on the datasheet clock. */
static void sim_crypto_rsa2048(void **state)
{
    (void)state;
    mbedtls_pk_context pk;
    mbedtls_pk_init(&pk);
    assert_int_equal(mbedtls_pk_setup(&pk, mbedtls_pk_info_from_type(MBEDTLS_PK_RSA)), 0);
    assert_int_equal(mbedtls_rsa_gen_key(mbedtls_pk_rsa(pk), test_rng, NULL, 2048, 65537), 0);
    static unsigned char pem[4096];
    assert_int_equal(mbedtls_pk_write_key_pem(&pk, pem, sizeof pem), 0);
    trustm_sim_provision_t p;
    memset(&p, 0, sizeof p);
    p.rsa_pem = (const char *)pem;
    chip_t c;
    chip_new(&c, TRUSTM_SIM_TIMING_DATASHEET, &p, 1);
    uint8_t dig[32];
    mbedtls_sha256_ret((const uint8_t *)"id2", 3, dig, 0);
    assert_int_equal(sign(&c, 0xE0FC, dig), OK);
    assert_int_equal(chip_out_len(&c), 256);
    assert_int_equal(mbedtls_rsa_pkcs1_verify(mbedtls_pk_rsa(pk), NULL, NULL, MBEDTLS_RSA_PUBLIC, MBEDTLS_MD_SHA256, 32,
                                              dig, chip_out(&c)),
                     0);
    mbedtls_pk_free(&pk);
    /* generation of RSA-2048 takes 2.9 s on the datasheet clock */
    uint64_t t0 = trustm_sim_now_us(c.sim);
    assert_int_equal(keygen(&c, 0x42, 0xE0FD, 0x10), OK);
    assert_true(trustm_sim_now_us(c.sim) - t0 >= 2900000u);
    assert_int_equal(chip_out_len(&c), 3 + 276);
    mbedtls_rsa_context r;
    import_pub(chip_out(&c) + 3, 276, 256, &r);
    t0 = trustm_sim_now_us(c.sim);
    assert_int_equal(sign(&c, 0xE0FD, dig), OK);
    assert_true(trustm_sim_now_us(c.sim) - t0 >= 310000u);
    assert_int_equal(
        mbedtls_rsa_pkcs1_verify(&r, NULL, NULL, MBEDTLS_RSA_PUBLIC, MBEDTLS_MD_SHA256, 32, dig, chip_out(&c)), 0);
    mbedtls_rsa_free(&r);
    /* the key survives a restart */
    uint8_t sig[256];
    memcpy(sig, chip_out(&c), 256);
    chip_reload(&c);
    assert_int_equal(sign(&c, 0xE0FD, dig), OK);
    assert_memory_equal(chip_out(&c), sig, 256); /* PKCS#1 v1.5 is deterministic */
    chip_free(&c);
}

/* VerifySign and EncryptAsym with the public key of a certificate stored in a data object. */
static void sim_crypto_cert(void **state)
{
    (void)state;
    mbedtls_pk_context pk;
    mbedtls_pk_init(&pk);
    assert_int_equal(mbedtls_pk_setup(&pk, mbedtls_pk_info_from_type(MBEDTLS_PK_RSA)), 0);
    assert_int_equal(mbedtls_rsa_gen_key(mbedtls_pk_rsa(pk), test_rng, NULL, 1024, 65537), 0);
    mbedtls_x509write_cert w;
    mbedtls_x509write_crt_init(&w);
    mbedtls_x509write_crt_set_version(&w, MBEDTLS_X509_CRT_VERSION_3);
    mbedtls_x509write_crt_set_md_alg(&w, MBEDTLS_MD_SHA256);
    mbedtls_x509write_crt_set_subject_key(&w, &pk);
    mbedtls_x509write_crt_set_issuer_key(&w, &pk);
    assert_int_equal(mbedtls_x509write_crt_set_subject_name(&w, "CN=trustm sim test"), 0);
    assert_int_equal(mbedtls_x509write_crt_set_issuer_name(&w, "CN=trustm sim test"), 0);
    mbedtls_mpi serial;
    mbedtls_mpi_init(&serial);
    assert_int_equal(mbedtls_mpi_lset(&serial, 7), 0);
    assert_int_equal(mbedtls_x509write_crt_set_serial(&w, &serial), 0);
    assert_int_equal(mbedtls_x509write_crt_set_validity(&w, "20250101000000", "20450101000000"), 0);
    assert_int_equal(
        mbedtls_x509write_crt_set_key_usage(&w, MBEDTLS_X509_KU_DIGITAL_SIGNATURE | MBEDTLS_X509_KU_KEY_ENCIPHERMENT),
        0);
    static uint8_t buf[2048];
    int len = mbedtls_x509write_crt_der(&w, buf, sizeof buf, test_rng, NULL);
    assert_true(len > 100 && len < 1300);
    const uint8_t *der = buf + sizeof buf - len;
    mbedtls_x509write_crt_free(&w);
    mbedtls_mpi_free(&serial);

    chip_t c;
    chip_new(&c, TRUSTM_SIM_TIMING_NONE, NULL, 0);
    assert_int_equal(chip_write(&c, 0x40, 0xE0E8, 0, der, (size_t)len), OK); /* type TA, EXE ALW */
    assert_int_equal(chip_write(&c, 0x40, 0xF1E0, 0, der, (size_t)len), OK); /* BSTR */
    uint8_t dig[32], sig[128], in[400];
    mbedtls_sha256_ret((const uint8_t *)"cert", 4, dig, 0);
    assert_int_equal(mbedtls_rsa_pkcs1_sign(mbedtls_pk_rsa(pk), test_rng, NULL, MBEDTLS_RSA_PRIVATE, MBEDTLS_MD_SHA256,
                                            32, dig, sig),
                     0);
    size_t n = 0;
    tlv(in, &n, 0x01, dig, 32);
    tlv(in, &n, 0x02, sig, 128);
    tlv_oid(in, &n, 0x04, 0xE0E8);
    assert_int_equal(chip_cmd(&c, 0xB2, 0x01, in, n), OK);
    in[3 + 32 + 3] ^= 0x01;
    chip_fails(&c, 0xB2, 0x01, in, n, 0x2C);
    in[3 + 32 + 3] ^= 0x01;
    in[n - 1] = 0xE0; /* F1E0: not a TA/DEVCERT object */
    in[n - 2] = 0xF1;
    chip_fails(&c, 0xB2, 0x01, in, n, 0x07);
    /* encrypt to the certificate's key; the host decrypts */
    n = 0;
    tlv(in, &n, 0x61, blk, 16);
    tlv_oid(in, &n, 0x04, 0xE0E8);
    assert_int_equal(chip_cmd(&c, 0x9E, 0x11, in, n), OK);
    assert_int_equal(chip_out_len(&c), 131);
    uint8_t plain[128];
    size_t pl;
    assert_int_equal(mbedtls_rsa_pkcs1_decrypt(mbedtls_pk_rsa(pk), test_rng, NULL, MBEDTLS_RSA_PRIVATE, &pl,
                                               chip_out(&c) + 3, plain, sizeof plain),
                     0);
    assert_int_equal(pl, 16);
    assert_memory_equal(plain, blk, 16);
    /* a broken certificate */
    uint8_t bad[600];
    memcpy(bad, der, (size_t)len);
    bad[4] ^= 0xFF;
    assert_int_equal(chip_write(&c, 0x40, 0xE0E9, 0, bad, (size_t)len), OK);
    n = 0;
    tlv(in, &n, 0x01, dig, 32);
    tlv(in, &n, 0x02, sig, 128);
    tlv_oid(in, &n, 0x04, 0xE0E9);
    chip_fails(&c, 0xB2, 0x01, in, n, 0x29);
    mbedtls_pk_free(&pk);
    chip_free(&c);
}

/* Execution times on the datasheet clock (Table 16 figures, docs/simulator.md). */
static uint64_t timed(chip_t *c, uint8_t cmd, uint8_t param, const uint8_t *in, size_t n)
{
    uint64_t t0 = trustm_sim_now_us(c->sim);
    assert_int_equal(chip_cmd(c, cmd, param, in, n), OK);
    return trustm_sim_now_us(c->sim) - t0;
}

static void expect_time(uint64_t got, uint64_t want_us)
{
    if (got < want_us || got > want_us + 20000u)
        fail_msg("took %llu us, expected %llu us (+ bus time)", (unsigned long long)got, (unsigned long long)want_us);
}

static void sim_crypto_timing(void **state)
{
    (void)state;
    chip_t c;
    new_aes_chip(&c, TRUSTM_SIM_TIMING_DATASHEET);
    uint8_t in[700];
    size_t n = 0;
    in[n++] = 0xE2;
    in[n++] = 0x00;
    tlv(in, &n, 0x01, blk, 16);
    expect_time(timed(&c, 0x94, 0x08, in, n), 28000);
    expect_time(timed(&c, 0x81, 0x00, (const uint8_t[]){0xE0, 0xC2, 0, 0, 0, 27}, 6), 1500);
    expect_time(timed(&c, 0x82, 0x00, (const uint8_t[]){0xF1, 0xD0, 0, 0, 1}, 5), 3000);
    expect_time(timed(&c, 0x8C, 0x00, (const uint8_t[]){0x00, 0x20}, 2), 1500);
    uint8_t data[300];
    memset(data, 0x42, sizeof data);
    n = 0;
    tlv(in, &n, 0x01, data, 300);
    expect_time(timed(&c, 0xB0, 0xE2, in, n), 1000 + 303u * 1000000u / 15000u);
    set_pressec(&c, 0xF1D1, secret16, 16);
    n = 0;
    in[n++] = 0xF1;
    in[n++] = 0xD1;
    tlv(in, &n, 0x01, data, 128);
    expect_time(timed(&c, 0x94, 0x20, in, n), 90000);
    expect_time(timed(&c, 0xB8, 0x41, (const uint8_t[]){0x07, 0x00, 0x00}, 3), 400000);
    chip_free(&c);
    /* no timing: commands complete at once (only bus time passes) */
    chip_new(&c, TRUSTM_SIM_TIMING_NONE, NULL, 0);
    uint64_t t = timed(&c, 0xB8, 0x41, (const uint8_t[]){0x07, 0x00, 0x00}, 3);
    assert_true(t < 20000u);
    chip_free(&c);
}

/* -------------------------------------------------------- security monitor */

static void sim_crypto_secmon(void **state)
{
    (void)state;
    chip_t c;
    new_aes_chip(&c, TRUSTM_SIM_TIMING_DATASHEET);
    assert_int_equal(sec_of(&c), 0);
    /* each secret-key use is an event; no credit after power-up: SEC counts them */
    for (int i = 0; i < 3; i++)
        assert_int_equal(sym(&c, 0x94, 0x08, 0xE200, 0x01, blk, 16, NULL), OK);
    assert_int_equal(sec_of(&c), 3);
    /* hibernate refused while SEC > 0 */
    chip_fails(&c, 0xF1, 0x01, NULL, 0, 0x0B);
    /* 5 s of powered idle time per decrement; power-off time does not count */
    trustm_sim_sleep_us(c.sim, 5100000);
    assert_int_equal(sec_of(&c), 2);
    trustm_sim_power(c.sim, false);
    trustm_sim_sleep_us(c.sim, 60000000);
    trustm_sim_power(c.sim, true);
    trustm_sim_sleep_us(c.sim, 20000);
    sim_host_init(&c.h, c.sim);
    chip_open(&c);
    assert_int_equal(sec_of(&c), 2);
    trustm_sim_sleep_us(c.sim, 10100000);
    assert_int_equal(sec_of(&c), 0);
    /* then the credit fills (max 5): five events are free, the sixth counts */
    trustm_sim_sleep_us(c.sim, 30000000);
    for (int i = 0; i < 5; i++)
        assert_int_equal(sym(&c, 0x94, 0x08, 0xE200, 0x01, blk, 16, NULL), OK);
    assert_int_equal(sec_of(&c), 0);
    assert_int_equal(sym(&c, 0x94, 0x08, 0xE200, 0x01, blk, 16, NULL), OK);
    assert_int_equal(sec_of(&c), 1);
    /* up to the throttle threshold: no delay below 128 */
    trustm_sim_stats_t st;
    for (int i = 0; i < 130; i++)
        assert_int_equal(sym(&c, 0x94, 0x08, 0xE200, 0x01, blk, 16, NULL), OK);
    uint8_t sec = sec_of(&c);
    assert_true(sec >= 128 && sec <= 131);
    uint64_t t0 = trustm_sim_now_us(c.sim);
    assert_int_equal(sym(&c, 0x94, 0x08, 0xE200, 0x01, blk, 16, NULL), OK);
    trustm_sim_stats_get(c.sim, &st);
    assert_int_equal(st.throttle_us, (uint64_t)5000000u * (uint64_t)(sec - 127u) / 128u);
    assert_true(trustm_sim_now_us(c.sim) - t0 >= st.throttle_us + 28000u);
    /* non-protected commands are not delayed */
    assert_int_equal(chip_cmd(&c, 0x8C, 0x00, (const uint8_t[]){0x00, 0x08}, 2), OK);
    trustm_sim_stats_get(c.sim, &st);
    assert_int_equal(st.throttle_us, 0);
    /* suspect behaviour (a forged hash context) sets SEC to 255: delay t_max = 5 s */
    uint8_t in[300], ctx[209];
    memset(ctx, 0x11, sizeof ctx);
    size_t n = 0;
    tlv(in, &n, 0x03, blk, 1);
    tlv(in, &n, 0x06, ctx, 209);
    chip_fails(&c, 0xB0, 0xE2, in, n, 0x05);
    assert_int_equal(sec_of(&c), 255);
    assert_int_equal(sym(&c, 0x94, 0x08, 0xE200, 0x01, blk, 16, NULL), OK);
    trustm_sim_stats_get(c.sim, &st);
    assert_int_equal(st.throttle_us, 5000000u);
    /* SEC is non-volatile */
    chip_reload(&c);
    assert_int_equal(sec_of(&c), 255);
    chip_free(&c);
}

/* ---------------------------------------------------------------- hibernate */

static void sim_crypto_hibernate(void **state)
{
    (void)state;
    chip_t c;
    chip_new(&c, TRUSTM_SIM_TIMING_NONE, NULL, 1);
    assert_int_equal(keygen(&c, 0x41, 0xE0FD, 0x02), OK);
    uint8_t pub[145];
    memcpy(pub, chip_out(&c) + 3, 145);
    /* pre-master secret into E102 */
    assert_int_equal(
        chip_cmd(&c, 0x8C, 0x04, (const uint8_t[]){0x00, 0x2E, 0xE1, 0x02, 0x41, 0x00, 0x02, 0x03, 0x03}, 9), OK);
    uint8_t in[300];
    size_t n = 0;
    tlv_oid(in, &n, 0x02, 0xE102);
    tlv(in, &n, 0x05, (const uint8_t[]){0x41}, 1);
    tlv(in, &n, 0x06, pub, 145);
    assert_int_equal(chip_cmd(&c, 0x9E, 0x11, in, n), OK);
    /* hibernate, power off, restore: the session is still there */
    assert_int_equal(chip_cmd(&c, 0xF1, 0x01, NULL, 0), OK);
    assert_int_equal(chip_out_len(&c), 8);
    uint8_t handle[8];
    memcpy(handle, chip_out(&c), 8);
    trustm_sim_power(c.sim, false);
    trustm_sim_destroy(c.sim); /* even across a process restart (state file) */
    trustm_sim_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.timing = TRUSTM_SIM_TIMING_NONE;
    cfg.state_path = c.path;
    c.sim = trustm_sim_create(&cfg, NULL, 0);
    assert_non_null(c.sim);
    trustm_sim_sleep_us(c.sim, 1000);
    sim_host_init(&c.h, c.sim);
    uint8_t rest[24] = {0xD2, 0x76, 0x00, 0x00, 0x04, 0x47, 0x65, 0x6E, 0x41, 0x75, 0x74, 0x68, 0x41, 0x70, 0x70, 0x6C};
    memcpy(rest + 16, handle, 8);
    assert_int_equal(chip_cmd(&c, 0xF0, 0x01, rest, 24), OK);
    assert_int_equal(chip_cmd(&c, 0x9E, 0x11, in, n), OK);
    assert_int_equal(chip_out_len(&c), 131);
    /* a fresh application context has empty sessions */
    chip_open(&c);
    chip_fails(&c, 0x9E, 0x11, in, n, 0x0B);
    chip_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sim_crypto_random), cmocka_unit_test(sim_crypto_hash),
        cmocka_unit_test(sim_crypto_aes),    cmocka_unit_test(sim_crypto_gen_sym_key),
        cmocka_unit_test(sim_crypto_hmac),   cmocka_unit_test(sim_crypto_derive),
        cmocka_unit_test(sim_crypto_rsa),    cmocka_unit_test(sim_crypto_rsa2048),
        cmocka_unit_test(sim_crypto_cert),   cmocka_unit_test(sim_crypto_timing),
        cmocka_unit_test(sim_crypto_secmon), cmocka_unit_test(sim_crypto_hibernate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
