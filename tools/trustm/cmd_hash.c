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

typedef struct hash_opts {
    cli_io_t io;
    bool use_oid; /* hash a data object instead of input data */
    uint16_t oid;
    unsigned long offset, length;
    bool have_length, binary;
} hash_opts_t;

typedef struct hash_result {
    uint8_t *buf; /* the input data (malloc'd; NULL with --oid) */
    size_t len;
    uint8_t digest[TRUSTM_SHA256_LEN];
} hash_result_t;

static int hash_parse(cli_globals_t *g, int argc, char **argv, hash_opts_t *o)
{
    const char *cmd = "hash";
    const char *oid_s = NULL, *offset_s = NULL, *length_s = NULL;
    int rc;
    memset(o, 0, sizeof(*o));
    const cli_opt_t opts[] = {{"--out", "-o", &o->io.out, NULL, NULL, 0},
                              {"--oid", NULL, &oid_s, NULL, NULL, 0},
                              {"--offset", NULL, &offset_s, NULL, NULL, 0},
                              {"--length", NULL, &length_s, NULL, NULL, 0},
                              {"--binary", NULL, NULL, &o->binary, NULL, 0},
                              {"--json", NULL, NULL, &o->io.json, NULL, 0},
                              {NULL, NULL, NULL, NULL, NULL, 0}};
    if ((rc = cli_parse(g, &o->io, CLI_IO_IN | CLI_IO_HEX, cmd, hash_help, opts, NULL, argc, argv)) != CLI_PARSE_RUN) {
        return rc;
    }
    if (offset_s != NULL && cli_parse_uint(offset_s, 0, 0xFFFF, &o->offset) != 0) {
        return cli_usage_error(cmd, "--offset needs a number 0..65535");
    }
    if (length_s != NULL && cli_parse_uint(length_s, 1, 0xFFFF, &o->length) != 0) {
        return cli_usage_error(cmd, "--length needs a number 1..65535");
    }
    o->have_length = length_s != NULL;
    o->use_oid = oid_s != NULL;
    if (o->use_oid) {
        if (o->io.in != NULL || o->io.data != NULL) {
            return cli_usage_error(cmd, "--oid excludes --in and --data");
        }
        if ((rc = cli_oid_arg(cmd, "--oid", oid_s, &o->oid)) != CLI_EXIT_OK) {
            return rc;
        }
    } else if (o->have_length || o->offset != 0u) {
        return cli_usage_error(cmd, "--offset and --length need --oid");
    }
    return CLI_PARSE_RUN;
}

/* The input data into res->buf (input side: no device access). */
static int hash_input(const hash_opts_t *o, hash_result_t *res)
{
    int rc;
    if (o->use_oid) {
        return CLI_EXIT_OK;
    }
    res->buf = malloc(HASH_IN_MAX);
    if (res->buf == NULL) {
        fprintf(stderr, "trustm hash: out of memory\n");
        return CLI_EXIT_FILE;
    }
    if ((rc = cli_input_read(&o->io, "hash", res->buf, HASH_IN_MAX, &res->len)) != CLI_EXIT_OK) {
        return rc;
    }
    if (res->len == 0u) {
        fprintf(stderr, "trustm hash: the input is empty (the chip hashes 1 byte or more)\n");
        return CLI_EXIT_FILE;
    }
    return CLI_EXIT_OK;
}

/* The used size of the object from its metadata (whole object without --length). */
static int hash_object_length(cli_device_t *d, const hash_opts_t *o, unsigned long *length, trustm_status_t *st)
{
    uint8_t mdb[TRUSTM_MD_MAX_LEN + 2u];
    size_t mdl = 0;
    trustm_metadata_t md;
    *st = trustm_metadata_read(&d->dev, o->oid, mdb, sizeof(mdb), &mdl);
    if (*st == TRUSTM_OK) {
        *st = trustm_metadata_decode(mdb, mdl, &md);
    }
    if (*st == TRUSTM_OK && (md.present & TRUSTM_MD_HAS_USED_SIZE) == 0u) {
        fprintf(stderr, "trustm hash: the metadata of %04X has no used size; give --length\n", o->oid);
        return CLI_EXIT_USAGE;
    }
    if (*st == TRUSTM_OK) {
        *length = md.used_size > o->offset ? md.used_size - o->offset : 0u;
        if (*length == 0u) {
            fprintf(stderr, "trustm hash: object %04X has no data after offset %lu\n", o->oid, o->offset);
            return CLI_EXIT_USAGE;
        }
    }
    return CLI_EXIT_OK;
}

static int hash_run(const cli_globals_t *g, const hash_opts_t *o, hash_result_t *res)
{
    cli_device_t d;
    trustm_status_t st = TRUSTM_OK;
    unsigned long length = o->length;
    int rc = cli_device_open(&d, g, "hash");
    if (rc != CLI_EXIT_OK) {
        return rc;
    }
    if (o->use_oid && !o->have_length) {
        rc = hash_object_length(&d, o, &length, &st);
        if (rc != CLI_EXIT_OK) {
            cli_device_close(&d, g);
            return rc;
        }
    }
    if (st == TRUSTM_OK) {
        if (o->use_oid) {
            st = trustm_sha256_object(&d.dev, o->oid, (uint16_t)o->offset, (uint16_t)length, res->digest);
        } else {
            st = trustm_sha256(&d.dev, res->buf, res->len, res->digest);
        }
    }
    if (st != TRUSTM_OK) {
        rc = cli_report_status("CalcHash", st);
    }
    cli_device_close(&d, g);
    return rc;
}

static int hash_print(const hash_opts_t *o, const hash_result_t *res)
{
    if (o->io.json) {
        return cli_output_write(&o->io, "hash", res->digest, sizeof(res->digest));
    }
    return cli_file_store(o->io.out != NULL ? o->io.out : "-", !o->binary, "hash", res->digest, sizeof(res->digest));
}

int do_hash(cli_globals_t *g, int argc, char **argv)
{
    hash_opts_t o;
    hash_result_t res;
    int rc = hash_parse(g, argc, argv, &o);
    if (rc != CLI_PARSE_RUN) {
        return rc;
    }
    memset(&res, 0, sizeof(res));
    rc = hash_input(&o, &res);
    if (rc == CLI_EXIT_OK) {
        rc = hash_run(g, &o, &res);
    }
    free(res.buf);
    res.buf = NULL;
    if (rc == CLI_EXIT_OK) {
        rc = hash_print(&o, &res);
    }
    return rc;
}
