/*
 * trustm_tl.h - network + transport layer, master side (ifx-i2c.md §3, §4). Private.
 *
 * Sends one message (presentation header || APDU) as a single packet, or chained: every packet
 * but the last is exactly frame_size - 5 bytes including PCTR; then reassembles the response.
 *
 *   event while receiving (packet = PCTR || payload)       action                          §
 *   CHAN != 0, CHAIN invalid, wrong predecessor,            send the chaining-error packet  4.3
 *   first/intermediate packet != frame_size - 5 bytes       07 once and wait for the whole
 *                                                           response again; 2nd time: error
 *                                                           TL PROTOCOL
 *   chaining-error packet from the chip                     send the whole message again
 *                                                           once; 2nd time: TL PROTOCOL     4.3
 *   PRESENCE (first/single packet) != the one we send       TL PROTOCOL                     5.1
 *   single / last packet                                    complete: PL rx_end; response
 *                                                           larger than the buffer: the chain
 *                                                           is drained, then TL BUFFER_TOO_SMALL
 *                                                           (a sink bounds itself)
 *   a data packet while our chain is still being sent       TL PROTOCOL
 * Predecessors ([HOST]): single/first after single/last (or nothing); intermediate/last after
 * first/intermediate.
 */
#ifndef TRUSTM_TL_H
#define TRUSTM_TL_H

#include "trustm_stack.h"

void trustm_tl_setup(trustm_tl_t *tl, trustm_dl_t *dl, const trustm_stack_config_t *cfg);
trustm_status_t trustm_tl_start(trustm_tl_t *tl, const uint8_t *apdu, size_t apdu_len, uint8_t *rsp, size_t rsp_size,
                                uint64_t now_us);
/* apdu as a gather list (trustm_bytes.h), response into a sink (trustm_stack_start_sink). */
trustm_status_t trustm_tl_start_sink(trustm_tl_t *tl, const trustm_gather_t *g, const trustm_rsp_sink_t *sink,
                                     uint64_t now_us);
trustm_status_t trustm_tl_next_io(trustm_tl_t *tl, trustm_io_t *io);
void trustm_tl_cancel(trustm_tl_t *tl);

#endif
