/*
 * mosquitto_id2_auth.c - mosquitto 2.0 plugin (API v5): the project's ID2 authentication for MQTT
 * (cloud-mqtt.md section 9). Thin glue: options, per-client state keyed by the client pointer,
 * broker events -> id2_mosq_core decisions -> broker return codes, and one log line per refusal.
 *
 * mosquitto.conf:
 *   plugin /path/mosquitto_id2_auth.so
 *   plugin_opt_registry   /path/registry.sqlite   (required)
 *   plugin_opt_master_key /path/master.key        (required)
 *   plugin_opt_window     300                     (ts mode, seconds, 1..86400)
 *   plugin_opt_modes      v5,ts,psk,secret        (enabled modes)
 * See docs/broker-plugin.md.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mosquitto.h>
#include <mosquitto_broker.h>
#include <mosquitto_plugin.h>

#include "id2mosq/id2_mosq_core.h"

#define LOG_PREFIX "id2_auth: "
#define NBUCKETS   256u

typedef struct client_node {
    const struct mosquitto *client;
    id2m_state_t st;
    struct client_node *next;
} client_node_t;

typedef struct {
    mosquitto_plugin_id_t *pid;
    id2_registry_t *reg;
    id2m_config_t cfg;
    client_node_t *buckets[NBUCKETS];
    /* The state of the client that disconnected last: mosquitto checks the ACL for its will
     * message right after the DISCONNECT event, so it lives until the next other event. */
    client_node_t *departed;
} plugin_t;

/* ---- per-client state ----------------------------------------------------------------------- */

static unsigned bucket_of(const struct mosquitto *client)
{
    uintptr_t p = (uintptr_t)client;
    p ^= p >> 17;
    p *= (uintptr_t)0x9E3779B97F4A7C15ull;
    return (unsigned)((p >> 24) % NBUCKETS);
}

static void departed_free(plugin_t *pl);

static client_node_t *state_find(plugin_t *pl, const struct mosquitto *client, int create)
{
    unsigned b = bucket_of(client);
    if (create)
        departed_free(pl); /* an authentication event: the last departure's will is done */
    for (client_node_t *n = pl->buckets[b]; n != NULL; n = n->next) {
        if (n->client == client)
            return n;
    }
    if (!create)
        return NULL;
    client_node_t *n = calloc(1, sizeof *n);
    if (n == NULL)
        return NULL;
    n->client = client;
    id2m_state_init(&n->st);
    n->next = pl->buckets[b];
    pl->buckets[b] = n;
    return n;
}

static void node_free(client_node_t *n)
{
    if (n != NULL) {
        id2m_state_clear(&n->st);
        free(n);
    }
}

static void departed_free(plugin_t *pl)
{
    node_free(pl->departed);
    pl->departed = NULL;
}

/* DISCONNECT: take the client's state out of the table; keep it as `departed` for the will. */
static void state_depart(plugin_t *pl, const struct mosquitto *client)
{
    departed_free(pl);
    client_node_t **pp = &pl->buckets[bucket_of(client)];
    while (*pp != NULL) {
        if ((*pp)->client == client) {
            client_node_t *n = *pp;
            *pp = n->next;
            n->next = NULL;
            pl->departed = n;
            return;
        }
        pp = &(*pp)->next;
    }
}

/* Free every state; returns how many connections still had one. */
static unsigned state_drop_all(plugin_t *pl)
{
    unsigned count = 0;
    departed_free(pl);
    for (unsigned b = 0; b < NBUCKETS; b++) {
        while (pl->buckets[b] != NULL) {
            client_node_t *n = pl->buckets[b];
            pl->buckets[b] = n->next;
            node_free(n);
            count++;
        }
    }
    return count;
}

/* ---- helpers ------------------------------------------------------------------------------------- */

