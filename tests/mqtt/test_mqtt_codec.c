/*
 * test_mqtt_codec.c - the MQTT codec against the exact packets of cloud-mqtt.md (§3.5, §6,
 * §9.2, §9.3): byte-exact encoding with canaries around the output, decoding of the same
 * bytes, every truncation rejected, and malformed packets rejected with a clear status.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <mbedtls/md.h>

#include "mqtt/mqtt_codec.h"
#include "mqtt_vectors.h"
#include "trustm_testutil.h"

#define CANARY 0xA5
#define PAD    16

static size_t hex(const char *h, uint8_t *out, size_t size)
{
    long n = tv_hex_parse(h, out, size);
    assert_true(n > 0);
    return (size_t)n;
}

static mqtt_str_t S(const char *s)
{
    return mqtt_cstr(s);
}

static void assert_str(mqtt_str_t got, const char *want)
{
    assert_int_equal(got.len, strlen(want));
    assert_memory_equal(got.ptr, want, got.len);
}

typedef mqtt_status_t (*enc_fn)(const void *arg, uint8_t *out, size_t size, size_t *len);

/* Encode into a buffer with canaries on both sides: exact size works and equals `want`, one
 * byte less fails with NO_SPACE and leaves the buffer untouched. */
static void check_encode(enc_fn enc, const void *arg, const uint8_t *want, size_t want_len)
{
    static uint8_t buf[2048];
    size_t len = 0;
    assert_true(want_len + 2 * PAD <= sizeof buf);
    memset(buf, CANARY, sizeof buf);
    assert_int_equal(enc(arg, buf + PAD, want_len, &len), MQTT_OK);
    assert_int_equal(len, want_len);
    if (memcmp(buf + PAD, want, want_len) != 0) {
        print_message("want %s\n", tv_hex_str(want, want_len));
        print_message("got  %s\n", tv_hex_str(buf + PAD, want_len));
        fail();
    }
    for (size_t i = 0; i < PAD; i++) {
        assert_int_equal(buf[i], CANARY);
        assert_int_equal(buf[PAD + want_len + i], CANARY);
    }
    memset(buf, CANARY, sizeof buf);
    len = 12345;
    assert_int_equal(enc(arg, buf + PAD, want_len - 1, &len), MQTT_ERR_NO_SPACE);
    assert_int_equal(len, 12345);
    for (size_t i = 0; i < want_len + 2 * PAD; i++)
        assert_int_equal(buf[i], CANARY);
}

/* Every strict prefix is rejected, one trailing byte too; the whole packet decodes. */
static void check_truncations(uint8_t version, const uint8_t *pkt, size_t len)
{
    static uint8_t copy[2048];
    mqtt_packet_t p;
    for (size_t n = 0; n < len; n++) {
        memcpy(copy, pkt, n); /* exact-size copy so ASan sees any over-read */
        mqtt_status_t st = mqtt_decode(version, n > 0 ? copy : NULL, n, &p);
        if (st == MQTT_OK)
            fail_msg("prefix of %zu/%zu bytes accepted", n, len);
        assert_int_equal(st, MQTT_ERR_TRUNCATED);
    }
    memcpy(copy, pkt, len);
    copy[len] = 0;
    assert_int_equal(mqtt_decode(version, copy, len + 1, &p), MQTT_ERR_BAD_LENGTH);
    assert_int_equal(mqtt_decode(version, pkt, len, &p), MQTT_OK);
}

/* ---- encoder adapters ------------------------------------------------------------------ */

static mqtt_status_t enc_connect(const void *a, uint8_t *o, size_t s, size_t *l)
{
    return mqtt_encode_connect(a, o, s, l);
}
static mqtt_status_t enc_publish_v3(const void *a, uint8_t *o, size_t s, size_t *l)
{
    return mqtt_encode_publish(MQTT_V311, a, o, s, l);
}
static mqtt_status_t enc_subscribe_v3(const void *a, uint8_t *o, size_t s, size_t *l)
{
    return mqtt_encode_subscribe(MQTT_V311, a, o, s, l);
}
static mqtt_status_t enc_puback_v3(const void *a, uint8_t *o, size_t s, size_t *l)
{
    return mqtt_encode_ack(MQTT_V311, MQTT_PUBACK, a, o, s, l);
}
static mqtt_status_t enc_auth(const void *a, uint8_t *o, size_t s, size_t *l)
{
    return mqtt_encode_auth(a, o, s, l);
}
static mqtt_status_t enc_connack_v5(const void *a, uint8_t *o, size_t s, size_t *l)
{
    return mqtt_encode_connack(MQTT_V5, a, o, s, l);
}

/* ---- §3.5 ------------------------------------------------------------------------------ */

