/*
 * cmd_read.c - `trustm read OID`: read a data object (GetDataObject), whole or a range.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_device.h"
#include "cli_hex.h"
#include "cli_util.h"
#include "trustm_bytes.h"

#define READ_MAX 65535u

static const char read_help[] =
    "Usage: trustm [global options] read OID [--offset N] [--length N] [--out FILE] [--hex]\n"
    "Read data object OID (GetDataObject). Without --length everything from --offset to the end\n"
    "of the object's used data is read; the chip's read access condition applies.\n"
    "Options:\n"
    "  --offset N            first byte to read (default 0)\n"
    "  --length N            number of bytes to read (the object may end earlier)\n";

int do_read(cli_globals_t *g, int argc, char **argv)
{
    const char *cmd = "read";
    cli_io_t io;
    cli_device_t d;
    const char *oid_s = NULL;
    unsigned long offset = 0, length = 0;
    bool have_length = false;
    uint16_t oid;
    uint8_t *buf;
    size_t got = 0;
    trustm_status_t st;
    int rc;
    const char *offset_s = NULL, *length_s = NULL;
    const cli_opt_t opts[] = {{"--offset", NULL, &offset_s, NULL, NULL, 0},
                              {"--length", NULL, &length_s, NULL, NULL, 0},
                              {NULL, NULL, NULL, NULL, NULL, 0}};
    memset(&io, 0, sizeof(io));
    if ((rc = cli_parse(g, &io, CLI_IO_OUT | CLI_IO_HEX, cmd, read_help, opts, &oid_s, argc, argv)) != CLI_PARSE_RUN) {
        return rc;
    }
    if (offset_s != NULL && cli_parse_uint(offset_s, 0, 0xFFFF, &offset) != 0) {
        return cli_usage_error(cmd, "--offset needs a number 0..65535");
    }
    if (length_s != NULL && cli_parse_uint(length_s, 1, READ_MAX, &length) != 0) {
        return cli_usage_error(cmd, "--length needs a number 1..65535");
    }
    have_length = length_s != NULL;
    if (oid_s == NULL) {
        return cli_usage_error(cmd, "missing OID (e.g. trustm read F1D0)");
    }
    if ((rc = cli_oid_arg(cmd, "OID", oid_s, &oid)) != CLI_EXIT_OK) {
        return rc;
    }
    if (!have_length) {
        length = READ_MAX - offset;
        if (length == 0u) {
            return cli_usage_error(cmd, "--offset 65535 leaves nothing to read");
        }
    }
    buf = malloc(length > 0u ? length : 1u);
    if (buf == NULL) {
        fprintf(stderr, "trustm read: out of memory\n");
        return CLI_EXIT_FILE;
    }
    rc = cli_device_open(&d, g, cmd);
    if (rc == CLI_EXIT_OK) {
        st = trustm_data_read(&d.dev, oid, (uint16_t)offset, buf, length, &got);
        if (st != TRUSTM_OK) {
            char what[64];
            snprintf(what, sizeof(what), "read %04X", oid);
            rc = cli_report_status(what, st);
        }
        cli_device_close(&d, g);
    }
    if (rc == CLI_EXIT_OK) {
        if (have_length && got < length) {
            fprintf(stderr, "trustm read: note: object %04X ends after %zu of the %lu bytes asked for\n", oid, got,
                    length);
        }
        rc = cli_output_write(&io, cmd, buf, got);
    }
    trustm_wipe(buf, length > 0u ? length : 1u);
    free(buf);
    return rc;
}
