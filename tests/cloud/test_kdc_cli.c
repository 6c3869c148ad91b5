/*
 * test_kdc_cli.c - the id2-kdc tool run as a process: every subcommand's happy path, the files
 * issue writes (and their modes), auth codes of issued and imported devices verified, and every
 * bad-input path (one line on stderr, nothing on stdout, the documented exit status). An AES key
 * file and an RSA key file written by issue are fed to trustm-protupd (key payload for E200 /
 * E0FC) with a signing key made at test time.
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

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mbedtls/pk.h>

#include "cloud_testutil.h"
#include "id2v/id2v.h"

#ifndef KDC_BIN
#error "KDC_BIN must name the id2-kdc binary"
#endif
#ifndef PROTUPD_BIN
#define PROTUPD_BIN ""
#endif

#define MAX_ARGS 40

typedef struct {
    int rc;
    char *out;
    char *err;
} res_t;

static char g_dir[512], g_db[600], g_key[600], g_out[600];

static void res_free(res_t *r)
{
    free(r->out);
    free(r->err);
}

/* Run bin with the NULL-terminated argument list; stdout / stderr captured. */
static res_t run_argv(const char *bin, const char *const *args)
{
    char po[700], pe[700];
    snprintf(po, sizeof po, "%s/stdout.txt", g_dir);
    snprintf(pe, sizeof pe, "%s/stderr.txt", g_dir);
    const char *argv[MAX_ARGS + 2];
    int n = 0;
    argv[n++] = bin;
    for (; args[n - 1] != NULL && n < MAX_ARGS; n++)
        argv[n] = args[n - 1];
    argv[n] = NULL;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int o = open(po, O_WRONLY | O_CREAT | O_TRUNC, 0600), e = open(pe, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
            _exit(99);
        execv(bin, (char *const *)argv);
        _exit(98);
    }
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    res_t r;
    r.rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
    r.out = ct_read(po, NULL);
    r.err = ct_read(pe, NULL);
    assert_non_null(r.out);
    assert_non_null(r.err);
    return r;
}

static res_t kdc(const char *first, ...)
{
    const char *args[MAX_ARGS + 1];
    int n = 0;
    va_list ap;
    va_start(ap, first);
    for (const char *a = first; a != NULL && n < MAX_ARGS; a = va_arg(ap, const char *))
        args[n++] = a;
    va_end(ap);
    args[n] = NULL;
    return run_argv(KDC_BIN, args);
}

/* Expect success; returns stdout (caller frees). */
static char *ok(res_t r)
{
    if (r.rc != 0)
        fail_msg("exit %d, stderr: %s", r.rc, r.err);
    free(r.err);
    return r.out;
}

/* Expect failure with `code`: nothing on stdout, exactly one line on stderr containing `what`. */
static void refused(res_t r, int code, const char *what)
{
    if (r.rc != code)
        fail_msg("exit %d (want %d), stdout: %s stderr: %s", r.rc, code, r.out, r.err);
    assert_string_equal(r.out, "");
    size_t n = strlen(r.err);
    assert_true(n > 1);
    assert_int_equal(r.err[n - 1], '\n');
    assert_ptr_equal(strchr(r.err, '\n'), r.err + n - 1);
    if (what != NULL && strstr(r.err, what) == NULL)
        fail_msg("stderr lacks '%s': %s", what, r.err);
    res_free(&r);
}

static unsigned mode_of(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        fail_msg("missing %s", path);
    return (unsigned)(st.st_mode & 0777);
}

static char *dev_file(const char *dn, const char *name)
{
    static char p[1024];
    snprintf(p, sizeof p, "%s/%s/%s", g_out, dn, name);
    return p;
}

/* Load an issued AES device's key from its files. */
static void key_from_files(const char *dn, id2v_key_t *k)
{
    memset(k, 0, sizeof *k);
    char *id = ct_read(dev_file(dn, "device_id.txt"), NULL);
    char *hex = ct_read(dev_file(dn, "aes_key.txt"), NULL);
    assert_non_null(id);
    assert_non_null(hex);
    assert_int_equal(strlen(id), 25);
    assert_int_equal(strlen(hex), 33);
    memcpy(k->id2, id, 24);
    k->type = ID2V_KEY_AES;
    k->key_len = 16;
    for (int i = 0; i < 16; i++) {
        unsigned v;
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
        k->key[i] = (uint8_t)v;
    }
    free(id);
    free(hex);
}

