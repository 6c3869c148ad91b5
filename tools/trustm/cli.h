/*
 * cli.h - shared definitions of the `trustm` command-line tool: exit codes, global options,
 * status printing, and the subcommand entry points (one cmd_<name>.c each).
 */
#ifndef TRUSTM_CLI_H
#define TRUSTM_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "trustm/trustm_status.h"

/* Exit codes (documented in `trustm --help` and docs/CLI.md). */
#define CLI_EXIT_OK 0 /* success                                                       */
#define CLI_EXIT_USAGE                                                                                                 \
    1                     /* bad command line: unknown command/option, missing argument,
                           * an argument the library rejects (API BAD_PARAM)               */
#define CLI_EXIT_DEVICE 2 /* device or transport error: cannot reach the chip, bus/protocol */
#define CLI_EXIT_CHIP   3 /* the chip answered with an error (code from 0xF1C2)             */
#define CLI_EXIT_FILE   4 /* input/output file error: missing, unreadable, malformed         */

typedef struct cli_globals {
    const char *device;    /* --device, else $TRUSTM_DEVICE, else NULL */
    unsigned frame_size;   /* --frame-size, 0 = library default (277) */
    int verbose;           /* --verbose count */
    const char *sim_trace; /* --sim-trace FILE: record the in-process simulator's bus trace */
    bool protect_set;      /* --protect given: Shielded Connection on */
    unsigned char protect; /* --protect level (TRUSTM_PROTECT_*) */
    const char *pbs_file;  /* --pbs-file, else $TRUSTM_PBS_FILE: the platform binding secret */
} cli_globals_t;

/*
 * Try to consume a global option at argv[*i] (and its value). Returns 1 if consumed
 * (*i advanced past it), 0 if argv[*i] is not a global option, -1 on a bad value (message
 * printed).
 */
int cli_global_option(cli_globals_t *g, int argc, char **argv, int *i);

/* "--name=value" or "--name value" / "-x value": returns the value or NULL (no match);
 * *err set when the option matched but its value is missing. */
const char *cli_opt_value(int argc, char **argv, int *i, const char *lng, const char *shrt, bool *err);

/* Print "trustm: <what>: <layer>: <reason> (0x........)" to stderr and return the exit code. */
int cli_report_status(const char *what, trustm_status_t st);
/* As cli_report_status for an operation with key object `key` that needs key usage `usage`
 * ("sign", "enc"): a refusal 0x07 names the likely cause (usage or execute condition). */
int cli_report_key_status(const char *what, trustm_status_t st, uint16_t key, const char *usage);
/* A source of a better reason for a failed command (the in-process simulator's storage error):
 * when it returns a non-empty string, cli_report_status prints that instead of the chip error.
 * fn NULL removes it. */
void cli_set_status_hint(const char *(*fn)(void *ctx), void *ctx);
int cli_exit_code(trustm_status_t st);

/* Print a usage error ("trustm <cmd>: ...; see trustm <cmd> --help") and return CLI_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...);

/* Subcommands: argv[0] is the subcommand name. */
int do_info(cli_globals_t *g, int argc, char **argv);
int do_trace(cli_globals_t *g, int argc, char **argv);
int do_read(cli_globals_t *g, int argc, char **argv);
int do_write(cli_globals_t *g, int argc, char **argv);
int do_metadata(cli_globals_t *g, int argc, char **argv);
int do_random(cli_globals_t *g, int argc, char **argv);
int do_hash(cli_globals_t *g, int argc, char **argv);
int do_error(cli_globals_t *g, int argc, char **argv);
int do_aes_keygen(cli_globals_t *g, int argc, char **argv);
int do_aes_encrypt(cli_globals_t *g, int argc, char **argv);
int do_aes_decrypt(cli_globals_t *g, int argc, char **argv);
int do_rsa_keygen(cli_globals_t *g, int argc, char **argv);
int do_rsa_sign(cli_globals_t *g, int argc, char **argv);
int do_rsa_verify(cli_globals_t *g, int argc, char **argv);
int do_rsa_encrypt(cli_globals_t *g, int argc, char **argv);
int do_rsa_decrypt(cli_globals_t *g, int argc, char **argv);
int do_hmac(cli_globals_t *g, int argc, char **argv);
int do_prf(cli_globals_t *g, int argc, char **argv);
int do_hkdf(cli_globals_t *g, int argc, char **argv);
int do_counter(cli_globals_t *g, int argc, char **argv);
int do_lifecycle(cli_globals_t *g, int argc, char **argv);
int do_hibernate(cli_globals_t *g, int argc, char **argv);
int do_pair(cli_globals_t *g, int argc, char **argv);
int do_list(cli_globals_t *g, int argc, char **argv);

/* Text of the global options block, appended to every subcommand's --help. */
extern const char cli_global_help[];

/* Program entry (main() only calls this). */
int cli_main(int argc, char **argv);

#endif /* TRUSTM_CLI_H */
