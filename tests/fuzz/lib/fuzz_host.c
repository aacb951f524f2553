/* Failure reporting and host stand-ins for the fuzz targets (see fuzz.h). */
#include "fuzz.h"

#include <arch/hooks.h>
#include <kernel/log.h>
#include <kernel/panic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOG_LINE_MAX 512

static void vreport(const char *prefix, const char *fmt, va_list ap)
{
    fprintf(stderr, "%s", prefix);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
}

void fuzz_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "%s:%d: ", file, line);
    va_start(ap, fmt);
    vreport("", fmt, ap);
    va_end(ap);
    abort();
}

/* arch_mem_zero() (arch/riscv64/mem.c) on the host. */
void arch_mem_zero(void *p, u64 size)
{
    memset(p, 0, size);
}

/* A panic reached from fuzzed input is a bug: the hypervisor would die. */
void panic(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vreport("panic: ", fmt, ap);
    va_end(ap);
    abort();
}

void log_printf(enum log_level level, const char *fmt, ...)
{
    char line[LOG_LINE_MAX];
    va_list ap;

    (void)level;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
}
