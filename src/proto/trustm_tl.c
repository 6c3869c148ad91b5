/* Network + transport layer, master side (ifx-i2c.md §3, §4). Table in trustm_tl.h. */
#include "trustm_tl.h"

#include <stdint.h>
#include <string.h>

#include "trustm_dl.h"
#include "trustm_pctr.h"

enum { TL_ST_IDLE = 0, TL_ST_SEND, TL_ST_RECV, TL_ST_DONE };
#define TL_NO_CHAIN  0xFFu
#define TL_ERR(base) TRUSTM_STATUS(TRUSTM_LAYER_TL, (base))

static bool tl_refill(void *ctx, uint8_t *pkt);

void trustm_tl_setup(trustm_tl_t *tl, trustm_dl_t *dl, const trustm_stack_config_t *cfg)
{
    memset(tl, 0, sizeof *tl);
    tl->dl = dl;
    dl->refill = tl_refill;
    dl->refill_ctx = tl;
    tl->pl = cfg->pl;
    tl->pl_ctx = cfg->pl_ctx;
    tl->exchange_timeout_us = cfg->exchange_timeout_us;
}

static void tl_finish(trustm_tl_t *tl, trustm_status_t status)
{
    tl->state = TL_ST_DONE;
    tl->result = status;
    if (status != TRUSTM_OK && TRUSTM_STATUS_LAYER(status) == TRUSTM_LAYER_TL &&
        TRUSTM_STATUS_BASE(status) == TRUSTM_BASE_PROTOCOL)
        tl->dl->need_resync = true; /* the chip may still be in the middle of a chain */
}

static void tl_sink_reset(trustm_tl_t *tl)
{
    tl->rx_hdr_len = 0;
    tl->rsp_len = 0;
    tl->rx_prev_chain = TL_NO_CHAIN;
}

/* Copy message bytes [pos, pos+n) of hdr || body to out. */
static void tl_copy_message(const trustm_tl_t *tl, size_t pos, uint8_t *out, size_t n)
{
    while (n > 0 && pos < tl->msg.hdr_len) {
        *out++ = tl->msg.hdr[pos++];
        n--;
    }
    if (n > 0 && tl->msg.body != NULL)
        memcpy(out, tl->msg.body + (pos - tl->msg.hdr_len), n);
    else if (n > 0)
        trustm_gather_copy(tl->msg.gather, pos - tl->msg.hdr_len, out, n);
}

static size_t tl_payload_max(const trustm_tl_t *tl)
{
    return trustm_dl_packet_max(tl->dl) - 1u; /* minus PCTR */
}

static uint64_t tl_deadline(const trustm_tl_t *tl)
{
    return tl->deadline;
}

static bool tl_body_overwritten(const trustm_tl_t *tl);

/* Write the packet at tx_pos (PCTR + message bytes) into pkt; returns the message bytes. */
static size_t tl_fill_packet(const trustm_tl_t *tl, uint8_t *pkt)
{
    size_t cap = tl_payload_max(tl);
    size_t total = tl->msg.hdr_len + tl->msg.body_len;
    size_t left = total - tl->tx_pos;
    size_t n = left < cap ? left : cap;
    uint8_t chain;
    if (tl->tx_pos == 0)
        chain = total <= cap ? TRUSTM_TL_CHAIN_SINGLE : TRUSTM_TL_CHAIN_FIRST;
    else
        chain = left <= cap ? TRUSTM_TL_CHAIN_LAST : TRUSTM_TL_CHAIN_INTERMEDIATE;
    pkt[0] = trustm_pctr_make(0, tl->pl->presence, chain);
    tl_copy_message(tl, tl->tx_pos, pkt + 1, n);
    return n;
}

/* The data link's frame buffer also receives: rebuild the packet being sent, from its source. */
static bool tl_refill(void *ctx, uint8_t *pkt)
{
    trustm_tl_t *tl = ctx;
    if (tl->tx_error_packet) {
        pkt[0] = TRUSTM_TL_CHAIN_ERROR;
        return true;
    }
    if (tl_body_overwritten(tl))
        return false;
    return tl_fill_packet(tl, pkt) == tl->tx_chunk;
}

static void tl_send_next(trustm_tl_t *tl)
{
    size_t left = tl->msg.hdr_len + tl->msg.body_len - tl->tx_pos;
    size_t cap = tl_payload_max(tl);
    size_t n = tl_fill_packet(tl, trustm_dl_packet_buf(tl->dl));
    tl->tx_chunk = n;
    tl->tx_error_packet = false;
    tl->state = TL_ST_SEND;
    /* the last packet of the command itself (not of a presentation-layer message of its own)
     * starts the execution: the first poll waits for the command's expected time */
    tl->dl->expect_us = (left <= cap && tl->msg.rx_buf == NULL) ? tl->expect_us : 0u;
    trustm_dl_send_start(tl->dl, 1 + n, tl_deadline(tl));
}

