/*
 * The host's metadata and access-condition decoders (src/api/trustm_metadata.c), fed what a
 * chip or a bus attacker could answer.  The first byte selects the entry: 0 the AC decoder and
 * formatter on the rest, otherwise the metadata container decoder and formatter.  Whatever
 * decodes must encode again and decode to the same structure (a round trip), and formatting
 * into a short buffer must fail cleanly.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "trustm/trustm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char text[4096];
    static uint8_t back[512];
    size_t n = 0, bl = 0;
    if (size < 1)
        return 0;
    const uint8_t *b = data + 1;
    size_t len = size - 1u;
    if (data[0] == 0) {
        trustm_ac_expr_t e, e2;
        if (trustm_ac_decode(b, len, &e) == TRUSTM_OK) {
            if (trustm_ac_encode(&e, back, sizeof back, &bl) != TRUSTM_OK || bl != len || memcmp(back, b, len) != 0)
                abort();
            if (trustm_ac_decode(back, bl, &e2) != TRUSTM_OK || memcmp(&e, &e2, sizeof e) != 0)
                abort();
            if (trustm_ac_format(b, len, text, sizeof text, &n) != TRUSTM_OK ||
                trustm_ac_parse(text, back, sizeof back, &bl) != TRUSTM_OK || bl != len || memcmp(back, b, len) != 0)
                abort();
        }
        trustm_status_t s = trustm_ac_format(b, len, text, 8, &n); /* too small: any outcome */
        (void)s;
        return 0;
    }
    trustm_metadata_t md;
    if (trustm_metadata_decode(b, len, &md) == TRUSTM_OK) {
        if (trustm_metadata_encode(&md, back, sizeof back, &bl) == TRUSTM_OK) {
            trustm_metadata_t md2;
            if (trustm_metadata_decode(back, bl, &md2) != TRUSTM_OK)
                abort();
        }
    }
    if (trustm_metadata_format(b, len, text, sizeof text, &n) == TRUSTM_OK && n >= sizeof text)
        abort();
    trustm_status_t s = trustm_metadata_format(b, len, text, 10, &n); /* too small: any outcome */
    (void)s;
    return 0;
}
