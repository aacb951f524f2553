/*
 * A fast reader of flattened device trees, for the host tree (kernel/platform.c checks it,
 * vmm/vm_fdt.c copies from it).  libfdt's readers cost several instructions per byte of the
 * tree: fdt_next_tag() fetches each character of a node name through fdt_offset_ptr(), and
 * fdt_getprop() runs it again for every property before the one asked for.  These read a
 * tree that passed fdt_check_header() with the same offsets, bounds checks and results
 * (errors as FDT_END with a negative *next, or a negative length or offset), through a
 * struct fdt_reader that holds the header's fields (libfdt reads them byte by byte on
 * every call).
 */
#ifndef KERNEL_FDT_READ_H
#define KERNEL_FDT_READ_H

#include <kernel/types.h>
#include <libfdt.h>

/* A tree that passed fdt_check_header(), with its blocks' places read from its header once.
 * It is valid while the tree does not change. */
struct fdt_reader {
    const void *fdt;
    const char *st;      /* the structure block, st_size bytes */
    const char *strings; /* the strings block, strings_size bytes */
    u32 st_size, strings_size;
    bool strings_nul_ended; /* the strings block ends in a NUL */
};

void fdt_read_init(struct fdt_reader *r, const void *fdt);

/* fdt_next_tag(): the tag at offset; *next is the offset of the one after it (< 0: error). */
u32 fdt_read_tag(const struct fdt_reader *r, int offset, int *next);

/* fdt_get_name(): the name of the node at offset, and its length in *lenp unless lenp is NULL
 * (NULL and *lenp < 0: no node there). */
const char *fdt_read_get_name(const struct fdt_reader *r, int offset, int *lenp);

/* fdt_getprop_by_offset() of a tag fdt_read_tag() read as FDT_PROP: its value, name and
 * length (NULL and *len < 0: the name is not in the strings block). */
const void *fdt_read_prop(const struct fdt_reader *r, int offset, const char **name, int *len);

/* fdt_getprop(). */
const void *fdt_read_getprop(const struct fdt_reader *r, int node, const char *name, int *lenp);

/* fdt_first_subnode() and fdt_next_subnode(). */
int fdt_read_first_subnode(const struct fdt_reader *r, int node);
int fdt_read_next_subnode(const struct fdt_reader *r, int node);

#define fdt_read_for_each_subnode(node, r, parent)                                                 \
    for ((node) = fdt_read_first_subnode(r, parent); (node) >= 0;                                  \
         (node) = fdt_read_next_subnode(r, node))

/* True when a node's name, without its unit address, is base (libfdt's rule for paths). */
bool fdt_read_name_is(const char *name, const char *base);

/* What fdt_address_cells() and fdt_size_cells() return for a node whose #address-cells or
 * #size-cells property is prop, len bytes long (NULL: it has none): the count (2 and 1 when
 * absent; #address-cells is never 0), or -FDT_ERR_BADNCELLS. */
int fdt_read_address_cells(const fdt32_t *prop, int len);
int fdt_read_size_cells(const fdt32_t *prop, int len);

#endif
