/*
 * optiga_util.c - optiga_util_* (host-api.md §5) on the trustm service API: each call checks
 * its arguments, starts the trustm non-blocking operation and hands it to compat_launch()
 * (synchronous or deferred completion, docs/COMPAT.md) with its completion step.
 */
#include <string.h>

#include "optiga_compat_int.h"

#define UTIL_INST(me) ((me) != NULL ? &(me)->base : NULL)
#define API_ERR(base) TRUSTM_STATUS(TRUSTM_LAYER_API, (base))

#define PROTUPD_FRAGMENT_MAX TRUSTM_PROTUPD_FRAGMENT_MAX

optiga_util_t *optiga_util_create(uint8_t optiga_instance_id, callback_handler_t handler, void *caller_context)
{
    compat_inst_t *in = compat_create(COMPAT_UTIL, optiga_instance_id, handler, caller_context);
    return in != NULL ? (optiga_util_t *)(void *)in : NULL;
}

optiga_lib_status_t optiga_util_destroy(optiga_util_t *me)
{
    return compat_destroy(UTIL_INST(me), COMPAT_UTIL); /* also releases a held strict lock */
}

void optiga_util_set_comms_params(optiga_util_t *me, uint8_t parameter_type, uint8_t value)
{
    if (me != NULL && parameter_type == OPTIGA_COMMS_PROTECTION_LEVEL)
        me->base.protection = value;
}

/* ---- completion steps ---- */

static trustm_status_t fin_open(compat_inst_t *in, trustm_status_t s)
{
    if (in->flag)
        compat_hib_set(false); /* a handle is valid once */
    else
        compat_sessions_forget(); /* the chip starts with empty session contexts */
    return s;
}

static trustm_status_t fin_close(compat_inst_t *in, trustm_status_t s)
{
    if (in->flag)
        compat_hib_set(s == TRUSTM_OK); /* hibernate: the handle is now stored */
    else if (s == TRUSTM_OK)
        compat_sessions_forget();
    return s;
}

static trustm_status_t fin_len16(compat_inst_t *in, trustm_status_t s)
{
    *in->len16 = s == TRUSTM_OK ? (uint16_t)in->n : 0u;
    return s;
}

optiga_lib_status_t optiga_util_open_application(optiga_util_t *me, bool_t perform_restore)
{
    compat_inst_t *in = UTIL_INST(me);
    optiga_lib_status_t st = compat_begin(in, COMPAT_UTIL);
    if (st != OPTIGA_LIB_SUCCESS)
        return st;
    in->flag = perform_restore != FALSE;
    if (in->flag) {
        if (!compat_hib_valid()) /* no stored handle: nothing is sent */
            return compat_complete_raw(in, OPTIGA_CMD_ERROR, API_ERR(TRUSTM_BASE_BAD_SEQUENCE));
        return compat_launch(in, trustm_op_start_device_open_restore(compat_dev(), compat_hib_handle()), fin_open);
    }
    return compat_launch(in, trustm_op_start_device_open(compat_dev()), fin_open);
}

optiga_lib_status_t optiga_util_close_application(optiga_util_t *me, bool_t perform_hibernate)
{
    compat_inst_t *in = UTIL_INST(me);
    optiga_lib_status_t st = compat_begin(in, COMPAT_UTIL);
    if (st != OPTIGA_LIB_SUCCESS)
        return st;
    in->flag = perform_hibernate != FALSE;
    if (in->flag) {
        compat_hib_set(false);
        return compat_launch(in, trustm_op_start_device_hibernate(compat_dev(), compat_hib_handle()), fin_close);
    }
    return compat_launch(in, trustm_op_start_device_close(compat_dev()), fin_close);
}

optiga_lib_status_t optiga_util_read_data(optiga_util_t *me, uint16_t optiga_oid, uint16_t offset, uint8_t *buffer,
                                          uint16_t *length)
{
    compat_inst_t *in = UTIL_INST(me);
    if (in != NULL && (buffer == NULL || length == NULL))
        return OPTIGA_UTIL_ERROR_INVALID_INPUT;
    optiga_lib_status_t st = compat_begin(in, COMPAT_UTIL);
    if (st != OPTIGA_LIB_SUCCESS)
        return st;
    in->n = 0;
    in->len16 = length;
    return compat_launch(in, trustm_op_start_data_read(compat_dev(), optiga_oid, offset, buffer, *length, &in->n),
                         fin_len16);
}

optiga_lib_status_t optiga_util_read_metadata(optiga_util_t *me, uint16_t optiga_oid, uint8_t *buffer, uint16_t *length)
{
    compat_inst_t *in = UTIL_INST(me);
    if (in != NULL && (buffer == NULL || length == NULL))
        return OPTIGA_UTIL_ERROR_INVALID_INPUT;
    optiga_lib_status_t st = compat_begin(in, COMPAT_UTIL);
    if (st != OPTIGA_LIB_SUCCESS)
        return st;
    in->n = 0;
    in->len16 = length;
    return compat_launch(in, trustm_op_start_metadata_read(compat_dev(), optiga_oid, buffer, *length, &in->n),
                         fin_len16);
}

