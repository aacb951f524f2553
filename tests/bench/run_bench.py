#!/usr/bin/env python3
"""Benchmarks: bench guests (tests/guests/bench_*.c) and the MVM's boot under QEMU -icount.

With `-icount shift=0,sleep=off` one instruction is one nanosecond of virtual time and the
virt `time` counter ticks at 10 MHz, so guests time operations in exact instruction counts
(docs/performance.md).  Every bench guest run is repeated RUNS times and must give the same
figures.  The MVM boot (Linux to its shell prompt, under Shyper and natively) counts the
instructions executed since reset with `rdinstret` and reports the median of RUNS boots.
Prints one "BENCH <name> <value> <unit>" line per figure and writes them to
build/bench/results.txt.  Fails only when a benchmark cannot run or does not repeat, never
because a figure misses its target.

    run_bench.py [--runs N] [--linux Image --rootfs img --mvm-rootfs img
                  --bootargs ARGS --devices QEMU-ARGS]

The MVM options come from tests/bench/bench.mk (`make bench`); without them the MVM boot
is skipped.
"""
import argparse
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from qemu_console import ConsoleError, QemuConsole  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.join(ROOT, "build")
OUT = os.path.join(BUILD, "bench")
QEMU = "qemu-system-riscv64"
TIMEOUT = 120
RUNS = 3
SINGLE = "tests/guests/configs/single.c"
MVM = "config/mvm.c"
STIMECMP_BASE = os.path.join(OUT, "guests", "bench_stimecmp_base.bin")

BENCH_RE = re.compile(r"^(?:\[vm\d+\] )?BENCH (\S+) (\S+) (\S+)\s*$", re.M)
CALIBRATION_RE = re.compile(
    r"calibration (\S+): ([\d.]+) instructions/iteration \(expected (\d+)\)")
EXITS_RE = re.compile(r"vm0 \([^)]*\) exits:((?: \w+=\d+)+)")
STIMECMP_RE = re.compile(
    r"stimecmp: (\d+) writes, (\d+) ticks \(nop loop: (\d+) ticks\), (\d+) trapped")
RESULT_RE = re.compile(r"RESULT: (\d+) passed, (\d+) failed")

# The MVM boot: mvm-stamp (tests/bench/mvm_stamp.c) in the bench rootfs prints the `time`
# and `instret` counters at two points ("init": before rcS; "prompt": before the shell's
# first prompt), to the console and, with Linux's timestamp, to the kernel log.
MVM_ICOUNT = "shift=0,sleep=on"
MVM_QEMU_MEM = "1G"
MVM_BOOT_TIMEOUT = 300
MVM_POINTS = ("init", "prompt")
STAMP_RE = re.compile(r"^mvm-stamp (\w+) time=(\d+) instret=(\d+)\s*$", re.M)
KMSG_STAMP_RE = re.compile(r"^kmsg \[ *([\d.]+)\] mvm-stamp (\w+) time=(\d+) ", re.M)
# The stamps in the kernel log, prefixed so that QemuConsole.run() keeps them.
KMSG_STAMP_CMD = "dmesg | grep -F mvm-stamp | sed 's/^/kmsg /'"
VM_RAM_RE = re.compile(r"vm0 \([^)]*\): \d+ vCPU\(s\), (\d+) MiB RAM")
VM_START_RE = re.compile(r"^\[ *([\d.]+)\] I h\d+: vm0 \([^)]*\): starting at", re.M)
INSNS_PER_MS = 1000000
TICKS_PER_MS = 10000


class BenchError(Exception):
    pass


def guest(name, ext="bin"):
    return os.path.join(BUILD, "guests", f"{name}.{ext}")


def make(*args):
    proc = subprocess.run(["make", "-s", "--no-print-directory", *args], cwd=ROOT,
                          capture_output=True, text=True)
    if proc.returncode:
        raise BenchError(f"make {' '.join(args)} failed:\n{proc.stdout}{proc.stderr}")


