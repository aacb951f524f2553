"""What the end-to-end tests share: checks run in the MVM's shell, guests typed into through
their virtio consoles, and the runner (Python 3 standard library only).

A test script writes its checks as a function of a Session and hands it to main():

    def run_checks(s):
        s.check("uname", lambda: expect_in(s.sh("uname -a"), "riscv64"))

    if __name__ == "__main__":
        sys.exit(main(__doc__, run_checks))

    usage: <script> --log <transcript> [--results <file>] -- <qemu command...>

main() starts QEMU, checks that the MVM reaches its shell ("mvm-boot"), runs the script's
checks, powers off ("poweroff": QEMU must exit with status 0) and prints "PASS name" or
"FAIL name: why" per check, then "N passed, M failed"; with --results it also writes "N M" to
that file for tests/run_suite.py's summary.  It exits 1 if a check failed.
"""

import argparse
import os
import re
import shlex

from qemu_console import ConsoleError, QemuConsole

MVM_BOOT_TIMEOUT = 600  # seconds; the MVM boots in well under a minute on an idle machine
GVM_BOOT_TIMEOUT = 600  # a guest's Linux shares the machine with the MVM's (and others)
CMD_TIMEOUT = 180

MODULE = "/root/shyper.ko"
DAEMON_CFG = "/root/mediated-cfg.json"
DAEMON_LOG = "/tmp/daemon.log"
DAEMON_PID = "/tmp/daemon.pid"
DAEMON_READY = "reporting VM state changes"  # the daemon's line once it listens
DAEMON_READY_TIMEOUT = 30
# Where a command run with its output set aside leaves it (Session.says, start_guests).
CMD_OUT = "/tmp/cmd.out"
CMD_STATUS = "/tmp/cmd.status"
START_FAILED = "@@START-FAILED@@"  # printed when a start_guests command fails (typed quoted)
TAIL = 500  # characters of output a failure message quotes


class Failed(Exception):
    """A check failed; the message says why."""


def expect_in(out, *needles):
    """Fail unless each of `needles` is in `out`."""
    for n in needles:
        if n not in out:
            raise Failed("%r not in %r" % (n, out[-TAIL:]))


def early_console_done(vm_id):
    """The guest's last line on the SBI console (earlycon), as the hypervisor prints it on the
    machine console: from then on its kernel and /init write to its virtio console."""
    return r"\[vm%d\] [^\n]*bootconsole \[sbi0\] disabled" % vm_id


# `vm list`'s rows: ID NAME STATE VCPUS HARTS MEMORY ("256 MiB") DEVICES [REASON]
VM_ROW = re.compile(r"^(\d+) +(\S+) +(\S+) +(\d+) +(\S+) +(\d+ \S+) +(\d+)(?: +(.*))?$", re.M)


