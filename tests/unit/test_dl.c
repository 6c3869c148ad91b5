/* unit_dl: the data link engine (ifx-i2c.md §2) driven directly through next_io / io_done. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "hostbus.h"
#include "trustm_dl.h"
#include "trustm_phy.h"

static trustm_stack_t st;
static trustm_dl_t *dl;
static uint16_t g_fs = 277; /* every test runs at frame size 277 and at 20 */

static int setup_fs(uint16_t fs)
{
    trustm_stack_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.frame_size = fs;
    assert_int_equal(trustm_stack_init(&st, &cfg), TRUSTM_OK);
    dl = &st.dl;
    trustm_dl_link_reset(dl, false);
    hb_reset();
    hb.now = 5000;
    trustm_phy_set_now(&st.phy, hb.now);
    return 0;
}

static int setup(void **state)
{
    (void)state;
    return setup_fs(g_fs);
}

static trustm_status_t run(void)
{
    for (;;) {
        trustm_io_t io;
        trustm_status_t s = trustm_dl_next_io(dl, &io);
        if (s != TRUSTM_IN_PROGRESS)
            return s;
        s = hb_perform(&io);
        trustm_phy_io_done(&st.phy, s, hb.n, hb.now);
    }
}

static const uint8_t pkt_open[] = {0x00, 0x70, 0x00, 0x00, 0x10, 0xD2, 0x76, 0x00, 0x00, 0x04, 0x47,
                                   0x65, 0x6E, 0x41, 0x75, 0x74, 0x68, 0x41, 0x70, 0x70, 0x6C};
static const uint8_t pkt_ok[] = {0x00, 0x00, 0x00, 0x00, 0x00};
static const uint8_t pkt_cmd[] = {0x00, 0x81, 0x00, 0x00, 0x06, 0xE0, 0xC2, 0x00, 0x00, 0x00, 0x64};

/* The data link shares one frame buffer between sending and receiving: a frame to resend after
 * a received data frame is rebuilt by the layer above (here: the packet again). */
static const uint8_t *g_pkt;
static size_t g_pkt_len;
static bool refill(void *ctx, uint8_t *packet)
{
    (void)ctx;
    memcpy(packet, g_pkt, g_pkt_len);
    return true;
}

static void send(const uint8_t *pkt, size_t n)
{
    g_pkt = pkt;
    g_pkt_len = n;
    dl->refill = refill;
    memcpy(trustm_dl_packet_buf(dl), pkt, n);
    trustm_dl_send_start(dl, n, hb.now + 180000000u);
}

static void recv(void)
{
    trustm_dl_recv_start(dl, hb.now + 1000000u);
}

/* [DS] Table 24 at data link level: frame 0 (FCTR 03), chip ACK 80, response 00, host ACK 80. */
static void test_send_ack_then_receive(void **state)
{
    (void)state;
    if (g_fs < sizeof pkt_open + TRUSTM_DL_OVERHEAD)
        skip(); /* the vector frame needs frame size >= 26 */
    const uint8_t *p;
    size_t n;
    hb_w_hex("80 03 00 15 00 70 00 00 10 D2 76 00 00 04 47 65 6E 41 75 74 68 41 70 70 6C 04 1A");
    hb_w_hex("82");
    hb_r_hex("C8 80 00 05");
    hb_w_hex("80");
    hb_r_hex("80 00 00 0C EC");
    hb_w_hex("82");
    hb_r_hex("48 80 00 0A");
    hb_w_hex("80");
    hb_r_hex("00 00 05 00 00 00 00 00 14 87");
    hb_w_hex("80 80 00 00 0C EC");
    send(pkt_open, sizeof pkt_open);
    assert_int_equal(run(), TRUSTM_OK);
    assert_false(trustm_dl_received(dl, &p, &n));
    recv();
    assert_int_equal(run(), TRUSTM_OK);
    assert_true(trustm_dl_received(dl, &p, &n));
    assert_int_equal(n, 5);
    assert_memory_equal(p, pkt_ok, 5);
    hb_assert_done();
    assert_int_equal(dl->last_tx, 0);
    assert_int_equal(dl->last_rx, 0);
}

/* Piggy-backed answer ([DS] Table 25): the data frame acknowledges the host frame. */
static void test_piggyback(void **state)
{
    (void)state;
    const uint8_t *p;
    size_t n;
    static const uint8_t pkt[] = {0x00, 0x01, 0x00, 0x00, 0x06, 0xE0, 0xC2, 0x00, 0x00, 0x00, 0x64};
    hb_host_frame(0x03, pkt, sizeof pkt);
    hb_chip_frame(false, 0x00, pkt_ok, 5);
    hb_host_ctrl(0x80);
    send(pkt, sizeof pkt);
    assert_int_equal(run(), TRUSTM_OK);
    assert_true(trustm_dl_received(dl, &p, &n));
    assert_int_equal(n, 5);
    hb_assert_done();
}

