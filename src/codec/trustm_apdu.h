/*
 * trustm_apdu.h - command / response APDU header codec (commands.md §2). Pure.
 *
 *   command:  Cmd (1) | Param (1) | InLen (2, BE) | InData
 *   response: Sta (1) | UnDef (1) | OutLen (2, BE) | OutData
 */
#ifndef TRUSTM_APDU_H
#define TRUSTM_APDU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TRUSTM_APDU_HEADER_SIZE 4u
#define TRUSTM_APDU_MAX_DATA    1553u                                            /* max InData / OutData */
#define TRUSTM_APDU_MAX_SIZE    (TRUSTM_APDU_HEADER_SIZE + TRUSTM_APDU_MAX_DATA) /* 0x615 */
#define TRUSTM_APDU_CMD_FLUSH   0x80u /* Cmd bit 7: clear the last error code first */

/* Command codes (low 7 bits). */
#define TRUSTM_CMD_GET_DATA_OBJECT      0x01u
#define TRUSTM_CMD_SET_DATA_OBJECT      0x02u
#define TRUSTM_CMD_SET_OBJECT_PROTECTED 0x03u
#define TRUSTM_CMD_GET_RANDOM           0x0Cu
#define TRUSTM_CMD_ENCRYPT_SYM          0x14u
#define TRUSTM_CMD_DECRYPT_SYM          0x15u
#define TRUSTM_CMD_ENCRYPT_ASYM         0x1Eu
#define TRUSTM_CMD_DECRYPT_ASYM         0x1Fu
#define TRUSTM_CMD_CALC_HASH            0x30u
#define TRUSTM_CMD_CALC_SIGN            0x31u
#define TRUSTM_CMD_VERIFY_SIGN          0x32u
#define TRUSTM_CMD_CALC_SSEC            0x33u
#define TRUSTM_CMD_DERIVE_KEY           0x34u
#define TRUSTM_CMD_GEN_KEY_PAIR         0x38u
#define TRUSTM_CMD_GEN_SYM_KEY          0x39u
#define TRUSTM_CMD_OPEN_APPLICATION     0x70u
#define TRUSTM_CMD_CLOSE_APPLICATION    0x71u

#define TRUSTM_APDU_STA_SUCCESS 0x00u
#define TRUSTM_APDU_STA_ERROR   0xFFu

/* The application identifier of "GenAuthAppl" (commands.md §5.1). */
#define TRUSTM_APP_ID_SIZE 16u
extern const uint8_t trustm_app_id[TRUSTM_APP_ID_SIZE];

typedef struct trustm_apdu_cmd {
    uint8_t cmd;
    uint8_t param;
    uint16_t in_len;
    const uint8_t *in_data;
} trustm_apdu_cmd_t;

typedef struct trustm_apdu_rsp {
    uint8_t sta;
    uint8_t undef;
    uint16_t out_len;
    const uint8_t *out_data;
} trustm_apdu_rsp_t;

/* Write the 4-byte header. Returns 4, or 0 if out_size < 4. */
size_t trustm_apdu_header_encode(uint8_t cmd, uint8_t param, uint16_t len, uint8_t *out, size_t out_size);

/* Decode a command APDU: false if shorter than 4 bytes or InLen != bytes that follow. */
bool trustm_apdu_cmd_decode(const uint8_t *buf, size_t len, trustm_apdu_cmd_t *c);
/* Decode a response APDU: false if shorter than 4 bytes or OutLen != bytes that follow. */
bool trustm_apdu_rsp_decode(const uint8_t *buf, size_t len, trustm_apdu_rsp_t *r);

#endif /* TRUSTM_APDU_H */
