/*
 * cli_chip.h - shared by the tests that run `trustm` against a fresh simulated chip: the chip
 * (state file in the scratch directory, fixed UID and seed, ID2 and AES key provisioned as
 * `trustm-sim init --id2 ... --aes-key ...` does) and printf-style runners of the binary.
 * Header-only (static functions) so that every test program has its own copy.
 */
#ifndef TRUSTM_TEST_CLI_CHIP_H
#define TRUSTM_TEST_CLI_CHIP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli_run.h"
#include "trustm_sim.h"

/* The provisioned AES-128 key of the acceptance check and the ID2 device ID. */
static const unsigned char chip_aes_key[16] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                                               0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f};
static const unsigned char chip_id2[12] = {0x49, 0x44, 0x32, 0x2D, 0x54, 0x45, 0x53, 0x54, 0x2D, 0x30, 0x30, 0x31};
static const uint8_t chip_uid[27] = {0xCD, 0x16, 0x33, 0x93, 0x01, 0x00, 0x1C, 0x00, 0x05, 0x00, 0x00, 0x0A, 0x0B, 0x0C,
                                     0x0D, 0x0E, 0x0F, 0x01, 0x02, 0x03, 0x04, 0x80, 0x10, 0x10, 0x71, 0x24, 0x40};

static char chip_state[256];

/* A fresh chip per test (cmocka setup). */
static inline int chip_setup(void **state)
{
    static int n;
    char err[256];
    trustm_sim_provision_t p;
    (void)state;
    memset(&p, 0, sizeof(p));
    p.id2_set = true;
    memcpy(p.id2, chip_id2, sizeof(chip_id2));
    p.aes_key = chip_aes_key;
    p.aes_key_len = sizeof(chip_aes_key);
    snprintf(chip_state, sizeof(chip_state), "%s/chip%d.state", cli_tmpdir(), n++);
    if (trustm_sim_state_init_provisioned(chip_state, 7, chip_uid, true, &p, err, sizeof(err)) != 0) {
        fprintf(stderr, "trustm_sim_state_init_provisioned: %s\n", err);
        return -1;
    }
    return 0;
}

/* Path of a scratch file. */
static inline const char *tmpf(const char *name)
{
    static char buf[4][300];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof(buf[k]), "%s/%s", cli_tmpdir(), name);
    return buf[k];
}

/* Run and require exit code `code`; prints both streams when it differs. */
static inline void trun_expect(cli_result_t *r, int code, const char *fmt, ...)
{
    char args[3000];
    char full[3400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof(args), fmt, ap);
    va_end(ap);
    snprintf(full, sizeof(full), "--device 'sim:%s' %s", chip_state, args);
    cli_run(TRUSTM_BIN, full, r);
    if (r->code != code) {
        fprintf(stderr, "trustm %s: exit %d, want %d\nstdout: %s\nstderr: %s\n", args, r->code, code, r->out, r->err);
    }
    assert_int_equal(r->code, code);
}

/* Run a shell command line (for pipes and openssl); returns the exit code. */
static inline int shell(cli_result_t *r, const char *fmt, ...)
{
    char cmd[3400];
    char quoted[3200];
    size_t q = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, 3000, fmt, ap);
    va_end(ap);
    /* -c '<cmd>' with single quotes escaped */
    for (const char *p = cmd; *p != '\0' && q + 6 < sizeof(quoted); p++) {
        if (*p == '\'') {
            memcpy(quoted + q, "'\\''", 4);
            q += 4;
        } else {
            quoted[q++] = *p;
        }
    }
    quoted[q] = '\0';
    snprintf(cmd, sizeof(cmd), "-c '%s'", quoted);
    cli_run("/bin/sh", cmd, r);
    return r->code;
}

static inline bool have_openssl(void)
{
    cli_result_t r;
    bool ok = shell(&r, "command -v openssl >/dev/null 2>&1") == 0;
    cli_result_free(&r);
    return ok;
}

#endif /* TRUSTM_TEST_CLI_CHIP_H */
