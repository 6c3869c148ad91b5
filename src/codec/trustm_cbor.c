/*
 * trustm_cbor.c - strict CBOR encoder / decoder (see trustm_cbor.h). Pure.
 */
#include "trustm_cbor.h"

#include <string.h>

const char *trustm_cbor_err_str(trustm_cbor_err_t e)
{
    switch (e) {
    case TRUSTM_CBOR_OK:
        return "ok";
    case TRUSTM_CBOR_ERR_TRUNCATED:
        return "truncated input";
    case TRUSTM_CBOR_ERR_NON_CANONICAL:
        return "non-canonical (not shortest form) encoding";
    case TRUSTM_CBOR_ERR_UNSUPPORTED:
        return "unsupported encoding (indefinite length, float or reserved)";
    case TRUSTM_CBOR_ERR_TYPE:
        return "unexpected item type or value";
    case TRUSTM_CBOR_ERR_RANGE:
        return "value out of range";
    case TRUSTM_CBOR_ERR_DEPTH:
        return "nesting too deep";
    case TRUSTM_CBOR_ERR_TRAILING:
        return "trailing bytes after the item";
    case TRUSTM_CBOR_ERR_OVERFLOW:
        return "output buffer too small";
    case TRUSTM_CBOR_ERR_PARAM:
        return "value cannot be encoded as requested";
    }
    return "unknown error";
}

/* ---------------------------------------------------------------- encoder */

void trustm_cbor_enc_init(trustm_cbor_enc_t *e, uint8_t *buf, size_t size)
{
    e->buf = buf;
    e->size = buf != NULL ? size : SIZE_MAX;
    e->len = 0;
    e->err = TRUSTM_CBOR_OK;
}

void trustm_cbor_put_raw(trustm_cbor_enc_t *e, const uint8_t *p, size_t n)
{
    if (e->err != TRUSTM_CBOR_OK)
        return;
    if (n > e->size - e->len) {
        e->err = TRUSTM_CBOR_ERR_OVERFLOW;
        return;
    }
    if (e->buf != NULL && n > 0)
        memmove(e->buf + e->len, p, n);
    e->len += n;
}

static void put_head_n(trustm_cbor_enc_t *e, unsigned mt, unsigned ai, uint64_t v, unsigned nbytes)
{
    uint8_t h[9];
    h[0] = (uint8_t)((mt << 5) | ai);
    for (unsigned i = 0; i < nbytes; i++)
        h[1 + i] = (uint8_t)(v >> (8u * (nbytes - 1u - i)));
    trustm_cbor_put_raw(e, h, 1u + nbytes);
}

void trustm_cbor_put_head(trustm_cbor_enc_t *e, unsigned mt, uint64_t v)
{
    if (mt > 7u) {
        if (e->err == TRUSTM_CBOR_OK)
            e->err = TRUSTM_CBOR_ERR_PARAM;
        return;
    }
    if (v <= 23u)
        put_head_n(e, mt, (unsigned)v, 0, 0);
    else if (v <= 0xFFu)
        put_head_n(e, mt, 24u, v, 1);
    else if (v <= 0xFFFFu)
        put_head_n(e, mt, 25u, v, 2);
    else if (v <= 0xFFFFFFFFu)
        put_head_n(e, mt, 26u, v, 4);
    else
        put_head_n(e, mt, 27u, v, 8);
}

void trustm_cbor_put_uint(trustm_cbor_enc_t *e, uint64_t v)
{
    trustm_cbor_put_head(e, TRUSTM_CBOR_MT_UINT, v);
}

void trustm_cbor_put_int(trustm_cbor_enc_t *e, int64_t v)
{
    if (v >= 0)
        trustm_cbor_put_head(e, TRUSTM_CBOR_MT_UINT, (uint64_t)v);
    else
        trustm_cbor_put_head(e, TRUSTM_CBOR_MT_NINT, (uint64_t)(-(v + 1)));
}

void trustm_cbor_put_bstr_hdr(trustm_cbor_enc_t *e, size_t n)
{
    trustm_cbor_put_head(e, TRUSTM_CBOR_MT_BSTR, (uint64_t)n);
}

