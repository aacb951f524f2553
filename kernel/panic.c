/* Fatal hypervisor error: report, stop the other harts' output and power off. */
#include <arch/hooks.h>
#include <kernel/log.h>
#include <kernel/panic.h>
#include <stdarg.h>

void panic(const char *fmt, ...)
{
    char msg[192];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    log_error("PANIC: %s", msg);
    arch_system_off(false);
}
