/*
 * mqttapp_log.c - the seed's log style (cloud-mqtt.md section 7.4): "[NNNNNN]<I> text" with the
 * milliseconds since start, the SDK's "function|line :: text" traces, the ID2 client's lines,
 * one line per transport send / receive, and the SDK's event and message callbacks.
 */
#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "mqttapp.h"

static uint64_t t0_us;

uint64_t app_mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void app_log_start(void)
{
    t0_us = app_mono_us();
}

uint64_t app_elapsed_us(void)
{
    return app_mono_us() - t0_us;
}

void app_log(char level, const char *fmt, ...)
{
    va_list ap;
    printf("[%06" PRIu64 "]<%c> ", (app_mono_us() - t0_us) / 1000u, level);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    fputc('\n', stdout);
    fflush(stdout);
}

void app_trace(const char *fn, int line, const char *fmt, ...)
{
    va_list ap;
    printf("%s|%03d :: ", fn, line);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    fputc('\n', stdout);
    fflush(stdout);
}

void app_id2_log(void *arg, const char *line)
{
    (void)arg;
    printf("%s\n", line);
    fflush(stdout);
}

void app_net_log(void *user, const mqtt_net_log_t *ev)
{
    app_t *a = user;
    bool tls = !a->o.plain;
    switch (ev->kind) {
    case MQTT_NET_LOG_CONNECTING:
        app_log('I', "Connecting to /%s/%u...", ev->host, (unsigned)ev->port);
        break;
    case MQTT_NET_LOG_CONNECTED:
        app_log('I', " ok");
        if (tls) {
            app_log('I', "  . Setting up the SSL/TLS structure...");
            app_log('I', " ok");
            app_log('I', "Performing the SSL/TLS handshake...");
        }
        break;
    case MQTT_NET_LOG_HANDSHAKE:
        app_log('I', "=========================== TLS handshake used time(usec): %" PRIu64, ev->usec);
        app_log('I', " ok");
        break;
    case MQTT_NET_LOG_SEND:
        app_log('I', "%s send data(%zu bytes) used time(usec): %" PRIu64, tls ? "TLS" : "TCP", ev->bytes, ev->usec);
        break;
    case MQTT_NET_LOG_RECV:
        if (a->o.verbose > 0) {
            app_log('I', "=========================== %s receive data(%zu bytes) used time(usec): %" PRIu64,
                    tls ? "TLS" : "TCP", ev->bytes, ev->usec);
        }
        break;
    case MQTT_NET_LOG_PEER_CLOSE:
        app_log('I', "%s recv peer close notify", tls ? "ssl" : "tcp");
        break;
    case MQTT_NET_LOG_ERROR:
        app_log('E', " failed ! %s returned -0x%04x", ev->what != NULL ? ev->what : "transport",
                (unsigned)(ev->code < 0 ? -ev->code : ev->code));
        break;
    }
}

void app_on_event(void *user, const mqtt_event_t *ev)
{
    (void)user;
    switch (ev->type) {
    case MQTT_EVENT_PUBLISH_SUCCESS:
        app_trace("event_handle", 84, "publish success, packet-id=%u", (unsigned)ev->packet_id);
        break;
    case MQTT_EVENT_PUBLISH_NACK:
        app_trace("event_handle", 90, "publish nack, packet-id=%u", (unsigned)ev->packet_id);
        break;
    case MQTT_EVENT_SUBSCRIBE_SUCCESS:
        app_trace("event_handle", 60, "subscribe success, packet-id=%u", (unsigned)ev->packet_id);
        break;
    case MQTT_EVENT_SUBSCRIBE_NACK:
        app_trace("event_handle", 68, "subscribe nack, packet-id=%u", (unsigned)ev->packet_id);
        break;
    case MQTT_EVENT_SUBSCRIBE_TIMEOUT:
        app_trace("event_handle", 64, "subscribe wait ack timeout, packet-id=%u", (unsigned)ev->packet_id);
        break;
    case MQTT_EVENT_UNSUBSCRIBE_SUCCESS:
        app_trace("event_handle", 72, "unsubscribe success, packet-id=%u", (unsigned)ev->packet_id);
        break;
    case MQTT_EVENT_UNSUBSCRIBE_NACK:
        app_trace("event_handle", 80, "unsubscribe nack, packet-id=%u", (unsigned)ev->packet_id);
        break;
    case MQTT_EVENT_UNSUBSCRIBE_TIMEOUT:
        app_trace("event_handle", 76, "unsubscribe timeout, packet-id=%u", (unsigned)ev->packet_id);
        break;
    case MQTT_EVENT_DISCONNECT:
        app_trace("event_handle", 52, "MQTT disconnect.");
        break;
    case MQTT_EVENT_BUFFER_OVERFLOW:
        app_trace("event_handle", 96, "buffer overflow, %zu bytes dropped", ev->size);
        break;
    default:
        app_trace("event_handle", 100, "Should NOT arrive here.");
        break;
    }
}

void app_on_message(void *user, const mqtt_publish_t *msg)
{
    (void)user;
    printf("----\n");
    printf("packetId: %u\n", (unsigned)msg->packet_id);
    printf("Topic: '%.*s' (Length: %zu)\n", (int)msg->topic.len, (const char *)msg->topic.ptr, msg->topic.len);
    printf("Payload: '%.*s' (Length: %zu)\n", (int)msg->payload.len, (const char *)msg->payload.ptr, msg->payload.len);
    printf("----\n");
    fflush(stdout);
}
