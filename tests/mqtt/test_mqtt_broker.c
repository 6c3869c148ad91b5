/*
 * test_mqtt_broker.c - the MQTT client and its TCP / TLS transports against a real mosquitto
 * (/usr/sbin/mosquitto) started here on 127.0.0.1 with free ports, a private temp folder and
 * its own config, stopped by PID:
 *   - plain TCP, MQTT 3.1.1 and 5: subscribe + QoS 1 publish to itself, PUBACK, message back;
 *   - TLS, server certificate (CA + server cert made now with the openssl CLI) verified by CA
 *     file and host name; wrong name and wrong CA refused;
 *   - TLS-PSK (psk_hint + psk_file listener), right key works, wrong key refused.
 * Without the broker binary (or openssl for the TLS part) the tests skip with a message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mqtt/mqtt_client.h"
#include "mqtt/mqtt_net.h"

#define MOSQUITTO    "/usr/sbin/mosquitto"
#define PSK_IDENTITY "00112233445566778899AABB"
/* cloud-mqtt.md §9.4: the secret for hint "trustm" of the id2.md §10 device */
#define PSK_HEX "B1294AFF81B4A8CAE1F406FD6192689BBE541BC2CB5AE597265B89E8D94174D3"

static struct broker {
    char dir[64];
    pid_t pid;
    uint16_t port_tcp, port_tls, port_psk;
    int have_tls;
    int up;
    const char *why;
} B;

/* ---- helpers --------------------------------------------------------------------------- */

static uint16_t free_port(int *keep)
{
    struct sockaddr_in a;
    socklen_t al = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || getsockname(fd, (struct sockaddr *)&a, &al) != 0)
        return 0;
    *keep = fd; /* closed by the caller once all ports are chosen */
    return ntohs(a.sin_port);
}

static int port_open(uint16_t port)
{
    struct sockaddr_in a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    if (fd >= 0)
        close(fd);
    return ok;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int run(const char *cmd)
{
    char full[1024];
    snprintf(full, sizeof full, "cd %s && %s >>openssl.log 2>&1", B.dir, cmd);
    return system(full) == 0;
}

static int write_file(const char *name, const char *text)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", B.dir, name);
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return 0;
    fputs(text, f);
    fclose(f);
    chmod(path, 0600);
    return 1;
}

/* CA, server certificate for "localhost", and a second (wrong) CA. */
static int make_certs(void)
{
    static const char *const cmds[] = {
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key "
        "-out ca.crt -days 2 -subj /CN=trustm-test-ca -addext basicConstraints=critical,CA:TRUE "
        "-addext keyUsage=critical,keyCertSign,cRLSign",
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout other.key "
        "-out other.crt -days 2 -subj /CN=trustm-test-ca -addext basicConstraints=critical,CA:TRUE "
        "-addext keyUsage=critical,keyCertSign,cRLSign",
        "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout server.key "
        "-out server.csr -subj /CN=localhost",
        "openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt "
        "-days 2 -extfile server.ext",
    };
    if (!write_file("server.ext", "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n"))
        return 0;
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        if (!run(cmds[i]))
            return 0;
    return 1;
}

