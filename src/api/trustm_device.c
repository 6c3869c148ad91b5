/*
 * Service API: argument checks, operation state, and the thin sequencing over cmd/ and the
 * stack (open = stack open + OpenApplication; Sta FF -> Last Error Code read -> DEVICE_ERR).
 *
 * Every command goes through one mechanism, the sequence operation (an api_op_ops_t,
 * trustm_api_int.h): (CMD [-> LAST_ERROR] [-> WAIT])*. What is not an APDU sequence:
 *
 *   operation     phases
 *   open          STACK_OPEN [-> PL_CTL restore] -> sequence (OpenApplication 0 or 1 + handle)
 *   reset         STACK_OPEN
 *   transceive    RAW (caller's buffers, no interpretation)
 *   seq           the sequence; with API_OP_PL_SAVE -> PL_CTL save after it
 *
 * close, data_read (one GetDataObject per chunk; code 08 after a first chunk = end) and
 * metadata_read are sequence operations like those of the service files.
 */
#include <string.h>

#include "trustm/trustm_device.h"
#include "trustm/trustm_shield.h"
#include "trustm_bytes.h"
#include "trustm_api_int.h"
#include "trustm_cmd_int.h"

enum { OP_NONE = 0, OP_OPEN, OP_RESET, OP_TRANSCEIVE, OP_SEQ };
enum { PH_IDLE = 0, PH_STACK_OPEN, PH_CMD, PH_RAW, PH_LAST_ERROR, PH_WAIT, PH_PL_CTL, PH_DONE };

#define DEV_MAGIC 0x54524D44u /* "TRMD" */
/* No APDU buffer. A command is a gather list: its own bytes (APDU header, TLV headers, object
 * ids, inputs of at most TRUSTM_GATHER_COPY_MAX bytes) here, the larger inputs (at most
 * TRUSTM_GATHER_REFS) referenced where the caller has them. The most: DeriveKey, 25 bytes of
 * headers + 3 inputs of 4 bytes (unit_stream renders every builder through such an area). */
#define CMD_INLINE_SIZE 40u
/* ... and its response goes where the operation declared (api_rsp_t, trustm_api_int.h): the
 * caller's outputs, as it arrives (a resend after response bytes arrived is refused by the
 * transport: they may have overwritten a referenced input, in == out). */

typedef struct dev_impl {
    trustm_pal_t pal;
    size_t *out_len; /* transceive */
#ifdef TRUSTM_CFG_SHIELD
    trustm_shield_t *shield;
#endif
    uint64_t wait_until; /* between two commands of a sequence operation */
    trustm_gather_t cmd; /* the command being exchanged */
    api_op_t seq;        /* the sequence operation */
    trustm_stack_t stack;
    uint32_t magic;
    trustm_status_t result;
    uint8_t cmd_flags; /* TRUSTM_CMD_FLAG_* */
    uint8_t seq_flags; /* API_OP_* of the running sequence operation */
    uint8_t reset;     /* trustm_stack_reset_t */
    bool linked;       /* stack opened (reset + negotiation done) */
    uint8_t op;
    uint8_t phase;
    bool restore; /* open with restore: the Shielded Connection session is restored first */
    api_shared_t shared;
    uint8_t cmd_inl[CMD_INLINE_SIZE];
} dev_impl_t;

/* trustm_device_t must be able to hold the implementation, and the published figure must be
 * the real one (C99 compile-time checks). */
typedef char trustm_device_size_check[(sizeof(dev_impl_t) <= TRUSTM_DEVICE_PRIVATE_SIZE) ? 1 : -1];
typedef char trustm_device_size_honest[(TRUSTM_DEVICE_PRIVATE_SIZE - sizeof(dev_impl_t) < 64u) ? 1 : -1];

static dev_impl_t *impl(trustm_device_t *dev)
{
    return (dev_impl_t *)(void *)dev->private_data.bytes;
}

static const dev_impl_t *cimpl(const trustm_device_t *dev)
{
    return (const dev_impl_t *)(const void *)dev->private_data.bytes;
}

static dev_impl_t *checked(trustm_device_t *dev)
{
    if (dev == NULL)
        return NULL;
    dev_impl_t *d = impl(dev);
    return d->magic == DEV_MAGIC ? d : NULL;
}

static uint64_t dev_now(const dev_impl_t *d)
{
    return d->pal.ops->now_us(d->pal.ctx);
}

