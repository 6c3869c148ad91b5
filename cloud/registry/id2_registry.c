/*
 * id2_registry.c - the ID2 key registry on SQLite (see id2_registry.h and docs/cloud.md).
 *
 * Schema version 1:
 *   schema_version(version)                        one row
 *   master_check(id = 1, nonce, ct)                AES-256-GCM of a constant under the master key
 *   devices(seq, id2 UNIQUE, pk, dn, type, key_ct, key_nonce, revoked, created, revoked_at,
 *           UNIQUE(pk, dn))                        key_ct = GCM ciphertext || 16-byte tag
 *   replay(id2, device_random, server_value, seen, PRIMARY KEY of the triple)
 * The AAD of a device key is "trustm-id2reg-v1|<type>|<id2>|<pk>|<dn>" (none of these may contain
 * '|'), so a row copied onto another device, product or key type does not decrypt.
 */
#define _POSIX_C_SOURCE 200809L

#include "id2reg/id2_registry.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "reg_db.h"

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/gcm.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/rsa.h>

#define SCHEMA_VERSION  1
#define MASTER_LEN      32u
#define NONCE_LEN       12u
#define TAG_LEN         16u
#define BUSY_TIMEOUT_MS 10000
#define SECRET_LEN      32u
#define ID2_TRIES       16

static const char check_plain[] = "trustm id2 registry master key check v1";

struct id2_registry {
    reg_db_t *db;
    char where[160]; /* the file name or "PostgreSQL" for messages */
    int64_t last_purge;
    uint8_t master[MASTER_LEN];
    mbedtls_entropy_context ent;
    mbedtls_ctr_drbg_context drbg;
};

static int fail(char *err, size_t err_size, int status, const char *fmt, ...)
{
    if (err != NULL && err_size > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, err_size, fmt, ap);
        va_end(ap);
    }
    return status;
}

static int db_fail(id2_registry_t *reg, char *err, size_t err_size, const char *what)
{
    return fail(err, err_size, ID2V_ERR_STORAGE, "registry: %s: %s", what, reg_db_errmsg(reg->db));
}

/* ------------------------------------------------------------------ master key */

static int rng_seed(mbedtls_entropy_context *ent, mbedtls_ctr_drbg_context *drbg)
{
    static const unsigned char pers[] = "id2-registry";
    mbedtls_entropy_init(ent);
    mbedtls_ctr_drbg_init(drbg);
    return mbedtls_ctr_drbg_seed(drbg, mbedtls_entropy_func, ent, pers, sizeof pers - 1u) == 0;
}

int id2_registry_master_create(const char *path, char *err, size_t err_size)
{
    if (path == NULL || path[0] == '\0')
        return fail(err, err_size, ID2V_ERR_BAD_PARAM, "master key: no file name given");
    mbedtls_entropy_context ent;
    mbedtls_ctr_drbg_context drbg;
    uint8_t key[MASTER_LEN];
    char text[2 * MASTER_LEN + 2];
    int ok = rng_seed(&ent, &drbg) && mbedtls_ctr_drbg_random(&drbg, key, sizeof key) == 0;
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&ent);
    if (!ok) {
        mbedtls_platform_zeroize(key, sizeof key);
        return fail(err, err_size, ID2V_ERR_CRYPTO, "master key: random generator failed");
    }
    id2v_hex_encode(key, sizeof key, 1, text);
    mbedtls_platform_zeroize(key, sizeof key);
    text[2 * MASTER_LEN] = '\n';
    text[2 * MASTER_LEN + 1] = '\0';
    int rc = ID2V_OK;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        rc = fail(err, err_size, ID2V_ERR_STORAGE, "master key %s: cannot create: %s", path, strerror(errno));
    } else {
        size_t len = 2 * MASTER_LEN + 1;
        ssize_t w = write(fd, text, len);
        if (w != (ssize_t)len || fsync(fd) != 0) {
            rc = fail(err, err_size, ID2V_ERR_STORAGE, "master key %s: cannot write: %s", path, strerror(errno));
            unlink(path);
        }
        if (close(fd) != 0 && rc == ID2V_OK) {
            rc = fail(err, err_size, ID2V_ERR_STORAGE, "master key %s: cannot write: %s", path, strerror(errno));
            unlink(path);
        }
    }
    mbedtls_platform_zeroize(text, sizeof text);
    return rc;
}

/* 64 hex characters, optionally followed by one newline; owner-only permissions. */
static int master_load(const char *path, uint8_t key[MASTER_LEN], char *err, size_t err_size)
{
    char buf[2 * MASTER_LEN + 3];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return fail(err, err_size, ID2V_ERR_STORAGE, "master key %s: cannot open: %s", path, strerror(errno));
    struct stat st;
    int rc = ID2V_OK;
    ssize_t n = 0;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        rc = fail(err, err_size, ID2V_ERR_STORAGE, "master key %s: not a regular file", path);
    } else if ((st.st_mode & 077) != 0) {
        rc = fail(err, err_size, ID2V_ERR_STORAGE,
                  "master key %s: readable or writable by group/others (mode %03o); chmod 600 it", path,
                  (unsigned)(st.st_mode & 0777));
    } else {
        size_t got = 0;
        while (got < sizeof buf && (n = read(fd, buf + got, sizeof buf - got)) > 0)
            got += (size_t)n;
        if (n < 0)
            rc = fail(err, err_size, ID2V_ERR_STORAGE, "master key %s: cannot read: %s", path, strerror(errno));
        else if (!(got == 2 * MASTER_LEN || (got == 2 * MASTER_LEN + 1 && buf[2 * MASTER_LEN] == '\n')))
            rc = fail(err, err_size, ID2V_ERR_FORMAT, "master key %s: expected 64 hex characters", path);
        for (size_t i = 0; rc == ID2V_OK && i < MASTER_LEN; i++) {
            int hi = id2v_hex_digit(buf[2 * i]), lo = id2v_hex_digit(buf[2 * i + 1]);
            if (hi < 0 || lo < 0)
                rc = fail(err, err_size, ID2V_ERR_FORMAT, "master key %s: expected 64 hex characters", path);
            else
                key[i] = (uint8_t)(hi << 4 | lo);
        }
    }
    close(fd);
    mbedtls_platform_zeroize(buf, sizeof buf);
    if (rc != ID2V_OK)
        mbedtls_platform_zeroize(key, MASTER_LEN);
    return rc;
}

/* ------------------------------------------------------------------ AES-256-GCM at rest */

