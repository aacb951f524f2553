#include "json_fields.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_comments.h"

#define QUOTE_MAX_CHARS   40 /* longer values are cut in messages */
#define QUOTE_SIZE        (QUOTE_MAX_CHARS + sizeof("\"...\""))
#define SNIPPET_MAX_CHARS 24
#define CJSON_TYPE_MASK   0xff

/* ---------------------------------------------------------------- messages */

/* `s` in double quotes, cut to QUOTE_MAX_CHARS, with control characters shown as '?'. */
static void quote(char out[QUOTE_SIZE], const char *s)
{
    size_t n = 0;
    out[n++] = '"';
    for (; *s && n <= QUOTE_MAX_CHARS; s++)
        out[n++] = (unsigned char)*s < ' ' ? '?' : *s;
    if (*s) {
        memcpy(out + n, "...", 3);
        n += 3;
    }
    out[n++] = '"';
    out[n] = '\0';
}

static const char *type_name(int type)
{
    switch (type & CJSON_TYPE_MASK) {
    case cJSON_False:
        return "false";
    case cJSON_True:
        return "true";
    case cJSON_NULL:
        return "null";
    case cJSON_Number:
        return "a number";
    case cJSON_String:
        return "a string";
    case cJSON_Array:
        return "an array";
    case cJSON_Object:
        return "an object";
    default:
        return "an invalid value";
    }
}

static const char *number_expectation(enum number_format format)
{
    switch (format) {
    case NUMBER_HEX:
        return "a hex string (\"0x...\") or an integer";
    case NUMBER_BITMAP:
        return "a binary string (\"0b...\") or an integer";
    case NUMBER_ANY:
        break;
    }
    return "a number";
}

/* ---------------------------------------------------------------- loading */

static void line_column(const char *text, size_t offset, unsigned *line, unsigned *column)
{
    *line = 1;
    *column = 1;
    for (size_t i = 0; i < offset; i++) {
        if (text[i] == '\n') {
            ++*line;
            *column = 1;
        } else {
            ++*column;
        }
    }
}

static bool blank_text(const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (text[i] != ' ' && text[i] != '\t' && text[i] != '\r' && text[i] != '\n')
            return false;
    }
    return true;
}

/* The offset of the first comma directly followed (blanks aside) by '}' or ']', outside strings,
 * or len.  A trailing comma is the most common hand-editing mistake, and cJSON reports it some
 * characters later. */
static size_t trailing_comma(const char *text, size_t len)
{
    bool in_string = false;
    for (size_t i = 0; i < len; i++) {
        if (in_string) {
            if (text[i] == '\\')
                i++;
            else if (text[i] == '"')
                in_string = false;
        } else if (text[i] == '"') {
            in_string = true;
        } else if (text[i] == ',') {
            size_t next = i + 1 + strspn(text + i + 1, " \t\r\n");
            if (next < len && (text[next] == '}' || text[next] == ']'))
                return i;
        }
    }
    return len;
}

static void report_syntax_error(const char *text, size_t len, const char *where,
                                struct config_diag *diag)
{
    unsigned line, column;
    size_t comma = trailing_comma(text, len);
    if (comma < len) {
        line_column(text, comma, &line, &column);
        config_error(diag, "", "line %u, column %u: invalid JSON: a comma before '%c'", line,
                     column, text[comma + 1 + strspn(text + comma + 1, " \t\r\n")]);
        return;
    }
    size_t offset = where && where >= text && where <= text + len ? (size_t)(where - text) : len;
    line_column(text, offset, &line, &column);
    size_t n = strcspn(text + offset, "\r\n");
    if (n > SNIPPET_MAX_CHARS)
        n = SNIPPET_MAX_CHARS;
    if (offset >= len)
        config_error(diag, "", "line %u, column %u: invalid JSON: unexpected end of file", line,
                     column);
    else
        config_error(diag, "", "line %u, column %u: invalid JSON at '%.*s'", line, column, (int)n,
                     text + offset);
}

static cJSON *parse_copy(char *copy, size_t len, struct config_diag *diag)
{
    size_t open_comment;
    unsigned line, column;
    if (!json_blank_comments(copy, len, &open_comment)) {
        line_column(copy, open_comment, &line, &column);
        config_error(diag, "", "line %u, column %u: comment is never closed", line, column);
        return NULL;
    }
    if (blank_text(copy, len)) {
        config_error(diag, "", "the file is empty");
        return NULL;
    }
    /* The length includes the NUL: cJSON checks for it when asked to reject trailing text. */
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(copy, len + 1, &end, 1);
    if (!root)
        report_syntax_error(copy, len, end, diag);
    return root;
}

