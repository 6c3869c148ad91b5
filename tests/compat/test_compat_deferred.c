/*
 * Deferred execution mode: calls start trustm's non-blocking operations and return; the
 * callback fires from trustm_compat_event_process() (or from pal_os_timer_delay_in_milliseconds,
 * which drives it while waiting). Ordering between instances, instance-in-use, and the
 * unchanged acceptance application in this mode, checked with mbedTLS.
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
#include "optiga/optiga_crypt.h"
#include "optiga/optiga_util.h"
#include "optiga/trustm_compat.h"

static const uint8_t aes_key[16] = {0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
                                    0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f};

/* Completion log: which instance (by context tag) completed with which status, in order. */
static struct {
    int n;
    int who[16];
    optiga_lib_status_t st[16];
} LOG;

static void cb(void *ctx, optiga_lib_status_t st)
{
    if (LOG.n < 16) {
        LOG.who[LOG.n] = *(const int *)ctx;
        LOG.st[LOG.n] = st;
    }
    LOG.n++;
}

static const int TAG_U = 1, TAG_C = 2;

static int setup(void **state)
{
    (void)state;
    memset(&LOG, 0, sizeof LOG);
    compat_platform_opts_t o = {aes_key, sizeof aes_key, NULL, NULL};
    if (compat_platform_up(&o, NULL) != 0)
        return -1;
    return trustm_compat_set_deferred(1) == OPTIGA_LIB_SUCCESS ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    compat_platform_down();
    return 0;
}

/* The platform's event loop: process until nothing is in flight, sleeping until the deadline. */
static void run_events(void)
{
    uint64_t next = 0;
    for (int i = 0; i < 1000000 && trustm_compat_event_process(&next); i++) {
        uint64_t now = compat_platform_now_us();
        compat_platform_sleep_us(next > now ? (uint32_t)(next - now) : 1u);
    }
}

static void test_callback_comes_from_event_processing(void **state)
{
    (void)state;
    optiga_util_t *u = optiga_util_create(OPTIGA_INSTANCE_ID_0, cb, (void *)&TAG_U);
    assert_non_null(u);
    assert_int_equal(optiga_util_open_application(u, 0), OPTIGA_LIB_SUCCESS);
    assert_int_equal(LOG.n, 0); /* accepted, not completed */
    /* the instance is busy until then */
    assert_int_equal(optiga_util_destroy(u), OPTIGA_UTIL_ERROR_INSTANCE_IN_USE);
    uint8_t uid[32];
    uint16_t len = sizeof uid;
    assert_int_equal(optiga_util_read_data(u, 0xE0C2, 0, uid, &len), OPTIGA_UTIL_ERROR_INSTANCE_IN_USE);
    assert_int_equal(trustm_compat_set_deferred(0), OPTIGA_CMD_ERROR); /* not while in flight */
    run_events();
    assert_int_equal(LOG.n, 1);
    assert_int_equal(LOG.st[0], OPTIGA_LIB_SUCCESS);

    assert_int_equal(optiga_util_read_data(u, 0xE0C2, 0, uid, &len), OPTIGA_LIB_SUCCESS);
    assert_int_equal(len, sizeof uid); /* output not written before completion */
    run_events();
    assert_int_equal(LOG.n, 2);
    assert_int_equal(LOG.st[1], OPTIGA_LIB_SUCCESS);
    assert_int_equal(len, 27);
    assert_int_equal(trustm_compat_event_process(NULL), 0); /* nothing in flight */
    assert_int_equal(optiga_util_destroy(u), OPTIGA_LIB_SUCCESS);
}

static void test_requests_of_two_instances_complete_in_order(void **state)
{
    (void)state;
    optiga_util_t *u = optiga_util_create(OPTIGA_INSTANCE_ID_0, cb, (void *)&TAG_U);
    optiga_crypt_t *c = optiga_crypt_create(OPTIGA_INSTANCE_ID_0, cb, (void *)&TAG_C);
    assert_non_null(u);
    assert_non_null(c);
    assert_int_equal(optiga_util_open_application(u, 0), OPTIGA_LIB_SUCCESS);
    run_events();
    uint8_t pt[16], ct[16], want[16], rnd[16];
    for (unsigned i = 0; i < sizeof pt; i++)
        pt[i] = (uint8_t)i;
    uint32_t ct_len = sizeof ct;
    LOG.n = 0;
    assert_int_equal(optiga_crypt_symmetric_encrypt_ecb(c, OPTIGA_KEY_ID_SECRET_BASED, pt, 16, ct, &ct_len),
                     OPTIGA_LIB_SUCCESS);
    assert_int_equal(LOG.n, 0);
    /* a request of another instance first completes the one in flight */
    uint16_t len = 4;
    uint8_t b[4];
    assert_int_equal(optiga_util_read_data(u, 0xE0C2, 0, b, &len), OPTIGA_LIB_SUCCESS);
    assert_int_equal(LOG.n, 1);
    assert_int_equal(LOG.who[0], TAG_C);
    assert_int_equal(LOG.st[0], OPTIGA_LIB_SUCCESS);
    assert_int_equal(check_aes_ecb(aes_key, sizeof aes_key, pt, 16, want), 0);
    assert_int_equal(ct_len, 16);
    assert_memory_equal(ct, want, 16);
    run_events();
    assert_int_equal(LOG.n, 2);
    assert_int_equal(LOG.who[1], TAG_U);
    assert_int_equal(len, 4);
    /* chip errors arrive through the callback as in the synchronous mode */
    assert_int_equal(optiga_crypt_random(c, OPTIGA_RNG_TYPE_TRNG, rnd, sizeof rnd), OPTIGA_LIB_SUCCESS);
    run_events();
    assert_int_equal(LOG.st[2], OPTIGA_LIB_SUCCESS);
    len = sizeof b;
    assert_int_equal(optiga_util_read_data(u, 0x1234, 0, b, &len), OPTIGA_LIB_SUCCESS);
    run_events();
    assert_int_equal(LOG.n, 4);
    assert_int_equal(LOG.st[3], 0x8001);
    assert_int_equal(len, 0);
}

static void test_vendor_app_unchanged_in_deferred_mode(void **state)
{
    (void)state;
    /* compat_app.c waits with pal_os_timer_delay_in_milliseconds(1), which drives the events */
    static compat_app_result_t r;
    int rc = compat_app_run(&r);
    if (rc != 0)
        print_error("step %d failed with status 0x%04X\n", r.failed_step, r.failed_status);
    assert_int_equal(rc, 0);
    uint8_t want[32];
    assert_int_equal(check_aes_ecb(aes_key, sizeof aes_key, r.plain, sizeof r.plain, want), 0);
    assert_memory_equal(r.cipher, want, sizeof want);
    assert_int_equal(r.uid_len, COMPAT_UID_SIZE);
    assert_int_equal(check_rsa_verify(r.public_key, r.public_key_len, r.digest, r.signature, r.signature_len), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_callback_comes_from_event_processing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_requests_of_two_instances_complete_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vendor_app_unchanged_in_deferred_mode, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
