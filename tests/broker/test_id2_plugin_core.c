/*
 * test_id2_plugin_core.c - the decisions of the mosquitto ID2 plugin (id2_mosquitto_core) without
 * a broker: every mode of cloud-mqtt.md section 9, its refusals, and the ACL rule.
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

#include "id2_testdev.h"
#include "id2mosq/id2_mosq_core.h"

typedef struct {
    td_registry_t r;
    td_device_t aes, rsa, other, revoked, secret;
    id2m_config_t cfg;
    id2m_state_t st;
    id2m_result_t res;
} fx_t;

static const uint64_t T0 = 1593072000000ull; /* "now" of these tests, ms */

static int setup(void **state)
{
    fx_t *f = calloc(1, sizeof *f);
    char err[ID2REG_ERR_LEN];
    if (f == NULL || td_registry_create(&f->r) != 0)
        return -1;
    if (td_issue(&f->r, "IFXDeviceMqttTest", ID2V_KEY_AES, &f->aes) != ID2V_OK ||
        td_issue(&f->r, "rsa-dev", ID2V_KEY_RSA, &f->rsa) != ID2V_OK ||
        td_issue(&f->r, "other-dev", ID2V_KEY_AES, &f->other) != ID2V_OK ||
        td_issue(&f->r, "gone-dev", ID2V_KEY_AES, &f->revoked) != ID2V_OK ||
        td_issue(&f->r, "secret-dev", ID2V_KEY_SECRET, &f->secret) != ID2V_OK)
        return -1;
    if (id2_registry_revoke(f->r.reg, f->revoked.dev.id2, err, sizeof err) != ID2V_OK)
        return -1;
    f->cfg.reg = f->r.reg;
    f->cfg.window_s = 300;
    f->cfg.modes = ID2M_MODE_ALL;
    id2m_state_init(&f->st);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    id2m_state_clear(&f->st);
    id2v_key_wipe(&f->aes.key);
    id2v_key_wipe(&f->rsa.key);
    id2v_key_wipe(&f->other.key);
    id2v_key_wipe(&f->revoked.key);
    id2v_key_wipe(&f->secret.key);
    td_registry_destroy(&f->r);
    free(f);
    return 0;
}

/* ts: connect device d with a code made by key k, timestamp ts_ms, for client id `cid_for`. */
static id2m_verdict_t ts_connect(fx_t *f, const td_device_t *d, const id2v_key_t *k, uint64_t ts_ms,
                                 const char *devrand, const char *cid_override, uint64_t now)
{
    char ts[24], cid[256], user[160], code[ID2V_AUTH_CODE_MAX];
    snprintf(ts, sizeof ts, "%llu", (unsigned long long)ts_ms);
    td_client_id(d, ts, cid, sizeof cid);
    td_username(d, user, sizeof user);
    assert_int_equal(td_auth_code(k, d->dev.id2, 3, devrand, ts, cid_override ? cid_override : cid, code, sizeof code),
                     0);
    id2m_verdict_t v = id2m_basic_auth(&f->cfg, &f->st, cid, user, code, strlen(code), now, &f->res);
    if (v == ID2M_DENY)
        print_message("  refused: %s\n", f->res.reason);
    return v;
}

static void test_ts_ok_then_replay(void **state)
{
    fx_t *f = *state;
    assert_int_equal(ts_connect(f, &f->aes, &f->aes.key, T0, "ABABABABABABABAB", NULL, T0), ID2M_ALLOW);
    assert_true(f->st.authenticated);
    assert_string_equal(f->st.dn, "IFXDeviceMqttTest");
    assert_int_equal(ts_connect(f, &f->aes, &f->aes.key, T0, "ABABABABABABABAB", NULL, T0 + 1000), ID2M_DENY);
    assert_non_null(strstr(f->res.reason, "replay"));
    assert_false(f->st.authenticated);
    /* A fresh device random at the same time is a new code. */
    assert_int_equal(ts_connect(f, &f->aes, &f->aes.key, T0, "0123456789ABCDEF", NULL, T0), ID2M_ALLOW);
    /* RSA device too. */
    assert_int_equal(ts_connect(f, &f->rsa, &f->rsa.key, T0, "ABABABABABABABAB", NULL, T0), ID2M_ALLOW);
}

