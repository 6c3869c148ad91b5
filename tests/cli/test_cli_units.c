/*
 * test_cli_units.c - the tool's small modules in-process: device spec parser, hex and file
 * helpers, object/command names, and the trace decoder's state tracking.
 */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli.h"
#include "cli_devspec.h"
#include "cli_hex.h"
#include "cli_objects.h"
#include "cli_rsakey.h"
#include "cli_util.h"
#include "trace_decode.h"
#include "trustm/trustm_crypt.h"
#include "trustm/trustm_metadata.h"
#include "trustm_crc16.h"

static void test_devspec_ok(void **state)
{
    cli_devspec_t d;
    char err[256];
    (void)state;
    assert_int_equal(cli_devspec_parse("sim:/tmp/chip.state", &d, err, sizeof(err)), 0);
    assert_int_equal(d.kind, CLI_DEV_SIM);
    assert_string_equal(d.path, "/tmp/chip.state");
    assert_int_equal(cli_devspec_parse("socket:/run/trustm.sock", &d, err, sizeof(err)), 0);
    assert_int_equal(d.kind, CLI_DEV_SOCKET);
    assert_string_equal(d.path, "/run/trustm.sock");
    assert_int_equal(cli_devspec_parse("i2c:/dev/i2c-1", &d, err, sizeof(err)), 0);
    assert_int_equal(d.kind, CLI_DEV_I2C);
    assert_string_equal(d.path, "/dev/i2c-1");
    assert_int_equal(d.addr, 0x30);
    assert_int_equal(d.rst_line, -1);
    assert_int_equal(d.vdd_line, -1);
    assert_string_equal(d.gpio_chip, "");
    assert_int_equal(cli_devspec_parse("i2c:/dev/i2c-3@0x31", &d, err, sizeof(err)), 0);
    assert_string_equal(d.path, "/dev/i2c-3");
    assert_int_equal(d.addr, 0x31);
    assert_int_equal(cli_devspec_parse("i2c:/dev/i2c-1@48,gpio=gpiochip0,rst=17,vdd=27", &d, err, sizeof(err)), 0);
    assert_int_equal(d.addr, 48);
    assert_string_equal(d.gpio_chip, "gpiochip0");
    assert_int_equal(d.rst_line, 17);
    assert_int_equal(d.vdd_line, 27);
    assert_int_equal(cli_devspec_parse("i2c:/dev/i2c-1,gpio=0,rst=4", &d, err, sizeof(err)), 0);
    assert_int_equal(d.addr, 0x30);
    assert_int_equal(d.rst_line, 4);
    assert_int_equal(d.vdd_line, -1);
}

