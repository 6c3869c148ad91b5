/*
 * Compile-time sizes for scripts/footprint.sh: each array below is as long as the type it
 * names, so the cross compiler's symbol table (nm -S) gives sizeof on the target.
 */
#include "trustm/trustm.h"
#include "trustm/trustm_shield.h"

unsigned char footprint_sizeof_trustm_device_t[sizeof(trustm_device_t)];
unsigned char footprint_sizeof_trustm_shield_t[sizeof(trustm_shield_t)];
