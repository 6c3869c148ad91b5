/*
 * trace_decode.h - decoder of IFX I2C bus traces for `trustm trace`.
 *
 * Input, one event per line (both formats may be mixed):
 *   trustm-sim trace v1:  "# trustm-sim trace v1" header, then "@<time_us> W <hex>",
 *                         "@<t> R <hex>", "@<t> NACK W|R", "@<t> POWER ON|OFF",
 *                         "@<t> RST LOW|HIGH", "@<t> SLEEP <us>"
 *   spec transcripts:     "W <hex>", "R <hex>", "F <hex>" (a bare frame), '#' comments,
 *                         XX / YY / ZZ wildcard bytes (unknown UID, build number, FCS)
 * Hex may be space separated or contiguous. Comment lines are skipped, except the section
 * markers of the spec vector files ("# === SECTION ...", "# SESSION ..."), which are echoed
 * and reset the decoder (each section starts from reset), and their action comments
 * ("# [gpio] ...", "# [reset] ..." reset the link too; "# [wait] ...", "# [host] ...").
 * The frame size read back from DATA_REG_LEN sets the packet size expected in chains.
 *
 * Output: one line per bus event (register select/read/write, NACK, pins, sleep) and, below
 * it, one indented line per decoded layer: "frame" (FCTR, LEN, FCS), "packet" (PCTR: channel,
 * presence, chain; SCTR when present), "apdu" (command or response) and "data". The decoder
 * tracks the selected register (to interpret reads), frame numbers per direction (to flag
 * retransmissions), reassembles chained packets and pairs responses with their command.
 */
#ifndef TRUSTM_TRACE_DECODE_H
#define TRUSTM_TRACE_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define TRACE_MAX_BYTES 4200u /* longest transaction (socket protocol max 4096 + margin) */
#define TRACE_MAX_MSG   2048u /* longest reassembled message (APDU 1557 + SCTR/seq/tag) */

typedef struct trace_bytes {
    uint8_t b[TRACE_MAX_BYTES];
    char wild[TRACE_MAX_BYTES]; /* 0 or 'X'/'Y'/'Z' */
    size_t n;
} trace_bytes_t;

typedef struct trace_dir {
    int last_frnr; /* last data frame number seen, -1 none */
    bool chain_open;
    bool chain_presence;
    size_t chain_len;
    uint8_t chain[TRACE_MAX_MSG];
    char chain_wild[TRACE_MAX_MSG];
} trace_dir_t;

typedef struct trace_stats {
    unsigned long lines;
    unsigned long writes, reads, nacks;
    unsigned long frames, bad_frames, retransmissions;
    unsigned long commands, responses;
    unsigned long anomalies;    /* protocol violations found (bad LEN, chain, APDU length) */
    unsigned long parse_errors; /* lines that could not be parsed */
} trace_stats_t;

typedef struct trace_dec {
    FILE *out;
    int reg;             /* selected register, -1 unknown */
    unsigned frame_size; /* DATA_REG_LEN read back (277 after reset) */
    bool timed;          /* current line had a time stamp */
    bool hide_sleep;     /* do not print SLEEP events (set after trace_dec_init) */
    uint64_t time_us;
    trace_dir_t dir[2]; /* 0 = host to chip (writes), 1 = chip to host (reads) */
    bool have_cmd;      /* a command is waiting for its response */
    uint8_t cmd, param;
    uint16_t oid;
    bool oid_valid;
    trace_stats_t st;
    trace_bytes_t tmp;
} trace_dec_t;

void trace_dec_init(trace_dec_t *d, FILE *out);
/* Decode one line (without or with its newline). Returns 0, or -1 if the line could not be
 * parsed (an "error" line was printed and counted). */
int trace_dec_line(trace_dec_t *d, const char *line, unsigned long lineno);
/* Print the summary line. */
void trace_dec_finish(trace_dec_t *d);

#endif /* TRUSTM_TRACE_DECODE_H */
