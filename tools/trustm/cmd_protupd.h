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
    uint8_t stream[CLI_PU_STREAM_MAX];  /* all fragments, each file cut at 640 bytes */
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

/* Try --manifest / --fragment / --hex at argv[*i]: 1 consumed, 0 not ours, -1 usage error. */
int cli_pu_option(cli_pu_args_t *a, const char *cmd, int argc, char **argv, int *i);
/* Load the files named in a: each fragment file holds one fragment or a stream of them (cut at
 * 640 bytes); every fragment but the last must be exactly 640 bytes. Returns an exit code. */
int cli_pu_load(const cli_pu_args_t *a, const char *cmd, cli_pu_set_t *s);
extern const char cli_pu_help[];

int do_update(cli_globals_t *g, int argc, char **argv);
int do_provision_setup(cli_globals_t *g, int argc, char **argv);
int do_id2_provision(cli_globals_t *g, int argc, char **argv);

#endif
