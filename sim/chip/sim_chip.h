/*
 * sim_chip.h - declarations shared by the parts of the chip engine (sim/chip): object store and
 * metadata (trustm_sim_objects.c), access conditions (trustm_sim_acl.c), data object commands
 * (trustm_sim_data.c), symmetric / hash / random / KDF commands (trustm_sim_crypto.c), RSA
 * commands (trustm_sim_rsa.c), security monitor (trustm_sim_secmon.c) and the dispatcher
 * (trustm_sim_chip.c).  Private to sim/chip.
 */
#ifndef SIM_CHIP_H
#define SIM_CHIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trustm_apdu.h"
#include "trustm_sim_int.h"

/* Device error codes (commands.md §3.2). */
enum {
    ERR_INVALID_OID = 0x01,
    ERR_INVALID_PARAM = 0x03,
    ERR_INVALID_LENGTH = 0x04,
    ERR_INVALID_DATA = 0x05,
    ERR_INTERNAL = 0x06,
    ERR_ACCESS = 0x07,
    ERR_BOUNDARY = 0x08,
    ERR_META_TRUNC = 0x09,
    ERR_INVALID_CMD = 0x0A,
    ERR_SEQUENCE = 0x0B,
    ERR_NOT_AVAILABLE = 0x0C,
    ERR_BUFFER = 0x0D,
    ERR_COUNTER = 0x0E,
    ERR_INVALID_META = 0x11,
    ERR_UNSUPPORTED_ID = 0x24,
    ERR_UNSUPPORTED_PARAM = 0x25,
    ERR_CERT_FORMAT = 0x29,
    ERR_CERT_UNSUPPORTED = 0x2A,
    ERR_SIGNATURE = 0x2C,
    ERR_INTEGRITY = 0x2D,
    ERR_DECRYPT = 0x2E,
    ERR_AUTH = 0x2F
};

/* Life cycle states (objects.md §5). */
enum { LCS_CR = 0x01, LCS_IN = 0x03, LCS_OP = 0x07, LCS_TE = 0x0F };

/* Data object types (objects.md §2). */
enum {
    TYPE_BSTR = 0x00,
    TYPE_UPCTR = 0x01,
    TYPE_TA = 0x11,
    TYPE_DEVCERT = 0x12,
    TYPE_PRESSEC = 0x21,
    TYPE_PTFBIND = 0x22,
    TYPE_UPDATSEC = 0x23,
    TYPE_AUTOREF = 0x31
};

/* Key usage bits (objects.md §7). */
enum { USAGE_AUTH = 0x01, USAGE_ENC = 0x02, USAGE_SIGN = 0x10, USAGE_KEYAGREE = 0x20 };

/* Access types. */
typedef enum { AC_RD = 0xD1, AC_CHA = 0xD0, AC_EXE = 0xD3, AC_MUPD = 0xD8 } sim_ac_t;

/* Outcome of one command handler: 0 = success with out_len bytes, else a device error code. */
typedef struct sim_cmd {
    uint8_t code; /* Cmd without the flush bit */
    uint8_t param;
    const uint8_t *in;
    size_t in_len;
    uint8_t *out;   /* OutData area of the response buffer */
    size_t out_cap; /* at most TRUSTM_APDU_MAX_DATA */
    size_t out_len;
} sim_cmd_t;

/* ---- objects and metadata (trustm_sim_objects.c) ---- */
bool sim_oid_is_session(uint16_t oid);
bool sim_oid_is_ecc_key(uint16_t oid);
sim_session_t *sim_session(trustm_sim_t *sim, uint16_t oid);
/* Find a metadata tag; returns its value pointer and length, or NULL if absent. */
const uint8_t *sim_meta_find(const sim_obj_t *o, uint8_t tag, uint8_t *len);
uint8_t sim_meta_lcso(const sim_obj_t *o); /* absent = op */
uint8_t sim_meta_u8(const sim_obj_t *o, uint8_t tag, uint8_t dflt);
/* Replace or append a tag (chip-maintained update); false if the container would overflow. */
bool sim_meta_set(sim_obj_t *o, uint8_t tag, const uint8_t *v, uint8_t len);
void sim_meta_remove(sim_obj_t *o, uint8_t tag);
/* Set the used size and keep the C5 tag in step (created if absent). */
void sim_obj_set_used(sim_obj_t *o, uint16_t used);
/* Check a metadata container `20 LL ...` (syntax, known tags, value lengths, AC syntax).
 * Returns 0 or an error code.  Used by SetDataObject and by the fuzz target. */
int sim_meta_check(const uint8_t *m, size_t n);
/* Apply a metadata write (SetDataObject Param 0x01) with the per-tag change rules. */
int sim_meta_write(trustm_sim_t *sim, sim_obj_t *o, const uint8_t *m, size_t n);
/* Key material stored in a key object or session: the RSA layout is N | E(4) | D | P | Q. */
size_t sim_rsa_blob_size(uint8_t alg);

