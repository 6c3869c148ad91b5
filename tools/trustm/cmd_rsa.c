/*
 * cmd_rsa.c - `trustm rsa-keygen`, `rsa-sign`, `rsa-verify`, `rsa-encrypt`, `rsa-decrypt`:
 * the chip's RSA-1024/2048 keys E0FC/E0FD (GenKeyPair, CalcSign, VerifySign, EncryptAsym,
 * DecryptAsym), PKCS#1 v1.5, public keys as PEM or DER files.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "cli_device.h"
#include "cli_hex.h"
#include "cli_rsakey.h"
#include "cli_util.h"
#include "trustm_bytes.h"

#define RSA_HASH_IN_MAX (16u * 1024u * 1024u)

static const char keygen_help[] =
    "Usage: trustm [global options] rsa-keygen [--key E0FC|E0FD] [--bits 1024|2048] [--usage LIST]\n"
    "                                          [--out FILE] [--der]\n"
    "Generate an RSA key pair inside the chip (GenKeyPair) into key object E0FC or E0FD and\n"
    "write its public key as PEM (SubjectPublicKeyInfo, \"PUBLIC KEY\") or DER.\n"
    "Options:\n"
    "  --key OID             key object (default E0FC)\n"
    "  --bits N              1024 or 2048 (default 2048)\n"
    "  --usage LIST          key usage: sign, enc, auth, keyagree joined by ',' (default sign)\n"
    "  --out FILE|-          public key file (default: standard output)\n"
    "  --der                 write DER instead of PEM\n";

static const char sign_help[] =
    "Usage: trustm [global options] rsa-sign [--key E0FC] [--hash | --scheme sha256|sha384|sha512]\n"
    "                                        [--in FILE | --data HEX] [--out FILE] [--hex]\n"
    "Sign with the chip's private key (CalcSign, RSASSA-PKCS1-v1.5). The input is a digest\n"
    "(32, 48 or 64 bytes: SHA-256/384/512, or as --scheme says) or, with --hash, a message the\n"
    "chip first hashes with SHA-256. The output is the signature (128 or 256 bytes).\n"
    "Options:\n"
    "  --key OID             private key object (default E0FC)\n"
    "  --hash                the input is a message: hash it (SHA-256, on the chip) first\n"
    "  --scheme NAME         digest algorithm of the input (default from its length)\n";

static const char verify_help[] =
    "Usage: trustm [global options] rsa-verify (--pubkey FILE | --cert-oid OID) --sig FILE\n"
    "                                          [--hash | --scheme NAME] [--in FILE | --data HEX] [--hex]\n"
    "Verify an RSASSA-PKCS1-v1.5 signature on the chip (VerifySign) with a public key from a\n"
    "PEM/DER file or from the certificate stored in data object OID. The input is a digest or,\n"
    "with --hash, the message (hashed with SHA-256 on the chip). Prints \"signature valid\";\n"
    "an invalid signature is the chip error 0x2C (exit code 3).\n"
    "Options:\n"
    "  --pubkey FILE         RSA public key (SubjectPublicKeyInfo or PKCS#1) or an X.509\n"
    "                        certificate holding one, PEM or DER\n"
    "  --cert-oid OID        use the certificate in data object OID (e.g. E0E8)\n"
    "  --sig FILE            the signature (binary, or hex text with --hex)\n"
    "  --hash                the input is a message: hash it (SHA-256, on the chip) first\n"
    "  --scheme NAME         digest algorithm of the input (default from its length)\n";

static const char encrypt_help[] =
    "Usage: trustm [global options] rsa-encrypt (--pubkey FILE | --cert-oid OID)\n"
    "                                           [--in FILE | --data HEX] [--out FILE] [--hex]\n"
    "Encrypt a message (at most key size - 11 bytes) with RSAES-PKCS1-v1.5 on the chip\n"
    "(EncryptAsym) with a public key from a file or from the certificate in data object OID.\n"
    "Options:\n"
    "  --pubkey FILE         RSA public key or a certificate holding one, PEM or DER\n"
    "  --cert-oid OID        use the certificate in data object OID\n";

static const char decrypt_help[] =
    "Usage: trustm [global options] rsa-decrypt [--key E0FC] [--in FILE | --data HEX] [--out FILE] [--hex]\n"
    "Decrypt an RSAES-PKCS1-v1.5 ciphertext (key size bytes) with the chip's private key\n"
    "(DecryptAsym) and write the message.\n"
    "Options:\n"
    "  --key OID             private key object (default E0FC)\n";

typedef struct rsa_opts {
    cli_io_t io;
    const char *key_s, *bits_s, *usage_s, *scheme_s, *pub_s, *cert_s, *sig_s;
    bool der, hash;
} rsa_opts_t;

enum {
    OPT_KEY = 1,
    OPT_BITS = 2,
    OPT_USAGE = 4,
    OPT_SCHEME = 8,
    OPT_PUB = 16,
    OPT_CERT = 32,
    OPT_SIG = 64,
    OPT_DER = 128,
    OPT_HASH = 256
};

static int parse(cli_globals_t *g, rsa_opts_t *o, const char *cmd, const char *help, unsigned io_bits, unsigned opts,
                 int argc, char **argv)
{
    static const struct {
        unsigned bit;
        const char *name;
        size_t off;
    } vals[] = {
        {OPT_KEY, "--key", offsetof(rsa_opts_t, key_s)},       {OPT_BITS, "--bits", offsetof(rsa_opts_t, bits_s)},
        {OPT_USAGE, "--usage", offsetof(rsa_opts_t, usage_s)}, {OPT_SCHEME, "--scheme", offsetof(rsa_opts_t, scheme_s)},
        {OPT_PUB, "--pubkey", offsetof(rsa_opts_t, pub_s)},    {OPT_CERT, "--cert-oid", offsetof(rsa_opts_t, cert_s)},
        {OPT_SIG, "--sig", offsetof(rsa_opts_t, sig_s)},
    };
    cli_opt_t table[sizeof(vals) / sizeof(vals[0]) + 3u];
    size_t n = 0;
    memset(o, 0, sizeof(*o));
    for (size_t k = 0; k < sizeof(vals) / sizeof(vals[0]); k++) {
        if ((opts & vals[k].bit) != 0u) {
            const char **slot = (const char **)(void *)((char *)o + vals[k].off);
            table[n++] = (cli_opt_t){vals[k].name, NULL, slot, NULL, NULL, 0};
        }
    }
    if ((opts & OPT_DER) != 0u) {
        table[n++] = (cli_opt_t){"--der", NULL, NULL, &o->der, NULL, 0};
    }
    if ((opts & OPT_HASH) != 0u) {
        table[n++] = (cli_opt_t){"--hash", NULL, NULL, &o->hash, NULL, 0};
    }
    table[n] = (cli_opt_t){NULL, NULL, NULL, NULL, NULL, 0};
    return cli_parse(g, &o->io, io_bits, cmd, help, table, NULL, argc, argv);
}

static int key_oid(const char *cmd, const char *s, uint16_t *oid)
{
    *oid = TRUSTM_OID_RSA_KEY_1;
    return s != NULL ? cli_oid_arg(cmd, "--key", s, oid) : CLI_EXIT_OK;
}

typedef struct rsa_keygen_opts {
    rsa_opts_t o;
    uint16_t key;
    uint8_t usage, alg;
} rsa_keygen_opts_t;

/* the result of the RSA commands: the public key, the signature or the en/decrypted bytes */
typedef struct rsa_result {
    uint8_t b[TRUSTM_RSA_PUBKEY_MAX > TRUSTM_RSA_MAX_BYTES ? TRUSTM_RSA_PUBKEY_MAX : TRUSTM_RSA_MAX_BYTES];
    size_t len;
    bool invalid; /* rsa-verify: the chip said the signature is invalid */
} rsa_result_t;

