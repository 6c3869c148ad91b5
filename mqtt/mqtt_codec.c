/*
 * mqtt_codec.c - pure MQTT 3.1.1 / 5 encoder and strict decoder (see mqtt_codec.h).
 *
 * Encoders run the body writer twice: once counting (no buffer) to learn the remaining
 * length and the total size, then for real once the total is known to fit. Decoders walk the
 * packet with a bounds-checked reader; properties are checked against the table below
 * (allowed packet types, value ranges, duplicates).
 */
#include "mqtt/mqtt_codec.h"

#include <stddef.h>
#include <string.h>

/* ---- status strings -------------------------------------------------------------------- */

const char *mqtt_status_str(mqtt_status_t st)
{
    switch (st) {
    case MQTT_OK:
        return "ok";
    case MQTT_ERR_PARAM:
        return "bad argument";
    case MQTT_ERR_NO_SPACE:
        return "output buffer too small";
    case MQTT_ERR_TRUNCATED:
        return "truncated packet";
    case MQTT_ERR_BAD_LENGTH:
        return "inconsistent length in packet";
    case MQTT_ERR_BAD_VARINT:
        return "malformed variable byte integer";
    case MQTT_ERR_BAD_TYPE:
        return "bad or unexpected packet type";
    case MQTT_ERR_BAD_FLAGS:
        return "bad flags";
    case MQTT_ERR_BAD_PROPERTY:
        return "bad property";
    case MQTT_ERR_DUP_PROPERTY:
        return "duplicate property";
    case MQTT_ERR_BAD_UTF8:
        return "invalid UTF-8 string";
    case MQTT_ERR_BAD_VALUE:
        return "invalid field value";
    case MQTT_ERR_TRANSPORT:
        return "transport error or connection closed";
    case MQTT_ERR_TIMEOUT:
        return "timeout";
    case MQTT_ERR_REFUSED:
        return "connection refused by the server";
    case MQTT_ERR_AUTH:
        return "authentication failed";
    case MQTT_ERR_PROTOCOL:
        return "protocol error by the peer";
    case MQTT_ERR_STATE:
        return "invalid state for this call";
    case MQTT_ERR_FULL:
        return "in-flight table or store full";
    case MQTT_ERR_TOO_LARGE:
        return "packet too large";
    }
    return "unknown status";
}

/* ---- small helpers --------------------------------------------------------------------- */

mqtt_str_t mqtt_cstr(const char *s)
{
    mqtt_str_t r = {(const uint8_t *)s, s != NULL ? strlen(s) : 0};
    return r;
}

bool mqtt_str_eq(mqtt_str_t a, mqtt_str_t b)
{
    if (a.len != b.len)
        return false;
    return a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0;
}

bool mqtt_utf8_valid(const uint8_t *s, size_t len)
{
    size_t i = 0;
    if (len > 0 && s == NULL)
        return false;
    while (i < len) {
        uint8_t c = s[i];
        uint32_t cp;
        size_t n;
        if (c == 0)
            return false;
        if (c < 0x80) {
            i++;
            continue;
        }
        if ((c & 0xE0) == 0xC0) {
            n = 1;
            cp = c & 0x1Fu;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2;
            cp = c & 0x0Fu;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3;
            cp = c & 0x07u;
        } else {
            return false;
        }
        if (len - i - 1 < n)
            return false;
        for (size_t k = 1; k <= n; k++) {
            uint8_t b = s[i + k];
            if ((b & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (b & 0x3Fu);
        }
        if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000))
            return false;
        if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += n + 1;
    }
    return true;
}

static size_t level_end(mqtt_str_t s, size_t from)
{
    while (from < s.len && s.ptr[from] != '/')
        from++;
    return from;
}

bool mqtt_topic_match(mqtt_str_t f, mqtt_str_t t)
{
    size_t fi = 0, ti = 0;
    if (f.len == 0)
        return false;
    if (t.len > 0 && t.ptr[0] == '$' && (f.ptr[0] == '+' || f.ptr[0] == '#'))
        return false;
    for (;;) {
        size_t fe = level_end(f, fi), te = level_end(t, ti);
        if (fe - fi == 1 && f.ptr[fi] == '#')
            return true;
        if (!(fe - fi == 1 && f.ptr[fi] == '+')) {
            if (fe - fi != te - ti || (fe > fi && memcmp(f.ptr + fi, t.ptr + ti, fe - fi) != 0))
                return false;
        }
        bool fend = fe == f.len, tend = te == t.len;
        if (fend && tend)
            return true;
        if (tend) /* "a/#" also matches "a" */
            return f.len - fe == 2 && f.ptr[fe + 1] == '#';
        if (fend)
            return false;
        fi = fe + 1;
        ti = te + 1;
    }
}

/* ---- variable byte integer ------------------------------------------------------------- */

static size_t varint_size(uint32_t v)
{
    return v < 128u ? 1 : v < 16384u ? 2 : v < 2097152u ? 3 : 4;
}

mqtt_status_t mqtt_varint_encode(uint32_t value, uint8_t *out, size_t out_size, size_t *out_len)
{
    if (out == NULL || out_len == NULL || value > MQTT_MAX_REMAINING)
        return MQTT_ERR_PARAM;
    size_t n = varint_size(value);
    if (out_size < n)
        return MQTT_ERR_NO_SPACE;
    for (size_t i = 0; i < n; i++) {
        uint8_t b = (uint8_t)(value & 0x7Fu);
        value >>= 7;
        out[i] = (uint8_t)(b | (i + 1 < n ? 0x80u : 0u));
    }
    *out_len = n;
    return MQTT_OK;
}

mqtt_status_t mqtt_varint_decode(const uint8_t *buf, size_t len, uint32_t *value, size_t *used)
{
    uint32_t v = 0;
    if (buf == NULL && len > 0)
        return MQTT_ERR_PARAM;
    for (size_t i = 0; i < 4; i++) {
        if (i >= len)
            return MQTT_ERR_TRUNCATED;
        uint8_t b = buf[i];
        v |= (uint32_t)(b & 0x7Fu) << (7 * i);
        if ((b & 0x80u) == 0) {
            if (i > 0 && b == 0) /* not the minimal encoding */
                return MQTT_ERR_BAD_VARINT;
            if (value != NULL)
                *value = v;
            if (used != NULL)
                *used = i + 1;
            return MQTT_OK;
        }
    }
    return MQTT_ERR_BAD_VARINT;
}

