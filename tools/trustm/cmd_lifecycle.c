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

int do_lifecycle(cli_globals_t *g, int argc, char **argv)
{
    const char *cmd = "lifecycle";
    cli_io_t io;
    cli_device_t d;
    const char *oid_s = NULL, *to_s = NULL, *sub = NULL;
    bool global = false, app = false, yes = false, json = false, first = true;
    uint16_t oid = 0;
    uint8_t to = 0, v = 0;
    trustm_status_t st;
    int rc;
    memset(&io, 0, sizeof(io));
    const cli_opt_t opts[] = {{"--oid", NULL, &oid_s, NULL, NULL, 0},     {"--to", NULL, &to_s, NULL, NULL, 0},
                              {"--global", NULL, NULL, &global, NULL, 0}, {"--app", NULL, NULL, &app, NULL, 0},
                              {"--yes", NULL, NULL, &yes, NULL, 0},       {"--json", NULL, NULL, &json, NULL, 0},
                              {NULL, NULL, NULL, NULL, NULL, 0}};
    if ((rc = cli_parse(g, &io, 0, cmd, lifecycle_help, opts, &sub, argc, argv)) != CLI_PARSE_RUN) {
        return rc;
    }
    if (sub != NULL && strcmp(sub, "show") != 0 && strcmp(sub, "advance") != 0) {
        return cli_usage_error(cmd, "unexpected argument '%s'", sub);
    }
    if (oid_s != NULL && (rc = cli_oid_arg(cmd, "--oid", oid_s, &oid)) != CLI_EXIT_OK) {
        return rc;
    }
    if (sub != NULL && strcmp(sub, "advance") == 0) {
        if ((global ? 1 : 0) + (app ? 1 : 0) + (oid_s != NULL ? 1 : 0) != 1) {
            return cli_usage_error(cmd, "advance needs exactly one of --global, --app, --oid OID");
        }
        if (to_s == NULL || parse_state(to_s, &to) != 0) {
            return cli_usage_error(cmd, "advance needs --to cr|in|op|te");
        }
        if (app && to == TRUSTM_LCS_TERMINATION) {
            return cli_usage_error(cmd, "the application state cannot be set to te");
        }
        if (!yes) {
            return cli_usage_error(cmd, "advancing a life cycle state cannot be undone; add --yes to confirm");
        }
    } else if (global || app || to_s != NULL || yes) {
        return cli_usage_error(cmd, "--global, --app, --to and --yes belong to `lifecycle advance`");
    }
    rc = cli_device_open(&d, g, cmd);
    if (rc != CLI_EXIT_OK) {
        return rc;
    }
    if (sub != NULL && strcmp(sub, "advance") == 0) {
        char label[64];
        st = oid_s != NULL ? trustm_lcso_set(&d.dev, oid, to)
                           : trustm_lcs_set(&d.dev, global ? TRUSTM_OID_LCS_GLOBAL : TRUSTM_OID_LCS_APP, to);
        if (st == TRUSTM_DEVICE_ERR(0x05u)) {
            fprintf(stderr,
                    "trustm lifecycle: the chip refused to set %s (0x05): a life cycle state only moves "
                    "forward (cr, in, op, te) and this one is already there or past it; see `trustm "
                    "lifecycle show`\n",
                    to_s);
            rc = CLI_EXIT_CHIP;
        } else if (st != TRUSTM_OK) {
            rc = cli_report_status("advance the life cycle state", st);
        } else {
            if (oid_s != NULL) {
                snprintf(label, sizeof(label), "%04X life cycle state (LcsO) now", oid);
            } else {
                snprintf(label, sizeof(label), "%s life cycle state (%04X) now", global ? "Global" : "Application",
                         global ? TRUSTM_OID_LCS_GLOBAL : TRUSTM_OID_LCS_APP);
            }
            show_state(label, to);
        }
        cli_device_close(&d, g);
        return rc;
    }
    st = trustm_byte_read(&d.dev, TRUSTM_OID_LCS_GLOBAL, &v);
    if (st == TRUSTM_OK) {
        if (json) {
            json_state("global", v, &first);
        } else {
            show_state("Global life cycle state (E0C0):", v);
        }
        st = trustm_byte_read(&d.dev, TRUSTM_OID_LCS_APP, &v);
    }
    if (st == TRUSTM_OK) {
        if (json) {
            json_state("application", v, &first);
        } else {
            show_state("Application life cycle state (F1C0):", v);
        }
    }
    if (st == TRUSTM_OK && oid_s != NULL) {
        uint8_t mdb[TRUSTM_MD_MAX_LEN + 2u];
        size_t mdl = 0;
        trustm_metadata_t md;
        char label[64];
        snprintf(label, sizeof(label), "Object life cycle state (%04X):", oid);
        st = trustm_metadata_read(&d.dev, oid, mdb, sizeof(mdb), &mdl);
        if (st == TRUSTM_OK) {
            st = trustm_metadata_decode(mdb, mdl, &md);
        }
        if (st == TRUSTM_OK) {
            if (json) {
                if ((md.present & TRUSTM_MD_HAS_LCSO) != 0u) {
                    json_state("object", md.lcso, &first);
                } else {
                    printf(",\"object\":null");
                }
            } else if ((md.present & TRUSTM_MD_HAS_LCSO) != 0u) {
                show_state(label, md.lcso);
            } else {
                printf("%-38s not set (no tag C0 in the metadata)\n", label);
            }
        }
    }
    if (json && !first) {
        printf("}\n");
    }
    if (st != TRUSTM_OK) {
        rc = cli_report_status("read the life cycle state", st);
    }
    cli_device_close(&d, g);
    return rc;
}
