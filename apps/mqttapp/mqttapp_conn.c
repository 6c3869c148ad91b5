/*
 * mqttapp_conn.c - the chip, the ID2 client on it, and one connection to the broker in each of
 * the four ways of cloud-mqtt.md section 9:
 *   v5      TLS (broker certificate checked against a CA file) + MQTT 5 enhanced authentication,
 *           method "ID2": CONNECT carries the ID2, the broker's AUTH a server random, ours a type-2
 *           auth code (extra = our client id), the CONNACK the broker's proof, checked with
 *           verify_server before anything is published (mutual, no clock);
 *   ts      TLS + MQTT 3.1.1, password = type-3 timestamp auth code (extra = our client id);
 *   psk     TLS-PSK, identity = ID2, key = get_secret(listener hint): no certificates at all;
 *   secret  TLS + MQTT 3.1.1, password = HMAC-SHA256 with the device secret (the seed's mode,
 *           for devices without ID2; no chip needed).
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "id2v/id2v.h"
#include "mqttapp.h"

#define APP_FIXED_TIMESTAMP    "2524608000000" /* the SDK's fixed timestamp (cloud-mqtt.md 3.1) */
#define APP_REQUEST_TIMEOUT_MS 10000u          /* CONNACK / AUTH round trip (chip time included) */

/* ---- host random for the ID2 client's device randoms ---- */

static int urandom_fill(void *arg, uint8_t *buf, size_t len)
{
    (void)arg;
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return -1;
    }
    size_t got = 0;
    while (got < len) {
        ssize_t r = read(fd, buf + got, len - got);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            close(fd);
            return -1;
        }
        got += (size_t)r;
    }
    close(fd);
    return 0;
}

static bool chip_needed(const app_t *a)
{
    return a->o.mode != MODE_SECRET;
}

static const char *mode_name(app_mode_t m)
{
    static const char *const names[] = {"v5", "ts", "psk", "secret"};
    return names[m];
}

/* ---- chip bookkeeping: commands, simulated and real time spent in chip calls ---- */

static uint64_t chip_now_us(const app_t *a)
{
    return a->chip.pal.ops->now_us(a->chip.pal.ctx);
}

typedef struct {
    uint64_t wall0, sim0;
} chip_span_t;

static chip_span_t chip_begin(const app_t *a)
{
    chip_span_t s = {app_mono_us(), chip_now_us(a)};
    return s;
}

static void chip_end(app_t *a, chip_span_t s)
{
    a->st.chip_wall_us += app_mono_us() - s.wall0;
    a->st.chip_sim_us += chip_now_us(a) - s.sim0;
}

static int read_sec(app_t *a)
{
    uint8_t v = 0;
    size_t n = 0;
    if (trustm_data_read(&a->chip.dev, ID2_OID_SEC, 0, &v, 1, &n) != TRUSTM_OK || n != 1u) {
        return -1;
    }
    return v;
}

static int id2_fail(app_t *a, const char *what, irot_result_t r)
{
    trustm_status_t st = id2_client_last_status(&a->id2);
    if (st != TRUSTM_OK) {
        app_log('E', "id2: %s failed: %s (%s: %s, status 0x%08" PRIx32 ")", what, id2_result_str(r),
                trustm_status_layer_str(st), trustm_status_base_str(st), st);
    } else {
        app_log('E', "id2: %s failed: %s", what, id2_result_str(r));
    }
    return APP_EXIT_DEVICE;
}

int app_chip_open(app_t *a)
{
    if (!chip_needed(a)) {
        return APP_EXIT_OK;
    }
    memset(&a->g, 0, sizeof a->g);
    a->g.device = a->o.device != NULL ? a->o.device : getenv(CLI_DEVSPEC_ENV);
    a->g.frame_size = a->o.frame_size;
    if (a->o.protect >= 0) {
        a->g.protect_set = true;
        a->g.protect = (unsigned char)a->o.protect;
    }
    a->g.pbs_file = a->o.pbs_file;
    if (a->g.device == NULL) {
        fprintf(stderr, "mqttapp: no chip given: use --device SPEC or set %s (see --help)\n", CLI_DEVSPEC_ENV);
        return APP_EXIT_USAGE;
    }
    if (cli_device_open(&a->chip, &a->g, "mqttapp") != CLI_EXIT_OK) {
        return APP_EXIT_DEVICE;
    }
    a->have_chip = true;
    a->chip_open = true;
    return APP_EXIT_OK;
}

