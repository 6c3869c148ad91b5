#include "hostbus.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "trustm_bytes.h"
#include "trustm_pctr.h"
#include "trustm_testutil.h"

hb_t hb;

void hb_reset(void)
{
    memset(&hb, 0, sizeof hb);
    hb.us_per_byte = 25;
    hb.has_pins = true;
    hb.min_gap = UINT64_MAX;
}

static hb_step_t *add(char kind, const uint8_t *b, size_t n)
{
    if (hb.count >= HB_MAX_STEPS || n > HB_MAX_BYTES)
        fail_msg("hostbus: script too long (%zu steps, %zu bytes)", hb.count, n);
    hb_step_t *s = &hb.steps[hb.count++];
    memset(s, 0, sizeof *s);
    s->kind = kind;
    if (n > 0)
        memcpy(s->bytes, b, n);
    s->len = n;
    return s;
}

hb_step_t *hb_w(const uint8_t *b, size_t n)
{
    return add('W', b, n);
}
hb_step_t *hb_r(const uint8_t *b, size_t n)
{
    return add('R', b, n);
}

hb_step_t *hb_w_hex(const char *hex)
{
    uint8_t b[HB_MAX_BYTES];
    long n = tv_hex_parse(hex, b, sizeof b);
    assert_true(n >= 0);
    return hb_w(b, (size_t)n);
}

hb_step_t *hb_r_hex(const char *hex)
{
    uint8_t b[HB_MAX_BYTES];
    long n = tv_hex_parse(hex, b, sizeof b);
    assert_true(n >= 0);
    return hb_r(b, (size_t)n);
}

void hb_p(uint8_t pin, bool level)
{
    hb_step_t *s = add('P', NULL, 0);
    s->pin = pin;
    s->level = level;
}

static const char *kind_name(char k)
{
    return k == 'W' ? "write" : k == 'R' ? "read" : k == 'P' ? "pin" : "?";
}

static bool idle_poll_write(const uint8_t *buf, size_t len);

static hb_step_t *expect(char kind)
{
    if (hb.pos >= hb.count)
        fail_msg("hostbus: unexpected %s after the end of the script (%zu steps)", kind_name(kind), hb.count);
    hb_step_t *s = &hb.steps[hb.pos];
    if (s->kind != kind)
        fail_msg("hostbus: step %zu: host did a %s, script expects %s %s", hb.pos, kind_name(kind), kind_name(s->kind),
                 tv_hex_str(s->bytes, s->len));
    return s;
}

static void txn_time(size_t len)
{
    if (hb.last_end != 0 || hb.txns > 0) {
        uint64_t gap = hb.now - hb.last_end;
        if (gap < hb.min_gap)
            hb.min_gap = gap;
    }
    hb.txns++;
    hb.now += (uint64_t)hb.us_per_byte * (len + 1);
}

/* NACK / error decoration of the current step; true if the attempt fails. */
static trustm_status_t decorate(hb_step_t *s)
{
    if (s->io_error && !hb.err_given) {
        hb.err_given = true;
        return TRUSTM_PAL_IO;
    }
    if (hb.nacked < s->nacks) {
        hb.nacked++;
        return TRUSTM_PAL_NACK;
    }
    return TRUSTM_OK;
}

static void next_step(hb_step_t *s)
{
    s->at = hb.now;
    hb.last_end = hb.now;
    hb.pos++;
    hb.nacked = 0;
    hb.err_given = false;
}

static trustm_status_t bus_write(void *ctx, uint8_t addr7, const uint8_t *buf, size_t len)
{
    (void)ctx;
    assert_int_equal(addr7, 0x30);
    if (idle_poll_write(buf, len)) {
        txn_time(len);
        hb.last_end = hb.now;
        return TRUSTM_OK;
    }
    hb_step_t *s = expect('W');
    if (s->len != len || memcmp(s->bytes, buf, len) != 0) {
        char want[3 * HB_MAX_BYTES + 1];
        snprintf(want, sizeof want, "%s", tv_hex_str(s->bytes, s->len));
        fail_msg("hostbus: step %zu: host wrote\n  %s\nscript expects\n  %s", hb.pos, tv_hex_str(buf, len), want);
    }
    trustm_status_t r = decorate(s);
    if (r != TRUSTM_OK) {
        hb.txns++;
        hb.now += hb.us_per_byte; /* address byte only */
        return r;
    }
    txn_time(len);
    next_step(s);
    return TRUSTM_OK;
}

