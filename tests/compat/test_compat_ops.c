/*
 * Operations of the vendor API on the simulator (fresh chip per test, AES key and a known data
 * layout provisioned), each result checked on the host with mbedTLS where it is computable.
 * Built twice: synchronous execution (compat_ops) and deferred execution driven by
 * trustm_compat_event_process (compat_ops_deferred, -DCOMPAT_DEFERRED).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <mbedtls/hkdf.h>
#include <mbedtls/md.h>
#include <mbedtls/ssl_internal.h>

#include "compat_check.h"
#include "compat_platform.h"
#include "compat_vt.h"
#include "optiga/pal/pal_os_timer.h"
#include "optiga/trustm_compat.h"

static const uint8_t aes_key[16] = {0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6,
                                    0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c};
static const uint8_t id2[12] = {0x00, 0x65, 0xE2, 0x29, 0xBB, 0x5F, 0x6F, 0x8B, 0x41, 0xBD, 0xF5, 0x00};

typedef struct fx {
    optiga_util_t *u;
    optiga_crypt_t *c;
    uint8_t uid[COMPAT_UID_SIZE];
} fx_t;

static fx_t F;

static int setup(void **state)
{
    (void)state;
    memset(&F, 0, sizeof F);
    compat_platform_opts_t o = {aes_key, sizeof aes_key, id2, NULL};
    if (compat_platform_up(&o, F.uid) != 0)
        return -1;
#ifdef COMPAT_DEFERRED
    vt_deferred = 1;
    if (trustm_compat_set_deferred(1) != OPTIGA_LIB_SUCCESS)
        return -1;
#endif
    F.u = optiga_util_create(OPTIGA_INSTANCE_ID_0, vt_callback, &vt_ctx_token);
    F.c = optiga_crypt_create(OPTIGA_INSTANCE_ID_0, vt_callback, &vt_ctx_token);
    if (F.u == NULL || F.c == NULL)
        return -1;
    return VT(optiga_util_open_application(F.u, 0)) == OPTIGA_LIB_SUCCESS ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    compat_platform_down();
    return 0;
}

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(seed + 7u * i);
}

/* ------------------------------------------------------------------ util */

static void test_read_id2_like_the_adapter(void **state)
{
    (void)state;
    uint8_t buf[64];
    uint16_t len = sizeof buf;
    assert_int_equal(VT(optiga_util_read_data(F.u, 0xF1D0, 0, buf, &len)), OPTIGA_LIB_SUCCESS);
    assert_int_equal(len, sizeof id2);
    assert_memory_equal(buf, id2, sizeof id2);
    /* reading with an offset */
    len = sizeof buf;
    assert_int_equal(VT(optiga_util_read_data(F.u, 0xF1D0, 4, buf, &len)), OPTIGA_LIB_SUCCESS);
    assert_int_equal(len, 8);
    assert_memory_equal(buf, id2 + 4, 8);
}

static void test_write_read_and_chip_errors(void **state)
{
    (void)state;
    uint8_t data[200], back[256];
    fill(data, sizeof data, 3);
    assert_int_equal(VT(optiga_util_write_data(F.u, 0xF1D1, OPTIGA_UTIL_ERASE_AND_WRITE, 0, data, 100)),
                     OPTIGA_LIB_SUCCESS);
    assert_int_equal(VT(optiga_util_write_data(F.u, 0xF1D1, OPTIGA_UTIL_WRITE_ONLY, 100, data + 100, 40)),
                     OPTIGA_LIB_SUCCESS);
    uint16_t len = sizeof back;
    assert_int_equal(VT(optiga_util_read_data(F.u, 0xF1D1, 0, back, &len)), OPTIGA_LIB_SUCCESS);
    assert_int_equal(len, 140);
    assert_memory_equal(back, data, 140);
    /* beyond the object's 140 bytes: the chip's "boundary exceeded" as 0x8008 */
    assert_int_equal(VT(optiga_util_write_data(F.u, 0xF1D1, OPTIGA_UTIL_WRITE_ONLY, 100, data, 100)), 0x8008);
    /* unknown object: "invalid OID", output length set to 0 */
    len = sizeof back;
    assert_int_equal(VT(optiga_util_read_data(F.u, 0x1234, 0, back, &len)), 0x8001);
    assert_int_equal(len, 0);
}

static void test_metadata_read_write(void **state)
{
    (void)state;
    uint8_t md[64];
    uint16_t len = sizeof md;
    assert_int_equal(VT(optiga_util_read_metadata(F.u, 0xF1D2, md, &len)), OPTIGA_LIB_SUCCESS);
    assert_true(len >= 2);
    assert_int_equal(md[0], 0x20);
    assert_int_equal(md[1], len - 2);
    /* set the read access condition to NEV, then reading fails with "access conditions" */
    static const uint8_t nev[] = {0x20, 0x03, 0xD1, 0x01, 0xFF};
    assert_int_equal(VT(optiga_util_write_metadata(F.u, 0xF1D2, nev, sizeof nev)), OPTIGA_LIB_SUCCESS);
    uint8_t b[8];
    uint16_t bl = sizeof b;
    assert_int_equal(VT(optiga_util_read_data(F.u, 0xF1D2, 0, b, &bl)), 0x8007);
}

