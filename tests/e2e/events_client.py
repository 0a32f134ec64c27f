#!/usr/bin/python3
"""A program that drives `krunsh --events` as the protocol's users do: it
writes a command, reads events until that line's line-finished, checks
them, then decides what to write next. Debian's python3, stdlib only.

    events_client.py SCENARIO SCRATCH_DIR [KRUNSH_ARG...]

krunsh is run through tests/e2e/lib.sh's `ks` (the engine under test, from
$ENGINE), with KRUNSH_ARGs after --events. Exits 0 when every check held,
1 with one line on stderr saying which did not.
"""

import base64
import json
import os
import select
import signal
import subprocess
import sys
import time

LIB_SH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib.sh")
EVENT_WAIT = 120.0  # seconds for any one event: a TCG boot is slow under load
# The suite's wall-clock factor (lib.sh's slow): a nested libkrun boot alone
# can take longer than a --timeout picked for a plain one.
SLOWNESS = max(1, int(os.environ.get("KRUNSH_TEST_SLOWNESS") or 1))


class CheckFailed(Exception):
    pass


def check(condition, what):
    if not condition:
        raise CheckFailed(what)


def expect_eq(what, expected, actual):
    check(expected == actual, "%s: expected %r, got %r" % (what, expected, actual))


def bytes_field(event, name):
    """The bytes of a byte field: NAME as text (valid UTF-8) or NAME_base64."""
    has_text, has_b64 = name in event, name + "_base64" in event
    check(has_text != has_b64, "%s: exactly one of %s, %s_base64" % (event, name, name))
    if has_text:
        if event[name] is None:
            return None
        check(isinstance(event[name], str), "%s: %s is a string" % (event, name))
        return event[name].encode("utf-8")
    check(isinstance(event[name + "_base64"], str), "%s: %s_base64 is a string" % (event, name))
    return base64.b64decode(event[name + "_base64"], validate=True)


FIELDS = {
    "run-started": {"version", "engine", "mode", "pid"},
    "line-started": {"line"},
    "output": {"stream", "line"},
    "line-finished": {"line", "status", "seconds"},
    "run-finished": {"status"},
}
BYTE_FIELDS = {"line-started": "command", "output": "data", "run-finished": "message"}


def check_fields(event):
    """Every event's fields, by type: present, of the right type."""
    kind = event.get("event")
    check(kind in FIELDS, "unknown event %r" % (event,))
    missing = FIELDS[kind] - set(event)
    check(not missing, "%s lacks %s" % (event, sorted(missing)))
    for name in ("line", "status", "version", "pid"):
        if name in event and event[name] is not None:
            check(isinstance(event[name], int) and not isinstance(event[name], bool),
                  "%s: %s is an integer" % (event, name))
    if kind == "run-started":
        expect_eq("version", 1, event["version"])
        check(event["mode"] in ("lines", "script", "command", "exec"), "mode of %s" % event)
        check(event["engine"] is None or isinstance(event["engine"], str), "engine of %s" % event)
    if kind == "output":
        check(event["stream"] in ("stdout", "stderr"), "stream of %s" % event)
    if kind == "line-finished":
        check(isinstance(event["seconds"], (int, float)) and event["seconds"] >= 0,
              "seconds of %s" % event)
    if kind in ("line-started", "line-finished"):
        check(event["line"] >= 1, "line number of %s" % event)
    if kind in BYTE_FIELDS:
        bytes_field(event, BYTE_FIELDS[kind])


