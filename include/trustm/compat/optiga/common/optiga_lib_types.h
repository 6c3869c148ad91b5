/*
 * optiga/common/optiga_lib_types.h - basic types of the vendor host library API
 * (host-api.md §2), provided by the trustm compatibility layer (docs/COMPAT.md).
 */
#ifndef OPTIGA_LIB_TYPES_H
#define OPTIGA_LIB_TYPES_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Status of every operation (values in optiga_lib_return_codes.h). */
typedef uint16_t optiga_lib_status_t;

/* Boolean of the vendor API: one byte, TRUE = 1, FALSE = 0. */
typedef uint8_t bool_t;
#ifndef TRUE
#define TRUE 1u
#endif
#ifndef FALSE
#define FALSE 0u
#endif

/* Portability macros vendor application code is written with: file-local functions
 * (`_STATIC_H void f(void)`) and file-local inline helpers. */
#ifndef _STATIC_H
#define _STATIC_H static
#endif
#ifndef _STATIC_INLINE
#define _STATIC_INLINE static inline
#endif

/* Export decoration: empty on every build of the compatibility layer. */
#ifndef LIBRARY_EXPORTS
#define LIBRARY_EXPORTS
#endif

#ifdef __cplusplus
}
#endif
#endif /* OPTIGA_LIB_TYPES_H */
