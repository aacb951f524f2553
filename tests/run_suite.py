#!/usr/bin/env python3
"""Runs test binaries that print "N passed, M failed" and records the counts.

    run_suite.py NAME RESULT_FILE BIN...      run each binary, sum, write "passed failed"
    run_suite.py --summary RESULTS_DIR SUITE...   print every suite's counts and the total
"""
import os
import re
import subprocess
import sys

COUNTS = re.compile(r"^(\d+) passed, (\d+) failed", re.M)


def run_binaries(name, result_file, binaries):
    passed = failed = 0
    for binary in binaries:
        proc = subprocess.run([binary], capture_output=True, text=True)
        sys.stdout.write(proc.stdout)
        sys.stderr.write(proc.stderr)
        m = COUNTS.findall(proc.stdout)
        if not m:
            print(f"FAIL {os.path.basename(binary)}: no result line (exit {proc.returncode})")
            failed += 1
            continue
        p, f = map(int, m[-1])
        if proc.returncode != 0 and f == 0:
            print(f"FAIL {os.path.basename(binary)}: exit status {proc.returncode}")
            f = 1
        passed += p
        failed += f
    with open(result_file, "w") as out:
        out.write(f"{passed} {failed}\n")
    print(f"{name}: {passed} passed, {failed} failed")
    return 1 if failed else 0


def summary(results_dir, suites):
    total_p = total_f = 0
    print("\n==== test summary ====")
    for suite in suites:
        name = suite.removeprefix("test-")
        path = os.path.join(results_dir, name)
        if not os.path.exists(path):
            print(f"  {name:12} did not complete")
            total_f += 1
            continue
        p, f = map(int, open(path).read().split())
        print(f"  {name:12} {p} passed, {f} failed")
        total_p += p
        total_f += f
    print(f"{total_p} passed, {total_f} failed")
    return 1 if total_f else 0


if __name__ == "__main__":
    if sys.argv[1] == "--summary":
        sys.exit(summary(sys.argv[2], sys.argv[3:]))
    sys.exit(run_binaries(sys.argv[1], sys.argv[2], sys.argv[3:]))
