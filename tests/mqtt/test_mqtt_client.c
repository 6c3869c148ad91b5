/*
 * test_mqtt_client.c - the MQTT client session against a scripted in-memory transport and an
 * injected clock: the seed's packet sequence of cloud-mqtt.md §6 (ids 1..7, exact bytes), the
 * v5 enhanced-auth flow of §9.2 (accepted and refused), QoS 1 re-send with DUP after a
 * reconnect, packet ids, keep-alive PINGREQ, incoming messages, oversize packets, timeouts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "mqtt/mqtt_client.h"
#include "mqtt_vectors.h"
#include "trustm_testutil.h"

/* ---- scripted transport + clock -------------------------------------------------------- */

typedef struct fake {
    uint32_t now;       /* the injected clock (ms) */
    uint8_t out[16384]; /* every byte the client sent */
    size_t out_len;
    uint8_t in[4096]; /* bytes queued for the client */
    size_t in_len, in_pos;
    int broken; /* send/recv fail */
    int closed;
    size_t asked[256]; /* recv sizes the client asked for */
    size_t nasked;
} fake_t;

typedef struct ctx {
    fake_t f;
    mqtt_event_t ev[64];
    size_t nev;
    char msg_topic[128], msg_payload[128];
    uint16_t msg_id;
    size_t nmsg;
    int auth_calls, connack_calls;
    int refuse_proof;
} ctx_t;

static ctx_t T;
static uint8_t tx[1024], rx[1024], store[4096];

static uint32_t fake_now(void *u)
{
    return ((ctx_t *)u)->f.now;
}

static int32_t fake_send(void *c, const uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    fake_t *f = c;
    (void)timeout_ms;
    if (f->broken || f->closed)
        return -1;
    assert_true(f->out_len + len <= sizeof f->out);
    memcpy(f->out + f->out_len, buf, len);
    f->out_len += len;
    return (int32_t)len;
}

static int32_t fake_recv(void *c, uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    fake_t *f = c;
    if (f->broken || f->closed)
        return -1;
    if (f->nasked < 256)
        f->asked[f->nasked++] = len;
    if (f->in_pos == f->in_len) {
        f->now += timeout_ms; /* waited for nothing */
        return 0;
    }
    size_t n = f->in_len - f->in_pos < len ? f->in_len - f->in_pos : len;
    memcpy(buf, f->in + f->in_pos, n);
    f->in_pos += n;
    return (int32_t)n;
}

static void fake_close(void *c)
{
    ((fake_t *)c)->closed++;
}

static mqtt_transport_t transport(void)
{
    mqtt_transport_t t = {&T.f, fake_send, fake_recv, fake_close};
    return t;
}

/* Queue hex bytes for the client to receive. */
static void q(const char *hexstr)
{
    long n = tv_hex_parse(hexstr, T.f.in + T.f.in_len, sizeof T.f.in - T.f.in_len);
    assert_true(n > 0);
    T.f.in_len += (size_t)n;
}

/* New connection: fresh transport state, clock kept. */
static void new_link(void)
{
    uint32_t now = T.f.now;
    memset(&T.f, 0, sizeof T.f);
    T.f.now = now;
}

static void on_event(void *u, const mqtt_event_t *ev)
{
    ctx_t *c = u;
    if (c->nev < 64)
        c->ev[c->nev++] = *ev;
}

static void on_message(void *u, const mqtt_publish_t *m)
{
    ctx_t *c = u;
    snprintf(c->msg_topic, sizeof c->msg_topic, "%.*s", (int)m->topic.len, (const char *)m->topic.ptr);
    snprintf(c->msg_payload, sizeof c->msg_payload, "%.*s", (int)m->payload.len, (const char *)m->payload.ptr);
    c->msg_id = m->packet_id;
    c->nmsg++;
}

static mqtt_status_t on_auth(void *u, const mqtt_props_t *server, mqtt_str_t *reply)
{
    ctx_t *c = u;
    c->auth_calls++;
    assert_int_equal(server->auth_data.len, 32);
    assert_memory_equal(server->auth_data.ptr, V9_SERVER_RANDOM, 32);
    *reply = mqtt_cstr(V9_STEP3);
    return MQTT_OK;
}

