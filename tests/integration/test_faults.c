/*
 * Fault injection against the host library (issue: foundation, item 8).
 *
 * For every fault the simulator can inject, at frame sizes 277 and 20 and over several fault
 * seeds, the host either recovers (NAK / retransmit / re-sync) and returns the right data, or
 * returns an error naming the layer that failed — it never hangs (bounded by the virtual
 * clock) and never returns wrong data. After a failed operation a new open must work again.
 * A failing case prints its fault plan and seed so it can be replayed exactly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "itest.h"

#define SEEDS 6
/* The host's own budget for one exchange is 180 s of (virtual) time; nothing may take longer. */
#define MAX_VIRTUAL_US (200ull * 1000000ull)

typedef enum expect { MUST_RECOVER, MAY_FAIL, MUST_FAIL } expect_t;

typedef struct fault_case {
    const char *name;
    trustm_sim_faults_t plan;
    bool before_open; /* arm before the open (else between open and the UID read) */
    expect_t expect;
    uint32_t fail_layer; /* with MUST_FAIL: the layer the status must name */
} fault_case_t;

static const char *layer_ok_list = "pal phy dl tl cmd device";

static void run_case(const fault_case_t *fc, uint16_t frame_size, uint64_t seed)
{
    itest_t t;
    assert_int_equal(itest_setup(&t, frame_size, TRUSTM_SIM_TIMING_DATASHEET, (unsigned)seed), 0);
    trustm_sim_faults_t plan = fc->plan;
    plan.seed = seed;

    char desc[256];
    trustm_status_t s = TRUSTM_OK;
    if (fc->before_open) {
        trustm_sim_faults_set(t.sim, &plan);
        trustm_sim_faults_describe(t.sim, desc, sizeof desc);
        s = trustm_device_open(&t.dev);
    } else {
        assert_int_equal(trustm_device_open(&t.dev), TRUSTM_OK);
        trustm_sim_faults_set(t.sim, &plan);
        trustm_sim_faults_describe(t.sim, desc, sizeof desc);
    }
    uint8_t uid[64];
    size_t n = 0;
    if (s == TRUSTM_OK)
        s = trustm_data_read(&t.dev, 0xE0C2, 0, uid, sizeof uid, &n);
    uint64_t elapsed = trustm_sim_now_us(t.sim);

#define CASE_FAIL(...)                                                                                                 \
    do {                                                                                                               \
        print_error("fault case '%s', frame size %u, fault plan: %s\n", fc->name, frame_size, desc);                   \
        fail_msg(__VA_ARGS__);                                                                                         \
    } while (0)

    if (elapsed > MAX_VIRTUAL_US)
        CASE_FAIL("took %llu us of virtual time", (unsigned long long)elapsed);
    if (s == TRUSTM_OK) {
        if (fc->expect == MUST_FAIL)
            CASE_FAIL("expected a failure, got success");
        if (n != TRUSTM_SIM_UID_SIZE || memcmp(uid, t.uid, n) != 0)
            CASE_FAIL("success with WRONG data (%zu bytes)", n);
    } else {
        if (fc->expect == MUST_RECOVER)
            CASE_FAIL("expected recovery, got %s: %s", trustm_status_layer_str(s), trustm_status_base_str(s));
        const char *layer = trustm_status_layer_str(s);
        if (layer[0] == '\0' || strstr(layer_ok_list, layer) == NULL)
            CASE_FAIL("error does not name a plausible layer: 0x%08x", (unsigned)s);
        if (fc->expect == MUST_FAIL && TRUSTM_STATUS_LAYER(s) != fc->fail_layer)
            CASE_FAIL("failed in layer %s, expected %u", layer, (unsigned)fc->fail_layer);
    }

    /* Whatever happened, the faults are cleared and a new open works and reads right. */
    trustm_sim_faults_set(t.sim, NULL);
    s = trustm_device_open(&t.dev);
    if (s != TRUSTM_OK)
        CASE_FAIL("re-open after the fault failed: %s: %s", trustm_status_layer_str(s), trustm_status_base_str(s));
    n = 0;
    s = trustm_data_read(&t.dev, 0xE0C2, 0, uid, sizeof uid, &n);
    if (s != TRUSTM_OK || n != TRUSTM_SIM_UID_SIZE || memcmp(uid, t.uid, n) != 0)
        CASE_FAIL("read after re-open failed or wrong");
    itest_teardown(&t);
#undef CASE_FAIL
}

static void run_matrix(const fault_case_t *fc)
{
    static const uint16_t sizes[] = {277, 20};
    for (size_t i = 0; i < 2; i++)
        for (uint64_t seed = 1; seed <= SEEDS; seed++)
            run_case(fc, sizes[i], seed);
}

static void test_no_fault(void **state)
{
    (void)state;
    fault_case_t fc = {"none", {0}, true, MUST_RECOVER, 0};
    run_matrix(&fc);
}

static void test_nack_within_budget(void **state)
{
    (void)state;
    for (uint32_t k = 1; k <= 150; k += 37) {
        fault_case_t fc = {"nack", {0}, false, MUST_RECOVER, 0};
        fc.plan.nack_next = k;
        run_matrix(&fc);
    }
}

