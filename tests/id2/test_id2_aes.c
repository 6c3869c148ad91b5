/*
 * ID2 client, AES mode, against the in-process simulator: the worked examples of id2.md §10.1-10.5,
 * every argument/limit error of §5 in the order of the checks, chip traffic per call (§6),
 * missing ID, chip errors passed up, the banner and log lines (§8), cleanup and power-down (§3.2).
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "id2_fixture.h"

#define EX_ID     "00112233445566778899AABB"
#define EX_RANDOM "ABABABABABABABAB"
#define EX_CHAL   "55B83408399FA660F05C82E4F25333DC"
#define EX_TS     "1593072000000"
#define EX_EXTRA  "a1B2c3D4e5F"
#define EX_TYPE0                                                                                                       \
    "0~2~ABABABABABABABAB~55B83408399FA660F05C82E4F25333DC~"                                                           \
    "kFNcIOvYr7dVTGUCrnierlSHczCfoQUZlWZ1umFRqimVT2Ty5Ohunu6C0gIWaEiZ"
#define EX_TYPE2                                                                                                       \
    "2~2~ABABABABABABABAB~55B83408399FA660F05C82E4F25333DC~/+WkHmSPter0YRBRAyxFSRMED//"                                \
    "w617I6dJUJpGvIKOVT2Ty5Ohunu6C0gIWaEiZ"
#define EX_TYPE1 "1~2~ABABABABABABABAB~1593072000000~3S34ERxkxFCAktvYHIKUngwjgalW4nPJ6c5ZYunMrcuVT2Ty5Ohunu6C0gIWaEiZ"
#define EX_TYPE3 "3~2~ABABABABABABABAB~1593072000000~l/gks7Ru3IpRwR/AUnLT24P8ygPUodVgHrnD+NUnV9mVT2Ty5Ohunu6C0gIWaEiZ"
#define EX_SRV10 "10~2~ABABABABABABABAB~YmkREbfVQQEloYoCT87wIRtfR2S2kzxXzmgZ0H3RAKSVT2Ty5Ohunu6C0gIWaEiZ"
#define EX_SRV11 "11~2~ABABABABABABABAB~pNxNtVMMzp721VIS0Q/dXE6bb4Wl+rJqPzUMHtq2iqiVT2Ty5Ohunu6C0gIWaEiZ"
#define EX_DEC_IN                                                                                                      \
    "53784a3c6c1948fc352f39d3c29f947391c802f23d04c0cc1e164410fd6bfe97"                                                 \
    "8dd898c9a37fbbe46afa7c2dce9fb514954f64f2e4e86e9eee82d20216684899"
#define EX_DEC_OUT "0303000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d"
#define EX_SECRET  "2375FA4E0523E254CBB0065223772CE4ED9CCD5B5631C861F27226D506295C64"

#define IROT(expect, expr) assert_int_equal((int)(expr), (int)(expect))

static int setup_aes(void **state)
{
    fx_t *f = fx_create(1, 1, NULL, ID2_CRYPTO_TYPE_AES, 1);
    *state = f;
    return f != NULL ? 0 : -1;
}

static int teardown(void **state)
{
    fx_destroy(*state);
    return 0;
}

/* One auth code; asserts the expected string, its length and the chip commands it cost. */
static void check_auth(fx_t *f, int timestamp, const char *input, const char *extra, const char *expect,
                       uint64_t commands)
{
    uint8_t code[AUTH_CODE_BUF_LEN];
    uint32_t len = sizeof code;
    uint64_t before = fx_commands(f);
    uint32_t extra_len = extra != NULL ? (uint32_t)strlen(extra) : 0;
    irot_result_t r =
        timestamp ? id2_client_get_timestamp_auth_code(&f->c, input, (const uint8_t *)extra, extra_len, code, &len)
                  : id2_client_get_challenge_auth_code(&f->c, input, (const uint8_t *)extra, extra_len, code, &len);
    IROT(IROT_SUCCESS, r);
    assert_string_equal((const char *)code, expect);
    assert_int_equal(len, strlen(expect));
    assert_int_equal(fx_commands(f) - before, commands);
    assert_string_equal(f->last_log, " ID2=> id2====> encrypt len=48 !!!");
}

