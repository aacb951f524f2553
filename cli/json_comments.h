/* JSON with comments: the `//` and block comments found in Rust-Shyper's example configs.
 *
 * cJSON_Minify also strips comments, but it deletes whitespace (so a later syntax error can no
 * longer be placed at a line and column), mistakes the end of a string ending in an escaped
 * backslash ("C:\\") for an escaped quote, and silently drops a stray '/'.  This blanks comments
 * in place instead: every comment byte except newlines becomes a space, so offsets, lines and
 * columns in the result are those of the original text.  A leading UTF-8 byte-order mark is
 * blanked too.  Text inside strings, such as "http://x", is never touched.
 */
#ifndef SHYPER_CLI_JSON_COMMENTS_H
#define SHYPER_CLI_JSON_COMMENTS_H

#include <stdbool.h>
#include <stddef.h>

/* Blank the comments in text[0, len).  Returns false when a block comment never ends, with
 * *open_offset set to where it starts. */
bool json_blank_comments(char *text, size_t len, size_t *open_offset);

#endif
