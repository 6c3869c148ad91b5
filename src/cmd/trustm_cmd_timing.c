/*
 * Expected execution time of a command, from its APDU: how long the host waits after writing
 * the last frame of a command before it reads I2C_STATE for the first time. Only a latency
 * figure: a command that runs longer (security monitor throttling, a slower chip) is polled
 * until it answers, so correctness never depends on it.
 *
 * The cryptographic commands use the datasheet's Table 16 (M2 ID2 v2.10 §7.2, 400 kHz, no
 * current limit); the datasheet gives no figure for the others, the values below are chosen
 * (documented in docs/DESIGN.md).
 */
#include "trustm_cmd_int.h"

#define MS(x) ((uint32_t)(x)*1000u)

/* Hashing at 15 kB/s: 1000000 / 15000 = 200 / 3 us per byte, in 32-bit arithmetic (an APDU is
 * shorter than 64 kB, so in_len * 200 fits; a 64-bit division would pull in a 700-byte libgcc
 * routine on a 32-bit target). */
static uint32_t hash_us(size_t in_len)
{
    uint32_t n = in_len > 0xFFFFu ? 0xFFFFu : (uint32_t)in_len;
    return n * 200u / 3u;
}

/* Expected times in units of 0.5 ms: t[0], or t[1] when sel says so: sel 0 never; sel < 0x40:
 * when param >= sel; sel >= 0x80: when param == sel & 0x7F. SEL_HASH: t[0] plus the time to hash
 * the data, or t[1] (if set) when the data is a signed manifest (starts with 0x30). */
#define T(us)    ((uint16_t)((us) / 500u))
#define SEL_HASH 0x40u
typedef struct cmd_time {
    uint8_t cmd;
    uint8_t sel;
    uint16_t t[2];
} cmd_time_t;

/* The short commands first: the search is linear. */
static const cmd_time_t cmd_times[] = {
    {TRUSTM_CMD_GET_DATA_OBJECT, 0, {T(1500u), 0}},
    {TRUSTM_CMD_GET_RANDOM, 0, {T(1500u), 0}},
    {TRUSTM_CMD_CLOSE_APPLICATION, 0, {T(MS(3)), 0}},
    {TRUSTM_CMD_OPEN_APPLICATION, 0, {T(MS(4)), 0}},
    {TRUSTM_CMD_SET_DATA_OBJECT, 0, {T(MS(3)), 0}},
    {TRUSTM_CMD_GEN_SYM_KEY, 0, {T(MS(5)), 0}},
    {TRUSTM_CMD_CALC_SIGN, 0, {T(MS(310)), 0}},
    {TRUSTM_CMD_VERIFY_SIGN, 0, {T(MS(40)), 0}},
    {TRUSTM_CMD_ENCRYPT_ASYM, 0, {T(MS(40)), 0}},
    {TRUSTM_CMD_DECRYPT_ASYM, 0, {T(MS(315)), 0}},
    {TRUSTM_CMD_ENCRYPT_SYM, 0x20u, {T(MS(28)), T(MS(90))}},             /* AES : HMAC     */
    {TRUSTM_CMD_DECRYPT_SYM, 0x20u, {T(MS(35)), T(MS(90))}},             /* AES : HMAC     */
    {TRUSTM_CMD_DERIVE_KEY, 0x08u, {T(MS(50)), T(MS(130))}},             /* TLS PRF : HKDF */
    {TRUSTM_CMD_GEN_KEY_PAIR, 0x80u | 0x41u, {T(MS(2900)), T(MS(400))}}, /* RSA 2048 (and ECC) : RSA 1024 */
    {TRUSTM_CMD_CALC_HASH, SEL_HASH, {T(MS(1)), 0}},                     /* SHA-256 at 15 kB/s */
    /* the start verifies a signature; the rest hash a fragment */
    {TRUSTM_CMD_SET_OBJECT_PROTECTED, SEL_HASH, {T(MS(4)), T(MS(40))}},
};

uint32_t trustm_cmd_expected_us(const uint8_t *apdu, size_t len)
{
    if (apdu == NULL || len < TRUSTM_APDU_HEADER_SIZE)
        return 0;
    uint8_t cmd = apdu[0] & 0x7Fu, param = apdu[1];
    size_t in_len = len - TRUSTM_APDU_HEADER_SIZE;
    for (size_t i = 0; i < sizeof cmd_times / sizeof cmd_times[0]; i++) {
        const cmd_time_t *c = &cmd_times[i];
        if (c->cmd != cmd)
            continue;
        if (c->sel == SEL_HASH) {
            if (c->t[1] != 0 && in_len > 0 && apdu[TRUSTM_APDU_HEADER_SIZE] == 0x30u)
                return (uint32_t)c->t[1] * 500u;
            return (uint32_t)c->t[0] * 500u + hash_us(in_len);
        }
        bool hi = c->sel != 0 && (c->sel < 0x80u ? param >= c->sel : param == (c->sel & 0x7Fu));
        return (uint32_t)c->t[hi] * 500u;
    }
    return 0;
}
