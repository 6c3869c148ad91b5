/*
 * trustm_config.h - compile-time options of the library core (TRUSTM_CFG_*), with their
 * defaults. Each option is a CMake option of the same name without CFG_ (docs/DESIGN.md,
 * "Build options"); the CMake option passes -DTRUSTM_CFG_<NAME>=0|1 to the layer that uses it.
 * The default of every option is the full behaviour; 0 removes a feature an application may not
 * need, to save flash. No option changes a type or a public header: the library's ABI is the
 * same whatever the options.
 *
 *   TRUSTM_CFG_RESET_PINS  cold and warm reset (RST/VDD pins) in the open procedure; 0: they act
 *                          as on a port without pins (soft reset instead)
 *   TRUSTM_CFG_RESET_SOFT  soft reset (SOFT_RESET register) in the open procedure; 0: a soft
 *                          reset is not done: the open only negotiates (as reset kind NONE)
 *   TRUSTM_CFG_PAL_XFER    the blocking driver uses a port's optional xfer operation (one call per
 *                          transfer, for ports where every call is a round trip); 0: xfer is
 *                          ignored, the four basic operations are used
 *   TRUSTM_CFG_STATS       bus and link statistics (trustm_stats_t) are counted; 0: they stay 0
 */
#ifndef TRUSTM_CONFIG_H
#define TRUSTM_CONFIG_H

#ifndef TRUSTM_CFG_RESET_PINS
#define TRUSTM_CFG_RESET_PINS 1
#endif
#ifndef TRUSTM_CFG_RESET_SOFT
#define TRUSTM_CFG_RESET_SOFT 1
#endif
#ifndef TRUSTM_CFG_PAL_XFER
#define TRUSTM_CFG_PAL_XFER 1
#endif
#ifndef TRUSTM_CFG_STATS
#define TRUSTM_CFG_STATS 1
#endif

/* Keep a function out of its callers: its locals then do not add to the callers' stack frames
 * (used where a large local would otherwise sit below a deep call chain). */
#if defined(__GNUC__) || defined(__clang__)
#define TRUSTM_NOINLINE __attribute__((noinline))
#else
#define TRUSTM_NOINLINE
#endif

#endif /* TRUSTM_CONFIG_H */
