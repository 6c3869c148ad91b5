/*
 * test_cli_crypto.c - `trustm` cryptographic subcommands against a fresh simulated chip per
 * test, every result checked independently on the host: AES (ECB/CBC/CBC-MAC/CMAC with the
 * provisioned key) with mbedTLS and, for the acceptance check, `openssl enc`; RSA keys, signatures
 * and ciphertexts with mbedTLS and `openssl dgst -verify`; HMAC, TLS 1.2 PRF and HKDF from a
 * PRESSEC object with mbedTLS; the security-monitor throttling note.
 * The openssl checks are skipped (with a message) when openssl is not installed.
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

#include <mbedtls/aes.h>
#include <mbedtls/cipher.h>
#include <mbedtls/cmac.h>
#include <mbedtls/hkdf.h>
#include <mbedtls/md.h>
#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>
#include <mbedtls/sha256.h>

#include "cli_chip.h"
#include "cli_run.h"

static void hex_of(const unsigned char *b, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) {
        sprintf(out + 2 * i, "%02x", b[i]);
    }
    out[2 * n] = '\0';
}

/* stdout of a --hex run as bytes */
static size_t out_bytes(const cli_result_t *r, unsigned char *b, size_t size)
{
    long n = cli_unhex(r->out, b, size);
    assert_true(n >= 0);
    return (size_t)n;
}

static void test_aes_acceptance_openssl(void **state)
{
    static const unsigned char block[16] = {0x6b, 0xc1, 0xbe, 0xe2, 0x2e, 0x40, 0x9f, 0x96,
                                            0xe9, 0x3d, 0x7e, 0x11, 0x73, 0x93, 0x17, 0x2a};
    cli_result_t r, o;
    (void)state;
    if (!have_openssl()) {
        fprintf(stderr, "SKIP: openssl not installed; the ECB acceptance check against openssl is skipped\n");
        skip();
    }
    assert_int_equal(cli_write_file(tmpf("block.bin"), block, sizeof(block)), 0);
    trun_expect(&r, 0, "aes-encrypt --mode ecb --in '%s' --out '%s'", tmpf("block.bin"), tmpf("chip.ct"));
    cli_result_free(&r);
    assert_int_equal(shell(&o, "openssl enc -aes-128-ecb -nopad -K 000102030405060708090a0b0c0d0e0f -in '%s' -out '%s'",
                           tmpf("block.bin"), tmpf("ossl.ct")),
                     0);
    cli_result_free(&o);
    {
        size_t n1 = 0, n2 = 0;
        unsigned char *a = cli_read_bin(tmpf("chip.ct"), &n1);
        unsigned char *b = cli_read_bin(tmpf("ossl.ct"), &n2);
        assert_non_null(a);
        assert_non_null(b);
        assert_int_equal(n1, 16);
        assert_int_equal(n2, 16);
        assert_memory_equal(a, b, 16);
        free(a);
        free(b);
    }
}

