/*
 * id2_mosq_core.c - the decisions of the mosquitto ID2 plugin (see id2_mosq_core.h and
 * cloud-mqtt.md section 9). No mosquitto calls here: pure logic over the verifier and registry.
 */
#include "id2mosq/id2_mosq_core.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- small helpers ---------------------------------------------------------------------- */

static void wipe(void *p, size_t n)
{
    volatile unsigned char *v = p;
    while (n--)
        *v++ = 0;
}

static int str_eq_nullable(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    return strcmp(a, b) == 0;
}

void id2m_printable(const char *in, char *out, size_t out_size)
{
    if (out == NULL || out_size == 0)
        return;
    if (in == NULL)
        in = "(null)";
    size_t n = strlen(in), room = out_size - 1, i;
    int cut = n > room;
    if (cut && room >= 3)
        room -= 3;
    for (i = 0; i < n && i < room; i++) {
        unsigned char c = (unsigned char)in[i];
        out[i] = (c >= 0x20 && c < 0x7F) ? (char)c : '?';
    }
    if (cut && out_size - 1 >= 3) {
        memcpy(out + i, "...", 3);
        i += 3;
    }
    out[i] = '\0';
}

static void result_reset(id2m_result_t *res, unsigned mode)
{
    res->verdict = ID2M_DENY;
    res->mode = mode;
    res->reason[0] = '\0';
    res->data[0] = '\0';
    res->data_len = 0;
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static id2m_verdict_t
deny(id2m_result_t *res, id2m_verdict_t v, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(res->reason, sizeof res->reason, fmt, ap);
    va_end(ap);
    res->verdict = v;
    res->data[0] = '\0';
    res->data_len = 0;
    return v;
}

static id2m_verdict_t verdict(id2m_result_t *res, id2m_verdict_t v)
{
    res->verdict = v;
    return v;
}

unsigned id2m_parse_modes(const char *list)
{
    static const struct {
        const char *name;
        unsigned bit;
    } names[] = {
        {"v5", ID2M_MODE_V5},
        {"ts", ID2M_MODE_TS},
        {"psk", ID2M_MODE_PSK},
        {"secret", ID2M_MODE_SECRET},
    };
    unsigned set = 0;
    if (list == NULL)
        return 0;
    const char *p = list;
    for (;;) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        while (n > 0 && *p == ' ') {
            p++;
            n--;
        }
        while (n > 0 && p[n - 1] == ' ')
            n--;
        size_t i;
        for (i = 0; i < sizeof names / sizeof names[0]; i++) {
            if (strlen(names[i].name) == n && memcmp(names[i].name, p, n) == 0)
                break;
        }
        if (i == sizeof names / sizeof names[0])
            return 0;
        set |= names[i].bit;
        if (e == NULL)
            break;
        p = e + 1;
    }
    return set;
}

const char *id2m_mode_name(unsigned mode)
{
    switch (mode) {
    case ID2M_MODE_V5:
        return "v5";
    case ID2M_MODE_TS:
        return "ts";
    case ID2M_MODE_PSK:
        return "psk";
    case ID2M_MODE_SECRET:
        return "secret";
    default:
        return "-";
    }
}

/* ---- per-connection state ---------------------------------------------------------------- */

void id2m_state_init(id2m_state_t *st)
{
    memset(st, 0, sizeof *st);
}

void id2m_state_clear(id2m_state_t *st)
{
    free(st->client_id);
    free(st->username);
    wipe(st, sizeof *st);
    id2m_state_init(st);
}

static char *dup_or_null(const char *s)
{
    if (s == NULL)
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d != NULL)
        memcpy(d, s, n);
    return d;
}

/* Mark the connection as device `dev`, bound to its client id and user name. */
static id2m_verdict_t bind_device(id2m_state_t *st, const id2_device_t *dev, unsigned mode, const char *client_id,
                                  const char *username, id2m_result_t *res)
{
    free(st->client_id);
    free(st->username);
    st->client_id = dup_or_null(client_id);
    st->username = dup_or_null(username);
    if ((client_id != NULL && st->client_id == NULL) || (username != NULL && st->username == NULL)) {
        id2m_state_clear(st);
        return deny(res, ID2M_DENY, "out of memory");
    }
    st->mode = mode;
    st->authenticated = 1;
    st->name_bad = 0;
    memcpy(st->id2, dev->id2, sizeof st->id2);
    memcpy(st->pk, dev->pk, sizeof st->pk);
    memcpy(st->dn, dev->dn, sizeof st->dn);
    st->server_random[0] = '\0';
    res->mode = mode;
    return verdict(res, ID2M_ALLOW);
}