void trustm_cbor_put_bstr_hdr8(trustm_cbor_enc_t *e, size_t n)
{
    if (n > 0xFFu) {
        if (e->err == TRUSTM_CBOR_OK)
            e->err = TRUSTM_CBOR_ERR_PARAM;
        return;
    }
    put_head_n(e, TRUSTM_CBOR_MT_BSTR, 24u, (uint64_t)n, 1);
}

void trustm_cbor_put_bstr(trustm_cbor_enc_t *e, const uint8_t *p, size_t n)
{
    trustm_cbor_put_bstr_hdr(e, n);
    trustm_cbor_put_raw(e, p, n);
}

void trustm_cbor_put_tstr(trustm_cbor_enc_t *e, const char *s, size_t n)
{
    trustm_cbor_put_head(e, TRUSTM_CBOR_MT_TSTR, (uint64_t)n);
    trustm_cbor_put_raw(e, (const uint8_t *)s, n);
}

void trustm_cbor_put_array(trustm_cbor_enc_t *e, size_t n)
{
    trustm_cbor_put_head(e, TRUSTM_CBOR_MT_ARRAY, (uint64_t)n);
}
void trustm_cbor_put_map(trustm_cbor_enc_t *e, size_t n)
{
    trustm_cbor_put_head(e, TRUSTM_CBOR_MT_MAP, (uint64_t)n);
}
void trustm_cbor_put_tag(trustm_cbor_enc_t *e, uint64_t tag)
{
    trustm_cbor_put_head(e, TRUSTM_CBOR_MT_TAG, tag);
}

void trustm_cbor_put_simple(trustm_cbor_enc_t *e, unsigned simple)
{
    if (simple < TRUSTM_CBOR_FALSE || simple > TRUSTM_CBOR_UNDEFINED) {
        if (e->err == TRUSTM_CBOR_OK)
            e->err = TRUSTM_CBOR_ERR_PARAM;
        return;
    }
    put_head_n(e, TRUSTM_CBOR_MT_SIMPLE, simple, 0, 0);
}

/* ---------------------------------------------------------------- decoder */

void trustm_cbor_dec_init(trustm_cbor_dec_t *d, const uint8_t *buf, size_t len)
{
    d->buf = buf;
    d->len = buf != NULL ? len : 0;
    d->pos = 0;
    d->err = TRUSTM_CBOR_OK;
}

static bool fail(trustm_cbor_dec_t *d, trustm_cbor_err_t e)
{
    if (d->err == TRUSTM_CBOR_OK)
        d->err = e;
    return false;
}

bool trustm_cbor_dec_done(trustm_cbor_dec_t *d)
{
    if (d->err != TRUSTM_CBOR_OK)
        return false;
    if (d->pos != d->len)
        return fail(d, TRUSTM_CBOR_ERR_TRAILING);
    return true;
}

/* Decode one head at *pos without touching d. Returns the error, fills it and *pos. */
static trustm_cbor_err_t read_head(const trustm_cbor_dec_t *d, size_t *pos, trustm_cbor_item_t *it)
{
    size_t p = *pos;
    if (p >= d->len)
        return TRUSTM_CBOR_ERR_TRUNCATED;
    uint8_t ib = d->buf[p++];
    unsigned mt = ib >> 5;
    unsigned ai = ib & 0x1Fu;
    uint64_t arg;
    unsigned nbytes;

    if (ai <= 23u) {
        nbytes = 0;
        arg = ai;
    } else if (ai <= 27u) {
        nbytes = 1u << (ai - 24u);
        if (d->len - p < nbytes)
            return TRUSTM_CBOR_ERR_TRUNCATED;
        arg = 0;
        for (unsigned i = 0; i < nbytes; i++)
            arg = (arg << 8) | d->buf[p + i];
        p += nbytes;
    } else {
        return TRUSTM_CBOR_ERR_UNSUPPORTED; /* 28..30 reserved, 31 indefinite */
    }

    if (mt == TRUSTM_CBOR_MT_SIMPLE) {
        /* Only false/true/null/undefined; 0xF8 (one-byte simple) and floats are not supported. */
        if (nbytes != 0 || arg < TRUSTM_CBOR_FALSE)
            return TRUSTM_CBOR_ERR_UNSUPPORTED;
    } else if (nbytes > 0) {
        /* Shortest form: the argument must need all the bytes used. */
        uint64_t min = nbytes == 1 ? 24u : (uint64_t)1 << (8u * (nbytes / 2u));
        if (arg < min)
            return TRUSTM_CBOR_ERR_NON_CANONICAL;
    }

    it->mt = mt;
    it->arg = arg;
    it->ptr = NULL;
    if (mt == TRUSTM_CBOR_MT_BSTR || mt == TRUSTM_CBOR_MT_TSTR) {
        if (arg > (uint64_t)(d->len - p))
            return TRUSTM_CBOR_ERR_TRUNCATED;
        it->ptr = d->buf + p;
        p += (size_t)arg;
    } else if (mt == TRUSTM_CBOR_MT_ARRAY || mt == TRUSTM_CBOR_MT_MAP) {
        /* Every entry needs at least one byte: a count above what is left is truncated input. */
        uint64_t left = (uint64_t)(d->len - p);
        if (arg > left || (mt == TRUSTM_CBOR_MT_MAP && arg > left / 2u))
            return TRUSTM_CBOR_ERR_TRUNCATED;
    }
    *pos = p;
    return TRUSTM_CBOR_OK;
}

