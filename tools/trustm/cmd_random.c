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

int do_random(cli_globals_t *g, int argc, char **argv)
{
    const char *cmd = "random";
    cli_io_t io;
    cli_device_t d;
    const char *n_s = NULL;
    unsigned long n = 0;
    uint8_t rng = TRUSTM_RNG_TRNG;
    uint8_t buf[TRUSTM_RANDOM_MAX];
    trustm_status_t st;
    int rc;
    bool trng = false, drng = false;
    const cli_opt_t opts[] = {{"--trng", NULL, NULL, &trng, NULL, 0},
                              {"--drng", NULL, NULL, &drng, NULL, 0},
                              {NULL, NULL, NULL, NULL, NULL, 0}};
    memset(&io, 0, sizeof(io));
    if ((rc = cli_parse(g, &io, CLI_IO_OUT | CLI_IO_HEX, cmd, random_help, opts, &n_s, argc, argv)) != CLI_PARSE_RUN) {
        return rc;
    }
    if (trng && drng) {
        return cli_usage_error(cmd, "give --trng or --drng, not both");
    }
    rng = drng ? TRUSTM_RNG_DRNG : TRUSTM_RNG_TRNG;
    if (n_s == NULL || cli_parse_uint(n_s, TRUSTM_RANDOM_MIN, TRUSTM_RANDOM_MAX, &n) != 0) {
        return cli_usage_error(cmd, "give the number of bytes, %u..%u", TRUSTM_RANDOM_MIN, TRUSTM_RANDOM_MAX);
    }
    rc = cli_device_open(&d, g, cmd);
    if (rc != CLI_EXIT_OK) {
        return rc;
    }
    st = trustm_random(&d.dev, rng, buf, n);
    if (st != TRUSTM_OK) {
        rc = cli_report_status("GetRandom", st);
    }
    cli_device_close(&d, g);
    if (rc == CLI_EXIT_OK) {
        rc = cli_output_write(&io, cmd, buf, n);
    }
    return rc;
}
