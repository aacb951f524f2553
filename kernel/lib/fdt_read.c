/* A fast reader of flattened device trees (see fdt_read.h). */
#include <kernel/fdt_read.h>
#include <string.h>

#define CELL_BYTES            4
#define ADDRESS_CELLS_DEFAULT 2 /* the devicetree specification's defaults */
#define SIZE_CELLS_DEFAULT    1

void fdt_read_init(struct fdt_reader *r, const void *fdt)
{
    r->fdt = fdt;
    r->st = (const char *)fdt + fdt_off_dt_struct(fdt);
    r->st_size = fdt_size_dt_struct(fdt);
    r->strings = (const char *)fdt + fdt_off_dt_strings(fdt);
    r->strings_size = fdt_size_dt_strings(fdt);
    r->strings_nul_ended = r->strings_size && r->strings[r->strings_size - 1] == '\0';
}

u32 fdt_read_tag(const struct fdt_reader *r, int offset, int *next)
{
    const char *st = r->st;
    u32 size = r->st_size, at = (u32)offset + FDT_TAGSIZE, len;
    const char *nul;

    *next = -FDT_ERR_BADSTRUCTURE;
    if (offset < 0 || offset % FDT_TAGSIZE || size < FDT_TAGSIZE || at > size)
        return FDT_END;
    u32 tag = fdt32_ld((const fdt32_t *)(st + offset));
    switch (tag) {
    case FDT_BEGIN_NODE:
        nul = memchr(st + at, '\0', size - at);
        if (!nul)
            return FDT_END;
        at = nul - st + 1;
        break;
    case FDT_PROP:
        if (size - at < sizeof(struct fdt_property) - FDT_TAGSIZE)
            return FDT_END;
        len = fdt32_ld((const fdt32_t *)(st + at));
        at += sizeof(struct fdt_property) - FDT_TAGSIZE;
        if (len > size - at)
            return FDT_END;
        at += len;
        break;
    case FDT_END:
    case FDT_END_NODE:
    case FDT_NOP:
        break;
    default:
        return FDT_END;
    }
    *next = (int)ALIGN_UP(at, FDT_TAGSIZE);
    return tag;
}

const char *fdt_read_get_name(const struct fdt_reader *r, int offset, int *lenp)
{
    int next;
    const char *name =
        fdt_read_tag(r, offset, &next) == FDT_BEGIN_NODE ? r->st + offset + FDT_TAGSIZE : NULL;

    if (lenp)
        *lenp = name ? (int)strlen(name) : -FDT_ERR_BADOFFSET;
    return name;
}

const void *fdt_read_prop(const struct fdt_reader *r, int offset, const char **name, int *len)
{
    const struct fdt_property *prop = (const void *)(r->st + offset);
    u32 nameoff = fdt32_ld(&prop->nameoff), strings = r->strings_size;
    const char *s = r->strings + nameoff;

    /* A strings block that ends in a NUL holds the end of every name that starts in it. */
    if (nameoff >= strings || (!r->strings_nul_ended && !memchr(s, '\0', strings - nameoff))) {
        *len = -FDT_ERR_BADOFFSET;
        return NULL;
    }
    *name = s;
    *len = (int)fdt32_ld(&prop->len);
    return prop->data;
}

const void *fdt_read_getprop(const struct fdt_reader *r, int node, const char *name, int *lenp)
{
    int offset, next, len = -FDT_ERR_BADOFFSET;
    const void *value = NULL;

    if (fdt_read_tag(r, node, &offset) == FDT_BEGIN_NODE)
        len = -FDT_ERR_NOTFOUND;
    for (; len == -FDT_ERR_NOTFOUND; offset = next) {
        u32 tag = fdt_read_tag(r, offset, &next);
        const char *other;
        if (tag == FDT_NOP)
            continue;
        if (tag != FDT_PROP) {
            if (next < 0)
                len = next;
            break;
        }
        value = fdt_read_prop(r, offset, &other, &len);
        if (value && !strcmp(other, name))
            break;
        value = NULL;
        if (len >= 0)
            len = -FDT_ERR_NOTFOUND;
    }
    if (lenp)
        *lenp = len;
    return value;
}

/* From offset in a node's contents: its next subnode, or -FDT_ERR_NOTFOUND at its end. */
static int subnode_from(const struct fdt_reader *r, int offset)
{
    for (int next;; offset = next) {
        u32 tag = fdt_read_tag(r, offset, &next);
        if (tag == FDT_BEGIN_NODE)
            return offset;
        if (tag == FDT_END_NODE)
            return -FDT_ERR_NOTFOUND;
        if (tag != FDT_PROP && tag != FDT_NOP)
            return next < 0 ? next : -FDT_ERR_BADSTRUCTURE;
    }
}

int fdt_read_first_subnode(const struct fdt_reader *r, int node)
{
    int next;

    return fdt_read_tag(r, node, &next) == FDT_BEGIN_NODE ? subnode_from(r, next)
                                                          : -FDT_ERR_BADOFFSET;
}

int fdt_read_next_subnode(const struct fdt_reader *r, int node)
{
    int offset = node, next, depth = 0;

    do {
        u32 tag = fdt_read_tag(r, offset, &next);
        if (tag == FDT_BEGIN_NODE)
            depth++;
        else if (tag == FDT_END_NODE)
            depth--;
        else if (tag != FDT_PROP && tag != FDT_NOP)
            return next < 0 ? next : -FDT_ERR_BADSTRUCTURE;
        offset = next;
    } while (depth > 0);
    return subnode_from(r, offset);
}

bool fdt_read_name_is(const char *name, const char *base)
{
    size_t n = strlen(base);

    return !strncmp(name, base, n) && (name[n] == '\0' || name[n] == '@');
}

static int ncells(const fdt32_t *prop, int len, int dflt, bool zero_ok)
{
    if (!prop)
        return dflt;
    u32 v = len == CELL_BYTES ? fdt32_to_cpu(*prop) : 0;
    return len == CELL_BYTES && v <= FDT_MAX_NCELLS && (v || zero_ok) ? (int)v : -FDT_ERR_BADNCELLS;
}

int fdt_read_address_cells(const fdt32_t *prop, int len)
{
    return ncells(prop, len, ADDRESS_CELLS_DEFAULT, false);
}

int fdt_read_size_cells(const fdt32_t *prop, int len)
{
    return ncells(prop, len, SIZE_CELLS_DEFAULT, true);
}
