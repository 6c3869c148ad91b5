/*
 * test_cli_ops.c - `trustm` data-object subcommands end to end against a fresh simulated chip
 * per test: read, write, metadata (text, JSON, raw, --set), random, hash, error, counter,
 * lifecycle, hibernate; golden outputs in data/ for the text formats, and the usage text.
 */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <mbedtls/sha256.h>

#include "cli_chip.h"
#include "cli_run.h"

static void golden(const char *name, const char *actual)
{
    assert_int_equal(cli_golden_check(CLI_DATA_DIR, name, actual), 0);
}

static void hex_of(const unsigned char *b, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) {
        sprintf(out + 2 * i, "%02x", b[i]);
    }
    out[2 * n] = '\0';
}

static void test_read_write(void **state)
{
    cli_result_t r;
    unsigned char data[300];
    size_t n = 0;
    unsigned char *back;
    (void)state;
    /* the provisioned ID2 device ID, as hex and as binary to a file */
    trun_expect(&r, 0, "read F1D0 --hex");
    assert_string_equal(r.out, "4944322d544553542d303031\n");
    cli_result_free(&r);
    trun_expect(&r, 0, "read 0xf1d0 --offset 4 --length 4 --out '%s'", tmpf("id.bin"));
    assert_string_equal(r.out, "");
    cli_result_free(&r);
    back = cli_read_bin(tmpf("id.bin"), &n);
    assert_non_null(back);
    assert_int_equal(n, 4);
    assert_memory_equal(back, chip_id2 + 4, 4);
    free(back);

    /* write inline hex, then from a binary file at an offset, then erase-and-write */
    trun_expect(&r, 0, "write F1D1 --data '11 22 33'");
    assert_string_equal(r.out, "F1D1: wrote 3 bytes at offset 0\n");
    cli_result_free(&r);
    for (size_t i = 0; i < sizeof(data); i++) {
        data[i] = (unsigned char)(i * 7u + 1u);
    }
    assert_int_equal(cli_write_file(tmpf("w.bin"), data, 100), 0);
    trun_expect(&r, 0, "write F1D1 --offset 2 --in '%s'", tmpf("w.bin"));
    assert_string_equal(r.out, "F1D1: wrote 100 bytes at offset 2\n");
    cli_result_free(&r);
    trun_expect(&r, 0, "read F1D1 --length 4 --hex");
    assert_string_equal(r.out, "11220108\n");
    cli_result_free(&r);
    trun_expect(&r, 0, "write F1D1 --erase --offset 1 --data AA");
    assert_string_equal(r.out, "F1D1: wrote 1 byte at offset 1 (object erased first)\n");
    cli_result_free(&r);
    trun_expect(&r, 0, "read F1D1 --hex");
    assert_string_equal(r.out, "00aa\n");
    cli_result_free(&r);

    /* a large object through stdin, hex text (--hex), read back binary */
    {
        char hex[2 * 1500 + 2];
        static unsigned char big[1500];
        for (size_t i = 0; i < sizeof(big); i++) {
            big[i] = (unsigned char)(i ^ (i >> 8));
        }
        hex_of(big, sizeof(big), hex);
        strcat(hex, "\n");
        assert_int_equal(cli_write_file(tmpf("big.hex"), hex, strlen(hex)), 0);
        assert_int_equal(
            shell(&r, "'%s' -d 'sim:%s' write F1E0 --hex --in - < '%s'", TRUSTM_BIN, chip_state, tmpf("big.hex")), 0);
        assert_string_equal(r.out, "F1E0: wrote 1500 bytes at offset 0\n");
        cli_result_free(&r);
        trun_expect(&r, 0, "read F1E0 --out '%s'", tmpf("big.bin"));
        cli_result_free(&r);
        back = cli_read_bin(tmpf("big.bin"), &n);
        assert_non_null(back);
        assert_int_equal(n, sizeof(big));
        assert_memory_equal(back, big, sizeof(big));
        free(back);
    }

    /* chip refusals: exit 3 with the error by name */
    trun_expect(&r, 3, "read E200");
    assert_non_null(strstr(r.err, "chip error 0x07 (access conditions not satisfied)"));
    cli_result_free(&r);
    trun_expect(&r, 3, "read F1D0 --offset 200");
    assert_non_null(strstr(r.err, "chip error 0x08"));
    cli_result_free(&r);
    trun_expect(&r, 3, "write E0C2 --data 00");
    assert_non_null(strstr(r.err, "write E0C2: chip error 0x07"));
    cli_result_free(&r);

    /* usage and file errors */
    trun_expect(&r, 1, "read");
    assert_non_null(strstr(r.err, "missing OID"));
    cli_result_free(&r);
    trun_expect(&r, 1, "read F1D0 --offset 65535");
    cli_result_free(&r);
    trun_expect(&r, 1, "write F1D1 --offset 65535 --data 00");
    assert_non_null(strstr(r.err, "no room"));
    cli_result_free(&r);
    trun_expect(&r, 1, "read F1D");
    assert_non_null(strstr(r.err, "4 hex digits"));
    cli_result_free(&r);
    trun_expect(&r, 1, "write F1D1 --data 123");
    assert_non_null(strstr(r.err, "odd number of hex digits"));
    cli_result_free(&r);
    trun_expect(&r, 1, "write F1D1 --data 12 --in x");
    cli_result_free(&r);
    trun_expect(&r, 4, "write F1D1 --in '%s'", tmpf("does-not-exist"));
    assert_non_null(strstr(r.err, "does-not-exist"));
    cli_result_free(&r);
    trun_expect(&r, 4, "write F1D1 --hex --in '%s'", tmpf("w.bin"));
    cli_result_free(&r);
}