mqtt_status_t mqtt_packet_need(const uint8_t *buf, size_t len, size_t *need)
{
    uint32_t rem;
    size_t used;
    if (need == NULL || (buf == NULL && len > 0))
        return MQTT_ERR_PARAM;
    if (len == 0) {
        *need = 1;
        return MQTT_ERR_TRUNCATED;
    }
    if ((buf[0] >> 4) == 0)
        return MQTT_ERR_BAD_TYPE;
    mqtt_status_t st = mqtt_varint_decode(buf + 1, len - 1, &rem, &used);
    if (st == MQTT_ERR_TRUNCATED) {
        *need = len + 1;
        return st;
    }
    if (st != MQTT_OK)
        return st;
    *need = 1 + used + (size_t)rem;
    return MQTT_OK;
}

/* ---- property table -------------------------------------------------------------------- */

enum prop_kind { PK_BYTE, PK_U16, PK_U32, PK_VARINT, PK_UTF8, PK_BIN, PK_PAIR };

/* Where a property may appear: bit = packet type; bit 0 (reserved type) stands for the Will. */
#define IN(t)   (1u << (t))
#define IN_WILL 1u
#define IN_ALL  0xFFFEu

typedef struct prop_info {
    uint8_t id;
    uint8_t kind;
    uint8_t bool_only; /* value must be 0 or 1 */
    uint8_t nonzero;   /* value 0 is a protocol error */
    uint16_t where;
    uint16_t offset; /* field in mqtt_props_t (unused for the user property) */
} prop_info_t;

#define PO(f) ((uint16_t)offsetof(mqtt_props_t, f))
static const prop_info_t prop_table[] = {
    {MQTT_PROP_PAYLOAD_FORMAT, PK_BYTE, 1, 0, IN(MQTT_PUBLISH) | IN_WILL, PO(payload_format)},
    {MQTT_PROP_MESSAGE_EXPIRY, PK_U32, 0, 0, IN(MQTT_PUBLISH) | IN_WILL, PO(message_expiry)},
    {MQTT_PROP_CONTENT_TYPE, PK_UTF8, 0, 0, IN(MQTT_PUBLISH) | IN_WILL, PO(content_type)},
    {MQTT_PROP_RESPONSE_TOPIC, PK_UTF8, 0, 0, IN(MQTT_PUBLISH) | IN_WILL, PO(response_topic)},
    {MQTT_PROP_CORRELATION_DATA, PK_BIN, 0, 0, IN(MQTT_PUBLISH) | IN_WILL, PO(correlation_data)},
    {MQTT_PROP_SUBSCRIPTION_ID, PK_VARINT, 0, 1, IN(MQTT_PUBLISH) | IN(MQTT_SUBSCRIBE), PO(subscription_id)},
    {MQTT_PROP_SESSION_EXPIRY, PK_U32, 0, 0, IN(MQTT_CONNECT) | IN(MQTT_CONNACK) | IN(MQTT_DISCONNECT),
     PO(session_expiry)},
    {MQTT_PROP_ASSIGNED_CLIENT_ID, PK_UTF8, 0, 0, IN(MQTT_CONNACK), PO(assigned_client_id)},
    {MQTT_PROP_SERVER_KEEP_ALIVE, PK_U16, 0, 0, IN(MQTT_CONNACK), PO(server_keep_alive)},
    {MQTT_PROP_AUTH_METHOD, PK_UTF8, 0, 0, IN(MQTT_CONNECT) | IN(MQTT_CONNACK) | IN(MQTT_AUTH), PO(auth_method)},
    {MQTT_PROP_AUTH_DATA, PK_BIN, 0, 0, IN(MQTT_CONNECT) | IN(MQTT_CONNACK) | IN(MQTT_AUTH), PO(auth_data)},
    {MQTT_PROP_REQUEST_PROBLEM_INFO, PK_BYTE, 1, 0, IN(MQTT_CONNECT), PO(request_problem_info)},
    {MQTT_PROP_WILL_DELAY, PK_U32, 0, 0, IN_WILL, PO(will_delay)},
    {MQTT_PROP_REQUEST_RESPONSE_INFO, PK_BYTE, 1, 0, IN(MQTT_CONNECT), PO(request_response_info)},
    {MQTT_PROP_RESPONSE_INFO, PK_UTF8, 0, 0, IN(MQTT_CONNACK), PO(response_info)},
    {MQTT_PROP_SERVER_REFERENCE, PK_UTF8, 0, 0, IN(MQTT_CONNACK) | IN(MQTT_DISCONNECT), PO(server_reference)},
    {MQTT_PROP_REASON_STRING, PK_UTF8, 0, 0,
     IN(MQTT_CONNACK) | IN(MQTT_PUBACK) | IN(MQTT_PUBREC) | IN(MQTT_PUBREL) | IN(MQTT_PUBCOMP) | IN(MQTT_SUBACK) |
         IN(MQTT_UNSUBACK) | IN(MQTT_DISCONNECT) | IN(MQTT_AUTH),
     PO(reason_string)},
    {MQTT_PROP_RECEIVE_MAXIMUM, PK_U16, 0, 1, IN(MQTT_CONNECT) | IN(MQTT_CONNACK), PO(receive_maximum)},
    {MQTT_PROP_TOPIC_ALIAS_MAXIMUM, PK_U16, 0, 0, IN(MQTT_CONNECT) | IN(MQTT_CONNACK), PO(topic_alias_maximum)},
    {MQTT_PROP_TOPIC_ALIAS, PK_U16, 0, 1, IN(MQTT_PUBLISH), PO(topic_alias)},
    {MQTT_PROP_MAXIMUM_QOS, PK_BYTE, 1, 0, IN(MQTT_CONNACK), PO(maximum_qos)},
    {MQTT_PROP_RETAIN_AVAILABLE, PK_BYTE, 1, 0, IN(MQTT_CONNACK), PO(retain_available)},
    {MQTT_PROP_USER, PK_PAIR, 0, 0, IN_ALL | IN_WILL, 0},
    {MQTT_PROP_MAXIMUM_PACKET_SIZE, PK_U32, 0, 1, IN(MQTT_CONNECT) | IN(MQTT_CONNACK), PO(maximum_packet_size)},
    {MQTT_PROP_WILDCARD_SUB_AVAILABLE, PK_BYTE, 1, 0, IN(MQTT_CONNACK), PO(wildcard_sub_available)},
    {MQTT_PROP_SUB_ID_AVAILABLE, PK_BYTE, 1, 0, IN(MQTT_CONNACK), PO(sub_id_available)},
    {MQTT_PROP_SHARED_SUB_AVAILABLE, PK_BYTE, 1, 0, IN(MQTT_CONNACK), PO(shared_sub_available)},
};
#define PROP_COUNT (sizeof(prop_table) / sizeof(prop_table[0]))