class Session:
    """Checks run in order; each records PASS or FAIL.  After a failed check that later ones
    depend on (`needed`), or one that lost the console, the rest are recorded as failed
    without running."""

    def __init__(self, con):
        self.con = con
        self.passed = 0
        self.failed = 0
        self.broken = None  # the check whose failure stops the rest

    def check(self, name, fn, needed=False):
        if self.broken:
            self._record(name, "not run: %s failed" % self.broken)
            return
        try:
            fn()
            self._record(name, None)
        except (Failed, ConsoleError) as e:
            self._record(name, str(e))
            if needed or isinstance(e, ConsoleError):
                self.broken = name
            if isinstance(e, ConsoleError):
                self.con.dump_harts()

    def _record(self, name, why):
        if why is None:
            self.passed += 1
            print("PASS %s" % name, flush=True)
        else:
            self.failed += 1
            print("FAIL %s: %s" % (name, why), flush=True)

    # -- the MVM's shell ----------------------------------------------------------
    def boot_mvm(self):
        self.con.wait_prompt(MVM_BOOT_TIMEOUT)
        print("  MVM shell after %.1f s" % self.con.elapsed(), flush=True)

    def sh(self, cmd, status=0, timeout=CMD_TIMEOUT):
        """Run a shell command in the MVM; fail unless it exits with `status` (None: any)."""
        out = self.con.run(cmd, timeout)
        if status is not None and self.con.last_status != status:
            raise Failed("`%s` exited %d (want %d): %r" % (cmd, self.con.last_status, status,
                                                           out[-TAIL:]))
        return out

    def says(self, cmd, needle, status=0):
        """Run `cmd` with its output set aside in a file; fail unless it exits with `status`
        and prints `needle` (on one line)."""
        self.sh("{ %s; } > %s 2>&1; echo $? > %s" % (cmd, CMD_OUT, CMD_STATUS))
        self._check_said(cmd, needle, status)

    def _check_said(self, cmd, needle, status):
        out = self.sh("cat %s; grep -cF %s %s" % (CMD_STATUS, shlex.quote(needle), CMD_OUT),
                      status=None)
        if out.split() != [str(status), "1"]:
            raise Failed("`%s` (want status %d and %r): status and matches %r; output %r"
                         % (cmd, status, needle, out.split(), self.sh("cat " + CMD_OUT)[-TAIL:]))

    def vm_rows(self):
        """`shyper vm list` as {id: (name, state, vcpus, harts, memory, devices, reason)};
        the reason is None unless the VM is stopped."""
        out = self.sh("shyper vm list")
        if not out.startswith("ID "):
            raise Failed("no table header in %r" % out[-TAIL:])
        return {int(m.group(1)): m.groups()[1:] for m in VM_ROW.finditer(out)}

    # -- guests -------------------------------------------------------------------
    def start_guests(self, cmd, done, guests, banners=True):
        """Run `cmd`, which (re)starts `guests`, and check that it exits 0 and prints `done`;
        wait until each guest has left the SBI console and, with `banners`, for one more
        banner on each guest's virtio console.

        Until a guest's virtio console is up its kernel writes to the SBI console, which the
        hypervisor shows on the machine console ("[vmN] ..." lines): the shell is not typed
        into again before they end, so that they do not mix with its output.  The command's
        own output is set aside in a file meanwhile; if it fails, the shell says so at once."""
        self.con.send_line('{ %s; } > %s 2>&1; echo $? > %s; [ $(cat %s) = 0 ] || '
                           'echo "@@START""-FAILED@@"' % (cmd, CMD_OUT, CMD_STATUS, CMD_STATUS))
        pending = {early_console_done(g.vm_id) for g in guests}
        while pending:
            seen = self.con.expect("|".join("(?:%s)" % p for p in pending | {START_FAILED}),
                                   GVM_BOOT_TIMEOUT)
            if seen == START_FAILED:
                break
            pending = {p for p in pending if not re.fullmatch(p, seen)}
        self.sh("true")  # back in step with the shell
        self._check_said(cmd, done, 0)
        if banners:
            for g in guests:
                g.wait_banner()


def start_daemon(s, cfg=DAEMON_CFG):
    """Start `shyper system daemon` in the background and wait until it listens; returns
    what it printed so far."""
    s.sh("{ shyper system daemon %s > %s 2>&1 & echo $! > %s; }" % (cfg, DAEMON_LOG, DAEMON_PID))
    s.sh("timeout %d sh -c 'until grep -q \"%s\" %s; do sleep 0.5; done'"
         % (DAEMON_READY_TIMEOUT, DAEMON_READY, DAEMON_LOG), status=None)
    return s.sh("cat %s" % DAEMON_LOG)


