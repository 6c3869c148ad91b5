/*
 * trustm_sim_pl.c - the chip's presentation layer (Shielded Connection, ifx-i2c.md §5),
 * written from the specification on the slave's side:
 *
 *   received (SCTR)        condition                                  answer
 *   00 Hello PVER          PVER bit 0 offered                         00 01 RND SSEQ; saved context flushed
 *   08 Finished            after Hello, 49 bytes, SSEQ ours, MAC ok,   08 MSEQ CCM(RND||MSEQ); session up
 *                          RND and SSEQ inside match
 *   20..23 record          protection bits need a session; MSEQ in     the command's response, protected
 *                          (last, last+3]; MAC ok                      as asked (same SCTR)
 *                          MAC fails                                  44 (MSEQ not advanced; security event)
 *   44 integrity alert     the last response was protected, <= 3x      that response under the next SSEQ
 *   60 save                session up                                 64 (context kept across power-off)
 *   68 SSEQ restore        saved context and SSEQ matches             6C MSEQ; else 40. Context flushed.
 *   anything else, no PRESENCE after the latch, a failed Finished,
 *   MSEQ out of the window                                            40 (session ended)
 * Keys: KB = TLS-PRF-SHA256(E140 contents, "Platform Binding", RND), 40 bytes; the slave decrypts
 * with KB[0..16) / nonce KB[32..36) || MSEQ and encrypts with KB[16..32) / KB[36..40) || SSEQ.
 */
#include "trustm_sim_pl.h"

#include <string.h>

#include <mbedtls/ccm.h>

#include "chip/sim_chip.h"
#include "trustm_bytes.h"
#include "trustm_pctr.h"
#include "trustm_sim_int.h"
#include "trustm_sim_shield.h"

enum { SPL_NONE = 0, SPL_HELLO, SPL_UP };

#define SPL_PVER    0x01u
#define SPL_WINDOW  3u /* TRANS_REPEAT */
#define SPL_FIN_LEN 49u
#define SPL_FIN_CT  36u
#define SPL_TAG     8u
/* Timing model (µs): handshake steps, context management, record protection. */
#define SPL_US_HELLO    5000u
#define SPL_US_FINISHED 5000u
#define SPL_US_SAVE     1500u
#define SPL_US_RESTORE  3000u
#define SPL_US_ALERT    500u
#define SPL_US_RECORD   3000u /* per protected record, plus SPL_US_PER_BYTE per protected byte */
#define SPL_US_PER_BYTE 8u

static const uint8_t spl_label[16] = {'P', 'l', 'a', 't', 'f', 'o', 'r', 'm', ' ', 'B', 'i', 'n', 'd', 'i', 'n', 'g'};

/* TLS 1.2 PRF with HMAC-SHA256 (RFC 5246 §5). */
static void spl_prf(const uint8_t *secret, size_t secret_len, const uint8_t *seed, size_t seed_len, uint8_t *out,
                    size_t out_len)
{
    uint8_t ls[16 + 32], a[32], blk[32];
    memcpy(ls, spl_label, 16);
    memcpy(ls + 16, seed, seed_len);
    size_t ls_len = 16 + seed_len;
    sim_hmac(32, secret, secret_len, ls, ls_len, NULL, 0, a);
    for (size_t done = 0; done < out_len;) {
        sim_hmac(32, secret, secret_len, a, sizeof a, ls, ls_len, blk);
        size_t n = out_len - done < 32 ? out_len - done : 32;
        memcpy(out + done, blk, n);
        done += n;
        sim_hmac(32, secret, secret_len, a, sizeof a, NULL, 0, a);
    }
    trustm_wipe(a, sizeof a);
    trustm_wipe(blk, sizeof blk);
}

static void spl_params(const uint8_t dir[4], uint8_t sctr, uint32_t seq, size_t len, uint8_t nonce[8], uint8_t aad[8])
{
    memcpy(nonce, dir, 4);
    trustm_be32_put(nonce + 4, seq);
    aad[0] = sctr;
    trustm_be32_put(aad + 1, seq);
    aad[5] = SPL_PVER;
    trustm_be16_put(aad + 6, (uint16_t)len);
}

