/*
 * The simulator's state-file loader (sim/nvm: the NVM image codec) under arbitrary images, through
 * the memory storage.  Whatever the bytes, creating a chip from them either fails with a one-line
 * reason or gives a chip that answers OpenApplication; a chip that loaded commits an image that
 * loads again.  (The input is used as is, and with its CRC-32 fixed so that the record parser
 * behind the checksum is reached.)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "trustm_sim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t crc32(const uint8_t *p, size_t n)
{
    uint32_t crc = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++)
            crc = (crc & 1u) ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
    }
    return ~crc;
}

static void try_image(const uint8_t *img, size_t n)
{
    static const uint8_t open_app[] = {0xF0, 0x00, 0x00, 0x10, 0xD2, 0x76, 0x00, 0x00, 0x04, 0x47,
                                       0x65, 0x6E, 0x41, 0x75, 0x74, 0x68, 0x41, 0x70, 0x70, 0x6C};
    static uint8_t rsp[2048];
    trustm_sim_mem_t mem;
    memset(&mem, 0, sizeof mem);
    mem.image = malloc(n > 0 ? n : 1u);
    if (mem.image == NULL)
        return;
    memcpy(mem.image, img, n);
    mem.len = n;
    trustm_sim_storage_t st;
    trustm_sim_storage_memory(&st, &mem);
    trustm_sim_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.storage = &st;
    cfg.timing = TRUSTM_SIM_TIMING_NONE;
    char err[256] = "";
    trustm_sim_t *sim = trustm_sim_create(&cfg, err, sizeof err);
    if (sim == NULL) {
        if (err[0] == '\0')
            abort(); /* a refusal always says why */
    } else {
        if (trustm_sim_apdu(sim, open_app, sizeof open_app, rsp, sizeof rsp) != 4)
            abort();
        if (trustm_sim_save(sim, err, sizeof err) != 0)
            abort();
        trustm_sim_destroy(sim);
        sim = trustm_sim_create(&cfg, err, sizeof err); /* what it committed loads again */
        if (sim == NULL)
            abort();
        trustm_sim_destroy(sim);
    }
    trustm_sim_mem_free(&mem);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 70000)
        return 0;
    try_image(data, size);
    if (size >= 20) { /* the same with a valid header length and CRC */
        uint8_t *b = malloc(size);
        if (b == NULL)
            return 0;
        memcpy(b, data, size);
        memcpy(b, "TRUSTMSM\0\0\0\1", 12);
        uint32_t plen = (uint32_t)(size - 20u);
        b[12] = (uint8_t)(plen >> 24);
        b[13] = (uint8_t)(plen >> 16);
        b[14] = (uint8_t)(plen >> 8);
        b[15] = (uint8_t)plen;
        uint32_t c = crc32(b, size - 4u);
        b[size - 4] = (uint8_t)(c >> 24);
        b[size - 3] = (uint8_t)(c >> 16);
        b[size - 2] = (uint8_t)(c >> 8);
        b[size - 1] = (uint8_t)c;
        try_image(b, size);
        free(b);
    }
    return 0;
}
