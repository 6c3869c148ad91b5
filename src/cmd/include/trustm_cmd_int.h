/*
 * trustm_cmd_int.h - APDU builders and response parsers (commands.md §2, §3, §5.1-5.3): pure
 * functions over caller buffers. The only header of src/cmd for the layer above; it also
 * exposes the stack interface (trustm_stack.h) that the service API drives.
 *
 * Builders: (inputs..., flags, out, out_size, *out_len) -> TRUSTM_OK, or CMD BUFFER_TOO_SMALL /
 * BAD_PARAM. Each exists as trustm_cmd_X_put(w, inputs..., flags) too, writing into a fresh
 * writer: over a flat buffer, or in gather mode (trustm_bytes.h), where the large inputs are
 * referenced, not copied -- the form the service API uses (no APDU buffer in the device).
 * By default command codes carry the flush bit (0x80 | code, as the vendor host);
 * TRUSTM_CMD_FLAG_PLAIN selects the plain codes the datasheet logs use (0x70, 0x01, ...).
 * Parsers check every length: a response whose OutLen disagrees with its size, or whose Sta
 * is neither 00 nor FF, is CMD BAD_RESPONSE. Sta FF gives TRUSTM_DEVICE_ERR(0) ("the chip
 * reported an error; read 0xF1C2 for the code").
 */
#ifndef TRUSTM_CMD_INT_H
#define TRUSTM_CMD_INT_H

#include <stddef.h>
#include <stdint.h>

#include "trustm/trustm_status.h"
#include "trustm_apdu.h"
#include "trustm_bytes.h"
#include "trustm_stack.h"

#define TRUSTM_CMD_FLAG_PLAIN 0x01u /* plain command codes (no "flush last error" bit) */

#define TRUSTM_CMD_OPEN_PARAM_INIT       0x00u
#define TRUSTM_CMD_OPEN_PARAM_RESTORE    0x01u
#define TRUSTM_CMD_CLOSE_PARAM_CLOSE     0x00u
#define TRUSTM_CMD_CLOSE_PARAM_HIBERNATE 0x01u
#define TRUSTM_CMD_CONTEXT_HANDLE_SIZE   8u
#define TRUSTM_CMD_GET_DATA_PARAM_DATA   0x00u
#define TRUSTM_CMD_GET_DATA_PARAM_META   0x01u
#define TRUSTM_OID_LAST_ERROR            0xF1C2u
#define TRUSTM_CMD_STA_FAILED            TRUSTM_DEVICE_ERR(0) /* Sta FF, code not yet read */

/* Expected execution time of the command in apdu (us; 0 = unknown): the host waits that long
 * after the last frame before its first poll (trustm_cmd_timing.c). */
uint32_t trustm_cmd_expected_us(const uint8_t *apdu, size_t len);
/* Command code with or without the flush bit. */
uint8_t trustm_cmd_code(uint8_t code, unsigned flags);

/* OpenApplication: Param 0 (handle NULL) or Param 1 (8-byte context handle). */
trustm_status_t trustm_cmd_open_application_encode(uint8_t param, const uint8_t *handle, unsigned flags, uint8_t *out,
                                                   size_t out_size, size_t *out_len);
/* CloseApplication: Param 0 (close) or 1 (hibernate). */
trustm_status_t trustm_cmd_close_application_encode(uint8_t param, unsigned flags, uint8_t *out, size_t out_size,
                                                    size_t *out_len);
/* GetDataObject Param 0 with OID || offset || length (length 1..0xFFFF). */
trustm_status_t trustm_cmd_get_data_encode(uint16_t oid, uint16_t offset, uint16_t length, unsigned flags, uint8_t *out,
                                           size_t out_size, size_t *out_len);
/* GetDataObject Param 1 (metadata) with OID. */
trustm_status_t trustm_cmd_get_metadata_encode(uint16_t oid, unsigned flags, uint8_t *out, size_t out_size,
                                               size_t *out_len);
/* The Last Error Code read: always plain Cmd 01 (the flush bit would clear the code):
 * 01 00 00 06 F1 C2 00 00 00 01. */
trustm_status_t trustm_cmd_last_error_encode(uint8_t *out, size_t out_size, size_t *out_len);

/* Generic response check: OK (Sta 00, *r filled), TRUSTM_CMD_STA_FAILED (Sta FF), or
 * CMD BAD_RESPONSE. */
trustm_status_t trustm_cmd_response_decode(const uint8_t *rsp, size_t rsp_len, trustm_apdu_rsp_t *r);
/* The same from the response's first head_len (>= 4) bytes, for a response of rsp_len bytes in
 * all whose OutData went elsewhere: OK, TRUSTM_CMD_STA_FAILED or CMD BAD_RESPONSE. */
