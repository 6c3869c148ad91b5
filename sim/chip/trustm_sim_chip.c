/*
 * trustm_sim_chip.c - application layer of the chip model: APDU dispatcher (commands.md §2,
 * §3), OpenApplication / CloseApplication with hibernate (§5.1, §5.2), the Last Error Code
 * rules, TLV parsing, the RNG and the command timing model.  The commands themselves live in
 * the other files of sim/chip (see sim_chip.h).  The commands are one table (code, handler,
 * execution time, protected operation): see "command table" below.
 */
#include <string.h>

#include "sim_chip.h"
#include "trustm_bytes.h"

/* ------------------------------------------------------------- timing model */

/* Commands handled by this model version and their execution time.  "A few ms" for the
 * application management commands (the datasheet log shows OpenApplication answered with a
 * control ACK while BUSY, GetDataObject with a piggy-backed response). */
#define EXEC_OPEN_US        4000u
#define EXEC_CLOSE_US       3000u
#define EXEC_GET_US         1500u
#define EXEC_ERROR_US       300u  /* rejected before any work (unknown command, bad header) */
#define EXEC_SET_US         3000u /* SetDataObject: one tearing-safe NVM programming            */
#define EXEC_RANDOM_US      1500u
#define EXEC_GENSYM_US      5000u
#define EXEC_RSA1024_GEN_US 400000u /* not in Table 16; RSA-1024 generation chosen 0.4 s   */
/* SetObjectProtected is not in Table 16 either. Start verifies the manifest signature: charged
 * like VerifySign (Table 16, 40 ms); continue/final hash (and decrypt) a fragment of at most
 * 640 bytes at the SHA-256 rate of Table 16 and program NVM once, like SetDataObject. */
#define EXEC_PROTUPD_START_US 40000u

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
#define TABLE16_HKDF_MS     130u
#define TABLE16_HKDF_SH_MS  135u
#define TABLE16_HMAC_MS     90u
#define TABLE16_HMAC_SH_MS  95u
#define TABLE16_HASH_BPS    15000u
#define TABLE16_HASH_SH_BPS 14000u

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

/* Execution times of the commands whose time depends on their parameters. */
static uint32_t time_table16(const uint8_t *apdu, size_t len)
{
    return sim_chip_table16_us(apdu[0], apdu[1], len - 4u, false);
}

static uint32_t time_decrypt_sym(const uint8_t *apdu, size_t len)
{
    /* HMAC verification (0x20-0x22) costs an HMAC */
    return sim_chip_table16_us(apdu[1] >= 0x20u ? TRUSTM_CMD_ENCRYPT_SYM : apdu[0], apdu[1], len - 4u, false);
}

static uint32_t time_gen_key_pair(const uint8_t *apdu, size_t len)
{
    return apdu[1] == 0x41u ? EXEC_RSA1024_GEN_US : time_table16(apdu, len);
}

static uint32_t time_protupd(const uint8_t *apdu, size_t len)
{
    if (len > TRUSTM_APDU_HEADER_SIZE && apdu[TRUSTM_APDU_HEADER_SIZE] == 0x30u)
        return EXEC_PROTUPD_START_US;
    return EXEC_SET_US + sim_chip_table16_us(TRUSTM_CMD_CALC_HASH, 0, len - 4u, false);
}

/* ---------------------------------------------------------------- state */

/* After any reset: application closed, volatile objects back to their defaults (the boot
 * flag 0x20 of the security status bytes is set again, the last error code is 0), sessions,
 * Auto states, running hash and symmetric sequence gone, SEC credit cleared (§8.2). */
void sim_chip_reset(trustm_sim_t *sim)
{
    sim->app_open = false;
    sim_chip_obj(sim, 0xE0C1u)->data[0] = 0x20;
    sim_chip_obj(sim, 0xF1C1u)->data[0] = 0x20;
    sim_chip_obj(sim, 0xF1C2u)->data[0] = 0x00;
    trustm_wipe(&sim->chip, sizeof sim->chip);
    /* key that authenticates exported hash contexts: fixed per chip (from its seed) */
    uint8_t seed[8 + 16];
    trustm_be64_put(seed, sim->seed);
    memcpy(seed + 8, "trustm-sim hctx", 16);
    mbedtls_sha256_ret(seed, sizeof seed, sim->chip.ctx_key, 0);
    sim_secmon_power_up(sim);
}

