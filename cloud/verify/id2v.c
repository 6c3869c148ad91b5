/*
 * id2v.c - server side of ID2 (see id2v.h): id2_sign with the device key, auth-code parsing and
 * verification, server auth codes, TLS-PSK, device-secret password, client id and user name.
 *
 * Every input is checked for length and alphabet before use; comparisons of secret-derived
 * values are constant-time; every buffer that held key material or a signature computed with
 * it is wiped on every return path.
 */
#include "id2v/id2v.h"

#include <string.h>

#include <mbedtls/aes.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/md.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/rsa.h>
#include <mbedtls/sha256.h>

#define AES_SIG_LEN   48u
#define RSA_SIG_LEN   128u
#define AES_B64_LEN   64u
#define RSA_B64_LEN   172u
#define MSG_MAX       (ID2V_ID_LEN + ID2V_DEVICE_RANDOM_LEN + ID2V_MAX_SERVER_RANDOM + ID2V_MAX_EXTRA)
#define NAME_MAX_LEN  64u
#define TS_MAX_DIGITS 19u /* fits uint64 */

static const char hex_upper[] = "0123456789ABCDEF";
static const char hex_lower[] = "0123456789abcdef";
static const char b64_alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

const char *id2v_strerror(int status)
{
    switch (status) {
    case ID2V_OK:
        return "ok";
    case ID2V_ERR_BAD_PARAM:
        return "bad parameter";
    case ID2V_ERR_FORMAT:
        return "malformed input";
    case ID2V_ERR_TYPE:
        return "auth code type not accepted here";
    case ID2V_ERR_CHALLENGE:
        return "challenge does not match the one issued";
    case ID2V_ERR_SIGNATURE:
        return "signature does not verify";
    case ID2V_ERR_STALE:
        return "timestamp outside the accepted window";
    case ID2V_ERR_REPLAY:
        return "auth code seen before (replay)";
    case ID2V_ERR_UNKNOWN_DEVICE:
        return "unknown device";
    case ID2V_ERR_REVOKED:
        return "device revoked";
    case ID2V_ERR_NAME_MISMATCH:
        return "client id or user name names another device";
    case ID2V_ERR_SHORT_BUFFER:
        return "output buffer too small";
    case ID2V_ERR_CRYPTO:
        return "crypto library failure";
    case ID2V_ERR_NOT_SUPPORTED:
        return "not supported for this key type";
    case ID2V_ERR_STORAGE:
        return "registry or replay store failure";
    default:
        return "unknown error";
    }
}

void id2v_key_wipe(id2v_key_t *k)
{
    if (k != NULL)
        mbedtls_platform_zeroize(k, sizeof *k);
}

/* ------------------------------------------------------------------ small checks */

int id2v_hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int id2v_hex_decode(const char *hex, size_t len, uint8_t *out, size_t n)
{
    if (hex == NULL || out == NULL || len != 2 * n)
        return -1;
    for (size_t i = 0; i < n; i++) {
        int hi = id2v_hex_digit(hex[2 * i]), lo = id2v_hex_digit(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

void id2v_hex_encode(const uint8_t *b, size_t n, int upper, char *out)
{
    const char *hx = upper ? hex_upper : hex_lower;
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hx[b[i] >> 4];
        out[2 * i + 1] = hx[b[i] & 15];
    }
    out[2 * n] = '\0';
}

static int is_upper_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

static int is_alnum(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static int all_upper_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_upper_hex(s[i]))
            return 0;
    return 1;
}

/* Bounded strlen: returns max + 1 when s is longer than max. */
static size_t slen(const char *s, size_t max)
{
    size_t n = 0;
    while (n <= max && s[n] != '\0')
        n++;
    return n;
}

int id2v_valid_id2(const char *id2)
{
    return id2 != NULL && slen(id2, ID2V_ID_LEN) == ID2V_ID_LEN && all_upper_hex(id2, ID2V_ID_LEN);
}

static int valid_name(const char *s, size_t n, int is_dn)
{
    if (n == 0 || n > NAME_MAX_LEN)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (is_alnum(c) || c == '_' || c == '-')
            continue;
        if (is_dn && (c == '.' || c == '@' || c == ':'))
            continue;
        return 0;
    }
    return 1;
}

int id2v_valid_pk(const char *pk)
{
    return pk != NULL && valid_name(pk, slen(pk, NAME_MAX_LEN), 0);
}

