/*
 * trustm_sim_protupd.c - SetObjectProtected (commands.md §5.5, protected-update.md §7):
 * strict CBOR manifest parsing, trust anchor lookup (object type TA, public key from the DER
 * certificate), signature over the Sig_structure with the byte-string context "Signature1"
 * (RSA PKCS#1 v1.5 SHA-256, ES256), payload-version rollback protection, the fragment digest
 * chain, AES-CCM-16-64-128 decryption with the key derived from the UPDATSEC secret
 * (TLS 1.2 PRF SHA-256), the target's access conditions (Int(TA), Conf(secret)), and the key /
 * data / metadata write semantics.
 *
 * Atomicity: fragments are verified and staged in RAM (sim->chip.pu); the target object is
 * replaced only after the last fragment verified, by one assignment of a fully prepared copy
 * (the model's "one NVM programming").  A reset, power loss, failure or any other command in
 * between drops the staging area and leaves the target untouched.
 */
#include <string.h>

#include <mbedtls/bignum.h>
#include <mbedtls/ccm.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>
#include <mbedtls/sha256.h>
#include <mbedtls/x509_crt.h>

#include "sim_chip.h"
#include "trustm_bytes.h"
#include "trustm_cbor.h"
#include "trustm_sim_manifest.h"

#define ERR_MANIFEST 0x0F
#define ERR_VERSION  0x10

#define PU_TAG_START    0x30u
#define PU_TAG_FINAL    0x31u
#define PU_TAG_CONTINUE 0x32u
#define PU_PARAM_V1     0x01u
#define PU_CERT_MAX     1300u
#define PU_ALG_RSA      (-65700)
#define PU_ALG_ES256    (-7)
#define PU_ALG_CCM      10
#define PU_ALG_PRF      (-65720)
#define PU_CCM_TAG      8u
#define PU_COUID_LEN    25u

/* ------------------------------------------------------------ manifest parser */

typedef struct pu_manifest {
    int64_t sign_alg;
    uint16_t ta_oid;
    const uint8_t *prot; /* protected-header item (head included) */
    size_t prot_len;
    const uint8_t *payload; /* payload item (head included)          */
    size_t payload_len;
    int64_t type;
    uint64_t size;
    uint64_t version;
    uint64_t info1, info2;
    const uint8_t *digest; /* 32 bytes */
    bool conf;
    uint16_t secret_oid;
    const uint8_t *label;
    size_t label_len;
    const uint8_t *seed;
    size_t seed_len;
    const uint8_t *couid;
    size_t couid_len;
    uint16_t target_oid;
    const uint8_t *sig;
    size_t sig_len;
} pu_manifest_t;

static bool get_oid(trustm_cbor_dec_t *d, uint16_t *oid)
{
    const uint8_t *p;
    size_t n;
    if (!trustm_cbor_get_bstr(d, &p, &n) || n != 2)
        return false;
    *oid = trustm_be16_get(p);
    return true;
}

/* A byte string whose content is exactly one CBOR item parsed by the caller: sub is set up over
 * the content. */
static bool get_wrapped(trustm_cbor_dec_t *d, trustm_cbor_dec_t *sub)
{
    const uint8_t *p;
    size_t n;
    if (!trustm_cbor_get_bstr(d, &p, &n))
        return false;
    trustm_cbor_dec_init(sub, p, n);
    return true;
}