/* Frame numbers count modulo 4 with piggy-backed ACKNR. */
static void test_frame_numbers_wrap(void **state)
{
    (void)state;
    uint8_t tx = 3, rx = 3;
    for (int i = 0; i < 6; i++) {
        tx = (uint8_t)((tx + 1) & 3);
        hb_host_frame((uint8_t)(tx << 2 | rx), pkt_cmd, sizeof pkt_cmd);
        hb_chip_ctrl(true, (uint8_t)(0x80 | tx));
        rx = (uint8_t)((rx + 1) & 3);
        hb_chip_frame(false, (uint8_t)(rx << 2 | tx), pkt_ok, 5);
        hb_host_ctrl((uint8_t)(0x80 | rx));
    }
    for (int i = 0; i < 6; i++) {
        send(pkt_cmd, sizeof pkt_cmd);
        assert_int_equal(run(), TRUSTM_OK);
        recv();
        assert_int_equal(run(), TRUSTM_OK);
    }
    hb_assert_done();
    assert_int_equal(st.stats.retransmits, 0);
}

/* NAK for the frame: retransmitted at once, unchanged (vectors section D1). */
static void test_nak_retransmit(void **state)
{
    (void)state;
    hb_host_frame(0x03, pkt_cmd, sizeof pkt_cmd);
    hb_chip_ctrl(false, 0xA0);
    hb_host_frame(0x03, pkt_cmd, sizeof pkt_cmd);
    hb_chip_ctrl(true, 0x80);
    send(pkt_cmd, sizeof pkt_cmd);
    assert_int_equal(run(), TRUSTM_OK);
    hb_assert_done();
    assert_int_equal(st.stats.naks_received, 1);
    assert_int_equal(st.stats.retransmits, 1);
}

/* Nothing ready within TRANS_TIMEOUT: the frame is sent again, not earlier than 10 ms. */
static void test_trans_timeout_retransmit(void **state)
{
    (void)state;
    hb_step_t *first = hb_host_frame(0x03, pkt_cmd, sizeof pkt_cmd);
    hb_idle(2, 0);
    hb_step_t *again = hb_host_frame(0x03, pkt_cmd, sizeof pkt_cmd);
    hb_chip_ctrl(false, 0x80);
    send(pkt_cmd, sizeof pkt_cmd);
    assert_int_equal(run(), TRUSTM_OK);
    hb_assert_done();
    uint64_t gap = again->at - first->at;
    assert_true(gap >= TRUSTM_DEFAULT_TRANS_TIMEOUT_US);
    assert_true(gap < TRUSTM_DEFAULT_TRANS_TIMEOUT_US + 2000);
    assert_int_equal(st.stats.retransmits, 1);
}

/* Original + TRANS_REPEAT retransmissions unanswered: re-sync (C0), continue as frame 0. */
static void test_resync_after_trans_repeat(void **state)
{
    (void)state;
    /* move the link to frame 1 first so that "frame 0 after re-sync" is visible */
    hb_host_frame(0x03, pkt_cmd, sizeof pkt_cmd);
    hb_chip_ctrl(false, 0x80);
    send(pkt_cmd, sizeof pkt_cmd);
    assert_int_equal(run(), TRUSTM_OK);
    for (int i = 0; i < 4; i++) {
        hb_host_frame(0x07, pkt_cmd, sizeof pkt_cmd); /* frame 1, ACK 3 */
        hb_idle(1, 0);
    }
    hb_host_ctrl(0xC0);
    hb_host_frame(0x03, pkt_cmd, sizeof pkt_cmd); /* frame 0, ACK 3 */
    hb_chip_ctrl(false, 0x80);
    send(pkt_cmd, sizeof pkt_cmd);
    assert_int_equal(run(), TRUSTM_OK);
    hb_assert_done();
    assert_int_equal(st.stats.resyncs, 1);
    assert_int_equal(st.stats.retransmits, 4);
}