/* The chaining-error packet: PCTR CHAIN = 111, no presence bit (as [HOST], ifx-i2c.md §10 #8). */
static void tl_send_error_packet(trustm_tl_t *tl)
{
    uint8_t *pkt = trustm_dl_packet_buf(tl->dl);
    pkt[0] = TRUSTM_TL_CHAIN_ERROR;
    tl->dl->expect_us = 0;
    tl->tx_chunk = 0;
    tl->tx_error_packet = true;
    tl->error_sent = true;
    tl->state = TL_ST_SEND;
    trustm_dl_send_start(tl->dl, 1, tl_deadline(tl));
}

static void tl_recv(trustm_tl_t *tl)
{
    tl->state = TL_ST_RECV;
    trustm_dl_recv_start(tl->dl, tl_deadline(tl));
}

static bool tl_overlap(const uint8_t *p, size_t n, const uint8_t *q, size_t m)
{
    uintptr_t b = (uintptr_t)p, r = (uintptr_t)q;
    return n > 0 && m > 0 && r < b + n && b < r + m;
}

/* Whether [p, p + n) may have been written by the response: bytes went to a sink (which may write
 * anywhere the caller let it), into the caller's flat buffer, or into the PL's rx_buf. */
static bool tl_meets_rsp(const trustm_tl_t *tl, const uint8_t *p, size_t n)
{
    if (tl->sink.put != NULL && tl->rsp_hw > 0)
        return n > 0;
    return tl_overlap(p, n, tl->caller_rsp, tl->rsp_hw) || tl_overlap(p, n, tl->msg.rx_buf, tl->rx_hw);
}

/* The message body may share memory with the response (a caller encrypting in place, in == out;
 * a flat APDU in the response buffer): once response bytes have been written over any part of
 * it -- the flat body, or the inline bytes or a reference of a gather list -- it cannot be sent
 * again. (A presentation layer that re-reads the APDU -- the Shielded Connection re-encrypts it
 * for a resend -- does so only after answers that carried no body, see trustm_pl_shield.c.) */
static bool tl_body_overwritten(const trustm_tl_t *tl)
{
    if ((tl->rsp_hw == 0 && tl->rx_hw == 0) || tl->msg.body_len == 0)
        return false;
    if (tl->msg.body != NULL)
        return tl_meets_rsp(tl, tl->msg.body, tl->msg.body_len);
    const trustm_gather_t *g = tl->msg.gather;
    bool met = tl_meets_rsp(tl, g->inl, g->inl_len);
    for (size_t k = 0; k < g->nref; k++)
        met = met || tl_meets_rsp(tl, g->ref[k].p, g->ref[k].len);
    return met;
}

/* Ask the PL for the next message of the exchange and start sending it. */
static trustm_status_t tl_begin_message(trustm_tl_t *tl)
{
    memset(&tl->msg, 0, sizeof tl->msg);
    tl->msg.body = tl->apdu;
    tl->msg.gather = tl->apdu_g;
    tl->msg.body_len = tl->apdu_len;
    trustm_status_t s = tl->pl->tx_begin(tl->pl_ctx, tl->apdu, tl->apdu_len, &tl->msg);
    if (s != TRUSTM_OK)
        return s;
    if (tl->msg.hdr_len > TRUSTM_PL_HDR_MAX || tl->msg.rx_hdr_len > TRUSTM_PL_HDR_MAX ||
        (tl->msg.body == NULL && tl->msg.body_len > 0 &&
         (tl->msg.gather == NULL || tl->msg.body_len > tl->msg.gather->len)) ||
        tl->msg.hdr_len + tl->msg.body_len == 0)
        return TRUSTM_STATUS(TRUSTM_LAYER_PL, TRUSTM_BASE_INTERNAL);
    tl->rx_hw = 0; /* a new message: what the PL received before is consumed */
    if (tl_body_overwritten(tl))
        return TL_ERR(TRUSTM_BASE_PROTOCOL);
    tl->tx_pos = 0;
    tl->resent = false;
    tl->error_sent = false;
    tl_sink_reset(tl);
    tl_send_next(tl);
    return TRUSTM_OK;
}

/* The message and the response's destination are set: start. */
static trustm_status_t tl_start(trustm_tl_t *tl, uint64_t now_us)
{
    tl->rsp_hw = 0;
    tl->deadline = now_us + tl->exchange_timeout_us;
    tl->result = TRUSTM_IN_PROGRESS;
    return tl_begin_message(tl);
}

