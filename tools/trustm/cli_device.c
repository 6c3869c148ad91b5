/*
 * cli_device.c - device opening for the trustm subcommands (see cli_device.h).
 */
#define _POSIX_C_SOURCE 200809L

#include "cli_device.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "trustm_pal_sim.h"
#include "trustm_shield_mbedtls.h"
#include "cli_hex.h"
#include "trustm_bytes.h"
#include <stdlib.h>

/* Opcode of the daemon's statistics request (docs/sim-socket.md, control messages). */
#define CLI_SOCK_OP_STATS     0x4Bu
#define CLI_SOCK_STATS_FIELDS 12u

/* ---- port wrappers: account the security monitor's throttling of each command ---- */

static void throttle_check(cli_device_t *d)
{
    uint64_t commands = 0, throttle = 0;
    if (d->kind_open == CLI_DEV_SIM && d->sim != NULL) {
        trustm_sim_stats_t st;
        trustm_sim_stats_get(d->sim, &st);
        commands = st.commands;
        throttle = st.throttle_us;
    } else if (d->kind_open == CLI_DEV_SOCKET) {
        uint8_t rsp[8u * CLI_SOCK_STATS_FIELDS];
        uint8_t status = 0xFFu;
        size_t len = 0;
        if (trustm_pal_socket_request(&d->sock, CLI_SOCK_OP_STATS, 0, NULL, 0, &status, rsp, sizeof(rsp), &len) !=
                TRUSTM_OK ||
            status != TRUSTM_SOCK_ST_ACK || len != sizeof(rsp)) {
            return; /* a daemon without statistics: nothing to report */
        }
        for (unsigned k = 0; k < 8u; k++) {
            commands = (commands << 8) | rsp[8u * 8u + k];
            throttle = (throttle << 8) | rsp[8u * 11u + k];
        }
    } else {
        return;
    }
    if (commands != d->sim_commands) {
        d->sim_commands = commands;
        if (throttle > 0u) {
            d->throttle_us += throttle;
            d->throttled_cmds++;
        }
    }
}

#define CLI_PROGRESS_AFTER_US 1000000u
#define CLI_PROGRESS_EVERY_US 250000u

static uint64_t real_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Called on every bus transaction: past a second of real time, one line on a terminal. */
static void progress_tick(cli_device_t *d)
{
    if (!d->progress_tty) {
        return;
    }
    uint64_t now = real_now_us();
    if (now - d->progress_t0_us < CLI_PROGRESS_AFTER_US || now < d->progress_next_us) {
        return;
    }
    d->progress_next_us = now + CLI_PROGRESS_EVERY_US;
    d->progress_shown = true;
    fprintf(stderr, "\rtrustm %s: the chip is working... %.1f s", d->cmd != NULL ? d->cmd : "",
            (double)(now - d->progress_t0_us) / 1e6);
    fflush(stderr);
}

static void progress_clear(cli_device_t *d)
{
    if (d->progress_shown) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
        d->progress_shown = false;
    }
}

static trustm_status_t wrap_write(void *ctx, uint8_t addr7, const uint8_t *buf, size_t len)
{
    cli_device_t *d = ctx;
    trustm_status_t st = d->inner_ops->i2c_write(d->inner_ctx, addr7, buf, len);
    d->data_selected = st == TRUSTM_OK && len == 1u && buf != NULL && buf[0] == 0x80u;
    if (d->kind_open == CLI_DEV_SIM) {
        throttle_check(d);
    }
    return st;
}

static trustm_status_t wrap_read(void *ctx, uint8_t addr7, uint8_t *buf, size_t len)
{
    cli_device_t *d = ctx;
    trustm_status_t st = d->inner_ops->i2c_read(d->inner_ctx, addr7, buf, len);
    progress_tick(d);
    /* A response frame was read: the command it answers has been executed. */
    if (d->kind_open == CLI_DEV_SIM || (st == TRUSTM_OK && d->data_selected)) {
        throttle_check(d);
    }
    return st;
}

static uint64_t wrap_now(void *ctx)
{
    cli_device_t *d = ctx;
    return d->inner_ops->now_us(d->inner_ctx);
}

static void wrap_sleep(void *ctx, uint32_t us)
{
    cli_device_t *d = ctx;
    d->inner_ops->sleep_us(d->inner_ctx, us);
}

static trustm_status_t wrap_pin(void *ctx, trustm_pal_pin_t pin, bool high)
{
    cli_device_t *d = ctx;
    return d->inner_ops->set_pin(d->inner_ctx, pin, high);
}

static const char *sim_hint(void *ctx)
{
    const cli_device_t *d = ctx;
    return d->sim != NULL ? trustm_sim_storage_error(d->sim) : NULL;
}

