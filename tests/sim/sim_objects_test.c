/*
 * sim_objects_test.c - the chip engine's object store through APDUs on the frame-level test
 * host: shipped metadata, Get/SetDataObject semantics, metadata change rules, access
 * conditions, life cycle, counters, provisioning, persistence, power cut during a write, and
 * bad input.  Fresh chip per test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <mbedtls/aes.h>

#include "sim_chip_help.h"
#include "trustm_frame.h"

#define OK 0x00

static void expect_meta(chip_t *c, uint16_t oid, const uint8_t *m, size_t n)
{
    assert_int_equal(chip_meta(c, oid), OK);
    assert_int_equal(chip_out_len(c), n);
    assert_memory_equal(chip_out(c), m, n);
}

/* Shipped objects of the M2 ID2 profile (objects.md §1.4). */
static void sim_obj_shipped(void **state)
{
    (void)state;
    chip_t c;
    chip_new(&c, TRUSTM_SIM_TIMING_NONE, NULL, 0);
    expect_meta(&c, 0xE0C0, (const uint8_t[]){0x20, 0x09, 0xC4, 0x01, 0x01, 0xD0, 0x01, 0x00, 0xD1, 0x01, 0x00}, 11);
    expect_meta(&c, 0xF1D5,
                (const uint8_t[]){0x20, 0x11, 0xC0, 0x01, 0x01, 0xC4, 0x01, 0x8C, 0xC5, 0x01, 0x64, 0xD0, 0x03, 0xE1,
                                  0xFC, 0x07, 0xD1, 0x01, 0x00},
                19);
    expect_meta(&c, 0xE0FD,
                (const uint8_t[]){0x20, 0x0B, 0xC0, 0x01, 0x01, 0xD0, 0x03, 0xE1, 0xFC, 0x07, 0xD3, 0x01, 0x00}, 13);
    expect_meta(&c, 0xE200, (const uint8_t[]){0x20, 0x09, 0xC0, 0x01, 0x01, 0xD0, 0x01, 0xFF, 0xD3, 0x01, 0x00}, 11);
    expect_meta(&c, 0xE123,
                (const uint8_t[]){0x20, 0x17, 0xC0, 0x01, 0x01, 0xC4, 0x01, 0x08, 0xC5, 0x01, 0x08, 0xD0, 0x03,
                                  0xE1, 0xFC, 0x07, 0xD1, 0x01, 0x00, 0xD3, 0x01, 0x00, 0xE8, 0x01, 0x01},
                25);
    expect_meta(&c, 0xE0C9,
                (const uint8_t[]){0x20, 0x11, 0xC0, 0x01, 0x07, 0xC4, 0x01, 0x08, 0xD0, 0x03, 0xE1, 0xFC, 0x07, 0xD1,
                                  0x01, 0x00, 0xD3, 0x01, 0xFF},
                19);
    /* platform binding secret: 01..40 (readable while LcsO < op) */
    assert_int_equal(chip_read(&c, 0xE140, 0, 0xFFFF), OK);
    assert_int_equal(chip_out_len(&c), 64);
    for (unsigned i = 0; i < 64; i++)
        assert_int_equal(chip_out(&c)[i], i + 1);
    /* security monitor configuration */
    assert_int_equal(chip_read(&c, 0xE0C9, 0, 8), OK);
    assert_memory_equal(chip_out(&c), ((uint8_t[]){0x32, 0, 5, 1, 0, 0, 0, 0}), 8);
    /* arbitrary data: used size 100 as on the dumped chips, zeros */
    assert_int_equal(chip_read(&c, 0xF1D0, 0, 0xFFFF), OK);
    assert_int_equal(chip_out_len(&c), 100);
    assert_int_equal(chip_read(&c, 0xF1E1, 0, 0xFFFF), OK);
    assert_int_equal(chip_out_len(&c), 1500);
    /* ECC keys absent, sessions not addressable, key data never readable */
    chip_fails(&c, 0x81, 0x01, (const uint8_t[]){0xE0, 0xF0}, 2, 0x01);
    chip_fails(&c, 0x81, 0x00, (const uint8_t[]){0xE0, 0xF3, 0, 0, 0, 1}, 6, 0x01);
    chip_fails(&c, 0x81, 0x00, (const uint8_t[]){0xE1, 0x00, 0, 0, 0, 1}, 6, 0x01);
    chip_fails(&c, 0x81, 0x01, (const uint8_t[]){0xE1, 0x02}, 2, 0x01);
    chip_fails(&c, 0x81, 0x00, (const uint8_t[]){0xE0, 0xFC, 0, 0, 0, 1}, 6, 0x07);
    chip_fails(&c, 0x81, 0x00, (const uint8_t[]){0xE2, 0x00, 0, 0, 0, 1}, 6, 0x07);
    assert_int_equal(chip_write(&c, 0x00, 0xE200, 0, (const uint8_t[]){1}, 1), 0xFF);
    assert_int_equal(chip_err(&c), 0x07);
    assert_int_equal(chip_write(&c, 0x00, 0xE101, 0, (const uint8_t[]){1}, 1), 0xFF);
    assert_int_equal(chip_err(&c), 0x01);
    chip_free(&c);
}