static void test_aes_modes_mbedtls(void **state)
{
    static unsigned char msg[1000];
    unsigned char want[1000], got[1100], iv[16], iv2[16];
    char hex[2100];
    cli_result_t r;
    mbedtls_aes_context aes;
    (void)state;
    for (size_t i = 0; i < sizeof(msg); i++) {
        msg[i] = (unsigned char)(i * 13u + 7u);
    }
    for (size_t i = 0; i < 16; i++) {
        iv[i] = (unsigned char)(0xF0u - i);
    }
    assert_int_equal(cli_write_file(tmpf("m992.bin"), msg, 992), 0); /* 62 blocks: two commands */
    mbedtls_aes_init(&aes);
    assert_int_equal(mbedtls_aes_setkey_enc(&aes, chip_aes_key, 128), 0);

    /* ECB */
    trun_expect(&r, 0, "aes-encrypt --mode ecb --in '%s' --hex-out", tmpf("m992.bin"));
    assert_int_equal(out_bytes(&r, got, sizeof(got)), 992);
    for (size_t i = 0; i < 992; i += 16) {
        mbedtls_aes_crypt_ecb(&aes, MBEDTLS_AES_ENCRYPT, msg + i, want + i);
    }
    assert_memory_equal(got, want, 992);
    cli_result_free(&r);
    /* and back */
    assert_int_equal(cli_write_file(tmpf("ecb.ct"), want, 992), 0);
    trun_expect(&r, 0, "aes-decrypt --mode ecb --in '%s' --out '%s'", tmpf("ecb.ct"), tmpf("ecb.pt"));
    cli_result_free(&r);
    {
        size_t n = 0;
        unsigned char *b = cli_read_bin(tmpf("ecb.pt"), &n);
        assert_non_null(b);
        assert_int_equal(n, 992);
        assert_memory_equal(b, msg, 992);
        free(b);
    }

    /* CBC with an IV */
    hex_of(iv, 16, hex);
    trun_expect(&r, 0, "aes-encrypt --mode cbc --iv %s --in '%s' --hex-out", hex, tmpf("m992.bin"));
    assert_int_equal(out_bytes(&r, got, sizeof(got)), 992);
    memcpy(iv2, iv, 16);
    assert_int_equal(mbedtls_aes_crypt_cbc(&aes, MBEDTLS_AES_ENCRYPT, 992, iv2, msg, want), 0);
    assert_memory_equal(got, want, 992);
    cli_result_free(&r);
    /* decrypt, ciphertext given as a hex file */
    {
        static char ct_hex[2 * 992 + 2];
        hex_of(want, 992, ct_hex);
        assert_int_equal(cli_write_file(tmpf("cbc.hex"), ct_hex, strlen(ct_hex)), 0);
        trun_expect(&r, 0, "aes-decrypt --mode cbc --iv %s --in '%s' --hex", hex, tmpf("cbc.hex"));
        assert_int_equal(out_bytes(&r, got, sizeof(got)), 992);
        assert_memory_equal(got, msg, 992);
        cli_result_free(&r);
    }

    /* CBC-MAC: last block of CBC with a zero IV */
    trun_expect(&r, 0, "aes-encrypt --mode cbc-mac --in '%s' --hex-out", tmpf("m992.bin"));
    assert_int_equal(out_bytes(&r, got, sizeof(got)), 16);
    memset(iv2, 0, 16);
    assert_int_equal(mbedtls_aes_crypt_cbc(&aes, MBEDTLS_AES_ENCRYPT, 992, iv2, msg, want), 0);
    assert_memory_equal(got, want + 992 - 16, 16);
    cli_result_free(&r);

    /* CMAC of an odd length */
    assert_int_equal(cli_write_file(tmpf("m37.bin"), msg, 37), 0);
    trun_expect(&r, 0, "aes-encrypt --mode cmac --in '%s' --hex-out", tmpf("m37.bin"));
    assert_int_equal(out_bytes(&r, got, sizeof(got)), 16);
    assert_int_equal(mbedtls_cipher_cmac(mbedtls_cipher_info_from_type(MBEDTLS_CIPHER_AES_128_ECB), chip_aes_key, 128,
                                         msg, 37, want),
                     0);
    assert_memory_equal(got, want, 16);
    cli_result_free(&r);
    mbedtls_aes_free(&aes);

    /* bad input */
    trun_expect(&r, 4, "aes-encrypt --mode ecb --in '%s'", tmpf("m37.bin"));
    assert_non_null(strstr(r.err, "multiple of 16"));
    cli_result_free(&r);
    trun_expect(&r, 1, "aes-encrypt --mode gcm --data 00");
    cli_result_free(&r);
    trun_expect(&r, 1, "aes-decrypt --mode cmac --data 00");
    cli_result_free(&r);
    trun_expect(&r, 1, "aes-encrypt --mode cbc --iv 0011 --in '%s'", tmpf("m992.bin"));
    assert_non_null(strstr(r.err, "16 bytes"));
    cli_result_free(&r);
    trun_expect(&r, 1, "aes-encrypt --mode ecb --iv 00112233445566778899aabbccddeeff --in '%s'", tmpf("m992.bin"));
    cli_result_free(&r);
    trun_expect(&r, 1, "aes-encrypt --data 00");
    assert_non_null(strstr(r.err, "missing --mode"));
    cli_result_free(&r);
}

