/*
 * test_registry.c - the ID2 key registry (cloud/registry): master key and database files 0600,
 * issue / import / find / revoke / list / delete, keys absent from the database files, wrong or
 * exposed master key refused, rows bound to their device (AAD), replay store atomic within one
 * handle, across two handles and across two processes, unique ID2s over 1000 issues.
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

#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cloud_testutil.h"
#include "id2reg/id2_registry.h"
#include "id2v/id2v.h"

typedef struct {
    char dir[512];
    char db[600];
    char key[600];
    id2_registry_t *reg;
    char err[ID2REG_ERR_LEN];
} fx_t;

static int setup(void **state)
{
    fx_t *f = calloc(1, sizeof *f);
    if (f == NULL)
        return -1;
    umask(022); /* the registry must not rely on the umask */
    const char *d = ct_tmpdir("id2reg");
    if (d == NULL)
        return -1;
    snprintf(f->dir, sizeof f->dir, "%s", d);
    snprintf(f->db, sizeof f->db, "%s/reg.db", f->dir);
    snprintf(f->key, sizeof f->key, "%s/master.key", f->dir);
    if (id2_registry_master_create(f->key, f->err, sizeof f->err) != ID2V_OK)
        return -1;
    if (id2_registry_open(f->db, f->key, 1, &f->reg, f->err, sizeof f->err) != ID2V_OK)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    id2_registry_close(f->reg);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

static unsigned mode_of(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return (unsigned)(st.st_mode & 0777);
}

static void test_files_0600(void **state)
{
    fx_t *f = *state;
    assert_int_equal(mode_of(f->db), 0600);
    assert_int_equal(mode_of(f->key), 0600);
    char wal[700];
    snprintf(wal, sizeof wal, "%s-wal", f->db);
    id2_device_t d;
    assert_int_equal(id2_registry_issue(f->reg, "p1", NULL, ID2V_KEY_AES, &d, NULL, f->err, sizeof f->err), ID2V_OK);
    if (access(wal, F_OK) == 0)
        assert_int_equal(mode_of(wal), 0600);
    /* master key file: never overwritten; content is 64 hex + newline */
    assert_int_equal(id2_registry_master_create(f->key, f->err, sizeof f->err), ID2V_ERR_STORAGE);
    size_t n;
    char *text = ct_read(f->key, &n);
    assert_non_null(text);
    assert_int_equal(n, 65);
    assert_int_equal(strspn(text, "0123456789ABCDEF"), 64);
    free(text);
}

