"""Lesson 3: Nodes. Recording a trace: each operation becomes a Node that remembers its
value, the operation and its parents.

The Nodes are :class:`tutor.exercises.kit.Node` (or anything with the same attributes).
"""

from functools import partial

import numpy as np

from ..compare import compare_values, kind_of, summarize
from ..graphs import describe_graph, random_graph, reachable
from ..kit import Node
from ..model import Case, Exercise, FunctionSpec, Mismatch, WrongAnswer, drawn_answer
from ..practice import node_value_question
from ..specs import cases, listing, random_shape, random_value

LESSON = 3


# ------------------------------------------------------------------------ record_op

def record_op(fun, *parents):
    value = fun(*[parent.value for parent in parents])
    return Node(value, fun, parents)


def _add3(x, y, z):
    return x + y * z


_FUNCTIONS = (np.add, np.multiply, np.subtract, np.sin, np.exp, _add3)


def _record_op_case(rng, index):
    fun = _FUNCTIONS[index % len(_FUNCTIONS)]
    arity = 3 if fun is _add3 else (1 if fun in (np.sin, np.exp) else 2)
    shape = random_shape(rng, max_dims=2)
    parents = []
    for position in range(arity):
        if parents and rng.random() < 0.2:
            parents.append(parents[-1])                 # the same Node twice: x * x
        else:
            parents.append(Node(random_value(rng, shape), name=f"p{position}"))
    text = f"fun = {getattr(fun, '__name__', fun)}, parents with values " \
           f"{', '.join(summarize(parent.value) for parent in parents)}"
    return Case((fun, *parents), text=text)


def _record_op_reference(case):
    fun, *parents = case.args
    return fun(*[parent.value for parent in parents])


def judge_node(got, value, fun, parents, rtol=1e-6, atol=1e-8):
    """Is ``got`` a Node with this value, operation and parents (by identity, in order)?"""
    if got is None:
        return Mismatch("none", "returned None instead of the new Node. Did you forget "
                                "`return`?")
    if not all(hasattr(got, attribute) for attribute in ("value", "fun", "parents")):
        return Mismatch("type", f"expected a Node (with .value, .fun and .parents), got "
                                f"{kind_of(got)}")
    mismatch = compare_values(value, got.value, rtol, atol)
    if mismatch is not None:
        return Mismatch(mismatch.problem, f"the Node's value: {mismatch.message}")
    if fun is not None and got.fun is not fun and got.fun != fun:
        return Mismatch("value", f"the Node's fun should be {summarize(fun)}, got "
                                 f"{summarize(got.fun)}")
    return judge_parents(got.parents, parents)


def judge_parents(got_parents, parents):
    names = ", ".join(_name(parent) for parent in parents)
    try:
        got_list = list(got_parents)
    except TypeError:
        return Mismatch("type", f"the Node's parents should be a tuple of Nodes ({names}), got "
                                f"{kind_of(got_parents)}")
    if len(got_list) != len(parents) or any(a is not b for a, b in zip(got_list, parents)):
        got_names = ", ".join(_name(parent) for parent in got_list)
        return Mismatch("value", f"the Node's parents should be the Nodes ({names}) in argument "
                                 f"order, got ({got_names})")
    return None


def _name(node):
    return getattr(node, "name", None) or summarize(node)


def _record_op_judge(case, got, expected):
    fun, *parents = case.args
    return judge_node(got, expected, fun, parents)


def _record_op_call(answer, case):
    """Call the answer; a ``TypeError`` about Nodes means ``fun`` was handed the Nodes."""
    try:
        return answer(*case.args)
    except TypeError as error:
        if "Node" not in str(error):
            raise
        raise WrongAnswer("exception", f"your code raised TypeError: {error}. `fun` was "
                                       f"given the Nodes themselves; it works on numbers and "
                                       f"arrays, the parents' `.value`.") from None


