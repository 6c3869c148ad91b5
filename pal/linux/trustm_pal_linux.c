/*
 * trustm_pal_linux.c - Linux i2c-dev port (see trustm_pal_linux.h).
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE

#include "trustm_pal_linux.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/i2c-dev.h>
#include <linux/i2c.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#ifdef TRUSTM_HAVE_GPIOD
#include <gpiod.h>
#endif

#define LNX_ERR(base) TRUSTM_STATUS(TRUSTM_LAYER_PAL, (base))

/* ---- real system calls ---------------------------------------------------------------- */

static int sys_open(const char *path, int flags)
{
    return open(path, flags);
}
static int sys_close(int fd)
{
    return close(fd);
}
static int sys_ioctl(int fd, unsigned long request, void *arg)
{
    return ioctl(fd, request, arg);
}
static ssize_t sys_read(int fd, void *buf, size_t len)
{
    return read(fd, buf, len);
}
static ssize_t sys_write(int fd, const void *buf, size_t len)
{
    return write(fd, buf, len);
}

const trustm_pal_linux_sys_t trustm_pal_linux_sys_default = {
    sys_open, sys_close, sys_ioctl, sys_read, sys_write,
};

void trustm_pal_linux_config_default(trustm_pal_linux_config_t *cfg, const char *i2c_dev)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->i2c_dev = i2c_dev;
    cfg->gpio_chip = NULL;
    cfg->rst_line = -1;
    cfg->vdd_line = -1;
    cfg->sys = NULL;
}

uint16_t trustm_pal_linux_frame_size(const trustm_pal_linux_t *p, uint16_t wanted)
{
    uint16_t f = wanted != 0u && wanted < 277u ? wanted : 277u;
    if (p != NULL && p->max_transfer != 0u && p->max_transfer - 1u < f) {
        f = (uint16_t)(p->max_transfer - 1u);
    }
    return f < 16u ? 16u : f;
}

bool trustm_pal_linux_has_gpio(void)
{
#ifdef TRUSTM_HAVE_GPIOD
    return true;
#else
    return false;
#endif
}

/* ---- errno mapping -------------------------------------------------------------------- */

static trustm_status_t map_errno(trustm_pal_linux_t *p, int err)
{
    p->last_errno = err;
    /* fault-codes.rst: ENXIO = address NACK; EREMOTEIO = NACK on adapters that do not
     * tell address from data NACK. Both mean "not acknowledged": the caller retries. */
    if (err == ENXIO || err == EREMOTEIO) {
        return TRUSTM_PAL_NACK;
    }
    return TRUSTM_PAL_IO;
}

/* ---- GPIO ----------------------------------------------------------------------------- */

#ifdef TRUSTM_HAVE_GPIOD
static trustm_status_t gpio_request(trustm_pal_linux_t *p, int offset, void **out)
{
    struct gpiod_line *line;
    *out = NULL;
    if (offset < 0) {
        return TRUSTM_OK;
    }
    line = gpiod_chip_get_line((struct gpiod_chip *)p->gpio_chip, (unsigned int)offset);
    if (line == NULL) {
        p->last_errno = errno;
        return LNX_ERR(TRUSTM_BASE_NOT_FOUND);
    }
    /* Start high: VDD on, RST released, so opening the port does not reset the chip. */
    if (gpiod_line_request_output(line, "trustm", 1) != 0) {
        p->last_errno = errno;
        return TRUSTM_PAL_IO;
    }
    *out = line;
    return TRUSTM_OK;
}
#endif

static void gpio_release(trustm_pal_linux_t *p)
{
#ifdef TRUSTM_HAVE_GPIOD
    if (p->rst != NULL) {
        gpiod_line_release((struct gpiod_line *)p->rst);
    }
    if (p->vdd != NULL) {
        gpiod_line_release((struct gpiod_line *)p->vdd);
    }
    if (p->gpio_chip != NULL) {
        gpiod_chip_close((struct gpiod_chip *)p->gpio_chip);
    }
#endif
    p->rst = NULL;
    p->vdd = NULL;
    p->gpio_chip = NULL;
}

