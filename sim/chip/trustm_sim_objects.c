/*
 * trustm_sim_objects.c - the object store of the M2 ID2 profile (objects.md §1), shipped
 * metadata (§1.4), metadata container handling and the per-tag change rules (§3), sessions.
 */
#include <string.h>

#include "sim_chip.h"
#include "trustm_bytes.h"

/* ------------------------------------------------------------- shipped metadata (§1.4) */
static const uint8_t m_rw1[] = {0x20, 0x09, 0xC4, 0x01, 0x01, 0xD0, 0x01, 0x00, 0xD1, 0x01, 0x00};
static const uint8_t m_ro1[] = {0x20, 0x09, 0xC4, 0x01, 0x01, 0xD0, 0x01, 0xFF, 0xD1, 0x01, 0x00};
static const uint8_t m_uid[] = {0x20, 0x09, 0xC4, 0x01, 0x1B, 0xD0, 0x01, 0xFF, 0xD1, 0x01, 0x00};
static const uint8_t m_buf[] = {0x20, 0x06, 0xC4, 0x01, 0x02, 0xD1, 0x01, 0x00};
static const uint8_t m_e0c9[] = {0x20, 0x11, 0xC0, 0x01, 0x07, 0xC4, 0x01, 0x08, 0xD0, 0x03,
                                 0xE1, 0xFC, 0x07, 0xD1, 0x01, 0x00, 0xD3, 0x01, 0xFF};
/* E0E0: the dump's metadata, but empty (used size 0): no M2 ID2 device certificate is known. */
static const uint8_t m_e0e0[] = {0x20, 0x16, 0xC0, 0x01, 0x01, 0xC4, 0x02, 0x06, 0xC0, 0xC5, 0x01, 0x00,
                                 0xD0, 0x01, 0xFF, 0xD1, 0x01, 0x00, 0xD3, 0x01, 0x00, 0xE8, 0x01, 0x12};
static const uint8_t m_cert[] = {0x20, 0x19, 0xC0, 0x01, 0x01, 0xC4, 0x02, 0x06, 0xC0, 0xC5, 0x02, 0x06, 0xC0, 0xD0,
                                 0x03, 0xE1, 0xFC, 0x07, 0xD1, 0x01, 0x00, 0xD3, 0x01, 0x00, 0xE8, 0x01, 0x12};
static const uint8_t m_ta[] = {0x20, 0x19, 0xC0, 0x01, 0x01, 0xC4, 0x02, 0x04, 0xB0, 0xC5, 0x02, 0x04, 0xB0, 0xD0,
                               0x03, 0xE1, 0xFC, 0x07, 0xD1, 0x01, 0x00, 0xD3, 0x01, 0x00, 0xE8, 0x01, 0x11};
static const uint8_t m_rsa[] = {0x20, 0x0B, 0xC0, 0x01, 0x01, 0xD0, 0x03, 0xE1, 0xFC, 0x07, 0xD3, 0x01, 0x00};
static const uint8_t m_ctr[] = {0x20, 0x17, 0xC0, 0x01, 0x01, 0xC4, 0x01, 0x08, 0xC5, 0x01, 0x08, 0xD0, 0x03,
                                0xE1, 0xFC, 0x07, 0xD1, 0x01, 0x00, 0xD3, 0x01, 0x00, 0xE8, 0x01, 0x01};
static const uint8_t m_e140[] = {0x20, 0x1D, 0xC0, 0x01, 0x01, 0xC4, 0x01, 0x40, 0xC5, 0x01, 0x40,
                                 0xD0, 0x07, 0xE1, 0xFC, 0x07, 0xFE, 0x20, 0xE1, 0x40, 0xD1, 0x03,
                                 0xE1, 0xFC, 0x07, 0xD3, 0x01, 0x00, 0xE8, 0x01, 0x22};