static void test_nack_storm_fails_in_phy(void **state)
{
    (void)state;
    /* More NACKs than the 200-attempt budget of one register access: a PHY error, no hang. */
    fault_case_t fc = {"nack storm", {0}, false, MUST_FAIL, TRUSTM_LAYER_PHY};
    fc.plan.nack_next = 1000;
    run_matrix(&fc);
}

static void test_corrupt_response_fcs(void **state)
{
    (void)state;
    for (uint32_t k = 1; k <= 4; k++) {
        fault_case_t fc = {"corrupt fcs", {0}, false, MUST_RECOVER, 0};
        fc.plan.corrupt_fcs_frame = k;
        run_matrix(&fc);
        fc.before_open = true;
        run_matrix(&fc);
    }
}

static void test_drop_response_frame(void **state)
{
    (void)state;
    for (uint32_t k = 1; k <= 4; k++) {
        fault_case_t fc = {"drop frame", {0}, false, MUST_RECOVER, 0};
        fc.plan.drop_frame = k;
        run_matrix(&fc);
        fc.before_open = true;
        run_matrix(&fc);
    }
}

static void test_flip_host_frame(void **state)
{
    (void)state;
    for (uint32_t k = 1; k <= 3; k++) {
        fault_case_t fc = {"flip host bits", {0}, false, MUST_RECOVER, 0};
        fc.plan.flip_host_frame = k;
        run_matrix(&fc);
        fc.before_open = true;
        run_matrix(&fc);
    }
}

static void test_stretch_busy(void **state)
{
    (void)state;
    static const uint32_t extra[] = {5000, 30000, 250000};
    for (size_t i = 0; i < 3; i++) {
        fault_case_t fc = {"stretch busy", {0}, false, MUST_RECOVER, 0};
        fc.plan.busy_extra_us = extra[i];
        run_matrix(&fc);
    }
}

static void test_power_loss_mid_command(void **state)
{
    (void)state;
    /* The chip loses its volatile state (application closed, link counters reset) in the
     * middle of the command: the host must either get the data or fail cleanly. */
    static const uint32_t when[] = {1, 500, 1400};
    for (size_t i = 0; i < 3; i++) {
        fault_case_t fc = {"power loss", {0}, false, MAY_FAIL, 0};
        fc.plan.power_loss_us = when[i];
        run_matrix(&fc);
    }
}

/* Statistics prove the recovery actually went through the intended path. */
static void test_recovery_paths_are_taken(void **state)
{
    (void)state;
    itest_t t;
    assert_int_equal(itest_setup(&t, 277, TRUSTM_SIM_TIMING_DATASHEET, 7), 0);
    assert_int_equal(trustm_device_open(&t.dev), TRUSTM_OK);
    uint8_t uid[64];
    size_t n;

    trustm_device_stats_clear(&t.dev);
    trustm_sim_faults_t plan = {0};
    plan.flip_host_frame = 1;
    plan.seed = 3;
    trustm_sim_faults_set(t.sim, &plan);
    assert_int_equal(trustm_data_read(&t.dev, 0xE0C2, 0, uid, sizeof uid, &n), TRUSTM_OK);
    assert_true(trustm_device_stats(&t.dev)->naks_received >= 1 || trustm_device_stats(&t.dev)->retransmits >= 1);

    trustm_device_stats_clear(&t.dev);
    memset(&plan, 0, sizeof plan);
    plan.corrupt_fcs_frame = 1;
    plan.seed = 4;
    trustm_sim_faults_set(t.sim, &plan);
    assert_int_equal(trustm_data_read(&t.dev, 0xE0C2, 0, uid, sizeof uid, &n), TRUSTM_OK);
#ifdef ITEST_SHIELD
    /* shielded: the first chip frame is the control ACK of a (longer) protected command */
    assert_true(trustm_device_stats(&t.dev)->naks_sent >= 1 || trustm_device_stats(&t.dev)->retransmits >= 1);
#else
    assert_true(trustm_device_stats(&t.dev)->naks_sent >= 1);
#endif

    trustm_device_stats_clear(&t.dev);
    memset(&plan, 0, sizeof plan);
    plan.nack_next = 17;
    trustm_sim_faults_set(t.sim, &plan);
    assert_int_equal(trustm_data_read(&t.dev, 0xE0C2, 0, uid, sizeof uid, &n), TRUSTM_OK);
    assert_true(trustm_device_stats(&t.dev)->nacks >= 17);
    assert_memory_equal(uid, t.uid, TRUSTM_SIM_UID_SIZE);
    itest_teardown(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_fault),
        cmocka_unit_test(test_nack_within_budget),
        cmocka_unit_test(test_nack_storm_fails_in_phy),
        cmocka_unit_test(test_corrupt_response_fcs),
        cmocka_unit_test(test_drop_response_frame),
        cmocka_unit_test(test_flip_host_frame),
        cmocka_unit_test(test_stretch_busy),
        cmocka_unit_test(test_power_loss_mid_command),
        cmocka_unit_test(test_recovery_paths_are_taken),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
