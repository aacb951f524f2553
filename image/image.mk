# image/image.mk: the Linux management VM (MVM) images, built from Debian packages.
# Included by the top-level Makefile.
#
#   make linux            riscv64 Linux kernel from linux-source-6.12 (cached, ~5-10 min once)
#   make rootfs           build/vm0.img: ext4 root filesystem for the MVM (seconds)
#   make run-native       boot that kernel and rootfs on QEMU without Shyper
#   make test-e2e-native  drive that boot from tests/e2e and check the MVM works
#
# Exported to other fragments:
#   LINUX_IMAGE       arch/riscv/boot/Image (a file target; depend on it)
#   LINUX_KBUILD      the kernel's O= build tree (make -C $(LINUX_KBUILD) M=... modules)
#   LINUX_SRC         the kernel source tree
#   MVM_ROOTFS        build/vm0.img (a file target)
#   MVM_BOOTARGS      the MVM kernel command line
#   MVM_QEMU_DEVICES  QEMU arguments for the MVM's disk (virtio-mmio slot 0, 0x10001000,
#                     IRQ 1) and user-mode NIC (highest free slot, 0x10008000)
# Appended to by other fragments (they are included after this one):
#   ROOTFS_FILES      src:dst pairs copied into vm0.img (dst ending in / is a directory),
#                     e.g. ROOTFS_FILES += $(BUILD)/cli/shyper:/usr/bin/shyper
#   ROOTFS_DEPS       extra prerequisites of vm0.img
#
# The kernel build and the downloaded .debs are cached in $(CACHE_DIR), shared by all
# clones, keyed by a hash of their inputs; vm0.img is a project output in $(BUILD).

CACHE_DIR ?= $(HOME)/.cache/shyper
BUILD     ?= build
QEMU      ?= qemu-system-riscv64
PYTHON    ?= python3
IMAGE_BUILD := $(BUILD)/image
IMAGE_CACHE := $(abspath $(CACHE_DIR))

.PHONY: linux rootfs run-native test-e2e-native FORCE
FORCE:

# ---------------------------------------------------------------- kernel
# The source package and its pinned version come from scripts/deps.sh, which
# installs exactly that version; build-linux.sh refuses any other.
LINUX_SOURCE_PKG     ?= $(shell sed -n 's/^LINUX_SOURCE_PKG=//p' scripts/deps.sh)
LINUX_SOURCE_VERSION := $(shell sed -n 's/^LINUX_SOURCE_VERSION=//p' scripts/deps.sh)
ifeq ($(LINUX_SOURCE_VERSION),)
$(error image.mk: no LINUX_SOURCE_VERSION= line in scripts/deps.sh)
endif
LINUX_SOURCE_TAR     ?= /usr/src/$(LINUX_SOURCE_PKG).tar.xz
LINUX_FRAGMENT       := image/linux.config
LINUX_BUILD_ARGS     := $(LINUX_FRAGMENT) $(LINUX_SOURCE_PKG) $(LINUX_SOURCE_VERSION)

# The cache key needs the cross compiler, which `make deps` may only be about to
# install, so it is computed by a rule: make remakes $(LINUX_KEY_MK) (after deps) and
# restarts itself when the key changed.  Goals that never touch images skip it.
LINUX_KEY_MK := $(IMAGE_BUILD)/linux-key.mk
ifneq ($(filter-out clean format lint,$(or $(MAKECMDGOALS),all)),)
include $(LINUX_KEY_MK)
endif
$(LINUX_KEY_MK): $(DEPS_STAMP) FORCE
	@mkdir -p $(@D)
	$(Q)key=$$(bash image/build-linux.sh key $(LINUX_BUILD_ARGS)) && \
	line="LINUX_KEY := $$key" && \
	{ echo "$$line" | cmp -s - $@ || echo "$$line" > $@; }

LINUX_DIR    := $(IMAGE_CACHE)/linux-$(LINUX_KEY)
LINUX_SRC    := $(LINUX_DIR)/src
LINUX_KBUILD := $(LINUX_DIR)/build
LINUX_IMAGE  := $(LINUX_KBUILD)/arch/riscv/boot/Image

