/*
 * The service API through the socket port against a real `trustm-sim serve` process: a value
 * written through the daemon survives a SIGKILL of the daemon and a restart, and so does a key
 * generated on the chip (its signature still verifies with the exported public key).
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <mbedtls/rsa.h>
#include <mbedtls/sha256.h>

#include "trustm/trustm.h"
#include "trustm_pal_socket.h"

static char dir[64], state_path[128], sock_path[128];

static pid_t start_daemon(void)
{
    unlink(sock_path);
    pid_t pid = fork();
    if (pid == 0) {
        execl(TRUSTM_SIM_EXE, "trustm-sim", "serve", "--state", state_path, "--socket", sock_path, (char *)NULL);
        _exit(127);
    }
    struct stat st;
    for (int i = 0; i < 400 && stat(sock_path, &st) != 0; i++) {
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    assert_int_equal(stat(sock_path, &st), 0);
    return pid;
}

static void connect_and_open(trustm_pal_socket_t *s, trustm_pal_t *pal, trustm_device_t *dev)
{
    assert_int_equal(trustm_pal_socket_open(s, sock_path, 5000), TRUSTM_OK);
    trustm_pal_socket_init(pal, s);
    trustm_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    assert_int_equal(trustm_device_init(dev, pal, &cfg), TRUSTM_OK);
    assert_int_equal(trustm_device_open(dev), TRUSTM_OK);
}

static void test_state_survives_sigkill(void **state)
{
    (void)state;
    if (access(TRUSTM_SIM_EXE, X_OK) != 0) {
        print_message("SKIP: %s not built\n", TRUSTM_SIM_EXE);
        skip();
    }
    snprintf(dir, sizeof dir, "/tmp/trustm-daemon-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(state_path, sizeof state_path, "%s/chip.state", dir);
    snprintf(sock_path, sizeof sock_path, "%s/sim.sock", dir);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "%s init --state %s --seed 3 >/dev/null", TRUSTM_SIM_EXE, state_path);
    assert_int_equal(system(cmd), 0);

    pid_t pid = start_daemon();
    trustm_pal_socket_t s;
    trustm_pal_t pal;
    trustm_device_t dev;
    connect_and_open(&s, &pal, &dev);
    const uint8_t value[] = "kept across a daemon crash";
    assert_int_equal(trustm_data_write(&dev, 0xF1D7, TRUSTM_ERASE_AND_WRITE, 0, value, sizeof value), TRUSTM_OK);
    uint8_t pub[TRUSTM_RSA_PUBKEY_MAX];
    size_t pub_len;
    assert_int_equal(trustm_rsa_keygen(&dev, 0xE0FD, TRUSTM_RSA1024, 0x10, pub, sizeof pub, &pub_len), TRUSTM_OK);
    trustm_pal_socket_close(&s);
    kill(pid, SIGKILL); /* no chance to save anything at exit */
    waitpid(pid, NULL, 0);

    pid = start_daemon();
    connect_and_open(&s, &pal, &dev);
    uint8_t got[64];
    size_t n = 0;
    assert_int_equal(trustm_data_read(&dev, 0xF1D7, 0, got, sizeof got, &n), TRUSTM_OK);
    assert_int_equal(n, sizeof value);
    assert_memory_equal(got, value, sizeof value);

    uint8_t digest[32], sig[128];
    size_t sig_len;
    mbedtls_sha256_ret((const uint8_t *)"after restart", 13, digest, 0);
    assert_int_equal(trustm_rsa_sign(&dev, 0xE0FD, TRUSTM_RSA_PKCS1_SHA256, digest, 32, sig, sizeof sig, &sig_len),
                     TRUSTM_OK);
    trustm_rsa_pubkey_t pk;
    assert_int_equal(trustm_rsa_pubkey_decode(pub, pub_len, &pk), TRUSTM_OK);
    mbedtls_rsa_context rsa;
    mbedtls_rsa_init(&rsa, MBEDTLS_RSA_PKCS_V15, 0);
    assert_int_equal(mbedtls_rsa_import_raw(&rsa, pk.modulus, pk.modulus_len, NULL, 0, NULL, 0, NULL, 0, pk.exponent,
                                            pk.exponent_len),
                     0);
    assert_int_equal(mbedtls_rsa_complete(&rsa), 0);
    assert_int_equal(mbedtls_rsa_pkcs1_verify(&rsa, NULL, NULL, MBEDTLS_RSA_PUBLIC, MBEDTLS_MD_SHA256, 32, digest, sig),
                     0);
    mbedtls_rsa_free(&rsa);
    trustm_pal_socket_close(&s);
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_state_survives_sigkill),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
