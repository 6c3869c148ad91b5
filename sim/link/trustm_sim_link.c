/*
 * trustm_sim_link.c - slave side of the IFX I2C data link, network/transport and the
 * presentation-layer latch.  Own implementation of ifx-i2c.md §2.9 "recommended simulator
 * (chip) data link algorithm", §4.2-4.3 (chaining) and §5.1 (PRESENCE latch).  Uses only the
 * frame/PCTR codecs of the library.
 *
 * Data link state: last_tx / last_rx (3 after reset), one unacknowledged outgoing data frame,
 * a queue of frames offered through I2C_STATE/DATA.
 *
 *   host frame                         chip reaction
 *   -------------------------------    ---------------------------------------------------
 *   short / LEN mismatch / too long    NAK(last_rx+1)                         (Table 3-2)
 *   FCS wrong / FCTR not in Table 8-1  NAK(last_rx+1)
 *   control, LEN != 0                  discarded
 *   re-sync C0                         counters 3/3, outgoing frames dropped, silent (§2.8)
 *   control ACK(last_tx)               unacked frame released; next chain packet queued
 *   control NAK(last_tx)               unacked frame offered again
 *   data, LEN 0                        NAK(last_rx+1)
 *   data, FRNR != last_rx+1            control ACK(last_rx); never executed twice; the
 *                                      unacked response (if any) is offered again
 *   data, FRNR == last_rx+1            delivered to transport; first/intermediate chain
 *                                      packets get a control ACK at once; a command gets a
 *                                      control ACK at once unless its response is ready within
 *                                      SIM_PIGGYBACK_MAX_US (then the response carries it)
 */
#include <string.h>

#include "trustm_pctr.h"
#include "trustm_sim_int.h"

/* ------------------------------------------------------------ frame queue */

static void queue_push(trustm_sim_t *sim, const uint8_t *buf, size_t len, bool is_data)
{
    sim_frame_t f;
    memcpy(f.buf, buf, len);
    f.len = (uint16_t)len;
    f.data = is_data;
    sim->chip_frames_since_arm++;
    const uint32_t k = sim->chip_frames_since_arm;

    if ((sim->faults.corrupt_fcs_frame != 0 && k == sim->faults.corrupt_fcs_frame) ||
        sim_fault_draw(sim, sim->faults.fcs_ppm)) {
        unsigned bit = (unsigned)(sim_rng_next(&sim->fault_rng) % 16u);
        f.buf[len - 2u + bit / 8u] ^= (uint8_t)(1u << (bit % 8u));
        sim_trace(sim, "# fault: corrupted FCS of chip frame %lu", (unsigned long)k);
    }
    if ((sim->faults.drop_frame != 0 && k == sim->faults.drop_frame) || sim_fault_draw(sim, sim->faults.drop_ppm)) {
        sim_trace(sim, "# fault: dropped chip frame %lu", (unsigned long)k);
        if (is_data) {
            sim->unacked_lost = true;
            sim->unacked_sent_ns = sim->now_ns;
        }
        return;
    }
    if (sim->qcount == SIM_QUEUE_MAX) { /* host never reads: the oldest frame is lost */
        sim->qhead = (sim->qhead + 1u) % SIM_QUEUE_MAX;
        sim->qcount--;
    }
    sim->queue[(sim->qhead + sim->qcount) % SIM_QUEUE_MAX] = f;
    sim->qcount++;
    sim->stats.frames_out++;
}

static void queue_control(trustm_sim_t *sim, uint8_t fctr)
{
    uint8_t buf[TRUSTM_DL_OVERHEAD];
    size_t n = trustm_dl_frame_encode(fctr, NULL, 0, buf, sizeof buf);
    queue_push(sim, buf, n, false);
}

static void queue_nak(trustm_sim_t *sim)
{
    queue_control(sim, trustm_dl_fctr_nak((uint8_t)(sim->last_rx + 1u)));
}

static bool unacked_queued(const trustm_sim_t *sim)
{
    for (unsigned i = 0; i < sim->qcount; i++) {
        const sim_frame_t *f = &sim->queue[(sim->qhead + i) % SIM_QUEUE_MAX];
        if (f->data)
            return true;
    }
    return false;
}

static void reoffer_unacked(trustm_sim_t *sim)
{
    if (!sim->have_unacked || unacked_queued(sim))
        return;
    sim->unacked_lost = false;
    queue_push(sim, sim->unacked.buf, sim->unacked.len, true);
}

