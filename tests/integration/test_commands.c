/*
 * The service API against the simulator, one fresh chip per test, every result checked
 * independently on the host with mbedTLS (issue: command set, item 6):
 * data objects and metadata, random, SHA-256, AES with a provisioned key (ECB, CBC, CMAC,
 * CBC-MAC), RSA key generation + signature verified with the exported key, RSA encryption
 * decrypted on the chip, HMAC and key derivation from a PRESSEC secret (TLS 1.2 PRF, RFC 5869
 * HKDF), counters, access-condition enforcement, hibernate and restore.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <cmocka.h>

#include <mbedtls/aes.h>
#include <mbedtls/cipher.h>
#include <mbedtls/cmac.h>
#include <mbedtls/hkdf.h>
#include <mbedtls/md.h>
#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>
#include <mbedtls/sha256.h>

#include "itest.h"

static const uint8_t aes_key[16] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                                    0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f};

typedef struct fixture {
    itest_t t;
    char path[64];
} fixture_t;

/* A provisioned chip in a temp state file (AES key in E200, ID2 id in F1D0), opened. */
static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    snprintf(f->path, sizeof f->path, "/tmp/trustm-itest-XXXXXX");
    int fd = mkstemp(f->path);
    if (fd < 0)
        return -1;
    close(fd);
    trustm_sim_provision_t p;
    memset(&p, 0, sizeof p);
    p.id2_set = true;
    memcpy(p.id2, "ID2-TRUSTM01", 12);
    p.aes_key = aes_key;
    p.aes_key_len = sizeof aes_key;
    char err[256];
    if (trustm_sim_state_init_provisioned(f->path, 77, NULL, true, &p, err, sizeof err) != 0) {
        fprintf(stderr, "provision: %s\n", err);
        return -1;
    }
    trustm_sim_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.state_path = f->path;
    cfg.timing = TRUSTM_SIM_TIMING_NONE;
    cfg.seed = 5;
    f->t.sim = trustm_sim_create(&cfg, err, sizeof err);
    if (f->t.sim == NULL) {
        fprintf(stderr, "create: %s\n", err);
        return -1;
    }
    trustm_pal_sim_init(&f->t.pal, f->t.sim);
    trustm_config_t hc;
    memset(&hc, 0, sizeof hc);
    itest_host_config(&f->t, &hc);
    if (trustm_device_init(&f->t.dev, &f->t.pal, &hc) != TRUSTM_OK || trustm_device_open(&f->t.dev) != TRUSTM_OK)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    trustm_sim_destroy(f->t.sim);
    unlink(f->path);
    free(f);
    return 0;
}

#define OK(expr)                                                                                                       \
    do {                                                                                                               \
        trustm_status_t s_ = (expr);                                                                                   \
        if (s_ != TRUSTM_OK)                                                                                           \
            fail_msg("%s -> %s: %s", #expr, trustm_status_layer_str(s_), trustm_status_base_str(s_));                  \
    } while (0)

static void test_id2_and_data(void **state)
{
    fixture_t *f = *state;
    trustm_device_t *dev = &f->t.dev;
    uint8_t buf[200];
    size_t n = 0;
    OK(trustm_data_read(dev, 0xF1D0, 0, buf, sizeof buf, &n));
    assert_int_equal(n, 12);
    assert_memory_equal(buf, "ID2-TRUSTM01", 12);

    uint8_t data[140];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 7 + 1);
    OK(trustm_data_write(dev, 0xF1D2, TRUSTM_ERASE_AND_WRITE, 0, data, 100));
    OK(trustm_data_write(dev, 0xF1D2, TRUSTM_WRITE_ONLY, 100, data + 100, 40));
    OK(trustm_data_read(dev, 0xF1D2, 0, buf, sizeof buf, &n));
    assert_int_equal(n, 140);
    assert_memory_equal(buf, data, 140);
    OK(trustm_data_read(dev, 0xF1D2, 130, buf, sizeof buf, &n));
    assert_int_equal(n, 10);
    assert_memory_equal(buf, data + 130, 10);
    /* beyond the object's 140 bytes: the chip's boundary error passes up unchanged */
    assert_int_equal(trustm_data_write(dev, 0xF1D2, TRUSTM_WRITE_ONLY, 130, data, 20), TRUSTM_DEVICE_ERR(0x08));
    /* key objects can never be read */
    assert_int_equal(trustm_data_read(dev, 0xE200, 0, buf, sizeof buf, &n), TRUSTM_DEVICE_ERR(0x07));
}