int id2v_valid_dn(const char *dn)
{
    return dn != NULL && valid_name(dn, slen(dn, NAME_MAX_LEN), 1);
}

/* Decimal timestamp: 1..19 digits, no leading zero (except "0"). */
static int parse_decimal(const char *s, size_t n, uint64_t *out)
{
    if (n == 0 || n > TS_MAX_DIGITS || (n > 1 && s[0] == '0'))
        return 0;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10u + (uint64_t)(s[i] - '0');
    }
    *out = v;
    return 1;
}

static int ct_equal(const void *a, const void *b, size_t n)
{
    const volatile unsigned char *x = a, *y = b;
    unsigned char d = 0;
    for (size_t i = 0; i < n; i++)
        d |= (unsigned char)(x[i] ^ y[i]);
    return d == 0;
}

/* ------------------------------------------------------------------ base64 (strict) */

static void b64_encode(const uint8_t *in, size_t n, char *out)
{
    size_t o = 0, i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = ((uint32_t)in[i] << 16) | ((uint32_t)in[i + 1] << 8) | in[i + 2];
        out[o++] = b64_alpha[(v >> 18) & 63];
        out[o++] = b64_alpha[(v >> 12) & 63];
        out[o++] = b64_alpha[(v >> 6) & 63];
        out[o++] = b64_alpha[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)in[i + 1] << 8;
        out[o++] = b64_alpha[(v >> 18) & 63];
        out[o++] = b64_alpha[(v >> 12) & 63];
        out[o++] = (i + 1 < n) ? b64_alpha[(v >> 6) & 63] : '=';
        out[o++] = '=';
    }
    out[o] = '\0';
}

