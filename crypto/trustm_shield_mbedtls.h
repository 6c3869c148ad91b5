/*
 * trustm_shield_mbedtls.h - the default crypto ops table of the Shielded Connection, on mbedTLS
 * (HMAC-SHA256 for the TLS 1.2 PRF, AES-128-CCM with an 8-byte tag, CTR-DRBG over the entropy
 * source for random). Outside the library core: an embedded user plugs in their own table.
 */
#ifndef TRUSTM_SHIELD_MBEDTLS_H
#define TRUSTM_SHIELD_MBEDTLS_H

#include "trustm/trustm_shield.h"

#ifdef __cplusplus
extern "C" {
#endif

const trustm_shield_crypto_t *trustm_shield_crypto_mbedtls(void);

/* Shared by the ops table and the simulator-independent tools: the TLS 1.2 PRF (SHA-256). */
int trustm_shield_mbedtls_prf(void *user, const uint8_t *secret, size_t secret_len, const uint8_t *label,
                              size_t label_len, const uint8_t *seed, size_t seed_len, uint8_t *out, size_t out_len);

#ifdef __cplusplus
}
#endif
#endif
