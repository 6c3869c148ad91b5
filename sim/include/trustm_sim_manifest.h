/*
 * trustm_sim_manifest.h - test and fuzzing entry point to the simulated chip's protected-update
 * manifest parser (protected-update.md §2-§5.4, strict CBOR).
 */
#ifndef TRUSTM_SIM_MANIFEST_H
#define TRUSTM_SIM_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Parse a manifest as SetObjectProtected(start) does before any object is looked at:
 * 0 if it has the profile's shape, else the device error code (0x0F invalid manifest). */
int trustm_sim_manifest_check(const uint8_t *m, size_t n);

#ifdef __cplusplus
}
#endif
#endif /* TRUSTM_SIM_MANIFEST_H */
