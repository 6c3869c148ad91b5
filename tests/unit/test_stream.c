/*
 * test_stream.c - APDUs without an APDU buffer (docs/DESIGN.md §5, RAM of a device).
 *   - commands as gather lists: every builder's gather form renders the same bytes as its flat
 *     form, whole and in any slicing; the writer's fallbacks (short inputs and a full list copied
 *     inline, an inline area too small: BUFFER_TOO_SMALL);
 *   - the transport over a gather list and a sink: a chained message sent again on the chip's
 *     request, but not once response bytes went to the sink (they may overwrite an input);
 *   - responses into the caller's outputs: a GenKeyPair export answered public key first, an
 *     in-place AES encryption (in == out) over three commands, a TLV repeated or of a wrong length
 *     leaving the outputs untouched.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "hostbus.h"
#include "trustm/trustm.h"
#include "trustm_bytes.h"
#include "trustm_cmd_int.h"
#include "trustm_dl.h"
#include "trustm_phy.h"
#include "trustm_testutil.h"
#include "trustm_tl.h"

#define BAD_RSP TRUSTM_STATUS(TRUSTM_LAYER_CMD, TRUSTM_BASE_BAD_RESPONSE)

static uint8_t in[2048];

/* ---- gather lists ---- */

/* The gathered message equals the flat one: whole, and slice by slice of every width 1..9. */
static void assert_same(const trustm_gather_t *g, const uint8_t *flat, size_t n)
{
    uint8_t buf[1600];
    assert_int_equal(g->len, n);
    memset(buf, 0xA5, sizeof buf);
    trustm_gather_copy(g, 0, buf, n);
    assert_memory_equal(buf, flat, n);
    for (size_t w = 1; w <= 9; w++) {
        memset(buf, 0xA5, sizeof buf);
        for (size_t pos = 0; pos < n; pos += w)
            trustm_gather_copy(g, pos, buf + pos, pos + w <= n ? w : n - pos);
        assert_memory_equal(buf, flat, n);
    }
}

#define GATHER_CASE(put_call, flat_call)                                                                               \
    do {                                                                                                               \
        uint8_t flat[1600], inl[40];                                                                                   \
        size_t fl = 0;                                                                                                 \
        trustm_gather_t g;                                                                                             \
        trustm_wbuf_t w;                                                                                               \
        assert_int_equal((flat_call), TRUSTM_OK);                                                                      \
        trustm_wbuf_init_gather(&w, &g, inl, sizeof inl);                                                              \
        assert_int_equal((put_call), TRUSTM_OK);                                                                       \
        assert_same(&g, flat, fl);                                                                                     \
        refs += g.nref;                                                                                                \
    } while (0)

