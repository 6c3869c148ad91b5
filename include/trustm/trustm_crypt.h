/*
 * trustm_crypt.h - cryptographic services of the OPTIGA Trust M2 ID2 (commands.md §5.6-5.17).
 *
 * Each operation is a blocking call and a trustm_op_start_* for the non-blocking driver
 * (trustm_op_poll / trustm_op_run / trustm_op_abort in trustm_device.h). Arguments follow the
 * API rules of docs/DESIGN.md: device, key (object / session), parameters, inputs, outputs.
 * Outputs are (out, out_size, *out_len); *out_len is written on success only. Where a
 * parameter fixes the output length (random, derive), out_size is the buffer's capacity,
 * checked before anything is sent, and out_len may be NULL. Every length in every
 * response is checked against what was asked (exact sizes where the command defines them)
 * and against out_size: a response of the wrong shape is CMD BAD_RESPONSE, a result that does
 * not fit the caller's buffer API BUFFER_TOO_SMALL (checked before the command is sent where
 * the size is known in advance). Chip errors are TRUSTM_DEVICE_ERR(code).
 *
 * Session contexts (0xE100..0xE103): pass a session OID where a command stores into or uses a
 * session; trustm_session_acquire() (trustm_app.h) hands out a free one.
 */
#ifndef TRUSTM_CRYPT_H
#define TRUSTM_CRYPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trustm_device.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- random (§5.6) */
#define TRUSTM_RNG_TRNG           0x00u
#define TRUSTM_RNG_DRNG           0x01u
#define TRUSTM_RANDOM_MIN         8u
#define TRUSTM_RANDOM_MAX         256u
#define TRUSTM_SESSION_SECRET_MAX 66u

/* len random bytes (8..256) into out (out_size >= len; *out_len = len). */
TRUSTM_MUST_CHECK trustm_status_t trustm_random(trustm_device_t *dev, uint8_t rng, size_t len, uint8_t *out,
                                                size_t out_size, size_t *out_len);
TRUSTM_MUST_CHECK trustm_status_t trustm_op_start_random(trustm_device_t *dev, uint8_t rng, size_t len, uint8_t *out,
                                                         size_t out_size, size_t *out_len);
/* Authorization challenge: session := opt || random, random (len 8..256, opt_len + len <= 66)
 * also returned in out (out_size >= len; *out_len = len). */
TRUSTM_MUST_CHECK trustm_status_t trustm_random_to_session(trustm_device_t *dev, uint16_t session_oid, uint8_t rng,
                                                           size_t len, const uint8_t *opt, size_t opt_len, uint8_t *out,
                                                           size_t out_size, size_t *out_len);
TRUSTM_MUST_CHECK trustm_status_t trustm_op_start_random_to_session(trustm_device_t *dev, uint16_t session_oid,
                                                                    uint8_t rng, size_t len, const uint8_t *opt,
                                                                    size_t opt_len, uint8_t *out, size_t out_size,
                                                                    size_t *out_len);
/* RSA pre-master secret: session := opt || DRNG random, total_len bytes in all
 * (opt_len + 8 <= total_len <= 66, opt_len <= 58). Nothing is returned. */
TRUSTM_MUST_CHECK trustm_status_t trustm_rsa_pms_generate(trustm_device_t *dev, uint16_t session_oid, size_t total_len,
                                                          const uint8_t *opt, size_t opt_len);
TRUSTM_MUST_CHECK trustm_status_t trustm_op_start_rsa_pms_generate(trustm_device_t *dev, uint16_t session_oid,
                                                                   size_t total_len, const uint8_t *opt,
                                                                   size_t opt_len);

/* ---------------------------------------------------------------- SHA-256 (§5.11) */
#define TRUSTM_SHA256_LEN    32u
#define TRUSTM_HASH_CTX_SIZE 209u

/* Exported intermediate context: kept by the caller between setup/update/finish. */
typedef struct trustm_hash_ctx {
    uint16_t len; /* 0: not started */
    uint8_t data[TRUSTM_HASH_CTX_SIZE];
} trustm_hash_ctx_t;

/* One-shot SHA-256 of len bytes (len >= 1; sent as a command sequence above one APDU). */
TRUSTM_MUST_CHECK trustm_status_t trustm_sha256(trustm_device_t *dev, const uint8_t *data, size_t len,
                                                uint8_t digest[TRUSTM_SHA256_LEN]);
