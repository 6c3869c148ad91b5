/* Independent host-side checks with mbedTLS for the compat tests. */
#ifndef COMPAT_CHECK_H
#define COMPAT_CHECK_H

#include <stddef.h>
#include <stdint.h>

/* AES-ECB encryption of len bytes (multiple of 16). 0 on success. */
int check_aes_ecb(const uint8_t *key, size_t key_len, const uint8_t *in, size_t len, uint8_t *out);
/* AES-CBC encryption; 0 on success. */
int check_aes_cbc(const uint8_t *key, size_t key_len, const uint8_t iv[16], const uint8_t *in, size_t len,
                  uint8_t *out);
/* AES-CMAC; 0 on success. */
int check_aes_cmac(const uint8_t *key, size_t key_len, const uint8_t *in, size_t len, uint8_t mac[16]);
/* SHA-256. */
void check_sha256(const uint8_t *in, size_t len, uint8_t digest[32]);
/* Verify an RSASSA-PKCS1-v1_5 SHA-256 signature with a public key given as the chip returns
 * it: DER BIT STRING { SEQUENCE { INTEGER n, INTEGER e } }. 0 when it verifies. */
int check_rsa_verify(const uint8_t *pub, size_t pub_len, const uint8_t digest[32], const uint8_t *sig, size_t sig_len);

#endif
