/*
 * optiga/pal/pal_os_datastore.h - the vendor PAL's host data store, as the compatibility layer
 * provides it (static storage, no file system): ID 0x11 the platform binding secret of the
 * Shielded Connection (initially the vendor sample 01 02 .. 40, 64 bytes), ID 0x22 the saved
 * Shielded Connection session (written and read by the layer around hibernate), ID 0x33 the
 * hibernate handle. A platform that keeps the secret elsewhere writes it here at start-up.
 */
#ifndef PAL_OS_DATASTORE_H
#define PAL_OS_DATASTORE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef uint16_t pal_status_t;
#define PAL_STATUS_SUCCESS 0x0000u
#define PAL_STATUS_FAILURE 0x0001u

#define OPTIGA_PLATFORM_BINDING_SHARED_SECRET_ID 0x11u
#define OPTIGA_COMMS_MANAGE_CONTEXT_ID           0x22u
#define OPTIGA_HIBERNATE_CONTEXT_ID              0x33u

pal_status_t pal_os_datastore_write(uint16_t datastore_id, const uint8_t *p_buffer, uint16_t length);
/* *p_buffer_length: in the buffer size, out the length read. */
pal_status_t pal_os_datastore_read(uint16_t datastore_id, uint8_t *p_buffer, uint16_t *p_buffer_length);

#ifdef __cplusplus
}
#endif
#endif /* PAL_OS_DATASTORE_H */
