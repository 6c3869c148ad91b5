/*
 * id2_client.c - the ID2 client API (id2.md §5) and its adapter onto libtrustm (§3): the ID in
 * F1D0, the ID2 signature (AES-128-ECB with E200 or RSASSA-PKCS1-v1_5-SHA256 with E0FC), the
 * auth codes, server verification, decryption, the TLS-PSK secret and the power-down cleanup.
 *
 * No heap, no globals, no OS calls; every buffer that held a secret-derived value is wiped with
 * mbedtls_platform_zeroize before returning, on error too.
 */
#include <string.h>

#include <mbedtls/base64.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>
#include <mbedtls/version.h>

#include "id2_int.h"
#include "trustm/trustm.h"

#define ID2_MAGIC      0x49443243u /* "ID2C" */
#define ID2_RAW_ID_LEN 12u
#define ID2_SIG_MAX    128u /* internal signature buffer (id2.md §5) */
#define ID2_B64_MAX    173u /* base64 of 128 bytes + NUL */
#define ID2_AES_SIG    48u
#define ID2_HASH_TYPE  '2' /* SHA-256 */
#define AUTH_MSG_MAX   (ID2_ID_LEN + ID2_DEVICE_RANDOM_CHARS + ID2_MAX_SERVER_RANDOM_LEN + ID2_MAX_EXTRA_LEN)
#define VERIFY_MSG_MAX (ID2_ID_LEN + ID2_MAX_DEVICE_RANDOM_LEN + ID2_MAX_EXTRA_LEN)

static void wipe(void *p, size_t n)
{
    mbedtls_platform_zeroize(p, n);
}

static int host_sha256(const uint8_t *in, size_t len, uint8_t out[32])
{
#if MBEDTLS_VERSION_MAJOR >= 3
    return mbedtls_sha256(in, len, out, 0);
#else
    return mbedtls_sha256_ret(in, len, out, 0);
#endif
}

static irot_result_t chip_fail(id2_client_t *ctx, trustm_status_t s)
{
    ctx->last_status = s;
    return IROT_ERROR_GENERIC;
}

/* Common entry check: NULL context -> BAD_PARAMETERS, not initialised -> GENERIC. */
static irot_result_t ready(const id2_client_t *ctx)
{
    if (ctx == NULL)
        return IROT_ERROR_BAD_PARAMETERS;
    if (ctx->magic != ID2_MAGIC || !ctx->inited)
        return IROT_ERROR_GENERIC;
    return IROT_SUCCESS;
}

/* Entry check of a call with an output buffer: ready, buf/len NULL -> BAD_PARAMETERS,
 * *len < min -> SHORT_BUFFER. */
static irot_result_t ready_out(const id2_client_t *ctx, const void *buf, const uint32_t *len, uint32_t min)
{
    irot_result_t r = ready(ctx);
    if (r != IROT_SUCCESS)
        return r;
    if (buf == NULL || len == NULL)
        return IROT_ERROR_BAD_PARAMETERS;
    return *len < min ? IROT_ERROR_SHORT_BUFFER : IROT_SUCCESS;
}

/* ---------------------------------------------------------------- lifecycle */

irot_result_t id2_client_init(id2_client_t *ctx, trustm_device_t *dev, const id2_client_config_t *cfg)
{
    if (ctx == NULL || dev == NULL || cfg == NULL || cfg->rng == NULL)
        return IROT_ERROR_BAD_PARAMETERS;
    int type = cfg->crypto_type != 0 ? cfg->crypto_type : ID2_CRYPTO_TYPE_CONFIG;
    if (type != ID2_CRYPTO_TYPE_AES && type != ID2_CRYPTO_TYPE_RSA)
        return IROT_ERROR_BAD_PARAMETERS;
    if (cfg->power_down && (cfg->pal == NULL || cfg->pal->ops == NULL || cfg->pal->ops->sleep_us == NULL))
        return IROT_ERROR_BAD_PARAMETERS;
    /* The application stays open across a cleanup without power-down (id2.md §3.1 step 1). */
    bool still_open = ctx->magic == ID2_MAGIC && ctx->dev == dev && ctx->app_open;
    wipe(ctx, sizeof *ctx);
    ctx->magic = ID2_MAGIC;
    ctx->dev = dev;
    ctx->cfg = *cfg;
    ctx->cfg.crypto_type = type;
    if (ctx->cfg.power_down_max_wait_ms == 0)
        ctx->cfg.power_down_max_wait_ms = ID2_POWER_DOWN_MAX_WAIT_MS;
    ctx->last_status = TRUSTM_OK;
    id2_banner(ctx);
    if (!still_open && !cfg->device_is_open) {
        trustm_status_t s = trustm_device_open(dev);
        if (s != TRUSTM_OK)
            return chip_fail(ctx, s);
    }
    ctx->app_open = true;
    ctx->inited = true;
    return IROT_SUCCESS;
}

