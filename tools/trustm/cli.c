/*
 * cli.c - `trustm` entry: global options, subcommand dispatch, exit codes, status printing.
 */
#define _POSIX_C_SOURCE 200809L

#include "cli.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli_devspec.h"
#include "cli_hex.h"
#include "cmd_protupd.h"

typedef struct cli_cmd {
    const char *name;
    int (*fn)(cli_globals_t *g, int argc, char **argv);
    const char *summary;
} cli_cmd_t;

static const cli_cmd_t commands[] = {
    {"info", do_info, "print the chip's UID, life cycle, security status and buffer sizes"},
    {"trace", do_trace, "decode a recorded I2C bus trace into registers, frames, packets, APDUs"},
    {"read", do_read, "read a data object (OID, offset, length)"},
    {"write", do_write, "write a data object at an offset, optionally erasing it first"},
    {"metadata", do_metadata, "show an object's metadata as text or JSON, or change it (--set)"},
    {"list", do_list, "list every object: type, used/max size, life cycle, access conditions"},
    {"random", do_random, "random bytes from the TRNG or DRNG"},
    {"hash", do_hash, "SHA-256 of a file or of a data object, computed by the chip"},
    {"error", do_error, "decode an error code, or read the chip's Last Error Code (F1C2)"},
    {"aes-keygen", do_aes_keygen, "generate the AES-128/192/256 key E200 (or export a new key)"},
    {"aes-encrypt", do_aes_encrypt, "AES encryption or MAC with the chip's key: ecb, cbc, cbc-mac, cmac"},
    {"aes-decrypt", do_aes_decrypt, "AES decryption with the chip's key: ecb, cbc"},
    {"rsa-keygen", do_rsa_keygen, "generate an RSA-1024/2048 key pair in E0FC/E0FD, export the public key"},
    {"rsa-sign", do_rsa_sign, "PKCS#1 v1.5 signature of a digest (or --hash a file first)"},
    {"rsa-verify", do_rsa_verify, "verify a signature with a public key file or a certificate object"},
    {"rsa-encrypt", do_rsa_encrypt, "PKCS#1 v1.5 encryption with a public key file or certificate object"},
    {"rsa-decrypt", do_rsa_decrypt, "PKCS#1 v1.5 decryption with the chip's private key"},
    {"hmac", do_hmac, "HMAC-SHA256/384/512 keyed by a secret data object"},
    {"prf", do_prf, "TLS 1.2 PRF key derivation from a secret data object"},
    {"hkdf", do_hkdf, "HKDF key derivation from a secret data object"},
    {"counter", do_counter, "read a monotonic counter, count up, or set its threshold"},
    {"lifecycle", do_lifecycle, "show the life cycle states, or advance one (global, app, object)"},
    {"hibernate", do_hibernate, "save the application context to a file and close, or restore it"},
    {"pair", do_pair, "pair host and chip: a new platform binding secret in E140 and a host file"},
    {"update", do_update, "apply a protected update data set (manifest + fragments from trustm-protupd)"},
    {"provision-setup", do_provision_setup, "one-time setup for protected updates: trust anchor, secret, targets"},
    {"id2-provision", do_id2_provision, "write the ID2 device ID and apply the ID2 key update data set"},
};

const char cli_global_help[] =
    "Global options (accepted before or after the command):\n"
    "  -d, --device SPEC     the chip to use (default: $TRUSTM_DEVICE):\n"
    "                          sim:STATEFILE     in-process simulator (file from `trustm-sim init`)\n"
    "                          socket:PATH       simulator daemon (`trustm-sim serve --socket PATH`)\n"
    "                          i2c:/dev/i2c-N[@0x30][,gpio=CHIP][,rst=LINE][,vdd=LINE][,max=BYTES]\n"
    "                                            real chip on Linux i2c-dev, optional RST/VDD lines;\n"
    "                                            max=: the adapter's largest transfer (frame size\n"
    "                                            negotiated down to fit)\n"
    "  -f, --frame-size N    DATA_REG_LEN to negotiate, 16..277 (default 277)\n"
    "      --sim-trace FILE  with sim: devices, record the bus trace to FILE (`trustm trace FILE`)\n"
    "      --protect LEVEL   Shielded Connection: none, cmd, rsp or full protection of every command\n"
    "                        (handshake with the platform binding secret of `trustm pair`)\n"
    "      --pbs-file FILE   the host's platform binding secret (default: $TRUSTM_PBS_FILE)\n"
    "  -v, --verbose         device description and link statistics on stderr\n"
    "  -h, --help            show help\n";

