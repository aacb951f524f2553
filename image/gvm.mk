# image/gvm.mk: what the MVM needs to run guest VMs from its shell, and the end-to-end test
# of the GVM lifecycle.  Included by the top-level Makefile after image/image.mk.
#
#   make gvm-initrd     build/image/gvm/initrd.gz: a busybox initramfs for GVMs without a disk
#                       (the examples boot from their mediated disks, image/gvm-disk.mk)
#   make test-e2e-gvm   boot the MVM under Shyper; configure, boot, list, reboot and remove
#                       GVMs through shyper.ko and the CLI (tests/e2e/test_gvm_lifecycle.py)
#
# Appended to image/image.mk's ROOTFS_FILES: /root/Image (the GVM kernel, which is the MVM's
# kernel) and /root/initrd.gz; image/gvm-disk.mk adds the guests' root disks.

GVM_BUILD      := $(IMAGE_BUILD)/gvm
GVM_INITRD     := $(GVM_BUILD)/initrd.gz
GVM_CPIO_LIST  := $(GVM_BUILD)/initramfs.list
GVM_INIT       := image/gvm/init
GVM_BUSYBOX     = $(DEBS_STAMP)/usr/bin/busybox
GEN_INIT_CPIO   = $(LINUX_KBUILD)/usr/gen_init_cpio
# Fixed mtimes keep the archive identical from build to build.
GVM_CPIO_EPOCH := 0

.PHONY: gvm-initrd test-e2e-gvm
gvm-initrd: $(GVM_INITRD)

$(GVM_INITRD): $(GVM_INIT) image/gvm.mk $(LINUX_IMAGE) | $(DEBS_STAMP)
	@mkdir -p $(@D)
	@echo "  CPIO    $@"
	$(Q)printf '%s\n' \
		'dir /bin 0755 0 0' 'dir /dev 0755 0 0' 'dir /proc 0755 0 0' 'dir /sys 0755 0 0' \
		'dir /root 0700 0 0' 'dir /tmp 1777 0 0' 'nod /dev/console 0600 0 0 c 5 1' \
		'file /bin/busybox $(GVM_BUSYBOX) 0755 0 0' 'slink /bin/sh busybox 0777 0 0' \
		'file /init $(abspath $(GVM_INIT)) 0755 0 0' > $(GVM_CPIO_LIST)
	$(Q)$(GEN_INIT_CPIO) -t $(GVM_CPIO_EPOCH) $(GVM_CPIO_LIST) | gzip -9n > $@.tmp
	$(Q)mv $@.tmp $@

ROOTFS_FILES += $(LINUX_IMAGE):/root/Image $(GVM_INITRD):/root/initrd.gz

include image/gvm-disk.mk

# ---------------------------------------------------------------- end-to-end test
# A `make test` suite (tests/tests.mk): its counts go to $(RESULTS)/e2e-gvm.  The machine is
# fixed (4 harts, 2 GiB) because the example configs name harts and the test counts memory.
GVM_TEST_QEMU = $(QEMU) -machine virt -cpu rv64 -smp 4 -m 2G -bios default -nographic \
                -no-reboot -kernel $(abspath $(BUILD)/shyper.bin) $(MVM_QEMU_DEVICES)

TEST_SUITES += test-e2e-gvm
test-e2e-gvm: all $(MVM_ROOTFS)
	@mkdir -p $(RESULTS) $(BUILD)/test-logs
	$(Q)$(PYTHON) tests/e2e/test_gvm_lifecycle.py --log $(BUILD)/test-logs/e2e-gvm.log \
		--results $(RESULTS)/e2e-gvm -- $(GVM_TEST_QEMU)
