/*
 * sim_secmon_test.c - the security monitor as the datasheet (§8, Table 17) and
 * objects.md §8 describe it.
 *   - a failed DecryptAsym raises "private key use" only ("decryption failure" is the protected
 *     update's event)
 *   - all powered time counts toward t_max, also while a command executes
 *   - throttling applies with timing none too
 *   - CalcHash and SetObjectProtected are protected operations (they can raise events)
 *   - the delayed SEC decrement sync count E0C9[3]: decrements reach NVM after that many, or at
 *     CloseApplication; a power loss before loses the unsynced decrements (SEC stays higher)
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim_chip_help.h"
#include "trustm_bytes.h"

#define OK 0x00

static const uint8_t aes_key[16] = {0x2B, 0x7E, 0x15, 0x16, 0x28, 0xAE, 0xD2, 0xA6,
                                    0xAB, 0xF7, 0x15, 0x88, 0x09, 0xCF, 0x4F, 0x3C};
static const uint8_t blk[16] = {0};

static void new_aes_chip(chip_t *c, trustm_sim_timing_t timing)
{
    trustm_sim_provision_t p;
    memset(&p, 0, sizeof p);
    p.aes_key = aes_key;
    p.aes_key_len = sizeof aes_key;
    chip_new(c, timing, &p, 1);
}

static uint8_t sec_of(chip_t *c)
{
    assert_int_equal(chip_read(c, 0xE0C5, 0, 1), OK);
    return chip_out(c)[0];
}

/* One "secret key use" event: AES-ECB with E200. */
static void aes_event(chip_t *c)
{
    uint8_t in[32];
    size_t k = 0;
    in[k++] = 0xE2;
    in[k++] = 0x00;
    tlv(in, &k, 0x01, blk, 16);
    assert_int_equal(chip_cmd(c, 0x94, 0x08, in, k), OK);
}

/* A forged 209-byte hash context: suspect system behaviour, SEC = 255. */
static void forge_hash_context(chip_t *c)
{
    uint8_t in[300], ctx[209];
    size_t n = 0;
    memset(ctx, 0x11, sizeof ctx);
    tlv(in, &n, 0x03, blk, 1);
    tlv(in, &n, 0x06, ctx, 209);
    chip_fails(c, 0xB0, 0xE2, in, n, 0x05);
    assert_int_equal(sec_of(c), 255);
}

static void power_cycle(chip_t *c)
{
    trustm_sim_power(c->sim, false);
    trustm_sim_power(c->sim, true);
    trustm_sim_sleep_us(c->sim, 20000);
    sim_host_init(&c->h, c->sim);
    chip_open(c);
}

static void test_decrypt_failure_is_not_an_event(void **state)
{
    (void)state;
    chip_t c;
    chip_new(&c, TRUSTM_SIM_TIMING_NONE, NULL, 0);
    const uint8_t kg[] = {0x01, 0x00, 0x02, 0xE0, 0xFC, 0x02, 0x00, 0x01, 0x02 /* Enc */};
    assert_int_equal(chip_cmd(&c, 0xB8, 0x41, kg, sizeof kg), OK);
    assert_int_equal(sec_of(&c), 0);
    uint8_t in[200], ct[128];
    size_t n = 0;
    memset(ct, 0x5A, sizeof ct); /* not a PKCS#1 v1.5 block */
    tlv(in, &n, 0x61, ct, sizeof ct);
    tlv_oid(in, &n, 0x03, 0xE0FC);
    chip_fails(&c, 0x9F, 0x11, in, n, 0x2E);
    assert_int_equal(sec_of(&c), 1); /* private key use only */
    chip_free(&c);
}

static void test_busy_time_counts(void **state)
{
    (void)state;
    chip_t c;
    new_aes_chip(&c, TRUSTM_SIM_TIMING_DATASHEET);
    aes_event(&c);
    assert_int_equal(sec_of(&c), 1);
    /* 2.9 s executing (RSA-2048 key generation) + 2.3 s idle = 5.2 s > t_max */
    const uint8_t kg[] = {0x01, 0x00, 0x02, 0xE0, 0xFD, 0x02, 0x00, 0x01, 0x10};
    assert_int_equal(chip_cmd(&c, 0xB8, 0x42, kg, sizeof kg), OK);
    trustm_sim_sleep_us(c.sim, 2300000);
    assert_int_equal(sec_of(&c), 0);
    chip_free(&c);
}

