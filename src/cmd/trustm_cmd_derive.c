/* DeriveKey (commands.md §5.15). Pure. */
#include "trustm_cmd_util.h"

trustm_status_t trustm_cmd_derive_key_put(trustm_wbuf_t *w, uint8_t param, uint16_t secret_oid, const uint8_t *d1,
                                          size_t l1, const uint8_t *d2, size_t l2, const uint8_t *info, size_t info_len,
                                          uint16_t key_len, uint16_t session_oid, unsigned flags)
{
    if ((d1 == NULL && l1 > 0) || (d2 == NULL && l2 > 0) || l1 + l2 > 1024u || info_len > 256u || key_len == 0 ||
        secret_oid == 0)
        return CMD_ERR(TRUSTM_BASE_BAD_PARAM);
    cmd_begin(w, TRUSTM_CMD_DERIVE_KEY, param, flags);
    cmd_tlv16(w, 0x01u, secret_oid);
    cmd_tlv16(w, 0x03u, key_len);
    if (info != NULL)
        cmd_tlv(w, 0x04u, info, info_len);
    trustm_wbuf_u8(w, 0x02u);
    trustm_wbuf_be16(w, (uint16_t)(l1 + l2));
    if (l1 > 0)
        trustm_wbuf_ref(w, d1, l1);
    if (l2 > 0)
        trustm_wbuf_ref(w, d2, l2);
    if (session_oid != 0)
        cmd_tlv16(w, 0x08u, session_oid);
    else
        cmd_tlv(w, 0x07u, NULL, 0);
    return cmd_end(w, TRUSTM_APDU_MAX_DATA);
}

/* Flat forms (one contiguous buffer). */

trustm_status_t trustm_cmd_derive_key_encode(uint8_t param, uint16_t secret_oid, const uint8_t *d1, size_t l1,
                                             const uint8_t *d2, size_t l2, const uint8_t *info, size_t info_len,
                                             uint16_t key_len, uint16_t session_oid, unsigned flags, uint8_t *out,
                                             size_t out_size, size_t *out_len)
{
    CMD_FLAT(
        trustm_cmd_derive_key_put(&w, param, secret_oid, d1, l1, d2, l2, info, info_len, key_len, session_oid, flags));
}
