/*
 * optiga_compat.c - shared machinery of the vendor-API compatibility layer (docs/COMPAT.md):
 * binding, the static pool of OPTIGA_CMD_MAX_REGISTRATIONS instances, the strict lock, session
 * bookkeeping and the mapping of trustm statuses onto vendor status codes.
 */
#include <string.h>

#include "optiga_compat_int.h"
#include "trustm/trustm_shield.h"

typedef struct compat_slot {
    union {
        struct optiga_util util;
        struct optiga_crypt crypt;
    } u;
} compat_slot_t;

/* The layer's only mutable state (static: the vendor API hands out pointers; no malloc). */
static struct {
    trustm_device_t *dev;
    const trustm_pal_t *pal;
    compat_slot_t slots[OPTIGA_CMD_MAX_REGISTRATIONS];
    compat_inst_t *lock_owner;
    uint8_t hib_handle[TRUSTM_CONTEXT_HANDLE_SIZE];
    bool hib_valid;
    bool deferred;
    compat_inst_t *active; /* deferred mode: instance whose operation is in flight */
} g;

static compat_inst_t *slot_inst(size_t i)
{
    return &g.slots[i].u.util.base; /* both members start with compat_inst_t */
}

static bool any_instance(void)
{
    for (size_t i = 0; i < OPTIGA_CMD_MAX_REGISTRATIONS; i++)
        if (slot_inst(i)->kind != COMPAT_FREE)
            return true;
    return false;
}

optiga_lib_status_t trustm_compat_bind(trustm_device_t *dev, const trustm_pal_t *pal)
{
    if (dev == NULL)
        return OPTIGA_UTIL_ERROR_INVALID_INPUT;
    if (any_instance() && dev != g.dev)
        return OPTIGA_UTIL_ERROR_INSTANCE_IN_USE;
    g.dev = dev;
    g.pal = pal;
    return OPTIGA_LIB_SUCCESS;
}

void trustm_compat_reset(void)
{
    if (g.active != NULL && g.dev != NULL)
        trustm_op_abort(g.dev);
    trustm_wipe(g.hib_handle, sizeof g.hib_handle);
    memset(&g, 0, sizeof g);
    compat_datastore_reset();
}

trustm_device_t *compat_dev(void)
{
    return g.dev;
}

const trustm_pal_t *compat_pal(void)
{
    return g.pal;
}

static optiga_lib_status_t layer_code(int crypt, uint16_t util_code, uint16_t crypt_code)
{
    return crypt ? crypt_code : util_code;
}

optiga_lib_status_t trustm_compat_status(trustm_status_t s, int crypt)
{
    if (s == TRUSTM_OK)
        return OPTIGA_LIB_SUCCESS;
    if (s == TRUSTM_IN_PROGRESS)
        return OPTIGA_LIB_BUSY;
    const uint32_t layer = TRUSTM_STATUS_LAYER(s);
    const uint32_t base = TRUSTM_STATUS_BASE(s);
    switch (layer) {
    case TRUSTM_LAYER_DEVICE:
        return (optiga_lib_status_t)(OPTIGA_DEVICE_ERROR | (base & 0xFFu));
    case TRUSTM_LAYER_PAL:
    case TRUSTM_LAYER_PHY:
    case TRUSTM_LAYER_DL:
    case TRUSTM_LAYER_TL:
        if (base == TRUSTM_BASE_FAILED || base == TRUSTM_BASE_DESYNC)
            return OPTIGA_COMMS_ERROR_FATAL;
        if (base == TRUSTM_BASE_BUFFER_TOO_SMALL)
            return OPTIGA_COMMS_ERROR_MEMORY_INSUFFICIENT;
        if (base == TRUSTM_BASE_BAD_PARAM)
            return OPTIGA_COMMS_ERROR_INVALID_INPUT;
        return OPTIGA_COMMS_ERROR;
    case TRUSTM_LAYER_PL:
        return OPTIGA_COMMS_ERROR_SESSION;
    case TRUSTM_LAYER_CMD:
        if (base == TRUSTM_BASE_BUFFER_TOO_SMALL)
            return OPTIGA_CMD_ERROR_MEMORY_INSUFFICIENT;
        if (base == TRUSTM_BASE_BAD_PARAM)
            return OPTIGA_CMD_ERROR_INVALID_INPUT;
        return OPTIGA_CMD_ERROR;
    case TRUSTM_LAYER_API:
        switch (base) {
        case TRUSTM_BASE_BUFFER_TOO_SMALL:
            return OPTIGA_CMD_ERROR_MEMORY_INSUFFICIENT;
        case TRUSTM_BASE_BAD_PARAM:
            return layer_code(crypt, OPTIGA_UTIL_ERROR_INVALID_INPUT, OPTIGA_CRYPT_ERROR_INVALID_INPUT);
        case TRUSTM_BASE_BAD_SEQUENCE:
            return OPTIGA_CMD_ERROR_INVALID_INPUT;
        case TRUSTM_BASE_NOT_FOUND: /* e.g. all four session contexts taken */
            return OPTIGA_CMD_ERROR;
        default:
            return layer_code(crypt, OPTIGA_UTIL_ERROR, OPTIGA_CRYPT_ERROR);
        }
    default:
        return OPTIGA_COMMS_ERROR;
    }
}

