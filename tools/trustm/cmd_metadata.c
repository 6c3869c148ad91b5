/*
 * cmd_metadata.c - `trustm metadata OID`: show an object's metadata decoded (text or JSON) or
 * change it from the same readable form (trustm_metadata_format / trustm_metadata_parse).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_device.h"
#include "cli_hex.h"
#include "cli_objects.h"
#include "cli_util.h"

static const char metadata_help[] =
    "Usage: trustm [global options] metadata OID [--json | --raw]\n"
    "       trustm [global options] metadata OID --set \"name: value; ...\"\n"
    "       trustm [global options] metadata OID --set-file FILE|-\n"
    "Show the metadata of object OID decoded, one \"name: value\" per line:\n"
    "  lcso: cr|in|op|te     version: 0xNNNN    max_size: N    used_size: N\n"
    "  change: AC   read: AC   execute: AC   meta_update: AC\n"
    "  algorithm: RSA1024|RSA2048|AES128|...   key_usage: Sign|Enc|Auth|KeyAgree\n"
    "  type: BSTR|UPCTR|TA|DEVCERT|PRESSEC|PTFBIND|UPDATSEC|AUTOREF   reset_type: 0xNN\n"
    "where AC is an access condition such as \"ALW\", \"NEV\", \"LcsO < op\",\n"
    "\"LcsO < op || Conf(E140)\", \"Auto(F1D0)\", \"Int(E0E8) && LcsO > in\".\n"
    "--set writes the given tags (the same form; lines or ';' separate them); tags not\n"
    "given keep their value. The chip's metadata update access condition applies.\n"
    "--set-file reads the text from a file, e.g. the output of `trustm metadata OID` edited\n"
    "(its header line is skipped; leave out the tags the chip does not let you change, such\n"
    "as max_size and used_size).\n"
    "Options:\n"
    "  --json                print one JSON object\n"
    "  --raw                 print the metadata bytes as hex\n"
    "  --set TEXT            change the metadata\n"
    "  --set-file FILE|-     change the metadata, text read from FILE\n";

static const char *usage_names[] = {"Auth", "Enc", NULL, NULL, "Sign", "KeyAgree", NULL, NULL};

static void json_ac(const char *key, const trustm_ac_t *ac, bool *first)
{
    char text[512];
    size_t n;
    printf("%s\"%s\":", *first ? "" : ",", key);
    *first = false;
    if (trustm_ac_format(ac->bytes, ac->len, text, sizeof(text), &n) == TRUSTM_OK) {
        cli_json_str(stdout, text);
    } else {
        printf("null");
    }
}

static void json_named(const char *key, const char *name, unsigned v, bool *first)
{
    printf("%s\"%s\":{\"value\":%u,\"name\":", *first ? "" : ",", key, v);
    *first = false;
    if (name != NULL) {
        cli_json_str(stdout, name);
    } else {
        printf("null");
    }
    printf("}");
}

static int print_json(uint16_t oid, const uint8_t *raw, size_t len)
{
    trustm_metadata_t md;
    char hex[600];
    bool first = false;
    trustm_status_t st = trustm_metadata_decode(raw, len, &md);
    const char *name = cli_oid_name(oid);
    cli_hex_format(raw, len, 0, hex, sizeof(hex));
    if (st != TRUSTM_OK) {
        return cli_report_status("decode metadata", st);
    }
    printf("{\"oid\":\"%04X\",\"name\":", oid);
    if (name != NULL) {
        cli_json_str(stdout, name);
    } else {
        printf("null");
    }
    printf(",\"raw\":\"%s\"", hex);
    if (md.present & TRUSTM_MD_HAS_LCSO) {
        json_named("lcso", trustm_lcs_name(md.lcso), md.lcso, &first);
    }
    if (md.present & TRUSTM_MD_HAS_VERSION) {
        printf(",\"version\":%u", md.version);
    }
    if (md.present & TRUSTM_MD_HAS_MAX_SIZE) {
        printf(",\"max_size\":%u", md.max_size);
    }
    if (md.present & TRUSTM_MD_HAS_USED_SIZE) {
        printf(",\"used_size\":%u", md.used_size);
    }
    if (md.present & TRUSTM_MD_HAS_CHANGE) {
        json_ac("change", &md.change, &first);
    }
    if (md.present & TRUSTM_MD_HAS_READ) {
        json_ac("read", &md.read, &first);
    }
    if (md.present & TRUSTM_MD_HAS_EXECUTE) {
        json_ac("execute", &md.execute, &first);
    }
    if (md.present & TRUSTM_MD_HAS_META_UPDATE) {
        json_ac("meta_update", &md.meta_update, &first);
    }
    if (md.present & TRUSTM_MD_HAS_ALGORITHM) {
        json_named("algorithm", trustm_algorithm_name(md.algorithm), md.algorithm, &first);
    }
    if (md.present & TRUSTM_MD_HAS_KEY_USAGE) {
        bool f2 = true;
        printf(",\"key_usage\":{\"value\":%u,\"names\":[", md.key_usage);
        for (unsigned b = 0; b < 8u; b++) {
            if ((md.key_usage & (1u << b)) != 0u) {
                printf("%s", f2 ? "" : ",");
                f2 = false;
                if (usage_names[b] != NULL) {
                    cli_json_str(stdout, usage_names[b]);
                } else {
                    printf("\"0x%02X\"", 1u << b);
                }
            }
        }
        printf("]}");
    }
    if (md.present & TRUSTM_MD_HAS_TYPE) {
        json_named("type", trustm_data_type_name(md.type), md.type, &first);
    }
    if (md.present & TRUSTM_MD_HAS_RESET_TYPE) {
        printf(",\"reset_type\":%u", md.reset_type);
    }
    printf("}\n");
    return CLI_EXIT_OK;
}

static int print_text(uint16_t oid, const uint8_t *raw, size_t len)
{
    char text[4096];
    char hex[600];
    size_t n;
    const char *name = cli_oid_name(oid);
    trustm_status_t st = trustm_metadata_format(raw, len, text, sizeof(text), &n);
    if (st != TRUSTM_OK) {
        cli_hex_format(raw, len, ' ', hex, sizeof(hex));
        fprintf(stderr, "trustm metadata: cannot decode the metadata of %04X: %s\n", oid, hex);
        return cli_report_status("decode metadata", st);
    }
    printf("%04X%s%s%s metadata:\n", oid, name != NULL ? " (" : "", name != NULL ? name : "", name != NULL ? ")" : "");
    for (const char *p = text; *p != '\0';) {
        const char *e = strchr(p, '\n');
        size_t k = e != NULL ? (size_t)(e - p) : strlen(p);
        printf("  %.*s\n", (int)k, p);
        p += k + (e != NULL ? 1u : 0u);
    }
    return CLI_EXIT_OK;
}

typedef struct metadata_opts {
    uint16_t oid;
    bool json, raw;
    bool set; /* write md (encoded from --set / --set-file), else read and show */
    uint8_t md[TRUSTM_MD_MAX_LEN + 2u];
    size_t md_len;
} metadata_opts_t;

