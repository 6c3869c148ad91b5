/*
 * trustm_sim_main.c - command line of the simulator daemon.
 *
 *   trustm-sim init  --state FILE [--seed N] [--uid HEX54] [--force] [--blank] [--id2 HEX24]
 *                    [--aes-key HEX | --rsa-key PEM-FILE]
 *   trustm-sim ca    [--out FILE]
 *   trustm-sim serve --state FILE --socket PATH [--clock virtual|real] [--timing datasheet|none]
 *                    [--scl KHZ] [--trace FILE]
 *   trustm-sim show  --state FILE
 *
 * Exit codes (the same for every trustm tool, docs/CLI.md): 0 success, 1 usage error,
 * 2 device (serving on the socket failed), 4 file (state file, key file, output).
 */
#define _POSIX_C_SOURCE 200809L

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trustm_sim.h"
#include "trustm_sim_daemon.h"
#include "trustm_sim_factory.h"

#define EXIT_USAGE   1
#define EXIT_DEVICE  2 /* serving failed (socket) */
#define EXIT_RUNTIME 4 /* a file: state file, key file, output */

static const char *usage_text =
    "usage: trustm-sim <command> [options]\n"
    "\n"
    "Simulator of the OPTIGA Trust M2 ID2 security chip at the I2C register level.\n"
    "\n"
    "commands:\n"
    "  init  --state FILE [--seed N] [--uid HEX54] [--force] [--blank] [--id2 HEX24]\n"
    "        [--aes-key HEX | --rsa-key PEM-FILE]\n"
    "        create a new chip (state file) as it leaves the factory: an RSA-2048 key in E0FC\n"
    "        and its device certificate in E0E0, issued by the test CA (see `ca`); --blank\n"
    "        leaves both empty; the UID batch/wafer fields come from the seed\n"
    "        (random when --seed is absent), or --uid gives all 27 UID bytes as 54 hex digits;\n"
    "        --id2 writes the 12-byte ID2 device ID into F1D0, --aes-key an AES-128/192/256 key\n"
    "        (32/48/64 hex digits) into E200, --rsa-key an RSA-1024/2048 PEM private key into\n"
    "        E0FC (instead of the generated one), with algorithm and key usage metadata as a\n"
    "        factory would set them\n"
    "  ca    [--out FILE]\n"
    "        print (or write) the test CA certificate (PEM) the device certificates chain to\n"
    "  serve --state FILE --socket PATH [--clock virtual|real] [--timing datasheet|none]\n"
    "        [--scl 100|400|1000] [--trace FILE]\n"
    "        serve the chip on a UNIX socket (protocol: docs/sim-socket.md) until SIGTERM,\n"
    "        SIGINT or the SHUTDOWN message; the state file is updated crash-safely\n"
    "  show  --state FILE [--json]\n"
    "        print the chip's UID and persistent settings\n"
    "\n"
    "  --version  print the version\n"
    "\n"
    "The simulator's keys, certificates and random numbers are for testing only: they come\n"
    "from the seed (reproducible by design) and the test CA's key is public.\n"
    "\n"
    "exit codes (as for every trustm tool): 0 success, 1 usage error, 2 serving failed\n"
    "(socket), 4 file error (state file, key file, output)\n";

static int usage(FILE *f, int rc)
{
    fputs(usage_text, f);
    return rc;
}

static const char *opt_value(int argc, char **argv, int *i)
{
    if (*i + 1 >= argc) {
        fprintf(stderr, "trustm-sim: option %s needs a value\n", argv[*i]);
        return NULL;
    }
    return argv[++*i];
}

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 0);
    if (*s == '\0' || *end != '\0' || s[0] == '-')
        return -1;
    *out = v;
    return 0;
}

static int parse_hex(const char *s, uint8_t *out, size_t n)
{
    if (strlen(s) != 2 * n)
        return -1;
    for (size_t i = 0; i < n; i++) {
        char b[3] = {s[2 * i], s[2 * i + 1], 0};
        if (!isxdigit((unsigned char)b[0]) || !isxdigit((unsigned char)b[1]))
            return -1;
        out[i] = (uint8_t)strtoul(b, NULL, 16);
    }
    return 0;
}

static uint64_t random_seed(void)
{
    uint64_t v = 0;
    FILE *f = fopen("/dev/urandom", "rb");
    if (f != NULL) {
        if (fread(&v, sizeof v, 1, f) != 1)
            v = 0;
        fclose(f);
    }
    return v;
}

