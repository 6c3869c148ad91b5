/*
 * bench_shield - the cost of the Shielded Connection per command: bytes on the wire, I2C
 * transactions and simulated time (datasheet timing model, 400 kHz) without and with full
 * protection, at frame sizes 277 and 20, next to the datasheet's Table 16 figures "without" and
 * "with Shielded Connection". The handshake is shown on its own row. Figures only.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trustm/trustm.h"
#include "trustm/trustm_shield.h"
#include "trustm_pal_sim.h"
#include "trustm_shield_mbedtls.h"
#include "trustm_sim.h"

typedef struct ctx {
    trustm_sim_t *sim;
    trustm_pal_t pal;
    trustm_device_t dev;
    trustm_shield_t sh;
    uint8_t pub[TRUSTM_RSA_PUBKEY_MAX];
    size_t pub_len;
} ctx_t;

static void check(trustm_status_t s, const char *what)
{
    if (s != TRUSTM_OK) {
        fprintf(stderr, "bench_shield: %s: %s: %s\n", what, trustm_status_layer_str(s), trustm_status_base_str(s));
        exit(1);
    }
}

static int pbs(void *u, uint8_t *out, size_t size, size_t *len)
{
    (void)u;
    if (size < 64)
        return -1;
    for (size_t i = 0; i < 64; i++)
        out[i] = (uint8_t)(i + 1);
    *len = 64;
    return 0;
}

static void setup(ctx_t *c, uint16_t frame)
{
    char path[] = "/tmp/trustm-bench-XXXXXX", err[256];
    int fd = mkstemp(path);
    if (fd < 0)
        exit(1);
    close(fd);
    static const uint8_t aes_key[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    trustm_sim_provision_t prov;
    memset(&prov, 0, sizeof prov);
    prov.aes_key = aes_key;
    prov.aes_key_len = sizeof aes_key;
    if (trustm_sim_state_init_provisioned(path, 99, NULL, true, &prov, err, sizeof err) != 0)
        exit(1);
    trustm_sim_config_t sc;
    memset(&sc, 0, sizeof sc);
    sc.seed = 99;
    sc.state_path = path;
    c->sim = trustm_sim_create(&sc, err, sizeof err);
    unlink(path);
    if (c->sim == NULL)
        exit(1);
    check(trustm_pal_sim_init(&c->pal, c->sim), "pal");
    trustm_shield_config_t shc;
    memset(&shc, 0, sizeof shc);
    shc.crypto = trustm_shield_crypto_mbedtls();
    shc.read_secret = pbs;
    check(trustm_shield_init(&c->sh, &shc), "shield");
    trustm_config_t hc;
    memset(&hc, 0, sizeof hc);
    hc.frame_size = frame;
    hc.shield = &c->sh;
    check(trustm_device_init(&c->dev, &c->pal, &hc), "init");
    check(trustm_device_open(&c->dev), "open");
    uint8_t md[32], secret[32];
    size_t ml;
    memset(secret, 0x42, sizeof secret);
    check(trustm_data_write(&c->dev, 0xF1D1, TRUSTM_ERASE_AND_WRITE, 0, secret, sizeof secret), "secret");
    check(trustm_metadata_parse("type: PRESSEC; execute: ALW", md, sizeof md, &ml), "md parse");
    check(trustm_metadata_write(&c->dev, 0xF1D1, md, ml), "md write");
}

typedef struct op {
    const char *name;
    double ds_plain, ds_shielded; /* datasheet Table 16, ms (0: not in the table) */
    void (*run)(ctx_t *c);
} op_t;

static uint8_t buf[1024], out[1024];

static void op_random(ctx_t *c)
{
    check(trustm_random(&c->dev, TRUSTM_RNG_TRNG, 32, out, 32, NULL), "random");
}
static void op_uid(ctx_t *c)
{
    size_t n;
    check(trustm_data_read(&c->dev, 0xE0C2, 0, out, 27, &n), "uid");
}
static void op_aes_enc(ctx_t *c)
{
    size_t n;
    check(trustm_sym_encrypt(&c->dev, 0xE200, TRUSTM_SYM_ECB, NULL, 0, buf, 256, out, sizeof out, &n), "aes");
}
static void op_aes_dec(ctx_t *c)
{
    size_t n;
    check(trustm_sym_decrypt(&c->dev, 0xE200, TRUSTM_SYM_ECB, NULL, 0, buf, 256, out, sizeof out, &n), "aes");
}
static void op_prf(ctx_t *c)
{
    check(trustm_tls_prf(&c->dev, 0xF1D1, 0, TRUSTM_PRF_SHA256, 40, buf, 13, buf + 13, 35, out, sizeof out, NULL),
          "prf");
}
static void op_hkdf(ctx_t *c)
{
    check(trustm_hkdf(&c->dev, 0xF1D1, 0, TRUSTM_HKDF_SHA256, 40, buf, 32, buf, 16, out, sizeof out, NULL), "hkdf");
}
static void op_hmac(ctx_t *c)
{
    size_t n;
    check(trustm_hmac(&c->dev, 0xF1D1, TRUSTM_HMAC_SHA256, buf, 128, out, sizeof out, &n), "hmac");
}
static void op_rsa_enc(ctx_t *c)
{
    size_t n;
    trustm_rsa_key_src_t key = {0, TRUSTM_RSA2048, c->pub, c->pub_len};
    check(trustm_rsa_encrypt(&c->dev, &key, buf, 127, out, sizeof out, &n), "rsa enc");
}
static void op_sha(ctx_t *c)
{
    static uint8_t big[1280];
    check(trustm_sha256(&c->dev, big, sizeof big, out), "sha");
}

