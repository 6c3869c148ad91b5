/* EncryptSym / DecryptSym (AES ECB, CBC, CBC-MAC, CMAC; HMAC), HMAC verification, Auto state,
 * GenSymKey. Inputs are cut into commands of at most 640 bytes InData (block multiples for the
 * AES modes), like the vendor host. */
#include <string.h>

#include "trustm/trustm_crypt.h"
#include "trustm_api_int.h"

enum { K_ONESHOT, K_START, K_CONTINUE, K_FINAL };

typedef struct sym_state {
    uint8_t kind;
    uint8_t decrypt;
    uint8_t mode;
    uint8_t seq; /* of the command in flight */
    uint16_t key;
    const uint8_t *iv;
    size_t iv_len;
    const uint8_t *in;
    size_t len;
    size_t done;
    size_t chunk;
    uint8_t *out;
    size_t out_size;
    size_t *out_len;
    size_t produced;
} sym_state_t;
API_STATE_FITS(sym_state_t);

static bool is_hmac(uint8_t mode)
{
    return mode >= TRUSTM_HMAC_SHA256 && mode <= TRUSTM_HMAC_SHA512;
}
static bool is_mac(uint8_t mode)
{
    return mode == TRUSTM_SYM_CBC_MAC || mode == TRUSTM_SYM_CMAC || is_hmac(mode);
}

static size_t mac_size(uint8_t mode)
{
    switch (mode) {
    case TRUSTM_HMAC_SHA256:
        return 32;
    case TRUSTM_HMAC_SHA384:
        return 48;
    case TRUSTM_HMAC_SHA512:
        return 64;
    default:
        return TRUSTM_AES_BLOCK;
    }
}

static bool first_cmd(const sym_state_t *st)
{
    return st->done == 0 && (st->kind == K_ONESHOT || st->kind == K_START);
}

static trustm_status_t sym_build(api_op_t *op, trustm_wbuf_t *w)
{
    sym_state_t *st = API_STATE(op, sym_state_t);
    bool first = first_cmd(st);
    const uint8_t *iv = first ? st->iv : NULL;
    size_t max = TRUSTM_CMD_SYM_MAX_IN - 2u - 3u - (iv != NULL ? 3u + st->iv_len : 0u);
    size_t left = st->len - st->done;
    if (left <= max)
        st->chunk = left;
    else
        st->chunk = is_hmac(st->mode) ? max : max - max % TRUSTM_AES_BLOCK;
    bool last = st->done + st->chunk == st->len;
    switch (st->kind) {
    case K_ONESHOT:
        st->seq = first ? (last ? TRUSTM_CMD_SEQ_START_FINAL : TRUSTM_CMD_SEQ_START)
                        : (last ? TRUSTM_CMD_SEQ_FINAL : TRUSTM_CMD_SEQ_CONTINUE);
        break;
    case K_START:
        st->seq = first ? TRUSTM_CMD_SEQ_START : TRUSTM_CMD_SEQ_CONTINUE;
        break;
    case K_FINAL:
        st->seq = last ? TRUSTM_CMD_SEQ_FINAL : TRUSTM_CMD_SEQ_CONTINUE;
        break;
    default:
        st->seq = TRUSTM_CMD_SEQ_CONTINUE;
        break;
    }
    api_rsp_tlv(op, 0x61u, st->out != NULL ? st->out + st->produced : NULL, st->out_size - st->produced);
    size_t expect = is_mac(st->mode) ? mac_size(st->mode) : st->chunk; /* ECB/CBC: one block per block */
    api_rsp_accept(op, expect, expect);
    return trustm_cmd_sym_put(w, st->decrypt, st->mode, st->key, st->seq, st->in + st->done, st->chunk, iv,
                              iv != NULL ? st->iv_len : 0u, op->cmd_flags);
}

