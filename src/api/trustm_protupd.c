/* Protected update (SetObjectProtected start / continue / final), its setup and the ID2
 * key-provisioning use cases (protected-update.md §7). */
#include <string.h>

#include "trustm/trustm_data.h"
#include "trustm/trustm_protupd.h"
#include "trustm_api_int.h"
#include "trustm_cmd_protupd.h"

typedef struct pu_op_state {
    const uint8_t *manifest; /* NULL: no start command (single phase) */
    size_t manifest_len;
    const uint8_t *const *frags;
    const size_t *lens;
    size_t n;
    size_t next;          /* index of the next command: 0 = manifest when present */
    uint8_t single_phase; /* phase for a single fragment command                  */
    const uint8_t *single;
    size_t single_len;
} pu_op_state_t;
API_STATE_FITS(pu_op_state_t);

static trustm_status_t pu_build(api_op_t *op, trustm_wbuf_t *w)
{
    pu_op_state_t *st = API_STATE(op, pu_op_state_t);
    if (st->single != NULL)
        return trustm_cmd_protupd_put(w, st->single_phase, TRUSTM_PROTUPD_MANIFEST_V1, st->single, st->single_len,
                                      op->cmd_flags);
    if (st->next == 0)
        return trustm_cmd_protupd_put(w, TRUSTM_CMD_PROTUPD_START, TRUSTM_PROTUPD_MANIFEST_V1, st->manifest,
                                      st->manifest_len, op->cmd_flags);
    size_t i = st->next - 1u;
    uint8_t phase = i + 1u == st->n ? TRUSTM_CMD_PROTUPD_FINAL : TRUSTM_CMD_PROTUPD_CONTINUE;
    return trustm_cmd_protupd_put(w, phase, TRUSTM_PROTUPD_MANIFEST_V1, st->frags[i], st->lens[i], op->cmd_flags);
}

static trustm_status_t pu_parse(api_op_t *op, const uint8_t *rsp, size_t rsp_len)
{
    pu_op_state_t *st = API_STATE(op, pu_op_state_t);
    trustm_status_t s = trustm_cmd_no_data_decode(rsp, rsp_len);
    if (s != TRUSTM_OK || st->single != NULL)
        return s;
    st->next++;
    return st->next <= st->n ? TRUSTM_IN_PROGRESS : TRUSTM_OK;
}

static const api_op_ops_t pu_ops = {pu_build, pu_parse, NULL, 0, NULL};

static bool frag_ok(uint8_t phase, const uint8_t *f, size_t len)
{
    if (f == NULL || len == 0)
        return false;
    if (phase == TRUSTM_CMD_PROTUPD_CONTINUE)
        return len == TRUSTM_PROTUPD_FRAGMENT_MAX;
    if (phase == TRUSTM_CMD_PROTUPD_FINAL)
        return len <= TRUSTM_PROTUPD_FRAGMENT_MAX;
    return len <= TRUSTM_PROTUPD_MANIFEST_MAX;
}

static trustm_status_t single_start(trustm_device_t *dev, uint8_t phase, const uint8_t *data, size_t len)
{
    pu_op_state_t st;
    if (!frag_ok(phase, data, len))
        return API_BAD_PARAM;
    memset(&st, 0, sizeof st);
    st.single_phase = phase;
    st.single = data;
    st.single_len = len;
    return api_op_start(dev, &pu_ops, &st, sizeof st);
}

trustm_status_t trustm_op_start_protupd_setup(trustm_device_t *dev, const uint8_t *manifest, size_t len)
{
    return single_start(dev, TRUSTM_CMD_PROTUPD_START, manifest, len);
}

trustm_status_t trustm_op_start_protupd_update(trustm_device_t *dev, const uint8_t *fragment, size_t len)
{
    return single_start(dev, TRUSTM_CMD_PROTUPD_CONTINUE, fragment, len);
}

trustm_status_t trustm_op_start_protupd_finish(trustm_device_t *dev, const uint8_t *fragment, size_t len)
{
    return single_start(dev, TRUSTM_CMD_PROTUPD_FINAL, fragment, len);
}

trustm_status_t trustm_protupd_setup(trustm_device_t *dev, const uint8_t *manifest, size_t len)
{
    return api_run(dev, trustm_op_start_protupd_setup(dev, manifest, len));
}

trustm_status_t trustm_protupd_update(trustm_device_t *dev, const uint8_t *fragment, size_t len)
{
    return api_run(dev, trustm_op_start_protupd_update(dev, fragment, len));
}

trustm_status_t trustm_protupd_finish(trustm_device_t *dev, const uint8_t *fragment, size_t len)
{
    return api_run(dev, trustm_op_start_protupd_finish(dev, fragment, len));
}

