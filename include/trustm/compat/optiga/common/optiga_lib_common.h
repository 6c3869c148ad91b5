/*
 * optiga/common/optiga_lib_common.h - constants, callback type and public structures shared
 * by optiga_util and optiga_crypt (host-api.md §2, §3.1, §3.3).
 */
#ifndef OPTIGA_LIB_COMMON_H
#define OPTIGA_LIB_COMMON_H

#include <stdint.h>

#include "optiga/common/optiga_lib_return_codes.h"
#include "optiga/common/optiga_lib_types.h"
#include "optiga/optiga_lib_config.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Completion callback: called exactly once per accepted operation. */
typedef void (*callback_handler_t)(void *callback_ctx, optiga_lib_status_t event);

#define OPTIGA_INSTANCE_ID_0 0x00u

#define OPTIGA_COMMS_NO_PROTECTION                      0x00u
#define OPTIGA_COMMS_COMMAND_PROTECTION                 0x01u
#define OPTIGA_COMMS_RESPONSE_PROTECTION                0x02u
#define OPTIGA_COMMS_FULL_PROTECTION                    0x03u
#define OPTIGA_COMMS_RE_ESTABLISH                       0x80u
#define OPTIGA_COMMS_PROTOCOL_VERSION_PRE_SHARED_SECRET 0x01u
#define OPTIGA_COMMS_PROTECTION_LEVEL                   0x01u
#define OPTIGA_COMMS_PROTOCOL_VERSION                   0x02u

#define OPTIGA_CRYPT_HOST_DATA 0x01u
#define OPTIGA_CRYPT_OID_DATA  0x00u

#define OPTIGA_UTIL_WRITE_ONLY      0x00u
#define OPTIGA_UTIL_ERASE_AND_WRITE 0x40u
#define OPTIGA_UTIL_CONTEXT_NONE    0x00u

#define OPTIGA_LIB_INSTANCE_FREE 0x0000u
#define OPTIGA_LIB_INSTANCE_BUSY 0x0001u

#ifdef __cplusplus
}
#endif
#endif /* OPTIGA_LIB_COMMON_H */
