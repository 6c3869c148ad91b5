/*
 * test_protupd_vectors.c - the data-set builder against the spec vectors (protected-update.md §9:
 * seed AES/RSA data sets and pu_v1..pu_v5), and round trips with keys generated at test time:
 * build -> strict parse with the CBOR decoder -> verify the signature -> check the fragment chain
 * and decrypt.
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

#include "pu_dataset.h"
#include "pu_testkeys.h"
#include "trustm_cbor.h"
#include "trustm_testutil.h"

static uint32_t g_rng_ctr = 1;

typedef struct fix {
    mbedtls_pk_context signer;
    pu_params_t p;
    pu_signer_t s;
    pu_dataset_t ds;
    uint8_t payload[PU_MAX_PAYLOAD + 64];
} fix_t;

static int setup(void **state)
{
    fix_t *f = calloc(1, sizeof *f);
    if (f == NULL)
        return -1;
    mbedtls_pk_init(&f->signer);
    f->s.key = &f->signer;
    f->s.f_rng = pt_rng;
    f->s.p_rng = &g_rng_ctr;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fix_t *f = *state;
    mbedtls_pk_free(&f->signer);
    free(f);
    return 0;
}

/* Load a shared key (skips the test when shared/ is absent). */
static void shared_key(const char *name, mbedtls_pk_context *pk)
{
    char rel[128], path[1024];
    snprintf(rel, sizeof rel, "spec/vectors/%s", name);
    TV_REQUIRE_SHARED(rel, path);
    assert_int_equal(mbedtls_pk_parse_keyfile(pk, path, NULL), 0);
}

static void expect_vector(const char *name, const uint8_t *got, size_t got_len)
{
    static uint8_t want[4096];
    long n = pt_vector_hex(name, want, sizeof want);
    if (n < 0) {
        print_message("SKIP: %s not found\n", name);
        skip();
    }
    if ((size_t)n != got_len || memcmp(want, got, got_len) != 0)
        fail_msg("%s differs: got %zu bytes %s", name, got_len, tv_hex_str(got, got_len));
}

/* TV-1/TV-3 shaped parameters: version 3, TA E0E3, target E200, AES-128 key, usage 02. */
static void aes_params(fix_t *f, const char *key_hex)
{
    uint8_t key[16];
    size_t len = 0;
    const char *msg = NULL;
    assert_int_equal(tv_hex_parse(key_hex, key, sizeof key), 16);
    assert_int_equal(pu_key_payload_aes(PU_KEY_AES128, key, 16, f->payload, sizeof f->payload, &len, &msg), PU_OK);
    f->p = (pu_params_t){.payload_version = 3,
                         .trust_anchor_oid = 0xE0E3,
                         .target_oid = 0xE200,
                         .payload_type = PU_TYPE_KEY,
                         .info1 = PU_KEY_AES128,
                         .info2 = 0x02,
                         .payload = f->payload,
                         .payload_len = len};
}

static void build_ok(fix_t *f)
{
    const char *msg = NULL;
    pu_err_t e = pu_build(&f->p, &f->s, &f->ds, &msg);
    if (e != PU_OK)
        fail_msg("pu_build: %s", msg);
}

static void test_seed_aes(void **state)
{
    fix_t *f = *state;
    shared_key("sample_rsa_1024_priv.pem", &f->signer);
    f->s.cose_alg = PU_ALG_RSA_PKCS1_SHA256;
    aes_params(f, "22385EA7EB6194B9D7FFD41CA56834D3");
    build_ok(f);
    assert_int_equal(f->ds.manifest_len, 206);
    assert_int_equal(f->ds.n_fragments, 1);
    expect_vector("pu_seed_aes_fragment_01.hex", f->ds.fragments, f->ds.fragments_len);
    expect_vector("pu_seed_aes_manifest.hex", f->ds.manifest, f->ds.manifest_len);
}