static trustm_status_t gpio_open(trustm_pal_linux_t *p, const trustm_pal_linux_config_t *cfg)
{
    if (cfg->gpio_chip == NULL) {
        return (cfg->rst_line >= 0 || cfg->vdd_line >= 0) ? LNX_ERR(TRUSTM_BASE_BAD_PARAM) : TRUSTM_OK;
    }
#ifdef TRUSTM_HAVE_GPIOD
    {
        trustm_status_t st;
        p->gpio_chip = gpiod_chip_open_lookup(cfg->gpio_chip);
        if (p->gpio_chip == NULL) {
            p->last_errno = errno;
            return LNX_ERR(TRUSTM_BASE_NOT_FOUND);
        }
        st = gpio_request(p, cfg->rst_line, &p->rst);
        if (st == TRUSTM_OK) {
            st = gpio_request(p, cfg->vdd_line, &p->vdd);
        }
        if (st != TRUSTM_OK) {
            gpio_release(p);
        }
        return st;
    }
#else
    (void)p;
    return LNX_ERR(TRUSTM_BASE_NOT_SUPPORTED);
#endif
}

/* ---- open / close --------------------------------------------------------------------- */

trustm_status_t trustm_pal_linux_open(trustm_pal_linux_t *p, const trustm_pal_linux_config_t *cfg)
{
    unsigned long funcs = 0;
    trustm_status_t st;
    if (p == NULL) {
        return LNX_ERR(TRUSTM_BASE_BAD_PARAM);
    }
    memset(p, 0, sizeof(*p));
    p->fd = -1;
    p->slave_addr = -1;
    if (cfg == NULL || cfg->i2c_dev == NULL || cfg->i2c_dev[0] == '\0') {
        return LNX_ERR(TRUSTM_BASE_BAD_PARAM);
    }
    p->sys = cfg->sys != NULL ? cfg->sys : &trustm_pal_linux_sys_default;
    p->max_transfer = cfg->max_transfer;
    p->fd = p->sys->open(cfg->i2c_dev, O_RDWR | O_CLOEXEC);
    if (p->fd < 0) {
        p->last_errno = errno;
        return (errno == ENOENT || errno == ENODEV || errno == ENXIO) ? LNX_ERR(TRUSTM_BASE_NOT_FOUND) : TRUSTM_PAL_IO;
    }
    if (p->sys->ioctl(p->fd, I2C_FUNCS, &funcs) < 0) {
        p->last_errno = errno;
        trustm_pal_linux_close(p);
        return TRUSTM_PAL_IO; /* not an i2c-dev node */
    }
    p->use_rdwr = (funcs & I2C_FUNC_I2C) != 0u;
    st = gpio_open(p, cfg);
    if (st != TRUSTM_OK) {
        int e = p->last_errno;
        trustm_pal_linux_close(p);
        p->last_errno = e;
    }
    return st;
}

void trustm_pal_linux_close(trustm_pal_linux_t *p)
{
    if (p == NULL) {
        return;
    }
    gpio_release(p);
    if (p->fd >= 0 && p->sys != NULL) {
        (void)p->sys->close(p->fd);
    }
    p->fd = -1;
    p->slave_addr = -1;
}

/* ---- bus ------------------------------------------------------------------------------ */

static trustm_status_t rdwr(trustm_pal_linux_t *p, uint8_t addr7, uint16_t flags, uint8_t *buf, size_t len)
{
    struct i2c_msg msg;
    struct i2c_rdwr_ioctl_data data;
    int r;
    msg.addr = addr7;
    msg.flags = flags;
    msg.len = (uint16_t)len;
    msg.buf = buf;
    data.msgs = &msg;
    data.nmsgs = 1;
    r = p->sys->ioctl(p->fd, I2C_RDWR, &data);
    if (r < 0) {
        return map_errno(p, errno);
    }
    if (r != 1) {
        p->last_errno = EIO;
        return TRUSTM_PAL_IO;
    }
    return TRUSTM_OK;
}

static trustm_status_t select_slave(trustm_pal_linux_t *p, uint8_t addr7)
{
    if (p->slave_addr == (int)addr7) {
        return TRUSTM_OK;
    }
    if (p->sys->ioctl(p->fd, I2C_SLAVE, (void *)(unsigned long)addr7) < 0) {
        p->last_errno = errno;
        return TRUSTM_PAL_IO; /* EBUSY: a kernel driver owns the address */
    }
    p->slave_addr = addr7;
    return TRUSTM_OK;
}

