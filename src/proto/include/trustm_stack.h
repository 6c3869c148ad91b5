/*
 * trustm_stack.h - the host (I2C master) IFX I2C protocol stack: the only header of src/proto
 * that the layer above (src/cmd) may include.
 *
 * The stack is a set of engines that do no I/O, never sleep and never read a clock
 * (design-guide §7.8).  Time arrives as `now_us`; wishes leave as an I/O request:
 *
 *     trustm_stack_start(st, apdu, ..., now)          begin one APDU exchange
 *     for (;;) {
 *         s = trustm_stack_next_io(st, &io);          TRUSTM_IN_PROGRESS + io, or the final status
 *         if (s != TRUSTM_IN_PROGRESS) break;
 *         r = perform(io);                            i2c write / i2c read / wait / set pin
 *         trustm_stack_io_done(st, r, n, now());
 *     }
 *
 * Layers (ifx-i2c.md):
 *   PHY  §1   register write/read, I2C_STATE, late-acknowledge NACK retry, GUARD_TIME,
 *             reset (pins or SOFT_RESET), DATA_REG_LEN negotiation          trustm_phy.c
 *   DL   §2   frames, FRNR/ACKNR, ACK/NAK, TRANS_TIMEOUT/TRANS_REPEAT, re-sync  trustm_dl.c
 *   TL   §3-4 PCTR, chaining and reassembly with the §4.3 checks             trustm_tl.c
 *   PL   §5   seam only: trustm_pl_ops_t; built in: "none" and "unprotected record" trustm_pl.c
 *   composition and drivers                                   trustm_stack.c, trustm_pump.c
 *
 * Memory: every buffer lives in trustm_stack_t (frame buffers of TRUSTM_DL_FRAME_MAX) or is
 * borrowed from the caller for the duration of one exchange (APDU and response buffer, or the
 * APDU as a gather list and a response sink: trustm_stack_start_sink).
 * Members of the structs below are private by convention.
 */
#ifndef TRUSTM_STACK_H
#define TRUSTM_STACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trustm/trustm_io.h"
#include "trustm/trustm_stats.h"
#include "trustm/trustm_status.h"
#include "trustm_bytes.h"
#include "trustm_frame.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- I/O requests: trustm_io_t, trustm_time_reached (public, trustm/trustm_io.h) ------------- */

/* ---- PHY registers and defaults (ifx-i2c.md §1.2, §1.3, §8) -------------------------------- */

#define TRUSTM_PHY_REG_DATA          0x80u
#define TRUSTM_PHY_REG_DATA_REG_LEN  0x81u
#define TRUSTM_PHY_REG_I2C_STATE     0x82u
#define TRUSTM_PHY_REG_BASE_ADDR     0x83u
#define TRUSTM_PHY_REG_MAX_SCL_FREQU 0x84u
#define TRUSTM_PHY_REG_GUARD_TIME    0x85u
#define TRUSTM_PHY_REG_TRANS_TIMEOUT 0x86u
#define TRUSTM_PHY_REG_SOFT_RESET    0x88u
#define TRUSTM_PHY_REG_I2C_MODE      0x89u

/* I2C_STATE byte 0 */
#define TRUSTM_PHY_I2C_STATE_BUSY       0x80u
#define TRUSTM_PHY_I2C_STATE_RESP_RDY   0x40u
#define TRUSTM_PHY_I2C_STATE_SOFT_RESET 0x08u
/* I2C_STATE byte 1 */
#define TRUSTM_PHY_I2C_STATE_PRESENT_LAYER 0x80u

#define TRUSTM_DEFAULT_I2C_ADDR         0x30u
#define TRUSTM_DEFAULT_GUARD_TIME_US    50u    /* GUARD_TIME, [DS] Table 22            */
#define TRUSTM_DEFAULT_TRANS_TIMEOUT_US 10000u /* TRANS_TIMEOUT                         */
#define TRUSTM_DEFAULT_TRANS_REPEAT     3u     /* TRANS_REPEAT                          */
#define TRUSTM_DEFAULT_NACK_INTERVAL_US 1000u  /* late-acknowledge retry interval       */
#define TRUSTM_DEFAULT_NACK_MAX         200u   /* attempts per register access          */
#define TRUSTM_DEFAULT_POLL_INTERVAL_US                                                                                \
    1000u /* I2C_STATE poll interval while a chip
                                                      * runs past the expected time (backs off
                                                      * to 8x)                                */
