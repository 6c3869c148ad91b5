/*
 * trustm_sim_serve.c - `trustm-sim serve`: one simulated I2C bus on a UNIX stream socket.
 * Base messages exactly as docs/sim-socket.md (protocol v1); control messages 0x40.. as documented in
 * docs/sim-socket.md.  poll()-based, single-threaded: every message is atomic and messages of
 * all connections are serialised like transactions on one shared bus.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "trustm_bytes.h"
#include "trustm_sim_daemon.h"

#define MAX_CLIENTS 32
#define MAX_PAYLOAD 4096u

enum {
    OP_WRITE = 0x01,
    OP_READ = 0x02,
    OP_POWER_OFF = 0x10,
    OP_POWER_ON = 0x11,
    OP_RST_LOW = 0x12,
    OP_RST_HIGH = 0x13,
    OP_SLEEP_US = 0x20,
    OP_NOW_US = 0x21,
    OP_FAULT_NACK = 0x40,
    OP_FAULT_CORRUPT_FCS = 0x41,
    OP_FAULT_DROP = 0x42,
    OP_FAULT_BUSY = 0x43,
    OP_FAULT_FLIP = 0x44,
    OP_FAULT_POWER_LOSS = 0x45,
    OP_FAULT_CLEAR = 0x46,
    OP_FAULT_GET = 0x47,
    OP_TRACE_START = 0x48,
    OP_TRACE_STOP = 0x49,
    OP_SEED = 0x4A,
    OP_STATS = 0x4B,
    OP_SAVE = 0x4C,
    OP_SHUTDOWN = 0x4F,
    OP_XFER = 0x50
};
enum { ST_ACK = 0, ST_NACK = 1, ST_BUS_ERROR = 2, ST_BAD_REQUEST = 3 };

typedef struct client {
    int fd;
    uint8_t in[4 + MAX_PAYLOAD];
    size_t in_len;
    size_t discard; /* payload bytes of an oversized request still to skip */
} client_t;

typedef struct server {
    trustm_sim_t *sim;
    const sim_serve_opts_t *o;
    uint64_t t0_us;
    FILE *trace;
    bool shutdown;
    bool storage_failed; /* the last storage failure was logged */
} server_t;

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

static uint64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int send_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

/* The response in one send: a header sent apart from its payload wakes the client twice
 * (header, then payload), which costs a scheduler round trip per message. */
static int respond(client_t *c, uint8_t status, const uint8_t *payload, size_t n)
{
    uint8_t msg[3 + MAX_PAYLOAD];
    if (n > MAX_PAYLOAD)
        return -1;
    msg[0] = status;
    trustm_be16_put(msg + 1, (uint16_t)n);
    if (n > 0)
        memcpy(msg + 3, payload, n);
    return send_all(c->fd, msg, 3 + n);
}

static void fault_update(server_t *s, uint8_t op, uint32_t v, bool after_commit)
{
    trustm_sim_faults_t f;
    trustm_sim_faults_get(s->sim, &f);
    switch (op) {
    case OP_FAULT_NACK:
        f.nack_next = v;
        break;
    case OP_FAULT_CORRUPT_FCS:
        f.corrupt_fcs_frame = v;
        break;
    case OP_FAULT_DROP:
        f.drop_frame = v;
        break;
    case OP_FAULT_BUSY:
        f.busy_extra_us = v;
        break;
    case OP_FAULT_FLIP:
        f.flip_host_frame = v;
        break;
    case OP_FAULT_POWER_LOSS:
        f.power_loss_us = v;
        f.power_loss_after_commit = after_commit;
        break;
    default:
        break;
    }
    trustm_sim_faults_set(s->sim, &f);
}

/* Handle one complete request; returns -1 when the connection must be closed. */
/* Sleep us on the daemon's clock (virtual: advance it; real: wait and resynchronise). */
static void serve_sleep(server_t *s, uint32_t us)
{
    if (us == 0)
        return;
    if (s->o->real_clock) {
        struct timespec ts = {(time_t)(us / 1000000u), (long)(us % 1000000u) * 1000L};
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR && !g_stop) {
        }
        trustm_sim_clock_sync(s->sim, mono_us() - s->t0_us);
    } else {
        trustm_sim_sleep_us(s->sim, us);
    }
}

