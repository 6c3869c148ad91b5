/*
 * trace_decode.c - IFX I2C bus trace decoder (see trace_decode.h).
 */
#include "trace_decode.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli_objects.h"
#include "trustm_crc16.h"
#include "trustm_frame.h"
#include "trustm_pctr.h"

#define DIR_HOST 0
#define DIR_CHIP 1
#define DIR_NONE (-1)
#define HEX_SHOW 32u /* data bytes shown on a "data" line */

/* ---- output helpers ------------------------------------------------------------------- */

static void prefix(trace_dec_t *d, bool first)
{
    if (d->timed) {
        if (first) {
            fprintf(d->out, "%7llu.%03llu ms  ", (unsigned long long)(d->time_us / 1000u),
                    (unsigned long long)(d->time_us % 1000u));
        } else {
            fprintf(d->out, "%*s", 15, "");
        }
    }
}

/* Event line: tag column then text. */
static void ev(trace_dec_t *d, const char *tag, const char *fmt, ...)
{
    va_list ap;
    prefix(d, true);
    fprintf(d->out, "%-5s ", tag);
    va_start(ap, fmt);
    vfprintf(d->out, fmt, ap);
    va_end(ap);
    fputc('\n', d->out);
}

/* Layer line below an event: "      frame   ...". */
static void sub(trace_dec_t *d, const char *layer, const char *fmt, ...)
{
    va_list ap;
    prefix(d, false);
    fprintf(d->out, "%-5s   %-7s ", "", layer);
    va_start(ap, fmt);
    vfprintf(d->out, fmt, ap);
    va_end(ap);
    fputc('\n', d->out);
}

/* Hex with wildcards: "CD XX XX"; at most max bytes, then "... (n bytes)". */
static void hexw(const uint8_t *b, const char *wild, size_t n, size_t max, char *out, size_t out_size)
{
    static const char dig[] = "0123456789ABCDEF";
    size_t pos = 0;
    size_t show = n < max ? n : max;
    out[0] = '\0';
    for (size_t i = 0; i < show && pos + 4u < out_size; i++) {
        if (i > 0) {
            out[pos++] = ' ';
        }
        if (wild != NULL && wild[i] != 0) {
            out[pos++] = wild[i];
            out[pos++] = wild[i];
        } else {
            out[pos++] = dig[b[i] >> 4];
            out[pos++] = dig[b[i] & 15u];
        }
    }
    out[pos] = '\0';
    if (show < n) {
        snprintf(out + pos, out_size - pos, " ... (%zu bytes)", n);
    }
}

static bool any_wild(const char *wild, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (wild[i] != 0) {
            return true;
        }
    }
    return false;
}

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}
static uint32_t be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* ---- state ---------------------------------------------------------------------------- */

static void dir_reset(trace_dir_t *t)
{
    t->last_frnr = -1;
    t->chain_open = false;
    t->chain_presence = false;
    t->chain_len = 0;
}

/* Chip reset (power, RST, soft reset, section start): link and transport start over. */
static void link_reset(trace_dec_t *d)
{
    d->frame_size = TRUSTM_DL_FRAME_MAX;
    dir_reset(&d->dir[0]);
    dir_reset(&d->dir[1]);
    d->have_cmd = false;
}

void trace_dec_init(trace_dec_t *d, FILE *out)
{
    memset(d, 0, sizeof(*d));
    d->out = out;
    d->reg = -1;
    link_reset(d);
}

/* ---- registers ------------------------------------------------------------------------ */

static const char *reg_name(int reg)
{
    switch (reg) {
    case 0x80:
        return "DATA";
    case 0x81:
        return "DATA_REG_LEN";
    case 0x82:
        return "I2C_STATE";
    case 0x83:
        return "BASE_ADDR";
    case 0x84:
        return "MAX_SCL_FREQU";
    case 0x85:
        return "GUARD_TIME";
    case 0x86:
        return "TRANS_TIMEOUT";
    case 0x87:
        return "PWR_SAVE_TIMEOUT";
    case 0x88:
        return "SOFT_RESET";
    case 0x89:
        return "I2C_MODE";
    case 0xA0:
        return "FOR_IFX_USE_1";
    case 0xA1:
        return "FOR_IFX_USE_2";
    default:
        return (reg >= 0x90 && reg <= 0x9F) ? "APP_STATE" : "unknown register";
    }
}

static void reg_label(int reg, char *out, size_t n)
{
    if (reg >= 0x90 && reg <= 0x9F) {
        snprintf(out, n, "APP_STATE_%d (0x%02X)", reg - 0x90, (unsigned)reg);
    } else {
        snprintf(out, n, "%s (0x%02X)", reg_name(reg), (unsigned)reg);
    }
}

static const char *i2c_mode_name(unsigned m)
{
    switch (m) {
    case 1:
        return "Sm (100 kHz)";
    case 2:
        return "Fm (400 kHz)";
    case 3:
        return "Sm&Fm";
    case 4:
        return "Fm+ (1000 kHz)";
    default:
        return "invalid mode (ignored by the chip)";
    }
}

