/*
 * test_compat_shield.c - vendor-API application code using the Shielded Connection: the
 * pairing use case (read the E140 metadata, skip when already locked, 64 random bytes from the
 * chip, write them to E140 and to the host data store, lock E140), protected calls at every
 * level with the one-shot protection macros, a re-established session, and hibernate with the
 * presentation-layer context saved and restored. Only the vendor headers are used here; the
 * platform (compat_platform.c) gives the device the layer's shield.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "compat_platform.h"
#include "compat_vt.h"
#include "optiga/optiga_crypt.h"
#include "optiga/optiga_util.h"
#include "optiga/pal/pal_os_datastore.h"

static int up(void **state)
{
    (void)state;
    compat_platform_use_shield(1);
    return compat_platform_up(NULL, NULL);
}

static int down(void **state)
{
    (void)state;
    compat_platform_down();
    return 0;
}

/* The pairing procedure of the vendor's use case, written against the vendor API. */
static optiga_lib_status_t pair(optiga_util_t *u, optiga_crypt_t *c)
{
    uint8_t md[64], secret[64];
    uint16_t len = sizeof md;
    optiga_lib_status_t st = VT(optiga_util_read_metadata(u, 0xE140, md, &len));
    if (st != OPTIGA_LIB_SUCCESS)
        return st;
    for (uint16_t i = 2; i + 2 < len; i += (uint16_t)(2u + md[i + 1]))
        if (md[i] == 0xC0 && md[i + 2] >= 0x07)
            return OPTIGA_LIB_SUCCESS; /* already paired and locked */
    OPTIGA_CRYPT_SET_COMMS_PROTECTION_LEVEL(c, OPTIGA_COMMS_RESPONSE_PROTECTION);
    st = VT(optiga_crypt_random(c, OPTIGA_RNG_TYPE_TRNG, secret, sizeof secret));
    if (st != OPTIGA_LIB_SUCCESS)
        return st;
    OPTIGA_UTIL_SET_COMMS_PROTECTION_LEVEL(u, OPTIGA_COMMS_FULL_PROTECTION);
    st = VT(optiga_util_write_data(u, 0xE140, OPTIGA_UTIL_ERASE_AND_WRITE, 0, secret, sizeof secret));
    if (st != OPTIGA_LIB_SUCCESS)
        return st;
    if (pal_os_datastore_write(OPTIGA_PLATFORM_BINDING_SHARED_SECRET_ID, secret, sizeof secret) != PAL_STATUS_SUCCESS)
        return OPTIGA_UTIL_ERROR;
    memset(secret, 0, sizeof secret);
    static const uint8_t lock[] = {0x20, 0x03, 0xC0, 0x01, 0x07};
    return VT(optiga_util_write_metadata(u, 0xE140, lock, sizeof lock));
}

