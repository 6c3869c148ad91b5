/*
 * test_powerloss.c - campaign: power-loss sweep over the simulator's storage layer.
 *
 * For every state-changing command (SetDataObject write and erase & write, metadata change,
 * counter update, RSA and AES key generation, a security event (SEC), each protected-update
 * fragment, hibernate save,
 * life-cycle changes of the application and of an object) the power is cut at every durable
 * write step of the commit (the storage's power-cut hook), for both storages (state file, memory).
 * After each cut the chip is restarted from its storage and must
 *   - load (the state file always loads),
 *   - hold exactly the old image or exactly the new one (so every object is old or new, never a
 *     mix; the whole image is compared byte for byte with a reference run without a cut),
 *   - have counters (E120, SEC E0C5) not below their old values, and work (a command succeeds).
 * A table (commands x write points, O = old, N = new) is printed.
 */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "pu_chip_fixture.h"
#include "trustm_bytes.h"

#define MAX_APDU  1600
#define MAX_SETUP 8
#define TA        0xE0E3u

typedef struct apdu {
    uint8_t b[MAX_APDU];
    size_t n;
} apdu_t;

typedef struct pl_case {
    const char *name;
    apdu_t setup[MAX_SETUP];
    size_t n_setup;
    apdu_t cut;
} pl_case_t;

static const uint8_t open_app[] = {0xF0, 0x00, 0x00, 0x10, 0xD2, 0x76, 0x00, 0x00, 0x04, 0x47,
                                   0x65, 0x6E, 0x41, 0x75, 0x74, 0x68, 0x41, 0x70, 0x70, 0x6C};

static void mk(apdu_t *a, uint8_t cmd, uint8_t param, const uint8_t *in, size_t n)
{
    assert_true(n + 4 <= MAX_APDU);
    a->b[0] = cmd;
    a->b[1] = param;
    trustm_be16_put(a->b + 2, (uint16_t)n);
    if (n > 0)
        memcpy(a->b + 4, in, n);
    a->n = n + 4;
}

/* SetDataObject: OID, offset 0, data (Param 00 write, 40 erase & write, 01 metadata, 02 count). */
static void set_data(apdu_t *a, uint8_t param, uint16_t oid, const uint8_t *d, size_t n)
{
    uint8_t in[MAX_APDU];
    trustm_be16_put(in, oid);
    in[2] = 0;
    in[3] = 0;
    memcpy(in + 4, d, n);
    mk(a, 0x82, param, in, n + 4);
}

static void protupd(apdu_t *a, uint8_t tag, const uint8_t *v, size_t n)
{
    uint8_t in[MAX_APDU];
    in[0] = tag;
    trustm_be16_put(in + 1, (uint16_t)n);
    memcpy(in + 3, v, n);
    mk(a, 0x83, 0x01, in, n + 3);
}

/* ------------------------------------------------------------------ storage per run */

typedef struct run {
    int kind; /* 0 file, 1 memory */
    char path[64];
    trustm_sim_storage_t st;
    trustm_sim_mem_t mem;
    trustm_sim_t *sim;
} run_t;

static void run_open(run_t *r)
{
    char err[256];
    if (r->kind == 0)
        assert_int_equal(trustm_sim_storage_file(&r->st, r->path, err, sizeof err), 0);
    else
        trustm_sim_storage_memory(&r->st, &r->mem);
    trustm_sim_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.storage = &r->st;
    cfg.timing = TRUSTM_SIM_TIMING_NONE;
    cfg.seed = 77;
    r->sim = trustm_sim_create(&cfg, err, sizeof err);
    if (r->sim == NULL)
        fail_msg("the state does not load: %s", err);
}

static void run_close(run_t *r)
{
    trustm_sim_destroy(r->sim);
    r->sim = NULL;
    r->st.cut = NULL;
    if (r->st.close != NULL)
        r->st.close(&r->st);
}

