/*
 * bench_wire - OpenApplication + read of the coprocessor UID (E0C2) through the whole host
 * stack against the simulator (datasheet timing model, virtual clock): bytes on the wire, I2C
 * transactions and simulated time, for several frame sizes and bus speeds, printed beside the
 * physical limit = command execution time + minimum bytes on the bus x 9 / f_SCL.
 *
 * Simulated time does not depend on the machine, so the figures are exactly repeatable.
 */
#include <stdio.h>
#include <string.h>

#include "trustm/trustm.h"
#include "trustm_apdu.h"
#include "trustm_pal_sim.h"
#include "trustm_sim.h"

/* Minimum bus bytes (address bytes included) to exchange one APDU of req bytes and get a
 * response APDU of rsp bytes with frames of frame_size bytes, WIN_SIZE 1: every packet written
 * once; for each chip frame one I2C_STATE read and one DATA read; every chip data frame
 * acknowledged by a host control frame; the response carries the ACK of the last request packet. */
static unsigned long min_bus_bytes(size_t req, size_t rsp, size_t frame_size)
{
    const size_t per_packet = frame_size - 5u - 1u;     /* minus frame overhead and PCTR */
    const unsigned long state_read = (1 + 1) + (1 + 4); /* W addr reg, R addr + 4 */
    const unsigned long select_data = 1 + 1;
    const unsigned long host_ack = 1 + 1 + 5;
    unsigned long total = 0;
    size_t nq = (req + per_packet - 1) / per_packet;
    for (size_t i = 0; i < nq; i++) {
        size_t chunk = (i + 1 < nq) ? per_packet : req - i * per_packet;
        total += 1 + 1 + 5 + 1 + chunk; /* write the frame */
        if (i + 1 < nq)
            total += state_read + select_data + 1 + 5; /* read the chip's ACK */
    }
    size_t nr = (rsp + per_packet - 1) / per_packet;
    for (size_t i = 0; i < nr; i++) {
        size_t chunk = (i + 1 < nr) ? per_packet : rsp - i * per_packet;
        total += state_read + select_data + 1 + 5 + 1 + chunk + host_ack;
    }
    return total;
}

typedef struct result {
    trustm_stats_t host;
    trustm_sim_stats_t chip;
    uint64_t elapsed_us;
    uint32_t exec_us;
    unsigned long min_bytes;
} result_t;

