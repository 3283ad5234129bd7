"""The inspector: the current step in words and numbers, the listing, and a table of nodes.

Where the graph shows *where* the computation is, the inspector says *what* happens there:

- the step just taken, as a sentence and as the recorded line with its numbers filled in,
  e.g. ``ḡ_v0 += ḡ_v8 · v1 = 1.0 · 2.0 = 2.0  →  ḡ_v0 = 2.0``;
- the SSA-style listing of both passes (one line per step, as ``print(recording)`` shows
  it), the current line marked. Lines still to come show their operation but ``?`` for
  their numbers (:func:`hide_numbers`), as the graph does, so a learner can predict each
  value before stepping to it. Long lines wrap; nothing is cut off on the right;
- a table of every node's value and adjoint so far.

:class:`GradientView` shows the result, ``∂f/∂x = 4``, once the backward pass is complete.
Both are pure functions of ``(recording, k)``.
"""

import re

import ipywidgets as widgets

from ..notation import TANGENT, value_text as summarize
from ..shapes import shape_text
from .access import SR_ONLY_CSS
from .common import ADJOINT, escape, number_text
from .graph_view import STATUS_COLOURS

__all__ = ["Inspector", "GradientView", "describe_step", "hide_numbers", "hide_all_numbers"]

_STEP_LINE = re.compile(r"^[▶ ]\s*\[\s*(\d+)\]")
LISTING_WINDOW = 28          # lines of the listing shown around the current one
FUTURE_TEXT = "#4a5560"      # lines still to come: lighter than the rest, still 7.5:1 on white
NOTE_TEXT = "#595959"        # "⋯ 5 lines above": 7:1 on white
_NAME = re.compile(r"\b(?:v\d+|ḡ_v\d+|ẋ_v\d+)\b")
_SEPARATOR = re.compile(r"(  →  |;\s+)")
_NUMBER_ONLY = re.compile(r"-?(?<![\w.])(?:\d+\.?\d*(?:e[-+]?\d+)?|\.\d+|nan|inf)(?![\w.])")
_NUMBER = re.compile(r"(?<![\w.])(?:\d+\.\d*|\.\d+|\d+e[-+]?\d+|nan|inf)|\[|μ=")


def _symbolic(part):
    """Is ``part`` of a line a formula in node names (``v0 ^ v2``), not numbers?"""
    return bool(_NAME.search(part)) and not _NUMBER.search(part)


def hide_numbers(line):
    """A listing line as it reads before its step: the names and formulas, ``?`` for numbers.

    A line is a chain of equalities, name first, then the formula, then the numbers
    (``v3 = v0 ** v2 = 1.0``, ``ḡ_v0 += ḡ_v8 · v1 = 1.0 · 2.0 = 2.0  →  ḡ_v0 = 0 + 2.0 =
    2.0``). Each part (parts are separated by ``→``, or by ``;`` before a forward-mode
    tangent) keeps its name and any formula made of names only; the rest becomes ``?``:

    >>> hide_numbers("v3 = v0 ** v2 = 1.0")
    'v3 = v0 ** v2 = ?'
    >>> hide_numbers("ḡ_v0 += ḡ_v8 · v1 = 1.0 · 2.0 = 2.0  →  ḡ_v0 = 0 + 2.0 = 2.0")
    'ḡ_v0 += ḡ_v8 · v1 = ?  →  ḡ_v0 = ?'
    """
    pieces_and_separators = _SEPARATOR.split(line)
    hidden = []
    for index, part in enumerate(pieces_and_separators):
        if index % 2:                       # a separator, kept as it is
            hidden.append(part)
            continue
        pieces = part.split(" = ")
        kept = [pieces[0]]
        for piece in pieces[1:]:
            if not _symbolic(piece):
                break
            kept.append(piece)
        hidden.append(" = ".join(kept) + (" = ?" if len(kept) < len(pieces) else ""))
    return "".join(hidden)


def hide_all_numbers(text):
    """``text`` with every number replaced by ``?`` (for the result line before the end)."""
    return _NUMBER_ONLY.sub("?", text)


def _name(recording, node_id):
    """``v0 (x)`` for an input, ``v3`` otherwise."""
    info = recording.nodes[node_id]
    return f"{node_id} ({info.name})" if info.kind == "input" and info.name else node_id


def _wrt_names(recording):
    wrt = recording.wrt
    return list(wrt) if isinstance(wrt, tuple) else [wrt]


