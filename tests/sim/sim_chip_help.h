/*
 * sim_chip_help.h - helpers of the chip-engine tests: a fresh simulator (optionally with a
 * provisioned state file) behind the frame-level test host, with the application open, and
 * small APDU builders.  Independent of src/proto, src/cmd and src/api.
 */
#ifndef SIM_CHIP_HELP_H
#define SIM_CHIP_HELP_H

#include <stddef.h>
#include <stdint.h>

#include "sim_host.h"
#include "trustm_sim.h"

typedef struct chip {
    trustm_sim_t *sim;
    sim_host_t h;
    char path[128]; /* state file ("" = volatile chip) */
    uint8_t rsp[2048];
    long rlen; /* length of the last response APDU */
} chip_t;

/* Fresh chip: persistent (state file) when prov != NULL or persist is true. Application open. */
void chip_new(chip_t *c, trustm_sim_timing_t timing, const trustm_sim_provision_t *prov, int persist);
/* Destroy and re-create from the same state file (application open again). */
void chip_reload(chip_t *c);
/* The two halves of chip_reload: destroy (the state file stays), create again + open. */
void chip_stop(chip_t *c);
void chip_start(chip_t *c);
void chip_free(chip_t *c);
void chip_open(chip_t *c);
/* Send an APDU built from header fields and InData; returns Sta (0x00 / 0xFF). */
int chip_cmd(chip_t *c, uint8_t cmd, uint8_t param, const uint8_t *in, size_t n);
/* Last error code (plain GetDataObject of F1C2, which clears it). */
uint8_t chip_err(chip_t *c);
/* Expect failure with this error code. */
void chip_fails(chip_t *c, uint8_t cmd, uint8_t param, const uint8_t *in, size_t n, uint8_t code);
/* OutData of the last response and its length. */
const uint8_t *chip_out(const chip_t *c);
size_t chip_out_len(const chip_t *c);
/* Data/metadata helpers; return Sta. */
int chip_write(chip_t *c, uint8_t param, uint16_t oid, uint16_t off, const uint8_t *d, size_t n);
int chip_read(chip_t *c, uint16_t oid, uint16_t off, uint16_t len);
int chip_meta(chip_t *c, uint16_t oid);
int chip_set_meta(chip_t *c, uint16_t oid, const uint8_t *m, size_t n);
/* TLV builder: appends tag | len | value to buf at *pos. */
void tlv(uint8_t *buf, size_t *pos, uint8_t tag, const uint8_t *v, size_t n);
void tlv_oid(uint8_t *buf, size_t *pos, uint8_t tag, uint16_t oid);

#endif
