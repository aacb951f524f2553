/* Text forms of configuration values, as used in messages and summaries. */
#ifndef SHYPER_CLI_VM_CONFIG_FORMAT_H
#define SHYPER_CLI_VM_CONFIG_FORMAT_H

#include <stdint.h>

#define VM_BITMAP_TEXT_SIZE 40
#define VM_MAC_TEXT_SIZE    18
#define VM_SIZE_TEXT_SIZE   32

/* "0b0110": at least 4 digits, like the example configs. */
void vm_format_bitmap(char out[VM_BITMAP_TEXT_SIZE], uint32_t bitmap);

/* "74:56:aa:0f:47:d1" from VM_MAC_LEN byte values (each at most 0xff). */
void vm_format_mac(char out[VM_MAC_TEXT_SIZE], const uint64_t *bytes);

/* "256 MiB", "4 KiB", "1 GiB", or "4660 bytes" when not a whole number of KiB. */
void vm_format_size(char out[VM_SIZE_TEXT_SIZE], uint64_t bytes);

#endif
