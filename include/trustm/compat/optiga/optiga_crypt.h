/*
 * optiga/optiga_crypt.h - vendor "crypt" service API of the M2 ID2 library (host-api.md §3, §6)
 * on trustm. Execution model and coverage: optiga/optiga_util.h and docs/COMPAT.md.
 * The ECC functions of the general Trust M library are not provided (absent from M2 ID2).
 */
#ifndef OPTIGA_CRYPT_H
#define OPTIGA_CRYPT_H

#include <stdint.h>

#include "optiga/common/optiga_lib_common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- enumerations (values are the on-wire codes) ---- */
typedef enum optiga_key_id {
    OPTIGA_KEY_ID_E0FC = 0xE0FC,
    OPTIGA_KEY_ID_E0FD = 0xE0FD,
    OPTIGA_KEY_ID_SESSION_BASED = 0x0000,
    OPTIGA_KEY_ID_SECRET_BASED = 0xE200
} optiga_key_id_t;

typedef enum optiga_key_usage {
    OPTIGA_KEY_USAGE_AUTHENTICATION = 0x01,
    OPTIGA_KEY_USAGE_ENCRYPTION = 0x02,
    OPTIGA_KEY_USAGE_SIGN = 0x10
} optiga_key_usage_t;

typedef enum optiga_set_obj_protected_tag {
    OPTIGA_SET_PROTECTED_UPDATE_START = 0x00,
    OPTIGA_SET_PROTECTED_UPDATE_FINAL = 0x01,
    OPTIGA_SET_PROTECTED_UPDATE_CONTINUE = 0x02
} optiga_set_obj_protected_tag_t;

typedef enum optiga_rsa_encryption_scheme { OPTIGA_RSAES_PKCS1_V15 = 0x11 } optiga_rsa_encryption_scheme_t;

typedef enum optiga_rsa_key_type {
    OPTIGA_RSA_KEY_1024_BIT_EXPONENTIAL = 0x41,
    OPTIGA_RSA_KEY_2048_BIT_EXPONENTIAL = 0x42
} optiga_rsa_key_type_t;

typedef enum optiga_rsa_signature_scheme {
    OPTIGA_RSASSA_PKCS1_V15_SHA256 = 0x01,
    OPTIGA_RSASSA_PKCS1_V15_SHA384 = 0x02,
    OPTIGA_RSASSA_PKCS1_V15_SHA512 = 0x03
} optiga_rsa_signature_scheme_t;

typedef enum optiga_symmetric_encryption_mode {
    OPTIGA_SYMMETRIC_ECB = 0x08,
    OPTIGA_SYMMETRIC_CBC = 0x09,
    OPTIGA_SYMMETRIC_CBC_MAC = 0x0A,
    OPTIGA_SYMMETRIC_CMAC = 0x0B
} optiga_symmetric_encryption_mode_t;

typedef enum optiga_hash_type { OPTIGA_HASH_TYPE_SHA_256 = 0xE2 } optiga_hash_type_t;

typedef enum optiga_hash_context_length { OPTIGA_HASH_CONTEXT_LENGTH_SHA_256 = 209 } optiga_hash_context_length_t;

typedef enum optiga_rng_type { OPTIGA_RNG_TYPE_TRNG = 0x00, OPTIGA_RNG_TYPE_DRNG = 0x01 } optiga_rng_type_t;

typedef enum optiga_hmac_type {
    OPTIGA_HMAC_SHA_256 = 0x20,
    OPTIGA_HMAC_SHA_384 = 0x21,
    OPTIGA_HMAC_SHA_512 = 0x22
} optiga_hmac_type_t;

typedef enum optiga_hkdf_type {
    OPTIGA_HKDF_SHA_256 = 0x08,
    OPTIGA_HKDF_SHA_384 = 0x09,
    OPTIGA_HKDF_SHA_512 = 0x0A
} optiga_hkdf_type_t;

typedef enum optiga_tls_prf_type {
    OPTIGA_TLS12_PRF_SHA_256 = 0x01,
    OPTIGA_TLS12_PRF_SHA_384 = 0x02,
    OPTIGA_TLS12_PRF_SHA_512 = 0x03
} optiga_tls_prf_type_t;

