/*
 * The second vCPU under HSM abuse: START_CYCLES times it is started (it stops itself at
 * once), started again while it is still pending or running (SBI_ERR_ALREADY_AVAILABLE,
 * or a second start if it already stopped), fenced and sent IPIs meanwhile; each start
 * that succeeded must run exactly once with its opaque value.  Starts at wild addresses,
 * at the last byte of RAM and of harts the VM does not have are refused with the spec's
 * error and start nothing.
 */
#include "hostile/attack.h"

#define START_CYCLES  2000
#define WILD_STARTS   20000
#define SIBLING       1
#define HART_MAX_WILD 64
#define STOP_WAIT_MS  1000

static volatile u32 sibling_runs;
static volatile u64 sibling_opaque;

static void sibling(unsigned long hartid, unsigned long opaque)
{
    (void)hartid;
    sibling_opaque = opaque;
    __atomic_fetch_add(&sibling_runs, 1, __ATOMIC_RELEASE);
    sbi_hart_stop();
}

static bool stopped(void)
{
    return sbi_hart_status(SIBLING).value == HSM_STOPPED;
}

/* One start (plus a racing second one); true when every start that succeeded ran. */
static void start_cycle(u64 n)
{
    u32 runs = sibling_runs, starts = 0;
    long first = sbi_hart_start(SIBLING, (unsigned long)guest_secondary_entry, n).error;

    starts += first == SBI_SUCCESS;
    long second = sbi_hart_start(SIBLING, (unsigned long)guest_secondary_entry, n).error;
    starts += second == SBI_SUCCESS;
    sbi_send_ipi(BIT(SIBLING), 0);
    sbi_call(SBI_EXT_RFENCE, SBI_RFENCE_SFENCE_VMA, BIT(0) | BIT(SIBLING), 0, 0, 0, 0, 0);
    bool done = WAIT_UNTIL(sibling_runs - runs == starts && stopped(), STOP_WAIT_MS);
    bool ok = first == SBI_SUCCESS &&
              (second == SBI_SUCCESS || second == SBI_ERR_ALREADY_AVAILABLE) && done &&
              sibling_opaque == n;
    tally(ATTACK_HSM, ok, "start %lu: errors %ld, %ld; %u runs for %u starts, opaque 0x%lx", n,
          first, second, sibling_runs - runs, starts, sibling_opaque);
}

/* A start the VM must be refused: nothing runs. */
static void refused_start(u64 hart, u64 addr, long want)
{
    long error = sbi_hart_start(hart, addr, 0).error;

    tally(ATTACK_HSM, error == want && stopped(),
          "start of hart %lu at 0x%lx: error %ld (want %ld)", hart, addr, error, want);
}

static void wild_starts(void)
{
    for (u64 n = scaled(WILD_STARTS); n; n--) {
        u64 addr = rnd_value();
        if (in_ram(addr, 2))
            addr = RAM0_END - 1; /* one byte short of an instruction */
        refused_start(SIBLING, addr, SBI_ERR_INVALID_ADDRESS);
        refused_start(HOSTILE_VCPUS + rnd_below(HART_MAX_WILD), (u64)guest_secondary_entry,
                      SBI_ERR_INVALID_PARAM);
    }
}

void attack_hsm(void)
{
    secondary_fn = sibling;
    for (u64 n = 1; n <= scaled(START_CYCLES); n++)
        start_cycle(n);
    wild_starts();
}
