/* broker_run.c - see broker_run.h. */
#define _POSIX_C_SOURCE 200809L

#include "broker_run.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef MOSQUITTO_BIN
#define MOSQUITTO_BIN "/usr/sbin/mosquitto"
#endif

static void nap_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    socklen_t al = sizeof a;
    if (fd < 0)
        return -1;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || getsockname(fd, (struct sockaddr *)&a, &al) != 0) {
        close(fd);
        return -1;
    }
    close(fd);
    return ntohs(a.sin_port);
}

int mq_open(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    if (fd < 0)
        return -1;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons((uint16_t)port);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    /* A generous guard so a broken broker cannot hang the test. */
    struct timeval tv = {20, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

static void print_file(const char *path)
{
    char line[512];
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return;
    fprintf(stderr, "---- %s ----\n", path);
    while (fgets(line, sizeof line, f) != NULL)
        fputs(line, stderr);
    fclose(f);
}

static void print_log(const br_broker_t *b)
{
    char errf[300];
    snprintf(errf, sizeof errf, "%s/mosquitto.stderr", b->dir);
    print_file(errf);
    print_file(b->log);
}

int br_start(br_broker_t *b, const char *dir, const char *body)
{
    char conf[300];
    memset(b, 0, sizeof *b);
    snprintf(b->dir, sizeof b->dir, "%s", dir);
    snprintf(b->log, sizeof b->log, "%s/mosquitto.log", dir);
    snprintf(conf, sizeof conf, "%s/mosquitto.conf", dir);
    b->port = free_port();
    b->psk_port = free_port();
    b->psk_user_port = free_port();
    if (b->port <= 0 || b->psk_port <= 0 || b->psk_user_port <= 0 || b->port == b->psk_port ||
        b->psk_user_port == b->port || b->psk_user_port == b->psk_port)
        return -1;
    FILE *f = fopen(conf, "w");
    if (f == NULL)
        return -1;
    /* As root, mosquitto would switch to user "mosquitto", who cannot read the 0600 files of
     * the private folder: stay the user that runs the test. */
    if (geteuid() == 0)
        fputs("user root\n", f);
    fprintf(f,
            "per_listener_settings false\n"
            "allow_anonymous false\n"
            "persistence false\n"
            "log_dest file %s\n"
            "log_type all\n"
            "listener %d 127.0.0.1\n"
            "listener %d 127.0.0.1\n"
            "psk_hint trustm\n"
            "use_identity_as_username true\n"
            "listener %d 127.0.0.1\n"
            "psk_hint trustm\n"
            "%s",
            b->log, b->port, b->psk_port, b->psk_user_port, body);
    fclose(f);

    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        /* The broker must not outlive a test that dies (Linux). */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        char errf[300];
        snprintf(errf, sizeof errf, "%s/mosquitto.stderr", dir);
        int null = open("/dev/null", O_RDONLY);
        int ef = open(errf, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (null >= 0)
            dup2(null, 0);
        if (ef >= 0) {
            dup2(ef, 1);
            dup2(ef, 2);
        }
#ifdef BROKER_PRELOAD
        /* The plugin is sanitized, the broker is not; mosquitto's own exit-time leaks are not
         * ours (the log shows any report of the plugin's). */
        setenv("LD_PRELOAD", BROKER_PRELOAD, 1);
        setenv("ASAN_OPTIONS", "detect_leaks=1:exitcode=0", 1);
#endif
        execl(MOSQUITTO_BIN, MOSQUITTO_BIN, "-c", conf, (char *)NULL);
        _exit(127);
    }
    b->pid = pid;
    signal(SIGPIPE, SIG_IGN); /* a closed stdout must not kill the test before it stops the broker */
    /* Wait until both listeners accept (up to ~10 s; a readiness wait, not a timed check). */
    for (int i = 0; i < 500; i++) {
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid) {
            b->pid = 0;
            fprintf(stderr, "mosquitto exited during start-up\n");
            print_log(b);
            return -1;
        }
        int fd1 = mq_open(b->port), fd2 = fd1 >= 0 ? mq_open(b->psk_port) : -1;
        int fd3 = fd2 >= 0 ? mq_open(b->psk_user_port) : -1;
        if (fd1 >= 0)
            close(fd1);
        if (fd2 >= 0)
            close(fd2);
        if (fd3 >= 0) {
            close(fd3);
            return 0;
        }
        nap_ms(20);
    }
    fprintf(stderr, "mosquitto did not start listening\n");
    print_log(b);
    br_stop(b);
    return -1;
}

int br_alive(br_broker_t *b)
{
    int st;
    if (b->pid <= 0)
        return 0;
    if (waitpid(b->pid, &st, WNOHANG) == b->pid) {
        b->pid = 0;
        return 0;
    }
    int fd = mq_open(b->port);
    if (fd < 0)
        return 0;
    close(fd);
    return 1;
}

void br_stop(br_broker_t *b)
{
    int st;
    if (b->pid <= 0)
        return;
    kill(b->pid, SIGTERM);
    for (int i = 0; i < 500 && b->pid > 0; i++) {
        if (waitpid(b->pid, &st, WNOHANG) == b->pid)
            b->pid = 0;
        else
            nap_ms(20);
    }
    if (b->pid > 0) {
        kill(b->pid, SIGKILL);
        waitpid(b->pid, &st, 0);
        b->pid = 0;
    }
    if (getenv("TRUSTM_BROKER_LOG") != NULL)
        print_log(b);
}

int br_sanitizer_report(const br_broker_t *b)
{
    static const char *const marks[] = {"ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"};
    char errf[300], line[1024];
    int found = 0;
    snprintf(errf, sizeof errf, "%s/mosquitto.stderr", b->dir);
    FILE *f = fopen(errf, "r");
    if (f == NULL)
        return 0;
    while (!found && fgets(line, sizeof line, f) != NULL) {
        for (size_t i = 0; i < sizeof marks / sizeof marks[0]; i++)
            found |= strstr(line, marks[i]) != NULL;
    }
    fclose(f);
    if (found)
        print_file(errf);
    return found;
}

int br_run(char *const argv[], char *out, size_t out_size)
{
    int p[2];
    if (pipe(p) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0) {
        close(p[0]);
        close(p[1]);
        return -1;
    }
    if (pid == 0) {
        close(p[0]);
        dup2(p[1], 1);
        dup2(p[1], 2);
        close(p[1]);
        execv(argv[0], argv);
        _exit(127);
    }
    close(p[1]);
    size_t used = 0;
    char tmp[512];
    ssize_t n;
    while ((n = read(p[0], tmp, sizeof tmp)) > 0 || (n < 0 && errno == EINTR)) {
        if (n <= 0)
            continue;
        size_t take = (size_t)n;
        if (out != NULL && used + 1 < out_size) {
            if (take > out_size - 1 - used)
                take = out_size - 1 - used;
            memcpy(out + used, tmp, take);
            used += take;
        }
    }
    close(p[0]);
    if (out != NULL && out_size > 0)
        out[used] = '\0';
    int st;
    if (waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int file_contains(const char *path, const char *needle)
{
    char line[2048];
    int found = 0;
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return 0;
    while (!found && fgets(line, sizeof line, f) != NULL)
        found = strstr(line, needle) != NULL;
    fclose(f);
    return found;
}

int br_log_contains(const br_broker_t *b, const char *needle)
{
    char errf[300];
    snprintf(errf, sizeof errf, "%s/mosquitto.stderr", b->dir);
    return file_contains(b->log, needle) || file_contains(errf, needle);
}

int br_wait_log(const br_broker_t *b, const char *needle)
{
    for (int i = 0; i < 500; i++) {
        if (br_log_contains(b, needle))
            return 1;
        nap_ms(20);
    }
    return 0;
}

/* ---- raw MQTT ---------------------------------------------------------------------------------- */

int mq_send(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int read_full(int fd, uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t r = recv(fd, p, n, 0);
        if (r <= 0)
            return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

long mq_read(int fd, uint8_t *type, uint8_t *buf, size_t size)
{
    uint8_t c;
    size_t len = 0;
    if (read_full(fd, type, 1) != 0)
        return -1;
    for (int shift = 0; shift < 28; shift += 7) {
        if (read_full(fd, &c, 1) != 0)
            return -1;
        len |= (size_t)(c & 0x7F) << shift;
        if (!(c & 0x80))
            break;
    }
    if (len > size)
        return -1;
    if (read_full(fd, buf, len) != 0)
        return -1;
    return (long)len;
}

typedef struct {
    uint8_t *p;
    size_t n, size;
    int bad;
} wbuf_t;

static void put(wbuf_t *w, const void *d, size_t n)
{
    if (w->bad || n > w->size - w->n) {
        w->bad = 1;
        return;
    }
    memcpy(w->p + w->n, d, n);
    w->n += n;
}

static void put8(wbuf_t *w, uint8_t v)
{
    put(w, &v, 1);
}

static void put16s(wbuf_t *w, const void *d, size_t n)
{
    uint8_t h[2] = {(uint8_t)(n >> 8), (uint8_t)n};
    put(w, h, 2);
    put(w, d, n);
}

static void putvar(wbuf_t *w, size_t v)
{
    do {
        uint8_t c = (uint8_t)(v & 0x7F);
        v >>= 7;
        put8(w, (uint8_t)(c | (v ? 0x80 : 0)));
    } while (v);
}

/* Wrap a body into a packet with first byte `type`. */
static size_t finish(uint8_t *out, size_t size, uint8_t type, const uint8_t *body, size_t n)
{
    wbuf_t w = {out, 0, size, 0};
    put8(&w, type);
    putvar(&w, n);
    put(&w, body, n);
    return w.bad ? 0 : w.n;
}

static void auth_props(wbuf_t *w, const char *method, const void *data, size_t data_len)
{
    uint8_t pb[70000];
    wbuf_t p = {pb, 0, sizeof pb, 0};
    if (method != NULL) {
        put8(&p, 0x15);
        put16s(&p, method, strlen(method));
    }
    if (data != NULL) {
        put8(&p, 0x16);
        put16s(&p, data, data_len);
    }
    putvar(w, p.n);
    put(w, pb, p.n);
}

size_t mq_connect5(uint8_t *out, size_t size, const char *client_id, const char *username, const char *method,
                   const void *data, size_t data_len)
{
    static uint8_t body[140000];
    wbuf_t w = {body, 0, sizeof body, 0};
    put16s(&w, "MQTT", 4);
    put8(&w, 5);
    put8(&w, username ? 0x80 : 0x00);
    put8(&w, 0);
    put8(&w, 60);
    auth_props(&w, method, data, data_len);
    put16s(&w, client_id, strlen(client_id));
    if (username)
        put16s(&w, username, strlen(username));
    return w.bad ? 0 : finish(out, size, 0x10, body, w.n);
}

size_t mq_connect311_will(uint8_t *out, size_t size, const char *client_id, const char *username, const char *password,
                          const char *will_topic, const char *will_msg)
{
    static uint8_t body[8192];
    wbuf_t w = {body, 0, sizeof body, 0};
    put16s(&w, "MQTT", 4);
    put8(&w, 4);
    put8(&w, 0xC0 | 0x20 | 0x04 | 0x02); /* user, password, will retain, will, clean */
    put8(&w, 0);
    put8(&w, 60);
    put16s(&w, client_id, strlen(client_id));
    put16s(&w, will_topic, strlen(will_topic));
    put16s(&w, will_msg, strlen(will_msg));
    put16s(&w, username, strlen(username));
    put16s(&w, password, strlen(password));
    return w.bad ? 0 : finish(out, size, 0x10, body, w.n);
}

size_t mq_auth5(uint8_t *out, size_t size, uint8_t reason, const char *method, const void *data, size_t data_len)
{
    static uint8_t body[70100];
    wbuf_t w = {body, 0, sizeof body, 0};
    put8(&w, reason);
    auth_props(&w, method, data, data_len);
    return w.bad ? 0 : finish(out, size, 0xF0, body, w.n);
}

size_t mq_publish(uint8_t *out, size_t size, const char *topic, const char *payload, int retain)
{
    static uint8_t body[4096];
    wbuf_t w = {body, 0, sizeof body, 0};
    put16s(&w, topic, strlen(topic));
    put8(&w, 0); /* MQTT 5: no properties */
    put(&w, payload, strlen(payload));
    return w.bad ? 0 : finish(out, size, (uint8_t)(0x30 | (retain ? 1 : 0)), body, w.n);
}

long mq_auth_data(uint8_t type, const uint8_t *body, size_t len, uint8_t *reason, char *out, size_t out_size)
{
    size_t i = 0, plen = 0;
    if ((type & 0xF0) == 0x20) { /* CONNACK: flags, reason */
        if (len < 2)
            return -1;
        *reason = body[1];
        i = 2;
    } else { /* AUTH: reason */
        if (len < 1)
            return -1;
        *reason = body[0];
        i = 1;
    }
    if (i >= len)
        return -1;
    for (int shift = 0; shift < 28 && i < len; shift += 7) {
        uint8_t c = body[i++];
        plen |= (size_t)(c & 0x7F) << shift;
        if (!(c & 0x80))
            break;
    }
    size_t end = i + plen;
    if (end > len)
        return -1;
    while (i < end) {
        uint8_t id = body[i++];
        size_t n;
        switch (id) {
        case 0x01:
        case 0x17:
        case 0x19:
        case 0x24:
        case 0x25:
        case 0x28:
        case 0x29:
        case 0x2A:
            i += 1;
            break;
        case 0x13:
        case 0x21:
        case 0x22:
        case 0x23:
            i += 2;
            break;
        case 0x02:
        case 0x11:
        case 0x18:
        case 0x27:
            i += 4;
            break;
        case 0x03:
        case 0x08:
        case 0x09:
        case 0x12:
        case 0x15:
        case 0x16:
        case 0x1A:
        case 0x1C:
        case 0x1F:
            if (i + 2 > end)
                return -1;
            n = (size_t)body[i] << 8 | body[i + 1];
            if (i + 2 + n > end)
                return -1;
            if (id == 0x16) {
                if (n + 1 > out_size)
                    return -1;
                memcpy(out, body + i + 2, n);
                out[n] = '\0';
                return (long)n;
            }
            i += 2 + n;
            break;
        case 0x26:
            for (int k = 0; k < 2; k++) {
                if (i + 2 > end)
                    return -1;
                n = (size_t)body[i] << 8 | body[i + 1];
                i += 2 + n;
            }
            break;
        default:
            return -1;
        }
    }
    return -1;
}