/* One data frame: FCTR = (last_tx+1) << 2 | last_rx; kept until acknowledged. */
static void send_data_packet(trustm_sim_t *sim, const uint8_t *packet, size_t len)
{
    sim->last_tx = (uint8_t)((sim->last_tx + 1u) & 3u);
    uint8_t fctr = trustm_dl_fctr_data(sim->last_tx, sim->last_rx);
    size_t n = trustm_dl_frame_encode(fctr, packet, len, sim->unacked.buf, sizeof sim->unacked.buf);
    sim->unacked.len = (uint16_t)n;
    sim->unacked.data = true;
    sim->have_unacked = true;
    sim->unacked_lost = false;
    sim->unacked_repeats = 0;
    sim->unacked_sent_ns = sim->now_ns;
    queue_push(sim, sim->unacked.buf, n, true);
}

/* ------------------------------------------------------------- transport */

static void tx_next_packet(trustm_sim_t *sim)
{
    uint8_t packet[SIM_DATA_REG_LEN_MAX];
    const size_t payload_max = (size_t)sim->data_reg_len - TRUSTM_DL_OVERHEAD - 1u;
    const size_t remaining = sim->tx_len - sim->tx_off;
    uint8_t chain;
    if (sim->tx_off == 0)
        chain = remaining <= payload_max ? TRUSTM_TL_CHAIN_SINGLE : TRUSTM_TL_CHAIN_FIRST;
    else
        chain = remaining <= payload_max ? TRUSTM_TL_CHAIN_LAST : TRUSTM_TL_CHAIN_INTERMEDIATE;
    size_t n = remaining < payload_max ? remaining : payload_max;
    packet[0] = (uint8_t)(sim->tx_pctr_flags | chain);
    memcpy(packet + 1, sim->tx_msg + sim->tx_off, n);
    sim->tx_off += n;
    sim->tx_active = sim->tx_off < sim->tx_len;
    send_data_packet(sim, packet, n + 1u);
}

void sim_link_transmit(trustm_sim_t *sim, const uint8_t *msg, size_t len, bool presence)
{
    if (len > sizeof sim->tx_msg)
        len = sizeof sim->tx_msg;
    memmove(sim->tx_msg, msg, len);
    sim->tx_len = len;
    sim->tx_off = 0;
    sim->tx_pctr_flags = presence ? TRUSTM_TL_PCTR_PRESENCE : 0u;
    tx_next_packet(sim);
}

/* Transport error (§4.3): a single-byte packet with CHAIN = 111. */
static void send_chain_error(trustm_sim_t *sim)
{
    sim->rx_chain_open = false;
    sim->rx_len = 0;
    uint8_t pctr = (uint8_t)((sim->presence ? TRUSTM_TL_PCTR_PRESENCE : 0u) | TRUSTM_TL_CHAIN_ERROR);
    send_data_packet(sim, &pctr, 1);
}

void sim_link_start_exec(trustm_sim_t *sim, const uint8_t *msg, size_t len, bool presence)
{
    const uint8_t *apdu = presence ? msg + 1 : msg;
    size_t apdu_len = presence ? len - 1u : len;
    bool pl_only = presence && sim->pl.reply_pending; /* a presentation-layer answer, no APDU */
    sim_secmon_tick(sim);                             /* idle time up to now counts for the security monitor */
    /* the security monitor's throttle is a security function, not part of the timing model:
     * it applies with --timing none too (a presentation-layer answer runs no command) */
    sim->chip.throttle_us = pl_only ? 0u : sim_chip_throttle_us(sim, apdu, apdu_len);
    uint64_t us = sim->timing == TRUSTM_SIM_TIMING_NONE ? sim->chip.throttle_us
                  : pl_only                             ? sim->pl.reply_us
                            : sim_chip_exec_us(sim, apdu, apdu_len) + (presence ? sim->pl.extra_us : 0u);
    us += sim->faults.busy_extra_us;
    if (sim->faults.busy_extra_max_us != 0 && sim_fault_draw(sim, sim->faults.busy_ppm))
        us += sim_rng_next(&sim->fault_rng) % ((uint64_t)sim->faults.busy_extra_max_us + 1u);
    if (us > SIM_PIGGYBACK_MAX_US)
        queue_control(sim, trustm_dl_fctr_ack(sim->last_rx));
    memmove(sim->exec_msg, msg, len);
    sim->exec_len = len;
    sim->exec_presence = presence;
    sim->busy = true;
    sim->exec_discard = false;
    sim->busy_until_ns = sim->now_ns + us * 1000u;
    sim->exec_loss_after_commit = false;
    if (sim->faults.power_loss_us == 0 && sim_fault_draw(sim, sim->faults.power_ppm)) {
        sim->faults.power_loss_us = 1u + (uint32_t)(sim_rng_next(&sim->fault_rng) % (us + 1u));
        sim->faults.power_loss_after_commit = (sim_rng_next(&sim->fault_rng) & 1u) != 0;
        sim_trace(sim, "# fault: power loss %s the commit", sim->faults.power_loss_after_commit ? "after" : "before");
    }
    if (sim->faults.power_loss_us != 0) {
        sim->exec_power_loss = true;
        sim->exec_power_loss_ns = sim->now_ns + (uint64_t)sim->faults.power_loss_us * 1000u;
        sim->exec_loss_after_commit = sim->faults.power_loss_after_commit;
        sim->faults.power_loss_us = 0; /* one shot */
        sim->faults.power_loss_after_commit = false;
    }
}

