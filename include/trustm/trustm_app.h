/*
 * trustm_app.h - application-level services: session context allocation, hibernate
 * (CloseApplication with context save) and the SEC wait that hibernate needs
 * (commands.md §2.6, §5.1, §5.2; objects.md §8, §9). Restore: trustm_device_open_restore().
 */
#ifndef TRUSTM_APP_H
#define TRUSTM_APP_H

#include <stdint.h>

#include "trustm_device.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TRUSTM_OID_SESSION_FIRST 0xE100u
#define TRUSTM_SESSION_COUNT     4u

/* Host-side allocator of the four session contexts (no I/O). The chip does not allocate:
 * this only keeps callers of one device from picking the same OID. Acquire gives the lowest
 * free OID (API NOT_FOUND when all four are taken); release of an OID not held is BAD_PARAM.
 * All sessions are released by trustm_device_open() and trustm_device_close() (the chip
 * empties them) but kept across trustm_device_hibernate()/trustm_device_open_restore(). */
TRUSTM_MUST_CHECK trustm_status_t trustm_session_acquire(trustm_device_t *dev, uint16_t *oid);
TRUSTM_MUST_CHECK trustm_status_t trustm_session_release(trustm_device_t *dev, uint16_t oid);

/* CloseApplication Param 1: save the context and close; the 8-byte handle (exactly 8 bytes in
 * the response, else CMD BAD_RESPONSE) is returned to the caller, who keeps it for
 * trustm_device_open_restore(). The chip refuses with DEVICE_ERR(0x0B) unless SEC == 0. */
TRUSTM_MUST_CHECK trustm_status_t trustm_device_hibernate(trustm_device_t *dev,
                                                          uint8_t handle[TRUSTM_CONTEXT_HANDLE_SIZE]);
TRUSTM_MUST_CHECK trustm_status_t trustm_op_start_device_hibernate(trustm_device_t *dev,
                                                                   uint8_t handle[TRUSTM_CONTEXT_HANDLE_SIZE]);

/* Poll the Security Event Counter (0xE0C5) every poll_us until it reads 0, for at most
 * budget_us (counted in polls: 1 + budget_us / poll_us reads). API TIMEOUT when it did not reach
 * 0; *sec (may be NULL) holds the last value read. poll_us 0 = 100 ms. */
TRUSTM_MUST_CHECK trustm_status_t trustm_sec_wait_zero(trustm_device_t *dev, uint32_t budget_us, uint32_t poll_us,
                                                       uint8_t *sec);
TRUSTM_MUST_CHECK trustm_status_t trustm_op_start_sec_wait_zero(trustm_device_t *dev, uint32_t budget_us,
                                                                uint32_t poll_us, uint8_t *sec);

#ifdef __cplusplus
}
#endif
#endif /* TRUSTM_APP_H */
