/*
 * trustm.h - umbrella header of libtrustm, the host library for the OPTIGA(TM) Trust M2 ID2.
 *
 * Conventions (apply to every function of the library unless its comment says otherwise):
 *  - Memory: the library never allocates. Contexts (trustm_device_t) are caller-owned structs
 *    whose members the caller SHALL NOT access. Buffers passed to a function are borrowed for
 *    the duration of the call; buffers passed to a trustm_op_start_* function are borrowed
 *    until the operation completes or is aborted.
 *  - Names (docs/DESIGN.md, API rules): trustm_<object>_<verb>; trustm_op_start_X is the
 *    non-blocking form of trustm_X (same arguments) and "start" means nothing else; streaming
 *    operations are _setup / _update / _finish.
 *  - Argument order: (device, key, parameters, inputs..., out, out_size, *out_len). out_size is
 *    the capacity; where a parameter fixes the output length, out_len may be NULL.
 *  - Status: every function that can fail returns trustm_status_t (trustm_status.h), marked
 *    TRUSTM_MUST_CHECK. TRUSTM_OK is success, TRUSTM_IN_PROGRESS is "call again" and not an
 *    error; errors name the layer. Argument errors are detected before any I/O and change
 *    nothing.
 *  - NULL: pointer arguments must not be NULL unless documented (BAD_PARAM otherwise).
 *  - Threading: a device context is not thread-safe; one operation at a time per device.
 *  - Time: the core never sleeps; only the drivers (trustm_op_run/_poll) call the PAL's bus,
 *    pin and sleep functions (trustm_pal.h). The device engine (trustm_op_next_io/_io_done,
 *    trustm_device.h) reads the PAL clock when an operation starts and between its commands.
 */
#ifndef TRUSTM_H
#define TRUSTM_H

#include "trustm_app.h"
#include "trustm_crypt.h"
#include "trustm_data.h"
#include "trustm_device.h"
#include "trustm_io.h"
#include "trustm_metadata.h"
#include "trustm_pal.h"
#include "trustm_protupd.h"
#include "trustm_stats.h"
#include "trustm_status.h"

#endif /* TRUSTM_H */
