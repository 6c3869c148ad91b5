/* GetRandom (random, authorization challenge, pre-master secret) and CalcHash (SHA-256). */
#include <string.h>

#include "trustm/trustm_crypt.h"
#include "trustm_api_int.h"

static bool is_session(uint16_t oid)
{
    return oid >= 0xE100u && oid <= 0xE103u;
}

/* ---------------------------------------------------------------- random */

typedef struct rnd_state {
    uint8_t param;
    uint16_t len; /* random bytes generated */
    uint16_t session;
    const uint8_t *opt;
    size_t opt_len;
    uint8_t *out;    /* NULL: pre-master secret (nothing returned) */
    size_t *out_len; /* may be NULL */
} rnd_state_t;
API_STATE_FITS(rnd_state_t);

static trustm_status_t rnd_build(api_op_t *op, trustm_wbuf_t *w)
{
    rnd_state_t *st = API_STATE(op, rnd_state_t);
    if (st->out != NULL) {
        api_rsp_raw(op, st->out, st->len);
        api_rsp_accept(op, st->len, st->len);
    }
    return trustm_cmd_random_put(w, st->param, st->len, st->session, st->opt, st->opt_len, op->cmd_flags);
}

static trustm_status_t rnd_parse(api_op_t *op, const uint8_t *rsp, size_t rsp_len)
{
    rnd_state_t *st = API_STATE(op, rnd_state_t);
    const uint8_t *p;
    size_t n;
    if (st->out == NULL) /* pre-master secret: nothing returned */
        return trustm_cmd_raw_decode(rsp, rsp_len, 0, &p);
    if (api_rsp_out(op, 0, &n) == NULL || n != st->len)
        return API_BAD_RESPONSE;
    if (st->out_len != NULL)
        *st->out_len = st->len;
    return TRUSTM_OK;
}

static const api_op_ops_t rnd_ops = {rnd_build, rnd_parse, NULL, 0, NULL};

trustm_status_t trustm_op_start_random(trustm_device_t *dev, uint8_t rng, size_t len, uint8_t *out, size_t out_size,
                                       size_t *out_len)
{
    rnd_state_t st = {rng, (uint16_t)len, 0, NULL, 0, out, out_len};
    if (out == NULL || len < TRUSTM_RANDOM_MIN || len > TRUSTM_RANDOM_MAX ||
        (rng != TRUSTM_RNG_TRNG && rng != TRUSTM_RNG_DRNG))
        return API_BAD_PARAM;
    if (out_size < len)
        return API_TOO_SMALL;
    return api_op_start(dev, &rnd_ops, &st, sizeof st);
}

trustm_status_t trustm_random(trustm_device_t *dev, uint8_t rng, size_t len, uint8_t *out, size_t out_size,
                              size_t *out_len)
{
    return api_run(dev, trustm_op_start_random(dev, rng, len, out, out_size, out_len));
}

trustm_status_t trustm_op_start_random_to_session(trustm_device_t *dev, uint16_t session_oid, uint8_t rng, size_t len,
                                                  const uint8_t *opt, size_t opt_len, uint8_t *out, size_t out_size,
                                                  size_t *out_len)
{
    rnd_state_t st = {rng, (uint16_t)len, session_oid, opt, opt_len, out, out_len};
    if (out == NULL || len < TRUSTM_RANDOM_MIN || len > TRUSTM_RANDOM_MAX || !is_session(session_oid) ||
        (opt == NULL && opt_len > 0) || opt_len + len > TRUSTM_SESSION_SECRET_MAX ||
        (rng != TRUSTM_RNG_TRNG && rng != TRUSTM_RNG_DRNG))
        return API_BAD_PARAM;
    if (out_size < len)
        return API_TOO_SMALL;
    return api_op_start(dev, &rnd_ops, &st, sizeof st);
}

trustm_status_t trustm_random_to_session(trustm_device_t *dev, uint16_t session_oid, uint8_t rng, size_t len,
                                         const uint8_t *opt, size_t opt_len, uint8_t *out, size_t out_size,
                                         size_t *out_len)
{
    return api_run(dev,
                   trustm_op_start_random_to_session(dev, session_oid, rng, len, opt, opt_len, out, out_size, out_len));
}

trustm_status_t trustm_op_start_rsa_pms_generate(trustm_device_t *dev, uint16_t session_oid, size_t total_len,
                                                 const uint8_t *opt, size_t opt_len)
{
    if (!is_session(session_oid) || (opt == NULL && opt_len > 0) || opt_len > 58u ||
        opt_len + TRUSTM_RANDOM_MIN > total_len || total_len > TRUSTM_SESSION_SECRET_MAX)
        return API_BAD_PARAM;
    rnd_state_t st = {0x04u, (uint16_t)(total_len - opt_len), session_oid, opt, opt_len, NULL, NULL};
    return api_op_start(dev, &rnd_ops, &st, sizeof st);
}

