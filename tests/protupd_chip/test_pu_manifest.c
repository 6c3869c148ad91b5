/*
 * The simulated chip's manifest parser and verifier against real data sets:
 *  - every manifest vector of shared/spec/vectors parses; every truncation, non-shortest
 *    encodings, indefinite lengths and trailing bytes are invalid (0x0F);
 *  - the seed's own data sets (AES key into E200, RSA key into E0FC, protected-update.md TV-1,
 *    TV-2), the two-fragment data set TV-5 and the confidential TV-4 are accepted by the chip
 *    with the vendor's sample certificate as trust anchor, and the keys work;
 *  - ES256 manifests verify with a P-256 trust anchor certificate.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <mbedtls/rsa.h>
#include <mbedtls/sha256.h>
#include <mbedtls/x509_crt.h>

#include "pu_chip_fixture.h"
#include "pu_testkeys.h"
#include "trustm_sim_manifest.h"
#include "trustm_testutil.h"

#define DERR(c) TRUSTM_DEVICE_ERR(c)

static const char *const manifests[] = {"pu_seed_aes_manifest.hex", "pu_seed_rsa_manifest_corrected.hex",
                                        "pu_v1_manifest.hex",       "pu_v2_manifest.hex",
                                        "pu_v3_manifest.hex",       "pu_v4_manifest.hex",
                                        "pu_v5_manifest.hex"};

static void check_mutations(const uint8_t *m, size_t n)
{
    for (size_t k = 0; k < n; k++)
        assert_int_equal(trustm_sim_manifest_check(m, k), 0x0F);
    uint8_t b[1100];
    assert_true(n + 1 <= sizeof b);
    memcpy(b, m, n);
    b[n] = 0x00;
    assert_int_equal(trustm_sim_manifest_check(b, n + 1), 0x0F); /* trailing byte */
    b[0] = 0x9F;                                                 /* indefinite array */
    assert_int_equal(trustm_sim_manifest_check(b, n), 0x0F);
    /* every single-byte change either still parses (content bytes) or is invalid */
    for (size_t k = 0; k < n; k++) {
        memcpy(b, m, n);
        b[k] ^= 0x21;
        int rc = trustm_sim_manifest_check(b, n);
        assert_true(rc == 0 || rc == 0x0F);
    }
}

static void test_vectors_parse(void **state)
{
    (void)state;
    char path[1024];
    TV_REQUIRE_SHARED("spec/vectors/pu_v1_manifest.hex", path);
    for (size_t i = 0; i < sizeof manifests / sizeof manifests[0]; i++) {
        uint8_t m[1024];
        long n = pt_vector_hex(manifests[i], m, sizeof m);
        assert_true(n > 100);
        assert_int_equal(trustm_sim_manifest_check(m, (size_t)n), 0);
        check_mutations(m, (size_t)n);
    }
}

static void test_generated_parse_and_strictness(void **state)
{
    (void)state;
    pcf_signer_t s;
    assert_int_equal(pcf_signer_init(&s, "rsa1024", "strict"), 0);
    uint8_t payload[19] = {0x01, 0x00, 0x10};
    pu_params_t p;
    memset(&p, 0, sizeof p);
    p.payload_version = 3;
    p.trust_anchor_oid = 0xE0E3;
    p.target_oid = 0xE200;
    p.payload_type = PU_TYPE_KEY;
    p.info1 = 0x81;
    p.info2 = 0x02;
    p.payload = payload;
    p.payload_len = sizeof payload;
    static pu_dataset_t ds;
    pcf_build(&p, &s, &ds);
    assert_int_equal(trustm_sim_manifest_check(ds.manifest, ds.manifest_len), 0);
    check_mutations(ds.manifest, ds.manifest_len);

    /* manifestVersion 1 written as 18 01 (not shortest form), payload length adjusted */
    uint8_t b[400];
    size_t n = ds.manifest_len;
    assert_int_equal(ds.manifest[14], 0x58);
    assert_int_equal(ds.manifest[16], 0x86);
    assert_int_equal(ds.manifest[17], 0x01);
    memcpy(b, ds.manifest, 17);
    b[15]++;
    b[17] = 0x18;
    b[18] = 0x01;
    memcpy(b + 19, ds.manifest + 18, n - 18);
    assert_int_equal(trustm_sim_manifest_check(b, n + 1), 0x0F);
    /* the same with the canonical form is fine again (the parser, not the signature) */
    memcpy(b, ds.manifest, n);
    assert_int_equal(trustm_sim_manifest_check(b, n), 0);
    /* payload type outside -1..-3, version with bit 15 are invalid */
    b[21] = 0x23; /* -4 */
    assert_int_equal(trustm_sim_manifest_check(b, n), 0x0F);
    assert_int_equal(trustm_sim_manifest_check(NULL, 0), 0x0F);
    pcf_signer_free(&s);
}