/* SetDataObject write / erase&write and GetDataObject offset, length, used size. */
static void sim_obj_write_read(void **state)
{
    (void)state;
    chip_t c;
    chip_new(&c, TRUSTM_SIM_TIMING_NONE, NULL, 0);
    const uint8_t id[12] = {0x65, 0xE2, 0x29, 0xF0, 0x0F, 0x28, 0xC6, 0x35, 0x08, 0xB6, 0x00, 0x01};
    assert_int_equal(chip_write(&c, 0x40, 0xF1D0, 0, id, sizeof id), OK); /* erase & write */
    assert_int_equal(chip_read(&c, 0xF1D0, 0, 0xFFFF), OK);
    assert_int_equal(chip_out_len(&c), 12);
    assert_memory_equal(chip_out(&c), id, 12);
    assert_int_equal(chip_meta(&c, 0xF1D0), OK);
    assert_memory_equal(chip_out(&c) + 8, ((uint8_t[]){0xC5, 0x01, 0x0C}), 3); /* used size follows */
    /* write at offset 20: used becomes 24, the gap reads zero */
    assert_int_equal(chip_write(&c, 0x00, 0xF1D0, 20, (const uint8_t[]){0xAA, 0xBB, 0xCC, 0xDD}, 4), OK);
    assert_int_equal(chip_read(&c, 0xF1D0, 10, 0xFFFF), OK);
    assert_int_equal(chip_out_len(&c), 14);
    assert_memory_equal(chip_out(&c), ((uint8_t[]){0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0xAA, 0xBB, 0xCC, 0xDD}), 14);
    assert_int_equal(chip_read(&c, 0xF1D0, 21, 2), OK);
    assert_memory_equal(chip_out(&c), ((uint8_t[]){0xBB, 0xCC}), 2);
    /* reads past the used size, writes past the max size */
    assert_int_equal(chip_read(&c, 0xF1D0, 24, 1), 0xFF);
    assert_int_equal(chip_err(&c), 0x08);
    uint8_t big[141];
    memset(big, 0x5A, sizeof big);
    assert_int_equal(chip_write(&c, 0x00, 0xF1D0, 0, big, 141), 0xFF);
    assert_int_equal(chip_err(&c), 0x08);
    assert_int_equal(chip_write(&c, 0x00, 0xF1D0, 130, big, 11), 0xFF);
    assert_int_equal(chip_err(&c), 0x08);
    assert_int_equal(chip_write(&c, 0x00, 0xF1D0, 0, big, 140), OK);
    /* erase & write shrinks */
    assert_int_equal(chip_write(&c, 0x40, 0xF1D0, 2, (const uint8_t[]){7}, 1), OK);
    assert_int_equal(chip_read(&c, 0xF1D0, 0, 100), OK);
    assert_int_equal(chip_out_len(&c), 3);
    assert_memory_equal(chip_out(&c), ((uint8_t[]){0, 0, 7}), 3);
    /* a large object in several APDUs, read back in one */
    uint8_t cert[1500];
    for (size_t i = 0; i < sizeof cert; i++)
        cert[i] = (uint8_t)(i * 7u);
    assert_int_equal(chip_write(&c, 0x40, 0xF1E0, 0, cert, 1000), OK);
    assert_int_equal(chip_write(&c, 0x00, 0xF1E0, 1000, cert + 1000, 500), OK);
    assert_int_equal(chip_read(&c, 0xF1E0, 0, 0xFFFF), OK);
    assert_int_equal(chip_out_len(&c), 1500);
    assert_memory_equal(chip_out(&c), cert, 1500);
    chip_free(&c);
}

