"""A Recording as a graph you can draw: ``networkx`` nodes and edges, a layered layout, and
how every node looks at each step.

:func:`to_networkx` turns a :class:`~tutor.record.Recording` into a ``networkx.DiGraph``
whose edges point the way values flow in the forward pass (parent -> child). Adjoints flow
the other way along the same edges.

:func:`layered_layout` places the graph left to right in the classic "Sugiyama" way, in pure
Python (no graphviz):

1. **Layers.** Each node goes one column to the right of its rightmost parent (a longest-path
   layering), so inputs sit in column 0 and the output, which depends on everything, is the
   rightmost. A constant sits in the column just before the operation that uses it.
2. **Long edges.** An edge spanning several columns is cut into a chain of invisible *dummy*
   nodes, one per column it passes, so that it reserves space and takes part in step 3.
3. **Crossing reduction.** The order of nodes within each column is improved by *barycenter
   sweeps*: left to right, each node moves to the average position of its neighbours in the
   previous column; then right to left with the next column. Adjacent swaps that remove
   crossings polish the result. The ordering with the fewest crossings seen is kept.
4. **Coordinates.** Within a column nodes keep their order, at least 1 apart; each is
   pulled towards the height of its neighbours, so operations line up with their operands and
   long edges run straight (or, with ``straighten=False``, the column is spread evenly).
   The heights are then put on a grid of whole rows, and each long edge's dummies become
   its *route*: the points, one per column crossed, where it passes between the nodes.

The result is a :class:`Layout`: integer columns and rows, row 0 at the top, and the routes.
Everything is deterministic: the same graph (built in the same order) always gets the same
picture.

:func:`look_at` says how every node and edge looks after ``k`` steps of a recording (its
status, the value and the adjoint or tangent it shows, the edges the step used): a pure
function of ``(recording, k)``, which every view draws from. :func:`look_changes` gives the
same, step after step, as only what each step changes.
"""

from __future__ import annotations

import gc
import math
from collections import deque
from dataclasses import dataclass
from typing import Any

import networkx as nx

from .notation import value_text

__all__ = ["to_networkx", "Layout", "layered_layout", "layers", "count_crossings",
           "count_overlaps", "STATUSES", "NodeLook", "EdgeLook", "Look", "look_at",
           "look_changes", "step_edges"]


# --------------------------------------------------------------------------- the graph

def to_networkx(rec):
    """The recording's graph: one node per value, one edge per (parent, child) pair.

    Node attributes: ``kind`` (input, constant, operation, output), ``primitive``, ``symbol``,
    ``label`` (the text to draw), ``value``, ``text`` (the value summarized), ``name`` (an
    input's argument name). Edge attributes: ``argnum`` (which argument of the child the
    parent is), ``formula`` (that argument's VJP formula; empty for a constant, which takes no
    adjoint) and, because ``x * x`` uses one parent twice, ``argnums`` and ``formulas`` with
    every use. The graph's own attributes hold ``inputs`` (ids, in argument order) and
    ``output``.
    """
    graph = nx.DiGraph(inputs=tuple(rec.inputs.values()), output=rec.output,
                       function=rec.function_name, mode=getattr(rec, "mode", "reverse"))
    for node_id, info in rec.nodes.items():
        graph.add_node(node_id, kind=info.kind, primitive=info.primitive, symbol=info.symbol,
                       label=info.label, value=info.value, text=value_text(info.value),
                       name=info.name)
    for node_id, info in rec.nodes.items():
        formulas = info.formulas or ("",) * len(info.parents)
        for parent, argnum, formula in zip(info.parents, info.argnums, formulas):
            if graph.has_edge(parent, node_id):
                edge = graph.edges[parent, node_id]
                edge["argnums"] += (argnum,)
                edge["formulas"] += (formula,)
            else:
                graph.add_edge(parent, node_id, argnum=argnum, formula=formula,
                               argnums=(argnum,), formulas=(formula,))
    return graph


# -------------------------------------------------------------------------- the layout

