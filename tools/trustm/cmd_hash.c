/*
 * cmd_hash.c - `trustm hash`: SHA-256 of a file, computed by the chip (CalcHash), or of a
 * range of a data object.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_device.h"
#include "cli_hex.h"
#include "cli_util.h"

#define HASH_IN_MAX (16u * 1024u * 1024u)

static const char hash_help[] =
    "Usage: trustm [global options] hash [--in FILE | --data HEX | --oid OID [--offset N --length N]]\n"
    "                                    [--out FILE] [--binary]\n"
    "SHA-256 computed by the chip (CalcHash) of a file (default: standard input, at most 16 MiB),\n"
    "of hex data, or of bytes of a data object (its read access condition applies).\n"
    "The digest is printed as hex text unless --binary is given.\n"
    "Options:\n"
    "  --oid OID             hash (part of) the data object OID instead of input data\n"
    "  --offset N            first byte of the object (default 0)\n"
    "  --length N            number of bytes of the object (default: its used size)\n"
    "  --out FILE|-          write the digest to FILE (default: standard output)\n"
    "  --binary              write the 32-byte digest as binary\n"
    "  --json                write {\"bytes\":32,\"hex\":\"...\"}\n";

int do_hash(cli_globals_t *g, int argc, char **argv)
{
    const char *cmd = "hash";
    cli_io_t io;
    cli_device_t d;
    const char *oid_s = NULL;
    unsigned long offset = 0, length = 0;
    bool binary = false, have_length = false;
    uint16_t oid = 0;
    uint8_t *buf = NULL;
    size_t len = 0;
    uint8_t digest[TRUSTM_SHA256_LEN];
    trustm_status_t st;
    int rc;
    memset(&io, 0, sizeof(io));
    const char *offset_s = NULL, *length_s = NULL;
    const cli_opt_t opts[] = {{"--out", "-o", &io.out, NULL, NULL, 0},
                              {"--oid", NULL, &oid_s, NULL, NULL, 0},
                              {"--offset", NULL, &offset_s, NULL, NULL, 0},
                              {"--length", NULL, &length_s, NULL, NULL, 0},
                              {"--binary", NULL, NULL, &binary, NULL, 0},
                              {"--json", NULL, NULL, &io.json, NULL, 0},
                              {NULL, NULL, NULL, NULL, NULL, 0}};
    if ((rc = cli_parse(g, &io, CLI_IO_IN | CLI_IO_HEX, cmd, hash_help, opts, NULL, argc, argv)) != CLI_PARSE_RUN) {
        return rc;
    }
    if (offset_s != NULL && cli_parse_uint(offset_s, 0, 0xFFFF, &offset) != 0) {
        return cli_usage_error(cmd, "--offset needs a number 0..65535");
    }
    if (length_s != NULL && cli_parse_uint(length_s, 1, 0xFFFF, &length) != 0) {
        return cli_usage_error(cmd, "--length needs a number 1..65535");
    }
    have_length = length_s != NULL;
    if (oid_s != NULL) {
        if (io.in != NULL || io.data != NULL) {
            return cli_usage_error(cmd, "--oid excludes --in and --data");
        }
        if ((rc = cli_oid_arg(cmd, "--oid", oid_s, &oid)) != CLI_EXIT_OK) {
            return rc;
        }
    } else {
        if (have_length || offset != 0u) {
            return cli_usage_error(cmd, "--offset and --length need --oid");
        }
        buf = malloc(HASH_IN_MAX);
        if (buf == NULL) {
            fprintf(stderr, "trustm hash: out of memory\n");
            return CLI_EXIT_FILE;
        }
        if ((rc = cli_input_read(&io, cmd, buf, HASH_IN_MAX, &len)) != CLI_EXIT_OK) {
            free(buf);
            return rc;
        }
        if (len == 0u) {
            free(buf);
            fprintf(stderr, "trustm hash: the input is empty (the chip hashes 1 byte or more)\n");
            return CLI_EXIT_FILE;
        }
    }
    rc = cli_device_open(&d, g, cmd);
    if (rc != CLI_EXIT_OK) {
        free(buf);
        return rc;
    }
    if (oid_s != NULL && !have_length) {
        /* whole object: its used size is the length */
        uint8_t mdb[TRUSTM_MD_MAX_LEN + 2u];
        size_t mdl = 0;
        trustm_metadata_t md;
        st = trustm_metadata_read(&d.dev, oid, mdb, sizeof(mdb), &mdl);
        if (st == TRUSTM_OK) {
            st = trustm_metadata_decode(mdb, mdl, &md);
        }
        if (st == TRUSTM_OK && (md.present & TRUSTM_MD_HAS_USED_SIZE) == 0u) {
            fprintf(stderr, "trustm hash: the metadata of %04X has no used size; give --length\n", oid);
            cli_device_close(&d, g);
            return CLI_EXIT_USAGE;
        }
        if (st == TRUSTM_OK) {
            length = md.used_size > offset ? md.used_size - offset : 0u;
            if (length == 0u) {
                fprintf(stderr, "trustm hash: object %04X has no data after offset %lu\n", oid, offset);
                cli_device_close(&d, g);
                return CLI_EXIT_USAGE;
            }
        }
    } else {
        st = TRUSTM_OK;
    }
    if (st == TRUSTM_OK) {
        if (oid_s != NULL) {
            st = trustm_sha256_object(&d.dev, oid, (uint16_t)offset, (uint16_t)length, digest);
        } else {
            st = trustm_sha256(&d.dev, buf, len, digest);
        }
    }
    if (st != TRUSTM_OK) {
        rc = cli_report_status("CalcHash", st);
    }
    cli_device_close(&d, g);
    free(buf);
    if (rc == CLI_EXIT_OK) {
        if (io.json) {
            rc = cli_output_write(&io, cmd, digest, sizeof(digest));
        } else {
            rc = cli_file_store(io.out != NULL ? io.out : "-", !binary, cmd, digest, sizeof(digest));
        }
    }
    return rc;
}
