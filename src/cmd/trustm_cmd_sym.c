/* EncryptSym, DecryptSym, GenSymKey (commands.md §5.7, §5.8, §5.17). Pure. */
#include "trustm_cmd_util.h"

trustm_status_t trustm_cmd_sym_put(trustm_wbuf_t *w, int decrypt, uint8_t mode, uint16_t key_oid, uint8_t seq,
                                   const uint8_t *data, size_t len, const uint8_t *iv, size_t iv_len, unsigned flags)
{
    if (data == NULL || len == 0 || (iv == NULL && iv_len > 0) || seq > TRUSTM_CMD_SEQ_FINAL)
        return CMD_ERR(TRUSTM_BASE_BAD_PARAM);
    if (2u + 3u + len + (iv != NULL ? 3u + iv_len : 0u) > TRUSTM_CMD_SYM_MAX_IN)
        return CMD_ERR(TRUSTM_BASE_BAD_PARAM);
    if (iv != NULL && seq != TRUSTM_CMD_SEQ_START && seq != TRUSTM_CMD_SEQ_START_FINAL)
        return CMD_ERR(TRUSTM_BASE_BAD_PARAM);
    cmd_begin(w, decrypt ? TRUSTM_CMD_DECRYPT_SYM : TRUSTM_CMD_ENCRYPT_SYM, mode, flags);
    trustm_wbuf_be16(w, key_oid);
    cmd_tlv(w, seq, data, len);
    if (iv != NULL)
        cmd_tlv(w, 0x41u, iv, iv_len);
    return cmd_end(w, TRUSTM_CMD_SYM_MAX_IN);
}

trustm_status_t trustm_cmd_hmac_verify_put(trustm_wbuf_t *w, uint8_t mode, uint16_t autoref_oid, uint16_t session_oid,
                                           const uint8_t *input, size_t input_len, const uint8_t *mac, size_t mac_len,
                                           unsigned flags)
{
    if ((input == NULL && input_len > 0) || mac == NULL || mac_len == 0)
        return CMD_ERR(TRUSTM_BASE_BAD_PARAM);
    if (2u + 3u + 2u + input_len + 3u + mac_len > TRUSTM_CMD_SYM_MAX_IN)
        return CMD_ERR(TRUSTM_BASE_BAD_PARAM);
    cmd_begin(w, TRUSTM_CMD_DECRYPT_SYM, mode, flags);
    trustm_wbuf_be16(w, autoref_oid);
    trustm_wbuf_u8(w, TRUSTM_CMD_SEQ_START_FINAL);
    trustm_wbuf_be16(w, (uint16_t)(2u + input_len));
    trustm_wbuf_be16(w, session_oid);
    if (input_len > 0)
        trustm_wbuf_ref(w, input, input_len);
    cmd_tlv(w, 0x43u, mac, mac_len);
    return cmd_end(w, TRUSTM_CMD_SYM_MAX_IN);
}

trustm_status_t trustm_cmd_auto_clear_put(trustm_wbuf_t *w, uint8_t mode, uint16_t autoref_oid, unsigned flags)
{
    cmd_begin(w, TRUSTM_CMD_DECRYPT_SYM, mode, flags);
    trustm_wbuf_be16(w, autoref_oid);
    cmd_tlv16(w, TRUSTM_CMD_SEQ_START_FINAL, 0x0000u);
    return cmd_end(w, TRUSTM_CMD_SYM_MAX_IN);
}

trustm_status_t trustm_cmd_gen_sym_key_put(trustm_wbuf_t *w, uint8_t alg, uint16_t key_oid, uint8_t usage,
                                           unsigned flags)
{
    if (alg < 0x81u || alg > 0x83u || (key_oid != 0 && usage == 0))
        return CMD_ERR(TRUSTM_BASE_BAD_PARAM);
    cmd_begin(w, TRUSTM_CMD_GEN_SYM_KEY, alg, flags);
    if (key_oid != 0) {
        cmd_tlv16(w, 0x01u, key_oid);
        cmd_tlv8(w, 0x02u, usage);
    } else {
        cmd_tlv(w, 0x07u, NULL, 0);
    }
    return cmd_end(w, TRUSTM_APDU_MAX_DATA);
}

/* Flat forms (one contiguous buffer). */

trustm_status_t trustm_cmd_sym_encode(int decrypt, uint8_t mode, uint16_t key_oid, uint8_t seq, const uint8_t *data,
                                      size_t len, const uint8_t *iv, size_t iv_len, unsigned flags, uint8_t *out,
                                      size_t out_size, size_t *out_len)
{
    CMD_FLAT(trustm_cmd_sym_put(&w, decrypt, mode, key_oid, seq, data, len, iv, iv_len, flags));
}

trustm_status_t trustm_cmd_hmac_verify_encode(uint8_t mode, uint16_t autoref_oid, uint16_t session_oid,
                                              const uint8_t *input, size_t input_len, const uint8_t *mac,
                                              size_t mac_len, unsigned flags, uint8_t *out, size_t out_size,
                                              size_t *out_len)
{
    CMD_FLAT(trustm_cmd_hmac_verify_put(&w, mode, autoref_oid, session_oid, input, input_len, mac, mac_len, flags));
}

trustm_status_t trustm_cmd_auto_clear_encode(uint8_t mode, uint16_t autoref_oid, unsigned flags, uint8_t *out,
                                             size_t out_size, size_t *out_len)
{
    CMD_FLAT(trustm_cmd_auto_clear_put(&w, mode, autoref_oid, flags));
}

trustm_status_t trustm_cmd_gen_sym_key_encode(uint8_t alg, uint16_t key_oid, uint8_t usage, unsigned flags,
                                              uint8_t *out, size_t out_size, size_t *out_len)
{
    CMD_FLAT(trustm_cmd_gen_sym_key_put(&w, alg, key_oid, usage, flags));
}
