/*
 * The ID2 secure-element adapter flow (id2.md §3, §6) through the vendor API on the simulator:
 * AES build (ID from F1D0, ECB with E200 on 48/64-byte inputs, power-down cleanup waiting for
 * SEC = 0 on the virtual clock) and RSA build (chip hash + sign and decrypt with E0FC holding a
 * key provisioned from a PEM generated here), checked with mbedTLS.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>
#include <mbedtls/sha256.h>

#include "compat_check.h"
#include "compat_platform.h"
#include "id2_se.h"

static const uint8_t aes_key[16] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                                    0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f};
static const uint8_t id2[12] = {0x00, 0x65, 0xE2, 0x29, 0xBB, 0x5F, 0x6F, 0x8B, 0x41, 0xBD, 0xF5, 0x00};

static int teardown(void **state)
{
    (void)state;
    compat_platform_down();
    return 0;
}

static void test_aes_build_flow(void **state)
{
    (void)state;
    compat_platform_opts_t o = {aes_key, sizeof aes_key, id2, NULL};
    assert_int_equal(compat_platform_up(&o, NULL), 0);
    uint8_t buf[64];
    uint32_t len = sizeof buf, polls = 0;
    assert_int_equal(id2_se_get_id2(buf, &len), ID2_SE_ERROR_GENERIC); /* not initialised */
    assert_int_equal(id2_se_init(), ID2_SE_SUCCESS);
    len = 11;
    assert_int_equal(id2_se_get_id2(buf, &len), ID2_SE_ERROR_SHORT_BUFFER);
    len = sizeof buf;
    assert_int_equal(id2_se_get_id2(buf, &len), ID2_SE_SUCCESS);
    assert_int_equal(len, 12);
    assert_memory_equal(buf, id2, 12);

    /* two 48-byte encryptions (client auth code, server verification) and one 64-byte decryption */
    uint8_t pt[64], ct[64], want[64];
    for (unsigned i = 0; i < sizeof pt; i++)
        pt[i] = (uint8_t)(i * 3u);
    for (int k = 0; k < 2; k++) {
        len = sizeof ct;
        assert_int_equal(id2_se_sym_crypto(1, pt, 48, ct, &len), ID2_SE_SUCCESS);
        assert_int_equal(len, 48);
        assert_int_equal(check_aes_ecb(aes_key, sizeof aes_key, pt, 48, want), 0);
        assert_memory_equal(ct, want, 48);
    }
    assert_int_equal(check_aes_ecb(aes_key, sizeof aes_key, pt, 64, want), 0);
    len = sizeof buf;
    assert_int_equal(id2_se_sym_crypto(0, want, 64, buf, &len), ID2_SE_SUCCESS);
    assert_memory_equal(buf, pt, 64);
    /* input not a block multiple: the chip's error reaches the adapter as GENERIC, length 0 */
    len = sizeof buf;
    assert_int_equal(id2_se_sym_crypto(1, pt, 20, buf, &len), ID2_SE_ERROR_GENERIC);
    assert_int_equal(len, 0);

    /* power-down cleanup: waits (in simulated time) until SEC reads 0, closes, destroys */
    assert_int_equal(id2_se_cleanup(1, 2000, &polls), ID2_SE_SUCCESS);
    assert_true(polls <= 2000u);
    /* a new init opens again */
    assert_int_equal(id2_se_init(), ID2_SE_SUCCESS);
    assert_int_equal(id2_se_cleanup(1, 2000, &polls), ID2_SE_SUCCESS);
}

static void test_bus_failure_is_a_communication_error(void **state)
{
    (void)state;
    compat_platform_opts_t o = {aes_key, sizeof aes_key, id2, NULL};
    assert_int_equal(compat_platform_up(&o, NULL), 0);
    assert_int_equal(id2_se_init(), ID2_SE_SUCCESS);
    /* the chip stops answering: the vendor status is in the 0x01nn range the adapter tests */
    compat_platform_nack(1000000u);
    uint8_t buf[16];
    uint32_t len = sizeof buf;
    assert_int_equal(id2_se_get_id2(buf, &len), ID2_SE_ERROR_COMMUNICATION);
    assert_int_equal(len, 0);
    uint32_t polls = 0;
    assert_int_equal(id2_se_cleanup(1, 10, &polls), ID2_SE_ERROR_COMMUNICATION);
    /* a chip that answers again: init opens a fresh session with the chip */
    compat_platform_nack(0);
    assert_int_equal(id2_se_init(), ID2_SE_SUCCESS);
    len = sizeof buf;
    assert_int_equal(id2_se_get_id2(buf, &len), ID2_SE_SUCCESS);
    assert_memory_equal(buf, id2, 12);
    assert_int_equal(id2_se_cleanup(1, 2000, &polls), ID2_SE_SUCCESS);
}