/* ---- APDU ----------------------------------------------------------------------------- */

static void show_data(trace_dec_t *d, const uint8_t *b, const char *w, size_t n)
{
    char hex[200];
    if (n == 0u) {
        return;
    }
    hexw(b, w, n, HEX_SHOW, hex, sizeof(hex));
    sub(d, "data", "%s", hex);
}

static void oid_text(uint16_t oid, char *out, size_t n)
{
    const char *name = cli_oid_name(oid);
    if (name != NULL) {
        snprintf(out, n, "%04X (%s)", oid, name);
    } else {
        snprintf(out, n, "%04X", oid);
    }
}

/* Meaning of the Param byte of the cryptographic commands (commands.md §4), NULL if none. */
static const char *crypto_param(uint8_t cmd, uint8_t p)
{
    switch (cmd) {
    case 0x0C: /* GetRandom */
        return p == 0x00 ? "TRNG" : (p == 0x01 ? "DRNG" : (p == 0x04 ? "pre-master secret" : NULL));
    case 0x14: /* EncryptSym */
    case 0x15: /* DecryptSym */
        switch (p) {
        case 0x08:
            return "AES-ECB";
        case 0x09:
            return "AES-CBC";
        case 0x0A:
            return "CBC-MAC";
        case 0x0B:
            return "CMAC";
        case 0x20:
            return "HMAC-SHA256";
        case 0x21:
            return "HMAC-SHA384";
        case 0x22:
            return "HMAC-SHA512";
        default:
            return NULL;
        }
    case 0x1E: /* EncryptAsym */
    case 0x1F: /* DecryptAsym */
        return p == 0x11 ? "RSAES-PKCS1-v1.5" : NULL;
    case 0x30: /* CalcHash */
        return p == 0xE2 ? "SHA-256" : NULL;
    case 0x31: /* CalcSign */
    case 0x32: /* VerifySign */
        switch (p) {
        case 0x01:
            return "RSA PKCS#1 v1.5 SHA-256";
        case 0x02:
            return "RSA PKCS#1 v1.5 SHA-384";
        case 0x03:
            return "RSA PKCS#1 v1.5 SHA-512";
        case 0x11:
            return "ECDSA";
        default:
            return NULL;
        }
    case 0x34: /* DeriveKey */
        switch (p) {
        case 0x01:
            return "TLS PRF SHA-256";
        case 0x02:
            return "TLS PRF SHA-384";
        case 0x03:
            return "TLS PRF SHA-512";
        case 0x08:
            return "HKDF-SHA256";
        case 0x09:
            return "HKDF-SHA384";
        case 0x0A:
            return "HKDF-SHA512";
        default:
            return NULL;
        }
    case 0x38: /* GenKeyPair */
        return p == 0x41 ? "RSA 1024" : (p == 0x42 ? "RSA 2048" : NULL);
    case 0x39: /* GenSymKey */
        return p == 0x81 ? "AES-128" : (p == 0x82 ? "AES-192" : (p == 0x83 ? "AES-256" : NULL));
    default:
        return NULL;
    }
}

