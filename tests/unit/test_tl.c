/* unit_tl: network + transport layer (ifx-i2c.md §3, §4) and the PL seam, driven directly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "hostbus.h"
#include "trustm_dl.h"
#include "trustm_phy.h"
#include "trustm_tl.h"

static trustm_stack_t st;
static hb_link_t link;
static uint8_t rsp[2048];
static uint8_t big[1600];
static uint16_t g_fs = 277; /* tests without an explicit frame size run at 277 and at 20 */

static void init(uint16_t fs, bool presence)
{
    trustm_stack_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.frame_size = fs;
    cfg.pl = presence ? &trustm_pl_record_plain : &trustm_pl_none;
    assert_int_equal(trustm_stack_init(&st, &cfg), TRUSTM_OK);
    trustm_dl_link_reset(&st.dl, false);
    hb_reset();
    hb.now = 100;
    trustm_phy_set_now(&st.phy, hb.now);
    hb_link_init(&link, fs, presence);
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i * 7 + 1);
    memset(rsp, 0, sizeof rsp);
}

static int setup(void **state)
{
    (void)state;
    init(g_fs, false);
    return 0;
}

static trustm_status_t exchange(const uint8_t *apdu, size_t n, size_t rsp_size)
{
    trustm_status_t s = trustm_tl_start(&st.tl, apdu, n, rsp, rsp_size, hb.now);
    if (s != TRUSTM_OK)
        return s;
    for (;;) {
        trustm_io_t io;
        s = trustm_tl_next_io(&st.tl, &io);
        if (s != TRUSTM_IN_PROGRESS)
            return s;
        s = hb_perform(&io);
        trustm_phy_io_done(&st.phy, s, hb.n, hb.now);
    }
}

/* chip data frame with an explicit packet, acknowledged by the host */
static void chip_packet(const uint8_t *pkt, size_t n)
{
    uint8_t frnr = (uint8_t)((link.host_rx + 1) & 3);
    hb_chip_frame(false, (uint8_t)(frnr << 2 | link.host_tx), pkt, n);
    link.host_rx = frnr;
    hb_host_ctrl((uint8_t)(0x80 | frnr));
}

static void host_error_packet(void)
{
    static const uint8_t err = 0x07;
    link.host_tx = (uint8_t)((link.host_tx + 1) & 3);
    hb_host_frame((uint8_t)(link.host_tx << 2 | link.host_rx), &err, 1);
    hb_chip_ctrl(false, (uint8_t)(0x80 | link.host_tx));
}

static const uint8_t apdu_small[] = {0x81, 0x00, 0x00, 0x06, 0xE0, 0xC2, 0x00, 0x00, 0x00, 0x64};
static const uint8_t rsp_ok[] = {0x00, 0x00, 0x00, 0x00};

static void test_single_packet(void **state)
{
    (void)state;
    hb_exchange(&link, apdu_small, sizeof apdu_small, rsp_ok, 4, false);
    assert_int_equal(exchange(apdu_small, sizeof apdu_small, sizeof rsp), TRUSTM_OK);
    hb_assert_done();
    assert_int_equal(st.tl.rsp_len, 4);
    assert_int_equal(hb.steps[0].bytes[4], 0x00); /* PCTR single, no presence */
}

/* 300-byte APDU at frame size 277: packets of 272 (PCTR 01) and 30 (PCTR 04) bytes. */
static void test_chain_300_at_277(void **state)
{
    (void)state;
    init(277, false);
    hb_exchange(&link, big, 300, rsp_ok, 4, false);
    assert_int_equal(exchange(big, 300, sizeof rsp), TRUSTM_OK);
    hb_assert_done();
    assert_int_equal(hb.steps[0].len, 1 + 5 + 272);
    assert_int_equal(hb.steps[0].bytes[4], 0x01);
}

/* Frame size 20: 15-byte packets (14 APDU bytes), chained in both directions. */
static void test_chain_at_20(void **state)
{
    (void)state;
    init(20, false);
    hb_exchange(&link, big, 300, big + 50, 100, false);
    assert_int_equal(exchange(big, 300, sizeof rsp), TRUSTM_OK);
    hb_assert_done();
    assert_int_equal(st.tl.rsp_len, 100);
    assert_memory_equal(rsp, big + 50, 100);
    assert_int_equal(hb.steps[0].len, 21); /* W 80 + 20-byte frame */
}

/* The largest response (1557 bytes) reassembled exactly at frame sizes 277, 20 and 16 (the
 * protocol minimum), with and without presence. */
