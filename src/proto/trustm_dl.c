/* Data link layer engine, master side (ifx-i2c.md §2). Transition table in trustm_dl.h. */
#include "trustm_dl.h"

#include <string.h>

#include "trustm_bytes.h"
#include "trustm_config.h"
#include "trustm_phy.h"

enum { DL_OP_IDLE = 0, DL_OP_SEND, DL_OP_RECV, DL_OP_DONE };
enum {
    DL_ST_TX_START = 1, /* send started: the first write is due    */
    DL_ST_RESYNC_WRITE, /* writing C0                              */
    DL_ST_TX_WRITE,     /* writing the data frame                  */
    DL_ST_POLL,         /* reading I2C_STATE                       */
    DL_ST_RX_READ,      /* reading DATA                            */
    DL_ST_CTRL_WRITE    /* writing a control ACK / NAK             */
};
enum { AFTER_POLL = 0, AFTER_DONE };

#define DL_ERR(base) TRUSTM_STATUS(TRUSTM_LAYER_DL, (base))

void trustm_dl_setup(trustm_dl_t *dl, trustm_phy_t *phy, const trustm_stack_config_t *cfg)
{
    memset(dl, 0, sizeof *dl);
    dl->phy = phy;
    dl->frame_size = cfg->frame_size;
    dl->trans_timeout_us = cfg->trans_timeout_us;
    dl->trans_repeat = cfg->trans_repeat;
    dl->resync_max = cfg->resync_max;
    dl->poll_interval_us = cfg->poll_interval_us;
    trustm_dl_link_reset(dl, false);
}

void trustm_dl_link_reset(trustm_dl_t *dl, bool need_resync)
{
    dl->last_tx = 3;
    dl->last_rx = 3;
    dl->need_resync = need_resync;
}

uint8_t *trustm_dl_packet_buf(trustm_dl_t *dl)
{
    dl->tx_stale = false; /* the caller writes the packet to send */
    return dl->frame + 1 + TRUSTM_DL_HEADER_SIZE;
}

size_t trustm_dl_packet_max(const trustm_dl_t *dl)
{
    return (size_t)dl->frame_size - TRUSTM_DL_OVERHEAD;
}

static void dl_finish(trustm_dl_t *dl, trustm_status_t status)
{
    dl->op = DL_OP_DONE;
    dl->result = status;
    if (status != TRUSTM_OK)
        dl->need_resync = true;
}

static void dl_frame_used(trustm_dl_t *dl, size_t n)
{
    if (dl->frame_hw < n)
        dl->frame_hw = (uint16_t)n;
}

/* Write the data frame for FRNR last_tx with the current ACKNR; the packet is in place. */
static void dl_write_frame(trustm_dl_t *dl)
{
    dl->frame[0] = TRUSTM_PHY_REG_DATA;
    trustm_dl_frame_seal(dl->frame + 1, trustm_dl_fctr_data(dl->last_tx, dl->last_rx), dl->tx_len - TRUSTM_DL_OVERHEAD);
    dl_frame_used(dl, 1u + dl->tx_len);
    dl->state = DL_ST_TX_WRITE;
    trustm_phy_write_start(dl->phy, dl->frame, 1 + dl->tx_len);
}

/* Write the data frame again (retransmission, after a re-sync): a received frame may have
 * overwritten the packet; the layer above rebuilds it, or the frame fails with DL PROTOCOL. */
static void dl_write_data(trustm_dl_t *dl)
{
    if (dl->tx_stale) {
        if (dl->refill == NULL || !dl->refill(dl->refill_ctx, dl->frame + 1 + TRUSTM_DL_HEADER_SIZE)) {
            dl_finish(dl, DL_ERR(TRUSTM_BASE_PROTOCOL));
            return;
        }
        dl->tx_stale = false;
    }
    dl_write_frame(dl);
}

