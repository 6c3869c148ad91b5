/* ID2 secure-element adapter on the vendor API (see id2_se.h). Vendor headers only. */
#include "id2_se.h"

#include <stddef.h>

#include "optiga/optiga_crypt.h"
#include "optiga/optiga_util.h"
#include "optiga/pal/pal_os_timer.h"

static optiga_util_t *se_util;
static optiga_crypt_t *se_crypt;
static int se_ready;
static volatile optiga_lib_status_t se_status;

static void se_callback(void *ctx, optiga_lib_status_t st)
{
    (void)ctx;
    se_status = st;
}

static optiga_lib_status_t se_wait(optiga_lib_status_t accepted)
{
    if (accepted != OPTIGA_LIB_SUCCESS)
        return accepted;
    while (se_status == OPTIGA_LIB_BUSY) {
        /* completion is signalled by the callback */
    }
    return se_status;
}

#define SE_CALL(x) (se_status = OPTIGA_LIB_BUSY, se_wait(x))

static int is_comms(optiga_lib_status_t st)
{
    return (st & 0xFF00u) == 0x0100u;
}

int id2_se_init(void)
{
    if (se_util != NULL && se_crypt != NULL) {
        se_ready = 1;
        return ID2_SE_SUCCESS;
    }
    se_util = optiga_util_create(OPTIGA_INSTANCE_ID_0, se_callback, NULL);
    se_crypt = optiga_crypt_create(OPTIGA_INSTANCE_ID_0, se_callback, NULL);
    optiga_lib_status_t st = OPTIGA_UTIL_ERROR;
    if (se_util != NULL && se_crypt != NULL)
        st = SE_CALL(optiga_util_open_application(se_util, 0));
    if (st != OPTIGA_LIB_SUCCESS) {
        if (se_crypt != NULL)
            (void)optiga_crypt_destroy(se_crypt);
        if (se_util != NULL)
            (void)optiga_util_destroy(se_util);
        se_util = NULL;
        se_crypt = NULL;
        return is_comms(st) ? ID2_SE_ERROR_COMMUNICATION : ID2_SE_ERROR_GENERIC;
    }
    se_ready = 1;
    return ID2_SE_SUCCESS;
}

int id2_se_cleanup(int power_down, uint32_t max_polls, uint32_t *polls)
{
    int rc = ID2_SE_SUCCESS;
    *polls = 0;
    if (!power_down || !se_ready) {
        se_ready = 0;
        return ID2_SE_SUCCESS;
    }
    for (;;) {
        uint8_t sec = 0;
        uint16_t len = 1;
        if (SE_CALL(optiga_util_read_data(se_util, 0xE0C5, 0, &sec, &len)) != OPTIGA_LIB_SUCCESS || sec == 0)
            break;
        if (++*polls > max_polls)
            break;
        pal_os_timer_delay_in_milliseconds(500);
    }
    optiga_lib_status_t st = SE_CALL(optiga_util_close_application(se_util, 0));
    if (st != OPTIGA_LIB_SUCCESS)
        rc = is_comms(st) ? ID2_SE_ERROR_COMMUNICATION : ID2_SE_ERROR_GENERIC;
    if (optiga_crypt_destroy(se_crypt) != OPTIGA_LIB_SUCCESS || optiga_util_destroy(se_util) != OPTIGA_LIB_SUCCESS)
        rc = rc == ID2_SE_SUCCESS ? ID2_SE_ERROR_GENERIC : rc;
    se_crypt = NULL;
    se_util = NULL;
    se_ready = 0;
    return rc;
}

