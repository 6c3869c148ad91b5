/*
 * mqttapp.h - the seed's demo application (cloud-mqtt.md sections 6-7) on Linux: a device that
 * proves its chip-held ID2 key to an MQTT broker, then publishes the demo's messages.
 *
 * Parts: mqttapp_main.c (options, the demo sequence, reconnects), mqttapp_conn.c (transport,
 * the four ways to authenticate, the ID2 client on the chip), mqttapp_log.c (the seed's log
 * style: "[NNNNNN]<I> text" lines and "function|line :: text" traces).
 */
#ifndef MQTTAPP_H
#define MQTTAPP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cli_device.h"
#include "id2/id2_client.h"
#include "mqtt/mqtt_client.h"
#include "mqtt/mqtt_net.h"

/* Exit codes (docs/mqttapp.md). */
#define APP_EXIT_OK      0 /* done (--count reached, --connect-only, SIGINT)            */
#define APP_EXIT_USAGE   1 /* bad command line                                          */
#define APP_EXIT_DEVICE  2 /* the chip could not be opened or refused an ID2 operation  */
#define APP_EXIT_REFUSED 3 /* the broker refused us, or we refused the broker's proof   */
#define APP_EXIT_NETWORK 4 /* no connection to the broker within the attempts allowed   */

typedef enum { MODE_V5 = 0, MODE_TS, MODE_PSK, MODE_SECRET } app_mode_t;

typedef struct app_opts {
    const char *device; /* chip device spec (cli_devspec.h) */
    unsigned frame_size;
    int protect;          /* Shielded Connection level, -1 = off */
    const char *pbs_file; /* platform binding secret (trustm pair) */
    const char *pk;
    const char *dn;
    const char *host;
    uint16_t port;
    const char *ca_file;
    const char *server_name;
    app_mode_t mode;
    int crypto; /* ID2_CRYPTO_TYPE_AES / _RSA, 0 = build default */
    const char *psk_hint;
    char device_secret[129];
    const char *partner_id;
    const char *module_id;
    bool plain; /* no TLS (tests, debugging) */
    uint32_t period_ms;
    unsigned long count; /* temperature messages, 0 = forever */
    bool connect_only;
    bool power_down;
    uint32_t power_down_max_ms;
    uint16_t keep_alive;
    unsigned connect_attempts; /* before the first successful connect; 0 = forever */
    uint32_t backoff_min_ms;
    uint32_t backoff_max_ms;
    bool stats; /* one JSON line per connect on stdout */
    int verbose;
} app_opts_t;

/* Figures of one connect (for --stats and make bench). */
typedef struct app_connect_stats {
    uint64_t chip_cmds;        /* chip commands during the connect (simulator count) */
    uint64_t chip_sim_us;      /* chip + bus time on the chip's clock (simulated time) */
    uint64_t chip_wall_us;     /* real time spent in chip calls */
    uint64_t total_wall_us;    /* real time of the whole connect */
    uint64_t since_start_us;   /* real time from process start to the CONNACK */
    int sec_before, sec_after; /* security event counter (E0C5), -1 when not read */
} app_connect_stats_t;

typedef struct app {
    app_opts_t o;
    /* the chip */
    bool have_chip;
    bool chip_open;
    cli_device_t chip;
    cli_globals_t g;
    id2_client_t id2;
    char id2_str[ID2_ID_LEN + 1];
    /* the broker */
    mqtt_net_t *net;
    mqtt_client_t client;
    uint8_t tx[2048], rx[2048], store[16384];
    char client_id[512];
    char user[160];
    char topic_update[200], topic_data[200], topic_mid[200], topic_info[200], topic_ota[200];
    /* v5 enhanced authentication */
    char auth_code[AUTH_CODE_BUF_LEN + 1];
    char server_random[ID2_MAX_SERVER_RANDOM_LEN + 1];
    bool proof_ok;
    bool proof_failed;
    int id2_failed; /* last ID2 result when an ID2 call failed in a callback */
    /* run */
    unsigned long cnt;
    unsigned connects;
    app_connect_stats_t st;
} app_t;

/* mqttapp_log.c */
void app_log_start(void);
uint64_t app_mono_us(void);
uint64_t app_elapsed_us(void); /* since the process started (app_log_start) */
void app_log(char level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void app_trace(const char *fn, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void app_id2_log(void *arg, const char *line);
void app_net_log(void *user, const mqtt_net_log_t *ev);
void app_on_event(void *user, const mqtt_event_t *ev);
void app_on_message(void *user, const mqtt_publish_t *msg);

/* mqttapp_conn.c */
/* Open the chip (when the mode needs one) and read the ID2. Returns an APP_EXIT_* code. */
int app_chip_open(app_t *a);
void app_chip_close(app_t *a);
/* Build the client id, user name and topics (after app_chip_open). */
int app_names(app_t *a);
/* One connect attempt: transport, authentication, CONNACK. APP_EXIT_OK, or the exit code
 * that a failure of this kind means (NETWORK is retried by the caller, the others are not). */
int app_connect(app_t *a);
void app_disconnect(app_t *a);

#endif /* MQTTAPP_H */
