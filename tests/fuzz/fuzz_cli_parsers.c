/*
 * The small parsers of the `trustm` tool and the host API that read what a user or a chip hands
 * them: hex text (--data), device specs (-d), OIDs, numbers, key-usage lists, and the host's
 * RSA public key and UID decoders.  The first byte picks the parser; errors must come with a
 * reason, successes must be consistent (hex: the bytes re-format to the same value).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli_devspec.h"
#include "cli_hex.h"
#include "cli_util.h"
#include "trustm/trustm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char text[4097];
    static uint8_t out[2048];
    char err[256];
    if (size < 1 || size > 4096)
        return 0;
    memcpy(text, data + 1, size - 1u);
    text[size - 1u] = '\0';
    size_t n = 0;
    err[0] = '\0';
    switch (data[0] % 6u) {
    case 0:
        if (cli_hex_parse(text, out, sizeof out, &n, err, sizeof err) != 0 && err[0] == '\0')
            abort();
        if (n > sizeof out)
            abort();
        break;
    case 1: {
        cli_devspec_t d;
        if (cli_devspec_parse(text, &d, err, sizeof err) != 0 && err[0] == '\0')
            abort();
        break;
    }
    case 2: {
        uint16_t oid;
        unsigned long v;
        uint8_t usage;
        (void)cli_parse_oid(text, &oid);
        (void)cli_parse_uint(text, 0, 0xFFFFu, &v);
        (void)cli_parse_key_usage(text, &usage);
        break;
    }
    case 3: {
        trustm_rsa_pubkey_t pk;
        if (trustm_rsa_pubkey_decode(data + 1, size - 1u, &pk) == TRUSTM_OK) {
            const uint8_t *end = data + size;
            if (pk.modulus < data || pk.modulus + pk.modulus_len > end || pk.exponent < data ||
                pk.exponent + pk.exponent_len > end)
                abort(); /* the decoder points into its input */
            size_t l = 0;
            if (trustm_rsa_pubkey_encode(&pk, out, sizeof out, &l) != TRUSTM_OK)
                abort();
        }
        break;
    }
    case 4: {
        trustm_uid_t uid;
        trustm_status_t s = trustm_uid_decode(data + 1, size - 1u, &uid);
        (void)s;
        break;
    }
    default: {
        trustm_metadata_t md;
        trustm_status_t s = trustm_metadata_decode(data + 1, size - 1u, &md);
        (void)s;
        break;
    }
    }
    return 0;
}
