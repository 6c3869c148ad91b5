/*
 * trustm_sim.c - the top of the simulator: lifetime of an instance (configuration checks,
 * allocation, loading the NVM image from its storage), the public bus / power / clock entry
 * points, the scheduler that runs what is due (command completion, power-loss faults, link
 * timers), and the commit of NVM changes to the storage.
 *
 * Arrows point one way: this file calls the front (register file), the link and the chip; none
 * of them calls back up here.  The model itself does no file I/O: images go through the
 * storage interface (sim/nvm/trustm_sim_storage.c).
 *
 * Commit rule: a command's NVM changes are committed before its response is offered.  When the
 * storage refuses (read-only file, full disk, failed directory sync) the command is answered
 * with error 0x06, the in-memory NVM is put back to the last committed image (so the chip
 * equals its storage) and the reason is kept for trustm_sim_storage_error().  When the
 * power-cut hook cuts during the commit, the chip loses power: it reloads what the storage
 * holds and starts up again, and no response is offered.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdlib.h>
#include <string.h>

#include "trustm_bytes.h"
#include "trustm_sim_int.h"

#define SIM_ERR_INTERNAL 0x06u

/* ------------------------------------------------------------------ storage */

static void image_replace(trustm_sim_t *sim, uint8_t *img, size_t n)
{
    if (sim->nv_image != NULL) {
        trustm_wipe(sim->nv_image, sim->nv_image_len);
        free(sim->nv_image);
    }
    sim->nv_image = img;
    sim->nv_image_len = n;
}

/* Put the in-memory NVM back to an image (the persistent records overwrite the model). */
static int image_apply(trustm_sim_t *sim, const uint8_t *img, size_t n, char *err, size_t errlen)
{
    sim->hib_valid = false;
    trustm_wipe(sim->hib_sessions, sizeof sim->hib_sessions);
    memset(sim->hib_auto, 0, sizeof sim->hib_auto);
    int rc = sim_nvm_decode(sim, img, n, "image", err, errlen);
    sim->nvm_dirty = false;
    return rc;
}

/* After a power cut during a commit: what the storage holds is the chip's NVM now. */
static void reload_after_cut(trustm_sim_t *sim)
{
    uint8_t *img = NULL;
    size_t n = 0;
    char err[256];
    if (sim->storage->load(sim->storage, &img, &n, err, sizeof err) == 0 &&
        image_apply(sim, img, n, err, sizeof err) == 0) {
        image_replace(sim, img, n);
        return;
    }
    if (img != NULL) {
        trustm_wipe(img, n);
        free(img);
    }
    snprintf(sim->storage_err, sizeof sim->storage_err, "after a power cut: %.200s", err);
    if (sim->nv_image != NULL)
        (void)image_apply(sim, sim->nv_image, sim->nv_image_len, err, sizeof err);
}

/* Commit pending NVM changes.  0: committed or nothing to do; -1: refused (rolled back);
 * TRUSTM_SIM_STORAGE_CUT: power cut while committing (reloaded from the storage). */
static int sim_commit(trustm_sim_t *sim)
{
    if (!sim->nvm_dirty || sim->storage == NULL)
        return 0;
    size_t n = 0;
    char err[256] = "";
    uint8_t *img = sim_nvm_encode(sim, &n);
    int rc = img == NULL ? -1 : sim->storage->commit(sim->storage, img, n, err, sizeof err);
    if (img == NULL)
        snprintf(err, sizeof err, "NVM image: out of memory");
    if (rc == 0) {
        image_replace(sim, img, n);
        sim->nvm_dirty = false;
        sim->storage_err[0] = '\0';
        sim->stats.nvm_writes++;
        return 0;
    }
    if (img != NULL) {
        trustm_wipe(img, n);
        free(img);
    }
    if (rc == TRUSTM_SIM_STORAGE_CUT) {
        sim_trace(sim, "# fault: power cut while committing NVM");
        reload_after_cut(sim);
        sim_start_up(sim);
        return rc;
    }
    snprintf(sim->storage_err, sizeof sim->storage_err, "%.200s (change not stored, command failed)", err);
    sim_trace(sim, "# storage: %s", sim->storage_err);
    char err2[256];
    if (sim->nv_image != NULL)
        (void)image_apply(sim, sim->nv_image, sim->nv_image_len, err2, sizeof err2);
    sim->nvm_dirty = false;
    return -1;
}

const char *trustm_sim_storage_error(const trustm_sim_t *sim)
{
    return sim == NULL ? "" : sim->storage_err;
}