static void test_aes_keygen(void **state)
{
    cli_result_t r;
    unsigned char k[40];
    (void)state;
    trun_expect(&r, 0, "aes-keygen --export --bits 256 --hex");
    assert_int_equal(out_bytes(&r, k, sizeof(k)), 32);
    cli_result_free(&r);
    /* E200 is shipped with change NEV: GenSymKey is refused until the metadata allows it */
    trun_expect(&r, 3, "aes-keygen --bits 256");
    assert_non_null(strstr(r.err, "GenSymKey: chip error 0x07"));
    cli_result_free(&r);
    trun_expect(&r, 0, "metadata E200 --set 'change: LcsO < op'");
    cli_result_free(&r);
    trun_expect(&r, 0, "aes-keygen --bits 256 --usage enc");
    assert_string_equal(r.out, "E200: new AES-256 key generated\n");
    cli_result_free(&r);
    trun_expect(&r, 0, "metadata E200");
    assert_non_null(strstr(r.out, "algorithm: AES256"));
    cli_result_free(&r);
    /* the new key is not the provisioned one: ECB of a zero block differs, and decrypts back */
    trun_expect(&r, 0, "aes-encrypt --mode ecb --data 00000000000000000000000000000000 --out '%s'", tmpf("k.ct"));
    cli_result_free(&r);
    trun_expect(&r, 0, "aes-decrypt --mode ecb --in '%s' --hex-out", tmpf("k.ct"));
    assert_string_equal(r.out, "00000000000000000000000000000000\n");
    cli_result_free(&r);
    trun_expect(&r, 1, "aes-keygen --bits 100");
    cli_result_free(&r);
    trun_expect(&r, 1, "aes-keygen --out x");
    cli_result_free(&r);
}

static int fixed_rng(void *ctx, unsigned char *out, size_t len)
{
    (void)ctx;
    for (size_t i = 0; i < len; i++) {
        out[i] = (unsigned char)(0x5Au + i);
        if (out[i] == 0) {
            out[i] = 1;
        }
    }
    return 0;
}

