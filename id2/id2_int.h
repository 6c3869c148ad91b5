/* id2_int.h - internal helpers of the ID2 client (not installed). */
#ifndef ID2_INT_H
#define ID2_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "id2/id2_client.h"

typedef struct id2_line {
    char b[96];
    size_t n;
} id2_line_t;

void id2_hex_upper(const uint8_t *in, size_t n, char *out);
void id2_hex_u32(uint32_t v, char out[8]);
size_t id2_strlen_max(const char *s, size_t max);
void id2_line_str(id2_line_t *l, const char *s);
void id2_line_uint(id2_line_t *l, uint32_t v);
void id2_log(const id2_client_t *ctx, const char *line);
void id2_chip_log(const id2_client_t *ctx, const char *what, uint32_t n, bool with_n, const char *tail);
void id2_banner(const id2_client_t *ctx);

#endif
