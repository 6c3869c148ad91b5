/*
 * sim_system_test.c - vendor-like host against the simulator, persistence (round trip,
 * corrupted and truncated files, torn temp file) and fault plans.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "sim_host.h"
#include "trustm_pal_sim.h"
#include "trustm_frame.h"
#include "trustm_sim.h"
#include "vendor_host.h"

static const uint8_t open_f0[] = {0xF0, 0x00, 0x00, 0x10, 0xD2, 0x76, 0x00, 0x00, 0x04, 0x47,
                                  0x65, 0x6E, 0x41, 0x75, 0x74, 0x68, 0x41, 0x70, 0x70, 0x6C};
static const uint8_t read_uid[] = {0x81, 0x00, 0x00, 0x06, 0xE0, 0xC2, 0x00, 0x00, 0x06, 0x15};

static trustm_sim_t *new_sim(const char *path)
{
    trustm_sim_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.state_path = path;
    cfg.seed = 99;
    char err[256] = "";
    trustm_sim_t *sim = trustm_sim_create(&cfg, err, sizeof err);
    if (sim == NULL)
        print_message("create: %s\n", err);
    assert_non_null(sim);
    return sim;
}

static void vendor_session(trustm_sim_t *sim, vendor_host_t *v)
{
    uint8_t rsp[64], uid[27];
    assert_int_equal(vendor_host_open(v, sim), 0);
    assert_true(v->nack_retries > 0); /* 12 ms < 15 ms start-up: late acknowledge was needed */
    assert_int_equal(vendor_host_command(v, open_f0, sizeof open_f0, rsp, sizeof rsp), 4);
    assert_memory_equal(rsp, ((uint8_t[]){0, 0, 0, 0}), 4);
    assert_int_equal(vendor_host_command(v, read_uid, sizeof read_uid, rsp, sizeof rsp), 31);
    trustm_sim_uid(sim, uid);
    assert_memory_equal(rsp + 4, uid, 27);
}

static void sim_vendor_host(void **state)
{
    (void)state;
    trustm_sim_t *sim = new_sim(NULL);
    vendor_host_t v;
    vendor_session(sim, &v);
    vendor_session(sim, &v); /* reopen: cold power cycle again */
    trustm_sim_stats_t st;
    trustm_sim_stats_get(sim, &st);
    assert_int_equal(st.commands, 4);
    print_message("vendor host: %llu transactions (%llu NACKed), %llu bytes, %llu us simulated\n",
                  (unsigned long long)st.transactions, (unsigned long long)st.nacks,
                  (unsigned long long)(st.bytes_written + st.bytes_read), (unsigned long long)st.time_us);

    /* a lost control ACK and a long command: the host re-sends after 10 ms, the chip
     * answers the duplicate with an ACK and executes the command only once */
    trustm_sim_faults_t f;
    memset(&f, 0, sizeof f);
    f.drop_frame = 1;
    f.busy_extra_us = 25000;
    trustm_sim_faults_set(sim, &f);
    uint8_t rsp[64];
    assert_int_equal(vendor_host_command(&v, read_uid, sizeof read_uid, rsp, sizeof rsp), 31);
    assert_true(v.resends >= 1);
    trustm_sim_stats_get(sim, &st);
    assert_int_equal(st.commands, 5);
    trustm_sim_destroy(sim);
}

static void tmp_path(char *buf, size_t n, const char *tag)
{
    snprintf(buf, n, "/tmp/trustm_sim_test_%ld_%s.state", (long)getpid(), tag);
    unlink(buf);
}

