/*
 * test_id2v.c - the server-side verifier (cloud/verify) against every worked value of id2.md §10
 * and cloud-mqtt.md §3.5 / §9: auth codes of all types reproduced and accepted, server codes
 * produced exactly, PSK / get_secret, RSA with the vendor sample key and a key made at test time,
 * the device-secret password, client id and user name; every one-character change, wrong type,
 * wrong challenge / extra, stale and future timestamps refused; strict parsing.
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

#include "cloud_testutil.h"
#include "id2v/id2v.h"
#include "trustm_testutil.h"

#define DR    "ABABABABABABABAB"
#define CHAL  "55B83408399FA660F05C82E4F25333DC"
#define TS    "1593072000000"
#define EXTRA "a1B2c3D4e5F"

static const char code0[] = "0~2~ABABABABABABABAB~55B83408399FA660F05C82E4F25333DC~"
                            "kFNcIOvYr7dVTGUCrnierlSHczCfoQUZlWZ1umFRqimVT2Ty5Ohunu6C0gIWaEiZ";
static const char code1[] =
    "1~2~ABABABABABABABAB~1593072000000~3S34ERxkxFCAktvYHIKUngwjgalW4nPJ6c5ZYunMrcuVT2Ty5Ohunu6C0gIWaEiZ";
static const char code2[] = "2~2~ABABABABABABABAB~55B83408399FA660F05C82E4F25333DC~/+WkHmSPter0YRBRAyxFSRMED//"
                            "w617I6dJUJpGvIKOVT2Ty5Ohunu6C0gIWaEiZ";
static const char code3[] =
    "3~2~ABABABABABABABAB~1593072000000~l/gks7Ru3IpRwR/AUnLT24P8ygPUodVgHrnD+NUnV9mVT2Ty5Ohunu6C0gIWaEiZ";
static const char rsa_code0[] = "0~2~ABABABABABABABAB~55B83408399FA660F05C82E4F25333DC~ynKpOIzBAgUL09zYz0rFx1+"
                                "4apeTPtiZwBG2x0tjKq1IDl86pTxmizQSxY3kBLGWBgJOxVsB/U4gIQ7F581QEFX0EGxVHSSmYZ2/"
                                "lRxR0VMP9mfRkvTMzlcQeJLvV4qYjZus2XsgAiNQWgNliRSScoG4Wfk1smyIlRmVTeosJUI=";
/* cloud-mqtt.md §9.1 client ids (securemode 2) and §9.2 / §9.3 codes */
static const char cid_92[] =
    "a1FCMDh4ypx.IFXDeviceMqttTest|securemode=2,timestamp=2524608000000,signmethod=hmacsha256,gw=0,ext=0,authtype=id2|";
static const char cid_93[] =
    "a1FCMDh4ypx.IFXDeviceMqttTest|securemode=2,timestamp=1593072000000,signmethod=hmacsha256,gw=0,ext=0,authtype=id2|";
static const char code_92[] = "2~2~ABABABABABABABAB~55B83408399FA660F05C82E4F25333DC~U+"
                              "vP3H8Z9imWYa5ZSz7RhjBUG9K0oOQ0vudg/QLgMV6VT2Ty5Ohunu6C0gIWaEiZ";
static const char code_93[] =
    "3~2~ABABABABABABABAB~1593072000000~z6dZfbLLg46Ug2MskpYY+xldYADEuuGUmoxkIy0d49OVT2Ty5Ohunu6C0gIWaEiZ";

static int verify(const id2v_key_t *k, const char *code, unsigned types, const char *chal, const char *extra)
{
    return id2v_verify_auth_code(k, code, strlen(code), types, chal, (const uint8_t *)extra,
                                 extra != NULL ? strlen(extra) : 0, NULL);
}

/* Every one-character change of code (to any printable character) must be refused. A server
 * that does not check a challenge accepts only timestamp types (a type-1 code read as type 0
 * with its timestamp as an unchecked challenge is the same signed message). */
static void all_mutations_refused(const id2v_key_t *k, const char *code, const char *chal, const char *extra)
{
    char m[ID2V_AUTH_CODE_MAX];
    size_t n = strlen(code);
    const char *x = extra != NULL ? extra : "";
    unsigned tried = 0;
    for (size_t i = 0; i < n; i++) {
        memcpy(m, code, n + 1);
        for (int c = 0x20; c < 0x7F; c++) {
            if (c == code[i])
                continue;
            m[i] = (char)c;
            unsigned types = chal != NULL ? ID2V_TYPES_ANY : ID2V_TYPES_TIMESTAMP | ID2V_TYPES_TIMESTAMP_EXTRA;
            int rc = verify(k, m, types, chal, x);
            if (rc == ID2V_OK)
                fail_msg("accepted mutation at %zu ('%c'): %s", i, c, m);
            tried++;
        }
    }
    assert_true(tried > 90u * n);
}