/* ------------------------------------------------------------------ vendor data sets on the chip */

static int load_sample_cert(uint8_t *der, size_t size, size_t *len)
{
    char path[1024];
    if (!tv_shared_path("spec/vectors/sample_rsa_1024_cert.pem", path, sizeof path))
        return -1;
    mbedtls_x509_crt crt;
    mbedtls_x509_crt_init(&crt);
    int rc = -1;
    if (mbedtls_x509_crt_parse_file(&crt, path) == 0 && crt.raw.len <= size) {
        memcpy(der, crt.raw.p, crt.raw.len);
        *len = crt.raw.len;
        rc = 0;
    }
    mbedtls_x509_crt_free(&crt);
    return rc;
}

static trustm_status_t apply_vector(pcf_chip_t *c, const char *manifest, const char *const *frags, size_t nf)
{
    static uint8_t m[1024], f[4][700];
    const uint8_t *fp[4];
    size_t fl[4];
    long n = pt_vector_hex(manifest, m, sizeof m);
    assert_true(n > 0);
    for (size_t i = 0; i < nf; i++) {
        long k = pt_vector_hex(frags[i], f[i], sizeof f[i]);
        assert_true(k > 0);
        fp[i] = f[i];
        fl[i] = (size_t)k;
    }
    return trustm_protected_update(&c->dev, m, (size_t)n, fp, fl, nf);
}