static const prop_info_t *prop_find(uint32_t id)
{
    for (size_t i = 0; i < PROP_COUNT; i++)
        if (prop_table[i].id == id)
            return &prop_table[i];
    return NULL;
}

static void *prop_field(mqtt_props_t *p, const prop_info_t *pi)
{
    return (uint8_t *)p + pi->offset;
}

static uint32_t prop_num_get(const mqtt_props_t *p, const prop_info_t *pi)
{
    const uint8_t *f = (const uint8_t *)p + pi->offset;
    switch (pi->kind) {
    case PK_BYTE:
        return *f;
    case PK_U16:
        return *(const uint16_t *)(const void *)f;
    default:
        return *(const uint32_t *)(const void *)f;
    }
}

static void prop_num_put(mqtt_props_t *p, const prop_info_t *pi, uint32_t v)
{
    void *f = prop_field(p, pi);
    switch (pi->kind) {
    case PK_BYTE:
        *(uint8_t *)f = (uint8_t)v;
        break;
    case PK_U16:
        *(uint16_t *)f = (uint16_t)v;
        break;
    default:
        *(uint32_t *)f = v;
        break;
    }
}

static bool prop_num_ok(const prop_info_t *pi, uint32_t v)
{
    if (pi->bool_only && v > 1)
        return false;
    if (pi->nonzero && v == 0)
        return false;
    if (pi->kind == PK_BYTE && v > 0xFF)
        return false;
    if (pi->kind == PK_U16 && v > 0xFFFF)
        return false;
    if (pi->kind == PK_VARINT && v > MQTT_MAX_REMAINING)
        return false;
    return true;
}

mqtt_status_t mqtt_props_set_num(mqtt_props_t *p, uint8_t id, uint32_t value)
{
    const prop_info_t *pi = prop_find(id);
    if (p == NULL || pi == NULL || pi->kind > PK_VARINT || !prop_num_ok(pi, value))
        return MQTT_ERR_PARAM;
    prop_num_put(p, pi, value);
    p->present |= MQTT_PBIT(id);
    return MQTT_OK;
}

mqtt_status_t mqtt_props_set_str(mqtt_props_t *p, uint8_t id, const void *ptr, size_t len)
{
    const prop_info_t *pi = prop_find(id);
    if (p == NULL || pi == NULL || (pi->kind != PK_UTF8 && pi->kind != PK_BIN) || len > 0xFFFF ||
        (ptr == NULL && len > 0))
        return MQTT_ERR_PARAM;
    mqtt_str_t *s = prop_field(p, pi);
    s->ptr = ptr != NULL ? ptr : (const uint8_t *)"";
    s->len = len;
    p->present |= MQTT_PBIT(id);
    return MQTT_OK;
}

/* ---- writer ---------------------------------------------------------------------------- */

typedef struct wr {
    uint8_t *buf; /* NULL: count only */
    size_t size;
    size_t pos;
} wr_t;

static void w_u8(wr_t *w, uint8_t v)
{
    if (w->buf != NULL && w->pos < w->size)
        w->buf[w->pos] = v;
    w->pos++;
}

static void w_u16(wr_t *w, uint16_t v)
{
    w_u8(w, (uint8_t)(v >> 8));
    w_u8(w, (uint8_t)v);
}

static void w_u32(wr_t *w, uint32_t v)
{
    w_u16(w, (uint16_t)(v >> 16));
    w_u16(w, (uint16_t)v);
}

static void w_varint(wr_t *w, uint32_t v)
{
    uint8_t tmp[4];
    size_t n = 0;
    (void)mqtt_varint_encode(v, tmp, sizeof tmp, &n);
    for (size_t i = 0; i < n; i++)
        w_u8(w, tmp[i]);
}

static void w_raw(wr_t *w, const uint8_t *p, size_t n)
{
    if (w->buf != NULL && n > 0 && w->pos + n <= w->size)
        memcpy(w->buf + w->pos, p, n);
    w->pos += n;
}

/* Length-prefixed binary data. */
static mqtt_status_t w_bin(wr_t *w, mqtt_str_t s)
{
    if (s.len > 0xFFFF || (s.ptr == NULL && s.len > 0))
        return MQTT_ERR_PARAM;
    w_u16(w, (uint16_t)s.len);
    w_raw(w, s.ptr, s.len);
    return MQTT_OK;
}

/* Length-prefixed UTF-8 string (validated). */
static mqtt_status_t w_utf8(wr_t *w, mqtt_str_t s)
{
    if (s.len > 0xFFFF || !mqtt_utf8_valid(s.ptr, s.len))
        return MQTT_ERR_PARAM;
    return w_bin(w, s);
}

static mqtt_status_t w_props_body(wr_t *w, const mqtt_props_t *p, uint16_t where)
{
    mqtt_status_t st = MQTT_OK;
    for (size_t i = 0; i < PROP_COUNT && st == MQTT_OK; i++) {
        const prop_info_t *pi = &prop_table[i];
        if (pi->kind == PK_PAIR || !mqtt_props_has(p, pi->id))
            continue;
        if ((pi->where & where) == 0)
            return MQTT_ERR_PARAM;
        w_u8(w, pi->id);
        if (pi->kind == PK_UTF8 || pi->kind == PK_BIN) {
            const mqtt_str_t *s = (const mqtt_str_t *)(const void *)((const uint8_t *)p + pi->offset);
            st = pi->kind == PK_UTF8 ? w_utf8(w, *s) : w_bin(w, *s);
            continue;
        }
        uint32_t v = prop_num_get(p, pi);
        if (!prop_num_ok(pi, v))
            return MQTT_ERR_PARAM;
        switch (pi->kind) {
        case PK_BYTE:
            w_u8(w, (uint8_t)v);
            break;
        case PK_U16:
            w_u16(w, (uint16_t)v);
            break;
        case PK_U32:
            w_u32(w, v);
            break;
        default:
            w_varint(w, v);
            break;
        }
    }
    if (p->user_count > 0 && p->user == NULL)
        return MQTT_ERR_PARAM;
    for (size_t i = 0; i < p->user_count && st == MQTT_OK; i++) {
        w_u8(w, MQTT_PROP_USER);
        st = w_utf8(w, p->user[i].key);
        if (st == MQTT_OK)
            st = w_utf8(w, p->user[i].value);
    }
    return st;
}

/* Property length + properties. */
static mqtt_status_t w_props(wr_t *w, const mqtt_props_t *p, uint16_t where)
{
    wr_t count = {NULL, 0, 0};
    mqtt_status_t st = w_props_body(&count, p, where);
    if (st != MQTT_OK)
        return st;
    if (count.pos > MQTT_MAX_REMAINING)
        return MQTT_ERR_PARAM;
    w_varint(w, (uint32_t)count.pos);
    return w_props_body(w, p, where);
}

