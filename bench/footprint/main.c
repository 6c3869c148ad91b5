/*
 * The five-call footprint program of issue 11, for Cortex-M4 (scripts/footprint.sh): open the
 * chip, read the device certificate 0xE0E0, 32 random bytes, an RSA-1024 PKCS#1 v1.5 signature
 * of a SHA-256 digest with key 0xE0FC, AES-128-CBC encryption with key 0xE200.
 *
 * The platform port is the minimal one an embedded user writes: four PAL operations over the
 * board's I2C and timer functions (board.h; board.c is sized apart). Buffers are static so that
 * the stack figure is the library's call tree, not the application's arrays.
 */
#include "trustm/trustm.h"

#include "board.h"

static trustm_status_t pal_status(int r)
{
    return r == BOARD_I2C_OK ? TRUSTM_OK : r == BOARD_I2C_NACK ? TRUSTM_PAL_NACK : TRUSTM_PAL_IO;
}

static trustm_status_t pal_i2c_write(void *ctx, uint8_t addr7, const uint8_t *buf, size_t len)
{
    (void)ctx;
    return pal_status(board_i2c_write(addr7, buf, len));
}

static trustm_status_t pal_i2c_read(void *ctx, uint8_t addr7, uint8_t *buf, size_t len)
{
    (void)ctx;
    return pal_status(board_i2c_read(addr7, buf, len));
}

/* The 32-bit board counter widened to 64 bits (it wraps every 71 minutes). */
typedef struct clock64 {
    uint32_t last;
    uint64_t epoch;
} clock64_t;

static uint64_t pal_now_us(void *ctx)
{
    clock64_t *c = ctx;
    uint32_t raw = board_micros();
    if (raw < c->last)
        c->epoch += (uint64_t)1u << 32;
    c->last = raw;
    return c->epoch + raw;
}

static void pal_sleep_us(void *ctx, uint32_t us)
{
    (void)ctx;
    board_delay_us(us);
}

static const trustm_pal_ops_t pal_ops = {pal_i2c_write, pal_i2c_read, pal_now_us, pal_sleep_us, NULL, NULL};

static const uint8_t digest[32] = {0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
                                   0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
                                   0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
static const uint8_t iv[16] = {0};
static const uint8_t message[32] = "five calls, one secure element.";

static clock64_t clock;
static trustm_device_t dev;
static uint8_t cert[1728];
static uint8_t rnd[32];
static uint8_t sig[128];
static uint8_t enc[sizeof message];

int main(void)
{
    trustm_pal_t pal = {&pal_ops, &clock};
    size_t len;
    if (trustm_device_init(&dev, &pal, NULL) != TRUSTM_OK || trustm_device_open(&dev) != TRUSTM_OK)
        return 1;
    if (trustm_data_read(&dev, 0xE0E0u, 0, cert, sizeof cert, &len) != TRUSTM_OK)
        return 2;
    if (trustm_random(&dev, TRUSTM_RNG_TRNG, sizeof rnd, rnd, sizeof rnd, &len) != TRUSTM_OK)
        return 3;
    if (trustm_rsa_sign(&dev, 0xE0FCu, TRUSTM_RSA_PKCS1_SHA256, digest, sizeof digest, sig, sizeof sig, &len) !=
        TRUSTM_OK)
        return 4;
    if (trustm_sym_encrypt(&dev, 0xE200u, TRUSTM_SYM_CBC, iv, sizeof iv, message, sizeof message, enc, sizeof enc,
                           &len) != TRUSTM_OK)
        return 5;
    return 0;
}
