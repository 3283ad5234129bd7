"""Lesson 6: the backward pass. Topological order, and accumulation at fan-out.

Graphs are :class:`tutor.exercises.kit.Node` objects: ``.parents`` is a tuple of Nodes (the
same Node may appear twice), and for a Node with parents, ``node.vjp(g)`` returns a tuple
with one contribution per parent, in the same order. Leaves have no parents and ``vjp``
None.
"""

from functools import partial

import numpy as np

from tutor.notation import number_text

from ..compare import compare_values, kind_of
from ..graphs import (IN_PLACE, describe_graph, random_adjoint_seed, random_graph,
                      reference_adjoints, reused_sum_graph, topological)
from ..model import Case, Exercise, FunctionSpec, Mismatch, drawn_answer
from ..practice import next_adjoint_question
from ..specs import cases, listing, text_of
from .lesson03 import _name, judge_node_collection

LESSON = 6


# ------------------------------------------------------------------------ toposort

def toposort(end_node):
    order, visited = [], set()

    def visit(node):
        if node in visited:
            return
        visited.add(node)
        for parent in node.parents:
            visit(parent)
        order.append(node)          # after all of its parents

    visit(end_node)
    return order[::-1]              # reversed: every node before its parents


def _graph_case(rng, index):
    end_node, nodes = random_graph(rng)
    return Case((end_node,), text=describe_graph(end_node, nodes))


def _toposort_judge(case, got, expected):
    end_node = case.args[0]
    if got is not None and not isinstance(got, (list, tuple)):
        return Mismatch("type", f"expected a list of Nodes, got {kind_of(got)}")
    mismatch = judge_node_collection(end_node, got, "the order")
    if mismatch is not None:
        return mismatch
    if got[0] is not end_node:
        return Mismatch("value", f"the end node {_name(end_node)} should come first, got "
                                 f"{_name(got[0])} first")
    position = {node: index for index, node in enumerate(got)}
    for node in got:
        for parent in node.parents:
            if position[parent] < position[node]:
                return Mismatch("value", f"{_name(parent)} comes before {_name(node)}, but "
                                         f"{_name(node)} uses {_name(parent)} (it is one of "
                                         f"its parents), so {_name(node)} must come first")
    return None


TOPOSORT = Exercise(
    id="l06-toposort", lesson=LESSON, kind="function",
    title="Topological order for the backward pass",
    prompt=(
        "Write `toposort(end_node)`: return a list of every Node reachable from `end_node` "
        "through `.parents`, each exactly once, such that **every Node comes before all of "
        "its parents** (so `end_node` is first). In this order a Node is visited only after "
        "every Node that uses it — exactly what the backward pass needs.\n\n"
        "Many orders are right; any of them passes. Checked on random graphs with fan-out."),
    hints=(
        "A depth-first search that adds a Node *after* all of its parents gives parents "
        "first; reverse that list.",
        "Keep a set of visited Nodes so that shared Nodes are added once.",
        "The idea: a Node is finished only after all of its parents are; list Nodes as they "
        "finish, and the reversed list puts every Node before its parents.",
    ),
    solution=toposort,
    spec=FunctionSpec("toposort", "toposort(end_node)", cases(30, _graph_case),
                      call=lambda answer, case: listing(answer(*case.args)),
                      judge=_toposort_judge),
)


# ------------------------------------------------------------------- backward_pass

def backward_pass(g, end_node):
    # toposort is the solution of the previous exercise (l06-toposort)
    adjoints = {end_node: g}
    for node in toposort(end_node):
        if not node.parents:
            continue                    # a leaf passes nothing on
        contributions = node.vjp(adjoints[node])
        for parent, contribution in zip(node.parents, contributions):
            if parent in adjoints:
                adjoints[parent] = adjoints[parent] + contribution      # fan-out: add up
            else:
                adjoints[parent] = contribution
    return adjoints


def _times_g(coefficient):
    return "g" if coefficient == 1.0 else f"{number_text(coefficient)}·g"


