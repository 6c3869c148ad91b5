/*
 * trustm_sim_provision.c - factory provisioning of a new chip: the ID2 device identifier in
 * F1D0, the ID2 key in E200 (AES) or E0FC (RSA) and the device certificate in E0E0, with the algorithm (E0) and key usage (E1)
 * tags a factory would set.  The shipped access conditions are kept.
 */
#include <string.h>

#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>

#include "sim_chip.h"
#include "trustm_bytes.h"

static int provision_rsa(trustm_sim_t *sim, const char *pem, char *err, size_t errlen)
{
    mbedtls_pk_context pk;
    mbedtls_pk_init(&pk);
    int rc = -1;
    size_t plen = strlen(pem) + 1u;
    if (mbedtls_pk_parse_key(&pk, (const unsigned char *)pem, plen, NULL, 0) != 0) {
        sim_err(err, errlen, "RSA key: not a readable PEM private key");
    } else if (mbedtls_pk_get_type(&pk) != MBEDTLS_PK_RSA) {
        sim_err(err, errlen, "RSA key: the PEM key is not an RSA key");
    } else {
        mbedtls_rsa_context *r = mbedtls_pk_rsa(pk);
        size_t bits = mbedtls_pk_get_bitlen(&pk);
        uint8_t alg = bits == 1024 ? 0x41u : bits == 2048 ? 0x42u : 0u;
        if (alg == 0) {
            sim_err(err, errlen, "RSA key: %zu bits; the chip holds RSA-1024 or RSA-2048", bits);
        } else {
            size_t k = bits / 8u, h = k / 2u;
            sim_obj_t *o = sim_chip_obj(sim, 0xE0FCu);
            uint8_t *n = o->data, *e = n + k, *d = e + 4, *p = d + k, *q = p + h;
            memset(o->data, 0, o->max_size);
            if (mbedtls_rsa_check_privkey(r) != 0 || mbedtls_rsa_export_raw(r, n, k, p, h, q, h, d, k, e, 4) != 0) {
                sim_err(err, errlen, "RSA key: inconsistent key or public exponent over 4 bytes");
            } else {
                uint8_t usage = USAGE_SIGN | USAGE_ENC;
                o->used = (uint16_t)sim_rsa_blob_size(alg);
                if (sim_meta_set(o, 0xE0u, &alg, 1) && sim_meta_set(o, 0xE1u, &usage, 1))
                    rc = 0;
                else
                    sim_err(err, errlen, "RSA key: metadata of E0FC full");
            }
        }
    }
    mbedtls_pk_free(&pk);
    return rc;
}

int sim_chip_provision(trustm_sim_t *sim, const trustm_sim_provision_t *p, char *err, size_t errlen)
{
    if (p->id2_set) {
        sim_obj_t *o = sim_chip_obj(sim, 0xF1D0u);
        memset(o->data, 0, o->max_size);
        memcpy(o->data, p->id2, sizeof p->id2);
        o->used = 100; /* force the C5 rewrite below even from the shipped value */
        sim_obj_set_used(o, (uint16_t)sizeof p->id2);
    }
    if (p->aes_key != NULL) {
        uint8_t alg = p->aes_key_len == 16 ? 0x81u : p->aes_key_len == 24 ? 0x82u : p->aes_key_len == 32 ? 0x83u : 0u;
        if (alg == 0) {
            sim_err(err, errlen, "AES key: %zu bytes; must be 16, 24 or 32", p->aes_key_len);
            return -1;
        }
        sim_obj_t *o = sim_chip_obj(sim, 0xE200u);
        uint8_t usage = USAGE_ENC;
        memset(o->data, 0, o->max_size);
        memcpy(o->data, p->aes_key, p->aes_key_len);
        o->used = (uint16_t)p->aes_key_len;
        if (!sim_meta_set(o, 0xE0u, &alg, 1) || !sim_meta_set(o, 0xE1u, &usage, 1)) {
            sim_err(err, errlen, "AES key: metadata of E200 full");
            return -1;
        }
    }
    if (p->cert != NULL) {
        sim_obj_t *o = sim_chip_obj(sim, 0xE0E0u);
        if (p->cert_len == 0 || p->cert_len > o->max_size) {
            sim_err(err, errlen, "device certificate: %zu bytes; E0E0 holds 1 to %u", p->cert_len,
                    (unsigned)o->max_size);
            return -1;
        }
        memset(o->data, 0, o->max_size);
        memcpy(o->data, p->cert, p->cert_len);
        o->used = 0;
        sim_obj_set_used(o, (uint16_t)p->cert_len);
    }
    if (p->rsa_pem != NULL)
        return provision_rsa(sim, p->rsa_pem, err, errlen);
    return 0;
}
