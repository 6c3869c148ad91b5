/*
 * test_cli_trace.c - golden-output tests of `trustm trace`: the real binary decodes trace
 * files and its output must equal the reviewed .exp files in tests/cli/data/.
 *   sample_frame20.trace      hand-made trustm-sim trace (always runs): cold start, frame
 *                             size 20 with chained packets both ways, NAK + retransmission,
 *                             corrupted FCS, chip error + Last Error Code, RESYNC
 *   anomalies.trace           hand-made: protocol anomalies and unparsable lines (exit 4)
 *   ifx_i2c_datasheet_log.txt / ifx_i2c_derived_vectors.txt from shared/ (skipped if absent)
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
#include "trustm_testutil.h"

static void check_golden(const char *input, const char *exp_name, int want_code, const char *extra)
{
    char args[1024];
    char exp_path[512];
    cli_result_t r;
    char *exp;
    snprintf(exp_path, sizeof(exp_path), "%s/%s", CLI_DATA_DIR, exp_name);
    exp = cli_slurp(exp_path);
    assert_non_null(exp);
    snprintf(args, sizeof(args), "trace %s '%s'", extra, input);
    cli_run(TRUSTM_BIN, args, &r);
    if (strcmp(r.out, exp) != 0) {
        /* show the first differing line */
        const char *a = r.out, *b = exp;
        int line = 1;
        while (*a != '\0' && *a == *b) {
            if (*a == '\n') {
                line++;
            }
            a++;
            b++;
        }
        print_error("%s: output differs from %s at line %d\n got: %.120s\nwant: %.120s\n", input, exp_name, line, a, b);
    }
    assert_string_equal(r.out, exp);
    assert_int_equal(r.code, want_code);
    cli_result_free(&r);
    free(exp);
}

static void test_sample_frame20(void **state)
{
    (void)state;
    check_golden(CLI_DATA_DIR "/sample_frame20.trace", "sample_frame20.exp", 0, "");
}

static void test_anomalies(void **state)
{
    cli_result_t r;
    (void)state;
    check_golden(CLI_DATA_DIR "/anomalies.trace", "anomalies.exp", 4, "");
    cli_run(TRUSTM_BIN, "trace '" CLI_DATA_DIR "/anomalies.trace'", &r);
    assert_non_null(strstr(r.err, "5 line(s) could not be parsed"));
    cli_result_free(&r);
}

static void test_stdin_and_no_summary(void **state)
{
    cli_result_t r;
    char *exp = cli_slurp(CLI_DATA_DIR "/sample_frame20.exp");
    (void)state;
    assert_non_null(exp);
    /* cli_run gives the command /dev/null as stdin: redirect inside an inner shell */
    cli_run("/bin/sh", "-c \"'" TRUSTM_BIN "' trace --no-summary - < '" CLI_DATA_DIR "/sample_frame20.trace'\"", &r);
    assert_int_equal(r.code, 0);
    /* same output minus the summary line */
    char *sum = strstr(exp, "summary:");
    assert_non_null(sum);
    *sum = '\0';
    assert_string_equal(r.out, exp);
    cli_result_free(&r);
    free(exp);
}

static void test_no_sleep(void **state)
{
    cli_result_t r;
    char *exp = cli_slurp(CLI_DATA_DIR "/sample_frame20.exp");
    (void)state;
    assert_non_null(exp);
    cli_run(TRUSTM_BIN, "trace --no-sleep '" CLI_DATA_DIR "/sample_frame20.trace'", &r);
    assert_int_equal(r.code, 0);
    assert_null(strstr(r.out, "SLEEP"));
    /* every other line is unchanged: drop the SLEEP lines of the golden output and compare */
    char *p = exp, *q = exp;
    while (*p != '\0') {
        char *nl = strchr(p, '\n');
        size_t n = nl != NULL ? (size_t)(nl - p + 1) : strlen(p);
        if (strstr(p, "SLEEP") == NULL || (nl != NULL && strstr(p, "SLEEP") > nl)) {
            memmove(q, p, n);
            q += n;
        }
        p += n;
    }
    *q = '\0';
    assert_string_equal(r.out, exp);
    cli_result_free(&r);
    free(exp);
}

static void test_datasheet_log(void **state)
{
    char path[512];
    (void)state;
    TV_REQUIRE_SHARED("spec/vectors/ifx_i2c_datasheet_log.txt", path);
    check_golden(path, "ifx_i2c_datasheet_log.exp", 0, "");
}

static void test_derived_vectors(void **state)
{
    char path[512];
    (void)state;
    TV_REQUIRE_SHARED("spec/vectors/ifx_i2c_derived_vectors.txt", path);
    check_golden(path, "ifx_i2c_derived_vectors.exp", 0, "");
}

static int teardown(void **state)
{
    (void)state;
    cli_tmpdir_remove();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sample_frame20),       cmocka_unit_test(test_anomalies),
        cmocka_unit_test(test_stdin_and_no_summary), cmocka_unit_test(test_no_sleep),
        cmocka_unit_test(test_datasheet_log),        cmocka_unit_test(test_derived_vectors),
    };
    return cmocka_run_group_tests(tests, NULL, teardown);
}
