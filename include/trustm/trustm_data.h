/*
 * trustm_data.h - data objects, metadata, monotonic counters and life cycle states
 * (commands.md §5.3, §5.4; objects.md §3, §5, §6.2).
 *
 * Every operation exists as a blocking call and as trustm_op_start_* for the non-blocking
 * driver (trustm_op_poll / trustm_op_run / trustm_op_abort, trustm_device.h). Reading data is
 * trustm_data_read() / trustm_metadata_read() in trustm_device.h.
 */
#ifndef TRUSTM_DATA_H
#define TRUSTM_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "trustm_device.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Write types (SetDataObject Param). */
#define TRUSTM_WRITE_ONLY      0x00u /* write at offset; used size = max(used, offset + len) */
#define TRUSTM_ERASE_AND_WRITE 0x40u /* clear the object once, then write at offset       */

/* Life cycle state values (objects.md §5). */
#define TRUSTM_LCS_CREATION       0x01u
#define TRUSTM_LCS_INITIALIZATION 0x03u
#define TRUSTM_LCS_OPERATIONAL    0x07u
#define TRUSTM_LCS_TERMINATION    0x0Fu

#define TRUSTM_OID_LCS_GLOBAL 0xE0C0u /* LcsG */
#define TRUSTM_OID_LCS_APP    0xF1C0u /* LcsA */
#define TRUSTM_OID_SEC        0xE0C5u /* Security Event Counter */

/* Write len bytes (0..65535 - offset) at offset, in SetDataObject chunks of at most 1549
 * bytes; only the first chunk carries TRUSTM_ERASE_AND_WRITE (the object is erased once).
 * A failure after the first chunk leaves a partial write (as on the chip). */
TRUSTM_MUST_CHECK trustm_status_t trustm_data_write(trustm_device_t *dev, uint16_t oid, uint8_t write_type,
                                                    uint16_t offset, const uint8_t *data, size_t len);
TRUSTM_MUST_CHECK trustm_status_t trustm_op_start_data_write(trustm_device_t *dev, uint16_t oid, uint8_t write_type,
                                                             uint16_t offset, const uint8_t *data, size_t len);

/* Write metadata: md is a complete container 20 LL <tags to change> (trustm_metadata.h builds
 * one); API BAD_PARAM if it is not well formed. */
TRUSTM_MUST_CHECK trustm_status_t trustm_metadata_write(trustm_device_t *dev, uint16_t oid, const uint8_t *md,
                                                        size_t md_len);
TRUSTM_MUST_CHECK trustm_status_t trustm_op_start_metadata_write(trustm_device_t *dev, uint16_t oid, const uint8_t *md,
                                                                 size_t md_len);

/* Monotonic counters (objects.md §6.2). Increment by value 1..255: SetDataObject Param 2 (count). */
TRUSTM_MUST_CHECK trustm_status_t trustm_counter_increment(trustm_device_t *dev, uint16_t oid, uint8_t value);
TRUSTM_MUST_CHECK trustm_status_t trustm_op_start_counter_increment(trustm_device_t *dev, uint16_t oid, uint8_t value);
/* Read the 8-byte counter object: value (bytes 0..3) and threshold (4..7). A response that is
 * not exactly 8 bytes is CMD BAD_RESPONSE. The outputs are written on success only. */
TRUSTM_MUST_CHECK trustm_status_t trustm_counter_read(trustm_device_t *dev, uint16_t oid, uint32_t *value,
                                                      uint32_t *threshold);
TRUSTM_MUST_CHECK trustm_status_t trustm_op_start_counter_read(trustm_device_t *dev, uint16_t oid, uint32_t *value,
                                                               uint32_t *threshold);
/* (Re)initialise a counter: write value || threshold (needs the counter's CHA AC). */
TRUSTM_MUST_CHECK trustm_status_t trustm_counter_set(trustm_device_t *dev, uint16_t oid, uint32_t value,
                                                     uint32_t threshold);
TRUSTM_MUST_CHECK trustm_status_t trustm_op_start_counter_set(trustm_device_t *dev, uint16_t oid, uint32_t value,
                                                              uint32_t threshold);

/* Life cycle: LcsO of an object through its metadata (20 03 C0 01 lcs); LcsG (E0C0) and LcsA
 * (F1C0) through a one-byte data write. lcs must be one of TRUSTM_LCS_* (LcsA: not
 * termination). The chip refuses to move a state backwards. */
TRUSTM_MUST_CHECK trustm_status_t trustm_lcso_set(trustm_device_t *dev, uint16_t oid, uint8_t lcs);
TRUSTM_MUST_CHECK trustm_status_t trustm_op_start_lcso_set(trustm_device_t *dev, uint16_t oid, uint8_t lcs);
TRUSTM_MUST_CHECK trustm_status_t trustm_lcs_set(trustm_device_t *dev, uint16_t lcs_oid, uint8_t lcs);
TRUSTM_MUST_CHECK trustm_status_t trustm_op_start_lcs_set(trustm_device_t *dev, uint16_t lcs_oid, uint8_t lcs);
/* Read a one-byte object exactly (LcsG, LcsA, SEC, ...): anything but one byte is BAD_RESPONSE. */
TRUSTM_MUST_CHECK trustm_status_t trustm_byte_read(trustm_device_t *dev, uint16_t oid, uint8_t *value);
TRUSTM_MUST_CHECK trustm_status_t trustm_op_start_byte_read(trustm_device_t *dev, uint16_t oid, uint8_t *value);

#ifdef __cplusplus
}
#endif
#endif /* TRUSTM_DATA_H */
