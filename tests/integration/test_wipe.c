/*
 * test_wipe.c - no secret stays in the device context once an operation has ended.
 * After each operation that carries secret material -- an exported AES key, an exported RSA
 * private key, DeriveKey output, DecryptAsym plaintext, a secret written with SetDataObject --
 * the whole trustm_device_t (APDU buffers, operation state, data link frame buffers) is scanned
 * for the secret; on success, on a device error and after an abort.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "itest.h"

#define OK(expr) assert_int_equal((expr), TRUSTM_OK)

/* Fails if any 12-byte window of secret (the whole secret if shorter) occurs in the context. */
static void assert_wiped(const trustm_device_t *dev, const uint8_t *secret, size_t len, const char *what)
{
    const uint8_t *ctx = (const uint8_t *)dev;
    size_t w = len < 12u ? len : 12u;
    for (size_t s = 0; s + w <= len; s++)
        for (size_t i = 0; i + w <= sizeof *dev; i++)
            if (memcmp(ctx + i, secret + s, w) == 0)
                fail_msg("%s: %zu secret bytes (offset %zu) still in the device context at byte %zu", what, w, s, i);
}

static int setup(void **state)
{
    itest_t *t = calloc(1, sizeof *t);
    if (t == NULL || itest_setup(t, 0, TRUSTM_SIM_TIMING_NONE, 91) != 0 || trustm_device_open(&t->dev) != TRUSTM_OK)
        return -1;
    *state = t;
    return 0;
}

static int teardown(void **state)
{
    itest_t *t = *state;
    itest_teardown(t);
    free(t);
    return 0;
}

static void test_aes_export(void **state)
{
    itest_t *t = *state;
    uint8_t key[32];
    size_t n = 0;
    OK(trustm_aes_keygen_export(&t->dev, 0x83 /* AES-256 */, key, sizeof key, &n));
    assert_int_equal(n, 32);
    assert_wiped(&t->dev, key, n, "GenSymKey export");
}

static void test_rsa_export_and_decrypt(void **state)
{
    itest_t *t = *state;
    uint8_t priv[TRUSTM_RSA_PRIVKEY_MAX], pub[TRUSTM_RSA_PUBKEY_MAX];
    size_t pl = 0, ql = 0;
    OK(trustm_rsa_keygen_export(&t->dev, TRUSTM_RSA1024, priv, sizeof priv, &pl, pub, sizeof pub, &ql));
    assert_true(pl > 64);
    assert_wiped(&t->dev, priv + 4, pl - 4, "GenKeyPair export (private exponent)");

    /* a key pair for decryption, a message encrypted by the chip, decrypted by the chip */
    OK(trustm_rsa_keygen(&t->dev, 0xE0FD, TRUSTM_RSA1024, 0x12, pub, sizeof pub, &ql));
    static const uint8_t msg[] = "premaster secret, 32 bytes long!";
    trustm_rsa_key_src_t src = {0, TRUSTM_RSA1024, pub, ql};
    uint8_t ct[128], pt[128];
    size_t cl = 0, n = 0;
    OK(trustm_rsa_encrypt(&t->dev, &src, msg, 32, ct, sizeof ct, &cl));
    assert_wiped(&t->dev, msg, 32, "EncryptAsym message");
    OK(trustm_rsa_decrypt(&t->dev, 0xE0FD, ct, cl, pt, sizeof pt, &n));
    assert_int_equal(n, 32);
    assert_memory_equal(pt, msg, 32);
    assert_wiped(&t->dev, pt, n, "DecryptAsym plaintext");
}

static void test_secret_write_and_derive(void **state)
{
    itest_t *t = *state;
    uint8_t secret[48], md[40], okm[64];
    size_t ml = 0;
    for (size_t i = 0; i < sizeof secret; i++)
        secret[i] = (uint8_t)(0xA0 ^ (i * 7));
    OK(trustm_data_write(&t->dev, 0xF1D5, TRUSTM_ERASE_AND_WRITE, 0, secret, sizeof secret));
    assert_wiped(&t->dev, secret, sizeof secret, "SetDataObject secret");
    /* a write the chip refuses (offset past the object) carries the secret as well */
    assert_int_not_equal(trustm_data_write(&t->dev, 0xF1D5, TRUSTM_WRITE_ONLY, 200, secret, sizeof secret), TRUSTM_OK);
    assert_wiped(&t->dev, secret, sizeof secret, "SetDataObject secret, refused");
    OK(trustm_metadata_parse("type: PRESSEC; execute: ALW", md, sizeof md, &ml));
    OK(trustm_metadata_write(&t->dev, 0xF1D5, md, ml));
    static const uint8_t salt[] = {1, 2, 3, 4, 5, 6, 7, 8};
    OK(trustm_hkdf(&t->dev, 0xF1D5, 0, TRUSTM_HKDF_SHA256, sizeof okm, salt, sizeof salt, NULL, 0, okm, sizeof okm,
                   NULL));
    assert_wiped(&t->dev, okm, sizeof okm, "DeriveKey output");
}

static void test_abort_wipes(void **state)
{
    itest_t *t = *state;
    uint8_t secret[40];
    for (size_t i = 0; i < sizeof secret; i++)
        secret[i] = (uint8_t)(0x5C + i * 3);
    OK(trustm_op_start_data_write(&t->dev, 0xF1D6, TRUSTM_ERASE_AND_WRITE, 0, secret, sizeof secret));
    uint64_t deadline = 0;
    assert_int_equal(trustm_op_poll(&t->dev, &deadline), TRUSTM_IN_PROGRESS); /* the frame is on its way */
    trustm_op_abort(&t->dev);
    assert_wiped(&t->dev, secret, sizeof secret, "SetDataObject, aborted");
    /* and the link still works */
    uint8_t buf[8];
    size_t n = 0;
    OK(trustm_data_read(&t->dev, 0xE0C2, 0, buf, sizeof buf, &n));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_aes_export, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rsa_export_and_decrypt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_secret_write_and_derive, setup, teardown),
        cmocka_unit_test_setup_teardown(test_abort_wipes, setup, teardown),
    };
    return cmocka_run_group_tests_name("integration_wipe", tests, NULL, NULL);
}