trustm_status_t trustm_tl_start(trustm_tl_t *tl, const uint8_t *apdu, size_t apdu_len, uint8_t *rsp, size_t rsp_size,
                                uint64_t now_us)
{
    tl->apdu = apdu;
    tl->apdu_g = NULL;
    tl->apdu_len = apdu_len;
    tl->caller_rsp = rsp;
    tl->caller_rsp_size = rsp_size;
    memset(&tl->sink, 0, sizeof tl->sink);
    return tl_start(tl, now_us);
}

trustm_status_t trustm_tl_start_sink(trustm_tl_t *tl, const trustm_gather_t *g, const trustm_rsp_sink_t *sink,
                                     uint64_t now_us)
{
    tl->apdu = NULL;
    tl->apdu_g = g;
    tl->apdu_len = g->len;
    tl->caller_rsp = NULL;
    tl->caller_rsp_size = 0;
    tl->sink = *sink;
    return tl_start(tl, now_us);
}

void trustm_tl_cancel(trustm_tl_t *tl)
{
    trustm_dl_cancel(tl->dl);
    tl->state = TL_ST_IDLE;
}

/* Copy what fits of [pos, pos + n) into buf[0..size); returns the new high-water mark. */
static size_t tl_put(uint8_t *buf, size_t size, size_t hw, size_t pos, const uint8_t *p, size_t n)
{
    if (n == 0 || pos >= size)
        return hw;
    size_t k = n < size - pos ? n : size - pos;
    memcpy(buf + pos, p, k);
    return pos + k > hw ? pos + k : hw;
}

/* Response APDU bytes [pos, pos + n) for the caller: its sink, or what fits of its buffer. */
static void tl_deliver(trustm_tl_t *tl, size_t pos, const uint8_t *p, size_t n)
{
    if (tl->sink.put == NULL) {
        tl->rsp_hw = tl_put(tl->caller_rsp, tl->caller_rsp_size, tl->rsp_hw, pos, p, n);
    } else if (n > 0) {
        tl->sink.put(tl->sink.ctx, pos, p, n);
        if (pos + n > tl->rsp_hw)
            tl->rsp_hw = pos + n;
    }
}

static void tl_sink_append(trustm_tl_t *tl, const uint8_t *p, size_t n)
{
    while (n > 0 && tl->rx_hdr_len < tl->msg.rx_hdr_len) {
        tl->rx_hdr[tl->rx_hdr_len++] = *p++;
        n--;
    }
    if (tl->msg.rx_buf != NULL)
        tl->rx_hw = tl_put(tl->msg.rx_buf, tl->msg.rx_size, tl->rx_hw, tl->rsp_len, p, n);
    else
        tl_deliver(tl, tl->rsp_len, p, n);
    tl->rsp_len += n; /* may exceed the buffer: the rest is drained and reported at the end */
}

static bool tl_chain_allowed(uint8_t prev, uint8_t chain)
{
    bool open = prev == TRUSTM_TL_CHAIN_FIRST || prev == TRUSTM_TL_CHAIN_INTERMEDIATE;
    if (chain == TRUSTM_TL_CHAIN_SINGLE || chain == TRUSTM_TL_CHAIN_FIRST)
        return !open;
    return open;
}

static void tl_violation(trustm_tl_t *tl)
{
    if (tl->error_sent) {
        tl_finish(tl, TL_ERR(TRUSTM_BASE_PROTOCOL));
        return;
    }
    tl_sink_reset(tl);
    tl_send_error_packet(tl);
}

/* The caller's flat buffer cannot hold n response bytes (a sink bounds itself). */
static bool tl_overflow(const trustm_tl_t *tl, size_t n)
{
    return tl->sink.put == NULL && n > tl->caller_rsp_size;
}

#if defined(__GNUC__)
#define TL_NOINLINE __attribute__((noinline))
#else
#define TL_NOINLINE
#endif

/* Out of line where the compiler allows: its locals stay out of trustm_tl_next_io's frame,
 * which is on the deepest call path (down to a data-link resend). */
static TL_NOINLINE void tl_complete(trustm_tl_t *tl)
{
    uint8_t *rx = tl->msg.rx_buf;
    if (rx != NULL ? tl->rsp_len > tl->msg.rx_size : tl_overflow(tl, tl->rsp_len)) {
        tl_finish(tl, TL_ERR(TRUSTM_BASE_BUFFER_TOO_SMALL));
        return;
    }
    size_t apdu_len = tl->rsp_len;
    uint8_t *body = rx != NULL ? rx : tl->sink.put == NULL ? tl->caller_rsp : NULL;
    trustm_status_t s = tl->pl->rx_end(tl->pl_ctx, tl->rx_hdr, tl->rx_hdr_len, body, tl->rsp_len, &apdu_len);
    if (s == TRUSTM_IN_PROGRESS) { /* the PL goes on with another message */
        s = tl_begin_message(tl);
        if (s != TRUSTM_OK)
            tl_finish(tl, s);
        return;
    }
    if (s == TRUSTM_OK && apdu_len > tl->rsp_len)
        s = TRUSTM_STATUS(TRUSTM_LAYER_PL, TRUSTM_BASE_INTERNAL);
    if (s == TRUSTM_OK && rx != NULL && !tl->msg.rx_deliver)
        apdu_len = 0; /* a control answer: nothing for the caller */
    if (s == TRUSTM_OK && rx != NULL && tl->msg.rx_deliver) {
        /* a record the PL verified (and decrypted) in its own buffer: now the caller's */
        if (tl_overflow(tl, apdu_len))
            s = TL_ERR(TRUSTM_BASE_BUFFER_TOO_SMALL);
        else
            tl_deliver(tl, 0, rx, apdu_len);
    }
    if (rx != NULL && tl->msg.rx_deliver)
        trustm_wipe(rx, tl->rx_hw);
    if (s == TRUSTM_OK || s == TL_ERR(TRUSTM_BASE_BUFFER_TOO_SMALL))
        tl->rsp_len = apdu_len;
    tl_finish(tl, s);
}