def layers(graph):
    """Node -> column: longest-path layering, constants just before their first consumer.

    Sources (inputs) get column 0 and every other node the column after its rightmost
    non-constant parent. A node of kind ``"output"`` with no parents (a function that does
    not depend on its inputs) is put right of everything else.
    """
    order = _topological_order(graph)
    kinds = graph.nodes
    constants = {node for node in order
                 if kinds[node].get("kind") == "constant" and graph.in_degree(node) == 0
                 and graph.out_degree(node) > 0}
    column = {}
    for node in order:
        if node in constants:
            continue
        parents = [column[parent] for parent in graph.predecessors(node)
                   if parent not in constants]
        if parents:
            column[node] = max(parents) + 1
        else:
            has_constants = any(parent in constants for parent in graph.predecessors(node))
            column[node] = 1 if has_constants else 0
    for node in constants:
        column[node] = min(column[child] for child in graph.successors(node)) - 1
    lonely_outputs = [node for node in order if kinds[node].get("kind") == "output"
                      and graph.degree(node) == 0]
    if lonely_outputs and len(column) > len(lonely_outputs):
        right = max(column[node] for node in column if node not in lonely_outputs) + 1
        for node in lonely_outputs:
            column[node] = right
    return column


@dataclass(frozen=True)
class Layout:
    """Where to draw each node of a graph, on a grid: columns left to right, rows top down.

    ``columns`` and ``rows`` map each node to a whole number (inputs in column 0, the output
    rightmost; row 0 at the top). ``routes`` maps each edge ``(parent, child)`` to the points
    ``((column, row), ...)`` it passes through on its way, one in each column between its
    ends, where the layout kept a free slot for it (empty for an edge between neighbouring
    columns, and for the few longest edges of a huge graph beyond the dummy budget).
    ``width`` and ``height`` count the columns and rows.
    """

    columns: Any
    rows: Any
    routes: Any

    @property
    def width(self):
        return max(self.columns.values(), default=-1) + 1

    @property
    def height(self):
        rows = list(self.rows.values()) + [row for points in self.routes.values()
                                           for _, row in points]
        return max(rows, default=-1) + 1

    @property
    def positions(self):
        """``{node: (column, row)}``, for :func:`count_crossings` and :func:`count_overlaps`."""
        return {node: (column, self.rows[node]) for node, column in self.columns.items()}


def layered_layout(graph, straighten=True, sweeps=None, dummy_budget=None):
    """The :class:`Layout` for drawing ``graph`` left to right (see the module doc).

    Columns come from :func:`layers`. Rows keep the order found by crossing reduction, top
    first, with nodes of a column at least 1 apart. With ``straighten`` (the default) each
    node is first pulled towards the heights of its neighbours, so that an operation lines up
    with its operands and long edges run straight; without it, each column is spread evenly
    (a long edge passing through a column keeps a slot free).

    ``sweeps`` bounds the barycenter sweeps (by default 24, or 8 for graphs of thousands of
    nodes). ``dummy_budget`` bounds the number of dummy nodes (by default three per node):
    in huge graphs with very long edges, the longest edges beyond the budget are left out of
    the crossing reduction rather than filling memory with dummies.
    """
    if graph.number_of_nodes() == 0:
        return Layout({}, {}, {})
    collecting = gc.isenabled()
    gc.disable()            # only lists of ints are made here: no cycles for the GC to find
    try:
        return _layered_layout(graph, straighten, sweeps, dummy_budget)
    finally:
        if collecting:
            gc.enable()


