/* GetRandom (commands.md §5.6). Pure. */
#include "trustm_cmd_util.h"

trustm_status_t trustm_cmd_random_put(trustm_wbuf_t *w, uint8_t param, uint16_t len, uint16_t session_oid,
                                      const uint8_t *opt, size_t opt_len, unsigned flags)
{
    if ((opt == NULL && opt_len > 0) || (param != 0x00u && param != 0x01u && param != 0x04u))
        return CMD_ERR(TRUSTM_BASE_BAD_PARAM);
    if (len < 8u || len > 256u)
        return CMD_ERR(TRUSTM_BASE_BAD_PARAM);
    if (session_oid == 0 ? (param == 0x04u || opt_len > 0) : (opt_len + len > 66u))
        return CMD_ERR(TRUSTM_BASE_BAD_PARAM);
    cmd_begin(w, TRUSTM_CMD_GET_RANDOM, param, flags);
    trustm_wbuf_be16(w, len);
    if (session_oid != 0) {
        trustm_wbuf_be16(w, session_oid);
        cmd_tlv(w, 0x41u, opt, opt_len);
    }
    return cmd_end(w, TRUSTM_APDU_MAX_DATA);
}

/* Flat forms (one contiguous buffer). */

trustm_status_t trustm_cmd_random_encode(uint8_t param, uint16_t len, uint16_t session_oid, const uint8_t *opt,
                                         size_t opt_len, unsigned flags, uint8_t *out, size_t out_size, size_t *out_len)
{
    CMD_FLAT(trustm_cmd_random_put(&w, param, len, session_oid, opt, opt_len, flags));
}
