/*
 * compat_app.h - an application written purely against the vendor host-library API (the
 * acceptance program): open application, read the coprocessor UID, AES-ECB
 * encrypt with the device key E200, RSA key generation + signature, close application.
 */
#ifndef COMPAT_APP_H
#define COMPAT_APP_H

#include <stdint.h>

typedef struct compat_app_result {
    uint16_t failed_status; /* 0, or the vendor status of the step that failed */
    int failed_step;        /* 0, or the number of the step that failed */
    uint8_t uid[64];
    uint16_t uid_len;
    uint8_t plain[32];
    uint8_t cipher[32];
    uint32_t cipher_len;
    uint8_t digest[32];
    uint8_t public_key[300]; /* DER BIT STRING from the key generation */
    uint16_t public_key_len;
    uint8_t signature[256];
    uint16_t signature_len;
} compat_app_result_t;

/* Runs the whole flow; returns 0 when every step succeeded. */
int compat_app_run(compat_app_result_t *r);

#endif
