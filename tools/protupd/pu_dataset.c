/*
 * pu_dataset.c - protected update data set builder and parser (see pu_dataset.h).
 */
#include "pu_dataset.h"

#include <string.h>

#include <mbedtls/bignum.h>
#include <mbedtls/ccm.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/ecp.h>
#include <mbedtls/md.h>
#include <mbedtls/rsa.h>
#include <mbedtls/sha256.h>

#include "trustm_bytes.h"
#include "trustm_cbor.h"

#define SET_MSG(m)                                                                                                     \
    do {                                                                                                               \
        if (msg != NULL)                                                                                               \
            *msg = (m);                                                                                                \
    } while (0)

static const uint8_t k_sig_context[10] = {'S', 'i', 'g', 'n', 'a', 't', 'u', 'r', 'e', '1'};

static pu_err_t sha256(const uint8_t *p, size_t n, uint8_t out[PU_DIGEST_SIZE])
{
    return mbedtls_sha256_ret(p, n, out, 0) == 0 ? PU_OK : PU_ERR_CRYPTO;
}

/* ---------------------------------------------------------------- KDF (§5.3 step 1) */

pu_err_t pu_kdf_tls12_prf_sha256(const uint8_t *secret, size_t secret_len, const char *label, size_t label_len,
                                 const uint8_t *seed, size_t seed_len, uint8_t *out, size_t out_len)
{
    const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    mbedtls_md_context_t ctx;
    uint8_t a[PU_DIGEST_SIZE];
    uint8_t block[PU_DIGEST_SIZE];
    pu_err_t rc = PU_ERR_CRYPTO;
    size_t done = 0;

    mbedtls_md_init(&ctx);
    if (md == NULL || mbedtls_md_setup(&ctx, md, 1) != 0)
        goto out;
    /* A(1) = HMAC(secret, label || seed) */
    if (mbedtls_md_hmac_starts(&ctx, secret, secret_len) != 0 ||
        mbedtls_md_hmac_update(&ctx, (const uint8_t *)label, label_len) != 0 ||
        mbedtls_md_hmac_update(&ctx, seed, seed_len) != 0 || mbedtls_md_hmac_finish(&ctx, a) != 0)
        goto out;
    while (done < out_len) {
        /* block = HMAC(secret, A(i) || label || seed); A(i+1) = HMAC(secret, A(i)) */
        if (mbedtls_md_hmac_reset(&ctx) != 0 || mbedtls_md_hmac_update(&ctx, a, sizeof a) != 0 ||
            mbedtls_md_hmac_update(&ctx, (const uint8_t *)label, label_len) != 0 ||
            mbedtls_md_hmac_update(&ctx, seed, seed_len) != 0 || mbedtls_md_hmac_finish(&ctx, block) != 0)
            goto out;
        size_t n = out_len - done < sizeof block ? out_len - done : sizeof block;
        memcpy(out + done, block, n);
        done += n;
        if (mbedtls_md_hmac_reset(&ctx) != 0 || mbedtls_md_hmac_update(&ctx, a, sizeof a) != 0 ||
            mbedtls_md_hmac_finish(&ctx, a) != 0)
            goto out;
    }
    rc = PU_OK;
out:
    mbedtls_md_free(&ctx);
    trustm_wipe(a, sizeof a);
    trustm_wipe(block, sizeof block);
    return rc;
}

/* ---------------------------------------------------------------- key payloads (§5.1) */

static void put_tlv(uint8_t *out, size_t *pos, uint8_t tag, uint16_t len)
{
    out[*pos] = tag;
    trustm_be16_put(out + *pos + 1, len);
    *pos += 3;
}

pu_err_t pu_key_payload_aes(unsigned key_algo, const uint8_t *key, size_t key_len, uint8_t *out, size_t size,
                            size_t *len, const char **msg)
{
    size_t want = key_algo == PU_KEY_AES128   ? 16u
                  : key_algo == PU_KEY_AES192 ? 24u
                  : key_algo == PU_KEY_AES256 ? 32u
                                              : 0u;
    if (want == 0) {
        SET_MSG("key algorithm is not an AES algorithm (129, 130 or 131)");
        return PU_ERR_KEY;
    }
    if (key_len != want) {
        SET_MSG(want == 16   ? "AES key must be 16 bytes for key_algo 129 (AES-128)"
                : want == 24 ? "AES key must be 24 bytes for key_algo 130 (AES-192)"
                             : "AES key must be 32 bytes for key_algo 131 (AES-256)");
        return PU_ERR_KEY;
    }
    if (size < 3u + want) {
        SET_MSG("output buffer too small");
        return PU_ERR_TOO_LARGE;
    }
    size_t pos = 0;
    put_tlv(out, &pos, 0x01, (uint16_t)want);
    memcpy(out + pos, key, want);
    *len = pos + want;
    return PU_OK;
}

