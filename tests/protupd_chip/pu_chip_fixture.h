/*
 * pu_chip_fixture.h - shared by the pu_chip_* tests: a signer made at test time (mbedTLS key +
 * self-signed X.509 certificate), a fresh simulated chip driven through the host library, and
 * data sets built with trustm_protupd_lib.
 */
#ifndef PU_CHIP_FIXTURE_H
#define PU_CHIP_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mbedtls/pk.h>

#include "pu_dataset.h"
#include "trustm/trustm.h"
#include "trustm_pal_sim.h"
#include "trustm_sim.h"

typedef struct pcf_signer {
    mbedtls_pk_context pk;
    int cose_alg;
    uint8_t cert[1500]; /* DER */
    size_t cert_len;
} pcf_signer_t;

typedef struct pcf_chip {
    trustm_sim_t *sim;
    trustm_pal_t pal;
    trustm_device_t dev;
} pcf_chip_t;

/* type: "rsa1024", "rsa2048", "p256".  0 on success. */
int pcf_signer_init(pcf_signer_t *s, const char *type, const char *cn);
void pcf_signer_free(pcf_signer_t *s);

/* Fresh volatile chip, no timing, application opened.  0 on success. */
int pcf_chip_open(pcf_chip_t *c, uint64_t seed);
void pcf_chip_close(pcf_chip_t *c);

/* Build a data set signed by s (params p; signer fields filled here). Fails the test on error. */
void pcf_build(const pu_params_t *p, pcf_signer_t *s, pu_dataset_t *ds);
/* Apply ds through trustm_protected_update (fragments cut at 640 bytes). */
trustm_status_t pcf_apply(pcf_chip_t *c, const pu_dataset_t *ds);

/* Encrypt one block with the chip's AES key in oid (ECB) and compare with the host. */
bool pcf_aes_matches(pcf_chip_t *c, uint16_t oid, const uint8_t *key, size_t key_len);

#endif