static int b64_val(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* Canonical base64 only: length multiple of 4, '=' only as final padding, unused bits zero. */
static int b64_decode_strict(const char *in, size_t n, uint8_t *out, size_t out_size, size_t *out_len)
{
    if (n == 0 || n % 4 != 0)
        return 0;
    size_t pad = (in[n - 1] == '=') + (in[n - 1] == '=' && in[n - 2] == '=');
    size_t len = n / 4 * 3 - pad;
    if (len > out_size)
        return 0;
    size_t o = 0;
    for (size_t i = 0; i < n; i += 4) {
        int v[4];
        for (size_t j = 0; j < 4; j++) {
            int last_group = i + 4 == n;
            if (in[i + j] == '=' && last_group && j >= 4 - pad)
                v[j] = 0;
            else if ((v[j] = b64_val(in[i + j])) < 0)
                return 0;
        }
        uint32_t w = ((uint32_t)v[0] << 18) | ((uint32_t)v[1] << 12) | ((uint32_t)v[2] << 6) | (uint32_t)v[3];
        uint8_t b[3] = {(uint8_t)(w >> 16), (uint8_t)(w >> 8), (uint8_t)w};
        size_t take = (i + 4 == n) ? 3 - pad : 3;
        if ((pad == 1 && i + 4 == n && (w & 0xFFu) != 0) || (pad == 2 && i + 4 == n && (w & 0xFFFFu) != 0))
            return 0; /* non-zero unused bits */
        memcpy(out + o, b, take);
        o += take;
    }
    *out_len = o;
    return 1;
}

/* ------------------------------------------------------------------ randomness */

typedef struct {
    mbedtls_entropy_context ent;
    mbedtls_ctr_drbg_context drbg;
} sys_rng_t;

static int sys_rng_init(sys_rng_t *r)
{
    static const unsigned char pers[] = "id2v";
    mbedtls_entropy_init(&r->ent);
    mbedtls_ctr_drbg_init(&r->drbg);
    return mbedtls_ctr_drbg_seed(&r->drbg, mbedtls_entropy_func, &r->ent, pers, sizeof pers - 1u) == 0;
}

static void sys_rng_free(sys_rng_t *r)
{
    mbedtls_ctr_drbg_free(&r->drbg);
    mbedtls_entropy_free(&r->ent);
}

/* ------------------------------------------------------------------ id2_sign */

static int key_ok(const id2v_key_t *k)
{
    if (k == NULL)
        return ID2V_ERR_BAD_PARAM;
    if (k->type == ID2V_KEY_SECRET)
        return ID2V_ERR_NOT_SUPPORTED;
    if (k->type == ID2V_KEY_AES && k->key_len != 16u)
        return ID2V_ERR_FORMAT;
    if (k->type == ID2V_KEY_RSA && (k->key_len == 0 || k->key_len > ID2V_MAX_KEY))
        return ID2V_ERR_FORMAT;
    if (k->type != ID2V_KEY_AES && k->type != ID2V_KEY_RSA)
        return ID2V_ERR_BAD_PARAM;
    return ID2V_OK;
}

/* Parse the RSA-1024 private key of k into pk (caller frees). */
static int rsa_load(const id2v_key_t *k, mbedtls_pk_context *pk)
{
    mbedtls_pk_init(pk);
    if (mbedtls_pk_parse_key(pk, k->key, k->key_len, NULL, 0) != 0 || mbedtls_pk_get_type(pk) != MBEDTLS_PK_RSA)
        return ID2V_ERR_FORMAT;
    if (mbedtls_rsa_get_len(mbedtls_pk_rsa(*pk)) != RSA_SIG_LEN)
        return ID2V_ERR_FORMAT;
    return ID2V_OK;
}

static int aes_sign(const uint8_t key[16], const uint8_t *msg, size_t msg_len, uint8_t sig[AES_SIG_LEN])
{
    uint8_t buf[AES_SIG_LEN];
    mbedtls_aes_context aes;
    int rc = ID2V_ERR_CRYPTO;
    mbedtls_aes_init(&aes);
    if (mbedtls_sha256_ret(msg, msg_len, buf, 0) != 0)
        goto out;
    memset(buf + 32, 0x10, 16);
    if (mbedtls_aes_setkey_enc(&aes, key, 128) != 0)
        goto out;
    for (size_t i = 0; i < AES_SIG_LEN; i += 16)
        if (mbedtls_aes_crypt_ecb(&aes, MBEDTLS_AES_ENCRYPT, buf + i, sig + i) != 0)
            goto out;
    rc = ID2V_OK;
out:
    mbedtls_aes_free(&aes);
    mbedtls_platform_zeroize(buf, sizeof buf);
    return rc;
}

static int rsa_sign(const id2v_key_t *k, const uint8_t *msg, size_t msg_len, uint8_t sig[RSA_SIG_LEN])
{
    mbedtls_pk_context pk;
    sys_rng_t rng;
    uint8_t h[32];
    int rc = rsa_load(k, &pk);
    int rng_ok = sys_rng_init(&rng);
    if (rc == ID2V_OK) {
        rc = ID2V_ERR_CRYPTO;
        mbedtls_rsa_context *rsa = mbedtls_pk_rsa(pk);
        mbedtls_rsa_set_padding(rsa, MBEDTLS_RSA_PKCS_V15, 0);
        if (rng_ok && mbedtls_sha256_ret(msg, msg_len, h, 0) == 0 &&
            mbedtls_rsa_pkcs1_sign(rsa, mbedtls_ctr_drbg_random, &rng.drbg, MBEDTLS_RSA_PRIVATE, MBEDTLS_MD_SHA256, 32,
                                   h, sig) == 0)
            rc = ID2V_OK;
    }
    sys_rng_free(&rng);
    mbedtls_pk_free(&pk);
    mbedtls_platform_zeroize(h, sizeof h);
    return rc;
}

int id2v_sign(const id2v_key_t *k, const uint8_t *msg, size_t msg_len, uint8_t *sig, size_t sig_size, size_t *sig_len)
{
    int rc = key_ok(k);
    if (rc != ID2V_OK)
        return rc;
    if ((msg == NULL && msg_len != 0) || sig == NULL || sig_len == NULL)
        return ID2V_ERR_BAD_PARAM;
    *sig_len = 0;
    size_t need = k->type == ID2V_KEY_AES ? AES_SIG_LEN : RSA_SIG_LEN;
    if (sig_size < need)
        return ID2V_ERR_SHORT_BUFFER;
    static const uint8_t empty[1] = {0};
    if (msg == NULL)
        msg = empty;
    rc = k->type == ID2V_KEY_AES ? aes_sign(k->key, msg, msg_len, sig) : rsa_sign(k, msg, msg_len, sig);
    if (rc == ID2V_OK)
        *sig_len = need;
    else
        mbedtls_platform_zeroize(sig, need);
    return rc;
}

/* ------------------------------------------------------------------ auth codes */

int id2v_parse_auth_code(const char *code, size_t code_len, id2v_auth_code_t *out)
{
    if (code == NULL || out == NULL || code_len == 0)
        return ID2V_ERR_BAD_PARAM;
    memset(out, 0, sizeof *out);
    if (code_len >= ID2V_AUTH_CODE_MAX || memchr(code, '\0', code_len) != NULL)
        return ID2V_ERR_FORMAT;
    /* "<t>~2~" */
    if (code_len < 6 || code[0] < '0' || code[0] > '3' || code[1] != '~' || code[2] != '2' || code[3] != '~')
        return ID2V_ERR_FORMAT;
    size_t p = 4;
    if (code_len < p + ID2V_DEVICE_RANDOM_LEN + 1 || !all_upper_hex(code + p, ID2V_DEVICE_RANDOM_LEN) ||
        code[p + ID2V_DEVICE_RANDOM_LEN] != '~')
        return ID2V_ERR_FORMAT;
    const char *dr = code + p;
    p += ID2V_DEVICE_RANDOM_LEN + 1;
    const char *sr = code + p;
    const char *sep = memchr(sr, '~', code_len - p);
    if (sep == NULL)
        return ID2V_ERR_FORMAT;
    size_t sr_len = (size_t)(sep - sr);
    int type = code[0] - '0';
    if (sr_len == 0 || sr_len > ID2V_MAX_SERVER_RANDOM)
        return ID2V_ERR_FORMAT;
    if (type == 1 || type == 3) {
        uint64_t ts;
        if (!parse_decimal(sr, sr_len, &ts))
            return ID2V_ERR_FORMAT;
    } else {
        for (size_t i = 0; i < sr_len; i++)
            if (!is_alnum(sr[i]))
                return ID2V_ERR_FORMAT;
    }
    p += sr_len + 1;
    const char *b64 = code + p;
    size_t b64_len = code_len - p;
    if (b64_len != AES_B64_LEN && b64_len != RSA_B64_LEN)
        return ID2V_ERR_FORMAT;
    uint8_t sig[RSA_SIG_LEN];
    size_t sig_len;
    if (!b64_decode_strict(b64, b64_len, sig, sizeof sig, &sig_len))
        return ID2V_ERR_FORMAT;
    out->type = type;
    out->hash = 2;
    memcpy(out->device_random, dr, ID2V_DEVICE_RANDOM_LEN);
    memcpy(out->server_random, sr, sr_len);
    out->sig_b64 = b64;
    out->sig_b64_len = b64_len;
    return ID2V_OK;
}

/* M = id2 || device random || server random || extra (id2.md 5.3); *len receives its length. */
static void build_msg(const char *id2, const char *dr, const char *sr, size_t sr_len, const uint8_t *extra,
                      size_t extra_len, uint8_t msg[MSG_MAX], size_t *len)
{
    size_t n = 0;
    memcpy(msg + n, id2, ID2V_ID_LEN);
    n += ID2V_ID_LEN;
    memcpy(msg + n, dr, ID2V_DEVICE_RANDOM_LEN);
    n += ID2V_DEVICE_RANDOM_LEN;
    memcpy(msg + n, sr, sr_len);
    n += sr_len;
    if (extra != NULL && extra_len != 0) {
        memcpy(msg + n, extra, extra_len);
        n += extra_len;
    }
    *len = n;
}

/* Check a signature over msg: AES recomputes and compares; RSA verifies with the public part. */
static int check_sig(const id2v_key_t *k, const uint8_t *msg, size_t msg_len, const char *b64, size_t b64_len)
{
    uint8_t sig[RSA_SIG_LEN], want[RSA_SIG_LEN], h[32];
    size_t sig_len = 0;
    int rc;
    if (!b64_decode_strict(b64, b64_len, sig, sizeof sig, &sig_len))
        return ID2V_ERR_FORMAT;
    if (k->type == ID2V_KEY_AES) {
        if (sig_len != AES_SIG_LEN) {
            rc = ID2V_ERR_SIGNATURE;
        } else if ((rc = aes_sign(k->key, msg, msg_len, want)) == ID2V_OK) {
            rc = ct_equal(sig, want, AES_SIG_LEN) ? ID2V_OK : ID2V_ERR_SIGNATURE;
        }
    } else {
        mbedtls_pk_context pk;
        rc = rsa_load(k, &pk);
        if (rc == ID2V_OK && sig_len != RSA_SIG_LEN)
            rc = ID2V_ERR_SIGNATURE;
        if (rc == ID2V_OK) {
            mbedtls_rsa_context *rsa = mbedtls_pk_rsa(pk);
            mbedtls_rsa_set_padding(rsa, MBEDTLS_RSA_PKCS_V15, 0);
            if (mbedtls_sha256_ret(msg, msg_len, h, 0) != 0)
                rc = ID2V_ERR_CRYPTO;
            else if (mbedtls_rsa_pkcs1_verify(rsa, NULL, NULL, MBEDTLS_RSA_PUBLIC, MBEDTLS_MD_SHA256, 32, h, sig) != 0)
                rc = ID2V_ERR_SIGNATURE;
        }
        mbedtls_pk_free(&pk);
    }
    mbedtls_platform_zeroize(want, sizeof want);
    mbedtls_platform_zeroize(sig, sizeof sig);
    mbedtls_platform_zeroize(h, sizeof h);
    return rc;
}

int id2v_verify_auth_code(const id2v_key_t *k, const char *code, size_t code_len, unsigned expect_types,
                          const char *challenge, const uint8_t *extra, size_t extra_len, id2v_auth_code_t *out)
{
    int rc = key_ok(k);
    if (rc != ID2V_OK)
        return rc;
    if (!id2v_valid_id2(k->id2) || (expect_types & ID2V_TYPES_ANY) == 0 || extra_len > ID2V_MAX_EXTRA ||
        (extra == NULL && extra_len != 0))
        return ID2V_ERR_BAD_PARAM;
    id2v_auth_code_t ac;
    if ((rc = id2v_parse_auth_code(code, code_len, &ac)) != ID2V_OK)
        return rc;
    if (out != NULL)
        *out = ac;
    if ((expect_types & (1u << ac.type)) == 0)
        return ID2V_ERR_TYPE;
    int with_extra = ac.type >= 2;
    /* The caller must say which extra it expects, and it must not be empty: the signed message
     * does not include the type, so a type-0/1 code is also a valid type-2/3 code with an empty
     * extra. */
    if (with_extra && (extra == NULL || extra_len == 0))
        return ID2V_ERR_BAD_PARAM;
    size_t sr_len = strlen(ac.server_random);
    if ((ac.type == 0 || ac.type == 2) && challenge != NULL) {
        size_t cl = slen(challenge, ID2V_MAX_SERVER_RANDOM);
        if (cl != sr_len || !ct_equal(challenge, ac.server_random, sr_len))
            return ID2V_ERR_CHALLENGE;
    }
    uint8_t msg[MSG_MAX];
    size_t msg_len;
    build_msg(k->id2, ac.device_random, ac.server_random, sr_len, with_extra ? extra : NULL, with_extra ? extra_len : 0,
              msg, &msg_len);
    rc = check_sig(k, msg, msg_len, ac.sig_b64, ac.sig_b64_len);
    mbedtls_platform_zeroize(msg, sizeof msg);
    return rc;
}

int id2v_check_timestamp(const char *timestamp, uint64_t now_ms, uint32_t window_s)
{
    if (timestamp == NULL)
        return ID2V_ERR_BAD_PARAM;
    uint64_t ts;
    if (!parse_decimal(timestamp, slen(timestamp, TS_MAX_DIGITS), &ts))
        return ID2V_ERR_FORMAT;
    uint64_t d = ts > now_ms ? ts - now_ms : now_ms - ts;
    return d <= (uint64_t)window_s * 1000u ? ID2V_OK : ID2V_ERR_STALE;
}

int id2v_server_auth_code(const id2v_key_t *k, const char *device_random, const uint8_t *server_extra,
                          size_t server_extra_len, char *out, size_t out_size)
{
    int rc = key_ok(k);
    if (rc != ID2V_OK)
        return rc;
    if (out == NULL || device_random == NULL || !id2v_valid_id2(k->id2) || server_extra_len > ID2V_MAX_EXTRA ||
        (server_extra == NULL && server_extra_len != 0))
        return ID2V_ERR_BAD_PARAM;
    if (slen(device_random, ID2V_DEVICE_RANDOM_LEN) != ID2V_DEVICE_RANDOM_LEN ||
        !all_upper_hex(device_random, ID2V_DEVICE_RANDOM_LEN))
        return ID2V_ERR_FORMAT;
    if (out_size < ID2V_AUTH_CODE_MAX)
        return ID2V_ERR_SHORT_BUFFER;
    char inv[ID2V_ID_LEN];
    for (size_t i = 0; i < ID2V_ID_LEN; i++) {
        int d = k->id2[i] <= '9' ? k->id2[i] - '0' : k->id2[i] - 'A' + 10;
        inv[i] = hex_upper[15 - d];
    }
    uint8_t msg[MSG_MAX], sig[RSA_SIG_LEN];
    size_t msg_len, sig_len;
    build_msg(inv, device_random, "", 0, server_extra, server_extra_len, msg, &msg_len);
    rc = id2v_sign(k, msg, msg_len, sig, sizeof sig, &sig_len);
    if (rc == ID2V_OK) {
        memcpy(out, server_extra != NULL ? "11~2~" : "10~2~", 5);
        memcpy(out + 5, device_random, ID2V_DEVICE_RANDOM_LEN);
        out[5 + ID2V_DEVICE_RANDOM_LEN] = '~';
        b64_encode(sig, sig_len, out + 6 + ID2V_DEVICE_RANDOM_LEN);
    }
    mbedtls_platform_zeroize(sig, sizeof sig);
    mbedtls_platform_zeroize(msg, sizeof msg);
    return rc;
}

int id2v_psk(const id2v_key_t *k, const char *hint, uint8_t psk[32])
{
    int rc = key_ok(k);
    if (rc != ID2V_OK)
        return rc;
    if (hint == NULL || psk == NULL || hint[0] == '\0')
        return ID2V_ERR_BAD_PARAM;
    size_t hl = slen(hint, 4096);
    if (hl > 4096)
        return ID2V_ERR_BAD_PARAM; /* ID2_MAX_CRYPTO_LEN */
    uint8_t sig[RSA_SIG_LEN];
    size_t sig_len;
    rc = id2v_sign(k, (const uint8_t *)hint, hl, sig, sizeof sig, &sig_len);
    if (rc == ID2V_OK && mbedtls_sha256_ret(sig, sig_len, psk, 0) != 0)
        rc = ID2V_ERR_CRYPTO;
    if (rc != ID2V_OK)
        mbedtls_platform_zeroize(psk, 32);
    mbedtls_platform_zeroize(sig, sizeof sig);
    return rc;
}

int id2v_server_random(char out[ID2V_MAX_SERVER_RANDOM + 1], int (*f_rng)(void *, unsigned char *, size_t), void *p_rng)
{
    if (out == NULL)
        return ID2V_ERR_BAD_PARAM;
    unsigned char b[16];
    int ok;
    if (f_rng != NULL) {
        ok = f_rng(p_rng, b, sizeof b) == 0;
    } else {
        sys_rng_t rng;
        ok = sys_rng_init(&rng) && mbedtls_ctr_drbg_random(&rng.drbg, b, sizeof b) == 0;
        sys_rng_free(&rng);
    }
    if (!ok) {
        mbedtls_platform_zeroize(b, sizeof b);
        out[0] = '\0';
        return ID2V_ERR_CRYPTO;
    }
    id2v_hex_encode(b, sizeof b, 1, out);
    mbedtls_platform_zeroize(b, sizeof b);
    return ID2V_OK;
}

/* ------------------------------------------------------------------ device-secret password */

int id2v_secret_password(const char *pk, const char *dn, const char *device_secret, const char *timestamp, char out[65])
{
    if (out == NULL)
        return ID2V_ERR_BAD_PARAM;
    out[0] = '\0';
    if (device_secret == NULL || timestamp == NULL)
        return ID2V_ERR_BAD_PARAM;
    size_t sl = slen(device_secret, 256);
    uint64_t ts;
    if (!id2v_valid_pk(pk) || !id2v_valid_dn(dn) || sl == 0 || sl > 256 ||
        !parse_decimal(timestamp, slen(timestamp, TS_MAX_DIGITS), &ts))
        return ID2V_ERR_FORMAT;
    const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    mbedtls_md_context_t ctx;
    uint8_t mac[32];
    int rc = ID2V_ERR_CRYPTO;
    mbedtls_md_init(&ctx);
    const char *parts[] = {"clientId", pk, ".", dn, "deviceName", dn, "productKey", pk, "timestamp", timestamp};
    if (md == NULL || mbedtls_md_setup(&ctx, md, 1) != 0 ||
        mbedtls_md_hmac_starts(&ctx, (const unsigned char *)device_secret, sl) != 0)
        goto done;
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        if (mbedtls_md_hmac_update(&ctx, (const unsigned char *)parts[i], strlen(parts[i])) != 0)
            goto done;
    if (mbedtls_md_hmac_finish(&ctx, mac) != 0)
        goto done;
    for (size_t i = 0; i < 32; i++) {
        out[2 * i] = hex_lower[mac[i] >> 4];
        out[2 * i + 1] = hex_lower[mac[i] & 15];
    }
    out[64] = '\0';
    rc = ID2V_OK;
done:
    mbedtls_md_free(&ctx);
    mbedtls_platform_zeroize(mac, sizeof mac);
    return rc;
}

int id2v_verify_secret_password(const char *pk, const char *dn, const char *device_secret, const char *timestamp,
                                const char *password, size_t password_len)
{
    char want[65];
    if (password == NULL)
        return ID2V_ERR_BAD_PARAM;
    int rc = id2v_secret_password(pk, dn, device_secret, timestamp, want);
    if (rc == ID2V_OK && (password_len != 64 || !ct_equal(want, password, 64)))
        rc = ID2V_ERR_SIGNATURE;
    mbedtls_platform_zeroize(want, sizeof want);
    return rc;
}

/* ------------------------------------------------------------------ client id, user name */

#define CID_MAX       512u
#define CID_VALUE_MAX 64u

static int valid_value(const char *s, size_t n)
{
    if (n == 0 || n > CID_VALUE_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!is_alnum(s[i]) && s[i] != '.' && s[i] != '-' && s[i] != '_')
            return 0;
    return 1;
}

static int copy_field(char *dst, size_t dst_size, const char *v, size_t n)
{
    if (n >= dst_size)
        return 0;
    memcpy(dst, v, n);
    dst[n] = '\0';
    return 1;
}

/* One "key=value" field of the client id into out; seen is a bit set of the keys met so far. */
static int cid_field(const char *f, size_t n, id2v_client_id_t *out, unsigned *seen)
{
    static const char *const keys[] = {"securemode", "timestamp", "signmethod", "gw", "ext",
                                       "partner_id", "module_id", "authtype",   "a"};
    const char *eq = memchr(f, '=', n);
    if (eq == NULL)
        return 0;
    size_t kl = (size_t)(eq - f), vl = n - kl - 1;
    const char *v = eq + 1;
    size_t k;
    for (k = 0; k < sizeof keys / sizeof keys[0]; k++)
        if (strlen(keys[k]) == kl && memcmp(keys[k], f, kl) == 0)
            break;
    if (k == sizeof keys / sizeof keys[0] || (*seen & (1u << k)) != 0 || !valid_value(v, vl))
        return 0;
    *seen |= 1u << k;
    uint64_t num;
    switch (k) {
    case 0: /* securemode: -1 or 0..99 */
        if (vl == 2 && v[0] == '-' && v[1] == '1')
            out->securemode = -1;
        else if (vl <= 2 && parse_decimal(v, vl, &num))
            out->securemode = (int)num;
        else
            return 0;
        return 1;
    case 1:
        return parse_decimal(v, vl, &num) && copy_field(out->timestamp, sizeof out->timestamp, v, vl);
    case 2:
        return copy_field(out->signmethod, sizeof out->signmethod, v, vl);
    case 3:
    case 4:
        return vl == 1 && (v[0] == '0' || v[0] == '1');
    case 7:
        return copy_field(out->authtype, sizeof out->authtype, v, vl);
    default: /* partner_id, module_id, a: checked, not kept */
        return 1;
    }
}

int id2v_parse_client_id(const char *client_id, id2v_client_id_t *out)
{
    if (client_id == NULL || out == NULL)
        return ID2V_ERR_BAD_PARAM;
    memset(out, 0, sizeof *out);
    out->securemode = -1;
    size_t n = slen(client_id, CID_MAX);
    if (n == 0 || n > CID_MAX)
        return ID2V_ERR_FORMAT;
    const char *bar = memchr(client_id, '|', n);
    const char *dot = memchr(client_id, '.', n);
    if (bar == NULL || dot == NULL || dot > bar || client_id[n - 1] != '|' || bar == client_id + n - 1)
        goto bad;
    size_t pk_len = (size_t)(dot - client_id), dn_len = (size_t)(bar - dot - 1);
    if (!valid_name(client_id, pk_len, 0) || !valid_name(dot + 1, dn_len, 1))
        goto bad;
    memcpy(out->pk, client_id, pk_len);
    memcpy(out->dn, dot + 1, dn_len);
    const char *p = bar + 1, *end = client_id + n - 1; /* fields in [p, end) */
    unsigned seen = 0;
    if (p >= end)
        goto bad; /* "||": no field at all */
    while (p < end) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *fe = comma != NULL ? comma : end;
        if (!cid_field(p, (size_t)(fe - p), out, &seen))
            goto bad;
        if (comma != NULL && comma + 1 == end)
            goto bad; /* trailing comma */
        p = fe + (comma != NULL);
    }
    return ID2V_OK;
bad:
    memset(out, 0, sizeof *out);
    out->securemode = -1;
    return ID2V_ERR_FORMAT;
}

