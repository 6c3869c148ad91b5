/*
 * trustm_sim_rsa.c - the RSA commands of the chip model (commands.md §5.9, §5.10, §5.12,
 * §5.13, §5.16): GenKeyPair RSA-1024/2048 into E0FC/E0FD, a session or exported, CalcSign
 * RSASSA-PKCS1-v1.5 over a host digest, VerifySign with a host public key or a certificate in
 * a data object, EncryptAsym / DecryptAsym RSAES-PKCS1-v1.5.  Real cryptography from mbedTLS;
 * the key-generation RNG is the chip's seeded generator, so keys are reproducible.
 *
 * Stored private keys (key object data or session): N | E (4) | D | P | Q, big-endian, padded
 * to the key size (P, Q to half of it); the algorithm is in metadata tag E0 (or session alg).
 */
#include <string.h>

#include <mbedtls/md.h>
#include <mbedtls/rsa.h>
#include <mbedtls/x509_crt.h>

#include "sim_chip.h"
#include "trustm_bytes.h"

#define ALG_RSA1024 0x41u
#define ALG_RSA2048 0x42u
#define CERT_MAX    1300u

static size_t key_bytes(uint8_t alg)
{
    return alg == ALG_RSA1024 ? 128u : alg == ALG_RSA2048 ? 256u : 0u;
}

/* ------------------------------------------------------------ encodings (§6.1) */

static size_t der_len(uint8_t *p, size_t n)
{
    if (n < 0x80u) {
        p[0] = (uint8_t)n;
        return 1;
    }
    if (n < 0x100u) {
        p[0] = 0x81;
        p[1] = (uint8_t)n;
        return 2;
    }
    p[0] = 0x82;
    trustm_be16_put(p + 1, (uint16_t)n);
    return 3;
}

/* BIT STRING { SEQUENCE { INTEGER n, INTEGER e (4 bytes as the SRM example) } } */
static size_t encode_public(const uint8_t *n, size_t nl, uint8_t *out)
{
    uint8_t seq[300];
    size_t k = 0;
    seq[k++] = 0x02;
    bool pad = (n[0] & 0x80u) != 0;
    k += der_len(seq + k, nl + (pad ? 1u : 0u));
    if (pad)
        seq[k++] = 0x00;
    memcpy(seq + k, n, nl);
    k += nl;
    static const uint8_t e[] = {0x02, 0x04, 0x00, 0x01, 0x00, 0x01};
    memcpy(seq + k, e, sizeof e);
    k += sizeof e;
    uint8_t body[310];
    size_t b = 0;
    body[b++] = 0x00; /* unused bits */
    body[b++] = 0x30;
    b += der_len(body + b, k);
    memcpy(body + b, seq, k);
    b += k;
    size_t o = 0;
    out[o++] = 0x03;
    o += der_len(out + o, b);
    memcpy(out + o, body, b);
    return o + b;
}

/* DER tag + length; returns the content pointer or NULL. */
static const uint8_t *der_take(const uint8_t **p, const uint8_t *end, uint8_t tag, size_t *len)
{
    const uint8_t *q = *p;
    if (end - q < 2 || q[0] != tag)
        return NULL;
    size_t l = q[1];
    q += 2;
    if (l == 0x81u) {
        if (end - q < 1)
            return NULL;
        l = q[0];
        q += 1;
    } else if (l == 0x82u) {
        if (end - q < 2)
            return NULL;
        l = trustm_be16_get(q);
        q += 2;
    } else if (l > 0x7Fu) {
        return NULL;
    }
    if ((size_t)(end - q) < l)
        return NULL;
    *p = q + l;
    *len = l;
    return q;
}