/* ------------------------------------------------------------------ id2.md §10 (AES) */

static void test_sign_primitive(void **state)
{
    (void)state;
    id2v_key_t k;
    ct_spec_aes_key(&k);
    const char *m = "00112233445566778899AABB" DR CHAL;
    uint8_t sig[128], want[48];
    size_t len;
    assert_int_equal(id2v_sign(&k, (const uint8_t *)m, strlen(m), sig, sizeof sig, &len), ID2V_OK);
    assert_int_equal(len, 48);
    assert_int_equal(tv_hex_parse("90535c20ebd8afb7554c6502ae789eae548773309fa10519956675ba6151aa29"
                                  "954f64f2e4e86e9eee82d20216684899",
                                  want, sizeof want),
                     48);
    assert_memory_equal(sig, want, 48);
    assert_int_equal(id2v_sign(&k, (const uint8_t *)m, strlen(m), sig, 47, &len), ID2V_ERR_SHORT_BUFFER);
    /* 10.5: id2_sign("ID2-SEED") */
    assert_int_equal(id2v_sign(&k, (const uint8_t *)"ID2-SEED", 8, sig, sizeof sig, &len), ID2V_OK);
    assert_int_equal(tv_hex_parse("f61dcacc1fa7f91e1257dd4a4bc29748dcf1209e6f8fb2b75f40232b873c154d"
                                  "954f64f2e4e86e9eee82d20216684899",
                                  want, sizeof want),
                     48);
    assert_memory_equal(sig, want, 48);
}

static void test_codes_reproduced(void **state)
{
    (void)state;
    id2v_key_t k;
    ct_spec_aes_key(&k);
    char out[ID2V_AUTH_CODE_MAX];
    assert_int_equal(ct_device_code(&k, 0, DR, CHAL, NULL, out), 0);
    assert_string_equal(out, code0);
    assert_int_equal(strlen(out), 118);
    assert_int_equal(ct_device_code(&k, 1, DR, TS, NULL, out), 0);
    assert_string_equal(out, code1);
    assert_int_equal(strlen(out), 99);
    assert_int_equal(ct_device_code(&k, 2, DR, CHAL, EXTRA, out), 0);
    assert_string_equal(out, code2);
    assert_int_equal(ct_device_code(&k, 3, DR, TS, EXTRA, out), 0);
    assert_string_equal(out, code3);
    assert_int_equal(ct_device_code(&k, 2, DR, CHAL, cid_92, out), 0);
    assert_string_equal(out, code_92);
    assert_int_equal(ct_device_code(&k, 3, DR, TS, cid_93, out), 0);
    assert_string_equal(out, code_93);
}

static void test_codes_accepted(void **state)
{
    (void)state;
    id2v_key_t k;
    ct_spec_aes_key(&k);
    id2v_auth_code_t ac;
    assert_int_equal(id2v_verify_auth_code(&k, code0, strlen(code0), ID2V_TYPES_CHALLENGE, CHAL, NULL, 0, &ac),
                     ID2V_OK);
    assert_int_equal(ac.type, 0);
    assert_string_equal(ac.device_random, DR);
    assert_string_equal(ac.server_random, CHAL);
    assert_int_equal(verify(&k, code0, ID2V_TYPES_ANY, NULL, NULL), ID2V_OK); /* challenge not checked */
    assert_int_equal(verify(&k, code1, ID2V_TYPES_TIMESTAMP, NULL, NULL), ID2V_OK);
    assert_int_equal(verify(&k, code2, ID2V_TYPES_CHALLENGE_EXTRA, CHAL, EXTRA), ID2V_OK);
    assert_int_equal(id2v_verify_auth_code(&k, code3, strlen(code3), ID2V_TYPES_TIMESTAMP_EXTRA, NULL,
                                           (const uint8_t *)EXTRA, strlen(EXTRA), &ac),
                     ID2V_OK);
    assert_string_equal(ac.server_random, TS);
    assert_int_equal(verify(&k, code_92, ID2V_TYPES_CHALLENGE_EXTRA, CHAL, cid_92), ID2V_OK);
    assert_int_equal(verify(&k, code_93, ID2V_TYPES_TIMESTAMP_EXTRA, NULL, cid_93), ID2V_OK);
}

