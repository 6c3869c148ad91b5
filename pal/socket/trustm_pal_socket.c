/*
 * trustm_pal_socket.c - PAL port over the trustm-sim socket protocol (docs/sim-socket.md).
 */
#define _POSIX_C_SOURCE 200809L

#include "trustm_pal_socket.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0 /* platforms without it: the caller should ignore SIGPIPE */
#endif

#define SOCK_ERR_PARAM TRUSTM_STATUS(TRUSTM_LAYER_PAL, TRUSTM_BASE_BAD_PARAM)
#define SOCK_ERR_SMALL TRUSTM_STATUS(TRUSTM_LAYER_PAL, TRUSTM_BASE_BUFFER_TOO_SMALL)

static uint64_t local_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void local_sleep_us(uint32_t us)
{
    struct timespec req;
    req.tv_sec = (time_t)(us / 1000000u);
    req.tv_nsec = (long)(us % 1000000u) * 1000L;
    while (nanosleep(&req, &req) != 0 && errno == EINTR) {
    }
}

static void sock_drop(trustm_pal_socket_t *s, int err)
{
    s->last_errno = err;
    if (s->fd >= 0) {
        close(s->fd);
        s->fd = -1;
    }
}

static trustm_status_t sock_connect(trustm_pal_socket_t *s)
{
    struct sockaddr_un sa;
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0) {
        s->last_errno = errno;
        return TRUSTM_PAL_IO;
    }
    (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, s->path, strlen(s->path) + 1u);
    for (;;) {
        if (connect(fd, (const struct sockaddr *)&sa, sizeof(sa)) == 0) {
            break;
        }
        if (errno == EINTR) {
            continue;
        }
        s->last_errno = errno;
        close(fd);
        return TRUSTM_PAL_IO;
    }
    s->fd = fd;
    s->last_errno = 0;
    return TRUSTM_OK;
}

/* Milliseconds left until deadline (local clock), 0 when passed. */
static int ms_left(uint64_t deadline_us)
{
    uint64_t now = local_now_us();
    if (now >= deadline_us) {
        return 0;
    }
    uint64_t left = (deadline_us - now + 999u) / 1000u;
    return left > 0x7FFFFFFFu ? 0x7FFFFFFF : (int)left;
}

/* Wait until fd is ready for events, honouring the deadline and EINTR. */
static bool wait_fd(int fd, short events, uint64_t deadline_us, int *err)
{
    for (;;) {
        struct pollfd p;
        int ms = ms_left(deadline_us);
        int r;
        if (ms == 0) {
            *err = ETIMEDOUT;
            return false;
        }
        p.fd = fd;
        p.events = events;
        p.revents = 0;
        r = poll(&p, 1, ms);
        if (r > 0) {
            return true; /* readable, writable, or HUP/ERR: the following call reports it */
        }
        if (r == 0) {
            *err = ETIMEDOUT;
            return false;
        }
        if (errno != EINTR) {
            *err = errno;
            return false;
        }
    }
}

static bool send_all(int fd, const uint8_t *buf, size_t len, uint64_t deadline_us, int *err)
{
    size_t done = 0;
    bool wait = false; /* try first, poll only when the socket is not ready (one syscall less) */
    while (done < len) {
        ssize_t n;
        if (wait && !wait_fd(fd, POLLOUT, deadline_us, err)) {
            return false;
        }
        n = send(fd, buf + done, len - done, MSG_NOSIGNAL | MSG_DONTWAIT);
        wait = n < 0;
        if (n > 0) {
            done += (size_t)n;
        } else if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) {
            continue;
        } else {
            *err = n < 0 ? errno : EPIPE;
            return false;
        }
    }
    return true;
}

/* ready: the bytes are expected to be there already (the rest of a response): try before polling */
static bool recv_all(int fd, uint8_t *buf, size_t len, uint64_t deadline_us, int *err, bool ready)
{
    size_t done = 0;
    bool wait = !ready;
    while (done < len) {
        ssize_t n;
        if (wait && !wait_fd(fd, POLLIN, deadline_us, err)) {
            return false;
        }
        n = recv(fd, buf + done, len - done, MSG_DONTWAIT);
        wait = n < 0;
        if (n > 0) {
            done += (size_t)n;
        } else if (n == 0) {
            *err = ECONNRESET; /* daemon closed the connection */
            return false;
        } else if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) {
            continue;
        } else {
            *err = errno;
            return false;
        }
    }
    return true;
}