static void test_missing_id_is_item_not_found(void **state)
{
    (void)state;
    compat_platform_opts_t o = {aes_key, sizeof aes_key, NULL, NULL}; /* F1D0 empty */
    assert_int_equal(compat_platform_up(&o, NULL), 0);
    assert_int_equal(id2_se_init(), ID2_SE_SUCCESS);
    uint8_t buf[16];
    uint32_t len = sizeof buf, polls = 0;
    assert_int_equal(id2_se_get_id2(buf, &len), ID2_SE_ERROR_ITEM_NOT_FOUND);
    assert_int_equal(len, 0);
    assert_int_equal(id2_se_cleanup(1, 2000, &polls), ID2_SE_SUCCESS);
}

/* Deterministic generator for the test key (not for real keys). */
static int test_rng(void *ctx, unsigned char *out, size_t len)
{
    uint32_t *s = (uint32_t *)ctx;
    for (size_t i = 0; i < len; i++) {
        *s ^= *s << 13;
        *s ^= *s >> 17;
        *s ^= *s << 5;
        out[i] = (unsigned char)*s;
    }
    return 0;
}

static void test_rsa_build_flow(void **state)
{
    (void)state;
    static char pem[2048];
    uint32_t seed = 0x1234567u;
    mbedtls_pk_context pk;
    mbedtls_pk_init(&pk);
    assert_int_equal(mbedtls_pk_setup(&pk, mbedtls_pk_info_from_type(MBEDTLS_PK_RSA)), 0);
    assert_int_equal(mbedtls_rsa_gen_key(mbedtls_pk_rsa(pk), test_rng, &seed, 1024, 65537), 0);
    assert_int_equal(mbedtls_pk_write_key_pem(&pk, (unsigned char *)pem, sizeof pem), 0);

    compat_platform_opts_t o = {NULL, 0, id2, pem};
    assert_int_equal(compat_platform_up(&o, NULL), 0);
    assert_int_equal(id2_se_init(), ID2_SE_SUCCESS);

    static const uint8_t msg[] = "ID2 challenge to sign";
    uint8_t sig[128], digest[32];
    uint32_t sig_len = sizeof sig, polls = 0;
    assert_int_equal(id2_se_rsa_sign(msg, sizeof msg - 1u, sig, &sig_len), ID2_SE_SUCCESS);
    assert_int_equal(sig_len, 128);
    assert_int_equal(mbedtls_sha256_ret(msg, sizeof msg - 1u, digest, 0), 0);
    assert_int_equal(mbedtls_rsa_pkcs1_verify(mbedtls_pk_rsa(pk), NULL, NULL, MBEDTLS_RSA_PUBLIC, MBEDTLS_MD_SHA256, 32,
                                              digest, sig),
                     0);

    /* decrypt what the host encrypted to the provisioned key */
    static const uint8_t secret[] = "48 bytes of session key material for the server";
    uint8_t ct[128], back[128];
    assert_int_equal(mbedtls_rsa_pkcs1_encrypt(mbedtls_pk_rsa(pk), test_rng, &seed, MBEDTLS_RSA_PUBLIC,
                                               sizeof secret - 1u, secret, ct),
                     0);
    uint32_t back_len = sizeof back;
    assert_int_equal(id2_se_rsa_decrypt(ct, sizeof ct, back, &back_len), ID2_SE_SUCCESS);
    assert_int_equal(back_len, sizeof secret - 1u);
    assert_memory_equal(back, secret, back_len);

    /* signature buffer too small: the adapter's SHORT_BUFFER path (status 0x0204) */
    sig_len = 64;
    assert_int_equal(id2_se_rsa_sign(msg, sizeof msg - 1u, sig, &sig_len), ID2_SE_ERROR_SHORT_BUFFER);
    assert_int_equal(sig_len, 0);

    assert_int_equal(id2_se_cleanup(1, 2000, &polls), ID2_SE_SUCCESS);
    mbedtls_pk_free(&pk);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_aes_build_flow, teardown),
        cmocka_unit_test_teardown(test_bus_failure_is_a_communication_error, teardown),
        cmocka_unit_test_teardown(test_missing_id_is_item_not_found, teardown),
        cmocka_unit_test_teardown(test_rsa_build_flow, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