TRUSTM_MUST_CHECK trustm_status_t trustm_op_start_sha256(trustm_device_t *dev, const uint8_t *data, size_t len,
                                                         uint8_t digest[TRUSTM_SHA256_LEN]);
/* SHA-256 of bytes offset..offset+len-1 of data object oid (its RD AC applies). */
TRUSTM_MUST_CHECK trustm_status_t trustm_sha256_object(trustm_device_t *dev, uint16_t oid, uint16_t offset,
                                                       uint16_t len, uint8_t digest[TRUSTM_SHA256_LEN]);
TRUSTM_MUST_CHECK trustm_status_t trustm_op_start_sha256_object(trustm_device_t *dev, uint16_t oid, uint16_t offset,
                                                                uint16_t len, uint8_t digest[TRUSTM_SHA256_LEN]);
/* Streaming with context export/import: other hashes may run in between. */
TRUSTM_MUST_CHECK trustm_status_t trustm_sha256_setup(trustm_device_t *dev, trustm_hash_ctx_t *ctx);
TRUSTM_MUST_CHECK trustm_status_t trustm_op_start_sha256_setup(trustm_device_t *dev, trustm_hash_ctx_t *ctx);
TRUSTM_MUST_CHECK trustm_status_t trustm_sha256_update(trustm_device_t *dev, trustm_hash_ctx_t *ctx,
                                                       const uint8_t *data, size_t len);
TRUSTM_MUST_CHECK trustm_status_t trustm_op_start_sha256_update(trustm_device_t *dev, trustm_hash_ctx_t *ctx,
                                                                const uint8_t *data, size_t len);
/* ctx is not modified (it can be finalised again or updated further). */
TRUSTM_MUST_CHECK trustm_status_t trustm_sha256_finish(trustm_device_t *dev, const trustm_hash_ctx_t *ctx,
                                                       uint8_t digest[TRUSTM_SHA256_LEN]);
TRUSTM_MUST_CHECK trustm_status_t trustm_op_start_sha256_finish(trustm_device_t *dev, const trustm_hash_ctx_t *ctx,
                                                                uint8_t digest[TRUSTM_SHA256_LEN]);

/* ---------------------------------------------------------------- symmetric (§5.7, §5.8, §5.17) */
#define TRUSTM_AES128      0x81u
#define TRUSTM_AES192      0x82u
#define TRUSTM_AES256      0x83u
#define TRUSTM_OID_AES_KEY 0xE200u

#define TRUSTM_SYM_ECB     0x08u
#define TRUSTM_SYM_CBC     0x09u
#define TRUSTM_SYM_CBC_MAC 0x0Au
#define TRUSTM_SYM_CMAC    0x0Bu
#define TRUSTM_HMAC_SHA256 0x20u
#define TRUSTM_HMAC_SHA384 0x21u
#define TRUSTM_HMAC_SHA512 0x22u
#define TRUSTM_AES_BLOCK   16u

/* Generate an AES key into key_oid (0xE200) with key usage bits (trustm_metadata.h). */
TRUSTM_MUST_CHECK trustm_status_t trustm_aes_keygen(trustm_device_t *dev, uint16_t key_oid, uint8_t alg, uint8_t usage);
TRUSTM_MUST_CHECK trustm_status_t trustm_op_start_aes_keygen(trustm_device_t *dev, uint16_t key_oid, uint8_t alg,
                                                             uint8_t usage);
/* Generate and export an AES key (16/24/32 bytes). */
TRUSTM_MUST_CHECK trustm_status_t trustm_aes_keygen_export(trustm_device_t *dev, uint8_t alg, uint8_t *key,
                                                           size_t key_size, size_t *key_len);
TRUSTM_MUST_CHECK trustm_status_t trustm_op_start_aes_keygen_export(trustm_device_t *dev, uint8_t alg, uint8_t *key,
                                                                    size_t key_size, size_t *key_len);

/* One-shot encryption / MAC with key key_oid. ECB, CBC, CBC-MAC: len a multiple of 16 (the
 * host pads); CMAC: any len >= 1. iv: CBC only (16 bytes) or NULL. Output: ECB/CBC len bytes,
 * CBC-MAC/CMAC 16 bytes. Inputs longer than one command (<= 640 bytes InData) are sent as a
 * command sequence (start/continue/final on the wire). */
