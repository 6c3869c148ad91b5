/* Metadata and access-condition codec with a readable text form (objects.md §3, §4). Pure. */
#include <string.h>

#include "trustm/trustm_metadata.h"
#include "trustm_bytes.h"

#define BAD_RSP   TRUSTM_STATUS(TRUSTM_LAYER_CMD, TRUSTM_BASE_BAD_RESPONSE)
#define BAD_PARAM TRUSTM_STATUS(TRUSTM_LAYER_API, TRUSTM_BASE_BAD_PARAM)
#define TOO_SMALL TRUSTM_STATUS(TRUSTM_LAYER_API, TRUSTM_BASE_BUFFER_TOO_SMALL)

/* ---------------------------------------------------------------- names */

typedef struct name_entry {
    uint8_t v;
    const char *name;
} name_entry_t;

static const name_entry_t lcs_names[] = {{0x01, "cr"}, {0x03, "in"}, {0x07, "op"}, {0x0F, "te"}};
static const name_entry_t type_names[] = {{0x00, "BSTR"},    {0x01, "UPCTR"},   {0x11, "TA"},       {0x12, "DEVCERT"},
                                          {0x21, "PRESSEC"}, {0x22, "PTFBIND"}, {0x23, "UPDATSEC"}, {0x31, "AUTOREF"}};
static const name_entry_t alg_names[] = {{0x03, "ECC-P256"},    {0x04, "ECC-P384"},    {0x05, "ECC-P521"},
                                         {0x13, "ECC-BP256R1"}, {0x15, "ECC-BP384R1"}, {0x16, "ECC-BP512R1"},
                                         {0x41, "RSA1024"},     {0x42, "RSA2048"},     {0x81, "AES128"},
                                         {0x82, "AES192"},      {0x83, "AES256"},      {0xE2, "SHA256"}};
static const name_entry_t usage_names[] = {{0x01, "Auth"}, {0x02, "Enc"}, {0x10, "Sign"}, {0x20, "KeyAgree"}};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *lookup(const name_entry_t *t, size_t n, uint8_t v)
{
    for (size_t i = 0; i < n; i++)
        if (t[i].v == v)
            return t[i].name;
    return NULL;
}

const char *trustm_lcs_name(uint8_t lcs)
{
    return lookup(lcs_names, COUNT(lcs_names), lcs);
}
const char *trustm_data_type_name(uint8_t type)
{
    return lookup(type_names, COUNT(type_names), type);
}
const char *trustm_algorithm_name(uint8_t alg)
{
    return lookup(alg_names, COUNT(alg_names), alg);
}

/* ---------------------------------------------------------------- AC bytes */

/* Size of the condition starting with id (0 = not a condition identifier). */
static size_t cond_size(uint8_t id)
{
    switch (id) {
    case TRUSTM_AC_ALW:
    case TRUSTM_AC_NEV:
        return 1;
    case TRUSTM_AC_SECSTAG:
    case TRUSTM_AC_SECSTAA:
        return 2;
    case TRUSTM_AC_CONF:
    case TRUSTM_AC_INT:
    case TRUSTM_AC_AUTO:
    case TRUSTM_AC_LUC:
    case TRUSTM_AC_LCSG:
    case TRUSTM_AC_LCSA:
    case TRUSTM_AC_LCSO:
        return 3;
    default:
        return 0;
    }
}

static bool is_lcs_id(uint8_t id)
{
    return id == TRUSTM_AC_LCSG || id == TRUSTM_AC_LCSA || id == TRUSTM_AC_LCSO;
}
static bool is_op(uint8_t op)
{
    return op == TRUSTM_AC_OP_EQ || op == TRUSTM_AC_OP_GT || op == TRUSTM_AC_OP_LT;
}