static void test_devspec_errors(void **state)
{
    cli_devspec_t d;
    char err[256];
    (void)state;
    static const struct {
        const char *spec;
        const char *msg;
    } bad[] = {
        {NULL, "no device given"},
        {"", "no device given"},
        {"sim:", "missing state file"},
        {"socket:", "missing socket path"},
        {"i2c:", "missing i2c device node"},
        {"i2c:@0x30", "missing i2c device node"},
        {"tcp:1.2.3.4", "unknown kind"},
        {"sim", "unknown kind"},
        {"i2c:/dev/i2c-1@", "bad I2C address"},
        {"i2c:/dev/i2c-1@0x78", "not a 7-bit address"},
        {"i2c:/dev/i2c-1@0x07", "not a 7-bit address"},
        {"i2c:/dev/i2c-1@zz", "not a 7-bit address"},
        {"i2c:/dev/i2c-1,rst=4", "need gpio=CHIP"},
        {"i2c:/dev/i2c-1,gpio=0,rst=x", "line offset"},
        {"i2c:/dev/i2c-1,gpio=0,rst=-1", "line offset"},
        {"i2c:/dev/i2c-1,speed=400", "unknown option"},
        {"i2c:/dev/i2c-1,", "empty or too long"},
        {"i2c:/dev/i2c-1,gpio", "not key=value"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        int r = cli_devspec_parse(bad[i].spec, &d, err, sizeof(err));
        if (r != -1 || strstr(err, bad[i].msg) == NULL) {
            print_error("spec '%s': r=%d err='%s' (want '%s')\n", bad[i].spec ? bad[i].spec : "(null)", r, err,
                        bad[i].msg);
        }
        assert_int_equal(r, -1);
        assert_non_null(strstr(err, bad[i].msg));
    }
    char longp[400];
    memset(longp, 'a', sizeof(longp));
    memcpy(longp, "sim:", 4);
    longp[sizeof(longp) - 1] = '\0';
    assert_int_equal(cli_devspec_parse(longp, &d, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "longer than"));
    memcpy(longp, "socket:", 7);
    longp[150] = '\0';
    assert_int_equal(cli_devspec_parse(longp, &d, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "longer than 107"));
}

static void test_hex(void **state)
{
    uint8_t b[8];
    size_t n = 0;
    char err[128];
    char txt[32];
    (void)state;
    assert_int_equal(cli_hex_parse("E0 c2:00-01", b, sizeof(b), &n, err, sizeof(err)), 0);
    assert_int_equal(n, 4);
    assert_int_equal(b[0], 0xE0);
    assert_int_equal(b[1], 0xC2);
    assert_int_equal(b[3], 0x01);
    assert_int_equal(cli_hex_parse("0x1234 0xAB", b, sizeof(b), &n, err, sizeof(err)), 0);
    assert_int_equal(n, 3);
    assert_int_equal(b[2], 0xAB);
    assert_int_equal(cli_hex_parse("", b, sizeof(b), &n, err, sizeof(err)), 0);
    assert_int_equal(n, 0);
    assert_int_equal(cli_hex_parse("123", b, sizeof(b), &n, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "odd"));
    assert_int_equal(cli_hex_parse("1 23", b, sizeof(b), &n, err, sizeof(err)), -1);
    assert_int_equal(cli_hex_parse("12g4", b, sizeof(b), &n, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "'g' at position 2"));
    assert_int_equal(cli_hex_parse("000102030405060708", b, sizeof(b), &n, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "longer than 8"));
    const uint8_t v[5] = {0x00, 0x1F, 0xA0, 0xFF, 0x7E};
    cli_hex_format(v, 5, ' ', txt, sizeof(txt));
    assert_string_equal(txt, "00 1F A0 FF 7E");
    cli_hex_format(v, 5, 0, txt, sizeof(txt));
    assert_string_equal(txt, "001FA0FF7E");
    cli_hex_format(v, 5, ' ', txt, 12);
    assert_string_equal(txt, "00 1F A0...");
    cli_hex_format(v, 5, ' ', txt, 11);
    assert_string_equal(txt, "00 1F...");
    cli_hex_format(v, 5, ' ', txt, 3);
    assert_string_equal(txt, "");
    unsigned long u;
    assert_int_equal(cli_parse_uint("0x30", 0, 0x7F, &u), 0);
    assert_int_equal(u, 0x30);
    assert_int_equal(cli_parse_uint("277", 16, 277, &u), 0);
    assert_int_equal(cli_parse_uint("278", 16, 277, &u), -1);
    assert_int_equal(cli_parse_uint("-1", 0, 5, &u), -1);
    assert_int_equal(cli_parse_uint("5x", 0, 9, &u), -1);
    assert_int_equal(cli_parse_uint("", 0, 9, &u), -1);
}

static void test_files(void **state)
{
    char dir[] = "/tmp/trustm-cli-units-XXXXXX";
    char path[128];
    uint8_t data[300], back[300];
    size_t n = 0;
    char err[256];
    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/blob.bin", dir);
    for (size_t i = 0; i < sizeof(data); i++) {
        data[i] = (uint8_t)(i * 7u);
    }
    assert_int_equal(cli_file_write(path, data, sizeof(data), err, sizeof(err)), 0);
    assert_int_equal(cli_file_read(path, back, sizeof(back), &n, err, sizeof(err)), 0);
    assert_int_equal(n, sizeof(data));
    assert_memory_equal(back, data, sizeof(data));
    /* larger than the buffer: refused with a message */
    assert_int_equal(cli_file_read(path, back, 299, &n, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "larger than 299 bytes"));
    /* exactly the buffer size is fine */
    assert_int_equal(cli_file_read(path, back, 300, &n, err, sizeof(err)), 0);
    unlink(path);
    assert_int_equal(cli_file_read(path, back, sizeof(back), &n, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "No such file"));
    snprintf(path, sizeof(path), "%s/no/such/dir/x", dir);
    assert_int_equal(cli_file_write(path, data, 1, err, sizeof(err)), -1);
    rmdir(dir);
}

static void test_objects(void **state)
{
    char s[128];
    const uint8_t lcs = 0x07, bad_lcs = 0x05, buf[2] = {0x06, 0x15}, e = 0x07, sec = 0x20;
    (void)state;
    assert_string_equal(cli_oid_name(0xE0C2), "Coprocessor UID");
    assert_string_equal(cli_oid_name(0xF1D5), "Arbitrary Data (type 3)");
    assert_null(cli_oid_name(0x1234));
    assert_string_equal(cli_cmd_name(0x81), "GetDataObject");
    assert_string_equal(cli_cmd_name(0x70), "OpenApplication");
    assert_null(cli_cmd_name(0x7F));
    assert_true(cli_object_describe(0xE0C0, &lcs, 1, s, sizeof(s)));
    assert_string_equal(s, "07 = op (operational)");
    assert_true(cli_object_describe(0xE0C0, &bad_lcs, 1, s, sizeof(s)));
    assert_string_equal(s, "05 = not a defined life cycle state");
    assert_true(cli_object_describe(0xE0C6, buf, 2, s, sizeof(s)));
    assert_string_equal(s, "1557 bytes");
    assert_false(cli_object_describe(0xE0C6, buf, 1, s, sizeof(s)));
    assert_true(cli_object_describe(0xF1C2, &e, 1, s, sizeof(s)));
    assert_non_null(strstr(s, "07 ("));
    assert_true(cli_object_describe(0xE0C1, &sec, 1, s, sizeof(s)));
    assert_string_equal(s, "20 (boot flag set)");
    assert_false(cli_object_describe(0xF1D0, &e, 1, s, sizeof(s)));
}

/* Decode lines into a memory buffer and return it. */
static char *decode(trace_dec_t *d, const char *const *lines, size_t n)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    trace_dec_init(d, f);
    for (size_t i = 0; i < n; i++) {
        (void)trace_dec_line(d, lines[i], (unsigned long)i + 1u);
    }
    fclose(f);
    return buf;
}

