/* GenKeyPair, CalcSign, VerifySign, EncryptAsym, DecryptAsym (commands.md §5.9-5.13, §5.16). Pure. */
#include "trustm_cmd_util.h"

#define RSA_MAX_DIGEST 64u
#define RSA_MAX_SIG    520u

trustm_status_t trustm_cmd_gen_key_pair_put(trustm_wbuf_t *w, uint8_t alg, uint16_t key_oid, uint8_t usage,
                                            unsigned flags)
{
    if (alg == 0 || (key_oid != 0 && usage == 0))
        return CMD_ERR(TRUSTM_BASE_BAD_PARAM);
    cmd_begin(w, TRUSTM_CMD_GEN_KEY_PAIR, alg, flags);
    if (key_oid != 0) {
        cmd_tlv16(w, 0x01u, key_oid);
        cmd_tlv8(w, 0x02u, usage);
    } else {
        cmd_tlv(w, 0x07u, NULL, 0);
    }
    return cmd_end(w, TRUSTM_APDU_MAX_DATA);
}

trustm_status_t trustm_cmd_gen_key_pair_decode(const uint8_t *rsp, size_t rsp_len, int exported, const uint8_t **priv,
                                               size_t *priv_len, const uint8_t **pub, size_t *pub_len)
{
    static const uint8_t tags[2] = {0x01u, 0x02u};
    const uint8_t *v[2];
    size_t l[2];
    trustm_apdu_rsp_t r;
    trustm_status_t s = trustm_cmd_response_decode(rsp, rsp_len, &r);
    if (s != TRUSTM_OK)
        return s;
    if (trustm_cmd_tlv_split(r.out_data, r.out_len, tags, 2, v, l) != TRUSTM_OK)
        return CMD_ERR(TRUSTM_BASE_BAD_RESPONSE);
    if (v[1] == NULL || l[1] == 0 || (v[0] != NULL) != (exported != 0) || (exported && l[0] == 0))
        return CMD_ERR(TRUSTM_BASE_BAD_RESPONSE);
    if (exported) {
        if (priv == NULL || priv_len == NULL)
            return CMD_ERR(TRUSTM_BASE_BAD_PARAM);
        *priv = v[0];
        *priv_len = l[0];
    }
    *pub = v[1];
    *pub_len = l[1];
    return TRUSTM_OK;
}

trustm_status_t trustm_cmd_calc_sign_put(trustm_wbuf_t *w, uint8_t scheme, const uint8_t *digest, size_t digest_len,
                                         uint16_t key_oid, unsigned flags)
{
    if (digest == NULL || digest_len == 0 || digest_len > RSA_MAX_DIGEST)
        return CMD_ERR(TRUSTM_BASE_BAD_PARAM);
    cmd_begin(w, TRUSTM_CMD_CALC_SIGN, scheme, flags);
    cmd_tlv(w, 0x01u, digest, digest_len);
    cmd_tlv16(w, 0x03u, key_oid);
    return cmd_end(w, TRUSTM_APDU_MAX_DATA);
}

/* Key source shared by VerifySign and EncryptAsym. */
static void key_source(trustm_wbuf_t *w, uint16_t cert_oid, uint8_t alg, const uint8_t *pub, size_t pub_len)
{
    if (pub != NULL) {
        cmd_tlv8(w, 0x05u, alg);
        cmd_tlv(w, 0x06u, pub, pub_len);
    } else {
        cmd_tlv16(w, 0x04u, cert_oid);
    }
}

static bool key_source_ok(uint16_t cert_oid, const uint8_t *pub, size_t pub_len)
{
    return pub != NULL ? (pub_len > 0 && pub_len <= 600u) : cert_oid != 0;
}

trustm_status_t trustm_cmd_verify_sign_put(trustm_wbuf_t *w, uint8_t scheme, const uint8_t *digest, size_t digest_len,
                                           const uint8_t *sig, size_t sig_len, uint16_t cert_oid, uint8_t alg,
                                           const uint8_t *pub, size_t pub_len, unsigned flags)
{
    if (digest == NULL || digest_len == 0 || digest_len > RSA_MAX_DIGEST || sig == NULL || sig_len == 0 ||
        sig_len > RSA_MAX_SIG || !key_source_ok(cert_oid, pub, pub_len))
        return CMD_ERR(TRUSTM_BASE_BAD_PARAM);
    cmd_begin(w, TRUSTM_CMD_VERIFY_SIGN, scheme, flags);
    cmd_tlv(w, 0x01u, digest, digest_len);
    cmd_tlv(w, 0x02u, sig, sig_len);
    key_source(w, cert_oid, alg, pub, pub_len);
    return cmd_end(w, TRUSTM_APDU_MAX_DATA);
}