class Krunsh:
    """One krunsh --events process, its events read as they come."""

    def __init__(self, scratch, args, stdin=subprocess.PIPE):
        self.stderr_path = os.path.join(scratch, "events-stderr")
        self.stderr = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(["sh", "-c", '. "$0"; ks --events "$@"', LIB_SH] + args,
                                     stdin=stdin, stdout=subprocess.PIPE, stderr=self.stderr)
        self.buffer = b""
        self.events = []
        self.line = 0  # the line running, as the events say
        self.output = {}  # (line, stream) -> bytes
        self.first = self.next_event()
        expect_eq("first event", "run-started", self.first["event"])

    def write(self, text):
        self.proc.stdin.write(text.encode("utf-8") if isinstance(text, str) else text)
        self.proc.stdin.flush()

    def close(self):
        self.proc.stdin.close()

    def next_event(self, wait=EVENT_WAIT):
        deadline = time.monotonic() + wait
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            check(left > 0, "no event within %g s (stderr: %s)" % (wait, self.stderr_text()))
            ready, _, _ = select.select([self.proc.stdout], [], [], left)
            if not ready:
                continue
            chunk = os.read(self.proc.stdout.fileno(), 1 << 20)
            check(chunk, "stdout ended before run-finished (stderr: %s)" % self.stderr_text())
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        try:
            event = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            raise CheckFailed("not a JSON object on stdout: %r (%s)" % (line[:200], e))
        check(isinstance(event, dict), "not a JSON object: %r" % (line[:200],))
        check_fields(event)
        self.follow(event)
        self.events.append(event)
        return event

    def follow(self, event):
        """The order every run keeps: lines open and close in turn, output
        names the line open when it was written."""
        kind = event["event"]
        if kind == "line-started":
            expect_eq("line open at a line's start", 0, self.line)
            self.line = event["line"]
        elif kind == "line-finished":
            expect_eq("line that finished", self.line, event["line"])
            self.line = 0
        elif kind == "output":
            expect_eq("line of the output", self.line or None, event["line"])
            key = (event["line"], event["stream"])
            self.output[key] = self.output.get(key, b"") + bytes_field(event, "data")
        elif kind == "run-finished":
            expect_eq("line open at the run's end", 0, self.line)

    def until(self, kind, wait=EVENT_WAIT):
        """Events up to and with the next one of this kind."""
        got = []
        while True:
            event = self.next_event(wait)
            got.append(event)
            if event["event"] == kind:
                return got
            check(event["event"] != "run-finished", "run finished before %s: %s" % (kind, got))

    def run_line(self, text):
        """Writes one command and reads its events to its line-finished."""
        self.write(text + "\n")
        events = self.until("line-finished")
        started = [e for e in events if e["event"] == "line-started"]
        expect_eq("lines started for %r" % text, 1, len(started))
        expect_eq("command of the line", text.encode(), bytes_field(started[0], "command"))
        return started[0]["line"], events[-1]

    def finish(self, wait=EVENT_WAIT):
        """The run-finished event and krunsh's exit status."""
        end = self.until("run-finished", wait)[-1]
        rest = self.proc.stdout.read()
        expect_eq("stdout after run-finished", b"", self.buffer + rest)
        status = self.proc.wait(timeout=wait)
        expect_eq("exit status in run-finished", status, end["status"])
        return end, status

    def stderr_text(self):
        self.stderr.flush()
        with open(self.stderr_path, "rb") as f:
            return f.read().decode("utf-8", "replace").strip()


def scenario_session(scratch, args):
    """Command by command, each depending on the state the last one left."""
    k = Krunsh(scratch, args)
    expect_eq("mode", "lines", k.first["mode"])
    line1, end1 = k.run_line("cd /tmp; v=41")
    expect_eq("line 1 status", 0, end1["status"])
    expect_eq("line 1 output", {}, k.output)
    line2, end2 = k.run_line('echo $((v + 1)) "$(pwd)"; echo to-stderr >&2')
    check(line2 > line1, "line numbers grow")
    expect_eq("line 2 status", 0, end2["status"])
    expect_eq("line 2 stdout", b"42 /tmp\n", k.output.get((line2, "stdout")))
    expect_eq("line 2 stderr", b"to-stderr\n", k.output.get((line2, "stderr")))
    # A function defined by one line, called by the next.
    k.run_line("greet() { echo \"hi $1\"; }")
    line4, end4 = k.run_line("greet there")
    expect_eq("line 4 status", 0, end4["status"])
    expect_eq("line 4 stdout", b"hi there\n", k.output.get((line4, "stdout")))
    # A failing line ends the run (no --keep-going) while stdin is open.
    line5, end5 = k.run_line("(exit 7)")
    expect_eq("line 5 status", 7, end5["status"])
    end, status = k.finish()
    expect_eq("run status", 7, status)
    check("line %d failed with status 7" % line5 in (bytes_field(end, "message") or b"").decode(),
          "message of %s" % end)
    k.close()