/* ---- access conditions (trustm_sim_acl.c) ---- */
/* Syntax check of one AC expression. */
bool sim_ac_valid(const uint8_t *e, size_t n);
/* Evaluate the object's AC of the given type; on success (and for EXE) Luc counters advance.
 * Returns 0 or ERR_ACCESS (ERR_COUNTER is never returned: an exhausted Luc just denies). */
int sim_ac_check(trustm_sim_t *sim, sim_obj_t *o, sim_ac_t type);
/* Protected update's view of a target's CHA / MUPD condition (protected-update.md §7.2): Int(X)
 * holds for the manifest's trust anchor, Conf(X) for the secret it decrypts with (when conf), Luc
 * does not gate a change, and the access token that holds must name the trust anchor with Int(). */
typedef struct sim_ac_update {
    uint16_t ta;
    bool conf;
    uint16_t secret;
} sim_ac_update_t;
/* The one evaluator: 0 when an access token of the condition `tag` holds, else ERR_ACCESS
 * (absent = NEV). pu NULL: a command (sim_ac_check); else the protected-update view. */
int sim_ac_eval(trustm_sim_t *sim, const sim_obj_t *o, uint8_t tag, const sim_ac_update_t *pu);
bool sim_auto_get(const trustm_sim_t *sim, uint16_t oid);
void sim_auto_set(trustm_sim_t *sim, uint16_t oid, bool on);

/* ---- command handlers ---- */
int sim_cmd_get_data(trustm_sim_t *sim, sim_cmd_t *c);
int sim_cmd_set_data(trustm_sim_t *sim, sim_cmd_t *c);
int sim_cmd_get_random(trustm_sim_t *sim, sim_cmd_t *c);
int sim_cmd_calc_hash(trustm_sim_t *sim, sim_cmd_t *c);
int sim_cmd_sym(trustm_sim_t *sim, sim_cmd_t *c); /* EncryptSym / DecryptSym */
int sim_cmd_gen_sym_key(trustm_sim_t *sim, sim_cmd_t *c);
int sim_cmd_derive_key(trustm_sim_t *sim, sim_cmd_t *c);
int sim_cmd_gen_key_pair(trustm_sim_t *sim, sim_cmd_t *c);
int sim_cmd_calc_sign(trustm_sim_t *sim, sim_cmd_t *c);
int sim_cmd_verify_sign(trustm_sim_t *sim, sim_cmd_t *c);
int sim_cmd_encrypt_asym(trustm_sim_t *sim, sim_cmd_t *c);
int sim_cmd_decrypt_asym(trustm_sim_t *sim, sim_cmd_t *c);

/* ---- TLV parsing (commands.md §2.5): any order, unknown or duplicated tags rejected ---- */
#define SIM_TLV_MAX 8u
typedef struct sim_tlv {
    const uint8_t *v[256]; /* by tag; NULL = absent */
    uint16_t len[256];
} sim_tlv_t;
/* allowed: list of permitted tags (n entries).  Returns 0 or ERR_INVALID_DATA. */
int sim_tlv_parse(const uint8_t *p, size_t n, const uint8_t *allowed, size_t n_allowed, sim_tlv_t *t);
/* A 2-byte OID TLV value; false if absent or not 2 bytes. */
bool sim_tlv_oid(const sim_tlv_t *t, uint8_t tag, uint16_t *oid);

/* ---- randomness (deterministic under the seed) ---- */
void sim_random(trustm_sim_t *sim, uint8_t *out, size_t n);
int sim_mbedtls_rng(void *ctx, unsigned char *out, size_t n); /* ctx = trustm_sim_t * */

/* ---- security monitor (trustm_sim_secmon.c) ---- */
typedef enum {
    SEC_EV_PRIVATE_KEY_USE,
    SEC_EV_SECRET_KEY_USE,
    SEC_EV_KEY_DERIVATION,
    SEC_EV_DECRYPT_FAIL,
    SEC_EV_SUSPECT
} sim_sec_event_t;
void sim_secmon_event(trustm_sim_t *sim, sim_sec_event_t ev);
/* Throttle delay in µs a protected operation gets at the current SEC. */
uint32_t sim_secmon_delay_us(const trustm_sim_t *sim);
void sim_secmon_power_up(trustm_sim_t *sim);
/* Write SEC_CURR to NVM if it differs (CloseApplication, delayed decrement sync). */
void sim_secmon_sync(trustm_sim_t *sim);
uint8_t sim_sec_get(trustm_sim_t *sim);

/* HMAC helpers (trustm_sim_crypto.c), used by the KDFs and the sym engine. */
size_t sim_hmac(uint8_t hash, const uint8_t *key, size_t key_len, const uint8_t *a, size_t a_len, const uint8_t *b,
                size_t b_len, uint8_t *out); /* hash: 32/48/64 */

#endif /* SIM_CHIP_H */
