/*
 * fleetload.c - fleet-load: the load generator of `make fleet` (docs/SCALE.md).
 *
 * N simulated chips in this process (sim/ through pal/sim, no daemon), each given its identity
 * by the real flow: a device issued in the registry (id2_registry), a protected-update data set
 * signed by the update signer (tools/protupd's builder), applied through the host library
 * (trustm_id2_aes_key_update: ID2 into F1D0, trust anchor, target metadata, the data set).
 * Then T worker threads keep every device connected to the brokers (mqtt/ client, MQTT 3.1.1,
 * mode ts: the password is the chip's timestamp auth code) and publish M QoS 1 messages each;
 * an operator subscriber counts what arrives. Some devices also try a replayed and a forged
 * log-in. With --kill PID (repeatable) those processes get SIGKILL once --kill-at of the
 * messages are acknowledged; devices reconnect to the next broker. Prints the report (and
 * writes it as JSON with --json). Exit 0 when nothing was lost and every attack was refused.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include "id2/id2_client.h"
#include "id2reg/id2_registry.h"
#include "id2v/id2v.h"
#include "mqtt/mqtt_client.h"
#include "mqtt/mqtt_net.h"
#include "pu_dataset.h"
#include "trustm/trustm.h"
#include "trustm_pal_sim.h"
#include "trustm_sim.h"

#define MAX_BROKERS 8
#define MAX_KILL    8
#define MAX_MSGS    64

static const char help[] =
    "Usage: fleet-load --registry URL --master-key FILE --signer-key PEM --signer-cert PEM\n"
    "                  --brokers H:P[,H:P...] --subscribe H:P --operator NAME --operator-password-file F\n"
    "                  [--devices N] [--messages M] [--threads T] [--product PK] [--period-ms MS]\n"
    "                  [--kill PID]... [--kill-at FRACTION] [--attacks K] [--json FILE] [--timeout S]\n"
    "Provision N in-process simulated chips by protected update, connect them through the brokers\n"
    "(MQTT 3.1.1, ID2 timestamp auth code as password), publish M QoS 1 messages each, count\n"
    "what an operator subscriber receives, and print the fleet report (docs/SCALE.md).\n"
    "  --devices N        simulated devices (default 100)\n"
    "  --messages M       QoS 1 messages per device (default 5, at most 64)\n"
    "  --threads T        worker threads (default 16)\n"
    "  --period-ms MS     time between a device's messages (default 1000)\n"
    "  --kill PID         SIGKILL this process (a broker node, an id2-authd) mid-run; repeatable\n"
    "  --kill-at F        ... once this fraction of messages is acknowledged (default 0.5)\n"
    "  --attacks K        devices that also try a replayed and a forged log-in (default N/10, >= 3)\n"
    "  --timeout S        give up after S seconds (default 600)\n"
    "Exit status: 0 report clean (0 lost, every attack refused), 1 not clean, 2 usage, 3 set-up.\n";

typedef struct {
    char host[64];
    uint16_t port;
} broker_t;

typedef struct {
    const char *registry, *master, *signer_key, *signer_cert, *product, *operator_name, *json;
    char operator_pw[256];
    broker_t brokers[MAX_BROKERS];
    int nbrokers;
    broker_t sub;
    unsigned devices, messages, threads, period_ms, attacks, timeout_s;
    pid_t kill[MAX_KILL];
    int nkill;
    double kill_at;
} opts_t;

typedef enum { D_DOWN = 0, D_UP } dstate_t;

typedef struct device {
    unsigned idx;
    char dn[32];
    char id2[ID2V_ID_LEN + 1];
    trustm_sim_t *sim;
    trustm_pal_t pal;
    trustm_device_t dev;
    id2_client_t id2c;
    mqtt_net_t *net;
    mqtt_client_t mc;
    int mc_inited;
    dstate_t st;
    unsigned attempts;
    uint64_t next_try_ms, next_pub_ms;
    unsigned sent, acked;
    uint16_t pid_seq[MAX_MSGS];
    int ever_connected;
    int attack_done;
    char last_cid[256], last_user[160], last_pw[ID2V_AUTH_CODE_MAX];
    uint8_t tx[1024], rx[512], store[4096];
} device_t;

/* ---- shared counters ---- */
static opts_t O;
static device_t *devs;
static atomic_uint_fast64_t n_acked, n_sent, n_connects, n_first_connects, n_conn_fail, n_refused_conn;
static atomic_uint_fast64_t n_replay_try, n_replay_refused, n_forge_try, n_forge_refused;
static atomic_int stop_all;
static uint64_t t_start_ms, t_all_connected_ms, t_killed_ms;
static pthread_mutex_t lat_mu = PTHREAD_MUTEX_INITIALIZER;
static double *lat_ms;
static size_t lat_n, lat_cap;
/* delivered[dev * MAX_MSGS + seq] */
static atomic_uchar *delivered;
static atomic_uint_fast64_t n_delivered, n_dups;
static atomic_int sub_up;

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint32_t client_ms(void *user)
{
    (void)user;
    return (uint32_t)mono_ms();
}

