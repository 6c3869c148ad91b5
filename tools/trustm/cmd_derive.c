/*
 * cmd_derive.c - secrets in data objects: `trustm hmac` (EncryptSym HMAC-SHA256/384/512),
 * `trustm prf` (DeriveKey TLS 1.2 PRF) and `trustm hkdf` (DeriveKey HKDF), the derived key
 * exported to a file or standard output.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_device.h"
#include "cli_hex.h"
#include "cli_util.h"
#include "trustm_bytes.h"

#define HMAC_IN_MAX      (64u * 1024u)
#define DERIVE_LABEL_MAX 1024u
#define DERIVE_PRF_MIN   8u /* label || seed: 8..1024 bytes (commands.md §5.15) */
#define DERIVE_INFO_MAX  256u
#define DERIVE_KEY_MAX   256u

static const char hmac_help[] =
    "Usage: trustm [global options] hmac --secret-oid OID [--alg sha256|sha384|sha512]\n"
    "                                    [--in FILE | --data HEX] [--out FILE] [--hex]\n"
    "HMAC of the input keyed by the secret in data object OID (type PRESSEC) or a session,\n"
    "computed by the chip (EncryptSym HMAC). The output is the MAC (32, 48 or 64 bytes).\n"
    "Options:\n"
    "  --secret-oid OID      the key: a PRESSEC data object (e.g. F1D1) or session E100..E103\n"
    "  --alg NAME            sha256 (default), sha384 or sha512\n";

static const char prf_help[] =
    "Usage: trustm [global options] prf --secret-oid OID [--alg sha256|sha384|sha512]\n"
    "                                   (--label TEXT | --label-hex HEX) --seed HEX --length N\n"
    "                                   [--out FILE] [--hex]\n"
    "Derive N bytes (1..256) with the TLS 1.2 PRF P_hash(secret, label || seed) on the chip\n"
    "(DeriveKey) from the secret in data object OID (PRESSEC) or a session, and write them out.\n"
    "Options:\n"
    "  --secret-oid OID      the secret: a PRESSEC data object or session E100..E103\n"
    "  --alg NAME            sha256 (default), sha384 or sha512\n"
    "  --label TEXT          label as text (e.g. \"key expansion\"), or --label-hex HEX\n"
    "  --seed HEX            seed bytes (label and seed together 8..1024 bytes)\n"
    "  --length N            bytes to derive, 1..256\n";

static const char hkdf_help[] =
    "Usage: trustm [global options] hkdf --secret-oid OID [--alg sha256|sha384|sha512] [--salt HEX]\n"
    "                                    [--info HEX | --info-text TEXT] --length N [--out FILE] [--hex]\n"
    "Derive N bytes (1..256) with HKDF (RFC 5869) on the chip (DeriveKey) from the secret in\n"
    "data object OID (PRESSEC) or a session, and write them out.\n"
    "Options:\n"
    "  --secret-oid OID      the input keying material: a PRESSEC data object or a session\n"
    "  --alg NAME            sha256 (default), sha384 or sha512\n"
    "  --salt HEX            salt (default: none; at most 1024 bytes)\n"
    "  --info HEX            info (at most 256 bytes), or --info-text TEXT\n"
    "  --length N            bytes to derive, 1..256\n";

typedef struct derive_opts {
    cli_io_t io;
    const char *secret_s, *alg_s, *label_s, *label_hex_s, *seed_s, *salt_s, *info_s, *info_text_s, *length_s;
} derive_opts_t;

static int parse(cli_globals_t *g, derive_opts_t *o, const char *cmd, const char *help, unsigned io_bits,
                 const char *const *names, const char **const *slots, size_t n, int argc, char **argv)
{
    cli_opt_t table[8];
    if (n >= sizeof(table) / sizeof(table[0])) {
        return CLI_EXIT_USAGE;
    }
    for (size_t k = 0; k < n; k++) {
        table[k] = (cli_opt_t){names[k], NULL, (const char **)slots[k], NULL, NULL, 0};
    }
    table[n] = (cli_opt_t){NULL, NULL, NULL, NULL, NULL, 0};
    return cli_parse(g, &o->io, io_bits, cmd, help, table, NULL, argc, argv);
}

