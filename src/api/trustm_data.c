/* Data objects: chunked writes, metadata writes, counters, life cycle states. */
#include <string.h>

#include "trustm/trustm_data.h"
#include "trustm_api_int.h"

/* ---- chunked SetDataObject (write, erase&write, metadata, count) ---- */

typedef struct set_state {
    const uint8_t *data;
    size_t len;
    size_t done;
    size_t chunk;
    uint16_t oid;
    uint16_t offset;
    uint8_t param;
    uint8_t small[8]; /* data owned by the operation (counter value, lcs byte, ...) */
} set_state_t;
API_STATE_FITS(set_state_t);

static trustm_status_t set_build(api_op_t *op, trustm_wbuf_t *w)
{
    set_state_t *st = API_STATE(op, set_state_t);
    const uint8_t *src = st->data != NULL ? st->data : st->small;
    size_t left = st->len - st->done;
    uint8_t param = st->param;
    st->chunk = left < TRUSTM_CMD_SET_DATA_MAX ? left : TRUSTM_CMD_SET_DATA_MAX;
    if (st->done > 0 && param == TRUSTM_CMD_SET_DATA_PARAM_ERASE)
        param = TRUSTM_CMD_SET_DATA_PARAM_WRITE; /* erase only once */
    uint16_t off = param == TRUSTM_CMD_SET_DATA_PARAM_WRITE || param == TRUSTM_CMD_SET_DATA_PARAM_ERASE
                       ? (uint16_t)(st->offset + st->done)
                       : 0u;
    return trustm_cmd_set_data_put(w, param, st->oid, off, src + st->done, st->chunk, op->cmd_flags);
}

static trustm_status_t set_parse(api_op_t *op, const uint8_t *rsp, size_t rsp_len)
{
    set_state_t *st = API_STATE(op, set_state_t);
    trustm_status_t s = trustm_cmd_no_data_decode(rsp, rsp_len);
    if (s != TRUSTM_OK)
        return s;
    st->done += st->chunk;
    return st->done < st->len ? TRUSTM_IN_PROGRESS : TRUSTM_OK;
}

static const api_op_ops_t set_ops = {set_build, set_parse, NULL, 0, NULL};

static trustm_status_t set_start(trustm_device_t *dev, uint8_t param, uint16_t oid, uint16_t offset,
                                 const uint8_t *data, const uint8_t *small, size_t len)
{
    set_state_t st;
    memset(&st, 0, sizeof st);
    st.param = param;
    st.oid = oid;
    st.offset = offset;
    st.data = data;
    st.len = len;
    if (small != NULL)
        memcpy(st.small, small, len);
    return api_op_start(dev, &set_ops, &st, sizeof st);
}

trustm_status_t trustm_op_start_data_write(trustm_device_t *dev, uint16_t oid, uint8_t write_type, uint16_t offset,
                                           const uint8_t *data, size_t len)
{
    if ((write_type != TRUSTM_WRITE_ONLY && write_type != TRUSTM_ERASE_AND_WRITE) || (data == NULL && len > 0) ||
        (size_t)offset + len > 0xFFFFu)
        return API_BAD_PARAM;
    return set_start(dev, write_type, oid, offset, data, NULL, len);
}

trustm_status_t trustm_data_write(trustm_device_t *dev, uint16_t oid, uint8_t write_type, uint16_t offset,
                                  const uint8_t *data, size_t len)
{
    return api_run(dev, trustm_op_start_data_write(dev, oid, write_type, offset, data, len));
}

trustm_status_t trustm_op_start_metadata_write(trustm_device_t *dev, uint16_t oid, const uint8_t *md, size_t md_len)
{
    if (md == NULL || md_len < 2 || md[0] != 0x20u || (size_t)md[1] + 2u != md_len)
        return API_BAD_PARAM;
    return set_start(dev, TRUSTM_CMD_SET_DATA_PARAM_META, oid, 0, md, NULL, md_len);
}

trustm_status_t trustm_metadata_write(trustm_device_t *dev, uint16_t oid, const uint8_t *md, size_t md_len)
{
    return api_run(dev, trustm_op_start_metadata_write(dev, oid, md, md_len));
}

trustm_status_t trustm_op_start_counter_increment(trustm_device_t *dev, uint16_t oid, uint8_t value)
{
    if (value == 0)
        return API_BAD_PARAM;
    return set_start(dev, TRUSTM_CMD_SET_DATA_PARAM_COUNT, oid, 0, NULL, &value, 1);
}

trustm_status_t trustm_counter_increment(trustm_device_t *dev, uint16_t oid, uint8_t value)
{
    return api_run(dev, trustm_op_start_counter_increment(dev, oid, value));
}

