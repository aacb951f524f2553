/* Typed access to the fields of a parsed JSON configuration, reporting every problem as a
 * diagnostic that names the field's JSON path (see config_diag.h).  A getter is given the
 * parent's path and the key, and reports "<parent>.<key>: missing", "...: expected a string, got
 * a number", "...: \"0x4000000g\" is not a hex number" and the like.
 */
#ifndef SHYPER_CLI_JSON_FIELDS_H
#define SHYPER_CLI_JSON_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cJSON.h"
#include "config_diag.h"
#include "config_number.h"

#define JSON_TEXT_MAX (1u << 20) /* configuration files larger than 1 MiB are refused */

enum json_presence {
    JSON_REQUIRED,
    JSON_OPTIONAL,
};

/* Blank the comments of a copy of text[0, len) and parse it.  Returns the root object (the caller
 * frees it with cJSON_Delete), or NULL after reporting why: syntax error with line and column,
 * not an object, too large, ... */
cJSON *json_load_object(const char *text, size_t len, struct config_diag *diag);

/* The member `key` of `obj` if it exists and has the given cJSON type (cJSON_Object,
 * cJSON_Array, ...); NULL otherwise, after reporting it if it is required or of the wrong type. */
const cJSON *json_get(const cJSON *obj, const char *parent, const char *key, int type,
                      enum json_presence presence, struct config_diag *diag);

/* Copy string member `key` into out[size].  Returns true when a valid value was stored; an
 * absent optional member leaves `out` untouched.  Longer strings are an error. */
bool json_get_string(const cJSON *obj, const char *parent, const char *key,
                     enum json_presence presence, char *out, size_t size, struct config_diag *diag);

/* Read numeric member `key` (a JSON number or a string in `format`) into *value.  Returns true
 * when a valid value was stored; an absent optional member leaves *value untouched. */
bool json_get_u64(const cJSON *obj, const char *parent, const char *key,
                  enum json_presence presence, enum number_format format, uint64_t *value,
                  struct config_diag *diag);

/* As json_get_u64, for values that must not exceed UINT32_MAX. */
bool json_get_u32(const cJSON *obj, const char *parent, const char *key,
                  enum json_presence presence, enum number_format format, uint32_t *value,
                  struct config_diag *diag);

/* Convert `item` (an array element, at `path`) to a number. */
bool json_item_u64(const cJSON *item, const char *path, enum number_format format, uint64_t *value,
                   struct config_diag *diag);

/* The number of elements of `array` (at `path`).  More than `max` is an error and gives 0, so
 * callers can index fixed-size tables with the result. */
unsigned json_array_size(const cJSON *array, const char *path, unsigned max,
                         struct config_diag *diag);

/* Warn about members of `obj` whose names are not in the NULL-terminated list `known`. */
void json_warn_unknown(const cJSON *obj, const char *path, const char *const known[],
                       struct config_diag *diag);

/* Rust-Shyper's configs carry redundant counts ("num", "cfg_num", "irq_num") that it ignored.
 * Warn when member `key` is present and differs from the real count. */
void json_check_count(const cJSON *obj, const char *parent, const char *key, unsigned actual,
                      struct config_diag *diag);

#endif