static void test_one_char_changes_refused(void **state)
{
    (void)state;
    id2v_key_t k;
    ct_spec_aes_key(&k);
    all_mutations_refused(&k, code0, CHAL, NULL);
    all_mutations_refused(&k, code1, NULL, NULL);
    all_mutations_refused(&k, code2, CHAL, EXTRA);
    all_mutations_refused(&k, code3, NULL, EXTRA);
    all_mutations_refused(&k, code_92, CHAL, cid_92);
    all_mutations_refused(&k, code_93, NULL, cid_93);
    /* one character of the extra, the challenge, the ID2 or the key */
    assert_int_equal(verify(&k, code2, ID2V_TYPES_ANY, CHAL, "a1B2c3D4e5G"), ID2V_ERR_SIGNATURE);
    assert_int_equal(verify(&k, code2, ID2V_TYPES_ANY, CHAL, "a1B2c3D4e5"), ID2V_ERR_SIGNATURE);
    assert_int_equal(verify(&k, code_92, ID2V_TYPES_ANY, CHAL, cid_93), ID2V_ERR_SIGNATURE);
    assert_int_equal(verify(&k, code0, ID2V_TYPES_ANY, "55B83408399FA660F05C82E4F25333DD", NULL), ID2V_ERR_CHALLENGE);
    assert_int_equal(verify(&k, code0, ID2V_TYPES_ANY, "55B83408399FA660F05C82E4F25333D", NULL), ID2V_ERR_CHALLENGE);
    id2v_key_t k2 = k;
    k2.id2[23] = 'C';
    assert_int_equal(verify(&k2, code0, ID2V_TYPES_ANY, CHAL, NULL), ID2V_ERR_SIGNATURE);
    k2 = k;
    k2.key[15] ^= 1;
    assert_int_equal(verify(&k2, code0, ID2V_TYPES_ANY, CHAL, NULL), ID2V_ERR_SIGNATURE);
}

static void test_wrong_type(void **state)
{
    (void)state;
    id2v_key_t k;
    ct_spec_aes_key(&k);
    assert_int_equal(verify(&k, code0, ID2V_TYPES_CHALLENGE_EXTRA, CHAL, EXTRA), ID2V_ERR_TYPE);
    assert_int_equal(verify(&k, code2, ID2V_TYPES_CHALLENGE, CHAL, EXTRA), ID2V_ERR_TYPE);
    assert_int_equal(verify(&k, code1, ID2V_TYPES_TIMESTAMP_EXTRA, NULL, EXTRA), ID2V_ERR_TYPE);
    assert_int_equal(verify(&k, code3, ID2V_TYPES_CHALLENGE | ID2V_TYPES_CHALLENGE_EXTRA, NULL, EXTRA), ID2V_ERR_TYPE);
    /* type 2/3 without saying which extra is expected */
    assert_int_equal(verify(&k, code2, ID2V_TYPES_ANY, CHAL, NULL), ID2V_ERR_BAD_PARAM);
    assert_int_equal(verify(&k, code0, 0, CHAL, NULL), ID2V_ERR_BAD_PARAM);
    /* A type-0 code whose type digit is changed to 2 signs the same message as a type-2 code
     * with an empty extra: an empty expected extra is therefore refused for types 2/3. */
    char m[sizeof code0];
    memcpy(m, code0, sizeof code0);
    m[0] = '2';
    assert_int_equal(verify(&k, m, ID2V_TYPES_ANY, CHAL, ""), ID2V_ERR_BAD_PARAM);
    assert_int_equal(verify(&k, m, ID2V_TYPES_ANY, CHAL, EXTRA), ID2V_ERR_SIGNATURE);
    memcpy(m, code1, sizeof code1);
    m[0] = '3';
    assert_int_equal(verify(&k, m, ID2V_TYPES_ANY, NULL, ""), ID2V_ERR_BAD_PARAM);
}

static void test_timestamps(void **state)
{
    (void)state;
    const uint64_t t = 1593072000000ull;
    assert_int_equal(id2v_check_timestamp(TS, t, 300), ID2V_OK);
    assert_int_equal(id2v_check_timestamp(TS, t + 300000u, 300), ID2V_OK);
    assert_int_equal(id2v_check_timestamp(TS, t - 300000u, 300), ID2V_OK);
    assert_int_equal(id2v_check_timestamp(TS, t + 300001u, 300), ID2V_ERR_STALE); /* stale  */
    assert_int_equal(id2v_check_timestamp(TS, t - 300001u, 300), ID2V_ERR_STALE); /* future */
    assert_int_equal(id2v_check_timestamp(TS, t + 1u, 0), ID2V_ERR_STALE);
    assert_int_equal(id2v_check_timestamp("01593072000000", t, 300), ID2V_ERR_FORMAT);
    assert_int_equal(id2v_check_timestamp("1593072000000x", t, 300), ID2V_ERR_FORMAT);
    assert_int_equal(id2v_check_timestamp("", t, 300), ID2V_ERR_FORMAT);
    assert_int_equal(id2v_check_timestamp("99999999999999999999", t, 300), ID2V_ERR_FORMAT);
    assert_int_equal(id2v_check_timestamp(NULL, t, 300), ID2V_ERR_BAD_PARAM);
    assert_int_equal(id2v_check_timestamp("18446744073709551615", 0, 300), ID2V_ERR_FORMAT);
    assert_int_equal(id2v_check_timestamp("9223372036854775807", 0, UINT32_MAX), ID2V_ERR_STALE);
}

