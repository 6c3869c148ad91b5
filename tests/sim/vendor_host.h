/* vendor_host.h - vendor-like blocking test host (see vendor_host.c). */
#ifndef VENDOR_HOST_H
#define VENDOR_HOST_H

#include <stddef.h>
#include <stdint.h>

#include "trustm_sim.h"

typedef struct vendor_host {
    trustm_sim_t *sim;
    uint8_t last_tx, last_rx;
    unsigned nack_retries;
    unsigned resends;
} vendor_host_t;

/* Cold power cycle + negotiation as the vendor library does it. 0 on success. */
int vendor_host_open(vendor_host_t *v, trustm_sim_t *sim);
/* One APDU (PCTR 08, SCTR 20); returns the response APDU length or -1. */
long vendor_host_command(vendor_host_t *v, const uint8_t *apdu, size_t len, uint8_t *rsp, size_t cap);

#endif
