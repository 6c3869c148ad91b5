/*
 * cmd_protupd.h - the protected-update subcommands of `trustm` (cmd_update.c, cmd_provision.c)
 * and the data-set loader they share.
 */
#ifndef TRUSTM_CMD_PROTUPD_H
#define TRUSTM_CMD_PROTUPD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "trustm/trustm_protupd.h"

#define CLI_PU_STREAM_MAX (TRUSTM_PROTUPD_MAX_FRAGMENTS * TRUSTM_PROTUPD_FRAGMENT_MAX)

/* A data set read from the files of trustm-protupd (--out-manifest / --out-fragments /
 * --out-dir) or any binary (or, with hex, hex text) files. */
typedef struct cli_pu_set {
    uint8_t manifest[TRUSTM_PROTUPD_MANIFEST_MAX];
    size_t manifest_len;
    uint8_t stream[CLI_PU_STREAM_MAX]; /* all fragments, each file cut at 640 bytes */
    size_t stream_len;
    const uint8_t *frags[TRUSTM_PROTUPD_MAX_FRAGMENTS];
    size_t lens[TRUSTM_PROTUPD_MAX_FRAGMENTS];
    size_t n;
} cli_pu_set_t;

/* Collects --manifest FILE and --fragment FILE (repeatable) while parsing. */
typedef struct cli_pu_args {
    const char *manifest;
    const char *fragments[TRUSTM_PROTUPD_MAX_FRAGMENTS];
    size_t n_fragments;
    bool hex;
} cli_pu_args_t;

/* The options --manifest / --fragment (repeatable) / --hex as cli_parse() table entries. */
#define CLI_PU_OPTS(a)                                                                                                 \
    {"--manifest", NULL, &(a).manifest, NULL, NULL, 0},                                                                \
        {"--fragment", NULL, (a).fragments, NULL, &(a).n_fragments, TRUSTM_PROTUPD_MAX_FRAGMENTS},                     \
    {                                                                                                                  \
        "--hex", NULL, NULL, &(a).hex, NULL, 0                                                                         \
    }
#define CLI_PU_HELP                                                                                                    \
    "  --manifest FILE       the manifest (binary, e.g. trustm-protupd --out-manifest / --out-dir)\n"                  \
    "  --fragment FILE       a fragment file, or a stream of fragments (--out-fragments) that is\n"                    \
    "                        cut at 640 bytes; repeat in order for fragment_01.bin, _02.bin ...\n"                     \
    "  --hex                 the files are hex text instead of binary\n"
/* Load the files named in a: each fragment file holds one fragment or a stream of them (cut at
 * 640 bytes); every fragment but the last must be exactly 640 bytes. Returns an exit code. */
int cli_pu_load(const cli_pu_args_t *a, const char *cmd, cli_pu_set_t *s);

int do_update(cli_globals_t *g, int argc, char **argv);
int do_provision_setup(cli_globals_t *g, int argc, char **argv);
int do_id2_provision(cli_globals_t *g, int argc, char **argv);

#endif
