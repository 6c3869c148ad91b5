/*
 * test_cli_oracle.c - CLI outputs checked against an independent oracle
 * rather than against golden files the code under test wrote: the spec's own tables, read at
 * test time from shared/spec (skipped, with the reason, when shared/ is absent).
 *   - `trustm error CODE` names every device error code as commands.md §3.2 does
 *   - `trustm metadata OID --raw` of a fresh chip equals the shipped metadata of objects.md §1.4
 * (openssl and mbedTLS cross-checks of the cryptographic commands live in cli_crypto.)
 */
#define _POSIX_C_SOURCE 200809L

#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "cli_chip.h"
#include "cli_run.h"
#include "trustm_testutil.h"

static char *spec_text(const char *rel)
{
    char path[1024];
    TV_REQUIRE_SHARED(rel, path);
    char *t = cli_slurp(path);
    assert_non_null(t);
    return t;
}

static void lower(char *s)
{
    for (; *s != '\0'; s++)
        *s = (char)tolower((unsigned char)*s);
}

static void test_error_names_match_spec(void **state)
{
    (void)state;
    char *spec = spec_text("spec/commands.md");
    unsigned checked = 0;
    for (char *line = strtok(spec, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        unsigned code = 0, host = 0;
        char name[128];
        /* | 0x07 | 0x8007 | Access conditions not satisfied | ... | */
        if (sscanf(line, "| 0x%2x | 0x%4x | %127[^|]|", &code, &host, name) != 3 || host != (0x8000u | code))
            continue;
        size_t n = strlen(name);
        while (n > 0 && name[n - 1] == ' ')
            name[--n] = '\0';
        lower(name);
        char args[32];
        cli_result_t r;
        snprintf(args, sizeof args, "error %02X", code);
        cli_run(TRUSTM_BIN, args, &r);
        assert_int_equal(r.code, 0);
        lower(r.out);
        if (strstr(r.out, name) == NULL)
            fail_msg("trustm error %02X: '%s' does not carry the spec's name '%s'", code, r.out, name);
        cli_result_free(&r);
        checked++;
    }
    free(spec);
    print_message("%u error codes named as in commands.md §3.2\n", checked);
    assert_true(checked >= 25);
}

static void test_shipped_metadata_matches_spec(void **state)
{
    (void)state;
    char *spec = spec_text("spec/objects.md");
    char *sec = strstr(spec, "### 1.4 Shipped metadata bytes");
    assert_non_null(sec);
    unsigned checked = 0;
    for (char *line = strtok(sec, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        if (strncmp(line, "### 1.5", 7) == 0 || (strncmp(line, "## ", 3) == 0 && checked > 0))
            break;
        char oids[64], bytes[200];
        /* | E0C9 | `20 11 ...` | : rows naming single OIDs or comma lists; no remarks after the bytes */
        if (sscanf(line, "| %63[^|]| `%199[^`]` |", oids, bytes) != 2 || strchr(line, '(') != NULL)
            continue;
        if (strchr(oids, 0xE2) != NULL || strstr(oids, "-") != NULL)
            continue; /* ranges (E0E1–E0E3): the first OID stands for them in other rows */
        char *save = NULL;
        for (char *o = strtok_r(oids, ", ", &save); o != NULL; o = strtok_r(NULL, ", ", &save)) {
            if (strlen(o) != 4)
                continue;
            char args[64], want[200];
            snprintf(args, sizeof args, "metadata %s --raw", o);
            cli_result_t r;
            trun_expect(&r, 0, "%s", args);
            /* compare as hex without spaces, case-insensitive */
            size_t k = 0;
            for (const char *p = bytes; *p != '\0'; p++)
                if (isxdigit((unsigned char)*p))
                    want[k++] = (char)tolower((unsigned char)*p);
            want[k] = '\0';
            char got[200];
            k = 0;
            for (const char *p = r.out; *p != '\0' && k + 1 < sizeof got; p++)
                if (isxdigit((unsigned char)*p))
                    got[k++] = (char)tolower((unsigned char)*p);
            got[k] = '\0';
            if (strcmp(got, want) != 0)
                fail_msg("metadata %s: chip %s, objects.md §1.4 %s", o, got, want);
            cli_result_free(&r);
            checked++;
        }
    }
    free(spec);
    print_message("%u objects ship the metadata of objects.md §1.4\n", checked);
    assert_true(checked >= 8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_error_names_match_spec),
        cmocka_unit_test_setup(test_shipped_metadata_matches_spec, chip_setup),
    };
    int rc = cmocka_run_group_tests_name("cli_oracle", tests, NULL, NULL);
    cli_tmpdir_remove();
    return rc;
}