static void test_rsa_sign_verify(void **state)
{
    cli_result_t r;
    static unsigned char msg[3000];
    unsigned char digest[32];
    size_t sig_len = 0;
    unsigned char *sig;
    mbedtls_pk_context pk;
    (void)state;
    for (size_t i = 0; i < sizeof(msg); i++) {
        msg[i] = (unsigned char)(i * 3u);
    }
    assert_int_equal(cli_write_file(tmpf("msg.bin"), msg, sizeof(msg)), 0);
    mbedtls_sha256_ret(msg, sizeof(msg), digest, 0);
    assert_int_equal(cli_write_file(tmpf("msg.sha"), digest, sizeof(digest)), 0);

    trun_expect(&r, 0, "rsa-keygen --key E0FC --bits 2048 --out '%s'", tmpf("pub.pem"));
    assert_non_null(strstr(r.out, "E0FC: new RSA-2048 key pair generated"));
    cli_result_free(&r);
    trun_expect(&r, 0, "rsa-sign --key E0FC --hash --in '%s' --out '%s'", tmpf("msg.bin"), tmpf("sig.bin"));
    cli_result_free(&r);

    /* mbedTLS verifies the signature with the exported key */
    mbedtls_pk_init(&pk);
    assert_int_equal(mbedtls_pk_parse_public_keyfile(&pk, tmpf("pub.pem")), 0);
    assert_int_equal(mbedtls_pk_get_bitlen(&pk), 2048);
    sig = cli_read_bin(tmpf("sig.bin"), &sig_len);
    assert_non_null(sig);
    assert_int_equal(sig_len, 256);
    assert_int_equal(mbedtls_pk_verify(&pk, MBEDTLS_MD_SHA256, digest, 32, sig, sig_len), 0);
    free(sig);
    mbedtls_pk_free(&pk);

    /* acceptance: openssl verifies it too */
    if (have_openssl()) {
        cli_result_t o;
        assert_int_equal(shell(&o, "openssl dgst -sha256 -verify '%s' -signature '%s' '%s'", tmpf("pub.pem"),
                               tmpf("sig.bin"), tmpf("msg.bin")),
                         0);
        assert_non_null(strstr(o.out, "Verified OK"));
        cli_result_free(&o);
    } else {
        fprintf(stderr, "SKIP: openssl not installed; signature checked with mbedTLS only\n");
    }

    /* digest input signs the same (PKCS#1 v1.5 is deterministic) */
    trun_expect(&r, 0, "rsa-sign --in '%s' --out '%s'", tmpf("msg.sha"), tmpf("sig2.bin"));
    cli_result_free(&r);
    {
        size_t n1 = 0, n2 = 0;
        unsigned char *a = cli_read_bin(tmpf("sig.bin"), &n1);
        unsigned char *b = cli_read_bin(tmpf("sig2.bin"), &n2);
        assert_int_equal(n1, n2);
        assert_memory_equal(a, b, n1);
        free(a);
        free(b);
    }

    /* the chip verifies with the key file: valid, then a modified message is invalid */
    trun_expect(&r, 0, "rsa-verify --pubkey '%s' --sig '%s' --hash --in '%s'", tmpf("pub.pem"), tmpf("sig.bin"),
                tmpf("msg.bin"));
    assert_string_equal(r.out, "signature valid\n");
    cli_result_free(&r);
    msg[100] ^= 1u;
    assert_int_equal(cli_write_file(tmpf("msg2.bin"), msg, sizeof(msg)), 0);
    trun_expect(&r, 3, "rsa-verify --pubkey '%s' --sig '%s' --hash --in '%s'", tmpf("pub.pem"), tmpf("sig.bin"),
                tmpf("msg2.bin"));
    assert_string_equal(r.out, "signature INVALID\n");
    assert_non_null(strstr(r.err, "chip error 0x2C (signature verification failure)"));
    cli_result_free(&r);

    /* DER export of a 1024-bit key, signature with SHA-512 digest input */
    trun_expect(&r, 0, "rsa-keygen --key E0FD --bits 1024 --usage sign --der --out '%s'", tmpf("pub.der"));
    cli_result_free(&r);
    {
        unsigned char d512[64];
        size_t n = 0;
        unsigned char *der = cli_read_bin(tmpf("pub.der"), &n);
        mbedtls_md_context_t md;
        assert_non_null(der);
        mbedtls_pk_init(&pk);
        assert_int_equal(mbedtls_pk_parse_public_key(&pk, der, n), 0);
        assert_int_equal(mbedtls_pk_get_bitlen(&pk), 1024);
        free(der);
        mbedtls_md_init(&md);
        assert_int_equal(mbedtls_md(mbedtls_md_info_from_type(MBEDTLS_MD_SHA512), msg, 64, d512), 0);
        mbedtls_md_free(&md);
        assert_int_equal(cli_write_file(tmpf("d512"), d512, 64), 0);
        trun_expect(&r, 0, "rsa-sign --key E0FD --scheme sha512 --in '%s' --out '%s'", tmpf("d512"), tmpf("sig512"));
        cli_result_free(&r);
        sig = cli_read_bin(tmpf("sig512"), &sig_len);
        assert_int_equal(sig_len, 128);
        assert_int_equal(mbedtls_pk_verify(&pk, MBEDTLS_MD_SHA512, d512, 64, sig, sig_len), 0);
        free(sig);
        mbedtls_pk_free(&pk);
        trun_expect(&r, 0, "rsa-verify --pubkey '%s' --sig '%s' --in '%s'", tmpf("pub.der"), tmpf("sig512"),
                    tmpf("d512"));
        cli_result_free(&r);
    }

    /* usage and input errors */
    trun_expect(&r, 4, "rsa-sign --data 0011");
    assert_non_null(strstr(r.err, "not a SHA-256/384/512 digest"));
    cli_result_free(&r);
    trun_expect(&r, 1, "rsa-sign --hash --scheme sha384 --data 00");
    cli_result_free(&r);
    trun_expect(&r, 1, "rsa-verify --sig '%s' --in '%s'", tmpf("sig.bin"), tmpf("msg.sha"));
    assert_non_null(strstr(r.err, "--pubkey FILE or --cert-oid OID"));
    cli_result_free(&r);
    trun_expect(&r, 4, "rsa-verify --pubkey '%s' --sig '%s' --in '%s'", tmpf("msg.bin"), tmpf("sig.bin"),
                tmpf("msg.sha"));
    assert_non_null(strstr(r.err, "not an RSA public key"));
    cli_result_free(&r);
    trun_expect(&r, 1, "rsa-keygen --bits 4096");
    cli_result_free(&r);
    trun_expect(&r, 1, "rsa-keygen --usage fly");
    cli_result_free(&r);
}