static mqtt_status_t on_connack_auth(void *u, const mqtt_connack_t *k)
{
    ctx_t *c = u;
    c->connack_calls++;
    if (c->refuse_proof)
        return MQTT_ERR_AUTH;
    if (!mqtt_str_eq(k->props.auth_data, mqtt_cstr(V9_STEP4)))
        return MQTT_ERR_AUTH;
    return MQTT_OK;
}

static void client_init(mqtt_client_t *c, size_t rx_size)
{
    memset(&T, 0, sizeof T);
    T.f.now = 1000;
    mqtt_client_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.tx_buf = tx;
    cfg.tx_size = sizeof tx;
    cfg.rx_buf = rx;
    cfg.rx_size = rx_size;
    cfg.store_buf = store;
    cfg.store_size = sizeof store;
    cfg.now_ms = fake_now;
    cfg.request_timeout_ms = 2000;
    cfg.user = &T;
    cfg.on_event = on_event;
    cfg.on_message = on_message;
    cfg.on_auth = on_auth;
    cfg.on_connack_auth = on_connack_auth;
    assert_int_equal(mqtt_client_init(c, &cfg), MQTT_OK);
}

static mqtt_connect_t v3_connect(void)
{
    mqtt_connect_t k;
    memset(&k, 0, sizeof k);
    k.version = MQTT_V311;
    k.keep_alive = 60;
    k.client_id = mqtt_cstr(V93_CLIENT_ID);
    k.user_name = mqtt_cstr(V9_USER);
    k.password = mqtt_cstr(V93_PASSWORD);
    return k;
}

static void connect_v3(mqtt_client_t *c)
{
    mqtt_connect_t k = v3_connect();
    q("20020000");
    mqtt_connack_t ack;
    assert_int_equal(mqtt_client_connect(c, &(mqtt_transport_t){&T.f, fake_send, fake_recv, fake_close}, &k, &ack),
                     MQTT_OK);
    assert_true(mqtt_client_connected(c));
}

static bool contains(const uint8_t *hay, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(hay + i, needle, k) == 0)
            return true;
    return false;
}

static void assert_sent(size_t off, const char *hexstr)
{
    uint8_t want[512];
    long n = tv_hex_parse(hexstr, want, sizeof want);
    assert_true(n > 0);
    assert_true(off + (size_t)n <= T.f.out_len);
    if (memcmp(T.f.out + off, want, (size_t)n) != 0) {
        print_message("want %s\n", tv_hex_str(want, (size_t)n));
        print_message("got  %s\n", tv_hex_str(T.f.out + off, (size_t)n));
        fail();
    }
}

static uint16_t publish(mqtt_client_t *c, const char *topic, const char *payload, uint8_t qos)
{
    mqtt_publish_t p;
    uint16_t id = 0;
    memset(&p, 0, sizeof p);
    p.topic = mqtt_cstr(topic);
    p.payload = mqtt_cstr(payload);
    p.qos = qos;
    assert_int_equal(mqtt_client_publish(c, &p, &id), MQTT_OK);
    return id;
}

/* ---- tests ----------------------------------------------------------------------------- */