static void test_update_count(void **state)
{
    (void)state;
    static const uint8_t init[8] = {0, 0, 0, 0, 0, 0, 0, 10}; /* value 0, threshold 10 */
    assert_int_equal(VT(optiga_util_write_data(F.u, 0xE120, OPTIGA_UTIL_ERASE_AND_WRITE, 0, init, sizeof init)),
                     OPTIGA_LIB_SUCCESS);
    assert_int_equal(VT(optiga_util_update_count(F.u, 0xE120, 4)), OPTIGA_LIB_SUCCESS);
    assert_int_equal(VT(optiga_util_update_count(F.u, 0xE120, 3)), OPTIGA_LIB_SUCCESS);
    uint8_t b[8];
    uint16_t len = sizeof b;
    assert_int_equal(VT(optiga_util_read_data(F.u, 0xE120, 0, b, &len)), OPTIGA_LIB_SUCCESS);
    assert_int_equal(len, 8);
    assert_int_equal(b[3], 7);
    /* reaching the threshold freezes the counter at it; the next count fails with 0x800E */
    assert_int_equal(VT(optiga_util_update_count(F.u, 0xE120, 5)), OPTIGA_LIB_SUCCESS);
    len = sizeof b;
    assert_int_equal(VT(optiga_util_read_data(F.u, 0xE120, 0, b, &len)), OPTIGA_LIB_SUCCESS);
    assert_int_equal(b[3], 10);
    assert_int_equal(VT(optiga_util_update_count(F.u, 0xE120, 1)), 0x800E);
}

static void test_hibernate_and_restore(void **state)
{
    (void)state;
    /* restore without a saved context: nothing sent, OPTIGA_CMD_ERROR */
    optiga_util_t *u2 = optiga_util_create(OPTIGA_INSTANCE_ID_0, vt_callback, &vt_ctx_token);
    assert_non_null(u2);
    assert_int_equal(VT(optiga_util_open_application(u2, 1)), OPTIGA_CMD_ERROR);
    /* pre-master secret in a session, hibernate, restore: the session is still usable */
    assert_int_equal(VT(optiga_crypt_rsa_generate_pre_master_secret(F.c, NULL, 0, 48)), OPTIGA_LIB_SUCCESS);
    assert_int_equal(VT(optiga_util_close_application(F.u, 1)), OPTIGA_LIB_SUCCESS);
    uint8_t b[32];
    uint16_t len = sizeof b;
    /* application closed: a device error (the Last Error Code cannot be read either) */
    assert_int_equal(VT(optiga_util_read_data(F.u, 0xE0C2, 0, b, &len)) & 0xFF00u, OPTIGA_DEVICE_ERROR);
    assert_int_equal(VT(optiga_util_open_application(F.u, 1)), OPTIGA_LIB_SUCCESS);
    static const uint8_t label[] = "master secret";
    uint8_t seed[32], out[48];
    fill(seed, sizeof seed, 1);
    assert_int_equal(VT(optiga_crypt_tls_prf_sha256(F.c, 0x0000, label, sizeof label - 1u, seed, sizeof seed,
                                                    sizeof out, TRUE, out)),
                     OPTIGA_LIB_SUCCESS);
    /* the handle is valid once */
    assert_int_equal(VT(optiga_util_close_application(F.u, 0)), OPTIGA_LIB_SUCCESS);
    assert_int_equal(VT(optiga_util_open_application(F.u, 1)), OPTIGA_CMD_ERROR);
}

static void test_protected_update_sequence_rules(void **state)
{
    (void)state;
    static const uint8_t not_a_manifest[] = {0x84, 0x43, 0xA1, 0x01, 0x26};
    /* the chip rejects a malformed manifest: a device error, and the lock is released */
    optiga_lib_status_t st = VT(optiga_util_protected_update_start(F.u, 0x01, not_a_manifest, sizeof not_a_manifest));
    assert_int_equal(st & 0xFF00u, OPTIGA_DEVICE_ERROR);
    assert_int_equal(VT(optiga_util_protected_update_final(F.u, NULL, 0)), OPTIGA_CMD_ERROR_INVALID_INPUT);
    /* other instances are not blocked afterwards */
    uint8_t r[16];
    assert_int_equal(VT(optiga_crypt_random(F.c, OPTIGA_RNG_TYPE_TRNG, r, sizeof r)), OPTIGA_LIB_SUCCESS);
}

static void test_timer_uses_the_bound_clock(void **state)
{
    (void)state;
    uint64_t t0 = compat_platform_now_us();
    uint32_t m0 = pal_os_timer_get_time_in_milliseconds();
    pal_os_timer_delay_in_milliseconds(500);
    assert_true(compat_platform_now_us() - t0 >= 500000u);
    assert_true(pal_os_timer_get_time_in_milliseconds() - m0 >= 500u);
    assert_true(pal_os_timer_get_time_in_microseconds() >= 500000u);
}

/* ------------------------------------------------------------------ random, hash */

static void test_random(void **state)
{
    (void)state;
    uint8_t a[64], b[64], zero[64];
    memset(a, 0, sizeof a);
    memset(b, 0, sizeof b);
    memset(zero, 0, sizeof zero);
    assert_int_equal(VT(optiga_crypt_random(F.c, OPTIGA_RNG_TYPE_TRNG, a, sizeof a)), OPTIGA_LIB_SUCCESS);
    assert_int_equal(VT(optiga_crypt_random(F.c, OPTIGA_RNG_TYPE_DRNG, b, sizeof b)), OPTIGA_LIB_SUCCESS);
    assert_memory_not_equal(a, zero, sizeof a);
    assert_memory_not_equal(a, b, sizeof a);
    /* below the chip's minimum of 8 bytes: sent as the vendor library sends it, and the chip's
     * answer (invalid data, Last Error Code 0x05) comes back through the callback */
    assert_int_equal(VT(optiga_crypt_random(F.c, OPTIGA_RNG_TYPE_TRNG, a, 7)), 0x8005);
    assert_int_equal(VT(optiga_crypt_random(F.c, OPTIGA_RNG_TYPE_TRNG, a, 257)), 0x8005);
    /* and the next request works */
    assert_int_equal(VT(optiga_crypt_random(F.c, OPTIGA_RNG_TYPE_TRNG, a, 8)), OPTIGA_LIB_SUCCESS);
}

