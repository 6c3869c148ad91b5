/*
 * trustm_dl.h - data link layer engine, master side, WIN_SIZE 1 (ifx-i2c.md §2). Private.
 *
 *   send: [C0 if a re-sync is pending] -> write data frame FRNR=last_tx+1, ACKNR=last_rx
 *         -> poll I2C_STATE (at once, then every poll_interval) -> read DATA -> classify:
 *   recv: poll I2C_STATE (every poll_interval until the deadline) -> read DATA -> classify:
 *
 *   received (send = waiting for ACK of frame x, recv = waiting for a data frame)  action   §
 *   nothing ready, send, TRANS_TIMEOUT since the write   retransmit x (count++)         2.5
 *   nothing ready, recv, deadline passed                 error DL TIMEOUT               2.9
 *   < 5 bytes, 5+LEN != read, bad FCS (data frame)       NAK(last_rx+1), poll again     2.6
 *   bad FCS (control frame), send                        retransmit x                   2.9 [HOST]
 *   control frame LEN != 0, unknown FCTR                 discard                        2.6
 *   control ACK x, send                                  done                           2.7
 *   control NAK x, send                                  retransmit x at once           2.7
 *   control ACK/NAK y != x                               discard                        2.7
 *   control re-sync, recv                                counters 3/3, keep polling     2.8
 *   data frame FRNR != last_rx+1                         control ACK(last_rx), poll     2.6
 *   data frame ACKNR != x, send                          discard                        2.9 [HOST]
 *   data frame with NAK for x, send                      retransmit x                   2.7
 *   data frame FRNR = last_rx+1 (LEN > 0)                last_rx = FRNR, control ACK,
 *                                                        deliver; in send it also ACKs x 2.4
 *   retransmissions > TRANS_REPEAT                       write C0, counters 3/3, send
 *                                                        the frame again as frame 0;
 *                                                        after resync_max re-syncs: DESYNC 2.8
 *   bad frames in a row > TRANS_REPEAT                   error DL CRC / PROTOCOL
 *   PHY error                                            that error (fatal upstream)
 * Every error leaves need_resync set: the next data frame is preceded by a re-sync frame.
 */
#ifndef TRUSTM_DL_H
#define TRUSTM_DL_H

#include "trustm_stack.h"

void trustm_dl_setup(trustm_dl_t *dl, trustm_phy_t *phy, const trustm_stack_config_t *cfg);
/* Link counters after a chip reset: last sent = last received = 3 (§2.4). */
void trustm_dl_link_reset(trustm_dl_t *dl, bool need_resync);
/* Packet area of the transmit frame (PCTR first) and its capacity (frame_size - 5). */
uint8_t *trustm_dl_packet_buf(trustm_dl_t *dl);
size_t trustm_dl_packet_max(const trustm_dl_t *dl);
/* Send the packet in the packet area as one data frame; done when it is acknowledged. The
 * packet must have been written after trustm_dl_packet_buf() (else DL INTERNAL): only a
 * retransmission asks the layer above to rebuild it (refill). */
void trustm_dl_send_start(trustm_dl_t *dl, size_t packet_len, uint64_t deadline);
/* Wait for one data frame (until deadline). */
void trustm_dl_recv_start(trustm_dl_t *dl, uint64_t deadline);
void trustm_dl_cancel(trustm_dl_t *dl);
/* TRUSTM_IN_PROGRESS + *io, or the result of the finished operation (returned once). After OK,
 * trustm_dl_received() tells whether a data frame was delivered (piggy-backed in send). */
trustm_status_t trustm_dl_next_io(trustm_dl_t *dl, trustm_io_t *io);
bool trustm_dl_received(const trustm_dl_t *dl, const uint8_t **packet, size_t *packet_len);

#endif