static void apdu_command(trace_dec_t *d, const uint8_t *a, const char *w, size_t n)
{
    char cmdtxt[64];
    char oid[64];
    const char *name;
    uint16_t inlen;
    const uint8_t *in = a + 4;
    size_t in_n;
    d->st.commands++;
    d->have_cmd = false;
    if (n < 4u) {
        sub(d, "apdu", "> command too short (%zu bytes, header needs 4)", n);
        d->st.anomalies++;
        return;
    }
    name = cli_cmd_name(a[0]);
    snprintf(cmdtxt, sizeof(cmdtxt), "%s (%02X%s)", name != NULL ? name : "unknown command", a[0],
             (a[0] & 0x80u) != 0u ? ", flush last error" : "");
    inlen = be16(a + 2);
    in_n = n - 4u;
    if (any_wild(w, 4)) {
        sub(d, "apdu", "> %s, header has wildcard bytes", cmdtxt);
        return;
    }
    d->have_cmd = true;
    d->cmd = a[0];
    d->param = a[1];
    d->oid_valid = false;
    if (inlen != in_n) {
        sub(d, "apdu", "> %s, Param %02X, InLen %u but %zu data bytes follow", cmdtxt, a[1], inlen, in_n);
        d->st.anomalies++;
        show_data(d, in, w + 4, in_n);
        return;
    }
    switch (a[0] & 0x7Fu) {
    case 0x01: /* GetDataObject */
        if (a[1] == 0x00 && in_n == 6u && !any_wild(w + 4, 6)) {
            d->oid = be16(in);
            d->oid_valid = true;
            oid_text(d->oid, oid, sizeof(oid));
            sub(d, "apdu", "> %s, Param 00 read data, OID %s, offset %u, length %u", cmdtxt, oid, be16(in + 2),
                be16(in + 4));
            return;
        }
        if (a[1] == 0x01 && in_n == 2u && !any_wild(w + 4, 2)) {
            d->oid = be16(in);
            d->oid_valid = true;
            oid_text(d->oid, oid, sizeof(oid));
            sub(d, "apdu", "> %s, Param 01 read metadata, OID %s", cmdtxt, oid);
            return;
        }
        break;
    case 0x02: /* SetDataObject */
        if (in_n >= 4u && !any_wild(w + 4, 4)) {
            static const char *const pn[] = {"write data", "write metadata", "count"};
            const char *p = a[1] <= 2u ? pn[a[1]] : (a[1] == 0x40u ? "erase & write" : "invalid param");
            d->oid = be16(in);
            d->oid_valid = true;
            oid_text(d->oid, oid, sizeof(oid));
            sub(d, "apdu", "> %s, Param %02X %s, OID %s, offset %u, %zu data bytes", cmdtxt, a[1], p, oid, be16(in + 2),
                in_n - 4u);
            show_data(d, in + 4, w + 8, in_n - 4u);
            return;
        }
        break;
    case 0x70: /* OpenApplication */
        if (in_n >= 16u && !any_wild(w + 4, 16)) {
            bool genauth = memcmp(in + 5, "GenAuthAppl", 11) == 0 && in[0] == 0xD2 && in[1] == 0x76;
            sub(d, "apdu", "> %s, Param %02X %s, InLen %u, AID %s%s", cmdtxt, a[1],
                a[1] == 0 ? "new context" : (a[1] == 1 ? "restore context" : "invalid param"), inlen,
                genauth ? "GenAuthAppl" : "unknown", in_n == 24u ? " + 8-byte context handle" : "");
            return;
        }
        break;
    case 0x71: /* CloseApplication */
        sub(d, "apdu", "> %s, Param %02X %s, InLen %u", cmdtxt, a[1],
            a[1] == 0 ? "close" : (a[1] == 1 ? "hibernate (save context)" : "invalid param"), inlen);
        return;
    default: {
        const char *pm = crypto_param((uint8_t)(a[0] & 0x7Fu), a[1]);
        if (pm != NULL) {
            sub(d, "apdu", "> %s, Param %02X %s, InLen %u", cmdtxt, a[1], pm, inlen);
            show_data(d, in, w + 4, in_n);
            return;
        }
        break;
    }
    }
    sub(d, "apdu", "> %s, Param %02X, InLen %u", cmdtxt, a[1], inlen);
    show_data(d, in, w + 4, in_n);
}

static void apdu_response(trace_dec_t *d, const uint8_t *a, const char *w, size_t n)
{
    char to[96];
    char oid[64];
    uint16_t outlen;
    size_t out_n;
    d->st.responses++;
    if (d->have_cmd) {
        const char *name = cli_cmd_name(d->cmd);
        if (d->oid_valid) {
            snprintf(oid, sizeof(oid), " %04X", d->oid);
        } else {
            oid[0] = '\0';
        }
        snprintf(to, sizeof(to), "response to %s%s", name != NULL ? name : "command", oid);
    } else {
        snprintf(to, sizeof(to), "response");
    }
    if (n < 4u) {
        sub(d, "apdu", "< %s too short (%zu bytes, header needs 4)", to, n);
        d->st.anomalies++;
        d->have_cmd = false;
        return;
    }
    if (any_wild(w, 4)) {
        sub(d, "apdu", "< %s, header has wildcard bytes", to);
        d->have_cmd = false;
        return;
    }
    outlen = be16(a + 2);
    out_n = n - 4u;
    sub(d, "apdu", "< %s: Sta %02X %s, OutLen %u%s", to, a[0],
        a[0] == 0x00 ? "success" : (a[0] == 0xFF ? "error (code in F1C2)" : "invalid status"), outlen,
        outlen != out_n ? " (does not match the data that follows)" : "");
    if (outlen != out_n) {
        d->st.anomalies++;
    }
    show_data(d, a + 4, w + 4, out_n);
    if (a[0] == 0x00 && d->have_cmd && (d->cmd & 0x7Fu) == 0x01 && d->param == 0x00 && d->oid_valid &&
        outlen == out_n && !any_wild(w + 4, out_n)) {
        char val[160];
        if (cli_object_describe(d->oid, a + 4, out_n, val, sizeof(val))) {
            oid_text(d->oid, oid, sizeof(oid));
            sub(d, "value", "%s = %s", oid, val);
        }
    }
    d->have_cmd = false;
}

/* ---- presentation layer and message delivery ------------------------------------------ */