trustm_status_t trustm_device_init(trustm_device_t *dev, const trustm_pal_t *pal, const trustm_config_t *cfg)
{
    trustm_config_t c;
    trustm_stack_config_t sc;
    if (dev == NULL || pal == NULL || pal->ops == NULL || pal->ops->i2c_write == NULL || pal->ops->i2c_read == NULL ||
        pal->ops->now_us == NULL)
        return API_ERR(TRUSTM_BASE_BAD_PARAM);
    if (cfg != NULL)
        c = *cfg;
    else
        memset(&c, 0, sizeof c);
    if ((c.frame_size != 0 && (c.frame_size < TRUSTM_DL_FRAME_MIN || c.frame_size > TRUSTM_DL_FRAME_MAX)) ||
        c.i2c_addr > 0x7Fu || c.reset > TRUSTM_RESET_NONE)
        return API_ERR(TRUSTM_BASE_BAD_PARAM);
    memset(&sc, 0, sizeof sc);
    sc.addr7 = c.i2c_addr;
    sc.frame_size = c.frame_size;
    sc.startup_us = c.startup_us;
    sc.poll_interval_us = c.poll_interval_us;
    sc.exchange_timeout_us = c.exchange_timeout_us;
    sc.pl = c.presentation_bit ? &trustm_pl_record_plain : &trustm_pl_none;
    if (c.shield != NULL) {
#ifdef TRUSTM_CFG_SHIELD
        if (c.shield->magic == 0)
            return API_ERR(TRUSTM_BASE_BAD_PARAM);
        sc.pl = &trustm_pl_shield;
        sc.pl_ctx = c.shield;
#else
        return TRUSTM_STATUS(TRUSTM_LAYER_PL, TRUSTM_BASE_NOT_SUPPORTED);
#endif
    }
    memset(dev, 0, sizeof *dev);
    dev_impl_t *d = impl(dev);
    trustm_status_t s = trustm_stack_init(&d->stack, &sc);
    if (s != TRUSTM_OK)
        return API_ERR(TRUSTM_BASE_BAD_PARAM);
    d->pal = *pal;
#ifdef TRUSTM_CFG_SHIELD
    d->shield = c.shield;
#endif
    d->cmd_flags = c.plain_cmd_codes ? (uint8_t)TRUSTM_CMD_FLAG_PLAIN : 0u;
    switch (c.reset) {
    case TRUSTM_RESET_COLD:
        d->reset = TRUSTM_STACK_RESET_COLD;
        break;
    case TRUSTM_RESET_WARM:
        d->reset = TRUSTM_STACK_RESET_WARM;
        break;
    case TRUSTM_RESET_SOFT:
        d->reset = TRUSTM_STACK_RESET_SOFT;
        break;
    case TRUSTM_RESET_NONE:
        d->reset = TRUSTM_STACK_RESET_NONE;
        break;
    default:
        d->reset = pal->ops->set_pin != NULL ? TRUSTM_STACK_RESET_COLD : TRUSTM_STACK_RESET_SOFT;
        break;
    }
    d->magic = DEV_MAGIC;
    return TRUSTM_OK;
}

/* ---- operation engine ---- */

static void op_finish(dev_impl_t *d, trustm_status_t s)
{
    d->phase = PH_DONE;
    d->result = s;
}

/* ---- the response sink ---- */

/* Forget the response of the last command (wipe_outs: and wipe what it wrote into the outputs). */
static void rsp_reset(api_rsp_t *r, bool wipe_outs)
{
    for (size_t k = 0; wipe_outs && k < r->nout; k++)
        trustm_wipe(r->out[k].p, r->out[k].hw);
    trustm_wipe(r, sizeof *r);
    r->cur = API_RSP_OUTS;
}

static uint16_t clamp16(size_t n)
{
    return (uint16_t)(n < 0xFFFFu ? n : 0xFFFFu);
}

static void out_declare(api_rsp_t *r, uint8_t mode, uint8_t tag, uint8_t *p, size_t size)
{
    if (r->nout >= API_RSP_OUTS || (r->nout > 0 && mode != API_RSP_TLV))
        return; /* a programming error: the response then fails */
    api_out_t *o = &r->out[r->nout++];
    r->mode = mode;
    o->tag = tag;
    o->p = p;
    o->size = clamp16(size);
    o->max = o->size;
}

void api_rsp_raw(api_op_t *op, uint8_t *p, size_t size)
{
    out_declare(&op->rsp, API_RSP_RAW, 0, p, size);
}

void api_rsp_tlv(api_op_t *op, uint8_t tag, uint8_t *p, size_t size)
{
    out_declare(&op->rsp, API_RSP_TLV, tag, p, size);
}

void api_rsp_accept(api_op_t *op, size_t min, size_t max)
{
    api_rsp_t *r = &op->rsp;
    if (r->nout > 0) {
        r->out[r->nout - 1].min = clamp16(min);
        r->out[r->nout - 1].max = clamp16(max);
    }
}

const api_out_t *api_rsp_out(const api_op_t *op, uint8_t tag, size_t *n)
{
    const api_rsp_t *r = &op->rsp;
    for (size_t k = 0; k < r->nout; k++) {
        const api_out_t *o = &r->out[k];
        if (r->mode == API_RSP_RAW || (o->tag == tag && o->seen)) {
            *n = o->len;
            return o;
        }
    }
    *n = 0;
    return NULL;
}

/* Value bytes [off, off + n) of an output: written if the value's length is accepted, as far as
 * they fit. */
static void out_write(api_out_t *o, size_t off, const uint8_t *p, size_t n)
{
    if (off >= o->size || o->p == NULL || o->len < o->min || o->len > o->max)
        return;
    size_t k = n < o->size - off ? n : o->size - off;
    memcpy(o->p + off, p, k);
    if (off + k > o->hw)
        o->hw = (uint16_t)(off + k);
}

/* TLV mode: the bytes of OutData, through the TLV headers. */
static void rsp_tlv_bytes(api_rsp_t *r, const uint8_t *p, size_t n)
{
    while (n > 0) {
        if (r->tlv_got < 3) {
            r->tlv_hdr[r->tlv_got++] = *p++;
            n--;
            if (r->tlv_got < 3)
                continue;
            r->left = trustm_be16_get(r->tlv_hdr + 1);
            r->cur = API_RSP_OUTS;
            for (uint8_t k = 0; k < r->nout; k++)
                if (r->out[k].tag == r->tlv_hdr[0] && !r->out[k].seen)
                    r->cur = k;
            if (r->cur == API_RSP_OUTS) {
                r->bad = 1;
            } else {
                r->out[r->cur].seen = 1;
                r->out[r->cur].len = r->left;
            }
            if (r->left == 0)
                r->tlv_got = 0;
            continue;
        }
        size_t k = n < r->left ? n : r->left;
        if (r->cur != API_RSP_OUTS)
            out_write(&r->out[r->cur], (size_t)(r->out[r->cur].len - r->left), p, k);
        r->left = (uint16_t)(r->left - k);
        p += k;
        n -= k;
        if (r->left == 0)
            r->tlv_got = 0;
    }
}