def run_whole(scratch, args, text):
    """Writes all the lines at once; the run's end, krunsh's status and
    (line, status) of every line that finished."""
    k = Krunsh(scratch, args)
    k.write(text)
    k.close()
    end, status = k.finish()
    finished = [(e["line"], e["status"]) for e in k.events if e["event"] == "line-finished"]
    return k, end, status, finished


def scenario_stops_at_failure(scratch, args):
    k, end, status, finished = run_whole(scratch, args, "echo a\nfalse\necho never\n")
    expect_eq("lines that ran", [(1, 0), (2, 1)], finished)
    expect_eq("output", {(1, "stdout"): b"a\n"}, k.output)
    expect_eq("status", 1, status)
    check(b"line 2 failed" in (bytes_field(end, "message") or b""), "message of %s" % end)
    check("krunsh: line 2 failed" in k.stderr_text(), "stderr says so too: %s" % k.stderr_text())


def scenario_attribution(scratch, args):
    """Lines written all at once, big output then small: each byte is
    given to the line that wrote it, none runs ahead into the next."""
    k = Krunsh(scratch, args)
    k.write("seq 1 40000; seq 1 300 >&2\necho second; echo e2 >&2\nprintf third\n")
    # Many short lines: each is a chance for a line's output to overtake
    # its start.
    k.write("".join("echo %d; echo %d >&2\n" % (n, n) for n in range(4, 204)))
    k.close()
    k.finish()
    big = "".join("%d\n" % i for i in range(1, 40001)).encode()
    small = "".join("%d\n" % i for i in range(1, 301)).encode()
    want = {(1, "stdout"): big, (1, "stderr"): small, (2, "stdout"): b"second\n",
            (2, "stderr"): b"e2\n", (3, "stdout"): b"third"}
    for n in range(4, 204):
        want[(n, "stdout")] = want[(n, "stderr")] = b"%d\n" % n
    wrong = sorted((key for key in set(want) | set(k.output) if want.get(key) != k.output.get(key)),
                   key=str)
    check(not wrong, "output of the wrong line at %s, e.g. %r" % (
        wrong[:5], [(key, k.output.get(key)) for key in wrong[:3]]))


def scenario_keep_going(scratch, args):
    k = Krunsh(scratch, ["--keep-going"] + args)
    for text, want in (("false", 1), ("(exit 3)", 3), ("echo c", 0)):
        _, end = k.run_line(text)
        expect_eq("status of %s" % text, want, end["status"])
    k.close()
    end, status = k.finish()
    expect_eq("status: the first failure's", 1, status)


def scenario_line_exits_shell(scratch, args):
    """A line that ends the shell still finishes, with the shell's status."""
    k, end, status, finished = run_whole(scratch, args, "echo bye; exit 5\n")
    expect_eq("finished", [(1, 5)], finished)
    expect_eq("output", b"bye\n", k.output.get((1, "stdout")))
    expect_eq("status", 5, status)


def scenario_binary(scratch, args):
    """Any bytes come back exactly, per stream; text never split."""
    blob = os.path.join(scratch, "blob")
    text = os.path.join(scratch, "text")
    data = b"\0nul\0\xff\xfe invalid \xc3 cut \xe2\x82 " + os.urandom(1 << 20)
    # Multi-byte characters across every chunk boundary krunsh could use.
    letters = "aé€😀"
    words = "".join(letters[i % 4] * (1 + i % 5) for i in range(200000)).encode("utf-8")
    with open(blob, "wb") as f:
        f.write(data)
    with open(text, "wb") as f:
        f.write(words)
    k = Krunsh(scratch, args)
    line, end = k.run_line("cat %s; cat %s >&2" % (blob, text))
    expect_eq("status", 0, end["status"])
    got = k.output.get((line, "stdout"), b"")
    expect_eq("stdout bytes (%d sent)" % len(data), data, got)
    expect_eq("stderr bytes", words, k.output.get((line, "stderr"), b""))
    text_chunks = [e for e in k.events if e["event"] == "output" and e["stream"] == "stderr"]
    check(all("data" in e for e in text_chunks), "valid UTF-8 output came as text")
    check(len(text_chunks) > 1, "the text came in several chunks")
    k.close()
    k.finish()