/* Metadata change rules (objects.md §3.2, §5). */
static void sim_obj_metadata_rules(void **state)
{
    (void)state;
    chip_t c;
    chip_new(&c, TRUSTM_SIM_TIMING_NONE, NULL, 0);
    /* RD = NEV, then read fails */
    assert_int_equal(chip_set_meta(&c, 0xF1D1, (const uint8_t[]){0x20, 0x03, 0xD1, 0x01, 0xFF}, 5), OK);
    assert_int_equal(chip_read(&c, 0xF1D1, 0, 1), 0xFF);
    assert_int_equal(chip_err(&c), 0x07);
    /* RD = LcsO < op, readable again */
    assert_int_equal(chip_set_meta(&c, 0xF1D1, (const uint8_t[]){0x20, 0x05, 0xD1, 0x03, 0xE1, 0xFC, 0x07}, 7), OK);
    assert_int_equal(chip_read(&c, 0xF1D1, 0, 1), OK);
    /* C4, C5, E0 never writable; E1 only on keys; malformed containers */
    chip_fails(&c, 0x82, 0x01, (const uint8_t[]){0xF1, 0xD1, 0, 0, 0x20, 0x03, 0xC4, 0x01, 0x10}, 9, 0x07);
    chip_fails(&c, 0x82, 0x01, (const uint8_t[]){0xF1, 0xD1, 0, 0, 0x20, 0x03, 0xC5, 0x01, 0x10}, 9, 0x07);
    chip_fails(&c, 0x82, 0x01, (const uint8_t[]){0xE2, 0x00, 0, 0, 0x20, 0x03, 0xE0, 0x01, 0x81}, 9, 0x07);
    chip_fails(&c, 0x82, 0x01, (const uint8_t[]){0xF1, 0xD1, 0, 0, 0x20, 0x03, 0xE1, 0x01, 0x02}, 9, 0x05);
    chip_fails(&c, 0x82, 0x01, (const uint8_t[]){0xF1, 0xD1, 0, 0, 0x20, 0x04, 0xD1, 0x01, 0x00}, 9, 0x05);
    chip_fails(&c, 0x82, 0x01, (const uint8_t[]){0xF1, 0xD1, 0, 0, 0x20, 0x03, 0xD1, 0x01, 0x55}, 9, 0x05);
    chip_fails(&c, 0x82, 0x01, (const uint8_t[]){0xF1, 0xD1, 0, 0, 0x20, 0x04, 0xD1, 0x02, 0x00, 0xFD}, 10, 0x05);
    chip_fails(&c, 0x82, 0x01, (const uint8_t[]){0xF1, 0xD1, 0, 1, 0x20, 0x03, 0xD1, 0x01, 0x00}, 9, 0x05);
    chip_fails(&c, 0x82, 0x01, (const uint8_t[]){0xF1, 0xD1, 0, 0, 0x20, 0x06, 0xD1, 0x01, 0x00, 0xD1, 0x01, 0x00}, 12,
               0x05);
    /* a container over 44 bytes of tags: metadata truncation */
    uint8_t big[4 + 2 + 45] = {0xF1, 0xD1, 0, 0, 0x20, 45, 0xD0, 43};
    big[8] = 0x70;
    big[9] = 0xFC;
    big[10] = 0x0F;
    for (unsigned i = 0; i < 10; i++) {
        big[11 + 4 * i] = 0xFD;
        big[12 + 4 * i] = 0x70;
        big[13 + 4 * i] = 0xFC;
        big[14 + 4 * i] = 0x0F;
    }
    chip_fails(&c, 0x82, 0x01, big, sizeof big, 0x09);
    /* LcsO goes forward: in, then op; then ACs are frozen and LcsO cannot go back */
    assert_int_equal(chip_set_meta(&c, 0xF1D1, (const uint8_t[]){0x20, 0x03, 0xC0, 0x01, 0x03}, 5), OK);
    assert_int_equal(chip_set_meta(&c, 0xF1D1, (const uint8_t[]){0x20, 0x06, 0xC0, 0x01, 0x07, 0xE8, 0x01, 0x21}, 8),
                     OK);
    chip_fails(&c, 0x82, 0x01, (const uint8_t[]){0xF1, 0xD1, 0, 0, 0x20, 0x03, 0xC0, 0x01, 0x03}, 9, 0x05);
    chip_fails(&c, 0x82, 0x01, (const uint8_t[]){0xF1, 0xD1, 0, 0, 0x20, 0x03, 0xD1, 0x01, 0x00}, 9, 0x07);
    chip_fails(&c, 0x82, 0x01, (const uint8_t[]){0xF1, 0xD1, 0, 0, 0x20, 0x03, 0xE8, 0x01, 0x00}, 9, 0x07);
    /* RD = LcsO < op is false now; CHA too */
    assert_int_equal(chip_read(&c, 0xF1D1, 0, 1), 0xFF);
    assert_int_equal(chip_err(&c), 0x07);
    assert_int_equal(chip_write(&c, 0x00, 0xF1D1, 0, (const uint8_t[]){1}, 1), 0xFF);
    assert_int_equal(chip_err(&c), 0x07);
    expect_meta(&c, 0xF1D1, (const uint8_t[]){0x20, 0x16, 0xC0, 0x01, 0x07, 0xC4, 0x01, 0x8C, 0xC5, 0x01, 0x64, 0xD0,
                                              0x03, 0xE1, 0xFC, 0x07, 0xD1, 0x03, 0xE1, 0xFC, 0x07, 0xE8, 0x01, 0x21},
                24);
    /* termination: the object can no longer be read even with RD = ALW */
    assert_int_equal(chip_set_meta(&c, 0xF1D2, (const uint8_t[]){0x20, 0x03, 0xC0, 0x01, 0x0F}, 5), OK);
    assert_int_equal(chip_read(&c, 0xF1D2, 0, 1), 0xFF);
    assert_int_equal(chip_err(&c), 0x07);
    /* objects without LcsO are op and the tag cannot be added */
    chip_fails(&c, 0x82, 0x01, (const uint8_t[]){0xE0, 0xC3, 0, 0, 0x20, 0x03, 0xC0, 0x01, 0x07}, 9, 0x07);
    chip_free(&c);
}