/* Slave -> master: out = ciphertext || tag. */
static void spl_seal(const sim_pl_t *pl, uint8_t sctr, uint32_t seq, const uint8_t *in, size_t len, uint8_t *out)
{
    uint8_t nonce[8], aad[8];
    mbedtls_ccm_context c;
    spl_params(pl->kb + 36, sctr, seq, len, nonce, aad);
    mbedtls_ccm_init(&c);
    mbedtls_ccm_setkey(&c, MBEDTLS_CIPHER_ID_AES, pl->kb + 16, 128);
    mbedtls_ccm_encrypt_and_tag(&c, len, nonce, 8, aad, 8, in, out, out + len, SPL_TAG);
    mbedtls_ccm_free(&c);
}

/* Master -> slave: in = ciphertext(len) || tag; true if the tag verifies. */
static bool spl_open(const sim_pl_t *pl, uint8_t sctr, uint32_t seq, const uint8_t *in, size_t len, uint8_t *out)
{
    uint8_t nonce[8], aad[8];
    mbedtls_ccm_context c;
    spl_params(pl->kb + 32, sctr, seq, len, nonce, aad);
    mbedtls_ccm_init(&c);
    mbedtls_ccm_setkey(&c, MBEDTLS_CIPHER_ID_AES, pl->kb, 128);
    int r = mbedtls_ccm_auth_decrypt(&c, len, nonce, 8, aad, 8, in, out, in + len, SPL_TAG);
    mbedtls_ccm_free(&c);
    if (r != 0)
        trustm_wipe(out, len);
    return r == 0;
}

static void spl_end(sim_pl_t *pl)
{
    trustm_wipe(pl->kb, sizeof pl->kb);
    trustm_wipe(pl->rnd, sizeof pl->rnd);
    trustm_wipe(pl->last_rsp, sizeof pl->last_rsp);
    pl->state = SPL_NONE;
    pl->have_last = false;
}

static void spl_flush_saved(sim_pl_t *pl)
{
    trustm_wipe(pl->saved_kb, sizeof pl->saved_kb);
    pl->saved = false;
}

/* Answer with reply[0..n) after us of execution. */
static void spl_reply(trustm_sim_t *sim, size_t n, uint32_t us, const uint8_t *msg, size_t len)
{
    sim->pl.reply_pending = true;
    sim->pl.reply_len = n;
    sim->pl.reply_us = us;
    sim_link_start_exec(sim, msg, len, true);
}

static void spl_alert(trustm_sim_t *sim, uint8_t alert, uint32_t us, const uint8_t *msg, size_t len)
{
    if (alert == TRUSTM_PL_SCTR_ALERT_FATAL)
        spl_end(&sim->pl);
    sim->pl.reply[0] = alert;
    spl_reply(sim, 1, us, msg, len);
}

static uint32_t spl_rand32(trustm_sim_t *sim)
{
    uint8_t b[2];
    sim_random(sim, b, sizeof b);
    return trustm_be16_get(b); /* [SPEC] shows sequence numbers below 0x10000 */
}

static void spl_hello(trustm_sim_t *sim, const uint8_t *msg, size_t len)
{
    sim_pl_t *pl = &sim->pl;
    spl_flush_saved(pl); /* a Hello flushes a saved context (§5.10) */
    spl_end(pl);
    if (len != 2 || (msg[1] & SPL_PVER) == 0) {
        spl_alert(sim, TRUSTM_PL_SCTR_ALERT_FATAL, SPL_US_ALERT, msg, len);
        return;
    }
    if (pl->fixed)
        memcpy(pl->rnd, pl->fixed_rnd, 32);
    else
        sim_random(sim, pl->rnd, 32);
    pl->sseq = pl->fixed ? pl->fixed_sseq : spl_rand32(sim);
    const sim_obj_t *pbs = sim_chip_obj(sim, 0xE140u);
    if (pbs == NULL || pbs->used == 0) {
        spl_alert(sim, TRUSTM_PL_SCTR_ALERT_FATAL, SPL_US_ALERT, msg, len);
        return;
    }
    spl_prf(pbs->data, pbs->used, pl->rnd, 32, pl->kb, sizeof pl->kb);
    pl->state = SPL_HELLO;
    pl->reply[0] = TRUSTM_PL_SCTR_HELLO;
    pl->reply[1] = SPL_PVER;
    memcpy(pl->reply + 2, pl->rnd, 32);
    trustm_be32_put(pl->reply + 34, pl->sseq);
    spl_reply(sim, 38, SPL_US_HELLO, msg, len);
}