static void test_banner(void **state)
{
    fx_t *f = *state;
    assert_true(f->log_count >= 13u);
    assert_string_equal(f->log[0], "ID2 Client Version: 0x00010104");
    assert_int_equal(strncmp(f->log[1], "ID2 Client Build Time: ", 23), 0);
    assert_string_equal(f->log[2], "========================================");
    assert_string_equal(f->log[3], "ID2_DEBUG                : 0");
    assert_string_equal(f->log[6], "ID2_SET_ID_KEY_SUPPORTED : 0");
    assert_string_equal(f->log[8], "ID2_ITLS_SUPPORTED       : 1");
    assert_string_equal(f->log[10], "ID2_USE_ALI_CRYPTO       : 1");
    assert_string_equal(f->log[11], "ID2_CRYPTO_TYPE_CONFIG   : ID2_CRYPTO_TYPE_AES");
    assert_string_equal(f->log[12], "========================================");
    uint32_t v = 0;
    IROT(IROT_SUCCESS, id2_client_get_version(&f->c, &v));
    assert_int_equal(v, 0x00010104u);
    assert_string_equal(id2_result_str(IROT_ERROR_ITEM_NOT_FOUND), "item not found (no ID2 in F1D0)");
    assert_string_equal(id2_result_str(IROT_ERROR_SHORT_BUFFER), "short buffer");
    assert_string_equal(id2_result_str(42), "unknown result");
}

/* §6: init = OpenApplication (first time only); get_id = GetDataObject F1D0 once (cached);
 * cleanup = nothing; init again = nothing; the cache is cleared by init. */
static void test_traffic_init_get_id(void **state)
{
    (void)state;
    fx_t *f = fx_create(1, 1, NULL, 0, 0); /* crypto type 0: the build default */
    assert_non_null(f);
    IROT(IROT_SUCCESS, id2_client_init(&f->c, &f->dev, &f->cfg));
    assert_int_equal(fx_commands(f), 1); /* OpenApplication */
    assert_string_equal(f->log[11], ID2_CRYPTO_TYPE_CONFIG == ID2_CRYPTO_TYPE_RSA
                                        ? "ID2_CRYPTO_TYPE_CONFIG   : ID2_CRYPTO_TYPE_RSA"
                                        : "ID2_CRYPTO_TYPE_CONFIG   : ID2_CRYPTO_TYPE_AES");
    uint8_t id[30];
    uint32_t len = sizeof id;
    IROT(IROT_SUCCESS, id2_client_get_id(&f->c, id, &len));
    assert_int_equal(len, 24);
    assert_memory_equal(id, EX_ID, 24);
    assert_int_equal(fx_commands(f), 2);
    len = 24;
    IROT(IROT_SUCCESS, id2_client_get_id(&f->c, id, &len));
    assert_int_equal(fx_commands(f), 2); /* cached */
    IROT(IROT_SUCCESS, id2_client_cleanup(&f->c));
    assert_string_equal(f->last_log, " ID2=> id2====> irot_hal_cleanup exit!!!");
    assert_int_equal(fx_commands(f), 2);
    IROT(IROT_ERROR_GENERIC, id2_client_get_id(&f->c, id, &len)); /* not initialised */
    IROT(IROT_SUCCESS, id2_client_init(&f->c, &f->dev, &f->cfg));
    assert_int_equal(fx_commands(f), 2); /* application still open */
    IROT(IROT_SUCCESS, id2_client_get_id(&f->c, id, &len));
    assert_int_equal(fx_commands(f), 3); /* init cleared the cache */
    fx_destroy(f);
}

static void test_10_1_type0(void **state)
{
    fx_t *f = *state;
    check_auth(f, 0, EX_CHAL, NULL, EX_TYPE0, 2); /* F1D0 + EncryptSym */
    assert_int_equal(strlen(EX_TYPE0), 118);
    check_auth(f, 0, EX_CHAL, NULL, EX_TYPE0, 1); /* ID cached: EncryptSym only */
    char rnd[17];
    IROT(IROT_SUCCESS, id2_client_last_device_random(&f->c, rnd));
    assert_string_equal(rnd, EX_RANDOM);
}