static void test_seed_rsa(void **state)
{
    fix_t *f = *state;
    shared_key("sample_rsa_1024_priv.pem", &f->signer);
    f->s.cose_alg = PU_ALG_RSA_PKCS1_SHA256;
    /* The key being provisioned is fully contained in the seed's fragment: d, n, e. */
    uint8_t frag[269];
    long n = pt_vector_hex("pu_seed_rsa_fragment_01.hex", frag, sizeof frag);
    assert_int_equal(n, 269);
    mbedtls_pk_context key;
    mbedtls_pk_init(&key);
    assert_int_equal(mbedtls_pk_setup(&key, mbedtls_pk_info_from_type(MBEDTLS_PK_RSA)), 0);
    mbedtls_rsa_context *rsa = mbedtls_pk_rsa(key);
    assert_int_equal(mbedtls_rsa_import_raw(rsa, frag + 134, 128, NULL, 0, NULL, 0, frag + 3, 128, frag + 265, 4), 0);
    assert_int_equal(mbedtls_rsa_complete(rsa), 0);
    assert_int_equal(mbedtls_rsa_check_privkey(rsa), 0);

    size_t len = 0;
    const char *msg = NULL;
    assert_int_equal(pu_key_payload_pk(PU_KEY_RSA1024, &key, f->payload, sizeof f->payload, &len, &msg), PU_OK);
    assert_int_equal(len, 269);
    assert_memory_equal(f->payload, frag, 269);
    /* and the wrong key_algo for it is refused */
    assert_int_equal(pu_key_payload_pk(PU_KEY_RSA2048, &key, f->payload, sizeof f->payload, &len, &msg), PU_ERR_KEY);
    assert_int_equal(pu_key_payload_pk(PU_KEY_ECC_P256, &key, f->payload, sizeof f->payload, &len, &msg), PU_ERR_KEY);
    assert_int_equal(pu_key_payload_pk(PU_KEY_RSA1024, &key, f->payload, sizeof f->payload, &len, &msg), PU_OK);
    mbedtls_pk_free(&key);

    f->p = (pu_params_t){.payload_version = 3,
                         .trust_anchor_oid = 0xE0E3,
                         .target_oid = 0xE0FC,
                         .payload_type = PU_TYPE_KEY,
                         .info1 = PU_KEY_RSA1024,
                         .info2 = 0x12,
                         .payload = f->payload,
                         .payload_len = len};
    build_ok(f);
    assert_int_equal(f->ds.manifest_len, 208);
    expect_vector("pu_seed_rsa_fragment_01.hex", f->ds.fragments, f->ds.fragments_len);
    expect_vector("pu_seed_rsa_manifest_corrected.hex", f->ds.manifest, f->ds.manifest_len);
}

static void test_v1(void **state)
{
    fix_t *f = *state;
    shared_key("sample_rsa_1024_priv.pem", &f->signer);
    f->s.cose_alg = PU_ALG_RSA_PKCS1_SHA256;
    aes_params(f, "a2f9fab4814f6806423f6fc621d02e10");
    build_ok(f);
    expect_vector("pu_v1_manifest.hex", f->ds.manifest, f->ds.manifest_len);
    expect_vector("pu_v1_fragment_01.hex", f->ds.fragments, f->ds.fragments_len);
    expect_vector("pu_v1_sig_structure.hex", f->ds.tbs, f->ds.tbs_len);
    expect_vector("pu_v1_signature.hex", f->ds.signature, f->ds.sig_len);
}

static const uint8_t k_seed64[64] = {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15,
                                     16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31,
                                     32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47,
                                     48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63};

static size_t tv4_secret(uint8_t *secret)
{
    const char *half = "49C9F492A992F6D4C54F5B12C57EDB27CED224048F25482AA149C9F492A992F6";
    assert_int_equal(tv_hex_parse(half, secret, 32), 32);
    memcpy(secret + 32, secret, 32);
    return 64;
}

static void test_kdf_tv4(void **state)
{
    (void)state;
    uint8_t secret[64], out[27], want[27];
    tv4_secret(secret);
    assert_int_equal(pu_kdf_tls12_prf_sha256(secret, 64, "test", 4, k_seed64, 64, out, sizeof out), PU_OK);
    tv_hex_parse("66945CAE7EDEE56B151517F71C5F750952070C6AFBF2287C71EF07", want, sizeof want);
    assert_memory_equal(out, want, 27);
}

