#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <mbedtls/aes.h>
#include <mbedtls/x509_crt.h>

#include "pu_chip_fixture.h"
#include "pu_testkeys.h"

int pcf_signer_init(pcf_signer_t *s, const char *type, const char *cn)
{
    memset(s, 0, sizeof *s);
    mbedtls_pk_init(&s->pk);
    if (pt_gen_key(type, &s->pk) != 0)
        return -1;
    s->cose_alg = mbedtls_pk_get_type(&s->pk) == MBEDTLS_PK_RSA ? PU_ALG_RSA_PKCS1_SHA256 : PU_ALG_ES256;
    mbedtls_x509write_cert w;
    mbedtls_x509write_crt_init(&w);
    mbedtls_mpi serial;
    mbedtls_mpi_init(&serial);
    char name[96];
    snprintf(name, sizeof name, "CN=%s,O=trustm test", cn);
    int rc = -1;
    uint8_t buf[2048];
    uint32_t ctr = 1;
    mbedtls_x509write_crt_set_version(&w, MBEDTLS_X509_CRT_VERSION_3);
    mbedtls_x509write_crt_set_md_alg(&w, MBEDTLS_MD_SHA256);
    mbedtls_x509write_crt_set_subject_key(&w, &s->pk);
    mbedtls_x509write_crt_set_issuer_key(&w, &s->pk);
    if (mbedtls_mpi_lset(&serial, 7) == 0 && mbedtls_x509write_crt_set_serial(&w, &serial) == 0 &&
        mbedtls_x509write_crt_set_subject_name(&w, name) == 0 && mbedtls_x509write_crt_set_issuer_name(&w, name) == 0 &&
        mbedtls_x509write_crt_set_validity(&w, "20250101000000", "20451231235959") == 0 &&
        mbedtls_x509write_crt_set_basic_constraints(&w, 1, 0) == 0) {
        int n = mbedtls_x509write_crt_der(&w, buf, sizeof buf, pt_rng, &ctr);
        if (n > 0 && (size_t)n <= sizeof s->cert) {
            memcpy(s->cert, buf + sizeof buf - (size_t)n, (size_t)n);
            s->cert_len = (size_t)n;
            rc = 0;
        }
    }
    mbedtls_mpi_free(&serial);
    mbedtls_x509write_crt_free(&w);
    return rc;
}

void pcf_signer_free(pcf_signer_t *s)
{
    mbedtls_pk_free(&s->pk);
}

int pcf_chip_open(pcf_chip_t *c, uint64_t seed)
{
    memset(c, 0, sizeof *c);
    trustm_sim_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.timing = TRUSTM_SIM_TIMING_NONE;
    cfg.seed = seed;
    char err[256];
    c->sim = trustm_sim_create(&cfg, err, sizeof err);
    if (c->sim == NULL) {
        fprintf(stderr, "trustm_sim_create: %s\n", err);
        return -1;
    }
    if (trustm_pal_sim_init(&c->pal, c->sim) != TRUSTM_OK || trustm_device_init(&c->dev, &c->pal, NULL) != TRUSTM_OK)
        return -1;
    return trustm_device_open(&c->dev) == TRUSTM_OK ? 0 : -1;
}

void pcf_chip_close(pcf_chip_t *c)
{
    trustm_sim_destroy(c->sim);
    c->sim = NULL;
}

void pcf_build(const pu_params_t *p, pcf_signer_t *s, pu_dataset_t *ds)
{
    pu_signer_t sg;
    memset(&sg, 0, sizeof sg);
    sg.key = &s->pk;
    sg.cose_alg = s->cose_alg;
    uint32_t ctr = 1;
    sg.f_rng = pt_rng;
    sg.p_rng = &ctr;
    const char *msg = "";
    pu_err_t e = pu_build(p, &sg, ds, &msg);
    if (e != PU_OK)
        fail_msg("pu_build: %s", msg);
}

trustm_status_t pcf_apply(pcf_chip_t *c, const pu_dataset_t *ds)
{
    const uint8_t *f[TRUSTM_PROTUPD_MAX_FRAGMENTS];
    size_t l[TRUSTM_PROTUPD_MAX_FRAGMENTS];
    size_t n = 0;
    assert_int_equal(trustm_protupd_split(ds->fragments, ds->fragments_len, f, l, TRUSTM_PROTUPD_MAX_FRAGMENTS, &n),
                     TRUSTM_OK);
    assert_int_equal(n, ds->n_fragments);
    return trustm_protected_update(&c->dev, ds->manifest, ds->manifest_len, f, l, n);
}

bool pcf_aes_matches(pcf_chip_t *c, uint16_t oid, const uint8_t *key, size_t key_len)
{
    static const uint8_t block[16] = {'p', 'r', 'o', 't', 'e', 'c', 't', 'e', 'd', ' ', 'u', 'p', 'd', 'a', 't', 'e'};
    uint8_t chip[16], host[16];
    size_t n = 0;
    if (trustm_sym_encrypt(&c->dev, oid, TRUSTM_SYM_ECB, NULL, 0, block, sizeof block, chip, sizeof chip, &n) !=
            TRUSTM_OK ||
        n != 16)
        return false;
    mbedtls_aes_context a;
    mbedtls_aes_init(&a);
    int ok = mbedtls_aes_setkey_enc(&a, key, (unsigned)(key_len * 8u)) == 0 &&
             mbedtls_aes_crypt_ecb(&a, MBEDTLS_AES_ENCRYPT, block, host) == 0;
    mbedtls_aes_free(&a);
    return ok && memcmp(chip, host, 16) == 0;
}
