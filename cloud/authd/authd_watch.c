/*
 * authd_watch.c - see authd_watch.h.
 */
#define _GNU_SOURCE

#include "authd_watch.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mqtt/mqtt_client.h"
#include "mqtt/mqtt_net.h"

#define NBUCKET 4096

typedef struct last_s {
    struct last_s *next;
    char key[140]; /* pk/dn */
    int64_t t;
} last_t;

struct authd_watch {
    pthread_t th;
    pthread_mutex_t mu;
    volatile int stop;
    int connected;
    char host[128];
    uint16_t port;
    char user[100];
    char password[300];
    authd_msg_t ring[AUTHD_WATCH_KEEP];
    size_t head, count;
    last_t *bucket[NBUCKET];
    uint8_t tx[1024], rx[4096], store[1024];
};

static uint32_t mono_ms(void *user)
{
    (void)user;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint32_t)((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u);
}

static unsigned hash(const char *s)
{
    unsigned h = 2166136261u;
    while (*s)
        h = (h ^ (unsigned char)*s++) * 16777619u;
    return h % NBUCKET;
}

static void copy_printable(const uint8_t *p, size_t n, char *out, size_t out_size)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 1 < out_size; i++)
        out[o++] = (p[i] >= 0x20 && p[i] < 0x7f) ? (char)p[i] : '?';
    out[o] = '\0';
}

static void on_message(void *user, const mqtt_publish_t *msg)
{
    authd_watch_t *w = user;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    authd_msg_t m;
    m.time_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    copy_printable(msg->topic.ptr, msg->topic.len, m.topic, sizeof m.topic);
    copy_printable(msg->payload.ptr, msg->payload.len, m.payload, sizeof m.payload);
    /* "/<pk>/<dn>/data" -> key "pk/dn" */
    char key[140] = "";
    if (m.topic[0] == '/') {
        const char *a = m.topic + 1, *b = strchr(a, '/'), *c = b ? strchr(b + 1, '/') : NULL;
        if (c != NULL && (size_t)(c - a) < sizeof key)
            snprintf(key, sizeof key, "%.*s", (int)(c - a), a);
    }
    pthread_mutex_lock(&w->mu);
    w->ring[w->head] = m;
    w->head = (w->head + 1) % AUTHD_WATCH_KEEP;
    if (w->count < AUTHD_WATCH_KEEP)
        w->count++;
    if (key[0]) {
        unsigned h = hash(key);
        last_t *l = w->bucket[h];
        while (l != NULL && strcmp(l->key, key) != 0)
            l = l->next;
        if (l == NULL && (l = calloc(1, sizeof *l)) != NULL) {
            snprintf(l->key, sizeof l->key, "%s", key);
            l->next = w->bucket[h];
            w->bucket[h] = l;
        }
        if (l != NULL)
            l->t = ts.tv_sec;
    }
    pthread_mutex_unlock(&w->mu);
}

static void set_connected(authd_watch_t *w, int c)
{
    pthread_mutex_lock(&w->mu);
    w->connected = c;
    pthread_mutex_unlock(&w->mu);
}

