/*
 * trustm_shield.h - Shielded Connection (IFX I2C presentation layer, ifx-i2c.md §5): the host
 * side of the pre-shared-secret handshake (PVER 1), TLS-PRF-SHA256 key derivation,
 * AES-128-CCM-8 protected records with sequence numbers, alerts, and the context save/restore
 * that hibernate needs.
 *
 * Use:
 *     trustm_shield_t sh;                               caller-owned (static or stack), ~1.7 KB
 *     trustm_shield_config_t sc = {0};
 *     sc.crypto = trustm_shield_crypto_mbedtls();       or your own ops table (below)
 *     sc.read_secret = my_secret_reader;                 the platform binding secret (E140)
 *     sc.default_level = TRUSTM_PROTECT_FULL;
 *     trustm_shield_init(&sh, &sc);
 *     cfg.shield = &sh;  trustm_device_init(&dev, &pal, &cfg);   (implies the presentation bit)
 *     trustm_device_protect_next(&dev, TRUSTM_PROTECT_RSP);      level of the next operation
 *
 * The handshake runs lazily: at the first exchange whose level is not NONE, when
 * TRUSTM_PROTECT_RENEW is ORed into a level, or before a sequence number would pass
 * 0xFFFFFFF0. The secret is read through read_secret only while the keys are derived and wiped
 * right after; the key block lives in the context until the session ends, the context is
 * wiped by trustm_shield_wipe().
 *
 * Failures: an integrity alert (0x44) from the chip makes the host resend the command with the
 * next sequence number (at most TRANS_REPEAT times); a response that does not verify makes the
 * host send 0x44 (at most TRANS_REPEAT times). A fatal alert, an exhausted retry budget or a
 * failed handshake ends the session; the command is then resent after a new handshake when
 * the chip cannot have executed it, at most rehandshake_max times. When that budget is used up
 * (e.g. a wrong secret on either side) the device becomes sticky-failed (PL FAILED) until
 * trustm_device_open(). A response that the chip did execute but that never verified is not
 * resent: the call fails with PL AUTH_FAILED and the next protected call handshakes again.
 *
 * Compiled in with the CMake option TRUSTM_SHIELD (default ON, defines TRUSTM_CFG_SHIELD); when
 * off, trustm_shield_init() and the device calls return TRUSTM_STATUS(PL, NOT_SUPPORTED).
 */
#ifndef TRUSTM_SHIELD_H
#define TRUSTM_SHIELD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trustm_status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Protection levels (the PROTECTION bits of SCTR, §5.2) and the re-establish flag. */
#define TRUSTM_PROTECT_NONE    0x00u /* record SCTR 0x20                                      */
#define TRUSTM_PROTECT_CMD     0x01u /* command encrypted (master payload), SCTR 0x21          */
#define TRUSTM_PROTECT_RSP     0x02u /* response encrypted (slave payload), SCTR 0x22          */
#define TRUSTM_PROTECT_FULL    0x03u /* both, SCTR 0x23                                        */
#define TRUSTM_PROTECT_RENEW   0x80u /* OR-ed: run a new handshake first                       */
#define TRUSTM_PROTECT_DEFAULT 0xFFu /* trustm_device_protect_next: back to the default      */

#define TRUSTM_SHIELD_SECRET_MAX    64u /* platform binding secret (E140) */
#define TRUSTM_SHIELD_KEYBLOCK_SIZE 40u
#define TRUSTM_SHIELD_TAG_SIZE      8u
/* Largest APDU the layer can protect (0x615 bytes, the chip's com buffer) plus the tag. */
#define TRUSTM_SHIELD_TX_MAX (0x615u + TRUSTM_SHIELD_TAG_SIZE)

/*
 * Crypto operations: all return 0 on success.
 *   prf_sha256     TLS 1.2 PRF with HMAC-SHA256 (RFC 5246 §5): out = P_SHA256(secret, label || seed)
 *   ccm8_encrypt   AES-128-CCM, 8-byte nonce, 8-byte tag: out[0..len) = ciphertext,
 *                  out[len..len+8) = tag; in and out may be the same buffer
 *   ccm8_decrypt   verify tag and decrypt len bytes; on a tag mismatch return non-zero and leave
 *                  no plaintext in out (zero it); in and out may be the same buffer
 *   random         len random bytes (used by pairing helpers, not by the PVER 1 handshake)
 */