static void test_ts_refusals(void **state)
{
    fx_t *f = *state;
    /* window edges: 300 s accepted, 300.001 s not */
    assert_int_equal(ts_connect(f, &f->aes, &f->aes.key, T0 - 300000, "1111111111111111", NULL, T0), ID2M_ALLOW);
    assert_int_equal(ts_connect(f, &f->aes, &f->aes.key, T0 - 300001, "2222222222222222", NULL, T0), ID2M_DENY);
    assert_int_equal(ts_connect(f, &f->aes, &f->aes.key, T0 + 300001, "2222222222222222", NULL, T0), ID2M_DENY);
    /* another device's key */
    assert_int_equal(ts_connect(f, &f->aes, &f->other.key, T0, "3333333333333333", NULL, T0), ID2M_DENY);
    /* code made for another client id */
    assert_int_equal(ts_connect(f, &f->aes, &f->aes.key, T0, "4444444444444444",
                                "a1FCMDh4ypx.other-dev|securemode=2,timestamp=1593072000000,"
                                "signmethod=hmacsha256,gw=0,ext=0,authtype=id2|",
                                T0),
                     ID2M_DENY);
    /* revoked */
    assert_int_equal(ts_connect(f, &f->revoked, &f->revoked.key, T0, "5555555555555555", NULL, T0), ID2M_DENY);
    assert_non_null(strstr(f->res.reason, "revoked"));

    /* timestamp of the code differs from the client id's */
    char cid[256], user[160], code[ID2V_AUTH_CODE_MAX];
    td_client_id(&f->aes, "1593072000001", cid, sizeof cid);
    td_username(&f->aes, user, sizeof user);
    assert_int_equal(
        td_auth_code(&f->aes.key, f->aes.dev.id2, 3, "6666666666666666", "1593072000000", cid, code, sizeof code), 0);
    assert_int_equal(id2m_basic_auth(&f->cfg, &f->st, cid, user, code, strlen(code), T0, &f->res), ID2M_DENY);
    /* user name of one device, client id of another */
    char user2[160];
    td_username(&f->other, user2, sizeof user2);
    assert_int_equal(id2m_basic_auth(&f->cfg, &f->st, cid, user2, code, strlen(code), T0, &f->res), ID2M_DENY);
    /* no password / garbage password */
    assert_int_equal(id2m_basic_auth(&f->cfg, &f->st, cid, user, NULL, 0, T0, &f->res), ID2M_DENY);
    assert_int_equal(id2m_basic_auth(&f->cfg, &f->st, cid, user, "x~y", 3, T0, &f->res), ID2M_DENY);
    /* mode disabled */
    f->cfg.modes = ID2M_MODE_ALL & ~ID2M_MODE_TS;
    assert_int_equal(ts_connect(f, &f->aes, &f->aes.key, T0, "7777777777777777", NULL, T0), ID2M_DENY);
    f->cfg.modes = ID2M_MODE_ALL;
}

static void test_defer_non_devices(void **state)
{
    fx_t *f = *state;
    assert_int_equal(id2m_basic_auth(&f->cfg, &f->st, "op1", "operator", "pw", 2, T0, &f->res), ID2M_DEFER);
    assert_int_equal(id2m_basic_auth(&f->cfg, &f->st, "op1", NULL, NULL, 0, T0, &f->res), ID2M_DEFER);
    assert_int_equal(id2m_basic_auth(&f->cfg, &f->st, "x", "nodev&" TD_PK, "pw", 2, T0, &f->res), ID2M_DEFER);
    assert_int_equal(id2m_acl(&f->cfg, &f->st, "op1", "operator", "#", ID2M_ACL_SUBSCRIBE, &f->res), ID2M_DEFER);
}