static int seal(id2_registry_t *reg, const uint8_t *plain, size_t len, const uint8_t *aad, size_t aad_len,
                uint8_t nonce[NONCE_LEN], uint8_t *ct /* len + TAG_LEN */)
{
    mbedtls_gcm_context g;
    mbedtls_gcm_init(&g);
    int ok = mbedtls_ctr_drbg_random(&reg->drbg, nonce, NONCE_LEN) == 0 &&
             mbedtls_gcm_setkey(&g, MBEDTLS_CIPHER_ID_AES, reg->master, 256) == 0 &&
             mbedtls_gcm_crypt_and_tag(&g, MBEDTLS_GCM_ENCRYPT, len, nonce, NONCE_LEN, aad, aad_len, plain, ct, TAG_LEN,
                                       ct + len) == 0;
    mbedtls_gcm_free(&g);
    return ok;
}

static int unseal(const id2_registry_t *reg, const uint8_t *ct, size_t ct_len, const uint8_t *nonce, size_t nonce_len,
                  const uint8_t *aad, size_t aad_len, uint8_t *plain, size_t plain_size, size_t *plain_len)
{
    if (ct_len < TAG_LEN || ct_len - TAG_LEN > plain_size || nonce_len != NONCE_LEN)
        return 0;
    size_t len = ct_len - TAG_LEN;
    mbedtls_gcm_context g;
    mbedtls_gcm_init(&g);
    int ok = mbedtls_gcm_setkey(&g, MBEDTLS_CIPHER_ID_AES, reg->master, 256) == 0 &&
             mbedtls_gcm_auth_decrypt(&g, len, nonce, NONCE_LEN, aad, aad_len, ct + len, TAG_LEN, ct, plain) == 0;
    mbedtls_gcm_free(&g);
    if (!ok) {
        mbedtls_platform_zeroize(plain, len);
        return 0;
    }
    *plain_len = len;
    return 1;
}

static size_t key_aad(char *out, size_t size, int type, const char *id2, const char *pk, const char *dn)
{
    int n = snprintf(out, size, "trustm-id2reg-v1|%d|%s|%s|%s", type, id2, pk, dn);
    return n < 0 ? 0 : (size_t)n;
}

/* ------------------------------------------------------------------ open / schema */

static const char schema_sql[] =
    "CREATE TABLE schema_version(version INTEGER NOT NULL);"
    "CREATE TABLE master_check(id INTEGER PRIMARY KEY CHECK (id = 1), nonce BLOB NOT NULL, ct BLOB NOT NULL);"
    "CREATE TABLE devices("
    " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    " id2 TEXT UNIQUE,"
    " pk TEXT NOT NULL, dn TEXT NOT NULL,"
    " type INTEGER NOT NULL CHECK (type IN (2, 3, 9)),"
    " key_ct BLOB NOT NULL, key_nonce BLOB NOT NULL,"
    " revoked INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1)),"
    " created INTEGER NOT NULL, revoked_at INTEGER NOT NULL DEFAULT 0,"
    " UNIQUE (pk, dn));"
    "CREATE TABLE replay(id2 TEXT NOT NULL, device_random TEXT NOT NULL, server_value TEXT NOT NULL,"
    " seen INTEGER NOT NULL, PRIMARY KEY (id2, device_random, server_value)) WITHOUT ROWID;"
    "CREATE INDEX replay_seen ON replay(seen);";

/* The same schema in PostgreSQL's types (BYTEA for BLOB, BIGINT for 64-bit times). */
static const char schema_pg_sql[] =
    "CREATE TABLE schema_version(version INTEGER NOT NULL);"
    "CREATE TABLE master_check(id INTEGER PRIMARY KEY CHECK (id = 1), nonce BYTEA NOT NULL, ct BYTEA NOT NULL);"
    "CREATE TABLE devices("
    " seq BIGSERIAL PRIMARY KEY,"
    " id2 TEXT UNIQUE,"
    " pk TEXT NOT NULL, dn TEXT NOT NULL,"
    " type INTEGER NOT NULL CHECK (type IN (2, 3, 9)),"
    " key_ct BYTEA NOT NULL, key_nonce BYTEA NOT NULL,"
    " revoked INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1)),"
    " created BIGINT NOT NULL, revoked_at BIGINT NOT NULL DEFAULT 0,"
    " UNIQUE (pk, dn));"
    "CREATE TABLE replay(id2 TEXT NOT NULL, device_random TEXT NOT NULL, server_value TEXT NOT NULL,"
    " seen BIGINT NOT NULL, PRIMARY KEY (id2, device_random, server_value));"
    "CREATE INDEX replay_seen ON replay(seen);";

/* Addition to schema 1 (created on open when missing): the last authentication of each device,
 * written by the verifiers (id2-authd) and read by the device console. */
static const char status_sql[] = "CREATE TABLE IF NOT EXISTS auth_status(pk TEXT NOT NULL, dn TEXT NOT NULL,"
                                 " last_ok BIGINT NOT NULL DEFAULT 0, last_fail BIGINT NOT NULL DEFAULT 0,"
                                 " fail_reason TEXT NOT NULL DEFAULT '', ok_count BIGINT NOT NULL DEFAULT 0,"
                                 " fail_count BIGINT NOT NULL DEFAULT 0, PRIMARY KEY (pk, dn))";

static int exec(id2_registry_t *reg, const char *sql, char *err, size_t err_size, const char *what)
{
    return reg_db_exec(reg->db, sql) == 0 ? ID2V_OK : db_fail(reg, err, err_size, what);
}

static int begin(id2_registry_t *reg, char *err, size_t err_size)
{
    return reg_db_begin(reg->db) == 0 ? ID2V_OK : db_fail(reg, err, err_size, "cannot lock");
}

/* End the open transaction: COMMIT when rc is ID2V_OK, else ROLLBACK. Returns the final status. */
static int finish(id2_registry_t *reg, int rc, char *err, size_t err_size)
{
    if (rc == ID2V_OK)
        rc = exec(reg, "COMMIT", err, err_size, "cannot commit");
    if (rc != ID2V_OK)
        reg_db_exec(reg->db, "ROLLBACK");
    return rc;
}

