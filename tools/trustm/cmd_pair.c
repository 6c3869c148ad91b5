/*
 * cmd_pair.c - `trustm pair`: pairing of host and chip for the Shielded Connection (the
 * vendor's pairing use case, objects.md §6.8): a new random platform binding secret is written
 * to the chip's object E140 and to a host secret file (hex text, created 0600, never printed);
 * --lock then moves E140 to life cycle "operational", after which the secret can no longer be
 * read, and changed only over a Shielded Connection (the factory metadata's CHA = LcsO < op ||
 * Conf(E140)). A locked chip is not paired again.
 *
 * Order, so that nothing is half-written: the secret goes to a temporary file next to the
 * target first, then to E140, then the file is renamed into place; a failure removes the
 * temporary file. A protected GetRandom with the new secret checks the pairing.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cli_device.h"
#include "cli_hex.h"
#include "cli_util.h"
#include "trustm_bytes.h"
#include "trustm_shield_mbedtls.h"

#define PBS_OID  0xE140u
#define PBS_SIZE 64u

static const char pair_help[] =
    "Usage: trustm [global options] pair [--pbs-file FILE] [--lock] [--force]\n"
    "Pair this host with the chip for the Shielded Connection: generate a random 64-byte\n"
    "platform binding secret, write it to the chip (object E140) and to the host secret file\n"
    "(hex text, created with mode 0600; the secret is never printed). Later commands use it with\n"
    "--protect none|cmd|rsp|full.\n"
    "Options:\n"
    "  --pbs-file FILE       the host secret file (default: $TRUSTM_PBS_FILE)\n"
    "  --lock                then set E140 to life cycle 'operational': the secret can no longer\n"
    "                        be read and only be changed over a Shielded Connection; a locked\n"
    "                        chip cannot be paired again\n"
    "  --force               replace an existing host secret file\n";

/* Write the secret as hex text to a new file created 0600 (O_EXCL). */
static int write_secret_file(const char *path, const uint8_t *s, size_t n)
{
    char hex[2 * PBS_SIZE + 8]; /* cli_hex_format keeps room for "..." */
    cli_hex_format(s, n, 0, hex, sizeof(hex) - 1);
    size_t len = strlen(hex);
    hex[len++] = '\n';
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) {
        trustm_wipe(hex, sizeof(hex));
        return -1;
    }
    ssize_t w = write(fd, hex, len);
    int ok = w == (ssize_t)len && fsync(fd) == 0;
    trustm_wipe(hex, sizeof(hex));
    if (close(fd) != 0 || !ok) {
        unlink(path);
        return -1;
    }
    return 0;
}

/* LcsO of E140 from its metadata (0x01 creation when absent). */
static trustm_status_t pbs_lcso(trustm_device_t *dev, uint8_t *lcso)
{
    uint8_t md[64];
    size_t n = 0;
    trustm_metadata_t m;
    trustm_status_t st = trustm_metadata_read(dev, PBS_OID, md, sizeof(md), &n);
    if (st == TRUSTM_OK) {
        st = trustm_metadata_decode(md, n, &m);
    }
    if (st == TRUSTM_OK) {
        *lcso = (m.present & TRUSTM_MD_HAS_LCSO) ? m.lcso : TRUSTM_LCS_CREATION;
    }
    return st;
}

typedef struct pair_opts {
    bool lock, force;
    const char *path; /* the host secret file */
    char tmp[4200];   /* path.new */
} pair_opts_t;

static int pair_parse(cli_globals_t *g, int argc, char **argv, pair_opts_t *o)
{
    const char *cmd = "pair";
    cli_io_t io;
    int rc;
    memset(&io, 0, sizeof(io));
    o->lock = o->force = false;
    const cli_opt_t opts[] = {{"--lock", NULL, NULL, &o->lock, NULL, 0},
                              {"--force", NULL, NULL, &o->force, NULL, 0},
                              {NULL, NULL, NULL, NULL, NULL, 0}};
    if ((rc = cli_parse(g, &io, 0, cmd, pair_help, opts, NULL, argc, argv)) != CLI_PARSE_RUN) {
        return rc;
    }
    o->path = cli_pbs_path(g);
    if (o->path == NULL) {
        return cli_usage_error(cmd, "give the host secret file: --pbs-file FILE or TRUSTM_PBS_FILE");
    }
    struct stat sb;
    if (!o->force && stat(o->path, &sb) == 0) {
        fprintf(stderr, "trustm: pair: %s exists (a secret of an earlier pairing); --force replaces it\n", o->path);
        return CLI_EXIT_FILE;
    }
    if (snprintf(o->tmp, sizeof(o->tmp), "%s.new", o->path) >= (int)sizeof(o->tmp)) {
        return cli_usage_error(cmd, "secret file name too long");
    }
    return CLI_PARSE_RUN;
}

