/*
 * Protected update through the vendor API: trust anchor and target prepared with
 * optiga_util_write_metadata / write_data (as the vendor key-update example does), a data set
 * built on the host (trustm_protupd_lib, signed with a key and self-signed certificate made
 * here) applied with optiga_util_protected_update_start/final; the new AES key in E200 is
 * checked with mbedTLS; a replayed data set is refused by the chip.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>
#include <mbedtls/x509_crt.h>

#include "compat_check.h"
#include "compat_platform.h"
#include "compat_vt.h"
#include "pu_dataset.h"

#define TA 0xE0E3u

static const uint8_t new_key[16] = {0xC0, 0xFF, 0xEE, 0x01, 0x23, 0x45, 0x67, 0x89,
                                    0xAB, 0xCD, 0xEF, 0x10, 0x32, 0x54, 0x76, 0x98};

static int rng(void *ctx, unsigned char *out, size_t len)
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

static struct {
    mbedtls_pk_context pk;
    uint8_t cert[1500];
    size_t cert_len;
    uint32_t seed;
} S;

static int group_setup(void **state)
{
    (void)state;
    S.seed = 0xC0FFEEu;
    mbedtls_pk_init(&S.pk);
    if (mbedtls_pk_setup(&S.pk, mbedtls_pk_info_from_type(MBEDTLS_PK_RSA)) != 0 ||
        mbedtls_rsa_gen_key(mbedtls_pk_rsa(S.pk), rng, &S.seed, 1024, 65537) != 0)
        return -1;
    mbedtls_x509write_cert w;
    mbedtls_mpi serial;
    mbedtls_x509write_crt_init(&w);
    mbedtls_mpi_init(&serial);
    static uint8_t buf[2048];
    int rc = -1;
    mbedtls_x509write_crt_set_version(&w, MBEDTLS_X509_CRT_VERSION_3);
    mbedtls_x509write_crt_set_md_alg(&w, MBEDTLS_MD_SHA256);
    mbedtls_x509write_crt_set_subject_key(&w, &S.pk);
    mbedtls_x509write_crt_set_issuer_key(&w, &S.pk);
    if (mbedtls_mpi_lset(&serial, 3) == 0 && mbedtls_x509write_crt_set_serial(&w, &serial) == 0 &&
        mbedtls_x509write_crt_set_subject_name(&w, "CN=compat trust anchor") == 0 &&
        mbedtls_x509write_crt_set_issuer_name(&w, "CN=compat trust anchor") == 0 &&
        mbedtls_x509write_crt_set_validity(&w, "20250101000000", "20451231235959") == 0 &&
        mbedtls_x509write_crt_set_basic_constraints(&w, 1, 0) == 0) {
        int n = mbedtls_x509write_crt_der(&w, buf, sizeof buf, rng, &S.seed);
        if (n > 0 && (size_t)n <= sizeof S.cert) {
            memcpy(S.cert, buf + sizeof buf - (size_t)n, (size_t)n);
            S.cert_len = (size_t)n;
            rc = 0;
        }
    }
    mbedtls_mpi_free(&serial);
    mbedtls_x509write_crt_free(&w);
    return rc;
}

static int group_teardown(void **state)
{
    (void)state;
    mbedtls_pk_free(&S.pk);
    return 0;
}

static int setup(void **state)
{
    (void)state;
    return compat_platform_up(NULL, NULL);
}

static int teardown(void **state)
{
    (void)state;
    compat_platform_down();
    return 0;
}

static void build(pu_dataset_t *ds, uint16_t version)
{
    static uint8_t payload[64];
    size_t n = 0;
    const char *msg = NULL;
    assert_int_equal(pu_key_payload_aes(PU_KEY_AES128, new_key, sizeof new_key, payload, sizeof payload, &n, &msg),
                     PU_OK);
    pu_params_t p;
    memset(&p, 0, sizeof p);
    p.payload_version = version;
    p.trust_anchor_oid = TA;
    p.target_oid = 0xE200u;
    p.payload_type = PU_TYPE_KEY;
    p.info1 = PU_KEY_AES128;
    p.info2 = 0x02; /* key usage: encryption */
    p.payload = payload;
    p.payload_len = n;
    pu_signer_t sg;
    memset(&sg, 0, sizeof sg);
    sg.key = &S.pk;
    sg.cose_alg = PU_ALG_RSA_PKCS1_SHA256;
    sg.f_rng = rng;
    sg.p_rng = &S.seed;
    memset(ds, 0, sizeof *ds);
    if (pu_build(&p, &sg, ds, &msg) != PU_OK)
        fail_msg("pu_build: %s", msg != NULL ? msg : "?");
    assert_int_equal(ds->n_fragments, 1);
}