static void test_metadata_and_access_conditions(void **state)
{
    fixture_t *f = *state;
    trustm_device_t *dev = &f->t.dev;
    uint8_t md[64];
    size_t n;
    OK(trustm_metadata_read(dev, 0xE0C2, md, sizeof md, &n));
    trustm_metadata_t m;
    OK(trustm_metadata_decode(md, n, &m));
    char text[512];
    size_t tl;
    OK(trustm_metadata_format(md, n, text, sizeof text, &tl));
    assert_non_null(strstr(text, "max_size: 27"));

    /* change access: NEV -> the chip refuses writes from then on */
    uint8_t set[32];
    size_t sl;
    OK(trustm_metadata_parse("change: NEV", set, sizeof set, &sl));
    OK(trustm_metadata_write(dev, 0xF1D3, set, sl));
    const uint8_t one = 0x42;
    assert_int_equal(trustm_data_write(dev, 0xF1D3, TRUSTM_WRITE_ONLY, 0, &one, 1), TRUSTM_DEVICE_ERR(0x07));
    OK(trustm_metadata_read(dev, 0xF1D3, md, sizeof md, &n));
    OK(trustm_metadata_format(md, n, text, sizeof text, &tl));
    assert_non_null(strstr(text, "change: NEV"));

    /* LcsO only moves forward: op, then back to in is refused */
    OK(trustm_metadata_parse("lcso: op", set, sizeof set, &sl));
    OK(trustm_metadata_write(dev, 0xF1D4, set, sl));
    OK(trustm_metadata_parse("lcso: in", set, sizeof set, &sl));
    assert_true(trustm_status_device_code(trustm_metadata_write(dev, 0xF1D4, set, sl)) != 0);
}

static void test_random_and_hash(void **state)
{
    fixture_t *f = *state;
    trustm_device_t *dev = &f->t.dev;
    uint8_t r1[64], r2[64];
    OK(trustm_random(dev, TRUSTM_RNG_TRNG, sizeof r1, r1, sizeof r1, NULL));
    OK(trustm_random(dev, TRUSTM_RNG_DRNG, sizeof r2, r2, sizeof r2, NULL));
    assert_memory_not_equal(r1, r2, sizeof r1);
    assert_int_not_equal(trustm_random(dev, TRUSTM_RNG_TRNG, 4, r1, 4, NULL), TRUSTM_OK); /* below 8: refused */

    static uint8_t msg[3000];
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (uint8_t)(i ^ (i >> 8));
    uint8_t chip[32], host[32];
    OK(trustm_sha256(dev, msg, sizeof msg, chip));
    mbedtls_sha256_ret(msg, sizeof msg, host, 0);
    assert_memory_equal(chip, host, 32);

    trustm_hash_ctx_t ctx;
    OK(trustm_sha256_setup(dev, &ctx));
    OK(trustm_sha256_update(dev, &ctx, msg, 1000));
    OK(trustm_sha256_update(dev, &ctx, msg + 1000, 2000));
    OK(trustm_sha256_finish(dev, &ctx, chip));
    assert_memory_equal(chip, host, 32);
}

static void test_aes_provisioned_key(void **state)
{
    fixture_t *f = *state;
    trustm_device_t *dev = &f->t.dev;
    uint8_t pt[64], ct[64], host[64], back[64];
    for (size_t i = 0; i < sizeof pt; i++)
        pt[i] = (uint8_t)(0xA0 + i);
    size_t n;
    mbedtls_aes_context aes;
    mbedtls_aes_init(&aes);
    mbedtls_aes_setkey_enc(&aes, aes_key, 128);

    OK(trustm_sym_encrypt(dev, 0xE200, TRUSTM_SYM_ECB, NULL, 0, pt, sizeof pt, ct, sizeof ct, &n));
    assert_int_equal(n, sizeof pt);
    for (size_t i = 0; i < sizeof pt; i += 16)
        mbedtls_aes_crypt_ecb(&aes, MBEDTLS_AES_ENCRYPT, pt + i, host + i);
    assert_memory_equal(ct, host, sizeof pt);
    OK(trustm_sym_decrypt(dev, 0xE200, TRUSTM_SYM_ECB, NULL, 0, ct, sizeof ct, back, sizeof back, &n));
    assert_memory_equal(back, pt, sizeof pt);

    uint8_t iv[16], iv2[16];
    for (size_t i = 0; i < 16; i++)
        iv[i] = (uint8_t)(0x10 * i);
    OK(trustm_sym_encrypt(dev, 0xE200, TRUSTM_SYM_CBC, iv, 16, pt, sizeof pt, ct, sizeof ct, &n));
    memcpy(iv2, iv, 16);
    mbedtls_aes_crypt_cbc(&aes, MBEDTLS_AES_ENCRYPT, sizeof pt, iv2, pt, host);
    assert_memory_equal(ct, host, sizeof pt);

    uint8_t mac[16], hmac_ref[16];
    OK(trustm_sym_encrypt(dev, 0xE200, TRUSTM_SYM_CMAC, NULL, 0, pt, 37, mac, sizeof mac, &n));
    assert_int_equal(n, 16);
    mbedtls_cipher_cmac(mbedtls_cipher_info_from_type(MBEDTLS_CIPHER_AES_128_ECB), aes_key, 128, pt, 37, hmac_ref);
    assert_memory_equal(mac, hmac_ref, 16);

    /* CBC-MAC (ISO 9797-1 algorithm 1) = last block of CBC with a zero IV */
    OK(trustm_sym_encrypt(dev, 0xE200, TRUSTM_SYM_CBC_MAC, NULL, 0, pt, sizeof pt, mac, sizeof mac, &n));
    memset(iv2, 0, 16);
    mbedtls_aes_crypt_cbc(&aes, MBEDTLS_AES_ENCRYPT, sizeof pt, iv2, pt, host);
    assert_memory_equal(mac, host + sizeof pt - 16, 16);
    mbedtls_aes_free(&aes);
}

