/*
 * fuzz_authd.c - libFuzzer target: id2-authd's request decoding and decisions without a registry
 * (cloud/authd/authd_core.c). The input is used twice: as a raw form body, and split at NUL
 * bytes into the values of username, password, vhost, client_id, resource, name, permission and
 * routing_key of a body built from them (so that random input reaches the decisions). Every field
 * is decoded with authd_form_get and fed to authd_vhost, authd_resource, authd_topic and
 * authd_user (no registry: a device log-in must be refused, never crash).
 * Checks: a decoded value is NUL-terminated inside its buffer and holds no NUL; every refusal
 * has a reason; no operator exists, so nothing is allowed as one.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authd_core.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *field(const char *body, const char *key, char *out, size_t out_size)
{
    const char *v = authd_form_get(body, key, out, out_size);
    if (v != NULL && (v != out || strlen(out) >= out_size))
        abort();
    return v;
}

static void check(const authd_verdict_t *v)
{
    if (v->is_operator || (!v->allow && v->reason[0] == '\0' && v->why != AUTHD_R_UNKNOWN))
        abort();
    if ((unsigned)v->why >= AUTHD_R_COUNT)
        abort();
}

static void one_body(const char *body)
{
    char user[200], pass[300], vhost[100], cid[512], res[32], name[300], perm[32], rk[512];
    const char *u = field(body, "username", user, sizeof user);
    const char *p = field(body, "password", pass, sizeof pass);
    const char *vh = field(body, "vhost", vhost, sizeof vhost);
    const char *ci = field(body, "client_id", cid, sizeof cid);
    const char *r = field(body, "resource", res, sizeof res);
    const char *n = field(body, "name", name, sizeof name);
    const char *pm = field(body, "permission", perm, sizeof perm);
    const char *k = field(body, "routing_key", rk, sizeof rk);
    authd_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.core.window_s = 300;
    cfg.core.modes = ID2M_MODE_TS | ID2M_MODE_SECRET;
    authd_verdict_t v;
    authd_vhost(&cfg, u, vh, &v);
    check(&v);
    authd_resource(&cfg, u, vh, r, n, pm, &v);
    check(&v);
    authd_topic(&cfg, u, vh, k, pm, ci, &v);
    check(&v);
    authd_user(&cfg, u, p, ci, 1796400000000ull, &v);
    check(&v);
    if (v.allow) /* no registry, no operators: nobody logs in */
        abort();
    char topic[600];
    if (k != NULL && authd_topic_of_key(k, topic, sizeof topic) && strlen(topic) != strlen(k))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const keys[] = {"username", "password", "vhost",      "client_id",
                                       "resource", "name",     "permission", "routing_key"};
    if (size > 4096)
        return 0;
    char *body = malloc(2 * size + 128);
    if (body == NULL)
        return 0;
    memcpy(body, data, size);
    body[size] = '\0';
    one_body(body);
    /* the NUL-separated values of the eight keys */
    size_t o = 0, f = 0, i = 0;
    while (f < sizeof keys / sizeof keys[0]) {
        o += (size_t)sprintf(body + o, "%s%s=", f ? "&" : "", keys[f]);
        while (i < size && data[i] != 0)
            body[o++] = (char)data[i++];
        i++;
        f++;
        if (i >= size)
            break;
    }
    body[o] = '\0';
    one_body(body);
    free(body);
    return 0;
}
