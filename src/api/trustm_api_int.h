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

/* Room for the largest operation state (rsa_state_t: 8 bytes and 12 pointers or sizes, 104 B on
 * a 64-bit host, 56 B on a 32-bit target; every state is checked with API_STATE_FITS). Part of
 * the device context: keep it tight. */
#define API_OP_STATE_SIZE (12u * sizeof(void *) + 8u)

typedef struct api_op api_op_t;

/*
 * Responses: there is no response buffer. build() declares where the response of its command goes
 * (api_rsp_raw / api_rsp_tlv; nothing declared: a short response, at most API_RSP_HEAD bytes in
 * all, kept in the operation's head). The bytes land there as they arrive: the APDU header in
 * head, OutData in the caller's output (RAW), or OutData parsed as TLVs, each value into the
 * output declared for its tag (TLV; an undeclared or repeated tag fails the response). A value is
 * written only when its length on the wire (OutLen, or the TLV's length, both known before the
 * value) is one the output accepts (min..max, by default 0..size), and then at most size bytes
 * of it: an output stays untouched by a value of the wrong length, parse() sees the length in
 * len and judges (too small for the caller, or not what the command answers). The engine checks the
 * APDU header (Sta, OutLen against the length received) and, for TLV, that the TLVs exactly fill
 * OutData, before parse(op, head, head_len) -- head_len: the response bytes in head. What an
 * operation that fails wrote into the outputs of its current command is wiped.
 */
#define API_RSP_HEAD      16u /* the APDU header and a short OutData (at most 12 bytes) */
#define API_RSP_HEAD_ONLY 0u
#define API_RSP_RAW       1u
#define API_RSP_TLV       2u
#define API_RSP_OUTS      2u /* outputs of one response (GenKeyPair export: private, public) */

typedef struct api_out {
    uint8_t *p;
    uint16_t size; /* bytes that may be written */
    uint16_t min;  /* value lengths accepted (others are not written) */
    uint16_t max;
    uint16_t len; /* length of the value on the wire */
    uint16_t hw;  /* bytes written (the wipe bound on failure) */
    uint8_t tag;  /* TLV: the tag that goes here */
    uint8_t seen; /* TLV: the tag was in the response */
} api_out_t;

typedef struct api_rsp {
    api_out_t out[API_RSP_OUTS];
    uint32_t pos;  /* response bytes received */
    uint16_t left; /* TLV: value bytes left of the current TLV */
    uint8_t mode;  /* API_RSP_* */
    uint8_t nout;
    uint8_t head_len;
    uint8_t bad;     /* TLV: an undeclared or repeated tag */
    uint8_t tlv_got; /* TLV: header bytes of the current TLV received */
    uint8_t cur;     /* TLV: out index of the current TLV, API_RSP_OUTS = none */
    uint8_t tlv_hdr[3];
    uint8_t head[API_RSP_HEAD];
} api_rsp_t;

typedef struct api_op_ops {
    /* w: a fresh gather writer (trustm_bytes.h); large inputs are referenced, not copied, so
     * they must stay valid until the operation ends (caller-owned buffers, the op state) */
    trustm_status_t (*build)(api_op_t *op, trustm_wbuf_t *w);
    trustm_status_t (*parse)(api_op_t *op, const uint8_t *rsp, size_t rsp_len);
    trustm_status_t (*on_error)(api_op_t *op, trustm_status_t err); /* may be NULL */
    uint8_t sym_sequence; /* 1: part of a symmetric start..final sequence; any other operation
                           * started on the device ends the host's record of that sequence (the
                           * chip drops it when another command comes in between) */
    /* may be NULL: the operation failed (any status but OK); called before what the current
     * command wrote into the outputs is wiped (op->rsp tells what) */
    void (*on_fail)(api_op_t *op);
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
    api_rsp_t rsp; /* the response of the command in flight */
    union {
        uint64_t align_u64;
        void *align_ptr;
        unsigned char bytes[API_OP_STATE_SIZE];
    } st;
};

/* Compile-time check that a state struct fits (C99). */
#define API_STATE_FITS(type) typedef char api_state_fits_##type[(sizeof(type) <= API_OP_STATE_SIZE) ? 1 : -1]
#define API_STATE(op, type)  ((type *)(void *)(op)->st.bytes)

/* build(): OutData of the response into p[0..size) (RAW), or the value of TLV `tag` (TLV, up to
 * API_RSP_OUTS tags); size is clamped to 0xFFFF. */
void api_rsp_raw(api_op_t *op, uint8_t *p, size_t size);
void api_rsp_tlv(api_op_t *op, uint8_t tag, uint8_t *p, size_t size);
/* The value lengths the output declared last accepts (instead of 0..size). */
void api_rsp_accept(api_op_t *op, size_t min, size_t max);
/* parse(): the output of tag (TLV) or of OutData (RAW): NULL if the tag was not in the response;
 * else *n = its length on the wire (the bytes are in the output only if *n <= its size). */
const api_out_t *api_rsp_out(const api_op_t *op, uint8_t tag, size_t *n);

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