static int open_sim(cli_device_t *d, const cli_globals_t *g)
{
    struct stat sb;
    trustm_sim_config_t cfg;
    char err[256];
    if (stat(d->spec.path, &sb) != 0) {
        if (errno == ENOENT) {
            fprintf(stderr,
                    "trustm: simulator state file %s does not exist; create a chip first with\n"
                    "  trustm-sim init --state %s\n",
                    d->spec.path, d->spec.path);
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
        d->trace = strcmp(g->sim_trace, "-") == 0 ? stdout : fopen(g->sim_trace, "w");
        if (d->trace == NULL) {
            fprintf(stderr, "trustm: --sim-trace %s: %s\n", g->sim_trace, strerror(errno));
            return CLI_EXIT_FILE;
        }
        trustm_sim_trace_set(d->sim, d->trace);
    }
    cli_set_status_hint(sim_hint, d);
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
        fprintf(stderr,
                "trustm: cannot connect to the simulator daemon at %s: %s\n"
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
    cfg.max_transfer = (uint16_t)d->spec.max_transfer;
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

/* ---- Shielded Connection: the platform binding secret file ---- */

const char *cli_pbs_path(const cli_globals_t *g)
{
    const char *p = g->pbs_file != NULL ? g->pbs_file : getenv("TRUSTM_PBS_FILE");
    return p != NULL && p[0] != '\0' ? p : NULL;
}

int cli_pbs_read(const char *path, uint8_t *out, size_t out_size, size_t *out_len, char *err, size_t errlen)
{
    uint8_t text[3 * 64 + 16];
    size_t n = 0;
    char why[128];
    if (cli_file_read(path, text, sizeof(text) - 1, &n, err, errlen) != 0) {
        return -1;
    }
    text[n] = '\0';
    int rc = cli_hex_parse((const char *)text, out, out_size, out_len, why, sizeof(why));
    trustm_wipe(text, sizeof(text));
    if (rc != 0 || *out_len == 0) {
        snprintf(err, errlen, "%s: not a platform binding secret (1..64 bytes as hex)%s%s", path, rc != 0 ? ": " : "",
                 rc != 0 ? why : "");
        trustm_wipe(out, out_size);
        return -1;
    }
    return 0;
}

static int pbs_reader(void *user, uint8_t *out, size_t out_size, size_t *out_len)
{
    cli_device_t *d = user;
    char err[300];
    if (cli_pbs_read(d->pbs_path, out, out_size, out_len, err, sizeof(err)) != 0) {
        fprintf(stderr, "trustm: %s\n", err);
        return -1;
    }
    return 0;
}

/* --protect: set up the shield for trustm_device_init. */
static int shield_setup(cli_device_t *d, const cli_globals_t *g, const char *cmd, trustm_config_t *cfg)
{
    if (!g->protect_set) {
        return CLI_EXIT_OK;
    }
    d->pbs_path = cli_pbs_path(g);
    if (d->pbs_path == NULL) {
        return cli_usage_error(cmd, "--protect needs the platform binding secret: --pbs-file FILE or "
                                    "TRUSTM_PBS_FILE (written by `trustm pair`)");
    }
    trustm_shield_config_t sc;
    memset(&sc, 0, sizeof(sc));
    sc.crypto = trustm_shield_crypto_mbedtls();
    sc.read_secret = pbs_reader;
    sc.secret_user = d;
    sc.default_level = g->protect;
    if (trustm_shield_init(&d->shield, &sc) != TRUSTM_OK) {
        return cli_usage_error(cmd, "--protect: cannot set up the Shielded Connection");
    }
    cfg->shield = &d->shield;
    return CLI_EXIT_OK;
}

int cli_device_open(cli_device_t *d, const cli_globals_t *g, const char *cmd)
{
    return cli_device_open_restore(d, g, cmd, NULL);
}

int cli_device_open_restore(cli_device_t *d, const cli_globals_t *g, const char *cmd, const uint8_t *handle)
{
    char err[256];
    trustm_config_t cfg;
    trustm_status_t st;
    int rc;
    memset(d, 0, sizeof(*d));
    d->kind_open = -1;
    d->cmd = cmd;
    d->progress_tty = isatty(STDERR_FILENO) != 0 && getenv("TRUSTM_NO_PROGRESS") == NULL;
    d->progress_t0_us = real_now_us();
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
    d->inner_ops = d->pal.ops;
    d->inner_ctx = d->pal.ctx;
    d->ops.i2c_write = wrap_write;
    d->ops.i2c_read = wrap_read;
    d->ops.now_us = wrap_now;
    d->ops.sleep_us = d->inner_ops->sleep_us != NULL ? wrap_sleep : NULL;
    d->ops.set_pin = d->inner_ops->set_pin != NULL ? wrap_pin : NULL;
    if (d->spec.kind == CLI_DEV_I2C && d->lnx.rst == NULL && d->lnx.vdd == NULL) {
        d->ops.set_pin = NULL;
    }
    d->pal.ops = &d->ops;
    d->pal.ctx = d;
    memset(&cfg, 0, sizeof(cfg));
    cfg.frame_size = (uint16_t)g->frame_size;
    if (d->spec.kind == CLI_DEV_I2C && d->spec.max_transfer != 0u) {
        /* negotiate the frame size down to what the adapter can transfer */
        cfg.frame_size = trustm_pal_linux_frame_size(&d->lnx, cfg.frame_size);
    }
    cfg.i2c_addr = d->spec.addr;
    rc = shield_setup(d, g, cmd, &cfg);
    if (rc != CLI_EXIT_OK) {
        cli_device_close(d, g);
        return rc;
    }
    st = trustm_device_init(&d->dev, &d->pal, &cfg);
    if (st == TRUSTM_OK) {
        st = handle != NULL ? trustm_device_open_restore(&d->dev, handle) : trustm_device_open(&d->dev);
    }
    if (g->verbose > 0) {
        fprintf(stderr, "trustm: device %s", d->desc);
        if (st == TRUSTM_OK) {
            fprintf(stderr, ", frame size %u\n", trustm_device_frame_size(&d->dev));
        } else {
            fputc('\n', stderr);
        }
    }
    if (st != TRUSTM_OK && handle != NULL && TRUSTM_STATUS_LAYER(st) == TRUSTM_LAYER_DEVICE) {
        fprintf(stderr,
                "trustm %s: the chip has no saved context for this handle (a context restores only once, "
                "and not after a reset or another open): run the command without restoring\n",
                cmd);
        cli_device_close(d, g);
        return CLI_EXIT_CHIP;
    }
    if (st != TRUSTM_OK) {
        char what[360];
        snprintf(what, sizeof(what), "cannot open the chip (%s)", d->desc);
        rc = cli_report_status(what, st);
        cli_device_close(d, g);
        return rc;
    }
    d->app_open = true;
    throttle_check(d);
    d->throttle_us = 0;
    d->throttled_cmds = 0;
    d->t_open_us = d->ops.now_us(d);
    return CLI_EXIT_OK;
}

/* Elapsed time of a run on a real chip above which the counter is worth a look. */
#define CLI_SLOW_RUN_US 1000000u

void cli_device_report_throttle(cli_device_t *d, const cli_globals_t *g)
{
    uint8_t sec = 0;
    bool have_sec;
    (void)g;
    if (!d->app_open) {
        return;
    }
    if (d->kind_open == CLI_DEV_I2C) {
        uint64_t el = d->ops.now_us(d) - d->t_open_us;
        if (el < CLI_SLOW_RUN_US || trustm_byte_read(&d->dev, TRUSTM_OID_SEC, &sec) != TRUSTM_OK || sec == 0u) {
            return;
        }
        fprintf(stderr,
                "trustm: note: this took %lu.%03lu s and the security event counter (E0C5) is %u: the chip's "
                "security monitor delays protected operations while it is high\n",
                (unsigned long)(el / 1000000u), (unsigned long)(el / 1000u % 1000u), sec);
        return;
    }
    if (d->throttle_us == 0u) {
        return;
    }
    have_sec = trustm_byte_read(&d->dev, TRUSTM_OID_SEC, &sec) == TRUSTM_OK;
    fprintf(stderr, "trustm: note: slow because the chip's security monitor throttled %lu command%s by %lu.%03lu s",
            (unsigned long)d->throttled_cmds, d->throttled_cmds == 1u ? "" : "s",
            (unsigned long)(d->throttle_us / 1000000u), (unsigned long)(d->throttle_us / 1000u % 1000u));
    if (have_sec) {
        fprintf(stderr, " (security event counter E0C5 = %u)", sec);
    }
    fputc('\n', stderr);
    d->throttle_us = 0;
    d->throttled_cmds = 0;
}

void cli_device_close(cli_device_t *d, const cli_globals_t *g)
{
    progress_clear(d);
    cli_device_report_throttle(d, g);
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
                    (unsigned long)s->transactions, (unsigned long)s->bytes_written, (unsigned long)s->bytes_read,
                    (unsigned long)s->nacks, (unsigned long)s->retransmits, (unsigned long)s->naks_sent,
                    (unsigned long)s->naks_received, (unsigned long)s->resyncs);
        }
    }
    switch (d->kind_open) {
    case CLI_DEV_SIM:
        if (d->sim != NULL) {
            cli_set_status_hint(NULL, NULL);
            trustm_sim_trace_set(d->sim, NULL);
            trustm_sim_destroy(d->sim);
            d->sim = NULL;
        }
        if (d->trace == stdout) {
            fflush(stdout);
        } else if (d->trace != NULL) {
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
    trustm_shield_wipe(&d->shield);
    d->kind_open = -1;
}