/* Write a control frame; state: what the write is (the re-sync or a control ACK / NAK). */
static void dl_write_ctrl_as(trustm_dl_t *dl, uint8_t fctr, uint8_t after, uint8_t state)
{
    dl->ctrl_buf[0] = TRUSTM_PHY_REG_DATA;
    dl->after_ctrl = after;
    dl->state = state;
    trustm_dl_frame_seal(dl->ctrl_buf + 1, fctr, 0);
    trustm_phy_write_start(dl->phy, dl->ctrl_buf, sizeof dl->ctrl_buf);
}

static void dl_write_ctrl(trustm_dl_t *dl, uint8_t fctr, uint8_t after)
{
    dl_write_ctrl_as(dl, fctr, after, DL_ST_CTRL_WRITE);
}

static void dl_write_resync(trustm_dl_t *dl)
{
    dl_write_ctrl_as(dl, TRUSTM_DL_FCTR_RESYNC, AFTER_POLL, DL_ST_RESYNC_WRITE);
}

static void dl_poll(trustm_dl_t *dl)
{
    dl->poll_at = trustm_phy_now(dl->phy);
    dl->state = DL_ST_POLL;
    trustm_phy_read_start(dl->phy, TRUSTM_PHY_REG_I2C_STATE, dl->state_buf, sizeof dl->state_buf);
}

/* Poll at `until` (absolute; at once if it has passed), never after the deadline. */
static void dl_poll_at(trustm_dl_t *dl, uint64_t until)
{
    if (trustm_time_reached(until, dl->deadline))
        until = dl->deadline;
    dl_poll(dl);
    if (!trustm_time_reached(dl->poll_at, until)) {
        /* the register read itself waits: one request fewer than a wait and then the read, the
         * same transactions at the same times */
        dl->poll_at = until;
        trustm_phy_not_before(dl->phy, until);
    }
}

void trustm_dl_send_start(trustm_dl_t *dl, size_t packet_len, uint64_t deadline)
{
    dl->op = DL_OP_SEND;
    dl->tx_len = (uint16_t)(packet_len + TRUSTM_DL_OVERHEAD); /* checked below */
    dl->repeats = 0;
    dl->resyncs = 0;
    dl->bad_frames = 0;
    dl->got_packet = false;
    dl->deadline = deadline;
    dl->result = TRUSTM_IN_PROGRESS;
    if (packet_len == 0 || packet_len > trustm_dl_packet_max(dl) || dl->tx_stale) {
        dl_finish(dl, DL_ERR(TRUSTM_BASE_INTERNAL)); /* the transport never does this */
        return;
    }
    /* the first write is left to next_io, so that the frame encoding and its CRC do not sit
     * on the caller's call chain */
    dl->state = DL_ST_TX_START;
}

void trustm_dl_recv_start(trustm_dl_t *dl, uint64_t deadline)
{
    dl->op = DL_OP_RECV;
    dl->bad_frames = 0;
    dl->got_packet = false;
    dl->deadline = deadline;
    dl->result = TRUSTM_IN_PROGRESS;
    dl->misses = 0;               /* each frame of a response starts at the shortest poll interval */
    dl_poll_at(dl, dl->ready_at); /* the command's expected end, if still ahead */
}

void trustm_dl_cancel(trustm_dl_t *dl)
{
    trustm_phy_cancel(dl->phy);
    if (dl->op == DL_OP_SEND || dl->op == DL_OP_RECV)
        dl->need_resync = true;
    dl->op = DL_OP_IDLE;
}

bool trustm_dl_received(const trustm_dl_t *dl, const uint8_t **packet, size_t *packet_len)
{
    if (!dl->got_packet)
        return false;
    *packet = dl->rx_packet;
    *packet_len = dl->rx_packet_len;
    return true;
}