static const op_t ops[] = {
    {"GetRandom 32 bytes", 0, 0, op_random},
    {"read UID (E0C2, 27 bytes)", 0, 0, op_uid},
    {"AES-128 ECB encrypt 256 B", 28, 35, op_aes_enc},
    {"AES-128 ECB decrypt 256 B", 35, 42, op_aes_dec},
    {"TLS PRF 40 B (48 B input)", 50, 55, op_prf},
    {"HKDF SHA256", 130, 135, op_hkdf},
    {"HMAC SHA256 128 B", 90, 95, op_hmac},
    {"RSA 2048 encrypt 127 B", 40, 50, op_rsa_enc},
    {"SHA256 1280 B", 0, 0, op_sha},
};

typedef struct fig {
    uint64_t bytes, trans, us;
} fig_t;

static fig_t measure(ctx_t *c, uint8_t level, void (*run)(ctx_t *))
{
    trustm_sim_stats_t a, b;
    trustm_sim_stats_get(c->sim, &a);
    check(trustm_device_protect_next(&c->dev, level), "level");
    run(c);
    trustm_sim_stats_get(c->sim, &b);
    fig_t f = {(b.bytes_written - a.bytes_written) + (b.bytes_read - a.bytes_read), b.transactions - a.transactions,
               b.time_us - a.time_us};
    return f;
}

static void line(const char *name, uint16_t frame, fig_t p, fig_t s, double dsp, double dss)
{
    char ds[32] = "-";
    if (dsp > 0)
        snprintf(ds, sizeof ds, "%.0f / %.0f", dsp, dss);
    printf("%-27s %5u %7llu %7llu %6llu %6llu %9.1f %9.1f %+7.1f %11s\n", name, frame, (unsigned long long)p.bytes,
           (unsigned long long)s.bytes, (unsigned long long)p.trans, (unsigned long long)s.trans, p.us / 1000.0,
           s.us / 1000.0, (double)((int64_t)s.us - (int64_t)p.us) / 1000.0, ds);
}

int main(void)
{
    memset(buf, 0x11, sizeof buf);
    printf("Shielded Connection cost per command (host library + simulator, 400 kHz, datasheet timing)\n\n");
    printf("%-27s %5s %7s %7s %6s %6s %9s %9s %7s %11s\n", "command", "frame", "bytes", "bytes", "trans", "trans", "ms",
           "ms", "delta", "datasheet");
    printf("%-27s %5s %7s %7s %6s %6s %9s %9s %7s %11s\n", "", "", "plain", "shield", "plain", "shield", "plain",
           "shield", "ms", "plain/sh ms");
    static const uint16_t frames[] = {277, 20};
    for (size_t fi = 0; fi < 2; fi++) {
        static ctx_t c;
        setup(&c, frames[fi]);
        check(trustm_rsa_keygen(&c.dev, 0xE0FC, TRUSTM_RSA2048, 0x12, c.pub, sizeof c.pub, &c.pub_len), "keygen");
        /* the handshake: a fully protected GetRandom that starts a session, minus a plain one */
        fig_t p = measure(&c, TRUSTM_PROTECT_NONE, op_random);
        fig_t h = measure(&c, TRUSTM_PROTECT_FULL | TRUSTM_PROTECT_RENEW, op_random);
        fig_t s1 = measure(&c, TRUSTM_PROTECT_FULL, op_random);
        fig_t hs = {h.bytes - s1.bytes, h.trans - s1.trans, h.us - s1.us};
        fig_t zero = {0, 0, 0};
        line("handshake (Hello+Finished)", frames[fi], zero, hs, 0, 0);
        (void)p;
        for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
            fig_t a = measure(&c, TRUSTM_PROTECT_NONE, ops[i].run);
            fig_t b = measure(&c, TRUSTM_PROTECT_FULL, ops[i].run);
            line(ops[i].name, frames[fi], a, b, ops[i].ds_plain, ops[i].ds_shielded);
        }
        trustm_shield_wipe(&c.sh);
        trustm_sim_destroy(c.sim);
    }
    printf("\nbytes = I2C bytes written + read (register bytes and polling included), trans = I2C\n"
           "transactions. The chip model charges a protected record 3 ms + 8 us per protected command\n"
           "byte on top of the command's own time, Hello 5 ms, Finished 5 ms (no published figure;\n"
           "chosen so that the AES rows land near the datasheet's 'with Shielded Connection' column).\n");
    return 0;
}
