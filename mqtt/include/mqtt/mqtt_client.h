/*
 * mqtt_client.h - small MQTT 3.1.1 / 5 client session on top of mqtt_codec.h.
 *
 * No heap, no OS, no globals: the caller provides the context, the send / receive buffers, a
 * store for unacknowledged QoS 1 PUBLISH packets, a transport (function pointers) and a clock
 * (function returning milliseconds). Single-threaded: call the functions of one client from
 * one thread. QoS 0 and 1 only (no QoS 2).
 *
 * Typical use:
 *   mqtt_client_init(&c, &cfg);
 *   mqtt_client_connect(&c, &transport, &connect, &connack);
 *   mqtt_client_subscribe(&c, subs, 1, NULL, &id);
 *   mqtt_client_publish(&c, &msg, &id);
 *   for (;;) mqtt_client_yield(&c, 200);       // PUBACK/SUBACK events, messages, keep-alive
 *   mqtt_client_disconnect(&c, 0);
 * After a broken connection (any call returned MQTT_ERR_TRANSPORT / TIMEOUT / PROTOCOL and
 * mqtt_client_connected() is false) call mqtt_client_connect() again with a new transport:
 * every unacknowledged QoS 1 PUBLISH is sent again with DUP=1 and its original packet id.
 */
#ifndef MQTT_CLIENT_H
#define MQTT_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mqtt/mqtt_codec.h"

/* Entries of the in-flight table (QoS 1 PUBLISH, SUBSCRIBE, UNSUBSCRIBE awaiting their ack). */
#define MQTT_CLIENT_MAX_INFLIGHT 16

/*
 * Transport contract. All functions get `ctx`. The client never calls them concurrently.
 *  send: write up to len (> 0) bytes, waiting at most timeout_ms. Returns the number of bytes
 *        written (1..len; the client calls again for the rest), 0 if nothing could be
 *        written within timeout_ms, negative if the connection is broken.
 *  recv: read up to len (> 0) bytes, waiting at most timeout_ms for the first byte. Returns
 *        the number of bytes read (1..len), 0 if no data arrived within timeout_ms (the call
 *        must really wait that long, or the clock must advance: the client loops on the
 *        clock), negative if the connection is closed by the peer or broken.
 *        The client asks for exactly what it needs: 1 byte (type), the length bytes one by
 *        one, then the rest of the packet.
 *  close: optional (may be NULL); shuts the connection down. Called once by the client when it
 *        ends a connection (disconnect, error, refused). It must not free ctx: the owner of
 *        the transport frees it after the client is done with it.
 */
typedef struct mqtt_transport {
    void *ctx;
    int32_t (*send)(void *ctx, const uint8_t *buf, size_t len, uint32_t timeout_ms);
    int32_t (*recv)(void *ctx, uint8_t *buf, size_t len, uint32_t timeout_ms);
    void (*close)(void *ctx);
} mqtt_transport_t;

typedef enum mqtt_event_type {
    MQTT_EVENT_PUBLISH_SUCCESS = 1, /* PUBACK (reason < 0x80) for packet_id */
    MQTT_EVENT_PUBLISH_NACK,        /* v5 PUBACK with reason >= 0x80 */
    MQTT_EVENT_SUBSCRIBE_SUCCESS,   /* SUBACK, every code < 0x80 (codes/count) */
    MQTT_EVENT_SUBSCRIBE_NACK,      /* SUBACK with a code >= 0x80 */
    MQTT_EVENT_SUBSCRIBE_TIMEOUT,   /* no SUBACK within the request timeout or conn lost */
    MQTT_EVENT_UNSUBSCRIBE_SUCCESS,
    MQTT_EVENT_UNSUBSCRIBE_NACK,
    MQTT_EVENT_UNSUBSCRIBE_TIMEOUT,
    MQTT_EVENT_DISCONNECT,     /* connection ended (status, v5 server reason) */
    MQTT_EVENT_BUFFER_OVERFLOW /* incoming packet larger than rx buffer: dropped */
} mqtt_event_type_t;

typedef struct mqtt_event {
    mqtt_event_type_t type;
    uint16_t packet_id;
    uint8_t reason;       /* PUBACK / DISCONNECT reason (v5) */
    const uint8_t *codes; /* SUBACK / UNSUBACK codes */
    size_t count;
    mqtt_status_t status; /* DISCONNECT: why (MQTT_OK for a requested disconnect) */
    size_t size;          /* BUFFER_OVERFLOW: size of the dropped packet */
} mqtt_event_t;

/* Enhanced authentication (v5), step "broker sent AUTH 0x18": `server` are the properties of
 * the broker's AUTH (server->auth_data = its data). Set *reply to the device's next auth
 * data (memory owned by the application, valid until the callback is called again or connect
 * returns) and return MQTT_OK; any other return aborts: DISCONNECT 0x80 is sent and connect
 * returns MQTT_ERR_AUTH. */
typedef mqtt_status_t (*mqtt_auth_fn)(void *user, const mqtt_props_t *server, mqtt_str_t *reply);
/* Successful CONNACK of an enhanced-auth connect (connack->props.auth_data = the server's
 * proof). Return MQTT_OK to accept; anything else: DISCONNECT 0x87 is sent, the connection is
 * closed and connect returns MQTT_ERR_AUTH. */
typedef mqtt_status_t (*mqtt_connack_auth_fn)(void *user, const mqtt_connack_t *connack);

