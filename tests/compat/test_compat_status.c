/*
 * Status-code mapping (trustm -> vendor codes), the instance pool, the up-front argument checks
 * and the one-shot protection level of the compatibility layer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "compat_platform.h"
#include "compat_vt.h"
/* The Trust M v5.x include layout resolves to the same headers. */
#include "optiga_crypt.h"
#include "optiga_util.h"
#include "optiga/trustm_compat.h"
#include "trustm/trustm.h"

#define ST(l, b) TRUSTM_STATUS(TRUSTM_LAYER_##l, TRUSTM_BASE_##b)

static void test_vendor_code_values(void **state)
{
    (void)state;
    /* Values application code compares against (host-api.md §2). */
    assert_int_equal(OPTIGA_LIB_SUCCESS, 0x0000);
    assert_int_equal(OPTIGA_LIB_BUSY, 0x0001);
    assert_int_equal(OPTIGA_DEVICE_ERROR, 0x8000);
    assert_int_equal(OPTIGA_COMMS_ERROR, 0x0102);
    assert_int_equal(OPTIGA_COMMS_ERROR_SESSION, 0x0108);
    assert_int_equal(OPTIGA_CMD_ERROR_MEMORY_INSUFFICIENT, 0x0204);
    assert_int_equal(OPTIGA_UTIL_ERROR_INSTANCE_IN_USE, 0x0305);
    assert_int_equal(OPTIGA_CRYPT_ERROR_INSTANCE_IN_USE, 0x0405);
    assert_int_equal(sizeof(optiga_lib_status_t), 2);
    assert_int_equal(sizeof(bool_t), 1);
    /* enumerations carry the on-wire values */
    assert_int_equal(OPTIGA_KEY_ID_SECRET_BASED, 0xE200);
    assert_int_equal(OPTIGA_RSA_KEY_2048_BIT_EXPONENTIAL, 0x42);
    assert_int_equal(OPTIGA_SYMMETRIC_CMAC, 0x0B);
    assert_int_equal(OPTIGA_HKDF_SHA_512, 0x0A);
    assert_int_equal(OPTIGA_HASH_CONTEXT_LENGTH_SHA_256, 209);
    assert_int_equal(OPTIGA_RSAES_PKCS1_V15, 0x11);
}

static void test_map_success_and_device(void **state)
{
    (void)state;
    assert_int_equal(trustm_compat_status(TRUSTM_OK, 0), OPTIGA_LIB_SUCCESS);
    assert_int_equal(trustm_compat_status(TRUSTM_IN_PROGRESS, 1), OPTIGA_LIB_BUSY);
    assert_int_equal(trustm_compat_status(TRUSTM_DEVICE_ERR(0x07), 0), 0x8007);
    assert_int_equal(trustm_compat_status(TRUSTM_DEVICE_ERR(0x2F), 1), 0x802F);
    assert_int_equal(trustm_compat_status(TRUSTM_DEVICE_ERR(0x0B), 1), OPTIGA_DEVICE_ERROR | 0x0B);
    /* last error unreadable: DEVICE_ERR(0) is still a device error */
    assert_int_equal(trustm_compat_status(TRUSTM_DEVICE_ERR(0), 0), 0x8000);
}