static void sctr_describe(uint8_t sctr, char *out, size_t n)
{
    unsigned proto = trustm_sctr_protocol(sctr);
    unsigned msg = trustm_sctr_message(sctr);
    unsigned prot = trustm_sctr_protection(sctr);
    static const char *const hs[] = {"Hello", "Key Agreement", "Finished"};
    static const char *const mc[] = {"save context", "context saved", "restore context", "context restored"};
    static const char *const pr[] = {"unprotected", "master protected", "slave protected",
                                     "master and slave protected"};
    switch (proto) {
    case 0:
        snprintf(out, n, "handshake %s", msg < 3u ? hs[msg] : "RFU message");
        break;
    case 1:
        snprintf(out, n, "record exchange, %s", pr[prot]);
        break;
    case 2:
        snprintf(out, n, "alert: %s", msg == 0u ? "fatal" : (msg == 1u ? "integrity violated" : "RFU"));
        break;
    case 3:
        snprintf(out, n, "manage context: %s", msg < 4u ? mc[msg] : "RFU");
        break;
    default:
        snprintf(out, n, "RFU protocol");
        break;
    }
}

static void deliver(trace_dec_t *d, int dir, const uint8_t *m, const char *w, size_t n, bool presence)
{
    if (presence) {
        char s[80];
        uint8_t sctr;
        if (n < 1u || w[0] != 0) {
            sub(d, "sctr", "missing");
            d->st.anomalies++;
            return;
        }
        sctr = m[0];
        sctr_describe(sctr, s, sizeof(s));
        if (trustm_sctr_protocol(sctr) == 1u) {
            bool protected_dir = (trustm_sctr_protection(sctr) & (dir == DIR_HOST ? 1u : 2u)) != 0u;
            if (protected_dir) {
                if (n < 13u) {
                    sub(d, "sctr", "%02X %s; too short for sequence number and tag (%zu bytes)", sctr, s, n);
                    d->st.anomalies++;
                } else {
                    sub(d, "sctr", "%02X %s; seq %lu, %zu bytes ciphertext + 8-byte tag", sctr, s,
                        (unsigned long)be32(m + 1), n - 13u);
                }
                return;
            }
            sub(d, "sctr", "%02X %s", sctr, s);
            m++;
            w++;
            n--;
        } else {
            if (trustm_sctr_protocol(sctr) == 0u && trustm_sctr_message(sctr) == 0u && n >= 2u) {
                sub(d, "sctr", "%02X %s, PVER %02X%s", sctr, s, m[1], n == 38u ? ", RND (32) and SSEQ" : "");
            } else {
                sub(d, "sctr", "%02X %s, %zu byte%s", sctr, s, n, n == 1u ? "" : "s");
            }
            return;
        }
    }
    if (dir == DIR_HOST) {
        apdu_command(d, m, w, n);
    } else if (dir == DIR_CHIP) {
        apdu_response(d, m, w, n);
    } else {
        show_data(d, m, w, n);
    }
}

/* ---- transport ------------------------------------------------------------------------ */

static const char *chain_name(uint8_t chain)
{
    switch (chain) {
    case TRUSTM_TL_CHAIN_SINGLE:
        return "single";
    case TRUSTM_TL_CHAIN_FIRST:
        return "first of chain";
    case TRUSTM_TL_CHAIN_INTERMEDIATE:
        return "intermediate of chain";
    case TRUSTM_TL_CHAIN_LAST:
        return "last of chain";
    case TRUSTM_TL_CHAIN_ERROR:
        return "chaining error";
    default:
        return "invalid chain value";
    }
}

static bool chain_append(trace_dec_t *d, trace_dir_t *t, const uint8_t *p, const char *w, size_t n)
{
    if (t->chain_len + n > sizeof(t->chain)) {
        sub(d, "error", "reassembled message longer than %zu bytes; chain dropped", sizeof(t->chain));
        d->st.anomalies++;
        t->chain_open = false;
        t->chain_len = 0;
        return false;
    }
    memcpy(t->chain + t->chain_len, p, n);
    memcpy(t->chain_wild + t->chain_len, w, n);
    t->chain_len += n;
    return true;
}

