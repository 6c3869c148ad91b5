/*
 * test_registry_pg.c - the registry's PostgreSQL backend (cloud/registry) against a real server
 * that tests/fleet/with-servers.sh started: issue / find / revoke / list / import / delete,
 * wrong master key, keys encrypted at rest, the replay store atomic across handles and across
 * processes racing on one code, the authentication status, and the migration of a SQLite
 * registry (id2_registry_copy). Skips visibly when ID2_TEST_PG_URL is not set.
 */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cloud_testutil.h"
#include "id2reg/id2_registry.h"
#include "id2v/id2v.h"

typedef struct {
    char dir[512];
    char key[600];
    char url[512];
    id2_registry_t *reg;
    char err[ID2REG_ERR_LEN];
} fx_t;

static const char *pg_url(void)
{
    const char *u = getenv("ID2_TEST_PG_URL");
    return u != NULL && u[0] ? u : NULL;
}

/* Each case gets an empty schema of its own in the test database. */
static int setup(void **state)
{
    static int n;
    if (pg_url() == NULL)
        return 0;
    fx_t *f = calloc(1, sizeof *f);
    if (f == NULL)
        return -1;
    snprintf(f->dir, sizeof f->dir, "%s", ct_tmpdir("id2pg"));
    snprintf(f->key, sizeof f->key, "%s/master.key", f->dir);
    if (id2_registry_master_create(f->key, f->err, sizeof f->err) != ID2V_OK)
        return -1;
    char schema[64];
    snprintf(schema, sizeof schema, "t%ld_%d", (long)getpid(), ++n);
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "psql -q -v ON_ERROR_STOP=1 '%s' -c 'CREATE SCHEMA %s' >/dev/null", pg_url(), schema);
    if (system(cmd) != 0)
        return -1;
    /* libpq: options=-c search_path=<schema> (URI-encoded). */
    snprintf(f->url, sizeof f->url, "%s%soptions=-csearch_path%%3D%s", pg_url(), strchr(pg_url(), '?') ? "&" : "?",
             schema);
    if (id2_registry_open(f->url, f->key, 1, &f->reg, f->err, sizeof f->err) != ID2V_OK) {
        fprintf(stderr, "open: %s\n", f->err);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    if (f == NULL)
        return 0;
    id2_registry_close(f->reg);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

#define NEED_PG()                                                                                                      \
    do {                                                                                                               \
        if (pg_url() == NULL) {                                                                                        \
            print_message("SKIPPED: ID2_TEST_PG_URL not set (run through with-servers.sh)\n");                         \
            skip();                                                                                                    \
        }                                                                                                              \
    } while (0)

static void test_backend_and_issue(void **state)
{
    NEED_PG();
    fx_t *f = *state;
    assert_string_equal(id2_registry_backend(f->reg), "postgresql");
    id2_device_t d, g;
    id2v_key_t k, k2;
    assert_int_equal(id2_registry_issue(f->reg, "pk1", "dev1", ID2V_KEY_AES, &d, &k, f->err, sizeof f->err), ID2V_OK);
    assert_int_equal(strlen(d.id2), 24);
    assert_int_equal(id2_registry_find_id2(f->reg, d.id2, &g, &k2, f->err, sizeof f->err), ID2V_OK);
    assert_string_equal(g.pk, "pk1");
    assert_string_equal(g.dn, "dev1");
    assert_int_equal(k2.key_len, 16);
    assert_memory_equal(k.key, k2.key, 16);
    assert_int_equal(g.created, d.created);
    assert_int_equal(id2_registry_find_name(f->reg, "pk1", "dev1", &g, NULL, f->err, sizeof f->err), ID2V_OK);
    assert_string_equal(g.id2, d.id2);
    /* duplicates refused */
    assert_int_equal(id2_registry_issue(f->reg, "pk1", "dev1", ID2V_KEY_AES, NULL, NULL, f->err, sizeof f->err),
                     ID2V_ERR_BAD_PARAM);
    assert_non_null(strstr(f->err, "already exists"));
    /* secret device: no ID2, dn dev-<n> */
    assert_int_equal(id2_registry_issue(f->reg, "pk1", NULL, ID2V_KEY_SECRET, &g, &k2, f->err, sizeof f->err), ID2V_OK);
    assert_string_equal(g.id2, "");
    assert_string_equal(g.dn, "dev-2");
    assert_int_equal(k2.key_len, 32);
    /* RSA */
    assert_int_equal(id2_registry_issue(f->reg, "pk1", "rsa", ID2V_KEY_RSA, &g, &k2, f->err, sizeof f->err), ID2V_OK);
    id2v_key_t k3;
    assert_int_equal(id2_registry_find_name(f->reg, "pk1", "rsa", NULL, &k3, f->err, sizeof f->err), ID2V_OK);
    assert_int_equal(k3.key_len, k2.key_len);
    assert_memory_equal(k3.key, k2.key, k2.key_len);
    /* unknown */
    assert_int_equal(id2_registry_find_name(f->reg, "pk1", "nope", NULL, NULL, f->err, sizeof f->err),
                     ID2V_ERR_UNKNOWN_DEVICE);
    assert_int_equal(id2_registry_find_id2(f->reg, "000000000000000000000000", NULL, NULL, f->err, sizeof f->err),
                     ID2V_ERR_UNKNOWN_DEVICE);
}

static int count_cb(void *ctx, const id2_device_t *d)
{
    (void)d;
    (*(int *)ctx)++;
    return 0;
}

static void test_import_revoke_list_delete(void **state)
{
    NEED_PG();
    fx_t *f = *state;
    id2v_key_t k;
    ct_spec_aes_key(&k);
    id2_device_t d;
    assert_int_equal(id2_registry_import(f->reg, "pk", NULL, &k, &d, f->err, sizeof f->err), ID2V_OK);
    assert_string_equal(d.dn, k.id2);
    assert_int_equal(id2_registry_import(f->reg, "pk", "other", &k, NULL, f->err, sizeof f->err), ID2V_ERR_BAD_PARAM);
    assert_int_equal(id2_registry_revoke(f->reg, k.id2, f->err, sizeof f->err), ID2V_OK);
    assert_int_equal(id2_registry_find_id2(f->reg, k.id2, &d, NULL, f->err, sizeof f->err), ID2V_OK);
    assert_int_equal(d.revoked, 1);
    int64_t first = d.revoked_at;
    assert_true(first > 0);
    assert_int_equal(id2_registry_revoke_name(f->reg, "pk", k.id2, f->err, sizeof f->err), ID2V_OK);
    assert_int_equal(id2_registry_find_id2(f->reg, k.id2, &d, NULL, f->err, sizeof f->err), ID2V_OK);
    assert_int_equal(d.revoked_at, first);
    assert_int_equal(id2_registry_revoke_name(f->reg, "pk", "ghost", f->err, sizeof f->err), ID2V_ERR_UNKNOWN_DEVICE);
    for (int i = 0; i < 20; i++)
        assert_int_equal(id2_registry_issue(f->reg, "pk", NULL, ID2V_KEY_AES, NULL, NULL, f->err, sizeof f->err),
                         ID2V_OK);
    int n = 0;
    assert_int_equal(id2_registry_list(f->reg, count_cb, &n, f->err, sizeof f->err), ID2V_OK);
    assert_int_equal(n, 21);
    assert_int_equal(id2_registry_delete_name(f->reg, "pk", k.id2, f->err, sizeof f->err), ID2V_OK);
    assert_int_equal(id2_registry_delete_name(f->reg, "pk", k.id2, f->err, sizeof f->err), ID2V_ERR_UNKNOWN_DEVICE);
    n = 0;
    assert_int_equal(id2_registry_list(f->reg, count_cb, &n, f->err, sizeof f->err), ID2V_OK);
    assert_int_equal(n, 20);
}

static void test_master_key_and_rest(void **state)
{
    NEED_PG();
    fx_t *f = *state;
    id2v_key_t k;
    ct_spec_aes_key(&k);
    assert_int_equal(id2_registry_import(f->reg, "pk", "d", &k, NULL, f->err, sizeof f->err), ID2V_OK);
    char other[700];
    snprintf(other, sizeof other, "%s/other.key", f->dir);
    assert_int_equal(id2_registry_master_create(other, f->err, sizeof f->err), ID2V_OK);
    id2_registry_t *r2 = NULL;
    assert_int_equal(id2_registry_open(f->url, other, 0, &r2, f->err, sizeof f->err), ID2V_ERR_CRYPTO);
    assert_null(r2);
    assert_non_null(strstr(f->err, "wrong master key"));
    /* the key bytes are not in the table (dump it with psql as hex) */
    char cmd[1400], out[700];
    snprintf(out, sizeof out, "%s/dump.txt", f->dir);
    snprintf(cmd, sizeof cmd, "psql -qAt '%s' -c \"SELECT encode(key_ct, 'hex') FROM devices\" >'%s'", f->url, out);
    assert_int_equal(system(cmd), 0);
    size_t len = 0;
    char *dump = ct_read(out, &len);
    assert_non_null(dump);
    assert_true(len > 32);
    assert_null(strstr(dump, "000102030405060708090a0b0c0d0e0f"));
    free(dump);
    /* a bad connection string: one line, storage error */
    assert_int_equal(
        id2_registry_open("postgresql://127.0.0.1:1/none?connect_timeout=2", f->key, 0, &r2, f->err, sizeof f->err),
        ID2V_ERR_STORAGE);
    assert_non_null(strstr(f->err, "cannot connect to PostgreSQL"));
}

static void test_replay_handles(void **state)
{
    NEED_PG();
    fx_t *f = *state;
    id2_registry_t *r2 = NULL;
    assert_int_equal(id2_registry_open(f->url, f->key, 0, &r2, f->err, sizeof f->err), ID2V_OK);
    const char *id2 = "00112233445566778899AABB";
    int64_t now = (int64_t)time(NULL);
    assert_int_equal(id2_registry_replay_record(f->reg, id2, "DR1", "1700000000000", now, 600, f->err, sizeof f->err),
                     ID2V_OK);
    assert_int_equal(id2_registry_replay_record(r2, id2, "DR1", "1700000000000", now, 600, f->err, sizeof f->err),
                     ID2V_ERR_REPLAY);
    assert_int_equal(id2_registry_replay_record(f->reg, id2, "DR1", "1700000000000", now, 600, f->err, sizeof f->err),
                     ID2V_ERR_REPLAY);
    assert_int_equal(id2_registry_replay_record(r2, id2, "DR2", "1700000000000", now, 600, f->err, sizeof f->err),
                     ID2V_OK);
    /* purged after keep_s: accepted again */
    assert_int_equal(id2_registry_replay_record(r2, id2, "DR1", "1700000000000", now + 601, 600, f->err, sizeof f->err),
                     ID2V_OK);
    id2_registry_close(r2);
}

/* 8 processes race to record the same 20 codes: each code is accepted exactly once. */
static void test_replay_processes(void **state)
{
    NEED_PG();
    fx_t *f = *state;
    enum { PROCS = 8, CODES = 20 };
    int pipes[PROCS][2];
    pid_t pids[PROCS];
    int64_t now = (int64_t)time(NULL);
    for (int p = 0; p < PROCS; p++) {
        assert_int_equal(pipe(pipes[p]), 0);
        pids[p] = fork();
        assert_true(pids[p] >= 0);
        if (pids[p] == 0) {
            id2_registry_t *r = NULL;
            char e[ID2REG_ERR_LEN];
            int won = 0;
            if (id2_registry_open(f->url, f->key, 0, &r, e, sizeof e) == ID2V_OK) {
                for (int c = 0; c < CODES; c++) {
                    char dr[17];
                    snprintf(dr, sizeof dr, "R%02d", c);
                    if (id2_registry_replay_record(r, "00112233445566778899AABB", dr, "1", now, 600, e, sizeof e) ==
                        ID2V_OK)
                        won++;
                }
                id2_registry_close(r);
            } else {
                won = -1000;
            }
            if (write(pipes[p][1], &won, sizeof won) != (ssize_t)sizeof won)
                _exit(2);
            _exit(0);
        }
        close(pipes[p][1]);
    }
    int total = 0;
    for (int p = 0; p < PROCS; p++) {
        int won = 0, status = 0;
        assert_int_equal(read(pipes[p][0], &won, sizeof won), (ssize_t)sizeof won);
        close(pipes[p][0]);
        assert_int_equal(waitpid(pids[p], &status, 0), pids[p]);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        total += won;
    }
    assert_int_equal(total, CODES);
}

typedef struct {
    int n;
    id2_auth_status_t last;
} status_ctx_t;

static int status_cb(void *ctx, const id2_auth_status_t *s)
{
    status_ctx_t *c = ctx;
    c->n++;
    c->last = *s;
    return 0;
}

static void test_status(void **state)
{
    NEED_PG();
    fx_t *f = *state;
    assert_int_equal(id2_registry_note_auth(f->reg, "pk", "d1", 1, NULL, 100, f->err, sizeof f->err), ID2V_OK);
    assert_int_equal(id2_registry_note_auth(f->reg, "pk", "d1", 0, "replayed auth code", 101, f->err, sizeof f->err),
                     ID2V_OK);
    assert_int_equal(id2_registry_note_auth(f->reg, "pk", "d1", 1, NULL, 102, f->err, sizeof f->err), ID2V_OK);
    status_ctx_t c;
    memset(&c, 0, sizeof c);
    assert_int_equal(id2_registry_status_each(f->reg, status_cb, &c, f->err, sizeof f->err), ID2V_OK);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.last.last_ok, 102);
    assert_int_equal(c.last.last_fail, 101);
    assert_int_equal(c.last.ok_count, 2);
    assert_int_equal(c.last.fail_count, 1);
    assert_string_equal(c.last.fail_reason, "replayed auth code");
}