static void test_connect_3_5(void **state)
{
    (void)state;
    /* The password is the HMAC of §3.3; recompute it. */
    uint8_t mac[32];
    char pw[65];
    const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    assert_int_equal(
        mbedtls_md_hmac(md, (const uint8_t *)V35_DS, strlen(V35_DS), (const uint8_t *)V35_SIGN, strlen(V35_SIGN), mac),
        0);
    for (int i = 0; i < 32; i++)
        snprintf(pw + 2 * i, 3, "%02x", mac[i]);
    assert_string_equal(pw, V35_PASSWORD);

    /* Expected bytes assembled from the field list of §3.5. */
    uint8_t want[300];
    size_t w = 0;
    const uint8_t head[] = {0x10, 0x9C, 0x02, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0xC0, 0x00, 0x3C, 0x00, 0xB9};
    memcpy(want, head, sizeof head);
    w = sizeof head;
    memcpy(want + w, V35_CLIENT_ID, 185);
    w += 185;
    want[w++] = 0x00;
    want[w++] = 0x13;
    memcpy(want + w, V35_USER, 19);
    w += 19;
    want[w++] = 0x00;
    want[w++] = 0x40;
    memcpy(want + w, pw, 64);
    w += 64;
    assert_int_equal(w, 287);
    assert_int_equal(strlen(V35_CLIENT_ID), 185);

    mqtt_connect_t c;
    memset(&c, 0, sizeof c);
    c.version = MQTT_V311;
    c.keep_alive = 60;
    c.client_id = S(V35_CLIENT_ID);
    c.user_name = S(V35_USER);
    c.password = S(pw);
    check_encode(enc_connect, &c, want, w);
    check_truncations(MQTT_V311, want, w);
    size_t need = 0;
    assert_int_equal(mqtt_encode_connect(&c, NULL, 0, &need), MQTT_OK); /* size query */
    assert_int_equal(need, 287);

    mqtt_packet_t p;
    assert_int_equal(mqtt_decode(MQTT_V311, want, w, &p), MQTT_OK);
    assert_int_equal(p.type, MQTT_CONNECT);
    assert_int_equal(p.u.connect.version, 4);
    assert_false(p.u.connect.clean_start);
    assert_int_equal(p.u.connect.keep_alive, 60);
    assert_str(p.u.connect.client_id, V35_CLIENT_ID);
    assert_str(p.u.connect.user_name, V35_USER);
    assert_str(p.u.connect.password, V35_PASSWORD);
    assert_null(p.u.connect.will_topic.ptr);
}

/* ---- §6 -------------------------------------------------------------------------------- */

typedef struct pub_vec {
    const char *hex; /* NULL: mid report, assembled */
    size_t size;
    const char *topic, *payload;
    uint16_t id;
} pub_vec_t;

static void test_publish_table_6(void **state)
{
    (void)state;
    static const pub_vec_t v[] = {
        {NULL, 201, V6_TOPIC_MID, V6_PAYLOAD_MID, 1},
        {V6_FW_HEX, 111, V6_TOPIC_FW, V6_PAYLOAD_FW, 3},
        {V6_UPDATE_HEX, 64, V6_TOPIC_UPDATE, V6_PAYLOAD_UPDATE, 4},
        {V6_DATA_HEX, 60, V6_TOPIC_DATA, V6_PAYLOAD_DATA, 6},
        {V6_TEMP1_HEX, 85, V6_TOPIC_DATA, V6_PAYLOAD_TEMP1, 7},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        uint8_t want[256];
        size_t n;
        if (v[i].hex != NULL) {
            n = hex(v[i].hex, want, sizeof want);
        } else {
            const uint8_t h[] = {0x32, 0xC6, 0x01, 0x00, 0x36};
            memcpy(want, h, 5);
            memcpy(want + 5, V6_TOPIC_MID, 54);
            want[59] = 0x00;
            want[60] = 0x01;
            memcpy(want + 61, V6_PAYLOAD_MID, 140);
            n = 201;
            assert_int_equal(strlen(V6_PAYLOAD_MID), 140);
        }
        assert_int_equal(n, v[i].size);
        mqtt_publish_t p;
        memset(&p, 0, sizeof p);
        p.topic = S(v[i].topic);
        p.payload = S(v[i].payload);
        p.qos = 1;
        p.packet_id = v[i].id;
        check_encode(enc_publish_v3, &p, want, n);
        check_truncations(MQTT_V311, want, n);
        mqtt_packet_t d;
        assert_int_equal(mqtt_decode(MQTT_V311, want, n, &d), MQTT_OK);
        assert_int_equal(d.type, MQTT_PUBLISH);
        assert_int_equal(d.u.publish.qos, 1);
        assert_false(d.u.publish.dup);
        assert_false(d.u.publish.retain);
        assert_int_equal(d.u.publish.packet_id, v[i].id);
        assert_str(d.u.publish.topic, v[i].topic);
        assert_str(d.u.publish.payload, v[i].payload);
    }
}

