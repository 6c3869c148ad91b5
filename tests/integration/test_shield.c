/*
 * integration_shield - the Shielded Connection end to end: the host library (with the mbedTLS
 * ops table) against the simulator's independent chip side.
 *
 *   protected_random      handshake + fully protected GetRandom at frame sizes 277 and 20; no
 *                         APDU in clear on the bus after the handshake; levels cmd/rsp/none
 *   conf_e140             an object whose read access is Conf(E140) is refused unprotected,
 *                         refused with command-only protection, read with response protection
 *   tampered_command      a corrupted tag (host ops wrapper): the chip answers 44, the host
 *                         resends under the next MSEQ; the chip counts a security event
 *   tampered_response     the host cannot verify a response: it sends 44, the chip resends
 *   alert_storm           every command tag corrupted: bounded retries, re-handshakes, then a
 *                         sticky PL error; a re-open and a clean handshake recover
 *   wrong_secret_host / _chip   handshake refused, sticky error, recovery after the fix
 *   bus_faults_handshake  NACKs, flipped host bits, corrupted chip FCS, dropped frames during
 *                         the handshake messages: recovered by the link, result correct
 *   power_cut_handshake   supply lost while the chip works on Hello / Finished: clear link
 *                         error, no hang; after re-open a fresh handshake succeeds
 *   hibernate             session saved with the application context and restored after
 *                         power-off; the records continue with the next sequence numbers
 *   replay                (raw engine driven over the bus) a recorded protected command sent
 *                         again is refused with the fatal alert; a replayed response is
 *                         refused by the host engine
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim_host.h"
#include "trustm/trustm.h"
#include "trustm/trustm_shield.h"
#include "trustm_pal_sim.h"
#include "trustm_shield_mbedtls.h"
#include "trustm_sim.h"
#include "trustm_sim_shield.h"
#include "trustm_stack.h"
#include "trustm_testutil.h"

#define OKS(expr)                                                                                                      \
    do {                                                                                                               \
        trustm_status_t s_ = (expr);                                                                                   \
        if (s_ != TRUSTM_OK)                                                                                           \
            fail_msg("%s -> %s: %s", #expr, trustm_status_layer_str(s_), trustm_status_base_str(s_));                  \
    } while (0)

/* ---- fixture: chip, recording PAL, host with a shield and a tamper-capable ops table ---- */

typedef struct fx {
    trustm_sim_t *sim;
    trustm_pal_t inner;
    trustm_pal_ops_t ops;
    trustm_pal_t pal;
    trustm_device_t dev;
    trustm_shield_t sh;
    trustm_shield_crypto_t crypto;
    uint8_t secret[64];
    /* recording of host writes to the DATA register */
    bool record;
    uint8_t *log;
    size_t log_len, log_cap;
    /* tampering */
    unsigned corrupt_enc; /* corrupt the tag of the next N record encryptions */
    unsigned fail_dec;    /* fail the next N record decryptions */
} fx_t;

static fx_t *g_fx;

static trustm_status_t rec_write(void *ctx, uint8_t addr7, const uint8_t *buf, size_t len)
{
    fx_t *f = ctx;
    if (f->record && len > 1 && buf[0] == 0x80) {
        if (f->log_len + len > f->log_cap) {
            f->log_cap = (f->log_len + len) * 2;
            f->log = realloc(f->log, f->log_cap);
        }
        memcpy(f->log + f->log_len, buf, len);
        f->log_len += len;
    }
    return f->inner.ops->i2c_write(f->inner.ctx, addr7, buf, len);
}
static trustm_status_t rec_read(void *ctx, uint8_t addr7, uint8_t *buf, size_t len)
{
    fx_t *f = ctx;
    return f->inner.ops->i2c_read(f->inner.ctx, addr7, buf, len);
}
static uint64_t rec_now(void *ctx)
{
    fx_t *f = ctx;
    return f->inner.ops->now_us(f->inner.ctx);
}
static void rec_sleep(void *ctx, uint32_t us)
{
    fx_t *f = ctx;
    f->inner.ops->sleep_us(f->inner.ctx, us);
}
static trustm_status_t rec_pin(void *ctx, trustm_pal_pin_t pin, bool high)
{
    fx_t *f = ctx;
    return f->inner.ops->set_pin(f->inner.ctx, pin, high);
}

