/*
 * cli_device.c - device opening for the trustm subcommands (see cli_device.h).
 */
#define _POSIX_C_SOURCE 200809L

#include "cli_device.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "trustm_pal_sim.h"

static int open_sim(cli_device_t *d, const cli_globals_t *g)
{
    struct stat sb;
    trustm_sim_config_t cfg;
    char err[256];
    if (stat(d->spec.path, &sb) != 0) {
        if (errno == ENOENT) {
            fprintf(stderr, "trustm: simulator state file %s does not exist; create a chip first with\n"
                            "  trustm-sim init --state %s\n", d->spec.path, d->spec.path);
        } else {
            fprintf(stderr, "trustm: simulator state file %s: %s\n", d->spec.path, strerror(errno));
        }
        return CLI_EXIT_DEVICE;
    }
    if (!S_ISREG(sb.st_mode)) {
        fprintf(stderr, "trustm: simulator state file %s is not a regular file\n", d->spec.path);
        return CLI_EXIT_DEVICE;
    }
    memset(&cfg, 0, sizeof(cfg));
    cfg.state_path = d->spec.path;
    err[0] = '\0';
    d->sim = trustm_sim_create(&cfg, err, sizeof(err));
    if (d->sim == NULL) {
        fprintf(stderr, "trustm: cannot load simulator: %s\n", err[0] != '\0' ? err : "unknown error");
        return CLI_EXIT_DEVICE;
    }
    if (g->sim_trace != NULL) {
        d->trace = fopen(g->sim_trace, "w");
        if (d->trace == NULL) {
            fprintf(stderr, "trustm: --sim-trace %s: %s\n", g->sim_trace, strerror(errno));
            return CLI_EXIT_FILE;
        }
        trustm_sim_trace_set(d->sim, d->trace);
    }
    if (trustm_pal_sim_init(&d->pal, d->sim) != TRUSTM_OK) {
        fprintf(stderr, "trustm: cannot attach the simulator port\n");
        return CLI_EXIT_DEVICE;
    }
    return CLI_EXIT_OK;
}

static int open_socket(cli_device_t *d)
{
    trustm_status_t st = trustm_pal_socket_open(&d->sock, d->spec.path, 0);
    if (st != TRUSTM_OK) {
        fprintf(stderr, "trustm: cannot connect to the simulator daemon at %s: %s\n"
                        "  (start it with: trustm-sim serve --state FILE --socket %s)\n",
                d->spec.path, strerror(d->sock.last_errno != 0 ? d->sock.last_errno : EINVAL), d->spec.path);
        return CLI_EXIT_DEVICE;
    }
    trustm_pal_socket_init(&d->pal, &d->sock);
    return CLI_EXIT_OK;
}

static int open_i2c(cli_device_t *d)
{
    trustm_pal_linux_config_t cfg;
    trustm_status_t st;
    trustm_pal_linux_config_default(&cfg, d->spec.path);
    if (d->spec.gpio_chip[0] != '\0') {
        cfg.gpio_chip = d->spec.gpio_chip;
        cfg.rst_line = d->spec.rst_line;
        cfg.vdd_line = d->spec.vdd_line;
    }
    st = trustm_pal_linux_open(&d->lnx, &cfg);
    if (st != TRUSTM_OK) {
        const char *why = d->lnx.last_errno != 0 ? strerror(d->lnx.last_errno) : trustm_status_base_str(st);
        if (st == TRUSTM_STATUS(TRUSTM_LAYER_PAL, TRUSTM_BASE_NOT_SUPPORTED)) {
            why = "this build has no libgpiod support for rst=/vdd=";
        }
        fprintf(stderr, "trustm: cannot open %s%s%s: %s\n", d->spec.path,
                d->spec.gpio_chip[0] != '\0' ? " / gpio " : "", d->spec.gpio_chip, why);
        return CLI_EXIT_DEVICE;
    }
    trustm_pal_linux_init(&d->pal, &d->lnx);
    return CLI_EXIT_OK;
}