static void test_parse_strict(void **state)
{
    (void)state;
    id2v_auth_code_t ac;
    static const char *const bad[] = {
        "",
        "0~2~ABABABABABABABAB~55B8~",
        "4~2~ABABABABABABABAB~55B83408399FA660F05C82E4F25333DC~"
        "kFNcIOvYr7dVTGUCrnierlSHczCfoQUZlWZ1umFRqimVT2Ty5Ohunu6C0gIWaEiZ",
        "0~1~ABABABABABABABAB~55B83408399FA660F05C82E4F25333DC~"
        "kFNcIOvYr7dVTGUCrnierlSHczCfoQUZlWZ1umFRqimVT2Ty5Ohunu6C0gIWaEiZ",
        "0~2~abababababababab~55B83408399FA660F05C82E4F25333DC~"
        "kFNcIOvYr7dVTGUCrnierlSHczCfoQUZlWZ1umFRqimVT2Ty5Ohunu6C0gIWaEiZ",
        "0~2~ABABABABABABABA~55B83408399FA660F05C82E4F25333DC~"
        "kFNcIOvYr7dVTGUCrnierlSHczCfoQUZlWZ1umFRqimVT2Ty5Ohunu6C0gIWaEiZ",
        "0~2~ABABABABABABABAB~~kFNcIOvYr7dVTGUCrnierlSHczCfoQUZlWZ1umFRqimVT2Ty5Ohunu6C0gIWaEiZ",
        "0~2~ABABABABABABABAB~55B83408399FA660F05C82E4F25333DC0~"
        "kFNcIOvYr7dVTGUCrnierlSHczCfoQUZlWZ1umFRqimVT2Ty5Ohunu6C0gIWaEiZ",
        "0~2~ABABABABABABABAB~55B8 3408~kFNcIOvYr7dVTGUCrnierlSHczCfoQUZlWZ1umFRqimVT2Ty5Ohunu6C0gIWaEiZ",
        "0~2~ABABABABABABABAB~55B83408399FA660F05C82E4F25333DC~"
        "kFNcIOvYr7dVTGUCrnierlSHczCfoQUZlWZ1umFRqimVT2Ty5Ohunu6C0gIWaEi",
        "0~2~ABABABABABABABAB~55B83408399FA660F05C82E4F25333DC~"
        "kFNcIOvYr7dVTGUCrnierlSHczCfoQUZlWZ1umFRqimVT2Ty5Ohunu6C0gIWaEi=",
        "0~2~ABABABABABABABAB~55B83408399FA660F05C82E4F25333DC~"
        "kFNcIOvYr7dVTGUCrnierlSHczCfoQUZlWZ1umFRqimVT2Ty5Ohunu6C0gIWaEi-",
        "0~2~ABABABABABABABAB~55B83408399FA660F05C82E4F25333DC~"
        "kFNcIOvYr7dVTGUCrnierlSHczCfoQUZlWZ1umFRqimVT2Ty5Ohunu6C0gIWaEiZ~",
        "1~2~ABABABABABABABAB~01593072000000~3S34ERxkxFCAktvYHIKUngwjgalW4nPJ6c5ZYunMrcuVT2Ty5Ohunu6C0gIWaEiZ",
        "1~2~ABABABABABABABAB~159307200000A~3S34ERxkxFCAktvYHIKUngwjgalW4nPJ6c5ZYunMrcuVT2Ty5Ohunu6C0gIWaEiZ",
        "10~2~ABABABABABABABAB~YmkREbfVQQEloYoCT87wIRtfR2S2kzxXzmgZ0H3RAKSVT2Ty5Ohunu6C0gIWaEiZ",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = id2v_parse_auth_code(bad[i], strlen(bad[i]), &ac);
        if (rc == ID2V_OK)
            fail_msg("accepted bad code %zu: %s", i, bad[i]);
    }
    /* embedded NUL, over-long */
    char m[400];
    memcpy(m, code0, sizeof code0);
    m[60] = '\0';
    assert_int_equal(id2v_parse_auth_code(m, strlen(code0), &ac), ID2V_ERR_FORMAT);
    memset(m, 'A', sizeof m);
    assert_int_equal(id2v_parse_auth_code(m, sizeof m, &ac), ID2V_ERR_FORMAT);
    assert_int_equal(id2v_parse_auth_code(NULL, 5, &ac), ID2V_ERR_BAD_PARAM);
    assert_int_equal(id2v_parse_auth_code(code0, strlen(code0), &ac), ID2V_OK);
    assert_int_equal(ac.sig_b64_len, 64);
    assert_ptr_equal(ac.sig_b64, code0 + 54);
    /* code_len shorter than the string: only that prefix is the code */
    assert_int_not_equal(id2v_parse_auth_code(code0, strlen(code0) - 1, &ac), ID2V_OK);
}