/* Structural rules of objects.md §4.3 on a decoded expression. */
static bool expr_valid(const trustm_ac_expr_t *e)
{
    unsigned in_token = 0, tokens = 1;
    if (e->n == 0 || e->n > TRUSTM_AC_MAX_COND)
        return false;
    for (unsigned i = 0; i < e->n; i++) {
        const trustm_ac_cond_t *c = &e->cond[i];
        if (cond_size(c->id) == 0)
            return false;
        if ((c->id == TRUSTM_AC_ALW || c->id == TRUSTM_AC_NEV) && e->n != 1)
            return false; /* ALW/NEV never in complex expressions */
        if (is_lcs_id(c->id) && (!is_op(c->op) || c->arg > 0xFFu))
            return false;
        if ((c->id == TRUSTM_AC_SECSTAG || c->id == TRUSTM_AC_SECSTAA) && c->arg > 0xFFu)
            return false;
        if (i > 0) {
            if (e->join[i] == TRUSTM_AC_OR) {
                tokens++;
                in_token = 0;
            } else if (e->join[i] != TRUSTM_AC_AND) {
                return false;
            }
        }
        if (++in_token > 7u || tokens > 3u)
            return false;
    }
    return true;
}

trustm_status_t trustm_ac_decode(const uint8_t *b, size_t len, trustm_ac_expr_t *e)
{
    size_t pos = 0;
    if (b == NULL || e == NULL)
        return BAD_PARAM;
    memset(e, 0, sizeof *e);
    if (len == 0 || len > TRUSTM_AC_MAX_LEN)
        return BAD_RSP;
    for (;;) {
        if (e->n >= TRUSTM_AC_MAX_COND || pos >= len)
            return BAD_RSP;
        size_t sz = cond_size(b[pos]);
        if (sz == 0 || sz > len - pos)
            return BAD_RSP;
        trustm_ac_cond_t *c = &e->cond[e->n];
        c->id = b[pos];
        if (sz == 2)
            c->arg = b[pos + 1];
        else if (sz == 3 && is_lcs_id(c->id)) {
            c->op = b[pos + 1];
            c->arg = b[pos + 2];
        } else if (sz == 3)
            c->arg = trustm_be16_get(b + pos + 1);
        pos += sz;
        e->n++;
        if (pos == len)
            break;
        if (e->n >= TRUSTM_AC_MAX_COND)
            return BAD_RSP; /* an operator after the last condition that fits */
        e->join[e->n] = b[pos++];
    }
    return expr_valid(e) ? TRUSTM_OK : BAD_RSP;
}

trustm_status_t trustm_ac_encode(const trustm_ac_expr_t *e, uint8_t *out, size_t out_size, size_t *out_len)
{
    trustm_wbuf_t w;
    if (e == NULL || out_len == NULL || !expr_valid(e))
        return BAD_PARAM;
    trustm_wbuf_init(&w, out, out_size);
    for (unsigned i = 0; i < e->n; i++) {
        const trustm_ac_cond_t *c = &e->cond[i];
        if (i > 0)
            trustm_wbuf_u8(&w, e->join[i]);
        trustm_wbuf_u8(&w, c->id);
        switch (cond_size(c->id)) {
        case 2:
            trustm_wbuf_u8(&w, (uint8_t)c->arg);
            break;
        case 3:
            if (is_lcs_id(c->id)) {
                trustm_wbuf_u8(&w, c->op);
                trustm_wbuf_u8(&w, (uint8_t)c->arg);
            } else {
                trustm_wbuf_be16(&w, c->arg);
            }
            break;
        default:
            break;
        }
    }
    if (!trustm_wbuf_ok(&w) || out == NULL)
        return TOO_SMALL;
    if (w.len > TRUSTM_AC_MAX_LEN)
        return BAD_PARAM;
    *out_len = w.len;
    return TRUSTM_OK;
}

/* ---------------------------------------------------------------- text writer */

typedef struct tbuf {
    char *p;
    size_t size;
    size_t len;
    bool overflow;
} tbuf_t;

static void t_init(tbuf_t *t, char *p, size_t size)
{
    t->p = p;
    t->size = size;
    t->len = 0;
    t->overflow = p == NULL || size == 0;
    if (!t->overflow)
        p[0] = '\0';
}