trustm_status_t trustm_cmd_encrypt_asym_put(trustm_wbuf_t *w, const uint8_t *msg, size_t msg_len, uint16_t session_oid,
                                            uint16_t cert_oid, uint8_t alg, const uint8_t *pub, size_t pub_len,
                                            unsigned flags)
{
    if (!key_source_ok(cert_oid, pub, pub_len) || (msg != NULL ? (msg_len == 0 || msg_len > 256u) : session_oid == 0))
        return CMD_ERR(TRUSTM_BASE_BAD_PARAM);
    cmd_begin(w, TRUSTM_CMD_ENCRYPT_ASYM, TRUSTM_CMD_RSAES_PKCS1_V15, flags);
    if (msg != NULL)
        cmd_tlv(w, 0x61u, msg, msg_len);
    else
        cmd_tlv16(w, 0x02u, session_oid);
    key_source(w, cert_oid, alg, pub, pub_len);
    return cmd_end(w, TRUSTM_APDU_MAX_DATA);
}

trustm_status_t trustm_cmd_decrypt_asym_put(trustm_wbuf_t *w, const uint8_t *ct, size_t ct_len, uint16_t key_oid,
                                            uint16_t session_oid, unsigned flags)
{
    if (ct == NULL || ct_len == 0 || ct_len > 512u)
        return CMD_ERR(TRUSTM_BASE_BAD_PARAM);
    cmd_begin(w, TRUSTM_CMD_DECRYPT_ASYM, TRUSTM_CMD_RSAES_PKCS1_V15, flags);
    cmd_tlv(w, 0x61u, ct, ct_len);
    cmd_tlv16(w, 0x03u, key_oid);
    if (session_oid != 0)
        cmd_tlv16(w, 0x02u, session_oid);
    return cmd_end(w, TRUSTM_APDU_MAX_DATA);
}

/* Flat forms (one contiguous buffer). */

trustm_status_t trustm_cmd_gen_key_pair_encode(uint8_t alg, uint16_t key_oid, uint8_t usage, unsigned flags,
                                               uint8_t *out, size_t out_size, size_t *out_len)
{
    CMD_FLAT(trustm_cmd_gen_key_pair_put(&w, alg, key_oid, usage, flags));
}

trustm_status_t trustm_cmd_calc_sign_encode(uint8_t scheme, const uint8_t *digest, size_t digest_len, uint16_t key_oid,
                                            unsigned flags, uint8_t *out, size_t out_size, size_t *out_len)
{
    CMD_FLAT(trustm_cmd_calc_sign_put(&w, scheme, digest, digest_len, key_oid, flags));
}

trustm_status_t trustm_cmd_verify_sign_encode(uint8_t scheme, const uint8_t *digest, size_t digest_len,
                                              const uint8_t *sig, size_t sig_len, uint16_t cert_oid, uint8_t alg,
                                              const uint8_t *pub, size_t pub_len, unsigned flags, uint8_t *out,
                                              size_t out_size, size_t *out_len)
{
    CMD_FLAT(
        trustm_cmd_verify_sign_put(&w, scheme, digest, digest_len, sig, sig_len, cert_oid, alg, pub, pub_len, flags));
}

trustm_status_t trustm_cmd_encrypt_asym_encode(const uint8_t *msg, size_t msg_len, uint16_t session_oid,
                                               uint16_t cert_oid, uint8_t alg, const uint8_t *pub, size_t pub_len,
                                               unsigned flags, uint8_t *out, size_t out_size, size_t *out_len)
{
    CMD_FLAT(trustm_cmd_encrypt_asym_put(&w, msg, msg_len, session_oid, cert_oid, alg, pub, pub_len, flags));
}

trustm_status_t trustm_cmd_decrypt_asym_encode(const uint8_t *ct, size_t ct_len, uint16_t key_oid, uint16_t session_oid,
                                               unsigned flags, uint8_t *out, size_t out_size, size_t *out_len)
{
    CMD_FLAT(trustm_cmd_decrypt_asym_put(&w, ct, ct_len, key_oid, session_oid, flags));
}
