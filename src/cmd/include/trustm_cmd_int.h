/*
 * trustm_cmd_int.h - APDU builders and response parsers (commands.md §2, §3, §5.1-5.3): pure
 * functions over caller buffers. The only header of src/cmd for the layer above; it also
 * exposes the stack interface (trustm_stack.h) that the service API drives.
 *
 * Builders: (inputs..., flags, out, out_size, *out_len) -> TRUSTM_OK, or CMD BUFFER_TOO_SMALL /
 * BAD_PARAM. By default command codes carry the flush bit (0x80 | code, as the vendor host);
 * TRUSTM_CMD_FLAG_PLAIN selects the plain codes the datasheet logs use (0x70, 0x01, ...).
 * Parsers check every length: a response whose OutLen disagrees with its size, or whose Sta
 * is neither 00 nor FF, is CMD BAD_RESPONSE. Sta FF gives TRUSTM_DEVICE_ERR(0) ("the chip
 * reported an error; read 0xF1C2 for the code").
 */
#ifndef TRUSTM_CMD_INT_H
#define TRUSTM_CMD_INT_H

#include <stddef.h>
#include <stdint.h>

#include "trustm/trustm_status.h"
#include "trustm_apdu.h"
#include "trustm_stack.h"

#define TRUSTM_CMD_FLAG_PLAIN 0x01u /* plain command codes (no "flush last error" bit) */

#define TRUSTM_CMD_OPEN_PARAM_INIT     0x00u
#define TRUSTM_CMD_OPEN_PARAM_RESTORE  0x01u
#define TRUSTM_CMD_CLOSE_PARAM_CLOSE   0x00u
#define TRUSTM_CMD_CLOSE_PARAM_HIBERNATE 0x01u
#define TRUSTM_CMD_CONTEXT_HANDLE_SIZE 8u
#define TRUSTM_CMD_GET_DATA_PARAM_DATA 0x00u
#define TRUSTM_CMD_GET_DATA_PARAM_META 0x01u
#define TRUSTM_OID_LAST_ERROR          0xF1C2u
#define TRUSTM_CMD_STA_FAILED          TRUSTM_DEVICE_ERR(0) /* Sta FF, code not yet read */

/* Command code with or without the flush bit. */
uint8_t trustm_cmd_code(uint8_t code, unsigned flags);

/* OpenApplication: Param 0 (handle NULL) or Param 1 (8-byte context handle). */
trustm_status_t trustm_cmd_open_application_encode(uint8_t param, const uint8_t *handle, unsigned flags,
                                                   uint8_t *out, size_t out_size, size_t *out_len);
/* CloseApplication: Param 0 (close) or 1 (hibernate). */
trustm_status_t trustm_cmd_close_application_encode(uint8_t param, unsigned flags, uint8_t *out,
                                                    size_t out_size, size_t *out_len);
/* GetDataObject Param 0 with OID || offset || length (length 1..0xFFFF). */
trustm_status_t trustm_cmd_get_data_encode(uint16_t oid, uint16_t offset, uint16_t length, unsigned flags,
                                           uint8_t *out, size_t out_size, size_t *out_len);
/* GetDataObject Param 1 (metadata) with OID. */
trustm_status_t trustm_cmd_get_metadata_encode(uint16_t oid, unsigned flags, uint8_t *out, size_t out_size,
                                               size_t *out_len);
/* The Last Error Code read: always plain Cmd 01 (the flush bit would clear the code):
 * 01 00 00 06 F1 C2 00 00 00 01. */
trustm_status_t trustm_cmd_last_error_encode(uint8_t *out, size_t out_size, size_t *out_len);

/* Generic response check: OK (Sta 00, *r filled), TRUSTM_CMD_STA_FAILED (Sta FF), or
 * CMD BAD_RESPONSE. */
trustm_status_t trustm_cmd_response_decode(const uint8_t *rsp, size_t rsp_len, trustm_apdu_rsp_t *r);
/* OpenApplication / CloseApplication(0): success carries no data. */
trustm_status_t trustm_cmd_no_data_decode(const uint8_t *rsp, size_t rsp_len);
/* CloseApplication(1): exactly 8 bytes of context handle. */
trustm_status_t trustm_cmd_close_hibernate_decode(const uint8_t *rsp, size_t rsp_len,
                                                  uint8_t handle[TRUSTM_CMD_CONTEXT_HANDLE_SIZE]);
/* GetDataObject: OutData (*data, *data_len); data reads may not return more than max_len. */
trustm_status_t trustm_cmd_get_data_decode(const uint8_t *rsp, size_t rsp_len, size_t max_len,
                                           const uint8_t **data, size_t *data_len);
/* Last error read: exactly one byte of code. */
trustm_status_t trustm_cmd_last_error_decode(const uint8_t *rsp, size_t rsp_len, uint8_t *code);

#endif
