/* CalcHash (commands.md §5.11). Pure. */
#include "trustm_cmd_util.h"

trustm_status_t trustm_cmd_hash_put(trustm_wbuf_t *w, uint8_t seq, const uint8_t *data, size_t len, uint16_t from_oid,
                                    uint16_t oid_offset, uint16_t oid_len, const uint8_t *ctx_in, size_t ctx_len,
                                    int export_ctx, unsigned flags)
{
    if ((data == NULL && len > 0) || (ctx_in == NULL && ctx_len > 0) || ctx_len > TRUSTM_CMD_HASH_CTX_MAX ||
        len > TRUSTM_APDU_MAX_DATA)
        return CMD_ERR(TRUSTM_BASE_BAD_PARAM);
    if (seq > TRUSTM_CMD_SEQ_TERMINATE && seq != 0x05u)
        return CMD_ERR(TRUSTM_BASE_BAD_PARAM);
    /* import only with continue/final, export only with start/continue (§5.11) */
    if (ctx_in != NULL && seq != TRUSTM_CMD_SEQ_CONTINUE && seq != TRUSTM_CMD_SEQ_FINAL && seq != 0x05u)
        return CMD_ERR(TRUSTM_BASE_BAD_PARAM);
    if (export_ctx && seq != TRUSTM_CMD_SEQ_START && seq != TRUSTM_CMD_SEQ_CONTINUE)
        return CMD_ERR(TRUSTM_BASE_BAD_PARAM);
    if (seq == TRUSTM_CMD_SEQ_START_FINAL && from_oid == 0 && len == 0)
        return CMD_ERR(TRUSTM_BASE_BAD_PARAM);
    cmd_begin(w, TRUSTM_CMD_CALC_HASH, TRUSTM_CMD_HASH_SHA256, flags);
    if (seq == TRUSTM_CMD_SEQ_TERMINATE) {
        cmd_tlv(w, 0x04u, NULL, 0);
    } else if (from_oid != 0) {
        trustm_wbuf_u8(w, (uint8_t)(0x10u | seq));
        trustm_wbuf_be16(w, 6);
        trustm_wbuf_be16(w, from_oid);
        trustm_wbuf_be16(w, oid_offset);
        trustm_wbuf_be16(w, oid_len);
    } else {
        cmd_tlv(w, seq, data, len);
    }
    if (ctx_in != NULL)
        cmd_tlv(w, 0x06u, ctx_in, ctx_len);
    if (export_ctx)
        cmd_tlv(w, 0x07u, NULL, 0);
    return cmd_end(w, TRUSTM_APDU_MAX_DATA);
}

trustm_status_t trustm_cmd_hash_decode(const uint8_t *rsp, size_t rsp_len, int want_digest, int want_ctx,
                                       const uint8_t **digest, const uint8_t **ctx, size_t *ctx_len)
{
    static const uint8_t tags[2] = {0x01u, 0x06u};
    const uint8_t *v[2];
    size_t l[2];
    trustm_apdu_rsp_t r;
    trustm_status_t s = trustm_cmd_response_decode(rsp, rsp_len, &r);
    if (s != TRUSTM_OK)
        return s;
    if (trustm_cmd_tlv_split(r.out_data, r.out_len, tags, 2, v, l) != TRUSTM_OK)
        return CMD_ERR(TRUSTM_BASE_BAD_RESPONSE);
    if ((v[0] != NULL) != (want_digest != 0) || (v[1] != NULL) != (want_ctx != 0))
        return CMD_ERR(TRUSTM_BASE_BAD_RESPONSE);
    if (want_digest) {
        if (l[0] != TRUSTM_CMD_SHA256_LEN || digest == NULL)
            return CMD_ERR(TRUSTM_BASE_BAD_RESPONSE);
        *digest = v[0];
    }
    if (want_ctx) {
        if (l[1] == 0 || l[1] > TRUSTM_CMD_HASH_CTX_MAX || ctx == NULL || ctx_len == NULL)
            return CMD_ERR(TRUSTM_BASE_BAD_RESPONSE);
        *ctx = v[1];
        *ctx_len = l[1];
    }
    return TRUSTM_OK;
}

/* Flat forms (one contiguous buffer). */

trustm_status_t trustm_cmd_hash_encode(uint8_t seq, const uint8_t *data, size_t len, uint16_t from_oid,
                                       uint16_t oid_offset, uint16_t oid_len, const uint8_t *ctx_in, size_t ctx_len,
                                       int export_ctx, unsigned flags, uint8_t *out, size_t out_size, size_t *out_len)
{
    CMD_FLAT(
        trustm_cmd_hash_put(&w, seq, data, len, from_oid, oid_offset, oid_len, ctx_in, ctx_len, export_ctx, flags));
}
