/*
 * vendor_host.c - a deliberately simple, blocking test host that behaves like the vendor host
 * library as ifx-i2c.md §9 item 8 describes it:
 *   - open = cold power cycle: VDD off + RST low, 2 ms, VDD on (RST still low), RST high, then
 *     only 12 ms wait (the chip must NACK, not fail, until its 15 ms start-up has passed);
 *   - every register access retried after 1 ms on NACK, up to 200 times; 50 µs guard time
 *     after every transaction; register read = address write + separate read;
 *   - MAX_SCL_FREQU read, DATA_REG_LEN 0x0115 written and read back;
 *   - after writing a frame: poll I2C_STATE at once, then every 5 ms; nothing after 10 ms ->
 *     re-send the same frame;
 *   - every chip data frame acknowledged at once with a control ACK;
 *   - flush bit on every command, presentation bit (PCTR 08, SCTR 20) on every packet.
 * It is independent of the library's src/proto on purpose.
 */
#include "vendor_host.h"

#include <string.h>

#include "trustm_bytes.h"
#include "trustm_frame.h"

#define VH_ADDR 0x30u

static void guard(vendor_host_t *v)
{
    trustm_sim_sleep_us(v->sim, 50);
}

static int vh_write(vendor_host_t *v, const uint8_t *b, size_t n)
{
    for (int i = 0; i < 200; i++) {
        trustm_sim_bus_t r = trustm_sim_i2c_write(v->sim, VH_ADDR, b, n);
        if (r == TRUSTM_SIM_ACK) {
            guard(v);
            return 0;
        }
        v->nack_retries++;
        trustm_sim_sleep_us(v->sim, 1000);
    }
    return -1;
}

static int vh_reg_read(vendor_host_t *v, uint8_t reg, uint8_t *b, size_t n)
{
    /* the retry counter is not re-armed between the address write and the data read */
    int budget = 200;
    while (budget-- > 0) {
        if (trustm_sim_i2c_write(v->sim, VH_ADDR, &reg, 1) == TRUSTM_SIM_ACK)
            break;
        v->nack_retries++;
        trustm_sim_sleep_us(v->sim, 1000);
    }
    if (budget < 0)
        return -1;
    guard(v);
    while (budget-- > 0) {
        if (trustm_sim_i2c_read(v->sim, VH_ADDR, b, n) == TRUSTM_SIM_ACK) {
            guard(v);
            return 0;
        }
        v->nack_retries++;
        trustm_sim_sleep_us(v->sim, 1000);
    }
    return -1;
}

static int vh_frame_write(vendor_host_t *v, const uint8_t *frame, size_t n)
{
    uint8_t b[300];
    b[0] = 0x80;
    memcpy(b + 1, frame, n);
    return vh_write(v, b, n + 1);
}

/* Poll: at once, then every 5 ms, until RESP_RDY or budget_us passed.  Returns frame length,
 * 0 on timeout, -1 on failure. */
static long vh_poll_read(vendor_host_t *v, uint8_t *buf, uint32_t budget_us)
{
    uint64_t start = trustm_sim_now_us(v->sim);
    for (;;) {
        uint8_t st[4];
        if (vh_reg_read(v, 0x82, st, 4) != 0)
            return -1;
        size_t n = trustm_be16_get(st + 2);
        if ((st[0] & 0x40u) && n > 0 && n <= 277) {
            if (vh_reg_read(v, 0x80, buf, n) != 0)
                return -1;
            return (long)n;
        }
        if (trustm_sim_now_us(v->sim) - start >= budget_us)
            return 0;
        trustm_sim_sleep_us(v->sim, 5000);
    }
}

static int vh_ack(vendor_host_t *v)
{
    uint8_t f[5];
    trustm_dl_frame_encode(trustm_dl_fctr_ack(v->last_rx), NULL, 0, f, 5);
    return vh_frame_write(v, f, 5);
}

