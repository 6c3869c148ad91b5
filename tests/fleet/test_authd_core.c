/*
 * test_authd_core.c - id2-authd's decisions without HTTP or a broker (cloud/authd/authd_core.c):
 * operator file (format, permissions, PBKDF2 check), log-in of ID2 devices with timestamp codes
 * (accepted, replayed, forged, stale, revoked, unknown, another device's client id), vhost,
 * resource and topic rules over RabbitMQ routing keys, reason classes.
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

#include <sys/stat.h>
#include <time.h>

#include "authd_core.h"
#include "cloud_testutil.h"

typedef struct {
    char dir[512];
    char db[600], key[600], ops[600];
    id2_registry_t *reg;
    authd_operators_t *opsp;
    authd_config_t cfg;
    id2v_key_t k;
    char err[ID2REG_ERR_LEN];
} fx_t;

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int setup(void **state)
{
    fx_t *f = calloc(1, sizeof *f);
    if (f == NULL)
        return -1;
    snprintf(f->dir, sizeof f->dir, "%s", ct_tmpdir("authd"));
    snprintf(f->db, sizeof f->db, "%s/reg.db", f->dir);
    snprintf(f->key, sizeof f->key, "%s/master.key", f->dir);
    snprintf(f->ops, sizeof f->ops, "%s/operators", f->dir);
    if (id2_registry_master_create(f->key, f->err, sizeof f->err) != ID2V_OK ||
        id2_registry_open(f->db, f->key, 1, &f->reg, f->err, sizeof f->err) != ID2V_OK ||
        id2_registry_issue(f->reg, "pk", "dev1", ID2V_KEY_AES, NULL, &f->k, f->err, sizeof f->err) != ID2V_OK)
        return -1;
    char line[400];
    if (authd_operator_line("operator", "s3cret pass", line, sizeof line) != 0)
        return -1;
    FILE *o = fopen(f->ops, "w");
    if (o == NULL)
        return -1;
    fprintf(o, "# operators\n%s\n", line);
    fclose(o);
    chmod(f->ops, 0600);
    if ((f->opsp = authd_operators_load(f->ops, f->err, sizeof f->err)) == NULL)
        return -1;
    f->cfg.core.reg = f->reg;
    f->cfg.core.window_s = 300;
    f->cfg.core.modes = ID2M_MODE_TS | ID2M_MODE_SECRET;
    f->cfg.ops = f->opsp;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    authd_operators_free(f->opsp);
    id2_registry_close(f->reg);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

/* Client id and code of dev1 for timestamp ts (ms) and device random dr. */
static void creds(const fx_t *f, uint64_t ts, const char *dr, char *cid, size_t cid_size, char *code)
{
    char t[32];
    snprintf(t, sizeof t, "%llu", (unsigned long long)ts);
    assert_int_equal(id2v_format_client_id("pk", "dev1", 2, t, NULL, NULL, "id2", NULL, cid, cid_size), ID2V_OK);
    assert_int_equal(ct_device_code(&f->k, 3, dr, t, cid, code), 0);
}

static void test_operators(void **state)
{
    fx_t *f = *state;
    assert_true(authd_operator_known(f->opsp, "operator"));
    assert_false(authd_operator_known(f->opsp, "nobody"));
    assert_true(authd_operator_check(f->opsp, "operator", "s3cret pass"));
    assert_false(authd_operator_check(f->opsp, "operator", "s3cret pasS"));
    assert_false(authd_operator_check(f->opsp, "operator", NULL));
    /* the file holds no password */
    assert_false(ct_file_contains(f->ops, (const uint8_t *)"s3cret", 6));
    /* group-readable refused; malformed refused with its line */
    chmod(f->ops, 0640);
    assert_null(authd_operators_load(f->ops, f->err, sizeof f->err));
    assert_non_null(strstr(f->err, "chmod 600"));
    FILE *o = fopen(f->ops, "w");
    assert_non_null(o);
    fprintf(o, "operator:zz:20000:00\n");
    fclose(o);
    chmod(f->ops, 0600);
    assert_null(authd_operators_load(f->ops, f->err, sizeof f->err));
    assert_non_null(strstr(f->err, ":1: expected"));
    char line[400];
    assert_int_equal(authd_operator_line("bad name", "x", line, sizeof line), -1);
    assert_int_equal(authd_operator_line("ok", "", line, sizeof line), -1);
}

