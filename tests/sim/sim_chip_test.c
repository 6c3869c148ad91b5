/*
 * sim_chip_test.c - register file, data link error handling, transport chaining, presentation
 * latch, command dispatch and error codes of the simulator.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sim_host.h"
#include "trustm_crc16.h"
#include "trustm_frame.h"
#include "trustm_sim.h"

static trustm_sim_t *new_sim(trustm_sim_timing_t timing)
{
    trustm_sim_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.timing = timing;
    cfg.seed = 42;
    trustm_sim_t *sim = trustm_sim_create(&cfg, NULL, 0);
    assert_non_null(sim);
    return sim;
}

static const uint8_t open_apdu[] = {0xF0, 0x00, 0x00, 0x10, 0xD2, 0x76, 0x00, 0x00, 0x04, 0x47,
                                    0x65, 0x6E, 0x41, 0x75, 0x74, 0x68, 0x41, 0x70, 0x70, 0x6C};
static const uint8_t rd_err[] = {0x01, 0x00, 0x00, 0x06, 0xF1, 0xC2, 0x00, 0x00, 0x00, 0x01};

static long xfer(sim_host_t *h, const uint8_t *apdu, size_t n, uint8_t *rsp)
{
    return sim_host_transceive(h, apdu, n, rsp, 2048);
}

static uint8_t last_error(sim_host_t *h)
{
    uint8_t rsp[16];
    assert_int_equal(xfer(h, rd_err, sizeof rd_err, rsp), 5);
    return rsp[4];
}

static void sim_registers(void **state)
{
    (void)state;
    trustm_sim_t *sim = new_sim(TRUSTM_SIM_TIMING_DATASHEET);
    sim_host_t h;
    sim_host_init(&h, sim);
    uint8_t b[8], reg = 0x82;
    /* start-up: NACK for 15 ms after power-on */
    assert_int_equal(trustm_sim_i2c_write(sim, 0x30, &reg, 1), TRUSTM_SIM_NACK);
    trustm_sim_sleep_us(sim, 15000);
    assert_int_equal(trustm_sim_i2c_write(sim, 0x31, &reg, 1), TRUSTM_SIM_NACK); /* no device there */
    assert_int_equal(sim_host_reg_read(&h, 0x82, b, 4), 0);
    assert_memory_equal(b, ((uint8_t[]){0x08, 0x80, 0x00, 0x00}), 4);
    assert_int_equal(sim_host_reg_read(&h, 0x81, b, 2), 0);
    assert_memory_equal(b, ((uint8_t[]){0x01, 0x15}), 2);
    assert_int_equal(sim_host_write(&h, (uint8_t[]){0x81, 0x02, 0x00}, 3), 0); /* too big: clamps */
    assert_int_equal(sim_host_reg_read(&h, 0x81, b, 2), 0);
    assert_memory_equal(b, ((uint8_t[]){0x01, 0x15}), 2);
    assert_int_equal(sim_host_write(&h, (uint8_t[]){0x81, 0x00, 0x40}, 3), 0);
    assert_int_equal(sim_host_write(&h, (uint8_t[]){0x81, 0x00, 0x0F}, 3), 0); /* < 0x10: ignored */
    assert_int_equal(sim_host_reg_read(&h, 0x81, b, 2), 0);
    assert_memory_equal(b, ((uint8_t[]){0x00, 0x40}), 2);
    assert_int_equal(sim_host_reg_read(&h, 0x84, b, 4), 0);
    assert_memory_equal(b, ((uint8_t[]){0x00, 0x00, 0x01, 0x90}), 4);
    assert_int_equal(sim_host_reg_read(&h, 0x85, b, 4), 0);
    assert_memory_equal(b, ((uint8_t[]){0x00, 0x00, 0x00, 0x32}), 4);
    assert_int_equal(sim_host_reg_read(&h, 0x86, b, 6), 0); /* past the end: FF */
    assert_memory_equal(b, ((uint8_t[]){0x00, 0x00, 0x00, 0x0A, 0xFF, 0xFF}), 6);
    assert_int_equal(sim_host_reg_read(&h, 0x87, b, 4), 0);
    assert_memory_equal(b, ((uint8_t[]){0xFF, 0xFF, 0xFF, 0xFF}), 4);
    assert_int_equal(sim_host_reg_read(&h, 0x9C, b, 2), 0);
    assert_memory_equal(b, ((uint8_t[]){0xFF, 0xFF}), 2);
    assert_int_equal(sim_host_reg_read(&h, 0x80, b, 3), 0); /* nothing pending */
    assert_memory_equal(b, ((uint8_t[]){0xFF, 0xFF, 0xFF}), 3);
    /* I2C_MODE: Fm+ -> 1000 kHz, Sm -> 100, invalid ignored, DEF_MODE reads 0 */
    assert_int_equal(sim_host_write(&h, (uint8_t[]){0x89, 0x00, 0x04}, 3), 0);
    assert_int_equal(sim_host_reg_read(&h, 0x84, b, 4), 0);
    assert_memory_equal(b, ((uint8_t[]){0x00, 0x00, 0x03, 0xE8}), 4);
    assert_int_equal(sim_host_write(&h, (uint8_t[]){0x89, 0x80, 0x01}, 3), 0);
    assert_int_equal(sim_host_write(&h, (uint8_t[]){0x89, 0x00, 0x07}, 3), 0);
    assert_int_equal(sim_host_reg_read(&h, 0x89, b, 2), 0);
    assert_memory_equal(b, ((uint8_t[]){0x00, 0x01}), 2);
    assert_int_equal(sim_host_reg_read(&h, 0x84, b, 4), 0);
    assert_memory_equal(b, ((uint8_t[]){0x00, 0x00, 0x00, 0x64}), 4);
    /* BASE_ADDR volatile: new address at once, back to 0x30 after reset */
    assert_int_equal(sim_host_write(&h, (uint8_t[]){0x83, 0x00, 0x31}, 3), 0);
    assert_int_equal(trustm_sim_i2c_write(sim, 0x30, &reg, 1), TRUSTM_SIM_NACK);
    h.addr = 0x31;
    assert_int_equal(sim_host_reg_read(&h, 0x82, b, 4), 0);
    /* soft reset: NACK during start-up, then defaults (volatile address and DATA_REG_LEN) */
    assert_int_equal(trustm_sim_i2c_write(sim, 0x31, (uint8_t[]){0x88, 0x00, 0x00}, 3), TRUSTM_SIM_ACK);
    trustm_sim_sleep_us(sim, 1000);
    assert_int_equal(trustm_sim_i2c_write(sim, 0x30, &reg, 1), TRUSTM_SIM_NACK);
    trustm_sim_sleep_us(sim, 15000);
    h.addr = 0x30;
    assert_int_equal(sim_host_reg_read(&h, 0x81, b, 2), 0);
    assert_memory_equal(b, ((uint8_t[]){0x01, 0x15}), 2);
    assert_int_equal(sim_host_reg_read(&h, 0x84, b, 4), 0); /* persistent Sm mode survives */
    assert_memory_equal(b, ((uint8_t[]){0x00, 0x00, 0x00, 0x64}), 4);
    /* power off / RST low: NACK */
    trustm_sim_power(sim, false);
    assert_int_equal(trustm_sim_i2c_write(sim, 0x30, &reg, 1), TRUSTM_SIM_NACK);
    trustm_sim_power(sim, true);
    trustm_sim_sleep_us(sim, 15000);
    trustm_sim_rst(sim, false);
    assert_int_equal(trustm_sim_i2c_write(sim, 0x30, &reg, 1), TRUSTM_SIM_NACK);
    trustm_sim_rst(sim, true);
    trustm_sim_sleep_us(sim, 14000);
    assert_int_equal(trustm_sim_i2c_write(sim, 0x30, &reg, 1), TRUSTM_SIM_NACK);
    trustm_sim_sleep_us(sim, 1000);
    assert_int_equal(trustm_sim_i2c_write(sim, 0x30, &reg, 1), TRUSTM_SIM_ACK);
    assert_int_equal(trustm_sim_i2c_write(sim, 0x30, NULL, 3), TRUSTM_SIM_BUS_ERROR);
    assert_int_equal(trustm_sim_i2c_read(sim, 0x80, b, 1), TRUSTM_SIM_BUS_ERROR);
    trustm_sim_destroy(sim);
}