typedef enum optiga_symmetric_key_type {
    OPTIGA_SYMMETRIC_AES_128 = 0x81,
    OPTIGA_SYMMETRIC_AES_192 = 0x82,
    OPTIGA_SYMMETRIC_AES_256 = 0x83
} optiga_symmetric_key_type_t;

/* ---- public structures ---- */
typedef struct public_key_from_host {
    uint8_t *public_key; /* DER BIT STRING { SEQUENCE { n, e } } */
    uint16_t length;
    uint8_t key_type; /* optiga_rsa_key_type_t */
} public_key_from_host_t;

typedef struct hash_data_from_host {
    const uint8_t *buffer;
    uint32_t length;
} hash_data_from_host_t;

typedef struct hash_data_in_optiga {
    uint16_t oid;
    uint16_t offset;
    uint16_t length;
} hash_data_in_optiga_t;

typedef struct optiga_hash_context {
    uint8_t *context_buffer; /* >= OPTIGA_HASH_CONTEXT_LENGTH_SHA_256 bytes */
    uint16_t context_buffer_length;
    uint8_t hash_algo; /* optiga_hash_type_t */
} optiga_hash_context_t;

typedef struct optiga_crypt optiga_crypt_t; /* opaque, from a static pool */

/* ---- instance management ---- */
LIBRARY_EXPORTS optiga_crypt_t *optiga_crypt_create(uint8_t optiga_instance_id, callback_handler_t handler,
                                                    void *caller_context);
LIBRARY_EXPORTS optiga_lib_status_t optiga_crypt_destroy(optiga_crypt_t *me);
LIBRARY_EXPORTS void optiga_crypt_set_comms_params(optiga_crypt_t *me, uint8_t parameter_type, uint8_t value);
#ifdef OPTIGA_COMMS_SHIELDED_CONNECTION
#define OPTIGA_CRYPT_SET_COMMS_PROTECTION_LEVEL(me, level)                                                             \
    optiga_crypt_set_comms_params((me), OPTIGA_COMMS_PROTECTION_LEVEL, (level))
#define OPTIGA_CRYPT_SET_COMMS_PROTOCOL_VERSION(me, version)                                                           \
    optiga_crypt_set_comms_params((me), OPTIGA_COMMS_PROTOCOL_VERSION, (version))
#else
#define OPTIGA_CRYPT_SET_COMMS_PROTECTION_LEVEL(me, level)   ((void)(me), (void)(level))
#define OPTIGA_CRYPT_SET_COMMS_PROTOCOL_VERSION(me, version) ((void)(me), (void)(version))
#endif

/* ---- random, hash ---- */
LIBRARY_EXPORTS optiga_lib_status_t optiga_crypt_random(optiga_crypt_t *me, optiga_rng_type_t rng_type,
                                                        uint8_t *random_data, uint16_t random_data_length);
LIBRARY_EXPORTS optiga_lib_status_t optiga_crypt_hash(optiga_crypt_t *me, optiga_hash_type_t hash_algorithm,
                                                      uint8_t source_of_data_to_hash, const void *data_to_hash,
                                                      uint8_t *hash_output);
LIBRARY_EXPORTS optiga_lib_status_t optiga_crypt_hash_start(optiga_crypt_t *me, optiga_hash_context_t *hash_ctx);
LIBRARY_EXPORTS optiga_lib_status_t optiga_crypt_hash_update(optiga_crypt_t *me, optiga_hash_context_t *hash_ctx,
                                                             uint8_t source_of_data_to_hash, const void *data_to_hash);
LIBRARY_EXPORTS optiga_lib_status_t optiga_crypt_hash_finalize(optiga_crypt_t *me, optiga_hash_context_t *hash_ctx,
                                                               uint8_t *hash_output);

/* ---- RSA ---- */
LIBRARY_EXPORTS optiga_lib_status_t optiga_crypt_rsa_generate_keypair(optiga_crypt_t *me,
                                                                      optiga_rsa_key_type_t key_type, uint8_t key_usage,
                                                                      bool_t export_private_key, void *private_key,
                                                                      uint8_t *public_key, uint16_t *public_key_length);
LIBRARY_EXPORTS optiga_lib_status_t optiga_crypt_rsa_sign(optiga_crypt_t *me,
                                                          optiga_rsa_signature_scheme_t signature_scheme,
                                                          const uint8_t *digest, uint8_t digest_length,
                                                          optiga_key_id_t private_key, uint8_t *signature,
                                                          uint16_t *signature_length, uint16_t salt_length);
