# tests/e2e/blk.mk: the end-to-end test of mediated virtio-blk (docs/mediated-blk.md).
# Included by the top-level Makefile after image/gvm.mk.
#
#   make test-e2e-blk   boot the MVM under Shyper, serve the guests' disks with
#                       `shyper system daemon`, boot vm1.json from its disk, write 16 MiB,
#                       reboot and compare, kill and restart the daemon, a missing image
#                       (tests/e2e/test_mediated_blk.py)
#
# The same machine under -icount is the one of the guest VM benchmarks (make bench-gvm,
# tests/bench/bench.mk).
#
# QEMU runs on a private copy of vm0.img (the guests write into the disk images inside it),
# so the test never shares a disk image with another QEMU or a rebuild of vm0.img.  The
# machine is that of test-e2e-gvm: 4 harts, 2 GiB.

BLK_TEST_DIR  := $(BUILD)/e2e-blk
BLK_TEST_DISK := $(BLK_TEST_DIR)/vm0.img
BLK_TEST_QEMU  = $(QEMU) -machine virt -cpu rv64 -smp 4 -m 2G -bios default -nographic \
                 -no-reboot -kernel $(abspath $(BUILD)/shyper.bin) \
                 $(subst $(abspath $(MVM_ROOTFS)),$(abspath $(BLK_TEST_DISK)),$(MVM_QEMU_DEVICES))

.PHONY: test-e2e-blk
TEST_SUITES += test-e2e-blk
test-e2e-blk: all $(MVM_ROOTFS)
	@mkdir -p $(RESULTS) $(BUILD)/test-logs $(BLK_TEST_DIR)
	$(Q)cp --sparse=always $(MVM_ROOTFS) $(BLK_TEST_DISK)
	$(Q)$(PYTHON) tests/e2e/test_mediated_blk.py --log $(BUILD)/test-logs/e2e-blk.log \
		--results $(RESULTS)/e2e-blk -- $(BLK_TEST_QEMU)
