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

import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_session import Failed, expect_in, main  # noqa: E402


def run_checks(s):
    def says(cmd, *needles):
        return lambda: expect_in(s.sh(cmd), *needles)

    s.check("hostname", says("hostname", "shyper-mvm"))
    # A controlling tty on the UART (not /dev/console) means job control works.
    s.check("console-tty", says("tty", "/dev/ttyS0"))
    s.check("uname", says("uname -a", "6.12.117", "riscv64"))

    def cpuinfo():
        out = s.sh("cat /proc/cpuinfo")
        if not re.search(r"^isa\s*:\s*rv64", out, re.M):
            raise Failed("no 'isa : rv64...' line in %r" % out[-300:])
    s.check("cpuinfo", cpuinfo)

    def disk_device():
        out = s.sh("ls /dev/vda")
        if out.strip() != "/dev/vda":
            raise Failed("got %r" % out)
    s.check("disk-device", disk_device)

    def disk_write_read():
        # Write, flush to the disk, drop the page cache, read back from the disk.
        token = "shyper-e2e-%d-%d" % (os.getpid(), int(time.time()))
        out = s.sh("echo %s > /root/e2e-marker && sync && echo 3 > /proc/sys/vm/drop_caches "
                   "&& cat /root/e2e-marker" % token)
        if out.strip() != token:
            raise Failed("wrote %r, read %r" % (token, out))
    s.check("disk-write-read", disk_write_read)

    s.check("ping-gateway", says("ping -c 1 -W 10 10.0.2.2", "1 packets received"))
    s.check("minicom", says("minicom -v", "minicom version 2."))


if __name__ == "__main__":
    sys.exit(main(__doc__, run_checks))
