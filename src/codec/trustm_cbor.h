/*
 * trustm_cbor.h - strict CBOR (RFC 8949 / RFC 7049) encoder and decoder for the protected-update
 * manifest profile (protected-update.md §2). Pure: no malloc, no I/O, no global state.
 *
 * Supported items: unsigned and negative integers (64-bit arguments), byte strings, text strings,
 * arrays and maps of definite length, tags, and the simple values false / true / null / undefined.
 * Not supported (the decoder rejects them): indefinite lengths, floating point, one-byte simple
 * values (0xF8), reserved additional-information values 28..30.
 *
 * Encoder: sticky like trustm_wbuf (once something does not fit, every later put is ignored and
 * trustm_cbor_enc_ok() is false). A NULL buffer only counts bytes. Always shortest form, except
 * trustm_cbor_put_bstr_hdr8(), which forces the one-byte length form `58 LL` the manifest needs.
 *
 * Decoder: a pull parser over a caller-owned buffer. Every head is checked: the argument must use
 * the shortest form, string lengths must fit in the remaining input, containers must have definite
 * length. Errors are sticky: after the first one every get fails and trustm_cbor_dec_err() says why.
 * Strings are returned as pointers into the input buffer (no copy). Map key order and duplicate
 * keys are not checked here; that is the caller's schema.
 */
#ifndef TRUSTM_CBOR_H
#define TRUSTM_CBOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Major types. */
#define TRUSTM_CBOR_MT_UINT   0u
#define TRUSTM_CBOR_MT_NINT   1u
#define TRUSTM_CBOR_MT_BSTR   2u
#define TRUSTM_CBOR_MT_TSTR   3u
#define TRUSTM_CBOR_MT_ARRAY  4u
#define TRUSTM_CBOR_MT_MAP    5u
#define TRUSTM_CBOR_MT_TAG    6u
#define TRUSTM_CBOR_MT_SIMPLE 7u

/* Simple values (major type 7). */
#define TRUSTM_CBOR_FALSE     20u
#define TRUSTM_CBOR_TRUE      21u
#define TRUSTM_CBOR_NULL      22u
#define TRUSTM_CBOR_UNDEFINED 23u

/* Maximum container nesting accepted by trustm_cbor_skip() / trustm_cbor_validate(). */
#define TRUSTM_CBOR_MAX_DEPTH 16u

typedef enum trustm_cbor_err {
    TRUSTM_CBOR_OK = 0,
    TRUSTM_CBOR_ERR_TRUNCATED,     /* input ends inside an item                        */
    TRUSTM_CBOR_ERR_NON_CANONICAL, /* argument not in shortest form                    */
    TRUSTM_CBOR_ERR_UNSUPPORTED,   /* indefinite length, float, reserved encoding      */
    TRUSTM_CBOR_ERR_TYPE,          /* item of another type / value than expected       */
    TRUSTM_CBOR_ERR_RANGE,         /* value does not fit the requested C type          */
    TRUSTM_CBOR_ERR_DEPTH,         /* nesting deeper than TRUSTM_CBOR_MAX_DEPTH        */
    TRUSTM_CBOR_ERR_TRAILING,      /* bytes left after the top-level item              */
    TRUSTM_CBOR_ERR_OVERFLOW,      /* encoder: output buffer too small                 */
    TRUSTM_CBOR_ERR_PARAM          /* encoder: argument cannot be encoded as requested */
} trustm_cbor_err_t;

/* Static English text for an error ("truncated input", ...). */
const char *trustm_cbor_err_str(trustm_cbor_err_t e);

/* ---------------------------------------------------------------- encoder */

typedef struct trustm_cbor_enc {
    uint8_t *buf; /* NULL: count only */
    size_t size;
    size_t len;
    trustm_cbor_err_t err;
} trustm_cbor_enc_t;

void trustm_cbor_enc_init(trustm_cbor_enc_t *e, uint8_t *buf, size_t size);
static inline bool trustm_cbor_enc_ok(const trustm_cbor_enc_t *e)
{
    return e->err == TRUSTM_CBOR_OK;
}
static inline size_t trustm_cbor_enc_len(const trustm_cbor_enc_t *e)
{
    return e->len;
}

