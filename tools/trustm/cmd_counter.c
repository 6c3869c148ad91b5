/*
 * cmd_counter.c - `trustm counter OID`: monotonic counters E120..E123 (objects.md §6.2): read
 * value and threshold, count up, or set the threshold.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_device.h"
#include "cli_hex.h"
#include "cli_util.h"

static const char counter_help[] =
    "Usage: trustm [global options] counter OID [--count N | --set THRESHOLD [--value V]] [--json]\n"
    "Monotonic counter OID (E120..E123): 4-byte value and 4-byte threshold. Without options\n"
    "print both. --count adds N (1..255) to the value (SetDataObject count; the chip refuses\n"
    "once the threshold is reached); --set writes a new threshold, keeping the value unless\n"
    "--value is given (needs the counter's change access condition).\n"
    "Options:\n"
    "  --count N             count up by N, 1..255\n"
    "  --set THRESHOLD       new threshold, 0..4294967295\n"
    "  --value V             with --set: new counter value\n"
    "  --json                print {\"oid\":..,\"value\":..,\"threshold\":..}\n";

typedef struct counter_opts {
    cli_io_t io;
    uint16_t oid;
    unsigned long count, thr, val;
    bool have_count, have_set, have_value, json;
} counter_opts_t;

typedef struct counter_result {
    uint32_t value, threshold;
} counter_result_t;

static int counter_parse(cli_globals_t *g, int argc, char **argv, counter_opts_t *o)
{
    const char *cmd = "counter";
    const char *oid_s = NULL, *count_s = NULL, *set_s = NULL, *value_s = NULL;
    int rc;
    memset(o, 0, sizeof(*o));
    const cli_opt_t opts[] = {{"--count", NULL, &count_s, NULL, NULL, 0},
                              {"--set", NULL, &set_s, NULL, NULL, 0},
                              {"--value", NULL, &value_s, NULL, NULL, 0},
                              {"--json", NULL, NULL, &o->json, NULL, 0},
                              {NULL, NULL, NULL, NULL, NULL, 0}};
    if ((rc = cli_parse(g, &o->io, 0, cmd, counter_help, opts, &oid_s, argc, argv)) != CLI_PARSE_RUN) {
        return rc;
    }
    if (count_s != NULL && cli_parse_uint(count_s, 1, 255, &o->count) != 0) {
        return cli_usage_error(cmd, "--count needs a number 1..255");
    }
    if (set_s != NULL && cli_parse_uint(set_s, 0, 0xFFFFFFFFul, &o->thr) != 0) {
        return cli_usage_error(cmd, "--set needs a threshold 0..4294967295");
    }
    if (value_s != NULL && cli_parse_uint(value_s, 0, 0xFFFFFFFFul, &o->val) != 0) {
        return cli_usage_error(cmd, "--value needs a number 0..4294967295");
    }
    o->have_count = count_s != NULL;
    o->have_set = set_s != NULL;
    o->have_value = value_s != NULL;
    if (oid_s == NULL) {
        return cli_usage_error(cmd, "missing OID (a counter, E120..E123)");
    }
    if ((rc = cli_oid_arg(cmd, "OID", oid_s, &o->oid)) != CLI_EXIT_OK) {
        return rc;
    }
    if (o->have_count && o->have_set) {
        return cli_usage_error(cmd, "--count and --set exclude each other");
    }
    if (o->have_value && !o->have_set) {
        return cli_usage_error(cmd, "--value needs --set");
    }
    return CLI_PARSE_RUN;
}

/* Only objects of type UPCTR are counters (anything else would be read as one). On failure the
 * device is closed (before the message, as the other errors of the tool). */
