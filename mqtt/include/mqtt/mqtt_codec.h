/*
 * mqtt_codec.h - pure MQTT 3.1.1 (level 4) and MQTT 5 (level 5) packet encoder / decoder.
 *
 * No heap, no OS, no global state. Encoders write one complete packet into a caller buffer
 * (out, out_size, *out_len) and write nothing when it does not fit. Decoders take one complete
 * packet and fill a struct whose strings point into the input buffer (no copies); the input
 * must outlive the decoded struct. Every length read from the wire is checked.
 *
 * Strings are (ptr, len) pairs, not NUL-terminated. UTF-8 strings are validated on both sides
 * (well-formed, no U+0000, no surrogates, no overlong forms).
 */
#ifndef MQTT_CODEC_H
#define MQTT_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- status ---------------------------------------------------------------------------- */

typedef enum mqtt_status {
    MQTT_OK = 0,
    MQTT_ERR_PARAM = -1,        /* bad argument (NULL, string > 65535, invalid UTF-8 given...) */
    MQTT_ERR_NO_SPACE = -2,     /* output buffer too small (nothing written) */
    MQTT_ERR_TRUNCATED = -3,    /* input shorter than the packet (or a field) says */
    MQTT_ERR_BAD_LENGTH = -4,   /* lengths inconsistent: trailing bytes, field past the end */
    MQTT_ERR_BAD_VARINT = -5,   /* variable byte integer over 4 bytes or not minimal */
    MQTT_ERR_BAD_TYPE = -6,     /* packet type 0 / 15 in v3 / unexpected for the call */
    MQTT_ERR_BAD_FLAGS = -7,    /* reserved fixed-header or connect flags wrong, QoS 3 */
    MQTT_ERR_BAD_PROPERTY = -8, /* unknown, not allowed in this packet, bad value, overrun */
    MQTT_ERR_DUP_PROPERTY = -9, /* property repeated where the spec forbids it */
    MQTT_ERR_BAD_UTF8 = -10,    /* invalid UTF-8 string */
    MQTT_ERR_BAD_VALUE = -11,   /* invalid field value (protocol name/level, reason, id 0...) */
    /* used by the client (mqtt_client.h) */
    MQTT_ERR_TRANSPORT = -20, /* transport send/recv failed or peer closed */
    MQTT_ERR_TIMEOUT = -21,   /* no answer within the request timeout / keep-alive */
    MQTT_ERR_REFUSED = -22,   /* CONNACK refused the connection (see the reason code) */
    MQTT_ERR_AUTH = -23,      /* enhanced authentication failed (callback refused) */
    MQTT_ERR_PROTOCOL = -24,  /* the peer broke the protocol (unexpected packet...) */
    MQTT_ERR_STATE = -25,     /* call not valid in this state (not connected...) */
    MQTT_ERR_FULL = -26,      /* in-flight table or store full / receive maximum reached */
    MQTT_ERR_TOO_LARGE = -27  /* packet larger than a buffer or the server maximum */
} mqtt_status_t;

/* One-line description of a status ("truncated packet"...). Never NULL. */
const char *mqtt_status_str(mqtt_status_t st);

/* ---- constants ------------------------------------------------------------------------- */

#define MQTT_V311 4u
#define MQTT_V5   5u

enum mqtt_packet_type {
    MQTT_CONNECT = 1,
    MQTT_CONNACK = 2,
    MQTT_PUBLISH = 3,
    MQTT_PUBACK = 4,
    MQTT_PUBREC = 5,
    MQTT_PUBREL = 6,
    MQTT_PUBCOMP = 7,
    MQTT_SUBSCRIBE = 8,
    MQTT_SUBACK = 9,
    MQTT_UNSUBSCRIBE = 10,
    MQTT_UNSUBACK = 11,
    MQTT_PINGREQ = 12,
    MQTT_PINGRESP = 13,
    MQTT_DISCONNECT = 14,
    MQTT_AUTH = 15
};

/* Reason codes used by this code (MQTT 5 §2.4). */
#define MQTT_RC_SUCCESS            0x00u
#define MQTT_RC_CONTINUE_AUTH      0x18u
#define MQTT_RC_REAUTHENTICATE     0x19u
#define MQTT_RC_UNSPECIFIED        0x80u
#define MQTT_RC_MALFORMED          0x81u
#define MQTT_RC_PROTOCOL_ERROR     0x82u
#define MQTT_RC_NOT_AUTHORIZED     0x87u
#define MQTT_RC_BAD_AUTH_METHOD    0x8Cu
#define MQTT_RC_KEEP_ALIVE_TIMEOUT 0x8Du
#define MQTT_RC_PACKET_TOO_LARGE   0x95u
#define MQTT_RC_QOS_NOT_SUPPORTED  0x9Bu