static void sim_bus_timing(void **state)
{
    (void)state;
    trustm_sim_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.scl_khz = 100;
    trustm_sim_t *sim = trustm_sim_create(&cfg, NULL, 0);
    trustm_sim_sleep_us(sim, 15000);
    uint64_t t0 = trustm_sim_now_us(sim);
    uint8_t reg = 0x82, b[4];
    assert_int_equal(trustm_sim_i2c_write(sim, 0x30, &reg, 1), TRUSTM_SIM_ACK);
    /* START + 2 bytes x 9 bits + STOP = 20 bit times at 10 us */
    assert_int_equal(trustm_sim_now_us(sim) - t0, 200);
    assert_int_equal(trustm_sim_i2c_read(sim, 0x30, b, 4), TRUSTM_SIM_ACK);
    assert_int_equal(trustm_sim_now_us(sim) - t0, 200 + 470);
    trustm_sim_stats_t st;
    trustm_sim_stats_get(sim, &st);
    assert_int_equal(st.guard_violations, 1); /* the read followed the write at once */
    trustm_sim_destroy(sim);
    cfg.scl_khz = 250;
    assert_null(trustm_sim_create(&cfg, NULL, 0));
}

static void sim_commands(void **state)
{
    (void)state;
    trustm_sim_t *sim = new_sim(TRUSTM_SIM_TIMING_DATASHEET);
    sim_host_t h;
    sim_host_init(&h, sim);
    uint8_t rsp[2048];
    /* application closed: 0x0C */
    assert_int_equal(xfer(&h, (uint8_t[]){0x81, 0x00, 0x00, 0x02, 0xE0, 0xC0}, 6, rsp), 4);
    assert_int_equal(rsp[0], 0xFF);
    /* wrong application identifier */
    uint8_t bad_open[sizeof open_apdu];
    memcpy(bad_open, open_apdu, sizeof open_apdu);
    bad_open[19] ^= 1;
    assert_int_equal(xfer(&h, bad_open, sizeof bad_open, rsp), 4);
    assert_int_equal(rsp[0], 0xFF);
    assert_int_equal(xfer(&h, open_apdu, sizeof open_apdu, rsp), 4);
    assert_memory_equal(rsp, ((uint8_t[]){0, 0, 0, 0}), 4);
    /* global objects */
    struct {
        uint16_t oid;
        uint8_t len;
        uint8_t first;
    } objs[] = {{0xE0C0, 1, 0x07}, {0xE0C1, 1, 0x20}, {0xE0C2, 27, 0xCD}, {0xE0C3, 1, 0x14}, {0xE0C4, 1, 0x06},
                {0xE0C5, 1, 0x00}, {0xE0C6, 2, 0x06}, {0xF1C0, 1, 0x01},  {0xF1C1, 1, 0x20}};
    for (size_t i = 0; i < sizeof objs / sizeof objs[0]; i++) {
        uint8_t a[] = {0x81, 0x00, 0x00, 0x06, (uint8_t)(objs[i].oid >> 8), (uint8_t)objs[i].oid, 0, 0, 0xFF, 0xFF};
        assert_int_equal(xfer(&h, a, sizeof a, rsp), 4 + objs[i].len);
        assert_int_equal(rsp[0], 0);
        assert_int_equal(rsp[3], objs[i].len);
        assert_int_equal(rsp[4], objs[i].first);
    }
    uint8_t uid[27];
    trustm_sim_uid(sim, uid);
    /* offset/length, OID-only form */
    assert_int_equal(xfer(&h, (uint8_t[]){0x81, 0, 0, 6, 0xE0, 0xC2, 0, 21, 0, 4}, 10, rsp), 8);
    assert_memory_equal(rsp + 4, ((uint8_t[]){0x80, 0x10, 0x10, 0x71}), 4);
    assert_int_equal(xfer(&h, (uint8_t[]){0x81, 0, 0, 2, 0xE0, 0xC2}, 6, rsp), 31);
    assert_memory_equal(rsp + 4, uid, 27);
    assert_int_equal(xfer(&h, (uint8_t[]){0x81, 0, 0, 2, 0xE0, 0xC6}, 6, rsp), 6);
    assert_memory_equal(rsp + 4, ((uint8_t[]){0x06, 0x15}), 2);
    /* metadata */
    assert_int_equal(xfer(&h, (uint8_t[]){0x81, 1, 0, 2, 0xE0, 0xC2}, 6, rsp), 15);
    assert_memory_equal(
        rsp, ((uint8_t[]){0, 0, 0, 0x0B, 0x20, 0x09, 0xC4, 0x01, 0x1B, 0xD0, 0x01, 0xFF, 0xD1, 0x01, 0x00}), 15);
    assert_int_equal(xfer(&h, (uint8_t[]){0x81, 1, 0, 2, 0xE0, 0xC6}, 6, rsp), 12);
    assert_memory_equal(rsp + 4, ((uint8_t[]){0x20, 0x06, 0xC4, 0x01, 0x02, 0xD1, 0x01, 0x00}), 8);
    /* errors, each read back from F1C2 (plain 01, cleared by the read) */
    struct {
        const uint8_t *a;
        size_t n;
        uint8_t code;
    } errs[] = {
        {(const uint8_t[]){0x81, 0, 0, 6, 0xE0, 0xC7, 0, 0, 0, 1}, 10, 0x01},  /* unknown OID      */
        {(const uint8_t[]){0x81, 2, 0, 2, 0xE0, 0xC2}, 6, 0x03},               /* bad Param        */
        {(const uint8_t[]){0x81, 0, 0, 4, 0xE0, 0xC2, 0, 0}, 8, 0x04},         /* bad InLen        */
        {(const uint8_t[]){0x81, 0, 0, 7, 0xE0, 0xC2, 0, 0}, 8, 0x04},         /* InLen != data    */
        {(const uint8_t[]){0x81, 0, 0, 6, 0xE0, 0xC2, 0, 27, 0, 1}, 10, 0x08}, /* offset >= used  */
        {(const uint8_t[]){0x81, 0, 0, 6, 0xE0, 0xC2, 0, 0, 0, 0}, 10, 0x05},  /* length 0        */
        {(const uint8_t[]){0xB3, 0, 0, 0}, 4, 0x0A},                           /* CalcSSec: none  */
        {(const uint8_t[]){0x7F, 0, 0, 0}, 4, 0x0A},                           /* unknown command */
        {(const uint8_t[]){0xF1, 2, 0, 0}, 4, 0x03},                           /* Close Param 2   */
        {(const uint8_t[]){0xF0, 0, 0, 1, 0xD2}, 5, 0x04},                     /* Open InLen 1    */
        {(const uint8_t[]){0x81}, 1, 0x04},                                    /* short APDU      */
    };
    for (size_t i = 0; i < sizeof errs / sizeof errs[0]; i++) {
        assert_int_equal(xfer(&h, errs[i].a, errs[i].n, rsp), 4);
        assert_memory_equal(rsp, ((uint8_t[]){0xFF, 0, 0, 0}), 4);
        assert_int_equal(last_error(&h), errs[i].code);
        assert_int_equal(last_error(&h), 0);
    }
    /* highest code kept across failures; the flush bit clears first */
    assert_int_equal(xfer(&h, (uint8_t[]){0x7F, 0, 0, 0}, 4, rsp), 4);                          /* 0A */
    assert_int_equal(xfer(&h, (uint8_t[]){0x01, 0, 0, 6, 0xE0, 0xC7, 0, 0, 0, 1}, 10, rsp), 4); /* 01 */
    assert_int_equal(last_error(&h), 0x0A);
    assert_int_equal(xfer(&h, (uint8_t[]){0x7F, 0, 0, 0}, 4, rsp), 4);
    assert_int_equal(xfer(&h, (uint8_t[]){0x81, 0, 0, 6, 0xF1, 0xC2, 0, 0, 0, 1}, 10, rsp), 5);
    assert_int_equal(rsp[4], 0x00); /* flushed before the read */
    /* CloseApplication, hibernate and restore */
    assert_int_equal(xfer(&h, (uint8_t[]){0xF1, 0x01, 0, 0}, 4, rsp), 12);
    uint8_t restore[28];
    memcpy(restore, open_apdu, sizeof open_apdu);
    restore[1] = 1;
    restore[3] = 0x18;
    memcpy(restore + 20, rsp + 4, 8);
    assert_int_equal(xfer(&h, (uint8_t[]){0x81, 0, 0, 2, 0xE0, 0xC0}, 6, rsp), 4); /* closed */
    assert_int_equal(rsp[0], 0xFF);
    trustm_sim_power(sim, false); /* hibernate survives power-off */
    trustm_sim_power(sim, true);
    sim_host_init(&h, sim);
    assert_int_equal(xfer(&h, restore, sizeof restore, rsp), 4);
    assert_int_equal(rsp[0], 0x00);
    assert_int_equal(xfer(&h, restore, sizeof restore, rsp), 4); /* valid once */
    assert_int_equal(rsp[0], 0xFF);
    assert_int_equal(xfer(&h, open_apdu, sizeof open_apdu, rsp), 4);
    assert_int_equal(xfer(&h, (uint8_t[]){0xF1, 0x00, 0, 0}, 4, rsp), 4);
    assert_int_equal(rsp[0], 0x00);
    trustm_sim_stats_t st;
    trustm_sim_stats_get(sim, &st);
    print_message("commands: %llu executed in %llu us simulated\n", (unsigned long long)st.commands,
                  (unsigned long long)st.time_us);
    trustm_sim_destroy(sim);
}

