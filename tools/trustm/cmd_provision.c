/*
 * cmd_provision.c - `trustm provision-setup` (the one-time setup protected updates need:
 * trust anchor certificate, protected-update secret, target access conditions and version,
 * protected-update.md §7.3) and `trustm id2-provision` (ID2 device ID into F1D0 plus the
 * protected key update of E200 or E0FC, §7.4).
 */
#include <stdio.h>
#include <string.h>

#include <mbedtls/x509_crt.h>

#include "cli_device.h"
#include "cli_hex.h"
#include "cli_util.h"
#include "cmd_protupd.h"
#include "trustm_bytes.h"

#define MAX_TARGETS 8u
#define CERT_MAX    1728u

static const char setup_help[] =
    "Usage: trustm [global options] provision-setup [--cert FILE] [--ta OID] [--target OID...]\n"
    "       [--secret FILE] [--secret-oid OID] [--version N] [--metadata-update --reset-type HEX]\n"
    "One-time setup for protected updates (objects must still be below LcsO operational):\n"
    "  --cert FILE           signer's X.509 certificate (PEM or DER) written to the trust anchor,\n"
    "                        which gets Execute = ALW and object type TA (E8 = 11)\n"
    "  --ta OID              trust anchor object (default E0E3)\n"
    "  --target OID          object to protect (repeatable): change access condition Int(TA)\n"
    "                        [&& Conf(secret) with --secret], version --version; key objects\n"
    "                        (E0FC, E0FD, E200) also get Execute = ALW\n"
    "  --secret FILE         protected-update secret, hex text, 1..64 bytes (the --secret file\n"
    "                        of trustm-protupd), written to --secret-oid with type UPDATSEC (23)\n"
    "  --secret-oid OID      secret object (default F1D1)\n"
    "  --version N           payload version stored in the targets (C1, default 0): the next\n"
    "                        update must carry a higher one\n"
    "  --metadata-update     protect the targets' metadata (D8) instead of their content\n"
    "  --reset-type HEX      reset type (F0) for --metadata-update, e.g. 01 or 11\n";

static const char id2_help[] =
    "Usage: trustm [global options] id2-provision --device-id HEX --manifest FILE --fragment FILE...\n"
    "ID2 key provisioning (seed §5.2): apply the protected update data set that carries the ID2\n"
    "key (AES-128 into E200 or RSA-1024 into E0FC), then write the 12-byte ID2 device ID to F1D0.\n"
    "Run `trustm provision-setup --cert FILE --target E200` (or E0FC) once before.\n"
    "With --cert FILE and --key aes|rsa it does the seed's whole flow instead: the target's\n"
    "metadata (change = Int(E0E3), version 0) and the certificate into E0E3, the data set, F1D0.\n"
    "Not atomic (the chip has no multi-command transaction): a refused data set leaves F1D0 as it\n"
    "was; if only the final F1D0 write fails, write F1D0 again with `trustm write F1D0 --erase`.\n"
    "Options:\n"
    "  --device-id HEX       the 12-byte ID2 device identifier (24 hex digits)\n"
    "  --cert FILE           signer's certificate (PEM or DER): set up E0E3 and the key object\n"
    "  --key aes|rsa         with --cert: the key object to prepare, E200 (aes) or E0FC (rsa)\n" CLI_PU_HELP;

static bool is_key_object(uint16_t oid)
{
    return oid == 0xE0FCu || oid == 0xE0FDu || oid == 0xE200u;
}

/* PEM or DER certificate file into DER. */
static int load_cert(const char *cmd, const char *path, uint8_t *der, size_t *len)
{
    static uint8_t raw[8192];
    size_t n = 0;
    int rc = cli_file_load(path, false, cmd, raw, sizeof raw - 1u, &n);
    if (rc != CLI_EXIT_OK)
        return rc;
    raw[n] = 0;
    mbedtls_x509_crt crt;
    mbedtls_x509_crt_init(&crt);
    bool pem = strstr((const char *)raw, "-----BEGIN CERTIFICATE-----") != NULL;
    int r = mbedtls_x509_crt_parse(&crt, raw, pem ? n + 1u : n);
    rc = CLI_EXIT_OK;
    if (r != 0 || crt.next != NULL) {
        fprintf(stderr, "trustm %s: --cert %s: %s\n", cmd, path,
                r != 0 ? "not a readable X.509 certificate (PEM or DER)" : "holds more than one certificate");
        rc = CLI_EXIT_FILE;
    } else if (crt.raw.len > CERT_MAX) {
        fprintf(stderr, "trustm %s: --cert %s: %zu bytes; the object holds at most %u\n", cmd, path, crt.raw.len,
                CERT_MAX);
        rc = CLI_EXIT_FILE;
    } else {
        memcpy(der, crt.raw.p, crt.raw.len);
        *len = crt.raw.len;
    }
    mbedtls_x509_crt_free(&crt);
    return rc;
}

