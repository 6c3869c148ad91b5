/*
 * test_cli_info.c - `trustm info` end to end: the real binary against the in-process simulator
 * (--device sim:FILE, a fresh state file with a known UID per test) and, when the trustm-sim
 * daemon is built, against the daemon through pal/socket (--device socket:PATH).
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli_run.h"
#include "trustm_sim.h"

/* Our own test UID: CIM CD, platform 16, model 33, ROM mask 9301, chip type 001C00050000,
 * batch 0A0B0C0D0E0F, X 0x0102 (258), Y 0x0304 (772), firmware 80101071, build BCD 2440. */
static const uint8_t test_uid[27] = {0xCD, 0x16, 0x33, 0x93, 0x01, 0x00, 0x1C, 0x00, 0x05, 0x00, 0x00, 0x0A, 0x0B, 0x0C,
                                     0x0D, 0x0E, 0x0F, 0x01, 0x02, 0x03, 0x04, 0x80, 0x10, 0x10, 0x71, 0x24, 0x40};

static char g_state[256];

static int setup(void **state)
{
    char err[256];
    static int n;
    (void)state;
    snprintf(g_state, sizeof(g_state), "%s/chip%d.state", cli_tmpdir(), n++);
    if (trustm_sim_state_init(g_state, 7, test_uid, false, err, sizeof(err)) != 0) {
        print_error("trustm_sim_state_init: %s\n", err);
        return -1;
    }
    return 0;
}

static void check_text(const char *out)
{
    static const char *const want[] = {
        "Coprocessor UID (E0C2):          CD16339301001C000500000A0B0C0D0E0F01020304801010712440\n",
        "  CIM identifier:                CD\n",
        "  Platform identifier:           16\n",
        "  Model identifier:              33\n",
        "  ROM mask ID:                   9301\n",
        "  Chip type:                     001C00050000\n",
        "  Batch number:                  0A0B0C0D0E0F\n",
        "  Chip position X:               258\n",
        "  Chip position Y:               772\n",
        "  Firmware identifier:           80101071\n",
        "  ESW build number:              2440 (BCD 2440)\n",
        "Global life cycle state (E0C0):  07 = op (operational)\n",
        "Global security status (E0C1):   ",
        "Security event counter (E0C5):   ",
        "Max com buffer size (E0C6):      1557 bytes\n",
        "Sleep activation delay (E0C3):   ",
        "Current limit (E0C4):            ",
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        if (strstr(out, want[i]) == NULL) {
            print_error("missing '%s' in:\n%s\n", want[i], out);
        }
        assert_non_null(strstr(out, want[i]));
    }
}

static void test_info_sim_text(void **state)
{
    char args[512];
    cli_result_t r;
    (void)state;
    snprintf(args, sizeof(args), "--device 'sim:%s' info", g_state);
    cli_run(TRUSTM_BIN, args, &r);
    if (r.code != 0) {
        print_error("exit %d\n%s\n%s\n", r.code, r.out, r.err);
    }
    assert_int_equal(r.code, 0);
    check_text(r.out);
    assert_non_null(strstr(r.out, "Frame size (DATA_REG_LEN):       277 bytes\n"));
    cli_result_free(&r);
}

static void test_info_sim_json_frame20(void **state)
{
    char args[512];
    cli_result_t r;
    (void)state;
    snprintf(args, sizeof(args), "info --json --frame-size 20 -d 'sim:%s'", g_state);
    cli_run(TRUSTM_BIN, args, &r);
    if (r.code != 0) {
        print_error("exit %d\n%s\n%s\n", r.code, r.out, r.err);
    }
    assert_int_equal(r.code, 0);
    assert_non_null(strstr(r.out, "\"frame_size\":20,"));
    assert_non_null(strstr(r.out, "\"uid\":{\"hex\":\"CD163393"));
    assert_non_null(strstr(r.out, "\"batch_number\":\"0A0B0C0D0E0F\""));
    assert_non_null(strstr(r.out, "\"chip_pos_x\":258,\"chip_pos_y\":772"));
    assert_non_null(strstr(r.out, "\"esw_build\":2440}"));
    assert_non_null(strstr(r.out, "\"lifecycle\":{\"value\":7,\"state\":\"op\",\"name\":\"operational\"}"));
    assert_non_null(strstr(r.out, "\"max_com_buffer_size\":1557"));
    assert_non_null(strstr(r.out, "\"security_event_counter\":"));
    assert_non_null(strstr(r.out, "\"sleep_delay_ms\":"));
    assert_non_null(strstr(r.out, "\"current_limit_ma\":"));
    assert_true(r.out[0] == '{');
    assert_non_null(strstr(r.out, "}\n"));
    cli_result_free(&r);
}

static void test_info_sim_verbose_and_trace(void **state)
{
    char args[1024];
    char tpath[300];
    cli_result_t r;
    (void)state;
    snprintf(tpath, sizeof(tpath), "%s/bus.trace", cli_tmpdir());
    snprintf(args, sizeof(args), "-v --sim-trace '%s' --device 'sim:%s' info", tpath, g_state);
    cli_run(TRUSTM_BIN, args, &r);
    assert_int_equal(r.code, 0);
    assert_non_null(strstr(r.err, "link stats:"));
    assert_non_null(strstr(r.err, "transactions"));
    cli_result_free(&r);
    /* the recorded trace decodes without parse errors and shows the UID read */
    snprintf(args, sizeof(args), "trace '%s'", tpath);
    cli_run(TRUSTM_BIN, args, &r);
    if (r.code != 0) {
        print_error("trace exit %d\n%s\n", r.code, r.err);
    }
    assert_int_equal(r.code, 0);
    assert_non_null(strstr(r.out, "OpenApplication"));
    assert_non_null(strstr(r.out, "OID E0C2 (Coprocessor UID)"));
    assert_non_null(strstr(r.out, "value   E0C2 (Coprocessor UID) = CIM CD, platform 16, model 33"));
    assert_non_null(strstr(r.out, "CloseApplication"));
    assert_non_null(strstr(r.out, "0 anomalies; 0 unparsable lines"));
    cli_result_free(&r);
}