def _gradient_parts(recording):
    """``[(name, gradient)]`` for the argument(s) differentiated."""
    if getattr(recording, "mode", "reverse") == "forward":      # one directional derivative
        return [(recording.derivative_name, recording.gradient)]
    names = _wrt_names(recording)
    gradients = recording.gradient if len(names) > 1 else (recording.gradient,)
    return list(zip(names, gradients))


def describe_step(recording, k):
    """The step just taken at ``k``, as HTML: a sentence, then the recorded line."""
    n_forward, n_backward = len(recording.forward), len(recording.backward)
    if k == 0:
        inputs = ", ".join(f"{escape(name)} = {escape(summarize(recording.nodes[i].value))}"
                           for name, i in recording.inputs.items())
        if getattr(recording, "mode", "reverse") == "forward":
            tangents = ", ".join(f"{TANGENT}_{escape(recording.inputs[name])} = "
                                 f"{escape(summarize(value))}"
                                 for name, value in recording.tangents.items())
            return ("<b>Start (forward mode).</b> Only the inputs " + (
                f"({inputs}) " if inputs else "") + f"and their tangents ({tangents}) are "
                "known. Each step computes one operation's value and, through its JVP, its "
                "tangent: how fast it moves when the inputs move along their tangents.")
        return ("<b>Start.</b> Only the inputs " + (f"({inputs}) " if inputs else "")
                + "and the constants are known. Each step forward computes one operation of "
                  "the forward pass.")
    step = recording.step(k)
    line = f'<div class="tutor-step-line"><code>{escape(step.line)}</code></div>'
    if getattr(step, "tangent_line", ""):
        line += (f'<div class="tutor-step-line">and its tangent, through the JVP: '
                 f'<code>{escape(step.tangent_line)}</code></div>')
    if step.phase == "forward":
        info = recording.nodes[step.node]
        parents = [_name(recording, p) for p in step.parents]
        words = (f"<b>Forward step {k} of {n_forward}.</b> Compute {escape(step.node)} with "
                 f"{escape(info.primitive or info.symbol)} ({escape(info.symbol)})"
                 + (f" from {escape(', '.join(parents))}" if parents else "") + ":")
        if k == n_forward and getattr(recording, "mode", "reverse") == "forward":
            words_after = (f"This is f's value, and its tangent {TANGENT}_"
                           f"{escape(recording.output)} = {escape(summarize(recording.gradient))}"
                           f" is the derivative along the input tangents. Forward mode needs "
                           f"no backward pass.")
            return words + line + f"<div>{words_after}</div>"
        if k == n_forward:
            words_after = (f"This is f's value. The backward pass starts next, from the seed "
                           f"{ADJOINT}_{escape(recording.output)} = "
                           f"{escape(summarize(recording.seed))} (∂f/∂f = 1).")
            return words + line + f"<div>{words_after}</div>"
        return words + line
    index = k - n_forward
    child = recording.nodes[step.node]
    words = (f"<b>Backward step {index} of {n_backward}.</b> {escape(step.node)} "
             f"({escape(child.symbol)}) passes its adjoint {ADJOINT}_{escape(step.node)} = "
             f"{escape(summarize(step.g))} back to its argument {step.argnum}, "
             f"{escape(_name(recording, step.parent))}, through the VJP "
             f"<code>{escape(getattr(step, 'named_formula', '') or step.formula)}</code>:")
    notes = []
    if getattr(step, "broadcast", ()):
        words, big, small = step.broadcast
        notes.append(f"{escape(step.parent)} ({escape(shape_text(small))}) was stretched "
                     f"(broadcast) to {escape(shape_text(big))} in the forward pass, so it "
                     f"receives the sum of its copies' adjoints: Σ over {escape(words)}.")
    if step.accumulates:
        notes.append(f"{escape(step.parent)} already had {ADJOINT} = "
                     f"{escape(summarize(step.before))} from another path: contributions "
                     f"add up.")
    if k == recording.steps:
        result = ", ".join(f"∂f/∂{escape(name)} = {escape(number_text(value))}"
                           for name, value in _gradient_parts(recording))
        notes.append(f"<b>Done.</b> Every contribution has arrived: {result}.")
    return words + line + "".join(f"<div>{note}</div>" for note in notes)