# The path encodes every input, so an existing Image is up to date.
linux: $(LINUX_IMAGE)
$(LINUX_IMAGE): | $(DEPS_STAMP)
	$(Q)bash image/build-linux.sh build $(LINUX_BUILD_ARGS) $(LINUX_SOURCE_TAR) $(IMAGE_CACHE)

# ---------------------------------------------------------------- userland packages
# Debian trixie riscv64: static busybox, and minicom with its libraries and terminfo.
MVM_DEBS   := busybox-static minicom libc6 libgcc-s1 gcc-14-base libtinfo6 \
              libidn2-0 libunistring5 ncurses-base
DEBS_DIR   := $(IMAGE_CACHE)/debs-$(shell bash image/fetch-debs.sh key $(MVM_DEBS))
DEBS_STAMP := $(DEBS_DIR)/root

$(DEBS_STAMP): | $(DEPS_STAMP)
	$(Q)bash image/fetch-debs.sh fetch $(IMAGE_CACHE) $(MVM_DEBS)

# ---------------------------------------------------------------- root filesystem
MVM_ROOTFS      := $(BUILD)/vm0.img
MVM_ROOTFS_SIZE ?= 128M
ROOTFS_FILES    ?=
ROOTFS_DEPS     ?=
ROOTFS_OVERLAY  := $(shell find image/rootfs -type f)
ROOTFS_SRCS      = $(foreach p,$(ROOTFS_FILES),$(firstword $(subst :, ,$(p))))

# Records the inputs that are not file contents (package set, size, file lists), so
# changing them, or removing a file, regenerates the image.
ROOTFS_INPUTS := $(IMAGE_BUILD)/rootfs.inputs
ROOTFS_KEY     = $(DEBS_DIR) $(MVM_ROOTFS_SIZE) $(ROOTFS_OVERLAY) $(ROOTFS_FILES)
$(ROOTFS_INPUTS): FORCE
	@mkdir -p $(@D)
	@echo '$(ROOTFS_KEY)' | cmp -s - $@ || echo '$(ROOTFS_KEY)' > $@

# ROOTFS_FILES and ROOTFS_DEPS are completed by fragments included after this one,
# so the prerequisites are expanded a second time, once all makefiles are read.
.SECONDEXPANSION:
rootfs: $(MVM_ROOTFS)
$(MVM_ROOTFS): image/mkrootfs.sh $(ROOTFS_OVERLAY) $(ROOTFS_INPUTS) \
               $$(ROOTFS_SRCS) $$(ROOTFS_DEPS) | $(DEBS_STAMP)
	$(Q)bash image/mkrootfs.sh $@ $(MVM_ROOTFS_SIZE) $(DEBS_STAMP) image/rootfs \
		$(IMAGE_BUILD)/rootfs $(ROOTFS_FILES)

# ---------------------------------------------------------------- native boot
MVM_BOOTARGS     := earlycon=sbi console=ttyS0 root=/dev/vda rw
MVM_QEMU_DEVICES := -drive file=$(abspath $(MVM_ROOTFS)),format=raw,if=none,id=d0 \
                    -device virtio-blk-device,drive=d0,bus=virtio-mmio-bus.0 \
                    -netdev user,id=n0 -device virtio-net-device,netdev=n0
RUN_NATIVE_QEMU  := $(QEMU) -machine virt -cpu rv64 -smp 1 -m 1G -bios default \
                    -kernel $(LINUX_IMAGE) -append "$(MVM_BOOTARGS)" $(MVM_QEMU_DEVICES) -nographic

run-native: $(LINUX_IMAGE) $(MVM_ROOTFS)
	$(RUN_NATIVE_QEMU)

# A `make test` suite (tests/tests.mk): its counts go to $(RESULTS)/e2e-native.
TEST_SUITES += test-e2e-native
test-e2e-native: $(LINUX_IMAGE) $(MVM_ROOTFS)
	$(Q)$(PYTHON) tests/e2e/test_mvm_boot.py --log $(BUILD)/e2e/native-boot.log \
		$(if $(RESULTS),--results $(RESULTS)/e2e-native) -- $(RUN_NATIVE_QEMU)