static void test_hash_host_oid_and_streaming(void **state)
{
    (void)state;
    static uint8_t msg[3000];
    uint8_t d[32], want[32];
    fill(msg, sizeof msg, 9);
    hash_data_from_host_t h = {msg, sizeof msg};
    assert_int_equal(VT(optiga_crypt_hash(F.c, OPTIGA_HASH_TYPE_SHA_256, OPTIGA_CRYPT_HOST_DATA, &h, d)),
                     OPTIGA_LIB_SUCCESS);
    check_sha256(msg, sizeof msg, want);
    assert_memory_equal(d, want, 32);

    /* data in the chip: SHA-256 of the UID */
    hash_data_in_optiga_t o = {0xE0C2, 0, COMPAT_UID_SIZE};
    assert_int_equal(VT(optiga_crypt_hash(F.c, OPTIGA_HASH_TYPE_SHA_256, OPTIGA_CRYPT_OID_DATA, &o, d)),
                     OPTIGA_LIB_SUCCESS);
    check_sha256(F.uid, COMPAT_UID_SIZE, want);
    assert_memory_equal(d, want, 32);

    /* start / update / update / finalize with the context kept by the application */
    uint8_t ctx_buf[OPTIGA_HASH_CONTEXT_LENGTH_SHA_256];
    optiga_hash_context_t ctx = {ctx_buf, sizeof ctx_buf, OPTIGA_HASH_TYPE_SHA_256};
    hash_data_from_host_t p1 = {msg, 1000}, p2 = {msg + 1000, 2000};
    assert_int_equal(VT(optiga_crypt_hash_start(F.c, &ctx)), OPTIGA_LIB_SUCCESS);
    assert_int_equal(VT(optiga_crypt_hash_update(F.c, &ctx, OPTIGA_CRYPT_HOST_DATA, &p1)), OPTIGA_LIB_SUCCESS);
    assert_int_equal(VT(optiga_crypt_hash_update(F.c, &ctx, OPTIGA_CRYPT_HOST_DATA, &p2)), OPTIGA_LIB_SUCCESS);
    assert_int_equal(VT(optiga_crypt_hash_finalize(F.c, &ctx, d)), OPTIGA_LIB_SUCCESS);
    check_sha256(msg, sizeof msg, want);
    assert_memory_equal(d, want, 32);
    /* streaming from a chip object is not provided by trustm: a clear layer error */
    assert_int_equal(VT(optiga_crypt_hash_update(F.c, &ctx, OPTIGA_CRYPT_OID_DATA, &o)), OPTIGA_CRYPT_ERROR);
    /* context buffer too small: rejected up front */
    optiga_hash_context_t small = {ctx_buf, 100, OPTIGA_HASH_TYPE_SHA_256};
    assert_int_equal(VT(optiga_crypt_hash_start(F.c, &small)), OPTIGA_CRYPT_ERROR_INVALID_INPUT);
}

/* ------------------------------------------------------------------ symmetric */

static void test_aes_modes_match_host(void **state)
{
    (void)state;
    uint8_t pt[64], ct[64], want[64], iv[16], back[64];
    fill(pt, sizeof pt, 0x11);
    fill(iv, sizeof iv, 0x55);
    uint32_t len = sizeof ct;
    assert_int_equal(VT(optiga_crypt_symmetric_encrypt(F.c, OPTIGA_SYMMETRIC_CBC, OPTIGA_KEY_ID_SECRET_BASED, pt,
                                                       sizeof pt, iv, sizeof iv, NULL, 0, ct, &len)),
                     OPTIGA_LIB_SUCCESS);
    assert_int_equal(check_aes_cbc(aes_key, sizeof aes_key, iv, pt, sizeof pt, want), 0);
    assert_int_equal(len, sizeof pt);
    assert_memory_equal(ct, want, sizeof want);

    len = sizeof back;
    assert_int_equal(VT(optiga_crypt_symmetric_decrypt(F.c, OPTIGA_SYMMETRIC_CBC, OPTIGA_KEY_ID_SECRET_BASED, ct,
                                                       sizeof ct, iv, sizeof iv, NULL, 0, back, &len)),
                     OPTIGA_LIB_SUCCESS);
    assert_memory_equal(back, pt, sizeof pt);

    /* ECB decrypt of the host's ECB ciphertext */
    assert_int_equal(check_aes_ecb(aes_key, sizeof aes_key, pt, 32, want), 0);
    len = sizeof back;
    assert_int_equal(VT(optiga_crypt_symmetric_decrypt_ecb(F.c, OPTIGA_KEY_ID_SECRET_BASED, want, 32, back, &len)),
                     OPTIGA_LIB_SUCCESS);
    assert_int_equal(len, 32);
    assert_memory_equal(back, pt, 32);

    /* CMAC of 37 bytes (not a block multiple) */
    uint8_t mac[16], wmac[16];
    len = sizeof mac;
    assert_int_equal(VT(optiga_crypt_symmetric_encrypt(F.c, OPTIGA_SYMMETRIC_CMAC, OPTIGA_KEY_ID_SECRET_BASED, pt, 37,
                                                       NULL, 0, NULL, 0, mac, &len)),
                     OPTIGA_LIB_SUCCESS);
    assert_int_equal(check_aes_cmac(aes_key, sizeof aes_key, pt, 37, wmac), 0);
    assert_int_equal(len, 16);
    assert_memory_equal(mac, wmac, 16);

    /* output buffer too small: 0x0204, length 0 */
    len = 16;
    assert_int_equal(VT(optiga_crypt_symmetric_encrypt_ecb(F.c, OPTIGA_KEY_ID_SECRET_BASED, pt, 32, ct, &len)),
                     OPTIGA_CMD_ERROR_MEMORY_INSUFFICIENT);
    assert_int_equal(len, 0);
}

