/*
 * board.c - a minimal polled I2C master and timer on memory-mapped registers, standing in for a
 * vendor BSP. The footprint program is linked, never run: the register layout is illustrative
 * (one control/status word, one data word, a 1 MHz counter). Counted apart from the library.
 */
#include "board.h"

#define REG(addr) (*(volatile uint32_t *)(uintptr_t)(addr))

#define I2C_CR    REG(0x40005400u) /* write: start | addr7 << 1 | dir, stop */
#define I2C_SR    REG(0x40005404u)
#define I2C_DR    REG(0x40005408u)
#define TIMER_CNT REG(0x40000024u)

#define CR_START 0x100u
#define CR_STOP  0x200u
#define SR_DONE  0x01u
#define SR_NACK  0x02u
#define SR_ERR   0x04u

static int wait_done(void)
{
    uint32_t sr;
    do {
        sr = I2C_SR;
    } while ((sr & (SR_DONE | SR_NACK | SR_ERR)) == 0u);
    return (sr & SR_NACK) != 0u ? BOARD_I2C_NACK : (sr & SR_ERR) != 0u ? BOARD_I2C_ERR : BOARD_I2C_OK;
}

static int start(uint8_t addr7, uint32_t read)
{
    I2C_CR = CR_START | ((uint32_t)addr7 << 1) | read;
    int r = wait_done();
    if (r != BOARD_I2C_OK)
        I2C_CR = CR_STOP;
    return r;
}

int board_i2c_write(uint8_t addr7, const uint8_t *buf, size_t len)
{
    int r = start(addr7, 0u);
    for (size_t i = 0; r == BOARD_I2C_OK && i < len; i++) {
        I2C_DR = buf[i];
        r = wait_done();
        if (r == BOARD_I2C_NACK)
            r = BOARD_I2C_ERR; /* a data byte NACKed is a bus error, not a busy chip */
    }
    I2C_CR = CR_STOP;
    return r;
}

int board_i2c_read(uint8_t addr7, uint8_t *buf, size_t len)
{
    int r = start(addr7, 1u);
    for (size_t i = 0; r == BOARD_I2C_OK && i < len; i++) {
        r = wait_done();
        buf[i] = (uint8_t)I2C_DR;
    }
    I2C_CR = CR_STOP;
    return r;
}

uint32_t board_micros(void)
{
    return TIMER_CNT;
}

void board_delay_us(uint32_t us)
{
    uint32_t t0 = TIMER_CNT;
    while ((uint32_t)(TIMER_CNT - t0) < us) {
    }
}
