/*
 * ID2 client, RSA mode (key in E0FC), against the in-process simulator: id2.md §10.6 with the
 * vendor sample key (skipped visibly without shared/), and a key generated at test time whose
 * signatures, decryptions and secrets are checked independently with mbedTLS; chip traffic per
 * call (CalcHash + CalcSign per signature, one DecryptAsym per 128-byte block).
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <mbedtls/base64.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>
#include <mbedtls/sha256.h>

#include "id2_fixture.h"
#include "trustm_testutil.h"

#define EX_CHAL "55B83408399FA660F05C82E4F25333DC"
#define EX_M    "00112233445566778899AABBABABABABABABABAB55B83408399FA660F05C82E4F25333DC"
#define EX_RSA_SIG                                                                                                     \
    "ynKpOIzBAgUL09zYz0rFx1+4apeTPtiZwBG2x0tjKq1IDl86pTxmizQSxY3kBLGWBgJOxVsB/U4gIQ7F581QEFX0EGxVHSSmYZ2/lRxR0VMP9"    \
    "mfRkvTMzlcQeJLvV4qYjZus2XsgAiNQWgNliRSScoG4Wfk1smyIlRmVTeosJUI="

#define IROT(expect, expr) assert_int_equal((int)(expr), (int)(expect))

static void test_10_6_sample_key(void **state)
{
    (void)state;
    char path[512];
    TV_REQUIRE_SHARED("spec/vectors/sample_rsa_1024_priv.pem", path);
    static char pem[4096];
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    size_t n = fread(pem, 1, sizeof pem - 1, fp);
    fclose(fp);
    pem[n] = '\0';
    fx_t *f = fx_create(1, 0, pem, ID2_CRYPTO_TYPE_RSA, 1);
    assert_non_null(f);
    assert_string_equal(f->log[11], "ID2_CRYPTO_TYPE_CONFIG   : ID2_CRYPTO_TYPE_RSA");
    uint8_t code[AUTH_CODE_BUF_LEN];
    uint32_t len = sizeof code;
    uint64_t before = fx_commands(f);
    IROT(IROT_SUCCESS, id2_client_get_challenge_auth_code(&f->c, EX_CHAL, NULL, 0, code, &len));
    assert_int_equal(fx_commands(f) - before, 3); /* F1D0, CalcHash, CalcSign */
    assert_int_equal(len, 226);
    assert_string_equal((const char *)code, "0~2~ABABABABABABABAB~" EX_CHAL "~" EX_RSA_SIG);
    fx_destroy(f);
}

typedef struct rsa_fx {
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_pk_context pk;
    char pem[2048];
    fx_t *f;
} rsa_fx_t;

static int setup_generated(void **state)
{
    rsa_fx_t *r = calloc(1, sizeof *r);
    if (r == NULL)
        return -1;
    mbedtls_entropy_init(&r->entropy);
    mbedtls_ctr_drbg_init(&r->drbg);
    mbedtls_pk_init(&r->pk);
    static const unsigned char pers[] = "trustm-id2-rsa-test";
    if (mbedtls_ctr_drbg_seed(&r->drbg, mbedtls_entropy_func, &r->entropy, pers, sizeof pers) != 0 ||
        mbedtls_pk_setup(&r->pk, mbedtls_pk_info_from_type(MBEDTLS_PK_RSA)) != 0 ||
        mbedtls_rsa_gen_key(mbedtls_pk_rsa(r->pk), mbedtls_ctr_drbg_random, &r->drbg, 1024, 65537) != 0 ||
        mbedtls_pk_write_key_pem(&r->pk, (unsigned char *)r->pem, sizeof r->pem) != 0)
        return -1;
    r->f = fx_create(1, 0, r->pem, ID2_CRYPTO_TYPE_RSA, 1);
    *state = r;
    return r->f != NULL ? 0 : -1;
}

static int teardown_generated(void **state)
{
    rsa_fx_t *r = *state;
    fx_destroy(r->f);
    mbedtls_pk_free(&r->pk);
    mbedtls_ctr_drbg_free(&r->drbg);
    mbedtls_entropy_free(&r->entropy);
    free(r);
    return 0;
}

/* mbedTLS reference: base64(RSASSA-PKCS1-v1_5-SHA256(msg)) (deterministic). */
static size_t ref_sign(rsa_fx_t *r, const char *msg, size_t msg_len, uint8_t sig[256], char *b64, size_t b64_size)
{
    uint8_t h[32];
    size_t sl = 0, bl = 0;
    assert_int_equal(mbedtls_sha256_ret((const uint8_t *)msg, msg_len, h, 0), 0);
    assert_int_equal(mbedtls_pk_sign(&r->pk, MBEDTLS_MD_SHA256, h, 32, sig, &sl, mbedtls_ctr_drbg_random, &r->drbg), 0);
    assert_int_equal(sl, 128);
    assert_int_equal(mbedtls_base64_encode((unsigned char *)b64, b64_size, &bl, sig, sl), 0);
    return sl;
}

