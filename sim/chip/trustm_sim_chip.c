/*
 * trustm_sim_chip.c - application layer of the chip model: APDU dispatcher (commands.md §2,
 * §3), OpenApplication / CloseApplication / GetDataObject (§5.1-5.3), the global objects
 * E0C0-E0C6 and the application objects F1C0-F1C2 (objects.md §1.1, §1.3, §1.4, §6), the
 * Last Error Code rules and the command timing model.
 */
#include <string.h>

#include "trustm_bytes.h"
#include "trustm_sim_int.h"

/* ---------------------------------------------------------------- errors
 * (commands.md §3.2) */
enum {
    ERR_INVALID_OID = 0x01,
    ERR_INVALID_PARAM = 0x03,
    ERR_INVALID_LENGTH = 0x04,
    ERR_INVALID_DATA = 0x05,
    ERR_ACCESS = 0x07,
    ERR_BOUNDARY = 0x08,
    ERR_INVALID_CMD = 0x0A,
    ERR_SEQUENCE = 0x0B,
    ERR_NOT_AVAILABLE = 0x0C
};

/* ------------------------------------------------------------- timing model */

/* Commands handled by this model version and their execution time.  "A few ms" for the
 * application management commands (the datasheet log shows OpenApplication answered with a
 * control ACK while BUSY, GetDataObject with a piggy-backed response). */
#define EXEC_OPEN_US   4000u
#define EXEC_CLOSE_US  3000u
#define EXEC_GET_US    1500u
#define EXEC_ERROR_US  300u   /* rejected before any work (unknown command, bad header) */

/* Datasheet Table 16 (M2 ID2 v2.10 §7.2, I2C 400 kHz, no current limit, 25 °C): minimum
 * execution time of the whole sequence in ms, without / with Shielded Connection.  Used by the
 * timing model as the commands are implemented (later issues). */
typedef struct sim_table16 {
    uint8_t cmd;
    const char *what;
    uint32_t ms;
    uint32_t ms_shielded;
} sim_table16_t;

static const sim_table16_t table16[] = {
    {TRUSTM_CMD_CALC_SIGN, "RSA 2048 signature, no hashing", 310, 320},
    {TRUSTM_CMD_VERIFY_SIGN, "RSA 2048 verify", 40, 50},
    {TRUSTM_CMD_GEN_KEY_PAIR, "RSA 2048 key pair generation (varies)", 2900, 2910},
    {TRUSTM_CMD_ENCRYPT_ASYM, "RSA encrypt 127 bytes", 40, 50},
    {TRUSTM_CMD_DECRYPT_ASYM, "RSA decrypt 127 bytes", 315, 325},
    {TRUSTM_CMD_ENCRYPT_SYM, "AES-128 ECB encrypt 256 bytes", 28, 35},
    {TRUSTM_CMD_DECRYPT_SYM, "AES-128 ECB decrypt 256 bytes", 35, 42},
    {TRUSTM_CMD_DERIVE_KEY, "TLS 1.2 PRF SHA256, 40-byte key", 50, 55},
};
/* HKDF-SHA256 130/135 ms, HMAC-SHA256 (128 bytes) 90/95 ms, SHA-256 15/14 kbyte/s. */
#define TABLE16_HKDF_MS        130u
#define TABLE16_HKDF_SH_MS     135u
#define TABLE16_HMAC_MS        90u
#define TABLE16_HMAC_SH_MS     95u
#define TABLE16_HASH_BPS       15000u
#define TABLE16_HASH_SH_BPS    14000u

uint32_t sim_chip_table16_us(uint8_t cmd, uint8_t param, size_t in_len, bool shielded);
uint32_t sim_chip_table16_us(uint8_t cmd, uint8_t param, size_t in_len, bool shielded)
{
    cmd &= 0x7Fu;
    if (cmd == TRUSTM_CMD_DERIVE_KEY && param >= 0x08u)
        return (shielded ? TABLE16_HKDF_SH_MS : TABLE16_HKDF_MS) * 1000u;
    if (cmd == TRUSTM_CMD_ENCRYPT_SYM && param >= 0x20u)
        return (shielded ? TABLE16_HMAC_SH_MS : TABLE16_HMAC_MS) * 1000u;
    if (cmd == TRUSTM_CMD_CALC_HASH) {
        uint64_t bps = shielded ? TABLE16_HASH_SH_BPS : TABLE16_HASH_BPS;
        return (uint32_t)(1000u + (uint64_t)in_len * 1000000u / bps);
    }
    for (size_t i = 0; i < sizeof table16 / sizeof table16[0]; i++)
        if (table16[i].cmd == cmd)
            return (shielded ? table16[i].ms_shielded : table16[i].ms) * 1000u;
    return 0;
}