def build_variant(name, config, image):
    """The hypervisor with `config` and VM 0 running `image`; returns shyper.bin."""
    variant = "bench-" + name
    make("hyp", f"VARIANT={variant}", f"HYP_CONFIG={config}", f"VM0_IMAGE={image}")
    return os.path.join(BUILD, "variants", variant, "shyper.bin")


def run_qemu(label, kernel, smp, run):
    """Boots `kernel` (the hypervisor, or a guest ELF straight on OpenSBI) once."""
    cmd = [QEMU, "-machine", "virt", "-cpu", "rv64", "-smp", str(smp), "-m", "1G",
           "-bios", "default", "-nographic", "-no-reboot", "-icount", "shift=0,sleep=off",
           "-kernel", kernel]
    try:
        proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True,
                              timeout=TIMEOUT)
        out, status = proc.stdout.decode(errors="replace"), proc.returncode
    except subprocess.TimeoutExpired as e:
        out, status = (e.stdout or b"").decode(errors="replace"), None
    log = os.path.join(OUT, "logs", f"{label}-{run}.log")
    with open(log, "w") as f:
        f.write(out)
    if status != 0:
        why = f"timed out after {TIMEOUT}s" if status is None else f"QEMU exit status {status}"
        raise BenchError(f"{label}: {why} [log: {log}]")
    if "PANIC" in out:
        raise BenchError(f"{label}: hypervisor panic [log: {log}]")
    result = RESULT_RE.search(out)
    if not result or int(result.group(2)):
        raise BenchError(f"{label}: the bench guest did not finish cleanly [log: {log}]")
    for name, measured, expected in CALIBRATION_RE.findall(out):
        if abs(float(measured) - int(expected)) > 0.01:
            raise BenchError(f"{label}: {name} baseline loop ran {measured} instructions per "
                             f"iteration, not {expected}: icount is not in effect [log: {log}]")
    return out


def repeated(label, kernel, smp, runs, measure):
    """Runs `runs` times; measure(output) -> {name: (value, unit)}.  The runs must agree."""
    results = [measure(run_qemu(label, kernel, smp, i)) for i in range(runs)]
    figures = {}
    for name, (_, unit) in results[0].items():
        values = [r[name][0] for r in results]
        if max(values) - min(values) > max(1, 0.01 * abs(statistics.median(values))):
            raise BenchError(f"{label}: {name} does not repeat: {values}")
        figures[name] = (statistics.median(values), unit)
    return figures


def bench_lines(out):
    figures = {name: (float(value), unit) for name, value, unit in BENCH_RE.findall(out)}
    if not figures:
        raise BenchError("no BENCH line in the guest output")
    return figures


def total_exits(out):
    m = EXITS_RE.search(out)
    if not m:
        raise BenchError("the hypervisor logged no exit counters for vm0")
    return sum(int(field.split("=")[1]) for field in m.group(1).split())


def stimecmp(out):
    m = STIMECMP_RE.search(out)
    if not m:
        raise BenchError("the stimecmp guest printed no result line")
    writes, ticks, nop_ticks, trapped = map(int, m.groups())
    return {"exits": (total_exits(out), "exits"), "writes": (writes, "writes"),
            "trapped": (trapped, "writes"), "ticks": (ticks - nop_ticks, "ticks")}


def native(figures):
    return {f"{name}_native": value for name, value in figures.items()}


