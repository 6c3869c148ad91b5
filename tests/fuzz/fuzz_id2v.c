/*
 * fuzz_id2v.c - libFuzzer target: the verifier's parsers (cloud/verify) on arbitrary bytes:
 * auth code, client id, user name, timestamp check, and a full verification with the worked
 * AES key of id2.md §10 (the bytes as the code, the extra and the challenge). Checks that every
 * parsed field lies inside its buffer and matches its alphabet, and that nothing random verifies.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "id2v/id2v.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_hex16(const char *s)
{
    if (strlen(s) != ID2V_DEVICE_RANDOM_LEN)
        abort();
    for (size_t i = 0; i < ID2V_DEVICE_RANDOM_LEN; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'F')))
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char buf[1024];
    size_t n = size < sizeof buf - 1 ? size : sizeof buf - 1;
    memcpy(buf, data, n);
    buf[n] = '\0';

    id2v_auth_code_t ac;
    if (id2v_parse_auth_code((const char *)data, size, &ac) == ID2V_OK) {
        check_hex16(ac.device_random);
        if (ac.type < 0 || ac.type > 3 || ac.hash != 2 || ac.sig_b64 < (const char *)data ||
            ac.sig_b64 + ac.sig_b64_len != (const char *)data + size ||
            (ac.sig_b64_len != 64 && ac.sig_b64_len != 172) || strlen(ac.server_random) == 0)
            abort();
        if ((ac.type == 1 || ac.type == 3) && id2v_check_timestamp(ac.server_random, 0, 0) == ID2V_ERR_FORMAT)
            abort();
    }

    id2v_key_t k;
    memset(&k, 0, sizeof k);
    memcpy(k.id2, "00112233445566778899AABB", ID2V_ID_LEN);
    k.type = ID2V_KEY_AES;
    for (int i = 0; i < 16; i++)
        k.key[i] = (uint8_t)i;
    k.key_len = 16;
    size_t half = n / 2;
    int rc = id2v_verify_auth_code(&k, buf, n, ID2V_TYPES_ANY, NULL, (const uint8_t *)buf + half, n - half, &ac);
    /* a random input that verifies would be a forged signature, unless it is a real code */
    if (rc == ID2V_OK && strncmp(buf + 1, "~2~", 3) != 0)
        abort();

    id2v_client_id_t cid;
    if (id2v_parse_client_id(buf, &cid) == ID2V_OK) {
        char out[600];
        if (strlen(cid.pk) == 0 || strlen(cid.dn) == 0 || buf[strlen(buf) - 1] != '|')
            abort();
        /* a parsed pk/dn formats again */
        if (id2v_format_client_id(cid.pk, cid.dn, cid.securemode, cid.timestamp[0] ? cid.timestamp : NULL, NULL, NULL,
                                  cid.authtype[0] ? cid.authtype : NULL, NULL, out, sizeof out) != ID2V_OK)
            abort();
        if (id2v_parse_client_id(out, &cid) != ID2V_OK)
            abort();
    }

    char pk[65], dn[65];
    if (id2v_parse_username(buf, pk, dn) == ID2V_OK) {
        if (strlen(pk) + strlen(dn) + 1 != strlen(buf))
            abort();
    }
    id2v_check_timestamp(buf, 1593072000000ull, 300);
    return 0;
}