static void test_10_2_types(void **state)
{
    fx_t *f = *state;
    check_auth(f, 0, EX_CHAL, EX_EXTRA, EX_TYPE2, 2);
    check_auth(f, 1, EX_TS, NULL, EX_TYPE1, 1);
    assert_int_equal(strlen(EX_TYPE1), 99);
    check_auth(f, 1, EX_TS, EX_EXTRA, EX_TYPE3, 1);
    /* "with extra" depends on extra != NULL only: an empty extra is type 2 and signs nothing more */
    uint8_t code[AUTH_CODE_BUF_LEN];
    uint32_t len = sizeof code;
    IROT(IROT_SUCCESS, id2_client_get_challenge_auth_code(&f->c, EX_CHAL, (const uint8_t *)"", 0, code, &len));
    assert_int_equal(code[0], '2');
    assert_string_equal((const char *)code + 1, &EX_TYPE0[1]);
}

static irot_result_t verify(fx_t *f, const char *code, const char *random, const char *extra)
{
    return id2_client_verify_server(&f->c, (const uint8_t *)code, (uint32_t)strlen(code), (const uint8_t *)random,
                                    random != NULL ? (uint32_t)strlen(random) : 0, (const uint8_t *)extra,
                                    extra != NULL ? (uint32_t)strlen(extra) : 0);
}

static void test_10_3_verify_server(void **state)
{
    fx_t *f = *state;
    uint64_t before = fx_commands(f);
    IROT(IROT_SUCCESS, verify(f, EX_SRV10, EX_RANDOM, NULL));
    assert_int_equal(fx_commands(f) - before, 2); /* ID uncached: F1D0 + EncryptSym */
    assert_string_equal(f->last_log, " ID2=> id2====> encrypt len=48 !!!");
    before = fx_commands(f);
    IROT(IROT_SUCCESS, verify(f, EX_SRV11, EX_RANDOM, "server-extra"));
    assert_int_equal(fx_commands(f) - before, 1); /* §6: EncryptSym */
    IROT(IROT_SUCCESS, verify(f, EX_SRV10, EX_RANDOM, "ignored for type 10"));
    IROT(IROT_ERROR_GENERIC, verify(f, EX_SRV11, EX_RANDOM, NULL));
    IROT(IROT_ERROR_GENERIC, verify(f, EX_SRV11, EX_RANDOM, "server-extrA"));
    IROT(IROT_ERROR_GENERIC, verify(f, EX_SRV10, "ABABABABABABABAC", NULL));
    IROT(IROT_ERROR_GENERIC, verify(f, EX_SRV10, "ABABABABABABABA", NULL));
    /* every one-character change is rejected */
    const char *codes[2] = {EX_SRV10, EX_SRV11};
    for (int k = 0; k < 2; k++) {
        char c[128];
        size_t n = strlen(codes[k]);
        for (size_t i = 0; i < n; i++) {
            if (i == 2 || i == 4)
                continue; /* separators are not checked (id2.md §5.5 step 3) */
            memcpy(c, codes[k], n + 1);
            c[i] = c[i] == 'A' ? 'B' : 'A';
            if (verify(f, c, EX_RANDOM, "server-extra") != IROT_ERROR_GENERIC)
                fail_msg("accepted %s", c);
        }
        memcpy(c, codes[k], n + 1);
        c[n - 1] = '\0';
        IROT(IROT_ERROR_GENERIC, verify(f, c, EX_RANDOM, "server-extra"));
        assert_int_equal(n, strlen(codes[k]));
    }
    /* the random remembered by get_device_challenge, erased after a success */
    uint8_t rnd[17];
    uint32_t rl = sizeof rnd;
    IROT(IROT_SUCCESS, id2_client_get_device_challenge(&f->c, rnd, &rl));
    assert_int_equal(rl, 16);
    assert_string_equal((const char *)rnd, EX_RANDOM);
    IROT(IROT_ERROR_GENERIC, verify(f, EX_SRV11, NULL, NULL)); /* mismatch keeps it */
    IROT(IROT_SUCCESS, verify(f, EX_SRV10, NULL, NULL));
    IROT(IROT_ERROR_GENERIC, verify(f, EX_SRV10, NULL, NULL));
}