static uint64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f != NULL && fgets(line, sizeof line, f) != NULL)
        if (strncmp(line, "VmRSS:", 6) == 0)
            kb = strtol(line + 6, NULL, 10);
    if (f != NULL)
        fclose(f);
    return kb;
}

static int urandom_fill(void *arg, uint8_t *buf, size_t len)
{
    (void)arg;
    FILE *f = fopen("/dev/urandom", "rb");
    size_t n = f != NULL ? fread(buf, 1, len, f) : 0;
    if (f != NULL)
        fclose(f);
    return n == len ? 0 : -1;
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
    va_list ap;
    fputs("fleet-load: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(3);
}

/* ---- provisioning ---- */

typedef struct {
    mbedtls_pk_context key;
    uint8_t cert[2048];
    size_t cert_len;
    mbedtls_entropy_context ent;
    mbedtls_ctr_drbg_context drbg;
    pthread_mutex_t mu; /* signing shares the DRBG */
} signer_t;

static signer_t S;

static void signer_load(void)
{
    mbedtls_pk_init(&S.key);
    mbedtls_entropy_init(&S.ent);
    mbedtls_ctr_drbg_init(&S.drbg);
    pthread_mutex_init(&S.mu, NULL);
    if (mbedtls_ctr_drbg_seed(&S.drbg, mbedtls_entropy_func, &S.ent, (const unsigned char *)"fleet", 5) != 0)
        die("random generator failed");
    if (mbedtls_pk_parse_keyfile(&S.key, O.signer_key, NULL) != 0)
        die("--signer-key %s: not a private key PEM", O.signer_key);
    mbedtls_x509_crt crt;
    mbedtls_x509_crt_init(&crt);
    if (mbedtls_x509_crt_parse_file(&crt, O.signer_cert) != 0 || crt.raw.len > sizeof S.cert)
        die("--signer-cert %s: not a certificate", O.signer_cert);
    memcpy(S.cert, crt.raw.p, crt.raw.len);
    S.cert_len = crt.raw.len;
    mbedtls_x509_crt_free(&crt);
}

static int locked_rng(void *p, unsigned char *out, size_t len)
{
    (void)p;
    return mbedtls_ctr_drbg_random(&S.drbg, out, len);
}

static int hex2bin(const char *h, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        if (sscanf(h + 2 * i, "%2x", &v) != 1)
            return -1;
        out[i] = (uint8_t)v;
    }
    return 0;
}

/* Issue device i in the registry, make its data set, create its chip and apply the data set. */
static int provision(device_t *d, id2_registry_t *reg, char *err, size_t err_size)
{
    id2_device_t rd;
    id2v_key_t key;
    snprintf(d->dn, sizeof d->dn, "d%05u", d->idx);
    if (id2_registry_issue(reg, O.product, d->dn, ID2V_KEY_AES, &rd, &key, err, err_size) != ID2V_OK)
        return -1;
    memcpy(d->id2, rd.id2, sizeof d->id2);
    pu_params_t p;
    memset(&p, 0, sizeof p);
    uint8_t payload[64];
    size_t payload_len = 0;
    const char *msg = NULL;
    pu_dataset_t *ds = calloc(1, sizeof *ds);
    int rc = -1;
    if (ds == NULL)
        goto out;
    if (pu_key_payload_aes(PU_KEY_AES128, key.key, key.key_len, payload, sizeof payload, &payload_len, &msg) != PU_OK) {
        snprintf(err, err_size, "key payload: %s", msg ? msg : "?");
        goto out;
    }
    p.payload_version = 3;
    p.trust_anchor_oid = 0xE0E3;
    p.target_oid = 0xE200;
    p.payload_type = PU_TYPE_KEY;
    p.info1 = PU_KEY_AES128;
    p.info2 = 0x02; /* usage: Enc */
    p.payload = payload;
    p.payload_len = payload_len;
    pu_signer_t sg;
    memset(&sg, 0, sizeof sg);
    sg.key = &S.key;
    sg.cose_alg = PU_ALG_RSA_PKCS1_SHA256;
    sg.f_rng = locked_rng;
    pthread_mutex_lock(&S.mu);
    pu_err_t pe = pu_build(&p, &sg, ds, &msg);
    pthread_mutex_unlock(&S.mu);
    if (pe != PU_OK) {
        snprintf(err, err_size, "data set: %s", msg ? msg : "?");
        goto out;
    }
    trustm_sim_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.timing = TRUSTM_SIM_TIMING_NONE;
    cfg.seed = 0x5EED0000u + d->idx;
    d->sim = trustm_sim_create(&cfg, err, err_size);
    if (d->sim == NULL)
        goto out;
    if (trustm_pal_sim_init(&d->pal, d->sim) != TRUSTM_OK || trustm_device_init(&d->dev, &d->pal, NULL) != TRUSTM_OK ||
        trustm_device_open(&d->dev) != TRUSTM_OK) {
        snprintf(err, err_size, "chip %u does not open", d->idx);
        goto out;
    }
    const uint8_t *frags[PU_MAX_FRAGMENTS];
    size_t lens[PU_MAX_FRAGMENTS];
    for (size_t f = 0; f < ds->n_fragments; f++) {
        frags[f] = ds->fragments + f * PU_FRAGMENT_MAX;
        lens[f] = f + 1 < ds->n_fragments ? PU_FRAGMENT_MAX : ds->fragments_len - f * PU_FRAGMENT_MAX;
    }
    uint8_t id[TRUSTM_ID2_DEVICE_ID_SIZE];
    hex2bin(d->id2, id, sizeof id);
    trustm_status_t st = trustm_id2_aes_key_update(&d->dev, id, S.cert, S.cert_len, ds->manifest, ds->manifest_len,
                                                   frags, lens, ds->n_fragments);
    if (st != TRUSTM_OK) {
        snprintf(err, err_size, "protected update of chip %u refused (0x%04x)", d->idx, (unsigned)st);
        goto out;
    }
    id2_client_config_t icfg;
    memset(&icfg, 0, sizeof icfg);
    icfg.crypto_type = ID2_CRYPTO_TYPE_AES;
    icfg.rng = urandom_fill;
    icfg.device_is_open = true;
    icfg.pal = &d->pal;
    uint8_t got[ID2_ID_LEN];
    uint32_t got_len = sizeof got;
    if (id2_client_init(&d->id2c, &d->dev, &icfg) != IROT_SUCCESS ||
        id2_client_get_id(&d->id2c, got, &got_len) != IROT_SUCCESS || memcmp(got, d->id2, ID2_ID_LEN) != 0) {
        snprintf(err, err_size, "chip %u: the ID2 client does not read back %s", d->idx, d->id2);
        goto out;
    }
    rc = 0;
out:
    id2v_key_wipe(&key);
    free(ds);
    return rc;
}

