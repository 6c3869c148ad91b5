/*
 * id2_registry.h - the ID2 key registry (SQLite, or PostgreSQL for a fleet): devices, their keys
 * encrypted at rest under a master key, revocation, and the replay store of the verifier.
 *
 * Used by id2-kdc (issue, list, show, revoke, verify) and by the broker plugin (look-ups and
 * replay checks). Host-side code: it allocates, and it owns its SQLite handle.
 *
 * Keys at rest: every device key is stored as AES-256-GCM(master key, key bytes) with a fresh
 * 12-byte nonce and the device's ID2 (or pk/dn) as additional data, so a copy of the database
 * alone leaks no key and a row moved to another device does not decrypt. The master key file
 * holds 32 random bytes as 64 hex characters and is created 0600 (id2_registry_master_create).
 *
 * Every function returns an id2v_status_t value (ID2V_OK or a negative error) and, where it
 * takes `err`, writes one line saying what went wrong (no trailing newline).
 */
#ifndef ID2_REGISTRY_H
#define ID2_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "id2v/id2v.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct id2_registry id2_registry_t;

#define ID2REG_ERR_LEN 256

/* Create a new master key file (0600, O_EXCL: never overwrites). */
int id2_registry_master_create(const char *path, char *err, size_t err_size);

/* Open (and with `create` != 0, create if missing) the registry at `db_path`, with the master
 * key read from `master_key_path` (see below). `db_path` is a SQLite file name, or a PostgreSQL
 * connection string: "postgresql://...", "postgres://..." (URI) or "pg:<keyword=value ...>"
 * (libpq conninfo; PGPASSWORD / ~/.pgpass apply). Both backends hold the same schema and behave
 * the same; with PostgreSQL any number of processes (brokers, id2-authd instances) share the
 * devices and the replay store. */
/* Open (and with `create` != 0, create if missing) the registry at `db_path`, with the master
 * key read from `master_key_path` (NULL: the environment variable ID2_MASTER_KEY names the
 * file). The database file is created 0600. Refuses a master key that does not decrypt the
 * registry's check value ("wrong master key"). */
int id2_registry_open(const char *db_path, const char *master_key_path, int create, id2_registry_t **out, char *err,
                      size_t err_size);
void id2_registry_close(id2_registry_t *reg);

/* One device. */
typedef struct {
    char id2[ID2V_ID_LEN + 1]; /* empty for ID2V_KEY_SECRET devices */
    char pk[65];
    char dn[65];
    id2v_key_type_t type;
    int revoked;        /* 0 or 1 */
    int64_t created;    /* unix seconds */
    int64_t revoked_at; /* unix seconds, 0 when not revoked */
} id2_device_t;

/* Issue one device of product `pk`: a fresh ID2 (12 random bytes, unique in the registry) and
 * key (AES-128, RSA-1024 or a 32-character device secret). dn == NULL: the device name is the
 * ID2 itself (or "dev-<n>" for secret devices). A (pk, dn) pair already present is refused.
 * The device record and, when key_out != NULL, the clear key are returned. */
int id2_registry_issue(id2_registry_t *reg, const char *pk, const char *dn, id2v_key_type_t type, id2_device_t *dev_out,
                       id2v_key_t *key_out, char *err, size_t err_size);

/* Look-ups. key_out may be NULL (no decryption). A revoked device is returned with revoked = 1
 * and ID2V_OK; callers decide. Unknown -> ID2V_ERR_UNKNOWN_DEVICE. */
int id2_registry_find_id2(id2_registry_t *reg, const char *id2, id2_device_t *dev_out, id2v_key_t *key_out, char *err,
                          size_t err_size);
int id2_registry_find_name(id2_registry_t *reg, const char *pk, const char *dn, id2_device_t *dev_out,
                           id2v_key_t *key_out, char *err, size_t err_size);

/* Revoke by ID2, or by (pk, dn) for any device (secret devices have no ID2). Idempotent:
 * revoking a revoked device succeeds and keeps the first revocation time. */
int id2_registry_revoke(id2_registry_t *reg, const char *id2, char *err, size_t err_size);
int id2_registry_revoke_name(id2_registry_t *reg, const char *pk, const char *dn, char *err, size_t err_size);

/* Every device in issue order; the callback returns non-zero to stop. */
typedef int (*id2_registry_each_fn)(void *ctx, const id2_device_t *dev);
int id2_registry_list(id2_registry_t *reg, id2_registry_each_fn fn, void *ctx, char *err, size_t err_size);

/* Replay store: atomically record (id2, device_random, server_value) as seen at now_s.
 * Returns ID2V_OK the first time and ID2V_ERR_REPLAY on any later call with the same triple.
 * Entries older than `keep_s` seconds are purged on the way. keep_s must be at least TWICE the
 * timestamp window: a code stamped window_s in the future is recorded at now and still passes the
 * timestamp check until now + 2 * window_s. */
int id2_registry_replay_record(id2_registry_t *reg, const char *id2, const char *device_random,
                               const char *server_value, int64_t now_s, uint32_t keep_s, char *err, size_t err_size);

/* Addition: register an existing device (a chip provisioned elsewhere, the spec's worked
 * device): key->type and key->key as for id2_registry_find_*, key->id2 its ID2 (empty for a
 * secret device, which then needs dn). dn == NULL: the ID2. A duplicate ID2 or pk/dn is refused
 * (ID2V_ERR_BAD_PARAM); a key that does not sign (not AES-128 / RSA-1024) is ID2V_ERR_FORMAT. */
int id2_registry_import(id2_registry_t *reg, const char *pk, const char *dn, const id2v_key_t *key,
                        id2_device_t *dev_out, char *err, size_t err_size);

/* Addition (fleet): "sqlite" or "postgresql". */
const char *id2_registry_backend(const id2_registry_t *reg);

/* Addition (fleet): copy every device (keys re-encrypted under dst's master key, issue and
 * revocation times kept), the replay store and the authentication status from src into dst, in
 * one transaction of dst (all or nothing). dst must not hold any of src's devices. Counts are
 * returned when the pointers are not NULL. id2-kdc migrate uses it (SQLite -> PostgreSQL). */
int id2_registry_copy(id2_registry_t *src, id2_registry_t *dst, size_t *devices, size_t *replays, char *err,
                      size_t err_size);

/* Addition (fleet): the last authentication of each device as the verifiers saw it (for the
 * device console). note_auth records one result (ok != 0: success; else `reason`, cut to 199
 * characters); status_each lists every device that has a record, in (pk, dn) order. */
typedef struct {
    char pk[65];
    char dn[65];
    int64_t last_ok;       /* unix seconds, 0: never */
    int64_t last_fail;     /* unix seconds, 0: never */
    char fail_reason[200]; /* reason of the last refusal */
    int64_t ok_count;
    int64_t fail_count;
} id2_auth_status_t;
int id2_registry_note_auth(id2_registry_t *reg, const char *pk, const char *dn, int ok, const char *reason,
                           int64_t now_s, char *err, size_t err_size);
typedef int (*id2_registry_status_fn)(void *ctx, const id2_auth_status_t *st);
int id2_registry_status_each(id2_registry_t *reg, id2_registry_status_fn fn, void *ctx, char *err, size_t err_size);

/* Addition: remove a device entirely (id2-kdc uses it to undo an issue whose files could not be
 * written). Unknown -> ID2V_ERR_UNKNOWN_DEVICE. */
int id2_registry_delete_name(id2_registry_t *reg, const char *pk, const char *dn, char *err, size_t err_size);

#ifdef __cplusplus
}
#endif

#endif /* ID2_REGISTRY_H */
