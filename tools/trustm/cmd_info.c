/*
 * cmd_info.c - `trustm info`: the chip's identity and global state.
 * Reads E0C2 (UID, every field decoded), E0C0 (global life cycle), E0C1 (security status),
 * E0C5 (security event counter), E0C6 (max com buffer size), E0C3 (sleep delay) and E0C4
 * (current limit), and prints them with the negotiated frame size, as text or JSON.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_device.h"
#include "cli_util.h"
#include "cli_objects.h"

static const char info_help[] =
    "Usage: trustm [global options] info [--json]\n"
    "Open the chip (reset, frame size negotiation, OpenApplication) and print:\n"
    "  the Coprocessor UID (E0C2) with all its fields, the global life cycle state (E0C0),\n"
    "  the global security status (E0C1), the security event counter (E0C5), the maximum\n"
    "  com buffer size (E0C6), the sleep activation delay (E0C3), the current limit (E0C4)\n"
    "  and the negotiated frame size.\n"
    "Options:\n"
    "  --json   print one JSON object instead of text\n\n";

typedef struct obj_read {
    uint16_t oid;
    const char *key;   /* JSON key */
    const char *label; /* text label */
    size_t size;       /* expected length */
    uint8_t buf[32];
    size_t len;
    trustm_status_t st;
} obj_read_t;

#define INFO_NOBJ 7u

/* what `info` read: the device, the frame size and each object (its status when unread) */
typedef struct info_result {
    char desc[320];
    unsigned frame_size;
    obj_read_t objs[INFO_NOBJ];
    trustm_uid_t uid;
} info_result_t;

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            fprintf(f, "\\%c", c);
        } else if (c < 0x20u) {
            fprintf(f, "\\u%04x", c);
        } else {
            fputc(c, f);
        }
    }
    fputc('"', f);
}

static void hex_plain(FILE *f, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "%02X", b[i]);
    }
}

#define LBL "%-32s "

static void print_text(const info_result_t *res)
{
    const obj_read_t *o = res->objs;
    const size_t n = INFO_NOBJ;
    const trustm_uid_t *uid = &res->uid;
    printf(LBL "%s\n", "Device:", res->desc);
    printf(LBL "%u bytes\n", "Frame size (DATA_REG_LEN):", res->frame_size);
    for (size_t i = 0; i < n; i++) {
        char label[64];
        snprintf(label, sizeof(label), "%s (%04X):", o[i].label, o[i].oid);
        if (o[i].st != TRUSTM_OK) {
            printf(LBL "read failed\n", label);
            continue;
        }
        if (o[i].oid == 0xE0C2u) {
            printf(LBL, label);
            hex_plain(stdout, o[i].buf, o[i].len);
            printf("\n");
            printf(LBL "%02X\n", "  CIM identifier:", uid->cim_id);
            printf(LBL "%02X\n", "  Platform identifier:", uid->platform_id);
            printf(LBL "%02X\n", "  Model identifier:", uid->model_id);
            printf(LBL "%04X\n", "  ROM mask ID:", uid->rom_mask_id);
            printf(LBL, "  Chip type:");
            hex_plain(stdout, uid->chip_type, sizeof(uid->chip_type));
            printf("\n" LBL, "  Batch number:");
            hex_plain(stdout, uid->batch_number, sizeof(uid->batch_number));
            printf("\n" LBL "%u\n", "  Chip position X:", uid->x_coordinate);
            printf(LBL "%u\n", "  Chip position Y:", uid->y_coordinate);
            printf(LBL "%08lX\n", "  Firmware identifier:", (unsigned long)uid->firmware_id);
            if (uid->esw_build != 0xFFFFu) {
                printf(LBL "%u (BCD %04X)\n", "  ESW build number:", uid->esw_build, uid->esw_build_bcd);
            } else {
                printf(LBL "%04X (not BCD)\n", "  ESW build number:", uid->esw_build_bcd);
            }
            continue;
        }
        char val[160];
        if (!cli_object_describe(o[i].oid, o[i].buf, o[i].len, val, sizeof(val))) {
            char *p = val;
            for (size_t k = 0; k < o[i].len && k < 32u; k++) {
                p += sprintf(p, "%02X", o[i].buf[k]);
            }
            *p = '\0';
        }
        printf(LBL "%s\n", label, val);
    }
}

