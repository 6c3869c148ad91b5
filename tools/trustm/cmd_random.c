/*
 * cmd_random.c - `trustm random N`: N random bytes from the chip's TRNG or DRNG (GetRandom).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_device.h"
#include "cli_hex.h"
#include "cli_util.h"

static const char random_help[] =
    "Usage: trustm [global options] random N [--trng | --drng] [--out FILE] [--hex]\n"
    "Get N random bytes (8..256) from the chip (GetRandom).\n"
    "Options:\n"
    "  --trng                true random number generator (default)\n"
    "  --drng                deterministic random number generator (seeded by the TRNG)\n";

typedef struct random_opts {
    cli_io_t io;
    uint8_t rng;
    unsigned long n;
} random_opts_t;

typedef struct random_result {
    uint8_t buf[TRUSTM_RANDOM_MAX];
    size_t n;
} random_result_t;

/* argv -> options; CLI_PARSE_RUN or the exit code to return at once */
static int random_parse(cli_globals_t *g, int argc, char **argv, random_opts_t *o)
{
    const char *cmd = "random";
    const char *n_s = NULL;
    bool trng = false, drng = false;
    int rc;
    const cli_opt_t opts[] = {{"--trng", NULL, NULL, &trng, NULL, 0},
                              {"--drng", NULL, NULL, &drng, NULL, 0},
                              {NULL, NULL, NULL, NULL, NULL, 0}};
    memset(o, 0, sizeof(*o));
    if ((rc = cli_parse(g, &o->io, CLI_IO_OUT | CLI_IO_HEX, cmd, random_help, opts, &n_s, argc, argv)) !=
        CLI_PARSE_RUN) {
        return rc;
    }
    if (trng && drng) {
        return cli_usage_error(cmd, "give --trng or --drng, not both");
    }
    o->rng = drng ? TRUSTM_RNG_DRNG : TRUSTM_RNG_TRNG;
    if (n_s == NULL || cli_parse_uint(n_s, TRUSTM_RANDOM_MIN, TRUSTM_RANDOM_MAX, &o->n) != 0) {
        return cli_usage_error(cmd, "give the number of bytes, %u..%u", TRUSTM_RANDOM_MIN, TRUSTM_RANDOM_MAX);
    }
    return CLI_PARSE_RUN;
}

/* the chip's GetRandom into res */
static int random_run(const cli_globals_t *g, const random_opts_t *o, random_result_t *res)
{
    cli_device_t d;
    int rc = cli_device_open(&d, g, "random");
    if (rc != CLI_EXIT_OK) {
        return rc;
    }
    trustm_status_t st = trustm_random(&d.dev, o->rng, o->n, res->buf, o->n, NULL);
    if (st != TRUSTM_OK) {
        rc = cli_report_status("GetRandom", st);
    } else {
        res->n = o->n;
    }
    cli_device_close(&d, g);
    return rc;
}

static int random_print(const random_opts_t *o, const random_result_t *res)
{
    return cli_output_write(&o->io, "random", res->buf, res->n);
}

int do_random(cli_globals_t *g, int argc, char **argv)
{
    random_opts_t o;
    random_result_t res;
    int rc = random_parse(g, argc, argv, &o);
    if (rc != CLI_PARSE_RUN) {
        return rc;
    }
    memset(&res, 0, sizeof(res));
    rc = random_run(g, &o, &res);
    return rc == CLI_EXIT_OK ? random_print(&o, &res) : rc;
}