/* ---- MQTT ---- */

static void on_event(void *user, const mqtt_event_t *ev)
{
    device_t *d = user;
    if (ev->type != MQTT_EVENT_PUBLISH_SUCCESS)
        return;
    for (unsigned k = 0; k < d->sent && k < MAX_MSGS; k++) {
        if (d->pid_seq[k] == ev->packet_id) {
            d->pid_seq[k] = 0;
            d->acked++;
            atomic_fetch_add(&n_acked, 1);
            return;
        }
    }
}

/* Credentials of a fresh log-in: client id with the current time, auth code from the chip. */
static int credentials(device_t *d, char *cid, size_t cid_size, char *user, size_t user_size, char *pw)
{
    char ts[32];
    snprintf(ts, sizeof ts, "%" PRIu64, wall_ms());
    if (id2v_format_client_id(O.product, d->dn, 2, ts, NULL, NULL, "id2", NULL, cid, cid_size) != ID2V_OK)
        return -1;
    snprintf(user, user_size, "%s&%s", d->dn, O.product);
    uint32_t len = ID2V_AUTH_CODE_MAX;
    if (id2_client_get_timestamp_auth_code(&d->id2c, ts, (const uint8_t *)cid, (uint32_t)strlen(cid), (uint8_t *)pw,
                                           &len) != IROT_SUCCESS ||
        len >= ID2V_AUTH_CODE_MAX)
        return -1;
    pw[len] = '\0';
    return 0;
}

/* A client configuration over the given buffers (10 s request timeout). */
static void client_config(mqtt_client_config_t *cc, uint8_t *tx, size_t tx_size, uint8_t *rx, size_t rx_size,
                          uint8_t *store, size_t store_size, void *user)
{
    memset(cc, 0, sizeof *cc);
    cc->tx_buf = tx;
    cc->tx_size = tx_size;
    cc->rx_buf = rx;
    cc->rx_size = rx_size;
    cc->store_buf = store;
    cc->store_size = store_size;
    cc->now_ms = client_ms;
    cc->request_timeout_ms = 10000;
    cc->user = user;
}

/* One CONNECT on a new TCP connection. 0: accepted; 1: refused by the broker; -1: network. */
static int mqtt_login(mqtt_client_t *c, mqtt_net_t **net, const broker_t *b, const char *cid, const char *user,
                      const char *pw, int clean, double *ms)
{
    mqtt_net_opts_t no;
    memset(&no, 0, sizeof no);
    no.host = b->host;
    no.port = b->port;
    no.connect_timeout_ms = 5000;
    no.mode = MQTT_NET_TCP;
    int detail = 0;
    if (mqtt_net_connect(&no, net, &detail) != MQTT_OK)
        return -1;
    mqtt_transport_t t;
    mqtt_net_transport(*net, &t);
    mqtt_connect_t conn;
    memset(&conn, 0, sizeof conn);
    conn.version = MQTT_V311;
    conn.clean_start = clean != 0;
    conn.keep_alive = 60;
    conn.client_id = mqtt_cstr(cid);
    conn.user_name = mqtt_cstr(user);
    conn.password = mqtt_cstr(pw);
    mqtt_connack_t ack;
    memset(&ack, 0, sizeof ack);
    struct timespec a, z;
    clock_gettime(CLOCK_MONOTONIC, &a);
    mqtt_status_t st = mqtt_client_connect(c, &t, &conn, &ack);
    clock_gettime(CLOCK_MONOTONIC, &z);
    if (ms != NULL)
        *ms = (double)(z.tv_sec - a.tv_sec) * 1000.0 + (double)(z.tv_nsec - a.tv_nsec) / 1e6;
    if (st == MQTT_OK)
        return 0;
    mqtt_net_free(*net);
    *net = NULL;
    return ack.reason != 0 ? 1 : -1;
}