/* A command expected to run longer than this is ACKed by the chip on its own before the response
 * (ifx-i2c.md §2.5, the OpenApplication log): the host polls for that ACK at once. */
#define TRUSTM_DL_ACK_FIRST_US             2000u
#define TRUSTM_DEFAULT_STARTUP_US          15000u     /* tSTARTUP, [DS] Tables 12-13           */
#define TRUSTM_DEFAULT_RESET_LOW_US        2000u      /* RST/VDD low time                      */
#define TRUSTM_DEFAULT_EXCHANGE_TIMEOUT_US 180000000u /* overall response wait (180 s)   */
#define TRUSTM_DEFAULT_RESYNC_MAX          1u         /* re-syncs per frame before giving up   */

/* Reset kinds of trustm_stack_open_start(). */
typedef enum trustm_stack_reset {
    TRUSTM_STACK_RESET_NONE = 0, /* no reset: only negotiate                                  */
    TRUSTM_STACK_RESET_COLD,     /* VDD+RST low, reset_low_us, VDD+RST high, wait startup_us  */
    TRUSTM_STACK_RESET_WARM,     /* RST low, reset_low_us, RST high, wait startup_us          */
    TRUSTM_STACK_RESET_SOFT      /* I2C_STATE bit 27 checked, write SOFT_RESET, wait startup  */
} trustm_stack_reset_t;

/* ---- presentation-layer seam (ifx-i2c.md §5) ----------------------------------------------- */

#define TRUSTM_PL_HDR_MAX 8u

/* The message one exchange sends: hdr || body; and how the response message is split. */
typedef struct trustm_pl_msg {
    uint8_t hdr[TRUSTM_PL_HDR_MAX]; /* e.g. SCTR (+ sequence number)                         */
    uint8_t hdr_len;                /* <= TRUSTM_PL_HDR_MAX                                    */
    uint8_t rx_hdr_len;             /* leading response bytes that go to the PL, not the caller */
    const uint8_t *body;            /* the APDU, or a PL-owned buffer (e.g. ciphertext || tag) */
    const trustm_gather_t *gather;  /* the APDU as a gather list (body NULL): set by the
                                     * transport for a gathered APDU; body_len bytes of it */
    size_t body_len;
    uint8_t *rx_buf; /* if set: the response body goes here (PL-owned), not to  */
    size_t rx_size;  /* the caller's buffer (handshake and control answers)     */
    bool rx_deliver; /* with rx_buf: after rx_end, the transport delivers the APDU (rx_buf[0..
                      * apdu_len), e.g. decrypted in place) to the caller and wipes rx_buf */
} trustm_pl_msg_t;

/* Where a response APDU goes when the caller has no buffer for it whole: put() receives byte
 * ranges at their offset in the APDU, in order; pos 0 again means the response starts over (a
 * chip that sends it again). Bounds are the sink's business: the transport reports the length
 * (trustm_stack_rsp_len), never BUFFER_TOO_SMALL. */
typedef struct trustm_rsp_sink {
    void (*put)(void *ctx, size_t pos, const uint8_t *p, size_t n);
    void *ctx;
} trustm_rsp_sink_t;