static void spl_finished(trustm_sim_t *sim, const uint8_t *msg, size_t len)
{
    sim_pl_t *pl = &sim->pl;
    uint8_t pt[SPL_FIN_CT];
    bool ok = pl->state == SPL_HELLO && len == SPL_FIN_LEN && trustm_be32_get(msg + 1) == pl->sseq &&
              spl_open(pl, TRUSTM_PL_SCTR_FINISHED, pl->sseq, msg + 5, SPL_FIN_CT, pt) &&
              memcmp(pt, pl->rnd, 32) == 0 && trustm_be32_get(pt + 32) == pl->sseq;
    trustm_wipe(pt, sizeof pt);
    if (!ok) {
        if (pl->state == SPL_HELLO && len == SPL_FIN_LEN) {
            pl->mac_failures++;
            sim_secmon_event(sim, SEC_EV_DECRYPT_FAIL); /* a MAC failure is a security event */
        }
        spl_alert(sim, TRUSTM_PL_SCTR_ALERT_FATAL, SPL_US_FINISHED, msg, len);
        return;
    }
    pl->mseq = pl->fixed ? pl->fixed_mseq : spl_rand32(sim);
    memcpy(pt, pl->rnd, 32);
    trustm_be32_put(pt + 32, pl->mseq);
    pl->reply[0] = TRUSTM_PL_SCTR_FINISHED;
    trustm_be32_put(pl->reply + 1, pl->mseq);
    spl_seal(pl, TRUSTM_PL_SCTR_FINISHED, pl->mseq, pt, SPL_FIN_CT, pl->reply + 5);
    trustm_wipe(pt, sizeof pt);
    trustm_wipe(pl->rnd, sizeof pl->rnd);
    pl->state = SPL_UP;
    pl->have_last = false;
    pl->handshakes++;
    spl_reply(sim, SPL_FIN_LEN, SPL_US_FINISHED, msg, len);
}

static uint32_t spl_record_us(const trustm_sim_t *sim, size_t protected_bytes)
{
    if (sim->timing == TRUSTM_SIM_TIMING_NONE)
        return 0;
    return SPL_US_RECORD + SPL_US_PER_BYTE * (uint32_t)protected_bytes;
}

static void spl_record(trustm_sim_t *sim, const uint8_t *msg, size_t len)
{
    sim_pl_t *pl = &sim->pl;
    uint8_t sctr = msg[0], prot = (uint8_t)(sctr & 3u);
    if (prot != 0 && pl->state != SPL_UP) {
        spl_alert(sim, TRUSTM_PL_SCTR_ALERT_FATAL, SPL_US_ALERT, msg, len);
        return;
    }
    uint8_t *plain = sim->pl.reply; /* SCTR || APDU, handed to the executor */
    size_t n;
    if (prot & TRUSTM_PL_SCTR_PROT_MASTER) {
        if (len < 1 + 4 + SPL_TAG + 1) {
            spl_alert(sim, TRUSTM_PL_SCTR_ALERT_FATAL, SPL_US_ALERT, msg, len);
            return;
        }
        uint32_t seq = trustm_be32_get(msg + 1);
        if (seq <= pl->mseq || seq - pl->mseq > SPL_WINDOW) { /* replay or out of the window */
            spl_alert(sim, TRUSTM_PL_SCTR_ALERT_FATAL, SPL_US_ALERT, msg, len);
            return;
        }
        n = len - 5 - SPL_TAG;
        if (!spl_open(pl, sctr, seq, msg + 5, n, plain + 1)) {
            pl->mac_failures++;
            sim_secmon_event(sim, SEC_EV_DECRYPT_FAIL);
            spl_alert(sim, TRUSTM_PL_SCTR_ALERT_INTEGRITY, spl_record_us(sim, len), msg, len);
            return;
        }
        pl->mseq = seq;
    } else {
        n = len - 1;
        memcpy(plain + 1, msg + 1, n);
    }
    plain[0] = TRUSTM_PL_SCTR_RECORD;
    pl->rec_sctr = sctr;
    pl->resends = 0;
    pl->reply_pending = false;
    pl->extra_us = prot != 0 ? spl_record_us(sim, (prot & TRUSTM_PL_SCTR_PROT_MASTER) ? n : 0) : 0;
    /* the executor copies the message; reply[] is free again when it completes */
    sim_link_start_exec(sim, plain, n + 1, true);
}

