/*
 * id2_text.c - text helpers of the ID2 client without stdio: hex, small decimal numbers, log
 * lines, the init banner (id2.md §8) and result names.
 */
#include <string.h>

#include "id2_int.h"

static const char hex_digits[] = "0123456789ABCDEF";

void id2_hex_upper(const uint8_t *in, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) {
        out[2u * i] = hex_digits[in[i] >> 4];
        out[2u * i + 1u] = hex_digits[in[i] & 0x0Fu];
    }
}

void id2_hex_u32(uint32_t v, char out[8])
{
    for (unsigned i = 0; i < 8u; i++)
        out[i] = hex_digits[(v >> (28u - 4u * i)) & 0x0Fu];
}

size_t id2_strlen_max(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n] != '\0')
        n++;
    return n;
}

void id2_line_str(id2_line_t *l, const char *s)
{
    while (*s != '\0' && l->n + 1u < sizeof l->b)
        l->b[l->n++] = *s++;
    l->b[l->n] = '\0';
}

void id2_line_uint(id2_line_t *l, uint32_t v)
{
    char tmp[11];
    size_t k = 0;
    do {
        tmp[k++] = (char)('0' + (v % 10u));
        v /= 10u;
    } while (v != 0u);
    while (k > 0u && l->n + 1u < sizeof l->b)
        l->b[l->n++] = tmp[--k];
    l->b[l->n] = '\0';
}

void id2_log(const id2_client_t *ctx, const char *line)
{
    if (ctx->cfg.log != NULL)
        ctx->cfg.log(ctx->cfg.log_arg, line);
}

/* " ID2=> id2====> <what><n><tail>" (the seed's chip log, id2.md §8). */
void id2_chip_log(const id2_client_t *ctx, const char *what, uint32_t n, bool with_n, const char *tail)
{
    id2_line_t l;
    l.n = 0;
    l.b[0] = '\0';
    id2_line_str(&l, " ID2=> id2====> ");
    id2_line_str(&l, what);
    if (with_n)
        id2_line_uint(&l, n);
    id2_line_str(&l, tail);
    id2_log(ctx, l.b);
}

#define BANNER_RULE "========================================"

void id2_banner(const id2_client_t *ctx)
{
    /* Names left-justified to 25 columns as in the seed's binary. */
    static const char *const flags[] = {
        "ID2_DEBUG                : 0", "ID2_OTP_LOCAL_TEST       : 0", "ID2_LOCAL_TEST           : 0",
        "ID2_SET_ID_KEY_SUPPORTED : 0", "ID2_KM_API_EMU           : 0", "ID2_ITLS_SUPPORTED       : 1",
        "ID2_OTP_SUPPORTED        : 0", "ID2_USE_ALI_CRYPTO       : 1",
    };
    if (ctx->cfg.log == NULL)
        return;
    id2_log(ctx, "ID2 Client Version: 0x00010104");
    id2_log(ctx, "ID2 Client Build Time: " __DATE__ " " __TIME__);
    id2_log(ctx, BANNER_RULE);
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
        id2_log(ctx, flags[i]);
    id2_log(ctx, ctx->cfg.crypto_type == ID2_CRYPTO_TYPE_RSA ? "ID2_CRYPTO_TYPE_CONFIG   : ID2_CRYPTO_TYPE_RSA"
                                                             : "ID2_CRYPTO_TYPE_CONFIG   : ID2_CRYPTO_TYPE_AES");
    id2_log(ctx, BANNER_RULE);
}

const char *id2_result_str(irot_result_t r)
{
    switch (r) {
    case IROT_SUCCESS:
        return "success";
    case IROT_ERROR_GENERIC:
        return "generic error (chip failure or verification mismatch)";
    case IROT_ERROR_BAD_PARAMETERS:
        return "bad parameters";
    case IROT_ERROR_SHORT_BUFFER:
        return "short buffer";
    case IROT_ERROR_EXCESS_DATA:
        return "excess data";
    case IROT_ERROR_OUT_OF_MEMORY:
        return "out of memory";
    case IROT_ERROR_COMMUNICATION:
        return "communication error";
    case IROT_ERROR_NOT_SUPPORTED:
        return "not supported";
    case IROT_ERROR_NOT_IMPLEMENTED:
        return "not implemented";
    case IROT_ERROR_TIMEOUT:
        return "timeout";
    case IROT_ERROR_ITEM_NOT_FOUND:
        return "item not found (no ID2 in F1D0)";
    default:
        return "unknown result";
    }
}
