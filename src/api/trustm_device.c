/*
 * Service API: argument checks, operation state, and the thin sequencing over cmd/ and the
 * stack (open = stack open + OpenApplication; Sta FF -> Last Error Code read -> DEVICE_ERR).
 *
 *   operation     phases
 *   open          STACK_OPEN -> CMD(OpenApplication 0) [-> LAST_ERROR]
 *   reset         STACK_OPEN
 *   close         CMD(CloseApplication 0) [-> LAST_ERROR]
 *   transceive    RAW (caller's buffers, no interpretation)
 *   data_read     CMD(GetDataObject chunk)* [-> LAST_ERROR]  (code 08 after a first chunk = end)
 *   metadata_read CMD(GetDataObject Param 1) [-> LAST_ERROR]
 *   open_restore  STACK_OPEN -> CMD(OpenApplication 1 + handle) [-> LAST_ERROR]
 *   seq           (CMD [-> LAST_ERROR] [-> WAIT])*  driven by an api_op_ops_t (trustm_api_int.h)
 */
#include <string.h>

#include "trustm/trustm_device.h"
#include "trustm/trustm_shield.h"
#include "trustm_bytes.h"
#include "trustm_api_int.h"
#include "trustm_cmd_int.h"

enum { OP_NONE = 0, OP_OPEN, OP_RESET, OP_CLOSE, OP_TRANSCEIVE, OP_DATA_READ, OP_METADATA_READ, OP_SEQ };
enum { PH_IDLE = 0, PH_STACK_OPEN, PH_CMD, PH_RAW, PH_LAST_ERROR, PH_WAIT, PH_PL_CTL, PH_DONE };

#define DEV_MAGIC    0x54524D44u /* "TRMD" */
#define CMD_BUF_SIZE TRUSTM_APDU_MAX_SIZE
#define RSP_BUF_SIZE (TRUSTM_APDU_MAX_SIZE + TRUSTM_PL_HDR_MAX)

typedef struct dev_impl {
    uint32_t magic;
    trustm_pal_t pal;
    trustm_stack_reset_t reset;
    unsigned cmd_flags;
    bool linked; /* stack opened (reset + negotiation done) */
    uint8_t op;
    uint8_t phase;
    trustm_status_t result;
    /* data / metadata read */
    uint16_t oid;
    uint16_t offset;
    uint16_t chunk; /* length asked in the current GetDataObject */
    uint8_t *out;
    size_t out_size;
    size_t got;
    size_t *out_len;
    /* transceive */
    const uint8_t *apdu;
    size_t apdu_len;
    uint8_t *rsp;
    size_t rsp_size;
    /* open with restore */
    bool restore;
    uint8_t restore_handle[TRUSTM_CMD_CONTEXT_HANDLE_SIZE];
    /* sequence operations */
    uint64_t wait_until;
    unsigned seq_flags; /* API_OP_* of the running sequence operation */
#ifdef TRUSTM_CFG_SHIELD
    trustm_shield_t *shield;
#endif
    api_op_t seq;
    api_shared_t shared;
    uint8_t cmd_buf[CMD_BUF_SIZE];
    size_t cmd_len;
    size_t cmd_hw, rsp_hw; /* bytes of cmd_buf / rsp_buf used since the last wipe */
    uint8_t rsp_buf[RSP_BUF_SIZE];
    trustm_stack_t stack;
} dev_impl_t;

/* trustm_device_t must be able to hold the implementation (C99 compile-time check). */
typedef char trustm_device_size_check[(sizeof(dev_impl_t) <= TRUSTM_DEVICE_PRIVATE_SIZE) ? 1 : -1];

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
    d->cmd_flags = c.plain_cmd_codes ? TRUSTM_CMD_FLAG_PLAIN : 0u;
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

/* Response bytes of the last exchange into rsp_buf: bound of the wipe. */
static void op_rsp_used(dev_impl_t *d)
{
    size_t n = trustm_stack_rsp_written(&d->stack);
    if (n > d->rsp_hw)
        d->rsp_hw = n;
}