/* ------------------------------------------------------------------ server codes, PSK */

static void test_server_codes(void **state)
{
    (void)state;
    id2v_key_t k;
    ct_spec_aes_key(&k);
    char out[ID2V_AUTH_CODE_MAX];
    assert_int_equal(id2v_server_auth_code(&k, DR, NULL, 0, out, sizeof out), ID2V_OK);
    assert_string_equal(out, "10~2~ABABABABABABABAB~YmkREbfVQQEloYoCT87wIRtfR2S2kzxXzmgZ0H3RAKSVT2Ty5Ohunu6C0gIWaEiZ");
    assert_int_equal(id2v_server_auth_code(&k, DR, (const uint8_t *)"server-extra", 12, out, sizeof out), ID2V_OK);
    assert_string_equal(out, "11~2~ABABABABABABABAB~pNxNtVMMzp721VIS0Q/dXE6bb4Wl+rJqPzUMHtq2iqiVT2Ty5Ohunu6C0gIWaEiZ");
    /* another device random gives another code */
    assert_int_equal(id2v_server_auth_code(&k, "ABABABABABABABAC", NULL, 0, out, sizeof out), ID2V_OK);
    assert_string_not_equal(out,
                            "10~2~ABABABABABABABAB~YmkREbfVQQEloYoCT87wIRtfR2S2kzxXzmgZ0H3RAKSVT2Ty5Ohunu6C0gIWaEiZ");
    assert_int_equal(id2v_server_auth_code(&k, "abababababababab", NULL, 0, out, sizeof out), ID2V_ERR_FORMAT);
    assert_int_equal(id2v_server_auth_code(&k, "ABABABABABABABA", NULL, 0, out, sizeof out), ID2V_ERR_FORMAT);
    assert_int_equal(id2v_server_auth_code(&k, DR, NULL, 0, out, 255), ID2V_ERR_SHORT_BUFFER);
    uint8_t big[ID2V_MAX_EXTRA + 1] = {0};
    assert_int_equal(id2v_server_auth_code(&k, DR, big, sizeof big, out, sizeof out), ID2V_ERR_BAD_PARAM);
}

static void hex_upper(const uint8_t *b, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02X", b[i]);
}

static void test_psk(void **state)
{
    (void)state;
    id2v_key_t k;
    ct_spec_aes_key(&k);
    uint8_t psk[32];
    char hex[65];
    assert_int_equal(id2v_psk(&k, "ID2-SEED", psk), ID2V_OK);
    hex_upper(psk, 32, hex);
    assert_string_equal(hex, "2375FA4E0523E254CBB0065223772CE4ED9CCD5B5631C861F27226D506295C64");
    assert_int_equal(id2v_psk(&k, "trustm", psk), ID2V_OK);
    hex_upper(psk, 32, hex);
    assert_string_equal(hex, "B1294AFF81B4A8CAE1F406FD6192689BBE541BC2CB5AE597265B89E8D94174D3");
    assert_int_equal(id2v_psk(&k, "", psk), ID2V_ERR_BAD_PARAM);
    id2v_key_t s = k;
    s.type = ID2V_KEY_SECRET;
    assert_int_equal(id2v_psk(&s, "trustm", psk), ID2V_ERR_NOT_SUPPORTED);
    char out[ID2V_AUTH_CODE_MAX];
    assert_int_equal(id2v_server_auth_code(&s, DR, NULL, 0, out, sizeof out), ID2V_ERR_NOT_SUPPORTED);
    assert_int_equal(verify(&s, code0, ID2V_TYPES_ANY, CHAL, NULL), ID2V_ERR_NOT_SUPPORTED);
    id2v_key_t bad = k;
    bad.key_len = 15;
    assert_int_equal(id2v_psk(&bad, "trustm", psk), ID2V_ERR_FORMAT);
}

/* ------------------------------------------------------------------ RSA */

