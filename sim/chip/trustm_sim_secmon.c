/*
 * trustm_sim_secmon.c - the security monitor (objects.md §8, datasheet §8): security events,
 * the event credit, the Security Event Counter (SEC, 0xE0C5), its decrement on the virtual clock
 * while the chip is powered and idle, and the throttle delay of protected operations.
 *
 * Model:
 *  - t_max = E0C9[0] x 100 ms, values above 5 s are applied as 5 s; 0 disables the monitor
 *    (SEC reads 0, no delays).  SEC_CREDIT_MAX = E0C9[2].
 *  - every full t_max of powered idle time without an event: SEC -= 1 if SEC > 0, else the
 *    credit grows by one up to its maximum.  An event restarts the t_max window.
 *  - an event uses one credit if there is one, else SEC += 1 (saturating at 255);
 *    "suspect system behaviour" sets SEC to 255 at once.
 *  - protected operations are delayed once SEC >= 128: delay = t_max x (SEC - 127) / 128, so
 *    the delay reaches t_max at SEC = 255.
 *  - SEC lives in RAM (SEC_CURR, what E0C5 reads) and in NVM (sim->sec_nvm).  Increments are
 *    written to NVM at once; decrements after E0C9[3] of them (0 counts as 1) and by
 *    CloseApplication when RAM and NVM differ (objects.md §8.2).  At start-up SEC_CURR is
 *    loaded from NVM, so decrements not yet synced are lost with the power (the safe side).
 *    The credit is RAM and cleared at every start-up.
 *  - all powered time counts toward t_max, executing or idle (the datasheet counts "t_max
 *    periods"; nothing excludes execution time); unpowered time does not (no clock).
 */
#include "sim_chip.h"

#define SECMON_TMAX_CAP_MS  5000u
#define SECMON_THROTTLE_SEC 128u

static uint64_t tmax_ns(trustm_sim_t *sim)
{
    uint64_t ms = (uint64_t)sim_chip_obj(sim, 0xE0C9u)->data[0] * 100u;
    if (ms > SECMON_TMAX_CAP_MS)
        ms = SECMON_TMAX_CAP_MS;
    return ms * 1000000u;
}

static uint8_t *sec(trustm_sim_t *sim)
{
    return &sim_chip_obj(sim, 0xE0C5u)->data[0];
}

void sim_secmon_sync(trustm_sim_t *sim)
{
    sim->chip.sec_unsynced = 0;
    if (sim->sec_nvm != *sec(sim)) {
        sim->sec_nvm = *sec(sim);
        sim->nvm_dirty = true;
    }
}

static void set_sec(trustm_sim_t *sim, uint8_t v)
{
    uint8_t old = *sec(sim);
    if (old == v)
        return;
    *sec(sim) = v;
    if (v > old) {
        sim_secmon_sync(sim);
        return;
    }
    uint8_t count = sim_chip_obj(sim, 0xE0C9u)->data[3];
    if (++sim->chip.sec_unsynced >= (count == 0 ? 1u : count))
        sim_secmon_sync(sim);
}

void sim_secmon_power_up(trustm_sim_t *sim)
{
    *sec(sim) = sim->sec_nvm; /* SEC_CURR from NVM */
    sim->chip.sec_unsynced = 0;
    sim->chip.sec_credit = 0;
    sim->chip.secmon_idle_ns = 0;
    sim->chip.secmon_last_ns = sim->now_ns;
}

void sim_secmon_tick(trustm_sim_t *sim)
{
    uint64_t now = sim->now_ns;
    if (now > sim->chip.secmon_last_ns && sim->powered)
        sim->chip.secmon_idle_ns += now - sim->chip.secmon_last_ns;
    sim->chip.secmon_last_ns = now;
    uint64_t t = tmax_ns(sim);
    if (t == 0) {
        *sec(sim) = 0; /* monitor disabled: SEC 0, stored at once */
        sim_secmon_sync(sim);
        sim->chip.secmon_idle_ns = 0;
        return;
    }
    const uint8_t credit_max = sim_chip_obj(sim, 0xE0C9u)->data[2];
    while (sim->chip.secmon_idle_ns >= t) {
        sim->chip.secmon_idle_ns -= t;
        if (*sec(sim) > 0)
            set_sec(sim, (uint8_t)(*sec(sim) - 1u));
        else if (sim->chip.sec_credit < credit_max)
            sim->chip.sec_credit++;
        else {
            sim->chip.secmon_idle_ns %= t; /* nothing left to do: skip the rest at once */
            break;
        }
    }
}

uint8_t sim_sec_get(trustm_sim_t *sim)
{
    sim_secmon_tick(sim);
    return *sec(sim);
}

void sim_secmon_event(trustm_sim_t *sim, sim_sec_event_t ev)
{
    sim_secmon_tick(sim);
    if (tmax_ns(sim) == 0)
        return;
    sim->chip.secmon_idle_ns = 0;
    if (ev == SEC_EV_SUSPECT) {
        set_sec(sim, 255);
        return;
    }
    if (sim->chip.sec_credit > 0) {
        sim->chip.sec_credit--;
        return;
    }
    if (*sec(sim) < 255u)
        set_sec(sim, (uint8_t)(*sec(sim) + 1u));
}

uint32_t sim_secmon_delay_us(const trustm_sim_t *sim)
{
    trustm_sim_t *s = (trustm_sim_t *)sim; /* lookups only: nothing is modified */
    uint8_t v = *sec(s);
    if (v < SECMON_THROTTLE_SEC)
        return 0;
    uint64_t t_us = tmax_ns(s) / 1000u;
    return (uint32_t)(t_us * (uint64_t)(v - (SECMON_THROTTLE_SEC - 1u)) / 128u);
}