void app_chip_close(app_t *a)
{
    if (!a->have_chip) {
        return;
    }
    if (!a->chip_open) {
        a->chip.app_open = false; /* powered down by the ID2 cleanup: nothing to close */
    }
    cli_device_close(&a->chip, &a->g);
    a->have_chip = false;
}

/* Power the chip up again (reset, OpenApplication) after a power-down cleanup. */
static int chip_power_up(app_t *a)
{
    trustm_status_t st = trustm_device_open(&a->chip.dev);
    if (st != TRUSTM_OK) {
        app_log('E', "chip: power-up failed: %s: %s", trustm_status_layer_str(st), trustm_status_base_str(st));
        return APP_EXIT_DEVICE;
    }
    a->chip_open = true;
    return APP_EXIT_OK;
}

/* (Re)start the ID2 client on the open chip and read its ID2. */
static int id2_start(app_t *a)
{
    id2_client_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.crypto_type = a->o.crypto;
    cfg.rng = urandom_fill;
    cfg.log = app_id2_log;
    cfg.device_is_open = true;
    cfg.power_down = a->o.power_down;
    cfg.power_down_max_wait_ms = a->o.power_down_max_ms;
    cfg.pal = &a->chip.pal;
    memset(&a->id2, 0, sizeof a->id2);
    irot_result_t r = id2_client_init(&a->id2, &a->chip.dev, &cfg);
    if (r != IROT_SUCCESS) {
        return id2_fail(a, "init", r);
    }
    uint8_t id[ID2_ID_LEN];
    uint32_t len = sizeof id;
    r = id2_client_get_id(&a->id2, id, &len);
    if (r != IROT_SUCCESS) {
        if (r == IROT_ERROR_ITEM_NOT_FOUND) {
            app_log('E', "id2: the chip holds no ID2 (F1D0 empty): provision it first (trustm id2-provision)");
            return APP_EXIT_DEVICE;
        }
        return id2_fail(a, "get_id", r);
    }
    memcpy(a->id2_str, id, ID2_ID_LEN);
    a->id2_str[ID2_ID_LEN] = '\0';
    return APP_EXIT_OK;
}

static void id2_stop(app_t *a)
{
    id2_cleanup_report_t rep;
    memset(&rep, 0, sizeof rep);
    (void)id2_client_cleanup_ex(&a->id2, a->o.power_down, &rep);
    if (a->o.power_down && rep.powered_down) {
        a->chip_open = false;
        app_log('I', "chip powered down (waited %" PRIu32 " ms for SEC %s, SEC=%u)", rep.waited_ms,
                rep.sec_zero ? "0" : "0 in vain", (unsigned)rep.sec);
    }
}

/* ---- names ---- */

int app_names(app_t *a)
{
    const app_opts_t *o = &a->o;
    const char *authtype = o->mode == MODE_SECRET ? NULL : "id2";
    char ts[32];
    if (o->mode == MODE_TS) {
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        snprintf(ts, sizeof ts, "%" PRIu64, (uint64_t)now.tv_sec * 1000u + (uint64_t)now.tv_nsec / 1000000u);
    } else {
        snprintf(ts, sizeof ts, "%s", APP_FIXED_TIMESTAMP);
    }
    int r = id2v_format_client_id(o->pk, o->dn, 2, ts, o->partner_id, o->module_id, authtype, NULL, a->client_id,
                                  sizeof a->client_id);
    if (r != ID2V_OK) {
        fprintf(stderr, "mqttapp: cannot form a client id from product key '%s' and device name '%s': %s\n", o->pk,
                o->dn, id2v_strerror(r));
        return APP_EXIT_USAGE;
    }
    snprintf(a->user, sizeof a->user, "%s&%s", o->dn, o->pk);
    snprintf(a->topic_update, sizeof a->topic_update, "/%s/%s/update", o->pk, o->dn);
    snprintf(a->topic_data, sizeof a->topic_data, "/%s/%s/data", o->pk, o->dn);
    snprintf(a->topic_mid, sizeof a->topic_mid, "/sys/%s/%s/thing/status/update", o->pk, o->dn);
    snprintf(a->topic_info, sizeof a->topic_info, "/sys/%s/%s/thing/deviceinfo/update", o->pk, o->dn);
    snprintf(a->topic_ota, sizeof a->topic_ota, "/ota/device/inform/%s/%s", o->pk, o->dn);
    return APP_EXIT_OK;
}

