/*
 * bench_daemon - simulator throughput: short commands (GetRandom 32) per second of wall time,
 * host stack + simulator in one process, and through the daemon's socket (trustm-sim serve
 * --timing none, started by scripts/bench.sh). A machine-dependent figure, printed, never
 * asserted.
 *   bench_daemon inproc SECONDS
 *   bench_daemon socket PATH SECONDS
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "trustm/trustm.h"
#include "trustm_pal_sim.h"
#include "trustm_pal_socket.h"
#include "trustm_sim.h"

static double wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int run(const trustm_pal_t *pal, double seconds, const char *what)
{
    trustm_device_t dev;
    trustm_status_t s = trustm_device_init(&dev, pal, NULL);
    if (s == TRUSTM_OK)
        s = trustm_device_open(&dev);
    if (s != TRUSTM_OK) {
        fprintf(stderr, "bench_daemon: open: %s: %s\n", trustm_status_layer_str(s), trustm_status_base_str(s));
        return 1;
    }
    unsigned long n = 0;
    double t0 = wall(), t = t0;
    while (t - t0 < seconds) {
        for (int i = 0; i < 50; i++, n++) {
            uint8_t r[32];
            s = trustm_random(&dev, TRUSTM_RNG_TRNG, sizeof r, r, sizeof r, NULL);
            if (s != TRUSTM_OK) {
                fprintf(stderr, "bench_daemon: random: %s: %s\n", trustm_status_layer_str(s),
                        trustm_status_base_str(s));
                return 1;
            }
        }
        t = wall();
    }
    const trustm_stats_t *st = trustm_device_stats(&dev);
    printf("%-28s %10.0f commands/s  (%lu commands, %.2f I2C transactions each)\n", what, (double)n / (t - t0), n,
           (double)st->transactions / (double)n);
    printf("{\"name\": \"sim.throughput.%s\", \"value\": %.0f, \"unit\": \"commands/s\", \"configuration\": "
           "\"GetRandom 32, --timing none, one core, wall clock (machine-dependent)\"}\n",
           strcmp(what, "in-process") == 0 ? "inproc" : "daemon", (double)n / (t - t0));
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "inproc") == 0) {
        trustm_sim_config_t sc;
        memset(&sc, 0, sizeof sc);
        sc.seed = 5;
        sc.timing = TRUSTM_SIM_TIMING_NONE;
        char err[256];
        trustm_sim_t *sim = trustm_sim_create(&sc, err, sizeof err);
        if (sim == NULL) {
            fprintf(stderr, "bench_daemon: %s\n", err);
            return 1;
        }
        trustm_pal_t pal;
        trustm_pal_sim_init(&pal, sim);
        int rc = run(&pal, atof(argv[2]), "in-process");
        trustm_sim_destroy(sim);
        return rc;
    }
    if (argc == 4 && strcmp(argv[1], "socket") == 0) {
        trustm_pal_socket_t so;
        trustm_pal_t pal;
        if (trustm_pal_socket_open(&so, argv[2], 0) != TRUSTM_OK) {
            fprintf(stderr, "bench_daemon: cannot connect to %s\n", argv[2]);
            return 1;
        }
        trustm_pal_socket_init(&pal, &so);
        int rc = run(&pal, atof(argv[3]), "through the daemon");
        trustm_pal_socket_close(&so);
        return rc;
    }
    fprintf(stderr, "usage: bench_daemon inproc SECONDS | bench_daemon socket PATH SECONDS\n");
    return 2;
}
