/* Numbers in configuration files: the string forms Rust-Shyper's configs use and plain JSON
 * numbers.
 *
 * String forms (surrounding blanks are ignored, as the original CLI did):
 *   "0x1f" / "0X1F"   hexadecimal
 *   "0b0110"          binary
 *   "42"              decimal
 * Which forms a field accepts depends on its format (below); a JSON number is accepted by every
 * format when it is a non-negative integer that a double holds exactly (at most 2^53 - 1), so
 * larger values must be written as hex strings.
 *
 * The functions return NULL on success, or a reason to put after the offending value in an error
 * message ("is not a hex number").
 */
#ifndef SHYPER_CLI_CONFIG_NUMBER_H
#define SHYPER_CLI_CONFIG_NUMBER_H

#include <stdint.h>

enum number_format {
    NUMBER_HEX,    /* addresses and lengths: "0x..." or "0" (Rust-Shyper's hex fields) */
    NUMBER_BITMAP, /* hart bitmaps: "0b..." or "0x..." */
    NUMBER_ANY,    /* cfg_list items, counts, ids, IRQs: "0x...", "0b..." or decimal */
};

/* Largest integer a JSON number may carry exactly. */
#define JSON_EXACT_INT_MAX ((UINT64_C(1) << 53) - 1)

const char *number_from_string(const char *text, enum number_format format, uint64_t *value);
const char *number_from_json(double number, uint64_t *value);

#endif
