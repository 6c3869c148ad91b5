/*
 * The public device engine (trustm_op_next_io / trustm_op_io_done, trustm_io.h) driven by an
 * event loop that performs every request itself -- bus transactions through the in-process
 * simulator's PAL functions called directly, waits by advancing the virtual clock -- as an
 * interrupt- or DMA-driven port would. Results and bus traffic must equal the blocking calls';
 * an I/O error is retried inside the engine or ends the operation with a layer's error.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "itest.h"
#include "trustm/trustm_data.h"

typedef struct loop {
    itest_t *t;
    bool split_reg_read;   /* perform a register read as two steps (select, then the read) */
    unsigned fail_from;    /* 1-based index of the first bus transaction that fails (0: none) */
    unsigned fail_count;   /* how many transactions fail from there */
    unsigned transactions; /* bus transactions attempted */
    unsigned requests;
    unsigned kinds[TRUSTM_IO_I2C_READ_REG + 1];
} loop_t;

static trustm_status_t bus(loop_t *l, bool write, uint8_t addr7, uint8_t *buf, size_t len)
{
    const trustm_pal_ops_t *ops = l->t->pal.ops;
    l->transactions++;
    if (l->fail_from != 0 && l->transactions >= l->fail_from && l->transactions < l->fail_from + l->fail_count)
        return TRUSTM_PAL_IO;
    return write ? ops->i2c_write(l->t->pal.ctx, addr7, buf, len) : ops->i2c_read(l->t->pal.ctx, addr7, buf, len);
}

static uint64_t now(const loop_t *l)
{
    return trustm_sim_now_us(l->t->sim);
}

static void wait_until(loop_t *l, uint64_t until)
{
    uint64_t n = now(l);
    if (!trustm_time_reached(n, until))
        trustm_sim_sleep_us(l->t->sim, (uint32_t)(until - n));
}

/* The event loop: everything the engine asks for is done here, nothing in the library. */
static trustm_status_t drive(loop_t *l)
{
    trustm_device_t *dev = &l->t->dev;
    for (;;) {
        trustm_io_t io;
        trustm_status_t s = trustm_op_next_io(dev, &io);
        if (s != TRUSTM_IN_PROGRESS) {
            assert_int_equal(io.kind, TRUSTM_IO_NONE);
            return s;
        }
        assert_true(++l->requests < 1000000u);
        assert_true(io.kind > TRUSTM_IO_NONE && io.kind <= TRUSTM_IO_I2C_READ_REG);
        l->kinds[io.kind]++;
        /* the same request again until io_done */
        trustm_io_t again;
        assert_int_equal(trustm_op_next_io(dev, &again), TRUSTM_IN_PROGRESS);
        assert_int_equal(again.kind, io.kind);
        assert_ptr_equal(again.buf, io.buf);
        assert_int_equal(again.len, io.len);
        if (io.kind != TRUSTM_IO_SET_PIN)
            wait_until(l, io.until_us); /* "not before" / the wait itself: the caller's job */
        size_t n = 0;
        switch (io.kind) {
        case TRUSTM_IO_WAIT:
            s = TRUSTM_OK;
            break;
        case TRUSTM_IO_SET_PIN:
            s = l->t->pal.ops->set_pin(l->t->pal.ctx,
                                       io.pin == TRUSTM_IO_PIN_VDD ? TRUSTM_PAL_PIN_VDD : TRUSTM_PAL_PIN_RST, io.level);
            break;
        case TRUSTM_IO_I2C_WRITE:
        case TRUSTM_IO_I2C_READ:
            s = bus(l, io.kind == TRUSTM_IO_I2C_WRITE, io.addr7, io.buf, io.len);
            n = s == TRUSTM_OK ? io.len : 0;
            break;
        default: /* TRUSTM_IO_I2C_READ_REG */
            s = bus(l, true, io.addr7, &io.reg, 1);
            if (s != TRUSTM_OK)
                break;
            n = 1;
            if (l->split_reg_read) { /* partial success: the select alone */
                s = TRUSTM_IN_PROGRESS;
                break;
            }
            trustm_sim_sleep_us(l->t->sim, io.gap_us);
            s = bus(l, false, io.addr7, io.buf, io.len);
            if (s == TRUSTM_OK)
                n = io.len;
            break;
        }
        trustm_op_io_done(dev, s, n, now(l));
    }
}

/* A fresh chip, opened through the loop. */
static void open_fixture(itest_t *t, loop_t *l, uint16_t frame_size, unsigned salt)
{
    assert_int_equal(itest_setup(t, frame_size, TRUSTM_SIM_TIMING_DATASHEET, salt), 0);
    memset(l, 0, sizeof *l);
    l->t = t;
    assert_int_equal(trustm_op_start_device_open(&t->dev), TRUSTM_OK);
    assert_int_equal(drive(l), TRUSTM_OK);
}

