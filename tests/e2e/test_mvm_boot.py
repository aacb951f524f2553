#!/usr/bin/env python3
"""End-to-end test of the Linux MVM: `make test-e2e-mvm` (under Shyper) and
`make test-e2e-native` (the same kernel and disk on the same QEMU, no hypervisor).

Usage: test_mvm_boot.py --log <transcript> [--results <file>] -- <qemu command...>

Boots the given QEMU command (Shyper's `make run` command, or RUN_NATIVE_QEMU),
waits for the root shell on the serial console and checks the kernel, CPU, disk,
network and userland, then powers off and expects QEMU to exit with status 0.
Prints "PASS name" or "FAIL name: why" per check, then "N passed, M failed"; with
--results, also writes "N M" to that file for tests/run_suite.py's summary.
"""

import argparse
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qemu_console import ConsoleError, QemuConsole  # noqa: E402

BOOT_TIMEOUT = 300  # seconds; 2-5 s on an idle machine, far more under load
CMD_TIMEOUT = 120


class Results:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def record(self, name, why):
        """`why` is None for a pass, else the reason for the failure."""
        if why is None:
            self.passed += 1
            print("PASS %s" % name, flush=True)
        else:
            self.failed += 1
            print("FAIL %s: %s" % (name, why), flush=True)


def contains(out, *needles):
    missing = [n for n in needles if n not in out]
    return None if not missing else "%r not in output %r" % (missing, out[-300:])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--log", required=True, help="console transcript file")
    ap.add_argument("--results", help="file to write 'passed failed' counts to")
    ap.add_argument("qemu", nargs=argparse.REMAINDER, help="-- QEMU command")
    args = ap.parse_args()
    qemu = args.qemu[1:] if args.qemu[:1] == ["--"] else args.qemu
    if not qemu:
        ap.error("no QEMU command given")

    res = Results()
    token = "shyper-e2e-%d-%d" % (os.getpid(), int(time.time()))
    checks = [
        ("hostname", "hostname", lambda out, rc: contains(out, "shyper-mvm")),
        # A controlling tty on the UART (not /dev/console) means job control works.
        ("console-tty", "tty", lambda out, rc: contains(out, "/dev/ttyS0")),
        ("uname", "uname -a", lambda out, rc: contains(out, "6.12.117", "riscv64")),
        ("cpuinfo", "cat /proc/cpuinfo",
         lambda out, rc: None if re.search(r"^isa\s*:\s*rv64", out, re.M)
         else "no 'isa : rv64...' line in %r" % out[-300:]),
        ("disk-device", "ls /dev/vda",
         lambda out, rc: None if out.strip() == "/dev/vda" else "got %r" % out),
        # Write, flush to the disk, drop the page cache, read back from the disk.
        ("disk-write-read",
         "echo %s > /root/e2e-marker && sync && echo 3 > /proc/sys/vm/drop_caches "
         "&& cat /root/e2e-marker" % token,
         lambda out, rc: None if rc == 0 and out.strip() == token
         else "status %d, got %r" % (rc, out)),
        ("ping-gateway", "ping -c 1 -W 10 10.0.2.2",
         lambda out, rc: contains(out, "1 packets received")),
        ("minicom", "minicom -v", lambda out, rc: contains(out, "minicom version 2.")),
    ]

    with QemuConsole(qemu, args.log) as con:
        try:
            con.wait_prompt(BOOT_TIMEOUT)
            res.record("boot", None)
            print("  shell prompt after %.1f s" % con.elapsed(), flush=True)
            booted = True
        except ConsoleError as e:
            res.record("boot", str(e))
            booted = False

        for name, cmd, judge in checks:
            if not booted:
                res.record(name, "no shell")
                continue
            try:
                out = con.run(cmd, CMD_TIMEOUT)
                res.record(name, judge(out, con.last_status))
            except ConsoleError as e:
                res.record(name, str(e))

        try:
            status = con.poweroff(CMD_TIMEOUT)
            res.record("poweroff", None if status == 0 else "QEMU exit status %s" % status)
        except ConsoleError as e:
            res.record("poweroff", str(e))

    print("  transcript: %s" % args.log)
    print("%d passed, %d failed" % (res.passed, res.failed))
    if args.results:
        os.makedirs(os.path.dirname(os.path.abspath(args.results)), exist_ok=True)
        with open(args.results, "w") as f:
            f.write("%d %d\n" % (res.passed, res.failed))
    return 1 if res.failed else 0


if __name__ == "__main__":
    sys.exit(main())
