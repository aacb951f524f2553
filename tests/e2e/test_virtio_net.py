#!/usr/bin/env python3
"""End-to-end test of the inter-VM Ethernet switch (virtio-net): `make test-e2e-net`.

Usage: test_virtio_net.py --log <transcript> [--results <file>] -- <qemu command...>

Boots the MVM under Shyper (the given QEMU command: 4 harts, 2 GiB) and checks, from its
shell, what docs/virtio.md promises: the MVM's switch NIC has 10.0.0.1/24 next to the QEMU
user NIC's 10.0.2.15; after `shyper vm config` + `vm boot` of /root/vm1.json and vm2.json
(10.0.0.2 and 10.0.0.3), the MVM pings both, the MTU is 1500 and full-size frames pass;
inside the guests (typed through their virtio consoles /dev/hvc1 and /dev/hvc2 in the MVM)
each pings the MVM and the other guest, and 1 MiB sent over TCP arrives intact; a VM with
another VM's MAC address is refused; a shut-down guest no longer answers while the others
keep talking, and answers again once booted; a removed guest's address can be configured
again.  Prints "PASS name" or "FAIL name: why" per check, then "N passed, M failed"; with
--results, also writes "N M" to that file for tests/run_suite.py's summary.
"""

import json
import os
import re
import shlex
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_session import MODULE, Failed, Guest, expect_in, main, start_daemon  # noqa: E402

MVM_MAC = "74:56:aa:0f:47:d0"  # config/mvm.c
GUESTS = {1: ("guest-os-1", "10.0.0.2", "74:56:aa:0f:47:d1"),
          2: ("guest-os-2", "10.0.0.3", "74:56:aa:0f:47:d2")}
MVM_IP = "10.0.0.1"
PING_RTT = re.compile(r"round-trip min/avg/max = ([\d.]+)/([\d.]+)/([\d.]+) ms")


def ping_ok(out, count):
    """The output of a `ping -c count` that got every answer; returns the average RTT."""
    expect_in(out, "%d packets received" % count)
    m = PING_RTT.search(out)
    if not m:
        raise Failed("no round-trip summary in %r" % out[-300:])
    return float(m.group(2))


class NetGuest(Guest):
    """A GVM with its address and MAC address on the switch."""

    def __init__(self, s, vm_id):
        name, self.ip, self.mac = GUESTS[vm_id]
        super().__init__(s, vm_id, name)

    def ping(self, ip, count=3):
        return ping_ok(self.ok("ping -c %d -W 5 %s" % (count, ip)), count)


def mac_vm_config(last_mac_byte):
    """A guest VM with only a vPLIC and a NIC whose MAC ends in last_mac_byte (not booted)."""
    return {
        "name": "mac-test", "type": "VM_T_LINUX", "cmdline": "console=hvc0",
        "image": {"kernel_filename": "Image", "kernel_load_ipa": "0x80200000",
                  "kernel_entry_point": "0x80200000", "device_tree_filename": "",
                  "device_tree_load_ipa": "0x8f000000", "ramdisk_filename": "initrd.gz",
                  "ramdisk_load_ipa": "0x8c000000"},
        "memory": {"region": [{"ipa_start": "0x80000000", "length": "0x10000000"}]},
        "cpu": {"num": 1, "allocate_bitmap": "0b0100", "master": 2},
        "emulated_device": {"emulated_device_list": [
            {"name": "plic@c000000", "base_ipa": "0xc000000", "length": "0x600000",
             "type": "EMU_DEVICE_T_PLIC"},
            {"name": "virtio_net@50000000", "base_ipa": "0x50000000", "length": "0x1000",
             "irq_id": 20, "cfg_list": ["0x74", "0x56", "0xaa", "0x0f", "0x47", last_mac_byte],
             "type": "EMU_DEVICE_T_VIRTIO_NET"}]},
    }


