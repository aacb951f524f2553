#!/usr/bin/env python3
"""Benchmarks of a guest VM's I/O under -icount: mediated virtio-blk and the inter-VM network.

Usage: bench_gvm.py --log <transcript> [--results <file>] -- <qemu command...>

Part of `make bench`, alone `make bench-gvm` (docs/performance.md, docs/mediated-blk.md).
The QEMU command is the machine of test-e2e-blk under `-icount shift=0,sleep=on`: every
instruction of any hart is 1 ns of virtual time, and a machine waiting for the host (its
disk) waits in real time.  In the MVM, with the daemon serving vm1.json's disk, it times
with the kernel clock (`now at` in /proc/timer_list), in virtual time:

  - sequential reads: `dd bs=4M iflag=direct` of the first 32 MiB of /dev/vda, in the GVM
    (its mediated disk) and in the MVM (its own virtio disk, passed through), each after
    the MVM dropped its page cache, so that the daemon reads the MVM's disk;
  - sequential writes: `dd if=/dev/zero bs=4M oflag=direct conv=fsync` of a 16 MiB file,
    in the GVM's root file system and in the MVM's (the GVM's flush is the daemon's
    fdatasync on the MVM's disk);
  - the same read of allocated blocks: the GVM's image is sparse (the first 32 MiB are
    94 % holes as built, which the daemon answers as zeros without reading), so the MVM then
    rewrites that part of the image with its own bytes, allocating it, and the GVM reads
    it again (blk_read_mediated_allocated, the data path: the MVM's disk and the copy);
  - VM exits of the GVM per disk request: the growth of `shyper vm stats 1`'s total over
    the GVM runs (started without typing, so that the console adds nothing), less the
    exits of the same runs with `true` in place of dd (the median of IDLE_RUNS such runs),
    divided by the requests its /sys/block/vda/stat counts (reads, writes, flushes);
    printed by cause, with the guest's disk interrupts;
  - ping from the MVM to the GVM over the hypervisor's switch: `ping -q -c PINGS` with
    PING_INTERVAL between them, the average round trip in microseconds, and the MMIO
    exits of the GVM and of the MVM per ping (`shyper vm stats` before and after).

Each throughput is the median of RUNS runs.  Prints "BENCH <name> <value> <unit>" lines
(and appends them to --results): MB/s (MB = 10^6 bytes), the mediated/passthrough ratios in
percent, exits per request, microseconds and exits per ping.  Fails (exit status 1) only
when a measurement cannot be made.
"""

import os
import re
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_session import (MODULE, Failed, Guest, Session, parse_args,  # noqa: E402
                         start_daemon)
from qemu_console import QemuConsole  # noqa: E402

IO_TIMEOUT = 1800
READ_MIB = 32
WRITE_MIB = 16
BS_MIB = 4  # dd's block size: 16 requests of 256 KiB at once, one per request slot
RUNS = 5  # each throughput is the median of RUNS runs
IDLE_RUNS = 3
PINGS = 20
PING_INTERVAL = 0.2  # seconds
BLK_IRQ = 19  # cli/examples/vm1.json
GVM = (1, "guest-os-1", "10.0.0.2")  # cli/examples/vm1.json: id, name, address
GVM_IMAGE = "/root/gvm1-disk.img"  # its mediated disk (mediated-cfg.json)
TIME_RE = re.compile(r"@@T (\d+) (\d+)@@")
CAUSE_RE = re.compile(r"^  (\w+) +(\d+)$", re.M)
PING_RE = re.compile(r"(\d+) packets transmitted, (\d+) packets received.*\n"
                     r"round-trip min/avg/max = ([\d.]+)/([\d.]+)/([\d.]+) ms")

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


def median_mb_per_s(mib, run):
    """The median throughput of RUNS runs; run() returns the seconds of one."""
    return statistics.median(mb_per_s(mib, run()) for _ in range(RUNS))


def vm_exits(s, vm_id):
    """A VM's exits so far by cause, with their "total"."""
    exits = {k: int(v) for k, v in CAUSE_RE.findall(s.sh("shyper vm stats %d" % vm_id))}
    if "total" not in exits:
        raise Failed("no exit total from shyper vm stats %d" % vm_id)
    return exits


def growth(before, after):
    return {k: v - before.get(k, 0) for k, v in after.items()}


