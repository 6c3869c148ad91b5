/*
 * authd_core.h - the decisions of id2-authd (RabbitMQ's HTTP auth backend contract), with no
 * HTTP in them: user (log-in), vhost, resource and topic checks over the same verifier, registry
 * and per-device topic rules as the mosquitto plugin (id2_mosquitto_core). Operators (the
 * console, the fleet's subscriber) come from an operator file of PBKDF2-SHA256 hashes.
 * Host-side code: allocates, frees everything in authd_operators_free.
 */
#ifndef AUTHD_CORE_H
#define AUTHD_CORE_H

#include <stddef.h>
#include <stdint.h>

#include "id2mosq/id2_mosq_core.h"
#include "id2reg/id2_registry.h"

/* ---- operators ---------------------------------------------------------------------------- */

typedef struct authd_operators authd_operators_t;

/* Load "name:salt-hex:iterations:hash-hex" lines (# comments); the file must be 0600 or
 * stricter. NULL with err on failure. */
authd_operators_t *authd_operators_load(const char *path, char *err, size_t err_size);
void authd_operators_free(authd_operators_t *ops);
/* 1 when `name` is an operator (password not checked). */
int authd_operator_known(const authd_operators_t *ops, const char *name);
/* 1 when name/password match (constant-time comparison of the derived hash). */
int authd_operator_check(const authd_operators_t *ops, const char *name, const char *password);
/* One line "name:salt:iterations:hash" (no newline) for `password`; 0 on success. */
int authd_operator_line(const char *name, const char *password, char *out, size_t out_size);

/* ---- form bodies (application/x-www-form-urlencoded, what RabbitMQ POSTs) ----------------- */

/* The value of `key` decoded ('+' -> ' ', %XX) into out; NULL when absent, longer than
 * out_size - 1, or holding a malformed escape or %00. */
const char *authd_form_get(const char *body, const char *key, char *out, size_t out_size);

/* ---- decisions ---------------------------------------------------------------------------- */

/* Refusal reasons counted by /metrics. */
typedef enum {
    AUTHD_R_SIGNATURE = 0, /* auth code or password does not verify */
    AUTHD_R_REPLAY,        /* auth code seen before */
    AUTHD_R_STALE,         /* timestamp outside the window, or differing from the client id's */
    AUTHD_R_UNKNOWN,       /* no such device / operator */
    AUTHD_R_REVOKED,
    AUTHD_R_NAME,     /* client id / user name names another device, or malformed names */
    AUTHD_R_TOPIC,    /* topic outside the device's topics */
    AUTHD_R_RESOURCE, /* vhost / exchange / queue a device may not use */
    AUTHD_R_STORAGE,  /* registry failure */
    AUTHD_R_OTHER,
    AUTHD_R_COUNT
} authd_reason_t;
const char *authd_reason_name(authd_reason_t r);

typedef struct {
    int allow;       /* 1 allow, 0 deny                              */
    int is_operator; /* the user is an operator                      */
    int device;      /* the user is a device: pk/dn below            */
    char pk[65];
    char dn[65];
    authd_reason_t why; /* when denied                                  */
    char reason[ID2M_REASON_LEN];
} authd_verdict_t;

typedef struct {
    id2m_config_t core;           /* registry, window, modes (ts, secret) */
    const authd_operators_t *ops; /* may be NULL: no operators           */
} authd_config_t;

/* POST /auth/user: username, password, client_id (may be NULL), now in ms. */
void authd_user(const authd_config_t *cfg, const char *username, const char *password, const char *client_id,
                uint64_t now_ms, authd_verdict_t *v);
/* POST /auth/vhost. */
void authd_vhost(const authd_config_t *cfg, const char *username, const char *vhost, authd_verdict_t *v);
/* POST /auth/resource: resource "exchange" | "queue" | "topic", name, permission
 * "configure" | "write" | "read". */
void authd_resource(const authd_config_t *cfg, const char *username, const char *vhost, const char *resource,
                    const char *name, const char *permission, authd_verdict_t *v);
/* POST /auth/topic: the AMQP routing key of the MQTT topic ('/' -> '.', '+' -> '*'), the
 * permission ("write": publish, "read": subscribe), and the MQTT client id when given. */
void authd_topic(const authd_config_t *cfg, const char *username, const char *vhost, const char *routing_key,
                 const char *permission, const char *client_id, authd_verdict_t *v);

/* The MQTT topic (or filter) of a routing key: '.' -> '/', '*' -> '+'; 0 when it does not fit. */
int authd_topic_of_key(const char *routing_key, char *out, size_t out_size);

#endif