static void test_issue_find(void **state)
{
    fx_t *f = *state;
    id2v_key_type_t types[] = {ID2V_KEY_AES, ID2V_KEY_RSA, ID2V_KEY_SECRET};
    for (size_t i = 0; i < 3; i++) {
        id2_device_t d, d2;
        id2v_key_t k, k2;
        assert_int_equal(id2_registry_issue(f->reg, "a1FCMDh4ypx", NULL, types[i], &d, &k, f->err, sizeof f->err),
                         ID2V_OK);
        assert_int_equal(d.type, types[i]);
        assert_string_equal(d.pk, "a1FCMDh4ypx");
        assert_int_equal(d.revoked, 0);
        assert_true(d.created > 1500000000);
        if (types[i] == ID2V_KEY_SECRET) {
            assert_string_equal(d.id2, "");
            assert_string_equal(d.dn, "dev-3");
            assert_int_equal(k.key_len, 32);
            for (size_t j = 0; j < 32; j++)
                assert_true((k.key[j] >= '0' && k.key[j] <= '9') || (k.key[j] >= 'A' && k.key[j] <= 'Z') ||
                            (k.key[j] >= 'a' && k.key[j] <= 'z'));
            assert_int_equal(id2_registry_find_name(f->reg, d.pk, d.dn, &d2, &k2, f->err, sizeof f->err), ID2V_OK);
        } else {
            assert_true(id2v_valid_id2(d.id2));
            assert_string_equal(d.dn, d.id2);
            assert_string_equal(k.id2, d.id2);
            assert_int_equal(id2_registry_find_id2(f->reg, d.id2, &d2, &k2, f->err, sizeof f->err), ID2V_OK);
            /* the key signs: a device code made with it verifies with the registry's copy */
            char code[ID2V_AUTH_CODE_MAX];
            assert_int_equal(ct_device_code(&k, 0, "0123456789ABCDEF", "00FF", NULL, code), 0);
            assert_int_equal(
                id2v_verify_auth_code(&k2, code, strlen(code), ID2V_TYPES_CHALLENGE, "00FF", NULL, 0, NULL), ID2V_OK);
        }
        assert_int_equal(k2.type, types[i]);
        assert_int_equal(k2.key_len, k.key_len);
        assert_memory_equal(k2.key, k.key, k.key_len);
        assert_memory_equal(&d2, &d, sizeof d);
        /* look-up without the key */
        assert_int_equal(id2_registry_find_name(f->reg, d.pk, d.dn, &d2, NULL, f->err, sizeof f->err), ID2V_OK);
        id2v_key_wipe(&k);
        id2v_key_wipe(&k2);
    }
    /* a named device; the same name again is refused */
    id2_device_t d;
    assert_int_equal(
        id2_registry_issue(f->reg, "a1FCMDh4ypx", "IFXDeviceMqttTest", ID2V_KEY_AES, &d, NULL, f->err, sizeof f->err),
        ID2V_OK);
    assert_string_equal(d.dn, "IFXDeviceMqttTest");
    assert_int_equal(
        id2_registry_issue(f->reg, "a1FCMDh4ypx", "IFXDeviceMqttTest", ID2V_KEY_RSA, &d, NULL, f->err, sizeof f->err),
        ID2V_ERR_BAD_PARAM);
    assert_non_null(strstr(f->err, "already exists"));
    assert_null(strchr(f->err, '\n'));
    /* same name in another product is fine */
    assert_int_equal(
        id2_registry_issue(f->reg, "other", "IFXDeviceMqttTest", ID2V_KEY_AES, &d, NULL, f->err, sizeof f->err),
        ID2V_OK);
    /* bad input */
    assert_int_equal(id2_registry_issue(f->reg, "a.b", NULL, ID2V_KEY_AES, &d, NULL, f->err, sizeof f->err),
                     ID2V_ERR_FORMAT);
    assert_int_equal(id2_registry_issue(f->reg, "p", "a&b", ID2V_KEY_AES, &d, NULL, f->err, sizeof f->err),
                     ID2V_ERR_FORMAT);
    assert_int_equal(id2_registry_issue(f->reg, "p", NULL, (id2v_key_type_t)4, &d, NULL, f->err, sizeof f->err),
                     ID2V_ERR_BAD_PARAM);
    assert_int_equal(id2_registry_find_id2(f->reg, "00112233445566778899AABB", &d, NULL, f->err, sizeof f->err),
                     ID2V_ERR_UNKNOWN_DEVICE);
    assert_int_equal(id2_registry_find_id2(f->reg, "00112233445566778899aabb", &d, NULL, f->err, sizeof f->err),
                     ID2V_ERR_FORMAT);
    assert_int_equal(id2_registry_find_name(f->reg, "nope", "x", &d, NULL, f->err, sizeof f->err),
                     ID2V_ERR_UNKNOWN_DEVICE);
    assert_non_null(strstr(f->err, "nope/x"));
}

