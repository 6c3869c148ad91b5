/* unit_metadata: metadata container and access-condition codec, text format and parse
 * (objects.md §3, §4). Vectors are the byte examples of objects.md §3.3 and §4.3. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "trustm/trustm.h"
#include "trustm_testutil.h"

#define BAD_RSP   TRUSTM_STATUS(TRUSTM_LAYER_CMD, TRUSTM_BASE_BAD_RESPONSE)
#define BAD_PARAM TRUSTM_STATUS(TRUSTM_LAYER_API, TRUSTM_BASE_BAD_PARAM)
#define TOO_SMALL TRUSTM_STATUS(TRUSTM_LAYER_API, TRUSTM_BASE_BUFFER_TOO_SMALL)

static size_t hex(const char *h, uint8_t *out, size_t size)
{
    long k = tv_hex_parse(h, out, size);
    assert_true(k >= 0);
    return (size_t)k;
}

/* AC bytes <-> text, both directions. */
static void ac_case(const char *bytes, const char *text)
{
    uint8_t b[64], back[64];
    char t[200];
    size_t bl = hex(bytes, b, sizeof b), tl = 0, rl = 0;
    assert_int_equal(trustm_ac_format(b, bl, t, sizeof t, &tl), TRUSTM_OK);
    assert_string_equal(t, text);
    assert_int_equal(tl, strlen(text));
    assert_int_equal(trustm_ac_parse(text, back, sizeof back, &rl), TRUSTM_OK);
    assert_int_equal(rl, bl);
    assert_memory_equal(back, b, bl);
}

static void test_ac_examples(void **state)
{
    (void)state;
    ac_case("00", "ALW");
    ac_case("FF", "NEV");
    ac_case("E1 FC 07", "LcsO < op");
    ac_case("E1 FC 07 FE 20 E1 40", "LcsO < op || Conf(E140)");
    ac_case("E1 FC 07 FE 20 E1 40 FD 23 F1 D0", "LcsO < op || Conf(E140) && Auto(F1D0)");
    ac_case("20 E1 40 FD 23 F1 D0", "Conf(E140) && Auto(F1D0)");
    ac_case("40 E1 20", "Luc(E120)");
    ac_case("21 E1 40", "Int(E140)");
    ac_case("70 FC 07", "LcsG < op");
    ac_case("E0 FB 03", "LcsA > in");
    ac_case("90 20", "SecStaA(20)");
    ac_case("10 20", "SecStaG(20)");
    ac_case("E1 FA 05", "LcsO == 0x05");
    ac_case("21 E0 E3 FD 20 F1 D1", "Int(E0E3) && Conf(F1D1)");
    /* parse is lenient on spacing and 0x prefixes */
    uint8_t b[64];
    size_t n;
    assert_int_equal(trustm_ac_parse("  LcsO<op||Conf(0xE140) ", b, sizeof b, &n), TRUSTM_OK);
    assert_int_equal(n, 7);
    assert_int_equal(b[3], 0xFE);
}

static void test_ac_invalid(void **state)
{
    (void)state;
    uint8_t b[64];
    char t[64];
    size_t n;
    trustm_ac_expr_t e;
    static const char *bad_bytes[] = {
        "",                     /* empty */
        "00 FD 20 E1 40",       /* ALW in a complex expression */
        "E1 FC",                /* truncated */
        "E1 F0 07",             /* bad operator */
        "20 E1 40 FD",          /* dangling combinator */
        "20 E1 40 FC 21 E1 40", /* operator byte where a combinator is due */
        "33 00 00",             /* unknown identifier */
        "21 E1 40 FD 21 E1 40 FD 21 E1 40 FD 21 E1 40 FD 21 E1 40 FD 21 E1 40 FD 21 E1 40 FD 21 E1 40", /* 8 in a token */
        "21 E1 40 FE 21 E1 40 FE 21 E1 40 FE 21 E1 40",                                                 /* 4 tokens */
    };
    for (size_t i = 0; i < sizeof bad_bytes / sizeof bad_bytes[0]; i++) {
        size_t bl = hex(bad_bytes[i], b, sizeof b);
        assert_int_equal(trustm_ac_decode(b, bl, &e), BAD_RSP);
        assert_int_equal(trustm_ac_format(b, bl, t, sizeof t, &n), BAD_RSP);
    }
    static const char *bad_text[] = {"",
                                     "ALW && NEV",
                                     "LcsO <= op",
                                     "Conf(E14)",
                                     "Conf(E1400)",
                                     "Conf E140",
                                     "LcsO < op ||",
                                     "Foo(E140)",
                                     "LcsO < zz",
                                     "SecStaA(123)",
                                     "Int(E140) &&& Int(E140)"};
    for (size_t i = 0; i < sizeof bad_text / sizeof bad_text[0]; i++)
        assert_int_equal(trustm_ac_parse(bad_text[i], b, sizeof b, &n), BAD_PARAM);
    /* output too small */
    assert_int_equal(trustm_ac_parse("LcsO < op || Conf(E140)", b, 6, &n), TOO_SMALL);
    hex("E1 FC 07 FE 20 E1 40", b, sizeof b);
    assert_int_equal(trustm_ac_format(b, 7, t, 10, &n), TOO_SMALL);
}

