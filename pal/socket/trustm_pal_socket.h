/*
 * trustm_pal_socket.h - platform port that talks to the simulator daemon
 * (`trustm-sim serve --socket PATH`) over the UNIX-socket protocol of docs/sim-socket.md.
 *
 * Mapping of the PAL operations to socket messages:
 *   i2c_write  -> WRITE    (0x01)  ACK -> TRUSTM_OK, NACK -> TRUSTM_PAL_NACK, else TRUSTM_PAL_IO
 *   i2c_read   -> READ     (0x02)  same mapping; an ACK must carry exactly the requested bytes
 *   set_pin    -> POWER_ON/POWER_OFF (0x11/0x10) for VDD, RST_HIGH/RST_LOW (0x13/0x12) for RST
 *   now_us     -> NOW_US   (0x21)  the daemon's clock, which may be virtual
 *   sleep_us   -> SLEEP_US (0x20)  so the host's waits advance a virtual clock
 *   xfer       -> XFER     (0x50)  one transfer with its waits and the clock in one message; an
 *                                  I2C_STATE read is sent as kind 5, which also returns the DATA
 *                                  frame the state announces: the host's DATA read that follows
 *                                  is answered from it (a daemon without kind 5: kind 3)
 *
 * Failure behaviour: every exchange is bounded by a receive/send timeout (never hangs). A
 * failed or timed-out exchange closes the connection (the byte stream can no longer be trusted)
 * and the operation returns TRUSTM_PAL_IO; the next operation reconnects once. While the daemon is
 * unreachable, now_us keeps advancing on the local monotonic clock (continuing from the last
 * daemon time) and sleep_us sleeps locally, so the caller's timeouts still expire.
 *
 * Not thread-safe: one trustm_pal_socket_t per thread (open several connections instead; the
 * daemon serialises them like a shared bus).
 */
#ifndef TRUSTM_PAL_SOCKET_H
#define TRUSTM_PAL_SOCKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trustm/trustm_pal.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Base opcodes (sim-socket.md). */
#define TRUSTM_SOCK_OP_WRITE     0x01u
#define TRUSTM_SOCK_OP_READ      0x02u
#define TRUSTM_SOCK_OP_POWER_OFF 0x10u
#define TRUSTM_SOCK_OP_POWER_ON  0x11u
#define TRUSTM_SOCK_OP_RST_LOW   0x12u
#define TRUSTM_SOCK_OP_RST_HIGH  0x13u
#define TRUSTM_SOCK_OP_SLEEP_US  0x20u
#define TRUSTM_SOCK_OP_NOW_US    0x21u
/* Extension (docs/sim-socket.md): one transfer with its sleep, the clock in the answer. */
#define TRUSTM_SOCK_OP_XFER 0x50u

/* Response status byte. */
#define TRUSTM_SOCK_ST_ACK       0x00u
#define TRUSTM_SOCK_ST_NACK      0x01u
#define TRUSTM_SOCK_ST_BUS_ERROR 0x02u
#define TRUSTM_SOCK_ST_BAD_REQ   0x03u

#define TRUSTM_SOCK_MAX_PAYLOAD        4096u
#define TRUSTM_SOCK_DATA_MAX           277u /* largest DATA_REG_LEN (frame) of the chip */
#define TRUSTM_SOCK_DEFAULT_TIMEOUT_MS 5000u

typedef struct trustm_pal_socket {
    int fd;                  /* -1 when not connected */
    char path[108];          /* sun_path of the daemon's socket */
    uint32_t timeout_ms;     /* bound for one request/response exchange */
    uint64_t last_remote_us; /* last time the daemon reported (NOW_US) */
    uint64_t last_local_us;  /* local monotonic time when it was reported */
    bool have_remote;        /* last_remote_us is valid */
    int last_errno;          /* errno of the last failure, 0 if none (for messages) */
    uint8_t last_status;     /* status byte of the last response */
    bool xfer_off;           /* the daemon does not know XFER: base messages only */
    bool now_cached;         /* cached_now is exact (virtual clock, nothing sent since) */
    uint64_t cached_now;
    unsigned long messages; /* requests sent to the daemon since open (a figure for benchmarks) */
    /* XFER kind 5: an I2C_STATE read showing a response ready brings the DATA read along; the
     * next transfer, the host's DATA read, is answered from pend_* without a message. */
    bool combo_off; /* the daemon does not know kind 5 (or the caller turned it off) */
    bool pend_valid;
    uint8_t pend_status, pend_flags;
    uint16_t pend_len;
    uint64_t pend_now;
    uint8_t pend_buf[TRUSTM_SOCK_DATA_MAX];
} trustm_pal_socket_t;

/*
 * Connect to the daemon at path. timeout_ms 0 selects TRUSTM_SOCK_DEFAULT_TIMEOUT_MS.
 * Returns TRUSTM_OK, TRUSTM_STATUS(PAL, BAD_PARAM) for a NULL/too-long path, or
 * TRUSTM_PAL_IO when the socket cannot be reached (s->last_errno tells why).
 */
trustm_status_t trustm_pal_socket_open(trustm_pal_socket_t *s, const char *path, uint32_t timeout_ms);

/* Close the connection (the chip state is not affected). Safe to call twice. */
void trustm_pal_socket_close(trustm_pal_socket_t *s);

/* Fill *pal with the socket ops and s as context. */
void trustm_pal_socket_init(trustm_pal_t *pal, trustm_pal_socket_t *s);

/* The ops table (for callers that build trustm_pal_t themselves). */
extern const trustm_pal_ops_t trustm_pal_socket_ops;

/*
 * One raw exchange, for control messages (opcodes 0x40 and up, docs/sim-socket.md):
 * sends op/addr/payload, receives the status and up to rsp_size payload bytes.
 * Returns TRUSTM_OK when a well-formed response arrived (its status byte in *status, which
 * may be NACK, bus error or bad request), TRUSTM_STATUS(PAL, BAD_PARAM) for a payload over
 * 4096 bytes, TRUSTM_STATUS(PAL, BUFFER_TOO_SMALL) when the response payload exceeds rsp_size
 * (the connection is still in sync: the excess is drained), TRUSTM_PAL_IO on a transport failure.
 * For READ, pass the wanted count as payload_len with payload NULL.
 */
trustm_status_t trustm_pal_socket_request(trustm_pal_socket_t *s, uint8_t op, uint8_t addr, const uint8_t *payload,
                                          size_t payload_len, uint8_t *status, uint8_t *rsp, size_t rsp_size,
                                          size_t *rsp_len);

#ifdef __cplusplus
}
#endif
#endif /* TRUSTM_PAL_SOCKET_H */
