/*
 * id2_mosq_core.h - decision logic of the mosquitto ID2 plugin (cloud-mqtt.md section 9), with no
 * mosquitto dependency: the glue (mosquitto_id2_auth.c) turns broker events into calls here and
 * the verdicts back into broker return codes.
 *
 * Every entry point takes the per-client state (id2m_state_t, one per broker connection, owned by
 * the caller), the client's strings as the broker hands them out (NUL-terminated, possibly NULL)
 * and fills an id2m_result_t: the verdict, a one-line reason for every refusal and, where the flow
 * sends something, the data to send (v5 step 2: the server random; v5 step 4: the server auth
 * code). Host-side code: it allocates (client id / user name copies) and id2m_state_clear frees.
 */
#ifndef ID2_MOSQ_CORE_H
#define ID2_MOSQ_CORE_H

#include <stddef.h>
#include <stdint.h>

#include "id2reg/id2_registry.h"
#include "id2v/id2v.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    ID2M_ALLOW = 0,      /* authenticated / access granted                                  */
    ID2M_DENY = 1,       /* refused (reason set): CONNACK 0x87 / access denied              */
    ID2M_DEFER = 2,      /* not an ID2 or secret device: mosquitto's password_file/acl_file */
    ID2M_CONTINUE = 3,   /* v5: send AUTH 0x18 with result.data                             */
    ID2M_BAD_METHOD = 4, /* v5: authentication method not "ID2" (CONNACK 0x8C)              */
} id2m_verdict_t;

/* Modes (cloud-mqtt.md 9.2 - 9.5); a bit set of the enabled ones. */
#define ID2M_MODE_V5     0x1u
#define ID2M_MODE_TS     0x2u
#define ID2M_MODE_PSK    0x4u
#define ID2M_MODE_SECRET 0x8u
#define ID2M_MODE_ALL    0xFu

/* Parse "v5,ts,psk,secret" (any subset, comma separated) into a mode set; 0 on bad input. */
unsigned id2m_parse_modes(const char *list);
const char *id2m_mode_name(unsigned mode);

typedef struct {
    id2_registry_t *reg;                           /* open registry (not owned)                                   */
    uint32_t window_s;                             /* ts mode: accepted |timestamp - now| in seconds (default 300) */
    unsigned modes;                                /* ID2M_MODE_* bit set                                          */
    int (*f_rng)(void *, unsigned char *, size_t); /* server random source; NULL: system  */
    void *p_rng;
} id2m_config_t;

#define ID2M_DEFAULT_WINDOW 300u

/* Per-connection state. Zero it with id2m_state_init, release with id2m_state_clear. */
typedef struct {
    unsigned mode;             /* mode of the pending / finished authentication, 0 = none   */
    int authenticated;         /* 1: this connection is the device pk/dn below             */
    int name_bad;              /* psk: the client id names another device: deny all        */
    char id2[ID2V_ID_LEN + 1]; /* empty for secret devices                                 */
    char pk[65];
    char dn[65];
    char server_random[ID2V_MAX_SERVER_RANDOM + 1]; /* v5: the challenge issued (one use)   */
    char *client_id;                                /* bound at authentication (NULL: not yet / none)           */
    char *username;                                 /* bound at authentication (NULL: none)                     */
} id2m_state_t;

void id2m_state_init(id2m_state_t *st);
void id2m_state_clear(id2m_state_t *st); /* frees the copies, wipes, re-initialises */

#define ID2M_REASON_LEN 200
typedef struct {
    id2m_verdict_t verdict;
    unsigned mode;                 /* mode the decision belongs to (0: none)            */
    char reason[ID2M_REASON_LEN];  /* one line for the log when verdict is DENY/BAD_METHOD */
    char data[ID2V_AUTH_CODE_MAX]; /* data to send (NUL-terminated text)                */
    size_t data_len;               /* 0: nothing to send                                */
} id2m_result_t;

/* MQTT 3.1.1 / 5 user name + password (modes ts, secret). DEFER when the user name is not
 * "<dn>&<pk>" of a registered device. */
id2m_verdict_t id2m_basic_auth(const id2m_config_t *cfg, id2m_state_t *st, const char *client_id, const char *username,
                               const char *password, size_t password_len, uint64_t now_ms, id2m_result_t *res);

/* MQTT 5 enhanced authentication, CONNECT (step 1 -> 2) and AUTH (step 3 -> 4). */
id2m_verdict_t id2m_ext_start(const id2m_config_t *cfg, id2m_state_t *st, const char *method, const char *client_id,
                              const char *username, const void *data, size_t data_len, id2m_result_t *res);
id2m_verdict_t id2m_ext_continue(const id2m_config_t *cfg, id2m_state_t *st, const char *client_id,
                                 const char *username, const void *data, size_t data_len, uint64_t now_ms,
                                 id2m_result_t *res);

/* TLS-PSK key for `identity` on a listener with hint `hint`: on ALLOW, key_hex receives the
 * 64 upper-case hex characters of the PSK and a NUL (key_hex_size >= 65). DEFER for identities
 * that are not an ID2 (left to mosquitto's psk_file). Keeps no state: the handshake may still
 * fail, and mosquitto 2.0 then frees the connection without a DISCONNECT event. The listener
 * must set use_identity_as_username; the connection is mapped to its device at its first
 * access check (id2m_acl), by its user name = the ID2. */
id2m_verdict_t id2m_psk_key(const id2m_config_t *cfg, const char *hint, const char *identity, char *key_hex,
                            size_t key_hex_size, id2m_result_t *res);

/* Access checks (same values as mosquitto's MOSQ_ACL_*). */
#define ID2M_ACL_READ        0x01
#define ID2M_ACL_WRITE       0x02
#define ID2M_ACL_SUBSCRIBE   0x04
#define ID2M_ACL_UNSUBSCRIBE 0x08

/* ACL for a connection: DEFER when it is not a device; ALLOW / DENY otherwise. A connection that
 * no flow authenticated but whose user name is a registered ID2 (psk with
 * use_identity_as_username) is bound here to that device, once, after checking that it is not
 * revoked and that its client id names it. For SUBSCRIBE / UNSUBSCRIBE `topic` is the filter
 * (wildcards allowed only after the prefix). */
id2m_verdict_t id2m_acl(const id2m_config_t *cfg, id2m_state_t *st, const char *client_id, const char *username,
                        const char *topic, int access, id2m_result_t *res);

/* The topic rule alone: 1 when the device pk/dn may use `topic` (is_filter: a subscription
 * filter), else 0. Allowed: "/<pk>/<dn>/...", "/sys/<pk>/<dn>/..." and exactly
 * "/ota/device/inform/<pk>/<dn>". */
int id2m_topic_allowed(const char *pk, const char *dn, const char *topic, int is_filter);

/* Copy `in` for a log line: at most out_size-1 characters, anything not printable ASCII as '?',
 * "(null)" for NULL, "..." at the end when cut. */
void id2m_printable(const char *in, char *out, size_t out_size);

#ifdef __cplusplus
}
#endif

#endif /* ID2_MOSQ_CORE_H */