/* Twenty-one conditions followed by one more operator (a 42..64-byte AC from the chip
 * or a bus attacker), and 22 conditions in text.  The decoder once wrote join[21] (one past the
 * array, into the struct's tail padding): the test checks the bytes after join[] stay as the
 * decoder's memset left them, and UBSan (make test-asan) traps the index itself. */
static void test_ac_overlong(void **state)
{
    (void)state;
    uint8_t b[64];
    char t[400];
    size_t n;
    trustm_ac_expr_t e;
    for (size_t len = 42; len <= 64; len += 22) {
        for (size_t i = 0; i < len; i++)
            b[i] = (i % 2u) ? 0xFD : 0x00; /* ALW && ALW && ... && */
        memset(&e, 0x5A, sizeof e);
        assert_int_equal(trustm_ac_decode(b, len, &e), BAD_RSP);
        const uint8_t *raw = (const uint8_t *)&e;
        for (size_t k = offsetof(trustm_ac_expr_t, join) + TRUSTM_AC_MAX_COND; k < sizeof e; k++)
            assert_int_equal(raw[k], 0);
        assert_int_equal(trustm_ac_format(b, len, t, sizeof t, &n), BAD_RSP);
    }
    /* the mode byte 00 followed by 0x42 zero bytes, the fuzzer's minimal input */
    memset(b, 0, sizeof b);
    assert_int_equal(trustm_ac_decode(b, 64, &e), BAD_RSP);
    /* 22 conditions in text */
    strcpy(t, "LcsO<op");
    for (int i = 1; i < 22; i++)
        strcat(t, " && LcsO<op");
    assert_int_equal(trustm_ac_parse(t, b, sizeof b, &n), BAD_PARAM);
    strcpy(t, "SecStaG(01)"); /* 21 conditions in 3 tokens still fit: 21 x 2 + 20 = 62 bytes */
    for (int i = 1; i < 21; i++)
        strcat(t, (i % 7) ? " && SecStaG(01)" : " || SecStaG(01)");
    assert_int_equal(trustm_ac_parse(t, b, sizeof b, &n), TRUSTM_OK);
    assert_int_equal(n, 21 * 2 + 20);
}

static void test_metadata_decode(void **state)
{
    (void)state;
    uint8_t b[64];
    trustm_metadata_t md;
    size_t bl = hex("20 11 C0 01 03 C4 01 8C C5 01 0A D1 01 00 D0 03 E1 FC 07", b, sizeof b);
    assert_int_equal(trustm_metadata_decode(b, bl, &md), TRUSTM_OK);
    assert_int_equal(md.present, TRUSTM_MD_HAS_LCSO | TRUSTM_MD_HAS_MAX_SIZE | TRUSTM_MD_HAS_USED_SIZE |
                                     TRUSTM_MD_HAS_READ | TRUSTM_MD_HAS_CHANGE);
    assert_int_equal(md.lcso, 3);
    assert_int_equal(md.max_size, 140);
    assert_int_equal(md.used_size, 10);
    assert_int_equal(md.read.len, 1);
    assert_int_equal(md.change.len, 3);
    bl = hex("20 13 C0 01 03 C4 02 06 C0 C5 02 03 40 D1 01 00 D0 03 E1 FC 07", b, sizeof b);
    assert_int_equal(trustm_metadata_decode(b, bl, &md), TRUSTM_OK);
    assert_int_equal(md.max_size, 1728);
    assert_int_equal(md.used_size, 832);
    bl = hex("20 0C D8 07 21 E0 E3 FD 20 F1 D1 F0 01 01", b, sizeof b);
    assert_int_equal(trustm_metadata_decode(b, bl, &md), TRUSTM_OK);
    assert_int_equal(md.reset_type, 1);
    assert_int_equal(md.meta_update.len, 7);
    /* the shipped E0C2 metadata of commands.md §5.3 */
    bl = hex("20 09 C4 01 1B D0 01 FF D1 01 00", b, sizeof b);
    assert_int_equal(trustm_metadata_decode(b, bl, &md), TRUSTM_OK);
    assert_int_equal(md.max_size, 27);

    static const char *bad[] = {
        "21 00",                   /* not a container */
        "20 05 C0 01 03",          /* LL larger than the data */
        "20 02 C0 01 03",          /* LL smaller than the data */
        "20 03 C0 02 03",          /* tag length runs past the end */
        "20 06 C0 01 03 C0 01 07", /* duplicated tag */
        "20 03 C2 01 00",          /* unknown tag */
        "20 04 C1 01 00 00",       /* version not 2 bytes */
        "20 05 C4 03 00 00 01",    /* max size 3 bytes */
        "20 04 E0 02 41 42",       /* algorithm 2 bytes */
        "20 02 D0 00",             /* empty AC */
        "20 04 D0 02 E1 FC",       /* truncated AC */
        "20 05 D0 03 33 00 00",    /* bad AC identifier */
        "20",                      /* header cut */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        bl = hex(bad[i], b, sizeof b);
        assert_int_equal(trustm_metadata_decode(b, bl, &md), BAD_RSP);
    }
}