static void test_rsa_sample_key(void **state)
{
    (void)state;
    char path[1024];
    TV_REQUIRE_SHARED("spec/vectors/sample_rsa_1024_priv.pem", path);
    id2v_key_t k;
    assert_int_equal(ct_rsa_from_pem(path, &k, "00112233445566778899AABB"), 0);
    char out[ID2V_AUTH_CODE_MAX];
    assert_int_equal(ct_device_code(&k, 0, DR, CHAL, NULL, out), 0);
    assert_string_equal(out, rsa_code0);
    assert_int_equal(strlen(out), 226);
    assert_int_equal(verify(&k, rsa_code0, ID2V_TYPES_CHALLENGE, CHAL, NULL), ID2V_OK);
    all_mutations_refused(&k, rsa_code0, CHAL, NULL);
    id2v_key_t aes;
    ct_spec_aes_key(&aes);
    assert_int_not_equal(verify(&aes, rsa_code0, ID2V_TYPES_ANY, CHAL, NULL), ID2V_OK);
    assert_int_not_equal(verify(&k, code0, ID2V_TYPES_ANY, CHAL, NULL), ID2V_OK);
    id2v_key_wipe(&k);
}

static void test_rsa_generated_key(void **state)
{
    (void)state;
    id2v_key_t k, other;
    assert_int_equal(ct_rsa_gen(&k, "0A1B2C3D4E5F60718293A4B5"), 0);
    assert_int_equal(ct_rsa_gen(&other, "0A1B2C3D4E5F60718293A4B5"), 0);
    char out[ID2V_AUTH_CODE_MAX];
    for (int type = 0; type < 4; type++) {
        const char *sr = type % 2 ? TS : CHAL, *x = type >= 2 ? cid_92 : NULL;
        assert_int_equal(ct_device_code(&k, type, DR, sr, x, out), 0);
        assert_int_equal(strlen(out), 4 + 1 + 16 + 1 + strlen(sr) + 172);
        assert_int_equal(verify(&k, out, 1u << type, type % 2 ? NULL : CHAL, x), ID2V_OK);
        assert_int_equal(verify(&other, out, 1u << type, type % 2 ? NULL : CHAL, x), ID2V_ERR_SIGNATURE);
    }
    /* server code: RSA PKCS#1 v1.5 is deterministic, its signature verifies under the key */
    char s1[ID2V_AUTH_CODE_MAX], s2[ID2V_AUTH_CODE_MAX];
    assert_int_equal(id2v_server_auth_code(&k, DR, NULL, 0, s1, sizeof s1), ID2V_OK);
    assert_int_equal(id2v_server_auth_code(&k, DR, NULL, 0, s2, sizeof s2), ID2V_OK);
    assert_string_equal(s1, s2);
    assert_int_equal(strlen(s1), 5 + 16 + 1 + 172);
    uint8_t p1[32], p2[32];
    assert_int_equal(id2v_psk(&k, "trustm", p1), ID2V_OK);
    assert_int_equal(id2v_psk(&other, "trustm", p2), ID2V_OK);
    assert_memory_not_equal(p1, p2, 32);
    /* a 2048-bit or garbage key is refused */
    id2v_key_t junk = k;
    junk.key[0] ^= 0xFF;
    assert_int_equal(verify(&junk, out, ID2V_TYPES_ANY, NULL, cid_92), ID2V_ERR_FORMAT);
    id2v_key_wipe(&k);
    id2v_key_wipe(&other);
}

/* ------------------------------------------------------------------ MQTT names, password */

static void test_secret_password(void **state)
{
    (void)state;
    char pw[65];
    assert_int_equal(
        id2v_secret_password("a1MZxOdcBnO", "test_01", "t9GmMf2jb3LgWfXBaZD2r3aJrfVWBv56", "2524608000000", pw),
        ID2V_OK);
    assert_string_equal(pw, "d64bac40a79ad70ba6c453508d0df5436a937c091ae789ddcd93ffaf864b7b2f");
    assert_int_equal(id2v_verify_secret_password("a1MZxOdcBnO", "test_01", "t9GmMf2jb3LgWfXBaZD2r3aJrfVWBv56",
                                                 "2524608000000", pw, 64),
                     ID2V_OK);
    pw[63] = pw[63] == '0' ? '1' : '0';
    assert_int_equal(id2v_verify_secret_password("a1MZxOdcBnO", "test_01", "t9GmMf2jb3LgWfXBaZD2r3aJrfVWBv56",
                                                 "2524608000000", pw, 64),
                     ID2V_ERR_SIGNATURE);
    assert_int_equal(id2v_verify_secret_password("a1MZxOdcBnO", "test_01", "t9GmMf2jb3LgWfXBaZD2r3aJrfVWBv56",
                                                 "2524608000000", pw, 63),
                     ID2V_ERR_SIGNATURE);
    assert_int_equal(
        id2v_secret_password("a1MZxOdcBnO", "test_01", "t9GmMf2jb3LgWfXBaZD2r3aJrfVWBv57", "2524608000000", pw),
        ID2V_OK);
    assert_string_not_equal(pw, "d64bac40a79ad70ba6c453508d0df5436a937c091ae789ddcd93ffaf864b7b2f");
    assert_int_equal(id2v_secret_password("a1MZ&", "test_01", "x", "1", pw), ID2V_ERR_FORMAT);
    assert_int_equal(id2v_secret_password("a1", "test_01", "", "1", pw), ID2V_ERR_FORMAT);
    assert_int_equal(id2v_secret_password("a1", "test_01", "x", "1a", pw), ID2V_ERR_FORMAT);
}