class Guest:
    """A GVM's console and shell, through the MVM's end of its virtio console: /dev/hvcN for
    VM N (docs/virtio.md).

    A reader in the MVM copies everything the guest prints to a log file, with the device in
    raw mode, so that the MVM's tty neither echoes the guest's output back to it nor
    translates it.  The reader starts before the guest boots: Linux's tty layer echoes what
    it receives until `stty` sets raw mode, so output buffered while the device was closed
    would come back to the guest as typed input.  A command is typed into the guest between
    two echo markers, as QemuConsole.run() does on the machine console: the markers as
    printed differ from the typed line, so the output between them is exactly the command's."""

    def __init__(self, s, vm_id, name):
        self.s = s
        self.vm_id = vm_id
        self.name = name
        self.dev = "/dev/hvc%d" % vm_id
        self.log = "/tmp/hvc%d.log" % vm_id
        self.pid = "/tmp/hvc%d.pid" % vm_id
        self.seq = 0  # commands typed so far
        self.banners = 0  # banners seen so far

    def banner(self):
        """What the guest's /init prints once it is up (image/gvm/init)."""
        return "GVM %s up" % self.name

    def start_reader(self, fresh=True):
        """Start copying the console to the log: a new log, or appending to it.  (The MVM's
        /tmp may be on its disk: a fresh log must not find an earlier run's.)"""
        if fresh:
            # The node exists without a console behind it too; opening it fails then.
            self.s.sh("( : < %s ) 2>/dev/null" % self.dev, status=None)
            if self.s.con.last_status != 0:
                raise Failed("%s cannot be opened in the MVM: the guest's virtio console is "
                             "needed to type into it" % self.dev)
        self.s.sh("{ { stty raw -echo; exec cat; } < %s %s %s 2>&1 & echo $! > %s; }"
                  % (self.dev, ">" if fresh else ">>", self.log, self.pid))

    def stop_reader(self):
        self.s.sh("kill $(cat %s)" % self.pid)

    def count(self, pattern):
        """Lines of the log matching pattern (a basic regular expression)."""
        return int(self.s.sh("grep -c %s %s" % (shlex.quote(pattern), self.log), status=None))

    def tail(self):
        return self.s.sh("tail -c %d %s" % (TAIL, self.log))

    def _wait(self, until, timeout, what):
        """Wait until the shell condition `until` holds; fail saying `what` was awaited."""
        self.s.sh("timeout %d sh -c %s" % (timeout, shlex.quote("until %s; do sleep 0.2; done"
                                                                % until)),
                  status=None, timeout=timeout + 60)
        if self.s.con.last_status != 0:
            raise Failed("no %s on %s within %d s; its log %s ends with %r"
                         % (what, self.dev, timeout, self.log, self.tail()))

    def wait_for(self, text, count, timeout=GVM_BOOT_TIMEOUT):
        """Wait until the console has printed `text` on `count` lines."""
        self._wait("[ $(grep -cF %s %s) -ge %d ]" % (shlex.quote(text), self.log, count),
                   timeout, "%r (%d times)" % (text, count))

    def wait_banner(self, timeout=GVM_BOOT_TIMEOUT):
        """Wait for one more banner on the console."""
        self.banners += 1
        self.wait_for(self.banner(), self.banners, timeout)

    def type_line(self, line):
        """Type one line into the guest's console."""
        self.s.sh("printf '%%s\\n' %s > %s" % (shlex.quote(line), self.dev))

    def run(self, cmd, timeout=CMD_TIMEOUT):
        """Run `cmd` in the guest's shell; returns (output, exit status)."""
        self.seq += 1
        n = self.seq
        self.type_line('echo "@@GVM""-BEGIN-%d@@"; %s; echo "@@GVM""-END-%d:$?@@"' % (n, cmd, n))
        self._wait("grep -q '@@GVM-END-%d:' %s" % (n, self.log), timeout,
                   "answer to `%s`" % cmd)
        out = self.s.sh("sed -n '/@@GVM-BEGIN-%d@@/,/@@GVM-END-%d:/p' %s" % (n, n, self.log))
        m = re.search(r"@@GVM-BEGIN-%d@@\n(.*)@@GVM-END-%d:(\d+)@@" % (n, n), out, re.S)
        if not m:
            raise Failed("no output markers of `%s` in %r" % (cmd, out[-TAIL:]))
        return m.group(1), int(m.group(2))

    def ok(self, cmd, timeout=CMD_TIMEOUT):
        """Run `cmd` in the guest; fail unless it exits 0.  Returns its output."""
        out, status = self.run(cmd, timeout)
        if status != 0:
            raise Failed("`%s` in vm%d exited %d: %r" % (cmd, self.vm_id, status, out[-TAIL:]))
        return out


def parse_args(doc, results_help="file to write 'passed failed' counts to"):
    """`--log <transcript> [--results <file>] -- <qemu command...>` of a script whose
    docstring is `doc`; returns the arguments, with the QEMU command as a list in `qemu`."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--log", required=True, help="console transcript file")
    ap.add_argument("--results", help=results_help)
    ap.add_argument("qemu", nargs=argparse.REMAINDER, help="-- QEMU command")
    args = ap.parse_args()
    if args.qemu[:1] == ["--"]:
        args.qemu = args.qemu[1:]
    if not args.qemu:
        ap.error("no QEMU command given")
    return args


def main(doc, run_checks):
    """The runner of a test script whose docstring is `doc` (see this module's)."""
    args = parse_args(doc)
    with QemuConsole(args.qemu, args.log) as con:
        s = Session(con)
        s.check("mvm-boot", s.boot_mvm, needed=True)
        run_checks(s)

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