static void test_trace_state(void **state)
{
    static trace_dec_t d;
    (void)state;
    /* a read is interpreted by the register selected last, even after other events */
    const char *const l1[] = {"W 81", "@5 NACK R", "R 00 40"};
    char *o = decode(&d, l1, 3);
    assert_non_null(strstr(o, "DATA_REG_LEN (0x81) = 00 40: max frame 64 bytes"));
    assert_int_equal(d.frame_size, 64);
    assert_int_equal(d.st.nacks, 1);
    free(o);
    /* power cycle forgets the selected register and the frame size */
    const char *const l2[] = {"W 81", "R 00 40", "POWER OFF", "R 08 80 00 00"};
    o = decode(&d, l2, 4);
    assert_non_null(strstr(o, "no register selected"));
    assert_int_equal(d.frame_size, 277);
    free(o);
    /* the same data frame number twice from the host is a retransmission, and a RESYNC
     * forgets frame numbers */
    const char *const l3[] = {"W 80 80 00 00 0C EC", "W 80 03 00 02 00 00 A8 74", "W 80 03 00 02 00 00 A8 74",
                              "W 80 C0 00 00 0A 9A", "W 80 03 00 02 00 00 A8 74"};
    o = decode(&d, l3, 5);
    assert_int_equal(d.st.retransmissions, 1);
    assert_int_equal(d.st.frames, 5);
    free(o);
    /* contiguous hex and lower case are accepted */
    const char *const l4[] = {"w 82", "W 82", "R 088000 00"};
    o = decode(&d, l4, 3);
    assert_int_equal(d.st.parse_errors, 1); /* lower-case event keyword is not */
    assert_non_null(strstr(o, "I2C_STATE = 08 80 00 00"));
    free(o);
}

