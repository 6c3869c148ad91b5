/*
 * pu_testkeys.c - see pu_testkeys.h.
 */
#define _POSIX_C_SOURCE 200809L

#include "pu_testkeys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/ecp.h>
#include <mbedtls/rsa.h>
#include <mbedtls/sha256.h>

#include "trustm_testutil.h"

uint8_t *pt_read_file(const char *path, size_t *len)
{
    return tv_read_file(path, len);
}

long pt_vector_hex(const char *name, uint8_t *out, size_t size)
{
    char rel[256], path[1024];
    snprintf(rel, sizeof rel, "spec/vectors/%s", name);
    if (!tv_shared_path(rel, path, sizeof path))
        return -1;
    size_t n;
    uint8_t *b = pt_read_file(path, &n);
    if (b == NULL)
        return -1;
    long r = tv_hex_parse((const char *)b, out, size);
    free(b);
    return r;
}

int pt_rng(void *ctx, unsigned char *out, size_t len)
{
    uint32_t *ctr = ctx;
    uint8_t block[32];
    while (len > 0) {
        uint8_t in[4] = {(uint8_t)(*ctr >> 24), (uint8_t)(*ctr >> 16), (uint8_t)(*ctr >> 8), (uint8_t)*ctr};
        (*ctr)++;
        mbedtls_sha256_ret(in, sizeof in, block, 0);
        size_t n = len < sizeof block ? len : sizeof block;
        memcpy(out, block, n);
        out += n;
        len -= n;
    }
    return 0;
}

int pt_gen_key(const char *type, mbedtls_pk_context *pk)
{
    static uint32_t ctr = 0x5eed;
    if (strncmp(type, "rsa", 3) == 0) {
        if (mbedtls_pk_setup(pk, mbedtls_pk_info_from_type(MBEDTLS_PK_RSA)) != 0)
            return -1;
        return mbedtls_rsa_gen_key(mbedtls_pk_rsa(*pk), pt_rng, &ctr, (unsigned)atoi(type + 3), 65537);
    }
    mbedtls_ecp_group_id id = strcmp(type, "p256") == 0 ? MBEDTLS_ECP_DP_SECP256R1 : MBEDTLS_ECP_DP_SECP384R1;
    if (mbedtls_pk_setup(pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) != 0)
        return -1;
    return mbedtls_ecp_gen_key(id, mbedtls_pk_ec(*pk), pt_rng, &ctr);
}

int pt_write_pem(mbedtls_pk_context *pk, const char *path)
{
    unsigned char buf[8192];
    if (mbedtls_pk_write_key_pem(pk, buf, sizeof buf) != 0)
        return -1;
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return -1;
    size_t n = strlen((const char *)buf);
    int rc = fwrite(buf, 1, n, f) == n ? 0 : -1;
    fclose(f);
    return rc;
}
