/*
 * broker_run.h - run a private mosquitto for a test (127.0.0.1, free ports, private folder,
 * stopped by its PID), run stock clients, and a minimal raw MQTT 5 client for enhanced auth.
 */
#ifndef BROKER_RUN_H
#define BROKER_RUN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct {
    pid_t pid;
    int port;          /* plain MQTT listener     */
    int psk_port;      /* TLS-PSK listener (hint "trustm", use_identity_as_username) */
    int psk_user_port; /* TLS-PSK listener (hint "trustm"), CONNECT user name "<dn>&<pk>" */
    char dir[256];
    char log[300];
} br_broker_t;

/* Write <dir>/mosquitto.conf (`body` after the listeners) and start the broker; 0 when it
 * accepts connections. On failure the broker log is printed. */
int br_start(br_broker_t *b, const char *dir, const char *body);
int br_alive(br_broker_t *b);
void br_stop(br_broker_t *b);
/* 1 (and the broker's stderr printed) when a sanitizer reported anything (sanitized builds). */
int br_sanitizer_report(const br_broker_t *b);

/* Run argv (argv[0] an absolute path), stdout+stderr into out; returns the exit status, or -1. */
int br_run(char *const argv[], char *out, size_t out_size);
/* 1 when the broker log contains `needle`. */
int br_log_contains(const br_broker_t *b, const char *needle);
/* The same, waiting up to ~10 s for the line to appear (events the broker logs asynchronously). */
int br_wait_log(const br_broker_t *b, const char *needle);

/* Raw MQTT over TCP to 127.0.0.1:port. */
int mq_open(int port);
int mq_send(int fd, const uint8_t *p, size_t n);
/* Read one packet: *type = first byte, body (after the remaining length) into buf; returns the
 * body length or -1 (closed / error). */
long mq_read(int fd, uint8_t *type, uint8_t *buf, size_t size);

/* Builders; each returns the packet length (0 on overflow). */
size_t mq_connect5(uint8_t *out, size_t size, const char *client_id, const char *username, const char *method,
                   const void *data, size_t data_len);
/* MQTT 3.1.1 CONNECT with user name, password and a retained QoS 0 will. */
size_t mq_connect311_will(uint8_t *out, size_t size, const char *client_id, const char *username, const char *password,
                          const char *will_topic, const char *will_msg);
size_t mq_auth5(uint8_t *out, size_t size, uint8_t reason, const char *method, const void *data, size_t data_len);
size_t mq_publish(uint8_t *out, size_t size, const char *topic, const char *payload, int retain);

/* In the properties of a CONNACK / AUTH body, find Authentication Data (0x16); returns its
 * length (copied with a NUL into out) or -1. *reason receives the reason code. */
long mq_auth_data(uint8_t type, const uint8_t *body, size_t len, uint8_t *reason, char *out, size_t out_size);

#endif