static void spl_integrity_alert(trustm_sim_t *sim, const uint8_t *msg, size_t len)
{
    sim_pl_t *pl = &sim->pl;
    if (len != 1 || pl->state != SPL_UP || !pl->have_last || pl->resends >= SPL_WINDOW) {
        spl_alert(sim, TRUSTM_PL_SCTR_ALERT_FATAL, SPL_US_ALERT, msg, len);
        return;
    }
    pl->resends++;
    pl->sseq++;
    pl->reply[0] = pl->last_sctr;
    trustm_be32_put(pl->reply + 1, pl->sseq);
    spl_seal(pl, pl->last_sctr, pl->sseq, pl->last_rsp, pl->last_len, pl->reply + 5);
    spl_reply(sim, 5 + pl->last_len + SPL_TAG, spl_record_us(sim, pl->last_len), msg, len);
}

static void spl_context(trustm_sim_t *sim, const uint8_t *msg, size_t len)
{
    sim_pl_t *pl = &sim->pl;
    if ((msg[0] & 0xFCu) == TRUSTM_PL_SCTR_SAVE) {
        if (len != 1 || pl->state != SPL_UP) {
            spl_alert(sim, TRUSTM_PL_SCTR_ALERT_FATAL, SPL_US_ALERT, msg, len);
            return;
        }
        memcpy(pl->saved_kb, pl->kb, sizeof pl->kb);
        pl->saved_sseq = pl->sseq;
        pl->saved_mseq = pl->mseq;
        pl->saved = true;
        pl->reply[0] = TRUSTM_PL_SCTR_SAVED;
        spl_reply(sim, 1, SPL_US_SAVE, msg, len);
        return;
    }
    if ((msg[0] & 0xFCu) == TRUSTM_PL_SCTR_RESTORE) {
        bool ok = len == 5 && pl->saved && trustm_be32_get(msg + 1) == pl->saved_sseq;
        if (ok) {
            spl_end(pl);
            memcpy(pl->kb, pl->saved_kb, sizeof pl->kb);
            pl->sseq = pl->saved_sseq;
            pl->mseq = pl->saved_mseq;
            pl->state = SPL_UP;
        }
        spl_flush_saved(pl); /* a restore consumes the saved context */
        if (!ok) {
            spl_alert(sim, TRUSTM_PL_SCTR_ALERT_FATAL, SPL_US_ALERT, msg, len);
            return;
        }
        pl->reply[0] = TRUSTM_PL_SCTR_RESTORED;
        trustm_be32_put(pl->reply + 1, pl->mseq);
        spl_reply(sim, 5, SPL_US_RESTORE, msg, len);
        return;
    }
    spl_alert(sim, TRUSTM_PL_SCTR_ALERT_FATAL, SPL_US_ALERT, msg, len);
}

void sim_pl_deliver(trustm_sim_t *sim, const uint8_t *msg, size_t len, bool presence)
{
    static const uint8_t none = 0;
    if (!presence || len < 1) { /* PRESENCE missing after the latch, or an empty payload */
        spl_alert(sim, TRUSTM_PL_SCTR_ALERT_FATAL, SPL_US_ALERT, len > 0 ? msg : &none, len > 0 ? len : 1);
        return;
    }
    uint8_t sctr = msg[0];
    switch (sctr >> 5) {
    case 0: /* handshake */
        if (sctr == TRUSTM_PL_SCTR_HELLO)
            spl_hello(sim, msg, len);
        else if (sctr == TRUSTM_PL_SCTR_FINISHED)
            spl_finished(sim, msg, len);
        else /* Key Agreement (PVER 2) is not supported */
            spl_alert(sim, TRUSTM_PL_SCTR_ALERT_FATAL, SPL_US_ALERT, msg, len);
        return;
    case 1:
        if ((sctr & 0x1Cu) != 0 || len < 2) {
            spl_alert(sim, TRUSTM_PL_SCTR_ALERT_FATAL, SPL_US_ALERT, msg, len);
            return;
        }
        spl_record(sim, msg, len);
        return;
    case 2:
        if (sctr == TRUSTM_PL_SCTR_ALERT_INTEGRITY)
            spl_integrity_alert(sim, msg, len);
        else
            spl_alert(sim, TRUSTM_PL_SCTR_ALERT_FATAL, SPL_US_ALERT, msg, len);
        return;
    case 3:
        spl_context(sim, msg, len);
        return;
    default:
        spl_alert(sim, TRUSTM_PL_SCTR_ALERT_FATAL, SPL_US_ALERT, msg, len);
        return;
    }
}