/* SQLite registry -> PostgreSQL: devices (keys re-encrypted), revocations, replay entries. */
static void test_migrate(void **state)
{
    NEED_PG();
    fx_t *f = *state;
    char db[700];
    snprintf(db, sizeof db, "%s/reg.sqlite", f->dir);
    id2_registry_t *src = NULL;
    assert_int_equal(id2_registry_open(db, f->key, 1, &src, f->err, sizeof f->err), ID2V_OK);
    id2_device_t d[3];
    id2v_key_t k[3];
    assert_int_equal(id2_registry_issue(src, "pk", "a", ID2V_KEY_AES, &d[0], &k[0], f->err, sizeof f->err), ID2V_OK);
    assert_int_equal(id2_registry_issue(src, "pk", "b", ID2V_KEY_RSA, &d[1], &k[1], f->err, sizeof f->err), ID2V_OK);
    assert_int_equal(id2_registry_issue(src, "pk", NULL, ID2V_KEY_SECRET, &d[2], &k[2], f->err, sizeof f->err),
                     ID2V_OK);
    assert_int_equal(id2_registry_revoke_name(src, "pk", "b", f->err, sizeof f->err), ID2V_OK);
    int64_t now = (int64_t)time(NULL);
    assert_int_equal(id2_registry_replay_record(src, d[0].id2, "DR", "TS", now, 600, f->err, sizeof f->err), ID2V_OK);
    size_t nd = 0, nr = 0;
    assert_int_equal(id2_registry_copy(src, f->reg, &nd, &nr, f->err, sizeof f->err), ID2V_OK);
    assert_int_equal(nd, 3);
    assert_int_equal(nr, 1);
    for (int i = 0; i < 3; i++) {
        id2_device_t g;
        id2v_key_t kk;
        assert_int_equal(id2_registry_find_name(f->reg, "pk", d[i].dn, &g, &kk, f->err, sizeof f->err), ID2V_OK);
        assert_string_equal(g.id2, d[i].id2);
        assert_int_equal(g.created, d[i].created);
        assert_int_equal(kk.key_len, k[i].key_len);
        assert_memory_equal(kk.key, k[i].key, k[i].key_len);
        assert_int_equal(g.revoked, i == 1);
    }
    /* the replay entry came along: the code is refused in PostgreSQL too */
    assert_int_equal(id2_registry_replay_record(f->reg, d[0].id2, "DR", "TS", now, 600, f->err, sizeof f->err),
                     ID2V_ERR_REPLAY);
    /* a second copy is refused as a whole */
    assert_int_equal(id2_registry_copy(src, f->reg, NULL, NULL, f->err, sizeof f->err), ID2V_ERR_BAD_PARAM);
    assert_non_null(strstr(f->err, "already in the destination"));
    int n = 0;
    assert_int_equal(id2_registry_list(f->reg, count_cb, &n, f->err, sizeof f->err), ID2V_OK);
    assert_int_equal(n, 3);
    id2_registry_close(src);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_backend_and_issue, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import_revoke_list_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_master_key_and_rest, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replay_handles, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replay_processes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_status, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migrate, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
