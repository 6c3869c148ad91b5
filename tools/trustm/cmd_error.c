/*
 * cmd_error.c - `trustm error [CODE]`: decode a chip error code (commands.md §3.2), a vendor
 * host code (0x80xx) or a trustm status; without CODE read the Last Error Code (0xF1C2).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_device.h"
#include "cli_util.h"

static const char error_help[] =
    "Usage: trustm [global options] error [CODE]\n"
    "Decode CODE (hex, with or without 0x):\n"
    "  NN          a chip error code, the byte of the Last Error Code object 0xF1C2 (e.g. 07)\n"
    "  80NN        the same code as the vendor host library reports it (e.g. 8007)\n"
    "  LLBBBB      a trustm status (layer << 16 | base), as printed in messages (e.g. 0x00030007)\n"
    "Without CODE, read the chip's Last Error Code (0xF1C2) with a GetDataObject that does not\n"
    "clear it. Reading it clears it; a reset or a command with the flush bit (what trustm sends)\n"
    "clears it too, so this shows errors left by commands of other hosts on the same chip.\n";

static void print_chip_code(uint8_t code)
{
    const char *name = trustm_device_error_str(code);
    if (code == 0u) {
        printf("0x00: no error\n");
        return;
    }
    printf("0x%02X: %s (vendor host code 0x80%02X, trustm status 0x%08lX)\n", code,
           name != NULL ? name : "unknown code (not in the error table)", code, (unsigned long)TRUSTM_DEVICE_ERR(code));
}

static int decode(const char *s)
{
    char *end = NULL;
    unsigned long v;
    errno = 0;
    v = strtoul(s, &end, 16);
    if (*s == '\0' || *s == '-' || *s == '+' || errno != 0 || end == s || *end != '\0' || v > 0xFFFFFFFFul) {
        return cli_usage_error("error", "'%s' is not a hex error code", s);
    }
    if (v <= 0xFFu) {
        print_chip_code((uint8_t)v);
    } else if (v == 0x8000u) {
        printf("0x8000: the chip reported an error whose code could not be read (vendor host code)\n");
    } else if (v >= 0x8001u && v <= 0x80FFu) {
        print_chip_code((uint8_t)(v & 0xFFu));
    } else {
        trustm_status_t st = (trustm_status_t)v;
        if (TRUSTM_STATUS_LAYER(st) == TRUSTM_LAYER_DEVICE) {
            print_chip_code(trustm_status_device_code(st));
        } else if (v > 0x00FFFFFFul) {
            return cli_usage_error("error", "0x%lX is neither a chip code, a host code 0x80NN nor a trustm status", v);
        } else {
            printf("0x%08lX: %s: %s\n", v, trustm_status_layer_str(st), trustm_status_base_str(st));
        }
    }
    return CLI_EXIT_OK;
}

typedef struct error_opts {
    const char *code; /* CODE to decode, or NULL: read the chip's */
} error_opts_t;

typedef struct error_result {
    uint8_t last_error; /* the chip's Last Error Code */
} error_result_t;

static int error_parse(cli_globals_t *g, int argc, char **argv, error_opts_t *o)
{
    cli_io_t io;
    memset(&io, 0, sizeof(io));
    o->code = NULL;
    return cli_parse(g, &io, 0, "error", error_help, NULL, &o->code, argc, argv);
}

/* read F1C2 without clearing it */
static int error_run(const cli_globals_t *g, error_result_t *res)
{
    cli_device_t d;
    static const uint8_t get_last_error[] = {0x01, 0x00, 0x00, 0x06, 0xF1, 0xC2, 0x00, 0x00, 0x00, 0x01};
    uint8_t rsp[16];
    size_t rlen = 0;
    trustm_status_t st;
    int rc = cli_device_open(&d, g, "error");
    if (rc != CLI_EXIT_OK) {
        return rc;
    }
    st = trustm_device_transceive(&d.dev, get_last_error, sizeof(get_last_error), rsp, sizeof(rsp), &rlen);
    if (st != TRUSTM_OK) {
        rc = cli_report_status("read the Last Error Code (F1C2)", st);
    } else if (rlen != 5u || rsp[0] != 0x00u || rsp[2] != 0x00u || rsp[3] != 0x01u) {
        fprintf(stderr, "trustm error: unexpected response to the read of F1C2 (%zu bytes, status %02X)\n", rlen,
                rlen > 0u ? rsp[0] : 0u);
        rc = CLI_EXIT_DEVICE;
    } else {
        res->last_error = rsp[4];
    }
    cli_device_close(&d, g);
    return rc;
}

static void error_print(const error_result_t *res)
{
    printf("Last Error Code (F1C2) ");
    print_chip_code(res->last_error);
}

int do_error(cli_globals_t *g, int argc, char **argv)
{
    error_opts_t o;
    error_result_t res = {0};
    int rc = error_parse(g, argc, argv, &o);
    if (rc != CLI_PARSE_RUN) {
        return rc;
    }
    if (o.code != NULL) {
        return decode(o.code); /* no device: parse and print in one */
    }
    rc = error_run(g, &res);
    if (rc == CLI_EXIT_OK) {
        error_print(&res);
    }
    return rc;
}
