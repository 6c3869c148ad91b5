/*
 * board.h - what a board support package offers the footprint program: a bare I2C master and a
 * microsecond timer. board.c is a stand-in for it, sized apart from the library (issue 11).
 */
#ifndef FOOTPRINT_BOARD_H
#define FOOTPRINT_BOARD_H

#include <stddef.h>
#include <stdint.h>

#define BOARD_I2C_OK   0
#define BOARD_I2C_NACK 1 /* address byte not acknowledged */
#define BOARD_I2C_ERR  2

int board_i2c_write(uint8_t addr7, const uint8_t *buf, size_t len);
int board_i2c_read(uint8_t addr7, uint8_t *buf, size_t len);
uint32_t board_micros(void); /* free-running 32-bit microsecond counter */
void board_delay_us(uint32_t us);

#endif /* FOOTPRINT_BOARD_H */
