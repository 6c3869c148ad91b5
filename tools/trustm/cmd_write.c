/*
 * cmd_write.c - `trustm write OID`: write a data object (SetDataObject), optionally erasing it.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_device.h"
#include "cli_hex.h"
#include "cli_util.h"
#include "trustm_bytes.h"

#define WRITE_MAX 65535u

static const char write_help[] =
    "Usage: trustm [global options] write OID [--offset N] [--erase] (--in FILE | --data HEX) [--hex]\n"
    "Write data to object OID (SetDataObject) at --offset. The object's used size becomes\n"
    "max(used size, offset + length); with --erase the object is cleared first (erase and\n"
    "write). The chip's change access condition applies. Data longer than the object holds\n"
    "(its maximum size, metadata C4) is refused before anything is written. Data over one\n"
    "command (about 1.5 KB) is written in several commands, which the chip cannot make atomic:\n"
    "a failure part-way leaves the object with the chunks written so far.\n"
    "Options:\n"
    "  --offset N            first byte to write (default 0)\n"
    "  --erase               erase the object, then write\n";

typedef struct write_opts {
    cli_io_t io;
    uint16_t oid;
    unsigned long offset;
    bool erase;
} write_opts_t;

/* the data to write (read from --in/--data by write_input) */
typedef struct write_data {
    uint8_t buf[WRITE_MAX];
    size_t len;
} write_data_t;

static int write_parse(cli_globals_t *g, int argc, char **argv, write_opts_t *o)
{
    const char *cmd = "write";
    const char *oid_s = NULL, *offset_s = NULL;
    int rc;
    memset(o, 0, sizeof(*o));
    const cli_opt_t opts[] = {{"--offset", NULL, &offset_s, NULL, NULL, 0},
                              {"--erase", NULL, NULL, &o->erase, NULL, 0},
                              {NULL, NULL, NULL, NULL, NULL, 0}};
    if ((rc = cli_parse(g, &o->io, CLI_IO_IN | CLI_IO_HEX, cmd, write_help, opts, &oid_s, argc, argv)) !=
        CLI_PARSE_RUN) {
        return rc;
    }
    if (offset_s != NULL && cli_parse_uint(offset_s, 0, 0xFFFF, &o->offset) != 0) {
        return cli_usage_error(cmd, "--offset needs a number 0..65535");
    }
    if (oid_s == NULL) {
        return cli_usage_error(cmd, "missing OID (e.g. trustm write F1D0 --data 0102)");
    }
    if ((rc = cli_oid_arg(cmd, "OID", oid_s, &o->oid)) != CLI_EXIT_OK) {
        return rc;
    }
    if (o->offset >= WRITE_MAX) {
        return cli_usage_error(cmd, "--offset %lu leaves no room to write (offset + length <= 65535)", o->offset);
    }
    return CLI_PARSE_RUN;
}

/* The data from --in / --data (still part of the input side: no device access). */
static int write_input(const write_opts_t *o, write_data_t *w)
{
    int rc = cli_input_read(&o->io, "write", w->buf, WRITE_MAX - o->offset, &w->len);
    if (rc != CLI_EXIT_OK) {
        return rc;
    }
    if (w->len == 0u) {
        return cli_usage_error("write", "no data to write (empty input)");
    }
    return CLI_EXIT_OK;
}

/* the size check against the object's metadata, then SetDataObject */
static int write_run(const cli_globals_t *g, const write_opts_t *o, const write_data_t *w)
{
    cli_device_t d;
    trustm_status_t st;
    int rc = cli_device_open(&d, g, "write");
    if (rc != CLI_EXIT_OK) {
        return rc;
    }
    /* the object's maximum size first: erase & write of data that cannot fit would leave the
     * object truncated to the first chunk */
    uint8_t mdb[64];
    size_t mdl = 0;
    trustm_metadata_t md;
    if (trustm_metadata_read(&d.dev, o->oid, mdb, sizeof(mdb), &mdl) == TRUSTM_OK &&
        trustm_metadata_decode(mdb, mdl, &md) == TRUSTM_OK && (md.present & TRUSTM_MD_HAS_MAX_SIZE) != 0u &&
        o->offset + w->len > md.max_size) {
        fprintf(stderr,
                "trustm write: %04X holds at most %u bytes; offset %lu + %zu bytes do not fit: nothing written\n",
                o->oid, (unsigned)md.max_size, o->offset, w->len);
        cli_device_close(&d, g);
        return CLI_EXIT_USAGE;
    }
    st = trustm_data_write(&d.dev, o->oid, o->erase ? TRUSTM_ERASE_AND_WRITE : TRUSTM_WRITE_ONLY, (uint16_t)o->offset,
                           w->buf, w->len);
    if (st != TRUSTM_OK) {
        char what[64];
        snprintf(what, sizeof(what), "write %04X", o->oid);
        rc = cli_report_status(what, st);
    }
    cli_device_close(&d, g);
    return rc;
}

static void write_print(const write_opts_t *o, const write_data_t *w)
{
    printf("%04X: wrote %zu byte%s at offset %lu%s\n", o->oid, w->len, w->len == 1u ? "" : "s", o->offset,
           o->erase ? " (object erased first)" : "");
}

int do_write(cli_globals_t *g, int argc, char **argv)
{
    write_opts_t o;
    static write_data_t w;
    int rc = write_parse(g, argc, argv, &o);
    if (rc != CLI_PARSE_RUN) {
        return rc;
    }
    w.len = 0;
    rc = write_input(&o, &w);
    if (rc == CLI_EXIT_OK) {
        rc = write_run(g, &o, &w);
    }
    if (rc == CLI_EXIT_OK) {
        write_print(&o, &w);
    }
    trustm_wipe(w.buf, sizeof(w.buf)); /* the data may be a secret (a key, a PRESSEC) */
    return rc;
}
