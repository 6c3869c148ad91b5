/*
 * test_pal_socket.c - pal/socket against a fake daemon thread speaking sim-socket.md.
 * Checks every request byte, the status mapping, fragmented I/O, EINTR, a daemon that hangs,
 * a daemon that drops the connection (reconnect) and a daemon that is gone.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "trustm_pal_socket.h"

/* ---- fake daemon ------------------------------------------------------------------------ */

enum fake_mode {
    MODE_NORMAL,     /* answer at once                                  */
    MODE_FRAGMENTED, /* answer one byte at a time with small pauses      */
    MODE_HANG,       /* read the request, never answer                  */
    MODE_DROP,       /* read the request, close the connection          */
    MODE_SLOW        /* answer after 300 ms (EINTR test)                 */
};

typedef struct fake {
    char path[108];
    int lfd;
    pthread_t thread;
    volatile int stop;
    volatile enum fake_mode mode;
    volatile uint8_t status;       /* status byte to answer bus ops with      */
    volatile int short_read;       /* READ answered with one byte less        */
    volatile size_t extra_payload; /* control ops: answer this many bytes     */
    uint64_t now;                  /* NOW_US answer                           */
    /* last request */
    uint8_t op, addr;
    uint16_t len;
    uint8_t payload[4096];
    volatile int requests;
    volatile int connections;
} fake_t;

static fake_t g_fake;

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {(time_t)(ms / 1000u), (long)(ms % 1000u) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static int read_full(fake_t *f, int fd, uint8_t *b, size_t n)
{
    size_t d = 0;
    while (d < n) {
        struct pollfd p = {fd, POLLIN, 0};
        if (f->stop) {
            return -1;
        }
        if (poll(&p, 1, 50) <= 0) {
            continue;
        }
        ssize_t r = read(fd, b + d, n - d);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            return -1;
        }
        d += (size_t)r;
    }
    return 0;
}

static void write_resp(int fd, const uint8_t *b, size_t n, enum fake_mode mode)
{
    if (mode == MODE_FRAGMENTED) {
        for (size_t i = 0; i < n; i++) {
            if (write(fd, b + i, 1) != 1) {
                return;
            }
            sleep_ms(2);
        }
        return;
    }
    if (mode == MODE_SLOW) {
        sleep_ms(300);
    }
    size_t d = 0;
    while (d < n) {
        ssize_t r = write(fd, b + d, n - d);
        if (r <= 0) {
            return;
        }
        d += (size_t)r;
    }
}

static void serve_conn(fake_t *f, int c)
{
    for (;;) {
        uint8_t hdr[4];
        uint8_t resp[3 + 4096 + 64];
        size_t rlen = 3;
        if (read_full(f, c, hdr, 4) != 0) {
            return;
        }
        f->op = hdr[0];
        f->addr = hdr[1];
        f->len = (uint16_t)((hdr[2] << 8) | hdr[3]);
        if (f->op != TRUSTM_SOCK_OP_READ && f->len > 0) {
            if (read_full(f, c, f->payload, f->len) != 0) {
                return;
            }
        }
        f->requests++;
        enum fake_mode mode = f->mode;
        if (mode == MODE_HANG) {
            uint8_t dummy;
            while (!f->stop) { /* wait until the client gives up and closes */
                struct pollfd p = {c, POLLIN, 0};
                if (poll(&p, 1, 50) > 0 && read(c, &dummy, 1) <= 0) {
                    return;
                }
            }
            return;
        }
        if (mode == MODE_DROP) {
            return;
        }
        resp[0] = f->status;
        size_t plen = 0;
        if (f->op == TRUSTM_SOCK_OP_READ && f->status == TRUSTM_SOCK_ST_ACK) {
            plen = f->len - (f->short_read ? 1u : 0u);
            for (size_t i = 0; i < plen; i++) {
                resp[3 + i] = (uint8_t)(i ^ 0x5Au);
            }
        } else if (f->op == TRUSTM_SOCK_OP_NOW_US) {
            resp[0] = TRUSTM_SOCK_ST_ACK;
            plen = 8;
            for (int i = 0; i < 8; i++) {
                resp[3 + i] = (uint8_t)(f->now >> (56 - 8 * i));
            }
        } else if (f->op >= 0x40) {
            plen = f->extra_payload;
            for (size_t i = 0; i < plen; i++) {
                resp[3 + i] = (uint8_t)(0xA0u + i);
            }
        }
        resp[1] = (uint8_t)(plen >> 8);
        resp[2] = (uint8_t)plen;
        rlen = 3 + plen;
        write_resp(c, resp, rlen, mode);
    }
}