trustm_status_t trustm_op_start_protected_update(trustm_device_t *dev, const uint8_t *manifest, size_t manifest_len,
                                                 const uint8_t *const fragments[], const size_t lens[], size_t n)
{
    if (!frag_ok(TRUSTM_CMD_PROTUPD_START, manifest, manifest_len) || fragments == NULL || lens == NULL || n == 0 ||
        n > TRUSTM_PROTUPD_MAX_FRAGMENTS)
        return API_BAD_PARAM;
    for (size_t i = 0; i < n; i++)
        if (!frag_ok(i + 1u == n ? TRUSTM_CMD_PROTUPD_FINAL : TRUSTM_CMD_PROTUPD_CONTINUE, fragments[i], lens[i]))
            return API_BAD_PARAM;
    pu_op_state_t st;
    memset(&st, 0, sizeof st);
    st.manifest = manifest;
    st.manifest_len = manifest_len;
    st.frags = fragments;
    st.lens = lens;
    st.n = n;
    return api_op_start(dev, &pu_ops, &st, sizeof st);
}

trustm_status_t trustm_protected_update(trustm_device_t *dev, const uint8_t *manifest, size_t manifest_len,
                                        const uint8_t *const fragments[], const size_t lens[], size_t n)
{
    return api_run(dev, trustm_op_start_protected_update(dev, manifest, manifest_len, fragments, lens, n));
}

trustm_status_t trustm_protupd_split(const uint8_t *stream, size_t len, const uint8_t *fragments[], size_t lens[],
                                     size_t max, size_t *count)
{
    if (stream == NULL || len == 0 || fragments == NULL || lens == NULL || count == NULL)
        return API_BAD_PARAM;
    size_t n = (len + TRUSTM_PROTUPD_FRAGMENT_MAX - 1u) / TRUSTM_PROTUPD_FRAGMENT_MAX;
    if (n > max)
        return API_TOO_SMALL;
    for (size_t i = 0; i < n; i++) {
        size_t off = i * TRUSTM_PROTUPD_FRAGMENT_MAX;
        fragments[i] = stream + off;
        lens[i] = len - off < TRUSTM_PROTUPD_FRAGMENT_MAX ? len - off : TRUSTM_PROTUPD_FRAGMENT_MAX;
    }
    *count = n;
    return TRUSTM_OK;
}

/* ---- setup ---- */

static trustm_status_t typed_object(trustm_device_t *dev, uint16_t oid, uint8_t type, const uint8_t *data, size_t len)
{
    const uint8_t md[8] = {0x20, 0x06, 0xD3, 0x01, 0x00, 0xE8, 0x01, type};
    trustm_status_t s = trustm_metadata_write(dev, oid, md, sizeof md);
    if (s != TRUSTM_OK)
        return s;
    return trustm_data_write(dev, oid, TRUSTM_ERASE_AND_WRITE, 0, data, len);
}

trustm_status_t trustm_protupd_provision_trust_anchor(trustm_device_t *dev, uint16_t ta_oid, const uint8_t *cert,
                                                      size_t cert_len)
{
    if (cert == NULL || cert_len < 2 || cert[0] != 0x30u || cert_len > 0xFFFFu)
        return API_BAD_PARAM; /* a single DER certificate (SEQUENCE) */
    return typed_object(dev, ta_oid, 0x11u, cert, cert_len);
}

trustm_status_t trustm_protupd_provision_secret(trustm_device_t *dev, uint16_t secret_oid, const uint8_t *secret,
                                                size_t len)
{
    if (secret == NULL || len == 0 || len > 64u)
        return API_BAD_PARAM;
    return typed_object(dev, secret_oid, 0x23u, secret, len);
}

trustm_status_t trustm_protupd_target_encode(const trustm_protupd_target_t *t, uint8_t *md, size_t md_size,
                                             size_t *md_len)
{
    if (t == NULL || md == NULL || md_len == NULL || t->ta_oid == 0 || (t->metadata_update && t->reset_type == 0))
        return API_BAD_PARAM;
    size_t need =
        2u + 2u + (t->secret_oid != 0 ? 7u : 3u) + 4u + (t->key_object ? 3u : 0u) + (t->metadata_update ? 3u : 0u);
    if (md_size < need)
        return API_TOO_SMALL;
    size_t n = 2;
    md[n++] = t->metadata_update ? 0xD8u : 0xD0u;
    md[n++] = t->secret_oid != 0 ? 7u : 3u;
    md[n++] = 0x21u; /* Int(TA) */
    trustm_be16_put(md + n, t->ta_oid);
    n += 2;
    if (t->secret_oid != 0) {
        md[n++] = 0xFDu; /* && Conf(secret) */
        md[n++] = 0x20u;
        trustm_be16_put(md + n, t->secret_oid);
        n += 2;
    }
    md[n++] = 0xC1u;
    md[n++] = 2u;
    trustm_be16_put(md + n, t->version);
    n += 2;
    if (t->key_object) {
        md[n++] = 0xD3u;
        md[n++] = 1u;
        md[n++] = 0x00u;
    }
    if (t->metadata_update) {
        md[n++] = 0xF0u;
        md[n++] = 1u;
        md[n++] = t->reset_type;
    }
    md[0] = 0x20u;
    md[1] = (uint8_t)(n - 2u);
    *md_len = n;
    return TRUSTM_OK;
}

