/*
 * reg_db.c - the registry's SQL layer over SQLite and (when libpq is available) PostgreSQL.
 * See reg_db.h.
 */
#define _POSIX_C_SOURCE 200809L

#include "reg_db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>
#ifdef ID2REG_HAVE_PG
#include <libpq-fe.h>
#endif

#define BUSY_TIMEOUT_MS 10000
#define MAX_PARAMS      12

struct reg_db {
    sqlite3 *lite;
#ifdef ID2REG_HAVE_PG
    PGconn *pg;
#endif
    char msg[256]; /* last PostgreSQL error */
};

struct reg_stmt {
    reg_db_t *db;
    sqlite3_stmt *lite;
    char constraint[128];
#ifdef ID2REG_HAVE_PG
    char *sql;
    int nparams;
    char *val[MAX_PARAMS];
    int len[MAX_PARAMS];
    int fmt[MAX_PARAMS];
    Oid type[MAX_PARAMS];
    PGresult *res;
    int row, rows, done;
    int64_t changes;
#endif
};

int reg_db_is_pg_url(const char *url)
{
    return url != NULL && (strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0 ||
                           strncmp(url, "pg:", 3) == 0);
}

int reg_db_have_pg(void)
{
#ifdef ID2REG_HAVE_PG
    return 1;
#else
    return 0;
#endif
}

int reg_db_is_pg(const reg_db_t *db)
{
#ifdef ID2REG_HAVE_PG
    return db->pg != NULL;
#else
    (void)db;
    return 0;
#endif
}

const char *reg_db_errmsg(const reg_db_t *db)
{
    if (db->lite != NULL)
        return sqlite3_errmsg(db->lite);
    return db->msg;
}

/* ------------------------------------------------------------------ SQLite */

