/*
 * engine_consumer.c - an external program built against an installed trustm (tests/install/run.sh)
 * that drives the device engine itself (trustm_op_next_io / trustm_op_io_done, trustm_io.h): its
 * own event loop performs every request by calling the port's functions directly, as an
 * interrupt- or DMA-driven port would. It opens the chip behind a simulator socket, takes 32
 * random bytes, reads the coprocessor UID (E0C2) and the factory device certificate (E0E0).
 * Exit 0 when all of it works.
 */
#include <stdio.h>
#include <string.h>

#include <trustm/trustm.h>
#include <trustm_pal_socket.h>

static unsigned requests;

/* Perform one request through the port's functions; returns the status for io_done. */
static trustm_status_t perform(const trustm_pal_t *pal, const trustm_io_t *io, size_t *n)
{
    const trustm_pal_ops_t *ops = pal->ops;
    uint64_t now = ops->now_us(pal->ctx);
    *n = 0;
    while (io->kind != TRUSTM_IO_SET_PIN && !trustm_time_reached(now, io->until_us)) {
        if (ops->sleep_us != NULL) /* the caller waits, not the engine */
            ops->sleep_us(pal->ctx, (uint32_t)(io->until_us - now));
        now = ops->now_us(pal->ctx);
    }
    switch (io->kind) {
    case TRUSTM_IO_WAIT:
        return TRUSTM_OK;
    case TRUSTM_IO_SET_PIN:
        if (ops->set_pin == NULL)
            return TRUSTM_STATUS(TRUSTM_LAYER_PAL, TRUSTM_BASE_NOT_SUPPORTED);
        return ops->set_pin(pal->ctx, io->pin == TRUSTM_IO_PIN_VDD ? TRUSTM_PAL_PIN_VDD : TRUSTM_PAL_PIN_RST,
                            io->level);
    case TRUSTM_IO_I2C_WRITE:
        *n = io->len;
        return ops->i2c_write(pal->ctx, io->addr7, io->buf, io->len);
    case TRUSTM_IO_I2C_READ:
        *n = io->len;
        return ops->i2c_read(pal->ctx, io->addr7, io->buf, io->len);
    case TRUSTM_IO_I2C_READ_REG: {
        trustm_status_t s = ops->i2c_write(pal->ctx, io->addr7, &io->reg, 1);
        if (s != TRUSTM_OK)
            return s;
        *n = 1;
        uint64_t read_at = ops->now_us(pal->ctx) + io->gap_us;
        while (!trustm_time_reached(ops->now_us(pal->ctx), read_at))
            if (ops->sleep_us != NULL)
                ops->sleep_us(pal->ctx, io->gap_us);
        s = ops->i2c_read(pal->ctx, io->addr7, io->buf, io->len);
        if (s == TRUSTM_OK)
            *n = io->len;
        return s;
    }
    default:
        return TRUSTM_STATUS(TRUSTM_LAYER_PAL, TRUSTM_BASE_INTERNAL);
    }
}

/* The event loop: the started operation to its final status. */
static trustm_status_t drive(trustm_device_t *dev, const trustm_pal_t *pal, trustm_status_t start)
{
    if (start != TRUSTM_OK)
        return start;
    for (;;) {
        trustm_io_t io;
        size_t n;
        trustm_status_t s = trustm_op_next_io(dev, &io);
        if (s != TRUSTM_IN_PROGRESS)
            return s;
        requests++;
        s = perform(pal, &io, &n);
        trustm_op_io_done(dev, s, n, pal->ops->now_us(pal->ctx));
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: engine_consumer SOCKET\n");
        return 1;
    }
    trustm_pal_socket_t sock;
    trustm_pal_t pal;
    trustm_device_t dev;
    uint8_t uid[TRUSTM_UID_SIZE + 8], rnd[32], cert[1728];
    size_t len = 0, cert_len = 0;
    memset(rnd, 0, sizeof rnd);
    trustm_status_t st = trustm_pal_socket_open(&sock, argv[1], TRUSTM_SOCK_DEFAULT_TIMEOUT_MS);
    if (st == TRUSTM_OK) {
        trustm_pal_socket_init(&pal, &sock);
        st = trustm_device_init(&dev, &pal, NULL);
    }
    if (st == TRUSTM_OK)
        st = drive(&dev, &pal, trustm_op_start_device_open(&dev));
    if (st == TRUSTM_OK)
        st = drive(&dev, &pal, trustm_op_start_random(&dev, TRUSTM_RNG_TRNG, sizeof rnd, rnd, sizeof rnd, NULL));
    if (st == TRUSTM_OK)
        st = drive(&dev, &pal, trustm_op_start_data_read(&dev, TRUSTM_OID_COPROCESSOR_UID, 0, uid, sizeof uid, &len));
    if (st == TRUSTM_OK && len != TRUSTM_UID_SIZE)
        st = TRUSTM_STATUS(TRUSTM_LAYER_TOOL, TRUSTM_BASE_BAD_RESPONSE);
    if (st == TRUSTM_OK)
        st = drive(&dev, &pal, trustm_op_start_data_read(&dev, 0xE0E0u, 0, cert, sizeof cert, &cert_len));
    if (st == TRUSTM_OK && cert_len == 0)
        st = TRUSTM_STATUS(TRUSTM_LAYER_TOOL, TRUSTM_BASE_BAD_RESPONSE);
    if (st == TRUSTM_OK)
        st = drive(&dev, &pal, trustm_op_start_device_close(&dev));
    trustm_pal_socket_close(&sock);
    if (st != TRUSTM_OK) {
        fprintf(stderr, "engine_consumer: failed: %s (0x%08lX)\n", trustm_status_base_str(st), (unsigned long)st);
        return 2;
    }
    printf("engine loop: %u requests; UID %zu bytes; certificate %zu bytes; random:", requests, len, cert_len);
    for (size_t i = 0; i < sizeof rnd; i++)
        printf(" %02x", rnd[i]);
    printf("\n");
    return 0;
}
