/*
 * sim_host.h - a minimal frame-level test host for the simulator tests: writes frames, polls
 * I2C_STATE, reads frames, acknowledges, reassembles chained responses.  Written for the tests
 * only (independent of src/proto).
 */
#ifndef SIM_HOST_H
#define SIM_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trustm_sim.h"

typedef struct sim_host {
    trustm_sim_t *sim;
    uint8_t addr;
    uint8_t last_tx;
    uint8_t last_rx;
    bool presence;     /* PCTR 08 + SCTR 20 on every packet */
    bool raw_pl;       /* with presence: the message is the presentation payload as given */
    size_t frame_size; /* host frame size (DATA_REG_LEN it uses), default 277 */
} sim_host_t;

void sim_host_init(sim_host_t *h, trustm_sim_t *sim);
/* Write one register transaction with NACK retry (1 ms, 200x) and 50 µs guard. 0 = ACK. */
int sim_host_write(sim_host_t *h, const uint8_t *buf, size_t len);
int sim_host_read(sim_host_t *h, uint8_t *buf, size_t len);
/* Select reg and read n bytes. */
int sim_host_reg_read(sim_host_t *h, uint8_t reg, uint8_t *buf, size_t n);
/* Write a frame (register 0x80 prepended). */
int sim_host_frame_write(sim_host_t *h, const uint8_t *frame, size_t len);
/* Poll I2C_STATE every 500 µs up to timeout_us for RESP_RDY, then read the frame.
 * Returns its length, 0 on timeout, -1 on bus failure. */
long sim_host_frame_read(sim_host_t *h, uint8_t *buf, size_t cap, uint32_t timeout_us);
/* Send an APDU (chained if needed), collect the response APDU (reassembled).  Returns the
 * response length or -1 with a reason on stderr. */
long sim_host_transceive(sim_host_t *h, const uint8_t *apdu, size_t len, uint8_t *rsp, size_t cap);

#endif