static int secret_cb(void *user, uint8_t *out, size_t out_size, size_t *out_len)
{
    fx_t *f = user;
    if (out_size < sizeof f->secret)
        return -1;
    memcpy(out, f->secret, sizeof f->secret);
    *out_len = sizeof f->secret;
    return 0;
}

static int tamper_enc(void *user, const uint8_t key[16], const uint8_t nonce[8], const uint8_t *aad, size_t aad_len,
                      const uint8_t *in, size_t len, uint8_t *out)
{
    fx_t *f = user;
    int r = trustm_shield_crypto_mbedtls()->ccm8_encrypt(NULL, key, nonce, aad, aad_len, in, len, out);
    if (r == 0 && f->corrupt_enc > 0 && (aad[0] & 0xE0u) == 0x20u) {
        f->corrupt_enc--;
        out[len + 7] ^= 0x5Au;
    }
    return r;
}

static int tamper_dec(void *user, const uint8_t key[16], const uint8_t nonce[8], const uint8_t *aad, size_t aad_len,
                      const uint8_t *in, size_t len, const uint8_t tag[8], uint8_t *out)
{
    fx_t *f = user;
    if (f->fail_dec > 0 && (aad[0] & 0xE0u) == 0x20u) {
        f->fail_dec--;
        memset(out, 0, len);
        return -1;
    }
    return trustm_shield_crypto_mbedtls()->ccm8_decrypt(NULL, key, nonce, aad, aad_len, in, len, tag, out);
}

static void fx_init_host(fx_t *f, uint16_t frame, uint8_t level)
{
    trustm_shield_config_t sc;
    memset(&sc, 0, sizeof sc);
    f->crypto = *trustm_shield_crypto_mbedtls();
    f->crypto.ccm8_encrypt = tamper_enc;
    f->crypto.ccm8_decrypt = tamper_dec;
    f->crypto.user = f;
    sc.crypto = &f->crypto;
    sc.read_secret = secret_cb;
    sc.secret_user = f;
    sc.default_level = level;
    assert_int_equal(trustm_shield_init(&f->sh, &sc), TRUSTM_OK);
    trustm_config_t hc;
    memset(&hc, 0, sizeof hc);
    hc.frame_size = frame;
    hc.shield = &f->sh;
    assert_int_equal(trustm_device_init(&f->dev, &f->pal, &hc), TRUSTM_OK);
}

static fx_t *fx_new(uint16_t frame, uint8_t level, trustm_sim_timing_t timing)
{
    fx_t *f = calloc(1, sizeof *f);
    trustm_sim_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.timing = timing;
    cfg.seed = 42;
    char err[200];
    f->sim = trustm_sim_create(&cfg, err, sizeof err);
    assert_non_null(f->sim);
    assert_int_equal(trustm_pal_sim_init(&f->inner, f->sim), TRUSTM_OK);
    f->ops.i2c_write = rec_write;
    f->ops.i2c_read = rec_read;
    f->ops.now_us = rec_now;
    f->ops.sleep_us = rec_sleep;
    f->ops.set_pin = f->inner.ops->set_pin != NULL ? rec_pin : NULL;
    f->pal.ops = &f->ops;
    f->pal.ctx = f;
    size_t sl;
    tv_pbs_default(NULL, f->secret, sizeof f->secret, &sl);
    fx_init_host(f, frame, level);
    OKS(trustm_device_open(&f->dev));
    g_fx = f;
    return f;
}

static void fx_free(fx_t *f)
{
    trustm_shield_wipe(&f->sh);
    trustm_sim_destroy(f->sim);
    free(f->log);
    free(f);
    g_fx = NULL;
}

static bool log_contains(const fx_t *f, const uint8_t *pat, size_t n)
{
    for (size_t i = 0; i + n <= f->log_len; i++)
        if (memcmp(f->log + i, pat, n) == 0)
            return true;
    return false;
}

/* ---- tests ---- */