static void tl_on_packet(trustm_tl_t *tl, const uint8_t *pkt, size_t len)
{
    uint8_t pctr = pkt[0];
    uint8_t chain = trustm_pctr_chain(pctr);
    bool sending = tl->tx_pos < tl->msg.hdr_len + tl->msg.body_len;
    if (chain == TRUSTM_TL_CHAIN_ERROR && trustm_pctr_chan(pctr) == 0) {
        if (tl->resent) {
            tl_finish(tl, TL_ERR(TRUSTM_BASE_PROTOCOL));
            return;
        }
        if (tl_body_overwritten(tl)) {
            tl_finish(tl, TL_ERR(TRUSTM_BASE_PROTOCOL));
            return;
        }
        tl->resent = true; /* the chip saw a broken chain: send the whole message again */
        tl->tx_pos = 0;
        tl_sink_reset(tl);
        tl_send_next(tl);
        return;
    }
    if (sending) { /* an answer before the last packet of our chain */
        tl_finish(tl, TL_ERR(TRUSTM_BASE_PROTOCOL));
        return;
    }
    if (trustm_pctr_chan(pctr) != 0 || !trustm_pctr_chain_is_valid(chain) ||
        !tl_chain_allowed(tl->rx_prev_chain, chain) ||
        ((chain == TRUSTM_TL_CHAIN_FIRST || chain == TRUSTM_TL_CHAIN_INTERMEDIATE) &&
         len != trustm_dl_packet_max(tl->dl))) {
        tl_violation(tl);
        return;
    }
    if ((chain == TRUSTM_TL_CHAIN_SINGLE || chain == TRUSTM_TL_CHAIN_FIRST) &&
        trustm_pctr_presence(pctr) != tl->pl->presence) {
        tl_finish(tl, TL_ERR(TRUSTM_BASE_PROTOCOL));
        return;
    }
    tl_sink_append(tl, pkt + 1, len - 1);
    if (chain == TRUSTM_TL_CHAIN_SINGLE || chain == TRUSTM_TL_CHAIN_LAST) {
        tl->rx_prev_chain = TL_NO_CHAIN;
        tl_complete(tl);
        return;
    }
    tl->rx_prev_chain = chain;
    tl_recv(tl);
}

/* Out of line: its locals stay off the frame of trustm_tl_next_io, which lies on the deepest
 * call path (down through the DL to the refill of a retransmission). */
static TL_NOINLINE void tl_on_dl_done(trustm_tl_t *tl, trustm_status_t s)
{
    const uint8_t *pkt;
    size_t len;
    if (s != TRUSTM_OK) {
        tl_finish(tl, s);
        return;
    }
    if (tl->state == TL_ST_SEND && !tl->tx_error_packet)
        tl->tx_pos += tl->tx_chunk;
    if (trustm_dl_received(tl->dl, &pkt, &len)) {
        tl_on_packet(tl, pkt, len);
        return;
    }
    if (tl->state == TL_ST_SEND && tl->tx_pos < tl->msg.hdr_len + tl->msg.body_len) {
        tl_send_next(tl);
        return;
    }
    tl_recv(tl);
}

trustm_status_t trustm_tl_next_io(trustm_tl_t *tl, trustm_io_t *io)
{
    for (;;) {
        if (tl->state == TL_ST_DONE) {
            tl->state = TL_ST_IDLE;
            memset(io, 0, sizeof *io);
            return tl->result;
        }
        if (tl->state == TL_ST_IDLE) {
            memset(io, 0, sizeof *io);
            return TL_ERR(TRUSTM_BASE_BAD_SEQUENCE);
        }
        trustm_status_t s = trustm_dl_next_io(tl->dl, io);
        if (s == TRUSTM_IN_PROGRESS)
            return s;
        tl_on_dl_done(tl, s);
    }
}