LIBRARY_EXPORTS optiga_lib_status_t optiga_crypt_rsa_verify(optiga_crypt_t *me,
                                                            optiga_rsa_signature_scheme_t signature_scheme,
                                                            const uint8_t *digest, uint8_t digest_length,
                                                            const uint8_t *signature, uint16_t signature_length,
                                                            uint8_t public_key_source_type, const void *public_key,
                                                            uint16_t salt_length);
LIBRARY_EXPORTS optiga_lib_status_t optiga_crypt_rsa_generate_pre_master_secret(optiga_crypt_t *me,
                                                                                const uint8_t *optional_data,
                                                                                uint16_t optional_data_length,
                                                                                uint16_t pre_master_secret_length);
LIBRARY_EXPORTS optiga_lib_status_t optiga_crypt_rsa_encrypt_message(
    optiga_crypt_t *me, optiga_rsa_encryption_scheme_t encryption_scheme, const uint8_t *message,
    uint16_t message_length, const uint8_t *label, uint16_t label_length, uint8_t public_key_source_type,
    const void *public_key, uint8_t *encrypted_message, uint16_t *encrypted_message_length);
LIBRARY_EXPORTS optiga_lib_status_t optiga_crypt_rsa_encrypt_session(optiga_crypt_t *me,
                                                                     optiga_rsa_encryption_scheme_t encryption_scheme,
                                                                     const uint8_t *label, uint16_t label_length,
                                                                     uint8_t public_key_source_type,
                                                                     const void *public_key, uint8_t *encrypted_message,
                                                                     uint16_t *encrypted_message_length);
LIBRARY_EXPORTS optiga_lib_status_t optiga_crypt_rsa_decrypt_and_export(
    optiga_crypt_t *me, optiga_rsa_encryption_scheme_t encryption_scheme, const uint8_t *encrypted_message,
    uint16_t encrypted_message_length, const uint8_t *label, uint16_t label_length, optiga_key_id_t private_key,
    uint8_t *message, uint16_t *message_length);
LIBRARY_EXPORTS optiga_lib_status_t optiga_crypt_rsa_decrypt_and_store(
    optiga_crypt_t *me, optiga_rsa_encryption_scheme_t encryption_scheme, const uint8_t *encrypted_message,
    uint16_t encrypted_message_length, const uint8_t *label, uint16_t label_length, optiga_key_id_t private_key);

/* ---- symmetric ---- */
LIBRARY_EXPORTS optiga_lib_status_t optiga_crypt_symmetric_encrypt(
    optiga_crypt_t *me, optiga_symmetric_encryption_mode_t encryption_mode, optiga_key_id_t symmetric_key_oid,
    const uint8_t *plain_data, uint32_t plain_data_length, const uint8_t *iv, uint16_t iv_length,
    const uint8_t *associated_data, uint16_t associated_data_length, uint8_t *encrypted_data,
    uint32_t *encrypted_data_length);
LIBRARY_EXPORTS optiga_lib_status_t optiga_crypt_symmetric_encrypt_ecb(
    optiga_crypt_t *me, optiga_key_id_t symmetric_key_oid, const uint8_t *plain_data, uint32_t plain_data_length,
    uint8_t *encrypted_data, uint32_t *encrypted_data_length);
LIBRARY_EXPORTS optiga_lib_status_t optiga_crypt_symmetric_encrypt_start(
    optiga_crypt_t *me, optiga_symmetric_encryption_mode_t encryption_mode, optiga_key_id_t symmetric_key_oid,
    const uint8_t *plain_data, uint32_t plain_data_length, const uint8_t *iv, uint16_t iv_length,
    const uint8_t *associated_data, uint16_t associated_data_length, uint16_t total_plain_data_length,
    uint8_t *encrypted_data, uint32_t *encrypted_data_length);
LIBRARY_EXPORTS optiga_lib_status_t optiga_crypt_symmetric_encrypt_continue(optiga_crypt_t *me,
                                                                            const uint8_t *plain_data,
                                                                            uint32_t plain_data_length,
                                                                            uint8_t *encrypted_data,
                                                                            uint32_t *encrypted_data_length);
LIBRARY_EXPORTS optiga_lib_status_t optiga_crypt_symmetric_encrypt_final(optiga_crypt_t *me, const uint8_t *plain_data,
                                                                         uint32_t plain_data_length,
                                                                         uint8_t *encrypted_data,
                                                                         uint32_t *encrypted_data_length);