static void test_import(void **state)
{
    fx_t *f = *state;
    id2v_key_t k, k2;
    id2_device_t d;
    ct_spec_aes_key(&k);
    assert_int_equal(id2_registry_import(f->reg, "a1FCMDh4ypx", "IFXDeviceMqttTest", &k, &d, f->err, sizeof f->err),
                     ID2V_OK);
    assert_string_equal(d.id2, "00112233445566778899AABB");
    assert_int_equal(id2_registry_find_id2(f->reg, d.id2, &d, &k2, f->err, sizeof f->err), ID2V_OK);
    assert_memory_equal(k2.key, k.key, 16);
    assert_int_equal(id2_registry_import(f->reg, "a1FCMDh4ypx", "second", &k, &d, f->err, sizeof f->err),
                     ID2V_ERR_BAD_PARAM); /* ID2 taken */
    k.key_len = 15;
    assert_int_equal(id2_registry_import(f->reg, "a1FCMDh4ypx", "third", &k, &d, f->err, sizeof f->err),
                     ID2V_ERR_FORMAT);
    id2v_key_t s;
    memset(&s, 0, sizeof s);
    s.type = ID2V_KEY_SECRET;
    memcpy(s.key, "t9GmMf2jb3LgWfXBaZD2r3aJrfVWBv56", 32);
    s.key_len = 32;
    assert_int_equal(id2_registry_import(f->reg, "a1MZxOdcBnO", "test_01", &s, &d, f->err, sizeof f->err), ID2V_OK);
    assert_int_equal(id2_registry_find_name(f->reg, "a1MZxOdcBnO", "test_01", &d, &k2, f->err, sizeof f->err), ID2V_OK);
    char pw[65];
    k2.key[k2.key_len] = 0;
    assert_int_equal(id2v_secret_password(d.pk, d.dn, (const char *)k2.key, "2524608000000", pw), ID2V_OK);
    assert_string_equal(pw, "d64bac40a79ad70ba6c453508d0df5436a937c091ae789ddcd93ffaf864b7b2f");
    /* delete */
    assert_int_equal(id2_registry_delete_name(f->reg, "a1MZxOdcBnO", "test_01", f->err, sizeof f->err), ID2V_OK);
    assert_int_equal(id2_registry_find_name(f->reg, "a1MZxOdcBnO", "test_01", &d, NULL, f->err, sizeof f->err),
                     ID2V_ERR_UNKNOWN_DEVICE);
    assert_int_equal(id2_registry_delete_name(f->reg, "a1MZxOdcBnO", "test_01", f->err, sizeof f->err),
                     ID2V_ERR_UNKNOWN_DEVICE);
}

static void test_revoke(void **state)
{
    fx_t *f = *state;
    id2_device_t d, s, r;
    assert_int_equal(id2_registry_issue(f->reg, "p", NULL, ID2V_KEY_AES, &d, NULL, f->err, sizeof f->err), ID2V_OK);
    assert_int_equal(id2_registry_issue(f->reg, "p", NULL, ID2V_KEY_SECRET, &s, NULL, f->err, sizeof f->err), ID2V_OK);
    assert_int_equal(id2_registry_revoke(f->reg, d.id2, f->err, sizeof f->err), ID2V_OK);
    assert_int_equal(id2_registry_find_id2(f->reg, d.id2, &r, NULL, f->err, sizeof f->err), ID2V_OK);
    assert_int_equal(r.revoked, 1);
    assert_true(r.revoked_at >= r.created);
    int64_t first = r.revoked_at;
    assert_int_equal(id2_registry_revoke(f->reg, d.id2, f->err, sizeof f->err), ID2V_OK); /* idempotent */
    assert_int_equal(id2_registry_revoke_name(f->reg, d.pk, d.dn, f->err, sizeof f->err), ID2V_OK);
    assert_int_equal(id2_registry_find_id2(f->reg, d.id2, &r, NULL, f->err, sizeof f->err), ID2V_OK);
    assert_int_equal(r.revoked_at, first);
    assert_int_equal(id2_registry_revoke_name(f->reg, s.pk, s.dn, f->err, sizeof f->err), ID2V_OK);
    assert_int_equal(id2_registry_find_name(f->reg, s.pk, s.dn, &r, NULL, f->err, sizeof f->err), ID2V_OK);
    assert_int_equal(r.revoked, 1);
    assert_int_equal(id2_registry_revoke(f->reg, "FFFFFFFFFFFFFFFFFFFFFFFF", f->err, sizeof f->err),
                     ID2V_ERR_UNKNOWN_DEVICE);
    assert_int_equal(id2_registry_revoke(f->reg, "xyz", f->err, sizeof f->err), ID2V_ERR_FORMAT);
    assert_int_equal(id2_registry_revoke_name(f->reg, "p", "nope", f->err, sizeof f->err), ID2V_ERR_UNKNOWN_DEVICE);
}

typedef struct {
    int n;
    int stop_at;
    char (*ids)[ID2V_ID_LEN + 1];
    char last_dn[65];
} list_ctx_t;

static int collect(void *ctx, const id2_device_t *d)
{
    list_ctx_t *c = ctx;
    if (c->ids != NULL)
        memcpy(c->ids[c->n], d->id2, sizeof c->ids[0]);
    snprintf(c->last_dn, sizeof c->last_dn, "%s", d->dn);
    c->n++;
    return c->stop_at != 0 && c->n >= c->stop_at;
}