/* Access-condition expressions (objects.md §4). */
static void sim_obj_access_conditions(void **state)
{
    (void)state;
    chip_t c;
    chip_new(&c, TRUSTM_SIM_TIMING_NONE, NULL, 0);
    /* RD = LcsA > in: LcsA ships cr */
    assert_int_equal(chip_set_meta(&c, 0xF1D3, (const uint8_t[]){0x20, 0x05, 0xD1, 0x03, 0xE0, 0xFB, 0x03}, 7), OK);
    assert_int_equal(chip_read(&c, 0xF1D3, 0, 1), 0xFF);
    assert_int_equal(chip_err(&c), 0x07);
    assert_int_equal(chip_write(&c, 0x00, 0xF1C0, 0, (const uint8_t[]){0x07}, 1), OK);
    assert_int_equal(chip_read(&c, 0xF1D3, 0, 1), OK);
    /* LcsA never goes back; only valid states */
    assert_int_equal(chip_write(&c, 0x00, 0xF1C0, 0, (const uint8_t[]){0x03}, 1), 0xFF);
    assert_int_equal(chip_err(&c), 0x05);
    assert_int_equal(chip_write(&c, 0x00, 0xF1C0, 0, (const uint8_t[]){0x08}, 1), 0xFF);
    assert_int_equal(chip_err(&c), 0x05);
    assert_int_equal(chip_write(&c, 0x00, 0xE0C0, 0, (const uint8_t[]){0x01}, 1), 0xFF); /* LcsG op -> cr */
    assert_int_equal(chip_err(&c), 0x05);
    /* RD = SecStaA(20): true while the boot flag is set; clearing it ends that */
    assert_int_equal(chip_set_meta(&c, 0xF1D4, (const uint8_t[]){0x20, 0x04, 0xD1, 0x02, 0x90, 0x20}, 6), OK);
    assert_int_equal(chip_read(&c, 0xF1D4, 0, 1), OK);
    assert_int_equal(chip_write(&c, 0x00, 0xF1C1, 0, (const uint8_t[]){0xDF}, 1), OK);
    assert_int_equal(chip_read(&c, 0xF1C1, 0, 1), OK);
    assert_int_equal(chip_out(&c)[0], 0x00);
    assert_int_equal(chip_write(&c, 0x00, 0xF1C1, 0, (const uint8_t[]){0xFF}, 1), OK); /* cannot set bits */
    assert_int_equal(chip_read(&c, 0xF1C1, 0, 1), OK);
    assert_int_equal(chip_out(&c)[0], 0x00);
    assert_int_equal(chip_read(&c, 0xF1D4, 0, 1), 0xFF);
    /* OR / AND: RD = (SecStaA(20) && LcsG == op) || LcsO == cr -> true through the second token */
    assert_int_equal(chip_set_meta(&c, 0xF1D5,
                                   (const uint8_t[]){0x20, 0x0C, 0xD1, 0x0A, 0x90, 0x20, 0xFD, 0x70, 0xFA, 0x07, 0xFE,
                                                     0xE1, 0xFA, 0x01},
                                   14),
                     OK);
    assert_int_equal(chip_read(&c, 0xF1D5, 0, 1), OK);
    assert_int_equal(chip_set_meta(&c, 0xF1D5, (const uint8_t[]){0x20, 0x03, 0xC0, 0x01, 0x03}, 5), OK);
    assert_int_equal(chip_read(&c, 0xF1D5, 0, 1), 0xFF); /* neither token true now */
    /* Conf(E140): no Shielded Connection, so false */
    assert_int_equal(chip_set_meta(&c, 0xF1D6, (const uint8_t[]){0x20, 0x05, 0xD1, 0x03, 0x20, 0xE1, 0x40}, 7), OK);
    assert_int_equal(chip_read(&c, 0xF1D6, 0, 1), 0xFF);
    chip_free(&c);
}

