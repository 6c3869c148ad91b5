/*
 * trustm_sim.h - an independent model of the OPTIGA(TM) Trust M2 ID2 chip at the I2C
 * register level (ifx-i2c.md §9 "simulator checklist").
 *
 * The model is I/O-free apart from its optional state file and trace file: one call is one
 * I2C transaction (START .. STOP) and returns what the slave did with its address byte.  Time
 * is virtual and deterministic: the clock advances only by bus transactions (bit time at the
 * configured SCL) and by trustm_sim_sleep_us().  Randomness comes from a seeded generator.
 *
 * Layers inside (sim/front, sim/link, sim/chip, sim/nvm): register file and bus timing, slave
 * data link + transport + presentation latch, APDU dispatcher with the object store, and the
 * persistent image.  The simulator shares only src/common and src/codec with the host library.
 *
 * Threading: an instance is not thread-safe; serialise calls (the daemon does).
 * Ownership: buffers passed in are only read during the call; the FILE given to
 * trustm_sim_trace_set() is borrowed until tracing is turned off or the instance is destroyed.
 */
#ifndef TRUSTM_SIM_H
#define TRUSTM_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Result of one bus transaction; the values equal the socket protocol status byte. */
typedef enum trustm_sim_bus {
    TRUSTM_SIM_ACK = 0,      /* transaction completed                                    */
    TRUSTM_SIM_NACK = 1,     /* address not acknowledged (off, in reset, starting, busy) */
    TRUSTM_SIM_BUS_ERROR = 2 /* malformed transaction (NULL buffer, address > 0x7F)      */
} trustm_sim_bus_t;

typedef enum trustm_sim_timing {
    TRUSTM_SIM_TIMING_DATASHEET = 0, /* start-up 15 ms, command execution times (default) */
    TRUSTM_SIM_TIMING_NONE = 1       /* zero start-up and execution time; bus time kept   */
} trustm_sim_timing_t;

#define TRUSTM_SIM_UID_SIZE 27u

/* ---- storage of the non-volatile image (sim/nvm/trustm_sim_storage.c) ----
 * The chip model does no file I/O: its NVM image (a byte string, format in sim/nvm) is loaded
 * from and committed to a storage.  Two are provided: a state file (the default when
 * config.state_path is set) and memory (tests).  Every storage calls the power-cut hook
 * `cut` (when set) before each durable write step; a hook that returns true cuts the power at
 * that step: the commit stops there, as a supply failure would stop it. */
#define TRUSTM_SIM_STORAGE_CUT (-2)

typedef struct trustm_sim_storage trustm_sim_storage_t;
struct trustm_sim_storage {
    /* 0 with *buf (malloc'd, the caller wipes and frees it) and *len; 1 when there is no image
     * yet (a new chip); -1 on error with a one-line reason in err. */
    int (*load)(trustm_sim_storage_t *st, uint8_t **buf, size_t *len, char *err, size_t errlen);
    /* Make buf the committed image atomically: whatever happens, a later load returns the old
     * or the new image, never a mix.  0; -1 with a reason (old image kept); or
     * TRUSTM_SIM_STORAGE_CUT when the hook cut the power (old or new image, as the step says). */
    int (*commit)(trustm_sim_storage_t *st, const uint8_t *buf, size_t len, char *err, size_t errlen);
    /* Release the storage (file: the lock).  May be NULL. */
    void (*close)(trustm_sim_storage_t *st);
    /* Power-cut hook, called with the name of the durable write step about to happen. */
    bool (*cut)(void *cut_ctx, const char *step);
    void *cut_ctx;
    const char *name; /* for messages: the file name, "memory"                     */
    void *impl;       /* private to the storage */
};

/* A state file.  Takes an exclusive lock (a `<path>.lock` file beside it, holding the owner's
 * pid and name, removed when the storage is closed): a second user -- another trustm-sim serve, a trustm -d sim:FILE -- is refused
 * with "state file X is in use by pid N (name)".  Commit: `<path>.tmp`, fsync, rename, fsync
 * of the directory (every result checked).  A missing file loads as "no image"; an unreadable
 * one is an error. */