static trustm_status_t bus_read(void *ctx, uint8_t addr7, uint8_t *buf, size_t len)
{
    (void)ctx;
    assert_int_equal(addr7, 0x30);
    if (hb.idle_read_due) {
        static const uint8_t idle[4] = {0x08, 0x80, 0x00, 0x00};
        assert_int_equal(len, 4);
        hb.idle_read_due = false;
        memcpy(buf, idle, 4);
        txn_time(len);
        hb.last_end = hb.now;
        return TRUSTM_OK;
    }
    hb_step_t *s = expect('R');
    if (s->len != len)
        fail_msg("hostbus: step %zu: host reads %zu bytes, script offers %zu: %s", hb.pos, len, s->len,
                 tv_hex_str(s->bytes, s->len));
    trustm_status_t r = decorate(s);
    if (r != TRUSTM_OK) {
        hb.txns++;
        hb.now += hb.us_per_byte;
        return r;
    }
    memcpy(buf, s->bytes, len);
    txn_time(len);
    next_step(s);
    return TRUSTM_OK;
}

static uint64_t bus_now(void *ctx)
{
    (void)ctx;
    return hb.now;
}

static void bus_sleep(void *ctx, uint32_t us)
{
    (void)ctx;
    hb.sleeps++;
    hb.now += us;
}

static trustm_status_t bus_pin(void *ctx, trustm_pal_pin_t pin, bool high)
{
    (void)ctx;
    if (hb.unsupported_pins & (1u << pin))
        return TRUSTM_STATUS(TRUSTM_LAYER_PAL, TRUSTM_BASE_NOT_SUPPORTED);
    hb_step_t *s = expect('P');
    if (s->pin != (uint8_t)pin || s->level != high)
        fail_msg("hostbus: step %zu: host set pin %d to %d, script expects pin %d to %d", hb.pos, (int)pin, (int)high,
                 s->pin, (int)s->level);
    s->at = hb.now;
    hb.pos++;
    return TRUSTM_OK;
}

static const trustm_pal_ops_t ops_pins = {bus_write, bus_read, bus_now, bus_sleep, bus_pin, NULL};
static const trustm_pal_ops_t ops_nopins = {bus_write, bus_read, bus_now, bus_sleep, NULL, NULL};

trustm_pal_t hb_pal(void)
{
    trustm_pal_t p = {hb.has_pins ? &ops_pins : &ops_nopins, NULL};
    return p;
}

trustm_status_t hb_perform(const trustm_io_t *io)
{
    if (io->kind != TRUSTM_IO_SET_PIN && io->until_us > hb.now)
        hb.now = io->until_us; /* not before */
    hb.n = io->kind == TRUSTM_IO_I2C_READ_REG ? 0 : io->len;
    switch (io->kind) {
    case TRUSTM_IO_I2C_WRITE:
        return bus_write(NULL, io->addr7, io->buf, io->len);
    case TRUSTM_IO_I2C_READ:
        return bus_read(NULL, io->addr7, io->buf, io->len);
    case TRUSTM_IO_I2C_READ_REG: {
        trustm_status_t s = bus_write(NULL, io->addr7, &io->reg, 1);
        if (s != TRUSTM_OK)
            return s;
        hb.n = 1; /* selected */
        hb.now += io->gap_us;
        s = bus_read(NULL, io->addr7, io->buf, io->len);
        if (s == TRUSTM_OK)
            hb.n = io->len;
        return s;
    }
    case TRUSTM_IO_WAIT:
        if (io->until_us > hb.now)
            hb.now = io->until_us;
        return TRUSTM_OK;
    case TRUSTM_IO_SET_PIN:
        if (!hb.has_pins)
            return TRUSTM_STATUS(TRUSTM_LAYER_PAL, TRUSTM_BASE_NOT_SUPPORTED);
        return bus_pin(NULL, (trustm_pal_pin_t)io->pin, io->level);
    default:
        fail_msg("hostbus: bad request kind %d", (int)io->kind);
    }
    return TRUSTM_PAL_IO;
}

