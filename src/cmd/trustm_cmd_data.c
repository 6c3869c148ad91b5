/* GetDataObject and the Last Error Code read (commands.md §3.1, §5.3). Pure. */
#include "trustm_cmd_util.h"

static trustm_status_t get_data_put(trustm_wbuf_t *w, uint8_t param, uint16_t oid, bool with_range, uint16_t offset,
                                    uint16_t length, unsigned flags)
{
    cmd_begin(w, TRUSTM_CMD_GET_DATA_OBJECT, param, flags);
    uint8_t *p = trustm_wbuf_reserve(w, with_range ? 6u : 2u); /* the fixed-size fields at once */
    if (p != NULL) {
        trustm_be16_put(p, oid);
        if (with_range) {
            trustm_be16_put(p + 2, offset);
            trustm_be16_put(p + 4, length);
        }
    }
    return cmd_end(w, 6u);
}

trustm_status_t trustm_cmd_get_data_put(trustm_wbuf_t *w, uint16_t oid, uint16_t offset, uint16_t length,
                                        unsigned flags)
{
    if (length == 0)
        return CMD_ERR(TRUSTM_BASE_BAD_PARAM);
    return get_data_put(w, TRUSTM_CMD_GET_DATA_PARAM_DATA, oid, true, offset, length, flags);
}

trustm_status_t trustm_cmd_get_metadata_put(trustm_wbuf_t *w, uint16_t oid, unsigned flags)
{
    return get_data_put(w, TRUSTM_CMD_GET_DATA_PARAM_META, oid, false, 0, 0, flags);
}

/* Always plain Cmd 01: the flush bit would clear the code. */
trustm_status_t trustm_cmd_last_error_put(trustm_wbuf_t *w)
{
    return get_data_put(w, TRUSTM_CMD_GET_DATA_PARAM_DATA, TRUSTM_OID_LAST_ERROR, true, 0, 1, TRUSTM_CMD_FLAG_PLAIN);
}

trustm_status_t trustm_cmd_get_data_decode(const uint8_t *rsp, size_t rsp_len, size_t max_len, const uint8_t **data,
                                           size_t *data_len)
{
    trustm_apdu_rsp_t r;
    trustm_status_t s = trustm_cmd_response_decode(rsp, rsp_len, &r);
    if (s != TRUSTM_OK)
        return s;
    if (r.out_len > max_len)
        return CMD_ERR(TRUSTM_BASE_BAD_RESPONSE); /* more than was asked for */
    *data = r.out_data;
    *data_len = r.out_len;
    return TRUSTM_OK;
}

trustm_status_t trustm_cmd_last_error_decode(const uint8_t *rsp, size_t rsp_len, uint8_t *code)
{
    trustm_apdu_rsp_t r;
    trustm_status_t s = trustm_cmd_response_decode(rsp, rsp_len, &r);
    if (s != TRUSTM_OK)
        return s == TRUSTM_CMD_STA_FAILED ? CMD_ERR(TRUSTM_BASE_BAD_RESPONSE) : s;
    if (r.out_len != 1)
        return CMD_ERR(TRUSTM_BASE_BAD_RESPONSE);
    *code = r.out_data[0];
    return TRUSTM_OK;
}

/* ---- SetDataObject (§5.4) ---- */

trustm_status_t trustm_cmd_set_data_put(trustm_wbuf_t *w, uint8_t param, uint16_t oid, uint16_t offset,
                                        const uint8_t *data, size_t len, unsigned flags)
{
    if ((data == NULL && len > 0) || len > TRUSTM_CMD_SET_DATA_MAX)
        return CMD_ERR(TRUSTM_BASE_BAD_PARAM);
    switch (param) {
    case TRUSTM_CMD_SET_DATA_PARAM_WRITE:
    case TRUSTM_CMD_SET_DATA_PARAM_ERASE:
        break;
    case TRUSTM_CMD_SET_DATA_PARAM_META: /* offset 0, a container 20 LL ... */
        if (offset != 0 || len < 2 || data[0] != 0x20u || (size_t)data[1] + 2u != len)
            return CMD_ERR(TRUSTM_BASE_BAD_PARAM);
        break;
    case TRUSTM_CMD_SET_DATA_PARAM_COUNT: /* offset ignored (sent as 0), one non-zero byte */
        if (offset != 0 || len != 1 || data[0] == 0)
            return CMD_ERR(TRUSTM_BASE_BAD_PARAM);
        break;
    default:
        return CMD_ERR(TRUSTM_BASE_BAD_PARAM);
    }
    cmd_begin(w, TRUSTM_CMD_SET_DATA_OBJECT, param, flags);
    trustm_wbuf_be16(w, oid);
    trustm_wbuf_be16(w, offset);
    if (len > 0)
        trustm_wbuf_ref(w, data, len);
    return cmd_end(w, TRUSTM_APDU_MAX_DATA);
}

/* Flat forms (one contiguous buffer). */

trustm_status_t trustm_cmd_set_data_encode(uint8_t param, uint16_t oid, uint16_t offset, const uint8_t *data,
                                           size_t len, unsigned flags, uint8_t *out, size_t out_size, size_t *out_len)
{
    CMD_FLAT(trustm_cmd_set_data_put(&w, param, oid, offset, data, len, flags));
}

trustm_status_t trustm_cmd_get_data_encode(uint16_t oid, uint16_t offset, uint16_t length, unsigned flags, uint8_t *out,
                                           size_t out_size, size_t *out_len)
{
    CMD_FLAT(trustm_cmd_get_data_put(&w, oid, offset, length, flags));
}

trustm_status_t trustm_cmd_get_metadata_encode(uint16_t oid, unsigned flags, uint8_t *out, size_t out_size,
                                               size_t *out_len)
{
    CMD_FLAT(trustm_cmd_get_metadata_put(&w, oid, flags));
}

trustm_status_t trustm_cmd_last_error_encode(uint8_t *out, size_t out_size, size_t *out_len)
{
    CMD_FLAT(trustm_cmd_last_error_put(&w));
}
