/*
 * trustm_sim_crypto.c - GetRandom, CalcHash, EncryptSym/DecryptSym (AES ECB, CBC, CBC-MAC,
 * CMAC, HMAC-SHA256/384/512, HMAC verification with Auto states), GenSymKey and DeriveKey
 * (TLS 1.2 PRF, HKDF) of the chip model (commands.md §5.6-5.8, §5.11, §5.15, §5.17), on
 * mbedTLS primitives (AES block cipher, SHA-256/384/512).  HMAC, CMAC and the KDFs are written
 * here on those primitives so that no sequence state needs heap memory.
 */
#include <string.h>

#include <mbedtls/aes.h>

#include "sim_chip.h"
#include "trustm_bytes.h"

/* ================================================================== HMAC */

typedef struct hm {
    size_t hlen; /* 32, 48, 64 */
    mbedtls_sha256_context s256;
    mbedtls_sha512_context s512;
} hm_t;

static size_t block_of(size_t hlen)
{
    return hlen == 32 ? 64u : 128u;
}

static void h_start(size_t hlen, mbedtls_sha256_context *a, mbedtls_sha512_context *b)
{
    if (hlen == 32) {
        mbedtls_sha256_init(a);
        mbedtls_sha256_starts_ret(a, 0);
    } else {
        mbedtls_sha512_init(b);
        mbedtls_sha512_starts_ret(b, hlen == 48);
    }
}

static void h_update(size_t hlen, mbedtls_sha256_context *a, mbedtls_sha512_context *b, const uint8_t *p, size_t n)
{
    if (n == 0)
        return;
    if (hlen == 32)
        mbedtls_sha256_update_ret(a, p, n);
    else
        mbedtls_sha512_update_ret(b, p, n);
}

static void h_finish(size_t hlen, mbedtls_sha256_context *a, mbedtls_sha512_context *b, uint8_t *out)
{
    uint8_t full[64];
    if (hlen == 32) {
        mbedtls_sha256_finish_ret(a, full);
        mbedtls_sha256_free(a);
    } else {
        mbedtls_sha512_finish_ret(b, full);
        mbedtls_sha512_free(b);
    }
    memcpy(out, full, hlen);
}

/* key block: the key, hashed if longer than the block, zero padded */
static void key_block(size_t hlen, const uint8_t *key, size_t key_len, uint8_t kb[128])
{
    size_t bl = block_of(hlen);
    memset(kb, 0, 128);
    if (key_len > bl) {
        mbedtls_sha256_context a;
        mbedtls_sha512_context b;
        h_start(hlen, &a, &b);
        h_update(hlen, &a, &b, key, key_len);
        h_finish(hlen, &a, &b, kb);
    } else {
        memcpy(kb, key, key_len);
    }
}

static void hm_start(hm_t *h, size_t hlen, const uint8_t *key, size_t key_len)
{
    uint8_t kb[128];
    h->hlen = hlen;
    key_block(hlen, key, key_len, kb);
    for (size_t i = 0; i < 128; i++)
        kb[i] ^= 0x36u;
    h_start(hlen, &h->s256, &h->s512);
    h_update(hlen, &h->s256, &h->s512, kb, block_of(hlen));
    trustm_wipe(kb, sizeof kb);
}

static void hm_update(hm_t *h, const uint8_t *p, size_t n)
{
    h_update(h->hlen, &h->s256, &h->s512, p, n);
}

static void hm_finish(hm_t *h, const uint8_t *key, size_t key_len, uint8_t *out)
{
    uint8_t inner[64], kb[128];
    h_finish(h->hlen, &h->s256, &h->s512, inner);
    key_block(h->hlen, key, key_len, kb);
    for (size_t i = 0; i < 128; i++)
        kb[i] ^= 0x5Cu;
    mbedtls_sha256_context a;
    mbedtls_sha512_context b;
    h_start(h->hlen, &a, &b);
    h_update(h->hlen, &a, &b, kb, block_of(h->hlen));
    h_update(h->hlen, &a, &b, inner, h->hlen);
    h_finish(h->hlen, &a, &b, out);
    trustm_wipe(kb, sizeof kb);
    trustm_wipe(inner, sizeof inner);
}