static void t_str(tbuf_t *t, const char *s)
{
    while (*s != '\0' && !t->overflow) {
        if (t->len + 1 >= t->size) {
            t->overflow = true;
            break;
        }
        t->p[t->len++] = *s++;
        t->p[t->len] = '\0';
    }
}

static void t_hex(tbuf_t *t, uint32_t v, unsigned digits)
{
    static const char hx[] = "0123456789ABCDEF";
    char b[9];
    if (digits > 8)
        digits = 8;
    for (unsigned i = 0; i < digits; i++)
        b[i] = hx[(v >> (4u * (digits - 1u - i))) & 0xFu];
    b[digits] = '\0';
    t_str(t, b);
}

static void t_dec(tbuf_t *t, uint32_t v)
{
    char b[11];
    size_t i = sizeof b - 1;
    b[i] = '\0';
    do {
        b[--i] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v != 0 && i > 0);
    t_str(t, b + i);
}

static void t_lcs(tbuf_t *t, uint8_t v)
{
    const char *n = trustm_lcs_name(v);
    if (n != NULL) {
        t_str(t, n);
    } else {
        t_str(t, "0x");
        t_hex(t, v, 2);
    }
}

static void t_named_hex(tbuf_t *t, const char *name, uint8_t v)
{
    if (name != NULL) {
        t_str(t, name);
    } else {
        t_str(t, "0x");
        t_hex(t, v, 2);
    }
}

static trustm_status_t t_done(const tbuf_t *t, size_t *out_len)
{
    if (t->overflow)
        return TOO_SMALL;
    if (out_len != NULL)
        *out_len = t->len;
    return TRUSTM_OK;
}

static void ac_text(tbuf_t *t, const trustm_ac_expr_t *e)
{
    for (unsigned i = 0; i < e->n; i++) {
        const trustm_ac_cond_t *c = &e->cond[i];
        if (i > 0)
            t_str(t, e->join[i] == TRUSTM_AC_OR ? " || " : " && ");
        switch (c->id) {
        case TRUSTM_AC_ALW:
            t_str(t, "ALW");
            break;
        case TRUSTM_AC_NEV:
            t_str(t, "NEV");
            break;
        case TRUSTM_AC_SECSTAG:
        case TRUSTM_AC_SECSTAA:
            t_str(t, c->id == TRUSTM_AC_SECSTAG ? "SecStaG(" : "SecStaA(");
            t_hex(t, c->arg, 2);
            t_str(t, ")");
            break;
        case TRUSTM_AC_LCSG:
        case TRUSTM_AC_LCSA:
        case TRUSTM_AC_LCSO:
            t_str(t, c->id == TRUSTM_AC_LCSG ? "LcsG" : c->id == TRUSTM_AC_LCSA ? "LcsA" : "LcsO");
            t_str(t, c->op == TRUSTM_AC_OP_EQ ? " == " : c->op == TRUSTM_AC_OP_GT ? " > " : " < ");
            t_lcs(t, (uint8_t)c->arg);
            break;
        default:
            t_str(t, c->id == TRUSTM_AC_CONF   ? "Conf("
                     : c->id == TRUSTM_AC_INT  ? "Int("
                     : c->id == TRUSTM_AC_AUTO ? "Auto("
                                               : "Luc(");
            t_hex(t, c->arg, 4);
            t_str(t, ")");
            break;
        }
    }
}

trustm_status_t trustm_ac_format(const uint8_t *b, size_t len, char *out, size_t out_size, size_t *out_len)
{
    trustm_ac_expr_t e;
    tbuf_t t;
    trustm_status_t s = trustm_ac_decode(b, len, &e);
    if (s != TRUSTM_OK)
        return s;
    t_init(&t, out, out_size);
    ac_text(&t, &e);
    return t_done(&t, out_len);
}

/* ---------------------------------------------------------------- text reader */

typedef struct lex {
    const char *p;
    const char *end; /* NULL: NUL-terminated */
} lex_t;

static bool at_end(const lex_t *l)
{
    return (l->end != NULL && l->p >= l->end) || *l->p == '\0';
}