bool trustm_cbor_next(trustm_cbor_dec_t *d, trustm_cbor_item_t *it)
{
    if (d->err != TRUSTM_CBOR_OK)
        return false;
    size_t p = d->pos;
    trustm_cbor_err_t e = read_head(d, &p, it);
    if (e != TRUSTM_CBOR_OK)
        return fail(d, e);
    d->pos = p;
    return true;
}

bool trustm_cbor_peek(const trustm_cbor_dec_t *d, unsigned *mt, uint64_t *arg)
{
    if (d->err != TRUSTM_CBOR_OK)
        return false;
    size_t p = d->pos;
    trustm_cbor_item_t it;
    if (read_head(d, &p, &it) != TRUSTM_CBOR_OK)
        return false;
    if (mt != NULL)
        *mt = it.mt;
    if (arg != NULL)
        *arg = it.arg;
    return true;
}

bool trustm_cbor_skip(trustm_cbor_dec_t *d)
{
    /* pending[k] = items still to read at nesting level k (level 0: the one item to skip). */
    uint64_t pending[TRUSTM_CBOR_MAX_DEPTH + 1u];
    unsigned depth = 0;
    pending[0] = 1;
    for (;;) {
        while (pending[depth] == 0) {
            if (depth == 0)
                return true;
            depth--;
        }
        trustm_cbor_item_t it;
        if (!trustm_cbor_next(d, &it))
            return false;
        pending[depth]--;
        if (it.mt == TRUSTM_CBOR_MT_ARRAY || it.mt == TRUSTM_CBOR_MT_MAP || it.mt == TRUSTM_CBOR_MT_TAG) {
            uint64_t n = it.mt == TRUSTM_CBOR_MT_MAP ? it.arg * 2u : it.mt == TRUSTM_CBOR_MT_TAG ? 1u : it.arg;
            if (n == 0)
                continue;
            if (depth >= TRUSTM_CBOR_MAX_DEPTH)
                return fail(d, TRUSTM_CBOR_ERR_DEPTH);
            pending[++depth] = n;
        }
    }
}

static bool get_type(trustm_cbor_dec_t *d, unsigned mt, trustm_cbor_item_t *it)
{
    unsigned have;
    if (d->err != TRUSTM_CBOR_OK)
        return false;
    if (!trustm_cbor_peek(d, &have, NULL)) {
        trustm_cbor_item_t tmp;
        return trustm_cbor_next(d, &tmp); /* records the precise error */
    }
    if (have != mt)
        return fail(d, TRUSTM_CBOR_ERR_TYPE);
    return trustm_cbor_next(d, it);
}

bool trustm_cbor_get_uint(trustm_cbor_dec_t *d, uint64_t *v)
{
    trustm_cbor_item_t it;
    if (!get_type(d, TRUSTM_CBOR_MT_UINT, &it))
        return false;
    *v = it.arg;
    return true;
}