static const uint8_t m_e200[] = {0x20, 0x09, 0xC0, 0x01, 0x01, 0xD0, 0x01, 0xFF, 0xD3, 0x01, 0x00};
static const uint8_t m_t3[] = {0x20, 0x11, 0xC0, 0x01, 0x01, 0xC4, 0x01, 0x8C, 0xC5, 0x01,
                               0x64, 0xD0, 0x03, 0xE1, 0xFC, 0x07, 0xD1, 0x01, 0x00};
static const uint8_t m_t2[] = {0x20, 0x13, 0xC0, 0x01, 0x01, 0xC4, 0x02, 0x05, 0xDC, 0xC5, 0x02,
                               0x05, 0xDC, 0xD0, 0x03, 0xE1, 0xFC, 0x07, 0xD1, 0x01, 0x00};

static void obj_init(sim_obj_t *o, uint16_t oid, uint8_t flags, uint16_t max, const uint8_t *data, uint16_t used,
                     const uint8_t *meta, uint8_t meta_len)
{
    memset(o, 0, sizeof *o);
    o->oid = oid;
    o->flags = flags;
    o->max_size = max;
    o->used = used;
    if (data != NULL)
        memcpy(o->data, data, used);
    o->meta_len = meta_len;
    memcpy(o->meta, meta, meta_len);
}

void sim_chip_uid_generate(uint64_t seed, uint8_t uid[TRUSTM_SIM_UID_SIZE])
{
    /* objects.md §6.1: CIM CD, platform 16, model 33, ROM mask 93 01, chip type 00 1C 00 05 00 00,
     * batch (6), X (2), Y (2) from the seed, firmware 80 10 10 71, ESW build 24 40 (BCD). */
    static const uint8_t head[11] = {0xCD, 0x16, 0x33, 0x93, 0x01, 0x00, 0x1C, 0x00, 0x05, 0x00, 0x00};
    static const uint8_t tail[6] = {0x80, 0x10, 0x10, 0x71, 0x24, 0x40};
    uint64_t st = seed ^ 0x54525553544D5349ull; /* "TRUSTMSI" */
    memcpy(uid, head, sizeof head);
    uint64_t r = sim_rng_next(&st);
    for (unsigned i = 0; i < 6; i++)
        uid[11 + i] = (uint8_t)(r >> (8u * i));
    trustm_be16_put(uid + 17, (uint16_t)(1u + sim_rng_next(&st) % 250u));
    trustm_be16_put(uid + 19, (uint16_t)(1u + sim_rng_next(&st) % 250u));
    memcpy(uid + 21, tail, sizeof tail);
}

#define MI(m) (m), (uint8_t)sizeof(m)