static int cmp_id(const void *a, const void *b)
{
    return strcmp(a, b);
}

static void test_list_and_unique_1000(void **state)
{
    fx_t *f = *state;
    enum { N = 1000 };
    id2_device_t d;
    for (int i = 0; i < N; i++)
        assert_int_equal(id2_registry_issue(f->reg, "bulk", NULL, ID2V_KEY_AES, &d, NULL, f->err, sizeof f->err),
                         ID2V_OK);
    assert_int_equal(id2_registry_issue(f->reg, "bulk", "last", ID2V_KEY_SECRET, &d, NULL, f->err, sizeof f->err),
                     ID2V_OK);
    list_ctx_t c = {0, 0, calloc(N + 1, sizeof(char[ID2V_ID_LEN + 1])), ""};
    assert_non_null(c.ids);
    assert_int_equal(id2_registry_list(f->reg, collect, &c, f->err, sizeof f->err), ID2V_OK);
    assert_int_equal(c.n, N + 1);
    assert_string_equal(c.last_dn, "last"); /* issue order */
    qsort(c.ids, N, sizeof c.ids[0], cmp_id);
    for (int i = 0; i < N; i++) {
        assert_true(id2v_valid_id2(c.ids[i]));
        if (i > 0)
            assert_string_not_equal(c.ids[i - 1], c.ids[i]);
    }
    free(c.ids);
    list_ctx_t stop = {0, 5, NULL, ""};
    assert_int_equal(id2_registry_list(f->reg, collect, &stop, f->err, sizeof f->err), ID2V_OK);
    assert_int_equal(stop.n, 5);
}

static int file_has(const char *db, const uint8_t *b, size_t n)
{
    char p[700];
    int found = ct_file_contains(db, b, n);
    snprintf(p, sizeof p, "%s-wal", db);
    if (access(p, F_OK) == 0)
        found |= ct_file_contains(p, b, n);
    return found;
}

static void test_keys_not_in_files(void **state)
{
    fx_t *f = *state;
    id2v_key_t k[3];
    id2_device_t d[3];
    id2v_key_type_t types[] = {ID2V_KEY_AES, ID2V_KEY_RSA, ID2V_KEY_SECRET};
    for (int i = 0; i < 3; i++)
        assert_int_equal(id2_registry_issue(f->reg, "scan", NULL, types[i], &d[i], &k[i], f->err, sizeof f->err),
                         ID2V_OK);
    for (int pass = 0; pass < 2; pass++) { /* open (WAL) and closed (checkpointed) */
        assert_false(file_has(f->db, k[0].key, 16));
        assert_false(file_has(f->db, k[2].key, 32));
        for (size_t off = 0; off + 16 <= k[1].key_len; off += 16)
            assert_false(file_has(f->db, k[1].key + off, 16));
        /* the scan itself works: the ID2 and the product key are stored in clear */
        assert_true(file_has(f->db, (const uint8_t *)d[0].id2, 24));
        if (pass == 0) {
            id2_registry_close(f->reg);
            assert_int_equal(id2_registry_open(f->db, f->key, 0, &f->reg, f->err, sizeof f->err), ID2V_OK);
        }
    }
    for (int i = 0; i < 3; i++)
        id2v_key_wipe(&k[i]);
}

