/*
 * cli_hex.h - hex and file helpers shared by the trustm subcommands.
 */
#ifndef TRUSTM_CLI_HEX_H
#define TRUSTM_CLI_HEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * Parse hex text into out. Accepts pairs of hex digits separated by nothing, spaces, tabs,
 * ':' or '-', an optional "0x" prefix per token. Returns 0 and *out_len, or -1 with a message
 * naming the offending position in err (odd digit count, bad character, too long).
 */
int cli_hex_parse(const char *text, uint8_t *out, size_t out_size, size_t *out_len, char *err, size_t errlen);

/* Format n bytes as "AA BB CC" (sep ' ') or "AABBCC" (sep 0) into out (always terminated).
 * When the text would not fit, it ends with "..." */
void cli_hex_format(const uint8_t *b, size_t n, char sep, char *out, size_t out_size);

/* Print a hex dump, 16 bytes per line, each line starting with indent. */
void cli_hex_dump(FILE *f, const char *indent, const uint8_t *b, size_t n);

/*
 * Read a whole file ("-" = stdin) into buf. Returns 0 and *len; -1 with a message in err if it
 * cannot be opened/read or is larger than size.
 */
int cli_file_read(const char *path, uint8_t *buf, size_t size, size_t *len, char *err, size_t errlen);

/* Write len bytes to path ("-" = stdout), replacing it. Returns 0, or -1 with err. */
int cli_file_write(const char *path, const uint8_t *buf, size_t len, char *err, size_t errlen);

/* Parse an unsigned integer (decimal or 0x hex) in [min, max]. Returns 0 or -1. */
int cli_parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out);

#endif /* TRUSTM_CLI_HEX_H */
