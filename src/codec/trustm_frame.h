/*
 * trustm_frame.h - IFX I2C data link frame codec (ifx-i2c.md §2.1-2.3). Pure: no state.
 *
 *   frame = FCTR (1) | LEN (2, BE) | packet (LEN) | FCS (2, CRC-16 high byte first)
 *
 * FCTR (Table 8-1):  bit 7 FTYPE | bits 6:5 SEQCTR | bit 4 RFU | bits 3:2 FRNR | bits 1:0 ACKNR
 */
#ifndef TRUSTM_FRAME_H
#define TRUSTM_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TRUSTM_DL_HEADER_SIZE 3u                                         /* FCTR + LEN */
#define TRUSTM_DL_OVERHEAD    5u                                         /* FCTR + LEN + FCS */
#define TRUSTM_DL_FRAME_MIN   16u                                        /* smallest DATA_REG_LEN the protocol allows */
#define TRUSTM_DL_FRAME_MAX   277u                                       /* M2 ID2 DATA_REG_LEN (0x0115) */
#define TRUSTM_DL_PACKET_MAX  (TRUSTM_DL_FRAME_MAX - TRUSTM_DL_OVERHEAD) /* MAX_PACKET_SIZE 272 */

#define TRUSTM_DL_FCTR_FTYPE  0x80u /* 1 = control frame */
#define TRUSTM_DL_FCTR_SEQCTR 0x60u
#define TRUSTM_DL_FCTR_RFU    0x10u
#define TRUSTM_DL_FCTR_FRNR   0x0Cu
#define TRUSTM_DL_FCTR_ACKNR  0x03u

typedef enum trustm_dl_ftype { TRUSTM_DL_FTYPE_DATA = 0, TRUSTM_DL_FTYPE_CONTROL = 1 } trustm_dl_ftype_t;

typedef enum trustm_dl_seqctr {
    TRUSTM_DL_SEQCTR_ACK = 0,
    TRUSTM_DL_SEQCTR_NAK = 1,
    TRUSTM_DL_SEQCTR_RESYNC = 2,
    TRUSTM_DL_SEQCTR_RFU = 3
} trustm_dl_seqctr_t;

typedef struct trustm_dl_fctr {
    trustm_dl_ftype_t ftype;
    trustm_dl_seqctr_t seqctr;
    bool rfu;      /* bit 4 set (invalid) */
    uint8_t frnr;  /* 0..3 */
    uint8_t acknr; /* 0..3 */
} trustm_dl_fctr_t;

uint8_t trustm_dl_fctr_encode(const trustm_dl_fctr_t *f);
void trustm_dl_fctr_decode(uint8_t fctr, trustm_dl_fctr_t *f);
/* True when the FCTR byte is one of the encodings Table 8-1 defines (data 0x00-0x0F,
 * data+NAK 0x20-0x2F, control ACK 0x80-0x83, NAK 0xA0-0xA3, re-sync 0xC0). */
bool trustm_dl_fctr_is_valid(uint8_t fctr);

/* Convenience constructors for the FCTR byte. */
static inline uint8_t trustm_dl_fctr_data(uint8_t frnr, uint8_t acknr)
{
    return (uint8_t)(((frnr & 3u) << 2) | (acknr & 3u));
}
static inline uint8_t trustm_dl_fctr_ack(uint8_t acknr)
{
    return (uint8_t)(0x80u | (acknr & 3u));
}
static inline uint8_t trustm_dl_fctr_nak(uint8_t acknr)
{
    return (uint8_t)(0xA0u | (acknr & 3u));
}
#define TRUSTM_DL_FCTR_RESYNC 0xC0u

/*
 * Encode a frame into out[0..out_size). packet may be NULL when packet_len is 0.
 * Returns the frame length (packet_len + 5), or 0 if out_size is too small or
 * packet_len > 0xFFFF.
 */
size_t trustm_dl_frame_encode(uint8_t fctr, const uint8_t *packet, size_t packet_len, uint8_t *out, size_t out_size);

/*
 * Complete a frame whose packet is already in place at frame[3..3+packet_len): write FCTR and
 * LEN in front and the FCS behind it (frame holds packet_len + 5 bytes, packet_len <= 0xFFFF).
 * The engine builds its frames this way (no copy of the packet).
 */
void trustm_dl_frame_seal(uint8_t *frame, uint8_t fctr, size_t packet_len);

typedef enum trustm_dl_frame_result {
    TRUSTM_DL_FRAME_OK = 0,
    TRUSTM_DL_FRAME_SHORT, /* fewer than 5 bytes                         */
    TRUSTM_DL_FRAME_LEN,   /* 5 + LEN != number of bytes received         */
    TRUSTM_DL_FRAME_FCS    /* checksum wrong                             */
} trustm_dl_frame_result_t;

typedef struct trustm_dl_frame {
    uint8_t fctr;
    uint16_t len;
    const uint8_t *packet; /* points into the decoded buffer (len bytes) */
} trustm_dl_frame_t;

/* Decode and check a received frame. On TRUSTM_DL_FRAME_OK, *f describes it. */
trustm_dl_frame_result_t trustm_dl_frame_decode(const uint8_t *buf, size_t len, trustm_dl_frame_t *f);

#endif /* TRUSTM_FRAME_H */
