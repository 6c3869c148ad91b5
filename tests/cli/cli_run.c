/*
 * cli_run.c - see cli_run.h.
 */
#define _POSIX_C_SOURCE 200809L

#include "cli_run.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char g_dir[64];

const char *cli_tmpdir(void)
{
    if (g_dir[0] == '\0') {
        strcpy(g_dir, "/tmp/trustm-cli-test-XXXXXX");
        if (mkdtemp(g_dir) == NULL) {
            g_dir[0] = '\0';
            return NULL;
        }
    }
    return g_dir;
}

void cli_tmpdir_remove(void)
{
    DIR *d;
    struct dirent *e;
    if (g_dir[0] == '\0') {
        return;
    }
    d = opendir(g_dir);
    if (d != NULL) {
        while ((e = readdir(d)) != NULL) {
            char p[512];
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
                continue;
            }
            snprintf(p, sizeof(p), "%s/%s", g_dir, e->d_name);
            unlink(p);
        }
        closedir(d);
    }
    rmdir(g_dir);
    g_dir[0] = '\0';
}

char *cli_slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t len = 0, cap = 0;
    if (f == NULL) {
        return NULL;
    }
    for (;;) {
        if (len + 4096 + 1 > cap) {
            char *nb;
            cap = cap * 2 + 8192;
            nb = realloc(buf, cap);
            if (nb == NULL) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        size_t n = fread(buf + len, 1, 4096, f);
        len += n;
        if (n == 0) {
            break;
        }
    }
    fclose(f);
    buf[len] = '\0';
    return buf;
}

void cli_run(const char *binary, const char *args, cli_result_t *r)
{
    char cmd[4096];
    char out[256], err[256];
    const char *dir = cli_tmpdir();
    int st;
    snprintf(out, sizeof(out), "%s/stdout.txt", dir);
    snprintf(err, sizeof(err), "%s/stderr.txt", dir);
    snprintf(cmd, sizeof(cmd), "'%s' %s >'%s' 2>'%s' </dev/null", binary, args, out, err);
    st = system(cmd);
    r->code = (st != -1 && WIFEXITED(st)) ? WEXITSTATUS(st) : -1;
    r->out = cli_slurp(out);
    r->err = cli_slurp(err);
    if (r->out == NULL) {
        r->out = calloc(1, 1);
    }
    if (r->err == NULL) {
        r->err = calloc(1, 1);
    }
}

void cli_result_free(cli_result_t *r)
{
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}

int cli_golden_check(const char *dir, const char *name, const char *actual)
{
    char path[512];
    char *want;
    const char *upd = getenv("TRUSTM_UPDATE_GOLDEN");
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (upd != NULL && strcmp(upd, "1") == 0) {
        return cli_write_file(path, actual, strlen(actual));
    }
    want = cli_slurp(path);
    if (want == NULL) {
        fprintf(stderr, "golden file %s missing; actual output:\n%s\n", path, actual);
        return -1;
    }
    if (strcmp(want, actual) != 0) {
        size_t line = 1, k = 0;
        while (want[k] != '\0' && want[k] == actual[k]) {
            if (want[k] == '\n') {
                line++;
            }
            k++;
        }
        fprintf(stderr, "output differs from %s at line %zu\n--- expected:\n%s\n--- actual:\n%s\n", path, line, want,
                actual);
        free(want);
        return -1;
    }
    free(want);
    return 0;
}

int cli_write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        return -1;
    }
    if (len > 0 && fwrite(data, 1, len, f) != len) {
        fclose(f);
        return -1;
    }
    return fclose(f) == 0 ? 0 : -1;
}

unsigned char *cli_read_bin(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    size_t n = 0, cap = 0;
    if (f == NULL) {
        return NULL;
    }
    for (;;) {
        if (n + 4096 > cap) {
            unsigned char *nb;
            cap = cap * 2 + 8192;
            nb = realloc(buf, cap);
            if (nb == NULL) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        size_t r = fread(buf + n, 1, 4096, f);
        n += r;
        if (r == 0) {
            break;
        }
    }
    fclose(f);
    *len = n;
    return buf;
}

long cli_unhex(const char *text, unsigned char *out, size_t size)
{
    size_t n = 0;
    int hi = -1;
    for (const char *p = text; *p != '\0'; p++) {
        int v;
        char c = *p;
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
            continue;
        }
        if (c >= '0' && c <= '9') {
            v = c - '0';
        } else if (c >= 'a' && c <= 'f') {
            v = c - 'a' + 10;
        } else if (c >= 'A' && c <= 'F') {
            v = c - 'A' + 10;
        } else {
            return -1;
        }
        if (hi < 0) {
            hi = v;
        } else {
            if (n >= size) {
                return -1;
            }
            out[n++] = (unsigned char)(hi << 4 | v);
            hi = -1;
        }
    }
    return hi < 0 ? (long)n : -1;
}