static void skip_ws(lex_t *l)
{
    while (!at_end(l) && (*l->p == ' ' || *l->p == '\t' || *l->p == '\r'))
        l->p++;
}

static bool accept(lex_t *l, const char *s)
{
    skip_ws(l);
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i++) {
        const char *q = l->p + i;
        if ((l->end != NULL && q >= l->end) || *q != s[i])
            return false;
    }
    l->p += n;
    return true;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Exactly `digits` hex digits (OIDs: 4, bytes: 2), optionally prefixed by 0x. */
static bool read_hex(lex_t *l, unsigned digits, uint16_t *v)
{
    uint32_t x = 0;
    skip_ws(l);
    (void)(accept(l, "0x") || accept(l, "0X"));
    for (unsigned i = 0; i < digits; i++) {
        if (at_end(l) || hexval(*l->p) < 0)
            return false;
        x = (x << 4) | (uint32_t)hexval(*l->p++);
    }
    if (!at_end(l) && hexval(*l->p) >= 0)
        return false;
    *v = (uint16_t)x;
    return true;
}

/* Unsigned number: decimal or 0x-hex, up to max. */
static bool read_num(lex_t *l, uint32_t max, uint32_t *v)
{
    uint32_t x = 0;
    unsigned n = 0;
    skip_ws(l);
    if (accept(l, "0x") || accept(l, "0X")) {
        while (!at_end(l) && hexval(*l->p) >= 0) {
            x = (x << 4) | (uint32_t)hexval(*l->p++);
            if (++n > 8 || x > max)
                return false;
        }
    } else {
        while (!at_end(l) && *l->p >= '0' && *l->p <= '9') {
            x = x * 10u + (uint32_t)(*l->p++ - '0');
            if (++n > 10 || x > max)
                return false;
        }
    }
    *v = x;
    return n > 0;
}

/* A name of table t (longest match) or a number. */
static bool read_named(lex_t *l, const name_entry_t *t, size_t n, uint8_t *v)
{
    uint32_t x;
    size_t best = 0;
    skip_ws(l);
    for (size_t i = 0; i < n; i++) {
        size_t k = strlen(t[i].name);
        if (k > best) {
            lex_t probe = *l;
            if (accept(&probe, t[i].name) &&
                (at_end(&probe) || !((*probe.p >= 'A' && *probe.p <= 'Z') || (*probe.p >= 'a' && *probe.p <= 'z') ||
                                     (*probe.p >= '0' && *probe.p <= '9') || *probe.p == '-'))) {
                best = k;
                *v = t[i].v;
            }
        }
    }
    if (best > 0) {
        l->p += best;
        return true;
    }
    if (!read_num(l, 0xFFu, &x))
        return false;
    *v = (uint8_t)x;
    return true;
}

static bool read_cond(lex_t *l, trustm_ac_cond_t *c)
{
    static const struct {
        const char *kw;
        uint8_t id;
    } fn[] = {{"SecStaG(", TRUSTM_AC_SECSTAG}, {"SecStaA(", TRUSTM_AC_SECSTAA}, {"Conf(", TRUSTM_AC_CONF},
              {"Int(", TRUSTM_AC_INT},         {"Auto(", TRUSTM_AC_AUTO},       {"Luc(", TRUSTM_AC_LUC}};
    memset(c, 0, sizeof *c);
    if (accept(l, "ALW")) {
        c->id = TRUSTM_AC_ALW;
        return true;
    }
    if (accept(l, "NEV")) {
        c->id = TRUSTM_AC_NEV;
        return true;
    }
    for (size_t i = 0; i < COUNT(fn); i++) {
        if (accept(l, fn[i].kw)) {
            c->id = fn[i].id;
            unsigned digits = (c->id == TRUSTM_AC_SECSTAG || c->id == TRUSTM_AC_SECSTAA) ? 2u : 4u;
            return read_hex(l, digits, &c->arg) && accept(l, ")");
        }
    }
    if (accept(l, "LcsG"))
        c->id = TRUSTM_AC_LCSG;
    else if (accept(l, "LcsA"))
        c->id = TRUSTM_AC_LCSA;
    else if (accept(l, "LcsO"))
        c->id = TRUSTM_AC_LCSO;
    else
        return false;
    if (accept(l, "=="))
        c->op = TRUSTM_AC_OP_EQ;
    else if (accept(l, ">"))
        c->op = TRUSTM_AC_OP_GT;
    else if (accept(l, "<"))
        c->op = TRUSTM_AC_OP_LT;
    else
        return false;
    uint8_t v;
    if (!read_named(l, lcs_names, COUNT(lcs_names), &v))
        return false;
    c->arg = v;
    return true;
}

