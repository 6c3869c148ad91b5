/*
 * pal_os_timer.c - vendor PAL timer services on the PAL bound with trustm_compat_bind().
 * In deferred mode a delay also serves as the idle hook of the event processing: while it waits
 * it drives the operation in flight (trustm_compat_event_process), so an application whose wait
 * loop sleeps through pal_os_timer_delay_in_milliseconds completes its operations unchanged.
 */
#include "optiga/pal/pal_os_timer.h"
#include "optiga_compat_int.h"

static uint64_t now_us(void)
{
    const trustm_pal_t *pal = compat_pal();
    if (pal == NULL || pal->ops == NULL || pal->ops->now_us == NULL)
        return 0;
    return pal->ops->now_us(pal->ctx);
}

uint32_t pal_os_timer_get_time_in_microseconds(void)
{
    return (uint32_t)now_us();
}

uint32_t pal_os_timer_get_time_in_milliseconds(void)
{
    return (uint32_t)(now_us() / 1000u);
}

void pal_os_timer_delay_in_milliseconds(uint16_t milliseconds)
{
    const trustm_pal_t *pal = compat_pal();
    if (pal == NULL || pal->ops == NULL || pal->ops->sleep_us == NULL || pal->ops->now_us == NULL) {
        (void)trustm_compat_event_process(NULL);
        return;
    }
    const uint64_t end = now_us() + (uint64_t)milliseconds * 1000u;
    for (;;) {
        uint64_t next = 0;
        const int pending = trustm_compat_event_process(&next);
        const uint64_t t = now_us();
        if (t >= end)
            return;
        uint64_t until = end;
        if (pending)
            until = next > t && next < end ? next : t + 1u; /* due now: poll again after 1 us */
        pal->ops->sleep_us(pal->ctx, (uint32_t)(until - t));
    }
}