/* ---- name checks (cloud-mqtt.md 9.1) ------------------------------------------------------- */

/* The client id must name the device (pk.dn), carry authtype=id2 exactly for ID2 devices, and
 * the user name (when given and `check_user`) must be "<dn>&<pk>" of the same device. */
static int check_names(const id2_device_t *dev, const char *client_id, const char *username, int check_user,
                       id2v_client_id_t *cid, id2m_result_t *res)
{
    int id2_device = dev->type != ID2V_KEY_SECRET;
    if (client_id == NULL || id2v_parse_client_id(client_id, cid) != ID2V_OK) {
        deny(res, ID2M_DENY, "malformed client id");
        return 0;
    }
    if (strcmp(cid->pk, dev->pk) != 0 || strcmp(cid->dn, dev->dn) != 0) {
        deny(res, ID2M_DENY, "client id names another device than %s.%s", dev->pk, dev->dn);
        return 0;
    }
    if (id2_device && strcmp(cid->authtype, "id2") != 0) {
        deny(res, ID2M_DENY, "client id lacks authtype=id2 for an ID2 device");
        return 0;
    }
    if (!id2_device && cid->authtype[0] != '\0') {
        deny(res, ID2M_DENY, "client id has authtype=%s for a device-secret device", cid->authtype);
        return 0;
    }
    if (check_user && username != NULL) {
        char pk[65], dn[65];
        if (id2v_parse_username(username, pk, dn) != ID2V_OK || strcmp(pk, dev->pk) != 0 || strcmp(dn, dev->dn) != 0) {
            deny(res, ID2M_DENY, "user name does not name device %s.%s", dev->pk, dev->dn);
            return 0;
        }
    }
    return 1;
}

static uint32_t replay_keep(const id2m_config_t *cfg)
{
    /* A timestamp accepted now stays inside the window for at most 2 * window seconds. */
    uint64_t k = 2u * (uint64_t)cfg->window_s + 1u;
    return k > UINT32_MAX ? UINT32_MAX : (uint32_t)k;
}

static int record_replay(const id2m_config_t *cfg, const char *id2, const char *device_random, const char *value,
                         uint64_t now_ms, id2m_result_t *res)
{
    char err[ID2REG_ERR_LEN] = "";
    int rc = id2_registry_replay_record(cfg->reg, id2, device_random, value, (int64_t)(now_ms / 1000u),
                                        replay_keep(cfg), err, sizeof err);
    if (rc == ID2V_ERR_REPLAY) {
        deny(res, ID2M_DENY, "replayed auth code (device random %s, %s)", device_random, value);
        return 0;
    }
    if (rc != ID2V_OK) {
        deny(res, ID2M_DENY, "replay store: %s", err[0] ? err : id2v_strerror(rc));
        return 0;
    }
    return 1;
}

/* Copy wire data into a NUL-terminated buffer; 0 when empty, too long or containing a NUL. */
static int copy_text(const void *data, size_t len, char *out, size_t out_size)
{
    if (data == NULL || len == 0 || len >= out_size || memchr(data, '\0', len) != NULL)
        return 0;
    memcpy(out, data, len);
    out[len] = '\0';
    return 1;
}

/* ---- mode ts (9.3) and secret (9.5) and psk without use_identity_as_username (9.4) -------- */

