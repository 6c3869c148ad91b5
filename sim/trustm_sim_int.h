/*
 * trustm_sim_int.h - private state of the chip model, shared by sim/front, sim/link, sim/chip
 * and sim/nvm.  Not installed; nothing outside sim/ includes it.
 */
#ifndef TRUSTM_SIM_INT_H
#define TRUSTM_SIM_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <mbedtls/sha256.h>
#include <mbedtls/sha512.h>

#include "trustm_apdu.h"
#include "trustm_frame.h"
#include "trustm_sim.h"
#include "chip/trustm_sim_protupd.h"
#include "link/trustm_sim_pl.h"

/* ---- chip constants (ifx-i2c.md §0.1, §1.2, §1.8, §2.5) ---- */
#define SIM_DEFAULT_ADDR         0x30u
#define SIM_DATA_REG_LEN_MAX     0x0115u /* 277 */
#define SIM_DATA_REG_LEN_MIN     0x0010u
#define SIM_GUARD_TIME_US        50u
#define SIM_TRANS_TIMEOUT_US     10000u
#define SIM_TRANS_REPEAT         3u
#define SIM_STARTUP_US           15000u
#define SIM_I2C_MODE_DEFAULT     3u /* Sm&Fm */
#define SIM_I2C_STATE_BUSY       0x80u
#define SIM_I2C_STATE_RESP_RDY   0x40u
#define SIM_I2C_STATE_SOFT_RESET 0x08u
#define SIM_I2C_STATE_PRESENT    0x80u /* byte 1 */
/* A response whose execution takes at most this long carries the ACK piggy-backed (as the
 * datasheet log shows for GetDataObject); longer commands get a control ACK at once. */
#define SIM_PIGGYBACK_MAX_US 2000u
#define SIM_QUEUE_MAX        8u
#define SIM_MSG_MAX          2048u /* reassembly buffer: SCTR + APDU (max 0x615) with room */

/* Registers (Table "register map"). */
enum {
    SIM_REG_DATA = 0x80,
    SIM_REG_DATA_REG_LEN = 0x81,
    SIM_REG_I2C_STATE = 0x82,
    SIM_REG_BASE_ADDR = 0x83,
    SIM_REG_MAX_SCL_FREQU = 0x84,
    SIM_REG_GUARD_TIME = 0x85,
    SIM_REG_TRANS_TIMEOUT = 0x86,
    SIM_REG_PWR_SAVE_TIMEOUT = 0x87,
    SIM_REG_SOFT_RESET = 0x88,
    SIM_REG_I2C_MODE = 0x89,
    SIM_REG_NONE = 0x00
};

/* ---- object store ---- */
#define SIM_OBJ_DATA_MAX   1728u /* largest object: certificate objects E0E0-E0E3 */
#define SIM_OBJ_META_MAX   46u   /* 44 bytes of tags + the 20 LL header            */
#define SIM_OBJ_PERSISTENT 0x01u /* kept in the state file                         */
#define SIM_OBJ_READ_CLEAR 0x02u /* reading returns the value and clears it (F1C2)  */
#define SIM_OBJ_KEY        0x04u /* key object: data never readable or writable     */

typedef struct sim_obj {
    uint16_t oid;
    uint8_t flags;
    uint16_t max_size;
    uint16_t used;
    uint8_t data[SIM_OBJ_DATA_MAX];
    uint8_t meta_len;
    uint8_t meta[SIM_OBJ_META_MAX];
} sim_obj_t;

#define SIM_OBJ_COUNT 40u

/* ---- chip engine state (sim/chip) ---- */
#define SIM_SESSIONS           4u
#define SIM_SESSION_MAX        800u /* a secret (<= 66 bytes) or an RSA private key (3n+4)   */
#define SIM_SESSION_SECRET_MAX 66u
#define SIM_AUTO_MAX           4u

typedef struct sim_session {
    uint8_t kind; /* 0 empty, 1 secret, 2 RSA private key (alg in alg)      */
    uint8_t alg;
    uint16_t len;
    uint8_t data[SIM_SESSION_MAX];
} sim_session_t;

/* Running hash (CalcHash): the SHA-256 state as plain words so it can be exported. */
typedef struct sim_hash_state {
    bool active;
    uint32_t h[8];
    uint64_t total;
    uint8_t buf[64];
    uint8_t buf_len;
} sim_hash_state_t;

/* One open EncryptSym/DecryptSym sequence. */
typedef struct sim_sym_seq {
    bool active;
    uint8_t cmd;  /* 0x14 / 0x15                                              */
    uint8_t mode; /* Param                                                    */
    uint16_t key_oid;
    uint8_t key[160]; /* AES key or HMAC secret                                   */
    uint16_t key_len;
    uint8_t chain[16]; /* CBC chaining value / CBC-MAC state / CMAC state          */
    uint8_t pend[16];  /* CMAC: last complete block kept back                      */
    bool have_pend;
    mbedtls_sha256_context h256; /* HMAC inner hash (SHA-256)                                */
    mbedtls_sha512_context h512; /* HMAC inner hash (SHA-384/512)                            */
} sim_sym_seq_t;

