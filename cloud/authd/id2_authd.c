/*
 * id2_authd.c - id2-authd: RabbitMQ's HTTP auth backend for ID2 devices (docs/SCALE.md).
 *
 *   POST /auth/user /auth/vhost /auth/resource /auth/topic   -> "allow" | "deny"
 *   GET  /health                                             -> "ok" (registry reachable)
 *   GET  /metrics                                            -> Prometheus text
 *   GET  /console, POST /console/login, GET /api/fleet       -> the device console
 *
 * Decisions in authd_core.c (the verifier, registry and topic rules of the mosquitto plugin).
 * Instances share nothing but the registry (PostgreSQL for several), so any number of them
 * run behind one address: they bind with SO_REUSEPORT and the kernel spreads connections.
 * SIGTERM / SIGINT: stop accepting, finish the requests in progress, exit 0.
 */
#define _GNU_SOURCE

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include <mbedtls/md.h>
#include <mbedtls/platform_util.h>

#include "authd_core.h"
#include "authd_watch.h"
#include "console_html.h"

#define MAX_BODY  8192
#define MAX_POOL  64
#define SESSION_S 3600
#define NBUCKETS  11

static const char help[] =
    "Usage: id2-authd --listen ADDR:PORT --registry URL [options]\n"
    "       id2-authd passwd NAME   (reads a password on stdin, prints an operator-file line)\n"
    "RabbitMQ's HTTP auth backend for ID2 devices (POST /auth/user, /auth/vhost, /auth/resource,\n"
    "/auth/topic), with /health, /metrics and the device console (/console).\n"
    "  --listen ADDR:PORT       address to serve (several instances may share it: SO_REUSEPORT)\n"
    "  --registry URL           SQLite file or postgresql://... (default: $ID2_REGISTRY)\n"
    "  --master-key FILE        registry master key (default: $ID2_MASTER_KEY)\n"
    "  --operators FILE         operator accounts (id2-authd passwd lines, mode 0600): the\n"
    "                           console's log-in and MQTT operators (allowed every topic)\n"
    "  --window S               timestamp window of auth codes in seconds (default 300)\n"
    "  --modes LIST             accepted modes among ts,secret (default ts,secret)\n"
    "  --threads N              worker threads = registry connections (default 4)\n"
    "  --watch HOST:PORT        MQTT broker whose /+/+/data messages the console shows\n"
    "  --watch-user NAME        operator name for --watch (password: --watch-password-file)\n"
    "  --watch-password-file F  file holding that operator's password\n"
    "  --online-window S        a device is shown online when it authenticated or published\n"
    "                           within S seconds (default 90)\n"
    "  -v                       log every decision, not only refusals\n"
    "Exit status: 0 after SIGTERM/SIGINT, 2 usage, 3 start-up failure.\n";

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    id2_registry_t *reg[MAX_POOL];
    int busy[MAX_POOL];
    int n;
} pool_t;

typedef struct {
    pthread_mutex_t mu;
    uint64_t requests[5]; /* user, vhost, resource, topic, other */
    uint64_t allowed[4], denied[4];
    uint64_t refusals[AUTHD_R_COUNT];
    uint64_t lat_bucket[NBUCKETS + 1]; /* /auth/user latency, ms upper bounds below, +Inf */
    double lat_sum_ms;
    uint64_t lat_count;
} metrics_t;

static const double bucket_ms[NBUCKETS] = {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000};

typedef struct {
    authd_config_t cfg;
    authd_operators_t *ops;
    pool_t pool;
    metrics_t m;
    uint8_t session_key[32];
    uint32_t online_window;
    int verbose;
    authd_watch_t *watch;
    time_t started;
} authd_t;

typedef struct {
    char *body;
    size_t len;
    int too_big;
} req_t;