/* Parse the host public key (§6.1) into ctx; alg selects the size. */
static int parse_public(const uint8_t *pk, size_t n, uint8_t alg, mbedtls_rsa_context *ctx)
{
    const uint8_t *p = pk, *end = pk + n, *v;
    size_t l;
    if ((v = der_take(&p, end, 0x03, &l)) == NULL || p != end || l < 1 || v[0] != 0)
        return ERR_INVALID_DATA;
    p = v + 1;
    end = v + l;
    if ((v = der_take(&p, end, 0x30, &l)) == NULL || p != end)
        return ERR_INVALID_DATA;
    p = v;
    end = v + l;
    const uint8_t *mod, *exp;
    size_t ml, el;
    if ((mod = der_take(&p, end, 0x02, &ml)) == NULL || (exp = der_take(&p, end, 0x02, &el)) == NULL || p != end)
        return ERR_INVALID_DATA;
    while (ml > 0 && mod[0] == 0) {
        mod++;
        ml--;
    }
    while (el > 0 && exp[0] == 0) {
        exp++;
        el--;
    }
    if (ml != key_bytes(alg) || el == 0 || el > 4)
        return ERR_INVALID_DATA;
    if (mbedtls_rsa_import_raw(ctx, mod, ml, NULL, 0, NULL, 0, NULL, 0, exp, el) != 0 ||
        mbedtls_rsa_complete(ctx) != 0 || mbedtls_rsa_check_pubkey(ctx) != 0)
        return ERR_INVALID_DATA;
    return 0;
}

/* --------------------------------------------------------------- key storage */

static int load_private(const uint8_t *blob, uint8_t alg, mbedtls_rsa_context *ctx)
{
    size_t k = key_bytes(alg), h = k / 2u;
    const uint8_t *n = blob, *e = blob + k, *d = e + 4, *p = d + k, *q = p + h;
    if (mbedtls_rsa_import_raw(ctx, n, k, p, h, q, h, d, k, e, 4) != 0 || mbedtls_rsa_complete(ctx) != 0)
        return ERR_INTERNAL;
    return 0;
}

static int store_private(mbedtls_rsa_context *ctx, uint8_t alg, uint8_t *blob)
{
    size_t k = key_bytes(alg), h = k / 2u;
    uint8_t *n = blob, *e = blob + k, *d = e + 4, *p = d + k, *q = p + h;
    if (mbedtls_rsa_export_raw(ctx, n, k, p, h, q, h, d, k, e, 4) != 0)
        return ERR_INTERNAL;
    return 0;
}

/* Resolve a private key OID (key object or session) for a command; checks type, EXE AC and
 * usage; raises "Private Key Use" for key objects. */
static int private_key(trustm_sim_t *sim, uint16_t oid, uint8_t usage_any, mbedtls_rsa_context *ctx, uint8_t *alg)
{
    sim_session_t *s = sim_session(sim, oid);
    if (s != NULL) {
        if (s->kind != 2)
            return ERR_SEQUENCE;
        *alg = s->alg;
        return load_private(s->data, s->alg, ctx);
    }
    if (oid != 0xE0FCu && oid != 0xE0FDu)
        return sim_oid_is_ecc_key(oid) || sim_chip_obj(sim, oid) == NULL || oid == 0xE200u ? ERR_INVALID_OID
                                                                                           : ERR_ACCESS;
    sim_obj_t *o = sim_chip_obj(sim, oid);
    *alg = sim_meta_u8(o, 0xE0u, 0);
    if (key_bytes(*alg) == 0 || o->used != sim_rsa_blob_size(*alg))
        return ERR_ACCESS; /* no key generated yet */
    if (sim_meta_lcso(o) == LCS_TE)
        return ERR_ACCESS;
    if (!(sim_meta_u8(o, 0xE1u, 0) & usage_any))
        return ERR_ACCESS;
    int rc = sim_ac_check(sim, o, AC_EXE);
    if (rc != 0)
        return rc;
    sim_secmon_event(sim, SEC_EV_PRIVATE_KEY_USE);
    return load_private(o->data, *alg, ctx);
}

