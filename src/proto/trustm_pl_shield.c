/*
 * Shielded Connection, host (master) side (ifx-i2c.md §5): the presentation layer behind the
 * trustm_pl_ops_t seam. One exchange of the stack may carry several messages:
 *
 *   phase      sends                              answer expected          next
 *   HELLO      00 01                              00 01 RND(32) SSEQ(4)    FINISHED (keys derived)
 *   FINISHED   08 SSEQ CCM(RND||SSEQ)             08 MSEQ CCM(RND||MSEQ)   RECORD (session up)
 *   RECORD     20|P [MSEQ+1 CCM(APDU)] / APDU      20|P [SSEQ' CCM(APDU)]   done
 *                                                 44: resend, next MSEQ     RECORD (<= 3 times)
 *                                                 40: session ended         HELLO (budget)
 *   ALERT      44 (our response check failed)     the response again       as RECORD (<= 3 times)
 *   CTL        60 / 68 SSEQ                       64 / 6C MSEQ             done
 *
 * Keys: KB = PRF(secret, "Platform Binding", RND), 40 bytes; master encrypts with KB[0..16),
 * nonce KB[32..36) || seq; decrypts with KB[16..32), nonce KB[36..40) || seq. AAD = SCTR || seq ||
 * PVER || length (§5.6). Crypto goes through the caller's trustm_shield_crypto_t.
 */
#include <string.h>

#include "trustm/trustm_shield.h"
#include "trustm_bytes.h"
#include "trustm_pctr.h"
#include "trustm_stack.h"

#define SH_MAGIC         0x53484C44u /* "SHLD" */
#define SH_PVER          0x01u
#define SH_REPEAT        3u /* TRANS_REPEAT: acceptance window and alert retries */
#define SH_SEQ_LIMIT     0xFFFFFFF0u
#define SH_HELLO_RSP_LEN 38u
#define SH_FIN_LEN       49u
#define SH_FIN_CT_LEN    36u
#define PL_ERR(base)     TRUSTM_STATUS(TRUSTM_LAYER_PL, (base))

enum { SH_NONE = 0, SH_UP, SH_SAVED };
enum { PH_IDLE = 0, PH_HELLO, PH_FINISHED, PH_RECORD, PH_ALERT, PH_CTL };

static const uint8_t sh_label[16] = {'P', 'l', 'a', 't', 'f', 'o', 'r', 'm', ' ', 'B', 'i', 'n', 'd', 'i', 'n', 'g'};

static bool sh_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
    uint8_t d = 0;
    for (size_t i = 0; i < n; i++)
        d = (uint8_t)(d | (a[i] ^ b[i]));
    return d == 0;
}

static void sh_aad(uint8_t aad[8], uint8_t sctr, uint32_t seq, size_t len)
{
    aad[0] = sctr;
    trustm_be32_put(aad + 1, seq);
    aad[5] = SH_PVER;
    trustm_be16_put(aad + 6, (uint16_t)len);
}

static void sh_nonce(uint8_t nonce[8], const uint8_t dir[4], uint32_t seq)
{
    memcpy(nonce, dir, 4);
    trustm_be32_put(nonce + 4, seq);
}

/* Master -> slave: MasterEncKey KB[0..16), MasterEncNonce KB[32..36). */
static int sh_encrypt(trustm_shield_t *sh, uint8_t sctr, uint32_t seq, const uint8_t *in, size_t len, uint8_t *out)
{
    uint8_t nonce[8], aad[8];
    sh_nonce(nonce, sh->kb + 32, seq);
    sh_aad(aad, sctr, seq, len);
    const trustm_shield_crypto_t *c = sh->cfg.crypto;
    int r = c->ccm8_encrypt(c->user, sh->kb, nonce, aad, sizeof aad, in, len, out);
    trustm_wipe(nonce, sizeof nonce);
    return r;
}

/* Slave -> master: MasterDecKey KB[16..32), MasterDecNonce KB[36..40). */
static int sh_decrypt(trustm_shield_t *sh, uint8_t sctr, uint32_t seq, const uint8_t *in, size_t len, uint8_t *out)
{
    uint8_t nonce[8], aad[8];
    sh_nonce(nonce, sh->kb + 36, seq);
    sh_aad(aad, sctr, seq, len);
    const trustm_shield_crypto_t *c = sh->cfg.crypto;
    int r = c->ccm8_decrypt(c->user, sh->kb + 16, nonce, aad, sizeof aad, in, len, in + len, out);
    trustm_wipe(nonce, sizeof nonce);
    return r;
}

