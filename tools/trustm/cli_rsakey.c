/*
 * cli_rsakey.c - RSA public key files (see cli_rsakey.h).
 */
#include "cli_rsakey.h"

#include <stdio.h>
#include <string.h>

#include <mbedtls/bignum.h>
#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>
#include <mbedtls/x509_crt.h>

#include "cli.h"
#include "cli_util.h"
#include "trustm/trustm_crypt.h"

#define PUB_FILE_MAX 16384u

int cli_rsa_pub_save(const char *cmd, const uint8_t *chip_der, size_t len, bool der, const char *path)
{
    trustm_rsa_pubkey_t pk;
    mbedtls_pk_context ctx;
    static unsigned char buf[4096];
    int rc = CLI_EXIT_OK;
    int r;
    trustm_status_t st = trustm_rsa_pubkey_decode(chip_der, len, &pk);
    if (st != TRUSTM_OK) {
        return cli_report_status("decode the public key", st);
    }
    mbedtls_pk_init(&ctx);
    r = mbedtls_pk_setup(&ctx, mbedtls_pk_info_from_type(MBEDTLS_PK_RSA));
    if (r == 0) {
        r = mbedtls_rsa_import_raw(mbedtls_pk_rsa(ctx), pk.modulus, pk.modulus_len, NULL, 0, NULL, 0, NULL, 0,
                                   pk.exponent, pk.exponent_len);
    }
    if (r == 0) {
        r = mbedtls_rsa_complete(mbedtls_pk_rsa(ctx));
    }
    if (r != 0) {
        fprintf(stderr, "trustm %s: the chip's public key is not a usable RSA key (mbedTLS -0x%04X)\n", cmd,
                (unsigned)-r);
        mbedtls_pk_free(&ctx);
        return CLI_EXIT_DEVICE;
    }
    if (der) {
        r = mbedtls_pk_write_pubkey_der(&ctx, buf, sizeof(buf));
        if (r > 0) {
            rc = cli_file_store(path, false, cmd, buf + sizeof(buf) - (size_t)r, (size_t)r);
        }
    } else {
        r = mbedtls_pk_write_pubkey_pem(&ctx, buf, sizeof(buf));
        if (r == 0) {
            rc = cli_file_store(path, false, cmd, buf, strlen((const char *)buf));
        }
    }
    if (r < 0) {
        fprintf(stderr, "trustm %s: cannot encode the public key (mbedTLS -0x%04X)\n", cmd, (unsigned)-r);
        rc = CLI_EXIT_FILE;
    }
    mbedtls_pk_free(&ctx);
    return rc;
}

int cli_rsa_pub_load(const char *cmd, const char *path, uint8_t *chip_der, size_t size, size_t *len, uint8_t *alg)
{
    static uint8_t file[PUB_FILE_MAX + 1u];
    size_t flen = 0;
    mbedtls_pk_context ctx;
    mbedtls_mpi n, e;
    uint8_t nb[TRUSTM_RSA_MAX_BYTES], eb[8];
    size_t nbits, elen;
    int r;
    int rc = cli_file_load(path, false, cmd, file, PUB_FILE_MAX, &flen);
    if (rc != CLI_EXIT_OK) {
        return rc;
    }
    file[flen] = '\0';
    mbedtls_pk_init(&ctx);
    mbedtls_mpi_init(&n);
    mbedtls_mpi_init(&e);
    /* PEM must be passed with its terminating NUL counted. */
    const size_t plen = strstr((const char *)file, "-----BEGIN") != NULL ? flen + 1u : flen;
    r = mbedtls_pk_parse_public_key(&ctx, file, plen);
    if (r != 0) { /* an X.509 certificate: its subject public key */
        mbedtls_x509_crt crt;
        static unsigned char spki[1024];
        mbedtls_x509_crt_init(&crt);
        mbedtls_pk_free(&ctx);
        mbedtls_pk_init(&ctx);
        if (mbedtls_x509_crt_parse(&crt, file, plen) == 0) {
            int m = mbedtls_pk_write_pubkey_der(&crt.pk, spki, sizeof(spki));
            if (m > 0)
                r = mbedtls_pk_parse_public_key(&ctx, spki + sizeof(spki) - (size_t)m, (size_t)m);
        }
        mbedtls_x509_crt_free(&crt);
    }
    if (r != 0 || mbedtls_pk_get_type(&ctx) != MBEDTLS_PK_RSA) {
        fprintf(stderr, "trustm %s: %s: not an RSA public key in PEM or DER, nor a certificate with one (%s)\n", cmd,
                path, r != 0 ? "cannot parse it" : "another key type");
        rc = CLI_EXIT_FILE;
        goto out;
    }
    nbits = mbedtls_pk_get_bitlen(&ctx);
    if (nbits != 1024u && nbits != 2048u) {
        fprintf(stderr, "trustm %s: %s: RSA-%zu key; the chip handles RSA-1024 and RSA-2048\n", cmd, path, nbits);
        rc = CLI_EXIT_FILE;
        goto out;
    }
    r = mbedtls_rsa_export(mbedtls_pk_rsa(ctx), &n, NULL, NULL, NULL, &e);
    elen = mbedtls_mpi_size(&e);
    if (r != 0 || elen == 0u || elen > sizeof(eb) || mbedtls_mpi_write_binary(&n, nb, nbits / 8u) != 0 ||
        mbedtls_mpi_write_binary(&e, eb, elen) != 0) {
        fprintf(stderr, "trustm %s: %s: unusable RSA public key (exponent larger than 8 bytes?)\n", cmd, path);
        rc = CLI_EXIT_FILE;
        goto out;
    }
    {
        trustm_rsa_pubkey_t pk;
        trustm_status_t st;
        pk.modulus = nb;
        pk.modulus_len = nbits / 8u;
        pk.exponent = eb;
        pk.exponent_len = elen;
        st = trustm_rsa_pubkey_encode(&pk, chip_der, size, len);
        if (st != TRUSTM_OK) {
            rc = cli_report_status("encode the public key", st);
            goto out;
        }
    }
    *alg = nbits == 1024u ? TRUSTM_RSA1024 : TRUSTM_RSA2048;
out:
    mbedtls_mpi_free(&n);
    mbedtls_mpi_free(&e);
    mbedtls_pk_free(&ctx);
    return rc;
}
