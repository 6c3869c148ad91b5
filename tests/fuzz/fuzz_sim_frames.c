/*
 * The simulator's bus front end, data link, transport and command dispatch under arbitrary
 * host traffic. The input is a script of records [kind][len][bytes…]:
 *   kind % 4 == 0  raw I2C write of len bytes (first byte = register address)
 *   kind % 4 == 1  I2C read of len bytes
 *   kind % 4 == 2  sleep len * 100 us on the virtual clock
 *   kind % 4 == 3  a frame with a valid FCS written to DATA: FCTR = first byte, packet = rest
 *                  (so that fuzzing gets past the CRC into transport and APDU handling)
 * The chip must never crash, and every read must return exactly the bytes asked for.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "trustm_frame.h"
#include "trustm_sim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    trustm_sim_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.timing = TRUSTM_SIM_TIMING_NONE;
    cfg.seed = 1;
    char err[128];
    trustm_sim_t *sim = trustm_sim_create(&cfg, err, sizeof err);
    if (sim == NULL)
        abort();
    trustm_sim_sleep_us(sim, 20000); /* past start-up */
    static uint8_t buf[2048];
    size_t pos = 0;
    while (pos + 2 <= size) {
        uint8_t kind = data[pos];
        size_t len = data[pos + 1];
        pos += 2;
        if (len > size - pos)
            len = size - pos;
        const uint8_t *p = data + pos;
        switch (kind & 3u) {
        case 0:
            (void)trustm_sim_i2c_write(sim, 0x30, p, len);
            pos += len;
            break;
        case 1:
            memset(buf, 0xA5, len + 1);
            (void)trustm_sim_i2c_read(sim, 0x30, buf, len);
            if (buf[len] != 0xA5) /* wrote past the requested length */
                abort();
            break;
        case 2:
            trustm_sim_sleep_us(sim, (uint32_t)len * 100u);
            break;
        default:
            if (len > 0) {
                buf[0] = 0x80; /* DATA register */
                size_t n = trustm_dl_frame_encode(p[0], p + 1, len - 1, buf + 1, sizeof buf - 1);
                if (n > 0)
                    (void)trustm_sim_i2c_write(sim, 0x30, buf, n + 1);
            }
            pos += len;
            break;
        }
    }
    trustm_sim_destroy(sim);
    return 0;
}
