"""Your autograd, stepped beside the reference: :func:`compare`.

A check says *that* your autograd is wrong; a comparison shows *where*. ``compare(f, 0.5)``
runs your ``grad`` on ``f`` (your pieces as they are, even those failing their checks, joined
by the course's glue), records your forward pass and every VJP your ``backward_pass``
applies, records ``tutor.autograd`` on the same inputs, and walks both step by step to the
first place where they part::

    >>> from tutor.mygrad import compare
    >>> compare(lambda x: sin(x) * x, 0.5)           # doctest: +SKIP
    ✘ Step 4: your vjp_sin sent 0.2397 to x (g · sin(x)); the reference sends 0.4388 (g · cos(x)).

In a notebook the :class:`Comparison` shows the two steppers side by side, stepping together,
that step marked on both graphs and in both listings (:mod:`tutor.mygrad_view`).

How: your code runs in the checker's child process, under its time limit, watched from the
outside (:mod:`tutor.mygrad_watch`); what it did comes back as plain numbers, and is turned
here into a real :class:`~tutor.record.Recording` (Nodes standing for yours, your steps as
the core's observer would have seen them, :func:`tutor.record.recording_of_trace`). The
reference is :func:`tutor.record.record` of the same ``f``, its primitives swapped for
``tutor.autograd``'s (:mod:`tutor.mygrad_swap`). The walk itself is :mod:`tutor.mygrad_diff`;
whose each piece is, and the formulas read from your source, :mod:`tutor.mygrad_pieces`.
"""

import contextlib
import inspect
import sys
from dataclasses import dataclass, field, replace as dataclass_replace
from types import MappingProxyType
from typing import Any, Optional

import numpy as np

import tutor.autograd.numpy as library

from .autograd.tracer import Node
from .exercises import checking
from .exercises.limits import TimeLimitExceeded, describe_exception, is_learner_file, \
    time_limit
from .exercises.sandbox import CappedOutput, can_fork, run_forked
from .mygrad_swap import raw_of, rebuilt
from .record import record, recording_of_trace
from . import mygrad_watch as watch

__all__ = ["compare", "Comparison", "Seen", "Opaque"]

MODES = ("reverse", "forward")


# ------------------------------------------------------------------------------ values

class Opaque:
    """A value of the learner's that was not a number or an array (None, a tuple ...), as
    the child described it."""

    def __init__(self, text):
        self.text = text

    def __repr__(self):
        return self.text


def decode(value):
    """What :func:`tutor.mygrad_watch.encode` sent, as a float, an array or an Opaque."""
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, dict) and "shape" in value:
        return np.array(value["data"], dtype=float).reshape(value["shape"])
    return Opaque(value.get("other", "?") if isinstance(value, dict) else repr(value))


def numeric(value, like=None):
    """``value`` if it is a number or array, else NaN shaped like ``like`` (for a view)."""
    if isinstance(value, (float, np.ndarray)):
        return value
    return np.full(np.shape(like), np.nan) if np.ndim(like) else float("nan")


# ------------------------------------------------------------------------ what was seen

class Shown:
    """What a Node standing for one of the learner's must carry to be recorded and shown:
    the primitive's name, its symbol, and its VJP (or JVP) formulas: the reference's
    (``tutor.autograd``'s of the same name), or the learner's own where one of their pieces
    computes it (``g · sin(x)``)."""

    def __init__(self, name, formulas=None, jvp_formulas=None):
        twin = getattr(library, name, None)
        self.__name__ = name
        self.symbol = getattr(twin, "symbol", None)
        self.vjps = dict(getattr(twin, "vjps", {}))
        self.formulas = {**getattr(twin, "formulas", {}),
                         **{int(argnum): text for argnum, text in (formulas or {}).items()}}
        self.jvp_formulas = {**getattr(twin, "jvp_formulas", {}), **(jvp_formulas or {})}


@dataclass
class Call:
    """One VJP call the learner's backward pass made: the Node (by number), the adjoint it
    was given, the learner's adjoints just before (None: not found), the contributions (None
    if it raised) and the checked pieces it called."""
    node: int
    g: Any
    before: Optional[dict]
    out: Any = None
    pieces: list = field(default_factory=list)


