/*
 * hostbus.h - strict scripted I2C bus for host-stack tests (a scripted PAL, not a chip model).
 *
 * A script is a list of expected host writes ('W', exact bytes incl. register address), reads
 * the "chip" returns ('R', exact length), pin changes ('P') and their fault decorations
 * (NACK the next attempts, bus error). Any deviation fails the running cmocka test with the
 * step number and both byte strings. Time is virtual: every transaction costs
 * us_per_byte * (len + 1) microseconds, a wait jumps the clock; nothing sleeps.
 *
 * The same script drives the stack either through a trustm_pal_t (hb_pal) or directly
 * through next_io/io_done (hb_perform). Builders below generate the frames a chip sends with
 * the shared codecs, so tests state the expected bus transcript in protocol terms.
 */
#ifndef HOSTBUS_H
#define HOSTBUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trustm/trustm_pal.h"
#include "trustm_stack.h"

#define HB_MAX_STEPS 4096
#define HB_MAX_BYTES 300

typedef struct hb_step {
    char kind; /* 'W', 'R', 'P', 'I' (idle I2C_STATE polls: W 82 / R 08 80 00 00) */
    uint8_t bytes[HB_MAX_BYTES];
    size_t len;
    uint8_t pin;
    bool level;
    uint32_t nacks;     /* NACK this many attempts before the step succeeds */
    bool io_error;      /* the first attempt fails with a bus error */
    uint64_t at;        /* time the step was performed (filled in) */
    uint32_t min_polls; /* 'I': at least this many idle polls                   */
    uint64_t until;     /* 'I': chip idle until this time (0: until the host moves on) */
    uint32_t polls;     /* 'I': idle polls answered (filled in) */
} hb_step_t;

typedef struct hb {
    hb_step_t steps[HB_MAX_STEPS];
    size_t count;
    size_t pos;
    uint32_t nacked; /* NACKs already given for steps[pos] */
    bool err_given;
    uint64_t now;
    uint32_t us_per_byte;     /* default 25 (400 kHz: 9 bits per byte = 22.5 us) */
    bool has_pins;            /* pal->set_pin present */
    uint8_t unsupported_pins; /* bit (1<<pin): set_pin answers NOT_SUPPORTED */
    uint64_t last_end;        /* end of the last successful transaction */
    uint64_t min_gap;         /* smallest gap between transactions (guard time check) */
    uint32_t sleeps;          /* calls of sleep_us */
    uint32_t txns;            /* transactions performed */
    bool idle_read_due;       /* an idle poll's address write happened; its read comes next */
    size_t n;                 /* io_done's n for the last hb_perform */
} hb_t;

extern hb_t hb; /* one bus per test process; hb_reset() before each test */

void hb_reset(void);
trustm_pal_t hb_pal(void);
/* Perform one engine request on the script (direct engine driving). */
trustm_status_t hb_perform(const trustm_io_t *io);
/* Drive a stack directly through next_io/io_done until it finishes. */
trustm_status_t hb_run_stack(trustm_stack_t *st);
/* All steps consumed? (fails the test with the next expected step otherwise) */
void hb_assert_done(void);

/* raw steps */
hb_step_t *hb_w(const uint8_t *b, size_t n);
hb_step_t *hb_r(const uint8_t *b, size_t n);
hb_step_t *hb_w_hex(const char *hex);
hb_step_t *hb_r_hex(const char *hex);
void hb_p(uint8_t pin, bool level);

/* frame builders (frame = FCTR LEN packet FCS, encoded by the codec) */
size_t hb_frame(uint8_t fctr, const uint8_t *packet, size_t plen, uint8_t *out);
/* host writes a frame: W 80 <frame> */
hb_step_t *hb_host_frame(uint8_t fctr, const uint8_t *packet, size_t plen);
hb_step_t *hb_host_ctrl(uint8_t fctr);
/* the chip offers a frame: W 82 / R <state> / W 80 / R <frame>; state byte 0 = 0x48 or 0xC8 */
void hb_chip_frame(bool busy, uint8_t fctr, const uint8_t *packet, size_t plen);
void hb_chip_ctrl(bool busy, uint8_t fctr);
/* the chip offers raw bytes as the DATA content (len announced in I2C_STATE = n) */
void hb_chip_raw(const uint8_t *b, size_t n);
/* a poll with nothing ready: W 82 / R 08 80 00 00 */
void hb_poll_idle(void);
/* Any number (>= min) of idle polls until the host writes something else, or (until != 0)
 * until the clock reaches until. */
hb_step_t *hb_idle(uint32_t min, uint64_t until);

/* Link model for whole exchanges (the counters as the host sees them). */
typedef struct hb_link {
    uint8_t host_tx; /* last FRNR the host sent */
    uint8_t host_rx; /* last FRNR the host received */
    uint16_t frame_size;
    bool presence; /* PCTR 08 + SCTR 20 in both directions */
} hb_link_t;
void hb_link_init(hb_link_t *l, uint16_t frame_size, bool presence);
/* Host message (chained as needed), each packet acknowledged by a chip control ACK, unless
 * piggyback: then the first response frame acknowledges the last packet. */
void hb_host_message(hb_link_t *l, const uint8_t *apdu, size_t n, bool piggyback);
/* Chip response message (chained as needed), each frame acknowledged by a host control ACK. */
void hb_chip_message(hb_link_t *l, const uint8_t *rsp, size_t n);
/* Both. */
void hb_exchange(hb_link_t *l, const uint8_t *apdu, size_t n, const uint8_t *rsp, size_t rn, bool piggyback);
/* Open preamble without reset: W 84 / R 00 00 01 90 / W 81 <fs> / W 81 / R <chip fs> */
void hb_negotiation(uint16_t ask, uint16_t chip_answer);
/* Soft reset preamble: W 82 / R 08 80 00 00 / W 88 00 00, then hb_negotiation */
void hb_soft_reset(uint16_t ask, uint16_t chip_answer);

#endif
