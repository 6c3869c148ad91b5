/*
 * The non-blocking driver against the simulator: an event loop that calls trustm_op_poll,
 * advances the (virtual) clock to the deadline it is given, and never lets the library sleep.
 * Results must equal the blocking calls', with the same bus traffic.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "itest.h"

/* Runs the started operation to completion; counts polls and checks that the library itself
 * never advanced the clock beyond one bus transaction per poll (no sleeping inside). */
static trustm_status_t event_loop(itest_t *t, unsigned *polls)
{
    trustm_status_t s;
    *polls = 0;
    for (;;) {
        uint64_t deadline = 0;
        trustm_sim_stats_t before, after;
        trustm_sim_stats_get(t->sim, &before);
        s = trustm_op_poll(&t->dev, &deadline);
        trustm_sim_stats_get(t->sim, &after);
        (*polls)++;
        assert_true(after.transactions - before.transactions <= 1);
        /* time moved only by the bus transaction itself (no sleep inside the poll) */
        assert_true(after.time_us - before.time_us <= after.bus_time_us - before.bus_time_us);
        if (s != TRUSTM_IN_PROGRESS)
            return s;
        assert_true(*polls < 1000000u);
        uint64_t now = trustm_sim_now_us(t->sim);
        if (deadline > now) /* the event loop, not the library, waits */
            trustm_sim_sleep_us(t->sim, (uint32_t)(deadline - now));
    }
}

static void run(uint16_t frame_size)
{
    itest_t t;
    assert_int_equal(itest_setup(&t, frame_size, TRUSTM_SIM_TIMING_DATASHEET, 11), 0);
    unsigned polls;
    assert_int_equal(trustm_op_start_device_open(&t.dev), TRUSTM_OK);
    assert_int_equal(trustm_op_is_busy(&t.dev), true);
    /* a second start while busy is refused without disturbing the first */
    uint8_t uid[64];
    size_t n = 0;
    assert_int_equal(TRUSTM_STATUS_BASE(trustm_op_start_data_read(&t.dev, 0xE0C2, 0, uid, sizeof uid, &n)),
                     TRUSTM_BASE_BAD_SEQUENCE);
    assert_int_equal(event_loop(&t, &polls), TRUSTM_OK);
    assert_true(polls > 5);
    assert_int_equal(trustm_op_start_data_read(&t.dev, 0xE0C2, 0, uid, sizeof uid, &n), TRUSTM_OK);
    assert_int_equal(event_loop(&t, &polls), TRUSTM_OK);
    assert_int_equal(n, TRUSTM_SIM_UID_SIZE);
    assert_memory_equal(uid, t.uid, n);
    trustm_stats_t nb = *trustm_device_stats(&t.dev);
    itest_teardown(&t);

    /* the same through the blocking API: identical bus traffic */
    assert_int_equal(itest_setup(&t, frame_size, TRUSTM_SIM_TIMING_DATASHEET, 11), 0);
    assert_int_equal(trustm_device_open(&t.dev), TRUSTM_OK);
    assert_int_equal(trustm_data_read(&t.dev, 0xE0C2, 0, uid, sizeof uid, &n), TRUSTM_OK);
    const trustm_stats_t *b = trustm_device_stats(&t.dev);
    assert_int_equal(b->bytes_written, nb.bytes_written);
    assert_int_equal(b->bytes_read, nb.bytes_read);
    itest_teardown(&t);
}

static void test_event_loop_277(void **state)
{
    (void)state;
    run(277);
}
static void test_event_loop_20(void **state)
{
    (void)state;
    run(20);
}

static void test_abort_then_reuse(void **state)
{
    (void)state;
    itest_t t;
    assert_int_equal(itest_setup(&t, 277, TRUSTM_SIM_TIMING_DATASHEET, 12), 0);
    assert_int_equal(trustm_device_open(&t.dev), TRUSTM_OK);
    uint8_t uid[64];
    size_t n = 0;
    assert_int_equal(trustm_op_start_data_read(&t.dev, 0xE0C2, 0, uid, sizeof uid, &n), TRUSTM_OK);
    uint64_t deadline;
    for (int i = 0; i < 3; i++) /* part of the exchange, then give up */
        assert_int_equal(trustm_op_poll(&t.dev, &deadline), TRUSTM_IN_PROGRESS);
    trustm_op_abort(&t.dev);
    assert_false(trustm_op_is_busy(&t.dev));
    /* the link recovers (re-sync) and the next operation returns the right data */
    trustm_sim_sleep_us(t.sim, 50000);
    n = 0;
    assert_int_equal(trustm_data_read(&t.dev, 0xE0C2, 0, uid, sizeof uid, &n), TRUSTM_OK);
    assert_int_equal(n, TRUSTM_SIM_UID_SIZE);
    assert_memory_equal(uid, t.uid, n);
    itest_teardown(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_event_loop_277),
        cmocka_unit_test(test_event_loop_20),
        cmocka_unit_test(test_abort_then_reuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
