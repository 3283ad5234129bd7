"""The stepper: a Recording drawn as SVG and stepped in the browser, with no round trip.

:class:`StepperView` is an ``anywidget``: Python sends the recording's story (the JSON of
:mod:`tutor.widgets.story`) once, and the page draws the graph, the listing, the inspector
table, the status and the result, and steps them itself: the buttons, the slider, Play, the
keys (→ ← Home End Space, + − to zoom), a click on a node. ``k`` is a synced trait: the
page tells Python where the learner is after each step (Practice, the tests and
``app.stepper`` read it), and Python can move it (``view.k = 5``, :meth:`StepperView.go`),
but no step waits for Python.

The front end is plain JavaScript in this folder, one ES module per concern:

    story.js      reading the story at step k (pure functions)
    geometry.js   boxes on the layout's grid, edge curves, labels (pure)
    viewport.js   zoom and pan (pure)
    graph.js      the SVG drawing, updated per step
    inspector.js  the step in words, node cards, the listing and the table
    stepper.js    render({model, el}): the page, its controls and keys

:func:`module_text` joins them into the one module anywidget loads (their
``import ... from "./x.js"`` lines dropped: each name is defined once, in the file that
exports it), and :func:`css_text` gives ``stepper.css``. A page without Jupyter renders
the same module with a small model object of its own (``get``, ``set``, ``on``, ``off``,
``save_changes``); ``tests/js`` runs the pure modules in Node.
"""

import re
from importlib import resources

import anywidget
import traitlets

from .. import story as _story
from ..words import status_text

__all__ = ["StepperView", "module_text", "css_text", "MODULES"]

MODULES = ("story.js", "geometry.js", "viewport.js", "graph.js", "inspector.js", "stepper.js")
_LOCAL_IMPORT = re.compile(r'^import\s*\{[^}]*\}\s*from\s*"\./[\w-]+\.js";\s*\n',
                           re.MULTILINE)


def _read(name):
    return resources.files(__name__).joinpath(name).read_text(encoding="utf-8")


def module_text():
    """The stepper's ES modules joined into one (what anywidget's ``_esm`` takes)."""
    parts = []
    for name in MODULES:
        text = _LOCAL_IMPORT.sub("", _read(name))
        if re.search(r"^import\b", text, re.MULTILINE):
            raise ValueError(f"{name} imports something other than the stepper's own modules")
        parts.append(f"// ---- {name}\n{text}")
    return "\n".join(parts)


def css_text():
    """``stepper.css``."""
    return _read("stepper.css")


class StepperView(anywidget.AnyWidget):
    """One recording, drawn and stepped in the browser (see the module doc).

    Traits (all synced with the page): ``story`` (the JSON text; set it with :meth:`show`),
    ``k`` (the step shown, ``0 .. steps``), ``story_id`` (counts the stories shown) and
    ``step`` (``"story_id:k"``: which story the page's last ``k`` was a step of; a step the
    page sent for the recording shown before is not taken for one of the new, see
    :meth:`current`), ``playing``,
    ``speed`` (steps a second while
    playing, 1 to 10), ``pinned`` (the id of the node pinned in the inspector, ``""`` for
    none) and ``mark`` (``{"k": 7, "node": "v3", "note": "..."}``: a step and a node to
    mark, e.g. where two recordings first differ; ``{}`` for none). Link two views'
    ``k`` with ``ipywidgets.jslink`` and they step together in the page.

    From Python: :meth:`show`, :meth:`go`, :meth:`forward`, :meth:`back`,
    :meth:`to_end`, :meth:`reset`, and :attr:`status` (``"backward 3/9"``).
    """

    _esm = module_text()
    _css = css_text()
    story = traitlets.Unicode("").tag(sync=True)
    # not echoed: an echo of an earlier step, arriving late, would move the page back
    k = traitlets.Int(0).tag(sync=True, echo_update=False)
    story_id = traitlets.Int(0).tag(sync=True)
    step = traitlets.Unicode("").tag(sync=True, echo_update=False)    # (the page knows it)
    playing = traitlets.Bool(False).tag(sync=True)
    speed = traitlets.Int(2).tag(sync=True)
    pinned = traitlets.Unicode("").tag(sync=True)
    mark = traitlets.Dict({}).tag(sync=True)

    def __init__(self, recording=None, k=0, **kwargs):
        super().__init__(**kwargs)
        self.add_class("tutor-stepper-view")
        self.recording = None
        if recording is not None:
            self.show(recording, k)

    @traitlets.validate("speed")
    def _valid_speed(self, proposal):
        return max(1, min(int(proposal["value"]), 10))

    @property
    def steps(self):
        """How many steps the recording shown has (0 without one)."""
        return self.recording.steps if self.recording is not None else 0

    def show(self, recording, k=0):
        """Show ``recording`` at step ``k``: its story goes to the page in one message."""
        text = _story.story_json(recording) if recording is not None else ""
        with self.hold_sync():
            self.recording = recording
            self.playing = False
            self.pinned = ""
            self.story = text
            self.story_id += 1
            self.k = self.position if k is None else self._clamped(k)
            self.step = f"{self.story_id}:{self.k}"       # sent even when k stays the same

    def current(self):
        """Is the page's last ``k`` a step of the story shown now? (Not when the page sent
        it for the story before, having stepped while Python was loading a new one: then
        Python keeps its own step, and the page, which shows the new story from the step
        Python sent with it, tells Python its next step.)"""
        return self.step.partition(":")[0] in ("", str(self.story_id))

    @property
    def position(self):
        """``k`` within ``0 .. steps``."""
        return self._clamped(self.k)

    def _clamped(self, k):
        return max(0, min(int(k), self.steps))

    def go(self, k):
        """Show step ``k`` (clamped into ``0 .. steps``)."""
        self.k = self._clamped(k)

    def forward(self):
        self.go(self.position + 1)

    def back(self):
        self.go(self.position - 1)

    def to_end(self):
        self.go(self.steps)

    def reset(self):
        self.go(0)

    @property
    def status(self):
        """What the page's status line says: ``forward 3/6``, ``backward 2/9``."""
        return status_text(self.recording, self.position)
