/*
 * Protected update end to end: a signer key and self-signed certificate
 * made at test time, data sets built with trustm_protupd_lib, applied to a fresh simulated chip
 * through the host API, and the new key / data / metadata checked on the host:
 *  - ID2 AES-128 key into E200 with the device ID in F1D0; AES-ECB checked with the known key;
 *    rollback refused (0x10), a newer version accepted;
 *  - ID2 RSA-1024 key into E0FC; a chip signature verified with the known key;
 *  - tampered manifest / fragment / wrong trust anchor refused, target unchanged, security event;
 *  - multi-fragment data, write types, metadata update with the reset type;
 *  - confidentiality with a UPDATSEC secret (single and multi fragment), Conf() enforced;
 *  - strict sequence; power cut at every step leaves the target unchanged.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <mbedtls/md.h>
#include <mbedtls/sha256.h>

#include "pu_chip_fixture.h"
#include "pu_testkeys.h"

#define TA         0xE0E3u
#define SECRET_OID 0xF1D1u
#define DERR(c)    TRUSTM_DEVICE_ERR(c)

static pcf_signer_t g_signer; /* RSA-1024, made once */
static pcf_signer_t g_other;  /* another RSA-1024 signer the chip does not trust */

static const uint8_t key1[16] = {0x22, 0x38, 0x5E, 0xA7, 0xEB, 0x61, 0x94, 0xB9,
                                 0xD7, 0xFF, 0xD4, 0x1C, 0xA5, 0x68, 0x34, 0xD3};
static const uint8_t key2[16] = {0xA2, 0xF9, 0xFA, 0xB4, 0x81, 0x4F, 0x68, 0x06,
                                 0x42, 0x3F, 0x6F, 0xC6, 0x21, 0xD0, 0x2E, 0x10};
static const uint8_t id2[12] = {'I', 'D', '2', '-', '0', '0', '0', '0', '4', '2', '4', '2'};
static uint8_t g_secret[64];
static uint8_t g_seed[64];

