/*
 * trustm_status.h - the one status type of trustm.
 *
 * A status is a 32-bit value: (layer << 16) | base.  TRUSTM_OK (0) is success and
 * TRUSTM_IN_PROGRESS (1, layer 0) means "not done yet, call again": it is NOT an error.
 * Every other value is an error that says which layer failed (TRUSTM_LAYER_*) and why
 * (TRUSTM_BASE_*).  Errors reported by the chip itself are in layer TRUSTM_LAYER_DEVICE and
 * carry the chip's own error code (the byte of object 0xF1C2) unchanged as their base, so
 * TRUSTM_DEVICE_ERR(0x07) is "access conditions not satisfied".
 */
#ifndef TRUSTM_STATUS_H
#define TRUSTM_STATUS_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef uint32_t trustm_status_t;

/* On every library function that returns a status: it must not be ignored (above all every
 * verification, where an ignored status would let a bad signature or MAC pass). GCC / Clang: a
 * warning (an error with -Werror). GCC also warns on a (void) cast: a caller that really means to
 * ignore a status assigns it to a variable and voids that. */
#if defined(__GNUC__) || defined(__clang__)
#define TRUSTM_MUST_CHECK __attribute__((warn_unused_result))
#else
#define TRUSTM_MUST_CHECK
#endif

#define TRUSTM_OK          ((trustm_status_t)0u)
#define TRUSTM_IN_PROGRESS ((trustm_status_t)1u)

/* Layers (bits 23..16). */
#define TRUSTM_LAYER_NONE   0x00u
#define TRUSTM_LAYER_PAL    0x01u /* platform port: I2C transaction, pins, clock      */
#define TRUSTM_LAYER_PHY    0x02u /* IFX I2C physical layer: registers, NACK retries   */
#define TRUSTM_LAYER_DL     0x03u /* data link: frames, ACK/NAK, retransmit, re-sync  */
#define TRUSTM_LAYER_TL     0x04u /* network + transport: PCTR, chaining              */
#define TRUSTM_LAYER_PL     0x05u /* presentation: Shielded Connection                */
#define TRUSTM_LAYER_CMD    0x06u /* APDU build / response parse                      */
#define TRUSTM_LAYER_API    0x07u /* service API argument and sequence checks         */
#define TRUSTM_LAYER_DEVICE 0x08u /* the chip said no: base = chip error code (F1C2)  */
#define TRUSTM_LAYER_SIM    0x09u /* simulator                                        */
#define TRUSTM_LAYER_TOOL   0x0Au /* command-line tools                               */

/* Base codes shared by all layers except DEVICE. */
#define TRUSTM_BASE_BAD_PARAM        0x0001u /* argument invalid; nothing was done          */
#define TRUSTM_BASE_BAD_SEQUENCE     0x0002u /* call not allowed in this state              */
#define TRUSTM_BASE_BUFFER_TOO_SMALL 0x0003u /* caller's buffer cannot hold the result      */
#define TRUSTM_BASE_TIMEOUT          0x0004u /* peer did not answer within the budget       */
#define TRUSTM_BASE_NACK             0x0005u /* I2C address not acknowledged                */
#define TRUSTM_BASE_IO               0x0006u /* bus error / transport failure               */
#define TRUSTM_BASE_CRC              0x0007u /* frame check sequence wrong                  */
#define TRUSTM_BASE_PROTOCOL         0x0008u /* peer broke the protocol (bad frame/packet)  */
#define TRUSTM_BASE_DESYNC           0x0009u /* link lost; re-synchronisation did not help  */
#define TRUSTM_BASE_AUTH_FAILED      0x000Au /* cryptographic check failed                  */
#define TRUSTM_BASE_NOT_SUPPORTED    0x000Bu /* feature not available here                  */
#define TRUSTM_BASE_INTERNAL         0x000Cu /* should not happen: a bug                    */
#define TRUSTM_BASE_BAD_RESPONSE     0x000Du /* response malformed (length, status byte)    */
#define TRUSTM_BASE_FAILED           0x000Eu /* context is in the sticky failed state       */
#define TRUSTM_BASE_NOT_FOUND        0x000Fu /* file, device or object not found            */

#define TRUSTM_STATUS(layer, base) ((trustm_status_t)(((uint32_t)(layer) << 16) | (uint32_t)(base)))
#define TRUSTM_STATUS_LAYER(s)     ((uint32_t)(((s) >> 16) & 0xFFu))
#define TRUSTM_STATUS_BASE(s)      ((uint32_t)((s)&0xFFFFu))

/* Chip error code (the byte read from 0xF1C2) passed up unchanged. */
#define TRUSTM_DEVICE_ERR(code) TRUSTM_STATUS(TRUSTM_LAYER_DEVICE, (code)&0xFFu)

/* Port results: the PAL returns exactly one of TRUSTM_OK, TRUSTM_PAL_NACK, TRUSTM_PAL_IO. */
#define TRUSTM_PAL_NACK TRUSTM_STATUS(TRUSTM_LAYER_PAL, TRUSTM_BASE_NACK)
#define TRUSTM_PAL_IO   TRUSTM_STATUS(TRUSTM_LAYER_PAL, TRUSTM_BASE_IO)

static inline bool trustm_status_is_error(trustm_status_t s)
{
    return s != TRUSTM_OK && s != TRUSTM_IN_PROGRESS;
}

/* Chip error code of a DEVICE-layer status, or 0 when the status is not from the chip. */
static inline uint8_t trustm_status_device_code(trustm_status_t s)
{
    return TRUSTM_STATUS_LAYER(s) == TRUSTM_LAYER_DEVICE ? (uint8_t)(s & 0xFFu) : 0u;
}

/* Human-readable, static strings: "dl", "CRC mismatch", "access conditions not satisfied". */
const char *trustm_status_layer_str(trustm_status_t s);
const char *trustm_status_base_str(trustm_status_t s);
/* Name of a chip error code (commands.md §3.2), NULL for codes not in the table. */
const char *trustm_device_error_str(uint8_t code);

#ifdef __cplusplus
}
#endif
#endif /* TRUSTM_STATUS_H */