int trustm_sim_storage_file(trustm_sim_storage_t *st, const char *path, char *errbuf, size_t errlen);

/* Memory: the image lives in a trustm_sim_mem_t that outlives simulator instances, so a test
 * can "restart" a chip from what was committed. */
typedef struct trustm_sim_mem {
    uint8_t *image; /* committed image (NULL: none yet)                           */
    size_t len;
    uint8_t *shadow; /* the slot being written                                     */
    size_t shadow_len;
    uint64_t commits; /* completed commits                                          */
} trustm_sim_mem_t;
void trustm_sim_storage_memory(trustm_sim_storage_t *st, trustm_sim_mem_t *mem);
void trustm_sim_mem_free(trustm_sim_mem_t *mem); /* wipes and frees the images */

/* Power-cut hook that cuts at the k-th durable write step counted from arming (k >= 1; 0 = never),
 * for st->cut / st->cut_ctx.  steps counts the steps seen; fired tells whether it cut. */
typedef struct trustm_sim_powercut {
    uint32_t cut_at;
    uint32_t steps;
    bool fired;
    char step[32]; /* name of the step it cut at                                 */
} trustm_sim_powercut_t;
bool trustm_sim_powercut_hook(void *powercut, const char *step);

/* Configuration; an all-zero struct means: volatile chip, 400 kHz, datasheet timing, seed 0. */
typedef struct trustm_sim_config {
    const char *state_path;        /* NULL: volatile chip (nothing persisted).  Otherwise the file is
                                loaded if it exists, or created with a new chip if it does not
                                (exclusively locked while the chip lives). */
    trustm_sim_storage_t *storage; /* instead of state_path: any storage (borrowed; the caller
                                closes it after trustm_sim_destroy)                          */
    uint32_t scl_khz;              /* 100, 400 or 1000; 0 = 400                                      */
    trustm_sim_timing_t timing;
    uint64_t seed; /* RNG seed: UID batch/wafer fields of a new chip, fault plans    */
    bool uid_set;  /* true: use uid[] for a new chip instead of the generated one    */
    uint8_t uid[TRUSTM_SIM_UID_SIZE];
} trustm_sim_config_t;

typedef struct trustm_sim trustm_sim_t;

/*
 * Create a chip.  The chip is powered from time 0 with RST high, so it NACKs for the start-up
 * time (15 ms with datasheet timing).  On failure returns NULL and writes a one-line reason
 * (e.g. "state file x: CRC mismatch (corrupted)") into errbuf when errbuf != NULL.
 */
trustm_sim_t *trustm_sim_create(const trustm_sim_config_t *config, char *errbuf, size_t errlen);
/* Save pending NVM changes (state file mode), close the trace, free.  NULL is ignored. */
void trustm_sim_destroy(trustm_sim_t *sim);

/* One I2C write transaction: START, addr7+W, buf[0..len), STOP.  buf[0] is the register. */
trustm_sim_bus_t trustm_sim_i2c_write(trustm_sim_t *sim, uint8_t addr7, const uint8_t *buf, size_t len);
/* One I2C read transaction: START, addr7+R, len bytes into buf, STOP. */
trustm_sim_bus_t trustm_sim_i2c_read(trustm_sim_t *sim, uint8_t addr7, uint8_t *buf, size_t len);

/* VDD: off loses all volatile state (NVM kept); on = cold start (start-up time if RST high). */
void trustm_sim_power(trustm_sim_t *sim, bool on);
/* RST pin: low holds the chip in reset; the rising edge is a warm start. */
void trustm_sim_rst(trustm_sim_t *sim, bool high);
/* Advance the virtual clock. */
void trustm_sim_sleep_us(trustm_sim_t *sim, uint32_t us);
/* Move the clock forward to t_us (never backwards), without a trace line (real-clock daemons). */
void trustm_sim_clock_sync(trustm_sim_t *sim, uint64_t t_us);
uint64_t trustm_sim_now_us(const trustm_sim_t *sim);

