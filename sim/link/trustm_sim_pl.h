/*
 * trustm_sim_pl.h - the chip's side of the Shielded Connection (ifx-i2c.md §5), private to sim/.
 * An implementation of its own (it shares only the codec constants with the host): handshake
 * with the platform binding secret of object E140, key block, AES-128-CCM-8 records with the
 * sequence-number window, alerts, context save/restore, and the protection bits of the record
 * being executed for the Conf(E140)/Int(E140) access conditions.
 */
#ifndef TRUSTM_SIM_PL_H
#define TRUSTM_SIM_PL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIM_PL_MSG_MAX 2048u

typedef struct sim_pl {
    uint8_t state; /* SPL_NONE / SPL_HELLO (Hello answered) / SPL_UP            */
    uint8_t kb[40];
    uint8_t rnd[32];
    uint32_t sseq; /* last slave sequence number used                          */
    uint32_t mseq; /* last master sequence number accepted                     */
    /* saved context (manage context 0x60); survives power-off, flushed by Hello/restore      */
    bool saved;
    uint8_t saved_kb[40];
    uint32_t saved_sseq, saved_mseq;
    /* the message being executed */
    bool reply_pending; /* answer is reply[] (handshake, alert, context), no APDU   */
    uint32_t reply_us;
    uint32_t extra_us; /* record protection time added to the command's own        */
    uint8_t rec_sctr;  /* record SCTR of the command being executed                */
    uint8_t cur_prot;  /* its protection bits, for Conf/Int (0 outside a command)  */
    uint8_t reply[SIM_PL_MSG_MAX];
    size_t reply_len;
    /* last protected response, resent under the next SSEQ after an integrity alert (0x44)   */
    uint8_t last_rsp[SIM_PL_MSG_MAX];
    size_t last_len;
    uint8_t last_sctr;
    bool have_last;
    uint8_t resends;
    /* test mode: fixed RND / SSEQ / MSEQ (vectors section F) */
    bool fixed;
    uint8_t fixed_rnd[32];
    uint32_t fixed_sseq, fixed_mseq;
    uint8_t queued[64]; /* test mode: bytes the chip's RNG returns next             */
    size_t queued_len, queued_pos;
    /* statistics */
    uint32_t handshakes, mac_failures;
} sim_pl_t;

struct trustm_sim;

/* A complete message arrived while the presentation layer is latched. */
void sim_pl_deliver(struct trustm_sim *sim, const uint8_t *msg, size_t len, bool presence);
/* Execution of the message in exec_msg ended: write the answer (PL payload) into rsp. */
/* How the caller runs one APDU (execute and make durable); the layer protects its answer. */
typedef size_t (*sim_pl_exec_fn)(struct trustm_sim *sim, const uint8_t *apdu, size_t len, uint8_t *rsp,
                                 size_t rsp_size);
size_t sim_pl_complete(struct trustm_sim *sim, const uint8_t *msg, size_t len, uint8_t *rsp, size_t rsp_size,
                       sim_pl_exec_fn exec);
/* Any reset: the live session ends; a saved context survives. */
void sim_pl_reset(struct trustm_sim *sim);
/* Conf(oid)/Int(oid) for the command being executed; response = access of type RD. */
bool sim_pl_conf_ok(const struct trustm_sim *sim, uint16_t oid, bool response);

/* Test mode: take up to n queued random bytes (returns how many were taken). */
size_t sim_pl_fixed_random(struct trustm_sim *sim, uint8_t *out, size_t n);

/* From the link (trustm_sim_link.c): start executing msg (SCTR || APDU when presence). */
void sim_link_start_exec(struct trustm_sim *sim, const uint8_t *msg, size_t len, bool presence);

#endif