static char *read_text_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *buf = malloc(65537);
    size_t n = buf != NULL ? fread(buf, 1, 65536, f) : 0;
    fclose(f);
    if (buf != NULL)
        buf[n] = '\0';
    return buf;
}

static int cmd_init(int argc, char **argv)
{
    const char *state = NULL, *uidhex = NULL, *id2hex = NULL, *aeshex = NULL, *rsafile = NULL;
    uint64_t seed = 0;
    bool have_seed = false, force = false, blank = false;
    for (int i = 2; i < argc; i++) {
        const char *v;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return usage(stdout, 0);
        if (!strcmp(argv[i], "--state")) {
            if ((state = opt_value(argc, argv, &i)) == NULL)
                return EXIT_USAGE;
        } else if (!strcmp(argv[i], "--seed")) {
            if ((v = opt_value(argc, argv, &i)) == NULL || parse_u64(v, &seed) != 0) {
                fprintf(stderr, "trustm-sim: --seed needs an unsigned number\n");
                return EXIT_USAGE;
            }
            have_seed = true;
        } else if (!strcmp(argv[i], "--uid")) {
            if ((uidhex = opt_value(argc, argv, &i)) == NULL)
                return EXIT_USAGE;
        } else if (!strcmp(argv[i], "--force")) {
            force = true;
        } else if (!strcmp(argv[i], "--blank")) {
            blank = true;
        } else if (!strcmp(argv[i], "--id2")) {
            if ((id2hex = opt_value(argc, argv, &i)) == NULL)
                return EXIT_USAGE;
        } else if (!strcmp(argv[i], "--aes-key")) {
            if ((aeshex = opt_value(argc, argv, &i)) == NULL)
                return EXIT_USAGE;
        } else if (!strcmp(argv[i], "--rsa-key")) {
            if ((rsafile = opt_value(argc, argv, &i)) == NULL)
                return EXIT_USAGE;
        } else {
            fprintf(stderr, "trustm-sim init: unknown option %s\n", argv[i]);
            return usage(stderr, EXIT_USAGE);
        }
    }
    if (state == NULL) {
        fprintf(stderr, "trustm-sim init: --state FILE is required\n");
        return EXIT_USAGE;
    }
    uint8_t uid[TRUSTM_SIM_UID_SIZE];
    if (uidhex != NULL && parse_hex(uidhex, uid, sizeof uid) != 0) {
        fprintf(stderr, "trustm-sim init: --uid needs exactly 54 hex digits (27 bytes)\n");
        return EXIT_USAGE;
    }
    trustm_sim_provision_t prov;
    memset(&prov, 0, sizeof prov);
    uint8_t aes[32];
    if (id2hex != NULL) {
        if (parse_hex(id2hex, prov.id2, sizeof prov.id2) != 0) {
            fprintf(stderr, "trustm-sim init: --id2 needs exactly 24 hex digits (12 bytes)\n");
            return EXIT_USAGE;
        }
        prov.id2_set = true;
    }
    if (aeshex != NULL && rsafile != NULL) {
        fprintf(stderr, "trustm-sim init: give --aes-key or --rsa-key, not both\n");
        return EXIT_USAGE;
    }
    if (aeshex != NULL) {
        size_t n = strlen(aeshex) / 2u;
        if ((n != 16 && n != 24 && n != 32) || parse_hex(aeshex, aes, n) != 0) {
            fprintf(stderr, "trustm-sim init: --aes-key needs 32, 48 or 64 hex digits\n");
            return EXIT_USAGE;
        }
        prov.aes_key = aes;
        prov.aes_key_len = n;
    }
    char *pem = NULL;
    if (rsafile != NULL) {
        if ((pem = read_text_file(rsafile)) == NULL) {
            fprintf(stderr, "trustm-sim init: cannot read %s\n", rsafile);
            return EXIT_RUNTIME;
        }
        prov.rsa_pem = pem;
    }
    if (!have_seed)
        seed = random_seed();
    static char key_pem[4096];
    static uint8_t cert[1728];
    if (!blank) {
        size_t cert_len = 0;
        if (sim_factory_make(seed, pem, key_pem, sizeof key_pem, cert, sizeof cert, &cert_len) != 0) {
            fprintf(stderr, "trustm-sim init: cannot make the factory key and certificate%s\n",
                    pem != NULL ? " (is the --rsa-key file an RSA private key?)" : "");
            free(pem);
            return EXIT_RUNTIME;
        }
        prov.rsa_pem = key_pem;
        prov.cert = cert;
        prov.cert_len = cert_len;
    }
    char err[512];
    int rc = trustm_sim_state_init_provisioned(state, seed, uidhex != NULL ? uid : NULL, force, &prov, err, sizeof err);
    free(pem);
    memset(key_pem, 0, sizeof key_pem);
    if (rc != 0) {
        fprintf(stderr, "trustm-sim: %s\n", err);
        return EXIT_RUNTIME;
    }
    printf("created %s (seed %llu)%s\n", state, (unsigned long long)seed,
           blank ? ", blank" : ", device certificate in E0E0 (test CA: trustm-sim ca), key in E0FC");
    return 0;
}

