/*
 * test_pal_linux.c - pal/linux without hardware: the port's system calls go through a table
 * (trustm_pal_linux_sys_t), which this test replaces by a fake i2c-dev that records every
 * request and answers with scripted results. Checked: the exact ioctl requests (I2C_FUNCS,
 * I2C_RDWR with one message, I2C_SLAVE), message address/flags/length/buffer, the fallback
 * read()/write() path, and the errno -> TRUSTM_PAL_NACK / TRUSTM_PAL_IO mapping.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <linux/i2c-dev.h>
#include <linux/i2c.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>

#include <cmocka.h>

#include "trustm_pal_linux.h"

#define FAKE_FD 42

static struct {
    /* script */
    int open_errno;      /* 0: open succeeds */
    unsigned long funcs; /* I2C_FUNCS answer */
    int xfer_errno;      /* 0: transfers succeed */
    int rdwr_ret;        /* return value of a successful I2C_RDWR */
    ssize_t rw_short;    /* >0: read/write return this count */
    /* record */
    char open_path[64];
    int open_flags;
    int closed;
    int n_ioctl;
    unsigned long req[16];
    unsigned long slave_arg;
    int nmsgs;
    uint16_t msg_addr, msg_flags, msg_len;
    uint8_t msg_buf[512];
    int n_read, n_write;
    size_t rw_len;
    uint8_t rw_buf[512];
} F;

static int fake_open(const char *path, int flags)
{
    strncpy(F.open_path, path, sizeof(F.open_path) - 1);
    F.open_flags = flags;
    if (F.open_errno) {
        errno = F.open_errno;
        return -1;
    }
    return FAKE_FD;
}

static int fake_close(int fd)
{
    assert_int_equal(fd, FAKE_FD);
    F.closed++;
    return 0;
}

static int fake_ioctl(int fd, unsigned long request, void *arg)
{
    assert_int_equal(fd, FAKE_FD);
    if (F.n_ioctl < 16) {
        F.req[F.n_ioctl] = request;
    }
    F.n_ioctl++;
    if (request == I2C_FUNCS) {
        *(unsigned long *)arg = F.funcs;
        return 0;
    }
    if (request == I2C_SLAVE) {
        F.slave_arg = (unsigned long)arg;
        return 0;
    }
    if (request == I2C_RDWR) {
        struct i2c_rdwr_ioctl_data *d = arg;
        F.nmsgs = (int)d->nmsgs;
        F.msg_addr = d->msgs[0].addr;
        F.msg_flags = d->msgs[0].flags;
        F.msg_len = d->msgs[0].len;
        if (F.xfer_errno) {
            errno = F.xfer_errno;
            return -1;
        }
        if (d->msgs[0].flags & I2C_M_RD) {
            for (unsigned i = 0; i < d->msgs[0].len; i++) {
                d->msgs[0].buf[i] = (uint8_t)(0xC0u + i);
            }
        } else {
            memcpy(F.msg_buf, d->msgs[0].buf, d->msgs[0].len);
        }
        return F.rdwr_ret;
    }
    errno = ENOTTY;
    return -1;
}

static ssize_t fake_read(int fd, void *buf, size_t len)
{
    assert_int_equal(fd, FAKE_FD);
    F.n_read++;
    F.rw_len = len;
    if (F.xfer_errno) {
        errno = F.xfer_errno;
        return -1;
    }
    for (size_t i = 0; i < len; i++) {
        ((uint8_t *)buf)[i] = (uint8_t)(0x10u + i);
    }
    return F.rw_short > 0 ? F.rw_short : (ssize_t)len;
}

static ssize_t fake_write(int fd, const void *buf, size_t len)
{
    assert_int_equal(fd, FAKE_FD);
    F.n_write++;
    F.rw_len = len;
    memcpy(F.rw_buf, buf, len);
    if (F.xfer_errno) {
        errno = F.xfer_errno;
        return -1;
    }
    return F.rw_short > 0 ? F.rw_short : (ssize_t)len;
}

static const trustm_pal_linux_sys_t fake_sys = {fake_open, fake_close, fake_ioctl, fake_read, fake_write};

static trustm_pal_linux_t g_port;
static trustm_pal_t g_pal;