static int setup(void **state)
{
    (void)state;
    const char *d = ct_tmpdir("kdc");
    if (d == NULL)
        return -1;
    snprintf(g_dir, sizeof g_dir, "%s", d);
    snprintf(g_db, sizeof g_db, "%s/reg.db", g_dir);
    snprintf(g_key, sizeof g_key, "%s/master.key", g_dir);
    snprintf(g_out, sizeof g_out, "%s/out", g_dir);
    umask(022);
    if (mkdir(g_out, 0755) != 0)
        return -1;
    setenv("ID2_REGISTRY", g_db, 1);
    setenv("ID2_MASTER_KEY", g_key, 1);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* ------------------------------------------------------------------ tests (in order) */

static void test_help_and_usage(void **state)
{
    (void)state;
    char *o = ok(kdc("--help", NULL));
    assert_non_null(strstr(o, "Usage: id2-kdc"));
    assert_non_null(strstr(o, "Exit status"));
    free(o);
    o = ok(kdc("--version", NULL));
    assert_non_null(strstr(o, "id2-kdc "));
    free(o);
    const char *cmds[] = {"init", "issue", "list", "show", "revoke", "export", "import", "verify"};
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        o = ok(kdc(cmds[i], "--help", NULL));
        assert_non_null(strstr(o, "Usage: id2-kdc"));
        assert_non_null(strstr(o, cmds[i]));
        free(o);
    }
    refused(kdc(NULL), 2, "no command");
    refused(kdc("frobnicate", NULL), 2, "unknown command");
    refused(kdc("--bogus", "list", NULL), 2, "unknown option");
    refused(kdc("--registry", NULL), 2, "--registry");
    /* before init: the registry is missing */
    refused(kdc("list", NULL), 3, "master.key");
    refused(kdc("--master-key", "/dev/null", "list", NULL), 3, "/dev/null");
    refused(kdc("--registry", "", "list", NULL), 2, "no registry");
}

static void test_init(void **state)
{
    (void)state;
    char *o = ok(kdc("init", NULL));
    assert_non_null(strstr(o, "created"));
    free(o);
    assert_int_equal(mode_of(g_db), 0600);
    assert_int_equal(mode_of(g_key), 0600);
    o = ok(kdc("init", NULL)); /* again: opens, creates nothing */
    assert_null(strstr(o, "created"));
    free(o);
    refused(kdc("init", "extra", NULL), 2, "unexpected argument");
    /* another master key does not open this registry */
    char other[700], odb[700];
    snprintf(other, sizeof other, "%s/other.key", g_dir);
    snprintf(odb, sizeof odb, "%s/other.db", g_dir);
    free(ok(kdc("--registry", odb, "--master-key", other, "init", NULL)));
    refused(kdc("--master-key", other, "list", NULL), 3, "wrong master key");
}

