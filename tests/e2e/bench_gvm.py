#!/usr/bin/env python3
"""Benchmark of mediated virtio-blk (docs/mediated-blk.md): `make bench-blk`.

Usage: bench_mediated_blk.py [--results <file>] --log <transcript> -- <qemu command...>

The QEMU command is the machine of test-e2e-blk under `-icount shift=0,sleep=on`: every
instruction of any hart is 1 ns of virtual time, and a machine waiting for the host's disk
waits in real time.  In the MVM, with the daemon serving vm1.json's disk, it times with the
kernel clock (`now at` in /proc/timer_list), in virtual time:

  - sequential reads: `dd bs=4M iflag=direct` of the first 32 MiB of /dev/vda, in the GVM
    (its mediated disk) and in the MVM (its own virtio disk, passed through), each after
    the MVM dropped its page cache, so that the daemon reads the MVM's disk;
  - sequential writes: `dd if=/dev/zero bs=4M oflag=direct conv=fsync` of a 16 MiB file,
    in the GVM's root file system and in the MVM's (the GVM's flush is the daemon's
    fdatasync on the MVM's disk);
  - VM exits of the GVM per disk request: the growth of `shyper vm stats 1`'s total over
    the GVM runs (started without typing, so that the console adds nothing; the exits of
    the same run with `true` in place of dd are subtracted), divided by the requests its
    /sys/block/vda/stat counts (reads, writes, flushes); printed by cause, with the
    guest's disk interrupts.

Each throughput is the median of three runs.  Prints "BENCH <name> <value> <unit>" lines
(also written to --results): MB/s (MB = 10^6 bytes), the mediated/passthrough ratios in
percent, and the exits per request.
"""

import argparse
import os
import re
import shlex
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qemu_console import QemuConsole  # noqa: E402
from test_mediated_blk import (MODULE, Failed, Guest, Session, boot,  # noqa: E402
                               start_daemon)

MVM_BOOT_TIMEOUT = 900
IO_TIMEOUT = 1800
READ_MIB = 32
WRITE_MIB = 16
BS_MIB = 4  # dd's block size: 16 requests of 256 KiB at once, one per request slot
RUNS = 3    # each figure is the median of RUNS runs
TIME_RE = re.compile(r"@@T (\d+) (\d+)@@")
CAUSE_RE = re.compile(r"^  (\w+) +(\d+)$", re.M)


# The kernel's clock in ns (busybox's date has no %N).
NOW = "$(sed -n 's/^now at \\([0-9]*\\) nsecs$/\\1/p' /proc/timer_list)"


def timed(cmd):
    """cmd, then the virtual times it started and ended (ns) on a line of their own."""
    return 't0=%s; %s; t1=%s; echo "@@T $t0 $t1@@"' % (NOW, cmd, NOW)


def seconds(out):
    m = TIME_RE.search(out)
    if not m:
        raise Failed("no time in %r" % out[-300:])
    return (int(m.group(2)) - int(m.group(1))) / 1e9


def mb_per_s(mib, secs):
    return mib * 1024 * 1024 / 1e6 / secs


