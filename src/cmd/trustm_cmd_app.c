/* OpenApplication / CloseApplication (commands.md §5.1, §5.2). Pure. */
#include "trustm_cmd_util.h"

uint8_t trustm_cmd_code(uint8_t code, unsigned flags)
{
    return (flags & TRUSTM_CMD_FLAG_PLAIN) ? (uint8_t)(code & 0x7Fu) : (uint8_t)(code | TRUSTM_APDU_CMD_FLUSH);
}

trustm_status_t trustm_cmd_open_application_put(trustm_wbuf_t *w, uint8_t param, const uint8_t *handle, unsigned flags)
{
    if (param > TRUSTM_CMD_OPEN_PARAM_RESTORE || (param == TRUSTM_CMD_OPEN_PARAM_RESTORE) != (handle != NULL))
        return CMD_ERR(TRUSTM_BASE_BAD_PARAM);
    size_t in_len = TRUSTM_APP_ID_SIZE + (handle != NULL ? TRUSTM_CMD_CONTEXT_HANDLE_SIZE : 0u);
    cmd_begin(w, TRUSTM_CMD_OPEN_APPLICATION, param, flags);
    trustm_wbuf_ref(w, trustm_app_id, TRUSTM_APP_ID_SIZE);
    if (handle != NULL)
        trustm_wbuf_bytes(w, handle, TRUSTM_CMD_CONTEXT_HANDLE_SIZE); /* copied: wiped after build */
    return cmd_end(w, in_len);
}

trustm_status_t trustm_cmd_close_application_put(trustm_wbuf_t *w, uint8_t param, unsigned flags)
{
    if (param > TRUSTM_CMD_CLOSE_PARAM_HIBERNATE)
        return CMD_ERR(TRUSTM_BASE_BAD_PARAM);
    cmd_begin(w, TRUSTM_CMD_CLOSE_APPLICATION, param, flags);
    return cmd_end(w, 0);
}

trustm_status_t trustm_cmd_response_decode(const uint8_t *rsp, size_t rsp_len, trustm_apdu_rsp_t *r)
{
    if (rsp == NULL || r == NULL || !trustm_apdu_rsp_decode(rsp, rsp_len, r))
        return CMD_ERR(TRUSTM_BASE_BAD_RESPONSE); /* < 4 bytes or OutLen != bytes that follow */
    if (r->sta == TRUSTM_APDU_STA_ERROR)
        return TRUSTM_CMD_STA_FAILED;
    if (r->sta != TRUSTM_APDU_STA_SUCCESS)
        return CMD_ERR(TRUSTM_BASE_BAD_RESPONSE);
    return TRUSTM_OK;
}

trustm_status_t trustm_cmd_response_head_decode(const uint8_t *head, size_t head_len, size_t rsp_len)
{
    if (head == NULL || head_len < TRUSTM_APDU_HEADER_SIZE || rsp_len < TRUSTM_APDU_HEADER_SIZE ||
        trustm_be16_get(head + 2) != rsp_len - TRUSTM_APDU_HEADER_SIZE)
        return CMD_ERR(TRUSTM_BASE_BAD_RESPONSE);
    if (head[0] == TRUSTM_APDU_STA_ERROR)
        return TRUSTM_CMD_STA_FAILED;
    if (head[0] != TRUSTM_APDU_STA_SUCCESS)
        return CMD_ERR(TRUSTM_BASE_BAD_RESPONSE);
    return TRUSTM_OK;
}

trustm_status_t trustm_cmd_no_data_decode(const uint8_t *rsp, size_t rsp_len)
{
    trustm_apdu_rsp_t r;
    trustm_status_t s = trustm_cmd_response_decode(rsp, rsp_len, &r);
    if (s != TRUSTM_OK)
        return s;
    return r.out_len == 0 ? TRUSTM_OK : CMD_ERR(TRUSTM_BASE_BAD_RESPONSE);
}

trustm_status_t trustm_cmd_close_hibernate_decode(const uint8_t *rsp, size_t rsp_len,
                                                  uint8_t handle[TRUSTM_CMD_CONTEXT_HANDLE_SIZE])
{
    trustm_apdu_rsp_t r;
    trustm_status_t s = trustm_cmd_response_decode(rsp, rsp_len, &r);
    if (s != TRUSTM_OK)
        return s;
    if (r.out_len != TRUSTM_CMD_CONTEXT_HANDLE_SIZE)
        return CMD_ERR(TRUSTM_BASE_BAD_RESPONSE);
    for (size_t i = 0; i < TRUSTM_CMD_CONTEXT_HANDLE_SIZE; i++)
        handle[i] = r.out_data[i];
    return TRUSTM_OK;
}

/* Flat forms (one contiguous buffer). */

trustm_status_t trustm_cmd_open_application_encode(uint8_t param, const uint8_t *handle, unsigned flags, uint8_t *out,
                                                   size_t out_size, size_t *out_len)
{
    CMD_FLAT(trustm_cmd_open_application_put(&w, param, handle, flags));
}

trustm_status_t trustm_cmd_close_application_encode(uint8_t param, unsigned flags, uint8_t *out, size_t out_size,
                                                    size_t *out_len)
{
    CMD_FLAT(trustm_cmd_close_application_put(&w, param, flags));
}
