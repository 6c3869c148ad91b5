/*
 * mqtt_net.c - POSIX TCP and mbedTLS 2.28 TLS transports for the MQTT client (mqtt_net.h).
 *
 * The socket is non-blocking; every wait is a poll() bounded by the caller's timeout. mbedTLS
 * talks to the socket through the two small BIO functions below.
 */
#include "mqtt/mqtt_net.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

struct mqtt_net {
    int fd;
    mqtt_net_mode_t mode;
    int tls_up;
    char host[256];
    uint16_t port;
    mqtt_net_log_fn log;
    void *log_user;
    uint32_t verify;
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_ssl_config conf;
    mbedtls_ssl_context ssl;
    mbedtls_x509_crt ca;
};

static const int psk_suites[] = {MBEDTLS_TLS_PSK_WITH_AES_128_GCM_SHA256,       MBEDTLS_TLS_PSK_WITH_AES_256_GCM_SHA384,
                                 MBEDTLS_TLS_PSK_WITH_AES_128_CBC_SHA256,       MBEDTLS_TLS_PSK_WITH_AES_256_CBC_SHA384,
                                 MBEDTLS_TLS_PSK_WITH_CHACHA20_POLY1305_SHA256, 0};

static uint64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void nlog(const mqtt_net_t *n, mqtt_net_log_kind_t kind, size_t bytes, uint64_t usec, int code, const char *what)
{
    if (n->log == NULL)
        return;
    mqtt_net_log_t ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = kind;
    ev.host = n->host;
    ev.port = n->port;
    ev.bytes = bytes;
    ev.usec = usec;
    ev.code = code;
    ev.what = what;
    n->log(n->log_user, &ev);
}

/* Wait for fd to become readable (POLLIN) or writable (POLLOUT): 1 ready, 0 timeout, -1 error. */
static int wait_fd(int fd, short events, uint32_t timeout_ms)
{
    struct pollfd p = {fd, events, 0};
    for (;;) {
        int r = poll(&p, 1, timeout_ms > 0x7FFFFFFFu ? 0x7FFFFFFF : (int)timeout_ms);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        return r > 0 ? 1 : 0;
    }
}

static uint32_t left_ms(uint64_t deadline_us)
{
    uint64_t t = mono_us();
    return t >= deadline_us ? 0 : (uint32_t)((deadline_us - t + 999) / 1000);
}

/* ---- TCP ------------------------------------------------------------------------------- */