def _backward_case(rng, index):
    if index < 2:                   # (x + y) + x with an array seed: where `+=` aliases
        end_node, nodes = reused_sum_graph(rng, x_twice_first=index == 0)
        g = np.round(rng.uniform(0.5, 2.0, size=2), 2)
    else:
        end_node, nodes = random_graph(rng, with_vjps=True)
        g = random_adjoint_seed(rng)
    vjps = "; ".join(f"{node.name}.vjp(g) = "
                     f"({', '.join(_times_g(c) for c in node.vjp.coefficients)})"
                     for node in nodes if node.parents)
    return Case((g, end_node), text=f"{text_of(g=g)}, {describe_graph(end_node, nodes)}; {vjps}",
                data=np.copy(g))


def _backward_reference(case):
    g, end_node = case.args
    return {node.name: adjoint for node, adjoint in reference_adjoints(g, end_node).items()}


def _backward_judge(case, got, expected):
    g, end_node = case.args
    if got is None:
        return Mismatch("none", "returned None. Did you forget `return adjoints`?")
    if not isinstance(got, dict):
        return Mismatch("type", f"expected a dict mapping each Node to its adjoint, got "
                                f"{kind_of(got)}")
    for node in topological(end_node):
        if node not in got:
            return Mismatch("value", f"no adjoint for {_name(node)}: every Node the end node "
                                     f"depends on should have one")
        mismatch = compare_values(expected[node.name], got[node])
        if mismatch is not None:
            slip = _slip(case, got, expected, node)
            return Mismatch(mismatch.problem, f"the adjoint of {_name(node)}: "
                                              f"{mismatch.message}{slip}")
    for node in topological(end_node):
        calls = getattr(node.vjp, "calls", 1)
        if node.parents and calls != 1:
            return Mismatch("value", f"the VJP of {_name(node)} was called {calls} times. Call "
                                     f"each Node's vjp once, with its complete adjoint: that is "
                                     f"what the topological order is for")
    return None


def _changed_in_place(case, got, expected):
    """When adjoints were added in place (``+=``) into an array another Node also holds, say
    so: several Nodes that should differ hold one and the same array, or the seed changed."""
    g = case.args[0]
    holders = {}
    for node, adjoint in got.items():
        if isinstance(adjoint, np.ndarray):
            holders.setdefault(id(adjoint), []).append(node)
    shared = next((nodes for nodes in holders.values() if len(nodes) > 1 and any(
        compare_values(expected[nodes[0].name], expected[other.name]) is not None
        for other in nodes[1:])), None)
    seed_changed = isinstance(g, np.ndarray) and not np.array_equal(g, case.data)
    if shared is None and not seed_changed:
        return ""
    who = (f"{', '.join(_name(node) for node in shared)} hold one and the same array"
           if shared else "the seed g itself was changed")
    return f". {who}: {IN_PLACE}"


def _slip(case, got, expected, node):
    """Name the classic slip behind a wrong adjoint of ``node``, when the learner's numbers
    are exactly what it gives on this case: adding in place (``+=``) into an array another
    Node holds, or overwriting a parent's adjoint instead of adding to it. Both leave Nodes
    sharing one array, so the numbers decide, not the sharing alone."""
    if _same(got, _as_if(case, in_place=True)):
        return _changed_in_place(case, got, expected) or f". {IN_PLACE}"
    if _same(got, _as_if(case, in_place=False)):
        return _overwritten(node, got, case.args[1])
    return _changed_in_place(case, got, expected)


def _as_if(case, in_place):
    """The adjoints a backward pass with the slip gives on ``case``: ``+=`` into what a
    parent already has (``in_place``), or ``=`` (overwriting); each VJP hands back the very
    array it was given where its coefficient is 1, as the check's VJPs do."""
    g, end_node = np.copy(case.data), case.args[1]
    adjoints = {end_node: g}
    for node in topological(end_node):
        if not node.parents:
            continue
        for parent, coefficient in zip(node.parents, node.vjp.coefficients):
            share = adjoints[node] if coefficient == 1.0 else coefficient * adjoints[node]
            if in_place and parent in adjoints:
                adjoints[parent] += share
            else:
                adjoints[parent] = share
    return adjoints