/* Raw data link: bad FCS -> NAK, duplicate -> ACK without re-execution, re-sync. */
static void sim_datalink(void **state)
{
    (void)state;
    trustm_sim_t *sim = new_sim(TRUSTM_SIM_TIMING_DATASHEET);
    sim_host_t h;
    sim_host_init(&h, sim);
    uint8_t pkt[64], frame[80], in[300];
    pkt[0] = 0x00;
    memcpy(pkt + 1, open_apdu, sizeof open_apdu);
    size_t n = trustm_dl_frame_encode(0x03, pkt, 1 + sizeof open_apdu, frame, sizeof frame);
    frame[n - 1] ^= 0x01;
    assert_int_equal(sim_host_frame_write(&h, frame, n), 0);
    assert_int_equal(sim_host_frame_read(&h, in, sizeof in, 10000), 5);
    assert_memory_equal(in, ((uint8_t[]){0xA0, 0x00, 0x00, 0x0F, 0xD7}), 5);
    /* other malformed frames: NAK too; control frame with LEN != 0 is discarded */
    assert_int_equal(sim_host_frame_write(&h, (uint8_t[]){0x03, 0x00}, 2), 0);
    assert_int_equal(sim_host_frame_read(&h, in, sizeof in, 10000), 5);
    assert_int_equal(in[0], 0xA0);
    uint8_t rfu[5];
    trustm_dl_frame_encode(0x13, NULL, 0, rfu, 5);
    assert_int_equal(sim_host_frame_write(&h, rfu, 5), 0);
    assert_int_equal(sim_host_frame_read(&h, in, sizeof in, 10000), 5);
    assert_int_equal(in[0], 0xA0);
    uint8_t ctl[6];
    trustm_dl_frame_encode(0x80, (uint8_t[]){0x00}, 1, ctl, 6);
    assert_int_equal(sim_host_frame_write(&h, ctl, 6), 0);
    assert_int_equal(sim_host_frame_read(&h, in, sizeof in, 2000), 0);
    /* good frame: control ACK while BUSY, then the response; a duplicate after 10 ms: ACK only */
    frame[n - 1] ^= 0x01;
    assert_int_equal(sim_host_frame_write(&h, frame, n), 0);
    assert_int_equal(sim_host_frame_read(&h, in, sizeof in, 10000), 5);
    assert_memory_equal(in, ((uint8_t[]){0x80, 0x00, 0x00, 0x0C, 0xEC}), 5);
    assert_int_equal(sim_host_frame_write(&h, frame, n), 0); /* duplicate while executing */
    assert_int_equal(sim_host_frame_read(&h, in, sizeof in, 10000), 5);
    assert_int_equal(in[0], 0x80);
    assert_int_equal(sim_host_frame_read(&h, in, sizeof in, 10000), 10);
    assert_memory_equal(in, ((uint8_t[]){0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x14, 0x87}), 10);
    trustm_sim_sleep_us(sim, 5000);                          /* less than TRANS_TIMEOUT: nothing re-offered yet */
    assert_int_equal(sim_host_frame_write(&h, frame, n), 0); /* duplicate after the response */
    assert_int_equal(sim_host_frame_read(&h, in, sizeof in, 10000), 5);
    assert_int_equal(in[0], 0x80);
    assert_int_equal(sim_host_frame_read(&h, in, sizeof in, 10000), 10); /* response offered again */
    assert_int_equal(in[0], 0x00);
    /* the response stays unacknowledged: TRANS_TIMEOUT after it was read it is offered again */
    assert_int_equal(sim_host_frame_read(&h, in, sizeof in, 9000), 0);
    assert_int_equal(sim_host_frame_read(&h, in, sizeof in, 3000), 10);
    assert_memory_equal(in, ((uint8_t[]){0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x14, 0x87}), 10);
    assert_int_equal(sim_host_frame_write(&h, (uint8_t[]){0x80, 0x00, 0x00, 0x0C, 0xEC}, 5), 0);
    assert_int_equal(sim_host_frame_read(&h, in, sizeof in, 3000), 0); /* idle */
    trustm_sim_stats_t st;
    trustm_sim_stats_get(sim, &st);
    assert_int_equal(st.commands, 1);
    /* re-sync: counters 3/3 again, next host frame is FCTR 03 */
    assert_int_equal(sim_host_frame_write(&h, (uint8_t[]){0xC0, 0x00, 0x00, 0x0A, 0x9A}, 5), 0);
    assert_int_equal(sim_host_frame_read(&h, in, sizeof in, 3000), 0); /* nobody answers */
    h.last_tx = 3;
    h.last_rx = 3;
    uint8_t rsp[64];
    assert_int_equal(xfer(&h, rd_err, sizeof rd_err, rsp), 5);
    assert_int_equal(rsp[0], 0);
    trustm_sim_destroy(sim);
}

