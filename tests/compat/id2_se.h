/*
 * id2_se.h - a secure-element adapter for the ID2 client written against the vendor API only,
 * following the behaviour id2.md §3 specifies for the IROT HAL on OPTIGA (one util and one
 * crypt instance, synchronous use, ID in F1D0, AES key E200 / RSA key E0FC, optional power-down
 * with the wait for SEC = 0). Used to show that such adapter code runs unchanged on trustm.
 */
#ifndef ID2_SE_H
#define ID2_SE_H

#include <stdint.h>

/* irot_result_t values (id2.md §3) */
#define ID2_SE_SUCCESS              0
#define ID2_SE_ERROR_GENERIC        (-1)
#define ID2_SE_ERROR_BAD_PARAMETERS (-2)
#define ID2_SE_ERROR_SHORT_BUFFER   (-3)
#define ID2_SE_ERROR_COMMUNICATION  (-7)
#define ID2_SE_ERROR_ITEM_NOT_FOUND (-11)

int id2_se_init(void);
/* power_down: wait for SEC = 0 (500 ms polls, at most max_polls), close, destroy. */
int id2_se_cleanup(int power_down, uint32_t max_polls, uint32_t *polls);
int id2_se_get_id2(uint8_t *id2, uint32_t *len);
/* AES-ECB with E200, encrypt (1) or decrypt (0). */
int id2_se_sym_crypto(int encrypt, const uint8_t *in, uint32_t in_len, uint8_t *out, uint32_t *out_len);
/* SHA-256 on the chip, then RSASSA-PKCS1-v1_5 with E0FC. */
int id2_se_rsa_sign(const uint8_t *in, uint32_t in_len, uint8_t *out, uint32_t *out_len);
/* RSAES-PKCS1-v1_5 decryption with E0FC. */
int id2_se_rsa_decrypt(const uint8_t *in, uint32_t in_len, uint8_t *out, uint32_t *out_len);

#endif
