# kmod/kmod.mk: shyper.ko, the MVM's kernel module, included by the top-level Makefile.
#
#   make kmod    build/kmod/shyper.ko, built against image/image.mk's kernel
#
# Linux 6.12's kbuild writes an external module's objects next to its sources (MO= comes
# with 6.13), so the sources are linked into build/kmod and the module is built there;
# the source tree stays clean.
# Appended to image/image.mk's ROOTFS_FILES / ROOTFS_DEPS: the module as /root/shyper.ko.

KMOD_BUILD := $(BUILD)/kmod
KMOD_KO    := $(KMOD_BUILD)/shyper.ko
KMOD_SRCS  := $(sort $(wildcard kmod/*.c kmod/*.h)) kmod/Kbuild
KMOD_DEPS  := $(KMOD_SRCS) include/shyper/hypercall.h include/shyper/ioctl.h

.PHONY: kmod
kmod: $(KMOD_KO)

$(KMOD_KO): $(KMOD_DEPS) $(LINUX_IMAGE) | $(DEPS_STAMP)
	@mkdir -p $(KMOD_BUILD)
	$(Q)find $(KMOD_BUILD) -maxdepth 1 -type l -delete
	$(Q)ln -s $(abspath $(KMOD_SRCS)) $(KMOD_BUILD)/
	@echo "  KMOD    $@"
	$(Q)$(MAKE) --no-print-directory -C $(LINUX_KBUILD) M=$(abspath $(KMOD_BUILD)) \
		ARCH=riscv CROSS_COMPILE=$(CROSS_COMPILE) SHYPER_INCLUDE=$(abspath include) \
		$(if $(Q),,V=1) modules
	$(Q)touch $@

ROOTFS_FILES += $(KMOD_KO):/root/shyper.ko
ROOTFS_DEPS  += $(KMOD_KO)