static void logline(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logline(const char *fmt, ...)
{
    char ts[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s id2-authd[%d]: %s\n", ts, (int)getpid(), buf);
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static double mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* ---- registry pool ------------------------------------------------------------------------ */

static int pool_take(pool_t *p)
{
    pthread_mutex_lock(&p->mu);
    for (;;) {
        for (int i = 0; i < p->n; i++) {
            if (!p->busy[i]) {
                p->busy[i] = 1;
                pthread_mutex_unlock(&p->mu);
                return i;
            }
        }
        pthread_cond_wait(&p->cv, &p->mu);
    }
}

static void pool_give(pool_t *p, int i)
{
    pthread_mutex_lock(&p->mu);
    p->busy[i] = 0;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

/* ---- parameters --------------------------------------------------------------------------- */

/* A parameter from the POST body or, for GET, the query string. */
typedef struct {
    struct MHD_Connection *c;
    const char *body; /* NULL: GET */
} params_t;

static const char *param(const params_t *ps, const char *key, char *out, size_t out_size)
{
    if (ps->body != NULL)
        return authd_form_get(ps->body, key, out, out_size);
    const char *v = MHD_lookup_connection_value(ps->c, MHD_GET_ARGUMENT_KIND, key);
    if (v == NULL || strlen(v) >= out_size)
        return NULL;
    memcpy(out, v, strlen(v) + 1);
    return out;
}

/* ---- responses ---------------------------------------------------------------------------- */

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type, const char *body, size_t len,
                             const char *cookie)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (r == NULL)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    if (cookie != NULL)
        MHD_add_response_header(r, "Set-Cookie", cookie);
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result reply_text(struct MHD_Connection *c, unsigned status, const char *text)
{
    return reply(c, status, "text/plain; charset=utf-8", text, strlen(text), NULL);
}

/* ---- /auth/... ------------------------------------------------------------------------------ */

enum { K_USER = 0, K_VHOST, K_RESOURCE, K_TOPIC, K_OTHER };

static void count(authd_t *a, int kind, const authd_verdict_t *v, double ms)
{
    pthread_mutex_lock(&a->m.mu);
    a->m.requests[kind]++;
    if (kind < 4) {
        if (v->allow) {
            a->m.allowed[kind]++;
        } else {
            a->m.denied[kind]++;
            a->m.refusals[v->why]++;
        }
    }
    if (kind == K_USER) {
        int b = 0;
        while (b < NBUCKETS && ms > bucket_ms[b])
            b++;
        a->m.lat_bucket[b]++;
        a->m.lat_sum_ms += ms;
        a->m.lat_count++;
    }
    pthread_mutex_unlock(&a->m.mu);
}

static enum MHD_Result handle_auth(authd_t *a, struct MHD_Connection *c, const char *what, const params_t *ps)
{
    char user[200], pass[300], vhost[100], cid[512], res[32], name[300], perm[32], rk[512];
    const char *u = param(ps, "username", user, sizeof user), *vh = param(ps, "vhost", vhost, sizeof vhost);
    authd_verdict_t v;
    memset(&v, 0, sizeof v);
    char up[96]; /* the user name as logged: printable, cut */
    id2m_printable(u, up, sizeof up);
    double t0 = mono_ms();
    int kind;
    if (strcmp(what, "user") == 0) {
        kind = K_USER;
        const char *p = param(ps, "password", pass, sizeof pass);
        const char *ci = param(ps, "client_id", cid, sizeof cid);
        int slot = pool_take(&a->pool);
        authd_config_t cfg = a->cfg;
        cfg.core.reg = a->pool.reg[slot];
        authd_user(&cfg, u, p, ci, now_ms(), &v);
        if (v.device) {
            char err[ID2REG_ERR_LEN];
            /* Unknown devices are not recorded (anyone can send any name). */
            if (v.allow || v.why != AUTHD_R_UNKNOWN)
                id2_registry_note_auth(cfg.core.reg, v.pk, v.dn, v.allow, v.reason, (int64_t)time(NULL), err,
                                       sizeof err);
        }
        pool_give(&a->pool, slot);
        mbedtls_platform_zeroize(pass, sizeof pass);
        char cp[96];
        id2m_printable(ci, cp, sizeof cp);
        if (!v.allow)
            logline("refused user %s client %s: %s [%s]", up, cp, v.reason, authd_reason_name(v.why));
        else if (a->verbose)
            logline("allowed user %s client %s", up, cp);
    } else if (strcmp(what, "vhost") == 0) {
        kind = K_VHOST;
        authd_vhost(&a->cfg, u, vh, &v);
    } else if (strcmp(what, "resource") == 0) {
        kind = K_RESOURCE;
        authd_resource(&a->cfg, u, vh, param(ps, "resource", res, sizeof res), param(ps, "name", name, sizeof name),
                       param(ps, "permission", perm, sizeof perm), &v);
    } else if (strcmp(what, "topic") == 0) {
        kind = K_TOPIC;
        authd_topic(&a->cfg, u, vh, param(ps, "routing_key", rk, sizeof rk), param(ps, "permission", perm, sizeof perm),
                    param(ps, "variable_map.client_id", cid, sizeof cid), &v);
    } else {
        count(a, K_OTHER, &v, 0);
        return reply_text(c, MHD_HTTP_NOT_FOUND, "not found\n");
    }
    if (kind != K_USER && (!v.allow || a->verbose)) {
        if (!v.allow)
            logline("refused %s for %s: %s [%s]", what, up, v.reason, authd_reason_name(v.why));
        else
            logline("allowed %s for %s", what, up);
    }
    count(a, kind, &v, mono_ms() - t0);
    return reply_text(c, MHD_HTTP_OK, v.allow ? "allow" : "deny");
}

/* ---- /metrics, /health -------------------------------------------------------------------- */

typedef struct {
    char *buf;
    size_t len, cap;
} sb_t;

static void sb_add(sb_t *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_add(sb_t *s, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(s->buf ? s->buf + s->len : NULL, s->buf ? s->cap - s->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0)
            return;
        if (s->buf != NULL && s->len + (size_t)n < s->cap) {
            s->len += (size_t)n;
            return;
        }
        size_t cap = (s->cap + (size_t)n + 1) * 2;
        char *nb = realloc(s->buf, cap);
        if (nb == NULL)
            return;
        s->buf = nb;
        s->cap = cap;
    }
}

/* A JSON string literal of s (printable ASCII kept, the rest \u-escaped). */
static void sb_json(sb_t *s, const char *str)
{
    sb_add(s, "\"");
    for (const unsigned char *p = (const unsigned char *)(str ? str : ""); *p; p++) {
        if (*p == '"' || *p == '\\')
            sb_add(s, "\\%c", *p);
        else if (*p < 0x20 || *p >= 0x7f || *p == '<' || *p == '>' || *p == '&')
            sb_add(s, "\\u%04x", *p);
        else
            sb_add(s, "%c", *p);
    }
    sb_add(s, "\"");
}

static enum MHD_Result handle_metrics(authd_t *a, struct MHD_Connection *c)
{
    static const char *const kinds[4] = {"user", "vhost", "resource", "topic"};
    sb_t s = {0};
    metrics_t m;
    pthread_mutex_lock(&a->m.mu);
    memcpy(&m, &a->m, sizeof m);
    pthread_mutex_unlock(&a->m.mu);
    sb_add(&s, "# HELP id2_authd_decisions_total Decisions by endpoint and result.\n"
               "# TYPE id2_authd_decisions_total counter\n");
    for (int k = 0; k < 4; k++) {
        sb_add(&s, "id2_authd_decisions_total{endpoint=\"%s\",result=\"allow\"} %" PRIu64 "\n", kinds[k], m.allowed[k]);
        sb_add(&s, "id2_authd_decisions_total{endpoint=\"%s\",result=\"deny\"} %" PRIu64 "\n", kinds[k], m.denied[k]);
    }
    sb_add(&s,
           "# HELP id2_authd_authentications_total Successful device and operator log-ins.\n"
           "# TYPE id2_authd_authentications_total counter\nid2_authd_authentications_total %" PRIu64 "\n",
           m.allowed[K_USER]);
    sb_add(&s, "# HELP id2_authd_refusals_total Refusals by reason.\n# TYPE id2_authd_refusals_total counter\n");
    for (int r = 0; r < AUTHD_R_COUNT; r++)
        sb_add(&s, "id2_authd_refusals_total{reason=\"%s\"} %" PRIu64 "\n", authd_reason_name((authd_reason_t)r),
               m.refusals[r]);
    sb_add(&s, "# HELP id2_authd_user_latency_ms Time to decide a log-in (/auth/user).\n"
               "# TYPE id2_authd_user_latency_ms histogram\n");
    uint64_t cum = 0;
    for (int b = 0; b < NBUCKETS; b++) {
        cum += m.lat_bucket[b];
        sb_add(&s, "id2_authd_user_latency_ms_bucket{le=\"%g\"} %" PRIu64 "\n", bucket_ms[b], cum);
    }
    cum += m.lat_bucket[NBUCKETS];
    sb_add(&s, "id2_authd_user_latency_ms_bucket{le=\"+Inf\"} %" PRIu64 "\n", cum);
    sb_add(&s, "id2_authd_user_latency_ms_sum %.3f\nid2_authd_user_latency_ms_count %" PRIu64 "\n", m.lat_sum_ms,
           m.lat_count);
    sb_add(&s, "# TYPE id2_authd_http_other_total counter\nid2_authd_http_other_total %" PRIu64 "\n",
           m.requests[K_OTHER]);
    sb_add(&s, "# TYPE id2_authd_uptime_seconds gauge\nid2_authd_uptime_seconds %ld\n",
           (long)(time(NULL) - a->started));
    enum MHD_Result r = reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4", s.buf ? s.buf : "", s.len, NULL);
    free(s.buf);
    return r;
}

static int health_cb(void *ctx, const id2_auth_status_t *st)
{
    (void)ctx;
    (void)st;
    return 1;
}

static enum MHD_Result handle_health(authd_t *a, struct MHD_Connection *c)
{
    char err[ID2REG_ERR_LEN] = "";
    int slot = pool_take(&a->pool);
    int rc = id2_registry_status_each(a->pool.reg[slot], health_cb, NULL, err, sizeof err);
    pool_give(&a->pool, slot);
    if (rc != ID2V_OK) {
        logline("health: %s", err);
        return reply_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "registry unavailable\n");
    }
    return reply_text(c, MHD_HTTP_OK, "ok\n");
}

/* ---- console ------------------------------------------------------------------------------ */

static void hmac_hex(const authd_t *a, const char *msg, char out[65])
{
    uint8_t mac[32];
    static const char hx[] = "0123456789abcdef";
    mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), a->session_key, sizeof a->session_key,
                    (const unsigned char *)msg, strlen(msg), mac);
    for (int i = 0; i < 32; i++) {
        out[2 * i] = hx[mac[i] >> 4];
        out[2 * i + 1] = hx[mac[i] & 15];
    }
    out[64] = '\0';
}

