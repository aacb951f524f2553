#!/usr/bin/env python3
"""End-to-end test of the guest-VM lifecycle from the MVM shell: `make test-e2e-gvm`.

Usage: test_gvm_lifecycle.py --log <transcript> [--results <file>] -- <qemu command...>

Boots the MVM under Shyper (the given QEMU command: 4 harts, 2 GiB) and follows the
user's workflow of docs/management.md in its shell: insmod /root/shyper.ko, start
`shyper system daemon`, `shyper system info`, `shyper vm config /root/vm1.json`,
`vm boot`, the guest's banner "[vm1] GVM guest-os-1 up" on the machine console,
`vm list`, `vm info`, `vm stats`, `vm reboot` (the banner again), `vm shutdown`,
`vm remove` (the free memory returns to what it was), bad configurations, then two
guests sharing hart 1 (vm1.json and vm2.json) that both reach their banner and are
removed while running, and finally rmmod, insmod again and poweroff.
Prints "PASS name" or "FAIL name: why" per check, then "N passed, M failed"; with
--results, also writes "N M" to that file for tests/run_suite.py's summary.
"""

import argparse
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qemu_console import ConsoleError, QemuConsole  # noqa: E402

MVM_BOOT_TIMEOUT = 600  # seconds; the MVM boots in well under a minute on an idle machine
GVM_BOOT_TIMEOUT = 600  # a guest's Linux shares the machine with the MVM's
CMD_TIMEOUT = 180

MODULE = "/root/shyper.ko"
DAEMON_LOG = "/tmp/daemon.log"
DAEMON_PID = "/tmp/daemon.pid"
FREE_PAGES = re.compile(r"\((\d+) of (\d+) pages free\)")


def banner(vm_id, name):
    """What the guest's /init prints, as the hypervisor shows it on the machine console."""
    return r"\[vm%d\] GVM %s up" % (vm_id, re.escape(name))


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

    # -- helpers used by the checks --------------------------------------------
    def sh(self, cmd, status=0, timeout=CMD_TIMEOUT):
        """Run a shell command; fail unless it exits with `status`."""
        out = self.con.run(cmd, timeout)
        if status is not None and self.con.last_status != status:
            raise Failed("`%s` exited %d (want %d): %r" % (cmd, self.con.last_status, status,
                                                           out[-500:]))
        return out

    def expect_in(self, out, *needles):
        for n in needles:
            if n not in out:
                raise Failed("%r not in %r" % (n, out[-500:]))

    def free_pages(self):
        out = self.sh("shyper system info")
        m = FREE_PAGES.search(out)
        if not m:
            raise Failed("no free page count in %r" % out)
        return int(m.group(1))

    def vm_rows(self):
        """`vm list` as {id: (name, state, vcpus, harts, memory, devices, reason)}."""
        out = self.sh("shyper vm list")
        if not out.startswith("ID "):
            raise Failed("no table header in %r" % out)
        rows = {}
        for m in re.finditer(r"^(\d+) +(\S+) +(\S+) +(\d+) +(\S+) +(\d+ \S+) +(\d+)(?: +(.*))?$",
                             out, re.M):
            rows[int(m.group(1))] = m.groups()[1:]
        return rows

    def start_guest(self, cmd, done, banners):
        """Send a command that starts guests, check it printed `done`, and wait for every
        banner (in any order).  Commands are typed, not run(), because the guests' console
        lines share the machine console with the shell."""
        self.con.send_line(cmd)
        self.con.expect(re.escape(done), CMD_TIMEOUT)
        pending = set(banners)
        while pending:
            seen = self.con.expect("|".join("(?:%s)" % b for b in pending), GVM_BOOT_TIMEOUT)
            pending = {b for b in pending if not re.fullmatch(b, seen)}
        self.sh("true")  # back in step with the shell