TRUSTM_MUST_CHECK trustm_status_t trustm_sym_encrypt(trustm_device_t *dev, uint16_t key_oid, uint8_t mode,
                                                     const uint8_t *iv, size_t iv_len, const uint8_t *in, size_t len,
                                                     uint8_t *out, size_t out_size, size_t *out_len);
TRUSTM_MUST_CHECK trustm_status_t trustm_op_start_sym_encrypt(trustm_device_t *dev, uint16_t key_oid, uint8_t mode,
                                                              const uint8_t *iv, size_t iv_len, const uint8_t *in,
                                                              size_t len, uint8_t *out, size_t out_size,
                                                              size_t *out_len);
/* One-shot decryption: ECB or CBC, len a multiple of 16. */
TRUSTM_MUST_CHECK trustm_status_t trustm_sym_decrypt(trustm_device_t *dev, uint16_t key_oid, uint8_t mode,
                                                     const uint8_t *iv, size_t iv_len, const uint8_t *in, size_t len,
                                                     uint8_t *out, size_t out_size, size_t *out_len);
TRUSTM_MUST_CHECK trustm_status_t trustm_op_start_sym_decrypt(trustm_device_t *dev, uint16_t key_oid, uint8_t mode,
                                                              const uint8_t *iv, size_t iv_len, const uint8_t *in,
                                                              size_t len, uint8_t *out, size_t out_size,
                                                              size_t *out_len);
/* Streaming (the chip holds one sequence; no other command may come in between):
 *   setup (key, mode, iv, first data) -> update* -> finish.
 * decrypt selects DecryptSym. Data of setup/update must be block multiples for AES modes;
 * finish needs >= 1 byte. Each call may carry any length (chunked like the one-shot form).
 * ECB/CBC output the blocks processed by the call; MACs output nothing until finish (16 bytes,
 * or 32/48/64 for HMAC). out may be NULL with out_size 0 for calls without output. */
TRUSTM_MUST_CHECK trustm_status_t trustm_sym_setup(trustm_device_t *dev, uint16_t key_oid, bool decrypt, uint8_t mode,
                                                   const uint8_t *iv, size_t iv_len, const uint8_t *in, size_t len,
                                                   uint8_t *out, size_t out_size, size_t *out_len);
TRUSTM_MUST_CHECK trustm_status_t trustm_op_start_sym_setup(trustm_device_t *dev, uint16_t key_oid, bool decrypt,
                                                            uint8_t mode, const uint8_t *iv, size_t iv_len,
                                                            const uint8_t *in, size_t len, uint8_t *out,
                                                            size_t out_size, size_t *out_len);
TRUSTM_MUST_CHECK trustm_status_t trustm_sym_update(trustm_device_t *dev, const uint8_t *in, size_t len, uint8_t *out,
                                                    size_t out_size, size_t *out_len);
TRUSTM_MUST_CHECK trustm_status_t trustm_op_start_sym_update(trustm_device_t *dev, const uint8_t *in, size_t len,
                                                             uint8_t *out, size_t out_size, size_t *out_len);
TRUSTM_MUST_CHECK trustm_status_t trustm_sym_finish(trustm_device_t *dev, const uint8_t *in, size_t len, uint8_t *out,
                                                    size_t out_size, size_t *out_len);
TRUSTM_MUST_CHECK trustm_status_t trustm_op_start_sym_finish(trustm_device_t *dev, const uint8_t *in, size_t len,
                                                             uint8_t *out, size_t out_size, size_t *out_len);

/* ---------------------------------------------------------------- HMAC and authorization */
/* HMAC (type TRUSTM_HMAC_*) keyed by a PRESSEC data object or a session secret; any len >= 1.
 * Streaming: trustm_sym_setup(dev, secret, false, TRUSTM_HMAC_SHA256, NULL, 0, ...) etc. */
TRUSTM_MUST_CHECK trustm_status_t trustm_hmac(trustm_device_t *dev, uint16_t secret_oid, uint8_t type,
                                              const uint8_t *in, size_t len, uint8_t *mac, size_t mac_size,
                                              size_t *mac_len);
TRUSTM_MUST_CHECK trustm_status_t trustm_op_start_hmac(trustm_device_t *dev, uint16_t secret_oid, uint8_t type,
                                                       const uint8_t *in, size_t len, uint8_t *mac, size_t mac_size,
                                                       size_t *mac_len);
