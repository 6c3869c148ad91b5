/*
 * mqttapp_main.c - options, the demo sequence of cloud-mqtt.md sections 6-7, reconnects.
 *
 * After the connect: the SDK's three reports (module id, device info, firmware version), then
 * the demo: "update: hello! start!" to /<pk>/<dn>/update, subscribe to /<pk>/<dn>/data,
 * "data: hello! start!" to /data, then {"attr_name":"temperature","attr_value":"N"} every
 * period. Every publish is QoS 1; a message whose PUBACK has not arrived when the connection
 * breaks is sent again (same packet id, DUP) after the reconnect, so none is lost.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mqttapp.h"

#define APP_VERSION     "0.1.0"
#define APP_SDK_VERSION "trustm-" APP_VERSION
#define APP_FW_VERSION  "app-1.0.0-20180101.1000" /* the SDK's default (cloud-mqtt.md 6) */
#define APP_YIELD_MS    200u
#define APP_DRAIN_MS    30000u /* wait for the last PUBACKs at the end */

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void usage(FILE *f)
{
    fprintf(f, "Usage: mqttapp [options]\n"
               "The seed's MQTT demo: proves the ID2 key held in an OPTIGA Trust M2 ID2 chip to an MQTT\n"
               "broker, sends the SDK's reports and the demo's messages, then a temperature reading every\n"
               "period (docs/mqttapp.md).\n"
               "\n"
               "Chip:\n"
               "  -d, --device SPEC       sim:STATEFILE | socket:PATH | i2c:/dev/i2c-N[@ADDR][,gpio=CHIP,rst=N,vdd=N]\n"
               "                          (default $TRUSTM_DEVICE); not needed with --mode secret\n"
               "  -f, --frame-size N      IFX I2C frame size 16..277 (default 277; the seed's ESP32 used 20)\n"
               "      --protect LEVEL     Shielded Connection to the chip: none, cmd, rsp or full (needs\n"
               "                          the secret of `trustm pair`: --pbs-file FILE or $TRUSTM_PBS_FILE)\n"
               "      --crypto aes|rsa    ID2 key type: AES-128 in E200 or RSA-1024 in E0FC (default aes)\n"
               "      --power-down        after each authentication wait until the security event counter\n"
               "                          is 0, close the application and switch the chip off (seed 5.6)\n"
               "      --power-down-max-ms N   bound of that wait (default 60000)\n"
               "Device identity:\n"
               "  -p, --product PK        product key (default a1FCMDh4ypx)\n"
               "  -n, --name DN           device name (default IFXDeviceMqttTest)\n"
               "      --partner-id ID     partner id of the SDK report (default example.demo.partner-id; \"\" = none)\n"
               "      --module-id ID      module id of the SDK report (default example.demo.module-id; \"\" = none)\n"
               "      --device-secret S   device secret for --mode secret (or @FILE)\n"
               "Broker:\n"
               "  -H, --host HOST         broker host (default 127.0.0.1)\n"
               "  -P, --port PORT         broker port (default 8883)\n"
               "  -m, --mode MODE         v5 (default): TLS + MQTT 5 enhanced authentication with ID2, mutual\n"
               "                          ts: TLS + MQTT 3.1.1, password = timestamp auth code\n"
               "                          psk: TLS-PSK keyed by the chip (identity = ID2)\n"
               "                          secret: TLS + MQTT 3.1.1, HMAC password with the device secret\n"
               "      --ca FILE           CA certificate(s) that signed the broker's certificate (v5, ts, secret)\n"
               "      --server-name NAME  name the broker certificate must carry (default: the host)\n"
               "      --psk-hint HINT     the listener's PSK hint (psk; default trustm)\n"
               "      --plain             no TLS at all (testing only: the ID2 proof still runs in v5 mode)\n"
               "      --keep-alive S      MQTT keep-alive (default 60)\n"
               "Run:\n"
               "      --period MS         time between temperature messages (default 2000)\n"
               "  -c, --count N           send N temperature messages, wait for their PUBACKs, exit (0 = forever)\n"
               "      --connect-only      authenticate, print the figures, disconnect\n"
               "      --connect-attempts N  attempts before the first connection succeeds (default 5, 0 = forever)\n"
               "      --backoff-ms MIN[,MAX]  reconnect backoff, doubling (default 1000,30000)\n"
               "      --stats             print a 'stats: {json}' line per connection (chip commands, times, SEC)\n"
               "  -v, --verbose           also log every received chunk\n"
               "  -h, --help              this text;  --version  the version\n"
               "\n"
               "Exit codes: 0 done, 1 usage, 2 chip error, 3 refused (by the broker, or the broker's proof by\n"
               "us), 4 broker unreachable. SIGINT/SIGTERM end the run cleanly (DISCONNECT, chip closed).\n");
}

