#include "bench_pal.h"

#include "trustm_pal_sim.h"

#define NOINLINE __attribute__((noinline))

static const bench_pal_watch_t *watch; /* a bench program's setting, not library state */

void bench_pal_set_watch(const bench_pal_watch_t *w)
{
    watch = w;
}

/* Named entry points for callgrind (declared here: nothing else calls them by name). */
NOINLINE trustm_status_t bench_pal_write(void *ctx, uint8_t a, const uint8_t *b, size_t n);
NOINLINE trustm_status_t bench_pal_read(void *ctx, uint8_t a, uint8_t *b, size_t n);
NOINLINE uint64_t bench_pal_now(void *ctx);
NOINLINE void bench_pal_sleep(void *ctx, uint32_t us);
NOINLINE trustm_status_t bench_pal_pin(void *ctx, trustm_pal_pin_t p, bool high);

NOINLINE trustm_status_t bench_pal_write(void *ctx, uint8_t a, const uint8_t *b, size_t n)
{
    trustm_status_t s = trustm_pal_sim_ops.i2c_write(ctx, a, b, n);
    if (s == TRUSTM_OK && watch != NULL && watch->write != NULL)
        watch->write(b, n);
    return s;
}
NOINLINE trustm_status_t bench_pal_read(void *ctx, uint8_t a, uint8_t *b, size_t n)
{
    trustm_status_t s = trustm_pal_sim_ops.i2c_read(ctx, a, b, n);
    if (s == TRUSTM_OK && watch != NULL && watch->read != NULL)
        watch->read(b, n);
    return s;
}
NOINLINE uint64_t bench_pal_now(void *ctx)
{
    return trustm_pal_sim_ops.now_us(ctx);
}
NOINLINE void bench_pal_sleep(void *ctx, uint32_t us)
{
    trustm_pal_sim_ops.sleep_us(ctx, us);
}
NOINLINE trustm_status_t bench_pal_pin(void *ctx, trustm_pal_pin_t p, bool high)
{
    return trustm_pal_sim_ops.set_pin(ctx, p, high);
}

const trustm_pal_ops_t bench_pal_ops = {bench_pal_write, bench_pal_read, bench_pal_now,
                                        bench_pal_sleep, bench_pal_pin,  NULL};