@dataclass
class Seen:
    """Everything the child reported, decoded (see :class:`tutor.mygrad_watch.Watcher`)."""
    whose: dict = field(default_factory=dict)
    inputs: dict = field(default_factory=dict)      # number -> (value, tangent or None)
    applied: list = field(default_factory=list)     # the "apply" messages, in order
    order: Optional[list] = None                    # what toposort returned (numbers)
    seed: Any = None
    end: Optional[int] = None                       # the Node backward_pass started from
    calls: list = field(default_factory=list)       # Call, in order
    adjoints: Any = None                            # number -> value, as returned
    result: dict = field(default_factory=dict)
    error: Optional[dict] = None
    output: str = ""
    how: str = "finished"
    running: Optional[str] = None                   # a piece entered and not yet returned

    @classmethod
    def from_messages(cls, messages, how):
        seen = cls(how=how)
        held = {}                           # the learner's adjoints, as the changes arrive
        for message in messages:
            if "done" in message:
                continue
            kind, body = next(iter(message.items()))
            if kind == "whose":
                seen.whose = body
            elif kind == "input":
                seen.inputs[body["node"]] = (decode(body["value"]), decode(body["tangent"])
                                             if "tangent" in body else None)
            elif kind == "apply":
                seen.applied.append(body)
            elif kind == "entered":
                seen.running = body
            elif kind == "order":
                seen.order, seen.running = body, None
            elif kind == "seed":
                seen.seed, seen.end = decode(body["g"]), body["node"]
            elif kind == "calling":
                change = body["before"]
                if change is not None:
                    held.update({int(key): decode(value)
                                 for key, value in change["changed"].items()})
                    for key in change["gone"]:
                        held.pop(int(key), None)
                seen.calls.append(Call(body["node"], decode(body["g"]),
                                       None if change is None else dict(held)))
            elif kind == "vjp" and seen.calls:
                out = body["out"]
                seen.calls[-1].out = [decode(item) for item in out] \
                    if isinstance(out, list) else decode(out)
                seen.calls[-1].pieces = body["pieces"]
            elif kind == "adjoints":
                seen.adjoints = {int(key): decode(value) for key, value in body.items()} \
                    if "other" not in body else decode(body)
            elif kind == "result":
                seen.result = {key: decode(value) for key, value in body.items()}
            elif kind == "error":
                seen.error = body
            elif kind == "output":
                seen.output = body
        if how != "finished" and seen.error is None:      # killed: no word from the child
            stage = "backward" if seen.seed is not None or seen.calls else "forward"
            seen.error = {"text": "", "timeout": how == "timeout", "ended": how == "exited",
                          "piece": seen.running, "phase": stage}
        return seen


# ---------------------------------------------------------------------------- the runs

def _watched_run(limit, **request):
    """Run the learner's side in the checker's child process (in this one where there is
    no fork, undoing the watching afterwards); returns what it saw."""
    if checking.ISOLATE and can_fork():
        def child(send, receive):
            sys.stdout = sys.stderr = output = CappedOutput()
            watch.run(send, limit=limit, **request)
            send({"output": output.text()})
            send({"done": True})
        ended = run_forked(child, lambda: None, checking.hard_deadline(limit))
        seen = Seen.from_messages(ended.messages, ended.how)
    else:
        messages, output = [], CappedOutput()
        with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output), \
                watch.undone():
            watch.run(messages.append, limit=limit, **request)
        seen = Seen.from_messages(messages, "finished")
        seen.output = output.text()
    if seen.output:
        sys.stdout.write(seen.output)
    return seen


def _argument_names(f, count):
    """The names ``f`` gives its first ``count`` arguments (``arg2`` where it has none)."""
    try:
        parameters = list(inspect.signature(f).parameters)
    except (TypeError, ValueError):
        parameters = []
    return [parameters[i] if i < len(parameters) else f"arg{i}" for i in range(count)]


