/*
 * sim_socket_test.c - the socket protocol (shared/spec/sim-socket.md + docs/sim-socket.md)
 * against a real `trustm-sim serve` child process on a temporary socket.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>

#include "trustm_bytes.h"
#include "trustm_frame.h"
#include "trustm_sim.h"

static char g_state[256], g_sock[256], g_trace[256];

static void msleep(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static pid_t start_daemon(void)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int devnull = open("/dev/null", 1);
        if (devnull >= 0)
            dup2(devnull, 2);
        execl(TRUSTM_SIM_EXE, "trustm-sim", "serve", "--state", g_state, "--socket", g_sock, "--trace", g_trace,
              (char *)NULL);
        _exit(127);
    }
    return pid;
}

static int connect_sock(void)
{
    for (int i = 0; i < 200; i++) {
        int fd = socket(AF_UNIX, SOCK_STREAM, 0);
        struct sockaddr_un sa;
        memset(&sa, 0, sizeof sa);
        sa.sun_family = AF_UNIX;
        strcpy(sa.sun_path, g_sock);
        if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0)
            return fd;
        close(fd);
        msleep(10);
    }
    fail_msg("daemon did not come up on %s", g_sock);
    return -1;
}

static void xsend(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
        assert_true(k > 0);
        p += k;
        n -= (size_t)k;
    }
}

static void xrecv(int fd, uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t k = recv(fd, p, n, 0);
        assert_true(k > 0);
        p += k;
        n -= (size_t)k;
    }
}

/* One request/response; returns the status, payload in out (length in *olen). */
static uint8_t req(int fd, uint8_t op, uint8_t addr, uint16_t len, const uint8_t *payload, uint8_t *out, size_t *olen)
{
    uint8_t h[4] = {op, addr, (uint8_t)(len >> 8), (uint8_t)len};
    xsend(fd, h, 4);
    if (payload != NULL)
        xsend(fd, payload, len);
    uint8_t r[3];
    xrecv(fd, r, 3);
    size_t n = trustm_be16_get(r + 1);
    uint8_t sink[4096];
    xrecv(fd, out != NULL ? out : sink, n);
    if (olen != NULL)
        *olen = n;
    return r[0];
}

static uint8_t wr(int fd, const uint8_t *b, size_t n)
{
    return req(fd, 0x01, 0x30, (uint16_t)n, b, NULL, NULL);
}

static void u32(uint8_t *b, uint32_t v)
{
    trustm_be32_put(b, v);
}

/* Send a frame and collect frames until a data frame arrives; ACK it. Returns its length. */
static size_t exchange(int fd, const uint8_t *frame, size_t n, uint8_t *resp)
{
    uint8_t b[300], sl[4];
    b[0] = 0x80;
    memcpy(b + 1, frame, n);
    assert_int_equal(wr(fd, b, n + 1), 0);
    for (int i = 0; i < 200; i++) {
        u32(sl, 500);
        req(fd, 0x20, 0, 4, sl, NULL, NULL);
        uint8_t reg = 0x82, st[4];
        size_t ol;
        if (wr(fd, &reg, 1) != 0 || req(fd, 0x02, 0x30, 4, NULL, st, &ol) != 0)
            continue;
        size_t len = trustm_be16_get(st + 2);
        if (!(st[0] & 0x40) || len == 0)
            continue;
        reg = 0x80;
        assert_int_equal(wr(fd, &reg, 1), 0);
        assert_int_equal(req(fd, 0x02, 0x30, (uint16_t)len, NULL, resp, &ol), 0);
        assert_int_equal(ol, len);
        if (!(resp[0] & 0x80)) {
            uint8_t ack[6] = {0x80};
            trustm_dl_frame_encode(trustm_dl_fctr_ack((uint8_t)((resp[0] >> 2) & 3)), NULL, 0, ack + 1, 5);
            assert_int_equal(wr(fd, ack, 6), 0);
            return len;
        }
    }
    fail_msg("no response frame");
    return 0;
}