/* ---- MQTT 5 enhanced authentication callbacks ---- */

static mqtt_status_t on_auth(void *user, const mqtt_props_t *server, mqtt_str_t *reply)
{
    app_t *a = user;
    mqtt_str_t method = server->auth_method;
    if (method.ptr == NULL || !mqtt_str_eq(method, mqtt_cstr("ID2"))) {
        app_log('E', "broker asked for another authentication method: refused");
        return MQTT_ERR_AUTH;
    }
    if (server->auth_data.ptr == NULL || server->auth_data.len == 0u ||
        server->auth_data.len > ID2_MAX_SERVER_RANDOM_LEN) {
        app_log('E', "broker's challenge is missing or longer than %u characters", ID2_MAX_SERVER_RANDOM_LEN);
        return MQTT_ERR_AUTH;
    }
    memcpy(a->server_random, server->auth_data.ptr, server->auth_data.len);
    a->server_random[server->auth_data.len] = '\0';
    if (strlen(a->server_random) != server->auth_data.len) {
        app_log('E', "broker's challenge contains a NUL byte");
        return MQTT_ERR_AUTH;
    }
    uint32_t len = sizeof a->auth_code;
    chip_span_t s = chip_begin(a);
    irot_result_t r = id2_client_get_challenge_auth_code(&a->id2, a->server_random, (const uint8_t *)a->client_id,
                                                         (uint32_t)strlen(a->client_id), (uint8_t *)a->auth_code, &len);
    chip_end(a, s);
    if (r != IROT_SUCCESS) {
        a->id2_failed = r;
        (void)id2_fail(a, "challenge auth code", r);
        return MQTT_ERR_AUTH;
    }
    reply->ptr = (const uint8_t *)a->auth_code;
    reply->len = len;
    return MQTT_OK;
}

static mqtt_status_t on_connack_auth(void *user, const mqtt_connack_t *connack)
{
    app_t *a = user;
    mqtt_str_t proof = connack->props.auth_data;
    if (!mqtt_str_eq(connack->props.auth_method, mqtt_cstr("ID2")) || proof.ptr == NULL || proof.len == 0u) {
        app_log('E', "broker accepted us without proving its own knowledge of our key: refused");
        a->proof_failed = true;
        return MQTT_ERR_AUTH;
    }
    char rnd[ID2_DEVICE_RANDOM_CHARS + 1u];
    irot_result_t r = id2_client_last_device_random(&a->id2, rnd);
    if (r == IROT_SUCCESS) {
        chip_span_t s = chip_begin(a);
        r = id2_client_verify_server(&a->id2, proof.ptr, (uint32_t)proof.len, (const uint8_t *)rnd,
                                     ID2_DEVICE_RANDOM_CHARS, NULL, 0);
        chip_end(a, s);
    }
    if (r != IROT_SUCCESS) {
        app_log('E', "Verify ID2 server authCode FAILED (%s): the broker does not know our key; closing",
                id2_result_str(r));
        a->proof_failed = true;
        return MQTT_ERR_AUTH;
    }
    printf("Verify ID2 server authCode OK!\n");
    a->proof_ok = true;
    return MQTT_OK;
}

/* ---- one connect ---- */

static uint32_t client_now_ms(void *user)
{
    (void)user;
    return (uint32_t)(app_mono_us() / 1000u);
}

static void wipe(void *p, size_t n)
{
    volatile uint8_t *v = p;
    while (n-- > 0u) {
        *v++ = 0;
    }
}

static int connack_refusal(app_t *a, mqtt_status_t st, const mqtt_connack_t *ack)
{
    if (st == MQTT_ERR_REFUSED) {
        app_log('E', "broker refused the connection: CONNACK reason 0x%02x%s", ack->reason,
                ack->reason == 0x87u || ack->reason == 0x05u   ? " (not authorized)"
                : ack->reason == 0x86u || ack->reason == 0x04u ? " (bad user name or password)"
                : ack->reason == 0x8Cu                         ? " (bad authentication method)"
                                                               : "");
        return APP_EXIT_REFUSED;
    }
    if (st == MQTT_ERR_AUTH) {
        if (a->id2_failed != 0) {
            return APP_EXIT_DEVICE;
        }
        app_log('E', "authentication with the broker failed%s", a->proof_failed ? ": broker's proof rejected" : "");
        return APP_EXIT_REFUSED;
    }
    app_log('E', "mqtt connect failed: %s", mqtt_status_str(st));
    return APP_EXIT_NETWORK;
}

