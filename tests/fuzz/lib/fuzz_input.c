/* Field reader over a fuzz input (see fuzz_input.h). */
#include "fuzz_input.h"

#include <string.h>

#define BYTE_BITS   8
#define BYTE_VALUES 256

void fuzz_input_init(struct fuzz_input *in, const uint8_t *data, size_t size)
{
    *in = (struct fuzz_input){.data = data, .size = size, .pos = 0};
}

size_t fuzz_remaining(const struct fuzz_input *in)
{
    return in->size - in->pos;
}

void fuzz_bytes(struct fuzz_input *in, void *out, size_t n)
{
    size_t have = fuzz_remaining(in) < n ? fuzz_remaining(in) : n;

    memcpy(out, in->data + in->pos, have);
    memset((uint8_t *)out + have, 0, n - have);
    in->pos += have;
}

static uint64_t read_le(struct fuzz_input *in, size_t n)
{
    uint8_t b[sizeof(uint64_t)];
    uint64_t v = 0;

    fuzz_bytes(in, b, n);
    for (size_t i = n; i-- > 0;)
        v = (v << BYTE_BITS) | b[i];
    return v;
}

uint8_t fuzz_u8(struct fuzz_input *in)
{
    return (uint8_t)read_le(in, sizeof(uint8_t));
}

uint16_t fuzz_u16(struct fuzz_input *in)
{
    return (uint16_t)read_le(in, sizeof(uint16_t));
}

uint32_t fuzz_u32(struct fuzz_input *in)
{
    return (uint32_t)read_le(in, sizeof(uint32_t));
}

uint64_t fuzz_u64(struct fuzz_input *in)
{
    return read_le(in, sizeof(uint64_t));
}

bool fuzz_bool(struct fuzz_input *in)
{
    return fuzz_u8(in) & 1;
}

uint32_t fuzz_below(struct fuzz_input *in, uint32_t n)
{
    if (!n)
        return 0;
    return (n <= BYTE_VALUES ? fuzz_u8(in) : fuzz_u32(in)) % n;
}

void fuzz_string(struct fuzz_input *in, char *out, size_t size)
{
    size_t len = fuzz_u8(in);

    if (len > size - 1)
        len = size - 1;
    fuzz_bytes(in, out, len);
    out[len] = '\0';
}
