#include "json_comments.h"

#include <string.h>

static const char utf8_bom[] = "\xef\xbb\xbf";

/* Skip a string starting at text[i] == '"'.  Returns the offset after its closing quote, or len
 * when it is unterminated (cJSON reports that). */
static size_t skip_string(const char *text, size_t len, size_t i)
{
    for (i++; i < len; i++) {
        if (text[i] == '\\')
            i++;
        else if (text[i] == '"')
            return i + 1;
    }
    return len;
}

static void blank(char *text, size_t begin, size_t end)
{
    for (size_t i = begin; i < end; i++) {
        if (text[i] != '\n')
            text[i] = ' ';
    }
}

static size_t line_comment_end(const char *text, size_t len, size_t i)
{
    const char *nl = memchr(text + i, '\n', len - i);
    return nl ? (size_t)(nl - text) : len;
}

/* Offset after the closing star-slash, or 0 when there is none. */
static size_t block_comment_end(const char *text, size_t len, size_t i)
{
    for (i += 2; i + 1 < len; i++) {
        if (text[i] == '*' && text[i + 1] == '/')
            return i + 2;
    }
    return 0;
}

bool json_blank_comments(char *text, size_t len, size_t *open_offset)
{
    size_t bom = sizeof(utf8_bom) - 1;
    if (len >= bom && memcmp(text, utf8_bom, bom) == 0)
        blank(text, 0, bom);

    size_t i = 0;
    while (i < len) {
        bool slash = text[i] == '/' && i + 1 < len;
        if (text[i] == '"') {
            i = skip_string(text, len, i);
        } else if (slash && text[i + 1] == '/') {
            size_t end = line_comment_end(text, len, i);
            blank(text, i, end);
            i = end;
        } else if (slash && text[i + 1] == '*') {
            size_t end = block_comment_end(text, len, i);
            if (end == 0) {
                *open_offset = i;
                return false;
            }
            blank(text, i, end);
            i = end;
        } else {
            i++;
        }
    }
    return true;
}