/*
 * Per-exchange hooks between transport and APDU (the presentation-layer seam).
 *   tx_begin  describe the message for this APDU in *msg (body = apdu unless the PL
 *             substitutes its own buffer, which must stay valid until the exchange ends); a
 *             gathered APDU (trustm_stack_start_gather) comes as apdu NULL, msg->gather set,
 *             msg->body NULL: the PL reads it with trustm_gather_copy
 *   rx_end    the whole response arrived: the first rx_hdr_len bytes in hdr (hdr_len is smaller
 *             when the response was shorter), the rest in body[0..body_len): the PL's rx_buf,
 *             or the caller's flat response buffer, or NULL when it went to a caller's sink
 *             (trustm_rsp_sink_t: already delivered; a PL that must transform or check the body
 *             before the caller sees it receives it into its own rx_buf, with rx_deliver); the
 *             PL may transform its rx_buf in place (e.g. decrypt) and sets *apdu_len to the
 *             length of the response APDU for the caller
             rx_end may return TRUSTM_IN_PROGRESS: the exchange goes on with another message
 *             (tx_begin is called again with the same APDU): handshake steps before a record,
 *             an alert-triggered resend, an integrity alert of our own
 *   presence  PCTR PRESENCE bit (bit 3) to send, and the value required in responses
 *   event     (may be NULL) TRUSTM_PL_EV_OPEN: the chip was reset / the link opened;
 *             TRUSTM_PL_EV_ABORT: the running exchange was abandoned
 *   sticky    (may be NULL) true when the PL's last error must fail the stack until re-open
 * A control exchange (trustm_stack_start_control) calls tx_begin with apdu_len 0.
 */
#define TRUSTM_PL_EV_OPEN  1u
#define TRUSTM_PL_EV_ABORT 2u
typedef struct trustm_pl_ops {
    trustm_status_t (*tx_begin)(void *ctx, const uint8_t *apdu, size_t apdu_len, trustm_pl_msg_t *msg);
    trustm_status_t (*rx_end)(void *ctx, const uint8_t *hdr, size_t hdr_len, uint8_t *body, size_t body_len,
                              size_t *apdu_len);
    bool presence;
    void (*event)(void *ctx, unsigned ev);
    bool (*sticky)(void *ctx);
} trustm_pl_ops_t;

/* No presentation layer: PCTR 0x00, the message is the APDU (the [DS] logs). */
extern const trustm_pl_ops_t trustm_pl_none;
/* Presentation bit set, record exchange without protection: PCTR 0x08, SCTR 0x20 || APDU, as the
 * vendor host sends when built with Shielded Connection (§5.1, vectors section B). A response
 * alert 0x40 gives TRUSTM_STATUS(PL, PROTOCOL), 0x44 gives TRUSTM_STATUS(PL, AUTH_FAILED). */
extern const trustm_pl_ops_t trustm_pl_record_plain;
#ifdef TRUSTM_CFG_SHIELD
/* Shielded Connection (trustm_pl_shield.c): pl_ctx = trustm_shield_t (trustm/trustm_shield.h). */
extern const trustm_pl_ops_t trustm_pl_shield;
struct trustm_shield;
/* Level of the next operation's exchanges (the device layer calls it when an operation starts). */
void trustm_pl_shield_begin_op(struct trustm_shield *sh);
/* Arm a control exchange: TRUSTM_PL_CTL_SAVE / _RESTORE; false if there is nothing to do. */
bool trustm_pl_shield_control(struct trustm_shield *sh, uint8_t ctl);
#endif
#define TRUSTM_PL_CTL_SAVE    1u
#define TRUSTM_PL_CTL_RESTORE 2u

/* ---- configuration ------------------------------------------------------------------------- */

/* Zero in any field = the default named beside it. */
typedef struct trustm_stack_config {
    uint8_t addr7;                /* TRUSTM_DEFAULT_I2C_ADDR                                 */
    uint16_t frame_size;          /* DATA_REG_LEN to negotiate, 16..277; default 277         */
    trustm_stack_reset_t reset;   /* NONE                                                    */
    uint32_t startup_us;          /* TRUSTM_DEFAULT_STARTUP_US                               */
    uint32_t reset_low_us;        /* TRUSTM_DEFAULT_RESET_LOW_US                             */
    uint32_t guard_time_us;       /* GUARD_TIME                                              */
    uint32_t trans_timeout_us;    /* TRANS_TIMEOUT                                           */
    uint8_t trans_repeat;         /* TRANS_REPEAT (1..4)                                     */
    uint8_t resync_max;           /* TRUSTM_DEFAULT_RESYNC_MAX                               */
    uint32_t poll_interval_us;    /* TRUSTM_DEFAULT_POLL_INTERVAL_US                         */
    uint32_t nack_interval_us;    /* TRUSTM_DEFAULT_NACK_INTERVAL_US                         */
    uint16_t nack_max;            /* TRUSTM_DEFAULT_NACK_MAX                                 */
    uint32_t exchange_timeout_us; /* TRUSTM_DEFAULT_EXCHANGE_TIMEOUT_US                      */
    const trustm_pl_ops_t *pl;    /* &trustm_pl_none                                         */
    void *pl_ctx;
} trustm_stack_config_t;

