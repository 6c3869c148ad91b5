/* Shared fixture for the integration tests: a fresh volatile simulated chip with a known UID,
 * the host library attached through pal/sim. */
#ifndef ITEST_H
#define ITEST_H

#include <stdio.h>
#include <string.h>

#include "trustm/trustm.h"
#include "trustm_pal_sim.h"
#include "trustm_sim.h"

#ifdef ITEST_SHIELD
#include "trustm/trustm_shield.h"
#include "trustm_shield_mbedtls.h"
#include "trustm_testutil.h"
#endif

typedef struct itest {
    trustm_sim_t *sim;
    trustm_pal_t pal;
    trustm_device_t dev;
    uint8_t uid[TRUSTM_SIM_UID_SIZE];
#ifdef ITEST_SHIELD
    trustm_shield_t shield;
#endif
} itest_t;

/* Host configuration of the variant being built: ITEST_SHIELD runs every exchange with full
 * Shielded Connection protection; ITEST_FRAME_SIZE forces the frame size. */
static inline void itest_host_config(itest_t *t, trustm_config_t *hc)
{
#ifdef ITEST_SHIELD
    trustm_shield_config_t sc;
    memset(&sc, 0, sizeof sc);
    sc.crypto = trustm_shield_crypto_mbedtls();
    sc.read_secret = tv_pbs_default; /* the chip's factory E140 */
    sc.default_level = TRUSTM_PROTECT_FULL;
    if (trustm_shield_init(&t->shield, &sc) == TRUSTM_OK)
        hc->shield = &t->shield;
#else
    (void)t;
#endif
#ifdef ITEST_FRAME_SIZE
    hc->frame_size = ITEST_FRAME_SIZE;
#else
    (void)hc;
#endif
}

static inline void itest_uid(uint8_t uid[TRUSTM_SIM_UID_SIZE], unsigned salt)
{
    static const uint8_t base[TRUSTM_SIM_UID_SIZE] = {0xCD, 0x16, 0x33, 0x93, 0x01, 0x00, 0x1C, 0x00, 0x05,
                                                      0x00, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x00,
                                                      0x07, 0x00, 0x09, 0x80, 0x10, 0x10, 0x71, 0x24, 0x40};
    memcpy(uid, base, TRUSTM_SIM_UID_SIZE);
    uid[11] = (uint8_t)salt;
    uid[12] = (uint8_t)(salt >> 8);
}

/* Returns 0 on success. timing: TRUSTM_SIM_TIMING_DATASHEET or _NONE. */
static inline int itest_setup(itest_t *t, uint16_t frame_size, trustm_sim_timing_t timing, unsigned salt)
{
    memset(t, 0, sizeof *t);
    trustm_sim_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.timing = timing;
    cfg.seed = 1000u + salt;
    cfg.uid_set = true;
    itest_uid(cfg.uid, salt);
    memcpy(t->uid, cfg.uid, sizeof t->uid);
    char err[256];
    t->sim = trustm_sim_create(&cfg, err, sizeof err);
    if (t->sim == NULL) {
        fprintf(stderr, "trustm_sim_create: %s\n", err);
        return -1;
    }
    if (trustm_pal_sim_init(&t->pal, t->sim) != TRUSTM_OK)
        return -1;
    trustm_config_t hc;
    memset(&hc, 0, sizeof hc);
    itest_host_config(t, &hc);
    hc.frame_size = frame_size;
    return trustm_device_init(&t->dev, &t->pal, &hc) == TRUSTM_OK ? 0 : -1;
}

static inline void itest_teardown(itest_t *t)
{
    trustm_sim_destroy(t->sim);
    t->sim = NULL;
}

#endif