static void test_client_id(void **state)
{
    (void)state;
    char out[512];
    assert_int_equal(id2v_format_client_id("a1FCMDh4ypx", "IFXDeviceMqttTest", 2, "2524608000000", NULL, NULL, "id2",
                                           NULL, out, sizeof out),
                     ID2V_OK);
    assert_string_equal(out, cid_92);
    assert_int_equal(strlen(out), 113);
    static const char seed[] =
        "a1FCMDh4ypx.IFXDeviceMqttTest|securemode=8,timestamp=2524608000000,signmethod=hmacsha256,gw=0,ext=0,"
        "partner_id=example.demo.partner-id,module_id=example.demo.module-id,authtype=id2,a=aos-r-2.1.0|";
    assert_int_equal(id2v_format_client_id("a1FCMDh4ypx", "IFXDeviceMqttTest", 8, "2524608000000",
                                           "example.demo.partner-id", "example.demo.module-id", "id2", "aos-r-2.1.0",
                                           out, sizeof out),
                     ID2V_OK);
    assert_string_equal(out, seed);
    assert_int_equal(strlen(out), 195);
    assert_int_equal(id2v_format_client_id("a1FCMDh4ypx", "IFXDeviceMqttTest", 2, "2524608000000", NULL, NULL, "id2",
                                           NULL, out, 113),
                     ID2V_ERR_SHORT_BUFFER);
    assert_int_equal(id2v_format_client_id("a1FCMDh4ypx", "IFXDeviceMqttTest", 2, "2524608000000", NULL, NULL, "id2",
                                           NULL, out, 114),
                     ID2V_OK);
    assert_int_equal(id2v_format_client_id("a1.x", "d", 2, "1", NULL, NULL, NULL, NULL, out, sizeof out),
                     ID2V_ERR_FORMAT);
    assert_int_equal(id2v_format_client_id("a1", "d", 2, "1", "a|b", NULL, NULL, NULL, out, sizeof out),
                     ID2V_ERR_FORMAT);

    id2v_client_id_t c;
    assert_int_equal(id2v_parse_client_id(cid_92, &c), ID2V_OK);
    assert_string_equal(c.pk, "a1FCMDh4ypx");
    assert_string_equal(c.dn, "IFXDeviceMqttTest");
    assert_int_equal(c.securemode, 2);
    assert_string_equal(c.timestamp, "2524608000000");
    assert_string_equal(c.signmethod, "hmacsha256");
    assert_string_equal(c.authtype, "id2");
    assert_int_equal(id2v_parse_client_id(seed, &c), ID2V_OK);
    assert_int_equal(c.securemode, 8);
    assert_int_equal(id2v_parse_client_id("pk.dev.with.dots|securemode=3|", &c), ID2V_OK);
    assert_string_equal(c.dn, "dev.with.dots");
    assert_string_equal(c.timestamp, "");
    assert_string_equal(c.authtype, "");
    static const char *const bad[] = {
        "",
        "a1FCMDh4ypx.IFXDeviceMqttTest",
        "a1FCMDh4ypx.IFXDeviceMqttTest|securemode=2",
        "a1FCMDh4ypx.IFXDeviceMqttTest||",
        "a1FCMDh4ypx.IFXDeviceMqttTest|securemode=2,|",
        "a1FCMDh4ypx.IFXDeviceMqttTest|securemode=2,,gw=0|",
        "a1FCMDh4ypx.IFXDeviceMqttTest|securemode=2,securemode=2|",
        "a1FCMDh4ypx.IFXDeviceMqttTest|securemode=2,foo=1|",
        "a1FCMDh4ypx.IFXDeviceMqttTest|securemode=|",
        "a1FCMDh4ypx.IFXDeviceMqttTest|securemode=x|",
        "a1FCMDh4ypx.IFXDeviceMqttTest|securemode=100|",
        "a1FCMDh4ypx.IFXDeviceMqttTest|timestamp=12a|",
        "a1FCMDh4ypx.IFXDeviceMqttTest|gw=2|",
        "a1FCMDh4ypx.IFXDeviceMqttTest|authtype=id2&x|",
        "a1FCMDh4ypx.IFXDeviceMqttTest|securemode=2|x",
        "a1FCMDh4ypx.IFXDeviceMqttTest|securemode=2||",
        ".IFXDeviceMqttTest|securemode=2|",
        "a1FCMDh4ypx.|securemode=2|",
        "a1FCMDh4ypxIFXDeviceMqttTest|securemode=2|",
        "a1FC Dh4ypx.IFXDeviceMqttTest|securemode=2|",
        "a1FCMDh4ypx.IFX&DeviceMqttTest|securemode=2|",
        "a1FCMDh4ypx.IFXDeviceMqttTest|signmethod=hmacsha256hmacsha256hmacsha256hmac|",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (id2v_parse_client_id(bad[i], &c) == ID2V_OK)
            fail_msg("accepted bad client id %zu: %s", i, bad[i]);
        assert_string_equal(c.pk, "");
    }
    assert_int_equal(id2v_parse_client_id(NULL, &c), ID2V_ERR_BAD_PARAM);
}