static compat_inst_t *find(const void *p)
{
    for (size_t i = 0; i < OPTIGA_CMD_MAX_REGISTRATIONS; i++)
        if (p == (const void *)&g.slots[i].u)
            return slot_inst(i);
    return NULL;
}

trustm_status_t trustm_compat_last_status(const void *instance)
{
    const compat_inst_t *in = find(instance);
    return in != NULL && in->kind != COMPAT_FREE ? in->last : TRUSTM_OK;
}

compat_inst_t *compat_create(uint8_t kind, uint8_t instance_id, callback_handler_t handler, void *ctx)
{
    if (handler == NULL || instance_id != OPTIGA_INSTANCE_ID_0 || g.dev == NULL)
        return NULL;
    for (size_t i = 0; i < OPTIGA_CMD_MAX_REGISTRATIONS; i++) {
        compat_inst_t *in = slot_inst(i);
        if (in->kind == COMPAT_FREE) {
            memset(&g.slots[i], 0, sizeof g.slots[i]);
            in->kind = kind;
            in->handler = handler;
            in->caller_context = ctx;
            return in;
        }
    }
    return NULL;
}

optiga_lib_status_t compat_destroy(compat_inst_t *in, uint8_t kind)
{
    const int crypt = kind == COMPAT_CRYPT;
    if (in == NULL || find(in) != in || in->kind != kind)
        return layer_code(crypt, OPTIGA_UTIL_ERROR_INVALID_INPUT, OPTIGA_CRYPT_ERROR_INVALID_INPUT);
    if (in->busy)
        return layer_code(crypt, OPTIGA_UTIL_ERROR_INSTANCE_IN_USE, OPTIGA_CRYPT_ERROR_INSTANCE_IN_USE);
    compat_session_release(in);
    if (g.lock_owner == in)
        g.lock_owner = NULL;
    memset(in, 0, sizeof *in);
    return OPTIGA_LIB_SUCCESS;
}

/* Completion step, then (unless a follow-up operation was started) the final status. */
static trustm_status_t finish_step(compat_inst_t *in, trustm_status_t s)
{
    compat_finish_fn f = in->finish;
    in->finish = NULL;
    return f != NULL ? f(in, s) : s;
}

/* Deferred mode: complete the operation in flight (the chip serves one request at a time). */
static void drain(void)
{
    while (g.active != NULL) {
        compat_inst_t *in = g.active;
        trustm_status_t s = finish_step(in, trustm_op_run(g.dev));
        if (s != TRUSTM_IN_PROGRESS) {
            g.active = NULL;
            (void)compat_complete(in, s);
        }
    }
}

optiga_lib_status_t trustm_compat_set_deferred(int deferred)
{
    if (g.active != NULL)
        return OPTIGA_CMD_ERROR;
    g.deferred = deferred != 0;
    return OPTIGA_LIB_SUCCESS;
}

int trustm_compat_event_process(uint64_t *next_us)
{
    if (next_us != NULL)
        *next_us = 0;
    if (g.active == NULL)
        return 0;
    compat_inst_t *in = g.active;
    uint64_t next = 0;
    trustm_status_t s = trustm_op_poll(g.dev, &next);
    if (s == TRUSTM_IN_PROGRESS) {
        if (next_us != NULL)
            *next_us = next;
        return 1;
    }
    s = finish_step(in, s);
    if (s == TRUSTM_IN_PROGRESS)
        return 1; /* follow-up operation started */
    g.active = NULL;
    (void)compat_complete(in, s);
    return 0;
}

