/*
 * main.c - the `trustm` executable; everything else lives in the trustm_cli library so that
 * the tests can link the same code.
 */
#include "cli.h"

int main(int argc, char **argv)
{
    return cli_main(argc, argv);
}
