/*
 * trustm_stats.h - bus and link statistics kept by the protocol stack of one device.
 * A leaf header (no dependencies) so that every layer can name the type.
 *
 * A library built with -DTRUSTM_STATS=OFF counts nothing: every counter stays 0.
 *
 * Counting rules:
 *   transactions   every I2C transaction attempted (write or read), NACKed ones included
 *   bytes_written  bytes of completed write transactions, register address byte included
 *                  (the address byte 0x60/0x61 of the bus is not counted)
 *   bytes_read     bytes of completed read transactions
 *   nacks          transactions whose address byte was not acknowledged (late acknowledge)
 *   retransmits    data frames sent again (after NAK, TRANS_TIMEOUT or re-sync)
 *   naks_sent      NAK control frames the host wrote
 *   naks_received  NAKs received from the chip (control frames or data frames with SEQCTR NAK)
 *   resyncs        re-synchronisation frames (C0) the host wrote
 */
#ifndef TRUSTM_STATS_H
#define TRUSTM_STATS_H

#include <stdint.h>

typedef struct trustm_stats {
    uint32_t transactions;
    uint32_t bytes_written;
    uint32_t bytes_read;
    uint32_t nacks;
    uint32_t retransmits;
    uint32_t naks_sent;
    uint32_t naks_received;
    uint32_t resyncs;
} trustm_stats_t;

#endif /* TRUSTM_STATS_H */