typedef struct sim_chip_state {
    sim_session_t sessions[SIM_SESSIONS];
    uint16_t auto_oid[SIM_AUTO_MAX]; /* Auto(X) states; 0 = free                         */
    sim_hash_state_t hash;
    sim_sym_seq_t sym;
    /* security monitor (objects.md §8) */
    uint8_t sec_credit;
    uint64_t secmon_last_ns; /* last time the idle accumulator was updated              */
    uint64_t secmon_idle_ns; /* powered idle time since the last event / tick           */
    uint32_t throttle_us;    /* throttle delay applied to the command now executing     */
    uint8_t sec_unsynced;    /* SEC decrements not yet written to NVM                    */
    uint8_t ctx_key[32];     /* chip-internal key for exported hash contexts            */
    sim_pu_state_t pu;       /* open SetObjectProtected sequence (trustm_sim_protupd.c)  */
} sim_chip_state_t;

typedef struct sim_frame {
    uint8_t buf[SIM_DATA_REG_LEN_MAX];
    uint16_t len;
    bool data; /* data frame (kept until acknowledged) */
} sim_frame_t;

struct trustm_sim {
    /* configuration and storage (sim/trustm_sim.c) */
    trustm_sim_storage_t *storage;    /* NULL: volatile chip                                    */
    trustm_sim_storage_t own_storage; /* the state file opened for config.state_path          */
    uint8_t *nv_image;                /* last committed image (what the storage holds)          */
    size_t nv_image_len;
    char storage_err[256]; /* why the last commit failed, "" after a good one        */
    uint32_t scl_khz;
    trustm_sim_timing_t timing;

    /* clock (ns internally; the API speaks µs) */
    uint64_t now_ns;
    uint64_t last_stop_ns;
    uint64_t bus_ns;
    bool any_transaction;

    /* power / reset */
    bool powered;
    bool rst_high;
    uint64_t ready_at_ns;

    /* register file */
    uint8_t addr;
    uint16_t data_reg_len;
    uint8_t reg_ptr;
    uint8_t i2c_mode;

    /* non-volatile image */
    uint64_t seed;
    uint8_t nv_addr;
    uint8_t nv_i2c_mode;
    sim_obj_t objs[SIM_OBJ_COUNT];
    uint8_t sec_nvm; /* NVM copy of SEC; E0C5's data is SEC_CURR (RAM), synced
                                     after E0C9[3] decrements, on increments and on close   */
    bool nvm_dirty;

    /* data link (ifx-i2c.md §2.9 "recommended simulator") */
    uint8_t last_tx;
    uint8_t last_rx;
    sim_frame_t queue[SIM_QUEUE_MAX];
    unsigned qhead;
    unsigned qcount;
    sim_frame_t unacked;
    bool have_unacked;
    bool unacked_lost; /* dropped by a fault: re-offer after TRANS_TIMEOUT */
    uint64_t unacked_sent_ns;
    unsigned unacked_repeats;

    /* transport */
    uint8_t rx_msg[SIM_MSG_MAX];
    size_t rx_len;
    bool rx_chain_open;
    uint8_t tx_msg[SIM_MSG_MAX]; /* outgoing message (PCTR excluded) */
    size_t tx_len;
    size_t tx_off; /* bytes already packetised */
    bool tx_active;
    uint8_t tx_pctr_flags; /* PRESENCE bit of the outgoing packets */

    /* presentation latch and the Shielded Connection (link/trustm_sim_pl.c) */
    bool presence;
    sim_pl_t pl;

    /* execution */
    bool busy;
    uint64_t busy_until_ns;
    uint8_t exec_msg[SIM_MSG_MAX];
    size_t exec_len;
    bool exec_cut;      /* power cut while storing the command's change: no answer */
    bool exec_presence; /* message came with PRESENCE (payload starts with SCTR) */
    bool exec_power_loss;
    bool exec_discard; /* a re-sync arrived while executing: drop the response */
    uint8_t rsp_buf[SIM_MSG_MAX];
    uint64_t exec_power_loss_ns;

    /* application */
    bool app_open;
    bool hib_valid; /* hibernate context saved (persistent, consumed once) */
    uint8_t hib_handle[8];
    uint8_t hib_status;                       /* F1C1 at CloseApplication(Param 01) */
    sim_session_t hib_sessions[SIM_SESSIONS]; /* sessions saved by hibernate (persistent) */
    uint16_t hib_auto[SIM_AUTO_MAX];

    /* chip engine */
    sim_chip_state_t chip;
    uint32_t last_throttle_us;
    bool exec_loss_after_commit; /* power-loss fault lands after the command's NVM commit */

    /* faults */
    trustm_sim_faults_t faults;
    uint64_t fault_rng;
    uint32_t chip_frames_since_arm;
    uint32_t host_frames_since_arm;

