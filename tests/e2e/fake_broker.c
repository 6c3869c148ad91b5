/*
 * fake_broker.c - a broker that does not know the device's key (tests/e2e/e2e.sh "forged").
 *
 * It accepts one plain-TCP connection on 127.0.0.1:PORT and plays the MQTT 5 enhanced
 * authentication of cloud-mqtt.md 9.2 up to the CONNACK, whose ID2 proof (type 10 server auth
 * code) it forges: right format and device random, signature of another key. A correct device
 * must refuse the broker (DISCONNECT 0x87) and publish nothing.
 * Exit 0: the device sent DISCONNECT 0x87 and no PUBLISH; 1: the device published or
 * misbehaved; 2: set-up or timeout.
 */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mqtt/mqtt_codec.h"

#define TIMEOUT_MS 30000

static int read_exact(int fd, uint8_t *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, TIMEOUT_MS) <= 0) {
            return -1;
        }
        ssize_t r = read(fd, buf + got, len - got);
        if (r <= 0) {
            return -1;
        }
        got += (size_t)r;
    }
    return 0;
}

/* One whole packet into buf; its length in *len. -1 on EOF / timeout / malformed. */
static int read_packet(int fd, uint8_t *buf, size_t size, size_t *len)
{
    size_t have = 0, need = 1;
    for (;;) {
        if (need > size || read_exact(fd, buf + have, need - have) != 0) {
            return -1;
        }
        have = need;
        mqtt_status_t st = mqtt_packet_need(buf, have, &need);
        if (st != MQTT_OK && st != MQTT_ERR_TRUNCATED) {
            return -1;
        }
        if (st == MQTT_OK && need == have) {
            *len = have;
            return 0;
        }
    }
}

static int send_all(int fd, const uint8_t *buf, size_t len)
{
    return write(fd, buf, len) == (ssize_t)len ? 0 : -1;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: fake_broker PORT\n");
        return 2;
    }
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)atoi(argv[1]));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof a) != 0 || listen(ls, 1) != 0) {
        perror("fake_broker: listen");
        return 2;
    }
    printf("fake_broker: listening on 127.0.0.1:%s\n", argv[1]);
    fflush(stdout);
    struct pollfd lp = {ls, POLLIN, 0};
    if (poll(&lp, 1, TIMEOUT_MS) <= 0) {
        fprintf(stderr, "fake_broker: nobody connected\n");
        return 2;
    }
    int fd = accept(ls, NULL, NULL);
    close(ls);
    static uint8_t in[4096], out[1024];
    size_t n = 0, olen = 0;
    mqtt_packet_t p;

    mqtt_status_t st = MQTT_ERR_TRUNCATED;
    if (read_packet(fd, in, sizeof in, &n) != 0 || (st = mqtt_decode(MQTT_V5, in, n, &p)) != MQTT_OK ||
        p.type != MQTT_CONNECT || !mqtt_str_eq(p.u.connect.props.auth_method, mqtt_cstr("ID2"))) {
        fprintf(stderr, "fake_broker: expected an MQTT 5 CONNECT with method ID2 (%s)\n", mqtt_status_str(st));
        return 1;
    }
    mqtt_reason_t r;
    memset(&r, 0, sizeof r);
    r.reason = MQTT_RC_CONTINUE_AUTH;
    mqtt_props_set_str(&r.props, MQTT_PROP_AUTH_METHOD, "ID2", 3);
    mqtt_props_set_str(&r.props, MQTT_PROP_AUTH_DATA, "55B83408399FA660F05C82E4F25333DC", 32);
    if (mqtt_encode_auth(&r, out, sizeof out, &olen) != MQTT_OK || send_all(fd, out, olen) != 0) {
        return 2;
    }
    if (read_packet(fd, in, sizeof in, &n) != 0 || mqtt_decode(MQTT_V5, in, n, &p) != MQTT_OK || p.type != MQTT_AUTH ||
        p.u.reason.props.auth_data.len < 22u) {
        fprintf(stderr, "fake_broker: expected the device's AUTH with its auth code\n");
        return 1;
    }
    char rnd[17];
    memcpy(rnd, p.u.reason.props.auth_data.ptr + 4, 16); /* "2~2~<16 chars>~..." */
    rnd[16] = '\0';
    /* The signature of another key (id2.md 10.3's code for another device random). */
    char forged[128];
    snprintf(forged, sizeof forged, "10~2~%s~YmkREbfVQQEloYoCT87wIRtfR2S2kzxXzmgZ0H3RAKSVT2Ty5Ohunu6C0gIWaEiZ", rnd);
    mqtt_connack_t ack;
    memset(&ack, 0, sizeof ack);
    ack.reason = MQTT_RC_SUCCESS;
    mqtt_props_set_str(&ack.props, MQTT_PROP_AUTH_METHOD, "ID2", 3);
    mqtt_props_set_str(&ack.props, MQTT_PROP_AUTH_DATA, forged, strlen(forged));
    if (mqtt_encode_connack(MQTT_V5, &ack, out, sizeof out, &olen) != MQTT_OK || send_all(fd, out, olen) != 0) {
        return 2;
    }
    printf("fake_broker: sent CONNACK with a forged proof for device random %s\n", rnd);
    int rc = 1;
    while (read_packet(fd, in, sizeof in, &n) == 0) {
        if (mqtt_decode(MQTT_V5, in, n, &p) != MQTT_OK) {
            fprintf(stderr, "fake_broker: malformed packet from the device\n");
            break;
        }
        if (p.type == MQTT_PUBLISH) {
            fprintf(stderr, "fake_broker: the device PUBLISHED to a broker that failed its proof\n");
            rc = 1;
            break;
        }
        if (p.type == MQTT_DISCONNECT) {
            printf("fake_broker: device sent DISCONNECT 0x%02x\n", p.u.reason.reason);
            rc = p.u.reason.reason == MQTT_RC_NOT_AUTHORIZED ? 0 : 1;
            break;
        }
    }
    close(fd);
    return rc;
}