/* Session cookie "<user>.<expiry>.<hmac>": stateless, so any instance accepts it. */
static int session_ok(const authd_t *a, struct MHD_Connection *c)
{
    const char *v = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, "id2sid");
    if (v == NULL || strlen(v) > 200)
        return 0;
    char tmp[201];
    snprintf(tmp, sizeof tmp, "%s", v);
    char *dot2 = strrchr(tmp, '.');
    if (dot2 == NULL)
        return 0;
    *dot2 = '\0';
    char *dot1 = strrchr(tmp, '.');
    if (dot1 == NULL)
        return 0;
    char mac[65];
    hmac_hex(a, tmp, mac);
    unsigned diff = strlen(dot2 + 1) != 64;
    for (int i = 0; i < 64 && !diff; i++)
        diff |= (unsigned)(mac[i] ^ dot2[1 + i]);
    if (diff)
        return 0;
    long long exp = strtoll(dot1 + 1, NULL, 10);
    *dot1 = '\0';
    return exp > (long long)time(NULL) && authd_operator_known(a->ops, tmp);
}

static enum MHD_Result handle_login(authd_t *a, struct MHD_Connection *c, const char *body)
{
    char user[100], pass[300];
    const char *u = authd_form_get(body ? body : "", "user", user, sizeof user);
    const char *p = authd_form_get(body ? body : "", "password", pass, sizeof pass);
    int ok = u != NULL && p != NULL && authd_operator_check(a->ops, u, p);
    mbedtls_platform_zeroize(pass, sizeof pass);
    if (!ok) {
        char up[96];
        id2m_printable(u, up, sizeof up);
        logline("refused console log-in for %s: wrong user or password", up);
        return reply_text(c, MHD_HTTP_UNAUTHORIZED, "wrong user or password\n");
    }
    char msg[160], mac[65], cookie[400];
    snprintf(msg, sizeof msg, "%s.%lld", u, (long long)time(NULL) + SESSION_S);
    hmac_hex(a, msg, mac);
    snprintf(cookie, sizeof cookie, "id2sid=%s.%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d", msg, mac, SESSION_S);
    logline("console log-in: %s", u); /* an operator name: [A-Za-z0-9_-] */
    return reply(c, MHD_HTTP_OK, "text/plain", "ok\n", 3, cookie);
}