static void test_map_comms(void **state)
{
    (void)state;
    /* Every link-layer failure is in the 0x01nn range (the ID2 adapter tests (s & 0xFF00) == 0x0100). */
    assert_int_equal(trustm_compat_status(TRUSTM_PAL_NACK, 0), OPTIGA_COMMS_ERROR);
    assert_int_equal(trustm_compat_status(TRUSTM_PAL_IO, 1), OPTIGA_COMMS_ERROR);
    assert_int_equal(trustm_compat_status(ST(DL, CRC), 0), OPTIGA_COMMS_ERROR);
    assert_int_equal(trustm_compat_status(ST(PHY, TIMEOUT), 0), OPTIGA_COMMS_ERROR);
    assert_int_equal(trustm_compat_status(ST(DL, FAILED), 0), OPTIGA_COMMS_ERROR_FATAL);
    assert_int_equal(trustm_compat_status(ST(DL, DESYNC), 1), OPTIGA_COMMS_ERROR_FATAL);
    assert_int_equal(trustm_compat_status(ST(TL, BUFFER_TOO_SMALL), 0), OPTIGA_COMMS_ERROR_MEMORY_INSUFFICIENT);
    assert_int_equal(trustm_compat_status(ST(TL, BAD_PARAM), 0), OPTIGA_COMMS_ERROR_INVALID_INPUT);
    assert_int_equal(trustm_compat_status(ST(PL, AUTH_FAILED), 0), OPTIGA_COMMS_ERROR_SESSION);
    assert_int_equal(trustm_compat_status(ST(SIM, IO), 0) & 0xFF00u, 0x0100u);
}

static void test_map_cmd_and_api(void **state)
{
    (void)state;
    assert_int_equal(trustm_compat_status(ST(CMD, BAD_RESPONSE), 0), OPTIGA_CMD_ERROR);
    assert_int_equal(trustm_compat_status(ST(CMD, BUFFER_TOO_SMALL), 1), OPTIGA_CMD_ERROR_MEMORY_INSUFFICIENT);
    assert_int_equal(trustm_compat_status(ST(CMD, BAD_PARAM), 1), OPTIGA_CMD_ERROR_INVALID_INPUT);
    /* caller's buffer too small -> 0x0204 in both layers */
    assert_int_equal(trustm_compat_status(ST(API, BUFFER_TOO_SMALL), 0), 0x0204);
    assert_int_equal(trustm_compat_status(ST(API, BUFFER_TOO_SMALL), 1), 0x0204);
    /* argument errors are reported in the caller's layer */
    assert_int_equal(trustm_compat_status(ST(API, BAD_PARAM), 0), OPTIGA_UTIL_ERROR_INVALID_INPUT);
    assert_int_equal(trustm_compat_status(ST(API, BAD_PARAM), 1), OPTIGA_CRYPT_ERROR_INVALID_INPUT);
    assert_int_equal(trustm_compat_status(ST(API, BAD_SEQUENCE), 1), OPTIGA_CMD_ERROR_INVALID_INPUT);
    assert_int_equal(trustm_compat_status(ST(API, NOT_FOUND), 1), OPTIGA_CMD_ERROR);
    assert_int_equal(trustm_compat_status(ST(API, NOT_SUPPORTED), 0), OPTIGA_UTIL_ERROR);
    assert_int_equal(trustm_compat_status(ST(API, NOT_SUPPORTED), 1), OPTIGA_CRYPT_ERROR);
    assert_int_equal(trustm_compat_status(ST(API, TIMEOUT), 1), OPTIGA_CRYPT_ERROR);
}

static int setup(void **state)
{
    (void)state;
    return compat_platform_up(NULL, NULL);
}

static int teardown(void **state)
{
    (void)state;
    compat_platform_down();
    return 0;
}

static void test_create_needs_binding_and_handler(void **state)
{
    (void)state;
    assert_null(optiga_util_create(OPTIGA_INSTANCE_ID_0, NULL, &vt_ctx_token));
    assert_null(optiga_crypt_create(0x01, vt_callback, &vt_ctx_token)); /* only instance 0 */
    trustm_compat_reset();                                              /* nothing bound */
    assert_null(optiga_util_create(OPTIGA_INSTANCE_ID_0, vt_callback, &vt_ctx_token));
    assert_int_equal(trustm_compat_bind(NULL, NULL), OPTIGA_UTIL_ERROR_INVALID_INPUT);
}

