/*
 * cli_util.c - data options and parsers of the trustm subcommands (see cli_util.h).
 */
#define _POSIX_C_SOURCE 200809L

#include "cli_util.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli_hex.h"
#include "trustm/trustm_metadata.h"

void cli_io_help(unsigned which)
{
    if ((which & CLI_IO_IN) != 0u) {
        printf("  --in FILE|-           input data from FILE (default: standard input)\n"
               "  --data HEX            input data given as hex on the command line\n");
    }
    if ((which & CLI_IO_OUT) != 0u) {
        printf("  --out FILE|-          write the result to FILE (default: standard output)\n");
    }
    if ((which & CLI_IO_HEX) != 0u) {
        if ((which & (CLI_IO_IN | CLI_IO_OUT)) == (CLI_IO_IN | CLI_IO_OUT)) {
            printf("  --hex                 input file and output are hex text instead of binary\n"
                   "  --hex-in, --hex-out   only the input / only the output is hex text\n");
        } else if ((which & CLI_IO_IN) != 0u) {
            printf("  --hex                 input files are hex text instead of binary\n");
        } else {
            printf("  --hex                 write hex text instead of binary\n");
        }
    }
    if ((which & (CLI_IO_OUT | CLI_IO_HEX)) == (CLI_IO_OUT | CLI_IO_HEX)) {
        printf("  --json                write the result as JSON: {\"bytes\":N,\"hex\":\"...\"}\n");
    }
}

int cli_common_option(cli_globals_t *g, cli_io_t *io, unsigned which, const char *cmd, const char *help, int argc,
                      char **argv, int *i)
{
    const char *a = argv[*i];
    const char *v;
    bool err = false;
    int r;
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
        fputs(help, stdout);
        cli_io_help(which);
        printf("\n%s", cli_global_help);
        return 2;
    }
    if ((which & CLI_IO_IN) != 0u) {
        if ((v = cli_opt_value(argc, argv, i, "--in", "-i", &err)) != NULL) {
            io->in = v;
            return 1;
        }
        if (err) {
            (void)cli_usage_error(cmd, "%s needs a file name (or - for standard input)", a);
            return -1;
        }
        if ((v = cli_opt_value(argc, argv, i, "--data", NULL, &err)) != NULL) {
            io->data = v;
            return 1;
        }
        if (err) {
            (void)cli_usage_error(cmd, "--data needs hex bytes");
            return -1;
        }
    }
    if ((which & CLI_IO_OUT) != 0u) {
        if ((v = cli_opt_value(argc, argv, i, "--out", "-o", &err)) != NULL) {
            io->out = v;
            return 1;
        }
        if (err) {
            (void)cli_usage_error(cmd, "%s needs a file name (or - for standard output)", a);
            return -1;
        }
    }
    if ((which & (CLI_IO_OUT | CLI_IO_HEX)) == (CLI_IO_OUT | CLI_IO_HEX) && strcmp(a, "--json") == 0) {
        io->json = true;
        (*i)++;
        return 1;
    }
    if ((which & CLI_IO_HEX) != 0u && strcmp(a, "--hex") == 0) {
        io->hex_in = io->hex_out = true;
        (*i)++;
        return 1;
    }
    if ((which & CLI_IO_HEX) != 0u && (which & (CLI_IO_IN | CLI_IO_OUT)) == (CLI_IO_IN | CLI_IO_OUT) &&
        (strcmp(a, "--hex-in") == 0 || strcmp(a, "--hex-out") == 0)) {
        if (a[6] == 'i') {
            io->hex_in = true;
        } else {
            io->hex_out = true;
        }
        (*i)++;
        return 1;
    }
    r = cli_global_option(g, argc, argv, i);
    if (r < 0) {
        return -1;
    }
    return r;
}

int cli_file_load(const char *path, bool hex, const char *cmd, uint8_t *buf, size_t size, size_t *len)
{
    char err[320];
    if (!hex) {
        if (cli_file_read(path, buf, size, len, err, sizeof(err)) != 0) {
            fprintf(stderr, "trustm %s: %s\n", cmd, err);
            return CLI_EXIT_FILE;
        }
        return CLI_EXIT_OK;
    }
    /* hex text: up to 3 characters per byte plus line breaks */
    size_t tsize = size * 3u + 4096u;
    char *text = malloc(tsize + 1u);
    size_t tlen = 0;
    int rc = CLI_EXIT_OK;
    if (text == NULL) {
        fprintf(stderr, "trustm %s: out of memory\n", cmd);
        return CLI_EXIT_FILE;
    }
    if (cli_file_read(path, (uint8_t *)text, tsize, &tlen, err, sizeof(err)) != 0) {
        fprintf(stderr, "trustm %s: %s\n", cmd, err);
        rc = CLI_EXIT_FILE;
    } else {
        text[tlen] = '\0';
        if (strlen(text) != tlen) {
            fprintf(stderr, "trustm %s: %s: not hex text (contains a NUL byte)\n", cmd, path);
            rc = CLI_EXIT_FILE;
        } else if (cli_hex_parse(text, buf, size, len, err, sizeof(err)) != 0) {
            fprintf(stderr, "trustm %s: %s: %s\n", cmd, strcmp(path, "-") == 0 ? "standard input" : path, err);
            rc = CLI_EXIT_FILE;
        }
    }
    free(text);
    return rc;
}