/* Still nothing after the re-sync: DL DESYNC, and the next frame starts with a re-sync. */
static void test_desync(void **state)
{
    (void)state;
    for (int i = 0; i < 4; i++) {
        hb_host_frame(0x03, pkt_cmd, sizeof pkt_cmd);
        hb_idle(1, 0);
    }
    hb_host_ctrl(0xC0);
    for (int i = 0; i < 4; i++) {
        hb_host_frame(0x03, pkt_cmd, sizeof pkt_cmd);
        hb_idle(1, 0);
    }
    send(pkt_cmd, sizeof pkt_cmd);
    assert_int_equal(run(), TRUSTM_STATUS(TRUSTM_LAYER_DL, TRUSTM_BASE_DESYNC));
    hb_assert_done();
    assert_true(dl->need_resync);
    hb_host_ctrl(0xC0);
    hb_host_frame(0x03, pkt_cmd, sizeof pkt_cmd);
    hb_chip_ctrl(false, 0x80);
    send(pkt_cmd, sizeof pkt_cmd);
    assert_int_equal(run(), TRUSTM_OK);
    hb_assert_done();
}

/* A corrupted response data frame is NAKed (last_rx + 1); the good copy is accepted. */
static void test_bad_fcs_nak(void **state)
{
    (void)state;
    uint8_t f[16];
    size_t n = hb_frame(0x00, pkt_ok, 5, f);
    f[n - 1] ^= 0x01;
    hb_host_frame(0x03, pkt_cmd, sizeof pkt_cmd);
    hb_chip_ctrl(false, 0x80);
    hb_chip_raw(f, n);
    hb_host_ctrl(0xA0);
    hb_chip_frame(false, 0x00, pkt_ok, 5);
    hb_host_ctrl(0x80);
    send(pkt_cmd, sizeof pkt_cmd);
    assert_int_equal(run(), TRUSTM_OK);
    recv();
    assert_int_equal(run(), TRUSTM_OK);
    hb_assert_done();
    assert_int_equal(st.stats.naks_sent, 1);
}

/* A frame whose LEN disagrees with the bytes read, and a frame shorter than 5 bytes: NAK. */
static void test_lying_frame_len(void **state)
{
    (void)state;
    uint8_t f[16];
    size_t n = hb_frame(0x00, pkt_ok, 5, f);
    f[2] = 0x07; /* LEN 7 but only 5 packet bytes */
    recv();
    hb_chip_raw(f, n);
    hb_host_ctrl(0xA0);
    hb_chip_raw(f, 3);
    hb_host_ctrl(0xA0);
    hb_chip_frame(false, 0x00, pkt_ok, 5);
    hb_host_ctrl(0x80);
    assert_int_equal(run(), TRUSTM_OK);
    hb_assert_done();
    assert_int_equal(st.stats.naks_sent, 2);
}

/* I2C_STATE announcing more than the frame size is not read (keep polling). */
static void test_lying_state_length(void **state)
{
    (void)state;
    recv();
    hb_w_hex("82");
    hb_r_hex("48 80 01 16"); /* 278 > 277 */
    hb_w_hex("82");
    hb_r_hex("48 80 00 00"); /* RESP_RDY with length 0 */
    hb_chip_frame(false, 0x00, pkt_ok, 5);
    hb_host_ctrl(0x80);
    assert_int_equal(run(), TRUSTM_OK);
    hb_assert_done();
}

/* Persistent corruption: after TRANS_REPEAT NAKs the receive fails with DL CRC. */
static void test_bad_frames_bounded(void **state)
{
    (void)state;
    uint8_t f[16];
    size_t n = hb_frame(0x00, pkt_ok, 5, f);
    f[n - 2] ^= 0xFF;
    recv();
    for (int i = 0; i < 3; i++) {
        hb_chip_raw(f, n);
        hb_host_ctrl(0xA0);
    }
    hb_chip_raw(f, n);
    assert_int_equal(run(), TRUSTM_STATUS(TRUSTM_LAYER_DL, TRUSTM_BASE_CRC));
    hb_assert_done();
    assert_true(dl->need_resync);
}

/* A repeated (already received) data frame is acknowledged again, not delivered. */
static void test_duplicate_frame_reacked(void **state)
{
    (void)state;
    dl->last_rx = 0;
    recv();
    hb_chip_frame(false, 0x00, pkt_ok, 5); /* FRNR 0 again */
    hb_host_ctrl(0x80);                    /* ACK last correct (0) */
    hb_chip_frame(false, 0x04, pkt_ok, 5); /* FRNR 1 */
    hb_host_ctrl(0x81);
    assert_int_equal(run(), TRUSTM_OK);
    hb_assert_done();
    assert_int_equal(dl->last_rx, 1);
}

/* While waiting for an ACK: a data frame acknowledging another frame is discarded; an ACK
 * for another frame is discarded; a control frame with a bad FCS makes the host resend. */
