/* Default Shielded Connection crypto ops on mbedTLS 2.28 (see trustm_shield_mbedtls.h). */
#include "trustm_shield_mbedtls.h"

#include <string.h>

#include <mbedtls/ccm.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/md.h>
#include <mbedtls/platform_util.h>

#define PRF_HASH  32u
#define PRF_A_MAX (PRF_HASH + 64u + 64u) /* A(i) || label || seed */

static int hmac(const uint8_t *key, size_t key_len, const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len,
                uint8_t out[PRF_HASH])
{
    mbedtls_md_context_t md;
    const mbedtls_md_info_t *info = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    mbedtls_md_init(&md);
    int r = mbedtls_md_setup(&md, info, 1);
    if (r == 0)
        r = mbedtls_md_hmac_starts(&md, key, key_len);
    if (r == 0)
        r = mbedtls_md_hmac_update(&md, a, a_len);
    if (r == 0 && b_len > 0)
        r = mbedtls_md_hmac_update(&md, b, b_len);
    if (r == 0)
        r = mbedtls_md_hmac_finish(&md, out);
    mbedtls_md_free(&md);
    return r;
}

int trustm_shield_mbedtls_prf(void *user, const uint8_t *secret, size_t secret_len, const uint8_t *label,
                              size_t label_len, const uint8_t *seed, size_t seed_len, uint8_t *out, size_t out_len)
{
    uint8_t ls[128], a[PRF_HASH], blk[PRF_HASH];
    (void)user;
    if (label_len + seed_len > sizeof ls)
        return -1;
    memcpy(ls, label, label_len);
    memcpy(ls + label_len, seed, seed_len);
    size_t ls_len = label_len + seed_len;
    int r = hmac(secret, secret_len, ls, ls_len, NULL, 0, a); /* A(1) */
    size_t done = 0;
    while (r == 0 && done < out_len) {
        r = hmac(secret, secret_len, a, sizeof a, ls, ls_len, blk);
        size_t n = out_len - done < PRF_HASH ? out_len - done : PRF_HASH;
        memcpy(out + done, blk, n);
        done += n;
        if (r == 0)
            r = hmac(secret, secret_len, a, sizeof a, NULL, 0, a); /* A(i+1) */
    }
    mbedtls_platform_zeroize(a, sizeof a);
    mbedtls_platform_zeroize(blk, sizeof blk);
    mbedtls_platform_zeroize(ls, sizeof ls);
    return r;
}

static int ccm8_encrypt(void *user, const uint8_t key[16], const uint8_t nonce[8], const uint8_t *aad, size_t aad_len,
                        const uint8_t *in, size_t len, uint8_t *out)
{
    mbedtls_ccm_context c;
    (void)user;
    mbedtls_ccm_init(&c);
    int r = mbedtls_ccm_setkey(&c, MBEDTLS_CIPHER_ID_AES, key, 128);
    if (r == 0)
        r = mbedtls_ccm_encrypt_and_tag(&c, len, nonce, 8, aad, aad_len, in, out, out + len, 8);
    mbedtls_ccm_free(&c);
    return r;
}

static int ccm8_decrypt(void *user, const uint8_t key[16], const uint8_t nonce[8], const uint8_t *aad, size_t aad_len,
                        const uint8_t *in, size_t len, const uint8_t tag[8], uint8_t *out)
{
    mbedtls_ccm_context c;
    uint8_t t[8];
    (void)user;
    memcpy(t, tag, sizeof t); /* the tag may sit right behind an in-place output */
    mbedtls_ccm_init(&c);
    int r = mbedtls_ccm_setkey(&c, MBEDTLS_CIPHER_ID_AES, key, 128);
    if (r == 0)
        r = mbedtls_ccm_auth_decrypt(&c, len, nonce, 8, aad, aad_len, in, out, t, 8);
    mbedtls_ccm_free(&c);
    if (r != 0)
        mbedtls_platform_zeroize(out, len);
    return r;
}

static int random_bytes(void *user, uint8_t *out, size_t len)
{
    mbedtls_entropy_context e;
    mbedtls_ctr_drbg_context d;
    static const unsigned char pers[] = "trustm-shield";
    (void)user;
    mbedtls_entropy_init(&e);
    mbedtls_ctr_drbg_init(&d);
    int r = mbedtls_ctr_drbg_seed(&d, mbedtls_entropy_func, &e, pers, sizeof pers - 1);
    if (r == 0)
        r = mbedtls_ctr_drbg_random(&d, out, len);
    mbedtls_ctr_drbg_free(&d);
    mbedtls_entropy_free(&e);
    return r;
}

static const trustm_shield_crypto_t ops = {trustm_shield_mbedtls_prf, ccm8_encrypt, ccm8_decrypt, random_bytes, NULL};

const trustm_shield_crypto_t *trustm_shield_crypto_mbedtls(void)
{
    return &ops;
}