static int ecc_algo_of(mbedtls_ecp_group_id id)
{
    switch (id) {
    case MBEDTLS_ECP_DP_SECP256R1:
        return PU_KEY_ECC_P256;
    case MBEDTLS_ECP_DP_SECP384R1:
        return PU_KEY_ECC_P384;
    case MBEDTLS_ECP_DP_SECP521R1:
        return PU_KEY_ECC_P521;
    case MBEDTLS_ECP_DP_BP256R1:
        return PU_KEY_ECC_BP256;
    case MBEDTLS_ECP_DP_BP384R1:
        return PU_KEY_ECC_BP384;
    case MBEDTLS_ECP_DP_BP512R1:
        return PU_KEY_ECC_BP512;
    default:
        return -1;
    }
}

pu_err_t pu_key_payload_pk(unsigned key_algo, mbedtls_pk_context *pk, uint8_t *out, size_t size, size_t *len,
                           const char **msg)
{
    if (mbedtls_pk_get_type(pk) == MBEDTLS_PK_RSA) {
        mbedtls_rsa_context *rsa = mbedtls_pk_rsa(*pk);
        size_t bits = mbedtls_pk_get_bitlen(pk);
        size_t nb = key_algo == PU_KEY_RSA1024 ? 128u : key_algo == PU_KEY_RSA2048 ? 256u : 0u;
        if (nb == 0) {
            SET_MSG("key file holds an RSA key but key_algo is not 65 (RSA-1024) or 66 (RSA-2048)");
            return PU_ERR_KEY;
        }
        if (bits != nb * 8u) {
            SET_MSG(nb == 128 ? "RSA key is not 1024 bits as key_algo 65 requires"
                              : "RSA key is not 2048 bits as key_algo 66 requires");
            return PU_ERR_KEY;
        }
        if (size < 3u * 3u + 2u * nb + 4u) {
            SET_MSG("output buffer too small");
            return PU_ERR_TOO_LARGE;
        }
        size_t pos = 0;
        put_tlv(out, &pos, 0x01, (uint16_t)nb);
        uint8_t *d = out + pos;
        pos += nb;
        put_tlv(out, &pos, 0x02, (uint16_t)nb);
        uint8_t *n = out + pos;
        pos += nb;
        put_tlv(out, &pos, 0x03, 4);
        uint8_t *e = out + pos;
        pos += 4;
        if (mbedtls_rsa_export_raw(rsa, n, nb, NULL, 0, NULL, 0, d, nb, e, 4) != 0) {
            SET_MSG("cannot export the RSA key (public exponent larger than 4 bytes?)");
            return PU_ERR_KEY;
        }
        *len = pos;
        return PU_OK;
    }
    if (mbedtls_pk_get_type(pk) == MBEDTLS_PK_ECKEY) {
        mbedtls_ecp_keypair *ec = mbedtls_pk_ec(*pk);
        int algo = ecc_algo_of(ec->grp.id);
        if (algo < 0) {
            SET_MSG("EC key is on a curve the chip does not support");
            return PU_ERR_KEY;
        }
        if ((unsigned)algo != key_algo) {
            SET_MSG(
                "EC key curve does not match key_algo (3 P-256, 4 P-384, 5 P-521, 19 BP-256, 21 BP-384, 22 BP-512)");
            return PU_ERR_KEY;
        }
        size_t cs = (ec->grp.pbits + 7u) / 8u;
        if (size < 6u + 3u * cs) {
            SET_MSG("output buffer too small");
            return PU_ERR_TOO_LARGE;
        }
        size_t pos = 0;
        put_tlv(out, &pos, 0x01, (uint16_t)cs);
        if (mbedtls_mpi_write_binary(&ec->d, out + pos, cs) != 0) {
            SET_MSG("cannot export the EC private key");
            return PU_ERR_KEY;
        }
        pos += cs;
        put_tlv(out, &pos, 0x02, (uint16_t)(2u * cs));
        uint8_t pt[1 + 2 * 66];
        size_t olen = 0;
        if (mbedtls_ecp_point_write_binary(&ec->grp, &ec->Q, MBEDTLS_ECP_PF_UNCOMPRESSED, &olen, pt, sizeof pt) != 0 ||
            olen != 1u + 2u * cs) {
            SET_MSG("cannot export the EC public key");
            return PU_ERR_KEY;
        }
        memcpy(out + pos, pt + 1, 2u * cs);
        pos += 2u * cs;
        *len = pos;
        return PU_OK;
    }
    SET_MSG("key file holds neither an RSA nor an EC private key");
    return PU_ERR_KEY;
}

/* ---------------------------------------------------------------- fragments (§5.2, §5.3) */

static void aad_for(uint8_t aad[8], uint16_t version, size_t offset, size_t total)
{
    trustm_be16_put(aad, version);
    aad[2] = (uint8_t)(offset >> 16);
    aad[3] = (uint8_t)(offset >> 8);
    aad[4] = (uint8_t)offset;
    aad[5] = (uint8_t)(total >> 16);
    aad[6] = (uint8_t)(total >> 8);
    aad[7] = (uint8_t)total;
}