/* Monotonic counters and Luc() (objects.md §6.2). */
static void sim_obj_counters(void **state)
{
    (void)state;
    chip_t c;
    chip_new(&c, TRUSTM_SIM_TIMING_NONE, NULL, 0);
    /* threshold 0 as shipped: counting fails */
    chip_fails(&c, 0x82, 0x02, (const uint8_t[]){0xE1, 0x20, 0, 0, 1}, 5, 0x0E);
    assert_int_equal(chip_write(&c, 0x00, 0xE120, 0, (const uint8_t[]){0, 0, 0, 0, 0, 0, 0, 10}, 8), OK);
    chip_fails(&c, 0x82, 0x02, (const uint8_t[]){0xE1, 0x20, 0, 0, 0}, 5, 0x05);
    chip_fails(&c, 0x82, 0x02, (const uint8_t[]){0xE1, 0x20, 0, 0, 1, 1}, 6, 0x05);
    assert_int_equal(chip_write(&c, 0x02, 0xE120, 0, (const uint8_t[]){5}, 1), OK);
    assert_int_equal(chip_read(&c, 0xE120, 0, 8), OK);
    assert_memory_equal(chip_out(&c), ((uint8_t[]){0, 0, 0, 5, 0, 0, 0, 10}), 8);
    assert_int_equal(chip_write(&c, 0x02, 0xE120, 0, (const uint8_t[]){7}, 1), OK); /* clamps */
    assert_int_equal(chip_read(&c, 0xE120, 0, 8), OK);
    assert_memory_equal(chip_out(&c), ((uint8_t[]){0, 0, 0, 10, 0, 0, 0, 10}), 8);
    chip_fails(&c, 0x82, 0x02, (const uint8_t[]){0xE1, 0x20, 0, 0, 1}, 5, 0x0E);
    /* a BSTR object cannot be counted */
    chip_fails(&c, 0x82, 0x02, (const uint8_t[]){0xF1, 0xD0, 0, 0, 1}, 5, 0x07);
    /* Luc(E121) as EXE of E122's counting: each use advances E121 until its threshold */
    assert_int_equal(chip_write(&c, 0x00, 0xE121, 0, (const uint8_t[]){0, 0, 0, 0, 0, 0, 0, 2}, 8), OK);
    assert_int_equal(chip_write(&c, 0x00, 0xE122, 0, (const uint8_t[]){0, 0, 0, 0, 0, 0, 0, 100}, 8), OK);
    assert_int_equal(chip_set_meta(&c, 0xE122, (const uint8_t[]){0x20, 0x05, 0xD3, 0x03, 0x40, 0xE1, 0x21}, 7), OK);
    assert_int_equal(chip_write(&c, 0x02, 0xE122, 0, (const uint8_t[]){1}, 1), OK);
    assert_int_equal(chip_write(&c, 0x02, 0xE122, 0, (const uint8_t[]){1}, 1), OK);
    chip_fails(&c, 0x82, 0x02, (const uint8_t[]){0xE1, 0x22, 0, 0, 1}, 5, 0x07);
    assert_int_equal(chip_read(&c, 0xE121, 0, 8), OK);
    assert_memory_equal(chip_out(&c), ((uint8_t[]){0, 0, 0, 2, 0, 0, 0, 2}), 8);
    assert_int_equal(chip_read(&c, 0xE122, 0, 8), OK);
    assert_memory_equal(chip_out(&c), ((uint8_t[]){0, 0, 0, 2, 0, 0, 0, 100}), 8);
    chip_free(&c);
}