def _layered_layout(graph, straighten, sweeps, dummy_budget):
    column = layers(graph)
    nodes = list(graph.nodes)
    index = {node: i for i, node in enumerate(nodes)}
    n_real = len(nodes)
    layer_of = [column[node] for node in nodes]
    up = [[] for _ in nodes]        # neighbours in the previous column
    down = [[] for _ in nodes]      # neighbours in the next column

    long_edges = []
    for order, (parent, child) in enumerate(graph.edges):
        a, b = index[parent], index[child]
        span = layer_of[b] - layer_of[a]
        if span == 1:
            down[a].append(b)
            up[b].append(a)
        elif span > 1:
            long_edges.append((span, order, a, b))
    budget = 3 * n_real if dummy_budget is None else dummy_budget
    anchor = list(range(n_real))    # for the first ordering: dummies sit by their edge's source
    chains = {}                     # (parent, child) -> its dummies, left to right
    for span, _, a, b in sorted(long_edges):
        if span - 1 > budget:
            break
        budget -= span - 1
        previous = a
        chain = chains[nodes[a], nodes[b]] = []
        for layer in range(layer_of[a] + 1, layer_of[b]):
            dummy = len(layer_of)
            layer_of.append(layer)
            up.append([previous])
            down.append([])
            anchor.append(a)
            down[previous].append(dummy)
            chain.append(dummy)
            previous = dummy
        down[previous].append(b)
        up[b].append(previous)

    # Two starting orders, each improved, the better one kept: the order in which a
    # depth-first walk back from the output meets the nodes (for expression trees it is
    # already crossing-free), and the graph's own order. Big graphs get the first only.
    small = len(layer_of) <= 2000
    if sweeps is None:
        sweeps = 24 if small else 8
    starts = [_depth_first_order(graph, index)] + ([list(range(n_real))] if small else [])
    n_layers = max(layer_of) + 1
    best = None
    for start in starts:
        columns = [[] for _ in range(n_layers)]
        for node in sorted(range(len(layer_of)), key=lambda v: (start[anchor[v]], v)):
            columns[layer_of[node]].append(node)
        ordering = _Ordering(columns, up, down)
        ordering.minimize(sweeps)
        if small:
            ordering.polish()
        if best is None or ordering.best_crossings < best.best_crossings:
            best = ordering
        if best.best_crossings == 0:
            break

    followers = {index[node] for node in nodes if graph.nodes[node].get("kind") == "constant"}
    heights = _heights(best.best, up, down, rounds=(8 if small else 3) if straighten else 0,
                       followers=followers)
    row = _grid_rows(best.best, heights)
    columns = {nodes[node]: layer_of[node] for column in best.best for node in column
               if node < n_real}
    rows = {node: row[index[node]] for node in columns}
    routes = {edge: tuple((layer_of[dummy], row[dummy]) for dummy in chain)
              for edge, chain in chains.items()}
    return Layout(columns, rows, routes)


def _grid_rows(columns, heights):
    """Whole rows from heights (greater = higher): the nearest row to each height, moved
    down where needed so that a column keeps its order with every row used at most once;
    then shifted so that the top row is 0."""
    top = max(heights[node] for column in columns for node in column)
    row = [0] * len(heights)
    for column in columns:
        previous = -math.inf
        for node in column:             # top first
            row[node] = max(math.floor(top - heights[node] + 0.5), previous + 1)
            previous = row[node]
    first = min(row[node] for column in columns for node in column)
    return [value - first for value in row]


def _heights(columns, up, down, rounds, followers=()):
    """y coordinates: evenly spaced and centred first, then pulled towards the neighbours.

    Each round visits the columns left to right and back; every node wants the average
    height of its neighbours (so chains of dummies, and the long edges they stand for,
    straighten out, and an operation lines up with its operands), and the column takes the
    heights closest to those wishes that keep its order with gaps of at least 1 (an isotonic
    regression, solved by pooling adjacent violators). ``followers`` (the constants) follow
    the node they feed without pulling it: a chain such as ``x*2*2*2`` stays on one line
    instead of drifting half a row down with each constant beside it.
    """
    y = [0.0] * len(up)
    for column in columns:
        middle = (len(column) - 1) / 2
        for rank, node in enumerate(column):
            y[node] = middle - rank
    if not rounds:
        return y
    around = [up_nodes + down_nodes for up_nodes, down_nodes in zip(up, down)]
    for node, neighbours in enumerate(around):
        leaders = [other for other in neighbours if other not in followers]
        if node not in followers and leaders:
            around[node] = leaders
    order = list(range(1, len(columns))) + list(range(len(columns) - 2, -1, -1))
    for _ in range(rounds):
        for c in order:
            column = columns[c]
            wishes = [_barycenter(around[node], y, y[node]) for node in column]
            if len(column) == 1:
                y[column[0]] = wishes[0]
                continue
            weights = [FOLLOWER_WEIGHT if node in followers else 1.0 for node in column]
            for node, height in zip(column, _ordered_heights(wishes, weights)):
                y[node] = height
    return y


