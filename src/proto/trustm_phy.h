/*
 * trustm_phy.h - physical layer engine, master side (ifx-i2c.md §1). Private to src/proto.
 *
 * One PHY operation at a time; each ends with a status:
 *   write(buf,len)    one write transaction buf[0..len), buf[0] = register address
 *   read(reg,buf,len) register read: write transaction [reg], GUARD_TIME, read transaction
 *   wait(until)       nothing until the clock reaches until
 *   pin(pin,level)    drive RST or VDD
 *
 * Transition table of a transaction (§1.4, §1.5):
 *   event                       | action
 *   now < not_before            | request WAIT(not_before)  (GUARD_TIME after every transaction)
 *   OK                          | not_before = now + GUARD_TIME; next step or op done (OK)
 *   NACK / bus error            | attempts++; attempts == nack_max -> op done with
 *                               | TRUSTM_STATUS(PHY, NACK or IO); else not_before = now + 1 ms
 *                               | and repeat the same transaction (late acknowledge)
 * The attempt counter covers both transactions of a register read (not re-armed, as [HOST]).
 */
#ifndef TRUSTM_PHY_H
#define TRUSTM_PHY_H

#include "trustm_config.h"
#include "trustm_stack.h"

/* Count n into a statistics counter of trustm_stats_t (nothing with TRUSTM_CFG_STATS 0). */
#if TRUSTM_CFG_STATS
#define TRUSTM_STAT_ADD(phy, field, n) ((phy)->stats->field += (uint32_t)(n))
#else
#define TRUSTM_STAT_ADD(phy, field, n) ((void)0)
#endif
#define TRUSTM_STAT_INC(phy, field) TRUSTM_STAT_ADD(phy, field, 1u)

void trustm_phy_setup(trustm_phy_t *phy, const trustm_stack_config_t *cfg, trustm_stats_t *stats);
void trustm_phy_set_now(trustm_phy_t *phy, uint64_t now_us);
void trustm_phy_write_start(trustm_phy_t *phy, uint8_t *buf, size_t len);
void trustm_phy_read_start(trustm_phy_t *phy, uint8_t reg, uint8_t *buf, size_t len);
/* The transaction just started waits until until_us at least (as well as its guard time). */
void trustm_phy_not_before(trustm_phy_t *phy, uint64_t until_us);
void trustm_phy_wait_start(trustm_phy_t *phy, uint64_t until_us);
void trustm_phy_pin_start(trustm_phy_t *phy, uint8_t pin, bool level);
/* Drop the current operation (abort). */
void trustm_phy_cancel(trustm_phy_t *phy);
/* TRUSTM_IN_PROGRESS + *io, or the status of the finished operation (returned once; afterwards
 * the PHY is idle and returns TRUSTM_STATUS(PHY, BAD_SEQUENCE)). */
trustm_status_t trustm_phy_next_io(trustm_phy_t *phy, trustm_io_t *io);
void trustm_phy_io_done(trustm_phy_t *phy, trustm_status_t io_status, size_t n, uint64_t now_us);
static inline uint64_t trustm_phy_now(const trustm_phy_t *phy)
{
    return phy->now;
}

#endif
