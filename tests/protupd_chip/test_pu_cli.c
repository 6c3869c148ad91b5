/*
 * The command line end to end: trustm-sim init -> trustm-protupd (a signer key made by the
 * test) -> trustm provision-setup (certificate made by the test) -> trustm id2-provision ->
 * trustm aes-encrypt checked with the known key on the host; replay refused (exit 3), a newer
 * version through `trustm update` with the fragment stream file; bad command lines.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <mbedtls/aes.h>

#include "pu_chip_fixture.h"
#include "pu_testkeys.h"

static char dir[64];

static int run(const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    char full[2300];
    snprintf(full, sizeof full, "cd %s && %s >out.txt 2>err.txt", dir, cmd);
    int st = system(full);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void slurp(const char *name, char *buf, size_t size)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(buf, 1, size - 1, f);
    buf[n] = 0;
    fclose(f);
}

static void write_file(const char *name, const void *b, size_t n)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, n, f), n);
    fclose(f);
}

static void expect_aes(const uint8_t key[16])
{
    static const uint8_t block[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    uint8_t host[16];
    mbedtls_aes_context a;
    mbedtls_aes_init(&a);
    assert_int_equal(mbedtls_aes_setkey_enc(&a, key, 128), 0);
    assert_int_equal(mbedtls_aes_crypt_ecb(&a, MBEDTLS_AES_ENCRYPT, block, host), 0);
    mbedtls_aes_free(&a);
    assert_int_equal(
        run("%s -d sim:chip.state aes-encrypt --mode ecb --data 000102030405060708090a0b0c0d0e0f --hex", TRUSTM_BIN),
        0);
    char out[256], want[40];
    slurp("out.txt", out, sizeof out);
    for (int i = 0; i < 16; i++)
        snprintf(want + 2 * i, 3, "%02x", host[i]);
    assert_non_null(strstr(out, want));
}

static void test_cli_id2_flow(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/pu-chip-cli-XXXXXX");
    assert_non_null(mkdtemp(dir));
    pcf_signer_t s;
    assert_int_equal(pcf_signer_init(&s, "rsa1024", "cli signer"), 0);
    char path[128];
    snprintf(path, sizeof path, "%s/signer.pem", dir);
    assert_int_equal(pt_write_pem(&s.pk, path), 0);
    write_file("signer.der", s.cert, s.cert_len);
    static const uint8_t k1[16] = {0x10, 0x21, 0x32, 0x43, 0x54, 0x65, 0x76, 0x87,
                                   0x98, 0xA9, 0xBA, 0xCB, 0xDC, 0xED, 0xFE, 0x0F};
    static const uint8_t k2[16] = {0xFF, 0xEE, 0xDD, 0xCC, 0xBB, 0xAA, 0x99, 0x88,
                                   0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0x00};
    write_file("k1.txt", "102132435465768798A9BACBDCEDFE0F\n", 33);
    write_file("k2.txt", "FFEEDDCCBBAA99887766554433221100\n", 33);

    assert_int_equal(run("%s init --state chip.state --seed 9", TRUSTM_SIM_BIN), 0);
    assert_int_equal(run("mkdir -p ds1 && %s payload_version=3 trust_anchor_oid=E0E3 target_oid=E200 "
                         "sign_algo=RSA-SSA-PKCS1-V1_5-SHA-256 priv_key=signer.pem payload_type=key key_algo=129 "
                         "key_usage=02 key_data=k1.txt --out-dir=ds1 --format=none",
                         PROTUPD_BIN),
                     0);
    /* before the setup the chip refuses (E200 change NEV): exit 3 */
    assert_int_equal(
        run("%s -d sim:chip.state update --manifest ds1/manifest.bin --fragment ds1/fragment_01.bin", TRUSTM_BIN), 3);
    assert_int_equal(run("%s -d sim:chip.state provision-setup --cert signer.der --target E200", TRUSTM_BIN), 0);
    char out[1024];
    slurp("out.txt", out, sizeof out);
    assert_non_null(strstr(out, "E200: change = Int(E0E3), version 0"));
    assert_int_equal(run("%s -d sim:chip.state id2-provision --device-id 000102030405060708090A0B "
                         "--manifest ds1/manifest.bin --fragment ds1/fragment_01.bin",
                         TRUSTM_BIN),
                     0);
    expect_aes(k1);
    assert_int_equal(run("%s -d sim:chip.state read F1D0 --hex", TRUSTM_BIN), 0);
    slurp("out.txt", out, sizeof out);
    assert_non_null(strstr(out, "000102030405060708090a0b"));
    /* replay: payload version not newer */
    assert_int_equal(
        run("%s -d sim:chip.state update --manifest ds1/manifest.bin --fragment ds1/fragment_01.bin", TRUSTM_BIN), 3);
    slurp("err.txt", out, sizeof out);
    assert_non_null(strstr(out, "0x10"));
    /* version 4 as manifest + fragment stream files */
    assert_int_equal(run("%s payload_version=4 trust_anchor_oid=E0E3 target_oid=E200 "
                         "sign_algo=RSA-SSA-PKCS1-V1_5-SHA-256 priv_key=signer.pem payload_type=key key_algo=129 "
                         "key_usage=02 key_data=k2.txt --out-manifest=m2.bin --out-fragments=f2.bin --format=none",
                         PROTUPD_BIN),
                     0);
    assert_int_equal(run("%s -d sim:chip.state update --manifest m2.bin --fragment f2.bin", TRUSTM_BIN), 0);
    expect_aes(k2);

    /* bad command lines and files */
    assert_int_equal(run("%s -d sim:chip.state update --fragment f2.bin", TRUSTM_BIN), 1);
    assert_int_equal(run("%s -d sim:chip.state update --manifest nosuch.bin --fragment f2.bin", TRUSTM_BIN), 4);
    assert_int_equal(run("%s -d sim:chip.state update --manifest k1.txt --fragment f2.bin", TRUSTM_BIN), 4);
    assert_int_equal(
        run("%s -d sim:chip.state id2-provision --device-id 0102 --manifest m2.bin --fragment f2.bin", TRUSTM_BIN), 1);
    assert_int_equal(run("%s -d sim:chip.state provision-setup --cert k1.txt --target E200", TRUSTM_BIN), 4);
    assert_int_equal(run("%s -d sim:chip.state provision-setup", TRUSTM_BIN), 1);
    assert_int_equal(run("%s -d sim:chip.state provision-setup --bogus", TRUSTM_BIN), 1);
    expect_aes(k2);

    /* the seed's whole flow on a new chip: setup + ID2 + key in one command, replayable */
    assert_int_equal(run("%s init --state chip.state --seed 10 --force", TRUSTM_SIM_BIN), 0);
    for (int k = 0; k < 2; k++)
        assert_int_equal(run("%s -d sim:chip.state id2-provision --device-id 0A0B0C0D0E0F101112131415 "
                             "--cert signer.der --key aes --manifest ds1/manifest.bin --fragment ds1/fragment_01.bin",
                             TRUSTM_BIN),
                         0);
    expect_aes(k1);
    assert_int_equal(run("%s -d sim:chip.state id2-provision --device-id 0A0B0C0D0E0F101112131415 "
                         "--cert signer.der --manifest ds1/manifest.bin --fragment ds1/fragment_01.bin",
                         TRUSTM_BIN),
                     1);

    pcf_signer_free(&s);
    char rm[128];
    snprintf(rm, sizeof rm, "rm -rf %s", dir);
    assert_int_equal(system(rm), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cli_id2_flow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