/* Poll the SEC every 500 ms until 0 or the bound, CloseApplication, VDD off (id2.md §3.2). */
static void power_down(id2_client_t *ctx, id2_cleanup_report_t *rep)
{
    const trustm_pal_t *pal = ctx->cfg.pal;
    const uint32_t max_ms = ctx->cfg.power_down_max_wait_ms;
    for (;;) {
        uint8_t sec = 0;
        rep->sec_status = trustm_byte_read(ctx->dev, ID2_OID_SEC, &sec);
        if (rep->sec_status != TRUSTM_OK) {
            ctx->last_status = rep->sec_status; /* a failing read ends the loop */
            break;
        }
        rep->sec = sec;
        if (sec == 0) {
            rep->sec_zero = true;
            break;
        }
        if (rep->waited_ms > max_ms || max_ms - rep->waited_ms < ID2_POWER_DOWN_POLL_MS)
            break;
        pal->ops->sleep_us(pal->ctx, ID2_POWER_DOWN_POLL_MS * 1000u);
        rep->waited_ms += ID2_POWER_DOWN_POLL_MS;
    }
    id2_line_t l;
    l.n = 0;
    l.b[0] = '\0';
    id2_line_str(&l, " ID2=> id2====> power down: SEC wait ");
    id2_line_uint(&l, rep->waited_ms);
    id2_line_str(&l, " ms, SEC=");
    id2_line_uint(&l, rep->sec);
    id2_line_str(&l, rep->sec_zero ? "" : " (not 0)");
    id2_log(ctx, l.b);

    rep->close_status = trustm_device_close(ctx->dev);
    if (rep->close_status != TRUSTM_OK)
        ctx->last_status = rep->close_status;
    rep->vdd_status = TRUSTM_STATUS(TRUSTM_LAYER_PAL, TRUSTM_BASE_NOT_SUPPORTED);
    if (pal->ops->set_pin != NULL)
        rep->vdd_status = pal->ops->set_pin(pal->ctx, TRUSTM_PAL_PIN_VDD, false);
    ctx->app_open = false;
    rep->powered_down = true;
}

irot_result_t id2_client_cleanup_ex(id2_client_t *ctx, bool power_down_chip, id2_cleanup_report_t *report)
{
    id2_cleanup_report_t rep;
    memset(&rep, 0, sizeof rep);
    if (ctx == NULL || ctx->magic != ID2_MAGIC)
        return IROT_ERROR_BAD_PARAMETERS;
    if (power_down_chip && (ctx->cfg.pal == NULL || ctx->cfg.pal->ops == NULL || ctx->cfg.pal->ops->sleep_us == NULL))
        return IROT_ERROR_BAD_PARAMETERS;
    id2_chip_log(ctx, "irot_hal_cleanup entry!!!", 0, false, "");
    if (ctx->inited && power_down_chip)
        power_down(ctx, &rep);
    ctx->inited = false;
    ctx->id_cached = false;
    wipe(ctx->id, sizeof ctx->id);
    ctx->challenge_len = 0;
    wipe(ctx->challenge, sizeof ctx->challenge);
    id2_chip_log(ctx, "irot_hal_cleanup exit!!!", 0, false, "");
    if (report != NULL)
        *report = rep;
    return IROT_SUCCESS;
}

