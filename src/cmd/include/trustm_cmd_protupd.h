/*
 * trustm_cmd_protupd.h - SetObjectProtected APDU builder (commands.md §5.5, protected-update.md
 * §7.1): Cmd 0x83 (0x03 plain), Param = manifest format version, InData = one TLV whose tag
 * gives the phase (0x30 start with the manifest, 0x32 continue, 0x31 final with a fragment).
 */
#ifndef TRUSTM_CMD_PROTUPD_H
#define TRUSTM_CMD_PROTUPD_H

#include <stddef.h>
#include <stdint.h>

#include "trustm_cmd_int.h"

#define TRUSTM_CMD_PROTUPD_START        0x30u
#define TRUSTM_CMD_PROTUPD_FINAL        0x31u
#define TRUSTM_CMD_PROTUPD_CONTINUE     0x32u
#define TRUSTM_CMD_PROTUPD_FRAGMENT_MAX 640u
#define TRUSTM_CMD_PROTUPD_MANIFEST_MAX (TRUSTM_APDU_MAX_DATA - 3u) /* 1550 */

/* CMD BAD_PARAM for an unknown phase, empty data, a continue fragment that is not exactly 640
 * bytes, a final fragment over 640 bytes or a manifest over 1550 bytes. */
trustm_status_t trustm_cmd_protupd_encode(uint8_t phase, uint8_t param, const uint8_t *data, size_t len, unsigned flags,
                                          uint8_t *out, size_t out_size, size_t *out_len);

trustm_status_t trustm_cmd_protupd_put(trustm_wbuf_t *w, uint8_t phase, uint8_t param, const uint8_t *data, size_t len,
                                       unsigned flags);

#endif