typedef struct {
    sb_t *s;
    int first;
    id2_registry_t *reg;
    authd_t *a;
    /* status rows, sorted by pk/dn (looked up by binary search) */
    id2_auth_status_t *st;
    size_t nst, capst;
} fleet_ctx_t;

static int status_collect(void *ctx, const id2_auth_status_t *st)
{
    fleet_ctx_t *f = ctx;
    if (f->nst == f->capst) {
        size_t cap = f->capst ? f->capst * 2 : 256;
        id2_auth_status_t *n = realloc(f->st, cap * sizeof *n);
        if (n == NULL)
            return 1;
        f->st = n;
        f->capst = cap;
    }
    f->st[f->nst++] = *st;
    return 0;
}

static int status_cmp(const void *x, const void *y)
{
    const id2_auth_status_t *a = x, *b = y;
    int r = strcmp(a->pk, b->pk);
    return r != 0 ? r : strcmp(a->dn, b->dn);
}

static int device_json(void *ctx, const id2_device_t *d)
{
    fleet_ctx_t *f = ctx;
    sb_t *s = f->s;
    id2_auth_status_t key;
    memset(&key, 0, sizeof key);
    snprintf(key.pk, sizeof key.pk, "%s", d->pk);
    snprintf(key.dn, sizeof key.dn, "%s", d->dn);
    const id2_auth_status_t *st = f->nst ? bsearch(&key, f->st, f->nst, sizeof *f->st, status_cmp) : NULL;
    int64_t last_msg = authd_watch_last(f->a->watch, d->pk, d->dn);
    int64_t last_ok = st ? st->last_ok : 0, now = (int64_t)time(NULL);
    int64_t seen = last_msg > last_ok ? last_msg : last_ok;
    int online = !d->revoked && seen > 0 && now - seen <= (int64_t)f->a->online_window;
    sb_add(s, "%s{\"pk\":", f->first ? "" : ",");
    sb_json(s, d->pk);
    sb_add(s, ",\"dn\":");
    sb_json(s, d->dn);
    sb_add(s, ",\"id2\":");
    sb_json(s, d->id2);
    sb_add(s, ",\"type\":\"%s\",\"revoked\":%d,\"last_ok\":%lld,\"last_fail\":%lld,\"fail_reason\":",
           d->type == ID2V_KEY_AES   ? "aes"
           : d->type == ID2V_KEY_RSA ? "rsa"
                                     : "secret",
           d->revoked, (long long)last_ok, (long long)(st ? st->last_fail : 0));
    sb_json(s, st ? st->fail_reason : "");
    sb_add(s, ",\"ok_count\":%lld,\"fail_count\":%lld,\"last_msg\":%lld,\"online\":%s}",
           (long long)(st ? st->ok_count : 0), (long long)(st ? st->fail_count : 0), (long long)last_msg,
           online ? "true" : "false");
    f->first = 0;
    return 0;
}