static void packet(trace_dec_t *d, int dir, const uint8_t *p, const char *w, size_t n)
{
    const size_t max_packet = (size_t)d->frame_size - TRUSTM_DL_OVERHEAD;
    uint8_t pctr;
    uint8_t chain;
    trace_dir_t *t;
    if (w[0] != 0) {
        sub(d, "packet", "PCTR is a wildcard byte");
        return;
    }
    pctr = p[0];
    chain = trustm_pctr_chain(pctr);
    if (dir == DIR_NONE) {
        sub(d, "packet", "PCTR %02X: %s%s, chan %u, %zu bytes", pctr, chain_name(chain),
            trustm_pctr_presence(pctr) ? ", PRESENCE" : "", trustm_pctr_chan(pctr), n - 1u);
        if (chain == TRUSTM_TL_CHAIN_SINGLE) {
            deliver(d, DIR_NONE, p + 1, w + 1, n - 1u, trustm_pctr_presence(pctr));
        }
        return;
    }
    t = &d->dir[dir];
    switch (chain) {
    case TRUSTM_TL_CHAIN_SINGLE:
        sub(d, "packet", "PCTR %02X: single%s, chan %u, %zu byte%s%s", pctr,
            trustm_pctr_presence(pctr) ? ", PRESENCE" : "", trustm_pctr_chan(pctr), n - 1u, n == 2u ? "" : "s",
            t->chain_open ? " (a chain was still open: transport error)" : "");
        if (t->chain_open) {
            d->st.anomalies++;
        }
        t->chain_open = false;
        t->chain_len = 0;
        deliver(d, dir, p + 1, w + 1, n - 1u, trustm_pctr_presence(pctr));
        return;
    case TRUSTM_TL_CHAIN_FIRST:
        if (t->chain_open) {
            d->st.anomalies++;
        }
        t->chain_open = true;
        t->chain_len = 0;
        t->chain_presence = trustm_pctr_presence(pctr);
        (void)chain_append(d, t, p + 1, w + 1, n - 1u);
        sub(d, "packet", "PCTR %02X: first of chain%s, chan %u, %zu bytes%s", pctr,
            trustm_pctr_presence(pctr) ? ", PRESENCE" : "", trustm_pctr_chan(pctr), n - 1u,
            n != max_packet ? " (not the maximum packet size: transport error)" : "");
        if (n != max_packet) {
            d->st.anomalies++;
        }
        return;
    case TRUSTM_TL_CHAIN_INTERMEDIATE:
    case TRUSTM_TL_CHAIN_LAST:
        if (!t->chain_open) {
            sub(d, "packet", "PCTR %02X: %s, %zu bytes, but no chain is open (transport error)", pctr,
                chain_name(chain), n - 1u);
            d->st.anomalies++;
            return;
        }
        if (!chain_append(d, t, p + 1, w + 1, n - 1u)) {
            return;
        }
        sub(d, "packet", "PCTR %02X: %s, chan %u, %zu bytes, %zu so far%s", pctr, chain_name(chain),
            trustm_pctr_chan(pctr), n - 1u, t->chain_len,
            (chain == TRUSTM_TL_CHAIN_INTERMEDIATE && n != max_packet)
                ? " (not the maximum packet size: transport error)"
                : "");
        if (chain == TRUSTM_TL_CHAIN_INTERMEDIATE && n != max_packet) {
            d->st.anomalies++;
        }
        if (chain == TRUSTM_TL_CHAIN_LAST) {
            t->chain_open = false;
            deliver(d, dir, t->chain, t->chain_wild, t->chain_len, t->chain_presence);
            t->chain_len = 0;
        }
        return;
    case TRUSTM_TL_CHAIN_ERROR:
        sub(d, "packet", "PCTR %02X: chaining error signalled by the %s", pctr, dir == DIR_HOST ? "host" : "chip");
        t->chain_open = false;
        t->chain_len = 0;
        return;
    default:
        sub(d, "packet", "PCTR %02X: invalid chain value %u", pctr, chain);
        d->st.anomalies++;
        return;
    }
}

/* ---- data link ------------------------------------------------------------------------ */

static void fctr_text(uint8_t fctr, char *out, size_t n)
{
    trustm_dl_fctr_t f;
    if (!trustm_dl_fctr_is_valid(fctr)) {
        snprintf(out, n, "%02X: invalid FCTR (not in Table 8-1)", fctr);
        return;
    }
    trustm_dl_fctr_decode(fctr, &f);
    if (f.ftype == TRUSTM_DL_FTYPE_DATA) {
        snprintf(out, n, "%02X: data frame %u, %s %u", fctr, f.frnr, f.seqctr == TRUSTM_DL_SEQCTR_NAK ? "NAK" : "ACK",
                 f.acknr);
    } else if (f.seqctr == TRUSTM_DL_SEQCTR_RESYNC) {
        snprintf(out, n, "%02X: control RESYNC", fctr);
    } else {
        snprintf(out, n, "%02X: control %s %u", fctr, f.seqctr == TRUSTM_DL_SEQCTR_NAK ? "NAK" : "ACK", f.acknr);
    }
}

