/*
 * The simulator's APDU dispatcher and command engine under arbitrary APDUs, after
 * OpenApplication.  The input is a script of APDUs: [len hi][len lo][bytes...] repeated, so
 * that sequences (hash, symmetric start/continue/final, sessions) are reachable.  A few fixed
 * set-up commands first make the crypto objects usable (AES key, RSA-1024 key, PRESSEC secret,
 * AUTOREF object).  Every response must be a well-formed response APDU: Sta 00 with OutLen
 * matching the length, or FF 00 00 00 with a non-zero last error code.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "trustm_sim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t rsp[2048];

static void check(size_t n)
{
    if (n < 4)
        abort();
    if (rsp[0] == 0x00) {
        if ((size_t)((rsp[2] << 8) | rsp[3]) + 4u != n || n > 1557u)
            abort();
    } else if (rsp[0] != 0xFF || n != 4 || rsp[2] != 0 || rsp[3] != 0) {
        abort();
    }
}

static size_t run(trustm_sim_t *sim, const uint8_t *a, size_t n)
{
    size_t r = trustm_sim_apdu(sim, a, n, rsp, sizeof rsp);
    check(r);
    return r;
}

static const uint8_t open_app[] = {0xF0, 0x00, 0x00, 0x10, 0xD2, 0x76, 0x00, 0x00, 0x04, 0x47,
                                   0x65, 0x6E, 0x41, 0x75, 0x74, 0x68, 0x41, 0x70, 0x70, 0x6C};

static trustm_sim_t *setup(void)
{
    static const uint8_t steps[][24] = {
        /* E200: CHA ALW, generate AES-128 usage Enc */
        {0x82, 0x01, 0x00, 0x09, 0xE2, 0x00, 0x00, 0x00, 0x20, 0x03, 0xD0, 0x01, 0x00},
        {0xB9, 0x81, 0x00, 0x09, 0x01, 0x00, 0x02, 0xE2, 0x00, 0x02, 0x00, 0x01, 0x02},
        /* F1D1 = PRESSEC, EXE ALW, 32 bytes content */
        {0x82, 0x01, 0x00, 0x0C, 0xF1, 0xD1, 0x00, 0x00, 0x20, 0x06, 0xE8, 0x01, 0x21, 0xD3, 0x01, 0x00},
        {0x82, 0x40, 0x00, 0x14, 0xF1, 0xD1, 0x00, 0x00, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16},
        /* F1D2 = AUTOREF, EXE ALW */
        {0x82, 0x01, 0x00, 0x0C, 0xF1, 0xD2, 0x00, 0x00, 0x20, 0x06, 0xE8, 0x01, 0x31, 0xD3, 0x01, 0x00},
        /* E0FD RSA-1024 usage Sign|Enc */
        {0xB8, 0x41, 0x00, 0x09, 0x01, 0x00, 0x02, 0xE0, 0xFD, 0x02, 0x00, 0x01, 0x12},
    };
    static const uint8_t lens[] = {13, 13, 16, 24, 16, 13};
    trustm_sim_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.timing = TRUSTM_SIM_TIMING_NONE;
    cfg.seed = 7;
    trustm_sim_t *sim = trustm_sim_create(&cfg, NULL, 0);
    if (sim == NULL)
        abort();
    trustm_sim_sleep_us(sim, 20000);
    run(sim, open_app, sizeof open_app);
    if (rsp[0] != 0)
        abort();
    for (size_t i = 0; i < sizeof lens; i++) {
        run(sim, steps[i], lens[i]);
        if (rsp[0] != 0)
            abort();
    }
    return sim;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* One chip for all inputs (RSA key generation in the set-up is too slow per input); every
     * input starts with a fresh application context.  Persistent changes of earlier inputs stay,
     * as on a real chip; the chip is rebuilt every 512 inputs so they do not pile up. */
    static trustm_sim_t *sim;
    static unsigned uses;
    if (sim != NULL && ++uses % 512u == 0) {
        trustm_sim_destroy(sim);
        sim = NULL;
    }
    if (sim == NULL)
        sim = setup();
    run(sim, open_app, sizeof open_app);
    size_t i = 0;
    while (i + 2 <= size) {
        size_t n = (size_t)((data[i] << 8) | data[i + 1]) % 1600u;
        i += 2;
        if (n > size - i)
            n = size - i;
        const uint8_t *a = data + i;
        i += n;
        /* RSA-2048 key generation takes seconds per input: keep the fuzzer fast */
        if (n >= 2 && (a[0] & 0x7Fu) == 0x38u && a[1] == 0x42u)
            continue;
        run(sim, a, n);
    }
    return 0;
}
