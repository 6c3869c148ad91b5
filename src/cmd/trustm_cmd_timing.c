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

uint32_t trustm_cmd_expected_us(const uint8_t *apdu, size_t len)
{
    if (apdu == NULL || len < TRUSTM_APDU_HEADER_SIZE)
        return 0;
    uint8_t param = apdu[1];
    size_t in_len = len - TRUSTM_APDU_HEADER_SIZE;
    switch (apdu[0] & 0x7Fu) {
    case TRUSTM_CMD_OPEN_APPLICATION:
        return MS(4);
    case TRUSTM_CMD_CLOSE_APPLICATION:
        return MS(3);
    case TRUSTM_CMD_GET_DATA_OBJECT:
        return 1500u;
    case TRUSTM_CMD_SET_DATA_OBJECT:
        return MS(3);
    case TRUSTM_CMD_GET_RANDOM:
        return 1500u;
    case TRUSTM_CMD_GEN_SYM_KEY:
        return MS(5);
    case TRUSTM_CMD_CALC_SIGN:
        return MS(310);
    case TRUSTM_CMD_VERIFY_SIGN:
        return MS(40);
    case TRUSTM_CMD_ENCRYPT_ASYM:
        return MS(40);
    case TRUSTM_CMD_DECRYPT_ASYM:
        return MS(315);
    case TRUSTM_CMD_ENCRYPT_SYM:
        return param >= 0x20u ? MS(90) : MS(28); /* HMAC : AES */
    case TRUSTM_CMD_DECRYPT_SYM:
        return param >= 0x20u ? MS(90) : MS(35);
    case TRUSTM_CMD_DERIVE_KEY:
        return param >= 0x08u ? MS(130) : MS(50); /* HKDF : TLS PRF */
    case TRUSTM_CMD_GEN_KEY_PAIR:
        return param == 0x41u ? MS(400) : MS(2900); /* RSA 1024 : 2048 */
    case TRUSTM_CMD_CALC_HASH:                      /* SHA-256 at 15 kB/s */
        return MS(1) + hash_us(in_len);
    case TRUSTM_CMD_SET_OBJECT_PROTECTED: /* start verifies a signature; the rest hash a fragment */
        if (in_len > 0 && apdu[TRUSTM_APDU_HEADER_SIZE] == 0x30u)
            return MS(40);
        return MS(4) + hash_us(in_len);
    default:
        return 0;
    }
}
