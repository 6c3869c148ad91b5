/* Coprocessor UID decoder (0xE0C2, objects.md §6.1). Pure. */
#include "trustm/trustm_device.h"
#include "trustm_bytes.h"

static uint16_t bcd16_value(uint16_t bcd)
{
    uint16_t v = 0;
    for (int shift = 12; shift >= 0; shift -= 4) {
        unsigned digit = (bcd >> shift) & 0xFu;
        if (digit > 9u)
            return 0xFFFFu;
        v = (uint16_t)(v * 10u + digit);
    }
    return v;
}

trustm_status_t trustm_uid_decode(const uint8_t *buf, size_t len, trustm_uid_t *uid)
{
    if (buf == NULL || uid == NULL || len != TRUSTM_UID_SIZE)
        return TRUSTM_STATUS(TRUSTM_LAYER_API, TRUSTM_BASE_BAD_PARAM);
    uid->cim_id = buf[0];
    uid->platform_id = buf[1];
    uid->model_id = buf[2];
    uid->rom_mask_id = trustm_be16_get(buf + 3);
    for (int i = 0; i < 6; i++) {
        uid->chip_type[i] = buf[5 + i];
        uid->batch_number[i] = buf[11 + i];
    }
    uid->x_coordinate = trustm_be16_get(buf + 17);
    uid->y_coordinate = trustm_be16_get(buf + 19);
    uid->firmware_id = trustm_be32_get(buf + 21);
    uid->esw_build_bcd = trustm_be16_get(buf + 25);
    uid->esw_build = bcd16_value(uid->esw_build_bcd);
    return TRUSTM_OK;
}
