/*
 * trustm_device.h - device context and the minimal service API of libtrustm.
 *
 * Lifecycle: trustm_device_init (no I/O) -> trustm_device_open (reset, DATA_REG_LEN
 * negotiation, OpenApplication) -> service calls -> trustm_device_close (CloseApplication).
 *
 * Every blocking call trustm_X(...) is "trustm_op_start_X(...) + run", the same arguments, on
 * the same engines: trustm_op_start_device_open / _device_open_restore / _device_close /
 * _device_transceive / _device_reset / _data_read / _metadata_read here, and the
 * trustm_op_start_* of the service headers (trustm_data.h, trustm_crypt.h, trustm_app.h)
 *     trustm_op_poll(dev, &next_deadline_us)   at most one bus I/O, never sleeps
 *     trustm_op_run(dev)                       to completion (sleeps through the PAL)
 *     trustm_op_abort(dev)
 * Only one operation may be in flight per device (a second start: API BAD_SEQUENCE). Buffers
 * passed to a start function are borrowed until the operation completes or is aborted.
 *
 * Errors: a command answered with Sta FF is followed automatically by a read of the Last Error
 * Code (0xF1C2) and reported as TRUSTM_DEVICE_ERR(code) (DEVICE_ERR(0) if that read failed).
 * Fatal link errors (PHY retries exhausted, DL re-sync failed) are sticky: every later call
 * returns <layer> FAILED until trustm_device_open() or trustm_device_reset() succeeds.
 */
#ifndef TRUSTM_DEVICE_H
#define TRUSTM_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trustm_io.h"
#include "trustm_pal.h"
#include "trustm_stats.h"
#include "trustm_status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Reset performed by trustm_device_open(). A library built with -DTRUSTM_RESET_PINS=OFF does
 * COLD and WARM as SOFT; with -DTRUSTM_RESET_SOFT=OFF a SOFT reset is not done (as NONE). */
#define TRUSTM_RESET_AUTO 0u /* COLD if the port has set_pin, else SOFT                        */
#define TRUSTM_RESET_COLD 1u /* VDD+RST low 2 ms, high, wait startup_us (missing pin skipped)  */
#define TRUSTM_RESET_WARM 2u /* RST low 2 ms, high, wait startup_us                            */
#define TRUSTM_RESET_SOFT 3u /* I2C_STATE bit 27 checked, SOFT_RESET written, wait startup_us  */
#define TRUSTM_RESET_NONE 4u /* no reset (a re-sync frame starts the first exchange)           */

typedef struct trustm_config { /* zero = default */
    uint16_t frame_size;       /* DATA_REG_LEN to negotiate, 16..277, default 277 */
    uint8_t i2c_addr;          /* default 0x30 */
    uint8_t reset;             /* TRUSTM_RESET_*, default AUTO */
    uint32_t startup_us;       /* wait after reset, default 15000 (datasheet tSTARTUP) */
    bool presentation_bit;     /* send PCTR presence + SCTR 0x20 like the vendor host */
    /* additions */
    bool plain_cmd_codes;         /* plain Cmd codes (70, 71, 01) as in the datasheet logs
                                     * instead of the flush-bit forms (F0, F1, 81) */
    uint32_t poll_interval_us;    /* I2C_STATE poll interval, default 1000 */
    uint32_t exchange_timeout_us; /* max wait for one response, default 180 s */
    struct trustm_shield *shield; /* Shielded Connection context (trustm_shield.h), or NULL;
                                     * implies the presentation bit */
} trustm_config_t;

/* Size of the private part of trustm_device_t: all the RAM a device needs (the library has no
 * static RAM and no heap). Checked at compile time in src/api: the private context fits, with
 * less than 64 bytes to spare (figures at frame 277 with the Shielded Connection compiled in;
 * without it the context is up to 8 bytes smaller, same reservation). */
#if UINTPTR_MAX > 0xFFFFFFFFu
#define TRUSTM_DEVICE_PRIVATE_SIZE 1160u /* 64-bit hosts */
#else
#define TRUSTM_DEVICE_PRIVATE_SIZE 928u /* 32-bit targets (e.g. Cortex-M4) */
#endif

