/* Generic response helpers: TLV splitting and raw OutData checks. Pure. */
#include "trustm_cmd_util.h"

trustm_status_t trustm_cmd_tlv_split(const uint8_t *data, size_t len, const uint8_t *tags, size_t n,
                                     const uint8_t **vals, size_t *lens)
{
    trustm_rbuf_t r;
    if ((data == NULL && len > 0) || tags == NULL || vals == NULL || lens == NULL)
        return CMD_ERR(TRUSTM_BASE_BAD_PARAM);
    for (size_t i = 0; i < n; i++) {
        vals[i] = NULL;
        lens[i] = 0;
    }
    trustm_rbuf_init(&r, data, len);
    while (trustm_rbuf_left(&r) > 0) {
        uint8_t tag = trustm_rbuf_u8(&r);
        uint16_t l = trustm_rbuf_be16(&r);
        const uint8_t *v = trustm_rbuf_bytes(&r, l); /* NULL if the length lies */
        if (!trustm_rbuf_ok(&r))
            return CMD_ERR(TRUSTM_BASE_BAD_RESPONSE);
        size_t i = 0;
        while (i < n && tags[i] != tag)
            i++;
        if (i == n || vals[i] != NULL)
            return CMD_ERR(TRUSTM_BASE_BAD_RESPONSE); /* unexpected or duplicated tag */
        vals[i] = v != NULL ? v : data;               /* zero-length value: non-NULL marker */
        lens[i] = l;
    }
    return TRUSTM_OK;
}

trustm_status_t trustm_cmd_raw_decode(const uint8_t *rsp, size_t rsp_len, size_t expect, const uint8_t **data)
{
    trustm_apdu_rsp_t r;
    trustm_status_t s = trustm_cmd_response_decode(rsp, rsp_len, &r);
    if (s != TRUSTM_OK)
        return s;
    if (r.out_len != expect)
        return CMD_ERR(TRUSTM_BASE_BAD_RESPONSE);
    if (data != NULL)
        *data = r.out_data;
    return TRUSTM_OK;
}

trustm_status_t trustm_cmd_raw_var_decode(const uint8_t *rsp, size_t rsp_len, size_t max, const uint8_t **data,
                                          size_t *data_len)
{
    trustm_apdu_rsp_t r;
    trustm_status_t s = trustm_cmd_response_decode(rsp, rsp_len, &r);
    if (s != TRUSTM_OK)
        return s;
    if (r.out_len == 0 || r.out_len > max)
        return CMD_ERR(TRUSTM_BASE_BAD_RESPONSE);
    *data = r.out_data;
    *data_len = r.out_len;
    return TRUSTM_OK;
}

trustm_status_t trustm_cmd_tlv1_decode(const uint8_t *rsp, size_t rsp_len, uint8_t tag, int want, size_t max,
                                       const uint8_t **data, size_t *data_len)
{
    trustm_apdu_rsp_t r;
    const uint8_t *v;
    size_t l;
    trustm_status_t s = trustm_cmd_response_decode(rsp, rsp_len, &r);
    if (s != TRUSTM_OK)
        return s;
    if (!want)
        return r.out_len == 0 ? TRUSTM_OK : CMD_ERR(TRUSTM_BASE_BAD_RESPONSE);
    s = trustm_cmd_tlv_split(r.out_data, r.out_len, &tag, 1, &v, &l);
    if (s != TRUSTM_OK)
        return CMD_ERR(TRUSTM_BASE_BAD_RESPONSE);
    if (v == NULL || l > max)
        return CMD_ERR(TRUSTM_BASE_BAD_RESPONSE);
    *data = v;
    *data_len = l;
    return TRUSTM_OK;
}
