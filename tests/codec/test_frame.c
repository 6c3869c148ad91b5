/* Frame and FCTR codec: Table 8-1 for every FCTR value, and every frame in the spec vectors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "trustm_frame.h"
#include "trustm_testutil.h"

static void test_fctr_table_8_1(void **state)
{
    (void)state;
    for (unsigned v = 0; v < 256; v++) {
        bool expect =
            v <= 0x0F || (v >= 0x20 && v <= 0x2F) || (v >= 0x80 && v <= 0x83) || (v >= 0xA0 && v <= 0xA3) || v == 0xC0;
        assert_int_equal(trustm_dl_fctr_is_valid((uint8_t)v), expect);
        trustm_dl_fctr_t f;
        trustm_dl_fctr_decode((uint8_t)v, &f);
        assert_int_equal(trustm_dl_fctr_encode(&f), v); /* decode/encode is lossless */
    }
    trustm_dl_fctr_t f;
    trustm_dl_fctr_decode(0x21, &f); /* data frame 0, NAK for frame 1 */
    assert_int_equal(f.ftype, TRUSTM_DL_FTYPE_DATA);
    assert_int_equal(f.seqctr, TRUSTM_DL_SEQCTR_NAK);
    assert_int_equal(f.frnr, 0);
    assert_int_equal(f.acknr, 1);
    trustm_dl_fctr_decode(0x07, &f); /* data frame 1, ACK 3 */
    assert_int_equal(f.frnr, 1);
    assert_int_equal(f.acknr, 3);
    trustm_dl_fctr_decode(0xC0, &f);
    assert_int_equal(f.ftype, TRUSTM_DL_FTYPE_CONTROL);
    assert_int_equal(f.seqctr, TRUSTM_DL_SEQCTR_RESYNC);
    assert_int_equal(trustm_dl_fctr_data(1, 0), 0x04);
    assert_int_equal(trustm_dl_fctr_ack(2), 0x82);
    assert_int_equal(trustm_dl_fctr_nak(3), 0xA3);
}

/* Control frame catalogue, ifx-i2c.md §2.2 (bytes written here by hand). */
static void test_control_catalogue(void **state)
{
    (void)state;
    static const uint8_t cat[9][5] = {
        {0x80, 0, 0, 0x0C, 0xEC}, {0x81, 0, 0, 0x56, 0x30}, {0x82, 0, 0, 0xB9, 0x54},
        {0x83, 0, 0, 0xE3, 0x88}, {0xA0, 0, 0, 0x0F, 0xD7}, {0xA1, 0, 0, 0x55, 0x0B},
        {0xA2, 0, 0, 0xBA, 0x6F}, {0xA3, 0, 0, 0xE0, 0xB3}, {0xC0, 0, 0, 0x0A, 0x9A},
    };
    for (size_t i = 0; i < 9; i++) {
        uint8_t out[5 + 2] = {0};
        out[5] = 0x5A; /* canary */
        assert_int_equal(trustm_dl_frame_encode(cat[i][0], NULL, 0, out, 5), 5);
        assert_memory_equal(out, cat[i], 5);
        assert_int_equal(out[5], 0x5A);
        trustm_dl_frame_t f;
        assert_int_equal(trustm_dl_frame_decode(cat[i], 5, &f), TRUSTM_DL_FRAME_OK);
        assert_int_equal(f.len, 0);
    }
}

static void test_encode_bounds(void **state)
{
    (void)state;
    uint8_t pkt[10] = {0};
    uint8_t out[16];
    memset(out, 0xEE, sizeof out);
    assert_int_equal(trustm_dl_frame_encode(0x03, pkt, 10, out, 14), 0); /* needs 15 */
    for (size_t i = 0; i < sizeof out; i++)
        assert_int_equal(out[i], 0xEE); /* nothing written on failure */
    assert_int_equal(trustm_dl_frame_encode(0x03, pkt, 10, out, 15), 15);
}