typedef struct setup_opts {
    const char *cert_path, *secret_path;
    uint16_t ta, secret_oid, targets[MAX_TARGETS];
    size_t n_targets;
    unsigned long version, reset_type;
    bool mud;
    uint8_t cert[CERT_MAX]; /* the files, loaded while parsing (no device access) */
    size_t cert_len;
    uint8_t secret[64];
    size_t secret_len;
} setup_opts_t;

/* how far the setup got: the trust anchor, the secret, targets_done targets */
typedef struct setup_result {
    bool ta_done, secret_done;
    size_t targets_done;
} setup_result_t;

static int setup_parse(cli_globals_t *g, int argc, char **argv, setup_opts_t *o)
{
    const char *cmd = "provision-setup";
    bool have_reset = false;
    int rc;
    const char *ta_s = NULL, *secret_oid_s = NULL, *version_s = NULL, *reset_s = NULL;
    const char *target_s[MAX_TARGETS];
    memset(o, 0, sizeof(*o));
    o->ta = TRUSTM_OID_ID2_TRUST_ANCHOR;
    o->secret_oid = 0xF1D1u;
    const cli_opt_t opts[] = {{"--cert", NULL, &o->cert_path, NULL, NULL, 0},
                              {"--secret", NULL, &o->secret_path, NULL, NULL, 0},
                              {"--ta", NULL, &ta_s, NULL, NULL, 0},
                              {"--secret-oid", NULL, &secret_oid_s, NULL, NULL, 0},
                              {"--target", NULL, target_s, NULL, &o->n_targets, MAX_TARGETS},
                              {"--version", NULL, &version_s, NULL, NULL, 0},
                              {"--reset-type", NULL, &reset_s, NULL, NULL, 0},
                              {"--metadata-update", NULL, NULL, &o->mud, NULL, 0},
                              {NULL, NULL, NULL, NULL, NULL, 0}};
    cli_io_t io;
    memset(&io, 0, sizeof io);
    if ((rc = cli_parse(g, &io, 0, cmd, setup_help, opts, NULL, argc, argv)) != CLI_PARSE_RUN)
        return rc;
    if (ta_s != NULL && (rc = cli_oid_arg(cmd, "--ta", ta_s, &o->ta)) != CLI_EXIT_OK)
        return rc;
    if (secret_oid_s != NULL && (rc = cli_oid_arg(cmd, "--secret-oid", secret_oid_s, &o->secret_oid)) != CLI_EXIT_OK)
        return rc;
    for (size_t k = 0; k < o->n_targets; k++)
        if ((rc = cli_oid_arg(cmd, "--target", target_s[k], &o->targets[k])) != CLI_EXIT_OK)
            return rc;
    if (version_s != NULL && cli_parse_uint(version_s, 0, 0x7FFF, &o->version) != 0)
        return cli_usage_error(cmd, "--version needs a number 0..32767");
    if (reset_s != NULL) {
        uint8_t b[1];
        size_t bl = 0;
        if ((rc = cli_parse_hex_arg(cmd, "--reset-type", reset_s, b, sizeof b, &bl)) != CLI_EXIT_OK)
            return rc;
        if (bl != 1)
            return cli_usage_error(cmd, "--reset-type needs one hex byte (e.g. 01, 11)");
        o->reset_type = b[0];
        have_reset = true;
    }
    if (o->cert_path == NULL && o->secret_path == NULL && o->n_targets == 0)
        return cli_usage_error(cmd, "nothing to do: give --cert, --secret and/or --target");
    if (o->mud && (!have_reset || o->reset_type == 0))
        return cli_usage_error(cmd, "--metadata-update needs --reset-type HEX (non-zero, e.g. 01)");
    if (!o->mud && have_reset)
        return cli_usage_error(cmd, "--reset-type only applies with --metadata-update");
    for (size_t k = 0; k < o->n_targets; k++)
        if (o->targets[k] == o->ta || (o->secret_path != NULL && o->targets[k] == o->secret_oid))
            return cli_usage_error(cmd, "--target %04X is the trust anchor or the secret object", o->targets[k]);

    if (o->cert_path != NULL && (rc = load_cert(cmd, o->cert_path, o->cert, &o->cert_len)) != CLI_EXIT_OK)
        return rc;
    if (o->secret_path != NULL) {
        static uint8_t sbuf[4096];
        if ((rc = cli_file_load(o->secret_path, true, cmd, sbuf, sizeof sbuf, &o->secret_len)) != CLI_EXIT_OK)
            return rc;
        if (o->secret_len == 0 || o->secret_len > sizeof o->secret) {
            fprintf(stderr, "trustm %s: --secret %s: %zu bytes; the secret must have 1..64\n", cmd, o->secret_path,
                    o->secret_len);
            return CLI_EXIT_FILE;
        }
        memcpy(o->secret, sbuf, o->secret_len);
        trustm_wipe(sbuf, sizeof sbuf);
    }
    return CLI_PARSE_RUN;
}

