/*
 * fuzz_mqtt.c - libFuzzer target: the MQTT decoder (mqtt/mqtt_codec.c) as 3.1.1 and 5 on
 * arbitrary bytes, including property blocks, user properties and subscription lists; every
 * decoded string must lie inside the input; decoded 3.1.1 PUBLISH / PUBACK / SUBACK packets
 * re-encode to the same bytes. Then the client session (mqtt_client.c) is fed the same bytes
 * after a CONNACK through an in-memory transport.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mqtt/mqtt_client.h"
#include "mqtt/mqtt_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t *g_data;
static size_t g_size;

static void inside(mqtt_str_t s)
{
    if (s.ptr == NULL)
        return;
    if (s.ptr < g_data || s.len > g_size || (size_t)(s.ptr - g_data) > g_size - s.len)
        abort();
}

static void check_props(const mqtt_props_t *p)
{
    inside(p->content_type);
    inside(p->response_topic);
    inside(p->correlation_data);
    inside(p->assigned_client_id);
    inside(p->auth_method);
    inside(p->auth_data);
    inside(p->response_info);
    inside(p->server_reference);
    inside(p->reason_string);
    inside(p->raw);
    for (size_t i = 0; i < p->user_count; i++) {
        mqtt_user_prop_t u;
        if (mqtt_props_user(p, i, &u) != MQTT_OK)
            abort();
        inside(u.key);
        inside(u.value);
    }
}

static void reencode(uint8_t version, const mqtt_packet_t *d)
{
    static uint8_t out[70000];
    size_t n = 0;
    mqtt_status_t st;
    switch (d->type) {
    case MQTT_PUBLISH:
        st = mqtt_encode_publish(version, &d->u.publish, out, sizeof out, &n);
        break;
    case MQTT_PUBACK:
        st = mqtt_encode_ack(version, MQTT_PUBACK, &d->u.ack, out, sizeof out, &n);
        break;
    case MQTT_SUBACK:
        st = mqtt_encode_suback(version, MQTT_SUBACK, &d->u.suback, out, sizeof out, &n);
        break;
    default:
        return;
    }
    if (version == MQTT_V311 && g_size <= sizeof out && (st != MQTT_OK || n != g_size || memcmp(out, g_data, n) != 0))
        abort();
}

static void decode(uint8_t version)
{
    mqtt_packet_t d;
    if (mqtt_decode(version, g_data, g_size, &d) != MQTT_OK)
        return;
    switch (d.type) {
    case MQTT_CONNECT:
        inside(d.u.connect.client_id);
        inside(d.u.connect.user_name);
        inside(d.u.connect.password);
        inside(d.u.connect.will_topic);
        inside(d.u.connect.will_payload);
        check_props(&d.u.connect.props);
        check_props(&d.u.connect.will_props);
        break;
    case MQTT_CONNACK:
        check_props(&d.u.connack.props);
        break;
    case MQTT_PUBLISH:
        inside(d.u.publish.topic);
        inside(d.u.publish.payload);
        check_props(&d.u.publish.props);
        break;
    case MQTT_SUBSCRIBE:
    case MQTT_UNSUBSCRIBE:
        check_props(&d.u.subscribe.props);
        for (size_t i = 0; i < d.u.subscribe.count; i++) {
            mqtt_sub_t e;
            if (mqtt_subscribe_entry(&d.u.subscribe, d.type == MQTT_UNSUBSCRIBE, i, &e) != MQTT_OK)
                abort();
            inside(e.filter);
        }
        break;
    case MQTT_SUBACK:
    case MQTT_UNSUBACK:
        check_props(&d.u.suback.props);
        break;
    case MQTT_DISCONNECT:
    case MQTT_AUTH:
        check_props(&d.u.reason.props);
        break;
    default:
        check_props(&d.u.ack.props);
        break;
    }
    reencode(version, &d);
}

/* ---- client session over the input ----------------------------------------------------- */

typedef struct feed {
    uint32_t now;
    size_t pos;
} feed_t;

static const uint8_t connack_v3[] = {0x20, 0x02, 0x00, 0x00};

static uint32_t f_now(void *u)
{
    return ((feed_t *)u)->now;
}

static int32_t f_send(void *c, const uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    (void)c;
    (void)buf;
    (void)timeout_ms;
    return (int32_t)(len > 64 ? 64 : len); /* partial writes */
}

static int32_t f_recv(void *c, uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    feed_t *f = c;
    size_t total = sizeof connack_v3 + g_size;
    if (f->pos >= total) {
        f->now += timeout_ms;
        return 0;
    }
    size_t n = 0;
    while (n < len && f->pos < total) {
        buf[n++] = f->pos < sizeof connack_v3 ? connack_v3[f->pos] : g_data[f->pos - sizeof connack_v3];
        f->pos++;
    }
    return (int32_t)n;
}

static void on_message(void *u, const mqtt_publish_t *m)
{
    (void)u;
    if (m->topic.len == 0)
        abort();
}

static void session(void)
{
    static uint8_t tx[256], rx[128], store[256];
    feed_t f = {0, 0};
    mqtt_client_t c;
    mqtt_client_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.tx_buf = tx;
    cfg.tx_size = sizeof tx;
    cfg.rx_buf = rx;
    cfg.rx_size = sizeof rx;
    cfg.store_buf = store;
    cfg.store_size = sizeof store;
    cfg.now_ms = f_now;
    cfg.request_timeout_ms = 1000;
    cfg.user = &f;
    cfg.on_message = on_message;
    if (mqtt_client_init(&c, &cfg) != MQTT_OK)
        abort();
    mqtt_transport_t t = {&f, f_send, f_recv, NULL};
    mqtt_connect_t k;
    memset(&k, 0, sizeof k);
    k.version = MQTT_V311;
    k.keep_alive = 5;
    k.client_id = mqtt_cstr("fuzz");
    if (mqtt_client_connect(&c, &t, &k, NULL) != MQTT_OK)
        abort();
    mqtt_publish_t p;
    memset(&p, 0, sizeof p);
    p.topic = mqtt_cstr("t");
    p.qos = 1;
    (void)mqtt_client_publish(&c, &p, NULL);
    mqtt_sub_t sub = {mqtt_cstr("a/#"), 1};
    (void)mqtt_client_subscribe(&c, &sub, 1, NULL, NULL);
    for (int i = 0; i < 8 && mqtt_client_connected(&c); i++)
        (void)mqtt_client_yield(&c, 3000);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_data = data;
    g_size = size;
    decode(MQTT_V311);
    decode(MQTT_V5);
    size_t need;
    (void)mqtt_packet_need(data, size, &need);
    session();
    return 0;
}