static void test_throttle_without_timing(void **state)
{
    (void)state;
    chip_t c;
    trustm_sim_stats_t st;
    new_aes_chip(&c, TRUSTM_SIM_TIMING_NONE);
    forge_hash_context(&c);
    uint64_t t0 = trustm_sim_now_us(c.sim);
    aes_event(&c);
    trustm_sim_stats_get(c.sim, &st);
    assert_int_equal(st.throttle_us, 5000000u);
    assert_true(trustm_sim_now_us(c.sim) - t0 >= 5000000u);
    /* CalcHash and SetObjectProtected are protected operations */
    uint8_t in[40];
    size_t n = 0;
    tlv(in, &n, 0x01, blk, 16);
    assert_int_equal(chip_cmd(&c, 0xB0, 0xE2, in, n), OK);
    trustm_sim_stats_get(c.sim, &st);
    assert_int_equal(st.throttle_us, 5000000u);
    /* (CalcHash raised no event: its 5 s counted, SEC is 254 now) */
    assert_int_equal(chip_cmd(&c, 0x83, 0x01, (const uint8_t[]){0x30, 0x00, 0x01, 0x00}, 4), 0xFF);
    trustm_sim_stats_get(c.sim, &st);
    assert_int_equal(st.throttle_us, 5000000u * 127u / 128u);
    /* GetRandom is not */
    assert_int_equal(chip_cmd(&c, 0x8C, 0x00, (const uint8_t[]){0x00, 0x08}, 2), OK);
    trustm_sim_stats_get(c.sim, &st);
    assert_int_equal(st.throttle_us, 0);
    chip_free(&c);
}

/* Set E0C9[3] (delayed decrement sync count) in a stopped chip's state file. */
static void patch_sync_count(const char *path, uint8_t count)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static uint8_t img[65536];
    size_t n = fread(img, 1, sizeof img, f);
    fclose(f);
    assert_true(n > 20);
    size_t plen = trustm_be32_get(img + 12), i = 16;
    bool done = false;
    while (i < 16 + plen) {
        uint16_t tag = trustm_be16_get(img + i);
        uint32_t len = trustm_be32_get(img + i + 2);
        const size_t v = i + 6;
        if (tag == 0x0100 && trustm_be16_get(img + v) == 0xE0C9) {
            size_t data = v + 3u + img[v + 2] + 2u;
            img[data + 3] = count;
            done = true;
        }
        i = v + len;
    }
    assert_true(done);
    uint32_t crc = 0xFFFFFFFFu;
    for (size_t k = 0; k < 16 + plen; k++) {
        crc ^= img[k];
        for (int b = 0; b < 8; b++)
            crc = (crc & 1u) ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
    }
    trustm_be32_put(img + 16 + plen, ~crc);
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(img, 1, n, f), n);
    fclose(f);
}

static void test_delayed_sec_sync(void **state)
{
    (void)state;
    chip_t c;
    new_aes_chip(&c, TRUSTM_SIM_TIMING_DATASHEET);
    chip_stop(&c);
    patch_sync_count(c.path, 3);
    chip_start(&c);
    assert_int_equal(chip_read(&c, 0xE0C9, 3, 1), OK);
    assert_int_equal(chip_out(&c)[0], 3);
    for (int i = 0; i < 3; i++)
        aes_event(&c);
    assert_int_equal(sec_of(&c), 3);      /* increments are stored at once */
    trustm_sim_sleep_us(c.sim, 10100000); /* two decrements: not yet synced */
    assert_int_equal(sec_of(&c), 1);
    power_cycle(&c);
    assert_int_equal(sec_of(&c), 3);      /* the unsynced decrements are lost */
    trustm_sim_sleep_us(c.sim, 15100000); /* three decrements: synced */
    assert_int_equal(sec_of(&c), 0);
    power_cycle(&c);
    assert_int_equal(sec_of(&c), 0);
    /* CloseApplication writes SEC_CURR when it differs */
    aes_event(&c);
    aes_event(&c);
    trustm_sim_sleep_us(c.sim, 5100000);
    assert_int_equal(sec_of(&c), 1);
    assert_int_equal(chip_cmd(&c, 0xF1, 0x00, NULL, 0), OK);
    power_cycle(&c);
    assert_int_equal(sec_of(&c), 1);
    chip_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decrypt_failure_is_not_an_event),
        cmocka_unit_test(test_busy_time_counts),
        cmocka_unit_test(test_throttle_without_timing),
        cmocka_unit_test(test_delayed_sec_sync),
    };
    return cmocka_run_group_tests_name("sim_secmon", tests, NULL, NULL);
}
