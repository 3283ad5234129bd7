"""Small pieces every view shares: the error area, safe callbacks, escaping.

A widget callback runs inside the kernel's message loop. If it raises, ipywidgets prints a
traceback somewhere the learner may never see (or, under Voila, nowhere), and the page seems
frozen. So every callback the dashboard registers goes through :func:`guarded`: an
unexpected exception becomes one short sentence in the :class:`ErrorArea`, and the page
keeps working.

A ``MemoryError`` is the one failure a learner causes without a bug: the server gives each
learner's kernel only so much memory, and a big enough array or graph needs more. It gets
a sentence in plain words (:data:`MEMORY_MESSAGE`) instead of an exception's name.
"""

import html
import logging
from importlib import resources

import ipywidgets as widgets

__all__ = ["ErrorArea", "guarded", "escape", "MEMORY_MESSAGE", "failure_text", "asset"]

log = logging.getLogger("tutor.widgets")

MEMORY_MESSAGE = ("That needs more memory than this server gives one learner: try smaller "
                  "arrays or a shorter function.")


def escape(text):
    """Text made safe to put inside HTML (a learner's expression may contain ``<``)."""
    return html.escape(str(text), quote=True)


class ErrorArea(widgets.HTML):
    """Where the dashboard says what went wrong (CSS class ``tutor-error``).

    ``show(message)`` displays a message (``kind`` is ``"error"`` or ``"warning"``), ``clear()``
    empties it; ``message`` is the plain text shown, ``""`` when there is none. The area is
    always in the page; when empty it takes no space.
    """

    STYLES = {
        "error": "color:#8b1a1a;background:#fdecea;border-left:4px solid #c62828;",
        "warning": "color:#6d4c00;background:#fff8e1;border-left:4px solid #f9a825;",
    }

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.add_class("tutor-error")
        self.message = ""
        self.kind = None
        self.failure = None     # the last exception a guarded callback turned into a message

    def show(self, message, kind="error"):
        self.message, self.kind = str(message), kind
        style = self.STYLES.get(kind, self.STYLES["error"])
        self.value = (f'<div role="alert" style="{style}padding:4px 8px;margin:2px 0;line-height:1.4;'
                      f'white-space:pre-wrap">{escape(message)}</div>')

    def clear(self):
        self.message, self.kind = "", None
        self.value = ""


def failure_text(error, what="this action"):
    """The one line a learner reads about an unexpected ``error`` that happened while ``what``.

    ``Something went wrong while stepping: ValueError: ...`` in general; for a
    ``MemoryError``, :data:`MEMORY_MESSAGE` and that the page still works.
    """
    if isinstance(error, MemoryError):
        return f"{MEMORY_MESSAGE} (That happened while {what}; the page still works.)"
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    if len(text) > 300:
        text = text[:297] + "..."
    return f"Something went wrong while {what}: {type(error).__name__}" + (
        f": {text}" if text else "")


def guarded(error_area, what="this action"):
    """Decorator: run a widget callback, turning any exception into a message in ``error_area``.

    The traceback goes to the ``tutor.widgets`` logger (for whoever runs the server); the
    learner reads one line (see :func:`failure_text`), and ``error_area.failure`` keeps the
    exception, so that the code which started the callback can tell it failed.
    """
    def decorate(callback):
        def safe(*args, **kwargs):
            try:
                return callback(*args, **kwargs)
            except Exception as error:       # noqa: BLE001 (a callback must never raise)
                log.exception("error in a dashboard callback (%s)", what)
                error_area.show(failure_text(error, what))
                error_area.failure = error
        safe.__name__ = getattr(callback, "__name__", "callback")
        safe.__doc__ = callback.__doc__
        return safe
    return decorate


def asset(name):
    """The text of ``name``, a JavaScript or CSS file shipped beside this module (what an
    anywidget's ``_esm`` and ``_css`` take)."""
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