static int group_setup(void **state)
{
    (void)state;
    if (pcf_signer_init(&g_signer, "rsa1024", "pu signer") != 0 || pcf_signer_init(&g_other, "rsa1024", "other") != 0)
        return -1;
    for (unsigned i = 0; i < 64; i++) {
        g_secret[i] = (uint8_t)(0x49u ^ (i * 7u));
        g_seed[i] = (uint8_t)i;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    pcf_signer_free(&g_signer);
    pcf_signer_free(&g_other);
    return 0;
}

typedef struct tctx {
    pcf_chip_t c;
    pu_params_t p;
    pu_dataset_t ds;
    uint8_t payload[1728];
} tctx_t;

static int setup(void **state)
{
    static uint64_t seed = 100;
    tctx_t *t = calloc(1, sizeof *t);
    if (t == NULL || pcf_chip_open(&t->c, seed++) != 0)
        return -1;
    if (trustm_protupd_provision_trust_anchor(&t->c.dev, TA, g_signer.cert, g_signer.cert_len) != TRUSTM_OK)
        return -1;
    *state = t;
    return 0;
}

static int teardown(void **state)
{
    tctx_t *t = *state;
    pcf_chip_close(&t->c);
    free(t);
    return 0;
}

static void target(tctx_t *t, uint16_t oid, uint16_t secret, bool key, uint16_t version)
{
    trustm_protupd_target_t tg;
    memset(&tg, 0, sizeof tg);
    tg.oid = oid;
    tg.ta_oid = TA;
    tg.secret_oid = secret;
    tg.version = version;
    tg.key_object = key;
    assert_int_equal(trustm_protupd_provision_target(&t->c.dev, &tg), TRUSTM_OK);
}

static void aes_params(tctx_t *t, uint16_t version, const uint8_t key[16])
{
    size_t n = 0;
    const char *msg;
    assert_int_equal(pu_key_payload_aes(PU_KEY_AES128, key, 16, t->payload, sizeof t->payload, &n, &msg), PU_OK);
    memset(&t->p, 0, sizeof t->p);
    t->p.payload_version = version;
    t->p.trust_anchor_oid = TA;
    t->p.target_oid = 0xE200u;
    t->p.payload_type = PU_TYPE_KEY;
    t->p.info1 = PU_KEY_AES128;
    t->p.info2 = 0x02;
    t->p.payload = t->payload;
    t->p.payload_len = n;
}

static void data_params(tctx_t *t, uint16_t oid, uint16_t version, uint32_t offset, uint32_t write_type, size_t len,
                        uint8_t fill)
{
    for (size_t i = 0; i < len; i++)
        t->payload[i] = (uint8_t)(fill + i * 13u);
    memset(&t->p, 0, sizeof t->p);
    t->p.payload_version = version;
    t->p.trust_anchor_oid = TA;
    t->p.target_oid = oid;
    t->p.payload_type = PU_TYPE_DATA;
    t->p.info1 = offset;
    t->p.info2 = write_type;
    t->p.payload = t->payload;
    t->p.payload_len = len;
}

static void with_conf(tctx_t *t, const uint8_t *secret)
{
    t->p.conf = true;
    t->p.secret = secret;
    t->p.secret_len = 64;
    t->p.secret_oid = SECRET_OID;
    t->p.label = "test";
    t->p.label_len = 4;
    t->p.seed = g_seed;
    t->p.seed_len = sizeof g_seed;
}

/* The 2-byte C1 version of oid (0 when absent). */
static unsigned version_of(tctx_t *t, uint16_t oid)
{
    uint8_t md[64];
    size_t n = 0;
    assert_int_equal(trustm_metadata_read(&t->c.dev, oid, md, sizeof md, &n), TRUSTM_OK);
    for (size_t i = 2; i + 1 < n; i += 2u + md[i + 1])
        if (md[i] == 0xC1 && md[i + 1] == 2)
            return (unsigned)md[i + 2] << 8 | md[i + 3];
    return 0;
}

static uint8_t meta_byte(tctx_t *t, uint16_t oid, uint8_t tag)
{
    uint8_t md[64];
    size_t n = 0;
    assert_int_equal(trustm_metadata_read(&t->c.dev, oid, md, sizeof md, &n), TRUSTM_OK);
    for (size_t i = 2; i + 1 < n; i += 2u + md[i + 1])
        if (md[i] == tag && md[i + 1] == 1)
            return md[i + 2];
    return 0xEE; /* absent */
}

static uint8_t sec_counter(tctx_t *t)
{
    uint8_t v = 0;
    size_t n = 0;
    assert_int_equal(trustm_data_read(&t->c.dev, 0xE0C5u, 0, &v, 1, &n), TRUSTM_OK);
    return v;
}

static trustm_status_t id2_apply(tctx_t *t)
{
    const uint8_t *f[4];
    size_t l[4];
    size_t n = 0;
    assert_int_equal(trustm_protupd_split(t->ds.fragments, t->ds.fragments_len, f, l, 4, &n), TRUSTM_OK);
    return trustm_id2_key_update(&t->c.dev, id2, t->ds.manifest, t->ds.manifest_len, f, l, n);
}

/* ------------------------------------------------------------------ AES (ID2) */

static void test_aes_id2_update_and_rollback(void **state)
{
    tctx_t *t = *state;
    target(t, 0xE200u, 0, true, 0);
    aes_params(t, 3, key1);
    pcf_build(&t->p, &g_signer, &t->ds);
    assert_int_equal(t->ds.n_fragments, 1);
    assert_int_equal(id2_apply(t), TRUSTM_OK);

    uint8_t id[32];
    size_t n = 0;
    assert_int_equal(trustm_data_read(&t->c.dev, TRUSTM_OID_ID2_DEVICE_ID, 0, id, sizeof id, &n), TRUSTM_OK);
    assert_int_equal(n, 12);
    assert_memory_equal(id, id2, 12);
    assert_true(pcf_aes_matches(&t->c, 0xE200u, key1, 16));
    assert_int_equal(version_of(t, 0xE200u), 3);
    assert_int_equal(meta_byte(t, 0xE200u, 0xE0), 0x81);
    assert_int_equal(meta_byte(t, 0xE200u, 0xE1), 0x02);

    /* the same data set again, and an older version: rollback refused, key unchanged */
    assert_int_equal(pcf_apply(&t->c, &t->ds), DERR(0x10));
    aes_params(t, 2, key2);
    pcf_build(&t->p, &g_signer, &t->ds);
    assert_int_equal(pcf_apply(&t->c, &t->ds), DERR(0x10));
    aes_params(t, 3, key2);
    pcf_build(&t->p, &g_signer, &t->ds);
    assert_int_equal(pcf_apply(&t->c, &t->ds), DERR(0x10));
    assert_true(pcf_aes_matches(&t->c, 0xE200u, key1, 16));
    assert_int_equal(version_of(t, 0xE200u), 3);

    /* a higher version is accepted */
    aes_params(t, 4, key2);
    pcf_build(&t->p, &g_signer, &t->ds);
    assert_int_equal(pcf_apply(&t->c, &t->ds), TRUSTM_OK);
    assert_true(pcf_aes_matches(&t->c, 0xE200u, key2, 16));
    assert_false(pcf_aes_matches(&t->c, 0xE200u, key1, 16));
    assert_int_equal(version_of(t, 0xE200u), 4);

    /* version 0x7FFF is the last one; the tool cannot make 0x8000 (bit 15 is the chip's flag) */
    aes_params(t, 0x7FFF, key1);
    pcf_build(&t->p, &g_signer, &t->ds);
    assert_int_equal(pcf_apply(&t->c, &t->ds), TRUSTM_OK);
    assert_int_equal(version_of(t, 0xE200u), 0x7FFF);
}

/* A manifest byte (by offset) changed: refused with code, target unchanged. */
static void tamper_case(tctx_t *t, size_t off, uint8_t xor_mask, trustm_status_t want)
{
    pu_dataset_t bad = t->ds;
    bad.manifest[off] ^= xor_mask;
    assert_int_equal(pcf_apply(&t->c, &bad), want);
    assert_true(pcf_aes_matches(&t->c, 0xE200u, key1, 16));
    assert_int_equal(version_of(t, 0xE200u), 3);
}

static void test_tampered_data_sets_refused(void **state)
{
    tctx_t *t = *state;
    target(t, 0xE200u, 0, true, 0);
    aes_params(t, 3, key1);
    pcf_build(&t->p, &g_signer, &t->ds);
    assert_int_equal(pcf_apply(&t->c, &t->ds), TRUSTM_OK);

    aes_params(t, 5, key2);
    pcf_build(&t->p, &g_signer, &t->ds);
    /* RSA manifest layout (protected-update.md TV-1): digest at 38..69, signature from 78 */
    tamper_case(t, 40, 0x01, DERR(0x2C));                     /* fragment digest (signed)      */
    tamper_case(t, 23, 0x01, DERR(0x2C));                     /* payload version 5 -> 4        */
    tamper_case(t, t->ds.manifest_len - 1, 0x80, DERR(0x2C)); /* signature                    */
    tamper_case(t, 0, 0x01, DERR(0x0F));                      /* array(5): not a manifest      */
    tamper_case(t, 17, 0x02, DERR(0x0F));                     /* manifestVersion 3             */
    tamper_case(t, 13, 0x08, DERR(0x01));                     /* kid E0EB: no such object      */
    tamper_case(t, 13, 0x0B, DERR(0x29));                     /* kid E0E8: a TA without a cert */

    /* truncated manifest */
    pu_dataset_t bad = t->ds;
    bad.manifest_len -= 1;
    assert_int_equal(pcf_apply(&t->c, &bad), DERR(0x0F));

    /* signed by a key the chip does not trust */
    pcf_build(&t->p, &g_other, &bad);
    assert_int_equal(pcf_apply(&t->c, &bad), DERR(0x2C));

    /* fragment changed after signing: integrity failure, a security event */
    uint8_t sec0 = sec_counter(t);
    bad = t->ds;
    bad.fragments[5] ^= 0x40;
    assert_int_equal(pcf_apply(&t->c, &bad), DERR(0x2D));
    assert_true(sec_counter(t) > sec0);
    /* a fragment with a byte missing */
    bad = t->ds;
    bad.fragments_len -= 1;
    assert_int_equal(pcf_apply(&t->c, &bad), DERR(0x2D));
    assert_true(pcf_aes_matches(&t->c, 0xE200u, key1, 16));
    assert_int_equal(version_of(t, 0xE200u), 3);

    /* and the untouched data set still goes in */
    assert_int_equal(pcf_apply(&t->c, &t->ds), TRUSTM_OK);
    assert_true(pcf_aes_matches(&t->c, 0xE200u, key2, 16));
}

static void test_access_conditions(void **state)
{
    tctx_t *t = *state;
    aes_params(t, 3, key1);
    pcf_build(&t->p, &g_signer, &t->ds);
    /* shipped E200 metadata: change NEV */
    assert_int_equal(pcf_apply(&t->c, &t->ds), DERR(0x07));
    /* Int() naming another trust anchor */
    const uint8_t md[] = {0x20, 0x05, 0xD0, 0x03, 0x21, 0xE0, 0xE8};
    assert_int_equal(trustm_metadata_write(&t->c.dev, 0xE200u, md, sizeof md), TRUSTM_OK);
    assert_int_equal(pcf_apply(&t->c, &t->ds), DERR(0x07));
    /* change ALW is not Int(TA) either */
    const uint8_t alw[] = {0x20, 0x03, 0xD0, 0x01, 0x00};
    assert_int_equal(trustm_metadata_write(&t->c.dev, 0xE200u, alw, sizeof alw), TRUSTM_OK);
    assert_int_equal(pcf_apply(&t->c, &t->ds), DERR(0x07));
    /* Int(E0E3) || LcsO < op: the token naming the trust anchor holds */
    const uint8_t orr[] = {0x20, 0x09, 0xD0, 0x07, 0xE1, 0xFC, 0x01, 0xFE, 0x21, 0xE0, 0xE3};
    assert_int_equal(trustm_metadata_write(&t->c.dev, 0xE200u, orr, sizeof orr), TRUSTM_OK);
    assert_int_equal(pcf_apply(&t->c, &t->ds), TRUSTM_OK);

    /* the trust anchor must be of type TA */
    const uint8_t bstr[] = {0x20, 0x03, 0xE8, 0x01, 0x00};
    assert_int_equal(trustm_metadata_write(&t->c.dev, TA, bstr, sizeof bstr), TRUSTM_OK);
    aes_params(t, 4, key2);
    pcf_build(&t->p, &g_signer, &t->ds);
    assert_int_equal(pcf_apply(&t->c, &t->ds), DERR(0x07));
    assert_true(pcf_aes_matches(&t->c, 0xE200u, key1, 16));
    const uint8_t ta_type[] = {0x20, 0x03, 0xE8, 0x01, 0x11};
    assert_int_equal(trustm_metadata_write(&t->c.dev, TA, ta_type, sizeof ta_type), TRUSTM_OK);
    assert_int_equal(pcf_apply(&t->c, &t->ds), TRUSTM_OK);

    /* targets that can never be updated */
    const uint16_t forbidden[] = {0xE0C2u, 0xF1C2u, 0xE0C5u, TA};
    for (size_t i = 0; i < sizeof forbidden / sizeof forbidden[0]; i++) {
        data_params(t, forbidden[i], 9, 0, 2, 1, 0);
        pcf_build(&t->p, &g_signer, &t->ds);
        assert_int_equal(pcf_apply(&t->c, &t->ds), DERR(0x07));
    }
    /* a unicast data set for another chip */
    target(t, 0xF1D3u, 0, false, 0);
    data_params(t, 0xF1D3u, 1, 0, 2, 8, 1);
    uint8_t couid[25];
    memset(couid, 0x5A, sizeof couid);
    t->p.couid = couid;
    pcf_build(&t->p, &g_signer, &t->ds);
    assert_int_equal(pcf_apply(&t->c, &t->ds), DERR(0x07));
    /* ... and for this one */
    uint8_t uid[27];
    trustm_sim_uid(t->c.sim, uid);
    t->p.couid = uid;
    pcf_build(&t->p, &g_signer, &t->ds);
    assert_int_equal(pcf_apply(&t->c, &t->ds), TRUSTM_OK);
}

/* ------------------------------------------------------------------ RSA (ID2) */

static void test_rsa_id2_update(void **state)
{
    tctx_t *t = *state;
    target(t, 0xE0FCu, 0, true, 0);
    mbedtls_pk_context key;
    mbedtls_pk_init(&key);
    assert_int_equal(pt_gen_key("rsa1024", &key), 0);
    size_t n = 0;
    const char *msg;
    assert_int_equal(pu_key_payload_pk(PU_KEY_RSA1024, &key, t->payload, sizeof t->payload, &n, &msg), PU_OK);
    assert_int_equal(n, 269);
    memset(&t->p, 0, sizeof t->p);
    t->p.payload_version = 3;
    t->p.trust_anchor_oid = TA;
    t->p.target_oid = 0xE0FCu;
    t->p.payload_type = PU_TYPE_KEY;
    t->p.info1 = PU_KEY_RSA1024;
    t->p.info2 = 0x12;
    t->p.payload = t->payload;
    t->p.payload_len = n;
    pcf_build(&t->p, &g_signer, &t->ds);
    assert_int_equal(id2_apply(t), TRUSTM_OK);
    assert_int_equal(meta_byte(t, 0xE0FCu, 0xE0), 0x41);
    assert_int_equal(version_of(t, 0xE0FCu), 3);

    uint8_t digest[32], sig[256];
    size_t sl = 0;
    assert_int_equal(mbedtls_sha256_ret((const unsigned char *)"id2 challenge", 13, digest, 0), 0);
    assert_int_equal(trustm_rsa_sign(&t->c.dev, 0xE0FCu, TRUSTM_RSA_PKCS1_SHA256, digest, 32, sig, sizeof sig, &sl),
                     TRUSTM_OK);
    assert_int_equal(sl, 128);
    assert_int_equal(mbedtls_pk_verify(&key, MBEDTLS_MD_SHA256, digest, 32, sig, sl), 0);
    assert_int_equal(pcf_apply(&t->c, &t->ds), DERR(0x10));

    /* a key payload that does not match key_algo (AES key into the RSA slot) is refused */
    aes_params(t, 4, key1);
    t->p.target_oid = 0xE0FCu;
    pcf_build(&t->p, &g_signer, &t->ds);
    assert_int_equal(pcf_apply(&t->c, &t->ds), DERR(0x0F));
    /* corrupt RSA key material (d changed, signed correctly): the chip checks the key */
    assert_int_equal(pu_key_payload_pk(PU_KEY_RSA1024, &key, t->payload, sizeof t->payload, &n, &msg), PU_OK);
    t->payload[3 + 100] ^= 0x01;
    memset(&t->p, 0, sizeof t->p);
    t->p.payload_version = 5;
    t->p.trust_anchor_oid = TA;
    t->p.target_oid = 0xE0FCu;
    t->p.payload_type = PU_TYPE_KEY;
    t->p.info1 = PU_KEY_RSA1024;
    t->p.info2 = 0x12;
    t->p.payload = t->payload;
    t->p.payload_len = n;
    pcf_build(&t->p, &g_signer, &t->ds);
    assert_int_equal(pcf_apply(&t->c, &t->ds), DERR(0x0F));
    assert_int_equal(trustm_rsa_sign(&t->c.dev, 0xE0FCu, TRUSTM_RSA_PKCS1_SHA256, digest, 32, sig, sizeof sig, &sl),
                     TRUSTM_OK);
    assert_int_equal(mbedtls_pk_verify(&key, MBEDTLS_MD_SHA256, digest, 32, sig, sl), 0);
    mbedtls_pk_free(&key);
}

/* ------------------------------------------------------------------ data and metadata */

static void read_back(tctx_t *t, uint16_t oid, const uint8_t *want, size_t len)
{
    uint8_t buf[1600];
    size_t n = 0;
    assert_int_equal(trustm_data_read(&t->c.dev, oid, 0, buf, sizeof buf, &n), TRUSTM_OK);
    assert_int_equal(n, len);
    assert_memory_equal(buf, want, len);
}

static void test_data_payloads(void **state)
{
    tctx_t *t = *state;
    target(t, 0xF1E0u, 0, false, 0);
    /* 1300 bytes: three fragments (640, 640, 84) */
    data_params(t, 0xF1E0u, 1, 0, 2, 1300, 7);
    pcf_build(&t->p, &g_signer, &t->ds);
    assert_int_equal(t->ds.n_fragments, 3);
    assert_int_equal(pcf_apply(&t->c, &t->ds), TRUSTM_OK);
    uint8_t want[1500];
    memcpy(want, t->payload, 1300);
    read_back(t, 0xF1E0u, want, 1300);

    /* Write (type 1) at 1290: used size grows to 1310, the rest stays */
    data_params(t, 0xF1E0u, 2, 1290, 1, 20, 99);
    pcf_build(&t->p, &g_signer, &t->ds);
    assert_int_equal(pcf_apply(&t->c, &t->ds), TRUSTM_OK);
    memcpy(want + 1290, t->payload, 20);
    read_back(t, 0xF1E0u, want, 1310);

    /* EraseAndWrite at 4: bytes 0..3 zero, used size 14 */
    data_params(t, 0xF1E0u, 3, 4, 2, 10, 1);
    pcf_build(&t->p, &g_signer, &t->ds);
    assert_int_equal(pcf_apply(&t->c, &t->ds), TRUSTM_OK);
    memset(want, 0, 4);
    memcpy(want + 4, t->payload, 10);
    read_back(t, 0xF1E0u, want, 14);

    /* beyond the object: boundary */
    data_params(t, 0xF1E0u, 4, 1000, 1, 600, 1);
    pcf_build(&t->p, &g_signer, &t->ds);
    assert_int_equal(pcf_apply(&t->c, &t->ds), DERR(0x08));
    /* a data payload into a key object */
    target(t, 0xE200u, 0, true, 0);
    data_params(t, 0xE200u, 1, 0, 2, 16, 1);
    pcf_build(&t->p, &g_signer, &t->ds);
    assert_int_equal(pcf_apply(&t->c, &t->ds), DERR(0x07));
    read_back(t, 0xF1E0u, want, 14);
    assert_int_equal(version_of(t, 0xF1E0u), 3);
}

static void test_metadata_payload(void **state)
{
    tctx_t *t = *state;
    const uint8_t old[] = "content to flush";
    assert_int_equal(trustm_data_write(&t->c.dev, 0xF1D2u, TRUSTM_ERASE_AND_WRITE, 0, old, sizeof old), TRUSTM_OK);
    const uint8_t newmd[] = {0x20, 0x09, 0xC0, 0x01, 0x07, 0xD1, 0x01, 0x00, 0xD0, 0x01, 0xFF};
    memcpy(t->payload, newmd, sizeof newmd);
    memset(&t->p, 0, sizeof t->p);
    t->p.payload_version = 1;
    t->p.trust_anchor_oid = TA;
    t->p.target_oid = 0xF1D2u;
    t->p.payload_type = PU_TYPE_METADATA;
    t->p.payload = t->payload;
    t->p.payload_len = sizeof newmd;
    pcf_build(&t->p, &g_signer, &t->ds);

    /* no metadata update descriptor yet */
    assert_int_equal(pcf_apply(&t->c, &t->ds), DERR(0x07));
    /* MUD = Int(TA) but no reset type (F0): invalid metadata of the object */
    const uint8_t mud_only[] = {0x20, 0x05, 0xD8, 0x03, 0x21, 0xE0, 0xE3};
    assert_int_equal(trustm_metadata_write(&t->c.dev, 0xF1D2u, mud_only, sizeof mud_only), TRUSTM_OK);
    assert_int_equal(pcf_apply(&t->c, &t->ds), DERR(0x11));

    trustm_protupd_target_t tg;
    memset(&tg, 0, sizeof tg);
    tg.oid = 0xF1D2u;
    tg.ta_oid = TA;
    tg.metadata_update = true;
    tg.reset_type = 0x11; /* LcsO := cr, flush with zeros */
    assert_int_equal(trustm_protupd_provision_target(&t->c.dev, &tg), TRUSTM_OK);
    assert_int_equal(pcf_apply(&t->c, &t->ds), TRUSTM_OK);
    assert_int_equal(meta_byte(t, 0xF1D2u, 0xC0), 0x07); /* the payload's LcsO wins over F0 */
    assert_int_equal(meta_byte(t, 0xF1D2u, 0xD0), 0xFF);
    assert_int_equal(meta_byte(t, 0xF1D2u, 0xC5), 0x00); /* flushed */
    assert_int_equal(version_of(t, 0xF1D2u), 1);
    /* now op with change NEV: a plain write is refused */
    assert_int_equal(trustm_data_write(&t->c.dev, 0xF1D2u, TRUSTM_WRITE_ONLY, 0, old, 4), DERR(0x07));

    /* forbidden tag C4 in the payload */
    const uint8_t badmd[] = {0x20, 0x03, 0xC4, 0x01, 0x10};
    memcpy(t->payload, badmd, sizeof badmd);
    t->p.payload_len = sizeof badmd;
    t->p.payload_version = 2;
    pcf_build(&t->p, &g_signer, &t->ds);
    assert_int_equal(pcf_apply(&t->c, &t->ds), DERR(0x0F));
    assert_int_equal(version_of(t, 0xF1D2u), 1);
}

/* ------------------------------------------------------------------ confidentiality */

static void test_confidential_updates(void **state)
{
    tctx_t *t = *state;
    assert_int_equal(trustm_protupd_provision_secret(&t->c.dev, SECRET_OID, g_secret, sizeof g_secret), TRUSTM_OK);
    target(t, 0xE200u, SECRET_OID, true, 0);

    /* integrity only against Int(TA) && Conf(secret): refused */
    aes_params(t, 3, key1);
    pcf_build(&t->p, &g_signer, &t->ds);
    assert_int_equal(pcf_apply(&t->c, &t->ds), DERR(0x07));

    aes_params(t, 3, key1);
    with_conf(t, g_secret);
    pcf_build(&t->p, &g_signer, &t->ds);
    assert_int_equal(t->ds.fragments_len, 19 + 8);
    assert_int_equal(pcf_apply(&t->c, &t->ds), TRUSTM_OK);
    assert_true(pcf_aes_matches(&t->c, 0xE200u, key1, 16));

    /* encrypted with another secret: the CCM tag fails, a security event, key unchanged */
    uint8_t wrong[64];
    memcpy(wrong, g_secret, sizeof wrong);
    wrong[0] ^= 1;
    aes_params(t, 4, key2);
    with_conf(t, wrong);
    pcf_build(&t->p, &g_signer, &t->ds);
    uint8_t sec0 = sec_counter(t);
    assert_int_equal(pcf_apply(&t->c, &t->ds), DERR(0x2D));
    assert_true(sec_counter(t) > sec0);
    assert_true(pcf_aes_matches(&t->c, 0xE200u, key1, 16));

    /* the secret object must be UPDATSEC */
    aes_params(t, 4, key2);
    with_conf(t, g_secret);
    t->p.secret_oid = 0xF1D4u;
    assert_int_equal(trustm_data_write(&t->c.dev, 0xF1D4u, TRUSTM_ERASE_AND_WRITE, 0, g_secret, 64), TRUSTM_OK);
    pcf_build(&t->p, &g_signer, &t->ds);
    assert_int_equal(pcf_apply(&t->c, &t->ds), DERR(0x07));

    /* multi-fragment confidential data into F1E0 (Int && Conf): 1000 bytes = 600 + 400 */
    target(t, 0xF1E0u, SECRET_OID, false, 0);
    data_params(t, 0xF1E0u, 1, 0, 2, 1000, 3);
    with_conf(t, g_secret);
    pcf_build(&t->p, &g_signer, &t->ds);
    assert_int_equal(t->ds.n_fragments, 2);
    assert_int_equal(pcf_apply(&t->c, &t->ds), TRUSTM_OK);
    read_back(t, 0xF1E0u, t->payload, 1000);

    /* integrity-only target accepts a confidential data set too (any UPDATSEC secret) */
    target(t, 0xF1D5u, 0, false, 0);
    data_params(t, 0xF1D5u, 1, 0, 2, 40, 9);
    with_conf(t, g_secret);
    pcf_build(&t->p, &g_signer, &t->ds);
    assert_int_equal(pcf_apply(&t->c, &t->ds), TRUSTM_OK);
    read_back(t, 0xF1D5u, t->payload, 40);
}

/* The secret's execute access condition and life cycle, a terminated target,
 * and the invalid flag of the version tag while the update runs (objects.md §3.2). */
static void test_protected_update_checks(void **state)
{
    tctx_t *t = *state;
    uint8_t md[32];
    size_t ml = 0;
    assert_int_equal(trustm_protupd_provision_secret(&t->c.dev, SECRET_OID, g_secret, sizeof g_secret), TRUSTM_OK);
    target(t, 0xF1E0u, SECRET_OID, false, 0);
    data_params(t, 0xF1E0u, 1, 0, 2, 1000, 5);
    with_conf(t, g_secret);
    pcf_build(&t->p, &g_signer, &t->ds);

    /* the secret's Execute = NEV: the chip may not use it */
    assert_int_equal(trustm_metadata_parse("execute: NEV", md, sizeof md, &ml), TRUSTM_OK);
    assert_int_equal(trustm_metadata_write(&t->c.dev, SECRET_OID, md, ml), TRUSTM_OK);
    assert_int_equal(pcf_apply(&t->c, &t->ds), DERR(0x07));
    assert_int_equal(version_of(t, 0xF1E0u), 0); /* a refused start leaves no flag */
    /* the secret terminated (Execute = ALW again) */
    assert_int_equal(trustm_metadata_parse("execute: ALW; lcso: te", md, sizeof md, &ml), TRUSTM_OK);
    assert_int_equal(trustm_metadata_write(&t->c.dev, SECRET_OID, md, ml), TRUSTM_OK);
    assert_int_equal(pcf_apply(&t->c, &t->ds), DERR(0x07));

    /* the invalid flag during an update of F1E1 (integrity only): set after start, the new
     * version after final; an aborted update gives the old tag back */
    target(t, 0xF1E1u, 0, false, 4);
    data_params(t, 0xF1E1u, 5, 0, 2, 1000, 7);
    pcf_build(&t->p, &g_signer, &t->ds);
    const uint8_t *f[2];
    size_t l[2];
    size_t nf = 0;
    assert_int_equal(trustm_protupd_split(t->ds.fragments, t->ds.fragments_len, f, l, 1, &nf),
                     TRUSTM_STATUS(TRUSTM_LAYER_API, TRUSTM_BASE_BUFFER_TOO_SMALL));
    assert_int_equal(trustm_protupd_split(t->ds.fragments, 0, f, l, 2, &nf),
                     TRUSTM_STATUS(TRUSTM_LAYER_API, TRUSTM_BASE_BAD_PARAM));
    assert_int_equal(trustm_protupd_split(t->ds.fragments, t->ds.fragments_len, f, l, 2, &nf), TRUSTM_OK);
    assert_int_equal(nf, 2);
    assert_int_equal(trustm_protupd_setup(&t->c.dev, t->ds.manifest, t->ds.manifest_len), TRUSTM_OK);
    assert_int_equal(trustm_protupd_update(&t->c.dev, f[0], l[0]), TRUSTM_OK);
    /* GetDataObject aborts the sequence, and the aborted update gives the old tag back */
    assert_int_equal(version_of(t, 0xF1E1u), 4);
    assert_int_equal(trustm_protupd_finish(&t->c.dev, f[1], l[1]), DERR(0x0B));
    /* power fails while the update is in progress: the object stays marked invalid */
    assert_int_equal(trustm_protupd_setup(&t->c.dev, t->ds.manifest, t->ds.manifest_len), TRUSTM_OK);
    trustm_sim_power(t->c.sim, false);
    trustm_sim_power(t->c.sim, true);
    assert_int_equal(trustm_device_open(&t->c.dev), TRUSTM_OK);
    assert_int_equal(version_of(t, 0xF1E1u), 0x8004u);
    assert_int_equal(pcf_apply(&t->c, &t->ds), TRUSTM_OK);
    assert_int_equal(version_of(t, 0xF1E1u), 5);
    read_back(t, 0xF1E1u, t->payload, 1000);

    /* a terminated target is not updated (Get/SetDataObject answer 0x07 on it too) */
    target(t, 0xF1D6u, 0, false, 0);
    assert_int_equal(trustm_metadata_parse("lcso: te", md, sizeof md, &ml), TRUSTM_OK);
    assert_int_equal(trustm_metadata_write(&t->c.dev, 0xF1D6u, md, ml), TRUSTM_OK);
    data_params(t, 0xF1D6u, 1, 0, 2, 20, 1);
    pcf_build(&t->p, &g_signer, &t->ds);
    assert_int_equal(pcf_apply(&t->c, &t->ds), DERR(0x07));
    uint8_t b[4];
    size_t n = 0;
    assert_int_equal(trustm_data_read(&t->c.dev, 0xF1D6u, 0, b, sizeof b, &n), DERR(0x07));
}

/* ------------------------------------------------------------------ sequence */

static void test_strict_sequence(void **state)
{
    tctx_t *t = *state;
    target(t, 0xF1E0u, 0, false, 0);
    data_params(t, 0xF1E0u, 1, 0, 2, 700, 5);
    pcf_build(&t->p, &g_signer, &t->ds);
    const uint8_t *f1 = t->ds.fragments, *f2 = t->ds.fragments + 640;
    size_t l2 = t->ds.fragments_len - 640;

    assert_int_equal(trustm_protupd_finish(&t->c.dev, f2, l2), DERR(0x0B));
    assert_int_equal(trustm_protupd_update(&t->c.dev, f1, 640), DERR(0x0B));
    /* another command in between ends the sequence */
    assert_int_equal(trustm_protupd_setup(&t->c.dev, t->ds.manifest, t->ds.manifest_len), TRUSTM_OK);
    assert_int_equal(trustm_protupd_update(&t->c.dev, f1, 640), TRUSTM_OK);
    uint8_t b[4];
    size_t n;
    assert_int_equal(trustm_data_read(&t->c.dev, 0xE0C2u, 0, b, sizeof b, &n), TRUSTM_OK);
    assert_int_equal(trustm_protupd_finish(&t->c.dev, f2, l2), DERR(0x0B));
    /* fragments out of order */
    assert_int_equal(trustm_protupd_setup(&t->c.dev, t->ds.manifest, t->ds.manifest_len), TRUSTM_OK);
    assert_int_equal(trustm_protupd_finish(&t->c.dev, f2, l2), DERR(0x2D));
    /* a new start restarts the sequence */
    assert_int_equal(trustm_protupd_setup(&t->c.dev, t->ds.manifest, t->ds.manifest_len), TRUSTM_OK);
    assert_int_equal(trustm_protupd_setup(&t->c.dev, t->ds.manifest, t->ds.manifest_len), TRUSTM_OK);
    assert_int_equal(trustm_protupd_update(&t->c.dev, f1, 640), TRUSTM_OK);
    assert_int_equal(trustm_protupd_finish(&t->c.dev, f2, l2), TRUSTM_OK);
    read_back(t, 0xF1E0u, t->payload, 700);

    /* wrong Param and bad InData, sent raw */
    uint8_t apdu[16] = {0x83, 0x02, 0x00, 0x04, 0x31, 0x00, 0x01, 0xAA}, rsp[1600];
    size_t rl = 0;
    assert_int_equal(trustm_device_transceive(&t->c.dev, apdu, 8, rsp, sizeof rsp, &rl), TRUSTM_OK);
    assert_int_equal(rsp[0], 0xFF);
    apdu[1] = 0x01;
    apdu[4] = 0x33; /* unknown phase tag */
    assert_int_equal(trustm_device_transceive(&t->c.dev, apdu, 8, rsp, sizeof rsp, &rl), TRUSTM_OK);
    assert_int_equal(rsp[0], 0xFF);
    /* the Last Error Code, read without the flush bit */
    static const uint8_t read_le[] = {0x01, 0x00, 0x00, 0x06, 0xF1, 0xC2, 0x00, 0x00, 0x00, 0x01};
    assert_int_equal(trustm_device_transceive(&t->c.dev, read_le, sizeof read_le, rsp, sizeof rsp, &rl), TRUSTM_OK);
    assert_int_equal(rl, 5);
    assert_int_equal(rsp[4], 0x05);
    /* host API argument checks (nothing sent) */
    assert_int_equal(trustm_protupd_update(&t->c.dev, f1, 639), TRUSTM_STATUS(TRUSTM_LAYER_API, TRUSTM_BASE_BAD_PARAM));
    assert_int_equal(trustm_protupd_finish(&t->c.dev, f1, 641), TRUSTM_STATUS(TRUSTM_LAYER_API, TRUSTM_BASE_BAD_PARAM));
}

/* ------------------------------------------------------------------ power cuts */

/* Send commands 0..k-1 of the update, cut the power during command k (before it runs, or
 * after it ran and committed), reopen, and check the target. */
static void power_cut_case(tctx_t *t, size_t k, bool after_commit, const uint8_t *old, size_t old_len)
{
    const uint8_t *f[4];
    size_t l[4];
    size_t nf = 0;
    assert_int_equal(trustm_protupd_split(t->ds.fragments, t->ds.fragments_len, f, l, 4, &nf), TRUSTM_OK);
    assert_int_equal(nf, 2);
    for (size_t i = 0; i < k; i++) {
        trustm_status_t s = i == 0 ? trustm_protupd_setup(&t->c.dev, t->ds.manifest, t->ds.manifest_len)
                                   : trustm_protupd_update(&t->c.dev, f[0], l[0]);
        assert_int_equal(s, TRUSTM_OK);
    }
    trustm_sim_faults_t plan;
    memset(&plan, 0, sizeof plan);
    plan.busy_extra_us = 3000;
    plan.power_loss_us = 1000;
    plan.power_loss_after_commit = after_commit;
    trustm_sim_faults_set(t->c.sim, &plan);
    trustm_status_t s = k == 0   ? trustm_protupd_setup(&t->c.dev, t->ds.manifest, t->ds.manifest_len)
                        : k == 1 ? trustm_protupd_update(&t->c.dev, f[0], l[0])
                                 : trustm_protupd_finish(&t->c.dev, f[1], l[1]);
    assert_int_not_equal(s, TRUSTM_OK);
    trustm_sim_faults_set(t->c.sim, NULL);
    assert_int_equal(trustm_device_open(&t->c.dev), TRUSTM_OK);
    if (k == 2 && after_commit) {
        read_back(t, 0xF1E0u, t->payload, 700); /* committed before the cut */
        assert_int_equal(version_of(t, 0xF1E0u), 1);
        return;
    }
    read_back(t, 0xF1E0u, old, old_len);
    /* version 0; the invalid flag (bit 15, objects.md §3.2) stays set once a start was stored */
    unsigned v = version_of(t, 0xF1E0u);
    assert_int_equal(v & 0x7FFFu, 0);
    assert_int_equal((v & 0x8000u) != 0, k > 0 || after_commit);
    /* nothing of the sequence survived the cut */
    assert_int_equal(trustm_protupd_finish(&t->c.dev, f[1], l[1]), DERR(0x0B));
    /* the whole update afterwards goes in */
    assert_int_equal(pcf_apply(&t->c, &t->ds), TRUSTM_OK);
    read_back(t, 0xF1E0u, t->payload, 700);
}

static void test_power_cut_every_step(void **state)
{
    tctx_t *t0 = *state;
    (void)t0;
    uint8_t old[300];
    for (size_t i = 0; i < sizeof old; i++)
        old[i] = (uint8_t)(0xC3u ^ i);
    for (size_t k = 0; k < 3; k++) {
        for (int ac = 0; ac < 2; ac++) {
            tctx_t *t = calloc(1, sizeof *t);
            assert_non_null(t);
            assert_int_equal(pcf_chip_open(&t->c, 500 + k * 2 + (size_t)ac), 0);
            assert_int_equal(trustm_protupd_provision_trust_anchor(&t->c.dev, TA, g_signer.cert, g_signer.cert_len),
                             TRUSTM_OK);
            assert_int_equal(trustm_data_write(&t->c.dev, 0xF1E0u, TRUSTM_ERASE_AND_WRITE, 0, old, sizeof old),
                             TRUSTM_OK);
            target(t, 0xF1E0u, 0, false, 0);
            data_params(t, 0xF1E0u, 1, 0, 2, 700, 11);
            pcf_build(&t->p, &g_signer, &t->ds);
            power_cut_case(t, k, ac != 0, old, sizeof old);
            pcf_chip_close(&t->c);
            free(t);
        }
    }
}

/* The same with a state file: the chip is destroyed after the cut and loaded again from its
 * file (what survives is exactly what was committed to "NVM"). Also the non-blocking form. */
static void test_power_cut_state_file(void **state)
{
    (void)state;
    char path[64];
    snprintf(path, sizeof path, "/tmp/pu-chip-state-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    char err[256];
    assert_int_equal(trustm_sim_state_init(path, 31, NULL, true, err, sizeof err), 0);
    uint8_t old[64];
    memset(old, 0x5C, sizeof old);
    for (int after_commit = 0; after_commit < 2; after_commit++) {
        tctx_t *t = calloc(1, sizeof *t);
        assert_non_null(t);
        trustm_sim_config_t cfg;
        memset(&cfg, 0, sizeof cfg);
        cfg.state_path = path;
        cfg.timing = TRUSTM_SIM_TIMING_NONE;
        t->c.sim = trustm_sim_create(&cfg, err, sizeof err);
        assert_non_null(t->c.sim);
        assert_int_equal(trustm_pal_sim_init(&t->c.pal, t->c.sim), TRUSTM_OK);
        assert_int_equal(trustm_device_init(&t->c.dev, &t->c.pal, NULL), TRUSTM_OK);
        assert_int_equal(trustm_device_open(&t->c.dev), TRUSTM_OK);
        if (!after_commit) {
            assert_int_equal(trustm_protupd_provision_trust_anchor(&t->c.dev, TA, g_signer.cert, g_signer.cert_len),
                             TRUSTM_OK);
            assert_int_equal(trustm_data_write(&t->c.dev, 0xF1E1u, TRUSTM_ERASE_AND_WRITE, 0, old, sizeof old),
                             TRUSTM_OK);
            target(t, 0xF1E1u, 0, false, 0);
        }
        data_params(t, 0xF1E1u, (uint16_t)(1 + after_commit), 0, 2, 700, (uint8_t)(21 + 12 * after_commit));
        pcf_build(&t->p, &g_signer, &t->ds);
        const uint8_t *f[2];
        size_t l[2];
        size_t nf = 0;
        assert_int_equal(trustm_protupd_split(t->ds.fragments, t->ds.fragments_len, f, l, 2, &nf), TRUSTM_OK);
        assert_int_equal(nf, 2);
        assert_int_equal(trustm_protupd_setup(&t->c.dev, t->ds.manifest, t->ds.manifest_len), TRUSTM_OK);
        assert_int_equal(trustm_protupd_update(&t->c.dev, f[0], l[0]), TRUSTM_OK);
        trustm_sim_faults_t plan;
        memset(&plan, 0, sizeof plan);
        plan.busy_extra_us = 3000;
        plan.power_loss_us = 1000;
        plan.power_loss_after_commit = after_commit != 0;
        trustm_sim_faults_set(t->c.sim, &plan);
        assert_int_not_equal(trustm_protupd_finish(&t->c.dev, f[1], l[1]), TRUSTM_OK);
        trustm_sim_destroy(t->c.sim); /* the power stays off: only the file remains */
        t->c.sim = trustm_sim_create(&cfg, err, sizeof err);
        assert_non_null(t->c.sim);
        assert_int_equal(trustm_pal_sim_init(&t->c.pal, t->c.sim), TRUSTM_OK);
        assert_int_equal(trustm_device_init(&t->c.dev, &t->c.pal, NULL), TRUSTM_OK);
        assert_int_equal(trustm_device_open(&t->c.dev), TRUSTM_OK);
        if (after_commit) {
            read_back(t, 0xF1E1u, t->payload, 700); /* version 2 committed before the cut */
            assert_int_equal(version_of(t, 0xF1E1u), 2);
        } else {
            read_back(t, 0xF1E1u, old, sizeof old);
            assert_int_equal(version_of(t, 0xF1E1u), 0x8000u); /* version 0, update was in progress */
            /* non-blocking form of the whole update (version 1); round 2 cuts after the commit */
            const uint8_t *const *fc = f;
            assert_int_equal(trustm_op_start_protected_update(&t->c.dev, t->ds.manifest, t->ds.manifest_len, fc, l, 2),
                             TRUSTM_OK);
            uint64_t next = 0;
            trustm_status_t st;
            unsigned polls = 0;
            while ((st = trustm_op_poll(&t->c.dev, &next)) == TRUSTM_IN_PROGRESS) {
                polls++;
                assert_true(polls < 100000u);
                trustm_sim_clock_sync(t->c.sim, next); /* the caller's wait until the deadline */
            }
            assert_int_equal(st, TRUSTM_OK);
            assert_true(polls > 0);
            read_back(t, 0xF1E1u, t->payload, 700);
            assert_int_equal(version_of(t, 0xF1E1u), 1);
        }
        pcf_chip_close(&t->c);
        free(t);
    }
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_aes_id2_update_and_rollback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tampered_data_sets_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_access_conditions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rsa_id2_update, setup, teardown),
        cmocka_unit_test_setup_teardown(test_data_payloads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_metadata_payload, setup, teardown),
        cmocka_unit_test_setup_teardown(test_confidential_updates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_strict_sequence, setup, teardown),
        cmocka_unit_test_setup_teardown(test_protected_update_checks, setup, teardown),
        cmocka_unit_test(test_power_cut_every_step),
        cmocka_unit_test(test_power_cut_state_file),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
