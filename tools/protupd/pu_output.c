/*
 * pu_output.c - text renderings of a data set (see pu_output.h).
 */
#include "pu_output.h"

static size_t frag_len(const pu_dataset_t *ds, size_t k)
{
    size_t off = k * PU_FRAGMENT_MAX;
    return ds->fragments_len - off < PU_FRAGMENT_MAX ? ds->fragments_len - off : PU_FRAGMENT_MAX;
}

/* "0x%02X, " per byte, `wrap` after every 16th byte. */
static void bytes(FILE *o, const uint8_t *b, size_t n, const char *wrap)
{
    for (size_t i = 0; i < n; i++) {
        fprintf(o, "0x%02X, ", b[i]);
        if ((i + 1u) % 16u == 0)
            fputs(wrap, o);
    }
}

void pu_print_console(FILE *o, const pu_dataset_t *ds)
{
    fprintf(o, "Manifest Data , size : [%03zu]\n\t", ds->manifest_len);
    fputs("uint8_t manifest_data[] = \n\t{\n\t", o);
    bytes(o, ds->manifest, ds->manifest_len, "\n\t");
    fputs("\n\t};", o);
    for (size_t k = 0; k < ds->n_fragments; k++) {
        size_t n = frag_len(ds, k);
        if (k > 0)
            fputs("\n\t};", o);
        fprintf(o, "\n\nFragment number:[%02zu], size:[%03zu]\n\t", k + 1u, n);
        fprintf(o, "uint8_t fragment_%02zu[] = \n\t{\n\t", k + 1u);
        bytes(o, ds->fragments + k * PU_FRAGMENT_MAX, n, "\n\t");
    }
    fputs("\n\t};", o);
}

void pu_print_c_file(FILE *o, const pu_dataset_t *ds)
{
    fputs("\tuint8_t manifest_data[] = \n\t{\n\t\t", o);
    bytes(o, ds->manifest, ds->manifest_len, "\n\t\t");
    fputs("\n\t};\n", o);
    for (size_t k = 0; k < ds->n_fragments; k++) {
        if (k > 0)
            fputs("};\n", o); /* the vendor closes non-last fragments without a tab (§8.5) */
        fprintf(o, "\n\tuint8_t fragment_%02zu[] = \n\t{\n\t\t", k + 1u);
        bytes(o, ds->fragments + k * PU_FRAGMENT_MAX, frag_len(ds, k), "\n\t\t");
    }
    fputs("\n\t};", o);
}

static void hex(FILE *o, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fprintf(o, "%02X", b[i]);
}

void pu_print_hex(FILE *o, const pu_dataset_t *ds)
{
    fputs("manifest ", o);
    hex(o, ds->manifest, ds->manifest_len);
    fputc('\n', o);
    for (size_t k = 0; k < ds->n_fragments; k++) {
        fprintf(o, "fragment_%02zu ", k + 1u);
        hex(o, ds->fragments + k * PU_FRAGMENT_MAX, frag_len(ds, k));
        fputc('\n', o);
    }
}

void pu_print_json(FILE *o, const pu_params_t *p, const pu_dataset_t *ds)
{
    const char *type = p->payload_type == PU_TYPE_DATA ? "data" : p->payload_type == PU_TYPE_KEY ? "key" : "metadata";
    fprintf(o, "{\n  \"payload_version\": %u,\n  \"trust_anchor_oid\": \"%04X\",\n  \"target_oid\": \"%04X\",\n",
            (unsigned)p->payload_version, (unsigned)p->trust_anchor_oid, (unsigned)p->target_oid);
    fprintf(o, "  \"payload_type\": \"%s\",\n  \"payload_size\": %zu,\n  \"confidentiality\": %s,\n", type,
            p->payload_len, p->conf ? "true" : "false");
    fputs("  \"manifest\": \"", o);
    hex(o, ds->manifest, ds->manifest_len);
    fputs("\",\n  \"sig_structure\": \"", o);
    hex(o, ds->tbs, ds->tbs_len);
    fputs("\",\n  \"signature\": \"", o);
    hex(o, ds->signature, ds->sig_len);
    fputs("\",\n  \"fragments\": [", o);
    for (size_t k = 0; k < ds->n_fragments; k++) {
        fputs(k > 0 ? ", \"" : "\"", o);
        hex(o, ds->fragments + k * PU_FRAGMENT_MAX, frag_len(ds, k));
        fputc('"', o);
    }
    fputs("]\n}\n", o);
}