trustm_status_t trustm_pal_socket_open(trustm_pal_socket_t *s, const char *path, uint32_t timeout_ms)
{
    if (s == NULL) {
        return SOCK_ERR_PARAM;
    }
    memset(s, 0, sizeof(*s));
    s->fd = -1;
    if (path == NULL || path[0] == '\0' || strlen(path) >= sizeof(s->path)) {
        s->last_errno = ENAMETOOLONG;
        return SOCK_ERR_PARAM;
    }
    memcpy(s->path, path, strlen(path) + 1u);
    s->timeout_ms = timeout_ms != 0u ? timeout_ms : TRUSTM_SOCK_DEFAULT_TIMEOUT_MS;
    return sock_connect(s);
}

void trustm_pal_socket_close(trustm_pal_socket_t *s)
{
    if (s != NULL && s->fd >= 0) {
        close(s->fd);
        s->fd = -1;
    }
}

/* One exchange; extra_us extends the deadline (a real-clock daemon sleeps before answering). */
static trustm_status_t sock_exchange(trustm_pal_socket_t *s, uint8_t op, uint8_t addr, const uint8_t *payload,
                                     size_t payload_len, uint8_t *status, uint8_t *rsp, size_t rsp_size,
                                     size_t *rsp_len, uint32_t extra_us)
{
    uint8_t req[4u + TRUSTM_SOCK_MAX_PAYLOAD];
    uint8_t hdr[3];
    size_t req_len = 4u;
    size_t len;
    uint64_t deadline;
    int err = 0;

    if (s == NULL || status == NULL || payload_len > TRUSTM_SOCK_MAX_PAYLOAD ||
        (payload == NULL && payload_len != 0u && op != TRUSTM_SOCK_OP_READ) || (rsp == NULL && rsp_size != 0u)) {
        return SOCK_ERR_PARAM;
    }
    if (rsp_len != NULL) {
        *rsp_len = 0;
    }
    s->now_cached = false; /* any message may move the clock */
    s->pend_valid = false; /* and a DATA frame read along with I2C_STATE is due first */
    s->messages++;
    if (s->fd < 0 && sock_connect(s) != TRUSTM_OK) {
        return TRUSTM_PAL_IO;
    }
    req[0] = op;
    req[1] = addr;
    req[2] = (uint8_t)(payload_len >> 8);
    req[3] = (uint8_t)payload_len;
    if (payload != NULL && payload_len != 0u && op != TRUSTM_SOCK_OP_READ) {
        memcpy(req + 4, payload, payload_len);
        req_len += payload_len;
    }
    deadline = local_now_us() + (uint64_t)s->timeout_ms * 1000u + extra_us;
    if (!send_all(s->fd, req, req_len, deadline, &err) || !recv_all(s->fd, hdr, sizeof(hdr), deadline, &err, false)) {
        sock_drop(s, err);
        return TRUSTM_PAL_IO;
    }
    len = ((size_t)hdr[1] << 8) | hdr[2];
    if (len > TRUSTM_SOCK_MAX_PAYLOAD) {
        sock_drop(s, EPROTO);
        return TRUSTM_PAL_IO;
    }
    *status = hdr[0];
    s->last_status = hdr[0];
    if (len > rsp_size) {
        uint8_t sink[64];
        size_t left = len;
        while (left > 0u) {
            size_t n = left < sizeof(sink) ? left : sizeof(sink);
            if (!recv_all(s->fd, sink, n, deadline, &err, true)) {
                sock_drop(s, err);
                return TRUSTM_PAL_IO;
            }
            left -= n;
        }
        return SOCK_ERR_SMALL;
    }
    if (len > 0u && !recv_all(s->fd, rsp, len, deadline, &err, true)) {
        sock_drop(s, err);
        return TRUSTM_PAL_IO;
    }
    if (rsp_len != NULL) {
        *rsp_len = len;
    }
    return TRUSTM_OK;
}

trustm_status_t trustm_pal_socket_request(trustm_pal_socket_t *s, uint8_t op, uint8_t addr, const uint8_t *payload,
                                          size_t payload_len, uint8_t *status, uint8_t *rsp, size_t rsp_size,
                                          size_t *rsp_len)
{
    return sock_exchange(s, op, addr, payload, payload_len, status, rsp, rsp_size, rsp_len, 0u);
}

/* Map a response status byte of a bus operation to the PAL contract. */
static trustm_status_t map_bus_status(uint8_t st)
{
    switch (st) {
    case TRUSTM_SOCK_ST_ACK:
        return TRUSTM_OK;
    case TRUSTM_SOCK_ST_NACK:
        return TRUSTM_PAL_NACK;
    default:
        return TRUSTM_PAL_IO;
    }
}