static void test_v2_confidentiality(void **state)
{
    fix_t *f = *state;
    uint8_t secret[64];
    shared_key("sample_rsa_1024_priv.pem", &f->signer);
    f->s.cose_alg = PU_ALG_RSA_PKCS1_SHA256;
    aes_params(f, "a2f9fab4814f6806423f6fc621d02e10");
    f->p.conf = true;
    f->p.secret = secret;
    f->p.secret_len = tv4_secret(secret);
    f->p.secret_oid = 0xF1D1;
    f->p.label = "test";
    f->p.label_len = 4;
    f->p.seed = k_seed64;
    f->p.seed_len = 64;
    build_ok(f);
    assert_int_equal(f->ds.manifest_len, 302);
    expect_vector("pu_v2_manifest.hex", f->ds.manifest, f->ds.manifest_len);
    expect_vector("pu_v2_fragment_01.hex", f->ds.fragments, f->ds.fragments_len);
    expect_vector("pu_v2_sig_structure.hex", f->ds.tbs, f->ds.tbs_len);
    expect_vector("pu_v2_signature.hex", f->ds.signature, f->ds.sig_len);

    /* parse + decrypt back */
    pu_manifest_info_t mi;
    const char *msg = NULL;
    uint8_t plain[64];
    size_t pl = 0;
    assert_int_equal(pu_parse_manifest(f->ds.manifest, f->ds.manifest_len, &mi, &msg), PU_OK);
    assert_true(mi.conf);
    assert_int_equal(mi.secret_oid, 0xF1D1);
    assert_int_equal(
        pu_open_fragments(&mi, secret, 64, f->ds.fragments, f->ds.fragments_len, plain, sizeof plain, &pl, &msg),
        PU_OK);
    assert_int_equal(pl, 19);
    assert_memory_equal(plain, f->payload, 19);
    /* a wrong secret fails the CCM tag */
    secret[0] ^= 1;
    assert_int_equal(
        pu_open_fragments(&mi, secret, 64, f->ds.fragments, f->ds.fragments_len, plain, sizeof plain, &pl, &msg),
        PU_ERR_CRYPTO);
}

static void test_v3_two_fragments(void **state)
{
    fix_t *f = *state;
    char path[1024];
    shared_key("sample_rsa_1024_priv.pem", &f->signer);
    f->s.cose_alg = PU_ALG_RSA_PKCS1_SHA256;
    TV_REQUIRE_SHARED("spec/vectors/ascii_data.txt", path);
    size_t n = 0;
    uint8_t *data = pt_read_file(path, &n);
    assert_non_null(data);
    assert_int_equal(n, 814);
    memcpy(f->payload, data, n);
    free(data);
    f->p = (pu_params_t){.payload_version = 3,
                         .trust_anchor_oid = 0xE0E3,
                         .target_oid = 0xE0E1,
                         .payload_type = PU_TYPE_DATA,
                         .info1 = 0,
                         .info2 = 1,
                         .payload = f->payload,
                         .payload_len = n};
    build_ok(f);
    assert_int_equal(f->ds.n_fragments, 2);
    assert_int_equal(f->ds.fragments_len, 640 + 206);
    expect_vector("pu_v3_manifest.hex", f->ds.manifest, f->ds.manifest_len);
    expect_vector("pu_v3_fragment_01.hex", f->ds.fragments, 640);
    expect_vector("pu_v3_fragment_02.hex", f->ds.fragments + 640, 206);
    expect_vector("pu_v3_sig_structure.hex", f->ds.tbs, f->ds.tbs_len);
    expect_vector("pu_v3_signature.hex", f->ds.signature, f->ds.sig_len);
}