class MvmBoot:
    """The MVM's kernel and root filesystem, booted to its prompt under QEMU -icount."""

    def __init__(self, args):
        self.linux = os.path.abspath(args.linux)
        self.rootfs = os.path.abspath(args.rootfs)
        self.bootargs = args.bootargs
        self.devices = shlex.split(args.devices)
        self.mvm_rootfs = os.path.abspath(args.mvm_rootfs)
        if not any(self.mvm_rootfs in a for a in self.devices):
            raise BenchError(f"--devices does not name the MVM disk {self.mvm_rootfs}")

    def boot(self, label, run, kernel_args, mem):
        """One boot on a fresh copy of the bench rootfs; returns (console output, dmesg)."""
        disk = os.path.join(OUT, f"{label}.img")
        shutil.copyfile(self.rootfs, disk)
        cmd = [QEMU, "-machine", "virt", "-cpu", "rv64", "-smp", "1", "-m", mem,
               "-bios", "default", "-nographic", "-no-reboot", "-icount", MVM_ICOUNT,
               *kernel_args, *[a.replace(self.mvm_rootfs, disk) for a in self.devices]]
        log = os.path.join(OUT, "logs", f"{label}-{run}.log")
        try:
            with QemuConsole(cmd, log) as con:
                con.wait_prompt(MVM_BOOT_TIMEOUT)
                dmesg = con.run(KMSG_STAMP_CMD)
                status = con.poweroff()
        except ConsoleError as e:
            raise BenchError(f"{label}: {e} [log: {log}]") from None
        finally:
            os.remove(disk)
        if status != 0:
            raise BenchError(f"{label}: QEMU exit status {status} after poweroff [log: {log}]")
        with open(log, errors="replace") as f:
            return f.read(), dmesg

    @staticmethod
    def stamps(label, out, dmesg):
        """{point: (instret, time ticks, Linux timestamp in s)} of one boot."""
        kmsg = {p: float(ts) for ts, p, _ in KMSG_STAMP_RE.findall(dmesg)}
        found = {p: (int(i), int(t), kmsg.get(p)) for p, t, i in STAMP_RE.findall(out)}
        missing = [p for p in MVM_POINTS if p not in found or found[p][2] is None]
        if missing:
            raise BenchError(f"{label}: no mvm-stamp {'/'.join(missing)} line in the console "
                             "output and kernel log (is the bench rootfs in use?)")
        return found


def median_of(boots, point, index):
    return statistics.median(b[point][index] for b in boots)


def spread(values):
    return (max(values) - min(values)) * 100 / statistics.median(values)


def bench_mvm_boot(mvm, runs):
    """Reset to init and to the shell prompt, in instructions, under Shyper and natively."""
    shyper = build_variant("mvm", MVM, mvm.linux)
    boots = {"mvm": [], "mvm-native": []}
    vm_starts = []
    for run in range(runs):
        out, dmesg = mvm.boot("mvm", run, ["-kernel", shyper], MVM_QEMU_MEM)
        boots["mvm"].append(mvm.stamps("mvm", out, dmesg))
        ram, start = VM_RAM_RE.search(out), VM_START_RE.search(out)
        if not ram or not start:
            raise BenchError("mvm: the hypervisor did not log the MVM's RAM and start")
        vm_starts.append(float(start.group(1)) * 1000)
        # Natively Linux gets the RAM the MVM has, so both kernels do the same work.
        out, dmesg = mvm.boot("mvm-native", run, ["-kernel", mvm.linux, "-append", mvm.bootargs],
                              f"{ram.group(1)}M")
        boots["mvm-native"].append(mvm.stamps("mvm-native", out, dmesg))

    figures = {}
    names = {"init": "mvm_init", "prompt": "mvm_boot"}
    for point in MVM_POINTS:
        shy, nat = (median_of(boots[k], point, 0) / INSNS_PER_MS for k in boots)
        for key in boots:
            values = [b[point][0] for b in boots[key]]
            print(f"  {key}: reset -> {point}: median "
                  f"{statistics.median(values) / INSNS_PER_MS:.2f} M instructions over {runs} "
                  f"boots (spread {spread(values):.2f} %)")
        figures[f"{names[point]}_ms"] = (round(shy, 2), "ms")
        figures[f"{names[point]}_native_ms"] = (round(nat, 2), "ms")
        figures[f"{names[point]}_ratio"] = (round(shy / nat, 3), "x")
    # Where Linux's own clock (printk timestamps, /proc/uptime) starts: not at reset.
    for key in boots:
        zero = [b["init"][1] / TICKS_PER_MS - b["init"][2] * 1000 for b in boots[key]]
        print(f"  {key}: Linux's clock reads 0 at {statistics.median(zero):.2f} ms after reset")
    print(f"  mvm: Shyper starts the MVM at {statistics.median(vm_starts):.2f} ms after reset")
    return figures