/* COSE_Encrypt_Trust step (protected-update.md §5.4), after the leading `1`. */
static bool parse_decrypt(trustm_cbor_dec_t *d, pu_manifest_t *m)
{
    trustm_cbor_dec_t ph, rh;
    size_t n;
    if (!trustm_cbor_expect_array(d, 3) || !get_wrapped(d, &ph))
        return false;
    if (!trustm_cbor_expect_map(&ph, 1) || !trustm_cbor_expect_int(&ph, 1) ||
        !trustm_cbor_expect_int(&ph, PU_ALG_CCM) || !trustm_cbor_dec_done(&ph))
        return false;
    if (!trustm_cbor_expect_array(d, 1) || !trustm_cbor_expect_array(d, 2) || !get_wrapped(d, &rh))
        return false;
    if (!trustm_cbor_expect_map(&rh, 3) || !trustm_cbor_expect_int(&rh, 4) || !get_oid(&rh, &m->secret_oid) ||
        !trustm_cbor_expect_int(&rh, 1) || !trustm_cbor_expect_int(&rh, PU_ALG_PRF) ||
        !trustm_cbor_expect_int(&rh, 5) || !trustm_cbor_expect_array(&rh, 2) ||
        !trustm_cbor_get_bstr(&rh, &m->label, &m->label_len) || !trustm_cbor_get_bstr(&rh, &m->seed, &n) ||
        !trustm_cbor_dec_done(&rh))
        return false;
    m->seed_len = n;
    if (m->label_len > 32u || n < 16u || n > 64u)
        return false;
    if (!trustm_cbor_get_null(d) || !trustm_cbor_get_null(d))
        return false;
    m->conf = true;
    return true;
}

/* Trust_manifest (protected-update.md §4). */
static bool parse_trust_manifest(trustm_cbor_dec_t *d, pu_manifest_t *m)
{
    trustm_cbor_dec_t di;
    uint64_t digest_alg;
    const uint8_t *p;
    size_t n;
    if (!trustm_cbor_expect_array(d, 6) || !trustm_cbor_expect_int(d, 1) || !trustm_cbor_get_null(d) ||
        !trustm_cbor_get_null(d))
        return false;
    /* resource */
    if (!trustm_cbor_expect_array(d, 4) || !trustm_cbor_get_int(d, &m->type) || !trustm_cbor_get_uint(d, &m->size) ||
        !trustm_cbor_get_uint(d, &m->version) || !trustm_cbor_expect_array(d, 2) ||
        !trustm_cbor_get_uint(d, &m->info1) || !trustm_cbor_get_uint(d, &m->info2))
        return false;
    if (m->type != -1 && m->type != -2 && m->type != -3)
        return false;
    if (m->version > 0x7FFFu) /* bit 15 is the chip's "invalid" flag */
        return false;
    if (m->size == 0 || m->size > SIM_PU_PAYLOAD_MAX)
        return false;
    /* processors: integrity step, then decrypt step or null */
    if (!trustm_cbor_expect_array(d, 2) || !trustm_cbor_expect_array(d, 2) || !trustm_cbor_expect_int(d, -1) ||
        !get_wrapped(d, &di))
        return false;
    if (!trustm_cbor_expect_array(&di, 2) || !trustm_cbor_get_uint(&di, &digest_alg) || digest_alg != 41u ||
        !trustm_cbor_get_bstr(&di, &p, &n) || n != SIM_PU_DIGEST || !trustm_cbor_dec_done(&di))
        return false;
    m->digest = p;
    if (!trustm_cbor_take_null(d)) {
        if (!trustm_cbor_expect_array(d, 2) || !trustm_cbor_expect_int(d, 1) || !parse_decrypt(d, m))
            return false;
    }
    /* target */
    if (!trustm_cbor_expect_array(d, 2) || !trustm_cbor_get_bstr(d, &m->couid, &m->couid_len) ||
        !get_oid(d, &m->target_oid))
        return false;
    if (m->couid_len != 0 && m->couid_len != PU_COUID_LEN)
        return false;
    return trustm_cbor_dec_done(d);
}

