/*
 * optiga/trustm_compat.h - platform set-up of the vendor-API compatibility layer.
 *
 * The vendor library finds its chip through its PAL; with trustm the platform code creates and
 * initialises a trustm_device_t (trustm_device_init with its trustm_pal_t) and binds it once:
 *
 *     trustm_device_init(&dev, &pal, NULL);
 *     trustm_compat_bind(&dev, &pal);
 *     ... unchanged vendor-API application code (optiga_util_create, ...) ...
 *
 * The layer keeps its state in static storage (no malloc): the bound device, a pool of
 * OPTIGA_CMD_MAX_REGISTRATIONS instances, the hibernate handle (the vendor's data store ID
 * 0x33) and the owner of the strict lock. It is not thread-safe (one chip, one caller).
 */
#ifndef TRUSTM_COMPAT_H
#define TRUSTM_COMPAT_H

#include <stdint.h>

#include "optiga/common/optiga_lib_return_codes.h"
#include "trustm/trustm_device.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bind the (initialised) device all instances use, and the PAL it was initialised with (used by
 * optiga/pal/pal_os_timer.h; may be NULL: time 0, no delays). Rebinding while instances exist
 * is refused with OPTIGA_UTIL_ERROR_INSTANCE_IN_USE; NULL dev is OPTIGA_UTIL_ERROR_INVALID_INPUT.
 * Both are borrowed until trustm_compat_reset(). */
optiga_lib_status_t trustm_compat_bind(trustm_device_t *dev, const trustm_pal_t *pal);
/* Execution model. Default (deferred = 0): every operation runs to completion inside the call
 * and the callback fires before the call returns, so unchanged vendor code that spins on a
 * status variable works without any event service. Deferred (1): a call starts the trustm
 * non-blocking operation and returns; the platform drives it by calling
 * trustm_compat_event_process() (from the application's wait loop, a timer or an event task, as
 * the vendor PAL event service would), and the callback fires from there. A call made while
 * another instance's operation is in flight first completes that one (the chip serves one
 * request at a time). Refused (OPTIGA_CMD_ERROR) while an operation is in flight. */
optiga_lib_status_t trustm_compat_set_deferred(int deferred);
/* Deferred mode: at most one bus I/O of the operation in flight, never sleeps; completes it
 * (callback) when done. Returns 1 while an operation is still in flight, else 0. *next_us (may
 * be NULL) gets the PAL time at which calling again is useful. */
int trustm_compat_event_process(uint64_t *next_us);

#ifdef TRUSTM_CFG_SHIELD
#include "trustm/trustm_shield.h"
/* Shielded Connection for vendor-API code: a context (static storage) whose platform binding
 * secret is read from the PAL data store ID 0x11 (optiga/pal/pal_os_datastore.h) and whose
 * saved session is data store ID 0x22. Put it into trustm_config_t.shield before
 * trustm_device_init(); crypto is the platform's ops table (e.g. trustm_shield_crypto_mbedtls()).
 * The protection level of each call comes from OPTIGA_UTIL/CRYPT_SET_COMMS_PROTECTION_LEVEL. */
trustm_shield_t *trustm_compat_shield(const trustm_shield_crypto_t *crypto);
#endif

/* Forget everything: instances (their pointers become invalid), device, hibernate handle
 * (wiped), lock, the PAL data store's secret (back to the vendor sample). For tests and for a platform shutdown. */
void trustm_compat_reset(void);
/* Map a trustm status onto the vendor status codes (table in docs/COMPAT.md). crypt selects the
 * layer of argument errors (OPTIGA_CRYPT_* instead of OPTIGA_UTIL_*). */
optiga_lib_status_t trustm_compat_status(trustm_status_t s, int crypt);
/* The trustm status behind the last completion of an instance (optiga_util_t * or
 * optiga_crypt_t *), for diagnostics; TRUSTM_OK for NULL or an unknown pointer. */
trustm_status_t trustm_compat_last_status(const void *instance);

#ifdef __cplusplus
}
#endif
#endif /* TRUSTM_COMPAT_H */