/* Provisioning and persistence of every non-volatile object across re-creation. */
static void sim_obj_provision_persist(void **state)
{
    (void)state;
    static const uint8_t key[16] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                                    0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F};
    trustm_sim_provision_t p;
    memset(&p, 0, sizeof p);
    p.id2_set = true;
    memcpy(p.id2, "ID2-DEVICE-1", 12);
    p.aes_key = key;
    p.aes_key_len = sizeof key;
    chip_t c;
    chip_new(&c, TRUSTM_SIM_TIMING_NONE, &p, 1);
    assert_int_equal(chip_read(&c, 0xF1D0, 0, 0xFFFF), OK);
    assert_int_equal(chip_out_len(&c), 12);
    assert_memory_equal(chip_out(&c), "ID2-DEVICE-1", 12);
    expect_meta(&c, 0xE200,
                (const uint8_t[]){0x20, 0x0F, 0xC0, 0x01, 0x01, 0xD0, 0x01, 0xFF, 0xD3, 0x01, 0x00, 0xE0, 0x01, 0x81,
                                  0xE1, 0x01, 0x02},
                17);
    /* change objects of several kinds, reload, check */
    assert_int_equal(chip_write(&c, 0x40, 0xF1E1, 0, (const uint8_t[]){9, 8, 7}, 3), OK);
    assert_int_equal(chip_write(&c, 0x00, 0xE123, 0, (const uint8_t[]){0, 0, 0, 3, 0, 0, 0, 9}, 8), OK);
    assert_int_equal(chip_set_meta(&c, 0xF1DB, (const uint8_t[]){0x20, 0x03, 0xC0, 0x01, 0x03}, 5), OK);
    assert_int_equal(chip_write(&c, 0x00, 0xF1C0, 0, (const uint8_t[]){0x03}, 1), OK);
    chip_reload(&c);
    assert_int_equal(chip_read(&c, 0xF1E1, 0, 0xFFFF), OK);
    assert_int_equal(chip_out_len(&c), 3);
    assert_memory_equal(chip_out(&c), ((uint8_t[]){9, 8, 7}), 3);
    assert_int_equal(chip_read(&c, 0xE123, 0, 8), OK);
    assert_memory_equal(chip_out(&c), ((uint8_t[]){0, 0, 0, 3, 0, 0, 0, 9}), 8);
    assert_int_equal(chip_meta(&c, 0xF1DB), OK);
    assert_memory_equal(chip_out(&c), ((uint8_t[]){0x20, 0x11, 0xC0, 0x01, 0x03}), 5);
    assert_int_equal(chip_read(&c, 0xF1C0, 0, 1), OK);
    assert_int_equal(chip_out(&c)[0], 0x03);
    /* the provisioned key still works: AES-128-ECB of one block equals the host's */
    uint8_t in[32];
    size_t n = 0;
    in[n++] = 0xE2;
    in[n++] = 0x00;
    const uint8_t block[16] = {0x6B, 0xC1, 0xBE, 0xE2, 0x2E, 0x40, 0x9F, 0x96,
                               0xE9, 0x3D, 0x7E, 0x11, 0x73, 0x93, 0x17, 0x2A};
    tlv(in, &n, 0x01, block, 16);
    assert_int_equal(chip_cmd(&c, 0x94, 0x08, in, n), OK);
    uint8_t ref[16];
    mbedtls_aes_context aes;
    mbedtls_aes_init(&aes);
    assert_int_equal(mbedtls_aes_setkey_enc(&aes, key, 128), 0);
    assert_int_equal(mbedtls_aes_crypt_ecb(&aes, MBEDTLS_AES_ENCRYPT, block, ref), 0);
    mbedtls_aes_free(&aes);
    assert_int_equal(chip_out_len(&c), 19);
    assert_memory_equal(chip_out(&c) + 3, ref, 16);
    /* volatile state does not persist: the security status boot flag is set again */
    assert_int_equal(chip_write(&c, 0x00, 0xF1C1, 0, (const uint8_t[]){0x00}, 1), OK);
    chip_reload(&c);
    assert_int_equal(chip_read(&c, 0xF1C1, 0, 1), OK);
    assert_int_equal(chip_out(&c)[0], 0x20);
    chip_free(&c);
}

