/*
 * XFER kind 5 of `trustm-sim serve` (docs/sim-socket.md) through pal/socket: an I2C_STATE read
 * that announces a frame brings the DATA read along in the same message. The same reads with
 * kind 5 off and on must leave the chip with exactly the same bus figures (time on the virtual
 * clock, transactions, bytes, frames) and return the same data, with one message fewer per
 * frame read; at frame sizes 277 and 20 (a chained response: several frames per command).
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "trustm/trustm.h"
#include "trustm_pal_socket.h"

#define OP_STATS 0x4Bu
#define NSTATS   12u
#define READS    8u

static char dir[64], state_path[128], sock_path[128];
static pid_t daemon_pid = -1;

static int setup(void **state)
{
    (void)state;
    if (access(TRUSTM_SIM_EXE, X_OK) != 0)
        return 0;
    snprintf(dir, sizeof dir, "/tmp/trustm-xfer-XXXXXX");
    if (mkdtemp(dir) == NULL)
        return -1;
    snprintf(state_path, sizeof state_path, "%s/chip.state", dir);
    snprintf(sock_path, sizeof sock_path, "%s/sim.sock", dir);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "%s init --state %s --seed 7 >/dev/null", TRUSTM_SIM_EXE, state_path);
    if (system(cmd) != 0)
        return -1;
    daemon_pid = fork();
    if (daemon_pid == 0) {
        execl(TRUSTM_SIM_EXE, "trustm-sim", "serve", "--state", state_path, "--socket", sock_path, (char *)NULL);
        _exit(127);
    }
    struct stat st;
    for (int i = 0; i < 400 && stat(sock_path, &st) != 0; i++) {
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return stat(sock_path, &st) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    if (daemon_pid > 0) {
        kill(daemon_pid, SIGTERM);
        waitpid(daemon_pid, NULL, 0);
        daemon_pid = -1;
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        return system(cmd) == 0 ? 0 : -1;
    }
    return 0;
}

static void stats(trustm_pal_socket_t *s, uint64_t v[NSTATS])
{
    uint8_t st = 0xFF, rsp[8 * NSTATS];
    size_t n = 0;
    assert_int_equal(trustm_pal_socket_request(s, OP_STATS, 0, NULL, 0, &st, rsp, sizeof rsp, &n), TRUSTM_OK);
    assert_int_equal(st, 0);
    assert_int_equal(n, sizeof rsp);
    for (size_t i = 0; i < NSTATS; i++) {
        v[i] = 0;
        for (size_t k = 0; k < 8; k++)
            v[i] = v[i] << 8 | rsp[8 * i + k];
    }
}

/* READS reads of the UID with kind 5 off or on: the chip's bus figures, the messages, the data. */
static void phase(trustm_pal_socket_t *s, trustm_device_t *dev, bool combo, uint64_t delta[NSTATS],
                  unsigned long *messages, uint8_t uid[TRUSTM_UID_SIZE])
{
    uint64_t a[NSTATS], b[NSTATS];
    s->combo_off = !combo;
    stats(s, a);
    unsigned long m0 = s->messages;
    for (unsigned i = 0; i < READS; i++) {
        size_t n = 0;
        assert_int_equal(trustm_data_read(dev, TRUSTM_OID_COPROCESSOR_UID, 0, uid, TRUSTM_UID_SIZE, &n), TRUSTM_OK);
        assert_int_equal(n, TRUSTM_UID_SIZE);
    }
    *messages = s->messages - m0;
    stats(s, b);
    for (size_t i = 0; i < NSTATS; i++)
        delta[i] = b[i] - a[i];
}

static void same_bus_fewer_messages(uint16_t frame_size)
{
    if (daemon_pid <= 0) {
        print_message("SKIP: %s not built\n", TRUSTM_SIM_EXE);
        skip();
    }
    trustm_pal_socket_t s;
    trustm_pal_t pal;
    trustm_device_t dev;
    trustm_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.frame_size = frame_size;
    assert_int_equal(trustm_pal_socket_open(&s, sock_path, 5000), TRUSTM_OK);
    trustm_pal_socket_init(&pal, &s);
    assert_int_equal(trustm_device_init(&dev, &pal, &cfg), TRUSTM_OK);
    assert_int_equal(trustm_device_open(&dev), TRUSTM_OK);

    uint64_t off[NSTATS], on[NSTATS];
    unsigned long m_off = 0, m_on = 0;
    uint8_t uid_off[TRUSTM_UID_SIZE], uid_on[TRUSTM_UID_SIZE];
    phase(&s, &dev, false, off, &m_off, uid_off);
    phase(&s, &dev, true, on, &m_on, uid_on);
    assert_memory_equal(uid_off, uid_on, TRUSTM_UID_SIZE);
    /* time, bus time, transactions, NACKs, bytes written and read, frames in and out, commands */
    for (size_t i = 0; i < 9; i++) {
        if (off[i] != on[i])
            print_message("stat %zu: %llu without kind 5, %llu with\n", i, (unsigned long long)off[i],
                          (unsigned long long)on[i]);
        assert_int_equal(off[i], on[i]);
    }
    /* every frame the chip offered (frames_out) was read along with its I2C_STATE */
    print_message("frame %u: %lu messages without kind 5, %lu with, %llu frames read\n", (unsigned)frame_size, m_off,
                  m_on, (unsigned long long)on[7]);
    assert_true(on[7] >= READS);
    assert_int_equal(m_off - m_on, on[7]);
    trustm_pal_socket_close(&s);
}

static void test_frame_277(void **state)
{
    (void)state;
    same_bus_fewer_messages(277);
}

static void test_frame_20(void **state)
{
    (void)state;
    same_bus_fewer_messages(20);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_frame_277, setup, teardown),
        cmocka_unit_test_setup_teardown(test_frame_20, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