static pu_err_t check_params(const pu_params_t *p, const char **msg)
{
    if (p->payload_version > 0x7FFFu) {
        SET_MSG("payload version must be below 32768 (0x8000)");
        return PU_ERR_PARAM;
    }
    if (p->payload_type != PU_TYPE_DATA && p->payload_type != PU_TYPE_METADATA && p->payload_type != PU_TYPE_KEY) {
        SET_MSG("payload type must be data, key or metadata");
        return PU_ERR_PARAM;
    }
    if (p->payload == NULL || p->payload_len == 0) {
        SET_MSG("payload is empty");
        return PU_ERR_PARAM;
    }
    if (p->payload_len > PU_MAX_PAYLOAD) {
        SET_MSG("payload too large (more than 1728 bytes, the largest object of the chip)");
        return PU_ERR_TOO_LARGE;
    }
    if (p->payload_type == PU_TYPE_DATA && (uint64_t)p->info1 + p->payload_len > PU_MAX_PAYLOAD) {
        SET_MSG("offset + payload length exceeds 1728 bytes, the largest object of the chip");
        return PU_ERR_TOO_LARGE;
    }
    if (p->conf) {
        if (p->secret == NULL || p->secret_len == 0 || p->secret_len > PU_SECRET_MAX) {
            SET_MSG("shared secret must be 1..64 bytes");
            return PU_ERR_PARAM;
        }
        if (p->label == NULL || p->label_len == 0 || p->label_len > PU_LABEL_MAX) {
            SET_MSG("label length is not in range 1..32");
            return PU_ERR_PARAM;
        }
        if (p->seed == NULL || p->seed_len < PU_SEED_MIN || p->seed_len > PU_SEED_MAX) {
            SET_MSG("seed length is not in range 16..64");
            return PU_ERR_PARAM;
        }
    }
    return PU_OK;
}

pu_err_t pu_build_fragments(const pu_params_t *p, pu_dataset_t *ds, const char **msg)
{
    pu_err_t rc = check_params(p, msg);
    if (rc != PU_OK)
        return rc;
    size_t chunk = p->conf ? PU_CHUNK_CONF : PU_CHUNK_PLAIN;
    size_t n = (p->payload_len + chunk - 1u) / chunk;
    uint8_t kdf[PU_KDF_OUT];
    mbedtls_ccm_context ccm;

    mbedtls_ccm_init(&ccm);
    if (p->conf) {
        if (pu_kdf_tls12_prf_sha256(p->secret, p->secret_len, p->label, p->label_len, p->seed, p->seed_len, kdf,
                                    sizeof kdf) != PU_OK ||
            mbedtls_ccm_setkey(&ccm, MBEDTLS_CIPHER_ID_AES, kdf, 128) != 0) {
            SET_MSG("key derivation / AES-CCM setup failed");
            rc = PU_ERR_CRYPTO;
            goto out;
        }
    }
    /* Place C1..Cn at their final positions (every fragment but the last is exactly 640 bytes). */
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        size_t off = i * chunk;
        size_t plen = p->payload_len - off < chunk ? p->payload_len - off : chunk;
        uint8_t *dst = ds->fragments + i * PU_FRAGMENT_MAX;
        if (p->conf) {
            uint8_t nonce[13];
            uint8_t aad[8];
            memcpy(nonce, kdf + 16, 11);
            trustm_be16_put(nonce + 11, (uint16_t)(i + 1u));
            aad_for(aad, p->payload_version, off, p->payload_len);
            if (mbedtls_ccm_encrypt_and_tag(&ccm, plen, nonce, sizeof nonce, aad, sizeof aad, p->payload + off, dst,
                                            dst + plen, PU_CCM_TAG_SIZE) != 0) {
                SET_MSG("AES-CCM encryption failed");
                rc = PU_ERR_CRYPTO;
                goto out;
            }
            plen += PU_CCM_TAG_SIZE;
        } else {
            memcpy(dst, p->payload + off, plen);
        }
        total = i * PU_FRAGMENT_MAX + plen; /* the last fragment determines the stream length */
    }
    /* Chain from the last fragment to the first: Fi = Ci || SHA-256(F(i+1)). */
    for (size_t i = n - 1u; i > 0; i--) {
        size_t start = i * PU_FRAGMENT_MAX;
        size_t flen = (i == n - 1u) ? total - start : PU_FRAGMENT_MAX;
        if (sha256(ds->fragments + start, flen, ds->fragments + start - PU_DIGEST_SIZE) != PU_OK) {
            SET_MSG("SHA-256 failed");
            rc = PU_ERR_CRYPTO;
            goto out;
        }
    }
    ds->fragments_len = total;
    ds->n_fragments = n;
    if (sha256(ds->fragments, n > 1 ? PU_FRAGMENT_MAX : total, ds->digest1) != PU_OK) {
        SET_MSG("SHA-256 failed");
        rc = PU_ERR_CRYPTO;
        goto out;
    }
    rc = PU_OK;
out:
    mbedtls_ccm_free(&ccm);
    trustm_wipe(kdf, sizeof kdf);
    return rc;
}

/* ---------------------------------------------------------------- manifest (§3, §4, §5.4) */

