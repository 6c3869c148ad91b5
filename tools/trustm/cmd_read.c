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

typedef struct read_opts {
    cli_io_t io;
    uint16_t oid;
    unsigned long offset, length; /* length: the buffer size (everything to the end if not given) */
    bool have_length;
} read_opts_t;

typedef struct read_result {
    uint8_t *buf; /* length bytes, malloc'd */
    size_t got;
} read_result_t;

static int read_parse(cli_globals_t *g, int argc, char **argv, read_opts_t *o)
{
    const char *cmd = "read";
    const char *oid_s = NULL, *offset_s = NULL, *length_s = NULL;
    int rc;
    const cli_opt_t opts[] = {{"--offset", NULL, &offset_s, NULL, NULL, 0},
                              {"--length", NULL, &length_s, NULL, NULL, 0},
                              {NULL, NULL, NULL, NULL, NULL, 0}};
    memset(o, 0, sizeof(*o));
    if ((rc = cli_parse(g, &o->io, CLI_IO_OUT | CLI_IO_HEX, cmd, read_help, opts, &oid_s, argc, argv)) !=
        CLI_PARSE_RUN) {
        return rc;
    }
    if (offset_s != NULL && cli_parse_uint(offset_s, 0, 0xFFFF, &o->offset) != 0) {
        return cli_usage_error(cmd, "--offset needs a number 0..65535");
    }
    if (length_s != NULL && cli_parse_uint(length_s, 1, READ_MAX, &o->length) != 0) {
        return cli_usage_error(cmd, "--length needs a number 1..65535");
    }
    o->have_length = length_s != NULL;
    if (oid_s == NULL) {
        return cli_usage_error(cmd, "missing OID (e.g. trustm read F1D0)");
    }
    if ((rc = cli_oid_arg(cmd, "OID", oid_s, &o->oid)) != CLI_EXIT_OK) {
        return rc;
    }
    if (!o->have_length) {
        o->length = READ_MAX - o->offset;
        if (o->length == 0u) {
            return cli_usage_error(cmd, "--offset 65535 leaves nothing to read");
        }
    }
    return CLI_PARSE_RUN;
}

/* GetDataObject into res->buf (allocated here; the caller frees it) */
static int read_run(const cli_globals_t *g, const read_opts_t *o, read_result_t *res)
{
    cli_device_t d;
    trustm_status_t st;
    int rc;
    res->buf = malloc(o->length > 0u ? o->length : 1u);
    if (res->buf == NULL) {
        fprintf(stderr, "trustm read: out of memory\n");
        return CLI_EXIT_FILE;
    }
    rc = cli_device_open(&d, g, "read");
    if (rc == CLI_EXIT_OK) {
        st = trustm_data_read(&d.dev, o->oid, (uint16_t)o->offset, res->buf, o->length, &res->got);
        if (st != TRUSTM_OK) {
            char what[64];
            snprintf(what, sizeof(what), "read %04X", o->oid);
            rc = cli_report_status(what, st);
        }
        cli_device_close(&d, g);
    }
    return rc;
}

static int read_print(const read_opts_t *o, const read_result_t *res)
{
    if (o->have_length && res->got < o->length) {
        fprintf(stderr, "trustm read: note: object %04X ends after %zu of the %lu bytes asked for\n", o->oid, res->got,
                o->length);
    }
    return cli_output_write(&o->io, "read", res->buf, res->got);
}

int do_read(cli_globals_t *g, int argc, char **argv)
{
    read_opts_t o;
    read_result_t res = {NULL, 0};
    int rc = read_parse(g, argc, argv, &o);
    if (rc != CLI_PARSE_RUN) {
        return rc;
    }
    rc = read_run(g, &o, &res);
    if (rc == CLI_EXIT_OK) {
        rc = read_print(&o, &res);
    }
    if (res.buf != NULL) {
        trustm_wipe(res.buf, o.length > 0u ? o.length : 1u);
        free(res.buf);
    }
    return rc;
}