def gvm_requests(vm):
    """Reads, writes and flushes the guest's disk completed so far, and its interrupts."""
    out = vm.ok("cat /sys/block/vda/stat; grep 'PLIC *%d ' /proc/interrupts" % BLK_IRQ)
    fields = out.split()
    return int(fields[0]) + int(fields[4]) + int(fields[14]), int(fields[18])


def quiet_run(s, vm, cmd):
    """Runs cmd in the guest with nothing on its console meanwhile (typing a command costs
    the guest exits too).  Returns its output and the guest's exits from a second before it
    starts until it has ended."""
    vm.seq += 1
    n = vm.seq
    vm.type_line('sleep 2; o=$( { %s; } 2>&1); echo "@@Q""-RAN-%d@@"; sleep 1; echo "$o"; '
                 'echo "@@Q""-END-%d@@"' % (cmd, n, n))
    s.sh("sleep 1")
    before = vm_exits(s, vm.vm_id)
    s.sh("timeout %d sh -c 'until grep -q @@Q-RAN-%d@@ %s; do sleep 0.1; done'"
         % (IO_TIMEOUT, n, vm.log), timeout=IO_TIMEOUT + 60)
    exits = growth(before, vm_exits(s, vm.vm_id))
    s.sh("timeout 60 sh -c 'until grep -q @@Q-END-%d@@ %s; do sleep 0.1; done'" % (n, vm.log))
    return s.sh("sed -n '/@@Q-RAN-%d@@/,/@@Q-END-%d@@/p' %s" % (n, n, vm.log)), exits


def measure_passthrough(s, figures):
    figures["blk_read_passthrough"] = median_mb_per_s(READ_MIB, lambda: seconds(s.sh(
        "sync; echo 3 > /proc/sys/vm/drop_caches; " + read_cmd(READ_MIB), timeout=IO_TIMEOUT)))
    figures["blk_write_passthrough"] = median_mb_per_s(WRITE_MIB, lambda: seconds(s.sh(
        write_cmd("/root/bench.bin", WRITE_MIB), timeout=IO_TIMEOUT)))


class Accounting:
    """Exits, disk requests and disk interrupts of the GVM over its runs of one kind."""

    def __init__(self):
        self.exits = self.requests = self.irqs = 0
        self.causes = {}

    def add(self, exits, idle, requests, irqs):
        self.exits += exits["total"] - idle
        for k, v in exits.items():
            self.causes[k] = self.causes.get(k, 0) + v
        self.requests += requests
        self.irqs += irqs


def measure_mediated(s, vm, figures):
    idle = statistics.median(quiet_run(s, vm, "true")[1]["total"] for _ in range(IDLE_RUNS))
    kinds = {"read": Accounting(), "write": Accounting()}

    def gvm_run(kind, cmd):
        if kind == "read":
            s.sh("sync; echo 3 > /proc/sys/vm/drop_caches")  # the daemon reads the MVM's disk
        requests, irqs = gvm_requests(vm)
        out, exits = quiet_run(s, vm, cmd)
        requests_after, irqs_after = gvm_requests(vm)
        kinds[kind].add(exits, idle, requests_after - requests, irqs_after - irqs)
        return seconds(out)

    figures["blk_read_mediated"] = median_mb_per_s(
        READ_MIB, lambda: gvm_run("read", read_cmd(READ_MIB)))
    figures["blk_write_mediated"] = median_mb_per_s(
        WRITE_MIB, lambda: gvm_run("write", write_cmd("/bench.bin", WRITE_MIB)))
    for kind, a in kinds.items():
        print("  GVM %ss: %d exits for %d disk requests and %d interrupts (less %d exits of "
              "an idle run each); by cause: %s" % (
                  kind, a.exits, a.requests, a.irqs, idle,
                  " ".join("%s=%d" % kv for kv in a.causes.items() if kv[1])), flush=True)
    figures["blk_exits_per_request"] = (sum(a.exits for a in kinds.values())
                                        / sum(a.requests for a in kinds.values()))
    # The same bytes written over themselves: the guest's file system does not change.
    s.sh("dd if={i} of={i} bs=1M count={n} conv=notrunc 2>/dev/null; sync".format(
        i=GVM_IMAGE, n=READ_MIB), timeout=IO_TIMEOUT)

    def allocated_run():
        s.sh("sync; echo 3 > /proc/sys/vm/drop_caches")
        return seconds(quiet_run(s, vm, read_cmd(READ_MIB))[0])
    figures["blk_read_mediated_allocated"] = median_mb_per_s(READ_MIB, allocated_run)
    figures["blk_read_ratio"] = 100 * figures["blk_read_mediated"] / figures[
        "blk_read_passthrough"]
    figures["blk_write_ratio"] = 100 * figures["blk_write_mediated"] / figures[
        "blk_write_passthrough"]
    figures["blk_read_allocated_ratio"] = 100 * figures["blk_read_mediated_allocated"] / figures[
        "blk_read_passthrough"]