static void protected_random_at(uint16_t frame)
{
    fx_t *f = fx_new(frame, TRUSTM_PROTECT_FULL, TRUSTM_SIM_TIMING_DATASHEET);
    uint8_t r1[32], r2[32];
    f->record = true;
    OKS(trustm_random(&f->dev, TRUSTM_RNG_TRNG, sizeof r1, r1, sizeof r1, NULL));
    OKS(trustm_random(&f->dev, TRUSTM_RNG_TRNG, sizeof r2, r2, sizeof r2, NULL));
    assert_memory_not_equal(r1, r2, sizeof r1);
    assert_int_equal(trustm_sim_shield_handshakes(f->sim), 1);
    assert_true(trustm_shield_has_session(&f->sh));
    /* GetRandom APDU (8C 00 0002 0020) never in clear; no unprotected record SCTR after open */
    static const uint8_t apdu[] = {0x8C, 0x00, 0x00, 0x02, 0x00, 0x20};
    assert_false(log_contains(f, apdu, sizeof apdu));
    /* other levels on the same session */
    uint8_t r3[8];
    for (uint8_t lv = TRUSTM_PROTECT_NONE; lv <= TRUSTM_PROTECT_FULL; lv++) {
        OKS(trustm_device_protect_next(&f->dev, lv));
        OKS(trustm_random(&f->dev, TRUSTM_RNG_TRNG, sizeof r3, r3, sizeof r3, NULL));
    }
    /* a data read at the protected level, object larger than one frame at size 20 */
    uint8_t uid[27];
    size_t n = 0;
    OKS(trustm_data_read(&f->dev, 0xE0C2, 0, uid, sizeof uid, &n));
    assert_int_equal(n, 27);
    assert_int_equal(trustm_sim_shield_handshakes(f->sim), 1);
    /* renew: a new handshake on request */
    OKS(trustm_device_protect_next(&f->dev, TRUSTM_PROTECT_FULL | TRUSTM_PROTECT_RENEW));
    OKS(trustm_random(&f->dev, TRUSTM_RNG_TRNG, sizeof r3, r3, sizeof r3, NULL));
    assert_int_equal(trustm_sim_shield_handshakes(f->sim), 2);
    assert_int_equal(trustm_sim_shield_mac_failures(f->sim), 0);
    fx_free(f);
}

static void test_protected_random(void **state)
{
    (void)state;
    protected_random_at(277);
    protected_random_at(20);
}

static void test_conf_e140(void **state)
{
    (void)state;
    fx_t *f = fx_new(277, TRUSTM_PROTECT_NONE, TRUSTM_SIM_TIMING_NONE);
    static const uint8_t data[4] = {1, 2, 3, 4};
    static const uint8_t md[] = {0x20, 0x05, 0xD1, 0x03, 0x20, 0xE1, 0x40}; /* RD = Conf(E140) */
    uint8_t out[8];
    size_t n = 0;
    OKS(trustm_data_write(&f->dev, 0xF1D1, TRUSTM_ERASE_AND_WRITE, 0, data, sizeof data));
    OKS(trustm_metadata_write(&f->dev, 0xF1D1, md, sizeof md));
    assert_int_equal(trustm_data_read(&f->dev, 0xF1D1, 0, out, sizeof out, &n), TRUSTM_DEVICE_ERR(0x07));
    OKS(trustm_device_protect_next(&f->dev, TRUSTM_PROTECT_CMD));
    assert_int_equal(trustm_data_read(&f->dev, 0xF1D1, 0, out, sizeof out, &n), TRUSTM_DEVICE_ERR(0x07));
    OKS(trustm_device_protect_next(&f->dev, TRUSTM_PROTECT_RSP));
    OKS(trustm_data_read(&f->dev, 0xF1D1, 0, out, sizeof out, &n));
    assert_int_equal(n, 4);
    assert_memory_equal(out, data, 4);
    /* change access Conf(E140): a protected command satisfies it, a plain one does not */
    static const uint8_t md2[] = {0x20, 0x05, 0xD0, 0x03, 0x20, 0xE1, 0x40};
    OKS(trustm_metadata_write(&f->dev, 0xF1D2, md2, sizeof md2));
    assert_int_equal(trustm_data_write(&f->dev, 0xF1D2, TRUSTM_ERASE_AND_WRITE, 0, data, 4), TRUSTM_DEVICE_ERR(0x07));
    OKS(trustm_device_protect_next(&f->dev, TRUSTM_PROTECT_FULL));
    OKS(trustm_data_write(&f->dev, 0xF1D2, TRUSTM_ERASE_AND_WRITE, 0, data, 4));
    fx_free(f);
}

