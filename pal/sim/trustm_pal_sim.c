/* trustm_pal_sim.c - PAL port onto an in-process simulator (see trustm_pal_sim.h). */
#include "trustm_pal_sim.h"

static trustm_status_t map(trustm_sim_bus_t r)
{
    switch (r) {
    case TRUSTM_SIM_ACK:
        return TRUSTM_OK;
    case TRUSTM_SIM_NACK:
        return TRUSTM_PAL_NACK;
    default:
        return TRUSTM_PAL_IO;
    }
}

static trustm_status_t sim_write(void *ctx, uint8_t addr7, const uint8_t *buf, size_t len)
{
    return map(trustm_sim_i2c_write((trustm_sim_t *)ctx, addr7, buf, len));
}

static trustm_status_t sim_read(void *ctx, uint8_t addr7, uint8_t *buf, size_t len)
{
    return map(trustm_sim_i2c_read((trustm_sim_t *)ctx, addr7, buf, len));
}

static uint64_t sim_now(void *ctx)
{
    return trustm_sim_now_us((const trustm_sim_t *)ctx);
}

static void sim_sleep(void *ctx, uint32_t us)
{
    trustm_sim_sleep_us((trustm_sim_t *)ctx, us);
}

static trustm_status_t sim_pin(void *ctx, trustm_pal_pin_t pin, bool high)
{
    switch (pin) {
    case TRUSTM_PAL_PIN_RST:
        trustm_sim_rst((trustm_sim_t *)ctx, high);
        return TRUSTM_OK;
    case TRUSTM_PAL_PIN_VDD:
        trustm_sim_power((trustm_sim_t *)ctx, high);
        return TRUSTM_OK;
    default:
        return TRUSTM_STATUS(TRUSTM_LAYER_PAL, TRUSTM_BASE_NOT_SUPPORTED);
    }
}

const trustm_pal_ops_t trustm_pal_sim_ops = {
    .i2c_write = sim_write,
    .i2c_read = sim_read,
    .now_us = sim_now,
    .sleep_us = sim_sleep,
    .set_pin = sim_pin,
};

trustm_status_t trustm_pal_sim_init(trustm_pal_t *pal, trustm_sim_t *sim)
{
    if (pal == NULL || sim == NULL)
        return TRUSTM_STATUS(TRUSTM_LAYER_PAL, TRUSTM_BASE_BAD_PARAM);
    pal->ops = &trustm_pal_sim_ops;
    pal->ctx = sim;
    return TRUSTM_OK;
}
