/*
 * trustm_bytes.h - big-endian helpers and bounds-checked byte reader/writer.
 *
 * The writer is "sticky": once a put would overflow, the writer records it and all later
 * puts are ignored, so encoders are straight-line code checked once at the end.  A writer
 * over a NULL buffer only counts (size query through the same code path).
 * The reader is sticky the same way: a get past the end sets `error` and yields zeros.
 */
#ifndef TRUSTM_BYTES_H
#define TRUSTM_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

static inline uint16_t trustm_be16_get(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}
static inline uint32_t trustm_be32_get(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}
static inline uint64_t trustm_be64_get(const uint8_t *p)
{
    return ((uint64_t)trustm_be32_get(p) << 32) | (uint64_t)trustm_be32_get(p + 4);
}
static inline void trustm_be16_put(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}
static inline void trustm_be32_put(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}
static inline void trustm_be64_put(uint8_t *p, uint64_t v)
{
    trustm_be32_put(p, (uint32_t)(v >> 32));
    trustm_be32_put(p + 4, (uint32_t)v);
}

/*
 * A gather list: a message that exists as small inline bytes (headers, lengths, small fields,
 * held by the writer's owner) interleaved with references to larger caller-owned inputs that
 * are not copied (data to write, a digest, plaintext, a certificate). ref[k] is inserted at
 * inline offset ref[k].at; refs are in order. len = inline + referenced bytes.
 */
#define TRUSTM_GATHER_REFS     3u
#define TRUSTM_GATHER_COPY_MAX 4u /* trustm_wbuf_ref copies inputs this short inline */
typedef struct trustm_gather_ref {
    const uint8_t *p;
    uint16_t at;
    uint16_t len;
} trustm_gather_ref_t;
typedef struct trustm_gather {
    const uint8_t *inl;
    uint16_t inl_len;
    uint16_t len;
    uint8_t nref;
    trustm_gather_ref_t ref[TRUSTM_GATHER_REFS];
} trustm_gather_t;

/* Copy bytes [pos, pos + n) of the gathered message to out (the caller keeps pos + n <= len). */
void trustm_gather_copy(const trustm_gather_t *g, size_t pos, uint8_t *out, size_t n);

typedef struct trustm_wbuf {
    uint8_t *buf; /* NULL: count only; gather mode: the inline area */
    size_t size;
    size_t len; /* bytes written (gather mode: inline + referenced) */
    bool overflow;
    trustm_gather_t *g; /* NULL: flat buffer */
} trustm_wbuf_t;

void trustm_wbuf_init(trustm_wbuf_t *w, uint8_t *buf, size_t size);
/* Gather mode: small bytes into inl[0..inl_size), trustm_wbuf_ref inputs referenced in *g (which
 * then describes the message; the referenced inputs must outlive its use). */
void trustm_wbuf_init_gather(trustm_wbuf_t *w, trustm_gather_t *g, uint8_t *inl, size_t inl_size);
/* Append a caller-owned input: copied in flat mode, referenced in gather mode (copied when
 * short or when the gather list is full). */
void trustm_wbuf_ref(trustm_wbuf_t *w, const uint8_t *src, size_t n);
void trustm_wbuf_u8(trustm_wbuf_t *w, uint8_t v);
void trustm_wbuf_be16(trustm_wbuf_t *w, uint16_t v);
void trustm_wbuf_be32(trustm_wbuf_t *w, uint32_t v);
void trustm_wbuf_bytes(trustm_wbuf_t *w, const uint8_t *src, size_t n);
/* Reserve n bytes and return a pointer to them (NULL on overflow or when counting; in gather
 * mode a pointer into the inline area). */
uint8_t *trustm_wbuf_reserve(trustm_wbuf_t *w, size_t n);
static inline bool trustm_wbuf_ok(const trustm_wbuf_t *w)
{
    return !w->overflow;
}

typedef struct trustm_rbuf {
    const uint8_t *buf;
    size_t len;
    size_t pos;
    bool error;
} trustm_rbuf_t;

void trustm_rbuf_init(trustm_rbuf_t *r, const uint8_t *buf, size_t len);
uint8_t trustm_rbuf_u8(trustm_rbuf_t *r);
uint16_t trustm_rbuf_be16(trustm_rbuf_t *r);
uint32_t trustm_rbuf_be32(trustm_rbuf_t *r);
/* Pointer to the next n bytes, advancing; NULL (and error set) if fewer remain. */
const uint8_t *trustm_rbuf_bytes(trustm_rbuf_t *r, size_t n);
static inline size_t trustm_rbuf_left(const trustm_rbuf_t *r)
{
    return r->error ? 0 : r->len - r->pos;
}
static inline bool trustm_rbuf_ok(const trustm_rbuf_t *r)
{
    return !r->error;
}

/* Overwrite memory in a way the compiler may not remove (for keys and secrets). */
void trustm_wipe(void *p, size_t n);

#endif /* TRUSTM_BYTES_H */