static trustm_status_t sym_parse(api_op_t *op, const uint8_t *rsp, size_t rsp_len)
{
    sym_state_t *st = API_STATE(op, sym_state_t);
    bool ends = st->seq == TRUSTM_CMD_SEQ_START_FINAL || st->seq == TRUSTM_CMD_SEQ_FINAL;
    size_t n = 0;
    size_t expect;
    int want;
    if (is_mac(st->mode)) {
        want = ends;
        expect = ends ? mac_size(st->mode) : 0u;
    } else {
        want = 1;
        expect = st->chunk; /* ECB/CBC: one output block per input block */
    }
    (void)rsp;
    (void)rsp_len;
    if ((api_rsp_out(op, 0x61u, &n) != NULL) != (want != 0) || n != expect)
        return API_BAD_RESPONSE;
    if (n > st->out_size - st->produced)
        return API_TOO_SMALL; /* prevented by the start checks; kept as a guard */
    st->produced += n;
    st->done += st->chunk;
    if (st->done < st->len)
        return TRUSTM_IN_PROGRESS;
    if (st->out_len != NULL)
        *st->out_len = st->produced;
    if (st->kind == K_START) {
        op->shared->sym_open = 1;
        op->shared->sym_decrypt = st->decrypt;
        op->shared->sym_mode = st->mode;
        op->shared->sym_key = st->key;
    } else if (st->kind != K_CONTINUE) {
        op->shared->sym_open = 0;
    }
    return TRUSTM_OK;
}

static trustm_status_t sym_error(api_op_t *op, trustm_status_t err)
{
    op->shared->sym_open = 0; /* the chip drops the sequence on an error */
    return err;
}

static const api_op_ops_t sym_ops = {sym_build, sym_parse, sym_error, 1, NULL};

/* Common argument checks and output sizing; kind/decrypt/mode/key already in st. */
static trustm_status_t sym_launch(trustm_device_t *dev, sym_state_t *st)
{
    bool aes = !is_hmac(st->mode);
    bool ends = st->kind == K_ONESHOT || st->kind == K_FINAL;
    if (st->in == NULL || st->len == 0 || (st->out == NULL && st->out_size > 0))
        return API_BAD_PARAM;
    if (st->decrypt ? (st->mode != TRUSTM_SYM_ECB && st->mode != TRUSTM_SYM_CBC)
                    : (st->mode < TRUSTM_SYM_ECB || (st->mode > TRUSTM_SYM_CMAC && !is_hmac(st->mode))))
        return API_BAD_PARAM;
    if (st->iv != NULL ? (st->mode != TRUSTM_SYM_CBC || st->iv_len != TRUSTM_AES_BLOCK) : st->iv_len != 0)
        return API_BAD_PARAM;
    /* alignment: ECB/CBC/CBC-MAC always; CMAC except for the last command */
    if (aes && st->len % TRUSTM_AES_BLOCK != 0 && !(st->mode == TRUSTM_SYM_CMAC && ends))
        return API_BAD_PARAM;
    size_t need = is_mac(st->mode) ? (ends ? mac_size(st->mode) : 0u) : st->len;
    if (need > st->out_size)
        return API_TOO_SMALL;
    if (need > 0 && st->out_len == NULL)
        return API_BAD_PARAM;
    return api_op_start(dev, &sym_ops, st, sizeof *st);
}

static trustm_status_t sym_oneshot(trustm_device_t *dev, bool decrypt, uint8_t mode, uint16_t key_oid,
                                   const uint8_t *iv, size_t iv_len, const uint8_t *in, size_t len, uint8_t *out,
                                   size_t out_size, size_t *out_len)
{
    sym_state_t st;
    memset(&st, 0, sizeof st);
    st.kind = K_ONESHOT;
    st.decrypt = decrypt;
    st.mode = mode;
    st.key = key_oid;
    st.iv = iv;
    st.iv_len = iv_len;
    st.in = in;
    st.len = len;
    st.out = out;
    st.out_size = out_size;
    st.out_len = out_len;
    return sym_launch(dev, &st);
}

