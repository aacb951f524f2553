/*
 * The guest VM that hc_lifecycle and hc_soak create at run time (no case of its own): it
 * does what the mode word of its image says (hc_test.h) and never prints a RESULT line.
 */
#include "hc_test.h"

#define SRST_TYPE_SHUTDOWN    0
#define SRST_TYPE_COLD_REBOOT 1
#define SRST_REASON_NONE      0

/* Found by the parent through CHILD_MAGIC; mode is rewritten with CONFIG_LOAD. */
static volatile struct child_params params = {.magic = CHILD_MAGIC, .mode = CHILD_POWER_OFF};

static void __noreturn srst(unsigned long type)
{
    sbi_call(SBI_EXT_SRST, SBI_SRST_RESET, type, SRST_REASON_NONE, 0, 0, 0, 0);
    for (;;)
        __asm__ volatile("wfi");
}

/* Makes SBI calls forever (exits the parent sees in VMM_GET_STATS). */
static void __noreturn spin(void)
{
    for (;;)
        sbi_call(SBI_EXT_BASE, SBI_BASE_GET_SPEC_VERSION, 0, 0, 0, 0, 0, 0);
}

/* Traps with the trap vector at an address that is not RAM: the fetch of the handler
 * faults at the handler itself, and the hypervisor stops the VM. */
static void __noreturn fault(void)
{
    __asm__ volatile("csrw stvec, zero\n"
                     "jr zero\n");
    __builtin_unreachable();
}

int main(unsigned long hartid, unsigned long dtb)
{
    (void)hartid;
    (void)dtb;
    switch (params.mode) {
    case CHILD_SPIN:
        guest_printf("child spin\n");
        spin();
    case CHILD_FAULT:
        guest_printf("child fault\n");
        fault();
    case CHILD_REBOOT:
        guest_printf("child reboot\n");
        srst(SRST_TYPE_COLD_REBOOT);
    default:
        guest_printf("child boot\n");
        srst(SRST_TYPE_SHUTDOWN);
    }
}
