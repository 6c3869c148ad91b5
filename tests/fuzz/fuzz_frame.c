/* Frame codec: decode arbitrary bytes; whatever decodes must re-encode to the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "trustm_apdu.h"
#include "trustm_frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    trustm_dl_frame_t f;
    if (trustm_dl_frame_decode(data, size, &f) == TRUSTM_DL_FRAME_OK) {
        static uint8_t out[0x10000 + 5];
        size_t n = trustm_dl_frame_encode(f.fctr, f.packet, f.len, out, sizeof out);
        if (n != size || memcmp(out, data, size) != 0)
            abort();
    }
    trustm_apdu_rsp_t r;
    if (trustm_apdu_rsp_decode(data, size, &r) && (size_t)r.out_len + 4 != size)
        abort();
    if (size > 0) {
        trustm_dl_fctr_t c;
        trustm_dl_fctr_decode(data[0], &c);
        if (trustm_dl_fctr_encode(&c) != data[0])
            abort();
    }
    return 0;
}