static int run(uint16_t frame_size, uint32_t scl_khz, result_t *r)
{
    trustm_sim_config_t sc;
    memset(&sc, 0, sizeof sc);
    sc.scl_khz = scl_khz;
    sc.seed = 42;
    char err[256];
    trustm_sim_t *sim = trustm_sim_create(&sc, err, sizeof err);
    if (sim == NULL) {
        fprintf(stderr, "bench_wire: %s\n", err);
        return -1;
    }
    trustm_pal_t pal;
    trustm_device_t dev;
    trustm_config_t hc;
    memset(&hc, 0, sizeof hc);
    hc.frame_size = frame_size;
    trustm_status_t s = trustm_pal_sim_init(&pal, sim);
    if (s == TRUSTM_OK)
        s = trustm_device_init(&dev, &pal, &hc);
    if (s == TRUSTM_OK)
        s = trustm_device_reset(&dev); /* reset and DATA_REG_LEN negotiation: not measured */
    if (s != TRUSTM_OK)
        goto fail;

    uint8_t open_apdu[TRUSTM_APDU_HEADER_SIZE + TRUSTM_APP_ID_SIZE];
    trustm_apdu_header_encode(TRUSTM_CMD_OPEN_APPLICATION | TRUSTM_APDU_CMD_FLUSH, 0x00, TRUSTM_APP_ID_SIZE, open_apdu,
                              sizeof open_apdu);
    memcpy(open_apdu + TRUSTM_APDU_HEADER_SIZE, trustm_app_id, TRUSTM_APP_ID_SIZE);
    const uint8_t get_apdu[] = {
        TRUSTM_CMD_GET_DATA_OBJECT | TRUSTM_APDU_CMD_FLUSH, 0x00, 0x00, 0x06, 0xE0, 0xC2, 0x00, 0x00, 0x00, 0x1B};

    trustm_device_stats_clear(&dev);
    trustm_sim_stats_reset(sim);
    uint64_t t0 = trustm_sim_now_us(sim);
    uint8_t rsp[64];
    size_t n = 0;
    s = trustm_device_transceive(&dev, open_apdu, sizeof open_apdu, rsp, sizeof rsp, &n);
    if (s == TRUSTM_OK && (n != 4 || rsp[0] != 0))
        s = TRUSTM_STATUS(TRUSTM_LAYER_TOOL, TRUSTM_BASE_BAD_RESPONSE);
    uint8_t uid[27];
    if (s == TRUSTM_OK)
        s = trustm_data_read(&dev, 0xE0C2, 0, uid, sizeof uid, &n);
    if (s != TRUSTM_OK || n != sizeof uid)
        goto fail;
    r->elapsed_us = trustm_sim_now_us(sim) - t0;
    r->host = *trustm_device_stats(&dev);
    trustm_sim_stats_get(sim, &r->chip);
    r->exec_us = trustm_sim_exec_time_us(sim, open_apdu, sizeof open_apdu) +
                 trustm_sim_exec_time_us(sim, get_apdu, sizeof get_apdu);
    r->min_bytes = min_bus_bytes(sizeof open_apdu, 4, frame_size) + min_bus_bytes(sizeof get_apdu, 4 + 27, frame_size);
    trustm_sim_destroy(sim);
    return 0;
fail:
    fprintf(stderr, "bench_wire: frame %u: %s: %s\n", frame_size, trustm_status_layer_str(s),
            trustm_status_base_str(s));
    trustm_sim_destroy(sim);
    return -1;
}

int main(void)
{
    static const uint16_t frames[] = {277, 64, 20, 16};
    static const uint32_t speeds[] = {400, 100, 1000};
    printf("OpenApplication + read UID (E0C2, 27 bytes): host library -> I2C -> simulator\n");
    printf("simulator: datasheet timing model, virtual clock (times are simulated, machine-independent)\n\n");
    printf("%5s %5s | %6s %5s %6s %6s | %9s %9s | %9s %7s %9s | %6s\n", "SCL", "frame", "trans", "NACK", "wr B", "rd B",
           "bus us", "sim us", "min B", "exec us", "limit us", "ratio");
    double base = 0;
    for (size_t si = 0; si < sizeof speeds / sizeof speeds[0]; si++) {
        for (size_t fi = 0; fi < sizeof frames / sizeof frames[0]; fi++) {
            if (speeds[si] != 400 && frames[fi] != 277 && frames[fi] != 20)
                continue;
            result_t r;
            if (run(frames[fi], speeds[si], &r) != 0)
                return 1;
            double limit = r.exec_us + (double)r.min_bytes * 9.0 * 1000.0 / speeds[si];
            if (speeds[si] == 400 && frames[fi] == 277)
                base = (double)r.elapsed_us;
            printf("%5u %5u | %6lu %5lu %6lu %6lu | %9llu %9llu | %9lu %7u %9.0f | %6.2f\n", (unsigned)speeds[si],
                   (unsigned)frames[fi], (unsigned long)r.host.transactions, (unsigned long)r.host.nacks,
                   (unsigned long)r.host.bytes_written, (unsigned long)r.host.bytes_read,
                   (unsigned long long)r.chip.bus_time_us, (unsigned long long)r.elapsed_us, r.min_bytes, r.exec_us,
                   limit, (double)r.elapsed_us / limit);
        }
    }
    printf("\ntrans = I2C transactions by the host; wr/rd B = payload bytes (register byte included,\n"
           "address bytes not); bus us = simulated time on the bus; sim us = simulated time of the\n"
           "whole exchange (bus + guard times + polling + command execution);\n"
           "limit = command execution time + minimum bus bytes (address bytes included) x 9 / f_SCL;\n"
           "ratio = sim us / limit. Reference for frame-size ratios: 400 kHz / 277 = %.0f us.\n",
           base);
    return 0;
}