typedef struct trustm_shield_crypto {
    int (*prf_sha256)(void *user, const uint8_t *secret, size_t secret_len, const uint8_t *label, size_t label_len,
                      const uint8_t *seed, size_t seed_len, uint8_t *out, size_t out_len);
    int (*ccm8_encrypt)(void *user, const uint8_t key[16], const uint8_t nonce[8], const uint8_t *aad, size_t aad_len,
                        const uint8_t *in, size_t len, uint8_t *out);
    int (*ccm8_decrypt)(void *user, const uint8_t key[16], const uint8_t nonce[8], const uint8_t *aad, size_t aad_len,
                        const uint8_t *in, size_t len, const uint8_t tag[8], uint8_t *out);
    int (*random)(void *user, uint8_t *out, size_t len);
    void *user;
} trustm_shield_crypto_t;

/* Reads the platform binding secret (1..64 bytes) into out; 0 on success. */
typedef int (*trustm_shield_secret_fn)(void *user, uint8_t *out, size_t out_size, size_t *out_len);

typedef struct trustm_shield_config {
    const trustm_shield_crypto_t *crypto; /* required                                          */
    trustm_shield_secret_fn read_secret;  /* required                                          */
    void *secret_user;
    uint8_t default_level;   /* TRUSTM_PROTECT_*; default NONE                      */
    uint8_t rehandshake_max; /* new handshakes per call after a failure; 0 = 2     */
} trustm_shield_config_t;

/* Saved session (export/import across a host power cycle, e.g. into a datastore). Secret. */
#define TRUSTM_SHIELD_SAVED_SIZE (4u + TRUSTM_SHIELD_KEYBLOCK_SIZE + 8u)

/* Public so that it can live in static storage; members are private. */
typedef struct trustm_shield {
    uint32_t magic;
    trustm_shield_config_t cfg;
    uint8_t state;       /* no session / up / saved on the chip                         */
    uint8_t phase;       /* what the current exchange sends next                        */
    uint8_t level;       /* level of the current exchange                               */
    uint8_t next_level;  /* one-shot level of the next operation (DEFAULT = none)        */
    uint8_t op_level;    /* level of the running operation                              */
    uint8_t ctl;         /* pending control exchange                                    */
    uint8_t int_retries; /* 0x44 received for the current command                       */
    uint8_t rx_alerts;   /* 0x44 sent for the current response                          */
    uint8_t handshakes;  /* handshakes started in the current exchange                  */
    uint8_t mac_streak;  /* calls in a row that ended with a response that never verified */
    bool sticky;         /* budget used up: failed until the next open                   */
    bool sent_protected; /* the current command left us encrypted at least once         */
    uint32_t mseq;       /* last master sequence number used                            */
    uint32_t sseq;       /* last slave sequence number accepted                         */
    uint32_t hs_sseq;    /* SSEQ of the running handshake                               */
    uint8_t kb[TRUSTM_SHIELD_KEYBLOCK_SIZE];
    uint8_t rnd[32];
    uint8_t hs_buf[64]; /* handshake / control answers                                  */
    uint8_t tx_buf[TRUSTM_SHIELD_TX_MAX];
} trustm_shield_t;

TRUSTM_MUST_CHECK trustm_status_t trustm_shield_init(trustm_shield_t *sh, const trustm_shield_config_t *cfg);
/* End the session on the host side and wipe keys and buffers (the chip's session dies with
 * its next reset or handshake). */
void trustm_shield_wipe(trustm_shield_t *sh);
bool trustm_shield_has_session(const trustm_shield_t *sh);
/* Export the session saved by hibernate (out: TRUSTM_SHIELD_SAVED_SIZE bytes, secret) and
 * import it into a fresh context after a host power cycle. API NOT_FOUND if none is saved. */
TRUSTM_MUST_CHECK trustm_status_t trustm_shield_export(const trustm_shield_t *sh, uint8_t *out, size_t out_size,
                                                       size_t *out_len);
TRUSTM_MUST_CHECK trustm_status_t trustm_shield_import(trustm_shield_t *sh, const uint8_t *in, size_t in_len);

/* ---- device calls (the device was initialised with trustm_config_t.shield) ---- */
struct trustm_device;
/* Default level of every later operation (TRUSTM_PROTECT_NONE..FULL). */
TRUSTM_MUST_CHECK trustm_status_t trustm_device_set_protection(struct trustm_device *dev, uint8_t level);
/* Level of the next operation only (a level, optionally | TRUSTM_PROTECT_RENEW). Open,
 * hibernate and restore (OpenApplication, CloseApplication with context save) always run
 * unprotected, as the vendor host sends them. */
TRUSTM_MUST_CHECK trustm_status_t trustm_device_protect_next(struct trustm_device *dev, uint8_t level);

#ifdef __cplusplus
}
#endif
#endif /* TRUSTM_SHIELD_H */