static void test_max_response(void **state)
{
    (void)state;
    static const uint16_t sizes[3] = {277, 20, 16};
    for (int k = 0; k < 6; k++) {
        init(sizes[k % 3], k >= 3);
        hb_exchange(&link, apdu_small, sizeof apdu_small, big, 1557, k == 0);
        assert_int_equal(exchange(apdu_small, sizeof apdu_small, 1557), TRUSTM_OK);
        hb_assert_done();
        assert_int_equal(st.tl.rsp_len, 1557);
        assert_memory_equal(rsp, big, 1557);
    }
}

/* A response larger than the buffer: the chain is drained (every frame ACKed), then
 * TL BUFFER_TOO_SMALL with the needed size; the link stays usable. */
static void test_oversize_response_drained(void **state)
{
    (void)state;
    init(20, false);
    hb_exchange(&link, apdu_small, sizeof apdu_small, big, 600, false);
    assert_int_equal(exchange(apdu_small, sizeof apdu_small, 100),
                     TRUSTM_STATUS(TRUSTM_LAYER_TL, TRUSTM_BASE_BUFFER_TOO_SMALL));
    hb_assert_done();
    assert_int_equal(st.tl.rsp_len, 600);
    assert_memory_equal(rsp, big, 100);
    assert_int_equal(rsp[100], 0); /* nothing written past the buffer */
    hb_exchange(&link, apdu_small, sizeof apdu_small, rsp_ok, 4, false);
    assert_int_equal(exchange(apdu_small, sizeof apdu_small, sizeof rsp), TRUSTM_OK);
    hb_assert_done();
}

/* A chain violation in the response: the host sends the chaining-error packet 07 once and
 * takes the response sent again. */
static void test_chain_violation_error_packet(void **state)
{
    (void)state;
    uint8_t bad[10] = {0x02, 1, 2, 3, 4, 5, 6, 7, 8, 9}; /* intermediate without first */
    hb_host_message(&link, apdu_small, sizeof apdu_small, false);
    chip_packet(bad, sizeof bad);
    host_error_packet();
    hb_chip_message(&link, rsp_ok, 4);
    assert_int_equal(exchange(apdu_small, sizeof apdu_small, sizeof rsp), TRUSTM_OK);
    hb_assert_done();
    assert_int_equal(st.tl.rsp_len, 4);
}

/* A first packet shorter than frame_size - 5; then a second violation: TL PROTOCOL. */
static void test_chain_violation_twice(void **state)
{
    (void)state;
    uint8_t shortfirst[10] = {0x01, 0, 0, 0, 9};
    uint8_t single[5] = {0x00, 0, 0, 0, 0};
    hb_host_message(&link, apdu_small, sizeof apdu_small, false);
    chip_packet(shortfirst, sizeof shortfirst);
    host_error_packet();
    uint8_t first[272];
    size_t first_len = (size_t)g_fs - 5;
    memset(first, 0x11, sizeof first);
    first[0] = 0x01;
    chip_packet(first, first_len);
    chip_packet(single, sizeof single); /* single while a chain is open */
    assert_int_equal(exchange(apdu_small, sizeof apdu_small, sizeof rsp),
                     TRUSTM_STATUS(TRUSTM_LAYER_TL, TRUSTM_BASE_PROTOCOL));
    hb_assert_done();
    assert_true(st.dl.need_resync);
}

/* The chip reports a broken chain (packet 07): the whole message is sent again, once. */
static void test_chip_error_packet_resend(void **state)
{
    (void)state;
    static const uint8_t err = 0x07;
    init(20, false);
    hb_host_message(&link, big, 40, false);
    chip_packet(&err, 1);
    hb_exchange(&link, big, 40, rsp_ok, 4, false);
    assert_int_equal(exchange(big, 40, sizeof rsp), TRUSTM_OK);
    hb_assert_done();
    /* twice: error */
    hb_host_message(&link, big, 40, false);
    chip_packet(&err, 1);
    hb_host_message(&link, big, 40, false);
    chip_packet(&err, 1);
    assert_int_equal(exchange(big, 40, sizeof rsp), TRUSTM_STATUS(TRUSTM_LAYER_TL, TRUSTM_BASE_PROTOCOL));
    hb_assert_done();
}

/* The data link receives into the frame buffer it sends from: a data frame that is discarded
 * while our frame awaits its ACK overwrites the frame, and the NAK that follows makes the host
 * send it again -- rebuilt from the message, byte for byte. */
