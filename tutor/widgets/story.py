"""A Recording as the JSON the stepper draws and steps in the browser: the contract.

The stepper (``stepper/stepper.js``) receives :func:`story_json` once per recording and
shows any step ``k`` from it without asking Python again. Everything it shows is here,
already written out (numbers by :mod:`tutor.notation`, sentences by :mod:`.words`, looks by
:func:`tutor.graph.look_at`); the browser only chooses what to show at ``k``. The same JSON
serves a lesson's player, the dashboard, and a page with no Jupyter at all.

Top level (an object; lists are in order; a key whose value would be empty or null is left
out):

``version``
    1.
``title``
    ``"f(x, y)"``: the function and its arguments.
``mode``
    ``"reverse"`` (forward then backward steps) or ``"forward"`` (forward steps carrying
    tangents).
``counts``
    ``{"forward": 6, "backward": 9}``; the steps are numbered ``1 .. forward + backward``.
    A training iteration's story (:mod:`.train_story`) adds ``"update"``: the weight updates
    ``w ← w − η · ḡ_w`` that follow its backward pass, each a step (and a ``templates``
    entry of that name).
``derivative``
    ``"adjoint ḡ"`` or ``"tangent ẋ"``: what a node's second value is.
``structure``
    A digest of the nodes, the edges and the layout: two stories with the same structure
    (the same function at other values) can reuse one drawing.
``templates``
    How the page writes where step ``k`` is: ``status`` (``"backward {i}/{n}"``), ``heading``
    (``"Backward step {i} of {n}."``), each with ``start``, ``forward`` and ``backward``
    (``{i}`` counts the step in its own pass, ``{n}`` the steps of that pass); ``listing``,
    how a step's listing line starts (``"[{k}] {node} → {parent}:  "``, ``{k}`` padded to
    ``width`` characters).
``statuses``
    The node statuses of :data:`tutor.graph.STATUSES`, which looks refer to by position.
``palette``
    CSS custom properties (``--tutor-fill-current``: ``#ffb74d``...), see :mod:`.palette`;
    ``legend``: ``[[status or edge kind, words], ...]``.
``grid``
    ``{"columns": 5, "rows": 4}``: the layout's size.
``nodes``
    One object per node, in id order (``v0, v1, ...``), referred to by their position:
    ``id`` (``"v3"``), ``kind`` (``input``, ``constant`` or ``output``; absent for an
    operation), ``title`` (what the box is headed with: ``x``, ``2``, ``×``, ``+  → f``),
    ``column`` and ``row`` (whole numbers, row 0 on top), ``computes`` (``"v1 × v2"``,
    ``"input x"``, ``"constant"``), ``shape`` (``"2×2"``; absent for a number),
    ``expression`` (what it computes in the inputs' names, ``"x · y"``; absent when long)
    and ``look``, how it looks at ``k = 0``.
``edges``
    One per argument an operation reads, ``[from, to, port]`` or ``[from, to, port,
    route]``: the parent's and the child's positions in ``nodes``, which of the child's
    arguments it is (0 arrives on top), and for a long edge the free slots it passes
    (``[[column, row], ...]``).
``values``
    The texts of every value the story shows, referred to by position. A node's value or
    derivative: ``lines`` (the node box's lines, ``["v0 (2×2) =", "[0.5, -1.0]", "[2.0,
    0.3]"]``) and ``text`` (one line, for tables, cards and screen readers; ``"?"`` for a
    value not known yet). An edge's label: ``label`` (``"+0.5403"``, ``"2×2 matrix"``,
    ``"Σ rows → 3-vector"``). Either may carry ``heat``: a heatmap of the array
    (:func:`tutor.notation.heat`), drawn under a big array's lines or beside a label.
``steps``
    ``steps[k]`` for ``k = 0 .. forward + backward``: ``sentence`` and ``notes``: what the
    step says in words, after its heading (a screen reader hears heading, sentence and
    notes); ``line`` and, in forward mode, ``tangent``: the step's line as parts, names and
    numbers by turns (``["v3 = v1 × v2 = ", "2.0"]``: parts 0, 2, ... are shown before the
    step, parts 1, 3, ... are numbers, shown as ``?`` until the step); ``node`` (the step's
    node) and ``parent`` (a backward step: the node receiving); ``edges``: ``[[edge], [edge,
    label], ...]``, the edges the step uses (a backward step's carries its contribution, a
    forward-mode step's its tangent terms: ``label`` a position in ``values``); ``looks``:
    ``[[node, status, value, derivative], ...]``, the nodes whose look this step changes.

    A node's *look* is ``[status, value]`` or ``[status, value, derivative]``: ``status`` a
    position in ``statuses`` (``pending``, ``computed``, ``adjoint`` or ``tangent``), ``value``
    and ``derivative`` positions in ``values``. The look of a node at step ``k`` is its look
    in the latest step ``≤ k`` that lists it, or its starting ``look``; then step ``k``
    marks its own nodes: its ``parent`` is ``receiving``, its ``node`` ``current`` (the rule
    of :func:`tutor.graph.look_at`).
``listing``
    The recording's listing, one entry per line: ``{"text": ...}`` (always the same),
    ``{"step": k}`` or ``{"step": k, "suffix": "    (output)"}`` (step ``k``'s line and
    tangent after the ``listing`` template, numbers hidden before step ``k``), or
    ``{"parts": [...], "known": [...]}`` (the result line: number ``i`` is known from step
    ``known[i]`` on).
``result``
    The answer line, ``{"parts": ["f = ", "6", "   ∂f/∂x = ", "4"], "known": [6, 15],
    "pending": "(step to the end of the backward pass)"}``; ``pending`` is shown until the
    last step.
"""