size_t sim_hmac(uint8_t hlen, const uint8_t *key, size_t key_len, const uint8_t *a, size_t a_len, const uint8_t *b,
                size_t b_len, uint8_t *out)
{
    hm_t h;
    hm_start(&h, hlen, key, key_len);
    hm_update(&h, a, a_len);
    hm_update(&h, b, b_len);
    hm_finish(&h, key, key_len, out);
    return hlen;
}

static bool ct_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
    uint8_t d = 0;
    for (size_t i = 0; i < n; i++)
        d |= (uint8_t)(a[i] ^ b[i]);
    return d == 0;
}

/* ============================================================ GetRandom */

int sim_cmd_get_random(trustm_sim_t *sim, sim_cmd_t *c)
{
    if (c->param != 0x00 && c->param != 0x01 && c->param != 0x04)
        return ERR_INVALID_PARAM;
    if (c->in_len < 2 || c->in_len == 3)
        return ERR_INVALID_LENGTH;
    uint16_t n = trustm_be16_get(c->in);
    if (n < 8u || n > 256u)
        return ERR_INVALID_DATA;
    if (c->in_len == 2) {
        if (c->param == 0x04)
            return ERR_INVALID_DATA; /* the pre-master secret needs a session */
        sim_random(sim, c->out, n);
        c->out_len = n; /* sim_random stores a new reservation when the last one is used up */
        return 0;
    }
    uint16_t soid = trustm_be16_get(c->in + 2);
    sim_session_t *s = sim_session(sim, soid);
    if (s == NULL)
        return ERR_INVALID_OID;
    static const uint8_t allowed[] = {0x41};
    sim_tlv_t t;
    int rc = sim_tlv_parse(c->in + 4, c->in_len - 4u, allowed, sizeof allowed, &t);
    if (rc != 0)
        return rc;
    if (t.v[0x41] == NULL)
        return ERR_INVALID_DATA;
    size_t m = t.len[0x41];
    if (m + n > SIM_SESSION_SECRET_MAX)
        return ERR_INVALID_DATA;
    uint8_t buf[SIM_SESSION_SECRET_MAX];
    memcpy(buf, t.v[0x41], m);
    sim_random(sim, buf + m, n);
    trustm_wipe(s, sizeof *s);
    s->kind = 1;
    s->len = (uint16_t)(m + n);
    memcpy(s->data, buf, m + n);
    if (c->param != 0x04) {
        memcpy(c->out, buf + m, n);
        c->out_len = n;
    }
    trustm_wipe(buf, sizeof buf);
    return 0;
}

/* ============================================================= CalcHash */

#define HCTX_SIZE    209u
#define HCTX_MAC_OFF (HCTX_SIZE - 32u)
static const uint8_t hctx_magic[4] = {'T', 'M', 'H', '1'};

static void hs_to_ctx(const sim_hash_state_t *h, mbedtls_sha256_context *x)
{
    mbedtls_sha256_init(x);
    mbedtls_sha256_starts_ret(x, 0);
    memcpy(x->state, h->h, sizeof x->state);
    x->total[0] = (uint32_t)h->total;
    x->total[1] = (uint32_t)(h->total >> 32);
    memcpy(x->buffer, h->buf, sizeof x->buffer);
}

static void hs_from_ctx(sim_hash_state_t *h, const mbedtls_sha256_context *x)
{
    memcpy(h->h, x->state, sizeof h->h);
    h->total = ((uint64_t)x->total[1] << 32) | x->total[0];
    memcpy(h->buf, x->buffer, sizeof h->buf);
    h->buf_len = (uint8_t)(h->total & 63u);
    h->active = true;
}

static void hctx_export(trustm_sim_t *sim, const sim_hash_state_t *h, uint8_t out[HCTX_SIZE])
{
    memset(out, 0, HCTX_SIZE);
    memcpy(out, hctx_magic, 4);
    for (unsigned i = 0; i < 8; i++)
        trustm_be32_put(out + 4 + 4 * i, h->h[i]);
    trustm_be64_put(out + 36, h->total);
    memcpy(out + 44, h->buf, 64);
    sim_hmac(32, sim->chip.ctx_key, sizeof sim->chip.ctx_key, out, HCTX_MAC_OFF, NULL, 0, out + HCTX_MAC_OFF);
}