/* XFER (docs/sim-socket.md): u8 kind (1 write, 2 read, 3 register read, 4 sleep, 5 state then
 * data), u32 sleep before, u8 register, u32 gap, u16 length, the bytes of a write (kind 5: u8 data
 * register, u32 sleep before the data read, u16 largest data length). Answer: status of the first
 * transaction that failed; u8 flags (bit 0 virtual clock, bit 1 register selected), u64 clock
 * after the transfer, the bytes read on ACK; kind 5 adds the data read's part when it was made. */
#define I2C_STATE_RESP_RDY 0x40u

/* One transfer of kind 1..4 (kind 5: its register reads); fills out[0..9) and the bytes read. */
static uint8_t xfer_one(server_t *s, uint8_t addr, uint8_t kind, uint32_t pre, uint8_t reg, uint32_t gap,
                        const uint8_t *wr, uint16_t n, uint8_t *out, size_t *out_len)
{
    bool rd = kind == 2 || kind == 3;
    serve_sleep(s, pre);
    uint8_t st = ST_ACK, flags = s->o->real_clock ? 0u : 1u;
    if (kind == 1) {
        st = (uint8_t)trustm_sim_i2c_write(s->sim, addr, wr, n);
    } else if (kind == 3) {
        st = (uint8_t)trustm_sim_i2c_write(s->sim, addr, &reg, 1);
        if (st == ST_ACK) {
            flags |= 2u;
            serve_sleep(s, gap);
        }
    }
    if (st == ST_ACK && rd)
        st = (uint8_t)trustm_sim_i2c_read(s->sim, addr, out + 9, n);
    if (s->o->real_clock)
        trustm_sim_clock_sync(s->sim, mono_us() - s->t0_us);
    out[0] = flags;
    trustm_be64_put(out + 1, trustm_sim_now_us(s->sim));
    *out_len = 9u + (st == ST_ACK && rd ? n : 0u);
    return st;
}

static int handle_xfer(server_t *s, client_t *c, uint8_t addr, uint16_t len, const uint8_t *p)
{
    uint8_t out[MAX_PAYLOAD];
    size_t n_out = 0;
    if (len < 12)
        return respond(c, ST_BAD_REQUEST, NULL, 0);
    uint8_t kind = p[0], reg = p[5];
    uint32_t pre = trustm_be32_get(p + 1), gap = trustm_be32_get(p + 6);
    uint16_t n = trustm_be16_get(p + 10);
    bool rd = kind == 2 || kind == 3 || kind == 5;
    if (kind < 1 || kind > 5 || (kind == 1 && (n == 0 || len != 12u + n)) || (kind == 5 && len != 19) ||
        (kind != 1 && kind != 5 && len != 12) || (rd && (n == 0 || 9u + n > MAX_PAYLOAD)))
        return respond(c, ST_BAD_REQUEST, NULL, 0);
    if (kind != 5) {
        uint8_t st = xfer_one(s, addr, kind, pre, reg, gap, p + 12, n, out, &n_out);
        return respond(c, st, out, n_out);
    }
    /* state then data: the register read of the state, and when it shows a response of
     * 1..max bytes ready, the register read of the data register for exactly that length */
    uint8_t dreg = p[12];
    uint32_t dpre = trustm_be32_get(p + 13);
    uint16_t dmax = trustm_be16_get(p + 17);
    uint8_t st = xfer_one(s, addr, 3, pre, reg, gap, NULL, n, out, &n_out);
    uint16_t dlen = n >= 4 ? trustm_be16_get(out + 9 + 2) : 0;
    if (st == ST_ACK && n >= 4 && (out[9] & I2C_STATE_RESP_RDY) != 0 && dlen > 0 && dlen <= dmax &&
        n_out + 10u + dlen <= MAX_PAYLOAD) {
        size_t d_out = 0;
        out[n_out] = xfer_one(s, addr, 3, dpre, dreg, gap, NULL, dlen, out + n_out + 1, &d_out);
        n_out += 1u + d_out;
    }
    return respond(c, st, out, n_out);
}