static void test_aes_start_continue_final_and_lock(void **state)
{
    (void)state;
    uint8_t pt[96], ct[96], want[96], iv[16];
    fill(pt, sizeof pt, 0x21);
    fill(iv, sizeof iv, 0x31);
    assert_int_equal(check_aes_cbc(aes_key, sizeof aes_key, iv, pt, sizeof pt, want), 0);
    uint32_t l1 = 32, l2 = 32, l3 = 32;
    assert_int_equal(VT(optiga_crypt_symmetric_encrypt_start(F.c, OPTIGA_SYMMETRIC_CBC, OPTIGA_KEY_ID_SECRET_BASED, pt,
                                                             32, iv, sizeof iv, NULL, 0, sizeof pt, ct, &l1)),
                     OPTIGA_LIB_SUCCESS);
    /* another instance must wait while the sequence holds the chip */
    optiga_crypt_t *other = optiga_crypt_create(OPTIGA_INSTANCE_ID_0, vt_callback, &vt_ctx_token);
    assert_non_null(other);
    uint8_t r[8];
    assert_int_equal(VT(optiga_crypt_random(other, OPTIGA_RNG_TYPE_TRNG, r, sizeof r)), OPTIGA_CMD_ERROR);
    assert_int_equal(VT(optiga_crypt_symmetric_encrypt_continue(F.c, pt + 32, 32, ct + 32, &l2)), OPTIGA_LIB_SUCCESS);
    assert_int_equal(VT(optiga_crypt_symmetric_encrypt_final(F.c, pt + 64, 32, ct + 64, &l3)), OPTIGA_LIB_SUCCESS);
    assert_int_equal(l1 + l2 + l3, sizeof pt);
    assert_memory_equal(ct, want, sizeof want);
    /* lock released by final */
    assert_int_equal(VT(optiga_crypt_random(other, OPTIGA_RNG_TYPE_TRNG, r, sizeof r)), OPTIGA_LIB_SUCCESS);
    /* final again: no sequence open */
    assert_int_equal(VT(optiga_crypt_symmetric_encrypt_final(F.c, pt, 16, ct, &l3)), OPTIGA_CMD_ERROR_INVALID_INPUT);

    /* CBC-MAC streamed with NULL outputs until final equals the last CBC block with zero IV */
    uint8_t zero_iv[16], mac[16];
    memset(zero_iv, 0, sizeof zero_iv);
    assert_int_equal(check_aes_cbc(aes_key, sizeof aes_key, zero_iv, pt, 64, want), 0);
    uint32_t ml = sizeof mac;
    assert_int_equal(VT(optiga_crypt_symmetric_encrypt_start(F.c, OPTIGA_SYMMETRIC_CBC_MAC, OPTIGA_KEY_ID_SECRET_BASED,
                                                             pt, 32, NULL, 0, NULL, 0, 64, NULL, NULL)),
                     OPTIGA_LIB_SUCCESS);
    assert_int_equal(VT(optiga_crypt_symmetric_encrypt_final(F.c, pt + 32, 32, mac, &ml)), OPTIGA_LIB_SUCCESS);
    assert_int_equal(ml, 16);
    assert_memory_equal(mac, want + 48, 16);

    /* decrypt final while an encrypt sequence is open: error, and the sequence is abandoned */
    assert_int_equal(VT(optiga_crypt_symmetric_encrypt_start(F.c, OPTIGA_SYMMETRIC_ECB, OPTIGA_KEY_ID_SECRET_BASED, pt,
                                                             16, NULL, 0, NULL, 0, 32, ct, &l1)),
                     OPTIGA_LIB_SUCCESS);
    assert_int_equal(VT(optiga_crypt_symmetric_decrypt_final(F.c, ct, 16, pt, &l1)), OPTIGA_CMD_ERROR_INVALID_INPUT);
    assert_int_equal(VT(optiga_crypt_random(other, OPTIGA_RNG_TYPE_TRNG, r, sizeof r)), OPTIGA_LIB_SUCCESS);
}