/* "W 80 <frame>" with FCTR fctr and a packet of PCTR pctr followed by n filler bytes. */
static char *frame_line(uint8_t fctr, uint8_t pctr, size_t n)
{
    uint8_t f[300];
    size_t len = n + 1u;
    char *line = malloc(8 + 3 * sizeof(f));
    f[0] = fctr;
    f[1] = (uint8_t)(len >> 8);
    f[2] = (uint8_t)len;
    f[3] = pctr;
    for (size_t i = 0; i < n; i++) {
        f[4 + i] = (uint8_t)i;
    }
    uint16_t c = trustm_crc16(f, 3 + len);
    f[3 + len] = (uint8_t)(c >> 8);
    f[4 + len] = (uint8_t)c;
    strcpy(line, "W 80");
    for (size_t i = 0; i < len + 5u; i++) {
        sprintf(line + strlen(line), " %02X", f[i]);
    }
    return line;
}

static void test_trace_chain_limits(void **state)
{
    static trace_dec_t d;
    char *lines[12];
    (void)state;
    /* first + 8 intermediate packets of 271 bytes exceed the 2048-byte reassembly limit:
     * reported once, chain dropped, the following "last" has no open chain */
    lines[0] = frame_line(0x03, 0x01, 271);
    for (int i = 1; i <= 8; i++) {
        lines[i] = frame_line((uint8_t)(((i & 3) << 2) | 3), 0x02, 271);
    }
    lines[9] = frame_line(0x27 & 0x0F, 0x04, 10);
    char *o = decode(&d, (const char *const *)lines, 10);
    assert_non_null(strstr(o, "reassembled message longer than 2048 bytes; chain dropped"));
    assert_non_null(strstr(o, "but no chain is open"));
    assert_int_equal(d.st.commands, 0);
    assert_int_equal(d.st.retransmissions, 0);
    free(o);
    for (int i = 0; i < 10; i++) {
        free(lines[i]);
    }
    /* at frame size 20 a first packet of 15 bytes is right, 14 is a transport error */
    const char *const sel[] = {"W 81", "R 00 14"};
    lines[0] = (char *)sel[0];
    lines[1] = (char *)sel[1];
    lines[2] = frame_line(0x03, 0x01, 14);
    lines[3] = frame_line(0x07, 0x04, 3);
    o = decode(&d, (const char *const *)lines, 4);
    assert_null(strstr(o, "not the maximum packet size"));
    assert_non_null(strstr(o, "17 so far"));
    assert_int_equal(d.st.commands, 1);
    free(o);
    free(lines[2]);
    free(lines[3]);
    lines[2] = frame_line(0x03, 0x01, 13);
    lines[3] = frame_line(0x07, 0x04, 3);
    o = decode(&d, (const char *const *)lines, 4);
    assert_non_null(strstr(o, "first of chain, chan 0, 13 bytes (not the maximum packet size"));
    free(o);
    free(lines[2]);
    free(lines[3]);
}