static void lat_add(double ms)
{
    pthread_mutex_lock(&lat_mu);
    if (lat_n == lat_cap) {
        size_t cap = lat_cap ? lat_cap * 2 : 1024;
        double *n = realloc(lat_ms, cap * sizeof *n);
        if (n != NULL) {
            lat_ms = n;
            lat_cap = cap;
        }
    }
    if (lat_n < lat_cap)
        lat_ms[lat_n++] = ms;
    pthread_mutex_unlock(&lat_mu);
}

/* A replayed and a forged log-in of device d (after its first success): both must be refused. */
static void attack(device_t *d)
{
    uint8_t tx[1024], rx[512], store[256];
    mqtt_client_config_t cc;
    client_config(&cc, tx, sizeof tx, rx, sizeof rx, store, sizeof store, NULL);
    const broker_t *b = &O.brokers[(d->idx + 1) % (unsigned)O.nbrokers];
    for (int kind = 0; kind < 2; kind++) {
        char cid[256], user[160], pw[ID2V_AUTH_CODE_MAX];
        if (kind == 0) { /* the exact credentials of the last accepted log-in */
            snprintf(cid, sizeof cid, "%s", d->last_cid);
            snprintf(user, sizeof user, "%s", d->last_user);
            snprintf(pw, sizeof pw, "%s", d->last_pw);
        } else { /* a fresh code with its signature altered */
            if (credentials(d, cid, sizeof cid, user, sizeof user, pw) != 0)
                continue;
            size_t n = strlen(pw);
            pw[n - 3] = pw[n - 3] == 'A' ? 'B' : 'A';
        }
        mqtt_client_t c;
        mqtt_client_init(&c, &cc);
        mqtt_net_t *net = NULL;
        atomic_fetch_add(kind == 0 ? &n_replay_try : &n_forge_try, 1);
        int r = mqtt_login(&c, &net, b, cid, user, pw, 1, NULL);
        if (r == 1)
            atomic_fetch_add(kind == 0 ? &n_replay_refused : &n_forge_refused, 1);
        else if (r == 0)
            fprintf(stderr, "fleet-load: %s log-in of %s ACCEPTED\n", kind == 0 ? "replayed" : "forged", d->dn);
        if (net != NULL) {
            if (mqtt_client_connected(&c))
                mqtt_client_disconnect(&c, 0);
            mqtt_net_free(net);
        }
    }
}

static void device_down(device_t *d)
{
    if (d->net != NULL)
        mqtt_net_free(d->net);
    d->net = NULL;
    d->st = D_DOWN;
    d->next_try_ms = mono_ms() + 200u + (unsigned)(rand() % 800);
}