trustm_status_t hb_run_stack(trustm_stack_t *st)
{
    for (int guard = 0; guard < 10000000; guard++) {
        trustm_io_t io;
        trustm_status_t s = trustm_stack_next_io(st, &io);
        if (s != TRUSTM_IN_PROGRESS)
            return s;
        s = hb_perform(&io);
        trustm_stack_io_done(st, s, hb.n, hb.now);
    }
    fail_msg("hostbus: engine did not finish");
    return TRUSTM_PAL_IO;
}

void hb_assert_done(void)
{
    while (hb.pos < hb.count && hb.steps[hb.pos].kind == 'I' && hb.steps[hb.pos].polls >= hb.steps[hb.pos].min_polls)
        hb.pos++;
    if (hb.pos != hb.count)
        fail_msg("hostbus: script not finished: step %zu of %zu (%s %s) never happened", hb.pos, hb.count,
                 kind_name(hb.steps[hb.pos].kind), tv_hex_str(hb.steps[hb.pos].bytes, hb.steps[hb.pos].len));
}

/* ---- builders ---- */

size_t hb_frame(uint8_t fctr, const uint8_t *packet, size_t plen, uint8_t *out)
{
    size_t n = trustm_dl_frame_encode(fctr, packet, plen, out, HB_MAX_BYTES);
    assert_true(n > 0);
    return n;
}

hb_step_t *hb_host_frame(uint8_t fctr, const uint8_t *packet, size_t plen)
{
    uint8_t b[HB_MAX_BYTES];
    b[0] = 0x80;
    size_t n = trustm_dl_frame_encode(fctr, packet, plen, b + 1, sizeof b - 1);
    assert_true(n > 0);
    return hb_w(b, n + 1);
}

hb_step_t *hb_host_ctrl(uint8_t fctr)
{
    return hb_host_frame(fctr, NULL, 0);
}

void hb_chip_raw(const uint8_t *b, size_t n)
{
    uint8_t st[4] = {0x48, 0x80, (uint8_t)(n >> 8), (uint8_t)n};
    hb_w_hex("82");
    hb_r(st, 4);
    hb_w_hex("80");
    hb_r(b, n);
}

void hb_chip_frame(bool busy, uint8_t fctr, const uint8_t *packet, size_t plen)
{
    uint8_t f[HB_MAX_BYTES];
    size_t n = hb_frame(fctr, packet, plen, f);
    uint8_t st[4] = {busy ? 0xC8 : 0x48, 0x80, (uint8_t)(n >> 8), (uint8_t)n};
    hb_w_hex("82");
    hb_r(st, 4);
    hb_w_hex("80");
    hb_r(f, n);
}

void hb_chip_ctrl(bool busy, uint8_t fctr)
{
    hb_chip_frame(busy, fctr, NULL, 0);
}

void hb_poll_idle(void)
{
    hb_w_hex("82");
    hb_r_hex("08 80 00 00");
}

hb_step_t *hb_idle(uint32_t min, uint64_t until)
{
    hb_step_t *s = add('I', NULL, 0);
    s->min_polls = min;
    s->until = until;
    return s;
}