/* The new secret to the temporary file, to E140, the file into place, E140 locked (--lock);
 * run unprotected (--protect applies to the check afterwards). */
static int pair_write(const cli_globals_t *g, const pair_opts_t *o)
{
    const char *cmd = "pair";
    cli_device_t d;
    uint8_t secret[PBS_SIZE];
    trustm_status_t st;
    cli_globals_t plain = *g;
    plain.protect_set = false;
    int rc = cli_device_open(&d, &plain, cmd);
    if (rc != CLI_EXIT_OK) {
        return rc;
    }
    uint8_t lcso = 0;
    st = pbs_lcso(&d.dev, &lcso);
    if (st != TRUSTM_OK) {
        rc = cli_report_status("reading the metadata of E140", st);
        cli_device_close(&d, &plain);
        return rc;
    }
    if (lcso >= TRUSTM_LCS_OPERATIONAL) {
        fprintf(stderr, "trustm: pair: the chip is already paired and locked (E140 life cycle operational): "
                        "its platform binding secret cannot be replaced\n");
        cli_device_close(&d, &plain);
        return CLI_EXIT_CHIP;
    }
    if (trustm_shield_crypto_mbedtls()->random(NULL, secret, sizeof(secret)) != 0) {
        fprintf(stderr, "trustm: pair: no random numbers from the host's generator\n");
        cli_device_close(&d, &plain);
        return CLI_EXIT_DEVICE;
    }
    unlink(o->tmp); /* a leftover of an interrupted pairing */
    if (write_secret_file(o->tmp, secret, sizeof(secret)) != 0) {
        fprintf(stderr, "trustm: pair: cannot write %s: %s\n", o->tmp, strerror(errno));
        trustm_wipe(secret, sizeof(secret));
        cli_device_close(&d, &plain);
        return CLI_EXIT_FILE;
    }
    st = trustm_data_write(&d.dev, PBS_OID, TRUSTM_ERASE_AND_WRITE, 0, secret, sizeof(secret));
    trustm_wipe(secret, sizeof(secret));
    if (st != TRUSTM_OK) {
        unlink(o->tmp);
        rc = cli_report_status("writing the platform binding secret to E140", st);
        cli_device_close(&d, &plain);
        return rc;
    }
    if (rename(o->tmp, o->path) != 0) {
        fprintf(stderr,
                "trustm: pair: cannot rename %s to %s: %s (the chip has the new secret; the file %s "
                "holds it)\n",
                o->tmp, o->path, strerror(errno), o->tmp);
        cli_device_close(&d, &plain);
        return CLI_EXIT_FILE;
    }
    if (o->lock) {
        static const uint8_t md_lock[] = {0x20, 0x03, 0xC0, 0x01, TRUSTM_LCS_OPERATIONAL};
        st = trustm_metadata_write(&d.dev, PBS_OID, md_lock, sizeof(md_lock));
        if (st != TRUSTM_OK) {
            rc = cli_report_status("locking E140", st);
            cli_device_close(&d, &plain);
            return rc;
        }
    }
    cli_device_close(&d, &plain);
    return CLI_EXIT_OK;
}

/* check: a fully protected GetRandom with the new secret */
static int pair_check(const cli_globals_t *g, const pair_opts_t *o)
{
    cli_device_t d;
    cli_globals_t check = *g;
    check.protect_set = true;
    check.protect = TRUSTM_PROTECT_FULL;
    check.pbs_file = o->path;
    int rc = cli_device_open(&d, &check, "pair");
    if (rc != CLI_EXIT_OK) {
        return rc;
    }
    uint8_t r[8];
    trustm_status_t st = trustm_random(&d.dev, TRUSTM_RNG_TRNG, sizeof(r), r, sizeof(r), NULL);
    if (st != TRUSTM_OK) {
        rc = cli_report_status("checking the pairing (protected GetRandom)", st);
    }
    cli_device_close(&d, &check);
    return rc;
}

static void pair_print(const pair_opts_t *o)
{
    printf("paired: new platform binding secret in E140 and in %s%s\n", o->path, o->lock ? "; E140 locked" : "");
}

int do_pair(cli_globals_t *g, int argc, char **argv)
{
    static pair_opts_t o;
    int rc = pair_parse(g, argc, argv, &o);
    if (rc != CLI_PARSE_RUN) {
        return rc;
    }
    rc = pair_write(g, &o);
    if (rc == CLI_EXIT_OK) {
        rc = pair_check(g, &o);
    }
    if (rc == CLI_EXIT_OK) {
        pair_print(&o);
    }
    return rc;
}
