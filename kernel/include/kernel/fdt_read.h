/*
 * A fast reader of flattened device trees, for the host tree (kernel/platform.c checks it,
 * vmm/vm_fdt.c copies from it).  libfdt's readers cost several instructions per byte of the
 * tree: fdt_next_tag() fetches each character of a node name through fdt_offset_ptr(), and
 * fdt_getprop() runs it again for every property before the one asked for.  These read a
 * tree that passed fdt_check_header() with the same offsets, bounds checks and results
 * (errors as FDT_END with a negative *next, or a negative length or offset).
 */
#ifndef KERNEL_FDT_READ_H
#define KERNEL_FDT_READ_H

#include <kernel/types.h>
#include <libfdt.h>

/* fdt_next_tag(): the tag at offset; *next is the offset of the one after it (< 0: error). */
u32 fdt_read_tag(const void *fdt, int offset, int *next);

/* fdt_get_name(): the name of the node at offset, and its length in *lenp unless lenp is NULL
 * (NULL and *lenp < 0: no node there). */
const char *fdt_read_get_name(const void *fdt, int offset, int *lenp);

/* fdt_getprop_by_offset() of a tag fdt_read_tag() read as FDT_PROP: its value, name and
 * length (NULL and *len < 0: the name is not in the strings block). */
const void *fdt_read_prop(const void *fdt, int offset, const char **name, int *len);

/* fdt_getprop(). */
const void *fdt_read_getprop(const void *fdt, int node, const char *name, int *lenp);

/* fdt_first_subnode() and fdt_next_subnode(). */
int fdt_read_first_subnode(const void *fdt, int node);
int fdt_read_next_subnode(const void *fdt, int node);

#define fdt_read_for_each_subnode(node, fdt, parent)                                               \
    for ((node) = fdt_read_first_subnode(fdt, parent); (node) >= 0;                                \
         (node) = fdt_read_next_subnode(fdt, node))

/* True when a node's name, without its unit address, is base (libfdt's rule for paths). */
bool fdt_read_name_is(const char *name, const char *base);

/* What fdt_address_cells() and fdt_size_cells() return for a node whose #address-cells or
 * #size-cells property is prop, len bytes long (NULL: it has none): the count (2 and 1 when
 * absent; #address-cells is never 0), or -FDT_ERR_BADNCELLS. */
int fdt_read_address_cells(const fdt32_t *prop, int len);
int fdt_read_size_cells(const fdt32_t *prop, int len);

#endif
