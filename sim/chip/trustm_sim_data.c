/*
 * trustm_sim_data.c - GetDataObject and SetDataObject (commands.md §5.3, §5.4): data and
 * metadata reads, writes, erase & write, metadata writes, monotonic counter counting, the
 * special rules of life-cycle and security-status objects.
 */
#include <string.h>

#include "sim_chip.h"
#include "trustm_bytes.h"

/* Look an OID up for Get/SetDataObject: sessions, the absent ECC keys and unknown OIDs give
 * Invalid OID. */
static int lookup(trustm_sim_t *sim, uint16_t oid, sim_obj_t **out)
{
    *out = sim_chip_obj(sim, oid);
    return *out == NULL ? ERR_INVALID_OID : 0;
}

int sim_cmd_get_data(trustm_sim_t *sim, sim_cmd_t *c)
{
    if (c->param > 1)
        return ERR_INVALID_PARAM;
    if (c->param == 0 ? (c->in_len != 6 && c->in_len != 2) : c->in_len != 2)
        return ERR_INVALID_LENGTH;
    sim_obj_t *o;
    int rc = lookup(sim, trustm_be16_get(c->in), &o);
    if (rc != 0)
        return rc;
    if (c->param == 1) { /* metadata: always readable */
        if (o->oid == 0xE0C5u)
            (void)sim_sec_get(sim);
        memcpy(c->out, o->meta, o->meta_len);
        c->out_len = o->meta_len;
        return 0;
    }
    if (o->flags & SIM_OBJ_KEY)
        return ERR_ACCESS; /* the data part of a key object is never readable */
    if (sim_meta_lcso(o) == LCS_TE)
        return ERR_ACCESS;
    if ((rc = sim_ac_check(sim, o, AC_RD)) != 0)
        return rc;
    uint16_t offset = c->in_len == 6 ? trustm_be16_get(c->in + 2) : 0u;
    uint16_t length = c->in_len == 6 ? trustm_be16_get(c->in + 4) : 0xFFFFu;
    if (length == 0)
        return ERR_INVALID_DATA;
    if (o->oid == 0xE0C5u)
        (void)sim_sec_get(sim);
    if (offset >= o->used)
        return ERR_BOUNDARY;
    size_t n = (size_t)o->used - offset;
    if (n > length)
        n = length;
    if (n > c->out_cap)
        n = c->out_cap;
    memcpy(c->out, o->data + offset, n);
    c->out_len = n;
    if (o->flags & SIM_OBJ_READ_CLEAR)
        memset(o->data, 0, o->used);
    return 0;
}

static bool lcs_value(uint8_t v)
{
    return v == LCS_CR || v == LCS_IN || v == LCS_OP || v == LCS_TE;
}

/* Content rules of the one-byte configuration objects; 0 or an error code. */
static int special_write(sim_obj_t *o, uint8_t param, uint16_t offset, const uint8_t *d, size_t n)
{
    switch (o->oid) {
    case 0xE0C0u:
    case 0xF1C0u: /* life cycle: valid states, only forward */
        if (offset != 0 || n != 1 || !lcs_value(d[0]))
            return ERR_INVALID_DATA;
        if (d[0] < o->data[0])
            return ERR_INVALID_DATA;
        o->data[0] = d[0];
        return -1; /* handled */
    case 0xE0C1u:
    case 0xF1C1u: /* security status: bits can only be reset */
        if (offset != 0 || n != 1)
            return ERR_INVALID_DATA;
        o->data[0] = param == 0x40u ? 0u : (uint8_t)(o->data[0] & d[0]);
        return -1;
    case 0xE0C3u:
        if (offset != 0 || n != 1 || d[0] < 20u)
            return ERR_INVALID_DATA;
        return 0;
    case 0xE0C4u:
        if (offset != 0 || n != 1 || d[0] < 6u || d[0] > 15u)
            return ERR_INVALID_DATA;
        return 0;
    default:
        return 0;
    }
}

static int count(trustm_sim_t *sim, sim_obj_t *o, const uint8_t *d, size_t n)
{
    if (n != 1 || d[0] == 0)
        return ERR_INVALID_DATA;
    if (sim_meta_u8(o, 0xE8u, TYPE_BSTR) != TYPE_UPCTR || o->max_size != 8)
        return ERR_ACCESS;
    if (sim_meta_lcso(o) == LCS_TE)
        return ERR_ACCESS;
    int rc = sim_ac_check(sim, o, AC_EXE);
    if (rc != 0)
        return rc;
    uint32_t v = trustm_be32_get(o->data), th = trustm_be32_get(o->data + 4);
    if (v >= th)
        return ERR_COUNTER;
    uint64_t nv = (uint64_t)v + d[0];
    if (nv > th)
        nv = th;
    trustm_be32_put(o->data, (uint32_t)nv);
    return 0;
}

int sim_cmd_set_data(trustm_sim_t *sim, sim_cmd_t *c)
{
    if (c->param != 0x00 && c->param != 0x01 && c->param != 0x02 && c->param != 0x40)
        return ERR_INVALID_PARAM;
    if (c->in_len < 5)
        return ERR_INVALID_LENGTH;
    sim_obj_t *o;
    int rc = lookup(sim, trustm_be16_get(c->in), &o);
    if (rc != 0)
        return rc;
    const uint16_t offset = trustm_be16_get(c->in + 2);
    const uint8_t *d = c->in + 4;
    const size_t n = c->in_len - 4u;
    if (c->param == 0x01) {
        if (offset != 0)
            return ERR_INVALID_DATA;
        rc = sim_meta_write(sim, o, d, n);
    } else if (o->flags & SIM_OBJ_KEY) {
        return ERR_ACCESS;
    } else if (c->param == 0x02) {
        rc = count(sim, o, d, n);
    } else {
        if (sim_meta_lcso(o) == LCS_TE)
            return ERR_ACCESS;
        if ((rc = sim_ac_check(sim, o, AC_CHA)) != 0)
            return rc;
        if ((size_t)offset + n > o->max_size)
            return ERR_BOUNDARY;
        rc = special_write(o, c->param, offset, d, n);
        if (rc == 0) {
            if (c->param == 0x40) {
                memset(o->data, 0, o->max_size);
                memcpy(o->data + offset, d, n);
                sim_obj_set_used(o, (uint16_t)(offset + n));
            } else {
                memcpy(o->data + offset, d, n);
                if (offset + n > o->used)
                    sim_obj_set_used(o, (uint16_t)(offset + n));
                else
                    sim_obj_set_used(o, o->used); /* C5 created if absent (§3.2) */
            }
        } else if (rc < 0) {
            rc = 0;
        }
    }
    if (rc == 0 && (o->flags & SIM_OBJ_PERSISTENT))
        sim->nvm_dirty = true;
    return rc;
}
