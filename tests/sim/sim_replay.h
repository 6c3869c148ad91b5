/*
 * sim_replay.h - replays a W/R transcript (shared/spec/vectors format) against a simulator
 * instance, acting as a simple host: NACKed transactions are retried every 1 ms (up to 200
 * times), GUARD_TIME (50 µs) follows every transaction, [poll] W/R pairs are repeated every
 * 500 µs of virtual time until the logged value appears (bounded), '[gpio]' and '[wait]'
 * actions drive power/RST and the clock.  XX/YY read bytes are taken from the configured UID
 * (the UID starts at the byte before the first wildcard), ZZ ZZ is recomputed as the FCS.
 */
#ifndef SIM_REPLAY_H
#define SIM_REPLAY_H

#include <stdbool.h>
#include <stddef.h>

#include "trustm_sim.h"
#include "trustm_testutil.h"

/* Returns 0 when every read matched; otherwise -1 and a message naming the line in msg. */
int sim_replay(trustm_sim_t *sim, const tv_file_t *tv, const uint8_t uid[TRUSTM_SIM_UID_SIZE], char *msg,
               size_t msglen);

#endif