static bool hctx_import(trustm_sim_t *sim, const uint8_t *in, size_t n, sim_hash_state_t *h)
{
    uint8_t mac[32];
    if (n != HCTX_SIZE || memcmp(in, hctx_magic, 4) != 0)
        return false;
    sim_hmac(32, sim->chip.ctx_key, sizeof sim->chip.ctx_key, in, HCTX_MAC_OFF, NULL, 0, mac);
    if (!ct_equal(mac, in + HCTX_MAC_OFF, 32))
        return false;
    memset(h, 0, sizeof *h);
    for (unsigned i = 0; i < 8; i++)
        h->h[i] = trustm_be32_get(in + 4 + 4 * i);
    h->total = trustm_be64_get(in + 36);
    memcpy(h->buf, in + 44, 64);
    h->buf_len = (uint8_t)(h->total & 63u);
    h->active = true;
    return true;
}

/* Data of a `1y` item: OID, offset, length from a readable data object. */
static int hash_obj_data(trustm_sim_t *sim, const uint8_t *v, uint16_t l, const uint8_t **p, size_t *n)
{
    if (l != 6)
        return ERR_INVALID_DATA;
    sim_obj_t *o = sim_chip_obj(sim, trustm_be16_get(v));
    if (o == NULL)
        return ERR_INVALID_OID;
    if ((o->flags & SIM_OBJ_KEY) || sim_meta_lcso(o) == LCS_TE)
        return ERR_ACCESS;
    int rc = sim_ac_check(sim, o, AC_RD);
    if (rc != 0)
        return rc;
    uint16_t off = trustm_be16_get(v + 2), len = trustm_be16_get(v + 4);
    if ((size_t)off + len > o->used)
        return ERR_BOUNDARY;
    *p = o->data + off;
    *n = len;
    return 0;
}

int sim_cmd_calc_hash(trustm_sim_t *sim, sim_cmd_t *c)
{
    if (c->param != 0xE2u)
        return ERR_INVALID_PARAM;
    static const uint8_t allowed[] = {0x00, 0x01, 0x02, 0x03, 0x05, 0x10, 0x11, 0x12, 0x13, 0x15, 0x04, 0x06, 0x07};
    sim_tlv_t t;
    int rc = sim_tlv_parse(c->in, c->in_len, allowed, sizeof allowed, &t);
    if (rc != 0)
        return rc;
    int y = -1, items = 0;
    bool from_obj = false;
    for (unsigned k = 0; k < 16; k++) {
        if (k == 4 || k == 6 || k == 7)
            continue;
        if (t.v[k] != NULL) {
            y = (int)k;
            items++;
        }
        if (t.v[0x10 + k] != NULL) {
            y = (int)k;
            items++;
            from_obj = true;
        }
    }
    const bool term = t.v[0x04] != NULL, imp = t.v[0x06] != NULL, exp = t.v[0x07] != NULL;
    if (term) {
        if (items != 0 || imp || exp || t.len[0x04] != 0)
            return ERR_INVALID_DATA;
        if (!sim->chip.hash.active)
            return ERR_SEQUENCE;
        trustm_wipe(&sim->chip.hash, sizeof sim->chip.hash);
        return 0;
    }
    if (items != 1)
        return ERR_INVALID_DATA;
    if (imp && y != 2 && y != 3 && y != 5)
        return ERR_INVALID_DATA;
    if (exp && ((y != 0 && y != 2) || t.len[0x07] != 0))
        return ERR_INVALID_DATA;
    const uint8_t *data;
    size_t n;
    if (from_obj) {
        if ((rc = hash_obj_data(sim, t.v[0x10 + y], t.len[0x10 + y], &data, &n)) != 0)
            return rc;
    } else {
        data = t.v[y];
        n = t.len[y];
    }
    if (y == 1 && n == 0)
        return ERR_INVALID_DATA;
    sim_hash_state_t hs;
    if (y == 0 || y == 1) {
        memset(&hs, 0, sizeof hs);
        trustm_wipe(&sim->chip.hash, sizeof sim->chip.hash); /* any start ends an open sequence */
        mbedtls_sha256_context x;
        mbedtls_sha256_init(&x);
        mbedtls_sha256_starts_ret(&x, 0);
        hs_from_ctx(&hs, &x);
        mbedtls_sha256_free(&x);
    } else if (imp) {
        if (!hctx_import(sim, t.v[0x06], t.len[0x06], &hs)) {
            /* a context of the right size that this chip did not issue: forged or corrupted,
             * treated as suspect system behaviour (SEC = 255) */
            if (t.len[0x06] == HCTX_SIZE)
                sim_secmon_event(sim, SEC_EV_SUSPECT);
            return ERR_INVALID_DATA;
        }
    } else {
        if (!sim->chip.hash.active)
            return ERR_SEQUENCE;
        hs = sim->chip.hash;
    }
    mbedtls_sha256_context x;
    hs_to_ctx(&hs, &x);
    if (n > 0)
        mbedtls_sha256_update_ret(&x, data, n);
    hs_from_ctx(&hs, &x);
    size_t out = 0;
    if (y == 1 || y == 3 || y == 5) {
        c->out[0] = 0x01;
        trustm_be16_put(c->out + 1, 32);
        mbedtls_sha256_finish_ret(&x, c->out + 3);
        out = 35;
        if (y == 5)
            sim->chip.hash = hs;
        else
            trustm_wipe(&sim->chip.hash, sizeof sim->chip.hash);
    } else {
        sim->chip.hash = hs;
    }
    mbedtls_sha256_free(&x);
    if (exp) {
        c->out[out] = 0x06;
        trustm_be16_put(c->out + out + 1, HCTX_SIZE);
        hctx_export(sim, &hs, c->out + out + 3);
        out += 3u + HCTX_SIZE;
    }
    c->out_len = out;
    return 0;
}

