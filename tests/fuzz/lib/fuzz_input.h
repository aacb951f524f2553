/*
 * A fuzz input read as a stream of fields, front to back (like LLVM's FuzzedDataProvider).
 * Past the end every read yields zeros, so any input decodes to something and a short input
 * decodes to the defaults a target builds its fields around (a target typically computes a
 * field as `default ^ fuzz_u64(in)`).
 */
#ifndef FUZZ_INPUT_H
#define FUZZ_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fuzz_input {
    const uint8_t *data;
    size_t size;
    size_t pos;
};

void fuzz_input_init(struct fuzz_input *in, const uint8_t *data, size_t size);
/* Bytes not read yet. */
size_t fuzz_remaining(const struct fuzz_input *in);

/* Little-endian integers of 1, 2, 4 and 8 bytes. */
uint8_t fuzz_u8(struct fuzz_input *in);
uint16_t fuzz_u16(struct fuzz_input *in);
uint32_t fuzz_u32(struct fuzz_input *in);
uint64_t fuzz_u64(struct fuzz_input *in);
bool fuzz_bool(struct fuzz_input *in);
/* A value in [0, n) from one byte (n <= 256), or from four bytes when n > 256. */
uint32_t fuzz_below(struct fuzz_input *in, uint32_t n);

/* Copies the next n bytes into out (zeros past the end). */
void fuzz_bytes(struct fuzz_input *in, void *out, size_t n);
/* A string of at most size - 1 bytes: a length byte, then that many bytes; always
 * NUL-terminated (bytes may contain NULs, which shorten it). */
void fuzz_string(struct fuzz_input *in, char *out, size_t size);

#endif