cJSON *json_load_object(const char *text, size_t len, struct config_diag *diag)
{
    if (len > JSON_TEXT_MAX) {
        config_error(diag, "", "the file is larger than %u bytes", JSON_TEXT_MAX);
        return NULL;
    }
    if (memchr(text, '\0', len)) {
        config_error(diag, "", "the file contains a NUL byte; it is not JSON text");
        return NULL;
    }
    char *copy = malloc(len + 1);
    if (!copy) {
        config_error(diag, "", "out of memory");
        return NULL;
    }
    memcpy(copy, text, len);
    copy[len] = '\0';
    cJSON *root = parse_copy(copy, len, diag);
    free(copy);
    if (root && !cJSON_IsObject(root)) {
        config_error(diag, "", "the top level must be a JSON object, not %s",
                     type_name(root->type));
        cJSON_Delete(root);
        root = NULL;
    }
    return root;
}

/* ---------------------------------------------------------------- getters */

const cJSON *json_get(const cJSON *obj, const char *parent, const char *key, int type,
                      enum json_presence presence, struct config_diag *diag)
{
    char path[CONFIG_PATH_SIZE];
    config_path_key(path, parent, key);
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!item) {
        if (presence == JSON_REQUIRED)
            config_error(diag, path, "missing");
        return NULL;
    }
    if ((item->type & CJSON_TYPE_MASK) != type) {
        config_error(diag, path, "expected %s, got %s", type_name(type), type_name(item->type));
        return NULL;
    }
    return item;
}

bool json_get_string(const cJSON *obj, const char *parent, const char *key,
                     enum json_presence presence, char *out, size_t size, struct config_diag *diag)
{
    const cJSON *item = json_get(obj, parent, key, cJSON_String, presence, diag);
    if (!item)
        return false;
    if (strlen(item->valuestring) >= size) {
        char path[CONFIG_PATH_SIZE], shown[QUOTE_SIZE];
        config_path_key(path, parent, key);
        quote(shown, item->valuestring);
        config_error(diag, path, "%s is longer than %zu bytes", shown, size - 1);
        return false;
    }
    strcpy(out, item->valuestring);
    return true;
}

bool json_item_u64(const cJSON *item, const char *path, enum number_format format, uint64_t *value,
                   struct config_diag *diag)
{
    const char *reason;
    if (cJSON_IsNumber(item)) {
        reason = number_from_json(item->valuedouble, value);
        if (reason)
            config_error(diag, path, "%g %s", item->valuedouble, reason);
        return reason == NULL;
    }
    if (cJSON_IsString(item)) {
        reason = number_from_string(item->valuestring, format, value);
        if (reason) {
            char shown[QUOTE_SIZE];
            quote(shown, item->valuestring);
            config_error(diag, path, "%s %s", shown, reason);
        }
        return reason == NULL;
    }
    config_error(diag, path, "expected %s, got %s", number_expectation(format),
                 type_name(item->type));
    return false;
}

bool json_get_u64(const cJSON *obj, const char *parent, const char *key,
                  enum json_presence presence, enum number_format format, uint64_t *value,
                  struct config_diag *diag)
{
    char path[CONFIG_PATH_SIZE];
    config_path_key(path, parent, key);
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!item) {
        if (presence == JSON_REQUIRED)
            config_error(diag, path, "missing");
        return false;
    }
    return json_item_u64(item, path, format, value, diag);
}

bool json_get_u32(const cJSON *obj, const char *parent, const char *key,
                  enum json_presence presence, enum number_format format, uint32_t *value,
                  struct config_diag *diag)
{
    uint64_t v;
    if (!json_get_u64(obj, parent, key, presence, format, &v, diag))
        return false;
    if (v > UINT32_MAX) {
        char path[CONFIG_PATH_SIZE];
        config_path_key(path, parent, key);
        config_error(diag, path, "0x%" PRIx64 " does not fit in 32 bits", v);
        return false;
    }
    *value = (uint32_t)v;
    return true;
}

unsigned json_array_size(const cJSON *array, const char *path, unsigned max,
                         struct config_diag *diag)
{
    int n = cJSON_GetArraySize(array);
    if ((unsigned)n > max) {
        config_error(diag, path, "has %d entries; at most %u are allowed", n, max);
        return 0;
    }
    return (unsigned)n;
}

/* ---------------------------------------------------------------- lint */

static bool listed(const char *name, const char *const known[])
{
    for (size_t i = 0; known[i]; i++) {
        if (strcmp(name, known[i]) == 0)
            return true;
    }
    return false;
}

void json_warn_unknown(const cJSON *obj, const char *path, const char *const known[],
                       struct config_diag *diag)
{
    for (const cJSON *child = obj->child; child; child = child->next) {
        if (!listed(child->string, known)) {
            char child_path[CONFIG_PATH_SIZE];
            config_path_key(child_path, path, child->string);
            config_warning(diag, child_path, "unknown key (ignored)");
        }
    }
}

void json_check_count(const cJSON *obj, const char *parent, const char *key, unsigned actual,
                      struct config_diag *diag)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!item || (cJSON_IsNumber(item) && item->valuedouble == actual))
        return;
    char path[CONFIG_PATH_SIZE];
    config_path_key(path, parent, key);
    if (cJSON_IsNumber(item))
        config_warning(diag, path, "%g does not match the actual count, %u (ignored)",
                       item->valuedouble, actual);
    else
        config_warning(diag, path, "is %s, not a count (ignored)", type_name(item->type));
}