optiga_lib_status_t optiga_util_write_data(optiga_util_t *me, uint16_t optiga_oid, uint8_t write_type, uint16_t offset,
                                           const uint8_t *buffer, uint16_t length)
{
    compat_inst_t *in = UTIL_INST(me);
    if (in != NULL &&
        (buffer == NULL || (write_type != OPTIGA_UTIL_WRITE_ONLY && write_type != OPTIGA_UTIL_ERASE_AND_WRITE)))
        return OPTIGA_UTIL_ERROR_INVALID_INPUT;
    optiga_lib_status_t st = compat_begin(in, COMPAT_UTIL);
    if (st != OPTIGA_LIB_SUCCESS)
        return st;
    return compat_launch(in, trustm_op_start_data_write(compat_dev(), optiga_oid, write_type, offset, buffer, length),
                         NULL);
}

optiga_lib_status_t optiga_util_write_metadata(optiga_util_t *me, uint16_t optiga_oid, const uint8_t *buffer,
                                               uint8_t length)
{
    compat_inst_t *in = UTIL_INST(me);
    if (in != NULL && buffer == NULL)
        return OPTIGA_UTIL_ERROR_INVALID_INPUT;
    optiga_lib_status_t st = compat_begin(in, COMPAT_UTIL);
    if (st != OPTIGA_LIB_SUCCESS)
        return st;
    return compat_launch(in, trustm_op_start_metadata_write(compat_dev(), optiga_oid, buffer, length), NULL);
}

optiga_lib_status_t optiga_util_update_count(optiga_util_t *me, uint16_t optiga_counter_oid, uint8_t count)
{
    compat_inst_t *in = UTIL_INST(me);
    optiga_lib_status_t st = compat_begin(in, COMPAT_UTIL);
    if (st != OPTIGA_LIB_SUCCESS)
        return st;
    return compat_launch(in, trustm_op_start_counter_increment(compat_dev(), optiga_counter_oid, count), NULL);
}

/* ---- protected update (trustm_protupd.h): the strict lock is held from start to final ---- */

static trustm_status_t fin_protupd(compat_inst_t *in, trustm_status_t s)
{
    if (s != TRUSTM_OK || in->flag) /* failure ends the sequence; so does final */
        compat_unlock(in);
    return s;
}

optiga_lib_status_t optiga_util_protected_update_start(optiga_util_t *me, uint8_t manifest_version,
                                                       const uint8_t *manifest, uint16_t manifest_length)
{
    compat_inst_t *in = UTIL_INST(me);
    /* 0x01 is the only manifest format version defined (commands.md §5.5) */
    if (in != NULL && (manifest == NULL || manifest_length == 0 || manifest_version != TRUSTM_PROTUPD_MANIFEST_V1))
        return OPTIGA_UTIL_ERROR_INVALID_INPUT;
    optiga_lib_status_t st = compat_begin(in, COMPAT_UTIL);
    if (st != OPTIGA_LIB_SUCCESS)
        return st;
    compat_lock(in, COMPAT_SEQ_PROTUPD); /* held from start to final; a new start replaces it */
    in->flag = false;
    return compat_launch(in, trustm_op_start_protupd_setup(compat_dev(), manifest, manifest_length), fin_protupd);
}

/* continue/final need a start on this instance (checked unless the instance is busy, which
 * compat_begin reports). */
static bool protupd_open(const compat_inst_t *in)
{
    return in == NULL || in->kind != COMPAT_UTIL || in->busy || in->seq == COMPAT_SEQ_PROTUPD;
}

optiga_lib_status_t optiga_util_protected_update_continue(optiga_util_t *me, const uint8_t *fragment,
                                                          uint16_t fragment_length)
{
    compat_inst_t *in = UTIL_INST(me);
    if (in != NULL && (fragment == NULL || fragment_length == 0 || fragment_length > PROTUPD_FRAGMENT_MAX))
        return OPTIGA_UTIL_ERROR_INVALID_INPUT;
    if (!protupd_open(in))
        return OPTIGA_CMD_ERROR_INVALID_INPUT;
    optiga_lib_status_t st = compat_begin(in, COMPAT_UTIL);
    if (st != OPTIGA_LIB_SUCCESS)
        return st;
    in->flag = false;
    return compat_launch(in, trustm_op_start_protupd_update(compat_dev(), fragment, fragment_length), fin_protupd);
}

optiga_lib_status_t optiga_util_protected_update_final(optiga_util_t *me, const uint8_t *fragment,
                                                       uint16_t fragment_length)
{
    compat_inst_t *in = UTIL_INST(me);
    if (in != NULL && fragment != NULL && (fragment_length == 0 || fragment_length > PROTUPD_FRAGMENT_MAX))
        return OPTIGA_UTIL_ERROR_INVALID_INPUT;
    if (!protupd_open(in))
        return OPTIGA_CMD_ERROR_INVALID_INPUT;
    optiga_lib_status_t st = compat_begin(in, COMPAT_UTIL);
    if (st != OPTIGA_LIB_SUCCESS)
        return st;
    in->flag = true;
    if (fragment == NULL) { /* only releases the lock */
        compat_unlock(in);
        return compat_complete(in, TRUSTM_OK);
    }
    return compat_launch(in, trustm_op_start_protupd_finish(compat_dev(), fragment, fragment_length), fin_protupd);
}
