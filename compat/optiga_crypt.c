/*
 * optiga_crypt.c - optiga_crypt_* of the M2 ID2 library (host-api.md §6, §8) on the trustm
 * service API: each call checks its arguments, starts the trustm non-blocking operation and hands
 * it to compat_launch() with its completion step; sessions and the strict lock follow
 * host-api.md §8.
 */
#include <string.h>

#include "optiga_compat_int.h"

#define CRYPT_INST(me)   ((me) != NULL ? &(me)->base : NULL)
#define API_ERR(base)    TRUSTM_STATUS(TRUSTM_LAYER_API, (base))
#define CMD_BAD_RESPONSE TRUSTM_STATUS(TRUSTM_LAYER_CMD, TRUSTM_BASE_BAD_RESPONSE)

#define RSA1024_PRIV_DER 131u /* 04 81 80 || 128-byte exponent */
#define RSA2048_PRIV_DER 260u /* 04 82 01 00 || 256-byte exponent */
#define PMS_OPTIONAL_MAX 58u
#define AUTH_TOTAL_MAX   66u

/* Argument check that the vendor library makes before queuing (returned, no callback). */
#define CHECK(cond)                                                                                                    \
    do {                                                                                                               \
        if (!(cond))                                                                                                   \
            return OPTIGA_CRYPT_ERROR_INVALID_INPUT;                                                                   \
    } while (0)