static int secret_and_alg(const char *cmd, const derive_opts_t *o, uint16_t *oid, int *alg_idx)
{
    int rc;
    if (o->secret_s == NULL) {
        return cli_usage_error(cmd, "missing --secret-oid OID");
    }
    if ((rc = cli_oid_arg(cmd, "--secret-oid", o->secret_s, oid)) != CLI_EXIT_OK) {
        return rc;
    }
    *alg_idx = o->alg_s != NULL ? cli_parse_sha(o->alg_s) : 0;
    if (*alg_idx < 0) {
        return cli_usage_error(cmd, "--alg must be sha256, sha384 or sha512");
    }
    return CLI_EXIT_OK;
}

typedef struct hmac_opts {
    derive_opts_t o;
    uint16_t oid;
    int alg;
} hmac_opts_t;

typedef struct hmac_data {
    uint8_t *in; /* the input (malloc'd) */
    size_t len;
    uint8_t mac[64];
    size_t mac_len;
} hmac_data_t;

static int hmac_parse(cli_globals_t *g, int argc, char **argv, hmac_opts_t *h)
{
    const char *cmd = "hmac";
    const char *names[] = {"--secret-oid", "--alg"};
    const char **slots[] = {&h->o.secret_s, &h->o.alg_s};
    int rc;
    memset(h, 0, sizeof(*h));
    rc = parse(g, &h->o, cmd, hmac_help, CLI_IO_IN | CLI_IO_OUT | CLI_IO_HEX, names, slots, 2, argc, argv);
    if (rc != CLI_PARSE_RUN) {
        return rc;
    }
    if ((rc = secret_and_alg(cmd, &h->o, &h->oid, &h->alg)) != CLI_EXIT_OK) {
        return rc;
    }
    return CLI_PARSE_RUN;
}

/* the input data (no device access) */
static int hmac_input(const hmac_opts_t *h, hmac_data_t *x)
{
    const char *cmd = "hmac";
    int rc;
    x->in = malloc(HMAC_IN_MAX);
    if (x->in == NULL) {
        fprintf(stderr, "trustm %s: out of memory\n", cmd);
        return CLI_EXIT_FILE;
    }
    rc = cli_input_read(&h->o.io, cmd, x->in, HMAC_IN_MAX, &x->len);
    if (rc == CLI_EXIT_OK && x->len == 0u) {
        fprintf(stderr, "trustm %s: the input is empty (the chip needs 1 byte or more)\n", cmd);
        rc = CLI_EXIT_FILE;
    }
    return rc;
}

static int hmac_run(const cli_globals_t *g, const hmac_opts_t *h, hmac_data_t *x)
{
    static const uint8_t types[3] = {TRUSTM_HMAC_SHA256, TRUSTM_HMAC_SHA384, TRUSTM_HMAC_SHA512};
    cli_device_t d;
    int rc = cli_device_open(&d, g, "hmac");
    if (rc != CLI_EXIT_OK) {
        return rc;
    }
    trustm_status_t st = trustm_hmac(&d.dev, h->oid, types[h->alg], x->in, x->len, x->mac, sizeof(x->mac), &x->mac_len);
    if (st != TRUSTM_OK) {
        rc = cli_report_status("HMAC (EncryptSym)", st);
    }
    cli_device_close(&d, g);
    return rc;
}

int do_hmac(cli_globals_t *g, int argc, char **argv)
{
    hmac_opts_t h;
    hmac_data_t x;
    int rc = hmac_parse(g, argc, argv, &h);
    if (rc != CLI_PARSE_RUN) {
        return rc;
    }
    memset(&x, 0, sizeof(x));
    rc = hmac_input(&h, &x);
    if (rc == CLI_EXIT_OK) {
        rc = hmac_run(g, &h, &x);
    }
    free(x.in);
    if (rc == CLI_EXIT_OK) {
        rc = cli_output_write(&h.o.io, "hmac", x.mac, x.mac_len); /* print */
    }
    return rc;
}