int id2v_parse_username(const char *username, char pk[65], char dn[65])
{
    if (username == NULL || pk == NULL || dn == NULL)
        return ID2V_ERR_BAD_PARAM;
    pk[0] = dn[0] = '\0';
    size_t n = slen(username, 2 * NAME_MAX_LEN + 1);
    const char *amp = memchr(username, '&', n);
    if (n > 2 * NAME_MAX_LEN + 1 || amp == NULL)
        return ID2V_ERR_FORMAT;
    size_t dl = (size_t)(amp - username), pl = n - dl - 1;
    if (!valid_name(username, dl, 1) || !valid_name(amp + 1, pl, 0))
        return ID2V_ERR_FORMAT;
    memcpy(dn, username, dl);
    dn[dl] = '\0';
    memcpy(pk, amp + 1, pl);
    pk[pl] = '\0';
    return ID2V_OK;
}

/* Append "<sep><name>=<value>" (value checked); returns 0 when it does not fit or is invalid. */
static int put_field(char *out, size_t out_size, size_t *pos, const char *sep, const char *name, const char *value,
                     int check)
{
    if (value == NULL)
        return 1;
    if (check && !valid_value(value, slen(value, CID_VALUE_MAX)))
        return -1;
    size_t need = strlen(sep) + strlen(name) + 1 + strlen(value);
    if (*pos + need >= out_size)
        return 0;
    *pos += (size_t)sprintf(out + *pos, "%s%s=%s", sep, name, value);
    return 1;
}