static id2m_verdict_t flow_ts(const id2m_config_t *cfg, id2m_state_t *st, const id2_device_t *dev,
                              const id2v_key_t *key, const char *client_id, const char *username, const char *password,
                              size_t password_len, uint64_t now_ms, id2m_result_t *res)
{
    id2v_client_id_t cid;
    id2v_auth_code_t code;
    res->mode = ID2M_MODE_TS;
    if (!(cfg->modes & ID2M_MODE_TS))
        return deny(res, ID2M_DENY, "mode ts is disabled");
    if (!check_names(dev, client_id, username, 1, &cid, res))
        return res->verdict;
    if (cid.timestamp[0] == '\0')
        return deny(res, ID2M_DENY, "client id has no timestamp");
    if (password_len == 0 || password_len >= ID2V_AUTH_CODE_MAX || memchr(password, '\0', password_len) != NULL)
        return deny(res, ID2M_DENY, "password is not an auth code (length %zu)", password_len);
    int rc = id2v_verify_auth_code(key, password, password_len, ID2V_TYPES_TIMESTAMP_EXTRA, NULL,
                                   (const uint8_t *)client_id, strlen(client_id), &code);
    if (rc != ID2V_OK)
        return deny(res, ID2M_DENY, "timestamp auth code rejected: %s", id2v_strerror(rc));
    if (strcmp(code.server_random, cid.timestamp) != 0)
        return deny(res, ID2M_DENY, "auth code timestamp %s differs from the client id's %s", code.server_random,
                    cid.timestamp);
    rc = id2v_check_timestamp(code.server_random, now_ms, cfg->window_s);
    if (rc != ID2V_OK)
        return deny(res, ID2M_DENY, "timestamp %s rejected: %s", code.server_random, id2v_strerror(rc));
    if (!record_replay(cfg, dev->id2, code.device_random, code.server_random, now_ms, res))
        return res->verdict;
    return bind_device(st, dev, ID2M_MODE_TS, client_id, username, res);
}

static id2m_verdict_t flow_secret(const id2m_config_t *cfg, id2m_state_t *st, const id2_device_t *dev,
                                  const id2v_key_t *key, const char *client_id, const char *username,
                                  const char *password, size_t password_len, id2m_result_t *res)
{
    id2v_client_id_t cid;
    char secret[ID2V_MAX_KEY + 1];
    res->mode = ID2M_MODE_SECRET;
    if (!(cfg->modes & ID2M_MODE_SECRET))
        return deny(res, ID2M_DENY, "mode secret is disabled");
    if (!check_names(dev, client_id, username, 1, &cid, res))
        return res->verdict;
    if (cid.securemode != 2 && cid.securemode != 3)
        return deny(res, ID2M_DENY, "client id securemode=%d (2 or 3 expected)", cid.securemode);
    if (cid.timestamp[0] == '\0')
        return deny(res, ID2M_DENY, "client id has no timestamp");
    if (password == NULL)
        return deny(res, ID2M_DENY, "no password");
    if (key->key_len == 0 || key->key_len > ID2V_MAX_KEY)
        return deny(res, ID2M_DENY, "device secret missing in the registry");
    memcpy(secret, key->key, key->key_len);
    secret[key->key_len] = '\0';
    int rc = id2v_verify_secret_password(dev->pk, dev->dn, secret, cid.timestamp, password, password_len);
    wipe(secret, sizeof secret);
    if (rc == ID2V_ERR_SIGNATURE)
        return deny(res, ID2M_DENY, "device-secret password wrong");
    if (rc != ID2V_OK)
        return deny(res, ID2M_DENY, "device-secret password rejected: %s", id2v_strerror(rc));
    return bind_device(st, dev, ID2M_MODE_SECRET, client_id, username, res);
}

id2m_verdict_t id2m_basic_auth(const id2m_config_t *cfg, id2m_state_t *st, const char *client_id, const char *username,
                               const char *password, size_t password_len, uint64_t now_ms, id2m_result_t *res)
{
    char pk[65], dn[65], err[ID2REG_ERR_LEN] = "";
    id2_device_t dev;
    id2v_key_t key;
    id2m_verdict_t v;

    result_reset(res, 0);
    id2m_state_clear(st);
    if (password == NULL)
        password_len = 0;
    if (username == NULL || id2v_parse_username(username, pk, dn) != ID2V_OK)
        return verdict(res, ID2M_DEFER);
    memset(&key, 0, sizeof key);
    int rc = id2_registry_find_name(cfg->reg, pk, dn, &dev, &key, err, sizeof err);
    if (rc == ID2V_ERR_UNKNOWN_DEVICE) {
        id2v_key_wipe(&key);
        return verdict(res, ID2M_DEFER);
    }
    if (rc != ID2V_OK) {
        id2v_key_wipe(&key);
        return deny(res, ID2M_DENY, "registry: %s", err[0] ? err : id2v_strerror(rc));
    }
    if (dev.revoked) {
        res->mode = dev.type == ID2V_KEY_SECRET ? ID2M_MODE_SECRET : ID2M_MODE_TS;
        v = deny(res, ID2M_DENY, "device %s.%s is revoked", dev.pk, dev.dn);
    } else if (dev.type == ID2V_KEY_SECRET) {
        v = flow_secret(cfg, st, &dev, &key, client_id, username, password, password_len, res);
    } else if (password == NULL) {
        res->mode = ID2M_MODE_TS;
        v = deny(res, ID2M_DENY, "no password for ID2 device %s.%s", dev.pk, dev.dn);
    } else {
        v = flow_ts(cfg, st, &dev, &key, client_id, username, password, password_len, now_ms, res);
    }
    id2v_key_wipe(&key);
    return v;
}