static void setup_target(const setup_opts_t *o, size_t k, trustm_protupd_target_t *t)
{
    memset(t, 0, sizeof *t);
    t->oid = o->targets[k];
    t->ta_oid = o->ta;
    t->secret_oid = o->secret_path != NULL ? o->secret_oid : 0;
    t->version = (uint16_t)o->version;
    t->metadata_update = o->mud;
    t->reset_type = (uint8_t)o->reset_type;
    t->key_object = is_key_object(o->targets[k]);
}

static int setup_run(const cli_globals_t *g, const setup_opts_t *o, setup_result_t *res)
{
    cli_device_t d;
    int rc;
    if ((rc = cli_device_open(&d, g, "provision-setup")) != CLI_EXIT_OK)
        return rc;
    trustm_status_t st = TRUSTM_OK;
    char what[80];
    if (o->cert_path != NULL) {
        st = trustm_protupd_provision_trust_anchor(&d.dev, o->ta, o->cert, o->cert_len);
        snprintf(what, sizeof what, "trust anchor %04X", o->ta);
        res->ta_done = st == TRUSTM_OK;
    }
    if (st == TRUSTM_OK && o->secret_path != NULL) {
        st = trustm_protupd_provision_secret(&d.dev, o->secret_oid, o->secret, o->secret_len);
        snprintf(what, sizeof what, "secret %04X", o->secret_oid);
        res->secret_done = st == TRUSTM_OK;
    }
    for (size_t k = 0; st == TRUSTM_OK && k < o->n_targets; k++) {
        trustm_protupd_target_t t;
        setup_target(o, k, &t);
        st = trustm_protupd_provision_target(&d.dev, &t);
        snprintf(what, sizeof what, "target %04X", o->targets[k]);
        if (st == TRUSTM_OK)
            res->targets_done = k + 1;
    }
    rc = st == TRUSTM_OK ? CLI_EXIT_OK : cli_report_status(what, st);
    cli_device_close(&d, g);
    return rc;
}

/* the steps done (all of them, or those before a failure) */
static void setup_print(const setup_opts_t *o, const setup_result_t *res)
{
    if (res->ta_done)
        printf("%04X: trust anchor certificate (%zu bytes), Execute = ALW, type TA\n", o->ta, o->cert_len);
    if (res->secret_done)
        printf("%04X: protected-update secret (%zu bytes), Execute = ALW, type UPDATSEC\n", o->secret_oid,
               o->secret_len);
    for (size_t k = 0; k < res->targets_done; k++) {
        trustm_protupd_target_t t;
        setup_target(o, k, &t);
        printf("%04X: %s = Int(%04X)", o->targets[k], o->mud ? "metadata update" : "change", o->ta);
        if (t.secret_oid != 0)
            printf(" && Conf(%04X)", t.secret_oid);
        printf(", version %lu%s\n", o->version, t.key_object ? ", Execute = ALW" : "");
    }
}

int do_provision_setup(cli_globals_t *g, int argc, char **argv)
{
    static setup_opts_t o;
    setup_result_t res = {false, false, 0};
    int rc = setup_parse(g, argc, argv, &o);
    if (rc == CLI_PARSE_RUN) {
        rc = setup_run(g, &o, &res);
        setup_print(&o, &res);
    }
    trustm_wipe(o.secret, sizeof o.secret);
    return rc;
}

typedef struct id2_opts {
    cli_pu_set_t s; /* the data set, loaded while parsing (no device access) */
    uint8_t id[TRUSTM_ID2_DEVICE_ID_SIZE + 1];
    const char *key_kind; /* NULL, "aes" or "rsa" */
    uint8_t cert[CERT_MAX];
    size_t cert_len;
} id2_opts_t;

