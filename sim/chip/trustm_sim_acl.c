/*
 * trustm_sim_acl.c - access-condition expressions (objects.md §4): ALW, NEV, SecStaG/A, Conf,
 * Int, Auto, Luc, LcsG/LcsA/LcsO comparisons, && and || (AND binds tighter), and the Auto()
 * states set by HMAC verification.
 */
#include <string.h>

#include "sim_chip.h"
#include "trustm_bytes.h"

/* Size of the condition starting at e[0], 0 if unknown. */
static size_t cond_size(uint8_t id)
{
    switch (id) {
    case 0x00:
    case 0xFF:
        return 1;
    case 0x10:
    case 0x90:
        return 2;
    case 0x20:
    case 0x21:
    case 0x23:
    case 0x40:
        return 3;
    case 0x70:
    case 0xE0:
    case 0xE1:
        return 3;
    default:
        return 0;
    }
}

bool sim_ac_valid(const uint8_t *e, size_t n)
{
    size_t i = 0, conds = 0, in_token = 0, tokens = 1;
    bool want_cond = true;
    while (i < n) {
        if (want_cond) {
            size_t s = cond_size(e[i]);
            if (s == 0 || i + s > n)
                return false;
            if ((e[i] == 0x70 || e[i] == 0xE0 || e[i] == 0xE1) && e[i + 1] != 0xFA && e[i + 1] != 0xFB &&
                e[i + 1] != 0xFC)
                return false;
            conds++;
            in_token++;
            if (in_token > 7)
                return false;
            i += s;
            want_cond = false;
        } else {
            if (e[i] == 0xFD) {
                /* && */
            } else if (e[i] == 0xFE) {
                tokens++;
                in_token = 0;
                if (tokens > 3)
                    return false;
            } else {
                return false;
            }
            i++;
            want_cond = true;
        }
    }
    if (want_cond)
        return false; /* empty or trailing operator */
    if (conds > 1) {  /* ALW / NEV only as simple conditions */
        for (size_t k = 0; k < n;) {
            size_t s = cond_size(e[k]);
            if (e[k] == 0x00 || e[k] == 0xFF)
                return false;
            k += s + 1u;
        }
    }
    return true;
}

bool sim_auto_get(const trustm_sim_t *sim, uint16_t oid)
{
    for (unsigned i = 0; i < SIM_AUTO_MAX; i++)
        if (sim->chip.auto_oid[i] == oid && oid != 0)
            return true;
    return false;
}

void sim_auto_set(trustm_sim_t *sim, uint16_t oid, bool on)
{
    for (unsigned i = 0; i < SIM_AUTO_MAX; i++)
        if (sim->chip.auto_oid[i] == oid)
            sim->chip.auto_oid[i] = 0;
    if (!on)
        return;
    for (unsigned i = 0; i < SIM_AUTO_MAX; i++)
        if (sim->chip.auto_oid[i] == 0) {
            sim->chip.auto_oid[i] = oid;
            return;
        }
    /* all four in use: the oldest (slot 0) is replaced */
    memmove(&sim->chip.auto_oid[0], &sim->chip.auto_oid[1], (SIM_AUTO_MAX - 1u) * sizeof(uint16_t));
    sim->chip.auto_oid[SIM_AUTO_MAX - 1u] = oid;
}

static bool compare(uint8_t op, uint8_t have, uint8_t want)
{
    switch (op) {
    case 0xFA:
        return have == want;
    case 0xFB:
        return have > want;
    case 0xFC:
        return have < want;
    default:
        return false;
    }
}

/* A counter linked by Luc(): usable while value < threshold. */
static bool luc_ok(trustm_sim_t *sim, uint16_t oid)
{
    sim_obj_t *c = sim_chip_obj(sim, oid);
    if (c == NULL || c->max_size != 8 || sim_meta_u8(c, 0xE8u, TYPE_BSTR) != TYPE_UPCTR)
        return false;
    return trustm_be32_get(c->data) < trustm_be32_get(c->data + 4);
}

static void luc_count(trustm_sim_t *sim, uint16_t oid)
{
    sim_obj_t *c = sim_chip_obj(sim, oid);
    if (c == NULL)
        return;
    uint32_t v = trustm_be32_get(c->data), th = trustm_be32_get(c->data + 4);
    if (v < th)
        trustm_be32_put(c->data, v + 1u);
    sim->nvm_dirty = true;
}

static bool cond_true(trustm_sim_t *sim, const sim_obj_t *o, const uint8_t *c, uint8_t tag, const sim_ac_update_t *pu)
{
    switch (c[0]) {
    case 0x00:
        return true;
    case 0xFF:
        return false;
    case 0x10:
        return (sim_chip_obj(sim, 0xE0C1u)->data[0] & c[1]) == c[1];
    case 0x90:
        return (sim_chip_obj(sim, 0xF1C1u)->data[0] & c[1]) == c[1];
    case 0x20:
    case 0x21:
        /* protected update: Int(trust anchor), Conf(decrypting secret) */
        if (pu != NULL)
            return c[0] == 0x21 ? trustm_be16_get(c + 1) == pu->ta : pu->conf && trustm_be16_get(c + 1) == pu->secret;
        /* a command: Conf/Int(E140) is a record of the Shielded Connection protected in the
         * direction the access needs (RD: the response, else the command); other OIDs only
         * ever hold in a protected update (objects.md §4.4). */
        return sim_pl_conf_ok(sim, trustm_be16_get(c + 1), tag == (uint8_t)AC_RD);
    case 0x23:
        return sim_auto_get(sim, trustm_be16_get(c + 1));
    case 0x40:
        return pu == NULL && luc_ok(sim, trustm_be16_get(c + 1)); /* a usage counter does not gate a change */
    case 0x70:
        return compare(c[1], sim_chip_obj(sim, 0xE0C0u)->data[0], c[2]);
    case 0xE0:
        return compare(c[1], sim_chip_obj(sim, 0xF1C0u)->data[0], c[2]);
    case 0xE1:
        return compare(c[1], sim_meta_lcso(o), c[2]);
    default:
        return false;
    }
}

int sim_ac_check(trustm_sim_t *sim, sim_obj_t *o, sim_ac_t type)
{
    return sim_ac_eval(sim, o, (uint8_t)type, NULL);
}

int sim_ac_eval(trustm_sim_t *sim, const sim_obj_t *o, uint8_t tag, const sim_ac_update_t *pu)
{
    uint8_t n;
    const uint8_t *e = sim_meta_find(o, tag, &n);
    if (e == NULL || !sim_ac_valid(e, n))
        return ERR_ACCESS; /* absent = NEV */
    /* Evaluate access tokens (AND groups) left to right; the first true token wins. */
    size_t i = 0;
    while (i < n) {
        size_t start = i;
        bool ok = true, names_ta = pu == NULL;
        for (;;) {
            size_t s = cond_size(e[i]);
            if (!cond_true(sim, o, &e[i], tag, pu))
                ok = false;
            if (pu != NULL && e[i] == 0x21 && trustm_be16_get(&e[i + 1]) == pu->ta)
                names_ta = true;
            i += s;
            if (i >= n || e[i] == 0xFE)
                break;
            i++; /* && */
        }
        if (ok && names_ta) {
            if (pu == NULL && tag == (uint8_t)AC_EXE)
                for (size_t k = start; k < i;) {
                    if (e[k] == 0x40)
                        luc_count(sim, trustm_be16_get(&e[k + 1]));
                    k += cond_size(e[k]) + 1u;
                }
            return 0;
        }
        if (i < n)
            i++; /* || */
    }
    return ERR_ACCESS;
}