/* Chaining at the smallest frame size in both directions, chaining errors, presence latch. */
static void sim_transport(void **state)
{
    (void)state;
    trustm_sim_t *sim = new_sim(TRUSTM_SIM_TIMING_NONE);
    sim_host_t h;
    sim_host_init(&h, sim);
    h.frame_size = 16;
    assert_int_equal(sim_host_write(&h, (uint8_t[]){0x81, 0x00, 0x10}, 3), 0);
    uint8_t rsp[2048];
    assert_int_equal(xfer(&h, open_apdu, sizeof open_apdu, rsp), 4); /* 20-byte APDU in 2 packets */
    assert_int_equal(rsp[0], 0);
    uint8_t uid[27];
    trustm_sim_uid(sim, uid);
    assert_int_equal(xfer(&h, (uint8_t[]){0x81, 0, 0, 2, 0xE0, 0xC2}, 6, rsp), 31); /* 4 packets */
    assert_memory_equal(rsp + 4, uid, 27);
    trustm_sim_stats_t st;
    trustm_sim_stats_get(sim, &st);
    assert_true(st.frames_out >= 6);
    /* chaining error: a first packet that is not MAX_PACKET_SIZE long */
    uint8_t pkt[8] = {0x01, 0x81, 0x00, 0x00, 0x02}, frame[16], in[64];
    size_t n =
        trustm_dl_frame_encode(trustm_dl_fctr_data((uint8_t)(h.last_tx + 1u), h.last_rx), pkt, 5, frame, sizeof frame);
    assert_int_equal(sim_host_frame_write(&h, frame, n), 0);
    h.last_tx = (uint8_t)((h.last_tx + 1u) & 3u);
    long got = sim_host_frame_read(&h, in, sizeof in, 5000);
    assert_int_equal(got, 6);
    assert_int_equal(in[3], 0x07); /* PCTR ...111, no payload */
    h.last_rx = (uint8_t)((in[0] >> 2) & 3u);
    uint8_t ack[5];
    trustm_dl_frame_encode(trustm_dl_fctr_ack(h.last_rx), NULL, 0, ack, 5);
    assert_int_equal(sim_host_frame_write(&h, ack, 5), 0);
    trustm_sim_destroy(sim);

    /* presence: mirrored (PCTR 08, SCTR 20); a Hello gets the slave Hello (Shielded Connection) */
    sim = new_sim(TRUSTM_SIM_TIMING_NONE);
    sim_host_init(&h, sim);
    h.presence = true;
    assert_int_equal(xfer(&h, open_apdu, sizeof open_apdu, rsp), 4);
    assert_memory_equal(rsp, ((uint8_t[]){0, 0, 0, 0}), 4);
    h.presence = false; /* raw payloads below */
    uint8_t hello[] = {0x08, 0x00, 0x01};
    n = trustm_dl_frame_encode(trustm_dl_fctr_data((uint8_t)(h.last_tx + 1u), h.last_rx), hello, 3, frame,
                               sizeof frame);
    assert_int_equal(sim_host_frame_write(&h, frame, n), 0);
    got = sim_host_frame_read(&h, in, sizeof in, 5000);
    assert_int_equal(got, 5 + 1 + 38);
    assert_int_equal(in[3], 0x08);
    assert_int_equal(in[4], 0x00);
    assert_int_equal(in[5], 0x01);
    h.last_tx = (uint8_t)((h.last_tx + 1u) & 3u);
    h.last_rx = (uint8_t)((in[0] >> 2) & 3u);
    trustm_dl_frame_encode(trustm_dl_fctr_ack(h.last_rx), NULL, 0, ack, 5);
    assert_int_equal(sim_host_frame_write(&h, ack, 5), 0);
    /* PRESENCE missing after the latch: fatal alert too */
    uint8_t plain[] = {0x00, 0x81, 0x00, 0x00, 0x02, 0xE0, 0xC2};
    n = trustm_dl_frame_encode(trustm_dl_fctr_data((uint8_t)(h.last_tx + 1u), h.last_rx), plain, sizeof plain, frame,
                               sizeof frame);
    assert_int_equal(sim_host_frame_write(&h, frame, n), 0);
    got = sim_host_frame_read(&h, in, sizeof in, 5000);
    assert_int_equal(got, 7);
    assert_int_equal(in[4], 0x40);
    trustm_sim_destroy(sim);
}