typedef struct mqtt_client_config {
    uint8_t *tx_buf; /* outgoing CONNECT / SUBSCRIBE / QoS 0 PUBLISH / acks */
    size_t tx_size;
    uint8_t *rx_buf; /* one incoming packet; larger ones are dropped (event) */
    size_t rx_size;
    uint8_t *store_buf; /* copies of unacknowledged QoS 1 PUBLISH packets */
    size_t store_size;
    uint32_t (*now_ms)(void *user);                            /* monotonic milliseconds (wraps at 2^32) */
    uint32_t request_timeout_ms;                               /* CONNACK/AUTH round trip, sends, SUBACK, PINGRESP */
    void *user;                                                /* passed to every callback */
    void (*on_event)(void *user, const mqtt_event_t *ev);      /* optional */
    void (*on_message)(void *user, const mqtt_publish_t *msg); /* optional */
    mqtt_auth_fn on_auth;                                      /* needed for v5 enhanced auth with AUTH rounds */
    mqtt_connack_auth_fn on_connack_auth;                      /* optional verification of the server's proof */
} mqtt_client_config_t;

typedef struct mqtt_inflight {
    uint8_t type; /* 0 = free, MQTT_PUBLISH, MQTT_SUBSCRIBE, MQTT_UNSUBSCRIBE */
    uint16_t packet_id;
    uint32_t sent_ms;
    size_t off, len; /* PUBLISH: the packet in store_buf */
} mqtt_inflight_t;

/* Client context: treat as opaque (size fixed at compile time). */
typedef struct mqtt_client {
    mqtt_client_config_t cfg;
    mqtt_transport_t t;
    bool connected;
    uint8_t version;
    uint16_t keep_alive_s;
    uint16_t last_id;
    uint32_t last_send_ms;
    bool ping_out;
    uint32_t ping_ms;
    uint16_t server_receive_max;
    uint32_t server_max_packet;
    size_t rx_have;
    size_t discard_left;
    size_t store_used;
    mqtt_inflight_t inflight[MQTT_CLIENT_MAX_INFLIGHT];
} mqtt_client_t;

/* Check the configuration and clear the session (no connection). MQTT_ERR_PARAM if a buffer,
 * now_ms or request_timeout_ms is missing. */
mqtt_status_t mqtt_client_init(mqtt_client_t *c, const mqtt_client_config_t *cfg);

/* Send CONNECT (conn: version, client id, user name, password, will, v5 properties such as
 * Authentication Method / Data) over transport t (copied), run the AUTH exchange (v5) and
 * wait for CONNACK. On success the session is connected and unacknowledged QoS 1 PUBLISH
 * packets of an earlier connection are sent again (DUP=1, same packet id). connack (may be
 * NULL) receives the CONNACK; its strings point into rx_buf and are valid until the next
 * client call. Errors: MQTT_ERR_REFUSED (connack->reason says why), MQTT_ERR_AUTH,
 * MQTT_ERR_TIMEOUT, MQTT_ERR_TRANSPORT, a decode status for a malformed answer; the
 * transport is closed on every error. The password bytes are wiped from tx_buf after use. */
mqtt_status_t mqtt_client_connect(mqtt_client_t *c, const mqtt_transport_t *t, const mqtt_connect_t *conn,
                                  mqtt_connack_t *connack);

/* Publish msg (topic, payload, qos 0/1, retain, v5 props; dup and packet_id are ignored).
 * QoS 1: the next packet id is assigned (*packet_id, may be NULL) and the packet is kept in
 * store_buf until its PUBACK (event MQTT_EVENT_PUBLISH_SUCCESS). If the send fails the
 * message stays stored (it is re-sent on the next connect) and MQTT_ERR_TRANSPORT is
 * returned with *packet_id set. MQTT_ERR_FULL: in-flight table / store full or the server's
 * Receive Maximum reached (nothing sent, no id used). */
mqtt_status_t mqtt_client_publish(mqtt_client_t *c, const mqtt_publish_t *msg, uint16_t *packet_id);

/* SUBSCRIBE count filters (QoS 0/1 only), optional v5 properties (NULL = none). The SUBACK
 * arrives as an event during yield. */
mqtt_status_t mqtt_client_subscribe(mqtt_client_t *c, const mqtt_sub_t *subs, size_t count, const mqtt_props_t *props,
                                    uint16_t *packet_id);
mqtt_status_t mqtt_client_unsubscribe(mqtt_client_t *c, const mqtt_str_t *filters, size_t count,
                                      const mqtt_props_t *props, uint16_t *packet_id);

/* Process the connection for timeout_ms: receive and handle packets (acks -> events,
 * PUBLISH -> on_message then PUBACK for QoS 1), send PINGREQ when keep-alive seconds have
 * passed since the last send, fail on a missing PINGRESP. Returns MQTT_OK after timeout_ms,
 * or the error that ended the connection. */
mqtt_status_t mqtt_client_yield(mqtt_client_t *c, uint32_t timeout_ms);

/* Send DISCONNECT (v5: reason; v3 ignores it) and close the transport. Unacknowledged QoS 1
 * messages stay stored for the next connect. */
mqtt_status_t mqtt_client_disconnect(mqtt_client_t *c, uint8_t reason);

bool mqtt_client_connected(const mqtt_client_t *c);
/* Number of QoS 1 PUBLISH packets awaiting PUBACK. */
size_t mqtt_client_pending(const mqtt_client_t *c);
/* Forget every stored unacknowledged message (e.g. before a clean-start session). */
void mqtt_client_drop_pending(mqtt_client_t *c);

#endif /* MQTT_CLIENT_H */
