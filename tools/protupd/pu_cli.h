/*
 * pu_cli.h - command line of trustm-protupd / protected_update_data_set.
 *
 * Vendor syntax `name=value ...` (protected-update.md §8) and conventional `--name value` /
 * `--name=value` beside it. Writes the vendor console format (§8.3) to `out`, one error line to
 * `err`. Returns the process exit status (PU_EXIT_*).
 */
#ifndef PU_CLI_H
#define PU_CLI_H

#include <stdio.h>

#define PU_EXIT_OK     0 /* data set written                                                */
#define PU_EXIT_USAGE  1 /* unknown option, malformed or out-of-range value, missing option */
#define PU_EXIT_INPUT  4 /* input file missing / unreadable / wrong content or key          */
#define PU_EXIT_BUILD  4 /* data set cannot be built (payload too large, crypto failure)    */
#define PU_EXIT_OUTPUT 4 /* an output file cannot be written (nothing is left behind)       */

#define PU_TOOL_VERSION_STRING "2.00.2510" /* the vendor tool version whose output format is reproduced */

int pu_cli_main(int argc, char **argv, FILE *out, FILE *err);

#endif