trustm_status_t trustm_rsa_pms_generate(trustm_device_t *dev, uint16_t session_oid, size_t total_len,
                                        const uint8_t *opt, size_t opt_len)
{
    return api_run(dev, trustm_op_start_rsa_pms_generate(dev, session_oid, total_len, opt, opt_len));
}

/* ---------------------------------------------------------------- SHA-256 */

enum { H_ONESHOT, H_OBJECT, H_START, H_UPDATE, H_FINAL };

#define HASH_DATA_MAX (TRUSTM_APDU_MAX_DATA - 3u) /* one data TLV alone */

typedef struct hash_state {
    uint8_t kind;
    uint8_t seq; /* sequence indicator of the command in flight */
    const uint8_t *data;
    size_t len;
    size_t done;
    size_t chunk;
    uint16_t oid, off, olen;
    trustm_hash_ctx_t *ctx;          /* start/update: written */
    const trustm_hash_ctx_t *ctx_in; /* final: read */
    uint8_t *digest;
} hash_state_t;
API_STATE_FITS(hash_state_t);

static trustm_status_t hash_put(api_op_t *op, trustm_wbuf_t *w)
{
    hash_state_t *st = API_STATE(op, hash_state_t);
    size_t left = st->len - st->done;
    const uint8_t *p = st->data != NULL ? st->data + st->done : NULL;
    switch (st->kind) {
    case H_OBJECT:
        st->seq = TRUSTM_CMD_SEQ_START_FINAL;
        return trustm_cmd_hash_put(w, st->seq, NULL, 0, st->oid, st->off, st->olen, NULL, 0, 0, op->cmd_flags);
    case H_START:
        st->seq = TRUSTM_CMD_SEQ_START;
        return trustm_cmd_hash_put(w, st->seq, NULL, 0, 0, 0, 0, NULL, 0, 1, op->cmd_flags);
    case H_FINAL:
        st->seq = TRUSTM_CMD_SEQ_FINAL;
        return trustm_cmd_hash_put(w, st->seq, NULL, 0, 0, 0, 0, st->ctx_in->data, st->ctx_in->len, 0, op->cmd_flags);
    case H_UPDATE: {
        size_t max = HASH_DATA_MAX - 3u - st->ctx->len - 3u;
        st->chunk = left < max ? left : max;
        st->seq = TRUSTM_CMD_SEQ_CONTINUE;
        return trustm_cmd_hash_put(w, st->seq, p, st->chunk, 0, 0, 0, st->ctx->data, st->ctx->len, 1, op->cmd_flags);
    }
    default: /* one-shot: start&final, or start, continue..., final */
        st->chunk = left < HASH_DATA_MAX ? left : HASH_DATA_MAX;
        if (st->done == 0)
            st->seq = st->chunk == st->len ? TRUSTM_CMD_SEQ_START_FINAL : TRUSTM_CMD_SEQ_START;
        else
            st->seq = st->done + st->chunk == st->len ? TRUSTM_CMD_SEQ_FINAL : TRUSTM_CMD_SEQ_CONTINUE;
        return trustm_cmd_hash_put(w, st->seq, p, st->chunk, 0, 0, 0, NULL, 0, 0, op->cmd_flags);
    }
}

static bool hash_want_digest(const hash_state_t *st)
{
    return st->seq == TRUSTM_CMD_SEQ_START_FINAL || st->seq == TRUSTM_CMD_SEQ_FINAL;
}

static bool hash_want_ctx(const hash_state_t *st)
{
    return st->kind == H_START || st->kind == H_UPDATE;
}

/* The command, and where its answer goes: the digest (01) or the exported context (06) straight
 * into the caller's buffers (never both; else no data). */
static trustm_status_t hash_build(api_op_t *op, trustm_wbuf_t *w)
{
    hash_state_t *st = API_STATE(op, hash_state_t);
    trustm_status_t s = hash_put(op, w);
    if (hash_want_digest(st)) {
        api_rsp_tlv(op, 0x01u, st->digest, TRUSTM_SHA256_LEN);
        api_rsp_accept(op, TRUSTM_SHA256_LEN, TRUSTM_SHA256_LEN);
    } else if (hash_want_ctx(st)) {
        api_rsp_tlv(op, 0x06u, st->ctx->data, sizeof st->ctx->data);
        api_rsp_accept(op, 1, TRUSTM_CMD_HASH_CTX_MAX);
    }
    return s;
}

static trustm_status_t hash_parse(api_op_t *op, const uint8_t *rsp, size_t rsp_len)
{
    hash_state_t *st = API_STATE(op, hash_state_t);
    bool want_digest = hash_want_digest(st), want_ctx = hash_want_ctx(st);
    size_t n = 0;
    if (!want_digest && !want_ctx) {
        trustm_status_t s = trustm_cmd_no_data_decode(rsp, rsp_len);
        if (s != TRUSTM_OK)
            return s;
    } else if (api_rsp_out(op, want_digest ? 0x01u : 0x06u, &n) == NULL ||
               (want_digest ? n != TRUSTM_SHA256_LEN : (n == 0 || n > TRUSTM_CMD_HASH_CTX_MAX))) {
        return API_BAD_RESPONSE;
    }
    if (want_ctx)
        st->ctx->len = (uint16_t)n;
    st->done += st->chunk;
    if (want_digest)
        return TRUSTM_OK;
    if ((st->kind == H_ONESHOT || st->kind == H_UPDATE) && st->done < st->len)
        return TRUSTM_IN_PROGRESS;
    return st->kind == H_ONESHOT ? API_ERR(TRUSTM_BASE_INTERNAL) : TRUSTM_OK;
}