static uint8_t *image(run_t *r, size_t *n)
{
    if (r->kind == 1) {
        uint8_t *b = malloc(r->mem.len);
        memcpy(b, r->mem.image, r->mem.len);
        *n = r->mem.len;
        return b;
    }
    FILE *f = fopen(r->path, "rb");
    assert_non_null(f);
    uint8_t *b = malloc(65536);
    *n = fread(b, 1, 65536, f);
    fclose(f);
    return b;
}

static void cleanup(run_t *r)
{
    char p[96];
    if (r->kind == 1) {
        trustm_sim_mem_free(&r->mem);
        return;
    }
    unlink(r->path);
    snprintf(p, sizeof p, "%s.tmp", r->path);
    unlink(p);
    snprintf(p, sizeof p, "%s.lock", r->path);
    unlink(p);
}

static uint8_t sta(run_t *r, const uint8_t *a, size_t n, uint8_t *rsp, size_t *rl)
{
    *rl = trustm_sim_apdu(r->sim, a, n, rsp, 2048);
    return *rl >= 4 ? rsp[0] : 0xEE;
}

static uint32_t read_u32(run_t *r, uint16_t oid)
{
    uint8_t rsp[2048];
    size_t rl;
    const uint8_t get[] = {0x81, 0x00, 0x00, 0x06, (uint8_t)(oid >> 8), (uint8_t)oid, 0x00, 0x00, 0x00, 0x04};
    if (sta(r, get, sizeof get, rsp, &rl) != 0 || rl < 5)
        return 0;
    uint32_t v = 0;
    for (size_t i = 4; i < rl && i < 8; i++)
        v = v << 8 | rsp[i];
    return v;
}

/* Fresh chip, application open, the case's setup applied (all committed). */
static void prepare(run_t *r, const pl_case_t *c, int kind, unsigned serial)
{
    memset(r, 0, sizeof *r);
    r->kind = kind;
    snprintf(r->path, sizeof r->path, "/tmp/trustm-pl-%ld-%u.state", (long)getpid(), serial);
    unlink(r->path);
    run_open(r);
    uint8_t rsp[2048];
    size_t rl;
    assert_int_equal(sta(r, open_app, sizeof open_app, rsp, &rl), 0);
    for (size_t i = 0; i < c->n_setup; i++)
        if (sta(r, c->setup[i].b, c->setup[i].n, rsp, &rl) != 0)
            fail_msg("%s: setup step %zu refused", c->name, i);
}

/* One case on one storage: returns the number of write points; fills row with O/N per point. */
static unsigned sweep(const pl_case_t *c, int kind, char *row, size_t row_size)
{
    static unsigned serial;
    run_t r;
    uint8_t rsp[2048];
    size_t rl, old_len, new_len;
    trustm_sim_powercut_t pc;

    /* the counters after the setup (read in a run of their own: a read between the setup and
     * the command would end an open protected-update sequence) */
    prepare(&r, c, kind, serial++);
    const uint32_t ctr_old = read_u32(&r, 0xE120), sec_old = read_u32(&r, 0xE0C5) >> 24;
    run_close(&r);
    cleanup(&r);

    /* reference: no cut; count the write steps */
    prepare(&r, c, kind, serial++);
    uint8_t *oldimg = image(&r, &old_len);
    memset(&pc, 0, sizeof pc);
    r.st.cut = trustm_sim_powercut_hook;
    r.st.cut_ctx = &pc;
    if (sta(&r, c->cut.b, c->cut.n, rsp, &rl) != 0)
        fail_msg("%s: the command itself fails", c->name);
    unsigned steps = pc.steps;
    r.st.cut = NULL;
    uint8_t *newimg = image(&r, &new_len);
    run_close(&r);
    cleanup(&r);

    row[0] = '\0';
    for (unsigned k = 1; k <= steps; k++) {
        prepare(&r, c, kind, serial++);
        memset(&pc, 0, sizeof pc);
        pc.cut_at = k;
        r.st.cut = trustm_sim_powercut_hook;
        r.st.cut_ctx = &pc;
        (void)sta(&r, c->cut.b, c->cut.n, rsp, &rl);
        assert_true(pc.fired);
        run_close(&r); /* power stays off: only the storage remains */
        size_t now_len;
        run_open(&r); /* restart: must load */
        uint8_t *now = image(&r, &now_len);
        char mark = '?';
        if (now_len == old_len && memcmp(now, oldimg, old_len) == 0)
            mark = 'O';
        else if (now_len == new_len && memcmp(now, newimg, new_len) == 0)
            mark = 'N';
        else
            fail_msg("%s: cut at write point %u (%s) left an image that is neither old nor new", c->name, k, pc.step);
        free(now);
        /* counters never go back, and the chip works */
        assert_int_equal(sta(&r, open_app, sizeof open_app, rsp, &rl), 0);
        assert_true(read_u32(&r, 0xE120) >= ctr_old);
        assert_true((read_u32(&r, 0xE0C5) >> 24) >= sec_old);
        run_close(&r);
        cleanup(&r);
        size_t l = strlen(row);
        snprintf(row + l, row_size - l, "%c%s", mark, k < steps ? " " : "");
    }
    free(oldimg);
    free(newimg);
    return steps;
}