static void test_v4_es256(void **state)
{
    fix_t *f = *state;
    shared_key("sample_ec_256_priv.pem", &f->signer);
    f->s.cose_alg = PU_ALG_ES256;
    aes_params(f, "a2f9fab4814f6806423f6fc621d02e10");
    build_ok(f);
    assert_int_equal(f->ds.manifest_len, 138);
    assert_int_equal(f->ds.sig_len, 64);
    /* The vector's signature used a random k; everything before it must match exactly. */
    uint8_t want[160];
    long n = pt_vector_hex("pu_v4_manifest.hex", want, sizeof want);
    assert_int_equal(n, 138);
    assert_memory_equal(f->ds.manifest, want, 138 - 64);
    expect_vector("pu_v4_sig_structure.hex", f->ds.tbs, f->ds.tbs_len);

    /* Our deterministic (RFC 6979) signature verifies, is stable, and so does the vector's. */
    mbedtls_pk_context pub;
    char path[1024];
    mbedtls_pk_init(&pub);
    TV_REQUIRE_SHARED("spec/vectors/sample_ec_256_pub.pem", path);
    assert_int_equal(mbedtls_pk_parse_public_keyfile(&pub, path), 0);
    pu_manifest_info_t mi;
    const char *msg = NULL;
    assert_int_equal(pu_parse_manifest(f->ds.manifest, f->ds.manifest_len, &mi, &msg), PU_OK);
    assert_int_equal(pu_verify_manifest(&mi, &pub, &msg), PU_OK);
    uint8_t first[64];
    memcpy(first, f->ds.signature, 64);
    build_ok(f);
    assert_memory_equal(first, f->ds.signature, 64);

    assert_int_equal(pu_parse_manifest(want, 138, &mi, &msg), PU_OK);
    assert_int_equal(mi.sign_alg, PU_ALG_ES256);
    assert_int_equal(pu_verify_manifest(&mi, &pub, &msg), PU_OK);
    uint8_t raw[64];
    assert_int_equal(pt_vector_hex("pu_v4_signature_raw.hex", raw, sizeof raw), 64);
    assert_memory_equal(mi.signature, raw, 64);
    want[137] ^= 0x01;
    assert_int_equal(pu_parse_manifest(want, 138, &mi, &msg), PU_OK);
    assert_int_not_equal(pu_verify_manifest(&mi, &pub, &msg), PU_OK);
    mbedtls_pk_free(&pub);
}

static void test_v5_rsa2048(void **state)
{
    fix_t *f = *state;
    shared_key("sample_rsa_2048_priv.pem", &f->signer);
    f->s.cose_alg = PU_ALG_RSA_PKCS1_SHA256;
    aes_params(f, "a2f9fab4814f6806423f6fc621d02e10");
    build_ok(f);
    assert_int_equal(f->ds.manifest_len, 335);
    expect_vector("pu_v5_manifest.hex", f->ds.manifest, f->ds.manifest_len);
    expect_vector("pu_v5_sig_structure.hex", f->ds.tbs, f->ds.tbs_len);
    expect_vector("pu_v5_signature.hex", f->ds.signature, f->ds.sig_len);
}

static void test_spec_vectors_parse_and_verify(void **state)
{
    (void)state;
    static const char *const names[] = {"pu_seed_aes_manifest.hex", "pu_seed_rsa_manifest_corrected.hex",
                                        "pu_v1_manifest.hex", "pu_v2_manifest.hex", "pu_v3_manifest.hex"};
    mbedtls_pk_context pub;
    char path[1024];
    TV_REQUIRE_SHARED("spec/vectors/sample_rsa_1024_pub.pem", path);
    mbedtls_pk_init(&pub);
    assert_int_equal(mbedtls_pk_parse_public_keyfile(&pub, path), 0);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        uint8_t m[400];
        long n = pt_vector_hex(names[i], m, sizeof m);
        assert_true(n > 0);
        pu_manifest_info_t mi;
        const char *msg = NULL;
        if (pu_parse_manifest(m, (size_t)n, &mi, &msg) != PU_OK)
            fail_msg("%s: %s", names[i], msg);
        assert_int_equal(mi.trust_anchor_oid, 0xE0E3);
        assert_int_equal(mi.payload_version, 3);
        assert_int_equal(pu_verify_manifest(&mi, &pub, &msg), PU_OK);
        /* strictness: a trailing byte and a truncation are both refused */
        m[n] = 0x00;
        assert_int_equal(pu_parse_manifest(m, (size_t)n + 1u, &mi, &msg), PU_ERR_FORMAT);
        assert_int_equal(pu_parse_manifest(m, (size_t)n - 1u, &mi, &msg), PU_ERR_FORMAT);
    }
    /* non-canonical: the seed manifest's size 19 ("13") rewritten as "18 13" inside a 61-byte payload */
    uint8_t m[400], nc[400];
    long n = pt_vector_hex("pu_seed_aes_manifest.hex", m, sizeof m);
    assert_int_equal(n, 206);
    memcpy(nc, m, 22);
    nc[15] = 0x3D;
    nc[22] = 0x18;
    memcpy(nc + 23, m + 22, (size_t)n - 22u);
    pu_manifest_info_t mi;
    const char *msg = NULL;
    assert_int_equal(pu_parse_manifest(nc, (size_t)n + 1u, &mi, &msg), PU_ERR_FORMAT);
    /* "Signature1" as a text string (RFC 8152) would not verify: flip 4A->6A is not what we sign */
    mbedtls_pk_free(&pub);
}

