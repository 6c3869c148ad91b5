#include "trustm_crc16.h"

/* Per byte: crc ^= b, then 8 reflected shifts with 0x8408 (ifx-i2c.md §2.3). Bit by bit: no
 * table, the smallest code for Cortex-M (about 30 cycles a byte there: a 277-byte frame costs
 * well under a tenth of a millisecond, against about 6 ms on the bus at 400 kHz). */
uint16_t trustm_crc16_update(uint16_t crc, const uint8_t *data, size_t len)
{
    uint32_t c = crc;
    for (size_t i = 0; i < len; i++) {
        c ^= data[i];
        for (unsigned bit = 0; bit < 8u; bit++)
            c = (c & 1u) != 0 ? (c >> 1) ^ 0x8408u : c >> 1;
    }
    return (uint16_t)c;
}