static trustm_status_t sock_i2c_write(void *ctx, uint8_t addr7, const uint8_t *buf, size_t len)
{
    trustm_pal_socket_t *s = ctx;
    uint8_t st = 0;
    size_t n = 0;
    trustm_status_t r;
    if (buf == NULL || len == 0u || len > TRUSTM_SOCK_MAX_PAYLOAD) {
        return TRUSTM_PAL_IO;
    }
    r = trustm_pal_socket_request(s, TRUSTM_SOCK_OP_WRITE, addr7, buf, len, &st, NULL, 0, &n);
    if (r != TRUSTM_OK) {
        return TRUSTM_PAL_IO;
    }
    return map_bus_status(st);
}

static trustm_status_t sock_i2c_read(void *ctx, uint8_t addr7, uint8_t *buf, size_t len)
{
    trustm_pal_socket_t *s = ctx;
    uint8_t st = 0;
    size_t n = 0;
    trustm_status_t r;
    if (buf == NULL || len == 0u || len > TRUSTM_SOCK_MAX_PAYLOAD) {
        return TRUSTM_PAL_IO;
    }
    r = trustm_pal_socket_request(s, TRUSTM_SOCK_OP_READ, addr7, NULL, len, &st, buf, len, &n);
    if (r != TRUSTM_OK) {
        return TRUSTM_PAL_IO;
    }
    if (st == TRUSTM_SOCK_ST_ACK && n != len) {
        /* ACK must carry exactly the requested count: a short read is a bus error. */
        return TRUSTM_PAL_IO;
    }
    return map_bus_status(st);
}

static trustm_status_t sock_set_pin(void *ctx, trustm_pal_pin_t pin, bool high)
{
    trustm_pal_socket_t *s = ctx;
    uint8_t op;
    uint8_t st = 0;
    if (pin == TRUSTM_PAL_PIN_VDD) {
        op = high ? TRUSTM_SOCK_OP_POWER_ON : TRUSTM_SOCK_OP_POWER_OFF;
    } else if (pin == TRUSTM_PAL_PIN_RST) {
        op = high ? TRUSTM_SOCK_OP_RST_HIGH : TRUSTM_SOCK_OP_RST_LOW;
    } else {
        return TRUSTM_STATUS(TRUSTM_LAYER_PAL, TRUSTM_BASE_NOT_SUPPORTED);
    }
    if (trustm_pal_socket_request(s, op, 0, NULL, 0, &st, NULL, 0, NULL) != TRUSTM_OK) {
        return TRUSTM_PAL_IO;
    }
    return st == TRUSTM_SOCK_ST_ACK ? TRUSTM_OK : TRUSTM_PAL_IO;
}

/* Local time continuing from the last daemon time, used while the daemon is unreachable. */
static uint64_t extrapolated_now(const trustm_pal_socket_t *s)
{
    uint64_t local = local_now_us();
    if (!s->have_remote) {
        return local;
    }
    return s->last_remote_us + (local - s->last_local_us);
}

static uint64_t sock_now_us(void *ctx)
{
    trustm_pal_socket_t *s = ctx;
    if (s->now_cached) {
        return s->cached_now; /* virtual clock: only messages move it, none was sent since */
    }
    uint8_t st = 0;
    uint8_t rsp[8];
    size_t n = 0;
    if (trustm_pal_socket_request(s, TRUSTM_SOCK_OP_NOW_US, 0, NULL, 0, &st, rsp, sizeof(rsp), &n) == TRUSTM_OK &&
        st == TRUSTM_SOCK_ST_ACK && n == 8u) {
        uint64_t t = 0;
        for (size_t i = 0; i < 8u; i++) {
            t = (t << 8) | rsp[i];
        }
        /* Never let time run backwards for the caller, even across a daemon restart. */
        if (s->have_remote && t < s->last_remote_us) {
            t = s->last_remote_us;
        }
        s->last_remote_us = t;
        s->last_local_us = local_now_us();
        s->have_remote = true;
        return t;
    }
    return extrapolated_now(s);
}

