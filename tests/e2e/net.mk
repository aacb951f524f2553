# tests/e2e/net.mk: the end-to-end test of the inter-VM Ethernet switch (virtio-net,
# docs/virtio.md).  Included by the top-level Makefile after image/gvm.mk.
#
#   make test-e2e-net   boot the MVM under Shyper, then vm1.json and vm2.json; ping between
#                       the three over the switch, a TCP transfer, a stopped guest
#                       (tests/e2e/test_virtio_net.py)
#
# QEMU runs on a private copy of vm0.img, so the test never shares a disk image with another
# QEMU (or with a rebuild of vm0.img).  The machine is that of test-e2e-gvm: 4 harts, 2 GiB.

NET_TEST_DIR  := $(BUILD)/e2e-net
NET_TEST_DISK := $(NET_TEST_DIR)/vm0.img
NET_TEST_QEMU  = $(QEMU) -machine virt -cpu rv64 -smp 4 -m 2G -bios default -nographic \
                 -no-reboot -kernel $(abspath $(BUILD)/shyper.bin) \
                 $(subst $(abspath $(MVM_ROOTFS)),$(abspath $(NET_TEST_DISK)),$(MVM_QEMU_DEVICES))

.PHONY: test-e2e-net
TEST_SUITES += test-e2e-net
test-e2e-net: all $(MVM_ROOTFS)
	@mkdir -p $(RESULTS) $(BUILD)/test-logs $(NET_TEST_DIR)
	$(Q)cp --sparse=always $(MVM_ROOTFS) $(NET_TEST_DISK)
	$(Q)$(PYTHON) tests/e2e/test_virtio_net.py --log $(BUILD)/test-logs/e2e-net.log \
		--results $(RESULTS)/e2e-net -- $(NET_TEST_QEMU)