static void test_pool_holds_six_instances(void **state)
{
    (void)state;
    optiga_util_t *u[3];
    optiga_crypt_t *c[3];
    for (int i = 0; i < 3; i++) {
        u[i] = optiga_util_create(OPTIGA_INSTANCE_ID_0, vt_callback, &vt_ctx_token);
        c[i] = optiga_crypt_create(OPTIGA_INSTANCE_ID_0, vt_callback, &vt_ctx_token);
        assert_non_null(u[i]);
        assert_non_null(c[i]);
    }
    assert_null(optiga_util_create(OPTIGA_INSTANCE_ID_0, vt_callback, &vt_ctx_token));
    assert_null(optiga_crypt_create(OPTIGA_INSTANCE_ID_0, vt_callback, &vt_ctx_token));
    /* a util pointer is not a crypt instance */
    assert_int_equal(optiga_crypt_destroy((optiga_crypt_t *)(void *)u[0]), OPTIGA_CRYPT_ERROR_INVALID_INPUT);
    assert_int_equal(optiga_util_destroy(u[1]), OPTIGA_LIB_SUCCESS);
    assert_int_equal(optiga_util_destroy(u[1]), OPTIGA_UTIL_ERROR_INVALID_INPUT); /* already freed */
    optiga_crypt_t *again = optiga_crypt_create(OPTIGA_INSTANCE_ID_0, vt_callback, &vt_ctx_token);
    assert_non_null(again);
    /* rebinding another device while instances exist is refused */
    static trustm_device_t other;
    assert_int_equal(trustm_compat_bind(&other, NULL), OPTIGA_UTIL_ERROR_INSTANCE_IN_USE);
}

static void drive(void)
{
    uint64_t next = 0;
    for (int i = 0; i < 1000000 && trustm_compat_event_process(&next); i++) {
        uint64_t now = compat_platform_now_us();
        compat_platform_sleep_us(next > now ? (uint32_t)(next - now) : 1u);
    }
}

static void test_instance_in_use_while_in_flight(void **state)
{
    (void)state;
    optiga_crypt_t *c = optiga_crypt_create(OPTIGA_INSTANCE_ID_0, vt_callback, &vt_ctx_token);
    optiga_util_t *u = optiga_util_create(OPTIGA_INSTANCE_ID_0, vt_callback, &vt_ctx_token);
    assert_non_null(c);
    assert_non_null(u);
    assert_int_equal(trustm_compat_set_deferred(1), OPTIGA_LIB_SUCCESS);
    vt_begin_();
    assert_int_equal(optiga_util_open_application(u, 0), OPTIGA_LIB_SUCCESS);
    drive();
    assert_int_equal(vt_cb.calls, 1);
    assert_int_equal(vt_cb.status, OPTIGA_LIB_SUCCESS);
    uint8_t r[16];
    vt_begin_();
    assert_int_equal(optiga_crypt_random(c, OPTIGA_RNG_TYPE_TRNG, r, sizeof r), OPTIGA_LIB_SUCCESS);
    assert_int_equal(vt_cb.calls, 0);
    assert_int_equal(optiga_crypt_random(c, OPTIGA_RNG_TYPE_TRNG, r, sizeof r), OPTIGA_CRYPT_ERROR_INSTANCE_IN_USE);
    assert_int_equal(optiga_crypt_destroy(c), OPTIGA_CRYPT_ERROR_INSTANCE_IN_USE);
    assert_int_equal(trustm_compat_set_deferred(0), OPTIGA_CMD_ERROR);
    drive();
    assert_int_equal(vt_cb.calls, 1);
    assert_int_equal(vt_cb.status, OPTIGA_LIB_SUCCESS);
    assert_int_equal(optiga_crypt_destroy(c), OPTIGA_LIB_SUCCESS);
    assert_int_equal(trustm_compat_set_deferred(0), OPTIGA_LIB_SUCCESS);
}