/* Every objects.md §3.3 example: decode -> encode gives the same set of tags, format -> parse
 * gives the canonical encoding, and the canonical encoding formats the same. */
static void test_metadata_roundtrip(void **state)
{
    (void)state;
    static const char *ex[] = {
        "20 11 C0 01 03 C4 01 8C C5 01 0A D1 01 00 D0 03 E1 FC 07",
        "20 13 C0 01 03 C4 02 06 C0 C5 02 03 40 D1 01 00 D0 03 E1 FC 07",
        "20 05 D1 03 E1 FB 03",
        "20 06 D0 01 00 D3 01 00",
        "20 06 E8 01 21 D3 01 00",
        "20 06 D3 01 00 E8 01 31",
        "20 05 D1 03 23 F1 D1",
        "20 06 D3 01 00 E8 01 11",
        "20 06 D3 01 00 E8 01 23",
        "20 05 D0 03 21 E0 E3",
        "20 09 D0 07 21 E0 E3 FD 20 F1 D1",
        "20 0C D8 07 21 E0 E3 FD 20 F1 D1 F0 01 01",
        "20 17 C0 01 01 D0 07 E1 FC 07 FE 20 E1 40 D1 03 E1 FC 07 D3 01 00 E8 01 22",
        "20 11 C1 02 80 03 E0 01 42 E1 01 53 C4 02 01 00 C5 01 00",
    };
    for (size_t i = 0; i < sizeof ex / sizeof ex[0]; i++) {
        uint8_t b[64], enc[64], enc2[64];
        char t[512], t2[512];
        size_t bl = hex(ex[i], b, sizeof b), el, e2l, tl, t2l;
        trustm_metadata_t md, md2;
        assert_int_equal(trustm_metadata_decode(b, bl, &md), TRUSTM_OK);
        assert_int_equal(trustm_metadata_encode(&md, enc, sizeof enc, &el), TRUSTM_OK);
        assert_int_equal(el, bl); /* same size: same tags, reordered canonically */
        assert_int_equal(trustm_metadata_decode(enc, el, &md2), TRUSTM_OK);
        assert_memory_equal(&md, &md2, sizeof md);
        assert_int_equal(trustm_metadata_format(b, bl, t, sizeof t, &tl), TRUSTM_OK);
        assert_int_equal(trustm_metadata_parse(t, enc2, sizeof enc2, &e2l), TRUSTM_OK);
        assert_int_equal(e2l, el);
        assert_memory_equal(enc2, enc, el);
        assert_int_equal(trustm_metadata_format(enc2, e2l, t2, sizeof t2, &t2l), TRUSTM_OK);
        assert_string_equal(t, t2);
    }
}

