/* mbedTLS checks of the compat tests (see compat_check.h). */
#include "compat_check.h"

#include <string.h>

#include <mbedtls/aes.h>
#include <mbedtls/asn1.h>
#include <mbedtls/bignum.h>
#include <mbedtls/cipher.h>
#include <mbedtls/cmac.h>
#include <mbedtls/rsa.h>
#include <mbedtls/sha256.h>

int check_aes_ecb(const uint8_t *key, size_t key_len, const uint8_t *in, size_t len, uint8_t *out)
{
    mbedtls_aes_context c;
    mbedtls_aes_init(&c);
    int rc = mbedtls_aes_setkey_enc(&c, key, (unsigned)(key_len * 8u));
    for (size_t i = 0; rc == 0 && i + 16u <= len; i += 16u)
        rc = mbedtls_aes_crypt_ecb(&c, MBEDTLS_AES_ENCRYPT, in + i, out + i);
    mbedtls_aes_free(&c);
    return rc;
}

int check_aes_cbc(const uint8_t *key, size_t key_len, const uint8_t iv[16], const uint8_t *in, size_t len, uint8_t *out)
{
    uint8_t v[16];
    memcpy(v, iv, sizeof v);
    mbedtls_aes_context c;
    mbedtls_aes_init(&c);
    int rc = mbedtls_aes_setkey_enc(&c, key, (unsigned)(key_len * 8u));
    if (rc == 0)
        rc = mbedtls_aes_crypt_cbc(&c, MBEDTLS_AES_ENCRYPT, len, v, in, out);
    mbedtls_aes_free(&c);
    return rc;
}

int check_aes_cmac(const uint8_t *key, size_t key_len, const uint8_t *in, size_t len, uint8_t mac[16])
{
    const mbedtls_cipher_info_t *ci = mbedtls_cipher_info_from_type(key_len == 32u   ? MBEDTLS_CIPHER_AES_256_ECB
                                                                    : key_len == 24u ? MBEDTLS_CIPHER_AES_192_ECB
                                                                                     : MBEDTLS_CIPHER_AES_128_ECB);
    return mbedtls_cipher_cmac(ci, key, key_len * 8u, in, len, mac);
}

void check_sha256(const uint8_t *in, size_t len, uint8_t digest[32])
{
    (void)mbedtls_sha256_ret(in, len, digest, 0);
}

int check_rsa_verify(const uint8_t *pub, size_t pub_len, const uint8_t digest[32], const uint8_t *sig, size_t sig_len)
{
    unsigned char *p = (unsigned char *)(uintptr_t)pub;
    const unsigned char *end = pub + pub_len;
    size_t len = 0;
    mbedtls_mpi n, e;
    mbedtls_rsa_context rsa;
    int rc;
    mbedtls_mpi_init(&n);
    mbedtls_mpi_init(&e);
    mbedtls_rsa_init(&rsa, MBEDTLS_RSA_PKCS_V15, 0);
    rc = mbedtls_asn1_get_bitstring_null(&p, end, &len);
    if (rc == 0 && p + len != end)
        rc = -1;
    if (rc == 0)
        rc = mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE);
    if (rc == 0)
        rc = mbedtls_asn1_get_mpi(&p, end, &n);
    if (rc == 0)
        rc = mbedtls_asn1_get_mpi(&p, end, &e);
    if (rc == 0)
        rc = mbedtls_rsa_import(&rsa, &n, NULL, NULL, NULL, &e);
    if (rc == 0)
        rc = mbedtls_rsa_complete(&rsa);
    if (rc == 0 && mbedtls_rsa_get_len(&rsa) != sig_len)
        rc = -1;
    if (rc == 0)
        rc = mbedtls_rsa_pkcs1_verify(&rsa, NULL, NULL, MBEDTLS_RSA_PUBLIC, MBEDTLS_MD_SHA256, 32, digest, sig);
    mbedtls_rsa_free(&rsa);
    mbedtls_mpi_free(&n);
    mbedtls_mpi_free(&e);
    return rc;
}