/* ---- engine contexts (private by convention) ----------------------------------------------- */

typedef struct trustm_phy {
    uint64_t until_us;   /* wait target */
    uint64_t not_before; /* earliest start of the next transaction (GUARD_TIME / NACK interval) */
    uint64_t now;        /* last time reported by io_done / start */
    trustm_stats_t *stats;
    uint8_t *wbuf;
    uint8_t *rbuf;
    /* config */
    uint32_t guard_time_us;
    uint32_t nack_interval_us;
    trustm_status_t result;
    uint16_t nack_max;
    uint16_t attempts;
    uint16_t wlen; /* a frame at most (1 + TRUSTM_DL_FRAME_MAX) */
    uint16_t rlen;
    uint8_t addr7;
    /* one operation: a register write, a register read, a wait or a pin change */
    uint8_t op;      /* trustm_phy.c: PHY_OP_* */
    uint8_t pending; /* kind of the request handed out by next_io */
    uint8_t reg;     /* register of a read (the address write transaction) */
    bool selected;   /* register read: the select went through, only the read is left */
    uint8_t pin;
    bool level;
} trustm_phy_t;

typedef struct trustm_dl {
    trustm_phy_t *phy;
    const uint8_t *rx_packet;
    /* The layer above rebuilds the packet of the frame being sent (same bytes) into the packet
     * area; false: it cannot (the frame then fails with DL PROTOCOL). */
    bool (*refill)(void *ctx, uint8_t *packet);
    void *refill_ctx;
    uint64_t sent_at;  /* end of the last data frame write (TRANS_TIMEOUT start) */
    uint64_t ready_at; /* the response is expected from then on: first poll not before */
    uint64_t poll_at;  /* when the last scheduled poll was due (polls on absolute times) */
    uint64_t deadline; /* receive: give up at */
    /* config */
    uint32_t trans_timeout_us;
    uint32_t poll_interval_us;
    uint32_t expect_us; /* set for the frame that ends a command: its expected execution time */
    trustm_status_t bad_status;
    trustm_status_t result;
    uint16_t frame_size; /* negotiated DATA_REG_LEN */
    uint16_t rx_len;     /* length announced by I2C_STATE */
    uint16_t tx_len;     /* data frame length (without register byte) */
    uint16_t rx_packet_len;
    uint16_t frame_hw; /* bytes of frame used since the last wipe */
    uint8_t trans_repeat;
    uint8_t resync_max;
    /* link state (§2.4) */
    uint8_t last_tx;  /* last sent FRNR */
    uint8_t last_rx;  /* last correctly received FRNR */
    bool need_resync; /* send C0 before the next data frame */
    /* operation */
    uint8_t op;         /* DL_OP_* */
    uint8_t state;      /* DL_ST_* */
    uint8_t after_ctrl; /* what to do after a control frame write completes */
    uint8_t repeats;    /* retransmissions of the current frame */
    uint8_t resyncs;    /* re-syncs during the current frame */
    uint8_t bad_frames; /* consecutive bad frames received in this operation */
    uint8_t misses;     /* empty polls since ready_at (the poll interval doubles, up to 8x) */
    bool got_packet;    /* a data frame was delivered (piggy-backed or received) */
    bool tx_stale;      /* a received frame overwrote the data frame: refill before a resend */
    uint8_t state_buf[4];
    uint8_t ctrl_buf[1 + TRUSTM_DL_OVERHEAD];
    uint8_t ctrl_rx[TRUSTM_DL_OVERHEAD]; /* received frames of up to 5 bytes (control frames) */
    /* One frame buffer for both directions: register byte 0x80 + the data frame to send, or
     * (from frame + 1) a received frame longer than a control frame. */
    uint8_t frame[1 + TRUSTM_DL_FRAME_MAX];
} trustm_dl_t;