static void test_argument_checks_are_synchronous(void **state)
{
    (void)state;
    optiga_util_t *u = optiga_util_create(OPTIGA_INSTANCE_ID_0, vt_callback, &vt_ctx_token);
    optiga_crypt_t *c = optiga_crypt_create(OPTIGA_INSTANCE_ID_0, vt_callback, &vt_ctx_token);
    assert_non_null(u);
    assert_non_null(c);
    uint8_t buf[16];
    uint16_t len = sizeof buf;
    uint32_t len32 = sizeof buf;
    assert_int_equal(VT(optiga_util_read_data(NULL, 0xE0C2, 0, buf, &len)), OPTIGA_UTIL_ERROR_INVALID_INPUT);
    assert_int_equal(VT(optiga_util_read_data(u, 0xE0C2, 0, NULL, &len)), OPTIGA_UTIL_ERROR_INVALID_INPUT);
    assert_int_equal(VT(optiga_util_write_data(u, 0xF1D0, 0x41, 0, buf, 4)), OPTIGA_UTIL_ERROR_INVALID_INPUT);
    assert_int_equal(VT(optiga_util_open_application((optiga_util_t *)(void *)c, 0)), OPTIGA_UTIL_ERROR_INVALID_INPUT);
    assert_int_equal(VT(optiga_crypt_random(c, OPTIGA_RNG_TYPE_TRNG, NULL, 8)), OPTIGA_CRYPT_ERROR_INVALID_INPUT);
    assert_int_equal(VT(optiga_crypt_hash(c, (optiga_hash_type_t)0xE3, OPTIGA_CRYPT_HOST_DATA, buf, buf)),
                     OPTIGA_CRYPT_ERROR_INVALID_INPUT);
    assert_int_equal(VT(optiga_crypt_symmetric_encrypt_ecb(c, OPTIGA_KEY_ID_SECRET_BASED, buf, 16, NULL, &len32)),
                     OPTIGA_CRYPT_ERROR_INVALID_INPUT);
    /* pre-master secret: optional + 8 <= total, optional <= 58 */
    assert_int_equal(VT(optiga_crypt_rsa_generate_pre_master_secret(c, buf, 10, 17)), OPTIGA_CRYPT_ERROR_INVALID_INPUT);
    /* auth code: random >= 8, optional + random <= 66 */
    assert_int_equal(VT(optiga_crypt_generate_auth_code(c, OPTIGA_RNG_TYPE_TRNG, NULL, 0, buf, 7)),
                     OPTIGA_CRYPT_ERROR_INVALID_INPUT);
    static uint8_t big[80];
    assert_int_equal(VT(optiga_crypt_generate_auth_code(c, OPTIGA_RNG_TYPE_TRNG, big, 10, big + 10, 60)),
                     OPTIGA_CRYPT_ERROR_INVALID_INPUT);
    /* TLS PRF needs a seed */
    assert_int_equal(VT(optiga_crypt_tls_prf_sha256(c, 0xF1D1, buf, 4, NULL, 0, 32, TRUE, big)),
                     OPTIGA_CRYPT_ERROR_INVALID_INPUT);
    /* operations that use the session fail at once when the instance holds none */
    assert_int_equal(VT(optiga_crypt_rsa_sign(c, OPTIGA_RSASSA_PKCS1_V15_SHA256, big, 32, OPTIGA_KEY_ID_SESSION_BASED,
                                              big, &len, 0)),
                     OPTIGA_CMD_ERROR_INVALID_INPUT);
    assert_int_equal(VT(optiga_crypt_hmac(c, OPTIGA_HMAC_SHA_256, 0x0000, buf, 4, big, &len32)),
                     OPTIGA_CMD_ERROR_INVALID_INPUT);
    assert_int_equal(VT(optiga_crypt_hmac_verify(c, OPTIGA_HMAC_SHA_256, 0xF1D2, buf, 4, big, 32)),
                     OPTIGA_CMD_ERROR_INVALID_INPUT);
    assert_int_equal(VT(optiga_crypt_tls_prf_sha256(c, 0x0000, buf, 4, buf, 4, 32, TRUE, big)),
                     OPTIGA_CMD_ERROR_INVALID_INPUT);
    /* continue/final without start */
    assert_int_equal(VT(optiga_crypt_symmetric_encrypt_continue(c, buf, 16, big, &len32)),
                     OPTIGA_CMD_ERROR_INVALID_INPUT);
    assert_int_equal(VT(optiga_crypt_hmac_finalize(c, buf, 4, big, &len32)), OPTIGA_CMD_ERROR_INVALID_INPUT);
    assert_int_equal(VT(optiga_util_protected_update_continue(u, big, 64)), OPTIGA_CMD_ERROR_INVALID_INPUT);
    assert_int_equal(VT(optiga_util_protected_update_final(u, NULL, 0)), OPTIGA_CMD_ERROR_INVALID_INPUT);
}