pu_err_t pu_encode_trust_manifest(const pu_params_t *p, const uint8_t digest1[PU_DIGEST_SIZE], uint8_t *buf,
                                  size_t size, size_t *len, const char **msg)
{
    trustm_cbor_enc_t e;
    uint8_t digest_info[40];
    uint8_t recipient[128];
    trustm_cbor_enc_t di;
    trustm_cbor_enc_t rp;

    /* IFX_DigestInfo = [41, bstr(32)] */
    trustm_cbor_enc_init(&di, digest_info, sizeof digest_info);
    trustm_cbor_put_array(&di, 2);
    trustm_cbor_put_uint(&di, PU_DIGEST_SHA256);
    trustm_cbor_put_bstr(&di, digest1, PU_DIGEST_SIZE);

    trustm_cbor_enc_init(&e, buf, size);
    trustm_cbor_put_array(&e, 6);
    trustm_cbor_put_uint(&e, 1); /* manifestVersion */
    trustm_cbor_put_null(&e);    /* preConditions */
    trustm_cbor_put_null(&e);    /* postConditions */
    /* Trust_resource */
    trustm_cbor_put_array(&e, 4);
    trustm_cbor_put_int(&e, p->payload_type);
    trustm_cbor_put_uint(&e, p->payload_len);
    trustm_cbor_put_uint(&e, p->payload_version);
    trustm_cbor_put_array(&e, 2);
    trustm_cbor_put_uint(&e, p->info1);
    trustm_cbor_put_uint(&e, p->info2);
    /* Trust_processors */
    trustm_cbor_put_array(&e, 2);
    trustm_cbor_put_array(&e, 2);
    trustm_cbor_put_int(&e, -1);
    trustm_cbor_put_bstr(&e, digest_info, di.len);
    if (!p->conf) {
        trustm_cbor_put_null(&e);
    } else {
        uint8_t oid[2];
        trustm_be16_put(oid, p->secret_oid);
        trustm_cbor_enc_init(&rp, recipient, sizeof recipient);
        trustm_cbor_put_map(&rp, 3);
        trustm_cbor_put_uint(&rp, 4);
        trustm_cbor_put_bstr(&rp, oid, 2);
        trustm_cbor_put_uint(&rp, 1);
        trustm_cbor_put_int(&rp, PU_ALG_KDF_TLS12_PRF_SHA256);
        trustm_cbor_put_uint(&rp, 5);
        trustm_cbor_put_array(&rp, 2);
        trustm_cbor_put_bstr(&rp, (const uint8_t *)p->label, p->label_len);
        trustm_cbor_put_bstr(&rp, p->seed, p->seed_len);
        if (!trustm_cbor_enc_ok(&rp)) {
            SET_MSG("recipient header too large");
            return PU_ERR_TOO_LARGE;
        }
        static const uint8_t enc_prot[3] = {0xA1, 0x01, PU_ALG_AES_CCM_16_64_128};
        trustm_cbor_put_array(&e, 2);
        trustm_cbor_put_uint(&e, 1); /* process: decrypt */
        trustm_cbor_put_array(&e, 3);
        trustm_cbor_put_bstr(&e, enc_prot, sizeof enc_prot);
        trustm_cbor_put_array(&e, 1);
        trustm_cbor_put_array(&e, 2);
        trustm_cbor_put_bstr_hdr8(&e, rp.len);
        trustm_cbor_put_raw(&e, recipient, rp.len);
        trustm_cbor_put_null(&e); /* recipient ciphertext */
        trustm_cbor_put_null(&e); /* COSE_Encrypt AdditionalInfo */
    }
    /* Trust_target */
    {
        uint8_t oid[2];
        trustm_be16_put(oid, p->target_oid);
        trustm_cbor_put_array(&e, 2);
        trustm_cbor_put_bstr(&e, p->couid, p->couid != NULL ? PU_COUID_SIZE : 0u);
        trustm_cbor_put_bstr(&e, oid, 2);
    }
    if (!trustm_cbor_enc_ok(&e)) {
        SET_MSG("manifest payload too large");
        return PU_ERR_TOO_LARGE;
    }
    *len = e.len;
    return PU_OK;
}

pu_err_t pu_encode_sig_structure(const uint8_t *prot, size_t prot_len, const uint8_t *payload, size_t payload_len,
                                 uint8_t *buf, size_t size, size_t *len)
{
    trustm_cbor_enc_t e;
    trustm_cbor_enc_init(&e, buf, size);
    trustm_cbor_put_array(&e, 4);
    trustm_cbor_put_bstr(&e, k_sig_context, sizeof k_sig_context); /* byte string, not text: §6.1 */
    trustm_cbor_put_raw(&e, prot, prot_len);
    trustm_cbor_put_bstr(&e, NULL, 0);
    trustm_cbor_put_raw(&e, payload, payload_len);
    if (!trustm_cbor_enc_ok(&e))
        return PU_ERR_TOO_LARGE;
    *len = e.len;
    return PU_OK;
}