/* trustm_rsp_sink_t.put: response bytes [pos, pos + n) as they arrive. */
static void rsp_put(void *ctx, size_t pos, const uint8_t *p, size_t n)
{
    api_rsp_t *r = ctx;
    if (pos == 0) { /* (again) from the start */
        r->pos = 0;
        r->head_len = 0;
        r->left = 0;
        r->bad = 0;
        r->tlv_got = 0;
        r->cur = API_RSP_OUTS;
        for (size_t k = 0; k < r->nout; k++)
            r->out[k].len = r->out[k].seen = 0;
    }
    if (pos != r->pos || n > 0xFFFFu - pos) { /* not in order, or longer than any response */
        r->bad = 1;
        return;
    }
    r->pos = (uint32_t)(pos + n);
    size_t hcap = r->mode == API_RSP_HEAD_ONLY ? API_RSP_HEAD : TRUSTM_APDU_HEADER_SIZE;
    if (pos < hcap) {
        size_t k = n < hcap - pos ? n : hcap - pos;
        memcpy(r->head + pos, p, k);
        r->head_len = (uint8_t)(pos + k);
        pos += k;
        p += k;
        n -= k;
    }
    if (n == 0 || r->mode == API_RSP_HEAD_ONLY)
        return;                   /* a longer head-only response is judged short by parse() */
    if (r->mode == API_RSP_RAW) { /* OutLen, from the header, is the value's length */
        r->out[0].len = trustm_be16_get(r->head + 2);
        out_write(&r->out[0], pos - TRUSTM_APDU_HEADER_SIZE, p, n);
        return;
    }
    rsp_tlv_bytes(r, p, n);
}

/* The response as a whole, once received: OK (then parse()), TRUSTM_CMD_STA_FAILED or CMD
 * BAD_RESPONSE. */
static trustm_status_t rsp_check(const api_rsp_t *r, size_t total)
{
    if (r->bad || r->pos != total)
        return API_BAD_RESPONSE;
    trustm_status_t s = trustm_cmd_response_head_decode(r->head, r->head_len, total);
    if (s == TRUSTM_OK && r->mode == API_RSP_TLV && r->tlv_got != 0)
        return API_BAD_RESPONSE; /* OutData ends inside a TLV */
    return s;
}

/* Wipe everything that carried a command or a response (exported keys, plaintext, secrets
 * written with SetDataObject): the command's own bytes, the response head, the operation state,
 * the frame buffers. Called when an operation ends, on success, on error and on abort. */
static void op_wipe(dev_impl_t *d)
{
    trustm_wipe(&d->seq, sizeof d->seq); /* the response bookkeeping and the operation state at once */
    d->seq.rsp.cur = API_RSP_OUTS;       /* as rsp_reset leaves it */
    trustm_wipe(d->cmd_inl, d->cmd.inl_len);
    memset(&d->cmd, 0, sizeof d->cmd);
    trustm_stack_wipe(&d->stack);
}

/* Kept out of line where the compiler allows: the writer's frame is gone before the exchange
 * starts (the deepest call path of the library runs from there down to the first frame). */
#if defined(__GNUC__)
#define OP_NOINLINE __attribute__((noinline))
#else
#define OP_NOINLINE
#endif

/* Build the next command into a fresh gather writer (the previous one's own bytes are wiped):
 * the last error read (last_error) or the sequence's next command. */
static OP_NOINLINE trustm_status_t op_build(dev_impl_t *d, bool last_error)
{
    trustm_wbuf_t w;
    trustm_wipe(d->cmd_inl, d->cmd.inl_len);
    trustm_wbuf_init_gather(&w, &d->cmd, d->cmd_inl, sizeof d->cmd_inl);
    return last_error ? trustm_cmd_last_error_put(&w) : d->seq.ops->build(&d->seq, &w);
}

/* Send the command just built (or fail with the builder's status). */
static trustm_status_t op_exchange(dev_impl_t *d, trustm_status_t built, uint8_t phase)
{
    if (built != TRUSTM_OK)
        return built;
    d->phase = phase;
    trustm_rsp_sink_t sink = {rsp_put, &d->seq.rsp};
    return trustm_stack_start_sink(&d->stack, &d->cmd, trustm_cmd_expected_us(d->cmd_inl, d->cmd.len), &sink,
                                   dev_now(d));
}

static trustm_status_t op_last_error(dev_impl_t *d)
{
    rsp_reset(&d->seq.rsp, true); /* the code goes to the head */
    return op_exchange(d, op_build(d, true), PH_LAST_ERROR);
}

/* Build and send the next command of the sequence operation (fresh: the sequence was just
 * set up by op_seq_init, nothing to reset). */
static trustm_status_t op_seq_send_fresh(dev_impl_t *d)
{
    return op_exchange(d, op_build(d, false), PH_CMD);
}

static trustm_status_t op_seq_send(dev_impl_t *d)
{
    d->seq.wait_us = 0;
    rsp_reset(&d->seq.rsp, false);
    return op_seq_send_fresh(d);
}