/* COSE_Sign1_Trust (protected-update.md §3).  Returns 0 or ERR_MANIFEST. */
static int parse_manifest(const uint8_t *buf, size_t len, pu_manifest_t *m)
{
    trustm_cbor_dec_t d, sub;
    memset(m, 0, sizeof *m);
    trustm_cbor_dec_init(&d, buf, len);
    if (!trustm_cbor_expect_array(&d, 4))
        return ERR_MANIFEST;
    size_t at = trustm_cbor_dec_pos(&d);
    if (!get_wrapped(&d, &sub))
        return ERR_MANIFEST;
    m->prot = buf + at;
    m->prot_len = trustm_cbor_dec_pos(&d) - at;
    if (!trustm_cbor_expect_map(&sub, 1) || !trustm_cbor_expect_int(&sub, 1) ||
        !trustm_cbor_get_int(&sub, &m->sign_alg) || !trustm_cbor_dec_done(&sub) ||
        (m->sign_alg != PU_ALG_RSA && m->sign_alg != PU_ALG_ES256))
        return ERR_MANIFEST;
    if (!trustm_cbor_expect_map(&d, 1) || !trustm_cbor_expect_int(&d, 4) || !get_oid(&d, &m->ta_oid))
        return ERR_MANIFEST;
    at = trustm_cbor_dec_pos(&d);
    if (!get_wrapped(&d, &sub))
        return ERR_MANIFEST;
    m->payload = buf + at;
    m->payload_len = trustm_cbor_dec_pos(&d) - at;
    if (!parse_trust_manifest(&sub, m))
        return ERR_MANIFEST;
    if (!trustm_cbor_get_bstr(&d, &m->sig, &m->sig_len) || m->sig_len == 0 || !trustm_cbor_dec_done(&d))
        return ERR_MANIFEST;
    return 0;
}

int trustm_sim_manifest_check(const uint8_t *m, size_t n)
{
    pu_manifest_t pm;
    if (m == NULL)
        return ERR_MANIFEST;
    return parse_manifest(m, n, &pm);
}

/* ------------------------------------------------------------ signature */

/* SHA-256 over Sig_structure = [ h'Signature1', protected, h'', payload ] (§6.1). */
static void tbs_hash(const pu_manifest_t *m, uint8_t out[32])
{
    static const uint8_t head[12] = {0x84, 0x4A, 'S', 'i', 'g', 'n', 'a', 't', 'u', 'r', 'e', '1'};
    static const uint8_t empty = 0x40;
    mbedtls_sha256_context h;
    mbedtls_sha256_init(&h);
    (void)mbedtls_sha256_starts_ret(&h, 0);
    (void)mbedtls_sha256_update_ret(&h, head, sizeof head);
    (void)mbedtls_sha256_update_ret(&h, m->prot, m->prot_len);
    (void)mbedtls_sha256_update_ret(&h, &empty, 1);
    (void)mbedtls_sha256_update_ret(&h, m->payload, m->payload_len);
    (void)mbedtls_sha256_finish_ret(&h, out);
    mbedtls_sha256_free(&h);
}

static int verify_es256(mbedtls_pk_context *pk, const uint8_t hash[32], const uint8_t *sig, size_t sig_len)
{
    mbedtls_ecp_keypair *ec = mbedtls_pk_ec(*pk);
    size_t cs = (ec->grp.pbits + 7u) / 8u;
    mbedtls_mpi r, s;
    int rc = ERR_SIGNATURE;
    if (sig_len != 2u * cs)
        return ERR_SIGNATURE;
    mbedtls_mpi_init(&r);
    mbedtls_mpi_init(&s);
    if (mbedtls_mpi_read_binary(&r, sig, cs) == 0 && mbedtls_mpi_read_binary(&s, sig + cs, cs) == 0 &&
        mbedtls_ecdsa_verify(&ec->grp, hash, 32, &ec->Q, &r, &s) == 0)
        rc = 0;
    mbedtls_mpi_free(&r);
    mbedtls_mpi_free(&s);
    return rc;
}

