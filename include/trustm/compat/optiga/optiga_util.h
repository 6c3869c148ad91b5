/*
 * optiga/optiga_util.h - vendor "util" service API (host-api.md §5) on trustm.
 *
 * Execution model of the compatibility layer (docs/COMPAT.md): by default every operation runs
 * to completion inside the call and the instance's callback is invoked exactly once, before the
 * call returns OPTIGA_LIB_SUCCESS; in deferred mode (trustm_compat_set_deferred) the callback
 * fires from trustm_compat_event_process(). A call rejected up front (bad argument, instance
 * busy) returns the error and does not call the callback. Before the first create, the platform
 * set-up binds the trustm device: trustm_compat_bind() in optiga/trustm_compat.h.
 */
#ifndef OPTIGA_UTIL_H
#define OPTIGA_UTIL_H

#include <stdint.h>

#include "optiga/common/optiga_lib_common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct optiga_util optiga_util_t; /* opaque, from a static pool */

/* Instance from the pool; NULL on NULL handler, unknown instance id, no bound device, or when
 * OPTIGA_CMD_MAX_REGISTRATIONS instances exist. */
LIBRARY_EXPORTS optiga_util_t *optiga_util_create(uint8_t optiga_instance_id, callback_handler_t handler,
                                                  void *caller_context);
/* OPTIGA_UTIL_ERROR_INSTANCE_IN_USE while its operation is in flight (deferred mode). */
LIBRARY_EXPORTS optiga_lib_status_t optiga_util_destroy(optiga_util_t *me);
/* Shielded Connection parameters: stored for the next call only. A protection level other
 * than OPTIGA_COMMS_NO_PROTECTION runs that call protected when the bound device has a shield
 * (trustm_compat_shield), and makes it fail with OPTIGA_UTIL_ERROR otherwise. */
LIBRARY_EXPORTS void optiga_util_set_comms_params(optiga_util_t *me, uint8_t parameter_type, uint8_t value);

#ifdef OPTIGA_COMMS_SHIELDED_CONNECTION
#define OPTIGA_UTIL_SET_COMMS_PROTECTION_LEVEL(me, level)                                                              \
    optiga_util_set_comms_params((me), OPTIGA_COMMS_PROTECTION_LEVEL, (level))
#define OPTIGA_UTIL_SET_COMMS_PROTOCOL_VERSION(me, version)                                                            \
    optiga_util_set_comms_params((me), OPTIGA_COMMS_PROTOCOL_VERSION, (version))
#else
#define OPTIGA_UTIL_SET_COMMS_PROTECTION_LEVEL(me, level)   ((void)(me), (void)(level))
#define OPTIGA_UTIL_SET_COMMS_PROTOCOL_VERSION(me, version) ((void)(me), (void)(version))
#endif

LIBRARY_EXPORTS optiga_lib_status_t optiga_util_open_application(optiga_util_t *me, bool_t perform_restore);
LIBRARY_EXPORTS optiga_lib_status_t optiga_util_close_application(optiga_util_t *me, bool_t perform_hibernate);
LIBRARY_EXPORTS optiga_lib_status_t optiga_util_read_data(optiga_util_t *me, uint16_t optiga_oid, uint16_t offset,
                                                          uint8_t *buffer, uint16_t *length);
LIBRARY_EXPORTS optiga_lib_status_t optiga_util_read_metadata(optiga_util_t *me, uint16_t optiga_oid, uint8_t *buffer,
                                                              uint16_t *length);
LIBRARY_EXPORTS optiga_lib_status_t optiga_util_write_data(optiga_util_t *me, uint16_t optiga_oid, uint8_t write_type,
                                                           uint16_t offset, const uint8_t *buffer, uint16_t length);
LIBRARY_EXPORTS optiga_lib_status_t optiga_util_write_metadata(optiga_util_t *me, uint16_t optiga_oid,
                                                               const uint8_t *buffer, uint8_t length);
LIBRARY_EXPORTS optiga_lib_status_t optiga_util_update_count(optiga_util_t *me, uint16_t optiga_counter_oid,
                                                             uint8_t count);
LIBRARY_EXPORTS optiga_lib_status_t optiga_util_protected_update_start(optiga_util_t *me, uint8_t manifest_version,
                                                                       const uint8_t *manifest,
                                                                       uint16_t manifest_length);
LIBRARY_EXPORTS optiga_lib_status_t optiga_util_protected_update_continue(optiga_util_t *me, const uint8_t *fragment,
                                                                          uint16_t fragment_length);
LIBRARY_EXPORTS optiga_lib_status_t optiga_util_protected_update_final(optiga_util_t *me, const uint8_t *fragment,
                                                                       uint16_t fragment_length);

#ifdef __cplusplus
}
#endif
#endif /* OPTIGA_UTIL_H */
