/*
 * Presentation-layer seam (ifx-i2c.md §5). Two built-in record formats; the Shielded Connection
 * (handshake, protected records) plugs in through the same trustm_pl_ops_t in a later issue.
 */
#include <stddef.h>

#include "trustm_pctr.h"
#include "trustm_stack.h"

#define PL_ERR(base) TRUSTM_STATUS(TRUSTM_LAYER_PL, (base))

/* No presentation layer: the message is the APDU. */
static trustm_status_t pl_none_tx_begin(void *ctx, const uint8_t *apdu, size_t apdu_len, trustm_pl_msg_t *msg)
{
    (void)ctx;
    (void)apdu;
    (void)apdu_len;
    msg->hdr_len = 0;
    msg->rx_hdr_len = 0;
    return TRUSTM_OK;
}

static trustm_status_t pl_none_rx_end(void *ctx, const uint8_t *hdr, size_t hdr_len, uint8_t *body, size_t body_len,
                                      size_t *apdu_len)
{
    (void)ctx;
    (void)hdr;
    (void)hdr_len;
    (void)body;
    *apdu_len = body_len;
    return TRUSTM_OK;
}

const trustm_pl_ops_t trustm_pl_none = {pl_none_tx_begin, pl_none_rx_end, false, NULL, NULL};

/* Record exchange without protection: SCTR 0x20 || APDU in both directions (§5.8). */
static trustm_status_t pl_plain_tx_begin(void *ctx, const uint8_t *apdu, size_t apdu_len, trustm_pl_msg_t *msg)
{
    (void)ctx;
    (void)apdu;
    (void)apdu_len;
    msg->hdr[0] = TRUSTM_PL_SCTR_RECORD;
    msg->hdr_len = 1;
    msg->rx_hdr_len = 1;
    return TRUSTM_OK;
}

static trustm_status_t pl_plain_rx_end(void *ctx, const uint8_t *hdr, size_t hdr_len, uint8_t *body, size_t body_len,
                                       size_t *apdu_len)
{
    (void)ctx;
    (void)body;
    if (hdr_len < 1)
        return PL_ERR(TRUSTM_BASE_BAD_RESPONSE); /* empty message: no SCTR */
    if (hdr[0] == TRUSTM_PL_SCTR_RECORD) {
        *apdu_len = body_len;
        return TRUSTM_OK;
    }
    if (body_len == 0 && hdr[0] == TRUSTM_PL_SCTR_ALERT_FATAL)
        return PL_ERR(TRUSTM_BASE_PROTOCOL); /* fatal alert: session must be re-established */
    if (body_len == 0 && hdr[0] == TRUSTM_PL_SCTR_ALERT_INTEGRITY)
        return PL_ERR(TRUSTM_BASE_AUTH_FAILED); /* integrity violated */
    return PL_ERR(TRUSTM_BASE_BAD_RESPONSE);    /* another SCTR (protected record, handshake) */
}

const trustm_pl_ops_t trustm_pl_record_plain = {pl_plain_tx_begin, pl_plain_rx_end, true, NULL, NULL};
