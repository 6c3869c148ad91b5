/*
 * cmd_lifecycle.c - `trustm lifecycle`: show the life cycle states (LcsG E0C0, LcsA F1C0, LcsO
 * of an object) and advance one of them (objects.md §5: states only move forward).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "cli_device.h"
#include "cli_hex.h"
#include "cli_objects.h"
#include "cli_util.h"

static const char lifecycle_help[] =
    "Usage: trustm [global options] lifecycle [show] [--oid OID]\n"
    "       trustm [global options] lifecycle advance (--global | --app | --oid OID) --to STATE --yes\n"
    "Show the global (E0C0) and application (F1C0) life cycle states and, with --oid, the\n"
    "life cycle state of an object (metadata tag C0). `advance` moves one of them forward to\n"
    "STATE: cr (creation), in (initialization), op (operational) or te (termination; not for\n"
    "the application state). The chip refuses to move a state backwards. Advancing cannot be\n"
    "undone and changes which access conditions hold, hence --yes.\n"
    "Options:\n"
    "  --oid OID             the object whose state (LcsO) to show or advance\n"
    "  --global              advance the global state LcsG (E0C0)\n"
    "  --app                 advance the application state LcsA (F1C0)\n"
    "  --to STATE            cr, in, op or te\n"
    "  --json                show: the states as JSON\n"
    "  --yes                 confirm an advance\n";

static void show_state(const char *label, uint8_t v)
{
    const char *ab = cli_lcs_abbrev(v);
    if (ab != NULL) {
        printf("%-38s %02X = %s (%s)\n", label, v, ab, cli_lcs_name(v));
    } else {
        printf("%-38s %02X (not a defined state)\n", label, v);
    }
}

/* --json: one member "key":{"value":N,"name":"op"} of the object printed by `lifecycle show`. */
static void json_state(const char *key, uint8_t v, bool *first)
{
    const char *ab = cli_lcs_abbrev(v);
    printf("%s\"%s\":{\"value\":%u,\"name\":", *first ? "{" : ",", key, v);
    cli_json_str(stdout, ab != NULL ? ab : "");
    printf("}");
    *first = false;
}

static int parse_state(const char *s, uint8_t *v)
{
    static const struct {
        const char *name;
        uint8_t v;
    } st[] = {{"cr", TRUSTM_LCS_CREATION},
              {"in", TRUSTM_LCS_INITIALIZATION},
              {"op", TRUSTM_LCS_OPERATIONAL},
              {"te", TRUSTM_LCS_TERMINATION}};
    for (size_t k = 0; k < sizeof(st) / sizeof(st[0]); k++) {
        if (strcasecmp(s, st[k].name) == 0) {
            *v = st[k].v;
            return 0;
        }
    }
    return -1;
}

typedef struct lifecycle_opts {
    bool advance; /* advance, else show */
    bool has_oid, global, app, json;
    uint16_t oid;
    const char *to_s;
    uint8_t to;
} lifecycle_opts_t;

/* what was read (show); a failed read leaves the later parts unset, printed as far as they go */
typedef struct lifecycle_result {
    int have; /* 0..3: global, application, object read */
    uint8_t global, app;
    bool obj_has_lcso;
    uint8_t lcso;
} lifecycle_result_t;

static int lifecycle_parse(cli_globals_t *g, int argc, char **argv, lifecycle_opts_t *o)
{
    const char *cmd = "lifecycle";
    cli_io_t io;
    const char *oid_s = NULL, *sub = NULL;
    bool yes = false;
    int rc;
    memset(&io, 0, sizeof(io));
    memset(o, 0, sizeof(*o));
    const cli_opt_t opts[] = {{"--oid", NULL, &oid_s, NULL, NULL, 0},
                              {"--to", NULL, &o->to_s, NULL, NULL, 0},
                              {"--global", NULL, NULL, &o->global, NULL, 0},
                              {"--app", NULL, NULL, &o->app, NULL, 0},
                              {"--yes", NULL, NULL, &yes, NULL, 0},
                              {"--json", NULL, NULL, &o->json, NULL, 0},
                              {NULL, NULL, NULL, NULL, NULL, 0}};
    if ((rc = cli_parse(g, &io, 0, cmd, lifecycle_help, opts, &sub, argc, argv)) != CLI_PARSE_RUN) {
        return rc;
    }
    if (sub != NULL && strcmp(sub, "show") != 0 && strcmp(sub, "advance") != 0) {
        return cli_usage_error(cmd, "unexpected argument '%s'", sub);
    }
    o->has_oid = oid_s != NULL;
    if (oid_s != NULL && (rc = cli_oid_arg(cmd, "--oid", oid_s, &o->oid)) != CLI_EXIT_OK) {
        return rc;
    }
    o->advance = sub != NULL && strcmp(sub, "advance") == 0;
    if (o->advance) {
        if ((o->global ? 1 : 0) + (o->app ? 1 : 0) + (oid_s != NULL ? 1 : 0) != 1) {
            return cli_usage_error(cmd, "advance needs exactly one of --global, --app, --oid OID");
        }
        if (o->to_s == NULL || parse_state(o->to_s, &o->to) != 0) {
            return cli_usage_error(cmd, "advance needs --to cr|in|op|te");
        }
        if (o->app && o->to == TRUSTM_LCS_TERMINATION) {
            return cli_usage_error(cmd, "the application state cannot be set to te");
        }
        if (!yes) {
            return cli_usage_error(cmd, "advancing a life cycle state cannot be undone; add --yes to confirm");
        }
    } else if (o->global || o->app || o->to_s != NULL || yes) {
        return cli_usage_error(cmd, "--global, --app, --to and --yes belong to `lifecycle advance`");
    }
    return CLI_PARSE_RUN;
}