static int broker_setup(void **state)
{
    (void)state;
    int keep[3] = {-1, -1, -1};
    char conf[2048];
    memset(&B, 0, sizeof B);
    if (access(MOSQUITTO, X_OK) != 0) {
        B.why = MOSQUITTO " not installed";
        return 0;
    }
    snprintf(B.dir, sizeof B.dir, "/tmp/trustm-mqtt-XXXXXX");
    if (mkdtemp(B.dir) == NULL) {
        B.why = "mkdtemp failed";
        return 0;
    }
    B.have_tls = access("/usr/bin/openssl", X_OK) == 0 && make_certs();
    B.port_tcp = free_port(&keep[0]);
    B.port_tls = free_port(&keep[1]);
    B.port_psk = free_port(&keep[2]);
    for (int i = 0; i < 3; i++)
        if (keep[i] >= 0)
            close(keep[i]);
    if (B.port_tcp == 0 || B.port_tls == 0 || B.port_psk == 0) {
        B.why = "no free port";
        return 0;
    }
    int n = snprintf(conf, sizeof conf,
                     "per_listener_settings true\npersistence false\n%s"
                     "listener %u 127.0.0.1\nallow_anonymous true\n",
                     geteuid() == 0 ? "user root\n" : "", B.port_tcp);
    if (B.have_tls)
        n += snprintf(conf + n, sizeof conf - (size_t)n,
                      "listener %u 127.0.0.1\nallow_anonymous true\ncafile %s/ca.crt\n"
                      "certfile %s/server.crt\nkeyfile %s/server.key\ntls_version tlsv1.2\n",
                      B.port_tls, B.dir, B.dir, B.dir);
    snprintf(conf + n, sizeof conf - (size_t)n,
             "listener %u 127.0.0.1\nallow_anonymous true\npsk_hint trustm\npsk_file %s/psk.txt\n"
             "tls_version tlsv1.2\n",
             B.port_psk, B.dir);
    if (!write_file("psk.txt", PSK_IDENTITY ":" PSK_HEX "\n") || !write_file("mosquitto.conf", conf)) {
        B.why = "cannot write config";
        return 0;
    }
    char confpath[128], logpath[128];
    snprintf(confpath, sizeof confpath, "%s/mosquitto.conf", B.dir);
    snprintf(logpath, sizeof logpath, "%s/mosquitto.out", B.dir);
    pid_t pid = fork();
    if (pid == 0) {
        FILE *f = freopen(logpath, "w", stderr);
        (void)f;
        dup2(2, 1);
        execl(MOSQUITTO, MOSQUITTO, "-c", confpath, (char *)NULL);
        _exit(127);
    }
    if (pid < 0) {
        B.why = "fork failed";
        return 0;
    }
    B.pid = pid;
    for (int i = 0; i < 100; i++) { /* readiness, not a timing assertion */
        if (port_open(B.port_tcp) && port_open(B.port_psk) && (!B.have_tls || port_open(B.port_tls))) {
            B.up = 1;
            break;
        }
        if (waitpid(pid, NULL, WNOHANG) == pid) {
            B.pid = 0;
            break;
        }
        sleep_ms(50);
    }
    if (!B.up)
        B.why = "mosquitto did not start (see its output in the temp folder)";
    return 0;
}

static int broker_teardown(void **state)
{
    (void)state;
    if (B.pid > 0) {
        kill(B.pid, SIGTERM);
        waitpid(B.pid, NULL, 0);
    }
    if (B.dir[0] != '\0') {
        static const char *const files[] = {"ca.key",         "ca.crt",        "ca.srl",     "other.key",  "other.crt",
                                            "server.key",     "server.csr",    "server.crt", "server.ext", "psk.txt",
                                            "mosquitto.conf", "mosquitto.out", "openssl.log"};
        char path[128];
        for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
            snprintf(path, sizeof path, "%s/%s", B.dir, files[i]);
            unlink(path);
        }
        rmdir(B.dir);
    }
    return 0;
}

#define REQUIRE_BROKER()                                                                                               \
    do {                                                                                                               \
        if (!B.up) {                                                                                                   \
            print_message("SKIP: %s\n", B.why != NULL ? B.why : "broker not running");                                 \
            skip();                                                                                                    \
        }                                                                                                              \
    } while (0)

/* ---- the session ----------------------------------------------------------------------- */

typedef struct sess {
    int subacked, pubacked, nacked;
    uint16_t puback_id;
    char payload[64];
    int got;
    uint8_t qos_got;
    size_t sends, recvs;
    int printed;
} sess_t;

static uint32_t mono_ms(void *u)
{
    (void)u;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint32_t)((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u);
}

static void on_event(void *u, const mqtt_event_t *ev)
{
    sess_t *s = u;
    if (ev->type == MQTT_EVENT_SUBSCRIBE_SUCCESS)
        s->subacked++;
    if (ev->type == MQTT_EVENT_PUBLISH_SUCCESS) {
        s->pubacked++;
        s->puback_id = ev->packet_id;
    }
    if (ev->type == MQTT_EVENT_SUBSCRIBE_NACK || ev->type == MQTT_EVENT_PUBLISH_NACK)
        s->nacked++;
}

static void on_message(void *u, const mqtt_publish_t *m)
{
    sess_t *s = u;
    snprintf(s->payload, sizeof s->payload, "%.*s", (int)m->payload.len, (const char *)m->payload.ptr);
    s->qos_got = m->qos;
    s->got++;
}