static void test_send_discards(void **state)
{
    (void)state;
    uint8_t f[8];
    size_t n = hb_frame(0x80, NULL, 0, f);
    f[4] ^= 1;
    hb_host_frame(0x03, pkt_cmd, sizeof pkt_cmd);
    hb_chip_frame(false, 0x01, pkt_ok, 5); /* FRNR 0 but ACKNR 1 */
    hb_chip_ctrl(false, 0x82);             /* ACK for frame 2 */
    hb_chip_raw(f, n);                     /* corrupted control frame */
    hb_host_frame(0x03, pkt_cmd, sizeof pkt_cmd);
    hb_chip_ctrl(false, 0x80);
    send(pkt_cmd, sizeof pkt_cmd);
    assert_int_equal(run(), TRUSTM_OK);
    hb_assert_done();
    assert_int_equal(dl->last_rx, 3);
}

/* A re-sync from the chip while waiting for a response resets the counters. */
static void test_chip_resync_during_receive(void **state)
{
    (void)state;
    dl->last_tx = 1;
    dl->last_rx = 2;
    recv();
    hb_chip_ctrl(false, 0xC0);
    hb_chip_frame(false, 0x03, pkt_ok, 5); /* frame 0 after the re-sync, ACK 3 */
    hb_host_ctrl(0x80);
    assert_int_equal(run(), TRUSTM_OK);
    hb_assert_done();
    assert_int_equal(dl->last_rx, 0);
    assert_int_equal(dl->last_tx, 3);
}

/* A busy chip: NACKed polls and BUSY without RESP_RDY are waited out (late acknowledge). */
static void test_busy_chip(void **state)
{
    (void)state;
    recv();
    hb_w_hex("82")->nacks = 5;
    hb_r_hex("88 80 00 00");
    hb_w_hex("82");
    hb_r_hex("88 80 00 00")->nacks = 2;
    hb_chip_frame(false, 0x00, pkt_ok, 5);
    hb_host_ctrl(0x80);
    assert_int_equal(run(), TRUSTM_OK);
    hb_assert_done();
    assert_int_equal(st.stats.nacks, 7);
}

/* Receive deadline: DL TIMEOUT. */
static void test_receive_timeout(void **state)
{
    (void)state;
    trustm_dl_recv_start(dl, hb.now + 20000);
    hb_idle(5, 0);
    assert_int_equal(run(), TRUSTM_STATUS(TRUSTM_LAYER_DL, TRUSTM_BASE_TIMEOUT));
    hb_assert_done();
}

/* Frame size 20: the packet area holds 15 bytes. */
static void test_frame_size_20(void **state)
{
    (void)state;
    setup_fs(20);
    assert_int_equal(trustm_dl_packet_max(dl), 15);
    uint8_t pkt[15];
    memset(pkt, 0xA5, sizeof pkt);
    hb_host_frame(0x03, pkt, sizeof pkt);
    hb_chip_ctrl(false, 0x80);
    send(pkt, sizeof pkt);
    assert_int_equal(run(), TRUSTM_OK);
    hb_assert_done();
    assert_int_equal(hb.steps[0].len, 21);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_send_ack_then_receive, setup),
        cmocka_unit_test_setup(test_piggyback, setup),
        cmocka_unit_test_setup(test_frame_numbers_wrap, setup),
        cmocka_unit_test_setup(test_nak_retransmit, setup),
        cmocka_unit_test_setup(test_trans_timeout_retransmit, setup),
        cmocka_unit_test_setup(test_resync_after_trans_repeat, setup),
        cmocka_unit_test_setup(test_desync, setup),
        cmocka_unit_test_setup(test_bad_fcs_nak, setup),
        cmocka_unit_test_setup(test_lying_frame_len, setup),
        cmocka_unit_test_setup(test_lying_state_length, setup),
        cmocka_unit_test_setup(test_bad_frames_bounded, setup),
        cmocka_unit_test_setup(test_duplicate_frame_reacked, setup),
        cmocka_unit_test_setup(test_send_discards, setup),
        cmocka_unit_test_setup(test_chip_resync_during_receive, setup),
        cmocka_unit_test_setup(test_busy_chip, setup),
        cmocka_unit_test_setup(test_receive_timeout, setup),
        cmocka_unit_test_setup(test_frame_size_20, setup),
    };
    int failed = cmocka_run_group_tests_name("unit_dl (frame size 277)", tests, NULL, NULL);
    g_fs = 20;
    failed += cmocka_run_group_tests_name("unit_dl (frame size 20)", tests, NULL, NULL);
    return failed;
}
