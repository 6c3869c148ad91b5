/*
 * test_compat_vendor_style.c - application code written the way vendor examples and adapters
 * are: _STATIC_H / _STATIC_INLINE helpers, bool_t with TRUE/FALSE, a volatile status flag set by
 * the callback, optiga_lib_status_t throughout.  It must compile unchanged against the compat
 * headers and run against the simulator.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>

#include <cmocka.h>

#include "compat_platform.h"
#include "optiga/optiga_crypt.h"
#include "optiga/optiga_util.h"

static volatile optiga_lib_status_t optiga_lib_status;

_STATIC_H void optiga_callback(void *context, optiga_lib_status_t return_status)
{
    (void)context;
    optiga_lib_status = return_status;
}

_STATIC_INLINE bool_t succeeded(optiga_lib_status_t st)
{
    return st == OPTIGA_LIB_SUCCESS ? TRUE : FALSE;
}

_STATIC_H optiga_lib_status_t wait_for_completion(optiga_lib_status_t started)
{
    if (started != OPTIGA_LIB_SUCCESS)
        return started;
    while (optiga_lib_status == OPTIGA_LIB_BUSY) {
        /* the synchronous default completes inside the call */
    }
    return optiga_lib_status;
}

static void test_vendor_style(void **state)
{
    (void)state;
    assert_int_equal(compat_platform_up(NULL, NULL), 0);
    optiga_util_t *util = optiga_util_create(0, optiga_callback, NULL);
    optiga_crypt_t *crypt = optiga_crypt_create(0, optiga_callback, NULL);
    assert_non_null(util);
    assert_non_null(crypt);
    bool_t restore = FALSE;
    optiga_lib_status = OPTIGA_LIB_BUSY;
    assert_true(succeeded(wait_for_completion(optiga_util_open_application(util, restore))));
    uint8_t rnd[32];
    optiga_lib_status = OPTIGA_LIB_BUSY;
    assert_true(succeeded(wait_for_completion(optiga_crypt_random(crypt, OPTIGA_RNG_TYPE_TRNG, rnd, sizeof rnd))));
    /* a 7-byte request goes to the chip, which refuses it (invalid data: 0x8005) */
    optiga_lib_status = OPTIGA_LIB_BUSY;
    assert_int_equal(wait_for_completion(optiga_crypt_random(crypt, OPTIGA_RNG_TYPE_TRNG, rnd, 7)), 0x8005);
    optiga_lib_status = OPTIGA_LIB_BUSY;
    assert_true(succeeded(wait_for_completion(optiga_util_close_application(util, FALSE))));
    assert_int_equal(optiga_crypt_destroy(crypt), OPTIGA_LIB_SUCCESS);
    assert_int_equal(optiga_util_destroy(util), OPTIGA_LIB_SUCCESS);
    compat_platform_down();
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_vendor_style)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
