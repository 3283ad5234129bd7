"""A server's log that an attack cannot fill: a record repeated too often is folded into a count.

When the server ran out of file descriptors, every attempt to accept a connection failed
and was logged with its traceback: 248,000 "Errno 24" tracebacks, 141 MB in 33 seconds. A
log that grows that fast fills the disk and hides everything else in it. So each handler of
the server's log gets a :class:`RepeatsFolded` filter: of the warnings and errors of one
kind, the first ``burst`` in any ``every`` seconds go through; the rest are only counted,
and the next one that goes through says how many were left out. A *kind* is the logger,
the level, the message before its arguments are filled in (``"Exception in callback %r"``)
and, for an exception, its type and error number: so a thousand refused connections are one
kind, while a different error still shows at once. Information (``INFO`` and below) is
never folded: a server's everyday messages repeat by nature.
"""

import logging
import time

KINDS_REMEMBERED = 1000      # kinds of record tracked at once; the oldest is forgotten


class RepeatsFolded(logging.Filter):
    """Let ``burst`` warnings or errors of each kind through per ``every`` seconds."""

    def __init__(self, every=10.0, burst=20, clock=time.monotonic):
        super().__init__()
        self.every = every
        self.burst = burst
        self.clock = clock
        self.kinds = {}       # kind -> [window start, records let through, records left out]

    def filter(self, record):
        if record.levelno < logging.WARNING:
            return True
        kind = (record.name, record.levelno, str(record.msg)[:200], _error_kind(record))
        now = self.clock()
        seen = self.kinds.pop(kind, None)
        if seen is None or now - seen[0] >= self.every:
            if seen is not None and seen[2]:
                record.msg = (f"{record.getMessage()} [the same was logged {seen[2]} more "
                              f"times in the {now - seen[0]:.0f} s before; those were left out]")
                record.args = ()
            seen = [now, 0, 0]
        self.kinds[kind] = seen                     # the most recent kinds stay remembered
        while len(self.kinds) > KINDS_REMEMBERED:
            del self.kinds[next(iter(self.kinds))]
        if seen[1] < self.burst:
            seen[1] += 1
            return True
        seen[2] += 1
        return False


def _error_kind(record):
    if not record.exc_info or record.exc_info[1] is None:
        return None
    error = record.exc_info[1]
    return type(error).__name__, getattr(error, "errno", None)


def fold_repeats(*loggers, every=10.0, burst=20):
    """Add one :class:`RepeatsFolded` to every handler of ``loggers`` (and of the root, of
    Tornado's and of asyncio's loggers, through which an event loop reports its errors)."""
    folding = RepeatsFolded(every, burst)
    names = (None, "tornado", "tornado.application", "tornado.general", "asyncio")
    handlers = {handler for logger in (*loggers, *map(logging.getLogger, names))
                for handler in getattr(logger, "handlers", ())}
    for handler in handlers:
        if not any(isinstance(existing, RepeatsFolded) for existing in handler.filters):
            handler.addFilter(folding)
    return folding