RECORD_OP = Exercise(
    id="l03-record-op", lesson=LESSON, kind="function",
    title="Record one operation as a Node",
    prompt=(
        "A trace is a list of Nodes. `Node(value, fun, parents)` (from "
        "`tutor.exercises.kit`) holds the value an operation produced, the operation `fun` "
        "and the tuple of its input Nodes, `parents`.\n\n"
        "Write `record_op(fun, *parents)`: apply `fun` to the parents' values, and return a "
        "new `Node` holding the result, `fun` itself, and the parents (in order; a Node may "
        "appear twice, as in `x * x`). Checked with numbers and arrays and with functions of "
        "one, two and three arguments."),
    hints=(
        "The parents are Nodes, but `fun` works on plain numbers and arrays: take each "
        "parent's `.value` first.",
        "Call `fun` with those values as separate arguments (a star in the call unpacks a "
        "list), then build the Node.",
        "The idea: a Node remembers three things, the value computed, the operation that "
        "computed it, and the Nodes it was computed from.",
    ),
    solution=record_op,
    spec=FunctionSpec("record_op", "record_op(fun, *parents)", cases(24, _record_op_case),
                      call=_record_op_call, judge=_record_op_judge,
                      reference=_record_op_reference),
)


# ------------------------------------------------------------------------ ancestors

def ancestors(end_node):
    found = [end_node]
    seen = {end_node}
    for node in found:              # `found` grows while we walk it
        for parent in node.parents:
            if parent not in seen:
                seen.add(parent)
                found.append(parent)
    return found


def _graph_case(rng, index):
    end_node, nodes = random_graph(rng)
    return Case((end_node,), text=describe_graph(end_node, nodes))


def judge_node_collection(end_node, got, what="your result"):
    """Every Node reachable from ``end_node`` exactly once, and nothing else."""
    if isinstance(got, (list, tuple, set, frozenset)):
        items = list(got)
    elif got is None:
        return Mismatch("none", "returned None. Did you forget `return`?")
    else:
        return Mismatch("type", f"expected a list of Nodes, got {kind_of(got)}")
    wanted = reachable(end_node)
    seen = set()
    for item in items:
        if not hasattr(item, "parents"):
            return Mismatch("type", f"{what} should hold Nodes, but holds {summarize(item)}")
        if item in seen:
            return Mismatch("value", f"{_name(item)} appears more than once in {what}")
        seen.add(item)
    if end_node not in seen:
        return Mismatch("value", f"{_name(end_node)} is missing: the end node itself belongs "
                                 f"in {what}")
    missing = sorted((_name(node) for node in wanted - seen))
    if missing:
        return Mismatch("value", f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} "
                                 f"missing: the end node depends on "
                                 f"{'it' if len(missing) == 1 else 'them'}")
    extra = sorted(_name(node) for node in seen - wanted)
    if extra:
        return Mismatch("value", f"{', '.join(extra)} cannot be reached from the end node")
    return None


ANCESTORS = Exercise(
    id="l03-ancestors", lesson=LESSON, kind="function",
    title="Every Node the output depends on",
    prompt=(
        "Each Node knows only its `parents` (the Nodes of its inputs). Write "
        "`ancestors(end_node)` returning a list of every Node that `end_node` depends on, "
        "`end_node` included, **each exactly once**, in any order.\n\n"
        "Checked on random graphs where a Node may feed several others (fan-out) or the same "
        "one twice (`x * x`)."),
    hints=(
        "Start from `end_node` and follow `.parents` until there are no new Nodes.",
        "Keep a set of Nodes seen so far, so that a Node reached along two paths is added "
        "only once.",
        "A list you append to while looping over it visits the new Nodes too.",
    ),
    solution=ancestors,
    spec=FunctionSpec("ancestors", "ancestors(end_node)", cases(30, _graph_case),
                      call=lambda answer, case: listing(answer(*case.args)),
                      judge=lambda case, got, expected: judge_node_collection(case.args[0], got)),
)


# ------------------------------------------------------------------ number: a value

NODE_VALUE = Exercise(
    id="l03-number-node-value", lesson=LESSON, kind="number",
    title="What value does the next Node hold?",
    prompt="A random function is being traced. Predict the value the next recorded Node "
           "holds.",
    hints=(
        "Look up the values of the Node's parents among the values known so far.",
        "Apply the Node's operation to them: `×` multiplies, `+` adds, `-` subtracts.",
    ),
    solution=drawn_answer, make_question=partial(node_value_question, "l03-number-node-value"),
)

EXERCISES = [RECORD_OP, ANCESTORS, NODE_VALUE]