static int cmd_ca(int argc, char **argv)
{
    const char *out = NULL;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return usage(stdout, 0);
        if (!strcmp(argv[i], "--out")) {
            if ((out = opt_value(argc, argv, &i)) == NULL)
                return EXIT_USAGE;
        } else {
            fprintf(stderr, "trustm-sim ca: unknown option %s\n", argv[i]);
            return usage(stderr, EXIT_USAGE);
        }
    }
    static char pem[2048];
    if (sim_factory_ca_pem(pem, sizeof pem) != 0) {
        fprintf(stderr, "trustm-sim ca: cannot make the test CA certificate\n");
        return EXIT_RUNTIME;
    }
    FILE *f = out == NULL || !strcmp(out, "-") ? stdout : fopen(out, "w");
    if (f == NULL) {
        fprintf(stderr, "trustm-sim ca: cannot write %s\n", out);
        return EXIT_RUNTIME;
    }
    int ok = fputs(pem, f) >= 0;
    if (f != stdout)
        ok = fclose(f) == 0 && ok;
    if (!ok) {
        fprintf(stderr, "trustm-sim ca: cannot write %s\n", out);
        return EXIT_RUNTIME;
    }
    return 0;
}

static void print_json_str(const char *s)
{
    putchar('"');
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

static void print_hex(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        printf("%02X", p[i]);
}

static int cmd_show(int argc, char **argv)
{
    const char *state = NULL;
    bool json = false;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return usage(stdout, 0);
        if (!strcmp(argv[i], "--json")) {
            json = true;
        } else if (!strcmp(argv[i], "--state")) {
            if ((state = opt_value(argc, argv, &i)) == NULL)
                return EXIT_USAGE;
        } else {
            fprintf(stderr, "trustm-sim show: unknown option %s\n", argv[i]);
            return usage(stderr, EXIT_USAGE);
        }
    }
    if (state == NULL) {
        fprintf(stderr, "trustm-sim show: --state FILE is required\n");
        return EXIT_USAGE;
    }
    trustm_sim_state_info_t in;
    char err[512];
    if (trustm_sim_state_info(state, &in, err, sizeof err) != 0) {
        fprintf(stderr, "trustm-sim: %s\n", err);
        return EXIT_RUNTIME;
    }
    static const char *modes[] = {"?", "Sm (100 kHz)", "Fm (400 kHz)", "Sm&Fm (400 kHz)", "Fm+ (1000 kHz)"};
    const uint8_t *u = in.uid;
    if (json) {
        printf("{\"state\":");
        print_json_str(state);
        printf(",\"format\":%lu,\"objects\":%lu,\"uid\":\"", (unsigned long)in.version, (unsigned long)in.objects);
        print_hex(u, TRUSTM_SIM_UID_SIZE);
        printf("\",\"seed\":%llu,\"i2c_address\":%u,\"i2c_mode\":%u,\"lcs_global\":%u,\"lcs_app\":%u,"
               "\"security_events\":%u}\n",
               (unsigned long long)in.seed, in.base_addr, in.i2c_mode, in.lcs_global, in.lcs_app, in.sec);
        return 0;
    }
    printf("state file:        %s (format v%lu, %lu objects)\n", state, (unsigned long)in.version,
           (unsigned long)in.objects);
    printf("coprocessor UID:   ");
    print_hex(u, TRUSTM_SIM_UID_SIZE);
    printf("\n  CIM id           %02X\n  platform id      %02X\n  model id         %02X\n", u[0], u[1], u[2]);
    printf("  ROM mask id      ");
    print_hex(u + 3, 2);
    printf("\n  chip type        ");
    print_hex(u + 5, 6);
    printf("\n  batch number     ");
    print_hex(u + 11, 6);
    printf("\n  wafer X / Y      %u / %u\n", (unsigned)(u[17] << 8 | u[18]), (unsigned)(u[19] << 8 | u[20]));
    printf("  firmware id      ");
    print_hex(u + 21, 4);
    printf("\n  ESW build        %02X%02X\n", u[25], u[26]);
    printf("seed:              %llu\n", (unsigned long long)in.seed);
    printf("I2C address:       0x%02X\n", in.base_addr);
    printf("I2C mode:          %u %s\n", in.i2c_mode, in.i2c_mode <= 4 ? modes[in.i2c_mode] : "");
    printf("lifecycle:         global 0x%02X, application 0x%02X\n", in.lcs_global, in.lcs_app);
    printf("security events:   %u\n", in.sec);
    return 0;
}