static bool props_empty(const mqtt_props_t *p)
{
    return p->present == 0 && p->user_count == 0;
}

typedef mqtt_status_t (*body_fn)(wr_t *w, const void *arg);

/* Fixed header + body, nothing written unless the whole packet fits. */
static mqtt_status_t encode_packet(uint8_t first, body_fn body, const void *arg, uint8_t *out, size_t out_size,
                                   size_t *out_len)
{
    if ((out == NULL && out_size > 0) || out_len == NULL)
        return MQTT_ERR_PARAM;
    wr_t count = {NULL, 0, 0};
    mqtt_status_t st = body != NULL ? body(&count, arg) : MQTT_OK;
    if (st != MQTT_OK)
        return st;
    if (count.pos > MQTT_MAX_REMAINING)
        return MQTT_ERR_TOO_LARGE;
    size_t total = 1 + varint_size((uint32_t)count.pos) + count.pos;
    if (out == NULL) { /* size query */
        *out_len = total;
        return MQTT_OK;
    }
    if (total > out_size)
        return MQTT_ERR_NO_SPACE;
    wr_t w = {out, out_size, 0};
    w_u8(&w, first);
    w_varint(&w, (uint32_t)count.pos);
    if (body != NULL)
        st = body(&w, arg);
    if (st != MQTT_OK || w.pos != total)
        return st != MQTT_OK ? st : MQTT_ERR_PARAM;
    *out_len = total;
    return MQTT_OK;
}

/* ---- encoders -------------------------------------------------------------------------- */

static bool version_ok(uint8_t v)
{
    return v == MQTT_V311 || v == MQTT_V5;
}

static mqtt_status_t body_connect(wr_t *w, const void *arg)
{
    const mqtt_connect_t *c = arg;
    bool v5 = c->version == MQTT_V5;
    bool will = c->will_topic.ptr != NULL;
    uint8_t flags = 0;
    mqtt_status_t st;

    if (c->user_name.ptr != NULL)
        flags |= 0x80;
    if (c->password.ptr != NULL)
        flags |= 0x40;
    if (will) {
        flags |= 0x04 | (uint8_t)(c->will_qos << 3);
        if (c->will_retain)
            flags |= 0x20;
    }
    if (c->clean_start)
        flags |= 0x02;
    w_bin(w, mqtt_cstr("MQTT"));
    w_u8(w, c->version);
    w_u8(w, flags);
    w_u16(w, c->keep_alive);
    if (v5 && (st = w_props(w, &c->props, IN(MQTT_CONNECT))) != MQTT_OK)
        return st;
    if ((st = w_utf8(w, c->client_id)) != MQTT_OK)
        return st;
    if (will) {
        if (v5 && (st = w_props(w, &c->will_props, IN_WILL)) != MQTT_OK)
            return st;
        if ((st = w_utf8(w, c->will_topic)) != MQTT_OK || (st = w_bin(w, c->will_payload)) != MQTT_OK)
            return st;
    }
    if (c->user_name.ptr != NULL && (st = w_utf8(w, c->user_name)) != MQTT_OK)
        return st;
    if (c->password.ptr != NULL && (st = w_bin(w, c->password)) != MQTT_OK)
        return st;
    return MQTT_OK;
}

mqtt_status_t mqtt_encode_connect(const mqtt_connect_t *c, uint8_t *out, size_t out_size, size_t *out_len)
{
    if (c == NULL || !version_ok(c->version) || c->client_id.ptr == NULL || c->will_qos > 2 ||
        (c->will_topic.ptr == NULL && (c->will_qos != 0 || c->will_retain)))
        return MQTT_ERR_PARAM;
    /* MQTT 3.1.1 forbids a password without a user name. */
    if (c->version == MQTT_V311 && c->password.ptr != NULL && c->user_name.ptr == NULL)
        return MQTT_ERR_PARAM;
    return encode_packet(MQTT_CONNECT << 4, body_connect, c, out, out_size, out_len);
}

typedef struct ver_arg {
    uint8_t version;
    uint8_t type;
    const void *p;
} ver_arg_t;

static mqtt_status_t body_connack(wr_t *w, const void *arg)
{
    const ver_arg_t *a = arg;
    const mqtt_connack_t *c = a->p;
    w_u8(w, c->session_present ? 1 : 0);
    w_u8(w, c->reason);
    return a->version == MQTT_V5 ? w_props(w, &c->props, IN(MQTT_CONNACK)) : MQTT_OK;
}

mqtt_status_t mqtt_encode_connack(uint8_t version, const mqtt_connack_t *c, uint8_t *out, size_t out_size,
                                  size_t *out_len)
{
    if (c == NULL || !version_ok(version))
        return MQTT_ERR_PARAM;
    ver_arg_t a = {version, MQTT_CONNACK, c};
    return encode_packet(MQTT_CONNACK << 4, body_connack, &a, out, out_size, out_len);
}

static bool topic_name_ok(mqtt_str_t t)
{
    for (size_t i = 0; i < t.len; i++)
        if (t.ptr[i] == '+' || t.ptr[i] == '#')
            return false;
    return true;
}

static mqtt_status_t body_publish(wr_t *w, const void *arg)
{
    const ver_arg_t *a = arg;
    const mqtt_publish_t *p = a->p;
    mqtt_status_t st = w_utf8(w, p->topic);
    if (st != MQTT_OK)
        return st;
    if (p->qos > 0)
        w_u16(w, p->packet_id);
    if (a->version == MQTT_V5 && (st = w_props(w, &p->props, IN(MQTT_PUBLISH))) != MQTT_OK)
        return st;
    if (p->payload.ptr == NULL && p->payload.len > 0)
        return MQTT_ERR_PARAM;
    w_raw(w, p->payload.ptr, p->payload.len);
    return MQTT_OK;
}

mqtt_status_t mqtt_encode_publish(uint8_t version, const mqtt_publish_t *p, uint8_t *out, size_t out_size,
                                  size_t *out_len)
{
    if (p == NULL || !version_ok(version) || p->qos > 2 || (p->qos > 0 && p->packet_id == 0) ||
        (p->qos == 0 && p->dup) || p->topic.ptr == NULL || !topic_name_ok(p->topic))
        return MQTT_ERR_PARAM;
    if (p->topic.len == 0 && (version == MQTT_V311 || !mqtt_props_has(&p->props, MQTT_PROP_TOPIC_ALIAS)))
        return MQTT_ERR_PARAM;
    uint8_t first = (uint8_t)(MQTT_PUBLISH << 4 | (p->dup ? 0x08 : 0) | (p->qos << 1) | (p->retain ? 1 : 0));
    ver_arg_t a = {version, MQTT_PUBLISH, p};
    return encode_packet(first, body_publish, &a, out, out_size, out_len);
}