static void test_issue(void **state)
{
    (void)state;
    char *o = ok(kdc("issue", "--product", "a1FCMDh4ypx", "--name", "IFXDeviceMqttTest", "--out-dir", g_out, NULL));
    assert_non_null(strstr(o, "a1FCMDh4ypx/IFXDeviceMqttTest aes active"));
    free(o);
    assert_int_equal(mode_of(dev_file("IFXDeviceMqttTest", "aes_key.txt")), 0600);
    assert_int_equal(mode_of(dev_file("IFXDeviceMqttTest", "device_id.txt")), 0644);
    char *j = ct_read(dev_file("IFXDeviceMqttTest", "device.json"), NULL);
    assert_non_null(j);
    assert_non_null(strstr(j, "\"pk\":\"a1FCMDh4ypx\",\"dn\":\"IFXDeviceMqttTest\""));
    assert_non_null(strstr(j, "\"type\":\"aes\""));
    free(j);
    char *env = ct_read(dev_file("IFXDeviceMqttTest", "device.env"), NULL);
    assert_non_null(env);
    assert_non_null(strstr(env, "PK=a1FCMDh4ypx\nDN=IFXDeviceMqttTest\nID2="));
    free(env);
    id2v_key_t k;
    key_from_files("IFXDeviceMqttTest", &k);
    assert_true(id2v_valid_id2(k.id2));

    /* RSA: PEM private key 0600 (RSA-1024), public key */
    o = ok(kdc("issue", "--product", "p1", "--type", "rsa", "--name", "rsa1", "--out-dir", g_out, NULL));
    free(o);
    assert_int_equal(mode_of(dev_file("rsa1", "rsa_key.pem")), 0600);
    mbedtls_pk_context pk;
    mbedtls_pk_init(&pk);
    assert_int_equal(mbedtls_pk_parse_keyfile(&pk, dev_file("rsa1", "rsa_key.pem"), NULL), 0);
    assert_int_equal(mbedtls_pk_get_bitlen(&pk), 1024);
    mbedtls_pk_free(&pk);
    mbedtls_pk_init(&pk);
    assert_int_equal(mbedtls_pk_parse_public_keyfile(&pk, dev_file("rsa1", "rsa_pub.pem")), 0);
    mbedtls_pk_free(&pk);

    /* secret devices, several at once, JSON */
    o = ok(kdc("issue", "--product", "p1", "--type", "secret", "--count", "2", "--out-dir", g_out, "--json", NULL));
    assert_int_equal(o[0], '[');
    assert_non_null(strstr(o, "\"dn\":\"dev-3\""));
    assert_non_null(strstr(o, "\"dn\":\"dev-4\""));
    free(o);
    assert_int_equal(mode_of(dev_file("dev-3", "device_secret.txt")), 0600);
    char *s = ct_read(dev_file("dev-3", "device_secret.txt"), NULL);
    assert_non_null(s);
    assert_int_equal(strlen(s), 33);
    free(s);
    assert_int_not_equal(access(dev_file("dev-3", "device_id.txt"), F_OK), 0);

    /* without --out-dir: registry only */
    o = ok(kdc("issue", "--product", "p2", "--count", "3", NULL));
    int lines = 0;
    for (char *p = o; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 3);
    free(o);

    /* bad input */
    refused(kdc("issue", NULL), 2, "--product");
    refused(kdc("issue", "--product", "p1", "--type", "des", NULL), 2, "--type");
    refused(kdc("issue", "--product", "p.1", NULL), 2, "--product");
    refused(kdc("issue", "--product", "p1", "--name", "a&b", NULL), 2, "--name");
    refused(kdc("issue", "--product", "p1", "--name", "x", "--count", "2", NULL), 2, "--count 1");
    refused(kdc("issue", "--product", "p1", "--count", "0", NULL), 2, "--count");
    refused(kdc("issue", "--product", "p1", "--count", "2x", NULL), 2, "--count");
    refused(kdc("issue", "--product", "p1", "--frob", NULL), 2, "unknown option");
    refused(kdc("issue", "--product", "a1FCMDh4ypx", "--name", "IFXDeviceMqttTest", NULL), 1, "already exists");
    refused(kdc("issue", "--product", "p1", "--out-dir", dev_file("dev-3", "device_secret.txt"), NULL), 3,
            "not a directory");
    /* the device directory exists already: nothing is issued, nothing half-written */
    refused(kdc("issue", "--product", "p9", "--name", "rsa1", "--out-dir", g_out, NULL), 3, "already exists");
    refused(kdc("show", "p9/rsa1", NULL), 1, "unknown device");
    refused(kdc("--registry", "/nonexistent/dir/reg.db", "issue", "--product", "p1", NULL), 3, "reg.db");
}