static void test_user(void **state)
{
    fx_t *f = *state;
    authd_verdict_t v;
    char cid[300], code[300];
    uint64_t now = now_ms();
    creds(f, now, "0123456789ABCDEF", cid, sizeof cid, code);
    authd_user(&f->cfg, "dev1&pk", code, cid, now, &v);
    assert_int_equal(v.allow, 1);
    assert_int_equal(v.device, 1);
    assert_string_equal(v.dn, "dev1");
    /* replay */
    authd_user(&f->cfg, "dev1&pk", code, cid, now, &v);
    assert_int_equal(v.allow, 0);
    assert_int_equal(v.why, AUTHD_R_REPLAY);
    /* forged */
    creds(f, now, "1123456789ABCDEF", cid, sizeof cid, code);
    /* another valid base64 digit in the middle of the signature: a flipped
     * low bit could make a non-base64 character or touch only padding bits */
    char *sig = strrchr(code, '~') + 1;
    sig[10] = sig[10] == 'A' ? 'B' : 'A';
    authd_user(&f->cfg, "dev1&pk", code, cid, now, &v);
    assert_int_equal(v.allow, 0);
    assert_int_equal(v.why, AUTHD_R_SIGNATURE);
    /* stale */
    creds(f, now - 3600u * 1000u, "2123456789ABCDEF", cid, sizeof cid, code);
    authd_user(&f->cfg, "dev1&pk", code, cid, now, &v);
    assert_int_equal(v.why, AUTHD_R_STALE);
    /* the client id of another device */
    creds(f, now, "3123456789ABCDEF", cid, sizeof cid, code);
    authd_user(&f->cfg, "dev2&pk", code, cid, now, &v);
    assert_int_equal(v.why, AUTHD_R_UNKNOWN);
    /* unknown / malformed user, operator */
    authd_user(&f->cfg, "someone", "x", NULL, now, &v);
    assert_int_equal(v.allow, 0);
    assert_int_equal(v.why, AUTHD_R_UNKNOWN);
    authd_user(&f->cfg, "operator", "s3cret pass", NULL, now, &v);
    assert_int_equal(v.allow, 1);
    assert_int_equal(v.is_operator, 1);
    authd_user(&f->cfg, "operator", "wrong", NULL, now, &v);
    assert_int_equal(v.allow, 0);
    /* revoked */
    assert_int_equal(id2_registry_revoke_name(f->reg, "pk", "dev1", f->err, sizeof f->err), ID2V_OK);
    creds(f, now, "4123456789ABCDEF", cid, sizeof cid, code);
    authd_user(&f->cfg, "dev1&pk", code, cid, now, &v);
    assert_int_equal(v.why, AUTHD_R_REVOKED);
    assert_string_equal(authd_reason_name(v.why), "revoked");
}

static void test_rules(void **state)
{
    fx_t *f = *state;
    authd_verdict_t v;
    const char *cid = "pk.dev1|securemode=2,timestamp=1,authtype=id2|";
    authd_topic(&f->cfg, "dev1&pk", "/", ".pk.dev1.data", "write", cid, &v);
    assert_int_equal(v.allow, 1);
    authd_topic(&f->cfg, "dev1&pk", "/", ".sys.pk.dev1.thing.status.update", "write", cid, &v);
    assert_int_equal(v.allow, 1);
    authd_topic(&f->cfg, "dev1&pk", "/", ".pk.dev1.*", "read", cid, &v);
    assert_int_equal(v.allow, 1);
    authd_topic(&f->cfg, "dev1&pk", "/", ".pk.dev2.data", "write", cid, &v);
    assert_int_equal(v.allow, 0);
    assert_int_equal(v.why, AUTHD_R_TOPIC);
    authd_topic(&f->cfg, "dev1&pk", "/", "#", "read", cid, &v);
    assert_int_equal(v.allow, 0);
    authd_topic(&f->cfg, "dev1&pk", "/", ".pk.*.data", "read", cid, &v);
    assert_int_equal(v.allow, 0);
    /* the client id must name the user's device */
    authd_topic(&f->cfg, "dev1&pk", "/", ".pk.dev1.data", "write", "pk.dev2|securemode=2,authtype=id2|", &v);
    assert_int_equal(v.why, AUTHD_R_NAME);
    authd_topic(&f->cfg, "dev1&pk", "/other", ".pk.dev1.data", "write", cid, &v);
    assert_int_equal(v.why, AUTHD_R_RESOURCE);
    authd_topic(&f->cfg, "operator", "/", "#", "read", NULL, &v);
    assert_int_equal(v.allow, 1);
    /* routing keys that no MQTT topic gives */
    char t[64];
    assert_int_equal(authd_topic_of_key(".a.b", t, sizeof t), 1);
    assert_string_equal(t, "/a/b");
    assert_int_equal(authd_topic_of_key("a/b", t, sizeof t), 0);
    assert_int_equal(authd_topic_of_key("", t, sizeof t), 0);
    /* vhost and resources */
    authd_vhost(&f->cfg, "dev1&pk", "/", &v);
    assert_int_equal(v.allow, 1);
    authd_vhost(&f->cfg, "dev1&pk", "prod", &v);
    assert_int_equal(v.allow, 0);
    authd_resource(&f->cfg, "dev1&pk", "/", "exchange", "amq.topic", "write", &v);
    assert_int_equal(v.allow, 1);
    authd_resource(&f->cfg, "dev1&pk", "/", "exchange", "amq.topic", "configure", &v);
    assert_int_equal(v.allow, 0);
    authd_resource(&f->cfg, "dev1&pk", "/", "exchange", "amq.direct", "write", &v);
    assert_int_equal(v.allow, 0);
    authd_resource(&f->cfg, "dev1&pk", "/", "queue", "mqtt-subscription-xqos1", "configure", &v);
    assert_int_equal(v.allow, 1);
    authd_resource(&f->cfg, "dev1&pk", "/", "queue", "other", "read", &v);
    assert_int_equal(v.allow, 0);
    assert_int_equal(v.why, AUTHD_R_RESOURCE);
    authd_resource(&f->cfg, "nobody here", "/", "queue", "x", "read", &v);
    assert_int_equal(v.why, AUTHD_R_UNKNOWN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_operators, setup, teardown),
        cmocka_unit_test_setup_teardown(test_user, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rules, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