static void test_subscribe_puback_6(void **state)
{
    (void)state;
    uint8_t want[64];
    size_t n = hex(V6_SUBSCRIBE_HEX, want, sizeof want);
    assert_int_equal(n, 42);
    mqtt_sub_t sub = {S(V6_TOPIC_DATA), 1};
    mqtt_subscribe_t s;
    memset(&s, 0, sizeof s);
    s.packet_id = 5;
    s.subs = &sub;
    s.count = 1;
    check_encode(enc_subscribe_v3, &s, want, n);
    check_truncations(MQTT_V311, want, n);
    mqtt_packet_t d;
    mqtt_sub_t e;
    assert_int_equal(mqtt_decode(MQTT_V311, want, n, &d), MQTT_OK);
    assert_int_equal(d.type, MQTT_SUBSCRIBE);
    assert_int_equal(d.u.subscribe.packet_id, 5);
    assert_int_equal(d.u.subscribe.count, 1);
    assert_int_equal(mqtt_subscribe_entry(&d.u.subscribe, false, 0, &e), MQTT_OK);
    assert_str(e.filter, V6_TOPIC_DATA);
    assert_int_equal(e.options, 1);
    assert_int_equal(mqtt_subscribe_entry(&d.u.subscribe, false, 1, &e), MQTT_ERR_PARAM);

    n = hex(V6_PUBACK_HEX, want, sizeof want);
    mqtt_ack_t a;
    memset(&a, 0, sizeof a);
    a.packet_id = 1;
    check_encode(enc_puback_v3, &a, want, n);
    check_truncations(MQTT_V311, want, n);
    assert_int_equal(mqtt_decode(MQTT_V311, want, n, &d), MQTT_OK);
    assert_int_equal(d.type, MQTT_PUBACK);
    assert_int_equal(d.u.ack.packet_id, 1);
    /* The same bytes are a valid v5 PUBACK (reason 0 omitted). */
    assert_int_equal(mqtt_decode(MQTT_V5, want, n, &d), MQTT_OK);
    assert_int_equal(d.u.ack.reason, 0);
    /* CONNACK 20 02 00 00 */
    const uint8_t connack[] = {0x20, 0x02, 0x00, 0x00};
    check_truncations(MQTT_V311, connack, sizeof connack);
    assert_int_equal(mqtt_decode(MQTT_V311, connack, 4, &d), MQTT_OK);
    assert_int_equal(d.u.connack.reason, 0);
    assert_false(d.u.connack.session_present);
}

/* ---- §9.2 / §9.3 ----------------------------------------------------------------------- */

static void test_v5_auth_9_2(void **state)
{
    (void)state;
    uint8_t want[256];
    size_t n;
    mqtt_packet_t d;

    /* Step 1: CONNECT 193 */
    n = hex(V92_CONNECT_HEX, want, sizeof want);
    assert_int_equal(n, 193);
    mqtt_connect_t c;
    memset(&c, 0, sizeof c);
    c.version = MQTT_V5;
    c.keep_alive = 60;
    c.client_id = S(V9_CLIENT_ID);
    c.user_name = S(V9_USER);
    assert_int_equal(mqtt_props_set_str(&c.props, MQTT_PROP_AUTH_METHOD, "ID2", 3), MQTT_OK);
    assert_int_equal(mqtt_props_set_str(&c.props, MQTT_PROP_AUTH_DATA, V9_ID2, 24), MQTT_OK);
    check_encode(enc_connect, &c, want, n);
    check_truncations(MQTT_V5, want, n);
    assert_int_equal(mqtt_decode(MQTT_V5, want, n, &d), MQTT_OK);
    assert_int_equal(d.u.connect.version, 5);
    assert_false(d.u.connect.clean_start);
    assert_null(d.u.connect.password.ptr);
    assert_str(d.u.connect.client_id, V9_CLIENT_ID);
    assert_str(d.u.connect.user_name, V9_USER);
    assert_str(d.u.connect.props.auth_method, "ID2");
    assert_str(d.u.connect.props.auth_data, V9_ID2);
    assert_int_equal(d.u.connect.props.present, MQTT_PBIT(MQTT_PROP_AUTH_METHOD) | MQTT_PBIT(MQTT_PROP_AUTH_DATA));

    /* Step 2: AUTH 45 (broker), step 3: AUTH 132 (device) */
    static const struct {
        const char *hex;
        size_t size;
        const char *data;
    } auth[] = {
        {V92_AUTH2_HEX, 45, V9_SERVER_RANDOM},
        {V92_AUTH3_HEX, 132, V9_STEP3},
    };
    for (size_t i = 0; i < 2; i++) {
        n = hex(auth[i].hex, want, sizeof want);
        assert_int_equal(n, auth[i].size);
        mqtt_reason_t r;
        memset(&r, 0, sizeof r);
        r.reason = MQTT_RC_CONTINUE_AUTH;
        mqtt_props_set_str(&r.props, MQTT_PROP_AUTH_METHOD, "ID2", 3);
        mqtt_props_set_str(&r.props, MQTT_PROP_AUTH_DATA, auth[i].data, strlen(auth[i].data));
        check_encode(enc_auth, &r, want, n);
        check_truncations(MQTT_V5, want, n);
        assert_int_equal(mqtt_decode(MQTT_V5, want, n, &d), MQTT_OK);
        assert_int_equal(d.type, MQTT_AUTH);
        assert_int_equal(d.u.reason.reason, 0x18);
        assert_str(d.u.reason.props.auth_method, "ID2");
        assert_str(d.u.reason.props.auth_data, auth[i].data);
        /* AUTH does not exist in 3.1.1 */
        assert_int_equal(mqtt_decode(MQTT_V311, want, n, &d), MQTT_ERR_BAD_TYPE);
    }

    /* Step 4: CONNACK 100 */
    n = hex(V92_CONNACK_HEX, want, sizeof want);
    assert_int_equal(n, 100);
    mqtt_connack_t k;
    memset(&k, 0, sizeof k);
    mqtt_props_set_str(&k.props, MQTT_PROP_AUTH_METHOD, "ID2", 3);
    mqtt_props_set_str(&k.props, MQTT_PROP_AUTH_DATA, V9_STEP4, strlen(V9_STEP4));
    check_encode(enc_connack_v5, &k, want, n);
    check_truncations(MQTT_V5, want, n);
    assert_int_equal(mqtt_decode(MQTT_V5, want, n, &d), MQTT_OK);
    assert_int_equal(d.type, MQTT_CONNACK);
    assert_int_equal(d.u.connack.reason, 0);
    assert_false(d.u.connack.session_present);
    assert_str(d.u.connack.props.auth_method, "ID2");
    assert_str(d.u.connack.props.auth_data, V9_STEP4);
    /* Strings point into the input. */
    assert_true(d.u.connack.props.auth_data.ptr > want && d.u.connack.props.auth_data.ptr < want + n);
}

