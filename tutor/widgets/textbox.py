"""A one-line text box that never rewrites what the learner is typing (``textbox.js``).

The explorer fills in a value for a variable the values box lacks. With ipywidgets' ``Text``
that value reached the box in the middle of the learner's typing and mixed with it. A
:class:`TextBox` shows a value Python sets only when the learner is not in the box: while it
has the focus the value waits, and once the learner types it is dropped (their text is
newer, and Enter sends it).

    box = TextBox(value="x=1, y=2", description="at")
    box.observe(lambda change: ..., "value")     # Enter, or leaving the box after typing
    box.on_submit(lambda box: ...)                # Enter on text Python already has

Setting ``value`` from Python works as for any widget (the tests do it); the page decides
when to show it.
"""

import anywidget
import traitlets

from .common import asset

__all__ = ["TextBox"]


class TextBox(anywidget.AnyWidget):
    """A labelled one-line text box (see the module doc); ``value``, ``description``,
    ``placeholder`` and ``disabled`` are synced with the page."""

    _esm = asset("textbox.js")
    _css = asset("textbox.css")
    value = traitlets.Unicode("").tag(sync=True)
    description = traitlets.Unicode("").tag(sync=True)
    placeholder = traitlets.Unicode("").tag(sync=True)
    disabled = traitlets.Bool(False).tag(sync=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._submitted = []
        self.on_msg(self._message)

    def on_submit(self, callback):
        """Call ``callback(box)`` when Enter is pressed on text that Python already has (a
        changed text arrives as a new ``value`` instead)."""
        self._submitted.append(callback)
        return callback

    def submit(self):
        """What Enter on unchanged text does."""
        for callback in list(self._submitted):
            callback(self)

    def _message(self, widget, content, buffers):
        if isinstance(content, dict) and content.get("event") == "submit":
            self.submit()
