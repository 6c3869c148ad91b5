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

int do_write(cli_globals_t *g, int argc, char **argv)
{
    const char *cmd = "write";
    cli_io_t io;
    cli_device_t d;
    const char *oid_s = NULL;
    unsigned long offset = 0;
    bool erase = false;
    uint16_t oid;
    static uint8_t buf[WRITE_MAX];
    size_t len = 0;
    trustm_status_t st;
    int rc;
    memset(&io, 0, sizeof(io));
    const char *offset_s = NULL;
    const cli_opt_t opts[] = {{"--offset", NULL, &offset_s, NULL, NULL, 0},
                              {"--erase", NULL, NULL, &erase, NULL, 0},
                              {NULL, NULL, NULL, NULL, NULL, 0}};
    if ((rc = cli_parse(g, &io, CLI_IO_IN | CLI_IO_HEX, cmd, write_help, opts, &oid_s, argc, argv)) != CLI_PARSE_RUN) {
        return rc;
    }
    if (offset_s != NULL && cli_parse_uint(offset_s, 0, 0xFFFF, &offset) != 0) {
        return cli_usage_error(cmd, "--offset needs a number 0..65535");
    }
    if (oid_s == NULL) {
        return cli_usage_error(cmd, "missing OID (e.g. trustm write F1D0 --data 0102)");
    }
    if ((rc = cli_oid_arg(cmd, "OID", oid_s, &oid)) != CLI_EXIT_OK) {
        return rc;
    }
    if (offset >= WRITE_MAX) {
        return cli_usage_error(cmd, "--offset %lu leaves no room to write (offset + length <= 65535)", offset);
    }
    if ((rc = cli_input_read(&io, cmd, buf, WRITE_MAX - offset, &len)) != CLI_EXIT_OK) {
        trustm_wipe(buf, sizeof(buf));
        return rc;
    }
    if (len == 0u) {
        return cli_usage_error(cmd, "no data to write (empty input)");
    }
    rc = cli_device_open(&d, g, cmd);
    if (rc != CLI_EXIT_OK) {
        trustm_wipe(buf, len);
        return rc;
    }
    /* the object's maximum size first: erase & write of data that cannot fit would leave the
     * object truncated to the first chunk */
    uint8_t mdb[64];
    size_t mdl = 0;
    trustm_metadata_t md;
    if (trustm_metadata_read(&d.dev, oid, mdb, sizeof(mdb), &mdl) == TRUSTM_OK &&
        trustm_metadata_decode(mdb, mdl, &md) == TRUSTM_OK && (md.present & TRUSTM_MD_HAS_MAX_SIZE) != 0u &&
        offset + len > md.max_size) {
        fprintf(stderr,
                "trustm write: %04X holds at most %u bytes; offset %lu + %zu bytes do not fit: nothing written\n", oid,
                (unsigned)md.max_size, offset, len);
        cli_device_close(&d, g);
        trustm_wipe(buf, len);
        return CLI_EXIT_USAGE;
    }
    st = trustm_data_write(&d.dev, oid, erase ? TRUSTM_ERASE_AND_WRITE : TRUSTM_WRITE_ONLY, (uint16_t)offset, buf, len);
    if (st != TRUSTM_OK) {
        char what[64];
        snprintf(what, sizeof(what), "write %04X", oid);
        rc = cli_report_status(what, st);
    } else {
        printf("%04X: wrote %zu byte%s at offset %lu%s\n", oid, len, len == 1u ? "" : "s", offset,
               erase ? " (object erased first)" : "");
    }
    cli_device_close(&d, g);
    trustm_wipe(buf, len); /* the data may be a secret (a key, a PRESSEC) */
    return rc;
}
