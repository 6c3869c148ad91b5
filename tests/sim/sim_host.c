#include "sim_host.h"

#include <stdio.h>
#include <string.h>

#include "trustm_bytes.h"
#include "trustm_frame.h"
#include "trustm_pctr.h"

void sim_host_init(sim_host_t *h, trustm_sim_t *sim)
{
    memset(h, 0, sizeof *h);
    h->sim = sim;
    h->addr = 0x30;
    h->last_tx = 3;
    h->last_rx = 3;
    h->frame_size = 277;
}

int sim_host_write(sim_host_t *h, const uint8_t *buf, size_t len)
{
    trustm_sim_bus_t r = TRUSTM_SIM_NACK;
    for (int i = 0; i < 200 && (r = trustm_sim_i2c_write(h->sim, h->addr, buf, len)) == TRUSTM_SIM_NACK; i++)
        trustm_sim_sleep_us(h->sim, 1000);
    trustm_sim_sleep_us(h->sim, 50);
    return r == TRUSTM_SIM_ACK ? 0 : -1;
}

int sim_host_read(sim_host_t *h, uint8_t *buf, size_t len)
{
    trustm_sim_bus_t r = TRUSTM_SIM_NACK;
    for (int i = 0; i < 200 && (r = trustm_sim_i2c_read(h->sim, h->addr, buf, len)) == TRUSTM_SIM_NACK; i++)
        trustm_sim_sleep_us(h->sim, 1000);
    trustm_sim_sleep_us(h->sim, 50);
    return r == TRUSTM_SIM_ACK ? 0 : -1;
}

int sim_host_reg_read(sim_host_t *h, uint8_t reg, uint8_t *buf, size_t n)
{
    if (sim_host_write(h, &reg, 1) != 0)
        return -1;
    return sim_host_read(h, buf, n);
}

int sim_host_frame_write(sim_host_t *h, const uint8_t *frame, size_t len)
{
    uint8_t buf[1 + 0x10000];
    buf[0] = 0x80;
    memcpy(buf + 1, frame, len);
    return sim_host_write(h, buf, len + 1);
}

long sim_host_frame_read(sim_host_t *h, uint8_t *buf, size_t cap, uint32_t timeout_us)
{
    uint64_t end = trustm_sim_now_us(h->sim) + timeout_us;
    for (;;) {
        uint8_t st[4];
        if (sim_host_reg_read(h, 0x82, st, 4) != 0)
            return -1;
        size_t n = trustm_be16_get(st + 2);
        if ((st[0] & 0x40u) && n > 0 && n <= cap) {
            if (sim_host_reg_read(h, 0x80, buf, n) != 0)
                return -1;
            return (long)n;
        }
        if (trustm_sim_now_us(h->sim) >= end)
            return 0;
        trustm_sim_sleep_us(h->sim, 500);
    }
}

static int send_control_ack(sim_host_t *h)
{
    uint8_t f[5];
    trustm_dl_frame_encode(trustm_dl_fctr_ack(h->last_rx), NULL, 0, f, sizeof f);
    return sim_host_frame_write(h, f, 5);
}

/* Send one packet as a data frame and wait until it is acknowledged (control ACK or a data
 * frame carrying the ACK, which is then returned in pending/pending_len). */