/* Application-level state that OpenApplication(0) and CloseApplication release. */
static void app_release(trustm_sim_t *sim)
{
    trustm_wipe(sim->chip.sessions, sizeof sim->chip.sessions);
    memset(sim->chip.auto_oid, 0, sizeof sim->chip.auto_oid);
    trustm_wipe(&sim->chip.hash, sizeof sim->chip.hash);
    trustm_wipe(&sim->chip.sym, sizeof sim->chip.sym);
}

/* ---------------------------------------------------------------- helpers */

void sim_random(trustm_sim_t *sim, uint8_t *out, size_t n)
{
    size_t fixed = sim_pl_fixed_random(sim, out, n); /* test mode only (trustm_sim_shield.h) */
    out += fixed;
    n -= fixed;
    while (n > 0) {
        if (sim->rng == sim->rng_bound) { /* reserved steps used up: reserve more, durably */
            sim->rng_bound = sim->rng + (uint64_t)SIM_RNG_RESERVE * SIM_RNG_GAMMA;
            sim->nvm_dirty = true;
        }
        uint64_t r = sim_rng_next(&sim->rng);
        for (unsigned i = 0; i < 8 && n > 0; i++, n--)
            *out++ = (uint8_t)(r >> (8u * i));
    }
}

int sim_mbedtls_rng(void *ctx, unsigned char *out, size_t n)
{
    sim_random((trustm_sim_t *)ctx, out, n);
    return 0;
}

int sim_tlv_parse(const uint8_t *p, size_t n, const uint8_t *allowed, size_t n_allowed, sim_tlv_t *t)
{
    memset(t->v, 0, sizeof t->v);
    memset(t->len, 0, sizeof t->len);
    size_t i = 0;
    while (i < n) {
        if (n - i < 3)
            return ERR_INVALID_DATA;
        uint8_t tag = p[i];
        uint16_t l = trustm_be16_get(p + i + 1);
        if ((size_t)l > n - i - 3u)
            return ERR_INVALID_DATA;
        bool ok = false;
        for (size_t k = 0; k < n_allowed; k++)
            ok = ok || allowed[k] == tag;
        if (!ok || t->v[tag] != NULL)
            return ERR_INVALID_DATA; /* unknown or duplicated tag */
        t->v[tag] = p + i + 3;
        t->len[tag] = l;
        i += 3u + l;
    }
    return 0;
}

bool sim_tlv_oid(const sim_tlv_t *t, uint8_t tag, uint16_t *oid)
{
    if (t->v[tag] == NULL || t->len[tag] != 2)
        return false;
    *oid = trustm_be16_get(t->v[tag]);
    return true;
}

static uint8_t *last_error(trustm_sim_t *sim)
{
    return &sim_chip_obj(sim, 0xF1C2u)->data[0];
}

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

size_t sim_chip_error_response(trustm_sim_t *sim, uint8_t code, uint8_t *rsp)
{
    return rsp_error(sim, code, rsp);
}

static size_t rsp_ok(uint8_t *rsp, size_t out_len)
{
    rsp[0] = TRUSTM_APDU_STA_SUCCESS;
    rsp[1] = 0;
    trustm_be16_put(rsp + 2, (uint16_t)out_len);
    return TRUSTM_APDU_HEADER_SIZE + out_len;
}

/* Application security status F1C1 (saved and restored by hibernate). */
static sim_obj_t *app_status(trustm_sim_t *sim)
{
    return sim_chip_obj(sim, 0xF1C1u);
}

/* --------------------------------------------------------------- commands */

