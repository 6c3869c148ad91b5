/* SetObjectProtected (commands.md §5.5). */
#include "trustm_cmd_protupd.h"
#include "trustm_cmd_util.h"

trustm_status_t trustm_cmd_protupd_put(trustm_wbuf_t *w, uint8_t phase, uint8_t param, const uint8_t *data, size_t len,
                                       unsigned flags)
{
    size_t max;
    switch (phase) {
    case TRUSTM_CMD_PROTUPD_START:
        max = TRUSTM_CMD_PROTUPD_MANIFEST_MAX;
        break;
    case TRUSTM_CMD_PROTUPD_CONTINUE:
    case TRUSTM_CMD_PROTUPD_FINAL:
        max = TRUSTM_CMD_PROTUPD_FRAGMENT_MAX;
        break;
    default:
        return CMD_ERR(TRUSTM_BASE_BAD_PARAM);
    }
    if (data == NULL || len == 0 || len > max ||
        (phase == TRUSTM_CMD_PROTUPD_CONTINUE && len != TRUSTM_CMD_PROTUPD_FRAGMENT_MAX))
        return CMD_ERR(TRUSTM_BASE_BAD_PARAM);
    cmd_begin(w, TRUSTM_CMD_SET_OBJECT_PROTECTED, param, flags);
    cmd_tlv(w, phase, data, len);
    return cmd_end(w, TRUSTM_APDU_MAX_DATA);
}

/* Flat forms (one contiguous buffer). */

trustm_status_t trustm_cmd_protupd_encode(uint8_t phase, uint8_t param, const uint8_t *data, size_t len, unsigned flags,
                                          uint8_t *out, size_t out_size, size_t *out_len)
{
    CMD_FLAT(trustm_cmd_protupd_put(&w, phase, param, data, len, flags));
}
