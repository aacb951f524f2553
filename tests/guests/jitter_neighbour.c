/*
 * The well-behaved neighbour (VM 1 of configs/hostile.c, on its own hart): a periodic
 * timer tick every PERIOD_US, programmed with SBI set_timer at absolute deadlines, the
 * vCPU idle in WFI between ticks (as an idle OS is).  At each tick it reads rdtime; it
 * reports the period error |t[k] - t[k-1] - P| / P (maximum and mean) and the lateness
 * t[k] - deadline[k], and checks the maximum period error stays within 1 %.  It measures
 * for NEIGHBOUR_TICKS ticks (longer than the attack next door lasts: the MVM checks that
 * it was still measuring when the attack ended), then powers itself off.
 */
#include "sbi_test.h"
#include <kernel/log.h>

#define PERIOD_US       1000
#define PERIOD          US_TO_TICKS(PERIOD_US)
#define NEIGHBOUR_TICKS 5000
#define PPM             1000000UL
#define LIMIT_PPM       10000 /* 1 % */
#define PPM_PER_PCT     10000
#define PPM_PER_DIGIT   10 /* three decimals of a percent */
#define TICKS_PER_US    US_TO_TICKS(1)
#define NS_PER_US       1000

static volatile u32 ticks;
static u64 deadline, last, missed;
static u64 max_err, sum_err, max_late, sum_late, worst_at, start;

static bool on_tick(struct trap_frame *frame)
{
    u64 now = read_time();

    if (frame->scause != SCAUSE_STI)
        return false;
    if (ticks) {
        u64 period = now - last;
        u64 err = period > PERIOD ? period - PERIOD : PERIOD - period;
        max_err = MAX(max_err, err);
        sum_err += err;
    }
    u64 late = now - deadline;
    if (late > max_late) {
        max_late = late;
        worst_at = now - start;
    }
    sum_late += late;
    last = now;
    ticks++;
    deadline += PERIOD;
    while (deadline <= now) { /* a whole period lost: count it, keep the grid */
        missed++;
        deadline += PERIOD;
    }
    sbi_set_timer(deadline);
    return true;
}

/* ppm as "x.yyy%" into buf. */
static const char *percent(u64 ppm, char *buf, size_t size)
{
    snprintf(buf, size, "%lu.%03lu%%", ppm / PPM_PER_PCT, ppm % PPM_PER_PCT / PPM_PER_DIGIT);
    return buf;
}

int main(unsigned long hartid, unsigned long dtb)
{
    char max_pct[16], mean_pct[16];

    (void)dtb;
    set_this_hart(hartid);
    set_trap_hook(on_tick);
    start = read_time();
    deadline = start + PERIOD;
    sbi_set_timer(deadline);
    CSR_SET(sie, CSR_SIE_STIE);
    local_irq_enable();
    while (ticks < NEIGHBOUR_TICKS)
        __asm__ volatile("wfi");
    local_irq_disable();
    CSR_CLEAR(sie, CSR_SIE_STIE);
    sbi_set_timer(~0UL);

    u64 periods = ticks - 1;
    u64 max_ppm = max_err * PPM / PERIOD, mean_ppm = sum_err * PPM / PERIOD / periods;
    guest_printf("jitter: %u ticks of %u us: period error max %s mean %s, lateness max %lu ns "
                 "(at %lu ms) mean %lu ns, %lu periods missed\n",
                 ticks, PERIOD_US, percent(max_ppm, max_pct, sizeof(max_pct)),
                 percent(mean_ppm, mean_pct, sizeof(mean_pct)), max_late * NS_PER_US / TICKS_PER_US,
                 worst_at / MS_TO_TICKS(1), sum_late * NS_PER_US / TICKS_PER_US / ticks, missed);
    check(max_ppm <= LIMIT_PPM && !missed, "jitter-within-1-percent", "max %s, %lu missed", max_pct,
          missed);
    return 0;
}