static void sh_end_session(trustm_shield_t *sh)
{
    trustm_wipe(sh->kb, sizeof sh->kb);
    trustm_wipe(sh->rnd, sizeof sh->rnd);
    trustm_wipe(sh->hs_buf, sizeof sh->hs_buf);
    sh->state = SH_NONE;
    sh->mseq = 0;
    sh->sseq = 0;
}

/* Final status of the exchange. */
static trustm_status_t sh_done(trustm_shield_t *sh, trustm_status_t s)
{
    sh->phase = PH_IDLE;
    sh->ctl = 0;
    trustm_wipe(sh->tx_buf, sizeof sh->tx_buf);
    return s;
}

/* The session broke before the chip executed the command: handshake again while the budget
 * lasts, then the sticky failure. */
static trustm_status_t sh_rehandshake(trustm_shield_t *sh, trustm_status_t cause)
{
    sh_end_session(sh);
    if (sh->handshakes > sh->cfg.rehandshake_max) {
        sh->sticky = true;
        return sh_done(sh, cause);
    }
    sh->phase = PH_HELLO;
    return TRUSTM_IN_PROGRESS;
}

static trustm_status_t sh_derive(trustm_shield_t *sh)
{
    uint8_t secret[TRUSTM_SHIELD_SECRET_MAX];
    size_t n = 0;
    int r = sh->cfg.read_secret(sh->cfg.secret_user, secret, sizeof secret, &n);
    if (r == 0 && (n == 0 || n > sizeof secret))
        r = -1;
    if (r == 0) {
        const trustm_shield_crypto_t *c = sh->cfg.crypto;
        r = c->prf_sha256(c->user, secret, n, sh_label, sizeof sh_label, sh->rnd, sizeof sh->rnd, sh->kb,
                          sizeof sh->kb);
    }
    trustm_wipe(secret, sizeof secret);
    return r == 0 ? TRUSTM_OK : PL_ERR(TRUSTM_BASE_NOT_FOUND);
}

/* ---- tx ---- */

static void sh_rx_into_hs(trustm_shield_t *sh, trustm_pl_msg_t *msg, size_t hdr)
{
    msg->rx_hdr_len = hdr;
    msg->rx_buf = sh->hs_buf;
    msg->rx_size = sizeof sh->hs_buf;
}

/* Where a response record goes. A protected one is one CCM computation whose tag covers it all
 * and no plaintext may reach the caller before the tag verifies, so the whole record is received
 * here, into tx_buf (the command's ciphertext is not needed any more: a resend encrypts the APDU
 * again), verified and decrypted in place; the transport then delivers the APDU and wipes it. */
static void sh_rx_record_into(trustm_shield_t *sh, trustm_pl_msg_t *msg, uint8_t prot)
{
    msg->rx_hdr_len = (prot & TRUSTM_PROTECT_RSP) ? 5u : 1u;
    if (prot & TRUSTM_PROTECT_RSP) {
        msg->rx_buf = sh->tx_buf;
        msg->rx_size = sizeof sh->tx_buf;
        msg->rx_deliver = true;
    }
}

static trustm_status_t sh_tx_control(trustm_shield_t *sh, trustm_pl_msg_t *msg)
{
    msg->body = NULL;
    msg->body_len = 0;
    if (sh->ctl == TRUSTM_PL_CTL_SAVE) {
        msg->hdr[0] = TRUSTM_PL_SCTR_SAVE;
        msg->hdr_len = 1;
    } else if (sh->ctl == TRUSTM_PL_CTL_RESTORE) {
        msg->hdr[0] = TRUSTM_PL_SCTR_RESTORE;
        trustm_be32_put(msg->hdr + 1, sh->sseq);
        msg->hdr_len = 5;
    } else {
        return PL_ERR(TRUSTM_BASE_BAD_SEQUENCE);
    }
    sh_rx_into_hs(sh, msg, 1);
    sh->phase = PH_CTL;
    return TRUSTM_OK;
}

static bool sh_needs_handshake(const trustm_shield_t *sh)
{
    return sh->state != SH_UP || (sh->level & TRUSTM_PROTECT_RENEW) != 0 || sh->mseq >= SH_SEQ_LIMIT - SH_REPEAT ||
           sh->sseq >= SH_SEQ_LIMIT - SH_REPEAT;
}