/* Power cut while a SetDataObject executes: before the NVM commit the old value stays, after
 * it the new value is there although the host never got the response. */
static void power_cut_write(chip_t *c, bool after_commit, const uint8_t *val)
{
    trustm_sim_faults_t f;
    memset(&f, 0, sizeof f);
    f.power_loss_us = 1000; /* SetDataObject executes 3 ms */
    f.power_loss_after_commit = after_commit;
    trustm_sim_faults_set(c->sim, &f);
    uint8_t apdu[4 + 4 + 4] = {0x82, 0x40, 0x00, 0x08, 0xF1, 0xD7, 0x00, 0x00};
    memcpy(apdu + 8, val, 4);
    uint8_t pkt[1 + sizeof apdu], frame[64];
    pkt[0] = 0x00;
    memcpy(pkt + 1, apdu, sizeof apdu);
    uint8_t fctr = trustm_dl_fctr_data((uint8_t)((c->h.last_tx + 1u) & 3u), c->h.last_rx);
    size_t n = trustm_dl_frame_encode(fctr, pkt, sizeof pkt, frame, sizeof frame);
    assert_int_equal(sim_host_frame_write(&c->h, frame, n), 0);
    trustm_sim_sleep_us(c->sim, 40000); /* command runs, power fails, chip restarts */
    trustm_sim_faults_set(c->sim, NULL);
    sim_host_init(&c->h, c->sim);
    chip_open(c);
}

static void sim_obj_power_cut(void **state)
{
    (void)state;
    chip_t c;
    chip_new(&c, TRUSTM_SIM_TIMING_DATASHEET, NULL, 1);
    const uint8_t oldv[4] = {1, 1, 1, 1}, newv[4] = {2, 2, 2, 2}, newer[4] = {3, 3, 3, 3};
    assert_int_equal(chip_write(&c, 0x40, 0xF1D7, 0, oldv, 4), OK);
    power_cut_write(&c, false, newv);
    chip_reload(&c);
    assert_int_equal(chip_read(&c, 0xF1D7, 0, 0xFFFF), OK);
    assert_int_equal(chip_out_len(&c), 4);
    assert_memory_equal(chip_out(&c), oldv, 4);
    power_cut_write(&c, true, newer);
    chip_reload(&c);
    assert_int_equal(chip_read(&c, 0xF1D7, 0, 0xFFFF), OK);
    assert_int_equal(chip_out_len(&c), 4);
    assert_memory_equal(chip_out(&c), newer, 4);
    chip_free(&c);
}