static int counter_check_type(cli_device_t *d, const cli_globals_t *g, uint16_t oid)
{
    uint8_t mdb[TRUSTM_MD_MAX_LEN + 2u];
    size_t mdl = 0;
    trustm_metadata_t md;
    trustm_status_t st = trustm_metadata_read(&d->dev, oid, mdb, sizeof(mdb), &mdl);
    if (st == TRUSTM_OK) {
        st = trustm_metadata_decode(mdb, mdl, &md);
    }
    if (st != TRUSTM_OK) {
        int rc = cli_report_status("read the counter's metadata", st);
        cli_device_close(d, g);
        return rc;
    }
    if ((md.present & TRUSTM_MD_HAS_TYPE) == 0u || md.type != TRUSTM_TYPE_UPCTR) {
        const char *tn = (md.present & TRUSTM_MD_HAS_TYPE) != 0u ? trustm_data_type_name(md.type) : "BSTR";
        cli_device_close(d, g);
        return cli_usage_error("counter", "%04X is not a monotonic counter (its type is %s, not UPCTR)", oid,
                               tn != NULL ? tn : "unknown");
    }
    return CLI_EXIT_OK;
}

/* count or set, then read the counter into res */
static int counter_run(const cli_globals_t *g, const counter_opts_t *o, counter_result_t *res)
{
    cli_device_t d;
    trustm_status_t st = TRUSTM_OK;
    uint32_t value = 0, threshold = 0;
    unsigned long val = o->val;
    int rc = cli_device_open(&d, g, "counter");
    if (rc != CLI_EXIT_OK) {
        return rc;
    }
    if ((rc = counter_check_type(&d, g, o->oid)) != CLI_EXIT_OK) {
        return rc;
    }
    if (o->have_count) {
        st = trustm_counter_increment(&d.dev, o->oid, (uint8_t)o->count);
        if (st != TRUSTM_OK && TRUSTM_STATUS_LAYER(st) == TRUSTM_LAYER_DEVICE &&
            trustm_counter_read(&d.dev, o->oid, &value, &threshold) == TRUSTM_OK && value + o->count > threshold) {
            fprintf(stderr,
                    "trustm counter: count: chip error 0x%02X: %04X is at its threshold (value %lu, "
                    "threshold %lu) and counts no further; raise the threshold with --set THRESHOLD\n",
                    trustm_status_device_code(st), o->oid, (unsigned long)value, (unsigned long)threshold);
            rc = CLI_EXIT_CHIP;
        } else if (st != TRUSTM_OK) {
            rc = cli_report_status("count", st);
        }
    } else if (o->have_set) {
        if (!o->have_value) {
            st = trustm_counter_read(&d.dev, o->oid, &value, &threshold);
            val = value;
        }
        if (st == TRUSTM_OK) {
            st = trustm_counter_set(&d.dev, o->oid, (uint32_t)val, (uint32_t)o->thr);
        }
        if (st != TRUSTM_OK) {
            rc = cli_report_status("set the counter", st);
        }
    }
    if (rc == CLI_EXIT_OK) {
        st = trustm_counter_read(&d.dev, o->oid, &res->value, &res->threshold);
        if (st != TRUSTM_OK) {
            rc = cli_report_status("read the counter", st);
        }
    }
    cli_device_close(&d, g);
    return rc;
}

static void counter_print(const counter_opts_t *o, const counter_result_t *res)
{
    bool reached = res->threshold != 0u && res->value >= res->threshold;
    if (o->json) {
        printf("{\"oid\":\"%04X\",\"value\":%lu,\"threshold\":%lu,\"threshold_reached\":%s}\n", o->oid,
               (unsigned long)res->value, (unsigned long)res->threshold, reached ? "true" : "false");
    } else {
        printf("%04X: value %lu, threshold %lu%s\n", o->oid, (unsigned long)res->value, (unsigned long)res->threshold,
               reached ? " (threshold reached)" : "");
    }
}

int do_counter(cli_globals_t *g, int argc, char **argv)
{
    counter_opts_t o;
    counter_result_t res = {0, 0};
    int rc = counter_parse(g, argc, argv, &o);
    if (rc != CLI_PARSE_RUN) {
        return rc;
    }
    rc = counter_run(g, &o, &res);
    if (rc == CLI_EXIT_OK) {
        counter_print(&o, &res);
    }
    return rc;
}
