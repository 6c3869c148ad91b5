/*
 * main.c - trustm-protupd / protected_update_data_set entry point.
 */
#include <stdio.h>

#include "pu_cli.h"

int main(int argc, char **argv)
{
    return pu_cli_main(argc, argv, stdout, stderr);
}