static void test_rsa_encrypt_decrypt(void **state)
{
    cli_result_t r;
    unsigned char ct[256];
    size_t olen = 0;
    mbedtls_pk_context pk;
    (void)state;
    trun_expect(&r, 0, "rsa-keygen --key E0FD --bits 2048 --usage enc --out '%s'", tmpf("enc.pem"));
    cli_result_free(&r);
    /* chip encrypts with the key file, chip decrypts */
    trun_expect(&r, 0, "rsa-encrypt --pubkey '%s' --data 68656c6c6f20636869702e --out '%s'", tmpf("enc.pem"),
                tmpf("ct.bin"));
    cli_result_free(&r);
    trun_expect(&r, 0, "rsa-decrypt --key E0FD --in '%s' --hex-out", tmpf("ct.bin"));
    assert_string_equal(r.out, "68656c6c6f20636869702e\n");
    cli_result_free(&r);
    /* host (mbedTLS) encrypts to the exported key, chip decrypts */
    mbedtls_pk_init(&pk);
    assert_int_equal(mbedtls_pk_parse_public_keyfile(&pk, tmpf("enc.pem")), 0);
    assert_int_equal(
        mbedtls_pk_encrypt(&pk, (const unsigned char *)"host secret", 11, ct, &olen, sizeof(ct), fixed_rng, NULL), 0);
    mbedtls_pk_free(&pk);
    assert_int_equal(olen, 256);
    assert_int_equal(cli_write_file(tmpf("hct.bin"), ct, olen), 0);
    trun_expect(&r, 0, "rsa-decrypt --key E0FD --in '%s' --out '%s'", tmpf("hct.bin"), tmpf("hpt.bin"));
    cli_result_free(&r);
    {
        size_t n = 0;
        unsigned char *b = cli_read_bin(tmpf("hpt.bin"), &n);
        assert_int_equal(n, 11);
        assert_memory_equal(b, "host secret", 11);
        free(b);
    }
    /* a key without Enc usage refuses to decrypt */
    trun_expect(&r, 0, "rsa-keygen --key E0FC --bits 1024 --usage sign --out /dev/null");
    cli_result_free(&r);
    trun_expect(&r, 0, "rsa-encrypt --pubkey '%s' --data 00 --out '%s'", tmpf("enc.pem"), tmpf("ct1024.bin"));
    cli_result_free(&r);
    trun_expect(&r, 3, "rsa-decrypt --key E0FC --in '%s'", tmpf("ct.bin"));
    cli_result_free(&r);
    trun_expect(&r, 4, "rsa-decrypt --data 00");
    cli_result_free(&r);
}

/* Public key from a certificate stored in a data object: openssl makes a self-signed RSA-2048
 * certificate and signs with its key; the chip verifies with --cert-oid and encrypts to it. */
static void test_rsa_cert_oid(void **state)
{
    cli_result_t r, o;
    (void)state;
    if (!have_openssl()) {
        fprintf(stderr, "SKIP: openssl not installed; no certificate to test --cert-oid with\n");
        skip();
    }
    assert_int_equal(shell(&o,
                           "openssl req -x509 -newkey rsa:2048 -nodes -keyout '%s' -subj /CN=trustm-cli-test "
                           "-days 30 -outform DER -out '%s'",
                           tmpf("ca.key"), tmpf("ca.der")),
                     0);
    cli_result_free(&o);
    assert_int_equal(cli_write_file(tmpf("m.txt"), "certified message\n", 18), 0);
    assert_int_equal(
        shell(&o, "openssl dgst -sha256 -sign '%s' -out '%s' '%s'", tmpf("ca.key"), tmpf("m.sig"), tmpf("m.txt")), 0);
    cli_result_free(&o);
    trun_expect(&r, 0, "write E0E8 --erase --in '%s'", tmpf("ca.der"));
    cli_result_free(&r);
    trun_expect(&r, 0, "rsa-verify --cert-oid E0E8 --sig '%s' --hash --in '%s'", tmpf("m.sig"), tmpf("m.txt"));
    assert_string_equal(r.out, "signature valid\n");
    cli_result_free(&r);
    /* a signature by another key (the chip's) does not verify against the certificate */
    trun_expect(&r, 0, "rsa-keygen --out /dev/null");
    cli_result_free(&r);
    trun_expect(&r, 0, "rsa-sign --hash --in '%s' --out '%s'", tmpf("m.txt"), tmpf("chip.sig"));
    cli_result_free(&r);
    trun_expect(&r, 3, "rsa-verify --cert-oid E0E8 --sig '%s' --hash --in '%s'", tmpf("chip.sig"), tmpf("m.txt"));
    assert_string_equal(r.out, "signature INVALID\n");
    cli_result_free(&r);
    /* encryption to the certificate's key, decrypted by openssl */
    trun_expect(&r, 0, "rsa-encrypt --cert-oid E0E8 --data 7472757374 --out '%s'", tmpf("c.bin"));
    cli_result_free(&r);
    assert_int_equal(shell(&o, "openssl pkeyutl -decrypt -inkey '%s' -in '%s'", tmpf("ca.key"), tmpf("c.bin")), 0);
    assert_string_equal(o.out, "trust");
    cli_result_free(&o);
    trun_expect(&r, 1, "rsa-encrypt --cert-oid E0E8 --pubkey x --data 00");
    cli_result_free(&r);
}