static int rsa_keygen_parse(cli_globals_t *g, int argc, char **argv, rsa_keygen_opts_t *k)
{
    const char *cmd = "rsa-keygen";
    rsa_opts_t *o = &k->o;
    int rc = parse(g, o, cmd, keygen_help, CLI_IO_OUT, OPT_KEY | OPT_BITS | OPT_USAGE | OPT_DER, argc, argv);
    k->usage = TRUSTM_KEY_USAGE_SIGN;
    k->alg = TRUSTM_RSA2048;
    if (rc != CLI_PARSE_RUN) {
        return rc;
    }
    if ((rc = key_oid(cmd, o->key_s, &k->key)) != CLI_EXIT_OK) {
        return rc;
    }
    if (k->key != TRUSTM_OID_RSA_KEY_1 && k->key != TRUSTM_OID_RSA_KEY_2) {
        return cli_usage_error(cmd, "--key %04X is not an RSA key slot: use E0FC or E0FD", k->key);
    }
    if (o->bits_s != NULL) {
        if (strcmp(o->bits_s, "1024") == 0) {
            k->alg = TRUSTM_RSA1024;
        } else if (strcmp(o->bits_s, "2048") != 0) {
            return cli_usage_error(cmd, "--bits must be 1024 or 2048");
        }
    }
    if (o->usage_s != NULL && cli_parse_key_usage(o->usage_s, &k->usage) != 0) {
        return cli_usage_error(cmd, "--usage '%s': expected names auth, enc, sign, keyagree joined by ','", o->usage_s);
    }
    /* the output must be writable before the old key is replaced */
    if ((rc = cli_output_check(cmd, o->io.out)) != CLI_EXIT_OK) {
        return rc;
    }
    return CLI_PARSE_RUN;
}

