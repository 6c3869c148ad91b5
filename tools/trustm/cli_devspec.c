/*
 * cli_devspec.c - device specification parser (see cli_devspec.h). Pure: no I/O.
 */
#include "cli_devspec.h"

#include <stdio.h>
#include <string.h>

#include "cli_hex.h"

static int set_path(cli_devspec_t *out, const char *p, size_t n, const char *what, char *err, size_t errlen)
{
    if (n == 0u) {
        snprintf(err, errlen, "device spec: missing %s after ':'", what);
        return -1;
    }
    if (n >= sizeof(out->path)) {
        snprintf(err, errlen, "device spec: %s longer than %zu characters", what, sizeof(out->path) - 1u);
        return -1;
    }
    memcpy(out->path, p, n);
    out->path[n] = '\0';
    return 0;
}

/* One ",key=value" option of an i2c spec. */
static int i2c_option(cli_devspec_t *out, const char *opt, size_t n, char *err, size_t errlen)
{
    char buf[80];
    const char *eq;
    unsigned long v;
    if (n == 0u || n >= sizeof(buf)) {
        snprintf(err, errlen, "device spec: empty or too long option after ','");
        return -1;
    }
    memcpy(buf, opt, n);
    buf[n] = '\0';
    eq = strchr(buf, '=');
    if (eq == NULL || eq[1] == '\0') {
        snprintf(err, errlen, "device spec: option '%s' is not key=value (gpio=CHIP, rst=LINE, vdd=LINE)", buf);
        return -1;
    }
    if (strncmp(buf, "gpio=", 5) == 0) {
        if (strlen(eq + 1) >= sizeof(out->gpio_chip)) {
            snprintf(err, errlen, "device spec: gpio chip name too long");
            return -1;
        }
        strcpy(out->gpio_chip, eq + 1);
        return 0;
    }
    if (strncmp(buf, "rst=", 4) == 0 || strncmp(buf, "vdd=", 4) == 0) {
        if (cli_parse_uint(eq + 1, 0, 1023, &v) != 0) {
            snprintf(err, errlen, "device spec: '%s': line offset must be a number 0..1023", buf);
            return -1;
        }
        if (buf[0] == 'r') {
            out->rst_line = (int)v;
        } else {
            out->vdd_line = (int)v;
        }
        return 0;
    }
    if (strncmp(buf, "max=", 4) == 0) {
        if (cli_parse_uint(eq + 1, 17, 65535, &v) != 0) {
            snprintf(err, errlen, "device spec: '%s': the adapter's largest transfer must be 17..65535 bytes", buf);
            return -1;
        }
        out->max_transfer = (unsigned)v;
        return 0;
    }
    snprintf(err, errlen, "device spec: unknown option '%s' (gpio=, rst=, vdd=, max=)", buf);
    return -1;
}

static int parse_i2c(const char *s, cli_devspec_t *out, char *err, size_t errlen)
{
    const char *comma = strchr(s, ',');
    const char *end = comma != NULL ? comma : s + strlen(s);
    const char *at = NULL;
    for (const char *p = s; p < end; p++) {
        if (*p == '@') {
            at = p;
        }
    }
    if (set_path(out, s, (size_t)((at != NULL ? at : end) - s), "i2c device node", err, errlen) != 0) {
        return -1;
    }
    if (at != NULL) {
        char abuf[16];
        unsigned long a;
        size_t n = (size_t)(end - at - 1);
        if (n == 0u || n >= sizeof(abuf)) {
            snprintf(err, errlen, "device spec: bad I2C address after '@'");
            return -1;
        }
        memcpy(abuf, at + 1, n);
        abuf[n] = '\0';
        if (cli_parse_uint(abuf, 0x08, 0x77, &a) != 0) {
            snprintf(err, errlen, "device spec: I2C address '%s' is not a 7-bit address 0x08..0x77", abuf);
            return -1;
        }
        out->addr = (uint8_t)a;
    }
    while (comma != NULL) {
        const char *opt = comma + 1;
        const char *next = strchr(opt, ',');
        size_t n = next != NULL ? (size_t)(next - opt) : strlen(opt);
        if (i2c_option(out, opt, n, err, errlen) != 0) {
            return -1;
        }
        comma = next;
    }
    if ((out->rst_line >= 0 || out->vdd_line >= 0) && out->gpio_chip[0] == '\0') {
        snprintf(err, errlen, "device spec: rst=/vdd= need gpio=CHIP (e.g. gpio=gpiochip0)");
        return -1;
    }
    return 0;
}

int cli_devspec_parse(const char *spec, cli_devspec_t *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    out->addr = CLI_DEVSPEC_DEFAULT_ADDR;
    out->rst_line = -1;
    out->vdd_line = -1;
    if (spec == NULL || spec[0] == '\0') {
        snprintf(err, errlen,
                 "no device given: use --device SPEC or set %s "
                 "(sim:STATEFILE, socket:PATH, i2c:/dev/i2c-N[@0x30])",
                 CLI_DEVSPEC_ENV);
        return -1;
    }
    if (strncmp(spec, "sim:", 4) == 0) {
        out->kind = CLI_DEV_SIM;
        return set_path(out, spec + 4, strlen(spec + 4), "state file", err, errlen);
    }
    if (strncmp(spec, "socket:", 7) == 0) {
        out->kind = CLI_DEV_SOCKET;
        if (strlen(spec + 7) >= 108u) {
            snprintf(err, errlen, "device spec: socket path longer than 107 characters");
            return -1;
        }
        return set_path(out, spec + 7, strlen(spec + 7), "socket path", err, errlen);
    }
    if (strncmp(spec, "i2c:", 4) == 0) {
        out->kind = CLI_DEV_I2C;
        return parse_i2c(spec + 4, out, err, errlen);
    }
    snprintf(err, errlen,
             "device spec '%s': unknown kind (expected sim:STATEFILE, socket:PATH or "
             "i2c:/dev/i2c-N[@0x30])",
             spec);
    return -1;
}

void cli_devspec_describe(const cli_devspec_t *d, char *out, size_t out_size)
{
    switch (d->kind) {
    case CLI_DEV_SIM:
        snprintf(out, out_size, "in-process simulator, state %s", d->path);
        break;
    case CLI_DEV_SOCKET:
        snprintf(out, out_size, "simulator daemon at %s", d->path);
        break;
    default:
        snprintf(out, out_size, "I2C %s address 0x%02X%s%s", d->path, d->addr, d->gpio_chip[0] != '\0' ? " gpio " : "",
                 d->gpio_chip);
        break;
    }
}