static void test_secret(void **state)
{
    fx_t *f = *state;
    char cid[256], user[160], pw[65], secret[80];
    td_client_id(&f->secret, "2524608000000", cid, sizeof cid);
    td_username(&f->secret, user, sizeof user);
    memcpy(secret, f->secret.key.key, f->secret.key.key_len);
    secret[f->secret.key.key_len] = '\0';
    assert_int_equal(id2v_secret_password(TD_PK, "secret-dev", secret, "2524608000000", pw), ID2V_OK);
    assert_int_equal(id2m_basic_auth(&f->cfg, &f->st, cid, user, pw, strlen(pw), T0, &f->res), ID2M_ALLOW);
    assert_int_equal(f->st.mode, ID2M_MODE_SECRET);
    pw[0] = pw[0] == 'a' ? 'b' : 'a';
    assert_int_equal(id2m_basic_auth(&f->cfg, &f->st, cid, user, pw, strlen(pw), T0, &f->res), ID2M_DENY);
    /* authtype=id2 on a secret device is refused */
    char cid2[256];
    snprintf(cid2, sizeof cid2,
             "%s.%s|securemode=2,timestamp=2524608000000,signmethod=hmacsha256,"
             "gw=0,ext=0,authtype=id2|",
             TD_PK, "secret-dev");
    pw[0] = pw[0] == 'a' ? 'b' : 'a';
    assert_int_equal(id2m_basic_auth(&f->cfg, &f->st, cid2, user, pw, strlen(pw), T0, &f->res), ID2M_DENY);
}

static void test_v5(void **state)
{
    fx_t *f = *state;
    char cid[256], user[160], code[ID2V_AUTH_CODE_MAX], expect[ID2V_AUTH_CODE_MAX];
    td_client_id(&f->aes, "2524608000000", cid, sizeof cid);
    td_username(&f->aes, user, sizeof user);

    assert_int_equal(id2m_ext_start(&f->cfg, &f->st, "ID2", cid, user, f->aes.dev.id2, 24, &f->res), ID2M_CONTINUE);
    assert_int_equal(f->res.data_len, 32);
    char challenge[33];
    memcpy(challenge, f->res.data, 33);
    assert_int_equal(
        td_auth_code(&f->aes.key, f->aes.dev.id2, 2, "ABABABABABABABAB", challenge, cid, code, sizeof code), 0);
    assert_int_equal(id2m_ext_continue(&f->cfg, &f->st, cid, user, code, strlen(code), T0, &f->res), ID2M_ALLOW);
    assert_int_equal(id2v_server_auth_code(&f->aes.key, "ABABABABABABABAB", NULL, 0, expect, sizeof expect), ID2V_OK);
    assert_string_equal(f->res.data, expect);
    assert_int_equal(f->res.data_len, strlen(expect));
    assert_true(f->st.authenticated);
    /* The challenge was used: a second answer is refused. */
    assert_int_equal(id2m_ext_continue(&f->cfg, &f->st, cid, user, code, strlen(code), T0, &f->res), ID2M_DENY);

    /* wrong key; then a right answer to the used challenge */
    assert_int_equal(id2m_ext_start(&f->cfg, &f->st, "ID2", cid, user, f->aes.dev.id2, 24, &f->res), ID2M_CONTINUE);
    memcpy(challenge, f->res.data, 33);
    assert_int_equal(
        td_auth_code(&f->other.key, f->aes.dev.id2, 2, "ABABABABABABABAB", challenge, cid, code, sizeof code), 0);
    assert_int_equal(id2m_ext_continue(&f->cfg, &f->st, cid, user, code, strlen(code), T0, &f->res), ID2M_DENY);
    assert_int_equal(
        td_auth_code(&f->aes.key, f->aes.dev.id2, 2, "ABABABABABABABAB", challenge, cid, code, sizeof code), 0);
    assert_int_equal(id2m_ext_continue(&f->cfg, &f->st, cid, user, code, strlen(code), T0, &f->res), ID2M_DENY);

    /* answer to another challenge */
    assert_int_equal(id2m_ext_start(&f->cfg, &f->st, "ID2", cid, user, f->aes.dev.id2, 24, &f->res), ID2M_CONTINUE);
    assert_int_equal(td_auth_code(&f->aes.key, f->aes.dev.id2, 2, "ABABABABABABABAB",
                                  "55B83408399FA660F05C82E4F25333DC", cid, code, sizeof code),
                     0);
    assert_int_equal(id2m_ext_continue(&f->cfg, &f->st, cid, user, code, strlen(code), T0, &f->res), ID2M_DENY);

    /* method, unknown, revoked, name mismatch, malformed data */
    assert_int_equal(id2m_ext_start(&f->cfg, &f->st, "SCRAM-SHA-1", cid, user, "x", 1, &f->res), ID2M_BAD_METHOD);
    assert_int_equal(id2m_ext_start(&f->cfg, &f->st, "ID2", cid, user, "FFFFFFFFFFFFFFFFFFFFFFFF", 24, &f->res),
                     ID2M_DENY);
    assert_int_equal(id2m_ext_start(&f->cfg, &f->st, "ID2", cid, user, f->revoked.dev.id2, 24, &f->res), ID2M_DENY);
    assert_int_equal(id2m_ext_start(&f->cfg, &f->st, "ID2", cid, user, f->other.dev.id2, 24, &f->res), ID2M_DENY);
    assert_int_equal(id2m_ext_start(&f->cfg, &f->st, "ID2", cid, user, f->aes.dev.id2, 23, &f->res), ID2M_DENY);
    assert_int_equal(id2m_ext_continue(&f->cfg, &f->st, cid, user, "", 0, T0, &f->res), ID2M_DENY);
}