static uint64_t now_ms(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void log_refusal(const char *what, struct mosquitto *client, const id2m_result_t *res)
{
    char cid[160];
    id2m_printable(client != NULL ? mosquitto_client_id(client) : NULL, cid, sizeof cid);
    mosquitto_log_printf(MOSQ_LOG_WARNING, LOG_PREFIX "%s refused (mode %s) for client '%s': %s", what,
                         id2m_mode_name(res->mode), cid, res->reason);
}

static void log_accept(const char *what, struct mosquitto *client, const id2m_state_t *st)
{
    char cid[160];
    id2m_printable(client != NULL ? mosquitto_client_id(client) : NULL, cid, sizeof cid);
    mosquitto_log_printf(MOSQ_LOG_NOTICE, LOG_PREFIX "%s: device %s.%s%s%s (mode %s) client '%s'", what, st->pk, st->dn,
                         st->id2[0] ? " ID2 " : "", st->id2, id2m_mode_name(st->mode), cid);
}

static int out_of_memory(const char *what, struct mosquitto *client)
{
    id2m_result_t res;
    memset(&res, 0, sizeof res);
    strcpy(res.reason, "out of memory");
    log_refusal(what, client, &res);
    return MOSQ_ERR_AUTH;
}

/* ---- events ---------------------------------------------------------------------------------------- */

static int on_basic_auth(int event, void *event_data, void *userdata)
{
    plugin_t *pl = userdata;
    struct mosquitto_evt_basic_auth *ed = event_data;
    id2m_result_t res;
    (void)event;

    client_node_t *n = state_find(pl, ed->client, 1);
    if (n == NULL)
        return out_of_memory("connect", ed->client);
    id2m_verdict_t v = id2m_basic_auth(&pl->cfg, &n->st, mosquitto_client_id(ed->client), ed->username, ed->password,
                                       ed->password ? strlen(ed->password) : 0, now_ms(), &res);
    switch (v) {
    case ID2M_ALLOW:
        log_accept("connect", ed->client, &n->st);
        return MOSQ_ERR_SUCCESS;
    case ID2M_DEFER:
        return MOSQ_ERR_PLUGIN_DEFER;
    default:
        log_refusal("connect", ed->client, &res);
        return MOSQ_ERR_AUTH;
    }
}

static int ext_auth_reply(id2m_verdict_t v, const id2m_result_t *res, struct mosquitto_evt_extended_auth *ed,
                          const id2m_state_t *st)
{
    if (v == ID2M_CONTINUE || v == ID2M_ALLOW) {
        if (res->data_len > 0) {
            /* The broker releases it with free(). */
            void *out = malloc(res->data_len);
            if (out == NULL)
                return out_of_memory("enhanced auth", ed->client);
            memcpy(out, res->data, res->data_len);
            ed->data_out = out;
            ed->data_out_len = (uint16_t)res->data_len;
        }
        if (v == ID2M_ALLOW) {
            log_accept("connect", ed->client, st);
            return MOSQ_ERR_SUCCESS;
        }
        return MOSQ_ERR_AUTH_CONTINUE;
    }
    log_refusal("enhanced auth", ed->client, res);
    return v == ID2M_BAD_METHOD ? MOSQ_ERR_NOT_SUPPORTED : MOSQ_ERR_AUTH;
}

/* EXT_AUTH_START (CONNECT / re-authentication) and EXT_AUTH_CONTINUE (AUTH). */
static int on_ext_auth(int event, void *event_data, void *userdata)
{
    plugin_t *pl = userdata;
    struct mosquitto_evt_extended_auth *ed = event_data;
    id2m_result_t res;
    id2m_verdict_t v;

    client_node_t *n = state_find(pl, ed->client, 1);
    if (n == NULL)
        return out_of_memory("enhanced auth", ed->client);
    const char *cid = mosquitto_client_id(ed->client);
    const char *user = mosquitto_client_username(ed->client);
    if (event == MOSQ_EVT_EXT_AUTH_START)
        v = id2m_ext_start(&pl->cfg, &n->st, ed->auth_method, cid, user, ed->data_in, ed->data_in_len, &res);
    else /* ed->auth_method is NULL in every 2.0.x release: the method is in our state. */
        v = id2m_ext_continue(&pl->cfg, &n->st, cid, user, ed->data_in, ed->data_in_len, now_ms(), &res);
    return ext_auth_reply(v, &res, ed, &n->st);
}

static int on_psk_key(int event, void *event_data, void *userdata)
{
    plugin_t *pl = userdata;
    struct mosquitto_evt_psk_key *ed = event_data;
    id2m_result_t res;
    char key_hex[65];
    (void)event;

    /* No per-client state here: a handshake that fails inside accept() is freed by mosquitto
     * without a DISCONNECT event. The device is bound at its first access check. */
    id2m_verdict_t v = id2m_psk_key(&pl->cfg, ed->hint, ed->identity, key_hex, sizeof key_hex, &res);
    if (v == ID2M_DEFER)
        return MOSQ_ERR_PLUGIN_DEFER;
    if (v == ID2M_ALLOW && (ed->key == NULL || ed->max_key_len < 65)) {
        strcpy(res.reason, "broker's PSK buffer too small");
        v = ID2M_DENY;
    }
    if (v == ID2M_ALLOW)
        memcpy(ed->key, key_hex, sizeof key_hex);
    /* Wipe our copy (volatile so the stores are kept). */
    for (volatile char *p = key_hex; p < key_hex + sizeof key_hex; p++)
        *p = 0;
    if (v != ID2M_ALLOW) {
        char id[64];
        id2m_printable(ed->identity, id, sizeof id);
        mosquitto_log_printf(MOSQ_LOG_WARNING, LOG_PREFIX "TLS-PSK refused for identity '%s': %s", id, res.reason);
        return MOSQ_ERR_AUTH;
    }
    return MOSQ_ERR_SUCCESS;
}

static int on_acl_check(int event, void *event_data, void *userdata)
{
    plugin_t *pl = userdata;
    struct mosquitto_evt_acl_check *ed = event_data;
    id2m_result_t res;
    (void)event;

    const char *user = mosquitto_client_username(ed->client);
    client_node_t *n = state_find(pl, ed->client, 0);
    if (n == NULL && pl->departed != NULL && pl->departed->client == ed->client)
        n = pl->departed; /* the will message of a client that just disconnected */
    if (n == NULL && user != NULL && id2v_valid_id2(user)) {
        /* psk with use_identity_as_username: an established connection (its DISCONNECT
         * event will come), bound to its device now. */
        n = state_find(pl, ed->client, 1);
        if (n == NULL) {
            out_of_memory("access", ed->client);
            return MOSQ_ERR_ACL_DENIED;
        }
    }
    if (n == NULL)
        return MOSQ_ERR_PLUGIN_DEFER;
    id2m_verdict_t v = id2m_acl(&pl->cfg, &n->st, mosquitto_client_id(ed->client), user, ed->topic, ed->access, &res);
    switch (v) {
    case ID2M_ALLOW:
        return MOSQ_ERR_SUCCESS;
    case ID2M_DEFER:
        return MOSQ_ERR_PLUGIN_DEFER;
    default:
        log_refusal("access", ed->client, &res);
        return MOSQ_ERR_ACL_DENIED;
    }
}

static int on_disconnect(int event, void *event_data, void *userdata)
{
    plugin_t *pl = userdata;
    struct mosquitto_evt_disconnect *ed = event_data;
    (void)event;
    state_depart(pl, ed->client);
    return MOSQ_ERR_SUCCESS;
}

/* ---- options and life cycle ---------------------------------------------------------------------- */

static const struct {
    int event;
    MOSQ_FUNC_generic_callback cb;
} callbacks[] = {
    {MOSQ_EVT_BASIC_AUTH, on_basic_auth},      {MOSQ_EVT_EXT_AUTH_START, on_ext_auth},
    {MOSQ_EVT_EXT_AUTH_CONTINUE, on_ext_auth}, {MOSQ_EVT_PSK_KEY, on_psk_key},
    {MOSQ_EVT_ACL_CHECK, on_acl_check},        {MOSQ_EVT_DISCONNECT, on_disconnect},
};
#define NCALLBACKS (sizeof callbacks / sizeof callbacks[0])

static int parse_window(const char *s, uint32_t *out)
{
    char *end;
    if (s == NULL || *s < '0' || *s > '9')
        return 0;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < 1 || v > 86400)
        return 0;
    *out = (uint32_t)v;
    return 1;
}

