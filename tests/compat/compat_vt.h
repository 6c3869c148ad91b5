/* Vendor-style call helper for the compat tests: counts callback invocations and asserts that
 * an accepted call completes exactly once before returning (the execution model of compat/). */
#ifndef COMPAT_VT_H
#define COMPAT_VT_H

#include "optiga/optiga_crypt.h"
#include "optiga/optiga_util.h"

typedef struct vt_cb {
    int calls;
    optiga_lib_status_t status;
} vt_cb_t;

extern vt_cb_t vt_cb;
extern int vt_ctx_token; /* pass &vt_ctx_token as caller context */
void vt_callback(void *ctx, optiga_lib_status_t st);
/* Non-zero: the layer runs in deferred mode; VT() then drives trustm_compat_event_process()
 * (sleeping on the simulator clock) until the callback has fired. */
extern int vt_deferred;

/* Accepted: returns the callback status and checks the callback ran exactly once (with the
 * context given at create). Rejected: returns the synchronous status and checks there was no
 * callback. */
#define VT(call) (vt_begin_(), vt_check_((call), __FILE__, __LINE__))
void vt_begin_(void);
optiga_lib_status_t vt_check_(optiga_lib_status_t accepted, const char *file, int line);

#endif