static void frame(trace_dec_t *d, int dir, const uint8_t *b, const char *w, size_t n)
{
    char ft[64];
    char fcs[64];
    uint16_t len;
    size_t flen;
    bool ok = true;
    const char *extra = "";
    char repeat[64];
    trustm_dl_fctr_t f;

    d->st.frames++;
    if (n >= 1u && !any_wild(w, n)) {
        bool all_ff = true;
        for (size_t i = 0; i < n; i++) {
            all_ff = all_ff && b[i] == 0xFFu;
        }
        if (all_ff) {
            sub(d, "frame", "no frame: all bytes FF (nothing pending)");
            d->st.bad_frames++;
            return;
        }
    }
    if (n < TRUSTM_DL_OVERHEAD) {
        sub(d, "frame", "too short: %zu bytes (a frame has at least 5)", n);
        d->st.bad_frames++;
        return;
    }
    if (w[0] != 0 || w[1] != 0 || w[2] != 0) {
        sub(d, "frame", "header has wildcard bytes");
        return;
    }
    fctr_text(b[0], ft, sizeof(ft));
    len = be16(b + 1);
    flen = (size_t)len + TRUSTM_DL_OVERHEAD;
    if (flen > n) {
        sub(d, "frame", "%s | LEN %u but only %zu bytes (frame truncated)", ft, len, n);
        d->st.bad_frames++;
        return;
    }
    if (flen < n) {
        extra = " | trailing bytes after the frame";
    }
    if (any_wild(w, flen)) {
        char fh[16];
        hexw(b + 3 + len, w + 3 + len, 2, 2, fh, sizeof(fh));
        snprintf(fcs, sizeof(fcs), "FCS %s not checked (wildcard bytes)", fh);
    } else {
        uint16_t want = trustm_crc16(b, 3u + len);
        uint16_t got = be16(b + 3 + len);
        if (want == got) {
            snprintf(fcs, sizeof(fcs), "FCS %02X %02X ok", got >> 8, got & 0xFFu);
        } else {
            snprintf(fcs, sizeof(fcs), "FCS %02X %02X BAD (expected %02X %02X)", got >> 8, got & 0xFFu, want >> 8,
                     want & 0xFFu);
            ok = false;
        }
    }
    repeat[0] = '\0';
    trustm_dl_fctr_decode(b[0], &f);
    if (ok && trustm_dl_fctr_is_valid(b[0]) && f.ftype == TRUSTM_DL_FTYPE_DATA && dir != DIR_NONE) {
        if (d->dir[dir].last_frnr == (int)f.frnr) {
            snprintf(repeat, sizeof(repeat), " | repeated frame %u (retransmission)", f.frnr);
        }
    }
    sub(d, "frame", "%s | LEN %u | %s%s%s", ft, len, fcs, repeat, extra);
    if (!ok || !trustm_dl_fctr_is_valid(b[0])) {
        d->st.bad_frames++;
        return;
    }
    if (f.ftype == TRUSTM_DL_FTYPE_CONTROL) {
        if (len != 0u) {
            d->st.anomalies++;
        }
        if (f.seqctr == TRUSTM_DL_SEQCTR_RESYNC) {
            link_reset(d);
        }
        return;
    }
    if (repeat[0] != '\0') {
        d->st.retransmissions++;
        return;
    }
    if (dir != DIR_NONE) {
        d->dir[dir].last_frnr = (int)f.frnr;
    }
    if (len == 0u) {
        sub(d, "packet", "empty data frame (no PCTR)");
        d->st.anomalies++;
        return;
    }
    packet(d, dir, b + 3, w + 3, len);
}

/* ---- bus events ----------------------------------------------------------------------- */

static void i2c_state(trace_dec_t *d, const uint8_t *b)
{
    static const char *const f0[8] = {"CLK_STRETCHING", "REP_START", "CONT_READ", "SOFT_RESET",
                                      "RFU28",          "RFU29",     "RESP_RDY",  "BUSY"};
    char flags[128] = "";
    size_t pos = 0;
    for (int bit = 7; bit >= 0; bit--) {
        if ((b[0] >> bit) & 1u) {
            pos += (size_t)snprintf(flags + pos, sizeof(flags) - pos, "%s%s", pos ? " " : "", f0[bit]);
        }
    }
    if (b[1] & 0x80u) {
        pos += (size_t)snprintf(flags + pos, sizeof(flags) - pos, "%sPRESENT_LAYER", pos ? " " : "");
    }
    if (pos == 0u) {
        snprintf(flags, sizeof(flags), "no flags");
    }
    uint16_t len = be16(b + 2);
    ev(d, "R", "I2C_STATE = %02X %02X %02X %02X: %s, %s%u", b[0], b[1], b[2], b[3], flags,
       len != 0u ? "frame ready, length " : "length ", len);
}

static void reg_read(trace_dec_t *d, const trace_bytes_t *t)
{
    char lbl[48];
    char hex[200];
    if (d->reg < 0) {
        hexw(t->b, t->wild, t->n, HEX_SHOW, hex, sizeof(hex));
        ev(d, "R", "%zu bytes, no register selected before: %s", t->n, hex);
        return;
    }
    if (d->reg == 0x80) {
        ev(d, "R", "DATA (0x80) -> %zu bytes", t->n);
        frame(d, DIR_CHIP, t->b, t->wild, t->n);
        return;
    }
    reg_label(d->reg, lbl, sizeof(lbl));
    hexw(t->b, t->wild, t->n, HEX_SHOW, hex, sizeof(hex));
    if (any_wild(t->wild, t->n)) {
        ev(d, "R", "%s = %s", lbl, hex);
        return;
    }
    switch (d->reg) {
    case 0x82:
        if (t->n == 4u) {
            i2c_state(d, t->b);
            return;
        }
        break;
    case 0x81:
        if (t->n == 2u) {
            unsigned fs = be16(t->b);
            ev(d, "R", "%s = %s: max frame %u bytes", lbl, hex, fs);
            if (fs >= TRUSTM_DL_FRAME_MIN) {
                d->frame_size = fs;
            }
            return;
        }
        break;
    case 0x84:
        if (t->n == 4u) {
            ev(d, "R", "%s = %s: %lu kHz", lbl, hex, (unsigned long)be32(t->b));
            return;
        }
        break;
    case 0x85:
    case 0x86:
    case 0x87:
        if (t->n == 4u) {
            if (be32(t->b) == 0xFFFFFFFFu) {
                ev(d, "R", "%s = %s: not supported (use defaults)", lbl, hex);
            } else {
                ev(d, "R", "%s = %s: %lu", lbl, hex, (unsigned long)be32(t->b));
            }
            return;
        }
        break;
    case 0x89:
        if (t->n == 2u) {
            ev(d, "R", "%s = %s: mode %u %s", lbl, hex, t->b[1] & 7u, i2c_mode_name(t->b[1] & 7u));
            return;
        }
        break;
    default:
        break;
    }
    ev(d, "R", "%s = %s (%zu bytes)", lbl, hex, t->n);
}