/* Never crash on any input: random frames and APDUs (deterministic), the chip keeps answering. */
static void sim_robustness(void **state)
{
    (void)state;
    trustm_sim_t *sim = new_sim(TRUSTM_SIM_TIMING_NONE);
    uint64_t x = 12345;
    uint8_t buf[400], in[300];
    trustm_sim_sleep_us(sim, 15000);
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        size_t n = 1 + (size_t)(x % 300);
        for (size_t k = 0; k < n; k++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            buf[k] = (uint8_t)x;
        }
        buf[0] = (uint8_t)(0x80 + (x % 12));
        if (buf[0] == 0x88)
            buf[0] = 0x80;
        if ((x & 3u) == 0 && n > 6) { /* a well-formed frame with random content */
            uint16_t len = (uint16_t)(n - 6);
            buf[0] = 0x80;
            buf[2] = (uint8_t)(len >> 8);
            buf[3] = (uint8_t)len;
            uint16_t crc = trustm_crc16(buf + 1, 3 + len);
            buf[4 + len] = (uint8_t)(crc >> 8);
            buf[5 + len] = (uint8_t)crc;
        }
        trustm_sim_bus_t r = trustm_sim_i2c_write(sim, 0x30, buf, n);
        assert_true(r == TRUSTM_SIM_ACK || r == TRUSTM_SIM_NACK);
        trustm_sim_i2c_read(sim, 0x30, in, 1 + (size_t)(x % 280));
        trustm_sim_sleep_us(sim, 100);
    }
    trustm_sim_destroy(sim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sim_registers), cmocka_unit_test(sim_bus_timing), cmocka_unit_test(sim_commands),
        cmocka_unit_test(sim_datalink),  cmocka_unit_test(sim_transport),  cmocka_unit_test(sim_robustness),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