/* Trust anchor checks and signature verification (§7.2). */
static int verify_manifest(trustm_sim_t *sim, const pu_manifest_t *m)
{
    sim_obj_t *ta = sim_chip_obj(sim, m->ta_oid);
    if (ta == NULL || (ta->flags & SIM_OBJ_KEY))
        return ERR_INVALID_OID;
    if (sim_meta_u8(ta, 0xE8u, TYPE_BSTR) != TYPE_TA || sim_meta_lcso(ta) == LCS_TE)
        return ERR_ACCESS;
    if (sim_ac_check(sim, ta, AC_EXE) != 0)
        return ERR_ACCESS;
    if (ta->used == 0 || ta->data[0] != 0x30u)
        return ERR_CERT_FORMAT;
    if (ta->used > PU_CERT_MAX)
        return ERR_CERT_UNSUPPORTED;
    mbedtls_x509_crt crt;
    mbedtls_x509_crt_init(&crt);
    int rc;
    if (mbedtls_x509_crt_parse_der(&crt, ta->data, ta->used) != 0 || crt.next != NULL) {
        rc = ERR_CERT_FORMAT;
    } else {
        uint8_t hash[32];
        tbs_hash(m, hash);
        mbedtls_pk_type_t kt = mbedtls_pk_get_type(&crt.pk);
        if (m->sign_alg == PU_ALG_RSA) {
            rc = ERR_SIGNATURE;
            if (kt == MBEDTLS_PK_RSA) {
                mbedtls_rsa_context *r = mbedtls_pk_rsa(crt.pk);
                if (m->sig_len == mbedtls_rsa_get_len(r) &&
                    mbedtls_rsa_pkcs1_verify(r, NULL, NULL, MBEDTLS_RSA_PUBLIC, MBEDTLS_MD_SHA256, 32, hash, m->sig) ==
                        0)
                    rc = 0;
            }
        } else {
            rc = (kt == MBEDTLS_PK_ECKEY || kt == MBEDTLS_PK_ECDSA) ? verify_es256(&crt.pk, hash, m->sig, m->sig_len)
                                                                    : ERR_SIGNATURE;
        }
    }
    mbedtls_x509_crt_free(&crt);
    return rc;
}

/* ------------------------------------------------------------ confidentiality */

/* TLS 1.2 PRF SHA-256 (RFC 5246 §5) of secret over label || seed, 27 bytes. */
static void pu_kdf(const uint8_t *sec, size_t sl, const pu_manifest_t *m, uint8_t out[27])
{
    uint8_t seed[32 + 64], a[32], blk[32];
    size_t n = m->label_len + m->seed_len, done = 0;
    memcpy(seed, m->label, m->label_len);
    memcpy(seed + m->label_len, m->seed, m->seed_len);
    (void)sim_hmac(32, sec, sl, seed, n, NULL, 0, a);
    while (done < 27u) {
        (void)sim_hmac(32, sec, sl, a, 32, seed, n, blk);
        size_t k = 27u - done < 32u ? 27u - done : 32u;
        memcpy(out + done, blk, k);
        done += k;
        (void)sim_hmac(32, sec, sl, a, 32, NULL, 0, a);
    }
    trustm_wipe(blk, sizeof blk);
    trustm_wipe(a, sizeof a);
}

/* ------------------------------------------------------------ start */

static bool target_forbidden(uint16_t oid)
{
    switch (oid) {
    case 0xE0C0:
    case 0xE0C1:
    case 0xF1C0:
    case 0xF1C1:
    case 0xE0C2:
    case 0xE0C3:
    case 0xE0C4:
    case 0xE0C5:
    case 0xF1C2:
    case 0xE0C6:
        return true;
    default:
        return false;
    }
}

static size_t key_bytes(uint64_t alg)
{
    switch (alg) {
    case 0x81:
        return 16;
    case 0x82:
        return 24;
    case 0x83:
        return 32;
    case 0x41:
        return 128;
    case 0x42:
        return 256;
    default:
        return 0;
    }
}