/* §6: connect, reports 1..3, update (4), subscribe (5), data (6), temperature (7). */
static void test_seed_sequence(void **state)
{
    (void)state;
    mqtt_client_t c;
    client_init(&c, sizeof rx);
    connect_v3(&c);
    assert_sent(0, V93_CONNECT_HEX);
    /* CONNACK read as 1 + 1 + 2 bytes */
    assert_int_equal(T.f.nasked, 3);
    assert_int_equal(T.f.asked[0], 1);
    assert_int_equal(T.f.asked[1], 1);
    assert_int_equal(T.f.asked[2], 2);
    /* the password is not left in tx_buf */
    assert_false(contains(tx, sizeof tx, V93_PASSWORD));

    size_t off = T.f.out_len;
    assert_int_equal(publish(&c, V6_TOPIC_MID, V6_PAYLOAD_MID, 1), 1);
    assert_int_equal(T.f.out_len - off, 201);
    assert_sent(off, "32C6010036");
    off = T.f.out_len;
    assert_int_equal(publish(&c, "/sys/" V_PK "/" V_DN "/thing/deviceinfo/update", "{}", 1), 2);
    off = T.f.out_len;
    assert_int_equal(publish(&c, V6_TOPIC_FW, V6_PAYLOAD_FW, 1), 3);
    assert_sent(off, V6_FW_HEX);
    off = T.f.out_len;
    assert_int_equal(publish(&c, V6_TOPIC_UPDATE, V6_PAYLOAD_UPDATE, 1), 4);
    assert_sent(off, V6_UPDATE_HEX);
    off = T.f.out_len;
    mqtt_sub_t sub = {mqtt_cstr(V6_TOPIC_DATA), 1};
    uint16_t id = 0;
    assert_int_equal(mqtt_client_subscribe(&c, &sub, 1, NULL, &id), MQTT_OK);
    assert_int_equal(id, 5);
    assert_sent(off, V6_SUBSCRIBE_HEX);
    off = T.f.out_len;
    assert_int_equal(publish(&c, V6_TOPIC_DATA, V6_PAYLOAD_DATA, 1), 6);
    assert_sent(off, V6_DATA_HEX);
    off = T.f.out_len;
    assert_int_equal(publish(&c, V6_TOPIC_DATA, V6_PAYLOAD_TEMP1, 1), 7);
    assert_sent(off, V6_TEMP1_HEX);
    assert_int_equal(T.f.out_len - off, 85);
    assert_int_equal(mqtt_client_pending(&c), 6);

    /* PUBACK 1 (read 1 + 1 + 2), SUBACK 5 */
    T.f.nasked = 0;
    q(V6_PUBACK_HEX);
    q("9003000501");
    assert_int_equal(mqtt_client_yield(&c, 200), MQTT_OK);
    assert_int_equal(T.f.asked[0], 1);
    assert_int_equal(T.f.asked[1], 1);
    assert_int_equal(T.f.asked[2], 2);
    assert_int_equal(T.nev, 2);
    assert_int_equal(T.ev[0].type, MQTT_EVENT_PUBLISH_SUCCESS);
    assert_int_equal(T.ev[0].packet_id, 1);
    assert_int_equal(T.ev[1].type, MQTT_EVENT_SUBSCRIBE_SUCCESS);
    assert_int_equal(T.ev[1].packet_id, 5);
    assert_int_equal(T.ev[1].count, 1);
    assert_int_equal(T.ev[1].codes[0], 1);
    assert_int_equal(mqtt_client_pending(&c), 5);

    /* QoS 0 uses no packet id */
    publish(&c, V6_TOPIC_DATA, "q0", 0);
    assert_int_equal(publish(&c, V6_TOPIC_DATA, V6_PAYLOAD_TEMP1, 1), 8);

    off = T.f.out_len;
    assert_int_equal(mqtt_client_disconnect(&c, 0), MQTT_OK);
    assert_sent(off, "E000");
    assert_int_equal(T.f.closed, 1);
    assert_false(mqtt_client_connected(&c));
}

static void connect_v5_auth(mqtt_client_t *c, mqtt_status_t want)
{
    mqtt_connect_t k;
    memset(&k, 0, sizeof k);
    k.version = MQTT_V5;
    k.keep_alive = 60;
    k.client_id = mqtt_cstr(V9_CLIENT_ID);
    k.user_name = mqtt_cstr(V9_USER);
    mqtt_props_set_str(&k.props, MQTT_PROP_AUTH_METHOD, "ID2", 3);
    mqtt_props_set_str(&k.props, MQTT_PROP_AUTH_DATA, V9_ID2, 24);
    mqtt_transport_t t = transport();
    mqtt_connack_t ack;
    assert_int_equal(mqtt_client_connect(c, &t, &k, &ack), want);
}

/* §9.2 accepted: CONNECT 193 -> AUTH 45 -> AUTH 132 -> CONNACK 100 -> app accepts. */
static void test_v5_auth_accept(void **state)
{
    (void)state;
    mqtt_client_t c;
    client_init(&c, sizeof rx);
    q(V92_AUTH2_HEX);
    q(V92_CONNACK_HEX);
    connect_v5_auth(&c, MQTT_OK);
    assert_int_equal(T.auth_calls, 1);
    assert_int_equal(T.connack_calls, 1);
    assert_true(mqtt_client_connected(&c));
    assert_int_equal(T.f.out_len, 193 + 132);
    assert_sent(0, V92_CONNECT_HEX);
    assert_sent(193, V92_AUTH3_HEX);
    assert_int_equal(T.f.closed, 0);
    /* v5 DISCONNECT normal: E0 00 */
    assert_int_equal(mqtt_client_disconnect(&c, 0), MQTT_OK);
    assert_sent(325, "E000");
}

