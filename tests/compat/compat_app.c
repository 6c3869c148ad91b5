/*
 * compat_app.c - vendor-API application used by the acceptance test. It includes nothing but
 * the vendor header names and follows the vendor programming pattern: create instances with a
 * callback, set a volatile status to BUSY, call, spin until the callback changes it.
 */
#include "compat_app.h"

#include <string.h>

#include "optiga/optiga_crypt.h"
#include "optiga/optiga_util.h"
#include "optiga/pal/pal_os_timer.h"

static volatile optiga_lib_status_t optiga_lib_status;

static void optiga_lib_callback(void *context, optiga_lib_status_t return_status)
{
    (void)context;
    optiga_lib_status = return_status;
}

/* Spin until the callback fired (bounded so that a lost callback fails instead of hanging). */
static optiga_lib_status_t wait_done(optiga_lib_status_t accepted)
{
    uint32_t spins = 0;
    if (accepted != OPTIGA_LIB_SUCCESS)
        return accepted;
    while (optiga_lib_status == OPTIGA_LIB_BUSY) {
        pal_os_timer_delay_in_milliseconds(1);
        if (++spins > 100000u)
            return OPTIGA_CMD_ERROR;
    }
    return optiga_lib_status;
}

#define STEP(n, call)                                                                                                  \
    do {                                                                                                               \
        optiga_lib_status = OPTIGA_LIB_BUSY;                                                                           \
        optiga_lib_status_t rs_ = wait_done(call);                                                                     \
        if (rs_ != OPTIGA_LIB_SUCCESS) {                                                                               \
            r->failed_step = (n);                                                                                      \
            r->failed_status = rs_;                                                                                    \
            goto out;                                                                                                  \
        }                                                                                                              \
    } while (0)

int compat_app_run(compat_app_result_t *r)
{
    optiga_util_t *me_util = NULL;
    optiga_crypt_t *me_crypt = NULL;
    memset(r, 0, sizeof *r);

    me_util = optiga_util_create(OPTIGA_INSTANCE_ID_0, optiga_lib_callback, NULL);
    me_crypt = optiga_crypt_create(OPTIGA_INSTANCE_ID_0, optiga_lib_callback, NULL);
    if (me_util == NULL || me_crypt == NULL) {
        r->failed_step = 1;
        goto out;
    }

    STEP(2, optiga_util_open_application(me_util, 0));

    r->uid_len = sizeof r->uid;
    STEP(3, optiga_util_read_data(me_util, 0xE0C2, 0x0000, r->uid, &r->uid_len));

    for (unsigned i = 0; i < sizeof r->plain; i++)
        r->plain[i] = (uint8_t)(0xA0u + i);
    r->cipher_len = sizeof r->cipher;
    STEP(4, optiga_crypt_symmetric_encrypt_ecb(me_crypt, OPTIGA_KEY_ID_SECRET_BASED, r->plain, sizeof r->plain,
                                               r->cipher, &r->cipher_len));

    optiga_key_id_t key = OPTIGA_KEY_ID_E0FC;
    r->public_key_len = sizeof r->public_key;
    STEP(5, optiga_crypt_rsa_generate_keypair(me_crypt, OPTIGA_RSA_KEY_1024_BIT_EXPONENTIAL,
                                              (uint8_t)OPTIGA_KEY_USAGE_SIGN, FALSE, &key, r->public_key,
                                              &r->public_key_len));

    static const uint8_t message[] = "message signed through the vendor API";
    hash_data_from_host_t hd = {message, (uint32_t)(sizeof message - 1u)};
    STEP(6, optiga_crypt_hash(me_crypt, OPTIGA_HASH_TYPE_SHA_256, OPTIGA_CRYPT_HOST_DATA, &hd, r->digest));

    r->signature_len = sizeof r->signature;
    STEP(7, optiga_crypt_rsa_sign(me_crypt, OPTIGA_RSASSA_PKCS1_V15_SHA256, r->digest, sizeof r->digest,
                                  OPTIGA_KEY_ID_E0FC, r->signature, &r->signature_len, 0x0000));

    STEP(8, optiga_util_close_application(me_util, 0));

out:
    if (me_crypt != NULL && optiga_crypt_destroy(me_crypt) != OPTIGA_LIB_SUCCESS && r->failed_step == 0)
        r->failed_step = 9;
    if (me_util != NULL && optiga_util_destroy(me_util) != OPTIGA_LIB_SUCCESS && r->failed_step == 0)
        r->failed_step = 9;
    return r->failed_step == 0 ? 0 : -1;
}
