/* RSA: GenKeyPair, CalcSign, VerifySign, EncryptAsym, DecryptAsym, public-key DER codec. */
#include <string.h>

#include "trustm/trustm_crypt.h"
#include "trustm_api_int.h"

/* ---------------------------------------------------------------- DER public key (pure) */

/* Read tag and a strict-DER length; returns the value length or -1. */
static long der_hdr(trustm_rbuf_t *r, uint8_t tag)
{
    if (trustm_rbuf_u8(r) != tag)
        return -1;
    uint8_t b = trustm_rbuf_u8(r);
    long len;
    if (b < 0x80u) {
        len = b;
    } else if (b == 0x81u) {
        len = trustm_rbuf_u8(r);
        if (len < 0x80)
            return -1;
    } else if (b == 0x82u) {
        len = trustm_rbuf_be16(r);
        if (len < 0x100)
            return -1;
    } else {
        return -1;
    }
    if (!trustm_rbuf_ok(r) || (size_t)len > trustm_rbuf_left(r))
        return -1;
    return len;
}

static const uint8_t *der_int(trustm_rbuf_t *r, size_t *n)
{
    long len = der_hdr(r, 0x02u);
    if (len <= 0)
        return NULL;
    const uint8_t *p = trustm_rbuf_bytes(r, (size_t)len);
    if (p == NULL || (p[0] & 0x80u) != 0)
        return NULL; /* negative */
    while (len > 1 && p[0] == 0) {
        p++;
        len--;
    }
    if (p[0] == 0)
        return NULL; /* zero */
    *n = (size_t)len;
    return p;
}

trustm_status_t trustm_rsa_pubkey_decode(const uint8_t *der, size_t len, trustm_rsa_pubkey_t *pk)
{
    trustm_rbuf_t r;
    if (der == NULL || pk == NULL)
        return API_BAD_PARAM;
    trustm_rbuf_init(&r, der, len);
    long bl = der_hdr(&r, 0x03u);
    if (bl < 2 || (size_t)bl != trustm_rbuf_left(&r) || trustm_rbuf_u8(&r) != 0x00u)
        return API_BAD_RESPONSE; /* BIT STRING with 0 unused bits spanning the whole input */
    long sl = der_hdr(&r, 0x30u);
    if (sl < 0 || (size_t)sl != trustm_rbuf_left(&r))
        return API_BAD_RESPONSE;
    trustm_rsa_pubkey_t k;
    k.modulus = der_int(&r, &k.modulus_len);
    k.exponent = k.modulus != NULL ? der_int(&r, &k.exponent_len) : NULL;
    if (k.exponent == NULL || trustm_rbuf_left(&r) != 0 || !trustm_rbuf_ok(&r) || k.modulus_len > 512u ||
        k.exponent_len > 8u)
        return API_BAD_RESPONSE;
    *pk = k;
    return TRUSTM_OK;
}

static void der_len(trustm_wbuf_t *w, size_t n)
{
    if (n < 0x80u) {
        trustm_wbuf_u8(w, (uint8_t)n);
    } else if (n < 0x100u) {
        trustm_wbuf_u8(w, 0x81u);
        trustm_wbuf_u8(w, (uint8_t)n);
    } else {
        trustm_wbuf_u8(w, 0x82u);
        trustm_wbuf_be16(w, (uint16_t)n);
    }
}

static size_t der_len_size(size_t n)
{
    return n < 0x80u ? 1u : n < 0x100u ? 2u : 3u;
}

