/*
 * scripted_transcripts - the host stack, given a scripted port that returns the
 * logged reads, performs exactly the logged writes.
 *
 *   datasheet   [DS] Appendix B session 2 (OpenApplication + GetDataObject E0C2) after the soft
 *               reset start-up of vectors section C; the host uses the plain command codes of
 *               the log (trustm_config_t.plain_cmd_codes) and no presentation bit. The XX/YY
 *               bytes are filled with the UID below and ZZ ZZ with the FCS computed over it.
 *   section B   vendor-style cold start with the presentation bit (PCTR 08, SCTR 20, Cmd F0);
 *               the pins are taken from the "[gpio]" action lines.
 *   section C   soft-reset start-up (as the preamble of the others).
 *   section D1  the chip NAKs frame 0: the host sends it again unchanged. The vector's first
 *               write carries a deliberately corrupted FCS ("[bad-fcs]") to explain the NAK; our
 *               host only writes correct frames, so that step is expected with the correct FCS.
 *   section D2  a host without a reset (TRUSTM_RESET_NONE) starts with the re-sync frame C0.
 *   section E   a 300-byte APDU chained at frame size 277 (packets of 272 and 30 bytes).
 *   section F   Shielded Connection: cold start, handshake, protected GetRandom, hibernate with
 *               context save, power cycle, context restore and OpenApplication restore, the
 *               restored session, an integrity alert and the resend under the next MSEQ (the
 *               corrupted tag of F7 is injected through the crypto ops table).
 * The tests skip with a message when the shared/ folder is absent.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "hostbus.h"
#include "trustm/trustm.h"
#include "trustm/trustm_shield.h"
#include "trustm_shield_mbedtls.h"
#include "trustm_crc16.h"
#include "trustm_testutil.h"

#define DS_LOG  "spec/vectors/ifx_i2c_datasheet_log.txt"
#define DERIVED "spec/vectors/ifx_i2c_derived_vectors.txt"

/* Our UID for the XX / YY bytes: CD (from the log) + 24 unique-ID bytes + build 2440 (BCD). */
static const uint8_t uid[27] = {0xCD, 0x16, 0x33, 0x82, 0x01, 0x00, 0x1C, 0x00, 0x05, 0x00, 0x00, 0x0A, 0x09, 0x1B,
                                0x5C, 0x00, 0x07, 0x00, 0x72, 0x00, 0x40, 0x80, 0x10, 0x12, 0x34, 0x24, 0x40};

static trustm_device_t dev;
static trustm_pal_t pal;

/* Append tv steps [from, to) as hostbus steps, filling the wildcards. */
static void add_steps(const tv_file_t *f, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++) {
        const tv_step_t *s = &f->steps[i];
        uint8_t b[TV_MAX_BYTES];
        size_t x = 1, y = 25;
        if (s->kind != 'W' && s->kind != 'R')
            continue;
        memcpy(b, s->bytes, s->len);
        for (size_t k = 0; k < s->len; k++) {
            if (s->wild[k] == 'X')
                b[k] = uid[x++];
            else if (s->wild[k] == 'Y')
                b[k] = uid[y++];
        }
        if (s->len >= 2 && s->wild[s->len - 1] == 'Z') {
            uint16_t crc = trustm_crc16(b, s->len - 2);
            b[s->len - 2] = (uint8_t)(crc >> 8);
            b[s->len - 1] = (uint8_t)crc;
        }
        if (s->bad_fcs) { /* the host writes the frame with its correct FCS */
            uint16_t crc = trustm_crc16(b + 1, s->len - 3);
            b[s->len - 2] = (uint8_t)(crc >> 8);
            b[s->len - 1] = (uint8_t)crc;
        }
        if (s->kind == 'W')
            hb_w(b, s->len);
        else
            hb_r(b, s->len);
    }
}

/* "[gpio] VDD low, RST low" -> pin steps in the order written. */
static void add_gpio(const tv_file_t *f, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++) {
        const char *t = f->steps[i].step;
        if (f->steps[i].kind != 'A' || strstr(t, "[gpio]") == NULL || strstr(t, "power off") != NULL)
            continue;
        const char *vdd = strstr(t, "VDD "), *rst = strstr(t, "RST ");
        if (vdd != NULL)
            hb_p(TRUSTM_IO_PIN_VDD, strncmp(vdd + 4, "high", 4) == 0);
        if (rst != NULL)
            hb_p(TRUSTM_IO_PIN_RST, strncmp(rst + 4, "high", 4) == 0);
    }
}

static size_t find_step(const tv_file_t *f, const char *text)
{
    for (size_t i = 0; i < f->count; i++)
        if (strstr(f->steps[i].step, text) != NULL)
            return i;
    fail_msg("step \"%s\" not found in the vector file", text);
    return 0;
}

static void load(const char *rel, const char *section, tv_file_t *f)
{
    char path[1024];
    assert_true(tv_shared_path(rel, path, sizeof path));
    assert_int_equal(tv_load(path, section, f), 0);
}