static void sock_sleep_us(void *ctx, uint32_t us)
{
    trustm_pal_socket_t *s = ctx;
    uint8_t st = 0;
    uint8_t p[4];
    p[0] = (uint8_t)(us >> 24);
    p[1] = (uint8_t)(us >> 16);
    p[2] = (uint8_t)(us >> 8);
    p[3] = (uint8_t)us;
    if (sock_exchange(s, TRUSTM_SOCK_OP_SLEEP_US, 0, p, sizeof(p), &st, NULL, 0, NULL, us) == TRUSTM_OK &&
        st == TRUSTM_SOCK_ST_ACK) {
        return;
    }
    /* Daemon unreachable: sleep here so that the caller's timeouts still advance. */
    local_sleep_us(us);
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint64_t get_be64(const uint8_t *p)
{
    uint64_t t = 0;
    for (size_t i = 0; i < 8u; i++) {
        t = (t << 8) | p[i];
    }
    return t;
}

/* The transfer from base messages (a daemon without XFER). */
static trustm_status_t sock_xfer_base(trustm_pal_socket_t *s, trustm_pal_xfer_t *x)
{
    trustm_status_t r = TRUSTM_OK;
    if (x->pre_sleep_us > 0u) {
        sock_sleep_us(s, x->pre_sleep_us);
    }
    switch (x->kind) {
    case TRUSTM_PAL_XFER_WRITE:
        r = sock_i2c_write(s, x->addr7, x->buf, x->len);
        break;
    case TRUSTM_PAL_XFER_READ:
        r = sock_i2c_read(s, x->addr7, x->buf, x->len);
        break;
    case TRUSTM_PAL_XFER_READ_REG:
        r = sock_i2c_write(s, x->addr7, &x->reg, 1);
        if (r == TRUSTM_OK) {
            x->done = 1;
            if (x->gap_us > 0u) {
                sock_sleep_us(s, x->gap_us);
            }
            r = sock_i2c_read(s, x->addr7, x->buf, x->len);
        }
        break;
    default:
        break;
    }
    if (r == TRUSTM_OK) {
        x->done = x->kind == TRUSTM_PAL_XFER_SLEEP ? 0u : x->len;
    }
    x->now_us = sock_now_us(s);
    return r;
}

/* Registers and I2C_STATE bit of the chip (ifx-i2c.md), for XFER kind 5. */
#define SOCK_REG_DATA       0x80u
#define SOCK_REG_I2C_STATE  0x82u
#define SOCK_STATE_RESP_RDY 0x40u

/* Complete x from one transfer's answer: status st, flags (bit 0 virtual clock, bit 1 register
 * selected), the clock t after it, the bytes read (on ACK, len of them, len padded with FF when
 * x wants more: a register read past its end gives FF). */
static trustm_status_t xfer_answer(trustm_pal_socket_t *s, trustm_pal_xfer_t *x, uint8_t st, uint8_t flags, uint64_t t,
                                   const uint8_t *bytes, size_t len)
{
    if (s->have_remote && t < s->last_remote_us) {
        t = s->last_remote_us;
    }
    s->last_remote_us = t;
    s->last_local_us = local_now_us();
    s->have_remote = true;
    s->cached_now = t;
    s->now_cached = (flags & 1u) != 0u;
    x->now_us = t;
    if (st == TRUSTM_SOCK_ST_ACK) {
        if (x->kind == TRUSTM_PAL_XFER_READ || x->kind == TRUSTM_PAL_XFER_READ_REG) {
            size_t k = len < x->len ? len : x->len;
            memcpy(x->buf, bytes, k);
            memset(x->buf + k, 0xFF, x->len - k);
        }
        x->done = x->kind == TRUSTM_PAL_XFER_SLEEP ? 0u : x->len;
        return TRUSTM_OK;
    }
    x->done = (flags & 2u) != 0u ? 1u : 0u;
    return map_bus_status(st);
}

/* The DATA part of a kind 5 answer (d[0..dn)): u8 status, u8 flags, u64 clock, the frame on ACK. */
static bool xfer_keep_data(trustm_pal_socket_t *s, const uint8_t *state, const uint8_t *d, size_t dn)
{
    uint16_t len = (uint16_t)((state[2] << 8) | state[3]);
    if (dn < 10u || (state[0] & SOCK_STATE_RESP_RDY) == 0u || len == 0u || len > TRUSTM_SOCK_DATA_MAX ||
        dn != (d[0] == TRUSTM_SOCK_ST_ACK ? 10u + len : 10u)) {
        return false;
    }
    s->pend_status = d[0];
    s->pend_flags = d[1];
    s->pend_now = get_be64(d + 2);
    s->pend_len = d[0] == TRUSTM_SOCK_ST_ACK ? len : 0u;
    memcpy(s->pend_buf, d + 10, s->pend_len);
    s->pend_valid = true;
    return true;
}

/* One XFER message: u8 kind, u32 pre-sleep, u8 reg, u32 gap, u16 len, write bytes; answer:
 * u8 flags (bit 0 virtual clock, bit 1 register selected), u64 clock, read bytes on ACK.
 * I2C_STATE reads go as kind 5 (+ u8 data register, u32 its pre-sleep, u16 largest frame): when
 * the state announces a frame, the daemon reads it GUARD_TIME later, as the data link's next
 * transfer would, and appends u8 status, u8 flags, u64 clock, the frame. That next transfer is
 * then answered here without a message. */
static trustm_status_t sock_xfer(void *ctx, trustm_pal_xfer_t *x)
{
    trustm_pal_socket_t *s = ctx;
    uint8_t req[12u + TRUSTM_SOCK_MAX_PAYLOAD];
    uint8_t rsp[9u + TRUSTM_SOCK_MAX_PAYLOAD];
    uint8_t st = 0;
    size_t n = 0;
    bool wr = x->kind == TRUSTM_PAL_XFER_WRITE;
    bool rd = x->kind == TRUSTM_PAL_XFER_READ || x->kind == TRUSTM_PAL_XFER_READ_REG;
    x->done = 0;
    if (s->pend_valid) {
        s->pend_valid = false;
        if (x->kind == TRUSTM_PAL_XFER_READ_REG && x->reg == SOCK_REG_DATA && x->buf != NULL && x->len > 0u) {
            return xfer_answer(s, x, s->pend_status, s->pend_flags, s->pend_now, s->pend_buf, s->pend_len);
        }
    }
    if (s->xfer_off || x->len > TRUSTM_SOCK_MAX_PAYLOAD - 12u || ((wr || rd) && (x->buf == NULL || x->len == 0u))) {
        return sock_xfer_base(s, x);
    }
    bool combo = !s->combo_off && x->kind == TRUSTM_PAL_XFER_READ_REG && x->reg == SOCK_REG_I2C_STATE && x->len == 4u;
    size_t req_len = 12u;
    req[0] = combo ? 5u : (uint8_t)x->kind;
    put_be32(req + 1, x->pre_sleep_us);
    req[5] = x->reg;
    put_be32(req + 6, x->gap_us);
    req[10] = (uint8_t)(x->len >> 8);
    req[11] = (uint8_t)x->len;
    if (wr) {
        memcpy(req + 12, x->buf, x->len);
        req_len += x->len;
    } else if (combo) {
        req[12] = SOCK_REG_DATA;
        put_be32(req + 13, x->gap_us); /* GUARD_TIME after the state read, as the data link waits */
        req[17] = (uint8_t)(TRUSTM_SOCK_DATA_MAX >> 8);
        req[18] = (uint8_t)TRUSTM_SOCK_DATA_MAX;
        req_len = 19u;
    }
    if (sock_exchange(s, TRUSTM_SOCK_OP_XFER, x->addr7, req, req_len, &st, rsp, sizeof(rsp), &n,
                      x->pre_sleep_us + 2u * x->gap_us) != TRUSTM_OK) {
        x->now_us = extrapolated_now(s);
        return TRUSTM_PAL_IO;
    }
    if (st == TRUSTM_SOCK_ST_BAD_REQ && n == 0u) {
        if (combo) { /* a daemon without kind 5: kind 3 from now on */
            s->combo_off = true;
            return sock_xfer(ctx, x);
        }
        s->xfer_off = true; /* an older daemon: base messages from now on */
        return sock_xfer_base(s, x);
    }
    size_t main_len = 9u + (st == TRUSTM_SOCK_ST_ACK && rd ? x->len : 0u);
    if (n < main_len || (n > main_len && (!combo || st != TRUSTM_SOCK_ST_ACK ||
                                          !xfer_keep_data(s, rsp + 9, rsp + main_len, n - main_len)))) {
        s->pend_valid = false;
        x->now_us = extrapolated_now(s);
        return TRUSTM_PAL_IO;
    }
    return xfer_answer(s, x, st, rsp[0], get_be64(rsp + 1), rsp + 9, x->len);
}

const trustm_pal_ops_t trustm_pal_socket_ops = {
    sock_i2c_write, sock_i2c_read, sock_now_us, sock_sleep_us, sock_set_pin, sock_xfer,
};

void trustm_pal_socket_init(trustm_pal_t *pal, trustm_pal_socket_t *s)
{
    pal->ops = &trustm_pal_socket_ops;
    pal->ctx = s;
}
