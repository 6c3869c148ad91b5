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