static mqtt_status_t body_ack(wr_t *w, const void *arg)
{
    const ver_arg_t *a = arg;
    const mqtt_ack_t *k = a->p;
    w_u16(w, k->packet_id);
    if (a->version == MQTT_V5 && (k->reason != 0 || !props_empty(&k->props))) {
        w_u8(w, k->reason);
        if (!props_empty(&k->props))
            return w_props(w, &k->props, (uint16_t)IN(a->type));
    }
    return MQTT_OK;
}

mqtt_status_t mqtt_encode_ack(uint8_t version, uint8_t type, const mqtt_ack_t *a, uint8_t *out, size_t out_size,
                              size_t *out_len)
{
    if (a == NULL || !version_ok(version) || type < MQTT_PUBACK || type > MQTT_PUBCOMP || a->packet_id == 0)
        return MQTT_ERR_PARAM;
    ver_arg_t v = {version, type, a};
    return encode_packet((uint8_t)(type << 4 | (type == MQTT_PUBREL ? 2 : 0)), body_ack, &v, out, out_size, out_len);
}

static mqtt_status_t body_subscribe(wr_t *w, const void *arg)
{
    const ver_arg_t *a = arg;
    const mqtt_subscribe_t *s = a->p;
    bool unsub = a->type == MQTT_UNSUBSCRIBE;
    mqtt_status_t st;
    w_u16(w, s->packet_id);
    if (a->version == MQTT_V5 && (st = w_props(w, &s->props, (uint16_t)IN(a->type))) != MQTT_OK)
        return st;
    for (size_t i = 0; i < s->count; i++) {
        mqtt_str_t f = unsub ? s->filters[i] : s->subs[i].filter;
        if (f.len == 0)
            return MQTT_ERR_PARAM;
        if ((st = w_utf8(w, f)) != MQTT_OK)
            return st;
        if (!unsub) {
            uint8_t o = s->subs[i].options;
            if ((o & 3) == 3 || (a->version == MQTT_V311 ? (o & 0xFC) != 0 : ((o & 0xC0) != 0 || (o & 0x30) == 0x30)))
                return MQTT_ERR_PARAM;
            w_u8(w, o);
        }
    }
    return MQTT_OK;
}

static mqtt_status_t encode_sub(uint8_t version, uint8_t type, const mqtt_subscribe_t *s, uint8_t *out, size_t out_size,
                                size_t *out_len)
{
    if (s == NULL || !version_ok(version) || s->packet_id == 0 || s->count == 0 ||
        (type == MQTT_SUBSCRIBE ? s->subs == NULL : s->filters == NULL))
        return MQTT_ERR_PARAM;
    ver_arg_t a = {version, type, s};
    return encode_packet((uint8_t)(type << 4 | 2), body_subscribe, &a, out, out_size, out_len);
}

mqtt_status_t mqtt_encode_subscribe(uint8_t version, const mqtt_subscribe_t *s, uint8_t *out, size_t out_size,
                                    size_t *out_len)
{
    return encode_sub(version, MQTT_SUBSCRIBE, s, out, out_size, out_len);
}

mqtt_status_t mqtt_encode_unsubscribe(uint8_t version, const mqtt_subscribe_t *s, uint8_t *out, size_t out_size,
                                      size_t *out_len)
{
    return encode_sub(version, MQTT_UNSUBSCRIBE, s, out, out_size, out_len);
}

static mqtt_status_t body_suback(wr_t *w, const void *arg)
{
    const ver_arg_t *a = arg;
    const mqtt_suback_t *s = a->p;
    mqtt_status_t st;
    w_u16(w, s->packet_id);
    if (a->version == MQTT_V5 && (st = w_props(w, &s->props, (uint16_t)IN(a->type))) != MQTT_OK)
        return st;
    if (a->version == MQTT_V5 || a->type == MQTT_SUBACK)
        w_raw(w, s->codes, s->count);
    return MQTT_OK;
}

mqtt_status_t mqtt_encode_suback(uint8_t version, uint8_t type, const mqtt_suback_t *s, uint8_t *out, size_t out_size,
                                 size_t *out_len)
{
    if (s == NULL || !version_ok(version) || (type != MQTT_SUBACK && type != MQTT_UNSUBACK) || s->packet_id == 0 ||
        (s->count > 0 && s->codes == NULL))
        return MQTT_ERR_PARAM;
    ver_arg_t a = {version, type, s};
    return encode_packet((uint8_t)(type << 4), body_suback, &a, out, out_size, out_len);
}

mqtt_status_t mqtt_encode_ping(uint8_t type, uint8_t *out, size_t out_size, size_t *out_len)
{
    if (type != MQTT_PINGREQ && type != MQTT_PINGRESP)
        return MQTT_ERR_PARAM;
    return encode_packet((uint8_t)(type << 4), NULL, NULL, out, out_size, out_len);
}

static mqtt_status_t body_reason(wr_t *w, const void *arg)
{
    const ver_arg_t *a = arg;
    const mqtt_reason_t *r = a->p;
    if (a->version != MQTT_V5 || (r->reason == 0 && props_empty(&r->props)))
        return MQTT_OK;
    w_u8(w, r->reason);
    /* DISCONNECT may omit an empty property block; AUTH may not. */
    if (a->type == MQTT_DISCONNECT && props_empty(&r->props))
        return MQTT_OK;
    return w_props(w, &r->props, (uint16_t)IN(a->type));
}

mqtt_status_t mqtt_encode_disconnect(uint8_t version, const mqtt_reason_t *r, uint8_t *out, size_t out_size,
                                     size_t *out_len)
{
    static const mqtt_reason_t none = {0, {0}};
    if (!version_ok(version))
        return MQTT_ERR_PARAM;
    ver_arg_t a = {version, MQTT_DISCONNECT, r != NULL ? r : &none};
    return encode_packet(MQTT_DISCONNECT << 4, body_reason, &a, out, out_size, out_len);
}

mqtt_status_t mqtt_encode_auth(const mqtt_reason_t *r, uint8_t *out, size_t out_size, size_t *out_len)
{
    if (r == NULL ||
        (r->reason != MQTT_RC_SUCCESS && r->reason != MQTT_RC_CONTINUE_AUTH && r->reason != MQTT_RC_REAUTHENTICATE))
        return MQTT_ERR_PARAM;
    ver_arg_t a = {MQTT_V5, MQTT_AUTH, r};
    return encode_packet((uint8_t)(MQTT_AUTH << 4), body_reason, &a, out, out_size, out_len);
}

