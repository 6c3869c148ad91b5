/*
 * trustm_testutil.h - helpers shared by the tests: the bus-transcript vector format of
 * shared/spec/vectors/ifx_i2c_*.txt, hex parsing, and locating the shared/ folder.
 *
 * Transcript format: '#' comments; "W <hex>" I2C write, "R <hex>" I2C read, "F <hex>" a bare
 * frame. Hex tokens XX / YY / ZZ are wildcards (UID byte, build number, FCS depending on them).
 * A "# STEP ..." comment describes the following line; "# [gpio] / [wait] / [host] / [reset]"
 * comments are actions without bus traffic and are kept as steps of kind 'A'.
 */
#ifndef TRUSTM_TESTUTIL_H
#define TRUSTM_TESTUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TV_MAX_BYTES 1600

typedef struct tv_step {
    char kind; /* 'W', 'R', 'F', or 'A' (action comment) */
    uint8_t bytes[TV_MAX_BYTES];
    char wild[TV_MAX_BYTES]; /* 0 = exact byte, else 'X', 'Y' or 'Z' */
    size_t len;
    char step[512]; /* the "# STEP" comment before it (or the action text) */
    bool poll;      /* STEP comment carries [poll] */
    bool bad_fcs;   /* STEP comment carries [bad-fcs] */
    int line;       /* line number in the file */
} tv_step_t;

typedef struct tv_file {
    tv_step_t *steps;
    size_t count;
} tv_file_t;

/* Path of a file below shared/ (e.g. "spec/vectors/ifx_i2c_datasheet_log.txt") in buf; returns
 * false if shared/ or the file is absent. */
bool tv_shared_path(const char *rel, char *buf, size_t buf_size);

/* Load a transcript; with section != NULL only the steps after the first comment line that
 * contains it ("SECTION D", "SESSION 2") up to the next "=== SECTION" / "# SESSION" line.
 * Returns 0 on success. */
int tv_load(const char *path, const char *section, tv_file_t *out);
void tv_free(tv_file_t *f);

/* Parse whitespace-separated (or contiguous) hex into out; returns byte count or -1. */
long tv_hex_parse(const char *hex, uint8_t *out, size_t out_size);

/* Whole file into a malloc'ed, NUL-terminated buffer (the caller frees it); NULL if it cannot
 * be read. *len (may be NULL) receives the length without the NUL. */
uint8_t *tv_read_file(const char *path, size_t *len);

/* Format bytes as "AA BB CC" into a static buffer (for assertion messages). */
const char *tv_hex_str(const uint8_t *b, size_t n);

/* cmocka helper: skip the current test with a message when shared/ is not available. */
#define TV_REQUIRE_SHARED(rel, pathbuf)                                                                                \
    do {                                                                                                               \
        if (!tv_shared_path((rel), (pathbuf), sizeof(pathbuf))) {                                                      \
            print_message("SKIP: %s not found (shared/ folder absent)\n", (rel));                                      \
            skip();                                                                                                    \
        }                                                                                                              \
    } while (0)

/* Platform binding secret reader with the chip's factory E140 value 01 02 .. 40 (64 bytes), in
 * the shape of trustm_shield_secret_fn. */
int tv_pbs_default(void *user, uint8_t *out, size_t out_size, size_t *out_len);

#endif
