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

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_session import (DAEMON_LOG, DAEMON_PID, MODULE, Failed, Guest,  # noqa: E402
                         expect_in, main, start_daemon)

IO_TIMEOUT = 900  # 16 MiB through the emulated machine
DISK_SECTORS = 131072  # cli/examples/vm1.json and image/gvm-disk.mk: 64 MiB
BLOB = "/root/blob"
MD5 = re.compile(r"\b([0-9a-f]{32})\b")


def md5_of(out):
    m = MD5.search(out)
    if not m:
        raise Failed("no md5sum in %r" % out[-300:])
    return m.group(1)


def boot(s, guest, json_file):
    """Configure and boot a guest from /root; do not wait for its banner."""
    s.start_guests("cd /root && shyper vm config %s && shyper vm boot %d"
                   % (json_file, guest.vm_id), 'VM %d "%s" booted' % (guest.vm_id, guest.name),
                   [guest], banners=False)


def running_alone(s, vm_id, name):
    """Fail unless `vm list` shows VM vm_id running, and no other guest VM."""
    rows = s.vm_rows()
    if sorted(rows) != [0, vm_id] or rows[vm_id][:2] != (name, "running"):
        raise Failed("VM %d is not running alone: %r" % (vm_id, rows))


def reboot_same_md5(s, vm, md5):
    """Reboot the guest; fail unless the blob it wrote has the same md5sum."""
    s.start_guests("shyper vm reboot %d" % vm.vm_id, 'VM %d "%s" rebooted' % (vm.vm_id, vm.name),
                   [vm])
    got = md5_of(vm.ok("md5sum %s" % BLOB, IO_TIMEOUT))
    if got != md5:
        raise Failed("md5sum after the reboot %s, written %s" % (got, md5))


# The guest's raw disk, a 64 KiB read far from the file system's metadata, past any cache.
RAW_READ = "dd if=/dev/vda of=/dev/null bs=64k count=1 skip=800 iflag=direct"


def run_checks(s, state):
    vm1 = Guest(s, 1, "guest-os-1")
    vm2 = Guest(s, 2, "guest-os-2")

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
        s.says("cd /root && shyper vm config vm1.json",
               'the hypervisor did not create VM "guest-os-1"', status=1)
        running_alone(s, 1, vm1.name)
    s.check("disk-of-one-vm", disk_taken)

    def write_blob():
        out = vm1.ok("dd if=/dev/urandom of=%s bs=1M count=16 && md5sum %s && sync"
                     % (BLOB, BLOB), IO_TIMEOUT)
        state["md5"] = md5_of(out)
        print("  md5sum of the 16 MiB file: %s" % state["md5"], flush=True)
    s.check("write-16mib", write_blob, needed=True)

    s.check("reboot-same-md5", lambda: reboot_same_md5(s, vm1, state["md5"]))

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
        running_alone(s, 1, vm1.name)
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
        reboot_same_md5(s, vm1, state["md5"])
    s.check("daemon-restarted-io-works", restart_daemon)

    def missing_image():
        boot(s, vm2, "vm2.json")
        vm2.wait_for("I/O error, dev vda", 1)
        vm2.wait_for("Kernel panic", 1)  # no root file system
        s.says("shyper vm remove 2", 'VM 2 "guest-os-2" removed')
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


if __name__ == "__main__":
    sys.exit(main(__doc__, lambda s: run_checks(s, {})))