static void test_protection_level_is_one_shot(void **state)
{
    (void)state;
    optiga_util_t *u = optiga_util_create(OPTIGA_INSTANCE_ID_0, vt_callback, &vt_ctx_token);
    assert_non_null(u);
    OPTIGA_UTIL_SET_COMMS_PROTECTION_LEVEL(u, OPTIGA_COMMS_FULL_PROTECTION);
#ifdef OPTIGA_COMMS_SHIELDED_CONNECTION
    /* the macro is real, but this device has no shield: the protected call is refused */
    assert_int_equal(VT(optiga_util_open_application(u, 0)), OPTIGA_UTIL_ERROR);
#endif
    assert_int_equal(VT(optiga_util_open_application(u, 0)), OPTIGA_LIB_SUCCESS);
    optiga_util_set_comms_params(u, OPTIGA_COMMS_PROTECTION_LEVEL, OPTIGA_COMMS_RESPONSE_PROTECTION);
    uint8_t buf[32];
    uint16_t len = sizeof buf;
    /* no Shielded Connection in trustm: the protected call is refused ... */
    assert_int_equal(VT(optiga_util_read_data(u, 0xE0C2, 0, buf, &len)), OPTIGA_UTIL_ERROR);
    /* ... and the level was reset to the default after the call */
    len = sizeof buf;
    assert_int_equal(VT(optiga_util_read_data(u, 0xE0C2, 0, buf, &len)), OPTIGA_LIB_SUCCESS);
    assert_int_equal(len, 27);
    assert_int_equal(trustm_compat_last_status(u), TRUSTM_OK);
}

static void test_last_status_keeps_trustm_detail(void **state)
{
    (void)state;
    optiga_util_t *u = optiga_util_create(OPTIGA_INSTANCE_ID_0, vt_callback, &vt_ctx_token);
    assert_non_null(u);
    assert_int_equal(VT(optiga_util_open_application(u, 0)), OPTIGA_LIB_SUCCESS);
    uint8_t buf[4];
    uint16_t len = sizeof buf;
    /* metadata of E0C2 does not fit 4 bytes: 0x0204 to the application, API detail kept */
    assert_int_equal(VT(optiga_util_read_metadata(u, 0xE0C2, buf, &len)), OPTIGA_CMD_ERROR_MEMORY_INSUFFICIENT);
    assert_int_equal(len, 0);
    assert_int_equal(TRUSTM_STATUS_BASE(trustm_compat_last_status(u)), TRUSTM_BASE_BUFFER_TOO_SMALL);
    assert_int_equal(trustm_compat_last_status(NULL), TRUSTM_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vendor_code_values),
        cmocka_unit_test(test_map_success_and_device),
        cmocka_unit_test(test_map_comms),
        cmocka_unit_test(test_map_cmd_and_api),
        cmocka_unit_test_setup_teardown(test_create_needs_binding_and_handler, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pool_holds_six_instances, setup, teardown),
        cmocka_unit_test_setup_teardown(test_instance_in_use_while_in_flight, setup, teardown),
        cmocka_unit_test_setup_teardown(test_argument_checks_are_synchronous, setup, teardown),
        cmocka_unit_test_setup_teardown(test_protection_level_is_one_shot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_last_status_keeps_trustm_detail, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