/* ------------------------------------------------------------------ the cases */

static pl_case_t cases[20];
static size_t n_cases;

static pl_case_t *add(const char *name)
{
    pl_case_t *c = &cases[n_cases++];
    memset(c, 0, sizeof *c);
    c->name = name;
    return c;
}

static void build_cases(pcf_signer_t *signer)
{
    static uint8_t data[200];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 11u + 1u);
    pl_case_t *c;

    c = add("SetDataObject write");
    set_data(&c->setup[c->n_setup++], 0x40, 0xF1D1, data, 100);
    set_data(&c->cut, 0x00, 0xF1D1, data + 50, 140);

    c = add("SetDataObject erase&write");
    set_data(&c->setup[c->n_setup++], 0x40, 0xF1E0, data, 200);
    set_data(&c->cut, 0x40, 0xF1E0, data + 7, 30);

    c = add("metadata change");
    set_data(&c->cut, 0x01, 0xF1D2, (const uint8_t[]){0x20, 0x06, 0xD0, 0x01, 0xFF, 0xD1, 0x01, 0x00}, 8);

    c = add("counter update");
    set_data(&c->setup[c->n_setup++], 0x40, 0xE120, (const uint8_t[]){0, 0, 0, 5, 0, 0, 0, 100}, 8);
    set_data(&c->cut, 0x02, 0xE120, (const uint8_t[]){3}, 1);

    c = add("GenKeyPair RSA-1024 E0FC");
    mk(&c->cut, 0xB8, 0x41, (const uint8_t[]){0x01, 0x00, 0x02, 0xE0, 0xFC, 0x02, 0x00, 0x01, 0x10}, 9);

    c = add("GenSymKey AES-128 E200");
    set_data(&c->setup[c->n_setup++], 0x01, 0xE200, (const uint8_t[]){0x20, 0x03, 0xD0, 0x01, 0x00}, 5); /* CHA ALW */
    mk(&c->cut, 0xB9, 0x81, (const uint8_t[]){0x01, 0x00, 0x02, 0xE2, 0x00, 0x02, 0x00, 0x01, 0x02}, 9);

    c = add("CalcSign (SEC event)");
    mk(&c->setup[c->n_setup++], 0xB8, 0x41, (const uint8_t[]){0x01, 0x00, 0x02, 0xE0, 0xFC, 0x02, 0x00, 0x01, 0x10}, 9);
    {
        uint8_t in[40];
        size_t k = 0;
        in[k++] = 0x01;
        in[k++] = 0x00;
        in[k++] = 0x20;
        memset(in + k, 0x3C, 32);
        k += 32;
        in[k++] = 0x03;
        in[k++] = 0x00;
        in[k++] = 0x02;
        in[k++] = 0xE0;
        in[k++] = 0xFC;
        mk(&c->cut, 0xB1, 0x01, in, k);
    }

    c = add("LcsA (F1C0) cr -> op");
    set_data(&c->cut, 0x00, 0xF1C0, (const uint8_t[]){0x07}, 1);

    c = add("LcsO (F1D3) -> op");
    set_data(&c->cut, 0x01, 0xF1D3, (const uint8_t[]){0x20, 0x03, 0xC0, 0x01, 0x07}, 5);

    c = add("hibernate save");
    mk(&c->cut, 0xF1, 0x01, NULL, 0);

    /* protected update of F1E1 (1000 bytes: manifest + 2 fragments), trust anchor E0E3 */
    static pu_params_t p;
    static pu_dataset_t ds;
    static uint8_t payload[1000];
    for (size_t i = 0; i < sizeof payload; i++)
        payload[i] = (uint8_t)(i ^ 0x5A);
    memset(&p, 0, sizeof p);
    p.payload_version = 1;
    p.trust_anchor_oid = TA;
    p.target_oid = 0xF1E1;
    p.payload_type = PU_TYPE_DATA;
    p.info1 = 0;
    p.info2 = 2;
    p.payload = payload;
    p.payload_len = sizeof payload;
    pcf_build(&p, signer, &ds);
    assert_int_equal(ds.n_fragments, 2);
    const uint8_t *f1 = ds.fragments, *f2 = ds.fragments + 640;
    size_t l2 = ds.fragments_len - 640;
    apdu_t pre[5];
    size_t npre = 0;
    set_data(&pre[npre++], 0x01, TA, (const uint8_t[]){0x20, 0x06, 0xD3, 0x01, 0x00, 0xE8, 0x01, 0x11}, 8);
    set_data(&pre[npre++], 0x40, TA, signer->cert, signer->cert_len);
    set_data(&pre[npre++], 0x01, 0xF1E1, (const uint8_t[]){0x20, 0x05, 0xD0, 0x03, 0x21, 0xE0, 0xE3}, 7);
    const char *names[3] = {"protected update start", "protected update continue", "protected update final"};
    for (int step = 0; step < 3; step++) {
        c = add(names[step]);
        for (size_t i = 0; i < npre; i++)
            c->setup[c->n_setup++] = pre[i];
        if (step >= 1)
            protupd(&c->setup[c->n_setup++], 0x30, ds.manifest, ds.manifest_len);
        if (step >= 2)
            protupd(&c->setup[c->n_setup++], 0x32, f1, 640);
        if (step == 0)
            protupd(&c->cut, 0x30, ds.manifest, ds.manifest_len);
        else if (step == 1)
            protupd(&c->cut, 0x32, f1, 640);
        else
            protupd(&c->cut, 0x31, f2, l2);
    }
}

static void test_power_loss_sweep(void **state)
{
    (void)state;
    pcf_signer_t signer;
    assert_int_equal(pcf_signer_init(&signer, "rsa1024", "powerloss signer"), 0);
    build_cases(&signer);
    unsigned total = 0;
    for (int kind = 0; kind < 2; kind++) {
        print_message("\npower-loss sweep, %s storage (O = old image after restart, N = new image)\n",
                      kind == 0 ? "state file" : "memory");
        print_message("%-28s %6s  %s\n", "command", "points",
                      kind == 0 ? "tmp-open tmp-write tmp-write-end tmp-fsync rename dir-fsync"
                                : "shadow-write shadow-write-end switch");
        for (size_t i = 0; i < n_cases; i++) {
            char row[64];
            unsigned steps = sweep(&cases[i], kind, row, sizeof row);
            print_message("%-28s %6u  %s%s\n", cases[i].name, steps, row, steps == 0 ? "(no durable write)" : "");
            total += steps;
        }
    }
    print_message("\n%u cuts, every restart loaded, every image old or new, no counter went back\n", total);
    pcf_signer_free(&signer);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_power_loss_sweep),
    };
    return cmocka_run_group_tests_name("powerloss_sweep", tests, NULL, NULL);
}
