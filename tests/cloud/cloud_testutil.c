/*
 * cloud_testutil.c - see cloud_testutil.h.
 */
#define _POSIX_C_SOURCE 200809L

#include "cloud_testutil.h"
#include "trustm_testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/base64.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>

void ct_spec_aes_key(id2v_key_t *k)
{
    memset(k, 0, sizeof *k);
    strcpy(k->id2, "00112233445566778899AABB");
    k->type = ID2V_KEY_AES;
    for (int i = 0; i < 16; i++)
        k->key[i] = (uint8_t)i;
    k->key_len = 16;
}

int ct_device_code(const id2v_key_t *k, int type, const char *dr, const char *sr, const char *extra, char *out)
{
    uint8_t msg[1024], sig[256];
    size_t sig_len, b64_len;
    int n = snprintf((char *)msg, sizeof msg, "%s%s%s%s", k->id2, dr, sr, extra != NULL ? extra : "");
    if (n < 0 || (size_t)n >= sizeof msg)
        return -1;
    int rc = id2v_sign(k, msg, (size_t)n, sig, sizeof sig, &sig_len);
    if (rc != ID2V_OK)
        return rc;
    int head = sprintf(out, "%d~2~%s~%s~", type, dr, sr);
    if (mbedtls_base64_encode((unsigned char *)out + head, 256 - (size_t)head, &b64_len, sig, sig_len) != 0)
        return -1;
    return 0;
}

static int der_into(mbedtls_pk_context *pk, id2v_key_t *k, const char *id2)
{
    unsigned char der[ID2V_MAX_KEY];
    int n = mbedtls_pk_write_key_der(pk, der, sizeof der);
    if (n <= 0)
        return -1;
    memset(k, 0, sizeof *k);
    memcpy(k->key, der + sizeof der - (size_t)n, (size_t)n);
    k->key_len = (size_t)n;
    k->type = ID2V_KEY_RSA;
    snprintf(k->id2, sizeof k->id2, "%s", id2);
    return 0;
}

/* pk := a fresh RSA-1024 key; 0 on success. */
static int gen_rsa(mbedtls_pk_context *pk)
{
    mbedtls_entropy_context ent;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_entropy_init(&ent);
    mbedtls_ctr_drbg_init(&drbg);
    int rc = mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &ent, (const unsigned char *)"ct", 2) == 0 &&
                     mbedtls_pk_setup(pk, mbedtls_pk_info_from_type(MBEDTLS_PK_RSA)) == 0 &&
                     mbedtls_rsa_gen_key(mbedtls_pk_rsa(*pk), mbedtls_ctr_drbg_random, &drbg, 1024, 65537) == 0
                 ? 0
                 : -1;
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&ent);
    return rc;
}

int ct_rsa_gen(id2v_key_t *k, const char *id2)
{
    mbedtls_pk_context pk;
    mbedtls_pk_init(&pk);
    int rc = gen_rsa(&pk) == 0 ? der_into(&pk, k, id2) : -1;
    mbedtls_pk_free(&pk);
    return rc;
}

int ct_rsa_pem_file(const char *path)
{
    mbedtls_pk_context pk;
    unsigned char pem[4096];
    mbedtls_pk_init(&pk);
    int rc = gen_rsa(&pk) == 0 && mbedtls_pk_write_key_pem(&pk, pem, sizeof pem) == 0 ? 0 : -1;
    mbedtls_pk_free(&pk);
    FILE *f = rc == 0 ? fopen(path, "w") : NULL;
    if (f == NULL)
        return -1;
    rc = fputs((const char *)pem, f) < 0 ? -1 : 0;
    if (fclose(f) != 0)
        rc = -1;
    return rc;
}

int ct_rsa_from_pem(const char *path, id2v_key_t *k, const char *id2)
{
    mbedtls_pk_context pk;
    mbedtls_pk_init(&pk);
    int rc = mbedtls_pk_parse_keyfile(&pk, path, NULL) == 0 ? der_into(&pk, k, id2) : -1;
    mbedtls_pk_free(&pk);
    return rc;
}

const char *ct_tmpdir(const char *tag)
{
    static char buf[512];
    const char *base = getenv("TMPDIR");
    snprintf(buf, sizeof buf, "%s/trustm-%s-XXXXXX", base != NULL && base[0] ? base : "/tmp", tag);
    return mkdtemp(buf);
}

char *ct_read(const char *path, size_t *len)
{
    return (char *)tv_read_file(path, len);
}

int ct_file_contains(const char *path, const uint8_t *needle, size_t n)
{
    size_t len = 0;
    char *b = ct_read(path, &len);
    int found = 0;
    for (size_t i = 0; b != NULL && n <= len && i + n <= len && !found; i++)
        found = memcmp(b + i, needle, n) == 0;
    free(b);
    return found;
}