/* TLS 1.2 P_hash on the host */
static void tls_prf(mbedtls_md_type_t t, const unsigned char *secret, size_t slen, const unsigned char *ls,
                    size_t lslen, unsigned char *out, size_t olen)
{
    const mbedtls_md_info_t *mi = mbedtls_md_info_from_type(t);
    size_t hl = mbedtls_md_get_size(mi);
    unsigned char a[64], buf[64 + 1100], blk[64];
    size_t done = 0;
    mbedtls_md_hmac(mi, secret, slen, ls, lslen, a);
    while (done < olen) {
        memcpy(buf, a, hl);
        memcpy(buf + hl, ls, lslen);
        mbedtls_md_hmac(mi, secret, slen, buf, hl + lslen, blk);
        size_t k = olen - done < hl ? olen - done : hl;
        memcpy(out + done, blk, k);
        done += k;
        mbedtls_md_hmac(mi, secret, slen, a, hl, a);
    }
}

static void make_pressec(const unsigned char *secret, size_t n)
{
    cli_result_t r;
    char hex[200];
    hex_of(secret, n, hex);
    trun_expect(&r, 0, "write F1D1 --erase --data %s", hex);
    cli_result_free(&r);
    trun_expect(&r, 0, "metadata F1D1 --set 'type: PRESSEC; execute: ALW'");
    cli_result_free(&r);
}

static void test_hmac_prf_hkdf(void **state)
{
    unsigned char secret[48], want[256], got[300];
    static const char *const algs[3] = {"sha256", "sha384", "sha512"};
    static const mbedtls_md_type_t mds[3] = {MBEDTLS_MD_SHA256, MBEDTLS_MD_SHA384, MBEDTLS_MD_SHA512};
    cli_result_t r;
    (void)state;
    for (size_t i = 0; i < sizeof(secret); i++) {
        secret[i] = (unsigned char)(0xA0u + i);
    }
    make_pressec(secret, sizeof(secret));
    for (int a = 0; a < 3; a++) {
        const mbedtls_md_info_t *mi = mbedtls_md_info_from_type(mds[a]);
        size_t hl = mbedtls_md_get_size(mi);
        /* HMAC of a message */
        trun_expect(&r, 0, "hmac --secret-oid F1D1 --alg %s --data 0102030405 --hex", algs[a]);
        assert_int_equal(out_bytes(&r, got, sizeof(got)), hl);
        mbedtls_md_hmac(mi, secret, sizeof(secret), (const unsigned char *)"\x01\x02\x03\x04\x05", 5, want);
        assert_memory_equal(got, want, hl);
        cli_result_free(&r);
        /* TLS 1.2 PRF: label "key expansion", seed 00..1F, 100 bytes */
        {
            unsigned char ls[13 + 32];
            char seed_hex[65];
            memcpy(ls, "key expansion", 13);
            for (size_t i = 0; i < 32; i++) {
                ls[13 + i] = (unsigned char)i;
            }
            hex_of(ls + 13, 32, seed_hex);
            trun_expect(&r, 0, "prf --secret-oid F1D1 --alg %s --label 'key expansion' --seed %s --length 100 --hex",
                        algs[a], seed_hex);
            assert_int_equal(out_bytes(&r, got, sizeof(got)), 100);
            tls_prf(mds[a], secret, sizeof(secret), ls, sizeof(ls), want, 100);
            assert_memory_equal(got, want, 100);
            cli_result_free(&r);
        }
        /* HKDF with salt and info */
        trun_expect(&r, 0,
                    "hkdf --secret-oid F1D1 --alg %s --salt 000102030405 --info-text 'trustm test' "
                    "--length 77 --hex",
                    algs[a]);
        assert_int_equal(out_bytes(&r, got, sizeof(got)), 77);
        assert_int_equal(mbedtls_hkdf(mi, (const unsigned char *)"\x00\x01\x02\x03\x04\x05", 6, secret, sizeof(secret),
                                      (const unsigned char *)"trustm test", 11, want, 77),
                         0);
        assert_memory_equal(got, want, 77);
        cli_result_free(&r);
    }
    /* HKDF without salt and info, binary output to a file */
    trun_expect(&r, 0, "hkdf --secret-oid F1D1 --length 32 --out '%s'", tmpf("okm"));
    cli_result_free(&r);
    {
        size_t n = 0;
        unsigned char *b = cli_read_bin(tmpf("okm"), &n);
        assert_int_equal(mbedtls_hkdf(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), NULL, 0, secret, sizeof(secret),
                                      NULL, 0, want, 32),
                         0);
        assert_int_equal(n, 32);
        assert_memory_equal(b, want, 32);
        free(b);
    }
    /* errors */
    trun_expect(&r, 1, "prf --secret-oid F1D1 --seed 00 --length 16");
    assert_non_null(strstr(r.err, "--label"));
    cli_result_free(&r);
    trun_expect(&r, 1, "prf --secret-oid F1D1 --label ab --seed 00 --length 16");
    assert_non_null(strstr(r.err, "8..1024"));
    cli_result_free(&r);
    /* an empty label is allowed when the seed is long enough */
    trun_expect(&r, 0, "prf --secret-oid F1D1 --label-hex '' --seed 0001020304050607 --length 16 --hex");
    {
        unsigned char seed8[8] = {0, 1, 2, 3, 4, 5, 6, 7};
        assert_int_equal(out_bytes(&r, got, sizeof(got)), 16);
        tls_prf(MBEDTLS_MD_SHA256, secret, sizeof(secret), seed8, 8, want, 16);
        assert_memory_equal(got, want, 16);
    }
    cli_result_free(&r);
    trun_expect(&r, 1, "hkdf --secret-oid F1D1 --length 0");
    cli_result_free(&r);
    trun_expect(&r, 1, "hmac --data 00");
    assert_non_null(strstr(r.err, "--secret-oid"));
    cli_result_free(&r);
    trun_expect(&r, 1, "hmac --secret-oid F1D1 --alg md5 --data 00");
    cli_result_free(&r);
    /* a BSTR object is no secret */
    trun_expect(&r, 3, "hmac --secret-oid F1D0 --data 00");
    cli_result_free(&r);
}

