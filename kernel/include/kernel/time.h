/* Time since reset, from the platform timer (the `time` CSR on RISC-V). */
#ifndef KERNEL_TIME_H
#define KERNEL_TIME_H

#include <kernel/types.h>

/* Timer ticks since reset. */
u64 time_now(void);
/* Ticks per second (the platform's timebase-frequency). */
u64 time_freq(void);
static inline u64 time_us_to_ticks(u64 us)
{
    return us * time_freq() / 1000000;
}

#endif