static void test_master_key_checks(void **state)
{
    fx_t *f = *state;
    id2_registry_t *r = NULL;
    char other[700];
    snprintf(other, sizeof other, "%s/other.key", f->dir);
    assert_int_equal(id2_registry_master_create(other, f->err, sizeof f->err), ID2V_OK);
    assert_int_equal(id2_registry_open(f->db, other, 0, &r, f->err, sizeof f->err), ID2V_ERR_CRYPTO);
    assert_null(r);
    assert_non_null(strstr(f->err, "wrong master key"));
    /* exposed master key file */
    assert_int_equal(chmod(other, 0644), 0);
    assert_int_equal(id2_registry_open(f->db, other, 0, &r, f->err, sizeof f->err), ID2V_ERR_STORAGE);
    assert_non_null(strstr(f->err, "chmod 600"));
    /* malformed master key file */
    FILE *fp = fopen(other, "w");
    assert_non_null(fp);
    fputs("00112233", fp);
    fclose(fp);
    assert_int_equal(chmod(other, 0600), 0);
    assert_int_equal(id2_registry_open(f->db, other, 0, &r, f->err, sizeof f->err), ID2V_ERR_FORMAT);
    /* missing registry without create; missing master key; env variable */
    char missing[700];
    snprintf(missing, sizeof missing, "%s/missing.db", f->dir);
    assert_int_equal(id2_registry_open(missing, f->key, 0, &r, f->err, sizeof f->err), ID2V_ERR_STORAGE);
    assert_non_null(strstr(f->err, "missing.db"));
    assert_int_not_equal(access(missing, F_OK), 0);
    assert_int_equal(id2_registry_open(f->db, missing, 0, &r, f->err, sizeof f->err), ID2V_ERR_STORAGE);
    setenv("ID2_MASTER_KEY", f->key, 1);
    assert_int_equal(id2_registry_open(f->db, NULL, 0, &r, f->err, sizeof f->err), ID2V_OK);
    id2_registry_close(r);
    unsetenv("ID2_MASTER_KEY");
    assert_int_equal(id2_registry_open(f->db, NULL, 0, &r, f->err, sizeof f->err), ID2V_ERR_BAD_PARAM);
    /* a file that is not a registry */
    char junk[700];
    snprintf(junk, sizeof junk, "%s/junk.db", f->dir);
    fp = fopen(junk, "w");
    assert_non_null(fp);
    fputs("this is not a database, not at all, not even close to one....................", fp);
    fclose(fp);
    assert_int_equal(id2_registry_open(junk, f->key, 1, &r, f->err, sizeof f->err), ID2V_ERR_STORAGE);
    assert_null(strchr(f->err, '\n'));
}

/* A row's key moved onto another device does not decrypt (AAD binds it). */
static void test_row_binding(void **state)
{
    fx_t *f = *state;
    id2_device_t a, b;
    assert_int_equal(id2_registry_issue(f->reg, "bind", NULL, ID2V_KEY_AES, &a, NULL, f->err, sizeof f->err), ID2V_OK);
    assert_int_equal(id2_registry_issue(f->reg, "bind", NULL, ID2V_KEY_AES, &b, NULL, f->err, sizeof f->err), ID2V_OK);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    char sql[512];
    snprintf(sql, sizeof sql,
             "UPDATE devices SET (key_ct, key_nonce) = (SELECT key_ct, key_nonce FROM devices WHERE id2 = '%s') "
             "WHERE id2 = '%s'",
             a.id2, b.id2);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    id2v_key_t k;
    id2_device_t r;
    assert_int_equal(id2_registry_find_id2(f->reg, a.id2, &r, &k, f->err, sizeof f->err), ID2V_OK);
    assert_int_equal(id2_registry_find_id2(f->reg, b.id2, &r, &k, f->err, sizeof f->err), ID2V_ERR_STORAGE);
    assert_non_null(strstr(f->err, "does not decrypt"));
    assert_int_equal(k.key_len, 0);
    /* the record without the key is still readable */
    assert_int_equal(id2_registry_find_id2(f->reg, b.id2, &r, NULL, f->err, sizeof f->err), ID2V_OK);
}

