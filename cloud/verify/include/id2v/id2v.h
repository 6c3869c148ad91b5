/*
 * id2v.h - server side of ID2: the one verifier used by the broker plugin, id2-kdc and the
 * tests (never a second copy).
 *
 * It checks what a device computes with its chip-held key (id2 client, id2.md section 5) and
 * computes what the server sends back:
 *   - auth codes of every type (0 challenge, 1 timestamp, 2 challenge+extra, 3 timestamp+extra),
 *   - server auth codes (type 10 / 11) over inverse(ID2) || device random [|| extra],
 *   - the TLS-PSK of a device for a listener hint (id2_client_get_secret),
 *   - the seed's device-secret password (cloud-mqtt.md section 3.3),
 *   - the MQTT client id and user name of cloud-mqtt.md sections 3.1, 3.2 and 9.1.
 * Host-side code (mbedTLS 2.28). Every function is re-entrant, keeps no global state and
 * wipes intermediate secrets before it returns. Strings are NUL-terminated ASCII.
 */
#ifndef ID2V_H
#define ID2V_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Results. 0 is success; every error is negative and has a one-line text (id2v_strerror). */
typedef enum {
    ID2V_OK = 0,
    ID2V_ERR_BAD_PARAM = -1,      /* NULL, empty, or out-of-range argument                  */
    ID2V_ERR_FORMAT = -2,         /* malformed auth code / client id / user name / key      */
    ID2V_ERR_TYPE = -3,           /* auth-code type not the one this flow expects           */
    ID2V_ERR_CHALLENGE = -4,      /* challenge in the code is not the one the server issued */
    ID2V_ERR_SIGNATURE = -5,      /* signature does not verify with the device's key        */
    ID2V_ERR_STALE = -6,          /* timestamp outside the accepted window                  */
    ID2V_ERR_REPLAY = -7,         /* (ID2, device random, timestamp/challenge) seen before  */
    ID2V_ERR_UNKNOWN_DEVICE = -8, /* no such ID2 / device in the registry                   */
    ID2V_ERR_REVOKED = -9,        /* device revoked                                         */
    ID2V_ERR_NAME_MISMATCH = -10, /* client id / user name names another device             */
    ID2V_ERR_SHORT_BUFFER = -11,  /* output buffer too small                                */
    ID2V_ERR_CRYPTO = -12,        /* the crypto library failed (not a verification failure) */
    ID2V_ERR_NOT_SUPPORTED = -13, /* e.g. PSK for a key type that has none                  */
    ID2V_ERR_STORAGE = -14,       /* registry / replay store failed                         */
} id2v_status_t;

const char *id2v_strerror(int status);

/* Limits (id2.md section 5). */
#define ID2V_ID_LEN            24
#define ID2V_DEVICE_RANDOM_LEN 16
#define ID2V_MAX_SERVER_RANDOM 32
#define ID2V_MAX_EXTRA         512
#define ID2V_AUTH_CODE_MAX     256  /* including the NUL */
#define ID2V_MAX_KEY           1280 /* RSA-1024 private key, DER */

/* Device key material as the registry hands it out (decrypted). */
typedef enum {
    ID2V_KEY_AES = 2,    /* AES-128 in E200; key = 16 raw bytes                                */
    ID2V_KEY_RSA = 3,    /* RSA-1024 in E0FC; key = PKCS#1 RSAPrivateKey DER                   */
    ID2V_KEY_SECRET = 9, /* no ID2: the seed's device secret; key = the secret's ASCII bytes   */
} id2v_key_type_t;

typedef struct {
    char id2[ID2V_ID_LEN + 1]; /* 24 upper-case hex characters (empty for ID2V_KEY_SECRET) */
    id2v_key_type_t type;
    uint8_t key[ID2V_MAX_KEY];
    size_t key_len;
} id2v_key_t;

/* Hex helpers shared by the cloud side: one digit (either case) -> 0..15, or -1; exactly
 * 2*n digits -> n bytes (0, or -1 on a wrong length or a non-hex digit; out may be partly
 * written then); n bytes -> 2*n digits + NUL (upper-case when upper != 0). */
int id2v_hex_digit(char c);
int id2v_hex_decode(const char *hex, size_t len, uint8_t *out, size_t n);
void id2v_hex_encode(const uint8_t *b, size_t n, int upper, char *out);

/* Wipe a key (memory the compiler cannot skip). */
void id2v_key_wipe(id2v_key_t *k);

/* id2_sign(msg) with the device's key (id2.md 5.1): AES -> 48 bytes, RSA -> 128 bytes. */
int id2v_sign(const id2v_key_t *k, const uint8_t *msg, size_t msg_len, uint8_t *sig, size_t sig_size, size_t *sig_len);

/* A parsed auth code "<type>~2~<device random>~<server random|timestamp>~<base64>".
 * The pointers point into the parsed string; lengths exclude any NUL. */
