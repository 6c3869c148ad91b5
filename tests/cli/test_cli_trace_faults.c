/*
 * test_cli_trace_faults.c - the simulator's trace of a faulty run decodes
 * without a single unparsable line.  For every fault type the simulator can inject (NACKs,
 * corrupted FCS, dropped frame, flipped host bits, stretched BUSY, power loss before and after
 * the commit, a refused commit, a power cut inside the storage), the host library runs commands
 * through the fault while the simulator traces; the trace goes through the `trustm trace`
 * decoder, which must count 0 parse errors, and the fault notes must be comment lines.
 */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "trace_decode.h"
#include "trustm/trustm.h"
#include "trustm_pal_sim.h"
#include "trustm_sim.h"

typedef struct fault_case {
    const char *name;
    trustm_sim_faults_t plan;
    int storage; /* 0 none, 1 memory with a power cut at the 2nd step */
} fault_case_t;

static void run_case(const fault_case_t *fc)
{
    char *text = NULL;
    size_t text_len = 0;
    FILE *tf = open_memstream(&text, &text_len);
    assert_non_null(tf);
    trustm_sim_mem_t mem;
    trustm_sim_storage_t st;
    trustm_sim_powercut_t pc;
    memset(&mem, 0, sizeof mem);
    memset(&pc, 0, sizeof pc);
    trustm_sim_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.seed = 9;
    if (fc->storage != 0) {
        trustm_sim_storage_memory(&st, &mem);
        cfg.storage = &st;
    }
    trustm_sim_t *sim = trustm_sim_create(&cfg, NULL, 0);
    assert_non_null(sim);
    trustm_sim_trace_set(sim, tf);
    trustm_pal_t pal;
    trustm_device_t dev;
    assert_int_equal(trustm_pal_sim_init(&pal, sim), TRUSTM_OK);
    trustm_config_t hc;
    memset(&hc, 0, sizeof hc);
    hc.exchange_timeout_us = 2000000; /* keep the traces of power-loss runs short */
    assert_int_equal(trustm_device_init(&dev, &pal, &hc), TRUSTM_OK);
    assert_int_equal(trustm_device_open(&dev), TRUSTM_OK);
    if (fc->storage != 0) {
        pc.cut_at = 2;
        st.cut = trustm_sim_powercut_hook;
        st.cut_ctx = &pc;
    }
    trustm_sim_faults_set(sim, &fc->plan);
    uint8_t b[32];
    size_t n = 0;
    static const uint8_t v[4] = {1, 2, 3, 4};
    /* the faults decide the outcome; only the trace matters here */
    trustm_status_t ws = trustm_data_write(&dev, 0xF1D1, TRUSTM_ERASE_AND_WRITE, 0, v, sizeof v);
    trustm_status_t rs = trustm_data_read(&dev, 0xE0C2, 0, b, sizeof b, &n);
    (void)ws;
    (void)rs;
    trustm_sim_faults_set(sim, NULL);
    st.cut = NULL;
    /* the next command works (after a reset if the fault left the link failed) */
    if (trustm_data_read(&dev, 0xE0C2, 0, b, sizeof b, &n) != TRUSTM_OK) {
        assert_int_equal(trustm_device_open(&dev), TRUSTM_OK);
        assert_int_equal(trustm_data_read(&dev, 0xE0C2, 0, b, sizeof b, &n), TRUSTM_OK);
    }
    trustm_sim_trace_set(sim, NULL);
    trustm_sim_destroy(sim);
    trustm_sim_mem_free(&mem);
    fclose(tf);

    /* decode */
    trace_dec_t d;
    FILE *devnull = fopen("/dev/null", "w");
    trace_dec_init(&d, devnull);
    unsigned long lineno = 0, notes = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
        lineno++;
        if (strncmp(line, "# @", 3) == 0)
            notes++;
        assert_null(strstr(line, " # ")); /* no note hidden behind a time stamp */
        if (trace_dec_line(&d, line, lineno) != 0)
            fail_msg("%s: trace line %lu could not be parsed: %s", fc->name, lineno, line);
    }
    trace_dec_finish(&d);
    fclose(devnull);
    print_message("%-22s %5lu lines, %3lu notes, %lu anomalies, 0 parse errors\n", fc->name, lineno, notes,
                  d.st.anomalies);
    assert_int_equal(d.st.parse_errors, 0);
    assert_true(notes >= 1); /* at least the fault plan */
    free(text);
}

static void test_every_fault_type_decodes(void **state)
{
    (void)state;
    fault_case_t cases[9];
    memset(cases, 0, sizeof cases);
    cases[0].name = "nack storm";
    cases[0].plan.nack_next = 30;
    cases[1].name = "corrupted FCS";
    cases[1].plan.corrupt_fcs_frame = 2;
    cases[2].name = "dropped frame";
    cases[2].plan.drop_frame = 2;
    cases[3].name = "flipped host bit";
    cases[3].plan.flip_host_frame = 1;
    cases[3].plan.seed = 5;
    cases[4].name = "stretched BUSY";
    cases[4].plan.busy_extra_us = 30000;
    cases[5].name = "power loss";
    cases[5].plan.power_loss_us = 1000;
    cases[5].plan.busy_extra_us = 5000;
    cases[6].name = "power loss after commit";
    cases[6].plan.power_loss_us = 1000;
    cases[6].plan.busy_extra_us = 5000;
    cases[6].plan.power_loss_after_commit = true;
    cases[7].name = "storage power cut";
    cases[7].storage = 1;
    cases[8].name = "all at once";
    cases[8].plan.nack_next = 3;
    cases[8].plan.corrupt_fcs_frame = 3;
    cases[8].plan.drop_frame = 5;
    cases[8].plan.flip_host_frame = 4;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run_case(&cases[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_fault_type_decodes),
    };
    return cmocka_run_group_tests_name("cli_trace_faults", tests, NULL, NULL);
}