static void test_resend_rebuilt_after_received_frame(void **state)
{
    (void)state;
    uint8_t pkt[1 + sizeof apdu_small];
    pkt[0] = 0x00;
    memcpy(pkt + 1, apdu_small, sizeof apdu_small);
    link.host_tx = (uint8_t)((link.host_tx + 1) & 3);
    uint8_t fctr = (uint8_t)(link.host_tx << 2 | link.host_rx);
    hb_host_frame(fctr, pkt, sizeof pkt);
    uint8_t junk[12];
    memset(junk, 0xA5, sizeof junk);
    /* FRNR in sequence, ACKNR for another frame: discarded silently */
    hb_chip_frame(false, (uint8_t)(((link.host_rx + 1) & 3) << 2 | ((link.host_tx + 1) & 3)), junk, sizeof junk);
    hb_chip_ctrl(false, (uint8_t)(0xA0 | link.host_tx)); /* NAK for our frame */
    hb_host_frame(fctr, pkt, sizeof pkt);                /* the same frame again */
    hb_chip_ctrl(false, (uint8_t)(0x80 | link.host_tx));
    hb_chip_message(&link, rsp_ok, 4);
    assert_int_equal(exchange(apdu_small, sizeof apdu_small, sizeof rsp), TRUSTM_OK);
    hb_assert_done();
    assert_int_equal(st.stats.retransmits, 1);
}

/* Command and response in one buffer (the device's APDU buffer): once response bytes have been
 * written over the command, a request to send it again (chip error packet) is refused. */
static void test_shared_buffer_no_resend_after_overwrite(void **state)
{
    (void)state;
    static const uint8_t err = 0x07;
    uint8_t first[272];
    size_t first_len = (size_t)g_fs - 5;
    memset(first, 0x11, sizeof first);
    first[0] = 0x01; /* FIRST of a chained response */
    hb_host_message(&link, apdu_small, sizeof apdu_small, false);
    chip_packet(first, first_len);
    chip_packet(&err, 1);
    memcpy(rsp, apdu_small, sizeof apdu_small);
    trustm_status_t s = trustm_tl_start(&st.tl, rsp, sizeof apdu_small, rsp, sizeof rsp, hb.now);
    assert_int_equal(s, TRUSTM_OK);
    for (;;) {
        trustm_io_t io;
        s = trustm_tl_next_io(&st.tl, &io);
        if (s != TRUSTM_IN_PROGRESS)
            break;
        s = hb_perform(&io);
        trustm_phy_io_done(&st.phy, s, hb.n, hb.now);
    }
    assert_int_equal(s, TRUSTM_STATUS(TRUSTM_LAYER_TL, TRUSTM_BASE_PROTOCOL));
    hb_assert_done();
}

/* An answer while our chain is still being sent is a protocol violation. */
static void test_answer_before_last_packet(void **state)
{
    (void)state;
    init(20, false);
    link.host_tx = (uint8_t)((link.host_tx + 1) & 3);
    uint8_t pkt[15];
    pkt[0] = 0x01;
    memcpy(pkt + 1, big, 14);
    hb_host_frame((uint8_t)(link.host_tx << 2 | link.host_rx), pkt, 15);
    chip_packet(rsp_ok, 4); /* a data frame piggy-backing the ACK of the first packet */
    assert_int_equal(exchange(big, 40, sizeof rsp), TRUSTM_STATUS(TRUSTM_LAYER_TL, TRUSTM_BASE_PROTOCOL));
    hb_assert_done();
}

/* The PRESENCE bit of the response must match the one sent. */
static void test_presence_mismatch(void **state)
{
    (void)state;
    uint8_t pkt[6] = {0x08, 0x20, 0, 0, 0, 0};
    hb_host_message(&link, apdu_small, sizeof apdu_small, false);
    chip_packet(pkt, sizeof pkt);
    assert_int_equal(exchange(apdu_small, sizeof apdu_small, sizeof rsp),
                     TRUSTM_STATUS(TRUSTM_LAYER_TL, TRUSTM_BASE_PROTOCOL));
    hb_assert_done();
}

/* Presentation bit mode: PCTR 08, SCTR 20 in front of the APDU; SCTR stripped from the answer. */
static void test_record_plain(void **state)
{
    (void)state;
    init(g_fs, true);
    hb_exchange(&link, apdu_small, sizeof apdu_small, rsp_ok, 4, false);
    assert_int_equal(exchange(apdu_small, sizeof apdu_small, 4), TRUSTM_OK);
    hb_assert_done();
    assert_int_equal(hb.steps[0].bytes[4], 0x08);
    assert_int_equal(hb.steps[0].bytes[5], 0x20);
    assert_int_equal(st.tl.rsp_len, 4);
    assert_memory_equal(rsp, rsp_ok, 4);
}

static void test_record_plain_alerts(void **state)
{
    (void)state;
    static const struct {
        uint8_t sctr;
        trustm_status_t want;
    } cases[] = {
        {0x44, TRUSTM_STATUS(TRUSTM_LAYER_PL, TRUSTM_BASE_AUTH_FAILED)},
        {0x40, TRUSTM_STATUS(TRUSTM_LAYER_PL, TRUSTM_BASE_PROTOCOL)},
        {0x23, TRUSTM_STATUS(TRUSTM_LAYER_PL, TRUSTM_BASE_BAD_RESPONSE)},
    };
    for (size_t i = 0; i < 3; i++) {
        init(g_fs, true);
        uint8_t pkt[2] = {0x08, cases[i].sctr};
        hb_host_message(&link, apdu_small, sizeof apdu_small, false);
        chip_packet(pkt, 2);
        assert_int_equal(exchange(apdu_small, sizeof apdu_small, sizeof rsp), cases[i].want);
        hb_assert_done();
    }
}