static void test_symmetric_generate_key(void **state)
{
    (void)state;
    uint8_t k1[32], k2[32], zero[32];
    memset(zero, 0, sizeof zero);
    assert_int_equal(VT(optiga_crypt_symmetric_generate_key(F.c, OPTIGA_SYMMETRIC_AES_256,
                                                            (uint8_t)OPTIGA_KEY_USAGE_ENCRYPTION, TRUE, k1)),
                     OPTIGA_LIB_SUCCESS);
    assert_int_equal(VT(optiga_crypt_symmetric_generate_key(F.c, OPTIGA_SYMMETRIC_AES_256,
                                                            (uint8_t)OPTIGA_KEY_USAGE_ENCRYPTION, TRUE, k2)),
                     OPTIGA_LIB_SUCCESS);
    assert_memory_not_equal(k1, zero, 32);
    assert_memory_not_equal(k1, k2, 32);
    /* E200 ships with CHA = NEV: key generation into it is refused ... */
    optiga_key_id_t key = OPTIGA_KEY_ID_SECRET_BASED;
    assert_int_equal(VT(optiga_crypt_symmetric_generate_key(F.c, OPTIGA_SYMMETRIC_AES_128,
                                                            (uint8_t)OPTIGA_KEY_USAGE_ENCRYPTION, FALSE, &key)),
                     0x8007);
    /* ... until the metadata allow it (CHA = ALW, EXE = ALW), as the vendor examples do */
    static const uint8_t md[] = {0x20, 0x06, 0xD0, 0x01, 0x00, 0xD3, 0x01, 0x00};
    assert_int_equal(VT(optiga_util_write_metadata(F.u, 0xE200, md, sizeof md)), OPTIGA_LIB_SUCCESS);
    assert_int_equal(VT(optiga_crypt_symmetric_generate_key(F.c, OPTIGA_SYMMETRIC_AES_128,
                                                            (uint8_t)OPTIGA_KEY_USAGE_ENCRYPTION, FALSE, &key)),
                     OPTIGA_LIB_SUCCESS);
    /* the provisioned key was replaced: ECB no longer matches it, and decrypts back */
    uint8_t pt[16], ct[16], back[16], old[16];
    fill(pt, sizeof pt, 4);
    assert_int_equal(check_aes_ecb(aes_key, sizeof aes_key, pt, 16, old), 0);
    uint32_t len = sizeof ct;
    assert_int_equal(VT(optiga_crypt_symmetric_encrypt_ecb(F.c, OPTIGA_KEY_ID_SECRET_BASED, pt, 16, ct, &len)),
                     OPTIGA_LIB_SUCCESS);
    assert_memory_not_equal(ct, old, 16);
    len = sizeof back;
    assert_int_equal(VT(optiga_crypt_symmetric_decrypt_ecb(F.c, OPTIGA_KEY_ID_SECRET_BASED, ct, 16, back, &len)),
                     OPTIGA_LIB_SUCCESS);
    assert_memory_equal(back, pt, 16);
}

/* ------------------------------------------------------------------ RSA */

static void test_rsa_sign_verify_encrypt_decrypt(void **state)
{
    (void)state;
    uint8_t pub[300], sig[128], digest[32];
    uint16_t pub_len = sizeof pub, sig_len = sizeof sig;
    optiga_key_id_t key = OPTIGA_KEY_ID_E0FD;
    assert_int_equal(VT(optiga_crypt_rsa_generate_keypair(
                         F.c, OPTIGA_RSA_KEY_1024_BIT_EXPONENTIAL,
                         (uint8_t)(OPTIGA_KEY_USAGE_SIGN | OPTIGA_KEY_USAGE_ENCRYPTION), FALSE, &key, pub, &pub_len)),
                     OPTIGA_LIB_SUCCESS);
    fill(digest, sizeof digest, 0x77);
    assert_int_equal(VT(optiga_crypt_rsa_sign(F.c, OPTIGA_RSASSA_PKCS1_V15_SHA256, digest, sizeof digest,
                                              OPTIGA_KEY_ID_E0FD, sig, &sig_len, 0)),
                     OPTIGA_LIB_SUCCESS);
    assert_int_equal(check_rsa_verify(pub, pub_len, digest, sig, sig_len), 0);

    /* verification on the chip with the host public key */
    public_key_from_host_t pk = {pub, pub_len, (uint8_t)OPTIGA_RSA_KEY_1024_BIT_EXPONENTIAL};
    assert_int_equal(VT(optiga_crypt_rsa_verify(F.c, OPTIGA_RSASSA_PKCS1_V15_SHA256, digest, sizeof digest, sig,
                                                sig_len, OPTIGA_CRYPT_HOST_DATA, &pk, 0)),
                     OPTIGA_LIB_SUCCESS);
    sig[0] ^= 0x80u;
    assert_int_equal(VT(optiga_crypt_rsa_verify(F.c, OPTIGA_RSASSA_PKCS1_V15_SHA256, digest, sizeof digest, sig,
                                                sig_len, OPTIGA_CRYPT_HOST_DATA, &pk, 0)),
                     0x802C);

    /* public key taken from a data object: the object must hold a certificate; one that does
     * not is refused by the chip (the OID is passed by pointer, as in the vendor API) */
    static const uint8_t not_a_cert[16] = {0x30, 0x03, 0x02, 0x01, 0x05};
    assert_int_equal(
        VT(optiga_util_write_data(F.u, 0xF1D4, OPTIGA_UTIL_ERASE_AND_WRITE, 0, not_a_cert, sizeof not_a_cert)),
        OPTIGA_LIB_SUCCESS);
    const uint16_t cert_oid = 0xF1D4;
    assert_int_equal(VT(optiga_crypt_rsa_verify(F.c, OPTIGA_RSASSA_PKCS1_V15_SHA256, digest, sizeof digest, sig,
                                                sig_len, OPTIGA_CRYPT_OID_DATA, &cert_oid, 0)) &
                         0xFF00u,
                     OPTIGA_DEVICE_ERROR);

    /* encrypt with the public key, decrypt with E0FD */
    static const uint8_t msg[] = "forty-eight bytes of pre-master secret material";
    uint8_t ct[128], back[128];
    uint16_t ct_len = sizeof ct, back_len = sizeof back;
    assert_int_equal(VT(optiga_crypt_rsa_encrypt_message(F.c, OPTIGA_RSAES_PKCS1_V15, msg, sizeof msg - 1u, NULL, 0,
                                                         OPTIGA_CRYPT_HOST_DATA, &pk, ct, &ct_len)),
                     OPTIGA_LIB_SUCCESS);
    assert_int_equal(ct_len, 128);
    assert_int_equal(VT(optiga_crypt_rsa_decrypt_and_export(F.c, OPTIGA_RSAES_PKCS1_V15, ct, ct_len, NULL, 0,
                                                            OPTIGA_KEY_ID_E0FD, back, &back_len)),
                     OPTIGA_LIB_SUCCESS);
    assert_int_equal(back_len, sizeof msg - 1u);
    assert_memory_equal(back, msg, sizeof msg - 1u);
    /* decrypt into the session, then use it as the PRF secret */
    assert_int_equal(
        VT(optiga_crypt_rsa_decrypt_and_store(F.c, OPTIGA_RSAES_PKCS1_V15, ct, ct_len, NULL, 0, OPTIGA_KEY_ID_E0FD)),
        OPTIGA_LIB_SUCCESS);
    uint8_t seed[16], out[32], want[32];
    fill(seed, sizeof seed, 2);
    assert_int_equal(VT(optiga_crypt_tls_prf_sha256(F.c, 0x0000, (const uint8_t *)"lbl", 3, seed, sizeof seed,
                                                    sizeof out, TRUE, out)),
                     OPTIGA_LIB_SUCCESS);
    assert_int_equal(mbedtls_ssl_tls_prf(MBEDTLS_SSL_TLS_PRF_SHA256, msg, sizeof msg - 1u, "lbl", seed, sizeof seed,
                                         want, sizeof want),
                     0);
    assert_memory_equal(out, want, sizeof want);
}