static size_t prot_header(int alg, uint8_t out[8])
{
    trustm_cbor_enc_t e;
    uint8_t inner[8];
    trustm_cbor_enc_init(&e, inner, sizeof inner);
    trustm_cbor_put_map(&e, 1);
    trustm_cbor_put_uint(&e, 1);
    trustm_cbor_put_int(&e, alg);
    size_t n = e.len;
    trustm_cbor_enc_init(&e, out, 8);
    trustm_cbor_put_bstr(&e, inner, n);
    return e.len;
}

static pu_err_t sign(const pu_signer_t *s, const uint8_t *tbs, size_t tbs_len, uint8_t *sig, size_t *sig_len,
                     const char **msg)
{
    uint8_t hash[PU_DIGEST_SIZE];
    if (sha256(tbs, tbs_len, hash) != PU_OK) {
        SET_MSG("SHA-256 failed");
        return PU_ERR_CRYPTO;
    }
    if (s->cose_alg == PU_ALG_RSA_PKCS1_SHA256) {
        if (mbedtls_pk_get_type(s->key) != MBEDTLS_PK_RSA) {
            SET_MSG("signature algorithm RSA-SSA-PKCS1-V1_5-SHA-256 needs an RSA private key");
            return PU_ERR_KEY;
        }
        mbedtls_rsa_context *rsa = mbedtls_pk_rsa(*s->key);
        size_t n = mbedtls_rsa_get_len(rsa);
        if (n > PU_SIG_MAX) {
            SET_MSG("RSA key too large");
            return PU_ERR_KEY;
        }
        mbedtls_rsa_set_padding(rsa, MBEDTLS_RSA_PKCS_V15, MBEDTLS_MD_NONE);
        if (mbedtls_rsa_pkcs1_sign(rsa, s->f_rng, s->p_rng, MBEDTLS_RSA_PRIVATE, MBEDTLS_MD_SHA256, PU_DIGEST_SIZE,
                                   hash, sig) != 0) {
            SET_MSG("RSA signing failed");
            return PU_ERR_CRYPTO;
        }
        *sig_len = n;
        return PU_OK;
    }
    if (s->cose_alg == PU_ALG_ES256) {
        if (mbedtls_pk_get_type(s->key) != MBEDTLS_PK_ECKEY) {
            SET_MSG("signature algorithm ES_256 needs an EC private key");
            return PU_ERR_KEY;
        }
        mbedtls_ecp_keypair *ec = mbedtls_pk_ec(*s->key);
        size_t cs = (ec->grp.pbits + 7u) / 8u;
        mbedtls_mpi r, sv;
        pu_err_t rc = PU_OK;
        mbedtls_mpi_init(&r);
        mbedtls_mpi_init(&sv);
        /* Deterministic ECDSA (RFC 6979) over SHA-256 of the Sig_structure, whatever the curve. */
        if (2u * cs > PU_SIG_MAX ||
            mbedtls_ecdsa_sign_det_ext(&ec->grp, &r, &sv, &ec->d, hash, sizeof hash, MBEDTLS_MD_SHA256, s->f_rng,
                                       s->p_rng) != 0 ||
            mbedtls_mpi_write_binary(&r, sig, cs) != 0 || mbedtls_mpi_write_binary(&sv, sig + cs, cs) != 0) {
            SET_MSG("ECDSA signing failed");
            rc = PU_ERR_CRYPTO;
        } else {
            *sig_len = 2u * cs;
        }
        mbedtls_mpi_free(&r);
        mbedtls_mpi_free(&sv);
        return rc;
    }
    SET_MSG("unknown signature algorithm");
    return PU_ERR_PARAM;
}

pu_err_t pu_build(const pu_params_t *p, const pu_signer_t *signer, pu_dataset_t *ds, const char **msg)
{
    pu_err_t rc;
    uint8_t tm[PU_MANIFEST_MAX];
    size_t tm_len = 0;
    uint8_t prot[8];
    uint8_t payload_bstr[2 + 255];
    size_t prot_len;

    memset(ds, 0, sizeof *ds);
    rc = pu_build_fragments(p, ds, msg);
    if (rc != PU_OK)
        return rc;
    rc = pu_encode_trust_manifest(p, ds->digest1, tm, sizeof tm, &tm_len, msg);
    if (rc != PU_OK)
        return rc;
    if (tm_len > 255u) {
        SET_MSG("manifest payload longer than 255 bytes (label, seed or COUID too long)");
        return PU_ERR_TOO_LARGE;
    }
    /* The payload bstr is always written as 58 LL (§2). */
    {
        trustm_cbor_enc_t e;
        trustm_cbor_enc_init(&e, payload_bstr, sizeof payload_bstr);
        trustm_cbor_put_bstr_hdr8(&e, tm_len);
        trustm_cbor_put_raw(&e, tm, tm_len);
        if (!trustm_cbor_enc_ok(&e))
            return PU_ERR_TOO_LARGE;
    }
    prot_len = prot_header(signer->cose_alg, prot);
    rc = pu_encode_sig_structure(prot, prot_len, payload_bstr, 2u + tm_len, ds->tbs, sizeof ds->tbs, &ds->tbs_len);
    if (rc != PU_OK) {
        SET_MSG("to-be-signed structure too large");
        return rc;
    }
    rc = sign(signer, ds->tbs, ds->tbs_len, ds->signature, &ds->sig_len, msg);
    if (rc != PU_OK)
        return rc;

    trustm_cbor_enc_t e;
    uint8_t ta[2];
    trustm_be16_put(ta, p->trust_anchor_oid);
    trustm_cbor_enc_init(&e, ds->manifest, sizeof ds->manifest);
    trustm_cbor_put_array(&e, 4);
    trustm_cbor_put_raw(&e, prot, prot_len);
    trustm_cbor_put_map(&e, 1);
    trustm_cbor_put_uint(&e, 4);
    trustm_cbor_put_bstr(&e, ta, 2);
    trustm_cbor_put_raw(&e, payload_bstr, 2u + tm_len);
    trustm_cbor_put_bstr(&e, ds->signature, ds->sig_len);
    if (!trustm_cbor_enc_ok(&e)) {
        SET_MSG("manifest too large");
        return PU_ERR_TOO_LARGE;
    }
    ds->manifest_len = e.len;
    return PU_OK;
}

