"""A Recording as a graph you can draw: ``networkx`` nodes and edges, and a layered layout.

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
4. **Coordinates.** ``x`` is the column. Within a column nodes keep their order, at least 1
   apart; each is pulled towards the height of its neighbours, so operations line up with
   their operands and long edges run straight (or, with ``straighten=False``, the column is
   spread evenly, centred on ``y = 0``).

Everything is deterministic: the same graph (built in the same order) always gets the same
picture.
"""

from __future__ import annotations

import gc
from collections import deque

import networkx as nx

from .notation import value_text as summarize

__all__ = ["to_networkx", "attach_state", "layered_layout", "layers", "count_crossings",
           "count_overlaps"]


# --------------------------------------------------------------------------- the graph

def to_networkx(rec, k=None):
    """The recording's graph: one node per value, one edge per (parent, child) pair.

    Node attributes: ``kind`` (input, constant, operation, output), ``primitive``, ``symbol``,
    ``label`` (the text to draw), ``value``, ``text`` (the value summarized), ``name`` (an
    input's argument name). Edge attributes: ``argnum`` (which argument of the child the
    parent is), ``formula`` (that argument's VJP formula; empty for a constant, which takes no
    adjoint) and, because ``x * x`` uses one parent twice, ``argnums`` and ``formulas`` with
    every use. The graph's own attributes hold ``inputs`` (ids, in argument order) and
    ``output``.

    With ``k``, the state after ``k`` steps is attached too (see :func:`attach_state`).
    """
    graph = nx.DiGraph(inputs=tuple(rec.inputs.values()), output=rec.output,
                       function=rec.function_name, mode=getattr(rec, "mode", "reverse"))
    for node_id, info in rec.nodes.items():
        graph.add_node(node_id, kind=info.kind, primitive=info.primitive, symbol=info.symbol,
                       label=info.label, value=info.value, text=summarize(info.value),
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
    if k is not None:
        attach_state(graph, rec, k)
    return graph


def attach_state(graph, rec, k):
    """Write what is known after ``k`` steps into ``graph`` (in place) and return it.

    Nodes get ``known`` (its value has been computed), ``adjoint`` (received so far, or None),
    ``tangent`` (forward mode: known so far, or None) and ``current`` (the step just taken computed this node, or added to its adjoint). Edges
    get ``active``: the edges the step just taken used (into the computed node in the forward
    pass; the one edge a contribution travelled back along in the backward pass). The graph
    gets ``k``, ``phase`` and ``step``.
    """
    state = rec.state_at(k)
    step = state.step
    current = None if step is None else (step.node if step.phase == "forward" else step.parent)
    for node_id, attributes in graph.nodes(data=True):
        attributes["known"] = node_id in state.values
        attributes["adjoint"] = state.adjoints.get(node_id)
        attributes["tangent"] = state.tangents.get(node_id)
        attributes["current"] = node_id == current
    for parent, child, attributes in graph.edges(data=True):
        if step is None:
            attributes["active"] = False
        elif step.phase == "forward":
            attributes["active"] = child == step.node
        else:
            attributes["active"] = (parent, child) == (step.parent, step.node)
    graph.graph.update(k=state.k, phase=state.phase, step=step)
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


def layered_layout(graph, straighten=True, sweeps=None, dummy_budget=None):
    """Positions ``{node: (x, y)}`` for drawing ``graph`` left to right (see the module doc).

    ``x`` is the node's column (inputs 0, output rightmost). ``y`` keeps the order found by
    crossing reduction, top first, with nodes of a column at least 1 apart. With
    ``straighten`` (the default) each node is then pulled towards the heights of its
    neighbours, so that an operation lines up with its operands and long edges run
    straight; without it, each column is spread evenly in slots 1 apart, centred on
    ``y = 0`` (a long edge passing through a column keeps a slot free).

    ``sweeps`` bounds the barycenter sweeps (by default 24, or 8 for graphs of thousands of
    nodes). ``dummy_budget`` bounds the number of dummy nodes (by default three per node):
    in huge graphs with very long edges, the longest edges beyond the budget are left out of
    the crossing reduction rather than filling memory with dummies.
    """
    if graph.number_of_nodes() == 0:
        return {}
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
    for span, _, a, b in sorted(long_edges):
        if span - 1 > budget:
            break
        budget -= span - 1
        previous = a
        for layer in range(layer_of[a] + 1, layer_of[b]):
            dummy = len(layer_of)
            layer_of.append(layer)
            up.append([previous])
            down.append([])
            anchor.append(a)
            down[previous].append(dummy)
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

    heights = _heights(best.best, up, down, rounds=(8 if small else 3) if straighten else 0)
    return {nodes[node]: (float(layer_of[node]), heights[node])
            for column in best.best for node in column if node < n_real}


def _heights(columns, up, down, rounds):
    """y coordinates: evenly spaced and centred first, then pulled towards the neighbours.

    Each round visits the columns left to right and back; every node wants the average
    height of its neighbours (so chains of dummies, and the long edges they stand for,
    straighten out, and an operation lines up with its operands), and the column takes the
    heights closest to those wishes that keep its order with gaps of at least 1 (an isotonic
    regression, solved by pooling adjacent violators).
    """
    y = [0.0] * len(up)
    for column in columns:
        middle = (len(column) - 1) / 2
        for rank, node in enumerate(column):
            y[node] = middle - rank
    if not rounds:
        return y
    around = [up_nodes + down_nodes for up_nodes, down_nodes in zip(up, down)]
    order = list(range(1, len(columns))) + list(range(len(columns) - 2, -1, -1))
    for _ in range(rounds):
        for c in order:
            column = columns[c]
            wishes = [_barycenter(around[node], y, y[node]) for node in column]
            if len(column) == 1:
                y[column[0]] = wishes[0]
                continue
            for node, height in zip(column, _ordered_heights(wishes)):
                y[node] = height
    return y


def _barycenter(neighbours, position, default):
    """The mean ``position`` of ``neighbours`` (``default`` when there are none)."""
    if not neighbours:
        return default
    total = 0.0
    for other in neighbours:
        total += position[other]
    return total / len(neighbours)


def _ordered_heights(wishes):
    """Heights h_0 >= h_1 + 1 >= h_2 + 2 ... closest (least squares) to ``wishes``.

    With z_i = h_i + i the constraint is z non-increasing: isotonic regression of
    ``wishes[i] + i``, by the pool-adjacent-violators algorithm (blocks of equal z).
    """
    blocks = []                    # [sum, count] of each pooled block, top to bottom
    for i, wish in enumerate(wishes):
        blocks.append([wish + i, 1])
        while len(blocks) > 1 and (blocks[-2][0] / blocks[-2][1]
                                   < blocks[-1][0] / blocks[-1][1]):
            total, count = blocks.pop()
            blocks[-1][0] += total
            blocks[-1][1] += count
    heights = []
    for total, count in blocks:
        level = total / count
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


# ------------------------------------------------------------------------ measuring

def count_crossings(graph, pos):
    """How many pairs of edges cross when drawn as straight lines between ``pos`` points.

    Edges sharing an endpoint never count. Meant for checking layouts of teaching-sized
    graphs: it compares every pair of edges whose horizontal extents overlap.
    """
    segments = []
    for parent, child in graph.edges:
        (x1, y1), (x2, y2) = pos[parent], pos[child]
        if (x1, y1) > (x2, y2):
            (x1, y1), (x2, y2) = (x2, y2), (x1, y1)
        segments.append((x1, y1, x2, y2, parent, child))
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


def count_overlaps(graph, pos, clearance=0.25):
    """How many (edge, node) pairs have the node drawn on (within ``clearance`` of) the edge.

    An edge passing through a node it does not connect reads as if it did: as bad as a
    crossing, and not counted by :func:`count_crossings`.
    """
    overlaps = 0
    for parent, child in graph.edges:
        (x1, y1), (x2, y2) = pos[parent], pos[child]
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