static void sim_socket_daemon(void **state)
{
    (void)state;
    if (access(TRUSTM_SIM_EXE, X_OK) != 0) {
        print_message("SKIP: %s not built\n", TRUSTM_SIM_EXE);
        skip();
    }
    snprintf(g_state, sizeof g_state, "/tmp/trustm_simsock_%ld.state", (long)getpid());
    snprintf(g_sock, sizeof g_sock, "/tmp/trustm_simsock_%ld.sock", (long)getpid());
    snprintf(g_trace, sizeof g_trace, "/tmp/trustm_simsock_%ld.trace", (long)getpid());
    char err[256];
    assert_int_equal(trustm_sim_state_init(g_state, 11, NULL, true, err, sizeof err), 0);
    trustm_sim_state_info_t info;
    assert_int_equal(trustm_sim_state_info(g_state, &info, err, sizeof err), 0);

    pid_t pid = start_daemon();
    int fd = connect_sock(), fd2 = connect_sock();
    uint8_t out[4096], b[8];
    size_t ol;
    /* NOW_US; start-up NACK; SLEEP_US; register read */
    assert_int_equal(req(fd, 0x21, 0, 0, NULL, out, &ol), 0);
    assert_int_equal(ol, 8);
    uint8_t reg = 0x82;
    assert_int_equal(wr(fd, &reg, 1), 1);
    u32(b, 15000);
    assert_int_equal(req(fd, 0x20, 0, 4, b, NULL, &ol), 0);
    assert_int_equal(wr(fd, &reg, 1), 0);
    assert_int_equal(req(fd, 0x02, 0x30, 4, NULL, out, &ol), 0);
    assert_memory_equal(out, ((uint8_t[]){0x08, 0x80, 0x00, 0x00}), 4);
    assert_int_equal(req(fd, 0x02, 0x31, 4, NULL, out, &ol), 1); /* nobody at 0x31 */
    assert_int_equal(ol, 0);
    /* bad requests: unknown op, oversized payload (skipped, stream stays in sync) */
    assert_int_equal(req(fd, 0x77, 0, 0, NULL, NULL, NULL), 3);
    uint8_t *big = calloc(1, 5000);
    uint8_t hbig[4] = {0x01, 0x30, 0x13, 0x88};
    xsend(fd, hbig, 4);
    xsend(fd, big, 5000);
    free(big);
    uint8_t r3[3];
    xrecv(fd, r3, 3);
    assert_int_equal(r3[0], 3);
    assert_int_equal(req(fd, 0x20, 0, 2, b, NULL, NULL), 3); /* SLEEP_US needs 4 bytes */
    assert_int_equal(req(fd, 0x21, 0, 0, NULL, out, &ol), 0);
    uint64_t t1 = trustm_be64_get(out);
    /* second client sees the same bus and clock */
    assert_int_equal(req(fd2, 0x21, 0, 0, NULL, out, &ol), 0);
    assert_true(trustm_be64_get(out) >= t1);
    /* OpenApplication + UID over the socket */
    uint8_t pkt[32] = {0x00, 0xF0, 0x00, 0x00, 0x10, 0xD2, 0x76, 0x00, 0x00, 0x04, 0x47,
                       0x65, 0x6E, 0x41, 0x75, 0x74, 0x68, 0x41, 0x70, 0x70, 0x6C};
    uint8_t frame[64], resp[300];
    size_t n = trustm_dl_frame_encode(0x03, pkt, 21, frame, sizeof frame);
    assert_int_equal(exchange(fd, frame, n, resp), 10);
    uint8_t get[] = {0x00, 0x81, 0x00, 0x00, 0x02, 0xE0, 0xC2};
    n = trustm_dl_frame_encode(0x04, get, sizeof get, frame, sizeof frame);
    assert_int_equal(exchange(fd2, frame, n, resp), 37); /* the other connection continues */
    assert_memory_equal(resp + 8, info.uid, 27);
    /* control: NACK next 2, fault get, stats, power and reset ops */
    u32(b, 2);
    assert_int_equal(req(fd, 0x40, 0, 4, b, NULL, NULL), 0);
    assert_int_equal(wr(fd, &reg, 1), 1);
    assert_int_equal(wr(fd, &reg, 1), 1);
    assert_int_equal(wr(fd, &reg, 1), 0);
    assert_int_equal(req(fd, 0x47, 0, 0, NULL, out, &ol), 0);
    assert_true(ol > 10 && memcmp(out, "nack_next=0", 11) == 0);
    assert_int_equal(req(fd, 0x4B, 0, 0, NULL, out, &ol), 0);
    assert_int_equal(ol, 96);                       /* 12 counters since the security monitor (throttle_us) */
    assert_true(trustm_be64_get(out + 8 * 8) == 2); /* commands */
    assert_int_equal(req(fd, 0x12, 0, 0, NULL, NULL, NULL), 0);
    assert_int_equal(wr(fd, &reg, 1), 1);
    assert_int_equal(req(fd, 0x13, 0, 0, NULL, NULL, NULL), 0);
    assert_int_equal(req(fd, 0x10, 0, 0, NULL, NULL, NULL), 0);
    assert_int_equal(req(fd, 0x11, 0, 0, NULL, NULL, NULL), 0);
    /* persistent address write, then clean shutdown */
    u32(b, 15000);
    req(fd, 0x20, 0, 4, b, NULL, NULL);
    assert_int_equal(wr(fd, (uint8_t[]){0x83, 0x80, 0x2A}, 3), 0);
    close(fd2);
    assert_int_equal(req(fd, 0x4F, 0, 0, NULL, NULL, NULL), 0);
    close(fd);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_int_equal(trustm_sim_state_info(g_state, &info, err, sizeof err), 0);
    assert_int_equal(info.base_addr, 0x2A);
    FILE *tf = fopen(g_trace, "r");
    assert_non_null(tf);
    char line[256];
    assert_non_null(fgets(line, sizeof line, tf));
    assert_string_equal(line, "# trustm-sim trace v1\n");
    bool seen_w = false, seen_nack = false, seen_power = false;
    while (fgets(line, sizeof line, tf)) {
        seen_w |= strstr(line, " W 82") != NULL && line[0] == '@';
        seen_nack |= strstr(line, " NACK W") != NULL;
        seen_power |= strstr(line, " POWER OFF") != NULL;
    }
    fclose(tf);
    assert_true(seen_w && seen_nack && seen_power);

    /* SIGKILL at any time leaves a loadable state; SIGTERM exits cleanly */
    for (int round = 0; round < 3; round++) {
        pid = start_daemon();
        fd = connect_sock();
        for (int i = 0; i < 50 * round; i++) {
            uint8_t addr_w[] = {0x83, 0x80, (uint8_t)(0x20 + (i & 7))};
            u32(b, 20000);
            req(fd, 0x20, 0, 4, b, NULL, NULL);
            req(fd, 0x01, info.base_addr, 3, addr_w, NULL, NULL);
            info.base_addr = addr_w[2];
        }
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        close(fd);
        assert_int_equal(trustm_sim_state_info(g_state, &info, err, sizeof err), 0);
    }
    pid = start_daemon();
    fd = connect_sock();
    close(fd);
    kill(pid, SIGTERM);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_int_equal(trustm_sim_state_info(g_state, &info, err, sizeof err), 0);
    unlink(g_state);
    unlink(g_trace);
    unlink(g_sock);
}

