/*
 * fleet_code.c - test helper: the MQTT credentials of mode ts for a registry device, computed
 * from its key in the registry (what the chip computes), so that the shell tests can log in with
 * mosquitto_pub / _sub, replay a code, or forge one.
 *   fleet_code REGISTRY MASTER PK DN [TS_MS [DEVICE_RANDOM]]
 * prints three lines: client id, user name, password (the timestamp auth code).
 */
#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cloud_testutil.h"
#include "id2reg/id2_registry.h"

int main(int argc, char **argv)
{
    if (argc < 5 || argc > 7) {
        fprintf(stderr, "usage: fleet_code REGISTRY MASTER PK DN [TS_MS [DEVICE_RANDOM]]\n");
        return 2;
    }
    char ts[32], dr[17], err[ID2REG_ERR_LEN], cid[512], code[300];
    if (argc > 5) {
        snprintf(ts, sizeof ts, "%s", argv[5]);
    } else {
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        snprintf(ts, sizeof ts, "%" PRIu64, (uint64_t)now.tv_sec * 1000u + (uint64_t)now.tv_nsec / 1000000u);
    }
    if (argc > 6) {
        snprintf(dr, sizeof dr, "%s", argv[6]);
    } else {
        srand((unsigned)time(NULL) ^ (unsigned)clock());
        for (int i = 0; i < 16; i++)
            dr[i] = "0123456789ABCDEF"[rand() % 16];
        dr[16] = '\0';
    }
    id2_registry_t *reg = NULL;
    id2v_key_t k;
    if (id2_registry_open(argv[1], argv[2], 0, &reg, err, sizeof err) != ID2V_OK ||
        id2_registry_find_name(reg, argv[3], argv[4], NULL, &k, err, sizeof err) != ID2V_OK) {
        fprintf(stderr, "fleet_code: %s\n", err);
        id2_registry_close(reg);
        return 1;
    }
    id2_registry_close(reg);
    if (id2v_format_client_id(argv[3], argv[4], 2, ts, NULL, NULL, "id2", NULL, cid, sizeof cid) != ID2V_OK ||
        ct_device_code(&k, 3, dr, ts, cid, code) != 0) {
        fprintf(stderr, "fleet_code: cannot form the code\n");
        return 1;
    }
    id2v_key_wipe(&k);
    printf("%s\n%s&%s\n%s\n", cid, argv[4], argv[3], code);
    return 0;
}
