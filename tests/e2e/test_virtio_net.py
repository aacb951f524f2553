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

import argparse
import json
import os
import re
import shlex
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qemu_console import ConsoleError, QemuConsole  # noqa: E402

MVM_BOOT_TIMEOUT = 600  # seconds; well under a minute on an idle machine
GVM_BOOT_TIMEOUT = 600  # two guests' Linux share one hart with each other
CMD_TIMEOUT = 180

MODULE = "/root/shyper.ko"
MVM_MAC = "74:56:aa:0f:47:d0"  # config/mvm.c
GUESTS = {1: ("guest-os-1", "10.0.0.2", "74:56:aa:0f:47:d1"),
          2: ("guest-os-2", "10.0.0.3", "74:56:aa:0f:47:d2")}
MVM_IP = "10.0.0.1"
PING_RTT = re.compile(r"round-trip min/avg/max = ([\d.]+)/([\d.]+)/([\d.]+) ms")


class Failed(Exception):
    """A check failed; the message says why."""


class Session:
    """Checks run in order; each records PASS or FAIL.  After a failed check that later
    ones depend on (`needed`), those are recorded as failed without running."""

    def __init__(self, con):
        self.con = con
        self.passed = 0
        self.failed = 0
        self.broken = None  # the check whose failure stops the rest

    def check(self, name, fn, needed=False):
        if self.broken:
            return self._record(name, "not run: %s failed" % self.broken)
        try:
            fn()
            self._record(name, None)
        except (Failed, ConsoleError) as e:
            self._record(name, str(e))
            if needed or isinstance(e, ConsoleError):
                self.broken = name

    def _record(self, name, why):
        if why is None:
            self.passed += 1
            print("PASS %s" % name, flush=True)
        else:
            self.failed += 1
            print("FAIL %s: %s" % (name, why), flush=True)

    def sh(self, cmd, status=0, timeout=CMD_TIMEOUT):
        """Run a shell command in the MVM; fail unless it exits with `status`."""
        out = self.con.run(cmd, timeout)
        if status is not None and self.con.last_status != status:
            raise Failed("`%s` exited %d (want %d): %r" % (cmd, self.con.last_status, status,
                                                           out[-500:]))
        return out


def expect_in(out, *needles):
    for n in needles:
        if n not in out:
            raise Failed("%r not in %r" % (n, out[-500:]))


def ping_ok(out, count):
    """The output of a `ping -c count` that got every answer; returns the average RTT."""
    expect_in(out, "%d packets received" % count)
    m = PING_RTT.search(out)
    if not m:
        raise Failed("no round-trip summary in %r" % out[-300:])
    return float(m.group(2))


class Guest:
    """A GVM's shell, typed through its virtio console, /dev/hvcN in the MVM for VM N.

    A reader in the MVM copies everything the guest prints to a log file (the device in raw
    mode, so the MVM's tty neither echoes nor translates).  A command is written to the
    device between two echo markers, as QemuConsole.run() does on the machine console: the
    markers as printed differ from the typed line, so the output between them is exactly the
    command's.  Without the device (no virtio console in this build) the guest cannot be
    typed into and its checks fail saying so."""

    def __init__(self, s, vm_id):
        self.s = s
        self.vm_id = vm_id
        self.name, self.ip, self.mac = GUESTS[vm_id]
        self.dev = "/dev/hvc%d" % vm_id
        self.log = "/tmp/hvc%d.log" % vm_id
        self.reading = False
        self.seq = 0
        self.banners = 0  # banners seen so far

    def banner(self):
        """What the guest's /init prints once its network is configured."""
        return "GVM %s up" % self.name

    def start_reader(self):
        """Start copying the console to the log, if the MVM has the device."""
        # The node exists without a console behind it too; opening it fails then.
        self.s.sh("( : < %s ) 2>/dev/null" % self.dev, status=None)
        if self.s.con.last_status != 0:
            return False
        self.s.sh("{ { stty raw -echo; exec cat; } < %s > %s 2>&1 & }" % (self.dev, self.log))
        self.reading = True
        return True

    def need_console(self):
        if not self.reading:
            raise Failed("no %s in the MVM: the guest's virtio console is needed to type into it"
                         % self.dev)

    def wait_banner(self, timeout=GVM_BOOT_TIMEOUT):
        """Wait for one more banner on the console log."""
        self.banners += 1
        self.s.sh("timeout %d sh -c 'until [ $(grep -c \"%s\" %s) -ge %d ]; do sleep 1; done'"
                  % (timeout, self.banner(), self.log, self.banners),
                  timeout=timeout + 60)

    def run(self, cmd, timeout=CMD_TIMEOUT):
        """Run `cmd` in the guest's shell; returns (output, exit status)."""
        self.need_console()
        self.seq += 1
        n = self.seq
        line = 'echo "@@GVM""-BEGIN-%d@@"; %s; echo "@@GVM""-END-%d:$?@@"' % (n, cmd, n)
        self.s.sh("printf '%%s\\n' %s > %s" % (shlex.quote(line), self.dev))
        self.s.sh("timeout %d sh -c 'until grep -q \"@@GVM-END-%d:\" %s; do sleep 0.2; done'"
                  % (timeout, n, self.log), timeout=timeout + 60)
        out = self.s.sh("sed -n '/@@GVM-BEGIN-%d@@/,/@@GVM-END-%d:/p' %s" % (n, n, self.log))
        m = re.search(r"@@GVM-BEGIN-%d@@\n(.*)@@GVM-END-%d:(\d+)@@" % (n, n), out, re.S)
        if not m:
            raise Failed("no output markers of %r in %r" % (cmd, out[-300:]))
        return m.group(1), int(m.group(2))

    def ping(self, ip, count=3):
        out, status = self.run("ping -c %d -W 5 %s" % (count, ip))
        if status != 0:
            raise Failed("ping %s from vm%d exited %d: %r" % (ip, self.vm_id, status, out[-300:]))
        return ping_ok(out, count)


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