int cli_input_read(const cli_io_t *io, const char *cmd, uint8_t *buf, size_t size, size_t *len)
{
    if (io->data != NULL) {
        if (io->in != NULL) {
            return cli_usage_error(cmd, "give the input either with --in or with --data, not both");
        }
        return cli_parse_hex_arg(cmd, "--data", io->data, buf, size, len);
    }
    return cli_file_load(io->in != NULL ? io->in : "-", io->hex_in, cmd, buf, size, len);
}

int cli_file_store(const char *path, bool hex, const char *cmd, const uint8_t *b, size_t n)
{
    char err[320];
    int r;
    if (!hex) {
        r = cli_file_write(path, b, n, err, sizeof(err));
    } else {
        static const char digits[] = "0123456789abcdef";
        char *text = malloc(n * 2u + 2u);
        if (text == NULL) {
            fprintf(stderr, "trustm %s: out of memory\n", cmd);
            return CLI_EXIT_FILE;
        }
        for (size_t k = 0; k < n; k++) {
            text[2u * k] = digits[b[k] >> 4];
            text[2u * k + 1u] = digits[b[k] & 15u];
        }
        text[2u * n] = '\n';
        r = cli_file_write(path, (const uint8_t *)text, 2u * n + 1u, err, sizeof(err));
        free(text);
    }
    if (r != 0) {
        fprintf(stderr, "trustm %s: %s\n", cmd, err);
        return CLI_EXIT_FILE;
    }
    return CLI_EXIT_OK;
}

int cli_output_check(const char *cmd, const char *path)
{
    char probe[4200];
    if (path == NULL || strcmp(path, "-") == 0) {
        return CLI_EXIT_OK;
    }
    if (strlen(path) > 4000u) {
        fprintf(stderr, "trustm %s: %s: path too long\n", cmd, path);
        return CLI_EXIT_FILE;
    }
    snprintf(probe, sizeof(probe), "%s.XXXXXX", path);
    int fd = mkstemp(probe);
    if (fd < 0) {
        fprintf(stderr, "trustm %s: cannot write %s: %s (nothing done)\n", cmd, path, strerror(errno));
        return CLI_EXIT_FILE;
    }
    close(fd);
    unlink(probe);
    return CLI_EXIT_OK;
}

int cli_output_write(const cli_io_t *io, const char *cmd, const uint8_t *b, size_t n)
{
    if (io->json) {
        static char text[2u * 4096u + 64u];
        int k = snprintf(text, sizeof(text), "{\"bytes\":%zu,\"hex\":\"", n);
        if (k < 0 || (size_t)k + 2u * n + 3u > sizeof(text)) {
            fprintf(stderr, "trustm %s: the result is too long for --json (%zu bytes); use --out FILE\n", cmd, n);
            return CLI_EXIT_FILE;
        }
        cli_hex_format(b, n, 0, text + k, sizeof(text) - (size_t)k);
        strcat(text, "\"}\n");
        return cli_file_store(io->out != NULL ? io->out : "-", false, cmd, (const uint8_t *)text, strlen(text));
    }
    return cli_file_store(io->out != NULL ? io->out : "-", io->hex_out, cmd, b, n);
}

int cli_parse_oid(const char *s, uint16_t *oid)
{
    size_t n;
    unsigned v = 0;
    if (s == NULL) {
        return -1;
    }
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        s += 2;
    }
    n = strlen(s);
    if (n != 4u) {
        return -1;
    }
    for (size_t k = 0; k < n; k++) {
        int c = (unsigned char)s[k];
        if (!isxdigit(c)) {
            return -1;
        }
        v = (v << 4) | (unsigned)(isdigit(c) ? c - '0' : (tolower(c) - 'a' + 10));
    }
    *oid = (uint16_t)v;
    return 0;
}