static trustm_status_t sh_tx_begin(void *ctx, const uint8_t *apdu, size_t apdu_len, trustm_pl_msg_t *msg)
{
    trustm_shield_t *sh = ctx;
    if (apdu_len == 0)
        return sh_tx_control(sh, msg);
    if (sh->phase == PH_IDLE || sh->phase == PH_CTL) { /* a new exchange */
        sh->level = sh->op_level;
        sh->op_level = (uint8_t)(sh->op_level & ~TRUSTM_PROTECT_RENEW); /* renew once per call */
        sh->int_retries = 0;
        sh->rx_alerts = 0;
        sh->handshakes = 0;
        sh->sent_protected = false;
        sh->phase = (sh->level & TRUSTM_PROTECT_FULL) != 0 && sh_needs_handshake(sh) ? PH_HELLO : PH_RECORD;
    }
    uint8_t prot = (uint8_t)(sh->level & TRUSTM_PROTECT_FULL);
    const trustm_gather_t *gather = msg->gather;
    msg->body = NULL;
    msg->gather = NULL;
    msg->body_len = 0;
    if (apdu == NULL && gather == NULL)
        return PL_ERR(TRUSTM_BASE_INTERNAL);
    switch (sh->phase) {
    case PH_HELLO:
        sh_end_session(sh);
        sh->handshakes++;
        msg->hdr[0] = TRUSTM_PL_SCTR_HELLO;
        msg->hdr[1] = SH_PVER;
        msg->hdr_len = 2;
        sh_rx_into_hs(sh, msg, 0);
        return TRUSTM_OK;
    case PH_FINISHED: {
        uint8_t pt[SH_FIN_CT_LEN];
        memcpy(pt, sh->rnd, 32);
        trustm_be32_put(pt + 32, sh->hs_sseq);
        int r = sh_encrypt(sh, TRUSTM_PL_SCTR_FINISHED, sh->hs_sseq, pt, sizeof pt, sh->tx_buf);
        trustm_wipe(pt, sizeof pt);
        if (r != 0)
            return PL_ERR(TRUSTM_BASE_INTERNAL);
        msg->hdr[0] = TRUSTM_PL_SCTR_FINISHED;
        trustm_be32_put(msg->hdr + 1, sh->hs_sseq);
        msg->hdr_len = 5;
        msg->body = sh->tx_buf;
        msg->body_len = SH_FIN_CT_LEN + TRUSTM_SHIELD_TAG_SIZE;
        sh_rx_into_hs(sh, msg, 0);
        return TRUSTM_OK;
    }
    case PH_RECORD: {
        uint8_t sctr = (uint8_t)(TRUSTM_PL_SCTR_RECORD | prot);
        msg->hdr[0] = sctr;
        msg->hdr_len = 1;
        if (prot & TRUSTM_PROTECT_CMD) {
            if (apdu_len > TRUSTM_SHIELD_TX_MAX - TRUSTM_SHIELD_TAG_SIZE)
                return PL_ERR(TRUSTM_BASE_BAD_PARAM);
            sh->mseq++;         /* incremented before use (§5.7), also for a resend */
            if (apdu == NULL) { /* a gathered APDU: assemble it, encrypt in place */
                trustm_gather_copy(gather, 0, sh->tx_buf, apdu_len);
                apdu = sh->tx_buf;
            }
            if (sh_encrypt(sh, sctr, sh->mseq, apdu, apdu_len, sh->tx_buf) != 0)
                return PL_ERR(TRUSTM_BASE_INTERNAL);
            trustm_be32_put(msg->hdr + 1, sh->mseq);
            msg->hdr_len = 5;
            msg->body = sh->tx_buf;
            msg->body_len = apdu_len + TRUSTM_SHIELD_TAG_SIZE;
            sh->sent_protected = true;
        } else {
            msg->body = apdu;
            msg->gather = gather;
            msg->body_len = apdu_len;
        }
        sh_rx_record_into(sh, msg, prot);
        return TRUSTM_OK;
    }
    case PH_ALERT:
        msg->hdr[0] = TRUSTM_PL_SCTR_ALERT_INTEGRITY;
        msg->hdr_len = 1;
        sh_rx_record_into(sh, msg, prot);
        return TRUSTM_OK;
    default:
        return PL_ERR(TRUSTM_BASE_INTERNAL);
    }
}

