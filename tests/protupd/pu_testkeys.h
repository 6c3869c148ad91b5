/*
 * pu_testkeys.h - helpers shared by the protupd tests: reading vector files from shared/,
 * and generating fresh keys at test time (RSA with mbedTLS, EC with mbedTLS) written as PEM.
 */
#ifndef PU_TESTKEYS_H
#define PU_TESTKEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mbedtls/pk.h>

/* Whole file into a malloc'd, NUL-terminated buffer; NULL if unreadable. */
uint8_t *pt_read_file(const char *path, size_t *len);
/* One-line hex file from shared/spec/vectors/<name> into out; returns the length or -1. */
long pt_vector_hex(const char *name, uint8_t *out, size_t size);
/* Generate a key: type "rsa1024", "rsa2048", "p256", "p384". Fills pk (caller frees). */
int pt_gen_key(const char *type, mbedtls_pk_context *pk);
/* Write pk as PEM private key to path. */
int pt_write_pem(mbedtls_pk_context *pk, const char *path);
/* Deterministic test RNG (counter-based) for mbedTLS callbacks. */
int pt_rng(void *ctx, unsigned char *out, size_t len);

#endif