static void test_tampered_command(void **state)
{
    (void)state;
    fx_t *f = fx_new(277, TRUSTM_PROTECT_FULL, TRUSTM_SIM_TIMING_DATASHEET);
    uint8_t r[16];
    OKS(trustm_random(&f->dev, TRUSTM_RNG_TRNG, sizeof r, r, sizeof r, NULL));
    uint8_t sec0 = 0, sec1 = 0;
    size_t n;
    OKS(trustm_data_read(&f->dev, 0xE0C5, 0, &sec0, 1, &n));
    f->corrupt_enc = 1;
    OKS(trustm_random(&f->dev, TRUSTM_RNG_TRNG, sizeof r, r, sizeof r, NULL));
    assert_int_equal(trustm_sim_shield_mac_failures(f->sim), 1);
    assert_int_equal(trustm_sim_shield_handshakes(f->sim), 1); /* one resend, same session */
    OKS(trustm_data_read(&f->dev, 0xE0C5, 0, &sec1, 1, &n));
    assert_true(sec1 >= sec0); /* a security event (SEC may be absorbed by the credit) */
    fx_free(f);
}

static void test_tampered_response(void **state)
{
    (void)state;
    fx_t *f = fx_new(20, TRUSTM_PROTECT_FULL, TRUSTM_SIM_TIMING_DATASHEET);
    uint8_t r[16];
    OKS(trustm_random(&f->dev, TRUSTM_RNG_TRNG, sizeof r, r, sizeof r, NULL));
    f->fail_dec = 2;
    OKS(trustm_random(&f->dev, TRUSTM_RNG_TRNG, sizeof r, r, sizeof r, NULL));
    assert_int_equal(f->fail_dec, 0);
    /* never verified (4 failures: the first and 3 resends): no plaintext, session ended */
    f->fail_dec = 4;
    memset(r, 0xEE, sizeof r);
    assert_int_equal(trustm_random(&f->dev, TRUSTM_RNG_TRNG, sizeof r, r, sizeof r, NULL),
                     TRUSTM_STATUS(TRUSTM_LAYER_PL, TRUSTM_BASE_AUTH_FAILED));
    for (size_t i = 0; i < sizeof r; i++)
        assert_int_equal(r[i], 0xEE);
    assert_false(trustm_shield_has_session(&f->sh));
    OKS(trustm_random(&f->dev, TRUSTM_RNG_TRNG, sizeof r, r, sizeof r, NULL)); /* a fresh handshake */
    assert_int_equal(trustm_sim_shield_handshakes(f->sim), 2);
    fx_free(f);
}

static void test_alert_storm(void **state)
{
    (void)state;
    fx_t *f = fx_new(277, TRUSTM_PROTECT_FULL, TRUSTM_SIM_TIMING_NONE);
    uint8_t r[16];
    f->corrupt_enc = 1000;
    trustm_status_t s = trustm_random(&f->dev, TRUSTM_RNG_TRNG, sizeof r, r, sizeof r, NULL);
    assert_int_equal(TRUSTM_STATUS_LAYER(s), TRUSTM_LAYER_PL);
    assert_int_equal(trustm_random(&f->dev, TRUSTM_RNG_TRNG, sizeof r, r, sizeof r, NULL),
                     TRUSTM_STATUS(TRUSTM_LAYER_PL, TRUSTM_BASE_FAILED)); /* sticky */
    assert_true(trustm_sim_shield_handshakes(f->sim) <= 3);
    f->corrupt_enc = 0;
    OKS(trustm_device_open(&f->dev));
    OKS(trustm_random(&f->dev, TRUSTM_RNG_TRNG, sizeof r, r, sizeof r, NULL));
    fx_free(f);
}

