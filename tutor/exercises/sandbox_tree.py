"""Every process a check started ends with the check, even one that left on purpose.

The checker runs a learner's code in a forked child (:mod:`.sandbox`). Killing that child is
not enough: an answer may ``os.fork()`` a grandchild, which may call ``os.setsid()`` to
leave the child's process group and session, and spin. Its parent gone, Linux hands an
orphan to the nearest ancestor that is a **child subreaper**
(``prctl(PR_SET_CHILD_SUBREAPER)``), or else to ``init``, where nobody would ever look for
it again. So while a check runs, the kernel running it is a subreaper: whatever the learner's
code starts stays a descendant of the kernel, however it detaches. When the check ends,
:func:`end_descendants` kills every child of the kernel started since the check began, and
everything below them, again and again until none is left (a process being killed cannot
start another), and waits for each so that no zombie stays.

Processes are found in ``/proc`` (each task's ``children`` file); their start times tell a
process the check started from one the learner started earlier in the notebook. Without
``/proc`` or ``prctl`` (macOS) the sandbox can only kill the child's process group.
"""

import ctypes
import ctypes.util
import os
import signal
import sys
import time

PR_SET_CHILD_SUBREAPER = 36
PR_GET_CHILD_SUBREAPER = 37
GIVE_UP_AFTER = 5.0                 # seconds: a tree that will not die is left to its fate

_libc = None


def _prctl():
    """libc's ``prctl``, loaded once in the parent (never in a freshly forked child)."""
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
    return _libc.prctl


def become_subreaper():
    """Make this process a child subreaper; return what it was before (None: not possible)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = _prctl()
        before = ctypes.c_int(0)
        if prctl(PR_GET_CHILD_SUBREAPER, ctypes.byref(before), 0, 0, 0) != 0:
            return None
        if prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
            return None
        return before.value
    except (OSError, AttributeError):
        return None


def restore_subreaper(before):
    """Put back the subreaper setting :func:`become_subreaper` found."""
    if before == 0:
        _prctl()(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)


def start_ticks(pid):
    """When process ``pid`` started, in clock ticks since boot (None once it is gone)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            fields = handle.read().rsplit(b")", 1)[1].split()
        return int(fields[19])
    except (OSError, IndexError, ValueError):
        return None


def children_of(pid):
    """The process ids whose parent is ``pid`` (from ``/proc/<pid>/task/*/children``)."""
    found = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children", "rb") as handle:
                found.extend(int(child) for child in handle.read().split())
        except (OSError, ValueError):
            continue
    return found


def descendants_of(pid):
    """Every process below ``pid``, children first."""
    found, pending = [], [pid]
    while pending:
        for child in children_of(pending.pop()):
            found.append(child)
            pending.append(child)
    return found


def end_descendants(since):
    """Kill and reap every child of this process started at or after ``since`` (clock
    ticks, from :func:`start_ticks` of the check's child), with everything below it.
    Returns how many processes were killed."""
    killed = set()
    if since is None or not os.path.isdir("/proc/self/task"):
        return 0
    me = os.getpid()
    deadline = time.monotonic() + GIVE_UP_AFTER
    while time.monotonic() < deadline:
        started_by_check = [child for child in children_of(me)
                            if (start_ticks(child) or -1) >= since]
        tree = started_by_check + [below for child in started_by_check
                                   for below in descendants_of(child)]
        alive = [pid for pid in tree if not _is_zombie(pid)]
        for pid in alive:
            _kill(pid)
        killed.update(alive)
        for child in started_by_check:
            _reap_if_done(child)
        if not tree:
            break
        time.sleep(0.001)
    return len(killed)


def _kill(pid):
    try:
        os.kill(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _is_zombie(pid):
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            return handle.read().rsplit(b")", 1)[1].split()[0] == b"Z"
    except (OSError, IndexError):
        return True                                 # gone: nothing left to kill


def _reap_if_done(pid):
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