/* Largest remaining length (4-byte variable byte integer). */
#define MQTT_MAX_REMAINING 268435455u
/* Largest fixed header: type byte + 4 length bytes. */
#define MQTT_MAX_HEADER 5u

/* Property identifiers (MQTT 5 §2.2.2.2). */
enum mqtt_prop_id {
    MQTT_PROP_PAYLOAD_FORMAT = 0x01,
    MQTT_PROP_MESSAGE_EXPIRY = 0x02,
    MQTT_PROP_CONTENT_TYPE = 0x03,
    MQTT_PROP_RESPONSE_TOPIC = 0x08,
    MQTT_PROP_CORRELATION_DATA = 0x09,
    MQTT_PROP_SUBSCRIPTION_ID = 0x0B,
    MQTT_PROP_SESSION_EXPIRY = 0x11,
    MQTT_PROP_ASSIGNED_CLIENT_ID = 0x12,
    MQTT_PROP_SERVER_KEEP_ALIVE = 0x13,
    MQTT_PROP_AUTH_METHOD = 0x15,
    MQTT_PROP_AUTH_DATA = 0x16,
    MQTT_PROP_REQUEST_PROBLEM_INFO = 0x17,
    MQTT_PROP_WILL_DELAY = 0x18,
    MQTT_PROP_REQUEST_RESPONSE_INFO = 0x19,
    MQTT_PROP_RESPONSE_INFO = 0x1A,
    MQTT_PROP_SERVER_REFERENCE = 0x1C,
    MQTT_PROP_REASON_STRING = 0x1F,
    MQTT_PROP_RECEIVE_MAXIMUM = 0x21,
    MQTT_PROP_TOPIC_ALIAS_MAXIMUM = 0x22,
    MQTT_PROP_TOPIC_ALIAS = 0x23,
    MQTT_PROP_MAXIMUM_QOS = 0x24,
    MQTT_PROP_RETAIN_AVAILABLE = 0x25,
    MQTT_PROP_USER = 0x26,
    MQTT_PROP_MAXIMUM_PACKET_SIZE = 0x27,
    MQTT_PROP_WILDCARD_SUB_AVAILABLE = 0x28,
    MQTT_PROP_SUB_ID_AVAILABLE = 0x29,
    MQTT_PROP_SHARED_SUB_AVAILABLE = 0x2A
};
#define MQTT_PBIT(id) (1ull << (id))

/* ---- data ------------------------------------------------------------------------------ */

typedef struct mqtt_str {
    const uint8_t *ptr; /* NULL = absent (for optional fields) */
    size_t len;
} mqtt_str_t;

/* A NUL-terminated C string as an mqtt_str_t (NULL gives an absent string). */
mqtt_str_t mqtt_cstr(const char *s);
/* Equality of two strings (bytes). */
bool mqtt_str_eq(mqtt_str_t a, mqtt_str_t b);

typedef struct mqtt_user_prop {
    mqtt_str_t key;
    mqtt_str_t value;
} mqtt_user_prop_t;

/* MQTT 5 properties. A property is present iff its bit MQTT_PBIT(id) is set in `present`.
 * Encoding writes the present properties in ascending identifier order, then the user
 * properties of `user` (user_count of them). Decoding fills the fields, points strings into
 * the packet, counts user properties (read them with mqtt_props_user()) and keeps the first
 * subscription identifier (a PUBLISH may carry several; all are counted). */
typedef struct mqtt_props {
    uint64_t present;
    uint8_t payload_format, request_problem_info, request_response_info, maximum_qos, retain_available,
        wildcard_sub_available, sub_id_available, shared_sub_available;
    uint16_t server_keep_alive, receive_maximum, topic_alias_maximum, topic_alias;
    uint32_t message_expiry, session_expiry, will_delay, maximum_packet_size;
    uint32_t subscription_id;
    uint16_t subscription_id_count;
    mqtt_str_t content_type, response_topic, correlation_data, assigned_client_id, auth_method, auth_data,
        response_info, server_reference, reason_string;
    const mqtt_user_prop_t *user; /* encoding only */
    size_t user_count;
    mqtt_str_t raw; /* decoding: the property block (without its length) */
} mqtt_props_t;