static mqtt_status_t tcp_connect(mqtt_net_t *n, uint32_t timeout_ms, int *detail)
{
    struct addrinfo hints, *res = NULL;
    char port[8];
    uint64_t deadline = mono_us() + (uint64_t)timeout_ms * 1000u;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    snprintf(port, sizeof port, "%u", (unsigned)n->port);
    int rc = getaddrinfo(n->host, port, &hints, &res);
    if (rc != 0) {
        *detail = rc;
        nlog(n, MQTT_NET_LOG_ERROR, 0, 0, rc, "resolve");
        return MQTT_ERR_TRANSPORT;
    }
    mqtt_status_t st = MQTT_ERR_TRANSPORT;
    for (struct addrinfo *a = res; a != NULL; a = a->ai_next) {
        int fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
        if (fd < 0) {
            *detail = errno;
            continue;
        }
        (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
        (void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
        int err = 0;
        if (connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
            err = errno;
            if (err == EINPROGRESS) {
                int w = wait_fd(fd, POLLOUT, left_ms(deadline));
                socklen_t sl = sizeof err;
                if (w == 0) {
                    err = ETIMEDOUT;
                } else if (w < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &sl) != 0) {
                    err = errno;
                }
            }
        }
        if (err == 0) {
            n->fd = fd;
            st = MQTT_OK;
            break;
        }
        *detail = err;
        st = err == ETIMEDOUT ? MQTT_ERR_TIMEOUT : MQTT_ERR_TRANSPORT;
        close(fd);
        if (left_ms(deadline) == 0)
            break;
    }
    freeaddrinfo(res);
    if (st != MQTT_OK)
        nlog(n, MQTT_NET_LOG_ERROR, 0, 0, *detail, "connect");
    return st;
}

static int32_t tcp_send(mqtt_net_t *n, const uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    int w = wait_fd(n->fd, POLLOUT, timeout_ms);
    if (w <= 0)
        return w;
    ssize_t r = send(n->fd, buf, len > 0x7FFFFFFF ? 0x7FFFFFFF : len, MSG_NOSIGNAL);
    if (r < 0)
        return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? 0 : -1;
    return (int32_t)r;
}

static int32_t tcp_recv(mqtt_net_t *n, uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    int w = wait_fd(n->fd, POLLIN, timeout_ms);
    if (w <= 0)
        return w;
    ssize_t r = recv(n->fd, buf, len > 0x7FFFFFFF ? 0x7FFFFFFF : len, 0);
    if (r == 0) {
        nlog(n, MQTT_NET_LOG_PEER_CLOSE, 0, 0, 0, "recv");
        return -1;
    }
    if (r < 0)
        return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? 0 : -1;
    return (int32_t)r;
}

/* ---- mbedTLS BIO ----------------------------------------------------------------------- */

static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
    mqtt_net_t *n = ctx;
    ssize_t r = send(n->fd, buf, len, MSG_NOSIGNAL);
    if (r >= 0)
        return (int)r;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
        return MBEDTLS_ERR_SSL_WANT_WRITE;
    return MBEDTLS_ERR_NET_SEND_FAILED;
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
    mqtt_net_t *n = ctx;
    ssize_t r = recv(n->fd, buf, len, 0);
    if (r > 0)
        return (int)r;
    if (r == 0)
        return MBEDTLS_ERR_NET_CONN_RESET;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
        return MBEDTLS_ERR_SSL_WANT_READ;
    return MBEDTLS_ERR_NET_RECV_FAILED;
}