/* ---- rx ---- */

static trustm_status_t sh_rx_hello(trustm_shield_t *sh, const uint8_t *b, size_t n)
{
    if (n != SH_HELLO_RSP_LEN || b[0] != TRUSTM_PL_SCTR_HELLO || b[1] != SH_PVER)
        return sh_rehandshake(sh, PL_ERR(n == 1 ? TRUSTM_BASE_PROTOCOL : TRUSTM_BASE_BAD_RESPONSE));
    memcpy(sh->rnd, b + 2, 32);
    sh->hs_sseq = trustm_be32_get(b + 34);
    trustm_status_t s = sh_derive(sh);
    if (s != TRUSTM_OK) {
        sh_end_session(sh);
        return sh_done(sh, s);
    }
    sh->phase = PH_FINISHED;
    return TRUSTM_IN_PROGRESS;
}

static trustm_status_t sh_rx_finished(trustm_shield_t *sh, uint8_t *b, size_t n)
{
    uint8_t pt[SH_FIN_CT_LEN];
    bool ok = false;
    if (n == SH_FIN_LEN && b[0] == TRUSTM_PL_SCTR_FINISHED) {
        uint32_t mseq = trustm_be32_get(b + 1);
        ok = sh_decrypt(sh, TRUSTM_PL_SCTR_FINISHED, mseq, b + 5, SH_FIN_CT_LEN, pt) == 0 &&
             sh_equal(pt, sh->rnd, 32) && trustm_be32_get(pt + 32) == mseq;
        if (ok) {
            sh->mseq = mseq;
            sh->sseq = sh->hs_sseq;
        }
    }
    trustm_wipe(pt, sizeof pt);
    trustm_wipe(sh->rnd, sizeof sh->rnd);
    if (!ok) /* a wrong secret on either side ends here (the chip answers 40 to our Finished) */
        return sh_rehandshake(sh, PL_ERR(TRUSTM_BASE_AUTH_FAILED));
    sh->state = SH_UP;
    sh->phase = PH_RECORD;
    return TRUSTM_IN_PROGRESS;
}

/* The chip executed the command but its response never verified. */
static trustm_status_t sh_response_lost(trustm_shield_t *sh, trustm_status_t s)
{
    sh_end_session(sh);
    if (++sh->mac_streak > sh->cfg.rehandshake_max)
        sh->sticky = true;
    return sh_done(sh, s);
}