import hashlib
import json

from ..graph import STATUSES, layered_layout, look_at, look_changes, step_edges, to_networkx
from ..notation import (ADJOINT, TANGENT, edge_label, heat, is_small, number_text, shape_text,
                        unknown_lines, value_lines, value_text)
from .palette import MODE_STATUSES, STATUS_LABELS, css_variables
from ..record import LISTING_PREFIX
from .words import HEADING, STATUS, gradient_parts, notes, sentence, short_expression

__all__ = ["story_of", "story_json", "VERSION"]

VERSION = 1
TITLE_LENGTH = 14          # characters of a box's heading (a long constant is cut)
EDGE_WORDS = {"backward": "adjoint flowing back (+ contribution)",
              "tangent": "tangent terms flowing in (ẋ_parent's share)",
              "forward": "operands read by the step"}


class _Values:
    """The ``values`` list, each text made once (a node's value shows at many steps)."""

    def __init__(self):
        self.entries, self._index = [], {}

    def _add(self, key, make):
        if key not in self._index:
            self._index[key] = len(self.entries)
            self.entries.append(make())
        return self._index[key]

    def node_value(self, node_id, look, template):
        if not look.known:
            return self._add(("unknown", node_id),
                             lambda: {"lines": unknown_lines(node_id, template), "text": "?"})
        return self._add(("value", node_id, id(look.value)),
                         lambda: _entry(value_lines(node_id, look.value), look.value))

    def derivative(self, node_id, value, symbol):
        if value is None:
            return None
        return self._add(("derivative", node_id, id(value)),
                         lambda: _entry(value_lines(symbol, value), value))

    def label(self, edge):
        if edge.value is None:
            return None
        def make():
            entry = {"label": edge_label(edge.value, edge.broadcast)}
            picture = heat(edge.value)
            if picture:
                entry["heat"] = picture
            return entry
        return self._add(("label", id(edge.value), edge.broadcast), make)


def _entry(lines, value):
    entry = {"lines": lines, "text": value_text(value)}
    picture = None if is_small(value) else heat(value)
    if picture:
        entry["heat"] = picture
    return entry


def _title(recording, info):
    label = info.label if len(info.label) <= TITLE_LENGTH else info.label[:TITLE_LENGTH - 1] + "…"
    return f"{label}  → f" if info.id == recording.output else label


def _computes(info, lines):
    """The inspector table's "computes" column: ``v0 ** v2``, ``input x``, ``constant``."""
    if info.kind == "input":
        return f"input {info.name}"
    if info.kind == "constant":
        return "constant"
    first = lines.get(info.id)
    what = first[len(f"{info.id} = "):].rsplit(" = ", 1)[0] if first else info.symbol
    return what + ("   (output f)" if info.kind == "output" else "")


def _listing(recording):
    entries = []
    for kind, *entry in recording.listing_lines():
        if kind == "text":
            entries.append({"text": entry[0]})
        elif kind == "step":
            index, _, suffix = entry
            entries.append({"step": index, **({"suffix": suffix} if suffix else {})})
        else:
            parts, known = entry
            entries.append({"parts": list(parts), "known": list(known)})
    return entries


def _result(recording):
    parts, known = ["f = ", number_text(recording.value)], [len(recording.forward)]
    of = recording.output_name                                  # f, or f[1]
    for name, gradient in gradient_parts(recording):
        parts += [f"   ∂{of}/∂{name} = ", number_text(gradient)]
        known.append(recording.steps)
    which = "forward" if recording.mode == "forward" else "backward"
    return {"parts": parts, "known": known,
            "pending": f"(step to the end of the {which} pass)"}


