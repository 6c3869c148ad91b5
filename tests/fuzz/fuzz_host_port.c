/*
 * The "fuzzing port": a platform port whose chip is the fuzzer. Every I2C read returns the
 * next bytes of the input (the first byte of each read decides ACK / NACK / bus error), every
 * write is accepted, and time advances only by the host's own sleeps. The host library then
 * opens the device and runs a few operations; whatever the "chip" answers, it must neither
 * crash, nor over-read, nor hang (the virtual clock makes every timeout finite).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "trustm/trustm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct fport {
    const uint8_t *data;
    size_t size, pos;
    uint64_t now;
    unsigned long ios;
} fport_t;

static trustm_status_t f_write(void *ctx, uint8_t addr, const uint8_t *buf, size_t len)
{
    fport_t *p = ctx;
    (void)addr, (void)buf, (void)len;
    p->now += 10;
    p->ios++;
    return TRUSTM_OK;
}

static trustm_status_t f_read(void *ctx, uint8_t addr, uint8_t *buf, size_t len)
{
    fport_t *p = ctx;
    (void)addr;
    p->now += 10;
    p->ios++;
    if (p->pos >= p->size)
        return TRUSTM_PAL_NACK; /* the chip went away: the host must give up in bounded time */
    uint8_t mode = p->data[p->pos++];
    if (mode == 0xFE)
        return TRUSTM_PAL_NACK;
    if (mode == 0xFF)
        return TRUSTM_PAL_IO;
    for (size_t i = 0; i < len; i++)
        buf[i] = p->pos < p->size ? p->data[p->pos++] : 0xFF;
    return TRUSTM_OK;
}

static uint64_t f_now(void *ctx)
{
    return ((fport_t *)ctx)->now;
}
static void f_sleep(void *ctx, uint32_t us)
{
    ((fport_t *)ctx)->now += us;
}
static trustm_status_t f_pin(void *ctx, trustm_pal_pin_t pin, bool high)
{
    (void)ctx, (void)pin, (void)high;
    return TRUSTM_OK;
}

static const trustm_pal_ops_t fops = {f_write, f_read, f_now, f_sleep, f_pin, NULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fport_t port = {data, size, 0, 0, 0};
    trustm_pal_t pal = {&fops, &port};
    trustm_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.frame_size = (size > 0 && (data[0] & 1)) ? 20 : 277;
    cfg.exchange_timeout_us = 2000000; /* keep each run short */
    trustm_device_t *dev = malloc(sizeof *dev);
    if (dev == NULL)
        abort();
    if (trustm_device_init(dev, &pal, &cfg) != TRUSTM_OK)
        abort();
    trustm_status_t s = trustm_device_open(dev); /* any outcome but a crash or an overrun */
    uint8_t out[64 + 8];
    memset(out + 64, 0xA5, 8);
    size_t n = 0;
    s = trustm_data_read(dev, 0xE0C2, 0, out, 64, &n);
    if (n > 64 || out[64] != 0xA5)
        abort();
    uint8_t digest[32];
    s = trustm_sha256(dev, (const uint8_t *)"abc", 3, digest);
    uint8_t md[64];
    s = trustm_metadata_read(dev, 0xF1D0, md, sizeof md, &n);
    if (n > sizeof md)
        abort();
    uint8_t ct[32];
    s = trustm_sym_encrypt(dev, 0xE200, TRUSTM_SYM_ECB, NULL, 0, out, 16, ct, sizeof ct, &n);
    (void)s;
    if (n > sizeof ct)
        abort();
    free(dev);
    return 0;
}