/* ====================================================== symmetric engine */

#define SYM_MAX_IN 640u

static bool aes_mode(uint8_t m)
{
    return m >= 0x08u && m <= 0x0Bu;
}
static size_t hmac_len(uint8_t m)
{
    return m == 0x20u ? 32u : m == 0x21u ? 48u : m == 0x22u ? 64u : 0u;
}

/* Load the key of a new sequence into sim->chip.sym; raises the key-use event. */
static int sym_load_key(trustm_sim_t *sim, uint8_t cmd, uint8_t mode, uint16_t oid)
{
    sim_sym_seq_t *q = &sim->chip.sym;
    if (aes_mode(mode)) {
        sim_obj_t *o = sim_chip_obj(sim, oid);
        if (o == NULL || oid != 0xE200u)
            return ERR_INVALID_OID; /* the only symmetric key object */
        uint8_t alg = sim_meta_u8(o, 0xE0u, 0);
        if (alg < 0x81u || alg > 0x83u || o->used != 16u + 8u * (unsigned)(alg - 0x81u))
            return ERR_ACCESS; /* no (consistent) AES key in this object */
        if (sim_meta_lcso(o) == LCS_TE)
            return ERR_ACCESS;
        if (!(sim_meta_u8(o, 0xE1u, 0) & USAGE_ENC))
            return ERR_ACCESS;
        int rc = sim_ac_check(sim, o, AC_EXE);
        if (rc != 0)
            return rc;
        memcpy(q->key, o->data, o->used);
        q->key_len = o->used;
    } else {
        sim_session_t *s = sim_session(sim, oid);
        if (s != NULL) {
            if (s->kind != 1)
                return ERR_SEQUENCE;
            memcpy(q->key, s->data, s->len);
            q->key_len = s->len;
        } else {
            sim_obj_t *o = sim_chip_obj(sim, oid);
            if (o == NULL)
                return ERR_INVALID_OID;
            uint8_t type = sim_meta_u8(o, 0xE8u, TYPE_BSTR);
            if ((o->flags & SIM_OBJ_KEY) || sim_meta_lcso(o) == LCS_TE ||
                type != (cmd == TRUSTM_CMD_DECRYPT_SYM ? TYPE_AUTOREF : TYPE_PRESSEC))
                return ERR_ACCESS;
            int rc = sim_ac_check(sim, o, AC_EXE);
            if (rc != 0)
                return rc;
            if (o->used == 0 || o->used > sizeof q->key)
                return ERR_INVALID_DATA;
            memcpy(q->key, o->data, o->used);
            q->key_len = o->used;
        }
    }
    q->key_oid = oid;
    return 0;
}

static void aes_setkey(mbedtls_aes_context *a, const sim_sym_seq_t *q, bool enc)
{
    mbedtls_aes_init(a);
    if (enc)
        mbedtls_aes_setkey_enc(a, q->key, (unsigned)q->key_len * 8u);
    else
        mbedtls_aes_setkey_dec(a, q->key, (unsigned)q->key_len * 8u);
}