static int handle(server_t *s, client_t *c, uint8_t op, uint8_t addr, uint16_t len, const uint8_t *p)
{
    uint8_t out[MAX_PAYLOAD];
    if (s->o->real_clock)
        trustm_sim_clock_sync(s->sim, mono_us() - s->t0_us);
    switch (op) {
    case OP_WRITE:
        return respond(c, (uint8_t)trustm_sim_i2c_write(s->sim, addr, p, len), NULL, 0);
    case OP_READ: {
        trustm_sim_bus_t r = trustm_sim_i2c_read(s->sim, addr, out, len);
        return respond(c, (uint8_t)r, out, r == TRUSTM_SIM_ACK ? len : 0);
    }
    case OP_POWER_OFF:
        trustm_sim_power(s->sim, false);
        return respond(c, ST_ACK, NULL, 0);
    case OP_POWER_ON:
        trustm_sim_power(s->sim, true);
        return respond(c, ST_ACK, NULL, 0);
    case OP_RST_LOW:
        trustm_sim_rst(s->sim, false);
        return respond(c, ST_ACK, NULL, 0);
    case OP_RST_HIGH:
        trustm_sim_rst(s->sim, true);
        return respond(c, ST_ACK, NULL, 0);
    case OP_SLEEP_US: {
        if (len != 4)
            return respond(c, ST_BAD_REQUEST, NULL, 0);
        uint32_t us = trustm_be32_get(p);
        if (s->o->real_clock) {
            struct timespec ts = {(time_t)(us / 1000000u), (long)(us % 1000000u) * 1000L};
            while (nanosleep(&ts, &ts) != 0 && errno == EINTR && !g_stop) {
            }
            trustm_sim_clock_sync(s->sim, mono_us() - s->t0_us);
        } else {
            trustm_sim_sleep_us(s->sim, us);
        }
        return respond(c, ST_ACK, NULL, 0);
    }
    case OP_XFER:
        return handle_xfer(s, c, addr, len, p);
    case OP_NOW_US:
        trustm_be64_put(out, trustm_sim_now_us(s->sim));
        return respond(c, ST_ACK, out, 8);
    case OP_FAULT_NACK:
    case OP_FAULT_CORRUPT_FCS:
    case OP_FAULT_DROP:
    case OP_FAULT_BUSY:
    case OP_FAULT_FLIP:
    case OP_FAULT_POWER_LOSS:
        /* FAULT_POWER_LOSS may carry a fifth byte: 1 = after the NVM commit */
        if (len != 4 && !(op == OP_FAULT_POWER_LOSS && len == 5 && p[4] <= 1))
            return respond(c, ST_BAD_REQUEST, NULL, 0);
        fault_update(s, op, trustm_be32_get(p), len == 5 && p[4] == 1);
        return respond(c, ST_ACK, NULL, 0);
    case OP_FAULT_CLEAR:
        trustm_sim_faults_set(s->sim, NULL);
        return respond(c, ST_ACK, NULL, 0);
    case OP_FAULT_GET: {
        char line[512];
        trustm_sim_faults_describe(s->sim, line, sizeof line);
        return respond(c, ST_ACK, (const uint8_t *)line, strlen(line));
    }
    case OP_SEED: {
        if (len != 8)
            return respond(c, ST_BAD_REQUEST, NULL, 0);
        trustm_sim_faults_t f;
        trustm_sim_faults_get(s->sim, &f);
        f.seed = trustm_be64_get(p);
        trustm_sim_faults_set(s->sim, &f);
        return respond(c, ST_ACK, NULL, 0);
    }
    case OP_TRACE_START: {
        char path[MAX_PAYLOAD + 1];
        if (len == 0)
            return respond(c, ST_BAD_REQUEST, NULL, 0);
        memcpy(path, p, len);
        path[len] = '\0';
        FILE *f = fopen(path, "w");
        if (f == NULL)
            return respond(c, ST_BUS_ERROR, NULL, 0);
        trustm_sim_trace_set(s->sim, f);
        if (s->trace != NULL)
            fclose(s->trace);
        s->trace = f;
        return respond(c, ST_ACK, NULL, 0);
    }
    case OP_TRACE_STOP:
        trustm_sim_trace_set(s->sim, NULL);
        if (s->trace != NULL)
            fclose(s->trace);
        s->trace = NULL;
        return respond(c, ST_ACK, NULL, 0);
    case OP_STATS: {
        trustm_sim_stats_t st;
        trustm_sim_stats_get(s->sim, &st);
        const uint64_t v[] = {st.time_us,       st.bus_time_us, st.transactions,     st.nacks,
                              st.bytes_written, st.bytes_read,  st.frames_in,        st.frames_out,
                              st.commands,      st.nvm_writes,  st.guard_violations, st.throttle_us};
        for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
            trustm_be64_put(out + 8 * i, v[i]);
        return respond(c, ST_ACK, out, sizeof v);
    }
    case OP_SAVE: {
        char err[256];
        if (trustm_sim_save(s->sim, err, sizeof err) != 0) {
            fprintf(stderr, "trustm-sim: %s\n", err);
            return respond(c, ST_BUS_ERROR, NULL, 0);
        }
        return respond(c, ST_ACK, NULL, 0);
    }
    case OP_SHUTDOWN:
        s->shutdown = true;
        return respond(c, ST_ACK, NULL, 0);
    default:
        return respond(c, ST_BAD_REQUEST, NULL, 0);
    }
}

