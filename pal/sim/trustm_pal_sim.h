/*
 * trustm_pal_sim.h - PAL port onto an in-process simulator instance (sim/include/trustm_sim.h).
 *
 * i2c_write / i2c_read map one call to one simulated transaction (ACK -> TRUSTM_OK, NACK ->
 * TRUSTM_PAL_NACK, bus error -> TRUSTM_PAL_IO).  now_us / sleep_us use the simulator's virtual
 * clock, so a blocking host driver runs in simulated time (fast and deterministic).  set_pin
 * drives the chip's RST (TRUSTM_PAL_PIN_RST) and supply (TRUSTM_PAL_PIN_VDD).
 */
#ifndef TRUSTM_PAL_SIM_H
#define TRUSTM_PAL_SIM_H

#include "trustm/trustm_pal.h"
#include "trustm_sim.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Fill pal for sim (borrowed: it must outlive pal).  Returns TRUSTM_OK, or
 * TRUSTM_STATUS(TRUSTM_LAYER_PAL, TRUSTM_BASE_BAD_PARAM) for NULL arguments. */
trustm_status_t trustm_pal_sim_init(trustm_pal_t *pal, trustm_sim_t *sim);

/* The ops table used by trustm_pal_sim_init (ctx = trustm_sim_t *). */
extern const trustm_pal_ops_t trustm_pal_sim_ops;

#ifdef __cplusplus
}
#endif
#endif /* TRUSTM_PAL_SIM_H */