static void test_ts_connect_9_3(void **state)
{
    (void)state;
    uint8_t want[300];
    size_t n = hex(V93_CONNECT_HEX, want, sizeof want);
    assert_int_equal(n, 260);
    mqtt_connect_t c;
    memset(&c, 0, sizeof c);
    c.version = MQTT_V311;
    c.keep_alive = 60;
    c.client_id = S(V93_CLIENT_ID);
    c.user_name = S(V9_USER);
    c.password = S(V93_PASSWORD);
    check_encode(enc_connect, &c, want, n);
    check_truncations(MQTT_V311, want, n);
    mqtt_packet_t d;
    assert_int_equal(mqtt_decode(MQTT_V311, want, n, &d), MQTT_OK);
    assert_str(d.u.connect.password, V93_PASSWORD);
    assert_str(d.u.connect.client_id, V93_CLIENT_ID);
}

/* ---- other packets and forms ----------------------------------------------------------- */

static void roundtrip(uint8_t version, const uint8_t *pkt, size_t n, mqtt_packet_t *d)
{
    check_truncations(version, pkt, n);
    assert_int_equal(mqtt_decode(version, pkt, n, d), MQTT_OK);
}

static void test_small_packets(void **state)
{
    (void)state;
    uint8_t b[128];
    size_t n;
    mqtt_packet_t d;

    assert_int_equal(mqtt_encode_ping(MQTT_PINGREQ, b, sizeof b, &n), MQTT_OK);
    assert_int_equal(n, 2);
    assert_memory_equal(b, "\xC0\x00", 2);
    roundtrip(MQTT_V311, b, n, &d);
    assert_int_equal(d.type, MQTT_PINGREQ);
    assert_int_equal(mqtt_encode_ping(MQTT_PINGRESP, b, sizeof b, &n), MQTT_OK);
    assert_memory_equal(b, "\xD0\x00", 2);

    assert_int_equal(mqtt_encode_disconnect(MQTT_V311, NULL, b, sizeof b, &n), MQTT_OK);
    assert_int_equal(n, 2);
    assert_memory_equal(b, "\xE0\x00", 2);
    mqtt_reason_t r;
    memset(&r, 0, sizeof r);
    r.reason = MQTT_RC_NOT_AUTHORIZED;
    assert_int_equal(mqtt_encode_disconnect(MQTT_V5, &r, b, sizeof b, &n), MQTT_OK);
    assert_int_equal(n, 3);
    assert_memory_equal(b, "\xE0\x01\x87", 3);
    roundtrip(MQTT_V5, b, n, &d);
    assert_int_equal(d.u.reason.reason, 0x87);
    mqtt_props_set_str(&r.props, MQTT_PROP_REASON_STRING, "bad proof", 9);
    assert_int_equal(mqtt_encode_disconnect(MQTT_V5, &r, b, sizeof b, &n), MQTT_OK);
    roundtrip(MQTT_V5, b, n, &d);
    assert_str(d.u.reason.props.reason_string, "bad proof");
    /* session expiry may go into a DISCONNECT, an auth method may not */
    mqtt_props_set_str(&r.props, MQTT_PROP_AUTH_METHOD, "ID2", 3);
    assert_int_equal(mqtt_encode_disconnect(MQTT_V5, &r, b, sizeof b, &n), MQTT_ERR_PARAM);

    /* AUTH short form: remaining length 0 = success */
    const uint8_t auth0[] = {0xF0, 0x00};
    roundtrip(MQTT_V5, auth0, 2, &d);
    assert_int_equal(d.u.reason.reason, 0);
    const uint8_t auth1[] = {0xF0, 0x01, 0x18};
    assert_int_equal(mqtt_decode(MQTT_V5, auth1, 3, &d), MQTT_ERR_BAD_LENGTH);
    /* AUTH continue without a method */
    const uint8_t auth2[] = {0xF0, 0x02, 0x18, 0x00};
    assert_int_equal(mqtt_decode(MQTT_V5, auth2, 4, &d), MQTT_ERR_BAD_PROPERTY);

    /* v5 PUBACK with a reason and a reason string */
    mqtt_ack_t a;
    memset(&a, 0, sizeof a);
    a.packet_id = 0x1234;
    a.reason = 0x87;
    assert_int_equal(mqtt_encode_ack(MQTT_V5, MQTT_PUBACK, &a, b, sizeof b, &n), MQTT_OK);
    assert_int_equal(n, 5);
    assert_memory_equal(b, "\x40\x03\x12\x34\x87", 5);
    roundtrip(MQTT_V5, b, n, &d);
    assert_int_equal(d.u.ack.reason, 0x87);
    mqtt_props_set_str(&a.props, MQTT_PROP_REASON_STRING, "no", 2);
    assert_int_equal(mqtt_encode_ack(MQTT_V5, MQTT_PUBACK, &a, b, sizeof b, &n), MQTT_OK);
    roundtrip(MQTT_V5, b, n, &d);
    assert_str(d.u.ack.props.reason_string, "no");
    a.packet_id = 0;
    assert_int_equal(mqtt_encode_ack(MQTT_V5, MQTT_PUBACK, &a, b, sizeof b, &n), MQTT_ERR_PARAM);

    /* SUBACK / UNSUBACK */
    const uint8_t codes[] = {0x01, 0x80};
    mqtt_suback_t s;
    memset(&s, 0, sizeof s);
    s.packet_id = 5;
    s.codes = codes;
    s.count = 2;
    assert_int_equal(mqtt_encode_suback(MQTT_V311, MQTT_SUBACK, &s, b, sizeof b, &n), MQTT_OK);
    assert_memory_equal(b, "\x90\x04\x00\x05\x01\x80", 6);
    roundtrip(MQTT_V311, b, n, &d);
    assert_int_equal(d.u.suback.count, 2);
    assert_int_equal(d.u.suback.codes[1], 0x80);
    assert_int_equal(mqtt_encode_suback(MQTT_V5, MQTT_SUBACK, &s, b, sizeof b, &n), MQTT_OK);
    assert_memory_equal(b, "\x90\x05\x00\x05\x00\x01\x80", 7);
    roundtrip(MQTT_V5, b, n, &d);
    s.count = 0;
    assert_int_equal(mqtt_encode_suback(MQTT_V311, MQTT_UNSUBACK, &s, b, sizeof b, &n), MQTT_OK);
    assert_memory_equal(b, "\xB0\x02\x00\x05", 4);
    roundtrip(MQTT_V311, b, n, &d);
    assert_int_equal(d.type, MQTT_UNSUBACK);
    /* a v3 SUBACK with QoS-2-or-failure-only codes: 0x03 is invalid */
    const uint8_t badsub[] = {0x90, 0x03, 0x00, 0x05, 0x03};
    assert_int_equal(mqtt_decode(MQTT_V311, badsub, 5, &d), MQTT_ERR_BAD_VALUE);

    /* UNSUBSCRIBE v5 */
    mqtt_str_t filters[2] = {S("a/+"), S("b/#")};
    mqtt_subscribe_t u;
    memset(&u, 0, sizeof u);
    u.packet_id = 9;
    u.filters = filters;
    u.count = 2;
    assert_int_equal(mqtt_encode_unsubscribe(MQTT_V5, &u, b, sizeof b, &n), MQTT_OK);
    assert_int_equal(b[0], 0xA2);
    roundtrip(MQTT_V5, b, n, &d);
    assert_int_equal(d.u.subscribe.count, 2);
    mqtt_sub_t e;
    assert_int_equal(mqtt_subscribe_entry(&d.u.subscribe, true, 1, &e), MQTT_OK);
    assert_str(e.filter, "b/#");

    /* v5 PUBLISH with properties, DUP, retain, user properties */
    mqtt_user_prop_t up[2] = {{S("k1"), S("v1")}, {S("k2"), S("v2")}};
    mqtt_publish_t p;
    memset(&p, 0, sizeof p);
    p.topic = S("t/1");
    p.payload = S("hi");
    p.qos = 1;
    p.dup = true;
    p.retain = true;
    p.packet_id = 77;
    mqtt_props_set_num(&p.props, MQTT_PROP_MESSAGE_EXPIRY, 3600);
    mqtt_props_set_str(&p.props, MQTT_PROP_CONTENT_TYPE, "text/plain", 10);
    p.props.user = up;
    p.props.user_count = 2;
    assert_int_equal(mqtt_encode_publish(MQTT_V5, &p, b, sizeof b, &n), MQTT_OK);
    assert_int_equal(b[0], 0x3B);
    roundtrip(MQTT_V5, b, n, &d);
    assert_true(d.u.publish.dup && d.u.publish.retain);
    assert_int_equal(d.u.publish.props.message_expiry, 3600);
    assert_str(d.u.publish.props.content_type, "text/plain");
    assert_int_equal(d.u.publish.props.user_count, 2);
    mqtt_user_prop_t got;
    assert_int_equal(mqtt_props_user(&d.u.publish.props, 1, &got), MQTT_OK);
    assert_str(got.key, "k2");
    assert_str(got.value, "v2");
    assert_int_equal(mqtt_props_user(&d.u.publish.props, 2, &got), MQTT_ERR_PARAM);
    assert_str(d.u.publish.payload, "hi");
    /* QoS 0 with DUP / wildcard topic / no id are refused by the encoder */
    p.qos = 0;
    assert_int_equal(mqtt_encode_publish(MQTT_V5, &p, b, sizeof b, &n), MQTT_ERR_PARAM);
    p.dup = false;
    p.topic = S("a/+");
    assert_int_equal(mqtt_encode_publish(MQTT_V5, &p, b, sizeof b, &n), MQTT_ERR_PARAM);

    /* CONNECT v5 with will and session expiry; clean start */
    mqtt_connect_t c;
    memset(&c, 0, sizeof c);
    c.version = MQTT_V5;
    c.clean_start = true;
    c.client_id = S("");
    c.will_topic = S("will/t");
    c.will_payload = S("gone");
    c.will_qos = 1;
    c.will_retain = true;
    mqtt_props_set_num(&c.props, MQTT_PROP_SESSION_EXPIRY, 300);
    mqtt_props_set_num(&c.will_props, MQTT_PROP_WILL_DELAY, 5);
    assert_int_equal(mqtt_encode_connect(&c, b, sizeof b, &n), MQTT_OK);
    roundtrip(MQTT_V5, b, n, &d);
    assert_true(d.u.connect.clean_start);
    assert_int_equal(d.u.connect.will_qos, 1);
    assert_true(d.u.connect.will_retain);
    assert_str(d.u.connect.will_topic, "will/t");
    assert_str(d.u.connect.will_payload, "gone");
    assert_int_equal(d.u.connect.props.session_expiry, 300);
    assert_int_equal(d.u.connect.will_props.will_delay, 5);
    /* will delay is a will property only */
    mqtt_props_set_num(&c.props, MQTT_PROP_WILL_DELAY, 5);
    assert_int_equal(mqtt_encode_connect(&c, b, sizeof b, &n), MQTT_ERR_PARAM);
}

