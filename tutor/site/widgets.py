"""A lesson's widgets as a page with no kernel shows them.

nbclient saved every widget's state with the executed notebook (``metadata.widgets``), and a
widget output names its top model. nbconvert's own way to show them loads the widget
manager and anywidget from a CDN, which breaks a page that must work offline; instead each
widget output becomes plain HTML here:

- a stepper (:class:`~tutor.widgets.stepper.StepperView`, inside a ``RecordingPlayer`` or
  anywhere): the live stepper of :mod:`tutor.export`, with the story and the step the
  kernel had, which steps, plays and hovers in the page; steppers whose ``k`` the kernel
  linked (``jslink``: the learner's autograd beside the reference) step together;
- an exercise (``ex.CheckWidget(...)``): a note saying plainly that checking needs Python,
  and where to find it (``make lessons``, or the class's JupyterHub);
- anything else (the cost panel): what it showed, its texts and tables as they were, and a
  line naming the buttons that need Python.
"""

import json
import re
from dataclasses import dataclass
from html import escape

from ..export.page import stepper_html

__all__ = ["Where", "static_widgets", "exercise_note", "WIDGET_VIEW", "WIDGET_STATE"]

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
CHECK_CALL = re.compile(r"""CheckWidget\(\s*["']([\w.-]+)["']""")


@dataclass(frozen=True)
class Where:
    """Where a page's notes send a learner who wants to run the lesson: ``lesson_file``
    (``06_backward_pass.ipynb``), ``run_href`` (the site's page saying how to open the
    lessons) and ``hub`` (the class's JupyterHub address, or None)."""
    lesson_file: str
    run_href: str
    hub: str = None

    def how(self):
        """The sentence saying where the lesson runs, with its links."""
        text = (f'Open this lesson with <code>make lessons</code> (<a href="{escape(self.run_href)}">'
                f'how</a>)')
        if self.hub:
            link = f"{self.hub.rstrip('/')}/hub/user-redirect/lab/tree/lessons/{self.lesson_file}"
            return text + f' or <a href="{escape(link)}">on your class\'s JupyterHub</a>.'
        return text + " or on your class's JupyterHub."


def exercise_note(source, where):
    """What stands in a page for the exercise ``source`` (a cell's code) checks."""
    from ..exercises import get

    found = CHECK_CALL.search(source)
    exercise = None
    if found:
        try:
            exercise = get(found.group(1))
        except (KeyError, ValueError):
            exercise = None
    if exercise is None:
        what = "<b>Exercise.</b> Checking it needs Python, so it cannot happen on this page."
    elif exercise.kind == "function":
        what = (f"<b>Exercise: {escape(exercise.title)}</b> (<code>{escape(exercise.id)}</code>)."
                f" Write <code>{escape(exercise.spec.name)}</code> in the cell above. Checking "
                f"it runs your code on many random inputs, which needs Python, so it cannot "
                f"happen on this page.")
    else:
        what = (f"<b>Question: {escape(exercise.title)}</b> (<code>{escape(exercise.id)}</code>)."
                f" Python draws a fresh question each time and checks your answer, so it "
                f"cannot happen on this page.")
    return f'<div class="tutor-site-exercise" role="note"><p>{what} {where.how()}</p></div>'


def _linked_steps(models):
    """{stepper model id: group name} for the steppers whose ``k`` a ``jslink`` joins."""
    joined = {}                         # a model id -> another of its group (union-find)

    def root(node):
        while joined.setdefault(node, node) != node:
            node = joined[node]
        return node

    for model in models.values():
        state = model.get("state", {})
        ends = [end for end in (state.get("source"), state.get("target"))
                if isinstance(end, list) and len(end) == 2 and end[1] == "k"]
        if model.get("model_name") == "LinkModel" and len(ends) == 2:
            first, second = (end[0].removeprefix("IPY_MODEL_") for end in ends)
            joined[root(first)] = root(second)
    names = {}
    return {node: names.setdefault(root(node), str(len(names) + 1)) for node in list(joined)}


class _Snapshot:
    """One widget output drawn from the saved state; counts the steppers of the page."""

    def __init__(self, models):
        self.models = models
        self.links = _linked_steps(models)
        self.steppers = 0
        self.controls = []       # descriptions of the buttons, boxes ... left out

    def html(self, model_id):
        model_id = model_id.removeprefix("IPY_MODEL_")
        model = self.models.get(model_id)
        if model is None:
            return ""
        name, state = model.get("model_name", ""), model.get("state", {})
        if "story" in state:
            return self._stepper(state, self.links.get(model_id))
        if name in ("HTMLModel", "HTMLMathModel"):
            value = state.get("value", "")
            return f'<div class="tutor-site-html">{value}</div>' if value else ""
        if name == "LabelModel":
            return f"<p>{escape(state.get('value', ''))}</p>" if state.get("value") else ""
        if "children" in state:
            parts = [self.html(child) for child in state["children"]]
            inner = "\n".join(part for part in parts if part)
            row = " tutor-site-row" if name == "HBoxModel" else ""
            return f'<div class="tutor-site-box{row}">{inner}</div>' if inner else ""
        if not name.endswith(("StyleModel", "LayoutModel")):
            self.controls.append(state.get("description") or name.removesuffix("Model"))
        return ""

    def _stepper(self, state, link):
        if not state.get("story"):
            return ""
        self.steppers += 1
        label = f"the steps of {json.loads(state['story']).get('title', 'a recording')}"
        if self.steppers > 1:
            label += f" ({self.steppers})"
        return stepper_html(state["story"], state.get("k", 0), label=label,
                            pinned=state.get("pinned", ""), mark=state.get("mark") or None,
                            speed=state.get("speed", 2), link=link)


def static_widgets(notebook, where):
    """Replace every widget output of ``notebook`` by HTML a page shows with no kernel (see
    the module doc), and drop the saved widget state. Returns how many live steppers the
    page shows."""
    saved = notebook.metadata.pop("widgets", {}).get(WIDGET_STATE, {})
    snapshot = _Snapshot(saved.get("state", {}))
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get(WIDGET_VIEW)
            if view is None:
                continue
            model = snapshot.models.get(view.get("model_id", ""), {})
            if "tutor-exercise" in model.get("state", {}).get("_dom_classes", ()):
                html = exercise_note(cell.source, where)
            else:
                snapshot.controls = []
                html = snapshot.html(view.get("model_id", ""))
                if snapshot.controls:
                    names = ", ".join(dict.fromkeys(snapshot.controls))
                    html += (f'<p class="tutor-site-needs-python">Its controls ({escape(names)})'
                             f' need Python. {where.how()}</p>')
            output["data"] = {"text/html": html}
    return snapshot.steppers
