/*
 * mvm-stamp: a Linux riscv64 program for the MVM boot benchmark (tests/bench/run_bench.py).
 * Reads the `time` CSR, which counts from machine reset at the platform's timebase and is
 * neither offset by Shyper nor by Linux, and writes
 *   mvm-stamp <label> <ticks>
 * to /dev/kmsg, so that the kernel log pairs the raw count with Linux's own timestamp of
 * the same moment, and to stdout.  <label> is the first argument ("-" if none).
 *
 * Static and without libc (the MVM rootfs has busybox only): raw system calls.
 */
#define SYS_OPENAT 56
#define SYS_WRITE  64
#define SYS_EXIT   93
#define AT_FDCWD   (-100)
#define O_WRONLY   1
#define STDOUT     1
#define LINE_MAX   128
#define U64_DIGITS 20

static long syscall3(long nr, long a0, long a1, long a2)
{
    register long x10 __asm__("a0") = a0;
    register long x11 __asm__("a1") = a1;
    register long x12 __asm__("a2") = a2;
    register long x17 __asm__("a7") = nr;

    __asm__ volatile("ecall" : "+r"(x10) : "r"(x11), "r"(x12), "r"(x17) : "memory");
    return x10;
}

static unsigned long append(char *dst, unsigned long at, const char *s)
{
    while (*s && at < LINE_MAX - 1)
        dst[at++] = *s++;
    return at;
}

static unsigned long append_u64(char *dst, unsigned long at, unsigned long v)
{
    char digits[U64_DIGITS];
    int n = 0;

    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n && at < LINE_MAX - 1)
        dst[at++] = digits[--n];
    return at;
}

static int run(int argc, char **argv)
{
    unsigned long ticks, insns;
    char line[LINE_MAX];
    /* Opened first, so that only the formatting lies between the two clock readings. */
    long kmsg = syscall3(SYS_OPENAT, AT_FDCWD, (long)"/dev/kmsg", O_WRONLY);

    __asm__ volatile("rdtime %0\n"
                     "rdinstret %1"
                     : "=r"(ticks), "=r"(insns));
    unsigned long len = append(line, 0, "mvm-stamp ");
    len = append(line, len, argc > 1 ? argv[1] : "-");
    len = append(line, len, " time=");
    len = append_u64(line, len, ticks);
    len = append(line, len, " instret=");
    len = append_u64(line, len, insns);
    line[len++] = '\n';

    if (kmsg < 0 || syscall3(SYS_WRITE, kmsg, (long)line, (long)len) != (long)len)
        return 1;
    return syscall3(SYS_WRITE, STDOUT, (long)line, (long)len) == (long)len ? 0 : 1;
}

/* The kernel starts us with sp -> argc, argv[0], ...; a naked entry reads them. */
void start_c(long *sp) __attribute__((noreturn, used));
void start_c(long *sp)
{
    syscall3(SYS_EXIT, run((int)sp[0], (char **)(sp + 1)), 0, 0);
    __builtin_unreachable();
}

__asm__(".globl _start\n"
        "_start:\n"
        "    mv a0, sp\n"
        "    andi sp, sp, -16\n"
        "    call start_c\n");