/* A bus trace of a crypto command names the command and its Param (trace decoder). */
static void test_trace_of_crypto(void **state)
{
    cli_result_t r;
    char args[400];
    (void)state;
    trun_expect(&r, 0, "--sim-trace '%s' aes-encrypt --mode cmac --data 00", tmpf("cmac.trace"));
    cli_result_free(&r);
    snprintf(args, sizeof(args), "trace --no-sleep '%s'", tmpf("cmac.trace"));
    cli_run(TRUSTM_BIN, args, &r);
    assert_int_equal(r.code, 0);
    assert_non_null(strstr(r.out, "apdu    > EncryptSym (94, flush last error), Param 0B CMAC, InLen "));
    assert_non_null(strstr(r.out, "0 anomalies; 0 unparsable lines"));
    cli_result_free(&r);
}

static void test_throttle_note(void **state)
{
    static unsigned char zeros[64 * 1024];
    cli_result_t r;
    (void)state;
    assert_int_equal(cli_write_file(tmpf("z64k"), zeros, sizeof(zeros)), 0);
    /* a fresh chip: no throttling, no note */
    trun_expect(&r, 0, "aes-encrypt --mode ecb --in '%s' --out /dev/null", tmpf("z64k"));
    assert_null(strstr(r.err, "throttled"));
    cli_result_free(&r);
    /* each command of the first run was a security event: the counter is now high, and the
     * chip's security monitor delays the protected operations of the next run */
    trun_expect(&r, 0, "aes-encrypt --mode ecb --in '%s' --out /dev/null", tmpf("z64k"));
    if (strstr(r.err, "security monitor throttled") == NULL) {
        fprintf(stderr, "stderr: %s\n", r.err);
    }
    assert_non_null(strstr(r.err, "trustm: note: slow because the chip's security monitor throttled"));
    assert_non_null(strstr(r.err, "security event counter E0C5 = "));
    cli_result_free(&r);
}

/* trustm with shell redirections (stdin/stdout are the point of the test); requires exit `code` */
static void srun(cli_result_t *r, int code, const char *fmt, ...)
{
    char args[2400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof(args), fmt, ap);
    va_end(ap);
    if (shell(r, "'%s' -d 'sim:%s' %s", TRUSTM_BIN, chip_state, args) != code) {
        fprintf(stderr, "trustm %s: exit %d, want %d\nstdout: %s\nstderr: %s\n", args, r->code, code, r->out, r->err);
    }
    assert_int_equal(r->code, code);
}

