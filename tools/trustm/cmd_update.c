/*
 * cmd_update.c - `trustm update --manifest FILE --fragment FILE...`: apply a protected update
 * data set (SetObjectProtected start / continue / final, protected-update.md §7).
 */
#include <stdio.h>
#include <string.h>

#include "cli_device.h"
#include "cli_util.h"
#include "cmd_protupd.h"

const char cli_pu_help[] =
    "  --manifest FILE       the manifest (binary, e.g. trustm-protupd --out-manifest / --out-dir)\n"
    "  --fragment FILE       a fragment file, or a stream of fragments (--out-fragments) that is\n"
    "                        cut at 640 bytes; repeat in order for fragment_01.bin, _02.bin ...\n"
    "  --hex                 the files are hex text instead of binary\n";

static const char update_help[] =
    "Usage: trustm [global options] update --manifest FILE --fragment FILE [--fragment FILE...]\n"
    "Apply a protected update data set made by trustm-protupd (or protected_update_data_set):\n"
    "the chip checks the signature with the trust anchor named in the manifest, the payload\n"
    "version, the fragment digests (and decrypts with its protected-update secret) and writes\n"
    "the target only when everything verified. The target needs the setup of\n"
    "`trustm provision-setup`. Refusals: 0x07 access conditions, 0x0F invalid manifest, 0x10\n"
    "payload version not newer, 0x2C signature, 0x2D fragment integrity.\n"
    "Options:\n";

int cli_pu_option(cli_pu_args_t *a, const char *cmd, int argc, char **argv, int *i)
{
    const char *v;
    bool err = false;
    if ((v = cli_opt_value(argc, argv, i, "--manifest", NULL, &err)) != NULL || err) {
        if (err) {
            cli_usage_error(cmd, "--manifest needs a file name");
            return -1;
        }
        a->manifest = v;
        return 1;
    }
    if ((v = cli_opt_value(argc, argv, i, "--fragment", NULL, &err)) != NULL || err) {
        if (err) {
            cli_usage_error(cmd, "--fragment needs a file name");
            return -1;
        }
        if (a->n_fragments == TRUSTM_PROTUPD_MAX_FRAGMENTS) {
            cli_usage_error(cmd, "more than %u --fragment files", TRUSTM_PROTUPD_MAX_FRAGMENTS);
            return -1;
        }
        a->fragments[a->n_fragments++] = v;
        return 1;
    }
    if (strcmp(argv[*i], "--hex") == 0) {
        a->hex = true;
        (*i)++;
        return 1;
    }
    return 0;
}

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
        size_t k = trustm_protupd_split(dst, len, s->frags + s->n, s->lens + s->n, TRUSTM_PROTUPD_MAX_FRAGMENTS - s->n);
        if (k == 0) {
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

int do_update(cli_globals_t *g, int argc, char **argv)
{
    const char *cmd = "update";
    cli_pu_args_t a;
    static cli_pu_set_t s;
    cli_device_t d;
    memset(&a, 0, sizeof a);
    for (int i = 1; i < argc;) {
        int r = cli_pu_option(&a, cmd, argc, argv, &i);
        if (r < 0)
            return CLI_EXIT_USAGE;
        if (r == 1)
            continue;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(update_help, stdout);
            fputs(cli_pu_help, stdout);
            fputs(cli_global_help, stdout);
            return CLI_EXIT_OK;
        }
        r = cli_global_option(g, argc, argv, &i);
        if (r < 0)
            return CLI_EXIT_USAGE;
        if (r == 1)
            continue;
        return cli_usage_error(cmd, argv[i][0] == '-' ? "unknown option '%s'" : "unexpected argument '%s'", argv[i]);
    }
    int rc = cli_pu_load(&a, cmd, &s);
    if (rc != CLI_EXIT_OK)
        return rc;
    if ((rc = cli_device_open(&d, g, cmd)) != CLI_EXIT_OK)
        return rc;
    trustm_status_t st = trustm_protected_update(&d.dev, s.manifest, s.manifest_len, s.frags, s.lens, s.n);
    if (st != TRUSTM_OK)
        rc = cli_report_status("protected update", st);
    else
        printf("protected update applied: manifest %zu bytes, %zu fragment%s (%zu bytes)\n", s.manifest_len, s.n,
               s.n == 1 ? "" : "s", s.stream_len);
    cli_device_close(&d, g);
    return rc;
}