LIBRARY_EXPORTS optiga_lib_status_t optiga_crypt_symmetric_decrypt(
    optiga_crypt_t *me, optiga_symmetric_encryption_mode_t encryption_mode, optiga_key_id_t symmetric_key_oid,
    const uint8_t *encrypted_data, uint32_t encrypted_data_length, const uint8_t *iv, uint16_t iv_length,
    const uint8_t *associated_data, uint16_t associated_data_length, uint8_t *plain_data, uint32_t *plain_data_length);
LIBRARY_EXPORTS optiga_lib_status_t
optiga_crypt_symmetric_decrypt_ecb(optiga_crypt_t *me, optiga_key_id_t symmetric_key_oid, const uint8_t *encrypted_data,
                                   uint32_t encrypted_data_length, uint8_t *plain_data, uint32_t *plain_data_length);
LIBRARY_EXPORTS optiga_lib_status_t optiga_crypt_symmetric_decrypt_start(
    optiga_crypt_t *me, optiga_symmetric_encryption_mode_t encryption_mode, optiga_key_id_t symmetric_key_oid,
    const uint8_t *encrypted_data, uint32_t encrypted_data_length, const uint8_t *iv, uint16_t iv_length,
    const uint8_t *associated_data, uint16_t associated_data_length, uint16_t total_encrypted_data_length,
    uint8_t *plain_data, uint32_t *plain_data_length);
LIBRARY_EXPORTS optiga_lib_status_t optiga_crypt_symmetric_decrypt_continue(optiga_crypt_t *me,
                                                                            const uint8_t *encrypted_data,
                                                                            uint32_t encrypted_data_length,
                                                                            uint8_t *plain_data,
                                                                            uint32_t *plain_data_length);
LIBRARY_EXPORTS optiga_lib_status_t optiga_crypt_symmetric_decrypt_final(optiga_crypt_t *me,
                                                                         const uint8_t *encrypted_data,
                                                                         uint32_t encrypted_data_length,
                                                                         uint8_t *plain_data,
                                                                         uint32_t *plain_data_length);
LIBRARY_EXPORTS optiga_lib_status_t optiga_crypt_symmetric_generate_key(optiga_crypt_t *me,
                                                                        optiga_symmetric_key_type_t key_type,
                                                                        uint8_t key_usage, bool_t export_symmetric_key,
                                                                        void *symmetric_key);

/* ---- HMAC, authorization, key derivation ---- */
LIBRARY_EXPORTS optiga_lib_status_t optiga_crypt_hmac(optiga_crypt_t *me, optiga_hmac_type_t type, uint16_t secret,
                                                      const uint8_t *input_data, uint32_t input_data_length,
                                                      uint8_t *mac, uint32_t *mac_length);
LIBRARY_EXPORTS optiga_lib_status_t optiga_crypt_hmac_start(optiga_crypt_t *me, optiga_hmac_type_t type,
                                                            uint16_t secret, const uint8_t *input_data,
                                                            uint32_t input_data_length);
LIBRARY_EXPORTS optiga_lib_status_t optiga_crypt_hmac_update(optiga_crypt_t *me, const uint8_t *input_data,
                                                             uint32_t input_data_length);
LIBRARY_EXPORTS optiga_lib_status_t optiga_crypt_hmac_finalize(optiga_crypt_t *me, const uint8_t *input_data,
                                                               uint32_t input_data_length, uint8_t *mac,
                                                               uint32_t *mac_length);
LIBRARY_EXPORTS optiga_lib_status_t optiga_crypt_generate_auth_code(optiga_crypt_t *me, optiga_rng_type_t rng_type,
                                                                    const uint8_t *optional_data,
                                                                    uint16_t optional_data_length, uint8_t *random_data,
                                                                    uint16_t random_data_length);
LIBRARY_EXPORTS optiga_lib_status_t optiga_crypt_hmac_verify(optiga_crypt_t *me, optiga_hmac_type_t type,
                                                             uint16_t secret, const uint8_t *input_data,
                                                             uint32_t input_data_length, const uint8_t *hmac,
                                                             uint32_t hmac_length);
