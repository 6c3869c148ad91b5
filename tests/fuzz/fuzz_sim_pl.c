/*
 * The simulator's presentation layer (link/trustm_sim_pl.c) under arbitrary presentation
 * payloads, before and after a real handshake. A host library instance with the Shielded
 * Connection first opens the chip and runs a protected GetRandom (so a session is up); then a
 * re-sync frame resets the link counters and every input record [len][bytes] goes to the chip
 * as one data frame PCTR 08 || bytes, followed by a read of whatever the chip answers.
 * The chip must never crash and must keep answering its registers.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "trustm/trustm.h"
#include "trustm/trustm_shield.h"
#include "trustm_frame.h"
#include "trustm_pal_sim.h"
#include "trustm_shield_mbedtls.h"
#include "trustm_sim.h"
#include "trustm_testutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    trustm_sim_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.timing = TRUSTM_SIM_TIMING_NONE;
    char err[128];
    trustm_sim_t *sim = trustm_sim_create(&cfg, err, sizeof err);
    if (sim == NULL)
        abort();
    static trustm_device_t dev;
    static trustm_shield_t sh;
    trustm_pal_t pal;
    trustm_pal_sim_init(&pal, sim);
    trustm_shield_config_t sc;
    memset(&sc, 0, sizeof sc);
    sc.crypto = trustm_shield_crypto_mbedtls();
    sc.read_secret = tv_pbs_default;
    sc.default_level = TRUSTM_PROTECT_FULL;
    trustm_status_t s = trustm_shield_init(&sh, &sc); /* without the shield: plain exchanges */
    (void)s;
    trustm_config_t hc;
    memset(&hc, 0, sizeof hc);
    hc.shield = &sh;
    uint8_t r[8];
    if (size > 0 && (data[0] & 1u) && trustm_device_init(&dev, &pal, &hc) == TRUSTM_OK &&
        trustm_device_open(&dev) == TRUSTM_OK)
        if (trustm_random(&dev, TRUSTM_RNG_TRNG, sizeof r, r, sizeof r, NULL) != TRUSTM_OK) {
            /* a mangled exchange may fail; it must not crash */
        }
    static uint8_t buf[300], in[300];
    buf[0] = 0x80;
    size_t n = trustm_dl_frame_encode(TRUSTM_DL_FCTR_RESYNC, NULL, 0, buf + 1, sizeof buf - 1);
    (void)trustm_sim_i2c_write(sim, 0x30, buf, n + 1);
    uint8_t frnr = 0;
    size_t pos = 1;
    while (pos < size) {
        size_t len = data[pos++];
        if (len > size - pos)
            len = size - pos;
        if (len > 200)
            len = 200;
        uint8_t pkt[201];
        pkt[0] = 0x08; /* PRESENCE, single packet */
        memcpy(pkt + 1, data + pos, len);
        pos += len;
        n = trustm_dl_frame_encode(trustm_dl_fctr_data(frnr, 3), pkt, len + 1, buf + 1, sizeof buf - 1);
        frnr = (uint8_t)((frnr + 1u) & 3u);
        if (n > 0)
            (void)trustm_sim_i2c_write(sim, 0x30, buf, n + 1);
        trustm_sim_sleep_us(sim, 20000);
        uint8_t reg = 0x82;
        (void)trustm_sim_i2c_write(sim, 0x30, &reg, 1);
        if (trustm_sim_i2c_read(sim, 0x30, in, 4) == TRUSTM_SIM_ACK) {
            size_t want = ((size_t)in[2] << 8) | in[3];
            if (want > sizeof in)
                want = sizeof in;
            reg = 0x80;
            (void)trustm_sim_i2c_write(sim, 0x30, &reg, 1);
            if (want > 0)
                (void)trustm_sim_i2c_read(sim, 0x30, in, want);
        }
    }
    trustm_shield_wipe(&sh);
    trustm_sim_destroy(sim);
    return 0;
}