trustm_status_t trustm_op_start_sym_encrypt(trustm_device_t *dev, uint16_t key_oid, uint8_t mode, const uint8_t *iv,
                                            size_t iv_len, const uint8_t *in, size_t len, uint8_t *out, size_t out_size,
                                            size_t *out_len)
{
    if (is_hmac(mode))
        return API_BAD_PARAM; /* trustm_hmac() */
    return sym_oneshot(dev, false, mode, key_oid, iv, iv_len, in, len, out, out_size, out_len);
}

trustm_status_t trustm_sym_encrypt(trustm_device_t *dev, uint16_t key_oid, uint8_t mode, const uint8_t *iv,
                                   size_t iv_len, const uint8_t *in, size_t len, uint8_t *out, size_t out_size,
                                   size_t *out_len)
{
    return api_run(dev, trustm_op_start_sym_encrypt(dev, key_oid, mode, iv, iv_len, in, len, out, out_size, out_len));
}

trustm_status_t trustm_op_start_sym_decrypt(trustm_device_t *dev, uint16_t key_oid, uint8_t mode, const uint8_t *iv,
                                            size_t iv_len, const uint8_t *in, size_t len, uint8_t *out, size_t out_size,
                                            size_t *out_len)
{
    return sym_oneshot(dev, true, mode, key_oid, iv, iv_len, in, len, out, out_size, out_len);
}

trustm_status_t trustm_sym_decrypt(trustm_device_t *dev, uint16_t key_oid, uint8_t mode, const uint8_t *iv,
                                   size_t iv_len, const uint8_t *in, size_t len, uint8_t *out, size_t out_size,
                                   size_t *out_len)
{
    return api_run(dev, trustm_op_start_sym_decrypt(dev, key_oid, mode, iv, iv_len, in, len, out, out_size, out_len));
}

trustm_status_t trustm_op_start_sym_setup(trustm_device_t *dev, uint16_t key_oid, bool decrypt, uint8_t mode,
                                          const uint8_t *iv, size_t iv_len, const uint8_t *in, size_t len, uint8_t *out,
                                          size_t out_size, size_t *out_len)
{
    sym_state_t st;
    memset(&st, 0, sizeof st);
    st.kind = K_START;
    st.decrypt = decrypt;
    st.mode = mode;
    st.key = key_oid;
    st.iv = iv;
    st.iv_len = iv_len;
    st.in = in;
    st.len = len;
    st.out = out;
    st.out_size = out_size;
    st.out_len = out_len;
    return sym_launch(dev, &st);
}

trustm_status_t trustm_sym_setup(trustm_device_t *dev, uint16_t key_oid, bool decrypt, uint8_t mode, const uint8_t *iv,
                                 size_t iv_len, const uint8_t *in, size_t len, uint8_t *out, size_t out_size,
                                 size_t *out_len)
{
    return api_run(dev,
                   trustm_op_start_sym_setup(dev, key_oid, decrypt, mode, iv, iv_len, in, len, out, out_size, out_len));
}

static trustm_status_t sym_next(trustm_device_t *dev, uint8_t kind, const uint8_t *in, size_t len, uint8_t *out,
                                size_t out_size, size_t *out_len)
{
    sym_state_t st;
    api_shared_t *sh = api_shared(dev);
    if (sh == NULL)
        return API_BAD_PARAM;
    if (!sh->sym_open)
        return API_ERR(TRUSTM_BASE_BAD_SEQUENCE); /* no start on this device */
    memset(&st, 0, sizeof st);
    st.kind = kind;
    st.decrypt = sh->sym_decrypt;
    st.mode = sh->sym_mode;
    st.key = sh->sym_key;
    st.in = in;
    st.len = len;
    st.out = out;
    st.out_size = out_size;
    st.out_len = out_len;
    return sym_launch(dev, &st);
}

trustm_status_t trustm_op_start_sym_update(trustm_device_t *dev, const uint8_t *in, size_t len, uint8_t *out,
                                           size_t out_size, size_t *out_len)
{
    return sym_next(dev, K_CONTINUE, in, len, out, out_size, out_len);
}

trustm_status_t trustm_sym_update(trustm_device_t *dev, const uint8_t *in, size_t len, uint8_t *out, size_t out_size,
                                  size_t *out_len)
{
    return api_run(dev, trustm_op_start_sym_update(dev, in, len, out, out_size, out_len));
}