def scenario_whole_run(scratch, args):
    """-c, --script and exec mode: no line events, output and the end."""
    k = Krunsh(scratch, args, stdin=subprocess.DEVNULL)
    end, status = k.finish()
    check(not [e for e in k.events if e["event"].startswith("line-")], "no line events")
    out = k.output.get((None, "stdout"), b"")
    check(out.startswith(b"out"), "stdout %r" % out)
    expect_eq("stderr", b"err\n", k.output.get((None, "stderr"), b""))
    expect_eq("status", 4, status)
    sys.stdout.write(k.first["mode"] + "\n")


def scenario_krunsh_fails(scratch, args):
    """krunsh's own failure: the run's end says why, stderr too."""
    k = Krunsh(scratch, args, stdin=subprocess.DEVNULL)
    end, status = k.finish()
    expect_eq("status", 125, status)
    message = bytes_field(end, "message")
    check(message, "a message in %s" % end)
    check(("krunsh: " + message.decode()) in k.stderr_text(),
          "stderr has the message: %s" % k.stderr_text())


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def scenario_stalled_reader(scratch, args):
    """A reader that stops reading stalls the guest, not krunsh's memory;
    --timeout still ends the run, and its end is still said."""
    timeout = 8 * SLOWNESS
    k = Krunsh(scratch, ["--timeout", str(timeout)] + args)
    pid = k.first["pid"]
    k.write("cat /dev/zero\n")
    k.until("line-started")
    started = time.monotonic()
    time.sleep(2)
    first = rss_kib(pid)
    time.sleep(3)
    second = rss_kib(pid)
    check(second < 64 * 1024, "krunsh RSS %d KiB while stdout is stalled" % second)
    check(second - first < 4 * 1024, "RSS grew from %d to %d KiB while stalled" % (first, second))
    # Still stalled: wait past the timeout before reading a byte more.
    while time.monotonic() - started < timeout + 2:
        time.sleep(0.5)
    event = k.until("run-finished")[-1]
    status = k.proc.wait(timeout=EVENT_WAIT)
    expect_eq("status in run-finished", 124, event["status"])
    expect_eq("exit status", 124, status)
    sys.stdout.write("rss %d %d KiB\n" % (first, second))


def scenario_signal_while_stalled(scratch, args):
    k = Krunsh(scratch, args)
    pid = k.first["pid"]
    k.write("cat /dev/zero\n")
    k.until("line-started")
    time.sleep(2)
    os.kill(pid, signal.SIGTERM)
    t0 = time.monotonic()
    event = k.until("run-finished")[-1]
    status = k.proc.wait(timeout=EVENT_WAIT)
    expect_eq("status in run-finished", 128 + signal.SIGTERM, event["status"])
    expect_eq("exit status", 128 + signal.SIGTERM, status)
    check(time.monotonic() - t0 < 30, "ended soon after the signal")


SCENARIOS = {name[len("scenario_"):]: f for name, f in globals().items()
             if name.startswith("scenario_")}


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in SCENARIOS:
        sys.stderr.write("usage: events_client.py {%s} SCRATCH [ARG...]\n" % ",".join(SCENARIOS))
        return 2
    try:
        SCENARIOS[sys.argv[1]](sys.argv[2], sys.argv[3:])
    except CheckFailed as e:
        sys.stderr.write("events_client: %s: %s\n" % (sys.argv[1], e))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
