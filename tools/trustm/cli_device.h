/*
 * cli_device.h - open the chip named by the device spec (cli_devspec.h) through the matching
 * port (pal/sim in-process, pal/socket, pal/linux) and bring it up with trustm_device_open().
 */
#ifndef TRUSTM_CLI_DEVICE_H
#define TRUSTM_CLI_DEVICE_H

#include <stdbool.h>
#include <stdio.h>

#include "cli.h"
#include "cli_devspec.h"
#include "trustm/trustm.h"
#include "trustm/trustm_shield.h"
#include "trustm_pal_linux.h"
#include "trustm_pal_socket.h"
#include "trustm_sim.h"

typedef struct cli_device {
    cli_devspec_t spec;
    char desc[320];       /* human-readable description of the device */
    trustm_pal_ops_t ops; /* copy of the port's ops (set_pin cleared when no pins) */
    trustm_pal_t pal;
    trustm_device_t dev;
    trustm_sim_t *sim;        /* sim: */
    FILE *trace;              /* sim: --sim-trace file */
    trustm_pal_socket_t sock; /* socket: */
    trustm_pal_linux_t lnx;   /* i2c: */
    int kind_open;            /* which port is open, -1 none */
    bool app_open;            /* OpenApplication done */
    /* Security-monitor throttling seen by this run (sim: and socket: devices report the delay
     * the chip model added to each command; i2c: only the elapsed time is known). */
    const trustm_pal_ops_t *inner_ops; /* the port's own ops and context, wrapped by ops */
    void *inner_ctx;
    uint64_t sim_commands;   /* command count of the simulator at the last check */
    uint64_t throttle_us;    /* sum of the throttling delays of the commands run */
    uint32_t throttled_cmds; /* number of commands that were delayed */
    uint64_t t_open_us;      /* PAL clock when the application was opened */
    bool data_selected;      /* the last write selected the DATA register */
    trustm_shield_t shield;  /* --protect: the Shielded Connection context */
    const char *pbs_path;    /* its secret file */
    /* Progress on stderr (a terminal only) while one run takes more than a second of real
     * time: RSA-2048 key generation, large hashes, protected updates on a real chip. */
    const char *cmd;           /* the subcommand, for the progress line */
    bool progress_tty;         /* stderr is a terminal */
    bool progress_shown;       /* a progress line is on the screen (cleared at close) */
    uint64_t progress_t0_us;   /* real (monotonic) time of the open */
    uint64_t progress_next_us; /* when to update the line next */
} cli_device_t;

/* Read the platform binding secret file (hex text, 1..64 bytes). 0, or -1 with err. The caller
 * wipes out. */
int cli_pbs_read(const char *path, uint8_t *out, size_t out_size, size_t *out_len, char *err, size_t errlen);
/* The secret file of the run: --pbs-file, else $TRUSTM_PBS_FILE, else NULL. */
const char *cli_pbs_path(const cli_globals_t *g);

/* Parse g->device, open the port and the device (reset, negotiation, OpenApplication).
 * Prints a clear message on failure and returns the exit code (CLI_EXIT_OK on success). */
int cli_device_open(cli_device_t *d, const cli_globals_t *g, const char *cmd);

/* As cli_device_open, but restore a hibernated context (OpenApplication Param 1 with the
 * 8-byte handle of `trustm hibernate save`). handle NULL = cli_device_open. */
int cli_device_open_restore(cli_device_t *d, const cli_globals_t *g, const char *cmd, const uint8_t *handle);

/* Before CloseApplication: when the chip's security monitor delayed commands of this run, say
 * so on stderr ("trustm: note: ... throttled ..."), with the security event counter (E0C5).
 * Called by cli_device_close(); commands that close the application themselves (hibernate)
 * call it first. */
void cli_device_report_throttle(cli_device_t *d, const cli_globals_t *g);

/* CloseApplication (when open), print statistics with --verbose, release the port. */
void cli_device_close(cli_device_t *d, const cli_globals_t *g);

#endif /* TRUSTM_CLI_DEVICE_H */