static enum MHD_Result handle_fleet(authd_t *a, struct MHD_Connection *c)
{
    if (!session_ok(a, c))
        return reply(c, MHD_HTTP_UNAUTHORIZED, "application/json", "{\"error\":\"log in\"}", 18, NULL);
    sb_t s = {0};
    fleet_ctx_t f = {&s, 1, NULL, a, NULL, 0, 0};
    char err[ID2REG_ERR_LEN] = "";
    sb_add(&s, "{\"now\":%lld,\"instance\":%d,\"watching\":%s,\"online_window\":%u,\"devices\":[",
           (long long)time(NULL), (int)getpid(), authd_watch_connected(a->watch) ? "true" : "false", a->online_window);
    int slot = pool_take(&a->pool);
    f.reg = a->pool.reg[slot];
    int rc = id2_registry_status_each(f.reg, status_collect, &f, err, sizeof err);
    if (rc == ID2V_OK) {
        qsort(f.st, f.nst, sizeof *f.st, status_cmp);
        rc = id2_registry_list(f.reg, device_json, &f, err, sizeof err);
    }
    pool_give(&a->pool, slot);
    free(f.st);
    if (rc != ID2V_OK) {
        free(s.buf);
        logline("console: %s", err);
        return reply_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "registry unavailable\n");
    }
    sb_add(&s, "],\"messages\":[");
    authd_msg_t msgs[AUTHD_WATCH_KEEP];
    size_t n = authd_watch_recent(a->watch, msgs, AUTHD_WATCH_KEEP);
    for (size_t i = 0; i < n; i++) {
        sb_add(&s, "%s{\"time_ms\":%lld,\"topic\":", i ? "," : "", (long long)msgs[i].time_ms);
        sb_json(&s, msgs[i].topic);
        sb_add(&s, ",\"payload\":");
        sb_json(&s, msgs[i].payload);
        sb_add(&s, "}");
    }
    sb_add(&s, "]}");
    enum MHD_Result r = reply(c, MHD_HTTP_OK, "application/json", s.buf ? s.buf : "", s.len, NULL);
    free(s.buf);
    return r;
}