def _one_argument(f, args, argnum):
    """``f`` as a function of argument ``argnum`` only, named as ``f`` names it."""
    def one(value):
        return f(*args[:argnum], value, *args[argnum + 1:])

    name = _argument_names(f, argnum + 1)[argnum]
    one.__signature__ = inspect.Signature([inspect.Parameter(
        name, inspect.Parameter.POSITIONAL_OR_KEYWORD)])
    one.__name__ = _function_name(f)
    return one


def _function_name(f):
    name = getattr(f, "__name__", "f")
    return name if name.isidentifier() else "f"


def reference_function(f):
    """``f`` rebuilt on ``tutor.autograd``: each learner primitive read as the library's of
    the same name (and, for a notebook's dual numbers, its ``sin``, ``exp`` ... too)."""
    def replace(value):
        raw = raw_of(value)
        if raw is not None:
            return getattr(library, raw.__name__, None)
        if _dual_function(value):
            return getattr(library, value.__name__)
        return None
    return rebuilt(f, replace)


def _dual_function(value):
    """A notebook's ``sin`` on dual numbers (lesson 11): a function whose globals define a
    class ``Dual``."""
    namespace = getattr(value, "__globals__", {})
    name = getattr(value, "__name__", "")
    return name in watch.ELEMENTARY and isinstance(namespace.get("Dual"), type) and \
        namespace.get(name) is value


def _reference(f, args, argnum, mode, tangent, limit):
    """``tutor.autograd``'s Recording of the same call (argument ``argnum`` traced alone, as
    the learner's ``grad`` traces it), or the reason there is none."""
    one = _one_argument(reference_function(f), args, argnum)
    try:
        with time_limit(limit):
            if mode == "forward":
                recording = record(one, args[argnum], mode="forward", tangent=tangent)
            else:
                recording = record(one, args[argnum])
    except TimeLimitExceeded:
        return None, f"tutor.autograd took longer than {limit:g} s on f"
    except Exception as error:              # noqa: BLE001 - f may not run on tutor.autograd
        return None, f"tutor.autograd could not differentiate f: {describe_exception(error)}"
    names = _argument_names(f, len(args))
    return dataclass_replace(recording, function_name=_function_name(f),
                             arguments=MappingProxyType(dict(zip(names, args)))), ""


# ---------------------------------------------------------------- the learner's Recording

@dataclass
class Mirror:
    """The learner's trace rebuilt from what was seen: a core Node standing for each of
    theirs (by number), the end, and the steps in their order with what each came from."""
    nodes: dict
    start: Optional[Node]
    end: Optional[Node]
    steps: list                 # (node, parent, argnum, g, contribution, before, after)
    step_calls: list            # per step: its Call (reverse) or its "apply" (forward)
    side_effects: dict          # call index -> {number: (old, new)} (adjoints changed aside)
    problems: list              # what could not be mirrored, in words


def mirror_of(seen, mode):
    """A :class:`Mirror` of what was seen (reverse or forward mode)."""
    nodes, problems = {}, []
    for number, (value, tangent) in seen.inputs.items():
        nodes[number] = Node.new_root(numeric(value))
    for applied in seen.applied:
        operands = applied["args"]
        parents = applied.get("parents")
        if mode == "forward":
            parents = [operand[1] for operand in operands if operand[0] == "node"]
        if parents is None or any(parent not in nodes for parent in parents):
            problems.append(f"the Node of {applied['name']} has parents that are not Nodes")
            parents = [parent for parent in parents or () if parent in nodes]
        used, argnums = set(), []
        for parent in parents:
            argnum = next((i for i, operand in enumerate(operands) if operand[0] == "node"
                           and operand[1] == parent and i not in used), None)
            if argnum is None:
                problems.append(f"a parent of {applied['name']} is not one of its arguments")
                argnum = len(operands) + len(argnums)
            used.add(argnum)
            argnums.append(argnum)
        values = tuple(nodes[operand[1]].value if operand[0] == "node" and operand[1] in nodes
                       else numeric(decode(operand[1])) for operand in operands)
        if mode == "forward":       # one term: the learner's rule, or the table's, summed
            formula = applied.get("formula") or _summed(applied["name"], argnums)
            fun = Shown(applied["name"], jvp_formulas={argnums[0]: formula} if formula and
                        argnums else None)
        else:
            fun = Shown(applied["name"], formulas=applied.get("formulas"))
        kwargs = {key: decode(value) for key, value in applied.get("kwargs", {}).items()}
        nodes[applied["node"]] = Node(numeric(decode(applied["value"])), fun, values, kwargs,
                                      tuple(argnums), tuple(nodes[parent] for parent in parents))
    starts = [nodes[number] for number in seen.inputs]
    start = starts[0] if starts else None
    if len(starts) > 1:
        problems.append(f"{len(starts)} inputs were traced, not one")
    end_number = seen.end if seen.end is not None else (
        seen.applied[-1]["node"] if seen.applied else None)
    end = nodes.get(end_number)
    if mode == "forward":
        steps = [_forward_step(nodes, applied) for applied in seen.applied
                 if applied["node"] in nodes]
        return Mirror(nodes, start, end, steps, list(seen.applied), {}, problems)
    steps, step_calls, side_effects = _backward_steps(seen, nodes)
    return Mirror(nodes, start, end, steps, step_calls, side_effects, problems)