def run_all(runs, mvm):
    figures = {}
    # SBI round trips: the guest alone on hart 0, then the same guest on bare OpenSBI.
    sbi = build_variant("sbi", SINGLE, guest("bench_sbi"))
    figures.update(repeated("sbi", sbi, 1, runs, bench_lines))
    figures.update(native(repeated("sbi-native", guest("bench_sbi", "elf"), 1, runs,
                                   bench_lines)))

    # A trapped vPLIC register read: the same guest configuration, 1 hart.
    vplic = build_variant("vplic", SINGLE, guest("bench_vplic"))
    figures.update(repeated("vplic", vplic, 1, runs, bench_lines))

    # stimecmp writes: exits with writes minus exits of the same guest without them.
    writes = repeated("stimecmp", build_variant("stimecmp", SINGLE, guest("bench_stimecmp")),
                      1, runs, stimecmp)
    base = repeated("stimecmp-base", build_variant("stimecmp-base", SINGLE, STIMECMP_BASE),
                    1, runs, stimecmp)
    n, trapped = int(writes["writes"][0]), int(writes["trapped"][0])
    exits = int(writes["exits"][0] - base["exits"][0])
    extra = writes["ticks"][0] - base["ticks"][0]
    print(f"  stimecmp: {n} writes, {exits} exits, {extra * 100 / n:.2f} instructions per write "
          f"beyond a nop")
    if trapped:
        print(f"  stimecmp: WARNING: {trapped} writes trapped to the guest as illegal "
              "instructions: it has no Sstc, the exit count says nothing")
    figures["stimecmp_exits"] = (exits, "exits")

    # Reset -> first guest instruction: the management VM's configuration, 4 harts, 1 GiB.
    boot = build_variant("boot", MVM, guest("bench_boot"))
    figures.update(repeated("boot", boot, 4, runs, bench_lines))
    figures.update(native(repeated("boot-native", guest("bench_boot", "elf"), 4, runs,
                                   bench_lines)))

    if mvm:
        figures.update(bench_mvm_boot(mvm, runs))
    else:
        print("  mvm boot: skipped (no --linux/--rootfs; run it with `make bench`)")
    return figures


def fmt(value):
    return f"{value:.3f}".rstrip("0").rstrip(".")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=RUNS, help="runs per benchmark (default 3)")
    ap.add_argument("--linux", help="the MVM's kernel Image")
    ap.add_argument("--rootfs", help="the bench copy of the MVM rootfs (with mvm-stamp)")
    ap.add_argument("--mvm-rootfs", help="the MVM rootfs that --devices names")
    ap.add_argument("--bootargs", help="the MVM's kernel command line, for the native boot")
    ap.add_argument("--devices", help="QEMU arguments for the MVM's disk and NIC")
    args = ap.parse_args()
    mvm_args = (args.linux, args.rootfs, args.mvm_rootfs, args.bootargs, args.devices)
    if any(mvm_args) and not all(mvm_args):
        ap.error("the MVM boot needs all of --linux --rootfs --mvm-rootfs --bootargs --devices")
    os.makedirs(os.path.join(OUT, "logs"), exist_ok=True)
    try:
        make("guests", os.path.relpath(STIMECMP_BASE, ROOT))
        figures = run_all(max(1, args.runs), MvmBoot(args) if all(mvm_args) else None)
    except BenchError as e:
        print(f"bench: FAILED: {e}")
        return 1
    lines = [f"BENCH {name} {fmt(value)} {unit}" for name, (value, unit) in figures.items()]
    with open(os.path.join(OUT, "results.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    print(f"bench: {len(lines)} figures, {max(1, args.runs)} runs each -> "
          f"{os.path.relpath(os.path.join(OUT, 'results.txt'), ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
