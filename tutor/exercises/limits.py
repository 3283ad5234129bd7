"""Running a learner's code safely: a time limit, and tracebacks that show only their code.

An endless ``while`` loop in an exercise must not hang the notebook. In the main thread a
timer signal (``SIGALRM`` via ``setitimer``) interrupts the loop by raising
:class:`TimeLimitExceeded` inside it; any timer that was already set (pytest-timeout uses
one) is put back afterwards. Elsewhere (a worker thread, or a platform without
``setitimer``) a trace function checks the clock on every line of Python executed and raises
the same exception. Either way the kernel stays usable afterwards.
"""

import os
import signal
import sys
import sysconfig
import threading
import time
import traceback
import contextlib
from contextlib import contextmanager


class TimeLimitExceeded(BaseException):
    """Raised inside learner code when its time is up.

    A ``BaseException`` rather than an ``Exception`` so that a learner's ``except Exception``
    cannot swallow it and keep looping.
    """


@contextmanager
def time_limit(seconds):
    """Raise :class:`TimeLimitExceeded` in the body if it runs longer than ``seconds``."""
    if seconds is None:
        yield
        return
    seconds = max(float(seconds), 1e-3)
    use_signal = (hasattr(signal, "setitimer")
                  and threading.current_thread() is threading.main_thread())
    manager = _signal_limit if use_signal else _trace_limit
    with manager(seconds):
        yield


@contextmanager
def _signal_limit(seconds):
    def on_alarm(signum, frame):
        raise TimeLimitExceeded()

    start = time.monotonic()
    previous_handler = signal.signal(signal.SIGALRM, on_alarm)
    previous_delay, previous_interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler)
        if previous_delay > 0:      # someone else's timer was running: let it go on
            remaining = previous_delay - (time.monotonic() - start)
            signal.setitimer(signal.ITIMER_REAL, max(remaining, 1e-3), previous_interval)


@contextmanager
def _trace_limit(seconds):
    deadline = time.monotonic() + seconds

    def tracer(frame, event, arg):
        if time.monotonic() > deadline:
            raise TimeLimitExceeded()
        return tracer

    # sys.settrace reaches frames entered from now on; the frame running the `with` body is
    # already running, so it gets the tracer directly.
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename in (__file__, contextlib.__file__):
        frame = frame.f_back
    previous_frame_trace = frame.f_trace if frame is not None else None
    previous = sys.gettrace()
    sys.settrace(tracer)
    if frame is not None:
        frame.f_trace = tracer
    try:
        yield
    finally:
        sys.settrace(previous)
        if frame is not None:
            frame.f_trace = previous_frame_trace


# ------------------------------------------------------------------ learner's frames only

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))   # .../tutor
_LIBRARY_DIRS = tuple(sorted({os.path.abspath(path) for key in
                              ("stdlib", "platstdlib", "purelib", "platlib")
                              if (path := sysconfig.get_paths().get(key))}))


def is_learner_file(filename):
    """True for files the learner wrote: not the tutor package, not Python or its libraries."""
    if filename.startswith("<") and filename.endswith(">") and filename != "<string>":
        return not filename.startswith("<frozen")
    path = os.path.abspath(filename)
    inside = [_PACKAGE_DIR, *_LIBRARY_DIRS]
    return not any(path == folder or path.startswith(folder + os.sep) for folder in inside)


def learner_traceback(exc, limit=6):
    """The traceback of ``exc`` with only the learner's own frames, then the error line.

    Frames of the checker, of ``tutor`` and of installed libraries are left out: they would
    bury the one line that matters. Deep recursions keep only the last ``limit`` frames.
    """
    frames = [frame for frame in traceback.extract_tb(exc.__traceback__)
              if is_learner_file(frame.filename)]
    lines = []
    if len(frames) > limit:
        lines.append(f"  ... {len(frames) - limit} earlier frames of your code left out\n")
        frames = frames[-limit:]
    lines += traceback.format_list(frames)
    try:
        lines += traceback.format_exception_only(type(exc), exc)
    except Exception:           # noqa: BLE001
        lines.append(describe_exception(exc) + "\n")
    return "".join(lines).rstrip()


def describe_exception(exc):
    """``ZeroDivisionError: division by zero`` in one line (never raises, even when the
    exception's own ``__str__`` does)."""
    try:
        text = str(exc)
        text = str.__str__(text).strip().splitlines() if isinstance(text, str) else []
    except Exception:           # noqa: BLE001 - a learner's exception with a broken __str__
        text = ["(its message could not be shown: its __str__ failed)"]
    return type(exc).__name__ + (f": {text[0]}" if text else "")
