/*
 * fault_matrix.c - campaign: the bus fault matrix.  The host library runs a command mix
 * against the simulator (pal/sim, datasheet timing, virtual clock) while the simulator injects
 * random faults of one kind at one rate: NACK storms, FCS errors, dropped frames, truncated
 * reads, bit flips in host frames, stretched BUSY, power cuts; rates 1e-3, 1e-2, 1e-1 per event;
 * frame sizes 277 and 20.  For every command:
 *   - a success must carry the right result (data read back as written, SHA-256 as mbedTLS
 *     computes it, the chip's UID, the random length) -- a wrong result fails the run;
 *   - an error must name a known layer (PAL, PHY, DL, TL, PL, CMD, API, DEVICE) -- else it fails;
 *   - no command may take longer than the exchange budget in virtual time (no hang);
 *   - after an error, with the faults paused, the next command must succeed (a re-open is
 *     allowed when the link is in its sticky failed state).
 * A write that failed may or may not have been executed (its response can be lost): the read
 * that follows accepts the old or the new value, and the expectation follows what it read.
 *
 * Usage: fault_matrix [COMMANDS_PER_CELL [SEED]]   (default 200; ctest runs a reduced size)
 * Exit 0 when every cell holds; prints the matrix.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/sha256.h>

#include "trustm/trustm.h"
#include "trustm_pal_sim.h"
#include "trustm_sim.h"

#define EXCHANGE_BUDGET_US 2000000u
#define DATA_LEN           40u

typedef enum { F_NACK, F_FCS, F_DROP, F_TRUNC, F_FLIP, F_BUSY, F_POWER, F_COUNT } fault_t;
static const char *fault_name[F_COUNT] = {"NACK storm", "FCS error",      "dropped frame", "truncated read",
                                          "bit flip",   "stretched BUSY", "power cut"};

typedef struct cell {
    unsigned ok, err, wrong, hang, unnamed, recovered, reopened, unrecovered;
    uint64_t max_us;
    char first_bad[200];
} cell_t;

/* errors seen, by layer and reason, over the whole matrix */
static unsigned by_layer[16][64];

typedef struct ctx {
    trustm_sim_t *sim;
    trustm_pal_t pal;
    trustm_device_t dev;
    trustm_sim_faults_t plan;
    uint8_t uid[TRUSTM_SIM_UID_SIZE];
    uint8_t cur[DATA_LEN], alt[DATA_LEN]; /* F1D1: the known value; alt = a write that failed */
    bool alt_valid;
    uint64_t rng;
} ctx_t;