static void test_rsa_pre_master_secret_session_flow(void **state)
{
    (void)state;
    /* the TLS-RSA client flow on one instance: PMS into the session, RSA-encrypt the session
     * for the server, derive from the session; the server side (decrypt) is E0FD here */
    uint8_t pub[300];
    uint16_t pub_len = sizeof pub;
    optiga_key_id_t key = OPTIGA_KEY_ID_E0FD;
    assert_int_equal(
        VT(optiga_crypt_rsa_generate_keypair(F.c, OPTIGA_RSA_KEY_1024_BIT_EXPONENTIAL,
                                             (uint8_t)OPTIGA_KEY_USAGE_ENCRYPTION, FALSE, &key, pub, &pub_len)),
        OPTIGA_LIB_SUCCESS);
    public_key_from_host_t pk = {pub, pub_len, (uint8_t)OPTIGA_RSA_KEY_1024_BIT_EXPONENTIAL};
    uint8_t ct[128];
    uint16_t ct_len = sizeof ct;
    assert_int_equal(VT(optiga_crypt_rsa_encrypt_session(F.c, OPTIGA_RSAES_PKCS1_V15, NULL, 0, OPTIGA_CRYPT_HOST_DATA,
                                                         &pk, ct, &ct_len)),
                     OPTIGA_CMD_ERROR_INVALID_INPUT); /* no session yet */
    static const uint8_t version[2] = {0x03, 0x03};
    assert_int_equal(VT(optiga_crypt_rsa_generate_pre_master_secret(F.c, version, sizeof version, 48)),
                     OPTIGA_LIB_SUCCESS);
    assert_int_equal(VT(optiga_crypt_rsa_encrypt_session(F.c, OPTIGA_RSAES_PKCS1_V15, NULL, 0, OPTIGA_CRYPT_HOST_DATA,
                                                         &pk, ct, &ct_len)),
                     OPTIGA_LIB_SUCCESS);
    assert_int_equal(ct_len, 128);
    /* "server": recover the pre-master secret */
    optiga_crypt_t *server = optiga_crypt_create(OPTIGA_INSTANCE_ID_0, vt_callback, &vt_ctx_token);
    assert_non_null(server);
    uint8_t pms[64];
    uint16_t pms_len = sizeof pms;
    assert_int_equal(VT(optiga_crypt_rsa_decrypt_and_export(server, OPTIGA_RSAES_PKCS1_V15, ct, ct_len, NULL, 0,
                                                            OPTIGA_KEY_ID_E0FD, pms, &pms_len)),
                     OPTIGA_LIB_SUCCESS);
    assert_int_equal(pms_len, 48);
    assert_memory_equal(pms, version, sizeof version);
    /* the client derives the master secret from its session; the host computes the same */
    static const uint8_t label[] = "master secret";
    uint8_t seed[64], ms[48], want[48];
    fill(seed, sizeof seed, 0x3C);
    assert_int_equal(
        VT(optiga_crypt_tls_prf_sha256(F.c, 0x0000, label, sizeof label - 1u, seed, sizeof seed, sizeof ms, TRUE, ms)),
        OPTIGA_LIB_SUCCESS);
    assert_int_equal(mbedtls_ssl_tls_prf(MBEDTLS_SSL_TLS_PRF_SHA256, pms, pms_len, (const char *)label, seed,
                                         sizeof seed, want, sizeof want),
                     0);
    assert_memory_equal(ms, want, sizeof want);
}

static void test_rsa_keygen_export(void **state)
{
    (void)state;
    uint8_t priv[131], pub[300];
    uint16_t pub_len = sizeof pub;
    assert_int_equal(VT(optiga_crypt_rsa_generate_keypair(F.c, OPTIGA_RSA_KEY_1024_BIT_EXPONENTIAL,
                                                          (uint8_t)OPTIGA_KEY_USAGE_SIGN, TRUE, priv, pub, &pub_len)),
                     OPTIGA_LIB_SUCCESS);
    assert_int_equal(priv[0], 0x04); /* DER OCTET STRING of the private exponent */
    assert_true(pub_len > 130 && pub[0] == 0x03);
    /* public key buffer too small */
    pub_len = 16;
    optiga_key_id_t key = OPTIGA_KEY_ID_E0FC;
    assert_int_equal(VT(optiga_crypt_rsa_generate_keypair(F.c, OPTIGA_RSA_KEY_1024_BIT_EXPONENTIAL,
                                                          (uint8_t)OPTIGA_KEY_USAGE_SIGN, FALSE, &key, pub, &pub_len)),
                     OPTIGA_CMD_ERROR_MEMORY_INSUFFICIENT);
    assert_int_equal(pub_len, 0);
}