static void device_step(device_t *d)
{
    uint64_t now = mono_ms();
    if (d->st == D_DOWN) {
        if (now < d->next_try_ms)
            return;
        if (!d->mc_inited) {
            mqtt_client_config_t cc;
            client_config(&cc, d->tx, sizeof d->tx, d->rx, sizeof d->rx, d->store, sizeof d->store, d);
            cc.on_event = on_event;
            mqtt_client_init(&d->mc, &cc); /* later connects keep the unacknowledged messages */
            d->mc_inited = 1;
        }
        const broker_t *b = &O.brokers[(d->idx + d->attempts) % (unsigned)O.nbrokers];
        d->attempts++;
        if (credentials(d, d->last_cid, sizeof d->last_cid, d->last_user, sizeof d->last_user, d->last_pw) != 0) {
            device_down(d);
            return;
        }
        double ms = 0;
        int r = mqtt_login(&d->mc, &d->net, b, d->last_cid, d->last_user, d->last_pw, 0, &ms);
        if (r != 0) {
            atomic_fetch_add(r == 1 ? &n_refused_conn : &n_conn_fail, 1);
            device_down(d);
            return;
        }
        lat_add(ms);
        atomic_fetch_add(&n_connects, 1);
        d->st = D_UP;
        if (!d->ever_connected) {
            d->ever_connected = 1;
            if (atomic_fetch_add(&n_first_connects, 1) + 1 == O.devices)
                t_all_connected_ms = mono_ms();
            d->next_pub_ms = now + (unsigned)(rand() % (O.period_ms + 1));
        }
        if (!d->attack_done && d->idx % (O.devices / O.attacks ? O.devices / O.attacks : 1) == 0 &&
            d->idx / (O.devices / O.attacks ? O.devices / O.attacks : 1) < O.attacks) {
            d->attack_done = 1;
            attack(d);
        }
        return;
    }
    if (d->sent < O.messages && now >= d->next_pub_ms && mqtt_client_pending(&d->mc) < 8) {
        char topic[128], payload[128];
        snprintf(topic, sizeof topic, "/%s/%s/data", O.product, d->dn);
        int n = snprintf(payload, sizeof payload, "{\"dev\":%u,\"seq\":%u,\"temperature\":%u.%u}", d->idx, d->sent,
                         20u + d->idx % 10u, d->sent % 10u);
        mqtt_publish_t m;
        memset(&m, 0, sizeof m);
        m.topic = mqtt_cstr(topic);
        m.payload.ptr = (const uint8_t *)payload;
        m.payload.len = (size_t)n;
        m.qos = 1;
        uint16_t pid = 0;
        mqtt_status_t st = mqtt_client_publish(&d->mc, &m, &pid);
        if (st == MQTT_OK) {
            d->pid_seq[d->sent] = pid;
            d->sent++;
            atomic_fetch_add(&n_sent, 1);
            d->next_pub_ms = now + O.period_ms;
        } else if (st == MQTT_ERR_TRANSPORT || !mqtt_client_connected(&d->mc)) {
            device_down(d);
            return;
        }
    }
    for (int i = 0; i < 4; i++) {
        mqtt_status_t st = mqtt_client_yield(&d->mc, 0);
        if (st != MQTT_OK) {
            device_down(d);
            return;
        }
    }
}

typedef struct {
    unsigned first, count;
} slice_t;

static void *worker(void *arg)
{
    slice_t *s = arg;
    while (!atomic_load(&stop_all)) {
        int busy = 0;
        for (unsigned i = s->first; i < s->first + s->count; i++) {
            device_t *d = &devs[i];
            if (d->acked >= O.messages && d->st == D_UP)
                continue;
            busy = 1;
            device_step(d);
        }
        if (!busy)
            break;
        usleep(2000);
    }
    for (unsigned i = s->first; i < s->first + s->count; i++) {
        device_t *d = &devs[i];
        if (d->net != NULL) {
            if (mqtt_client_connected(&d->mc))
                mqtt_client_disconnect(&d->mc, 0);
            mqtt_net_free(d->net);
            d->net = NULL;
        }
    }
    return NULL;
}

/* ---- subscriber ---- */

static void sub_message(void *user, const mqtt_publish_t *msg)
{
    (void)user;
    unsigned dev = 0, seq = 0;
    char p[128];
    size_t n = msg->payload.len < sizeof p - 1 ? msg->payload.len : sizeof p - 1;
    memcpy(p, msg->payload.ptr, n);
    p[n] = '\0';
    if (sscanf(p, "{\"dev\":%u,\"seq\":%u", &dev, &seq) != 2 || dev >= O.devices || seq >= MAX_MSGS)
        return;
    if (atomic_exchange(&delivered[dev * MAX_MSGS + seq], 1) == 0)
        atomic_fetch_add(&n_delivered, 1);
    else
        atomic_fetch_add(&n_dups, 1);
}

static atomic_int sub_stop;

static void *subscriber(void *arg)
{
    (void)arg;
    static uint8_t tx[1024], rx[1024], store[512];
    mqtt_client_config_t cc;
    client_config(&cc, tx, sizeof tx, rx, sizeof rx, store, sizeof store, NULL);
    cc.on_message = sub_message;
    char cid[64];
    snprintf(cid, sizeof cid, "fleet-operator-%d", (int)getpid());
    int first = 1;
    while (!atomic_load(&sub_stop)) {
        mqtt_client_t c;
        mqtt_client_init(&c, &cc);
        mqtt_net_t *net = NULL;
        /* A persistent session: what arrives while we reconnect waits in our queue. */
        if (mqtt_login(&c, &net, &O.sub, cid, O.operator_name, O.operator_pw, first, NULL) == 0) {
            mqtt_sub_t s = {mqtt_cstr("/+/+/data"), 1};
            uint16_t pid;
            if (mqtt_client_subscribe(&c, &s, 1, NULL, &pid) == MQTT_OK) {
                first = 0;
                atomic_store(&sub_up, 1);
                while (!atomic_load(&sub_stop) && mqtt_client_yield(&c, 100) == MQTT_OK)
                    ;
            }
            if (mqtt_client_connected(&c))
                mqtt_client_disconnect(&c, 0);
            mqtt_net_free(net);
        }
        if (!atomic_load(&sub_stop))
            usleep(500000);
    }
    return NULL;
}

/* ---- report ---- */

static int dcmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(double p)
{
    if (lat_n == 0)
        return 0;
    size_t i = (size_t)(p * (double)(lat_n - 1) + 0.5);
    return lat_ms[i];
}

