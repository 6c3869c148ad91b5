/*
 * test_cli_durable.c - nothing lost, nothing half-done, as the `trustm` tool shows it.
 *   defect 3  a change the simulator cannot store fails with one clear line, nothing stored
 *   defect 4  a state file in use (another trustm, a trustm-sim serve) is refused, naming the holder
 *   defect 5  failed commands leave the chip as it was (write --erase too long, rsa-keygen with an
 *             unwritable --out, id2-provision with a bad key data set)
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

#include "cli_chip.h"
#include "cli_run.h"

static int lines(const char *s)
{
    int n = 0;
    for (; *s != '\0'; s++)
        n += *s == '\n';
    return n;
}

static void test_unstorable_change_fails(void **state)
{
    cli_result_t r;
    char tmp[300];
    (void)state;
    trun_expect(&r, 0, "write F1D1 --data 'AA BB'");
    cli_result_free(&r);
    /* the commit's temporary file cannot be created (works for root too: it is a directory) */
    snprintf(tmp, sizeof tmp, "%s.tmp", chip_state);
    assert_int_equal(mkdir(tmp, 0700), 0);
    char args[400];
    snprintf(args, sizeof args, "--device 'sim:%s' write F1D1 --data 'CC'", chip_state);
    cli_run(TRUSTM_BIN, args, &r);
    if (r.code == 0 || lines(r.err) != 1 || strstr(r.err, "not stored") == NULL)
        fprintf(stderr, "exit %d\nstdout: %s\nstderr: %s\n", r.code, r.out, r.err);
    assert_int_not_equal(r.code, 0);
    assert_string_equal(r.out, "");
    assert_int_equal(lines(r.err), 1);
    assert_non_null(strstr(r.err, "not stored"));
    assert_non_null(strstr(r.err, tmp));
    cli_result_free(&r);
    /* a metadata change and a counter behave the same */
    trun_expect(&r, 3, "metadata F1D1 --set 'change: NEV'");
    assert_int_equal(lines(r.err), 1);
    cli_result_free(&r);
    assert_int_equal(rmdir(tmp), 0);
    /* nothing was stored, and the chip works again */
    trun_expect(&r, 0, "read F1D1 --length 2 --hex");
    assert_string_equal(r.out, "aabb\n");
    cli_result_free(&r);
    trun_expect(&r, 0, "write F1D1 --data 'CC'");
    cli_result_free(&r);
    trun_expect(&r, 0, "read F1D1 --length 2 --hex");
    assert_string_equal(r.out, "ccbb\n");
    cli_result_free(&r);
}

static void test_state_file_in_use(void **state)
{
    cli_result_t r;
    char err[256], pid[32], args[700];
    trustm_sim_storage_t st;
    (void)state;
    assert_int_equal(trustm_sim_storage_file(&st, chip_state, err, sizeof err), 0);
    snprintf(pid, sizeof pid, "pid %ld", (long)getpid());
    /* trustm -d sim:FILE while another process holds the chip */
    trun_expect(&r, 2, "write F1D1 --data 01");
    assert_non_null(strstr(r.err, "in use by"));
    assert_non_null(strstr(r.err, pid));
    cli_result_free(&r);
    /* a second trustm-sim serve on the same state file */
    snprintf(args, sizeof args, "serve --state '%s' --socket '%s'", chip_state, tmpf("sock"));
    cli_run(TRUSTM_SIM_BIN, args, &r);
    assert_int_not_equal(r.code, 0);
    assert_non_null(strstr(r.err, pid));
    cli_result_free(&r);
    st.close(&st);
    trun_expect(&r, 0, "write F1D1 --data 01");
    cli_result_free(&r);
}

