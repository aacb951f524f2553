#!/usr/bin/env python3
"""Benchmarks: bench guests (tests/guests/bench_*.c) under QEMU -icount.

With `-icount shift=0,sleep=off` one instruction is one nanosecond of virtual time and the
virt `time` counter ticks at 10 MHz, so guests time operations in exact instruction counts
(docs/performance.md).  Every run is repeated RUNS times and must give the same figures.
Prints one "BENCH <name> <value> <unit>" line per figure and writes them to
build/bench/results.txt.  Fails only when a benchmark cannot run or does not repeat, never
because a figure misses its target.

    run_bench.py [--runs N]
"""
import argparse
import os
import re
import statistics
import subprocess
import sys

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


def run_all(runs):
    figures = {}
    # SBI round trips: the guest alone on hart 0, then the same guest on bare OpenSBI.
    sbi = build_variant("sbi", SINGLE, guest("bench_sbi"))
    figures.update(repeated("sbi", sbi, 1, runs, bench_lines))
    figures.update(native(repeated("sbi-native", guest("bench_sbi", "elf"), 1, runs,
                                   bench_lines)))

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
    return figures


def fmt(value):
    return f"{value:.2f}" if value != int(value) else str(int(value))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=RUNS, help="runs per benchmark (default 3)")
    args = ap.parse_args()
    os.makedirs(os.path.join(OUT, "logs"), exist_ok=True)
    try:
        make("guests", os.path.relpath(STIMECMP_BASE, ROOT))
        figures = run_all(max(1, args.runs))
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