/* Payload type and additionalInfo against the target (§4.1, §4.2, §5.1). */
static int check_payload(const sim_obj_t *t, const pu_manifest_t *m)
{
    if (m->type == -3) {
        size_t k = key_bytes(m->info1);
        if (!(t->flags & SIM_OBJ_KEY))
            return ERR_ACCESS;
        bool aes_slot = t->oid == 0xE200u, aes = m->info1 >= 0x81u;
        if (k == 0 || aes != aes_slot)
            return ERR_MANIFEST; /* algorithm not held by this key object */
        if (m->info2 == 0 || (m->info2 & ~(uint64_t)(USAGE_AUTH | USAGE_ENC | USAGE_SIGN | USAGE_KEYAGREE)) != 0)
            return ERR_MANIFEST;
        if (m->size != (aes ? 3u + k : 3u * 3u + 2u * k + 4u))
            return ERR_MANIFEST;
        return 0;
    }
    if (t->flags & SIM_OBJ_KEY) {
        if (m->type == -1)
            return ERR_ACCESS; /* the data part of a key object is never written as data */
    }
    if (m->type == -1) {
        if (m->info2 != 1u && m->info2 != 2u)
            return ERR_MANIFEST;
        if (m->info1 > t->max_size || m->size > (uint64_t)t->max_size - m->info1)
            return ERR_BOUNDARY;
        return 0;
    }
    /* metadata */
    if (m->info1 > 2u || m->info2 != 0)
        return ERR_MANIFEST;
    if (m->size < 2u || m->size > SIM_OBJ_META_MAX)
        return ERR_MANIFEST;
    if (sim_meta_find(t, 0xF0u, NULL) == NULL)
        return ERR_INVALID_META; /* no reset type: a metadata update is not possible */
    return 0;
}

static void put_version(sim_obj_t *o, uint16_t version, int *rc);

static int pu_start(trustm_sim_t *sim, const sim_cmd_t *c, const uint8_t *v, size_t n)
{
    sim_pu_state_t *st = &sim->chip.pu;
    pu_manifest_t m;
    int rc = parse_manifest(v, n, &m);
    if (rc != 0)
        return rc;
    rc = verify_manifest(sim, &m);
    if (rc != 0)
        return rc;
    /* target */
    sim_obj_t *t = sim_chip_obj(sim, m.target_oid);
    if (t == NULL)
        return ERR_INVALID_OID;
    if (target_forbidden(m.target_oid) || m.target_oid == m.ta_oid || (m.conf && m.target_oid == m.secret_oid))
        return ERR_ACCESS;
    if (sim_meta_lcso(t) == LCS_TE)
        return ERR_ACCESS; /* terminated: no write of any kind, as Get/SetDataObject answer */
    if (m.couid_len != 0) {
        const sim_obj_t *uid = sim_chip_obj(sim, 0xE0C2u);
        if (memcmp(uid->data, m.couid, PU_COUID_LEN) != 0)
            return ERR_ACCESS; /* addressed to another chip */
    }
    const sim_ac_update_t view = {m.ta_oid, m.conf, m.secret_oid};
    rc = sim_ac_eval(sim, t, m.type == -2 ? (uint8_t)AC_MUPD : (uint8_t)AC_CHA, &view);
    if (rc != 0)
        return rc;
    rc = check_payload(t, &m);
    if (rc != 0)
        return rc;
    /* rollback protection */
    uint8_t vl;
    const uint8_t *cv = sim_meta_find(t, 0xC1u, &vl);
    uint16_t cur = (cv != NULL && vl == 2) ? (uint16_t)(trustm_be16_get(cv) & 0x7FFFu) : 0u;
    if (m.version <= cur)
        return ERR_VERSION;
    /* confidentiality: the shared secret */
    uint8_t km[27];
    if (m.conf) {
        sim_obj_t *s = sim_chip_obj(sim, m.secret_oid);
        if (s == NULL || (s->flags & SIM_OBJ_KEY))
            return ERR_INVALID_OID;
        if (sim_meta_u8(s, 0xE8u, TYPE_BSTR) != TYPE_UPDATSEC || s->used == 0)
            return ERR_ACCESS;
        /* the secret is used: its life cycle and its execute access condition apply
         * (protected-update.md §7.3 gives it Execute = ALW) */
        if (sim_meta_lcso(s) == LCS_TE || sim_ac_check(sim, s, AC_EXE) != 0)
            return ERR_ACCESS;
        pu_kdf(s->data, s->used < 64u ? s->used : 64u, &m, km);
    }
    trustm_wipe(st, sizeof *st);
    st->active = true;
    st->param = c->param;
    st->target_oid = m.target_oid;
    st->type = (int8_t)m.type;
    st->version = (uint16_t)m.version;
    st->size = (uint32_t)m.size;
    st->info1 = (uint32_t)m.info1;
    st->info2 = (uint32_t)m.info2;
    st->conf = m.conf;
    if (m.conf) {
        memcpy(st->key, km, 16);
        memcpy(st->nonce11, km + 16, 11);
        trustm_wipe(km, sizeof km);
    }
    memcpy(st->expect, m.digest, SIM_PU_DIGEST);
    st->frag_no = 1;
    /* objects.md §3.2: the version tag carries the invalid flag while the update is in progress
     * (it stays set if power fails before the final fragment) */
    st->had_version = cv != NULL && vl == 2;
    st->prev_version = st->had_version ? trustm_be16_get(cv) : 0u;
    if (m.target_oid != 0xE0C9u) { /* E0C9 ignores the flag (objects.md §3.4) */
        int vrc = 0;
        put_version(t, (uint16_t)(cur | 0x8000u), &vrc);
        if (vrc != 0) {
            trustm_wipe(st, sizeof *st);
            return vrc;
        }
        sim->nvm_dirty = true;
    }
    return 0;
}

