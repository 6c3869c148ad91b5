#include "trustm_bytes.h"

#include <string.h>

void trustm_wbuf_init(trustm_wbuf_t *w, uint8_t *buf, size_t size)
{
    w->buf = buf;
    w->size = buf != NULL ? size : SIZE_MAX;
    w->len = 0;
    w->overflow = false;
    w->g = NULL;
}

void trustm_wbuf_init_gather(trustm_wbuf_t *w, trustm_gather_t *g, uint8_t *inl, size_t inl_size)
{
    trustm_wbuf_init(w, inl, inl_size);
    memset(g, 0, sizeof *g);
    g->inl = inl;
    w->g = g;
}

uint8_t *trustm_wbuf_reserve(trustm_wbuf_t *w, size_t n)
{
    trustm_gather_t *g = w->g;
    size_t used = g != NULL ? g->inl_len : w->len;
    if (w->overflow || n > w->size - used || (g != NULL && n > 0xFFFFu - w->len)) {
        w->overflow = true;
        return NULL;
    }
    uint8_t *p = w->buf != NULL ? w->buf + used : NULL;
    w->len += n;
    if (g != NULL) {
        g->inl_len = (uint16_t)(g->inl_len + n);
        g->len = (uint16_t)w->len;
    }
    return p;
}

void trustm_wbuf_ref(trustm_wbuf_t *w, const uint8_t *src, size_t n)
{
    trustm_gather_t *g = w->g;
    if (g == NULL || n <= TRUSTM_GATHER_COPY_MAX || g->nref >= TRUSTM_GATHER_REFS) {
        trustm_wbuf_bytes(w, src, n);
        return;
    }
    if (w->overflow || n > 0xFFFFu - w->len) {
        w->overflow = true;
        return;
    }
    trustm_gather_ref_t *r = &g->ref[g->nref++];
    r->p = src;
    r->at = g->inl_len;
    r->len = (uint16_t)n;
    w->len += n;
    g->len = (uint16_t)w->len;
}

/* Pieces in order: inline bytes up to ref[0].at, ref[0], inline bytes up to ref[1].at, ...,
 * the inline rest (one loop, few locals: it runs at the bottom of the deepest call path). Each
 * piece's share of [pos, pos + n) is copied in one tight loop. */
void trustm_gather_copy(const trustm_gather_t *g, size_t pos, uint8_t *out, size_t n)
{
    size_t ipos = 0; /* inline bytes before the piece */
    for (unsigned i = 0; n > 0 && i <= 2u * g->nref; i++) {
        const uint8_t *p;
        size_t len;
        if (i & 1u) {
            p = g->ref[i >> 1].p;
            len = g->ref[i >> 1].len;
        } else {
            size_t end = (i >> 1) < g->nref ? g->ref[i >> 1].at : g->inl_len;
            p = g->inl + ipos;
            len = end - ipos;
            ipos = end;
        }
        if (pos >= len) { /* pos: offset from the start of this piece */
            pos -= len;
            continue;
        }
        size_t k = len - pos < n ? len - pos : n;
        n -= k;
        for (p += pos, pos = 0; k > 0; k--) /* no memcpy call: a leaf with a small frame */
            *out++ = *p++;
    }
}

void trustm_wbuf_bytes(trustm_wbuf_t *w, const uint8_t *src, size_t n)
{
    uint8_t *p = trustm_wbuf_reserve(w, n);
    if (p != NULL && n > 0)
        memmove(p, src, n);
}

/* The fixed-size puts write into the reserved bytes (no copy of a local: nothing on the stack). */
void trustm_wbuf_u8(trustm_wbuf_t *w, uint8_t v)
{
    uint8_t *p = trustm_wbuf_reserve(w, 1);
    if (p != NULL)
        p[0] = v;
}

void trustm_wbuf_be16(trustm_wbuf_t *w, uint16_t v)
{
    uint8_t *p = trustm_wbuf_reserve(w, 2);
    if (p != NULL)
        trustm_be16_put(p, v);
}

void trustm_wbuf_be32(trustm_wbuf_t *w, uint32_t v)
{
    uint8_t *p = trustm_wbuf_reserve(w, 4);
    if (p != NULL)
        trustm_be32_put(p, v);
}

void trustm_rbuf_init(trustm_rbuf_t *r, const uint8_t *buf, size_t len)
{
    r->buf = buf;
    r->len = buf != NULL ? len : 0;
    r->pos = 0;
    r->error = false;
}

const uint8_t *trustm_rbuf_bytes(trustm_rbuf_t *r, size_t n)
{
    if (r->error || n > r->len - r->pos) {
        r->error = true;
        return NULL;
    }
    const uint8_t *p = r->buf + r->pos;
    r->pos += n;
    return p;
}

uint8_t trustm_rbuf_u8(trustm_rbuf_t *r)
{
    const uint8_t *p = trustm_rbuf_bytes(r, 1);
    return p != NULL ? p[0] : 0;
}

uint16_t trustm_rbuf_be16(trustm_rbuf_t *r)
{
    const uint8_t *p = trustm_rbuf_bytes(r, 2);
    return p != NULL ? trustm_be16_get(p) : 0;
}

uint32_t trustm_rbuf_be32(trustm_rbuf_t *r)
{
    const uint8_t *p = trustm_rbuf_bytes(r, 4);
    return p != NULL ? trustm_be32_get(p) : 0;
}

void trustm_wipe(void *p, size_t n)
{
#if defined(__GNUC__) || defined(__clang__)
    /* memset at full speed, then a barrier that claims to read the memory: the compiler must
     * assume the zeros are observed, so it cannot drop the memset (as memzero_explicit does) */
    if (n == 0)
        return;
    memset(p, 0, n);
    __asm__ __volatile__("" : : "r"(p) : "memory");
#else
    volatile uint8_t *v = (volatile uint8_t *)p;
    while (n-- > 0)
        *v++ = 0;
#endif
}