/* Create the schema and the master-key check value (inside the caller's transaction). */
static int schema_create(id2_registry_t *reg, char *err, size_t err_size)
{
    int rc = exec(reg, reg_db_is_pg(reg->db) ? schema_pg_sql : schema_sql, err, err_size, "cannot create the schema");
    if (rc != ID2V_OK)
        return rc;
    char sql[64];
    snprintf(sql, sizeof sql, "INSERT INTO schema_version VALUES (%d)", SCHEMA_VERSION);
    if ((rc = exec(reg, sql, err, err_size, "cannot create the schema")) != ID2V_OK)
        return rc;
    uint8_t nonce[NONCE_LEN], ct[sizeof check_plain - 1 + TAG_LEN];
    if (!seal(reg, (const uint8_t *)check_plain, sizeof check_plain - 1, (const uint8_t *)"check", 5, nonce, ct))
        return fail(err, err_size, ID2V_ERR_CRYPTO, "registry: cannot encrypt the master-key check value");
    reg_stmt_t *st = NULL;
    if ((st = reg_db_prepare(reg->db, "INSERT INTO master_check VALUES (1, ?, ?)")) == NULL)
        return db_fail(reg, err, err_size, "cannot create the schema");
    reg_db_bind_blob(st, 1, nonce, NONCE_LEN);
    reg_db_bind_blob(st, 2, ct, sizeof ct);
    rc = reg_db_step(st) == REG_DB_DONE ? ID2V_OK : db_fail(reg, err, err_size, "cannot create the schema");
    reg_db_finalize(st);
    return rc;
}

static int schema_check(id2_registry_t *reg, const char *path, char *err, size_t err_size)
{
    reg_stmt_t *st = NULL;
    int rc;
    if ((st = reg_db_prepare(reg->db, "SELECT version FROM schema_version")) == NULL)
        return fail(err, err_size, ID2V_ERR_STORAGE, "registry %s: not an ID2 registry", path);
    if (reg_db_step(st) != REG_DB_ROW || (int)reg_db_col_int64(st, 0) != SCHEMA_VERSION) {
        reg_db_finalize(st);
        return fail(err, err_size, ID2V_ERR_STORAGE, "registry %s: unsupported schema version", path);
    }
    reg_db_finalize(st);
    if ((st = reg_db_prepare(reg->db, "SELECT nonce, ct FROM master_check WHERE id = 1")) == NULL)
        return db_fail(reg, err, err_size, "cannot read the master-key check value");
    rc = fail(err, err_size, ID2V_ERR_STORAGE, "registry %s: missing master-key check value", path);
    if (reg_db_step(st) == REG_DB_ROW) {
        uint8_t plain[sizeof check_plain];
        size_t plen = 0;
        int ok = unseal(reg, reg_db_col_blob(st, 1), reg_db_col_bytes(st, 1), reg_db_col_blob(st, 0),
                        reg_db_col_bytes(st, 0), (const uint8_t *)"check", 5, plain, sizeof plain, &plen);
        if (ok && plen == sizeof check_plain - 1 && memcmp(plain, check_plain, plen) == 0)
            rc = ID2V_OK;
        else
            rc = fail(err, err_size, ID2V_ERR_CRYPTO, "registry %s: wrong master key", path);
    }
    reg_db_finalize(st);
    return rc;
}