int vendor_host_open(vendor_host_t *v, trustm_sim_t *sim)
{
    memset(v, 0, sizeof *v);
    v->sim = sim;
    trustm_sim_rst(sim, false);
    trustm_sim_power(sim, false);
    trustm_sim_sleep_us(sim, 2000);
    trustm_sim_power(sim, true);
    trustm_sim_rst(sim, true);
    trustm_sim_sleep_us(sim, 12000);
    uint8_t b[4];
    if (vh_reg_read(v, 0x84, b, 4) != 0)
        return -1;
    if (trustm_be16_get(b + 2) > 400) {
        if (vh_write(v, (const uint8_t[]){0x89, 0x80, 0x03}, 3) != 0 || vh_reg_read(v, 0x84, b, 4) != 0)
            return -1;
    }
    if (vh_write(v, (const uint8_t[]){0x81, 0x01, 0x15}, 3) != 0 || vh_reg_read(v, 0x81, b, 2) != 0)
        return -1;
    if (trustm_be16_get(b) > 0x115)
        return -1;
    v->last_tx = 3;
    v->last_rx = 3;
    return 0;
}

long vendor_host_command(vendor_host_t *v, const uint8_t *apdu, size_t len, uint8_t *rsp, size_t cap)
{
    uint8_t packet[280], frame[290], in[300];
    if (len + 2 > 272)
        return -1;
    packet[0] = 0x08;
    packet[1] = 0x20;
    memcpy(packet + 2, apdu, len);
    uint8_t frnr = (uint8_t)((v->last_tx + 1u) & 3u);
    size_t n = trustm_dl_frame_encode(trustm_dl_fctr_data(frnr, v->last_rx), packet, len + 2, frame, sizeof frame);
    v->last_tx = frnr;
    bool acked = false;
    for (int attempt = 0; attempt < 4 && !acked; attempt++) {
        if (attempt > 0)
            v->resends++;
        if (vh_frame_write(v, frame, n) != 0)
            return -1;
        for (;;) {
            long got = vh_poll_read(v, in, 10000);
            if (got < 0)
                return -1;
            if (got == 0)
                break; /* nothing within 10 ms: re-send the same frame */
            trustm_dl_frame_t f;
            if (got < 5 || trustm_dl_frame_decode(in, (size_t)got, &f) != TRUSTM_DL_FRAME_OK)
                break;
            if (f.fctr & 0x80u) {
                if ((f.fctr & 0xE0u) == 0x80u && (f.fctr & 3u) == frnr) {
                    acked = true;
                    break;
                }
                if ((f.fctr & 0xE0u) == 0xA0u)
                    break;
                continue;
            }
            /* data frame: piggy-backed ACK + response */
            if (((f.fctr >> 2) & 3u) != ((v->last_rx + 1u) & 3u) || (f.fctr & 3u) != frnr) {
                vh_ack(v);
                continue;
            }
            v->last_rx = (uint8_t)((f.fctr >> 2) & 3u);
            vh_ack(v);
            if (f.len < 2 || f.packet[0] != 0x08 || f.packet[1] != 0x20 || (size_t)f.len - 2 > cap)
                return -1;
            memcpy(rsp, f.packet + 2, f.len - 2u);
            return f.len - 2;
        }
    }
    if (!acked)
        return -1;
    /* wait for the response (5 ms polls) */
    for (int i = 0; i < 4000; i++) {
        long got = vh_poll_read(v, in, 180000000u);
        if (got <= 0)
            return -1;
        trustm_dl_frame_t f;
        if (trustm_dl_frame_decode(in, (size_t)got, &f) != TRUSTM_DL_FRAME_OK || (f.fctr & 0x80u))
            continue;
        if (((f.fctr >> 2) & 3u) != ((v->last_rx + 1u) & 3u)) {
            vh_ack(v);
            continue;
        }
        v->last_rx = (uint8_t)((f.fctr >> 2) & 3u);
        vh_ack(v);
        if (f.len < 2 || f.packet[0] != 0x08 || f.packet[1] != 0x20 || (size_t)f.len - 2 > cap)
            return -1;
        memcpy(rsp, f.packet + 2, f.len - 2u);
        return f.len - 2;
    }
    return -1;
}