/* ---- mode v5 (9.2) ---------------------------------------------------------------------------- */

id2m_verdict_t id2m_ext_start(const id2m_config_t *cfg, id2m_state_t *st, const char *method, const char *client_id,
                              const char *username, const void *data, size_t data_len, id2m_result_t *res)
{
    char id2[ID2V_ID_LEN + 1], err[ID2REG_ERR_LEN] = "";
    id2_device_t dev;
    id2v_client_id_t cid;

    result_reset(res, ID2M_MODE_V5);
    id2m_state_clear(st);
    if (method == NULL || strcmp(method, "ID2") != 0) {
        char m[64];
        id2m_printable(method, m, sizeof m);
        return deny(res, ID2M_BAD_METHOD, "unsupported authentication method '%s'", m);
    }
    if (!(cfg->modes & ID2M_MODE_V5))
        return deny(res, ID2M_BAD_METHOD, "mode v5 is disabled");
    if (data_len != ID2V_ID_LEN || data == NULL)
        return deny(res, ID2M_DENY, "authentication data is not a 24-character ID2 (length %zu)", data_len);
    memcpy(id2, data, ID2V_ID_LEN);
    id2[ID2V_ID_LEN] = '\0';
    if (!id2v_valid_id2(id2))
        return deny(res, ID2M_DENY, "authentication data is not a 24-character ID2");
    int rc = id2_registry_find_id2(cfg->reg, id2, &dev, NULL, err, sizeof err);
    if (rc == ID2V_ERR_UNKNOWN_DEVICE)
        return deny(res, ID2M_DENY, "unknown ID2 %s", id2);
    if (rc != ID2V_OK)
        return deny(res, ID2M_DENY, "registry: %s", err[0] ? err : id2v_strerror(rc));
    if (dev.revoked)
        return deny(res, ID2M_DENY, "ID2 %s is revoked", id2);
    if (dev.type == ID2V_KEY_SECRET)
        return deny(res, ID2M_DENY, "ID2 %s has no ID2 key", id2);
    if (!check_names(&dev, client_id, username, 1, &cid, res))
        return res->verdict;
    rc = id2v_server_random(st->server_random, cfg->f_rng, cfg->p_rng);
    if (rc != ID2V_OK) {
        st->server_random[0] = '\0';
        return deny(res, ID2M_DENY, "server random: %s", id2v_strerror(rc));
    }
    st->mode = ID2M_MODE_V5;
    memcpy(st->id2, dev.id2, sizeof st->id2);
    memcpy(st->pk, dev.pk, sizeof st->pk);
    memcpy(st->dn, dev.dn, sizeof st->dn);
    size_t n = strlen(st->server_random);
    memcpy(res->data, st->server_random, n + 1);
    res->data_len = n;
    return verdict(res, ID2M_CONTINUE);
}

