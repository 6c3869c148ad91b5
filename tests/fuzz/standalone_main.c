/* Deterministic driver for libFuzzer targets in builds without -fsanitize=fuzzer:
 * feeds N inputs (random lengths and bytes, plus truncations and bit flips of earlier
 * inputs) from a fixed-seed generator. Usage: fuzz_x [N]. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t rng_state = 0x9E3779B9u;
static uint32_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 10000;
    static uint8_t buf[4096], prev[4096];
    size_t prev_len = 0;
    for (long i = 0; i < n; i++) {
        size_t len;
        if (prev_len > 0 && (i % 3) == 0) {
            len = prev_len;
            memcpy(buf, prev, len);
            buf[rng() % len] ^= (uint8_t)(1u << (rng() % 8));
            if (rng() % 4 == 0)
                len = rng() % (len + 1);
        } else {
            len = (i % 7 == 0) ? rng() % sizeof buf : rng() % 64;
            for (size_t k = 0; k < len; k++)
                buf[k] = (uint8_t)rng();
        }
        LLVMFuzzerTestOneInput(buf, len);
        memcpy(prev, buf, len);
        prev_len = len;
    }
    printf("%ld inputs, no crash\n", n);
    return 0;
}
