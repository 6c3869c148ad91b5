/*
 * The host's presentation-layer decoder (trustm_pl_shield: Hello / Finished / record / alert /
 * context answers) under arbitrary chip answers. A toy ops table (XOR "cipher", zero tag) lets
 * the fuzzer produce answers that pass the MAC check, so the code behind it is reached.
 * Input: [level][ctl] then records [hdr_len][len][bytes...], one per message the engine sends.
 * Checks: no crash, a delivered APDU never longer than the body, never more than 64 messages
 * per exchange (no endless loop).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "trustm/trustm_shield.h"
#include "trustm_stack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int toy_prf(void *u, const uint8_t *s, size_t sl, const uint8_t *l, size_t ll, const uint8_t *seed, size_t seedl,
                   uint8_t *out, size_t n)
{
    (void)u;
    (void)l;
    (void)ll;
    for (size_t i = 0; i < n; i++)
        out[i] = (uint8_t)(s[i % sl] ^ seed[i % seedl] ^ i);
    return 0;
}
static int toy_enc(void *u, const uint8_t k[16], const uint8_t nonce[8], const uint8_t *aad, size_t al,
                   const uint8_t *in, size_t len, uint8_t *out)
{
    (void)u;
    (void)nonce;
    (void)aad;
    (void)al;
    for (size_t i = 0; i < len; i++)
        out[i] = (uint8_t)(in[i] ^ k[i % 16]);
    memset(out + len, 0, 8);
    return 0;
}
static int toy_dec(void *u, const uint8_t k[16], const uint8_t nonce[8], const uint8_t *aad, size_t al,
                   const uint8_t *in, size_t len, const uint8_t tag[8], uint8_t *out)
{
    (void)u;
    (void)nonce;
    (void)aad;
    (void)al;
    for (size_t i = 0; i < 8; i++)
        if (tag[i] != 0) {
            memset(out, 0, len);
            return -1;
        }
    for (size_t i = 0; i < len; i++)
        out[i] = (uint8_t)(in[i] ^ k[i % 16]);
    return 0;
}
static int toy_secret(void *u, uint8_t *out, size_t size, size_t *len)
{
    (void)u;
    memset(out, 0x11, size < 64 ? size : 64);
    *len = 64;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const trustm_shield_crypto_t ops = {toy_prf, toy_enc, toy_dec, NULL, NULL};
    static trustm_shield_t sh;
    static uint8_t rsp[2048];
    static const uint8_t apdu[] = {0x8C, 0x00, 0x00, 0x02, 0x00, 0x08};
    trustm_shield_config_t sc;
    memset(&sc, 0, sizeof sc);
    sc.crypto = &ops;
    sc.read_secret = toy_secret;
    if (size < 2 || trustm_shield_init(&sh, &sc) != TRUSTM_OK)
        return 0;
    size_t pos = 2;
    unsigned messages = 0;
    trustm_pl_shield.event(&sh, TRUSTM_PL_EV_OPEN);
    while (pos + 2 <= size) {
        size_t start = pos;
        sh.next_level = (uint8_t)(data[0] & 0x83u);
        trustm_pl_shield_begin_op(&sh);
        bool control = (data[1] & 1u) && trustm_pl_shield_control(&sh, (uint8_t)(1u + ((data[1] >> 1) & 1u)));
        trustm_status_t s;
        messages = 0;
        do {
            trustm_pl_msg_t msg;
            memset(&msg, 0, sizeof msg);
            msg.body = control ? NULL : apdu;
            msg.body_len = control ? 0 : sizeof apdu;
            s = trustm_pl_shield.tx_begin(&sh, msg.body, msg.body_len, &msg);
            if (s != TRUSTM_OK || pos + 2 > size)
                break;
            size_t hl = data[pos] % (TRUSTM_PL_HDR_MAX + 1u), len = data[pos + 1];
            pos += 2;
            if (len > size - pos)
                len = size - pos;
            if (hl > len)
                hl = len;
            if (hl > msg.rx_hdr_len)
                hl = msg.rx_hdr_len;
            uint8_t *dst = msg.rx_buf != NULL ? msg.rx_buf : rsp;
            size_t room = msg.rx_buf != NULL ? msg.rx_size : sizeof rsp;
            size_t bl = len - hl > room ? room : len - hl;
            memcpy(dst, data + pos + hl, bl);
            size_t apdu_len = bl;
            s = trustm_pl_shield.rx_end(&sh, data + pos, hl, dst, bl, &apdu_len);
            pos += len;
            if (s == TRUSTM_OK && apdu_len > bl)
                abort();
            if (++messages > 64)
                abort();
        } while (s == TRUSTM_IN_PROGRESS);
        if (s == TRUSTM_IN_PROGRESS)
            trustm_pl_shield.event(&sh, TRUSTM_PL_EV_ABORT);
        if (trustm_pl_shield.sticky(&sh))
            trustm_pl_shield.event(&sh, TRUSTM_PL_EV_OPEN);
        if (pos == start)
            break; /* the engine refused to send: nothing consumed */
    }
    trustm_shield_wipe(&sh);
    return 0;
}
