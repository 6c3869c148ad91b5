/* Shared fixture of the ID2 client tests: a factory-provisioned simulated chip (ID2 id, AES key
 * and/or RSA key) in a temp state file, the host library attached through pal/sim (not opened:
 * id2_client_init opens it), an RNG giving 0xAB bytes and a log capture. */
#ifndef ID2_FIXTURE_H
#define ID2_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "id2/id2_client.h"
#include "trustm/trustm.h"
#include "trustm_pal_sim.h"
#include "trustm_sim.h"

#define FX_LOG_KEEP 48

typedef struct fx {
    char path[64];
    trustm_sim_t *sim;
    trustm_pal_t pal;
    trustm_device_t dev;
    id2_client_t c;
    id2_client_config_t cfg;
    int rng_fail;
    unsigned log_count;
    char log[FX_LOG_KEEP][128];
    char last_log[128];
} fx_t;

static const uint8_t fx_id_raw[12] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xAA, 0xBB};
static const uint8_t fx_aes_key[16] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                                       0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F};

static inline int fx_rng(void *arg, uint8_t *buf, size_t len)
{
    fx_t *f = arg;
    if (f->rng_fail)
        return -1;
    memset(buf, 0xAB, len);
    return 0;
}

static inline void fx_logger(void *arg, const char *line)
{
    fx_t *f = arg;
    if (f->log_count < FX_LOG_KEEP)
        snprintf(f->log[f->log_count], sizeof f->log[0], "%s", line);
    snprintf(f->last_log, sizeof f->last_log, "%s", line);
    f->log_count++;
}

/* Chip APDUs executed by the simulator so far. */
static inline uint64_t fx_commands(const fx_t *f)
{
    trustm_sim_stats_t st;
    trustm_sim_stats_get(f->sim, &st);
    return st.commands;
}

/* with_id / aes / rsa_pem select the factory provisioning; crypto_type the client mode.
 * The client is initialised when init is true. Returns NULL on failure (message printed). */
static inline fx_t *fx_create(int with_id, int aes, const char *rsa_pem, int crypto_type, int init)
{
    fx_t *f = calloc(1, sizeof *f);
    if (f == NULL)
        return NULL;
    snprintf(f->path, sizeof f->path, "/tmp/trustm-id2-XXXXXX");
    int fd = mkstemp(f->path);
    if (fd < 0) {
        free(f);
        return NULL;
    }
    close(fd);
    trustm_sim_provision_t p;
    memset(&p, 0, sizeof p);
    p.id2_set = with_id != 0;
    memcpy(p.id2, fx_id_raw, sizeof p.id2);
    if (aes) {
        p.aes_key = fx_aes_key;
        p.aes_key_len = sizeof fx_aes_key;
    }
    p.rsa_pem = rsa_pem;
    char err[256];
    if (trustm_sim_state_init_provisioned(f->path, 42, NULL, true, &p, err, sizeof err) != 0) {
        fprintf(stderr, "provision: %s\n", err);
        goto fail;
    }
    trustm_sim_config_t sc;
    memset(&sc, 0, sizeof sc);
    sc.state_path = f->path;
    sc.timing = TRUSTM_SIM_TIMING_NONE;
    sc.seed = 7;
    f->sim = trustm_sim_create(&sc, err, sizeof err);
    if (f->sim == NULL) {
        fprintf(stderr, "sim: %s\n", err);
        goto fail;
    }
    if (trustm_pal_sim_init(&f->pal, f->sim) != TRUSTM_OK || trustm_device_init(&f->dev, &f->pal, NULL) != TRUSTM_OK)
        goto fail;
    f->cfg.crypto_type = crypto_type;
    f->cfg.rng = fx_rng;
    f->cfg.rng_arg = f;
    f->cfg.log = fx_logger;
    f->cfg.log_arg = f;
    f->cfg.pal = &f->pal;
    if (init && id2_client_init(&f->c, &f->dev, &f->cfg) != IROT_SUCCESS) {
        fprintf(stderr, "id2_client_init failed\n");
        goto fail;
    }
    return f;
fail:
    trustm_sim_destroy(f->sim);
    unlink(f->path);
    free(f);
    return NULL;
}

static inline void fx_destroy(fx_t *f)
{
    if (f == NULL)
        return;
    trustm_sim_destroy(f->sim);
    unlink(f->path);
    free(f);
}

/* Hex string to bytes (test data); returns the byte count. */
static inline size_t fx_unhex(const char *hex, uint8_t *out, size_t size)
{
    size_t n = 0;
    while (hex[0] != '\0' && hex[1] != '\0' && n < size) {
        unsigned v;
        if (sscanf(hex, "%2x", &v) != 1)
            break;
        out[n++] = (uint8_t)v;
        hex += 2;
    }
    return n;
}

#endif
