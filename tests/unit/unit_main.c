/* Runner for the host unit tests (see unit_test.h); also the host stand-ins for the
 * few hypervisor services pure code calls (panic, logging, which is recorded). */
#include "unit_test.h"
#include <arch/hooks.h>
#include <kernel/log.h>
#include <kernel/panic.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TESTS 512

_Static_assert(LOG_DEBUG + 1 == UNIT_LOG_LEVELS, "a line count per log level");

static struct unit_test tests[MAX_TESTS];
static int nr_tests;
bool unit_current_failed;
unsigned long unit_log_lines[UNIT_LOG_LEVELS];
char unit_log_last[UNIT_LOG_LINE_MAX];

void unit_register(const char *name, void (*fn)(void))
{
    if (nr_tests < MAX_TESTS)
        tests[nr_tests++] = (struct unit_test){name, fn};
}

void unit_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;

    printf("  %s:%d: ", file, line);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    unit_current_failed = true;
}

/* arch_mem_zero() (arch/riscv64/mem.c) on the host. */
void arch_mem_zero(void *p, u64 size)
{
    memset(p, 0, size);
}

void panic(const char *fmt, ...)
{
    va_list ap;

    printf("panic: ");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    abort();
}

void log_printf(enum log_level level, const char *fmt, ...)
{
    va_list ap;

    if ((unsigned)level < UNIT_LOG_LEVELS)
        unit_log_lines[level]++;
    va_start(ap, fmt);
    vsnprintf(unit_log_last, sizeof(unit_log_last), fmt, ap);
    va_end(ap);
}

int main(void)
{
    int passed = 0, failed = 0;

    for (int i = 0; i < nr_tests; i++) {
        unit_current_failed = false;
        tests[i].fn();
        printf("%s %s\n", unit_current_failed ? "FAIL" : "PASS", tests[i].name);
        if (unit_current_failed)
            failed++;
        else
            passed++;
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