/* Set up the sequence of the current operation (no I/O). */
static void op_seq_init(dev_impl_t *d, const api_op_ops_t *ops, const void *state, size_t state_size)
{
    memset(&d->seq, 0, sizeof d->seq);
    d->seq.rsp.cur = API_RSP_OUTS; /* as rsp_reset leaves it */
    d->seq.ops = ops;
    d->seq.cmd_flags = d->cmd_flags;
    d->seq.shared = &d->shared;
    if (state_size > 0)
        memcpy(d->seq.st.bytes, state, state_size);
}

/* Start the armed presentation-layer control exchange. */
static trustm_status_t op_pl_control(dev_impl_t *d)
{
    d->phase = PH_PL_CTL;
    return trustm_stack_start_control(&d->stack, dev_now(d));
}

/* Arm a presentation-layer control exchange (context save / restore); false: nothing to do. */
static bool op_pl_arm(dev_impl_t *d, uint8_t ctl)
{
#ifdef TRUSTM_CFG_SHIELD
    return d->shield != NULL && trustm_pl_shield_control(d->shield, ctl);
#else
    (void)d;
    (void)ctl;
    return false;
#endif
}

/* parse() (or on_error()) said s: finish, or continue with the next command. */
static void op_seq_parsed(dev_impl_t *d, trustm_status_t s)
{
    if (s == TRUSTM_OK && (d->seq_flags & API_OP_PL_SAVE) != 0 && op_pl_arm(d, TRUSTM_PL_CTL_SAVE)) {
        s = op_pl_control(d); /* hibernate: save the Shielded Connection session too (§5.10) */
        if (s != TRUSTM_OK)
            op_finish(d, s);
        return;
    }
    if (s != TRUSTM_IN_PROGRESS) {
        op_finish(d, s);
        return;
    }
    if (d->seq.wait_us > 0) {
        d->wait_until = dev_now(d) + d->seq.wait_us;
        d->phase = PH_WAIT;
        return;
    }
    s = op_seq_send(d);
    if (s != TRUSTM_OK)
        op_finish(d, s);
}

/* A command of the sequence completed at stack level with status s. */
static void op_cmd_done(dev_impl_t *d, trustm_status_t s)
{
    if (s != TRUSTM_OK) {
        op_finish(d, s);
        return;
    }
    s = rsp_check(&d->seq.rsp, trustm_stack_rsp_len(&d->stack));
    if (s == TRUSTM_CMD_STA_FAILED) {
        s = op_last_error(d);
        if (s != TRUSTM_OK)
            op_finish(d, TRUSTM_DEVICE_ERR(0));
        return;
    }
    if (s != TRUSTM_OK) {
        op_finish(d, s);
        return;
    }
    op_seq_parsed(d, d->seq.ops->parse(&d->seq, d->seq.rsp.head, d->seq.rsp.head_len));
}

static void op_last_error_done(dev_impl_t *d, trustm_status_t s)
{
    uint8_t code = 0;
    if (s == TRUSTM_OK && (d->seq.rsp.pos != trustm_stack_rsp_len(&d->stack) ||
                           trustm_cmd_last_error_decode(d->seq.rsp.head, d->seq.rsp.head_len, &code) != TRUSTM_OK))
        code = 0;
    if (s != TRUSTM_OK && trustm_status_is_error(s) && TRUSTM_STATUS_LAYER(s) != TRUSTM_LAYER_CMD) {
        /* the link failed while reading the code: report the link error (it may be sticky) */
        op_finish(d, s);
        return;
    }
    if (d->seq.ops->on_error != NULL) {
        op_seq_parsed(d, d->seq.ops->on_error(&d->seq, TRUSTM_DEVICE_ERR(code)));
        return;
    }
    op_finish(d, TRUSTM_DEVICE_ERR(code));
}

static void op_stack_open_done(dev_impl_t *d, trustm_status_t s)
{
    if (s != TRUSTM_OK) {
        d->linked = false;
        op_finish(d, s);
        return;
    }
    d->linked = true;
    if (d->op == OP_RESET) {
        op_finish(d, TRUSTM_OK);
        return;
    }
    if (d->restore && d->phase == PH_STACK_OPEN && op_pl_arm(d, TRUSTM_PL_CTL_RESTORE)) {
        s = op_pl_control(d); /* restore the Shielded Connection session first (§5.10) */
        if (s != TRUSTM_OK)
            op_finish(d, s);
        return;
    }
    d->restore = false;
    s = op_seq_send(d); /* OpenApplication */
    if (s != TRUSTM_OK)
        op_finish(d, s);
}

static void op_advance(dev_impl_t *d, trustm_status_t s)
{
    switch (d->phase) {
    case PH_STACK_OPEN:
        op_stack_open_done(d, s);
        break;
    case PH_CMD:
        op_cmd_done(d, s);
        break;
    case PH_RAW:
        op_finish(d, s);
        break;
    case PH_LAST_ERROR:
        op_last_error_done(d, s);
        break;
    case PH_PL_CTL:
        if (d->op == OP_OPEN && trustm_status_is_error(s) && TRUSTM_STATUS_LAYER(s) != TRUSTM_LAYER_PL) {
            op_finish(d, s); /* the link failed */
        } else if (d->op == OP_OPEN) {
            /* restore: a refused session restore only means a fresh handshake later; the
             * application context is restored either way */
            op_stack_open_done(d, TRUSTM_OK);
        } else {
            op_finish(d, s);
        }
        break;
    default:
        op_finish(d, API_ERR(TRUSTM_BASE_INTERNAL));
        break;
    }
}

