/*
 * trustm_sim_protupd.h - the chip's protected-update engine (SetObjectProtected, commands.md
 * §5.5, protected-update.md §7): sequence state kept in RAM between start, continue and final.
 * Private to sim/.  The manifest parser is independent of the generator tool: it uses only
 * src/codec/trustm_cbor.h.
 */
#ifndef TRUSTM_SIM_PROTUPD_H
#define TRUSTM_SIM_PROTUPD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIM_PU_PAYLOAD_MAX  1728u /* largest object (certificate objects)             */
#define SIM_PU_FRAGMENT_MAX 640u
#define SIM_PU_DIGEST       32u

/* One open SetObjectProtected sequence.  The staging area holds the verified plaintext until
 * the final fragment; the target object is written only then, in one store update. */
typedef struct sim_pu_state {
    bool active;
    uint8_t param; /* manifest format version given with start             */
    uint16_t target_oid;
    int8_t type; /* -1 data, -2 metadata, -3 key                         */
    uint16_t version;
    uint32_t size;         /* total plaintext length announced by the manifest      */
    uint32_t info1, info2; /* additionalInfo                                       */
    bool conf;
    uint8_t key[16]; /* CCM key and nonce prefix (confidentiality)            */
    uint8_t nonce11[11];
    uint8_t expect[SIM_PU_DIGEST]; /* SHA-256 the next fragment must have                */
    uint16_t frag_no;              /* 1-based number of the next fragment                   */
    uint32_t received;             /* plaintext bytes staged so far                         */
    bool had_version;              /* the target had a C1 tag before start (restored on abort) */
    uint16_t prev_version;         /* its value; C1 carries the invalid flag (bit 15) meanwhile */
    uint8_t staged[SIM_PU_PAYLOAD_MAX];
} sim_pu_state_t;

struct trustm_sim;
struct sim_cmd;
/* SetObjectProtected (Cmd 0x03): start / continue / final; 0 or a device error code. */
int sim_cmd_set_object_protected(struct trustm_sim *sim, struct sim_cmd *c);
/* Any other command ends an open sequence (strict sequence, commands.md §5.5). */
void sim_pu_abort(struct trustm_sim *sim);

#endif /* TRUSTM_SIM_PROTUPD_H */