void sim_chip_objects_default(trustm_sim_t *sim, const uint8_t uid[TRUSTM_SIM_UID_SIZE])
{
    static const uint8_t v07 = 0x07, v20 = 0x20, v14 = 0x14, v06 = 0x06, v00 = 0x00, v01 = 0x01;
    static const uint8_t combuf[2] = {0x06, 0x15};
    static const uint8_t secmon[8] = {0x32, 0x00, 0x05, 0x01, 0x00, 0x00, 0x00, 0x00};
    const uint8_t P = SIM_OBJ_PERSISTENT, K = SIM_OBJ_PERSISTENT | SIM_OBJ_KEY;
    uint8_t pbs[64];
    for (unsigned i = 0; i < sizeof pbs; i++)
        pbs[i] = (uint8_t)(i + 1u); /* objects.md §6.8: 01 02 .. 40 as on dumped chips */
    sim_obj_t *o = sim->objs;
    unsigned n = 0;
    memset(sim->objs, 0, sizeof sim->objs);
    obj_init(&o[n++], 0xE0C0u, P, 1, &v07, 1, MI(m_rw1)); /* LcsG            */
    obj_init(&o[n++], 0xE0C1u, 0, 1, &v20, 1, MI(m_rw1)); /* security status */
    obj_init(&o[n++], 0xE0C2u, P, TRUSTM_SIM_UID_SIZE, uid, TRUSTM_SIM_UID_SIZE, MI(m_uid));
    obj_init(&o[n++], 0xE0C3u, P, 1, &v14, 1, MI(m_rw1));    /* sleep delay     */
    obj_init(&o[n++], 0xE0C4u, P, 1, &v06, 1, MI(m_rw1));    /* current limit   */
    obj_init(&o[n++], 0xE0C5u, P, 1, &v00, 1, MI(m_ro1));    /* SEC             */
    obj_init(&o[n++], 0xE0C6u, 0, 2, combuf, 2, MI(m_buf));  /* max com buffer  */
    obj_init(&o[n++], 0xE0C9u, P, 8, secmon, 8, MI(m_e0c9)); /* secmon config   */
    obj_init(&o[n++], 0xE0E0u, P, 1728, NULL, 0, MI(m_e0e0));
    for (uint16_t i = 1; i <= 3; i++)
        obj_init(&o[n++], (uint16_t)(0xE0E0u + i), P, 1728, NULL, 1728, MI(m_cert));
    obj_init(&o[n++], 0xE0E8u, P, 1200, NULL, 1200, MI(m_ta));
    obj_init(&o[n++], 0xE0E9u, P, 1200, NULL, 1200, MI(m_ta));
    obj_init(&o[n++], 0xE0EFu, P, 1200, NULL, 1200, MI(m_ta));
    obj_init(&o[n++], 0xE0FCu, K, 1728, NULL, 0, MI(m_rsa));
    obj_init(&o[n++], 0xE0FDu, K, 1728, NULL, 0, MI(m_rsa));
    for (uint16_t i = 0; i < 4; i++)
        obj_init(&o[n++], (uint16_t)(0xE120u + i), P, 8, NULL, 8, MI(m_ctr));
    obj_init(&o[n++], 0xE140u, P, 64, pbs, 64, MI(m_e140));
    obj_init(&o[n++], 0xE200u, K, 32, NULL, 0, MI(m_e200));
    obj_init(&o[n++], 0xF1C0u, P, 1, &v01, 1, MI(m_rw1));                  /* LcsA            */
    obj_init(&o[n++], 0xF1C1u, 0, 1, &v20, 1, MI(m_rw1));                  /* app sec status  */
    obj_init(&o[n++], 0xF1C2u, SIM_OBJ_READ_CLEAR, 1, &v00, 1, MI(m_ro1)); /* last error      */
    for (uint16_t i = 0; i < 12; i++)
        obj_init(&o[n++], (uint16_t)(0xF1D0u + i), P, 140, NULL, 100, MI(m_t3));
    obj_init(&o[n++], 0xF1E0u, P, 1500, NULL, 1500, MI(m_t2));
    obj_init(&o[n++], 0xF1E1u, P, 1500, NULL, 1500, MI(m_t2));
    (void)n; /* n == SIM_OBJ_COUNT */
}

sim_obj_t *sim_chip_obj(trustm_sim_t *sim, uint16_t oid)
{
    for (size_t i = 0; i < SIM_OBJ_COUNT; i++)
        if (sim->objs[i].oid == oid)
            return &sim->objs[i];
    return NULL;
}

bool sim_oid_is_session(uint16_t oid)
{
    return oid >= 0xE100u && oid <= 0xE103u;
}
bool sim_oid_is_ecc_key(uint16_t oid)
{
    return oid >= 0xE0F0u && oid <= 0xE0F3u;
}

sim_session_t *sim_session(trustm_sim_t *sim, uint16_t oid)
{
    return sim_oid_is_session(oid) ? &sim->chip.sessions[oid - 0xE100u] : NULL;
}

size_t sim_rsa_key_blob_size(uint8_t alg)
{
    return sim_rsa_blob_size(alg);
}

size_t sim_rsa_blob_size(uint8_t alg)
{
    size_t n = alg == 0x41u ? 128u : alg == 0x42u ? 256u : 0u;
    return n == 0 ? 0 : 3u * n + 4u; /* N | E(4) | D | P | Q */
}

