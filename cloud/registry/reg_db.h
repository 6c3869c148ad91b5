/*
 * reg_db.h - the registry's SQL layer (private to cloud/registry): one small statement API over
 * SQLite and PostgreSQL (libpq), so that id2_registry.c holds the registry logic once.
 *
 * SQL is written with SQLite placeholders ("?" or "?N"); the PostgreSQL side turns them into
 * "$N". Results of PostgreSQL statements are read in binary form (integers of 2, 4 or 8 bytes,
 * text and bytea as raw bytes).
 */
#ifndef REG_DB_H
#define REG_DB_H

#include <stddef.h>
#include <stdint.h>

typedef struct reg_db reg_db_t;
typedef struct reg_stmt reg_stmt_t;

#define REG_DB_DONE       0
#define REG_DB_ROW        1
#define REG_DB_ERROR      (-1)
#define REG_DB_CONSTRAINT (-2) /* a UNIQUE / PRIMARY KEY violation */

/* 1 when `url` names a PostgreSQL database ("postgresql://...", "postgres://..." or
 * "pg:<conninfo>"), else 0 (a SQLite file name). */
int reg_db_is_pg_url(const char *url);
/* 1 when this build has the PostgreSQL backend. */
int reg_db_have_pg(void);

/* Open an existing SQLite file (read-write) or connect to PostgreSQL. NULL with err set. */
reg_db_t *reg_db_open_sqlite(const char *path, char *err, size_t err_size);
reg_db_t *reg_db_open_pg(const char *url, char *err, size_t err_size);
void reg_db_close(reg_db_t *db);
int reg_db_is_pg(const reg_db_t *db);
const char *reg_db_errmsg(const reg_db_t *db);

/* One or more statements without parameters. 0 or REG_DB_ERROR. */
int reg_db_exec(reg_db_t *db, const char *sql);
/* BEGIN that takes the write lock at once (SQLite: BEGIN IMMEDIATE). */
int reg_db_begin(reg_db_t *db);

reg_stmt_t *reg_db_prepare(reg_db_t *db, const char *sql);
void reg_db_bind_text(reg_stmt_t *st, int i, const char *s); /* i from 1 */
void reg_db_bind_blob(reg_stmt_t *st, int i, const void *p, size_t n);
void reg_db_bind_int64(reg_stmt_t *st, int i, int64_t v);
void reg_db_bind_null(reg_stmt_t *st, int i);
/* REG_DB_ROW, REG_DB_DONE, REG_DB_CONSTRAINT or REG_DB_ERROR. */
int reg_db_step(reg_stmt_t *st);
/* Rows changed by the last step of an INSERT / UPDATE / DELETE. */
int64_t reg_db_changes(reg_stmt_t *st);
/* 1 when the last REG_DB_CONSTRAINT concerned the unique column `column` of `table`. */
int reg_db_constraint_on(reg_stmt_t *st, const char *table, const char *column);
const char *reg_db_col_text(reg_stmt_t *st, int i); /* NULL for NULL; i from 0 */
const void *reg_db_col_blob(reg_stmt_t *st, int i);
size_t reg_db_col_bytes(reg_stmt_t *st, int i);
int64_t reg_db_col_int64(reg_stmt_t *st, int i);
void reg_db_finalize(reg_stmt_t *st);

#endif
