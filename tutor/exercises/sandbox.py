"""Running a learner's code in a forked child process, with a hard time and memory limit.

A time limit inside the kernel's own process can be escaped: a long C loop
(``sum(range(3*10**8))``) does not look at signals until it ends, a learner's
``except BaseException`` swallows the interruption, ``signal.setitimer(...)`` switches the
alarm off, and ``os._exit(0)`` ends the kernel itself. So on Linux and macOS the checker
``fork()`` s: the child is a copy of the kernel, with every function the learner defined, and
runs their code; the parent waits on a pipe with a deadline and kills the child when it is
up. Whatever the child does, the parent (the learner's kernel) carries on.

The child is kept from reaching anything but its own work (this is the learner's kernel,
and on a hub a machine every learner shares):

* **everything it starts dies with it.** It runs in a process group of its own, and while
  it runs the kernel is a child subreaper, so a grandchild that calls ``os.setsid()`` and
  spins is still found, killed and reaped when the check ends (:mod:`.sandbox_tree`);
* **it cannot signal another process**: a seccomp filter refuses ``kill`` and its kin,
  ``ptrace`` and ``process_vm_writev``, so it cannot freeze the kernel with ``SIGSTOP``
  (:mod:`.sandbox_filter`);
* **it inherits no open file but its pipes**: every other descriptor it got from the
  kernel (the server's log behind the kernel's stdout and stderr, the kernel's sockets)
  now points at ``/dev/null``, so what it prints goes nowhere but the capped text the
  parent reads (at most :data:`MESSAGE_LIMIT_BYTES` of it).

The child talks back in lines of JSON (plain strings and numbers only, so nothing the
learner made can run in the parent while it reads them); the parent sends the child one
pickled object (the expected results, computed *after* the fork, so the learner's code
never finds them in memory). Where ``fork`` is missing (Windows) :func:`can_fork` is False
and the checker runs the code in-process instead.
"""

import io
import json
import os
import pickle
import select
import signal
import struct
import sys
import time
import warnings

from . import sandbox_filter, sandbox_tree

MEMORY_LIMIT_BYTES = 1 << 30    # on top of what the kernel already uses
OUTPUT_LIMIT_CHARS = 4000       # what a check may print
MESSAGE_LIMIT_BYTES = 4 << 20   # what the parent reads from a child; past it, it is killed


def can_fork():
    """True where the checker can run learner code in a child process."""
    return hasattr(os, "fork") and hasattr(os, "pipe") and sys.platform != "win32"


class CappedOutput(io.TextIOBase):
    """A stand-in for ``sys.stdout`` that keeps the first ``limit`` characters written.

    A learner's ``print`` inside a loop of a million steps must not flood the notebook:
    the rest is counted and summarised in one line by :meth:`text`.
    """

    def __init__(self, limit=OUTPUT_LIMIT_CHARS):
        super().__init__()
        self.limit = limit
        self.parts = []
        self.kept = 0
        self.dropped = 0

    def writable(self):
        return True

    def write(self, text):
        text = str.__str__(text) if isinstance(text, str) else str(text)
        room = self.limit - self.kept
        if room > 0:
            self.parts.append(text[:room])
            self.kept += min(room, len(text))
        self.dropped += max(0, len(text) - max(room, 0))
        return len(text)

    def text(self):
        """What was printed, with a note when some of it was cut off."""
        body = "".join(self.parts)
        if self.dropped:
            body += f"\n… ({self.dropped} more characters of output not shown)\n"
        return body


class ChildEnded:
    """How a child run ended: the JSON ``messages`` it sent, and why it stopped.

    ``how`` is ``"finished"`` (it sent a message with ``"done": true``), ``"timeout"`` (the
    parent killed it at the deadline) or ``"exited"`` (it ended on its own first, e.g.
    ``os._exit``; ``status`` says how, as ``os.waitpid`` reports it).
    """

    def __init__(self, messages, how, status=None, seconds=0.0):
        self.messages = messages
        self.how = how
        self.status = status
        self.seconds = seconds

    def last(self, key):
        """The last message that has ``key``, or None."""
        for message in reversed(self.messages):
            if key in message:
                return message
        return None

    def describe_exit(self):
        """``exit code 0`` or ``signal 9 (SIGKILL)``: how the child process ended."""
        if self.status is None:
            return "an unknown way"
        if os.WIFSIGNALED(self.status):
            number = os.WTERMSIG(self.status)
            try:
                name = signal.Signals(number).name
            except ValueError:
                name = "?"
            return f"signal {number} ({name})"
        return f"exit code {os.WEXITSTATUS(self.status)}"


def run_forked(child_main, payload, seconds, memory_limit=MEMORY_LIMIT_BYTES):
    """Run ``child_main(send, receive)`` in a forked child; return a :class:`ChildEnded`.

    ``send(dict)`` sends a JSON message to the parent; ``receive()`` returns the object the
    parent pickled, produced by calling ``payload()`` in the parent *after* the fork (so the
    child's memory never holds it before it asks). ``seconds`` (None: no limit) bounds the
    child's whole life; then it is killed with SIGKILL.
    """
    to_child_read, to_child_write = os.pipe()
    from_child_read, from_child_write = os.pipe()
    sandbox_filter.prepare()
    subreaper_before = sandbox_tree.become_subreaper()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)    # "fork with threads" (3.12+)
        pid = os.fork()
    if pid == 0:                                    # the child: never returns
        os.close(to_child_write)
        os.close(from_child_read)
        _child(child_main, to_child_read, from_child_write, memory_limit)
    os.close(to_child_read)
    os.close(from_child_write)
    try:
        os.setpgid(pid, pid)                        # as the child does: whoever is first
    except OSError:
        pass
    start = time.monotonic()
    started = sandbox_tree.start_ticks(pid)
    try:
        return _parent(pid, payload, to_child_write, from_child_read, seconds, start)
    finally:
        for fd in (to_child_write, from_child_read):
            try:
                os.close(fd)
            except OSError:
                pass
        sandbox_tree.end_descendants(started)
        sandbox_tree.restore_subreaper(subreaper_before)


