/*
 * cmd_trace.c - `trustm trace FILE`: decode a recorded bus trace (trace_decode.h).
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_util.h"
#include "trace_decode.h"

static const char trace_help[] =
    "Usage: trustm trace [--no-summary] [--no-sleep] FILE|-\n"
    "Decode an I2C bus trace of the chip into one line per bus event, with the register,\n"
    "frame (FCTR, LEN, FCS check), packet (PCTR: chain, presence, SCTR) and APDU (command\n"
    "name, parameters, OID; response status and length) below it. Chained packets are\n"
    "reassembled; retransmitted frames are marked. No device is needed.\n"
    "Input formats (may be mixed):\n"
    "  trustm-sim traces:  @<time_us> W|R <hex>, @<t> NACK W|R, @<t> POWER ON|OFF,\n"
    "                      @<t> RST LOW|HIGH, @<t> SLEEP <us>  (trustm-sim, --sim-trace)\n"
    "  spec transcripts:   W <hex>, R <hex>, F <hex>, '#' comments, XX/YY/ZZ wildcard bytes\n"
    "Options:\n"
    "  --no-summary   omit the final summary line\n"
    "  --no-sleep     omit SLEEP events (guard times and polling waits of simulator traces)\n"
    "Exit code 4 when the file cannot be read or has lines that cannot be parsed; protocol\n"
    "anomalies in a well-formed trace (bad FCS, NAKs, ...) are decoded, not failures.\n\n";

typedef struct trace_opts {
    const char *path; /* FILE or "-" */
    bool summary, no_sleep;
} trace_opts_t;

/* argv -> options. Hand-rolled rather than cli_parse(): a second file has its own message and
 * `-` is the file, not an option. */
static int trace_parse(cli_globals_t *g, int argc, char **argv, trace_opts_t *o)
{
    o->path = NULL;
    o->summary = true;
    o->no_sleep = false;
    for (int i = 1; i < argc;) {
        int r;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            printf("%s%s", trace_help, cli_global_help);
            return CLI_EXIT_OK;
        }
        if (strcmp(argv[i], "--no-sleep") == 0) {
            o->no_sleep = true;
            i++;
            continue;
        }
        if (strcmp(argv[i], "--no-summary") == 0) {
            o->summary = false;
            i++;
            continue;
        }
        if (strcmp(argv[i], "-") == 0 || argv[i][0] != '-') {
            if (o->path != NULL) {
                return cli_usage_error("trace", "only one trace file may be given");
            }
            o->path = argv[i++];
            continue;
        }
        r = cli_global_option(g, argc, argv, &i);
        if (r < 0) {
            return CLI_EXIT_USAGE;
        }
        if (r == 0) {
            return cli_usage_error("trace", "unknown option '%s'", argv[i]);
        }
    }
    if (o->path == NULL) {
        return cli_usage_error("trace", "missing trace FILE (or '-' for standard input)");
    }
    return CLI_PARSE_RUN;
}

/* Decode the trace (no device): the decoder prints each event as it goes, as a stream. */
static int trace_run(const cli_globals_t *g, const trace_opts_t *o)
{
    const char *path = o->path;
    char *line = NULL;
    size_t cap = 0;
    unsigned long lineno = 0;
    trace_dec_t *d;
    int rc = CLI_EXIT_OK;
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "trustm trace: %s: %s\n", path, strerror(errno));
        return CLI_EXIT_FILE;
    }
    d = malloc(sizeof(*d)); /* large (reassembly buffers); the tool may allocate */
    if (d == NULL) {
        if (f != stdin) {
            fclose(f);
        }
        fprintf(stderr, "trustm trace: out of memory\n");
        return CLI_EXIT_FILE;
    }
    trace_dec_init(d, stdout);
    d->hide_sleep = o->no_sleep;
    while (getline(&line, &cap, f) >= 0) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        (void)trace_dec_line(d, line, lineno);
    }
    if (ferror(f)) {
        fprintf(stderr, "trustm trace: %s: read error: %s\n", path, strerror(errno));
        rc = CLI_EXIT_FILE;
    }
    if (o->summary) {
        trace_dec_finish(d);
    }
    if (d->st.parse_errors > 0u) {
        fprintf(stderr, "trustm trace: %s: %lu line(s) could not be parsed\n", path, d->st.parse_errors);
        rc = CLI_EXIT_FILE;
    }
    if (g->verbose > 0) {
        fprintf(stderr, "trustm trace: %lu lines\n", lineno);
    }
    free(line);
    free(d);
    if (f != stdin) {
        fclose(f);
    }
    return rc;
}

int do_trace(cli_globals_t *g, int argc, char **argv)
{
    trace_opts_t o;
    int rc = trace_parse(g, argc, argv, &o);
    return rc == CLI_PARSE_RUN ? trace_run(g, &o) : rc;
}
