/*
 * The simulated chip's protected-update manifest parser (sim/chip/trustm_sim_protupd.c).
 * Odd first byte: the rest of the input is the manifest.  Even first byte: the input fills
 * the fields of a manifest of the profile's shape (payload type, size, version, additional
 * info, digest, optional recipient with label and seed, component id, target, signature
 * length), built with the CBOR encoder, so the checks behind the shape are reached too.
 * Each manifest is checked by the parser alone (0 or 0x0F only) and then sent to a chip with
 * SetObjectProtected start and final: the answers must be well-formed (Sta 00 or FF) and a
 * manifest the parser rejects must be refused.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "trustm_cbor.h"
#include "trustm_sim.h"
#include "trustm_sim_manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct src {
    const uint8_t *p;
    size_t n;
} src_t;

static uint8_t take(src_t *s)
{
    if (s->n == 0)
        return 0;
    s->n--;
    return *s->p++;
}

static size_t structured(src_t *s, uint8_t *out, size_t size)
{
    static const int64_t algs[] = {-65700, -7, -8, 1};
    static const int64_t types[] = {-1, -2, -3, -4, 0};
    uint8_t payload[400], prot[16], rh[160], label[40], seed[80], digest[32], sig[300];
    trustm_cbor_enc_t e;
    /* protected header */
    trustm_cbor_enc_init(&e, prot, sizeof prot);
    trustm_cbor_put_map(&e, 1);
    trustm_cbor_put_uint(&e, 1);
    trustm_cbor_put_int(&e, algs[take(s) % 4u]);
    size_t prot_len = trustm_cbor_enc_len(&e);
    /* Trust_manifest */
    trustm_cbor_enc_init(&e, payload, sizeof payload);
    trustm_cbor_put_array(&e, 6);
    trustm_cbor_put_uint(&e, take(s) % 8u == 0 ? 2u : 1u);
    trustm_cbor_put_null(&e);
    trustm_cbor_put_null(&e);
    trustm_cbor_put_array(&e, 4);
    trustm_cbor_put_int(&e, types[take(s) % 5u]);
    trustm_cbor_put_uint(&e, (uint64_t)take(s) << 4 | take(s));
    trustm_cbor_put_uint(&e, (uint64_t)take(s) << 8 | take(s));
    trustm_cbor_put_array(&e, 2);
    trustm_cbor_put_uint(&e, take(s));
    trustm_cbor_put_uint(&e, take(s) % 4u);
    trustm_cbor_put_array(&e, 2);
    trustm_cbor_put_array(&e, 2);
    trustm_cbor_put_int(&e, -1);
    uint8_t di[40];
    trustm_cbor_enc_t de;
    trustm_cbor_enc_init(&de, di, sizeof di);
    trustm_cbor_put_array(&de, 2);
    trustm_cbor_put_uint(&de, take(s) % 8u == 0 ? 42u : 41u);
    for (size_t i = 0; i < sizeof digest; i++)
        digest[i] = take(s);
    trustm_cbor_put_bstr(&de, digest, sizeof digest);
    trustm_cbor_put_bstr(&e, di, trustm_cbor_enc_len(&de));
    if (take(s) & 1u) {
        trustm_cbor_put_array(&e, 2);
        trustm_cbor_put_uint(&e, 1);
        trustm_cbor_put_array(&e, 3);
        const uint8_t ph[] = {0xA1, 0x01, 0x0A};
        trustm_cbor_put_bstr(&e, ph, sizeof ph);
        trustm_cbor_put_array(&e, 1);
        trustm_cbor_put_array(&e, 2);
        size_t ll = take(s) % 40u, sl = take(s) % 80u;
        for (size_t i = 0; i < ll; i++)
            label[i] = take(s);
        for (size_t i = 0; i < sl; i++)
            seed[i] = take(s);
        trustm_cbor_enc_t re;
        trustm_cbor_enc_init(&re, rh, sizeof rh);
        trustm_cbor_put_map(&re, 3);
        trustm_cbor_put_uint(&re, 4);
        const uint8_t so[2] = {0xF1, take(s)};
        trustm_cbor_put_bstr(&re, so, 2);
        trustm_cbor_put_uint(&re, 1);
        trustm_cbor_put_int(&re, -65720);
        trustm_cbor_put_uint(&re, 5);
        trustm_cbor_put_array(&re, 2);
        trustm_cbor_put_bstr(&re, label, ll);
        trustm_cbor_put_bstr(&re, seed, sl);
        trustm_cbor_put_bstr_hdr8(&e, trustm_cbor_enc_len(&re));
        trustm_cbor_put_raw(&e, rh, trustm_cbor_enc_len(&re));
        trustm_cbor_put_null(&e);
        trustm_cbor_put_null(&e);
    } else {
        trustm_cbor_put_null(&e);
    }
    trustm_cbor_put_array(&e, 2);
    uint8_t couid[25];
    size_t cl = take(s) % 8u == 0 ? 25u : 0u;
    for (size_t i = 0; i < cl; i++)
        couid[i] = take(s);
    trustm_cbor_put_bstr(&e, couid, cl);
    const uint8_t targets[][2] = {{0xE2, 0x00}, {0xE0, 0xFC}, {0xF1, 0xD0}, {0xE0, 0xE3}, {0xE0, 0xC2}, {0xF1, 0xE0}};
    trustm_cbor_put_bstr(&e, targets[take(s) % 6u], 2);
    if (!trustm_cbor_enc_ok(&e))
        return 0;
    size_t payload_len = trustm_cbor_enc_len(&e);
    /* COSE_Sign1 */
    size_t sig_len = take(s) % 3u == 0 ? 64u : take(s) % 2u == 0 ? 128u : 256u;
    for (size_t i = 0; i < sig_len; i++)
        sig[i] = take(s);
    trustm_cbor_enc_init(&e, out, size);
    trustm_cbor_put_array(&e, 4);
    trustm_cbor_put_bstr(&e, prot, prot_len);
    trustm_cbor_put_map(&e, 1);
    trustm_cbor_put_uint(&e, 4);
    const uint8_t ta[2] = {0xE0, (uint8_t)(take(s) % 4u == 0 ? 0xE8 : 0xE3)};
    trustm_cbor_put_bstr(&e, ta, 2);
    trustm_cbor_put_bstr(&e, payload, payload_len);
    trustm_cbor_put_bstr(&e, sig, sig_len);
    return trustm_cbor_enc_ok(&e) ? trustm_cbor_enc_len(&e) : 0;
}