static int key_length(const char *cmd, const char *s, uint16_t *len)
{
    unsigned long v;
    if (s == NULL) {
        return cli_usage_error(cmd, "missing --length N (1..%u)", DERIVE_KEY_MAX);
    }
    if (cli_parse_uint(s, 1, DERIVE_KEY_MAX, &v) != 0) {
        return cli_usage_error(cmd, "--length must be 1..%u", DERIVE_KEY_MAX);
    }
    *len = (uint16_t)v;
    return CLI_EXIT_OK;
}

/* DeriveKey into key[p->key_len] */
static int derive_run(const cli_globals_t *g, const char *cmd, const trustm_derive_t *p, uint8_t *key, size_t size)
{
    cli_device_t d;
    trustm_status_t st;
    int rc = cli_device_open(&d, g, cmd);
    if (rc != CLI_EXIT_OK) {
        return rc;
    }
    st = trustm_derive_key(&d.dev, p, key, size, NULL);
    if (st != TRUSTM_OK) {
        rc = cli_report_status("DeriveKey", st);
    }
    cli_device_close(&d, g);
    return rc;
}

/* run, then print the derived bytes; parse is the caller's */
static int run_derive(cli_globals_t *g, const char *cmd, const derive_opts_t *o, const trustm_derive_t *p)
{
    uint8_t key[DERIVE_KEY_MAX];
    int rc = derive_run(g, cmd, p, key, sizeof(key));
    if (rc == CLI_EXIT_OK) {
        rc = cli_output_write(&o->io, cmd, key, p->key_len);
    }
    trustm_wipe(key, sizeof(key));
    return rc;
}

/* argv -> the DeriveKey parameters (label and seed in static buffers) */
static int prf_parse(cli_globals_t *g, int argc, char **argv, derive_opts_t *po, trustm_derive_t *pp)
{
    static const uint8_t algs[3] = {TRUSTM_PRF_SHA256, TRUSTM_PRF_SHA384, TRUSTM_PRF_SHA512};
    const char *cmd = "prf";
    derive_opts_t o;
    const char *names[] = {"--secret-oid", "--alg", "--label", "--label-hex", "--seed", "--length"};
    const char **slots[] = {&o.secret_s, &o.alg_s, &o.label_s, &o.label_hex_s, &o.seed_s, &o.length_s};
    static uint8_t label[DERIVE_LABEL_MAX], seed[DERIVE_LABEL_MAX];
    size_t label_len = 0, seed_len = 0;
    trustm_derive_t p;
    uint16_t oid = 0, klen = 0;
    int alg = 0, rc;
    memset(&o, 0, sizeof(o));
    rc = parse(g, &o, cmd, prf_help, CLI_IO_OUT | CLI_IO_HEX, names, slots, 6, argc, argv);
    if (rc != CLI_PARSE_RUN) {
        return rc;
    }
    if ((rc = secret_and_alg(cmd, &o, &oid, &alg)) != CLI_EXIT_OK || (rc = key_length(cmd, o.length_s, &klen)) != 0) {
        return rc;
    }
    if ((o.label_s == NULL) == (o.label_hex_s == NULL)) {
        return cli_usage_error(cmd, "give the label with --label TEXT or --label-hex HEX (one of them)");
    }
    if (o.label_s != NULL) {
        label_len = strlen(o.label_s);
        if (label_len > sizeof(label)) {
            return cli_usage_error(cmd, "--label is longer than %u bytes", DERIVE_LABEL_MAX);
        }
        memcpy(label, o.label_s, label_len);
    } else if ((rc = cli_parse_hex_arg(cmd, "--label-hex", o.label_hex_s, label, sizeof(label), &label_len)) != 0) {
        return rc;
    }
    if (o.seed_s == NULL) {
        return cli_usage_error(cmd, "missing --seed HEX");
    }
    if ((rc = cli_parse_hex_arg(cmd, "--seed", o.seed_s, seed, sizeof(seed), &seed_len)) != CLI_EXIT_OK) {
        return rc;
    }
    if (seed_len == 0u || label_len + seed_len < DERIVE_PRF_MIN || label_len + seed_len > DERIVE_LABEL_MAX) {
        return cli_usage_error(cmd, "label and seed together must be %u..%u bytes, with a seed of 1 byte or more",
                               DERIVE_PRF_MIN, DERIVE_LABEL_MAX);
    }
    memset(&p, 0, sizeof(p));
    p.alg = algs[alg];
    p.secret_oid = oid;
    p.label = label;
    p.label_len = label_len;
    p.seed = seed;
    p.seed_len = seed_len;
    p.key_len = klen;
    *po = o;
    *pp = p;
    return CLI_PARSE_RUN;
}

