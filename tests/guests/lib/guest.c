/* Test-guest runtime (see guest.h). */
#include "guest.h"
#include <kernel/log.h>
#include <string.h>

#define SBI_DBCN_WRITE      0
#define SBI_SRST_RESET      0
#define SRST_SHUTDOWN       0
#define SRST_REASON_NONE    0
#define SRST_REASON_SYSFAIL 1

static trap_hook_fn trap_hook;
static volatile u32 passed, failed;
void (*volatile secondary_fn)(unsigned long hartid, unsigned long opaque);

struct sbiret sbi_call(unsigned long eid, unsigned long fid, unsigned long a0, unsigned long a1,
                       unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5)
{
    register unsigned long r0 __asm__("a0") = a0;
    register unsigned long r1 __asm__("a1") = a1;
    register unsigned long r2 __asm__("a2") = a2;
    register unsigned long r3 __asm__("a3") = a3;
    register unsigned long r4 __asm__("a4") = a4;
    register unsigned long r5 __asm__("a5") = a5;
    register unsigned long r6 __asm__("a6") = fid;
    register unsigned long r7 __asm__("a7") = eid;

    __asm__ volatile("ecall"
                     : "+r"(r0), "+r"(r1)
                     : "r"(r2), "r"(r3), "r"(r4), "r"(r5), "r"(r6), "r"(r7)
                     : "memory");
    return (struct sbiret){.error = (long)r0, .value = (long)r1};
}

void guest_putc(char c)
{
    sbi_call(SBI_EXT_DBCN, 2, (u8)c, 0, 0, 0, 0, 0);
}

static void write_all(const char *s, size_t n)
{
    while (n) {
        struct sbiret r = sbi_call(SBI_EXT_DBCN, SBI_DBCN_WRITE, n, (unsigned long)s, 0, 0, 0, 0);
        if (r.error || r.value <= 0)
            return;
        s += r.value;
        n -= r.value;
    }
}

void guest_puts(const char *s)
{
    write_all(s, strlen(s));
}

void guest_printf(const char *fmt, ...)
{
    char buf[256];
    va_list ap;

    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    write_all(buf, n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

void set_trap_hook(trap_hook_fn hook)
{
    trap_hook = hook;
}

void guest_trap(struct trap_frame *frame)
{
    if (trap_hook && trap_hook(frame))
        return;
    u64 stval;
    __asm__ volatile("csrr %0, stval" : "=r"(stval));
    guest_printf("FAIL unexpected-trap: scause 0x%lx sepc 0x%lx stval 0x%lx\n", frame->scause,
                 frame->sepc, stval);
    failed++;
    test_finish();
}

void guest_secondary_main(unsigned long hartid, unsigned long opaque)
{
    if (secondary_fn)
        secondary_fn(hartid, opaque);
}

void check(bool ok, const char *name, const char *fmt, ...)
{
    char why[160];
    va_list ap;

    if (ok) {
        __atomic_fetch_add(&passed, 1, __ATOMIC_RELAXED);
        guest_printf("PASS %s\n", name);
        return;
    }
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    __atomic_fetch_add(&failed, 1, __ATOMIC_RELAXED);
    guest_printf("FAIL %s: %s\n", name, why);
}

void sbi_shutdown(void)
{
    sbi_call(SBI_EXT_SRST, SBI_SRST_RESET, SRST_SHUTDOWN, SRST_REASON_NONE, 0, 0, 0, 0);
    for (;;)
        __asm__ volatile("wfi");
}

void test_finish(void)
{
    guest_printf("RESULT: %u passed, %u failed\n", passed, failed);
    sbi_call(SBI_EXT_SRST, SBI_SRST_RESET, SRST_SHUTDOWN,
             failed ? SRST_REASON_SYSFAIL : SRST_REASON_NONE, 0, 0, 0, 0);
    for (;;)
        __asm__ volatile("wfi");
}

void guest_main_entry(unsigned long hartid, unsigned long dtb)
{
    main(hartid, dtb);
    test_finish();
}