static int cmd_serve(int argc, char **argv)
{
    sim_serve_opts_t o;
    memset(&o, 0, sizeof o);
    o.scl_khz = 400;
    for (int i = 2; i < argc; i++) {
        const char *v;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return usage(stdout, 0);
        if (!strcmp(argv[i], "--state")) {
            if ((o.state = opt_value(argc, argv, &i)) == NULL)
                return EXIT_USAGE;
        } else if (!strcmp(argv[i], "--socket")) {
            if ((o.socket = opt_value(argc, argv, &i)) == NULL)
                return EXIT_USAGE;
        } else if (!strcmp(argv[i], "--trace")) {
            if ((o.trace = opt_value(argc, argv, &i)) == NULL)
                return EXIT_USAGE;
        } else if (!strcmp(argv[i], "--clock")) {
            if ((v = opt_value(argc, argv, &i)) == NULL)
                return EXIT_USAGE;
            if (!strcmp(v, "real"))
                o.real_clock = true;
            else if (strcmp(v, "virtual") != 0) {
                fprintf(stderr, "trustm-sim serve: --clock is virtual or real\n");
                return EXIT_USAGE;
            }
        } else if (!strcmp(argv[i], "--timing")) {
            if ((v = opt_value(argc, argv, &i)) == NULL)
                return EXIT_USAGE;
            if (!strcmp(v, "none"))
                o.timing = TRUSTM_SIM_TIMING_NONE;
            else if (strcmp(v, "datasheet") != 0) {
                fprintf(stderr, "trustm-sim serve: --timing is datasheet or none\n");
                return EXIT_USAGE;
            }
        } else if (!strcmp(argv[i], "--scl")) {
            uint64_t k;
            if ((v = opt_value(argc, argv, &i)) == NULL || parse_u64(v, &k) != 0 ||
                (k != 100 && k != 400 && k != 1000)) {
                fprintf(stderr, "trustm-sim serve: --scl is 100, 400 or 1000\n");
                return EXIT_USAGE;
            }
            o.scl_khz = (uint32_t)k;
        } else {
            fprintf(stderr, "trustm-sim serve: unknown option %s\n", argv[i]);
            return usage(stderr, EXIT_USAGE);
        }
    }
    if (o.state == NULL || o.socket == NULL) {
        fprintf(stderr, "trustm-sim serve: --state FILE and --socket PATH are required\n");
        return EXIT_USAGE;
    }
    return sim_serve(&o) == 0 ? 0 : EXIT_DEVICE;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage(stderr, EXIT_USAGE);
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help"))
        return usage(stdout, 0);
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
        printf("trustm-sim %s\n", TRUSTM_VERSION_STRING);
        return 0;
    }
    if (!strcmp(argv[1], "ca"))
        return cmd_ca(argc, argv);
    if (!strcmp(argv[1], "init"))
        return cmd_init(argc, argv);
    if (!strcmp(argv[1], "serve"))
        return cmd_serve(argc, argv);
    if (!strcmp(argv[1], "show"))
        return cmd_show(argc, argv);
    fprintf(stderr, "trustm-sim: unknown command '%s'\n", argv[1]);
    return usage(stderr, EXIT_USAGE);
}
