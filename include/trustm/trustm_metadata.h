/*
 * trustm_metadata.h - metadata builder/decoder, access-condition expressions and their
 * readable text form (objects.md §3, §4). Pure functions, no I/O.
 *
 * Metadata container: 20 LL { tag len value }... with the tags of objects.md §3.2.
 * Access condition (AC) expression: simple conditions joined by && (FD) and || (FE):
 *   ALW (00), NEV (FF), SecStaG(X) (10 X), SecStaA(X) (90 X), Conf(OID) (20), Int(OID) (21),
 *   Auto(OID) (23), Luc(OID) (40), LcsG/LcsA/LcsO <op> <value> (70/E0/E1, op FA == FB > FC <).
 *
 * Text forms (format and parse are inverse for every valid input):
 *   AC:       "LcsO < op || Conf(E140) && Auto(F1D0)"   (OIDs 4 hex digits, SecSta byte 2 hex
 *             digits, LCS values cr/in/op/te or 0xNN; && binds tighter than ||)
 *   metadata: one "name: value" per line (parse also accepts ';' as separator):
 *             lcso: in | version: 0x0003 | max_size: 140 | used_size: 10 | change: <AC> |
 *             read: <AC> | execute: <AC> | meta_update: <AC> | algorithm: RSA2048 |
 *             key_usage: Sign|Enc | type: PRESSEC | reset_type: 0x11
 *
 * Errors: malformed binary input is CMD BAD_RESPONSE (it normally comes from the chip);
 * malformed text or struct input is API BAD_PARAM; a too small output API BUFFER_TOO_SMALL.
 */
#ifndef TRUSTM_METADATA_H
#define TRUSTM_METADATA_H

#include <stddef.h>
#include <stdint.h>

#include "trustm_status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Metadata tags (objects.md §3.2). */
#define TRUSTM_MD_CONTAINER   0x20u
#define TRUSTM_MD_LCSO        0xC0u
#define TRUSTM_MD_VERSION     0xC1u
#define TRUSTM_MD_MAX_SIZE    0xC4u
#define TRUSTM_MD_USED_SIZE   0xC5u
#define TRUSTM_MD_CHANGE      0xD0u
#define TRUSTM_MD_READ        0xD1u
#define TRUSTM_MD_EXECUTE     0xD3u
#define TRUSTM_MD_META_UPDATE 0xD8u
#define TRUSTM_MD_ALGORITHM   0xE0u
#define TRUSTM_MD_KEY_USAGE   0xE1u
#define TRUSTM_MD_TYPE        0xE8u
#define TRUSTM_MD_RESET_TYPE  0xF0u

/* trustm_metadata_t.present bits */
#define TRUSTM_MD_HAS_LCSO        0x0001u
#define TRUSTM_MD_HAS_VERSION     0x0002u
#define TRUSTM_MD_HAS_MAX_SIZE    0x0004u
#define TRUSTM_MD_HAS_USED_SIZE   0x0008u
#define TRUSTM_MD_HAS_CHANGE      0x0010u
#define TRUSTM_MD_HAS_READ        0x0020u
#define TRUSTM_MD_HAS_EXECUTE     0x0040u
#define TRUSTM_MD_HAS_META_UPDATE 0x0080u
#define TRUSTM_MD_HAS_ALGORITHM   0x0100u
#define TRUSTM_MD_HAS_KEY_USAGE   0x0200u
#define TRUSTM_MD_HAS_TYPE        0x0400u
#define TRUSTM_MD_HAS_RESET_TYPE  0x0800u

#define TRUSTM_MD_MAX_LEN  255u /* largest container the codec handles (LL is one byte) */
#define TRUSTM_AC_MAX_LEN  64u  /* bytes of one AC expression */
#define TRUSTM_AC_MAX_COND 21u  /* 3 access tokens x 7 conditions */

/* AC condition identifiers (first byte) and operators. */
#define TRUSTM_AC_ALW     0x00u
#define TRUSTM_AC_NEV     0xFFu
#define TRUSTM_AC_SECSTAG 0x10u
#define TRUSTM_AC_SECSTAA 0x90u
#define TRUSTM_AC_CONF    0x20u
#define TRUSTM_AC_INT     0x21u
#define TRUSTM_AC_AUTO    0x23u
#define TRUSTM_AC_LUC     0x40u
#define TRUSTM_AC_LCSG    0x70u
#define TRUSTM_AC_LCSA    0xE0u
#define TRUSTM_AC_LCSO    0xE1u
#define TRUSTM_AC_OP_EQ   0xFAu
#define TRUSTM_AC_OP_GT   0xFBu
#define TRUSTM_AC_OP_LT   0xFCu
#define TRUSTM_AC_AND     0xFDu
#define TRUSTM_AC_OR      0xFEu