/* ---- dispatch ----------------------------------------------------------------------------- */

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    authd_t *a = cls;
    (void)version;
    int post = strcmp(method, "POST") == 0;
    if (post) {
        req_t *rq = *con_cls;
        if (rq == NULL) {
            rq = calloc(1, sizeof *rq);
            if (rq == NULL)
                return MHD_NO;
            *con_cls = rq;
            return MHD_YES;
        }
        if (*upload_size > 0) {
            if (rq->too_big || rq->len + *upload_size > MAX_BODY) {
                rq->too_big = 1;
            } else {
                char *nb = realloc(rq->body, rq->len + *upload_size + 1);
                if (nb == NULL)
                    return MHD_NO;
                rq->body = nb;
                memcpy(rq->body + rq->len, upload, *upload_size);
                rq->len += *upload_size;
                rq->body[rq->len] = '\0';
            }
            *upload_size = 0;
            return MHD_YES;
        }
        if (rq->too_big)
            return reply_text(c, MHD_HTTP_CONTENT_TOO_LARGE, "request too large\n");
        params_t ps = {c, rq->body ? rq->body : ""};
        if (strncmp(url, "/auth/", 6) == 0)
            return handle_auth(a, c, url + 6, &ps);
        if (strcmp(url, "/console/login") == 0)
            return handle_login(a, c, rq->body);
        if (strcmp(url, "/console/logout") == 0)
            return reply(c, MHD_HTTP_OK, "text/plain", "ok\n", 3, "id2sid=; Path=/; Max-Age=0");
        return reply_text(c, MHD_HTTP_NOT_FOUND, "not found\n");
    }
    if (strcmp(method, "GET") != 0)
        return reply_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n");
    params_t ps = {c, NULL};
    if (strncmp(url, "/auth/", 6) == 0)
        return handle_auth(a, c, url + 6, &ps);
    if (strcmp(url, "/health") == 0)
        return handle_health(a, c);
    if (strcmp(url, "/metrics") == 0)
        return handle_metrics(a, c);
    if (strcmp(url, "/api/fleet") == 0)
        return handle_fleet(a, c);
    if (strcmp(url, "/console") == 0 || strcmp(url, "/console/") == 0 || strcmp(url, "/") == 0)
        return reply(c, MHD_HTTP_OK, "text/html; charset=utf-8", console_html, strlen(console_html), NULL);
    return reply_text(c, MHD_HTTP_NOT_FOUND, "not found\n");
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    req_t *rq = *con_cls;
    if (rq != NULL) {
        if (rq->body != NULL)
            mbedtls_platform_zeroize(rq->body, rq->len);
        free(rq->body);
        free(rq);
        *con_cls = NULL;
    }
}