int id2v_format_client_id(const char *pk, const char *dn, int securemode, const char *timestamp, const char *partner_id,
                          const char *module_id, const char *authtype, const char *a, char *out, size_t out_size)
{
    if (out == NULL || out_size == 0 || securemode < -1 || securemode > 99)
        return ID2V_ERR_BAD_PARAM;
    out[0] = '\0';
    uint64_t ts;
    if (!id2v_valid_pk(pk) || !id2v_valid_dn(dn) ||
        (timestamp != NULL && !parse_decimal(timestamp, slen(timestamp, TS_MAX_DIGITS), &ts)))
        return ID2V_ERR_FORMAT;
    char mode[8];
    snprintf(mode, sizeof mode, "%d", securemode);
    size_t pos = strlen(pk) + 1 + strlen(dn) + 1;
    if (pos >= out_size)
        return ID2V_ERR_SHORT_BUFFER;
    sprintf(out, "%s.%s|", pk, dn);
    struct {
        const char *name, *value;
        int check;
    } f[] = {{"securemode", mode, 0},
             {"timestamp", timestamp, 0},
             {"signmethod", "hmacsha256", 0},
             {"gw", "0", 0},
             {"ext", "0", 0},
             {"partner_id", partner_id, 1},
             {"module_id", module_id, 1},
             {"authtype", authtype, 1},
             {"a", a, 1}};
    const char *sep = "";
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        int r = put_field(out, out_size, &pos, sep, f[i].name, f[i].value, f[i].check);
        if (r <= 0) {
            out[0] = '\0';
            return r < 0 ? ID2V_ERR_FORMAT : ID2V_ERR_SHORT_BUFFER;
        }
        if (f[i].value != NULL)
            sep = ",";
    }
    if (pos + 1 >= out_size) {
        out[0] = '\0';
        return ID2V_ERR_SHORT_BUFFER;
    }
    out[pos++] = '|';
    out[pos] = '\0';
    return ID2V_OK;
}