static void init_dev(bool pins, uint8_t reset, bool presence, bool plain)
{
    trustm_config_t cfg;
    hb_reset();
    hb.now = 1;
    hb.has_pins = pins;
    pal = hb_pal();
    memset(&cfg, 0, sizeof cfg);
    cfg.reset = reset;
    cfg.presentation_bit = presence;
    cfg.plain_cmd_codes = plain;
    assert_int_equal(trustm_device_init(&dev, &pal, &cfg), TRUSTM_OK);
}

/* Soft-reset start-up of vectors section C as the preamble. */
static void preamble_soft(void)
{
    tv_file_t c;
    load(DERIVED, "SECTION C", &c);
    add_steps(&c, 0, c.count);
    tv_free(&c);
}

static void test_datasheet_session2(void **state)
{
    (void)state;
    char path[1024];
    tv_file_t s2;
    size_t n = 0;
    uint8_t out[100];
    TV_REQUIRE_SHARED(DS_LOG, path);
    TV_REQUIRE_SHARED(DERIVED, path);
    init_dev(false, TRUSTM_RESET_SOFT, false, true);
    preamble_soft();
    load(DS_LOG, "SESSION 2", &s2);
    add_steps(&s2, 0, s2.count);
    tv_free(&s2);
    assert_int_equal(trustm_device_open(&dev), TRUSTM_OK);
    assert_int_equal(trustm_data_read(&dev, 0xE0C2, 0, out, sizeof out, &n), TRUSTM_OK);
    hb_assert_done();
    assert_int_equal(n, 27);
    assert_memory_equal(out, uid, 27);
    assert_true(hb.min_gap >= 50); /* GUARD_TIME between all transactions */
}

/* Session 1 (Table 23) is the I2C_STATE read the soft reset starts with. */
static void test_datasheet_session1(void **state)
{
    (void)state;
    char path[1024];
    tv_file_t s1, c;
    TV_REQUIRE_SHARED(DS_LOG, path);
    TV_REQUIRE_SHARED(DERIVED, path);
    load(DS_LOG, "SESSION 1", &s1);
    load(DERIVED, "SECTION C", &c);
    assert_int_equal(s1.count, 2);
    size_t first = find_step(&c, "select I2C_STATE to check");
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(s1.steps[i].len, c.steps[first + i].len);
        assert_memory_equal(s1.steps[i].bytes, c.steps[first + i].bytes, s1.steps[i].len);
    }
    tv_free(&s1);
    tv_free(&c);
    init_dev(false, TRUSTM_RESET_SOFT, false, true);
    preamble_soft();
    assert_int_equal(trustm_device_reset(&dev), TRUSTM_OK);
    hb_assert_done();
}

static void test_section_b(void **state)
{
    (void)state;
    char path[1024];
    tv_file_t b;
    TV_REQUIRE_SHARED(DERIVED, path);
    init_dev(true, TRUSTM_RESET_AUTO, true, false);
    load(DERIVED, "SECTION B", &b);
    add_gpio(&b, 0, b.count);
    add_steps(&b, 0, b.count);
    tv_free(&b);
    assert_int_equal(hb.steps[0].kind, 'P');
    assert_int_equal(trustm_device_open(&dev), TRUSTM_OK);
    hb_assert_done();
    assert_true(hb.steps[4].at - hb.steps[3].at >= 12000); /* start-up wait after RST high */
}

static void test_section_d1_nak(void **state)
{
    (void)state;
    char path[1024];
    tv_file_t d;
    TV_REQUIRE_SHARED(DERIVED, path);
    init_dev(false, TRUSTM_RESET_SOFT, false, true);
    preamble_soft();
    load(DERIVED, "SECTION D", &d);
    size_t split = find_step(&d, "host re-sync control frame");
    add_steps(&d, 0, split);
    tv_free(&d);
    assert_int_equal(trustm_device_open(&dev), TRUSTM_OK);
    hb_assert_done();
    assert_int_equal(trustm_device_stats(&dev)->naks_received, 1);
    assert_int_equal(trustm_device_stats(&dev)->retransmits, 1);
}

static void test_section_d2_resync(void **state)
{
    (void)state;
    char path[1024];
    tv_file_t c, d;
    TV_REQUIRE_SHARED(DERIVED, path);
    init_dev(false, TRUSTM_RESET_NONE, false, true);
    load(DERIVED, "SECTION C", &c);
    add_steps(&c, find_step(&c, "select MAX_SCL_FREQU"), c.count); /* negotiation only */
    tv_free(&c);
    load(DERIVED, "SECTION D", &d);
    add_steps(&d, find_step(&d, "host re-sync control frame"), d.count);
    tv_free(&d);
    assert_int_equal(trustm_device_open(&dev), TRUSTM_OK);
    hb_assert_done();
    assert_int_equal(trustm_device_stats(&dev)->resyncs, 1);
}