static void test_seed_data_sets_on_chip(void **state)
{
    (void)state;
    char path[1024];
    TV_REQUIRE_SHARED("spec/vectors/pu_seed_aes_manifest.hex", path);
    pcf_chip_t c;
    assert_int_equal(pcf_chip_open(&c, 77), 0);
    uint8_t cert[1300];
    size_t cl = 0;
    assert_int_equal(load_sample_cert(cert, sizeof cert, &cl), 0);
    assert_int_equal(trustm_protupd_provision_trust_anchor(&c.dev, 0xE0E3, cert, cl), TRUSTM_OK);

    /* seed §7.3 metadata, then the seed's AES data set (TV-1) */
    const uint8_t md_e200[] = {0x20, 0x09, 0xD0, 0x03, 0x21, 0xE0, 0xE3, 0xC1, 0x02, 0x00, 0x00};
    assert_int_equal(trustm_metadata_write(&c.dev, 0xE200, md_e200, sizeof md_e200), TRUSTM_OK);
    static const char *const aes_frag[] = {"pu_seed_aes_fragment_01.hex"};
    assert_int_equal(apply_vector(&c, "pu_seed_aes_manifest.hex", aes_frag, 1), TRUSTM_OK);
    static const uint8_t seed_key[16] = {0x22, 0x38, 0x5E, 0xA7, 0xEB, 0x61, 0x94, 0xB9,
                                         0xD7, 0xFF, 0xD4, 0x1C, 0xA5, 0x68, 0x34, 0xD3};
    assert_true(pcf_aes_matches(&c, 0xE200, seed_key, 16));
    assert_int_equal(apply_vector(&c, "pu_seed_aes_manifest.hex", aes_frag, 1), DERR(0x10));
    /* the seed's example resets the version before replaying (LcsO < op) */
    assert_int_equal(trustm_metadata_write(&c.dev, 0xE200, md_e200, sizeof md_e200), TRUSTM_OK);
    assert_int_equal(apply_vector(&c, "pu_seed_aes_manifest.hex", aes_frag, 1), TRUSTM_OK);

    /* TV-4: TV-3 with confidentiality, secret in F1D1 */
    uint8_t secret[64];
    assert_int_equal(pt_vector_hex("secret.txt", secret, sizeof secret), 64);
    assert_int_equal(trustm_protupd_provision_secret(&c.dev, 0xF1D1, secret, sizeof secret), TRUSTM_OK);
    const uint8_t md_conf[] = {0x20, 0x0D, 0xD0, 0x07, 0x21, 0xE0, 0xE3, 0xFD,
                               0x20, 0xF1, 0xD1, 0xC1, 0x02, 0x00, 0x00};
    assert_int_equal(trustm_metadata_write(&c.dev, 0xE200, md_conf, sizeof md_conf), TRUSTM_OK);
    assert_int_equal(apply_vector(&c, "pu_seed_aes_manifest.hex", aes_frag, 1), DERR(0x07));
    static const char *const v2_frag[] = {"pu_v2_fragment_01.hex"};
    assert_int_equal(apply_vector(&c, "pu_v2_manifest.hex", v2_frag, 1), TRUSTM_OK);
    static const uint8_t tv3_key[16] = {0xa2, 0xf9, 0xfa, 0xb4, 0x81, 0x4f, 0x68, 0x06,
                                        0x42, 0x3f, 0x6f, 0xc6, 0x21, 0xd0, 0x2e, 0x10};
    assert_true(pcf_aes_matches(&c, 0xE200, tv3_key, 16));

    /* TV-2: the seed's RSA data set into E0FC; sign on the chip, verify with n, e */
    const uint8_t md_e0fc[] = {0x20, 0x0C, 0xC1, 0x02, 0x00, 0x00, 0xD0, 0x03, 0x21, 0xE0, 0xE3, 0xD3, 0x01, 0x00};
    assert_int_equal(trustm_metadata_write(&c.dev, 0xE0FC, md_e0fc, sizeof md_e0fc), TRUSTM_OK);
    static const char *const rsa_frag[] = {"pu_seed_rsa_fragment_01.hex"};
    assert_int_equal(apply_vector(&c, "pu_seed_rsa_manifest_corrected.hex", rsa_frag, 1), TRUSTM_OK);
    uint8_t frag[300];
    assert_int_equal(pt_vector_hex("pu_seed_rsa_fragment_01.hex", frag, sizeof frag), 269);
    uint8_t digest[32], sig[256];
    size_t sl = 0;
    mbedtls_sha256_ret((const unsigned char *)"seed", 4, digest, 0);
    assert_int_equal(trustm_rsa_sign(&c.dev, 0xE0FC, TRUSTM_RSA_PKCS1_SHA256, digest, 32, sig, sizeof sig, &sl),
                     TRUSTM_OK);
    mbedtls_rsa_context r;
    mbedtls_rsa_init(&r, MBEDTLS_RSA_PKCS_V15, 0);
    assert_int_equal(mbedtls_rsa_import_raw(&r, frag + 134, 128, NULL, 0, NULL, 0, NULL, 0, frag + 265, 4), 0);
    assert_int_equal(mbedtls_rsa_complete(&r), 0);
    assert_int_equal(mbedtls_rsa_pkcs1_verify(&r, NULL, NULL, MBEDTLS_RSA_PUBLIC, MBEDTLS_MD_SHA256, 32, digest, sig),
                     0);
    mbedtls_rsa_free(&r);

    /* TV-5: 814 bytes of data into E0E1 in two fragments */
    const uint8_t md_e0e1[] = {0x20, 0x05, 0xD0, 0x03, 0x21, 0xE0, 0xE3};
    assert_int_equal(trustm_metadata_write(&c.dev, 0xE0E1, md_e0e1, sizeof md_e0e1), TRUSTM_OK);
    static const char *const v3_frags[] = {"pu_v3_fragment_01.hex", "pu_v3_fragment_02.hex"};
    assert_int_equal(apply_vector(&c, "pu_v3_manifest.hex", v3_frags, 2), TRUSTM_OK);
    assert_true(tv_shared_path("spec/vectors/ascii_data.txt", path, sizeof path));
    size_t al = 0;
    uint8_t *ascii = pt_read_file(path, &al);
    assert_non_null(ascii);
    assert_int_equal(al, 814);
    uint8_t back[1800];
    size_t bl = 0;
    assert_int_equal(trustm_data_read(&c.dev, 0xE0E1, 0, back, sizeof back, &bl), TRUSTM_OK);
    /* Write type 1 over the shipped 1728 used bytes: used size stays 1728 */
    assert_int_equal(bl, 1728);
    assert_memory_equal(back, ascii, 814);
    free(ascii);
    pcf_chip_close(&c);
}

static void load_set(const char *manifest, const char *frag, uint8_t *m, size_t *ml, uint8_t *f, size_t *fl)
{
    long n = pt_vector_hex(manifest, m, 400);
    long k = pt_vector_hex(frag, f, 700);
    assert_true(n > 0 && k > 0);
    *ml = (size_t)n;
    *fl = (size_t)k;
}

/* The seed's two flows (protected-update.md §7.4) through trustm_id2_aes/rsa_key_update with the
 * vendor's sample certificate, on one fresh chip; the AES flow twice (its setup resets the
 * version, so the seed's version-3 data set replays while LcsO < op). */