static void test_replay(void **state)
{
    fx_t *f = *state;
    const char *id2 = "00112233445566778899AABB";
    const int64_t t = 1593072000;
    assert_int_equal(
        id2_registry_replay_record(f->reg, id2, "ABABABABABABABAB", "1593072000000", t, 600, f->err, sizeof f->err),
        ID2V_OK);
    assert_int_equal(
        id2_registry_replay_record(f->reg, id2, "ABABABABABABABAB", "1593072000000", t + 1, 600, f->err, sizeof f->err),
        ID2V_ERR_REPLAY);
    assert_non_null(strstr(f->err, "ABABABABABABABAB"));
    /* any other member of the triple is a new entry */
    assert_int_equal(
        id2_registry_replay_record(f->reg, id2, "ABABABABABABABAC", "1593072000000", t, 600, f->err, sizeof f->err),
        ID2V_OK);
    assert_int_equal(
        id2_registry_replay_record(f->reg, id2, "ABABABABABABABAB", "1593072000001", t, 600, f->err, sizeof f->err),
        ID2V_OK);
    assert_int_equal(id2_registry_replay_record(f->reg, "00112233445566778899AABC", "ABABABABABABABAB", "1593072000000",
                                                t, 600, f->err, sizeof f->err),
                     ID2V_OK);
    /* a second handle (as a second process would have) sees the entry */
    id2_registry_t *r2 = NULL;
    assert_int_equal(id2_registry_open(f->db, f->key, 0, &r2, f->err, sizeof f->err), ID2V_OK);
    assert_int_equal(
        id2_registry_replay_record(r2, id2, "ABABABABABABABAB", "1593072000000", t + 2, 600, f->err, sizeof f->err),
        ID2V_ERR_REPLAY);
    assert_int_equal(
        id2_registry_replay_record(r2, id2, "1111111111111111", "1593072000000", t + 2, 600, f->err, sizeof f->err),
        ID2V_OK);
    assert_int_equal(
        id2_registry_replay_record(f->reg, id2, "1111111111111111", "1593072000000", t + 2, 600, f->err, sizeof f->err),
        ID2V_ERR_REPLAY);
    id2_registry_close(r2);
    /* entries older than keep_s are purged */
    assert_int_equal(
        id2_registry_replay_record(f->reg, id2, "2222222222222222", "x", t + 601, 600, f->err, sizeof f->err), ID2V_OK);
    assert_int_equal(id2_registry_replay_record(f->reg, id2, "ABABABABABABABAB", "1593072000000", t + 601, 600, f->err,
                                                sizeof f->err),
                     ID2V_OK);
    assert_int_equal(id2_registry_replay_record(f->reg, id2, "", "x", t, 600, f->err, sizeof f->err),
                     ID2V_ERR_BAD_PARAM);
    assert_int_equal(id2_registry_replay_record(f->reg, id2, "ABABABABABABABABA", "x", t, 600, f->err, sizeof f->err),
                     ID2V_ERR_FORMAT);
}

/* Two processes record the same 300 triples at once: each is accepted exactly once. */
static void test_replay_two_processes(void **state)
{
    fx_t *f = *state;
    enum { N = 300 };
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    int mine = 0;
    id2_registry_t *r = NULL;
    char err[ID2REG_ERR_LEN];
    if (pid == 0) {
        close(fds[0]);
        int ok = 0;
        if (id2_registry_open(f->db, f->key, 0, &r, err, sizeof err) == ID2V_OK) {
            for (int i = 0; i < N; i++) {
                char dr[17];
                snprintf(dr, sizeof dr, "%016X", (unsigned)i);
                if (id2_registry_replay_record(r, "00112233445566778899AABB", dr, "C", 1000, 600, err, sizeof err) ==
                    ID2V_OK)
                    ok++;
            }
            id2_registry_close(r);
        } else {
            ok = -1;
        }
        if (write(fds[1], &ok, sizeof ok) != (ssize_t)sizeof ok)
            _exit(2);
        _exit(0);
    }
    close(fds[1]);
    assert_int_equal(id2_registry_open(f->db, f->key, 0, &r, err, sizeof err), ID2V_OK);
    int errors = 0;
    for (int i = 0; i < N; i++) {
        char dr[17];
        snprintf(dr, sizeof dr, "%016X", (unsigned)i);
        int rc = id2_registry_replay_record(r, "00112233445566778899AABB", dr, "C", 1000, 600, err, sizeof err);
        if (rc == ID2V_OK)
            mine++;
        else if (rc != ID2V_ERR_REPLAY)
            errors++;
    }
    id2_registry_close(r);
    int theirs = -2, status = 0;
    assert_int_equal(read(fds[0], &theirs, sizeof theirs), (ssize_t)sizeof theirs);
    close(fds[0]);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_int_equal(status, 0);
    assert_int_equal(errors, 0);
    assert_true(theirs >= 0);
    assert_int_equal(mine + theirs, N);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_files_0600, setup, teardown),
        cmocka_unit_test_setup_teardown(test_issue_find, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import, setup, teardown),
        cmocka_unit_test_setup_teardown(test_revoke, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_and_unique_1000, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keys_not_in_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_master_key_checks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_row_binding, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replay, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replay_two_processes, setup, teardown),
    };
    return cmocka_run_group_tests_name("cloud_registry", tests, NULL, NULL);
}
