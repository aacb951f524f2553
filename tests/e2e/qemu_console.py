"""Drive a QEMU guest's serial console from a test (Python 3 standard library only).

QEMU runs with the console on stdio (`-nographic`), connected to pipes.  A reader
thread collects everything the guest prints into a buffer and a transcript file;
`expect()` waits for a regular expression in the output not yet consumed, and
`run()` executes one shell command and returns exactly its output.

    with QemuConsole(argv, "build/e2e/boot.log") as con:
        con.wait_prompt(timeout=300)
        print(con.run("uname -a"))
        status = con.poweroff()

The console multiplexes QEMU's monitor: Ctrl-A is QEMU's escape key, so text sent
to the guest must not contain it.
"""

import codecs
import ctypes
import os
import re
import shlex
import signal
import subprocess
import threading
import time

# The MVM's shell prompt, e.g. "shyper-mvm:~# " (PS1 in image/rootfs/etc/profile).
MVM_PROMPT = r"shyper-mvm:[^\r\n#]*# "

# Whole lines printed by the kernel (CONFIG_PRINTK_TIME), e.g. "[    3.141592] foo".
_KERNEL_LINE = re.compile(r"^\[ *\d+\.\d+\] .*(?:\n|$)", re.M)
# Terminal control sequences (CSI and two-byte ESC sequences) from line editing.
_ESCAPE = re.compile(r"\x1b(?:\[[0-9;?]*[ -/]*[@-~]|[@-Z\\-_])")


def _die_with_parent():
    """In the QEMU child: get SIGKILL when the test process dies, however it dies."""
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


class ConsoleError(Exception):
    """The guest did not answer in time, or QEMU exited."""


class QemuConsole:
    def __init__(self, argv, log_path, prompt=MVM_PROMPT):
        self.argv = list(argv)
        self.prompt = re.compile(prompt)
        self.last_status = None  # exit status of the last run() command
        self._seq = 0
        self._buf = ""
        self._pos = 0  # output before this index has been consumed by expect()
        self._eof = False
        self._cond = threading.Condition()
        os.makedirs(os.path.dirname(os.path.abspath(log_path)), exist_ok=True)
        self._log = open(log_path, "wb")
        self._log.write(b"# " + shlex.join(self.argv).encode() + b"\n")
        self._log.flush()
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            self.argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            bufsize=0,
            preexec_fn=_die_with_parent,
        )
        self._reader = threading.Thread(target=self._read_loop, daemon=True)
        self._reader.start()

    # -- context manager ---------------------------------------------------
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- output ------------------------------------------------------------
    def _read_loop(self):
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        fd = self.proc.stdout.fileno()
        while True:
            data = os.read(fd, 65536)
            self._log.write(data)
            self._log.flush()
            with self._cond:
                self._buf += decoder.decode(data, final=not data)
                if not data:
                    self._eof = True
                self._cond.notify_all()
            if not data:
                return

    def elapsed(self):
        """Seconds since QEMU was started."""
        return time.monotonic() - self.started

    def _expect(self, regex, timeout):
        """Wait for `regex` in unconsumed output; consume up to its end; return the match."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                m = regex.search(self._buf, self._pos)
                if m:
                    self._pos = m.end()
                    return m
                left = deadline - time.monotonic()
                if self._eof or left <= 0:
                    tail = self._buf[self._pos:][-600:]
                    if self._eof:
                        why = "QEMU exited (status %s)" % self.proc.wait()
                    else:
                        why = "timed out after %g s" % timeout
                    raise ConsoleError("%s waiting for /%s/; unconsumed output ends with:\n%s"
                                       % (why, regex.pattern, tail))
                self._cond.wait(left)

    def expect(self, pattern, timeout=60):
        """Wait up to `timeout` s for `pattern` (a regex) and return the matched text."""
        return self._expect(re.compile(pattern), timeout).group(0)

    def wait_prompt(self, timeout=60):
        """Wait for the shell prompt."""
        return self._expect(self.prompt, timeout).group(0)

    # -- input -------------------------------------------------------------
    def send(self, text):
        if "\x01" in text:
            raise ValueError("Ctrl-A is QEMU's console escape and cannot be sent")
        try:
            self.proc.stdin.write(text.encode())
            self.proc.stdin.flush()
        except BrokenPipeError:
            raise ConsoleError("QEMU exited (status %s); cannot send %r"
                               % (self.proc.wait(), text)) from None

    def send_line(self, line):
        self.send(line + "\n")

    def run(self, cmd, timeout=60):
        """Run one shell command line; return its output (stdout and stderr).

        The command is wrapped in echo markers that only the shell's output, never
        its echo of the typed line, can contain ("@@SHYPER""-BEGIN" types differently
        from what it prints).  So the result is exactly what the command printed,
        except that whole kernel log lines are dropped.  Its exit status is left in
        `last_status`.  Waits for the prompt afterwards.  `cmd` must be a list of
        commands that `;` may follow (it must not end in `&`).
        """
        self._seq += 1
        n = self._seq
        self.send_line('echo "@@SHYPER""-BEGIN-%d@@"; %s; echo "@@SHYPER""-END-%d:$?@@"'
                       % (n, cmd, n))
        begin = self._expect(re.compile(r"@@SHYPER-BEGIN-%d@@\r?\n" % n), timeout)
        end = self._expect(re.compile(r"@@SHYPER-END-%d:(\d+)@@" % n), timeout)
        self.last_status = int(end.group(1))
        self.wait_prompt(timeout)
        out = self._buf[begin.end():end.start()]
        out = _ESCAPE.sub("", out).replace("\r\n", "\n").replace("\r", "")
        return _KERNEL_LINE.sub("", out)

    # -- diagnosis ---------------------------------------------------------
    def dump_harts(self, settle=3.0):
        """Append every hart's registers (QEMU monitor `info registers -a`) to the transcript.

        For a console that stopped answering: where each hart is (in the guest or the
        hypervisor, at which pc) tells a lost interrupt from a hang.  It switches the
        console to QEMU's monitor (Ctrl-A c), so the guest gets no more input after it."""
        if self.proc.poll() is not None:
            return
        self._log_note("console stuck: QEMU monitor, info registers -a")
        try:
            self.proc.stdin.write(b"\x01cinfo registers -a\n")
            self.proc.stdin.flush()
        except BrokenPipeError:
            return
        time.sleep(settle)

    # -- shutdown ----------------------------------------------------------
    def poweroff(self, timeout=120):
        """Send `poweroff` and wait for QEMU to exit; kill it after `timeout` s.

        Returns QEMU's exit status (negative if it had to be killed)."""
        self.send_line("poweroff")
        return self.wait_exit(timeout)

    def wait_exit(self, timeout):
        try:
            status = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            status = self.proc.wait()
            self._log_note("QEMU did not exit within %g s; killed" % timeout)
        self._reader.join(10)
        return status

    def _log_note(self, text):
        with self._cond:
            self._log.write(("\n# %s\n" % text).encode())
            self._log.flush()

    def close(self):
        """Kill QEMU if it is still running, and finish the transcript."""
        if self.proc.poll() is None:
            self.proc.kill()
            self._log_note("QEMU killed by close()")
        status = self.proc.wait()
        self._reader.join(10)
        self.proc.stdin.close()
        self.proc.stdout.close()
        if not self._log.closed:
            self._log_note("QEMU exit status %s after %.1f s" % (status, self.elapsed()))
            self._log.close()