/* ---- reader ---------------------------------------------------------------------------- */

typedef struct rd {
    const uint8_t *p;
    size_t len;
    size_t pos;
} rd_t;

static size_t r_left(const rd_t *r)
{
    return r->len - r->pos;
}

static mqtt_status_t r_u8(rd_t *r, uint8_t *v)
{
    if (r_left(r) < 1)
        return MQTT_ERR_BAD_LENGTH;
    *v = r->p[r->pos++];
    return MQTT_OK;
}

static mqtt_status_t r_u16(rd_t *r, uint16_t *v)
{
    if (r_left(r) < 2)
        return MQTT_ERR_BAD_LENGTH;
    *v = (uint16_t)(r->p[r->pos] << 8 | r->p[r->pos + 1]);
    r->pos += 2;
    return MQTT_OK;
}

static mqtt_status_t r_u32(rd_t *r, uint32_t *v)
{
    uint16_t hi, lo;
    mqtt_status_t st = r_u16(r, &hi);
    if (st == MQTT_OK && (st = r_u16(r, &lo)) == MQTT_OK)
        *v = (uint32_t)hi << 16 | lo;
    return st;
}

static mqtt_status_t r_varint(rd_t *r, uint32_t *v)
{
    size_t used;
    mqtt_status_t st = mqtt_varint_decode(r->p + r->pos, r_left(r), v, &used);
    if (st == MQTT_ERR_TRUNCATED)
        return MQTT_ERR_BAD_LENGTH;
    if (st == MQTT_OK)
        r->pos += used;
    return st;
}

static mqtt_status_t r_bin(rd_t *r, mqtt_str_t *s)
{
    uint16_t n;
    mqtt_status_t st = r_u16(r, &n);
    if (st != MQTT_OK)
        return st;
    if (r_left(r) < n)
        return MQTT_ERR_BAD_LENGTH;
    s->ptr = r->p + r->pos;
    s->len = n;
    r->pos += n;
    return MQTT_OK;
}

static mqtt_status_t r_utf8(rd_t *r, mqtt_str_t *s)
{
    mqtt_status_t st = r_bin(r, s);
    if (st == MQTT_OK && !mqtt_utf8_valid(s->ptr, s->len))
        return MQTT_ERR_BAD_UTF8;
    return st;
}

/* Property block at r (length + properties), checked for packet kind `where`. */
static mqtt_status_t r_props(rd_t *r, uint16_t where, mqtt_props_t *p)
{
    uint32_t plen;
    mqtt_status_t st = r_varint(r, &plen);
    memset(p, 0, sizeof *p);
    if (st != MQTT_OK)
        return st;
    if (plen > r_left(r))
        return MQTT_ERR_BAD_LENGTH;
    rd_t b = {r->p + r->pos, plen, 0};
    p->raw.ptr = b.p;
    p->raw.len = plen;
    r->pos += plen;
    while (r_left(&b) > 0) {
        uint32_t id, v = 0;
        if ((st = r_varint(&b, &id)) != MQTT_OK)
            return MQTT_ERR_BAD_PROPERTY;
        const prop_info_t *pi = prop_find(id);
        if (pi == NULL || (pi->where & where) == 0)
            return MQTT_ERR_BAD_PROPERTY;
        bool multi = pi->kind == PK_PAIR || (id == MQTT_PROP_SUBSCRIPTION_ID && where == IN(MQTT_PUBLISH));
        if (!multi && mqtt_props_has(p, (uint8_t)id))
            return MQTT_ERR_DUP_PROPERTY;
        switch (pi->kind) {
        case PK_BYTE: {
            uint8_t x;
            st = r_u8(&b, &x);
            v = x;
            break;
        }
        case PK_U16: {
            uint16_t x;
            st = r_u16(&b, &x);
            v = x;
            break;
        }
        case PK_U32:
            st = r_u32(&b, &v);
            break;
        case PK_VARINT:
            st = r_varint(&b, &v);
            break;
        case PK_UTF8:
            st = r_utf8(&b, prop_field(p, pi));
            break;
        case PK_BIN:
            st = r_bin(&b, prop_field(p, pi));
            break;
        default: {
            mqtt_str_t k, val;
            st = r_utf8(&b, &k);
            if (st == MQTT_OK)
                st = r_utf8(&b, &val);
            p->user_count++;
            break;
        }
        }
        if (st == MQTT_ERR_BAD_LENGTH || st == MQTT_ERR_BAD_VARINT)
            return MQTT_ERR_BAD_PROPERTY;
        if (st != MQTT_OK)
            return st;
        if (pi->kind <= PK_VARINT) {
            if (!prop_num_ok(pi, v))
                return MQTT_ERR_BAD_PROPERTY;
            if (id == MQTT_PROP_SUBSCRIPTION_ID) {
                if (p->subscription_id_count++ == 0)
                    p->subscription_id = v;
            } else {
                prop_num_put(p, pi, v);
            }
        }
        p->present |= MQTT_PBIT(id);
    }
    /* Authentication Data without an Authentication Method is a protocol error. */
    if (mqtt_props_has(p, MQTT_PROP_AUTH_DATA) && !mqtt_props_has(p, MQTT_PROP_AUTH_METHOD))
        return MQTT_ERR_BAD_PROPERTY;
    return MQTT_OK;
}

mqtt_status_t mqtt_props_user(const mqtt_props_t *p, size_t index, mqtt_user_prop_t *out)
{
    if (p == NULL || out == NULL)
        return MQTT_ERR_PARAM;
    if (p->user != NULL) {
        if (index >= p->user_count)
            return MQTT_ERR_PARAM;
        *out = p->user[index];
        return MQTT_OK;
    }
    /* Walk the (already validated) raw block. */
    rd_t b = {p->raw.ptr, p->raw.len, 0};
    while (r_left(&b) > 0) {
        uint32_t id;
        if (r_varint(&b, &id) != MQTT_OK)
            return MQTT_ERR_BAD_PROPERTY;
        const prop_info_t *pi = prop_find(id);
        mqtt_str_t s;
        uint32_t v;
        mqtt_status_t st;
        if (pi == NULL)
            return MQTT_ERR_BAD_PROPERTY;
        switch (pi->kind) {
        case PK_BYTE:
            b.pos += 1;
            st = b.pos <= b.len ? MQTT_OK : MQTT_ERR_BAD_LENGTH;
            break;
        case PK_U16:
            b.pos += 2;
            st = b.pos <= b.len ? MQTT_OK : MQTT_ERR_BAD_LENGTH;
            break;
        case PK_U32:
            st = r_u32(&b, &v);
            break;
        case PK_VARINT:
            st = r_varint(&b, &v);
            break;
        case PK_UTF8:
        case PK_BIN:
            st = r_bin(&b, &s);
            break;
        default:
            st = r_bin(&b, &out->key);
            if (st == MQTT_OK)
                st = r_bin(&b, &out->value);
            if (st == MQTT_OK && index-- == 0)
                return MQTT_OK;
            break;
        }
        if (st != MQTT_OK)
            return MQTT_ERR_BAD_PROPERTY;
    }
    return MQTT_ERR_PARAM;
}