/* §9.2 refused by the device: a wrong server proof -> DISCONNECT 0x87, MQTT_ERR_AUTH. */
static void test_v5_auth_refuse(void **state)
{
    (void)state;
    mqtt_client_t c;
    client_init(&c, sizeof rx);
    T.refuse_proof = 1;
    q(V92_AUTH2_HEX);
    q(V92_CONNACK_HEX);
    connect_v5_auth(&c, MQTT_ERR_AUTH);
    assert_false(mqtt_client_connected(&c));
    assert_int_equal(T.f.out_len, 193 + 132 + 3);
    assert_sent(325, "E00187");
    assert_int_equal(T.f.closed, 1);
    /* never publishes to an unauthenticated broker */
    mqtt_publish_t p;
    memset(&p, 0, sizeof p);
    p.topic = mqtt_cstr("t");
    assert_int_equal(mqtt_client_publish(&c, &p, NULL), MQTT_ERR_STATE);

    /* A server proof that does not match (callback compares) is refused the same way. */
    client_init(&c, sizeof rx);
    q(V92_AUTH2_HEX);
    q("201100000e1500034944321600053130"
      "7e7e7e"); /* auth data "10~~~" */
    connect_v5_auth(&c, MQTT_ERR_AUTH);
    assert_sent(325, "E00187");

    /* The broker refuses: CONNACK 0x87 -> MQTT_ERR_REFUSED, reason kept. */
    client_init(&c, sizeof rx);
    q(V92_AUTH2_HEX);
    q("2003008700");
    connect_v5_auth(&c, MQTT_ERR_REFUSED);
    assert_int_equal(T.f.closed, 1);
    assert_int_equal(T.connack_calls, 0);

    /* A broker AUTH with another method is a protocol error. */
    client_init(&c, sizeof rx);
    q("f0081806150003494433");
    connect_v5_auth(&c, MQTT_ERR_PROTOCOL);
    assert_sent(193, "E00182");

    /* No answer at all: timeout after the request timeout (injected clock). */
    client_init(&c, sizeof rx);
    uint32_t t0 = T.f.now;
    connect_v5_auth(&c, MQTT_ERR_TIMEOUT);
    assert_true(T.f.now - t0 >= 2000);
}

/* Unacknowledged QoS 1 messages are re-sent with DUP=1 and their ids after a reconnect. */
static void test_resend_after_reconnect(void **state)
{
    (void)state;
    mqtt_client_t c;
    client_init(&c, sizeof rx);
    connect_v3(&c);
    size_t start = T.f.out_len;
    assert_int_equal(publish(&c, V6_TOPIC_UPDATE, V6_PAYLOAD_UPDATE, 1), 1);
    size_t len1 = T.f.out_len - start;
    assert_int_equal(publish(&c, V6_TOPIC_DATA, V6_PAYLOAD_DATA, 1), 2);
    size_t mid = T.f.out_len;
    assert_int_equal(publish(&c, V6_TOPIC_DATA, V6_PAYLOAD_TEMP1, 1), 3);
    uint8_t first[256], third[256];
    memcpy(first, T.f.out + start, len1);
    size_t len3 = T.f.out_len - mid;
    memcpy(third, T.f.out + mid, len3);
    q("40020002");
    assert_int_equal(mqtt_client_yield(&c, 100), MQTT_OK);
    assert_int_equal(mqtt_client_pending(&c), 2);

    /* the link breaks */
    T.f.broken = 1;
    T.nev = 0;
    assert_int_equal(mqtt_client_yield(&c, 100), MQTT_ERR_TRANSPORT);
    assert_false(mqtt_client_connected(&c));
    assert_int_equal(T.nev, 1);
    assert_int_equal(T.ev[0].type, MQTT_EVENT_DISCONNECT);
    assert_int_equal(mqtt_client_pending(&c), 2);
    mqtt_publish_t p;
    memset(&p, 0, sizeof p);
    p.topic = mqtt_cstr("x");
    p.qos = 1;
    assert_int_equal(mqtt_client_publish(&c, &p, NULL), MQTT_ERR_STATE);

    /* reconnect on a new transport */
    new_link();
    connect_v3(&c);
    size_t off = 260;
    assert_int_equal(T.f.out_len, 260 + len1 + len3);
    first[0] |= 0x08;
    third[0] |= 0x08;
    assert_int_equal(T.f.out[off], 0x3A);
    assert_memory_equal(T.f.out + off, first, len1);
    assert_memory_equal(T.f.out + off + len1, third, len3);
    /* ids 1 and 3 inside */
    assert_int_equal(T.f.out[off + 2 + 2 + strlen(V6_TOPIC_UPDATE) + 1], 1);

    /* a new message continues the id sequence */
    assert_int_equal(publish(&c, V6_TOPIC_DATA, "more", 1), 4);
    q("40020001");
    q("40020003");
    q("40020004");
    T.nev = 0;
    assert_int_equal(mqtt_client_yield(&c, 100), MQTT_OK);
    assert_int_equal(mqtt_client_pending(&c), 0);
    assert_int_equal(T.nev, 3);
    assert_int_equal(T.ev[0].packet_id, 1);
    assert_int_equal(T.ev[1].packet_id, 3);
    assert_int_equal(T.ev[2].packet_id, 4);

    /* a send failure keeps the message for the next connection */
    T.f.broken = 1;
    uint16_t id = 0;
    p.payload = mqtt_cstr("kept");
    assert_int_equal(mqtt_client_publish(&c, &p, &id), MQTT_ERR_TRANSPORT);
    assert_int_equal(id, 5);
    assert_int_equal(mqtt_client_pending(&c), 1);
    new_link();
    connect_v3(&c);
    assert_sent(260, "3A0900017800056B657074");
}

