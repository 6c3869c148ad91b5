/*
 * bench_cpu - host CPU cost of one command through the whole host stack (API, command layer,
 * transport, data link, physical layer, pump), measured in instructions under callgrind by
 * scripts/bench.sh. The chip is the in-process simulator behind a thin forwarding port whose
 * functions (bench_pal_*) let the script subtract the simulator's own instructions:
 *   host instructions = inclusive(bench_cmd_X) - inclusive(bench_pal_* called from it).
 * Without valgrind it simply runs the loops (useful as a smoke test).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trustm/trustm.h"
#include "trustm_apdu.h"
#include "bench_pal.h"
#include "trustm_pal_sim.h"
#include "trustm_sim.h"

#define NOINLINE __attribute__((noinline))

static int check(trustm_status_t s, const char *what)
{
    if (s == TRUSTM_OK)
        return 0;
    fprintf(stderr, "bench_cpu: %s: %s: %s\n", what, trustm_status_layer_str(s), trustm_status_base_str(s));
    exit(1);
}

/* The measured units: one command each. */
NOINLINE void bench_cmd_open_application(trustm_device_t *dev);
NOINLINE void bench_cmd_read_uid(trustm_device_t *dev);
NOINLINE void bench_cmd_random(trustm_device_t *dev);
NOINLINE void bench_cmd_sha256(trustm_device_t *dev);
NOINLINE void bench_cmd_write_data(trustm_device_t *dev);

NOINLINE void bench_cmd_random(trustm_device_t *dev)
{
    uint8_t r[32];
    check(trustm_random(dev, TRUSTM_RNG_TRNG, sizeof r, r, sizeof r, NULL), "random");
}

NOINLINE void bench_cmd_sha256(trustm_device_t *dev)
{
    static const uint8_t msg[256] = {1};
    uint8_t d[32];
    check(trustm_sha256(dev, msg, sizeof msg, d), "sha256");
}

NOINLINE void bench_cmd_write_data(trustm_device_t *dev)
{
    static const uint8_t data[100] = {2};
    check(trustm_data_write(dev, 0xF1D2, TRUSTM_ERASE_AND_WRITE, 0, data, sizeof data), "write");
}

NOINLINE void bench_cmd_open_application(trustm_device_t *dev)
{
    uint8_t apdu[TRUSTM_APDU_HEADER_SIZE + TRUSTM_APP_ID_SIZE];
    trustm_apdu_header_encode(TRUSTM_CMD_OPEN_APPLICATION | TRUSTM_APDU_CMD_FLUSH, 0, TRUSTM_APP_ID_SIZE, apdu,
                              sizeof apdu);
    memcpy(apdu + TRUSTM_APDU_HEADER_SIZE, trustm_app_id, TRUSTM_APP_ID_SIZE);
    uint8_t rsp[16];
    size_t n;
    check(trustm_device_transceive(dev, apdu, sizeof apdu, rsp, sizeof rsp, &n), "OpenApplication");
}

NOINLINE void bench_cmd_read_uid(trustm_device_t *dev)
{
    uint8_t uid[27];
    size_t n;
    check(trustm_data_read(dev, 0xE0C2, 0, uid, sizeof uid, &n), "read UID");
}

static void setup(trustm_sim_t **sim, trustm_pal_t *pal, trustm_device_t *dev, uint16_t frame_size)
{
    trustm_sim_config_t sc;
    memset(&sc, 0, sizeof sc);
    sc.seed = 42;
    char err[256];
    *sim = trustm_sim_create(&sc, err, sizeof err);
    if (*sim == NULL) {
        fprintf(stderr, "bench_cpu: %s\n", err);
        exit(1);
    }
    pal->ops = &bench_pal_ops;
    pal->ctx = *sim;
    trustm_config_t hc;
    memset(&hc, 0, sizeof hc);
    hc.frame_size = frame_size;
    check(trustm_device_init(dev, pal, &hc), "init");
    check(trustm_device_open(dev), "open");
}

int main(int argc, char **argv)
{
    int iterations = argc > 1 ? atoi(argv[1]) : 20;
    uint16_t frame_size = argc > 2 ? (uint16_t)atoi(argv[2]) : 277;
    trustm_sim_t *sim;
    trustm_pal_t pal;
    trustm_device_t dev;
    setup(&sim, &pal, &dev, frame_size);
    for (int i = 0; i < iterations; i++) {
        bench_cmd_open_application(&dev);
        bench_cmd_read_uid(&dev);
        bench_cmd_random(&dev);
        bench_cmd_sha256(&dev);
        bench_cmd_write_data(&dev);
    }
    printf("bench_cpu: %d iterations at frame size %u\n", iterations, frame_size);
    trustm_sim_destroy(sim);
    return 0;
}