static int rsa_keygen_run(const cli_globals_t *g, const rsa_keygen_opts_t *k, rsa_result_t *res)
{
    cli_device_t d;
    int rc = cli_device_open(&d, g, "rsa-keygen");
    if (rc != CLI_EXIT_OK) {
        return rc;
    }
    trustm_status_t st = trustm_rsa_keygen(&d.dev, k->key, k->alg, k->usage, res->b, TRUSTM_RSA_PUBKEY_MAX, &res->len);
    if (st != TRUSTM_OK) {
        rc = cli_report_status("GenKeyPair", st);
    }
    cli_device_close(&d, g);
    return rc;
}

static int rsa_keygen_print(const rsa_keygen_opts_t *k, const rsa_result_t *res)
{
    const char *out = k->o.io.out != NULL ? k->o.io.out : "-";
    int rc = cli_rsa_pub_save("rsa-keygen", res->b, res->len, k->o.der, out);
    if (rc == CLI_EXIT_OK && strcmp(out, "-") != 0) {
        printf("%04X: new RSA-%s key pair generated; public key written to %s (%s)\n", k->key,
               k->alg == TRUSTM_RSA1024 ? "1024" : "2048", out, k->o.der ? "DER" : "PEM");
    }
    return rc;
}

int do_rsa_keygen(cli_globals_t *g, int argc, char **argv)
{
    rsa_keygen_opts_t k;
    static rsa_result_t res;
    int rc = rsa_keygen_parse(g, argc, argv, &k);
    if (rc != CLI_PARSE_RUN) {
        return rc;
    }
    memset(&res, 0, sizeof(res));
    rc = rsa_keygen_run(g, &k, &res);
    return rc == CLI_EXIT_OK ? rsa_keygen_print(&k, &res) : rc;
}

/* The digest to sign/verify: input as is (scheme from --scheme or its length) or hashed on the
 * chip with --hash. The device must be open. Returns an exit code. */