static void test_username(void **state)
{
    (void)state;
    char pk[65], dn[65];
    assert_int_equal(id2v_parse_username("IFXDeviceMqttTest&a1FCMDh4ypx", pk, dn), ID2V_OK);
    assert_string_equal(pk, "a1FCMDh4ypx");
    assert_string_equal(dn, "IFXDeviceMqttTest");
    static const char *const bad[] = {"",      "&",        "IFXDeviceMqttTest&", "&a1FCMDh4ypx", "IFXDeviceMqttTest",
                                      "a&b&c", "dev&pk.x", "dev|x&pk",           "dev&p k"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (id2v_parse_username(bad[i], pk, dn) == ID2V_OK)
            fail_msg("accepted bad user name %s", bad[i]);
    char long_dn[80];
    memset(long_dn, 'd', 65);
    strcpy(long_dn + 65, "&pk");
    assert_int_equal(id2v_parse_username(long_dn, pk, dn), ID2V_ERR_FORMAT);
}

/* ------------------------------------------------------------------ misc */

static int fixed_rng(void *p, unsigned char *out, size_t n)
{
    (void)p;
    for (size_t i = 0; i < n; i++)
        out[i] = (unsigned char)(0xA0 + i);
    return 0;
}

static void test_server_random(void **state)
{
    (void)state;
    char r[ID2V_MAX_SERVER_RANDOM + 1], r2[ID2V_MAX_SERVER_RANDOM + 1];
    assert_int_equal(id2v_server_random(r, fixed_rng, NULL), ID2V_OK);
    assert_string_equal(r, "A0A1A2A3A4A5A6A7A8A9AAABACADAEAF");
    assert_int_equal(id2v_server_random(r, NULL, NULL), ID2V_OK);
    assert_int_equal(id2v_server_random(r2, NULL, NULL), ID2V_OK);
    assert_int_equal(strlen(r), 32);
    assert_string_not_equal(r, r2);
    for (int i = 0; i < 32; i++)
        assert_true((r[i] >= '0' && r[i] <= '9') || (r[i] >= 'A' && r[i] <= 'F'));
}

static void test_wipe_and_errors(void **state)
{
    (void)state;
    id2v_key_t k, zero;
    ct_spec_aes_key(&k);
    id2v_key_wipe(&k);
    memset(&zero, 0, sizeof zero);
    assert_memory_equal(&k, &zero, sizeof k);
    id2v_key_wipe(NULL);
    for (int s = 0; s >= -14; s--)
        assert_true(strlen(id2v_strerror(s)) > 0);
    assert_string_equal(id2v_strerror(ID2V_ERR_REPLAY), "auth code seen before (replay)");
    assert_int_equal(id2v_valid_id2("00112233445566778899AABB"), 1);
    assert_int_equal(id2v_valid_id2("00112233445566778899aabb"), 0);
    assert_int_equal(id2v_valid_id2("00112233445566778899AABB0"), 0);
    uint8_t sig[64];
    size_t len;
    assert_int_equal(id2v_sign(NULL, sig, 1, sig, sizeof sig, &len), ID2V_ERR_BAD_PARAM);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sign_primitive),
        cmocka_unit_test(test_codes_reproduced),
        cmocka_unit_test(test_codes_accepted),
        cmocka_unit_test(test_one_char_changes_refused),
        cmocka_unit_test(test_wrong_type),
        cmocka_unit_test(test_timestamps),
        cmocka_unit_test(test_parse_strict),
        cmocka_unit_test(test_server_codes),
        cmocka_unit_test(test_psk),
        cmocka_unit_test(test_rsa_sample_key),
        cmocka_unit_test(test_rsa_generated_key),
        cmocka_unit_test(test_secret_password),
        cmocka_unit_test(test_client_id),
        cmocka_unit_test(test_username),
        cmocka_unit_test(test_server_random),
        cmocka_unit_test(test_wipe_and_errors),
    };
    return cmocka_run_group_tests_name("cloud_id2v", tests, NULL, NULL);
}