/* Set a numeric / string property and its present bit. MQTT_ERR_PARAM for an id of the other
 * kind (or the user property, which goes through props->user). */
mqtt_status_t mqtt_props_set_num(mqtt_props_t *p, uint8_t id, uint32_t value);
mqtt_status_t mqtt_props_set_str(mqtt_props_t *p, uint8_t id, const void *ptr, size_t len);
static inline bool mqtt_props_has(const mqtt_props_t *p, uint8_t id)
{
    return (p->present & MQTT_PBIT(id)) != 0;
}
/* The index-th user property of a decoded property block. */
mqtt_status_t mqtt_props_user(const mqtt_props_t *p, size_t index, mqtt_user_prop_t *out);

typedef struct mqtt_connect {
    uint8_t version;      /* MQTT_V311 or MQTT_V5 */
    bool clean_start;     /* clean session (v3) / clean start (v5) */
    uint16_t keep_alive;  /* seconds */
    mqtt_str_t client_id; /* may be empty, never absent */
    mqtt_str_t user_name; /* ptr NULL = no user name */
    mqtt_str_t password;  /* ptr NULL = no password (binary data) */
    /* Will: will_topic.ptr NULL = no will. */
    mqtt_str_t will_topic, will_payload;
    uint8_t will_qos;
    bool will_retain;
    mqtt_props_t props;      /* v5 only */
    mqtt_props_t will_props; /* v5 only */
} mqtt_connect_t;

typedef struct mqtt_connack {
    bool session_present;
    uint8_t reason;     /* v3 return code or v5 reason code */
    mqtt_props_t props; /* v5 */
} mqtt_connack_t;

typedef struct mqtt_publish {
    mqtt_str_t topic;
    mqtt_str_t payload;
    uint8_t qos; /* 0, 1 (2 decoded, never produced by the client) */
    bool retain, dup;
    uint16_t packet_id; /* QoS > 0 */
    mqtt_props_t props; /* v5 */
} mqtt_publish_t;

/* PUBACK / PUBREC / PUBREL / PUBCOMP */
typedef struct mqtt_ack {
    uint16_t packet_id;
    uint8_t reason; /* v5; 0 for v3 */
    mqtt_props_t props;
} mqtt_ack_t;

/* One subscription: topic filter and options (QoS in bits 0-1; v5 adds no-local bit 2,
 * retain-as-published bit 3, retain handling bits 4-5). */
typedef struct mqtt_sub {
    mqtt_str_t filter;
    uint8_t options;
} mqtt_sub_t;

/* SUBSCRIBE (subs/count) and UNSUBSCRIBE (filters/count). When decoding, subs/filters are
 * NULL, count is set and the entries are read with mqtt_subscribe_entry(). */
typedef struct mqtt_subscribe {
    uint16_t packet_id;
    const mqtt_sub_t *subs;
    const mqtt_str_t *filters;
    size_t count;
    mqtt_props_t props;
    mqtt_str_t raw; /* decoding: the payload */
} mqtt_subscribe_t;

/* SUBACK / UNSUBACK: one return/reason code per filter (UNSUBACK v3 has none). */
typedef struct mqtt_suback {
    uint16_t packet_id;
    const uint8_t *codes;
    size_t count;
    mqtt_props_t props;
} mqtt_suback_t;

/* DISCONNECT and AUTH: reason + properties (v5). */
typedef struct mqtt_reason {
    uint8_t reason;
    mqtt_props_t props;
} mqtt_reason_t;

typedef struct mqtt_packet {
    uint8_t type;  /* enum mqtt_packet_type */
    uint8_t flags; /* low nibble of the first byte */
    union {
        mqtt_connect_t connect;
        mqtt_connack_t connack;
        mqtt_publish_t publish;
        mqtt_ack_t ack;
        mqtt_subscribe_t subscribe;
        mqtt_suback_t suback;
        mqtt_reason_t reason; /* DISCONNECT, AUTH */
    } u;
} mqtt_packet_t;

/* ---- framing --------------------------------------------------------------------------- */

/* Encode a variable byte integer (1..4 bytes). */
mqtt_status_t mqtt_varint_encode(uint32_t value, uint8_t *out, size_t out_size, size_t *out_len);
/* Decode one from buf; *used = bytes consumed. TRUNCATED if it does not end within len. */
mqtt_status_t mqtt_varint_decode(const uint8_t *buf, size_t len, uint32_t *value, size_t *used);