size_t sim_pl_complete(trustm_sim_t *sim, const uint8_t *msg, size_t len, uint8_t *rsp, size_t rsp_size,
                       sim_pl_exec_fn exec)
{
    sim_pl_t *pl = &sim->pl;
    if (pl->reply_pending) {
        pl->reply_pending = false;
        size_t n = pl->reply_len < rsp_size ? pl->reply_len : rsp_size;
        memcpy(rsp, pl->reply, n);
        return n;
    }
    /* msg = SCTR 0x20 || plain APDU; the record's own SCTR is rec_sctr */
    uint8_t sctr = pl->rec_sctr;
    size_t hdr = (sctr & TRUSTM_PL_SCTR_PROT_SLAVE) ? 5u : 1u;
    if (rsp_size < hdr + SPL_TAG + 4u || len < 1)
        return 0;
    pl->cur_prot = (uint8_t)(sctr & 3u);
    size_t n = exec(sim, msg + 1, len - 1, rsp + hdr, rsp_size - hdr - SPL_TAG);
    pl->cur_prot = 0;
    rsp[0] = sctr;
    if ((sctr & TRUSTM_PL_SCTR_PROT_SLAVE) == 0 || pl->state != SPL_UP)
        return 1 + n; /* (a session lost meanwhile answers in clear: 20/21 only get here then) */
    if (n > sizeof pl->last_rsp)
        n = sizeof pl->last_rsp;
    memcpy(pl->last_rsp, rsp + hdr, n);
    pl->last_len = n;
    pl->last_sctr = sctr;
    pl->have_last = true;
    pl->sseq++;
    trustm_be32_put(rsp + 1, pl->sseq);
    spl_seal(pl, sctr, pl->sseq, pl->last_rsp, n, rsp + 5);
    return 5 + n + SPL_TAG;
}

void sim_pl_reset(trustm_sim_t *sim)
{
    sim_pl_t *pl = &sim->pl;
    spl_end(pl);
    pl->reply_pending = false;
    pl->extra_us = 0;
    pl->cur_prot = 0;
}

bool sim_pl_conf_ok(const trustm_sim_t *sim, uint16_t oid, bool response)
{
    if (oid != 0xE140u || sim->pl.state != SPL_UP)
        return false;
    return (sim->pl.cur_prot & (response ? TRUSTM_PL_SCTR_PROT_SLAVE : TRUSTM_PL_SCTR_PROT_MASTER)) != 0;
}

void trustm_sim_shield_fix_randoms(trustm_sim_t *sim, const uint8_t rnd[32], uint32_t sseq, uint32_t mseq)
{
    if (sim == NULL)
        return;
    sim->pl.fixed = rnd != NULL;
    if (rnd != NULL)
        memcpy(sim->pl.fixed_rnd, rnd, 32);
    sim->pl.fixed_sseq = sseq;
    sim->pl.fixed_mseq = mseq;
}

uint32_t trustm_sim_shield_handshakes(const trustm_sim_t *sim)
{
    return sim != NULL ? sim->pl.handshakes : 0;
}
uint32_t trustm_sim_shield_mac_failures(const trustm_sim_t *sim)
{
    return sim != NULL ? sim->pl.mac_failures : 0;
}

void trustm_sim_shield_queue_random(trustm_sim_t *sim, const uint8_t *bytes, size_t len)
{
    if (sim == NULL || len > sizeof sim->pl.queued)
        return;
    memcpy(sim->pl.queued, bytes, len);
    sim->pl.queued_len = len;
    sim->pl.queued_pos = 0;
}

size_t sim_pl_fixed_random(trustm_sim_t *sim, uint8_t *out, size_t n)
{
    sim_pl_t *pl = &sim->pl;
    size_t k = pl->queued_len - pl->queued_pos;
    if (k > n)
        k = n;
    memcpy(out, pl->queued + pl->queued_pos, k);
    pl->queued_pos += k;
    return k;
}