typedef struct trustm_tl {
    trustm_dl_t *dl;
    const trustm_pl_ops_t *pl;
    void *pl_ctx;
    const uint8_t *apdu;           /* the exchange's APDU (tx_begin gets it again for each message) */
    const trustm_gather_t *apdu_g; /* or the APDU as a gather list (apdu NULL) */
    size_t apdu_len;
    uint8_t *caller_rsp; /* the caller's flat response buffer (sink.put NULL) */
    size_t caller_rsp_size;
    trustm_rsp_sink_t sink; /* or the caller's response sink */
    size_t tx_pos;          /* bytes of the message already sent and acknowledged */
    size_t tx_chunk;        /* message bytes in the packet being sent */
    /* response: hdr part (rx_hdr) then body (the PL's rx_buf, or the caller's buffer / sink) */
    size_t rsp_len;      /* response bytes received (> the buffer: overflow); after rx_end the
                     * response APDU length */
    size_t rsp_hw;       /* bytes delivered to the caller (flat: written into its buffer) */
    size_t rx_hw;        /* bytes written into the PL's rx_buf by the current message */
    uint64_t deadline;   /* overall end of the exchange */
    trustm_pl_msg_t msg; /* message to send: hdr || body */
    uint32_t exchange_timeout_us;
    uint32_t expect_us; /* expected execution time of the exchange's command */
    trustm_status_t result;
    uint8_t rx_hdr[TRUSTM_PL_HDR_MAX];
    uint8_t rx_hdr_len;
    uint8_t rx_prev_chain; /* chain value of the previous received packet, 0xFF = none */
    uint8_t state;         /* TL_ST_* */
    bool tx_error_packet;  /* sending the single-byte chaining-error packet */
    bool resent;           /* the whole message was sent again after a received error packet */
    bool error_sent;       /* we sent a chaining-error packet during this exchange */
} trustm_tl_t;

typedef struct trustm_stack {
    trustm_stats_t stats;
    trustm_phy_t phy;
    trustm_dl_t dl;
    trustm_tl_t tl;      /* also holds the presentation layer (pl, pl_ctx) */
    uint32_t startup_us; /* configuration the open procedure needs (the layers keep theirs) */
    uint32_t reset_low_us;
    trustm_status_t fail_status;
    trustm_status_t result;
    uint16_t frame_size_ask; /* DATA_REG_LEN to negotiate */
    uint16_t frame_size;     /* negotiated */
    uint16_t max_scl_khz;    /* MAX_SCL_FREQU read at open (low 16 bits) */
    uint8_t state;           /* STACK_ST_* */
    uint8_t open_step;       /* open procedure step */
    uint8_t reset_kind;      /* trustm_stack_reset_t */
    uint8_t pins_ok;         /* open: bit 0 VDD, bit 1 RST could be driven */
    bool failed;             /* sticky: cleared only by trustm_stack_open_start() */
    uint8_t i2c_state[4];    /* last I2C_STATE read during open */
    uint8_t reg_buf[4];
} trustm_stack_t;

/* ---- stack API ----------------------------------------------------------------------------- */

/* Validate cfg, apply defaults, set up the context. No I/O. */
trustm_status_t trustm_stack_init(trustm_stack_t *st, const trustm_stack_config_t *cfg);

/* Begin the open procedure: reset of the configured kind, then MAX_SCL_FREQU read and
 * DATA_REG_LEN negotiation (write, read back, use the smaller). Clears the FAILED state and
 * resets the link counters. */
trustm_status_t trustm_stack_open_start(trustm_stack_t *st, trustm_stack_reset_t reset, uint64_t now_us);

/* Begin one APDU exchange. apdu and rsp are borrowed until the exchange completes or is
 * aborted. expect_us: the command's expected execution time (0 = unknown); the first I2C_STATE
 * read after the command's last frame waits that long (polling goes on if the chip is not done).
 * BAD_SEQUENCE while another operation runs, TRUSTM_STATUS(TL, FAILED) after a fatal error
 * (until the next open). */
trustm_status_t trustm_stack_start(trustm_stack_t *st, const uint8_t *apdu, size_t apdu_len, uint32_t expect_us,
                                   uint8_t *rsp, size_t rsp_size, uint64_t now_us);