def measure_ping(s, ip, figures):
    """Ping from the MVM to the guest: the average round trip and both VMs' MMIO exits per
    ping, in one shell command that prints nothing before the end (the MVM's console would
    cost it exits of its own: UART interrupts)."""
    vms = (0, GVM[0])

    def snapshot(prefix):  # shell variables b0, b1 (before) or a0, a1 (after)
        return "; ".join("%s%d=$(shyper vm stats %d)" % (prefix, vm, vm) for vm in vms)
    sections = ["b%d" % vm for vm in vms] + ["a%d" % vm for vm in vms] + ["p"]
    out = s.sh("%s; p=$(ping -q -c %d -i %s -W 5 %s); %s; printf '@@%%s\\n%%s\\n' %s"
               % (snapshot("b"), PINGS, PING_INTERVAL, ip, snapshot("a"),
                  " ".join('%s "$%s"' % (name, name) for name in sections)),
               timeout=PINGS * 10)
    part = dict(re.findall(r"^@@(\w+)\n(.*?)(?=^@@|\Z)", out, re.M | re.S))
    m = PING_RE.search(part.get("p", ""))
    if not m or int(m.group(2)) != PINGS:
        raise Failed("ping did not get all %d answers: %r" % (PINGS, out[-300:]))
    mmio = {}
    for vm in vms:
        before, after = ({k: int(v) for k, v in CAUSE_RE.findall(part.get(w + str(vm), ""))}
                         for w in ("b", "a"))
        if "mmio" not in before or "mmio" not in after:
            raise Failed("no mmio exits in shyper vm stats %d: %r" % (vm, out[-300:]))
        mmio[vm] = after["mmio"] - before["mmio"]
    figures["ping_mvm_gvm_rtt"] = 1000 * float(m.group(4))
    figures["ping_gvm_mmio_exits"] = mmio[GVM[0]] / PINGS
    figures["ping_mvm_mmio_exits"] = mmio[0] / PINGS


def measure(s, figures):
    vm_id, name, ip = GVM
    vm = Guest(s, vm_id, name)
    s.boot_mvm()
    measure_passthrough(s, figures)
    s.sh("insmod %s" % MODULE)
    start_daemon(s)
    vm.start_reader()
    s.start_guests("cd /root && shyper vm config vm%d.json && shyper vm boot %d"
                   % (vm_id, vm_id), 'VM %d "%s" booted' % (vm_id, name), [vm])
    measure_mediated(s, vm, figures)
    measure_ping(s, ip, figures)


UNITS = {"ratio": "%", "request": "exits", "rtt": "us", "exits": "exits/ping"}


def main():
    args = parse_args(__doc__, results_help="file to append the BENCH lines to")
    if "-icount" not in args.qemu:
        print("bench_gvm.py: the QEMU command has no -icount")
        return 2
    figures = {}
    with QemuConsole(args.qemu, args.log) as con:
        s = Session(con)

        def poweroff():
            status = con.poweroff(300)
            if status != 0:
                raise Failed("QEMU exit status %s" % status)
        s.check("measure", lambda: measure(s, figures), needed=True)
        s.check("poweroff", poweroff)
    if s.failed:
        print("bench_gvm.py: failed; transcript %s" % args.log)
        return 1
    lines = ["BENCH %s %s %s" % (name, ("%.2f" % value).rstrip("0").rstrip("."),
                                 UNITS.get(name.rsplit("_", 1)[1], "MB/s"))
             for name, value in figures.items()]
    print("\n".join(lines))
    if args.results:
        os.makedirs(os.path.dirname(os.path.abspath(args.results)), exist_ok=True)
        with open(args.results, "a") as f:
            f.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