def _child(child_main, read_fd, write_fd, memory_limit):
    code = 0
    try:
        os.setpgid(0, 0)                            # a group of its own (see _kill)
        _inherit_nothing(keep=(read_fd, write_fd))
        sandbox_filter.forbid_signals()
        _limit_memory(memory_limit)
        signal.signal(signal.SIGINT, signal.SIG_DFL)   # an interrupt simply ends the child

        def send(message):
            line = (json.dumps(message) + "\n").encode("utf-8")
            while line:
                written = os.write(write_fd, line)
                line = line[written:]

        def receive():
            size = struct.unpack("<Q", _read_exactly(read_fd, 8))[0]
            return pickle.loads(_read_exactly(read_fd, size))

        child_main(send, receive)
    except BaseException:                           # noqa: BLE001 - the child must exit here
        code = 70
    finally:
        os._exit(code)


def _inherit_nothing(keep):
    """Point every descriptor the child inherited, but ``keep``, at ``/dev/null``.

    Not closed: a library holding one of those numbers (the signal wake-up descriptor of
    the kernel's event loop, a socket) would then write into whatever file reused it.
    """
    try:
        signal.set_wakeup_fd(-1)
    except ValueError:                              # not the main thread: left to /dev/null
        pass
    devnull = os.open(os.devnull, os.O_RDWR)
    try:
        inherited = [int(fd) for fd in os.listdir("/proc/self/fd")]
    except OSError:                                 # no /proc (macOS): the usual range
        inherited = range(max(3, min(os.sysconf("SC_OPEN_MAX"), 4096)))
    for fd in inherited:
        if fd not in keep and fd != devnull:
            try:
                os.dup2(devnull, fd)
            except OSError:
                pass
    os.close(devnull)


def _limit_memory(extra):
    try:
        import resource
    except ImportError:                             # pragma: no cover
        return
    if extra is None:
        return
    try:
        with open("/proc/self/statm") as handle:
            used = int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        used = 0
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = used + extra
    for bound in (soft, hard):      # never loosen a limit the server set on the kernel
        if bound != resource.RLIM_INFINITY:
            limit = min(limit, bound)
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ValueError, OSError):                   # pragma: no cover
        pass


def _read_exactly(fd, size):
    chunks, remaining = [], size
    while remaining:
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            raise EOFError("the parent closed the pipe")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _parent(pid, payload, write_fd, read_fd, seconds, start):
    deadline = None if seconds is None else start + seconds
    messages, buffer, status = [], b"", None
    outgoing = None                                 # bytes still to send to the child
    how, received = None, 0
    try:
        data = pickle.dumps(payload(), protocol=pickle.HIGHEST_PROTOCOL)
        outgoing = struct.pack("<Q", len(data)) + data
    except Exception:                               # noqa: BLE001 - the child computes it
        data = pickle.dumps(None)
        outgoing = struct.pack("<Q", len(data)) + data
    os.set_blocking(write_fd, False)
    try:
        while how is None:
            wait = None if deadline is None else deadline - time.monotonic()
            if wait is not None and wait <= 0:
                how = "timeout"
                break
            writers = [write_fd] if outgoing else []
            readable, writable, _ = select.select([read_fd], writers, [], wait)
            if writable and outgoing:
                try:
                    sent = os.write(write_fd, outgoing[:1 << 16])
                    outgoing = outgoing[sent:]
                except BlockingIOError:
                    pass
                except OSError:                     # the child is gone or stopped reading
                    outgoing = b""
            if readable:
                chunk = os.read(read_fd, 1 << 16)
                received += len(chunk)
                if not chunk or received > MESSAGE_LIMIT_BYTES:
                    how = "exited"                  # a flood is ended like a crash
                    break
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                for line in lines:
                    try:
                        message = json.loads(line.decode("utf-8"))
                    except ValueError:
                        continue
                    if isinstance(message, dict):
                        messages.append(message)
                        if message.get("done"):
                            how = "finished"
    finally:
        _kill(pid)                                  # finished or not: nothing may go on
        status = _reap(pid, kill_after=0.0)
    return ChildEnded(messages, how or "exited", status, time.monotonic() - start)


def _kill(pid):
    """Kill the child and its process group (what it started, where ``/proc`` cannot tell:
    the subreaper's sweep catches the rest). The child is not reaped yet, so its id cannot
    have been given to another process."""
    for kill in (os.killpg, os.kill):
        try:
            kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def _reap(pid, kill_after):
    """Wait for the child; one that does not exit within ``kill_after`` s is killed."""
    deadline = time.monotonic() + kill_after
    while True:
        try:
            done, status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return None
        if done:
            return status
        if time.monotonic() >= deadline:
            _kill(pid)
            try:
                return os.waitpid(pid, 0)[1]
            except ChildProcessError:
                return None
        time.sleep(0.002)