    /* trace, stats, rng */
    FILE *trace;
    trustm_sim_stats_t stats;
    uint64_t rng;       /* the generator's state (splitmix64)                              */
    uint64_t rng_bound; /* what the NVM holds: rng advanced by the steps reserved so far; a
                         * restart goes on from here, so no output is handed out twice, and
                         * only every SIM_RNG_RESERVE-th step needs a durable write        */
};

#define SIM_RNG_GAMMA   0x9E3779B97F4A7C15ull /* splitmix64's increment per step */
#define SIM_RNG_RESERVE 1024u                 /* steps (8 bytes each) reserved per NVM write */

/* ---- helpers shared between the parts ---- */
uint64_t sim_rng_next(uint64_t *state); /* splitmix64 */
/* A random fault at ppm per million events (fault RNG); false when ppm is 0. */
bool sim_fault_draw(trustm_sim_t *sim, uint32_t ppm);
void sim_trace(trustm_sim_t *sim, const char *fmt, ...);
void sim_trace_bytes(trustm_sim_t *sim, const char *what, const uint8_t *b, size_t n);

/* Layers (one-way arrows): sim/trustm_sim.c (public entry points, scheduler, commit) calls the
 * front (register file, bus timing), the link and the chip; the front calls the link; the link
 * calls the chip only for execution times; nothing calls back up.  Storage is reached only
 * from sim/trustm_sim.c. */

/* front (sim/front) */
void sim_reset_volatile(trustm_sim_t *sim); /* state after any reset */
void sim_start_up(trustm_sim_t *sim);       /* reset + start-up time */
/* One bus transaction on the register file (no scheduling, no commit). */
trustm_sim_bus_t sim_front_write(trustm_sim_t *sim, uint8_t addr7, const uint8_t *buf, size_t len);
trustm_sim_bus_t sim_front_read(trustm_sim_t *sim, uint8_t addr7, uint8_t *buf, size_t len);

/* link (sim/link) */
void sim_link_reset(trustm_sim_t *sim);
void sim_link_receive(trustm_sim_t *sim, const uint8_t *frame, size_t len);
void sim_link_frame_consumed(trustm_sim_t *sim); /* host read the queue head */
void sim_link_transmit(trustm_sim_t *sim, const uint8_t *msg, size_t len, bool presence);
void sim_link_timers(trustm_sim_t *sim);

/* chip (sim/chip) */
void sim_chip_objects_default(trustm_sim_t *sim, const uint8_t uid[TRUSTM_SIM_UID_SIZE]);
void sim_chip_reset(trustm_sim_t *sim); /* volatile objects, app closed */
sim_obj_t *sim_chip_obj(trustm_sim_t *sim, uint16_t oid);
/* Execution time of a message (APDU or presentation message) in µs for the timing model. */
uint32_t sim_chip_exec_us(const trustm_sim_t *sim, const uint8_t *apdu, size_t len);
/* The security-monitor delay included in sim_chip_exec_us (0 for unprotected commands). */
uint32_t sim_chip_throttle_us(const trustm_sim_t *sim, const uint8_t *apdu, size_t len);
/* Execute one APDU; writes the response APDU into rsp (size >= 4 + TRUSTM_APDU_MAX_DATA). */
size_t sim_chip_execute(trustm_sim_t *sim, const uint8_t *apdu, size_t len, uint8_t *rsp, size_t rsp_size);
void sim_chip_uid_generate(uint64_t seed, uint8_t uid[TRUSTM_SIM_UID_SIZE]);
/* Security monitor: account powered idle time up to now (called by the front). */
void sim_secmon_tick(trustm_sim_t *sim);

/* Size of a stored RSA private key (N | E(4) | D | P | Q) for algorithm 0x41/0x42, else 0. */
size_t sim_rsa_key_blob_size(uint8_t alg);
/* Factory provisioning into a fresh object store (sim/chip/trustm_sim_provision.c). */
int sim_chip_provision(trustm_sim_t *sim, const trustm_sim_provision_t *p, char *err, size_t errlen);

/* Response APDU "Sta FF" with `code` kept in the Last Error Code (the commit-failure path). */
size_t sim_chip_error_response(trustm_sim_t *sim, uint8_t code, uint8_t *rsp);

/* nvm (sim/nvm): the image codec and the storages */
uint8_t *sim_nvm_encode(const trustm_sim_t *sim, size_t *len); /* malloc'd image, NULL = OOM */
int sim_nvm_decode(trustm_sim_t *sim, const uint8_t *buf, size_t n, const char *name, char *err, size_t errlen);
/* Read a whole file: 0, 1 (does not exist) or -1 with a reason. */
int sim_file_read(const char *path, uint8_t **out, size_t *out_len, char *err, size_t errlen);
uint32_t sim_crc32(const uint8_t *p, size_t n);

void sim_err(char *err, size_t errlen, const char *fmt, ...);

#endif /* TRUSTM_SIM_INT_H */