int app_connect(app_t *a)
{
    const app_opts_t *o = &a->o;
    int rc;
    uint64_t t_start = app_mono_us();
    uint64_t cmds0 = 0;
    memset(&a->st, 0, sizeof a->st);
    a->st.sec_before = a->st.sec_after = -1;
    a->proof_ok = a->proof_failed = false;
    a->id2_failed = 0;

    if (chip_needed(a)) {
        if (!a->chip_open && (rc = chip_power_up(a)) != APP_EXIT_OK) {
            return rc;
        }
        if (o->stats) {
            a->st.sec_before = read_sec(a);
        }
        cmds0 = a->chip.sim_commands;
        chip_span_t s = chip_begin(a);
        rc = id2_start(a);
        chip_end(a, s);
        if (rc != APP_EXIT_OK) {
            return rc;
        }
    }
    if ((rc = app_names(a)) != APP_EXIT_OK) {
        return rc;
    }

    /* transport */
    uint8_t psk[32];
    mqtt_net_opts_t no;
    memset(&no, 0, sizeof no);
    no.host = o->host;
    no.port = o->port;
    no.connect_timeout_ms = 10000u;
    no.log = app_net_log;
    no.log_user = a;
    if (o->plain) {
        no.mode = MQTT_NET_TCP;
    } else if (o->mode == MODE_PSK) {
        uint8_t hex[ID2_SECRET_LEN];
        uint32_t len = sizeof hex;
        chip_span_t s = chip_begin(a);
        irot_result_t r = id2_client_get_secret(&a->id2, o->psk_hint, hex, &len);
        chip_end(a, s);
        if (r != IROT_SUCCESS) {
            return id2_fail(a, "get_secret", r);
        }
        rc = id2v_hex_decode((const char *)hex, sizeof hex, psk, sizeof psk);
        wipe(hex, sizeof hex);
        if (rc != 0) {
            return APP_EXIT_DEVICE;
        }
        no.mode = MQTT_NET_TLS_PSK;
        no.psk_identity = a->id2_str;
        no.psk = psk;
        no.psk_len = sizeof psk;
    } else {
        no.mode = MQTT_NET_TLS_CA;
        no.ca_file = o->ca_file;
        no.server_name = o->server_name;
    }
    int detail = 0;
    mqtt_status_t st = mqtt_net_connect(&no, &a->net, &detail);
    wipe(psk, sizeof psk);
    if (st != MQTT_OK) {
        if (st == MQTT_ERR_AUTH) {
            app_log('E', "TLS handshake refused (%s, code -0x%04x)%s", mqtt_status_str(st),
                    (unsigned)(detail < 0 ? -detail : detail),
                    o->mode == MODE_PSK ? ": the broker does not accept our ID2 key" : "");
            if (chip_needed(a)) {
                id2_stop(a);
            }
            return APP_EXIT_REFUSED;
        }
        if (chip_needed(a)) {
            id2_stop(a);
        }
        return APP_EXIT_NETWORK;
    }

    /* CONNECT */
    mqtt_transport_t t;
    mqtt_net_transport(a->net, &t);
    mqtt_connect_t c;
    memset(&c, 0, sizeof c);
    c.clean_start = false;
    c.keep_alive = o->keep_alive;
    c.client_id = mqtt_cstr(a->client_id);
    c.user_name = mqtt_cstr(a->user);
    char password[AUTH_CODE_BUF_LEN + 1];
    password[0] = '\0';
    if (o->mode == MODE_V5) {
        c.version = MQTT_V5;
        /* cloud-mqtt.md 9.2: flags 0x80 (user name, no password), method ID2, data = the ID2 */
        mqtt_props_set_str(&c.props, MQTT_PROP_AUTH_METHOD, "ID2", 3);
        mqtt_props_set_str(&c.props, MQTT_PROP_AUTH_DATA, a->id2_str, ID2_ID_LEN);
    } else {
        c.version = MQTT_V311;
        if (o->mode == MODE_TS) {
            const char *ts = strstr(a->client_id, "timestamp=") + strlen("timestamp=");
            char tsbuf[32];
            size_t n = strcspn(ts, ",|");
            snprintf(tsbuf, sizeof tsbuf, "%.*s", (int)n, ts);
            uint32_t len = sizeof password;
            chip_span_t s = chip_begin(a);
            irot_result_t r =
                id2_client_get_timestamp_auth_code(&a->id2, tsbuf, (const uint8_t *)a->client_id,
                                                   (uint32_t)strlen(a->client_id), (uint8_t *)password, &len);
            chip_end(a, s);
            if (r != IROT_SUCCESS) {
                mqtt_net_free(a->net);
                a->net = NULL;
                return id2_fail(a, "timestamp auth code", r);
            }
            c.password = mqtt_cstr(password);
        } else if (o->mode == MODE_SECRET) {
            if (id2v_secret_password(o->pk, o->dn, o->device_secret, APP_FIXED_TIMESTAMP, password) != ID2V_OK) {
                mqtt_net_free(a->net);
                a->net = NULL;
                app_log('E', "cannot compute the device-secret password");
                return APP_EXIT_USAGE;
            }
            c.password = mqtt_cstr(password);
        }
    }
    mqtt_client_config_t cc;
    memset(&cc, 0, sizeof cc);
    cc.tx_buf = a->tx;
    cc.tx_size = sizeof a->tx;
    cc.rx_buf = a->rx;
    cc.rx_size = sizeof a->rx;
    cc.store_buf = a->store;
    cc.store_size = sizeof a->store;
    cc.now_ms = client_now_ms;
    cc.request_timeout_ms = APP_REQUEST_TIMEOUT_MS;
    cc.user = a;
    cc.on_event = app_on_event;
    cc.on_message = app_on_message;
    cc.on_auth = on_auth;
    cc.on_connack_auth = o->mode == MODE_V5 ? on_connack_auth : NULL;
    if (a->connects == 0u) {
        mqtt_client_init(&a->client, &cc); /* later connects keep the session's stored messages */
    }
    mqtt_connack_t ack;
    memset(&ack, 0, sizeof ack);
    st = mqtt_client_connect(&a->client, &t, &c, &ack);
    wipe(password, sizeof password);
    if (chip_needed(a)) {
        chip_span_t s = chip_begin(a);
        id2_stop(a);
        if (a->chip_open) {
            chip_end(a, s);
        }
        a->st.chip_cmds = a->chip.sim_commands - cmds0;
    }
    if (st == MQTT_OK && o->mode == MODE_V5 && !a->proof_ok) {
        /* a CONNACK without the broker's proof: the callback was not consulted */
        app_log('E', "broker accepted us without its ID2 proof: refused");
        mqtt_client_disconnect(&a->client, 0x87u);
        st = MQTT_ERR_AUTH;
        a->proof_failed = true;
    }
    if (st != MQTT_OK) {
        rc = connack_refusal(a, st, &ack);
        mqtt_net_free(a->net);
        a->net = NULL;
        return rc;
    }
    a->st.total_wall_us = app_mono_us() - t_start;
    a->st.since_start_us = app_elapsed_us();
    if (o->stats && chip_needed(a) && a->chip_open) {
        a->st.sec_after = read_sec(a);
    }
    a->connects++;
    app_log('I', "mqtt connect success!");
    if (o->stats) {
        printf("stats: {\"mode\":\"%s\",\"crypto\":\"%s\",\"frame\":%u,\"chip_cmds\":%" PRIu64
               ",\"chip_sim_us\":%" PRIu64 ",\"chip_wall_us\":%" PRIu64 ",\"total_wall_us\":%" PRIu64
               ",\"host_net_us\":%" PRIu64 ",\"since_start_us\":%" PRIu64 ",\"sec_before\":%d,\"sec_after\":%d}\n",
               mode_name(o->mode),
               !chip_needed(a)                    ? "none"
               : o->crypto == ID2_CRYPTO_TYPE_RSA ? "rsa"
                                                  : "aes",
               a->have_chip ? (unsigned)trustm_device_frame_size(&a->chip.dev) : 0u, a->st.chip_cmds, a->st.chip_sim_us,
               a->st.chip_wall_us, a->st.total_wall_us, a->st.total_wall_us - a->st.chip_wall_us, a->st.since_start_us,
               a->st.sec_before, a->st.sec_after);
        fflush(stdout);
    }
    return APP_EXIT_OK;
}

void app_disconnect(app_t *a)
{
    if (a->net == NULL) {
        return;
    }
    if (mqtt_client_connected(&a->client)) {
        (void)mqtt_client_disconnect(&a->client, 0);
    }
    mqtt_net_free(a->net);
    a->net = NULL;
}
