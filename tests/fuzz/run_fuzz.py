#!/usr/bin/env python3
"""Runs the libFuzzer targets of tests/fuzz (see tests/fuzz/fuzz.mk).

    run_fuzz.py --build DIR --seconds N --target NAME BIN [--target ...]
                [--seed NAME FILE ...] [--option NAME=-flag=value ...]
                [--regressions] [--results FILE]

For each target: the corpus DIR/corpus/NAME is seeded with tests/fuzz/seeds/NAME/* and the
--seed files, then the target runs for N seconds on it (tests/fuzz/dicts/NAME.dict is its
dictionary when present).  A crash fails the target and leaves the reproducer in
DIR/artifacts/NAME/.  With --regressions, every file in tests/fuzz/regressions/NAME/ first
runs through the target once, each one a test of its own.  --results writes "passed failed"
(tests/run_suite.py's convention).  libFuzzer's output goes to DIR/logs/NAME.log.
"""
import argparse
import os
import re
import resource
import shutil
import subprocess
import sys

FUZZ_DIR = os.path.dirname(os.path.abspath(__file__))
UNIT_TIMEOUT_S = 10  # one input running longer than this is a hang, reported like a crash
RSS_LIMIT_MB = 2048
RUN_MARGIN_S = 60  # how much longer than asked a fuzzing run may take before it is killed
STATS = re.compile(r"^Done (\d+) runs in (\d+) second", re.M)


def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def seed_corpus(corpus, name, extra_seeds):
    os.makedirs(corpus, exist_ok=True)
    seed_dir = os.path.join(FUZZ_DIR, "seeds", name)
    seeds = [os.path.join(seed_dir, f) for f in sorted(os.listdir(seed_dir))] \
        if os.path.isdir(seed_dir) else []
    for seed in seeds + extra_seeds:
        target = os.path.join(corpus, "seed-" + os.path.basename(seed))
        if not os.path.exists(target):
            shutil.copyfile(seed, target)


def run_regressions(name, binary, log):
    """Each reproducer once; returns (passed, failed)."""
    directory = os.path.join(FUZZ_DIR, "regressions", name)
    if not os.path.isdir(directory):
        return 0, 0
    passed = failed = 0
    for f in sorted(os.listdir(directory)):
        path = os.path.join(directory, f)
        proc = subprocess.run([binary, f"-timeout={UNIT_TIMEOUT_S}", path],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              errors="replace")
        log.write(proc.stdout)
        if proc.returncode == 0:
            print(f"PASS fuzz-regression {name}/{f}")
            passed += 1
        else:
            print(f"FAIL fuzz-regression {name}/{f} (exit {proc.returncode}); see {log.name}")
            failed += 1
    return passed, failed


def fuzz(name, binary, build, seconds, options, log):
    """One fuzzing run; returns True when it ended without a crash."""
    corpus = os.path.join(build, "corpus", name)
    artifacts = os.path.join(build, "artifacts", name)
    os.makedirs(artifacts, exist_ok=True)
    before = set(os.listdir(artifacts))
    cmd = [binary, f"-max_total_time={seconds}", f"-timeout={UNIT_TIMEOUT_S}",
           f"-rss_limit_mb={RSS_LIMIT_MB}", "-print_final_stats=1",
           f"-artifact_prefix={artifacts}/"] + options
    dictionary = os.path.join(FUZZ_DIR, "dicts", name + ".dict")
    if os.path.exists(dictionary):
        cmd.append(f"-dict={dictionary}")
    cmd.append(corpus)
    start = cpu_seconds()
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              errors="replace", timeout=seconds + RUN_MARGIN_S)
        output, code = proc.stdout, proc.returncode
    except subprocess.TimeoutExpired as e:
        output, code = (e.stdout or b"").decode(errors="replace"), "timeout"
    log.write(output)
    cpu = cpu_seconds() - start
    stats = STATS.findall(output)
    runs = f"{int(stats[-1][0]):,} runs" if stats else "no run count"
    new = sorted(set(os.listdir(artifacts)) - before)
    if code == 0:
        print(f"PASS fuzz {name}: {runs} in {seconds} s ({cpu:.0f} s CPU), "
              f"corpus {len(os.listdir(corpus))} inputs")
        return True
    print(f"FAIL fuzz {name}: exit {code} after {runs}; log {log.name}")
    for line in output.splitlines():
        if "ERROR:" in line or "invariant" in line or "runtime error" in line or "panic:" in line:
            print(f"    {line.strip()}")
    for f in new:
        print(f"    reproducer: {os.path.join(artifacts, f)}")
        print(f"    keep it:    cp {os.path.join(artifacts, f)} tests/fuzz/regressions/{name}/")
    return False


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", required=True)
    parser.add_argument("--seconds", type=int, required=True)
    parser.add_argument("--target", nargs=2, action="append", default=[],
                        metavar=("NAME", "BIN"))
    parser.add_argument("--seed", nargs=2, action="append", default=[], metavar=("NAME", "FILE"))
    parser.add_argument("--option", action="append", default=[], metavar="NAME=FLAG")
    parser.add_argument("--regressions", action="store_true")
    parser.add_argument("--results")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # one line per target as it ends

    logs = os.path.join(args.build, "logs")
    os.makedirs(logs, exist_ok=True)
    passed = failed = 0
    start = cpu_seconds()
    for name, binary in args.target:
        options = [o.split("=", 1)[1] for o in args.option if o.split("=", 1)[0] == name]
        seed_corpus(os.path.join(args.build, "corpus", name), name,
                    [f for n, f in args.seed if n == name])
        with open(os.path.join(logs, name + ".log"), "w") as log:
            if args.regressions:
                p, f = run_regressions(name, binary, log)
                passed, failed = passed + p, failed + f
            if fuzz(name, binary, args.build, args.seconds, options, log):
                passed += 1
            else:
                failed += 1
    if args.results:
        with open(args.results, "w") as out:
            out.write(f"{passed} {failed}\n")
    print(f"fuzz: {passed} passed, {failed} failed ({cpu_seconds() - start:.0f} s CPU)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