/* Bookkeeping once an operation has produced its final status: wipe, back to idle. */
static trustm_status_t op_complete(dev_impl_t *d, trustm_status_t s)
{
    if (s == TRUSTM_IN_PROGRESS)
        return s;
    if (d->op == OP_TRANSCEIVE && d->out_len != NULL &&
        (s == TRUSTM_OK || s == TRUSTM_STATUS(TRUSTM_LAYER_TL, TRUSTM_BASE_BUFFER_TOO_SMALL)))
        *d->out_len = trustm_stack_rsp_len(&d->stack);
    if (s != TRUSTM_OK && d->seq.ops != NULL && d->seq.ops->on_fail != NULL)
        d->seq.ops->on_fail(&d->seq);
    if (s != TRUSTM_OK)
        rsp_reset(&d->seq.rsp, true); /* nothing half-written in the caller's outputs */
    op_wipe(d);
    d->op = OP_NONE;
    d->phase = PH_IDLE;
    return s;
}

trustm_status_t trustm_op_next_io(trustm_device_t *dev, trustm_io_t *io)
{
    dev_impl_t *d = checked(dev);
    if (io == NULL)
        return API_ERR(TRUSTM_BASE_BAD_PARAM);
    if (d == NULL || d->phase == PH_IDLE) { /* below, each path clears io (the stack's next_io too) */
        memset(io, 0, sizeof *io);
        return d == NULL ? API_ERR(TRUSTM_BASE_BAD_PARAM) : API_ERR(TRUSTM_BASE_BAD_SEQUENCE);
    }
    for (;;) {
        if (d->phase == PH_DONE) {
            memset(io, 0, sizeof *io);
            return op_complete(d, d->result);
        }
        if (d->phase == PH_WAIT) {
            memset(io, 0, sizeof *io);
            if (!trustm_time_reached(dev_now(d), d->wait_until)) {
                io->kind = TRUSTM_IO_WAIT;
                io->until_us = d->wait_until;
                return TRUSTM_IN_PROGRESS;
            }
            trustm_status_t ws = op_seq_send(d);
            if (ws != TRUSTM_OK)
                op_finish(d, ws);
            continue;
        }
        trustm_status_t s = trustm_stack_next_io(&d->stack, io);
        if (s == TRUSTM_IN_PROGRESS)
            return s;
        op_advance(d, s);
    }
}

void trustm_op_io_done(trustm_device_t *dev, trustm_status_t io_status, size_t n, uint64_t now_us)
{
    dev_impl_t *d = checked(dev);
    if (d == NULL || d->phase == PH_IDLE || d->phase == PH_DONE || d->phase == PH_WAIT)
        return; /* our own wait: the clock is checked in trustm_op_next_io */
    trustm_stack_io_done(&d->stack, io_status, n, now_us);
}

static trustm_status_t op_begin(trustm_device_t *dev, dev_impl_t **out, uint8_t op, bool need_link)
{
    dev_impl_t *d = checked(dev);
    if (d == NULL)
        return API_ERR(TRUSTM_BASE_BAD_PARAM);
    if (d->phase != PH_IDLE && d->phase != PH_DONE)
        return API_ERR(TRUSTM_BASE_BAD_SEQUENCE);
    if (need_link && !d->linked)
        return API_ERR(TRUSTM_BASE_BAD_SEQUENCE);
    if (op != OP_SEQ)
        d->shared.sym_open = 0; /* another command ends an open symmetric sequence */
    d->op = op;
    d->seq_flags = 0;
#ifdef TRUSTM_CFG_SHIELD
    if (d->shield != NULL) {
        trustm_pl_shield_begin_op(d->shield);
        if (op == OP_OPEN || op == OP_RESET)
            d->shield->op_level = TRUSTM_PROTECT_NONE; /* OpenApplication: before any session */
    }
#endif
    *out = d;
    return TRUSTM_OK;
}

/* Start the first stack operation; on failure the operation does not exist. */
static trustm_status_t op_launch(dev_impl_t *d, trustm_status_t s)
{
    if (s != TRUSTM_OK) {
        op_wipe(d);
        d->phase = PH_IDLE;
        d->op = OP_NONE;
        return s;
    }
    d->result = TRUSTM_IN_PROGRESS;
    return TRUSTM_OK;
}

/* ---- OpenApplication: the sequence that follows the stack open ---- */

typedef struct open_state {
    uint8_t restore;
    uint8_t handle[TRUSTM_CMD_CONTEXT_HANDLE_SIZE];
} open_state_t;
API_STATE_FITS(open_state_t);

static trustm_status_t open_build(api_op_t *op, trustm_wbuf_t *w)
{
    open_state_t *st = API_STATE(op, open_state_t);
    trustm_status_t s =
        trustm_cmd_open_application_put(w, st->restore ? TRUSTM_CMD_OPEN_PARAM_RESTORE : TRUSTM_CMD_OPEN_PARAM_INIT,
                                        st->restore ? st->handle : NULL, op->cmd_flags);
    trustm_wipe(st->handle, sizeof st->handle); /* the handle is valid once */
    return s;
}

static trustm_status_t open_parse(api_op_t *op, const uint8_t *rsp, size_t rsp_len)
{
    trustm_status_t s = trustm_cmd_no_data_decode(rsp, rsp_len);
    if (s == TRUSTM_OK && !API_STATE(op, open_state_t)->restore)
        memset(op->shared, 0, sizeof *op->shared); /* a fresh application has empty sessions */
    return s;
}

static const api_op_ops_t open_ops = {open_build, open_parse, NULL, 0, NULL};