/* Packet ids 1..N over QoS 1 PUBLISH, SUBSCRIBE and UNSUBSCRIBE; full table; wrap skips ids
 * in use. */
static void test_packet_ids(void **state)
{
    (void)state;
    mqtt_client_t c;
    client_init(&c, sizeof rx);
    connect_v3(&c);
    mqtt_sub_t sub = {mqtt_cstr("a/#"), 1};
    mqtt_str_t filt = mqtt_cstr("a/#");
    uint16_t id;
    char ack[16];
    for (uint16_t want = 1; want <= 40; want++) {
        switch (want % 3) {
        case 0:
            assert_int_equal(mqtt_client_subscribe(&c, &sub, 1, NULL, &id), MQTT_OK);
            snprintf(ack, sizeof ack, "9003%04X01", want);
            break;
        case 1:
            id = publish(&c, "a/b", "x", 1);
            snprintf(ack, sizeof ack, "4002%04X", want);
            break;
        default:
            assert_int_equal(mqtt_client_unsubscribe(&c, &filt, 1, NULL, &id), MQTT_OK);
            snprintf(ack, sizeof ack, "B002%04X", want);
            break;
        }
        assert_int_equal(id, want);
        publish(&c, "a/b", "qos0", 0);
        q(ack);
        assert_int_equal(mqtt_client_yield(&c, 10), MQTT_OK);
    }
    assert_int_equal(mqtt_client_pending(&c), 0);
    /* 16 in flight, the 17th is refused without using an id */
    for (int i = 0; i < MQTT_CLIENT_MAX_INFLIGHT; i++)
        assert_int_equal(publish(&c, "a/b", "x", 1), 41 + i);
    mqtt_publish_t p;
    memset(&p, 0, sizeof p);
    p.topic = mqtt_cstr("a/b");
    p.qos = 1;
    assert_int_equal(mqtt_client_publish(&c, &p, &id), MQTT_ERR_FULL);
    q("40020029"); /* ack 41 */
    assert_int_equal(mqtt_client_yield(&c, 10), MQTT_OK);
    assert_int_equal(publish(&c, "a/b", "x", 1), 57);
    /* QoS 2 subscriptions are refused (client has no QoS 2) */
    sub.options = 2;
    assert_int_equal(mqtt_client_subscribe(&c, &sub, 1, NULL, &id), MQTT_ERR_PARAM);
}

