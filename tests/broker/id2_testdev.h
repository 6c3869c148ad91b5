/*
 * id2_testdev.h - test-side helpers for the ID2 broker plugin: a registry in a private temp
 * folder, and what a device computes (auth codes with the device key, as the chip would).
 */
#ifndef ID2_TESTDEV_H
#define ID2_TESTDEV_H

#include <stddef.h>
#include <stdint.h>

#include "id2reg/id2_registry.h"
#include "id2v/id2v.h"

#define TD_PK "a1FCMDh4ypx"

typedef struct {
    id2_device_t dev;
    id2v_key_t key;
} td_device_t;

typedef struct {
    char dir[256];       /* private temp folder */
    char db[300];        /* registry file       */
    char master[300];    /* master key file     */
    id2_registry_t *reg; /* open handle         */
} td_registry_t;

/* mkdtemp + master key + registry; 0 on success. */
int td_registry_create(td_registry_t *r);
/* Close the handle and remove every file of the folder and the folder itself. */
void td_registry_destroy(td_registry_t *r);
int td_issue(td_registry_t *r, const char *dn, id2v_key_type_t type, td_device_t *out);
/* Import the made-up device of id2.md section 10 / cloud-mqtt.md section 9 (ID2
 * 00112233445566778899AABB, AES key 000102..0F) as pk a1FCMDh4ypx, dn `dn`. */
#define TD_SPEC_ID2 "00112233445566778899AABB"
int td_import_spec(td_registry_t *r, const char *dn, td_device_t *out);

/* Client id of cloud-mqtt.md 9.1 (securemode 2, authtype=id2 unless secret). */
void td_client_id(const td_device_t *d, const char *timestamp, char *out, size_t out_size);
/* "<dn>&<pk>" */
void td_username(const td_device_t *d, char *out, size_t out_size);

/* Auth code of `type` (2: challenge + extra, 3: timestamp + extra) computed with key k. */
int td_auth_code(const id2v_key_t *k, const char *id2, int type, const char *device_random, const char *server_value,
                 const char *extra, char *out, size_t out_size);

/* Current time in ms as a decimal string. */
void td_now_ms_str(char *out, size_t out_size, int64_t offset_ms);

#endif