static void test_exit_codes(void **state)
{
    (void)state;
    assert_int_equal(cli_exit_code(TRUSTM_OK), CLI_EXIT_OK);
    assert_int_equal(cli_exit_code(TRUSTM_DEVICE_ERR(0x07)), CLI_EXIT_CHIP);
    assert_int_equal(cli_exit_code(TRUSTM_DEVICE_ERR(0x00)), CLI_EXIT_CHIP);
    assert_int_equal(cli_exit_code(TRUSTM_PAL_IO), CLI_EXIT_DEVICE);
    assert_int_equal(cli_exit_code(TRUSTM_STATUS(TRUSTM_LAYER_DL, TRUSTM_BASE_DESYNC)), CLI_EXIT_DEVICE);
    assert_int_equal(cli_exit_code(TRUSTM_STATUS(TRUSTM_LAYER_API, TRUSTM_BASE_BAD_PARAM)), CLI_EXIT_USAGE);
    assert_int_equal(cli_exit_code(TRUSTM_STATUS(TRUSTM_LAYER_API, TRUSTM_BASE_TIMEOUT)), CLI_EXIT_DEVICE);
    assert_int_equal(cli_report_status("test", TRUSTM_DEVICE_ERR(0x08)), CLI_EXIT_CHIP);
    assert_int_equal(cli_report_status("test", TRUSTM_STATUS(TRUSTM_LAYER_PHY, TRUSTM_BASE_TIMEOUT)), CLI_EXIT_DEVICE);
}

static void test_util_parsers(void **state)
{
    uint16_t oid = 0;
    uint8_t u = 0;
    (void)state;
    assert_int_equal(cli_parse_oid("E0FC", &oid), 0);
    assert_int_equal(oid, 0xE0FC);
    assert_int_equal(cli_parse_oid("0xf1d0", &oid), 0);
    assert_int_equal(oid, 0xF1D0);
    assert_int_equal(cli_parse_oid("F1D", &oid), -1);
    assert_int_equal(cli_parse_oid("F1D00", &oid), -1);
    assert_int_equal(cli_parse_oid("G1D0", &oid), -1);
    assert_int_equal(cli_parse_oid("0x", &oid), -1);
    assert_int_equal(cli_parse_oid("", &oid), -1);
    assert_int_equal(cli_parse_key_usage("sign", &u), 0);
    assert_int_equal(u, TRUSTM_KEY_USAGE_SIGN);
    assert_int_equal(cli_parse_key_usage("Sign|Enc", &u), 0);
    assert_int_equal(u, TRUSTM_KEY_USAGE_SIGN | TRUSTM_KEY_USAGE_ENC);
    assert_int_equal(cli_parse_key_usage("auth,keyagree", &u), 0);
    assert_int_equal(u, TRUSTM_KEY_USAGE_AUTH | TRUSTM_KEY_USAGE_KEY_AGREE);
    assert_int_equal(cli_parse_key_usage("0x12", &u), 0);
    assert_int_equal(u, 0x12);
    assert_int_equal(cli_parse_key_usage("sign,", &u), -1);
    assert_int_equal(cli_parse_key_usage("fly", &u), -1);
    assert_int_equal(cli_parse_key_usage("", &u), -1);
    assert_int_equal(cli_parse_sha("sha256"), 0);
    assert_int_equal(cli_parse_sha("SHA-384"), 1);
    assert_int_equal(cli_parse_sha("sha512"), 2);
    assert_int_equal(cli_parse_sha("md5"), -1);
}

static void test_util_io(void **state)
{
    char path[64];
    uint8_t buf[16];
    size_t n = 0;
    cli_io_t io;
    FILE *f;
    (void)state;
    snprintf(path, sizeof(path), "/tmp/trustm-cli-units-%ld.hex", (long)getpid());
    /* hex output is one lower-case line; hex input accepts separators and line breaks */
    assert_int_equal(cli_file_store(path, true, "t", (const uint8_t *)"\x01\xAB\xff", 3), CLI_EXIT_OK);
    {
        char text[32] = "";
        f = fopen(path, "r");
        assert_non_null(f);
        assert_non_null(fgets(text, sizeof(text), f));
        fclose(f);
        assert_string_equal(text, "01abff\n");
    }
    assert_int_equal(cli_file_load(path, true, "t", buf, sizeof(buf), &n), CLI_EXIT_OK);
    assert_int_equal(n, 3);
    assert_memory_equal(buf, "\x01\xAB\xff", 3);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("0A:0b 0c\n0D-0e\n", f);
    fclose(f);
    assert_int_equal(cli_file_load(path, true, "t", buf, sizeof(buf), &n), CLI_EXIT_OK);
    assert_int_equal(n, 5);
    assert_memory_equal(buf, "\x0a\x0b\x0c\x0d\x0e", 5);
    /* too long for the buffer, odd digits: file errors */
    assert_int_equal(cli_file_load(path, true, "t", buf, 4, &n), CLI_EXIT_FILE);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("abc", f);
    fclose(f);
    assert_int_equal(cli_file_load(path, true, "t", buf, sizeof(buf), &n), CLI_EXIT_FILE);
    /* --data wins only alone */
    memset(&io, 0, sizeof(io));
    io.data = "00 11";
    assert_int_equal(cli_input_read(&io, "t", buf, sizeof(buf), &n), CLI_EXIT_OK);
    assert_int_equal(n, 2);
    io.in = path;
    assert_int_equal(cli_input_read(&io, "t", buf, sizeof(buf), &n), CLI_EXIT_USAGE);
    io.data = "0g";
    io.in = NULL;
    assert_int_equal(cli_input_read(&io, "t", buf, sizeof(buf), &n), CLI_EXIT_USAGE);
    unlink(path);
}