static void test_info_sim_corrupt_state(void **state)
{
    char args[512];
    cli_result_t r;
    FILE *f;
    (void)state;
    f = fopen(g_state, "r+b");
    assert_non_null(f);
    fseek(f, 40, SEEK_SET);
    fputc(0x5A ^ fgetc(f), f); /* flip bits inside the file */
    fseek(f, 41, SEEK_SET);
    fputc(0xA5, f);
    fclose(f);
    snprintf(args, sizeof(args), "--device 'sim:%s' info", g_state);
    cli_run(TRUSTM_BIN, args, &r);
    assert_int_equal(r.code, 2);
    assert_non_null(strstr(r.err, "cannot load simulator"));
    cli_result_free(&r);
}

#ifdef TRUSTM_SIM_BIN
/* trustm-sim serve with the given clock, recording a trace; `trustm info` over the socket;
 * then the daemon's trace must decode cleanly. */
static void run_daemon(const char *clock)
{
    char sock[300], trace[300], args[1024];
    cli_result_t r;
    pid_t pid;
    snprintf(sock, sizeof(sock), "%s/sim.sock", cli_tmpdir());
    snprintf(trace, sizeof(trace), "%s/daemon.trace", cli_tmpdir());
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (freopen("/dev/null", "w", stdout) == NULL || freopen("/dev/null", "w", stderr) == NULL) {
            _exit(126);
        }
        execl(TRUSTM_SIM_BIN, "trustm-sim", "serve", "--state", g_state, "--socket", sock, "--clock", clock, "--trace",
              trace, (char *)NULL);
        _exit(127);
    }
    /* wait for the socket to appear (at most 5 s) */
    struct stat sb;
    for (int i = 0; i < 500 && stat(sock, &sb) != 0; i++) {
        struct timespec ts = {0, 10000000L};
        nanosleep(&ts, NULL);
    }
    /* data commands through the daemon: write, read back, hash, random */
    {
        static const char *const steps[][2] = {
            {"write F1D1 --data 0102030405", "F1D1: wrote 5 bytes at offset 0\n"},
            {"read F1D1 --length 5 --hex", "0102030405\n"},
            {"hash --data 616263", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n"},
        };
        for (size_t k = 0; k < sizeof(steps) / sizeof(steps[0]); k++) {
            snprintf(args, sizeof(args), "--device 'socket:%s' %s", sock, steps[k][0]);
            cli_run(TRUSTM_BIN, args, &r);
            if (r.code != 0 || strcmp(r.out, steps[k][1]) != 0) {
                print_error("clock %s: %s: exit %d\n%s\n%s\n", clock, steps[k][0], r.code, r.out, r.err);
            }
            assert_int_equal(r.code, 0);
            assert_string_equal(r.out, steps[k][1]);
            cli_result_free(&r);
        }
        snprintf(args, sizeof(args), "--device 'socket:%s' random 8 --hex", sock);
        cli_run(TRUSTM_BIN, args, &r);
        assert_int_equal(r.code, 0);
        assert_int_equal(strlen(r.out), 17);
        cli_result_free(&r);
    }
    snprintf(args, sizeof(args), "--device 'socket:%s' info", sock);
    cli_run(TRUSTM_BIN, args, &r);
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    if (r.code != 0) {
        print_error("clock %s: exit %d\n%s\n%s\n", clock, r.code, r.out, r.err);
    }
    assert_int_equal(r.code, 0);
    check_text(r.out);
    assert_non_null(strstr(r.out, "simulator daemon at"));
    cli_result_free(&r);
    unlink(sock);
    snprintf(args, sizeof(args), "trace --no-sleep '%s'", trace);
    cli_run(TRUSTM_BIN, args, &r);
    if (r.code != 0) {
        print_error("trace of the daemon: exit %d\n%s\n", r.code, r.err);
    }
    assert_int_equal(r.code, 0);
    assert_non_null(strstr(r.out, "OID E0C2 (Coprocessor UID)"));
    assert_non_null(strstr(r.out, "0 anomalies; 0 unparsable lines"));
    cli_result_free(&r);
}

static void test_info_socket_daemon_virtual(void **state)
{
    (void)state;
    run_daemon("virtual");
}

static void test_info_socket_daemon_real(void **state)
{
    (void)state;
    run_daemon("real");
}
#endif

static int teardown_all(void **state)
{
    (void)state;
    cli_tmpdir_remove();
    return 0;
}

int main(void)
{
    unsetenv("TRUSTM_DEVICE");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_info_sim_text, setup),
        cmocka_unit_test_setup(test_info_sim_json_frame20, setup),
        cmocka_unit_test_setup(test_info_sim_verbose_and_trace, setup),
        cmocka_unit_test_setup(test_info_sim_corrupt_state, setup),
#ifdef TRUSTM_SIM_BIN
        cmocka_unit_test_setup(test_info_socket_daemon_virtual, setup),
        cmocka_unit_test_setup(test_info_socket_daemon_real, setup),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, teardown_all);
}