typedef struct {
    int type; /* 0, 1, 2 or 3 */
    int hash; /* 2 (SHA-256)  */
    char device_random[ID2V_DEVICE_RANDOM_LEN + 1];
    char server_random[ID2V_MAX_SERVER_RANDOM + 1]; /* challenge or decimal ms timestamp */
    const char *sig_b64;
    size_t sig_b64_len;
} id2v_auth_code_t;

/* Parse only (no key needed): strict format, lengths and alphabets checked. */
int id2v_parse_auth_code(const char *code, size_t code_len, id2v_auth_code_t *out);

/* Verify an auth code of `k`'s device.
 *  expect_types: bit mask of acceptable types (1u << type), e.g. ID2V_TYPES_CHALLENGE_EXTRA.
 *  challenge:    for types 0/2 the server random the server issued (NULL: not checked here);
 *  extra:        for types 2/3 the extra the server expects (the exact client id; non-empty,
 *                else ID2V_ERR_BAD_PARAM: without the type in the signed message a type-0/1
 *                code is also a type-2/3 code with an empty extra), else NULL.
 *  out:          optional; receives the parsed code (device random, timestamp) for replay checks.
 * Returns ID2V_OK, or TYPE / CHALLENGE / SIGNATURE / FORMAT. Comparison is constant-time. */
#define ID2V_TYPES_CHALLENGE       (1u << 0)
#define ID2V_TYPES_TIMESTAMP       (1u << 1)
#define ID2V_TYPES_CHALLENGE_EXTRA (1u << 2)
#define ID2V_TYPES_TIMESTAMP_EXTRA (1u << 3)
#define ID2V_TYPES_ANY             0x0Fu
int id2v_verify_auth_code(const id2v_key_t *k, const char *code, size_t code_len, unsigned expect_types,
                          const char *challenge, const uint8_t *extra, size_t extra_len, id2v_auth_code_t *out);

/* Timestamp check for types 1/3: decimal ms since 1970, |ts - now_ms| <= window_s * 1000. */
int id2v_check_timestamp(const char *timestamp, uint64_t now_ms, uint32_t window_s);

/* Server auth code (id2.md 5.5): type 10 when server_extra == NULL, else 11.
 * out receives "TT~2~<device random>~<base64>" and a NUL; out_size >= ID2V_AUTH_CODE_MAX. */
int id2v_server_auth_code(const id2v_key_t *k, const char *device_random, const uint8_t *server_extra,
                          size_t server_extra_len, char *out, size_t out_size);

/* TLS-PSK for listener hint `hint` (cloud-mqtt.md 9.4): psk = SHA-256(id2_sign(hint)), 32 bytes
 * (its upper-case hex is id2_client_get_secret(hint)). */
int id2v_psk(const id2v_key_t *k, const char *hint, uint8_t psk[32]);

/* Fresh server random: 32 upper-case hex characters from 16 bytes of the given generator
 * (mbedTLS-style f_rng; NULL = the system's CTR-DRBG seeded from the OS entropy). */
int id2v_server_random(char out[ID2V_MAX_SERVER_RANDOM + 1], int (*f_rng)(void *, unsigned char *, size_t),
                       void *p_rng);

/* Seed's device-secret password (cloud-mqtt.md 3.3): 64 lower-case hex characters + NUL. */
int id2v_secret_password(const char *pk, const char *dn, const char *device_secret, const char *timestamp,
                         char out[65]);

/* Client id "<pk>.<dn>|k=v,k=v,...|" (cloud-mqtt.md 3.1 / 9.1), parsed strictly. */
typedef struct {
    char pk[65];
    char dn[65];
    int securemode;     /* -1 when absent */
    char timestamp[21]; /* empty when absent */
    char signmethod[33];
    char authtype[17]; /* "id2" for ID2 devices, empty otherwise */
} id2v_client_id_t;
int id2v_parse_client_id(const char *client_id, id2v_client_id_t *out);

/* User name "<dn>&<pk>" (cloud-mqtt.md 3.2). */
int id2v_parse_username(const char *username, char pk[65], char dn[65]);

/* Format a client id for pk/dn: securemode, timestamp, authtype ("id2" or NULL), plus optional
 * partner_id / module_id / a= fields (NULL = omitted), in the exact order of 3.1. */
int id2v_format_client_id(const char *pk, const char *dn, int securemode, const char *timestamp, const char *partner_id,
                          const char *module_id, const char *authtype, const char *a, char *out, size_t out_size);

/* Additions (beyond the first contract). */

/* 1 when id2 is 24 upper-case hex characters, else 0. */
int id2v_valid_id2(const char *id2);
/* 1 when pk is 1..64 of [A-Za-z0-9_-], dn 1..64 of [A-Za-z0-9_-.@:], else 0. */
int id2v_valid_pk(const char *pk);
int id2v_valid_dn(const char *dn);

/* Check a device-secret password (3.3) in constant time: ID2V_OK, ID2V_ERR_SIGNATURE, or FORMAT. */
int id2v_verify_secret_password(const char *pk, const char *dn, const char *device_secret, const char *timestamp,
                                const char *password, size_t password_len);

#ifdef __cplusplus
}
#endif

#endif /* ID2V_H */