FOLLOWER_WEIGHT = 0.05      # how little a constant's wish counts when a column is spaced out


def _barycenter(neighbours, position, default):
    """The mean ``position`` of ``neighbours`` (``default`` when there are none)."""
    if not neighbours:
        return default
    total = 0.0
    for other in neighbours:
        total += position[other]
    return total / len(neighbours)


def _ordered_heights(wishes, weights=None):
    """Heights h_0 >= h_1 + 1 >= h_2 + 2 ... closest (least squares, each wish counting
    ``weights[i]``, 1 by default) to ``wishes``.

    With z_i = h_i + i the constraint is z non-increasing: isotonic regression of
    ``wishes[i] + i``, by the pool-adjacent-violators algorithm (blocks of equal z).
    """
    blocks = []                    # [weighted sum, weight, count] of each pooled block
    for i, wish in enumerate(wishes):
        weight = 1.0 if weights is None else weights[i]
        blocks.append([(wish + i) * weight, weight, 1])
        while len(blocks) > 1 and (blocks[-2][0] / blocks[-2][1]
                                   < blocks[-1][0] / blocks[-1][1]):
            total, weight, count = blocks.pop()
            blocks[-1][0] += total
            blocks[-1][1] += weight
            blocks[-1][2] += count
    heights = []
    for total, weight, count in blocks:
        level = total / weight
        for _ in range(count):
            heights.append(float(level - len(heights)))
    return heights


def _depth_first_order(graph, index):
    """For each node (by index), when a depth-first walk from the sinks back to the sources
    finishes it: parents in argument order, before the node itself (post-order)."""
    def parents(node):
        return sorted(graph.predecessors(node),
                      key=lambda parent: (graph.edges[parent, node].get("argnum", 0),
                                          index[parent]))
    finished = [None] * len(index)
    counter = 0
    for sink in graph.nodes:
        if graph.out_degree(sink) or finished[index[sink]] is not None:
            continue
        stack = [(sink, iter(parents(sink)))]
        seen = {sink}
        while stack:
            node, pending = stack[-1]
            for parent in pending:
                if parent not in seen and finished[index[parent]] is None:
                    seen.add(parent)
                    stack.append((parent, iter(parents(parent))))
                    break
            else:
                stack.pop()
                finished[index[node]] = counter
                counter += 1
    return finished


def _topological_order(graph):
    """Kahn's algorithm, taking ready nodes in the graph's own order (deterministic)."""
    remaining = {node: graph.in_degree(node) for node in graph.nodes}
    ready = deque(node for node in graph.nodes if remaining[node] == 0)
    order = []
    while ready:
        node = ready.popleft()
        order.append(node)
        for child in graph.successors(node):
            remaining[child] -= 1
            if remaining[child] == 0:
                ready.append(child)
    if len(order) != graph.number_of_nodes():
        raise ValueError("layered_layout needs a graph without cycles (a DAG)")
    return order


