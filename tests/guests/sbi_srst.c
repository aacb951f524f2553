/*
 * SBI SRST extension (SBI 2.0 chapter 10): reserved and unimplemented vendor reset types
 * and reasons give SBI_ERR_INVALID_PARAM and the VM keeps running; then a real shutdown
 * ends the test.  With more than one vCPU the last hart shuts the VM down while hart 0
 * waits, so the shutdown of VM 0 from any hart powers the machine off.
 */
#include "sbi_test.h"

#define SRST_TYPE_SHUTDOWN 0
#define SRST_REASON_NONE   0
#define FID_UNKNOWN        1

static struct sbiret srst(unsigned long type, unsigned long reason)
{
    return sbi_call(SBI_EXT_SRST, SBI_SRST_RESET, type, reason, 0, 0, 0, 0);
}

static void check_invalid(void)
{
    static const struct {
        unsigned long type, reason;
        const char *name;
    } invalid[] = {
        {0x00000003, SRST_REASON_NONE, "srst-reserved-type-first"},
        {0xefffffff, SRST_REASON_NONE, "srst-reserved-type-last"},
        {0xf0000000, SRST_REASON_NONE, "srst-vendor-type-unimplemented"},
        {0xffffffff, SRST_REASON_NONE, "srst-vendor-type-last-unimplemented"},
        {0x100000003UL, SRST_REASON_NONE, "srst-type-is-32-bit"},
        {SRST_TYPE_SHUTDOWN, 0x00000002, "srst-reserved-reason-first"},
        {SRST_TYPE_SHUTDOWN, 0xdfffffff, "srst-reserved-reason-last"},
        {SRST_TYPE_SHUTDOWN, 0xf0000000, "srst-vendor-reason-unimplemented"},
    };
    for (u32 i = 0; i < ARRAY_SIZE(invalid); i++) {
        struct sbiret r = srst(invalid[i].type, invalid[i].reason);
        check(r.error == SBI_ERR_INVALID_PARAM, invalid[i].name, "reset(0x%lx, 0x%lx): error %ld",
              invalid[i].type, invalid[i].reason, r.error);
    }
    CHECK_EQ(
        sbi_call(SBI_EXT_SRST, FID_UNKNOWN, SRST_TYPE_SHUTDOWN, SRST_REASON_NONE, 0, 0, 0, 0).error,
        SBI_ERR_NOT_SUPPORTED, "srst-unknown-fid");
    CHECK_EQ(sbi_call(SBI_EXT_BASE, SBI_BASE_PROBE_EXT, SBI_EXT_SRST, 0, 0, 0, 0, 0).value, 1,
             "srst-vm-keeps-running");
}

static void finish_here(unsigned long arg)
{
    (void)arg;
    guest_printf("srst: shutting down from hart %u\n", this_hart());
    test_finish();
}

int main(unsigned long hartid, unsigned long dtb)
{
    (void)dtb;
    set_this_hart(hartid);
    secondary_fn = hart_worker;
    check_invalid();

    u32 n = count_harts();
    if (n == 1)
        finish_here(0);
    CHECK(start_workers(n, 0), "srst-secondaries-started");
    hart_post(n - 1, finish_here, 0);
    delay_ms(WAIT_MS);
    check(false, "srst-shutdown-from-secondary", "hart %u did not power the VM off", n - 1);
    return 0;
}