/* Public key from a certificate object (single DER X.509, TA or DEVCERT, <= 1300 bytes). */
static int cert_key(trustm_sim_t *sim, uint16_t oid, unsigned int ku, mbedtls_rsa_context *ctx)
{
    sim_obj_t *o = sim_chip_obj(sim, oid);
    if (o == NULL || (o->flags & SIM_OBJ_KEY))
        return ERR_INVALID_OID;
    uint8_t type = sim_meta_u8(o, 0xE8u, TYPE_BSTR);
    if ((type != TYPE_TA && type != TYPE_DEVCERT) || sim_meta_lcso(o) == LCS_TE)
        return ERR_ACCESS;
    int rc = sim_ac_check(sim, o, AC_EXE);
    if (rc != 0)
        return rc;
    if (o->used == 0 || o->data[0] != 0x30)
        return ERR_CERT_FORMAT;
    if (o->used > CERT_MAX)
        return ERR_CERT_UNSUPPORTED;
    mbedtls_x509_crt crt;
    mbedtls_x509_crt_init(&crt);
    rc = 0;
    if (mbedtls_x509_crt_parse_der(&crt, o->data, o->used) != 0 || crt.version != 3) {
        rc = ERR_CERT_FORMAT;
    } else if (mbedtls_pk_get_type(&crt.pk) != MBEDTLS_PK_RSA) {
        rc = ERR_CERT_UNSUPPORTED;
    } else if (mbedtls_x509_crt_check_key_usage(&crt, ku) != 0) {
        rc = ERR_ACCESS;
    } else {
        size_t bits = mbedtls_pk_get_bitlen(&crt.pk);
        if (bits != 1024 && bits != 2048)
            rc = ERR_CERT_UNSUPPORTED;
        else if (mbedtls_rsa_copy(ctx, mbedtls_pk_rsa(crt.pk)) != 0)
            rc = ERR_INTERNAL;
    }
    mbedtls_x509_crt_free(&crt);
    return rc;
}

static mbedtls_md_type_t scheme_md(uint8_t p, size_t *hl)
{
    switch (p) {
    case 0x01:
        *hl = 32;
        return MBEDTLS_MD_SHA256;
    case 0x02:
        *hl = 48;
        return MBEDTLS_MD_SHA384;
    case 0x03:
        *hl = 64;
        return MBEDTLS_MD_SHA512;
    default:
        *hl = 0;
        return MBEDTLS_MD_NONE;
    }
}

/* -------------------------------------------------------------- GenKeyPair */