static void test_write_too_long_changes_nothing(void **state)
{
    cli_result_t r;
    static unsigned char data[1800];
    (void)state;
    trun_expect(&r, 0, "write E0E1 --erase --data '01 02 03 04'");
    cli_result_free(&r);
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (unsigned char)(i * 7u);
    assert_int_equal(cli_write_file(tmpf("big.bin"), data, sizeof(data)), 0);
    /* E0E1 holds 1728 bytes: 1800 cannot fit; the first chunk must not be written either */
    trun_expect(&r, 1, "write E0E1 --erase --in '%s'", tmpf("big.bin"));
    assert_non_null(strstr(r.err, "nothing written"));
    assert_int_equal(lines(r.err), 1);
    cli_result_free(&r);
    trun_expect(&r, 0, "read E0E1 --length 4 --hex");
    assert_string_equal(r.out, "01020304\n");
    cli_result_free(&r);
    /* exactly the maximum is written (in two commands) */
    assert_int_equal(cli_write_file(tmpf("max.bin"), data, 1728), 0);
    trun_expect(&r, 0, "write E0E1 --erase --in '%s'", tmpf("max.bin"));
    cli_result_free(&r);
    trun_expect(&r, 0, "read E0E1 --offset 1724 --hex");
    assert_string_equal(r.out, "242b3239\n");
    cli_result_free(&r);
}

static void test_rsa_keygen_unwritable_out_keeps_key(void **state)
{
    cli_result_t r;
    unsigned char digest[32];
    (void)state;
    memset(digest, 0x42, sizeof(digest));
    assert_int_equal(cli_write_file(tmpf("d.bin"), digest, sizeof(digest)), 0);
    trun_expect(&r, 0, "rsa-keygen --bits 1024 --out '%s'", tmpf("pub1.pem"));
    cli_result_free(&r);
    trun_expect(&r, 4, "rsa-keygen --bits 1024 --out /nonexistent-dir/pub.pem");
    assert_non_null(strstr(r.err, "nothing done"));
    cli_result_free(&r);
    /* E0FC still holds the first key: its signature verifies with the first public key */
    trun_expect(&r, 0, "rsa-sign --in '%s' --out '%s'", tmpf("d.bin"), tmpf("s.bin"));
    cli_result_free(&r);
    trun_expect(&r, 0, "rsa-verify --pubkey '%s' --sig '%s' --in '%s'", tmpf("pub1.pem"), tmpf("s.bin"), tmpf("d.bin"));
    cli_result_free(&r);
}

static void test_id2_provision_refused_keeps_f1d0(void **state)
{
    cli_result_t r;
    static const unsigned char manifest[] = {0x84, 0x43, 0xA1, 0x01, 0x26, 0xA0, 0xF6, 0x41, 0x00};
    static const unsigned char frag[] = {0x00, 0x01, 0x02, 0x03};
    (void)state;
    assert_int_equal(cli_write_file(tmpf("m.bin"), manifest, sizeof(manifest)), 0);
    assert_int_equal(cli_write_file(tmpf("f.bin"), frag, sizeof(frag)), 0);
    trun_expect(&r, 3, "id2-provision --device-id 000102030405060708090A0B --manifest '%s' --fragment '%s'",
                tmpf("m.bin"), tmpf("f.bin"));
    cli_result_free(&r);
    trun_expect(&r, 0, "read F1D0 --hex");
    assert_string_equal(r.out, "4944322d544553542d303031\n"); /* the provisioned ID, unchanged */
    cli_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_unstorable_change_fails, chip_setup),
        cmocka_unit_test_setup(test_state_file_in_use, chip_setup),
        cmocka_unit_test_setup(test_write_too_long_changes_nothing, chip_setup),
        cmocka_unit_test_setup(test_rsa_keygen_unwritable_out_keeps_key, chip_setup),
        cmocka_unit_test_setup(test_id2_provision_refused_keeps_f1d0, chip_setup),
    };
    int rc = cmocka_run_group_tests_name("cli_durable", tests, NULL, NULL);
    cli_tmpdir_remove();
    return rc;
}
