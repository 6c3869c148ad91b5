/*
 * optiga/pal/pal_os_timer.h - timer services of the vendor PAL, on the clock of the device
 * bound with trustm_compat_bind() (trustm_pal_t now_us / sleep_us). With the simulator PAL the
 * clock is the simulator's virtual clock, so a delay lets simulated time pass (e.g. the wait
 * for the Security Event Counter to reach 0 before hibernate). Without a bound device the time
 * is 0 and delays return at once.
 */
#ifndef PAL_OS_TIMER_H
#define PAL_OS_TIMER_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

uint32_t pal_os_timer_get_time_in_microseconds(void);
uint32_t pal_os_timer_get_time_in_milliseconds(void);
void pal_os_timer_delay_in_milliseconds(uint16_t milliseconds);

#ifdef __cplusplus
}
#endif
#endif /* PAL_OS_TIMER_H */