bool trustm_cbor_get_int(trustm_cbor_dec_t *d, int64_t *v)
{
    unsigned mt;
    trustm_cbor_item_t it;
    if (d->err != TRUSTM_CBOR_OK)
        return false;
    if (!trustm_cbor_peek(d, &mt, NULL))
        return trustm_cbor_next(d, &it);
    if (mt != TRUSTM_CBOR_MT_UINT && mt != TRUSTM_CBOR_MT_NINT)
        return fail(d, TRUSTM_CBOR_ERR_TYPE);
    if (!trustm_cbor_next(d, &it))
        return false;
    if (it.arg > (uint64_t)INT64_MAX)
        return fail(d, TRUSTM_CBOR_ERR_RANGE);
    *v = mt == TRUSTM_CBOR_MT_UINT ? (int64_t)it.arg : -1 - (int64_t)it.arg;
    return true;
}

bool trustm_cbor_get_bstr(trustm_cbor_dec_t *d, const uint8_t **p, size_t *n)
{
    trustm_cbor_item_t it;
    if (!get_type(d, TRUSTM_CBOR_MT_BSTR, &it))
        return false;
    *p = it.ptr;
    *n = (size_t)it.arg;
    return true;
}

bool trustm_cbor_get_tstr(trustm_cbor_dec_t *d, const char **s, size_t *n)
{
    trustm_cbor_item_t it;
    if (!get_type(d, TRUSTM_CBOR_MT_TSTR, &it))
        return false;
    *s = (const char *)it.ptr;
    *n = (size_t)it.arg;
    return true;
}

bool trustm_cbor_get_array(trustm_cbor_dec_t *d, size_t *n)
{
    trustm_cbor_item_t it;
    if (!get_type(d, TRUSTM_CBOR_MT_ARRAY, &it))
        return false;
    *n = (size_t)it.arg; /* bounded by the input length in read_head */
    return true;
}

bool trustm_cbor_get_map(trustm_cbor_dec_t *d, size_t *n)
{
    trustm_cbor_item_t it;
    if (!get_type(d, TRUSTM_CBOR_MT_MAP, &it))
        return false;
    *n = (size_t)it.arg;
    return true;
}

bool trustm_cbor_get_null(trustm_cbor_dec_t *d)
{
    trustm_cbor_item_t it;
    if (!get_type(d, TRUSTM_CBOR_MT_SIMPLE, &it))
        return false;
    if (it.arg != TRUSTM_CBOR_NULL)
        return fail(d, TRUSTM_CBOR_ERR_TYPE);
    return true;
}

bool trustm_cbor_take_null(trustm_cbor_dec_t *d)
{
    unsigned mt;
    uint64_t arg;
    if (!trustm_cbor_peek(d, &mt, &arg) || mt != TRUSTM_CBOR_MT_SIMPLE || arg != TRUSTM_CBOR_NULL)
        return false;
    return trustm_cbor_get_null(d);
}

bool trustm_cbor_expect_array(trustm_cbor_dec_t *d, size_t n)
{
    size_t have = 0;
    if (!trustm_cbor_get_array(d, &have))
        return false;
    return have == n ? true : fail(d, TRUSTM_CBOR_ERR_TYPE);
}

bool trustm_cbor_expect_map(trustm_cbor_dec_t *d, size_t n)
{
    size_t have = 0;
    if (!trustm_cbor_get_map(d, &have))
        return false;
    return have == n ? true : fail(d, TRUSTM_CBOR_ERR_TYPE);
}

bool trustm_cbor_expect_int(trustm_cbor_dec_t *d, int64_t v)
{
    int64_t have = 0;
    if (!trustm_cbor_get_int(d, &have))
        return false;
    return have == v ? true : fail(d, TRUSTM_CBOR_ERR_TYPE);
}

trustm_cbor_err_t trustm_cbor_validate(const uint8_t *buf, size_t len)
{
    trustm_cbor_dec_t d;
    trustm_cbor_dec_init(&d, buf, len);
    if (trustm_cbor_skip(&d))
        (void)trustm_cbor_dec_done(&d);
    return d.err;
}
