/*
 * trustm_sim_factory.c - factory key and certificate of a simulated chip (see the header).
 * The CA is an ECC P-256 key; the device key is RSA (E0FC of the M2 ID2 holds RSA keys only).
 */
#include <stdio.h>
#include <string.h>

#include <mbedtls/base64.h>
#include <mbedtls/ecp.h>
#include <mbedtls/hmac_drbg.h>
#include <mbedtls/md.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/rsa.h>
#include <mbedtls/x509_crt.h>

#include "trustm_sim_factory.h"

#define CA_SUBJECT "CN=trustm-sim test CA (testing only),O=trustm simulator"
#define CA_LABEL   "trustm-sim test CA v1: public test material, never trust it"
#define VALID_FROM "20250101000000"
#define VALID_TO   "20491231235959"

static int drbg_from(mbedtls_hmac_drbg_context *drbg, const char *label, uint64_t seed)
{
    unsigned char buf[128];
    int n = snprintf((char *)buf, sizeof buf, "%s/%llu", label, (unsigned long long)seed);
    mbedtls_hmac_drbg_init(drbg);
    return mbedtls_hmac_drbg_seed_buf(drbg, mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), buf, (size_t)n);
}

static int ca_key(mbedtls_pk_context *pk)
{
    mbedtls_hmac_drbg_context drbg;
    int rc = drbg_from(&drbg, CA_LABEL, 0);
    if (rc == 0)
        rc = mbedtls_pk_setup(pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));
    if (rc == 0)
        rc = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(*pk), mbedtls_hmac_drbg_random, &drbg);
    mbedtls_hmac_drbg_free(&drbg);
    return rc;
}

/* Writes a certificate of subject_key, signed by ca; DER at the end of buf (mbedTLS style). */
static int issue(mbedtls_pk_context *subject_key, mbedtls_pk_context *ca, const char *subject, uint64_t serial,
                 int is_ca, uint8_t *buf, size_t size, size_t *len)
{
    mbedtls_x509write_cert w;
    mbedtls_mpi sn;
    mbedtls_hmac_drbg_context drbg;
    mbedtls_x509write_crt_init(&w);
    mbedtls_mpi_init(&sn);
    int rc = drbg_from(&drbg, "trustm-sim certificate signature", serial);
    mbedtls_x509write_crt_set_version(&w, MBEDTLS_X509_CRT_VERSION_3);
    mbedtls_x509write_crt_set_md_alg(&w, MBEDTLS_MD_SHA256);
    mbedtls_x509write_crt_set_subject_key(&w, subject_key);
    mbedtls_x509write_crt_set_issuer_key(&w, ca);
    if (rc == 0)
        rc = mbedtls_mpi_lset(&sn, (mbedtls_mpi_sint)(serial & 0x3FFFFFFFFFFFFFFFull) + 1);
    if (rc == 0)
        rc = mbedtls_x509write_crt_set_serial(&w, &sn);
    if (rc == 0)
        rc = mbedtls_x509write_crt_set_subject_name(&w, subject);
    if (rc == 0)
        rc = mbedtls_x509write_crt_set_issuer_name(&w, CA_SUBJECT);
    if (rc == 0)
        rc = mbedtls_x509write_crt_set_validity(&w, VALID_FROM, VALID_TO);
    if (rc == 0)
        rc = mbedtls_x509write_crt_set_basic_constraints(&w, is_ca, -1);
    if (rc == 0)
        rc = mbedtls_x509write_crt_set_key_usage(&w, is_ca ? MBEDTLS_X509_KU_KEY_CERT_SIGN
                                                           : MBEDTLS_X509_KU_DIGITAL_SIGNATURE |
                                                                 MBEDTLS_X509_KU_KEY_ENCIPHERMENT);
    if (rc == 0)
        rc = mbedtls_x509write_crt_set_subject_key_identifier(&w);
    int n = rc == 0 ? mbedtls_x509write_crt_der(&w, buf, size, mbedtls_hmac_drbg_random, &drbg) : rc;
    if (n > 0) {
        memmove(buf, buf + size - (size_t)n, (size_t)n);
        *len = (size_t)n;
        rc = 0;
    } else {
        rc = -1;
    }
    mbedtls_hmac_drbg_free(&drbg);
    mbedtls_mpi_free(&sn);
    mbedtls_x509write_crt_free(&w);
    return rc;
}

int sim_factory_ca_pem(char *buf, size_t size)
{
    mbedtls_pk_context ca;
    uint8_t der[1024];
    size_t len = 0, olen = 0;
    mbedtls_pk_init(&ca);
    int rc = ca_key(&ca);
    if (rc == 0)
        rc = issue(&ca, &ca, CA_SUBJECT, 0, 1, der, sizeof der, &len);
    mbedtls_pk_free(&ca);
    if (rc != 0)
        return -1;
    static const char *head = "-----BEGIN CERTIFICATE-----\n", *tail = "-----END CERTIFICATE-----\n";
    size_t hl = strlen(head), tl = strlen(tail);
    if (size < hl + tl + 2)
        return -1;
    memcpy(buf, head, hl);
    size_t at = hl;
    for (size_t i = 0; i < len; i += 48) {
        size_t chunk = len - i < 48 ? len - i : 48;
        if (mbedtls_base64_encode((unsigned char *)buf + at, size - at, &olen, der + i, chunk) != 0 ||
            at + olen + 1 + tl + 1 > size)
            return -1;
        at += olen;
        buf[at++] = '\n';
    }
    memcpy(buf + at, tail, tl + 1);
    return 0;
}

int sim_factory_make(uint64_t seed, const char *key_pem_in, char *key_pem, size_t key_size, uint8_t *cert,
                     size_t cert_size, size_t *cert_len)
{
    mbedtls_pk_context dev, ca;
    mbedtls_hmac_drbg_context drbg;
    char subject[160];
    mbedtls_pk_init(&dev);
    mbedtls_pk_init(&ca);
    int rc = drbg_from(&drbg, "trustm-sim factory RSA key", seed);
    if (rc == 0 && key_pem_in != NULL) {
        rc = mbedtls_pk_parse_key(&dev, (const unsigned char *)key_pem_in, strlen(key_pem_in) + 1u, NULL, 0);
    } else if (rc == 0) {
        rc = mbedtls_pk_setup(&dev, mbedtls_pk_info_from_type(MBEDTLS_PK_RSA));
        if (rc == 0)
            rc = mbedtls_rsa_gen_key(mbedtls_pk_rsa(dev), mbedtls_hmac_drbg_random, &drbg, SIM_FACTORY_RSA_BITS, 65537);
    }
    if (rc == 0 && key_pem_in == NULL)
        rc = mbedtls_pk_write_key_pem(&dev, (unsigned char *)key_pem, key_size);
    else if (rc == 0 && strlen(key_pem_in) < key_size)
        memcpy(key_pem, key_pem_in, strlen(key_pem_in) + 1u);
    else if (rc == 0)
        rc = -1;
    if (rc == 0)
        rc = ca_key(&ca);
    snprintf(subject, sizeof subject, "CN=OPTIGA Trust M2 ID2 simulated %016llX,O=trustm simulator",
             (unsigned long long)seed);
    if (rc == 0)
        rc = issue(&dev, &ca, subject, seed, 0, cert, cert_size, cert_len);
    mbedtls_hmac_drbg_free(&drbg);
    mbedtls_pk_free(&ca);
    mbedtls_pk_free(&dev);
    return rc == 0 ? 0 : -1;
}