/* Consume complete requests from the client's buffer. */
static int process(server_t *s, client_t *c)
{
    for (;;) {
        if (c->discard > 0) {
            size_t k = c->discard < c->in_len ? c->discard : c->in_len;
            memmove(c->in, c->in + k, c->in_len - k);
            c->in_len -= k;
            c->discard -= k;
            if (c->discard > 0)
                return 0;
        }
        if (c->in_len < 4)
            return 0;
        uint8_t op = c->in[0], addr = c->in[1];
        uint16_t len = trustm_be16_get(c->in + 2);
        size_t payload = op == OP_READ ? 0u : len;
        if (len > MAX_PAYLOAD) {
            memmove(c->in, c->in + 4, c->in_len - 4);
            c->in_len -= 4;
            c->discard = payload;
            if (respond(c, ST_BAD_REQUEST, NULL, 0) != 0)
                return -1;
            continue;
        }
        if (c->in_len < 4 + payload)
            return 0;
        if (handle(s, c, op, addr, len, c->in + 4) != 0)
            return -1;
        /* a change the state file refused: the client got error 0x06; log the reason once */
        const char *se = trustm_sim_storage_error(s->sim);
        if (se[0] != '\0' && !s->storage_failed)
            fprintf(stderr, "trustm-sim: %s\n", se);
        s->storage_failed = se[0] != '\0';
        memmove(c->in, c->in + 4 + payload, c->in_len - 4 - payload);
        c->in_len -= 4 + payload;
        if (s->shutdown)
            return 0;
    }
}