class _Ordering:
    """The order of nodes within each column, improved to reduce edge crossings."""

    def __init__(self, columns, up, down):
        self.columns = [list(column) for column in columns]
        self.up, self.down = up, down
        self.rank = [0] * len(up)
        for column in self.columns:
            self._rerank(column)
        self.best = [list(column) for column in self.columns]
        self.best_crossings = self.crossings()

    def _rerank(self, column):
        for rank, node in enumerate(column):
            self.rank[node] = rank

    def crossings(self):
        """Total crossings between adjacent columns (each an inversion count)."""
        return sum(self._between(column) for column in self.columns[:-1])

    def _between(self, column):
        rank = self.rank
        pairs = sorted((rank[node], rank[child]) for node in column for child in self.down[node])
        return _count_inversions([child for _, child in pairs])

    def _sort(self, column, neighbours):
        """Order ``column`` by the barycenter (mean rank) of each node's ``neighbours``;
        a node without neighbours there keeps its rank; ties keep the current order."""
        if len(column) < 2:
            return
        rank = self.rank
        keyed = sorted((_barycenter(neighbours[node], rank, rank[node]), rank[node], node)
                       for node in column)
        for new_rank, (_, _, node) in enumerate(keyed):
            column[new_rank] = node
            rank[node] = new_rank

    def _keep_if_better(self):
        crossings = self.crossings()
        if crossings < self.best_crossings:
            self.best_crossings = crossings
            self.best = [list(column) for column in self.columns]
            return True
        return False

    def minimize(self, sweeps):
        """Alternate left-to-right and right-to-left sweeps; stop when nothing improves."""
        stale = 0
        for sweep in range(sweeps):
            if self.best_crossings == 0:
                return
            if sweep % 2 == 0:
                for column in self.columns[1:]:
                    self._sort(column, self.up)
            else:
                for column in reversed(self.columns[:-1]):
                    self._sort(column, self.down)
            stale = 0 if self._keep_if_better() else stale + 1
            if stale >= 4:
                break

    def polish(self):
        """Starting from the best ordering, swap neighbours in a column while that removes
        crossings (the "transpose" heuristic), and keep the result if it is better."""
        if self.best_crossings == 0:
            return
        self.columns = [list(column) for column in self.best]
        for column in self.columns:
            self._rerank(column)
        if self._transpose():
            self._keep_if_better()

    def _transpose(self):
        changed = False
        for _ in range(8):
            swapped = False
            for column in self.columns:
                for i in range(len(column) - 1):
                    a, b = column[i], column[i + 1]
                    if self._pair_crossings(b, a) < self._pair_crossings(a, b):
                        column[i], column[i + 1] = b, a
                        self.rank[a], self.rank[b] = i + 1, i
                        swapped = True
            if not swapped:
                break
            changed = True
        return changed

    def _pair_crossings(self, first, second):
        """Crossings among the edges of two nodes when ``first`` is placed above ``second``."""
        rank = self.rank
        count = 0
        for neighbours in (self.up, self.down):
            for a in neighbours[first]:
                for b in neighbours[second]:
                    if rank[a] > rank[b]:
                        count += 1
        return count


def _count_inversions(sequence):
    """Pairs i < j with sequence[i] > sequence[j], counted with a Fenwick tree: O(n log n)."""
    if len(sequence) < 24:          # short sequences: simply compare every pair
        inversions = 0
        for i, value in enumerate(sequence):
            for later in sequence[i + 1:]:
                if later < value:
                    inversions += 1
        return inversions
    size = max(sequence) + 2
    tree = [0] * (size + 1)
    inversions = 0
    for seen, value in enumerate(sequence):
        position = value + 1          # how many earlier values are <= value?
        not_greater = 0
        while position > 0:
            not_greater += tree[position]
            position -= position & -position
        inversions += seen - not_greater
        position = value + 1
        while position <= size:
            tree[position] += 1
            position += position & -position
    return inversions


# ----------------------------------------------------------------------- the looks

STATUSES = ("pending", "computed", "adjoint", "tangent", "current", "receiving")