static void test_wrong_secret_host(void **state)
{
    (void)state;
    fx_t *f = fx_new(277, TRUSTM_PROTECT_FULL, TRUSTM_SIM_TIMING_NONE);
    uint8_t r[16];
    f->secret[5] ^= 1;
    assert_int_equal(trustm_random(&f->dev, TRUSTM_RNG_TRNG, sizeof r, r, sizeof r, NULL),
                     TRUSTM_STATUS(TRUSTM_LAYER_PL, TRUSTM_BASE_AUTH_FAILED));
    assert_int_equal(trustm_random(&f->dev, TRUSTM_RNG_TRNG, sizeof r, r, sizeof r, NULL),
                     TRUSTM_STATUS(TRUSTM_LAYER_PL, TRUSTM_BASE_FAILED));
    assert_int_equal(trustm_sim_shield_mac_failures(f->sim), 3); /* 1 + 2 re-handshakes */
    f->secret[5] ^= 1;
    OKS(trustm_device_open(&f->dev));
    OKS(trustm_random(&f->dev, TRUSTM_RNG_TRNG, sizeof r, r, sizeof r, NULL));
    fx_free(f);
}

static void test_wrong_secret_chip(void **state)
{
    (void)state;
    fx_t *f = fx_new(20, TRUSTM_PROTECT_NONE, TRUSTM_SIM_TIMING_NONE);
    uint8_t other[64], r[16];
    memset(other, 0xA5, sizeof other);
    OKS(trustm_data_write(&f->dev, 0xE140, TRUSTM_ERASE_AND_WRITE, 0, other, sizeof other));
    OKS(trustm_device_protect_next(&f->dev, TRUSTM_PROTECT_FULL));
    assert_int_equal(trustm_random(&f->dev, TRUSTM_RNG_TRNG, sizeof r, r, sizeof r, NULL),
                     TRUSTM_STATUS(TRUSTM_LAYER_PL, TRUSTM_BASE_AUTH_FAILED));
    OKS(trustm_device_open(&f->dev));
    memcpy(f->secret, other, sizeof other); /* the host learns the new secret */
    OKS(trustm_device_protect_next(&f->dev, TRUSTM_PROTECT_FULL));
    OKS(trustm_random(&f->dev, TRUSTM_RNG_TRNG, sizeof r, r, sizeof r, NULL));
    fx_free(f);
}

static void test_bus_faults_handshake(void **state)
{
    (void)state;
    for (unsigned k = 1; k <= 6; k++) {
        for (unsigned kind = 0; kind < 4; kind++) {
            fx_t *f = fx_new(kind & 1 ? 20 : 277, TRUSTM_PROTECT_FULL, TRUSTM_SIM_TIMING_DATASHEET);
            trustm_sim_faults_t plan;
            memset(&plan, 0, sizeof plan);
            plan.seed = k * 7u + kind;
            switch (kind) {
            case 0:
                plan.flip_host_frame = k;
                break;
            case 1:
                plan.corrupt_fcs_frame = k;
                break;
            case 2:
                plan.drop_frame = k;
                break;
            default:
                plan.nack_next = 3 * k;
                break;
            }
            trustm_sim_faults_set(f->sim, &plan);
            uint8_t r[40];
            OKS(trustm_random(&f->dev, TRUSTM_RNG_TRNG, sizeof r, r, sizeof r, NULL));
            trustm_sim_faults_set(f->sim, NULL);
            OKS(trustm_random(&f->dev, TRUSTM_RNG_TRNG, sizeof r, r, sizeof r, NULL));
            fx_free(f);
        }
    }
}