/* ---- main --------------------------------------------------------------------------------- */

static int usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage(const char *fmt, ...)
{
    va_list ap;
    fputs("id2-authd: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs(" (try --help)\n", stderr);
    return 2;
}

static int parse_hostport(const char *s, char *host, size_t host_size, uint16_t *port)
{
    const char *colon = strrchr(s, ':');
    if (colon == NULL || (size_t)(colon - s) >= host_size || colon == s)
        return 0;
    char *end;
    unsigned long p = strtoul(colon + 1, &end, 10);
    if (*end != '\0' || p == 0 || p > 65535)
        return 0;
    memcpy(host, s, (size_t)(colon - s));
    host[colon - s] = '\0';
    *port = (uint16_t)p;
    return 1;
}

static int read_small(const char *path, char *out, size_t out_size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, out, out_size - 1);
    close(fd);
    if (n <= 0)
        return 0;
    out[n] = '\0';
    out[strcspn(out, "\r\n")] = '\0';
    return 1;
}

static int cmd_passwd(int argc, char **argv)
{
    if (argc != 3)
        return usage("passwd NAME: give one operator name");
    char pw[300], line[400];
    if (fgets(pw, sizeof pw, stdin) == NULL)
        return usage("passwd: no password on stdin");
    pw[strcspn(pw, "\r\n")] = '\0';
    int rc = authd_operator_line(argv[2], pw, line, sizeof line);
    mbedtls_platform_zeroize(pw, sizeof pw);
    if (rc != 0)
        return usage("passwd: name must be 1..64 of [A-Za-z0-9_-] and the password non-empty");
    printf("%s\n", line);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "passwd") == 0)
        return cmd_passwd(argc, argv);
    const char *listen = NULL, *registry = getenv("ID2_REGISTRY"), *master = getenv("ID2_MASTER_KEY");
    const char *operators = NULL, *watch = NULL, *watch_user = NULL, *watch_pw_file = NULL;
    unsigned long window = ID2M_DEFAULT_WINDOW, threads = 4, online = 90;
    unsigned modes = ID2M_MODE_TS | ID2M_MODE_SECRET;
    int verbose = 0;
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        char *end = NULL;
        if (strcmp(o, "--help") == 0 || strcmp(o, "-h") == 0) {
            fputs(help, stdout);
            return 0;
        } else if (strcmp(o, "-v") == 0) {
            verbose = 1;
            continue;
        }
        if (v == NULL)
            return usage(o[0] == '-' ? "%s needs a value" : "unexpected argument '%s'", o);
        if (strcmp(o, "--listen") == 0)
            listen = v;
        else if (strcmp(o, "--registry") == 0)
            registry = v;
        else if (strcmp(o, "--master-key") == 0)
            master = v;
        else if (strcmp(o, "--operators") == 0)
            operators = v;
        else if (strcmp(o, "--watch") == 0)
            watch = v;
        else if (strcmp(o, "--watch-user") == 0)
            watch_user = v;
        else if (strcmp(o, "--watch-password-file") == 0)
            watch_pw_file = v;
        else if (strcmp(o, "--window") == 0 && ((window = strtoul(v, &end, 10)), *end == '\0') && window > 0 &&
                 window <= 86400)
            ;
        else if (strcmp(o, "--threads") == 0 && ((threads = strtoul(v, &end, 10)), *end == '\0') && threads > 0 &&
                 threads <= MAX_POOL)
            ;
        else if (strcmp(o, "--online-window") == 0 && ((online = strtoul(v, &end, 10)), *end == '\0') && online > 0)
            ;
        else if (strcmp(o, "--modes") == 0 && (modes = id2m_parse_modes(v)) != 0 &&
                 (modes & ~(unsigned)(ID2M_MODE_TS | ID2M_MODE_SECRET)) == 0)
            ;
        else
            return usage("bad option or value: %s %s", o, v);
        i++;
    }
    char host[128];
    uint16_t port = 0;
    if (listen == NULL || !parse_hostport(listen, host, sizeof host, &port))
        return usage("--listen ADDR:PORT is required");
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    if (inet_pton(AF_INET, host, &sin.sin_addr) != 1)
        return usage("--listen: '%s' is not an IPv4 address", host);
    if (registry == NULL || registry[0] == '\0')
        return usage("--registry (or ID2_REGISTRY) is required");
    if (master == NULL || master[0] == '\0')
        return usage("--master-key (or ID2_MASTER_KEY) is required");
    if (watch != NULL && (watch_user == NULL || watch_pw_file == NULL))
        return usage("--watch needs --watch-user and --watch-password-file");

    static authd_t a;
    char err[ID2REG_ERR_LEN];
    a.started = time(NULL);
    a.verbose = verbose;
    a.online_window = (uint32_t)online;
    pthread_mutex_init(&a.m.mu, NULL);
    pthread_mutex_init(&a.pool.mu, NULL);
    pthread_cond_init(&a.pool.cv, NULL);
    if (operators != NULL && (a.ops = authd_operators_load(operators, err, sizeof err)) == NULL) {
        fprintf(stderr, "id2-authd: %s\n", err);
        return 3;
    }
    /* Console sessions are signed with a key derived from the master key: every instance of
     * the same registry accepts every other's session. */
    char mk[130];
    if (!read_small(master, mk, sizeof mk)) {
        fprintf(stderr, "id2-authd: master key %s: cannot read\n", master);
        return 3;
    }
    mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), (const unsigned char *)mk, strlen(mk),
                    (const unsigned char *)"id2-authd console session", 25, a.session_key);
    mbedtls_platform_zeroize(mk, sizeof mk);
    for (unsigned long i = 0; i < threads; i++) {
        if (id2_registry_open(registry, master, 0, &a.pool.reg[i], err, sizeof err) != ID2V_OK) {
            fprintf(stderr, "id2-authd: %s\n", err);
            return 3;
        }
        a.pool.n++;
    }
    a.cfg.core.reg = NULL;
    a.cfg.core.window_s = (uint32_t)window;
    a.cfg.core.modes = modes;
    a.cfg.ops = a.ops;
    if (watch != NULL) {
        char wh[128], pw[300];
        uint16_t wp;
        if (!parse_hostport(watch, wh, sizeof wh, &wp))
            return usage("--watch HOST:PORT");
        if (!read_small(watch_pw_file, pw, sizeof pw)) {
            fprintf(stderr, "id2-authd: %s: cannot read the password\n", watch_pw_file);
            return 3;
        }
        a.watch = authd_watch_start(wh, wp, watch_user, pw);
        mbedtls_platform_zeroize(pw, sizeof pw);
    }

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* MHD's threads inherit the mask */
    signal(SIGPIPE, SIG_IGN);
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG, port, NULL, NULL, on_request, &a,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sin, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads,
        MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1, MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30, MHD_OPTION_CONNECTION_LIMIT, (unsigned)1000, MHD_OPTION_END);
    if (d == NULL) {
        fprintf(stderr, "id2-authd: cannot listen on %s:%u: %s\n", host, port, strerror(errno));
        return 3;
    }
    logline("serving %s:%u (registry %s, %lu threads, modes %s%s, window %lus)", host, port,
            id2_registry_backend(a.pool.reg[0]), threads, modes & ID2M_MODE_TS ? "ts" : "",
            modes & ID2M_MODE_SECRET ? ",secret" : "", window);
    int sig = 0;
    sigwait(&set, &sig);
    logline("signal %d: finishing the requests in progress", sig);
    MHD_quiesce_daemon(d); /* no new connections: the other instances take them */
    MHD_stop_daemon(d);
    authd_watch_stop(a.watch);
    for (int i = 0; i < a.pool.n; i++)
        id2_registry_close(a.pool.reg[i]);
    authd_operators_free(a.ops);
    mbedtls_platform_zeroize(a.session_key, sizeof a.session_key);
    logline("stopped");
    return 0;
}