/* TRANS_TIMEOUT expired or NAK received: send the frame again, or re-sync (§2.7, §2.8). */
static void dl_retransmit(trustm_dl_t *dl)
{
    dl->repeats++;
    if (dl->repeats > dl->trans_repeat) {
        if (dl->resyncs >= dl->resync_max) {
            dl_finish(dl, DL_ERR(TRUSTM_BASE_DESYNC));
            return;
        }
        dl->resyncs++;
        dl->repeats = 0;
        dl_write_resync(dl);
        return;
    }
    TRUSTM_STAT_INC(dl->phy, retransmits);
    dl_write_data(dl);
}

/* First poll for the answer to a data frame: at the command's expected end, but within half
 * the TRANS_TIMEOUT (a later poll is then still in time to retransmit). */
static uint64_t dl_first_poll(const trustm_dl_t *dl)
{
    uint64_t half = dl->sent_at + dl->trans_timeout_us / 2u;
    return trustm_time_reached(dl->ready_at, half) ? half : dl->ready_at;
}

/* The time of the next poll when nothing was ready: on an absolute schedule from the last one;
 * a chip that keeps us waiting past the expected time is polled less and less often (1, 2, 4,
 * then every 8 intervals); never after the retransmission time of a frame being sent. */
static TRUSTM_NOINLINE uint64_t dl_next_poll(trustm_dl_t *dl)
{
    uint64_t until = dl->poll_at + ((uint64_t)dl->poll_interval_us << (dl->misses < 3u ? dl->misses : 3u));
    bool send = dl->op == DL_OP_SEND;
    if (send && dl->misses == 0 && dl->expect_us > TRUSTM_DL_ACK_FIRST_US)
        until = dl_first_poll(dl); /* no early ACK: the response may carry it */
    if (dl->misses < 255u)
        dl->misses++;
    uint64_t expiry = dl->sent_at + dl->trans_timeout_us;
    if (send && trustm_time_reached(until, expiry))
        until = expiry;
    return until;
}

/* Nothing (useful) was read: keep polling within the budget of the operation. */
static void dl_continue(trustm_dl_t *dl, bool wait)
{
    uint64_t now = trustm_phy_now(dl->phy);
    if (trustm_time_reached(now, dl->deadline)) {
        dl_finish(dl, DL_ERR(TRUSTM_BASE_TIMEOUT));
        return;
    }
    if (dl->op == DL_OP_SEND && trustm_time_reached(now, dl->sent_at + dl->trans_timeout_us)) {
        dl_retransmit(dl);
        return;
    }
    if (!wait) {
        dl_poll(dl);
        return;
    }
    dl_poll_at(dl, dl_next_poll(dl));
}

/* A frame that could not be used was read: bound the number of bad frames, then go on as
 * `then` says: poll again, NAK it (data frames), or send our frame again (a corrupted answer to
 * it, [HOST]). */
enum { BAD_POLL = 0, BAD_NAK, BAD_RESEND };
static void dl_bad_frame(trustm_dl_t *dl, trustm_status_t why, uint8_t then)
{
    dl->bad_frames++;
    if (dl->bad_frames > dl->trans_repeat) {
        dl_finish(dl, why);
        return;
    }
    if (then == BAD_NAK) {
        TRUSTM_STAT_INC(dl->phy, naks_sent);
        dl_write_ctrl(dl, trustm_dl_fctr_nak((uint8_t)(dl->last_rx + 1u)), AFTER_POLL);
        return;
    }
    if (then == BAD_RESEND) {
        dl_retransmit(dl);
        return;
    }
    dl_continue(dl, false);
}

/* FCTR fields (Table 8-1) */
#define FCTR_SEQCTR(fctr) (((fctr) >> 5) & 3u)
#define FCTR_FRNR(fctr)   ((uint8_t)(((fctr) >> 2) & 3u))
#define FCTR_ACKNR(fctr)  ((fctr)&3u)