/* ---- decoders -------------------------------------------------------------------------- */

static mqtt_status_t r_end(const rd_t *r)
{
    return r_left(r) == 0 ? MQTT_OK : MQTT_ERR_BAD_LENGTH;
}

#define TRY(x)                                                                                                         \
    do {                                                                                                               \
        mqtt_status_t st_ = (x);                                                                                       \
        if (st_ != MQTT_OK)                                                                                            \
            return st_;                                                                                                \
    } while (0)

static mqtt_status_t dec_connect(rd_t *r, mqtt_connect_t *c)
{
    mqtt_str_t name;
    uint8_t flags;
    TRY(r_utf8(r, &name));
    TRY(r_u8(r, &c->version));
    if (!mqtt_str_eq(name, mqtt_cstr("MQTT")) || !version_ok(c->version))
        return MQTT_ERR_BAD_VALUE;
    bool v5 = c->version == MQTT_V5;
    TRY(r_u8(r, &flags));
    TRY(r_u16(r, &c->keep_alive));
    bool will = (flags & 0x04) != 0;
    c->will_qos = (flags >> 3) & 3;
    c->will_retain = (flags & 0x20) != 0;
    c->clean_start = (flags & 0x02) != 0;
    if ((flags & 0x01) != 0 || c->will_qos == 3 || (!will && (c->will_qos != 0 || c->will_retain)) ||
        (!v5 && (flags & 0xC0) == 0x40))
        return MQTT_ERR_BAD_FLAGS;
    if (v5)
        TRY(r_props(r, IN(MQTT_CONNECT), &c->props));
    TRY(r_utf8(r, &c->client_id));
    if (will) {
        if (v5)
            TRY(r_props(r, IN_WILL, &c->will_props));
        TRY(r_utf8(r, &c->will_topic));
        if (c->will_topic.len == 0 || !topic_name_ok(c->will_topic))
            return MQTT_ERR_BAD_VALUE;
        TRY(r_bin(r, &c->will_payload));
    }
    if (flags & 0x80)
        TRY(r_utf8(r, &c->user_name));
    if (flags & 0x40)
        TRY(r_bin(r, &c->password));
    return r_end(r);
}

static bool code_in(uint8_t code, const char *set, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((uint8_t)set[i] == code)
            return true;
    return false;
}
#define CODE_IN(code, lit) code_in((code), (lit), sizeof(lit) - 1)

static mqtt_status_t dec_connack(uint8_t version, rd_t *r, mqtt_connack_t *c)
{
    uint8_t f;
    TRY(r_u8(r, &f));
    TRY(r_u8(r, &c->reason));
    if ((f & 0xFE) != 0 || ((f & 1) && c->reason != 0))
        return MQTT_ERR_BAD_FLAGS;
    c->session_present = (f & 1) != 0;
    if (version == MQTT_V311) {
        if (c->reason > 5)
            return MQTT_ERR_BAD_VALUE;
    } else {
        if (c->reason != 0 &&
            !CODE_IN(c->reason, "\x80\x81\x82\x83\x84\x85\x86\x87\x88\x89\x8A\x8C\x90\x95\x97\x99\x9A\x9B\x9C\x9D\x9F"))
            return MQTT_ERR_BAD_VALUE;
        TRY(r_props(r, IN(MQTT_CONNACK), &c->props));
    }
    return r_end(r);
}

static mqtt_status_t dec_publish(uint8_t version, uint8_t flags, rd_t *r, mqtt_publish_t *p)
{
    p->qos = (flags >> 1) & 3;
    p->dup = (flags & 0x08) != 0;
    p->retain = (flags & 0x01) != 0;
    if (p->qos == 3 || (p->qos == 0 && p->dup))
        return MQTT_ERR_BAD_FLAGS;
    TRY(r_utf8(r, &p->topic));
    if (!topic_name_ok(p->topic))
        return MQTT_ERR_BAD_VALUE;
    if (p->qos > 0) {
        TRY(r_u16(r, &p->packet_id));
        if (p->packet_id == 0)
            return MQTT_ERR_BAD_VALUE;
    }
    if (version == MQTT_V5)
        TRY(r_props(r, IN(MQTT_PUBLISH), &p->props));
    if (p->topic.len == 0 && (version == MQTT_V311 || !mqtt_props_has(&p->props, MQTT_PROP_TOPIC_ALIAS)))
        return MQTT_ERR_BAD_VALUE;
    p->payload.ptr = r->p + r->pos;
    p->payload.len = r_left(r);
    r->pos = r->len;
    return MQTT_OK;
}

static mqtt_status_t dec_ack(uint8_t version, uint8_t type, rd_t *r, mqtt_ack_t *a)
{
    TRY(r_u16(r, &a->packet_id));
    if (a->packet_id == 0)
        return MQTT_ERR_BAD_VALUE;
    if (version == MQTT_V5 && r_left(r) > 0) {
        TRY(r_u8(r, &a->reason));
        if (type == MQTT_PUBACK && a->reason != 0 && !CODE_IN(a->reason, "\x10\x80\x83\x87\x90\x91\x97\x99"))
            return MQTT_ERR_BAD_VALUE;
        if (r_left(r) > 0)
            TRY(r_props(r, (uint16_t)IN(type), &a->props));
    }
    return r_end(r);
}