/* ---------------------------------------------------------------- parser */

#define CHECK(cond, m)                                                                                                 \
    do {                                                                                                               \
        if (!(cond)) {                                                                                                 \
            SET_MSG(m);                                                                                                \
            return PU_ERR_FORMAT;                                                                                      \
        }                                                                                                              \
    } while (0)

static pu_err_t parse_digest_info(const uint8_t *p, size_t n, pu_manifest_info_t *info, const char **msg)
{
    trustm_cbor_dec_t d;
    const uint8_t *dig;
    size_t dlen;
    trustm_cbor_dec_init(&d, p, n);
    CHECK(trustm_cbor_expect_array(&d, 2) && trustm_cbor_expect_int(&d, PU_DIGEST_SHA256) &&
              trustm_cbor_get_bstr(&d, &dig, &dlen) && dlen == PU_DIGEST_SIZE && trustm_cbor_dec_done(&d),
          "integrity step is not [41, bstr(32)]");
    info->digest1 = dig;
    return PU_OK;
}

static pu_err_t parse_decrypt(trustm_cbor_dec_t *d, pu_manifest_info_t *info, const char **msg)
{
    const uint8_t *b;
    size_t n;
    trustm_cbor_dec_t in;
    CHECK(trustm_cbor_expect_array(d, 2) && trustm_cbor_expect_int(d, 1) && trustm_cbor_expect_array(d, 3) &&
              trustm_cbor_get_bstr(d, &b, &n),
          "decrypt step is not [1, COSE_Encrypt]");
    trustm_cbor_dec_init(&in, b, n);
    CHECK(trustm_cbor_expect_map(&in, 1) && trustm_cbor_expect_int(&in, 1) &&
              trustm_cbor_expect_int(&in, PU_ALG_AES_CCM_16_64_128) && trustm_cbor_dec_done(&in),
          "encryption algorithm is not AES-CCM-16-64-128 (10)");
    CHECK(trustm_cbor_expect_array(d, 1) && trustm_cbor_expect_array(d, 2) && trustm_cbor_get_bstr(d, &b, &n),
          "recipient structure malformed");
    trustm_cbor_dec_init(&in, b, n);
    const uint8_t *oid;
    size_t oid_len;
    CHECK(trustm_cbor_expect_map(&in, 3) && trustm_cbor_expect_int(&in, 4) &&
              trustm_cbor_get_bstr(&in, &oid, &oid_len) && oid_len == 2 && trustm_cbor_expect_int(&in, 1) &&
              trustm_cbor_expect_int(&in, PU_ALG_KDF_TLS12_PRF_SHA256) && trustm_cbor_expect_int(&in, 5) &&
              trustm_cbor_expect_array(&in, 2) && trustm_cbor_get_bstr(&in, &info->label, &info->label_len) &&
              trustm_cbor_get_bstr(&in, &info->seed, &info->seed_len) && trustm_cbor_dec_done(&in),
          "recipient header is not {4: oid, 1: -65720, 5: [label, seed]}");
    CHECK(info->label_len >= 1 && info->label_len <= PU_LABEL_MAX && info->seed_len >= PU_SEED_MIN &&
              info->seed_len <= PU_SEED_MAX,
          "label or seed length out of range");
    info->secret_oid = trustm_be16_get(oid);
    CHECK(trustm_cbor_get_null(d) && trustm_cbor_get_null(d), "recipient ciphertext / encrypt info not null");
    info->conf = true;
    return PU_OK;
}