static void test_power_cut_handshake(void **state)
{
    (void)state;
    static const uint32_t cut_us[] = {100, 2000, 4000};
    for (unsigned step = 0; step < 2; step++) {
        for (size_t i = 0; i < sizeof cut_us / sizeof cut_us[0]; i++) {
            fx_t *f = fx_new(277, TRUSTM_PROTECT_FULL, TRUSTM_SIM_TIMING_DATASHEET);
            uint8_t r[16];
            trustm_sim_faults_t plan;
            memset(&plan, 0, sizeof plan);
            plan.power_loss_us = cut_us[i];
            if (step == 1) { /* let the Hello through: cut during Finished */
                OKS(trustm_device_protect_next(&f->dev, TRUSTM_PROTECT_NONE));
                OKS(trustm_random(&f->dev, TRUSTM_RNG_TRNG, sizeof r, r, sizeof r, NULL));
            }
            trustm_sim_faults_set(f->sim, &plan);
            trustm_status_t s = trustm_random(&f->dev, TRUSTM_RNG_TRNG, sizeof r, r, sizeof r, NULL);
            /* either the link rode through the restart (the retransmitted Hello starts a clean
             * handshake; the chip's application was reset with it: a device error) or the call
             * failed with a clear link error and no session is left */
            if (trustm_status_is_error(s) && TRUSTM_STATUS_LAYER(s) != TRUSTM_LAYER_DEVICE &&
                trustm_shield_has_session(&f->sh))
                fail_msg("step %u cut %u us: %s %s with a session left", step, (unsigned)cut_us[i],
                         trustm_status_layer_str(s), trustm_status_base_str(s));
            trustm_sim_faults_set(f->sim, NULL);
            OKS(trustm_device_open(&f->dev));
            OKS(trustm_random(&f->dev, TRUSTM_RNG_TRNG, sizeof r, r, sizeof r, NULL));
            assert_true(trustm_sim_shield_handshakes(f->sim) >= 1);
            assert_int_equal(trustm_sim_shield_mac_failures(f->sim), 0);
            fx_free(f);
        }
    }
}

static void test_hibernate(void **state)
{
    (void)state;
    fx_t *f = fx_new(277, TRUSTM_PROTECT_FULL, TRUSTM_SIM_TIMING_DATASHEET);
    uint8_t r[16], handle[TRUSTM_CONTEXT_HANDLE_SIZE];
    OKS(trustm_random(&f->dev, TRUSTM_RNG_TRNG, sizeof r, r, sizeof r, NULL));
    OKS(trustm_device_hibernate(&f->dev, handle));
    assert_false(trustm_shield_has_session(&f->sh));
    uint8_t saved[TRUSTM_SHIELD_SAVED_SIZE];
    size_t sl = 0;
    OKS(trustm_shield_export(&f->sh, saved, sizeof saved, &sl));
    /* the host powers off too: a fresh shield context imports the saved session */
    trustm_shield_wipe(&f->sh);
    fx_init_host(f, 277, TRUSTM_PROTECT_FULL);
    OKS(trustm_shield_import(&f->sh, saved, sl));
    OKS(trustm_device_open_restore(&f->dev, handle));
    assert_true(trustm_shield_has_session(&f->sh));
    OKS(trustm_random(&f->dev, TRUSTM_RNG_TRNG, sizeof r, r, sizeof r, NULL));
    assert_int_equal(trustm_sim_shield_handshakes(f->sim), 1); /* continued, no new handshake */
    fx_free(f);
}

/* ---- replay: the host engine driven by hand over the simulator's bus ---- */

typedef struct raw {
    sim_host_t h;
    trustm_shield_t sh;
    uint8_t last_tx[600];
    size_t last_tx_len;
    uint8_t last_rx[600];
    size_t last_rx_len;
} raw_t;

/* One exchange through trustm_pl_shield (tx_begin / rx_end) with the raw test host. */
static trustm_status_t raw_xchg(raw_t *x, const uint8_t *apdu, size_t len, uint8_t *rsp, size_t cap, size_t *rlen)
{
    for (;;) {
        trustm_pl_msg_t msg;
        memset(&msg, 0, sizeof msg);
        msg.body = apdu;
        msg.body_len = len;
        trustm_status_t s = trustm_pl_shield.tx_begin(&x->sh, apdu, len, &msg);
        if (s != TRUSTM_OK)
            return s;
        memcpy(x->last_tx, msg.hdr, msg.hdr_len);
        if (msg.body_len > 0)
            memcpy(x->last_tx + msg.hdr_len, msg.body, msg.body_len);
        x->last_tx_len = msg.hdr_len + msg.body_len;
        long got = sim_host_transceive(&x->h, x->last_tx, x->last_tx_len, x->last_rx, sizeof x->last_rx);
        assert_true(got > 0);
        x->last_rx_len = (size_t)got;
        size_t hl = (size_t)got < msg.rx_hdr_len ? (size_t)got : msg.rx_hdr_len;
        uint8_t *dst = msg.rx_buf != NULL ? msg.rx_buf : rsp;
        size_t room = msg.rx_buf != NULL ? msg.rx_size : cap;
        assert_true((size_t)got - hl <= room);
        memcpy(dst, x->last_rx + hl, (size_t)got - hl);
        *rlen = (size_t)got - hl;
        s = trustm_pl_shield.rx_end(&x->sh, x->last_rx, hl, dst, (size_t)got - hl, rlen);
        if (s != TRUSTM_IN_PROGRESS)
            return s;
    }
}