int id2_registry_open(const char *db_path, const char *master_key_path, int create, id2_registry_t **out, char *err,
                      size_t err_size)
{
    if (out == NULL || db_path == NULL || db_path[0] == '\0')
        return fail(err, err_size, ID2V_ERR_BAD_PARAM, "registry: no database file given");
    *out = NULL;
    if (master_key_path == NULL)
        master_key_path = getenv("ID2_MASTER_KEY");
    if (master_key_path == NULL || master_key_path[0] == '\0')
        return fail(err, err_size, ID2V_ERR_BAD_PARAM, "registry: no master key file given (ID2_MASTER_KEY)");
    id2_registry_t *reg = calloc(1, sizeof *reg);
    if (reg == NULL)
        return fail(err, err_size, ID2V_ERR_STORAGE, "registry: out of memory");
    int rc = master_load(master_key_path, reg->master, err, err_size);
    if (rc != ID2V_OK) {
        free(reg);
        return rc;
    }
    if (!rng_seed(&reg->ent, &reg->drbg)) {
        rc = fail(err, err_size, ID2V_ERR_CRYPTO, "registry: random generator failed");
        goto bad;
    }
    if (reg_db_is_pg_url(db_path)) {
        snprintf(reg->where, sizeof reg->where, "(PostgreSQL)");
        if ((reg->db = reg_db_open_pg(db_path, err, err_size)) == NULL) {
            rc = ID2V_ERR_STORAGE;
            goto bad;
        }
    } else {
        snprintf(reg->where, sizeof reg->where, "%s", db_path);
        /* Create the file ourselves so that it is 0600 whatever the umask (SQLite gives the
         * -wal and -shm files the database file's permissions). */
        struct stat st;
        if (stat(db_path, &st) != 0) {
            if (errno != ENOENT || !create) {
                rc = fail(err, err_size, ID2V_ERR_STORAGE, "registry %s: %s%s", db_path, strerror(errno),
                          errno == ENOENT ? " (run id2-kdc init)" : "");
                goto bad;
            }
            int fd = open(db_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
            if (fd < 0 && errno != EEXIST) {
                rc = fail(err, err_size, ID2V_ERR_STORAGE, "registry %s: cannot create: %s", db_path, strerror(errno));
                goto bad;
            }
            if (fd >= 0)
                close(fd);
        }
        if ((reg->db = reg_db_open_sqlite(db_path, err, err_size)) == NULL) {
            rc = ID2V_ERR_STORAGE;
            goto bad;
        }
    }
    const char *where = reg->where;
    if ((rc = begin(reg, err, err_size)) != ID2V_OK)
        goto bad;
    /* PostgreSQL: registries opened at the same time create the schema once. */
    if (reg_db_is_pg(reg->db) &&
        (rc = exec(reg, "SELECT pg_advisory_xact_lock(2026120401)", err, err_size, "cannot lock")) != ID2V_OK) {
        finish(reg, rc, err, err_size);
        goto bad;
    }
    reg_stmt_t *q = NULL;
    int tables = -1;
    if ((q = reg_db_prepare(reg->db, reg_db_is_pg(reg->db) ? "SELECT count(*) FROM information_schema.tables "
                                                             "WHERE table_schema = current_schema()"
                                                           : "SELECT count(*) FROM sqlite_master")) != NULL &&
        reg_db_step(q) == REG_DB_ROW)
        tables = (int)reg_db_col_int64(q, 0);
    reg_db_finalize(q);
    if (tables < 0)
        rc = fail(err, err_size, ID2V_ERR_STORAGE, "registry %s: not a database: %s", where, reg_db_errmsg(reg->db));
    else if (tables == 0 && create)
        rc = schema_create(reg, err, err_size);
    else if (tables == 0)
        rc = fail(err, err_size, ID2V_ERR_STORAGE, "registry %s: empty (run id2-kdc init)", where);
    else
        rc = schema_check(reg, where, err, err_size);
    if (rc == ID2V_OK)
        rc = exec(reg, status_sql, err, err_size, "cannot create the status table");
    if ((rc = finish(reg, rc, err, err_size)) != ID2V_OK)
        goto bad;
    *out = reg;
    return ID2V_OK;
bad:
    id2_registry_close(reg);
    return rc;
}

void id2_registry_close(id2_registry_t *reg)
{
    if (reg == NULL)
        return;
    reg_db_close(reg->db);
    mbedtls_ctr_drbg_free(&reg->drbg);
    mbedtls_entropy_free(&reg->ent);
    mbedtls_platform_zeroize(reg, sizeof *reg);
    free(reg);
}

/* ------------------------------------------------------------------ issue */

static int gen_key(id2_registry_t *reg, id2v_key_type_t type, id2v_key_t *k, char *err, size_t err_size)
{
    static const char alnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    k->type = type;
    if (type == ID2V_KEY_AES) {
        k->key_len = 16;
        if (mbedtls_ctr_drbg_random(&reg->drbg, k->key, 16) != 0)
            return fail(err, err_size, ID2V_ERR_CRYPTO, "issue: random generator failed");
        return ID2V_OK;
    }
    if (type == ID2V_KEY_SECRET) {
        /* 32 characters of [A-Za-z0-9], by rejection sampling (no bias). */
        size_t n = 0;
        uint8_t b[64];
        while (n < SECRET_LEN) {
            if (mbedtls_ctr_drbg_random(&reg->drbg, b, sizeof b) != 0)
                return fail(err, err_size, ID2V_ERR_CRYPTO, "issue: random generator failed");
            for (size_t i = 0; i < sizeof b && n < SECRET_LEN; i++)
                if (b[i] < 248) /* 62 * 4 */
                    k->key[n++] = (uint8_t)alnum[b[i] % 62];
        }
        mbedtls_platform_zeroize(b, sizeof b);
        k->key_len = SECRET_LEN;
        return ID2V_OK;
    }
    /* RSA-1024, e = 65537, stored as PKCS#1 RSAPrivateKey DER. */
    mbedtls_pk_context pk;
    uint8_t der[ID2V_MAX_KEY];
    int rc = fail(err, err_size, ID2V_ERR_CRYPTO, "issue: RSA key generation failed");
    mbedtls_pk_init(&pk);
    if (mbedtls_pk_setup(&pk, mbedtls_pk_info_from_type(MBEDTLS_PK_RSA)) == 0 &&
        mbedtls_rsa_gen_key(mbedtls_pk_rsa(pk), mbedtls_ctr_drbg_random, &reg->drbg, 1024, 65537) == 0) {
        int n = mbedtls_pk_write_key_der(&pk, der, sizeof der);
        if (n > 0) {
            /* mbedtls writes at the end of the buffer */
            memcpy(k->key, der + sizeof der - (size_t)n, (size_t)n);
            k->key_len = (size_t)n;
            rc = ID2V_OK;
            if (err != NULL && err_size > 0)
                err[0] = '\0';
        }
    }
    mbedtls_pk_free(&pk);
    mbedtls_platform_zeroize(der, sizeof der);
    return rc;
}

static int64_t now_s(void)
{
    return (int64_t)time(NULL);
}

/* Insert one row; returns REG_DB_DONE, REG_DB_CONSTRAINT or another error code. */
static int insert_device(id2_registry_t *reg, const id2_device_t *d, const id2v_key_t *k, int *which_unique)
{
    char aad[256];
    size_t aad_len = key_aad(aad, sizeof aad, d->type, d->id2, d->pk, d->dn);
    uint8_t nonce[NONCE_LEN], ct[ID2V_MAX_KEY + TAG_LEN];
    if (!seal(reg, k->key, k->key_len, (const uint8_t *)aad, aad_len, nonce, ct))
        return REG_DB_ERROR;
    reg_stmt_t *st = reg_db_prepare(reg->db, "INSERT INTO devices(id2, pk, dn, type, key_ct, key_nonce, created, "
                                             "revoked, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    int r = REG_DB_ERROR;
    if (st != NULL) {
        if (d->id2[0] != '\0')
            reg_db_bind_text(st, 1, d->id2);
        else
            reg_db_bind_null(st, 1);
        reg_db_bind_text(st, 2, d->pk);
        reg_db_bind_text(st, 3, d->dn);
        reg_db_bind_int64(st, 4, (int64_t)d->type);
        reg_db_bind_blob(st, 5, ct, k->key_len + TAG_LEN);
        reg_db_bind_blob(st, 6, nonce, NONCE_LEN);
        reg_db_bind_int64(st, 7, d->created);
        reg_db_bind_int64(st, 8, d->revoked ? 1 : 0);
        reg_db_bind_int64(st, 9, d->revoked_at);
        r = reg_db_step(st);
        *which_unique = (r == REG_DB_CONSTRAINT && reg_db_constraint_on(st, "devices", "id2"));
    }
    reg_db_finalize(st);
    return r;
}

static int next_seq(id2_registry_t *reg)
{
    reg_stmt_t *st = NULL;
    int n = 1;
    if ((st = reg_db_prepare(reg->db, "SELECT coalesce(max(seq), 0) + 1 FROM devices")) != NULL &&
        reg_db_step(st) == REG_DB_ROW)
        n = (int)reg_db_col_int64(st, 0);
    reg_db_finalize(st);
    return n;
}

static int check_names(const char *pk, const char *dn, char *err, size_t err_size)
{
    if (!id2v_valid_pk(pk))
        return fail(err, err_size, ID2V_ERR_FORMAT, "product key must be 1..64 of [A-Za-z0-9_-]");
    if (dn != NULL && !id2v_valid_dn(dn))
        return fail(err, err_size, ID2V_ERR_FORMAT, "device name must be 1..64 of [A-Za-z0-9_-.@:]");
    return ID2V_OK;
}

/* Store key k as a new device of pk/dn in one transaction. fixed_id2 == NULL: draw a fresh
 * random ID2 (again on the unlikely clash) for AES/RSA devices. */
static int store(id2_registry_t *reg, const char *pk, const char *dn, const id2v_key_t *k, const char *fixed_id2,
                 id2_device_t *dev_out, char *err, size_t err_size)
{
    id2_device_t d;
    memset(&d, 0, sizeof d);
    snprintf(d.pk, sizeof d.pk, "%s", pk);
    d.type = k->type;
    d.created = now_s();
    int rc = begin(reg, err, err_size);
    if (rc != ID2V_OK)
        return rc;
    for (int tries = 0;; tries++) {
        if (fixed_id2 != NULL) {
            snprintf(d.id2, sizeof d.id2, "%s", fixed_id2);
        } else if (d.type != ID2V_KEY_SECRET) {
            uint8_t raw[12];
            if (mbedtls_ctr_drbg_random(&reg->drbg, raw, sizeof raw) != 0) {
                rc = fail(err, err_size, ID2V_ERR_CRYPTO, "issue: random generator failed");
                break;
            }
            id2v_hex_encode(raw, sizeof raw, 1, d.id2);
        }
        if (dn != NULL)
            snprintf(d.dn, sizeof d.dn, "%s", dn);
        else if (d.type == ID2V_KEY_SECRET)
            snprintf(d.dn, sizeof d.dn, "dev-%d", next_seq(reg));
        else
            snprintf(d.dn, sizeof d.dn, "%s", d.id2);
        int id2_clash = 0;
        int r = insert_device(reg, &d, k, &id2_clash);
        if (r == REG_DB_DONE) {
            rc = ID2V_OK;
            break;
        }
        if (r == REG_DB_CONSTRAINT && id2_clash && fixed_id2 == NULL && tries < ID2_TRIES)
            continue; /* 96-bit collision: draw again */
        if (r == REG_DB_CONSTRAINT && id2_clash && fixed_id2 != NULL)
            rc = fail(err, err_size, ID2V_ERR_BAD_PARAM, "ID2 %s already exists", d.id2);
        else if (r == REG_DB_CONSTRAINT && !id2_clash)
            rc = fail(err, err_size, ID2V_ERR_BAD_PARAM, "device %s/%s already exists", d.pk, d.dn);
        else
            rc = db_fail(reg, err, err_size, "cannot insert the device");
        break;
    }
    if ((rc = finish(reg, rc, err, err_size)) != ID2V_OK)
        return rc;
    if (dev_out != NULL)
        *dev_out = d;
    return ID2V_OK;
}

int id2_registry_issue(id2_registry_t *reg, const char *pk, const char *dn, id2v_key_type_t type, id2_device_t *dev_out,
                       id2v_key_t *key_out, char *err, size_t err_size)
{
    if (reg == NULL)
        return fail(err, err_size, ID2V_ERR_BAD_PARAM, "issue: no registry");
    int rc = check_names(pk, dn, err, err_size);
    if (rc != ID2V_OK)
        return rc;
    if (type != ID2V_KEY_AES && type != ID2V_KEY_RSA && type != ID2V_KEY_SECRET)
        return fail(err, err_size, ID2V_ERR_BAD_PARAM, "issue: key type must be AES, RSA or secret");
    id2v_key_t *k = calloc(1, sizeof *k);
    if (k == NULL)
        return fail(err, err_size, ID2V_ERR_STORAGE, "issue: out of memory");
    id2_device_t d;
    /* Key generation (slow for RSA) before taking the write lock. */
    rc = gen_key(reg, type, k, err, err_size);
    if (rc == ID2V_OK)
        rc = store(reg, pk, dn, k, NULL, &d, err, err_size);
    if (rc == ID2V_OK && dev_out != NULL)
        *dev_out = d;
    if (rc == ID2V_OK && key_out != NULL) {
        *key_out = *k;
        snprintf(key_out->id2, sizeof key_out->id2, "%s", d.id2);
    }
    id2v_key_wipe(k);
    free(k);
    return rc;
}

int id2_registry_import(id2_registry_t *reg, const char *pk, const char *dn, const id2v_key_t *key,
                        id2_device_t *dev_out, char *err, size_t err_size)
{
    if (reg == NULL || key == NULL)
        return fail(err, err_size, ID2V_ERR_BAD_PARAM, "import: no registry or key");
    int rc = check_names(pk, dn, err, err_size);
    if (rc != ID2V_OK)
        return rc;
    if (key->type == ID2V_KEY_SECRET) {
        if (key->id2[0] != '\0' || key->key_len == 0 || key->key_len > 256 ||
            memchr(key->key, '\0', key->key_len) != NULL)
            return fail(err, err_size, ID2V_ERR_FORMAT, "import: a device secret is 1..256 ASCII bytes, no ID2");
        if (dn == NULL)
            return fail(err, err_size, ID2V_ERR_BAD_PARAM, "import: a secret device needs a device name");
        return store(reg, pk, dn, key, NULL, dev_out, err, err_size);
    }
    if (!id2v_valid_id2(key->id2))
        return fail(err, err_size, ID2V_ERR_FORMAT, "import: malformed ID2 (expected 24 upper-case hex characters)");
    /* The key must be usable: a signature with it proves the format (AES-128 / RSA-1024). */
    uint8_t sig[128];
    size_t sig_len;
    rc = id2v_sign(key, (const uint8_t *)"check", 5, sig, sizeof sig, &sig_len);
    mbedtls_platform_zeroize(sig, sizeof sig);
    if (rc != ID2V_OK)
        return fail(err, err_size, ID2V_ERR_FORMAT, "import: the key is not a usable AES-128 or RSA-1024 key");
    return store(reg, pk, dn, key, key->id2, dev_out, err, err_size);
}

/* ------------------------------------------------------------------ look-ups */

#define DEV_COLS "id2, pk, dn, type, revoked, created, revoked_at, key_ct, key_nonce"

static int fetch(id2_registry_t *reg, reg_stmt_t *st, const char *what, id2_device_t *dev_out, id2v_key_t *key_out,
                 char *err, size_t err_size)
{
    int r = reg_db_step(st);
    if (r == REG_DB_DONE)
        return fail(err, err_size, ID2V_ERR_UNKNOWN_DEVICE, "unknown device %s", what);
    if (r != REG_DB_ROW)
        return db_fail(reg, err, err_size, "look-up failed");
    id2_device_t d;
    memset(&d, 0, sizeof d);
    const char *id2 = (const char *)reg_db_col_text(st, 0);
    snprintf(d.id2, sizeof d.id2, "%s", id2 != NULL ? id2 : "");
    snprintf(d.pk, sizeof d.pk, "%s", (const char *)reg_db_col_text(st, 1));
    snprintf(d.dn, sizeof d.dn, "%s", (const char *)reg_db_col_text(st, 2));
    d.type = (id2v_key_type_t)(int)reg_db_col_int64(st, 3);
    d.revoked = (int)reg_db_col_int64(st, 4) != 0;
    d.created = reg_db_col_int64(st, 5);
    d.revoked_at = reg_db_col_int64(st, 6);
    if (key_out != NULL) {
        char aad[256];
        size_t aad_len = key_aad(aad, sizeof aad, d.type, d.id2, d.pk, d.dn);
        id2v_key_wipe(key_out);
        if (!unseal(reg, reg_db_col_blob(st, 7), reg_db_col_bytes(st, 7), reg_db_col_blob(st, 8),
                    reg_db_col_bytes(st, 8), (const uint8_t *)aad, aad_len, key_out->key, sizeof key_out->key,
                    &key_out->key_len)) {
            id2v_key_wipe(key_out);
            return fail(err, err_size, ID2V_ERR_STORAGE,
                        "device %s: key does not decrypt under this master key (row altered or moved)", what);
        }
        key_out->type = d.type;
        snprintf(key_out->id2, sizeof key_out->id2, "%s", d.id2);
    }
    if (dev_out != NULL)
        *dev_out = d;
    return ID2V_OK;
}

int id2_registry_find_id2(id2_registry_t *reg, const char *id2, id2_device_t *dev_out, id2v_key_t *key_out, char *err,
                          size_t err_size)
{
    if (reg == NULL)
        return fail(err, err_size, ID2V_ERR_BAD_PARAM, "look-up: no registry");
    if (!id2v_valid_id2(id2))
        return fail(err, err_size, ID2V_ERR_FORMAT, "malformed ID2 (expected 24 upper-case hex characters)");
    reg_stmt_t *st = NULL;
    if ((st = reg_db_prepare(reg->db, "SELECT " DEV_COLS " FROM devices WHERE id2 = ?")) == NULL)
        return db_fail(reg, err, err_size, "look-up failed");
    reg_db_bind_text(st, 1, id2);
    int rc = fetch(reg, st, id2, dev_out, key_out, err, err_size);
    reg_db_finalize(st);
    return rc;
}

int id2_registry_find_name(id2_registry_t *reg, const char *pk, const char *dn, id2_device_t *dev_out,
                           id2v_key_t *key_out, char *err, size_t err_size)
{
    if (reg == NULL)
        return fail(err, err_size, ID2V_ERR_BAD_PARAM, "look-up: no registry");
    if (!id2v_valid_pk(pk) || !id2v_valid_dn(dn))
        return fail(err, err_size, ID2V_ERR_FORMAT, "malformed product key or device name");
    char what[140];
    snprintf(what, sizeof what, "%s/%s", pk, dn);
    reg_stmt_t *st = NULL;
    if ((st = reg_db_prepare(reg->db, "SELECT " DEV_COLS " FROM devices WHERE pk = ? AND dn = ?")) == NULL)
        return db_fail(reg, err, err_size, "look-up failed");
    reg_db_bind_text(st, 1, pk);
    reg_db_bind_text(st, 2, dn);
    int rc = fetch(reg, st, what, dev_out, key_out, err, err_size);
    reg_db_finalize(st);
    return rc;
}

/* ------------------------------------------------------------------ revoke / delete */

/* Run a one-row change (bound by the 1 or 2 text arguments); ID2V_ERR_UNKNOWN_DEVICE when no row
 * matches `exists_sql`. Idempotent UPDATEs simply change nothing. */
static int change(id2_registry_t *reg, const char *sql, const char *exists_sql, const char *a, const char *b, int64_t t,
                  const char *what, char *err, size_t err_size)
{
    int rc = begin(reg, err, err_size);
    if (rc != ID2V_OK)
        return rc;
    reg_stmt_t *st = NULL;
    int found = 0;
    if ((st = reg_db_prepare(reg->db, exists_sql)) != NULL) {
        reg_db_bind_text(st, 1, a);
        if (b != NULL)
            reg_db_bind_text(st, 2, b);
        int r = reg_db_step(st);
        found = r == REG_DB_ROW ? 1 : r == REG_DB_DONE ? 0 : -1;
    } else {
        found = -1;
    }
    reg_db_finalize(st);
    st = NULL;
    if (found < 0) {
        rc = db_fail(reg, err, err_size, "look-up failed");
    } else if (found == 0) {
        rc = fail(err, err_size, ID2V_ERR_UNKNOWN_DEVICE, "unknown device %s", what);
    } else if ((st = reg_db_prepare(reg->db, sql)) == NULL) {
        rc = db_fail(reg, err, err_size, "update failed");
    } else {
        reg_db_bind_int64(st, 1, t);
        reg_db_bind_text(st, 2, a);
        if (b != NULL)
            reg_db_bind_text(st, 3, b);
        if (reg_db_step(st) != REG_DB_DONE)
            rc = db_fail(reg, err, err_size, "update failed");
    }
    reg_db_finalize(st);
    return finish(reg, rc, err, err_size);
}

int id2_registry_revoke(id2_registry_t *reg, const char *id2, char *err, size_t err_size)
{
    if (reg == NULL)
        return fail(err, err_size, ID2V_ERR_BAD_PARAM, "revoke: no registry");
    if (!id2v_valid_id2(id2))
        return fail(err, err_size, ID2V_ERR_FORMAT, "malformed ID2 (expected 24 upper-case hex characters)");
    return change(reg, "UPDATE devices SET revoked = 1, revoked_at = ? WHERE id2 = ? AND revoked = 0",
                  "SELECT 1 FROM devices WHERE id2 = ?", id2, NULL, now_s(), id2, err, err_size);
}

/* Change the device pk/dn with `sql` (?1 time, ?2 pk, ?3 dn). */
static int change_name(id2_registry_t *reg, const char *op, const char *sql, const char *pk, const char *dn, int64_t t,
                       char *err, size_t err_size)
{
    if (reg == NULL)
        return fail(err, err_size, ID2V_ERR_BAD_PARAM, "%s: no registry", op);
    if (!id2v_valid_pk(pk) || !id2v_valid_dn(dn))
        return fail(err, err_size, ID2V_ERR_FORMAT, "malformed product key or device name");
    char what[140];
    snprintf(what, sizeof what, "%s/%s", pk, dn);
    return change(reg, sql, "SELECT 1 FROM devices WHERE pk = ? AND dn = ?", pk, dn, t, what, err, err_size);
}

int id2_registry_revoke_name(id2_registry_t *reg, const char *pk, const char *dn, char *err, size_t err_size)
{
    return change_name(reg, "revoke",
                       "UPDATE devices SET revoked = 1, revoked_at = ?1 WHERE pk = ?2 AND dn = ?3 AND revoked = 0", pk,
                       dn, now_s(), err, err_size);
}

int id2_registry_delete_name(id2_registry_t *reg, const char *pk, const char *dn, char *err, size_t err_size)
{
    /* ?1 (the time) is unused by the DELETE but keeps the binding order of change(). */
    return change_name(reg, "delete", "DELETE FROM devices WHERE ?1 IS NOT NULL AND pk = ?2 AND dn = ?3", pk, dn, 0,
                       err, err_size);
}

/* ------------------------------------------------------------------ list */

/* Every device in issue order, with its key decrypted into `key` when key != NULL; fn returns
 * ID2V_OK to go on, 1 to stop, or an error that ends the walk. */
typedef int (*each_key_fn)(void *ctx, const id2_device_t *dev, const id2v_key_t *key, char *err, size_t err_size);

static int each_device(id2_registry_t *reg, id2v_key_t *key, each_key_fn fn, void *ctx, char *err, size_t err_size)
{
    reg_stmt_t *st = NULL;
    if ((st = reg_db_prepare(reg->db, "SELECT " DEV_COLS " FROM devices ORDER BY seq")) == NULL)
        return db_fail(reg, err, err_size, "list failed");
    int rc = ID2V_OK;
    for (;;) {
        id2_device_t d;
        int r = fetch(reg, st, "", &d, key, err, err_size);
        if (r == ID2V_ERR_UNKNOWN_DEVICE) {
            if (err != NULL && err_size > 0)
                err[0] = '\0';
            break;
        }
        if (r != ID2V_OK || (r = fn(ctx, &d, key, err, err_size)) != ID2V_OK) {
            rc = r == 1 ? ID2V_OK : r;
            break;
        }
    }
    reg_db_finalize(st);
    return rc;
}

typedef struct {
    id2_registry_each_fn fn;
    void *ctx;
} list_ctx_t;

static int list_one(void *ctx, const id2_device_t *dev, const id2v_key_t *key, char *err, size_t err_size)
{
    const list_ctx_t *l = ctx;
    (void)key;
    (void)err;
    (void)err_size;
    return l->fn(l->ctx, dev) != 0 ? 1 : ID2V_OK;
}

int id2_registry_list(id2_registry_t *reg, id2_registry_each_fn fn, void *ctx, char *err, size_t err_size)
{
    if (reg == NULL || fn == NULL)
        return fail(err, err_size, ID2V_ERR_BAD_PARAM, "list: no registry or callback");
    list_ctx_t l = {fn, ctx};
    return each_device(reg, NULL, list_one, &l, err, err_size);
}

/* ------------------------------------------------------------------ replay store */

int id2_registry_replay_record(id2_registry_t *reg, const char *id2, const char *device_random,
                               const char *server_value, int64_t now, uint32_t keep_s, char *err, size_t err_size)
{
    if (reg == NULL || id2 == NULL || device_random == NULL || server_value == NULL || id2[0] == '\0' ||
        device_random[0] == '\0' || server_value[0] == '\0')
        return fail(err, err_size, ID2V_ERR_BAD_PARAM, "replay: missing ID2, device random or server value");
    if (strlen(id2) > 140 || strlen(device_random) > ID2V_DEVICE_RANDOM_LEN ||
        strlen(server_value) > ID2V_MAX_SERVER_RANDOM)
        return fail(err, err_size, ID2V_ERR_FORMAT, "replay: value too long");
    int rc = ID2V_OK;
    reg_stmt_t *st = NULL;
    /* Purge at most once per second of `now` (each statement is atomic on its own: the one
     * INSERT decides, also across processes and verifier instances sharing the database). */
    if (now != reg->last_purge) {
        reg->last_purge = now;
        if ((st = reg_db_prepare(reg->db, "DELETE FROM replay WHERE seen < ?")) == NULL)
            return db_fail(reg, err, err_size, "replay purge failed");
        reg_db_bind_int64(st, 1, now - (int64_t)keep_s);
        /* A purge that fails (lock timeout, a concurrent purge) is retried on the next second. */
        if (reg_db_step(st) != REG_DB_DONE)
            reg->last_purge = 0;
        reg_db_finalize(st);
    }
    if ((st = reg_db_prepare(reg->db, "INSERT INTO replay VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")) == NULL)
        return db_fail(reg, err, err_size, "replay insert failed");
    reg_db_bind_text(st, 1, id2);
    reg_db_bind_text(st, 2, device_random);
    reg_db_bind_text(st, 3, server_value);
    reg_db_bind_int64(st, 4, now);
    int r = reg_db_step(st);
    if (r != REG_DB_DONE)
        rc = db_fail(reg, err, err_size, "replay insert failed");
    else if (reg_db_changes(st) != 1)
        rc = fail(err, err_size, ID2V_ERR_REPLAY, "replay: %s already used device random %s with %s", id2,
                  device_random, server_value);
    reg_db_finalize(st);
    return rc;
}

/* ------------------------------------------------------------------ fleet additions */

const char *id2_registry_backend(const id2_registry_t *reg)
{
    return reg != NULL && reg_db_is_pg(reg->db) ? "postgresql" : "sqlite";
}

/* Copy one table's rows, column by column, as text / integers (replay, auth_status). */
static int copy_rows(id2_registry_t *src, id2_registry_t *dst, const char *select, const char *insert,
                     const char *kinds /* 't' text, 'i' integer per column */, size_t *count, char *err,
                     size_t err_size)
{
    reg_stmt_t *in = reg_db_prepare(src->db, select);
    if (in == NULL)
        return db_fail(src, err, err_size, "cannot read the source");
    int rc = ID2V_OK, r;
    size_t n = 0;
    while (rc == ID2V_OK && (r = reg_db_step(in)) == REG_DB_ROW) {
        reg_stmt_t *out = reg_db_prepare(dst->db, insert);
        if (out == NULL) {
            rc = db_fail(dst, err, err_size, "cannot write the destination");
            break;
        }
        for (int i = 0; kinds[i]; i++) {
            if (kinds[i] == 'i') {
                reg_db_bind_int64(out, i + 1, reg_db_col_int64(in, i));
            } else {
                const char *t = reg_db_col_text(in, i);
                reg_db_bind_text(out, i + 1, t != NULL ? t : "");
            }
        }
        if (reg_db_step(out) != REG_DB_DONE)
            rc = db_fail(dst, err, err_size, "cannot write the destination");
        reg_db_finalize(out);
        n++;
    }
    if (rc == ID2V_OK && r != REG_DB_DONE)
        rc = db_fail(src, err, err_size, "cannot read the source");
    reg_db_finalize(in);
    if (count != NULL)
        *count = n;
    return rc;
}

typedef struct {
    id2_registry_t *dst;
    size_t n;
} copy_ctx_t;

static int copy_one(void *ctx, const id2_device_t *d, const id2v_key_t *k, char *err, size_t err_size)
{
    copy_ctx_t *c = ctx;
    int id2_clash = 0;
    int r = insert_device(c->dst, d, k, &id2_clash);
    if (r == REG_DB_CONSTRAINT)
        return fail(err, err_size, ID2V_ERR_BAD_PARAM, "copy: device %s/%s (ID2 %s) already in the destination", d->pk,
                    d->dn, d->id2[0] ? d->id2 : "-");
    if (r != REG_DB_DONE)
        return db_fail(c->dst, err, err_size, "cannot write the destination");
    c->n++;
    return ID2V_OK;
}

int id2_registry_copy(id2_registry_t *src, id2_registry_t *dst, size_t *devices, size_t *replays, char *err,
                      size_t err_size)
{
    if (src == NULL || dst == NULL || src == dst)
        return fail(err, err_size, ID2V_ERR_BAD_PARAM, "copy: two different registries needed");
    id2v_key_t *k = calloc(1, sizeof *k);
    if (k == NULL)
        return fail(err, err_size, ID2V_ERR_STORAGE, "copy: out of memory");
    size_t nd = 0, nr = 0, ns = 0;
    int rc = begin(dst, err, err_size);
    if (rc != ID2V_OK) {
        free(k);
        return rc;
    }
    copy_ctx_t cc = {dst, 0};
    rc = each_device(src, k, copy_one, &cc, err, err_size);
    nd = cc.n;
    id2v_key_wipe(k);
    free(k);
    if (rc == ID2V_OK)
        rc = copy_rows(src, dst, "SELECT id2, device_random, server_value, seen FROM replay",
                       "INSERT INTO replay VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING", "ttti", &nr, err, err_size);
    if (rc == ID2V_OK)
        rc =
            copy_rows(src, dst, "SELECT pk, dn, last_ok, last_fail, fail_reason, ok_count, fail_count FROM auth_status",
                      "INSERT INTO auth_status VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING", "ttiitii", &ns,
                      err, err_size);
    if ((rc = finish(dst, rc, err, err_size)) != ID2V_OK)
        return rc;
    if (devices != NULL)
        *devices = nd;
    if (replays != NULL)
        *replays = nr;
    return ID2V_OK;
}

int id2_registry_note_auth(id2_registry_t *reg, const char *pk, const char *dn, int ok, const char *reason, int64_t now,
                           char *err, size_t err_size)
{
    if (reg == NULL || !id2v_valid_pk(pk) || !id2v_valid_dn(dn))
        return fail(err, err_size, ID2V_ERR_BAD_PARAM, "note: no registry, or a malformed product key / device name");
    char why[200];
    snprintf(why, sizeof why, "%s", reason != NULL ? reason : "");
    reg_stmt_t *st = reg_db_prepare(
        reg->db, ok ? "INSERT INTO auth_status(pk, dn, last_ok, ok_count) VALUES (?1, ?2, ?3, 1) "
                      "ON CONFLICT (pk, dn) DO UPDATE SET last_ok = excluded.last_ok, "
                      "ok_count = auth_status.ok_count + 1 WHERE ?4 = ?4"
                    : "INSERT INTO auth_status(pk, dn, last_fail, fail_reason, fail_count) VALUES (?1, ?2, ?3, ?4, 1) "
                      "ON CONFLICT (pk, dn) DO UPDATE SET last_fail = excluded.last_fail, "
                      "fail_reason = excluded.fail_reason, fail_count = auth_status.fail_count + 1");
    if (st == NULL)
        return db_fail(reg, err, err_size, "status update failed");
    reg_db_bind_text(st, 1, pk);
    reg_db_bind_text(st, 2, dn);
    reg_db_bind_int64(st, 3, now);
    reg_db_bind_text(st, 4, why);
    int rc = reg_db_step(st) == REG_DB_DONE ? ID2V_OK : db_fail(reg, err, err_size, "status update failed");
    reg_db_finalize(st);
    return rc;
}

int id2_registry_status_each(id2_registry_t *reg, id2_registry_status_fn fn, void *ctx, char *err, size_t err_size)
{
    if (reg == NULL || fn == NULL)
        return fail(err, err_size, ID2V_ERR_BAD_PARAM, "status: no registry or callback");
    reg_stmt_t *st = reg_db_prepare(reg->db, "SELECT pk, dn, last_ok, last_fail, fail_reason, ok_count, fail_count "
                                             "FROM auth_status ORDER BY pk, dn");
    if (st == NULL)
        return db_fail(reg, err, err_size, "status read failed");
    int r, rc = ID2V_OK;
    while ((r = reg_db_step(st)) == REG_DB_ROW) {
        id2_auth_status_t s;
        memset(&s, 0, sizeof s);
        const char *t;
        snprintf(s.pk, sizeof s.pk, "%s", (t = reg_db_col_text(st, 0)) != NULL ? t : "");
        snprintf(s.dn, sizeof s.dn, "%s", (t = reg_db_col_text(st, 1)) != NULL ? t : "");
        s.last_ok = reg_db_col_int64(st, 2);
        s.last_fail = reg_db_col_int64(st, 3);
        snprintf(s.fail_reason, sizeof s.fail_reason, "%s", (t = reg_db_col_text(st, 4)) != NULL ? t : "");
        s.ok_count = reg_db_col_int64(st, 5);
        s.fail_count = reg_db_col_int64(st, 6);
        if (fn(ctx, &s) != 0)
            break;
    }
    if (r != REG_DB_ROW && r != REG_DB_DONE)
        rc = db_fail(reg, err, err_size, "status read failed");
    reg_db_finalize(st);
    return rc;
}