static pu_err_t parse_trust_manifest(const uint8_t *p, size_t n, pu_manifest_info_t *info, const char **msg)
{
    trustm_cbor_dec_t d;
    int64_t type;
    const uint8_t *b;
    size_t bl;
    trustm_cbor_dec_init(&d, p, n);
    CHECK(trustm_cbor_expect_array(&d, 6) && trustm_cbor_expect_int(&d, 1) && trustm_cbor_get_null(&d) &&
              trustm_cbor_get_null(&d),
          "Trust_manifest header is not [1, null, null, ...]");
    CHECK(trustm_cbor_expect_array(&d, 4) && trustm_cbor_get_int(&d, &type) &&
              trustm_cbor_get_uint(&d, &info->payload_size) && trustm_cbor_get_uint(&d, &info->payload_version) &&
              trustm_cbor_expect_array(&d, 2) && trustm_cbor_get_uint(&d, &info->info1) &&
              trustm_cbor_get_uint(&d, &info->info2),
          "Trust_resource malformed");
    CHECK(type == PU_TYPE_DATA || type == PU_TYPE_METADATA || type == PU_TYPE_KEY, "unknown payload type");
    info->payload_type = (int)type;
    CHECK(trustm_cbor_expect_array(&d, 2) && trustm_cbor_expect_array(&d, 2) && trustm_cbor_expect_int(&d, -1) &&
              trustm_cbor_get_bstr(&d, &b, &bl),
          "Trust_processors malformed");
    pu_err_t rc = parse_digest_info(b, bl, info, msg);
    if (rc != PU_OK)
        return rc;
    if (!trustm_cbor_take_null(&d)) {
        rc = parse_decrypt(&d, info, msg);
        if (rc != PU_OK)
            return rc;
    }
    const uint8_t *oid;
    size_t oid_len;
    CHECK(trustm_cbor_expect_array(&d, 2) && trustm_cbor_get_bstr(&d, &info->couid, &info->couid_len) &&
              trustm_cbor_get_bstr(&d, &oid, &oid_len) && oid_len == 2 && trustm_cbor_dec_done(&d),
          "Trust_target malformed");
    CHECK(info->couid_len == 0 || info->couid_len == PU_COUID_SIZE,
          "componentIdentifier is neither empty nor 25 bytes");
    if (info->couid_len == 0)
        info->couid = NULL;
    info->target_oid = trustm_be16_get(oid);
    return PU_OK;
}

pu_err_t pu_parse_manifest(const uint8_t *m, size_t len, pu_manifest_info_t *info, const char **msg)
{
    trustm_cbor_dec_t d;
    trustm_cbor_dec_t in;
    const uint8_t *b;
    size_t bl;
    int64_t alg;
    size_t start;

    memset(info, 0, sizeof *info);
    trustm_cbor_dec_init(&d, m, len);
    CHECK(trustm_cbor_expect_array(&d, 4), "manifest is not a CBOR array of 4 (COSE_Sign1)");
    start = trustm_cbor_dec_pos(&d);
    CHECK(trustm_cbor_get_bstr(&d, &b, &bl), "protected header is not a byte string");
    info->prot_bstr = m + start;
    info->prot_bstr_len = trustm_cbor_dec_pos(&d) - start;
    trustm_cbor_dec_init(&in, b, bl);
    CHECK(trustm_cbor_expect_map(&in, 1) && trustm_cbor_expect_int(&in, 1) && trustm_cbor_get_int(&in, &alg) &&
              trustm_cbor_dec_done(&in),
          "protected header is not {1: alg}");
    CHECK(alg == PU_ALG_RSA_PKCS1_SHA256 || alg == PU_ALG_ES256, "unknown signature algorithm");
    info->sign_alg = (int)alg;
    const uint8_t *kid;
    size_t kid_len;
    CHECK(trustm_cbor_expect_map(&d, 1) && trustm_cbor_expect_int(&d, 4) && trustm_cbor_get_bstr(&d, &kid, &kid_len) &&
              kid_len == 2,
          "unprotected header is not {4: bstr(2)}");
    info->trust_anchor_oid = trustm_be16_get(kid);
    start = trustm_cbor_dec_pos(&d);
    CHECK(trustm_cbor_get_bstr(&d, &b, &bl), "payload is not a byte string");
    info->payload_bstr = m + start;
    info->payload_bstr_len = trustm_cbor_dec_pos(&d) - start;
    CHECK(trustm_cbor_get_bstr(&d, &info->signature, &info->sig_len) && info->sig_len > 0 && trustm_cbor_dec_done(&d),
          "signature missing or trailing bytes after the manifest");
    return parse_trust_manifest(b, bl, info, msg);
}