/* ------------------------------------------------------------------ HMAC, auth, derivation */

static const uint8_t secret[32] = {0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
                                   0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b};

static void make_secret(uint16_t oid, uint8_t type)
{
    const uint8_t md[] = {0x20, 0x06, 0xE8, 0x01, type, 0xD3, 0x01, 0x00};
    assert_int_equal(VT(optiga_util_write_metadata(F.u, oid, md, sizeof md)), OPTIGA_LIB_SUCCESS);
    assert_int_equal(VT(optiga_util_write_data(F.u, oid, OPTIGA_UTIL_ERASE_AND_WRITE, 0, secret, sizeof secret)),
                     OPTIGA_LIB_SUCCESS);
}

static void test_hmac_prf_hkdf_match_host(void **state)
{
    (void)state;
    make_secret(0xF1D1, 0x21); /* PRESSEC */
    const mbedtls_md_info_t *sha256 = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    uint8_t in[100], mac[32], want[64];
    fill(in, sizeof in, 0x42);
    uint32_t mac_len = sizeof mac;
    assert_int_equal(VT(optiga_crypt_hmac(F.c, OPTIGA_HMAC_SHA_256, 0xF1D1, in, sizeof in, mac, &mac_len)),
                     OPTIGA_LIB_SUCCESS);
    assert_int_equal(mbedtls_md_hmac(sha256, secret, sizeof secret, in, sizeof in, want), 0);
    assert_int_equal(mac_len, 32);
    assert_memory_equal(mac, want, 32);

    /* streamed HMAC */
    mac_len = sizeof mac;
    memset(mac, 0, sizeof mac);
    assert_int_equal(VT(optiga_crypt_hmac_start(F.c, OPTIGA_HMAC_SHA_256, 0xF1D1, in, 64)), OPTIGA_LIB_SUCCESS);
    assert_int_equal(VT(optiga_crypt_hmac_update(F.c, in + 64, 16)), OPTIGA_LIB_SUCCESS);
    assert_int_equal(VT(optiga_crypt_hmac_finalize(F.c, in + 80, 20, mac, &mac_len)), OPTIGA_LIB_SUCCESS);
    assert_memory_equal(mac, want, 32);

    /* TLS 1.2 PRF SHA-256 exported */
    static const uint8_t label[] = "key expansion";
    uint8_t seed[64], out[64];
    fill(seed, sizeof seed, 0x99);
    assert_int_equal(VT(optiga_crypt_tls_prf_sha256(F.c, 0xF1D1, label, sizeof label - 1u, seed, sizeof seed,
                                                    sizeof out, TRUE, out)),
                     OPTIGA_LIB_SUCCESS);
    assert_int_equal(mbedtls_ssl_tls_prf(MBEDTLS_SSL_TLS_PRF_SHA256, secret, sizeof secret, (const char *)label, seed,
                                         sizeof seed, want, sizeof out),
                     0);
    assert_memory_equal(out, want, sizeof out);

    /* HKDF SHA-256 exported */
    static const uint8_t salt[] = "salt value", info[] = "info value";
    assert_int_equal(
        VT(optiga_crypt_hkdf_sha256(F.c, 0xF1D1, salt, sizeof salt - 1u, info, sizeof info - 1u, 42, TRUE, out)),
        OPTIGA_LIB_SUCCESS);
    assert_int_equal(
        mbedtls_hkdf(sha256, salt, sizeof salt - 1u, secret, sizeof secret, info, sizeof info - 1u, want, 42), 0);
    assert_memory_equal(out, want, 42);

    /* HKDF into the session, then HMAC keyed by the session equals HMAC with the derived key */
    assert_int_equal(
        VT(optiga_crypt_hkdf_sha256(F.c, 0xF1D1, salt, sizeof salt - 1u, info, sizeof info - 1u, 32, FALSE, NULL)),
        OPTIGA_LIB_SUCCESS);
    uint8_t derived[32];
    assert_int_equal(mbedtls_hkdf(sha256, salt, sizeof salt - 1u, secret, sizeof secret, info, sizeof info - 1u,
                                  derived, sizeof derived),
                     0);
    mac_len = sizeof mac;
    assert_int_equal(VT(optiga_crypt_hmac(F.c, OPTIGA_HMAC_SHA_256, 0x0000, in, sizeof in, mac, &mac_len)),
                     OPTIGA_LIB_SUCCESS);
    assert_int_equal(mbedtls_md_hmac(sha256, derived, sizeof derived, in, sizeof in, want), 0);
    assert_memory_equal(mac, want, 32);
}