static void xor16(uint8_t *d, const uint8_t *s)
{
    for (unsigned i = 0; i < 16; i++)
        d[i] ^= s[i];
}

/* CMAC subkey (SP 800-38B): doubling in GF(2^128). */
static void cmac_dbl(uint8_t b[16])
{
    uint8_t carry = (uint8_t)(b[0] >> 7);
    for (unsigned i = 0; i < 15; i++)
        b[i] = (uint8_t)((b[i] << 1) | (b[i + 1] >> 7));
    b[15] = (uint8_t)((b[15] << 1) ^ (carry ? 0x87u : 0u));
}

/* Process data of one command for AES modes; writes ciphertext/plaintext for ECB/CBC into out. */
static void sym_aes(sim_sym_seq_t *q, bool enc, bool final, const uint8_t *d, size_t n, uint8_t *out)
{
    mbedtls_aes_context a;
    uint8_t blk[16];
    const bool use_dec = !enc && (q->mode == 0x08u || q->mode == 0x09u);
    aes_setkey(&a, q, !use_dec);
    if (q->mode == 0x08u) {
        for (size_t i = 0; i < n; i += 16)
            mbedtls_aes_crypt_ecb(&a, use_dec ? MBEDTLS_AES_DECRYPT : MBEDTLS_AES_ENCRYPT, d + i, out + i);
    } else if (q->mode == 0x09u) {
        mbedtls_aes_crypt_cbc(&a, use_dec ? MBEDTLS_AES_DECRYPT : MBEDTLS_AES_ENCRYPT, n, q->chain, d, out);
    } else if (q->mode == 0x0Au) { /* CBC-MAC: chain holds the running value */
        for (size_t i = 0; i < n; i += 16) {
            xor16(q->chain, d + i);
            mbedtls_aes_crypt_ecb(&a, MBEDTLS_AES_ENCRYPT, q->chain, q->chain);
        }
    } else { /* CMAC: start/continue data is block aligned and never holds the last block */
        size_t full = final ? (n == 0 ? 0 : (n - 1u) / 16u * 16u) : n;
        for (size_t i = 0; i < full; i += 16) {
            xor16(q->chain, d + i);
            mbedtls_aes_crypt_ecb(&a, MBEDTLS_AES_ENCRYPT, q->chain, q->chain);
        }
        if (final) {
            uint8_t k[16] = {0};
            mbedtls_aes_crypt_ecb(&a, MBEDTLS_AES_ENCRYPT, k, k);
            cmac_dbl(k); /* K1 */
            size_t rest = n - full;
            memset(blk, 0, sizeof blk);
            memcpy(blk, d + full, rest);
            if (rest < 16) {
                blk[rest] = 0x80;
                cmac_dbl(k); /* K2 */
            }
            xor16(blk, k);
            xor16(q->chain, blk);
            mbedtls_aes_crypt_ecb(&a, MBEDTLS_AES_ENCRYPT, q->chain, q->chain);
            trustm_wipe(k, sizeof k);
        }
    }
    mbedtls_aes_free(&a);
}

/* DecryptSym HMAC verification (commands.md §5.8). */
static int hmac_verify(trustm_sim_t *sim, sim_cmd_t *c, uint16_t key_oid, const sim_tlv_t *t)
{
    sim_sym_seq_t *q = &sim->chip.sym;
    const size_t hl = hmac_len(c->param);
    if (t->v[0x01] == NULL)
        return ERR_INVALID_DATA; /* only start&final */
    sim_obj_t *o = sim_chip_obj(sim, key_oid);
    if (o == NULL)
        return ERR_INVALID_OID;
    int rc = sym_load_key(sim, c->code, c->param, key_oid);
    if (rc != 0)
        return rc;
    const uint8_t *d = t->v[0x01];
    size_t n = t->len[0x01];
    sim_session_t *s = n >= 2 ? sim_session(sim, trustm_be16_get(d)) : NULL;
    bool ok = s != NULL && s->kind == 1 && t->v[0x43] != NULL && t->len[0x43] == hl && n - 2u >= s->len &&
              ct_equal(d + 2, s->data, s->len);
    if (ok) {
        uint8_t mac[64];
        sim_hmac((uint8_t)hl, q->key, q->key_len, d + 2, n - 2u, NULL, 0, mac);
        ok = ct_equal(mac, t->v[0x43], hl);
    }
    sim_secmon_event(sim, SEC_EV_SECRET_KEY_USE);
    if (s != NULL && s->kind == 1)
        trustm_wipe(s, sizeof *s); /* the challenge expires on use and on failure */
    trustm_wipe(q, sizeof *q);
    sim_auto_set(sim, key_oid, ok);
    return ok ? 0 : ERR_AUTH;
}

