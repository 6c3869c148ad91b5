/*
 * cmd_update.c - `trustm update --manifest FILE --fragment FILE...`: apply a protected update
 * data set (SetObjectProtected start / continue / final, protected-update.md §7).
 */
#include <stdio.h>
#include <string.h>

#include "cli_device.h"
#include "cli_util.h"
#include "cmd_protupd.h"

static const char update_help[] =
    "Usage: trustm [global options] update --manifest FILE --fragment FILE [--fragment FILE...]\n"
    "Apply a protected update data set made by trustm-protupd (or protected_update_data_set):\n"
    "the chip checks the signature with the trust anchor named in the manifest, the payload\n"
    "version, the fragment digests (and decrypts with its protected-update secret) and writes\n"
    "the target only when everything verified. The target needs the setup of\n"
    "`trustm provision-setup`. Refusals: 0x07 access conditions, 0x0F invalid manifest, 0x10\n"
    "payload version not newer, 0x2C signature, 0x2D fragment integrity.\n"
    "Options:\n" CLI_PU_HELP;

int cli_pu_load(const cli_pu_args_t *a, const char *cmd, cli_pu_set_t *s)
{
    int rc;
    memset(s, 0, sizeof *s);
    if (a->manifest == NULL)
        return cli_usage_error(cmd, "missing --manifest FILE");
    if (a->n_fragments == 0)
        return cli_usage_error(cmd, "missing --fragment FILE (at least one)");
    if ((rc = cli_file_load(a->manifest, a->hex, cmd, s->manifest, sizeof s->manifest, &s->manifest_len)) !=
        CLI_EXIT_OK)
        return rc;
    if (s->manifest_len == 0 || s->manifest[0] != 0x84u) {
        fprintf(stderr, "trustm %s: %s: not a manifest (a COSE_Sign1 array starts with 84)\n", cmd, a->manifest);
        return CLI_EXIT_FILE;
    }
    for (size_t i = 0; i < a->n_fragments; i++) {
        size_t len = 0;
        uint8_t *dst = s->stream + s->stream_len;
        if ((rc = cli_file_load(a->fragments[i], a->hex, cmd, dst, sizeof s->stream - s->stream_len, &len)) !=
            CLI_EXIT_OK)
            return rc;
        if (len == 0) {
            fprintf(stderr, "trustm %s: %s: empty fragment file\n", cmd, a->fragments[i]);
            return CLI_EXIT_FILE;
        }
        size_t k = 0;
        if (trustm_protupd_split(dst, len, s->frags + s->n, s->lens + s->n, TRUSTM_PROTUPD_MAX_FRAGMENTS - s->n, &k) !=
            TRUSTM_OK) {
            fprintf(stderr, "trustm %s: %s: more than %u fragments in total\n", cmd, a->fragments[i],
                    TRUSTM_PROTUPD_MAX_FRAGMENTS);
            return CLI_EXIT_FILE;
        }
        s->n += k;
        s->stream_len += len;
    }
    for (size_t i = 0; i + 1 < s->n; i++) {
        if (s->lens[i] != TRUSTM_PROTUPD_FRAGMENT_MAX) {
            fprintf(stderr,
                    "trustm %s: fragment %zu has %zu bytes; every fragment but the last must have 640 "
                    "(wrong order of --fragment files?)\n",
                    cmd, i + 1, s->lens[i]);
            return CLI_EXIT_FILE;
        }
    }
    return CLI_EXIT_OK;
}

/* argv -> the data set (the files are input: no device access) */
static int update_parse(cli_globals_t *g, int argc, char **argv, cli_pu_set_t *s)
{
    const char *cmd = "update";
    cli_pu_args_t a;
    memset(&a, 0, sizeof a);
    const cli_opt_t opts[] = {CLI_PU_OPTS(a), {NULL, NULL, NULL, NULL, NULL, 0}};
    cli_io_t io;
    memset(&io, 0, sizeof io);
    int rc = cli_parse(g, &io, 0, cmd, update_help, opts, NULL, argc, argv);
    if (rc != CLI_PARSE_RUN)
        return rc;
    if ((rc = cli_pu_load(&a, cmd, s)) != CLI_EXIT_OK)
        return rc;
    return CLI_PARSE_RUN;
}

static int update_run(const cli_globals_t *g, const cli_pu_set_t *s)
{
    cli_device_t d;
    int rc = cli_device_open(&d, g, "update");
    if (rc != CLI_EXIT_OK)
        return rc;
    trustm_status_t st = trustm_protected_update(&d.dev, s->manifest, s->manifest_len, s->frags, s->lens, s->n);
    if (st != TRUSTM_OK)
        rc = cli_report_status("protected update", st);
    cli_device_close(&d, g);
    return rc;
}

static void update_print(const cli_pu_set_t *s)
{
    printf("protected update applied: manifest %zu bytes, %zu fragment%s (%zu bytes)\n", s->manifest_len, s->n,
           s->n == 1 ? "" : "s", s->stream_len);
}

int do_update(cli_globals_t *g, int argc, char **argv)
{
    static cli_pu_set_t s;
    int rc = update_parse(g, argc, argv, &s);
    if (rc != CLI_PARSE_RUN)
        return rc;
    rc = update_run(g, &s);
    if (rc == CLI_EXIT_OK)
        update_print(&s);
    return rc;
}