static int get_digest(cli_device_t *d, const char *cmd, const rsa_opts_t *o, const uint8_t *in, size_t len,
                      uint8_t *digest, size_t *dlen, uint8_t *scheme)
{
    static const uint8_t schemes[3] = {TRUSTM_RSA_PKCS1_SHA256, TRUSTM_RSA_PKCS1_SHA384, TRUSTM_RSA_PKCS1_SHA512};
    if (o->hash) {
        trustm_status_t st = trustm_sha256(&d->dev, in, len, digest);
        if (st != TRUSTM_OK) {
            return cli_report_status("CalcHash", st);
        }
        *dlen = TRUSTM_SHA256_LEN;
        *scheme = TRUSTM_RSA_PKCS1_SHA256;
        return CLI_EXIT_OK;
    }
    if (len != 32u && len != 48u && len != 64u) {
        fprintf(stderr,
                "trustm %s: the input is %zu bytes, not a SHA-256/384/512 digest (32/48/64 bytes); "
                "use --hash to sign a message\n",
                cmd, len);
        return CLI_EXIT_FILE;
    }
    int idx = len == 32u ? 0 : (len == 48u ? 1 : 2);
    if (o->scheme_s != NULL && cli_parse_sha(o->scheme_s) != idx) {
        fprintf(stderr, "trustm %s: the input is %zu bytes, which is not a %s digest\n", cmd, len, o->scheme_s);
        return CLI_EXIT_FILE;
    }
    memcpy(digest, in, len);
    *dlen = len;
    *scheme = schemes[idx];
    return CLI_EXIT_OK;
}

static int check_hash_opts(const char *cmd, const rsa_opts_t *o)
{
    if (o->scheme_s != NULL) {
        if (cli_parse_sha(o->scheme_s) < 0) {
            return cli_usage_error(cmd, "--scheme must be sha256, sha384 or sha512");
        }
        if (o->hash) {
            return cli_usage_error(cmd, "--hash always uses SHA-256; leave out --scheme");
        }
    }
    return CLI_EXIT_OK;
}

/* the input of rsa-sign / rsa-verify (a digest, or a message with --hash) */
typedef struct rsa_input {
    uint8_t *in;
    size_t len;
} rsa_input_t;

static int rsa_input_read(const char *cmd, const rsa_opts_t *o, rsa_input_t *x)
{
    int rc;
    x->in = malloc(RSA_HASH_IN_MAX);
    x->len = 0;
    if (x->in == NULL) {
        fprintf(stderr, "trustm %s: out of memory\n", cmd);
        return CLI_EXIT_FILE;
    }
    rc = cli_input_read(&o->io, cmd, x->in, o->hash ? RSA_HASH_IN_MAX : 64u, &x->len);
    if (rc == CLI_EXIT_OK && x->len == 0u) {
        fprintf(stderr, "trustm %s: the input is empty\n", cmd);
        rc = CLI_EXIT_FILE;
    }
    return rc;
}

typedef struct rsa_sign_opts {
    rsa_opts_t o;
    uint16_t key;
} rsa_sign_opts_t;

static int rsa_sign_parse(cli_globals_t *g, int argc, char **argv, rsa_sign_opts_t *so)
{
    const char *cmd = "rsa-sign";
    int rc = parse(g, &so->o, cmd, sign_help, CLI_IO_IN | CLI_IO_OUT | CLI_IO_HEX, OPT_KEY | OPT_SCHEME | OPT_HASH,
                   argc, argv);
    if (rc != CLI_PARSE_RUN) {
        return rc;
    }
    if ((rc = key_oid(cmd, so->o.key_s, &so->key)) != CLI_EXIT_OK ||
        (rc = check_hash_opts(cmd, &so->o)) != CLI_EXIT_OK) {
        return rc;
    }
    return CLI_PARSE_RUN;
}

static int rsa_sign_run(const cli_globals_t *g, const rsa_sign_opts_t *so, const rsa_input_t *x, rsa_result_t *res)
{
    const char *cmd = "rsa-sign";
    cli_device_t d;
    size_t dlen = 0;
    uint8_t digest[64], scheme = 0;
    int rc = cli_device_open(&d, g, cmd);
    if (rc != CLI_EXIT_OK) {
        return rc;
    }
    rc = get_digest(&d, cmd, &so->o, x->in, x->len, digest, &dlen, &scheme);
    if (rc == CLI_EXIT_OK) {
        trustm_status_t st =
            trustm_rsa_sign(&d.dev, so->key, scheme, digest, dlen, res->b, TRUSTM_RSA_MAX_BYTES, &res->len);
        if (st != TRUSTM_OK) {
            rc = cli_report_key_status("CalcSign", st, so->key, "sign");
        }
    }
    cli_device_close(&d, g);
    return rc;
}

