#include "trustm_bytes.h"

#include <string.h>

void trustm_wbuf_init(trustm_wbuf_t *w, uint8_t *buf, size_t size)
{
    w->buf = buf;
    w->size = buf != NULL ? size : SIZE_MAX;
    w->len = 0;
    w->overflow = false;
}

uint8_t *trustm_wbuf_reserve(trustm_wbuf_t *w, size_t n)
{
    if (w->overflow || n > w->size - w->len) {
        w->overflow = true;
        return NULL;
    }
    uint8_t *p = w->buf != NULL ? w->buf + w->len : NULL;
    w->len += n;
    return p;
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
