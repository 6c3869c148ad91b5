/*
 * id2_client.h - the ID2 client (vendor client v1.1.4 semantics, id2.md §5) on top of libtrustm.
 *
 * One caller-owned context (id2_client_t) per chip. The library never allocates, keeps no
 * global state, never calls the operating system (sleeping for the power-down cleanup goes
 * through the PAL the caller hands in) and never prints: log lines go to an optional callback.
 *
 * Results are the irot_result_t values of id2.md §3 (IROT_SUCCESS 0 ... IROT_ERROR_ITEM_NOT_FOUND
 * -11), with the vendor mapping of §7: a failing chip command is IROT_ERROR_GENERIC (a missing or
 * malformed ID in F1D0 is IROT_ERROR_ITEM_NOT_FOUND); the libtrustm status of the last chip
 * failure is kept unchanged and read with id2_client_last_status().
 *
 * Strings: IDs, randoms and auth codes are ASCII. Functions named as in the vendor API take the
 * same arguments after the context; lengths are in/out (*len = buffer size in, length out).
 */
#ifndef ID2_CLIENT_H
#define ID2_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trustm/trustm_device.h"
#include "trustm/trustm_pal.h"
#include "trustm/trustm_status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- result codes (id2.md §3) ---- */
typedef int irot_result_t;
#define IROT_SUCCESS               0
#define IROT_ERROR_GENERIC         (-1)
#define IROT_ERROR_BAD_PARAMETERS  (-2)
#define IROT_ERROR_SHORT_BUFFER    (-3)
#define IROT_ERROR_EXCESS_DATA     (-4)
#define IROT_ERROR_OUT_OF_MEMORY   (-5)
#define IROT_ERROR_COMMUNICATION   (-7)
#define IROT_ERROR_NOT_SUPPORTED   (-8)
#define IROT_ERROR_NOT_IMPLEMENTED (-9)
#define IROT_ERROR_TIMEOUT         (-10)
#define IROT_ERROR_ITEM_NOT_FOUND  (-11)

/* One-line text of a result ("short buffer"); "unknown result" for other values. */
const char *id2_result_str(irot_result_t r);

/* ---- limits (id2.md §5) ---- */
#define ID2_CLIENT_VERSION        0x00010104u
#define ID2_ID_LEN                24u
#define ID2_MAX_SERVER_RANDOM_LEN 32u
#define ID2_MAX_DEVICE_RANDOM_LEN 16u
#define ID2_MAX_EXTRA_LEN         512u
#define ID2_MAX_CRYPTO_LEN        4096u
#define AUTH_CODE_BUF_LEN         256u
#define ID2_SECRET_LEN            64u /* get_secret: 64 hex characters */
#define ID2_DEVICE_RANDOM_CHARS   16u /* the device random this client makes */

/* ---- crypto type (id2.md §2.2) ---- */
#define ID2_CRYPTO_TYPE_AES 2
#define ID2_CRYPTO_TYPE_RSA 3
/* Build-time default used when the configuration says 0 (mirrors the seed's chip_config.h). */
#ifndef ID2_CRYPTO_TYPE_CONFIG
#define ID2_CRYPTO_TYPE_CONFIG ID2_CRYPTO_TYPE_AES
#endif

/* Chip objects used. */
#define ID2_OID_ID      0xF1D0u /* 12 raw ID bytes */
#define ID2_OID_AES_KEY 0xE200u /* AES-128, usage Enc */
#define ID2_OID_RSA_KEY 0xE0FCu /* RSA-1024, usage Sign|Enc */
#define ID2_OID_SEC     0xE0C5u /* Security Event Counter */

/* Fill buf with len random bytes; return 0 on success (anything else: IROT_ERROR_GENERIC). */
typedef int (*id2_rng_fn)(void *arg, uint8_t *buf, size_t len);
/* One log line, NUL-terminated, without a line break. */
typedef void (*id2_log_fn)(void *arg, const char *line);

#define ID2_POWER_DOWN_POLL_MS     500u   /* SEC poll interval (id2.md §3.2) */
#define ID2_POWER_DOWN_MAX_WAIT_MS 60000u /* default bound of the SEC wait */

typedef struct id2_client_config { /* zero = default, except rng (required) */
    int crypto_type;               /* ID2_CRYPTO_TYPE_AES / _RSA; 0 = ID2_CRYPTO_TYPE_CONFIG */
    id2_rng_fn rng;                /* required: device randoms (8 bytes per random) */
    void *rng_arg;
    id2_log_fn log; /* optional: banner and chip-log lines (id2.md §8) */
    void *log_arg;
    bool device_is_open;             /* the caller has opened dev: init sends no OpenApplication */
    bool power_down;                 /* id2_client_cleanup() waits for SEC 0, closes, VDD off */
    uint32_t power_down_max_wait_ms; /* bound of the SEC wait; 0 = ID2_POWER_DOWN_MAX_WAIT_MS */
    const trustm_pal_t *pal;         /* the PAL given to trustm_device_init(dev): sleep_us (required
                                      * for power-down) and set_pin VDD (optional) */
} id2_client_config_t;