/* The coprocessor UID read through the loop. */
static trustm_status_t read_uid(loop_t *l, uint8_t *uid, size_t size, size_t *len)
{
    assert_int_equal(trustm_op_start_data_read(&l->t->dev, TRUSTM_OID_COPROCESSOR_UID, 0, uid, size, len), TRUSTM_OK);
    return drive(l);
}

#define DATA_OID 0xF1E0u /* arbitrary data, 1500 bytes */
#define DATA_LEN 1500u

/* open, random 32, UID read, 1500-byte write and read, close: through the loop, then blocking. */
static void run(uint16_t frame_size, bool split)
{
    itest_t t;
    loop_t l;
    static uint8_t data[DATA_LEN];
    uint8_t rnd[32], uid[64], cert[2048], cert_b[2048];
    size_t uid_len = 0, cert_len = 0, cert_b_len = 0;
    assert_int_equal(itest_setup(&t, frame_size, TRUSTM_SIM_TIMING_DATASHEET, 21), 0);
    memset(&l, 0, sizeof l);
    l.t = &t;
    l.split_reg_read = split; /* from the open on */
    /* nothing in flight */
    trustm_io_t io;
    assert_int_equal(trustm_op_next_io(&t.dev, &io), TRUSTM_STATUS(TRUSTM_LAYER_API, TRUSTM_BASE_BAD_SEQUENCE));
    assert_int_equal(trustm_op_start_device_open(&t.dev), TRUSTM_OK);
    assert_int_equal(drive(&l), TRUSTM_OK);
    assert_false(trustm_op_is_busy(&t.dev));
    assert_int_equal(trustm_op_next_io(&t.dev, &io), TRUSTM_STATUS(TRUSTM_LAYER_API, TRUSTM_BASE_BAD_SEQUENCE));
    memset(rnd, 0, sizeof rnd);
    assert_int_equal(trustm_op_start_random(&t.dev, TRUSTM_RNG_TRNG, sizeof rnd, rnd, sizeof rnd, NULL), TRUSTM_OK);
    assert_int_equal(drive(&l), TRUSTM_OK);
    static const uint8_t zero[32];
    assert_memory_not_equal(rnd, zero, sizeof rnd);
    assert_int_equal(read_uid(&l, uid, sizeof uid, &uid_len), TRUSTM_OK);
    assert_int_equal(uid_len, TRUSTM_SIM_UID_SIZE);
    assert_memory_equal(uid, t.uid, uid_len);
    for (size_t i = 0; i < DATA_LEN; i++)
        data[i] = (uint8_t)(i * 7u + 1u);
    assert_int_equal(trustm_op_start_data_write(&t.dev, DATA_OID, TRUSTM_ERASE_AND_WRITE, 0, data, DATA_LEN),
                     TRUSTM_OK);
    assert_int_equal(drive(&l), TRUSTM_OK);
    assert_int_equal(trustm_op_start_data_read(&t.dev, DATA_OID, 0, cert, sizeof cert, &cert_len), TRUSTM_OK);
    assert_int_equal(drive(&l), TRUSTM_OK);
    assert_int_equal(cert_len, DATA_LEN);
    assert_memory_equal(cert, data, DATA_LEN);
    assert_int_equal(trustm_op_start_device_close(&t.dev), TRUSTM_OK);
    assert_int_equal(drive(&l), TRUSTM_OK);
    /* every kind of request was seen; split reads never hand out a READ_REG twice per read */
    assert_true(l.kinds[TRUSTM_IO_I2C_WRITE] > 0);
    assert_true(l.kinds[TRUSTM_IO_I2C_READ_REG] > 0);
    assert_true(l.kinds[TRUSTM_IO_WAIT] > 0);
    if (split)
        assert_true(l.kinds[TRUSTM_IO_I2C_READ] > 0); /* the read half of a split register read */
    trustm_stats_t nb = *trustm_device_stats(&t.dev);
    itest_teardown(&t);

    /* the blocking API on a twin chip: the same data and the same bus traffic */
    assert_int_equal(itest_setup(&t, frame_size, TRUSTM_SIM_TIMING_DATASHEET, 21), 0);
    assert_int_equal(trustm_device_open(&t.dev), TRUSTM_OK);
    assert_int_equal(trustm_random(&t.dev, TRUSTM_RNG_TRNG, sizeof rnd, rnd, sizeof rnd, NULL), TRUSTM_OK);
    assert_int_equal(trustm_data_read(&t.dev, TRUSTM_OID_COPROCESSOR_UID, 0, uid, sizeof uid, &uid_len), TRUSTM_OK);
    assert_int_equal(trustm_data_write(&t.dev, DATA_OID, TRUSTM_ERASE_AND_WRITE, 0, data, DATA_LEN), TRUSTM_OK);
    assert_int_equal(trustm_data_read(&t.dev, DATA_OID, 0, cert_b, sizeof cert_b, &cert_b_len), TRUSTM_OK);
    assert_int_equal(trustm_device_close(&t.dev), TRUSTM_OK);
    assert_int_equal(cert_b_len, cert_len);
    assert_memory_equal(cert_b, cert, cert_len);
    const trustm_stats_t *b = trustm_device_stats(&t.dev);
    assert_int_equal(b->bytes_written, nb.bytes_written);
    assert_int_equal(b->bytes_read, nb.bytes_read);
    itest_teardown(&t);
}