static int open_listener(const char *path)
{
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof sa.sun_path) {
        fprintf(stderr, "trustm-sim: socket path too long: %s\n", path);
        return -1;
    }
    strcpy(sa.sun_path, path);
    struct stat st;
    if (lstat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            fprintf(stderr, "trustm-sim: %s exists and is not a socket\n", path);
            return -1;
        }
        int probe = socket(AF_UNIX, SOCK_STREAM, 0);
        if (probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof sa) == 0) {
            close(probe);
            fprintf(stderr, "trustm-sim: another daemon is serving %s\n", path);
            return -1;
        }
        if (probe >= 0)
            close(probe);
        unlink(path); /* stale socket of a killed daemon */
    }
    /* bind under a temporary name and rename once listening: a client that sees the socket
     * can connect (bind-then-listen at the final name leaves a moment of ECONNREFUSED) */
    struct sockaddr_un tmp = sa;
    int k = snprintf(tmp.sun_path, sizeof tmp.sun_path, "%s.%ld", path, (long)getpid());
    const bool staged = k > 0 && (size_t)k < sizeof tmp.sun_path;
    if (!staged)
        tmp = sa;
    unlink(tmp.sun_path);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&tmp, sizeof tmp) != 0 || listen(fd, 16) != 0 ||
        (staged && rename(tmp.sun_path, path) != 0)) {
        fprintf(stderr, "trustm-sim: cannot listen on %s: %s\n", path, strerror(errno));
        if (staged)
            unlink(tmp.sun_path);
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

int sim_serve(const sim_serve_opts_t *o)
{
    char err[512];
    struct stat st;
    if (stat(o->state, &st) != 0) {
        fprintf(stderr, "trustm-sim: state file %s does not exist (create it with 'trustm-sim init')\n", o->state);
        return 1;
    }
    trustm_sim_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.state_path = o->state;
    cfg.scl_khz = o->scl_khz;
    cfg.timing = o->timing;
    server_t s;
    memset(&s, 0, sizeof s);
    s.o = o;
    s.sim = trustm_sim_create(&cfg, err, sizeof err);
    if (s.sim == NULL) {
        fprintf(stderr, "trustm-sim: %s\n", err);
        return 1;
    }
    if (o->trace != NULL) {
        s.trace = fopen(o->trace, "w");
        if (s.trace == NULL) {
            fprintf(stderr, "trustm-sim: cannot open trace %s: %s\n", o->trace, strerror(errno));
            trustm_sim_destroy(s.sim);
            return 1;
        }
        trustm_sim_trace_set(s.sim, s.trace);
    }
    int lfd = open_listener(o->socket);
    if (lfd < 0) {
        trustm_sim_destroy(s.sim);
        if (s.trace)
            fclose(s.trace);
        return 1;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    s.t0_us = mono_us();

    client_t *clients = calloc(MAX_CLIENTS, sizeof *clients);
    if (clients == NULL) {
        close(lfd);
        trustm_sim_destroy(s.sim);
        return 1;
    }
    for (int i = 0; i < MAX_CLIENTS; i++)
        clients[i].fd = -1;
    fprintf(stderr, "trustm-sim: serving %s (state %s)\n", o->socket, o->state);
    while (!g_stop && !s.shutdown) {
        struct pollfd pfd[MAX_CLIENTS + 1];
        int map[MAX_CLIENTS + 1];
        nfds_t n = 0;
        pfd[n].fd = lfd;
        pfd[n].events = POLLIN;
        map[n++] = -1;
        for (int i = 0; i < MAX_CLIENTS; i++) {
            if (clients[i].fd >= 0) {
                pfd[n].fd = clients[i].fd;
                pfd[n].events = POLLIN;
                map[n++] = i;
            }
        }
        int pr = poll(pfd, n, 500);
        if (pr < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (nfds_t k = 0; k < n && !s.shutdown; k++) {
            if (!(pfd[k].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            if (map[k] < 0) {
                int cfd = accept(lfd, NULL, NULL);
                if (cfd < 0)
                    continue;
                int slot = -1;
                for (int i = 0; i < MAX_CLIENTS; i++)
                    if (clients[i].fd < 0) {
                        slot = i;
                        break;
                    }
                if (slot < 0) {
                    close(cfd);
                    continue;
                }
                struct timeval tv = {2, 0};
                setsockopt(cfd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
                clients[slot].fd = cfd;
                clients[slot].in_len = 0;
                clients[slot].discard = 0;
                continue;
            }
            client_t *c = &clients[map[k]];
            ssize_t got = recv(c->fd, c->in + c->in_len, sizeof c->in - c->in_len, 0);
            if (got > 0)
                c->in_len += (size_t)got;
            if (got <= 0 || process(&s, c) != 0) {
                close(c->fd); /* closing a connection never changes the chip */
                c->fd = -1;
            }
        }
    }
    for (int i = 0; i < MAX_CLIENTS; i++)
        if (clients[i].fd >= 0)
            close(clients[i].fd);
    free(clients);
    close(lfd);
    unlink(o->socket);
    int rc = 0;
    if (trustm_sim_save(s.sim, err, sizeof err) != 0) {
        fprintf(stderr, "trustm-sim: %s\n", err);
        rc = 1;
    }
    trustm_sim_trace_set(s.sim, NULL);
    trustm_sim_destroy(s.sim);
    if (s.trace != NULL)
        fclose(s.trace);
    fprintf(stderr, "trustm-sim: stopped\n");
    return rc;
}