static void test_list_show_revoke_export(void **state)
{
    (void)state;
    char *o = ok(kdc("list", NULL));
    int lines = 0;
    for (char *p = o; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 7); /* IFXDeviceMqttTest, rsa1, dev-3, dev-4, 3 of p2 */
    assert_non_null(strstr(o, "a1FCMDh4ypx/IFXDeviceMqttTest aes active"));
    assert_non_null(strstr(o, "- p1/dev-3 secret active"));
    free(o);
    o = ok(kdc("list", "--json", NULL));
    assert_int_equal(o[0], '[');
    assert_non_null(strstr(o, "\"type\":\"rsa\""));
    free(o);
    refused(kdc("list", "--xml", NULL), 2, "unknown option");

    id2v_key_t k;
    key_from_files("IFXDeviceMqttTest", &k);
    o = ok(kdc("show", k.id2, NULL));
    assert_non_null(strstr(o, "pk: a1FCMDh4ypx\ndn: IFXDeviceMqttTest\ntype: aes\n"));
    assert_non_null(strstr(o, "revoked: no"));
    free(o);
    o = ok(kdc("show", "a1FCMDh4ypx/IFXDeviceMqttTest", "--json", NULL));
    assert_non_null(strstr(o, k.id2));
    assert_non_null(strstr(o, "\"revoked\":false"));
    free(o);
    refused(kdc("show", "FFFFFFFFFFFFFFFFFFFFFFFF", NULL), 1, "unknown device");
    refused(kdc("show", "nothex", NULL), 2, "expected an ID2");
    refused(kdc("show", NULL), 2, "which device");
    refused(kdc("show", "a/b", "c", NULL), 2, "unexpected argument");

    /* export writes the same key again */
    char exp[700];
    snprintf(exp, sizeof exp, "%s/export", g_dir);
    assert_int_equal(mkdir(exp, 0700), 0);
    char *dir = ok(kdc("export", k.id2, "--out-dir", exp, NULL));
    free(dir);
    char p1[1024];
    snprintf(p1, sizeof p1, "%s/IFXDeviceMqttTest/aes_key.txt", exp);
    char *a = ct_read(p1, NULL), *b = ct_read(dev_file("IFXDeviceMqttTest", "aes_key.txt"), NULL);
    assert_non_null(a);
    assert_non_null(b);
    assert_string_equal(a, b);
    free(a);
    free(b);
    assert_int_equal(mode_of(p1), 0600);
    refused(kdc("export", k.id2, "--out-dir", exp, NULL), 3, "already exists");
    refused(kdc("export", k.id2, NULL), 2, "--out-dir");

    /* revoke */
    o = ok(kdc("revoke", "p1/rsa1", NULL));
    assert_non_null(strstr(o, "revoked p1/rsa1"));
    free(o);
    o = ok(kdc("revoke", "p1/rsa1", NULL));
    assert_non_null(strstr(o, "already revoked"));
    free(o);
    o = ok(kdc("show", "p1/rsa1", NULL));
    assert_null(strstr(o, "revoked: no"));
    free(o);
    free(ok(kdc("revoke", "p1/dev-4", NULL)));
    refused(kdc("revoke", "p1/none", NULL), 1, "unknown device");
    refused(kdc("revoke", NULL), 2, "which device");
}

