/*
 * The host's text parsers: access-condition expressions (`LcsO < op || Conf(E140)`) and metadata
 * text (`metadata --set`), as a user or a script types them.  Parsed bytes must decode and
 * format back to text that parses to the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "trustm/trustm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char in[2048], text[4096];
    static uint8_t out[512], back[512];
    size_t n = 0, bl = 0, tl = 0;
    if (size < 1 || size >= sizeof in)
        return 0;
    memcpy(in, data + 1, size - 1u);
    in[size - 1u] = '\0';
    if (data[0] & 1u) {
        if (trustm_ac_parse(in, out, sizeof out, &n) == TRUSTM_OK) {
            trustm_ac_expr_t e;
            if (n > TRUSTM_AC_MAX_LEN || trustm_ac_decode(out, n, &e) != TRUSTM_OK)
                abort();
            if (trustm_ac_format(out, n, text, sizeof text, &tl) != TRUSTM_OK ||
                trustm_ac_parse(text, back, sizeof back, &bl) != TRUSTM_OK || bl != n || memcmp(back, out, n) != 0)
                abort();
        }
        trustm_status_t s = trustm_ac_parse(in, out, 4, &n); /* any outcome but a crash */
        (void)s;
    } else {
        if (trustm_metadata_parse(in, out, sizeof out, &n) == TRUSTM_OK) {
            trustm_metadata_t md;
            if (trustm_metadata_decode(out, n, &md) != TRUSTM_OK)
                abort();
        }
    }
    return 0;
}