static void test_gather_matches_flat(void **state)
{
    (void)state;
    size_t refs = 0;
    GATHER_CASE(trustm_cmd_set_data_put(&w, 0x40, 0xF1D0, 5, in, 1549, 0),
                trustm_cmd_set_data_encode(0x40, 0xF1D0, 5, in, 1549, 0, flat, sizeof flat, &fl));
    GATHER_CASE(trustm_cmd_set_data_put(&w, 0x00, 0xF1D0, 0, in, 3, 1),
                trustm_cmd_set_data_encode(0x00, 0xF1D0, 0, in, 3, 1, flat, sizeof flat, &fl));
    GATHER_CASE(trustm_cmd_derive_key_put(&w, 0x01, 0xE100, in, 13, in + 100, 64, in + 200, 40, 32, 0, 0),
                trustm_cmd_derive_key_encode(0x01, 0xE100, in, 13, in + 100, 64, in + 200, 40, 32, 0, 0, flat,
                                             sizeof flat, &fl));
    GATHER_CASE(trustm_cmd_derive_key_put(&w, 0x08, 0xE100, in, 4, in + 9, 3, in + 20, 2, 16, 0xE101, 0),
                trustm_cmd_derive_key_encode(0x08, 0xE100, in, 4, in + 9, 3, in + 20, 2, 16, 0xE101, 0, flat,
                                             sizeof flat, &fl));
    GATHER_CASE(
        trustm_cmd_verify_sign_put(&w, 0x01, in, 32, in + 40, 256, 0, 0x42, in + 400, 270, 0),
        trustm_cmd_verify_sign_encode(0x01, in, 32, in + 40, 256, 0, 0x42, in + 400, 270, 0, flat, sizeof flat, &fl));
    GATHER_CASE(trustm_cmd_hash_put(&w, 0x02, in, 700, 0, 0, 0, in + 900, 209, 1, 0),
                trustm_cmd_hash_encode(0x02, in, 700, 0, 0, 0, in + 900, 209, 1, 0, flat, sizeof flat, &fl));
    GATHER_CASE(trustm_cmd_sym_put(&w, 0, 0x09, 0xE200, 0x00, in, 608, in + 700, 16, 0),
                trustm_cmd_sym_encode(0, 0x09, 0xE200, 0x00, in, 608, in + 700, 16, 0, flat, sizeof flat, &fl));
    GATHER_CASE(trustm_cmd_hmac_verify_put(&w, 0x20, 0xF1D0, 0xE100, in, 100, in + 300, 32, 0),
                trustm_cmd_hmac_verify_encode(0x20, 0xF1D0, 0xE100, in, 100, in + 300, 32, 0, flat, sizeof flat, &fl));
    GATHER_CASE(trustm_cmd_random_put(&w, 0x04, 48, 0xE100, in, 18, 0),
                trustm_cmd_random_encode(0x04, 48, 0xE100, in, 18, 0, flat, sizeof flat, &fl));
    GATHER_CASE(trustm_cmd_encrypt_asym_put(&w, in, 200, 0, 0, 0x41, in + 300, 140, 0),
                trustm_cmd_encrypt_asym_encode(in, 200, 0, 0, 0x41, in + 300, 140, 0, flat, sizeof flat, &fl));
    GATHER_CASE(trustm_cmd_decrypt_asym_put(&w, in, 256, 0xE0FC, 0xE100, 0),
                trustm_cmd_decrypt_asym_encode(in, 256, 0xE0FC, 0xE100, 0, flat, sizeof flat, &fl));
    GATHER_CASE(trustm_cmd_calc_sign_put(&w, 0x01, in, 32, 0xE0FC, 0),
                trustm_cmd_calc_sign_encode(0x01, in, 32, 0xE0FC, 0, flat, sizeof flat, &fl));
    static const uint8_t handle[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    GATHER_CASE(trustm_cmd_open_application_put(&w, 1, handle, 0),
                trustm_cmd_open_application_encode(1, handle, 0, flat, sizeof flat, &fl));
    GATHER_CASE(trustm_cmd_get_data_put(&w, 0xE0E0, 7, 1553, 0),
                trustm_cmd_get_data_encode(0xE0E0, 7, 1553, 0, flat, sizeof flat, &fl));
    GATHER_CASE(trustm_cmd_last_error_put(&w), trustm_cmd_last_error_encode(flat, sizeof flat, &fl));
    assert_int_equal(refs, 19); /* every input longer than 4 bytes was referenced, not copied */
}

static void test_gather_writer_limits(void **state)
{
    (void)state;
    uint8_t inl[16];
    trustm_gather_t g;
    trustm_wbuf_t w;
    /* four large inputs: three referenced, the fourth copied inline (here it does not fit) */
    trustm_wbuf_init_gather(&w, &g, inl, sizeof inl);
    trustm_wbuf_u8(&w, 0x11);
    for (int i = 0; i < 3; i++)
        trustm_wbuf_ref(&w, in + 100 * i, 50);
    assert_int_equal(g.nref, 3);
    assert_true(trustm_wbuf_ok(&w));
    trustm_wbuf_ref(&w, in, 20);
    assert_false(trustm_wbuf_ok(&w));
    /* ... and an input of at most TRUSTM_GATHER_COPY_MAX bytes is copied */
    trustm_wbuf_init_gather(&w, &g, inl, sizeof inl);
    trustm_wbuf_ref(&w, in, TRUSTM_GATHER_COPY_MAX);
    assert_int_equal(g.nref, 0);
    assert_int_equal(g.inl_len, TRUSTM_GATHER_COPY_MAX);
    assert_memory_equal(inl, in, TRUSTM_GATHER_COPY_MAX);
    /* a builder whose own bytes do not fit the inline area: BUFFER_TOO_SMALL */
    uint8_t small[6];
    trustm_wbuf_init_gather(&w, &g, small, sizeof small);
    assert_int_equal(trustm_cmd_get_data_put(&w, 0xE0E0, 0, 10, 0),
                     TRUSTM_STATUS(TRUSTM_LAYER_CMD, TRUSTM_BASE_BUFFER_TOO_SMALL));
}

/* ---- the transport over a gather list and a sink (scripted bus, engines driven directly) ---- */

static trustm_stack_t stk;
static hb_link_t link;
static uint8_t a[2100], r[2100];
static size_t sunk; /* response bytes the sink received */
static uint8_t sink_buf[64];

static void sink_put(void *ctx, size_t pos, const uint8_t *p, size_t n)
{
    (void)ctx;
    if (pos + n <= sizeof sink_buf)
        memcpy(sink_buf + pos, p, n);
    sunk = pos + n;
}

/* SetDataObject of 40 bytes at frame 20: 8 own bytes, the data referenced; chained. */
static trustm_status_t tl_exchange(trustm_gather_t *g, uint8_t *inl, size_t *flat_len)
{
    trustm_stack_config_t cfg;
    trustm_wbuf_t w;
    memset(&cfg, 0, sizeof cfg);
    cfg.frame_size = 20;
    cfg.pl = &trustm_pl_none;
    assert_int_equal(trustm_stack_init(&stk, &cfg), TRUSTM_OK);
    trustm_dl_link_reset(&stk.dl, false);
    trustm_phy_set_now(&stk.phy, hb.now);
    trustm_wbuf_init_gather(&w, g, inl, 8);
    assert_int_equal(trustm_cmd_set_data_put(&w, 0, 0xF1D0, 0, in, 40, 0), TRUSTM_OK);
    assert_int_equal(g->nref, 1);
    assert_int_equal(trustm_cmd_set_data_encode(0, 0xF1D0, 0, in, 40, 0, a, sizeof a, flat_len), TRUSTM_OK);
    trustm_rsp_sink_t sink = {sink_put, NULL};
    sunk = 0;
    trustm_status_t s = trustm_tl_start_sink(&stk.tl, g, &sink, hb.now);
    while (s == TRUSTM_OK || s == TRUSTM_IN_PROGRESS) {
        trustm_io_t io;
        s = trustm_tl_next_io(&stk.tl, &io);
        if (s != TRUSTM_IN_PROGRESS)
            break;
        s = hb_perform(&io);
        trustm_phy_io_done(&stk.phy, s, hb.n, hb.now);
        s = TRUSTM_IN_PROGRESS;
    }
    return s;
}

/* chip data frame with an explicit packet, acknowledged by the host */
static void chip_packet(const uint8_t *pkt, size_t n)
{
    uint8_t frnr = (uint8_t)((link.host_rx + 1) & 3);
    hb_chip_frame(false, (uint8_t)(frnr << 2 | link.host_tx), pkt, n);
    link.host_rx = frnr;
    hb_host_ctrl((uint8_t)(0x80 | frnr));
}

static void test_tl_gather_sink_resend(void **state)
{
    (void)state;
    static const uint8_t err = 0x07, ok[4] = {0};
    uint8_t inl[8], first[15];
    trustm_gather_t g;
    size_t fl = 0;
    hb_reset();
    hb.now = 100;
    hb_link_init(&link, 20, false);
    /* the chip saw a broken chain before answering: the message is rendered and sent again */
    assert_int_equal(trustm_cmd_set_data_encode(0, 0xF1D0, 0, in, 40, 0, a, sizeof a, &fl), TRUSTM_OK);
    hb_host_message(&link, a, fl, false);
    chip_packet(&err, 1);
    hb_exchange(&link, a, fl, ok, 4, false);
    assert_int_equal(tl_exchange(&g, inl, &fl), TRUSTM_OK);
    assert_int_equal(sunk, 4);
    hb_assert_done();
    /* it asks again once response bytes went to the sink: refused */
    hb_reset();
    hb.now = 100;
    hb_link_init(&link, 20, false);
    hb_host_message(&link, a, fl, false);
    memset(first, 0x11, sizeof first);
    first[0] = 0x01; /* FIRST of a chained response */
    chip_packet(first, sizeof first);
    chip_packet(&err, 1);
    assert_int_equal(tl_exchange(&g, inl, &fl), TRUSTM_STATUS(TRUSTM_LAYER_TL, TRUSTM_BASE_PROTOCOL));
    assert_int_equal(sunk, sizeof first - 1);
    hb_assert_done();
}

/* ---- responses into the caller's outputs (scripted bus) ---- */

static trustm_device_t dev;
static trustm_pal_t pal;

static int setup(void **state)
{
    static const uint8_t open_apdu[] = {0xF0, 0x00, 0x00, 0x10, 0xD2, 0x76, 0x00, 0x00, 0x04, 0x47,
                                        0x65, 0x6E, 0x41, 0x75, 0x74, 0x68, 0x41, 0x70, 0x70, 0x6C};
    static const uint8_t ok[4] = {0};
    (void)state;
    trustm_config_t cfg;
    hb_reset();
    hb.now = 1;
    hb.has_pins = false;
    pal = hb_pal();
    memset(&cfg, 0, sizeof cfg);
    cfg.frame_size = 277;
    assert_int_equal(trustm_device_init(&dev, &pal, &cfg), TRUSTM_OK);
    hb_link_init(&link, 277, false);
    for (size_t i = 0; i < sizeof in; i++)
        in[i] = (uint8_t)(i * 7u + (i >> 8) + 1u);
    hb_soft_reset(277, 277);
    hb_exchange(&link, open_apdu, sizeof open_apdu, ok, 4, false);
    assert_int_equal(trustm_device_open(&dev), TRUSTM_OK);
    hb_assert_done();
    return 0;
}

static size_t tlv(uint8_t *dst, size_t k, uint8_t tag, const uint8_t *p, size_t n)
{
    dst[k++] = tag;
    dst[k++] = (uint8_t)(n >> 8);
    dst[k++] = (uint8_t)n;
    memcpy(dst + k, p, n);
    return k + n;
}

static size_t rsp_done(size_t n)
{
    r[0] = r[1] = 0;
    r[2] = (uint8_t)((n - 4) >> 8);
    r[3] = (uint8_t)(n - 4);
    return n;
}

/* GenKeyPair export answered 02 (public) before 01 (private): each lands in its own output. */
static void test_keygen_export_any_order(void **state)
{
    (void)state;
    static const uint8_t cmd[] = {0xB8, 0x41, 0x00, 0x03, 0x07, 0x00, 0x00};
    uint8_t mod[128], der[160], priv[140], pub[160];
    size_t dl = 0, vl = 0, pl = 0;
    memcpy(mod, in, sizeof mod);
    mod[0] |= 0x80u;
    static const uint8_t e[3] = {1, 0, 1};
    trustm_rsa_pubkey_t pk = {mod, sizeof mod, e, sizeof e};
    assert_int_equal(trustm_rsa_pubkey_encode(&pk, der, sizeof der, &dl), TRUSTM_OK);
    uint8_t dpriv[131] = {0x04, 0x81, 0x80};
    memcpy(dpriv + 3, in + 500, 128);
    size_t k = tlv(r, 4, 0x02, der, dl);
    k = rsp_done(tlv(r, k, 0x01, dpriv, sizeof dpriv));
    hb_exchange(&link, cmd, sizeof cmd, r, k, true);
    assert_int_equal(trustm_rsa_keygen_export(&dev, TRUSTM_RSA1024, priv, sizeof priv, &vl, pub, sizeof pub, &pl),
                     TRUSTM_OK);
    assert_int_equal(vl, sizeof dpriv);
    assert_memory_equal(priv, dpriv, sizeof dpriv);
    assert_int_equal(pl, dl);
    assert_memory_equal(pub, der, dl);
    /* the private key twice: refused, and neither output touched */
    memset(priv, 0x5A, sizeof priv);
    memset(pub, 0x5A, sizeof pub);
    k = tlv(r, 4, 0x01, dpriv, sizeof dpriv);
    k = tlv(r, k, 0x02, der, dl);
    k = rsp_done(tlv(r, k, 0x01, dpriv, sizeof dpriv));
    hb_exchange(&link, cmd, sizeof cmd, r, k, true);
    assert_int_equal(trustm_rsa_keygen_export(&dev, TRUSTM_RSA1024, priv, sizeof priv, &vl, pub, sizeof pub, &pl),
                     BAD_RSP);
    for (size_t i = 0; i < sizeof priv; i++)
        assert_int_equal(priv[i], (i < vl ? 0x00 : 0x5A)); /* written, then wiped */
    for (size_t i = 0; i < sizeof pub; i++)
        assert_int_equal(pub[i], (i < pl ? 0x00 : 0x5A));
    /* a public key longer than its output: not written at all */
    memset(pub, 0x5A, sizeof pub);
    k = tlv(r, 4, 0x01, dpriv, sizeof dpriv);
    k = rsp_done(tlv(r, k, 0x02, in, 161));
    hb_exchange(&link, cmd, sizeof cmd, r, k, true);
    assert_int_equal(trustm_rsa_keygen_export(&dev, TRUSTM_RSA1024, priv, sizeof priv, &vl, pub, sizeof pub, &pl),
                     TRUSTM_STATUS(TRUSTM_LAYER_API, TRUSTM_BASE_BUFFER_TOO_SMALL));
    for (size_t i = 0; i < sizeof pub; i++)
        assert_int_equal(pub[i], 0x5A);
    hb_assert_done();
}

/* AES-ECB in place (in == out) over three commands: each command carries the plaintext that its
 * predecessor's answer did not overwrite, each answer lands where its input was. */
static void test_sym_in_place(void **state)
{
    (void)state;
    static uint8_t buf[1280], plain[1280], ct[1280];
    static const uint8_t seqs[3] = {0x00, 0x02, 0x03};
    static const size_t lens[3] = {624, 624, 32};
    size_t off = 0, n = 0;
    memcpy(plain, in, sizeof plain);
    memcpy(buf, plain, sizeof buf);
    for (size_t i = 0; i < sizeof ct; i++)
        ct[i] = (uint8_t)(plain[i] ^ 0xC3u);
    for (int i = 0; i < 3; i++) {
        size_t an = 0;
        assert_int_equal(trustm_cmd_sym_encode(0, TRUSTM_SYM_ECB, 0xE200, seqs[i], plain + off, lens[i], NULL, 0, 0, a,
                                               sizeof a, &an),
                         TRUSTM_OK);
        hb_exchange(&link, a, an, r, rsp_done(tlv(r, 4, 0x61, ct + off, lens[i])), true);
        off += lens[i];
    }
    assert_int_equal(trustm_sym_encrypt(&dev, 0xE200, TRUSTM_SYM_ECB, NULL, 0, buf, sizeof buf, buf, sizeof buf, &n),
                     TRUSTM_OK);
    assert_int_equal(n, sizeof buf);
    assert_memory_equal(buf, ct, sizeof buf);
    hb_assert_done();
}

/* A digest of the wrong length is not written: the caller's buffer stays as it was. */
static void test_wrong_length_untouched(void **state)
{
    (void)state;
    uint8_t dg[32];
    size_t an = 0;
    assert_int_equal(trustm_cmd_hash_encode(0x01, in, 100, 0, 0, 0, NULL, 0, 0, 0, a, sizeof a, &an), TRUSTM_OK);
    hb_exchange(&link, a, an, r, rsp_done(tlv(r, 4, 0x01, in, 31)), true);
    memset(dg, 0x77, sizeof dg);
    assert_int_equal(trustm_sha256(&dev, in, 100, dg), BAD_RSP);
    for (size_t i = 0; i < sizeof dg; i++)
        assert_int_equal(dg[i], 0x77);
    hb_assert_done();
}

/* A context export cut short after it began to overwrite the context: the context is wiped and
 * marked not started (len 0), never left as a length over zeros. */
static void test_hash_context_overwritten(void **state)
{
    (void)state;
    trustm_hash_ctx_t ctx;
    size_t an = 0;
    ctx.len = 100;
    memcpy(ctx.data, in + 1000, sizeof ctx.data);
    assert_int_equal(trustm_cmd_hash_encode(0x02, in, 50, 0, 0, 0, ctx.data, 100, 1, 0, a, sizeof a, &an), TRUSTM_OK);
    size_t k = rsp_done(tlv(r, 4, 0x06, in, 209));
    r[3] = (uint8_t)(r[3] + 1u); /* OutLen one more than what follows */
    hb_exchange(&link, a, an, r, k, true);
    assert_int_equal(trustm_sha256_update(&dev, &ctx, in, 50), BAD_RSP);
    assert_int_equal(ctx.len, 0);
    for (size_t i = 0; i < sizeof ctx.data; i++)
        assert_int_equal(ctx.data[i], 0);
    hb_assert_done();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gather_matches_flat),
        cmocka_unit_test(test_gather_writer_limits),
        cmocka_unit_test(test_tl_gather_sink_resend),
        cmocka_unit_test_setup(test_keygen_export_any_order, setup),
        cmocka_unit_test_setup(test_sym_in_place, setup),
        cmocka_unit_test_setup(test_wrong_length_untouched, setup),
        cmocka_unit_test_setup(test_hash_context_overwritten, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