/* ---------------------------------------------------------------- always-run round trips */

static void roundtrip(fix_t *f, mbedtls_pk_context *verify_key, const uint8_t *secret, size_t secret_len)
{
    pu_manifest_info_t mi;
    const char *msg = NULL;
    static uint8_t plain[PU_MAX_PAYLOAD];
    size_t pl = 0;
    build_ok(f);
    if (pu_parse_manifest(f->ds.manifest, f->ds.manifest_len, &mi, &msg) != PU_OK)
        fail_msg("parse: %s", msg);
    assert_int_equal(trustm_cbor_validate(f->ds.manifest, f->ds.manifest_len), TRUSTM_CBOR_OK);
    assert_int_equal(mi.payload_type, f->p.payload_type);
    assert_int_equal(mi.payload_size, f->p.payload_len);
    assert_int_equal(mi.payload_version, f->p.payload_version);
    assert_int_equal(mi.target_oid, f->p.target_oid);
    assert_int_equal(mi.info1, f->p.info1);
    assert_int_equal(mi.info2, f->p.info2);
    assert_int_equal(mi.conf, f->p.conf);
    if (pu_verify_manifest(&mi, verify_key, &msg) != PU_OK)
        fail_msg("verify: %s", msg);
    if (pu_open_fragments(&mi, secret, secret_len, f->ds.fragments, f->ds.fragments_len, plain, sizeof plain, &pl,
                          &msg) != PU_OK)
        fail_msg("open: %s", msg);
    assert_int_equal(pl, f->p.payload_len);
    assert_memory_equal(plain, f->p.payload, pl);
    /* tampering with the last fragment breaks the digest chain */
    f->ds.fragments[f->ds.fragments_len - 1u] ^= 0x80;
    assert_int_not_equal(pu_open_fragments(&mi, secret, secret_len, f->ds.fragments, f->ds.fragments_len, plain,
                                           sizeof plain, &pl, &msg),
                         PU_OK);
    f->ds.fragments[f->ds.fragments_len - 1u] ^= 0x80;
    /* tampering with the signed payload breaks the signature */
    f->ds.manifest[20] ^= 0x01;
    if (pu_parse_manifest(f->ds.manifest, f->ds.manifest_len, &mi, &msg) == PU_OK)
        assert_int_not_equal(pu_verify_manifest(&mi, verify_key, &msg), PU_OK);
    f->ds.manifest[20] ^= 0x01;
}

static void test_generated_signers(void **state)
{
    fix_t *f = *state;
    static const char *const types[] = {"rsa1024", "rsa2048", "p256", "p384"};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        mbedtls_pk_free(&f->signer);
        mbedtls_pk_init(&f->signer);
        assert_int_equal(pt_gen_key(types[i], &f->signer), 0);
        f->s.cose_alg = types[i][0] == 'r' ? PU_ALG_RSA_PKCS1_SHA256 : PU_ALG_ES256;
        aes_params(f, "000102030405060708090A0B0C0D0E0F");
        roundtrip(f, &f->signer, NULL, 0);
        size_t want_sig = i == 0 ? 128 : i == 1 ? 256 : i == 2 ? 64 : 96;
        assert_int_equal(f->ds.sig_len, want_sig);
        /* RSA PKCS#1 v1.5 and RFC 6979 ECDSA are deterministic */
        uint8_t first[PU_MANIFEST_MAX];
        size_t fl = f->ds.manifest_len;
        memcpy(first, f->ds.manifest, fl);
        build_ok(f);
        assert_int_equal(f->ds.manifest_len, fl);
        assert_memory_equal(first, f->ds.manifest, fl);
        /* a signer of the other kind is refused */
        f->s.cose_alg = types[i][0] == 'r' ? PU_ALG_ES256 : PU_ALG_RSA_PKCS1_SHA256;
        const char *msg = NULL;
        assert_int_equal(pu_build(&f->p, &f->s, &f->ds, &msg), PU_ERR_KEY);
    }
}