static void test_varint(void **state)
{
    (void)state;
    static const struct {
        uint32_t v;
        const char *hex;
    } vec[] = {
        {0, "00"},         {127, "7F"},         {128, "8001"},         {16383, "FF7F"},
        {16384, "808001"}, {2097151, "FFFF7F"}, {2097152, "80808001"}, {268435455, "FFFFFF7F"},
    };
    for (size_t i = 0; i < sizeof vec / sizeof vec[0]; i++) {
        uint8_t want[4], got[4];
        size_t wn = hex(vec[i].hex, want, 4), n, used;
        uint32_t v;
        assert_int_equal(mqtt_varint_encode(vec[i].v, got, sizeof got, &n), MQTT_OK);
        assert_int_equal(n, wn);
        assert_memory_equal(got, want, n);
        assert_int_equal(mqtt_varint_decode(want, wn, &v, &used), MQTT_OK);
        assert_int_equal(v, vec[i].v);
        assert_int_equal(used, wn);
        assert_int_equal(mqtt_varint_decode(want, wn - 1, &v, &used), MQTT_ERR_TRUNCATED);
    }
    uint8_t b[8];
    size_t n;
    assert_int_equal(mqtt_varint_encode(268435456u, b, sizeof b, &n), MQTT_ERR_PARAM);
    assert_int_equal(mqtt_varint_encode(128, b, 1, &n), MQTT_ERR_NO_SPACE);
    const uint8_t five[] = {0xFF, 0xFF, 0xFF, 0xFF, 0x7F};
    uint32_t v;
    assert_int_equal(mqtt_varint_decode(five, 5, &v, &n), MQTT_ERR_BAD_VARINT);
    const uint8_t overlong[] = {0x80, 0x00};
    assert_int_equal(mqtt_varint_decode(overlong, 2, &v, &n), MQTT_ERR_BAD_VARINT);

    /* mqtt_packet_need: 1 byte, then the length bytes one by one, then the total */
    const uint8_t pub[] = {0x32, 0xC6, 0x01};
    size_t need;
    assert_int_equal(mqtt_packet_need(pub, 0, &need), MQTT_ERR_TRUNCATED);
    assert_int_equal(need, 1);
    assert_int_equal(mqtt_packet_need(pub, 1, &need), MQTT_ERR_TRUNCATED);
    assert_int_equal(need, 2);
    assert_int_equal(mqtt_packet_need(pub, 2, &need), MQTT_ERR_TRUNCATED);
    assert_int_equal(need, 3);
    assert_int_equal(mqtt_packet_need(pub, 3, &need), MQTT_OK);
    assert_int_equal(need, 201);
    const uint8_t bad[] = {0x00, 0x00};
    assert_int_equal(mqtt_packet_need(bad, 2, &need), MQTT_ERR_BAD_TYPE);
    const uint8_t badlen[] = {0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01};
    assert_int_equal(mqtt_packet_need(badlen, 6, &need), MQTT_ERR_BAD_VARINT);
}

