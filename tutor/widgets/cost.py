"""Which mode, and what it costs: forward and reverse mode compared on the learner's function.

For ``f: ℝⁿ → ℝᵐ`` (n numbers in, m numbers out) the whole derivative is an m × n Jacobian.

- **Forward mode** pushes one tangent through the graph per pass and gets ``J v``: with
  ``v`` the i-th unit vector, that is **column** i. The whole Jacobian takes n passes.
- **Reverse mode** pulls one adjoint back per pass and gets ``uᵀ J``: with ``u`` the j-th
  unit vector, **row** j. The whole Jacobian takes m passes (after one forward pass that
  records the graph).

A loss of a model with a million parameters has n = 10⁶ and m = 1: reverse mode needs one
backward pass, forward mode a million forward passes. That is why training uses reverse
mode; forward mode wins when there are fewer inputs than outputs.

The counts shown are taken from the recording itself: ``F`` operations (forward steps) and
``E`` uses of a traced value by an operation (edges along which a tangent term or an
adjoint contribution travels: one JVP term, or one VJP, each). A forward pass carrying
values and tangents together (as the stepper shows it) costs ``F + E``; the library's
``make_jvp`` traces f once (``F``) and then pushes each tangent along the trace (``E``), so
n columns cost ``F + n·E``. A backward pass costs ``E`` after one forward pass of ``F``.

:class:`CostPanel` shows this, and assembles the Jacobian from real recordings, one pass at
a time: forward mode column by column, reverse mode row by row. It never computes a
derivative itself; every column or row is a :func:`tutor.record.record` of the learner's
function. In the dashboard each pass is a recording the learner steps on the graph (the
explorer records it, seed eᵢ or tangent eⱼ), and its row or column fills in when the
stepper reaches its end.
"""

import inspect

import ipywidgets as widgets
import numpy as np

import tutor.autograd.numpy as anp

from ..notation import shape_text
from ..record import counted, indexed_name, is_unit, record
from .access import SR_ONLY_CSS
from .common import escape, guarded

__all__ = ["CostPanel", "costs", "element_names", "jacobian_pass", "pass_of", "MAX_PASSES"]

MAX_PASSES = 60          # passes the panel will run to assemble a Jacobian
MAX_ENTRIES = 10_000     # numbers of a Jacobian the panel keeps (bigger ones: passes counted)


def element_names(name, shape):
    """``["x"]`` for a number, ``["x[0]", "x[1]"]`` for a vector, ``["W[0,0]", ...]``."""
    return [indexed_name(name, index) for index in np.ndindex(*shape)]


def costs(recording):
    """The counts behind the comparison, from one recording of either mode.

    Returns a dict: ``n`` (numbers in, over every input node), ``m`` (numbers out), ``F``
    (operations), ``E`` (traced uses of values: one JVP term or one VJP each),
    ``forward_passes`` (n), ``reverse_passes`` (m), ``forward_total`` (n·(F + E)) and
    ``reverse_total`` (F + m·E: one recorded forward pass, then m backward passes).
    """
    n = sum(int(np.size(recording.nodes[node].value)) for node in recording.inputs.values())
    m = int(np.size(recording.value))
    operations = len(recording.forward)
    if recording.mode == "forward":
        edges = sum(len(step.tangent_argnums) for step in recording.forward)
    else:
        edges = len(recording.backward)          # one VJP per traced use
    return dict(n=n, m=m, F=operations, E=edges, forward_passes=n, reverse_passes=m,
                forward_total=n * (operations + edges), reverse_total=operations + m * edges)


