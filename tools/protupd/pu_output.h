/*
 * pu_output.h - text renderings of a data set: the vendor console layout (protected-update.md §8.3),
 * the vendor dataset_to_file layout (§8.5), hex lines and JSON.
 */
#ifndef PU_OUTPUT_H
#define PU_OUTPUT_H

#include <stdio.h>

#include "pu_dataset.h"

/* "Manifest Data , size : [NNN]" ... "Fragment number:[KK], size:[NNN]" ... (§8.3 item 7). */
void pu_print_console(FILE *o, const pu_dataset_t *ds);
/* The C arrays as appended by dataset_to_file (§8.5). */
void pu_print_c_file(FILE *o, const pu_dataset_t *ds);
/* "manifest <HEX>\nfragment_01 <HEX>\n..." (upper-case, one line each). */
void pu_print_hex(FILE *o, const pu_dataset_t *ds);
/* One JSON object with the inputs that shape the manifest and the hex of every part. */
void pu_print_json(FILE *o, const pu_params_t *p, const pu_dataset_t *ds);

#endif
