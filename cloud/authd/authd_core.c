/*
 * authd_core.c - id2-authd's decisions (see authd_core.h).
 */
#define _POSIX_C_SOURCE 200809L

#include "authd_core.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/md.h>
#include <mbedtls/pkcs5.h>
#include <mbedtls/platform_util.h>

#define SALT_LEN   16u
#define HASH_LEN   32u
#define ITERATIONS 20000u
#define MAX_OPS    64

typedef struct {
    char name[65];
    uint8_t salt[SALT_LEN];
    unsigned iterations;
    uint8_t hash[HASH_LEN];
} op_t;

struct authd_operators {
    size_t n;
    op_t op[MAX_OPS];
};

static int derive(const char *password, const uint8_t *salt, unsigned iterations, uint8_t out[HASH_LEN])
{
    mbedtls_md_context_t md;
    mbedtls_md_init(&md);
    int ok = mbedtls_md_setup(&md, mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), 1) == 0 &&
             mbedtls_pkcs5_pbkdf2_hmac(&md, (const unsigned char *)password, strlen(password), salt, SALT_LEN,
                                       iterations, HASH_LEN, out) == 0;
    mbedtls_md_free(&md);
    return ok;
}

int authd_operator_line(const char *name, const char *password, char *out, size_t out_size)
{
    uint8_t salt[SALT_LEN], hash[HASH_LEN];
    char salt_hex[2 * SALT_LEN + 1], hash_hex[2 * HASH_LEN + 1];
    if (name == NULL || password == NULL || !id2v_valid_pk(name) || password[0] == '\0')
        return -1;
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t r = read(fd, salt, sizeof salt);
    close(fd);
    if (r != (ssize_t)sizeof salt || !derive(password, salt, ITERATIONS, hash))
        return -1;
    id2v_hex_encode(salt, SALT_LEN, 0, salt_hex);
    id2v_hex_encode(hash, HASH_LEN, 0, hash_hex);
    mbedtls_platform_zeroize(hash, sizeof hash);
    int n = snprintf(out, out_size, "%s:%s:%u:%s", name, salt_hex, ITERATIONS, hash_hex);
    return n > 0 && (size_t)n < out_size ? 0 : -1;
}

authd_operators_t *authd_operators_load(const char *path, char *err, size_t err_size)
{
    FILE *f = fopen(path, "re");
    if (f == NULL) {
        snprintf(err, err_size, "operator file %s: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || (st.st_mode & 077) != 0) {
        snprintf(err, err_size, "operator file %s: readable by group/others; chmod 600 it", path);
        fclose(f);
        return NULL;
    }
    authd_operators_t *ops = calloc(1, sizeof *ops);
    if (ops == NULL) {
        snprintf(err, err_size, "out of memory");
        fclose(f);
        return NULL;
    }
    char line[512];
    int ln = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        ln++;
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '\0' || line[0] == '#')
            continue;
        char *f1 = strtok(line, ":"), *f2 = strtok(NULL, ":"), *f3 = strtok(NULL, ":"), *f4 = strtok(NULL, ":");
        op_t *o = &ops->op[ops->n];
        char *end = NULL;
        unsigned long it = f3 != NULL ? strtoul(f3, &end, 10) : 0;
        if (ops->n >= MAX_OPS || f4 == NULL || strtok(NULL, ":") != NULL || !id2v_valid_pk(f1) || end == NULL ||
            *end != '\0' || it < 1000 || it > 10000000 || id2v_hex_decode(f2, strlen(f2), o->salt, SALT_LEN) != 0 ||
            id2v_hex_decode(f4, strlen(f4), o->hash, HASH_LEN) != 0) {
            snprintf(err, err_size, "operator file %s:%d: expected name:salt:iterations:hash (id2-authd passwd)", path,
                     ln);
            mbedtls_platform_zeroize(line, sizeof line);
            authd_operators_free(ops);
            fclose(f);
            return NULL;
        }
        snprintf(o->name, sizeof o->name, "%s", f1);
        o->iterations = (unsigned)it;
        ops->n++;
    }
    mbedtls_platform_zeroize(line, sizeof line);
    fclose(f);
    return ops;
}

void authd_operators_free(authd_operators_t *ops)
{
    if (ops == NULL)
        return;
    mbedtls_platform_zeroize(ops, sizeof *ops);
    free(ops);
}

static const op_t *op_find(const authd_operators_t *ops, const char *name)
{
    if (ops == NULL || name == NULL)
        return NULL;
    for (size_t i = 0; i < ops->n; i++)
        if (strcmp(ops->op[i].name, name) == 0)
            return &ops->op[i];
    return NULL;
}

int authd_operator_known(const authd_operators_t *ops, const char *name)
{
    return op_find(ops, name) != NULL;
}

