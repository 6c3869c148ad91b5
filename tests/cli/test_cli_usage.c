/*
 * test_cli_usage.c - command-line handling of the real `trustm` binary: --help everywhere
 * exits 0, bad arguments exit 1 (usage), unreachable devices exit 2, file errors exit 4.
 */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli_run.h"

static int run(const char *args, cli_result_t *r)
{
    cli_run(TRUSTM_BIN, args, r);
    return r->code;
}

static void expect(const char *args, int code, const char *in_out, const char *in_err)
{
    cli_result_t r;
    run(args, &r);
    if (r.code != code || (in_out != NULL && strstr(r.out, in_out) == NULL) ||
        (in_err != NULL && strstr(r.err, in_err) == NULL)) {
        print_error("trustm %s: exit %d (want %d)\nstdout: %s\nstderr: %s\n", args, r.code, code, r.out, r.err);
    }
    assert_int_equal(r.code, code);
    if (in_out != NULL) {
        assert_non_null(strstr(r.out, in_out));
    }
    if (in_err != NULL) {
        assert_non_null(strstr(r.err, in_err));
    }
    cli_result_free(&r);
}

static void test_help_everywhere(void **state)
{
    (void)state;
    expect("--help", 0, "Exit codes:", NULL);
    expect("-h", 0, "Commands:", NULL);
    expect("help", 0, "trace", NULL);
    expect("help info", 0, "Usage: trustm [global options] info", NULL);
    expect("info --help", 0, "--json", NULL);
    expect("trace --help", 0, "Usage: trustm trace", NULL);
    expect("trace -h", 0, "--no-summary", NULL);
    expect("--version", 0, "trustm ", NULL);
    /* help lists the device spec forms and the env variable */
    expect("--help", 0, "TRUSTM_DEVICE", NULL);
    expect("--help", 0, "i2c:/dev/i2c-N", NULL);
}

static void test_usage_errors(void **state)
{
    (void)state;
    expect("", 1, NULL, "Usage: trustm");
    expect("frobnicate", 1, NULL, "unknown command 'frobnicate'");
    expect("help frobnicate", 1, NULL, "unknown command");
    expect("--bogus info", 1, NULL, "unknown option '--bogus'");
    expect("info --bogus", 1, NULL, "unexpected argument '--bogus'");
    expect("--frame-size 15 info", 1, NULL, "16..277");
    expect("--frame-size 278 info", 1, NULL, "16..277");
    expect("--frame-size abc info", 1, NULL, "16..277");
    expect("--frame-size", 1, NULL, "needs a number");
    expect("--device", 1, NULL, "needs a device spec");
    expect("trace", 1, NULL, "missing trace FILE");
    expect("trace a b", 1, NULL, "only one trace file");
    expect("trace --bogus x", 1, NULL, "unknown option");
    /* device spec errors are usage errors */
    expect("--device bogus:x info", 1, NULL, "unknown kind");
    expect("--device i2c:/dev/i2c-1@0x99 info", 1, NULL, "not a 7-bit address");
    expect("info", 1, NULL, "no device given");
    expect("--sim-trace /tmp/x --device socket:/tmp/none.sock info", 1, NULL, "--sim-trace needs");
}

static void test_device_and_file_errors(void **state)
{
    char args[512];
    (void)state;
    /* missing simulator state file: device error, with the hint to create one */
    snprintf(args, sizeof(args), "--device sim:%s/missing.state info", cli_tmpdir());
    expect(args, 2, NULL, "trustm-sim init --state");
    /* no daemon at that socket */
    snprintf(args, sizeof(args), "--device socket:%s/none.sock info", cli_tmpdir());
    expect(args, 2, NULL, "cannot connect to the simulator daemon");
    /* no such i2c adapter */
    expect("--device i2c:/dev/trustm-no-such-i2c info", 2, NULL, "cannot open /dev/trustm-no-such-i2c");
    /* TRUSTM_DEVICE is the default device; --device wins over it */
    snprintf(args, sizeof(args), "TRUSTM_DEVICE=socket:%s/env.sock '%s' info", cli_tmpdir(), TRUSTM_BIN);
    {
        cli_result_t r;
        cli_run("/usr/bin/env", args, &r);
        assert_int_equal(r.code, 2);
        assert_non_null(strstr(r.err, "env.sock"));
        cli_result_free(&r);
        snprintf(args, sizeof(args), "TRUSTM_DEVICE=socket:%s/env.sock '%s' --device bogus: info", cli_tmpdir(),
                 TRUSTM_BIN);
        cli_run("/usr/bin/env", args, &r);
        assert_int_equal(r.code, 1);
        cli_result_free(&r);
    }
    /* trace: unreadable file */
    snprintf(args, sizeof(args), "trace %s/nope.trace", cli_tmpdir());
    expect(args, 4, NULL, "No such file");
}

static int teardown(void **state)
{
    (void)state;
    cli_tmpdir_remove();
    return 0;
}

int main(void)
{
    unsetenv("TRUSTM_DEVICE");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_help_everywhere),
        cmocka_unit_test(test_usage_errors),
        cmocka_unit_test(test_device_and_file_errors),
    };
    return cmocka_run_group_tests(tests, NULL, teardown);
}
