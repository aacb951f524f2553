# image/gvm-disk.mk: the root disks of the example guest VMs, served to them as mediated
# virtio-blk disks by `shyper system daemon` (docs/mediated-blk.md).  Included by
# image/gvm.mk.
#
#   make gvm-disks   build/image/gvm/gvm1-disk.img and gvm2-disk.img: 64 MiB of ext4 each,
#                    busybox and image/gvm/init as /sbin/init (image/mkgvmdisk.sh)
#
# Appended to image/image.mk's ROOTFS_FILES: the disks as /root/gvm1-disk.img and
# /root/gvm2-disk.img, the files cli/examples/mediated-cfg.json lists.  They are sparse, so
# the MVM's rootfs holds only the few MiB they use; what the guests write into them takes
# room in the MVM's filesystem.

GVM_DISK_SIZE  := 64M
GVM_DISKS      := $(GVM_BUILD)/gvm1-disk.img $(GVM_BUILD)/gvm2-disk.img
GVM_DISK_DEPS  := image/mkgvmdisk.sh image/gvm-disk.mk $(GVM_INIT)

.PHONY: gvm-disks
gvm-disks: $(GVM_DISKS)

$(GVM_BUILD)/gvm%-disk.img: $(GVM_DISK_DEPS) | $(DEBS_STAMP)
	@echo "  DISK    $@"
	$(Q)bash image/mkgvmdisk.sh $@ $(GVM_DISK_SIZE) $(GVM_BUSYBOX) $(GVM_INIT) $(@:.img=.stage)

ROOTFS_FILES += $(foreach d,$(GVM_DISKS),$(d):/root/$(notdir $(d)))