/* What a power-down cleanup did. */
typedef struct id2_cleanup_report {
    bool powered_down;            /* the power-down path ran (the client was initialised) */
    uint32_t waited_ms;           /* time slept waiting for SEC 0 */
    uint8_t sec;                  /* last SEC value read */
    bool sec_zero;                /* SEC read 0 (false: bound reached or read failed) */
    trustm_status_t sec_status;   /* status of the last SEC read */
    trustm_status_t close_status; /* CloseApplication */
    trustm_status_t vdd_status;   /* VDD off (PAL NOT_SUPPORTED when the port has no pin) */
} id2_cleanup_report_t;

/* Caller-owned context; members are private. Zero it before the first init (recommended). */
typedef struct id2_client {
    uint32_t magic;
    trustm_device_t *dev;
    id2_client_config_t cfg;
    bool inited;
    bool app_open; /* OpenApplication done by this client */
    bool id_cached;
    char id[ID2_ID_LEN];
    size_t challenge_len; /* random remembered by get_device_challenge (0: none) */
    char challenge[ID2_DEVICE_RANDOM_CHARS];
    bool have_last_random;
    char last_random[ID2_DEVICE_RANDOM_CHARS + 1u];
    trustm_status_t last_status;
} id2_client_t;

/* ---- lifecycle ---- */

/* Banner (id2.md §8), clear the ID cache and the remembered random, open the application on
 * dev unless cfg->device_is_open or this context already did (without a power-down since).
 * BAD_PARAMETERS: ctx/dev/cfg/rng NULL, unknown crypto type, power_down without pal->sleep_us.
 * Chip failure: GENERIC (uninitialised). */
irot_result_t id2_client_init(id2_client_t *ctx, trustm_device_t *dev, const id2_client_config_t *cfg);
/* Cleanup as configured (cfg.power_down); always SUCCESS for a valid ctx (vendor semantics). */
irot_result_t id2_client_cleanup(id2_client_t *ctx);
/* Cleanup with an explicit power-down choice; report (may be NULL) says what happened.
 * Power-down: poll E0C5 every 500 ms until 0 (bounded), CloseApplication, VDD off. */
irot_result_t id2_client_cleanup_ex(id2_client_t *ctx, bool power_down, id2_cleanup_report_t *report);

/* ---- vendor API (id2.md §5) ---- */
irot_result_t id2_client_get_version(id2_client_t *ctx, uint32_t *version);
/* 24 upper-case hex characters, not NUL-terminated; *len >= 24 in, 24 out. */
irot_result_t id2_client_get_id(id2_client_t *ctx, uint8_t *id, uint32_t *len);
/* "<type>~2~<device random>~<server_random>~<base64 sig>" NUL-terminated; *auth_code_len >= 256
 * in, string length out. extra NULL: type 0 (challenge) / 1 (timestamp); else 2 / 3. */
irot_result_t id2_client_get_challenge_auth_code(id2_client_t *ctx, const char *server_random, const uint8_t *extra,
                                                 uint32_t extra_len, uint8_t *auth_code, uint32_t *auth_code_len);
irot_result_t id2_client_get_timestamp_auth_code(id2_client_t *ctx, const char *timestamp, const uint8_t *extra,
                                                 uint32_t extra_len, uint8_t *auth_code, uint32_t *auth_code_len);
/* Fresh 16-character random + NUL (*len > 16 in, 16 out), remembered for verify_server. */
irot_result_t id2_client_get_device_challenge(id2_client_t *ctx, uint8_t *random_buf, uint32_t *random_len);
/* Server auth code "10|11~2~<device random>~<base64 sig>". device_random NULL: the one
 * remembered by get_device_challenge. SUCCESS or GENERIC (mismatch). */
irot_result_t id2_client_verify_server(id2_client_t *ctx, const uint8_t *auth_code, uint32_t auth_code_len,
                                       const uint8_t *device_random, uint32_t device_random_len,
                                       const uint8_t *server_extra, uint32_t server_extra_len);
/* AES: ECB decrypt + PKCS#5 unpad; RSA: per 128-byte block RSAES-PKCS1-v1_5. */
irot_result_t id2_client_decrypt(id2_client_t *ctx, const uint8_t *in, uint32_t in_len, uint8_t *out,
                                 uint32_t *out_len);
/* HEX_UPPER(SHA-256(id2_sign(seed))): 64 characters, not NUL-terminated; *len >= 64 in, 64 out. */
irot_result_t id2_client_get_secret(id2_client_t *ctx, const char *seed, uint8_t *secret, uint32_t *secret_len);

/* ---- additions ---- */
/* The device random (16 chars + NUL) of the last auth code or device challenge; for
 * verify_server after an auth code. GENERIC if none was made since init. */
irot_result_t id2_client_last_device_random(const id2_client_t *ctx, char out[ID2_DEVICE_RANDOM_CHARS + 1u]);
/* libtrustm status of the last failing chip operation (TRUSTM_OK if none since init). */
trustm_status_t id2_client_last_status(const id2_client_t *ctx);
/* The ID2 signature primitive (id2.md §5.1): AES 48 bytes, RSA 128 bytes into sig (sig_size). */
irot_result_t id2_client_sign(id2_client_t *ctx, const uint8_t *msg, size_t msg_len, uint8_t *sig, size_t sig_size,
                              size_t *sig_len);

#ifdef __cplusplus
}
#endif
#endif /* ID2_CLIENT_H */
