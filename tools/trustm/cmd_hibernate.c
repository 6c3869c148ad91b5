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

int do_hibernate(cli_globals_t *g, int argc, char **argv)
{
    const char *cmd = "hibernate";
    cli_io_t io;
    cli_device_t d;
    const char *sub = NULL, *ctx = NULL;
    unsigned long wait_s = 0;
    bool hex = false;
    uint8_t handle[TRUSTM_CONTEXT_HANDLE_SIZE];
    size_t hlen = 0;
    trustm_status_t st;
    int rc;
    memset(&io, 0, sizeof(io));
    const char *wait_str = NULL;
    const cli_opt_t opts[] = {{"--context", NULL, &ctx, NULL, NULL, 0},
                              {"--wait", NULL, &wait_str, NULL, NULL, 0},
                              {"--hex", NULL, NULL, &hex, NULL, 0},
                              {NULL, NULL, NULL, NULL, NULL, 0}};
    if ((rc = cli_parse(g, &io, 0, cmd, hibernate_help, opts, &sub, argc, argv)) != CLI_PARSE_RUN) {
        return rc;
    }
    if (wait_str != NULL && cli_parse_uint(wait_str, 0, 600, &wait_s) != 0) {
        return cli_usage_error(cmd, "--wait needs seconds 0..600");
    }
    if (sub != NULL && strcmp(sub, "save") != 0 && strcmp(sub, "restore") != 0) {
        return cli_usage_error(cmd, "unexpected argument '%s'", sub);
    }
    if (sub == NULL) {
        return cli_usage_error(cmd, "say `hibernate save` or `hibernate restore`");
    }
    if (ctx == NULL) {
        return cli_usage_error(cmd, "missing --context FILE");
    }
    if (strcmp(sub, "restore") == 0) {
        if (wait_s != 0u) {
            return cli_usage_error(cmd, "--wait belongs to `hibernate save`");
        }
        if ((rc = cli_file_load(ctx, hex, cmd, handle, sizeof(handle), &hlen)) != CLI_EXIT_OK) {
            return rc;
        }
        if (hlen != sizeof(handle)) {
            fprintf(stderr, "trustm hibernate: %s: a context handle is %u bytes, not %zu\n", ctx,
                    TRUSTM_CONTEXT_HANDLE_SIZE, hlen);
            return CLI_EXIT_FILE;
        }
        rc = cli_device_open_restore(&d, g, cmd, handle);
        trustm_wipe(handle, sizeof(handle));
        if (rc != CLI_EXIT_OK) {
            return rc;
        }
        printf("context restored from %s\n", ctx);
        cli_device_close(&d, g);
        return CLI_EXIT_OK;
    }
    rc = cli_device_open(&d, g, cmd);
    if (rc != CLI_EXIT_OK) {
        return rc;
    }
    if (wait_s > 0u) {
        uint8_t sec = 0;
        st = trustm_sec_wait_zero(&d.dev, (uint32_t)wait_s * 1000000u, 0, &sec);
        if (st != TRUSTM_OK) {
            if (TRUSTM_STATUS_BASE(st) == TRUSTM_BASE_TIMEOUT && TRUSTM_STATUS_LAYER(st) == TRUSTM_LAYER_API) {
                fprintf(stderr, "trustm hibernate: the security event counter is still %u after %lu s%s\n", sec, wait_s,
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
    st = trustm_device_hibernate(&d.dev, handle);
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
    rc = cli_file_store(ctx, hex, cmd, handle, sizeof(handle));
    trustm_wipe(handle, sizeof(handle));
    if (rc == CLI_EXIT_OK) {
        printf("context saved, handle written to %s; the chip may now be powered off\n", ctx);
    }
    return rc;
}