irot_result_t id2_client_cleanup(id2_client_t *ctx)
{
    if (ctx == NULL || ctx->magic != ID2_MAGIC)
        return IROT_ERROR_BAD_PARAMETERS;
    return id2_client_cleanup_ex(ctx, ctx->cfg.power_down, NULL);
}

irot_result_t id2_client_get_version(id2_client_t *ctx, uint32_t *version)
{
    irot_result_t r = ready(ctx);
    if (r != IROT_SUCCESS)
        return r;
    if (version == NULL)
        return IROT_ERROR_BAD_PARAMETERS;
    *version = ID2_CLIENT_VERSION;
    return IROT_SUCCESS;
}

trustm_status_t id2_client_last_status(const id2_client_t *ctx)
{
    return ctx != NULL ? ctx->last_status : TRUSTM_OK;
}

/* ---------------------------------------------------------------- ID (§2.1, §3.3) */

static irot_result_t load_id(id2_client_t *ctx)
{
    if (ctx->id_cached)
        return IROT_SUCCESS;
    uint8_t raw[ID2_ID_LEN];
    size_t n = 0;
    trustm_status_t s = trustm_data_read(ctx->dev, ID2_OID_ID, 0, raw, sizeof raw, &n);
    if (s != TRUSTM_OK) {
        ctx->last_status = s;
        return TRUSTM_STATUS_LAYER(s) == TRUSTM_LAYER_DEVICE ? IROT_ERROR_ITEM_NOT_FOUND : IROT_ERROR_GENERIC;
    }
    if (n != ID2_RAW_ID_LEN)
        return IROT_ERROR_ITEM_NOT_FOUND;
    id2_hex_upper(raw, ID2_RAW_ID_LEN, ctx->id);
    ctx->id_cached = true;
    return IROT_SUCCESS;
}

irot_result_t id2_client_get_id(id2_client_t *ctx, uint8_t *id, uint32_t *len)
{
    irot_result_t r = ready_out(ctx, id, len, ID2_ID_LEN);
    if (r != IROT_SUCCESS)
        return r;
    r = load_id(ctx);
    if (r != IROT_SUCCESS)
        return r;
    memcpy(id, ctx->id, ID2_ID_LEN);
    *len = ID2_ID_LEN;
    return IROT_SUCCESS;
}

/* ---------------------------------------------------------------- ID2 signature (§5.1) */

static irot_result_t sign_aes(id2_client_t *ctx, const uint8_t *msg, size_t msg_len, uint8_t *sig, size_t sig_size,
                              size_t *sig_len)
{
    uint8_t block[ID2_AES_SIG];
    size_t n = 0;
    irot_result_t r = IROT_ERROR_GENERIC;
    if (sig_size < ID2_AES_SIG)
        return IROT_ERROR_SHORT_BUFFER;
    if (host_sha256(msg, msg_len, block) == 0) {
        memset(block + 32, 0x10, 16); /* PKCS#5: a full block after the 32-byte hash */
        id2_chip_log(ctx, "encrypt len=", ID2_AES_SIG, true, " !!!");
        trustm_status_t s = trustm_sym_encrypt(ctx->dev, ID2_OID_AES_KEY, TRUSTM_SYM_ECB, NULL, 0, block, sizeof block,
                                               sig, sig_size, &n);
        if (s != TRUSTM_OK)
            r = chip_fail(ctx, s);
        else if (n == ID2_AES_SIG) {
            *sig_len = n;
            r = IROT_SUCCESS;
        }
    }
    wipe(block, sizeof block);
    return r;
}

static irot_result_t sign_rsa(id2_client_t *ctx, const uint8_t *msg, size_t msg_len, uint8_t *sig, size_t sig_size,
                              size_t *sig_len)
{
    uint8_t digest[TRUSTM_SHA256_LEN];
    size_t n = 0;
    /* Hash on the chip (CalcHash), then CalcSign with E0FC (id2.md §3.5). */
    trustm_status_t s = trustm_sha256(ctx->dev, msg, msg_len, digest);
    if (s == TRUSTM_OK)
        s = trustm_rsa_sign(ctx->dev, ID2_OID_RSA_KEY, TRUSTM_RSA_PKCS1_SHA256, digest, sizeof digest, sig, sig_size,
                            &n);
    wipe(digest, sizeof digest);
    if (s != TRUSTM_OK)
        return chip_fail(ctx, s);
    *sig_len = n;
    return IROT_SUCCESS;
}

