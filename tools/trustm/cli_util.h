/*
 * cli_util.h - option parsing and data input/output shared by the trustm subcommands that
 * move data: --in FILE|-, --data HEX, --out FILE|-, --hex, OIDs, lists of names.
 *
 * Conventions (docs/CLI.md "Data input and output"): binary data is read from --in (default
 * stdin) or given inline with --data HEX; results go to --out (default stdout). With --hex the
 * input file is hex text and the output is lower-case hex text, one line (--hex-in, --hex-out:
 * only one side).
 */
#ifndef TRUSTM_CLI_UTIL_H
#define TRUSTM_CLI_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cli.h"

#define CLI_IO_IN  1u /* the command reads data: --in, --data */
#define CLI_IO_OUT 2u /* the command writes data: --out */
#define CLI_IO_HEX 4u /* --hex applies */

typedef struct cli_io {
    const char *in;   /* --in FILE|- (NULL: stdin) */
    const char *data; /* --data HEX (NULL: none) */
    const char *out;  /* --out FILE|- (NULL: stdout) */
    bool hex_in;      /* --hex or --hex-in: the input file is hex text */
    bool hex_out;     /* --hex or --hex-out: the output is hex text */
    bool json;        /* --json: the output is {"bytes":N,"hex":"..."} */
} cli_io_t;

/* Help lines for the options above (which = CLI_IO_* bits). */
void cli_io_help(unsigned which);

/*
 * Consume a common option at argv[*i]: -h/--help (prints help, then cli_global_help),
 * the data options of `which`, or a global option. Returns
 *   1  consumed (*i advanced)      0  not a common option (caller handles it)
 *   2  help printed: exit 0       -1  usage error printed: exit CLI_EXIT_USAGE
 */
int cli_common_option(cli_globals_t *g, cli_io_t *io, unsigned which, const char *cmd, const char *help, int argc,
                      char **argv, int *i);

/* Read the input data (--data, else --in, else stdin; hex text with --hex) into buf.
 * Returns CLI_EXIT_OK, or prints a message and returns CLI_EXIT_FILE / CLI_EXIT_USAGE. */
int cli_input_read(const cli_io_t *io, const char *cmd, uint8_t *buf, size_t size, size_t *len);
/* Read a file named by an option (binary, or hex text when hex) into buf. */
int cli_file_load(const char *path, bool hex, const char *cmd, uint8_t *buf, size_t size, size_t *len);
/* Write the result to --out (stdout by default); hex text with --hex. Returns an exit code. */
int cli_output_write(const cli_io_t *io, const char *cmd, const uint8_t *b, size_t n);
/* Check, before the chip is changed, that path ("-" = stdout) can be written: a temporary file
 * is created beside it and removed. Prints one line and returns CLI_EXIT_FILE if not. */
int cli_output_check(const char *cmd, const char *path);
/* Write b to path (binary or hex text); "-" is stdout. Returns an exit code. */
int cli_file_store(const char *path, bool hex, const char *cmd, const uint8_t *b, size_t n);

/* Parse an OID: 4 hex digits with or without 0x ("E0FC", "0xe0fc"). Returns 0 or -1. */
int cli_parse_oid(const char *s, uint16_t *oid);
/* Parse hex into a buffer with a usage error naming the option. Returns an exit code. */
int cli_parse_hex_arg(const char *cmd, const char *opt, const char *text, uint8_t *out, size_t size, size_t *len);

/* Key usage list "sign,enc" / "Sign|Enc" / "auth" / "keyagree" / 0xNN into bits. 0 or -1. */
int cli_parse_key_usage(const char *s, uint8_t *usage);

/* Hash/MAC sizes: "sha256" -> 32, 48, 64 and the index 0/1/2; -1 if unknown. */
int cli_parse_sha(const char *s);

/* Print s as a JSON string literal (quotes, escapes). */
void cli_json_str(FILE *f, const char *s);

/* Parse a command's OID argument with a usage error naming it. Returns an exit code. */
int cli_oid_arg(const char *cmd, const char *what, const char *s, uint16_t *oid);

/* The last step of a subcommand's option loop: argv[*i] is not a known option. An unknown
 * option or a second positional argument is a usage error; otherwise argv[*i] becomes the one
 * positional argument (*slot) and *i advances. Returns CLI_EXIT_OK or the usage exit code. */
int cli_positional_arg(const char *cmd, char **argv, int *i, const char **slot);

/* One entry of a subcommand's option table: a value option stores its argument in *value, a
 * flag option (value NULL) sets *flag. A table ends with an entry whose name is NULL. */
typedef struct cli_opt {
    const char *name;   /* "--key" */
    const char *alias;  /* a short form ("-m"), or NULL */
    const char **value; /* where the value goes, or NULL for a flag */
    bool *flag;         /* set by a flag */
    size_t *count;      /* repeatable: value is an array of max entries, *count used so far */
    size_t max;
} cli_opt_t;

/* The option parser of the subcommands: argv[1..] through cli_common_option() (--help, the
 * data options of `which`, the global options), then the table, then one positional argument
 * into *pos (pos NULL: none allowed). Returns CLI_PARSE_RUN when the command should run, else
 * the exit code to return at once (0 after --help, CLI_EXIT_USAGE after a printed error). */
#define CLI_PARSE_RUN (-2)
int cli_parse(cli_globals_t *g, cli_io_t *io, unsigned which, const char *cmd, const char *help, const cli_opt_t *opts,
              const char **pos, int argc, char **argv);

#endif /* TRUSTM_CLI_UTIL_H */