def story_of(recording):
    """Everything the stepper shows of ``recording``, as plain data (see the module doc)."""
    layout = layered_layout(to_networkx(recording))
    ids = list(recording.nodes)
    position = {node_id: number for number, node_id in enumerate(ids)}
    forward_mode = recording.mode == "forward"
    symbol = TANGENT if forward_mode else ADJOINT
    values = _Values()

    def look_of(node_id, look):
        info = recording.nodes[node_id]
        derivative = values.derivative(node_id, look.derivative, symbol)
        return [STATUSES.index(look.status), values.node_value(node_id, look, info.value),
                *([] if derivative is None else [derivative])]

    lines = {step.node: step.line_parts[0] for step in recording.forward}
    nodes = []
    for node_id, look in look_at(recording, 0, highlight=False).nodes.items():
        info = recording.nodes[node_id]
        computes = _computes(info, lines)
        node = {"id": node_id, "title": _title(recording, info),
                "column": layout.columns[node_id], "row": layout.rows[node_id],
                "computes": computes}
        if info.kind != "operation":
            node["kind"] = info.kind
        if getattr(info.value, "ndim", 0):
            node["shape"] = shape_text(info.value.shape)
        if info.kind in ("operation", "output"):
            expression = short_expression(recording, node_id)
            if expression != node_id:
                node["expression"] = expression
        node["look"] = look_of(node_id, look)
        nodes.append(node)

    edges, edge_of = [], {}
    for child, info in recording.nodes.items():
        for port, (parent, argnum) in enumerate(zip(info.parents, info.argnums)):
            edge_of[parent, child, argnum] = len(edges)
            route = layout.routes.get((parent, child), ())
            edges.append([position[parent], position[child], port]
                         + ([[list(point) for point in route]] if route else []))

    steps = [_words(recording, 0)]
    for k, changed in enumerate(look_changes(recording, highlight=False), start=1):
        step = recording.step(k)
        entry = _words(recording, k)
        entry["line"] = list(step.line_parts)
        if getattr(step, "tangent_parts", ()):
            entry["tangent"] = list(step.tangent_parts)
        entry["node"] = position[step.node]
        if step.phase == "backward":
            entry["parent"] = position[step.parent]
        entry["edges"] = [[edge_of[edge.parent, edge.child, edge.argnum]]
                          + ([] if edge.value is None else [values.label(edge)])
                          for edge in step_edges(recording, step)]
        entry["looks"] = [[position[node_id], *look_of(node_id, look)]
                          for node_id, look in changed.items()]
        steps.append(entry)

    edge_kind = "tangent" if forward_mode else "backward"
    # forward mode draws a constant "computed" (a value, and no tangent: it does not move)
    constants = any(info.kind == "constant" for info in recording.nodes.values())
    legend = [[status, STATUS_LABELS[status]] for status in MODE_STATUSES[recording.mode]
              if status != "computed" or constants or not forward_mode]
    grid = {"columns": layout.width, "rows": layout.height}
    structure = hashlib.sha1(json.dumps(
        [[(node["id"], node.get("kind"), node["title"], node.get("shape"), node["column"],
           node["row"]) for node in nodes], edges, grid]).encode()).hexdigest()[:16]
    return {
        "version": VERSION,
        "title": f"{recording.function_name}({', '.join(recording.arguments)})",
        "mode": recording.mode,
        "counts": {"forward": len(recording.forward), "backward": len(recording.backward)},
        "derivative": f"tangent {TANGENT}" if forward_mode else f"adjoint {ADJOINT}",
        "structure": structure,
        "templates": {"status": STATUS, "heading": HEADING, "listing": LISTING_PREFIX,
                      "width": len(str(recording.steps))},
        "statuses": list(STATUSES),
        "palette": css_variables(),
        "legend": legend + [[edge_kind, EDGE_WORDS[edge_kind]]],
        "grid": grid,
        "nodes": nodes,
        "edges": edges,
        "values": values.entries,
        "steps": steps,
        "listing": _listing(recording),
        "result": _result(recording),
    }


def _words(recording, k):
    said = {"sentence": sentence(recording, k)}
    remarks = notes(recording, k)
    if remarks:
        said["notes"] = remarks
    return said


def story_json(recording):
    """:func:`story_of` as compact JSON text (what the stepper's ``story`` trait holds)."""
    return json.dumps(story_of(recording), ensure_ascii=False, separators=(",", ":"))