static const char exit_help[] =
    "Exit codes:\n"
    "  0  success\n"
    "  1  usage error (unknown command or option, bad or missing argument, or an argument the\n"
    "     library rejects before sending anything)\n"
    "  2  device or transport error (no such device/socket/state file, bus, link or protocol error)\n"
    "  3  the chip returned an error (its Last Error Code is printed)\n"
    "  4  file error (cannot read/write a file, malformed input)\n";

static void main_usage(FILE *f)
{
    fprintf(f, "Usage: trustm [global options] <command> [options]\n"
               "Command-line tool for the OPTIGA(TM) Trust M2 ID2 (real chip or simulator).\n\n"
               "Commands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].summary);
    }
    fprintf(f,
            "  help         show help for a command (`trustm help info`)\n\n"
            "Data: commands that take data read it from --in FILE (default standard input; - too)\n"
            "or --data HEX, and write results to --out FILE (default standard output); --hex makes\n"
            "input files and output hex text instead of binary.\n\n%s\n%s\n"
            "Environment: TRUSTM_DEVICE (default --device).\n"
            "Run `trustm <command> --help` for the options of a command.\n",
            cli_global_help, exit_help);
}

const char *cli_opt_value(int argc, char **argv, int *i, const char *lng, const char *shrt, bool *err)
{
    const char *a = argv[*i];
    size_t ln = strlen(lng);
    *err = false;
    if (strncmp(a, lng, ln) == 0 && a[ln] == '=') {
        (*i)++;
        return a + ln + 1;
    }
    if (strcmp(a, lng) == 0 || (shrt != NULL && strcmp(a, shrt) == 0)) {
        if (*i + 1 >= argc) {
            *err = true;
            return NULL;
        }
        *i += 2;
        return argv[*i - 1];
    }
    return NULL;
}

int cli_global_option(cli_globals_t *g, int argc, char **argv, int *i)
{
    const char *v;
    bool err = false;
    const char *a = argv[*i];
    if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
        g->verbose++;
        (*i)++;
        return 1;
    }
    if ((v = cli_opt_value(argc, argv, i, "--device", "-d", &err)) != NULL) {
        g->device = v;
        return 1;
    }
    if (err) {
        fprintf(stderr, "trustm: %s needs a device spec (sim:FILE, socket:PATH, i2c:/dev/i2c-N)\n", a);
        return -1;
    }
    if ((v = cli_opt_value(argc, argv, i, "--frame-size", "-f", &err)) != NULL) {
        unsigned long n;
        if (cli_parse_uint(v, 16, 277, &n) != 0) {
            fprintf(stderr, "trustm: --frame-size '%s': expected a number 16..277\n", v);
            return -1;
        }
        g->frame_size = (unsigned)n;
        return 1;
    }
    if (err) {
        fprintf(stderr, "trustm: %s needs a number 16..277\n", a);
        return -1;
    }
    if ((v = cli_opt_value(argc, argv, i, "--protect", NULL, &err)) != NULL) {
        static const char *const names[] = {"none", "cmd", "rsp", "full"};
        for (unsigned k = 0; k < 4; k++) {
            if (strcmp(v, names[k]) == 0) {
                g->protect_set = true;
                g->protect = (unsigned char)k;
                return 1;
            }
        }
        fprintf(stderr, "trustm: --protect '%s': expected none, cmd, rsp or full\n", v);
        return -1;
    }
    if (err) {
        fprintf(stderr, "trustm: --protect needs a level: none, cmd, rsp or full\n");
        return -1;
    }
    if ((v = cli_opt_value(argc, argv, i, "--pbs-file", NULL, &err)) != NULL) {
        g->pbs_file = v;
        return 1;
    }
    if (err) {
        fprintf(stderr, "trustm: --pbs-file needs a file name\n");
        return -1;
    }
    if ((v = cli_opt_value(argc, argv, i, "--sim-trace", NULL, &err)) != NULL) {
        g->sim_trace = v;
        return 1;
    }
    if (err) {
        fprintf(stderr, "trustm: --sim-trace needs a file name\n");
        return -1;
    }
    return 0;
}