static irot_result_t id2_sign(id2_client_t *ctx, const uint8_t *msg, size_t msg_len, uint8_t *sig, size_t sig_size,
                              size_t *sig_len)
{
    if (ctx->cfg.crypto_type == ID2_CRYPTO_TYPE_RSA)
        return sign_rsa(ctx, msg, msg_len, sig, sig_size, sig_len);
    return sign_aes(ctx, msg, msg_len, sig, sig_size, sig_len);
}

irot_result_t id2_client_sign(id2_client_t *ctx, const uint8_t *msg, size_t msg_len, uint8_t *sig, size_t sig_size,
                              size_t *sig_len)
{
    irot_result_t r = ready(ctx);
    if (r != IROT_SUCCESS)
        return r;
    if (msg == NULL || msg_len == 0 || sig == NULL || sig_len == NULL)
        return IROT_ERROR_BAD_PARAMETERS;
    return id2_sign(ctx, msg, msg_len, sig, sig_size, sig_len);
}

/* base64(id2_sign(msg)) into b64 (ID2_B64_MAX), *b64_len without the NUL. */
static irot_result_t sign_b64(id2_client_t *ctx, const uint8_t *msg, size_t msg_len, char b64[ID2_B64_MAX],
                              size_t *b64_len)
{
    uint8_t sig[ID2_SIG_MAX];
    size_t sig_len = 0;
    irot_result_t r = id2_sign(ctx, msg, msg_len, sig, sizeof sig, &sig_len);
    if (r == IROT_SUCCESS && mbedtls_base64_encode((unsigned char *)b64, ID2_B64_MAX, b64_len, sig, sig_len) != 0)
        r = IROT_ERROR_GENERIC;
    wipe(sig, sizeof sig);
    return r;
}

/* ---------------------------------------------------------------- device random (§5.2) */

static irot_result_t make_random(id2_client_t *ctx, char out[ID2_DEVICE_RANDOM_CHARS])
{
    uint8_t b[8];
    uint32_t w[2];
    if (ctx->cfg.rng(ctx->cfg.rng_arg, b, sizeof b) != 0) {
        wipe(b, sizeof b);
        return IROT_ERROR_GENERIC;
    }
    memcpy(w, b, sizeof w); /* two 32-bit words in host byte order, printed %08X%08X */
    id2_hex_u32(w[0], out);
    id2_hex_u32(w[1], out + 8);
    memcpy(ctx->last_random, out, ID2_DEVICE_RANDOM_CHARS);
    ctx->last_random[ID2_DEVICE_RANDOM_CHARS] = '\0';
    ctx->have_last_random = true;
    wipe(b, sizeof b);
    wipe(w, sizeof w);
    return IROT_SUCCESS;
}

irot_result_t id2_client_last_device_random(const id2_client_t *ctx, char out[ID2_DEVICE_RANDOM_CHARS + 1u])
{
    irot_result_t r = ready(ctx);
    if (r != IROT_SUCCESS)
        return r;
    if (out == NULL)
        return IROT_ERROR_BAD_PARAMETERS;
    if (!ctx->have_last_random)
        return IROT_ERROR_GENERIC;
    memcpy(out, ctx->last_random, ID2_DEVICE_RANDOM_CHARS + 1u);
    return IROT_SUCCESS;
}

irot_result_t id2_client_get_device_challenge(id2_client_t *ctx, uint8_t *random_buf, uint32_t *random_len)
{
    irot_result_t r = ready_out(ctx, random_buf, random_len, ID2_DEVICE_RANDOM_CHARS + 1u); /* + NUL */
    if (r != IROT_SUCCESS)
        return r;
    char rnd[ID2_DEVICE_RANDOM_CHARS];
    r = make_random(ctx, rnd);
    if (r != IROT_SUCCESS)
        return r;
    memcpy(random_buf, rnd, sizeof rnd);
    random_buf[ID2_DEVICE_RANDOM_CHARS] = '\0';
    memcpy(ctx->challenge, rnd, sizeof rnd);
    ctx->challenge_len = ID2_DEVICE_RANDOM_CHARS;
    *random_len = ID2_DEVICE_RANDOM_CHARS;
    return IROT_SUCCESS;
}