trustm_status_t trustm_protupd_provision_target(trustm_device_t *dev, const trustm_protupd_target_t *t)
{
    uint8_t md[TRUSTM_PROTUPD_TARGET_MD_MAX];
    size_t n = 0;
    trustm_status_t s = trustm_protupd_target_encode(t, md, sizeof md, &n);
    if (s != TRUSTM_OK)
        return s;
    return trustm_metadata_write(dev, t->oid, md, n);
}

/* ---- ID2 ---- */

trustm_status_t trustm_id2_key_update(trustm_device_t *dev, const uint8_t device_id[TRUSTM_ID2_DEVICE_ID_SIZE],
                                      const uint8_t *manifest, size_t manifest_len, const uint8_t *const fragments[],
                                      const size_t lens[], size_t n)
{
    if (device_id == NULL)
        return API_BAD_PARAM;
    /* check the data set first so that a bad call writes nothing */
    if (!frag_ok(TRUSTM_CMD_PROTUPD_START, manifest, manifest_len) || fragments == NULL || lens == NULL || n == 0 ||
        n > TRUSTM_PROTUPD_MAX_FRAGMENTS)
        return API_BAD_PARAM;
    /* the key data set first: a set the chip refuses leaves F1D0 as it was */
    trustm_status_t s = trustm_protected_update(dev, manifest, manifest_len, fragments, lens, n);
    if (s != TRUSTM_OK)
        return s;
    return trustm_data_write(dev, TRUSTM_OID_ID2_DEVICE_ID, TRUSTM_ERASE_AND_WRITE, 0, device_id,
                             TRUSTM_ID2_DEVICE_ID_SIZE);
}

/* The seed's flow for one ID2 key object: [setup], start / final, then F1D0 (only once the key
 * is in). The setup writes only what the flow needs and lets the chip check the data set's
 * target against the metadata. */
static trustm_status_t id2_flow(trustm_device_t *dev, uint16_t key_oid, const uint8_t *device_id, const uint8_t *cert,
                                size_t cert_len, const uint8_t *manifest, size_t manifest_len,
                                const uint8_t *const fragments[], const size_t lens[], size_t n)
{
    if (device_id == NULL || !frag_ok(TRUSTM_CMD_PROTUPD_START, manifest, manifest_len) || fragments == NULL ||
        lens == NULL || n == 0 || n > TRUSTM_PROTUPD_MAX_FRAGMENTS ||
        (cert != NULL && (cert_len < 2 || cert[0] != 0x30u || cert_len > 0xFFFFu)))
        return API_BAD_PARAM;
    trustm_status_t s = TRUSTM_OK;
    if (cert != NULL) {
        trustm_protupd_target_t t;
        memset(&t, 0, sizeof t);
        t.oid = key_oid;
        t.ta_oid = TRUSTM_OID_ID2_TRUST_ANCHOR;
        t.key_object = key_oid == TRUSTM_OID_ID2_RSA_KEY; /* E200 ships with Execute = ALW */
        s = trustm_protupd_provision_target(dev, &t);
        if (s == TRUSTM_OK)
            s = trustm_protupd_provision_trust_anchor(dev, TRUSTM_OID_ID2_TRUST_ANCHOR, cert, cert_len);
    }
    if (s == TRUSTM_OK)
        s = trustm_protected_update(dev, manifest, manifest_len, fragments, lens, n);
    if (s != TRUSTM_OK)
        return s; /* F1D0 untouched */
    return trustm_data_write(dev, TRUSTM_OID_ID2_DEVICE_ID, TRUSTM_ERASE_AND_WRITE, 0, device_id,
                             TRUSTM_ID2_DEVICE_ID_SIZE);
}

trustm_status_t trustm_id2_aes_key_update(trustm_device_t *dev, const uint8_t device_id[TRUSTM_ID2_DEVICE_ID_SIZE],
                                          const uint8_t *cert, size_t cert_len, const uint8_t *manifest,
                                          size_t manifest_len, const uint8_t *const fragments[], const size_t lens[],
                                          size_t n)
{
    return id2_flow(dev, TRUSTM_OID_ID2_AES_KEY, device_id, cert, cert_len, manifest, manifest_len, fragments, lens, n);
}

trustm_status_t trustm_id2_rsa_key_update(trustm_device_t *dev, const uint8_t device_id[TRUSTM_ID2_DEVICE_ID_SIZE],
                                          const uint8_t *cert, size_t cert_len, const uint8_t *manifest,
                                          size_t manifest_len, const uint8_t *const fragments[], const size_t lens[],
                                          size_t n)
{
    return id2_flow(dev, TRUSTM_OID_ID2_RSA_KEY, device_id, cert, cert_len, manifest, manifest_len, fragments, lens, n);
}