uint32_t sim_chip_exec_us(const trustm_sim_t *sim, const uint8_t *apdu, size_t len)
{
    (void)sim;
    if (len < TRUSTM_APDU_HEADER_SIZE)
        return EXEC_ERROR_US;
    switch (apdu[0] & 0x7Fu) {
    case TRUSTM_CMD_OPEN_APPLICATION: return EXEC_OPEN_US;
    case TRUSTM_CMD_CLOSE_APPLICATION: return EXEC_CLOSE_US;
    case TRUSTM_CMD_GET_DATA_OBJECT: return EXEC_GET_US;
    default: return EXEC_ERROR_US;
    }
}

/* ---------------------------------------------------------------- objects */

/* Shipped metadata (objects.md §1.4). */
static const uint8_t meta_rw1[] = {0x20, 0x09, 0xC4, 0x01, 0x01, 0xD0, 0x01, 0x00, 0xD1, 0x01, 0x00};
static const uint8_t meta_ro1[] = {0x20, 0x09, 0xC4, 0x01, 0x01, 0xD0, 0x01, 0xFF, 0xD1, 0x01, 0x00};
static const uint8_t meta_uid[] = {0x20, 0x09, 0xC4, 0x01, 0x1B, 0xD0, 0x01, 0xFF, 0xD1, 0x01, 0x00};
static const uint8_t meta_buf[] = {0x20, 0x06, 0xC4, 0x01, 0x02, 0xD1, 0x01, 0x00};