/* Write the state file now (no-op for a volatile chip).  Returns 0, or -1 with errbuf set. */
int trustm_sim_save(trustm_sim_t *sim, char *errbuf, size_t errlen);
/* Why the last commit failed ("" when the last commit succeeded).  A command whose effects
 * could not be made durable is answered with error 0x06 (internal process error) and undone in
 * memory, so the chip always equals its storage. */
const char *trustm_sim_storage_error(const trustm_sim_t *sim);
/* The 27-byte coprocessor UID (0xE0C2) of this chip. */
void trustm_sim_uid(const trustm_sim_t *sim, uint8_t uid[TRUSTM_SIM_UID_SIZE]);
/* Current 7-bit address (0x30 unless BASE_ADDR was written). */
uint8_t trustm_sim_addr(const trustm_sim_t *sim);

/* ---- fault injection (reproducible: every random choice comes from the fault seed) ---- */
typedef struct trustm_sim_faults {
    uint32_t nack_next;           /* NACK the next N address phases                            */
    uint32_t corrupt_fcs_frame;   /* flip a bit in the FCS of the k-th chip frame queued from now
                                    on (1-based, control and data frames count; 0 = off)     */
    uint32_t drop_frame;          /* never offer the k-th chip frame queued from now on (0 = off);
                                    a dropped data frame is re-offered after TRANS_TIMEOUT   */
    uint32_t busy_extra_us;       /* added to the execution time of every command               */
    uint32_t flip_host_frame;     /* flip one random bit in the k-th host DATA write (0 = off)   */
    uint32_t power_loss_us;       /* power lost this long after the next command starts (0=off) */
    bool power_loss_after_commit; /* with power_loss_us: the command runs to completion, its NVM
                                    changes are committed, and power is lost before the response
                                    is offered (instead of: not executed, NVM unchanged)      */
    uint64_t seed;                /* seed of the fault RNG (bit positions)                      */
    /* Random faults at a rate (per million events, drawn from the fault RNG; 0 = off), for the
     * fault matrix: each address phase NACKed (the storm continues with the same probability),
     * each chip frame's FCS corrupted or the frame dropped, each DATA read truncated (the bytes
     * after a random position read FF), each host DATA write with one bit flipped, each command
     * stretched by up to busy_extra_max_us, each command cut by a power loss (before or, with
     * even draws, after its commit). */
    uint32_t nack_ppm;
    uint32_t fcs_ppm;
    uint32_t drop_ppm;
    uint32_t truncate_ppm;
    uint32_t flip_ppm;
    uint32_t busy_ppm;
    uint32_t busy_extra_max_us;
    uint32_t power_ppm;
} trustm_sim_faults_t;

/* Arm a fault plan (replaces the previous one; counters restart).  NULL clears all faults. */
void trustm_sim_faults_set(trustm_sim_t *sim, const trustm_sim_faults_t *faults);
/* The plan now armed (counters of one-shot faults already consumed are not shown). */
void trustm_sim_faults_get(const trustm_sim_t *sim, trustm_sim_faults_t *out);
/* Write the current plan as one line (for failing tests to print). */
void trustm_sim_faults_describe(const trustm_sim_t *sim, char *buf, size_t len);

/* ---- trace (one line per bus event, "# trustm-sim trace v1" first) ---- */
/* f != NULL starts tracing to f (header line written); NULL stops.  The FILE is not closed. */
void trustm_sim_trace_set(trustm_sim_t *sim, FILE *f);

/* ---- statistics ---- */
typedef struct trustm_sim_stats {
    uint64_t time_us;          /* simulated time now                                         */
    uint64_t bus_time_us;      /* time spent in bus transactions                             */
    uint64_t transactions;     /* I2C transactions (write + read, NACKed ones included)      */
    uint64_t nacks;            /* of which NACKed                                            */
    uint64_t bytes_written;    /* payload bytes written by the host (register byte included) */
    uint64_t bytes_read;       /* bytes read by the host                                     */
    uint64_t frames_in;        /* DATA writes processed as frames                            */
    uint64_t frames_out;       /* frames offered by the chip                                 */
    uint64_t commands;         /* APDUs executed                                             */
    uint64_t nvm_writes;       /* state file writes                                          */
    uint64_t guard_violations; /* transactions started < GUARD_TIME after the previous STOP  */
    uint64_t throttle_us;      /* security-monitor delay added to the last command executed  */
} trustm_sim_stats_t;