static int lifecycle_run_advance(cli_device_t *d, const lifecycle_opts_t *o)
{
    trustm_status_t st = o->has_oid
                             ? trustm_lcso_set(&d->dev, o->oid, o->to)
                             : trustm_lcs_set(&d->dev, o->global ? TRUSTM_OID_LCS_GLOBAL : TRUSTM_OID_LCS_APP, o->to);
    if (st == TRUSTM_DEVICE_ERR(0x05u)) {
        fprintf(stderr,
                "trustm lifecycle: the chip refused to set %s (0x05): a life cycle state only moves "
                "forward (cr, in, op, te) and this one is already there or past it; see `trustm "
                "lifecycle show`\n",
                o->to_s);
        return CLI_EXIT_CHIP;
    }
    if (st != TRUSTM_OK) {
        return cli_report_status("advance the life cycle state", st);
    }
    return CLI_EXIT_OK;
}

static trustm_status_t lifecycle_read(cli_device_t *d, const lifecycle_opts_t *o, lifecycle_result_t *res)
{
    trustm_status_t st = trustm_byte_read(&d->dev, TRUSTM_OID_LCS_GLOBAL, &res->global);
    if (st != TRUSTM_OK) {
        return st;
    }
    res->have = 1;
    if ((st = trustm_byte_read(&d->dev, TRUSTM_OID_LCS_APP, &res->app)) != TRUSTM_OK) {
        return st;
    }
    res->have = 2;
    if (o->has_oid) {
        uint8_t mdb[TRUSTM_MD_MAX_LEN + 2u];
        size_t mdl = 0;
        trustm_metadata_t md;
        st = trustm_metadata_read(&d->dev, o->oid, mdb, sizeof(mdb), &mdl);
        if (st == TRUSTM_OK) {
            st = trustm_metadata_decode(mdb, mdl, &md);
        }
        if (st == TRUSTM_OK) {
            res->obj_has_lcso = (md.present & TRUSTM_MD_HAS_LCSO) != 0u;
            res->lcso = md.lcso;
            res->have = 3;
        }
    }
    return st;
}

static int lifecycle_run(const cli_globals_t *g, const lifecycle_opts_t *o, lifecycle_result_t *res)
{
    cli_device_t d;
    int rc = cli_device_open(&d, g, "lifecycle");
    if (rc != CLI_EXIT_OK) {
        return rc;
    }
    if (o->advance) {
        rc = lifecycle_run_advance(&d, o);
    } else {
        trustm_status_t st = lifecycle_read(&d, o, res);
        if (st != TRUSTM_OK) {
            rc = cli_report_status("read the life cycle state", st);
        }
    }
    cli_device_close(&d, g);
    return rc;
}

static void lifecycle_print_advance(const lifecycle_opts_t *o)
{
    char label[64];
    if (o->has_oid) {
        snprintf(label, sizeof(label), "%04X life cycle state (LcsO) now", o->oid);
    } else {
        snprintf(label, sizeof(label), "%s life cycle state (%04X) now", o->global ? "Global" : "Application",
                 o->global ? TRUSTM_OID_LCS_GLOBAL : TRUSTM_OID_LCS_APP);
    }
    show_state(label, o->to);
}

/* show: as much as was read */
static void lifecycle_print(const lifecycle_opts_t *o, const lifecycle_result_t *res)
{
    bool first = true;
    if (res->have >= 1) {
        if (o->json) {
            json_state("global", res->global, &first);
        } else {
            show_state("Global life cycle state (E0C0):", res->global);
        }
    }
    if (res->have >= 2) {
        if (o->json) {
            json_state("application", res->app, &first);
        } else {
            show_state("Application life cycle state (F1C0):", res->app);
        }
    }
    if (res->have >= 3) {
        char label[64];
        snprintf(label, sizeof(label), "Object life cycle state (%04X):", o->oid);
        if (o->json) {
            if (res->obj_has_lcso) {
                json_state("object", res->lcso, &first);
            } else {
                printf(",\"object\":null");
            }
        } else if (res->obj_has_lcso) {
            show_state(label, res->lcso);
        } else {
            printf("%-38s not set (no tag C0 in the metadata)\n", label);
        }
    }
    if (o->json && !first) {
        printf("}\n");
    }
}

int do_lifecycle(cli_globals_t *g, int argc, char **argv)
{
    lifecycle_opts_t o;
    lifecycle_result_t res;
    int rc = lifecycle_parse(g, argc, argv, &o);
    if (rc != CLI_PARSE_RUN) {
        return rc;
    }
    memset(&res, 0, sizeof(res));
    rc = lifecycle_run(g, &o, &res);
    if (o.advance) {
        if (rc == CLI_EXIT_OK) {
            lifecycle_print_advance(&o);
        }
    } else {
        lifecycle_print(&o, &res); /* what was read before a failure too */
    }
    return rc;
}
