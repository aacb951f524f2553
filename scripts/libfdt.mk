# libfdt, taken from Debian's linux-source package (scripts/dtc/libfdt) and compiled
# freestanding for the hypervisor.  Nothing of it is kept in this repository: the
# sources are extracted once into $(CACHE_DIR)/libfdt, keyed by the package version.  The
# stamp objects depend on is this build's own ($(BUILD)/libfdt/.extracted): the shared
# cache is never touched once filled, so one checkout's build does not make another's
# objects out of date.

LINUX_SOURCE_PKG ?= linux-source-6.12
LINUX_SOURCE_TAR ?= /usr/src/$(LINUX_SOURCE_PKG).tar.xz
LIBFDT_DIR   := $(CACHE_DIR)/libfdt
LIBFDT_STAMP := $(BUILD)/libfdt/.extracted
LIBFDT_NAMES := fdt fdt_ro fdt_wip fdt_sw fdt_rw fdt_strerror fdt_empty_tree fdt_addresses fdt_overlay
LIBFDT_OBJS  := $(patsubst %,$(BUILD)/libfdt/%.o,$(LIBFDT_NAMES))
# libfdt's assumptions (libfdt_internal.h).  The hypervisor's libfdt reads only the
# firmware's device tree, which is trusted as the firmware is (firmware that lies owns the
# machine anyway; docs/security.md), and the trees the hypervisor builds itself: it skips libfdt's
# per-call checks of the tree and of offsets (ASSUME_VALID_DTB | VALID_INPUT), handles only
# version-17 trees (LATEST; older ones are refused first), and neither rolls back a failed
# edit (NO_ROLLBACK: a failed build is discarded whole) nor checks for libfdt's own bugs
# (LIBFDT_FLAWLESS).  Together they halve the cost of building the MVM's device tree
# (docs/performance.md).  The fuzz targets feed hostile trees, so theirs keeps the checks
# of the tree and of offsets (LIBFDT_ASSUME_FUZZ).
LIBFDT_ASSUME      := -DFDT_ASSUME_MASK=0x2f
LIBFDT_ASSUME_FUZZ := -DFDT_ASSUME_MASK=0x2c

$(LIBFDT_STAMP): $(DEPS_STAMP) scripts/extract-libfdt.sh
	@mkdir -p $(@D)
	$(Q)bash scripts/extract-libfdt.sh "$(LINUX_SOURCE_PKG)" "$(LINUX_SOURCE_TAR)" "$(LIBFDT_DIR)"
	@touch $@

$(LIBFDT_DIR)/%.c: $(LIBFDT_STAMP) ;

$(BUILD)/libfdt/%.o: $(LIBFDT_STAMP) scripts/libfdt.mk
	@mkdir -p $(@D)
	@echo "  CC      libfdt/$*.c"
	$(Q)$(CC) $(filter-out -Wextra -MMD -MP,$(HYP_CFLAGS)) -Wno-sign-compare $(LIBFDT_ASSUME) \
		-c $(LIBFDT_DIR)/$*.c -o $@