int do_rsa_sign(cli_globals_t *g, int argc, char **argv)
{
    rsa_sign_opts_t so;
    rsa_input_t x = {NULL, 0};
    static rsa_result_t res;
    int rc = rsa_sign_parse(g, argc, argv, &so);
    if (rc != CLI_PARSE_RUN) {
        return rc;
    }
    memset(&res, 0, sizeof(res));
    rc = rsa_input_read("rsa-sign", &so.o, &x);
    if (rc == CLI_EXIT_OK) {
        rc = rsa_sign_run(g, &so, &x, &res);
    }
    free(x.in);
    if (rc == CLI_EXIT_OK) {
        rc = cli_output_write(&so.o.io, "rsa-sign", res.b, res.len); /* print */
    }
    return rc;
}

/* Key source of rsa-verify / rsa-encrypt: exactly one of --pubkey and --cert-oid. */
static int key_source(const char *cmd, const rsa_opts_t *o, trustm_rsa_key_src_t *src, uint8_t *pub, size_t pub_size)
{
    memset(src, 0, sizeof(*src));
    if ((o->pub_s == NULL) == (o->cert_s == NULL)) {
        return cli_usage_error(cmd, "give the public key with --pubkey FILE or --cert-oid OID (one of them)");
    }
    if (o->cert_s != NULL) {
        return cli_oid_arg(cmd, "--cert-oid", o->cert_s, &src->cert_oid);
    }
    src->pub = pub;
    return cli_rsa_pub_load(cmd, o->pub_s, pub, pub_size, &src->pub_len, &src->alg);
}

typedef struct rsa_verify_opts {
    rsa_opts_t o;
    trustm_rsa_key_src_t src;
    uint8_t pub[TRUSTM_RSA_PUBKEY_MAX];
    uint8_t sig[TRUSTM_RSA_MAX_BYTES];
    size_t sig_len;
} rsa_verify_opts_t;

/* options, the key and the signature (files are input: no device access) */
static int rsa_verify_parse(cli_globals_t *g, int argc, char **argv, rsa_verify_opts_t *v)
{
    const char *cmd = "rsa-verify";
    rsa_opts_t *o = &v->o;
    int rc = parse(g, o, cmd, verify_help, CLI_IO_IN | CLI_IO_HEX, OPT_SCHEME | OPT_HASH | OPT_PUB | OPT_CERT | OPT_SIG,
                   argc, argv);
    if (rc != CLI_PARSE_RUN) {
        return rc;
    }
    if ((rc = check_hash_opts(cmd, o)) != CLI_EXIT_OK) {
        return rc;
    }
    if (o->sig_s == NULL) {
        return cli_usage_error(cmd, "missing --sig FILE");
    }
    if ((rc = key_source(cmd, o, &v->src, v->pub, sizeof(v->pub))) != CLI_EXIT_OK) {
        return rc;
    }
    if ((rc = cli_file_load(o->sig_s, o->io.hex_in, cmd, v->sig, sizeof(v->sig), &v->sig_len)) != CLI_EXIT_OK) {
        return rc;
    }
    if (v->sig_len != 128u && v->sig_len != 256u) {
        fprintf(stderr, "trustm %s: %s: %zu bytes is not an RSA-1024/2048 signature (128 or 256 bytes)\n", cmd,
                o->sig_s, v->sig_len);
        return CLI_EXIT_FILE;
    }
    return CLI_PARSE_RUN;
}