int sim_cmd_sym(trustm_sim_t *sim, sim_cmd_t *c)
{
    const bool enc = c->code == TRUSTM_CMD_ENCRYPT_SYM;
    const uint8_t m = c->param;
    if (!(aes_mode(m) && (enc || m <= 0x09u)) && hmac_len(m) == 0)
        return ERR_INVALID_PARAM;
    if (c->in_len > SYM_MAX_IN)
        return ERR_INVALID_LENGTH;
    if (c->in_len < 2)
        return ERR_INVALID_LENGTH;
    const uint16_t key_oid = trustm_be16_get(c->in);
    static const uint8_t allowed_enc[] = {0x00, 0x01, 0x02, 0x03, 0x41};
    static const uint8_t allowed_dec[] = {0x00, 0x01, 0x02, 0x03, 0x41, 0x43};
    sim_tlv_t t;
    int rc = sim_tlv_parse(c->in + 2, c->in_len - 2u, enc ? allowed_enc : allowed_dec,
                           enc ? sizeof allowed_enc : sizeof allowed_dec, &t);
    if (rc != 0)
        return rc;
    if (!enc && hmac_len(m) != 0) {
        if (t.v[0x00] || t.v[0x02] || t.v[0x03] || t.v[0x41])
            return ERR_INVALID_DATA;
        return hmac_verify(sim, c, key_oid, &t);
    }
    if (t.v[0x43] != NULL)
        return ERR_INVALID_DATA;
    int y = -1, items = 0;
    for (int k = 0; k < 4; k++)
        if (t.v[k] != NULL) {
            y = k;
            items++;
        }
    if (items != 1)
        return ERR_INVALID_DATA;
    const uint8_t *d = t.v[y];
    const size_t n = t.len[y];
    const bool start = y == 0 || y == 1, final = y == 1 || y == 3;
    if (n == 0)
        return ERR_INVALID_DATA;
    if (t.v[0x41] != NULL && (!start || m != 0x09u || t.len[0x41] != 16))
        return ERR_INVALID_DATA;
    if (aes_mode(m)) {
        bool aligned = n % 16u == 0;
        if (!aligned && !(m == 0x0Bu && final))
            return ERR_INVALID_DATA;
    }
    sim_sym_seq_t *q = &sim->chip.sym;
    if (start) {
        trustm_wipe(q, sizeof *q);
        if ((rc = sym_load_key(sim, c->code, m, key_oid)) != 0) {
            trustm_wipe(q, sizeof *q);
            return rc;
        }
        q->cmd = c->code;
        q->mode = m;
        q->active = true;
        if (t.v[0x41] != NULL)
            memcpy(q->chain, t.v[0x41], 16); /* absent: zero IV */
        if (hmac_len(m) != 0) {
            hm_t h;
            hm_start(&h, hmac_len(m), q->key, q->key_len);
            q->h256 = h.s256;
            q->h512 = h.s512;
        }
    } else if (!q->active || q->cmd != c->code || q->mode != m) {
        trustm_wipe(q, sizeof *q);
        return ERR_SEQUENCE;
    }
    if (!sim_oid_is_session(q->key_oid))
        sim_secmon_event(sim, SEC_EV_SECRET_KEY_USE);
    size_t out = 0;
    if (m == 0x08u || m == 0x09u) {
        c->out[0] = 0x61;
        trustm_be16_put(c->out + 1, (uint16_t)n);
        sym_aes(q, enc, final, d, n, c->out + 3);
        out = 3u + n;
    } else if (aes_mode(m)) {
        sym_aes(q, enc, final, d, n, NULL);
        if (final) {
            c->out[0] = 0x61;
            trustm_be16_put(c->out + 1, 16);
            memcpy(c->out + 3, q->chain, 16);
            out = 19;
        }
    } else {
        hm_t h;
        h.hlen = hmac_len(m);
        h.s256 = q->h256;
        h.s512 = q->h512;
        hm_update(&h, d, n);
        if (final) {
            c->out[0] = 0x61;
            trustm_be16_put(c->out + 1, (uint16_t)h.hlen);
            hm_finish(&h, q->key, q->key_len, c->out + 3);
            out = 3u + h.hlen;
        } else {
            q->h256 = h.s256;
            q->h512 = h.s512;
        }
    }
    if (final)
        trustm_wipe(q, sizeof *q);
    c->out_len = out;
    return 0;
}

