/*
 * cli_run.h - run the real `trustm` binary from a cmocka test and capture its output.
 */
#ifndef TRUSTM_TEST_CLI_RUN_H
#define TRUSTM_TEST_CLI_RUN_H

#include <stddef.h>

typedef struct cli_result {
    int code;      /* exit code, -1 if it did not exit normally */
    char *out;     /* stdout (malloc'd, NUL-terminated) */
    char *err;     /* stderr */
} cli_result_t;

/* Create the scratch directory (once) and return its path. */
const char *cli_tmpdir(void);
/* Run "<binary> <args>" through /bin/sh (args are shell words; quote paths yourself). */
void cli_run(const char *binary, const char *args, cli_result_t *r);
void cli_result_free(cli_result_t *r);
/* Read a whole text file (malloc'd) or NULL. */
char *cli_slurp(const char *path);
/* Remove the scratch directory and its files. */
void cli_tmpdir_remove(void);

#endif
