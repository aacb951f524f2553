#!/usr/bin/env python3
"""End-to-end test of the guest-VM lifecycle from the MVM shell: `make test-e2e-gvm`.

Usage: test_gvm_lifecycle.py --log <transcript> [--results <file>] -- <qemu command...>

Boots the MVM under Shyper (the given QEMU command: 4 harts, 2 GiB) and follows the
user's workflow of docs/management.md in its shell: insmod /root/shyper.ko, start
`shyper system daemon`, `shyper system info`, the MVM's virtio consoles /dev/hvc1..hvc4
reaching VMs 1..4 (docs/virtio.md), `shyper vm config /root/vm1.json`, `vm boot`, the
guest's boot log and banner "GVM guest-os-1 up" on the MVM's /dev/hvc1, a command typed
into the guest through /dev/hvc1 and its output, the same through real `minicom -D
/dev/hvc1`, `vm list`, `vm info`, `vm stats`, `vm reboot` (the banner again), `vm shutdown`
(output to a stopped guest is dropped), `vm remove` (the free memory returns to what it
was), bad configurations, then two guests sharing hart 1 (vm1.json and vm2.json) that
both reach their banner, each on its own console, and are removed while running, and
finally rmmod, insmod again and poweroff.
Prints "PASS name" or "FAIL name: why" per check, then "N passed, M failed"; with
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

MVM_BOOT_TIMEOUT = 600  # seconds; the MVM boots in well under a minute on an idle machine
GVM_BOOT_TIMEOUT = 600  # a guest's Linux shares the machine with the MVM's
CMD_TIMEOUT = 180
LOG_TIMEOUT = 30  # a hypervisor log line that a command causes at once

MODULE = "/root/shyper.ko"
DAEMON_LOG = "/tmp/daemon.log"
DAEMON_PID = "/tmp/daemon.pid"
FREE_PAGES = re.compile(r"\((\d+) of (\d+) pages free\)")


GUESTS = {1: "guest-os-1", 2: "guest-os-2"}  # cli/examples/vm1.json, vm2.json
GVM_CONSOLE = 0x40001000  # every guest's console; the MVM's for VM n is at 0x4000n000
MVM_CONSOLES = 4  # config/mvm.c: /dev/hvc1../dev/hvc4 for VMs 1..4


def early_console_done(vm_id):
    """The guest's last line on the SBI console (earlycon), as the hypervisor prints it on
    the machine console: from then on its kernel and /init write to its virtio console."""
    return r"\[vm%d\] [^\n]*bootconsole \[sbi0\] disabled" % vm_id


def console_drop(vm_id, why):
    """The hypervisor's warning when the MVM's console for VM vm_id drops output."""
    return (r"vm0: virtio_console@%x: dropping output \(\d+ bytes so far\): peer vm%d console "
            r"at 0x%x: %s" % (0x40000000 + vm_id * 0x1000, vm_id, GVM_CONSOLE, re.escape(why)))


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

    def start_guest(self, cmd, done, consoles):
        """Send a command that starts guests, check it printed `done`, wait until each guest
        has left the SBI console (the machine console is the shell's alone again), then for
        one more banner on each guest's console.  Typed, not run(), because the guests' early
        boot lines share the machine console with the shell."""
        self.con.send_line(cmd)
        self.con.expect(re.escape(done), CMD_TIMEOUT)
        pending = {early_console_done(c.vm_id) for c in consoles}
        while pending:
            seen = self.con.expect("|".join("(?:%s)" % p for p in pending), GVM_BOOT_TIMEOUT)
            pending = {p for p in pending if not re.fullmatch(p, seen)}
        self.sh("true")  # back in step with the shell
        for c in consoles:
            c.wait_banner()

    def expect_log(self, cmd, pattern):
        """Type a command whose effect is a hypervisor log line on the machine console."""
        self.con.send_line(cmd)
        try:
            self.con.expect(pattern, LOG_TIMEOUT)
        except ConsoleError:
            self.sh("true")  # QEMU is still there: back in step, and only this check fails
            raise Failed("`%s` did not log /%s/" % (cmd, pattern))
        self.sh("true")


class Hvc:
    """The MVM's end of VM n's virtio console, /dev/hvcN: the guest's console.

    A reader in the MVM copies everything the guest prints to a log file, with the device in
    raw mode, so that the MVM's tty neither echoes the guest's output back to it nor
    translates it.  The reader starts before the guest boots: Linux's tty layer echoes what
    it receives until `stty` sets raw mode, so output buffered while the device was closed
    would come back to the guest as typed input.  A command is typed into the guest between
    two echo markers, as QemuConsole.run() does on the machine console: the markers as
    printed differ from the typed line, so the output between them is exactly the command's."""

    def __init__(self, s, vm_id):
        self.s = s
        self.vm_id = vm_id
        self.name = GUESTS[vm_id]
        self.dev = "/dev/hvc%d" % vm_id
        self.log = "/tmp/hvc%d.log" % vm_id
        self.pid = "/tmp/hvc%d.pid" % vm_id
        self.seq = 0
        self.banners = 0  # banners seen so far

    def banner(self):
        return "GVM %s up" % self.name

    def start_reader(self, fresh=False):
        """Start copying the console to the log: a new log, or appending to it.  (The MVM's
        /tmp is on its disk: a fresh log must not find an earlier run's.)"""
        self.s.sh("{ { stty raw -echo; exec cat; } < %s %s %s 2>&1 & echo $! > %s; }"
                  % (self.dev, ">" if fresh else ">>", self.log, self.pid))

    def stop_reader(self):
        self.s.sh("kill $(cat %s)" % self.pid)

    def count(self, pattern):
        """Lines of the log matching pattern (a basic regular expression)."""
        return int(self.s.sh("grep -c %s %s" % (shlex.quote(pattern), self.log), status=None))

    def wait_banner(self, timeout=GVM_BOOT_TIMEOUT):
        """Wait for one more banner on the console log."""
        self.banners += 1
        self.s.sh("timeout %d sh -c 'until [ $(grep -c \"%s\" %s) -ge %d ]; do sleep 1; done'"
                  % (timeout, self.banner(), self.log, self.banners), timeout=timeout + 60)

    def run(self, cmd, timeout=CMD_TIMEOUT):
        """Type `cmd` into the guest's shell; returns its output."""
        self.seq += 1
        n = self.seq
        line = 'echo "@@GVM""-BEGIN-%d@@"; %s; echo "@@GVM""-END-%d:$?@@"' % (n, cmd, n)
        self.s.sh("printf '%%s\\n' %s > %s" % (shlex.quote(line), self.dev))
        self.s.sh("timeout %d sh -c 'until grep -q \"@@GVM-END-%d:\" %s; do sleep 0.2; done'"
                  % (timeout, n, self.log), timeout=timeout + 60)
        out = self.s.sh("sed -n '/@@GVM-BEGIN-%d@@/,/@@GVM-END-%d:/p' %s" % (n, n, self.log))
        m = re.search(r"@@GVM-BEGIN-%d@@\n(.*)@@GVM-END-%d:(\d+)@@" % (n, n), out, re.S)
        if not m or m.group(2) != "0":
            raise Failed("`%s` in vm%d: %r" % (cmd, self.vm_id, out[-300:]))
        return m.group(1)


def run_checks(s, state):
    hvc = {vm_id: Hvc(s, vm_id) for vm_id in GUESTS}

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
        s.expect_in(out, "reporting VM state changes", "serving 2 mediated disks")
    s.check("daemon-start", daemon)

    def system_info():
        out = s.sh("shyper system info")
        s.expect_in(out, "harts       4 (0-3)", "VMs         1 of ")
        state["free"] = s.free_pages()
        print("  free pages: %d" % state["free"], flush=True)
    s.check("system-info", system_info, needed=True)

    def console_mapping():
        # Before any guest exists, output to /dev/hvcN is dropped by the MVM's console for
        # VM N (at 0x4000N000), which says so: hvcN <-> VM N for each of them.
        for n in range(1, MVM_CONSOLES + 1):
            s.expect_log("echo probe > /dev/hvc%d" % n, console_drop(n, "no console there"))
    s.check("console-mapping", console_mapping)

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
        # Rust-Shyper's emulated UART: the CLI knows the type, the hypervisor has no such device.
        uart = ('"type": "EMU_DEVICE_T_PLIC" }, { "name": "console@60000000", '
                '"base_ipa": "0x60000000", "length": "0x1000", "type": "EMU_DEVICE_T_CONSOLE"')
        out = s.sh("sed 's/\"type\": \"EMU_DEVICE_T_PLIC\"/%s/' /root/vm1.json > /tmp/uart.json;"
                   " cd /root && shyper vm config /tmp/uart.json" % uart, status=None)
        if s.con.last_status == 0:
            raise Failed("a config with an emulated UART was accepted: %r" % out)
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

    def console_not_running():
        hvc[1].start_reader(fresh=True)
        s.expect_log("echo probe > /dev/hvc1", console_drop(1, "its VM is not running"))
    s.check("console-configured-peer", console_not_running, needed=True)

    s.check("vm-boot", lambda: s.start_guest("shyper vm boot 1", 'VM 1 "guest-os-1" booted',
                                             [hvc[1]]), needed=True)

    def console_boot_log():
        # The kernel's lines from the virtio console's start on, then its init's banner.
        for line in ("Run /.*init as init process", "GVM guest-os-1 up"):
            if hvc[1].count(line) != 1:
                raise Failed("%r is not once in the guest's console log %s:\n%s"
                             % (line, hvc[1].log, s.sh("tail -c 1500 %s" % hvc[1].log)))
    s.check("console-boot-log", console_boot_log)

    def console_command():
        out = hvc[1].run("uname -r; echo token-$((6*7)); hostname")
        release = s.sh("uname -r").strip()  # the guests run the MVM's kernel
        if out.split() != [release, "token-42", "guest-os-1"]:
            raise Failed("typed `uname -r; echo token-$((6*7)); hostname`, got %r" % out)
    s.check("console-command", console_command)

    def console_minicom():
        # The guide's `minicom -D /dev/hvc1`, driven by a runscript (-S) that types a command
        # and waits; -C captures the session.  (The script does not `expect` the output: what
        # a runscript expects does not reliably reach the screen and the capture.)  The
        # reader steps aside meanwhile.
        hvc[1].stop_reader()
        s.sh("printf '%s\\n' 'send \"echo MINICOM | tr A-Z a-z\"' 'sleep 3' "
             "> /tmp/minicom.script; rm -f /tmp/minicom.cap")
        s.sh("timeout 8 minicom -o -D /dev/hvc1 -C /tmp/minicom.cap -S /tmp/minicom.script",
             status=None)
        cap = s.sh("cat /tmp/minicom.cap")
        hvc[1].start_reader()
        if not re.search(r"echo MINICOM \| tr A-Z a-z\n+minicom\n", cap):
            raise Failed("minicom's capture: %r" % cap[-500:])
    s.check("console-minicom", console_minicom)

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
                                               'VM 1 "guest-os-1" rebooted', [hvc[1]]))

    def shutdown():
        s.expect_in(s.sh("shyper vm shutdown 1"), 'VM 1 "guest-os-1" shut down')
        row = s.vm_rows().get(1)
        if not row or row[1] != "stopped" or row[6] != "shut down by the MVM":
            raise Failed("vm list row of VM 1: %r" % (row,))
        out = s.sh("shyper vm shutdown 1", status=1)
        s.expect_in(out, 'VM 1 "guest-os-1" is stopped')
    s.check("vm-shutdown", shutdown)

    def console_stopped_peer():
        # Output to a stopped guest is dropped at once: the MVM's write never waits.
        s.expect_log("echo probe > /dev/hvc1", console_drop(1, "its VM is not running"))
    s.check("console-stopped-peer", console_stopped_peer)

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

    def shared_boot():
        hvc[2].start_reader(fresh=True)
        s.start_guest("shyper vm boot 1; shyper vm boot 2", 'VM 2 "guest-os-2" booted',
                      [hvc[1], hvc[2]])
    s.check("shared-boot", shared_boot, needed=True)

    def shared_consoles():
        # Each guest on its own console: its banner, and a typed command answered by it.
        for vm_id, other in ((1, 2), (2, 1)):
            if hvc[vm_id].count(hvc[other].banner()):
                raise Failed("%s's banner on %s" % (hvc[other].name, hvc[vm_id].dev))
            name = hvc[vm_id].run("hostname").strip()
            if name != GUESTS[vm_id]:
                raise Failed("`hostname` typed into %s answered %r" % (hvc[vm_id].dev, name))
    s.check("shared-consoles", shared_consoles)

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
        for c in hvc.values():
            c.stop_reader()
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