int do_prf(cli_globals_t *g, int argc, char **argv)
{
    derive_opts_t o;
    trustm_derive_t p;
    int rc = prf_parse(g, argc, argv, &o, &p);
    return rc == CLI_PARSE_RUN ? run_derive(g, "prf", &o, &p) : rc;
}

/* argv -> the DeriveKey parameters (salt and info in static buffers) */
static int hkdf_parse(cli_globals_t *g, int argc, char **argv, derive_opts_t *po, trustm_derive_t *pp)
{
    static const uint8_t algs[3] = {TRUSTM_HKDF_SHA256, TRUSTM_HKDF_SHA384, TRUSTM_HKDF_SHA512};
    const char *cmd = "hkdf";
    derive_opts_t o;
    const char *names[] = {"--secret-oid", "--alg", "--salt", "--info", "--info-text", "--length"};
    const char **slots[] = {&o.secret_s, &o.alg_s, &o.salt_s, &o.info_s, &o.info_text_s, &o.length_s};
    static uint8_t salt[DERIVE_LABEL_MAX];
    static uint8_t info[DERIVE_INFO_MAX];
    size_t salt_len = 0, info_len = 0;
    trustm_derive_t p;
    uint16_t oid = 0, klen = 0;
    int alg = 0, rc;
    memset(&o, 0, sizeof(o));
    rc = parse(g, &o, cmd, hkdf_help, CLI_IO_OUT | CLI_IO_HEX, names, slots, 6, argc, argv);
    if (rc != CLI_PARSE_RUN) {
        return rc;
    }
    if ((rc = secret_and_alg(cmd, &o, &oid, &alg)) != CLI_EXIT_OK || (rc = key_length(cmd, o.length_s, &klen)) != 0) {
        return rc;
    }
    if (o.salt_s != NULL &&
        (rc = cli_parse_hex_arg(cmd, "--salt", o.salt_s, salt, sizeof(salt), &salt_len)) != CLI_EXIT_OK) {
        return rc;
    }
    if (o.info_s != NULL && o.info_text_s != NULL) {
        return cli_usage_error(cmd, "give --info or --info-text, not both");
    }
    if (o.info_s != NULL &&
        (rc = cli_parse_hex_arg(cmd, "--info", o.info_s, info, sizeof(info), &info_len)) != CLI_EXIT_OK) {
        return rc;
    }
    if (o.info_text_s != NULL) {
        info_len = strlen(o.info_text_s);
        if (info_len > sizeof(info)) {
            return cli_usage_error(cmd, "--info-text is longer than %u bytes", DERIVE_INFO_MAX);
        }
        memcpy(info, o.info_text_s, info_len);
    }
    memset(&p, 0, sizeof(p));
    p.alg = algs[alg];
    p.secret_oid = oid;
    p.label = salt_len > 0u ? salt : NULL;
    p.label_len = salt_len;
    p.info = info_len > 0u ? info : NULL;
    p.info_len = info_len;
    p.key_len = klen;
    *po = o;
    *pp = p;
    return CLI_PARSE_RUN;
}

int do_hkdf(cli_globals_t *g, int argc, char **argv)
{
    derive_opts_t o;
    trustm_derive_t p;
    int rc = hkdf_parse(g, argc, argv, &o, &p);
    return rc == CLI_PARSE_RUN ? run_derive(g, "hkdf", &o, &p) : rc;
}
