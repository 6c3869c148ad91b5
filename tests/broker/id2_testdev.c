/* id2_testdev.c - see id2_testdev.h. */
#define _XOPEN_SOURCE 700

#include "id2_testdev.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/base64.h>

int td_registry_create(td_registry_t *r)
{
    char err[ID2REG_ERR_LEN];
    const char *tmp = getenv("TMPDIR");
    memset(r, 0, sizeof *r);
    snprintf(r->dir, sizeof r->dir, "%s/id2brokerXXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (mkdtemp(r->dir) == NULL)
        return -1;
    snprintf(r->db, sizeof r->db, "%s/registry.sqlite", r->dir);
    snprintf(r->master, sizeof r->master, "%s/master.key", r->dir);
    if (id2_registry_master_create(r->master, err, sizeof err) != ID2V_OK) {
        fprintf(stderr, "master key: %s\n", err);
        return -1;
    }
    if (id2_registry_open(r->db, r->master, 1, &r->reg, err, sizeof err) != ID2V_OK) {
        fprintf(stderr, "registry: %s\n", err);
        return -1;
    }
    return 0;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    return flag == FTW_DP ? rmdir(path) : unlink(path);
}

void td_registry_destroy(td_registry_t *r)
{
    if (r->reg != NULL)
        id2_registry_close(r->reg);
    r->reg = NULL;
    if (r->dir[0] == '\0')
        return;
    nftw(r->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
    r->dir[0] = '\0';
}

int td_issue(td_registry_t *r, const char *dn, id2v_key_type_t type, td_device_t *out)
{
    char err[ID2REG_ERR_LEN];
    memset(out, 0, sizeof *out);
    int rc = id2_registry_issue(r->reg, TD_PK, dn, type, &out->dev, &out->key, err, sizeof err);
    if (rc != ID2V_OK)
        fprintf(stderr, "issue %s: %s\n", dn, err);
    return rc;
}

int td_import_spec(td_registry_t *r, const char *dn, td_device_t *out)
{
    char err[ID2REG_ERR_LEN];
    memset(out, 0, sizeof *out);
    memcpy(out->key.id2, TD_SPEC_ID2, sizeof TD_SPEC_ID2);
    out->key.type = ID2V_KEY_AES;
    for (int i = 0; i < 16; i++)
        out->key.key[i] = (uint8_t)i;
    out->key.key_len = 16;
    int rc = id2_registry_import(r->reg, TD_PK, dn, &out->key, &out->dev, err, sizeof err);
    if (rc != ID2V_OK)
        fprintf(stderr, "import %s: %s\n", dn, err);
    return rc;
}

void td_client_id(const td_device_t *d, const char *timestamp, char *out, size_t out_size)
{
    int secret = d->dev.type == ID2V_KEY_SECRET;
    snprintf(out, out_size, "%s.%s|securemode=2,timestamp=%s,signmethod=hmacsha256,gw=0,ext=0%s|", d->dev.pk, d->dev.dn,
             timestamp, secret ? "" : ",authtype=id2");
}

void td_username(const td_device_t *d, char *out, size_t out_size)
{
    snprintf(out, out_size, "%s&%s", d->dev.dn, d->dev.pk);
}

int td_auth_code(const id2v_key_t *k, const char *id2, int type, const char *device_random, const char *server_value,
                 const char *extra, char *out, size_t out_size)
{
    uint8_t msg[1024], sig[256];
    unsigned char b64[400];
    size_t sig_len = 0, b64_len = 0;
    size_t n =
        (size_t)snprintf((char *)msg, sizeof msg, "%s%s%s%s", id2, device_random, server_value, extra ? extra : "");
    if (n >= sizeof msg)
        return -1;
    if (id2v_sign(k, msg, n, sig, sizeof sig, &sig_len) != ID2V_OK)
        return -1;
    if (mbedtls_base64_encode(b64, sizeof b64, &b64_len, sig, sig_len) != 0)
        return -1;
    b64[b64_len] = '\0';
    if ((size_t)snprintf(out, out_size, "%d~2~%s~%s~%s", type, device_random, server_value, (char *)b64) >= out_size)
        return -1;
    return 0;
}

void td_now_ms_str(char *out, size_t out_size, int64_t offset_ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + offset_ms;
    snprintf(out, out_size, "%lld", (long long)ms);
}
