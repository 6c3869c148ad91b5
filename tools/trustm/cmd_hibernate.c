/*
 * cmd_hibernate.c - `trustm hibernate save|restore`: CloseApplication with context save (the
 * chip may then be powered off) and OpenApplication restoring that context (commands.md §5.1,
 * §5.2). The 8-byte context handle is kept in a file between the two.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_device.h"
#include "cli_hex.h"
#include "cli_util.h"
#include "trustm_bytes.h"

static const char hibernate_help[] =
    "Usage: trustm [global options] hibernate save --context FILE [--wait SECONDS] [--hex]\n"
    "       trustm [global options] hibernate restore --context FILE [--hex]\n"
    "save: close the application keeping its context (security state, sessions) in the chip\n"
    "(CloseApplication with context save) and write the 8-byte context handle to FILE; the\n"
    "chip may then be powered off. The chip allows this only while its security event\n"
    "counter (E0C5) is 0: --wait polls it for up to SECONDS first.\n"
    "restore: open the application restoring the saved context from the handle in FILE\n"
    "(OpenApplication with context restore). A handle is valid once.\n"
    "Options:\n"
    "  --context FILE        the handle file (binary, or hex text with --hex)\n"
    "  --wait SECONDS        save: wait up to SECONDS (0..600) for the counter to reach 0\n"
    "  --hex                 the handle file is hex text\n";

typedef struct hibernate_opts {
    bool save; /* save, else restore */
    const char *ctx;
    unsigned long wait_s;
    bool hex;
} hibernate_opts_t;

typedef struct hibernate_result {
    uint8_t handle[TRUSTM_CONTEXT_HANDLE_SIZE];
} hibernate_result_t;

static int hibernate_parse(cli_globals_t *g, int argc, char **argv, hibernate_opts_t *o)
{
    const char *cmd = "hibernate";
    cli_io_t io;
    const char *sub = NULL, *wait_str = NULL;
    int rc;
    memset(&io, 0, sizeof(io));
    memset(o, 0, sizeof(*o));
    const cli_opt_t opts[] = {{"--context", NULL, &o->ctx, NULL, NULL, 0},
                              {"--wait", NULL, &wait_str, NULL, NULL, 0},
                              {"--hex", NULL, NULL, &o->hex, NULL, 0},
                              {NULL, NULL, NULL, NULL, NULL, 0}};
    if ((rc = cli_parse(g, &io, 0, cmd, hibernate_help, opts, &sub, argc, argv)) != CLI_PARSE_RUN) {
        return rc;
    }
    if (wait_str != NULL && cli_parse_uint(wait_str, 0, 600, &o->wait_s) != 0) {
        return cli_usage_error(cmd, "--wait needs seconds 0..600");
    }
    if (sub != NULL && strcmp(sub, "save") != 0 && strcmp(sub, "restore") != 0) {
        return cli_usage_error(cmd, "unexpected argument '%s'", sub);
    }
    if (sub == NULL) {
        return cli_usage_error(cmd, "say `hibernate save` or `hibernate restore`");
    }
    if (o->ctx == NULL) {
        return cli_usage_error(cmd, "missing --context FILE");
    }
    o->save = strcmp(sub, "save") == 0;
    if (!o->save && o->wait_s != 0u) {
        return cli_usage_error(cmd, "--wait belongs to `hibernate save`");
    }
    return CLI_PARSE_RUN;
}

/* The handle file of `restore` (input side: no device access). */
static int hibernate_input(const hibernate_opts_t *o, hibernate_result_t *res)
{
    size_t hlen = 0;
    int rc = cli_file_load(o->ctx, o->hex, "hibernate", res->handle, sizeof(res->handle), &hlen);
    if (rc != CLI_EXIT_OK) {
        return rc;
    }
    if (hlen != sizeof(res->handle)) {
        fprintf(stderr, "trustm hibernate: %s: a context handle is %u bytes, not %zu\n", o->ctx,
                TRUSTM_CONTEXT_HANDLE_SIZE, hlen);
        return CLI_EXIT_FILE;
    }
    return CLI_EXIT_OK;
}

