/*
 * test_pal_socket_sim.c - the host library over pal/socket against a simulated chip: a small
 * in-test server thread executes each socket message (sim-socket.md base ops) on a trustm_sim
 * instance, so the whole path (library -> pal/socket -> UNIX socket -> chip model) runs without
 * the trustm-sim daemon. Checks open, UID read at frame sizes 277 and 20, the virtual clock
 * being followed through NOW_US/SLEEP_US, and a clean IO error when the server goes away.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "trustm/trustm.h"
#include "trustm_pal_socket.h"
#include "trustm_sim.h"

static const uint8_t test_uid[27] = {0xCD, 0x16, 0x33, 0x93, 0x01, 0x00, 0x1C, 0x00, 0x05, 0x00, 0x00, 0x01, 0x02, 0x03,
                                     0x04, 0x05, 0x06, 0x00, 0x10, 0x00, 0x20, 0x80, 0x10, 0x10, 0x71, 0x24, 0x40};

typedef struct server {
    char dir[64];
    char path[128];
    int lfd;
    volatile int stop;
    pthread_t th;
    trustm_sim_t *sim;
    unsigned long ops[256];
} server_t;

static server_t S;

static int rd(int fd, uint8_t *b, size_t n)
{
    size_t d = 0;
    while (d < n) {
        struct pollfd p = {fd, POLLIN, 0};
        if (S.stop) {
            return -1;
        }
        if (poll(&p, 1, 20) <= 0) {
            continue;
        }
        ssize_t r = read(fd, b + d, n - d);
        if (r <= 0) {
            return -1;
        }
        d += (size_t)r;
    }
    return 0;
}

static void serve(int c)
{
    uint8_t hdr[4], pl[4096], rsp[3 + 4096];
    for (;;) {
        size_t plen = 0;
        uint8_t st = 0;
        if (rd(c, hdr, 4) != 0) {
            return;
        }
        uint16_t len = (uint16_t)((hdr[2] << 8) | hdr[3]);
        if (hdr[0] != 0x02 && len > 0 && rd(c, pl, len) != 0) {
            return;
        }
        S.ops[hdr[0]]++;
        switch (hdr[0]) {
        case 0x01:
            st = (uint8_t)trustm_sim_i2c_write(S.sim, hdr[1], pl, len);
            break;
        case 0x02:
            st = (uint8_t)trustm_sim_i2c_read(S.sim, hdr[1], rsp + 3, len);
            plen = st == 0 ? len : 0;
            break;
        case 0x10:
            trustm_sim_power(S.sim, false);
            break;
        case 0x11:
            trustm_sim_power(S.sim, true);
            break;
        case 0x12:
            trustm_sim_rst(S.sim, false);
            break;
        case 0x13:
            trustm_sim_rst(S.sim, true);
            break;
        case 0x20:
            trustm_sim_sleep_us(S.sim,
                                ((uint32_t)pl[0] << 24) | ((uint32_t)pl[1] << 16) | ((uint32_t)pl[2] << 8) | pl[3]);
            break;
        case 0x21: {
            uint64_t t = trustm_sim_now_us(S.sim);
            for (int i = 0; i < 8; i++) {
                rsp[3 + i] = (uint8_t)(t >> (56 - 8 * i));
            }
            plen = 8;
            break;
        }
        default:
            st = 3;
            break;
        }
        rsp[0] = st;
        rsp[1] = (uint8_t)(plen >> 8);
        rsp[2] = (uint8_t)plen;
        if (write(c, rsp, 3 + plen) != (ssize_t)(3 + plen)) {
            return;
        }
    }
}

static void *server_main(void *arg)
{
    (void)arg;
    while (!S.stop) {
        struct pollfd p = {S.lfd, POLLIN, 0};
        if (poll(&p, 1, 20) <= 0) {
            continue;
        }
        int c = accept(S.lfd, NULL, NULL);
        if (c >= 0) {
            serve(c);
            close(c);
        }
    }
    return NULL;
}

static int setup(void **state)
{
    struct sockaddr_un sa;
    trustm_sim_config_t cfg;
    char err[200];
    (void)state;
    memset(&S, 0, sizeof(S));
    strcpy(S.dir, "/tmp/trustm-pal-socksim-XXXXXX");
    if (mkdtemp(S.dir) == NULL) {
        return -1;
    }
    snprintf(S.path, sizeof(S.path), "%s/sim.sock", S.dir);
    memset(&cfg, 0, sizeof(cfg));
    cfg.uid_set = true;
    memcpy(cfg.uid, test_uid, sizeof(test_uid));
    S.sim = trustm_sim_create(&cfg, err, sizeof(err));
    if (S.sim == NULL) {
        print_error("trustm_sim_create: %s\n", err);
        return -1;
    }
    S.lfd = socket(AF_UNIX, SOCK_STREAM, 0);
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    strcpy(sa.sun_path, S.path);
    if (bind(S.lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(S.lfd, 2) != 0) {
        return -1;
    }
    return pthread_create(&S.th, NULL, server_main, NULL) == 0 ? 0 : -1;
}

static void server_stop(void)
{
    if (!S.stop) {
        S.stop = 1;
        pthread_join(S.th, NULL);
        close(S.lfd);
        unlink(S.path);
    }
}

static int teardown(void **state)
{
    (void)state;
    server_stop();
    trustm_sim_destroy(S.sim);
    rmdir(S.dir);
    return 0;
}

static void open_and_read_uid(uint16_t frame_size)
{
    trustm_pal_socket_t sock;
    trustm_pal_t pal;
    trustm_device_t dev;
    trustm_config_t cfg;
    uint8_t uid[64];
    size_t n = 0;
    assert_int_equal(trustm_pal_socket_open(&sock, S.path, 2000), TRUSTM_OK);
    trustm_pal_socket_init(&pal, &sock);
    memset(&cfg, 0, sizeof(cfg));
    cfg.frame_size = frame_size;
    assert_int_equal(trustm_device_init(&dev, &pal, &cfg), TRUSTM_OK);
    uint64_t t0 = trustm_sim_now_us(S.sim);
    assert_int_equal(trustm_device_open(&dev), TRUSTM_OK);
    assert_int_equal(trustm_device_frame_size(&dev), frame_size);
    assert_int_equal(trustm_data_read(&dev, 0xE0C2, 0, uid, sizeof(uid), &n), TRUSTM_OK);
    assert_int_equal(n, 27);
    assert_memory_equal(uid, test_uid, 27);
    assert_int_equal(trustm_device_close(&dev), TRUSTM_OK);
    /* the open waited the start-up time on the chip's virtual clock (>= 15 ms), which only
     * happens if sleep_us went to the daemon */
    assert_true(trustm_sim_now_us(S.sim) - t0 >= 15000u);
    trustm_pal_socket_close(&sock);
}