/* ---------------------------------------------------------------- auth codes (§5.3) */

static irot_result_t auth_code(id2_client_t *ctx, bool timestamp, const char *server_random, const uint8_t *extra,
                               uint32_t extra_len, uint8_t *out, uint32_t *out_len)
{
    irot_result_t r = ready(ctx);
    if (r != IROT_SUCCESS)
        return r;
    if (out == NULL || out_len == NULL || server_random == NULL)
        return IROT_ERROR_BAD_PARAMETERS;
    size_t sr_len = id2_strlen_max(server_random, ID2_MAX_SERVER_RANDOM_LEN + 1u);
    if (sr_len > ID2_MAX_SERVER_RANDOM_LEN)
        return IROT_ERROR_EXCESS_DATA;
    if (sr_len == 0)
        return IROT_ERROR_BAD_PARAMETERS;
    if (extra_len > ID2_MAX_EXTRA_LEN)
        return IROT_ERROR_EXCESS_DATA;
    if (*out_len < AUTH_CODE_BUF_LEN)
        return IROT_ERROR_SHORT_BUFFER;
    r = load_id(ctx);
    if (r != IROT_SUCCESS)
        return r;
    char rnd[ID2_DEVICE_RANDOM_CHARS];
    r = make_random(ctx, rnd);
    if (r != IROT_SUCCESS)
        return r;

    /* M = ID2 || device random || server random || extra (zero-filled after a NUL in extra). */
    uint8_t msg[AUTH_MSG_MAX];
    size_t m = 0;
    memcpy(msg, ctx->id, ID2_ID_LEN);
    m += ID2_ID_LEN;
    memcpy(msg + m, rnd, sizeof rnd);
    m += sizeof rnd;
    memcpy(msg + m, server_random, sr_len);
    m += sr_len;
    if (extra != NULL) {
        size_t k = id2_strlen_max((const char *)extra, extra_len);
        memcpy(msg + m, extra, k);
        memset(msg + m + k, 0, extra_len - k);
        m += extra_len;
    }
    char b64[ID2_B64_MAX];
    size_t b64_len = 0;
    r = sign_b64(ctx, msg, m, b64, &b64_len);
    wipe(msg, sizeof msg);
    if (r != IROT_SUCCESS)
        return r;

    const size_t total = 4u + 1u + 1u + ID2_DEVICE_RANDOM_CHARS + sr_len + b64_len;
    const uint32_t size = *out_len;
    *out_len = (uint32_t)total;
    if (size <= total)
        return IROT_ERROR_SHORT_BUFFER;
    size_t o = 0;
    out[o++] = (uint8_t)('0' + (timestamp ? 1 : 0) + (extra != NULL ? 2 : 0));
    out[o++] = '~';
    out[o++] = ID2_HASH_TYPE;
    out[o++] = '~';
    memcpy(out + o, rnd, sizeof rnd);
    o += sizeof rnd;
    out[o++] = '~';
    memcpy(out + o, server_random, sr_len);
    o += sr_len;
    out[o++] = '~';
    memcpy(out + o, b64, b64_len);
    o += b64_len;
    out[o] = '\0';
    return IROT_SUCCESS;
}

irot_result_t id2_client_get_challenge_auth_code(id2_client_t *ctx, const char *server_random, const uint8_t *extra,
                                                 uint32_t extra_len, uint8_t *auth_code_buf, uint32_t *auth_code_len)
{
    return auth_code(ctx, false, server_random, extra, extra_len, auth_code_buf, auth_code_len);
}

irot_result_t id2_client_get_timestamp_auth_code(id2_client_t *ctx, const char *timestamp, const uint8_t *extra,
                                                 uint32_t extra_len, uint8_t *auth_code_buf, uint32_t *auth_code_len)
{
    return auth_code(ctx, true, timestamp, extra, extra_len, auth_code_buf, auth_code_len);
}