/* The vendor passes key ids by pointer and reads 16 bits from it. */
static uint16_t key_id_at(const void *p)
{
    uint16_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* Session the operation uses (secret/key 0x0000): must already be held. */
static bool session_held(const compat_inst_t *in)
{
    return in->session != 0;
}

/* ---- completion steps ---- */

static trustm_status_t fin_len16(compat_inst_t *in, trustm_status_t s)
{
    *in->len16 = s == TRUSTM_OK ? (uint16_t)in->n : 0u;
    return s;
}

static trustm_status_t fin_len32(compat_inst_t *in, trustm_status_t s)
{
    if (in->len32 != NULL)
        *in->len32 = s == TRUSTM_OK ? (uint32_t)in->n : 0u;
    return s;
}

static trustm_status_t fin_release_session(compat_inst_t *in, trustm_status_t s)
{
    compat_session_release(in); /* after success or failure */
    return s;
}

optiga_crypt_t *optiga_crypt_create(uint8_t optiga_instance_id, callback_handler_t handler, void *caller_context)
{
    compat_inst_t *in = compat_create(COMPAT_CRYPT, optiga_instance_id, handler, caller_context);
    return in != NULL ? (optiga_crypt_t *)(void *)in : NULL;
}

optiga_lib_status_t optiga_crypt_destroy(optiga_crypt_t *me)
{
    return compat_destroy(CRYPT_INST(me), COMPAT_CRYPT); /* releases the session and a held lock */
}

void optiga_crypt_set_comms_params(optiga_crypt_t *me, uint8_t parameter_type, uint8_t value)
{
    if (me != NULL && parameter_type == OPTIGA_COMMS_PROTECTION_LEVEL)
        me->base.protection = value;
}

/* ------------------------------------------------------------------ random, hash */

/* A GetRandom length outside 8..256 is the chip's to refuse (host-api.md §6.2: "length 8..256
 * checked by the chip"), as the vendor library leaves it: the request goes out as a raw APDU
 * and the chip's answer -- normally Last Error Code 0x05, OPTIGA_DEVICE_ERROR 0x8005 -- is
 * what the caller gets. */
static trustm_status_t random_raw_error(compat_inst_t *in, trustm_status_t s)
{
    if (s != TRUSTM_OK)
        return s;
    if (in->n != 5 || in->raw[0] != 0x00)
        return TRUSTM_DEVICE_ERR(0); /* refused, code unknown */
    return TRUSTM_DEVICE_ERR(in->raw[4]);
}

static trustm_status_t random_raw_done(compat_inst_t *in, trustm_status_t s)
{
    if (s != TRUSTM_OK)
        return s;
    if (in->n < 4)
        return TRUSTM_STATUS(TRUSTM_LAYER_CMD, TRUSTM_BASE_BAD_RESPONSE);
    if (in->raw[0] == 0x00) { /* the chip accepted the length after all */
        size_t got = ((size_t)in->raw[2] << 8 | in->raw[3]);
        if (got != in->n - 4u || got != in->n2)
            return TRUSTM_STATUS(TRUSTM_LAYER_CMD, TRUSTM_BASE_BAD_RESPONSE);
        memcpy(in->out, in->raw + 4, got);
        return TRUSTM_OK;
    }
    /* read the Last Error Code: GetDataObject F1C2, offset 0, one byte */
    static const uint8_t get_lec[] = {0x01, 0x00, 0x00, 0x06, 0xF1, 0xC2, 0x00, 0x00, 0x00, 0x01};
    memcpy(in->req, get_lec, sizeof get_lec);
    in->finish = random_raw_error;
    s = trustm_op_start_device_transceive(compat_dev(), in->req, sizeof get_lec, in->raw, sizeof in->raw, &in->n);
    return s == TRUSTM_OK ? TRUSTM_IN_PROGRESS : s;
}

optiga_lib_status_t optiga_crypt_random(optiga_crypt_t *me, optiga_rng_type_t rng_type, uint8_t *random_data,
                                        uint16_t random_data_length)
{
    compat_inst_t *in = CRYPT_INST(me);
    CHECK(in == NULL || random_data != NULL);
    optiga_lib_status_t st = compat_begin(in, COMPAT_CRYPT);
    if (st != OPTIGA_LIB_SUCCESS)
        return st;
    if (random_data_length < TRUSTM_RANDOM_MIN || random_data_length > TRUSTM_RANDOM_MAX) {
        const uint8_t apdu[6] = {
            0x0C, (uint8_t)rng_type, 0x00, 0x02, (uint8_t)(random_data_length >> 8), (uint8_t)random_data_length};
        memcpy(in->req, apdu, sizeof apdu);
        in->out = random_data;
        in->n2 = random_data_length;
        return compat_launch(
            in, trustm_op_start_device_transceive(compat_dev(), in->req, sizeof apdu, in->raw, sizeof in->raw, &in->n),
            random_raw_done);
    }
    return compat_launch(in,
                         trustm_op_start_random(compat_dev(), (uint8_t)rng_type, random_data_length, random_data,
                                                random_data_length, NULL),
                         NULL);
}

optiga_lib_status_t optiga_crypt_hash(optiga_crypt_t *me, optiga_hash_type_t hash_algorithm,
                                      uint8_t source_of_data_to_hash, const void *data_to_hash, uint8_t *hash_output)
{
    compat_inst_t *in = CRYPT_INST(me);
    CHECK(in == NULL || (data_to_hash != NULL && hash_output != NULL && hash_algorithm == OPTIGA_HASH_TYPE_SHA_256));
    optiga_lib_status_t st = compat_begin(in, COMPAT_CRYPT);
    if (st != OPTIGA_LIB_SUCCESS)
        return st;
    trustm_status_t s;
    if (source_of_data_to_hash != OPTIGA_CRYPT_OID_DATA) {
        const hash_data_from_host_t *h = (const hash_data_from_host_t *)data_to_hash;
        s = trustm_op_start_sha256(compat_dev(), h->buffer, h->length, hash_output);
    } else {
        const hash_data_in_optiga_t *o = (const hash_data_in_optiga_t *)data_to_hash;
        s = trustm_op_start_sha256_object(compat_dev(), o->oid, o->offset, o->length, hash_output);
    }
    return compat_launch(in, s, NULL);
}

static bool hash_ctx_ok(const optiga_hash_context_t *c)
{
    return c != NULL && c->context_buffer != NULL && c->context_buffer_length >= OPTIGA_HASH_CONTEXT_LENGTH_SHA_256 &&
           c->hash_algo == OPTIGA_HASH_TYPE_SHA_256;
}

/* The vendor context is just the buffer; the chip's SHA-256 context is always 209 bytes. */
static void hash_ctx_load(trustm_hash_ctx_t *t, const optiga_hash_context_t *c)
{
    t->len = OPTIGA_HASH_CONTEXT_LENGTH_SHA_256;
    memcpy(t->data, c->context_buffer, OPTIGA_HASH_CONTEXT_LENGTH_SHA_256);
}

static trustm_status_t fin_hash_store(compat_inst_t *in, trustm_status_t s)
{
    if (s != TRUSTM_OK)
        return s;
    if (in->hctx.len != OPTIGA_HASH_CONTEXT_LENGTH_SHA_256)
        return CMD_BAD_RESPONSE;
    memcpy(in->vctx->context_buffer, in->hctx.data, OPTIGA_HASH_CONTEXT_LENGTH_SHA_256);
    return TRUSTM_OK;
}

optiga_lib_status_t optiga_crypt_hash_start(optiga_crypt_t *me, optiga_hash_context_t *hash_ctx)
{
    compat_inst_t *in = CRYPT_INST(me);
    CHECK(in == NULL || hash_ctx_ok(hash_ctx));
    optiga_lib_status_t st = compat_begin(in, COMPAT_CRYPT);
    if (st != OPTIGA_LIB_SUCCESS)
        return st;
    memset(&in->hctx, 0, sizeof in->hctx);
    in->vctx = hash_ctx;
    return compat_launch(in, trustm_op_start_sha256_setup(compat_dev(), &in->hctx), fin_hash_store);
}

optiga_lib_status_t optiga_crypt_hash_update(optiga_crypt_t *me, optiga_hash_context_t *hash_ctx,
                                             uint8_t source_of_data_to_hash, const void *data_to_hash)
{
    compat_inst_t *in = CRYPT_INST(me);
    CHECK(in == NULL || (hash_ctx_ok(hash_ctx) && data_to_hash != NULL));
    optiga_lib_status_t st = compat_begin(in, COMPAT_CRYPT);
    if (st != OPTIGA_LIB_SUCCESS)
        return st;
    if (source_of_data_to_hash == OPTIGA_CRYPT_OID_DATA) /* trustm streams host data only */
        return compat_complete(in, API_ERR(TRUSTM_BASE_NOT_SUPPORTED));
    const hash_data_from_host_t *h = (const hash_data_from_host_t *)data_to_hash;
    hash_ctx_load(&in->hctx, hash_ctx);
    in->vctx = hash_ctx;
    return compat_launch(in, trustm_op_start_sha256_update(compat_dev(), &in->hctx, h->buffer, h->length),
                         fin_hash_store);
}

optiga_lib_status_t optiga_crypt_hash_finalize(optiga_crypt_t *me, optiga_hash_context_t *hash_ctx,
                                               uint8_t *hash_output)
{
    compat_inst_t *in = CRYPT_INST(me);
    CHECK(in == NULL || (hash_ctx_ok(hash_ctx) && hash_output != NULL));
    optiga_lib_status_t st = compat_begin(in, COMPAT_CRYPT);
    if (st != OPTIGA_LIB_SUCCESS)
        return st;
    hash_ctx_load(&in->hctx, hash_ctx);
    return compat_launch(in, trustm_op_start_sha256_finish(compat_dev(), &in->hctx, hash_output), NULL);
}

/* ------------------------------------------------------------------ RSA */

optiga_lib_status_t optiga_crypt_rsa_generate_keypair(optiga_crypt_t *me, optiga_rsa_key_type_t key_type,
                                                      uint8_t key_usage, bool_t export_private_key, void *private_key,
                                                      uint8_t *public_key, uint16_t *public_key_length)
{
    compat_inst_t *in = CRYPT_INST(me);
    CHECK(in == NULL || (private_key != NULL && public_key != NULL && public_key_length != NULL));
    optiga_lib_status_t st = compat_begin(in, COMPAT_CRYPT);
    if (st != OPTIGA_LIB_SUCCESS)
        return st;
    trustm_device_t *dev = compat_dev();
    trustm_status_t s;
    in->n = 0;
    in->n2 = 0;
    in->len16 = public_key_length;
    if (export_private_key != FALSE) {
        const size_t priv_size = key_type == OPTIGA_RSA_KEY_2048_BIT_EXPONENTIAL ? RSA2048_PRIV_DER : RSA1024_PRIV_DER;
        s = trustm_op_start_rsa_keygen_export(dev, (uint8_t)key_type, (uint8_t *)private_key, priv_size, &in->n2,
                                              public_key, *public_key_length, &in->n);
    } else {
        uint16_t oid = key_id_at(private_key);
        s = TRUSTM_OK;
        if (oid == OPTIGA_KEY_ID_SESSION_BASED)
            s = compat_session_get(in, &oid);
        if (s == TRUSTM_OK)
            s = trustm_op_start_rsa_keygen(dev, oid, (uint8_t)key_type, key_usage, public_key, *public_key_length,
                                           &in->n);
    }
    return compat_launch(in, s, fin_len16);
}

optiga_lib_status_t optiga_crypt_rsa_sign(optiga_crypt_t *me, optiga_rsa_signature_scheme_t signature_scheme,
                                          const uint8_t *digest, uint8_t digest_length, optiga_key_id_t private_key,
                                          uint8_t *signature, uint16_t *signature_length, uint16_t salt_length)
{
    compat_inst_t *in = CRYPT_INST(me);
    (void)salt_length; /* reserved */
    CHECK(in == NULL || (digest != NULL && signature != NULL && signature_length != NULL));
    if (in != NULL && private_key == OPTIGA_KEY_ID_SESSION_BASED && !session_held(in))
        return OPTIGA_CMD_ERROR_INVALID_INPUT;
    optiga_lib_status_t st = compat_begin(in, COMPAT_CRYPT);
    if (st != OPTIGA_LIB_SUCCESS)
        return st;
    const uint16_t oid = private_key == OPTIGA_KEY_ID_SESSION_BASED ? in->session : (uint16_t)private_key;
    in->n = 0;
    in->len16 = signature_length;
    return compat_launch(in,
                         trustm_op_start_rsa_sign(compat_dev(), oid, (uint8_t)signature_scheme, digest, digest_length,
                                                  signature, *signature_length, &in->n),
                         fin_len16);
}

optiga_lib_status_t optiga_crypt_rsa_verify(optiga_crypt_t *me, optiga_rsa_signature_scheme_t signature_scheme,
                                            const uint8_t *digest, uint8_t digest_length, const uint8_t *signature,
                                            uint16_t signature_length, uint8_t public_key_source_type,
                                            const void *public_key, uint16_t salt_length)
{
    compat_inst_t *in = CRYPT_INST(me);
    (void)salt_length;
    CHECK(in == NULL || (digest != NULL && signature != NULL && public_key != NULL));
    optiga_lib_status_t st = compat_begin(in, COMPAT_CRYPT);
    if (st != OPTIGA_LIB_SUCCESS)
        return st;
    trustm_status_t s;
    if (public_key_source_type != OPTIGA_CRYPT_OID_DATA) {
        const public_key_from_host_t *pk = (const public_key_from_host_t *)public_key;
        s = trustm_op_start_rsa_verify(compat_dev(), pk->public_key, pk->length, pk->key_type,
                                       (uint8_t)signature_scheme, digest, digest_length, signature, signature_length);
    } else {
        s = trustm_op_start_rsa_verify_cert(compat_dev(), key_id_at(public_key), (uint8_t)signature_scheme, digest,
                                            digest_length, signature, signature_length);
    }
    return compat_launch(in, s, NULL);
}

optiga_lib_status_t optiga_crypt_rsa_generate_pre_master_secret(optiga_crypt_t *me, const uint8_t *optional_data,
                                                                uint16_t optional_data_length,
                                                                uint16_t pre_master_secret_length)
{
    compat_inst_t *in = CRYPT_INST(me);
    CHECK(in == NULL || ((optional_data != NULL || optional_data_length == 0) &&
                         (uint32_t)optional_data_length + 8u <= pre_master_secret_length &&
                         optional_data_length <= PMS_OPTIONAL_MAX));
    optiga_lib_status_t st = compat_begin(in, COMPAT_CRYPT);
    if (st != OPTIGA_LIB_SUCCESS)
        return st;
    uint16_t session = 0;
    trustm_status_t s = compat_session_get(in, &session);
    if (s == TRUSTM_OK)
        s = trustm_op_start_rsa_pms_generate(compat_dev(), session, pre_master_secret_length, optional_data,
                                             optional_data_length);
    return compat_launch(in, s, NULL);
}

static void key_src(trustm_rsa_key_src_t *k, uint8_t source, const void *public_key)
{
    memset(k, 0, sizeof *k);
    if (source != OPTIGA_CRYPT_OID_DATA) {
        const public_key_from_host_t *pk = (const public_key_from_host_t *)public_key;
        k->alg = pk->key_type;
        k->pub = pk->public_key;
        k->pub_len = pk->length;
    } else {
        k->cert_oid = key_id_at(public_key);
    }
}

optiga_lib_status_t optiga_crypt_rsa_encrypt_message(optiga_crypt_t *me,
                                                     optiga_rsa_encryption_scheme_t encryption_scheme,
                                                     const uint8_t *message, uint16_t message_length,
                                                     const uint8_t *label, uint16_t label_length,
                                                     uint8_t public_key_source_type, const void *public_key,
                                                     uint8_t *encrypted_message, uint16_t *encrypted_message_length)
{
    compat_inst_t *in = CRYPT_INST(me);
    (void)label;
    (void)label_length; /* PKCS#1 v1.5 has no label */
    CHECK(in == NULL || (message != NULL && public_key != NULL && encrypted_message != NULL &&
                         encrypted_message_length != NULL && encryption_scheme == OPTIGA_RSAES_PKCS1_V15));
    optiga_lib_status_t st = compat_begin(in, COMPAT_CRYPT);
    if (st != OPTIGA_LIB_SUCCESS)
        return st;
    key_src(&in->ksrc, public_key_source_type, public_key);
    in->n = 0;
    in->len16 = encrypted_message_length;
    return compat_launch(in,
                         trustm_op_start_rsa_encrypt(compat_dev(), &in->ksrc, message, message_length,
                                                     encrypted_message, *encrypted_message_length, &in->n),
                         fin_len16);
}

optiga_lib_status_t optiga_crypt_rsa_encrypt_session(optiga_crypt_t *me,
                                                     optiga_rsa_encryption_scheme_t encryption_scheme,
                                                     const uint8_t *label, uint16_t label_length,
                                                     uint8_t public_key_source_type, const void *public_key,
                                                     uint8_t *encrypted_message, uint16_t *encrypted_message_length)
{
    compat_inst_t *in = CRYPT_INST(me);
    (void)label;
    (void)label_length;
    CHECK(in == NULL || (public_key != NULL && encrypted_message != NULL && encrypted_message_length != NULL &&
                         encryption_scheme == OPTIGA_RSAES_PKCS1_V15));
    if (in != NULL && !session_held(in))
        return OPTIGA_CMD_ERROR_INVALID_INPUT;
    optiga_lib_status_t st = compat_begin(in, COMPAT_CRYPT);
    if (st != OPTIGA_LIB_SUCCESS)
        return st;
    key_src(&in->ksrc, public_key_source_type, public_key);
    in->n = 0;
    in->len16 = encrypted_message_length;
    return compat_launch(in,
                         trustm_op_start_rsa_encrypt_session(compat_dev(), &in->ksrc, in->session, encrypted_message,
                                                             *encrypted_message_length, &in->n),
                         fin_len16);
}

optiga_lib_status_t optiga_crypt_rsa_decrypt_and_export(optiga_crypt_t *me,
                                                        optiga_rsa_encryption_scheme_t encryption_scheme,
                                                        const uint8_t *encrypted_message,
                                                        uint16_t encrypted_message_length, const uint8_t *label,
                                                        uint16_t label_length, optiga_key_id_t private_key,
                                                        uint8_t *message, uint16_t *message_length)
{
    compat_inst_t *in = CRYPT_INST(me);
    (void)label;
    (void)label_length;
    CHECK(in == NULL || (encrypted_message != NULL && message != NULL && message_length != NULL &&
                         encryption_scheme == OPTIGA_RSAES_PKCS1_V15));
    optiga_lib_status_t st = compat_begin(in, COMPAT_CRYPT);
    if (st != OPTIGA_LIB_SUCCESS)
        return st;
    in->n = 0;
    in->len16 = message_length;
    return compat_launch(in,
                         trustm_op_start_rsa_decrypt(compat_dev(), (uint16_t)private_key, encrypted_message,
                                                     encrypted_message_length, message, *message_length, &in->n),
                         fin_len16);
}

optiga_lib_status_t optiga_crypt_rsa_decrypt_and_store(optiga_crypt_t *me,
                                                       optiga_rsa_encryption_scheme_t encryption_scheme,
                                                       const uint8_t *encrypted_message,
                                                       uint16_t encrypted_message_length, const uint8_t *label,
                                                       uint16_t label_length, optiga_key_id_t private_key)
{
    compat_inst_t *in = CRYPT_INST(me);
    (void)label;
    (void)label_length;
    CHECK(in == NULL || (encrypted_message != NULL && encryption_scheme == OPTIGA_RSAES_PKCS1_V15));
    optiga_lib_status_t st = compat_begin(in, COMPAT_CRYPT);
    if (st != OPTIGA_LIB_SUCCESS)
        return st;
    uint16_t session = 0;
    trustm_status_t s = compat_session_get(in, &session);
    if (s == TRUSTM_OK)
        s = trustm_op_start_rsa_decrypt_to_session(compat_dev(), (uint16_t)private_key, session, encrypted_message,
                                                   encrypted_message_length);
    return compat_launch(in, s, NULL);
}

/* ------------------------------------------------------------------ symmetric */

/* Output buffer of a symmetric call: (NULL, NULL) allowed for calls without output. */
static void out_args(uint8_t *out, const uint32_t *out_len, size_t *size)
{
    *size = out != NULL && out_len != NULL ? (size_t)*out_len : 0u;
}

static optiga_lib_status_t sym_oneshot(optiga_crypt_t *me, bool decrypt, uint8_t mode, uint16_t key,
                                       const uint8_t *data, uint32_t len, const uint8_t *iv, uint16_t iv_len,
                                       uint8_t *out, uint32_t *out_len)
{
    compat_inst_t *in = CRYPT_INST(me);
    CHECK(in == NULL || (data != NULL && out != NULL && out_len != NULL));
    optiga_lib_status_t st = compat_begin(in, COMPAT_CRYPT);
    if (st != OPTIGA_LIB_SUCCESS)
        return st;
    in->n = 0;
    in->len32 = out_len;
    trustm_status_t s =
        decrypt ? trustm_op_start_sym_decrypt(compat_dev(), key, mode, iv, iv_len, data, len, out, *out_len, &in->n)
                : trustm_op_start_sym_encrypt(compat_dev(), key, mode, iv, iv_len, data, len, out, *out_len, &in->n);
    return compat_launch(in, s, fin_len32);
}

optiga_lib_status_t optiga_crypt_symmetric_encrypt(optiga_crypt_t *me,
                                                   optiga_symmetric_encryption_mode_t encryption_mode,
                                                   optiga_key_id_t symmetric_key_oid, const uint8_t *plain_data,
                                                   uint32_t plain_data_length, const uint8_t *iv, uint16_t iv_length,
                                                   const uint8_t *associated_data, uint16_t associated_data_length,
                                                   uint8_t *encrypted_data, uint32_t *encrypted_data_length)
{
    (void)associated_data;
    (void)associated_data_length; /* no AEAD mode on the M2 ID2 */
    return sym_oneshot(me, false, (uint8_t)encryption_mode, (uint16_t)symmetric_key_oid, plain_data, plain_data_length,
                       iv, iv_length, encrypted_data, encrypted_data_length);
}

optiga_lib_status_t optiga_crypt_symmetric_encrypt_ecb(optiga_crypt_t *me, optiga_key_id_t symmetric_key_oid,
                                                       const uint8_t *plain_data, uint32_t plain_data_length,
                                                       uint8_t *encrypted_data, uint32_t *encrypted_data_length)
{
    return sym_oneshot(me, false, OPTIGA_SYMMETRIC_ECB, (uint16_t)symmetric_key_oid, plain_data, plain_data_length,
                       NULL, 0, encrypted_data, encrypted_data_length);
}

optiga_lib_status_t optiga_crypt_symmetric_decrypt(
    optiga_crypt_t *me, optiga_symmetric_encryption_mode_t encryption_mode, optiga_key_id_t symmetric_key_oid,
    const uint8_t *encrypted_data, uint32_t encrypted_data_length, const uint8_t *iv, uint16_t iv_length,
    const uint8_t *associated_data, uint16_t associated_data_length, uint8_t *plain_data, uint32_t *plain_data_length)
{
    (void)associated_data;
    (void)associated_data_length;
    return sym_oneshot(me, true, (uint8_t)encryption_mode, (uint16_t)symmetric_key_oid, encrypted_data,
                       encrypted_data_length, iv, iv_length, plain_data, plain_data_length);
}

optiga_lib_status_t optiga_crypt_symmetric_decrypt_ecb(optiga_crypt_t *me, optiga_key_id_t symmetric_key_oid,
                                                       const uint8_t *encrypted_data, uint32_t encrypted_data_length,
                                                       uint8_t *plain_data, uint32_t *plain_data_length)
{
    return sym_oneshot(me, true, OPTIGA_SYMMETRIC_ECB, (uint16_t)symmetric_key_oid, encrypted_data,
                       encrypted_data_length, NULL, 0, plain_data, plain_data_length);
}

#define PHASE_START    0u
#define PHASE_CONTINUE 1u
#define PHASE_FINAL    2u

/* Sequence completion: a successful start takes the strict lock; continue/final release it on
 * failure, final always. */
static trustm_status_t fin_seq(compat_inst_t *in, trustm_status_t s)
{
    if (in->seq_phase == PHASE_START && s == TRUSTM_OK)
        compat_lock(in, in->seq_next);
    else if (in->seq_phase != PHASE_START && (s != TRUSTM_OK || in->seq_phase == PHASE_FINAL))
        compat_unlock(in);
    return fin_len32(in, s);
}

/* start of a sequence (symmetric or HMAC): takes the strict lock on success. */
static optiga_lib_status_t seq_start(compat_inst_t *in, uint8_t seq, bool decrypt, uint8_t mode, uint16_t key,
                                     const uint8_t *iv, uint16_t iv_len, const uint8_t *data, uint32_t len,
                                     uint8_t *out, uint32_t *out_len)
{
    optiga_lib_status_t st = compat_begin(in, COMPAT_CRYPT);
    if (st != OPTIGA_LIB_SUCCESS)
        return st;
    compat_unlock(in); /* starting again ends an open sequence */
    size_t size = 0;
    out_args(out, out_len, &size);
    in->n = 0;
    in->len32 = out_len;
    in->seq_next = seq;
    in->seq_phase = PHASE_START;
    return compat_launch(in,
                         trustm_op_start_sym_setup(compat_dev(), key, decrypt, mode, iv, iv_len, data, len,
                                                   size != 0 ? out : NULL, size, &in->n),
                         fin_seq);
}

/* continue (final = false) or final of the open sequence `seq` of this instance. */
static optiga_lib_status_t seq_next(compat_inst_t *in, uint8_t seq, bool final, const uint8_t *data, uint32_t len,
                                    uint8_t *out, uint32_t *out_len)
{
    CHECK(in == NULL || data != NULL);
    if (in != NULL && in->kind == COMPAT_CRYPT && !in->busy && in->seq != seq) {
        if (in->seq != COMPAT_SEQ_NONE)
            compat_unlock(in); /* continue/final of another command: the sequence is abandoned */
        return OPTIGA_CMD_ERROR_INVALID_INPUT;
    }
    optiga_lib_status_t st = compat_begin(in, COMPAT_CRYPT);
    if (st != OPTIGA_LIB_SUCCESS)
        return st;
    size_t size = 0;
    out_args(out, out_len, &size);
    uint8_t *o = size != 0 ? out : NULL;
    in->n = 0;
    in->len32 = out_len;
    in->seq_next = seq;
    in->seq_phase = final ? PHASE_FINAL : PHASE_CONTINUE;
    trustm_status_t s = final ? trustm_op_start_sym_finish(compat_dev(), data, len, o, size, &in->n)
                              : trustm_op_start_sym_update(compat_dev(), data, len, o, size, &in->n);
    return compat_launch(in, s, fin_seq);
}

optiga_lib_status_t optiga_crypt_symmetric_encrypt_start(
    optiga_crypt_t *me, optiga_symmetric_encryption_mode_t encryption_mode, optiga_key_id_t symmetric_key_oid,
    const uint8_t *plain_data, uint32_t plain_data_length, const uint8_t *iv, uint16_t iv_length,
    const uint8_t *associated_data, uint16_t associated_data_length, uint16_t total_plain_data_length,
    uint8_t *encrypted_data, uint32_t *encrypted_data_length)
{
    compat_inst_t *in = CRYPT_INST(me);
    (void)associated_data;
    (void)associated_data_length;
    (void)total_plain_data_length; /* only AEAD modes announce the total length */
    CHECK(in == NULL || plain_data != NULL);
    return seq_start(in, COMPAT_SEQ_SYM_ENC, false, (uint8_t)encryption_mode, (uint16_t)symmetric_key_oid, iv,
                     iv_length, plain_data, plain_data_length, encrypted_data, encrypted_data_length);
}

optiga_lib_status_t optiga_crypt_symmetric_encrypt_continue(optiga_crypt_t *me, const uint8_t *plain_data,
                                                            uint32_t plain_data_length, uint8_t *encrypted_data,
                                                            uint32_t *encrypted_data_length)
{
    return seq_next(CRYPT_INST(me), COMPAT_SEQ_SYM_ENC, false, plain_data, plain_data_length, encrypted_data,
                    encrypted_data_length);
}

optiga_lib_status_t optiga_crypt_symmetric_encrypt_final(optiga_crypt_t *me, const uint8_t *plain_data,
                                                         uint32_t plain_data_length, uint8_t *encrypted_data,
                                                         uint32_t *encrypted_data_length)
{
    return seq_next(CRYPT_INST(me), COMPAT_SEQ_SYM_ENC, true, plain_data, plain_data_length, encrypted_data,
                    encrypted_data_length);
}

optiga_lib_status_t optiga_crypt_symmetric_decrypt_start(
    optiga_crypt_t *me, optiga_symmetric_encryption_mode_t encryption_mode, optiga_key_id_t symmetric_key_oid,
    const uint8_t *encrypted_data, uint32_t encrypted_data_length, const uint8_t *iv, uint16_t iv_length,
    const uint8_t *associated_data, uint16_t associated_data_length, uint16_t total_encrypted_data_length,
    uint8_t *plain_data, uint32_t *plain_data_length)
{
    compat_inst_t *in = CRYPT_INST(me);
    (void)associated_data;
    (void)associated_data_length;
    (void)total_encrypted_data_length;
    CHECK(in == NULL || encrypted_data != NULL);
    return seq_start(in, COMPAT_SEQ_SYM_DEC, true, (uint8_t)encryption_mode, (uint16_t)symmetric_key_oid, iv, iv_length,
                     encrypted_data, encrypted_data_length, plain_data, plain_data_length);
}

optiga_lib_status_t optiga_crypt_symmetric_decrypt_continue(optiga_crypt_t *me, const uint8_t *encrypted_data,
                                                            uint32_t encrypted_data_length, uint8_t *plain_data,
                                                            uint32_t *plain_data_length)
{
    return seq_next(CRYPT_INST(me), COMPAT_SEQ_SYM_DEC, false, encrypted_data, encrypted_data_length, plain_data,
                    plain_data_length);
}

optiga_lib_status_t optiga_crypt_symmetric_decrypt_final(optiga_crypt_t *me, const uint8_t *encrypted_data,
                                                         uint32_t encrypted_data_length, uint8_t *plain_data,
                                                         uint32_t *plain_data_length)
{
    return seq_next(CRYPT_INST(me), COMPAT_SEQ_SYM_DEC, true, encrypted_data, encrypted_data_length, plain_data,
                    plain_data_length);
}

optiga_lib_status_t optiga_crypt_symmetric_generate_key(optiga_crypt_t *me, optiga_symmetric_key_type_t key_type,
                                                        uint8_t key_usage, bool_t export_symmetric_key,
                                                        void *symmetric_key)
{
    compat_inst_t *in = CRYPT_INST(me);
    CHECK(in == NULL || symmetric_key != NULL);
    optiga_lib_status_t st = compat_begin(in, COMPAT_CRYPT);
    if (st != OPTIGA_LIB_SUCCESS)
        return st;
    if (export_symmetric_key != FALSE) {
        const size_t size = key_type == OPTIGA_SYMMETRIC_AES_256   ? 32u
                            : key_type == OPTIGA_SYMMETRIC_AES_192 ? 24u
                                                                   : 16u;
        in->n = 0;
        return compat_launch(
            in,
            trustm_op_start_aes_keygen_export(compat_dev(), (uint8_t)key_type, (uint8_t *)symmetric_key, size, &in->n),
            NULL);
    }
    return compat_launch(
        in, trustm_op_start_aes_keygen(compat_dev(), key_id_at(symmetric_key), (uint8_t)key_type, key_usage), NULL);
}

/* ------------------------------------------------------------------ HMAC, authorization, derivation */

static bool is_hmac_type(optiga_hmac_type_t t)
{
    return t == OPTIGA_HMAC_SHA_256 || t == OPTIGA_HMAC_SHA_384 || t == OPTIGA_HMAC_SHA_512;
}

optiga_lib_status_t optiga_crypt_hmac(optiga_crypt_t *me, optiga_hmac_type_t type, uint16_t secret,
                                      const uint8_t *input_data, uint32_t input_data_length, uint8_t *mac,
                                      uint32_t *mac_length)
{
    compat_inst_t *in = CRYPT_INST(me);
    CHECK(in == NULL || (input_data != NULL && mac != NULL && mac_length != NULL && is_hmac_type(type)));
    if (in != NULL && secret == 0 && !session_held(in))
        return OPTIGA_CMD_ERROR_INVALID_INPUT;
    optiga_lib_status_t st = compat_begin(in, COMPAT_CRYPT);
    if (st != OPTIGA_LIB_SUCCESS)
        return st;
    in->n = 0;
    in->len32 = mac_length;
    return compat_launch(in,
                         trustm_op_start_hmac(compat_dev(), secret != 0 ? secret : in->session, (uint8_t)type,
                                              input_data, input_data_length, mac, *mac_length, &in->n),
                         fin_len32);
}

optiga_lib_status_t optiga_crypt_hmac_start(optiga_crypt_t *me, optiga_hmac_type_t type, uint16_t secret,
                                            const uint8_t *input_data, uint32_t input_data_length)
{
    compat_inst_t *in = CRYPT_INST(me);
    CHECK(in == NULL || (input_data != NULL && is_hmac_type(type)));
    if (in != NULL && secret == 0 && !session_held(in))
        return OPTIGA_CMD_ERROR_INVALID_INPUT;
    const uint16_t key = in != NULL && secret == 0 ? in->session : secret;
    return seq_start(in, COMPAT_SEQ_HMAC, false, (uint8_t)type, key, NULL, 0, input_data, input_data_length, NULL,
                     NULL);
}

optiga_lib_status_t optiga_crypt_hmac_update(optiga_crypt_t *me, const uint8_t *input_data, uint32_t input_data_length)
{
    return seq_next(CRYPT_INST(me), COMPAT_SEQ_HMAC, false, input_data, input_data_length, NULL, NULL);
}

optiga_lib_status_t optiga_crypt_hmac_finalize(optiga_crypt_t *me, const uint8_t *input_data,
                                               uint32_t input_data_length, uint8_t *mac, uint32_t *mac_length)
{
    CHECK(me == NULL || (mac != NULL && mac_length != NULL));
    return seq_next(CRYPT_INST(me), COMPAT_SEQ_HMAC, true, input_data, input_data_length, mac, mac_length);
}

optiga_lib_status_t optiga_crypt_generate_auth_code(optiga_crypt_t *me, optiga_rng_type_t rng_type,
                                                    const uint8_t *optional_data, uint16_t optional_data_length,
                                                    uint8_t *random_data, uint16_t random_data_length)
{
    compat_inst_t *in = CRYPT_INST(me);
    CHECK(in == NULL ||
          (random_data != NULL && (optional_data != NULL || optional_data_length == 0) && random_data_length >= 8u &&
           (uint32_t)optional_data_length + random_data_length <= AUTH_TOTAL_MAX));
    optiga_lib_status_t st = compat_begin(in, COMPAT_CRYPT);
    if (st != OPTIGA_LIB_SUCCESS)
        return st;
    uint16_t session = 0;
    trustm_status_t s = compat_session_get(in, &session);
    if (s == TRUSTM_OK)
        s = trustm_op_start_random_to_session(compat_dev(), session, (uint8_t)rng_type, random_data_length,
                                              optional_data, optional_data_length, random_data, random_data_length,
                                              NULL);
    return compat_launch(in, s, NULL);
}

optiga_lib_status_t optiga_crypt_hmac_verify(optiga_crypt_t *me, optiga_hmac_type_t type, uint16_t secret,
                                             const uint8_t *input_data, uint32_t input_data_length, const uint8_t *hmac,
                                             uint32_t hmac_length)
{
    compat_inst_t *in = CRYPT_INST(me);
    CHECK(in == NULL || (input_data != NULL && hmac != NULL && is_hmac_type(type)));
    if (in != NULL && !session_held(in))
        return OPTIGA_CMD_ERROR_INVALID_INPUT;
    optiga_lib_status_t st = compat_begin(in, COMPAT_CRYPT);
    if (st != OPTIGA_LIB_SUCCESS)
        return st;
    return compat_launch(in,
                         trustm_op_start_hmac_verify(compat_dev(), secret, in->session, (uint8_t)type, input_data,
                                                     input_data_length, hmac, hmac_length),
                         fin_release_session);
}

optiga_lib_status_t optiga_crypt_clear_auto_state(optiga_crypt_t *me, uint16_t secret)
{
    compat_inst_t *in = CRYPT_INST(me);
    optiga_lib_status_t st = compat_begin(in, COMPAT_CRYPT);
    if (st != OPTIGA_LIB_SUCCESS)
        return st;
    return compat_launch(in, trustm_op_start_auto_state_clear(compat_dev(), secret), fin_release_session);
}

/* DeriveKey (TLS PRF or HKDF): secret 0x0000 = the instance's session; export FALSE stores the
 * key in the instance's session (acquired if needed). */
static optiga_lib_status_t derive(compat_inst_t *in, uint8_t alg, uint16_t secret, const uint8_t *a, uint16_t a_len,
                                  const uint8_t *seed, uint16_t seed_len, const uint8_t *info, uint16_t info_len,
                                  uint16_t key_len, bool_t export_to_host, uint8_t *out)
{
    if (in == NULL)
        return OPTIGA_CRYPT_ERROR_INVALID_INPUT;
    if (secret == 0 && !session_held(in))
        return OPTIGA_CMD_ERROR_INVALID_INPUT;
    optiga_lib_status_t st = compat_begin(in, COMPAT_CRYPT);
    if (st != OPTIGA_LIB_SUCCESS)
        return st;
    trustm_derive_t *p = &in->derive;
    memset(p, 0, sizeof *p);
    p->alg = alg;
    p->secret_oid = secret != 0 ? secret : in->session;
    p->label = a;
    p->label_len = a_len;
    p->seed = seed;
    p->seed_len = seed_len;
    p->info = info;
    p->info_len = info_len;
    p->key_len = key_len;
    trustm_status_t s = TRUSTM_OK;
    if (export_to_host == FALSE)
        s = compat_session_get(in, &p->session_oid);
    if (s == TRUSTM_OK)
        s = trustm_op_start_derive_key(compat_dev(), p, export_to_host != FALSE ? out : NULL,
                                       export_to_host != FALSE ? key_len : 0u, NULL);
    return compat_launch(in, s, NULL);
}

optiga_lib_status_t optiga_crypt_tls_prf(optiga_crypt_t *me, optiga_tls_prf_type_t type, uint16_t secret,
                                         const uint8_t *label, uint16_t label_length, const uint8_t *seed,
                                         uint16_t seed_length, uint16_t derived_key_length, bool_t export_to_host,
                                         uint8_t *derived_key)
{
    compat_inst_t *in = CRYPT_INST(me);
    CHECK(in == NULL ||
          (seed != NULL && (label != NULL || label_length == 0) && (export_to_host == FALSE || derived_key != NULL)));
    return derive(in, (uint8_t)type, secret, label, label_length, seed, seed_length, NULL, 0, derived_key_length,
                  export_to_host, derived_key);
}

optiga_lib_status_t optiga_crypt_hkdf(optiga_crypt_t *me, optiga_hkdf_type_t type, uint16_t secret, const uint8_t *salt,
                                      uint16_t salt_length, const uint8_t *info, uint16_t info_length,
                                      uint16_t derived_key_length, bool_t export_to_host, uint8_t *derived_key)
{
    compat_inst_t *in = CRYPT_INST(me);
    CHECK(in == NULL || ((salt != NULL || salt_length == 0) && (info != NULL || info_length == 0) &&
                         (export_to_host == FALSE || derived_key != NULL)));
    return derive(in, (uint8_t)type, secret, salt, salt_length, NULL, 0, info_length != 0 ? info : NULL, info_length,
                  derived_key_length, export_to_host, derived_key);
}