static trustm_status_t ac_parse_lex(lex_t *l, uint8_t *out, size_t out_size, size_t *out_len)
{
    trustm_ac_expr_t e;
    memset(&e, 0, sizeof e);
    for (;;) {
        if (e.n >= TRUSTM_AC_MAX_COND || !read_cond(l, &e.cond[e.n]))
            return BAD_PARAM;
        e.n++;
        skip_ws(l);
        if (at_end(l))
            break;
        if (e.n >= TRUSTM_AC_MAX_COND)
            return BAD_PARAM; /* more conditions than an expression can hold */
        if (accept(l, "&&"))
            e.join[e.n] = TRUSTM_AC_AND;
        else if (accept(l, "||"))
            e.join[e.n] = TRUSTM_AC_OR;
        else
            return BAD_PARAM;
    }
    return trustm_ac_encode(&e, out, out_size, out_len);
}

trustm_status_t trustm_ac_parse(const char *text, uint8_t *out, size_t out_size, size_t *out_len)
{
    lex_t l;
    if (text == NULL || out_len == NULL)
        return BAD_PARAM;
    l.p = text;
    l.end = NULL;
    return ac_parse_lex(&l, out, out_size, out_len);
}

/* ---------------------------------------------------------------- metadata container */

typedef struct tag_info {
    uint8_t tag;
    uint32_t bit;
    const char *name;
} tag_info_t;

static const tag_info_t tags[] = {
    {TRUSTM_MD_LCSO, TRUSTM_MD_HAS_LCSO, "lcso"},
    {TRUSTM_MD_VERSION, TRUSTM_MD_HAS_VERSION, "version"},
    {TRUSTM_MD_MAX_SIZE, TRUSTM_MD_HAS_MAX_SIZE, "max_size"},
    {TRUSTM_MD_USED_SIZE, TRUSTM_MD_HAS_USED_SIZE, "used_size"},
    {TRUSTM_MD_CHANGE, TRUSTM_MD_HAS_CHANGE, "change"},
    {TRUSTM_MD_READ, TRUSTM_MD_HAS_READ, "read"},
    {TRUSTM_MD_EXECUTE, TRUSTM_MD_HAS_EXECUTE, "execute"},
    {TRUSTM_MD_META_UPDATE, TRUSTM_MD_HAS_META_UPDATE, "meta_update"},
    {TRUSTM_MD_ALGORITHM, TRUSTM_MD_HAS_ALGORITHM, "algorithm"},
    {TRUSTM_MD_KEY_USAGE, TRUSTM_MD_HAS_KEY_USAGE, "key_usage"},
    {TRUSTM_MD_TYPE, TRUSTM_MD_HAS_TYPE, "type"},
    {TRUSTM_MD_RESET_TYPE, TRUSTM_MD_HAS_RESET_TYPE, "reset_type"},
};

static trustm_ac_t *md_ac(trustm_metadata_t *md, uint8_t tag)
{
    switch (tag) {
    case TRUSTM_MD_CHANGE:
        return &md->change;
    case TRUSTM_MD_READ:
        return &md->read;
    case TRUSTM_MD_EXECUTE:
        return &md->execute;
    case TRUSTM_MD_META_UPDATE:
        return &md->meta_update;
    default:
        return NULL;
    }
}

void trustm_metadata_init(trustm_metadata_t *md)
{
    if (md != NULL)
        memset(md, 0, sizeof *md);
}