static void test_metadata(void **state)
{
    cli_result_t r;
    (void)state;
    trun_expect(&r, 0, "metadata F1D0");
    golden("metadata_f1d0.exp", r.out);
    cli_result_free(&r);
    trun_expect(&r, 0, "metadata E200 --json");
    golden("metadata_e200_json.exp", r.out);
    cli_result_free(&r);
    trun_expect(&r, 0, "metadata E0C2 --raw");
    golden("metadata_e0c2_raw.exp", r.out);
    cli_result_free(&r);

    /* set from the readable form, read back in the same form */
    trun_expect(&r, 0, "metadata F1D3 --set 'change: LcsO < op || Conf(E140); execute: ALW; type: PRESSEC'");
    assert_string_equal(r.out, "F1D3: metadata written\n");
    cli_result_free(&r);
    trun_expect(&r, 0, "metadata F1D3");
    assert_non_null(strstr(r.out, "\n  change: LcsO < op || Conf(E140)\n"));
    assert_non_null(strstr(r.out, "\n  execute: ALW\n"));
    assert_non_null(strstr(r.out, "\n  type: PRESSEC\n"));
    cli_result_free(&r);
    trun_expect(&r, 0, "metadata F1D3 --json");
    assert_non_null(strstr(r.out, "\"change\":\"LcsO < op || Conf(E140)\""));
    assert_non_null(strstr(r.out, "\"type\":{\"value\":33,\"name\":\"PRESSEC\"}"));
    cli_result_free(&r);
    /* multi-line form (as printed) is accepted too */
    trun_expect(&r, 0, "metadata F1D4 --set 'read: NEV\nchange: ALW'");
    cli_result_free(&r);
    trun_expect(&r, 3, "read F1D4");
    assert_non_null(strstr(r.err, "chip error 0x07"));
    cli_result_free(&r);

    /* round trip through a file: the printed form (header line included), with the size tags
     * removed and one access condition edited, is accepted by --set-file */
    trun_expect(&r, 0, "metadata F1D6");
    {
        char edited[1024] = "";
        for (char *line = strtok(r.out, "\n"); line != NULL; line = strtok(NULL, "\n")) {
            if (strstr(line, "_size:") != NULL) {
                continue;
            }
            strcat(edited, strstr(line, "read: ALW") != NULL ? "  read: LcsO < op" : line);
            strcat(edited, "\n");
        }
        assert_non_null(strstr(edited, "F1D6 (Arbitrary Data (type 3)) metadata:\n"));
        assert_int_equal(cli_write_file(tmpf("md.txt"), edited, strlen(edited)), 0);
    }
    cli_result_free(&r);
    trun_expect(&r, 0, "metadata F1D6 --set-file '%s'", tmpf("md.txt"));
    cli_result_free(&r);
    trun_expect(&r, 0, "metadata F1D6 --json");
    assert_non_null(strstr(r.out, "\"read\":\"LcsO < op\""));
    cli_result_free(&r);
    trun_expect(&r, 4, "metadata F1D6 --set-file '%s'", tmpf("no-such-file"));
    cli_result_free(&r);
    trun_expect(&r, 1, "metadata F1D3 --set 'colour: blue'");
    assert_non_null(strstr(r.err, "not valid metadata text"));
    cli_result_free(&r);
    trun_expect(&r, 1, "metadata F1D3 --set ';'");
    assert_non_null(strstr(r.err, "no tag given"));
    cli_result_free(&r);
    trun_expect(&r, 1, "metadata F1D3 --json --raw");
    cli_result_free(&r);
    trun_expect(&r, 3, "metadata E0C2 --set 'read: NEV'");
    cli_result_free(&r);
    trun_expect(&r, 3, "metadata 1234");
    assert_non_null(strstr(r.err, "chip error 0x01"));
    cli_result_free(&r);
}