static void *fake_main(void *arg)
{
    fake_t *f = arg;
    while (!f->stop) {
        struct pollfd p = {f->lfd, POLLIN, 0};
        if (poll(&p, 1, 50) <= 0) {
            continue;
        }
        int c = accept(f->lfd, NULL, NULL);
        if (c < 0) {
            continue;
        }
        f->connections++;
        serve_conn(f, c);
        close(c);
    }
    return NULL;
}

static void fake_start(fake_t *f)
{
    struct sockaddr_un sa;
    char dir[] = "/tmp/trustm-pal-sock-XXXXXX";
    memset(f, 0, sizeof(*f));
    assert_non_null(mkdtemp(dir));
    snprintf(f->path, sizeof(f->path), "%s/sim.sock", dir);
    f->lfd = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_true(f->lfd >= 0);
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    strcpy(sa.sun_path, f->path);
    assert_int_equal(bind(f->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(f->lfd, 4), 0);
    f->status = TRUSTM_SOCK_ST_ACK;
    f->mode = MODE_NORMAL;
    assert_int_equal(pthread_create(&f->thread, NULL, fake_main, f), 0);
}

static void fake_stop(fake_t *f)
{
    char dir[108];
    f->stop = 1;
    pthread_join(f->thread, NULL);
    close(f->lfd);
    unlink(f->path);
    strcpy(dir, f->path);
    *strrchr(dir, '/') = '\0';
    rmdir(dir);
}

static int setup(void **state)
{
    static trustm_pal_socket_t s;
    fake_start(&g_fake);
    assert_int_equal(trustm_pal_socket_open(&s, g_fake.path, 500), TRUSTM_OK);
    *state = &s;
    return 0;
}

static int teardown(void **state)
{
    trustm_pal_socket_close(*state);
    fake_stop(&g_fake);
    return 0;
}

/* ---- tests ------------------------------------------------------------------------------ */

static void test_write_request_and_status_mapping(void **state)
{
    trustm_pal_t pal;
    const uint8_t frame[] = {0x80, 0x03, 0x00, 0x15, 0x00, 0x70};
    trustm_pal_socket_init(&pal, *state);

    assert_int_equal(pal.ops->i2c_write(pal.ctx, 0x30, frame, sizeof(frame)), TRUSTM_OK);
    assert_int_equal(g_fake.op, TRUSTM_SOCK_OP_WRITE);
    assert_int_equal(g_fake.addr, 0x30);
    assert_int_equal(g_fake.len, sizeof(frame));
    assert_memory_equal(g_fake.payload, frame, sizeof(frame));

    g_fake.status = TRUSTM_SOCK_ST_NACK;
    assert_int_equal(pal.ops->i2c_write(pal.ctx, 0x30, frame, 1), TRUSTM_PAL_NACK);
    g_fake.status = TRUSTM_SOCK_ST_BUS_ERROR;
    assert_int_equal(pal.ops->i2c_write(pal.ctx, 0x30, frame, 1), TRUSTM_PAL_IO);
    g_fake.status = TRUSTM_SOCK_ST_BAD_REQ;
    assert_int_equal(pal.ops->i2c_write(pal.ctx, 0x30, frame, 1), TRUSTM_PAL_IO);
    /* the connection stays usable after protocol-level errors */
    g_fake.status = TRUSTM_SOCK_ST_ACK;
    assert_int_equal(pal.ops->i2c_write(pal.ctx, 0x31, frame, 2), TRUSTM_OK);
    assert_int_equal(g_fake.addr, 0x31);
    assert_int_equal(g_fake.connections, 1);
    /* invalid arguments never reach the daemon */
    int before = g_fake.requests;
    assert_int_equal(pal.ops->i2c_write(pal.ctx, 0x30, NULL, 3), TRUSTM_PAL_IO);
    assert_int_equal(pal.ops->i2c_write(pal.ctx, 0x30, frame, 0), TRUSTM_PAL_IO);
    assert_int_equal(g_fake.requests, before);
}

static void test_read_request_and_payload(void **state)
{
    trustm_pal_t pal;
    uint8_t buf[300];
    trustm_pal_socket_init(&pal, *state);

    memset(buf, 0, sizeof(buf));
    assert_int_equal(pal.ops->i2c_read(pal.ctx, 0x30, buf, 277), TRUSTM_OK);
    assert_int_equal(g_fake.op, TRUSTM_SOCK_OP_READ);
    assert_int_equal(g_fake.addr, 0x30);
    assert_int_equal(g_fake.len, 277);
    for (size_t i = 0; i < 277; i++) {
        assert_int_equal(buf[i], (uint8_t)(i ^ 0x5Au));
    }
    g_fake.status = TRUSTM_SOCK_ST_NACK;
    assert_int_equal(pal.ops->i2c_read(pal.ctx, 0x30, buf, 4), TRUSTM_PAL_NACK);
    g_fake.status = TRUSTM_SOCK_ST_BUS_ERROR;
    assert_int_equal(pal.ops->i2c_read(pal.ctx, 0x30, buf, 4), TRUSTM_PAL_IO);
    /* an ACK with fewer bytes than requested is a bus error */
    g_fake.status = TRUSTM_SOCK_ST_ACK;
    g_fake.short_read = 1;
    assert_int_equal(pal.ops->i2c_read(pal.ctx, 0x30, buf, 4), TRUSTM_PAL_IO);
    g_fake.short_read = 0;
    assert_int_equal(pal.ops->i2c_read(pal.ctx, 0x30, buf, 4), TRUSTM_OK);
    assert_int_equal(g_fake.connections, 1);
}

static void test_pins_clock_sleep(void **state)
{
    trustm_pal_t pal;
    trustm_pal_socket_init(&pal, *state);

    assert_int_equal(pal.ops->set_pin(pal.ctx, TRUSTM_PAL_PIN_VDD, false), TRUSTM_OK);
    assert_int_equal(g_fake.op, TRUSTM_SOCK_OP_POWER_OFF);
    assert_int_equal(g_fake.len, 0);
    assert_int_equal(pal.ops->set_pin(pal.ctx, TRUSTM_PAL_PIN_VDD, true), TRUSTM_OK);
    assert_int_equal(g_fake.op, TRUSTM_SOCK_OP_POWER_ON);
    assert_int_equal(pal.ops->set_pin(pal.ctx, TRUSTM_PAL_PIN_RST, false), TRUSTM_OK);
    assert_int_equal(g_fake.op, TRUSTM_SOCK_OP_RST_LOW);
    assert_int_equal(pal.ops->set_pin(pal.ctx, TRUSTM_PAL_PIN_RST, true), TRUSTM_OK);
    assert_int_equal(g_fake.op, TRUSTM_SOCK_OP_RST_HIGH);
    assert_int_equal(pal.ops->set_pin(pal.ctx, (trustm_pal_pin_t)7, true),
                     TRUSTM_STATUS(TRUSTM_LAYER_PAL, TRUSTM_BASE_NOT_SUPPORTED));
    g_fake.status = TRUSTM_SOCK_ST_BAD_REQ;
    assert_int_equal(pal.ops->set_pin(pal.ctx, TRUSTM_PAL_PIN_RST, true), TRUSTM_PAL_IO);
    g_fake.status = TRUSTM_SOCK_ST_ACK;

    g_fake.now = 0x0102030405060708ull;
    assert_true(pal.ops->now_us(pal.ctx) == 0x0102030405060708ull);
    assert_int_equal(g_fake.op, TRUSTM_SOCK_OP_NOW_US);
    /* never backwards, even if the daemon's clock is */
    g_fake.now = 5;
    assert_true(pal.ops->now_us(pal.ctx) == 0x0102030405060708ull);

    pal.ops->sleep_us(pal.ctx, 0x00012345u);
    assert_int_equal(g_fake.op, TRUSTM_SOCK_OP_SLEEP_US);
    assert_int_equal(g_fake.len, 4);
    const uint8_t exp[4] = {0x00, 0x01, 0x23, 0x45};
    assert_memory_equal(g_fake.payload, exp, 4);
}

static void test_fragmented_io(void **state)
{
    trustm_pal_t pal;
    uint8_t buf[40];
    trustm_pal_socket_init(&pal, *state);
    g_fake.mode = MODE_FRAGMENTED;
    assert_int_equal(pal.ops->i2c_read(pal.ctx, 0x30, buf, sizeof(buf)), TRUSTM_OK);
    for (size_t i = 0; i < sizeof(buf); i++) {
        assert_int_equal(buf[i], (uint8_t)(i ^ 0x5Au));
    }
    g_fake.now = 123456789;
    assert_true(pal.ops->now_us(pal.ctx) == 123456789u);
}

static void on_alarm(int sig)
{
    (void)sig;
}

static void test_eintr(void **state)
{
    trustm_pal_t pal;
    uint8_t buf[8];
    struct sigaction sa;
    struct itimerval it;
    trustm_pal_socket_init(&pal, *state);
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_alarm; /* no SA_RESTART: poll/recv return EINTR */
    sigemptyset(&sa.sa_mask);
    assert_int_equal(sigaction(SIGALRM, &sa, NULL), 0);
    memset(&it, 0, sizeof(it));
    it.it_interval.tv_usec = 20000;
    it.it_value.tv_usec = 20000;
    assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
    g_fake.mode = MODE_SLOW;
    trustm_status_t st = pal.ops->i2c_read(pal.ctx, 0x30, buf, sizeof(buf));
    memset(&it, 0, sizeof(it));
    setitimer(ITIMER_REAL, &it, NULL);
    signal(SIGALRM, SIG_DFL);
    assert_int_equal(st, TRUSTM_OK);
    assert_int_equal(buf[3], 3 ^ 0x5A);
}

static void test_hang_times_out_and_reconnects(void **state)
{
    trustm_pal_t pal;
    uint8_t buf[4];
    trustm_pal_socket_t *s = *state;
    trustm_pal_socket_init(&pal, s);
    g_fake.mode = MODE_HANG;
    uint64_t t0 = mono_ms();
    assert_int_equal(pal.ops->i2c_read(pal.ctx, 0x30, buf, 4), TRUSTM_PAL_IO);
    uint64_t dt = mono_ms() - t0;
    assert_true(dt >= 450 && dt < 3000); /* the 500 ms timeout, not forever */
    assert_int_equal(s->last_errno, ETIMEDOUT);
    assert_int_equal(s->fd, -1);
    /* next operation reconnects */
    g_fake.mode = MODE_NORMAL;
    sleep_ms(100);
    assert_int_equal(pal.ops->i2c_read(pal.ctx, 0x30, buf, 4), TRUSTM_OK);
    assert_int_equal(g_fake.connections, 2);
}

static void test_drop_is_io_then_reconnect(void **state)
{
    trustm_pal_t pal;
    const uint8_t b[2] = {0x82, 0x00};
    trustm_pal_socket_t *s = *state;
    trustm_pal_socket_init(&pal, s);
    g_fake.mode = MODE_DROP;
    assert_int_equal(pal.ops->i2c_write(pal.ctx, 0x30, b, 1), TRUSTM_PAL_IO);
    assert_int_equal(s->last_errno, ECONNRESET);
    g_fake.mode = MODE_NORMAL;
    assert_int_equal(pal.ops->i2c_write(pal.ctx, 0x30, b, 2), TRUSTM_OK);
    assert_int_equal(g_fake.len, 2);
}

static void test_control_request_and_drain(void **state)
{
    trustm_pal_socket_t *s = *state;
    uint8_t st = 0xEE;
    uint8_t rsp[4];
    size_t n = 99;
    const uint8_t pl[3] = {1, 2, 3};
    g_fake.extra_payload = 10;
    g_fake.status = TRUSTM_SOCK_ST_ACK;
    assert_int_equal(trustm_pal_socket_request(s, 0x41, 0, pl, 3, &st, rsp, sizeof(rsp), &n),
                     TRUSTM_STATUS(TRUSTM_LAYER_PAL, TRUSTM_BASE_BUFFER_TOO_SMALL));
    assert_int_equal(g_fake.op, 0x41);
    assert_memory_equal(g_fake.payload, pl, 3);
    /* still in sync: the next exchange decodes correctly */
    g_fake.extra_payload = 3;
    assert_int_equal(trustm_pal_socket_request(s, 0x42, 0, NULL, 0, &st, rsp, sizeof(rsp), &n), TRUSTM_OK);
    assert_int_equal(st, TRUSTM_SOCK_ST_ACK);
    assert_int_equal(n, 3);
    assert_int_equal(rsp[0], 0xA0);
    assert_int_equal(rsp[2], 0xA2);
    static uint8_t big[4097];
    assert_int_equal(trustm_pal_socket_request(s, 0x42, 0, big, sizeof(big), &st, rsp, sizeof(rsp), &n),
                     TRUSTM_STATUS(TRUSTM_LAYER_PAL, TRUSTM_BASE_BAD_PARAM));
    assert_int_equal(g_fake.connections, 1);
}

static void test_daemon_gone(void **state)
{
    trustm_pal_socket_t *s = *state;
    trustm_pal_t pal;
    uint8_t buf[4];
    trustm_pal_socket_init(&pal, s);
    g_fake.now = 1000000;
    assert_true(pal.ops->now_us(pal.ctx) == 1000000u);
    fake_stop(&g_fake); /* daemon gone, socket file removed */
    memset(&g_fake, 0, sizeof(g_fake));
    g_fake.lfd = -1;
    assert_int_equal(pal.ops->i2c_read(pal.ctx, 0x30, buf, 4), TRUSTM_PAL_IO);
    /* time keeps advancing from the last daemon time, so callers' timeouts expire */
    uint64_t t1 = pal.ops->now_us(pal.ctx);
    pal.ops->sleep_us(pal.ctx, 20000);
    uint64_t t2 = pal.ops->now_us(pal.ctx);
    assert_true(t1 >= 1000000u);
    assert_true(t2 >= t1 + 20000u);
    assert_true(t2 < 1000000u + 5000000u);
    trustm_pal_socket_close(s);
    /* restart a fake so that teardown has something to stop */
    fake_start(&g_fake);
}

static void test_open_errors(void **state)
{
    trustm_pal_socket_t s2;
    char longp[200];
    (void)state;
    assert_int_equal(trustm_pal_socket_open(&s2, "/nonexistent/trustm.sock", 100), TRUSTM_PAL_IO);
    assert_int_equal(s2.last_errno, ENOENT);
    memset(longp, 'a', sizeof(longp) - 1);
    longp[sizeof(longp) - 1] = '\0';
    assert_int_equal(trustm_pal_socket_open(&s2, longp, 100), TRUSTM_STATUS(TRUSTM_LAYER_PAL, TRUSTM_BASE_BAD_PARAM));
    assert_int_equal(trustm_pal_socket_open(&s2, NULL, 100), TRUSTM_STATUS(TRUSTM_LAYER_PAL, TRUSTM_BASE_BAD_PARAM));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_write_request_and_status_mapping, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_request_and_payload, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pins_clock_sleep, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fragmented_io, setup, teardown),
        cmocka_unit_test_setup_teardown(test_eintr, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hang_times_out_and_reconnects, setup, teardown),
        cmocka_unit_test_setup_teardown(test_drop_is_io_then_reconnect, setup, teardown),
        cmocka_unit_test_setup_teardown(test_control_request_and_drain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_daemon_gone, setup, teardown),
        cmocka_unit_test(test_open_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