int cli_parse_hex_arg(const char *cmd, const char *opt, const char *text, uint8_t *out, size_t size, size_t *len)
{
    char err[160];
    if (cli_hex_parse(text, out, size, len, err, sizeof(err)) != 0) {
        return cli_usage_error(cmd, "%s: %s", opt, err);
    }
    return CLI_EXIT_OK;
}

int cli_parse_key_usage(const char *s, uint8_t *usage)
{
    static const struct {
        const char *name;
        uint8_t bit;
    } names[] = {
        {"auth", TRUSTM_KEY_USAGE_AUTH},
        {"enc", TRUSTM_KEY_USAGE_ENC},
        {"sign", TRUSTM_KEY_USAGE_SIGN},
        {"keyagree", TRUSTM_KEY_USAGE_KEY_AGREE},
    };
    unsigned long v;
    uint8_t bits = 0;
    const char *p = s;
    if (cli_parse_uint(s, 1, 0xFF, &v) == 0) {
        *usage = (uint8_t)v;
        return 0;
    }
    while (*p != '\0') {
        size_t n = strcspn(p, ",|+");
        bool found = false;
        for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
            if (strlen(names[k].name) == n && strncasecmp(p, names[k].name, n) == 0) {
                bits |= names[k].bit;
                found = true;
            }
        }
        if (!found) {
            return -1;
        }
        p += n;
        if (*p != '\0') {
            p++;
            if (*p == '\0') {
                return -1;
            }
        }
    }
    if (bits == 0u) {
        return -1;
    }
    *usage = bits;
    return 0;
}

int cli_parse_sha(const char *s)
{
    if (strcasecmp(s, "sha256") == 0 || strcasecmp(s, "sha-256") == 0) {
        return 0;
    }
    if (strcasecmp(s, "sha384") == 0 || strcasecmp(s, "sha-384") == 0) {
        return 1;
    }
    if (strcasecmp(s, "sha512") == 0 || strcasecmp(s, "sha-512") == 0) {
        return 2;
    }
    return -1;
}

void cli_json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            fprintf(f, "\\%c", c);
        } else if (c < 0x20u) {
            fprintf(f, "\\u%04x", c);
        } else {
            fputc(c, f);
        }
    }
    fputc('"', f);
}

int cli_oid_arg(const char *cmd, const char *what, const char *s, uint16_t *oid)
{
    if (cli_parse_oid(s, oid) != 0) {
        return cli_usage_error(cmd, "%s '%s': expected an OID of 4 hex digits (e.g. F1D0)", what, s);
    }
    return CLI_EXIT_OK;
}

int cli_parse(cli_globals_t *g, cli_io_t *io, unsigned which, const char *cmd, const char *help, const cli_opt_t *opts,
              const char **pos, int argc, char **argv)
{
    for (int i = 1; i < argc;) {
        const cli_opt_t *o = opts;
        int r = cli_common_option(g, io, which, cmd, help, argc, argv, &i);
        if (r == 2) {
            return CLI_EXIT_OK;
        }
        if (r < 0) {
            return CLI_EXIT_USAGE;
        }
        if (r == 1) {
            continue;
        }
        for (; o != NULL && o->name != NULL; o++) {
            bool err = false;
            if (o->value == NULL) {
                if (strcmp(argv[i], o->name) == 0 || (o->alias != NULL && strcmp(argv[i], o->alias) == 0)) {
                    *o->flag = true;
                    i++;
                    break;
                }
                continue;
            }
            const char *v = cli_opt_value(argc, argv, &i, o->name, o->alias, &err);
            if (err) {
                return cli_usage_error(cmd, "%s needs a value", argv[i]);
            }
            if (v != NULL && o->count != NULL) {
                if (*o->count >= o->max) {
                    return cli_usage_error(cmd, "more than %zu %s options", o->max, o->name);
                }
                o->value[(*o->count)++] = v;
                break;
            }
            if (v != NULL) {
                *o->value = v;
                break;
            }
        }
        if (o != NULL && o->name != NULL) {
            continue;
        }
        if (pos == NULL) {
            return cli_usage_error(cmd, "unexpected argument '%s'", argv[i]);
        }
        if ((r = cli_positional_arg(cmd, argv, &i, pos)) != CLI_EXIT_OK) {
            return r;
        }
    }
    return CLI_PARSE_RUN;
}

int cli_positional_arg(const char *cmd, char **argv, int *i, const char **slot)
{
    const char *a = argv[*i];
    if (a[0] == '-' && a[1] != '\0')
        return cli_usage_error(cmd, "unknown option '%s'", a);
    if (*slot != NULL)
        return cli_usage_error(cmd, "unexpected argument '%s'", a);
    *slot = a;
    (*i)++;
    return CLI_EXIT_OK;
}