static void test_seed_id2_flows(void **state)
{
    (void)state;
    char path[1024];
    TV_REQUIRE_SHARED("spec/vectors/pu_seed_rsa_manifest_corrected.hex", path);
    pcf_chip_t c;
    assert_int_equal(pcf_chip_open(&c, 80), 0);
    uint8_t cert[1300];
    size_t cl = 0;
    assert_int_equal(load_sample_cert(cert, sizeof cert, &cl), 0);
    static const uint8_t id[12] = {0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x41, 0x42};
    static uint8_t m[400], f[700];
    size_t ml, fl;
    const uint8_t *fp[1] = {f};
    load_set("pu_seed_aes_manifest.hex", "pu_seed_aes_fragment_01.hex", m, &ml, f, &fl);
    for (int run = 0; run < 2; run++)
        assert_int_equal(trustm_id2_aes_key_update(&c.dev, id, cert, cl, m, ml, fp, &fl, 1), TRUSTM_OK);
    /* without the setup, the replay is refused */
    assert_int_equal(trustm_id2_aes_key_update(&c.dev, id, NULL, 0, m, ml, fp, &fl, 1), DERR(0x10));
    static const uint8_t seed_key[16] = {0x22, 0x38, 0x5E, 0xA7, 0xEB, 0x61, 0x94, 0xB9,
                                         0xD7, 0xFF, 0xD4, 0x1C, 0xA5, 0x68, 0x34, 0xD3};
    assert_true(pcf_aes_matches(&c, 0xE200, seed_key, 16));
    /* the AES data set through the RSA flow: E0FC is prepared, the data set targets E200 (v3
     * already there) */
    assert_int_equal(trustm_id2_rsa_key_update(&c.dev, id, cert, cl, m, ml, fp, &fl, 1), DERR(0x10));
    load_set("pu_seed_rsa_manifest_corrected.hex", "pu_seed_rsa_fragment_01.hex", m, &ml, f, &fl);
    assert_int_equal(trustm_id2_rsa_key_update(&c.dev, id, cert, cl, m, ml, fp, &fl, 1), TRUSTM_OK);
    uint8_t back[16];
    size_t bl = 0;
    assert_int_equal(trustm_data_read(&c.dev, 0xF1D0, 0, back, sizeof back, &bl), TRUSTM_OK);
    assert_int_equal(bl, 12);
    assert_memory_equal(back, id, 12);
    uint8_t digest[32], sig[128];
    size_t sl = 0;
    mbedtls_sha256_ret((const unsigned char *)"flow", 4, digest, 0);
    assert_int_equal(trustm_rsa_sign(&c.dev, 0xE0FC, TRUSTM_RSA_PKCS1_SHA256, digest, 32, sig, sizeof sig, &sl),
                     TRUSTM_OK);
    mbedtls_rsa_context r;
    mbedtls_rsa_init(&r, MBEDTLS_RSA_PKCS_V15, 0);
    assert_int_equal(mbedtls_rsa_import_raw(&r, f + 134, 128, NULL, 0, NULL, 0, NULL, 0, f + 265, 4), 0);
    assert_int_equal(mbedtls_rsa_complete(&r), 0);
    assert_int_equal(mbedtls_rsa_pkcs1_verify(&r, NULL, NULL, MBEDTLS_RSA_PUBLIC, MBEDTLS_MD_SHA256, 32, digest, sig),
                     0);
    mbedtls_rsa_free(&r);
    /* bad arguments: nothing written */
    assert_int_equal(trustm_id2_rsa_key_update(&c.dev, NULL, cert, cl, m, ml, fp, &fl, 1),
                     TRUSTM_STATUS(TRUSTM_LAYER_API, TRUSTM_BASE_BAD_PARAM));
    assert_int_equal(trustm_id2_rsa_key_update(&c.dev, id, cert, cl, m, ml, fp, &fl, 0),
                     TRUSTM_STATUS(TRUSTM_LAYER_API, TRUSTM_BASE_BAD_PARAM));
    pcf_chip_close(&c);
}