static void test_random(void **state)
{
    cli_result_t r;
    size_t n = 0;
    unsigned char *b;
    (void)state;
    trun_expect(&r, 0, "random 16 --hex");
    assert_int_equal(strlen(r.out), 33);
    assert_int_equal(cli_unhex(r.out, (unsigned char[16]){0}, 16), 16);
    cli_result_free(&r);
    trun_expect(&r, 0, "random 256 --drng --out '%s'", tmpf("rnd.bin"));
    cli_result_free(&r);
    b = cli_read_bin(tmpf("rnd.bin"), &n);
    assert_non_null(b);
    assert_int_equal(n, 256);
    {
        size_t zeros = 0;
        for (size_t i = 0; i < n; i++) {
            zeros += b[i] == 0;
        }
        assert_true(zeros < 16); /* not a zero buffer */
    }
    free(b);
    trun_expect(&r, 1, "random 7");
    assert_non_null(strstr(r.err, "8..256"));
    cli_result_free(&r);
    trun_expect(&r, 1, "random 257");
    cli_result_free(&r);
}

static void test_hash(void **state)
{
    cli_result_t r;
    static unsigned char msg[5000];
    unsigned char d[32];
    char want[80];
    (void)state;
    for (size_t i = 0; i < sizeof(msg); i++) {
        msg[i] = (unsigned char)(i * 31u + 5u);
    }
    assert_int_equal(cli_write_file(tmpf("msg.bin"), msg, sizeof(msg)), 0);
    /* several APDUs of input; digest checked on the host with mbedTLS */
    trun_expect(&r, 0, "hash --in '%s'", tmpf("msg.bin"));
    mbedtls_sha256_ret(msg, sizeof(msg), d, 0);
    hex_of(d, 32, want);
    strcat(want, "\n");
    assert_string_equal(r.out, want);
    cli_result_free(&r);
    /* stdin, and --binary to a file */
    assert_int_equal(
        shell(&r, "printf abc | '%s' -d 'sim:%s' hash --binary --out '%s'", TRUSTM_BIN, chip_state, tmpf("abc.sha")),
        0);
    cli_result_free(&r);
    {
        size_t n = 0;
        unsigned char *b = cli_read_bin(tmpf("abc.sha"), &n);
        mbedtls_sha256_ret((const unsigned char *)"abc", 3, d, 0);
        assert_non_null(b);
        assert_int_equal(n, 32);
        assert_memory_equal(b, d, 32);
        free(b);
    }
    /* a data object: the ID2 device ID (used size 12) */
    trun_expect(&r, 0, "hash --oid F1D0");
    mbedtls_sha256_ret(chip_id2, sizeof(chip_id2), d, 0);
    hex_of(d, 32, want);
    strcat(want, "\n");
    assert_string_equal(r.out, want);
    cli_result_free(&r);
    trun_expect(&r, 0, "hash --oid F1D0 --offset 3 --length 5");
    mbedtls_sha256_ret(chip_id2 + 3, 5, d, 0);
    hex_of(d, 32, want);
    strcat(want, "\n");
    assert_string_equal(r.out, want);
    cli_result_free(&r);
    trun_expect(&r, 4, "hash --in /dev/null");
    assert_non_null(strstr(r.err, "empty"));
    cli_result_free(&r);
    trun_expect(&r, 1, "hash --offset 3");
    cli_result_free(&r);
}

