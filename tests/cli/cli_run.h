/*
 * cli_run.h - run the real `trustm` binary from a cmocka test and capture its output.
 */
#ifndef TRUSTM_TEST_CLI_RUN_H
#define TRUSTM_TEST_CLI_RUN_H

#include <stddef.h>

typedef struct cli_result {
    int code;  /* exit code, -1 if it did not exit normally */
    char *out; /* stdout (malloc'd, NUL-terminated) */
    char *err; /* stderr */
} cli_result_t;

/* Create the scratch directory (once) and return its path. */
const char *cli_tmpdir(void);
/* Run "<binary> <args>" through /bin/sh (args are shell words; quote paths yourself). */
void cli_run(const char *binary, const char *args, cli_result_t *r);
void cli_result_free(cli_result_t *r);
/* Read a whole text file (malloc'd) or NULL. */
char *cli_slurp(const char *path);
/* Compare actual with the golden file dir/name. Returns 0 when equal; otherwise prints both
 * (first differing line) and returns -1. With TRUSTM_UPDATE_GOLDEN=1 in the environment the
 * golden file is (re)written instead and 0 returned: review the diff before committing. */
int cli_golden_check(const char *dir, const char *name, const char *actual);
/* Write len bytes to dir/name (scratch files for tests); 0 or -1. */
int cli_write_file(const char *path, const void *data, size_t len);
/* Read a whole file (binary) into a malloc'd buffer with its length; NULL on error. */
unsigned char *cli_read_bin(const char *path, size_t *len);
/* Parse lower/upper hex text (whitespace ignored) into out; returns the byte count or -1. */
long cli_unhex(const char *text, unsigned char *out, size_t size);
/* Remove the scratch directory and its files. */
void cli_tmpdir_remove(void);

#endif