static void test_es256_trust_anchor(void **state)
{
    (void)state;
    pcf_signer_t s;
    assert_int_equal(pcf_signer_init(&s, "p256", "ec signer"), 0);
    pcf_chip_t c;
    assert_int_equal(pcf_chip_open(&c, 78), 0);
    assert_int_equal(trustm_protupd_provision_trust_anchor(&c.dev, 0xE0E8, s.cert, s.cert_len), TRUSTM_OK);
    trustm_protupd_target_t tg;
    memset(&tg, 0, sizeof tg);
    tg.oid = 0xF1D6;
    tg.ta_oid = 0xE0E8;
    assert_int_equal(trustm_protupd_provision_target(&c.dev, &tg), TRUSTM_OK);
    uint8_t data[50];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 3u);
    pu_params_t p;
    memset(&p, 0, sizeof p);
    p.payload_version = 1;
    p.trust_anchor_oid = 0xE0E8;
    p.target_oid = 0xF1D6;
    p.payload_type = PU_TYPE_DATA;
    p.info1 = 0;
    p.info2 = 2;
    p.payload = data;
    p.payload_len = sizeof data;
    static pu_dataset_t ds;
    pcf_build(&p, &s, &ds);
    assert_int_equal(ds.sig_len, 64);
    pu_dataset_t *bad = malloc(sizeof *bad);
    assert_non_null(bad);
    *bad = ds;
    bad->manifest[bad->manifest_len - 3] ^= 0x10;
    assert_int_equal(pcf_apply(&c, bad), DERR(0x2C));
    free(bad);
    /* an RSA-signed manifest naming the EC trust anchor */
    pcf_signer_t r;
    assert_int_equal(pcf_signer_init(&r, "rsa1024", "rsa"), 0);
    static pu_dataset_t rds;
    pcf_build(&p, &r, &rds);
    assert_int_equal(pcf_apply(&c, &rds), DERR(0x2C));
    assert_int_equal(pcf_apply(&c, &ds), TRUSTM_OK);
    uint8_t back[140];
    size_t bl = 0;
    assert_int_equal(trustm_data_read(&c.dev, 0xF1D6, 0, back, sizeof back, &bl), TRUSTM_OK);
    assert_int_equal(bl, sizeof data);
    assert_memory_equal(back, data, sizeof data);
    pcf_signer_free(&r);
    pcf_signer_free(&s);
    pcf_chip_close(&c);
}

/* RSA-2048 signer (335-byte manifest) and an RSA-2048 key payload (525 bytes, one fragment)
 * into E0FD; the chip's signature verifies with the known key. */
static void test_rsa2048_signer_and_key(void **state)
{
    (void)state;
    pcf_signer_t s;
    assert_int_equal(pcf_signer_init(&s, "rsa2048", "rsa2048 signer"), 0);
    pcf_chip_t c;
    assert_int_equal(pcf_chip_open(&c, 79), 0);
    assert_int_equal(trustm_protupd_provision_trust_anchor(&c.dev, 0xE0E3, s.cert, s.cert_len), TRUSTM_OK);
    trustm_protupd_target_t tg;
    memset(&tg, 0, sizeof tg);
    tg.oid = 0xE0FD;
    tg.ta_oid = 0xE0E3;
    tg.key_object = true;
    assert_int_equal(trustm_protupd_provision_target(&c.dev, &tg), TRUSTM_OK);
    mbedtls_pk_context key;
    mbedtls_pk_init(&key);
    assert_int_equal(pt_gen_key("rsa2048", &key), 0);
    static uint8_t payload[600];
    size_t n = 0;
    const char *msg;
    assert_int_equal(pu_key_payload_pk(PU_KEY_RSA2048, &key, payload, sizeof payload, &n, &msg), PU_OK);
    assert_int_equal(n, 525);
    pu_params_t p;
    memset(&p, 0, sizeof p);
    p.payload_version = 1;
    p.trust_anchor_oid = 0xE0E3;
    p.target_oid = 0xE0FD;
    p.payload_type = PU_TYPE_KEY;
    p.info1 = PU_KEY_RSA2048;
    p.info2 = 0x10;
    p.payload = payload;
    p.payload_len = n;
    static pu_dataset_t ds;
    pcf_build(&p, &s, &ds);
    assert_int_equal(ds.manifest_len, 337); /* TV-7 (335) with size 525 = 19 02 0D instead of 13 */
    assert_int_equal(pcf_apply(&c, &ds), TRUSTM_OK);
    uint8_t digest[32], sig[256];
    size_t sl = 0;
    mbedtls_sha256_ret((const unsigned char *)"rsa2048", 7, digest, 0);
    assert_int_equal(trustm_rsa_sign(&c.dev, 0xE0FD, TRUSTM_RSA_PKCS1_SHA256, digest, 32, sig, sizeof sig, &sl),
                     TRUSTM_OK);
    assert_int_equal(sl, 256);
    assert_int_equal(mbedtls_pk_verify(&key, MBEDTLS_MD_SHA256, digest, 32, sig, sl), 0);
    mbedtls_pk_free(&key);
    pcf_signer_free(&s);
    pcf_chip_close(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors_parse),          cmocka_unit_test(test_generated_parse_and_strictness),
        cmocka_unit_test(test_seed_data_sets_on_chip), cmocka_unit_test(test_seed_id2_flows),
        cmocka_unit_test(test_es256_trust_anchor),     cmocka_unit_test(test_rsa2048_signer_and_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
