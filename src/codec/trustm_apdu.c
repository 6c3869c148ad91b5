#include "trustm_apdu.h"

#include "trustm_bytes.h"

/* RID D2 76 00 00 04 || PIX "GenAuthAppl" */
const uint8_t trustm_app_id[TRUSTM_APP_ID_SIZE] = {
    0xD2, 0x76, 0x00, 0x00, 0x04, 'G', 'e', 'n', 'A', 'u', 't', 'h', 'A', 'p', 'p', 'l',
};

size_t trustm_apdu_header_encode(uint8_t cmd, uint8_t param, uint16_t len, uint8_t *out, size_t out_size)
{
    if (out == NULL || out_size < TRUSTM_APDU_HEADER_SIZE)
        return 0;
    out[0] = cmd;
    out[1] = param;
    trustm_be16_put(out + 2, len);
    return TRUSTM_APDU_HEADER_SIZE;
}

bool trustm_apdu_cmd_decode(const uint8_t *buf, size_t len, trustm_apdu_cmd_t *c)
{
    if (buf == NULL || len < TRUSTM_APDU_HEADER_SIZE)
        return false;
    uint16_t in_len = trustm_be16_get(buf + 2);
    if ((size_t)in_len != len - TRUSTM_APDU_HEADER_SIZE)
        return false;
    c->cmd = buf[0];
    c->param = buf[1];
    c->in_len = in_len;
    c->in_data = buf + TRUSTM_APDU_HEADER_SIZE;
    return true;
}

bool trustm_apdu_rsp_decode(const uint8_t *buf, size_t len, trustm_apdu_rsp_t *r)
{
    if (buf == NULL || len < TRUSTM_APDU_HEADER_SIZE)
        return false;
    uint16_t out_len = trustm_be16_get(buf + 2);
    if ((size_t)out_len != len - TRUSTM_APDU_HEADER_SIZE)
        return false;
    r->sta = buf[0];
    r->undef = buf[1];
    r->out_len = out_len;
    r->out_data = buf + TRUSTM_APDU_HEADER_SIZE;
    return true;
}