static void test_error(void **state)
{
    cli_result_t r;
    char all[4096] = "";
    static const char *const codes[] = {"07", "0x08", "8029", "0x8000", "2F", "0x00080001", "0x0003000E", "12"};
    (void)state;
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        char args[64];
        snprintf(args, sizeof(args), "error %s", codes[i]);
        cli_run(TRUSTM_BIN, args, &r);
        assert_int_equal(r.code, 0);
        strcat(all, "$ trustm ");
        strcat(all, args);
        strcat(all, "\n");
        strcat(all, r.out);
        cli_result_free(&r);
    }
    golden("error_decode.exp", all);
    trun_expect(&r, 0, "error");
    assert_string_equal(r.out, "Last Error Code (F1C2) 0x00: no error\n");
    cli_result_free(&r);
    cli_run(TRUSTM_BIN, "error zz", &r);
    assert_int_equal(r.code, 1);
    cli_result_free(&r);
    cli_run(TRUSTM_BIN, "error 0x12345678", &r);
    assert_int_equal(r.code, 1);
    cli_result_free(&r);
}

static void test_counter(void **state)
{
    cli_result_t r;
    char all[2048] = "";
    static const char *const steps[] = {"counter E120",           "counter E120 --set 10",
                                        "counter E120 --count 4", "counter E120 --count 6",
                                        "counter E120 --json",    "counter E121 --set 3 --value 1"};
    (void)state;
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        trun_expect(&r, 0, "%s", steps[i]);
        strcat(all, "$ trustm ");
        strcat(all, steps[i]);
        strcat(all, "\n");
        strcat(all, r.out);
        cli_result_free(&r);
    }
    golden("counter.exp", all);
    trun_expect(&r, 3, "counter E120 --count 1");
    assert_non_null(strstr(r.err, "chip error 0x0E"));
    cli_result_free(&r);
    trun_expect(&r, 1, "counter E120 --count 0");
    cli_result_free(&r);
    trun_expect(&r, 1, "counter E120 --value 3");
    cli_result_free(&r);
    trun_expect(&r, 1, "counter F1D0");
    assert_non_null(strstr(r.err, "not a monotonic counter"));
    cli_result_free(&r);
}

static void test_lifecycle(void **state)
{
    cli_result_t r;
    (void)state;
    trun_expect(&r, 0, "lifecycle show --oid F1D2");
    golden("lifecycle_show.exp", r.out);
    cli_result_free(&r);
    trun_expect(&r, 1, "lifecycle advance --oid F1D2 --to op");
    assert_non_null(strstr(r.err, "--yes"));
    cli_result_free(&r);
    trun_expect(&r, 1, "lifecycle advance --to op --yes");
    cli_result_free(&r);
    trun_expect(&r, 1, "lifecycle advance --app --to te --yes");
    cli_result_free(&r);
    /* F1D2: change is "LcsO < op", so writing works before and fails after */
    trun_expect(&r, 0, "write F1D2 --data 01");
    cli_result_free(&r);
    trun_expect(&r, 0, "lifecycle advance --oid F1D2 --to op --yes");
    assert_string_equal(r.out, "F1D2 life cycle state (LcsO) now       07 = op (operational)\n");
    cli_result_free(&r);
    trun_expect(&r, 3, "write F1D2 --data 02");
    assert_non_null(strstr(r.err, "chip error 0x07"));
    cli_result_free(&r);
    trun_expect(&r, 3, "lifecycle advance --oid F1D2 --to in --yes");
    cli_result_free(&r);
    trun_expect(&r, 0, "lifecycle advance --app --to in --yes");
    cli_result_free(&r);
    trun_expect(&r, 0, "lifecycle");
    assert_non_null(strstr(r.out, "Application life cycle state (F1C0):   03 = in (initialization)\n"));
    cli_result_free(&r);
}