typedef struct metadata_result {
    uint8_t md[TRUSTM_MD_MAX_LEN + 2u];
    size_t md_len;
} metadata_result_t;

/* --set-file: the text, without the header line of `trustm metadata OID` */
static int metadata_set_file(const char *set_file, const char **set)
{
    static char set_text[8192];
    size_t n = 0;
    char *p;
    int rc;
    if ((rc = cli_file_load(set_file, false, "metadata", (uint8_t *)set_text, sizeof(set_text) - 1u, &n)) != 0) {
        return rc;
    }
    set_text[n] = '\0';
    if (strlen(set_text) != n) {
        fprintf(stderr, "trustm metadata: %s: not text (contains a NUL byte)\n", set_file);
        return CLI_EXIT_FILE;
    }
    *set = set_text;
    /* skip the header line of `trustm metadata OID` ("F1D0 (...) metadata:") */
    p = strchr(set_text, '\n');
    if (p != NULL && p - set_text >= 9 && strncmp(p - 9, "metadata:", 9) == 0) {
        *set = p + 1;
    }
    return CLI_EXIT_OK;
}

static int metadata_parse(cli_globals_t *g, int argc, char **argv, metadata_opts_t *o)
{
    const char *cmd = "metadata";
    cli_io_t io;
    const char *oid_s = NULL, *set = NULL, *set_file = NULL;
    trustm_status_t st;
    int rc;
    memset(&io, 0, sizeof(io));
    memset(o, 0, sizeof(*o));
    const cli_opt_t opts[] = {{"--set", NULL, &set, NULL, NULL, 0},
                              {"--set-file", NULL, &set_file, NULL, NULL, 0},
                              {"--json", NULL, NULL, &o->json, NULL, 0},
                              {"--raw", NULL, NULL, &o->raw, NULL, 0},
                              {NULL, NULL, NULL, NULL, NULL, 0}};
    if ((rc = cli_parse(g, &io, 0, cmd, metadata_help, opts, &oid_s, argc, argv)) != CLI_PARSE_RUN) {
        return rc;
    }
    if (oid_s == NULL) {
        return cli_usage_error(cmd, "missing OID (e.g. trustm metadata F1D0)");
    }
    if ((rc = cli_oid_arg(cmd, "OID", oid_s, &o->oid)) != CLI_EXIT_OK) {
        return rc;
    }
    if (o->json && o->raw) {
        return cli_usage_error(cmd, "--json and --raw exclude each other");
    }
    if (set != NULL && set_file != NULL) {
        return cli_usage_error(cmd, "give --set or --set-file, not both");
    }
    if (set_file != NULL && (rc = metadata_set_file(set_file, &set)) != CLI_EXIT_OK) {
        return rc;
    }
    if (set != NULL) {
        if (o->json || o->raw) {
            return cli_usage_error(cmd, "--set does not print metadata; leave out --json/--raw");
        }
        st = trustm_metadata_parse(set, o->md, sizeof(o->md), &o->md_len);
        if (st == TRUSTM_OK && o->md_len <= 2u) {
            return cli_usage_error(cmd, "--set: no tag given (e.g. --set \"read: ALW\")");
        }
        if (st != TRUSTM_OK) {
            return cli_usage_error(cmd,
                                   "--set '%s': not valid metadata text (one \"name: value\" per item, e.g. "
                                   "\"change: LcsO < op; read: ALW\")",
                                   set);
        }
        o->set = true;
    }
    return CLI_PARSE_RUN;
}