static void plugin_free(plugin_t *pl)
{
    if (pl == NULL)
        return;
    unsigned left = state_drop_all(pl);
    if (pl->cfg.reg != NULL)
        mosquitto_log_printf(MOSQ_LOG_NOTICE, LOG_PREFIX "stopped (%u client states left)", left);
    if (pl->reg != NULL)
        id2_registry_close(pl->reg);
    free(pl);
}

int mosquitto_plugin_version(int supported_version_count, const int *supported_versions)
{
    for (int i = 0; i < supported_version_count; i++) {
        if (supported_versions[i] == 5)
            return 5;
    }
    return -1;
}

int mosquitto_plugin_init(mosquitto_plugin_id_t *identifier, void **userdata, struct mosquitto_opt *options,
                          int option_count)
{
    const char *registry = NULL, *master = NULL;
    char err[ID2REG_ERR_LEN] = "";
    plugin_t *pl = calloc(1, sizeof *pl);
    if (pl == NULL) {
        mosquitto_log_printf(MOSQ_LOG_ERR, LOG_PREFIX "out of memory");
        return MOSQ_ERR_NOMEM;
    }
    pl->pid = identifier;
    pl->cfg.window_s = ID2M_DEFAULT_WINDOW;
    pl->cfg.modes = ID2M_MODE_ALL;

    for (int i = 0; i < option_count; i++) {
        const char *k = options[i].key, *v = options[i].value;
        if (k == NULL)
            continue;
        if (strcmp(k, "registry") == 0) {
            registry = v;
        } else if (strcmp(k, "master_key") == 0) {
            master = v;
        } else if (strcmp(k, "window") == 0) {
            if (!parse_window(v, &pl->cfg.window_s)) {
                mosquitto_log_printf(MOSQ_LOG_ERR,
                                     LOG_PREFIX "plugin_opt_window '%s' is not a "
                                                "number of seconds from 1 to 86400",
                                     v ? v : "");
                goto fail;
            }
        } else if (strcmp(k, "modes") == 0) {
            pl->cfg.modes = id2m_parse_modes(v);
            if (pl->cfg.modes == 0) {
                mosquitto_log_printf(MOSQ_LOG_ERR,
                                     LOG_PREFIX "plugin_opt_modes '%s' is not a "
                                                "comma-separated list of v5, ts, psk, secret",
                                     v ? v : "");
                goto fail;
            }
        } else {
            /* Other plugins' options share the list only with per_listener_settings; be loud. */
            mosquitto_log_printf(MOSQ_LOG_ERR,
                                 LOG_PREFIX "unknown option plugin_opt_%s "
                                            "(known: registry, master_key, window, modes)",
                                 k);
            goto fail;
        }
    }
    if (registry == NULL || registry[0] == '\0') {
        mosquitto_log_printf(MOSQ_LOG_ERR, LOG_PREFIX "plugin_opt_registry <sqlite file> is required");
        goto fail;
    }
    if (master == NULL || master[0] == '\0') {
        mosquitto_log_printf(MOSQ_LOG_ERR, LOG_PREFIX "plugin_opt_master_key <file> is required");
        goto fail;
    }
    int rc = id2_registry_open(registry, master, 0, &pl->reg, err, sizeof err);
    if (rc != ID2V_OK) {
        /* A PostgreSQL connection string may hold a password: never logged. */
        int url = strncmp(registry, "postgres", 8) == 0 || strncmp(registry, "pg:", 3) == 0;
        mosquitto_log_printf(MOSQ_LOG_ERR, LOG_PREFIX "cannot open registry '%s': %s", url ? "(PostgreSQL)" : registry,
                             err[0] ? err : id2v_strerror(rc));
        pl->reg = NULL;
        goto fail;
    }
    pl->cfg.reg = pl->reg;

    for (size_t i = 0; i < NCALLBACKS; i++) {
        rc = mosquitto_callback_register(identifier, callbacks[i].event, callbacks[i].cb, NULL, pl);
        if (rc != MOSQ_ERR_SUCCESS) {
            mosquitto_log_printf(MOSQ_LOG_ERR, LOG_PREFIX "cannot register callback for event %d", callbacks[i].event);
            for (size_t j = 0; j < i; j++)
                mosquitto_callback_unregister(identifier, callbacks[j].event, callbacks[j].cb, NULL);
            goto fail;
        }
    }
    mosquitto_log_printf(MOSQ_LOG_NOTICE, LOG_PREFIX "registry '%s', window %u s, modes%s%s%s%s", registry,
                         (unsigned)pl->cfg.window_s, (pl->cfg.modes & ID2M_MODE_V5) ? " v5" : "",
                         (pl->cfg.modes & ID2M_MODE_TS) ? " ts" : "", (pl->cfg.modes & ID2M_MODE_PSK) ? " psk" : "",
                         (pl->cfg.modes & ID2M_MODE_SECRET) ? " secret" : "");
    *userdata = pl;
    return MOSQ_ERR_SUCCESS;
fail:
    plugin_free(pl);
    return MOSQ_ERR_INVAL;
}

int mosquitto_plugin_cleanup(void *userdata, struct mosquitto_opt *options, int option_count)
{
    plugin_t *pl = userdata;
    (void)options;
    (void)option_count;
    if (pl == NULL)
        return MOSQ_ERR_SUCCESS;
    for (size_t i = 0; i < NCALLBACKS; i++)
        mosquitto_callback_unregister(pl->pid, callbacks[i].event, callbacks[i].cb, NULL);
    plugin_free(pl);
    return MOSQ_ERR_SUCCESS;
}