static trustm_status_t sh_rx_record(trustm_shield_t *sh, const uint8_t *hdr, size_t hdr_len, uint8_t *body,
                                    size_t body_len, size_t *apdu_len)
{
    uint8_t prot = (uint8_t)(sh->level & TRUSTM_PROTECT_FULL);
    uint8_t sctr = (uint8_t)(TRUSTM_PL_SCTR_RECORD | prot);
    if (hdr_len < 1)
        return sh_done(sh, PL_ERR(TRUSTM_BASE_BAD_RESPONSE));
    if (hdr_len == 1 && body_len == 0 && hdr[0] == TRUSTM_PL_SCTR_ALERT_INTEGRITY) {
        if (sh->phase == PH_RECORD && (prot & TRUSTM_PROTECT_CMD) && sh->int_retries < SH_REPEAT) {
            sh->int_retries++; /* resend the same APDU with the next MSEQ */
            return TRUSTM_IN_PROGRESS;
        }
        if (sh->phase == PH_ALERT)
            return sh_response_lost(sh, PL_ERR(TRUSTM_BASE_AUTH_FAILED));
        return sh_rehandshake(sh, PL_ERR(TRUSTM_BASE_AUTH_FAILED));
    }
    if (hdr_len == 1 && body_len == 0 && hdr[0] == TRUSTM_PL_SCTR_ALERT_FATAL) {
        if (sh->phase == PH_ALERT) /* the command ran, its response is gone */
            return sh_response_lost(sh, PL_ERR(TRUSTM_BASE_AUTH_FAILED));
        if (prot == 0 && sh->state != SH_UP)
            return sh_done(sh, PL_ERR(TRUSTM_BASE_PROTOCOL)); /* unprotected traffic refused */
        return sh_rehandshake(sh, PL_ERR(TRUSTM_BASE_PROTOCOL));
    }
    if (hdr[0] != sctr) {
        sh_end_session(sh);
        return sh_done(sh, PL_ERR(TRUSTM_BASE_BAD_RESPONSE));
    }
    if ((prot & TRUSTM_PROTECT_RSP) == 0) {
        if (hdr_len != 1)
            return sh_done(sh, PL_ERR(TRUSTM_BASE_BAD_RESPONSE));
        *apdu_len = body_len;
        return sh_done(sh, TRUSTM_OK);
    }
    if (hdr_len != 5 || body_len < TRUSTM_SHIELD_TAG_SIZE || body == NULL) {
        sh_end_session(sh);
        return sh_done(sh, PL_ERR(TRUSTM_BASE_BAD_RESPONSE));
    }
    uint32_t seq = trustm_be32_get(hdr + 1);
    if (seq <= sh->sseq || seq - sh->sseq > SH_REPEAT) { /* replayed or out of the window */
        sh_end_session(sh);
        return sh_done(sh, PL_ERR(TRUSTM_BASE_PROTOCOL));
    }
    sh->sseq = seq; /* accepted before the tag check, as the vendor host (§5.7) */
    size_t n = body_len - TRUSTM_SHIELD_TAG_SIZE;
    if (sh_decrypt(sh, sctr, seq, body, n, body) != 0) {
        trustm_wipe(body, body_len);
        if (sh->rx_alerts < SH_REPEAT) {
            sh->rx_alerts++;
            sh->phase = PH_ALERT; /* ask for the response again */
            return TRUSTM_IN_PROGRESS;
        }
        return sh_response_lost(sh, PL_ERR(TRUSTM_BASE_AUTH_FAILED));
    }
    trustm_wipe(body + n, TRUSTM_SHIELD_TAG_SIZE);
    sh->mac_streak = 0;
    *apdu_len = n;
    sh->phase = PH_IDLE; /* done; the plaintext stays for the transport to deliver and wipe */
    sh->ctl = 0;
    return TRUSTM_OK;
}

static trustm_status_t sh_rx_control(trustm_shield_t *sh, const uint8_t *hdr, size_t hdr_len, const uint8_t *body,
                                     size_t body_len)
{
    uint8_t want = sh->ctl == TRUSTM_PL_CTL_SAVE ? TRUSTM_PL_SCTR_SAVED : TRUSTM_PL_SCTR_RESTORED;
    size_t want_len = sh->ctl == TRUSTM_PL_CTL_SAVE ? 0u : 4u;
    bool ok = hdr_len == 1 && (hdr[0] & 0xFCu) == want && body_len == want_len;
    if (ok && sh->ctl == TRUSTM_PL_CTL_RESTORE)
        ok = trustm_be32_get(body) == sh->mseq; /* the chip's last accepted MSEQ is ours */
    if (!ok) {
        sh_end_session(sh);
        return sh_done(sh, PL_ERR(hdr_len == 1 && hdr[0] == TRUSTM_PL_SCTR_ALERT_FATAL ? TRUSTM_BASE_PROTOCOL
                                                                                       : TRUSTM_BASE_BAD_RESPONSE));
    }
    sh->state = sh->ctl == TRUSTM_PL_CTL_SAVE ? SH_SAVED : SH_UP;
    return sh_done(sh, TRUSTM_OK);
}

static trustm_status_t sh_rx_end(void *ctx, const uint8_t *hdr, size_t hdr_len, uint8_t *body, size_t body_len,
                                 size_t *apdu_len)
{
    trustm_shield_t *sh = ctx;
    switch (sh->phase) {
    case PH_HELLO:
        return sh_rx_hello(sh, body, body_len);
    case PH_FINISHED:
        return sh_rx_finished(sh, body, body_len);
    case PH_RECORD:
    case PH_ALERT:
        return sh_rx_record(sh, hdr, hdr_len, body, body_len, apdu_len);
    case PH_CTL:
        return sh_rx_control(sh, hdr, hdr_len, body, body_len);
    default:
        return sh_done(sh, PL_ERR(TRUSTM_BASE_INTERNAL));
    }
}

