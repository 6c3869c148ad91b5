/*
 * test_cli_shield.c - `trustm pair` and the global --protect option against a fresh simulated
 * chip: the secret file (mode 0600, never printed), protected commands, the bus trace of a
 * protected run (only protected records after the handshake), an object whose read access is
 * Conf(E140), pairing with --lock and the refusal to pair a locked chip again.
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

#include <cmocka.h>

#include "cli_chip.h"
#include "cli_run.h"

static void test_pair_and_protect(void **state)
{
    cli_result_t r;
    (void)state;
    const char *pbs = tmpf("pbs.hex");
    /* --protect without a secret file: a clear usage error */
    trun_expect(&r, 1, "--protect full random 8 --hex");
    assert_non_null(strstr(r.err, "platform binding secret"));
    cli_result_free(&r);
    trun_expect(&r, 1, "--protect most random 8");
    cli_result_free(&r);

    trun_expect(&r, 0, "pair --pbs-file '%s'", pbs);
    assert_non_null(strstr(r.out, "paired"));
    struct stat sb;
    assert_int_equal(stat(pbs, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    char *secret = cli_slurp(pbs);
    assert_non_null(secret);
    assert_int_equal(strlen(secret), 129); /* 64 bytes as hex + newline */
    secret[128] = '\0';
    assert_null(strstr(r.out, secret));
    assert_null(strstr(r.err, secret));
    cli_result_free(&r);
    /* the secret file is not replaced silently */
    trun_expect(&r, 4, "pair --pbs-file '%s'", pbs);
    cli_result_free(&r);

    for (int lv = 0; lv < 4; lv++) {
        static const char *const names[] = {"none", "cmd", "rsp", "full"};
        trun_expect(&r, 0, "--protect %s --pbs-file '%s' random 16 --hex", names[lv], pbs);
        assert_int_equal(strlen(r.out), 33);
        cli_result_free(&r);
    }
    trun_expect(&r, 0, "--protect full --pbs-file '%s' info", pbs);
    assert_non_null(strstr(r.out, "Coprocessor UID"));
    cli_result_free(&r);

    /* the bus trace of a protected run: handshake, then only protected records */
    const char *tr = tmpf("shield.trace");
    remove(tr);
    trun_expect(&r, 0, "--protect full --pbs-file '%s' --sim-trace '%s' random 32 --hex", pbs, tr);
    cli_result_free(&r);
    trun_expect(&r, 0, "trace '%s'", tr);
    const char *hs = strstr(r.out, "handshake Finished");
    assert_non_null(hs);
    assert_null(strstr(hs, "apdu"));
    assert_null(strstr(hs, "unprotected"));
    assert_non_null(strstr(hs, "master and slave protected"));
    cli_result_free(&r);

    /* Conf(E140) on read: refused in clear and with command-only protection, read protected */
    trun_expect(&r, 0, "write F1D1 --data 'CA FE'");
    cli_result_free(&r);
    trun_expect(&r, 0, "metadata F1D1 --set 'read: Conf(E140)'");
    cli_result_free(&r);
    trun_expect(&r, 3, "read F1D1 --length 2 --hex");
    cli_result_free(&r);
    trun_expect(&r, 3, "--protect cmd --pbs-file '%s' read F1D1 --length 2 --hex", pbs);
    cli_result_free(&r);
    trun_expect(&r, 0, "--protect full --pbs-file '%s' read F1D1 --length 2 --hex", pbs);
    assert_string_equal(r.out, "cafe\n");
    cli_result_free(&r);

    /* pair again with --lock, then a locked chip is not paired again */
    setenv("TRUSTM_PBS_FILE", pbs, 1);
    trun_expect(&r, 0, "pair --force --lock");
    assert_non_null(strstr(r.out, "locked"));
    cli_result_free(&r);
    trun_expect(&r, 3, "pair --force");
    assert_non_null(strstr(r.err, "locked"));
    cli_result_free(&r);
    trun_expect(&r, 0, "--protect full random 8 --hex"); /* the file still matches the chip */
    cli_result_free(&r);
    trun_expect(&r, 0, "pair --help");
    assert_ptr_equal(strstr(r.out, "Usage: trustm [global options] pair"), r.out);
    cli_result_free(&r);
    unsetenv("TRUSTM_PBS_FILE");
    free(secret);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_pair_and_protect, chip_setup),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    cli_tmpdir_remove();
    return rc;
}