/* Key usage bits (objects.md §7). */
#define TRUSTM_KEY_USAGE_AUTH      0x01u
#define TRUSTM_KEY_USAGE_ENC       0x02u
#define TRUSTM_KEY_USAGE_SIGN      0x10u
#define TRUSTM_KEY_USAGE_KEY_AGREE 0x20u

/* Data object types (objects.md §2). */
#define TRUSTM_TYPE_BSTR     0x00u
#define TRUSTM_TYPE_UPCTR    0x01u
#define TRUSTM_TYPE_TA       0x11u
#define TRUSTM_TYPE_DEVCERT  0x12u
#define TRUSTM_TYPE_PRESSEC  0x21u
#define TRUSTM_TYPE_PTFBIND  0x22u
#define TRUSTM_TYPE_UPDATSEC 0x23u
#define TRUSTM_TYPE_AUTOREF  0x31u

typedef struct trustm_ac_cond {
    uint8_t id;   /* TRUSTM_AC_* identifier */
    uint8_t op;   /* LCS comparisons: TRUSTM_AC_OP_* */
    uint16_t arg; /* OID, SecSta mask or LCS value */
} trustm_ac_cond_t;

typedef struct trustm_ac_expr {
    uint8_t n; /* number of conditions, 1..21 */
    trustm_ac_cond_t cond[TRUSTM_AC_MAX_COND];
    uint8_t join[TRUSTM_AC_MAX_COND]; /* join[i] (i >= 1): AND/OR before cond[i] */
} trustm_ac_expr_t;

typedef struct trustm_ac { /* an AC expression as bytes (value of tags D0/D1/D3/D8) */
    uint8_t len;
    uint8_t bytes[TRUSTM_AC_MAX_LEN];
} trustm_ac_t;

typedef struct trustm_metadata {
    uint32_t present; /* TRUSTM_MD_HAS_* */
    uint8_t lcso;
    uint16_t version; /* bit 15 = invalid flag */
    uint16_t max_size;
    uint16_t used_size;
    trustm_ac_t change, read, execute, meta_update;
    uint8_t algorithm;
    uint8_t key_usage;
    uint8_t type;
    uint8_t reset_type;
} trustm_metadata_t;

/* ---- AC expressions ---- */
/* Validate and decode AC bytes (ALW/NEV only alone, <= 7 conditions per && token, <= 3 tokens). */
TRUSTM_MUST_CHECK trustm_status_t trustm_ac_decode(const uint8_t *b, size_t len, trustm_ac_expr_t *e);
TRUSTM_MUST_CHECK trustm_status_t trustm_ac_encode(const trustm_ac_expr_t *e, uint8_t *out, size_t out_size,
                                                   size_t *out_len);
/* Text <-> bytes. Format writes a NUL-terminated string; *out_len excludes the NUL. */
TRUSTM_MUST_CHECK trustm_status_t trustm_ac_format(const uint8_t *b, size_t len, char *out, size_t out_size,
                                                   size_t *out_len);
TRUSTM_MUST_CHECK trustm_status_t trustm_ac_parse(const char *text, uint8_t *out, size_t out_size, size_t *out_len);

/* ---- metadata container ---- */
/* Decode a container 20 LL ...: every tag of objects.md §3.2, each at most once, every length
 * checked; an unknown tag is CMD BAD_RESPONSE. */
TRUSTM_MUST_CHECK trustm_status_t trustm_metadata_decode(const uint8_t *buf, size_t len, trustm_metadata_t *md);
/* Build a container from the present tags (order C0 C1 C4 C5 D0 D1 D3 D8 E0 E1 E8 F0). */
TRUSTM_MUST_CHECK trustm_status_t trustm_metadata_encode(const trustm_metadata_t *md, uint8_t *out, size_t out_size,
                                                         size_t *out_len);
/* Helpers to fill a trustm_metadata_t. */
void trustm_metadata_init(trustm_metadata_t *md);
TRUSTM_MUST_CHECK trustm_status_t trustm_metadata_set_ac(trustm_metadata_t *md, uint8_t tag, const char *ac_text);
/* Readable text of a container (lines "name: value\n") and back. */
TRUSTM_MUST_CHECK trustm_status_t trustm_metadata_format(const uint8_t *buf, size_t len, char *out, size_t out_size,
                                                         size_t *out_len);
TRUSTM_MUST_CHECK trustm_status_t trustm_metadata_parse(const char *text, uint8_t *out, size_t out_size,
                                                        size_t *out_len);

/* Names used by the text forms ("op", "PRESSEC", "RSA2048"); NULL when unnamed. */
const char *trustm_lcs_name(uint8_t lcs);
const char *trustm_data_type_name(uint8_t type);
const char *trustm_algorithm_name(uint8_t alg);

#ifdef __cplusplus
}
#endif
#endif /* TRUSTM_METADATA_H */