trustm_status_t trustm_metadata_decode(const uint8_t *buf, size_t len, trustm_metadata_t *md)
{
    trustm_rbuf_t r;
    if (buf == NULL || md == NULL)
        return BAD_PARAM;
    memset(md, 0, sizeof *md);
    if (len < 2 || buf[0] != TRUSTM_MD_CONTAINER || (size_t)buf[1] + 2u != len)
        return BAD_RSP;
    trustm_rbuf_init(&r, buf + 2, len - 2);
    while (trustm_rbuf_left(&r) > 0) {
        uint8_t tag = trustm_rbuf_u8(&r);
        uint8_t l = trustm_rbuf_u8(&r);
        const uint8_t *v = trustm_rbuf_bytes(&r, l);
        if (!trustm_rbuf_ok(&r) || l == 0)
            return BAD_RSP;
        size_t i = 0;
        while (i < COUNT(tags) && tags[i].tag != tag)
            i++;
        if (i == COUNT(tags) || (md->present & tags[i].bit) != 0)
            return BAD_RSP; /* unknown or duplicated tag */
        md->present |= tags[i].bit;
        trustm_ac_t *ac = md_ac(md, tag);
        if (ac != NULL) {
            trustm_ac_expr_t e;
            if (trustm_ac_decode(v, l, &e) != TRUSTM_OK)
                return BAD_RSP;
            ac->len = l;
            memcpy(ac->bytes, v, l);
            continue;
        }
        switch (tag) {
        case TRUSTM_MD_VERSION:
            if (l != 2)
                return BAD_RSP;
            md->version = trustm_be16_get(v);
            break;
        case TRUSTM_MD_MAX_SIZE:
        case TRUSTM_MD_USED_SIZE: {
            if (l > 2)
                return BAD_RSP;
            uint16_t x = l == 2 ? trustm_be16_get(v) : v[0];
            if (tag == TRUSTM_MD_MAX_SIZE)
                md->max_size = x;
            else
                md->used_size = x;
            break;
        }
        default:
            if (l != 1)
                return BAD_RSP;
            if (tag == TRUSTM_MD_LCSO)
                md->lcso = v[0];
            else if (tag == TRUSTM_MD_ALGORITHM)
                md->algorithm = v[0];
            else if (tag == TRUSTM_MD_KEY_USAGE)
                md->key_usage = v[0];
            else if (tag == TRUSTM_MD_TYPE)
                md->type = v[0];
            else
                md->reset_type = v[0];
            break;
        }
    }
    return TRUSTM_OK;
}

static void put_size(trustm_wbuf_t *w, uint8_t tag, uint16_t v)
{
    trustm_wbuf_u8(w, tag);
    if (v > 0xFFu) {
        trustm_wbuf_u8(w, 2);
        trustm_wbuf_be16(w, v);
    } else {
        trustm_wbuf_u8(w, 1);
        trustm_wbuf_u8(w, (uint8_t)v);
    }
}