static void test_metadata_text(void **state)
{
    (void)state;
    uint8_t b[64], out[64];
    char t[512];
    size_t bl, n, tl;
    bl = hex("20 17 C0 01 01 D0 07 E1 FC 07 FE 20 E1 40 D1 03 E1 FC 07 D3 01 00 E8 01 22", b, sizeof b);
    assert_int_equal(trustm_metadata_format(b, bl, t, sizeof t, &tl), TRUSTM_OK);
    assert_string_equal(t, "lcso: cr\nchange: LcsO < op || Conf(E140)\nread: LcsO < op\nexecute: ALW\ntype: PTFBIND\n");
    bl = hex("20 11 C1 02 80 03 E0 01 42 E1 01 53 C4 02 01 00 C5 01 00", b, sizeof b);
    assert_int_equal(trustm_metadata_format(b, bl, t, sizeof t, &tl), TRUSTM_OK);
    assert_string_equal(
        t, "version: 0x8003\nmax_size: 256\nused_size: 0\nalgorithm: RSA2048\nkey_usage: Auth|Enc|Sign|0x40\n");
    /* ';' separated, any order, names or numbers */
    assert_int_equal(
        trustm_metadata_parse("read: ALW; change: LcsO < op ;type: 0x21;key_usage: Enc|Sign", out, sizeof out, &n),
        TRUSTM_OK);
    bl = hex("20 0E D0 03 E1 FC 07 D1 01 00 E1 01 12 E8 01 21", b, sizeof b);
    assert_int_equal(n, bl);
    assert_memory_equal(out, b, bl);
    assert_int_equal(trustm_metadata_parse("", out, sizeof out, &n), TRUSTM_OK); /* empty container */
    assert_int_equal(n, 2);
    assert_int_equal(out[1], 0);
    static const char *bad[] = {"lcso: xx",
                                "nosuch: 1",
                                "read ALW",
                                "read: ALW\nread: NEV",
                                "max_size: 70000",
                                "change: LcsO < op garbage",
                                "type: PRESSEC extra",
                                "key_usage: Enc|"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(trustm_metadata_parse(bad[i], out, sizeof out, &n), BAD_PARAM);
    assert_int_equal(trustm_metadata_parse("read: ALW; change: NEV", out, 5, &n), TOO_SMALL);
    bl = hex("20 05 D0 03 21 E0 E3", b, sizeof b);
    assert_int_equal(trustm_metadata_format(b, bl, t, 10, &tl), TOO_SMALL);
    assert_int_equal(t[9], '\0'); /* truncated output stays terminated */
}

static void test_metadata_builder(void **state)
{
    (void)state;
    trustm_metadata_t md;
    uint8_t out[64], want[64];
    size_t n;
    trustm_metadata_init(&md);
    md.present = TRUSTM_MD_HAS_TYPE | TRUSTM_MD_HAS_LCSO;
    md.type = TRUSTM_TYPE_AUTOREF;
    md.lcso = TRUSTM_LCS_OPERATIONAL;
    assert_int_equal(trustm_metadata_set_ac(&md, TRUSTM_MD_EXECUTE, "ALW"), TRUSTM_OK);
    assert_int_equal(trustm_metadata_set_ac(&md, TRUSTM_MD_READ, "Auto(F1D1)"), TRUSTM_OK);
    assert_int_equal(trustm_metadata_encode(&md, out, sizeof out, &n), TRUSTM_OK);
    size_t wl = hex("20 0E C0 01 07 D1 03 23 F1 D1 D3 01 00 E8 01 31", want, sizeof want);
    assert_int_equal(n, wl);
    assert_memory_equal(out, want, wl);
    assert_int_equal(trustm_metadata_set_ac(&md, TRUSTM_MD_LCSO, "ALW"), BAD_PARAM);
    assert_int_equal(trustm_metadata_set_ac(&md, TRUSTM_MD_CHANGE, "ALW ||"), BAD_PARAM);
    md.present |= 0x1000u;
    assert_int_equal(trustm_metadata_encode(&md, out, sizeof out, &n), BAD_PARAM);
    md.present &= ~0x1000u;
    md.change.len = 2; /* invalid AC bytes in the struct */
    md.change.bytes[0] = 0xE1;
    md.present |= TRUSTM_MD_HAS_CHANGE;
    assert_int_equal(trustm_metadata_encode(&md, out, sizeof out, &n), BAD_PARAM);
    md.present &= ~TRUSTM_MD_HAS_CHANGE;
    assert_int_equal(trustm_metadata_encode(&md, out, 10, &n), TOO_SMALL);
    assert_string_equal(trustm_lcs_name(0x07), "op");
    assert_null(trustm_lcs_name(0x05));
    assert_string_equal(trustm_data_type_name(0x31), "AUTOREF");
    assert_string_equal(trustm_algorithm_name(0x83), "AES256");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ac_examples),        cmocka_unit_test(test_ac_invalid),
        cmocka_unit_test(test_ac_overlong),        cmocka_unit_test(test_metadata_decode),
        cmocka_unit_test(test_metadata_roundtrip), cmocka_unit_test(test_metadata_text),
        cmocka_unit_test(test_metadata_builder),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