static void sim_persistence(void **state)
{
    (void)state;
    char path[256], err[256], tmp[300];
    tmp_path(path, sizeof path, "rt");
    uint8_t uid1[27], uid2[27];
    trustm_sim_t *sim = new_sim(path); /* creates the file */
    trustm_sim_uid(sim, uid1);
    sim_host_t h;
    sim_host_init(&h, sim);
    assert_int_equal(sim_host_write(&h, (uint8_t[]){0x83, 0x80, 0x29}, 3), 0); /* persistent address */
    h.addr = 0x29;                                                             /* effective from the next access */
    assert_int_equal(sim_host_write(&h, (uint8_t[]){0x89, 0x80, 0x04}, 3), 0); /* persistent Fm+ */
    trustm_sim_destroy(sim);

    trustm_sim_state_info_t info;
    int irc = trustm_sim_state_info(path, &info, err, sizeof err);
    if (irc != 0)
        print_message("state info: %s\n", err);
    assert_int_equal(irc, 0);
    assert_int_equal(info.base_addr, 0x29);
    assert_int_equal(info.i2c_mode, 4);
    assert_int_equal(info.seed, 99);
    assert_memory_equal(info.uid, uid1, 27);

    sim = new_sim(path);
    trustm_sim_uid(sim, uid2);
    assert_memory_equal(uid1, uid2, 27);
    assert_int_equal(trustm_sim_addr(sim), 0x29);
    trustm_sim_destroy(sim);

    /* a torn temp file of a killed writer is ignored */
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "wb");
    fwrite("TRUSTMSM\0\0", 1, 10, f);
    fclose(f);
    sim = new_sim(path);
    trustm_sim_destroy(sim);
    unlink(tmp);

    /* corruption: flip one byte anywhere -> clear error; truncation -> clear error */
    f = fopen(path, "rb");
    uint8_t img[4096];
    size_t n = fread(img, 1, sizeof img, f);
    fclose(f);
    assert_true(n > 40);
    trustm_sim_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.state_path = path;
    const size_t positions[] = {0, 9, 13, 20, n / 2, n - 1};
    for (size_t i = 0; i < sizeof positions / sizeof positions[0]; i++) {
        img[positions[i]] ^= 0x40;
        f = fopen(path, "wb");
        fwrite(img, 1, n, f);
        fclose(f);
        err[0] = '\0';
        assert_null(trustm_sim_create(&cfg, err, sizeof err));
        assert_true(strstr(err, path) != NULL);
        img[positions[i]] ^= 0x40;
    }
    for (size_t cut = 0; cut < n; cut += 7) {
        f = fopen(path, "wb");
        fwrite(img, 1, cut, f);
        fclose(f);
        err[0] = '\0';
        assert_null(trustm_sim_create(&cfg, err, sizeof err));
        assert_true(err[0] != '\0');
    }
    print_message("corrupted file: %s\n", err);
    /* init refuses to overwrite, --force replaces */
    assert_int_equal(trustm_sim_state_init(path, 5, NULL, false, err, sizeof err), -1);
    assert_int_equal(trustm_sim_state_init(path, 5, NULL, true, err, sizeof err), 0);
    assert_int_equal(trustm_sim_state_info(path, &info, err, sizeof err), 0);
    assert_int_equal(info.seed, 5);
    assert_int_equal(info.base_addr, 0x30);
    unlink(path);
}

