/*
 * cli_objects.h - names and value decoders for chip objects and commands (objects.md,
 * commands.md), shared by `trustm info` and `trustm trace`. Pure formatting, no I/O.
 */
#ifndef TRUSTM_CLI_OBJECTS_H
#define TRUSTM_CLI_OBJECTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Name of a data/key object ("Coprocessor UID"), NULL when unknown. */
const char *cli_oid_name(uint16_t oid);

/* Command name for a Cmd byte (flush bit ignored): "GetDataObject", NULL when unknown. */
const char *cli_cmd_name(uint8_t cmd);

/* Life cycle state byte: "op" / "operational" for 0x07; NULL abbreviation when not a state. */
const char *cli_lcs_abbrev(uint8_t v);
const char *cli_lcs_name(uint8_t v);

/*
 * One-line decoded value of a data object read with GetDataObject (offset 0), e.g.
 * "07 = op (operational)" for 0xE0C0. Returns false when the object has no special decoding
 * or the length does not match (the caller then prints hex).
 */
bool cli_object_describe(uint16_t oid, const uint8_t *data, size_t len, char *out, size_t out_size);

#endif /* TRUSTM_CLI_OBJECTS_H */