int sim_cmd_gen_key_pair(trustm_sim_t *sim, sim_cmd_t *c)
{
    const uint8_t alg = c->param;
    const size_t k = key_bytes(alg);
    if (k == 0)
        return ERR_INVALID_PARAM; /* ECC curves: not on the M2 ID2 */
    static const uint8_t allowed[] = {0x01, 0x02, 0x07};
    sim_tlv_t t;
    int rc = sim_tlv_parse(c->in, c->in_len, allowed, sizeof allowed, &t);
    if (rc != 0)
        return rc;
    const bool exp = t.v[0x07] != NULL;
    uint16_t oid = 0;
    uint8_t usage = 0;
    sim_obj_t *o = NULL;
    sim_session_t *s = NULL;
    if (exp) {
        if (t.v[0x01] || t.v[0x02] || t.len[0x07] != 0)
            return ERR_INVALID_DATA;
    } else {
        if (!sim_tlv_oid(&t, 0x01, &oid) || t.v[0x02] == NULL || t.len[0x02] != 1)
            return ERR_INVALID_DATA;
        usage = t.v[0x02][0];
        if (usage == 0 || (usage & ~(USAGE_AUTH | USAGE_ENC | USAGE_SIGN | USAGE_KEYAGREE)))
            return ERR_UNSUPPORTED_ID;
        s = sim_session(sim, oid);
        if (s == NULL) {
            if (oid != 0xE0FCu && oid != 0xE0FDu)
                return ERR_INVALID_OID;
            o = sim_chip_obj(sim, oid);
            if (sim_meta_lcso(o) == LCS_TE)
                return ERR_ACCESS;
            if ((rc = sim_ac_check(sim, o, AC_CHA)) != 0)
                return rc;
        }
    }
    mbedtls_rsa_context ctx;
    mbedtls_rsa_init(&ctx, MBEDTLS_RSA_PKCS_V15, 0);
    uint8_t blob[3u * 256u + 4u];
    if (mbedtls_rsa_gen_key(&ctx, sim_mbedtls_rng, sim, (unsigned)k * 8u, 65537) != 0 ||
        store_private(&ctx, alg, blob) != 0) {
        mbedtls_rsa_free(&ctx);
        return ERR_INTERNAL;
    }
    mbedtls_rsa_free(&ctx);
    const size_t bl = sim_rsa_blob_size(alg);
    size_t out = 0;
    if (exp) {
        /* 01 LL LL 04 82 01 00 D  (or 04 81 80 D) */
        size_t ol = (k == 128 ? 3u : 4u) + k;
        c->out[out++] = 0x01;
        trustm_be16_put(c->out + out, (uint16_t)ol);
        out += 2;
        c->out[out++] = 0x04;
        out += der_len(c->out + out, k);
        memcpy(c->out + out, blob + k + 4u, k);
        out += k;
    } else if (s != NULL) {
        trustm_wipe(s, sizeof *s);
        s->kind = 2;
        s->alg = alg;
        s->len = (uint16_t)bl;
        memcpy(s->data, blob, bl);
    } else {
        memset(o->data, 0, o->max_size);
        memcpy(o->data, blob, bl);
        o->used = (uint16_t)bl;
        uint8_t a = alg;
        if (!sim_meta_set(o, 0xE0u, &a, 1) || !sim_meta_set(o, 0xE1u, &usage, 1)) {
            trustm_wipe(blob, sizeof blob);
            return ERR_META_TRUNC;
        }
        sim->nvm_dirty = true;
    }
    uint8_t pub[300];
    size_t pl = encode_public(blob, k, pub);
    trustm_wipe(blob, sizeof blob);
    c->out[out++] = 0x02;
    trustm_be16_put(c->out + out, (uint16_t)pl);
    out += 2;
    memcpy(c->out + out, pub, pl);
    c->out_len = out + pl;
    return 0;
}

/* ---------------------------------------------------------------- CalcSign */

int sim_cmd_calc_sign(trustm_sim_t *sim, sim_cmd_t *c)
{
    size_t hl;
    mbedtls_md_type_t md = scheme_md(c->param, &hl);
    if (md == MBEDTLS_MD_NONE)
        return ERR_INVALID_PARAM;
    static const uint8_t allowed[] = {0x01, 0x03};
    sim_tlv_t t;
    int rc = sim_tlv_parse(c->in, c->in_len, allowed, sizeof allowed, &t);
    if (rc != 0)
        return rc;
    uint16_t oid;
    if (t.v[0x01] == NULL || !sim_tlv_oid(&t, 0x03, &oid))
        return ERR_INVALID_DATA;
    if (t.len[0x01] != hl)
        return ERR_INVALID_DATA;
    mbedtls_rsa_context ctx;
    mbedtls_rsa_init(&ctx, MBEDTLS_RSA_PKCS_V15, 0);
    uint8_t alg;
    rc = private_key(sim, oid, USAGE_SIGN | USAGE_AUTH, &ctx, &alg);
    if (rc == 0 && mbedtls_rsa_pkcs1_sign(&ctx, sim_mbedtls_rng, sim, MBEDTLS_RSA_PRIVATE, md, (unsigned)hl, t.v[0x01],
                                          c->out) != 0)
        rc = ERR_INTERNAL;
    if (rc == 0)
        c->out_len = key_bytes(alg);
    mbedtls_rsa_free(&ctx);
    return rc;
}

/* -------------------------------------------------------------- VerifySign */