static int rng_host(void *p, unsigned char *out, size_t len)
{
    (void)p;
    for (size_t i = 0; i < len; i++)
        out[i] = (unsigned char)(rand() & 0xFF);
    return 0;
}

/* Import the chip's DER BIT STRING public key into an mbedTLS RSA context. */
static void import_pub(const uint8_t *pub, size_t len, mbedtls_rsa_context *rsa)
{
    trustm_rsa_pubkey_t pk;
    OK(trustm_rsa_pubkey_decode(pub, len, &pk));
    mbedtls_rsa_init(rsa, MBEDTLS_RSA_PKCS_V15, 0);
    assert_int_equal(mbedtls_rsa_import_raw(rsa, pk.modulus, pk.modulus_len, NULL, 0, NULL, 0, NULL, 0, pk.exponent,
                                            pk.exponent_len),
                     0);
    assert_int_equal(mbedtls_rsa_complete(rsa), 0);
}

static void test_rsa_keygen_sign_encrypt(void **state)
{
    fixture_t *f = *state;
    trustm_device_t *dev = &f->t.dev;
    uint8_t pub[TRUSTM_RSA_PUBKEY_MAX];
    size_t pub_len;
    OK(trustm_rsa_keygen(dev, 0xE0FD, TRUSTM_RSA1024, 0x12 /* Sign|Enc */, pub, sizeof pub, &pub_len));
    mbedtls_rsa_context rsa;
    import_pub(pub, pub_len, &rsa);
    assert_int_equal(mbedtls_rsa_get_len(&rsa), 128);

    uint8_t digest[32], sig[256];
    mbedtls_sha256_ret((const uint8_t *)"trustm", 6, digest, 0);
    size_t sig_len;
    OK(trustm_rsa_sign(dev, 0xE0FD, TRUSTM_RSA_PKCS1_SHA256, digest, 32, sig, sizeof sig, &sig_len));
    assert_int_equal(sig_len, 128);
    assert_int_equal(mbedtls_rsa_pkcs1_verify(&rsa, NULL, NULL, MBEDTLS_RSA_PUBLIC, MBEDTLS_MD_SHA256, 32, digest, sig),
                     0);
    /* the chip verifies its own signature with the exported key, and rejects a bad one */
    OK(trustm_rsa_verify(dev, pub, pub_len, TRUSTM_RSA1024, TRUSTM_RSA_PKCS1_SHA256, digest, 32, sig, sig_len));
    sig[5] ^= 1;
    assert_int_equal(
        trustm_rsa_verify(dev, pub, pub_len, TRUSTM_RSA1024, TRUSTM_RSA_PKCS1_SHA256, digest, 32, sig, sig_len),
        TRUSTM_DEVICE_ERR(0x2C));

    /* host encrypts with the exported key, the chip decrypts */
    uint8_t ct[128], pt[128];
    assert_int_equal(mbedtls_rsa_pkcs1_encrypt(&rsa, rng_host, NULL, MBEDTLS_RSA_PUBLIC, 20,
                                               (const uint8_t *)"secret message 12345", ct),
                     0);
    size_t n;
    OK(trustm_rsa_decrypt(dev, 0xE0FD, ct, sizeof ct, pt, sizeof pt, &n));
    assert_int_equal(n, 20);
    assert_memory_equal(pt, "secret message 12345", 20);
    mbedtls_rsa_free(&rsa);
}