static trustm_status_t op_start_stack_open(trustm_device_t *dev, uint8_t op, const uint8_t *handle)
{
    dev_impl_t *d;
    trustm_status_t s = op_begin(dev, &d, op, false);
    if (s != TRUSTM_OK)
        return s;
    open_state_t st;
    memset(&st, 0, sizeof st);
    if (handle != NULL) {
        st.restore = 1;
        memcpy(st.handle, handle, sizeof st.handle);
    }
    if (op == OP_OPEN)
        op_seq_init(d, &open_ops, &st, sizeof st);
    trustm_wipe(&st, sizeof st);
    d->restore = handle != NULL;
    d->phase = PH_STACK_OPEN;
    return op_launch(d, trustm_stack_open_start(&d->stack, (trustm_stack_reset_t)d->reset, dev_now(d)));
}

trustm_status_t trustm_op_start_device_open(trustm_device_t *dev)
{
    return op_start_stack_open(dev, OP_OPEN, NULL);
}
trustm_status_t trustm_op_start_device_reset(trustm_device_t *dev)
{
    return op_start_stack_open(dev, OP_RESET, NULL);
}

trustm_status_t trustm_op_start_device_open_restore(trustm_device_t *dev,
                                                    const uint8_t handle[TRUSTM_CONTEXT_HANDLE_SIZE])
{
    static const uint8_t zero[TRUSTM_CONTEXT_HANDLE_SIZE] = {0};
    if (handle == NULL || memcmp(handle, zero, sizeof zero) == 0) /* all zeros: no saved context */
        return API_ERR(TRUSTM_BASE_BAD_PARAM);
    return op_start_stack_open(dev, OP_OPEN, handle);
}

trustm_status_t api_op_start(trustm_device_t *dev, const api_op_ops_t *ops, const void *state, size_t state_size)
{
    return api_op_start_ex(dev, ops, state, state_size, 0);
}

trustm_status_t api_op_start_ex(trustm_device_t *dev, const api_op_ops_t *ops, const void *state, size_t state_size,
                                unsigned flags)
{
    dev_impl_t *d;
    if (ops == NULL || ops->build == NULL || ops->parse == NULL || state_size > API_OP_STATE_SIZE)
        return API_ERR(TRUSTM_BASE_INTERNAL);
    trustm_status_t s = op_begin(dev, &d, OP_SEQ, true);
    if (s != TRUSTM_OK)
        return s;
    d->seq_flags = (uint8_t)flags;
#ifdef TRUSTM_CFG_SHIELD
    if (d->shield != NULL && (flags & API_OP_PLAIN) != 0)
        d->shield->op_level = TRUSTM_PROTECT_NONE;
#endif
    if (!ops->sym_sequence)
        d->shared.sym_open = 0; /* another command ends an open symmetric sequence */
    op_seq_init(d, ops, state, state_size);
    return op_launch(d, op_seq_send_fresh(d));
}

api_shared_t *api_shared(trustm_device_t *dev)
{
    dev_impl_t *d = checked(dev);
    return d != NULL ? &d->shared : NULL;
}

/* ---- CloseApplication, GetDataObject: sequence operations ---- */

static trustm_status_t close_build(api_op_t *op, trustm_wbuf_t *w)
{
    return trustm_cmd_close_application_put(w, TRUSTM_CMD_CLOSE_PARAM_CLOSE, op->cmd_flags);
}

static trustm_status_t close_parse(api_op_t *op, const uint8_t *rsp, size_t rsp_len)
{
    trustm_status_t s = trustm_cmd_no_data_decode(rsp, rsp_len);
    if (s == TRUSTM_OK)
        memset(op->shared, 0, sizeof *op->shared); /* sessions are released on close */
    return s;
}

static const api_op_ops_t close_ops = {close_build, close_parse, NULL, 0, NULL};

trustm_status_t trustm_op_start_device_close(trustm_device_t *dev)
{
    return api_op_start(dev, &close_ops, NULL, 0);
}

trustm_status_t trustm_op_start_device_transceive(trustm_device_t *dev, const uint8_t *apdu, size_t apdu_len,
                                                  uint8_t *rsp, size_t rsp_size, size_t *rsp_len)
{
    dev_impl_t *d;
    if (apdu == NULL || apdu_len == 0 || (rsp == NULL && rsp_size > 0) || rsp_len == NULL)
        return API_ERR(TRUSTM_BASE_BAD_PARAM);
    trustm_status_t s = op_begin(dev, &d, OP_TRANSCEIVE, true);
    if (s != TRUSTM_OK)
        return s;
    d->out_len = rsp_len;
    *rsp_len = 0;
    d->phase = PH_RAW;
    return op_launch(d, trustm_stack_start(&d->stack, apdu, apdu_len, trustm_cmd_expected_us(apdu, apdu_len), rsp,
                                           rsp_size, dev_now(d)));
}

/* Data read (one GetDataObject per chunk) and metadata read. */
typedef struct read_state {
    uint8_t *out;
    size_t out_size;
    size_t *out_len;
    size_t got;
    uint16_t oid;
    uint16_t offset;
    uint16_t chunk; /* length asked in the current GetDataObject */
} read_state_t;
API_STATE_FITS(read_state_t);

static trustm_status_t data_read_build(api_op_t *op, trustm_wbuf_t *w)
{
    read_state_t *st = API_STATE(op, read_state_t);
    size_t left = st->out_size - st->got;
    st->chunk = (uint16_t)(left < TRUSTM_APDU_MAX_DATA ? left : TRUSTM_APDU_MAX_DATA);
    api_rsp_raw(op, st->out + st->got, st->chunk);
    return trustm_cmd_get_data_put(w, st->oid, (uint16_t)(st->offset + st->got), st->chunk, op->cmd_flags);
}

