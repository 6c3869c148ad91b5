/*
 * trustm_sim_nvm.c - the chip's non-volatile image in a state file, written crash-safely.
 *
 * File format v1 (all integers big-endian):
 *
 *   0   8  magic "TRUSTMSM"
 *   8   4  format version (1)
 *   12  4  payload length n
 *   16  n  payload: records  tag (2) | length (4) | value (length)
 *   16+n 4 CRC-32 (IEEE 802.3, reflected 0xEDB88320) over bytes 0 .. 16+n-1
 *
 * Records (unknown tags are skipped, so later versions can add records):
 *   0x0001 seed (8)                       0x0002 persistent BASE_ADDR (1)
 *   0x0003 persistent I2C_MODE (1)        0x0004 hibernate context: valid (1) handle (8) F1C1 (1)
 *   0x0005 RNG state (8)
 *   0x0006 hibernate sessions: 4 x (kind (1) | alg (1) | length (2) | data) | 4 x Auto OID (2)
 *   0x0100 object: OID (2) | metadata length (1) | metadata | used size (2) | data (used size)
 *
 * This file is the image codec only (model <-> bytes); where the image lives and how it is
 * written crash-safely is the storage's business (trustm_sim_storage.c).
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "trustm_bytes.h"
#include "trustm_sim_int.h"

#define NVM_MAGIC    "TRUSTMSM"
#define NVM_VERSION  1u
#define NVM_HEADER   16u
#define NVM_MAX_FILE (16u * 1024u * 1024u)

enum {
    REC_SEED = 0x0001,
    REC_BASE_ADDR = 0x0002,
    REC_I2C_MODE = 0x0003,
    REC_HIBERNATE = 0x0004,
    REC_RNG = 0x0005,
    REC_HIB_SESSIONS = 0x0006,
    REC_OBJECT = 0x0100
};

uint32_t sim_crc32(const uint8_t *p, size_t n)
{
    uint32_t crc = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++)
            crc = (crc & 1u) ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
    }
    return ~crc;
}

/* ------------------------------------------------------------------ save */

static void put_rec(trustm_wbuf_t *w, uint16_t tag, const uint8_t *v, size_t n)
{
    trustm_wbuf_be16(w, tag);
    trustm_wbuf_be32(w, (uint32_t)n);
    trustm_wbuf_bytes(w, v, n);
}

static size_t encode_image(const trustm_sim_t *sim, uint8_t *buf, size_t size)
{
    trustm_wbuf_t w;
    uint8_t v[16];
    trustm_wbuf_init(&w, buf, size);
    trustm_wbuf_bytes(&w, (const uint8_t *)NVM_MAGIC, 8);
    trustm_wbuf_be32(&w, NVM_VERSION);
    trustm_wbuf_be32(&w, 0); /* payload length, patched below */
    trustm_be64_put(v, sim->seed);
    put_rec(&w, REC_SEED, v, 8);
    put_rec(&w, REC_BASE_ADDR, &sim->nv_addr, 1);
    put_rec(&w, REC_I2C_MODE, &sim->nv_i2c_mode, 1);
    v[0] = sim->hib_valid ? 1u : 0u;
    memcpy(v + 1, sim->hib_handle, 8);
    v[9] = sim->hib_status;
    put_rec(&w, REC_HIBERNATE, v, 10);
    trustm_be64_put(v, sim->rng_bound);
    put_rec(&w, REC_RNG, v, 8);
    if (sim->hib_valid) {
        size_t len = 0;
        for (unsigned i = 0; i < SIM_SESSIONS; i++)
            len += 4u + sim->hib_sessions[i].len;
        trustm_wbuf_be16(&w, REC_HIB_SESSIONS);
        trustm_wbuf_be32(&w, (uint32_t)(len + 2u * SIM_AUTO_MAX));
        for (unsigned i = 0; i < SIM_SESSIONS; i++) {
            const sim_session_t *s = &sim->hib_sessions[i];
            trustm_wbuf_u8(&w, s->kind);
            trustm_wbuf_u8(&w, s->alg);
            trustm_wbuf_be16(&w, s->len);
            trustm_wbuf_bytes(&w, s->data, s->len);
        }
        for (unsigned i = 0; i < SIM_AUTO_MAX; i++)
            trustm_wbuf_be16(&w, sim->hib_auto[i]);
    }
    for (size_t i = 0; i < SIM_OBJ_COUNT; i++) {
        const sim_obj_t *o = &sim->objs[i];
        if (!(o->flags & SIM_OBJ_PERSISTENT))
            continue;
        trustm_wbuf_be16(&w, REC_OBJECT);
        trustm_wbuf_be32(&w, (uint32_t)(2u + 1u + o->meta_len + 2u + o->used));
        trustm_wbuf_be16(&w, o->oid);
        trustm_wbuf_u8(&w, o->meta_len);
        trustm_wbuf_bytes(&w, o->meta, o->meta_len);
        trustm_wbuf_be16(&w, o->used);
        if (o->oid == 0xE0C5u && o->used >= 1u) { /* SEC: the NVM copy, not SEC_CURR */
            trustm_wbuf_u8(&w, sim->sec_nvm);
            trustm_wbuf_bytes(&w, o->data + 1, o->used - 1u);
        } else {
            trustm_wbuf_bytes(&w, o->data, o->used);
        }
    }
    if (!trustm_wbuf_ok(&w) || w.len + 4u > size)
        return 0;
    trustm_be32_put(buf + 12, (uint32_t)(w.len - NVM_HEADER));
    trustm_be32_put(buf + w.len, sim_crc32(buf, w.len));
    return w.len + 4u;
}