class GradientView(widgets.HTML):
    """The result (CSS class ``tutor-gradient``): ``∂f/∂x = 4`` once the backward pass is done,
    and until then what is still missing."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.add_class("tutor-gradient")
        self.text = ""

    def render(self, recording, k):
        if recording is None:
            self.text, self.value = "", ""
            return
        value_known = k >= len(recording.forward)
        f_text = f"f = {number_text(recording.value)}" if value_known else "f = ?"
        if k >= recording.steps:
            parts = "   ".join(f"∂f/∂{name} = {number_text(value)}"
                               for name, value in _gradient_parts(recording))
            self.text = f"{f_text}   {parts}"
            self.value = (f'<div style="font-size:1.15em">{escape(f_text)} &nbsp; '
                          f'<b>{escape(parts)}</b></div>')
        else:
            names = ", ".join(f"∂f/∂{name}" for name, _ in _gradient_parts(recording))
            which = ("forward" if getattr(recording, "mode", "reverse") == "forward"
                     else "backward")
            self.text = f"{f_text}   {names} = ? (step to the end of the {which} pass)"
            self.value = (f'<div style="font-size:1.15em;color:#555">{escape(f_text)} &nbsp; '
                          f'{escape(names)} = ? <small>(step to the end of the {which} '
                          f'pass)</small></div>')


class Inspector(widgets.HTML):
    """The current step, the listing and the table of values and adjoints, as one HTML widget
    (CSS class ``tutor-inspector``; inside, ``div``s with the classes ``tutor-step``,
    ``tutor-listing`` and ``tutor-table``). ``step_html``, ``listing_html`` and
    ``table_html`` hold the three parts. One widget, so a step sends one message."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.add_class("tutor-inspector")
        self.recording = None
        self.k = None
        self.step_html = self.listing_html = self.table_html = ""

    def render(self, recording, k):
        if recording is None:
            return
        if recording is not self.recording:
            self.recording = recording
            self._prepare(recording)
        self.show(k)

    def show(self, k):
        recording = self.recording
        if recording is None:
            return
        self.k = k
        self.step_html = (f'<div class="tutor-step" style="padding:2px 0 6px 0;'
                          f'line-height:1.45;white-space:normal">{describe_step(recording, k)}</div>')
        self.listing_html = self._listing_html(k)
        self.table_html = self._table_html(k)
        self.value = self.step_html + self.listing_html + self.table_html

    # -- the listing ------------------------------------------------------------------

    def _prepare(self, recording):
        """Split ``str(recording)`` into lines once, remembering which line is which step."""
        self._lines = recording.listing().splitlines()
        self._escaped = [escape(line) for line in self._lines]
        self._hidden = list(self._escaped)          # each line as it reads before its step
        self._step_of_line = []
        self._line_of_step = {}
        for number, line in enumerate(self._lines):
            match = _STEP_LINE.match(line)
            step = int(match.group(1)) if match else None
            self._step_of_line.append(step)
            if step is not None:
                self._line_of_step[step] = number
                head, body = line[:match.end()], line[match.end():]
                if recording.step(step).phase == "backward" and ":  " in body:
                    edge, body = body.split(":  ", 1)       # "v9 → v7:  ḡ_v7 += ..."
                    head += edge + ":  "
                suffix = ""
                for note in ("    (output)",):
                    if body.endswith(note):
                        body, suffix = body[:-len(note)], note
                self._hidden[number] = escape(head + hide_numbers(body) + suffix)
        # The result line, until the end: f once the forward pass is done, ∂f/∂ at the end.
        self._result_line = next((number for number, line in enumerate(self._lines)
                                  if line.startswith("result:")), None)
        if self._result_line is not None:       # [nothing known, f known]
            result = self._lines[self._result_line]
            value, _, rest = result.partition(";")
            self._result_partial = [escape(hide_all_numbers(result)),
                                    escape(value + (";" + hide_all_numbers(rest) if rest
                                                    else ""))]
        # The table's static columns: node, kind, what it computes.
        self._rows = []
        lines = {step.node: step.line for step in recording.forward}
        for node_id, info in recording.nodes.items():
            if info.kind == "input":
                what = f"input {info.name}"
            elif info.kind == "constant":
                what = "constant"
            else:
                what = lines.get(node_id, info.symbol)
                prefix = f"{node_id} = "
                if what.startswith(prefix):
                    what = what[len(prefix):].rsplit(" = ", 1)[0]
                if info.kind == "output":
                    what += "   (output f)"
            self._rows.append((node_id, escape(what)))

    def _listing_html(self, k):
        current = self._line_of_step.get(k)
        lines = self._escaped
        first, last = 0, len(lines)
        if len(lines) > LISTING_WINDOW:
            centre = current if current is not None else 0
            first = max(0, min(centre - LISTING_WINDOW // 2, len(lines) - LISTING_WINDOW))
            last = first + LISTING_WINDOW
        parts = []
        if first > 0:
            parts.append(f'<div style="color:{NOTE_TEXT}">⋯ {first} lines above</div>')
        for number in range(first, last):
            step = self._step_of_line[number]
            text = lines[number]
            if number == current:
                text = "▶" + text[1:]
                parts.append(f'<div class="tutor-line-current" style="background:'
                             f'{STATUS_COLOURS["current"]};font-weight:bold">{text}</div>')
            elif step is not None and step > k:
                parts.append(f'<div class="tutor-line-future" style="color:{FUTURE_TEXT}">'
                             f'{self._hidden[number]}</div>')
            elif number == self._result_line and k < self.recording.steps:
                known = int(k >= len(self.recording.forward))
                parts.append(f'<div class="tutor-line-future" style="color:{FUTURE_TEXT}">'
                             f'{self._result_partial[known]}</div>')
            else:
                parts.append(f"<div>{text}</div>")
        if last < len(lines):
            parts.append(f'<div style="color:{NOTE_TEXT}">⋯ {len(lines) - last} lines below'
                         f'</div>')
        # Each line wraps at the widget's edge, continuing indented under its start, so a
        # running total at the end of a long line is never cut off.
        return ('<div class="tutor-listing" style="font-family:monospace;font-size:12px;'
                'line-height:1.35;white-space:pre-wrap;overflow-wrap:anywhere;'
                'border:1px solid #ddd;padding:4px">'
                + "".join(parts) + "</div>")

    # -- the table ----------------------------------------------------------------------

    def _table_html(self, k):
        recording = self.recording
        state = recording.state_at(k)
        current = receiving = None
        if state.step is not None:
            current = state.step.node
            if state.step.phase == "backward":
                receiving = state.step.parent
        rows = []
        for node_id, what in self._rows:
            info = recording.nodes[node_id]
            value = (escape(summarize(state.values[node_id])) if node_id in state.values
                     else "?")
            if info.kind == "constant":
                adjoint = "—"
            elif node_id in state.adjoints:
                adjoint = escape(summarize(state.adjoints[node_id]))
            elif node_id in state.tangents:           # forward mode: the tangent column
                adjoint = escape(summarize(state.tangents[node_id]))
            else:
                adjoint = ""
            # The row's state in a mark as well as a colour: ▶ current, + receiving.
            if node_id == receiving:
                style, mark = f' style="background:{STATUS_COLOURS["receiving"]}"', "+ "
            elif node_id == current:
                style, mark = f' style="background:{STATUS_COLOURS["current"]}"', "▶ "
            else:
                style, mark = "", ""
            rows.append(f'<tr{style}><th scope="row">{mark}{node_id}</th><td>{what}</td>'
                        f"<td>{value}</td><td>{adjoint}</td></tr>")
        # The content may not grow wider than the widget (long listing lines wrap), so the
        # sentence above the listing wraps within the visible width. The table scrolls when
        # it is tall, so it can take the keyboard's focus (tabindex) to be scrolled by keys.
        return ('<style>.tutor-table td, .tutor-table th {padding: 1px 10px 1px 0;'
                'text-align: left; font-weight: normal}'
                '.tutor-table thead th {font-weight: bold}'
                '.tutor-listing > div {padding-left: 4ch; text-indent: -4ch}'
                '.tutor-inspector > .widget-html-content {min-width: 0}</style>'
                '<div class="tutor-table" tabindex="0" role="region" '
                'aria-label="values and adjoints of every node" '
                'style="max-height:320px;overflow-y:auto;line-height:1.35;margin-top:6px">'
                '<table style="border-collapse:collapse;font-size:12px;font-family:monospace">'
                f'<caption class="tutor-sr-only" style="{SR_ONLY_CSS}">Every node\'s value and adjoint after step '
                f'{k} (▶ the current node, + the node receiving an adjoint)</caption>'
                f'<thead><tr><th scope="col">node</th><th scope="col">computes</th>'
                f'<th scope="col">value</th><th scope="col">'
                f'{"tangent " + TANGENT if recording.mode == "forward" else "adjoint " + ADJOINT}'
                f'</th></tr>'
                '</thead><tbody>' + "".join(rows) + "</tbody></table></div>")