static int send_packet(sim_host_t *h, const uint8_t *packet, size_t len, uint8_t *pending, long *pending_len)
{
    uint8_t frame[0x10000 + 5];
    uint8_t frnr = (uint8_t)((h->last_tx + 1u) & 3u);
    size_t n = trustm_dl_frame_encode(trustm_dl_fctr_data(frnr, h->last_rx), packet, len, frame, sizeof frame);
    *pending_len = 0;
    for (int attempt = 0; attempt < 4; attempt++) {
        if (sim_host_frame_write(h, frame, n) != 0)
            return -1;
        for (;;) {
            uint8_t in[300];
            long got = sim_host_frame_read(h, in, sizeof in, 200000);
            if (got <= 0)
                break; /* retransmit */
            trustm_dl_frame_t f;
            if (trustm_dl_frame_decode(in, (size_t)got, &f) != TRUSTM_DL_FRAME_OK)
                continue;
            if (f.fctr & 0x80u) {
                if ((f.fctr & 0xE0u) == 0x80u && (f.fctr & 3u) == frnr) {
                    h->last_tx = frnr;
                    return 0;
                }
                if ((f.fctr & 0xE0u) == 0xA0u)
                    break; /* NAK: retransmit */
                continue;
            }
            if ((f.fctr & 3u) == frnr) { /* response with piggy-backed ACK */
                h->last_tx = frnr;
                memcpy(pending, in, (size_t)got);
                *pending_len = got;
                return 0;
            }
        }
    }
    fprintf(stderr, "sim_host: packet not acknowledged\n");
    return -1;
}

long sim_host_transceive(sim_host_t *h, const uint8_t *apdu, size_t len, uint8_t *rsp, size_t cap)
{
    uint8_t packet[0x10000];
    uint8_t msg[4096];
    size_t mlen = 0;
    if (h->presence && !h->raw_pl)
        msg[mlen++] = 0x20;
    memcpy(msg + mlen, apdu, len);
    mlen += len;

    const size_t payload_max = h->frame_size - 6u;
    uint8_t pending[300];
    long pending_len = 0;
    for (size_t off = 0; off < mlen;) {
        size_t n = mlen - off < payload_max ? mlen - off : payload_max;
        uint8_t chain;
        if (off == 0)
            chain = n == mlen ? TRUSTM_TL_CHAIN_SINGLE : TRUSTM_TL_CHAIN_FIRST;
        else
            chain = off + n == mlen ? TRUSTM_TL_CHAIN_LAST : TRUSTM_TL_CHAIN_INTERMEDIATE;
        packet[0] = (uint8_t)((h->presence ? 0x08u : 0u) | chain);
        memcpy(packet + 1, msg + off, n);
        if (send_packet(h, packet, n + 1, pending, &pending_len) != 0)
            return -1;
        off += n;
    }
    /* receive the response packets */
    uint8_t out[4096];
    size_t olen = 0;
    for (;;) {
        uint8_t in[300];
        long got;
        if (pending_len > 0) {
            memcpy(in, pending, (size_t)pending_len);
            got = pending_len;
            pending_len = 0;
        } else {
            got = sim_host_frame_read(h, in, sizeof in, 60000000); /* RSA keygen + throttling */
        }
        if (got <= 0) {
            fprintf(stderr, "sim_host: no response\n");
            return -1;
        }
        trustm_dl_frame_t f;
        if (trustm_dl_frame_decode(in, (size_t)got, &f) != TRUSTM_DL_FRAME_OK || (f.fctr & 0x80u) || f.len == 0)
            continue;
        uint8_t frnr = (uint8_t)((f.fctr >> 2) & 3u);
        if (frnr != ((h->last_rx + 1u) & 3u)) {
            send_control_ack(h);
            continue;
        }
        h->last_rx = frnr;
        if (send_control_ack(h) != 0)
            return -1;
        uint8_t chain = f.packet[0] & 7u;
        if (olen + f.len - 1u > sizeof out)
            return -1;
        memcpy(out + olen, f.packet + 1, f.len - 1u);
        olen += f.len - 1u;
        if (chain == TRUSTM_TL_CHAIN_SINGLE || chain == TRUSTM_TL_CHAIN_LAST || chain == TRUSTM_TL_CHAIN_ERROR)
            break;
    }
    size_t skip = (h->presence && !h->raw_pl && olen > 0) ? 1u : 0u;
    if (olen - skip > cap)
        return -1;
    memcpy(rsp, out + skip, olen - skip);
    return (long)(olen - skip);
}