def _summed(name, argnums):
    """``ẋ + ẏ``: the library's JVP terms of the arguments that move, as one formula."""
    formulas = getattr(getattr(library, name, None), "jvp_formulas", {})
    terms = [formulas.get(argnum) for argnum in argnums]
    if not terms or None in terms:
        return None
    text = terms[0]
    for term in terms[1:]:
        text += f" − {term[1:].lstrip()}" if term.startswith("−") else f" + {term}"
    return text


def _forward_step(nodes, applied):
    node = nodes[applied["node"]]
    tangents_in = tuple(numeric(decode(t), parent.value)
                        for t, parent in zip(applied["tangents_in"], node.parents))
    tangent = numeric(decode(applied["tangent"]), node.value)
    contributions = tuple(tangent if i == 0 else None for i in range(len(node.parents)))
    return (node, tangents_in, contributions, tangent)


def _backward_steps(seen, nodes):
    """The learner's backward steps, one per contribution, with each parent's adjoint
    before and after as their own dict held it (read at the next VJP call, or from what
    ``backward_pass`` returned); where no dict was found, as the contributions add up."""
    steps, step_calls, side_effects = [], [], {}
    running = {}                                # inferred adjoints (no dict found)
    finals = seen.adjoints if isinstance(seen.adjoints, dict) else None
    numbers = {id(node): number for number, node in nodes.items()}
    for index, call in enumerate(seen.calls):
        node = nodes.get(call.node)
        if node is None or call.out is None:
            break
        nxt = seen.calls[index + 1].before if index + 1 < len(seen.calls) else finals
        outs = call.out if isinstance(call.out, list) else []
        parents = list(zip(node.parents, node.parent_argnums))
        within = {}
        for position, (parent, argnum) in enumerate(parents):
            number = numbers[id(parent)]
            contribution = outs[position] if position < len(outs) else Opaque("nothing")
            share = numeric(contribution, parent.value)
            if number in within:
                before = within[number]
            elif call.before is not None:
                before = call.before.get(number)
            else:
                before = running.get(number)
            last = all(numbers[id(other)] != number for other, _ in parents[position + 1:])
            if last and nxt is not None and call.before is not None and number in nxt:
                after = numeric(nxt[number], parent.value)
            else:
                after = share if before is None else numeric(before, parent.value) + share
            within[number] = running[number] = after
            steps.append((node, parent, argnum, numeric(call.g, node.value), share,
                          None if before is None else numeric(before, parent.value), after))
            step_calls.append((index, contribution))
        if call.before is not None and nxt is not None:
            touched = {numbers[id(parent)] for parent, _ in parents}
            changed = {number: (call.before[number], nxt[number]) for number in call.before
                       if number not in touched and number in nxt
                       and not _same(call.before[number], nxt[number])}
            if changed:
                side_effects[index] = changed
    return steps, step_calls, side_effects


def _same(a, b):
    if isinstance(a, Opaque) or isinstance(b, Opaque):
        return repr(a) == repr(b)
    return np.shape(a) == np.shape(b) and bool(np.all((np.asarray(a) == np.asarray(b)) | (
        np.isnan(np.asarray(a, dtype=float)) & np.isnan(np.asarray(b, dtype=float)))))


