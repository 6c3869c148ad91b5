/*
 * cmd_list.c - trustm list: every object of the chip with its type, used/maximum size, object
 * life cycle state and access conditions (the readable form of `trustm metadata`).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_device.h"
#include "cli_objects.h"
#include "cli_util.h"
#include "trustm/trustm.h"

static const char list_help[] =
    "Usage: trustm [global options] list [--json]\n"
    "List the chip's data objects and key slots: type, used and maximum size, object life\n"
    "cycle state and access conditions (change, read, execute). Objects this chip does not\n"
    "have are left out.\n"
    "Options:\n"
    "  --json                one JSON array, an object per chip object\n";

/* The M2 ID2 object set: status objects, certificates and trust anchors, keys, counters, the
 * platform binding secret, the life cycle and error objects, arbitrary data. */
static const uint16_t list_oids[] = {
    0xE0C0, 0xE0C1, 0xE0C2, 0xE0C3, 0xE0C4, 0xE0C5, 0xE0C6, 0xE0E0, 0xE0E1, 0xE0E2, 0xE0E3, 0xE0E8, 0xE0E9,
    0xE0EF, 0xE0FC, 0xE0FD, 0xE120, 0xE121, 0xE122, 0xE123, 0xE140, 0xE200, 0xF1C0, 0xF1C1, 0xF1C2, 0xF1D0,
    0xF1D1, 0xF1D2, 0xF1D3, 0xF1D4, 0xF1D5, 0xF1D6, 0xF1D7, 0xF1D8, 0xF1D9, 0xF1DA, 0xF1DB, 0xF1E0, 0xF1E1,
};

typedef struct list_row {
    uint16_t oid;
    char type[24], lcs[8], change[64], read[64], execute[64];
    int used, max; /* -1 unknown */
} list_row_t;

static void ac_text(const trustm_metadata_t *md, unsigned flag, const trustm_ac_t *ac, char *out, size_t size)
{
    size_t n = 0;
    if ((md->present & flag) == 0u || trustm_ac_format(ac->bytes, ac->len, out, size, &n) != TRUSTM_OK) {
        snprintf(out, size, "-");
    }
}

static void row_from(uint16_t oid, const trustm_metadata_t *md, list_row_t *r)
{
    const char *name = NULL;
    memset(r, 0, sizeof(*r));
    r->oid = oid;
    if (md->present & TRUSTM_MD_HAS_ALGORITHM) {
        name = trustm_algorithm_name(md->algorithm);
        snprintf(r->type, sizeof(r->type), "key %s", name != NULL ? name : "?");
    } else if (md->present & TRUSTM_MD_HAS_TYPE) {
        name = trustm_data_type_name(md->type);
        snprintf(r->type, sizeof(r->type), "%s", name != NULL ? name : "?");
    } else {
        const bool key_slot = (oid >= 0xE0F0u && oid <= 0xE0FFu) || oid == 0xE200u;
        snprintf(r->type, sizeof(r->type), "%s", key_slot ? "key (empty)" : "BSTR");
    }
    r->used = (md->present & TRUSTM_MD_HAS_USED_SIZE) ? (int)md->used_size : -1;
    r->max = (md->present & TRUSTM_MD_HAS_MAX_SIZE) ? (int)md->max_size : -1;
    name = (md->present & TRUSTM_MD_HAS_LCSO) ? trustm_lcs_name(md->lcso) : NULL;
    snprintf(r->lcs, sizeof(r->lcs), "%s", name != NULL ? name : "-");
    ac_text(md, TRUSTM_MD_HAS_CHANGE, &md->change, r->change, sizeof(r->change));
    ac_text(md, TRUSTM_MD_HAS_READ, &md->read, r->read, sizeof(r->read));
    ac_text(md, TRUSTM_MD_HAS_EXECUTE, &md->execute, r->execute, sizeof(r->execute));
}

static void print_size(int v, char *out, size_t size)
{
    if (v < 0) {
        snprintf(out, size, "-");
    } else {
        snprintf(out, size, "%d", v);
    }
}