trustm_status_t trustm_rsa_pubkey_encode(const trustm_rsa_pubkey_t *pk, uint8_t *out, size_t out_size, size_t *out_len)
{
    trustm_wbuf_t w;
    if (pk == NULL || out_len == NULL || pk->modulus == NULL || pk->exponent == NULL || pk->modulus_len == 0 ||
        pk->modulus_len > 512u || pk->exponent_len == 0 || pk->exponent_len > 8u || pk->modulus[0] == 0 ||
        pk->exponent[0] == 0)
        return API_BAD_PARAM;
    size_t ml = pk->modulus_len + ((pk->modulus[0] & 0x80u) ? 1u : 0u);
    size_t el = pk->exponent_len <= 4u ? 4u : pk->exponent_len + ((pk->exponent[0] & 0x80u) ? 1u : 0u);
    size_t seq = 1u + der_len_size(ml) + ml + 1u + der_len_size(el) + el;
    size_t bits = 1u + 1u + der_len_size(seq) + seq;
    trustm_wbuf_init(&w, out, out_size);
    trustm_wbuf_u8(&w, 0x03u);
    der_len(&w, bits);
    trustm_wbuf_u8(&w, 0x00u);
    trustm_wbuf_u8(&w, 0x30u);
    der_len(&w, seq);
    trustm_wbuf_u8(&w, 0x02u);
    der_len(&w, ml);
    if (ml > pk->modulus_len)
        trustm_wbuf_u8(&w, 0);
    trustm_wbuf_bytes(&w, pk->modulus, pk->modulus_len);
    trustm_wbuf_u8(&w, 0x02u);
    der_len(&w, el);
    for (size_t i = pk->exponent_len; i < el; i++)
        trustm_wbuf_u8(&w, 0);
    trustm_wbuf_bytes(&w, pk->exponent, pk->exponent_len);
    if (!trustm_wbuf_ok(&w) || out == NULL)
        return API_TOO_SMALL;
    *out_len = w.len;
    return TRUSTM_OK;
}

/* ---------------------------------------------------------------- helpers */

static size_t rsa_bytes(uint8_t alg)
{
    return alg == TRUSTM_RSA1024 ? 128u : alg == TRUSTM_RSA2048 ? 256u : 0u;
}

static size_t scheme_digest(uint8_t scheme)
{
    switch (scheme) {
    case TRUSTM_RSA_PKCS1_SHA256:
        return 32;
    case TRUSTM_RSA_PKCS1_SHA384:
        return 48;
    case TRUSTM_RSA_PKCS1_SHA512:
        return 64;
    default:
        return 0;
    }
}

static bool is_session(uint16_t oid)
{
    return oid >= 0xE100u && oid <= 0xE103u;
}

/* Host public key usable for alg: decodes and the modulus is the key size. */
static bool host_key_ok(uint8_t alg, const uint8_t *pub, size_t pub_len)
{
    trustm_rsa_pubkey_t pk;
    return rsa_bytes(alg) != 0 && trustm_rsa_pubkey_decode(pub, pub_len, &pk) == TRUSTM_OK &&
           pk.modulus_len == rsa_bytes(alg);
}

/* ---------------------------------------------------------------- one state for the RSA ops */

typedef struct rsa_state {
    uint8_t alg; /* keygen alg / verify+encrypt host key alg / sign scheme */
    uint8_t usage;
    uint16_t key;     /* key OID (keygen target, sign/decrypt key), 0 = export */
    uint16_t cert;    /* verify/encrypt: certificate OID when pub == NULL */
    uint16_t session; /* encrypt: session source; decrypt: session target */
    const uint8_t *a; /* digest / message / ciphertext */
    size_t a_len;
    const uint8_t *b; /* signature */
    size_t b_len;
    const uint8_t *pub;
    size_t pub_len;
    uint8_t *out;
    size_t out_size;
    size_t *out_len;
    uint8_t *out2; /* keygen export: public key */
    size_t out2_size;
    size_t *out2_len;
} rsa_state_t;
API_STATE_FITS(rsa_state_t);

/* One ops table per operation, so that a program that only signs links no key generation,
 * verification or encryption code. Responses go straight into the caller's outputs. */

static trustm_status_t keygen_build(api_op_t *op, trustm_wbuf_t *w)
{
    rsa_state_t *st = API_STATE(op, rsa_state_t);
    api_rsp_tlv(op, 0x02u, st->out2, st->out2_size);
    if (st->key == 0)
        api_rsp_tlv(op, 0x01u, st->out, st->out_size);
    return trustm_cmd_gen_key_pair_put(w, st->alg, st->key, st->usage, op->cmd_flags);
}

/* DER OCTET STRING of a private exponent of the key size: 04 81 80 <128> / 04 82 01 00 <256>. */
static bool priv_ok(const uint8_t *p, size_t n, size_t key)
{
    trustm_rbuf_t r;
    trustm_rbuf_init(&r, p, n);
    long l = der_hdr(&r, 0x04u);
    return l >= 0 && (size_t)l == key && trustm_rbuf_left(&r) == key;
}