static int rsa_verify_run(const cli_globals_t *g, const rsa_verify_opts_t *v, const rsa_input_t *x, rsa_result_t *res)
{
    const char *cmd = "rsa-verify";
    cli_device_t d;
    size_t dlen = 0;
    uint8_t digest[64], scheme = 0;
    trustm_status_t st;
    int rc = cli_device_open(&d, g, cmd);
    if (rc != CLI_EXIT_OK) {
        return rc;
    }
    rc = get_digest(&d, cmd, &v->o, x->in, x->len, digest, &dlen, &scheme);
    if (rc == CLI_EXIT_OK) {
        if (v->src.pub != NULL) {
            st = trustm_rsa_verify(&d.dev, v->src.pub, v->src.pub_len, v->src.alg, scheme, digest, dlen, v->sig,
                                   v->sig_len);
        } else {
            st = trustm_rsa_verify_cert(&d.dev, v->src.cert_oid, scheme, digest, dlen, v->sig, v->sig_len);
        }
        if (st != TRUSTM_OK) {
            res->invalid = st == TRUSTM_DEVICE_ERR(0x2Cu);
            rc = cli_report_status("VerifySign", st);
        }
    }
    cli_device_close(&d, g);
    return rc;
}

int do_rsa_verify(cli_globals_t *g, int argc, char **argv)
{
    static rsa_verify_opts_t v;
    rsa_input_t x = {NULL, 0};
    rsa_result_t res;
    int rc;
    memset(&v, 0, sizeof(v));
    if ((rc = rsa_verify_parse(g, argc, argv, &v)) != CLI_PARSE_RUN) {
        return rc;
    }
    memset(&res, 0, sizeof(res));
    rc = rsa_input_read("rsa-verify", &v.o, &x);
    if (rc == CLI_EXIT_OK) {
        rc = rsa_verify_run(g, &v, &x, &res);
        /* print: the verdict (an invalid signature also fails with the chip's error) */
        if (rc == CLI_EXIT_OK) {
            printf("signature valid\n");
        } else if (res.invalid) {
            printf("signature INVALID\n");
        }
    }
    free(x.in);
    return rc;
}

typedef struct rsa_encrypt_opts {
    rsa_opts_t o;
    trustm_rsa_key_src_t src;
    uint8_t pub[TRUSTM_RSA_PUBKEY_MAX];
    uint8_t msg[TRUSTM_RSA_MAX_BYTES];
    size_t len;
} rsa_encrypt_opts_t;

/* options, the key and the message (input: no device access) */
static int rsa_encrypt_parse(cli_globals_t *g, int argc, char **argv, rsa_encrypt_opts_t *e)
{
    const char *cmd = "rsa-encrypt";
    rsa_opts_t *o = &e->o;
    int rc = parse(g, o, cmd, encrypt_help, CLI_IO_IN | CLI_IO_OUT | CLI_IO_HEX, OPT_PUB | OPT_CERT, argc, argv);
    if (rc != CLI_PARSE_RUN) {
        return rc;
    }
    if ((rc = key_source(cmd, o, &e->src, e->pub, sizeof(e->pub))) != CLI_EXIT_OK) {
        return rc;
    }
    if ((rc = cli_input_read(&o->io, cmd, e->msg, sizeof(e->msg), &e->len)) != CLI_EXIT_OK) {
        return rc;
    }
    if (e->len == 0u) {
        fprintf(stderr, "trustm %s: the input is empty\n", cmd);
        return CLI_EXIT_FILE;
    }
    if (e->src.pub != NULL && e->len > (e->src.alg == TRUSTM_RSA1024 ? 128u : 256u) - 11u) {
        fprintf(stderr, "trustm %s: a %zu-byte message is too long for RSA-%s PKCS#1 v1.5 (at most %u bytes)\n", cmd,
                e->len, e->src.alg == TRUSTM_RSA1024 ? "1024" : "2048",
                (e->src.alg == TRUSTM_RSA1024 ? 128u : 256u) - 11u);
        return CLI_EXIT_FILE;
    }
    return CLI_PARSE_RUN;
}

