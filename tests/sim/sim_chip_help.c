/* sim_chip_help.c - see sim_chip_help.h. */
#define _POSIX_C_SOURCE 200809L

#include "sim_chip_help.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

static unsigned g_counter;

static const uint8_t app_id[16] = {0xD2, 0x76, 0x00, 0x00, 0x04, 0x47, 0x65, 0x6E,
                                   0x41, 0x75, 0x74, 0x68, 0x41, 0x70, 0x70, 0x6C};

static trustm_sim_timing_t g_timing;

static void create(chip_t *c)
{
    trustm_sim_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.timing = g_timing;
    cfg.seed = 1234;
    cfg.state_path = c->path[0] ? c->path : NULL;
    char err[256];
    c->sim = trustm_sim_create(&cfg, err, sizeof err);
    if (c->sim == NULL)
        fail_msg("trustm_sim_create: %s", err);
    trustm_sim_sleep_us(c->sim, 20000);
    sim_host_init(&c->h, c->sim);
}

void chip_open(chip_t *c)
{
    assert_int_equal(chip_cmd(c, 0xF0, 0x00, app_id, sizeof app_id), 0x00);
}

void chip_new(chip_t *c, trustm_sim_timing_t timing, const trustm_sim_provision_t *prov, int persist)
{
    memset(c, 0, sizeof *c);
    g_timing = timing;
    if (prov != NULL || persist) {
        snprintf(c->path, sizeof c->path, "/tmp/trustm_simtest_%ld_%u.state", (long)getpid(), g_counter++);
        char err[256];
        if (trustm_sim_state_init_provisioned(c->path, 1234, NULL, 1, prov, err, sizeof err) != 0)
            fail_msg("state init: %s", err);
    }
    create(c);
    chip_open(c);
}

void chip_stop(chip_t *c)
{
    trustm_sim_destroy(c->sim);
    c->sim = NULL;
}

void chip_start(chip_t *c)
{
    create(c);
    chip_open(c);
}

void chip_reload(chip_t *c)
{
    chip_stop(c);
    chip_start(c);
}

void chip_free(chip_t *c)
{
    trustm_sim_destroy(c->sim);
    c->sim = NULL;
    if (c->path[0]) {
        unlink(c->path);
        char tmp[160];
        snprintf(tmp, sizeof tmp, "%s.tmp", c->path);
        unlink(tmp);
        snprintf(tmp, sizeof tmp, "%s.lock", c->path);
        unlink(tmp);
    }
}

int chip_cmd(chip_t *c, uint8_t cmd, uint8_t param, const uint8_t *in, size_t n)
{
    uint8_t apdu[4096];
    assert_true(n + 4 <= sizeof apdu);
    apdu[0] = cmd;
    apdu[1] = param;
    apdu[2] = (uint8_t)(n >> 8);
    apdu[3] = (uint8_t)n;
    if (n > 0)
        memcpy(apdu + 4, in, n);
    c->rlen = sim_host_transceive(&c->h, apdu, n + 4, c->rsp, sizeof c->rsp);
    assert_true(c->rlen >= 4);
    if (c->rsp[0] == 0x00)
        assert_int_equal((size_t)((c->rsp[2] << 8) | c->rsp[3]) + 4u, (size_t)c->rlen);
    else
        assert_int_equal(c->rlen, 4);
    return c->rsp[0];
}

uint8_t chip_err(chip_t *c)
{
    static const uint8_t rd[] = {0xF1, 0xC2, 0x00, 0x00, 0x00, 0x01};
    uint8_t keep[2048];
    long keep_len = c->rlen;
    memcpy(keep, c->rsp, sizeof keep);
    assert_int_equal(chip_cmd(c, 0x01, 0x00, rd, sizeof rd), 0x00);
    uint8_t e = c->rsp[4];
    memcpy(c->rsp, keep, sizeof keep);
    c->rlen = keep_len;
    return e;
}

void chip_fails(chip_t *c, uint8_t cmd, uint8_t param, const uint8_t *in, size_t n, uint8_t code)
{
    int sta = chip_cmd(c, cmd, param, in, n);
    uint8_t e = chip_err(c);
    if (sta != 0xFF || e != code)
        fail_msg("command %02X/%02X: expected error %02X, got Sta %02X code %02X", cmd, param, code, sta, e);
}

const uint8_t *chip_out(const chip_t *c)
{
    return c->rsp + 4;
}
size_t chip_out_len(const chip_t *c)
{
    return (size_t)c->rlen - 4u;
}

int chip_write(chip_t *c, uint8_t param, uint16_t oid, uint16_t off, const uint8_t *d, size_t n)
{
    uint8_t in[1600];
    in[0] = (uint8_t)(oid >> 8);
    in[1] = (uint8_t)oid;
    in[2] = (uint8_t)(off >> 8);
    in[3] = (uint8_t)off;
    memcpy(in + 4, d, n);
    return chip_cmd(c, 0x82, param, in, n + 4);
}

int chip_read(chip_t *c, uint16_t oid, uint16_t off, uint16_t len)
{
    const uint8_t in[] = {(uint8_t)(oid >> 8), (uint8_t)oid,        (uint8_t)(off >> 8),
                          (uint8_t)off,        (uint8_t)(len >> 8), (uint8_t)len};
    return chip_cmd(c, 0x81, 0x00, in, sizeof in);
}

int chip_meta(chip_t *c, uint16_t oid)
{
    const uint8_t in[] = {(uint8_t)(oid >> 8), (uint8_t)oid};
    return chip_cmd(c, 0x81, 0x01, in, sizeof in);
}

int chip_set_meta(chip_t *c, uint16_t oid, const uint8_t *m, size_t n)
{
    return chip_write(c, 0x01, oid, 0, m, n);
}

void tlv(uint8_t *buf, size_t *pos, uint8_t tag, const uint8_t *v, size_t n)
{
    buf[*pos] = tag;
    buf[*pos + 1] = (uint8_t)(n >> 8);
    buf[*pos + 2] = (uint8_t)n;
    if (n > 0)
        memcpy(buf + *pos + 3, v, n);
    *pos += 3 + n;
}

void tlv_oid(uint8_t *buf, size_t *pos, uint8_t tag, uint16_t oid)
{
    const uint8_t v[2] = {(uint8_t)(oid >> 8), (uint8_t)oid};
    tlv(buf, pos, tag, v, 2);
}