static trustm_sim_t *chip(void)
{
    static trustm_sim_t *sim;
    static uint8_t rsp[2048];
    static const uint8_t open_app[] = {0xF0, 0x00, 0x00, 0x10, 0xD2, 0x76, 0x00, 0x00, 0x04, 0x47,
                                       0x65, 0x6E, 0x41, 0x75, 0x74, 0x68, 0x41, 0x70, 0x70, 0x6C};
    /* E0E3 made a trust anchor (its content is not a certificate) */
    static const uint8_t ta_md[] = {0x82, 0x01, 0x00, 0x0C, 0xE0, 0xE3, 0x00, 0x00,
                                    0x20, 0x06, 0xD3, 0x01, 0x00, 0xE8, 0x01, 0x11};
    if (sim != NULL)
        return sim;
    trustm_sim_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.timing = TRUSTM_SIM_TIMING_NONE;
    sim = trustm_sim_create(&cfg, NULL, 0);
    if (sim == NULL || trustm_sim_apdu(sim, open_app, sizeof open_app, rsp, sizeof rsp) != 4 || rsp[0] != 0 ||
        trustm_sim_apdu(sim, ta_md, sizeof ta_md, rsp, sizeof rsp) != 4 || rsp[0] != 0)
        abort();
    return sim;
}

static void send(trustm_sim_t *sim, uint8_t tag, const uint8_t *v, size_t n, uint8_t *rsp, size_t rsp_size)
{
    static uint8_t apdu[1600];
    if (n > 1500)
        n = 1500;
    apdu[0] = 0x83;
    apdu[1] = 0x01;
    apdu[2] = (uint8_t)((n + 3u) >> 8);
    apdu[3] = (uint8_t)(n + 3u);
    apdu[4] = tag;
    apdu[5] = (uint8_t)(n >> 8);
    apdu[6] = (uint8_t)n;
    memcpy(apdu + 7, v, n);
    size_t r = trustm_sim_apdu(sim, apdu, n + 7u, rsp, rsp_size);
    if (r != 4 || (rsp[0] != 0x00 && rsp[0] != 0xFF))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t m[1600], rsp[2048];
    if (size < 1)
        return 0;
    size_t n;
    if (data[0] & 1u) {
        n = size - 1u < sizeof m ? size - 1u : sizeof m;
        memcpy(m, data + 1, n);
    } else {
        src_t s = {data + 1, size - 1u};
        n = structured(&s, m, sizeof m);
    }
    int rc = trustm_sim_manifest_check(m, n);
    if (rc != 0 && rc != 0x0F)
        abort();
    trustm_sim_t *sim = chip();
    send(sim, 0x30, m, n, rsp, sizeof rsp);
    if (rc != 0 && rsp[0] == 0x00)
        abort(); /* the chip accepted what its parser rejects */
    send(sim, 0x31, data, size < 640 ? size : 640, rsp, sizeof rsp);
    return 0;
}