static void test_decode_errors(void **state)
{
    (void)state;
    trustm_dl_frame_t f;
    const uint8_t ack0[] = {0x80, 0x00, 0x00, 0x0C, 0xEC};
    assert_int_equal(trustm_dl_frame_decode(ack0, 4, &f), TRUSTM_DL_FRAME_SHORT);
    assert_int_equal(trustm_dl_frame_decode(NULL, 0, &f), TRUSTM_DL_FRAME_SHORT);
    const uint8_t badlen[] = {0x80, 0x00, 0x01, 0x0C, 0xEC}; /* LEN 1 but no packet byte */
    assert_int_equal(trustm_dl_frame_decode(badlen, 5, &f), TRUSTM_DL_FRAME_LEN);
    const uint8_t hugelen[] = {0x00, 0xFF, 0xFF, 0x00, 0x00, 0x00};
    assert_int_equal(trustm_dl_frame_decode(hugelen, sizeof hugelen, &f), TRUSTM_DL_FRAME_LEN);
    uint8_t bad[5];
    memcpy(bad, ack0, 5);
    for (int bit = 0; bit < 40; bit++) { /* every single-bit error is detected */
        memcpy(bad, ack0, 5);
        bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        assert_int_not_equal(trustm_dl_frame_decode(bad, 5, &f), TRUSTM_DL_FRAME_OK);
    }
    /* FCS low byte first (the order [SPEC] §3.3 states) must be rejected. */
    const uint8_t swapped[] = {0x80, 0x00, 0x00, 0xEC, 0x0C};
    assert_int_equal(trustm_dl_frame_decode(swapped, 5, &f), TRUSTM_DL_FRAME_FCS);
}

/* Every complete frame in a transcript decodes (FCS ok unless marked [bad-fcs]) and
 * re-encodes to the same bytes. Returns the number of frames checked. */
static size_t check_transcript_frames(const char *path, const char *section)
{
    tv_file_t tf;
    assert_int_equal(tv_load(path, section, &tf), 0);
    size_t checked = 0;
    bool data_selected = false;
    for (size_t i = 0; i < tf.count; i++) {
        const tv_step_t *s = &tf.steps[i];
        const uint8_t *frame = NULL;
        size_t len = 0;
        bool wild = false;
        for (size_t k = 0; k < s->len; k++)
            wild |= s->wild[k] != 0;
        if (s->kind == 'F') {
            frame = s->bytes;
            len = s->len;
        } else if (s->kind == 'W' && s->len > 1 && s->bytes[0] == 0x80) {
            frame = s->bytes + 1;
            len = s->len - 1;
        } else if (s->kind == 'R' && data_selected) {
            frame = s->bytes;
            len = s->len;
        }
        if (s->kind == 'W')
            data_selected = (s->len == 1 && s->bytes[0] == 0x80);
        if (frame == NULL || wild)
            continue;
        trustm_dl_frame_t f;
        trustm_dl_frame_result_t r = trustm_dl_frame_decode(frame, len, &f);
        if (s->bad_fcs) {
            assert_int_equal(r, TRUSTM_DL_FRAME_FCS);
            continue;
        }
        if (r != TRUSTM_DL_FRAME_OK)
            fail_msg("line %d: frame %s does not decode (%d)", s->line, tv_hex_str(frame, len), r);
        assert_true(trustm_dl_fctr_is_valid(f.fctr));
        uint8_t re[TV_MAX_BYTES];
        assert_int_equal(trustm_dl_frame_encode(f.fctr, f.packet, f.len, re, sizeof re), len);
        assert_memory_equal(re, frame, len);
        checked++;
    }
    tv_free(&tf);
    return checked;
}

static void test_datasheet_log_frames(void **state)
{
    (void)state;
    char path[1024];
    TV_REQUIRE_SHARED("spec/vectors/ifx_i2c_datasheet_log.txt", path);
    /* 24.1, 24.3b, 24.5b, 24.6, 25.1, 25.4 (25.3b has wildcards) */
    assert_int_equal(check_transcript_frames(path, NULL), 6);
}

static void test_derived_vector_frames(void **state)
{
    (void)state;
    char path[1024];
    TV_REQUIRE_SHARED("spec/vectors/ifx_i2c_derived_vectors.txt", path);
    assert_int_equal(check_transcript_frames(path, "SECTION A"), 9);
    assert_true(check_transcript_frames(path, "SECTION B") >= 4);
    assert_true(check_transcript_frames(path, "SECTION D") >= 8);
    assert_true(check_transcript_frames(path, "SECTION E") >= 6);
    assert_true(check_transcript_frames(path, "SECTION F") >= 6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fctr_table_8_1),       cmocka_unit_test(test_control_catalogue),
        cmocka_unit_test(test_encode_bounds),        cmocka_unit_test(test_decode_errors),
        cmocka_unit_test(test_datasheet_log_frames), cmocka_unit_test(test_derived_vector_frames),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