static int open_port(unsigned long funcs)
{
    trustm_pal_linux_config_t cfg;
    memset(&F, 0, sizeof(F));
    F.funcs = funcs;
    F.rdwr_ret = 1;
    trustm_pal_linux_config_default(&cfg, "/dev/i2c-1");
    cfg.sys = &fake_sys;
    trustm_status_t st = trustm_pal_linux_open(&g_port, &cfg);
    trustm_pal_linux_init(&g_pal, &g_port);
    return (int)st;
}

static int setup_rdwr(void **state)
{
    (void)state;
    return open_port(I2C_FUNC_I2C | I2C_FUNC_SMBUS_EMUL) == (int)TRUSTM_OK ? 0 : -1;
}

static int setup_plain(void **state)
{
    (void)state;
    return open_port(I2C_FUNC_SMBUS_EMUL) == (int)TRUSTM_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    trustm_pal_linux_close(&g_port);
    return 0;
}

static void test_open_queries_funcs(void **state)
{
    (void)state;
    assert_string_equal(F.open_path, "/dev/i2c-1");
    assert_int_equal(F.open_flags & O_ACCMODE, O_RDWR);
    assert_true((F.open_flags & O_CLOEXEC) != 0);
    assert_int_equal(F.n_ioctl, 1);
    assert_true(F.req[0] == I2C_FUNCS);
    assert_true(g_port.use_rdwr);
}

static void test_rdwr_write_one_message(void **state)
{
    const uint8_t frame[] = {0x80, 0x80, 0x00, 0x00, 0x0C, 0xEC};
    (void)state;
    assert_int_equal(g_pal.ops->i2c_write(g_pal.ctx, 0x30, frame, sizeof(frame)), TRUSTM_OK);
    assert_true(F.req[1] == I2C_RDWR);
    assert_int_equal(F.nmsgs, 1);
    assert_int_equal(F.msg_addr, 0x30);
    assert_int_equal(F.msg_flags, 0);
    assert_int_equal(F.msg_len, sizeof(frame));
    assert_memory_equal(F.msg_buf, frame, sizeof(frame));
    assert_int_equal(F.n_write, 0); /* no write(): the ioctl did the transaction */
}

static void test_rdwr_read_one_message(void **state)
{
    uint8_t buf[277];
    (void)state;
    memset(buf, 0, sizeof(buf));
    assert_int_equal(g_pal.ops->i2c_read(g_pal.ctx, 0x30, buf, sizeof(buf)), TRUSTM_OK);
    assert_true(F.req[1] == I2C_RDWR);
    assert_int_equal(F.nmsgs, 1);
    assert_int_equal(F.msg_addr, 0x30);
    assert_int_equal(F.msg_flags, I2C_M_RD);
    assert_int_equal(F.msg_len, 277);
    assert_int_equal(buf[0], 0xC0);
    assert_int_equal(buf[5], 0xC5);
    assert_int_equal(F.n_read, 0);
}

static void test_rdwr_errno_mapping(void **state)
{
    uint8_t b[4] = {0x82};
    (void)state;
    F.xfer_errno = ENXIO;
    assert_int_equal(g_pal.ops->i2c_write(g_pal.ctx, 0x30, b, 1), TRUSTM_PAL_NACK);
    assert_int_equal(g_pal.ops->i2c_read(g_pal.ctx, 0x30, b, 4), TRUSTM_PAL_NACK);
    F.xfer_errno = EREMOTEIO;
    assert_int_equal(g_pal.ops->i2c_read(g_pal.ctx, 0x30, b, 4), TRUSTM_PAL_NACK);
    F.xfer_errno = EAGAIN; /* arbitration lost */
    assert_int_equal(g_pal.ops->i2c_write(g_pal.ctx, 0x30, b, 1), TRUSTM_PAL_IO);
    assert_int_equal(g_port.last_errno, EAGAIN);
    F.xfer_errno = ETIMEDOUT;
    assert_int_equal(g_pal.ops->i2c_read(g_pal.ctx, 0x30, b, 4), TRUSTM_PAL_IO);
    F.xfer_errno = EIO;
    assert_int_equal(g_pal.ops->i2c_read(g_pal.ctx, 0x30, b, 4), TRUSTM_PAL_IO);
    /* kernel says it transferred 0 messages */
    F.xfer_errno = 0;
    F.rdwr_ret = 0;
    assert_int_equal(g_pal.ops->i2c_read(g_pal.ctx, 0x30, b, 4), TRUSTM_PAL_IO);
    F.rdwr_ret = 1;
    assert_int_equal(g_pal.ops->i2c_read(g_pal.ctx, 0x30, b, 4), TRUSTM_OK);
    /* bad arguments never reach the kernel */
    int n = F.n_ioctl;
    assert_int_equal(g_pal.ops->i2c_read(g_pal.ctx, 0x30, b, 0), TRUSTM_PAL_IO);
    assert_int_equal(g_pal.ops->i2c_read(g_pal.ctx, 0x80, b, 4), TRUSTM_PAL_IO);
    assert_int_equal(g_pal.ops->i2c_write(g_pal.ctx, 0x30, NULL, 4), TRUSTM_PAL_IO);
    assert_int_equal(F.n_ioctl, n);
}

