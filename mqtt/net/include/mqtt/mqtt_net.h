/*
 * mqtt_net.h - host transports for the MQTT client (POSIX sockets + mbedTLS 2.28): plain TCP,
 * TLS with the server certificate verified against a CA file (and the host name), TLS 1.2
 * with a pre-shared key. Allocates one object per connection (mqtt_net_free releases it).
 *
 * Every TCP connect, handshake, send and receive can be reported through a log callback with
 * its size and duration, so an application prints lines such as
 *   "iTLS send data(307 bytes) used time(usec): 5455"             (cloud-mqtt.md §4).
 */
#ifndef MQTT_NET_H
#define MQTT_NET_H

#include <stddef.h>
#include <stdint.h>

#include "mqtt/mqtt_client.h"

typedef enum mqtt_net_mode {
    MQTT_NET_TCP = 0, /* plain TCP */
    MQTT_NET_TLS_CA,  /* TLS 1.2, server certificate checked against ca_file + name */
    MQTT_NET_TLS_PSK  /* TLS 1.2, PSK cipher suites, identity + key */
} mqtt_net_mode_t;

typedef enum mqtt_net_log_kind {
    MQTT_NET_LOG_CONNECTING = 1, /* before TCP connect (host, port) */
    MQTT_NET_LOG_CONNECTED,      /* TCP connected (usec) */
    MQTT_NET_LOG_HANDSHAKE,      /* TLS handshake done (usec) */
    MQTT_NET_LOG_SEND,           /* one send call: bytes, usec */
    MQTT_NET_LOG_RECV,           /* one receive call that returned data: bytes, usec */
    MQTT_NET_LOG_PEER_CLOSE,     /* the peer closed the connection (TLS close notify / EOF) */
    MQTT_NET_LOG_ERROR           /* what: the failing step, code: errno or mbedTLS code */
} mqtt_net_log_kind_t;

typedef struct mqtt_net_log {
    mqtt_net_log_kind_t kind;
    const char *host;
    uint16_t port;
    size_t bytes;
    uint64_t usec;
    int code;
    const char *what; /* ERROR: "connect", "handshake", "send", "recv", "ca_file"... */
} mqtt_net_log_t;

typedef void (*mqtt_net_log_fn)(void *user, const mqtt_net_log_t *ev);

typedef struct mqtt_net_opts {
    const char *host; /* name or numeric address (IPv4 / IPv6) */
    uint16_t port;
    uint32_t connect_timeout_ms; /* TCP connect + TLS handshake; 0 = 10000 */
    mqtt_net_mode_t mode;
    const char *ca_file;      /* TLS_CA: PEM file of trusted CA certificates */
    const char *server_name;  /* TLS_CA: name the certificate must carry (default host) */
    const char *psk_identity; /* TLS_PSK */
    const uint8_t *psk;       /* TLS_PSK: key bytes (copied; wipe yours) */
    size_t psk_len;
    mqtt_net_log_fn log; /* optional */
    void *log_user;
} mqtt_net_opts_t;

typedef struct mqtt_net mqtt_net_t;

/* Connect (and handshake). On success *out is the connection; on failure *out is NULL,
 * *detail (may be NULL) gets errno / the mbedTLS error code and the status says which step:
 * MQTT_ERR_PARAM (options), MQTT_ERR_TIMEOUT, MQTT_ERR_TRANSPORT (resolve/connect),
 * MQTT_ERR_AUTH (handshake / certificate / PSK refused). */
mqtt_status_t mqtt_net_connect(const mqtt_net_opts_t *o, mqtt_net_t **out, int *detail);

/* Fill t with the transport functions of n (send/recv/close; close = mqtt_net_close). */
void mqtt_net_transport(mqtt_net_t *n, mqtt_transport_t *t);

/* Shut the connection down (TLS close notify, close socket). Idempotent; n stays valid. */
void mqtt_net_close(mqtt_net_t *n);
/* Close if needed and free everything (keys wiped). NULL is ignored. */
void mqtt_net_free(mqtt_net_t *n);

/* Verification flags of the last TLS_CA handshake (mbedTLS MBEDTLS_X509_BADCERT_*), 0 if ok. */
uint32_t mqtt_net_verify_result(const mqtt_net_t *n);

#endif /* MQTT_NET_H */