/* The same with the APDU as a gather list (trustm_bytes.h), rendered frame by frame from it, and
 * the response into a sink: no buffer holds either whole. g, what it references and the sink
 * are borrowed until the exchange ends. Once response bytes went to the sink the message is
 * not sent again (TL PROTOCOL): the sink may write over referenced inputs (in == out). */
trustm_status_t trustm_stack_start_sink(trustm_stack_t *st, const trustm_gather_t *g, uint32_t expect_us,
                                        const trustm_rsp_sink_t *sink, uint64_t now_us);

/* Begin a presentation-layer control exchange armed beforehand (e.g. context save/restore):
 * tx_begin is called with no APDU. */
trustm_status_t trustm_stack_start_control(trustm_stack_t *st, uint64_t now_us);

/* TRUSTM_IN_PROGRESS with *io filled in, or the final status of the operation (then *io is
 * TRUSTM_IO_NONE). Calling it again without io_done returns the same request. */
trustm_status_t trustm_stack_next_io(trustm_stack_t *st, trustm_io_t *io);

/* Report the outcome of the request from next_io: TRUSTM_OK, TRUSTM_PAL_NACK, TRUSTM_PAL_IO or
 * any other error (pins: NOT_SUPPORTED), n = bytes transferred, now_us = time after it. */
void trustm_stack_io_done(trustm_stack_t *st, trustm_status_t io_status, size_t n, uint64_t now_us);

/* Abandon the current operation. The link is re-synchronised (C0) before the next exchange. */
void trustm_stack_abort(trustm_stack_t *st);

/* Wipe the frame buffers (data link tx/rx, transport header) once an exchange is over: they
 * carried the last command and response, which may hold secrets. No-op while busy. */
void trustm_stack_wipe(trustm_stack_t *st);

bool trustm_stack_is_busy(const trustm_stack_t *st);
size_t trustm_stack_rsp_len(const trustm_stack_t *st);
/* Bytes the last exchange delivered to the caller (flat buffer: what a wipe must cover). */
size_t trustm_stack_rsp_written(const trustm_stack_t *st);
uint16_t trustm_stack_frame_size(const trustm_stack_t *st);
uint16_t trustm_stack_max_scl_khz(const trustm_stack_t *st);
const trustm_stats_t *trustm_stack_stats(const trustm_stack_t *st);

/* ---- drivers (trustm_pump.c, the only proto file that includes trustm_pal.h) ------------- */

struct trustm_pal;

/* Any engine with the next_io / io_done shape (the stack, or an operation built on it). */
typedef struct trustm_engine {
    trustm_status_t (*next_io)(void *ctx, trustm_io_t *io);
    void (*io_done)(void *ctx, trustm_status_t io_status, size_t n, uint64_t now_us);
    void *ctx;
} trustm_engine_t;

/* Perform one request on the PAL: first sleep until until_us, counted from now_us (the clock as
 * last read; the PAL clock is read again only for a WAIT that ends early), then the I/O.
 * Returns the I/O status, *n for io_done (len on success; 1 when a register read failed after
 * its select); *now_us is the clock after it (read once). */
trustm_status_t trustm_pump_perform(const struct trustm_pal *pal, const trustm_io_t *io, uint64_t *now_us, size_t *n);

/* Blocking: run the engine to completion; the only code that sleeps. */
trustm_status_t trustm_pump_engine_run(const trustm_engine_t *eng, const struct trustm_pal *pal);
/* Non-blocking: perform at most one bus/pin I/O whose time has come (elapsed waits are
 * completed without counting), never sleep. Returns TRUSTM_IN_PROGRESS and *next_deadline_us
 * (the time at which to call again; "now" if at once), or the final status. */
trustm_status_t trustm_pump_engine_step(const trustm_engine_t *eng, const struct trustm_pal *pal,
                                        uint64_t *next_deadline_us);

trustm_status_t trustm_pump_run(trustm_stack_t *st, const struct trustm_pal *pal);
trustm_status_t trustm_pump_step(trustm_stack_t *st, const struct trustm_pal *pal, uint64_t *next_deadline_us);

#ifdef __cplusplus
}
#endif
#endif /* TRUSTM_STACK_H */