static uint64_t next_rand(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static bool layer_named(trustm_status_t st)
{
    switch (TRUSTM_STATUS_LAYER(st)) {
    case TRUSTM_LAYER_PAL:
    case TRUSTM_LAYER_PHY:
    case TRUSTM_LAYER_DL:
    case TRUSTM_LAYER_TL:
    case TRUSTM_LAYER_PL:
    case TRUSTM_LAYER_CMD:
    case TRUSTM_LAYER_API:
    case TRUSTM_LAYER_DEVICE:
        return true;
    default:
        return false;
    }
}

static void set_plan(ctx_t *c, fault_t f, uint32_t ppm, uint64_t seed)
{
    memset(&c->plan, 0, sizeof c->plan);
    c->plan.seed = seed;
    switch (f) {
    case F_NACK:
        c->plan.nack_ppm = ppm;
        break;
    case F_FCS:
        c->plan.fcs_ppm = ppm;
        break;
    case F_DROP:
        c->plan.drop_ppm = ppm;
        break;
    case F_TRUNC:
        c->plan.truncate_ppm = ppm;
        break;
    case F_FLIP:
        c->plan.flip_ppm = ppm;
        break;
    case F_BUSY:
        c->plan.busy_ppm = ppm;
        c->plan.busy_extra_max_us = 500000;
        break;
    case F_POWER:
        c->plan.power_ppm = ppm;
        break;
    default:
        break;
    }
}

/* One command of the mix; returns its status, sets *right when a success was checked correct. */
static trustm_status_t one(ctx_t *c, unsigned i, bool *right)
{
    uint8_t buf[512], d[32];
    size_t n = 0;
    trustm_status_t st;
    *right = true;
    switch (i % 5u) {
    case 0: { /* erase & write F1D1 */
        uint8_t v[DATA_LEN];
        for (size_t k = 0; k < sizeof v; k++)
            v[k] = (uint8_t)next_rand(&c->rng);
        st = trustm_data_write(&c->dev, 0xF1D1, TRUSTM_ERASE_AND_WRITE, 0, v, sizeof v);
        if (st == TRUSTM_OK) {
            memcpy(c->cur, v, sizeof v);
            c->alt_valid = false;
        } else {
            memcpy(c->alt, v, sizeof v); /* may have been executed */
            c->alt_valid = true;
        }
        return st;
    }
    case 1: /* read it back */
        st = trustm_data_read(&c->dev, 0xF1D1, 0, buf, DATA_LEN, &n);
        if (st == TRUSTM_OK) {
            if (n == DATA_LEN && memcmp(buf, c->cur, DATA_LEN) == 0) {
                c->alt_valid = false;
            } else if (n == DATA_LEN && c->alt_valid && memcmp(buf, c->alt, DATA_LEN) == 0) {
                memcpy(c->cur, c->alt, DATA_LEN); /* the failed write had been executed */
                c->alt_valid = false;
            } else {
                *right = false;
            }
        }
        return st;
    case 2: { /* SHA-256 of 300 bytes (chained at frame size 20) */
        uint8_t m[300], ref[32];
        for (size_t k = 0; k < sizeof m; k++)
            m[k] = (uint8_t)(k * 7u + i);
        st = trustm_sha256(&c->dev, m, sizeof m, d);
        mbedtls_sha256_ret(m, sizeof m, ref, 0);
        if (st == TRUSTM_OK && memcmp(d, ref, 32) != 0)
            *right = false;
        return st;
    }
    case 3: /* random */
        st = trustm_random(&c->dev, 0x00, 32, buf, 32, NULL);
        return st;
    default: /* UID */
        st = trustm_data_read(&c->dev, 0xE0C2, 0, buf, sizeof buf, &n);
        if (st == TRUSTM_OK && (n != TRUSTM_SIM_UID_SIZE || memcmp(buf, c->uid, n) != 0))
            *right = false;
        return st;
    }
}

static void bad(cell_t *cl, const char *fmt, unsigned i, trustm_status_t st)
{
    if (cl->first_bad[0] == '\0')
        snprintf(cl->first_bad, sizeof cl->first_bad, fmt, i, (unsigned long)st, trustm_status_layer_str(st),
                 trustm_status_base_str(st));
}

static void run_cell(fault_t f, uint32_t ppm, uint16_t frame, unsigned cmds, uint64_t seed, cell_t *cl)
{
    ctx_t c;
    memset(&c, 0, sizeof c);
    memset(cl, 0, sizeof *cl);
    c.rng = seed * 2654435761u + 1u;
    trustm_sim_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.seed = seed;
    c.sim = trustm_sim_create(&cfg, NULL, 0);
    trustm_sim_uid(c.sim, c.uid);
    trustm_pal_sim_init(&c.pal, c.sim);
    trustm_config_t hc;
    memset(&hc, 0, sizeof hc);
    hc.frame_size = frame;
    hc.exchange_timeout_us = EXCHANGE_BUDGET_US;
    if (trustm_device_init(&c.dev, &c.pal, &hc) != TRUSTM_OK || trustm_device_open(&c.dev) != TRUSTM_OK) {
        snprintf(cl->first_bad, sizeof cl->first_bad, "cannot open the device");
        cl->unrecovered++;
        trustm_sim_destroy(c.sim);
        return;
    }
    /* a known value in F1D1 before the faults */
    memset(c.cur, 0xA5, DATA_LEN);
    if (trustm_data_write(&c.dev, 0xF1D1, TRUSTM_ERASE_AND_WRITE, 0, c.cur, DATA_LEN) != TRUSTM_OK)
        cl->unrecovered++;
    set_plan(&c, f, ppm, seed);
    trustm_sim_faults_set(c.sim, &c.plan);
    for (unsigned i = 0; i < cmds; i++) {
        bool right;
        uint64_t t0 = trustm_sim_now_us(c.sim);
        trustm_status_t st = one(&c, i, &right);
        uint64_t dt = trustm_sim_now_us(c.sim) - t0;
        if (dt > cl->max_us)
            cl->max_us = dt;
        /* budget: the exchange timeout plus the open/reset and last-error read around it */
        if (dt > 3u * EXCHANGE_BUDGET_US + 1000000u) {
            cl->hang++;
            bad(cl, "command %u took too long (status 0x%08lX %s %s)", i, st);
        }
        if (st == TRUSTM_OK) {
            if (right) {
                cl->ok++;
            } else {
                cl->wrong++;
                bad(cl, "command %u: success with a WRONG result (0x%08lX %s %s)", i, st);
            }
            continue;
        }
        cl->err++;
        by_layer[TRUSTM_STATUS_LAYER(st) & 15u][TRUSTM_STATUS_BASE(st) & 63u]++;
        if (!layer_named(st)) {
            cl->unnamed++;
            bad(cl, "command %u: error 0x%08lX names no layer (%s %s)", i, st);
        }
        /* recovery: faults paused, the next command must succeed (after a re-open if needed) */
        trustm_sim_faults_set(c.sim, NULL);
        trustm_sim_sleep_us(c.sim, 20000); /* let a restarted chip finish its start-up */
        bool r2;
        trustm_status_t s2 = one(&c, i + 1u, &r2);
        if (s2 == TRUSTM_OK && r2) {
            cl->recovered++;
        } else {
            s2 = trustm_device_open(&c.dev);
            if (s2 == TRUSTM_OK)
                s2 = one(&c, i + 1u, &r2);
            if (s2 == TRUSTM_OK && r2) {
                cl->reopened++;
            } else {
                cl->unrecovered++;
                bad(cl, "command %u: no recovery (0x%08lX %s %s)", i, s2);
            }
        }
        c.plan.seed = next_rand(&c.rng); /* continue with fresh draws */
        trustm_sim_faults_set(c.sim, &c.plan);
    }
    trustm_sim_destroy(c.sim);
}

int main(int argc, char **argv)
{
    unsigned cmds = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 200u;
    uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 10) : 1u;
    static const uint32_t rates[] = {1000, 10000, 100000};
    static const uint16_t frames[] = {277, 20};
    unsigned failures = 0;
    printf("bus fault matrix: %u commands per cell (write/read F1D1, SHA-256 300 B, random, UID), seed %llu\n", cmds,
           (unsigned long long)seed);
    printf("cell: ok / errors (recovered at once + after re-open) / wrong / hang / unnamed, max command time\n");
    printf("%-15s %-6s | %-44s | %-44s\n", "fault", "rate", "frame 277", "frame 20");
    for (int f = 0; f < F_COUNT; f++) {
        for (size_t r = 0; r < sizeof rates / sizeof rates[0]; r++) {
            char col[2][64];
            cell_t cl[2];
            for (size_t k = 0; k < 2; k++) {
                run_cell((fault_t)f, rates[r], frames[k], cmds, seed + (uint64_t)(f * 10 + (int)r), &cl[k]);
                snprintf(col[k], sizeof col[k], "%4u / %3u (%3u+%2u) / %u / %u / %u, %5.0f ms", cl[k].ok, cl[k].err,
                         cl[k].recovered, cl[k].reopened, cl[k].wrong, cl[k].hang, cl[k].unnamed,
                         (double)cl[k].max_us / 1000.0);
                if (cl[k].wrong || cl[k].hang || cl[k].unnamed || cl[k].unrecovered) {
                    failures++;
                    fprintf(stderr, "FAIL %s rate %g frame %u: %s (unrecovered %u)\n", fault_name[f], rates[r] / 1e6,
                            frames[k], cl[k].first_bad, cl[k].unrecovered);
                }
            }
            printf("%-15s %-6g | %-44s | %-44s\n", fault_name[f], rates[r] / 1e6, col[0], col[1]);
        }
    }
    printf("errors by layer and reason:");
    for (unsigned l = 0; l < 16; l++)
        for (unsigned b = 0; b < 64; b++)
            if (by_layer[l][b] != 0)
                printf(" %s/%s %u", trustm_status_layer_str(TRUSTM_STATUS(l, b)),
                       trustm_status_base_str(TRUSTM_STATUS(l, b)), by_layer[l][b]);
    printf("\n");
    printf("%s\n", failures == 0 ? "every cell: right results or named errors, no hang, always recovered"
                                 : "SOME CELLS FAILED");
    return failures == 0 ? 0 : 1;
}