static void test_key_payloads(void **state)
{
    fix_t *f = *state;
    assert_int_equal(pt_gen_key("p256", &f->signer), 0);
    f->s.cose_alg = PU_ALG_ES256;
    uint8_t key[32];
    size_t len;
    const char *msg = NULL;
    for (unsigned k = 0; k < 32; k++)
        key[k] = (uint8_t)k;
    /* AES 128/192/256 and size mismatches */
    static const unsigned algos[3] = {PU_KEY_AES128, PU_KEY_AES192, PU_KEY_AES256};
    for (unsigned a = 0; a < 3; a++) {
        size_t kl = 16u + 8u * a;
        assert_int_equal(pu_key_payload_aes(algos[a], key, kl, f->payload, sizeof f->payload, &len, &msg), PU_OK);
        assert_int_equal(len, 3 + kl);
        assert_int_equal(f->payload[0], 0x01);
        assert_int_equal(f->payload[2], kl);
        assert_int_equal(pu_key_payload_aes(algos[a], key, kl - 8u, f->payload, sizeof f->payload, &len, &msg),
                         PU_ERR_KEY);
    }
    assert_int_equal(pu_key_payload_aes(PU_KEY_RSA1024, key, 16, f->payload, sizeof f->payload, &len, &msg),
                     PU_ERR_KEY);

    /* RSA and EC key payloads from generated keys: sizes of §5.1, and the chip could use them */
    static const struct {
        const char *type;
        unsigned algo;
        size_t len;
    } k[] = {{"rsa1024", PU_KEY_RSA1024, 269},
             {"rsa2048", PU_KEY_RSA2048, 525},
             {"p256", PU_KEY_ECC_P256, 102},
             {"p384", PU_KEY_ECC_P384, 150}};
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
        mbedtls_pk_context pk;
        mbedtls_pk_init(&pk);
        assert_int_equal(pt_gen_key(k[i].type, &pk), 0);
        if (pu_key_payload_pk(k[i].algo, &pk, f->payload, sizeof f->payload, &len, &msg) != PU_OK)
            fail_msg("%s: %s", k[i].type, msg);
        assert_int_equal(len, k[i].len);
        /* wrong size for the algorithm */
        unsigned wrong = k[i].algo == PU_KEY_RSA1024    ? PU_KEY_RSA2048
                         : k[i].algo == PU_KEY_RSA2048  ? PU_KEY_RSA1024
                         : k[i].algo == PU_KEY_ECC_P256 ? PU_KEY_ECC_P384
                                                        : PU_KEY_ECC_P256;
        assert_int_equal(pu_key_payload_pk(wrong, &pk, f->payload + 600, 600, &len, &msg), PU_ERR_KEY);
        if (k[i].algo == PU_KEY_RSA1024) {
            /* check the TLV contents: n at 134, e = 00 01 00 01 */
            uint8_t nbuf[128];
            assert_int_equal(mbedtls_rsa_export_raw(mbedtls_pk_rsa(pk), nbuf, 128, NULL, 0, NULL, 0, NULL, 0, NULL, 0),
                             0);
            assert_memory_equal(f->payload + 134, nbuf, 128);
            assert_memory_equal(f->payload + 265, "\x00\x01\x00\x01", 4);
        }
        f->p = (pu_params_t){.payload_version = 7,
                             .trust_anchor_oid = 0xE0E8,
                             .target_oid = 0xE0F1,
                             .payload_type = PU_TYPE_KEY,
                             .info1 = k[i].algo,
                             .info2 = 0x10,
                             .payload = f->payload,
                             .payload_len = k[i].len};
        roundtrip(f, &f->signer, NULL, 0);
        mbedtls_pk_free(&pk);
    }
}