static void test_10_4_decrypt(void **state)
{
    fx_t *f = *state;
    uint8_t in[64], expect[48], out[64];
    assert_int_equal(fx_unhex(EX_DEC_IN, in, sizeof in), 64);
    assert_int_equal(fx_unhex(EX_DEC_OUT, expect, sizeof expect), 48);
    uint64_t before = fx_commands(f);
    uint32_t len = sizeof out;
    IROT(IROT_SUCCESS, id2_client_decrypt(&f->c, in, sizeof in, out, &len));
    assert_int_equal(len, 48);
    assert_memory_equal(out, expect, 48);
    assert_int_equal(fx_commands(f) - before, 1); /* DecryptSym */
    assert_string_equal(f->last_log, " ID2=> id2====> decrypt len=64 !!!");
    len = 48;
    IROT(IROT_SUCCESS, id2_client_decrypt(&f->c, in, sizeof in, out, &len));
    len = 47;
    IROT(IROT_ERROR_SHORT_BUFFER, id2_client_decrypt(&f->c, in, sizeof in, out, &len));
    /* the first block alone ends in 0x0D, not a valid padding */
    len = sizeof out;
    IROT(IROT_ERROR_GENERIC, id2_client_decrypt(&f->c, in, 16, out, &len));
    /* the last block alone is sixteen 0x10: everything removed */
    len = sizeof out;
    IROT(IROT_SUCCESS, id2_client_decrypt(&f->c, in + 48, 16, out, &len));
    assert_int_equal(len, 0);
}

static void test_10_5_get_secret(void **state)
{
    fx_t *f = *state;
    uint8_t secret[70];
    uint32_t len = sizeof secret;
    uint64_t before = fx_commands(f);
    IROT(IROT_SUCCESS, id2_client_get_secret(&f->c, "ID2-SEED", secret, &len));
    assert_int_equal(len, 64);
    assert_memory_equal(secret, EX_SECRET, 64);
    assert_int_equal(fx_commands(f) - before, 1); /* EncryptSym */
    uint8_t sig[48];
    size_t sl = 0;
    IROT(IROT_SUCCESS, id2_client_sign(&f->c, (const uint8_t *)"ID2-SEED", 8, sig, sizeof sig, &sl));
    uint8_t expect[48];
    fx_unhex("f61dcacc1fa7f91e1257dd4a4bc29748dcf1209e6f8fb2b75f40232b873c154d954f64f2e4e86e9eee82d20216684899", expect,
             sizeof expect);
    assert_int_equal(sl, 48);
    assert_memory_equal(sig, expect, 48);
}

/* §5.3 checks in order; each later check is tested with every earlier condition satisfied and
 * the later conditions violated too, so a wrong order shows. No chip traffic for any of them. */
static void test_errors_auth_code(void **state)
{
    fx_t *f = *state;
    uint8_t code[AUTH_CODE_BUF_LEN];
    uint32_t len = sizeof code, small = 255;
    static const char r33[] = "0123456789ABCDEF0123456789ABCDEF0";
    static uint8_t big_extra[513];
    uint64_t before = fx_commands(f);
    IROT(IROT_ERROR_BAD_PARAMETERS, id2_client_get_challenge_auth_code(NULL, EX_CHAL, NULL, 0, code, &len));
    IROT(IROT_ERROR_BAD_PARAMETERS, id2_client_get_challenge_auth_code(&f->c, r33, big_extra, 513, NULL, &small));
    IROT(IROT_ERROR_BAD_PARAMETERS, id2_client_get_challenge_auth_code(&f->c, r33, big_extra, 513, code, NULL));
    IROT(IROT_ERROR_BAD_PARAMETERS, id2_client_get_challenge_auth_code(&f->c, NULL, big_extra, 513, code, &small));
    IROT(IROT_ERROR_EXCESS_DATA, id2_client_get_challenge_auth_code(&f->c, r33, big_extra, 513, code, &small));
    IROT(IROT_ERROR_BAD_PARAMETERS, id2_client_get_timestamp_auth_code(&f->c, "", big_extra, 513, code, &small));
    IROT(IROT_ERROR_EXCESS_DATA, id2_client_get_challenge_auth_code(&f->c, EX_CHAL, big_extra, 513, code, &small));
    IROT(IROT_ERROR_EXCESS_DATA, id2_client_get_challenge_auth_code(&f->c, EX_CHAL, NULL, 513, code, &small));
    IROT(IROT_ERROR_SHORT_BUFFER, id2_client_get_challenge_auth_code(&f->c, EX_CHAL, big_extra, 512, code, &small));
    assert_int_equal(fx_commands(f) - before, 0);
    assert_int_equal(small, 255);
    /* limits themselves are accepted: 32-char random, 512-byte extra */
    memset(big_extra, 'x', sizeof big_extra);
    IROT(IROT_SUCCESS, id2_client_get_challenge_auth_code(&f->c, r33 + 1, big_extra, 512, code, &len));
    assert_int_equal(len, 6 + 16 + 32 + 64);
    /* RNG failure after the ID */
    f->rng_fail = 1;
    len = sizeof code;
    IROT(IROT_ERROR_GENERIC, id2_client_get_challenge_auth_code(&f->c, EX_CHAL, NULL, 0, code, &len));
    f->rng_fail = 0;
}