static void print_row_text(const list_row_t *r)
{
    const char *name = cli_oid_name(r->oid);
    char used[12], max[12];
    print_size(r->used, used, sizeof(used));
    print_size(r->max, max, sizeof(max));
    printf("%04X  %-34.34s %-12s %5s/%-5s %-4s change: %s; read: %s; execute: %s\n", r->oid, name != NULL ? name : "",
           r->type, used, max, r->lcs, r->change, r->read, r->execute);
}

static void print_row_json(const list_row_t *r, bool first)
{
    const char *name = cli_oid_name(r->oid);
    printf("%s{\"oid\":\"%04X\",\"name\":", first ? "" : ",", r->oid);
    cli_json_str(stdout, name != NULL ? name : "");
    printf(",\"type\":");
    cli_json_str(stdout, r->type);
    if (r->used >= 0) {
        printf(",\"used_size\":%d", r->used);
    }
    if (r->max >= 0) {
        printf(",\"max_size\":%d", r->max);
    }
    printf(",\"lcso\":");
    cli_json_str(stdout, r->lcs);
    printf(",\"change\":");
    cli_json_str(stdout, r->change);
    printf(",\"read\":");
    cli_json_str(stdout, r->read);
    printf(",\"execute\":");
    cli_json_str(stdout, r->execute);
    printf("}");
}

#define LIST_N (sizeof(list_oids) / sizeof(list_oids[0]))

typedef struct list_opts {
    bool json;
} list_opts_t;

/* the rows read (up to a failure); opened: the chip answered at all */
typedef struct list_result {
    bool opened;
    size_t n;
    list_row_t rows[LIST_N];
} list_result_t;

static int list_parse(cli_globals_t *g, int argc, char **argv, list_opts_t *o)
{
    cli_io_t io;
    o->json = false;
    const cli_opt_t opts[] = {{"--json", NULL, NULL, &o->json, NULL, 0}, {NULL, NULL, NULL, NULL, NULL, 0}};
    memset(&io, 0, sizeof(io));
    return cli_parse(g, &io, 0, "list", list_help, opts, NULL, argc, argv);
}

static int list_run(const cli_globals_t *g, list_result_t *res)
{
    cli_device_t d;
    int rc = cli_device_open(&d, g, "list");
    if (rc != CLI_EXIT_OK) {
        return rc;
    }
    res->opened = true;
    for (size_t k = 0; k < LIST_N; k++) {
        uint8_t raw[TRUSTM_MD_MAX_LEN + 2u];
        size_t len = 0;
        trustm_metadata_t md;
        trustm_status_t st = trustm_metadata_read(&d.dev, list_oids[k], raw, sizeof(raw), &len);
        if (TRUSTM_STATUS_LAYER(st) == TRUSTM_LAYER_DEVICE && TRUSTM_STATUS_BASE(st) == 0x01u) {
            continue; /* invalid OID: this chip does not have the object */
        }
        if (st == TRUSTM_OK) {
            st = trustm_metadata_decode(raw, len, &md);
        }
        if (st != TRUSTM_OK) {
            char what[48];
            snprintf(what, sizeof(what), "read metadata of %04X", list_oids[k]);
            rc = cli_report_status(what, st);
            break;
        }
        row_from(list_oids[k], &md, &res->rows[res->n++]);
    }
    cli_device_close(&d, g);
    return rc;
}

static void list_print(const list_opts_t *o, const list_result_t *res)
{
    if (o->json) {
        printf("[");
    } else {
        printf("OID   %-34s %-12s %11s %-4s access conditions\n", "name", "type", "used/max", "lcso");
    }
    for (size_t k = 0; k < res->n; k++) {
        if (o->json) {
            print_row_json(&res->rows[k], k == 0u);
        } else {
            print_row_text(&res->rows[k]);
        }
    }
    if (o->json) {
        printf("]\n");
    }
}

int do_list(cli_globals_t *g, int argc, char **argv)
{
    list_opts_t o;
    static list_result_t res;
    int rc = list_parse(g, argc, argv, &o);
    if (rc != CLI_PARSE_RUN) {
        return rc;
    }
    memset(&res, 0, sizeof(res));
    rc = list_run(g, &res);
    if (res.opened) {
        list_print(&o, &res); /* the rows read before a failure too */
    }
    return rc;
}