static void reg_write(trace_dec_t *d, const trace_bytes_t *t)
{
    char lbl[48];
    char hex[200];
    const uint8_t *v = t->b + 1;
    size_t n = t->n - 1u;
    if (t->wild[0] != 0) {
        ev(d, "W", "register byte is a wildcard");
        return;
    }
    d->reg = t->b[0];
    reg_label(d->reg, lbl, sizeof(lbl));
    if (n == 0u) {
        ev(d, "W", "select %s", lbl);
        return;
    }
    if (d->reg == 0x80) {
        ev(d, "W", "DATA (0x80) <- %zu bytes", n);
        frame(d, DIR_HOST, v, t->wild + 1, n);
        return;
    }
    hexw(v, t->wild + 1, n, HEX_SHOW, hex, sizeof(hex));
    if (any_wild(t->wild + 1, n)) {
        ev(d, "W", "%s <- %s", lbl, hex);
        return;
    }
    switch (d->reg) {
    case 0x81:
        if (n == 2u) {
            ev(d, "W", "%s <- %s: request max frame %u bytes", lbl, hex, be16(v));
            return;
        }
        break;
    case 0x83:
        if (n == 2u) {
            ev(d, "W", "%s <- %s: address 0x%02X, %s", lbl, hex, v[1] & 0x7Fu,
               (v[0] & 0x80u) ? "persistent (DEF_ADDR)" : "volatile");
            return;
        }
        break;
    case 0x88:
        ev(d, "W", "%s <- %s: soft reset (warm start)", lbl, hex);
        link_reset(d);
        return;
    case 0x89:
        if (n == 2u) {
            ev(d, "W", "%s <- %s: mode %u %s, %s", lbl, hex, v[1] & 7u, i2c_mode_name(v[1] & 7u),
               (v[0] & 0x80u) ? "persistent (DEF_MODE)" : "volatile");
            return;
        }
        break;
    default:
        break;
    }
    ev(d, "W", "%s <- %s", lbl, hex);
}

/* ---- line parsing --------------------------------------------------------------------- */

