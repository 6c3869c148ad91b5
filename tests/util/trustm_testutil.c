#include "trustm_testutil.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

bool tv_shared_path(const char *rel, char *buf, size_t buf_size)
{
    const char *dir = getenv("TRUSTM_SHARED_DIR");
    if (dir == NULL || dir[0] == '\0')
        dir = TRUSTM_SHARED_DIR;
    int n = snprintf(buf, buf_size, "%s/%s", dir, rel);
    if (n < 0 || (size_t)n >= buf_size)
        return false;
    struct stat st;
    return stat(buf, &st) == 0;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

long tv_hex_parse(const char *hex, uint8_t *out, size_t out_size)
{
    size_t n = 0;
    const char *p = hex;
    while (*p) {
        if (isspace((unsigned char)*p) || *p == ':') {
            p++;
            continue;
        }
        int hi = hexval(p[0]);
        int lo = p[1] ? hexval(p[1]) : -1;
        if (hi < 0 || lo < 0 || n >= out_size)
            return -1;
        out[n++] = (uint8_t)(hi << 4 | lo);
        p += 2;
    }
    return (long)n;
}

const char *tv_hex_str(const uint8_t *b, size_t n)
{
    static char s[3 * TV_MAX_BYTES + 1];
    size_t k = 0;
    for (size_t i = 0; i < n && i < TV_MAX_BYTES; i++)
        k += (size_t)snprintf(s + k, sizeof s - k, i ? " %02X" : "%02X", b[i]);
    s[k] = '\0';
    return s;
}

static bool is_section_start(const char *line)
{
    return strstr(line, "=== SECTION") != NULL || strncmp(line, "# SESSION", 9) == 0;
}

int tv_load(const char *path, const char *section, tv_file_t *out)
{
    FILE *fp = fopen(path, "r");
    if (fp == NULL)
        return -1;
    out->steps = NULL;
    out->count = 0;
    size_t cap = 0;
    char line[8192];
    char step[512] = "";
    bool in = (section == NULL);
    int lineno = 0;
    while (fgets(line, sizeof line, fp)) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '#') {
            if (section != NULL && is_section_start(line)) {
                if (in && out->count > 0)
                    break;
                in = strstr(line, section) != NULL;
            }
            if (!in)
                continue;
            if (strncmp(line, "# STEP", 6) == 0) {
                snprintf(step, sizeof step, "%.500s", line + 2);
            } else if (strncmp(line, "# [", 3) == 0) {
                if (out->count == cap) {
                    cap = cap ? cap * 2 : 64;
                    out->steps = realloc(out->steps, cap * sizeof *out->steps);
                }
                tv_step_t *a = &out->steps[out->count++];
                memset(a, 0, sizeof *a);
                a->kind = 'A';
                a->line = lineno;
                snprintf(a->step, sizeof a->step, "%.500s", line + 2);
            }
            continue;
        }
        if (!in || line[0] == '\0')
            continue;
        if ((line[0] != 'W' && line[0] != 'R' && line[0] != 'F') || line[1] != ' ')
            continue;
        if (out->count == cap) {
            cap = cap ? cap * 2 : 64;
            out->steps = realloc(out->steps, cap * sizeof *out->steps);
        }
        tv_step_t *s = &out->steps[out->count++];
        memset(s, 0, sizeof *s);
        s->kind = line[0];
        s->line = lineno;
        snprintf(s->step, sizeof s->step, "%s", step);
        s->poll = strstr(step, "[poll]") != NULL;
        s->bad_fcs = strstr(step, "[bad-fcs]") != NULL;
        step[0] = '\0';
        char *tok = strtok(line + 2, " \t");
        while (tok != NULL && s->len < TV_MAX_BYTES) {
            if (strcmp(tok, "XX") == 0 || strcmp(tok, "YY") == 0 || strcmp(tok, "ZZ") == 0) {
                s->wild[s->len] = tok[0];
                s->bytes[s->len++] = 0;
            } else {
                uint8_t b;
                if (tv_hex_parse(tok, &b, 1) != 1) {
                    fclose(fp);
                    tv_free(out);
                    return -1;
                }
                s->bytes[s->len++] = b;
            }
            tok = strtok(NULL, " \t");
        }
    }
    fclose(fp);
    return out->count > 0 ? 0 : -1;
}

void tv_free(tv_file_t *f)
{
    free(f->steps);
    f->steps = NULL;
    f->count = 0;
}

uint8_t *tv_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 4096, n = 0, r;
    uint8_t *b = malloc(cap + 1);
    while (b != NULL && (r = fread(b + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            uint8_t *nb = realloc(b, 2 * cap + 1);
            if (nb == NULL) {
                free(b);
                b = NULL;
                break;
            }
            b = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (b == NULL)
        return NULL;
    b[n] = 0;
    if (len != NULL)
        *len = n;
    return b;
}

int tv_pbs_default(void *user, uint8_t *out, size_t out_size, size_t *out_len)
{
    (void)user;
    if (out_size < 64)
        return -1;
    for (size_t i = 0; i < 64; i++)
        out[i] = (uint8_t)(i + 1);
    *out_len = 64;
    return 0;
}
