/*
 * What every fuzz target (tests/fuzz/fuzz_<name>.c) uses.
 *
 * A target defines LLVMFuzzerTestOneInput(), which libFuzzer calls with each input; it
 * returns 0.  Invariant checks: a broken invariant prints where and why, then aborts, and
 * libFuzzer treats that like any crash and saves the input as the reproducer.
 *
 * tests/fuzz/lib/fuzz_host.c also provides the host stand-ins for the hypervisor services
 * the linked project code calls (panic aborts the same way; log_printf formats the message
 * into a buffer, so a bad format argument is still caught by the sanitizers).
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

void fuzz_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 3, 4)));

#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond))                                                                               \
            fuzz_fail(__FILE__, __LINE__, "invariant broken: %s", #cond);                          \
    } while (0)

#define FUZZ_FAIL(...) fuzz_fail(__FILE__, __LINE__, __VA_ARGS__)

#endif