uint8_t *sim_nvm_encode(const trustm_sim_t *sim, size_t *len)
{
    size_t cap =
        4096u + SIM_SESSIONS * (4u + SIM_SESSION_MAX) + SIM_OBJ_COUNT * (8u + SIM_OBJ_META_MAX + SIM_OBJ_DATA_MAX);
    uint8_t *buf = malloc(cap);
    if (buf == NULL)
        return NULL;
    size_t n = encode_image(sim, buf, cap);
    if (n == 0) {
        trustm_wipe(buf, cap);
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

/* ------------------------------------------------------------------ load */

static int load_object(trustm_sim_t *sim, const uint8_t *v, uint32_t n, const char *path, char *err, size_t errlen)
{
    trustm_rbuf_t r;
    trustm_rbuf_init(&r, v, n);
    uint16_t oid = trustm_rbuf_be16(&r);
    uint8_t meta_len = trustm_rbuf_u8(&r);
    const uint8_t *meta = trustm_rbuf_bytes(&r, meta_len);
    uint16_t used = trustm_rbuf_be16(&r);
    const uint8_t *data = trustm_rbuf_bytes(&r, used);
    if (!trustm_rbuf_ok(&r) || trustm_rbuf_left(&r) != 0) {
        sim_err(err, errlen, "state file %s: malformed object record", path);
        return -1;
    }
    sim_obj_t *o = sim_chip_obj(sim, oid);
    if (o == NULL || !(o->flags & SIM_OBJ_PERSISTENT))
        return 0; /* written by a newer model: not known here, kept out */
    if (meta_len > SIM_OBJ_META_MAX || meta_len < 2 || meta[0] != 0x20 || meta[1] != meta_len - 2u ||
        used > o->max_size) {
        sim_err(err, errlen, "state file %s: object %04X has invalid metadata or size", path, oid);
        return -1;
    }
    o->meta_len = meta_len;
    memcpy(o->meta, meta, meta_len);
    o->used = used;
    memcpy(o->data, data, used);
    return 0;
}

static int parse_image(trustm_sim_t *sim, const uint8_t *buf, size_t n, const char *path, uint32_t *version,
                       uint32_t *objects, char *err, size_t errlen)
{
    if (n < NVM_HEADER + 4u) {
        sim_err(err, errlen, "state file %s: truncated (%zu bytes)", path, n);
        return -1;
    }
    if (memcmp(buf, NVM_MAGIC, 8) != 0) {
        sim_err(err, errlen, "state file %s: not a trustm-sim state file (bad magic)", path);
        return -1;
    }
    *version = trustm_be32_get(buf + 8);
    if (*version != NVM_VERSION) {
        sim_err(err, errlen, "state file %s: unsupported format version %lu", path, (unsigned long)*version);
        return -1;
    }
    uint32_t plen = trustm_be32_get(buf + 12);
    if ((size_t)plen + NVM_HEADER + 4u != n) {
        sim_err(err, errlen, "state file %s: truncated or extended (payload %lu, file %zu bytes)", path,
                (unsigned long)plen, n);
        return -1;
    }
    if (sim_crc32(buf, NVM_HEADER + plen) != trustm_be32_get(buf + NVM_HEADER + plen)) {
        sim_err(err, errlen, "state file %s: CRC mismatch (corrupted)", path);
        return -1;
    }
    trustm_rbuf_t r;
    trustm_rbuf_init(&r, buf + NVM_HEADER, plen);
    bool have_seed = false, have_uid = false;
    *objects = 0;
    while (trustm_rbuf_left(&r) > 0) {
        uint16_t tag = trustm_rbuf_be16(&r);
        uint32_t len = trustm_rbuf_be32(&r);
        const uint8_t *v = trustm_rbuf_bytes(&r, len);
        if (!trustm_rbuf_ok(&r)) {
            sim_err(err, errlen, "state file %s: record overruns the payload", path);
            return -1;
        }
        switch (tag) {
        case REC_SEED:
            if (len != 8)
                goto bad;
            sim->seed = trustm_be64_get(v);
            have_seed = true;
            break;
        case REC_BASE_ADDR:
            if (len != 1 || v[0] == 0 || v[0] > 0x7F)
                goto bad;
            sim->nv_addr = v[0];
            break;
        case REC_I2C_MODE:
            if (len != 1 || v[0] < 1 || v[0] > 4)
                goto bad;
            sim->nv_i2c_mode = v[0];
            break;
        case REC_HIBERNATE:
            if (len != 10 || v[0] > 1)
                goto bad;
            sim->hib_valid = v[0] == 1;
            memcpy(sim->hib_handle, v + 1, 8);
            sim->hib_status = v[9];
            break;
        case REC_RNG:
            if (len != 8)
                goto bad;
            sim->rng = sim->rng_bound = trustm_be64_get(v);
            break;
        case REC_HIB_SESSIONS: {
            trustm_rbuf_t h;
            trustm_rbuf_init(&h, v, len);
            for (unsigned i = 0; i < SIM_SESSIONS; i++) {
                sim_session_t *s = &sim->hib_sessions[i];
                s->kind = trustm_rbuf_u8(&h);
                s->alg = trustm_rbuf_u8(&h);
                s->len = trustm_rbuf_be16(&h);
                if (s->kind > 2 || (s->kind == 0 && s->len != 0) || (s->kind == 1 && s->len > SIM_SESSION_SECRET_MAX) ||
                    (s->kind == 2 && (s->len == 0 || s->len != sim_rsa_key_blob_size(s->alg))))
                    goto bad;
                const uint8_t *d = trustm_rbuf_bytes(&h, s->len);
                if (d != NULL)
                    memcpy(s->data, d, s->len);
            }
            for (unsigned i = 0; i < SIM_AUTO_MAX; i++)
                sim->hib_auto[i] = trustm_rbuf_be16(&h);
            if (!trustm_rbuf_ok(&h) || trustm_rbuf_left(&h) != 0)
                goto bad;
            break;
        }
        case REC_OBJECT:
            if (load_object(sim, v, len, path, err, errlen) != 0)
                return -1;
            if (len >= 2 && trustm_be16_get(v) == 0xE0C2u)
                have_uid = true;
            (*objects)++;
            break;
        default:
            break; /* record of a newer format revision */
        }
        continue;
    bad:
        sim_err(err, errlen, "state file %s: invalid record %04X (length %lu)", path, tag, (unsigned long)len);
        return -1;
    }
    if (!have_seed || !have_uid) {
        sim_err(err, errlen, "state file %s: incomplete (missing %s)", path, have_seed ? "UID" : "seed");
        return -1;
    }
    sim->sec_nvm = sim_chip_obj(sim, 0xE0C5u)->data[0];
    const sim_obj_t *uid = sim_chip_obj(sim, 0xE0C2u);
    if (uid->used != TRUSTM_SIM_UID_SIZE) {
        sim_err(err, errlen, "state file %s: UID must be %u bytes", path, TRUSTM_SIM_UID_SIZE);
        return -1;
    }
    return 0;
}

int sim_nvm_decode(trustm_sim_t *sim, const uint8_t *buf, size_t n, const char *name, char *err, size_t errlen)
{
    uint32_t version, objects;
    return parse_image(sim, buf, n, name, &version, &objects, err, errlen);
}

/* ------------------------------------------------------- CLI helpers */

int trustm_sim_state_init(const char *path, uint64_t seed, const uint8_t *uid, bool force, char *errbuf, size_t errlen)
{
    return trustm_sim_state_init_provisioned(path, seed, uid, force, NULL, errbuf, errlen);
}

int trustm_sim_state_init_provisioned(const char *path, uint64_t seed, const uint8_t *uid, bool force,
                                      const trustm_sim_provision_t *p, char *errbuf, size_t errlen)
{
    if (path == NULL) {
        sim_err(errbuf, errlen, "no state file given");
        return -1;
    }
    struct stat st;
    if (!force && stat(path, &st) == 0) {
        sim_err(errbuf, errlen, "state file %s exists (use --force to replace it)", path);
        return -1;
    }
    trustm_sim_t *sim = calloc(1, sizeof *sim);
    if (sim == NULL) {
        sim_err(errbuf, errlen, "out of memory");
        return -1;
    }
    uint8_t gen[TRUSTM_SIM_UID_SIZE];
    if (uid == NULL) {
        sim_chip_uid_generate(seed, gen);
        uid = gen;
    }
    sim->seed = seed;
    sim->rng = sim->rng_bound = seed;
    sim->nv_addr = SIM_DEFAULT_ADDR;
    sim->nv_i2c_mode = SIM_I2C_MODE_DEFAULT;
    sim_chip_objects_default(sim, uid);
    int rc = p != NULL ? sim_chip_provision(sim, p, errbuf, errlen) : 0;
    trustm_sim_storage_t fs;
    if (rc == 0)
        rc = trustm_sim_storage_file(&fs, path, errbuf, errlen);
    if (rc == 0) {
        size_t n = 0;
        uint8_t *img = sim_nvm_encode(sim, &n);
        if (img == NULL) {
            sim_err(errbuf, errlen, "state file %s: out of memory", path);
            rc = -1;
        } else {
            rc = fs.commit(&fs, img, n, errbuf, errlen) == 0 ? 0 : -1;
            trustm_wipe(img, n);
            free(img);
        }
        fs.close(&fs);
    }
    trustm_wipe(sim, sizeof *sim);
    free(sim);
    return rc;
}

int trustm_sim_state_info(const char *path, trustm_sim_state_info_t *out, char *errbuf, size_t errlen)
{
    if (path == NULL || out == NULL) {
        sim_err(errbuf, errlen, "no state file given");
        return -1;
    }
    trustm_sim_t *sim = calloc(1, sizeof *sim);
    if (sim == NULL) {
        sim_err(errbuf, errlen, "out of memory");
        return -1;
    }
    uint8_t zero[TRUSTM_SIM_UID_SIZE] = {0};
    sim->nv_addr = SIM_DEFAULT_ADDR;
    sim->nv_i2c_mode = SIM_I2C_MODE_DEFAULT;
    sim_chip_objects_default(sim, zero);
    uint8_t *buf = NULL;
    size_t n = 0;
    int rc = sim_file_read(path, &buf, &n, errbuf, errlen);
    if (rc == 1) {
        sim_err(errbuf, errlen, "state file %s: cannot open: %s", path, strerror(ENOENT));
        rc = -1;
    }
    if (rc == 0) {
        memset(out, 0, sizeof *out);
        rc = parse_image(sim, buf, n, path, &out->version, &out->objects, errbuf, errlen);
        trustm_wipe(buf, n);
        free(buf);
    }
    if (rc == 0) {
        memcpy(out->uid, sim_chip_obj(sim, 0xE0C2u)->data, TRUSTM_SIM_UID_SIZE);
        out->seed = sim->seed;
        out->base_addr = sim->nv_addr;
        out->i2c_mode = sim->nv_i2c_mode;
        out->lcs_global = sim_chip_obj(sim, 0xE0C0u)->data[0];
        out->lcs_app = sim_chip_obj(sim, 0xF1C0u)->data[0];
        out->sec = sim_chip_obj(sim, 0xE0C5u)->data[0];
    }
    free(sim);
    return rc;
}