trustm_status_t trustm_cmd_response_head_decode(const uint8_t *head, size_t head_len, size_t rsp_len);
/* OpenApplication / CloseApplication(0): success carries no data. */
trustm_status_t trustm_cmd_no_data_decode(const uint8_t *rsp, size_t rsp_len);
/* CloseApplication(1): exactly 8 bytes of context handle. */
trustm_status_t trustm_cmd_close_hibernate_decode(const uint8_t *rsp, size_t rsp_len,
                                                  uint8_t handle[TRUSTM_CMD_CONTEXT_HANDLE_SIZE]);
/* GetDataObject: OutData (*data, *data_len); data reads may not return more than max_len. */
trustm_status_t trustm_cmd_get_data_decode(const uint8_t *rsp, size_t rsp_len, size_t max_len, const uint8_t **data,
                                           size_t *data_len);
/* Last error read: exactly one byte of code. */
trustm_status_t trustm_cmd_last_error_decode(const uint8_t *rsp, size_t rsp_len, uint8_t *code);

/* ===================================================================================
 * Full command set (commands.md §5.4-§5.17). Same conventions as above: builders return
 * CMD BAD_PARAM for arguments the chip would reject by construction (e.g. InData > 1553,
 * empty data where the command needs some) and CMD BUFFER_TOO_SMALL when out cannot hold
 * the APDU; decoders return CMD BAD_RESPONSE for any response that is not exactly of the
 * documented shape (lengths inside the TLVs, unknown or duplicated tags, wrong sizes).
 * =================================================================================== */

/* Generic response TLV splitter: OutData must consist only of TLVs (tag 1, len 2 BE) whose
 * tags are listed in tags[0..n); each tag at most once; each length inside OutData.
 * vals[i]/lens[i] are set for tags[i] (vals[i] NULL when absent). */
trustm_status_t trustm_cmd_tlv_split(const uint8_t *data, size_t len, const uint8_t *tags, size_t n,
                                     const uint8_t **vals, size_t *lens);

/* SetDataObject (§5.4). */
#define TRUSTM_CMD_SET_DATA_PARAM_WRITE 0x00u
#define TRUSTM_CMD_SET_DATA_PARAM_META  0x01u
#define TRUSTM_CMD_SET_DATA_PARAM_COUNT 0x02u
#define TRUSTM_CMD_SET_DATA_PARAM_ERASE 0x40u
#define TRUSTM_CMD_SET_DATA_MAX         (TRUSTM_APDU_MAX_DATA - 4u) /* 1549 */
trustm_status_t trustm_cmd_set_data_encode(uint8_t param, uint16_t oid, uint16_t offset, const uint8_t *data,
                                           size_t len, unsigned flags, uint8_t *out, size_t out_size, size_t *out_len);

/* GetRandom (§5.6): session_oid 0 = no session (then opt must be NULL/0). */
trustm_status_t trustm_cmd_random_encode(uint8_t param, uint16_t len, uint16_t session_oid, const uint8_t *opt,
                                         size_t opt_len, unsigned flags, uint8_t *out, size_t out_size,
                                         size_t *out_len);
/* Exactly `expect` bytes of OutData (0 for the pre-master secret form). */
trustm_status_t trustm_cmd_raw_decode(const uint8_t *rsp, size_t rsp_len, size_t expect, const uint8_t **data);
/* Raw OutData of 1..max bytes (signatures). */
trustm_status_t trustm_cmd_raw_var_decode(const uint8_t *rsp, size_t rsp_len, size_t max, const uint8_t **data,
                                          size_t *data_len);

/* CalcHash (§5.11). seq = TRUSTM_CMD_SEQ_*; from_oid != 0: data from object (tag 0x1y) with
 * oid_offset/oid_len instead of host data. seq TERMINATE sends 04 00 00 only. */
#define TRUSTM_CMD_SEQ_START       0x00u
#define TRUSTM_CMD_SEQ_START_FINAL 0x01u
#define TRUSTM_CMD_SEQ_CONTINUE    0x02u
#define TRUSTM_CMD_SEQ_FINAL       0x03u
#define TRUSTM_CMD_SEQ_TERMINATE   0x04u
#define TRUSTM_CMD_HASH_SHA256     0xE2u
#define TRUSTM_CMD_HASH_CTX_MAX    209u
#define TRUSTM_CMD_SHA256_LEN      32u
trustm_status_t trustm_cmd_hash_encode(uint8_t seq, const uint8_t *data, size_t len, uint16_t from_oid,
                                       uint16_t oid_offset, uint16_t oid_len, const uint8_t *ctx_in, size_t ctx_len,
                                       int export_ctx, unsigned flags, uint8_t *out, size_t out_size, size_t *out_len);
