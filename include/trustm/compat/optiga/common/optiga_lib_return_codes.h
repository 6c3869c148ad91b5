/*
 * optiga/common/optiga_lib_return_codes.h - status codes of the vendor host library API
 * (host-api.md §2). The values are those of the vendor library so that application code that
 * compares or masks them (e.g. (status & 0xFF00) == 0x0100 for a communication error) keeps
 * working. How trustm statuses map onto them: docs/COMPAT.md.
 */
#ifndef OPTIGA_LIB_RETURN_CODES_H
#define OPTIGA_LIB_RETURN_CODES_H

#include "optiga/common/optiga_lib_types.h"

#ifdef __cplusplus
extern "C" {
#endif

#define OPTIGA_LIB_SUCCESS 0x0000u
#define OPTIGA_LIB_BUSY    0x0001u

/* Chip answered with an error: low byte = Last Error Code (0xF1C2). */
#define OPTIGA_DEVICE_ERROR 0x8000u

#define OPTIGA_COMMS_SUCCESS                   0x0000u
#define OPTIGA_COMMS_BUSY                      0x0001u
#define OPTIGA_COMMS_ERROR                     0x0102u
#define OPTIGA_COMMS_ERROR_INVALID_INPUT       0x0103u
#define OPTIGA_COMMS_ERROR_MEMORY_INSUFFICIENT 0x0104u
#define OPTIGA_COMMS_ERROR_STACK_MEMORY        0x0105u
#define OPTIGA_COMMS_ERROR_FATAL               0x0106u
#define OPTIGA_COMMS_ERROR_HANDSHAKE           0x0107u
#define OPTIGA_COMMS_ERROR_SESSION             0x0108u

#define OPTIGA_CMD_SUCCESS                   0x0000u
#define OPTIGA_CMD_BUSY                      0x0001u
#define OPTIGA_CMD_ERROR                     0x0202u
#define OPTIGA_CMD_ERROR_INVALID_INPUT       0x0203u
#define OPTIGA_CMD_ERROR_MEMORY_INSUFFICIENT 0x0204u

#define OPTIGA_UTIL_SUCCESS                   0x0000u
#define OPTIGA_UTIL_BUSY                      0x0001u
#define OPTIGA_UTIL_ERROR                     0x0302u
#define OPTIGA_UTIL_ERROR_INVALID_INPUT       0x0303u
#define OPTIGA_UTIL_ERROR_MEMORY_INSUFFICIENT 0x0304u
#define OPTIGA_UTIL_ERROR_INSTANCE_IN_USE     0x0305u

#define OPTIGA_CRYPT_SUCCESS                   0x0000u
#define OPTIGA_CRYPT_BUSY                      0x0001u
#define OPTIGA_CRYPT_ERROR                     0x0402u
#define OPTIGA_CRYPT_ERROR_INVALID_INPUT       0x0403u
#define OPTIGA_CRYPT_ERROR_MEMORY_INSUFFICIENT 0x0404u
#define OPTIGA_CRYPT_ERROR_INSTANCE_IN_USE     0x0405u

#ifdef __cplusplus
}
#endif
#endif /* OPTIGA_LIB_RETURN_CODES_H */
