/* Platform set-up of the compat tests (see compat_platform.h). */
#define _POSIX_C_SOURCE 200809L

#include "compat_platform.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "optiga/trustm_compat.h"
#include "trustm/trustm.h"
#include "trustm_pal_sim.h"
#ifdef TRUSTM_CFG_SHIELD
#include "trustm_shield_mbedtls.h"
#endif
#include "trustm_sim.h"

static struct {
    trustm_sim_t *sim;
    trustm_pal_t pal;
    trustm_device_t dev;
    char dir[64];
    char path[96];
} P;

static int use_shield;

void compat_platform_use_shield(int on)
{
    use_shield = on;
}

int compat_platform_up(const compat_platform_opts_t *o, uint8_t uid[COMPAT_UID_SIZE])
{
    char err[256];
    trustm_sim_config_t cfg;
    memset(&P, 0, sizeof P);
    memset(&cfg, 0, sizeof cfg);
    cfg.seed = 77;
    cfg.timing = TRUSTM_SIM_TIMING_DATASHEET;
    if (o != NULL && (o->aes_key != NULL || o->id2 != NULL || o->rsa_pem != NULL)) {
        /* Factory provisioning exists for state files only: use a private temporary one. */
        snprintf(P.dir, sizeof P.dir, "/tmp/trustm-compat-XXXXXX");
        if (mkdtemp(P.dir) == NULL)
            return -1;
        snprintf(P.path, sizeof P.path, "%s/chip.state", P.dir);
        trustm_sim_provision_t pv;
        memset(&pv, 0, sizeof pv);
        pv.aes_key = o->aes_key;
        pv.aes_key_len = o->aes_key_len;
        pv.rsa_pem = o->rsa_pem;
        if (o->id2 != NULL) {
            pv.id2_set = true;
            memcpy(pv.id2, o->id2, sizeof pv.id2);
        }
        if (trustm_sim_state_init_provisioned(P.path, cfg.seed, NULL, true, &pv, err, sizeof err) != 0) {
            fprintf(stderr, "provisioning: %s\n", err);
            return -1;
        }
        cfg.state_path = P.path;
    }
    P.sim = trustm_sim_create(&cfg, err, sizeof err);
    if (P.sim == NULL) {
        fprintf(stderr, "trustm_sim_create: %s\n", err);
        return -1;
    }
    if (uid != NULL)
        trustm_sim_uid(P.sim, uid);
    trustm_config_t hc;
    memset(&hc, 0, sizeof hc);
#ifdef TRUSTM_CFG_SHIELD
    if (use_shield)
        hc.shield = trustm_compat_shield(trustm_shield_crypto_mbedtls());
#endif
    if (trustm_pal_sim_init(&P.pal, P.sim) != TRUSTM_OK || trustm_device_init(&P.dev, &P.pal, &hc) != TRUSTM_OK)
        return -1;
    trustm_compat_reset();
    return trustm_compat_bind(&P.dev, &P.pal) == OPTIGA_LIB_SUCCESS ? 0 : -1;
}

void compat_platform_down(void)
{
    use_shield = 0;
    trustm_compat_reset();
    trustm_sim_destroy(P.sim);
    P.sim = NULL;
    if (P.path[0] != '\0')
        (void)unlink(P.path);
    if (P.dir[0] != '\0')
        (void)rmdir(P.dir);
    memset(&P, 0, sizeof P);
}

uint64_t compat_platform_now_us(void)
{
    return P.sim != NULL ? trustm_sim_now_us(P.sim) : 0;
}

void compat_platform_sleep_us(uint32_t us)
{
    if (P.sim != NULL)
        trustm_sim_sleep_us(P.sim, us);
}

void compat_platform_nack(uint32_t n)
{
    trustm_sim_faults_t f;
    memset(&f, 0, sizeof f);
    f.nack_next = n;
    trustm_sim_faults_set(P.sim, &f);
}