/* HMAC verification against AUTOREF object autoref_oid: input must begin with the challenge
 * stored in session_oid by trustm_random_to_session(); success sets Auto(autoref_oid).
 * mac_len must be the HMAC size (32/48/64). Failure: DEVICE_ERR(0x2F). */
TRUSTM_MUST_CHECK trustm_status_t trustm_hmac_verify(trustm_device_t *dev, uint16_t autoref_oid, uint16_t session_oid,
                                                     uint8_t type, const uint8_t *input, size_t input_len,
                                                     const uint8_t *mac, size_t mac_len);
TRUSTM_MUST_CHECK trustm_status_t trustm_op_start_hmac_verify(trustm_device_t *dev, uint16_t autoref_oid,
                                                              uint16_t session_oid, uint8_t type, const uint8_t *input,
                                                              size_t input_len, const uint8_t *mac, size_t mac_len);
/* Clear Auto(autoref_oid) with a verification that cannot succeed (as the vendor host); the
 * chip's answer (success or error) is not interpreted, link errors are returned. */
TRUSTM_MUST_CHECK trustm_status_t trustm_auto_state_clear(trustm_device_t *dev, uint16_t autoref_oid);
TRUSTM_MUST_CHECK trustm_status_t trustm_op_start_auto_state_clear(trustm_device_t *dev, uint16_t autoref_oid);

/* ---------------------------------------------------------------- key derivation (§5.15) */
#define TRUSTM_PRF_SHA256  0x01u
#define TRUSTM_PRF_SHA384  0x02u
#define TRUSTM_PRF_SHA512  0x03u
#define TRUSTM_HKDF_SHA256 0x08u
#define TRUSTM_HKDF_SHA384 0x09u
#define TRUSTM_HKDF_SHA512 0x0Au

typedef struct trustm_derive {
    uint8_t alg;          /* TRUSTM_PRF_* or TRUSTM_HKDF_* */
    uint16_t secret_oid;  /* PRESSEC data object or session */
    const uint8_t *label; /* PRF: label; HKDF: salt (label||seed <= 1024 bytes) */
    size_t label_len;
    const uint8_t *seed; /* PRF: seed (required); HKDF: must be NULL */
    size_t seed_len;
    const uint8_t *info; /* HKDF only, <= 256 bytes, NULL = none */
    size_t info_len;
    uint16_t key_len;     /* export: 1..256 (1..15 asked as 16, truncated); session: 16..66 */
    uint16_t session_oid; /* 0: export into out; else store in this session */
} trustm_derive_t;

/* Derive; exported: out gets exactly key_len bytes (out_size >= key_len; *out_len = key_len,
 * out_len may be NULL); stored in a session: out NULL, out_size 0, out_len NULL. */
TRUSTM_MUST_CHECK trustm_status_t trustm_derive_key(trustm_device_t *dev, const trustm_derive_t *p, uint8_t *out,
                                                    size_t out_size, size_t *out_len);
TRUSTM_MUST_CHECK trustm_status_t trustm_op_start_derive_key(trustm_device_t *dev, const trustm_derive_t *p,
                                                             uint8_t *out, size_t out_size, size_t *out_len);
/* Convenience forms (session_oid 0 = export to out): keys (secret, session), parameters (alg,
 * key_len), inputs, output. */
TRUSTM_MUST_CHECK trustm_status_t trustm_tls_prf(trustm_device_t *dev, uint16_t secret_oid, uint16_t session_oid,
                                                 uint8_t alg, uint16_t key_len, const uint8_t *label, size_t label_len,
                                                 const uint8_t *seed, size_t seed_len, uint8_t *out, size_t out_size,
                                                 size_t *out_len);
TRUSTM_MUST_CHECK trustm_status_t trustm_hkdf(trustm_device_t *dev, uint16_t secret_oid, uint16_t session_oid,
                                              uint8_t alg, uint16_t key_len, const uint8_t *salt, size_t salt_len,
                                              const uint8_t *info, size_t info_len, uint8_t *out, size_t out_size,
                                              size_t *out_len);
TRUSTM_MUST_CHECK trustm_status_t trustm_op_start_tls_prf(trustm_device_t *dev, uint16_t secret_oid,
                                                          uint16_t session_oid, uint8_t alg, uint16_t key_len,
                                                          const uint8_t *label, size_t label_len, const uint8_t *seed,
                                                          size_t seed_len, uint8_t *out, size_t out_size,
                                                          size_t *out_len);