def run_checks(s, vm1, vm2):
    # ---------------------------------------------------------------- the MVM's NICs
    def switch_nic():
        out = s.sh("ip -o link; ip -o addr")
        m = re.search(r"^\d+: (\w+):.*link/ether %s" % MVM_MAC, out, re.M)
        if not m:
            raise Failed("no NIC with MAC %s in %r" % (MVM_MAC, out))
        if not re.search(r"^\d+: %s +inet %s/24 " % (m.group(1), MVM_IP), out, re.M):
            raise Failed("%s has no %s/24: %r" % (m.group(1), MVM_IP, out))
    s.check("mvm-switch-nic", switch_nic, needed=True)

    s.check("mvm-user-nic", lambda: ping_ok(s.sh("ping -c 1 -W 10 10.0.2.2"), 1))

    def mtu():
        # The device offers VIRTIO_NET_F_MTU (1500): Linux refuses anything larger.
        out = s.sh("nic=$(ip -o link | grep '%s' | cut -d: -f2); ip link set $nic mtu 1501; "
                   "echo status=$?; ip -o link show $nic" % MVM_MAC)
        expect_in(out, "mtu 1500 ")
        if "status=0" in out:
            raise Failed("the switch NIC took MTU 1501: %r" % out)
    s.check("mvm-mtu-1500", mtu)

    # ---------------------------------------------------------------- two guests
    def insmod():
        s.sh("insmod %s && test -e /dev/shyper" % MODULE)
        expect_in(start_daemon(s), "reporting VM state changes")
    s.check("insmod-daemon", insmod, needed=True)

    def config():
        out = s.sh("cd /root && shyper vm config vm1.json && shyper vm config vm2.json")
        expect_in(out, 'VM 1 "guest-os-1" configured', 'VM 2 "guest-os-2" configured')
    s.check("vm-config", config, needed=True)

    s.check("gvm-console-readers", lambda: (vm1.start_reader(), vm2.start_reader()),
            needed=True)
    s.check("vm-boot", lambda: s.start_guests("shyper vm boot 1 && shyper vm boot 2",
                                              'VM 2 "guest-os-2" booted', (vm1, vm2)),
            needed=True)

    def duplicate_mac():
        # A third VM whose NIC has vm1's MAC address is refused; with a fresh address the
        # same VM is accepted (so the address was the reason).
        for mac, refused in (("0xd1", True), ("0xd3", False)):
            cfg = json.dumps(mac_vm_config(mac))
            out = s.sh("printf '%%s' %s > /tmp/mac.json; cd /root && shyper vm config /tmp/mac.json"
                       % shlex.quote(cfg), status=None)
            if (s.con.last_status != 0) != refused:
                raise Failed("MAC ...:%s: `vm config` exited %d: %r"
                             % (mac[2:], s.con.last_status, out[-400:]))
            expect_in(out, 'did not create VM "mac-test"' if refused
                      else 'VM 3 "mac-test" configured')
        s.sh("shyper vm remove 3")
    s.check("duplicate-mac-refused", duplicate_mac)

    # ---------------------------------------------------------------- pings
    rtts = {}

    def mvm_ping(g):
        def fn():
            rtts["mvm-vm%d" % g.vm_id] = ping_ok(s.sh("ping -c 3 -W 5 %s" % g.ip), 3)
            out = s.sh("ip neigh show %s" % g.ip)
            expect_in(out, "lladdr %s" % g.mac)
        return fn
    s.check("mvm-ping-vm1", mvm_ping(vm1))
    s.check("mvm-ping-vm2", mvm_ping(vm2))

    # 1472 bytes of ICMP payload: 1514-byte frames, the largest the MTU allows.
    s.check("mvm-ping-full-frames",
            lambda: ping_ok(s.sh("ping -c 3 -W 5 -s 1472 %s" % vm1.ip), 3))

    def guest_ping(g, ip):
        return lambda: g.ping(ip)
    s.check("vm1-ping-mvm", guest_ping(vm1, MVM_IP))
    s.check("vm2-ping-mvm", guest_ping(vm2, MVM_IP))
    s.check("vm1-ping-vm2", guest_ping(vm1, vm2.ip))
    s.check("vm2-ping-vm1", guest_ping(vm2, vm1.ip))

    def tcp_transfer():
        # 1 MiB of random data from vm1 to the MVM over TCP: many full frames, in order.
        s.sh("{ nc -l -p 5001 > /tmp/blob 2>/dev/null & }")
        out = vm1.ok("dd if=/dev/urandom of=/tmp/blob bs=64k count=16 2>/dev/null && "
                     "md5sum /tmp/blob && nc %s 5001 < /tmp/blob" % MVM_IP)
        sent = out.split()[0]
        got = s.sh("sleep 1; md5sum /tmp/blob; ls -l /tmp/blob")
        if not got.startswith(sent):
            raise Failed("sent md5 %s, the MVM got %r" % (sent, got))
    s.check("tcp-vm1-to-mvm", tcp_transfer)

    # ---------------------------------------------------------------- a stopped guest
    def shutdown():
        expect_in(s.sh("shyper vm shutdown 2"), 'VM 2 "guest-os-2" shut down')
        out = s.sh("ping -c 3 -W 2 %s" % vm2.ip, status=1)
        expect_in(out, "0 packets received")
        ping_ok(s.sh("ping -c 3 -W 5 %s" % vm1.ip), 3)
    s.check("stopped-vm2-silent-vm1-answers", shutdown)

    s.check("vm1-ping-stopped-vm2", lambda: expect_in(
        vm1.run("ping -c 2 -W 2 %s" % vm2.ip)[0], "0 packets received"))

    def reboot():
        s.start_guests("shyper vm boot 2", 'VM 2 "guest-os-2" booted', (vm2,))
        ping_ok(s.sh("ping -c 3 -W 5 %s" % vm2.ip), 3)
    s.check("rebooted-vm2-answers", reboot)

    s.check("vm2-ping-vm1-after-reboot", guest_ping(vm2, vm1.ip))

    def remove_reconfig():
        # Removing a VM frees its MAC address: the same config is accepted again.
        out = s.sh("shyper vm remove 2 && cd /root && shyper vm config vm2.json")
        expect_in(out, 'VM 2 "guest-os-2" removed', 'VM 2 "guest-os-2" configured')
        s.sh("shyper vm remove 2")
    s.check("removed-vm-mac-free", remove_reconfig)

    for name, rtt in sorted(rtts.items()):
        print("  ping %s: avg %.3f ms" % (name, rtt), flush=True)


if __name__ == "__main__":
    sys.exit(main(__doc__, lambda s: run_checks(s, NetGuest(s, 1), NetGuest(s, 2))))
