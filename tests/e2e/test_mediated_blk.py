#!/usr/bin/env python3
"""End-to-end test of mediated virtio-blk (docs/mediated-blk.md): `make test-e2e-blk`.

Usage: test_mediated_blk.py --log <transcript> [--results <file>] -- <qemu command...>

Boots the MVM under Shyper (the given QEMU command: 4 harts, 2 GiB) and, from its shell,
follows docs/management.md: insmod, `shyper system daemon /root/mediated-cfg.json &`, then
/root/vm1.json, whose root filesystem is its mediated disk /root/gvm1-disk.img.  Inside the
guest (typed through its virtio console, /dev/hvc1 in the MVM): the root is /dev/vda with the
disk's size and serial; a second VM naming the same disk is refused; a 16 MiB file written
from /dev/urandom has the same md5sum after `shyper vm reboot 1`; the raw disk reads with
O_DIRECT.  A second daemon is refused.  Killing the daemon makes the guest's disk I/O fail
while the guest, the MVM and the hypervisor go on; a new daemon serves the disk again (its
raw reads at once; the same md5sum after a reboot, as the guest's file system may have shut
itself down after write errors).  A daemon whose list names a missing image serves the others,
and the guest on the missing one (vm2.json) gets I/O errors instead of a root filesystem.
Prints "PASS name" or "FAIL name: why" per check, then "N passed, M failed"; with
--results, also writes "N M" to that file for tests/run_suite.py's summary.
"""

import argparse
import os
import re
import shlex
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qemu_console import ConsoleError, QemuConsole  # noqa: E402

MVM_BOOT_TIMEOUT = 600  # seconds; well under a minute on an idle machine
GVM_BOOT_TIMEOUT = 600
CMD_TIMEOUT = 180
IO_TIMEOUT = 900  # 16 MiB through the emulated machine

MODULE = "/root/shyper.ko"
DAEMON_LOG = "/tmp/daemon.log"
DAEMON_PID = "/tmp/daemon.pid"
DISK_SECTORS = 131072  # cli/examples/vm1.json and image/gvm-disk.mk: 64 MiB
BLOB = "/root/blob"
MD5 = re.compile(r"\b([0-9a-f]{32})\b")


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


def mvm_says(s, cmd, needle, status=0):
    """Run `cmd` in the MVM; fail unless it exits with `status` and prints `needle`."""
    s.sh("%s > /tmp/cmd.out 2>&1; echo $? > /tmp/cmd.status" % cmd)
    check_output(s, cmd, needle, status)


def check_output(s, cmd, needle, status):
    out = s.sh("cat /tmp/cmd.status; grep -cF %s /tmp/cmd.out" % shlex.quote(needle),
               status=None)
    if out.split() != [str(status), "1"]:
        raise Failed("`%s` (want status %d and %r): status and matches %r; output %r"
                     % (cmd, status, needle, out.split(), s.sh("cat /tmp/cmd.out")[-400:]))


def start_guest(s, cmd, vm_id, needle):
    """Run `cmd`, which (re)starts guest vm_id, and check it printed `needle`.  Until the
    guest's virtio console is up its kernel prints on the SBI console, which the hypervisor
    shows on the machine console too: the shell waits for that to end, so that the lines do
    not mix."""
    s.con.send_line("%s > /tmp/cmd.out 2>&1; echo $? > /tmp/cmd.status" % cmd)
    s.con.expect(r"\[vm%d\] \[ *[\d.]+\] printk: legacy bootconsole \[sbi0\] disabled" % vm_id,
                 GVM_BOOT_TIMEOUT)
    s.sh("true")  # back in step with the shell
    check_output(s, cmd, needle, 0)


def expect_in(out, *needles):
    for n in needles:
        if n not in out:
            raise Failed("%r not in %r" % (n, out[-500:]))


