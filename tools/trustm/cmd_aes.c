/*
 * cmd_aes.c - `trustm aes-keygen`, `trustm aes-encrypt`, `trustm aes-decrypt`: the chip's AES
 * key (E200) and symmetric modes ECB, CBC, CBC-MAC and CMAC (GenSymKey, EncryptSym, DecryptSym).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "cli_device.h"
#include "cli_hex.h"
#include "cli_util.h"
#include "trustm_bytes.h"

#define AES_IN_MAX (64u * 1024u)

static const char keygen_help[] =
    "Usage: trustm [global options] aes-keygen [--key E200] [--bits 128|192|256] [--usage LIST]\n"
    "       trustm [global options] aes-keygen --export [--bits N] [--out FILE] [--hex]\n"
    "Generate an AES key inside the chip (GenSymKey) into key object E200, or with --export\n"
    "generate one and write it out instead of storing it.\n"
    "Options:\n"
    "  --key OID             key object (default E200)\n"
    "  --bits N              key size 128, 192 or 256 (default 128)\n"
    "  --usage LIST          key usage: enc (default), auth, sign, keyagree, joined by ','\n"
    "  --export              export the key (no key object is written)\n";

static const char encrypt_help[] =
    "Usage: trustm [global options] aes-encrypt --mode ecb|cbc|cbc-mac|cmac [--key E200] [--iv HEX]\n"
    "                                           [--in FILE | --data HEX] [--out FILE] [--hex]\n"
    "Encrypt or authenticate data with the chip's AES key (EncryptSym). ECB, CBC and CBC-MAC\n"
    "need a multiple of 16 bytes (no padding is added); CMAC takes any length of 1 byte or more.\n"
    "The output is the ciphertext (ECB, CBC) or the 16-byte MAC (CBC-MAC, CMAC).\n"
    "Options:\n"
    "  --mode MODE           ecb, cbc, cbc-mac or cmac\n"
    "  --key OID             key object (default E200)\n"
    "  --iv HEX              16-byte initialisation vector (CBC only; default all zero)\n";

static const char decrypt_help[] =
    "Usage: trustm [global options] aes-decrypt --mode ecb|cbc [--key E200] [--iv HEX]\n"
    "                                           [--in FILE | --data HEX] [--out FILE] [--hex]\n"
    "Decrypt data (a multiple of 16 bytes) with the chip's AES key (DecryptSym).\n"
    "Options:\n"
    "  --mode MODE           ecb or cbc\n"
    "  --key OID             key object (default E200)\n"
    "  --iv HEX              16-byte initialisation vector (CBC only; default all zero)\n";

typedef struct aes_opts {
    cli_io_t io;
    const char *mode_s;
    const char *key_s;
    const char *iv_s;
    const char *bits_s;
    const char *usage_s;
    bool export_key;
} aes_opts_t;

/* Parse the options of the three commands; returns -2 to go on, else an exit code. */
static int parse(cli_globals_t *g, aes_opts_t *o, const char *cmd, const char *help, unsigned io_bits, int argc,
                 char **argv)
{
    const bool keygen = help == keygen_help; /* aes-keygen has --bits/--usage/--export, the others --mode/--iv */
    memset(o, 0, sizeof(*o));
    const cli_opt_t crypt_opts[] = {{"--key", NULL, &o->key_s, NULL, NULL, 0},
                                    {"--mode", "-m", &o->mode_s, NULL, NULL, 0},
                                    {"--iv", NULL, &o->iv_s, NULL, NULL, 0},
                                    {NULL, NULL, NULL, NULL, NULL, 0}};
    const cli_opt_t keygen_opts[] = {{"--key", NULL, &o->key_s, NULL, NULL, 0},
                                     {"--bits", NULL, &o->bits_s, NULL, NULL, 0},
                                     {"--usage", NULL, &o->usage_s, NULL, NULL, 0},
                                     {"--export", NULL, NULL, &o->export_key, NULL, 0},
                                     {NULL, NULL, NULL, NULL, NULL, 0}};
    return cli_parse(g, &o->io, io_bits, cmd, help, keygen ? keygen_opts : crypt_opts, NULL, argc, argv);
}

typedef struct keygen_opts {
    aes_opts_t a;
    uint16_t key;
    uint8_t usage, alg;
} keygen_opts_t;

typedef struct keygen_result {
    uint8_t kb[32]; /* --export: the key */
    size_t klen;
} keygen_result_t;