typedef struct {
    atomic_uint *next;
    atomic_int *fail;
} prov_arg_t;

static void *prov(void *arg)
{
    prov_arg_t *pa = arg;
    char err[ID2REG_ERR_LEN] = "";
    id2_registry_t *reg = NULL;
    if (id2_registry_open(O.registry, O.master, 0, &reg, err, sizeof err) != ID2V_OK) {
        fprintf(stderr, "fleet-load: %s\n", err);
        atomic_store(pa->fail, 1);
        return NULL;
    }
    for (;;) {
        unsigned i = atomic_fetch_add(pa->next, 1);
        if (i >= O.devices || atomic_load(pa->fail))
            break;
        devs[i].idx = i;
        if (provision(&devs[i], reg, err, sizeof err) != 0) {
            fprintf(stderr, "fleet-load: device %u: %s\n", i, err);
            atomic_store(pa->fail, 1);
        }
    }
    id2_registry_close(reg);
    return NULL;
}

static int parse_broker(const char *s, broker_t *b)
{
    const char *c = strrchr(s, ':');
    if (c == NULL || (size_t)(c - s) >= sizeof b->host)
        return 0;
    memcpy(b->host, s, (size_t)(c - s));
    b->host[c - s] = '\0';
    long p = strtol(c + 1, NULL, 10);
    if (p <= 0 || p > 65535)
        return 0;
    b->port = (uint16_t)p;
    return 1;
}