static void *run(void *arg)
{
    authd_watch_t *w = arg;
    char cid[64];
    snprintf(cid, sizeof cid, "id2-authd-watch-%d", (int)getpid());
    while (!w->stop) {
        mqtt_net_opts_t no;
        memset(&no, 0, sizeof no);
        no.host = w->host;
        no.port = w->port;
        no.connect_timeout_ms = 3000;
        no.mode = MQTT_NET_TCP;
        mqtt_net_t *net = NULL;
        int detail = 0;
        if (mqtt_net_connect(&no, &net, &detail) == MQTT_OK) {
            mqtt_transport_t t;
            mqtt_net_transport(net, &t);
            mqtt_client_config_t cc;
            memset(&cc, 0, sizeof cc);
            cc.tx_buf = w->tx;
            cc.tx_size = sizeof w->tx;
            cc.rx_buf = w->rx;
            cc.rx_size = sizeof w->rx;
            cc.store_buf = w->store;
            cc.store_size = sizeof w->store;
            cc.now_ms = mono_ms;
            cc.request_timeout_ms = 5000;
            cc.user = w;
            cc.on_message = on_message;
            mqtt_client_t c;
            mqtt_client_init(&c, &cc);
            mqtt_connect_t conn;
            memset(&conn, 0, sizeof conn);
            conn.version = MQTT_V311;
            conn.clean_start = true;
            conn.keep_alive = 30;
            conn.client_id = mqtt_cstr(cid);
            conn.user_name = mqtt_cstr(w->user);
            conn.password = mqtt_cstr(w->password);
            mqtt_connack_t ack;
            memset(&ack, 0, sizeof ack);
            mqtt_sub_t sub = {mqtt_cstr("/+/+/data"), 0};
            uint16_t pid;
            if (mqtt_client_connect(&c, &t, &conn, &ack) == MQTT_OK &&
                mqtt_client_subscribe(&c, &sub, 1, NULL, &pid) == MQTT_OK) {
                set_connected(w, 1);
                while (!w->stop && mqtt_client_yield(&c, 200) == MQTT_OK)
                    ;
                if (mqtt_client_connected(&c))
                    mqtt_client_disconnect(&c, 0);
            }
            set_connected(w, 0);
            mqtt_net_free(net);
        }
        for (int i = 0; i < 10 && !w->stop; i++)
            usleep(100000);
    }
    return NULL;
}

authd_watch_t *authd_watch_start(const char *host, uint16_t port, const char *user, const char *password)
{
    authd_watch_t *w = calloc(1, sizeof *w);
    if (w == NULL)
        return NULL;
    pthread_mutex_init(&w->mu, NULL);
    snprintf(w->host, sizeof w->host, "%s", host);
    w->port = port;
    snprintf(w->user, sizeof w->user, "%s", user);
    snprintf(w->password, sizeof w->password, "%s", password);
    if (pthread_create(&w->th, NULL, run, w) != 0) {
        free(w);
        return NULL;
    }
    return w;
}

void authd_watch_stop(authd_watch_t *w)
{
    if (w == NULL)
        return;
    w->stop = 1;
    pthread_join(w->th, NULL);
    for (size_t i = 0; i < NBUCKET; i++) {
        last_t *l = w->bucket[i];
        while (l != NULL) {
            last_t *n = l->next;
            free(l);
            l = n;
        }
    }
    memset(w->password, 0, sizeof w->password);
    pthread_mutex_destroy(&w->mu);
    free(w);
}

int authd_watch_connected(authd_watch_t *w)
{
    if (w == NULL)
        return 0;
    pthread_mutex_lock(&w->mu);
    int c = w->connected;
    pthread_mutex_unlock(&w->mu);
    return c;
}

size_t authd_watch_recent(authd_watch_t *w, authd_msg_t *out, size_t max)
{
    if (w == NULL)
        return 0;
    pthread_mutex_lock(&w->mu);
    size_t n = w->count < max ? w->count : max;
    for (size_t i = 0; i < n; i++)
        out[i] = w->ring[(w->head + AUTHD_WATCH_KEEP - 1 - i) % AUTHD_WATCH_KEEP];
    pthread_mutex_unlock(&w->mu);
    return n;
}

int64_t authd_watch_last(authd_watch_t *w, const char *pk, const char *dn)
{
    if (w == NULL)
        return 0;
    char key[140];
    snprintf(key, sizeof key, "%s/%s", pk, dn);
    pthread_mutex_lock(&w->mu);
    int64_t t = 0;
    for (last_t *l = w->bucket[hash(key)]; l != NULL; l = l->next)
        if (strcmp(l->key, key) == 0)
            t = l->t;
    pthread_mutex_unlock(&w->mu);
    return t;
}
