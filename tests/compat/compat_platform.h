/*
 * compat_platform.h - platform set-up for the compat tests: a fresh simulated chip (optionally
 * provisioned with an ID2 and an AES key, through a state file in a private temporary folder),
 * the trustm device on pal/sim, bound to the vendor-API layer. This is the only part that
 * knows about trustm; the application (compat_app.c) uses the vendor headers only.
 */
#ifndef COMPAT_PLATFORM_H
#define COMPAT_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

#define COMPAT_UID_SIZE 27u

typedef struct compat_platform_opts {
    const uint8_t *aes_key; /* NULL: E200 empty */
    size_t aes_key_len;
    const uint8_t *id2;  /* NULL or 12 bytes into F1D0 */
    const char *rsa_pem; /* NULL or a PEM RSA private key into E0FC (not with aes_key) */
} compat_platform_opts_t;

/* Non-zero: the next compat_platform_up() gives the device the layer's Shielded Connection
 * (trustm_compat_shield); reset to 0 by compat_platform_down(). */
void compat_platform_use_shield(int on);
/* 0 on success; the chip's UID in uid (may be NULL). */
int compat_platform_up(const compat_platform_opts_t *o, uint8_t uid[COMPAT_UID_SIZE]);
void compat_platform_down(void);
/* From now on the chip does not acknowledge its address for the next n bus transactions. */
void compat_platform_nack(uint32_t n);
/* Let simulated time pass. */
void compat_platform_sleep_us(uint32_t us);
/* Simulated microseconds now. */
uint64_t compat_platform_now_us(void);

#endif