int id2_se_get_id2(uint8_t *id2, uint32_t *len)
{
    if (!se_ready)
        return ID2_SE_ERROR_GENERIC;
    if (*len < 12u) {
        *len = 0;
        return ID2_SE_ERROR_SHORT_BUFFER;
    }
    uint16_t n = *len > 0xFFFFu ? 0xFFFFu : (uint16_t)*len;
    optiga_lib_status_t st = SE_CALL(optiga_util_read_data(se_util, 0xF1D0, 0, id2, &n));
    if (st != OPTIGA_LIB_SUCCESS || n != 12u) {
        *len = 0;
        if (st == OPTIGA_LIB_SUCCESS || (st & OPTIGA_DEVICE_ERROR) != 0)
            return ID2_SE_ERROR_ITEM_NOT_FOUND;
        return is_comms(st) ? ID2_SE_ERROR_COMMUNICATION : ID2_SE_ERROR_GENERIC;
    }
    *len = 12;
    return ID2_SE_SUCCESS;
}

int id2_se_sym_crypto(int encrypt, const uint8_t *in, uint32_t in_len, uint8_t *out, uint32_t *out_len)
{
    if (!se_ready)
        return ID2_SE_ERROR_GENERIC;
    if (*out_len < in_len)
        return ID2_SE_ERROR_SHORT_BUFFER;
    optiga_lib_status_t st = encrypt ? SE_CALL(optiga_crypt_symmetric_encrypt_ecb(se_crypt, OPTIGA_KEY_ID_SECRET_BASED,
                                                                                  in, in_len, out, out_len))
                                     : SE_CALL(optiga_crypt_symmetric_decrypt_ecb(se_crypt, OPTIGA_KEY_ID_SECRET_BASED,
                                                                                  in, in_len, out, out_len));
    if (st != OPTIGA_LIB_SUCCESS) {
        *out_len = 0;
        return is_comms(st) ? ID2_SE_ERROR_COMMUNICATION : ID2_SE_ERROR_GENERIC;
    }
    return ID2_SE_SUCCESS;
}

int id2_se_rsa_sign(const uint8_t *in, uint32_t in_len, uint8_t *out, uint32_t *out_len)
{
    if (!se_ready)
        return ID2_SE_ERROR_GENERIC;
    uint8_t digest[32];
    hash_data_from_host_t hd = {in, in_len};
    optiga_lib_status_t st =
        SE_CALL(optiga_crypt_hash(se_crypt, OPTIGA_HASH_TYPE_SHA_256, OPTIGA_CRYPT_HOST_DATA, &hd, digest));
    uint16_t n = *out_len > 0xFFFFu ? 0xFFFFu : (uint16_t)*out_len;
    if (st == OPTIGA_LIB_SUCCESS)
        st = SE_CALL(optiga_crypt_rsa_sign(se_crypt, OPTIGA_RSASSA_PKCS1_V15_SHA256, digest, sizeof digest,
                                           OPTIGA_KEY_ID_E0FC, out, &n, 0));
    if (st != OPTIGA_LIB_SUCCESS) {
        *out_len = 0;
        if (is_comms(st))
            return ID2_SE_ERROR_COMMUNICATION;
        return (st & 0x0204u) != 0 ? ID2_SE_ERROR_SHORT_BUFFER : ID2_SE_ERROR_GENERIC;
    }
    *out_len = n;
    return ID2_SE_SUCCESS;
}

int id2_se_rsa_decrypt(const uint8_t *in, uint32_t in_len, uint8_t *out, uint32_t *out_len)
{
    if (!se_ready)
        return ID2_SE_ERROR_GENERIC;
    uint16_t n = *out_len > 0xFFFFu ? 0xFFFFu : (uint16_t)*out_len;
    optiga_lib_status_t st = SE_CALL(optiga_crypt_rsa_decrypt_and_export(
        se_crypt, OPTIGA_RSAES_PKCS1_V15, in, (uint16_t)in_len, NULL, 0, OPTIGA_KEY_ID_E0FC, out, &n));
    if (st != OPTIGA_LIB_SUCCESS) {
        *out_len = 0;
        return is_comms(st) ? ID2_SE_ERROR_COMMUNICATION : ID2_SE_ERROR_GENERIC;
    }
    *out_len = n;
    return ID2_SE_SUCCESS;
}
