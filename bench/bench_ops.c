/*
 * bench_ops - simulated time of each operation of the datasheet's Table 16 ("Crypto
 * performance", I2C FM 400 kHz, no shielded connection), measured through the host library
 * against the simulator (datasheet timing model, virtual clock), next to the datasheet figure,
 * with the share of the time spent on the bus. Figures only: nothing passes or fails on time.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "trustm/trustm.h"
#include "trustm_pal_sim.h"
#include "trustm_sim.h"

static trustm_sim_t *sim;
static trustm_device_t dev;
static trustm_pal_t pal;

static void check(trustm_status_t s, const char *what)
{
    if (s != TRUSTM_OK) {
        fprintf(stderr, "bench_ops: %s: %s: %s\n", what, trustm_status_layer_str(s), trustm_status_base_str(s));
        exit(1);
    }
}

typedef struct mark {
    uint64_t t;
    trustm_sim_stats_t st;
} mark_t;

static mark_t mark(void)
{
    mark_t m;
    trustm_sim_stats_get(sim, &m.st);
    m.t = trustm_sim_now_us(sim);
    return m;
}

static void row(const char *name, const char *note, double datasheet_ms, mark_t a)
{
    mark_t b = mark();
    double ms = (double)(b.t - a.t) / 1000.0;
    double bus = (double)(b.st.bus_time_us - a.st.bus_time_us) / 1000.0;
    printf("%-24s %-30s %10.1f %10.1f %7.1f%% %8.2f\n", name, note, datasheet_ms, ms, ms > 0 ? 100.0 * bus / ms : 0.0,
           ms / datasheet_ms);
}

int main(void)
{
    /* a chip with an AES-128 key provisioned into E200 (the shipped E200 cannot be changed) */
    char path[] = "/tmp/trustm-bench-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return 1;
    close(fd);
    static const uint8_t aes_key[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    trustm_sim_provision_t prov;
    memset(&prov, 0, sizeof prov);
    prov.aes_key = aes_key;
    prov.aes_key_len = sizeof aes_key;
    char err[256];
    if (trustm_sim_state_init_provisioned(path, 99, NULL, true, &prov, err, sizeof err) != 0) {
        fprintf(stderr, "bench_ops: %s\n", err);
        unlink(path);
        return 1;
    }
    trustm_sim_config_t sc;
    memset(&sc, 0, sizeof sc);
    sc.seed = 99;
    sc.state_path = path;
    sim = trustm_sim_create(&sc, err, sizeof err);
    unlink(path); /* the chip keeps running from memory */
    if (sim == NULL) {
        fprintf(stderr, "bench_ops: %s\n", err);
        return 1;
    }
    check(trustm_pal_sim_init(&pal, sim), "pal");
    trustm_config_t hc;
    memset(&hc, 0, sizeof hc);
    check(trustm_device_init(&dev, &pal, &hc), "init");
    check(trustm_device_open(&dev), "open");

    printf("Datasheet Table 16 operations through host library + simulator (400 kHz, datasheet timing)\n\n");
    printf("%-24s %-30s %10s %10s %8s %8s\n", "operation", "input", "datasheet", "simulated", "bus", "ratio");
    printf("%-24s %-30s %10s %10s %8s %8s\n", "", "", "ms", "ms", "share", "");

    uint8_t pub[TRUSTM_RSA_PUBKEY_MAX], sig[256], buf[512], out[512];
    size_t pub_len, sig_len, n;
    mark_t m = mark();
    check(trustm_rsa_keygen(&dev, 0xE0FC, TRUSTM_RSA2048, 0x12, pub, sizeof pub, &pub_len), "keygen");
    row("RSA key pair generation", "2048 bit into E0FC", 2900, m);

    uint8_t digest[32];
    memset(digest, 0x5A, sizeof digest);
    m = mark();
    check(trustm_rsa_sign(&dev, 0xE0FC, TRUSTM_RSA_PKCS1_SHA256, digest, 32, sig, sizeof sig, &sig_len), "sign");
    row("RSA calculate signature", "2048 bit, digest input", 310, m);

    m = mark();
    check(trustm_rsa_verify(&dev, pub, pub_len, TRUSTM_RSA2048, TRUSTM_RSA_PKCS1_SHA256, digest, 32, sig, sig_len),
          "verify");
    row("RSA verify signature", "2048 bit, key from host", 40, m);

    memset(buf, 0x33, 127);
    trustm_rsa_key_src_t key = {0, TRUSTM_RSA2048, pub, pub_len};
    m = mark();
    check(trustm_rsa_encrypt(&dev, &key, buf, 127, out, sizeof out, &n), "encrypt");
    row("RSA encryption", "127 bytes", 40, m);

    m = mark();
    check(trustm_rsa_decrypt(&dev, 0xE0FC, out, n, buf, sizeof buf, &n), "decrypt");
    row("RSA decryption", "127 bytes", 315, m);

    memset(buf, 0x11, 256);
    m = mark();
    check(trustm_sym_encrypt(&dev, 0xE200, TRUSTM_SYM_ECB, NULL, 0, buf, 256, out, sizeof out, &n), "aes enc");
    row("AES-128 encryption", "256 bytes, ECB", 28, m);
    m = mark();
    check(trustm_sym_decrypt(&dev, 0xE200, TRUSTM_SYM_ECB, NULL, 0, out, 256, buf, sizeof buf, &n), "aes dec");
    row("AES-128 decryption", "256 bytes, ECB", 35, m);

    /* a 32-byte pre-shared secret in a data object for PRF / HKDF / HMAC */
    uint8_t secret[32], md[32];
    size_t ml;
    memset(secret, 0x42, sizeof secret);
    check(trustm_data_write(&dev, 0xF1D1, TRUSTM_ERASE_AND_WRITE, 0, secret, sizeof secret), "secret");
    check(trustm_metadata_parse("type: PRESSEC; execute: ALW", md, sizeof md, &ml), "md parse");
    check(trustm_metadata_write(&dev, 0xF1D1, md, ml), "md write");
    uint8_t seed[48];
    memset(seed, 0x77, sizeof seed);
    m = mark();
    check(trustm_tls_prf(&dev, 0xF1D1, 0, TRUSTM_PRF_SHA256, 40, seed, 13, seed + 13, 35, out, sizeof out, NULL),
          "prf");
    row("Key derivation TLS PRF", "40 bytes from 48 bytes input", 50, m);
    m = mark();
    check(trustm_hkdf(&dev, 0xF1D1, 0, TRUSTM_HKDF_SHA256, 40, seed, 32, seed, 16, out, sizeof out, NULL), "hkdf");
    row("Key derivation HKDF", "SHA256, pre-shared secret", 130, m);
    m = mark();
    check(trustm_hmac(&dev, 0xF1D1, TRUSTM_HMAC_SHA256, buf, 128, out, sizeof out, &n), "hmac");
    row("HMAC", "SHA256, 128 bytes", 90, m);

    static uint8_t big[1280];
    memset(big, 0x21, sizeof big);
    m = mark();
    check(trustm_sha256(&dev, big, sizeof big, digest), "sha");
    mark_t e = mark();
    double ms = (double)(e.t - m.t) / 1000.0;
    printf("%-24s %-30s %10s %10.1f %7.1f%%   -> %.1f kB/s (datasheet ~15 kB/s)\n", "Hash SHA256", "1280 bytes", "-",
           ms, 100.0 * (double)(e.st.bus_time_us - m.st.bus_time_us) / 1000.0 / ms, 1280.0 / ms);

    printf("\nratio = simulated / datasheet. The simulator charges the datasheet execution time; the\n"
           "rest is bus transfer, guard times and polling (1 ms poll interval) of the host library.\n");
    trustm_sim_destroy(sim);
    return 0;
}