/* Wipe everything that carried a command or a response (exported keys, plaintext, secrets
 * written with SetDataObject): the APDU buffers, the operation state, the frame buffers. Called
 * when an operation ends, on success, on error and on abort. */
static void op_wipe(dev_impl_t *d)
{
    /* only what the operation used (a whole-buffer wipe cost ~15k instructions a command) */
    op_rsp_used(d);
    trustm_wipe(d->cmd_buf, d->cmd_hw > sizeof d->cmd_buf ? sizeof d->cmd_buf : d->cmd_hw);
    trustm_wipe(d->rsp_buf, d->rsp_hw > sizeof d->rsp_buf ? sizeof d->rsp_buf : d->rsp_hw);
    d->cmd_hw = 0;
    d->rsp_hw = 0;
    if (d->op == OP_SEQ) /* the only user of the operation state */
        trustm_wipe(&d->seq.st, sizeof d->seq.st);
    d->cmd_len = 0;
    trustm_stack_wipe(&d->stack);
}

static trustm_status_t op_exchange(dev_impl_t *d, uint8_t phase)
{
    d->phase = phase;
    if (d->cmd_len > d->cmd_hw)
        d->cmd_hw = d->cmd_len;
    return trustm_stack_start(&d->stack, d->cmd_buf, d->cmd_len, trustm_cmd_expected_us(d->cmd_buf, d->cmd_len),
                              d->rsp_buf, sizeof d->rsp_buf, dev_now(d));
}

/* Build the next GetDataObject chunk of a data read. */
static trustm_status_t op_data_chunk(dev_impl_t *d)
{
    size_t left = d->out_size - d->got;
    d->chunk = (uint16_t)(left < TRUSTM_APDU_MAX_DATA ? left : TRUSTM_APDU_MAX_DATA);
    trustm_status_t s = trustm_cmd_get_data_encode(d->oid, (uint16_t)(d->offset + d->got), d->chunk, d->cmd_flags,
                                                   d->cmd_buf, sizeof d->cmd_buf, &d->cmd_len);
    if (s != TRUSTM_OK)
        return s;
    return op_exchange(d, PH_CMD);
}

static trustm_status_t op_last_error(dev_impl_t *d)
{
    trustm_status_t s = trustm_cmd_last_error_encode(d->cmd_buf, sizeof d->cmd_buf, &d->cmd_len);
    if (s != TRUSTM_OK)
        return s;
    return op_exchange(d, PH_LAST_ERROR);
}

/* Data read: one chunk answered with Sta 00. */
static void op_data_chunk_done(dev_impl_t *d, size_t rsp_len)
{
    const uint8_t *data;
    size_t n;
    trustm_status_t s = trustm_cmd_get_data_decode(d->rsp_buf, rsp_len, d->chunk, &data, &n);
    if (s != TRUSTM_OK) {
        op_finish(d, s);
        return;
    }
    memcpy(d->out + d->got, data, n);
    d->got += n;
    *d->out_len = d->got;
    if (n < d->chunk || d->got == d->out_size || (size_t)d->offset + d->got > 0xFFFFu) {
        op_finish(d, TRUSTM_OK);
        return;
    }
    s = op_data_chunk(d);
    if (s != TRUSTM_OK)
        op_finish(d, s);
}

/* Build and send the next command of a sequence operation. */
static trustm_status_t op_seq_send(dev_impl_t *d)
{
    d->seq.wait_us = 0;
    trustm_status_t s = d->seq.ops->build(&d->seq, d->cmd_buf, sizeof d->cmd_buf, &d->cmd_len);
    if (s != TRUSTM_OK) {
        d->cmd_hw = sizeof d->cmd_buf; /* a failed build may have written part of its data */
        return s;
    }
    return op_exchange(d, PH_CMD);
}

/* parse() (or on_error()) said s: finish, or continue with the next command. */
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