def read_cmd(mib):
    return timed("dd if=/dev/vda of=/dev/null bs=%dM count=%d iflag=direct"
                 % (BS_MIB, mib // BS_MIB))


def write_cmd(path, mib):
    return "rm -f {p}; {t}; rm -f {p}".format(p=path, t=timed(
        "dd if=/dev/zero of=%s bs=%dM count=%d oflag=direct conv=fsync" % (path, BS_MIB,
                                                                           mib // BS_MIB)))


def mvm_time(s, cmd):
    return seconds(s.sh(cmd, timeout=IO_TIMEOUT))


BLK_IRQ = 19  # cli/examples/vm1.json


def gvm_requests(vm):
    """Reads, writes and flushes the guest's disk completed so far, and its interrupts."""
    out = vm.ok("cat /sys/block/vda/stat; grep 'PLIC *%d ' /proc/interrupts" % BLK_IRQ)
    fields = out.split()
    return int(fields[0]) + int(fields[4]) + int(fields[14]), int(fields[18])


def gvm_exits(s):
    """The guest's exits so far by cause, with their "total"."""
    exits = {k: int(v) for k, v in CAUSE_RE.findall(s.sh("shyper vm stats 1"))}
    if "total" not in exits:
        raise Failed("no exit total from shyper vm stats 1")
    return exits


def quiet_run(s, vm, cmd):
    """Runs cmd in the guest with nothing on its console meanwhile (typing a command costs
    the guest exits too).  Returns its output and the guest's exits from a second before it
    starts until it has ended."""
    vm.seq += 1
    n = vm.seq
    line = ('sleep 2; o=$( { %s; } 2>&1); echo "@@Q""-RAN-%d@@"; sleep 1; echo "$o"; '
            'echo "@@Q""-END-%d@@"' % (cmd, n, n))
    s.sh("printf '%%s\\n' %s > %s" % (shlex.quote(line), vm.dev))
    s.sh("sleep 1")
    before = gvm_exits(s)
    s.sh("timeout %d sh -c 'until grep -q @@Q-RAN-%d@@ %s; do sleep 0.1; done'"
         % (IO_TIMEOUT, n, vm.log), timeout=IO_TIMEOUT + 60)
    exits = {k: v - before.get(k, 0) for k, v in gvm_exits(s).items()}
    s.sh("timeout 60 sh -c 'until grep -q @@Q-END-%d@@ %s; do sleep 0.1; done'" % (n, vm.log))
    return s.sh("sed -n '/@@Q-RAN-%d@@/,/@@Q-END-%d@@/p' %s" % (n, n, vm.log)), exits


def median_mb_per_s(mib, run):
    """The median throughput of RUNS runs; run() returns the seconds of one."""
    return statistics.median(mb_per_s(mib, run()) for _ in range(RUNS))


def measure(s, figures):
    vm1 = Guest(s, 1, "guest-os-1")
    s.con.wait_prompt(MVM_BOOT_TIMEOUT)
    figures["blk_read_passthrough"] = median_mb_per_s(
        READ_MIB, lambda: mvm_time(s, "sync; echo 3 > /proc/sys/vm/drop_caches; "
                                   + read_cmd(READ_MIB)))
    figures["blk_write_passthrough"] = median_mb_per_s(
        WRITE_MIB, lambda: mvm_time(s, write_cmd("/root/bench.bin", WRITE_MIB)))
    s.sh("insmod %s" % MODULE)
    start_daemon(s)
    vm1.start_reader()
    boot(s, vm1, "vm1.json")
    vm1.wait_banner()

    idle = quiet_run(s, vm1, "true")[1]["total"]
    totals, causes = {}, {}

    def gvm_run(kind, cmd):
        if kind == "read":
            s.sh("sync; echo 3 > /proc/sys/vm/drop_caches")  # the daemon reads the MVM's disk
        requests, irqs = gvm_requests(vm1)
        out, exits = quiet_run(s, vm1, cmd)
        t = totals.setdefault(kind, [0, 0, 0])
        t[0] += exits["total"] - idle
        c = causes.setdefault(kind, {})
        for k, v in exits.items():
            c[k] = c.get(k, 0) + v
        t[1] += gvm_requests(vm1)[0] - requests
        t[2] += gvm_requests(vm1)[1] - irqs
        return seconds(out)

    figures["blk_read_mediated"] = median_mb_per_s(
        READ_MIB, lambda: gvm_run("read", read_cmd(READ_MIB)))
    figures["blk_write_mediated"] = median_mb_per_s(
        WRITE_MIB, lambda: gvm_run("write", write_cmd("/bench.bin", WRITE_MIB)))
    for kind, (exits, requests, irqs) in totals.items():
        print("  GVM %ss: %d exits for %d disk requests and %d interrupts (less %d exits of "
              "an idle run each); by cause: %s" % (
                  kind, exits, requests, irqs, idle,
                  " ".join("%s=%d" % kv for kv in causes[kind].items() if kv[1])), flush=True)
    figures["blk_exits_per_request"] = (sum(t[0] for t in totals.values())
                                        / sum(t[1] for t in totals.values()))
    figures["blk_read_ratio"] = 100 * figures["blk_read_mediated"] / figures[
        "blk_read_passthrough"]
    figures["blk_write_ratio"] = 100 * figures["blk_write_mediated"] / figures[
        "blk_write_passthrough"]


UNITS = {"ratio": "%", "request": "exits"}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--log", required=True, help="console transcript file")
    ap.add_argument("--results", help="file to append the BENCH lines to")
    ap.add_argument("qemu", nargs=argparse.REMAINDER, help="-- QEMU command")
    args = ap.parse_args()
    qemu = args.qemu[1:] if args.qemu[:1] == ["--"] else args.qemu
    if "-icount" not in qemu:
        ap.error("the QEMU command has no -icount")

    figures = {}
    with QemuConsole(qemu, args.log) as con:
        s = Session(con)
        s.check("measure", lambda: measure(s, figures), needed=True)
        s.check("poweroff", lambda: con.poweroff(300))
    if s.failed:
        print("bench-blk failed: transcript %s" % args.log)
        return 1
    lines = ["BENCH %s %.2f %s" % (name, value, UNITS.get(name.rsplit("_", 1)[1], "MB/s"))
             for name, value in figures.items()]
    print("\n".join(lines))
    if args.results:
        os.makedirs(os.path.dirname(os.path.abspath(args.results)), exist_ok=True)
        with open(args.results, "w") as f:
            f.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