pu_err_t pu_verify_manifest(const pu_manifest_info_t *info, mbedtls_pk_context *pub, const char **msg)
{
    uint8_t tbs[PU_TBS_MAX];
    size_t tbs_len;
    uint8_t hash[PU_DIGEST_SIZE];
    if (pu_encode_sig_structure(info->prot_bstr, info->prot_bstr_len, info->payload_bstr, info->payload_bstr_len, tbs,
                                sizeof tbs, &tbs_len) != PU_OK ||
        sha256(tbs, tbs_len, hash) != PU_OK) {
        SET_MSG("cannot rebuild the to-be-signed structure");
        return PU_ERR_FORMAT;
    }
    if (info->sign_alg == PU_ALG_RSA_PKCS1_SHA256) {
        if (mbedtls_pk_get_type(pub) != MBEDTLS_PK_RSA) {
            SET_MSG("RSA manifest but the key is not RSA");
            return PU_ERR_KEY;
        }
        if (info->sig_len != mbedtls_pk_get_len(pub) ||
            mbedtls_pk_verify(pub, MBEDTLS_MD_SHA256, hash, sizeof hash, info->signature, info->sig_len) != 0) {
            SET_MSG("signature does not verify");
            return PU_ERR_CRYPTO;
        }
        return PU_OK;
    }
    if (mbedtls_pk_get_type(pub) != MBEDTLS_PK_ECKEY) {
        SET_MSG("ES256 manifest but the key is not EC");
        return PU_ERR_KEY;
    }
    mbedtls_ecp_keypair *ec = mbedtls_pk_ec(*pub);
    size_t cs = (ec->grp.pbits + 7u) / 8u;
    pu_err_t rc = PU_OK;
    mbedtls_mpi r, s;
    mbedtls_mpi_init(&r);
    mbedtls_mpi_init(&s);
    if (info->sig_len != 2u * cs || mbedtls_mpi_read_binary(&r, info->signature, cs) != 0 ||
        mbedtls_mpi_read_binary(&s, info->signature + cs, cs) != 0 ||
        mbedtls_ecdsa_verify(&ec->grp, hash, sizeof hash, &ec->Q, &r, &s) != 0) {
        SET_MSG("signature does not verify");
        rc = PU_ERR_CRYPTO;
    }
    mbedtls_mpi_free(&r);
    mbedtls_mpi_free(&s);
    return rc;
}

pu_err_t pu_open_fragments(const pu_manifest_info_t *info, const uint8_t *secret, size_t secret_len,
                           const uint8_t *frags, size_t frags_len, uint8_t *plain, size_t plain_size, size_t *plain_len,
                           const char **msg)
{
    uint8_t expect[PU_DIGEST_SIZE];
    uint8_t have[PU_DIGEST_SIZE];
    uint8_t kdf[PU_KDF_OUT];
    mbedtls_ccm_context ccm;
    size_t pos = 0;
    size_t out = 0;
    pu_err_t rc = PU_ERR_FORMAT;
    uint16_t idx = 0;

    memcpy(expect, info->digest1, PU_DIGEST_SIZE);
    mbedtls_ccm_init(&ccm);
    if (info->conf) {
        if (secret == NULL ||
            pu_kdf_tls12_prf_sha256(secret, secret_len, (const char *)info->label, info->label_len, info->seed,
                                    info->seed_len, kdf, sizeof kdf) != PU_OK ||
            mbedtls_ccm_setkey(&ccm, MBEDTLS_CIPHER_ID_AES, kdf, 128) != 0) {
            SET_MSG("no secret or key derivation failed");
            rc = PU_ERR_CRYPTO;
            goto done;
        }
    }
    if (frags_len == 0) {
        SET_MSG("no fragments");
        goto done;
    }
    while (pos < frags_len) {
        size_t left = frags_len - pos;
        bool last = left <= PU_FRAGMENT_MAX;
        size_t flen = last ? left : PU_FRAGMENT_MAX;
        size_t body = last ? flen : flen - PU_DIGEST_SIZE;
        idx++;
        if (sha256(frags + pos, flen, have) != PU_OK || memcmp(have, expect, PU_DIGEST_SIZE) != 0) {
            SET_MSG("fragment digest does not match");
            goto done;
        }
        if (info->conf) {
            uint8_t nonce[13];
            uint8_t aad[8];
            if (body <= PU_CCM_TAG_SIZE) {
                SET_MSG("encrypted fragment too short");
                goto done;
            }
            body -= PU_CCM_TAG_SIZE;
            if (out + body > plain_size) {
                SET_MSG("plaintext buffer too small");
                goto done;
            }
            memcpy(nonce, kdf + 16, 11);
            trustm_be16_put(nonce + 11, idx);
            aad_for(aad, (uint16_t)info->payload_version, out, (size_t)info->payload_size);
            if (mbedtls_ccm_auth_decrypt(&ccm, body, nonce, sizeof nonce, aad, sizeof aad, frags + pos, plain + out,
                                         frags + pos + body, PU_CCM_TAG_SIZE) != 0) {
                SET_MSG("fragment decryption / tag check failed");
                rc = PU_ERR_CRYPTO;
                goto done;
            }
        } else {
            if (out + body > plain_size) {
                SET_MSG("plaintext buffer too small");
                goto done;
            }
            memcpy(plain + out, frags + pos, body);
        }
        out += body;
        if (!last)
            memcpy(expect, frags + pos + PU_FRAGMENT_MAX - PU_DIGEST_SIZE, PU_DIGEST_SIZE);
        pos += flen;
    }
    if (out != info->payload_size) {
        SET_MSG("payload length differs from the manifest's size");
        goto done;
    }
    *plain_len = out;
    rc = PU_OK;
done:
    mbedtls_ccm_free(&ccm);
    trustm_wipe(kdf, sizeof kdf);
    return rc;
}