static void test_section_e_chaining(void **state)
{
    (void)state;
    char path[1024];
    tv_file_t e;
    uint8_t apdu[300], rsp[16];
    size_t n = 0;
    TV_REQUIRE_SHARED(DERIVED, path);
    static const uint8_t head[8] = {0x82, 0x00, 0x01, 0x28, 0xF1, 0xE0, 0x00, 0x00};
    memcpy(apdu, head, 8);
    for (size_t i = 0; i < 292; i++)
        apdu[8 + i] = (uint8_t)i;
    init_dev(false, TRUSTM_RESET_SOFT, false, false);
    preamble_soft();
    load(DERIVED, "SECTION E", &e);
    add_steps(&e, 0, e.count);
    tv_free(&e);
    assert_int_equal(trustm_device_reset(&dev), TRUSTM_OK);
    assert_int_equal(trustm_device_transceive(&dev, apdu, sizeof apdu, rsp, sizeof rsp, &n), TRUSTM_OK);
    hb_assert_done();
    assert_int_equal(n, 4);
    assert_memory_equal(rsp, "\x00\x00\x00\x00", 4);
}

/* ---- section F ---- */

static uint8_t f_bad_tag[8];
static bool f_tamper;

static int f_encrypt(void *user, const uint8_t key[16], const uint8_t nonce[8], const uint8_t *aad, size_t aad_len,
                     const uint8_t *in, size_t len, uint8_t *out)
{
    (void)user;
    int r = trustm_shield_crypto_mbedtls()->ccm8_encrypt(NULL, key, nonce, aad, aad_len, in, len, out);
    if (r == 0 && f_tamper) {
        f_tamper = false;
        memcpy(out + len, f_bad_tag, 8); /* the vector's corrupted tag */
    }
    return r;
}

static void test_section_f_shielded(void **state)
{
    (void)state;
    char path[1024];
    tv_file_t f;
    TV_REQUIRE_SHARED(DERIVED, path);
    static trustm_shield_t sh;
    static trustm_shield_crypto_t ops;
    trustm_shield_config_t sc;
    ops = *trustm_shield_crypto_mbedtls();
    ops.ccm8_encrypt = f_encrypt;
    memset(&sc, 0, sizeof sc);
    sc.crypto = &ops;
    sc.read_secret = tv_pbs_default; /* the vendor sample secret of the vector */
    sc.default_level = TRUSTM_PROTECT_FULL;
    assert_int_equal(trustm_shield_init(&sh, &sc), TRUSTM_OK);

    trustm_config_t cfg;
    hb_reset();
    hb.now = 1;
    hb.has_pins = true;
    pal = hb_pal();
    memset(&cfg, 0, sizeof cfg);
    cfg.shield = &sh;
    assert_int_equal(trustm_device_init(&dev, &pal, &cfg), TRUSTM_OK);

    load(DERIVED, "SECTION F", &f);
    size_t tampered = find_step(&f, "tag corrupted on purpose");
    assert_true(f.steps[tampered].len >= 2 + 8 + 2);
    memcpy(f_bad_tag, f.steps[tampered].bytes + f.steps[tampered].len - 10, 8);
    for (size_t i = 0; i < f.count; i++) { /* pins and bus steps in the order written */
        add_gpio(&f, i, i + 1);
        add_steps(&f, i, i + 1);
    }
    tv_free(&f);

    static const uint8_t get_random[] = {0x8C, 0x00, 0x00, 0x02, 0x00, 0x08};
    static const uint8_t random_rsp[] = {0x00, 0x00, 0x00, 0x08, 0x3C, 0x5A, 0x96, 0xA5, 0x0F, 0xF0, 0xC3, 0x69};
    uint8_t rsp[64], handle[TRUSTM_CONTEXT_HANDLE_SIZE];
    size_t n = 0;
    assert_int_equal(trustm_device_open(&dev), TRUSTM_OK); /* F0: SCTR 20 */
    assert_int_equal(trustm_device_transceive(&dev, get_random, sizeof get_random, rsp, sizeof rsp, &n),
                     TRUSTM_OK); /* F1-F3 */
    assert_int_equal(n, sizeof random_rsp);
    assert_memory_equal(rsp, random_rsp, n);
    assert_int_equal(trustm_device_hibernate(&dev, handle), TRUSTM_OK);    /* F4 */
    assert_int_equal(trustm_device_open_restore(&dev, handle), TRUSTM_OK); /* F5 */
    assert_true(trustm_shield_has_session(&sh));
    assert_int_equal(trustm_device_transceive(&dev, get_random, sizeof get_random, rsp, sizeof rsp, &n),
                     TRUSTM_OK); /* F6 */
    f_tamper = true;
    assert_int_equal(trustm_device_transceive(&dev, get_random, sizeof get_random, rsp, sizeof rsp, &n),
                     TRUSTM_OK); /* F7 */
    hb_assert_done();
    trustm_shield_wipe(&sh);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_datasheet_session1), cmocka_unit_test(test_datasheet_session2),
        cmocka_unit_test(test_section_b),          cmocka_unit_test(test_section_d1_nak),
        cmocka_unit_test(test_section_d2_resync),  cmocka_unit_test(test_section_e_chaining),
        cmocka_unit_test(test_section_f_shielded),
    };
    return cmocka_run_group_tests_name("scripted_transcripts", tests, NULL, NULL);
}