/* A chip-form public key written as PEM and DER reads back to the same bytes. */
static void test_rsakey_roundtrip(void **state)
{
    uint8_t mod[128], exp[3] = {0x01, 0x00, 0x01};
    uint8_t chip[TRUSTM_RSA_PUBKEY_MAX], back[TRUSTM_RSA_PUBKEY_MAX];
    size_t len = 0, blen = 0;
    uint8_t alg = 0;
    trustm_rsa_pubkey_t pk;
    char pem[64], der[64];
    (void)state;
    /* an odd 1024-bit modulus (not a real key: only the encoding is tested) */
    for (size_t i = 0; i < sizeof(mod); i++) {
        mod[i] = (uint8_t)(0xC3u ^ (i * 29u));
    }
    mod[0] |= 0x80u;
    mod[127] |= 1u;
    pk.modulus = mod;
    pk.modulus_len = sizeof(mod);
    pk.exponent = exp;
    pk.exponent_len = sizeof(exp);
    assert_int_equal(trustm_rsa_pubkey_encode(&pk, chip, sizeof(chip), &len), TRUSTM_OK);
    snprintf(pem, sizeof(pem), "/tmp/trustm-cli-units-%ld.pem", (long)getpid());
    snprintf(der, sizeof(der), "/tmp/trustm-cli-units-%ld.der", (long)getpid());
    assert_int_equal(cli_rsa_pub_save("t", chip, len, false, pem), CLI_EXIT_OK);
    assert_int_equal(cli_rsa_pub_save("t", chip, len, true, der), CLI_EXIT_OK);
    assert_int_equal(cli_rsa_pub_load("t", pem, back, sizeof(back), &blen, &alg), CLI_EXIT_OK);
    assert_int_equal(alg, TRUSTM_RSA1024);
    assert_int_equal(blen, len);
    assert_memory_equal(back, chip, len);
    blen = 0;
    assert_int_equal(cli_rsa_pub_load("t", der, back, sizeof(back), &blen, &alg), CLI_EXIT_OK);
    assert_int_equal(blen, len);
    assert_memory_equal(back, chip, len);
    /* not a key */
    assert_int_equal(cli_file_store(der, false, "t", (const uint8_t *)"junk", 4), CLI_EXIT_OK);
    assert_int_equal(cli_rsa_pub_load("t", der, back, sizeof(back), &blen, &alg), CLI_EXIT_FILE);
    unlink(pem);
    unlink(der);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_devspec_ok),
        cmocka_unit_test(test_devspec_errors),
        cmocka_unit_test(test_hex),
        cmocka_unit_test(test_files),
        cmocka_unit_test(test_objects),
        cmocka_unit_test(test_trace_state),
        cmocka_unit_test(test_trace_chain_limits),
        cmocka_unit_test(test_exit_codes),
        cmocka_unit_test(test_util_parsers),
        cmocka_unit_test(test_util_io),
        cmocka_unit_test(test_rsakey_roundtrip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