int cli_exit_code(trustm_status_t st)
{
    if (st == TRUSTM_OK) {
        return CLI_EXIT_OK;
    }
    if (TRUSTM_STATUS_LAYER(st) == TRUSTM_LAYER_DEVICE) {
        return CLI_EXIT_CHIP;
    }
    if (st == TRUSTM_STATUS(TRUSTM_LAYER_API, TRUSTM_BASE_BAD_PARAM)) {
        return CLI_EXIT_USAGE; /* an argument the library rejects before sending anything */
    }
    return CLI_EXIT_DEVICE;
}

static const char *(*status_hint)(void *ctx);
static void *status_hint_ctx;

void cli_set_status_hint(const char *(*fn)(void *ctx), void *ctx)
{
    status_hint = fn;
    status_hint_ctx = ctx;
}

int cli_report_status(const char *what, trustm_status_t st)
{
    const char *hint = status_hint != NULL ? status_hint(status_hint_ctx) : NULL;
    if (hint != NULL && hint[0] != '\0' && st != TRUSTM_OK) {
        fprintf(stderr, "trustm: %s: not done: simulator %s\n", what, hint);
        return cli_exit_code(st);
    }
    if (TRUSTM_STATUS_LAYER(st) == TRUSTM_LAYER_DEVICE) {
        uint8_t code = trustm_status_device_code(st);
        const char *name = trustm_device_error_str(code);
        if (code == 0u) {
            fprintf(stderr,
                    "trustm: %s: the chip refused the command (its Last Error Code read 0x00 or could "
                    "not be read)\n",
                    what);
        } else {
            fprintf(stderr, "trustm: %s: chip error 0x%02X (%s)\n", what, code, name != NULL ? name : "unknown code");
        }
    } else {
        fprintf(stderr, "trustm: %s: %s: %s (status 0x%08lX)\n", what, trustm_status_layer_str(st),
                trustm_status_base_str(st), (unsigned long)st);
    }
    return cli_exit_code(st);
}

int cli_report_key_status(const char *what, trustm_status_t st, uint16_t key, const char *usage)
{
    if (st == TRUSTM_DEVICE_ERR(0x07u)) {
        fprintf(stderr,
                "trustm: %s: chip error 0x07 (access conditions not satisfied): key %04X must have the "
                "usage %s and an execute condition that holds; check `trustm metadata %04X`\n",
                what, key, usage, key);
        return cli_exit_code(st);
    }
    return cli_report_status(what, st);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "trustm%s%s: ", cmd != NULL ? " " : "", cmd != NULL ? cmd : "");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nRun `trustm%s%s --help` for usage.\n", cmd != NULL ? " " : "", cmd != NULL ? cmd : "");
    return CLI_EXIT_USAGE;
}

static const cli_cmd_t *find_cmd(const char *name)
{
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(commands[i].name, name) == 0) {
            return &commands[i];
        }
    }
    return NULL;
}

int cli_main(int argc, char **argv)
{
    cli_globals_t g;
    int i = 1;
    memset(&g, 0, sizeof(g));
    g.device = getenv(CLI_DEVSPEC_ENV);
    if (g.device != NULL && g.device[0] == '\0') {
        g.device = NULL;
    }
    while (i < argc && argv[i][0] == '-') {
        int r;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            main_usage(stdout);
            return CLI_EXIT_OK;
        }
        if (strcmp(argv[i], "--version") == 0) {
            printf("trustm 0.1.0\n");
            return CLI_EXIT_OK;
        }
        r = cli_global_option(&g, argc, argv, &i);
        if (r < 0) {
            return CLI_EXIT_USAGE;
        }
        if (r == 0) {
            return cli_usage_error(NULL, "unknown option '%s'", argv[i]);
        }
    }
    if (i >= argc) {
        main_usage(stderr);
        return CLI_EXIT_USAGE;
    }
    if (strcmp(argv[i], "help") == 0) {
        if (i + 1 >= argc || strcmp(argv[i + 1], "--help") == 0 || strcmp(argv[i + 1], "-h") == 0 ||
            strcmp(argv[i + 1], "help") == 0) {
            main_usage(stdout);
            return CLI_EXIT_OK;
        }
        const cli_cmd_t *c = find_cmd(argv[i + 1]);
        if (c == NULL) {
            return cli_usage_error(NULL, "unknown command '%s'", argv[i + 1]);
        }
        char *hargv[3] = {argv[i + 1], (char *)"--help", NULL};
        return c->fn(&g, 2, hargv);
    }
    const cli_cmd_t *c = find_cmd(argv[i]);
    if (c == NULL) {
        return cli_usage_error(NULL, "unknown command '%s'", argv[i]);
    }
    return c->fn(&g, argc - i, argv + i);
}
