#include "vm_config_format.h"

#include <inttypes.h>
#include <stdio.h>

#define BITMAP_MIN_DIGITS 4
#define BITMAP_MAX_DIGITS 32

void vm_format_bitmap(char out[VM_BITMAP_TEXT_SIZE], uint32_t bitmap)
{
    int digits = BITMAP_MIN_DIGITS;
    while (digits < BITMAP_MAX_DIGITS && (bitmap >> digits) != 0)
        digits++;
    int n = snprintf(out, VM_BITMAP_TEXT_SIZE, "0b");
    for (int bit = digits - 1; bit >= 0; bit--)
        out[n++] = (bitmap >> bit) & 1 ? '1' : '0';
    out[n] = '\0';
}

void vm_format_mac(char out[VM_MAC_TEXT_SIZE], const uint64_t *bytes)
{
    snprintf(out, VM_MAC_TEXT_SIZE, "%02x:%02x:%02x:%02x:%02x:%02x", (unsigned)bytes[0],
             (unsigned)bytes[1], (unsigned)bytes[2], (unsigned)bytes[3], (unsigned)bytes[4],
             (unsigned)bytes[5]);
}

void vm_format_size(char out[VM_SIZE_TEXT_SIZE], uint64_t bytes)
{
    static const char *const units[] = {"KiB", "MiB", "GiB", "TiB"};
    const unsigned unit_shift = 10;
    const uint64_t unit_mask = (UINT64_C(1) << unit_shift) - 1;
    if (bytes == 0 || (bytes & unit_mask) != 0) {
        snprintf(out, VM_SIZE_TEXT_SIZE, "%" PRIu64 " bytes", bytes);
        return;
    }
    unsigned unit = 0;
    bytes >>= unit_shift;
    while (unit + 1 < sizeof(units) / sizeof(units[0]) && (bytes & unit_mask) == 0) {
        bytes >>= unit_shift;
        unit++;
    }
    snprintf(out, VM_SIZE_TEXT_SIZE, "%" PRIu64 " %s", bytes, units[unit]);
}
