/* The trace decoder of `trustm trace` reads files a user hands it: arbitrary text, split
 * into lines, must never crash it. Output goes to /dev/null. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace_decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *devnull;
    if (devnull == NULL && (devnull = fopen("/dev/null", "w")) == NULL)
        abort();
    static char line[4096];
    trace_dec_t *d = malloc(sizeof *d);
    if (d == NULL)
        abort();
    trace_dec_init(d, devnull);
    size_t start = 0;
    unsigned long lineno = 0;
    for (size_t i = 0; i <= size; i++) {
        if (i == size || data[i] == '\n') {
            size_t n = i - start;
            if (n >= sizeof line)
                n = sizeof line - 1;
            memcpy(line, data + start, n);
            line[n] = '\0';
            (void)trace_dec_line(d, line, ++lineno);
            start = i + 1;
        }
    }
    trace_dec_finish(d);
    free(d);
    return 0;
}
