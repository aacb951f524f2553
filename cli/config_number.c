#include "config_number.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#define HEX_RADIX 16
#define BIN_RADIX 2
#define DEC_RADIX 10

static int digit_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Parse digits [begin, end) in `radix`.  Returns NULL or the reason for failure. */
static const char *parse_digits(const char *begin, const char *end, unsigned radix,
                                const char *not_a_number, uint64_t *value)
{
    uint64_t v = 0;
    if (begin == end)
        return not_a_number;
    for (const char *p = begin; p < end; p++) {
        int d = digit_value(*p);
        if (d < 0 || (unsigned)d >= radix)
            return not_a_number;
        if (v > (UINT64_MAX - (unsigned)d) / radix)
            return "does not fit in 64 bits";
        v = v * radix + (unsigned)d;
    }
    *value = v;
    return NULL;
}

static bool has_prefix(const char *begin, const char *end, char letter)
{
    return end - begin >= 2 && begin[0] == '0' && tolower((unsigned char)begin[1]) == letter;
}

static const char *format_reason(enum number_format format)
{
    switch (format) {
    case NUMBER_HEX:
        return "is not a hex number";
    case NUMBER_BITMAP:
        return "is not a binary number";
    case NUMBER_ANY:
        break;
    }
    return "is not a number";
}

const char *number_from_string(const char *text, enum number_format format, uint64_t *value)
{
    const char *begin = text;
    const char *end = text + strlen(text);
    while (begin < end && isspace((unsigned char)*begin))
        begin++;
    while (end > begin && isspace((unsigned char)end[-1]))
        end--;

    const char *reason = format_reason(format);
    if (has_prefix(begin, end, 'x'))
        return parse_digits(begin + 2, end, HEX_RADIX, reason, value);
    if (has_prefix(begin, end, 'b') && format != NUMBER_HEX)
        return parse_digits(begin + 2, end, BIN_RADIX, reason, value);
    if (format == NUMBER_ANY || (format == NUMBER_HEX && end - begin == 1 && *begin == '0'))
        return parse_digits(begin, end, DEC_RADIX, reason, value);
    return reason;
}

const char *number_from_json(double number, uint64_t *value)
{
    if (number < 0)
        return "is negative";
    if (number > (double)JSON_EXACT_INT_MAX)
        return "is too large for a JSON number (write it as a hex string)";
    if ((double)(uint64_t)number != number)
        return "is not an integer";
    *value = (uint64_t)number;
    return NULL;
}