/* A complete upper-layer message arrived (§5.1 PRESENCE latch; the presentation layer in
 * trustm_sim_pl.c). */
static void deliver(trustm_sim_t *sim, const uint8_t *msg, size_t len, bool presence)
{
    if (presence)
        sim->presence = true;
    if (sim->presence) {
        sim_pl_deliver(sim, msg, len, presence);
        return;
    }
    sim_link_start_exec(sim, msg, len, false);
}

static void transport_receive(trustm_sim_t *sim, const uint8_t *packet, size_t len)
{
    const uint8_t pctr = packet[0];
    const uint8_t chain = trustm_pctr_chain(pctr);
    const uint8_t *payload = packet + 1;
    const size_t n = len - 1u;
    const size_t packet_max = (size_t)sim->data_reg_len - TRUSTM_DL_OVERHEAD;

    if (trustm_pctr_chan(pctr) != 0) {
        send_chain_error(sim);
        return;
    }
    switch (chain) {
    case TRUSTM_TL_CHAIN_ERROR: /* the host could not reassemble our response: send it again */
        sim->rx_chain_open = false;
        sim->rx_len = 0;
        if (sim->tx_len > 0) {
            sim->tx_off = 0;
            tx_next_packet(sim);
        } else {
            queue_control(sim, trustm_dl_fctr_ack(sim->last_rx));
        }
        return;
    case TRUSTM_TL_CHAIN_SINGLE:
        if (sim->rx_chain_open) {
            send_chain_error(sim);
            return;
        }
        deliver(sim, payload, n, trustm_pctr_presence(pctr));
        return;
    case TRUSTM_TL_CHAIN_FIRST:
        if (sim->rx_chain_open || len != packet_max || n > sizeof sim->rx_msg) {
            send_chain_error(sim);
            return;
        }
        memcpy(sim->rx_msg, payload, n);
        sim->rx_len = n;
        sim->rx_chain_open = true;
        sim->exec_presence = trustm_pctr_presence(pctr); /* only the first packet's bit counts */
        queue_control(sim, trustm_dl_fctr_ack(sim->last_rx));
        return;
    case TRUSTM_TL_CHAIN_INTERMEDIATE:
    case TRUSTM_TL_CHAIN_LAST:
        if (!sim->rx_chain_open || (chain == TRUSTM_TL_CHAIN_INTERMEDIATE && len != packet_max) ||
            n > sizeof sim->rx_msg - sim->rx_len) {
            send_chain_error(sim);
            return;
        }
        memcpy(sim->rx_msg + sim->rx_len, payload, n);
        sim->rx_len += n;
        if (chain == TRUSTM_TL_CHAIN_INTERMEDIATE) {
            queue_control(sim, trustm_dl_fctr_ack(sim->last_rx));
            return;
        }
        sim->rx_chain_open = false;
        deliver(sim, sim->rx_msg, sim->rx_len, sim->exec_presence);
        sim->rx_len = 0;
        return;
    default:
        send_chain_error(sim);
        return;
    }
}

/* -------------------------------------------------------------- data link */