static void dl_on_control(trustm_dl_t *dl, const trustm_dl_frame_t *f)
{
    unsigned seqctr = FCTR_SEQCTR(f->fctr);
    if (f->len != 0) { /* control frame with invalid size: discard (Table 3-2) */
        dl_bad_frame(dl, DL_ERR(TRUSTM_BASE_PROTOCOL), BAD_POLL);
        return;
    }
    if (seqctr == TRUSTM_DL_SEQCTR_RESYNC) {
        if (dl->op == DL_OP_RECV) /* [HOST] accepts a chip re-sync while waiting for a response */
            trustm_dl_link_reset(dl, false);
        dl_continue(dl, false);
        return;
    }
    if (dl->op == DL_OP_SEND && FCTR_ACKNR(f->fctr) == dl->last_tx) {
        if (seqctr == TRUSTM_DL_SEQCTR_ACK) {
            dl_finish(dl, TRUSTM_OK);
            return;
        }
        TRUSTM_STAT_INC(dl->phy, naks_received);
        dl_retransmit(dl);
        return;
    }
    dl_continue(dl, false); /* ACK/NAK for another frame: discard */
}

static void dl_on_data(trustm_dl_t *dl, const trustm_dl_frame_t *f)
{
    uint8_t frnr = FCTR_FRNR(f->fctr);
    if (f->len == 0) { /* data frame size invalid */
        dl_bad_frame(dl, DL_ERR(TRUSTM_BASE_PROTOCOL), BAD_NAK);
        return;
    }
    if (frnr != ((dl->last_rx + 1u) & 3u)) { /* duplicate or out of order: ACK last correct */
        dl_write_ctrl(dl, trustm_dl_fctr_ack(dl->last_rx), AFTER_POLL);
        return;
    }
    if (dl->op == DL_OP_SEND) {
        if (FCTR_ACKNR(f->fctr) != dl->last_tx) { /* [HOST]: discard silently */
            dl_continue(dl, false);
            return;
        }
        if (FCTR_SEQCTR(f->fctr) == TRUSTM_DL_SEQCTR_NAK) {
            TRUSTM_STAT_INC(dl->phy, naks_received);
            dl_retransmit(dl);
            return;
        }
    }
    dl->last_rx = frnr;
    dl->rx_packet = f->packet;
    dl->rx_packet_len = (uint16_t)f->len; /* <= frame_size */
    dl->got_packet = true;
    dl_write_ctrl(dl, trustm_dl_fctr_ack(dl->last_rx), AFTER_DONE);
}

/* Where a received frame of rx_len bytes goes: control frames apart, the rest into frame[]. */
static uint8_t *dl_rx_buf(trustm_dl_t *dl)
{
    return dl->rx_len <= sizeof dl->ctrl_rx ? dl->ctrl_rx : dl->frame + 1;
}

static void dl_on_frame(trustm_dl_t *dl)
{
    trustm_dl_frame_t f;
    const uint8_t *rx = dl_rx_buf(dl);
    bool is_ctrl = (rx[0] & TRUSTM_DL_FCTR_FTYPE) != 0;
    trustm_dl_frame_result_t r = trustm_dl_frame_decode(rx, dl->rx_len, &f);
    if (r == TRUSTM_DL_FRAME_SHORT || (r == TRUSTM_DL_FRAME_LEN && !is_ctrl)) {
        dl_bad_frame(dl, DL_ERR(TRUSTM_BASE_PROTOCOL), BAD_NAK);
        return;
    }
    if (r == TRUSTM_DL_FRAME_FCS) { /* a corrupted control frame in send: the answer to our frame [HOST] */
        dl_bad_frame(dl, DL_ERR(TRUSTM_BASE_CRC), !is_ctrl ? BAD_NAK : dl->op == DL_OP_SEND ? BAD_RESEND : BAD_POLL);
        return;
    }
    if (r == TRUSTM_DL_FRAME_LEN || !trustm_dl_fctr_is_valid(rx[0])) {
        dl_bad_frame(dl, DL_ERR(TRUSTM_BASE_PROTOCOL), is_ctrl ? BAD_POLL : BAD_NAK);
        return;
    }
    if (is_ctrl)
        dl_on_control(dl, &f);
    else
        dl_on_data(dl, &f);
}