/* OpenApplication restoring the context of res->handle */
static int hibernate_run_restore(const cli_globals_t *g, hibernate_result_t *res)
{
    cli_device_t d;
    int rc = cli_device_open_restore(&d, g, "hibernate", res->handle);
    trustm_wipe(res->handle, sizeof(res->handle));
    if (rc != CLI_EXIT_OK) {
        return rc;
    }
    cli_device_close(&d, g);
    return CLI_EXIT_OK;
}

/* (wait for E0C5 = 0), CloseApplication with context save; the handle into res */
static int hibernate_run_save(const cli_globals_t *g, const hibernate_opts_t *o, hibernate_result_t *res)
{
    cli_device_t d;
    trustm_status_t st;
    int rc = cli_device_open(&d, g, "hibernate");
    if (rc != CLI_EXIT_OK) {
        return rc;
    }
    if (o->wait_s > 0u) {
        uint8_t sec = 0;
        st = trustm_sec_wait_zero(&d.dev, (uint32_t)o->wait_s * 1000000u, 0, &sec);
        if (st != TRUSTM_OK) {
            if (TRUSTM_STATUS_BASE(st) == TRUSTM_BASE_TIMEOUT && TRUSTM_STATUS_LAYER(st) == TRUSTM_LAYER_API) {
                fprintf(stderr, "trustm hibernate: the security event counter is still %u after %lu s%s\n", sec,
                        o->wait_s,
                        d.spec.kind == CLI_DEV_I2C ? ""
                                                   : " of the simulator's clock (virtual unless the daemon runs "
                                                     "--clock real); wait longer or let the counter run down");
            }
            rc = cli_report_status("wait for the security event counter to reach 0", st);
            cli_device_close(&d, g);
            return rc;
        }
    }
    cli_device_report_throttle(&d, g);
    st = trustm_device_hibernate(&d.dev, res->handle);
    if (st != TRUSTM_OK) {
        if (st == TRUSTM_DEVICE_ERR(0x0Bu)) {
            fprintf(stderr, "trustm hibernate: the chip saves its context only while the security event counter "
                            "(E0C5) is 0; retry with --wait SECONDS\n");
        }
        rc = cli_report_status("CloseApplication (hibernate)", st);
        cli_device_close(&d, g);
        return rc;
    }
    d.app_open = false; /* the chip closed the application */
    cli_device_close(&d, g);
    return CLI_EXIT_OK;
}

/* save: the handle to its file, then the confirmation (on stderr when the handle went to stdout) */
static int hibernate_print(const hibernate_opts_t *o, hibernate_result_t *res)
{
    FILE *msg = strcmp(o->ctx, "-") == 0 ? stderr : stdout;
    if (!o->save) {
        fprintf(msg, "context restored from %s\n", o->ctx);
        return CLI_EXIT_OK;
    }
    int rc = cli_file_store(o->ctx, o->hex, "hibernate", res->handle, sizeof(res->handle));
    trustm_wipe(res->handle, sizeof(res->handle));
    if (rc == CLI_EXIT_OK) {
        fprintf(msg, "context saved, handle written to %s; the chip may now be powered off\n", o->ctx);
    }
    return rc;
}

int do_hibernate(cli_globals_t *g, int argc, char **argv)
{
    hibernate_opts_t o;
    hibernate_result_t res;
    int rc = hibernate_parse(g, argc, argv, &o);
    if (rc != CLI_PARSE_RUN) {
        return rc;
    }
    memset(&res, 0, sizeof(res));
    if (o.save) {
        rc = hibernate_run_save(g, &o, &res);
    } else if ((rc = hibernate_input(&o, &res)) == CLI_EXIT_OK) {
        rc = hibernate_run_restore(g, &res);
    }
    if (rc == CLI_EXIT_OK) {
        rc = hibernate_print(&o, &res);
    }
    trustm_wipe(res.handle, sizeof(res.handle));
    return rc;
}
