/*
 * trustm_sim.c - lifetime of a simulator instance: configuration checks, allocation, loading
 * or creating the state file.  (The model itself, sim/front and sim/link, does not allocate.)
 */
#define _POSIX_C_SOURCE 200809L

#include <stdlib.h>
#include <string.h>

#include "trustm_bytes.h"
#include "trustm_sim_int.h"

trustm_sim_t *trustm_sim_create(const trustm_sim_config_t *config, char *errbuf, size_t errlen)
{
    trustm_sim_config_t defcfg;
    if (config == NULL) {
        memset(&defcfg, 0, sizeof defcfg);
        config = &defcfg;
    }
    uint32_t scl = config->scl_khz == 0 ? 400u : config->scl_khz;
    if (scl != 100u && scl != 400u && scl != 1000u) {
        sim_err(errbuf, errlen, "SCL must be 100, 400 or 1000 kHz (got %lu)", (unsigned long)scl);
        return NULL;
    }
    if (config->timing != TRUSTM_SIM_TIMING_DATASHEET && config->timing != TRUSTM_SIM_TIMING_NONE) {
        sim_err(errbuf, errlen, "unknown timing model %d", (int)config->timing);
        return NULL;
    }
    trustm_sim_t *sim = calloc(1, sizeof *sim);
    if (sim == NULL) {
        sim_err(errbuf, errlen, "out of memory");
        return NULL;
    }
    sim->scl_khz = scl;
    sim->timing = config->timing;
    sim->seed = config->seed;
    sim->rng = config->seed;
    sim->nv_addr = SIM_DEFAULT_ADDR;
    sim->nv_i2c_mode = SIM_I2C_MODE_DEFAULT;

    uint8_t uid[TRUSTM_SIM_UID_SIZE];
    if (config->uid_set)
        memcpy(uid, config->uid, sizeof uid);
    else
        sim_chip_uid_generate(config->seed, uid);
    sim_chip_objects_default(sim, uid);

    if (config->state_path != NULL) {
        sim->state_path = strdup(config->state_path);
        if (sim->state_path == NULL) {
            sim_err(errbuf, errlen, "out of memory");
            free(sim);
            return NULL;
        }
        FILE *probe = fopen(config->state_path, "rb");
        if (probe != NULL) {
            fclose(probe);
            if (sim_nvm_load(sim, config->state_path, errbuf, errlen) != 0) {
                free(sim->state_path);
                free(sim);
                return NULL;
            }
        } else if (sim_nvm_save(sim, config->state_path, errbuf, errlen) != 0) {
            free(sim->state_path);
            free(sim);
            return NULL;
        }
    }
    sim->powered = true;
    sim->rst_high = true;
    sim_start_up(sim);
    return sim;
}

void trustm_sim_destroy(trustm_sim_t *sim)
{
    if (sim == NULL)
        return;
    sim_commit_nvm(sim);
    free(sim->state_path);
    trustm_wipe(sim, sizeof *sim);
    free(sim);
}


uint32_t trustm_sim_exec_time_us(const trustm_sim_t *sim, const uint8_t *apdu, size_t len)
{
    if (sim == NULL || apdu == NULL || sim->timing == TRUSTM_SIM_TIMING_NONE)
        return 0;
    return sim_chip_exec_us(sim, apdu, len);
}