/* Public so that it can be allocated statically or on the stack; members are private. */
typedef struct trustm_device {
    union {
        uint64_t align_u64;
        void *align_ptr;
        unsigned char bytes[TRUSTM_DEVICE_PRIVATE_SIZE];
    } private_data;
} trustm_device_t;

/* ---- blocking API ---- */

/* Check pal (i2c_write, i2c_read, now_us required) and cfg (NULL = all defaults). No I/O. */
TRUSTM_MUST_CHECK trustm_status_t trustm_device_init(trustm_device_t *dev, const trustm_pal_t *pal,
                                                     const trustm_config_t *cfg);
/* Reset, negotiate DATA_REG_LEN, OpenApplication (Param 0). Clears a sticky failure. */
TRUSTM_MUST_CHECK trustm_status_t trustm_device_open(trustm_device_t *dev);
/* Reset and negotiate only (no OpenApplication). Clears a sticky failure. */
TRUSTM_MUST_CHECK trustm_status_t trustm_device_reset(trustm_device_t *dev);
/* CloseApplication (Param 0). Releases the host's session bookkeeping (trustm_session.h). */
TRUSTM_MUST_CHECK trustm_status_t trustm_device_close(trustm_device_t *dev);

/* Hibernate handle returned by CloseApplication Param 1 (commands.md §5.2). */
#define TRUSTM_CONTEXT_HANDLE_SIZE 8u
/* Reset, negotiate, OpenApplication Param 1 with the handle saved by trustm_device_hibernate()
 * (trustm_app.h): restores the security state and the session contexts. An all-zero handle is
 * API BAD_PARAM (nothing sent). The handle is valid once; the caller should wipe its copy. */
TRUSTM_MUST_CHECK trustm_status_t trustm_device_open_restore(trustm_device_t *dev,
                                                             const uint8_t handle[TRUSTM_CONTEXT_HANDLE_SIZE]);
/* Raw APDU exchange without error interpretation (needs a prior open or reset). *rsp_len is set
 * on success; on TL BUFFER_TOO_SMALL it holds the size the response needed. */
TRUSTM_MUST_CHECK trustm_status_t trustm_device_transceive(trustm_device_t *dev, const uint8_t *apdu, size_t apdu_len,
                                                           uint8_t *rsp, size_t rsp_size, size_t *rsp_len);
/* Read up to out_size bytes of data object oid from offset (GetDataObject Param 0, in chunks
 * of at most 1553 bytes; stops at the end of the object). */
TRUSTM_MUST_CHECK trustm_status_t trustm_data_read(trustm_device_t *dev, uint16_t oid, uint16_t offset, uint8_t *out,
                                                   size_t out_size, size_t *out_len);
/* Read the metadata of oid (GetDataObject Param 1). API BUFFER_TOO_SMALL if it does not fit. */
TRUSTM_MUST_CHECK trustm_status_t trustm_metadata_read(trustm_device_t *dev, uint16_t oid, uint8_t *out,
                                                       size_t out_size, size_t *out_len);

const trustm_stats_t *trustm_device_stats(const trustm_device_t *dev);
void trustm_device_stats_clear(trustm_device_t *dev);
uint16_t trustm_device_frame_size(const trustm_device_t *dev);  /* negotiated */
uint16_t trustm_device_max_scl_khz(const trustm_device_t *dev); /* MAX_SCL_FREQU read at open */

/* ---- non-blocking operations ---- */

TRUSTM_MUST_CHECK trustm_status_t trustm_op_start_device_open(trustm_device_t *dev);
TRUSTM_MUST_CHECK trustm_status_t trustm_op_start_device_reset(trustm_device_t *dev);
TRUSTM_MUST_CHECK trustm_status_t trustm_op_start_device_open_restore(trustm_device_t *dev,
                                                                      const uint8_t handle[TRUSTM_CONTEXT_HANDLE_SIZE]);
TRUSTM_MUST_CHECK trustm_status_t trustm_op_start_device_close(trustm_device_t *dev);
TRUSTM_MUST_CHECK trustm_status_t trustm_op_start_device_transceive(trustm_device_t *dev, const uint8_t *apdu,
                                                                    size_t apdu_len, uint8_t *rsp, size_t rsp_size,
                                                                    size_t *rsp_len);
