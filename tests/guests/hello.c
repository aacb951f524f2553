/* The smallest guest: prints a greeting and checks the SBI spec version. */
#include "lib/guest.h"

int main(unsigned long hartid, unsigned long dtb)
{
    (void)dtb;
    guest_printf("Hello from a Shyper guest on hart %lu\n", hartid);
    struct sbiret r = sbi_call(SBI_EXT_BASE, 0, 0, 0, 0, 0, 0, 0);
    CHECK_EQ(r.error, SBI_SUCCESS, "hello-sbi-base");
    CHECK_EQ(r.value, 2L << 24, "hello-spec-version-2.0");
    return 0;
}