int authd_operator_check(const authd_operators_t *ops, const char *name, const char *password)
{
    const op_t *o = op_find(ops, name);
    if (o == NULL || password == NULL)
        return 0;
    uint8_t h[HASH_LEN];
    if (!derive(password, o->salt, o->iterations, h))
        return 0;
    unsigned diff = 0;
    for (size_t i = 0; i < HASH_LEN; i++)
        diff |= (unsigned)(h[i] ^ o->hash[i]);
    mbedtls_platform_zeroize(h, sizeof h);
    return diff == 0;
}

/* ---- form bodies ---------------------------------------------------------------------------- */

const char *authd_form_get(const char *body, const char *key, char *out, size_t out_size)
{
    if (body == NULL || key == NULL || out == NULL || out_size == 0)
        return NULL;
    size_t kl = strlen(key);
    const char *p = body;
    while (p != NULL && *p) {
        const char *amp = strchr(p, '&');
        size_t seg = amp ? (size_t)(amp - p) : strlen(p);
        if (seg > kl && strncmp(p, key, kl) == 0 && p[kl] == '=') {
            size_t o = 0;
            for (size_t i = kl + 1; i < seg; i++) {
                char c = p[i];
                if (c == '+') {
                    c = ' ';
                } else if (c == '%') {
                    if (i + 2 >= seg)
                        return NULL;
                    int hi = id2v_hex_digit(p[i + 1]), lo = id2v_hex_digit(p[i + 2]);
                    if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
                        return NULL;
                    c = (char)(hi << 4 | lo);
                    i += 2;
                }
                if (o + 1 >= out_size)
                    return NULL;
                out[o++] = c;
            }
            out[o] = '\0';
            return out;
        }
        p = amp ? amp + 1 : NULL;
    }
    return NULL;
}

/* ---- decisions ---------------------------------------------------------------------------- */

const char *authd_reason_name(authd_reason_t r)
{
    static const char *const names[AUTHD_R_COUNT] = {
        "signature", "replay", "stale", "unknown", "revoked", "name", "topic", "resource", "storage", "other",
    };
    return (unsigned)r < AUTHD_R_COUNT ? names[r] : "other";
}

static void v_reset(authd_verdict_t *v)
{
    memset(v, 0, sizeof *v);
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void
v_deny(authd_verdict_t *v, authd_reason_t why, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->reason, sizeof v->reason, fmt, ap);
    va_end(ap);
    v->allow = 0;
    v->why = why;
}

/* The reason class of a refusal text of id2_mosquitto_core. */
static authd_reason_t classify(const char *r)
{
    if (strstr(r, "replay") != NULL && strstr(r, "replay store") == NULL)
        return AUTHD_R_REPLAY;
    if (strstr(r, "revoked") != NULL)
        return AUTHD_R_REVOKED;
    if (strstr(r, "registry") != NULL || strstr(r, "replay store") != NULL)
        return AUTHD_R_STORAGE;
    if (strstr(r, "signature") != NULL || strstr(r, "password wrong") != NULL)
        return AUTHD_R_SIGNATURE;
    if (strstr(r, "window") != NULL || strstr(r, "differs from the client id") != NULL ||
        strstr(r, "no timestamp") != NULL)
        return AUTHD_R_STALE;
    if (strstr(r, "client id") != NULL || strstr(r, "user name") != NULL)
        return AUTHD_R_NAME;
    return AUTHD_R_OTHER;
}

void authd_user(const authd_config_t *cfg, const char *username, const char *password, const char *client_id,
                uint64_t now_ms, authd_verdict_t *v)
{
    v_reset(v);
    char pk[65], dn[65];
    if (username == NULL || username[0] == '\0') {
        v_deny(v, AUTHD_R_UNKNOWN, "no user name");
        return;
    }
    if (authd_operator_known(cfg->ops, username)) {
        v->is_operator = 1;
        if (authd_operator_check(cfg->ops, username, password))
            v->allow = 1;
        else
            v_deny(v, AUTHD_R_SIGNATURE, "operator %s: wrong password", username);
        return;
    }
    if (id2v_parse_username(username, pk, dn) != ID2V_OK) {
        char u[80];
        id2m_printable(username, u, sizeof u);
        v_deny(v, AUTHD_R_UNKNOWN, "unknown user '%s' (neither an operator nor <dn>&<pk>)", u);
        return;
    }
    v->device = 1;
    snprintf(v->pk, sizeof v->pk, "%s", pk);
    snprintf(v->dn, sizeof v->dn, "%s", dn);
    id2m_state_t st;
    id2m_result_t res;
    id2m_state_init(&st);
    id2m_verdict_t r = id2m_basic_auth(&cfg->core, &st, client_id, username, password,
                                       password != NULL ? strlen(password) : 0, now_ms, &res);
    id2m_state_clear(&st);
    if (r == ID2M_ALLOW) {
        v->allow = 1;
    } else if (r == ID2M_DEFER) {
        v_deny(v, AUTHD_R_UNKNOWN, "unknown device %s.%s", pk, dn);
    } else {
        v_deny(v, classify(res.reason), "%s", res.reason);
    }
}

