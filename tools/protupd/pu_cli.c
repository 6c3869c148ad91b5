/*
 * pu_cli.c - command line, input files and output formats of trustm-protupd
 * (protected-update.md §8). The data set itself is built by pu_dataset.c.
 */
#define _POSIX_C_SOURCE 200809L

#include "pu_cli.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>

#include "pu_dataset.h"
#include "pu_output.h"
#include "trustm_bytes.h"

#ifndef TRUSTM_VERSION_STRING
#define TRUSTM_VERSION_STRING "0.1.0"
#endif

#define MAX_FILE_SIZE (64u * 1024u)

/* ---------------------------------------------------------------- option table (§8.2) */

enum opt_id {
    O_PAYLOAD_VERSION,
    O_TRUST_ANCHOR_OID,
    O_TARGET_OID,
    O_COUID,
    O_SIGN_ALGO,
    O_PRIV_KEY,
    O_DIGEST_ALGO,
    O_PAYLOAD_TYPE,
    O_SECRET,
    O_SECRET_OID,
    O_LABEL,
    O_ENC_ALGO,
    O_KDF,
    O_SEED_LENGTH,
    O_OFFSET,
    O_WRITE_TYPE,
    O_DATA,
    O_IN_DATA_FORMAT,
    O_KEY_USAGE,
    O_KEY_ALGO,
    O_KEY_DATA,
    O_CONTENT_RESET,
    O_METADATA,
    O_DATASET_TO_FILE,
    O_COUNT
};

typedef struct opt_def {
    const char *name;
    const char *desc;
    const char *def;     /* NULL: no default */
    const char *options; /* NULL: none */
    const char *note;    /* NULL: none */
    const char *section; /* header printed before this option in the usage text */
} opt_def_t;

static const opt_def_t k_opts[O_COUNT] = {
    {"payload_version", "Payload version", "0", NULL, "decimal, 0..32767",
     "(1) : To create manifest , provide the following details"},
    {"trust_anchor_oid", "Trust anchor oid", "E0E8", NULL, "hex OID, e.g. E0E3", NULL},
    {"target_oid", "Target oid", "E0E2", NULL, "hex OID, e.g. E200", NULL},
    {"couid", "Co-Processor OID", NULL, NULL, "50 hex digits (25-byte chip UID); absent = any chip", NULL},
    {"sign_algo", "Signature Algorithm", "ES_256", "ES_256 , RSA-SSA-PKCS1-V1_5-SHA-256", NULL, NULL},
    {"priv_key", "Private key", NULL, NULL, "PEM private key file (RSA or EC) used to sign", NULL},
    {"digest_algo", "Digest algorithm", "SHA256", "SHA256", NULL, NULL},
    {"payload_type", "Type of Payload", "data", "data , key , metadata", NULL, NULL},
    {"secret", "Shared secret", NULL, NULL, "file with the secret as hex (1..64 bytes)",
     "(2) : To enable confidentiality,\"secret\" must be provided (All other options are ignored if there is no "
     "confidentiality)"},
    {"secret_oid", "Shared secret OID", "F1D0", NULL, "hex OID of the protected update secret object", NULL},
    {"label", "Label", "Confidentiality", NULL, "1..32 characters", NULL},
    {"enc_algo", "Encryption algorithm", "AES-CCM-16-64-128", "AES-CCM-16-64-128", NULL, NULL},
    {"kdf", "Key Derivation Function", "IFX_KDF-TLS12_PRF_SHA256", "IFX_KDF-TLS12_PRF_SHA256", NULL, NULL},
    {"seed_length", "Length of seed", "64", NULL, "decimal, 16..64", NULL},
    {"offset", "Offset in OID", "0", NULL, "decimal",
     "(3.1) : To update data object, \"payload_type\" should be \"data\" and provide the following details:"},
    {"write_type", "Type of Write", "2", "1 (Write) , 2 (EraseAndWrite)", NULL, NULL},
    {"data", "OID data", NULL, NULL, "data payload file", NULL},
    {"in_data_format", "Input data format", "hex", "hex , ascii", NULL, NULL},
    {"key_usage", "Key Usage", "02", NULL, "hex: 01 Auth, 02 Enc, 10 Sign, 20 KeyAgree (OR-able)",
     "(3.2) : To update key object, \"payload_type\" should be \"key\" and provide the following details:"},
    {"key_algo", "Key algorithm", NULL, NULL,
     "decimal: 3 P-256, 4 P-384, 5 P-521, 19/21/22 BP-256/384/512, 65 RSA-1024, 66 RSA-2048, 129/130/131 "
     "AES-128/192/256",
     NULL},
    {"key_data", "Key Data", NULL, NULL, "*.txt: AES key as hex; otherwise PEM private key (RSA or EC)", NULL},
    {"content_reset", "Content Reset", "0", "0 (per F0) , 1 (zeros) , 2 (random)", NULL,
     "(3.3) : To update metadata object, \"payload_type\" should be \"metadata\" and provide the following details:"},
    {"metadata", "Meta Data", NULL, NULL, "file with the new metadata as hex (20 LL ...)", NULL},
    {"dataset_to_file", "Dataset output to file", NULL, NULL, "C arrays are appended to this file",
     "(4) : To write dataset to file, \"dataset_to_file\" should be the file path"},
};

/* Tool-only long options (no vendor equivalent). */
enum ext_id { X_OUT_MANIFEST, X_OUT_FRAGMENTS, X_OUT_DIR, X_FORMAT, X_FIXED_SEED, X_COUNT };
static const char *const k_ext[X_COUNT] = {"out-manifest", "out-fragments", "out-dir", "format", "fixed-seed"};