static int rsa_encrypt_run(const cli_globals_t *g, const rsa_encrypt_opts_t *e, rsa_result_t *res)
{
    cli_device_t d;
    int rc = cli_device_open(&d, g, "rsa-encrypt");
    if (rc != CLI_EXIT_OK) {
        return rc;
    }
    trustm_status_t st = trustm_rsa_encrypt(&d.dev, &e->src, e->msg, e->len, res->b, TRUSTM_RSA_MAX_BYTES, &res->len);
    if (st != TRUSTM_OK) {
        rc = cli_report_status("EncryptAsym", st);
    }
    cli_device_close(&d, g);
    return rc;
}

int do_rsa_encrypt(cli_globals_t *g, int argc, char **argv)
{
    static rsa_encrypt_opts_t e;
    static rsa_result_t res;
    int rc;
    memset(&e, 0, sizeof(e));
    if ((rc = rsa_encrypt_parse(g, argc, argv, &e)) != CLI_PARSE_RUN) {
        return rc;
    }
    memset(&res, 0, sizeof(res));
    rc = rsa_encrypt_run(g, &e, &res);
    if (rc == CLI_EXIT_OK) {
        rc = cli_output_write(&e.o.io, "rsa-encrypt", res.b, res.len); /* print */
    }
    return rc;
}

typedef struct rsa_decrypt_opts {
    rsa_opts_t o;
    uint16_t key;
    uint8_t ct[TRUSTM_RSA_MAX_BYTES];
    size_t len;
} rsa_decrypt_opts_t;

/* options and the ciphertext (input: no device access) */
static int rsa_decrypt_parse(cli_globals_t *g, int argc, char **argv, rsa_decrypt_opts_t *x)
{
    const char *cmd = "rsa-decrypt";
    int rc = parse(g, &x->o, cmd, decrypt_help, CLI_IO_IN | CLI_IO_OUT | CLI_IO_HEX, OPT_KEY, argc, argv);
    if (rc != CLI_PARSE_RUN) {
        return rc;
    }
    if ((rc = key_oid(cmd, x->o.key_s, &x->key)) != CLI_EXIT_OK) {
        return rc;
    }
    if ((rc = cli_input_read(&x->o.io, cmd, x->ct, sizeof(x->ct), &x->len)) != CLI_EXIT_OK) {
        return rc;
    }
    if (x->len != 128u && x->len != 256u) {
        fprintf(stderr, "trustm %s: the input is %zu bytes; an RSA-1024/2048 ciphertext is 128 or 256 bytes\n", cmd,
                x->len);
        return CLI_EXIT_FILE;
    }
    return CLI_PARSE_RUN;
}

static int rsa_decrypt_run(const cli_globals_t *g, const rsa_decrypt_opts_t *x, rsa_result_t *res)
{
    cli_device_t d;
    int rc = cli_device_open(&d, g, "rsa-decrypt");
    if (rc != CLI_EXIT_OK) {
        return rc;
    }
    trustm_status_t st = trustm_rsa_decrypt(&d.dev, x->key, x->ct, x->len, res->b, TRUSTM_RSA_MAX_BYTES, &res->len);
    if (st != TRUSTM_OK) {
        rc = cli_report_key_status("DecryptAsym", st, x->key, "enc");
    }
    cli_device_close(&d, g);
    return rc;
}

int do_rsa_decrypt(cli_globals_t *g, int argc, char **argv)
{
    static rsa_decrypt_opts_t x;
    static rsa_result_t res;
    int rc;
    memset(&x, 0, sizeof(x));
    if ((rc = rsa_decrypt_parse(g, argc, argv, &x)) != CLI_PARSE_RUN) {
        return rc;
    }
    memset(&res, 0, sizeof(res));
    rc = rsa_decrypt_run(g, &x, &res);
    if (rc == CLI_EXIT_OK) {
        rc = cli_output_write(&x.o.io, "rsa-decrypt", res.b, res.len); /* print */
    }
    trustm_wipe(res.b, sizeof(res.b));
    return rc;
}