static void sim_faults(void **state)
{
    (void)state;
    trustm_sim_t *sim = new_sim(NULL);
    sim_host_t h;
    sim_host_init(&h, sim);
    trustm_sim_faults_t f;
    char plan[256];
    uint8_t rsp[64], in[300];
    assert_int_equal(sim_host_transceive(&h, open_f0, sizeof open_f0, rsp, sizeof rsp), 4);

    /* NACK the next 5 address phases */
    memset(&f, 0, sizeof f);
    f.nack_next = 5;
    trustm_sim_faults_set(sim, &f);
    trustm_sim_faults_describe(sim, plan, sizeof plan);
    print_message("fault plan: %s\n", plan);
    uint8_t reg = 0x82;
    for (int i = 0; i < 5; i++)
        assert_int_equal(trustm_sim_i2c_write(sim, 0x30, &reg, 1), TRUSTM_SIM_NACK);
    assert_int_equal(trustm_sim_i2c_write(sim, 0x30, &reg, 1), TRUSTM_SIM_ACK);
    trustm_sim_sleep_us(sim, 50);

    /* corrupt the FCS of the response: the host NAKs, the chip offers it again */
    memset(&f, 0, sizeof f);
    f.corrupt_fcs_frame = 1;
    f.seed = 7;
    trustm_sim_faults_set(sim, &f);
    uint8_t pkt[16] = {0x00}, frame[32];
    memcpy(pkt + 1, read_uid, sizeof read_uid);
    size_t n = trustm_dl_frame_encode(trustm_dl_fctr_data(1, 0), pkt, 1 + sizeof read_uid, frame, sizeof frame);
    assert_int_equal(sim_host_frame_write(&h, frame, n), 0);
    long got = sim_host_frame_read(&h, in, sizeof in, 10000);
    assert_int_equal(got, 37);
    trustm_dl_frame_t fr;
    assert_int_equal(trustm_dl_frame_decode(in, (size_t)got, &fr), TRUSTM_DL_FRAME_FCS);
    uint8_t nak[5];
    trustm_dl_frame_encode(trustm_dl_fctr_nak(1), NULL, 0, nak, 5);
    assert_int_equal(sim_host_frame_write(&h, nak, 5), 0);
    got = sim_host_frame_read(&h, in, sizeof in, 10000);
    assert_int_equal(got, 37);
    assert_int_equal(trustm_dl_frame_decode(in, (size_t)got, &fr), TRUSTM_DL_FRAME_OK);
    assert_int_equal(fr.fctr, 0x05);
    uint8_t ack[5];
    trustm_dl_frame_encode(trustm_dl_fctr_ack(1), NULL, 0, ack, 5);
    assert_int_equal(sim_host_frame_write(&h, ack, 5), 0);
    h.last_tx = 1;
    h.last_rx = 1;

    /* drop the response frame: offered again after TRANS_TIMEOUT */
    memset(&f, 0, sizeof f);
    f.drop_frame = 1;
    trustm_sim_faults_set(sim, &f);
    n = trustm_dl_frame_encode(trustm_dl_fctr_data(2, 1), pkt, 1 + sizeof read_uid, frame, sizeof frame);
    assert_int_equal(sim_host_frame_write(&h, frame, n), 0);
    uint64_t t0 = trustm_sim_now_us(sim);
    got = sim_host_frame_read(&h, in, sizeof in, 30000);
    assert_int_equal(got, 37);
    assert_true(trustm_sim_now_us(sim) - t0 >= 10000);
    assert_int_equal(in[0], 0x0A);
    trustm_dl_frame_encode(trustm_dl_fctr_ack(2), NULL, 0, ack, 5);
    assert_int_equal(sim_host_frame_write(&h, ack, 5), 0);
    h.last_tx = 2;
    h.last_rx = 2;

    /* flipped bit in a host frame: NAK, the retransmission works */
    memset(&f, 0, sizeof f);
    f.flip_host_frame = 1;
    f.seed = 3;
    trustm_sim_faults_set(sim, &f);
    assert_int_equal(sim_host_transceive(&h, read_uid, sizeof read_uid, rsp, sizeof rsp), 31);

    /* stretched BUSY: the chip sends a control ACK first, the answer comes later */
    memset(&f, 0, sizeof f);
    f.busy_extra_us = 50000;
    trustm_sim_faults_set(sim, &f);
    t0 = trustm_sim_now_us(sim);
    assert_int_equal(sim_host_transceive(&h, read_uid, sizeof read_uid, rsp, sizeof rsp), 31);
    assert_true(trustm_sim_now_us(sim) - t0 >= 50000);

    /* power loss mid-command: NACKs during the restart, application closed afterwards */
    memset(&f, 0, sizeof f);
    f.power_loss_us = 500;
    trustm_sim_faults_set(sim, &f);
    trustm_sim_stats_t st0, st1;
    trustm_sim_stats_get(sim, &st0);
    n = trustm_dl_frame_encode(trustm_dl_fctr_data((uint8_t)(h.last_tx + 1u), h.last_rx), pkt, 1 + sizeof read_uid,
                               frame, sizeof frame);
    assert_int_equal(sim_host_frame_write(&h, frame, n), 0);
    trustm_sim_sleep_us(sim, 1000);
    assert_int_equal(trustm_sim_i2c_write(sim, 0x30, &reg, 1), TRUSTM_SIM_NACK);
    trustm_sim_stats_get(sim, &st1);
    assert_int_equal(st1.commands, st0.commands); /* never completed */
    sim_host_init(&h, sim);
    assert_int_equal(sim_host_transceive(&h, read_uid, sizeof read_uid, rsp, sizeof rsp), 4);
    assert_int_equal(rsp[0], 0xFF); /* application closed by the restart */
    trustm_sim_destroy(sim);
}