/* want_digest: exactly 01 00 20 <32>; want_ctx: exactly one 06 LL LL ctx (1..209). */
trustm_status_t trustm_cmd_hash_decode(const uint8_t *rsp, size_t rsp_len, int want_digest, int want_ctx,
                                       const uint8_t **digest, const uint8_t **ctx, size_t *ctx_len);

/* EncryptSym / DecryptSym (§5.7, §5.8). iv may be NULL. */
#define TRUSTM_CMD_SYM_MAX_IN 640u
trustm_status_t trustm_cmd_sym_encode(int decrypt, uint8_t mode, uint16_t key_oid, uint8_t seq, const uint8_t *data,
                                      size_t len, const uint8_t *iv, size_t iv_len, unsigned flags, uint8_t *out,
                                      size_t out_size, size_t *out_len);
/* HMAC verification (DecryptSym, y = 1, session || input, tag 43). */
trustm_status_t trustm_cmd_hmac_verify_encode(uint8_t mode, uint16_t autoref_oid, uint16_t session_oid,
                                              const uint8_t *input, size_t input_len, const uint8_t *mac,
                                              size_t mac_len, unsigned flags, uint8_t *out, size_t out_size,
                                              size_t *out_len);
/* Clear Auto state: 95 <mode> 00 07 <oid> 01 00 02 00 00. */
trustm_status_t trustm_cmd_auto_clear_encode(uint8_t mode, uint16_t autoref_oid, unsigned flags, uint8_t *out,
                                             size_t out_size, size_t *out_len);
/* Responses with an optional single TLV of tag `tag` (0x61 for sym/asym output):
 * want = 0: OutData must be empty; want = 1: exactly one such TLV (length 0..max). */
trustm_status_t trustm_cmd_tlv1_decode(const uint8_t *rsp, size_t rsp_len, uint8_t tag, int want, size_t max,
                                       const uint8_t **data, size_t *data_len);

/* GenSymKey (§5.17): key_oid 0 = export. */
trustm_status_t trustm_cmd_gen_sym_key_encode(uint8_t alg, uint16_t key_oid, uint8_t usage, unsigned flags,
                                              uint8_t *out, size_t out_size, size_t *out_len);

/* GenKeyPair (§5.16): key_oid 0 = export. */
trustm_status_t trustm_cmd_gen_key_pair_encode(uint8_t alg, uint16_t key_oid, uint8_t usage, unsigned flags,
                                               uint8_t *out, size_t out_size, size_t *out_len);
/* exported: 01 priv and 02 pub (any order); else exactly 02 pub. */
trustm_status_t trustm_cmd_gen_key_pair_decode(const uint8_t *rsp, size_t rsp_len, int exported, const uint8_t **priv,
                                               size_t *priv_len, const uint8_t **pub, size_t *pub_len);

/* CalcSign (§5.12). */
trustm_status_t trustm_cmd_calc_sign_encode(uint8_t scheme, const uint8_t *digest, size_t digest_len, uint16_t key_oid,
                                            unsigned flags, uint8_t *out, size_t out_size, size_t *out_len);
/* VerifySign (§5.13): pub != NULL: host key (05 alg, 06 pub); else certificate cert_oid (04). */
trustm_status_t trustm_cmd_verify_sign_encode(uint8_t scheme, const uint8_t *digest, size_t digest_len,
                                              const uint8_t *sig, size_t sig_len, uint16_t cert_oid, uint8_t alg,
                                              const uint8_t *pub, size_t pub_len, unsigned flags, uint8_t *out,
                                              size_t out_size, size_t *out_len);
/* EncryptAsym (§5.9): msg != NULL: 61 msg; else 02 session_oid. Key as VerifySign. */
#define TRUSTM_CMD_RSAES_PKCS1_V15 0x11u
trustm_status_t trustm_cmd_encrypt_asym_encode(const uint8_t *msg, size_t msg_len, uint16_t session_oid,
                                               uint16_t cert_oid, uint8_t alg, const uint8_t *pub, size_t pub_len,
                                               unsigned flags, uint8_t *out, size_t out_size, size_t *out_len);
/* DecryptAsym (§5.10): session_oid 0 = export. */
trustm_status_t trustm_cmd_decrypt_asym_encode(const uint8_t *ct, size_t ct_len, uint16_t key_oid, uint16_t session_oid,
                                               unsigned flags, uint8_t *out, size_t out_size, size_t *out_len);