static void test_generated_auth_code(void **state)
{
    rsa_fx_t *r = *state;
    fx_t *f = r->f;
    uint8_t code[AUTH_CODE_BUF_LEN];
    uint32_t len = sizeof code;
    uint64_t before = fx_commands(f);
    IROT(IROT_SUCCESS, id2_client_get_challenge_auth_code(&f->c, EX_CHAL, (const uint8_t *)"pk-1", 4, code, &len));
    assert_int_equal(fx_commands(f) - before, 3);
    assert_int_equal(len, 4 + 2 + 16 + 32 + 172);
    assert_memory_equal(code, "2~2~ABABABABABABABAB~" EX_CHAL "~", 54);
    /* verify the chip's signature over M with the public key */
    uint8_t sig[256], h[32];
    size_t sl = 0;
    assert_int_equal(mbedtls_base64_decode(sig, sizeof sig, &sl, code + 54, len - 54), 0);
    assert_int_equal(sl, 128);
    static const char m[] = EX_M "pk-1";
    assert_int_equal(mbedtls_sha256_ret((const uint8_t *)m, strlen(m), h, 0), 0);
    assert_int_equal(mbedtls_pk_verify(&r->pk, MBEDTLS_MD_SHA256, h, 32, sig, sl), 0);
    /* and it is the deterministic PKCS#1 v1.5 signature */
    uint8_t ref[256];
    char b64[200];
    ref_sign(r, m, strlen(m), ref, b64, sizeof b64);
    assert_string_equal((const char *)code + 54, b64);

    /* timestamp type 1: ID cached -> CalcHash + CalcSign */
    before = fx_commands(f);
    len = sizeof code;
    IROT(IROT_SUCCESS, id2_client_get_timestamp_auth_code(&f->c, "1593072000000", NULL, 0, code, &len));
    assert_int_equal(fx_commands(f) - before, 2);
    assert_int_equal(len, 4 + 2 + 16 + 13 + 172);
}

static void test_generated_verify_and_secret(void **state)
{
    rsa_fx_t *r = *state;
    fx_t *f = r->f;
    uint8_t ref[256];
    char b64[200], code[256];
    static const char m10[] = "FFEEDDCCBBAA998877665544ABABABABABABABAB";
    ref_sign(r, m10, strlen(m10), ref, b64, sizeof b64);
    snprintf(code, sizeof code, "10~2~ABABABABABABABAB~%s", b64);
    IROT(IROT_SUCCESS, id2_client_verify_server(&f->c, (const uint8_t *)code, (uint32_t)strlen(code),
                                                (const uint8_t *)"ABABABABABABABAB", 16, NULL, 0));
    code[30] ^= 1;
    IROT(IROT_ERROR_GENERIC, id2_client_verify_server(&f->c, (const uint8_t *)code, (uint32_t)strlen(code),
                                                      (const uint8_t *)"ABABABABABABABAB", 16, NULL, 0));

    /* get_secret = HEX(SHA-256(signature of the seed)) */
    uint8_t secret[64], h[32];
    uint32_t len = sizeof secret;
    uint64_t before = fx_commands(f);
    IROT(IROT_SUCCESS, id2_client_get_secret(&f->c, "ID2-SEED", secret, &len));
    assert_int_equal(fx_commands(f) - before, 2);
    ref_sign(r, "ID2-SEED", 8, ref, b64, sizeof b64);
    assert_int_equal(mbedtls_sha256_ret(ref, 128, h, 0), 0);
    char hex[65];
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02X", h[i]);
    assert_memory_equal(secret, hex, 64);
}

static void test_generated_decrypt(void **state)
{
    rsa_fx_t *r = *state;
    fx_t *f = r->f;
    uint8_t ct[256], out[300];
    size_t cl = 0;
    static const char p1[] = "first block of key material, 48 bytes long.....";
    static const char p2[] = "second";
    assert_int_equal(
        mbedtls_pk_encrypt(&r->pk, (const uint8_t *)p1, 48, ct, &cl, 128, mbedtls_ctr_drbg_random, &r->drbg), 0);
    assert_int_equal(
        mbedtls_pk_encrypt(&r->pk, (const uint8_t *)p2, 6, ct + 128, &cl, 128, mbedtls_ctr_drbg_random, &r->drbg), 0);
    uint32_t len = sizeof out;
    uint64_t before = fx_commands(f);
    IROT(IROT_SUCCESS, id2_client_decrypt(&f->c, ct, 256, out, &len));
    assert_int_equal(fx_commands(f) - before, 2); /* one DecryptAsym per block */
    assert_int_equal(len, 54);
    assert_memory_equal(out, p1, 48);
    assert_memory_equal(out + 48, p2, 6);
    len = 53;
    IROT(IROT_ERROR_SHORT_BUFFER, id2_client_decrypt(&f->c, ct, 256, out, &len));
    len = sizeof out;
    IROT(IROT_ERROR_BAD_PARAMETERS, id2_client_decrypt(&f->c, ct, 100, out, &len));
    /* a corrupted block: the chip's error passes up */
    ct[5] ^= 0x55;
    IROT(IROT_ERROR_GENERIC, id2_client_decrypt(&f->c, ct, 128, out, &len));
    assert_int_equal(TRUSTM_STATUS_LAYER(id2_client_last_status(&f->c)), TRUSTM_LAYER_DEVICE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_10_6_sample_key),
        cmocka_unit_test_setup_teardown(test_generated_auth_code, setup_generated, teardown_generated),
        cmocka_unit_test_setup_teardown(test_generated_verify_and_secret, setup_generated, teardown_generated),
        cmocka_unit_test_setup_teardown(test_generated_decrypt, setup_generated, teardown_generated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