@dataclass(frozen=True, eq=False)
class NodeLook:
    """How one node looks at a step.

    ``status`` is one of :data:`STATUSES`: ``pending`` (not computed yet), ``computed``
    (value known), ``adjoint`` (an adjoint has reached it), ``tangent`` (forward mode: value
    and tangent known), ``current`` (the step just taken computed it, or applied its VJP) or
    ``receiving`` (the step just taken added to its adjoint). ``known`` says whether its
    value is known, ``value`` is that value (None before), and ``derivative`` its adjoint
    (reverse mode) or tangent (forward mode) known so far, or None.
    """

    status: str
    known: bool
    value: Any
    derivative: Any

    def same_as(self, other):
        """The same look (the same status, and the very same value objects)?"""
        return (other is not None and self.status == other.status and self.known == other.known
                and self.value is other.value and self.derivative is other.derivative)


@dataclass(frozen=True, eq=False)
class EdgeLook:
    """An edge a step uses: ``kind`` ``"forward"`` (a forward step reads its operand along
    it), ``"tangent"`` (forward mode: a tangent term flows along it, ``value``) or
    ``"backward"`` (an adjoint contribution, ``value``, flows back along it; ``broadcast``
    as in :class:`~tutor.record.BackwardStep`). ``argnum`` says which argument of ``child``
    the edge feeds (``x * x`` has two edges from one parent)."""

    parent: str
    child: str
    argnum: int
    kind: str
    value: Any = None
    broadcast: tuple = ()


@dataclass(frozen=True, eq=False)
class Look:
    """Everything that shows step ``k``: ``nodes`` (node id -> :class:`NodeLook`) and
    ``edges`` (the :class:`EdgeLook` s of the step just taken; none at ``k = 0``)."""

    k: int
    nodes: Any
    edges: tuple


def _node_look(node_id, step, values, adjoints, tangents):
    """The one rule saying how a node looks, from the step just taken and what is known."""
    if step is not None and step.phase == "backward" and node_id == step.parent:
        status = "receiving"
    elif step is not None and node_id == step.node:
        status = "current"
    elif node_id in adjoints:
        status = "adjoint"
    elif node_id in tangents:
        status = "tangent"
    elif node_id in values:
        status = "computed"
    else:
        status = "pending"
    derivative = adjoints[node_id] if node_id in adjoints else tangents.get(node_id)
    return NodeLook(status, node_id in values, values.get(node_id), derivative)


def step_edges(rec, step):
    """The :class:`EdgeLook` s of ``step`` (None: no step, no edges)."""
    if step is None:
        return ()
    if step.phase == "backward":
        return (EdgeLook(step.parent, step.node, step.argnum, "backward", step.contribution,
                         step.broadcast),)
    if step.tangent is None:
        return tuple(EdgeLook(parent, step.node, argnum, "forward")
                     for parent, argnum in zip(step.parents, step.argnums))
    terms = dict(zip(step.tangent_argnums, step.contributions))
    return tuple(EdgeLook(parent, step.node, argnum, "tangent", terms.get(argnum))
                 for parent, argnum in zip(step.parents, step.argnums))


def look_at(rec, k, highlight=True):
    """How every node and edge of ``rec`` looks after ``k`` steps: a :class:`Look`.

    With ``highlight=False`` no node is ``current`` or ``receiving``: each shows what is
    known of it (the view marks the step's own nodes itself)."""
    state = rec.state_at(k)
    step = state.step if highlight else None
    nodes = {node_id: _node_look(node_id, step, state.values, state.adjoints, state.tangents)
             for node_id in rec.nodes}
    return Look(state.k, nodes, step_edges(rec, state.step))


