/*
 * pu_dataset.h - protected update data set (manifest + fragments) builder and parser.
 *
 * Contract: docs/protected-update-tool.md (the project's protected-update specification was the
 * design's source). The builder reproduces the vendor tool's bytes:
 * CBOR layout of §3/§4/§5.4, key payload TLVs of §5.1, fragmenting and hash chaining of §5.2,
 * AES-CCM-16-64-128 with the TLS-1.2 PRF key derivation of §5.3, and the Sig_structure with the
 * byte-string context "Signature1" of §6.1. Crypto is mbedTLS 2.28. No heap in this module
 * (the mbedTLS key contexts are the caller's).
 */
#ifndef PU_DATASET_H
#define PU_DATASET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mbedtls/pk.h>

#define PU_FRAGMENT_MAX      640u /* bytes per fragment (all but the last are exactly this) */
#define PU_DIGEST_SIZE       32u
#define PU_CHUNK_PLAIN       608u /* payload bytes per fragment without confidentiality */
#define PU_CHUNK_CONF        600u /* ... with confidentiality (plus the 8-byte CCM tag)  */
#define PU_CCM_TAG_SIZE      8u
#define PU_MAX_PAYLOAD       1728u /* largest object of the chip (objects.md: C4 = 1728)    */
#define PU_MAX_FRAGMENTS     ((PU_MAX_PAYLOAD + PU_CHUNK_CONF - 1u) / PU_CHUNK_CONF)
#define PU_FRAGMENTS_MAX_LEN (PU_MAX_FRAGMENTS * PU_FRAGMENT_MAX)
#define PU_SIG_MAX           512u /* RSA-4096 would be 512; the tool signs with up to RSA-2048 */
#define PU_MANIFEST_MAX      1024u
#define PU_TBS_MAX           320u
#define PU_COUID_SIZE        25u
#define PU_SECRET_MAX        64u
#define PU_LABEL_MAX         32u
#define PU_SEED_MIN          16u
#define PU_SEED_MAX          64u
#define PU_KDF_OUT           27u /* 16-byte AES key + 11-byte nonce prefix */

/* COSE algorithm values. */
#define PU_ALG_RSA_PKCS1_SHA256     (-65700)
#define PU_ALG_ES256                (-7)
#define PU_ALG_AES_CCM_16_64_128    10
#define PU_ALG_KDF_TLS12_PRF_SHA256 (-65720)
#define PU_DIGEST_SHA256            41

/* Payload types (Trust_resource.type). */
#define PU_TYPE_DATA     (-1)
#define PU_TYPE_METADATA (-2)
#define PU_TYPE_KEY      (-3)

/* Key algorithm codes (additionalInfo of a key payload). */
#define PU_KEY_ECC_P256  0x03u
#define PU_KEY_ECC_P384  0x04u
#define PU_KEY_ECC_P521  0x05u
#define PU_KEY_ECC_BP256 0x13u
#define PU_KEY_ECC_BP384 0x15u
#define PU_KEY_ECC_BP512 0x16u
#define PU_KEY_RSA1024   0x41u
#define PU_KEY_RSA2048   0x42u
#define PU_KEY_AES128    0x81u
#define PU_KEY_AES192    0x82u
#define PU_KEY_AES256    0x83u

/* Everything that goes into one data set. Pointers are borrowed for the duration of pu_build(). */
typedef struct pu_params {
    uint16_t payload_version; /* < 0x8000 */
    uint16_t trust_anchor_oid;
    uint16_t target_oid;
    const uint8_t *couid;  /* NULL: broadcast; else PU_COUID_SIZE bytes */
    int payload_type;      /* PU_TYPE_* */
    uint32_t info1, info2; /* additionalInfo: offset/write_type, key_algo/key_usage, content_reset/0 */
    const uint8_t *payload;
    size_t payload_len;
    /* Confidentiality (conf == true). */
    bool conf;
    const uint8_t *secret;
    size_t secret_len;
    uint16_t secret_oid;
    const char *label;
    size_t label_len;
    const uint8_t *seed;
    size_t seed_len;
} pu_params_t;

typedef struct pu_signer {
    mbedtls_pk_context *key; /* RSA or EC private key */
    int cose_alg;            /* PU_ALG_RSA_PKCS1_SHA256 or PU_ALG_ES256 */
    /* RNG for RSA blinding / ECDSA blinding (the signatures themselves are deterministic). */
    int (*f_rng)(void *, unsigned char *, size_t);
    void *p_rng;
} pu_signer_t;

