/* The subset of <stdlib.h> libfdt needs (kernel/lib/string.c). */
#ifndef LIBC_STDLIB_H
#define LIBC_STDLIB_H

unsigned long strtoul(const char *s, char **end, int base);

#endif