static void test_errors_other(void **state)
{
    fx_t *f = *state;
    uint8_t buf[128];
    uint32_t len;
    id2_client_t fresh;
    memset(&fresh, 0, sizeof fresh);
    len = sizeof buf;
    IROT(IROT_ERROR_GENERIC, id2_client_get_id(&fresh, buf, &len));
    IROT(IROT_ERROR_GENERIC, id2_client_get_challenge_auth_code(&fresh, EX_CHAL, NULL, 0, buf, &len));
    IROT(IROT_ERROR_GENERIC, id2_client_get_secret(&fresh, "s", buf, &len));
    IROT(IROT_ERROR_BAD_PARAMETERS, id2_client_cleanup(NULL));
    IROT(IROT_ERROR_BAD_PARAMETERS, id2_client_init(NULL, &f->dev, &f->cfg));
    id2_client_config_t bad = f->cfg;
    bad.rng = NULL;
    IROT(IROT_ERROR_BAD_PARAMETERS, id2_client_init(&fresh, &f->dev, &bad));
    bad = f->cfg;
    bad.crypto_type = 1; /* 3DES: not supported by the adapter */
    IROT(IROT_ERROR_BAD_PARAMETERS, id2_client_init(&fresh, &f->dev, &bad));
    bad = f->cfg;
    bad.power_down = true;
    bad.pal = NULL;
    IROT(IROT_ERROR_BAD_PARAMETERS, id2_client_init(&fresh, &f->dev, &bad));

    uint64_t before = fx_commands(f);
    IROT(IROT_ERROR_BAD_PARAMETERS, id2_client_get_version(&f->c, NULL));
    IROT(IROT_ERROR_BAD_PARAMETERS, id2_client_get_id(&f->c, NULL, &len));
    IROT(IROT_ERROR_BAD_PARAMETERS, id2_client_get_id(&f->c, buf, NULL));
    len = 23;
    IROT(IROT_ERROR_SHORT_BUFFER, id2_client_get_id(&f->c, buf, &len));

    IROT(IROT_ERROR_BAD_PARAMETERS, id2_client_get_device_challenge(&f->c, NULL, &len));
    IROT(IROT_ERROR_BAD_PARAMETERS, id2_client_get_device_challenge(&f->c, buf, NULL));
    len = 16;
    IROT(IROT_ERROR_SHORT_BUFFER, id2_client_get_device_challenge(&f->c, buf, &len));

    IROT(IROT_ERROR_BAD_PARAMETERS, id2_client_verify_server(&f->c, NULL, 10, NULL, 0, NULL, 600));
    IROT(IROT_ERROR_BAD_PARAMETERS, id2_client_verify_server(&f->c, buf, 0, NULL, 0, NULL, 600));
    IROT(IROT_ERROR_EXCESS_DATA, id2_client_verify_server(&f->c, buf, 10, NULL, 5, NULL, 513));
    IROT(IROT_ERROR_BAD_PARAMETERS, id2_client_verify_server(&f->c, buf, 10, NULL, 5, NULL, 512));
    IROT(IROT_ERROR_GENERIC, verify(f, "12~2~ABABABABABABABAB~YmkR", EX_RANDOM, NULL));
    IROT(IROT_ERROR_GENERIC, verify(f, "10~1~ABABABABABABABAB~YmkR", EX_RANDOM, NULL));
    IROT(IROT_ERROR_GENERIC, verify(f, "10~2~ABABABABABABABAB", EX_RANDOM, NULL));
    IROT(IROT_ERROR_GENERIC, verify(f, EX_SRV10, NULL, NULL)); /* no challenge remembered */

    static uint8_t big[4097];
    len = sizeof buf;
    IROT(IROT_ERROR_BAD_PARAMETERS, id2_client_decrypt(&f->c, NULL, 16, buf, &len));
    IROT(IROT_ERROR_BAD_PARAMETERS, id2_client_decrypt(&f->c, big, 16, NULL, &len));
    IROT(IROT_ERROR_BAD_PARAMETERS, id2_client_decrypt(&f->c, big, 16, buf, NULL));
    IROT(IROT_ERROR_BAD_PARAMETERS, id2_client_decrypt(&f->c, big, 0, buf, &len));
    IROT(IROT_ERROR_EXCESS_DATA, id2_client_decrypt(&f->c, big, 4097, buf, &len));
    IROT(IROT_ERROR_BAD_PARAMETERS, id2_client_decrypt(&f->c, big, 4095, buf, &len));

    IROT(IROT_ERROR_BAD_PARAMETERS, id2_client_get_secret(&f->c, NULL, buf, &len));
    IROT(IROT_ERROR_BAD_PARAMETERS, id2_client_get_secret(&f->c, "s", NULL, &len));
    IROT(IROT_ERROR_BAD_PARAMETERS, id2_client_get_secret(&f->c, "s", buf, NULL));
    len = 10;
    IROT(IROT_ERROR_BAD_PARAMETERS, id2_client_get_secret(&f->c, "", buf, &len));
    len = 63;
    IROT(IROT_ERROR_SHORT_BUFFER, id2_client_get_secret(&f->c, "s", buf, &len));
    assert_int_equal(fx_commands(f) - before, 0);
}