/* Malformed packets: each is rejected with the expected status. */
static void test_malformed(void **state)
{
    (void)state;
    static const struct {
        uint8_t version;
        const char *hex;
        mqtt_status_t st;
        const char *what;
    } vec[] = {
        {4, "3080000000", MQTT_ERR_BAD_VARINT, "non-minimal remaining length"},
        {4, "30FFFFFFFF01", MQTT_ERR_BAD_VARINT, "5-byte remaining length"},
        {4, "300400056162", MQTT_ERR_BAD_LENGTH, "topic length past the end"},
        {4, "36050001610001", MQTT_ERR_BAD_FLAGS, "PUBLISH QoS 3"},
        {4, "3003000161", MQTT_OK, "PUBLISH QoS 0 topic a"},
        {4, "3803000161", MQTT_ERR_BAD_FLAGS, "QoS 0 with DUP"},
        {4, "30040002C080", MQTT_ERR_BAD_UTF8, "overlong UTF-8 (C0 80)"},
        {4, "30040002EDA0", MQTT_ERR_BAD_UTF8, "UTF-8 sequence cut short"},
        {4, "30050003EDA080", MQTT_ERR_BAD_UTF8, "UTF-16 surrogate"},
        {4, "3003000100", MQTT_ERR_BAD_UTF8, "U+0000 in topic"},
        {4, "3003000123", MQTT_ERR_BAD_VALUE, "wildcard in topic name"},
        {4, "32050001610000", MQTT_ERR_BAD_VALUE, "packet id 0"},
        {4, "80050001000161", MQTT_ERR_BAD_FLAGS, "SUBSCRIBE with flags 0"},
        {4, "8206000100016103", MQTT_ERR_BAD_FLAGS, "SUBSCRIBE QoS 3"},
        {4, "82020001", MQTT_ERR_BAD_LENGTH, "SUBSCRIBE without filters"},
        {4, "20020100", MQTT_OK, "CONNACK session present"},
        {4, "20020105", MQTT_ERR_BAD_FLAGS, "session present with refusal"},
        {4, "20020006", MQTT_ERR_BAD_VALUE, "v3 return code 6"},
        {4, "20020200", MQTT_ERR_BAD_FLAGS, "CONNACK reserved flag"},
        {4, "2003000000", MQTT_ERR_BAD_LENGTH, "v3 CONNACK too long"},
        {5, "20020000", MQTT_ERR_BAD_LENGTH, "v5 CONNACK without property length"},
        {5, "2003000005", MQTT_ERR_BAD_LENGTH, "property length past the end"},
        {5, "20050000021300", MQTT_ERR_BAD_PROPERTY, "property value past the block"},
        {5, "200B0000081500014115000142", MQTT_ERR_DUP_PROPERTY, "auth method twice"},
        {5, "2006000003230001", MQTT_ERR_BAD_PROPERTY, "topic alias in CONNACK"},
        {5, "20050000022402", MQTT_ERR_BAD_PROPERTY, "maximum QoS 2"},
        {5, "2006000003210000", MQTT_ERR_BAD_PROPERTY, "receive maximum 0"},
        {5, "2006000003160000", MQTT_ERR_BAD_PROPERTY, "auth data without method"},
        {5, "200400000100", MQTT_ERR_BAD_PROPERTY, "unknown property 0"},
        {5, "20050000028001", MQTT_ERR_BAD_PROPERTY, "property id as 2-byte varint"},
        {5, "2003000A00", MQTT_ERR_BAD_VALUE, "v5 CONNACK reason 0x0A"},
        {5, "20080000051F0002C080", MQTT_ERR_BAD_UTF8, "reason string not UTF-8"},
        {5, "3008000161040B010B02", MQTT_OK, "two subscription ids in PUBLISH"},
        {5, "3006000161020B00", MQTT_ERR_BAD_PROPERTY, "subscription id 0"},
        {5, "400400010003", MQTT_ERR_BAD_LENGTH, "PUBACK property length 3, none there"},
        {5, "4003000105", MQTT_ERR_BAD_VALUE, "PUBACK reason 5"},
        {4, "4003000100", MQTT_ERR_BAD_LENGTH, "v3 PUBACK too long"},
        {4, "C000", MQTT_OK, "PINGREQ"},
        {4, "C100", MQTT_ERR_BAD_FLAGS, "PINGREQ flags"},
        {4, "C00100", MQTT_ERR_BAD_LENGTH, "PINGREQ with body"},
        {4, "0000", MQTT_ERR_BAD_TYPE, "type 0"},
        {4, "E00100", MQTT_ERR_BAD_LENGTH, "v3 DISCONNECT with body"},
        {4, "100C00044D5154540302003C0000", MQTT_ERR_BAD_VALUE, "MQTT 3.1 level 3"},
        {4, "100C00044D5154540403003C0000", MQTT_ERR_BAD_FLAGS, "CONNECT reserved flag"},
        {4, "100C00044D5154540440003C0000", MQTT_ERR_BAD_FLAGS, "v3 password without user"},
        {4, "100C00044D5154540410003C0000", MQTT_ERR_BAD_FLAGS, "will QoS without will"},
        {4, "100C00044D5154540402003C0000", MQTT_OK, "minimal CONNECT"},
        {4, "100C00044D5154580402003C0000", MQTT_ERR_BAD_VALUE, "protocol name MQTX"},
    };
    for (size_t i = 0; i < sizeof vec / sizeof vec[0]; i++) {
        uint8_t b[64];
        mqtt_packet_t d;
        long n = tv_hex_parse(vec[i].hex, b, sizeof b);
        if (n <= 0)
            fail_msg("bad hex in case %zu (%s)", i, vec[i].what);
        mqtt_status_t st = mqtt_decode(vec[i].version, b, (size_t)n, &d);
        if (st != vec[i].st)
            fail_msg("case '%s': got %d (%s), want %d", vec[i].what, st, mqtt_status_str(st), vec[i].st);
    }
}