/* ------------------------------------------------------------------ metadata */

const uint8_t *sim_meta_find(const sim_obj_t *o, uint8_t tag, uint8_t *len)
{
    size_t i = 2;
    while (i + 2u <= o->meta_len) {
        uint8_t t = o->meta[i], l = o->meta[i + 1];
        if (i + 2u + l > o->meta_len)
            return NULL;
        if (t == tag) {
            if (len != NULL)
                *len = l;
            return &o->meta[i + 2];
        }
        i += 2u + l;
    }
    return NULL;
}

uint8_t sim_meta_u8(const sim_obj_t *o, uint8_t tag, uint8_t dflt)
{
    uint8_t l;
    const uint8_t *v = sim_meta_find(o, tag, &l);
    return (v != NULL && l == 1) ? v[0] : dflt;
}

uint8_t sim_meta_lcso(const sim_obj_t *o)
{
    return sim_meta_u8(o, 0xC0u, LCS_OP);
}

void sim_meta_remove(sim_obj_t *o, uint8_t tag)
{
    size_t i = 2;
    while (i + 2u <= o->meta_len) {
        uint8_t l = o->meta[i + 1];
        if (o->meta[i] == tag) {
            size_t end = i + 2u + l;
            memmove(&o->meta[i], &o->meta[end], o->meta_len - end);
            o->meta_len = (uint8_t)(o->meta_len - (end - i));
            o->meta[1] = (uint8_t)(o->meta_len - 2u);
            return;
        }
        i += 2u + l;
    }
}

bool sim_meta_set(sim_obj_t *o, uint8_t tag, const uint8_t *v, uint8_t len)
{
    uint8_t old_len;
    const uint8_t *old = sim_meta_find(o, tag, &old_len);
    if (old != NULL && old_len == len) { /* same size: in place, keeps the order */
        memmove((uint8_t *)old, v, len);
        return true;
    }
    if (old != NULL) {
        /* different size: rebuild in place */
        size_t pos = (size_t)(old - o->meta) - 2u;
        size_t end = pos + 2u + old_len;
        size_t new_total = o->meta_len - (end - pos) + 2u + len;
        if (new_total > SIM_OBJ_META_MAX)
            return false;
        uint8_t tmp[SIM_OBJ_META_MAX];
        size_t tail = o->meta_len - end;
        memcpy(tmp, &o->meta[end], tail);
        o->meta[pos] = tag;
        o->meta[pos + 1] = len;
        memcpy(&o->meta[pos + 2], v, len);
        memcpy(&o->meta[pos + 2 + len], tmp, tail);
        o->meta_len = (uint8_t)new_total;
        o->meta[1] = (uint8_t)(new_total - 2u);
        return true;
    }
    if ((size_t)o->meta_len + 2u + len > SIM_OBJ_META_MAX)
        return false;
    o->meta[o->meta_len] = tag;
    o->meta[o->meta_len + 1] = len;
    memcpy(&o->meta[o->meta_len + 2], v, len);
    o->meta_len = (uint8_t)(o->meta_len + 2u + len);
    o->meta[1] = (uint8_t)(o->meta_len - 2u);
    return true;
}

void sim_obj_set_used(sim_obj_t *o, uint16_t used)
{
    if (used < o->used)
        memset(o->data + used, 0, (size_t)o->used - used);
    o->used = used;
    if (o->flags & SIM_OBJ_KEY)
        return;
    uint8_t v[2];
    if (used < 0x100u) {
        v[0] = (uint8_t)used;
        (void)sim_meta_set(o, 0xC5u, v, 1);
    } else {
        trustm_be16_put(v, used);
        (void)sim_meta_set(o, 0xC5u, v, 2);
    }
}