static trustm_status_t data_read_parse(api_op_t *op, const uint8_t *rsp, size_t rsp_len)
{
    read_state_t *st = API_STATE(op, read_state_t);
    size_t n;
    (void)rsp;
    (void)rsp_len;
    (void)api_rsp_out(op, 0, &n); /* the data is in place */
    if (n > st->chunk)
        return API_BAD_RESPONSE; /* more than was asked for */
    st->got += n;
    *st->out_len = st->got;
    if (n < st->chunk || st->got == st->out_size || (size_t)st->offset + st->got > 0xFFFFu)
        return TRUSTM_OK;
    return TRUSTM_IN_PROGRESS;
}

static trustm_status_t data_read_on_error(api_op_t *op, trustm_status_t err)
{
    if (err == TRUSTM_DEVICE_ERR(0x08) && API_STATE(op, read_state_t)->got > 0)
        return TRUSTM_OK; /* boundary after data: end */
    return err;
}

static const api_op_ops_t data_read_ops = {data_read_build, data_read_parse, data_read_on_error, 0, NULL};

static trustm_status_t metadata_read_build(api_op_t *op, trustm_wbuf_t *w)
{
    read_state_t *st = API_STATE(op, read_state_t);
    api_rsp_raw(op, st->out, st->out_size);
    return trustm_cmd_get_metadata_put(w, API_STATE(op, read_state_t)->oid, op->cmd_flags);
}

static trustm_status_t metadata_read_parse(api_op_t *op, const uint8_t *rsp, size_t rsp_len)
{
    read_state_t *st = API_STATE(op, read_state_t);
    size_t n;
    (void)rsp;
    (void)rsp_len;
    (void)api_rsp_out(op, 0, &n);
    if (n > st->out_size)
        return API_ERR(TRUSTM_BASE_BUFFER_TOO_SMALL);
    *st->out_len = n;
    return TRUSTM_OK;
}

static const api_op_ops_t metadata_read_ops = {metadata_read_build, metadata_read_parse, NULL, 0, NULL};

static trustm_status_t read_start(trustm_device_t *dev, const api_op_ops_t *ops, uint16_t oid, uint16_t offset,
                                  uint8_t *out, size_t out_size, size_t *out_len)
{
    read_state_t st;
    memset(&st, 0, sizeof st);
    st.oid = oid;
    st.offset = offset;
    st.out = out;
    st.out_size = out_size;
    st.out_len = out_len;
    trustm_status_t s = api_op_start(dev, ops, &st, sizeof st);
    if (s == TRUSTM_OK)
        *out_len = 0; /* nothing has been exchanged yet */
    return s;
}

trustm_status_t trustm_op_start_data_read(trustm_device_t *dev, uint16_t oid, uint16_t offset, uint8_t *out,
                                          size_t out_size, size_t *out_len)
{
    if (out == NULL || out_size == 0 || out_len == NULL)
        return API_ERR(TRUSTM_BASE_BAD_PARAM);
    return read_start(dev, &data_read_ops, oid, offset, out, out_size, out_len);
}

trustm_status_t trustm_op_start_metadata_read(trustm_device_t *dev, uint16_t oid, uint8_t *out, size_t out_size,
                                              size_t *out_len)
{
    if ((out == NULL && out_size > 0) || out_len == NULL)
        return API_ERR(TRUSTM_BASE_BAD_PARAM);
    return read_start(dev, &metadata_read_ops, oid, 0, out, out_size, out_len);
}

/* ---- drivers: the PAL performs the device engine's requests ---- */

static trustm_status_t dev_next_io_cb(void *ctx, trustm_io_t *io)
{
    return trustm_op_next_io((trustm_device_t *)ctx, io);
}

static void dev_io_done_cb(void *ctx, trustm_status_t io_status, size_t n, uint64_t now_us)
{
    trustm_op_io_done((trustm_device_t *)ctx, io_status, n, now_us);
}

trustm_status_t trustm_op_poll(trustm_device_t *dev, uint64_t *next_deadline_us)
{
    dev_impl_t *d = checked(dev);
    if (d == NULL)
        return API_ERR(TRUSTM_BASE_BAD_PARAM);
    if (d->phase == PH_IDLE)
        return API_ERR(TRUSTM_BASE_BAD_SEQUENCE);
    trustm_engine_t eng = {dev_next_io_cb, dev_io_done_cb, dev};
    return trustm_pump_engine_step(&eng, &d->pal, next_deadline_us);
}

trustm_status_t trustm_op_run(trustm_device_t *dev)
{
    dev_impl_t *d = checked(dev);
    if (d == NULL)
        return API_ERR(TRUSTM_BASE_BAD_PARAM);
    if (d->phase == PH_IDLE)
        return API_ERR(TRUSTM_BASE_BAD_SEQUENCE);
    trustm_engine_t eng = {dev_next_io_cb, dev_io_done_cb, dev};
    return trustm_pump_engine_run(&eng, &d->pal);
}

void trustm_op_abort(trustm_device_t *dev)
{
    dev_impl_t *d = checked(dev);
    if (d == NULL || d->phase == PH_IDLE)
        return;
    if (d->phase != PH_WAIT) /* a wait between commands has no exchange open */
        trustm_stack_abort(&d->stack);
    if (d->op == OP_OPEN || d->op == OP_RESET)
        d->linked = false;
    if (d->seq.ops != NULL && d->seq.ops->on_fail != NULL)
        d->seq.ops->on_fail(&d->seq);
    rsp_reset(&d->seq.rsp, true);
    op_wipe(d);
    d->op = OP_NONE;
    d->phase = PH_IDLE;
}