trustm_status_t trustm_metadata_encode(const trustm_metadata_t *md, uint8_t *out, size_t out_size, size_t *out_len)
{
    trustm_wbuf_t w;
    if (md == NULL || out_len == NULL || (md->present & ~0x0FFFu) != 0)
        return BAD_PARAM;
    trustm_wbuf_init(&w, out, out_size);
    trustm_wbuf_u8(&w, TRUSTM_MD_CONTAINER);
    trustm_wbuf_u8(&w, 0);
    for (size_t i = 0; i < COUNT(tags); i++) {
        uint8_t tag = tags[i].tag;
        if ((md->present & tags[i].bit) == 0)
            continue;
        const trustm_ac_t *ac = md_ac((trustm_metadata_t *)(uintptr_t)md, tag);
        if (ac != NULL) {
            trustm_ac_expr_t e;
            if (ac->len == 0 || ac->len > TRUSTM_AC_MAX_LEN || trustm_ac_decode(ac->bytes, ac->len, &e) != TRUSTM_OK)
                return BAD_PARAM;
            trustm_wbuf_u8(&w, tag);
            trustm_wbuf_u8(&w, ac->len);
            trustm_wbuf_bytes(&w, ac->bytes, ac->len);
            continue;
        }
        switch (tag) {
        case TRUSTM_MD_VERSION:
            trustm_wbuf_u8(&w, tag);
            trustm_wbuf_u8(&w, 2);
            trustm_wbuf_be16(&w, md->version);
            break;
        case TRUSTM_MD_MAX_SIZE:
            put_size(&w, tag, md->max_size);
            break;
        case TRUSTM_MD_USED_SIZE:
            put_size(&w, tag, md->used_size);
            break;
        default:
            trustm_wbuf_u8(&w, tag);
            trustm_wbuf_u8(&w, 1);
            trustm_wbuf_u8(&w, tag == TRUSTM_MD_LCSO        ? md->lcso
                               : tag == TRUSTM_MD_ALGORITHM ? md->algorithm
                               : tag == TRUSTM_MD_KEY_USAGE ? md->key_usage
                               : tag == TRUSTM_MD_TYPE      ? md->type
                                                            : md->reset_type);
            break;
        }
    }
    if (!trustm_wbuf_ok(&w) || out == NULL)
        return TOO_SMALL;
    if (w.len - 2u > 0xFFu)
        return BAD_PARAM;
    out[1] = (uint8_t)(w.len - 2u);
    *out_len = w.len;
    return TRUSTM_OK;
}

trustm_status_t trustm_metadata_set_ac(trustm_metadata_t *md, uint8_t tag, const char *ac_text)
{
    size_t n;
    trustm_ac_t *ac = md != NULL ? md_ac(md, tag) : NULL;
    if (ac == NULL || ac_text == NULL)
        return BAD_PARAM;
    trustm_status_t s = trustm_ac_parse(ac_text, ac->bytes, sizeof ac->bytes, &n);
    if (s != TRUSTM_OK)
        return s == TOO_SMALL ? BAD_PARAM : s;
    ac->len = (uint8_t)n;
    for (size_t i = 0; i < COUNT(tags); i++)
        if (tags[i].tag == tag)
            md->present |= tags[i].bit;
    return TRUSTM_OK;
}

static void usage_text(tbuf_t *t, uint8_t u)
{
    bool first = true;
    uint8_t rest = u;
    for (size_t i = 0; i < COUNT(usage_names); i++) {
        if ((u & usage_names[i].v) != 0) {
            if (!first)
                t_str(t, "|");
            t_str(t, usage_names[i].name);
            first = false;
            rest = (uint8_t)(rest & ~usage_names[i].v);
        }
    }
    if (rest != 0 || first) {
        if (!first)
            t_str(t, "|");
        t_str(t, "0x");
        t_hex(t, rest, 2);
    }
}

trustm_status_t trustm_metadata_format(const uint8_t *buf, size_t len, char *out, size_t out_size, size_t *out_len)
{
    trustm_metadata_t md;
    tbuf_t t;
    trustm_status_t s = trustm_metadata_decode(buf, len, &md);
    if (s != TRUSTM_OK)
        return s;
    t_init(&t, out, out_size);
    for (size_t i = 0; i < COUNT(tags); i++) {
        uint8_t tag = tags[i].tag;
        if ((md.present & tags[i].bit) == 0)
            continue;
        t_str(&t, tags[i].name);
        t_str(&t, ": ");
        const trustm_ac_t *ac = md_ac(&md, tag);
        if (ac != NULL) {
            trustm_ac_expr_t e;
            if (trustm_ac_decode(ac->bytes, ac->len, &e) == TRUSTM_OK) /* validated by the decoder */
                ac_text(&t, &e);
        } else {
            switch (tag) {
            case TRUSTM_MD_LCSO:
                t_lcs(&t, md.lcso);
                break;
            case TRUSTM_MD_VERSION:
                t_str(&t, "0x");
                t_hex(&t, md.version, 4);
                break;
            case TRUSTM_MD_MAX_SIZE:
                t_dec(&t, md.max_size);
                break;
            case TRUSTM_MD_USED_SIZE:
                t_dec(&t, md.used_size);
                break;
            case TRUSTM_MD_ALGORITHM:
                t_named_hex(&t, trustm_algorithm_name(md.algorithm), md.algorithm);
                break;
            case TRUSTM_MD_KEY_USAGE:
                usage_text(&t, md.key_usage);
                break;
            case TRUSTM_MD_TYPE:
                t_named_hex(&t, trustm_data_type_name(md.type), md.type);
                break;
            default:
                t_str(&t, "0x");
                t_hex(&t, md.reset_type, 2);
                break;
            }
        }
        t_str(&t, "\n");
    }
    return t_done(&t, out_len);
}