static int metadata_run(const cli_globals_t *g, const metadata_opts_t *o, metadata_result_t *res)
{
    cli_device_t d;
    trustm_status_t st;
    char what[64];
    int rc = cli_device_open(&d, g, "metadata");
    if (rc != CLI_EXIT_OK) {
        return rc;
    }
    if (o->set) {
        st = trustm_metadata_write(&d.dev, o->oid, o->md, o->md_len);
        snprintf(what, sizeof(what), "write metadata of %04X", o->oid);
    } else {
        st = trustm_metadata_read(&d.dev, o->oid, res->md, sizeof(res->md), &res->md_len);
        snprintf(what, sizeof(what), "read metadata of %04X", o->oid);
    }
    if (st != TRUSTM_OK) {
        rc = cli_report_status(what, st);
    }
    cli_device_close(&d, g);
    return rc;
}

static int metadata_print(const metadata_opts_t *o, const metadata_result_t *res)
{
    if (o->set) {
        printf("%04X: metadata written\n", o->oid);
        return CLI_EXIT_OK;
    }
    if (o->raw) {
        char hex[600];
        cli_hex_format(res->md, res->md_len, ' ', hex, sizeof(hex));
        printf("%s\n", hex);
        return CLI_EXIT_OK;
    }
    return o->json ? print_json(o->oid, res->md, res->md_len) : print_text(o->oid, res->md, res->md_len);
}

int do_metadata(cli_globals_t *g, int argc, char **argv)
{
    metadata_opts_t o;
    metadata_result_t res;
    int rc = metadata_parse(g, argc, argv, &o);
    if (rc != CLI_PARSE_RUN) {
        return rc;
    }
    memset(&res, 0, sizeof(res));
    rc = metadata_run(g, &o, &res);
    return rc == CLI_EXIT_OK ? metadata_print(&o, &res) : rc;
}