def learner_recording(seen, mirror, f, args, argnum, mode):
    """The learner's :class:`~tutor.record.Recording` and the id of each of their Nodes, or
    ``(None, {}, why)`` when their trace cannot be drawn."""
    if mirror.start is None:
        return None, {}, "nothing was traced"
    try:
        if mode == "forward":
            result = seen.result
            value = result.get("value", mirror.end.value if mirror.end else float("nan"))
            recording, ids = recording_of_trace(
                f, args, argnum, mirror.start, mirror.end, numeric(value), mirror.steps,
                gradient=numeric(result.get("tangent"), value),
                tangent=numeric(seen.inputs[next(iter(seen.inputs))][1], mirror.start.value))
        else:
            end_value = mirror.end.value if mirror.end is not None else float("nan")
            recording, ids = recording_of_trace(
                f, args, argnum, mirror.start, mirror.end, end_value, mirror.steps,
                gradient=numeric(seen.result.get("gradient"), mirror.start.value))
    except Exception as error:              # noqa: BLE001 - a trace too broken to draw
        return None, {}, f"your trace could not be drawn ({describe_exception(error)})"
    return dataclass_replace(recording, function_name=_function_name(f)), ids, ""


# ----------------------------------------------------------------------------- compare

def _notebook():
    """The globals of the first caller outside the tutor package: the learner's notebook."""
    frame = sys._getframe(1)
    while frame is not None and not is_learner_file(frame.f_code.co_filename):
        frame = frame.f_back
    return frame.f_globals if frame is not None else {}


def compare(f, *args, argnum=0, autograd=None, mode="reverse", tangent=None,
            limit=checking.DEFAULT_TIME_LIMIT):
    """Your autograd and ``tutor.autograd``, step by step, on ``f(*args)``: a
    :class:`Comparison`.

    ``f`` is built from your primitives (``sin(x) * x`` with your ``sin``) or from
    ``tutor.autograd.numpy`` (``tnp.sin``): either way it runs once on each autograd.
    ``argnum`` is the argument differentiated, as in your ``grad``.

    ``autograd``: None for your pieces as they are in ``mygrad.py`` and in this notebook
    (those failing their checks too: finding where they go wrong is the point; the course's
    for those not written yet), joined by the course's glue; a module from ``load()``; or a
    notebook's ``globals()`` when the notebook builds its own autograd (lesson 8).

    ``mode="forward"`` compares your ``jvp`` on your ``Dual`` (lesson 11) with
    ``tutor.autograd``'s forward mode, starting ``x`` with ``tangent`` (1.0 by default).
    Your code gets ``limit`` seconds: an endless loop is stopped and reported.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be 'reverse' or 'forward', not {mode!r}")
    if not callable(f):
        raise TypeError(f"compare needs a function f, not {type(f).__name__}")
    if not isinstance(argnum, int) or not 0 <= argnum < len(args):
        raise ValueError(f"argnum must be the position of one of the {len(args)} arguments "
                         f"given, not {argnum!r}")
    args = tuple(float(arg) if isinstance(arg, int) and not isinstance(arg, bool) else arg
                 for arg in args)
    if mode == "forward":
        tangent = 1.0 if tangent is None else tangent
    from .mygrad_diff import first_difference
    from .mygrad_view import Comparison
    seen = _watched_run(limit, f=f, args=args, argnum=argnum, autograd=autograd,
                        notebook=_notebook() if autograd is None else {},
                        mode=mode, tangent=tangent)
    reference, no_reference = _reference(f, args, argnum, mode, tangent, limit)
    mirror = mirror_of(seen, mode)
    mine, ids, not_drawn = learner_recording(seen, mirror, f, args, argnum, mode)
    difference = first_difference(reference, mine, ids, mirror, seen, mode=mode,
                                  limit=limit, argnum=argnum,
                                  no_reference=no_reference, not_drawn=not_drawn)
    return Comparison(mine=mine, reference=reference, difference=difference,
                      whose=seen.whose, mode=mode)