void trustm_sim_stats_get(const trustm_sim_t *sim, trustm_sim_stats_t *out);
void trustm_sim_stats_reset(trustm_sim_t *sim);
/* Execution time the timing model charges for this command APDU (0 with timing none); lets a
 * benchmark print the physical limit "command time + bytes on the wire" next to a measurement. */
uint32_t trustm_sim_exec_time_us(const trustm_sim_t *sim, const uint8_t *apdu, size_t len);

/* ---- state files without a running chip (used by `trustm-sim init` / `show`) ---- */
/*
 * Create a new state file.  Fails (-1, errbuf) if it exists and force is false.  seed and
 * uid (NULL = generated from seed) define the chip.
 */
int trustm_sim_state_init(const char *path, uint64_t seed, const uint8_t *uid, bool force, char *errbuf, size_t errlen);

/* ---- test and fuzzing entry points (bypass the bus; no timing) ---- */
/* Execute one command APDU as the chip's application layer would; the response APDU goes to
 * rsp (rsp_size >= 1557).  Returns the response length (4 + OutLen), 0 if rsp is too small. */
size_t trustm_sim_apdu(trustm_sim_t *sim, const uint8_t *apdu, size_t len, uint8_t *rsp, size_t rsp_size);
/* Syntax check of a metadata container `20 LL ...` as SetDataObject Param 0x01 applies it:
 * 0 if valid, else the device error code the chip answers (0x05, 0x09). */
int trustm_sim_metadata_check(const uint8_t *m, size_t n);

/* Factory provisioning of a new chip (`trustm-sim init --id2 --aes-key --rsa-key`). */
typedef struct trustm_sim_provision {
    bool id2_set; /* write the 12-byte ID2 device ID into F1D0 (used size 12)   */
    uint8_t id2[12];
    const uint8_t *aes_key; /* NULL, or 16/24/32 bytes into E200 (E0 = 81/82/83, E1 = Enc) */
    size_t aes_key_len;
    const char *rsa_pem; /* NULL, or a NUL-terminated PEM RSA-1024/2048 private key into
                                    E0FC (E0 = 41/42, E1 = Sign|Enc)                          */
    const uint8_t *cert; /* NULL, or a DER device certificate into E0E0                 */
    size_t cert_len;
} trustm_sim_provision_t;

/* As trustm_sim_state_init, then provision (p may be NULL).  -1 with a reason on bad keys. */
int trustm_sim_state_init_provisioned(const char *path, uint64_t seed, const uint8_t *uid, bool force,
                                      const trustm_sim_provision_t *p, char *errbuf, size_t errlen);

typedef struct trustm_sim_state_info {
    uint8_t uid[TRUSTM_SIM_UID_SIZE];
    uint64_t seed;
    uint8_t base_addr;  /* persistent BASE_ADDR default                               */
    uint8_t i2c_mode;   /* persistent I2C_MODE (1 Sm, 2 Fm, 3 Sm&Fm, 4 Fm+)            */
    uint8_t lcs_global; /* 0xE0C0                                                     */
    uint8_t lcs_app;    /* 0xF1C0                                                     */
    uint8_t sec;        /* 0xE0C5                                                     */
    uint32_t objects;   /* object records in the file                                  */
    uint32_t version;   /* state file format version                                   */
} trustm_sim_state_info_t;

/* Load and check a state file.  Returns 0, or -1 with a clear reason in errbuf. */
int trustm_sim_state_info(const char *path, trustm_sim_state_info_t *out, char *errbuf, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif /* TRUSTM_SIM_H */
