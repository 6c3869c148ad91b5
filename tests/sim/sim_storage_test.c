/*
 * sim_storage_test.c - the simulator's storage and scheduling.
 *   defect 3  a change the storage refuses fails (0x06), the chip stays equal to its storage; an
 *             unreadable state file is an error, not a fresh chip
 *   defect 4  a second instance on the same state file is refused, naming the holder
 *   defect 8  a re-sync while a command executes: the command runs to its end and commits, the
 *             chip stays BUSY meanwhile, the response is dropped, the next command works
 *   memory storage: a chip restarted from what was committed
 *   random generator: one durable write per 1,024 generator steps, and a chip restarted from its
 *             storage never hands out an output twice
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "sim_host.h"
#include "trustm_frame.h"
#include "trustm_sim.h"

static const uint8_t open_app[] = {0xF0, 0x00, 0x00, 0x10, 0xD2, 0x76, 0x00, 0x00, 0x04, 0x47,
                                   0x65, 0x6E, 0x41, 0x75, 0x74, 0x68, 0x41, 0x70, 0x70, 0x6C};

static void make_path(char *path, size_t n)
{
    snprintf(path, n, "/tmp/trustm-simstore-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    unlink(path); /* the simulator creates it */
}

static void cleanup(const char *path)
{
    char p[300];
    unlink(path);
    snprintf(p, sizeof p, "%s.lock", path);
    unlink(p);
    snprintf(p, sizeof p, "%s.tmp", path);
    rmdir(p);
    unlink(p);
}

static size_t apdu(trustm_sim_t *sim, const uint8_t *a, size_t n, uint8_t *rsp)
{
    return trustm_sim_apdu(sim, a, n, rsp, 2048);
}

/* Write one byte v at offset 0 of F1D1 (erase & write); returns the Sta byte. */
static uint8_t write_f1d1(trustm_sim_t *sim, uint8_t v)
{
    uint8_t rsp[2048];
    const uint8_t w[] = {0x82, 0x40, 0x00, 0x05, 0xF1, 0xD1, 0x00, 0x00, v};
    assert_int_equal(apdu(sim, w, sizeof w, rsp), 4);
    return rsp[0];
}

static uint8_t read_byte(trustm_sim_t *sim, uint16_t oid)
{
    uint8_t rsp[2048];
    /* without the flush bit, which would clear the Last Error Code before reading it */
    const uint8_t r[] = {0x01, 0x00, 0x00, 0x06, (uint8_t)(oid >> 8), (uint8_t)oid, 0x00, 0x00, 0x00, 0x01};
    assert_int_equal(apdu(sim, r, sizeof r, rsp), 5);
    assert_int_equal(rsp[0], 0);
    return rsp[4];
}

static trustm_sim_t *open_sim(const char *path, trustm_sim_storage_t *st)
{
    trustm_sim_config_t cfg;
    char err[256];
    uint8_t rsp[2048];
    memset(&cfg, 0, sizeof cfg);
    cfg.state_path = path;
    cfg.storage = st;
    cfg.timing = TRUSTM_SIM_TIMING_NONE;
    trustm_sim_t *sim = trustm_sim_create(&cfg, err, sizeof err);
    if (sim == NULL)
        fail_msg("create: %s", err);
    assert_int_equal(apdu(sim, open_app, sizeof open_app, rsp), 4);
    assert_int_equal(rsp[0], 0);
    return sim;
}

