/* Private helpers of src/cmd: APDU writer with deferred InLen, TLV items. */
#ifndef TRUSTM_CMD_UTIL_H
#define TRUSTM_CMD_UTIL_H

#include "trustm_bytes.h"
#include "trustm_cmd_int.h"

#define CMD_ERR(base) TRUSTM_STATUS(TRUSTM_LAYER_CMD, (base))

/* Start an APDU in a fresh writer (flat or gather): header with InLen patched by cmd_end(). */
static inline void cmd_begin(trustm_wbuf_t *w, uint8_t code, uint8_t param, unsigned flags)
{
    uint8_t *p = trustm_wbuf_reserve(w, TRUSTM_APDU_HEADER_SIZE); /* one reserve for the header */
    if (p != NULL) {
        p[0] = trustm_cmd_code(code, flags);
        p[1] = param;
        p[2] = 0; /* InLen: set by cmd_end */
        p[3] = 0;
    }
}

static inline void cmd_tlv(trustm_wbuf_t *w, uint8_t tag, const uint8_t *v, size_t n)
{
    trustm_wbuf_u8(w, tag);
    trustm_wbuf_be16(w, (uint16_t)n);
    if (n > 0)
        trustm_wbuf_ref(w, v, n); /* a caller-owned input: referenced in gather mode */
}

static inline void cmd_tlv16(trustm_wbuf_t *w, uint8_t tag, uint16_t v)
{
    trustm_wbuf_u8(w, tag);
    trustm_wbuf_be16(w, 2);
    trustm_wbuf_be16(w, v);
}

static inline void cmd_tlv8(trustm_wbuf_t *w, uint8_t tag, uint8_t v)
{
    trustm_wbuf_u8(w, tag);
    trustm_wbuf_be16(w, 1);
    trustm_wbuf_u8(w, v);
}

/* Patch InLen (the header is always in the writer's own bytes, also in gather mode); overflow
 * BUFFER_TOO_SMALL, InData > max_in BAD_PARAM (builders check their inputs first so that an
 * oversized input is BAD_PARAM whatever the buffer). */
static inline trustm_status_t cmd_end(trustm_wbuf_t *w, size_t max_in)
{
    if (!trustm_wbuf_ok(w) || w->buf == NULL)
        return CMD_ERR(TRUSTM_BASE_BUFFER_TOO_SMALL);
    if (w->len - TRUSTM_APDU_HEADER_SIZE > max_in)
        return CMD_ERR(TRUSTM_BASE_BAD_PARAM);
    trustm_be16_put(w->buf + 2, (uint16_t)(w->len - TRUSTM_APDU_HEADER_SIZE));
    return TRUSTM_OK;
}

/* Body of a flat-buffer encoder over its _put form (arguments out, out_size, out_len). */
#define CMD_FLAT(put_call)                                                                                             \
    trustm_wbuf_t w;                                                                                                   \
    if (out_len == NULL)                                                                                               \
        return CMD_ERR(TRUSTM_BASE_BAD_PARAM);                                                                         \
    trustm_wbuf_init(&w, out, out_size);                                                                               \
    trustm_status_t s_ = (put_call);                                                                                   \
    if (s_ == TRUSTM_OK)                                                                                               \
        *out_len = w.len;                                                                                              \
    return s_

/* TLV value lengths are 16-bit; callers check their inputs against this first. */
#define CMD_LEN_OK(n) ((n) <= TRUSTM_APDU_MAX_DATA)

#endif