static void dl_on_state(trustm_dl_t *dl)
{
    uint16_t len = trustm_be16_get(dl->state_buf + 2);
    if ((dl->state_buf[0] & TRUSTM_PHY_I2C_STATE_RESP_RDY) != 0 && len > 0 && len <= dl->frame_size) {
        dl->rx_len = len;
        if (len > sizeof dl->ctrl_rx) { /* into the frame buffer: the frame to send is gone */
            dl->tx_stale = true;
            dl_frame_used(dl, 1u + len);
        }
        dl->state = DL_ST_RX_READ;
        trustm_phy_read_start(dl->phy, TRUSTM_PHY_REG_DATA, dl_rx_buf(dl), len);
        return;
    }
    dl_continue(dl, true);
}

static void dl_on_phy_done(trustm_dl_t *dl, trustm_status_t s)
{
    if (s != TRUSTM_OK) {
        dl_finish(dl, s); /* PHY gave up (NACK/IO budget): passed up unaltered */
        return;
    }
    switch (dl->state) {
    case DL_ST_TX_START:
        if (dl->need_resync) {
            dl_write_resync(dl);
            break;
        }
        dl->last_tx = (uint8_t)((dl->last_tx + 1u) & 3u);
        dl_write_frame(dl); /* the packet was just written: no refill on this path */
        break;
    case DL_ST_RESYNC_WRITE:
        TRUSTM_STAT_INC(dl->phy, resyncs);
        trustm_dl_link_reset(dl, false);
        if (dl->op == DL_OP_SEND) {
            dl->last_tx = (uint8_t)((dl->last_tx + 1u) & 3u);
            if (dl->resyncs > 0 || dl->repeats > 0)
                TRUSTM_STAT_INC(dl->phy, retransmits);
            dl_write_data(dl);
        } else {
            dl_poll(dl);
        }
        break;
    case DL_ST_TX_WRITE:
        /* the chip answers a short command with the response (ACK piggy-backed): first poll at
         * its expected end; a long one it ACKs on its own first: poll for that ACK at once,
         * then for the response at its expected end (ifx-i2c.md §2.5) */
        dl->sent_at = trustm_phy_now(dl->phy);
        dl->ready_at = dl->sent_at + dl->expect_us;
        dl->misses = 0;
        dl_poll_at(dl, dl->expect_us > TRUSTM_DL_ACK_FIRST_US ? dl->sent_at : dl_first_poll(dl));
        break;
    case DL_ST_POLL:
        dl_on_state(dl);
        break;
    case DL_ST_RX_READ:
        dl_on_frame(dl);
        break;
    case DL_ST_CTRL_WRITE:
        if (dl->after_ctrl == AFTER_DONE)
            dl_finish(dl, TRUSTM_OK);
        else
            dl_continue(dl, false);
        break;
    default:
        dl_finish(dl, DL_ERR(TRUSTM_BASE_INTERNAL));
        break;
    }
}

trustm_status_t trustm_dl_next_io(trustm_dl_t *dl, trustm_io_t *io)
{
    for (;;) {
        if (dl->op == DL_OP_DONE) {
            dl->op = DL_OP_IDLE;
            memset(io, 0, sizeof *io);
            return dl->result;
        }
        if (dl->op == DL_OP_IDLE) {
            memset(io, 0, sizeof *io);
            return DL_ERR(TRUSTM_BASE_BAD_SEQUENCE);
        }
        /* a send starts here with its first write (no PHY operation before it) */
        trustm_status_t s = dl->state == DL_ST_TX_START ? TRUSTM_OK : trustm_phy_next_io(dl->phy, io);
        if (s == TRUSTM_IN_PROGRESS)
            return s;
        dl_on_phy_done(dl, s);
    }
}