/* A command of the operation completed at stack level with status s. */
static void op_cmd_done(dev_impl_t *d, trustm_status_t s)
{
    size_t rsp_len = trustm_stack_rsp_len(&d->stack);
    op_rsp_used(d);
    if (s != TRUSTM_OK) {
        op_finish(d, s);
        return;
    }
    trustm_apdu_rsp_t r;
    s = trustm_cmd_response_decode(d->rsp_buf, rsp_len, &r);
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
    switch (d->op) {
    case OP_OPEN:
        s = trustm_cmd_no_data_decode(d->rsp_buf, rsp_len);
        if (s == TRUSTM_OK && !d->restore)
            memset(&d->shared, 0, sizeof d->shared); /* a fresh application has empty sessions */
        d->restore = false;
        op_finish(d, s);
        break;
    case OP_CLOSE:
        s = trustm_cmd_no_data_decode(d->rsp_buf, rsp_len);
        if (s == TRUSTM_OK)
            memset(&d->shared, 0, sizeof d->shared); /* sessions are released on close */
        op_finish(d, s);
        break;
    case OP_DATA_READ:
        op_data_chunk_done(d, rsp_len);
        break;
    case OP_SEQ:
        op_seq_parsed(d, d->seq.ops->parse(&d->seq, d->rsp_buf, rsp_len));
        break;
    case OP_METADATA_READ:
        if (r.out_len > d->out_size) {
            op_finish(d, API_ERR(TRUSTM_BASE_BUFFER_TOO_SMALL));
            break;
        }
        memcpy(d->out, r.out_data, r.out_len);
        *d->out_len = r.out_len;
        op_finish(d, TRUSTM_OK);
        break;
    default:
        op_finish(d, API_ERR(TRUSTM_BASE_INTERNAL));
        break;
    }
}