static void test_engine_277(void **state)
{
    (void)state;
    run(277, false);
}
static void test_engine_20(void **state)
{
    (void)state;
    run(20, false);
}
static void test_engine_split_reg_read(void **state)
{
    (void)state;
    run(277, true);
    run(20, true);
}

/* A few failed transactions in the middle of a read are retried by the engine: same data. */
static void test_engine_transient_io_error(void **state)
{
    (void)state;
    itest_t t;
    loop_t l;
    uint8_t uid[64];
    size_t uid_len = 0;
    open_fixture(&t, &l, 277, 22);
    l.fail_from = l.transactions + 2; /* the second transaction of the read and the next two */
    l.fail_count = 3;
    assert_int_equal(read_uid(&l, uid, sizeof uid, &uid_len), TRUSTM_OK);
    assert_int_equal(uid_len, TRUSTM_SIM_UID_SIZE);
    assert_memory_equal(uid, t.uid, uid_len);
    itest_teardown(&t);
}

/* A bus that stays dead: the engine gives up with a link-layer error (never hangs), the
 * operation is over, and the failure is sticky until the next open. */
static void test_engine_dead_bus(void **state)
{
    (void)state;
    itest_t t;
    loop_t l;
    uint8_t uid[64];
    size_t uid_len = 0;
    open_fixture(&t, &l, 277, 23);
    l.fail_from = l.transactions + 1;
    l.fail_count = 1000000u;
    trustm_status_t s = read_uid(&l, uid, sizeof uid, &uid_len);
    assert_true(trustm_status_is_error(s));
    unsigned layer = TRUSTM_STATUS_LAYER(s);
    assert_true(layer == TRUSTM_LAYER_PHY || layer == TRUSTM_LAYER_DL);
    assert_int_equal(TRUSTM_STATUS_BASE(s), TRUSTM_BASE_IO);
    assert_int_equal(uid_len, 0);
    assert_false(trustm_op_is_busy(&t.dev));
    /* sticky: the next command fails at once, a new open clears it */
    l.fail_count = 0;
    assert_true(
        trustm_status_is_error(trustm_data_read(&t.dev, TRUSTM_OID_COPROCESSOR_UID, 0, uid, sizeof uid, &uid_len)));
    assert_int_equal(trustm_op_start_device_open(&t.dev), TRUSTM_OK);
    assert_int_equal(drive(&l), TRUSTM_OK);
    assert_int_equal(trustm_data_read(&t.dev, TRUSTM_OID_COPROCESSOR_UID, 0, uid, sizeof uid, &uid_len), TRUSTM_OK);
    assert_memory_equal(uid, t.uid, uid_len);
    itest_teardown(&t);
}

/* Abort in the middle of the loop: the device is idle, the next operation works. */
static void test_engine_abort(void **state)
{
    (void)state;
    itest_t t;
    loop_t l;
    uint8_t cert[2048];
    size_t len = 0;
    open_fixture(&t, &l, 20, 24);
    assert_int_equal(trustm_op_start_data_read(&t.dev, DATA_OID, 0, cert, sizeof cert, &len), TRUSTM_OK);
    for (int i = 0; i < 7; i++) {
        trustm_io_t io;
        assert_int_equal(trustm_op_next_io(&t.dev, &io), TRUSTM_IN_PROGRESS);
        wait_until(&l, io.until_us);
        trustm_status_t s = io.kind == TRUSTM_IO_I2C_WRITE ? bus(&l, true, io.addr7, io.buf, io.len) : TRUSTM_OK;
        trustm_op_io_done(&t.dev, s, io.kind == TRUSTM_IO_I2C_WRITE ? io.len : 0, now(&l));
    }
    trustm_op_abort(&t.dev);
    assert_false(trustm_op_is_busy(&t.dev));
    uint8_t uid[64];
    size_t uid_len = 0;
    assert_int_equal(read_uid(&l, uid, sizeof uid, &uid_len), TRUSTM_OK);
    assert_memory_equal(uid, t.uid, uid_len);
    itest_teardown(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_engine_277),
        cmocka_unit_test(test_engine_20),
        cmocka_unit_test(test_engine_split_reg_read),
        cmocka_unit_test(test_engine_transient_io_error),
        cmocka_unit_test(test_engine_dead_bus),
        cmocka_unit_test(test_engine_abort),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