trustm_status_t trustm_op_start_sym_finish(trustm_device_t *dev, const uint8_t *in, size_t len, uint8_t *out,
                                           size_t out_size, size_t *out_len)
{
    return sym_next(dev, K_FINAL, in, len, out, out_size, out_len);
}

trustm_status_t trustm_sym_finish(trustm_device_t *dev, const uint8_t *in, size_t len, uint8_t *out, size_t out_size,
                                  size_t *out_len)
{
    return api_run(dev, trustm_op_start_sym_finish(dev, in, len, out, out_size, out_len));
}

trustm_status_t trustm_op_start_hmac(trustm_device_t *dev, uint16_t secret_oid, uint8_t type, const uint8_t *in,
                                     size_t len, uint8_t *mac, size_t mac_size, size_t *mac_len)
{
    if (!is_hmac(type))
        return API_BAD_PARAM;
    return sym_oneshot(dev, false, type, secret_oid, NULL, 0, in, len, mac, mac_size, mac_len);
}

trustm_status_t trustm_hmac(trustm_device_t *dev, uint16_t secret_oid, uint8_t type, const uint8_t *in, size_t len,
                            uint8_t *mac, size_t mac_size, size_t *mac_len)
{
    return api_run(dev, trustm_op_start_hmac(dev, secret_oid, type, in, len, mac, mac_size, mac_len));
}

/* ---------------------------------------------------------------- HMAC verify, Auto state */

typedef struct ver_state {
    uint8_t mode;
    uint8_t clear;
    uint16_t autoref;
    uint16_t session;
    const uint8_t *input;
    size_t input_len;
    const uint8_t *mac;
    size_t mac_len;
} ver_state_t;
API_STATE_FITS(ver_state_t);

static trustm_status_t ver_build(api_op_t *op, trustm_wbuf_t *w)
{
    ver_state_t *st = API_STATE(op, ver_state_t);
    if (st->clear)
        return trustm_cmd_auto_clear_put(w, st->mode, st->autoref, op->cmd_flags);
    return trustm_cmd_hmac_verify_put(w, st->mode, st->autoref, st->session, st->input, st->input_len, st->mac,
                                      st->mac_len, op->cmd_flags);
}

static trustm_status_t ver_parse(api_op_t *op, const uint8_t *rsp, size_t rsp_len)
{
    ver_state_t *st = API_STATE(op, ver_state_t);
    if (st->clear)
        return TRUSTM_OK; /* the answer is not interpreted (commands.md §5.8) */
    return trustm_cmd_no_data_decode(rsp, rsp_len);
}

static trustm_status_t ver_error(api_op_t *op, trustm_status_t err)
{
    ver_state_t *st = API_STATE(op, ver_state_t);
    return st->clear ? TRUSTM_OK : err;
}

static const api_op_ops_t ver_ops = {ver_build, ver_parse, ver_error, 0, NULL};

trustm_status_t trustm_op_start_hmac_verify(trustm_device_t *dev, uint16_t autoref_oid, uint16_t session_oid,
                                            uint8_t type, const uint8_t *input, size_t input_len, const uint8_t *mac,
                                            size_t mac_len)
{
    ver_state_t st = {type, 0, autoref_oid, session_oid, input, input_len, mac, mac_len};
    if (!is_hmac(type) || session_oid < 0xE100u || session_oid > 0xE103u || input == NULL || input_len == 0 ||
        mac == NULL || mac_len != mac_size(type) || 2u + 3u + 2u + input_len + 3u + mac_len > TRUSTM_CMD_SYM_MAX_IN)
        return API_BAD_PARAM;
    return api_op_start(dev, &ver_ops, &st, sizeof st);
}

trustm_status_t trustm_hmac_verify(trustm_device_t *dev, uint16_t autoref_oid, uint16_t session_oid, uint8_t type,
                                   const uint8_t *input, size_t input_len, const uint8_t *mac, size_t mac_len)
{
    return api_run(dev,
                   trustm_op_start_hmac_verify(dev, autoref_oid, session_oid, type, input, input_len, mac, mac_len));
}