def jacobian_pass(function, arguments, mode, index):
    """One pass of ``mode`` for the Jacobian of ``function`` at ``arguments`` (name -> value).

    Forward: the tangent is the ``index``-th unit vector over all inputs' numbers (in order),
    and the result is column ``index`` of the Jacobian. Reverse: the adjoint seed picks
    output number ``index``, and the result is row ``index``. Returns ``(numbers, recording)``
    with the column or row as a flat float array.
    """
    names = list(arguments)
    values = [arguments[name] for name in names]
    argnum = tuple(range(len(names)))
    if mode == "forward":
        sizes = [int(np.size(value)) for value in values]
        flat = np.zeros(sum(sizes))
        flat[index] = 1.0
        tangents, start = [], 0
        for value, size in zip(values, sizes):
            piece = flat[start:start + size]
            tangents.append(piece.reshape(np.shape(value)) if np.ndim(value) else piece[0])
            start += size
        recording = record(function, *values, argnum=argnum, mode="forward",
                           tangent=tuple(tangents))
        return np.ravel(np.asarray(recording.gradient, dtype=float)), recording

    def picked(*args):
        return anp.ravel(function(*args))[index]
    picked.__signature__ = inspect.signature(function)
    picked.__name__ = f"f[{index}]"
    output = function(*values)
    recording = record(picked if np.ndim(output) else function, *values, argnum=argnum)
    row = np.concatenate([np.ravel(np.asarray(part, dtype=float))
                          for part in recording.gradient])
    return row, recording


def pass_of(recording, names):
    """Which pass of the Jacobian ``recording`` is, and what it gives: ``(index, numbers)``.

    Reverse mode from the seed eᵢ (or 1, for a number out) is row ``i``, its numbers the
    gradients of the inputs ``names`` in order; forward mode with the tangent 1 on input
    number ``j`` (counting every input's numbers in order) is column ``j``, its numbers the
    output's tangent. None for any other recording (a seed or tangent not a unit vector, or
    an input not traced).
    """
    if recording.mode == "forward":
        vectors = [recording.tangents.get(name) for name in names]
        numbers = recording.gradient
    else:
        vectors = [recording.seed]
        if any(name not in recording.gradients for name in names):
            return None
        numbers = np.concatenate([np.ravel(np.asarray(recording.gradients[name], dtype=float))
                                  for name in names])
    if any(vector is None for vector in vectors):
        return None
    flat = np.concatenate([np.ravel(np.asarray(vector, dtype=float)) for vector in vectors])
    if not is_unit(flat):
        return None
    return int(np.flatnonzero(flat)[0]), np.ravel(np.asarray(numbers, dtype=float))