static int usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage(const char *fmt, ...)
{
    va_list ap;
    fputs("fleet-load: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs(" (try --help)\n", stderr);
    return 2;
}

int main(int argc, char **argv)
{
    O.devices = 100;
    O.messages = 5;
    O.threads = 16;
    O.period_ms = 1000;
    O.product = "fleet";
    O.kill_at = 0.5;
    O.timeout_s = 600;
    const char *pwfile = NULL;
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(o, "--help") == 0 || strcmp(o, "-h") == 0) {
            fputs(help, stdout);
            return 0;
        }
        if (v == NULL)
            return usage("%s needs a value", o);
        i++;
        if (strcmp(o, "--registry") == 0)
            O.registry = v;
        else if (strcmp(o, "--master-key") == 0)
            O.master = v;
        else if (strcmp(o, "--signer-key") == 0)
            O.signer_key = v;
        else if (strcmp(o, "--signer-cert") == 0)
            O.signer_cert = v;
        else if (strcmp(o, "--product") == 0)
            O.product = v;
        else if (strcmp(o, "--operator") == 0)
            O.operator_name = v;
        else if (strcmp(o, "--operator-password-file") == 0)
            pwfile = v;
        else if (strcmp(o, "--json") == 0)
            O.json = v;
        else if (strcmp(o, "--devices") == 0)
            O.devices = (unsigned)strtoul(v, NULL, 10);
        else if (strcmp(o, "--messages") == 0)
            O.messages = (unsigned)strtoul(v, NULL, 10);
        else if (strcmp(o, "--threads") == 0)
            O.threads = (unsigned)strtoul(v, NULL, 10);
        else if (strcmp(o, "--period-ms") == 0)
            O.period_ms = (unsigned)strtoul(v, NULL, 10);
        else if (strcmp(o, "--attacks") == 0)
            O.attacks = (unsigned)strtoul(v, NULL, 10);
        else if (strcmp(o, "--timeout") == 0)
            O.timeout_s = (unsigned)strtoul(v, NULL, 10);
        else if (strcmp(o, "--kill-at") == 0)
            O.kill_at = strtod(v, NULL);
        else if (strcmp(o, "--kill") == 0) {
            if (O.nkill >= MAX_KILL || (O.kill[O.nkill++] = (pid_t)strtol(v, NULL, 10)) <= 1)
                return usage("--kill PID: a process id (at most %d)", MAX_KILL);
        } else if (strcmp(o, "--subscribe") == 0) {
            if (!parse_broker(v, &O.sub))
                return usage("--subscribe HOST:PORT");
        } else if (strcmp(o, "--brokers") == 0) {
            char tmp[512];
            snprintf(tmp, sizeof tmp, "%s", v);
            for (char *t = strtok(tmp, ","); t != NULL; t = strtok(NULL, ","))
                if (O.nbrokers >= MAX_BROKERS || !parse_broker(t, &O.brokers[O.nbrokers++]))
                    return usage("--brokers HOST:PORT[,HOST:PORT...] (at most %d)", MAX_BROKERS);
        } else
            return usage("unknown option '%s'", o);
    }
    if (!O.registry || !O.master || !O.signer_key || !O.signer_cert || !O.operator_name || !pwfile || !O.nbrokers ||
        !O.sub.port)
        return usage("--registry, --master-key, --signer-key, --signer-cert, --brokers, --subscribe, --operator "
                     "and --operator-password-file are required");
    if (O.devices == 0 || O.devices > 100000 || O.messages == 0 || O.messages > MAX_MSGS || O.threads == 0 ||
        O.threads > 256)
        return usage("--devices 1..100000, --messages 1..%d, --threads 1..256", MAX_MSGS);
    if (O.attacks == 0)
        O.attacks = O.devices / 10 < 3 ? (O.devices < 3 ? O.devices : 3) : O.devices / 10;
    if (O.attacks > O.devices)
        O.attacks = O.devices;
    FILE *pf = fopen(pwfile, "r");
    if (pf == NULL || fgets(O.operator_pw, sizeof O.operator_pw, pf) == NULL)
        die("%s: cannot read the operator password", pwfile);
    fclose(pf);
    O.operator_pw[strcspn(O.operator_pw, "\r\n")] = '\0';
    signal(SIGPIPE, SIG_IGN);
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    srand((unsigned)getpid());
    signer_load();

    /* 1. provision, in parallel (one registry connection per thread) */
    long rss0 = rss_kb();
    devs = calloc(O.devices, sizeof *devs);
    delivered = calloc((size_t)O.devices * MAX_MSGS, 1);
    if (devs == NULL || delivered == NULL)
        die("out of memory");
    uint64_t tp0 = mono_ms();
    unsigned pthreads = O.threads < 8 ? O.threads : 8;
    pthread_t th[256];
    slice_t sl[256];
    atomic_uint next_dev = 0;
    atomic_int prov_fail = 0;
    prov_arg_t pa = {&next_dev, &prov_fail};
    for (unsigned t = 0; t < pthreads; t++)
        pthread_create(&th[t], NULL, prov, &pa);
    for (unsigned t = 0; t < pthreads; t++)
        pthread_join(th[t], NULL);
    if (atomic_load(&prov_fail))
        die("provisioning failed (see above)");
    double prov_s = (double)(mono_ms() - tp0) / 1000.0;
    long rss1 = rss_kb();
    fprintf(stderr, "fleet-load: %u chips provisioned by protected update in %.1f s (%.0f/s)\n", O.devices, prov_s,
            O.devices / (prov_s > 0 ? prov_s : 1));

    /* 2. subscriber, then the devices */
    pthread_t sub_th;
    pthread_create(&sub_th, NULL, subscriber, NULL);
    for (int i = 0; i < 300 && !atomic_load(&sub_up); i++)
        usleep(100000);
    if (!atomic_load(&sub_up))
        die("the operator subscriber could not connect to %s:%u", O.sub.host, O.sub.port);
    for (unsigned i = 0; i < O.devices; i++)
        devs[i].idx = i;
    unsigned per = (O.devices + O.threads - 1) / O.threads, nth = 0;
    t_start_ms = mono_ms();
    for (unsigned first = 0; first < O.devices; first += per, nth++) {
        sl[nth].first = first;
        sl[nth].count = first + per <= O.devices ? per : O.devices - first;
        pthread_create(&th[nth], NULL, worker, &sl[nth]);
    }
    uint64_t total = (uint64_t)O.devices * O.messages, killed = 0;
    uint64_t deadline = t_start_ms + (uint64_t)O.timeout_s * 1000u, last_print = 0;
    long rss2 = 0;
    while (mono_ms() < deadline) {
        uint64_t a = atomic_load(&n_acked);
        if (!killed && O.nkill > 0 && (double)a >= O.kill_at * (double)total) {
            for (int k = 0; k < O.nkill; k++) {
                if (kill(O.kill[k], SIGKILL) == 0)
                    fprintf(stderr, "fleet-load: SIGKILL %d at %" PRIu64 "/%" PRIu64 " messages\n", (int)O.kill[k], a,
                            total);
                else
                    fprintf(stderr, "fleet-load: cannot kill %d: %s\n", (int)O.kill[k], strerror(errno));
            }
            killed = 1;
            t_killed_ms = mono_ms();
        }
        if (atomic_load(&n_first_connects) == O.devices && rss2 == 0)
            rss2 = rss_kb();
        if (a >= total)
            break;
        if (mono_ms() - last_print >= 5000) {
            last_print = mono_ms();
            fprintf(stderr,
                    "fleet-load: %" PRIu64 "/%u connected once, %" PRIu64 "/%" PRIu64 " acknowledged, %" PRIu64
                    " delivered\n",
                    (uint64_t)atomic_load(&n_first_connects), O.devices, a, total, (uint64_t)atomic_load(&n_delivered));
        }
        usleep(50000);
    }
    uint64_t t_done = mono_ms();
    atomic_store(&stop_all, 1);
    for (unsigned t = 0; t < nth; t++)
        pthread_join(th[t], NULL);
    /* let the subscriber drain */
    uint64_t drain_end = mono_ms() + 30000;
    while (atomic_load(&n_delivered) < atomic_load(&n_acked) && mono_ms() < drain_end)
        usleep(100000);
    atomic_store(&sub_stop, 1);
    pthread_join(sub_th, NULL);

    /* 3. report */
    qsort(lat_ms, lat_n, sizeof *lat_ms, dcmp);
    uint64_t acked = atomic_load(&n_acked), dlv = atomic_load(&n_delivered), lost = 0;
    for (unsigned i = 0; i < O.devices; i++)
        for (unsigned k = 0; k < devs[i].sent; k++)
            if (devs[i].pid_seq[k] == 0 && !atomic_load(&delivered[i * MAX_MSGS + k]))
                lost++;
    double conn_s = t_all_connected_ms ? (double)(t_all_connected_ms - t_start_ms) / 1000.0 : 0;
    double cps = conn_s > 0 ? O.devices / conn_s : 0;
    long per_dev_kb = rss2 > 0 ? rss2 : rss_kb();
    double rss_per = (double)(per_dev_kb - rss0) / O.devices;
    uint64_t rt = atomic_load(&n_replay_try), rr = atomic_load(&n_replay_refused);
    uint64_t ft = atomic_load(&n_forge_try), fr = atomic_load(&n_forge_refused);
    int clean = acked == total && lost == 0 && rr == rt && fr == ft && rt > 0 && ft > 0;
    char rep[2048];
    snprintf(rep, sizeof rep,
             "fleet report: %u devices x %u QoS 1 messages, %d brokers, %u worker threads\n"
             "  provisioning (registry + protected update): %.1f s, %.0f chips/s\n"
             "  first connects: %.1f s for all, %.1f connects/s; connects in all %" PRIu64 " (%" PRIu64
             " after the kill), network failures %" PRIu64 ", refusals %" PRIu64 "\n"
             "  authentication latency (CONNECT -> CONNACK): p50 %.1f ms, p99 %.1f ms, max %.1f ms (%zu log-ins)\n"
             "  messages: published (acknowledged) %" PRIu64 " of %" PRIu64 ", delivered to the subscriber %" PRIu64
             ", lost %" PRIu64 ", duplicates %" PRIu64 "\n"
             "  replayed log-ins: %" PRIu64 " attempted, %" PRIu64 " refused; forged log-ins: %" PRIu64
             " attempted, %" PRIu64 " refused\n"
             "  killed mid-run: %d process(es)%s\n"
             "  resident memory: %.1f KiB per simulated device (RSS %ld -> %ld KiB, after provisioning %ld KiB)\n"
             "  run: %.1f s; %s\n",
             O.devices, O.messages, O.nbrokers, O.threads, prov_s, O.devices / (prov_s > 0 ? prov_s : 1), conn_s, cps,
             (uint64_t)atomic_load(&n_connects), (uint64_t)atomic_load(&n_connects) - O.devices,
             (uint64_t)atomic_load(&n_conn_fail), (uint64_t)atomic_load(&n_refused_conn), pct(0.50), pct(0.99),
             lat_n ? lat_ms[lat_n - 1] : 0.0, lat_n, acked, total, dlv, lost, (uint64_t)atomic_load(&n_dups), rt, rr,
             ft, fr, killed ? O.nkill : 0, killed ? "" : " (none: --kill not given or not reached)", rss_per, rss0,
             per_dev_kb, rss1, (double)(t_done - t_start_ms) / 1000.0,
             clean ? "CLEAN: 0 lost, every forged and replayed log-in refused" : "NOT CLEAN");
    fputs(rep, stdout);
    if (O.json != NULL) {
        FILE *j = fopen(O.json, "w");
        if (j != NULL) {
            fprintf(j,
                    "{\"devices\":%u,\"messages_per_device\":%u,\"brokers\":%d,\"provision_s\":%.2f,"
                    "\"connect_all_s\":%.2f,\"connects_per_s\":%.1f,\"auth_p50_ms\":%.2f,\"auth_p99_ms\":%.2f,"
                    "\"published\":%" PRIu64 ",\"delivered\":%" PRIu64 ",\"lost\":%" PRIu64 ",\"duplicates\":%" PRIu64
                    ",\"replay_attempted\":%" PRIu64 ",\"replay_refused\":%" PRIu64 ",\"forged_attempted\":%" PRIu64
                    ",\"forged_refused\":%" PRIu64 ",\"reconnects\":%" PRIu64 ",\"killed\":%d,"
                    "\"rss_kib_per_device\":%.1f,\"clean\":%s}\n",
                    O.devices, O.messages, O.nbrokers, prov_s, conn_s, cps, pct(0.5), pct(0.99), acked, dlv, lost,
                    (uint64_t)atomic_load(&n_dups), rt, rr, ft, fr, (uint64_t)atomic_load(&n_connects) - O.devices,
                    killed ? O.nkill : 0, rss_per, clean ? "true" : "false");
            fclose(j);
        }
    }
    for (unsigned i = 0; i < O.devices; i++) {
        id2_client_cleanup(&devs[i].id2c);
        trustm_sim_destroy(devs[i].sim);
    }
    free(devs);
    free(delivered);
    free(lat_ms);
    mbedtls_pk_free(&S.key);
    mbedtls_ctr_drbg_free(&S.drbg);
    mbedtls_entropy_free(&S.ent);
    return clean ? 0 : 1;
}