/* F1D0 empty -> ITEM_NOT_FOUND from get_id and from the auth codes. */
static void test_id_not_found(void **state)
{
    (void)state;
    fx_t *f = fx_create(0, 1, NULL, ID2_CRYPTO_TYPE_AES, 1);
    assert_non_null(f);
    uint8_t buf[AUTH_CODE_BUF_LEN];
    uint32_t len = sizeof buf;
    IROT(IROT_ERROR_ITEM_NOT_FOUND, id2_client_get_id(&f->c, buf, &len));
    IROT(IROT_ERROR_ITEM_NOT_FOUND, id2_client_get_challenge_auth_code(&f->c, EX_CHAL, NULL, 0, buf, &len));
    IROT(IROT_ERROR_ITEM_NOT_FOUND, verify(f, EX_SRV10, EX_RANDOM, NULL));
    fx_destroy(f);
}

/* No AES key: the chip's error reaches the caller as GENERIC, its status unchanged. */
static void test_chip_error_passes_up(void **state)
{
    (void)state;
    fx_t *f = fx_create(1, 0, NULL, ID2_CRYPTO_TYPE_AES, 1);
    assert_non_null(f);
    uint8_t buf[AUTH_CODE_BUF_LEN];
    uint32_t len = sizeof buf;
    assert_int_equal(id2_client_last_status(&f->c), TRUSTM_OK);
    IROT(IROT_ERROR_GENERIC, id2_client_get_challenge_auth_code(&f->c, EX_CHAL, NULL, 0, buf, &len));
    trustm_status_t s = id2_client_last_status(&f->c);
    assert_int_equal(TRUSTM_STATUS_LAYER(s), TRUSTM_LAYER_DEVICE);
    uint8_t blk[48] = {0}, out[48];
    size_t n;
    assert_int_equal(trustm_sym_encrypt(&f->dev, 0xE200, TRUSTM_SYM_ECB, NULL, 0, blk, 48, out, 48, &n), s);
    len = sizeof buf;
    IROT(IROT_ERROR_GENERIC, id2_client_decrypt(&f->c, blk, 16, out, &len));
    assert_int_equal(id2_client_last_status(&f->c), s);
    fx_destroy(f);
}

/* Power-down cleanup: SEC > 0 after key uses, wait in 500 ms steps (virtual clock) until 0,
 * then CloseApplication and VDD off; a later init powers the chip up again. */