def run_checks(s, state):
    # ---------------------------------------------------------------- the MVM and the module
    def boot():
        s.con.wait_prompt(MVM_BOOT_TIMEOUT)
        print("  MVM shell after %.1f s" % s.con.elapsed(), flush=True)
    s.check("mvm-boot", boot, needed=True)

    def insmod():
        out = s.sh("insmod %s && ls /dev/shyper" % MODULE)
        s.expect_in(out, "/dev/shyper")
    s.check("insmod", insmod, needed=True)

    def daemon():
        s.sh("{ shyper system daemon /root/mediated-cfg.json > %s 2>&1 & echo $! > %s; }"
             % (DAEMON_LOG, DAEMON_PID))
        out = s.sh("sleep 1; cat %s" % DAEMON_LOG)
        s.expect_in(out, "reporting VM state changes", "mediated disks are not served yet")
    s.check("daemon-start", daemon)

    def system_info():
        out = s.sh("shyper system info")
        s.expect_in(out, "harts       4 (0-3)", "VMs         1 of ")
        state["free"] = s.free_pages()
        print("  free pages: %d" % state["free"], flush=True)
    s.check("system-info", system_info, needed=True)

    # ---------------------------------------------------------------- bad configurations
    def bad_hex():
        out = s.sh("sed 's/\"length\": \"0x10000000\"/\"length\": \"0x4000000g\"/' /root/vm1.json"
                   " > /tmp/bad.json; cd /root && shyper vm config /tmp/bad.json", status=2)
        s.expect_in(out, 'bad.json: error: memory.region[0].length: "0x4000000g" is not a hex '
                    'number', "the VM was not configured")
    s.check("config-bad-field", bad_hex)

    def bad_hart():
        # The CLI checks harts against the machine the hypervisor reports (4 harts).
        out = s.sh("sed 's/\"0b0010\"/\"0b100000\"/; s/\"master\": 1/\"master\": 5/' "
                   "/root/vm1.json > /tmp/hart.json; cd /root && shyper vm config /tmp/hart.json",
                   status=2)
        s.expect_in(out, "cpu.allocate_bitmap: 0b100000 selects hart 5, but the machine has "
                    "4 harts (0..3)")
    s.check("config-missing-hart", bad_hart)

    def unsupported_device():
        net = ('"type": "EMU_DEVICE_T_PLIC" }, { "name": "virtio_net@50000000", '
               '"base_ipa": "0x50000000", "length": "0x1000", "irq_id": 20, '
               '"cfg_list": [116, 86, 170, 15, 71, 209], "type": "EMU_DEVICE_T_VIRTIO_NET"')
        out = s.sh("sed 's/\"type\": \"EMU_DEVICE_T_PLIC\"/%s/' /root/vm1.json > /tmp/net.json;"
                   " cd /root && shyper vm config /tmp/net.json" % net, status=None)
        if s.con.last_status == 0:
            raise Failed("a config with a virtio-net device was accepted: %r" % out)
        s.expect_in(out, 'did not create VM "guest-os-1"')
        if 1 in s.vm_rows():
            raise Failed("a VM was left behind")
        if s.free_pages() != state["free"]:
            raise Failed("free pages changed")
    s.check("config-unsupported-device", unsupported_device)

    # ---------------------------------------------------------------- one guest
    def config():
        out = s.sh("cd /root && shyper vm config vm1.json")
        s.expect_in(out, 'VM 1 "guest-os-1" configured')
        rows = s.vm_rows()
        if rows.get(1, (None, None))[:2] != ("guest-os-1", "configured"):
            raise Failed("vm list: %r" % rows)
    s.check("vm-config", config, needed=True)

    s.check("vm-boot", lambda: s.start_guest("shyper vm boot 1", 'VM 1 "guest-os-1" booted',
                                             [banner(1, "guest-os-1")]), needed=True)

    def listed_running():
        row = s.vm_rows().get(1)
        if not row or row[:5] != ("guest-os-1", "running", "1", "1", "256 MiB"):
            raise Failed("vm list row of VM 1: %r" % (row,))
    s.check("vm-list-running", listed_running)

    def info():
        out = s.sh("shyper vm info 1")
        vm = json.loads(out[out.index("{"):out.rindex("}") + 1])
        if (vm["id"], vm["name"], vm["state"], vm["cpu"]["harts"]) != (1, "guest-os-1",
                                                                        "running", [1]):
            raise Failed("vm info: %r" % vm)
    s.check("vm-info", info)

    def stats():
        out = s.sh("shyper vm stats 1")
        m = re.search(r"^  sbi +(\d+)$", out, re.M)
        if not m or int(m.group(1)) == 0:
            raise Failed("no SBI exits in %r" % out)
    s.check("vm-stats", stats)

    s.check("vm-reboot", lambda: s.start_guest("shyper vm reboot 1",
                                               'VM 1 "guest-os-1" rebooted',
                                               [banner(1, "guest-os-1")]))

    def shutdown():
        s.expect_in(s.sh("shyper vm shutdown 1"), 'VM 1 "guest-os-1" shut down')
        row = s.vm_rows().get(1)
        if not row or row[1] != "stopped" or row[6] != "shut down by the MVM":
            raise Failed("vm list row of VM 1: %r" % (row,))
        out = s.sh("shyper vm shutdown 1", status=1)
        s.expect_in(out, 'VM 1 "guest-os-1" is stopped')
    s.check("vm-shutdown", shutdown)

    def remove():
        s.expect_in(s.sh("shyper vm remove 1"), 'VM 1 "guest-os-1" removed')
        if 1 in s.vm_rows():
            raise Failed("VM 1 still listed")
        free = s.free_pages()
        if free != state["free"]:
            raise Failed("%d pages free, %d before the VM was configured" % (free, state["free"]))
        s.expect_in(s.sh("shyper vm boot 1", status=1), "there is no VM 1")
    s.check("vm-remove", remove, needed=True)

    def notifications():
        out = s.sh("cat %s" % DAEMON_LOG)
        s.expect_in(out, "vm1 (guest-os-1): configured: created",
                    "vm1 (guest-os-1): running: booted", "vm1 (guest-os-1): running: rebooted",
                    "vm1 (guest-os-1): stopped: shut down by the MVM", "vm1 (guest-os-1): removed")
    s.check("daemon-notifications", notifications)

    # ---------------------------------------------------------------- two guests on hart 1
    def two_configs():
        out = s.sh("cd /root && shyper vm config vm1.json && shyper vm config vm2.json")
        s.expect_in(out, 'VM 1 "guest-os-1" configured', 'VM 2 "guest-os-2" configured')
    s.check("shared-config", two_configs, needed=True)

    s.check("shared-boot", lambda: s.start_guest(
        "shyper vm boot 1; shyper vm boot 2", 'VM 2 "guest-os-2" booted',
        [banner(1, "guest-os-1"), banner(2, "guest-os-2")]), needed=True)

    def both_running():
        rows = s.vm_rows()
        for vm_id, name in ((1, "guest-os-1"), (2, "guest-os-2")):
            row = rows.get(vm_id)
            if not row or row[:4] != (name, "running", "1", "1"):
                raise Failed("vm list row of VM %d: %r" % (vm_id, row))
    s.check("shared-list", both_running)

    def remove_both():
        out = s.sh("shyper vm remove 1 && shyper vm remove 2")
        s.expect_in(out, 'VM 1 "guest-os-1" removed', 'VM 2 "guest-os-2" removed')
        rows = s.vm_rows()
        if sorted(rows) != [0]:
            raise Failed("VMs left: %r" % rows)
        free = s.free_pages()
        if free != state["free"]:
            raise Failed("%d pages free, %d before the VMs were configured" % (free, state["free"]))
    s.check("shared-remove", remove_both)

    # ---------------------------------------------------------------- the module again
    def rmmod():
        s.sh("kill $(cat %s); sleep 1" % DAEMON_PID)  # the daemon holds /dev/shyper open
        s.sh("rmmod shyper && test ! -e /dev/shyper")
        s.sh("insmod %s && shyper vm list" % MODULE)
    s.check("rmmod-insmod", rmmod)


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
        run_checks(s, {})

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
