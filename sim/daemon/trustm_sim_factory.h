/*
 * trustm_sim_factory.h - what `trustm-sim init` writes into a chip as it leaves the factory:
 * an RSA key for E0FC and a device certificate for E0E0 issued by the simulator's test CA.
 * Everything is derived from the chip's seed, so a seeded chip is reproducible.  Test material
 * only: the test CA's private key is derived from a public constant.
 */
#ifndef TRUSTM_SIM_FACTORY_H
#define TRUSTM_SIM_FACTORY_H

#include <stddef.h>
#include <stdint.h>

/* Bits of the factory RSA key in E0FC. */
#define SIM_FACTORY_RSA_BITS 2048

/* The test CA's certificate, PEM, into buf (NUL-terminated).  0, or -1 on failure. */
int sim_factory_ca_pem(char *buf, size_t size);

/* For a chip of this seed: the device key as PEM (key_pem, NUL-terminated; key_pem_in may be a
 * given PEM key instead, then it is certified) and the device certificate as DER (cert, *cert_len). */
int sim_factory_make(uint64_t seed, const char *key_pem_in, char *key_pem, size_t key_size, uint8_t *cert,
                     size_t cert_size, size_t *cert_len);

#endif