static void test_refused_commit_rolls_back(void **state)
{
    (void)state;
    char path[64], tmp[80];
    make_path(path, sizeof path);
    trustm_sim_t *sim = open_sim(path, NULL);
    assert_int_equal(write_f1d1(sim, 0x11), 0);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    assert_int_equal(mkdir(tmp, 0700), 0); /* the commit cannot create its temp file */
    assert_int_equal(write_f1d1(sim, 0x22), 0xFF);
    assert_int_equal(read_byte(sim, 0xF1C2), 0x06); /* internal process error */
    assert_int_equal(read_byte(sim, 0xF1D1), 0x11); /* the chip equals its storage */
    assert_non_null(strstr(trustm_sim_storage_error(sim), tmp));
    assert_int_equal(rmdir(tmp), 0);
    assert_int_equal(write_f1d1(sim, 0x33), 0);
    assert_string_equal(trustm_sim_storage_error(sim), "");
    trustm_sim_destroy(sim);
    sim = open_sim(path, NULL);
    assert_int_equal(read_byte(sim, 0xF1D1), 0x33);
    trustm_sim_destroy(sim);
    cleanup(path);
}

static void test_unreadable_state_is_an_error(void **state)
{
    (void)state;
    char path[64], err[256];
    trustm_sim_config_t cfg;
    make_path(path, sizeof path);
    trustm_sim_destroy(open_sim(path, NULL));
    memset(&cfg, 0, sizeof cfg);
    cfg.state_path = path;
    if (geteuid() != 0) {
        assert_int_equal(chmod(path, 0), 0);
        assert_null(trustm_sim_create(&cfg, err, sizeof err));
        assert_non_null(strstr(err, "cannot open"));
        assert_int_equal(chmod(path, 0600), 0);
    } else {
        print_message("running as root: the permission case is not testable, checking a directory instead\n");
    }
    unlink(path);
    assert_int_equal(mkdir(path, 0700), 0);
    assert_null(trustm_sim_create(&cfg, err, sizeof err));
    assert_non_null(strstr(err, path));
    rmdir(path);
    cleanup(path);
}

static void test_second_instance_refused(void **state)
{
    (void)state;
    char path[64], err[256], pid[32];
    trustm_sim_config_t cfg;
    make_path(path, sizeof path);
    trustm_sim_t *a = open_sim(path, NULL);
    memset(&cfg, 0, sizeof cfg);
    cfg.state_path = path;
    assert_null(trustm_sim_create(&cfg, err, sizeof err));
    snprintf(pid, sizeof pid, "in use by pid %ld", (long)getpid());
    assert_non_null(strstr(err, pid));
    assert_int_not_equal(trustm_sim_state_init(path, 1, NULL, true, err, sizeof err), 0); /* init --force too */
    trustm_sim_destroy(a);
    trustm_sim_destroy(open_sim(path, NULL)); /* free again */
    cleanup(path);
}

static void test_memory_storage_restart(void **state)
{
    (void)state;
    trustm_sim_mem_t mem;
    trustm_sim_storage_t st;
    memset(&mem, 0, sizeof mem);
    trustm_sim_storage_memory(&st, &mem);
    trustm_sim_t *sim = open_sim(NULL, &st);
    assert_non_null(mem.image);
    assert_int_equal(write_f1d1(sim, 0x5A), 0);
    trustm_sim_destroy(sim);
    sim = open_sim(NULL, &st);
    assert_int_equal(read_byte(sim, 0xF1D1), 0x5A);
    trustm_sim_destroy(sim);
    trustm_sim_mem_free(&mem);
}

/* GetRandom 256 (32 generator steps); the 256 bytes into out. */
static void get_random_256(trustm_sim_t *sim, uint8_t *out)
{
    uint8_t rsp[2048];
    const uint8_t g[] = {0x8C, 0x00, 0x00, 0x02, 0x01, 0x00};
    assert_int_equal(apdu(sim, g, sizeof g, rsp), 4 + 256);
    assert_int_equal(rsp[0], 0);
    memcpy(out, rsp + 4, 256);
}