static void test_power_down(void **state)
{
    (void)state;
    fx_t *f = fx_create(1, 1, NULL, ID2_CRYPTO_TYPE_AES, 0);
    assert_non_null(f);
    f->cfg.power_down = true;
    IROT(IROT_SUCCESS, id2_client_init(&f->c, &f->dev, &f->cfg));
    uint8_t buf[AUTH_CODE_BUF_LEN];
    uint32_t len = sizeof buf;
    IROT(IROT_SUCCESS, id2_client_get_challenge_auth_code(&f->c, EX_CHAL, NULL, 0, buf, &len));
    uint8_t sec = 0;
    assert_int_equal(trustm_byte_read(&f->dev, TRUSTM_OID_SEC, &sec), TRUSTM_OK);
    assert_true(sec > 0);
    uint64_t before = fx_commands(f);
    uint64_t t0 = trustm_sim_now_us(f->sim);
    id2_cleanup_report_t rep;
    IROT(IROT_SUCCESS, id2_client_cleanup_ex(&f->c, true, &rep));
    uint64_t t1 = trustm_sim_now_us(f->sim);
    print_message("power-down: SEC %u before, waited %u ms, final SEC %u, %llu commands\n", sec, rep.waited_ms, rep.sec,
                  (unsigned long long)(fx_commands(f) - before));
    assert_true(rep.powered_down);
    assert_true(rep.sec_zero);
    assert_int_equal(rep.sec, 0);
    assert_true(rep.waited_ms > 0);
    assert_int_equal(rep.waited_ms % 500u, 0);
    assert_true(t1 - t0 >= (uint64_t)rep.waited_ms * 1000u);
    assert_int_equal(rep.close_status, TRUSTM_OK);
    assert_int_equal(rep.vdd_status, TRUSTM_OK);
    /* SEC reads (one per 500 ms + the final one) and CloseApplication */
    assert_int_equal(fx_commands(f) - before, rep.waited_ms / 500u + 1u + 1u);
    assert_string_equal(f->log[f->log_count - 2u], " ID2=> id2====> power down: SEC wait 5000 ms, SEC=0");
    /* powered off: the next init opens (cold reset powers up) and the chip answers */
    before = fx_commands(f);
    f->cfg.power_down_max_wait_ms = 1000;
    IROT(IROT_SUCCESS, id2_client_init(&f->c, &f->dev, &f->cfg));
    assert_int_equal(fx_commands(f) - before, 1);
    len = sizeof buf;
    IROT(IROT_SUCCESS, id2_client_get_id(&f->c, buf, &len));

    /* bounded wait: three key uses, 1 s allowed -> closed anyway with SEC still > 0 */
    for (int i = 0; i < 3; i++) {
        len = sizeof buf;
        IROT(IROT_SUCCESS, id2_client_get_secret(&f->c, "ID2-SEED", buf, &len));
    }
    IROT(IROT_SUCCESS, id2_client_cleanup_ex(&f->c, true, &rep));
    assert_false(rep.sec_zero);
    assert_true(rep.sec > 0);
    assert_int_equal(rep.waited_ms, 1000);
    assert_int_equal(rep.close_status, TRUSTM_OK);
    /* cleanup of an uninitialised client: nothing to do */
    before = fx_commands(f);
    IROT(IROT_SUCCESS, id2_client_cleanup_ex(&f->c, true, &rep));
    assert_false(rep.powered_down);
    assert_int_equal(fx_commands(f) - before, 0);
    fx_destroy(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_banner, setup_aes, teardown),
        cmocka_unit_test(test_traffic_init_get_id),
        cmocka_unit_test_setup_teardown(test_10_1_type0, setup_aes, teardown),
        cmocka_unit_test_setup_teardown(test_10_2_types, setup_aes, teardown),
        cmocka_unit_test_setup_teardown(test_10_3_verify_server, setup_aes, teardown),
        cmocka_unit_test_setup_teardown(test_10_4_decrypt, setup_aes, teardown),
        cmocka_unit_test_setup_teardown(test_10_5_get_secret, setup_aes, teardown),
        cmocka_unit_test_setup_teardown(test_errors_auth_code, setup_aes, teardown),
        cmocka_unit_test_setup_teardown(test_errors_other, setup_aes, teardown),
        cmocka_unit_test(test_id_not_found),
        cmocka_unit_test(test_chip_error_passes_up),
        cmocka_unit_test(test_power_down),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
