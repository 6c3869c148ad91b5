/*
 * authd_watch.h - the console's view of device messages: a thread that subscribes, as an
 * operator, to /+/+/data on an MQTT broker (mqtt/ client, MQTT 3.1.1, plain TCP on 127.0.0.1),
 * keeps the last AUTHD_WATCH_KEEP messages and each device's last message time, and reconnects.
 * Every function accepts a NULL watcher (no --watch): nothing recorded.
 */
#ifndef AUTHD_WATCH_H
#define AUTHD_WATCH_H

#include <stddef.h>
#include <stdint.h>

#define AUTHD_WATCH_KEEP 50

typedef struct authd_watch authd_watch_t;

typedef struct {
    int64_t time_ms; /* unix ms when received */
    char topic[160];
    char payload[256]; /* printable ASCII, cut */
} authd_msg_t;

authd_watch_t *authd_watch_start(const char *host, uint16_t port, const char *user, const char *password);
void authd_watch_stop(authd_watch_t *w);
int authd_watch_connected(authd_watch_t *w);
/* Most recent first; returns the count. */
size_t authd_watch_recent(authd_watch_t *w, authd_msg_t *out, size_t max);
/* Unix seconds of the last message of pk/dn, 0 when none. */
int64_t authd_watch_last(authd_watch_t *w, const char *pk, const char *dn);

#endif