static void test_psk(void **state)
{
    fx_t *f = *state;
    char hex[65], cid[256], topic[200];
    uint8_t psk[32];
    assert_int_equal(id2m_psk_key(&f->cfg, "trustm", f->aes.dev.id2, hex, sizeof hex, &f->res), ID2M_ALLOW);
    assert_int_equal(id2v_psk(&f->aes.key, "trustm", psk), ID2V_OK);
    char want[65];
    for (int i = 0; i < 32; i++)
        snprintf(want + 2 * i, 3, "%02X", psk[i]);
    assert_string_equal(hex, want);
    /* use_identity_as_username: the connection is bound at its first access check */
    id2m_state_clear(&f->st);
    td_client_id(&f->aes, "2524608000000", cid, sizeof cid);
    snprintf(topic, sizeof topic, "/%s/%s/data", TD_PK, "IFXDeviceMqttTest");
    assert_int_equal(id2m_acl(&f->cfg, &f->st, cid, f->aes.dev.id2, topic, ID2M_ACL_WRITE, &f->res), ID2M_ALLOW);
    assert_int_equal(f->st.mode, ID2M_MODE_PSK);
    assert_int_equal(id2m_acl(&f->cfg, &f->st, cid, f->aes.dev.id2, "/x", ID2M_ACL_WRITE, &f->res), ID2M_DENY);
    /* another device's client id over this ID2: nothing allowed, ever */
    id2m_state_clear(&f->st);
    td_client_id(&f->other, "2524608000000", cid, sizeof cid);
    for (int i = 0; i < 2; i++)
        assert_int_equal(id2m_acl(&f->cfg, &f->st, cid, f->aes.dev.id2, topic, ID2M_ACL_WRITE, &f->res), ID2M_DENY);
    /* a revoked ID2 as user name; an unknown one is not a device */
    id2m_state_clear(&f->st);
    td_client_id(&f->revoked, "2524608000000", cid, sizeof cid);
    assert_int_equal(
        id2m_acl(&f->cfg, &f->st, cid, f->revoked.dev.id2, "/a1FCMDh4ypx/gone-dev/x", ID2M_ACL_WRITE, &f->res),
        ID2M_DENY);
    id2m_state_clear(&f->st);
    assert_int_equal(id2m_acl(&f->cfg, &f->st, "x", "000000000000000000000000", "/x", ID2M_ACL_WRITE, &f->res),
                     ID2M_DEFER);
    /* without use_identity_as_username the CONNECT is an ID2 user without password: refused */
    char user[160];
    td_client_id(&f->aes, "2524608000000", cid, sizeof cid);
    td_username(&f->aes, user, sizeof user);
    assert_int_equal(id2m_basic_auth(&f->cfg, &f->st, cid, user, NULL, 0, T0, &f->res), ID2M_DENY);
    /* refusals */
    assert_int_equal(id2m_psk_key(&f->cfg, "trustm", "operator", hex, sizeof hex, &f->res), ID2M_DEFER);
    assert_int_equal(id2m_psk_key(&f->cfg, "trustm", f->revoked.dev.id2, hex, sizeof hex, &f->res), ID2M_DENY);
    assert_int_equal(id2m_psk_key(&f->cfg, "trustm", "000000000000000000000000", hex, sizeof hex, &f->res), ID2M_DENY);
    assert_int_equal(id2m_psk_key(&f->cfg, NULL, f->aes.dev.id2, hex, sizeof hex, &f->res), ID2M_DENY);
    assert_int_equal(id2m_psk_key(&f->cfg, "trustm", f->aes.dev.id2, hex, 64, &f->res), ID2M_DENY);
}