trustm_status_t trustm_op_start_auto_state_clear(trustm_device_t *dev, uint16_t autoref_oid)
{
    ver_state_t st = {TRUSTM_HMAC_SHA256, 1, autoref_oid, 0, NULL, 0, NULL, 0};
    return api_op_start(dev, &ver_ops, &st, sizeof st);
}

trustm_status_t trustm_auto_state_clear(trustm_device_t *dev, uint16_t autoref_oid)
{
    return api_run(dev, trustm_op_start_auto_state_clear(dev, autoref_oid));
}

/* ---------------------------------------------------------------- GenSymKey */

typedef struct gsk_state {
    uint8_t alg;
    uint8_t usage;
    uint16_t key;
    uint8_t *out;
    size_t *out_len;
} gsk_state_t;
API_STATE_FITS(gsk_state_t);

static size_t aes_key_size(uint8_t alg)
{
    return alg == TRUSTM_AES128 ? 16u : alg == TRUSTM_AES192 ? 24u : 32u;
}

static trustm_status_t gsk_build(api_op_t *op, trustm_wbuf_t *w)
{
    gsk_state_t *st = API_STATE(op, gsk_state_t);
    if (st->key == 0) {
        api_rsp_tlv(op, 0x01u, st->out, aes_key_size(st->alg));
        api_rsp_accept(op, aes_key_size(st->alg), aes_key_size(st->alg));
    }
    return trustm_cmd_gen_sym_key_put(w, st->alg, st->key, st->usage, op->cmd_flags);
}

static trustm_status_t gsk_parse(api_op_t *op, const uint8_t *rsp, size_t rsp_len)
{
    gsk_state_t *st = API_STATE(op, gsk_state_t);
    const uint8_t *p = NULL;
    size_t n = 0;
    if (st->key != 0)
        return trustm_cmd_tlv1_decode(rsp, rsp_len, 0x01u, 0, 32u, &p, &n);
    if (api_rsp_out(op, 0x01u, &n) == NULL || n != aes_key_size(st->alg))
        return API_BAD_RESPONSE;
    *st->out_len = n;
    return TRUSTM_OK;
}

static const api_op_ops_t gsk_ops = {gsk_build, gsk_parse, NULL, 0, NULL};

static bool aes_alg_ok(uint8_t alg)
{
    return alg >= TRUSTM_AES128 && alg <= TRUSTM_AES256;
}

trustm_status_t trustm_op_start_aes_keygen(trustm_device_t *dev, uint16_t key_oid, uint8_t alg, uint8_t usage)
{
    gsk_state_t st = {alg, usage, key_oid, NULL, NULL};
    if (!aes_alg_ok(alg) || key_oid == 0 || usage == 0)
        return API_BAD_PARAM;
    return api_op_start(dev, &gsk_ops, &st, sizeof st);
}

trustm_status_t trustm_aes_keygen(trustm_device_t *dev, uint16_t key_oid, uint8_t alg, uint8_t usage)
{
    return api_run(dev, trustm_op_start_aes_keygen(dev, key_oid, alg, usage));
}

trustm_status_t trustm_op_start_aes_keygen_export(trustm_device_t *dev, uint8_t alg, uint8_t *key, size_t key_size,
                                                  size_t *key_len)
{
    gsk_state_t st = {alg, 0, 0, key, key_len};
    if (!aes_alg_ok(alg) || key == NULL || key_len == NULL)
        return API_BAD_PARAM;
    if (key_size < aes_key_size(alg))
        return API_TOO_SMALL;
    return api_op_start(dev, &gsk_ops, &st, sizeof st);
}

trustm_status_t trustm_aes_keygen_export(trustm_device_t *dev, uint8_t alg, uint8_t *key, size_t key_size,
                                         size_t *key_len)
{
    return api_run(dev, trustm_op_start_aes_keygen_export(dev, alg, key, key_size, key_len));
}
