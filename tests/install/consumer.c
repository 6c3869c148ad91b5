/*
 * consumer.c - a program built outside the tree against an installed trustm (find_package or
 * pkg-config, tests/install/run.sh): it opens the chip behind a simulator socket, reads the
 * factory device certificate from E0E0 and 16 random bytes.  Exit 0 when all of it works.
 */
#include <stdio.h>

#include <trustm/trustm.h>
#include <trustm_pal_socket.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: consumer SOCKET\n");
        return 1;
    }
    trustm_pal_socket_t sock;
    trustm_pal_t pal;
    trustm_device_t dev;
    uint8_t cert[1728], rnd[16];
    size_t len = 0;
    trustm_status_t st = trustm_pal_socket_open(&sock, argv[1], TRUSTM_SOCK_DEFAULT_TIMEOUT_MS);
    if (st == TRUSTM_OK) {
        trustm_pal_socket_init(&pal, &sock);
        st = trustm_device_init(&dev, &pal, NULL);
    }
    if (st == TRUSTM_OK)
        st = trustm_device_open(&dev);
    if (st == TRUSTM_OK)
        st = trustm_data_read(&dev, 0xE0E0u, 0, cert, sizeof cert, &len);
    if (st == TRUSTM_OK)
        st = trustm_random(&dev, TRUSTM_RNG_TRNG, sizeof rnd, rnd, sizeof rnd, NULL);
    if (st == TRUSTM_OK)
        (void)trustm_device_close(&dev);
    trustm_pal_socket_close(&sock);
    if (st != TRUSTM_OK) {
        fprintf(stderr, "consumer: failed: %s (0x%08lX)\n", trustm_status_base_str(st), (unsigned long)st);
        return 2;
    }
    printf("device certificate: %zu bytes; random:", len);
    for (size_t i = 0; i < sizeof rnd; i++)
        printf(" %02x", rnd[i]);
    printf("\n");
    return 0;
}