/* `trustm-sim init` with factory provisioning: exit codes, and the chip it writes. */
static int run_init(const char *args)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s init %s >/dev/null 2>&1", TRUSTM_SIM_EXE, args);
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* The chip in state file path, created in-process, with its application opened. */
static trustm_sim_t *open_app_on(const char *path)
{
    trustm_sim_config_t cfg;
    static uint8_t rsp[2048];
    memset(&cfg, 0, sizeof cfg);
    cfg.state_path = path;
    cfg.timing = TRUSTM_SIM_TIMING_NONE;
    trustm_sim_t *sim = trustm_sim_create(&cfg, NULL, 0);
    assert_non_null(sim);
    static const uint8_t open_app[] = {0xF0, 0x00, 0x00, 0x10, 0xD2, 0x76, 0x00, 0x00, 0x04, 0x47,
                                       0x65, 0x6E, 0x41, 0x75, 0x74, 0x68, 0x41, 0x70, 0x70, 0x6C};
    assert_int_equal(trustm_sim_apdu(sim, open_app, sizeof open_app, rsp, sizeof rsp), 4);
    return sim;
}

static void sim_socket_init_provision(void **state)
{
    (void)state;
    char path[128], args[512];
    snprintf(path, sizeof path, "/tmp/trustm_simprov_%ld.state", (long)getpid());
    snprintf(args, sizeof args,
             "--state %s --force --seed 9 --id2 65e229f00f28c63508b60001 --aes-key 2b7e151628aed2a6abf7158809cf4f3c",
             path);
    assert_int_equal(run_init(args), 0);
    snprintf(args, sizeof args, "--state %s --force --aes-key 2b7e15", path);
    assert_int_equal(run_init(args), 1); /* usage */
    snprintf(args, sizeof args, "--state %s --force --id2 65e2", path);
    assert_int_equal(run_init(args), 1);
    snprintf(args, sizeof args, "--state %s.x --force --rsa-key /nonexistent.pem", path);
    assert_int_equal(run_init(args), 4); /* file */
    snprintf(args, sizeof args, "--state %s.x --force --rsa-key /etc/hostname", path);
    assert_int_equal(run_init(args), 4);
    uint8_t rsp[2048];
    trustm_sim_t *sim = open_app_on(path);
    assert_int_equal(trustm_sim_apdu(sim, (const uint8_t[]){0x81, 0, 0, 2, 0xF1, 0xD0}, 6, rsp, sizeof rsp), 16);
    assert_memory_equal(rsp + 4, ((uint8_t[]){0x65, 0xE2, 0x29, 0xF0, 0x0F, 0x28, 0xC6, 0x35, 0x08, 0xB6, 0x00, 0x01}),
                        12);
    static const uint8_t ecb[] = {0x94, 0x08, 0x00, 0x15, 0xE2, 0x00, 0x01, 0x00, 0x10, 0x6B, 0xC1, 0xBE, 0xE2,
                                  0x2E, 0x40, 0x9F, 0x96, 0xE9, 0x3D, 0x7E, 0x11, 0x73, 0x93, 0x17, 0x2A};
    assert_int_equal(trustm_sim_apdu(sim, ecb, sizeof ecb, rsp, sizeof rsp), 23);
    assert_memory_equal(
        rsp + 7,
        ((uint8_t[]){0x3A, 0xD7, 0x7B, 0xB4, 0x0D, 0x7A, 0x36, 0x60, 0xA8, 0x9E, 0xCA, 0xF3, 0x24, 0x66, 0xEF, 0x97}),
        16);
    trustm_sim_destroy(sim);
    unlink(path);
}