typedef struct cli {
    FILE *out;
    FILE *err;
    const char *val[O_COUNT];
    bool given[O_COUNT];
    const char *ext[X_COUNT];
    const char *argv0;
} cli_t;

/* One error line on stderr: "Error : <what>". Returns the exit code. */
static int fail(cli_t *c, int code, const char *fmt, ...)
{
    va_list ap;
    fputs("Error : ", c->err);
    va_start(ap, fmt);
    vfprintf(c->err, fmt, ap);
    va_end(ap);
    fputc('\n', c->err);
    return code;
}

static int fail_opt(cli_t *c, int code, int id, const char *what)
{
    return fail(c, code, "%s=%s: %s", k_opts[id].name, c->val[id] != NULL ? c->val[id] : "", what);
}

static const char *val(const cli_t *c, int id)
{
    return c->val[id] != NULL ? c->val[id] : k_opts[id].def;
}

/* ---------------------------------------------------------------- usage / help */

static void print_block(FILE *o, const char *name, const char *kind, const char *v)
{
    fprintf(o, "\t%-20s %-8s :  %-8s \n", name, kind, v != NULL ? v : "(null)");
}

static void print_usage(FILE *o, const char *argv0)
{
    fprintf(o, "Usage : %s input1=<value> input2=<value> ..\n", argv0);
    for (int i = 0; i < O_COUNT; i++) {
        const opt_def_t *d = &k_opts[i];
        if (d->section != NULL)
            fprintf(o, "\n\t%s\n", d->section);
        print_block(o, d->name, "default", d->def);
        if (d->options != NULL)
            print_block(o, "", "options", d->options);
        if (d->note != NULL)
            print_block(o, "", "note", d->note);
    }
}

static void print_help(cli_t *c)
{
    FILE *o = c->out;
    fprintf(o,
            "trustm-protupd %s - OPTIGA Trust M protected update data set generator\n"
            "(same command line and output as the vendor tool protected_update_data_set %s)\n\n",
            TRUSTM_VERSION_STRING, PU_TOOL_VERSION_STRING);
    print_usage(o, "protected_update_data_set");
    fprintf(o, "\nEvery option above may also be written as --name VALUE or --name=VALUE, with '-' or '_'\n"
               "(e.g. --payload-version 3 --priv-key key.pem). Further options:\n"
               "\t--out-manifest FILE    write the manifest as raw binary\n"
               "\t--out-fragments FILE   write all fragments as one raw binary stream (split at 640 bytes)\n"
               "\t--out-dir DIR          write DIR/manifest.bin and DIR/fragment_NN.bin\n"
               "\t--format FMT           stdout format: console (default, vendor layout), c, hex, json, none\n"
               "\t--fixed-seed HEX       use this confidentiality seed instead of a random one (tests only)\n"
               "\t--help, --version\n"
               "\nSignatures: RSA PKCS#1 v1.5 is deterministic; ECDSA uses RFC 6979 deterministic k.\n"
               "Paths written with '\\' (Windows style) are also tried with '/'.\n"
               "Output files are written to a temporary file and renamed, so a failed run leaves none behind.\n"
               "\nExit status: 0 success; 1 bad option or value; 2 input file missing, unreadable or wrong\n"
               "(PEM, hex, key size); 3 data set cannot be built (payload too large, crypto failure);\n"
               "4 output file cannot be written. Errors print one line on stderr.\n");
}

/* ---------------------------------------------------------------- argument parsing */

static int find_opt(const char *name, size_t len, bool dashes_ok)
{
    for (int i = 0; i < O_COUNT; i++) {
        const char *n = k_opts[i].name;
        if (strlen(n) != len)
            continue;
        size_t j = 0;
        for (; j < len; j++) {
            char a = name[j];
            if (dashes_ok && a == '-')
                a = '_';
            if (a != n[j])
                break;
        }
        if (j == len)
            return i;
    }
    return -1;
}

static int find_ext(const char *name, size_t len)
{
    for (int i = 0; i < X_COUNT; i++)
        if (strlen(k_ext[i]) == len && strncmp(k_ext[i], name, len) == 0)
            return i;
    return -1;
}

/* Returns -1 to continue, else an exit code. */
static int parse_args(cli_t *c, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) == 0) {
            const char *name = a + 2;
            const char *eq = strchr(name, '=');
            size_t len = eq != NULL ? (size_t)(eq - name) : strlen(name);
            if (len == 4 && strncmp(name, "help", 4) == 0) {
                print_help(c);
                return PU_EXIT_OK;
            }
            if (len == 7 && strncmp(name, "version", 7) == 0) {
                fprintf(c->out, "trustm-protupd %s (protected_update_data_set format %s, mbedTLS)\n",
                        TRUSTM_VERSION_STRING, PU_TOOL_VERSION_STRING);
                return PU_EXIT_OK;
            }
            int id = find_opt(name, len, true);
            int xid = id < 0 ? find_ext(name, len) : -1;
            if (id < 0 && xid < 0)
                return fail(c, PU_EXIT_USAGE, "unknown option --%.*s (see --help)", (int)len, name);
            const char *v = eq != NULL ? eq + 1 : NULL;
            if (v == NULL) {
                if (i + 1 >= argc)
                    return fail(c, PU_EXIT_USAGE, "option --%.*s needs a value", (int)len, name);
                v = argv[++i];
            }
            if (id >= 0) {
                c->val[id] = v;
                c->given[id] = true;
            } else {
                c->ext[xid] = v;
            }
            continue;
        }
        const char *eq = strchr(a, '=');
        if (eq == NULL)
            return fail(c, PU_EXIT_USAGE, "argument '%s' is not of the form name=value (see --help)", a);
        int id = find_opt(a, (size_t)(eq - a), false);
        if (id < 0)
            return fail(c, PU_EXIT_USAGE, " User provided option %.*s cannot be found", (int)(eq - a), a);
        c->val[id] = eq + 1;
        c->given[id] = true;
    }
    return -1;
}