static void test_random_reservation(void **state)
{
    (void)state;
    enum { CALLS = 40 }; /* 40 x 32 steps = 1,280 steps: crosses one reservation bound */
    static uint8_t seen[2 * CALLS][256];
    trustm_sim_mem_t mem;
    trustm_sim_storage_t st;
    trustm_sim_stats_t stats;
    memset(&mem, 0, sizeof mem);
    trustm_sim_storage_memory(&st, &mem);
    trustm_sim_t *sim = open_sim(NULL, &st);
    trustm_sim_stats_reset(sim);
    for (unsigned i = 0; i < CALLS; i++)
        get_random_256(sim, seen[i]);
    trustm_sim_stats_get(sim, &stats);
    assert_int_equal(stats.nvm_writes, 2); /* the first use and the bound at step 1,024 */
    /* a restart from what was committed (as after a power cut: nothing saved at the end) */
    trustm_sim_destroy(sim);
    sim = open_sim(NULL, &st);
    for (unsigned i = CALLS; i < 2 * CALLS; i++)
        get_random_256(sim, seen[i]);
    for (unsigned i = 0; i < 2 * CALLS; i++)
        for (unsigned j = i + 1; j < 2 * CALLS; j++)
            for (unsigned k = 0; k + 8 <= 256; k += 8)
                assert_memory_not_equal(seen[i] + k, seen[j], 8); /* no 8-byte output twice */
    trustm_sim_destroy(sim);
    trustm_sim_mem_free(&mem);
}

/* Defect 8: C0 while executing. */
static void test_resync_during_execution(void **state)
{
    (void)state;
    trustm_sim_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.timing = TRUSTM_SIM_TIMING_DATASHEET;
    trustm_sim_t *sim = trustm_sim_create(&cfg, NULL, 0);
    assert_non_null(sim);
    sim_host_t h;
    sim_host_init(&h, sim);
    uint8_t rsp[300], frame[300], st[4];
    assert_int_equal(sim_host_transceive(&h, open_app, sizeof open_app, rsp, sizeof rsp), 4);
    /* SetDataObject F1D1 := 77, made long (50 ms) so that the re-sync lands during execution */
    trustm_sim_faults_t f;
    memset(&f, 0, sizeof f);
    f.busy_extra_us = 50000;
    trustm_sim_faults_set(sim, &f);
    const uint8_t pkt[] = {0x00, 0x82, 0x40, 0x00, 0x05, 0xF1, 0xD1, 0x00, 0x00, 0x77};
    size_t n = trustm_dl_frame_encode(trustm_dl_fctr_data((uint8_t)((h.last_tx + 1u) & 3u), h.last_rx), pkt, sizeof pkt,
                                      frame, sizeof frame);
    assert_int_equal(sim_host_frame_write(&h, frame, n), 0);
    n = trustm_dl_frame_encode(0xC0, NULL, 0, frame, sizeof frame); /* re-sync */
    assert_int_equal(sim_host_frame_write(&h, frame, n), 0);
    h.last_tx = 3;
    h.last_rx = 3;
    assert_int_equal(sim_host_reg_read(&h, 0x82, st, 4), 0);
    assert_true(st[0] & 0x80); /* still BUSY: the command was not cut short */
    trustm_sim_sleep_us(sim, 60000);
    assert_int_equal(sim_host_reg_read(&h, 0x82, st, 4), 0);
    assert_int_equal(st[0] & 0xC0, 0); /* done, and nothing offered */
    assert_int_equal((st[2] << 8) | st[3], 0);
    trustm_sim_faults_set(sim, NULL);
    /* the command's effect is there, and the link works with the reset counters */
    const uint8_t get[] = {0x81, 0x00, 0x00, 0x06, 0xF1, 0xD1, 0x00, 0x00, 0x00, 0x01};
    assert_int_equal(sim_host_transceive(&h, get, sizeof get, rsp, sizeof rsp), 5);
    assert_int_equal(rsp[4], 0x77);
    trustm_sim_destroy(sim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refused_commit_rolls_back), cmocka_unit_test(test_unreadable_state_is_an_error),
        cmocka_unit_test(test_second_instance_refused),   cmocka_unit_test(test_memory_storage_restart),
        cmocka_unit_test(test_resync_during_execution),   cmocka_unit_test(test_random_reservation),
    };
    return cmocka_run_group_tests_name("sim_storage", tests, NULL, NULL);
}