static void test_pairing_and_protected_calls(void **state)
{
    (void)state;
    optiga_util_t *u = optiga_util_create(OPTIGA_INSTANCE_ID_0, vt_callback, &vt_ctx_token);
    optiga_crypt_t *c = optiga_crypt_create(OPTIGA_INSTANCE_ID_0, vt_callback, &vt_ctx_token);
    assert_non_null(u);
    assert_non_null(c);
    assert_int_equal(VT(optiga_util_open_application(u, 0)), OPTIGA_LIB_SUCCESS);
    assert_int_equal(pair(u, c), OPTIGA_LIB_SUCCESS);
    /* after pairing: the new secret on both sides, protected calls at every level */
    uint8_t r[32], uid[27];
    for (uint8_t lv = 0; lv <= OPTIGA_COMMS_FULL_PROTECTION; lv++) {
        OPTIGA_CRYPT_SET_COMMS_PROTECTION_LEVEL(c, lv);
        assert_int_equal(VT(optiga_crypt_random(c, OPTIGA_RNG_TYPE_TRNG, r, sizeof r)), OPTIGA_LIB_SUCCESS);
    }
    OPTIGA_UTIL_SET_COMMS_PROTECTION_LEVEL(u, OPTIGA_COMMS_FULL_PROTECTION | OPTIGA_COMMS_RE_ESTABLISH);
    uint16_t len = sizeof uid;
    assert_int_equal(VT(optiga_util_read_data(u, 0xE0C2, 0, uid, &len)), OPTIGA_LIB_SUCCESS);
    assert_int_equal(len, 27);
    /* locked: E140 can no longer be read, and a second pairing is skipped */
    len = sizeof r;
    assert_int_not_equal(VT(optiga_util_read_data(u, 0xE140, 0, r, &len)), OPTIGA_LIB_SUCCESS);
    assert_int_equal(pair(u, c), OPTIGA_LIB_SUCCESS);
    /* a host secret that no longer matches: the protected call fails, no hang */
    uint8_t wrong[64];
    memset(wrong, 0x5A, sizeof wrong);
    assert_int_equal(pal_os_datastore_write(OPTIGA_PLATFORM_BINDING_SHARED_SECRET_ID, wrong, sizeof wrong),
                     PAL_STATUS_SUCCESS);
    OPTIGA_CRYPT_SET_COMMS_PROTECTION_LEVEL(c, OPTIGA_COMMS_FULL_PROTECTION | OPTIGA_COMMS_RE_ESTABLISH);
    assert_int_not_equal(VT(optiga_crypt_random(c, OPTIGA_RNG_TYPE_TRNG, r, sizeof r)), OPTIGA_LIB_SUCCESS);
    assert_int_equal(optiga_crypt_destroy(c), OPTIGA_LIB_SUCCESS);
    assert_int_equal(optiga_util_destroy(u), OPTIGA_LIB_SUCCESS);
}

static void test_hibernate_keeps_the_session(void **state)
{
    (void)state;
    optiga_util_t *u = optiga_util_create(OPTIGA_INSTANCE_ID_0, vt_callback, &vt_ctx_token);
    optiga_crypt_t *c = optiga_crypt_create(OPTIGA_INSTANCE_ID_0, vt_callback, &vt_ctx_token);
    uint8_t r[16], saved[64];
    assert_int_equal(VT(optiga_util_open_application(u, 0)), OPTIGA_LIB_SUCCESS);
    OPTIGA_CRYPT_SET_COMMS_PROTECTION_LEVEL(c, OPTIGA_COMMS_FULL_PROTECTION);
    assert_int_equal(VT(optiga_crypt_random(c, OPTIGA_RNG_TYPE_TRNG, r, sizeof r)), OPTIGA_LIB_SUCCESS);
    compat_platform_sleep_us(2000000); /* let the security event counter fall to 0 */
    assert_int_equal(VT(optiga_util_close_application(u, 1)), OPTIGA_LIB_SUCCESS);
    uint16_t sl = sizeof saved; /* the saved presentation-layer context is in data store 0x22 */
    assert_int_equal(pal_os_datastore_read(OPTIGA_COMMS_MANAGE_CONTEXT_ID, saved, &sl), PAL_STATUS_SUCCESS);
    assert_int_equal(VT(optiga_util_open_application(u, 1)), OPTIGA_LIB_SUCCESS);
    OPTIGA_CRYPT_SET_COMMS_PROTECTION_LEVEL(c, OPTIGA_COMMS_FULL_PROTECTION);
    assert_int_equal(VT(optiga_crypt_random(c, OPTIGA_RNG_TYPE_TRNG, r, sizeof r)), OPTIGA_LIB_SUCCESS);
    assert_int_equal(optiga_crypt_destroy(c), OPTIGA_LIB_SUCCESS);
    assert_int_equal(optiga_util_destroy(u), OPTIGA_LIB_SUCCESS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_pairing_and_protected_calls, up, down),
        cmocka_unit_test_setup_teardown(test_hibernate_keeps_the_session, up, down),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