static int id2_parse(cli_globals_t *g, int argc, char **argv, id2_opts_t *o)
{
    const char *cmd = "id2-provision";
    cli_pu_args_t a;
    size_t id_len = 0;
    bool have_id = false;
    const char *cert_path = NULL;
    int rc;
    memset(&a, 0, sizeof a);
    o->key_kind = NULL;
    o->cert_len = 0;
    const char *id_s = NULL;
    const cli_opt_t opts[] = {CLI_PU_OPTS(a),
                              {"--device-id", NULL, &id_s, NULL, NULL, 0},
                              {"--cert", NULL, &cert_path, NULL, NULL, 0},
                              {"--key", NULL, &o->key_kind, NULL, NULL, 0},
                              {NULL, NULL, NULL, NULL, NULL, 0}};
    cli_io_t io;
    memset(&io, 0, sizeof io);
    if ((rc = cli_parse(g, &io, 0, cmd, id2_help, opts, NULL, argc, argv)) != CLI_PARSE_RUN)
        return rc;
    if (id_s != NULL) {
        if ((rc = cli_parse_hex_arg(cmd, "--device-id", id_s, o->id, sizeof o->id, &id_len)) != CLI_EXIT_OK)
            return rc;
        if (id_len != TRUSTM_ID2_DEVICE_ID_SIZE)
            return cli_usage_error(cmd, "--device-id has %zu bytes; the ID2 device ID has 12 (24 hex digits)", id_len);
        have_id = true;
    }
    if (o->key_kind != NULL && strcmp(o->key_kind, "aes") != 0 && strcmp(o->key_kind, "rsa") != 0)
        return cli_usage_error(cmd, "--key needs aes (E200) or rsa (E0FC)");
    if (!have_id)
        return cli_usage_error(cmd, "missing --device-id HEX (12 bytes)");
    if ((cert_path == NULL) != (o->key_kind == NULL))
        return cli_usage_error(cmd, "--cert and --key go together (the seed's full flow)");
    if (cert_path != NULL && (rc = load_cert(cmd, cert_path, o->cert, &o->cert_len)) != CLI_EXIT_OK)
        return rc;
    if ((rc = cli_pu_load(&a, cmd, &o->s)) != CLI_EXIT_OK)
        return rc;
    return CLI_PARSE_RUN;
}

static int id2_run(const cli_globals_t *g, const id2_opts_t *o)
{
    const cli_pu_set_t *s = &o->s;
    cli_device_t d;
    int rc;
    if ((rc = cli_device_open(&d, g, "id2-provision")) != CLI_EXIT_OK)
        return rc;
    trustm_status_t st;
    if (o->key_kind == NULL)
        st = trustm_id2_key_update(&d.dev, o->id, s->manifest, s->manifest_len, s->frags, s->lens, s->n);
    else if (strcmp(o->key_kind, "aes") == 0)
        st = trustm_id2_aes_key_update(&d.dev, o->id, o->cert, o->cert_len, s->manifest, s->manifest_len, s->frags,
                                       s->lens, s->n);
    else
        st = trustm_id2_rsa_key_update(&d.dev, o->id, o->cert, o->cert_len, s->manifest, s->manifest_len, s->frags,
                                       s->lens, s->n);
    if (st != TRUSTM_OK)
        rc = cli_report_status("ID2 key provisioning", st);
    cli_device_close(&d, g);
    return rc;
}

static void id2_print(const id2_opts_t *o)
{
    char hex[3 * TRUSTM_ID2_DEVICE_ID_SIZE + 1];
    cli_hex_format(o->id, TRUSTM_ID2_DEVICE_ID_SIZE, 0, hex, sizeof hex);
    printf("F1D0: ID2 device ID %s\n", hex);
    printf("ID2 key updated: manifest %zu bytes, %zu fragment%s (%zu bytes)\n", o->s.manifest_len, o->s.n,
           o->s.n == 1 ? "" : "s", o->s.stream_len);
}

int do_id2_provision(cli_globals_t *g, int argc, char **argv)
{
    static id2_opts_t o;
    int rc = id2_parse(g, argc, argv, &o);
    if (rc != CLI_PARSE_RUN)
        return rc;
    rc = id2_run(g, &o);
    if (rc == CLI_EXIT_OK)
        id2_print(&o);
    return rc;
}
