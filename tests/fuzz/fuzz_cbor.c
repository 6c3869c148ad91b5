/*
 * fuzz_cbor.c - libFuzzer target: the strict CBOR decoder (src/codec/trustm_cbor.c) on
 * arbitrary bytes. Validates the whole input, then walks it item by item with the pull API and
 * checks that both agree and that every string lies inside the input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "trustm_cbor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    trustm_cbor_err_t whole = trustm_cbor_validate(data, size);

    trustm_cbor_dec_t d;
    trustm_cbor_item_t it;
    trustm_cbor_dec_init(&d, data, size);
    while (trustm_cbor_dec_pos(&d) < size && trustm_cbor_next(&d, &it)) {
        if (it.ptr != NULL && (it.ptr < data || (size_t)(it.ptr - data) + it.arg > size))
            abort();
    }
    /* A valid input must also walk cleanly item by item. */
    if (whole == TRUSTM_CBOR_OK && !trustm_cbor_dec_ok(&d))
        abort();

    int64_t v;
    trustm_cbor_dec_init(&d, data, size);
    (void)trustm_cbor_get_int(&d, &v);
    trustm_cbor_dec_init(&d, data, size);
    (void)trustm_cbor_skip(&d);
    return 0;
}