/* ---------------------------------------------------------------- server verification (§5.5) */

static bool equal_ct(const uint8_t *a, const uint8_t *b, size_t n)
{
    uint8_t d = 0;
    for (size_t i = 0; i < n; i++)
        d |= (uint8_t)(a[i] ^ b[i]);
    return d == 0;
}

static char inverse_hex(char c)
{
    static const char digits[] = "0123456789ABCDEF";
    unsigned v = (c >= '0' && c <= '9') ? (unsigned)(c - '0') : (unsigned)((c | 0x20) - 'a' + 10);
    return digits[(15u - v) & 0x0Fu];
}

irot_result_t id2_client_verify_server(id2_client_t *ctx, const uint8_t *code, uint32_t code_len,
                                       const uint8_t *device_random, uint32_t device_random_len,
                                       const uint8_t *server_extra, uint32_t server_extra_len)
{
    irot_result_t r = ready(ctx);
    if (r != IROT_SUCCESS)
        return r;
    if (code == NULL || code_len == 0)
        return IROT_ERROR_BAD_PARAMETERS;
    if (server_extra_len > ID2_MAX_EXTRA_LEN)
        return IROT_ERROR_EXCESS_DATA;
    if (device_random == NULL && device_random_len != 0)
        return IROT_ERROR_BAD_PARAMETERS;
    const bool remembered = device_random == NULL;
    if (remembered) {
        device_random = (const uint8_t *)ctx->challenge;
        device_random_len = (uint32_t)ctx->challenge_len;
    }
    if (device_random_len > ID2_MAX_DEVICE_RANDOM_LEN)
        return IROT_ERROR_EXCESS_DATA;
    if (device_random_len == 0)
        return IROT_ERROR_GENERIC; /* nothing to verify against */

    /* "TT~H~<random>~<signature>" */
    if (code_len < 6u || code[0] != '1' || (code[1] != '0' && code[1] != '1') || code[3] != ID2_HASH_TYPE)
        return IROT_ERROR_GENERIC;
    const bool with_extra = code[1] == '1';
    size_t end = 5;
    while (end < code_len && code[end] != '~')
        end++;
    if (end >= code_len || end - 5u != device_random_len || memcmp(code + 5, device_random, device_random_len) != 0)
        return IROT_ERROR_GENERIC;
    const uint8_t *sig = code + end + 1u;
    const size_t sig_len = code_len - end - 1u;

    r = load_id(ctx);
    if (r != IROT_SUCCESS)
        return r;
    /* M' = inverse(ID2) || device random || server extra (type 11 only) */
    uint8_t msg[VERIFY_MSG_MAX];
    size_t m = 0;
    for (size_t i = 0; i < ID2_ID_LEN; i++)
        msg[m++] = (uint8_t)inverse_hex(ctx->id[i]);
    memcpy(msg + m, device_random, device_random_len);
    m += device_random_len;
    if (with_extra && server_extra != NULL) {
        memcpy(msg + m, server_extra, server_extra_len);
        m += server_extra_len;
    }
    char b64[ID2_B64_MAX];
    size_t b64_len = 0;
    r = sign_b64(ctx, msg, m, b64, &b64_len);
    wipe(msg, sizeof msg);
    if (r == IROT_SUCCESS && (b64_len != sig_len || !equal_ct((const uint8_t *)b64, sig, sig_len)))
        r = IROT_ERROR_GENERIC;
    wipe(b64, sizeof b64);
    if (r == IROT_SUCCESS && remembered) {
        wipe(ctx->challenge, sizeof ctx->challenge);
        ctx->challenge_len = 0;
    }
    return r;
}

/* ---------------------------------------------------------------- decrypt (§5.6) */