static int keygen_parse(cli_globals_t *g, int argc, char **argv, keygen_opts_t *k)
{
    const char *cmd = "aes-keygen";
    aes_opts_t *o = &k->a;
    int rc = parse(g, o, cmd, keygen_help, CLI_IO_OUT | CLI_IO_HEX, argc, argv);
    k->key = TRUSTM_OID_AES_KEY;
    k->usage = TRUSTM_KEY_USAGE_ENC;
    k->alg = TRUSTM_AES128;
    if (rc != CLI_PARSE_RUN) {
        return rc;
    }
    if (o->key_s != NULL && (rc = cli_oid_arg(cmd, "--key", o->key_s, &k->key)) != CLI_EXIT_OK) {
        return rc;
    }
    if (o->bits_s != NULL) {
        if (strcmp(o->bits_s, "128") == 0) {
            k->alg = TRUSTM_AES128;
        } else if (strcmp(o->bits_s, "192") == 0) {
            k->alg = TRUSTM_AES192;
        } else if (strcmp(o->bits_s, "256") == 0) {
            k->alg = TRUSTM_AES256;
        } else {
            return cli_usage_error(cmd, "--bits must be 128, 192 or 256");
        }
    }
    if (o->usage_s != NULL && cli_parse_key_usage(o->usage_s, &k->usage) != 0) {
        return cli_usage_error(cmd, "--usage '%s': expected names auth, enc, sign, keyagree joined by ','", o->usage_s);
    }
    if (o->export_key && (o->key_s != NULL || o->usage_s != NULL)) {
        return cli_usage_error(cmd, "--export writes no key object: leave out --key and --usage");
    }
    if (!o->export_key && o->io.out != NULL) {
        return cli_usage_error(cmd, "--out needs --export (a stored key cannot be read)");
    }
    return CLI_PARSE_RUN;
}

static int keygen_run(const cli_globals_t *g, const keygen_opts_t *k, keygen_result_t *res)
{
    cli_device_t d;
    trustm_status_t st;
    int rc = cli_device_open(&d, g, "aes-keygen");
    if (rc != CLI_EXIT_OK) {
        return rc;
    }
    if (k->a.export_key) {
        st = trustm_aes_keygen_export(&d.dev, k->alg, res->kb, sizeof(res->kb), &res->klen);
    } else {
        st = trustm_aes_keygen(&d.dev, k->key, k->alg, k->usage);
    }
    if (st != TRUSTM_OK) {
        rc = cli_report_status("GenSymKey", st);
    }
    cli_device_close(&d, g);
    return rc;
}

static int keygen_print(const keygen_opts_t *k, const keygen_result_t *res)
{
    if (k->a.export_key) {
        return cli_output_write(&k->a.io, "aes-keygen", res->kb, res->klen);
    }
    printf("%04X: new AES-%s key generated\n", k->key, k->a.bits_s != NULL ? k->a.bits_s : "128");
    return CLI_EXIT_OK;
}

int do_aes_keygen(cli_globals_t *g, int argc, char **argv)
{
    keygen_opts_t k;
    keygen_result_t res;
    int rc = keygen_parse(g, argc, argv, &k);
    if (rc != CLI_PARSE_RUN) {
        return rc;
    }
    memset(&res, 0, sizeof(res));
    rc = keygen_run(g, &k, &res);
    if (rc == CLI_EXIT_OK) {
        rc = keygen_print(&k, &res);
    }
    trustm_wipe(res.kb, sizeof(res.kb));
    return rc;
}

typedef struct sym_opts {
    aes_opts_t a;
    const char *cmd;
    bool decrypt;
    uint16_t key;
    uint8_t mode;
    uint8_t iv[TRUSTM_AES_BLOCK];
    size_t iv_len;
} sym_opts_t;

/* the input (read before the device is opened) and the output */
typedef struct sym_data {
    uint8_t *in, *out;
    size_t len, out_len;
} sym_data_t;