TRUSTM_MUST_CHECK trustm_status_t trustm_op_start_hkdf(trustm_device_t *dev, uint16_t secret_oid, uint16_t session_oid,
                                                       uint8_t alg, uint16_t key_len, const uint8_t *salt,
                                                       size_t salt_len, const uint8_t *info, size_t info_len,
                                                       uint8_t *out, size_t out_size, size_t *out_len);

/* ---------------------------------------------------------------- RSA (§5.9-5.13, §5.16) */
#define TRUSTM_RSA1024          0x41u
#define TRUSTM_RSA2048          0x42u
#define TRUSTM_OID_RSA_KEY_1    0xE0FCu
#define TRUSTM_OID_RSA_KEY_2    0xE0FDu
#define TRUSTM_RSA_PKCS1_SHA256 0x01u
#define TRUSTM_RSA_PKCS1_SHA384 0x02u
#define TRUSTM_RSA_PKCS1_SHA512 0x03u
#define TRUSTM_RSA_PUBKEY_MAX   280u /* DER BIT STRING of an RSA-2048 key (276 typical) */
#define TRUSTM_RSA_PRIVKEY_MAX  264u /* DER OCTET STRING of an RSA-2048 private exponent */
#define TRUSTM_RSA_MAX_BYTES    256u

/* Public key as the chip uses it: DER BIT STRING { SEQUENCE { INTEGER n, INTEGER e } }. */
typedef struct trustm_rsa_pubkey {
    const uint8_t *modulus; /* big-endian, without leading zero */
    size_t modulus_len;
    const uint8_t *exponent; /* big-endian, without leading zeros */
    size_t exponent_len;
} trustm_rsa_pubkey_t;
/* Pure: parse / build the DER BIT STRING (strict DER lengths; the pointers point into der). */
TRUSTM_MUST_CHECK trustm_status_t trustm_rsa_pubkey_decode(const uint8_t *der, size_t len, trustm_rsa_pubkey_t *pk);
/* Exponent emitted as 4 bytes (00 01 00 01) like the SRM example when it fits in 4 bytes. */
TRUSTM_MUST_CHECK trustm_status_t trustm_rsa_pubkey_encode(const trustm_rsa_pubkey_t *pk, uint8_t *out, size_t out_size,
                                                           size_t *out_len);

/* Key pair into key_oid (E0FC/E0FD, or a session OID) with key usage; the public key (DER BIT
 * STRING, validated with trustm_rsa_pubkey_decode and against the key size) is returned. */
TRUSTM_MUST_CHECK trustm_status_t trustm_rsa_keygen(trustm_device_t *dev, uint16_t key_oid, uint8_t alg, uint8_t usage,
                                                    uint8_t *pub, size_t pub_size, size_t *pub_len);
TRUSTM_MUST_CHECK trustm_status_t trustm_op_start_rsa_keygen(trustm_device_t *dev, uint16_t key_oid, uint8_t alg,
                                                             uint8_t usage, uint8_t *pub, size_t pub_size,
                                                             size_t *pub_len);
/* Key pair exported: private exponent (DER OCTET STRING) and public key. */
TRUSTM_MUST_CHECK trustm_status_t trustm_rsa_keygen_export(trustm_device_t *dev, uint8_t alg, uint8_t *priv,
                                                           size_t priv_size, size_t *priv_len, uint8_t *pub,
                                                           size_t pub_size, size_t *pub_len);
TRUSTM_MUST_CHECK trustm_status_t trustm_op_start_rsa_keygen_export(trustm_device_t *dev, uint8_t alg, uint8_t *priv,
                                                                    size_t priv_size, size_t *priv_len, uint8_t *pub,
                                                                    size_t pub_size, size_t *pub_len);
/* PKCS#1 v1.5 signature of a digest (32/48/64 bytes for scheme SHA256/384/512); the signature
 * is the key size (128 or 256 bytes). */
TRUSTM_MUST_CHECK trustm_status_t trustm_rsa_sign(trustm_device_t *dev, uint16_t key_oid, uint8_t scheme,
                                                  const uint8_t *digest, size_t digest_len, uint8_t *sig,
                                                  size_t sig_size, size_t *sig_len);
TRUSTM_MUST_CHECK trustm_status_t trustm_op_start_rsa_sign(trustm_device_t *dev, uint16_t key_oid, uint8_t scheme,
                                                           const uint8_t *digest, size_t digest_len, uint8_t *sig,
                                                           size_t sig_size, size_t *sig_len);