/* every file option takes `-`: stdin for inputs, stdout for outputs (docs/CLI.md) */
static void test_stdio_dash(void **state)
{
    static const unsigned char block[32] = {0x6b, 0xc1, 0xbe, 0xe2, 0x2e, 0x40, 0x9f, 0x96, 0xe9, 0x3d, 0x7e,
                                            0x11, 0x73, 0x93, 0x17, 0x2a, 1,    2,    3,    4,    5,    6,
                                            7,    8,    9,    10,   11,   12,   13,   14,   15,   16};
    cli_result_t r;
    char *want;
    (void)state;
    assert_int_equal(cli_write_file(tmpf("d.bin"), block, sizeof(block)), 0);

    /* hibernate --context - both ways (the notes go to stderr then) */
    srun(&r, 0, "hibernate save --hex --context - > '%s'", tmpf("d.ctx"));
    assert_non_null(strstr(r.err, "context saved, handle written to -"));
    cli_result_free(&r);
    srun(&r, 0, "hibernate restore --hex --context - < '%s'", tmpf("d.ctx"));
    assert_string_equal(r.out, "");
    assert_non_null(strstr(r.err, "context restored from -"));
    cli_result_free(&r);

    /* write --in - */
    srun(&r, 0, "write F1D1 --in - < '%s'", tmpf("d.bin"));
    assert_string_equal(r.out, "F1D1: wrote 32 bytes at offset 0\n");
    cli_result_free(&r);
    trun_expect(&r, 0, "read F1D1 --length 32 --out - --hex");
    assert_string_equal(r.out, "6bc1bee22e409f96e93d7e117393172a0102030405060708090a0b0c0d0e0f10\n");
    cli_result_free(&r);

    /* hash --in - equals hash --in FILE */
    trun_expect(&r, 0, "hash --in '%s'", tmpf("d.bin"));
    want = strdup(r.out);
    cli_result_free(&r);
    srun(&r, 0, "hash --in - < '%s'", tmpf("d.bin"));
    assert_string_equal(r.out, want);
    cli_result_free(&r);
    free(want);

    /* aes-encrypt --in - --out - equals the file form */
    trun_expect(&r, 0, "aes-encrypt --mode ecb --in '%s' --hex-out", tmpf("d.bin"));
    want = strdup(r.out);
    cli_result_free(&r);
    srun(&r, 0, "aes-encrypt --mode ecb --in - --out - --hex-out < '%s'", tmpf("d.bin"));
    assert_string_equal(r.out, want);
    cli_result_free(&r);
    free(want);

    /* rsa-verify --sig - (the signature from stdin), the message from a file */
    srun(&r, 0, "rsa-keygen --key E0FC --bits 1024 --out - > '%s'", tmpf("dpub.pem"));
    cli_result_free(&r);
    srun(&r, 0, "rsa-sign --key E0FC --hash --in - --out - < '%s' > '%s'", tmpf("d.bin"), tmpf("d.sig"));
    cli_result_free(&r);
    srun(&r, 0, "rsa-verify --pubkey - --sig '%s' --hash --in '%s' < '%s'", tmpf("d.sig"), tmpf("d.bin"),
         tmpf("dpub.pem"));
    assert_string_equal(r.out, "signature valid\n");
    cli_result_free(&r);
    srun(&r, 0, "rsa-verify --pubkey '%s' --sig - --hash --in '%s' < '%s'", tmpf("dpub.pem"), tmpf("d.bin"),
         tmpf("d.sig"));
    assert_string_equal(r.out, "signature valid\n");
    cli_result_free(&r);

    /* the global --sim-trace - : the bus trace on stdout, decodable by `trustm trace -` */
    srun(&r, 0, "--sim-trace - random 8 --out '%s' | '%s' trace -", tmpf("r.bin"), TRUSTM_BIN);
    assert_non_null(strstr(r.out, "GetRandom"));
    cli_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_aes_acceptance_openssl, chip_setup),
        cmocka_unit_test_setup(test_aes_modes_mbedtls, chip_setup),
        cmocka_unit_test_setup(test_aes_keygen, chip_setup),
        cmocka_unit_test_setup(test_rsa_sign_verify, chip_setup),
        cmocka_unit_test_setup(test_rsa_encrypt_decrypt, chip_setup),
        cmocka_unit_test_setup(test_rsa_cert_oid, chip_setup),
        cmocka_unit_test_setup(test_hmac_prf_hkdf, chip_setup),
        cmocka_unit_test_setup(test_trace_of_crypto, chip_setup),
        cmocka_unit_test_setup(test_throttle_note, chip_setup),
        cmocka_unit_test_setup(test_stdio_dash, chip_setup),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    cli_tmpdir_remove();
    return rc;
}