def expect_each(s, patterns, timeout=GVM_BOOT_TIMEOUT):
    """Wait until each regex of `patterns` was printed on the machine console, in any order."""
    pending = set(patterns)
    while pending:
        seen = s.con.expect("|".join("(?:%s)" % p for p in pending), timeout)
        pending = {p for p in pending if not re.fullmatch(p, seen)}


def boot_guests(s, guests, cmd, done):
    """Send a command that boots guests, check it printed `done`, wait for every banner.
    Typed, not run(): the guests' early boot lines (SBI console, "[vmN] " prefix) share the
    machine console with the shell.  With virtio consoles, once each guest has left the SBI
    console the banners are awaited in the console logs; without, on the machine console."""
    s.con.send_line(cmd)
    s.con.expect(re.escape(done), CMD_TIMEOUT)
    if all(g.reading for g in guests):
        expect_each(s, [r"\[vm%d\] [^\n]*bootconsole \[sbi0\] disabled" % g.vm_id
                        for g in guests])
        s.sh("true")  # back in step with the shell
        for g in guests:
            g.wait_banner()
        return
    expect_each(s, [r"\[vm%d\] %s" % (g.vm_id, re.escape(g.banner())) for g in guests])
    s.sh("true")


def run_checks(s, vm1, vm2):
    # ---------------------------------------------------------------- the MVM's NICs
    def boot():
        s.con.wait_prompt(MVM_BOOT_TIMEOUT)
        print("  MVM shell after %.1f s" % s.con.elapsed(), flush=True)
    s.check("mvm-boot", boot, needed=True)

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
        s.sh("insmod %s" % MODULE)
        s.sh("{ shyper system daemon /root/mediated-cfg.json > /tmp/daemon.log 2>&1 & }")
        s.sh("sleep 1; test -e /dev/shyper")
    s.check("insmod-daemon", insmod, needed=True)

    def config():
        out = s.sh("cd /root && shyper vm config vm1.json && shyper vm config vm2.json")
        expect_in(out, 'VM 1 "guest-os-1" configured', 'VM 2 "guest-os-2" configured')
    s.check("vm-config", config, needed=True)

    def readers():
        for g in (vm1, vm2):
            print("  vm%d console %s: %s" % (g.vm_id, g.dev,
                                             "in use" if g.start_reader() else "absent"),
                  flush=True)
    s.check("gvm-console-readers", readers, needed=True)

    s.check("vm-boot", lambda: boot_guests(s, (vm1, vm2), "shyper vm boot 1; shyper vm boot 2",
                                           'VM 2 "guest-os-2" booted'), needed=True)

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
        out, status = vm1.run("dd if=/dev/urandom of=/tmp/blob bs=64k count=16 2>/dev/null && "
                              "md5sum /tmp/blob && nc %s 5001 < /tmp/blob" % MVM_IP)
        if status != 0:
            raise Failed("sending from vm1 exited %d: %r" % (status, out[-300:]))
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
        boot_guests(s, (vm2,), "shyper vm boot 2", 'VM 2 "guest-os-2" booted')
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


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--log", required=True, help="console transcript file")
    ap.add_argument("--results", help="file to write 'passed failed' counts to")
    ap.add_argument("qemu", nargs=argparse.REMAINDER, help="-- QEMU command")
    args = ap.parse_args()
    qemu = args.qemu[1:] if args.qemu[:1] == ["--"] else args.qemu
    if not qemu:
        ap.error("no QEMU command given")

    with QemuConsole(qemu, args.log) as con:
        s = Session(con)
        run_checks(s, Guest(s, 1), Guest(s, 2))

        def poweroff():
            status = con.poweroff(CMD_TIMEOUT)
            if status != 0:
                raise Failed("QEMU exit status %s" % status)
        s.check("poweroff", poweroff)

    print("  transcript: %s" % args.log)
    print("%d passed, %d failed" % (s.passed, s.failed))
    if args.results:
        os.makedirs(os.path.dirname(os.path.abspath(args.results)), exist_ok=True)
        with open(args.results, "w") as f:
            f.write("%d %d\n" % (s.passed, s.failed))
    return 1 if s.failed else 0


if __name__ == "__main__":
    sys.exit(main())