/* A context export that failed after it began to overwrite the context (a link error in the
 * middle of the answer): the context is wiped, so it is marked not started. */
static void hash_fail(api_op_t *op)
{
    hash_state_t *st = API_STATE(op, hash_state_t);
    if (hash_want_ctx(st) && op->rsp.out[0].hw > 0)
        st->ctx->len = 0;
}

static const api_op_ops_t hash_ops = {hash_build, hash_parse, NULL, 0, hash_fail};

static trustm_status_t hash_start(trustm_device_t *dev, const hash_state_t *st)
{
    return api_op_start(dev, &hash_ops, st, sizeof *st);
}

trustm_status_t trustm_op_start_sha256(trustm_device_t *dev, const uint8_t *data, size_t len,
                                       uint8_t digest[TRUSTM_SHA256_LEN])
{
    hash_state_t st;
    if (data == NULL || len == 0 || digest == NULL)
        return API_BAD_PARAM;
    memset(&st, 0, sizeof st);
    st.kind = H_ONESHOT;
    st.data = data;
    st.len = len;
    st.digest = digest;
    return hash_start(dev, &st);
}

trustm_status_t trustm_sha256(trustm_device_t *dev, const uint8_t *data, size_t len, uint8_t digest[TRUSTM_SHA256_LEN])
{
    return api_run(dev, trustm_op_start_sha256(dev, data, len, digest));
}

trustm_status_t trustm_op_start_sha256_object(trustm_device_t *dev, uint16_t oid, uint16_t offset, uint16_t len,
                                              uint8_t digest[TRUSTM_SHA256_LEN])
{
    hash_state_t st;
    if (oid == 0 || len == 0 || digest == NULL)
        return API_BAD_PARAM;
    memset(&st, 0, sizeof st);
    st.kind = H_OBJECT;
    st.oid = oid;
    st.off = offset;
    st.olen = len;
    st.digest = digest;
    return hash_start(dev, &st);
}

trustm_status_t trustm_sha256_object(trustm_device_t *dev, uint16_t oid, uint16_t offset, uint16_t len,
                                     uint8_t digest[TRUSTM_SHA256_LEN])
{
    return api_run(dev, trustm_op_start_sha256_object(dev, oid, offset, len, digest));
}

trustm_status_t trustm_op_start_sha256_setup(trustm_device_t *dev, trustm_hash_ctx_t *ctx)
{
    hash_state_t st;
    if (ctx == NULL)
        return API_BAD_PARAM;
    memset(&st, 0, sizeof st);
    st.kind = H_START;
    st.ctx = ctx;
    return hash_start(dev, &st);
}

trustm_status_t trustm_sha256_setup(trustm_device_t *dev, trustm_hash_ctx_t *ctx)
{
    return api_run(dev, trustm_op_start_sha256_setup(dev, ctx));
}

static bool ctx_ok(const trustm_hash_ctx_t *ctx)
{
    return ctx != NULL && ctx->len > 0 && ctx->len <= TRUSTM_HASH_CTX_SIZE;
}

trustm_status_t trustm_op_start_sha256_update(trustm_device_t *dev, trustm_hash_ctx_t *ctx, const uint8_t *data,
                                              size_t len)
{
    hash_state_t st;
    if (!ctx_ok(ctx) || data == NULL || len == 0)
        return API_BAD_PARAM;
    memset(&st, 0, sizeof st);
    st.kind = H_UPDATE;
    st.ctx = ctx;
    st.data = data;
    st.len = len;
    return hash_start(dev, &st);
}

trustm_status_t trustm_sha256_update(trustm_device_t *dev, trustm_hash_ctx_t *ctx, const uint8_t *data, size_t len)
{
    return api_run(dev, trustm_op_start_sha256_update(dev, ctx, data, len));
}

trustm_status_t trustm_op_start_sha256_finish(trustm_device_t *dev, const trustm_hash_ctx_t *ctx,
                                              uint8_t digest[TRUSTM_SHA256_LEN])
{
    hash_state_t st;
    if (!ctx_ok(ctx) || digest == NULL)
        return API_BAD_PARAM;
    memset(&st, 0, sizeof st);
    st.kind = H_FINAL;
    st.ctx_in = ctx;
    st.digest = digest;
    return hash_start(dev, &st);
}

trustm_status_t trustm_sha256_finish(trustm_device_t *dev, const trustm_hash_ctx_t *ctx,
                                     uint8_t digest[TRUSTM_SHA256_LEN])
{
    return api_run(dev, trustm_op_start_sha256_finish(dev, ctx, digest));
}
