/*
 * cli_hex.c - hex and file helpers (see cli_hex.h).
 */
#define _POSIX_C_SOURCE 200809L

#include "cli_hex.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int hexval(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

int cli_hex_parse(const char *text, uint8_t *out, size_t out_size, size_t *out_len, char *err, size_t errlen)
{
    size_t n = 0;
    const char *p = text;
    int hi = -1;
    *out_len = 0;
    while (*p != '\0') {
        int v;
        if (*p == ' ' || *p == '\t' || *p == ':' || *p == '-' || *p == '\n' || *p == '\r') {
            if (hi >= 0) {
                snprintf(err, errlen, "odd number of hex digits before position %zu", (size_t)(p - text));
                return -1;
            }
            p++;
            continue;
        }
        if (hi < 0 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
            (p == text || p[-1] == ' ' || p[-1] == '\t' || p[-1] == ':' || p[-1] == '-')) {
            p += 2;
            continue;
        }
        v = hexval((unsigned char)*p);
        if (v < 0) {
            snprintf(err, errlen, "invalid hex character '%c' at position %zu", *p, (size_t)(p - text));
            return -1;
        }
        if (hi < 0) {
            hi = v;
        } else {
            if (n >= out_size) {
                snprintf(err, errlen, "hex data longer than %zu bytes", out_size);
                return -1;
            }
            out[n++] = (uint8_t)((hi << 4) | v);
            hi = -1;
        }
        p++;
    }
    if (hi >= 0) {
        snprintf(err, errlen, "odd number of hex digits");
        return -1;
    }
    *out_len = n;
    return 0;
}

void cli_hex_format(const uint8_t *b, size_t n, char sep, char *out, size_t out_size)
{
    static const char digits[] = "0123456789ABCDEF";
    size_t pos = 0;
    size_t per = sep != 0 ? 3u : 2u;
    if (out_size == 0u) {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (pos + per + 4u > out_size) { /* keep room for "..." and the terminator */
            if (pos + 4u <= out_size) {
                memcpy(out + pos, "...", 3);
                pos += 3;
            }
            break;
        }
        if (i > 0 && sep != 0) {
            out[pos++] = sep;
        }
        out[pos++] = digits[b[i] >> 4];
        out[pos++] = digits[b[i] & 15u];
    }
    out[pos] = '\0';
}

void cli_hex_dump(FILE *f, const char *indent, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i += 16u) {
        char line[64];
        size_t k = n - i < 16u ? n - i : 16u;
        cli_hex_format(b + i, k, ' ', line, sizeof(line));
        fprintf(f, "%s%s\n", indent, line);
    }
}

int cli_file_read(const char *path, uint8_t *buf, size_t size, size_t *len, char *err, size_t errlen)
{
    FILE *f;
    size_t n = 0;
    bool is_stdin = strcmp(path, "-") == 0;
    *len = 0;
    f = is_stdin ? stdin : fopen(path, "rb");
    if (f == NULL) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    for (;;) {
        size_t r;
        if (n == size) {
            int c = fgetc(f);
            if (c != EOF) {
                snprintf(err, errlen, "%s: larger than %zu bytes", path, size);
                if (!is_stdin) {
                    fclose(f);
                }
                return -1;
            }
            break;
        }
        r = fread(buf + n, 1, size - n, f);
        n += r;
        if (r == 0) {
            break;
        }
    }
    if (ferror(f)) {
        snprintf(err, errlen, "%s: read error: %s", path, strerror(errno));
        if (!is_stdin) {
            fclose(f);
        }
        return -1;
    }
    if (!is_stdin) {
        fclose(f);
    }
    *len = n;
    return 0;
}

int cli_file_write(const char *path, const uint8_t *buf, size_t len, char *err, size_t errlen)
{
    bool is_stdout = strcmp(path, "-") == 0;
    FILE *f = is_stdout ? stdout : fopen(path, "wb");
    if (f == NULL) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if ((len > 0u && fwrite(buf, 1, len, f) != len) || fflush(f) != 0) {
        snprintf(err, errlen, "%s: write error: %s", path, strerror(errno));
        if (!is_stdout) {
            fclose(f);
        }
        return -1;
    }
    if (!is_stdout && fclose(f) != 0) {
        snprintf(err, errlen, "%s: close error: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

int cli_parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
    char *end = NULL;
    unsigned long v;
    if (s == NULL || *s == '\0' || *s == '-' || *s == '+' || *s == ' ') {
        return -1;
    }
    errno = 0;
    v = strtoul(s, &end, 0);
    if (errno != 0 || end == s || *end != '\0' || v < min || v > max) {
        return -1;
    }
    *out = v;
    return 0;
}