class Guest:
    """A GVM's shell, typed through its virtio console, /dev/hvcN in the MVM for VM N.

    A reader in the MVM copies everything the guest prints to a log file (the device in raw
    mode, so that the MVM's tty neither echoes nor translates).  A command goes to the device
    between two echo markers whose printed form differs from the typed line, so the output
    between them is exactly the command's."""

    def __init__(self, s, vm_id, name):
        self.s = s
        self.vm_id = vm_id
        self.name = name
        self.dev = "/dev/hvc%d" % vm_id
        self.log = "/tmp/hvc%d.log" % vm_id
        self.seq = 0
        self.banners = 0

    def start_reader(self):
        # The node exists without a console behind it too; opening it fails then.
        self.s.sh("( : < %s ) 2>/dev/null" % self.dev, status=None)
        if self.s.con.last_status != 0:
            raise Failed("no %s in the MVM: the guest's virtio console is needed to type "
                         "into it" % self.dev)
        self.s.sh("{ { stty raw -echo; exec cat; } < %s > %s 2>&1 & }" % (self.dev, self.log))

    def wait_for(self, text, count, timeout=GVM_BOOT_TIMEOUT):
        """Wait until `text` was printed `count` times on the console."""
        until = "until [ $(grep -c %s %s) -ge %d ]; do sleep 1; done" % (shlex.quote(text),
                                                                          self.log, count)
        self.s.sh("timeout %d sh -c %s" % (timeout, shlex.quote(until)), timeout=timeout + 60)

    def wait_banner(self):
        self.banners += 1
        self.wait_for("GVM %s up" % self.name, self.banners)

    def run(self, cmd, timeout=CMD_TIMEOUT):
        """Run `cmd` in the guest's shell; returns (output, exit status)."""
        self.seq += 1
        n = self.seq
        line = 'echo "@@GVM""-BEGIN-%d@@"; %s; echo "@@GVM""-END-%d:$?@@"' % (n, cmd, n)
        self.s.sh("printf '%%s\\n' %s > %s" % (shlex.quote(line), self.dev))
        self.s.sh("timeout %d sh -c 'until grep -q \"@@GVM-END-%d:\" %s; do sleep 0.5; done'"
                  % (timeout, n, self.log), timeout=timeout + 60)
        out = self.s.sh("sed -n '/@@GVM-BEGIN-%d@@/,/@@GVM-END-%d:/p' %s" % (n, n, self.log))
        m = re.search(r"@@GVM-BEGIN-%d@@\n(.*)@@GVM-END-%d:(\d+)@@" % (n, n), out, re.S)
        if not m:
            raise Failed("no output markers of %r in %r" % (cmd, out[-300:]))
        return m.group(1), int(m.group(2))

    def ok(self, cmd, timeout=CMD_TIMEOUT):
        """Run `cmd` in the guest; fail unless it exits 0.  Returns its output."""
        out, status = self.run(cmd, timeout)
        if status != 0:
            raise Failed("`%s` in vm%d exited %d: %r" % (cmd, self.vm_id, status, out[-400:]))
        return out


def md5_of(out):
    m = MD5.search(out)
    if not m:
        raise Failed("no md5sum in %r" % out[-300:])
    return m.group(1)


def start_daemon(s, cfg="/root/mediated-cfg.json"):
    s.sh("{ shyper system daemon %s > %s 2>&1 & echo $! > %s; }" % (cfg, DAEMON_LOG, DAEMON_PID))
    s.sh("timeout 30 sh -c 'until grep -q \"reporting VM state changes\" %s; do sleep 0.5; "
         "done'" % DAEMON_LOG, status=None)
    return s.sh("cat %s" % DAEMON_LOG)


def boot(s, guest, json_file):
    """Configure and boot a guest from /root."""
    start_guest(s, "cd /root && shyper vm config %s && shyper vm boot %d"
                % (json_file, guest.vm_id), guest.vm_id,
                'VM %d "%s" booted' % (guest.vm_id, guest.name))


# The guest's raw disk, a 64 KiB read far from the file system's metadata, past any cache.
RAW_READ = "dd if=/dev/vda of=/dev/null bs=64k count=1 skip=800 iflag=direct"


