/*
 * trustm_sim_shield.h - test hooks and figures of the simulator's Shielded Connection.
 * TEST MODE ONLY: fixed handshake randoms make a session predictable; never in a product.
 */
#ifndef TRUSTM_SIM_SHIELD_H
#define TRUSTM_SIM_SHIELD_H

#include <stddef.h>
#include <stdint.h>

#include "trustm_sim.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Use rnd (32 bytes) and the sequence numbers for the next handshakes (NULL rnd: random again). */
void trustm_sim_shield_fix_randoms(trustm_sim_t *sim, const uint8_t rnd[32], uint32_t sseq, uint32_t mseq);
/* The chip's random generator returns these bytes next (at most 64), then its own again. */
void trustm_sim_shield_queue_random(trustm_sim_t *sim, const uint8_t *bytes, size_t len);
/* Handshakes completed and records that failed their MAC check since creation. */
uint32_t trustm_sim_shield_handshakes(const trustm_sim_t *sim);
uint32_t trustm_sim_shield_mac_failures(const trustm_sim_t *sim);

#ifdef __cplusplus
}
#endif
#endif