static int hexv(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c = toupper(c);
    return (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
}

/* Parse "AA BB XX" or "AABBXX"; returns 0 or -1 (message in err). */
static int parse_hex(const char *s, trace_bytes_t *t, char *err, size_t errlen)
{
    t->n = 0;
    while (*s != '\0') {
        int a, b;
        char wc;
        if (isspace((unsigned char)*s)) {
            s++;
            continue;
        }
        if (s[1] == '\0' || isspace((unsigned char)s[1])) {
            snprintf(err, errlen, "odd hex digit '%c'", *s);
            return -1;
        }
        if (t->n >= TRACE_MAX_BYTES) {
            snprintf(err, errlen, "more than %u bytes", TRACE_MAX_BYTES);
            return -1;
        }
        wc = (char)toupper((unsigned char)s[0]);
        if ((wc == 'X' || wc == 'Y' || wc == 'Z') && toupper((unsigned char)s[1]) == wc) {
            t->b[t->n] = 0;
            t->wild[t->n] = wc;
            t->n++;
            s += 2;
            continue;
        }
        a = hexv((unsigned char)s[0]);
        b = hexv((unsigned char)s[1]);
        if (a < 0 || b < 0) {
            snprintf(err, errlen, "bad hex byte '%c%c'", s[0], s[1]);
            return -1;
        }
        t->b[t->n] = (uint8_t)((a << 4) | b);
        t->wild[t->n] = 0;
        t->n++;
        s += 2;
    }
    return 0;
}

static int line_error(trace_dec_t *d, unsigned long lineno, const char *msg)
{
    d->st.parse_errors++;
    ev(d, "error", "line %lu: %s", lineno, msg);
    return -1;
}

/* Next whitespace-separated word of *s into w (at most n-1 chars). */
static void word(const char **s, char *w, size_t n)
{
    size_t k = 0;
    while (isspace((unsigned char)**s)) {
        (*s)++;
    }
    while (**s != '\0' && !isspace((unsigned char)**s)) {
        if (k + 1u < n) {
            w[k++] = **s;
        }
        (*s)++;
    }
    w[k] = '\0';
}

int trace_dec_line(trace_dec_t *d, const char *line, unsigned long lineno)
{
    const char *s = line;
    char kw[16];
    char rest[16];
    char err[96];
    d->st.lines++;
    d->timed = false;
    while (isspace((unsigned char)*s)) {
        s++;
    }
    if (*s == '\0') {
        return 0;
    }
    if (*s == '#') {
        if (strstr(s, "=== SECTION") != NULL || strncmp(s, "# SESSION", 9) == 0) {
            size_t n = strcspn(s, "\r\n");
            fprintf(d->out, "---- %.*s\n", (int)(n > 2u ? n - 2u : 0u), n > 2u ? s + 2 : "");
            d->reg = -1;
            link_reset(d);
        } else if (strncmp(s, "# [", 3) == 0) {
            size_t n = strcspn(s, "\r\n");
            ev(d, "note", "%.*s", (int)(n - 2u), s + 2);
            if (strncmp(s, "# [gpio]", 8) == 0 || strncmp(s, "# [reset]", 9) == 0) {
                d->reg = -1;
                link_reset(d);
            }
        }
        return 0;
    }
    if (*s == '@') {
        char *end = NULL;
        unsigned long long t = strtoull(s + 1, &end, 10);
        if (end == s + 1 || !isspace((unsigned char)*end)) {
            return line_error(d, lineno, "bad time stamp after '@'");
        }
        d->timed = true;
        d->time_us = t;
        s = end;
    }
    word(&s, kw, sizeof(kw));
    if (strcmp(kw, "W") == 0 || strcmp(kw, "R") == 0 || strcmp(kw, "F") == 0) {
        if (parse_hex(s, &d->tmp, err, sizeof(err)) != 0) {
            return line_error(d, lineno, err);
        }
        if (d->tmp.n == 0u) {
            return line_error(d, lineno, "transaction without bytes");
        }
        if (kw[0] == 'W') {
            d->st.writes++;
            reg_write(d, &d->tmp);
        } else if (kw[0] == 'R') {
            d->st.reads++;
            reg_read(d, &d->tmp);
        } else {
            ev(d, "F", "frame, %zu bytes", d->tmp.n);
            frame(d, DIR_NONE, d->tmp.b, d->tmp.wild, d->tmp.n);
        }
        return 0;
    }
    word(&s, rest, sizeof(rest));
    if (strcmp(kw, "NACK") == 0 && (strcmp(rest, "W") == 0 || strcmp(rest, "R") == 0)) {
        d->st.nacks++;
        ev(d, "NACK", "address not acknowledged (%s): chip busy, asleep, starting or in reset",
           rest[0] == 'W' ? "write" : "read");
        return 0;
    }
    if (strcmp(kw, "POWER") == 0 && (strcmp(rest, "ON") == 0 || strcmp(rest, "OFF") == 0)) {
        ev(d, "POWER", "%s", rest[1] == 'N' ? "VDD on: cold start" : "VDD off: volatile state lost");
        d->reg = -1;
        link_reset(d);
        return 0;
    }
    if (strcmp(kw, "RST") == 0 && (strcmp(rest, "LOW") == 0 || strcmp(rest, "HIGH") == 0)) {
        ev(d, "RST", "%s", rest[0] == 'L' ? "reset pin low: chip held in reset" : "reset pin released: warm start");
        d->reg = -1;
        link_reset(d);
        return 0;
    }
    if (strcmp(kw, "SLEEP") == 0) {
        char *end = NULL;
        unsigned long us = strtoul(rest, &end, 10);
        if (rest[0] == '\0' || *end != '\0') {
            return line_error(d, lineno, "SLEEP needs a number of microseconds");
        }
        if (!d->hide_sleep) {
            ev(d, "SLEEP", "%lu us", us);
        }
        return 0;
    }
    snprintf(err, sizeof(err), "unknown event '%s' (expected W, R, F, NACK, POWER, RST, SLEEP)", kw);
    return line_error(d, lineno, err);
}

void trace_dec_finish(trace_dec_t *d)
{
    const trace_stats_t *s = &d->st;
    fprintf(d->out,
            "summary: %lu writes, %lu reads, %lu NACKs; %lu frames (%lu bad, %lu retransmitted); "
            "%lu commands, %lu responses; %lu anomalies; %lu unparsable lines\n",
            s->writes, s->reads, s->nacks, s->frames, s->bad_frames, s->retransmissions, s->commands, s->responses,
            s->anomalies, s->parse_errors);
    if (d->dir[0].chain_open || d->dir[1].chain_open) {
        fprintf(d->out, "note: trace ends inside a chained message\n");
    }
}