int sim_cmd_verify_sign(trustm_sim_t *sim, sim_cmd_t *c)
{
    size_t hl;
    mbedtls_md_type_t md = scheme_md(c->param, &hl);
    if (md == MBEDTLS_MD_NONE)
        return ERR_INVALID_PARAM;
    static const uint8_t allowed[] = {0x01, 0x02, 0x04, 0x05, 0x06};
    sim_tlv_t t;
    int rc = sim_tlv_parse(c->in, c->in_len, allowed, sizeof allowed, &t);
    if (rc != 0)
        return rc;
    if (t.v[0x01] == NULL || t.v[0x02] == NULL || t.len[0x01] != hl || t.len[0x02] > 520u)
        return ERR_INVALID_DATA;
    const bool by_cert = t.v[0x04] != NULL, by_host = t.v[0x05] != NULL || t.v[0x06] != NULL;
    if (by_cert == by_host)
        return ERR_INVALID_DATA;
    mbedtls_rsa_context ctx;
    mbedtls_rsa_init(&ctx, MBEDTLS_RSA_PKCS_V15, 0);
    if (by_cert) {
        uint16_t oid;
        rc = sim_tlv_oid(&t, 0x04, &oid) ? cert_key(sim, oid, MBEDTLS_X509_KU_DIGITAL_SIGNATURE, &ctx)
                                         : ERR_INVALID_DATA;
        if (rc == ERR_ACCESS && sim_tlv_oid(&t, 0x04, &oid)) {
            mbedtls_rsa_free(&ctx);
            mbedtls_rsa_init(&ctx, MBEDTLS_RSA_PKCS_V15, 0);
            rc = cert_key(sim, oid, MBEDTLS_X509_KU_KEY_CERT_SIGN, &ctx);
        }
    } else {
        if (t.v[0x05] == NULL || t.v[0x06] == NULL || t.len[0x05] != 1)
            rc = ERR_INVALID_DATA;
        else if (key_bytes(t.v[0x05][0]) == 0)
            rc = ERR_UNSUPPORTED_PARAM;
        else
            rc = parse_public(t.v[0x06], t.len[0x06], t.v[0x05][0], &ctx);
    }
    if (rc == 0) {
        if (t.len[0x02] != mbedtls_rsa_get_len(&ctx) ||
            mbedtls_rsa_pkcs1_verify(&ctx, NULL, NULL, MBEDTLS_RSA_PUBLIC, md, (unsigned)hl, t.v[0x01], t.v[0x02]) != 0)
            rc = ERR_SIGNATURE;
    }
    mbedtls_rsa_free(&ctx);
    return rc;
}

/* ------------------------------------------------------------- EncryptAsym */

int sim_cmd_encrypt_asym(trustm_sim_t *sim, sim_cmd_t *c)
{
    if (c->param != 0x11u)
        return ERR_INVALID_PARAM;
    static const uint8_t allowed[] = {0x61, 0x02, 0x04, 0x05, 0x06};
    sim_tlv_t t;
    int rc = sim_tlv_parse(c->in, c->in_len, allowed, sizeof allowed, &t);
    if (rc != 0)
        return rc;
    const bool by_cert = t.v[0x04] != NULL, by_host = t.v[0x05] != NULL || t.v[0x06] != NULL;
    if ((t.v[0x61] != NULL) == (t.v[0x02] != NULL) || by_cert == by_host)
        return ERR_INVALID_DATA;
    const uint8_t *msg;
    size_t ml;
    if (t.v[0x02] != NULL) {
        uint16_t soid;
        if (!sim_tlv_oid(&t, 0x02, &soid))
            return ERR_INVALID_DATA;
        sim_session_t *s = sim_session(sim, soid);
        if (s == NULL)
            return ERR_INVALID_OID;
        if (s->kind != 1)
            return ERR_SEQUENCE;
        msg = s->data;
        ml = s->len;
    } else {
        msg = t.v[0x61];
        ml = t.len[0x61];
    }
    mbedtls_rsa_context ctx;
    mbedtls_rsa_init(&ctx, MBEDTLS_RSA_PKCS_V15, 0);
    if (by_cert) {
        uint16_t oid;
        rc =
            sim_tlv_oid(&t, 0x04, &oid) ? cert_key(sim, oid, MBEDTLS_X509_KU_KEY_ENCIPHERMENT, &ctx) : ERR_INVALID_DATA;
        if (rc == ERR_ACCESS && t.v[0x61] != NULL) /* host data may also use dataEncipherment */
            rc = cert_key(sim, oid, MBEDTLS_X509_KU_DATA_ENCIPHERMENT, &ctx);
    } else {
        if (t.v[0x05] == NULL || t.v[0x06] == NULL || t.len[0x05] != 1)
            rc = ERR_INVALID_DATA;
        else if (key_bytes(t.v[0x05][0]) == 0)
            rc = ERR_UNSUPPORTED_PARAM;
        else
            rc = parse_public(t.v[0x06], t.len[0x06], t.v[0x05][0], &ctx);
    }
    if (rc == 0) {
        size_t k = mbedtls_rsa_get_len(&ctx);
        if (ml == 0 || ml > k - 11u)
            rc = ERR_INVALID_DATA;
        else if (mbedtls_rsa_pkcs1_encrypt(&ctx, sim_mbedtls_rng, sim, MBEDTLS_RSA_PUBLIC, ml, msg, c->out + 3) != 0)
            rc = ERR_INTERNAL;
        else {
            c->out[0] = 0x61;
            trustm_be16_put(c->out + 1, (uint16_t)k);
            c->out_len = 3u + k;
        }
    }
    mbedtls_rsa_free(&ctx);
    return rc;
}