static void test_acl(void **state)
{
    fx_t *f = *state;
    static const struct {
        const char *topic;
        int filter;
        int ok;
    } t[] = {
        {"/P/D/data", 0, 1},
        {"/P/D/", 0, 1},
        {"/P/D/a/b/c", 0, 1},
        {"/sys/P/D/thing/x", 0, 1},
        {"/ota/device/inform/P/D", 0, 1},
        {"/P/D/#", 1, 1},
        {"/P/D/+/x", 1, 1},
        {"/sys/P/D/#", 1, 1},
        {"/P/D", 0, 0},
        {"/P/DX/data", 0, 0},
        {"/P/+/data", 1, 0},
        {"/+/D/data", 1, 0},
        {"#", 1, 0},
        {"/#", 1, 0},
        {"/P/#", 1, 0},
        {"/ota/device/inform/P/D/x", 0, 0},
        {"/ota/device/inform/P/D/#", 1, 0},
        {"/ota/device/inform/P/+", 1, 0},
        {"P/D/data", 0, 0},
        {"/sys/P/#", 1, 0},
        {"/Q/D/data", 0, 0},
        {"", 0, 0},
        {"/sys/P/D", 0, 0},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        if (id2m_topic_allowed("P", "D", t[i].topic, t[i].filter) != t[i].ok)
            fail_msg("topic '%s' filter %d: expected %d", t[i].topic, t[i].filter, t[i].ok);
    }
    assert_int_equal(id2m_topic_allowed("P", "D+", "/P/D+/x", 0), 0);
    assert_int_equal(id2m_topic_allowed("P", "a/b", "/P/a/b/x", 0), 0);

    /* through the state: authenticated via ts */
    assert_int_equal(ts_connect(f, &f->aes, &f->aes.key, T0, "9999999999999999", NULL, T0), ID2M_ALLOW);
    char cid[256], user[160];
    td_client_id(&f->aes, "1593072000000", cid, sizeof cid);
    td_username(&f->aes, user, sizeof user);
    assert_int_equal(
        id2m_acl(&f->cfg, &f->st, cid, user, "/a1FCMDh4ypx/IFXDeviceMqttTest/data", ID2M_ACL_WRITE, &f->res),
        ID2M_ALLOW);
    assert_int_equal(id2m_acl(&f->cfg, &f->st, cid, user, "/a1FCMDh4ypx/other-dev/data", ID2M_ACL_WRITE, &f->res),
                     ID2M_DENY);
    assert_int_equal(id2m_acl(&f->cfg, &f->st, cid, user, "/a1FCMDh4ypx/+/data", ID2M_ACL_SUBSCRIBE, &f->res),
                     ID2M_DENY);
    assert_int_equal(id2m_acl(&f->cfg, &f->st, cid, user, "/a1FCMDh4ypx/other-dev/data", ID2M_ACL_READ, &f->res),
                     ID2M_DENY);
    assert_int_equal(id2m_acl(&f->cfg, &f->st, cid, user, "#", ID2M_ACL_UNSUBSCRIBE, &f->res), ID2M_ALLOW);
    /* state of another connection is not applied */
    assert_int_equal(id2m_acl(&f->cfg, &f->st, "someone", "operator", "#", ID2M_ACL_SUBSCRIBE, &f->res), ID2M_DEFER);
}

/* The worked values of cloud-mqtt.md 9.2 / 9.3 (the made-up device of id2.md section 10,
 * imported into the registry; values copied from the spec into this table). */

static int spec_rng(void *p, unsigned char *out, size_t n)
{
    static const uint8_t r[16] = {0x55, 0xB8, 0x34, 0x08, 0x39, 0x9F, 0xA6, 0x60,
                                  0xF0, 0x5C, 0x82, 0xE4, 0xF2, 0x53, 0x33, 0xDC};
    size_t *pos = p;
    for (size_t i = 0; i < n; i++)
        out[i] = r[(*pos)++ % sizeof r];
    return 0;
}