typedef struct pu_dataset {
    uint8_t manifest[PU_MANIFEST_MAX];
    size_t manifest_len;
    uint8_t tbs[PU_TBS_MAX]; /* the Sig_structure that was signed */
    size_t tbs_len;
    uint8_t signature[PU_SIG_MAX];
    size_t sig_len;
    uint8_t fragments[PU_FRAGMENTS_MAX_LEN]; /* F1 || F2 || ... */
    size_t fragments_len;
    size_t n_fragments;
    uint8_t digest1[PU_DIGEST_SIZE]; /* SHA-256(F1), as in the manifest */
} pu_dataset_t;

/* Result codes of this module. */
typedef enum pu_err {
    PU_OK = 0,
    PU_ERR_PARAM,     /* a parameter is out of range (message says which) */
    PU_ERR_TOO_LARGE, /* payload, manifest payload or output does not fit */
    PU_ERR_KEY,       /* key of the wrong type / size for the request */
    PU_ERR_CRYPTO,    /* mbedTLS failed */
    PU_ERR_FORMAT     /* (parser) input is not a valid data set */
} pu_err_t;

/* Build the whole data set. On failure *msg (if not NULL) points to a static English reason. */
pu_err_t pu_build(const pu_params_t *p, const pu_signer_t *signer, pu_dataset_t *ds, const char **msg);

/* Building blocks (exposed for tests). */
pu_err_t pu_kdf_tls12_prf_sha256(const uint8_t *secret, size_t secret_len, const char *label, size_t label_len,
                                 const uint8_t *seed, size_t seed_len, uint8_t *out, size_t out_len);
/* Fragments only (fills fragments, fragments_len, n_fragments, digest1). */
pu_err_t pu_build_fragments(const pu_params_t *p, pu_dataset_t *ds, const char **msg);
/* Trust_manifest (the payload bstr content) into buf. */
pu_err_t pu_encode_trust_manifest(const pu_params_t *p, const uint8_t digest1[PU_DIGEST_SIZE], uint8_t *buf,
                                  size_t size, size_t *len, const char **msg);
/* Sig_structure = [ h'Signature1', protected, h'', payload ] from the encoded protected-header bstr
 * and the encoded payload bstr (both including their CBOR heads). */
pu_err_t pu_encode_sig_structure(const uint8_t *prot, size_t prot_len, const uint8_t *payload, size_t payload_len,
                                 uint8_t *buf, size_t size, size_t *len);

/* Key payloads (§5.1). */
pu_err_t pu_key_payload_aes(unsigned key_algo, const uint8_t *key, size_t key_len, uint8_t *out, size_t size,
                            size_t *len, const char **msg);
/* RSA or EC private key from an mbedTLS context; checks it matches key_algo. */
pu_err_t pu_key_payload_pk(unsigned key_algo, mbedtls_pk_context *pk, uint8_t *out, size_t size, size_t *len,
                           const char **msg);

/* ---------------------------------------------------------------- parser (strict CBOR) */

typedef struct pu_manifest_info {
    int sign_alg;
    uint16_t trust_anchor_oid;
    const uint8_t *payload_bstr; /* the "58 LL ..." payload item within the manifest */
    size_t payload_bstr_len;
    const uint8_t *prot_bstr; /* the protected-header item within the manifest */
    size_t prot_bstr_len;
    int payload_type;
    uint64_t payload_size;
    uint64_t payload_version;
    uint64_t info1, info2;
    const uint8_t *digest1; /* 32 bytes */
    bool conf;
    uint16_t secret_oid;
    const uint8_t *label;
    size_t label_len;
    const uint8_t *seed;
    size_t seed_len;
    const uint8_t *couid; /* NULL = broadcast */
    size_t couid_len;
    uint16_t target_oid;
    const uint8_t *signature;
    size_t sig_len;
} pu_manifest_info_t;

/* Parse a manifest strictly (shape of §3-§5.4, shortest-form CBOR, no trailing bytes). */
pu_err_t pu_parse_manifest(const uint8_t *m, size_t len, pu_manifest_info_t *info, const char **msg);
/* Verify the manifest signature with a public (or private) key. */
pu_err_t pu_verify_manifest(const pu_manifest_info_t *info, mbedtls_pk_context *pub, const char **msg);
/* Check the fragment chain against the manifest and, with confidentiality, decrypt into plain
 * (plain_size >= payload size). */
pu_err_t pu_open_fragments(const pu_manifest_info_t *info, const uint8_t *secret, size_t secret_len,
                           const uint8_t *frags, size_t frags_len, uint8_t *plain, size_t plain_size, size_t *plain_len,
                           const char **msg);

#endif /* PU_DATASET_H */
