/*
 * trustm_api_int.h - private interface between the operation engine (trustm_device.c) and the
 * service API files (trustm_data.c, trustm_crypt_*.c, ...).
 *
 * A "sequence operation" is a series of APDUs: build() writes the next command (as a gather list:
 * headers in the device, large inputs referenced in place), the engine
 * exchanges it; a Sta 00 response goes to parse(), which returns TRUSTM_OK (done),
 * TRUSTM_IN_PROGRESS (build and send the next command, optionally after wait_us) or an error.
 * A Sta FF response is followed by the Last Error Code read; the resulting DEVICE_ERR(code) goes
 * to on_error() if present (which may turn it into the final status), else it is final.
 * The per-operation state lives inside the device context (no global state).
 */
#ifndef TRUSTM_API_INT_H
#define TRUSTM_API_INT_H

#include <stddef.h>
#include <stdint.h>

#include "trustm/trustm.h"
#include "trustm_bytes.h"
#include "trustm_cmd_int.h"

#define API_ERR(base)    TRUSTM_STATUS(TRUSTM_LAYER_API, (base))
#define API_BAD_PARAM    API_ERR(TRUSTM_BASE_BAD_PARAM)
#define API_BAD_RESPONSE TRUSTM_STATUS(TRUSTM_LAYER_CMD, TRUSTM_BASE_BAD_RESPONSE)
#define API_TOO_SMALL    API_ERR(TRUSTM_BASE_BUFFER_TOO_SMALL)

/* Room for the largest operation state (rsa_state_t, 112 B on a 64-bit host; every state is
 * checked with API_STATE_FITS). Part of the device context: keep it tight. */
#define API_OP_STATE_SIZE 112u

typedef struct api_op api_op_t;

typedef struct api_op_ops {
    /* w: a fresh gather writer (trustm_bytes.h); large inputs are referenced, not copied, so
     * they must stay valid until the operation ends (caller-owned buffers, the op state) */
    trustm_status_t (*build)(api_op_t *op, trustm_wbuf_t *w);
    trustm_status_t (*parse)(api_op_t *op, const uint8_t *rsp, size_t rsp_len);
    trustm_status_t (*on_error)(api_op_t *op, trustm_status_t err); /* may be NULL */
    uint8_t sym_sequence; /* 1: part of a symmetric start..final sequence; any other operation
                           * started on the device ends the host's record of that sequence (the
                           * chip drops it when another command comes in between) */
} api_op_ops_t;

/* Host-side bookkeeping shared by the service files (lives in the device context). */
typedef struct api_shared {
    uint8_t sessions; /* bit i: session 0xE100 + i handed out by trustm_session_acquire */
    uint8_t sym_open; /* a symmetric start..final sequence is open */
    uint8_t sym_decrypt;
    uint8_t sym_mode;
    uint16_t sym_key;
} api_shared_t;

struct api_op {
    const api_op_ops_t *ops;
    unsigned cmd_flags;
    uint32_t wait_us; /* parse() may set: wait before the next build */
    api_shared_t *shared;
    union {
        uint64_t align_u64;
        void *align_ptr;
        unsigned char bytes[API_OP_STATE_SIZE];
    } st;
};

/* Compile-time check that a state struct fits (C99). */
#define API_STATE_FITS(type) typedef char api_state_fits_##type[(sizeof(type) <= API_OP_STATE_SIZE) ? 1 : -1]
#define API_STATE(op, type)  ((type *)(void *)(op)->st.bytes)

/* Start a sequence operation with a copy of `state`; the first command is built at once
 * (an error there means nothing was started). */
trustm_status_t api_op_start(trustm_device_t *dev, const api_op_ops_t *ops, const void *state, size_t state_size);
/* The same with flags: API_OP_PLAIN runs the operation without Shielded Connection protection;
 * API_OP_PL_SAVE saves the presentation-layer session after success (hibernate). */
#define API_OP_PLAIN   0x01u
#define API_OP_PL_SAVE 0x02u
trustm_status_t api_op_start_ex(trustm_device_t *dev, const api_op_ops_t *ops, const void *state, size_t state_size,
                                unsigned flags);
/* The shared bookkeeping of a device (NULL for an uninitialised context). */
api_shared_t *api_shared(trustm_device_t *dev);
/* start + run. */
trustm_status_t api_run(trustm_device_t *dev, trustm_status_t start_status);

#endif