/* Size of E0E0's content on the chip in state file path (GetDataObject answer minus its header,
 * 0 when the chip refuses the read of an empty object), and its first byte in *first. */
static size_t e0e0_size(const char *path, uint8_t *first)
{
    static uint8_t rsp[2048];
    trustm_sim_t *sim = open_app_on(path);
    size_t n = trustm_sim_apdu(sim, (const uint8_t[]){0x81, 0, 0, 2, 0xE0, 0xE0}, 6, rsp, sizeof rsp);
    assert_true(n >= 4);
    trustm_sim_destroy(sim);
    if (rsp[0] != 0x00) { /* an empty object: reading it passes its end (0x08 in F1C2) */
        assert_int_equal(rsp[0], 0xFF);
        *first = 0;
        return 0;
    }
    *first = n > 4 ? rsp[4] : 0;
    return n - 4;
}

/* A plain init is factory-fresh (a DER certificate in E0E0); --blank leaves E0E0 empty; the
 * same seed gives the same certificate. */
static void sim_socket_init_factory(void **state)
{
    (void)state;
    char path[128], args[512];
    uint8_t first = 0;
    snprintf(path, sizeof path, "/tmp/trustm_simfactory_%ld.state", (long)getpid());
    snprintf(args, sizeof args, "--state %s --force --seed 21", path);
    assert_int_equal(run_init(args), 0);
    size_t a = e0e0_size(path, &first);
    assert_true(a > 300);
    assert_int_equal(first, 0x30); /* DER SEQUENCE */
    assert_int_equal(run_init(args), 0);
    assert_int_equal(e0e0_size(path, &first), a);
    snprintf(args, sizeof args, "--state %s --force --seed 21 --blank", path);
    assert_int_equal(run_init(args), 0);
    assert_int_equal(e0e0_size(path, &first), 0);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(sim_socket_daemon), cmocka_unit_test(sim_socket_init_provision),
                                       cmocka_unit_test(sim_socket_init_factory)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