/* The transport's log hook, printing a few lines in the style of cloud-mqtt.md §4. */
static void on_net_log(void *u, const mqtt_net_log_t *ev)
{
    sess_t *s = u;
    if (ev->kind == MQTT_NET_LOG_SEND) {
        s->sends++;
        if (s->printed++ < 3)
            print_message("iTLS send data(%zu bytes) used time(usec): %llu\n", ev->bytes, (unsigned long long)ev->usec);
    } else if (ev->kind == MQTT_NET_LOG_RECV) {
        s->recvs++;
        if (s->printed++ < 3)
            print_message("=========================== iTLS receive data(%zu bytes) used time(usec): %llu\n", ev->bytes,
                          (unsigned long long)ev->usec);
    } else if (ev->kind == MQTT_NET_LOG_HANDSHAKE) {
        print_message("=========================== iTLS handshake used time(usec): %llu\n",
                      (unsigned long long)ev->usec);
    }
}

static uint8_t txb[2048], rxb[2048], storeb[4096];

static void client_setup(mqtt_client_t *c, sess_t *s)
{
    mqtt_client_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.tx_buf = txb;
    cfg.tx_size = sizeof txb;
    cfg.rx_buf = rxb;
    cfg.rx_size = sizeof rxb;
    cfg.store_buf = storeb;
    cfg.store_size = sizeof storeb;
    cfg.now_ms = mono_ms;
    cfg.request_timeout_ms = 5000;
    cfg.user = s;
    cfg.on_event = on_event;
    cfg.on_message = on_message;
    assert_int_equal(mqtt_client_init(c, &cfg), MQTT_OK);
}

static mqtt_net_opts_t opts(mqtt_net_mode_t mode, uint16_t port, sess_t *s)
{
    mqtt_net_opts_t o;
    memset(&o, 0, sizeof o);
    o.host = "127.0.0.1";
    o.port = port;
    o.mode = mode;
    o.connect_timeout_ms = 5000;
    o.log = on_net_log;
    o.log_user = s;
    return o;
}

/* Connect over n, subscribe to a topic, publish QoS 1 to it, wait for PUBACK and the echo. */
static void roundtrip(mqtt_net_t *n, sess_t *s, uint8_t version, const char *client_id, const char *topic)
{
    mqtt_client_t c;
    mqtt_transport_t t;
    mqtt_connect_t k;
    mqtt_connack_t ack;
    client_setup(&c, s);
    mqtt_net_transport(n, &t);
    memset(&k, 0, sizeof k);
    k.version = version;
    k.clean_start = true;
    k.keep_alive = 30;
    k.client_id = mqtt_cstr(client_id);
    if (version == MQTT_V5)
        mqtt_props_set_num(&k.props, MQTT_PROP_SESSION_EXPIRY, 0);
    mqtt_status_t st = mqtt_client_connect(&c, &t, &k, &ack);
    if (st != MQTT_OK)
        fail_msg("connect: %s (reason 0x%02x)", mqtt_status_str(st), ack.reason);
    if (version == MQTT_V5 && client_id[0] == '\0') {
        /* the broker assigns a client id to an empty one */
        assert_true(mqtt_props_has(&ack.props, MQTT_PROP_ASSIGNED_CLIENT_ID));
        assert_true(ack.props.assigned_client_id.len > 0);
    }
    mqtt_sub_t sub = {mqtt_cstr(topic), 1};
    uint16_t sid = 0, pid = 0;
    assert_int_equal(mqtt_client_subscribe(&c, &sub, 1, NULL, &sid), MQTT_OK);
    assert_int_equal(sid, 1);
    for (int i = 0; i < 100 && s->subacked == 0; i++)
        assert_int_equal(mqtt_client_yield(&c, 50), MQTT_OK);
    assert_int_equal(s->subacked, 1);
    mqtt_publish_t p;
    memset(&p, 0, sizeof p);
    p.topic = mqtt_cstr(topic);
    p.payload = mqtt_cstr("{\"attr_name\":\"temperature\",\"attr_value\":\"1\"}");
    p.qos = 1;
    assert_int_equal(mqtt_client_publish(&c, &p, &pid), MQTT_OK);
    assert_int_equal(pid, 2);
    for (int i = 0; i < 100 && (s->pubacked == 0 || s->got == 0); i++)
        assert_int_equal(mqtt_client_yield(&c, 50), MQTT_OK);
    assert_int_equal(s->pubacked, 1);
    assert_int_equal(s->puback_id, 2);
    assert_int_equal(s->got, 1);
    assert_int_equal(s->qos_got, 1);
    assert_string_equal(s->payload, "{\"attr_name\":\"temperature\",\"attr_value\":\"1\"}");
    assert_int_equal(s->nacked, 0);
    assert_int_equal(mqtt_client_pending(&c), 0);
    assert_int_equal(mqtt_client_disconnect(&c, 0), MQTT_OK);
    assert_true(s->sends >= 4 && s->recvs >= 3);
}