int cli_device_open(cli_device_t *d, const cli_globals_t *g, const char *cmd)
{
    char err[256];
    trustm_config_t cfg;
    trustm_status_t st;
    int rc;
    memset(d, 0, sizeof(*d));
    d->kind_open = -1;
    if (cli_devspec_parse(g->device, &d->spec, err, sizeof(err)) != 0) {
        return cli_usage_error(cmd, "%s", err);
    }
    cli_devspec_describe(&d->spec, d->desc, sizeof(d->desc));
    if (g->sim_trace != NULL && d->spec.kind != CLI_DEV_SIM) {
        return cli_usage_error(cmd, "--sim-trace needs an in-process simulator (--device sim:FILE); the "
                                    "daemon records traces itself");
    }
    switch (d->spec.kind) {
    case CLI_DEV_SIM:
        rc = open_sim(d, g);
        break;
    case CLI_DEV_SOCKET:
        rc = open_socket(d);
        break;
    default:
        rc = open_i2c(d);
        break;
    }
    d->kind_open = (int)d->spec.kind;
    if (rc != CLI_EXIT_OK) {
        cli_device_close(d, g);
        return rc;
    }
    /* Own copy of the ops: a Linux port without RST/VDD lines has no set_pin, so the library
     * resets the chip through SOFT_RESET instead of skipping the reset. */
    d->ops = *d->pal.ops;
    if (d->spec.kind == CLI_DEV_I2C && d->lnx.rst == NULL && d->lnx.vdd == NULL) {
        d->ops.set_pin = NULL;
    }
    d->pal.ops = &d->ops;
    memset(&cfg, 0, sizeof(cfg));
    cfg.frame_size = (uint16_t)g->frame_size;
    cfg.i2c_addr = d->spec.addr;
    st = trustm_device_init(&d->dev, &d->pal, &cfg);
    if (st == TRUSTM_OK) {
        st = trustm_device_open(&d->dev);
    }
    if (g->verbose > 0) {
        fprintf(stderr, "trustm: device %s", d->desc);
        if (st == TRUSTM_OK) {
            fprintf(stderr, ", frame size %u\n", trustm_device_frame_size(&d->dev));
        } else {
            fputc('\n', stderr);
        }
    }
    if (st != TRUSTM_OK) {
        char what[360];
        snprintf(what, sizeof(what), "cannot open the chip (%s)", d->desc);
        rc = cli_report_status(what, st);
        cli_device_close(d, g);
        return rc;
    }
    d->app_open = true;
    return CLI_EXIT_OK;
}

void cli_device_close(cli_device_t *d, const cli_globals_t *g)
{
    if (d->app_open) {
        trustm_status_t st = trustm_device_close(&d->dev);
        if (st != TRUSTM_OK && g->verbose > 0) {
            (void)cli_report_status("CloseApplication", st);
        }
        d->app_open = false;
        if (g->verbose > 0) {
            const trustm_stats_t *s = trustm_device_stats(&d->dev);
            fprintf(stderr,
                    "trustm: link stats: %lu transactions, %lu bytes written, %lu bytes read, %lu NACKs, "
                    "%lu retransmits, %lu NAKs sent, %lu NAKs received, %lu re-syncs\n",
                    (unsigned long)s->transactions, (unsigned long)s->bytes_written,
                    (unsigned long)s->bytes_read, (unsigned long)s->nacks, (unsigned long)s->retransmits,
                    (unsigned long)s->naks_sent, (unsigned long)s->naks_received, (unsigned long)s->resyncs);
        }
    }
    switch (d->kind_open) {
    case CLI_DEV_SIM:
        if (d->sim != NULL) {
            trustm_sim_trace_set(d->sim, NULL);
            trustm_sim_destroy(d->sim);
            d->sim = NULL;
        }
        if (d->trace != NULL) {
            fclose(d->trace);
            d->trace = NULL;
        }
        break;
    case CLI_DEV_SOCKET:
        trustm_pal_socket_close(&d->sock);
        break;
    case CLI_DEV_I2C:
        trustm_pal_linux_close(&d->lnx);
        break;
    default:
        break;
    }
    d->kind_open = -1;
}