/* ------------------------------------------------------------ final: build the new object */

static void put_version(sim_obj_t *o, uint16_t version, int *rc)
{
    uint8_t v[2];
    trustm_be16_put(v, version);
    if (!sim_meta_set(o, 0xC1u, v, 2))
        *rc = ERR_META_TRUNC;
}

static int apply_key(const sim_pu_state_t *st, sim_obj_t *o)
{
    const size_t k = key_bytes(st->info1);
    const uint8_t *tv[4] = {NULL, NULL, NULL, NULL};
    size_t i = 0;
    while (i < st->size) { /* TLVs tag(1) len(2) value, any order */
        if (st->size - i < 3u)
            return ERR_MANIFEST;
        uint8_t tag = st->staged[i];
        uint16_t l = trustm_be16_get(st->staged + i + 1);
        if (l > st->size - i - 3u || tag == 0 || tag > 3u || tv[tag] != NULL)
            return ERR_MANIFEST;
        size_t want = tag == 3u ? 4u : k;
        if (l != want)
            return ERR_MANIFEST;
        tv[tag] = st->staged + i + 3;
        i += 3u + l;
    }
    uint8_t alg = (uint8_t)st->info1, usage = (uint8_t)st->info2;
    memset(o->data, 0, o->max_size);
    if (alg >= 0x81u) {
        if (tv[1] == NULL || tv[2] != NULL || tv[3] != NULL)
            return ERR_MANIFEST;
        memcpy(o->data, tv[1], k);
        o->used = (uint16_t)k;
    } else {
        if (tv[1] == NULL || tv[2] == NULL || tv[3] == NULL)
            return ERR_MANIFEST;
        mbedtls_rsa_context r;
        mbedtls_rsa_init(&r, MBEDTLS_RSA_PKCS_V15, 0);
        const size_t h = k / 2u;
        uint8_t *n = o->data, *e = n + k, *d = e + 4, *p = d + k, *q = p + h;
        int ok = mbedtls_rsa_import_raw(&r, tv[2], k, NULL, 0, NULL, 0, tv[1], k, tv[3], 4) == 0 &&
                 mbedtls_rsa_complete(&r) == 0 && mbedtls_rsa_check_privkey(&r) == 0 && mbedtls_rsa_get_len(&r) == k &&
                 mbedtls_rsa_export_raw(&r, n, k, p, h, q, h, d, k, e, 4) == 0;
        mbedtls_rsa_free(&r);
        if (!ok)
            return ERR_MANIFEST; /* d, n, e do not form an RSA key of this size */
        o->used = (uint16_t)sim_rsa_blob_size(alg);
    }
    if (!sim_meta_set(o, 0xE0u, &alg, 1) || !sim_meta_set(o, 0xE1u, &usage, 1))
        return ERR_META_TRUNC;
    return 0;
}