static int cmd_open(trustm_sim_t *sim, sim_cmd_t *c)
{
    if (c->param > 1)
        return ERR_INVALID_PARAM;
    if (c->in_len != (c->param == 0 ? TRUSTM_APP_ID_SIZE : TRUSTM_APP_ID_SIZE + 8u))
        return ERR_INVALID_LENGTH;
    if (memcmp(c->in, trustm_app_id, TRUSTM_APP_ID_SIZE) != 0)
        return ERR_INVALID_DATA;
    app_release(sim);
    if (c->param == 0) {
        if (sim->hib_valid) { /* a fresh context invalidates a saved one */
            sim->hib_valid = false;
            trustm_wipe(sim->hib_sessions, sizeof sim->hib_sessions);
            sim->nvm_dirty = true;
        }
        app_status(sim)->data[0] = 0x20;
        sim->app_open = true;
        return 0;
    }
    if (!sim->hib_valid) {
        sim->app_open = false;
        return ERR_SEQUENCE;
    }
    bool match = memcmp(c->in + TRUSTM_APP_ID_SIZE, sim->hib_handle, 8) == 0;
    sim->hib_valid = false; /* valid once; a wrong handle flushes it too */
    sim->nvm_dirty = true;
    if (!match) {
        trustm_wipe(sim->hib_sessions, sizeof sim->hib_sessions);
        sim->app_open = false;
        return ERR_INVALID_DATA;
    }
    app_status(sim)->data[0] = sim->hib_status;
    memcpy(sim->chip.sessions, sim->hib_sessions, sizeof sim->chip.sessions);
    memcpy(sim->chip.auto_oid, sim->hib_auto, sizeof sim->chip.auto_oid);
    trustm_wipe(sim->hib_sessions, sizeof sim->hib_sessions);
    sim->app_open = true;
    return 0;
}

static int cmd_close(trustm_sim_t *sim, sim_cmd_t *c)
{
    if (c->param > 1)
        return ERR_INVALID_PARAM;
    if (c->in_len != 0)
        return ERR_INVALID_LENGTH;
    sim_secmon_sync(sim); /* SEC_CURR to NVM if it differs (objects.md §8.2) */
    if (c->param == 0) {
        app_release(sim);
        sim->app_open = false;
        return 0;
    }
    if (sim_sec_get(sim) != 0) /* hibernate needs SEC = 0 */
        return ERR_SEQUENCE;
    sim_random(sim, sim->hib_handle, 8);
    sim->hib_status = app_status(sim)->data[0];
    memcpy(sim->hib_sessions, sim->chip.sessions, sizeof sim->hib_sessions);
    memcpy(sim->hib_auto, sim->chip.auto_oid, sizeof sim->hib_auto);
    sim->hib_valid = true;
    sim->nvm_dirty = true;
    app_release(sim);
    sim->app_open = false;
    memcpy(c->out, sim->hib_handle, 8);
    c->out_len = 8;
    return 0;
}

/* ------------------------------------------------------------- command table */

/* One row per command of the M2 ID2: handler, execution time (fixed, or computed from the APDU
 * when `time` is set), and whether it is a protected operation -- a command that can raise a
 * security event, which the security monitor throttles (objects.md §8.2): CalcHash raises
 * "suspect system behaviour" on a forged context, SetObjectProtected "decryption failure".
 * CalcSSec (0x33) is not offered by the M2 ID2: it is not in the table (0x0A). */
typedef struct sim_command {
    uint8_t code;
    int (*run)(trustm_sim_t *sim, sim_cmd_t *c);
    uint32_t us;
    uint32_t (*time)(const uint8_t *apdu, size_t len);
    bool protected_op;
} sim_command_t;

static const sim_command_t commands[] = {
    {TRUSTM_CMD_OPEN_APPLICATION, cmd_open, EXEC_OPEN_US, NULL, false},
    {TRUSTM_CMD_CLOSE_APPLICATION, cmd_close, EXEC_CLOSE_US, NULL, false},
    {TRUSTM_CMD_GET_DATA_OBJECT, sim_cmd_get_data, EXEC_GET_US, NULL, false},
    {TRUSTM_CMD_SET_DATA_OBJECT, sim_cmd_set_data, EXEC_SET_US, NULL, false},
    {TRUSTM_CMD_SET_OBJECT_PROTECTED, sim_cmd_set_object_protected, 0, time_protupd, true},
    {TRUSTM_CMD_GET_RANDOM, sim_cmd_get_random, EXEC_RANDOM_US, NULL, false},
    {TRUSTM_CMD_ENCRYPT_SYM, sim_cmd_sym, 0, time_table16, true},
    {TRUSTM_CMD_DECRYPT_SYM, sim_cmd_sym, 0, time_decrypt_sym, true},
    {TRUSTM_CMD_ENCRYPT_ASYM, sim_cmd_encrypt_asym, 0, time_table16, false},
    {TRUSTM_CMD_DECRYPT_ASYM, sim_cmd_decrypt_asym, 0, time_table16, true},
    {TRUSTM_CMD_CALC_HASH, sim_cmd_calc_hash, 0, time_table16, true},
    {TRUSTM_CMD_CALC_SIGN, sim_cmd_calc_sign, 0, time_table16, true},
    {TRUSTM_CMD_VERIFY_SIGN, sim_cmd_verify_sign, 0, time_table16, false},
    {TRUSTM_CMD_DERIVE_KEY, sim_cmd_derive_key, 0, time_table16, true},
    {TRUSTM_CMD_GEN_KEY_PAIR, sim_cmd_gen_key_pair, 0, time_gen_key_pair, false},
    {TRUSTM_CMD_GEN_SYM_KEY, sim_cmd_gen_sym_key, EXEC_GENSYM_US, NULL, false},
};