static void sh_event(void *ctx, unsigned ev)
{
    trustm_shield_t *sh = ctx;
    if (ev == TRUSTM_PL_EV_OPEN) {
        sh->sticky = false; /* a re-open clears the failure */
        sh->mac_streak = 0;
        if (sh->state == SH_UP) /* the reset ended the chip's session; a saved one survives */
            sh_end_session(sh);
    } else if (sh->phase == PH_HELLO || sh->phase == PH_FINISHED) {
        sh_end_session(sh); /* an abandoned handshake leaves nothing half-done */
    }
    sh_done(sh, TRUSTM_OK);
}

static bool sh_sticky(void *ctx)
{
    return ((trustm_shield_t *)ctx)->sticky;
}

const trustm_pl_ops_t trustm_pl_shield = {sh_tx_begin, sh_rx_end, true, sh_event, sh_sticky};

/* ---- API used by the device layer and the user ---- */

void trustm_pl_shield_begin_op(struct trustm_shield *sh)
{
    sh->op_level = sh->next_level != TRUSTM_PROTECT_DEFAULT ? sh->next_level : sh->cfg.default_level;
    sh->next_level = TRUSTM_PROTECT_DEFAULT;
    sh->phase = PH_IDLE;
}

bool trustm_pl_shield_control(struct trustm_shield *sh, uint8_t ctl)
{
    if ((ctl == TRUSTM_PL_CTL_SAVE && sh->state != SH_UP) || (ctl == TRUSTM_PL_CTL_RESTORE && sh->state != SH_SAVED))
        return false;
    sh->ctl = ctl;
    sh->phase = PH_CTL;
    return true;
}

trustm_status_t trustm_shield_init(trustm_shield_t *sh, const trustm_shield_config_t *cfg)
{
    if (sh == NULL || cfg == NULL || cfg->crypto == NULL || cfg->read_secret == NULL ||
        cfg->crypto->prf_sha256 == NULL || cfg->crypto->ccm8_encrypt == NULL || cfg->crypto->ccm8_decrypt == NULL ||
        (cfg->default_level & ~(unsigned)TRUSTM_PROTECT_FULL) != 0)
        return PL_ERR(TRUSTM_BASE_BAD_PARAM);
    memset(sh, 0, sizeof *sh);
    sh->cfg = *cfg;
    if (sh->cfg.rehandshake_max == 0)
        sh->cfg.rehandshake_max = 2;
    sh->next_level = TRUSTM_PROTECT_DEFAULT;
    sh->magic = SH_MAGIC;
    return TRUSTM_OK;
}

void trustm_shield_wipe(trustm_shield_t *sh)
{
    if (sh != NULL)
        trustm_wipe(sh, sizeof *sh);
}

bool trustm_shield_has_session(const trustm_shield_t *sh)
{
    return sh != NULL && sh->magic == SH_MAGIC && sh->state == SH_UP;
}

trustm_status_t trustm_shield_export(const trustm_shield_t *sh, uint8_t *out, size_t out_size, size_t *out_len)
{
    if (sh == NULL || sh->magic != SH_MAGIC || out == NULL || out_len == NULL)
        return PL_ERR(TRUSTM_BASE_BAD_PARAM);
    if (sh->state != SH_SAVED)
        return PL_ERR(TRUSTM_BASE_NOT_FOUND);
    if (out_size < TRUSTM_SHIELD_SAVED_SIZE)
        return PL_ERR(TRUSTM_BASE_BUFFER_TOO_SMALL);
    trustm_be32_put(out, SH_MAGIC);
    trustm_be32_put(out + 4, sh->mseq);
    trustm_be32_put(out + 8, sh->sseq);
    memcpy(out + 12, sh->kb, sizeof sh->kb);
    *out_len = TRUSTM_SHIELD_SAVED_SIZE;
    return TRUSTM_OK;
}

trustm_status_t trustm_shield_import(trustm_shield_t *sh, const uint8_t *in, size_t in_len)
{
    if (sh == NULL || sh->magic != SH_MAGIC || in == NULL || in_len != TRUSTM_SHIELD_SAVED_SIZE ||
        trustm_be32_get(in) != SH_MAGIC)
        return PL_ERR(TRUSTM_BASE_BAD_PARAM);
    sh_end_session(sh);
    sh->mseq = trustm_be32_get(in + 4);
    sh->sseq = trustm_be32_get(in + 8);
    memcpy(sh->kb, in + 12, sizeof sh->kb);
    sh->state = SH_SAVED;
    return TRUSTM_OK;
}