static irot_result_t decrypt_aes(id2_client_t *ctx, const uint8_t *in, uint32_t in_len, uint8_t *plain,
                                 size_t plain_size, size_t *plain_len)
{
    size_t n = 0;
    if (in_len % TRUSTM_AES_BLOCK != 0)
        return IROT_ERROR_BAD_PARAMETERS;
    id2_chip_log(ctx, "decrypt len=", in_len, true, " !!!");
    trustm_status_t s =
        trustm_sym_decrypt(ctx->dev, ID2_OID_AES_KEY, TRUSTM_SYM_ECB, NULL, 0, in, in_len, plain, plain_size, &n);
    if (s != TRUSTM_OK)
        return chip_fail(ctx, s);
    if (n != in_len)
        return IROT_ERROR_GENERIC;
    /* PKCS#5: last byte v <= 16, the last v bytes equal v (v = 0 removes nothing). */
    const uint8_t v = plain[n - 1u];
    if (v > TRUSTM_AES_BLOCK)
        return IROT_ERROR_GENERIC;
    uint8_t bad = 0;
    for (size_t i = 0; i < v; i++)
        bad |= (uint8_t)(plain[n - 1u - i] ^ v);
    if (bad != 0)
        return IROT_ERROR_GENERIC;
    *plain_len = n - v;
    return IROT_SUCCESS;
}

static irot_result_t decrypt_rsa(id2_client_t *ctx, const uint8_t *in, uint32_t in_len, uint8_t *plain,
                                 size_t plain_size, size_t *plain_len)
{
    const size_t block = ID2_SIG_MAX; /* RSA-1024 */
    size_t total = 0;
    if (in_len % block != 0)
        return IROT_ERROR_BAD_PARAMETERS;
    for (size_t off = 0; off < in_len; off += block) {
        size_t n = 0;
        trustm_status_t s =
            trustm_rsa_decrypt(ctx->dev, ID2_OID_RSA_KEY, in + off, block, plain + total, plain_size - total, &n);
        if (s != TRUSTM_OK)
            return chip_fail(ctx, s);
        total += n;
    }
    *plain_len = total;
    return IROT_SUCCESS;
}

irot_result_t id2_client_decrypt(id2_client_t *ctx, const uint8_t *in, uint32_t in_len, uint8_t *out, uint32_t *out_len)
{
    irot_result_t r = ready(ctx);
    if (r != IROT_SUCCESS)
        return r;
    if (in == NULL || out == NULL || out_len == NULL || in_len == 0)
        return IROT_ERROR_BAD_PARAMETERS;
    if (in_len > ID2_MAX_CRYPTO_LEN)
        return IROT_ERROR_EXCESS_DATA;
    uint8_t plain[ID2_MAX_CRYPTO_LEN];
    size_t n = 0;
    if (ctx->cfg.crypto_type == ID2_CRYPTO_TYPE_RSA)
        r = decrypt_rsa(ctx, in, in_len, plain, sizeof plain, &n);
    else
        r = decrypt_aes(ctx, in, in_len, plain, sizeof plain, &n);
    if (r == IROT_SUCCESS) {
        if (n > *out_len)
            r = IROT_ERROR_SHORT_BUFFER;
        else {
            memcpy(out, plain, n);
            *out_len = (uint32_t)n;
        }
    }
    wipe(plain, in_len);
    return r;
}

/* ---------------------------------------------------------------- TLS-PSK secret (§5.7) */

irot_result_t id2_client_get_secret(id2_client_t *ctx, const char *seed, uint8_t *secret, uint32_t *secret_len)
{
    irot_result_t r = ready(ctx);
    if (r != IROT_SUCCESS)
        return r;
    if (seed == NULL || seed[0] == '\0')
        return IROT_ERROR_BAD_PARAMETERS;
    r = ready_out(ctx, secret, secret_len, ID2_SECRET_LEN);
    if (r != IROT_SUCCESS)
        return r;
    uint8_t sig[ID2_SIG_MAX];
    uint8_t hash[32];
    size_t sig_len = 0;
    r = id2_sign(ctx, (const uint8_t *)seed, strlen(seed), sig, sizeof sig, &sig_len);
    if (r == IROT_SUCCESS) {
        if (host_sha256(sig, sig_len, hash) == 0) {
            id2_hex_upper(hash, sizeof hash, (char *)secret);
            *secret_len = ID2_SECRET_LEN;
        } else
            r = IROT_ERROR_GENERIC;
    }
    wipe(sig, sizeof sig);
    wipe(hash, sizeof hash);
    return r;
}
