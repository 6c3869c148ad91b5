/*
 * bench_core - the library core per operation (issue 11): I2C transactions, bytes, simulated
 * time against the physical limit, at frame sizes 277 and 20, beside the vendor host library's
 * figures (quoted, fixed: that library is not run here).
 *
 *   bench_core table [JSONL]      the table; every figure also as one JSON object per line
 *   bench_core cpu ITER FRAME     run every operation ITER times (for callgrind: scripts/bench.sh
 *                                 measures bench_op_* minus the simulator behind bench_pal_*)
 *
 * The chip is the in-process simulator (datasheet timing model, 400 kHz, virtual clock) behind a
 * forwarding port that also watches the DATA register: it reassembles every command APDU the
 * host writes and the response sizes, so that the limit is computed from what was really sent:
 *   limit = execution time (the simulator's timing model for that APDU)
 *         + minimum bus bytes (address bytes included) x 9 / f_SCL
 *         + GUARD_TIME (50 us) between consecutive transactions of that minimum
 *         (+ the start-up wait and the DATA_REG_LEN negotiation for open).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trustm/trustm.h"
#include "bench_pal.h"
#include "trustm_pal_sim.h"
#include "trustm_sim.h"

#define NOINLINE         __attribute__((noinline))
#define SCL_KHZ          400u
#define GUARD_US         50u
#define STARTUP_US       15000u /* tSTARTUP the host waits after a reset */
#define RESET_LOW_US     2000u  /* RST / VDD low time of the reset */
#define PIGGYBACK_MAX_US 2000u  /* the chip ACKs a longer command on its own first (spec log) */

static trustm_sim_t *sim;

/* ---- the forwarding port, watching the DATA register ---- */
static struct {
    uint8_t reg;        /* register selected by the last 1-byte write */
    uint8_t apdu[2048]; /* the command being written (reassembled from its packets) */
    size_t apdu_len;
    uint64_t exec_us;        /* execution time of the commands seen */
    uint32_t last_exec_us;   /* of the last command */
    unsigned long min_bytes; /* minimum bus bytes (address bytes included) */
    unsigned long min_trans; /* minimum transactions */
    unsigned long ack_trans; /* of the chip's separate ACK frames (overlap the execution) */
    uint16_t frame;
    size_t rsp_len; /* response bytes (payload after PCTR) of the current message */
} w;

/* A message of req bytes (in packets of frame-6) answered by rsp bytes, WIN_SIZE 1: every request
 * packet written once, the chip's ACK of non-final packets read (I2C_STATE, select, DATA), every
 * response packet read the same way and acknowledged. */
static void count_min(size_t req, size_t rsp, uint32_t exec_us)
{
    if (exec_us > PIGGYBACK_MAX_US) /* the chip's own ACK frame: I2C_STATE, select, DATA; */
        w.ack_trans += 4;           /* read while the command runs: no time of its own  */
    const size_t per = (size_t)w.frame - 6u;
    size_t nq = req == 0 ? 1 : (req + per - 1) / per, nr = rsp == 0 ? 1 : (rsp + per - 1) / per;
    w.min_bytes += (unsigned long)(req + nq * (1 + 1 + 5 + 1));
    w.min_trans += (unsigned long)nq;
    w.min_bytes += (unsigned long)((nq - 1) * ((2 + 5) + 2 + (1 + 5)));
    w.min_trans += (unsigned long)((nq - 1) * 4);
    w.min_bytes += (unsigned long)(rsp + nr * ((2 + 5) + 2 + (1 + 5 + 1) + (1 + 1 + 5)));
    w.min_trans += (unsigned long)(nr * 5);
}

static void watch_write(const uint8_t *b, size_t n)
{
    if (n == 1) {
        w.reg = b[0];
        return;
    }
    /* a data frame: 80 FCTR LEN(2) PCTR payload FCS(2) */
    if (b[0] != 0x80u || n < 1 + 5 + 1 || (b[1] & 0x80u) != 0)
        return;
    uint8_t pctr = b[4], chain = pctr & 7u;
    size_t len = n - 1 - 5 - 1;
    if (chain == 0 || chain == 1)
        w.apdu_len = 0;
    if (w.apdu_len + len <= sizeof w.apdu)
        memcpy(w.apdu + w.apdu_len, b + 5, len);
    w.apdu_len += len;
    if (chain == 0 || chain == 4) { /* single or last: the command is complete */
        w.last_exec_us = trustm_sim_exec_time_us(sim, w.apdu, w.apdu_len);
        w.exec_us += w.last_exec_us;
        w.rsp_len = 0;
    }
}