/* Bad input: each answered with the documented code, the chip keeps working. */
static void sim_obj_bad_input(void **state)
{
    (void)state;
    chip_t c;
    chip_new(&c, TRUSTM_SIM_TIMING_NONE, NULL, 0);
    uint8_t big[1560];
    memset(big, 0, sizeof big);
    chip_fails(&c, 0x82, 0x03, (const uint8_t[]){0xF1, 0xD0, 0, 0, 1}, 5, 0x03); /* Param */
    chip_fails(&c, 0x82, 0x00, (const uint8_t[]){0xF1, 0xD0, 0, 0}, 4, 0x04);    /* no data */
    chip_fails(&c, 0x82, 0x00, (const uint8_t[]){0xF1, 0xDF, 0, 0, 1}, 5, 0x01); /* unknown OID */
    chip_fails(&c, 0x82, 0x00, big, 1554, 0x04);                                 /* > 1553 */
    chip_fails(&c, 0xB3, 0x01, big, 10, 0x0A);                                   /* CalcSSec */
    chip_fails(&c, 0x83, 0x01, big, 10, 0x05);                                   /* protected update: bad TLV */
    chip_fails(&c, 0x8C, 0x00, (const uint8_t[]){0x00, 0x07}, 2, 0x05);          /* random too short */
    chip_fails(&c, 0x8C, 0x00, (const uint8_t[]){0x01, 0x01}, 2, 0x05);          /* random too long */
    chip_fails(&c, 0x8C, 0x02, (const uint8_t[]){0x00, 0x10}, 2, 0x03);
    chip_fails(&c, 0x8C, 0x00, (const uint8_t[]){0x00, 0x10, 0xE1, 0x04, 0x41, 0, 0}, 7, 0x01);
    /* TLV errors: unknown tag, duplicated tag, truncated */
    chip_fails(&c, 0xB0, 0xE2, (const uint8_t[]){0x01, 0, 1, 0x61, 0x09, 0, 0}, 7, 0x05);
    chip_fails(&c, 0xB0, 0xE2, (const uint8_t[]){0x01, 0, 1, 0x61, 0x01, 0, 1, 0x62}, 8, 0x05);
    chip_fails(&c, 0xB0, 0xE2, (const uint8_t[]){0x01, 0, 5, 0x61}, 4, 0x05);
    /* session misuse */
    chip_fails(&c, 0xB4, 0x01, (const uint8_t[]){0x01, 0, 2, 0xE1, 0x00, 0x03, 0, 2, 0, 16,   0x02, 0,
                                                 8,    1, 2, 3,    4,    5,    6, 7, 8, 0x07, 0,    0},
               24, 0x0B);
    chip_fails(&c, 0x9E, 0x11, (const uint8_t[]){0x02, 0, 2, 0xE1, 0x03, 0x04, 0, 2, 0xE0, 0xE8}, 10, 0x0B);
    chip_fails(&c, 0xB1, 0x01, (const uint8_t[]){0x01, 0,  32, 1,  2,  3,  4,  5,    6,  7,  8,    9,   10, 11,
                                                 12,   13, 14, 15, 16, 17, 18, 19,   20, 21, 22,   23,  24, 25,
                                                 26,   27, 28, 29, 30, 31, 32, 0x03, 0,  2,  0xE1, 0x01},
               40, 0x0B);
    /* wrong key type: sign with the AES key object, AES with an RSA key object */
    chip_fails(&c, 0xB1, 0x01, (const uint8_t[]){0x01, 0,  32, 1,  2,  3,  4,  5,    6,  7,  8,    9,   10, 11,
                                                 12,   13, 14, 15, 16, 17, 18, 19,   20, 21, 22,   23,  24, 25,
                                                 26,   27, 28, 29, 30, 31, 32, 0x03, 0,  2,  0xE2, 0x00},
               40, 0x01);
    chip_fails(&c, 0x94, 0x08,
               (const uint8_t[]){0xE0, 0xFC, 0x01, 0, 16, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, 21,
               0x01);
    /* no key in E200 yet */
    chip_fails(&c, 0x94, 0x08,
               (const uint8_t[]){0xE2, 0x00, 0x01, 0, 16, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, 21,
               0x07);
    /* application closed: 0x0C */
    assert_int_equal(chip_cmd(&c, 0xF1, 0x00, NULL, 0), OK);
    assert_int_equal(chip_read(&c, 0xE0C0, 0, 1), 0xFF);
    static const uint8_t app_id[16] = {0xD2, 0x76, 0x00, 0x00, 0x04, 0x47, 0x65, 0x6E,
                                       0x41, 0x75, 0x74, 0x68, 0x41, 0x70, 0x70, 0x6C};
    assert_int_equal(chip_cmd(&c, 0x70, 0x00, app_id, 16), OK); /* plain form keeps the code */
    assert_int_equal(chip_err(&c), 0x0C);
    /* LcsA termination makes commands unavailable (even reading the error code) */
    assert_int_equal(chip_write(&c, 0x00, 0xF1C0, 0, (const uint8_t[]){0x0F}, 1), OK);
    assert_int_equal(chip_read(&c, 0xE0C0, 0, 1), 0xFF);
    assert_int_equal(chip_read(&c, 0xF1C2, 0, 1), 0xFF);
    chip_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sim_obj_shipped),        cmocka_unit_test(sim_obj_write_read),
        cmocka_unit_test(sim_obj_metadata_rules), cmocka_unit_test(sim_obj_access_conditions),
        cmocka_unit_test(sim_obj_counters),       cmocka_unit_test(sim_obj_provision_persist),
        cmocka_unit_test(sim_obj_power_cut),      cmocka_unit_test(sim_obj_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
