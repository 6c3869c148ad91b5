#include "trustm_frame.h"

#include <string.h>

#include "trustm_bytes.h"
#include "trustm_crc16.h"

uint8_t trustm_dl_fctr_encode(const trustm_dl_fctr_t *f)
{
    return (uint8_t)(((unsigned)f->ftype << 7) | (((unsigned)f->seqctr & 3u) << 5) |
                     (f->rfu ? TRUSTM_DL_FCTR_RFU : 0u) | ((f->frnr & 3u) << 2) | (f->acknr & 3u));
}

void trustm_dl_fctr_decode(uint8_t fctr, trustm_dl_fctr_t *f)
{
    f->ftype = (fctr & TRUSTM_DL_FCTR_FTYPE) ? TRUSTM_DL_FTYPE_CONTROL : TRUSTM_DL_FTYPE_DATA;
    f->seqctr = (trustm_dl_seqctr_t)((fctr >> 5) & 3u);
    f->rfu = (fctr & TRUSTM_DL_FCTR_RFU) != 0;
    f->frnr = (uint8_t)((fctr >> 2) & 3u);
    f->acknr = (uint8_t)(fctr & 3u);
}

bool trustm_dl_fctr_is_valid(uint8_t fctr)
{
    if (fctr <= 0x0Fu || (fctr >= 0x20u && fctr <= 0x2Fu))
        return true; /* data frame, ACK or NAK piggy-backed */
    if ((fctr >= 0x80u && fctr <= 0x83u) || (fctr >= 0xA0u && fctr <= 0xA3u))
        return true;                      /* control ACK / NAK */
    return fctr == TRUSTM_DL_FCTR_RESYNC; /* re-sync; everything else is "not used" */
}

void trustm_dl_frame_seal(uint8_t *frame, uint8_t fctr, size_t packet_len)
{
    uint8_t *fcs = frame + TRUSTM_DL_HEADER_SIZE + packet_len; /* the only value kept over the CRC call */
    frame[0] = fctr;
    trustm_be16_put(frame + 1, (uint16_t)packet_len);
    trustm_be16_put(fcs, trustm_crc16(frame, (size_t)(fcs - frame)));
}

size_t trustm_dl_frame_encode(uint8_t fctr, const uint8_t *packet, size_t packet_len, uint8_t *out, size_t out_size)
{
    if (packet_len > 0xFFFFu || out_size < TRUSTM_DL_OVERHEAD || packet_len > out_size - TRUSTM_DL_OVERHEAD)
        return 0;
    if (packet_len > 0)
        memmove(out + TRUSTM_DL_HEADER_SIZE, packet, packet_len);
    trustm_dl_frame_seal(out, fctr, packet_len);
    return packet_len + TRUSTM_DL_OVERHEAD;
}

trustm_dl_frame_result_t trustm_dl_frame_decode(const uint8_t *buf, size_t len, trustm_dl_frame_t *f)
{
    if (buf == NULL || len < TRUSTM_DL_OVERHEAD)
        return TRUSTM_DL_FRAME_SHORT;
    uint16_t flen = trustm_be16_get(buf + 1);
    if ((size_t)flen + TRUSTM_DL_OVERHEAD != len)
        return TRUSTM_DL_FRAME_LEN;
    uint16_t crc = trustm_crc16(buf, TRUSTM_DL_HEADER_SIZE + (size_t)flen);
    if (crc != trustm_be16_get(buf + TRUSTM_DL_HEADER_SIZE + flen))
        return TRUSTM_DL_FRAME_FCS;
    f->fctr = buf[0];
    f->len = flen;
    f->packet = buf + TRUSTM_DL_HEADER_SIZE;
    return TRUSTM_DL_FRAME_OK;
}