void sim_link_reset(trustm_sim_t *sim)
{
    sim->last_tx = 3;
    sim->last_rx = 3;
    sim->qhead = 0;
    sim->qcount = 0;
    sim->have_unacked = false;
    sim->unacked_lost = false;
    sim->rx_len = 0;
    sim->rx_chain_open = false;
    sim->tx_len = 0;
    sim->tx_off = 0;
    sim->tx_active = false;
    sim->presence = false;
    sim_pl_reset(sim);
}

static void release_unacked(trustm_sim_t *sim)
{
    sim->have_unacked = false;
    sim->unacked_lost = false;
    if (sim->tx_active)
        tx_next_packet(sim);
}

void sim_link_receive(trustm_sim_t *sim, const uint8_t *frame, size_t len)
{
    trustm_dl_frame_t f;
    if (len > sim->data_reg_len) { /* receive buffer overflow */
        queue_nak(sim);
        return;
    }
    if (trustm_dl_frame_decode(frame, len, &f) != TRUSTM_DL_FRAME_OK || !trustm_dl_fctr_is_valid(frame[0])) {
        queue_nak(sim);
        return;
    }
    trustm_dl_fctr_t c;
    trustm_dl_fctr_decode(f.fctr, &c);

    if (c.ftype == TRUSTM_DL_FTYPE_CONTROL) {
        if (f.len != 0)
            return; /* control frame with invalid size: discard */
        if (c.seqctr == TRUSTM_DL_SEQCTR_RESYNC) {
            /* A command already executing is not interrupted (its NVM programming may have
             * begun): it runs to its normal end and commits, the chip stays BUSY meanwhile,
             * and its response -- which belongs to the dropped counters -- is discarded. */
            if (sim->busy)
                sim->exec_discard = true;
            sim->last_tx = 3;
            sim->last_rx = 3;
            sim->qhead = 0;
            sim->qcount = 0;
            sim->have_unacked = false;
            sim->unacked_lost = false;
            sim->rx_len = 0;
            sim->rx_chain_open = false;
            sim->tx_active = false;
            return;
        }
        if (!sim->have_unacked || c.acknr != sim->last_tx)
            return; /* ACK/NAK for nothing outstanding: discard */
        if (c.seqctr == TRUSTM_DL_SEQCTR_ACK)
            release_unacked(sim);
        else
            reoffer_unacked(sim);
        return;
    }

    /* data frame */
    if (f.len == 0) {
        queue_nak(sim);
        return;
    }
    if (c.frnr != ((sim->last_rx + 1u) & 3u)) {
        /* duplicate (our ACK was lost) or out of order: acknowledge what we have */
        queue_control(sim, trustm_dl_fctr_ack(sim->last_rx));
        if (c.frnr == sim->last_rx && !sim->busy)
            reoffer_unacked(sim);
        return;
    }
    if (sim->busy)
        return; /* WIN_SIZE 1: no new frame may arrive before the response; ignore it */
    sim->last_rx = c.frnr;
    if (sim->have_unacked && c.acknr == sim->last_tx) {
        if (c.seqctr == TRUSTM_DL_SEQCTR_NAK) {
            reoffer_unacked(sim);
        } else {
            sim->have_unacked = false;
            sim->tx_active = false; /* a new command ends any response chain */
        }
    }
    transport_receive(sim, f.packet, f.len);
}

void sim_link_frame_consumed(trustm_sim_t *sim)
{
    const sim_frame_t *head = &sim->queue[sim->qhead];
    if (head->data)
        sim->unacked_sent_ns = sim->now_ns;
    sim->qhead = (sim->qhead + 1u) % SIM_QUEUE_MAX;
    sim->qcount--;
}

/* An unacknowledged data frame - lost on the way (drop fault), or read by the host whose
 * ACK then never arrived intact - is offered again TRANS_TIMEOUT after it was last offered
 * or read, at most TRANS_REPEAT times (§2.5: "the chip retransmits" = offers the frame again
 * in DATA; §2.9 transmitter rule 4).  Without the second case a corrupted host ACK for a
 * chained response packet would leave both sides waiting. */
void sim_link_timers(trustm_sim_t *sim)
{
    if (sim->have_unacked && !unacked_queued(sim) && sim->unacked_repeats < SIM_TRANS_REPEAT &&
        sim->now_ns - sim->unacked_sent_ns >= (uint64_t)SIM_TRANS_TIMEOUT_US * 1000u) {
        sim->unacked_repeats++;
        sim->unacked_sent_ns = sim->now_ns;
        reoffer_unacked(sim);
    }
}