static const sim_command_t *command(uint8_t code)
{
    code &= 0x7Fu;
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (commands[i].code == code)
            return &commands[i];
    return NULL;
}

uint32_t sim_chip_throttle_us(const trustm_sim_t *sim, const uint8_t *apdu, size_t len)
{
    const sim_command_t *k = len >= TRUSTM_APDU_HEADER_SIZE ? command(apdu[0]) : NULL;
    if (k == NULL || !k->protected_op || !sim->app_open)
        return 0;
    return sim_secmon_delay_us(sim);
}

uint32_t sim_chip_exec_us(const trustm_sim_t *sim, const uint8_t *apdu, size_t len)
{
    const sim_command_t *k = len >= TRUSTM_APDU_HEADER_SIZE ? command(apdu[0]) : NULL;
    if (k == NULL)
        return EXEC_ERROR_US;
    uint32_t us = k->time != NULL ? k->time(apdu, len) : k->us;
    return (us != 0 ? us : EXEC_ERROR_US) + sim_chip_throttle_us(sim, apdu, len);
}

size_t sim_chip_execute(trustm_sim_t *sim, const uint8_t *apdu, size_t len, uint8_t *rsp, size_t rsp_size)
{
    if (rsp_size < TRUSTM_APDU_MAX_SIZE)
        return 0;
    sim->last_throttle_us = sim->chip.throttle_us;
    sim->stats.throttle_us = sim->chip.throttle_us;
    sim->chip.throttle_us = 0;
    if (len >= 1 && (apdu[0] & TRUSTM_APDU_CMD_FLUSH))
        *last_error(sim) = 0; /* the flush bit is evaluated before anything else */
    trustm_apdu_cmd_t a;
    if (len < TRUSTM_APDU_HEADER_SIZE)
        return rsp_error(sim, len >= 1 && command(apdu[0]) == NULL ? ERR_INVALID_CMD : ERR_INVALID_LENGTH, rsp);
    const uint8_t code = apdu[0] & 0x7Fu;
    const sim_command_t *k = command(code);
    if (k == NULL)
        return rsp_error(sim, ERR_INVALID_CMD, rsp);
    if (!trustm_apdu_cmd_decode(apdu, len, &a) || a.in_len > TRUSTM_APDU_MAX_DATA)
        return rsp_error(sim, ERR_INVALID_LENGTH, rsp);
    if (code != TRUSTM_CMD_ENCRYPT_SYM && code != TRUSTM_CMD_DECRYPT_SYM)
        trustm_wipe(&sim->chip.sym, sizeof sim->chip.sym); /* strict sequence: interleaving aborts */
    if (code != TRUSTM_CMD_SET_OBJECT_PROTECTED)
        sim_pu_abort(sim); /* strict start..final sequence (commands.md §5.5) */
    sim_cmd_t c;
    memset(&c, 0, sizeof c);
    c.code = code;
    c.param = a.param;
    c.in = a.in_data;
    c.in_len = a.in_len;
    c.out = rsp + TRUSTM_APDU_HEADER_SIZE;
    c.out_cap = TRUSTM_APDU_MAX_DATA;
    int rc;
    if (code != TRUSTM_CMD_OPEN_APPLICATION && (!sim->app_open || sim_chip_obj(sim, 0xF1C0u)->data[0] == LCS_TE))
        rc = ERR_NOT_AVAILABLE;
    else
        rc = k->run(sim, &c);
    if (rc != 0)
        return rsp_error(sim, (uint8_t)rc, rsp);
    if (c.out_len > TRUSTM_APDU_MAX_DATA)
        return rsp_error(sim, ERR_BUFFER, rsp);
    return rsp_ok(rsp, c.out_len);
}

int trustm_sim_metadata_check(const uint8_t *m, size_t n)
{
    if (m == NULL)
        return ERR_INVALID_DATA;
    return sim_meta_check(m, n);
}