static int apply_data(const sim_pu_state_t *st, sim_obj_t *o)
{
    const uint32_t end = st->info1 + st->size;
    if (st->info2 == 2u) { /* EraseAndWrite */
        memset(o->data, 0, o->max_size);
        o->used = 0;
    } else if (st->info1 > o->used) {
        memset(o->data + o->used, 0, st->info1 - o->used);
    }
    memcpy(o->data + st->info1, st->staged, st->size);
    uint16_t used = (uint16_t)(st->info2 == 2u || end > o->used ? end : o->used);
    if (used > o->used)
        o->used = used; /* keep the bytes just written (sim_obj_set_used only trims) */
    sim_obj_set_used(o, used);
    return 0;
}

static int apply_metadata(trustm_sim_t *sim, const sim_pu_state_t *st, sim_obj_t *o)
{
    const uint8_t *md = st->staged;
    const size_t n = st->size;
    if (sim_meta_check(md, n) != 0)
        return ERR_MANIFEST;
    for (size_t i = 2; i < n; i += 2u + md[i + 1]) {
        uint8_t t = md[i];
        if (t == 0xC1u || t == 0xC4u || t == 0xC5u || t == 0xE0u)
            return ERR_MANIFEST; /* §5.1: chip-maintained tags */
        if ((o->flags & SIM_OBJ_KEY) ? t == 0xE8u : t == 0xE1u)
            return ERR_MANIFEST;
    }
    /* reset type, applied before the new tags (objects.md §3.4) */
    const uint8_t rt = sim_meta_u8(o, 0xF0u, 0);
    uint8_t flush = rt & 0xF0u;
    if (flush == 0)
        flush = st->info1 == 1u ? 0x10u : st->info1 == 2u ? 0x20u : 0u;
    if (flush != 0) {
        if (flush == 0x10u)
            memset(o->data, 0, o->max_size);
        else
            sim_random(sim, o->data, o->max_size);
        if (o->flags & SIM_OBJ_KEY) {
            o->used = 0;
            sim_meta_remove(o, 0xE0u);
        } else if (sim_meta_find(o, 0xC5u, NULL) != NULL) {
            sim_obj_set_used(o, 0);
        }
    }
    if ((rt & 0x0Fu) != 0) {
        uint8_t l = rt & 0x0Fu;
        if (!sim_meta_set(o, 0xC0u, &l, 1))
            return ERR_META_TRUNC;
    }
    for (size_t i = 2; i < n; i += 2u + md[i + 1])
        if (!sim_meta_set(o, md[i], &md[i + 2], md[i + 1]))
            return ERR_META_TRUNC;
    return 0;
}

static int pu_commit(trustm_sim_t *sim, const sim_pu_state_t *st)
{
    sim_obj_t *t = sim_chip_obj(sim, st->target_oid);
    if (t == NULL)
        return ERR_INVALID_OID;
    sim_obj_t copy = *t;
    int rc = st->type == -3   ? apply_key(st, &copy)
             : st->type == -1 ? apply_data(st, &copy)
                              : apply_metadata(sim, st, &copy);
    if (rc == 0)
        put_version(&copy, st->version, &rc);
    if (rc == 0) {
        *t = copy; /* the one store update */
        sim->nvm_dirty = true;
    }
    trustm_wipe(&copy, sizeof copy);
    return rc;
}

/* ------------------------------------------------------------ fragments */