static void watch_read(const uint8_t *b, size_t n)
{
    if (w.reg != 0x80u || n < 5 + 1 || (b[0] & 0x80u) != 0)
        return; /* not a data frame */
    uint8_t chain = b[3] & 7u;
    w.rsp_len += n - 5 - 1;
    if (chain == 0 || chain == 4)
        count_min(w.apdu_len, w.rsp_len, w.last_exec_us);
}

static const bench_pal_watch_t watch_data = {watch_write, watch_read};

static void check(trustm_status_t s, const char *what)
{
    if (s == TRUSTM_OK)
        return;
    fprintf(stderr, "bench_core: %s: %s: %s\n", what, trustm_status_layer_str(s), trustm_status_base_str(s));
    exit(1);
}

/* ---- the measured operations (the table) ---- */
NOINLINE void bench_op_open(trustm_device_t *dev);
NOINLINE void bench_op_read_uid(trustm_device_t *dev);
NOINLINE void bench_op_random(trustm_device_t *dev);
NOINLINE void bench_op_aes(trustm_device_t *dev);
NOINLINE void bench_op_rsa_sign(trustm_device_t *dev);
NOINLINE void bench_op_close(trustm_device_t *dev);

NOINLINE void bench_op_open(trustm_device_t *dev)
{
    check(trustm_device_open(dev), "open");
}
NOINLINE void bench_op_read_uid(trustm_device_t *dev)
{
    uint8_t uid[27];
    size_t n;
    check(trustm_data_read(dev, 0xE0C2, 0, uid, sizeof uid, &n), "read UID");
}
NOINLINE void bench_op_random(trustm_device_t *dev)
{
    uint8_t r[32];
    check(trustm_random(dev, TRUSTM_RNG_TRNG, sizeof r, r, sizeof r, NULL), "random");
}
NOINLINE void bench_op_aes(trustm_device_t *dev)
{
    static const uint8_t in[16] = {1, 2, 3};
    uint8_t out[16];
    size_t n;
    check(trustm_sym_encrypt(dev, 0xE200, TRUSTM_SYM_ECB, NULL, 0, in, sizeof in, out, sizeof out, &n), "aes");
}
NOINLINE void bench_op_rsa_sign(trustm_device_t *dev)
{
    static const uint8_t digest[32] = {0x5A};
    uint8_t sig[128];
    size_t n;
    check(trustm_rsa_sign(dev, 0xE0FC, TRUSTM_RSA_PKCS1_SHA256, digest, sizeof digest, sig, sizeof sig, &n), "sign");
}
NOINLINE void bench_op_close(trustm_device_t *dev)
{
    check(trustm_device_close(dev), "close");
}

/* The datasheet's Table 16 set (RSA-2048 key in E0FD, pre-shared secret in F1D1). */
static uint8_t t16_pub[TRUSTM_RSA_PUBKEY_MAX], t16_sig[256], t16_ct[256];
static size_t t16_pub_len, t16_sig_len, t16_ct_len;
static const uint8_t t16_digest[32] = {0x5A};
static uint8_t t16_buf[1280], t16_out[512];

static void t16_keygen(trustm_device_t *dev)
{
    check(trustm_rsa_keygen(dev, 0xE0FD, TRUSTM_RSA2048, 0x13, t16_pub, sizeof t16_pub, &t16_pub_len), "keygen");
}
static void t16_sign(trustm_device_t *dev)
{
    check(trustm_rsa_sign(dev, 0xE0FD, TRUSTM_RSA_PKCS1_SHA256, t16_digest, 32, t16_sig, sizeof t16_sig, &t16_sig_len),
          "sign");
}
static void t16_verify(trustm_device_t *dev)
{
    check(trustm_rsa_verify(dev, t16_pub, t16_pub_len, TRUSTM_RSA2048, TRUSTM_RSA_PKCS1_SHA256, t16_digest, 32, t16_sig,
                            t16_sig_len),
          "verify");
}
static void t16_encrypt(trustm_device_t *dev)
{
    trustm_rsa_key_src_t key = {0, TRUSTM_RSA2048, t16_pub, t16_pub_len};
    check(trustm_rsa_encrypt(dev, &key, t16_buf, 127, t16_ct, sizeof t16_ct, &t16_ct_len), "encrypt");
}
static void t16_decrypt(trustm_device_t *dev)
{
    size_t n;
    check(trustm_rsa_decrypt(dev, 0xE0FD, t16_ct, t16_ct_len, t16_out, sizeof t16_out, &n), "decrypt");
}
static void t16_aes_enc(trustm_device_t *dev)
{
    size_t n;
    check(trustm_sym_encrypt(dev, 0xE200, TRUSTM_SYM_ECB, NULL, 0, t16_buf, 256, t16_out, sizeof t16_out, &n),
          "aes enc");
}
static void t16_aes_dec(trustm_device_t *dev)
{
    size_t n;
    check(trustm_sym_decrypt(dev, 0xE200, TRUSTM_SYM_ECB, NULL, 0, t16_out, 256, t16_buf, sizeof t16_buf, &n),
          "aes dec");
}
static void t16_prf(trustm_device_t *dev)
{
    check(trustm_tls_prf(dev, 0xF1D1, 0, TRUSTM_PRF_SHA256, 40, t16_buf, 13, t16_buf + 13, 35, t16_out, sizeof t16_out,
                         NULL),
          "prf");
}
static void t16_hkdf(trustm_device_t *dev)
{
    check(trustm_hkdf(dev, 0xF1D1, 0, TRUSTM_HKDF_SHA256, 40, t16_buf, 32, t16_buf, 16, t16_out, sizeof t16_out, NULL),
          "hkdf");
}
static void t16_hmac(trustm_device_t *dev)
{
    size_t n;
    check(trustm_hmac(dev, 0xF1D1, TRUSTM_HMAC_SHA256, t16_buf, 128, t16_out, sizeof t16_out, &n), "hmac");
}
static void t16_sha(trustm_device_t *dev)
{
    uint8_t d[32];
    check(trustm_sha256(dev, t16_buf, sizeof t16_buf, d), "sha");
}