def _same(got, adjoints):
    return all(node in got and compare_values(adjoint, got[node]) is None
               for node, adjoint in adjoints.items())


def _overwritten(node, got, end_node):
    """Say that ``node``'s adjoint is just one of the contributions it receives (worked out
    from the learner's own adjoints of its children): the others were overwritten."""
    contributions = [(child, coefficient * got[child])
                     for child in topological(end_node) if child in got and child.parents
                     for parent, coefficient in zip(child.parents, child.vjp.coefficients)
                     if parent is node]
    kept = next((child for child, contribution in contributions
                 if compare_values(contribution, got[node]) is None), None)
    one = f"just one of them (from {_name(kept)})" if kept is not None else "not their sum"
    return (f". {_name(node)} receives {len(contributions)} contributions (it is used more "
            f"than once), but its adjoint is {one}: the others were overwritten. A parent's "
            f"adjoint is the sum of what every use sends back: add each contribution to what "
            f"it already has.")


BACKWARD_PASS = Exercise(
    id="l06-backward-pass", lesson=LESSON, kind="function",
    title="The backward pass",
    prompt=(
        "Write `backward_pass(g, end_node)`: give `end_node` the adjoint `g`, then pass "
        "adjoints back through the graph. For a Node with parents, `node.vjp(adjoint)` "
        "returns a tuple of contributions, one per parent, in the order of `node.parents`; "
        "a parent that receives several contributions (fan-out, or the same parent twice) "
        "**adds them up**. Leaves have no parents and `vjp` None.\n\n"
        "Return a dict mapping every Node reachable from `end_node` to its adjoint (`g` may be "
        "a number or an array). Call each `vjp` once, when the Node's adjoint is complete: "
        "use `toposort` from the previous exercise."),
    hints=(
        "Keep a dict from each Node to its adjoint so far, starting with the end Node's `g`, "
        "and visit the Nodes in the order `toposort` gives.",
        "A Node with parents hands its complete adjoint to its `vjp`, which gives one "
        "contribution per parent, in the order of `node.parents`.",
        "The idea: a parent's adjoint is the sum of what every use of it sends back. Add to "
        "the adjoint it already has (making a new value, so that nothing another Node holds "
        "changes), or start it with the first contribution.",
    ),
    solution=backward_pass,
    spec=FunctionSpec("backward_pass", "backward_pass(g, end_node)", cases(30, _backward_case),
                      judge=_backward_judge, reference=_backward_reference),
)


# --------------------------------------------------------------- number questions

NEXT_ADJOINT = Exercise(
    id="l06-number-next-adjoint", lesson=LESSON, kind="number",
    title="Predict the next adjoint",
    prompt="A random function's backward pass is paused before one step. Predict the adjoint "
           "the receiving node holds after it.",
    hints=(
        "The contribution is the child's adjoint times the local derivative: for "
        "`v = a × b`, `a` receives `ḡ_v · b`; for `+` each side receives `ḡ_v`; for `-` the "
        "right side receives `-ḡ_v`.",
        "If the node already holds an adjoint, the contribution is added to it.",
    ),
    solution=drawn_answer, make_question=partial(next_adjoint_question, "l06-number-next-adjoint"),
)

ACCUMULATE = Exercise(
    id="l06-number-accumulate", lesson=LESSON, kind="number",
    title="Adjoints add up at fan-out",
    prompt="This node is used more than once, so it has already received a contribution. "
           "Predict its adjoint after the next one arrives.",
    hints=(
        "Work out the new contribution first (child's adjoint times the local derivative).",
        "Then add it to the adjoint the node already holds: contributions accumulate.",
    ),
    solution=drawn_answer,
    make_question=partial(next_adjoint_question, "l06-number-accumulate", accumulate=True),
)

EXERCISES = [TOPOSORT, BACKWARD_PASS, NEXT_ADJOINT, ACCUMULATE]