/* PINGREQ when keep-alive seconds passed since the last send; missing PINGRESP ends it. */
static void test_keepalive(void **state)
{
    (void)state;
    mqtt_client_t c;
    client_init(&c, sizeof rx);
    connect_v3(&c);
    uint32_t t_connect = T.f.now;
    size_t base = T.f.out_len;
    /* 60 s of silence: nothing sent yet; the next yield pings */
    for (int i = 0; i < 60; i++)
        assert_int_equal(mqtt_client_yield(&c, 1000), MQTT_OK);
    assert_int_equal(T.f.out_len, base);
    assert_int_equal(mqtt_client_yield(&c, 1000), MQTT_OK);
    assert_int_equal(T.f.out_len, base + 2);
    assert_sent(base, "C000");
    assert_true(T.f.now - t_connect >= 60000);
    q("D000");
    assert_int_equal(mqtt_client_yield(&c, 1000), MQTT_OK);

    /* a publish restarts the idle time: no ping 60 s after the first one, but 60 s after it */
    for (int i = 0; i < 30; i++)
        assert_int_equal(mqtt_client_yield(&c, 1000), MQTT_OK);
    publish(&c, "t", "x", 0);
    base = T.f.out_len;
    for (int i = 0; i < 59; i++)
        assert_int_equal(mqtt_client_yield(&c, 1000), MQTT_OK);
    assert_int_equal(T.f.out_len, base);
    assert_int_equal(mqtt_client_yield(&c, 2000), MQTT_OK);
    assert_sent(base, "C000");

    /* no PINGRESP: MQTT_ERR_TIMEOUT within the request timeout, DISCONNECT sent */
    base = T.f.out_len;
    assert_int_equal(mqtt_client_yield(&c, 10000), MQTT_ERR_TIMEOUT);
    assert_false(mqtt_client_connected(&c));
    assert_sent(base, "E000");
    assert_int_equal(mqtt_client_yield(&c, 10), MQTT_ERR_STATE);
}

/* Incoming PUBLISH: delivered, QoS 1 acknowledged; QoS 2 refused; oversize dropped. */
static void test_incoming(void **state)
{
    (void)state;
    mqtt_client_t c;
    client_init(&c, 64);
    connect_v3(&c);
    size_t base = T.f.out_len;
    q("30080001746162636465"); /* QoS 0, topic "t", "abcde" */
    assert_int_equal(mqtt_client_yield(&c, 10), MQTT_OK);
    assert_int_equal(T.nmsg, 1);
    assert_string_equal(T.msg_topic, "t");
    assert_string_equal(T.msg_payload, "abcde");
    assert_int_equal(T.f.out_len, base);

    /* 85-byte packet > rx 64: dropped with an event, the next one still works */
    q(V6_TEMP1_HEX);
    q("320700017400096869"); /* QoS 1 "t" id 9 "hi" */
    assert_int_equal(mqtt_client_yield(&c, 10), MQTT_OK);
    assert_int_equal(T.nev, 1);
    assert_int_equal(T.ev[0].type, MQTT_EVENT_BUFFER_OVERFLOW);
    assert_int_equal(T.ev[0].size, 85);
    assert_int_equal(T.nmsg, 2);
    assert_int_equal(T.msg_id, 9);
    assert_string_equal(T.msg_payload, "hi");
    assert_sent(base, "40020009");

    /* a malformed packet ends the connection */
    q("30030001FF");
    assert_int_equal(mqtt_client_yield(&c, 10), MQTT_ERR_BAD_UTF8);
    assert_false(mqtt_client_connected(&c));

    /* QoS 2 is not supported */
    new_link();
    connect_v3(&c);
    q("340700017400016869");
    assert_int_equal(mqtt_client_yield(&c, 10), MQTT_ERR_PROTOCOL);

    /* a SUBACK that never comes: timeout event */
    new_link();
    connect_v3(&c);
    T.nev = 0;
    mqtt_sub_t sub = {mqtt_cstr("a"), 0};
    uint16_t id;
    assert_int_equal(mqtt_client_subscribe(&c, &sub, 1, NULL, &id), MQTT_OK);
    assert_int_equal(mqtt_client_yield(&c, 3000), MQTT_OK);
    assert_int_equal(T.nev, 1);
    assert_int_equal(T.ev[0].type, MQTT_EVENT_SUBSCRIBE_TIMEOUT);
    assert_int_equal(T.ev[0].packet_id, id);
    /* SUBACK failure code */
    assert_int_equal(mqtt_client_subscribe(&c, &sub, 1, NULL, &id), MQTT_OK);
    char h[16];
    snprintf(h, sizeof h, "9003%04X80", id);
    q(h);
    assert_int_equal(mqtt_client_yield(&c, 10), MQTT_OK);
    assert_int_equal(T.ev[1].type, MQTT_EVENT_SUBSCRIBE_NACK);
    /* v3 server sends a CONNACK again: protocol error */
    q("20020000");
    assert_int_equal(mqtt_client_yield(&c, 10), MQTT_ERR_PROTOCOL);
}

/* The store: a too-large message is refused, a full store too; PUBACKs in any order compact it
 * and the remaining packets are re-sent intact. */