/* Load the image, or create the first one for a new chip. */
static int storage_open(trustm_sim_t *sim, char *errbuf, size_t errlen)
{
    uint8_t *img = NULL;
    size_t n = 0;
    int rc = sim->storage->load(sim->storage, &img, &n, errbuf, errlen);
    if (rc < 0)
        return -1;
    if (rc == 0) {
        const char *name = sim->storage->name != NULL ? sim->storage->name : "storage";
        if (sim_nvm_decode(sim, img, n, name, errbuf, errlen) != 0) {
            trustm_wipe(img, n);
            free(img);
            return -1;
        }
        image_replace(sim, img, n);
        return 0;
    }
    sim->nvm_dirty = true;
    if (sim_commit(sim) != 0) {
        sim_err(errbuf, errlen, "%s", sim->storage_err);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------ lifetime */

static void sim_free(trustm_sim_t *sim)
{
    if (sim->storage == &sim->own_storage && sim->own_storage.close != NULL)
        sim->own_storage.close(&sim->own_storage);
    image_replace(sim, NULL, 0);
    trustm_wipe(sim, sizeof *sim);
    free(sim);
}

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
    sim->rng = sim->rng_bound = config->seed;
    sim->nv_addr = SIM_DEFAULT_ADDR;
    sim->nv_i2c_mode = SIM_I2C_MODE_DEFAULT;

    uint8_t uid[TRUSTM_SIM_UID_SIZE];
    if (config->uid_set)
        memcpy(uid, config->uid, sizeof uid);
    else
        sim_chip_uid_generate(config->seed, uid);
    sim_chip_objects_default(sim, uid);

    if (config->storage != NULL) {
        sim->storage = config->storage;
    } else if (config->state_path != NULL) {
        if (trustm_sim_storage_file(&sim->own_storage, config->state_path, errbuf, errlen) != 0) {
            sim_free(sim);
            return NULL;
        }
        sim->storage = &sim->own_storage;
    }
    if (sim->storage != NULL && storage_open(sim, errbuf, errlen) != 0) {
        sim_free(sim);
        return NULL;
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
    (void)sim_commit(sim);
    sim_free(sim);
}

int trustm_sim_save(trustm_sim_t *sim, char *errbuf, size_t errlen)
{
    if (sim == NULL)
        return -1;
    if (sim->storage == NULL)
        return 0;
    sim->nvm_dirty = true;
    if (sim_commit(sim) != 0) {
        sim_err(errbuf, errlen, "%s", sim->storage_err[0] != '\0' ? sim->storage_err : "power cut while saving");
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------ scheduler */

/* Power-loss fault: a supply glitch.  Volatile state is lost and the chip starts up again
 * (NACKs for the start-up time); the NVM keeps the last committed state. */
static void power_lost(trustm_sim_t *sim)
{
    sim_trace(sim, "# fault: power lost during command execution");
    sim_start_up(sim);
}

/* Execute one APDU and make its effect durable. A change that cannot be stored is answered
 * with an error (the chip was rolled back to its storage); a power cut while storing leaves
 * no answer at all (exec_cut). */
static size_t execute_durably(trustm_sim_t *sim, const uint8_t *apdu, size_t len, uint8_t *rsp, size_t rsp_size)
{
    size_t n = sim_chip_execute(sim, apdu, len, rsp, rsp_size);
    sim->stats.commands++;
    int c = sim_commit(sim);
    if (c == TRUSTM_SIM_STORAGE_CUT) {
        sim->exec_cut = true;
        return 0;
    }
    if (c != 0)
        n = sim_chip_error_response(sim, SIM_ERR_INTERNAL, rsp);
    return n;
}

/* The command in exec_msg has reached its completion time: execute, commit, respond. */
static void complete_command(trustm_sim_t *sim)
{
    uint8_t *rsp = sim->rsp_buf;
    const size_t rsp_size = sizeof sim->rsp_buf;
    uint64_t saved = sim->now_ns;
    sim->busy = false;
    sim->exec_power_loss = false;
    sim->now_ns = sim->busy_until_ns; /* frames are stamped with the completion time */
    const uint8_t *apdu = sim->exec_msg;
    size_t apdu_len = sim->exec_len;
    size_t rlen;
    sim->exec_cut = false;
    if (sim->exec_presence) {
        /* presentation layer: a handshake/alert/context answer, or SCTR || APDU to run and
         * protect as the record asked (link/trustm_sim_pl.c) */
        rlen = sim_pl_complete(sim, apdu, apdu_len, rsp, rsp_size, execute_durably);
    } else {
        rlen = execute_durably(sim, apdu, apdu_len, rsp, rsp_size);
    }
    if (sim->exec_cut) {
        sim->exec_cut = false;
        sim->now_ns = saved;
        return; /* no power, no response */
    }
    if (sim->exec_loss_after_commit) {
        /* power-loss fault after the NVM commit: the new state is stored, the response is
         * lost with the supply */
        sim->exec_loss_after_commit = false;
        sim->now_ns = saved;
        power_lost(sim);
        return;
    }
    if (sim->exec_discard) {
        sim->exec_discard = false;
        sim_trace(sim, "# response dropped: re-sync during execution");
    } else {
        sim_link_transmit(sim, rsp, rlen, sim->exec_presence);
    }
    trustm_wipe(rsp, rlen);
    sim->now_ns = saved;
}

/* Run everything that is due at the current time: command completion, power-loss faults,
 * re-offer of an unacknowledged frame. */
static void sim_advance(trustm_sim_t *sim)
{
    if (!sim->powered)
        return;
    sim_secmon_tick(sim);
    if (sim->busy && sim->exec_power_loss && !sim->exec_loss_after_commit && sim->now_ns >= sim->exec_power_loss_ns &&
        sim->exec_power_loss_ns <= sim->busy_until_ns) {
        power_lost(sim);
        return;
    }
    if (sim->busy && sim->now_ns >= sim->busy_until_ns)
        complete_command(sim);
    sim_link_timers(sim);
}

/* After every entry point: NVM changes made outside a command (security monitor ticks,
 * persistent registers) are committed too; a refusal rolls them back. */
static void settle(trustm_sim_t *sim)
{
    sim_advance(sim);
    (void)sim_commit(sim);
}

/* Advance the clock in steps so that events (completion, power-loss faults, re-offers) happen
 * at their own time rather than at the end of a long sleep. */
static void clock_forward(trustm_sim_t *sim, uint64_t target_ns)
{
    while (sim->now_ns < target_ns) {
        uint64_t next = target_ns;
        if (sim->busy && sim->busy_until_ns > sim->now_ns && sim->busy_until_ns < next)
            next = sim->busy_until_ns;
        if (sim->busy && sim->exec_power_loss && sim->exec_power_loss_ns > sim->now_ns &&
            sim->exec_power_loss_ns < next)
            next = sim->exec_power_loss_ns;
        sim->now_ns = next;
        sim_advance(sim);
    }
    settle(sim);
}

/* ------------------------------------------------------------------ entry points */

trustm_sim_bus_t trustm_sim_i2c_write(trustm_sim_t *sim, uint8_t addr7, const uint8_t *buf, size_t len)
{
    if (sim == NULL || addr7 > 0x7Fu || (buf == NULL && len > 0))
        return TRUSTM_SIM_BUS_ERROR;
    sim_advance(sim);
    trustm_sim_bus_t r = sim_front_write(sim, addr7, buf, len);
    settle(sim); /* zero-time execution completes at once */
    return r;
}

trustm_sim_bus_t trustm_sim_i2c_read(trustm_sim_t *sim, uint8_t addr7, uint8_t *buf, size_t len)
{
    if (sim == NULL || addr7 > 0x7Fu || (buf == NULL && len > 0))
        return TRUSTM_SIM_BUS_ERROR;
    sim_advance(sim);
    trustm_sim_bus_t r = sim_front_read(sim, addr7, buf, len);
    settle(sim);
    return r;
}

void trustm_sim_power(trustm_sim_t *sim, bool on)
{
    if (sim == NULL)
        return;
    sim_advance(sim);
    sim_trace(sim, "POWER %s", on ? "ON" : "OFF");
    if (on && !sim->powered) {
        sim->powered = true;
        sim_start_up(sim);
    } else if (!on && sim->powered) {
        sim->powered = false;
        sim_reset_volatile(sim);
    }
    (void)sim_commit(sim);
}

void trustm_sim_rst(trustm_sim_t *sim, bool high)
{
    if (sim == NULL)
        return;
    sim_advance(sim);
    sim_trace(sim, "RST %s", high ? "HIGH" : "LOW");
    if (high && !sim->rst_high) {
        sim->rst_high = true;
        if (sim->powered)
            sim_start_up(sim);
    } else if (!high && sim->rst_high) {
        sim->rst_high = false;
        if (sim->powered)
            sim_reset_volatile(sim);
    }
}

void trustm_sim_sleep_us(trustm_sim_t *sim, uint32_t us)
{
    if (sim == NULL)
        return;
    sim_trace(sim, "SLEEP %lu", (unsigned long)us);
    clock_forward(sim, sim->now_ns + (uint64_t)us * 1000u);
}

void trustm_sim_clock_sync(trustm_sim_t *sim, uint64_t t_us)
{
    if (sim == NULL || t_us * 1000u <= sim->now_ns)
        return;
    clock_forward(sim, t_us * 1000u);
}

size_t trustm_sim_apdu(trustm_sim_t *sim, const uint8_t *apdu, size_t len, uint8_t *rsp, size_t rsp_size)
{
    if (sim == NULL || (apdu == NULL && len > 0) || rsp == NULL)
        return 0;
    sim_advance(sim);
    size_t n = sim_chip_execute(sim, apdu, len, rsp, rsp_size);
    sim->stats.commands++;
    int c = sim_commit(sim);
    if (c == TRUSTM_SIM_STORAGE_CUT)
        return 0; /* power lost before the response */
    if (c != 0 && n != 0)
        n = sim_chip_error_response(sim, SIM_ERR_INTERNAL, rsp);
    return n;
}

uint32_t trustm_sim_exec_time_us(const trustm_sim_t *sim, const uint8_t *apdu, size_t len)
{
    if (sim == NULL || apdu == NULL || sim->timing == TRUSTM_SIM_TIMING_NONE)
        return 0;
    return sim_chip_exec_us(sim, apdu, len);
}