/* pal/sim: the ops table drives the simulator and its virtual clock. */
static void sim_pal_port(void **state)
{
    (void)state;
    trustm_sim_t *sim = new_sim(NULL);
    trustm_pal_t pal;
    assert_int_equal(trustm_pal_sim_init(NULL, sim), TRUSTM_STATUS(TRUSTM_LAYER_PAL, TRUSTM_BASE_BAD_PARAM));
    assert_int_equal(trustm_pal_sim_init(&pal, sim), TRUSTM_OK);
    uint8_t reg = 0x82, st[4];
    assert_int_equal(pal.ops->i2c_write(pal.ctx, 0x30, &reg, 1), TRUSTM_PAL_NACK);
    uint64_t t0 = pal.ops->now_us(pal.ctx);
    pal.ops->sleep_us(pal.ctx, 15000);
    assert_int_equal(pal.ops->now_us(pal.ctx) - t0, 15000);
    assert_int_equal(pal.ops->now_us(pal.ctx), trustm_sim_now_us(sim));
    assert_int_equal(pal.ops->i2c_write(pal.ctx, 0x30, &reg, 1), TRUSTM_OK);
    pal.ops->sleep_us(pal.ctx, 50);
    assert_int_equal(pal.ops->i2c_read(pal.ctx, 0x30, st, 4), TRUSTM_OK);
    assert_memory_equal(st, ((uint8_t[]){0x08, 0x80, 0x00, 0x00}), 4);
    assert_int_equal(pal.ops->i2c_read(pal.ctx, 0x80, st, 4), TRUSTM_PAL_IO);
    assert_int_equal(pal.ops->set_pin(pal.ctx, TRUSTM_PAL_PIN_RST, false), TRUSTM_OK);
    assert_int_equal(pal.ops->i2c_write(pal.ctx, 0x30, &reg, 1), TRUSTM_PAL_NACK);
    assert_int_equal(pal.ops->set_pin(pal.ctx, TRUSTM_PAL_PIN_RST, true), TRUSTM_OK);
    pal.ops->sleep_us(pal.ctx, 15000);
    assert_int_equal(pal.ops->i2c_write(pal.ctx, 0x30, &reg, 1), TRUSTM_OK);
    assert_int_equal(pal.ops->set_pin(pal.ctx, TRUSTM_PAL_PIN_VDD, false), TRUSTM_OK);
    assert_int_equal(pal.ops->i2c_write(pal.ctx, 0x30, &reg, 1), TRUSTM_PAL_NACK);
    assert_int_equal(pal.ops->set_pin(pal.ctx, TRUSTM_PAL_PIN_VDD, true), TRUSTM_OK);
    pal.ops->sleep_us(pal.ctx, 15000);
    assert_int_equal(pal.ops->i2c_write(pal.ctx, 0x30, &reg, 1), TRUSTM_OK);
    trustm_sim_destroy(sim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sim_pal_port),
        cmocka_unit_test(sim_vendor_host),
        cmocka_unit_test(sim_persistence),
        cmocka_unit_test(sim_faults),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