static void test_replay(void **state)
{
    (void)state;
    raw_t *x = calloc(1, sizeof *x);
    trustm_sim_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.timing = TRUSTM_SIM_TIMING_NONE;
    char err[100];
    trustm_sim_t *sim = trustm_sim_create(&cfg, err, sizeof err);
    assert_non_null(sim);
    sim_host_init(&x->h, sim);
    x->h.presence = true;
    x->h.raw_pl = true;
    trustm_shield_config_t sc;
    memset(&sc, 0, sizeof sc);
    sc.crypto = trustm_shield_crypto_mbedtls();
    sc.read_secret = tv_pbs_default;
    sc.default_level = TRUSTM_PROTECT_FULL;
    OKS(trustm_shield_init(&x->sh, &sc));
    static const uint8_t open_apdu[] = {0xF0, 0x00, 0x00, 0x10, 0xD2, 0x76, 0x00, 0x00, 0x04, 0x47,
                                        0x65, 0x6E, 0x41, 0x75, 0x74, 0x68, 0x41, 0x70, 0x70, 0x6C};
    static const uint8_t rnd_apdu[] = {0x8C, 0x00, 0x00, 0x02, 0x00, 0x08};
    uint8_t rsp[64];
    size_t n = 0;
    trustm_pl_shield_begin_op(&x->sh);
    x->sh.op_level = TRUSTM_PROTECT_NONE;
    OKS(raw_xchg(x, open_apdu, sizeof open_apdu, rsp, sizeof rsp, &n));
    trustm_pl_shield_begin_op(&x->sh);
    OKS(raw_xchg(x, rnd_apdu, sizeof rnd_apdu, rsp, sizeof rsp, &n));
    assert_int_equal(n, 12);
    /* the chip refuses the recorded protected command sent again (MSEQ not above its last) */
    uint8_t again[64];
    long got = sim_host_transceive(&x->h, x->last_tx, x->last_tx_len, again, sizeof again);
    assert_int_equal(got, 1);
    assert_int_equal(again[0], 0x40);
    /* the host refuses a replayed response (SSEQ not above its last accepted) */
    uint8_t old[64];
    size_t old_len = x->last_rx_len;
    memcpy(old, x->last_rx, old_len);
    trustm_pl_shield_begin_op(&x->sh);
    trustm_pl_msg_t msg;
    memset(&msg, 0, sizeof msg);
    assert_int_equal(trustm_pl_shield.tx_begin(&x->sh, rnd_apdu, sizeof rnd_apdu, &msg), TRUSTM_OK);
    memcpy(rsp, old + 5, old_len - 5);
    size_t al = 0;
    assert_int_equal(trustm_pl_shield.rx_end(&x->sh, old, 5, rsp, old_len - 5, &al),
                     TRUSTM_STATUS(TRUSTM_LAYER_PL, TRUSTM_BASE_PROTOCOL));
    assert_false(trustm_shield_has_session(&x->sh));
    trustm_shield_wipe(&x->sh);
    trustm_sim_destroy(sim);
    free(x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_protected_random),
        cmocka_unit_test(test_conf_e140),
        cmocka_unit_test(test_tampered_command),
        cmocka_unit_test(test_tampered_response),
        cmocka_unit_test(test_alert_storm),
        cmocka_unit_test(test_wrong_secret_host),
        cmocka_unit_test(test_wrong_secret_chip),
        cmocka_unit_test(test_bus_faults_handshake),
        cmocka_unit_test(test_power_cut_handshake),
        cmocka_unit_test(test_hibernate),
        cmocka_unit_test(test_replay),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