static int sym_parse(cli_globals_t *g, int argc, char **argv, bool decrypt, sym_opts_t *s)
{
    const char *cmd = decrypt ? "aes-decrypt" : "aes-encrypt";
    aes_opts_t *o = &s->a;
    int rc = parse(g, o, cmd, decrypt ? decrypt_help : encrypt_help, CLI_IO_IN | CLI_IO_OUT | CLI_IO_HEX, argc, argv);
    s->cmd = cmd;
    s->decrypt = decrypt;
    s->key = TRUSTM_OID_AES_KEY;
    s->iv_len = 0;
    if (rc != CLI_PARSE_RUN) {
        return rc;
    }
    if (o->mode_s == NULL) {
        return cli_usage_error(cmd, "missing --mode (%s)", decrypt ? "ecb or cbc" : "ecb, cbc, cbc-mac or cmac");
    }
    if (strcasecmp(o->mode_s, "ecb") == 0) {
        s->mode = TRUSTM_SYM_ECB;
    } else if (strcasecmp(o->mode_s, "cbc") == 0) {
        s->mode = TRUSTM_SYM_CBC;
    } else if (!decrypt && strcasecmp(o->mode_s, "cbc-mac") == 0) {
        s->mode = TRUSTM_SYM_CBC_MAC;
    } else if (!decrypt && strcasecmp(o->mode_s, "cmac") == 0) {
        s->mode = TRUSTM_SYM_CMAC;
    } else {
        return cli_usage_error(cmd, "--mode '%s': expected %s", o->mode_s,
                               decrypt ? "ecb or cbc" : "ecb, cbc, cbc-mac or cmac");
    }
    if (o->key_s != NULL && (rc = cli_oid_arg(cmd, "--key", o->key_s, &s->key)) != CLI_EXIT_OK) {
        return rc;
    }
    if (o->iv_s != NULL) {
        if (s->mode != TRUSTM_SYM_CBC) {
            return cli_usage_error(cmd, "--iv is for --mode cbc only");
        }
        if ((rc = cli_parse_hex_arg(cmd, "--iv", o->iv_s, s->iv, sizeof(s->iv), &s->iv_len)) != CLI_EXIT_OK) {
            return rc;
        }
        if (s->iv_len != TRUSTM_AES_BLOCK) {
            return cli_usage_error(cmd, "--iv must be 16 bytes (32 hex digits), not %zu", s->iv_len);
        }
    } else if (s->mode == TRUSTM_SYM_CBC) {
        memset(s->iv, 0, sizeof(s->iv));
        s->iv_len = TRUSTM_AES_BLOCK;
    }
    return CLI_PARSE_RUN;
}

/* buffers and the input data (input side: no device access) */
static int sym_input(const sym_opts_t *s, sym_data_t *x)
{
    int rc;
    x->in = malloc(AES_IN_MAX);
    x->out = malloc(AES_IN_MAX);
    if (x->in == NULL || x->out == NULL) {
        fprintf(stderr, "trustm %s: out of memory\n", s->cmd);
        return CLI_EXIT_FILE;
    }
    rc = cli_input_read(&s->a.io, s->cmd, x->in, AES_IN_MAX, &x->len);
    if (rc == CLI_EXIT_OK && x->len == 0u) {
        fprintf(stderr, "trustm %s: the input is empty\n", s->cmd);
        rc = CLI_EXIT_FILE;
    }
    if (rc == CLI_EXIT_OK && s->mode != TRUSTM_SYM_CMAC && x->len % TRUSTM_AES_BLOCK != 0u) {
        fprintf(stderr, "trustm %s: --mode %s needs a multiple of 16 bytes of input, got %zu (pad it first)\n", s->cmd,
                s->a.mode_s, x->len);
        rc = CLI_EXIT_FILE;
    }
    return rc;
}

static int sym_run(const cli_globals_t *g, const sym_opts_t *s, sym_data_t *x)
{
    cli_device_t d;
    trustm_status_t st;
    int rc = cli_device_open(&d, g, s->cmd);
    if (rc != CLI_EXIT_OK) {
        return rc;
    }
    const uint8_t *ivp = s->iv_len > 0u ? s->iv : NULL;
    st = s->decrypt ? trustm_sym_decrypt(&d.dev, s->key, s->mode, ivp, s->iv_len, x->in, x->len, x->out, AES_IN_MAX,
                                         &x->out_len)
                    : trustm_sym_encrypt(&d.dev, s->key, s->mode, ivp, s->iv_len, x->in, x->len, x->out, AES_IN_MAX,
                                         &x->out_len);
    if (st != TRUSTM_OK) {
        rc = cli_report_key_status(s->decrypt ? "DecryptSym" : "EncryptSym", st, s->key, "enc");
    }
    cli_device_close(&d, g);
    return rc;
}

static int sym_print(const sym_opts_t *s, const sym_data_t *x)
{
    return cli_output_write(&s->a.io, s->cmd, x->out, x->out_len);
}

static int run_sym(cli_globals_t *g, int argc, char **argv, bool decrypt)
{
    sym_opts_t s;
    sym_data_t x;
    int rc = sym_parse(g, argc, argv, decrypt, &s);
    if (rc != CLI_PARSE_RUN) {
        return rc;
    }
    memset(&x, 0, sizeof(x));
    rc = sym_input(&s, &x);
    if (rc == CLI_EXIT_OK) {
        rc = sym_run(g, &s, &x);
    }
    if (rc == CLI_EXIT_OK) {
        rc = sym_print(&s, &x);
    }
    if (x.in != NULL) {
        trustm_wipe(x.in, AES_IN_MAX);
    }
    if (x.out != NULL) {
        trustm_wipe(x.out, AES_IN_MAX);
    }
    free(x.in);
    free(x.out);
    return rc;
}

int do_aes_encrypt(cli_globals_t *g, int argc, char **argv)
{
    return run_sym(g, argc, argv, false);
}

int do_aes_decrypt(cli_globals_t *g, int argc, char **argv)
{
    return run_sym(g, argc, argv, true);
}