static void obj_init(sim_obj_t *o, uint16_t oid, uint8_t flags, const uint8_t *data, uint16_t size,
                     const uint8_t *meta, uint8_t meta_len)
{
    memset(o, 0, sizeof *o);
    o->oid = oid;
    o->flags = flags;
    o->max_size = size;
    o->used = size;
    memcpy(o->data, data, size);
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

void sim_chip_objects_default(trustm_sim_t *sim, const uint8_t uid[TRUSTM_SIM_UID_SIZE])
{
    static const uint8_t v07 = 0x07, v20 = 0x20, v14 = 0x14, v06 = 0x06, v00 = 0x00, v01 = 0x01;
    static const uint8_t combuf[2] = {0x06, 0x15};
    const uint8_t P = SIM_OBJ_PERSISTENT;
    sim_obj_t *o = sim->objs;
    obj_init(&o[0], 0xE0C0u, P, &v07, 1, meta_rw1, sizeof meta_rw1);          /* LcsG           */
    obj_init(&o[1], 0xE0C1u, 0, &v20, 1, meta_rw1, sizeof meta_rw1);          /* security status */
    obj_init(&o[2], 0xE0C2u, P, uid, TRUSTM_SIM_UID_SIZE, meta_uid, sizeof meta_uid);
    obj_init(&o[3], 0xE0C3u, P, &v14, 1, meta_rw1, sizeof meta_rw1);          /* sleep delay    */
    obj_init(&o[4], 0xE0C4u, P, &v06, 1, meta_rw1, sizeof meta_rw1);          /* current limit  */
    obj_init(&o[5], 0xE0C5u, P, &v00, 1, meta_ro1, sizeof meta_ro1);          /* SEC            */
    obj_init(&o[6], 0xE0C6u, 0, combuf, 2, meta_buf, sizeof meta_buf);        /* max com buffer */
    obj_init(&o[7], 0xF1C0u, P, &v01, 1, meta_rw1, sizeof meta_rw1);          /* LcsA           */
    obj_init(&o[8], 0xF1C1u, 0, &v20, 1, meta_rw1, sizeof meta_rw1);          /* app sec status */
    obj_init(&o[9], 0xF1C2u, SIM_OBJ_READ_CLEAR, &v00, 1, meta_ro1, sizeof meta_ro1); /* last error */
}

sim_obj_t *sim_chip_obj(trustm_sim_t *sim, uint16_t oid)
{
    for (size_t i = 0; i < SIM_OBJ_COUNT; i++)
        if (sim->objs[i].oid == oid)
            return &sim->objs[i];
    return NULL;
}

/* After any reset: application closed, volatile objects back to their defaults (the boot
 * flag 0x20 of the security status bytes is set again, the last error code is 0). */
void sim_chip_reset(trustm_sim_t *sim)
{
    sim->app_open = false;
    sim_chip_obj(sim, 0xE0C1u)->data[0] = 0x20;
    sim_chip_obj(sim, 0xF1C1u)->data[0] = 0x20;
    sim_chip_obj(sim, 0xF1C2u)->data[0] = 0x00;
}

/* Read access condition (tag D1) of an object: ALW (00) allows, absent or NEV (FF) denies.
 * Composite expressions (objects.md §4) arrive with the writable objects (next issue) and are
 * denied until then; none of the objects modelled here uses one. */
static bool read_allowed(const sim_obj_t *o)
{
    size_t i = 2;
    while (i + 2 <= o->meta_len) {
        uint8_t tag = o->meta[i], len = o->meta[i + 1];
        if (i + 2u + len > o->meta_len)
            return false;
        if (tag == 0xD1u)
            return len == 1 && o->meta[i + 2] == 0x00u;
        i += 2u + len;
    }
    return false;
}

/* --------------------------------------------------------------- commands */

static uint8_t *last_error(trustm_sim_t *sim) { return &sim_chip_obj(sim, 0xF1C2u)->data[0]; }

static size_t rsp_error(trustm_sim_t *sim, uint8_t code, uint8_t *rsp)
{
    uint8_t *le = last_error(sim);
    if (code > *le) /* only the highest code is kept */
        *le = code;
    rsp[0] = TRUSTM_APDU_STA_ERROR;
    rsp[1] = 0;
    rsp[2] = 0;
    rsp[3] = 0;
    return TRUSTM_APDU_HEADER_SIZE;
}

static size_t rsp_ok(uint8_t *rsp, size_t out_len)
{
    rsp[0] = TRUSTM_APDU_STA_SUCCESS;
    rsp[1] = 0;
    trustm_be16_put(rsp + 2, (uint16_t)out_len);
    return TRUSTM_APDU_HEADER_SIZE + out_len;
}

/* Application security status F1C1 (saved and restored by hibernate). */
static sim_obj_t *app_status(trustm_sim_t *sim) { return sim_chip_obj(sim, 0xF1C1u); }

static size_t cmd_open(trustm_sim_t *sim, const trustm_apdu_cmd_t *c, uint8_t *rsp)
{
    if (c->param > 1)
        return rsp_error(sim, ERR_INVALID_PARAM, rsp);
    if (c->in_len != (c->param == 0 ? TRUSTM_APP_ID_SIZE : TRUSTM_APP_ID_SIZE + 8u))
        return rsp_error(sim, ERR_INVALID_LENGTH, rsp);
    if (memcmp(c->in_data, trustm_app_id, TRUSTM_APP_ID_SIZE) != 0)
        return rsp_error(sim, ERR_INVALID_DATA, rsp);
    if (c->param == 0) {
        if (sim->hib_valid) { /* a fresh context invalidates a saved one */
            sim->hib_valid = false;
            sim->nvm_dirty = true;
        }
        app_status(sim)->data[0] = 0x20;
        sim->app_open = true;
        return rsp_ok(rsp, 0);
    }
    if (!sim->hib_valid) {
        sim->app_open = false;
        return rsp_error(sim, ERR_SEQUENCE, rsp);
    }
    bool match = memcmp(c->in_data + TRUSTM_APP_ID_SIZE, sim->hib_handle, 8) == 0;
    sim->hib_valid = false; /* valid once; a wrong handle flushes it too */
    sim->nvm_dirty = true;
    if (!match) {
        sim->app_open = false;
        return rsp_error(sim, ERR_INVALID_DATA, rsp);
    }
    app_status(sim)->data[0] = sim->hib_status;
    sim->app_open = true;
    return rsp_ok(rsp, 0);
}

static size_t cmd_close(trustm_sim_t *sim, const trustm_apdu_cmd_t *c, uint8_t *rsp)
{
    if (c->param > 1)
        return rsp_error(sim, ERR_INVALID_PARAM, rsp);
    if (c->in_len != 0)
        return rsp_error(sim, ERR_INVALID_LENGTH, rsp);
    if (c->param == 0) {
        sim->app_open = false;
        return rsp_ok(rsp, 0);
    }
    if (sim_chip_obj(sim, 0xE0C5u)->data[0] != 0) /* hibernate needs SEC = 0 */
        return rsp_error(sim, ERR_SEQUENCE, rsp);
    uint64_t r = sim_rng_next(&sim->rng);
    trustm_be64_put(sim->hib_handle, r);
    sim->hib_status = app_status(sim)->data[0];
    sim->hib_valid = true;
    sim->nvm_dirty = true;
    sim->app_open = false;
    memcpy(rsp + TRUSTM_APDU_HEADER_SIZE, sim->hib_handle, 8);
    return rsp_ok(rsp, 8);
}

static size_t cmd_get_data(trustm_sim_t *sim, const trustm_apdu_cmd_t *c, uint8_t *rsp)
{
    if (c->param > 1)
        return rsp_error(sim, ERR_INVALID_PARAM, rsp);
    if (c->param == 0 ? (c->in_len != 6 && c->in_len != 2) : c->in_len != 2)
        return rsp_error(sim, ERR_INVALID_LENGTH, rsp);
    sim_obj_t *o = sim_chip_obj(sim, trustm_be16_get(c->in_data));
    if (o == NULL)
        return rsp_error(sim, ERR_INVALID_OID, rsp);
    if (c->param == 1) { /* metadata: always readable */
        memcpy(rsp + TRUSTM_APDU_HEADER_SIZE, o->meta, o->meta_len);
        return rsp_ok(rsp, o->meta_len);
    }
    if (!read_allowed(o))
        return rsp_error(sim, ERR_ACCESS, rsp);
    uint16_t offset = c->in_len == 6 ? trustm_be16_get(c->in_data + 2) : 0u;
    uint16_t length = c->in_len == 6 ? trustm_be16_get(c->in_data + 4) : 0xFFFFu;
    if (length == 0)
        return rsp_error(sim, ERR_INVALID_DATA, rsp);
    if (offset >= o->used)
        return rsp_error(sim, ERR_BOUNDARY, rsp);
    size_t n = (size_t)o->used - offset;
    if (n > length)
        n = length;
    if (n > TRUSTM_APDU_MAX_DATA)
        n = TRUSTM_APDU_MAX_DATA;
    memcpy(rsp + TRUSTM_APDU_HEADER_SIZE, o->data + offset, n);
    if (o->flags & SIM_OBJ_READ_CLEAR)
        memset(o->data, 0, o->used);
    return rsp_ok(rsp, n);
}

static bool cmd_known(uint8_t code)
{
    switch (code) {
    case TRUSTM_CMD_GET_DATA_OBJECT: case TRUSTM_CMD_SET_DATA_OBJECT: case TRUSTM_CMD_SET_OBJECT_PROTECTED:
    case TRUSTM_CMD_GET_RANDOM: case TRUSTM_CMD_ENCRYPT_SYM: case TRUSTM_CMD_DECRYPT_SYM:
    case TRUSTM_CMD_ENCRYPT_ASYM: case TRUSTM_CMD_DECRYPT_ASYM: case TRUSTM_CMD_CALC_HASH:
    case TRUSTM_CMD_CALC_SIGN: case TRUSTM_CMD_VERIFY_SIGN: case TRUSTM_CMD_DERIVE_KEY:
    case TRUSTM_CMD_GEN_KEY_PAIR: case TRUSTM_CMD_GEN_SYM_KEY: case TRUSTM_CMD_OPEN_APPLICATION:
    case TRUSTM_CMD_CLOSE_APPLICATION:
        return true;
    default: /* includes CalcSSec 0x33: not offered by the M2 ID2 */
        return false;
    }
}

size_t sim_chip_execute(trustm_sim_t *sim, const uint8_t *apdu, size_t len, uint8_t *rsp, size_t rsp_size)
{
    if (rsp_size < TRUSTM_APDU_MAX_SIZE)
        return 0;
    if (len >= 1 && (apdu[0] & TRUSTM_APDU_CMD_FLUSH))
        *last_error(sim) = 0; /* the flush bit is evaluated before anything else */
    trustm_apdu_cmd_t c;
    if (len < TRUSTM_APDU_HEADER_SIZE)
        return rsp_error(sim, len >= 1 && !cmd_known(apdu[0] & 0x7Fu) ? ERR_INVALID_CMD : ERR_INVALID_LENGTH, rsp);
    const uint8_t code = apdu[0] & 0x7Fu;
    if (!cmd_known(code))
        return rsp_error(sim, ERR_INVALID_CMD, rsp);
    if (!trustm_apdu_cmd_decode(apdu, len, &c) || c.in_len > TRUSTM_APDU_MAX_DATA)
        return rsp_error(sim, ERR_INVALID_LENGTH, rsp);
    if (code == TRUSTM_CMD_OPEN_APPLICATION)
        return cmd_open(sim, &c, rsp);
    if (!sim->app_open)
        return rsp_error(sim, ERR_NOT_AVAILABLE, rsp);
    switch (code) {
    case TRUSTM_CMD_CLOSE_APPLICATION: return cmd_close(sim, &c, rsp);
    case TRUSTM_CMD_GET_DATA_OBJECT: return cmd_get_data(sim, &c, rsp);
    default: /* a command of the chip this model version does not implement yet */
        return rsp_error(sim, ERR_INVALID_CMD, rsp);
    }
}