static trustm_status_t keygen_parse(api_op_t *op, const uint8_t *rsp, size_t rsp_len)
{
    rsa_state_t *st = API_STATE(op, rsa_state_t);
    size_t n = 0, m = 0;
    trustm_rsa_pubkey_t pk;
    (void)rsp;
    (void)rsp_len;
    const api_out_t *pub = api_rsp_out(op, 0x02u, &n), *priv = api_rsp_out(op, 0x01u, &m);
    if (pub == NULL || n == 0 || (priv != NULL) != (st->key == 0) || (priv != NULL && m == 0))
        return API_BAD_RESPONSE;
    if (n > st->out2_size || m > st->out_size)
        return API_TOO_SMALL;
    if (trustm_rsa_pubkey_decode(st->out2, n, &pk) != TRUSTM_OK || pk.modulus_len != rsa_bytes(st->alg))
        return API_BAD_RESPONSE;
    if (priv != NULL && !priv_ok(st->out, m, rsa_bytes(st->alg)))
        return API_BAD_RESPONSE;
    if (priv != NULL)
        *st->out_len = m;
    *st->out2_len = n;
    return TRUSTM_OK;
}

static const api_op_ops_t keygen_ops = {keygen_build, keygen_parse, NULL, 0, NULL};

static trustm_status_t sign_build(api_op_t *op, trustm_wbuf_t *w)
{
    rsa_state_t *st = API_STATE(op, rsa_state_t);
    api_rsp_raw(op, st->out, st->out_size);
    api_rsp_accept(op, 128u, st->out_size < 256u ? st->out_size : 256u); /* a key-size signature */
    return trustm_cmd_calc_sign_put(w, st->alg, st->a, st->a_len, st->key, op->cmd_flags);
}

static bool key_size_ok(size_t n)
{
    return n == 128u || n == 256u;
}

/* The n-byte result of a sign / encrypt / decrypt: in st->out if it fitted (the sink wrote it). */
static trustm_status_t rsa_output(const rsa_state_t *st, size_t n)
{
    if (n > st->out_size)
        return API_TOO_SMALL;
    *st->out_len = n;
    return TRUSTM_OK;
}

static trustm_status_t sign_parse(api_op_t *op, const uint8_t *rsp, size_t rsp_len)
{
    size_t n;
    (void)rsp;
    (void)rsp_len;
    (void)api_rsp_out(op, 0, &n);
    if (!key_size_ok(n))
        return API_BAD_RESPONSE;
    return rsa_output(API_STATE(op, rsa_state_t), n);
}

static const api_op_ops_t sign_ops = {sign_build, sign_parse, NULL, 0, NULL};

static trustm_status_t verify_build(api_op_t *op, trustm_wbuf_t *w)
{
    rsa_state_t *st = API_STATE(op, rsa_state_t);
    return trustm_cmd_verify_sign_put(w, st->usage, st->a, st->a_len, st->b, st->b_len, st->cert, st->alg, st->pub,
                                      st->pub_len, op->cmd_flags);
}

static trustm_status_t verify_parse(api_op_t *op, const uint8_t *rsp, size_t rsp_len)
{
    (void)op;
    return trustm_cmd_no_data_decode(rsp, rsp_len);
}

static const api_op_ops_t verify_ops = {verify_build, verify_parse, NULL, 0, NULL};

static trustm_status_t encrypt_build(api_op_t *op, trustm_wbuf_t *w)
{
    rsa_state_t *st = API_STATE(op, rsa_state_t);
    api_rsp_tlv(op, 0x61u, st->out, st->out_size);
    if (st->pub != NULL && rsa_bytes(st->alg) <= st->out_size)
        api_rsp_accept(op, rsa_bytes(st->alg), rsa_bytes(st->alg));
    return trustm_cmd_encrypt_asym_put(w, st->a, st->a_len, st->session, st->cert, st->alg, st->pub, st->pub_len,
                                       op->cmd_flags);
}

static trustm_status_t encrypt_parse(api_op_t *op, const uint8_t *rsp, size_t rsp_len)
{
    rsa_state_t *st = API_STATE(op, rsa_state_t);
    size_t n;
    (void)rsp;
    (void)rsp_len;
    if (api_rsp_out(op, 0x61u, &n) == NULL || (st->pub != NULL ? n != rsa_bytes(st->alg) : !key_size_ok(n)))
        return API_BAD_RESPONSE;
    return rsa_output(st, n);
}

static const api_op_ops_t encrypt_ops = {encrypt_build, encrypt_parse, NULL, 0, NULL};