static void print_json(const info_result_t *res)
{
    const obj_read_t *o = res->objs;
    const size_t n = INFO_NOBJ;
    const trustm_uid_t *uid = &res->uid;
    printf("{\"device\":");
    json_str(stdout, res->desc);
    printf(",\"frame_size\":%u", res->frame_size);
    for (size_t i = 0; i < n; i++) {
        printf(",\"%s\":", o[i].key);
        if (o[i].st != TRUSTM_OK) {
            printf("null");
            continue;
        }
        switch (o[i].oid) {
        case 0xE0C2:
            printf("{\"hex\":\"");
            hex_plain(stdout, o[i].buf, o[i].len);
            printf("\",\"cim_id\":\"%02X\",\"platform_id\":\"%02X\",\"model_id\":\"%02X\","
                   "\"rom_mask_id\":\"%04X\",\"chip_type\":\"",
                   uid->cim_id, uid->platform_id, uid->model_id, uid->rom_mask_id);
            hex_plain(stdout, uid->chip_type, sizeof(uid->chip_type));
            printf("\",\"batch_number\":\"");
            hex_plain(stdout, uid->batch_number, sizeof(uid->batch_number));
            printf("\",\"chip_pos_x\":%u,\"chip_pos_y\":%u,\"firmware_id\":\"%08lX\",\"esw_build_bcd\":\"%04X\"",
                   uid->x_coordinate, uid->y_coordinate, (unsigned long)uid->firmware_id, uid->esw_build_bcd);
            if (uid->esw_build != 0xFFFFu) {
                printf(",\"esw_build\":%u}", uid->esw_build);
            } else {
                printf(",\"esw_build\":null}");
            }
            break;
        case 0xE0C0: {
            const char *ab = cli_lcs_abbrev(o[i].buf[0]);
            printf("{\"value\":%u,\"state\":", o[i].buf[0]);
            if (ab != NULL) {
                printf("\"%s\",\"name\":\"%s\"}", ab, cli_lcs_name(o[i].buf[0]));
            } else {
                printf("null,\"name\":null}");
            }
            break;
        }
        case 0xE0C6:
            printf("%u", (unsigned)((o[i].buf[0] << 8) | o[i].buf[1]));
            break;
        default:
            printf("%u", o[i].buf[0]);
            break;
        }
    }
    printf("}\n");
}

static int info_parse(cli_globals_t *g, int argc, char **argv, bool *json)
{
    const cli_opt_t opts[] = {{"--json", NULL, NULL, json, NULL, 0}, {NULL, NULL, NULL, NULL, NULL, 0}};
    cli_io_t io;
    memset(&io, 0, sizeof(io));
    *json = false;
    return cli_parse(g, &io, 0, "info", info_help, opts, NULL, argc, argv);
}

/* Read the objects into res; returns the exit code of the first failure (the others are
 * reported too and marked unread). *opened: the device answered (there is something to print). */
static int info_run(const cli_globals_t *g, info_result_t *res, bool *opened)
{
    static const obj_read_t objs[INFO_NOBJ] = {
        {0xE0C2, "uid", "Coprocessor UID", 27, {0}, 0, 0},
        {0xE0C0, "lifecycle", "Global life cycle state", 1, {0}, 0, 0},
        {0xE0C1, "security_status", "Global security status", 1, {0}, 0, 0},
        {0xE0C5, "security_event_counter", "Security event counter", 1, {0}, 0, 0},
        {0xE0C6, "max_com_buffer_size", "Max com buffer size", 2, {0}, 0, 0},
        {0xE0C3, "sleep_delay_ms", "Sleep activation delay", 1, {0}, 0, 0},
        {0xE0C4, "current_limit_ma", "Current limit", 1, {0}, 0, 0},
    };
    obj_read_t *o = res->objs;
    cli_device_t d;
    int first_err = CLI_EXIT_OK;
    int rc = cli_device_open(&d, g, "info");
    *opened = false;
    if (rc != CLI_EXIT_OK) {
        return rc;
    }
    *opened = true;
    memcpy(res->objs, objs, sizeof(objs));
    memset(&res->uid, 0, sizeof(res->uid));
    snprintf(res->desc, sizeof(res->desc), "%s", d.desc);
    for (size_t i = 0; i < INFO_NOBJ; i++) {
        char what[64];
        o[i].st = trustm_data_read(&d.dev, o[i].oid, 0, o[i].buf, sizeof(o[i].buf), &o[i].len);
        if (o[i].st == TRUSTM_OK && o[i].len != o[i].size) {
            fprintf(stderr, "trustm: object %04X: expected %zu bytes, the chip returned %zu\n", o[i].oid, o[i].size,
                    o[i].len);
            o[i].st = TRUSTM_STATUS(TRUSTM_LAYER_TOOL, TRUSTM_BASE_BAD_RESPONSE);
        }
        if (o[i].st == TRUSTM_OK && o[i].oid == 0xE0C2u) {
            o[i].st = trustm_uid_decode(o[i].buf, o[i].len, &res->uid);
        }
        if (o[i].st != TRUSTM_OK) {
            int e;
            snprintf(what, sizeof(what), "read %04X (%s)", o[i].oid, o[i].label);
            e = cli_report_status(what, o[i].st);
            if (first_err == CLI_EXIT_OK) {
                first_err = e;
            }
            if (TRUSTM_STATUS_LAYER(o[i].st) != TRUSTM_LAYER_DEVICE &&
                TRUSTM_STATUS_LAYER(o[i].st) != TRUSTM_LAYER_TOOL) {
                /* the link is gone: do not try the remaining objects */
                for (size_t k = i + 1; k < INFO_NOBJ; k++) {
                    o[k].st = o[i].st;
                }
                break;
            }
        }
    }
    res->frame_size = trustm_device_frame_size(&d.dev); /* as negotiated by now */
    cli_device_close(&d, g);
    return first_err;
}

int do_info(cli_globals_t *g, int argc, char **argv)
{
    bool json = false, opened = false;
    static info_result_t res;
    int rc = info_parse(g, argc, argv, &json);
    if (rc != CLI_PARSE_RUN) {
        return rc;
    }
    rc = info_run(g, &res, &opened);
    if (opened) {
        if (json) {
            print_json(&res);
        } else {
            print_text(&res);
        }
    }
    return rc;
}