/* Value length rules per tag (objects.md §3.2). */
static bool tag_len_ok(uint8_t tag, const uint8_t *v, uint8_t len)
{
    switch (tag) {
    case 0xC0:
        return len == 1 && (v[0] == LCS_CR || v[0] == LCS_IN || v[0] == LCS_OP || v[0] == LCS_TE);
    case 0xC1:
        return len == 2;
    case 0xC4:
    case 0xC5:
        return len == 1 || len == 2;
    case 0xD0:
    case 0xD1:
    case 0xD3:
    case 0xD8:
        return sim_ac_valid(v, len);
    case 0xE0:
    case 0xE1:
    case 0xE8:
        return len == 1;
    case 0xF0: {
        if (len != 1)
            return false;
        uint8_t hi = v[0] & 0xF0u, lo = v[0] & 0x0Fu;
        return (hi == 0x00u || hi == 0x10u || hi == 0x20u) &&
               (lo == 0 || lo == LCS_CR || lo == LCS_IN || lo == LCS_OP || lo == LCS_TE);
    }
    default:
        return false;
    }
}

int sim_meta_check(const uint8_t *m, size_t n)
{
    if (n < 2 || m[0] != 0x20u)
        return ERR_INVALID_DATA;
    if ((size_t)m[1] + 2u != n)
        return ERR_INVALID_DATA;
    if (n > SIM_OBJ_META_MAX)
        return ERR_META_TRUNC;
    bool seen[256] = {false};
    size_t i = 2;
    while (i < n) {
        if (i + 2u > n)
            return ERR_INVALID_DATA;
        uint8_t t = m[i], l = m[i + 1];
        if (i + 2u + l > n || l == 0)
            return ERR_INVALID_DATA;
        if (seen[t] || !tag_len_ok(t, &m[i + 2], l))
            return ERR_INVALID_DATA;
        seen[t] = true;
        i += 2u + l;
    }
    return 0;
}

/* SetDataObject Param 0x01 (objects.md §3.2, §5).  All tags are checked before any is applied,
 * against the LcsO before the write (§3.2 "the safe choice"). */
int sim_meta_write(trustm_sim_t *sim, sim_obj_t *o, const uint8_t *m, size_t n)
{
    (void)sim;
    int rc = sim_meta_check(m, n);
    if (rc != 0)
        return rc;
    const uint8_t lcso = sim_meta_lcso(o);
    const bool has_c0 = sim_meta_find(o, 0xC0u, NULL) != NULL;
    for (size_t i = 2; i < n; i += 2u + m[i + 1]) {
        uint8_t t = m[i];
        const uint8_t *v = &m[i + 2];
        switch (t) {
        case 0xC0:
            if (!has_c0) /* absent LcsO = op and cannot be changed */
                return ERR_ACCESS;
            if (v[0] < lcso) /* only forward */
                return ERR_INVALID_DATA;
            break;
        case 0xC4:
        case 0xC5:
        case 0xE0: /* NEV / chip-maintained */
            return ERR_ACCESS;
        case 0xE1:
        case 0xE8:
        case 0xF0:
            if ((o->flags & SIM_OBJ_KEY) ? t == 0xE8 : t == 0xE1)
                return ERR_INVALID_DATA; /* usage is for keys, type for data objects */
            if (t == 0xE8 && o->oid == 0xE0C9u)
                return ERR_ACCESS; /* §2: type of E0C9 cannot be set */
            if (lcso >= LCS_OP)
                return ERR_ACCESS;
            break;
        default: /* C1 D0 D1 D3 D8 */
            if (lcso >= LCS_OP)
                return ERR_ACCESS;
            break;
        }
    }
    sim_obj_t copy = *o;
    for (size_t i = 2; i < n; i += 2u + m[i + 1])
        if (!sim_meta_set(&copy, m[i], &m[i + 2], m[i + 1]))
            return ERR_META_TRUNC;
    memcpy(o->meta, copy.meta, sizeof o->meta);
    o->meta_len = copy.meta_len;
    return 0;
}