static void test_verify(void **state)
{
    (void)state;
    id2v_key_t k;
    key_from_files("IFXDeviceMqttTest", &k);
    const char *dr = "0123456789ABCDEF", *chal = "55B83408399FA660F05C82E4F25333DC";
    const char *cid = "a1FCMDh4ypx.IFXDeviceMqttTest|securemode=2,timestamp=1593072000000,signmethod=hmacsha256,"
                      "gw=0,ext=0,authtype=id2|";
    char c0[ID2V_AUTH_CODE_MAX], c2[ID2V_AUTH_CODE_MAX], c3[ID2V_AUTH_CODE_MAX];
    assert_int_equal(ct_device_code(&k, 0, dr, chal, NULL, c0), 0);
    assert_int_equal(ct_device_code(&k, 2, dr, chal, cid, c2), 0);
    assert_int_equal(ct_device_code(&k, 3, dr, "1593072000000", cid, c3), 0);

    char *o = ok(kdc("verify", c0, "--id2", k.id2, "--challenge", chal, NULL));
    assert_non_null(strstr(o, "valid: type 0, device random 0123456789ABCDEF"));
    free(o);
    o = ok(kdc("verify", c2, "--name", "a1FCMDh4ypx/IFXDeviceMqttTest", "--challenge", chal, "--extra", cid, NULL));
    assert_non_null(strstr(o, "valid: type 2"));
    free(o);
    o = ok(kdc("verify", c3, "--id2", k.id2, "--extra", cid, "--now", "1593072299000", NULL));
    assert_non_null(strstr(o, "valid: type 3"));
    assert_non_null(strstr(o, "timestamp 1593072000000"));
    free(o);
    refused(kdc("verify", c3, "--id2", k.id2, "--extra", cid, "--now", "1593072301000", NULL), 1, "window");
    refused(kdc("verify", c3, "--id2", k.id2, "--extra", cid, "--now", "1593071699000", NULL), 1, "window");
    o = ok(kdc("verify", c3, "--id2", k.id2, "--extra", cid, "--now", "1593072301000", "--window", "301", NULL));
    free(o);
    refused(kdc("verify", c3, "--id2", k.id2, "--extra", cid, NULL), 1, "window"); /* the real clock: 2020 is stale */
    refused(kdc("verify", c0, "--id2", k.id2, "--challenge", "55B83408399FA660F05C82E4F25333DD", NULL), 1, "challenge");
    refused(kdc("verify", c2, "--id2", k.id2, "--challenge", chal, "--extra", "other", NULL), 1, "signature");
    c0[60] = c0[60] == 'A' ? 'B' : 'A';
    refused(kdc("verify", c0, "--id2", k.id2, NULL), 1, "refused");
    refused(kdc("verify", "0~2~nonsense", "--id2", k.id2, NULL), 1, "malformed");
    refused(kdc("verify", c2, "--id2", k.id2, NULL), 2, "--extra");
    refused(kdc("verify", c2, NULL), 2, "--id2");
    refused(kdc("verify", c2, "--id2", k.id2, "--name", "a/b", "--extra", cid, NULL), 2, "exactly one");
    refused(kdc("verify", "--id2", k.id2, NULL), 2, "auth code");
    refused(kdc("verify", c3, "--id2", k.id2, "--extra", cid, "--now", "soon", NULL), 2, "--now");
    refused(kdc("verify", c3, "--id2", "FFFFFFFFFFFFFFFFFFFFFFFF", "--extra", cid, NULL), 1, "unknown device");
    /* a revoked device and a secret device */
    char rc0[ID2V_AUTH_CODE_MAX];
    assert_int_equal(ct_device_code(&k, 0, dr, chal, NULL, rc0), 0);
    refused(kdc("verify", rc0, "--name", "p1/rsa1", NULL), 1, "revoked");
    refused(kdc("verify", rc0, "--name", "p1/dev-3", NULL), 1, "secret device");
}

/* The worked device of id2.md §10 imported, then its published codes verified. */
static void test_import_spec_device(void **state)
{
    (void)state;
    char kf[700], sf[700];
    snprintf(kf, sizeof kf, "%s/spec_aes.txt", g_dir);
    snprintf(sf, sizeof sf, "%s/secret.txt", g_dir);
    FILE *f = fopen(kf, "w");
    assert_non_null(f);
    fputs("00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F\n", f);
    fclose(f);
    f = fopen(sf, "w");
    assert_non_null(f);
    fputs("t9GmMf2jb3LgWfXBaZD2r3aJrfVWBv56\n", f);
    fclose(f);
    free(ok(kdc("import", "--product", "spec", "--name", "dev10", "--id2", "00112233445566778899AABB", "--aes-key", kf,
                NULL)));
    char *o = ok(kdc("verify",
                     "0~2~ABABABABABABABAB~55B83408399FA660F05C82E4F25333DC~"
                     "kFNcIOvYr7dVTGUCrnierlSHczCfoQUZlWZ1umFRqimVT2Ty5Ohunu6C0gIWaEiZ",
                     "--id2", "00112233445566778899AABB", "--challenge", "55B83408399FA660F05C82E4F25333DC", NULL));
    assert_non_null(strstr(o, "valid: type 0, device random ABABABABABABABAB"));
    free(o);
    o = ok(kdc("verify",
               "2~2~ABABABABABABABAB~55B83408399FA660F05C82E4F25333DC~/+WkHmSPter0YRBRAyxFSRMED//"
               "w617I6dJUJpGvIKOVT2Ty5Ohunu6C0gIWaEiZ",
               "--name", "spec/dev10", "--challenge", "55B83408399FA660F05C82E4F25333DC", "--extra", "a1B2c3D4e5F",
               NULL));
    free(o);
    refused(kdc("import", "--product", "spec", "--name", "again", "--id2", "00112233445566778899AABB", "--aes-key", kf,
                NULL),
            1, "already exists");
    refused(kdc("import", "--product", "spec", "--id2", "00112233445566778899AABC", "--aes-key", sf, NULL), 3,
            "32 hex digits");
    refused(kdc("import", "--product", "spec", "--id2", "00112233445566778899AABC", NULL), 2, "exactly one");
    refused(kdc("import", "--product", "spec", "--aes-key", kf, NULL), 2, "--id2");
    refused(kdc("import", "--product", "spec", "--secret", sf, NULL), 2, "--name");
    free(ok(kdc("import", "--product", "a1MZxOdcBnO", "--name", "test_01", "--secret", sf, NULL)));
    o = ok(kdc("show", "a1MZxOdcBnO/test_01", NULL));
    assert_non_null(strstr(o, "type: secret"));
    free(o);
}