static void test_store(void **state)
{
    (void)state;
    static char big[5000], mid[1000];
    mqtt_client_t c;
    client_init(&c, sizeof rx);
    connect_v3(&c);
    memset(big, 'B', sizeof big - 1);
    mqtt_publish_t p;
    memset(&p, 0, sizeof p);
    p.topic = mqtt_cstr("t");
    p.qos = 1;
    p.payload = mqtt_cstr(big);
    uint16_t id = 0;
    assert_int_equal(mqtt_client_publish(&c, &p, &id), MQTT_ERR_TOO_LARGE);
    size_t first = T.f.out_len;
    size_t len[5];
    for (int i = 0; i < 4; i++) {
        memset(mid, 'a' + i, sizeof mid - 1);
        p.payload = mqtt_cstr(mid);
        size_t before = T.f.out_len;
        assert_int_equal(mqtt_client_publish(&c, &p, &id), MQTT_OK);
        assert_int_equal(id, i + 1);
        len[i] = T.f.out_len - before;
    }
    uint8_t copy[4 * 1100];
    memcpy(copy, T.f.out + first, T.f.out_len - first);
    assert_int_equal(mqtt_client_publish(&c, &p, &id), MQTT_ERR_FULL); /* 5 x 1008 > 4096 */
    q("40020002");
    q("40020004");
    assert_int_equal(mqtt_client_yield(&c, 10), MQTT_OK);
    memset(mid, 'e', sizeof mid - 1);
    assert_int_equal(mqtt_client_publish(&c, &p, &id), MQTT_OK);
    assert_int_equal(id, 5);
    len[4] = T.f.out_len - (first + len[0] + len[1] + len[2] + len[3]);
    uint8_t fifth[1100];
    memcpy(fifth, T.f.out + T.f.out_len - len[4], len[4]);
    T.f.broken = 1;
    assert_int_equal(mqtt_client_yield(&c, 10), MQTT_ERR_TRANSPORT);
    new_link();
    connect_v3(&c);
    /* 1, 3, 5 re-sent with DUP, bytes otherwise unchanged */
    size_t off = 260;
    copy[0] |= 0x08;
    assert_memory_equal(T.f.out + off, copy, len[0]);
    off += len[0];
    uint8_t *third = copy + len[0] + len[1];
    third[0] |= 0x08;
    assert_memory_equal(T.f.out + off, third, len[2]);
    off += len[2];
    fifth[0] |= 0x08;
    assert_memory_equal(T.f.out + off, fifth, len[4]);
    assert_int_equal(T.f.out_len, off + len[4]);
    assert_int_equal(mqtt_client_pending(&c), 3);
}

static void test_params(void **state)
{
    (void)state;
    mqtt_client_t c;
    mqtt_client_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    assert_int_equal(mqtt_client_init(&c, &cfg), MQTT_ERR_PARAM);
    client_init(&c, sizeof rx);
    assert_int_equal(mqtt_client_yield(&c, 10), MQTT_ERR_STATE);
    assert_int_equal(mqtt_client_disconnect(&c, 0), MQTT_ERR_STATE);
    mqtt_connect_t k = v3_connect();
    k.version = 3;
    mqtt_transport_t t = transport();
    assert_int_equal(mqtt_client_connect(&c, &t, &k, NULL), MQTT_ERR_PARAM);
    assert_int_equal(T.f.out_len, 0);
    /* refused v3 CONNACK */
    k = v3_connect();
    q("20020005");
    mqtt_connack_t ack;
    assert_int_equal(mqtt_client_connect(&c, &t, &k, &ack), MQTT_ERR_REFUSED);
    assert_int_equal(ack.reason, 5);
    assert_int_equal(T.f.closed, 1);
    /* a connected client refuses a second connect */
    new_link();
    connect_v3(&c);
    assert_int_equal(mqtt_client_connect(&c, &t, &k, NULL), MQTT_ERR_STATE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seed_sequence),  cmocka_unit_test(test_v5_auth_accept),
        cmocka_unit_test(test_v5_auth_refuse), cmocka_unit_test(test_resend_after_reconnect),
        cmocka_unit_test(test_packet_ids),     cmocka_unit_test(test_keepalive),
        cmocka_unit_test(test_incoming),       cmocka_unit_test(test_store),
        cmocka_unit_test(test_params),
    };
    return cmocka_run_group_tests_name("mqtt_client", tests, NULL, NULL);
}