reg_db_t *reg_db_open_sqlite(const char *path, char *err, size_t err_size)
{
    reg_db_t *db = calloc(1, sizeof *db);
    if (db == NULL) {
        snprintf(err, err_size, "registry: out of memory");
        return NULL;
    }
    if (sqlite3_open_v2(path, &db->lite, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        snprintf(err, err_size, "registry %s: %s", path, db->lite ? sqlite3_errmsg(db->lite) : "cannot open");
        reg_db_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db->lite, BUSY_TIMEOUT_MS);
    sqlite3_stmt *jm = NULL;
    int wal = 0;
    if (sqlite3_prepare_v2(db->lite, "PRAGMA journal_mode=WAL", -1, &jm, NULL) == SQLITE_OK &&
        sqlite3_step(jm) == SQLITE_ROW)
        wal = sqlite3_column_text(jm, 0) != NULL && strcmp((const char *)sqlite3_column_text(jm, 0), "wal") == 0;
    sqlite3_finalize(jm);
    if (!wal) {
        snprintf(err, err_size, "registry %s: not a database, or cannot use WAL mode: %s", path,
                 sqlite3_errmsg(db->lite));
        reg_db_close(db);
        return NULL;
    }
    if (sqlite3_exec(db->lite, "PRAGMA synchronous=FULL; PRAGMA secure_delete=ON", NULL, NULL, NULL) != SQLITE_OK) {
        snprintf(err, err_size, "registry: cannot configure: %s", sqlite3_errmsg(db->lite));
        reg_db_close(db);
        return NULL;
    }
    return db;
}

/* ------------------------------------------------------------------ PostgreSQL */

#ifdef ID2REG_HAVE_PG
static void pg_note(reg_db_t *db, const char *m)
{
    snprintf(db->msg, sizeof db->msg, "%s", m != NULL && m[0] ? m : "PostgreSQL error");
    char *nl = strchr(db->msg, '\n');
    if (nl != NULL)
        *nl = '\0';
}

reg_db_t *reg_db_open_pg(const char *url, char *err, size_t err_size)
{
    reg_db_t *db = calloc(1, sizeof *db);
    if (db == NULL) {
        snprintf(err, err_size, "registry: out of memory");
        return NULL;
    }
    const char *conninfo = strncmp(url, "pg:", 3) == 0 ? url + 3 : url;
    db->pg = PQconnectdb(conninfo);
    if (db->pg == NULL || PQstatus(db->pg) != CONNECTION_OK) {
        pg_note(db, db->pg ? PQerrorMessage(db->pg) : "out of memory");
        snprintf(err, err_size, "registry: cannot connect to PostgreSQL: %s", db->msg);
        reg_db_close(db);
        return NULL;
    }
    /* Quiet NOTICEs (CREATE ... IF NOT EXISTS) and a bounded wait for locks. */
    if (reg_db_exec(db, "SET client_min_messages = warning; SET lock_timeout = '10s'") != 0) {
        snprintf(err, err_size, "registry: cannot configure the PostgreSQL session: %s", db->msg);
        reg_db_close(db);
        return NULL;
    }
    return db;
}
#else
reg_db_t *reg_db_open_pg(const char *url, char *err, size_t err_size)
{
    (void)url;
    snprintf(err, err_size, "registry: this build has no PostgreSQL backend (install libpq-dev and rebuild)");
    return NULL;
}
#endif

void reg_db_close(reg_db_t *db)
{
    if (db == NULL)
        return;
    if (db->lite != NULL)
        sqlite3_close(db->lite);
#ifdef ID2REG_HAVE_PG
    if (db->pg != NULL)
        PQfinish(db->pg);
#endif
    free(db);
}

int reg_db_exec(reg_db_t *db, const char *sql)
{
#ifdef ID2REG_HAVE_PG
    if (db->pg != NULL) {
        PGresult *r = PQexec(db->pg, sql);
        ExecStatusType s = PQresultStatus(r);
        int ok = s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
        if (!ok)
            pg_note(db, PQresultErrorMessage(r));
        PQclear(r);
        return ok ? 0 : REG_DB_ERROR;
    }
#endif
    return sqlite3_exec(db->lite, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : REG_DB_ERROR;
}

int reg_db_begin(reg_db_t *db)
{
    return reg_db_exec(db, reg_db_is_pg(db) ? "BEGIN" : "BEGIN IMMEDIATE");
}

reg_stmt_t *reg_db_prepare(reg_db_t *db, const char *sql)
{
    reg_stmt_t *st = calloc(1, sizeof *st);
    if (st == NULL)
        return NULL;
    st->db = db;
#ifdef ID2REG_HAVE_PG
    if (db->pg != NULL) {
        /* "?" -> "$k" (k counting), "?N" -> "$N". At most 3 extra bytes per placeholder. */
        size_t n = strlen(sql);
        st->sql = malloc(3 * n + 1);
        if (st->sql == NULL) {
            free(st);
            return NULL;
        }
        char *o = st->sql;
        int k = 0;
        for (const char *p = sql; *p; p++) {
            if (*p != '?') {
                *o++ = *p;
                continue;
            }
            if (p[1] >= '1' && p[1] <= '9') {
                *o++ = '$';
                continue;
            }
            o += sprintf(o, "$%d", ++k);
        }
        *o = '\0';
        return st;
    }
#endif
    if (sqlite3_prepare_v2(db->lite, sql, -1, &st->lite, NULL) != SQLITE_OK) {
        free(st);
        return NULL;
    }
    return st;
}

#ifdef ID2REG_HAVE_PG
static void pg_bind(reg_stmt_t *st, int i, const void *p, size_t n, int fmt, Oid type)
{
    if (i < 1 || i > MAX_PARAMS)
        return;
    free(st->val[i - 1]);
    st->val[i - 1] = NULL;
    if (p != NULL) {
        st->val[i - 1] = malloc(n + 1);
        if (st->val[i - 1] != NULL) {
            memcpy(st->val[i - 1], p, n);
            st->val[i - 1][n] = '\0';
        }
    }
    st->len[i - 1] = (int)n;
    st->fmt[i - 1] = fmt;
    st->type[i - 1] = type;
    if (i > st->nparams)
        st->nparams = i;
}
#define OID_BYTEA 17
#define OID_INT8  20
#define OID_TEXT  25
#endif

void reg_db_bind_text(reg_stmt_t *st, int i, const char *s)
{
#ifdef ID2REG_HAVE_PG
    if (st->db->pg != NULL) {
        pg_bind(st, i, s, strlen(s), 0, OID_TEXT);
        return;
    }
#endif
    sqlite3_bind_text(st->lite, i, s, -1, SQLITE_TRANSIENT);
}

void reg_db_bind_blob(reg_stmt_t *st, int i, const void *p, size_t n)
{
#ifdef ID2REG_HAVE_PG
    if (st->db->pg != NULL) {
        pg_bind(st, i, p, n, 1, OID_BYTEA);
        return;
    }
#endif
    sqlite3_bind_blob(st->lite, i, p, (int)n, SQLITE_TRANSIENT);
}

void reg_db_bind_int64(reg_stmt_t *st, int i, int64_t v)
{
#ifdef ID2REG_HAVE_PG
    if (st->db->pg != NULL) {
        char b[24];
        int n = snprintf(b, sizeof b, "%lld", (long long)v);
        pg_bind(st, i, b, (size_t)n, 0, OID_INT8);
        return;
    }
#endif
    sqlite3_bind_int64(st->lite, i, v);
}

void reg_db_bind_null(reg_stmt_t *st, int i)
{
#ifdef ID2REG_HAVE_PG
    if (st->db->pg != NULL) {
        pg_bind(st, i, NULL, 0, 0, OID_TEXT);
        return;
    }
#endif
    sqlite3_bind_null(st->lite, i);
}

int reg_db_step(reg_stmt_t *st)
{
#ifdef ID2REG_HAVE_PG
    if (st->db->pg != NULL) {
        if (st->res == NULL && !st->done) {
            st->res = PQexecParams(st->db->pg, st->sql, st->nparams, st->type, (const char *const *)st->val, st->len,
                                   st->fmt, 1);
            ExecStatusType s = PQresultStatus(st->res);
            st->row = -1;
            st->rows = 0;
            st->changes = 0;
            if (s == PGRES_TUPLES_OK) {
                st->rows = PQntuples(st->res);
            } else if (s == PGRES_COMMAND_OK) {
                st->changes = strtoll(PQcmdTuples(st->res), NULL, 10);
            } else {
                const char *state = PQresultErrorField(st->res, PG_DIAG_SQLSTATE);
                const char *cons = PQresultErrorField(st->res, PG_DIAG_CONSTRAINT_NAME);
                pg_note(st->db, PQresultErrorMessage(st->res));
                snprintf(st->constraint, sizeof st->constraint, "%s", cons != NULL ? cons : "");
                int r = state != NULL && strcmp(state, "23505") == 0 ? REG_DB_CONSTRAINT : REG_DB_ERROR;
                PQclear(st->res); /* state and cons point into the result */
                st->res = NULL;
                st->done = 1;
                return r;
            }
        }
        if (st->res == NULL)
            return REG_DB_DONE;
        if (++st->row < st->rows)
            return REG_DB_ROW;
        PQclear(st->res);
        st->res = NULL;
        st->done = 1;
        return REG_DB_DONE;
    }
#endif
    int r = sqlite3_step(st->lite);
    if (r == SQLITE_ROW)
        return REG_DB_ROW;
    if (r == SQLITE_DONE)
        return REG_DB_DONE;
    if (r == SQLITE_CONSTRAINT) {
        snprintf(st->constraint, sizeof st->constraint, "%s", sqlite3_errmsg(st->db->lite));
        return REG_DB_CONSTRAINT;
    }
    return REG_DB_ERROR;
}

int64_t reg_db_changes(reg_stmt_t *st)
{
#ifdef ID2REG_HAVE_PG
    if (st->db->pg != NULL)
        return st->changes;
#endif
    return sqlite3_changes(st->db->lite);
}

int reg_db_constraint_on(reg_stmt_t *st, const char *table, const char *column)
{
    char want[128];
    /* SQLite: "UNIQUE constraint failed: devices.id2"; PostgreSQL: "devices_id2_key". */
    snprintf(want, sizeof want, reg_db_is_pg(st->db) ? "%s_%s_key" : "%s.%s", table, column);
    return strstr(st->constraint, want) != NULL;
}

#ifdef ID2REG_HAVE_PG
static int pg_has(reg_stmt_t *st, int i)
{
    return st->res != NULL && st->row >= 0 && st->row < st->rows && i < PQnfields(st->res) &&
           !PQgetisnull(st->res, st->row, i);
}
#endif

const char *reg_db_col_text(reg_stmt_t *st, int i)
{
#ifdef ID2REG_HAVE_PG
    if (st->db->pg != NULL)
        return pg_has(st, i) ? PQgetvalue(st->res, st->row, i) : NULL; /* libpq NUL-terminates */
#endif
    return (const char *)sqlite3_column_text(st->lite, i);
}

const void *reg_db_col_blob(reg_stmt_t *st, int i)
{
#ifdef ID2REG_HAVE_PG
    if (st->db->pg != NULL)
        return pg_has(st, i) ? PQgetvalue(st->res, st->row, i) : NULL;
#endif
    return sqlite3_column_blob(st->lite, i);
}

size_t reg_db_col_bytes(reg_stmt_t *st, int i)
{
#ifdef ID2REG_HAVE_PG
    if (st->db->pg != NULL)
        return pg_has(st, i) ? (size_t)PQgetlength(st->res, st->row, i) : 0;
#endif
    return (size_t)sqlite3_column_bytes(st->lite, i);
}

int64_t reg_db_col_int64(reg_stmt_t *st, int i)
{
#ifdef ID2REG_HAVE_PG
    if (st->db->pg != NULL) {
        if (!pg_has(st, i))
            return 0;
        const unsigned char *p = (const unsigned char *)PQgetvalue(st->res, st->row, i);
        int n = PQgetlength(st->res, st->row, i);
        if (n != 2 && n != 4 && n != 8)
            return 0;
        uint64_t v = 0;
        for (int k = 0; k < n; k++)
            v = v << 8 | p[k];
        /* sign-extend the big-endian two's complement of n bytes */
        if (n < 8 && (p[0] & 0x80u))
            v |= ~(uint64_t)0 << (8 * n);
        return (int64_t)v;
    }
#endif
    return sqlite3_column_int64(st->lite, i);
}

void reg_db_finalize(reg_stmt_t *st)
{
    if (st == NULL)
        return;
#ifdef ID2REG_HAVE_PG
    PQclear(st->res);
    for (int i = 0; i < MAX_PARAMS; i++) {
        if (st->val[i] != NULL && st->fmt[i] == 1)
            memset(st->val[i], 0, (size_t)st->len[i]); /* ciphertexts only, but tidy */
        free(st->val[i]);
    }
    free(st->sql);
#endif
    if (st->lite != NULL)
        sqlite3_finalize(st->lite);
    free(st);
}