static void test_helpers(void **state)
{
    (void)state;
    static const struct {
        const char *f, *t;
        bool m;
    } tm[] = {
        {"a/b", "a/b", true},
        {"a/+", "a/b", true},
        {"a/+", "a/b/c", false},
        {"a/#", "a", true},
        {"a/#", "a/b/c", true},
        {"#", "a/b", true},
        {"+/+", "a/b", true},
        {"+", "$SYS", false},
        {"#", "$SYS/x", false},
        {"$SYS/#", "$SYS/x", true},
        {"a/b", "a/c", false},
        {"a/+/c", "a//c", true},
        {"/" V_PK "/" V_DN "/data", V6_TOPIC_DATA, true},
        {"a", "ab", false},
    };
    for (size_t i = 0; i < sizeof tm / sizeof tm[0]; i++)
        if (mqtt_topic_match(S(tm[i].f), S(tm[i].t)) != tm[i].m)
            fail_msg("topic match %s vs %s", tm[i].f, tm[i].t);
    assert_true(mqtt_utf8_valid((const uint8_t *)"\xE2\x82\xAC\xF0\x9F\x98\x80", 7));
    assert_false(mqtt_utf8_valid((const uint8_t *)"\xF4\x90\x80\x80", 4)); /* > U+10FFFF */
    assert_false(mqtt_utf8_valid((const uint8_t *)"\xE0\x80\xAF", 3));     /* overlong */
    assert_false(mqtt_utf8_valid((const uint8_t *)"\xC3", 1));
    for (int st = 0; st >= -30; st--)
        assert_non_null(mqtt_status_str((mqtt_status_t)st));
    mqtt_props_t p;
    memset(&p, 0, sizeof p);
    assert_int_equal(mqtt_props_set_num(&p, MQTT_PROP_AUTH_METHOD, 1), MQTT_ERR_PARAM);
    assert_int_equal(mqtt_props_set_num(&p, MQTT_PROP_MAXIMUM_QOS, 2), MQTT_ERR_PARAM);
    assert_int_equal(mqtt_props_set_str(&p, MQTT_PROP_SESSION_EXPIRY, "x", 1), MQTT_ERR_PARAM);
    assert_int_equal(p.present, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_connect_3_5),
        cmocka_unit_test(test_publish_table_6),
        cmocka_unit_test(test_subscribe_puback_6),
        cmocka_unit_test(test_v5_auth_9_2),
        cmocka_unit_test(test_ts_connect_9_3),
        cmocka_unit_test(test_small_packets),
        cmocka_unit_test(test_varint),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_helpers),
    };
    return cmocka_run_group_tests_name("mqtt_codec", tests, NULL, NULL);
}