/* trustm-protupd accepts the key files issue writes. */
static void test_protupd_accepts_key_files(void **state)
{
    (void)state;
    if (PROTUPD_BIN[0] == '\0' || access(PROTUPD_BIN, X_OK) != 0) {
        print_message("SKIP: trustm-protupd not built\n");
        skip();
    }
    /* a signing key made here */
    char signer[700], priv[800], kd[1100], mdir[700], outd[800];
    snprintf(signer, sizeof signer, "%s/signer.pem", g_dir);
    assert_int_equal(ct_rsa_pem_file(signer), 0);
    snprintf(priv, sizeof priv, "priv_key=%s", signer);
    snprintf(mdir, sizeof mdir, "%s/ds", g_dir);
    assert_int_equal(mkdir(mdir, 0700), 0);
    snprintf(outd, sizeof outd, "--out-dir=%s", mdir);

    snprintf(kd, sizeof kd, "key_data=%s", dev_file("IFXDeviceMqttTest", "aes_key.txt"));
    const char *aes_args[] = {"payload_version=1",
                              "trust_anchor_oid=E0E3",
                              "target_oid=E200",
                              "sign_algo=RSA-SSA-PKCS1-V1_5-SHA-256",
                              priv,
                              "payload_type=key",
                              "key_algo=129",
                              "key_usage=02",
                              kd,
                              outd,
                              "--format",
                              "none",
                              NULL};
    res_t r = run_argv(PROTUPD_BIN, aes_args);
    if (r.rc != 0)
        fail_msg("trustm-protupd refused aes_key.txt: exit %d: %s", r.rc, r.err);
    res_free(&r);
    char frag[800];
    snprintf(frag, sizeof frag, "%s/fragment_01.bin", mdir);
    assert_int_equal(access(frag, F_OK), 0);

    snprintf(kd, sizeof kd, "key_data=%s", dev_file("rsa1", "rsa_key.pem"));
    snprintf(mdir, sizeof mdir, "%s/ds2", g_dir);
    assert_int_equal(mkdir(mdir, 0700), 0);
    snprintf(outd, sizeof outd, "--out-dir=%s", mdir);
    const char *rsa_args[] = {"payload_version=1",
                              "trust_anchor_oid=E0E3",
                              "target_oid=E0FC",
                              "sign_algo=RSA-SSA-PKCS1-V1_5-SHA-256",
                              priv,
                              "payload_type=key",
                              "key_algo=65",
                              "key_usage=12",
                              kd,
                              outd,
                              "--format",
                              "none",
                              NULL};
    r = run_argv(PROTUPD_BIN, rsa_args);
    if (r.rc != 0)
        fail_msg("trustm-protupd refused rsa_key.pem: exit %d: %s", r.rc, r.err);
    res_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_help_and_usage),
        cmocka_unit_test(test_init),
        cmocka_unit_test(test_issue),
        cmocka_unit_test(test_list_show_revoke_export),
        cmocka_unit_test(test_verify),
        cmocka_unit_test(test_import_spec_device),
        cmocka_unit_test(test_protupd_accepts_key_files),
    };
    return cmocka_run_group_tests_name("cloud_kdc_cli", tests, setup, teardown);
}