/* ---------------------------------------------------------------- value parsing */

static bool parse_dec(const char *s, unsigned long max, unsigned long *v)
{
    if (s == NULL || *s == '\0' || strlen(s) > 10)
        return false;
    unsigned long x = 0;
    for (const char *p = s; *p; p++) {
        if (!isdigit((unsigned char)*p))
            return false;
        x = x * 10u + (unsigned long)(*p - '0');
    }
    if (x > max)
        return false;
    *v = x;
    return true;
}

static int hexval(int ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

static bool parse_hex_num(const char *s, size_t max_digits, unsigned long *v)
{
    if (s == NULL)
        return false;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        s += 2;
    size_t n = strlen(s);
    if (n == 0 || n > max_digits)
        return false;
    unsigned long x = 0;
    for (size_t i = 0; i < n; i++) {
        int h = hexval((unsigned char)s[i]);
        if (h < 0)
            return false;
        x = (x << 4) | (unsigned long)h;
    }
    *v = x;
    return true;
}

static int parse_oid(cli_t *c, int id, uint16_t *oid)
{
    unsigned long v;
    if (!parse_hex_num(val(c, id), 4, &v) || v >= 0xFFFFu)
        return fail_opt(c, PU_EXIT_USAGE, id, "malformed OID (expected 1 to 4 hex digits below FFFF, e.g. E0E3)");
    *oid = (uint16_t)v;
    return -1;
}

/* Hex text (whitespace ignored) into out. Returns byte count, -1 bad digit/odd count, -2 too long. */
static long hex_text(const uint8_t *in, size_t n, uint8_t *out, size_t size)
{
    size_t o = 0;
    int hi = -1;
    for (size_t i = 0; i < n; i++) {
        if (isspace(in[i]))
            continue;
        int h = hexval(in[i]);
        if (h < 0)
            return -1;
        if (hi < 0) {
            hi = h;
        } else {
            if (o >= size)
                return -2;
            out[o++] = (uint8_t)((hi << 4) | h);
            hi = -1;
        }
    }
    return hi >= 0 ? -1 : (long)o;
}

/* ---------------------------------------------------------------- files */

/* Read a whole file (NUL appended, not counted). Windows-style paths are retried with '/'. */
static int read_file(cli_t *c, int id, const char *path, uint8_t **buf, size_t *len)
{
    FILE *f = fopen(path, "rb");
    int e = errno;
    if (f == NULL && strchr(path, '\\') != NULL) {
        char *alt = strdup(path);
        if (alt != NULL) {
            for (char *p = alt; *p; p++)
                if (*p == '\\')
                    *p = '/';
            f = fopen(alt, "rb");
            free(alt);
        }
    }
    if (f == NULL && strncmp(path, "..", 2) == 0 && strchr(path, '/') == NULL && strchr(path, '\\') == NULL)
        return fail(c, PU_EXIT_INPUT,
                    "%s=%s: cannot open file: %s (a Windows path whose backslashes the shell removed? "
                    "write it with /, e.g. ../samples/...)",
                    k_opts[id].name, path, strerror(e));
    if (f == NULL)
        return fail(c, PU_EXIT_INPUT, "%s=%s: cannot open file: %s", k_opts[id].name, path, strerror(e));
    uint8_t *b = malloc(MAX_FILE_SIZE + 1u);
    if (b == NULL) {
        fclose(f);
        return fail(c, PU_EXIT_INPUT, "%s=%s: out of memory", k_opts[id].name, path);
    }
    size_t n = fread(b, 1, MAX_FILE_SIZE + 1u, f);
    bool rerr = ferror(f) != 0;
    e = errno;
    fclose(f);
    if (rerr) {
        free(b);
        return fail(c, PU_EXIT_INPUT, "%s=%s: cannot read file: %s", k_opts[id].name, path, strerror(e));
    }
    if (n > MAX_FILE_SIZE) {
        free(b);
        return fail(c, PU_EXIT_INPUT, "%s=%s: file larger than 64 KiB", k_opts[id].name, path);
    }
    b[n] = 0;
    *buf = b;
    *len = n;
    return -1;
}

static int load_pk(cli_t *c, int id, mbedtls_pk_context *pk)
{
    uint8_t *b;
    size_t n;
    int rc = read_file(c, id, c->val[id], &b, &n);
    if (rc >= 0)
        return rc;
    int r = strstr((const char *)b, "-----BEGIN") != NULL ? mbedtls_pk_parse_key(pk, b, n + 1u, NULL, 0) : -1;
    trustm_wipe(b, n);
    free(b);
    if (r != 0)
        return fail_opt(c, PU_EXIT_INPUT, id, "not a PEM RSA or EC private key");
    return -1;
}

static int load_hex_file(cli_t *c, int id, uint8_t *out, size_t size, size_t *len, const char *what)
{
    uint8_t *b;
    size_t n;
    int rc = read_file(c, id, c->val[id], &b, &n);
    if (rc >= 0)
        return rc;
    long r = hex_text(b, n, out, size);
    trustm_wipe(b, n);
    free(b);
    if (r == -2) {
        char m[96];
        snprintf(m, sizeof m, "%s too large (more than %zu bytes)", what, size);
        return fail_opt(c, id == O_DATA ? PU_EXIT_BUILD : PU_EXIT_INPUT, id, m);
    }
    if (r < 0) {
        char m[96];
        snprintf(m, sizeof m, "%s file is not hex text (pairs of hex digits)", what);
        return fail_opt(c, PU_EXIT_INPUT, id, m);
    }
    if (r == 0) {
        char m[96];
        snprintf(m, sizeof m, "%s file is empty", what);
        return fail_opt(c, PU_EXIT_INPUT, id, m);
    }
    *len = (size_t)r;
    return -1;
}

/* Temp file next to path; output is committed with rename(). */
typedef struct pending_file {
    char *final;
    char *tmp;
} pending_file_t;

#define MAX_PENDING (3 + PU_MAX_FRAGMENTS)

typedef struct outset {
    pending_file_t f[MAX_PENDING];
    size_t n;
} outset_t;

static void outset_abort(outset_t *o)
{
    for (size_t i = 0; i < o->n; i++) {
        if (o->f[i].tmp != NULL)
            unlink(o->f[i].tmp);
        free(o->f[i].tmp);
        free(o->f[i].final);
    }
    o->n = 0;
}

/* Write prefix (existing content, for append) + data to a temp file. 0 ok, else errno. */
static int outset_add(outset_t *o, const char *path, bool append, const uint8_t *data, size_t len)
{
    if (o->n >= MAX_PENDING)
        return ENOMEM;
    size_t pl = strlen(path);
    char *tmp = malloc(pl + 16u);
    char *fin = strdup(path);
    if (tmp == NULL || fin == NULL) {
        free(tmp);
        free(fin);
        return ENOMEM;
    }
    snprintf(tmp, pl + 16u, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        int e = errno;
        free(tmp);
        free(fin);
        return e;
    }
    o->f[o->n].tmp = tmp;
    o->f[o->n].final = fin;
    o->n++;
    mode_t um = umask(0);
    umask(um);
    (void)fchmod(fd, (mode_t)(0666 & ~um));
    FILE *f = fdopen(fd, "wb");
    if (f == NULL) {
        int e = errno;
        close(fd);
        return e;
    }
    int e = 0;
    if (append) {
        FILE *old = fopen(path, "rb");
        if (old != NULL) {
            char buf[4096];
            size_t n;
            while ((n = fread(buf, 1, sizeof buf, old)) > 0)
                if (fwrite(buf, 1, n, f) != n)
                    e = errno ? errno : EIO;
            if (ferror(old))
                e = errno ? errno : EIO;
            fclose(old);
        } else if (errno != ENOENT) {
            e = errno;
        }
    }
    if (e == 0 && len > 0 && fwrite(data, 1, len, f) != len)
        e = errno ? errno : EIO;
    if (fclose(f) != 0 && e == 0)
        e = errno ? errno : EIO;
    return e;
}

static int outset_commit(outset_t *o, const char **failed)
{
    for (size_t i = 0; i < o->n; i++) {
        if (rename(o->f[i].tmp, o->f[i].final) != 0) {
            *failed = o->f[i].final;
            return errno;
        }
        free(o->f[i].tmp);
        o->f[i].tmp = NULL;
    }
    for (size_t i = 0; i < o->n; i++)
        free(o->f[i].final);
    o->n = 0;
    return 0;
}

/* ---------------------------------------------------------------- main flow */

typedef struct job {
    mbedtls_pk_context sign_key;
    mbedtls_pk_context key_pk;
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    uint8_t payload[PU_MAX_PAYLOAD + 1u];
    size_t payload_len;
    uint8_t secret[PU_SECRET_MAX];
    size_t secret_len;
    uint8_t seed[PU_SEED_MAX];
    uint8_t couid[PU_COUID_SIZE];
    pu_params_t p;
    pu_signer_t s;
    pu_dataset_t ds;
    int payload_opt; /* O_DATA, O_KEY_DATA or O_METADATA */
} job_t;

static int check_metadata(cli_t *c, const uint8_t *m, size_t n)
{
    if (n < 2 || m[0] != 0x20 || (size_t)m[1] != n - 2u)
        return fail_opt(c, PU_EXIT_INPUT, O_METADATA, "metadata must be 20 LL followed by LL bytes of TLVs");
    size_t i = 2;
    while (i < n) {
        if (n - i < 2 || (size_t)m[i + 1] > n - i - 2u)
            return fail_opt(c, PU_EXIT_INPUT, O_METADATA, "metadata TLV runs past the end");
        uint8_t t = m[i];
        if (t == 0xC1 || t == 0xC4 || t == 0xC5 || t == 0xE0)
            return fail_opt(c, PU_EXIT_INPUT, O_METADATA, "metadata must not contain tags C1, C4, C5 or E0");
        i += 2u + m[i + 1];
    }
    return -1;
}

static int load_payload(cli_t *c, job_t *j)
{
    int rc;
    pu_params_t *p = &j->p;
    if (j->payload_opt == O_DATA) {
        unsigned long off;
        unsigned long wt;
        const char *fmt = val(c, O_IN_DATA_FORMAT);
        if (!parse_dec(val(c, O_OFFSET), PU_MAX_PAYLOAD - 1u, &off))
            return fail_opt(c, PU_EXIT_USAGE, O_OFFSET, "offset must be a decimal number below 1728");
        if (!parse_dec(val(c, O_WRITE_TYPE), 2, &wt) || wt < 1)
            return fail_opt(c, PU_EXIT_USAGE, O_WRITE_TYPE, "write type must be 1 (Write) or 2 (EraseAndWrite)");
        p->payload_type = PU_TYPE_DATA;
        p->info1 = (uint32_t)off;
        p->info2 = (uint32_t)wt;
        if (strcmp(fmt, "hex") == 0) {
            rc = load_hex_file(c, O_DATA, j->payload, PU_MAX_PAYLOAD, &j->payload_len, "data payload");
            if (rc >= 0)
                return rc;
        } else if (strcmp(fmt, "ascii") == 0) {
            uint8_t *b;
            size_t n;
            rc = read_file(c, O_DATA, c->val[O_DATA], &b, &n);
            if (rc >= 0)
                return rc;
            if (n > PU_MAX_PAYLOAD) {
                free(b);
                return fail_opt(c, PU_EXIT_BUILD, O_DATA,
                                "payload too large (more than 1728 bytes, the largest object)");
            }
            if (n == 0) {
                free(b);
                return fail_opt(c, PU_EXIT_INPUT, O_DATA, "data file is empty");
            }
            memcpy(j->payload, b, n);
            j->payload_len = n;
            free(b);
        } else {
            return fail_opt(c, PU_EXIT_USAGE, O_IN_DATA_FORMAT, "input data format must be hex or ascii");
        }
        if (off + j->payload_len > PU_MAX_PAYLOAD)
            return fail_opt(c, PU_EXIT_BUILD, O_DATA, "payload too large: offset + length exceeds 1728 bytes");
        return -1;
    }
    if (j->payload_opt == O_KEY_DATA) {
        unsigned long usage;
        unsigned long algo;
        if (!parse_hex_num(val(c, O_KEY_USAGE), 2, &usage) || usage >= 0x80u)
            return fail_opt(c, PU_EXIT_USAGE, O_KEY_USAGE, "key usage must be one hex byte below 80 (e.g. 02 or 12)");
        if (c->val[O_KEY_ALGO] == NULL)
            return fail(c, PU_EXIT_USAGE, "key_algo: required for a key payload (e.g. key_algo=129 for AES-128)");
        if (!parse_dec(c->val[O_KEY_ALGO], 255, &algo) ||
            !(algo == PU_KEY_ECC_P256 || algo == PU_KEY_ECC_P384 || algo == PU_KEY_ECC_P521 ||
              algo == PU_KEY_ECC_BP256 || algo == PU_KEY_ECC_BP384 || algo == PU_KEY_ECC_BP512 ||
              algo == PU_KEY_RSA1024 || algo == PU_KEY_RSA2048 || algo == PU_KEY_AES128 || algo == PU_KEY_AES192 ||
              algo == PU_KEY_AES256))
            return fail_opt(c, PU_EXIT_USAGE, O_KEY_ALGO,
                            "unknown key algorithm (3, 4, 5, 19, 21, 22, 65, 66, 129, 130 or 131)");
        p->payload_type = PU_TYPE_KEY;
        p->info1 = (uint32_t)algo;
        p->info2 = (uint32_t)usage;
        const char *msg = NULL;
        pu_err_t e;
        if (strstr(c->val[O_KEY_DATA], ".txt") != NULL) {
            uint8_t key[64];
            size_t kl = 0;
            rc = load_hex_file(c, O_KEY_DATA, key, sizeof key, &kl, "AES key");
            if (rc >= 0)
                return rc;
            e = pu_key_payload_aes((unsigned)algo, key, kl, j->payload, sizeof j->payload, &j->payload_len, &msg);
            trustm_wipe(key, sizeof key);
        } else {
            rc = load_pk(c, O_KEY_DATA, &j->key_pk);
            if (rc >= 0)
                return rc;
            e = pu_key_payload_pk((unsigned)algo, &j->key_pk, j->payload, sizeof j->payload, &j->payload_len, &msg);
        }
        if (e != PU_OK)
            return fail_opt(c, PU_EXIT_INPUT, O_KEY_DATA, msg);
        return -1;
    }
    /* metadata */
    unsigned long cr;
    if (!parse_dec(val(c, O_CONTENT_RESET), 2, &cr))
        return fail_opt(c, PU_EXIT_USAGE, O_CONTENT_RESET, "content reset must be 0, 1 or 2");
    p->payload_type = PU_TYPE_METADATA;
    p->info1 = (uint32_t)cr;
    p->info2 = 0;
    rc = load_hex_file(c, O_METADATA, j->payload, PU_MAX_PAYLOAD, &j->payload_len, "metadata");
    if (rc >= 0)
        return rc;
    return check_metadata(c, j->payload, j->payload_len);
}

static int setup_conf(cli_t *c, job_t *j)
{
    pu_params_t *p = &j->p;
    unsigned long sl;
    int rc;
    if (!c->given[O_SECRET])
        return -1;
    if (strcmp(val(c, O_ENC_ALGO), "AES-CCM-16-64-128") != 0)
        return fail_opt(c, PU_EXIT_USAGE, O_ENC_ALGO, "encryption algorithm must be AES-CCM-16-64-128");
    if (strcmp(val(c, O_KDF), "IFX_KDF-TLS12_PRF_SHA256") != 0)
        return fail_opt(c, PU_EXIT_USAGE, O_KDF, "KDF must be IFX_KDF-TLS12_PRF_SHA256");
    if (!parse_dec(val(c, O_SEED_LENGTH), 1000, &sl) || sl < PU_SEED_MIN || sl > PU_SEED_MAX)
        return fail_opt(c, PU_EXIT_USAGE, O_SEED_LENGTH, "seed length is not in range 16..64");
    size_t ll = strlen(val(c, O_LABEL));
    if (ll < 1 || ll > PU_LABEL_MAX)
        return fail_opt(c, PU_EXIT_USAGE, O_LABEL, "label length is not in range 1..32");
    rc = parse_oid(c, O_SECRET_OID, &p->secret_oid);
    if (rc >= 0)
        return rc;
    rc = load_hex_file(c, O_SECRET, j->secret, sizeof j->secret, &j->secret_len, "shared secret");
    if (rc >= 0)
        return rc;
    if (c->ext[X_FIXED_SEED] != NULL) {
        long n = hex_text((const uint8_t *)c->ext[X_FIXED_SEED], strlen(c->ext[X_FIXED_SEED]), j->seed, sizeof j->seed);
        if (n != (long)sl)
            return fail(c, PU_EXIT_USAGE, "--fixed-seed=%s: must be exactly seed_length (%lu) bytes of hex",
                        c->ext[X_FIXED_SEED], sl);
    } else if (mbedtls_ctr_drbg_random(&j->drbg, j->seed, sl) != 0) {
        return fail(c, PU_EXIT_BUILD, "seed_length=%lu: random seed generation failed", sl);
    }
    p->conf = true;
    p->secret = j->secret;
    p->secret_len = j->secret_len;
    p->label = val(c, O_LABEL);
    p->label_len = ll;
    p->seed = j->seed;
    p->seed_len = sl;
    return -1;
}

static int prepare(cli_t *c, job_t *j)
{
    int rc;
    unsigned long v;
    pu_params_t *p = &j->p;

    if (!parse_dec(val(c, O_PAYLOAD_VERSION), 0x7FFF, &v))
        return fail_opt(c, PU_EXIT_USAGE, O_PAYLOAD_VERSION, "invalid payload version (decimal 0..32767)");
    p->payload_version = (uint16_t)v;
    if ((rc = parse_oid(c, O_TRUST_ANCHOR_OID, &p->trust_anchor_oid)) >= 0)
        return rc;
    if ((rc = parse_oid(c, O_TARGET_OID, &p->target_oid)) >= 0)
        return rc;
    if (c->val[O_COUID] != NULL) {
        const char *s = c->val[O_COUID];
        if (strlen(s) != 2u * PU_COUID_SIZE ||
            hex_text((const uint8_t *)s, strlen(s), j->couid, sizeof j->couid) != (long)PU_COUID_SIZE)
            return fail_opt(c, PU_EXIT_USAGE, O_COUID,
                            "COUID must be exactly 50 hex digits (25 bytes of the chip UID)");
        p->couid = j->couid;
    }
    const char *sa = val(c, O_SIGN_ALGO);
    if (strcmp(sa, "RSA-SSA-PKCS1-V1_5-SHA-256") == 0)
        j->s.cose_alg = PU_ALG_RSA_PKCS1_SHA256;
    else if (strcmp(sa, "ES_256") == 0)
        j->s.cose_alg = PU_ALG_ES256;
    else
        return fail_opt(c, PU_EXIT_USAGE, O_SIGN_ALGO,
                        "invalid signature algorithm (ES_256 or RSA-SSA-PKCS1-V1_5-SHA-256)");
    if (strcmp(val(c, O_DIGEST_ALGO), "SHA256") != 0)
        return fail_opt(c, PU_EXIT_USAGE, O_DIGEST_ALGO, "invalid digest algorithm (only SHA256)");
    const char *pt = val(c, O_PAYLOAD_TYPE);
    int pt_opt = strcmp(pt, "data") == 0       ? O_DATA
                 : strcmp(pt, "key") == 0      ? O_KEY_DATA
                 : strcmp(pt, "metadata") == 0 ? O_METADATA
                                               : -1;
    if (pt_opt < 0)
        return fail_opt(c, PU_EXIT_USAGE, O_PAYLOAD_TYPE, "invalid payload type (data, key or metadata)");
    int nsrc = (c->val[O_DATA] != NULL) + (c->val[O_KEY_DATA] != NULL) + (c->val[O_METADATA] != NULL);
    if (nsrc == 0)
        return fail(c, PU_EXIT_USAGE, "data / key_data / metadata: no data available for payload (give one of them)");
    if (nsrc > 1)
        return fail(c, PU_EXIT_USAGE, "data / key_data / metadata: more than one payload given (give exactly one)");
    j->payload_opt = c->val[O_DATA] != NULL ? O_DATA : c->val[O_KEY_DATA] != NULL ? O_KEY_DATA : O_METADATA;
    if (c->given[O_PAYLOAD_TYPE] && pt_opt != j->payload_opt)
        return fail_opt(c, PU_EXIT_USAGE, O_PAYLOAD_TYPE, "payload type does not match the payload option given");
    if (c->val[O_PRIV_KEY] == NULL)
        return fail(c, PU_EXIT_USAGE, "priv_key: required (PEM private key used to sign the manifest)");

    static const char pers[] = "trustm-protupd";
    if (mbedtls_ctr_drbg_seed(&j->drbg, mbedtls_entropy_func, &j->entropy, (const uint8_t *)pers, sizeof pers - 1u) !=
        0)
        return fail(c, PU_EXIT_BUILD, "random generator: cannot be seeded");
    j->s.f_rng = mbedtls_ctr_drbg_random;
    j->s.p_rng = &j->drbg;
    j->s.key = &j->sign_key;

    if ((rc = load_pk(c, O_PRIV_KEY, &j->sign_key)) >= 0)
        return rc;
    if (j->s.cose_alg == PU_ALG_RSA_PKCS1_SHA256 && mbedtls_pk_get_type(&j->sign_key) != MBEDTLS_PK_RSA)
        return fail_opt(c, PU_EXIT_INPUT, O_PRIV_KEY,
                        "not an RSA private key, as sign_algo=RSA-SSA-PKCS1-V1_5-SHA-256 needs");
    if (j->s.cose_alg == PU_ALG_ES256 && mbedtls_pk_get_type(&j->sign_key) != MBEDTLS_PK_ECKEY)
        return fail_opt(c, PU_EXIT_INPUT, O_PRIV_KEY, "not an EC private key, as sign_algo=ES_256 needs");
    if ((rc = load_payload(c, j)) >= 0)
        return rc;
    p->payload = j->payload;
    p->payload_len = j->payload_len;
    return setup_conf(c, j);
}

static void print_console_header(cli_t *c, const job_t *j)
{
    FILE *o = c->out;
    fprintf(o, "Tool Version : %s\n", PU_TOOL_VERSION_STRING);
    fprintf(o, "Info : Default values are set\n");
    fprintf(o, "Info : User provided inputs\n");
    for (int i = 0; i < O_COUNT; i++)
        if (c->given[i])
            fprintf(o, "\t%-20s : %-8s \n", k_opts[i].desc, c->val[i]);
    fprintf(o, "\n");
    fprintf(o, "Info : Setting value for data formatter\n");
    const pu_params_t *p = &j->p;
    unsigned pt = p->payload_type == PU_TYPE_DATA       ? 0xFFFFFFFFu
                  : p->payload_type == PU_TYPE_METADATA ? 0xFFFFFFFEu
                                                        : 0xFFFFFFFDu;
    fprintf(o, "\t%-20s : %-8X \n", k_opts[O_PAYLOAD_VERSION].desc, (unsigned)p->payload_version);
    fprintf(o, "\t%-20s : %-8X \n", k_opts[O_TRUST_ANCHOR_OID].desc, (unsigned)p->trust_anchor_oid);
    fprintf(o, "\t%-20s : %-8X \n", k_opts[O_TARGET_OID].desc, (unsigned)p->target_oid);
    fprintf(o, "\t%-20s : %-8X \n", k_opts[O_DIGEST_ALGO].desc, (unsigned)PU_DIGEST_SHA256);
    if (c->val[O_COUID] != NULL)
        fprintf(o, "\t%-20s : %-8s \n", k_opts[O_COUID].desc, c->val[O_COUID]);
    fprintf(o, "\t%-20s : %-8X \n", k_opts[O_SIGN_ALGO].desc, (unsigned)(uint32_t)(int32_t)j->s.cose_alg);
    fprintf(o, "\t%-20s : %-8X \n", k_opts[O_PAYLOAD_TYPE].desc, pt);
    if (p->conf) {
        fprintf(o, "\t%-20s : %-8X \n", k_opts[O_SEED_LENGTH].desc, (unsigned)p->seed_len);
        fprintf(o, "\t%-20s : %-8s \n", k_opts[O_LABEL].desc, p->label);
        fprintf(o, "\t%-20s : %-8X \n", k_opts[O_SECRET_OID].desc, (unsigned)p->secret_oid);
        for (size_t i = 0; i < p->secret_len; i++) {
            fprintf(o, "0x%02X, ", p->secret[i]);
            if ((i + 1u) % 16u == 0)
                fprintf(o, "\n\t");
        }
        fputc('\b', o);
        fprintf(o, "\t%-20s : %-8X \n", k_opts[O_ENC_ALGO].desc, (unsigned)PU_ALG_AES_CCM_16_64_128);
        fprintf(o, "\t%-20s : %-8X \n", k_opts[O_KDF].desc, (unsigned)(uint32_t)(int32_t)PU_ALG_KDF_TLS12_PRF_SHA256);
    }
    if (p->payload_type == PU_TYPE_DATA) {
        fprintf(o, "\t%-20s : %-8X \n", k_opts[O_OFFSET].desc, (unsigned)p->info1);
        fprintf(o, "\t%-20s : %-8X \n", k_opts[O_WRITE_TYPE].desc, (unsigned)p->info2);
        fprintf(o, "\t%-20s : %-8s \n", k_opts[O_IN_DATA_FORMAT].desc, val(c, O_IN_DATA_FORMAT));
    } else if (p->payload_type == PU_TYPE_METADATA) {
        fprintf(o, "\t%-20s : %-8X \n", k_opts[O_CONTENT_RESET].desc, (unsigned)p->info1);
    }
}

static int write_outputs(cli_t *c, job_t *j, outset_t *os)
{
    const pu_dataset_t *ds = &j->ds;
    int e;
    if (c->val[O_DATASET_TO_FILE] != NULL) {
        char *txt = NULL;
        size_t tl = 0;
        FILE *m = open_memstream(&txt, &tl);
        if (m == NULL)
            return fail_opt(c, PU_EXIT_OUTPUT, O_DATASET_TO_FILE, "out of memory");
        pu_print_c_file(m, ds);
        fclose(m);
        e = outset_add(os, c->val[O_DATASET_TO_FILE], true, (const uint8_t *)txt, tl);
        free(txt);
        if (e != 0)
            return fail(c, PU_EXIT_OUTPUT, "dataset_to_file=%s: cannot write: %s", c->val[O_DATASET_TO_FILE],
                        strerror(e));
    }
    if (c->ext[X_OUT_MANIFEST] != NULL &&
        (e = outset_add(os, c->ext[X_OUT_MANIFEST], false, ds->manifest, ds->manifest_len)) != 0)
        return fail(c, PU_EXIT_OUTPUT, "--out-manifest=%s: cannot write: %s", c->ext[X_OUT_MANIFEST], strerror(e));
    if (c->ext[X_OUT_FRAGMENTS] != NULL &&
        (e = outset_add(os, c->ext[X_OUT_FRAGMENTS], false, ds->fragments, ds->fragments_len)) != 0)
        return fail(c, PU_EXIT_OUTPUT, "--out-fragments=%s: cannot write: %s", c->ext[X_OUT_FRAGMENTS], strerror(e));
    if (c->ext[X_OUT_DIR] != NULL) {
        const char *d = c->ext[X_OUT_DIR];
        size_t pl = strlen(d) + 32u;
        char *path = malloc(pl);
        if (path == NULL)
            return fail(c, PU_EXIT_OUTPUT, "--out-dir=%s: out of memory", d);
        snprintf(path, pl, "%s/manifest.bin", d);
        e = outset_add(os, path, false, ds->manifest, ds->manifest_len);
        for (size_t k = 0; e == 0 && k < ds->n_fragments; k++) {
            size_t off = k * PU_FRAGMENT_MAX;
            size_t len = ds->fragments_len - off < PU_FRAGMENT_MAX ? ds->fragments_len - off : PU_FRAGMENT_MAX;
            snprintf(path, pl, "%s/fragment_%02zu.bin", d, k + 1u);
            e = outset_add(os, path, false, ds->fragments + off, len);
        }
        free(path);
        if (e != 0)
            return fail(c, PU_EXIT_OUTPUT, "--out-dir=%s: cannot write: %s", d, strerror(e));
    }
    return -1;
}

static int run(cli_t *c, job_t *j)
{
    int rc = prepare(c, j);
    if (rc >= 0)
        return rc;
    const char *fmt = c->ext[X_FORMAT] != NULL ? c->ext[X_FORMAT] : "console";
    if (strcmp(fmt, "console") != 0 && strcmp(fmt, "c") != 0 && strcmp(fmt, "hex") != 0 && strcmp(fmt, "json") != 0 &&
        strcmp(fmt, "none") != 0)
        return fail(c, PU_EXIT_USAGE, "--format=%s: unknown format (console, c, hex, json, none)", fmt);

    const char *msg = "unknown error";
    pu_err_t e = pu_build(&j->p, &j->s, &j->ds, &msg);
    if (e != PU_OK) {
        if (e == PU_ERR_KEY)
            return fail_opt(c, PU_EXIT_INPUT, O_PRIV_KEY, msg);
        if (e == PU_ERR_TOO_LARGE && j->p.payload_len > PU_MAX_PAYLOAD)
            return fail_opt(c, PU_EXIT_BUILD, j->payload_opt, msg);
        return fail(c, PU_EXIT_BUILD, "while creating the data set: %s", msg);
    }

    outset_t os = {.n = 0};
    rc = write_outputs(c, j, &os);
    if (rc >= 0) {
        outset_abort(&os);
        return rc;
    }
    const char *failed = NULL;
    int err = outset_commit(&os, &failed);
    if (err != 0) {
        rc = fail(c, PU_EXIT_OUTPUT, "%s: cannot rename the temporary file into place: %s", failed, strerror(err));
        outset_abort(&os);
        return rc;
    }
    if (strcmp(fmt, "console") == 0) {
        print_console_header(c, j);
        pu_print_console(c->out, &j->ds);
    } else if (strcmp(fmt, "c") == 0) {
        pu_print_c_file(c->out, &j->ds);
    } else if (strcmp(fmt, "hex") == 0) {
        pu_print_hex(c->out, &j->ds);
    } else if (strcmp(fmt, "json") == 0) {
        pu_print_json(c->out, &j->p, &j->ds);
    }
    fflush(c->out);
    return PU_EXIT_OK;
}

int pu_cli_main(int argc, char **argv, FILE *out, FILE *err)
{
    cli_t c;
    memset(&c, 0, sizeof c);
    c.out = out;
    c.err = err;
    c.argv0 = argc > 0 ? argv[0] : "protected_update_data_set";
    if (argc <= 1) {
        print_usage(out, c.argv0);
        return fail(&c, PU_EXIT_USAGE, "no arguments given (see --help)");
    }
    int rc = parse_args(&c, argc, argv);
    if (rc >= 0)
        return rc;

    job_t *j = calloc(1, sizeof *j);
    if (j == NULL)
        return fail(&c, PU_EXIT_BUILD, "out of memory");
    mbedtls_pk_init(&j->sign_key);
    mbedtls_pk_init(&j->key_pk);
    mbedtls_entropy_init(&j->entropy);
    mbedtls_ctr_drbg_init(&j->drbg);
    rc = run(&c, j);
    mbedtls_pk_free(&j->sign_key);
    mbedtls_pk_free(&j->key_pk);
    mbedtls_ctr_drbg_free(&j->drbg);
    mbedtls_entropy_free(&j->entropy);
    trustm_wipe(j, sizeof *j);
    free(j);
    return rc;
}