static void test_uid_277(void **state)
{
    (void)state;
    open_and_read_uid(277);
    assert_true(S.ops[0x21] > 0);               /* NOW_US used */
    assert_true(S.ops[0x20] > 0);               /* SLEEP_US used */
    assert_true(S.ops[0x10] + S.ops[0x12] > 0); /* reset through a pin */
}

static void test_uid_20(void **state)
{
    (void)state;
    open_and_read_uid(20);
}

static void test_server_gone(void **state)
{
    trustm_pal_socket_t sock;
    trustm_pal_t pal;
    trustm_device_t dev;
    uint8_t uid[27];
    size_t n = 0;
    (void)state;
    assert_int_equal(trustm_pal_socket_open(&sock, S.path, 500), TRUSTM_OK);
    trustm_pal_socket_init(&pal, &sock);
    assert_int_equal(trustm_device_init(&dev, &pal, NULL), TRUSTM_OK);
    assert_int_equal(trustm_device_open(&dev), TRUSTM_OK);
    server_stop();
    trustm_status_t st = trustm_data_read(&dev, 0xE0C2, 0, uid, sizeof(uid), &n);
    print_message("after the server went away: %s: %s\n", trustm_status_layer_str(st), trustm_status_base_str(st));
    /* a clear error (not a hang, not data) */
    assert_true(trustm_status_is_error(st));
    assert_int_not_equal(TRUSTM_STATUS_LAYER(st), TRUSTM_LAYER_DEVICE);
    trustm_pal_socket_close(&sock);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_uid_277, setup, teardown),
        cmocka_unit_test_setup_teardown(test_uid_20, setup, teardown),
        cmocka_unit_test_setup_teardown(test_server_gone, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