static void test_hibernate(void **state)
{
    cli_result_t r;
    size_t n = 0;
    unsigned char *h;
    (void)state;
    trun_expect(&r, 0, "hibernate save --context '%s'", tmpf("ctx.bin"));
    assert_non_null(strstr(r.out, "context saved"));
    cli_result_free(&r);
    h = cli_read_bin(tmpf("ctx.bin"), &n);
    assert_non_null(h);
    assert_int_equal(n, 8);
    free(h);
    trun_expect(&r, 0, "hibernate restore --context '%s'", tmpf("ctx.bin"));
    assert_non_null(strstr(r.out, "context restored"));
    cli_result_free(&r);
    /* a handle is valid once */
    trun_expect(&r, 3, "hibernate restore --context '%s'", tmpf("ctx.bin"));
    cli_result_free(&r);
    /* hex handle file */
    trun_expect(&r, 0, "hibernate save --hex --context '%s'", tmpf("ctx.hex"));
    cli_result_free(&r);
    trun_expect(&r, 0, "hibernate restore --hex --context '%s'", tmpf("ctx.hex"));
    cli_result_free(&r);
    trun_expect(&r, 4, "hibernate restore --context '%s'", tmpf("w-missing"));
    cli_result_free(&r);
    trun_expect(&r, 1, "hibernate");
    cli_result_free(&r);
}

static void test_usage_text(void **state)
{
    static const char *const cmds[] = {"read",     "write",      "metadata",    "random",      "hash",
                                       "error",    "aes-keygen", "aes-encrypt", "aes-decrypt", "rsa-keygen",
                                       "rsa-sign", "rsa-verify", "rsa-encrypt", "rsa-decrypt", "hmac",
                                       "prf",      "hkdf",       "counter",     "lifecycle",   "hibernate"};
    cli_result_t r;
    (void)state;
    cli_run(TRUSTM_BIN, "--help", &r);
    assert_int_equal(r.code, 0);
    golden("usage.exp", r.out);
    cli_result_free(&r);
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        char args[64], want[96];
        snprintf(want, sizeof(want), "Usage: trustm [global options] %s", cmds[i]);
        snprintf(args, sizeof(args), "%s --help", cmds[i]);
        cli_run(TRUSTM_BIN, args, &r);
        assert_int_equal(r.code, 0);
        assert_ptr_equal(strstr(r.out, want), r.out);
        assert_non_null(strstr(r.out, "Global options"));
        cli_result_free(&r);
        snprintf(args, sizeof(args), "help %s", cmds[i]);
        cli_run(TRUSTM_BIN, args, &r);
        assert_int_equal(r.code, 0);
        assert_ptr_equal(strstr(r.out, want), r.out);
        cli_result_free(&r);
        snprintf(args, sizeof(args), "%s --no-such-option", cmds[i]);
        cli_run(TRUSTM_BIN, args, &r);
        assert_int_equal(r.code, 1);
        cli_result_free(&r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_read_write, chip_setup),
        cmocka_unit_test_setup(test_metadata, chip_setup),
        cmocka_unit_test_setup(test_random, chip_setup),
        cmocka_unit_test_setup(test_hash, chip_setup),
        cmocka_unit_test_setup(test_error, chip_setup),
        cmocka_unit_test_setup(test_counter, chip_setup),
        cmocka_unit_test_setup(test_lifecycle, chip_setup),
        cmocka_unit_test_setup(test_hibernate, chip_setup),
        cmocka_unit_test(test_usage_text),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    cli_tmpdir_remove();
    return rc;
}
