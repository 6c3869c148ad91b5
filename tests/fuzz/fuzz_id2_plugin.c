/*
 * fuzz_id2_plugin.c - libFuzzer target: the decisions of the mosquitto ID2 plugin
 * (id2_mosquitto_core) on arbitrary client ids, user names, passwords, authentication methods
 * and data, PSK identities and topics, against a registry in a private temp folder holding one
 * AES, one RSA, one revoked and one device-secret device.
 *
 * Input: byte 0 selects substitutions, the rest is split at NUL bytes into up to six fields:
 * client id, user name, password / auth data, method, PSK identity, topic. Selector bits swap in
 * a registered device's names or ID2 so the fuzzer reaches the checks behind the look-ups.
 * Every call must return a valid verdict, never leave a refusal without a reason, and the state
 * must always be released (ASan/valgrind catch leaks).
 */
#define _POSIX_C_SOURCE 200809L

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "id2mosq/id2_mosq_core.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
    char dir[256], db[300], master[300];
    id2_registry_t *reg;
    id2_device_t dev[4];
} fz_registry_t;

static fz_registry_t fz;

static void fz_cleanup(void)
{
    if (fz.reg != NULL)
        id2_registry_close(fz.reg);
    fz.reg = NULL;
    unlink(fz.db);
    unlink(fz.master);
    char j[320];
    snprintf(j, sizeof j, "%s-journal", fz.db);
    unlink(j);
    snprintf(j, sizeof j, "%s-wal", fz.db);
    unlink(j);
    snprintf(j, sizeof j, "%s-shm", fz.db);
    unlink(j);
    rmdir(fz.dir);
}

static int fz_init(void)
{
    char err[ID2REG_ERR_LEN];
    static const struct {
        const char *dn;
        id2v_key_type_t type;
    } devs[4] = {{"IFXDeviceMqttTest", ID2V_KEY_AES},
                 {"rsa-dev", ID2V_KEY_RSA},
                 {"gone-dev", ID2V_KEY_AES},
                 {"secret-dev", ID2V_KEY_SECRET}};
    const char *tmp = getenv("TMPDIR");
    snprintf(fz.dir, sizeof fz.dir, "%s/id2fuzzXXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (mkdtemp(fz.dir) == NULL)
        return -1;
    snprintf(fz.db, sizeof fz.db, "%s/registry.sqlite", fz.dir);
    snprintf(fz.master, sizeof fz.master, "%s/master.key", fz.dir);
    atexit(fz_cleanup);
    if (id2_registry_master_create(fz.master, err, sizeof err) != ID2V_OK ||
        id2_registry_open(fz.db, fz.master, 1, &fz.reg, err, sizeof err) != ID2V_OK)
        return -1;
    for (int i = 0; i < 4; i++) {
        if (id2_registry_issue(fz.reg, "a1FCMDh4ypx", devs[i].dn, devs[i].type, &fz.dev[i], NULL, err, sizeof err) !=
            ID2V_OK)
            return -1;
    }
    return id2_registry_revoke(fz.reg, fz.dev[2].id2, err, sizeof err) == ID2V_OK ? 0 : -1;
}

/* Deterministic "random" bytes for server challenges. */
static int fz_rng(void *p, unsigned char *out, size_t n)
{
    unsigned *s = p;
    for (size_t i = 0; i < n; i++) {
        *s = *s * 1103515245u + 12345u;
        out[i] = (unsigned char)(*s >> 16);
    }
    return 0;
}

static void check(const id2m_result_t *r, id2m_verdict_t v)
{
    if ((int)v < ID2M_ALLOW || v > ID2M_BAD_METHOD || v != r->verdict)
        abort();
    if ((v == ID2M_DENY || v == ID2M_BAD_METHOD) && r->reason[0] == '\0')
        abort();
    if (r->data_len >= sizeof r->data || memchr(r->reason, '\0', sizeof r->reason) == NULL)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready = 0;
    static unsigned rng_state = 1;
    char buf[4096 + 1];
    char *field[6] = {NULL, NULL, NULL, NULL, NULL, NULL};
    size_t flen[6] = {0, 0, 0, 0, 0, 0};

    if (ready == 0)
        ready = fz_init() == 0 ? 1 : -1;
    if (ready < 0)
        abort();
    if (size == 0)
        return 0;

    uint8_t sel = data[0];
    size_t n = size - 1 < sizeof buf - 1 ? size - 1 : sizeof buf - 1;
    memcpy(buf, data + 1, n);
    buf[n] = '\0';
    /* split at NULs */
    size_t start = 0;
    for (int f = 0; f < 6 && start <= n; f++) {
        char *z = memchr(buf + start, '\0', n + 1 - start);
        field[f] = buf + start;
        flen[f] = (size_t)(z - (buf + start));
        start += flen[f] + 1;
    }
    const id2_device_t *d = &fz.dev[(sel >> 4) & 3];
    char cid[512], user[160];
    const char *client_id = field[0], *username = field[1], *identity = field[4];
    if (sel & 0x01) { /* a well-formed client id of the selected device + fuzz tail */
        snprintf(cid, sizeof cid,
                 "%s.%s|securemode=%d,timestamp=%.20s,signmethod=hmacsha256,"
                 "gw=0,ext=0%s|",
                 d->pk, d->dn, (sel & 0x40) ? 3 : 2, field[0] ? field[0] : "", (sel & 0x80) ? "" : ",authtype=id2");
        client_id = cid;
    }
    if (sel & 0x02) {
        snprintf(user, sizeof user, "%s&%s", d->dn, d->pk);
        username = user;
    }
    if (sel & 0x08)
        identity = d->id2;

    id2m_config_t cfg = {fz.reg, 300, ID2M_MODE_ALL, fz_rng, &rng_state};
    id2m_state_t st;
    id2m_result_t res;
    char key_hex[65];
    id2m_state_init(&st);
    const uint64_t now = 1593072000000ull;

    check(&res, id2m_basic_auth(&cfg, &st, client_id, username, field[2], flen[2], now, &res));
    check(&res, id2m_acl(&cfg, &st, client_id, username, field[5], (int)(1u << (sel & 3)), &res));

    const char *method = (sel & 0x04) ? "ID2" : field[3];
    const void *ad = field[2];
    size_t adl = field[2] ? flen[2] : 0;
    if (sel & 0x08) {
        ad = d->id2;
        adl = strlen(d->id2);
    }
    check(&res, id2m_ext_start(&cfg, &st, method, client_id, username, ad, adl, &res));
    check(&res, id2m_ext_continue(&cfg, &st, client_id, username, field[3], field[3] ? flen[3] : 0, now, &res));
    check(&res, id2m_psk_key(&cfg, (sel & 0x20) ? "trustm" : field[3], identity, key_hex, sizeof key_hex, &res));
    check(&res, id2m_acl(&cfg, &st, client_id, identity, field[5], (int)(1u << ((sel >> 2) & 3)), &res));
    if (field[5] != NULL)
        (void)id2m_topic_allowed(d->pk, d->dn, field[5], sel & 1);
    char pr[32];
    id2m_printable(field[1], pr, sizeof pr);
    (void)id2m_parse_modes(field[3]);
    id2m_state_clear(&st);
    return 0;
}
