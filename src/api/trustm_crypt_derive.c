/* DeriveKey: TLS 1.2 PRF and HKDF, exported or into a session (commands.md §5.15). */
#include <string.h>

#include "trustm/trustm_crypt.h"
#include "trustm_api_int.h"

#define DERIVE_MIN_WIRE 16u /* the host asks at least 16 bytes and truncates (vendor host) */

typedef struct drv_state {
    trustm_derive_t p;
    uint16_t wire_len;
    uint8_t *out;
    size_t *out_len; /* may be NULL */
} drv_state_t;
API_STATE_FITS(drv_state_t);

static trustm_status_t drv_build(api_op_t *op, trustm_wbuf_t *w)
{
    drv_state_t *st = API_STATE(op, drv_state_t);
    const trustm_derive_t *p = &st->p;
    if (p->session_oid == 0) { /* the key_len bytes asked for; the rest of the wire length dropped */
        api_rsp_raw(op, st->out, p->key_len);
        api_rsp_accept(op, st->wire_len, st->wire_len);
    }
    return trustm_cmd_derive_key_put(w, p->alg, p->secret_oid, p->label, p->label_len, p->seed, p->seed_len, p->info,
                                     p->info_len, st->wire_len, p->session_oid, op->cmd_flags);
}

static trustm_status_t drv_parse(api_op_t *op, const uint8_t *rsp, size_t rsp_len)
{
    drv_state_t *st = API_STATE(op, drv_state_t);
    size_t n;
    if (st->p.session_oid != 0)
        return trustm_cmd_no_data_decode(rsp, rsp_len);
    if (api_rsp_out(op, 0, &n) == NULL || n != st->wire_len)
        return API_BAD_RESPONSE;
    if (st->out_len != NULL)
        *st->out_len = st->p.key_len;
    return TRUSTM_OK;
}

static const api_op_ops_t drv_ops = {drv_build, drv_parse, NULL, 0, NULL};

static bool is_prf(uint8_t a)
{
    return a >= TRUSTM_PRF_SHA256 && a <= TRUSTM_PRF_SHA512;
}
static bool is_hkdf(uint8_t a)
{
    return a >= TRUSTM_HKDF_SHA256 && a <= TRUSTM_HKDF_SHA512;
}

trustm_status_t trustm_op_start_derive_key(trustm_device_t *dev, const trustm_derive_t *p, uint8_t *out,
                                           size_t out_size, size_t *out_len)
{
    drv_state_t st;
    if (p == NULL || p->secret_oid == 0 || (p->label == NULL && p->label_len > 0) ||
        (p->seed == NULL && p->seed_len > 0) || (p->info == NULL && p->info_len > 0) ||
        p->label_len + p->seed_len > 1024u || p->info_len > 256u)
        return API_BAD_PARAM;
    if (is_prf(p->alg)) {
        if (p->seed == NULL || p->info != NULL || p->label_len + p->seed_len < 8u)
            return API_BAD_PARAM;
    } else if (!is_hkdf(p->alg) || p->seed != NULL) {
        return API_BAD_PARAM;
    }
    memset(&st, 0, sizeof st);
    st.p = *p;
    if (p->session_oid != 0) {
        if (p->session_oid < 0xE100u || p->session_oid > 0xE103u || p->key_len < 16u || p->key_len > 66u)
            return API_BAD_PARAM;
        st.wire_len = p->key_len;
    } else {
        if (out == NULL || p->key_len == 0 || p->key_len > 256u)
            return API_BAD_PARAM;
        if (out_size < p->key_len)
            return API_TOO_SMALL;
        st.wire_len = p->key_len < DERIVE_MIN_WIRE ? (uint16_t)DERIVE_MIN_WIRE : p->key_len;
        st.out = out;
        st.out_len = out_len;
    }
    return api_op_start(dev, &drv_ops, &st, sizeof st);
}

trustm_status_t trustm_derive_key(trustm_device_t *dev, const trustm_derive_t *p, uint8_t *out, size_t out_size,
                                  size_t *out_len)
{
    return api_run(dev, trustm_op_start_derive_key(dev, p, out, out_size, out_len));
}

/* The convenience forms: a trustm_derive_t of their arguments (copied by the start). */
static void derive_params(trustm_derive_t *p, uint16_t secret_oid, uint16_t session_oid, uint8_t alg, uint16_t key_len,
                          const uint8_t *label, size_t label_len)
{
    memset(p, 0, sizeof *p);
    p->alg = alg;
    p->secret_oid = secret_oid;
    p->session_oid = session_oid;
    p->key_len = key_len;
    p->label = label;
    p->label_len = label_len;
}

trustm_status_t trustm_op_start_tls_prf(trustm_device_t *dev, uint16_t secret_oid, uint16_t session_oid, uint8_t alg,
                                        uint16_t key_len, const uint8_t *label, size_t label_len, const uint8_t *seed,
                                        size_t seed_len, uint8_t *out, size_t out_size, size_t *out_len)
{
    trustm_derive_t p;
    derive_params(&p, secret_oid, session_oid, alg, key_len, label, label_len);
    p.seed = seed;
    p.seed_len = seed_len;
    return is_prf(alg) ? trustm_op_start_derive_key(dev, &p, out, out_size, out_len) : API_BAD_PARAM;
}

trustm_status_t trustm_tls_prf(trustm_device_t *dev, uint16_t secret_oid, uint16_t session_oid, uint8_t alg,
                               uint16_t key_len, const uint8_t *label, size_t label_len, const uint8_t *seed,
                               size_t seed_len, uint8_t *out, size_t out_size, size_t *out_len)
{
    return api_run(dev, trustm_op_start_tls_prf(dev, secret_oid, session_oid, alg, key_len, label, label_len, seed,
                                                seed_len, out, out_size, out_len));
}

trustm_status_t trustm_op_start_hkdf(trustm_device_t *dev, uint16_t secret_oid, uint16_t session_oid, uint8_t alg,
                                     uint16_t key_len, const uint8_t *salt, size_t salt_len, const uint8_t *info,
                                     size_t info_len, uint8_t *out, size_t out_size, size_t *out_len)
{
    trustm_derive_t p;
    derive_params(&p, secret_oid, session_oid, alg, key_len, salt, salt_len);
    p.info = info;
    p.info_len = info_len;
    return is_hkdf(alg) ? trustm_op_start_derive_key(dev, &p, out, out_size, out_len) : API_BAD_PARAM;
}

trustm_status_t trustm_hkdf(trustm_device_t *dev, uint16_t secret_oid, uint16_t session_oid, uint8_t alg,
                            uint16_t key_len, const uint8_t *salt, size_t salt_len, const uint8_t *info,
                            size_t info_len, uint8_t *out, size_t out_size, size_t *out_len)
{
    return api_run(dev, trustm_op_start_hkdf(dev, secret_oid, session_oid, alg, key_len, salt, salt_len, info, info_len,
                                             out, out_size, out_len));
}
