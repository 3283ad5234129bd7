"""A :class:`Comparison`: your recording and the reference's, side by side.

Displayed in a notebook, it is two steppers (the stepper of :mod:`tutor.widgets.stepper`, the
one every view uses) under one verdict: yours on the left, ``tutor.autograd``'s on the right,
their step ``k`` linked in the page so that they step together. The first differing step is
marked on both: the node on each graph, a tick on each slider, a line ``≠ first difference``
in each listing, and the sentence among the step's notes; both open at that step. As text
(a script, a test, a notebook saved without widgets) it is the verdict and whose each piece
is.
"""

import json
from dataclasses import dataclass, field
from typing import Any, Optional

import ipywidgets as widgets

from .exercises.model import Result
from .notation import value_text
from .widgets.common import escape
from .widgets.story import story_of
from .widgets.stepper import StepperView

__all__ = ["Comparison", "ComparisonView", "Verdict"]

MARK = "   ≠ first difference"


@dataclass(frozen=True, eq=False)
class Comparison:
    """What :func:`tutor.mygrad.compare` found.

    ``mine`` and ``reference`` are the two :class:`~tutor.record.Recording` s (``mine`` None
    when your code stopped before anything could be drawn); ``agree`` is True when they
    agree at every step; ``first_difference`` is None then, else a
    :class:`~tutor.mygrad_diff.Difference` (its ``sentence`` says it all, its ``piece``
    names what to fix); ``whose`` maps each piece to ``yours``, ``the course's`` ...
    """

    mine: Any
    reference: Any
    difference: Any = None
    whose: dict = field(default_factory=dict)
    mode: str = "reverse"

    @property
    def first_difference(self):
        return self.difference

    @property
    def agree(self):
        return self.difference is None

    @property
    def piece(self):
        """The piece to fix (``vjp_sin``, ``backward_pass's accumulation`` ...), or None."""
        return None if self.difference is None else self.difference.piece

    def verdict(self):
        """One line: they agree, or the first difference."""
        if self.agree:
            steps = self.reference.steps
            return (f"✔ Your autograd and tutor.autograd agree at every step ({steps} steps), "
                    f"and on the result.")
        return f"✘ {self.difference.sentence}"

    def whose_text(self):
        """``primitive yours, vjp_sin yours (it does not pass l05-vjp-sin yet), ...``."""
        return ", ".join(f"{name} {share}" for name, share in self.whose.items())

    def __repr__(self):
        recording = self.reference or self.mine
        call = "f" if recording is None else f"{recording.function_name}(" + ", ".join(
            f"{name}={value_text(value)}" for name, value in recording.arguments.items()) + ")"
        lines = [f"Your autograd beside tutor.autograd on {call}:", f"  {self.verdict()}"]
        if not self.agree:
            lines.append(f"  The piece to fix: {self.difference.piece}.")
        if self.whose:
            lines.append(f"  Pieces: {self.whose_text()}.")
        return "\n".join(lines)

    __str__ = __repr__

    def view(self):
        """The side-by-side steppers, as a widget (:class:`ComparisonView`)."""
        return ComparisonView(self)

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.view()._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = repr(self)
        return bundle


def _marked_story(recording, k, sentence):
    """The stepper's story of ``recording`` with step ``k`` marked in the listing and its
    notes saying ``sentence``."""
    story = story_of(recording)
    for entry in story["listing"]:
        if entry.get("step") == k:
            entry["suffix"] = entry.get("suffix", "") + MARK
    if 0 < k < len(story["steps"]):
        story["steps"][k].setdefault("notes", []).append(f"≠ {sentence}")
    return json.dumps(story, ensure_ascii=False, separators=(",", ":"))


class ComparisonView(widgets.VBox):
    """Two steppers under a verdict (see the module doc). Parts: ``verdict`` (HTML, CSS class
    ``tutor-compare-verdict``), ``mine`` and ``reference`` (the StepperViews, None when there
    is no such recording) and ``link`` (the jslink of their ``k``)."""

    def __init__(self, comparison, **kwargs):
        self.comparison = comparison
        difference = comparison.difference
        colour = "#1b5e20" if comparison.agree else "#b71c1c"
        whose = (f"<div class='tutor-compare-whose'>Pieces: {escape(comparison.whose_text())}"
                 f"</div>" if comparison.whose else "")
        self.verdict = widgets.HTML(
            f"<div role='status' style='border-left:4px solid {colour};padding:4px 10px'>"
            f"<b style='color:{colour}'>{escape(comparison.verdict())}</b>"
            + ("" if comparison.agree else
               f"<div>The piece to fix: <code>{escape(difference.piece)}</code></div>")
            + whose + "</div>")
        self.verdict.add_class("tutor-compare-verdict")
        self.mine = self._stepper(comparison.mine, difference, "step")
        self.reference = self._stepper(comparison.reference, difference, "reference_step")
        columns = [self._column("Your autograd", self.mine, "tutor-compare-mine"),
                   self._column("tutor.autograd (the reference)", self.reference,
                                "tutor-compare-reference")]
        self.link = None
        if self.mine is not None and self.reference is not None:
            self.link = widgets.jslink((self.mine, "k"), (self.reference, "k"))
        row = widgets.HBox(columns, layout=widgets.Layout(width="100%", align_items="flex-start"))
        super().__init__([self.verdict, row], **kwargs)
        self.add_class("tutor-compare")

    @staticmethod
    def _stepper(recording, difference, which):
        if recording is None:
            return None
        view = StepperView()
        k = getattr(difference, which, None) if difference is not None else None
        k = max(0, min(k, recording.steps)) if k is not None else None
        with view.hold_sync():
            view.show(recording, k or 0)
            if k:
                view.story = _marked_story(recording, k, difference.sentence)
                node = difference.parent or difference.node
                view.mark = {"k": k, "note": difference.sentence,
                             **({"node": node} if node in recording.nodes else {})}
        return view

    @staticmethod
    def _column(title, stepper, css_class):
        heading = widgets.HTML(f"<b>{escape(title)}</b>")
        body = stepper if stepper is not None else widgets.HTML(
            "<i>Nothing to step: your code stopped before its trace could be drawn.</i>")
        column = widgets.VBox([heading, body],
                              layout=widgets.Layout(flex="1 1 0", min_width="0"))
        column.add_class(css_class)
        return column


@dataclass(frozen=True, repr=False)
class Verdict(Result):
    """A check result that comes with the :class:`Comparison` showing where it goes wrong
    (lesson 7's capstone): the result's box, then the two steppers."""

    comparison: Optional[Comparison] = None

    def _ipython_display_(self):
        from IPython.display import display
        display({"text/plain": repr(self), "text/html": self.html()}, raw=True)
        if self.comparison is not None:
            display(self.comparison)