def look_changes(rec, highlight=True):
    """For each step ``k = 1 .. steps``, the looks it changes: ``{node id: NodeLook}`` of
    the nodes whose look after step ``k`` differs from their look after step ``k - 1``.

    Replaying them onto ``look_at(rec, 0, highlight).nodes`` gives ``look_at(rec, k,
    highlight).nodes`` at every ``k``, without rebuilding every node at every step.
    """
    start = rec.state_at(0)
    known = {"value": dict(start.values), "adjoint": dict(start.adjoints),
             "tangent": dict(start.tangents)}
    looks = look_at(rec, 0, highlight).nodes.copy()
    order = {node_id: number for number, node_id in enumerate(rec.nodes)}
    previous = None
    for k in range(1, rec.steps + 1):
        step = rec.step(k)
        touched = set()
        if highlight:
            for taken in (step, previous):
                if taken is not None:
                    touched |= {taken.node, getattr(taken, "parent", taken.node)}
        for what, node_id, value in rec.changes(k):
            known[what][node_id] = value
            touched.add(node_id)
        changed = {}
        for node_id in sorted(touched, key=order.__getitem__):
            look = _node_look(node_id, step if highlight else None, known["value"],
                              known["adjoint"], known["tangent"])
            if not look.same_as(looks[node_id]):
                changed[node_id] = looks[node_id] = look
        yield changed
        previous = step


# ------------------------------------------------------------------------ measuring

def _edge_segments(graph, layout):
    """Each edge as straight pieces ``(x1, y1, x2, y2, parent, child)``, left end first:
    through its route's points when ``layout`` is a :class:`Layout`, else (a dict of
    positions) straight from end to end."""
    if isinstance(layout, Layout):
        pos, routes = layout.positions, layout.routes
    else:
        pos, routes = layout, {}
    segments = []
    for parent, child in graph.edges:
        points = [pos[parent], *routes.get((parent, child), ()), pos[child]]
        for (x1, y1), (x2, y2) in zip(points, points[1:]):
            if (x1, y1) > (x2, y2):
                (x1, y1), (x2, y2) = (x2, y2), (x1, y1)
            segments.append((x1, y1, x2, y2, parent, child))
    return segments, pos


def count_crossings(graph, layout):
    """How many pairs of edges cross when drawn as straight lines through ``layout``'s
    points (a :class:`Layout`, each edge through its route; or a dict of positions).

    Edges sharing an endpoint never count. Meant for checking layouts of teaching-sized
    graphs: it compares every pair of pieces whose horizontal extents overlap.
    """
    segments, _ = _edge_segments(graph, layout)
    segments.sort(key=lambda segment: segment[0])
    crossings = 0
    for i, first in enumerate(segments):
        for second in segments[i + 1:]:
            if second[0] >= first[2]:
                break
            if {first[4], first[5]} & {second[4], second[5]}:
                continue
            if _segments_cross(first[:4], second[:4]):
                crossings += 1
    return crossings


def _segments_cross(first, second):
    """Do two segments cross at a point inside both (not merely touch at an end)?"""
    ax, ay, bx, by = first
    cx, cy, dx, dy = second

    def side(px, py, qx, qy, rx, ry):
        value = (qx - px) * (ry - py) - (qy - py) * (rx - px)
        return (value > 1e-12) - (value < -1e-12)

    d1 = side(ax, ay, bx, by, cx, cy)
    d2 = side(ax, ay, bx, by, dx, dy)
    d3 = side(cx, cy, dx, dy, ax, ay)
    d4 = side(cx, cy, dx, dy, bx, by)
    return d1 * d2 < 0 and d3 * d4 < 0


def count_overlaps(graph, layout, clearance=0.25):
    """How many (edge piece, node) pairs have the node drawn on (within ``clearance`` of)
    the edge (``layout`` as for :func:`count_crossings`).

    An edge passing through a node it does not connect reads as if it did: as bad as a
    crossing, and not counted by :func:`count_crossings`.
    """
    segments, pos = _edge_segments(graph, layout)
    overlaps = 0
    for x1, y1, x2, y2, parent, child in segments:
        dx, dy = x2 - x1, y2 - y1
        length_squared = dx * dx + dy * dy
        if length_squared == 0:
            continue
        for node, (px, py) in pos.items():
            if node in (parent, child) or not min(x1, x2) <= px <= max(x1, x2):
                continue
            t = max(0.0, min(1.0, ((px - x1) * dx + (py - y1) * dy) / length_squared))
            if (px - x1 - t * dx) ** 2 + (py - y1 - t * dy) ** 2 < clearance ** 2:
                overlaps += 1
    return overlaps