trustm_status_t trustm_op_start_counter_set(trustm_device_t *dev, uint16_t oid, uint32_t value, uint32_t threshold)
{
    uint8_t b[8];
    trustm_be32_put(b, value);
    trustm_be32_put(b + 4, threshold);
    return set_start(dev, TRUSTM_CMD_SET_DATA_PARAM_WRITE, oid, 0, NULL, b, sizeof b);
}

trustm_status_t trustm_counter_set(trustm_device_t *dev, uint16_t oid, uint32_t value, uint32_t threshold)
{
    return api_run(dev, trustm_op_start_counter_set(dev, oid, value, threshold));
}

static bool lcs_valid(uint8_t lcs)
{
    return lcs == TRUSTM_LCS_CREATION || lcs == TRUSTM_LCS_INITIALIZATION || lcs == TRUSTM_LCS_OPERATIONAL ||
           lcs == TRUSTM_LCS_TERMINATION;
}

trustm_status_t trustm_op_start_lcso_set(trustm_device_t *dev, uint16_t oid, uint8_t lcs)
{
    const uint8_t md[5] = {0x20u, 0x03u, 0xC0u, 0x01u, lcs};
    if (!lcs_valid(lcs))
        return API_BAD_PARAM;
    return set_start(dev, TRUSTM_CMD_SET_DATA_PARAM_META, oid, 0, NULL, md, sizeof md);
}

trustm_status_t trustm_lcso_set(trustm_device_t *dev, uint16_t oid, uint8_t lcs)
{
    return api_run(dev, trustm_op_start_lcso_set(dev, oid, lcs));
}

trustm_status_t trustm_op_start_lcs_set(trustm_device_t *dev, uint16_t lcs_oid, uint8_t lcs)
{
    if (!lcs_valid(lcs) || (lcs_oid != TRUSTM_OID_LCS_GLOBAL && lcs_oid != TRUSTM_OID_LCS_APP) ||
        (lcs_oid == TRUSTM_OID_LCS_APP && lcs == TRUSTM_LCS_TERMINATION))
        return API_BAD_PARAM;
    return set_start(dev, TRUSTM_CMD_SET_DATA_PARAM_WRITE, lcs_oid, 0, NULL, &lcs, 1);
}

trustm_status_t trustm_lcs_set(trustm_device_t *dev, uint16_t lcs_oid, uint8_t lcs)
{
    return api_run(dev, trustm_op_start_lcs_set(dev, lcs_oid, lcs));
}

/* ---- exact-size reads (counter: 8 bytes, byte objects: 1 byte) ---- */

typedef struct exact_state {
    uint16_t oid;
    uint16_t len;
    uint8_t *byte;
    uint32_t *value;
    uint32_t *threshold;
} exact_state_t;
API_STATE_FITS(exact_state_t);

static trustm_status_t exact_build(api_op_t *op, trustm_wbuf_t *w)
{
    exact_state_t *st = API_STATE(op, exact_state_t);
    return trustm_cmd_get_data_put(w, st->oid, 0, st->len, op->cmd_flags);
}

static trustm_status_t exact_parse(api_op_t *op, const uint8_t *rsp, size_t rsp_len)
{
    exact_state_t *st = API_STATE(op, exact_state_t);
    const uint8_t *p;
    trustm_status_t s = trustm_cmd_raw_decode(rsp, rsp_len, st->len, &p);
    if (s != TRUSTM_OK)
        return s;
    if (st->byte != NULL) {
        *st->byte = p[0];
    } else {
        *st->value = trustm_be32_get(p);
        *st->threshold = trustm_be32_get(p + 4);
    }
    return TRUSTM_OK;
}

static const api_op_ops_t exact_ops = {exact_build, exact_parse, NULL, 0, NULL};

trustm_status_t trustm_op_start_counter_read(trustm_device_t *dev, uint16_t oid, uint32_t *value, uint32_t *threshold)
{
    exact_state_t st = {oid, 8, NULL, value, threshold};
    if (value == NULL || threshold == NULL)
        return API_BAD_PARAM;
    return api_op_start(dev, &exact_ops, &st, sizeof st);
}

trustm_status_t trustm_counter_read(trustm_device_t *dev, uint16_t oid, uint32_t *value, uint32_t *threshold)
{
    return api_run(dev, trustm_op_start_counter_read(dev, oid, value, threshold));
}

trustm_status_t trustm_op_start_byte_read(trustm_device_t *dev, uint16_t oid, uint8_t *value)
{
    exact_state_t st = {oid, 1, value, NULL, NULL};
    if (value == NULL)
        return API_BAD_PARAM;
    return api_op_start(dev, &exact_ops, &st, sizeof st);
}

trustm_status_t trustm_byte_read(trustm_device_t *dev, uint16_t oid, uint8_t *value)
{
    return api_run(dev, trustm_op_start_byte_read(dev, oid, value));
}
