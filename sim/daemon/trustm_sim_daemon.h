/* trustm_sim_daemon.h - the socket server of trustm-sim (docs/sim-socket.md). */
#ifndef TRUSTM_SIM_DAEMON_H
#define TRUSTM_SIM_DAEMON_H

#include <stdbool.h>
#include <stdint.h>

#include "trustm_sim.h"

typedef struct sim_serve_opts {
    const char *state;
    const char *socket;
    bool real_clock;
    trustm_sim_timing_t timing;
    uint32_t scl_khz;
    const char *trace;
} sim_serve_opts_t;

/* Runs until SIGTERM/SIGINT or the SHUTDOWN op; returns the process exit code. */
int sim_serve(const sim_serve_opts_t *o);

#endif
