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

int do_counter(cli_globals_t *g, int argc, char **argv)
{
    const char *cmd = "counter";
    cli_io_t io;
    cli_device_t d;
    const char *oid_s = NULL;
    unsigned long count = 0, thr = 0, val = 0;
    bool have_count = false, have_set = false, have_value = false, json = false;
    uint16_t oid;
    uint32_t value = 0, threshold = 0;
    trustm_status_t st;
    int rc;
    memset(&io, 0, sizeof(io));
    const char *count_s = NULL, *set_s = NULL, *value_s = NULL;
    const cli_opt_t opts[] = {{"--count", NULL, &count_s, NULL, NULL, 0},
                              {"--set", NULL, &set_s, NULL, NULL, 0},
                              {"--value", NULL, &value_s, NULL, NULL, 0},
                              {"--json", NULL, NULL, &json, NULL, 0},
                              {NULL, NULL, NULL, NULL, NULL, 0}};
    if ((rc = cli_parse(g, &io, 0, cmd, counter_help, opts, &oid_s, argc, argv)) != CLI_PARSE_RUN) {
        return rc;
    }
    if (count_s != NULL && cli_parse_uint(count_s, 1, 255, &count) != 0) {
        return cli_usage_error(cmd, "--count needs a number 1..255");
    }
    if (set_s != NULL && cli_parse_uint(set_s, 0, 0xFFFFFFFFul, &thr) != 0) {
        return cli_usage_error(cmd, "--set needs a threshold 0..4294967295");
    }
    if (value_s != NULL && cli_parse_uint(value_s, 0, 0xFFFFFFFFul, &val) != 0) {
        return cli_usage_error(cmd, "--value needs a number 0..4294967295");
    }
    have_count = count_s != NULL;
    have_set = set_s != NULL;
    have_value = value_s != NULL;
    if (oid_s == NULL) {
        return cli_usage_error(cmd, "missing OID (a counter, E120..E123)");
    }
    if ((rc = cli_oid_arg(cmd, "OID", oid_s, &oid)) != CLI_EXIT_OK) {
        return rc;
    }
    if (have_count && have_set) {
        return cli_usage_error(cmd, "--count and --set exclude each other");
    }
    if (have_value && !have_set) {
        return cli_usage_error(cmd, "--value needs --set");
    }
    rc = cli_device_open(&d, g, cmd);
    if (rc != CLI_EXIT_OK) {
        return rc;
    }
    {
        /* only objects of type UPCTR are counters (anything else would be read as one) */
        uint8_t mdb[TRUSTM_MD_MAX_LEN + 2u];
        size_t mdl = 0;
        trustm_metadata_t md;
        st = trustm_metadata_read(&d.dev, oid, mdb, sizeof(mdb), &mdl);
        if (st == TRUSTM_OK) {
            st = trustm_metadata_decode(mdb, mdl, &md);
        }
        if (st != TRUSTM_OK) {
            rc = cli_report_status("read the counter's metadata", st);
            cli_device_close(&d, g);
            return rc;
        }
        if ((md.present & TRUSTM_MD_HAS_TYPE) == 0u || md.type != TRUSTM_TYPE_UPCTR) {
            const char *tn = (md.present & TRUSTM_MD_HAS_TYPE) != 0u ? trustm_data_type_name(md.type) : "BSTR";
            cli_device_close(&d, g);
            return cli_usage_error(cmd, "%04X is not a monotonic counter (its type is %s, not UPCTR)", oid,
                                   tn != NULL ? tn : "unknown");
        }
    }
    if (have_count) {
        st = trustm_counter_count(&d.dev, oid, (uint8_t)count);
        if (st != TRUSTM_OK && TRUSTM_STATUS_LAYER(st) == TRUSTM_LAYER_DEVICE &&
            trustm_counter_read(&d.dev, oid, &value, &threshold) == TRUSTM_OK && value + count > threshold) {
            fprintf(stderr,
                    "trustm counter: count: chip error 0x%02X: %04X is at its threshold (value %lu, "
                    "threshold %lu) and counts no further; raise the threshold with --set THRESHOLD\n",
                    trustm_status_device_code(st), oid, (unsigned long)value, (unsigned long)threshold);
            rc = CLI_EXIT_CHIP;
        } else if (st != TRUSTM_OK) {
            rc = cli_report_status("count", st);
        }
    } else if (have_set) {
        if (!have_value) {
            st = trustm_counter_read(&d.dev, oid, &value, &threshold);
            val = value;
        }
        if (st == TRUSTM_OK) {
            st = trustm_counter_set(&d.dev, oid, (uint32_t)val, (uint32_t)thr);
        }
        if (st != TRUSTM_OK) {
            rc = cli_report_status("set the counter", st);
        }
    }
    if (rc == CLI_EXIT_OK) {
        st = trustm_counter_read(&d.dev, oid, &value, &threshold);
        if (st != TRUSTM_OK) {
            rc = cli_report_status("read the counter", st);
        } else if (json) {
            printf("{\"oid\":\"%04X\",\"value\":%lu,\"threshold\":%lu,\"threshold_reached\":%s}\n", oid,
                   (unsigned long)value, (unsigned long)threshold,
                   threshold != 0u && value >= threshold ? "true" : "false");
        } else {
            printf("%04X: value %lu, threshold %lu%s\n", oid, (unsigned long)value, (unsigned long)threshold,
                   threshold != 0u && value >= threshold ? " (threshold reached)" : "");
        }
    }
    cli_device_close(&d, g);
    return rc;
}