id2m_verdict_t id2m_ext_continue(const id2m_config_t *cfg, id2m_state_t *st, const char *client_id,
                                 const char *username, const void *data, size_t data_len, uint64_t now_ms,
                                 id2m_result_t *res)
{
    char code_s[ID2V_AUTH_CODE_MAX], challenge[ID2V_MAX_SERVER_RANDOM + 1];
    char err[ID2REG_ERR_LEN] = "";
    id2_device_t dev;
    id2v_key_t key;
    id2v_auth_code_t code;
    id2m_verdict_t v;

    result_reset(res, ID2M_MODE_V5);
    if (st->mode != ID2M_MODE_V5 || st->authenticated || st->server_random[0] == '\0') {
        id2m_state_clear(st);
        return deny(res, ID2M_DENY, "no ID2 challenge pending");
    }
    /* The challenge is good for one answer, right or wrong. */
    memcpy(challenge, st->server_random, sizeof challenge);
    char id2[ID2V_ID_LEN + 1];
    memcpy(id2, st->id2, sizeof id2);
    id2m_state_clear(st);

    if (!copy_text(data, data_len, code_s, sizeof code_s))
        return deny(res, ID2M_DENY, "authentication data is not an auth code (length %zu)", data_len);
    if (client_id == NULL)
        return deny(res, ID2M_DENY, "no client id");
    memset(&key, 0, sizeof key);
    int rc = id2_registry_find_id2(cfg->reg, id2, &dev, &key, err, sizeof err);
    if (rc != ID2V_OK) {
        id2v_key_wipe(&key);
        return deny(res, ID2M_DENY, "registry: %s", err[0] ? err : id2v_strerror(rc));
    }
    if (dev.revoked) {
        v = deny(res, ID2M_DENY, "ID2 %s is revoked", id2);
        goto out;
    }
    rc = id2v_verify_auth_code(&key, code_s, data_len, ID2V_TYPES_CHALLENGE_EXTRA, challenge,
                               (const uint8_t *)client_id, strlen(client_id), &code);
    if (rc != ID2V_OK) {
        v = deny(res, ID2M_DENY, "challenge auth code rejected: %s", id2v_strerror(rc));
        goto out;
    }
    if (!record_replay(cfg, dev.id2, code.device_random, challenge, now_ms, res)) {
        v = res->verdict;
        goto out;
    }
    rc = id2v_server_auth_code(&key, code.device_random, NULL, 0, res->data, sizeof res->data);
    if (rc != ID2V_OK) {
        v = deny(res, ID2M_DENY, "server auth code: %s", id2v_strerror(rc));
        goto out;
    }
    res->data_len = strlen(res->data);
    v = bind_device(st, &dev, ID2M_MODE_V5, client_id, username, res);
    if (v != ID2M_ALLOW)
        res->data_len = 0;
out:
    id2v_key_wipe(&key);
    wipe(challenge, sizeof challenge);
    return v;
}

/* ---- mode psk (9.4) --------------------------------------------------------------------------- */

id2m_verdict_t id2m_psk_key(const id2m_config_t *cfg, const char *hint, const char *identity, char *key_hex,
                            size_t key_hex_size, id2m_result_t *res)
{
    static const char hexd[] = "0123456789ABCDEF";
    char err[ID2REG_ERR_LEN] = "";
    id2_device_t dev;
    id2v_key_t key;
    uint8_t psk[32];
    id2m_verdict_t v;

    result_reset(res, ID2M_MODE_PSK);
    if (identity == NULL || !id2v_valid_id2(identity))
        return verdict(res, ID2M_DEFER);
    if (!(cfg->modes & ID2M_MODE_PSK))
        return deny(res, ID2M_DENY, "mode psk is disabled");
    if (hint == NULL || hint[0] == '\0')
        return deny(res, ID2M_DENY, "listener has no psk_hint");
    if (key_hex == NULL || key_hex_size < 65)
        return deny(res, ID2M_DENY, "PSK buffer too small");
    memset(&key, 0, sizeof key);
    int rc = id2_registry_find_id2(cfg->reg, identity, &dev, &key, err, sizeof err);
    if (rc == ID2V_ERR_UNKNOWN_DEVICE) {
        v = deny(res, ID2M_DENY, "unknown ID2 %s", identity);
    } else if (rc != ID2V_OK) {
        v = deny(res, ID2M_DENY, "registry: %s", err[0] ? err : id2v_strerror(rc));
    } else if (dev.revoked) {
        v = deny(res, ID2M_DENY, "ID2 %s is revoked", identity);
    } else if ((rc = id2v_psk(&key, hint, psk)) != ID2V_OK) {
        v = deny(res, ID2M_DENY, "PSK for ID2 %s: %s", identity, id2v_strerror(rc));
    } else {
        for (size_t i = 0; i < sizeof psk; i++) {
            key_hex[2 * i] = hexd[psk[i] >> 4];
            key_hex[2 * i + 1] = hexd[psk[i] & 0x0F];
        }
        key_hex[64] = '\0';
        v = verdict(res, ID2M_ALLOW);
    }
    wipe(psk, sizeof psk);
    id2v_key_wipe(&key);
    return v;
}

/* ---- ACL ---------------------------------------------------------------------------------------- */

static int safe_level(const char *s)
{
    return s[0] != '\0' && strpbrk(s, "/+#") == NULL;
}

/* `topic` starts with the literal `prefix`; the rest is any topic (filters: any wildcard). */
static int under(const char *topic, const char *p1, const char *pk, const char *dn)
{
    size_t l1 = strlen(p1), lpk = strlen(pk), ldn = strlen(dn);
    if (strncmp(topic, p1, l1) != 0)
        return 0;
    topic += l1;
    if (strncmp(topic, pk, lpk) != 0 || topic[lpk] != '/')
        return 0;
    topic += lpk + 1;
    if (strncmp(topic, dn, ldn) != 0 || topic[ldn] != '/')
        return 0;
    return 1;
}