/* An 'I' step is current: answer a poll with "nothing ready", or end the step. */
static bool idle_poll_write(const uint8_t *buf, size_t len)
{
    while (hb.pos < hb.count && hb.steps[hb.pos].kind == 'I') {
        hb_step_t *s = &hb.steps[hb.pos];
        bool is_poll = len == 1 && buf[0] == 0x82;
        bool time_left = s->until == 0 || hb.now < s->until;
        if (is_poll && time_left) {
            if (s->polls == 0)
                s->at = hb.now;
            s->polls++;
            hb.idle_read_due = true;
            return true;
        }
        if (s->polls < s->min_polls)
            fail_msg("hostbus: step %zu: only %u idle polls, expected at least %u (host wrote %s)", hb.pos, s->polls,
                     s->min_polls, tv_hex_str(buf, len));
        hb.pos++;
    }
    return false;
}

void hb_link_init(hb_link_t *l, uint16_t frame_size, bool presence)
{
    l->host_tx = 3;
    l->host_rx = 3;
    l->frame_size = frame_size;
    l->presence = presence;
}

/* Split hdr||msg into packets of at most frame_size-5 bytes incl. PCTR; call emit for each. */
static void packets(const hb_link_t *l, const uint8_t *msg, size_t n,
                    void (*emit)(hb_link_t *, const uint8_t *, size_t, bool last, void *), hb_link_t *lm, void *arg)
{
    static uint8_t buf[2 * 1600];
    size_t total = 0;
    if (l->presence)
        buf[total++] = 0x20;
    memcpy(buf + total, msg, n);
    total += n;
    size_t cap = (size_t)l->frame_size - 6;
    size_t pos = 0;
    do {
        size_t left = total - pos;
        size_t k = left < cap ? left : cap;
        uint8_t chain = pos == 0 ? (total <= cap ? 0 : 1) : (left <= cap ? 4 : 2);
        uint8_t pkt[HB_MAX_BYTES];
        pkt[0] = (uint8_t)((l->presence ? 0x08 : 0) | chain);
        memcpy(pkt + 1, buf + pos, k);
        pos += k;
        emit(lm, pkt, k + 1, pos == total, arg);
    } while (pos < total);
}

static void emit_host(hb_link_t *l, const uint8_t *pkt, size_t n, bool last, void *arg)
{
    bool piggyback = *(bool *)arg;
    l->host_tx = (uint8_t)((l->host_tx + 1) & 3);
    hb_host_frame((uint8_t)(l->host_tx << 2 | l->host_rx), pkt, n);
    if (!last || !piggyback)
        hb_chip_ctrl(last, (uint8_t)(0x80 | l->host_tx));
}

static void emit_chip(hb_link_t *l, const uint8_t *pkt, size_t n, bool last, void *arg)
{
    (void)last;
    (void)arg;
    uint8_t frnr = (uint8_t)((l->host_rx + 1) & 3);
    hb_chip_frame(false, (uint8_t)(frnr << 2 | l->host_tx), pkt, n);
    l->host_rx = frnr;
    hb_host_ctrl((uint8_t)(0x80 | frnr));
}

void hb_host_message(hb_link_t *l, const uint8_t *apdu, size_t n, bool piggyback)
{
    packets(l, apdu, n, emit_host, l, &piggyback);
}

void hb_chip_message(hb_link_t *l, const uint8_t *rsp, size_t n)
{
    packets(l, rsp, n, emit_chip, l, NULL);
}

void hb_exchange(hb_link_t *l, const uint8_t *apdu, size_t n, const uint8_t *rsp, size_t rn, bool piggyback)
{
    hb_host_message(l, apdu, n, piggyback);
    hb_chip_message(l, rsp, rn);
}

void hb_negotiation(uint16_t ask, uint16_t chip_answer)
{
    uint8_t w[3] = {0x81, (uint8_t)(ask >> 8), (uint8_t)ask};
    uint8_t r[2] = {(uint8_t)(chip_answer >> 8), (uint8_t)chip_answer};
    hb_w_hex("84");
    hb_r_hex("00 00 01 90");
    hb_w(w, 3);
    hb_w_hex("81");
    hb_r(r, 2);
}

void hb_soft_reset(uint16_t ask, uint16_t chip_answer)
{
    hb_w_hex("82");
    hb_r_hex("08 80 00 00");
    hb_w_hex("88 00 00");
    hb_negotiation(ask, chip_answer);
}