/* The seam: a PL that substitutes its own body and header, and trims a trailer in rx_end. */
static uint8_t pl_body[8] = {0xB0, 0xB1, 0xB2, 0xB3, 0xB4, 0xB5, 0xB6, 0xB7};
static size_t pl_seen_hdr_len;
static trustm_status_t test_pl_tx(void *ctx, const uint8_t *apdu, size_t apdu_len, trustm_pl_msg_t *msg)
{
    assert_ptr_equal(ctx, pl_body);
    assert_int_equal(apdu_len, sizeof apdu_small);
    assert_memory_equal(apdu, apdu_small, apdu_len);
    msg->hdr[0] = 0x23;
    msg->hdr[1] = 0x00;
    msg->hdr[2] = 0x07;
    msg->hdr_len = 3;
    msg->body = pl_body;
    msg->body_len = sizeof pl_body;
    msg->rx_hdr_len = 3;
    return TRUSTM_OK;
}
static trustm_status_t test_pl_rx(void *ctx, const uint8_t *hdr, size_t hdr_len, uint8_t *body, size_t body_len,
                                  size_t *apdu_len)
{
    (void)ctx;
    pl_seen_hdr_len = hdr_len;
    assert_memory_equal(hdr, "\x23\x00\x08", 3);
    for (size_t i = 0; i < body_len; i++)
        body[i] ^= 0xFF;      /* "decrypt" in place */
    *apdu_len = body_len - 2; /* strip a trailer */
    return TRUSTM_OK;
}
static const trustm_pl_ops_t test_pl = {test_pl_tx, test_pl_rx, true, NULL, NULL};

static void test_pl_seam(void **state)
{
    (void)state;
    trustm_stack_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.frame_size = g_fs;
    cfg.pl = &test_pl;
    cfg.pl_ctx = pl_body;
    assert_int_equal(trustm_stack_init(&st, &cfg), TRUSTM_OK);
    trustm_dl_link_reset(&st.dl, false);
    hb_link_init(&link, g_fs, false);
    uint8_t msg[11] = {0x23, 0x00, 0x07, 0xB0, 0xB1, 0xB2, 0xB3, 0xB4, 0xB5, 0xB6, 0xB7};
    uint8_t pkt[12] = {0x08};
    memcpy(pkt + 1, msg, 11);
    uint8_t answer[10] = {0x08, 0x23, 0x00, 0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0x11, 0x22};
    link.host_tx = 0;
    hb_host_frame(0x03, pkt, 12); /* frame 0: PCTR 08 (presence), PL header, PL body */
    hb_chip_ctrl(true, 0x80);
    chip_packet(answer, sizeof answer);
    assert_int_equal(exchange(apdu_small, sizeof apdu_small, sizeof rsp), TRUSTM_OK);
    hb_assert_done();
    assert_int_equal(pl_seen_hdr_len, 3);
    assert_int_equal(st.tl.rsp_len, 4); /* 6 body bytes minus a 2-byte trailer */
    assert_memory_equal(rsp, "\x00\x00\x00\x00", 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_single_packet, setup),
        cmocka_unit_test_setup(test_chain_300_at_277, setup),
        cmocka_unit_test_setup(test_chain_at_20, setup),
        cmocka_unit_test_setup(test_max_response, setup),
        cmocka_unit_test_setup(test_oversize_response_drained, setup),
        cmocka_unit_test_setup(test_chain_violation_error_packet, setup),
        cmocka_unit_test_setup(test_chain_violation_twice, setup),
        cmocka_unit_test_setup(test_chip_error_packet_resend, setup),
        cmocka_unit_test_setup(test_resend_rebuilt_after_received_frame, setup),
        cmocka_unit_test_setup(test_shared_buffer_no_resend_after_overwrite, setup),
        cmocka_unit_test_setup(test_answer_before_last_packet, setup),
        cmocka_unit_test_setup(test_presence_mismatch, setup),
        cmocka_unit_test_setup(test_record_plain, setup),
        cmocka_unit_test_setup(test_record_plain_alerts, setup),
        cmocka_unit_test_setup(test_pl_seam, setup),
    };
    int failed = cmocka_run_group_tests_name("unit_tl (frame size 277)", tests, NULL, NULL);
    g_fs = 20;
    failed += cmocka_run_group_tests_name("unit_tl (frame size 20)", tests, NULL, NULL);
    return failed;
}