/* Head of major type mt with argument v, shortest form. */
void trustm_cbor_put_head(trustm_cbor_enc_t *e, unsigned mt, uint64_t v);
void trustm_cbor_put_uint(trustm_cbor_enc_t *e, uint64_t v);
/* Any integer; v < 0 is written as major type 1 with argument -1 - v. */
void trustm_cbor_put_int(trustm_cbor_enc_t *e, int64_t v);
void trustm_cbor_put_bstr(trustm_cbor_enc_t *e, const uint8_t *p, size_t n);
void trustm_cbor_put_tstr(trustm_cbor_enc_t *e, const char *s, size_t n);
/* Byte-string head only (content follows with trustm_cbor_put_raw). */
void trustm_cbor_put_bstr_hdr(trustm_cbor_enc_t *e, size_t n);
/* Byte-string head forced to `58 LL`; n > 255 sets TRUSTM_CBOR_ERR_PARAM. */
void trustm_cbor_put_bstr_hdr8(trustm_cbor_enc_t *e, size_t n);
void trustm_cbor_put_array(trustm_cbor_enc_t *e, size_t n);
void trustm_cbor_put_map(trustm_cbor_enc_t *e, size_t n);
void trustm_cbor_put_tag(trustm_cbor_enc_t *e, uint64_t tag);
void trustm_cbor_put_simple(trustm_cbor_enc_t *e, unsigned simple); /* 20..23 only */
static inline void trustm_cbor_put_null(trustm_cbor_enc_t *e)
{
    trustm_cbor_put_simple(e, TRUSTM_CBOR_NULL);
}
/* Bytes that are already encoded CBOR (or string content after a *_hdr call). */
void trustm_cbor_put_raw(trustm_cbor_enc_t *e, const uint8_t *p, size_t n);

/* ---------------------------------------------------------------- decoder */

typedef struct trustm_cbor_dec {
    const uint8_t *buf;
    size_t len;
    size_t pos;
    trustm_cbor_err_t err;
} trustm_cbor_dec_t;

/* One decoded head. For strings, ptr/arg give the content (already skipped over); for arrays
 * and maps arg is the number of entries (pairs for maps) that follow; for tags arg is the tag;
 * for major type 7 arg is the simple value. */
typedef struct trustm_cbor_item {
    unsigned mt;
    uint64_t arg;
    const uint8_t *ptr;
} trustm_cbor_item_t;

void trustm_cbor_dec_init(trustm_cbor_dec_t *d, const uint8_t *buf, size_t len);
static inline trustm_cbor_err_t trustm_cbor_dec_err(const trustm_cbor_dec_t *d)
{
    return d->err;
}
static inline bool trustm_cbor_dec_ok(const trustm_cbor_dec_t *d)
{
    return d->err == TRUSTM_CBOR_OK;
}
static inline size_t trustm_cbor_dec_pos(const trustm_cbor_dec_t *d)
{
    return d->pos;
}
/* True when the input is fully consumed; otherwise sets TRUSTM_CBOR_ERR_TRAILING (if no error yet). */
bool trustm_cbor_dec_done(trustm_cbor_dec_t *d);

/* Read the next head (and string content). False on error. */
bool trustm_cbor_next(trustm_cbor_dec_t *d, trustm_cbor_item_t *it);
/* Type of the next item without consuming it; false at end of input or on error. */
bool trustm_cbor_peek(const trustm_cbor_dec_t *d, unsigned *mt, uint64_t *arg);
/* Skip one complete item including nested content (nesting up to TRUSTM_CBOR_MAX_DEPTH). */
bool trustm_cbor_skip(trustm_cbor_dec_t *d);

/* Typed getters: consume one item of the given type or fail with TRUSTM_CBOR_ERR_TYPE. */
bool trustm_cbor_get_uint(trustm_cbor_dec_t *d, uint64_t *v);
bool trustm_cbor_get_int(trustm_cbor_dec_t *d, int64_t *v); /* uint or nint within int64 */
bool trustm_cbor_get_bstr(trustm_cbor_dec_t *d, const uint8_t **p, size_t *n);
bool trustm_cbor_get_tstr(trustm_cbor_dec_t *d, const char **s, size_t *n);
bool trustm_cbor_get_array(trustm_cbor_dec_t *d, size_t *n);
bool trustm_cbor_get_map(trustm_cbor_dec_t *d, size_t *n);
bool trustm_cbor_get_null(trustm_cbor_dec_t *d);
/* Exact-shape helpers for schemas: fail with TRUSTM_CBOR_ERR_TYPE on a different value. */
bool trustm_cbor_expect_array(trustm_cbor_dec_t *d, size_t n);
bool trustm_cbor_expect_map(trustm_cbor_dec_t *d, size_t n);
bool trustm_cbor_expect_int(trustm_cbor_dec_t *d, int64_t v);
/* If the next item is null, consume it and return true; otherwise leave it and return false. */
bool trustm_cbor_take_null(trustm_cbor_dec_t *d);

/* Whole-buffer check: buf holds exactly one well-formed strict item. Returns the error (OK on success). */
trustm_cbor_err_t trustm_cbor_validate(const uint8_t *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* TRUSTM_CBOR_H */
