/*
 * cli_rsakey.h - RSA public keys between the chip's form (DER BIT STRING { SEQUENCE { n, e } },
 * commands.md §6.1) and the files users have: PEM or DER SubjectPublicKeyInfo ("PUBLIC KEY"),
 * or PKCS#1 RSAPublicKey ("RSA PUBLIC KEY") on input. Uses mbedTLS (trustm_mbedtls).
 */
#ifndef TRUSTM_CLI_RSAKEY_H
#define TRUSTM_CLI_RSAKEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Write the chip's public key chip_der to path ("-" = stdout) as PEM, or DER when der.
 * Returns an exit code (message printed). */
int cli_rsa_pub_save(const char *cmd, const uint8_t *chip_der, size_t len, bool der, const char *path);

/* Load a PEM/DER public key file and convert it to the chip's form; *alg is TRUSTM_RSA1024 or
 * TRUSTM_RSA2048 from the modulus size (other sizes are refused). Returns an exit code. */
int cli_rsa_pub_load(const char *cmd, const char *path, uint8_t *chip_der, size_t size, size_t *len, uint8_t *alg);

#endif /* TRUSTM_CLI_RSAKEY_H */