/* A device user name "<dn>&<pk>" into v (pk/dn); 0 when it is neither that nor an operator. */
static int who(const authd_config_t *cfg, const char *username, authd_verdict_t *v)
{
    if (username != NULL && authd_operator_known(cfg->ops, username)) {
        v->is_operator = 1;
        return 1;
    }
    if (username == NULL || id2v_parse_username(username, v->pk, v->dn) != ID2V_OK) {
        v_deny(v, AUTHD_R_UNKNOWN, "unknown user");
        return 0;
    }
    v->device = 1;
    return 1;
}

/* Reset v and identify the user: 0 when decided already (unknown user: denied; operator:
 * allowed everything), 1 when the device's rules must decide. */
static int device_check_needed(const authd_config_t *cfg, const char *username, authd_verdict_t *v)
{
    v_reset(v);
    if (!who(cfg, username, v))
        return 0;
    if (v->is_operator) {
        v->allow = 1;
        return 0;
    }
    return 1;
}

void authd_vhost(const authd_config_t *cfg, const char *username, const char *vhost, authd_verdict_t *v)
{
    v_reset(v);
    if (!who(cfg, username, v))
        return;
    if (v->is_operator || (vhost != NULL && strcmp(vhost, "/") == 0))
        v->allow = 1;
    else
        v_deny(v, AUTHD_R_RESOURCE, "device %s.%s: vhost '%s' refused (only /)", v->pk, v->dn,
               vhost != NULL ? vhost : "(none)");
}

void authd_resource(const authd_config_t *cfg, const char *username, const char *vhost, const char *resource,
                    const char *name, const char *permission, authd_verdict_t *v)
{
    if (!device_check_needed(cfg, username, v))
        return;
    const char *r = resource != NULL ? resource : "", *n = name != NULL ? name : "",
               *p = permission != NULL ? permission : "";
    /* The MQTT plugin publishes through amq.topic and keeps each session's subscriptions in
     * queues "mqtt-subscription-<client id>qos<n>". */
    int ok = vhost != NULL && strcmp(vhost, "/") == 0 &&
             ((strcmp(r, "exchange") == 0 && strcmp(n, "amq.topic") == 0 &&
               (strcmp(p, "write") == 0 || strcmp(p, "read") == 0)) ||
              (strcmp(r, "queue") == 0 && strncmp(n, "mqtt-subscription-", 18) == 0) || strcmp(r, "topic") == 0);
    if (ok) {
        v->allow = 1;
        return;
    }
    char nn[80];
    id2m_printable(n, nn, sizeof nn);
    v_deny(v, AUTHD_R_RESOURCE, "device %s.%s: %s on %s '%s' refused", v->pk, v->dn, p, r, nn);
}

int authd_topic_of_key(const char *routing_key, char *out, size_t out_size)
{
    size_t n = routing_key != NULL ? strlen(routing_key) : 0;
    if (n == 0 || n >= out_size)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = routing_key[i];
        if (c == '/' || c == '+')
            return 0; /* cannot come from an MQTT topic */
        out[i] = c == '.' ? '/' : c == '*' ? '+' : c;
    }
    out[n] = '\0';
    return 1;
}

void authd_topic(const authd_config_t *cfg, const char *username, const char *vhost, const char *routing_key,
                 const char *permission, const char *client_id, authd_verdict_t *v)
{
    if (!device_check_needed(cfg, username, v))
        return;
    if (vhost == NULL || strcmp(vhost, "/") != 0) {
        v_deny(v, AUTHD_R_RESOURCE, "device %s.%s: vhost refused", v->pk, v->dn);
        return;
    }
    if (client_id != NULL && client_id[0] != '\0') {
        id2v_client_id_t cid;
        if (id2v_parse_client_id(client_id, &cid) != ID2V_OK || strcmp(cid.pk, v->pk) != 0 ||
            strcmp(cid.dn, v->dn) != 0) {
            v_deny(v, AUTHD_R_NAME, "client id does not name device %s.%s", v->pk, v->dn);
            return;
        }
    }
    char topic[512];
    int is_read = permission != NULL && strcmp(permission, "read") == 0;
    if (!is_read && (permission == NULL || strcmp(permission, "write") != 0)) {
        v_deny(v, AUTHD_R_TOPIC, "device %s.%s: unknown permission", v->pk, v->dn);
        return;
    }
    if (!authd_topic_of_key(routing_key, topic, sizeof topic) || !id2m_topic_allowed(v->pk, v->dn, topic, is_read)) {
        char t[96];
        id2m_printable(routing_key, t, sizeof t);
        v_deny(v, AUTHD_R_TOPIC, "%s routing key '%s' outside device %s.%s's topics",
               is_read ? "subscribe to" : "publish to", t, v->pk, v->dn);
        return;
    }
    v->allow = 1;
}
