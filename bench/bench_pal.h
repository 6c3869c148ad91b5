/*
 * bench_pal.h - the simulator's port behind named, never-inlined functions (bench_pal_*), shared
 * by the CPU benches: scripts/bench.sh subtracts the callgrind cost below bench_pal_* (the
 * simulator's work) from a measured operation. A bench may watch the completed transfers.
 */
#ifndef BENCH_PAL_H
#define BENCH_PAL_H

#include <stddef.h>
#include <stdint.h>

#include "trustm/trustm_pal.h"

typedef struct bench_pal_watch {
    void (*write)(const uint8_t *b, size_t n); /* after a successful I2C write */
    void (*read)(const uint8_t *b, size_t n);  /* after a successful I2C read */
} bench_pal_watch_t;

/* Forwards to trustm_pal_sim_ops (ctx = the simulator port's context). */
extern const trustm_pal_ops_t bench_pal_ops;
/* Watch the transfers from now on (NULL: stop). The watch must outlive its use. */
void bench_pal_set_watch(const bench_pal_watch_t *watch);

#endif