LIBRARY_EXPORTS optiga_lib_status_t optiga_crypt_clear_auto_state(optiga_crypt_t *me, uint16_t secret);
LIBRARY_EXPORTS optiga_lib_status_t optiga_crypt_tls_prf(optiga_crypt_t *me, optiga_tls_prf_type_t type,
                                                         uint16_t secret, const uint8_t *label, uint16_t label_length,
                                                         const uint8_t *seed, uint16_t seed_length,
                                                         uint16_t derived_key_length, bool_t export_to_host,
                                                         uint8_t *derived_key);
LIBRARY_EXPORTS optiga_lib_status_t optiga_crypt_hkdf(optiga_crypt_t *me, optiga_hkdf_type_t type, uint16_t secret,
                                                      const uint8_t *salt, uint16_t salt_length, const uint8_t *info,
                                                      uint16_t info_length, uint16_t derived_key_length,
                                                      bool_t export_to_host, uint8_t *derived_key);

/* Fixed-algorithm wrappers (static inline as in the M2 ID2 library). */
static inline optiga_lib_status_t optiga_crypt_tls_prf_sha256(optiga_crypt_t *me, uint16_t secret, const uint8_t *label,
                                                              uint16_t label_length, const uint8_t *seed,
                                                              uint16_t seed_length, uint16_t derived_key_length,
                                                              bool_t export_to_host, uint8_t *derived_key)
{
    return optiga_crypt_tls_prf(me, OPTIGA_TLS12_PRF_SHA_256, secret, label, label_length, seed, seed_length,
                                derived_key_length, export_to_host, derived_key);
}
static inline optiga_lib_status_t optiga_crypt_tls_prf_sha384(optiga_crypt_t *me, uint16_t secret, const uint8_t *label,
                                                              uint16_t label_length, const uint8_t *seed,
                                                              uint16_t seed_length, uint16_t derived_key_length,
                                                              bool_t export_to_host, uint8_t *derived_key)
{
    return optiga_crypt_tls_prf(me, OPTIGA_TLS12_PRF_SHA_384, secret, label, label_length, seed, seed_length,
                                derived_key_length, export_to_host, derived_key);
}
static inline optiga_lib_status_t optiga_crypt_tls_prf_sha512(optiga_crypt_t *me, uint16_t secret, const uint8_t *label,
                                                              uint16_t label_length, const uint8_t *seed,
                                                              uint16_t seed_length, uint16_t derived_key_length,
                                                              bool_t export_to_host, uint8_t *derived_key)
{
    return optiga_crypt_tls_prf(me, OPTIGA_TLS12_PRF_SHA_512, secret, label, label_length, seed, seed_length,
                                derived_key_length, export_to_host, derived_key);
}
static inline optiga_lib_status_t optiga_crypt_hkdf_sha256(optiga_crypt_t *me, uint16_t secret, const uint8_t *salt,
                                                           uint16_t salt_length, const uint8_t *info,
                                                           uint16_t info_length, uint16_t derived_key_length,
                                                           bool_t export_to_host, uint8_t *derived_key)
{
    return optiga_crypt_hkdf(me, OPTIGA_HKDF_SHA_256, secret, salt, salt_length, info, info_length, derived_key_length,
                             export_to_host, derived_key);
}
static inline optiga_lib_status_t optiga_crypt_hkdf_sha384(optiga_crypt_t *me, uint16_t secret, const uint8_t *salt,
                                                           uint16_t salt_length, const uint8_t *info,
                                                           uint16_t info_length, uint16_t derived_key_length,
                                                           bool_t export_to_host, uint8_t *derived_key)
{
    return optiga_crypt_hkdf(me, OPTIGA_HKDF_SHA_384, secret, salt, salt_length, info, info_length, derived_key_length,
                             export_to_host, derived_key);
}
static inline optiga_lib_status_t optiga_crypt_hkdf_sha512(optiga_crypt_t *me, uint16_t secret, const uint8_t *salt,
                                                           uint16_t salt_length, const uint8_t *info,
                                                           uint16_t info_length, uint16_t derived_key_length,
                                                           bool_t export_to_host, uint8_t *derived_key)
{
    return optiga_crypt_hkdf(me, OPTIGA_HKDF_SHA_512, secret, salt, salt_length, info, info_length, derived_key_length,
                             export_to_host, derived_key);
}

#ifdef __cplusplus
}
#endif
#endif /* OPTIGA_CRYPT_H */
