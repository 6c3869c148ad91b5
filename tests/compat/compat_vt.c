#include "compat_vt.h"

#include "compat_platform.h"
#include "optiga/trustm_compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

vt_cb_t vt_cb;
int vt_ctx_token;
int vt_deferred;

void vt_callback(void *ctx, optiga_lib_status_t st)
{
    if (ctx != (void *)&vt_ctx_token) {
        vt_cb.calls = -1000; /* wrong context: make the check fail */
        return;
    }
    vt_cb.calls++;
    vt_cb.status = st;
}

void vt_begin_(void)
{
    vt_cb.calls = 0;
    vt_cb.status = OPTIGA_LIB_BUSY;
}

optiga_lib_status_t vt_check_(optiga_lib_status_t accepted, const char *file, int line)
{
    if (accepted != OPTIGA_LIB_SUCCESS) {
        if (vt_cb.calls != 0)
            _fail(file, line);
        return accepted;
    }
    if (vt_deferred) {
        uint64_t next = 0;
        for (long i = 0; i < 10000000L && vt_cb.calls == 0 && trustm_compat_event_process(&next); i++) {
            uint64_t now = compat_platform_now_us();
            compat_platform_sleep_us(next > now ? (uint32_t)(next - now) : 1u);
        }
    }
    if (vt_cb.calls != 1) {
        print_error("callback ran %d times\n", vt_cb.calls);
        _fail(file, line);
    }
    return vt_cb.status;
}