/* DeriveKey (§5.15): TLV order 01, 03, [04], 02, 07|08 like the vendor host. The derivation
 * data is d1 || d2 (label || seed for the PRF, salt for HKDF). info NULL = no 04 TLV.
 * session_oid 0 = export. */
trustm_status_t trustm_cmd_derive_key_encode(uint8_t param, uint16_t secret_oid, const uint8_t *d1, size_t l1,
                                             const uint8_t *d2, size_t l2, const uint8_t *info, size_t info_len,
                                             uint16_t key_len, uint16_t session_oid, unsigned flags, uint8_t *out,
                                             size_t out_size, size_t *out_len);

/* ---- the same builders over a writer (see above) ---- */
trustm_status_t trustm_cmd_open_application_put(trustm_wbuf_t *w, uint8_t param, const uint8_t *handle, unsigned flags);
trustm_status_t trustm_cmd_close_application_put(trustm_wbuf_t *w, uint8_t param, unsigned flags);
trustm_status_t trustm_cmd_get_data_put(trustm_wbuf_t *w, uint16_t oid, uint16_t offset, uint16_t length,
                                        unsigned flags);
trustm_status_t trustm_cmd_get_metadata_put(trustm_wbuf_t *w, uint16_t oid, unsigned flags);
trustm_status_t trustm_cmd_last_error_put(trustm_wbuf_t *w);
trustm_status_t trustm_cmd_set_data_put(trustm_wbuf_t *w, uint8_t param, uint16_t oid, uint16_t offset,
                                        const uint8_t *data, size_t len, unsigned flags);
trustm_status_t trustm_cmd_random_put(trustm_wbuf_t *w, uint8_t param, uint16_t len, uint16_t session_oid,
                                      const uint8_t *opt, size_t opt_len, unsigned flags);
trustm_status_t trustm_cmd_hash_put(trustm_wbuf_t *w, uint8_t seq, const uint8_t *data, size_t len, uint16_t from_oid,
                                    uint16_t oid_offset, uint16_t oid_len, const uint8_t *ctx_in, size_t ctx_len,
                                    int export_ctx, unsigned flags);
trustm_status_t trustm_cmd_sym_put(trustm_wbuf_t *w, int decrypt, uint8_t mode, uint16_t key_oid, uint8_t seq,
                                   const uint8_t *data, size_t len, const uint8_t *iv, size_t iv_len, unsigned flags);
trustm_status_t trustm_cmd_hmac_verify_put(trustm_wbuf_t *w, uint8_t mode, uint16_t autoref_oid, uint16_t session_oid,
                                           const uint8_t *input, size_t input_len, const uint8_t *mac, size_t mac_len,
                                           unsigned flags);
trustm_status_t trustm_cmd_auto_clear_put(trustm_wbuf_t *w, uint8_t mode, uint16_t autoref_oid, unsigned flags);
trustm_status_t trustm_cmd_gen_sym_key_put(trustm_wbuf_t *w, uint8_t alg, uint16_t key_oid, uint8_t usage,
                                           unsigned flags);
trustm_status_t trustm_cmd_gen_key_pair_put(trustm_wbuf_t *w, uint8_t alg, uint16_t key_oid, uint8_t usage,
                                            unsigned flags);
trustm_status_t trustm_cmd_calc_sign_put(trustm_wbuf_t *w, uint8_t scheme, const uint8_t *digest, size_t digest_len,
                                         uint16_t key_oid, unsigned flags);
trustm_status_t trustm_cmd_verify_sign_put(trustm_wbuf_t *w, uint8_t scheme, const uint8_t *digest, size_t digest_len,
                                           const uint8_t *sig, size_t sig_len, uint16_t cert_oid, uint8_t alg,
                                           const uint8_t *pub, size_t pub_len, unsigned flags);
trustm_status_t trustm_cmd_encrypt_asym_put(trustm_wbuf_t *w, const uint8_t *msg, size_t msg_len, uint16_t session_oid,
                                            uint16_t cert_oid, uint8_t alg, const uint8_t *pub, size_t pub_len,
                                            unsigned flags);
trustm_status_t trustm_cmd_decrypt_asym_put(trustm_wbuf_t *w, const uint8_t *ct, size_t ct_len, uint16_t key_oid,
                                            uint16_t session_oid, unsigned flags);
trustm_status_t trustm_cmd_derive_key_put(trustm_wbuf_t *w, uint8_t param, uint16_t secret_oid, const uint8_t *d1,
                                          size_t l1, const uint8_t *d2, size_t l2, const uint8_t *info, size_t info_len,
                                          uint16_t key_len, uint16_t session_oid, unsigned flags);

#endif