/* ---- tests ----------------------------------------------------------------------------- */

/* Plain TCP round trip with host given as a number or a name. */
static int tcp_roundtrip(const char *host, uint8_t version, const char *client_id, const char *topic)
{
    sess_t s;
    memset(&s, 0, sizeof s);
    mqtt_net_opts_t o = opts(MQTT_NET_TCP, B.port_tcp, &s);
    mqtt_net_t *n = NULL;
    int detail = 0;
    o.host = host;
    if (mqtt_net_connect(&o, &n, &detail) != MQTT_OK)
        return detail != 0 ? detail : -1;
    roundtrip(n, &s, version, client_id, topic);
    mqtt_net_free(n);
    return 0;
}

static void test_tcp_v311(void **state)
{
    (void)state;
    REQUIRE_BROKER();
    assert_int_equal(tcp_roundtrip("127.0.0.1", MQTT_V311, "trustm-test-v311", "trustm/test/v311"), 0);
    /* a name instead of a number */
    int rc = tcp_roundtrip("localhost", MQTT_V311, "trustm-test-name", "trustm/test/name");
    if (rc != 0)
        print_message("note: 'localhost' does not resolve to 127.0.0.1 here (%d)\n", rc);
}

static void test_tcp_v5(void **state)
{
    (void)state;
    REQUIRE_BROKER();
    /* empty client id: the broker assigns one (checked in roundtrip) */
    assert_int_equal(tcp_roundtrip("127.0.0.1", MQTT_V5, "", "trustm/test/v5"), 0);
}

/* QoS 1 messages published while the broker cannot ack them (link cut) reach the subscriber
 * after the reconnect: re-sent with DUP and the same packet id. */
static void test_tcp_reconnect_resend(void **state)
{
    (void)state;
    REQUIRE_BROKER();
    sess_t s;
    memset(&s, 0, sizeof s);
    mqtt_net_opts_t o = opts(MQTT_NET_TCP, B.port_tcp, &s);
    mqtt_net_t *n = NULL;
    mqtt_client_t c;
    mqtt_transport_t t;
    mqtt_connect_t k;
    client_setup(&c, &s);
    memset(&k, 0, sizeof k);
    k.version = MQTT_V311;
    k.keep_alive = 30;
    k.client_id = mqtt_cstr("trustm-test-resend");
    assert_int_equal(mqtt_net_connect(&o, &n, NULL), MQTT_OK);
    mqtt_net_transport(n, &t);
    assert_int_equal(mqtt_client_connect(&c, &t, &k, NULL), MQTT_OK);
    mqtt_sub_t sub = {mqtt_cstr("trustm/test/resend"), 1};
    assert_int_equal(mqtt_client_subscribe(&c, &sub, 1, NULL, NULL), MQTT_OK);
    for (int i = 0; i < 100 && s.subacked == 0; i++)
        assert_int_equal(mqtt_client_yield(&c, 50), MQTT_OK);
    /* cut the link under the client's feet, then publish: the send fails, message kept */
    mqtt_net_close(n);
    mqtt_publish_t p;
    memset(&p, 0, sizeof p);
    p.topic = mqtt_cstr("trustm/test/resend");
    p.payload = mqtt_cstr("kept");
    p.qos = 1;
    uint16_t id = 0;
    assert_int_equal(mqtt_client_publish(&c, &p, &id), MQTT_ERR_TRANSPORT);
    assert_int_equal(id, 2);
    assert_int_equal(mqtt_client_pending(&c), 1);
    mqtt_net_free(n);
    /* reconnect on a new transport, the session (clean 0) keeps the subscription */
    assert_int_equal(mqtt_net_connect(&o, &n, NULL), MQTT_OK);
    mqtt_net_transport(n, &t);
    assert_int_equal(mqtt_client_connect(&c, &t, &k, NULL), MQTT_OK);
    for (int i = 0; i < 100 && (s.pubacked == 0 || s.got == 0); i++)
        assert_int_equal(mqtt_client_yield(&c, 50), MQTT_OK);
    assert_int_equal(s.pubacked, 1);
    assert_int_equal(s.puback_id, 2);
    assert_int_equal(s.got, 1);
    assert_string_equal(s.payload, "kept");
    assert_int_equal(mqtt_client_pending(&c), 0);
    mqtt_client_disconnect(&c, 0);
    mqtt_net_free(n);
}