typedef struct op {
    const char *name, *label;
    void (*run)(trustm_device_t *dev);
    /* the vendor host library (optiga-trust-m2-id2), frame 277, quoted from issue 11 */
    unsigned ref_trans, ref_wr, ref_rd;
    double ref_ms;
    double ref_kinstr;
} op_t;

static const op_t ops[] = {
    {"open_application", "open application", bench_op_open, 20, 43, 33, 26.2, 22.3},
    {"read_uid", "read UID", bench_op_read_uid, 8, 26, 45, 8.3, 8.4},
    {"random32", "random 32", bench_op_random, 8, 22, 50, 8.3, 8.2},
    {"aes128_ecb16", "AES-128 ECB, 16 B", bench_op_aes, 22, 48, 66, 35.3, 15.2},
    {"rsa1024_sign", "RSA-1024 sign", bench_op_rsa_sign, 128, 120, 387, 317.4, 71.6},
    {"close_application", "close application", bench_op_close, 12, 22, 27, 9.1, 9.8},
};
#define NOPS (sizeof ops / sizeof ops[0])

static const op_t t16[] = {
    {"t16_rsa2048_keygen", "RSA-2048 keygen", t16_keygen, 0, 0, 0, 0, 0},
    {"t16_rsa2048_sign", "RSA-2048 sign", t16_sign, 0, 0, 0, 0, 0},
    {"t16_rsa2048_verify", "RSA-2048 verify", t16_verify, 0, 0, 0, 0, 0},
    {"t16_rsa2048_encrypt", "RSA-2048 enc 127", t16_encrypt, 0, 0, 0, 0, 0},
    {"t16_rsa2048_decrypt", "RSA-2048 dec 127", t16_decrypt, 0, 0, 0, 0, 0},
    {"t16_aes128_ecb_enc256", "AES ECB enc 256", t16_aes_enc, 0, 0, 0, 0, 0},
    {"t16_aes128_ecb_dec256", "AES ECB dec 256", t16_aes_dec, 0, 0, 0, 0, 0},
    {"t16_tls_prf", "TLS PRF 40 B", t16_prf, 0, 0, 0, 0, 0},
    {"t16_hkdf", "HKDF SHA256", t16_hkdf, 0, 0, 0, 0, 0},
    {"t16_hmac", "HMAC SHA256 128", t16_hmac, 0, 0, 0, 0, 0},
    {"t16_sha256_1280", "SHA256 1280 B", t16_sha, 0, 0, 0, 0, 0},
};
#define NT16 (sizeof t16 / sizeof t16[0])

static void t16_setup(trustm_device_t *dev)
{
    uint8_t secret[32], md[32];
    size_t ml;
    memset(secret, 0x42, sizeof secret);
    memset(t16_buf, 0x33, sizeof t16_buf);
    check(trustm_data_write(dev, 0xF1D1, TRUSTM_ERASE_AND_WRITE, 0, secret, sizeof secret), "secret");
    check(trustm_metadata_parse("type: PRESSEC; execute: ALW", md, sizeof md, &ml), "md parse");
    check(trustm_metadata_write(dev, 0xF1D1, md, ml), "md write");
}