def run_checks(s, state):
    vm1 = Guest(s, 1, "guest-os-1")
    vm2 = Guest(s, 2, "guest-os-2")

    def mvm_boot():
        s.con.wait_prompt(MVM_BOOT_TIMEOUT)
        print("  MVM shell after %.1f s" % s.con.elapsed(), flush=True)
    s.check("mvm-boot", mvm_boot, needed=True)
    s.check("insmod", lambda: s.sh("insmod %s" % MODULE), needed=True)

    def daemon():
        out = start_daemon(s)
        expect_in(out, "mediated disk 0: /root/gvm1-disk.img, 131072 sectors (64 MiB)",
                  "mediated disk 1: /root/gvm2-disk.img, 131072 sectors (64 MiB)",
                  "serving 2 mediated disks", "reporting VM state changes")
    s.check("daemon-start", daemon, needed=True)

    def second_daemon():
        out = s.sh("shyper system daemon /root/mediated-cfg.json", status=1)
        expect_in(out, "cannot serve the mediated disks: another daemon serves them")
    s.check("second-daemon-refused", second_daemon)

    s.check("console-reader", lambda: (vm1.start_reader(), vm2.start_reader()), needed=True)
    def boot_vm1():
        boot(s, vm1, "vm1.json")
        vm1.wait_banner()
    s.check("boot-from-disk", boot_vm1, needed=True)

    def root_disk():
        out = vm1.ok("grep ' / ' /proc/mounts; cat /sys/block/vda/size; "
                     "cat /sys/block/vda/serial; echo; test ! -e /init && echo no-initramfs")
        expect_in(out, "/dev/root / ext4 rw", "%d\n" % DISK_SECTORS, "shyper-vm1-d0",
                  "no-initramfs")
    s.check("root-on-mediated-disk", root_disk)

    def disk_taken():
        # A second VM naming disk 0 (vm1.json again) would share the running guest's disk.
        mvm_says(s, "cd /root && shyper vm config vm1.json",
                 'the hypervisor did not create VM "guest-os-1"', status=1)
        if not re.search(r"^1 +guest-os-1 +running", s.sh("shyper vm list"), re.M):
            raise Failed("VM 1 is not running alone")
        s.sh("test $(shyper vm list | wc -l) -eq 3")  # header, VM 0, VM 1
    s.check("disk-of-one-vm", disk_taken)

    def write_blob():
        out = vm1.ok("dd if=/dev/urandom of=%s bs=1M count=16 && md5sum %s && sync"
                     % (BLOB, BLOB), IO_TIMEOUT)
        state["md5"] = md5_of(out)
        print("  md5sum of the 16 MiB file: %s" % state["md5"], flush=True)
    s.check("write-16mib", write_blob, needed=True)

    def reboot_readback():
        start_guest(s, "shyper vm reboot 1", 1, 'VM 1 "guest-os-1" rebooted')
        vm1.wait_banner()
        out = vm1.ok("md5sum %s" % BLOB, IO_TIMEOUT)
        if md5_of(out) != state["md5"]:
            raise Failed("md5sum after the reboot %s, written %s" % (md5_of(out), state["md5"]))
    s.check("reboot-same-md5", reboot_readback)

    s.check("raw-direct-read", lambda: vm1.ok(RAW_READ))

    def kill_daemon():
        s.sh("kill -9 $(cat %s); sleep 1" % DAEMON_PID)
        out, status = vm1.run(RAW_READ)
        if status == 0:
            raise Failed("a disk read succeeded without a daemon: %r" % out)
        out = s.sh("dmesg | grep 'daemon detached' | tail -1 | cut -d] -f2-")
        expect_in(out, "mediated-disk daemon detached: the guests' disk requests fail")
    s.check("daemon-killed-io-error", kill_daemon, needed=True)

    def still_alive():
        expect_in(vm1.ok("echo alive-$((6 * 7))"), "alive-42")
        rows = s.sh("shyper vm list")
        if not re.search(r"^1 +guest-os-1 +running", rows, re.M):
            raise Failed("vm1 is not running: %r" % rows)
    s.check("guest-and-mvm-go-on", still_alive)

    def restart_daemon():
        # Disk 1 is now a file that does not exist.
        s.sh("sed 's|/root/gvm2-disk.img|/root/missing.img|' /root/mediated-cfg.json "
             "> /tmp/missing.json")
        out = start_daemon(s, "/tmp/missing.json")
        expect_in(out, "mediated disk 0: /root/gvm1-disk.img",
                  "mediated disk 1: /root/missing.img: No such file or directory; its requests "
                  "fail")
        # If the guest's file system wrote (its journal) while there was no daemon, Linux
        # reports that write error once more, to the next O_DIRECT reader of the disk, and
        # ext4 has shut itself down: the disk works again at once, the file system after a
        # reboot.
        vm1.run(RAW_READ)
        out, status = vm1.run(RAW_READ)
        if status != 0:
            raise Failed("a disk read failed with the new daemon: %r" % out)
        start_guest(s, "shyper vm reboot 1", 1, 'VM 1 "guest-os-1" rebooted')
        vm1.wait_banner()
        out = vm1.ok("md5sum %s" % BLOB, IO_TIMEOUT)
        if md5_of(out) != state["md5"]:
            raise Failed("md5sum with the new daemon %s, written %s" % (md5_of(out),
                                                                        state["md5"]))
    s.check("daemon-restarted-io-works", restart_daemon)

    def missing_image():
        boot(s, vm2, "vm2.json")
        vm2.wait_for("I/O error, dev vda", 1)
        vm2.wait_for("Kernel panic", 1)  # no root file system
        mvm_says(s, "shyper vm remove 2", 'VM 2 "guest-os-2" removed')
        expect_in(vm1.ok(RAW_READ + " && echo disk-ok"), "disk-ok")
    s.check("missing-image-io-errors", missing_image)

    def notifications():
        out = s.sh("cat %s" % DAEMON_LOG)
        expect_in(out, "vm2 (guest-os-2): running: booted", "vm2 (guest-os-2): removed")
    s.check("daemon-notifications", notifications)

    def remove():
        expect_in(s.sh("shyper vm remove 1"), 'VM 1 "guest-os-1" removed')
        s.sh("kill $(cat %s)" % DAEMON_PID)
    s.check("remove", remove)


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