/* One "name: value" item of the text form, value in [l->p, l->end). */
static trustm_status_t parse_item(trustm_metadata_t *md, const tag_info_t *ti, lex_t *l)
{
    uint32_t x;
    uint8_t v;
    trustm_ac_t *ac = md_ac(md, ti->tag);
    if ((md->present & ti->bit) != 0)
        return BAD_PARAM; /* given twice */
    if (ac != NULL) {
        size_t n;
        trustm_status_t s = ac_parse_lex(l, ac->bytes, sizeof ac->bytes, &n);
        if (s != TRUSTM_OK)
            return BAD_PARAM;
        ac->len = (uint8_t)n;
    } else {
        switch (ti->tag) {
        case TRUSTM_MD_LCSO:
            if (!read_named(l, lcs_names, COUNT(lcs_names), &md->lcso))
                return BAD_PARAM;
            break;
        case TRUSTM_MD_VERSION:
        case TRUSTM_MD_MAX_SIZE:
        case TRUSTM_MD_USED_SIZE:
            if (!read_num(l, 0xFFFFu, &x))
                return BAD_PARAM;
            if (ti->tag == TRUSTM_MD_VERSION)
                md->version = (uint16_t)x;
            else if (ti->tag == TRUSTM_MD_MAX_SIZE)
                md->max_size = (uint16_t)x;
            else
                md->used_size = (uint16_t)x;
            break;
        case TRUSTM_MD_ALGORITHM:
            if (!read_named(l, alg_names, COUNT(alg_names), &md->algorithm))
                return BAD_PARAM;
            break;
        case TRUSTM_MD_TYPE:
            if (!read_named(l, type_names, COUNT(type_names), &md->type))
                return BAD_PARAM;
            break;
        case TRUSTM_MD_KEY_USAGE:
            md->key_usage = 0;
            do {
                if (!read_named(l, usage_names, COUNT(usage_names), &v))
                    return BAD_PARAM;
                md->key_usage |= v;
            } while (accept(l, "|"));
            break;
        default:
            if (!read_num(l, 0xFFu, &x))
                return BAD_PARAM;
            md->reset_type = (uint8_t)x;
            break;
        }
    }
    skip_ws(l);
    if (!at_end(l))
        return BAD_PARAM;
    md->present |= ti->bit;
    return TRUSTM_OK;
}

trustm_status_t trustm_metadata_parse(const char *text, uint8_t *out, size_t out_size, size_t *out_len)
{
    trustm_metadata_t md;
    const char *p = text;
    if (text == NULL || out_len == NULL)
        return BAD_PARAM;
    memset(&md, 0, sizeof md);
    while (*p != '\0') {
        const char *e = p;
        while (*e != '\0' && *e != '\n' && *e != ';')
            e++;
        lex_t l = {p, e};
        skip_ws(&l);
        if (!at_end(&l)) {
            size_t i = 0;
            for (; i < COUNT(tags); i++) {
                lex_t probe = l;
                if (accept(&probe, tags[i].name) && accept(&probe, ":")) {
                    l = probe;
                    break;
                }
            }
            if (i == COUNT(tags))
                return BAD_PARAM;
            trustm_status_t s = parse_item(&md, &tags[i], &l);
            if (s != TRUSTM_OK)
                return s;
        }
        p = *e != '\0' ? e + 1 : e;
    }
    return trustm_metadata_encode(&md, out, out_size, out_len);
}