/* How many bytes the packet starting at buf needs, given the first len bytes of it.
 * MQTT_OK: *need = total packet length (header + remaining length).
 * MQTT_ERR_TRUNCATED: the header is not complete yet; *need = the number of bytes to have
 *   before asking again (len + 1: a transport reads 1 byte, then the length bytes one by one,
 *   then the rest).
 * MQTT_ERR_BAD_VARINT / MQTT_ERR_BAD_TYPE: never going to be a packet. */
mqtt_status_t mqtt_packet_need(const uint8_t *buf, size_t len, size_t *need);

/* ---- encoders (version = MQTT_V311 or MQTT_V5) ------------------------------------------ */
/* out == NULL with out_size == 0 is a size query: *out_len = the packet size, MQTT_OK. */

mqtt_status_t mqtt_encode_connect(const mqtt_connect_t *c, uint8_t *out, size_t out_size, size_t *out_len);
mqtt_status_t mqtt_encode_connack(uint8_t version, const mqtt_connack_t *c, uint8_t *out, size_t out_size,
                                  size_t *out_len);
mqtt_status_t mqtt_encode_publish(uint8_t version, const mqtt_publish_t *p, uint8_t *out, size_t out_size,
                                  size_t *out_len);
/* type: MQTT_PUBACK / PUBREC / PUBREL / PUBCOMP. v5: reason 0 without properties gives the
 * short 2-byte form. */
mqtt_status_t mqtt_encode_ack(uint8_t version, uint8_t type, const mqtt_ack_t *a, uint8_t *out, size_t out_size,
                              size_t *out_len);
mqtt_status_t mqtt_encode_subscribe(uint8_t version, const mqtt_subscribe_t *s, uint8_t *out, size_t out_size,
                                    size_t *out_len);
mqtt_status_t mqtt_encode_unsubscribe(uint8_t version, const mqtt_subscribe_t *s, uint8_t *out, size_t out_size,
                                      size_t *out_len);
/* type: MQTT_SUBACK or MQTT_UNSUBACK */
mqtt_status_t mqtt_encode_suback(uint8_t version, uint8_t type, const mqtt_suback_t *s, uint8_t *out, size_t out_size,
                                 size_t *out_len);
/* type: MQTT_PINGREQ or MQTT_PINGRESP (2 bytes). */
mqtt_status_t mqtt_encode_ping(uint8_t type, uint8_t *out, size_t out_size, size_t *out_len);
/* DISCONNECT: v3 always 2 bytes; v5 reason 0 without properties gives the 2-byte form. */
mqtt_status_t mqtt_encode_disconnect(uint8_t version, const mqtt_reason_t *r, uint8_t *out, size_t out_size,
                                     size_t *out_len);
/* AUTH (v5 only): reason 0x00 / 0x18 / 0x19 + properties. */
mqtt_status_t mqtt_encode_auth(const mqtt_reason_t *r, uint8_t *out, size_t out_size, size_t *out_len);

/* ---- decoder --------------------------------------------------------------------------- */

/* Decode exactly one complete packet (len must equal the packet's own length: shorter is
 * MQTT_ERR_TRUNCATED, longer MQTT_ERR_BAD_LENGTH). version selects the v3 / v5 layout; a
 * CONNECT carries its own version (v3.1 level 3 is refused with MQTT_ERR_BAD_VALUE). On error
 * *out is cleared. */
mqtt_status_t mqtt_decode(uint8_t version, const uint8_t *pkt, size_t len, mqtt_packet_t *out);

/* The index-th entry of a decoded SUBSCRIBE (sub) or UNSUBSCRIBE (sub->options = 0). */
mqtt_status_t mqtt_subscribe_entry(const mqtt_subscribe_t *s, bool unsubscribe, size_t index, mqtt_sub_t *out);

/* ---- helpers --------------------------------------------------------------------------- */

/* true if s is a valid MQTT UTF-8 string body (no U+0000, no surrogates, no overlongs). */
bool mqtt_utf8_valid(const uint8_t *s, size_t len);
/* true if topic (a topic name) matches filter (with '+' / '#' wildcards, MQTT rules). */
bool mqtt_topic_match(mqtt_str_t filter, mqtt_str_t topic);

#endif /* MQTT_CODEC_H */