static trustm_status_t decrypt_build(api_op_t *op, trustm_wbuf_t *w)
{
    rsa_state_t *st = API_STATE(op, rsa_state_t);
    if (st->session == 0) {
        api_rsp_tlv(op, 0x61u, st->out, st->out_size);
        api_rsp_accept(op, 0, st->out_size < st->a_len - 11u ? st->out_size : st->a_len - 11u);
    }
    return trustm_cmd_decrypt_asym_put(w, st->a, st->a_len, st->key, st->session, op->cmd_flags);
}

static trustm_status_t decrypt_parse(api_op_t *op, const uint8_t *rsp, size_t rsp_len)
{
    rsa_state_t *st = API_STATE(op, rsa_state_t);
    const uint8_t *p = NULL;
    size_t n = 0;
    if (st->session != 0)
        return trustm_cmd_tlv1_decode(rsp, rsp_len, 0x61u, 0, 0, &p, &n);
    if (api_rsp_out(op, 0x61u, &n) == NULL || n > st->a_len - 11u)
        return API_BAD_RESPONSE;
    return rsa_output(st, n);
}

static const api_op_ops_t decrypt_ops = {decrypt_build, decrypt_parse, NULL, 0, NULL};

static trustm_status_t rsa_start(trustm_device_t *dev, const api_op_ops_t *ops, const rsa_state_t *st)
{
    return api_op_start(dev, ops, st, sizeof *st);
}

/* ---------------------------------------------------------------- key generation */

trustm_status_t trustm_op_start_rsa_keygen(trustm_device_t *dev, uint16_t key_oid, uint8_t alg, uint8_t usage,
                                           uint8_t *pub, size_t pub_size, size_t *pub_len)
{
    rsa_state_t st;
    if (rsa_bytes(alg) == 0 || key_oid == 0 || usage == 0 || pub == NULL || pub_len == NULL)
        return API_BAD_PARAM;
    if (key_oid != TRUSTM_OID_RSA_KEY_1 && key_oid != TRUSTM_OID_RSA_KEY_2 && !is_session(key_oid))
        return API_BAD_PARAM;
    memset(&st, 0, sizeof st);
    st.alg = alg;
    st.key = key_oid;
    st.usage = usage;
    st.out2 = pub;
    st.out2_size = pub_size;
    st.out2_len = pub_len;
    return rsa_start(dev, &keygen_ops, &st);
}

trustm_status_t trustm_rsa_keygen(trustm_device_t *dev, uint16_t key_oid, uint8_t alg, uint8_t usage, uint8_t *pub,
                                  size_t pub_size, size_t *pub_len)
{
    return api_run(dev, trustm_op_start_rsa_keygen(dev, key_oid, alg, usage, pub, pub_size, pub_len));
}

trustm_status_t trustm_op_start_rsa_keygen_export(trustm_device_t *dev, uint8_t alg, uint8_t *priv, size_t priv_size,
                                                  size_t *priv_len, uint8_t *pub, size_t pub_size, size_t *pub_len)
{
    rsa_state_t st;
    if (rsa_bytes(alg) == 0 || priv == NULL || priv_len == NULL || pub == NULL || pub_len == NULL)
        return API_BAD_PARAM;
    memset(&st, 0, sizeof st);
    st.alg = alg;
    st.out = priv;
    st.out_size = priv_size;
    st.out_len = priv_len;
    st.out2 = pub;
    st.out2_size = pub_size;
    st.out2_len = pub_len;
    return rsa_start(dev, &keygen_ops, &st);
}

trustm_status_t trustm_rsa_keygen_export(trustm_device_t *dev, uint8_t alg, uint8_t *priv, size_t priv_size,
                                         size_t *priv_len, uint8_t *pub, size_t pub_size, size_t *pub_len)
{
    return api_run(dev, trustm_op_start_rsa_keygen_export(dev, alg, priv, priv_size, priv_len, pub, pub_size, pub_len));
}

/* ---------------------------------------------------------------- sign / verify */