static void test_plain_fallback(void **state)
{
    const uint8_t sel[] = {0x82};
    uint8_t buf[4];
    (void)state;
    assert_false(g_port.use_rdwr);
    assert_int_equal(g_pal.ops->i2c_write(g_pal.ctx, 0x30, sel, 1), TRUSTM_OK);
    assert_true(F.req[1] == I2C_SLAVE);
    assert_int_equal(F.slave_arg, 0x30);
    assert_int_equal(F.n_write, 1);
    assert_int_equal(F.rw_len, 1);
    assert_int_equal(F.rw_buf[0], 0x82);
    assert_int_equal(g_pal.ops->i2c_read(g_pal.ctx, 0x30, buf, 4), TRUSTM_OK);
    assert_int_equal(F.n_ioctl, 2); /* address already selected: no second I2C_SLAVE */
    assert_int_equal(F.n_read, 1);
    assert_int_equal(F.rw_len, 4);
    assert_int_equal(buf[3], 0x13);
    /* another address: I2C_SLAVE again */
    assert_int_equal(g_pal.ops->i2c_read(g_pal.ctx, 0x31, buf, 4), TRUSTM_OK);
    assert_true(F.req[2] == I2C_SLAVE);
    assert_int_equal(F.slave_arg, 0x31);
    /* mapping on the fallback path */
    F.xfer_errno = ENXIO;
    assert_int_equal(g_pal.ops->i2c_read(g_pal.ctx, 0x31, buf, 4), TRUSTM_PAL_NACK);
    F.xfer_errno = EREMOTEIO;
    assert_int_equal(g_pal.ops->i2c_write(g_pal.ctx, 0x31, sel, 1), TRUSTM_PAL_NACK);
    F.xfer_errno = EIO;
    assert_int_equal(g_pal.ops->i2c_write(g_pal.ctx, 0x31, sel, 1), TRUSTM_PAL_IO);
    F.xfer_errno = 0;
    F.rw_short = 2; /* short transfer */
    assert_int_equal(g_pal.ops->i2c_read(g_pal.ctx, 0x31, buf, 4), TRUSTM_PAL_IO);
}

/* The adapter's largest transfer: longer transactions refused, the frame size negotiated down. */
static void test_max_transfer(void **state)
{
    trustm_pal_linux_config_t cfg;
    uint8_t buf[64];
    (void)state;
    memset(&F, 0, sizeof(F));
    F.funcs = I2C_FUNC_I2C;
    F.rdwr_ret = 1;
    trustm_pal_linux_config_default(&cfg, "/dev/i2c-1");
    cfg.sys = &fake_sys;
    cfg.max_transfer = 21;
    assert_int_equal(trustm_pal_linux_open(&g_port, &cfg), TRUSTM_OK);
    trustm_pal_linux_init(&g_pal, &g_port);
    memset(buf, 0x80, sizeof(buf));
    assert_int_equal(g_pal.ops->i2c_write(g_pal.ctx, 0x30, buf, 21), TRUSTM_OK);
    assert_int_equal(g_pal.ops->i2c_write(g_pal.ctx, 0x30, buf, 22), TRUSTM_PAL_IO);
    assert_int_equal(g_pal.ops->i2c_read(g_pal.ctx, 0x30, buf, 22), TRUSTM_PAL_IO);
    assert_int_equal(trustm_pal_linux_frame_size(&g_port, 0), 20);
    assert_int_equal(trustm_pal_linux_frame_size(&g_port, 18), 18);
    g_port.max_transfer = 0;
    assert_int_equal(trustm_pal_linux_frame_size(&g_port, 0), 277);
    g_port.max_transfer = 8;
    assert_int_equal(trustm_pal_linux_frame_size(&g_port, 0), 16); /* the protocol minimum */
    trustm_pal_linux_close(&g_port);
}