static void test_tls_ca(void **state)
{
    (void)state;
    REQUIRE_BROKER();
    if (!B.have_tls) {
        print_message("SKIP: openssl CLI missing or certificate generation failed\n");
        skip();
    }
    char ca[128], other[128];
    snprintf(ca, sizeof ca, "%s/ca.crt", B.dir);
    snprintf(other, sizeof other, "%s/other.crt", B.dir);
    sess_t s;
    memset(&s, 0, sizeof s);
    mqtt_net_opts_t o = opts(MQTT_NET_TLS_CA, B.port_tls, &s);
    o.ca_file = ca;
    o.server_name = "localhost";
    mqtt_net_t *n = NULL;
    int detail = 0;
    mqtt_status_t st = mqtt_net_connect(&o, &n, &detail);
    if (st != MQTT_OK)
        fail_msg("TLS connect: %s (-0x%04x)", mqtt_status_str(st), (unsigned)-detail);
    roundtrip(n, &s, MQTT_V311, "trustm-test-tls", "trustm/test/tls");
    mqtt_net_free(n);

    /* wrong host name: refused */
    o.server_name = "wrong.example";
    assert_int_equal(mqtt_net_connect(&o, &n, &detail), MQTT_ERR_AUTH);
    assert_null(n);
    /* wrong CA: refused */
    o.server_name = "localhost";
    o.ca_file = other;
    assert_int_equal(mqtt_net_connect(&o, &n, &detail), MQTT_ERR_AUTH);
    /* missing CA file */
    o.ca_file = "/nonexistent/ca.crt";
    assert_int_equal(mqtt_net_connect(&o, &n, &detail), MQTT_ERR_PARAM);
}

static void test_tls_psk(void **state)
{
    (void)state;
    REQUIRE_BROKER();
    uint8_t key[32];
    for (int i = 0; i < 32; i++) {
        unsigned v;
        sscanf(&PSK_HEX[2 * i], "%2x", &v);
        key[i] = (uint8_t)v;
    }
    sess_t s;
    memset(&s, 0, sizeof s);
    mqtt_net_opts_t o = opts(MQTT_NET_TLS_PSK, B.port_psk, &s);
    o.psk_identity = PSK_IDENTITY;
    o.psk = key;
    o.psk_len = sizeof key;
    mqtt_net_t *n = NULL;
    int detail = 0;
    mqtt_status_t st = mqtt_net_connect(&o, &n, &detail);
    if (st != MQTT_OK)
        fail_msg("PSK connect: %s (-0x%04x)", mqtt_status_str(st), (unsigned)-detail);
    roundtrip(n, &s, MQTT_V311, "trustm-test-psk", "trustm/test/psk");
    mqtt_net_free(n);

    /* a wrong key is refused */
    key[0] ^= 1;
    st = mqtt_net_connect(&o, &n, &detail);
    assert_int_not_equal(st, MQTT_OK);
    assert_null(n);
    /* an unknown identity too */
    key[0] ^= 1;
    o.psk_identity = "FFFFFFFFFFFFFFFFFFFFFFFF";
    assert_int_not_equal(mqtt_net_connect(&o, &n, &detail), MQTT_OK);
}

static void test_net_errors(void **state)
{
    (void)state;
    mqtt_net_t *n = (mqtt_net_t *)1;
    mqtt_net_opts_t o;
    int detail;
    memset(&o, 0, sizeof o);
    assert_int_equal(mqtt_net_connect(&o, &n, &detail), MQTT_ERR_PARAM);
    assert_null(n);
    /* nobody listening on a fresh port: refused */
    int keep = -1;
    o.host = "127.0.0.1";
    o.port = free_port(&keep);
    if (keep >= 0)
        close(keep);
    o.connect_timeout_ms = 2000;
    assert_int_equal(mqtt_net_connect(&o, &n, &detail), MQTT_ERR_TRANSPORT);
    o.mode = MQTT_NET_TLS_PSK; /* no identity */
    assert_int_equal(mqtt_net_connect(&o, &n, &detail), MQTT_ERR_PARAM);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tcp_v311), cmocka_unit_test(test_tcp_v5),  cmocka_unit_test(test_tcp_reconnect_resend),
        cmocka_unit_test(test_tls_ca),   cmocka_unit_test(test_tls_psk), cmocka_unit_test(test_net_errors),
    };
    return cmocka_run_group_tests_name("mqtt_broker", tests, broker_setup, broker_teardown);
}