/* 9.2 steps 2-4 and 9.3 verbatim (a registry of its own: the fixture already has the dn). */
static void test_spec_vectors_verbatim(void **state)
{
    (void)state;
    td_registry_t r;
    td_device_t d;
    id2m_state_t st;
    id2m_result_t res;
    assert_int_equal(td_registry_create(&r), 0);
    assert_int_equal(td_import_spec(&r, "IFXDeviceMqttTest", &d), ID2V_OK);
    size_t pos = 0;
    id2m_config_t cfg = {r.reg, 300, ID2M_MODE_ALL, spec_rng, &pos};
    id2m_state_init(&st);

    static const char cid5[] = "a1FCMDh4ypx.IFXDeviceMqttTest|securemode=2,timestamp=2524608000000,"
                               "signmethod=hmacsha256,gw=0,ext=0,authtype=id2|";
    static const char step3[] = "2~2~ABABABABABABABAB~55B83408399FA660F05C82E4F25333DC~U+vP3H8Z9imW"
                                "Ya5ZSz7RhjBUG9K0oOQ0vudg/QLgMV6VT2Ty5Ohunu6C0gIWaEiZ";
    static const char step4[] = "10~2~ABABABABABABABAB~YmkREbfVQQEloYoCT87wIRtfR2S2kzxXzmgZ0H3RAKSV"
                                "T2Ty5Ohunu6C0gIWaEiZ";
    assert_int_equal(id2m_ext_start(&cfg, &st, "ID2", cid5, "IFXDeviceMqttTest&" TD_PK, TD_SPEC_ID2, 24, &res),
                     ID2M_CONTINUE);
    assert_string_equal(res.data, "55B83408399FA660F05C82E4F25333DC");
    assert_int_equal(id2m_ext_continue(&cfg, &st, cid5, "IFXDeviceMqttTest&" TD_PK, step3, strlen(step3), T0, &res),
                     ID2M_ALLOW);
    assert_string_equal(res.data, step4);

    static const char cid3[] = "a1FCMDh4ypx.IFXDeviceMqttTest|securemode=2,timestamp=1593072000000,"
                               "signmethod=hmacsha256,gw=0,ext=0,authtype=id2|";
    static const char pw3[] = "3~2~ABABABABABABABAB~1593072000000~z6dZfbLLg46Ug2MskpYY+xldYADEuuGU"
                              "moxkIy0d49OVT2Ty5Ohunu6C0gIWaEiZ";
    assert_int_equal(id2m_basic_auth(&cfg, &st, cid3, "IFXDeviceMqttTest&" TD_PK, pw3, strlen(pw3), T0 + 299000, &res),
                     ID2M_ALLOW);
    /* the same password again: replay */
    assert_int_equal(id2m_basic_auth(&cfg, &st, cid3, "IFXDeviceMqttTest&" TD_PK, pw3, strlen(pw3), T0 + 1000, &res),
                     ID2M_DENY);
    id2m_state_clear(&st);
    id2v_key_wipe(&d.key);
    td_registry_destroy(&r);
}

static void test_modes_and_printable(void **state)
{
    (void)state;
    assert_int_equal(id2m_parse_modes("v5,ts,psk,secret"), ID2M_MODE_ALL);
    assert_int_equal(id2m_parse_modes("ts"), ID2M_MODE_TS);
    assert_int_equal(id2m_parse_modes("v5, psk"), ID2M_MODE_V5 | ID2M_MODE_PSK);
    assert_int_equal(id2m_parse_modes(""), 0);
    assert_int_equal(id2m_parse_modes("ts,,v5"), 0);
    assert_int_equal(id2m_parse_modes("tls"), 0);
    char out[8];
    id2m_printable("ab\ncd", out, sizeof out);
    assert_string_equal(out, "ab?cd");
    id2m_printable("abcdefghij", out, sizeof out);
    assert_string_equal(out, "abcd...");
    id2m_printable(NULL, out, sizeof out);
    assert_string_equal(out, "(null)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ts_ok_then_replay),
        cmocka_unit_test(test_ts_refusals),
        cmocka_unit_test(test_defer_non_devices),
        cmocka_unit_test(test_secret),
        cmocka_unit_test(test_v5),
        cmocka_unit_test(test_psk),
        cmocka_unit_test(test_acl),
        cmocka_unit_test(test_spec_vectors_verbatim),
        cmocka_unit_test(test_modes_and_printable),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