static int parse_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi || s[0] == '-') {
        return -1;
    }
    *out = (uint32_t)v;
    return 0;
}

static int read_secret(const char *arg, char *out, size_t out_size)
{
    if (arg[0] != '@') {
        if (strlen(arg) >= out_size) {
            return -1;
        }
        strcpy(out, arg);
        return 0;
    }
    FILE *f = fopen(arg + 1, "r");
    if (f == NULL) {
        return -1;
    }
    size_t n = fread(out, 1, out_size - 1u, f);
    fclose(f);
    out[n] = '\0';
    out[strcspn(out, "\r\n")] = '\0';
    return out[0] == '\0' ? -1 : 0;
}

#define BAD(...)                                                                                                       \
    do {                                                                                                               \
        fprintf(stderr, "mqttapp: " __VA_ARGS__);                                                                      \
        fputs("; see mqttapp --help\n", stderr);                                                                       \
        return APP_EXIT_USAGE;                                                                                         \
    } while (0)

static int parse_args(app_opts_t *o, int argc, char **argv, bool *done)
{
    enum {
        O_CRYPTO = 256,
        O_POWER_DOWN,
        O_POWER_MAX,
        O_PARTNER,
        O_MODULE,
        O_SECRET,
        O_CA,
        O_SNI,
        O_HINT,
        O_PLAIN,
        O_KEEPALIVE,
        O_PERIOD,
        O_CONNECT_ONLY,
        O_ATTEMPTS,
        O_BACKOFF,
        O_STATS,
        O_VERSION,
        O_PROTECT,
        O_PBS
    };
    static const struct option lo[] = {{"device", required_argument, NULL, 'd'},
                                       {"frame-size", required_argument, NULL, 'f'},
                                       {"protect", required_argument, NULL, O_PROTECT},
                                       {"pbs-file", required_argument, NULL, O_PBS},
                                       {"crypto", required_argument, NULL, O_CRYPTO},
                                       {"power-down", no_argument, NULL, O_POWER_DOWN},
                                       {"power-down-max-ms", required_argument, NULL, O_POWER_MAX},
                                       {"product", required_argument, NULL, 'p'},
                                       {"name", required_argument, NULL, 'n'},
                                       {"partner-id", required_argument, NULL, O_PARTNER},
                                       {"module-id", required_argument, NULL, O_MODULE},
                                       {"device-secret", required_argument, NULL, O_SECRET},
                                       {"host", required_argument, NULL, 'H'},
                                       {"port", required_argument, NULL, 'P'},
                                       {"mode", required_argument, NULL, 'm'},
                                       {"ca", required_argument, NULL, O_CA},
                                       {"server-name", required_argument, NULL, O_SNI},
                                       {"psk-hint", required_argument, NULL, O_HINT},
                                       {"plain", no_argument, NULL, O_PLAIN},
                                       {"keep-alive", required_argument, NULL, O_KEEPALIVE},
                                       {"period", required_argument, NULL, O_PERIOD},
                                       {"count", required_argument, NULL, 'c'},
                                       {"connect-only", no_argument, NULL, O_CONNECT_ONLY},
                                       {"connect-attempts", required_argument, NULL, O_ATTEMPTS},
                                       {"backoff-ms", required_argument, NULL, O_BACKOFF},
                                       {"stats", no_argument, NULL, O_STATS},
                                       {"verbose", no_argument, NULL, 'v'},
                                       {"help", no_argument, NULL, 'h'},
                                       {"version", no_argument, NULL, O_VERSION},
                                       {NULL, 0, NULL, 0}};
    uint32_t v, v2;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":d:f:p:n:H:P:m:c:vh", lo, NULL)) != -1) {
        switch (c) {
        case 'd':
            o->device = optarg;
            break;
        case 'f':
            if (parse_u32(optarg, 16, 277, &v) != 0)
                BAD("--frame-size '%s': expected 16..277", optarg);
            o->frame_size = v;
            break;
        case O_CRYPTO:
            if (strcmp(optarg, "aes") == 0)
                o->crypto = ID2_CRYPTO_TYPE_AES;
            else if (strcmp(optarg, "rsa") == 0)
                o->crypto = ID2_CRYPTO_TYPE_RSA;
            else
                BAD("--crypto '%s': expected aes or rsa", optarg);
            break;
        case O_PROTECT: {
            static const char *const lv[] = {"none", "cmd", "rsp", "full"};
            o->protect = -2;
            for (int k = 0; k < 4; k++)
                if (strcmp(optarg, lv[k]) == 0)
                    o->protect = k;
            if (o->protect == -2)
                BAD("--protect '%s': expected none, cmd, rsp or full", optarg);
            break;
        }
        case O_PBS:
            o->pbs_file = optarg;
            break;
        case O_POWER_DOWN:
            o->power_down = true;
            break;
        case O_POWER_MAX:
            if (parse_u32(optarg, 0, 3600000u, &o->power_down_max_ms) != 0)
                BAD("--power-down-max-ms '%s'", optarg);
            break;
        case 'p':
            o->pk = optarg;
            break;
        case 'n':
            o->dn = optarg;
            break;
        case O_PARTNER:
            o->partner_id = optarg;
            break;
        case O_MODULE:
            o->module_id = optarg;
            break;
        case O_SECRET:
            if (read_secret(optarg, o->device_secret, sizeof o->device_secret) != 0)
                BAD("--device-secret: cannot read '%s' (text of at most 128 characters, or @FILE)", optarg);
            break;
        case 'H':
            o->host = optarg;
            break;
        case 'P':
            if (parse_u32(optarg, 1, 65535, &v) != 0)
                BAD("--port '%s': expected 1..65535", optarg);
            o->port = (uint16_t)v;
            break;
        case 'm':
            if (strcmp(optarg, "v5") == 0)
                o->mode = MODE_V5;
            else if (strcmp(optarg, "ts") == 0)
                o->mode = MODE_TS;
            else if (strcmp(optarg, "psk") == 0)
                o->mode = MODE_PSK;
            else if (strcmp(optarg, "secret") == 0)
                o->mode = MODE_SECRET;
            else
                BAD("--mode '%s': expected v5, ts, psk or secret", optarg);
            break;
        case O_CA:
            o->ca_file = optarg;
            break;
        case O_SNI:
            o->server_name = optarg;
            break;
        case O_HINT:
            o->psk_hint = optarg;
            break;
        case O_PLAIN:
            o->plain = true;
            break;
        case O_KEEPALIVE:
            if (parse_u32(optarg, 0, 65535, &v) != 0)
                BAD("--keep-alive '%s': expected 0..65535", optarg);
            o->keep_alive = (uint16_t)v;
            break;
        case O_PERIOD:
            if (parse_u32(optarg, 0, 86400000u, &o->period_ms) != 0)
                BAD("--period '%s': expected milliseconds", optarg);
            break;
        case 'c':
            if (parse_u32(optarg, 0, 0xFFFFFFFFu, &v) != 0)
                BAD("--count '%s': expected a number", optarg);
            o->count = v;
            break;
        case O_CONNECT_ONLY:
            o->connect_only = true;
            break;
        case O_ATTEMPTS:
            if (parse_u32(optarg, 0, 1000000u, &v) != 0)
                BAD("--connect-attempts '%s'", optarg);
            o->connect_attempts = v;
            break;
        case O_BACKOFF: {
            char first[32];
            const char *comma = strchr(optarg, ',');
            snprintf(first, sizeof first, "%.*s", comma != NULL ? (int)(comma - optarg) : (int)strlen(optarg), optarg);
            if (parse_u32(first, 1, 3600000u, &v) != 0)
                BAD("--backoff-ms '%s': expected MIN[,MAX] in ms", optarg);
            v2 = v > o->backoff_max_ms ? v : o->backoff_max_ms;
            if (comma != NULL && (parse_u32(comma + 1, v, 3600000u, &v2) != 0))
                BAD("--backoff-ms '%s': expected MIN[,MAX] with MAX >= MIN", optarg);
            o->backoff_min_ms = v;
            o->backoff_max_ms = v2;
            break;
        }
        case O_STATS:
            o->stats = true;
            break;
        case 'v':
            o->verbose++;
            break;
        case 'h':
            usage(stdout);
            *done = true;
            return APP_EXIT_OK;
        case O_VERSION:
            printf("mqttapp %s\n", APP_VERSION);
            *done = true;
            return APP_EXIT_OK;
        case ':':
            BAD("option '%s' needs a value", argv[optind - 1]);
        default:
            BAD("unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        BAD("unexpected argument '%s'", argv[optind]);
    if (o->mode == MODE_SECRET && o->device_secret[0] == '\0')
        BAD("--mode secret needs --device-secret");
    if (!o->plain && o->mode != MODE_PSK && o->ca_file == NULL)
        BAD("--mode %s over TLS needs --ca FILE (the CA that signed the broker's certificate)",
            o->mode == MODE_V5   ? "v5"
            : o->mode == MODE_TS ? "ts"
                                 : "secret");
    if (o->plain && o->mode == MODE_PSK)
        BAD("--mode psk is TLS-PSK: it cannot run with --plain");
    return APP_EXIT_OK;
}

/* ---- waiting, reconnecting ---- */

static void sleep_ms(uint32_t ms)
{
    while (ms > 0u && !stop_requested) {
        uint32_t step = ms > 100u ? 100u : ms;
        struct timespec ts = {0, (long)step * 1000000L};
        nanosleep(&ts, NULL);
        ms -= step;
    }
}

/* Connect, retrying transport failures with a doubling backoff. `attempts` 0 = forever. */
static int connect_retry(app_t *a, unsigned attempts)
{
    uint32_t backoff = a->o.backoff_min_ms;
    for (unsigned n = 1;; n++) {
        int rc = app_connect(a);
        if (rc != APP_EXIT_NETWORK || stop_requested) {
            return rc;
        }
        if (attempts != 0u && n >= attempts) {
            app_log('E', "broker %s:%u unreachable after %u attempt(s)", a->o.host, (unsigned)a->o.port, n);
            return rc;
        }
        app_log('I', "reconnect in %" PRIu32 " ms", backoff);
        sleep_ms(backoff);
        if (stop_requested) {
            return APP_EXIT_OK;
        }
        backoff = backoff * 2u > a->o.backoff_max_ms ? a->o.backoff_max_ms : backoff * 2u;
    }
}

/* Make sure the session is connected; after a break reconnect (stored messages are re-sent). */
static int ensure_connected(app_t *a)
{
    if (a->net != NULL && mqtt_client_connected(&a->client)) {
        return APP_EXIT_OK;
    }
    app_disconnect(a);
    int rc = connect_retry(a, 0);
    if (rc == APP_EXIT_OK && !stop_requested) {
        app_trace("event_handle", 56, "MQTT reconnect.");
    }
    return rc;
}

/* Process the connection for ms milliseconds, reconnecting when it breaks. */
static int run_for(app_t *a, uint32_t ms)
{
    uint64_t end = app_mono_us() + (uint64_t)ms * 1000u;
    for (;;) {
        int rc = ensure_connected(a);
        if (rc != APP_EXIT_OK || stop_requested) {
            return rc;
        }
        uint64_t now = app_mono_us();
        if (now >= end) {
            return APP_EXIT_OK;
        }
        uint64_t left = (end - now) / 1000u;
        (void)mqtt_client_yield(&a->client, left > APP_YIELD_MS ? APP_YIELD_MS : (uint32_t)left + 1u);
    }
}

/* Publish QoS 1 (reconnecting first when needed). APP_EXIT_OK, an exit code of a failed
 * reconnect, or APP_NOT_SENT when stopping or when the client refused the message. */
#define APP_NOT_SENT (-1)
static int publish(app_t *a, const char *topic, const char *payload, uint16_t *id)
{
    mqtt_publish_t m;
    memset(&m, 0, sizeof m);
    m.topic = mqtt_cstr(topic);
    m.payload = mqtt_cstr(payload);
    m.qos = 1;
    for (;;) {
        int rc = ensure_connected(a);
        if (rc != APP_EXIT_OK || stop_requested) {
            return rc != APP_EXIT_OK ? rc : APP_NOT_SENT;
        }
        mqtt_status_t st = mqtt_client_publish(&a->client, &m, id);
        if (st == MQTT_OK || st == MQTT_ERR_TRANSPORT) {
            return APP_EXIT_OK; /* a failed send stays stored and goes out after the reconnect */
        }
        if (st == MQTT_ERR_FULL) {
            (void)mqtt_client_yield(&a->client, APP_YIELD_MS);
            continue;
        }
        app_log('E', "publish to %s failed: %s", topic, mqtt_status_str(st));
        return APP_NOT_SENT;
    }
}

static void trace_publish(int line, const char *topic, const char *payload, uint16_t id)
{
    app_trace("mqtt_client", line, "\n publish message: \n topic: %s\n payload: %s\n rc = %u", topic, payload,
              (unsigned)id);
}

static int sdk_reports(app_t *a)
{
    char payload[1024];
    uint16_t id;
    int rc;
    if (a->o.partner_id[0] != '\0' && a->o.module_id[0] != '\0') {
        snprintf(payload, sizeof payload,
                 "{\"id\":\"%s_%s_mid\",\"params\":{\"_sys_device_mid\":\"%s\",\"_sys_device_pid\":\"%s\"}}", a->o.pk,
                 a->o.dn, a->o.module_id, a->o.partner_id);
        if ((rc = publish(a, a->topic_mid, payload, &id)) != APP_EXIT_OK) {
            return rc;
        }
    }
    app_log('E', "the network interface info set failed or not set, written len is 0");
    snprintf(payload, sizeof payload,
             "{\"id\":\"2\",\"version\":\"1.0\",\"params\":[{\"attrKey\":\"SYS_ALIOS_ACTIVATION\",\"attrValue\":\"%s\","
             "\"domain\":\"SYSTEM\"},{\"attrKey\":\"SYS_LP_SDK_VERSION\",\"attrValue\":\"%s\",\"domain\":\"SYSTEM\"},"
             "{\"attrKey\":\"SYS_SDK_LANGUAGE\",\"attrValue\":\"C\",\"domain\":\"SYSTEM\"},{\"attrKey\":\"SYS_SDK_IF_"
             "INFO\",\"attrValue\":\"invalid network interface info\",\"domain\":\"SYSTEM\"}],\"method\":\"thing."
             "deviceinfo.update\"}",
             a->id2_str[0] != '\0' ? a->id2_str : "none", APP_SDK_VERSION);
    if ((rc = publish(a, a->topic_info, payload, &id)) != APP_EXIT_OK) {
        return rc;
    }
    snprintf(payload, sizeof payload, "{\"id\":\"3\",\"params\":{\"version\":\"%s\"}}", APP_FW_VERSION);
    return publish(a, a->topic_ota, payload, &id);
}

static int demo(app_t *a)
{
    uint16_t id = 0;
    int rc;
    const char *update = "update: hello! start!";
    const char *data = "data: hello! start!";
    if ((rc = sdk_reports(a)) != APP_EXIT_OK) {
        return rc;
    }
    if ((rc = publish(a, a->topic_update, update, &id)) != APP_EXIT_OK) {
        return rc;
    }
    trace_publish(262, a->topic_update, update, id);
    mqtt_sub_t sub;
    memset(&sub, 0, sizeof sub);
    sub.filter = mqtt_cstr(a->topic_data);
    sub.options = 1; /* QoS 1 */
    if (mqtt_client_subscribe(&a->client, &sub, 1, NULL, &id) != MQTT_OK) {
        app_log('E', "subscribe to %s failed", a->topic_data);
    } else {
        app_log('I', "mqtt subscribe packet sent,topic = %s!", a->topic_data);
    }
    if ((rc = run_for(a, APP_YIELD_MS)) != APP_EXIT_OK || stop_requested) {
        return rc;
    }
    if ((rc = run_for(a, a->o.period_ms)) != APP_EXIT_OK || stop_requested) {
        return rc;
    }
    if ((rc = publish(a, a->topic_data, data, &id)) != APP_EXIT_OK) {
        return rc;
    }
    trace_publish(287, a->topic_data, data, id);
    if ((rc = run_for(a, APP_YIELD_MS)) != APP_EXIT_OK) {
        return rc;
    }
    while (!stop_requested && (a->o.count == 0u || a->cnt < a->o.count)) {
        char payload[96];
        a->cnt++;
        snprintf(payload, sizeof payload, "{\"attr_name\":\"temperature\",\"attr_value\":\"%lu\"}", a->cnt);
        app_trace("mqtt_client", 313, "-----cnt = %lu -----", a->cnt);
        if ((rc = publish(a, a->topic_data, payload, &id)) != APP_EXIT_OK) {
            if (!stop_requested) {
                app_trace("mqtt_client", 316, "error occur when publish");
            }
            return rc;
        }
        app_trace("mqtt_client", 318, "packet-id=%u, publish topic msg=%s", (unsigned)id, payload);
        if ((rc = run_for(a, APP_YIELD_MS)) != APP_EXIT_OK) {
            return rc;
        }
        if (a->o.count == 0u || a->cnt < a->o.count) {
            if ((rc = run_for(a, a->o.period_ms)) != APP_EXIT_OK) {
                return rc;
            }
        }
        app_trace("mqtt_client", 328, "-----cnt 1 = %lu -----", a->cnt);
    }
    /* wait for the last PUBACKs: nothing is left unconfirmed when we exit normally */
    uint64_t end = app_mono_us() + (uint64_t)APP_DRAIN_MS * 1000u;
    while (!stop_requested && mqtt_client_pending(&a->client) > 0u && app_mono_us() < end) {
        if ((rc = run_for(a, APP_YIELD_MS)) != APP_EXIT_OK) {
            return rc;
        }
    }
    if (mqtt_client_pending(&a->client) > 0u) {
        app_log('E', "%zu message(s) still unacknowledged at exit", mqtt_client_pending(&a->client));
    }
    return APP_EXIT_OK;
}

int main(int argc, char **argv)
{
    static app_t app; /* large buffers: not on the stack */
    app_t *a = &app;
    a->o.pk = "a1FCMDh4ypx";
    a->o.dn = "IFXDeviceMqttTest";
    a->o.host = "127.0.0.1";
    a->o.port = 8883;
    a->o.partner_id = "example.demo.partner-id";
    a->o.module_id = "example.demo.module-id";
    a->o.psk_hint = "trustm";
    a->o.protect = -1;
    a->o.period_ms = 2000;
    a->o.keep_alive = 60;
    a->o.connect_attempts = 5;
    a->o.backoff_min_ms = 1000;
    a->o.backoff_max_ms = 30000;
    bool done = false;
    int rc = parse_args(&a->o, argc, argv, &done);
    if (rc != APP_EXIT_OK || done) {
        return rc;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    app_log_start();

    if ((rc = app_chip_open(a)) != APP_EXIT_OK) {
        return rc;
    }
    if ((rc = app_names(a)) != APP_EXIT_OK) {
        app_chip_close(a);
        return rc;
    }
    printf("%s\n", a->client_id);
    app_log('I', "-----------------------------------------");
    app_log('I', "Host: %s", a->o.host);
    app_log('I', "Port: %u", (unsigned)a->o.port);
    app_log('I', "ClientID: %s", a->client_id);
    app_log('I', "-----------------------------------------");
    app_log('I', "MQTT init success!");
    rc = connect_retry(a, a->o.connect_attempts);
    if (rc == APP_EXIT_OK && !stop_requested && !a->o.connect_only) {
        rc = demo(a);
    }
    if (rc == APP_NOT_SENT) {
        rc = stop_requested ? APP_EXIT_OK : APP_EXIT_NETWORK; /* stopped, or the client refused */
    }
    app_disconnect(a);
    app_chip_close(a);
    if (stop_requested && rc == APP_EXIT_OK) {
        app_log('I', "stopped");
    }
    return rc;
}