/* Verify with a host public key (alg RSA1024/2048, DER BIT STRING) ... */
TRUSTM_MUST_CHECK trustm_status_t trustm_rsa_verify(trustm_device_t *dev, const uint8_t *pub, size_t pub_len,
                                                    uint8_t alg, uint8_t scheme, const uint8_t *digest,
                                                    size_t digest_len, const uint8_t *sig, size_t sig_len);
TRUSTM_MUST_CHECK trustm_status_t trustm_op_start_rsa_verify(trustm_device_t *dev, const uint8_t *pub, size_t pub_len,
                                                             uint8_t alg, uint8_t scheme, const uint8_t *digest,
                                                             size_t digest_len, const uint8_t *sig, size_t sig_len);
/* ... or with the certificate in data object cert_oid. Invalid signature: DEVICE_ERR(0x2C). */
TRUSTM_MUST_CHECK trustm_status_t trustm_rsa_verify_cert(trustm_device_t *dev, uint16_t cert_oid, uint8_t scheme,
                                                         const uint8_t *digest, size_t digest_len, const uint8_t *sig,
                                                         size_t sig_len);
TRUSTM_MUST_CHECK trustm_status_t trustm_op_start_rsa_verify_cert(trustm_device_t *dev, uint16_t cert_oid,
                                                                  uint8_t scheme, const uint8_t *digest,
                                                                  size_t digest_len, const uint8_t *sig,
                                                                  size_t sig_len);

/* Encryption key: host key (pub != NULL, alg) or certificate object (pub NULL, cert_oid). */
typedef struct trustm_rsa_key_src {
    uint16_t cert_oid;
    uint8_t alg;
    const uint8_t *pub;
    size_t pub_len;
} trustm_rsa_key_src_t;

/* RSAES-PKCS1-v1.5 of a host message (<= key size - 11) or of a session's content
 * (session_oid, msg NULL). Output: key-size ciphertext. */
TRUSTM_MUST_CHECK trustm_status_t trustm_rsa_encrypt(trustm_device_t *dev, const trustm_rsa_key_src_t *key,
                                                     const uint8_t *msg, size_t msg_len, uint8_t *out, size_t out_size,
                                                     size_t *out_len);
TRUSTM_MUST_CHECK trustm_status_t trustm_op_start_rsa_encrypt(trustm_device_t *dev, const trustm_rsa_key_src_t *key,
                                                              const uint8_t *msg, size_t msg_len, uint8_t *out,
                                                              size_t out_size, size_t *out_len);
TRUSTM_MUST_CHECK trustm_status_t trustm_rsa_encrypt_session(trustm_device_t *dev, const trustm_rsa_key_src_t *key,
                                                             uint16_t session_oid, uint8_t *out, size_t out_size,
                                                             size_t *out_len);
TRUSTM_MUST_CHECK trustm_status_t trustm_op_start_rsa_encrypt_session(trustm_device_t *dev,
                                                                      const trustm_rsa_key_src_t *key,
                                                                      uint16_t session_oid, uint8_t *out,
                                                                      size_t out_size, size_t *out_len);
/* Decrypt ct (key size bytes) with key_oid and export the plaintext ... */
TRUSTM_MUST_CHECK trustm_status_t trustm_rsa_decrypt(trustm_device_t *dev, uint16_t key_oid, const uint8_t *ct,
                                                     size_t ct_len, uint8_t *out, size_t out_size, size_t *out_len);
TRUSTM_MUST_CHECK trustm_status_t trustm_op_start_rsa_decrypt(trustm_device_t *dev, uint16_t key_oid, const uint8_t *ct,
                                                              size_t ct_len, uint8_t *out, size_t out_size,
                                                              size_t *out_len);
/* ... or keep it in session_oid (usable as DeriveKey secret). */
TRUSTM_MUST_CHECK trustm_status_t trustm_rsa_decrypt_to_session(trustm_device_t *dev, uint16_t key_oid,
                                                                uint16_t session_oid, const uint8_t *ct, size_t ct_len);
TRUSTM_MUST_CHECK trustm_status_t trustm_op_start_rsa_decrypt_to_session(trustm_device_t *dev, uint16_t key_oid,
                                                                         uint16_t session_oid, const uint8_t *ct,
                                                                         size_t ct_len);

#ifdef __cplusplus
}
#endif
#endif /* TRUSTM_CRYPT_H */