/* ============================================================= GenSymKey */

int sim_cmd_gen_sym_key(trustm_sim_t *sim, sim_cmd_t *c)
{
    if (c->param < 0x81u || c->param > 0x83u)
        return ERR_INVALID_PARAM;
    const size_t klen = c->param == 0x81u ? 16u : c->param == 0x82u ? 24u : 32u;
    static const uint8_t allowed[] = {0x01, 0x02, 0x07};
    sim_tlv_t t;
    int rc = sim_tlv_parse(c->in, c->in_len, allowed, sizeof allowed, &t);
    if (rc != 0)
        return rc;
    if (t.v[0x07] != NULL) {
        if (t.v[0x01] || t.v[0x02] || t.len[0x07] != 0)
            return ERR_INVALID_DATA;
        c->out[0] = 0x01;
        trustm_be16_put(c->out + 1, (uint16_t)klen);
        sim_random(sim, c->out + 3, klen);
        c->out_len = 3u + klen;
        return 0;
    }
    uint16_t oid;
    if (!sim_tlv_oid(&t, 0x01, &oid) || t.v[0x02] == NULL || t.len[0x02] != 1)
        return ERR_INVALID_DATA;
    if (oid != 0xE200u)
        return ERR_INVALID_OID;
    sim_obj_t *o = sim_chip_obj(sim, oid);
    if (sim_meta_lcso(o) == LCS_TE)
        return ERR_ACCESS;
    if ((rc = sim_ac_check(sim, o, AC_CHA)) != 0)
        return rc;
    const uint8_t usage = t.v[0x02][0];
    if (usage == 0 || (usage & ~(USAGE_AUTH | USAGE_ENC | USAGE_SIGN | USAGE_KEYAGREE)))
        return ERR_UNSUPPORTED_ID;
    uint8_t alg = c->param;
    memset(o->data, 0, o->max_size);
    sim_random(sim, o->data, klen);
    o->used = (uint16_t)klen;
    if (!sim_meta_set(o, 0xE0u, &alg, 1) || !sim_meta_set(o, 0xE1u, &usage, 1))
        return ERR_META_TRUNC;
    sim->nvm_dirty = true;
    return 0;
}

/* ============================================================= DeriveKey */

static size_t prf_hash_len(uint8_t p)
{
    switch (p) {
    case 0x01:
    case 0x08:
        return 32;
    case 0x02:
    case 0x09:
        return 48;
    case 0x03:
    case 0x0A:
        return 64;
    default:
        return 0;
    }
}

/* TLS 1.2 PRF (RFC 5246 §5): P_hash(secret, seed) where seed = label || seed. */
static void tls_prf(size_t hl, const uint8_t *sec, size_t sl, const uint8_t *seed, size_t n, uint8_t *out, size_t len)
{
    uint8_t a[64], blk[64];
    sim_hmac((uint8_t)hl, sec, sl, seed, n, NULL, 0, a); /* A(1) */
    for (size_t off = 0; off < len; off += hl) {
        sim_hmac((uint8_t)hl, sec, sl, a, hl, seed, n, blk);
        size_t k = len - off < hl ? len - off : hl;
        memcpy(out + off, blk, k);
        sim_hmac((uint8_t)hl, sec, sl, a, hl, NULL, 0, a);
    }
    trustm_wipe(a, sizeof a);
    trustm_wipe(blk, sizeof blk);
}