class CostPanel(widgets.VBox):
    """"Which mode, and what it costs" (CSS class ``tutor-cost``).

    ``show(recording, function, arguments)`` describes ``f: ℝⁿ → ℝᵐ`` for the recording now
    shown. ``one_pass`` (button ``tutor-jacobian-pass``) runs the next pass of the
    recording's mode and fills in one more column (forward) or row (reverse) of the
    Jacobian; ``all_passes`` (``tutor-jacobian-all``) runs the rest (at most
    :data:`MAX_PASSES`).

    In the dashboard, ``state`` (the :class:`~tutor.widgets.state.StepState`) and
    ``step_pass(index)`` (which records pass ``index`` and shows it on the graph) are given:
    then ``one_pass`` hands the next pass to the stepper, and a pass's row or column fills
    in when the learner steps it to its end (the recording the explorer shows is a pass
    too: the first row, or the column of its tangent).

    ``jacobian`` holds the numbers so far (NaN where not yet filled; None for a Jacobian of
    more than :data:`MAX_ENTRIES` numbers, whose passes are only counted), ``done`` the
    passes filled in; ``summary`` and ``table`` are the HTML parts.
    """

    def __init__(self, error_area, state=None, step_pass=None, **kwargs):
        self.error_area = error_area
        self.recording = self.function = self.arguments = None
        self.jacobian = None
        self.done = set()                  # the passes whose row or column is filled in
        self._key = None
        self.step_pass = step_pass
        guard = guarded(error_area, "assembling the Jacobian")
        if state is not None:
            state.observe(guard(self._stepped))
        self.summary = widgets.HTML()
        self.summary.add_class("tutor-cost-summary")
        self.one_pass = widgets.Button(description="One more pass",
                                       tooltip="run the next pass and fill in its part of "
                                               "the Jacobian",
                                       layout=widgets.Layout(width="auto"))
        self.one_pass.add_class("tutor-jacobian-pass")
        self.all_passes = widgets.Button(description="All passes",
                                         tooltip="run every pass the whole Jacobian needs",
                                         layout=widgets.Layout(width="auto"))
        self.all_passes.add_class("tutor-jacobian-all")
        self.table = widgets.HTML()
        self.table.add_class("tutor-jacobian")
        self.one_pass.on_click(guard(lambda _: self.next_pass()))
        self.all_passes.on_click(guard(lambda _: self.run(MAX_PASSES)))
        buttons = widgets.HBox([widgets.HTML("<b>Assemble the Jacobian:</b>&nbsp;"),
                                self.one_pass, self.all_passes],
                               layout=widgets.Layout(align_items="center"))
        super().__init__([self.summary, buttons, self.table], **kwargs)
        self.add_class("tutor-cost")

    # -- what is shown -----------------------------------------------------------------

    @property
    def passes_done(self):
        """How many passes have filled their row or column."""
        return len(self.done)

    def show(self, recording, function=None, arguments=None):
        """Describe ``recording``; ``function`` and ``arguments`` (name -> value) let the
        buttons record more passes of it. Another pass of the same function, at the same
        values and in the same mode, keeps the Jacobian filled so far; anything else starts
        it afresh."""
        self.recording, self.function = recording, function
        self.arguments = dict(arguments) if arguments is not None else None
        key = self._key_of(recording, function, self.arguments)
        if key is not None and key == self._key:
            self._update()
            return
        self._key = key
        counts = costs(recording)
        self.counts = counts
        self.passes_needed = counts["n"] if recording.mode == "forward" else counts["m"]
        entries = counts["m"] * counts["n"]
        self.jacobian = (np.full((counts["m"], counts["n"]), np.nan)
                         if entries <= MAX_ENTRIES else None)
        self.done = set()
        self.summary.value = self._summary_html(recording, counts)
        self._update()

    @staticmethod
    def _key_of(recording, function, arguments):
        """What makes two recordings passes of one Jacobian (None: never the same)."""
        if function is None or arguments is None:
            return None
        values = tuple((name, np.shape(value), np.asarray(value, dtype=float).tobytes())
                       for name, value in arguments.items())
        return (getattr(function, "text", id(function)), recording.mode, values)

    def _stepped(self, state):
        """The stepper moved: a pass of this Jacobian stepped to its end fills its part."""
        if state.recording is self.recording and state.k >= state.steps > 0:
            self._fill(state.recording)

    def _fill(self, recording):
        found = pass_of(recording, list(self.arguments or recording.inputs))
        if found is None or found[0] in self.done:
            return
        index, numbers = found
        self._put(index, numbers)
        self._update()

    def _put(self, index, numbers):
        if self.jacobian is None:
            pass                                     # too big to keep: the pass is counted
        elif self.recording.mode == "forward":
            self.jacobian[:, index] = numbers
        else:
            self.jacobian[index, :] = numbers
        self.done.add(index)

    def _next_index(self):
        budget = min(self.passes_needed, MAX_PASSES)
        return next((index for index in range(budget) if index not in self.done), None)

    def next_pass(self):
        """"One more pass": in the dashboard, show the next pass on the graph (its part fills
        in when it is stepped to its end); alone (a lesson's panel), run it at once."""
        index = self._next_index()
        if index is None:
            return
        if self.step_pass is None or self.function is None:
            self.run(1)
            return
        shown = pass_of(self.recording, list(self.arguments))
        if shown is None or shown[0] != index:     # (the graph may show that pass already)
            self.step_pass(index)

    def _summary_html(self, recording, c):
        inputs = ", ".join(f"{escape(name)} ({shape_text(np.shape(recording.nodes[i].value))})"
                           for name, i in recording.inputs.items())
        n, m, F, E = c["n"], c["m"], c["F"], c["E"]
        if m < n:
            verdict = (f"So here reverse mode needs fewer passes ({counted(m, 'pass')} against "
                       f"{n}).")
        elif n < m:
            verdict = (f"So here forward mode needs fewer passes ({counted(n, 'pass')} against "
                       f"{m}).")
        elif n == 1:
            verdict = "n = m = 1: one pass either way."
        else:
            verdict = (f"n = m = {n}: {counted(n, 'pass')} either way; per pass, reverse mode "
                       f"costs more: it keeps every value of its forward pass for the way back, "
                       f"where forward mode may forget a value once its tangent has moved on.")
        return (
            '<div style="line-height:1.45">'
            f"<b>Which mode, and what it costs.</b> Here f: ℝ<sup>{n}</sup> → "
            f"ℝ<sup>{m}</sup>: n = {n} numbers in ({inputs}), m = {m} out. "
            f"Counted in this recording: F = {F} operations and E = {E} uses of a "
            f"traced value (one JVP term, or one VJP, each).<br>"
            f"<b>Forward mode</b>: one pass per input number, n = {counted(n, 'pass')}; each "
            f"gives one <i>column</i> of the Jacobian. A pass carrying values and tangents "
            f"together, as the stepper shows it, takes F + E = {F + E} steps: "
            f"<b>{c['forward_total']}</b> in all. The library's make_jvp traces f once (F) "
            f"and pushes each tangent along that trace (E): F + n·E = {F + n * E}.<br>"
            f"<b>Reverse mode</b>: one pass per output number, m = "
            f"{counted(m, 'backward pass')} of E = {E} VJPs after one forward pass of F = "
            f"{F}: <b>{c['reverse_total']}</b> in all; each pass gives one <i>row</i>.<br>"
            f"{verdict} A model with a million parameters and one loss has n = "
            f"1,000,000 and m = 1: reverse mode gets the whole gradient in one backward "
            f"pass, forward mode would need a million passes. Forward mode wins when a "
            f"function has fewer inputs than outputs.</div>")

    def run(self, passes):
        """Run up to ``passes`` more passes of the recording's mode, filling the Jacobian."""
        if self.recording is None or self.function is None:
            return
        with np.errstate(all="ignore"):
            while passes > 0 and (index := self._next_index()) is not None:
                numbers, _ = jacobian_pass(self.function, self.arguments, self.recording.mode,
                                           index)
                self._put(index, numbers)
                passes -= 1
        self._update()

    def _update(self):
        needed, done = self.passes_needed, self.passes_done
        forward = self.recording.mode == "forward"
        self.one_pass.disabled = self.all_passes.disabled = (
            self.function is None or self._next_index() is None)
        what = "column" if forward else "row"
        if needed > MAX_PASSES:
            note = (f"The whole Jacobian needs {counted(needed, self.recording.mode + ' pass')}"
                    f"; the panel runs at most {MAX_PASSES}. {done} done.")
        else:
            note = (f"{done} of {counted(needed, self.recording.mode + ' pass')} done: each "
                    f"fills one {what}.")
        columns = [name for name, node in self.recording.inputs.items()
                   for name in element_names(name, np.shape(self.recording.nodes[node].value))]
        rows = element_names("f", np.shape(self.recording.value))
        shown = pass_of(self.recording, list(self.arguments or self.recording.inputs))
        if (self.step_pass is not None and shown is not None and shown[0] not in self.done
                and shown[0] < len(columns if forward else rows)):
            part = (f"column ∂f/∂{columns[shown[0]]}" if forward else f"row {rows[shown[0]]}")
            note += f" The graph shows the pass that gives the {part}: step it to its end."
        m, n = self.counts["m"], self.counts["n"]
        if m * n > 400:
            self.table.value = f"<div>{escape(note)} (The Jacobian is {m} × {n}: too big to "\
                               f"list here.)</div>"
            return
        head = "".join(f'<th scope="col">∂/∂{escape(name)}</th>' for name in columns)
        body = []
        for i, row_name in enumerate(rows):
            cells = "".join(
                "<td>?</td>" if np.isnan(value) else f"<td>{value + 0.0:.4g}</td>"
                for value in self.jacobian[i])
            body.append(f'<tr><th scope="row">{escape(row_name)}</th>{cells}</tr>')
        self.table.value = (
            f"<div>{escape(note)}</div>"
            '<style>.tutor-jacobian td, .tutor-jacobian th {padding: 1px 8px}</style>'
            '<table style="border-collapse:collapse;font-family:monospace;font-size:12px">'
            # The corner cell heads the column of output names: a screen reader says
            # "output", the eye sees an empty corner.
            f'<thead><tr><th scope="col"><span class="tutor-sr-only" style="{SR_ONLY_CSS}">'
            f"output</span></th>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>")
