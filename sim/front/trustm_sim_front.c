/*
 * trustm_sim_front.c - I2C slave front end of the chip model: register file 0x80..0x89
 * (ifx-i2c.md §1.2, §1.3, §1.7), address phase ACK/NACK (§1.5, §1.8), the virtual clock with
 * bus timing, power/reset, fault plans, trace and statistics.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdarg.h>
#include <string.h>

#include "trustm_bytes.h"
#include "trustm_sim_int.h"

/* ---------------------------------------------------------------- helpers */

void sim_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (err == NULL || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

uint64_t sim_rng_next(uint64_t *state)
{
    uint64_t z = (*state += SIM_RNG_GAMMA);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t now_us(const trustm_sim_t *sim)
{
    return sim->now_ns / 1000u;
}

bool sim_fault_draw(trustm_sim_t *sim, uint32_t ppm)
{
    return ppm != 0 && sim_rng_next(&sim->fault_rng) % 1000000u < ppm;
}

/* One trace line "@<t> <event>"; notes (fmt starting with "# ") become comment lines
 * "# @<t> <note>", so that every line is either an event or a comment (docs/sim-socket.md). */
void sim_trace(trustm_sim_t *sim, const char *fmt, ...)
{
    if (sim->trace == NULL)
        return;
    if (fmt[0] == '#') {
        fmt += fmt[1] == ' ' ? 2 : 1;
        fprintf(sim->trace, "# @%llu ", (unsigned long long)now_us(sim));
    } else {
        fprintf(sim->trace, "@%llu ", (unsigned long long)now_us(sim));
    }
    va_list ap;
    va_start(ap, fmt);
    vfprintf(sim->trace, fmt, ap);
    va_end(ap);
    fputc('\n', sim->trace);
    fflush(sim->trace);
}

void sim_trace_bytes(trustm_sim_t *sim, const char *what, const uint8_t *b, size_t n)
{
    if (sim->trace == NULL)
        return;
    fprintf(sim->trace, "@%llu %s", (unsigned long long)now_us(sim), what);
    for (size_t i = 0; i < n; i++)
        fprintf(sim->trace, " %02X", b[i]);
    fputc('\n', sim->trace);
    fflush(sim->trace);
}

/* ------------------------------------------------------- reset and events */

static uint64_t startup_ns(const trustm_sim_t *sim)
{
    return sim->timing == TRUSTM_SIM_TIMING_NONE ? 0u : (uint64_t)SIM_STARTUP_US * 1000u;
}

/* Everything a reset (power, RST, SOFT_RESET) returns to (ifx-i2c.md §1.8). */
void sim_reset_volatile(trustm_sim_t *sim)
{
    sim->addr = sim->nv_addr;
    sim->i2c_mode = sim->nv_i2c_mode;
    sim->data_reg_len = SIM_DATA_REG_LEN_MAX;
    sim->reg_ptr = SIM_REG_NONE;
    sim->busy = false;
    sim->exec_power_loss = false;
    sim->exec_loss_after_commit = false;
    sim_link_reset(sim);
    sim_chip_reset(sim);
}

void sim_start_up(trustm_sim_t *sim)
{
    sim_reset_volatile(sim);
    sim->ready_at_ns = sim->now_ns + startup_ns(sim);
}

static bool addr_acked(trustm_sim_t *sim, uint8_t addr7)
{
    if (!sim->powered || !sim->rst_high || sim->now_ns < sim->ready_at_ns)
        return false;
    if (addr7 != sim->addr)
        return false;
    if (sim->faults.nack_next > 0) {
        sim->faults.nack_next--;
        return false;
    }
    if (sim_fault_draw(sim, sim->faults.nack_ppm))
        return false;
    return true;
}

/* Account for one transaction on the bus: START + address byte + data bytes (9 bit times each
 * including the ACK bit) + STOP at the configured SCL.  A NACKed transaction ends after the
 * address byte. */
static void bus_begin(trustm_sim_t *sim)
{
    sim->stats.transactions++;
    if (sim->any_transaction && sim->now_ns - sim->last_stop_ns < (uint64_t)SIM_GUARD_TIME_US * 1000u)
        sim->stats.guard_violations++;
}

static void bus_end(trustm_sim_t *sim, size_t bytes, bool acked)
{
    uint64_t bits = 2u + 9u * (acked ? (uint64_t)bytes + 1u : 1u);
    uint64_t ns = bits * 1000000u / sim->scl_khz;
    sim->now_ns += ns;
    sim->bus_ns += ns;
    sim->last_stop_ns = sim->now_ns;
    sim->any_transaction = true;
}

/* ------------------------------------------------------------ registers */

static uint32_t max_scl_khz(uint8_t mode)
{
    switch (mode) {
    case 1:
        return 100u;
    case 4:
        return 1000u;
    default:
        return 400u; /* 010 Fm, 011 Sm&Fm */
    }
}

/* Content of register reg as the host reads it; bytes past the end read FF (§1.2). */
static void reg_read(trustm_sim_t *sim, uint8_t reg, uint8_t *out, size_t n)
{
    uint8_t v[8];
    const uint8_t *src = v;
    size_t vlen = 0;
    const sim_frame_t *head = sim->qcount > 0 ? &sim->queue[sim->qhead] : NULL;

    switch (reg) {
    case SIM_REG_DATA:
        if (head != NULL) {
            src = head->buf;
            vlen = head->len;
        }
        break;
    case SIM_REG_DATA_REG_LEN:
        trustm_be16_put(v, sim->data_reg_len);
        vlen = 2;
        break;
    case SIM_REG_I2C_STATE:
        v[0] = (uint8_t)(SIM_I2C_STATE_SOFT_RESET | (sim->busy ? SIM_I2C_STATE_BUSY : 0u) |
                         (head != NULL ? SIM_I2C_STATE_RESP_RDY : 0u));
        v[1] = SIM_I2C_STATE_PRESENT;
        trustm_be16_put(v + 2, head != NULL ? head->len : 0u);
        vlen = 4;
        break;
    case SIM_REG_MAX_SCL_FREQU:
        trustm_be32_put(v, max_scl_khz(sim->i2c_mode));
        vlen = 4;
        break;
    case SIM_REG_GUARD_TIME:
        trustm_be32_put(v, SIM_GUARD_TIME_US);
        vlen = 4;
        break;
    case SIM_REG_TRANS_TIMEOUT:
        trustm_be32_put(v, SIM_TRANS_TIMEOUT_US / 1000u);
        vlen = 4;
        break;
    case SIM_REG_I2C_MODE:
        v[0] = 0; /* DEF_MODE always reads 0 */
        v[1] = sim->i2c_mode;
        vlen = 2;
        break;
    default: /* write-only (BASE_ADDR, SOFT_RESET), PWR_SAVE_TIMEOUT, unknown: FF */
        break;
    }
    for (size_t i = 0; i < n; i++)
        out[i] = i < vlen ? src[i] : 0xFFu;
}

/* A register write (register byte + at least one data byte).  Returns true when the write
 * requested a soft reset (performed after the transaction). */
static bool reg_write(trustm_sim_t *sim, const uint8_t *buf, size_t len)
{
    const uint8_t reg = buf[0];
    const uint8_t *d = buf + 1;
    const size_t n = len - 1;

    switch (reg) {
    case SIM_REG_DATA: {
        uint8_t frame[SIM_DATA_REG_LEN_MAX + 1];
        sim->stats.frames_in++;
        sim->host_frames_since_arm++;
        if (((sim->faults.flip_host_frame != 0 && sim->host_frames_since_arm == sim->faults.flip_host_frame) ||
             sim_fault_draw(sim, sim->faults.flip_ppm)) &&
            n <= sizeof frame) {
            memcpy(frame, d, n);
            uint64_t r = sim_rng_next(&sim->fault_rng);
            size_t bit = (size_t)(r % (n * 8u));
            frame[bit / 8u] ^= (uint8_t)(1u << (bit % 8u));
            sim_trace(sim, "# fault: flipped bit %zu of host frame %u", bit, (unsigned)sim->host_frames_since_arm);
            sim_link_receive(sim, frame, n);
        } else {
            sim_link_receive(sim, d, n);
        }
        return false;
    }
    case SIM_REG_DATA_REG_LEN:
        if (n == 2) {
            uint16_t v = trustm_be16_get(d);
            if (v >= SIM_DATA_REG_LEN_MIN)
                sim->data_reg_len = v > SIM_DATA_REG_LEN_MAX ? (uint16_t)SIM_DATA_REG_LEN_MAX : v;
        }
        return false;
    case SIM_REG_BASE_ADDR:
        if (n == 2) {
            uint8_t a = (uint8_t)(d[1] & 0x7Fu);
            if (a != 0) {
                sim->addr = a;
                if (d[0] & 0x80u) {
                    sim->nv_addr = a;
                    sim->nvm_dirty = true;
                }
            }
        }
        return false;
    case SIM_REG_I2C_MODE:
        if (n == 2) {
            uint8_t m = (uint8_t)(d[1] & 7u);
            if (m >= 1 && m <= 4) {
                sim->i2c_mode = m;
                if (d[0] & 0x80u) {
                    sim->nv_i2c_mode = m;
                    sim->nvm_dirty = true;
                }
            }
        }
        return false;
    case SIM_REG_SOFT_RESET:
        return true;
    default: /* read-only or unknown registers: ignored */
        return false;
    }
}

/* ------------------------------------------------------------------ bus */

trustm_sim_bus_t sim_front_write(trustm_sim_t *sim, uint8_t addr7, const uint8_t *buf, size_t len)
{
    bus_begin(sim);
    if (!addr_acked(sim, addr7)) {
        sim->stats.nacks++;
        sim_trace(sim, "NACK W");
        bus_end(sim, 0, false);
        return TRUSTM_SIM_NACK;
    }
    sim_trace_bytes(sim, "W", buf, len);
    bus_end(sim, len, true);
    sim->stats.bytes_written += len;
    if (len == 0)
        return TRUSTM_SIM_ACK;
    sim->reg_ptr = buf[0];
    bool soft_reset = len > 1 ? reg_write(sim, buf, len) : false;
    if (soft_reset)
        sim_start_up(sim);
    return TRUSTM_SIM_ACK;
}

trustm_sim_bus_t sim_front_read(trustm_sim_t *sim, uint8_t addr7, uint8_t *buf, size_t len)
{
    bus_begin(sim);
    if (!addr_acked(sim, addr7)) {
        sim->stats.nacks++;
        sim_trace(sim, "NACK R");
        bus_end(sim, 0, false);
        return TRUSTM_SIM_NACK;
    }
    reg_read(sim, sim->reg_ptr, buf, len);
    if (sim->reg_ptr == SIM_REG_DATA && len > 1 && sim_fault_draw(sim, sim->faults.truncate_ppm)) {
        size_t cut = 1u + (size_t)(sim_rng_next(&sim->fault_rng) % (len - 1u));
        memset(buf + cut, 0xFF, len - cut); /* the slave let go of SDA: the rest reads FF */
        sim_trace(sim, "# fault: read truncated after %zu of %zu bytes", cut, len);
    }
    sim_trace_bytes(sim, "R", buf, len);
    bus_end(sim, len, true);
    sim->stats.bytes_read += len;
    if (sim->reg_ptr == SIM_REG_DATA && len > 0 && sim->qcount > 0)
        sim_link_frame_consumed(sim); /* STOP after a DATA read: frame consumed (§1.7) */
    return TRUSTM_SIM_ACK;
}

uint64_t trustm_sim_now_us(const trustm_sim_t *sim)
{
    return sim == NULL ? 0 : now_us(sim);
}

void trustm_sim_uid(const trustm_sim_t *sim, uint8_t uid[TRUSTM_SIM_UID_SIZE])
{
    const sim_obj_t *o = sim_chip_obj((trustm_sim_t *)sim, 0xE0C2u);
    memcpy(uid, o->data, TRUSTM_SIM_UID_SIZE);
}

uint8_t trustm_sim_addr(const trustm_sim_t *sim)
{
    return sim->addr;
}

/* ------------------------------------------------------ faults, trace, stats */

void trustm_sim_faults_set(trustm_sim_t *sim, const trustm_sim_faults_t *faults)
{
    if (sim == NULL)
        return;
    if (faults == NULL)
        memset(&sim->faults, 0, sizeof sim->faults);
    else
        sim->faults = *faults;
    sim->fault_rng = sim->faults.seed;
    sim->chip_frames_since_arm = 0;
    sim->host_frames_since_arm = 0;
    char line[256];
    trustm_sim_faults_describe(sim, line, sizeof line);
    sim_trace(sim, "# faults: %s", line);
}

void trustm_sim_faults_get(const trustm_sim_t *sim, trustm_sim_faults_t *out)
{
    *out = sim->faults;
}

void trustm_sim_faults_describe(const trustm_sim_t *sim, char *buf, size_t len)
{
    const trustm_sim_faults_t *f = &sim->faults;
    /* A short buffer gets a truncated (still terminated) line; the length is checked only to
     * say so to the compiler. */
    int n =
        snprintf(buf, len,
                 "nack_next=%lu corrupt_fcs_frame=%lu drop_frame=%lu busy_extra_us=%lu flip_host_frame=%lu "
                 "power_loss_us=%lu%s seed=%llu ppm: nack=%lu fcs=%lu drop=%lu truncate=%lu flip=%lu busy=%lu(<=%luus) "
                 "power=%lu",
                 (unsigned long)f->nack_next, (unsigned long)f->corrupt_fcs_frame, (unsigned long)f->drop_frame,
                 (unsigned long)f->busy_extra_us, (unsigned long)f->flip_host_frame, (unsigned long)f->power_loss_us,
                 f->power_loss_after_commit ? " after_commit" : "", (unsigned long long)f->seed,
                 (unsigned long)f->nack_ppm, (unsigned long)f->fcs_ppm, (unsigned long)f->drop_ppm,
                 (unsigned long)f->truncate_ppm, (unsigned long)f->flip_ppm, (unsigned long)f->busy_ppm,
                 (unsigned long)f->busy_extra_max_us, (unsigned long)f->power_ppm);
    if (n < 0 && len > 0)
        buf[0] = '\0';
}

void trustm_sim_trace_set(trustm_sim_t *sim, FILE *f)
{
    if (sim == NULL)
        return;
    sim->trace = f;
    if (f != NULL) {
        fprintf(f, "# trustm-sim trace v1\n");
        fflush(f);
    }
}

void trustm_sim_stats_get(const trustm_sim_t *sim, trustm_sim_stats_t *out)
{
    *out = sim->stats;
    out->time_us = now_us(sim);
    out->bus_time_us = sim->bus_ns / 1000u;
}

void trustm_sim_stats_reset(trustm_sim_t *sim)
{
    memset(&sim->stats, 0, sizeof sim->stats);
    sim->bus_ns = 0;
}