static mqtt_status_t dec_subscribe(uint8_t version, uint8_t type, rd_t *r, mqtt_subscribe_t *s)
{
    TRY(r_u16(r, &s->packet_id));
    if (s->packet_id == 0)
        return MQTT_ERR_BAD_VALUE;
    if (version == MQTT_V5)
        TRY(r_props(r, (uint16_t)IN(type), &s->props));
    s->raw.ptr = r->p + r->pos;
    s->raw.len = r_left(r);
    while (r_left(r) > 0) {
        mqtt_str_t f;
        TRY(r_utf8(r, &f));
        if (f.len == 0)
            return MQTT_ERR_BAD_VALUE;
        if (type == MQTT_SUBSCRIBE) {
            uint8_t o;
            TRY(r_u8(r, &o));
            if ((o & 3) == 3 || (version == MQTT_V311 ? (o & 0xFC) != 0 : ((o & 0xC0) != 0 || (o & 0x30) == 0x30)))
                return MQTT_ERR_BAD_FLAGS;
        }
        s->count++;
    }
    return s->count > 0 ? MQTT_OK : MQTT_ERR_BAD_LENGTH;
}

mqtt_status_t mqtt_subscribe_entry(const mqtt_subscribe_t *s, bool unsubscribe, size_t index, mqtt_sub_t *out)
{
    if (s == NULL || out == NULL || index >= s->count)
        return MQTT_ERR_PARAM;
    if (unsubscribe ? s->filters != NULL : s->subs != NULL) {
        if (unsubscribe) {
            out->filter = s->filters[index];
            out->options = 0;
        } else {
            *out = s->subs[index];
        }
        return MQTT_OK;
    }
    rd_t r = {s->raw.ptr, s->raw.len, 0};
    for (size_t i = 0; i <= index; i++) {
        out->options = 0;
        TRY(r_bin(&r, &out->filter));
        if (!unsubscribe)
            TRY(r_u8(&r, &out->options));
    }
    return MQTT_OK;
}

static mqtt_status_t dec_suback(uint8_t version, uint8_t type, rd_t *r, mqtt_suback_t *s)
{
    TRY(r_u16(r, &s->packet_id));
    if (s->packet_id == 0)
        return MQTT_ERR_BAD_VALUE;
    if (version == MQTT_V5)
        TRY(r_props(r, (uint16_t)IN(type), &s->props));
    s->codes = r->p + r->pos;
    s->count = r_left(r);
    r->pos = r->len;
    if (version == MQTT_V311 && type == MQTT_UNSUBACK) {
        s->codes = NULL;
        return s->count == 0 ? MQTT_OK : MQTT_ERR_BAD_LENGTH;
    }
    if (s->count == 0)
        return MQTT_ERR_BAD_LENGTH;
    for (size_t i = 0; i < s->count; i++) {
        uint8_t c = s->codes[i];
        bool ok;
        if (type == MQTT_SUBACK)
            ok = version == MQTT_V311 ? (c <= 2 || c == 0x80)
                                      : (c <= 2 || CODE_IN(c, "\x80\x83\x87\x8F\x91\x97\x9E\xA1\xA2"));
        else
            ok = c == 0 || CODE_IN(c, "\x11\x80\x83\x87\x8F\x91");
        if (!ok)
            return MQTT_ERR_BAD_VALUE;
    }
    return MQTT_OK;
}

static mqtt_status_t dec_reason(uint8_t version, uint8_t type, rd_t *r, mqtt_reason_t *x)
{
    if (version == MQTT_V311 || r_left(r) == 0)
        return r_end(r);
    TRY(r_u8(r, &x->reason));
    if (type == MQTT_AUTH) {
        if (x->reason != MQTT_RC_SUCCESS && x->reason != MQTT_RC_CONTINUE_AUTH && x->reason != MQTT_RC_REAUTHENTICATE)
            return MQTT_ERR_BAD_VALUE;
        if (r_left(r) == 0) /* AUTH has either nothing or reason + property length */
            return MQTT_ERR_BAD_LENGTH;
    }
    if (r_left(r) > 0)
        TRY(r_props(r, (uint16_t)IN(type), &x->props));
    if (type == MQTT_AUTH && x->reason != MQTT_RC_SUCCESS && !mqtt_props_has(&x->props, MQTT_PROP_AUTH_METHOD))
        return MQTT_ERR_BAD_PROPERTY;
    return r_end(r);
}

static mqtt_status_t decode_body(uint8_t version, uint8_t type, uint8_t flags, rd_t *r, mqtt_packet_t *out)
{
    uint8_t want_flags = (type == MQTT_PUBREL || type == MQTT_SUBSCRIBE || type == MQTT_UNSUBSCRIBE) ? 2 : 0;
    if (type != MQTT_PUBLISH && flags != want_flags)
        return MQTT_ERR_BAD_FLAGS;
    switch (type) {
    case MQTT_CONNECT:
        return dec_connect(r, &out->u.connect);
    case MQTT_CONNACK:
        return dec_connack(version, r, &out->u.connack);
    case MQTT_PUBLISH:
        return dec_publish(version, flags, r, &out->u.publish);
    case MQTT_PUBACK:
    case MQTT_PUBREC:
    case MQTT_PUBREL:
    case MQTT_PUBCOMP:
        return dec_ack(version, type, r, &out->u.ack);
    case MQTT_SUBSCRIBE:
    case MQTT_UNSUBSCRIBE:
        return dec_subscribe(version, type, r, &out->u.subscribe);
    case MQTT_SUBACK:
    case MQTT_UNSUBACK:
        return dec_suback(version, type, r, &out->u.suback);
    case MQTT_PINGREQ:
    case MQTT_PINGRESP:
        return r_end(r);
    case MQTT_DISCONNECT:
        return dec_reason(version, type, r, &out->u.reason);
    case MQTT_AUTH:
        if (version != MQTT_V5)
            return MQTT_ERR_BAD_TYPE;
        return dec_reason(version, type, r, &out->u.reason);
    default:
        return MQTT_ERR_BAD_TYPE;
    }
}

mqtt_status_t mqtt_decode(uint8_t version, const uint8_t *pkt, size_t len, mqtt_packet_t *out)
{
    size_t need;
    if (out == NULL)
        return MQTT_ERR_PARAM;
    memset(out, 0, sizeof *out);
    if (!version_ok(version) || (pkt == NULL && len > 0))
        return MQTT_ERR_PARAM;
    mqtt_status_t st = mqtt_packet_need(pkt, len, &need);
    if (st == MQTT_OK && len < need)
        st = MQTT_ERR_TRUNCATED;
    else if (st == MQTT_OK && len > need)
        st = MQTT_ERR_BAD_LENGTH;
    if (st == MQTT_OK) {
        size_t hdr = 1;
        while (pkt[hdr] & 0x80)
            hdr++;
        hdr++;
        rd_t r = {pkt + hdr, len - hdr, 0};
        out->type = pkt[0] >> 4;
        out->flags = pkt[0] & 0x0F;
        st = decode_body(version, out->type, out->flags, &r, out);
    }
    if (st != MQTT_OK)
        memset(out, 0, sizeof *out);
    return st;
}