static void test_aes_key_update_through_vendor_api(void **state)
{
    (void)state;
    optiga_util_t *u = optiga_util_create(OPTIGA_INSTANCE_ID_0, vt_callback, &vt_ctx_token);
    optiga_crypt_t *c = optiga_crypt_create(OPTIGA_INSTANCE_ID_0, vt_callback, &vt_ctx_token);
    assert_non_null(u);
    assert_non_null(c);
    assert_int_equal(VT(optiga_util_open_application(u, 0)), OPTIGA_LIB_SUCCESS);

    /* trust anchor: Execute = ALW, type TA; then the certificate */
    static const uint8_t ta_md[] = {0x20, 0x06, 0xD3, 0x01, 0x00, 0xE8, 0x01, 0x11};
    assert_int_equal(VT(optiga_util_write_metadata(u, TA, ta_md, sizeof ta_md)), OPTIGA_LIB_SUCCESS);
    assert_int_equal(VT(optiga_util_write_data(u, TA, OPTIGA_UTIL_ERASE_AND_WRITE, 0, S.cert, (uint16_t)S.cert_len)),
                     OPTIGA_LIB_SUCCESS);
    /* target E200: change = Int(E0E3), execute = ALW */
    static const uint8_t e200_md[] = {0x20, 0x08, 0xD0, 0x03, 0x21, 0xE0, 0xE3, 0xD3, 0x01, 0x00};
    assert_int_equal(VT(optiga_util_write_metadata(u, 0xE200, e200_md, sizeof e200_md)), OPTIGA_LIB_SUCCESS);

    static pu_dataset_t ds;
    build(&ds, 3);
    /* manifest format versions other than 0x01 are refused up front */
    assert_int_equal(VT(optiga_util_protected_update_start(u, 0x02, ds.manifest, (uint16_t)ds.manifest_len)),
                     OPTIGA_UTIL_ERROR_INVALID_INPUT);
    assert_int_equal(VT(optiga_util_protected_update_start(u, 0x01, ds.manifest, (uint16_t)ds.manifest_len)),
                     OPTIGA_LIB_SUCCESS);
    /* the strict lock keeps other instances out until final */
    uint8_t r[8];
    assert_int_equal(VT(optiga_crypt_random(c, OPTIGA_RNG_TYPE_TRNG, r, sizeof r)), OPTIGA_CMD_ERROR);
    assert_int_equal(VT(optiga_util_protected_update_final(u, ds.fragments, (uint16_t)ds.fragments_len)),
                     OPTIGA_LIB_SUCCESS);

    /* the chip now encrypts with the new key */
    uint8_t pt[32], ct[32], want[32];
    for (unsigned i = 0; i < sizeof pt; i++)
        pt[i] = (uint8_t)(0x5A ^ i);
    uint32_t len = sizeof ct;
    assert_int_equal(VT(optiga_crypt_symmetric_encrypt_ecb(c, OPTIGA_KEY_ID_SECRET_BASED, pt, sizeof pt, ct, &len)),
                     OPTIGA_LIB_SUCCESS);
    assert_int_equal(check_aes_ecb(new_key, sizeof new_key, pt, sizeof pt, want), 0);
    assert_memory_equal(ct, want, sizeof want);

    /* replaying the same data set (payload version not newer) is refused by the chip */
    optiga_lib_status_t st = VT(optiga_util_protected_update_start(u, 0x01, ds.manifest, (uint16_t)ds.manifest_len));
    if (st == OPTIGA_LIB_SUCCESS)
        st = VT(optiga_util_protected_update_final(u, ds.fragments, (uint16_t)ds.fragments_len));
    assert_int_equal(st & 0xFF00u, OPTIGA_DEVICE_ERROR);
    assert_int_not_equal(st, OPTIGA_DEVICE_ERROR);
    /* and the sequence is over: the lock is free */
    assert_int_equal(VT(optiga_crypt_random(c, OPTIGA_RNG_TYPE_TRNG, r, sizeof r)), OPTIGA_LIB_SUCCESS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_aes_key_update_through_vendor_api, setup, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