static void op_last_error_done(dev_impl_t *d, trustm_status_t s)
{
    uint8_t code = 0;
    if (s == TRUSTM_OK && trustm_cmd_last_error_decode(d->rsp_buf, trustm_stack_rsp_len(&d->stack), &code) != TRUSTM_OK)
        code = 0;
    if (s != TRUSTM_OK && trustm_status_is_error(s) && TRUSTM_STATUS_LAYER(s) != TRUSTM_LAYER_CMD) {
        /* the link failed while reading the code: report the link error (it may be sticky) */
        op_finish(d, s);
        return;
    }
    if (d->op == OP_DATA_READ && code == 0x08 && d->got > 0) { /* boundary after data: end */
        op_finish(d, TRUSTM_OK);
        return;
    }
    if (d->op == OP_OPEN)
        d->restore = false;
    if (d->op == OP_SEQ && d->seq.ops->on_error != NULL) {
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
    if (d->restore)
        s = trustm_cmd_open_application_encode(TRUSTM_CMD_OPEN_PARAM_RESTORE, d->restore_handle, d->cmd_flags,
                                               d->cmd_buf, sizeof d->cmd_buf, &d->cmd_len);
    else
        s = trustm_cmd_open_application_encode(TRUSTM_CMD_OPEN_PARAM_INIT, NULL, d->cmd_flags, d->cmd_buf,
                                               sizeof d->cmd_buf, &d->cmd_len);
    trustm_wipe(d->restore_handle, sizeof d->restore_handle); /* the handle is valid once */
    if (s == TRUSTM_OK)
        s = op_exchange(d, PH_CMD);
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

static trustm_status_t op_next_io(void *ctx, trustm_io_t *io)
{
    dev_impl_t *d = ctx;
    for (;;) {
        if (d->phase == PH_DONE) {
            memset(io, 0, sizeof *io);
            return d->result;
        }
        if (d->phase == PH_IDLE)
            return API_ERR(TRUSTM_BASE_BAD_SEQUENCE);
        if (d->phase == PH_WAIT) {
            if (!trustm_time_reached(dev_now(d), d->wait_until)) {
                memset(io, 0, sizeof *io);
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

static void op_io_done(void *ctx, trustm_status_t io_status, size_t n, uint64_t now_us)
{
    dev_impl_t *d = ctx;
    if (d->phase == PH_WAIT)
        return; /* our own wait: the clock is checked in op_next_io */
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

static trustm_status_t op_start_stack_open(trustm_device_t *dev, uint8_t op)
{
    dev_impl_t *d;
    trustm_status_t s = op_begin(dev, &d, op, false);
    if (s != TRUSTM_OK)
        return s;
    d->restore = false;
    d->phase = PH_STACK_OPEN;
    return op_launch(d, trustm_stack_open_start(&d->stack, d->reset, dev_now(d)));
}

trustm_status_t trustm_op_start_device_open(trustm_device_t *dev)
{
    return op_start_stack_open(dev, OP_OPEN);
}
trustm_status_t trustm_op_start_device_reset(trustm_device_t *dev)
{
    return op_start_stack_open(dev, OP_RESET);
}

trustm_status_t trustm_op_start_device_open_restore(trustm_device_t *dev,
                                                    const uint8_t handle[TRUSTM_CONTEXT_HANDLE_SIZE])
{
    static const uint8_t zero[TRUSTM_CONTEXT_HANDLE_SIZE] = {0};
    if (handle == NULL || memcmp(handle, zero, sizeof zero) == 0) /* all zeros: no saved context */
        return API_ERR(TRUSTM_BASE_BAD_PARAM);
    trustm_status_t s = op_start_stack_open(dev, OP_OPEN);
    if (s != TRUSTM_OK)
        return s;
    dev_impl_t *d = impl(dev);
    d->restore = true;
    memcpy(d->restore_handle, handle, TRUSTM_CONTEXT_HANDLE_SIZE);
    return TRUSTM_OK;
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
    d->seq_flags = flags;
#ifdef TRUSTM_CFG_SHIELD
    if (d->shield != NULL && (flags & API_OP_PLAIN) != 0)
        d->shield->op_level = TRUSTM_PROTECT_NONE;
#endif
    if (!ops->sym_sequence)
        d->shared.sym_open = 0; /* another command ends an open symmetric sequence */
    memset(&d->seq, 0, sizeof d->seq);
    d->seq.ops = ops;
    d->seq.cmd_flags = d->cmd_flags;
    d->seq.shared = &d->shared;
    if (state_size > 0)
        memcpy(d->seq.st.bytes, state, state_size);
    return op_launch(d, op_seq_send(d));
}

api_shared_t *api_shared(trustm_device_t *dev)
{
    dev_impl_t *d = checked(dev);
    return d != NULL ? &d->shared : NULL;
}

trustm_status_t api_run(trustm_device_t *dev, trustm_status_t start_status)
{
    return start_status != TRUSTM_OK ? start_status : trustm_op_run(dev);
}

trustm_status_t trustm_op_start_device_close(trustm_device_t *dev)
{
    dev_impl_t *d;
    trustm_status_t s = op_begin(dev, &d, OP_CLOSE, true);
    if (s != TRUSTM_OK)
        return s;
    s = trustm_cmd_close_application_encode(TRUSTM_CMD_CLOSE_PARAM_CLOSE, d->cmd_flags, d->cmd_buf, sizeof d->cmd_buf,
                                            &d->cmd_len);
    if (s == TRUSTM_OK)
        s = op_exchange(d, PH_CMD);
    return op_launch(d, s);
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

trustm_status_t trustm_op_start_data_read(trustm_device_t *dev, uint16_t oid, uint16_t offset, uint8_t *out,
                                          size_t out_size, size_t *out_len)
{
    dev_impl_t *d;
    if (out == NULL || out_size == 0 || out_len == NULL)
        return API_ERR(TRUSTM_BASE_BAD_PARAM);
    trustm_status_t s = op_begin(dev, &d, OP_DATA_READ, true);
    if (s != TRUSTM_OK)
        return s;
    d->oid = oid;
    d->offset = offset;
    d->out = out;
    d->out_size = out_size;
    d->out_len = out_len;
    d->got = 0;
    *out_len = 0;
    return op_launch(d, op_data_chunk(d));
}

trustm_status_t trustm_op_start_metadata_read(trustm_device_t *dev, uint16_t oid, uint8_t *out, size_t out_size,
                                              size_t *out_len)
{
    dev_impl_t *d;
    if ((out == NULL && out_size > 0) || out_len == NULL)
        return API_ERR(TRUSTM_BASE_BAD_PARAM);
    trustm_status_t s = op_begin(dev, &d, OP_METADATA_READ, true);
    if (s != TRUSTM_OK)
        return s;
    d->out = out;
    d->out_size = out_size;
    d->out_len = out_len;
    *out_len = 0;
    s = trustm_cmd_get_metadata_encode(oid, d->cmd_flags, d->cmd_buf, sizeof d->cmd_buf, &d->cmd_len);
    if (s == TRUSTM_OK)
        s = op_exchange(d, PH_CMD);
    return op_launch(d, s);
}

/* Bookkeeping once an operation has produced its final status. */
static trustm_status_t op_complete(dev_impl_t *d, trustm_status_t s)
{
    if (s == TRUSTM_IN_PROGRESS)
        return s;
    if (d->op == OP_TRANSCEIVE && d->out_len != NULL &&
        (s == TRUSTM_OK || s == TRUSTM_STATUS(TRUSTM_LAYER_TL, TRUSTM_BASE_BUFFER_TOO_SMALL)))
        *d->out_len = trustm_stack_rsp_len(&d->stack);
    op_wipe(d);
    d->op = OP_NONE;
    d->phase = PH_IDLE;
    return s;
}

trustm_status_t trustm_op_poll(trustm_device_t *dev, uint64_t *next_deadline_us)
{
    dev_impl_t *d = checked(dev);
    if (d == NULL)
        return API_ERR(TRUSTM_BASE_BAD_PARAM);
    if (d->phase == PH_IDLE)
        return API_ERR(TRUSTM_BASE_BAD_SEQUENCE);
    trustm_engine_t eng = {op_next_io, op_io_done, d};
    return op_complete(d, trustm_pump_engine_step(&eng, &d->pal, next_deadline_us));
}

trustm_status_t trustm_op_run(trustm_device_t *dev)
{
    dev_impl_t *d = checked(dev);
    if (d == NULL)
        return API_ERR(TRUSTM_BASE_BAD_PARAM);
    if (d->phase == PH_IDLE)
        return API_ERR(TRUSTM_BASE_BAD_SEQUENCE);
    trustm_engine_t eng = {op_next_io, op_io_done, d};
    return op_complete(d, trustm_pump_engine_run(&eng, &d->pal));
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

static trustm_status_t run_started(trustm_device_t *dev, trustm_status_t s)
{
    return s != TRUSTM_OK ? s : trustm_op_run(dev);
}

trustm_status_t trustm_device_open(trustm_device_t *dev)
{
    return run_started(dev, trustm_op_start_device_open(dev));
}
trustm_status_t trustm_device_reset(trustm_device_t *dev)
{
    return run_started(dev, trustm_op_start_device_reset(dev));
}
trustm_status_t trustm_device_close(trustm_device_t *dev)
{
    return run_started(dev, trustm_op_start_device_close(dev));
}

trustm_status_t trustm_device_open_restore(trustm_device_t *dev, const uint8_t handle[TRUSTM_CONTEXT_HANDLE_SIZE])
{
    return run_started(dev, trustm_op_start_device_open_restore(dev, handle));
}

trustm_status_t trustm_device_transceive(trustm_device_t *dev, const uint8_t *apdu, size_t apdu_len, uint8_t *rsp,
                                         size_t rsp_size, size_t *rsp_len)
{
    return run_started(dev, trustm_op_start_device_transceive(dev, apdu, apdu_len, rsp, rsp_size, rsp_len));
}

trustm_status_t trustm_data_read(trustm_device_t *dev, uint16_t oid, uint16_t offset, uint8_t *out, size_t out_size,
                                 size_t *out_len)
{
    return run_started(dev, trustm_op_start_data_read(dev, oid, offset, out, out_size, out_len));
}

trustm_status_t trustm_metadata_read(trustm_device_t *dev, uint16_t oid, uint8_t *out, size_t out_size, size_t *out_len)
{
    return run_started(dev, trustm_op_start_metadata_read(dev, oid, out, out_size, out_len));
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