optiga_lib_status_t compat_launch(compat_inst_t *in, trustm_status_t start, compat_finish_fn fin)
{
    in->finish = fin;
    trustm_status_t s = start;
    if (s != TRUSTM_OK)
        return compat_complete(in, finish_step(in, s)); /* nothing started: completes at once */
    if (g.deferred) {
        g.active = in;
        return OPTIGA_LIB_SUCCESS;
    }
    do
        s = finish_step(in, trustm_op_run(g.dev));
    while (s == TRUSTM_IN_PROGRESS);
    return compat_complete(in, s);
}

optiga_lib_status_t compat_begin(compat_inst_t *in, uint8_t kind)
{
    const int crypt = kind == COMPAT_CRYPT;
    if (in == NULL || find(in) != in || in->kind != kind)
        return layer_code(crypt, OPTIGA_UTIL_ERROR_INVALID_INPUT, OPTIGA_CRYPT_ERROR_INVALID_INPUT);
    if (in->busy)
        return layer_code(crypt, OPTIGA_UTIL_ERROR_INSTANCE_IN_USE, OPTIGA_CRYPT_ERROR_INSTANCE_IN_USE);
    drain(); /* deferred mode: another instance's operation completes first */
    const uint8_t protection = in->protection;
    in->protection = OPTIGA_COMMS_NO_PROTECTION; /* one-shot (host-api.md §4 item 6) */
    if ((protection & (OPTIGA_COMMS_FULL_PROTECTION | OPTIGA_COMMS_RE_ESTABLISH)) != 0 &&
        trustm_device_protect_next(g.dev, protection) != TRUSTM_OK)
        return layer_code(crypt, OPTIGA_UTIL_ERROR, OPTIGA_CRYPT_ERROR); /* no Shielded Connection */
    if (g.lock_owner != NULL && g.lock_owner != in)
        return OPTIGA_CMD_ERROR; /* another instance holds the chip for a sequence */
    in->busy = true;
    return OPTIGA_LIB_SUCCESS;
}

optiga_lib_status_t compat_complete_raw(compat_inst_t *in, optiga_lib_status_t st, trustm_status_t s)
{
    in->last = s;
    in->busy = false; /* free just before the callback */
    in->handler(in->caller_context, st);
    return OPTIGA_LIB_SUCCESS;
}

optiga_lib_status_t compat_complete(compat_inst_t *in, trustm_status_t s)
{
    return compat_complete_raw(in, trustm_compat_status(s, in->kind == COMPAT_CRYPT), s);
}

void compat_lock(compat_inst_t *in, uint8_t seq)
{
    g.lock_owner = in;
    in->seq = seq;
}

void compat_unlock(compat_inst_t *in)
{
    if (g.lock_owner == in)
        g.lock_owner = NULL;
    in->seq = COMPAT_SEQ_NONE;
}

void compat_sessions_forget(void)
{
    for (size_t i = 0; i < OPTIGA_CMD_MAX_REGISTRATIONS; i++) {
        compat_inst_t *in = slot_inst(i);
        in->session = 0;
        in->seq = COMPAT_SEQ_NONE;
    }
    g.lock_owner = NULL;
}

trustm_status_t compat_session_get(compat_inst_t *in, uint16_t *oid)
{
    if (in->session == 0) {
        uint16_t s = 0;
        trustm_status_t st = trustm_session_acquire(g.dev, &s);
        if (st != TRUSTM_OK)
            return st;
        in->session = s;
    }
    *oid = in->session;
    return TRUSTM_OK;
}

void compat_session_release(compat_inst_t *in)
{
    if (in->session != 0 && g.dev != NULL) {
        /* an OID no longer held (a close released every session) is no error here */
        trustm_status_t s = trustm_session_release(g.dev, in->session);
        (void)s;
    }
    in->session = 0;
}

uint8_t *compat_hib_handle(void)
{
    return g.hib_handle;
}

bool compat_hib_valid(void)
{
    return g.hib_valid;
}

void compat_hib_set(bool valid)
{
    g.hib_valid = valid;
    if (!valid)
        trustm_wipe(g.hib_handle, sizeof g.hib_handle);
}