static void test_conf_multi_fragment_and_limits(void **state)
{
    fix_t *f = *state;
    assert_int_equal(pt_gen_key("rsa1024", &f->signer), 0);
    f->s.cose_alg = PU_ALG_RSA_PKCS1_SHA256;
    uint8_t secret[40];
    uint8_t seed[16];
    for (size_t i = 0; i < sizeof secret; i++)
        secret[i] = (uint8_t)(0xA0 ^ i);
    for (size_t i = 0; i < sizeof seed; i++)
        seed[i] = (uint8_t)(i * 7);
    for (size_t i = 0; i < PU_MAX_PAYLOAD; i++)
        f->payload[i] = (uint8_t)(i * 31u + 5u);
    static const size_t sizes[] = {1, 599, 600, 601, 1200, 1500, PU_MAX_PAYLOAD};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        f->p = (pu_params_t){.payload_version = 0x7FFF,
                             .trust_anchor_oid = 0xE0E3,
                             .target_oid = 0xF1E0,
                             .payload_type = PU_TYPE_DATA,
                             .info1 = 0,
                             .info2 = 2,
                             .payload = f->payload,
                             .payload_len = sizes[s],
                             .conf = true,
                             .secret = secret,
                             .secret_len = sizeof secret,
                             .secret_oid = 0xF1D1,
                             .label = "Confidentiality",
                             .label_len = 15,
                             .seed = seed,
                             .seed_len = sizeof seed};
        roundtrip(f, &f->signer, secret, sizeof secret);
        size_t want_n = (sizes[s] + 599u) / 600u;
        assert_int_equal(f->ds.n_fragments, want_n);
        assert_int_equal(f->ds.fragments_len, (want_n - 1u) * 640u + (sizes[s] - (want_n - 1u) * 600u) + 8u);
        /* without confidentiality: 608 per fragment */
        f->p.conf = false;
        roundtrip(f, &f->signer, NULL, 0);
        assert_int_equal(f->ds.n_fragments, (sizes[s] + 607u) / 608u);
    }
    /* unicast COUID */
    uint8_t couid[25];
    memset(couid, 0xCD, sizeof couid);
    f->p.couid = couid;
    f->p.payload_len = 10;
    roundtrip(f, &f->signer, NULL, 0);
    pu_manifest_info_t mi;
    const char *msg = NULL;
    assert_int_equal(pu_parse_manifest(f->ds.manifest, f->ds.manifest_len, &mi, &msg), PU_OK);
    assert_non_null(mi.couid);
    assert_memory_equal(mi.couid, couid, 25);

    /* limits */
    f->p.couid = NULL;
    f->p.payload_len = PU_MAX_PAYLOAD + 1u;
    assert_int_equal(pu_build(&f->p, &f->s, &f->ds, &msg), PU_ERR_TOO_LARGE);
    f->p.payload_len = 100;
    f->p.info1 = PU_MAX_PAYLOAD - 99u; /* offset + len = 1729 */
    assert_int_equal(pu_build(&f->p, &f->s, &f->ds, &msg), PU_ERR_TOO_LARGE);
    f->p.info1 = 0;
    f->p.payload_version = 0x8000;
    assert_int_equal(pu_build(&f->p, &f->s, &f->ds, &msg), PU_ERR_PARAM);
    f->p.payload_version = 1;
    f->p.payload_len = 0;
    assert_int_equal(pu_build(&f->p, &f->s, &f->ds, &msg), PU_ERR_PARAM);
    /* a manifest payload over 255 bytes (unicast + 32-byte label + 64-byte seed + ...) is refused */
    uint8_t seed64[64] = {0};
    f->p = (pu_params_t){.payload_version = 1,
                         .trust_anchor_oid = 0xE0E3,
                         .target_oid = 0xF1E0,
                         .payload_type = PU_TYPE_DATA,
                         .info1 = 1000,
                         .info2 = 2,
                         .payload = f->payload,
                         .payload_len = 700,
                         .conf = true,
                         .secret = secret,
                         .secret_len = sizeof secret,
                         .secret_oid = 0xF1D1,
                         .label = "0123456789abcdef0123456789abcdef",
                         .label_len = 32,
                         .seed = seed64,
                         .seed_len = 64,
                         .couid = couid};
    pu_err_t e = pu_build(&f->p, &f->s, &f->ds, &msg);
    /* 60 + 25 (couid) + 2 (offset) + 1 (size) + 88 + 28 (label) + ... stays below 256: builds */
    assert_int_equal(e, PU_OK);
    f->p.seed_len = 15;
    assert_int_equal(pu_build(&f->p, &f->s, &f->ds, &msg), PU_ERR_PARAM);
    f->p.seed_len = 64;
    f->p.label_len = 33;
    assert_int_equal(pu_build(&f->p, &f->s, &f->ds, &msg), PU_ERR_PARAM);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_seed_aes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_seed_rsa, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v1, setup, teardown),
        cmocka_unit_test(test_kdf_tv4),
        cmocka_unit_test_setup_teardown(test_v2_confidentiality, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v3_two_fragments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v4_es256, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v5_rsa2048, setup, teardown),
        cmocka_unit_test(test_spec_vectors_parse_and_verify),
        cmocka_unit_test_setup_teardown(test_generated_signers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_payloads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conf_multi_fragment_and_limits, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
