/*
 * The simulator's metadata parser and change rules.  The input is used as a metadata
 * container: first checked by the parser alone (which must not crash and must answer 0 or a
 * device error code), then written with SetDataObject Param 0x01 to an object chosen by the
 * first byte.  Whatever the write answered, the object's metadata read back afterwards must be
 * a valid container again (the store never keeps a broken one).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "trustm_sim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint16_t oids[] = {0xF1D0, 0xF1E0, 0xE0E1, 0xE0E8, 0xE120, 0xE140,
                                0xE0FC, 0xE200, 0xE0C0, 0xE0C9, 0xF1C0, 0xE0C2};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t rsp[2048];
    static const uint8_t open_app[] = {0xF0, 0x00, 0x00, 0x10, 0xD2, 0x76, 0x00, 0x00, 0x04, 0x47,
                                       0x65, 0x6E, 0x41, 0x75, 0x74, 0x68, 0x41, 0x70, 0x70, 0x6C};
    int rc = trustm_sim_metadata_check(data, size);
    if (rc != 0 && rc != 0x05 && rc != 0x09)
        abort();
    if (size < 1 || size > 1500)
        return 0;
    trustm_sim_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.timing = TRUSTM_SIM_TIMING_NONE;
    trustm_sim_t *sim = trustm_sim_create(&cfg, NULL, 0);
    if (sim == NULL)
        abort();
    if (trustm_sim_apdu(sim, open_app, sizeof open_app, rsp, sizeof rsp) != 4 || rsp[0] != 0)
        abort();
    uint16_t oid = oids[data[0] % (sizeof oids / sizeof oids[0])];
    uint8_t apdu[1600];
    size_t n = size - 1u;
    apdu[0] = 0x82;
    apdu[1] = 0x01;
    apdu[2] = (uint8_t)((n + 4u) >> 8);
    apdu[3] = (uint8_t)(n + 4u);
    apdu[4] = (uint8_t)(oid >> 8);
    apdu[5] = (uint8_t)oid;
    apdu[6] = 0;
    apdu[7] = 0;
    memcpy(apdu + 8, data + 1, n);
    size_t r = trustm_sim_apdu(sim, apdu, n + 8u, rsp, sizeof rsp);
    if (r != 4 || (rsp[0] == 0x00) != (trustm_sim_metadata_check(data + 1, n) == 0 && rsp[0] == 0x00))
        abort();
    const uint8_t get[] = {0x81, 0x01, 0x00, 0x02, (uint8_t)(oid >> 8), (uint8_t)oid};
    r = trustm_sim_apdu(sim, get, sizeof get, rsp, sizeof rsp);
    if (r < 6 || rsp[0] != 0x00 || trustm_sim_metadata_check(rsp + 4, r - 4u) != 0)
        abort();
    trustm_sim_destroy(sim);
    return 0;
}
