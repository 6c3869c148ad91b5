/*
 * test_pal_template.c - the skeleton port against fake board functions: result mapping, the
 * 32-bit microsecond counter widening, sleep pass-through and pin routing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "trustm_pal_template.h"

static struct {
    trustm_board_i2c_result_t result;
    int bus;
    uint8_t addr;
    size_t len;
    uint8_t data[64];
    uint32_t micros;
    uint32_t delayed;
    int gpio, level, gpio_ret, gpio_calls;
} B;

trustm_board_i2c_result_t trustm_board_i2c_write(int bus, uint8_t addr7, const uint8_t *buf, size_t len)
{
    B.bus = bus;
    B.addr = addr7;
    B.len = len;
    memcpy(B.data, buf, len < sizeof(B.data) ? len : sizeof(B.data));
    return B.result;
}

trustm_board_i2c_result_t trustm_board_i2c_read(int bus, uint8_t addr7, uint8_t *buf, size_t len)
{
    B.bus = bus;
    B.addr = addr7;
    B.len = len;
    memset(buf, 0xAB, len);
    return B.result;
}

uint32_t trustm_board_micros(void)
{
    return B.micros;
}
void trustm_board_delay_us(uint32_t us)
{
    B.delayed += us;
}
int trustm_board_gpio_write(int gpio, int level)
{
    B.gpio = gpio;
    B.level = level;
    B.gpio_calls++;
    return B.gpio_ret;
}

static void test_bus_mapping(void **state)
{
    trustm_pal_template_t t;
    trustm_pal_t pal;
    const uint8_t w[] = {0x81, 0x01, 0x15};
    uint8_t r[2] = {0, 0};
    (void)state;
    memset(&B, 0, sizeof(B));
    trustm_pal_template_setup(&t, 3, -1, -1);
    trustm_pal_template_init(&pal, &t);
    assert_int_equal(pal.ops->i2c_write(pal.ctx, 0x30, w, 3), TRUSTM_OK);
    assert_int_equal(B.bus, 3);
    assert_int_equal(B.addr, 0x30);
    assert_int_equal(B.len, 3);
    assert_memory_equal(B.data, w, 3);
    B.result = TRUSTM_BOARD_I2C_NACK;
    assert_int_equal(pal.ops->i2c_write(pal.ctx, 0x30, w, 3), TRUSTM_PAL_NACK);
    assert_int_equal(pal.ops->i2c_read(pal.ctx, 0x30, r, 2), TRUSTM_PAL_NACK);
    B.result = TRUSTM_BOARD_I2C_ERROR;
    assert_int_equal(pal.ops->i2c_write(pal.ctx, 0x30, w, 3), TRUSTM_PAL_IO);
    assert_int_equal(pal.ops->i2c_read(pal.ctx, 0x30, r, 2), TRUSTM_PAL_IO);
    B.result = TRUSTM_BOARD_I2C_OK;
    assert_int_equal(pal.ops->i2c_read(pal.ctx, 0x30, r, 2), TRUSTM_OK);
    assert_int_equal(r[1], 0xAB);
    assert_int_equal(pal.ops->i2c_read(pal.ctx, 0x30, r, 0), TRUSTM_PAL_IO);
}

static void test_time_widening_and_sleep(void **state)
{
    trustm_pal_template_t t;
    trustm_pal_t pal;
    (void)state;
    memset(&B, 0, sizeof(B));
    trustm_pal_template_setup(&t, 0, -1, -1);
    trustm_pal_template_init(&pal, &t);
    B.micros = 0xFFFFFF00u;
    uint64_t a = pal.ops->now_us(pal.ctx);
    B.micros = 0x00000100u; /* the 32-bit counter wrapped */
    uint64_t b = pal.ops->now_us(pal.ctx);
    assert_true(b > a);
    assert_true(b - a == 0x200u);
    B.micros = 0x00000200u;
    assert_true(pal.ops->now_us(pal.ctx) == b + 0x100u);
    pal.ops->sleep_us(pal.ctx, 50);
    pal.ops->sleep_us(pal.ctx, 0);
    assert_int_equal(B.delayed, 50);
}

static void test_pins(void **state)
{
    trustm_pal_template_t t;
    trustm_pal_t pal;
    (void)state;
    memset(&B, 0, sizeof(B));
    trustm_pal_template_setup(&t, 0, 17, -1);
    trustm_pal_template_init(&pal, &t);
    assert_int_equal(pal.ops->set_pin(pal.ctx, TRUSTM_PAL_PIN_RST, false), TRUSTM_OK);
    assert_int_equal(B.gpio, 17);
    assert_int_equal(B.level, 0);
    assert_int_equal(pal.ops->set_pin(pal.ctx, TRUSTM_PAL_PIN_RST, true), TRUSTM_OK);
    assert_int_equal(B.level, 1);
    assert_int_equal(pal.ops->set_pin(pal.ctx, TRUSTM_PAL_PIN_VDD, true),
                     TRUSTM_STATUS(TRUSTM_LAYER_PAL, TRUSTM_BASE_NOT_SUPPORTED));
    assert_int_equal(B.gpio_calls, 2);
    B.gpio_ret = -5;
    assert_int_equal(pal.ops->set_pin(pal.ctx, TRUSTM_PAL_PIN_RST, true), TRUSTM_PAL_IO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bus_mapping),
        cmocka_unit_test(test_time_widening_and_sleep),
        cmocka_unit_test(test_pins),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