static mqtt_status_t tls_setup(mqtt_net_t *n, const mqtt_net_opts_t *o, int *detail)
{
    static const char pers[] = "trustm_mqtt_net";
    int rc = mbedtls_ctr_drbg_seed(&n->drbg, mbedtls_entropy_func, &n->entropy, (const unsigned char *)pers,
                                   sizeof pers - 1);
    if (rc == 0)
        rc = mbedtls_ssl_config_defaults(&n->conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                         MBEDTLS_SSL_PRESET_DEFAULT);
    if (rc != 0) {
        *detail = rc;
        nlog(n, MQTT_NET_LOG_ERROR, 0, 0, rc, "tls setup");
        return MQTT_ERR_TRANSPORT;
    }
    mbedtls_ssl_conf_rng(&n->conf, mbedtls_ctr_drbg_random, &n->drbg);
    mbedtls_ssl_conf_min_version(&n->conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
    mbedtls_ssl_conf_max_version(&n->conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
    if (o->mode == MQTT_NET_TLS_CA) {
        rc = mbedtls_x509_crt_parse_file(&n->ca, o->ca_file);
        if (rc != 0) {
            *detail = rc;
            nlog(n, MQTT_NET_LOG_ERROR, 0, 0, rc, "ca_file");
            return MQTT_ERR_PARAM;
        }
        mbedtls_ssl_conf_authmode(&n->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
        mbedtls_ssl_conf_ca_chain(&n->conf, &n->ca, NULL);
    } else {
        mbedtls_ssl_conf_authmode(&n->conf, MBEDTLS_SSL_VERIFY_NONE);
        mbedtls_ssl_conf_ciphersuites(&n->conf, psk_suites);
        rc = mbedtls_ssl_conf_psk(&n->conf, o->psk, o->psk_len, (const unsigned char *)o->psk_identity,
                                  strlen(o->psk_identity));
        if (rc != 0) {
            *detail = rc;
            nlog(n, MQTT_NET_LOG_ERROR, 0, 0, rc, "psk");
            return MQTT_ERR_PARAM;
        }
    }
    rc = mbedtls_ssl_setup(&n->ssl, &n->conf);
    if (rc == 0 && o->mode == MQTT_NET_TLS_CA)
        rc = mbedtls_ssl_set_hostname(&n->ssl, o->server_name != NULL ? o->server_name : o->host);
    if (rc != 0) {
        *detail = rc;
        nlog(n, MQTT_NET_LOG_ERROR, 0, 0, rc, "tls setup");
        return MQTT_ERR_TRANSPORT;
    }
    mbedtls_ssl_set_bio(&n->ssl, n, bio_send, bio_recv, NULL);
    return MQTT_OK;
}

static mqtt_status_t tls_handshake(mqtt_net_t *n, uint32_t timeout_ms, int *detail)
{
    uint64_t t0 = mono_us(), deadline = t0 + (uint64_t)timeout_ms * 1000u;
    for (;;) {
        int rc = mbedtls_ssl_handshake(&n->ssl);
        if (rc == 0)
            break;
        if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) {
            int w = wait_fd(n->fd, rc == MBEDTLS_ERR_SSL_WANT_READ ? POLLIN : POLLOUT, left_ms(deadline));
            if (w > 0)
                continue;
            *detail = w == 0 ? ETIMEDOUT : errno;
            nlog(n, MQTT_NET_LOG_ERROR, 0, 0, *detail, "handshake");
            return w == 0 ? MQTT_ERR_TIMEOUT : MQTT_ERR_TRANSPORT;
        }
        *detail = rc;
        n->verify = mbedtls_ssl_get_verify_result(&n->ssl);
        nlog(n, MQTT_NET_LOG_ERROR, 0, 0, rc, "handshake");
        return MQTT_ERR_AUTH;
    }
    n->verify = 0;
    n->tls_up = 1;
    nlog(n, MQTT_NET_LOG_HANDSHAKE, 0, mono_us() - t0, 0, NULL);
    return MQTT_OK;
}

static int32_t tls_send(mqtt_net_t *n, const uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    uint64_t deadline = mono_us() + (uint64_t)timeout_ms * 1000u;
    for (;;) {
        int rc = mbedtls_ssl_write(&n->ssl, buf, len);
        if (rc >= 0)
            return rc;
        if (rc != MBEDTLS_ERR_SSL_WANT_READ && rc != MBEDTLS_ERR_SSL_WANT_WRITE) {
            nlog(n, MQTT_NET_LOG_ERROR, 0, 0, rc, "send");
            return -1;
        }
        int w = wait_fd(n->fd, rc == MBEDTLS_ERR_SSL_WANT_READ ? POLLIN : POLLOUT, left_ms(deadline));
        if (w <= 0)
            return w;
    }
}

static int32_t tls_recv(mqtt_net_t *n, uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    uint64_t deadline = mono_us() + (uint64_t)timeout_ms * 1000u;
    for (;;) {
        int rc = mbedtls_ssl_read(&n->ssl, buf, len);
        if (rc > 0)
            return rc;
        if (rc == 0 || rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || rc == MBEDTLS_ERR_NET_CONN_RESET) {
            nlog(n, MQTT_NET_LOG_PEER_CLOSE, 0, 0, rc, "recv");
            return -1;
        }
        if (rc != MBEDTLS_ERR_SSL_WANT_READ && rc != MBEDTLS_ERR_SSL_WANT_WRITE) {
            nlog(n, MQTT_NET_LOG_ERROR, 0, 0, rc, "recv");
            return -1;
        }
        int w = wait_fd(n->fd, rc == MBEDTLS_ERR_SSL_WANT_READ ? POLLIN : POLLOUT, left_ms(deadline));
        if (w <= 0)
            return w;
    }
}

/* ---- transport functions --------------------------------------------------------------- */

/* One timed send or receive, reported to the log hook. */
static int32_t net_io(mqtt_net_t *n, int sending, uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    if (n->fd < 0)
        return -1;
    uint64_t t0 = mono_us();
    int32_t r;
    if (sending)
        r = n->mode == MQTT_NET_TCP ? tcp_send(n, buf, len, timeout_ms) : tls_send(n, buf, len, timeout_ms);
    else
        r = n->mode == MQTT_NET_TCP ? tcp_recv(n, buf, len, timeout_ms) : tls_recv(n, buf, len, timeout_ms);
    if (r > 0)
        nlog(n, sending ? MQTT_NET_LOG_SEND : MQTT_NET_LOG_RECV, (size_t)r, mono_us() - t0, 0, NULL);
    return r;
}

static int32_t net_send(void *ctx, const uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    return net_io(ctx, 1, (uint8_t *)(uintptr_t)buf, len, timeout_ms); /* not written to */
}

static int32_t net_recv(void *ctx, uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    return net_io(ctx, 0, buf, len, timeout_ms);
}

static void net_close_cb(void *ctx)
{
    mqtt_net_close(ctx);
}

void mqtt_net_transport(mqtt_net_t *n, mqtt_transport_t *t)
{
    t->ctx = n;
    t->send = net_send;
    t->recv = net_recv;
    t->close = net_close_cb;
}

void mqtt_net_close(mqtt_net_t *n)
{
    if (n == NULL || n->fd < 0)
        return;
    if (n->tls_up) {
        (void)mbedtls_ssl_close_notify(&n->ssl);
        n->tls_up = 0;
    }
    close(n->fd);
    n->fd = -1;
}

void mqtt_net_free(mqtt_net_t *n)
{
    if (n == NULL)
        return;
    mqtt_net_close(n);
    mbedtls_ssl_free(&n->ssl);
    mbedtls_ssl_config_free(&n->conf); /* zeroizes the PSK copy */
    mbedtls_x509_crt_free(&n->ca);
    mbedtls_ctr_drbg_free(&n->drbg);
    mbedtls_entropy_free(&n->entropy);
    mbedtls_platform_zeroize(n, sizeof *n);
    free(n);
}

uint32_t mqtt_net_verify_result(const mqtt_net_t *n)
{
    return n != NULL ? n->verify : 0;
}

mqtt_status_t mqtt_net_connect(const mqtt_net_opts_t *o, mqtt_net_t **out, int *detail)
{
    int dummy = 0;
    if (detail == NULL)
        detail = &dummy;
    *detail = 0;
    if (out == NULL)
        return MQTT_ERR_PARAM;
    *out = NULL;
    if (o == NULL || o->host == NULL || strlen(o->host) >= sizeof(((mqtt_net_t *)0)->host) || o->port == 0 ||
        o->mode > MQTT_NET_TLS_PSK || (o->mode == MQTT_NET_TLS_CA && o->ca_file == NULL) ||
        (o->mode == MQTT_NET_TLS_PSK && (o->psk_identity == NULL || o->psk == NULL || o->psk_len == 0)))
        return MQTT_ERR_PARAM;
    mqtt_net_t *n = calloc(1, sizeof *n);
    if (n == NULL)
        return MQTT_ERR_TRANSPORT;
    n->fd = -1;
    n->mode = o->mode;
    n->port = o->port;
    n->log = o->log;
    n->log_user = o->log_user;
    snprintf(n->host, sizeof n->host, "%s", o->host);
    mbedtls_entropy_init(&n->entropy);
    mbedtls_ctr_drbg_init(&n->drbg);
    mbedtls_ssl_config_init(&n->conf);
    mbedtls_ssl_init(&n->ssl);
    mbedtls_x509_crt_init(&n->ca);

    uint32_t timeout = o->connect_timeout_ms != 0 ? o->connect_timeout_ms : 10000u;
    uint64_t t0 = mono_us();
    nlog(n, MQTT_NET_LOG_CONNECTING, 0, 0, 0, NULL);
    mqtt_status_t st = tcp_connect(n, timeout, detail);
    if (st == MQTT_OK) {
        nlog(n, MQTT_NET_LOG_CONNECTED, 0, mono_us() - t0, 0, NULL);
        if (o->mode != MQTT_NET_TCP) {
            st = tls_setup(n, o, detail);
            if (st == MQTT_OK) {
                uint32_t spent = (uint32_t)((mono_us() - t0) / 1000u);
                st = tls_handshake(n, spent < timeout ? timeout - spent : 1, detail);
            }
        }
    }
    if (st != MQTT_OK) {
        mqtt_net_free(n);
        return st;
    }
    *out = n;
    return MQTT_OK;
}