static void test_hmac_and_derive_from_pressec(void **state)
{
    fixture_t *f = *state;
    trustm_device_t *dev = &f->t.dev;
    uint8_t secret[32];
    for (size_t i = 0; i < sizeof secret; i++)
        secret[i] = (uint8_t)(0x30 + i);
    OK(trustm_data_write(dev, 0xF1D5, TRUSTM_ERASE_AND_WRITE, 0, secret, sizeof secret));
    uint8_t md[32];
    size_t ml;
    OK(trustm_metadata_parse("type: PRESSEC; execute: ALW", md, sizeof md, &ml)); /* shipped EXE: NEV */
    OK(trustm_metadata_write(dev, 0xF1D5, md, ml));

    const uint8_t msg[] = "message authenticated by the chip";
    uint8_t mac[64], ref[64];
    size_t n;
    OK(trustm_hmac(dev, 0xF1D5, TRUSTM_HMAC_SHA256, msg, sizeof msg - 1, mac, sizeof mac, &n));
    assert_int_equal(n, 32);
    mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), secret, sizeof secret, msg, sizeof msg - 1, ref);
    assert_memory_equal(mac, ref, 32);

    /* HKDF-SHA256 (RFC 5869) with salt and info */
    const uint8_t salt[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13};
    const uint8_t info[] = {0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9};
    uint8_t okm[42], okm_ref[42];
    OK(trustm_hkdf(dev, 0xF1D5, 0, TRUSTM_HKDF_SHA256, sizeof okm, salt, sizeof salt, info, sizeof info, okm,
                   sizeof okm, NULL));
    assert_int_equal(mbedtls_hkdf(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), salt, sizeof salt, secret,
                                  sizeof secret, info, sizeof info, okm_ref, sizeof okm_ref),
                     0);
    assert_memory_equal(okm, okm_ref, sizeof okm);

    /* TLS 1.2 PRF-SHA256 computed here with HMAC: P_SHA256(secret, label || seed) */
    const uint8_t label[] = "key expansion";
    const uint8_t seed[] = {0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF, 0x00, 0x11};
    uint8_t prf[40];
    OK(trustm_tls_prf(dev, 0xF1D5, 0, TRUSTM_PRF_SHA256, sizeof prf, label, sizeof label - 1, seed, sizeof seed, prf,
                      sizeof prf, NULL));
    uint8_t ls[64], a[32], block[32 + 64], out[64];
    size_t ls_len = sizeof label - 1 + sizeof seed;
    memcpy(ls, label, sizeof label - 1);
    memcpy(ls + sizeof label - 1, seed, sizeof seed);
    const mbedtls_md_info_t *sha = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    mbedtls_md_hmac(sha, secret, sizeof secret, ls, ls_len, a); /* A(1) */
    for (size_t off = 0; off < sizeof prf; off += 32) {
        memcpy(block, a, 32);
        memcpy(block + 32, ls, ls_len);
        mbedtls_md_hmac(sha, secret, sizeof secret, block, 32 + ls_len, out + off);
        mbedtls_md_hmac(sha, secret, sizeof secret, a, 32, a);
    }
    assert_memory_equal(prf, out, sizeof prf);
}

static void test_counter(void **state)
{
    fixture_t *f = *state;
    trustm_device_t *dev = &f->t.dev;
    OK(trustm_counter_set(dev, 0xE120, 0, 3));
    OK(trustm_counter_increment(dev, 0xE120, 2));
    uint32_t v, th;
    OK(trustm_counter_read(dev, 0xE120, &v, &th));
    assert_int_equal(v, 2);
    assert_int_equal(th, 3);
    OK(trustm_counter_increment(dev, 0xE120, 1));
    assert_int_equal(trustm_counter_increment(dev, 0xE120, 1), TRUSTM_DEVICE_ERR(0x0E));
}

static void test_hibernate_restore(void **state)
{
    fixture_t *f = *state;
    trustm_device_t *dev = &f->t.dev;
    uint8_t sec = 0xFF;
    OK(trustm_sec_wait_zero(dev, 60u * 1000000u, 100000u, &sec));
    assert_int_equal(sec, 0);
    uint8_t handle[TRUSTM_CONTEXT_HANDLE_SIZE];
    OK(trustm_device_hibernate(dev, handle));
    /* power off and on: the chip's volatile state is gone, the saved context is not */
    trustm_sim_power(f->t.sim, false);
    trustm_sim_sleep_us(f->t.sim, 5000);
    trustm_sim_power(f->t.sim, true);
    OK(trustm_device_open_restore(dev, handle));
    uint8_t uid[27];
    size_t n;
    OK(trustm_data_read(dev, 0xE0C2, 0, uid, sizeof uid, &n));
    /* the context is valid once */
    assert_int_not_equal(trustm_device_open_restore(dev, handle), TRUSTM_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_id2_and_data, setup, teardown),
        cmocka_unit_test_setup_teardown(test_metadata_and_access_conditions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_and_hash, setup, teardown),
        cmocka_unit_test_setup_teardown(test_aes_provisioned_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rsa_keygen_sign_encrypt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hmac_and_derive_from_pressec, setup, teardown),
        cmocka_unit_test_setup_teardown(test_counter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hibernate_restore, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