static trustm_status_t lnx_i2c_write(void *ctx, uint8_t addr7, const uint8_t *buf, size_t len)
{
    trustm_pal_linux_t *p = ctx;
    ssize_t n;
    trustm_status_t st;
    if (p == NULL || p->fd < 0 || buf == NULL || len == 0u || len > 0xFFFFu || addr7 > 0x7Fu ||
        (p->max_transfer != 0u && len > p->max_transfer)) {
        return TRUSTM_PAL_IO;
    }
    if (p->use_rdwr) {
        /* The kernel does not write through msg.buf on a write; the cast drops const only. */
        return rdwr(p, addr7, 0u, (uint8_t *)(uintptr_t)buf, len);
    }
    st = select_slave(p, addr7);
    if (st != TRUSTM_OK) {
        return st;
    }
    n = p->sys->write(p->fd, buf, len);
    if (n < 0) {
        return map_errno(p, errno);
    }
    if ((size_t)n != len) {
        p->last_errno = EIO;
        return TRUSTM_PAL_IO;
    }
    return TRUSTM_OK;
}

static trustm_status_t lnx_i2c_read(void *ctx, uint8_t addr7, uint8_t *buf, size_t len)
{
    trustm_pal_linux_t *p = ctx;
    ssize_t n;
    trustm_status_t st;
    if (p == NULL || p->fd < 0 || buf == NULL || len == 0u || len > 0xFFFFu || addr7 > 0x7Fu ||
        (p->max_transfer != 0u && len > p->max_transfer)) {
        return TRUSTM_PAL_IO;
    }
    if (p->use_rdwr) {
        return rdwr(p, addr7, I2C_M_RD, buf, len);
    }
    st = select_slave(p, addr7);
    if (st != TRUSTM_OK) {
        return st;
    }
    n = p->sys->read(p->fd, buf, len);
    if (n < 0) {
        return map_errno(p, errno);
    }
    if ((size_t)n != len) {
        p->last_errno = EIO;
        return TRUSTM_PAL_IO;
    }
    return TRUSTM_OK;
}

/* ---- time ----------------------------------------------------------------------------- */

static uint64_t lnx_now_us(void *ctx)
{
    struct timespec ts;
    (void)ctx;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void lnx_sleep_us(void *ctx, uint32_t us)
{
    struct timespec req;
    (void)ctx;
    req.tv_sec = (time_t)(us / 1000000u);
    req.tv_nsec = (long)(us % 1000000u) * 1000L;
    while (nanosleep(&req, &req) != 0 && errno == EINTR) {
    }
}

/* ---- pins ----------------------------------------------------------------------------- */

static trustm_status_t lnx_set_pin(void *ctx, trustm_pal_pin_t pin, bool high)
{
    trustm_pal_linux_t *p = ctx;
    void *line = NULL;
    if (p == NULL) {
        return TRUSTM_PAL_IO;
    }
    if (pin == TRUSTM_PAL_PIN_RST) {
        line = p->rst;
    } else if (pin == TRUSTM_PAL_PIN_VDD) {
        line = p->vdd;
    }
    if (line == NULL) {
        return LNX_ERR(TRUSTM_BASE_NOT_SUPPORTED);
    }
#ifdef TRUSTM_HAVE_GPIOD
    if (gpiod_line_set_value((struct gpiod_line *)line, high ? 1 : 0) != 0) {
        p->last_errno = errno;
        return TRUSTM_PAL_IO;
    }
    return TRUSTM_OK;
#else
    (void)high;
    return LNX_ERR(TRUSTM_BASE_NOT_SUPPORTED);
#endif
}

const trustm_pal_ops_t trustm_pal_linux_ops = {
    lnx_i2c_write, lnx_i2c_read, lnx_now_us,
    lnx_sleep_us,  lnx_set_pin,  NULL, /* xfer: one ioctl per transaction is cheap enough */
};

void trustm_pal_linux_init(trustm_pal_t *pal, trustm_pal_linux_t *p)
{
    pal->ops = &trustm_pal_linux_ops;
    pal->ctx = p;
}
