/*
 * optiga_compat_int.h - internals of the vendor-API compatibility layer: the static instance
 * pool, the bound device, per-instance session and sequence bookkeeping, completion.
 */
#ifndef OPTIGA_COMPAT_INT_H
#define OPTIGA_COMPAT_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "optiga/optiga_crypt.h"
#include "optiga/optiga_util.h"
#include "optiga/trustm_compat.h"
#include "trustm/trustm.h"

/* Kinds of instance (pool slot state). */
#define COMPAT_FREE  0u
#define COMPAT_UTIL  1u
#define COMPAT_CRYPT 2u

/* Open multi-command sequences (they hold the strict lock). */
#define COMPAT_SEQ_NONE    0u
#define COMPAT_SEQ_SYM_ENC 1u
#define COMPAT_SEQ_SYM_DEC 2u
#define COMPAT_SEQ_HMAC    3u
#define COMPAT_SEQ_PROTUPD 4u

struct compat_inst;
/* Completion step of an operation: gets the trustm status of the finished trustm operation,
 * does the bookkeeping (output lengths, contexts, sessions, lock) and returns the final status,
 * or starts a follow-up trustm operation (setting in->finish again) and returns
 * TRUSTM_IN_PROGRESS. */
typedef trustm_status_t (*compat_finish_fn)(struct compat_inst *in, trustm_status_t s);

typedef struct compat_inst {
    uint8_t kind;       /* COMPAT_* */
    bool busy;          /* an operation is running (inside a call) */
    uint8_t seq;        /* COMPAT_SEQ_* opened by this instance */
    uint8_t protection; /* one-shot protection level set by *_set_comms_params */
    uint8_t seq_next;   /* crypt: sequence the operation in flight belongs to */
    uint8_t seq_phase;  /* crypt: 0 start, 1 continue, 2 final */
    uint16_t session;   /* crypt: session OID held (0 = none) */
    callback_handler_t handler;
    void *caller_context;
    trustm_status_t last; /* trustm status of the last completion */
    /* the operation in flight: everything a trustm_op_start_* borrows lives here */
    compat_finish_fn finish;
    bool flag;       /* per-operation flag (restore, hibernate, decrypt, final ...) */
    size_t n, n2;    /* output lengths written by trustm */
    uint16_t *len16; /* vendor in/out length to update on completion */
    uint32_t *len32;
    optiga_hash_context_t *vctx;
    trustm_hash_ctx_t hctx;
    trustm_derive_t derive;
    trustm_rsa_key_src_t ksrc;
    uint8_t req[12], raw[16]; /* a raw APDU and its answer (GetRandom outside 8..256); the
                                 * stack may read the request until the answer is in */
    uint8_t *out;             /* where the raw answer's data goes */
} compat_inst_t;

struct optiga_util {
    compat_inst_t base;
};
struct optiga_crypt {
    compat_inst_t base;
};

/* Bound device or NULL. */
trustm_device_t *compat_dev(void);
const trustm_pal_t *compat_pal(void);

/* Pool. */
compat_inst_t *compat_create(uint8_t kind, uint8_t instance_id, callback_handler_t handler, void *ctx);
optiga_lib_status_t compat_destroy(compat_inst_t *in, uint8_t kind);

/* Entry check of an operation: instance valid and free, the one-shot protection level reset
 * (it must be OPTIGA_COMMS_NO_PROTECTION), and the strict lock not held by another instance.
 * Returns OPTIGA_LIB_SUCCESS and marks the instance busy, or the error to return. */
optiga_lib_status_t compat_begin(compat_inst_t *in, uint8_t kind);
/* Run an operation whose trustm_op_start_* returned start: synchronously (the default) to
 * completion, calling the callback before returning; or, in deferred mode, leave it in flight
 * for trustm_compat_event_process(). fin (may be NULL) is the completion step. Returns
 * OPTIGA_LIB_SUCCESS (accepted). */
optiga_lib_status_t compat_launch(compat_inst_t *in, trustm_status_t start, compat_finish_fn fin);

/* Completion: record s, mark free, call the handler with the mapped status; returns
 * OPTIGA_LIB_SUCCESS (the call was accepted). */
optiga_lib_status_t compat_complete(compat_inst_t *in, trustm_status_t s);
/* Completion with a vendor status that has no trustm counterpart (e.g. OPTIGA_CMD_ERROR for a
 * missing hibernate handle). */
optiga_lib_status_t compat_complete_raw(compat_inst_t *in, optiga_lib_status_t st, trustm_status_t s);

/* Strict lock (symmetric / HMAC / protected-update sequences). */
void compat_lock(compat_inst_t *in, uint8_t seq);
void compat_unlock(compat_inst_t *in);

/* Sessions: the chip's contexts are empty after an open (no restore) or close (no hibernate). */
void compat_sessions_forget(void);
/* Session of a crypt instance, acquired on first need. */
trustm_status_t compat_session_get(compat_inst_t *in, uint16_t *oid);
void compat_session_release(compat_inst_t *in);

/* Hibernate handle (the vendor's data store ID 0x33). */
uint8_t *compat_hib_handle(void);
bool compat_hib_valid(void);
void compat_hib_set(bool valid);

/* The PAL data store back to its initial state (pal_os_datastore.c), wiping the secret. */
void compat_datastore_reset(void);

#endif /* OPTIGA_COMPAT_INT_H */