int id2m_topic_allowed(const char *pk, const char *dn, const char *topic, int is_filter)
{
    (void)is_filter; /* the prefixes are literal, so a wildcard can only follow them */
    if (pk == NULL || dn == NULL || topic == NULL || !safe_level(pk) || !safe_level(dn))
        return 0;
    if (under(topic, "/", pk, dn) || under(topic, "/sys/", pk, dn))
        return 1;
    static const char ota[] = "/ota/device/inform/";
    size_t lo = sizeof ota - 1, lpk = strlen(pk);
    return strncmp(topic, ota, lo) == 0 && strncmp(topic + lo, pk, lpk) == 0 && topic[lo + lpk] == '/' &&
           strcmp(topic + lo + lpk + 1, dn) == 0;
}

/* psk (use_identity_as_username): bind a connection whose user name is a registered ID2. */
static id2m_verdict_t bind_by_id2(const id2m_config_t *cfg, id2m_state_t *st, const char *client_id,
                                  const char *username, id2m_result_t *res)
{
    char err[ID2REG_ERR_LEN] = "";
    id2_device_t dev;
    id2v_client_id_t cid;
    res->mode = ID2M_MODE_PSK;
    int rc = id2_registry_find_id2(cfg->reg, username, &dev, NULL, err, sizeof err);
    if (rc == ID2V_ERR_UNKNOWN_DEVICE)
        return verdict(res, ID2M_DEFER);
    if (rc != ID2V_OK)
        return deny(res, ID2M_DENY, "registry: %s", err[0] ? err : id2v_strerror(rc));
    if (bind_device(st, &dev, ID2M_MODE_PSK, client_id, username, res) != ID2M_ALLOW)
        return res->verdict;
    if (dev.revoked) {
        st->name_bad = 1;
        return deny(res, ID2M_DENY, "ID2 %s is revoked", dev.id2);
    }
    if (!check_names(&dev, client_id, NULL, 0, &cid, res)) {
        st->name_bad = 1;
        return res->verdict;
    }
    return verdict(res, ID2M_ALLOW);
}

id2m_verdict_t id2m_acl(const id2m_config_t *cfg, id2m_state_t *st, const char *client_id, const char *username,
                        const char *topic, int access, id2m_result_t *res)
{
    result_reset(res, st != NULL ? st->mode : 0);
    if (st == NULL)
        return verdict(res, ID2M_DEFER);
    /* State bound to another client id / user name is not this client's (a connection freed
     * without DISCONNECT whose address was reused): forget it. */
    if (st->authenticated && (!str_eq_nullable(st->username, username) || !str_eq_nullable(st->client_id, client_id)))
        id2m_state_clear(st);
    if (!st->authenticated) {
        if (username == NULL || !id2v_valid_id2(username) || !(cfg->modes & ID2M_MODE_PSK))
            return verdict(res, ID2M_DEFER);
        if (bind_by_id2(cfg, st, client_id, username, res) != ID2M_ALLOW)
            return res->verdict;
    }
    res->mode = st->mode;
    if (st->name_bad)
        return deny(res, ID2M_DENY, "client id does not name device %s.%s, or it is revoked", st->pk, st->dn);
    if (topic == NULL)
        return deny(res, ID2M_DENY, "no topic");
    if (access == ID2M_ACL_UNSUBSCRIBE)
        return verdict(res, ID2M_ALLOW);
    if (access != ID2M_ACL_READ && access != ID2M_ACL_WRITE && access != ID2M_ACL_SUBSCRIBE)
        return deny(res, ID2M_DENY, "unknown access %d", access);
    if (!id2m_topic_allowed(st->pk, st->dn, topic, access == ID2M_ACL_SUBSCRIBE)) {
        char t[96];
        id2m_printable(topic, t, sizeof t);
        return deny(res, ID2M_DENY, "%s '%s' outside device %s.%s's topics",
                    access == ID2M_ACL_WRITE  ? "publish to"
                    : access == ID2M_ACL_READ ? "receive from"
                                              : "subscribe to",
                    t, st->pk, st->dn);
    }
    return verdict(res, ID2M_ALLOW);
}
