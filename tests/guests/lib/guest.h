/*
 * Runtime for bare-metal test guests: SBI calls, console output, trap hooks and a tiny
 * test framework.  A guest defines main(); it reports each check as "PASS name" or
 * "FAIL name: why" and ends with test_finish(), which prints "RESULT: N passed, M failed"
 * and powers the VM off through SBI SRST.
 */
#ifndef GUEST_H
#define GUEST_H

#include <kernel/types.h>
#include <stdarg.h>

/* SBI ids and codes written out from the SBI 2.0 spec on purpose, not shared with the
 * hypervisor's headers: a wrong constant there must not pass its own conformance tests. */
#define SBI_EXT_BASE   0x10
#define SBI_EXT_TIME   0x54494D45
#define SBI_EXT_IPI    0x735049
#define SBI_EXT_RFENCE 0x52464E43
#define SBI_EXT_HSM    0x48534D
#define SBI_EXT_SRST   0x53525354
#define SBI_EXT_DBCN   0x4442434E

#define SBI_SUCCESS               0
#define SBI_ERR_FAILED            -1
#define SBI_ERR_NOT_SUPPORTED     -2
#define SBI_ERR_INVALID_PARAM     -3
#define SBI_ERR_DENIED            -4
#define SBI_ERR_INVALID_ADDRESS   -5
#define SBI_ERR_ALREADY_AVAILABLE -6
#define SBI_ERR_ALREADY_STARTED   -7
#define SBI_ERR_ALREADY_STOPPED   -8

#define CSR_SIE_SSIE (1UL << 1)
#define CSR_SIE_STIE (1UL << 5)
#define CSR_SIE_SEIE (1UL << 9)
#define SSTATUS_SIE  (1UL << 1)

struct sbiret {
    long error;
    long value;
};

struct trap_frame {
    u64 x[32];
    u64 sepc;
    u64 scause;
};

struct sbiret sbi_call(unsigned long eid, unsigned long fid, unsigned long a0, unsigned long a1,
                       unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5);
void sbi_shutdown(void) __noreturn;

void guest_putc(char c);
void guest_puts(const char *s);
void guest_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A trap handler a test installs; returns true if it handled the trap. */
typedef bool (*trap_hook_fn)(struct trap_frame *frame);
void set_trap_hook(trap_hook_fn hook);

/* Hart-local entry point for harts started with HSM at guest_secondary_entry. */
extern char guest_secondary_entry[];
void guest_secondary_main(unsigned long hartid, unsigned long opaque);
/* Tests that start secondary harts set this; it runs there. */
extern void (*volatile secondary_fn)(unsigned long hartid, unsigned long opaque);

/* Test framework */
void check(bool ok, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
#define CHECK(cond, name) check((cond), (name), "%s", #cond)
#define CHECK_EQ(a, b, name)                                                                       \
    do {                                                                                           \
        long __a = (long)(a), __b = (long)(b);                                                     \
        check(__a == __b, (name), "%s = %ld (0x%lx), expected %ld (0x%lx)", #a, __a, __a, __b,     \
              __b);                                                                                \
    } while (0)
void test_finish(void) __noreturn;

static inline u64 read_time(void)
{
    u64 t;
    __asm__ volatile("rdtime %0" : "=r"(t));
    return t;
}

int main(unsigned long hartid, unsigned long dtb);

#endif