static void test_open_failures_and_pins(void **state)
{
    trustm_pal_linux_config_t cfg;
    trustm_pal_linux_t p;
    (void)state;
    memset(&F, 0, sizeof(F));
    trustm_pal_linux_config_default(&cfg, "/dev/i2c-9");
    cfg.sys = &fake_sys;
    F.open_errno = ENOENT;
    assert_int_equal(trustm_pal_linux_open(&p, &cfg), TRUSTM_STATUS(TRUSTM_LAYER_PAL, TRUSTM_BASE_NOT_FOUND));
    assert_int_equal(p.last_errno, ENOENT);
    F.open_errno = EACCES;
    assert_int_equal(trustm_pal_linux_open(&p, &cfg), TRUSTM_PAL_IO);
    assert_int_equal(p.last_errno, EACCES);
    cfg.i2c_dev = NULL;
    assert_int_equal(trustm_pal_linux_open(&p, &cfg), TRUSTM_STATUS(TRUSTM_LAYER_PAL, TRUSTM_BASE_BAD_PARAM));
    /* lines without a chip: bad config, device closed again */
    F.open_errno = 0;
    cfg.i2c_dev = "/dev/i2c-1";
    cfg.rst_line = 4;
    F.closed = 0;
    assert_int_equal(trustm_pal_linux_open(&p, &cfg), TRUSTM_STATUS(TRUSTM_LAYER_PAL, TRUSTM_BASE_BAD_PARAM));
    assert_int_equal(F.closed, 1);
    /* a GPIO chip that does not exist */
    cfg.gpio_chip = "trustm-no-such-gpiochip";
    F.closed = 0;
    trustm_status_t st = trustm_pal_linux_open(&p, &cfg);
    if (trustm_pal_linux_has_gpio()) {
        assert_int_equal(st, TRUSTM_STATUS(TRUSTM_LAYER_PAL, TRUSTM_BASE_NOT_FOUND));
    } else {
        assert_int_equal(st, TRUSTM_STATUS(TRUSTM_LAYER_PAL, TRUSTM_BASE_NOT_SUPPORTED));
    }
    assert_int_equal(F.closed, 1);
    /* no pins configured: set_pin says not supported, and the time functions work */
    trustm_pal_linux_config_default(&cfg, "/dev/i2c-1");
    cfg.sys = &fake_sys;
    F.funcs = I2C_FUNC_I2C;
    assert_int_equal(trustm_pal_linux_open(&p, &cfg), TRUSTM_OK);
    trustm_pal_t pal;
    trustm_pal_linux_init(&pal, &p);
    assert_int_equal(pal.ops->set_pin(pal.ctx, TRUSTM_PAL_PIN_RST, false),
                     TRUSTM_STATUS(TRUSTM_LAYER_PAL, TRUSTM_BASE_NOT_SUPPORTED));
    assert_int_equal(pal.ops->set_pin(pal.ctx, TRUSTM_PAL_PIN_VDD, true),
                     TRUSTM_STATUS(TRUSTM_LAYER_PAL, TRUSTM_BASE_NOT_SUPPORTED));
    uint64_t t0 = pal.ops->now_us(pal.ctx);
    pal.ops->sleep_us(pal.ctx, 2000);
    uint64_t t1 = pal.ops->now_us(pal.ctx);
    assert_true(t1 - t0 >= 2000u);
    assert_true(t1 - t0 < 1000000u);
    trustm_pal_linux_close(&p);
    trustm_pal_linux_close(&p); /* twice is harmless */
    assert_int_equal(F.closed, 2);
    /* operations on a closed port fail cleanly */
    uint8_t b[1] = {0x82};
    assert_int_equal(pal.ops->i2c_write(pal.ctx, 0x30, b, 1), TRUSTM_PAL_IO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_queries_funcs, setup_rdwr, teardown),
        cmocka_unit_test_setup_teardown(test_rdwr_write_one_message, setup_rdwr, teardown),
        cmocka_unit_test_setup_teardown(test_rdwr_read_one_message, setup_rdwr, teardown),
        cmocka_unit_test_setup_teardown(test_rdwr_errno_mapping, setup_rdwr, teardown),
        cmocka_unit_test_setup_teardown(test_plain_fallback, setup_plain, teardown),
        cmocka_unit_test(test_open_failures_and_pins),
        cmocka_unit_test(test_max_transfer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