trustm_status_t trustm_op_start_rsa_sign(trustm_device_t *dev, uint16_t key_oid, uint8_t scheme, const uint8_t *digest,
                                         size_t digest_len, uint8_t *sig, size_t sig_size, size_t *sig_len)
{
    rsa_state_t st;
    if (scheme_digest(scheme) == 0 || digest == NULL || digest_len != scheme_digest(scheme) || key_oid == 0 ||
        sig == NULL || sig_len == NULL)
        return API_BAD_PARAM;
    memset(&st, 0, sizeof st);
    st.alg = scheme;
    st.a = digest;
    st.a_len = digest_len;
    st.key = key_oid;
    st.out = sig;
    st.out_size = sig_size;
    st.out_len = sig_len;
    return rsa_start(dev, &sign_ops, &st);
}

trustm_status_t trustm_rsa_sign(trustm_device_t *dev, uint16_t key_oid, uint8_t scheme, const uint8_t *digest,
                                size_t digest_len, uint8_t *sig, size_t sig_size, size_t *sig_len)
{
    return api_run(dev, trustm_op_start_rsa_sign(dev, key_oid, scheme, digest, digest_len, sig, sig_size, sig_len));
}

static trustm_status_t verify_start(trustm_device_t *dev, uint8_t scheme, const uint8_t *digest, size_t digest_len,
                                    const uint8_t *sig, size_t sig_len, uint16_t cert_oid, uint8_t alg,
                                    const uint8_t *pub, size_t pub_len)
{
    rsa_state_t st;
    if (scheme_digest(scheme) == 0 || digest == NULL || digest_len != scheme_digest(scheme) || sig == NULL ||
        sig_len == 0 || sig_len > TRUSTM_RSA_MAX_BYTES)
        return API_BAD_PARAM;
    if (pub != NULL ? (!host_key_ok(alg, pub, pub_len) || sig_len != rsa_bytes(alg)) : cert_oid == 0)
        return API_BAD_PARAM;
    memset(&st, 0, sizeof st);
    st.usage = scheme;
    st.alg = alg;
    st.a = digest;
    st.a_len = digest_len;
    st.b = sig;
    st.b_len = sig_len;
    st.cert = cert_oid;
    st.pub = pub;
    st.pub_len = pub_len;
    return rsa_start(dev, &verify_ops, &st);
}

trustm_status_t trustm_op_start_rsa_verify(trustm_device_t *dev, const uint8_t *pub, size_t pub_len, uint8_t alg,
                                           uint8_t scheme, const uint8_t *digest, size_t digest_len, const uint8_t *sig,
                                           size_t sig_len)
{
    if (pub == NULL)
        return API_BAD_PARAM;
    return verify_start(dev, scheme, digest, digest_len, sig, sig_len, 0, alg, pub, pub_len);
}

trustm_status_t trustm_rsa_verify(trustm_device_t *dev, const uint8_t *pub, size_t pub_len, uint8_t alg, uint8_t scheme,
                                  const uint8_t *digest, size_t digest_len, const uint8_t *sig, size_t sig_len)
{
    return api_run(dev, trustm_op_start_rsa_verify(dev, pub, pub_len, alg, scheme, digest, digest_len, sig, sig_len));
}

trustm_status_t trustm_op_start_rsa_verify_cert(trustm_device_t *dev, uint16_t cert_oid, uint8_t scheme,
                                                const uint8_t *digest, size_t digest_len, const uint8_t *sig,
                                                size_t sig_len)
{
    return verify_start(dev, scheme, digest, digest_len, sig, sig_len, cert_oid, 0, NULL, 0);
}

trustm_status_t trustm_rsa_verify_cert(trustm_device_t *dev, uint16_t cert_oid, uint8_t scheme, const uint8_t *digest,
                                       size_t digest_len, const uint8_t *sig, size_t sig_len)
{
    return api_run(dev, trustm_op_start_rsa_verify_cert(dev, cert_oid, scheme, digest, digest_len, sig, sig_len));
}

/* ---------------------------------------------------------------- encrypt / decrypt */

static trustm_status_t encrypt_start(trustm_device_t *dev, const uint8_t *msg, size_t msg_len, uint16_t session,
                                     const trustm_rsa_key_src_t *key, uint8_t *out, size_t out_size, size_t *out_len)
{
    rsa_state_t st;
    if (key == NULL || out == NULL || out_len == NULL)
        return API_BAD_PARAM;
    if (key->pub != NULL ? !host_key_ok(key->alg, key->pub, key->pub_len) : key->cert_oid == 0)
        return API_BAD_PARAM;
    if (msg != NULL && (msg_len == 0 || (key->pub != NULL && msg_len > rsa_bytes(key->alg) - 11u) || msg_len > 245u))
        return API_BAD_PARAM;
    if (key->pub != NULL && out_size < rsa_bytes(key->alg))
        return API_TOO_SMALL;
    memset(&st, 0, sizeof st);
    st.a = msg;
    st.a_len = msg_len;
    st.session = session;
    st.cert = key->cert_oid;
    st.alg = key->alg;
    st.pub = key->pub;
    st.pub_len = key->pub_len;
    st.out = out;
    st.out_size = out_size;
    st.out_len = out_len;
    return rsa_start(dev, &encrypt_ops, &st);
}