static int pu_fragment(trustm_sim_t *sim, const sim_cmd_t *c, bool final, const uint8_t *v, size_t n)
{
    sim_pu_state_t *st = &sim->chip.pu;
    if (!st->active)
        return ERR_SEQUENCE;
    if (c->param != st->param)
        return ERR_INVALID_PARAM;
    if (n == 0 || n > SIM_PU_FRAGMENT_MAX || (!final && n != SIM_PU_FRAGMENT_MAX))
        return ERR_INVALID_DATA;
    uint8_t h[32];
    (void)mbedtls_sha256_ret(v, n, h, 0);
    if (memcmp(h, st->expect, sizeof h) != 0) {
        sim_secmon_event(sim, SEC_EV_DECRYPT_FAIL);
        return ERR_INTEGRITY;
    }
    size_t chunk = final ? n : n - SIM_PU_DIGEST;
    size_t plain = chunk;
    if (st->conf) {
        if (chunk <= PU_CCM_TAG) {
            sim_secmon_event(sim, SEC_EV_DECRYPT_FAIL);
            return ERR_DECRYPT;
        }
        plain = chunk - PU_CCM_TAG;
    }
    if (plain > st->size - st->received)
        return ERR_MANIFEST; /* more payload than the manifest announced */
    uint8_t *dst = st->staged + st->received;
    if (st->conf) {
        uint8_t nonce[13], aad[8];
        memcpy(nonce, st->nonce11, 11);
        trustm_be16_put(nonce + 11, st->frag_no);
        trustm_be16_put(aad, st->version);
        aad[2] = (uint8_t)(st->received >> 16);
        aad[3] = (uint8_t)(st->received >> 8);
        aad[4] = (uint8_t)st->received;
        aad[5] = (uint8_t)(st->size >> 16);
        aad[6] = (uint8_t)(st->size >> 8);
        aad[7] = (uint8_t)st->size;
        mbedtls_ccm_context ccm;
        mbedtls_ccm_init(&ccm);
        int ok = mbedtls_ccm_setkey(&ccm, MBEDTLS_CIPHER_ID_AES, st->key, 128) == 0 &&
                 mbedtls_ccm_auth_decrypt(&ccm, plain, nonce, sizeof nonce, aad, sizeof aad, v, dst, v + plain,
                                          PU_CCM_TAG) == 0;
        mbedtls_ccm_free(&ccm);
        if (!ok) {
            trustm_wipe(dst, plain);
            sim_secmon_event(sim, SEC_EV_DECRYPT_FAIL);
            return ERR_INTEGRITY; /* CCM tag mismatch (protected-update.md §7.2: 0x2D) */
        }
    } else {
        memcpy(dst, v, plain);
    }
    st->received += (uint32_t)plain;
    st->frag_no++;
    if (!final) {
        memcpy(st->expect, v + chunk, SIM_PU_DIGEST);
        return 0;
    }
    if (st->received != st->size)
        return ERR_MANIFEST; /* fewer bytes than the manifest announced */
    return pu_commit(sim, st);
}

/* ------------------------------------------------------------ command */

/* End the sequence; an aborted update gives the target its version tag back (the staged data
 * never touched it).  After a successful final the tag holds the new version already. */
static void pu_end(trustm_sim_t *sim, bool committed)
{
    sim_pu_state_t *st = &sim->chip.pu;
    if (!st->active)
        return;
    sim_obj_t *t = sim_chip_obj(sim, st->target_oid);
    if (!committed && t != NULL && st->target_oid != 0xE0C9u) {
        int rc = 0;
        if (st->had_version)
            put_version(t, st->prev_version, &rc);
        else
            sim_meta_remove(t, 0xC1u);
        sim->nvm_dirty = true;
    }
    trustm_wipe(st, sizeof *st);
}

void sim_pu_abort(trustm_sim_t *sim)
{
    pu_end(sim, false);
}

int sim_cmd_set_object_protected(trustm_sim_t *sim, sim_cmd_t *c)
{
    int rc;
    if (c->param != PU_PARAM_V1) {
        rc = ERR_INVALID_PARAM;
    } else if (c->in_len < 3u || (size_t)trustm_be16_get(c->in + 1) != c->in_len - 3u) {
        rc = ERR_INVALID_DATA; /* not exactly one TLV */
    } else {
        const uint8_t tag = c->in[0];
        const uint8_t *v = c->in + 3;
        const size_t n = c->in_len - 3u;
        if (tag == PU_TAG_START) {
            sim_pu_abort(sim); /* a new start ends any open sequence */
            rc = pu_start(sim, c, v, n);
        } else if (tag == PU_TAG_CONTINUE || tag == PU_TAG_FINAL) {
            rc = pu_fragment(sim, c, tag == PU_TAG_FINAL, v, n);
            if (rc == 0 && tag == PU_TAG_FINAL)
                pu_end(sim, true); /* done */
        } else {
            rc = ERR_INVALID_DATA;
        }
    }
    if (rc != 0)
        sim_pu_abort(sim);
    return rc;
}