static char state_path[] = "/tmp/trustm-bench-core-XXXXXX";

static void setup(trustm_pal_t *pal, trustm_device_t *dev, uint16_t frame)
{
    static const uint8_t aes_key[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    int fd = mkstemp(state_path);
    if (fd < 0)
        exit(1);
    close(fd);
    trustm_sim_provision_t prov;
    memset(&prov, 0, sizeof prov);
    prov.aes_key = aes_key;
    prov.aes_key_len = sizeof aes_key;
    char err[256];
    if (trustm_sim_state_init_provisioned(state_path, 7, NULL, true, &prov, err, sizeof err) != 0) {
        fprintf(stderr, "bench_core: %s\n", err);
        unlink(state_path);
        exit(1);
    }
    trustm_sim_config_t sc;
    memset(&sc, 0, sizeof sc);
    sc.seed = 7;
    sc.scl_khz = SCL_KHZ;
    sc.state_path = state_path;
    sim = trustm_sim_create(&sc, err, sizeof err);
    unlink(state_path); /* the chip runs from memory */
    memcpy(state_path + sizeof state_path - 7, "XXXXXX", 6);
    if (sim == NULL) {
        fprintf(stderr, "bench_core: %s\n", err);
        exit(1);
    }
    pal->ops = &bench_pal_ops;
    bench_pal_set_watch(&watch_data);
    pal->ctx = sim;
    trustm_config_t hc;
    memset(&hc, 0, sizeof hc);
    hc.frame_size = frame;
    check(trustm_device_init(dev, pal, &hc), "init");
    check(trustm_device_open(dev), "open");
    uint8_t pub[TRUSTM_RSA_PUBKEY_MAX];
    size_t pub_len;
    check(trustm_rsa_keygen(dev, 0xE0FC, TRUSTM_RSA1024, 0x12, pub, sizeof pub, &pub_len), "keygen");
    w.frame = frame;
}

typedef struct fig {
    unsigned long trans, wr, rd, min_trans;
    double ms, limit_ms;
} fig_t;

static void measure(trustm_device_t *dev, const op_t *op, uint16_t frame, fig_t *f)
{
    trustm_device_stats_clear(dev);
    w.exec_us = 0;
    w.min_bytes = 0;
    w.min_trans = 0;
    w.ack_trans = 0;
    uint64_t t0 = trustm_sim_now_us(sim);
    op->run(dev);
    const trustm_stats_t *st = trustm_device_stats(dev);
    f->trans = st->transactions;
    f->wr = st->bytes_written;
    f->rd = st->bytes_read;
    f->ms = (double)(trustm_sim_now_us(sim) - t0) / 1000.0;
    uint64_t extra_us = 0;
    if (op->run == bench_op_open) {
        /* reset wait, MAX_SCL_FREQU read, DATA_REG_LEN write and read back */
        extra_us = RESET_LOW_US + STARTUP_US;
        w.min_bytes += (2 + 5) + (2 + 3) + (2 + 3) + 0 + 1 + 1;
        w.min_trans += 5;
    }
    (void)frame;
    f->min_trans = w.min_trans + w.ack_trans;
    double limit_us = (double)w.exec_us + (double)extra_us + (double)w.min_bytes * 9.0 * 1000.0 / SCL_KHZ +
                      (double)(w.min_trans > 0 ? w.min_trans - 1 : 0) * GUARD_US;
    f->limit_ms = limit_us / 1000.0;
}

static void json(FILE *j, const char *name, double value, const char *unit, uint16_t frame)
{
    if (j != NULL)
        fprintf(j,
                "{\"name\": \"%s\", \"value\": %.6g, \"unit\": \"%s\", \"configuration\": \"simulator, "
                "datasheet timing, 400 kHz, frame %u\"}\n",
                name, value, unit, (unsigned)frame);
}

static void row_set(FILE *j, trustm_device_t *dev, const op_t *set, size_t count, uint16_t frame)
{
    for (size_t i = 0; i < count; i++) {
        fig_t f;
        char b[24], rb[24], rt[8], rx[8], rm[8], rmx[8], name[96];
        const op_t *op = &set[i];
        measure(dev, op, frame, &f);
        snprintf(b, sizeof b, "%lu/%lu", f.wr, f.rd);
        if (op->ref_trans != 0) {
            snprintf(rb, sizeof rb, "%u/%u", op->ref_wr, op->ref_rd);
            snprintf(rt, sizeof rt, "%u", op->ref_trans);
            snprintf(rx, sizeof rx, "%.2f", (double)f.trans / op->ref_trans);
            snprintf(rm, sizeof rm, "%.1f", op->ref_ms);
            snprintf(rmx, sizeof rmx, "%.2f", f.ms / op->ref_ms);
        } else {
            strcpy(rb, "-");
            strcpy(rt, "-");
            strcpy(rx, "-");
            strcpy(rm, "-");
            strcpy(rmx, "-");
        }
        printf("%-18s %5u | %4s %5lu %5s | %4lu %8s %8s | %8.1f %8.1f %6.3f | %5s %5s\n", op->label, (unsigned)frame,
               rt, f.trans, rx, f.min_trans, b, rb, f.ms, f.limit_ms, f.ms / f.limit_ms, rm, rmx);
#define J(suffix, v, unit)                                                                                             \
    do {                                                                                                               \
        snprintf(name, sizeof name, "core.%s.%s", op->name, suffix);                                                   \
        json(j, name, (v), unit, frame);                                                                               \
    } while (0)
        J("transactions", (double)f.trans, "transactions");
        J("transactions_min", (double)f.min_trans, "transactions");
        J("bytes_written", (double)f.wr, "bytes");
        J("bytes_read", (double)f.rd, "bytes");
        J("simulated_time", f.ms, "ms");
        J("limit", f.limit_ms, "ms");
        J("time_over_limit", f.ms / f.limit_ms, "ratio");
        if (op->ref_trans != 0)
            J("transactions_over_reference", (double)f.trans / op->ref_trans, "ratio");
#undef J
    }
}

static int table(const char *jsonl)
{
    FILE *j = jsonl != NULL ? fopen(jsonl, "w") : NULL;
    static const uint16_t frames[] = {277, 20};
    printf("Per operation: host library -> I2C -> simulator (datasheet timing, 400 kHz, virtual clock)\n");
    printf("ref = the vendor host library optiga-trust-m2-id2 at frame 277: FIXED FIGURES QUOTED from\n");
    printf("      issue 11 (measured elsewhere; that library is not available to this build)\n\n");
    printf("%-18s %5s | %4s %5s %5s | %4s %8s %8s | %8s %8s %6s | %5s %5s\n", "operation", "frame", "ref", "trans",
           "x ref", "min", "wr/rd B", "ref B", "ms", "limit", "ratio", "ref", "x ref");
    for (size_t fi = 0; fi < 2; fi++) {
        trustm_pal_t pal;
        trustm_device_t dev;
        setup(&pal, &dev, frames[fi]);
        row_set(j, &dev, ops, NOPS, frames[fi]);
        bench_op_open(&dev);
        t16_setup(&dev);
        row_set(j, &dev, t16, NT16, frames[fi]);
        trustm_sim_destroy(sim);
    }
    printf("\ntrans = I2C transactions by the host (x ref: over the vendor library's); min = the fewest a\n"
           "WIN_SIZE-1 host can do (each frame: I2C_STATE read = 2, DATA read = 2, ACK write = 1;\n"
           "the chip's own ACK frame of a command longer than 2 ms read first, as the chip sends it);\n"
           "limit = execution time + minimum bus bytes x 9 / f_SCL + 50 us guard between those\n"
           "transactions (+ 2 ms reset low, 15 ms start-up and the negotiation for open); ratio = ms / limit.\n");
    printf("\nRAM: sizeof(trustm_device_t) = %zu bytes (caller-owned, no APDU buffer: commands are gathered\n"
           "     from the caller's inputs, responses land in its outputs; goal <= 1000 at frame 277\n"
           "     without the Shielded Connection, on Cortex-M4: scripts/footprint.sh)\n",
           sizeof(trustm_device_t));
    json(j, "core.ram.trustm_device_t", (double)sizeof(trustm_device_t), "bytes", 277);
    if (j != NULL)
        fclose(j);
    return 0;
}

static int cpu(int iterations, uint16_t frame)
{
    trustm_pal_t pal;
    trustm_device_t dev;
    setup(&pal, &dev, frame);
    for (int k = 0; k < iterations; k++)
        for (size_t i = 0; i < NOPS; i++)
            ops[i].run(&dev);
    trustm_sim_destroy(sim);
    printf("bench_core: %d iterations at frame %u\n", iterations, (unsigned)frame);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "table") == 0)
        return table(argc > 2 ? argv[2] : NULL);
    if (argc >= 4 && strcmp(argv[1], "cpu") == 0)
        return cpu(atoi(argv[2]), (uint16_t)atoi(argv[3]));
    fprintf(stderr, "usage: bench_core table [JSONL] | bench_core cpu ITERATIONS FRAME\n");
    return 2;
}
