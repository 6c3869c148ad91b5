/*
 * Acceptance: a program written against the vendor API (compat_app.c) runs
 * against the in-process simulator; its results are checked independently with mbedTLS.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "compat_app.h"
#include "compat_check.h"
#include "compat_platform.h"

static const uint8_t aes_key[16] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                                    0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f};

static int setup(void **state)
{
    (void)state;
    compat_platform_opts_t o = {aes_key, sizeof aes_key, NULL, NULL};
    return compat_platform_up(&o, NULL);
}

static int teardown(void **state)
{
    (void)state;
    compat_platform_down();
    return 0;
}

static void test_vendor_app_runs_against_simulator(void **state)
{
    (void)state;
    static compat_app_result_t r;
    int rc = compat_app_run(&r);
    if (rc != 0)
        print_error("step %d failed with status 0x%04X\n", r.failed_step, r.failed_status);
    assert_int_equal(rc, 0);

    /* UID E0C2: 27 bytes, the simulator's. */
    assert_int_equal(r.uid_len, COMPAT_UID_SIZE);

    /* AES-ECB with the provisioned key, computed on the host. */
    uint8_t want[32];
    assert_int_equal(check_aes_ecb(aes_key, sizeof aes_key, r.plain, sizeof r.plain, want), 0);
    assert_int_equal(r.cipher_len, sizeof want);
    assert_memory_equal(r.cipher, want, sizeof want);

    /* Digest computed on the chip equals the host's; signature verifies with the exported key. */
    static const uint8_t message[] = "message signed through the vendor API";
    uint8_t d[32];
    check_sha256(message, sizeof message - 1u, d);
    assert_memory_equal(r.digest, d, sizeof d);
    assert_int_equal(r.signature_len, 128);
    assert_int_equal(check_rsa_verify(r.public_key, r.public_key_len, r.digest, r.signature, r.signature_len), 0);
    /* A modified signature must not verify (the check is real). */
    r.signature[5] ^= 0x01u;
    assert_int_not_equal(check_rsa_verify(r.public_key, r.public_key_len, r.digest, r.signature, r.signature_len), 0);
}

static void test_uid_matches_chip(void **state)
{
    (void)state;
    compat_platform_down();
    uint8_t uid[COMPAT_UID_SIZE];
    compat_platform_opts_t o = {aes_key, sizeof aes_key, NULL, NULL};
    assert_int_equal(compat_platform_up(&o, uid), 0);
    static compat_app_result_t r;
    assert_int_equal(compat_app_run(&r), 0);
    assert_int_equal(r.uid_len, COMPAT_UID_SIZE);
    assert_memory_equal(r.uid, uid, COMPAT_UID_SIZE);
}

static void test_without_aes_key_the_chip_error_reaches_the_app(void **state)
{
    (void)state;
    compat_platform_down();
    assert_int_equal(compat_platform_up(NULL, NULL), 0); /* E200 empty */
    static compat_app_result_t r;
    assert_int_not_equal(compat_app_run(&r), 0);
    assert_int_equal(r.failed_step, 4);
    assert_int_equal(r.failed_status & 0xFF00u, 0x8000u); /* OPTIGA_DEVICE_ERROR | code */
    assert_int_not_equal(r.failed_status & 0x00FFu, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_vendor_app_runs_against_simulator, setup, teardown),
        cmocka_unit_test_setup_teardown(test_uid_matches_chip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_without_aes_key_the_chip_error_reaches_the_app, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
