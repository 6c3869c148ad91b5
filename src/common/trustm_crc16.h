/*
 * trustm_crc16.h - IFX I2C frame check sequence (ifx-i2c.md §2.3).
 * CRC-16/KERMIT: reflected polynomial 0x8408, initial value 0, no final XOR.
 * On the wire the result is sent HIGH byte first (the datasheet logs settle this).
 */
#ifndef TRUSTM_CRC16_H
#define TRUSTM_CRC16_H

#include <stddef.h>
#include <stdint.h>

#define TRUSTM_CRC16_INIT 0x0000u

uint16_t trustm_crc16_update(uint16_t crc, const uint8_t *data, size_t len);
static inline uint16_t trustm_crc16(const uint8_t *data, size_t len)
{
    return trustm_crc16_update(TRUSTM_CRC16_INIT, data, len);
}

#endif