trustm_status_t trustm_op_start_rsa_encrypt(trustm_device_t *dev, const trustm_rsa_key_src_t *key, const uint8_t *msg,
                                            size_t msg_len, uint8_t *out, size_t out_size, size_t *out_len)
{
    if (msg == NULL)
        return API_BAD_PARAM;
    return encrypt_start(dev, msg, msg_len, 0, key, out, out_size, out_len);
}

trustm_status_t trustm_rsa_encrypt(trustm_device_t *dev, const trustm_rsa_key_src_t *key, const uint8_t *msg,
                                   size_t msg_len, uint8_t *out, size_t out_size, size_t *out_len)
{
    return api_run(dev, trustm_op_start_rsa_encrypt(dev, key, msg, msg_len, out, out_size, out_len));
}

trustm_status_t trustm_op_start_rsa_encrypt_session(trustm_device_t *dev, const trustm_rsa_key_src_t *key,
                                                    uint16_t session_oid, uint8_t *out, size_t out_size,
                                                    size_t *out_len)
{
    if (!is_session(session_oid))
        return API_BAD_PARAM;
    return encrypt_start(dev, NULL, 0, session_oid, key, out, out_size, out_len);
}

trustm_status_t trustm_rsa_encrypt_session(trustm_device_t *dev, const trustm_rsa_key_src_t *key, uint16_t session_oid,
                                           uint8_t *out, size_t out_size, size_t *out_len)
{
    return api_run(dev, trustm_op_start_rsa_encrypt_session(dev, key, session_oid, out, out_size, out_len));
}

static trustm_status_t decrypt_start(trustm_device_t *dev, const uint8_t *ct, size_t ct_len, uint16_t key_oid,
                                     uint16_t session, uint8_t *out, size_t out_size, size_t *out_len)
{
    rsa_state_t st;
    if (ct == NULL || (ct_len != 128u && ct_len != 256u) || key_oid == 0)
        return API_BAD_PARAM;
    memset(&st, 0, sizeof st);
    st.a = ct;
    st.a_len = ct_len;
    st.key = key_oid;
    st.session = session;
    st.out = out;
    st.out_size = out_size;
    st.out_len = out_len;
    return rsa_start(dev, &decrypt_ops, &st);
}

trustm_status_t trustm_op_start_rsa_decrypt(trustm_device_t *dev, uint16_t key_oid, const uint8_t *ct, size_t ct_len,
                                            uint8_t *out, size_t out_size, size_t *out_len)
{
    if (out == NULL || out_len == NULL)
        return API_BAD_PARAM;
    return decrypt_start(dev, ct, ct_len, key_oid, 0, out, out_size, out_len);
}

trustm_status_t trustm_rsa_decrypt(trustm_device_t *dev, uint16_t key_oid, const uint8_t *ct, size_t ct_len,
                                   uint8_t *out, size_t out_size, size_t *out_len)
{
    return api_run(dev, trustm_op_start_rsa_decrypt(dev, key_oid, ct, ct_len, out, out_size, out_len));
}

trustm_status_t trustm_op_start_rsa_decrypt_to_session(trustm_device_t *dev, uint16_t key_oid, uint16_t session_oid,
                                                       const uint8_t *ct, size_t ct_len)
{
    if (!is_session(session_oid))
        return API_BAD_PARAM;
    return decrypt_start(dev, ct, ct_len, key_oid, session_oid, NULL, 0, NULL);
}

trustm_status_t trustm_rsa_decrypt_to_session(trustm_device_t *dev, uint16_t key_oid, uint16_t session_oid,
                                              const uint8_t *ct, size_t ct_len)
{
    return api_run(dev, trustm_op_start_rsa_decrypt_to_session(dev, key_oid, session_oid, ct, ct_len));
}