/* HKDF (RFC 5869). */
static void hkdf(size_t hl, const uint8_t *ikm, size_t il, const uint8_t *salt, size_t sl, const uint8_t *info,
                 size_t nl, uint8_t *out, size_t len)
{
    uint8_t zero[64] = {0}, prk[64], t[64];
    if (sl == 0) {
        salt = zero;
        sl = hl;
    }
    sim_hmac((uint8_t)hl, salt, sl, ikm, il, NULL, 0, prk);
    size_t tl = 0;
    uint8_t ctr = 1;
    for (size_t off = 0; off < len; off += hl, ctr++) {
        hm_t h;
        hm_start(&h, hl, prk, hl);
        hm_update(&h, t, tl);
        hm_update(&h, info, nl);
        hm_update(&h, &ctr, 1);
        hm_finish(&h, prk, hl, t);
        tl = hl;
        size_t k = len - off < hl ? len - off : hl;
        memcpy(out + off, t, k);
    }
    trustm_wipe(prk, sizeof prk);
    trustm_wipe(t, sizeof t);
}

int sim_cmd_derive_key(trustm_sim_t *sim, sim_cmd_t *c)
{
    const size_t hl = prf_hash_len(c->param);
    if (hl == 0)
        return ERR_INVALID_PARAM;
    const bool is_hkdf = c->param >= 0x08u;
    static const uint8_t allowed[] = {0x01, 0x02, 0x03, 0x04, 0x07, 0x08};
    sim_tlv_t t;
    int rc = sim_tlv_parse(c->in, c->in_len, allowed, sizeof allowed, &t);
    if (rc != 0)
        return rc;
    uint16_t soid, dest = 0;
    if (!sim_tlv_oid(&t, 0x01, &soid) || t.v[0x02] == NULL || t.v[0x03] == NULL || t.len[0x03] != 2)
        return ERR_INVALID_DATA;
    if ((t.v[0x07] != NULL) == (t.v[0x08] != NULL))
        return ERR_INVALID_DATA;
    if (t.v[0x07] != NULL && t.len[0x07] != 0)
        return ERR_INVALID_DATA;
    if (t.v[0x08] != NULL && (!sim_tlv_oid(&t, 0x08, &dest) || !sim_oid_is_session(dest)))
        return t.v[0x08] != NULL && t.len[0x08] == 2 ? ERR_INVALID_OID : ERR_INVALID_DATA;
    if (t.v[0x04] != NULL && (!is_hkdf || t.len[0x04] > 256u))
        return ERR_INVALID_DATA;
    const size_t len = trustm_be16_get(t.v[0x03]);
    if (len < 16u || len > (dest != 0 ? SIM_SESSION_SECRET_MAX : 256u))
        return ERR_INVALID_DATA;
    const size_t dl = t.len[0x02];
    if (is_hkdf ? dl > 1024u : (dl < 8u || dl > 1024u))
        return ERR_INVALID_DATA;
    uint8_t secret[SIM_SESSION_SECRET_MAX];
    size_t sl;
    sim_session_t *s = sim_session(sim, soid);
    if (s != NULL) {
        if (s->kind != 1)
            return ERR_SEQUENCE;
        memcpy(secret, s->data, s->len);
        sl = s->len;
    } else {
        sim_obj_t *o = sim_chip_obj(sim, soid);
        if (o == NULL)
            return ERR_INVALID_OID;
        if ((o->flags & SIM_OBJ_KEY) || sim_meta_lcso(o) == LCS_TE || sim_meta_u8(o, 0xE8u, TYPE_BSTR) != TYPE_PRESSEC)
            return ERR_ACCESS;
        if ((rc = sim_ac_check(sim, o, AC_EXE)) != 0)
            return rc;
        if (o->used == 0 || o->used > 64u)
            return ERR_INVALID_DATA;
        memcpy(secret, o->data, o->used);
        sl = o->used;
        sim_secmon_event(sim, SEC_EV_KEY_DERIVATION);
    }
    uint8_t out[256];
    if (is_hkdf)
        hkdf(hl, secret, sl, t.v[0x02], dl, t.v[0x04], t.v[0x04] ? t.len[0x04] : 0u, out, len);
    else
        tls_prf(hl, secret, sl, t.v[0x02], dl, out, len);
    trustm_wipe(secret, sizeof secret);
    if (dest != 0) {
        sim_session_t *d = sim_session(sim, dest);
        trustm_wipe(d, sizeof *d);
        d->kind = 1;
        d->len = (uint16_t)len;
        memcpy(d->data, out, len);
    } else {
        memcpy(c->out, out, len);
        c->out_len = len;
    }
    trustm_wipe(out, sizeof out);
    return 0;
}
