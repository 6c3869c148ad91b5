/*
 * pal_os_datastore.c - the vendor PAL's host data store for the compatibility layer (see
 * optiga/pal/pal_os_datastore.h), and the Shielded Connection context the layer offers to the
 * platform code (trustm_compat_shield): its secret comes from data store ID 0x11.
 */
#include <string.h>

#include "optiga/pal/pal_os_datastore.h"
#include "optiga_compat_int.h"

#define DS_SECRET_MAX 64u

static struct {
    bool init;
    uint8_t secret[DS_SECRET_MAX];
    uint16_t secret_len;
#ifdef TRUSTM_CFG_SHIELD
    trustm_shield_t shield;
#endif
} ds;

void compat_datastore_reset(void)
{
    trustm_wipe(ds.secret, sizeof ds.secret); /* the shield itself stays: a device may use it */
    ds.secret_len = 0;
    ds.init = false;
}

static void ds_init(void)
{
    if (ds.init)
        return;
    for (unsigned i = 0; i < DS_SECRET_MAX; i++)
        ds.secret[i] = (uint8_t)(i + 1u); /* the vendor's sample secret, as the chip's factory E140 */
    ds.secret_len = DS_SECRET_MAX;
    ds.init = true;
}

pal_status_t pal_os_datastore_write(uint16_t datastore_id, const uint8_t *p_buffer, uint16_t length)
{
    ds_init();
    if (p_buffer == NULL)
        return PAL_STATUS_FAILURE;
    switch (datastore_id) {
    case OPTIGA_PLATFORM_BINDING_SHARED_SECRET_ID:
        if (length == 0 || length > DS_SECRET_MAX)
            return PAL_STATUS_FAILURE;
        trustm_wipe(ds.secret, sizeof ds.secret);
        memcpy(ds.secret, p_buffer, length);
        ds.secret_len = length;
        return PAL_STATUS_SUCCESS;
#ifdef TRUSTM_CFG_SHIELD
    case OPTIGA_COMMS_MANAGE_CONTEXT_ID:
        return trustm_shield_import(&ds.shield, p_buffer, length) == TRUSTM_OK ? PAL_STATUS_SUCCESS
                                                                               : PAL_STATUS_FAILURE;
#endif
    case OPTIGA_HIBERNATE_CONTEXT_ID:
        if (length != TRUSTM_CONTEXT_HANDLE_SIZE)
            return PAL_STATUS_FAILURE;
        memcpy(compat_hib_handle(), p_buffer, length);
        compat_hib_set(true);
        return PAL_STATUS_SUCCESS;
    default:
        return PAL_STATUS_FAILURE;
    }
}

pal_status_t pal_os_datastore_read(uint16_t datastore_id, uint8_t *p_buffer, uint16_t *p_buffer_length)
{
    ds_init();
    if (p_buffer == NULL || p_buffer_length == NULL)
        return PAL_STATUS_FAILURE;
    switch (datastore_id) {
    case OPTIGA_PLATFORM_BINDING_SHARED_SECRET_ID:
        if (*p_buffer_length < ds.secret_len)
            return PAL_STATUS_FAILURE;
        memcpy(p_buffer, ds.secret, ds.secret_len);
        *p_buffer_length = ds.secret_len;
        return PAL_STATUS_SUCCESS;
#ifdef TRUSTM_CFG_SHIELD
    case OPTIGA_COMMS_MANAGE_CONTEXT_ID: {
        size_t n = 0;
        if (trustm_shield_export(&ds.shield, p_buffer, *p_buffer_length, &n) != TRUSTM_OK)
            return PAL_STATUS_FAILURE;
        *p_buffer_length = (uint16_t)n;
        return PAL_STATUS_SUCCESS;
    }
#endif
    case OPTIGA_HIBERNATE_CONTEXT_ID:
        if (!compat_hib_valid() || *p_buffer_length < TRUSTM_CONTEXT_HANDLE_SIZE)
            return PAL_STATUS_FAILURE;
        memcpy(p_buffer, compat_hib_handle(), TRUSTM_CONTEXT_HANDLE_SIZE);
        *p_buffer_length = TRUSTM_CONTEXT_HANDLE_SIZE;
        return PAL_STATUS_SUCCESS;
    default:
        return PAL_STATUS_FAILURE;
    }
}

#ifdef TRUSTM_CFG_SHIELD
static int ds_secret(void *user, uint8_t *out, size_t out_size, size_t *out_len)
{
    uint16_t n = (uint16_t)(out_size > 0xFFFFu ? 0xFFFFu : out_size);
    (void)user;
    if (pal_os_datastore_read(OPTIGA_PLATFORM_BINDING_SHARED_SECRET_ID, out, &n) != PAL_STATUS_SUCCESS)
        return -1;
    *out_len = n;
    return 0;
}

trustm_shield_t *trustm_compat_shield(const trustm_shield_crypto_t *crypto)
{
    trustm_shield_config_t sc;
    memset(&sc, 0, sizeof sc);
    sc.crypto = crypto;
    sc.read_secret = ds_secret;
    sc.default_level = OPTIGA_COMMS_DEFAULT_PROTECTION_LEVEL;
    ds_init();
    return trustm_shield_init(&ds.shield, &sc) == TRUSTM_OK ? &ds.shield : NULL;
}
#endif