static void test_auth_code_hmac_verify_and_clear(void **state)
{
    (void)state;
    make_secret(0xF1D2, 0x31); /* AUTOREF */
    /* F1D3 readable only after authorization with F1D2 */
    static const uint8_t data[4] = {1, 2, 3, 4};
    assert_int_equal(VT(optiga_util_write_data(F.u, 0xF1D3, OPTIGA_UTIL_ERASE_AND_WRITE, 0, data, sizeof data)),
                     OPTIGA_LIB_SUCCESS);
    static const uint8_t auto_rd[] = {0x20, 0x05, 0xD1, 0x03, 0x23, 0xF1, 0xD2};
    assert_int_equal(VT(optiga_util_write_metadata(F.u, 0xF1D3, auto_rd, sizeof auto_rd)), OPTIGA_LIB_SUCCESS);
    uint8_t b[8];
    uint16_t bl = sizeof b;
    assert_int_equal(VT(optiga_util_read_data(F.u, 0xF1D3, 0, b, &bl)), 0x8007);

    uint8_t challenge[32];
    static const uint8_t optional[8] = {9, 8, 7, 6, 5, 4, 3, 2};
    assert_int_equal(VT(optiga_crypt_generate_auth_code(F.c, OPTIGA_RNG_TYPE_TRNG, optional, sizeof optional, challenge,
                                                        sizeof challenge)),
                     OPTIGA_LIB_SUCCESS);
    static const uint8_t arbitrary[] = "host data";
    uint8_t buf[64], mac[32];
    memcpy(buf, optional, sizeof optional);
    memcpy(buf + sizeof optional, challenge, sizeof challenge);
    memcpy(buf + 40, arbitrary, sizeof arbitrary - 1u);
    const mbedtls_md_info_t *sha256 = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    assert_int_equal(mbedtls_md_hmac(sha256, secret, sizeof secret, buf, 40 + sizeof arbitrary - 1u, mac), 0);
    /* the input given to the chip begins with the challenge (optional data || random) */
    assert_int_equal(VT(optiga_crypt_hmac_verify(F.c, OPTIGA_HMAC_SHA_256, 0xF1D2, buf, 40 + sizeof arbitrary - 1u, mac,
                                                 sizeof mac)),
                     OPTIGA_LIB_SUCCESS);
    bl = sizeof b;
    assert_int_equal(VT(optiga_util_read_data(F.u, 0xF1D3, 0, b, &bl)), OPTIGA_LIB_SUCCESS);
    assert_memory_equal(b, data, sizeof data);
    /* the session was released by hmac_verify */
    assert_int_equal(VT(optiga_crypt_hmac_verify(F.c, OPTIGA_HMAC_SHA_256, 0xF1D2, arbitrary, sizeof arbitrary - 1u,
                                                 mac, sizeof mac)),
                     OPTIGA_CMD_ERROR_INVALID_INPUT);
    assert_int_equal(VT(optiga_crypt_clear_auto_state(F.c, 0xF1D2)), OPTIGA_LIB_SUCCESS);
    bl = sizeof b;
    assert_int_equal(VT(optiga_util_read_data(F.u, 0xF1D3, 0, b, &bl)), 0x8007);

    /* a wrong MAC: authorization failure, session released as well */
    assert_int_equal(VT(optiga_crypt_generate_auth_code(F.c, OPTIGA_RNG_TYPE_TRNG, NULL, 0, challenge, 16)),
                     OPTIGA_LIB_SUCCESS);
    memcpy(buf, challenge, 16);
    assert_int_equal(VT(optiga_crypt_hmac_verify(F.c, OPTIGA_HMAC_SHA_256, 0xF1D2, buf, 40, mac, sizeof mac)), 0x802F);
    assert_int_equal(VT(optiga_crypt_hmac_verify(F.c, OPTIGA_HMAC_SHA_256, 0xF1D2, arbitrary, sizeof arbitrary - 1u,
                                                 mac, sizeof mac)),
                     OPTIGA_CMD_ERROR_INVALID_INPUT);
}

static void test_sessions_are_per_instance_and_freed_by_destroy(void **state)
{
    (void)state;
    optiga_crypt_t *c[4];
    c[0] = F.c;
    for (int i = 1; i < 4; i++) {
        c[i] = optiga_crypt_create(OPTIGA_INSTANCE_ID_0, vt_callback, &vt_ctx_token);
        assert_non_null(c[i]);
    }
    for (int i = 0; i < 4; i++)
        assert_int_equal(VT(optiga_crypt_rsa_generate_pre_master_secret(c[i], NULL, 0, 48)), OPTIGA_LIB_SUCCESS);
    /* a fifth instance finds no free session context */
    optiga_crypt_t *fifth = optiga_crypt_create(OPTIGA_INSTANCE_ID_0, vt_callback, &vt_ctx_token);
    assert_non_null(fifth);
    assert_int_equal(VT(optiga_crypt_rsa_generate_pre_master_secret(fifth, NULL, 0, 48)), OPTIGA_CMD_ERROR);
    assert_int_equal(optiga_crypt_destroy(c[2]), OPTIGA_LIB_SUCCESS);
    assert_int_equal(VT(optiga_crypt_rsa_generate_pre_master_secret(fifth, NULL, 0, 48)), OPTIGA_LIB_SUCCESS);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_read_id2_like_the_adapter),
        T(test_write_read_and_chip_errors),
        T(test_metadata_read_write),
        T(test_update_count),
        T(test_hibernate_and_restore),
        T(test_protected_update_sequence_rules),
        T(test_timer_uses_the_bound_clock),
        T(test_random),
        T(test_hash_host_oid_and_streaming),
        T(test_aes_modes_match_host),
        T(test_aes_start_continue_final_and_lock),
        T(test_symmetric_generate_key),
        T(test_rsa_sign_verify_encrypt_decrypt),
        T(test_rsa_pre_master_secret_session_flow),
        T(test_rsa_keygen_export),
        T(test_hmac_prf_hkdf_match_host),
        T(test_auth_code_hmac_verify_and_clear),
        T(test_sessions_are_per_instance_and_freed_by_destroy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