TRUSTM_MUST_CHECK trustm_status_t trustm_op_start_data_read(trustm_device_t *dev, uint16_t oid, uint16_t offset,
                                                            uint8_t *out, size_t out_size, size_t *out_len);
TRUSTM_MUST_CHECK trustm_status_t trustm_op_start_metadata_read(trustm_device_t *dev, uint16_t oid, uint8_t *out,
                                                                size_t out_size, size_t *out_len);
/* Perform at most one bus/pin I/O whose time has come; never sleeps. TRUSTM_IN_PROGRESS with
 * *next_deadline_us = when to call again (PAL clock), or the final status of the operation. */
TRUSTM_MUST_CHECK trustm_status_t trustm_op_poll(trustm_device_t *dev, uint64_t *next_deadline_us);
/* Run the current operation to completion (sleeps through pal->sleep_us). */
TRUSTM_MUST_CHECK trustm_status_t trustm_op_run(trustm_device_t *dev);
/*
 * The device engine itself, for a port that performs the I/O on its own (interrupt or DMA
 * driven, an event loop, another process): trustm_op_poll and trustm_op_run are thin drivers
 * over these two calls, performing the requests through the PAL given to trustm_device_init.
 *
 *   trustm_op_start_...(dev, ...);
 *   for (;;) {
 *       s = trustm_op_next_io(dev, &io);       TRUSTM_IN_PROGRESS + the request, or the final
 *       if (s != TRUSTM_IN_PROGRESS) break;    status of the operation (the operation is then
 *       ... perform io (trustm_io.h) ...       over: wiped, the device idle)
 *       trustm_op_io_done(dev, io_status, n, now_us);
 *   }
 *
 * trustm_op_next_io called again before io_done returns the same request. io.buf points into
 * the device context or into a buffer the operation borrowed: it stays valid until io_done.
 * The caller performs every request and every wait (until_us), the device engine neither sleeps
 * nor calls the PAL's bus or pin functions; it reads the PAL clock (now_us) only when an
 * operation starts and for the waits between two commands of an operation. Errors are reported
 * through io_status (retries, re-synchronisation and the Last Error Code read stay inside the
 * engine). API BAD_SEQUENCE when no operation is in flight. A request may be abandoned with
 * trustm_op_abort.
 */
TRUSTM_MUST_CHECK trustm_status_t trustm_op_next_io(trustm_device_t *dev, trustm_io_t *io);
void trustm_op_io_done(trustm_device_t *dev, trustm_status_t io_status, size_t n, uint64_t now_us);
/* Abandon the current operation; the link is re-synchronised before the next exchange. */
void trustm_op_abort(trustm_device_t *dev);
bool trustm_op_is_busy(const trustm_device_t *dev);

/* ---- Coprocessor UID (0xE0C2, objects.md §6.1) ---- */

#define TRUSTM_OID_COPROCESSOR_UID 0xE0C2u
#define TRUSTM_UID_SIZE            27u

typedef struct trustm_uid {
    uint8_t cim_id;
    uint8_t platform_id;
    uint8_t model_id;
    uint16_t rom_mask_id;
    uint8_t chip_type[6];
    uint8_t batch_number[6];
    uint16_t x_coordinate;
    uint16_t y_coordinate;
    uint32_t firmware_id;
    uint16_t esw_build_bcd; /* as stored, e.g. 0x2440 */
    uint16_t esw_build;     /* decimal value of the BCD digits (2440), 0xFFFF if not BCD */
} trustm_uid_t;

/* Pure: decode exactly TRUSTM_UID_SIZE bytes (API BAD_PARAM for another length). */
TRUSTM_MUST_CHECK trustm_status_t trustm_uid_decode(const uint8_t *buf, size_t len, trustm_uid_t *uid);

/* Overwrite n bytes at p with zeros in a way the compiler may not remove: for the caller's
 * copies of keys, secrets and context handles (the library wipes its own). */
void trustm_wipe(void *p, size_t n);

#ifdef __cplusplus
}
#endif
#endif /* TRUSTM_DEVICE_H */