bool trustm_op_is_busy(const trustm_device_t *dev)
{
    if (dev == NULL)
        return false;
    const dev_impl_t *d = cimpl(dev);
    return d->magic == DEV_MAGIC && d->phase != PH_IDLE;
}

/* ---- blocking forms ---- */

trustm_status_t api_run(trustm_device_t *dev, trustm_status_t start_status)
{
    return start_status != TRUSTM_OK ? start_status : trustm_op_run(dev);
}

trustm_status_t trustm_device_open(trustm_device_t *dev)
{
    return api_run(dev, trustm_op_start_device_open(dev));
}
trustm_status_t trustm_device_reset(trustm_device_t *dev)
{
    return api_run(dev, trustm_op_start_device_reset(dev));
}
trustm_status_t trustm_device_close(trustm_device_t *dev)
{
    return api_run(dev, trustm_op_start_device_close(dev));
}

trustm_status_t trustm_device_open_restore(trustm_device_t *dev, const uint8_t handle[TRUSTM_CONTEXT_HANDLE_SIZE])
{
    return api_run(dev, trustm_op_start_device_open_restore(dev, handle));
}

trustm_status_t trustm_device_transceive(trustm_device_t *dev, const uint8_t *apdu, size_t apdu_len, uint8_t *rsp,
                                         size_t rsp_size, size_t *rsp_len)
{
    return api_run(dev, trustm_op_start_device_transceive(dev, apdu, apdu_len, rsp, rsp_size, rsp_len));
}

trustm_status_t trustm_data_read(trustm_device_t *dev, uint16_t oid, uint16_t offset, uint8_t *out, size_t out_size,
                                 size_t *out_len)
{
    return api_run(dev, trustm_op_start_data_read(dev, oid, offset, out, out_size, out_len));
}

trustm_status_t trustm_metadata_read(trustm_device_t *dev, uint16_t oid, uint8_t *out, size_t out_size, size_t *out_len)
{
    return api_run(dev, trustm_op_start_metadata_read(dev, oid, out, out_size, out_len));
}

/* ---- queries ---- */

const trustm_stats_t *trustm_device_stats(const trustm_device_t *dev)
{
    return trustm_stack_stats(&cimpl(dev)->stack);
}

void trustm_device_stats_clear(trustm_device_t *dev)
{
    memset(&impl(dev)->stack.stats, 0, sizeof impl(dev)->stack.stats);
}

uint16_t trustm_device_frame_size(const trustm_device_t *dev)
{
    return trustm_stack_frame_size(&cimpl(dev)->stack);
}

uint16_t trustm_device_max_scl_khz(const trustm_device_t *dev)
{
    return trustm_stack_max_scl_khz(&cimpl(dev)->stack);
}

/* ---- Shielded Connection levels ---- */

/* Set the default (next = false) or the next operation's level; valid: the levels (and for the
 * next operation RENEW or DEFAULT). */
static trustm_status_t dev_protection(trustm_device_t *dev, uint8_t level, bool next)
{
#ifdef TRUSTM_CFG_SHIELD
    dev_impl_t *d = checked(dev);
    unsigned allowed = next ? (TRUSTM_PROTECT_FULL | TRUSTM_PROTECT_RENEW) : TRUSTM_PROTECT_FULL;
    if (d == NULL || d->shield == NULL || ((level & ~allowed) != 0 && !(next && level == TRUSTM_PROTECT_DEFAULT)))
        return API_ERR(TRUSTM_BASE_BAD_PARAM);
    if (next)
        d->shield->next_level = level;
    else
        d->shield->cfg.default_level = level;
    return TRUSTM_OK;
#else
    (void)dev;
    (void)level;
    (void)next;
    return TRUSTM_STATUS(TRUSTM_LAYER_PL, TRUSTM_BASE_NOT_SUPPORTED);
#endif
}

trustm_status_t trustm_device_set_protection(trustm_device_t *dev, uint8_t level)
{
    return dev_protection(dev, level, false);
}

trustm_status_t trustm_device_protect_next(trustm_device_t *dev, uint8_t level)
{
    return dev_protection(dev, level, true);
}

#ifndef TRUSTM_CFG_SHIELD
/* The layer is compiled out: its entry points exist and say so. */
trustm_status_t trustm_shield_init(trustm_shield_t *sh, const trustm_shield_config_t *cfg)
{
    (void)sh;
    (void)cfg;
    return TRUSTM_STATUS(TRUSTM_LAYER_PL, TRUSTM_BASE_NOT_SUPPORTED);
}
void trustm_shield_wipe(trustm_shield_t *sh)
{
    if (sh != NULL)
        trustm_wipe(sh, sizeof *sh);
}
bool trustm_shield_has_session(const trustm_shield_t *sh)
{
    (void)sh;
    return false;
}
trustm_status_t trustm_shield_export(const trustm_shield_t *sh, uint8_t *out, size_t out_size, size_t *out_len)
{
    (void)sh;
    (void)out;
    (void)out_size;
    (void)out_len;
    return TRUSTM_STATUS(TRUSTM_LAYER_PL, TRUSTM_BASE_NOT_SUPPORTED);
}
trustm_status_t trustm_shield_import(trustm_shield_t *sh, const uint8_t *in, size_t in_len)
{
    (void)sh;
    (void)in;
    (void)in_len;
    return TRUSTM_STATUS(TRUSTM_LAYER_PL, TRUSTM_BASE_NOT_SUPPORTED);
}
#endif