/* ------------------------------------------------------------- DecryptAsym */

int sim_cmd_decrypt_asym(trustm_sim_t *sim, sim_cmd_t *c)
{
    if (c->param != 0x11u)
        return ERR_INVALID_PARAM;
    static const uint8_t allowed[] = {0x61, 0x03, 0x02};
    sim_tlv_t t;
    int rc = sim_tlv_parse(c->in, c->in_len, allowed, sizeof allowed, &t);
    if (rc != 0)
        return rc;
    uint16_t oid, soid = 0;
    if (t.v[0x61] == NULL || !sim_tlv_oid(&t, 0x03, &oid))
        return ERR_INVALID_DATA;
    if (t.v[0x02] != NULL && (!sim_tlv_oid(&t, 0x02, &soid) || !sim_oid_is_session(soid)))
        return t.len[0x02] == 2 ? ERR_INVALID_OID : ERR_INVALID_DATA;
    if (sim_oid_is_session(oid))
        return ERR_INVALID_OID; /* decryption needs a key object */
    mbedtls_rsa_context ctx;
    mbedtls_rsa_init(&ctx, MBEDTLS_RSA_PKCS_V15, 0);
    uint8_t alg;
    rc = private_key(sim, oid, USAGE_ENC, &ctx, &alg);
    if (rc == 0 && t.len[0x61] != key_bytes(alg))
        rc = ERR_INVALID_DATA;
    uint8_t plain[256];
    size_t pl = 0;
    if (rc == 0 && mbedtls_rsa_pkcs1_decrypt(&ctx, sim_mbedtls_rng, sim, MBEDTLS_RSA_PRIVATE, &pl, t.v[0x61], plain,
                                             sizeof plain) != 0) {
        /* only "private key use" (raised when the key was taken): "decryption failure" is the
         * protected update's event (datasheet Table 17, objects.md §8.1) */
        rc = ERR_DECRYPT;
    }
    mbedtls_rsa_free(&ctx);
    if (rc == 0) {
        if (soid != 0) {
            if (pl > SIM_SESSION_SECRET_MAX) {
                rc = ERR_INVALID_DATA;
            } else {
                sim_session_t *s = sim_session(sim, soid);
                trustm_wipe(s, sizeof *s);
                s->kind = 1;
                s->len = (uint16_t)pl;
                memcpy(s->data, plain, pl);
            }
        } else {
            c->out[0] = 0x61;
            trustm_be16_put(c->out + 1, (uint16_t)pl);
            memcpy(c->out + 3, plain, pl);
            c->out_len = 3u + pl;
        }
    }
    trustm_wipe(plain, sizeof plain);
    return rc;
}
