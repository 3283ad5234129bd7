"""A Recording: one gradient computation, captured step by step so it can be replayed.

``grad(f)(x, y)`` answers a question but hides the work. :func:`record` does the same work
(the same trace, the same backward pass) and keeps every step:

    >>> import tutor.autograd.numpy as np
    >>> from tutor.record import record
    >>> rec = record(lambda x, y: np.log(x**2) + y**2 + x*y, 1.0, 2.0)
    >>> rec.gradient
    4.0
    >>> print(rec)                                              # doctest: +SKIP

Every value in the computation gets a name ``v0, v1, ...`` in the order it came to exist:
the inputs first, then, for each operation of the forward pass, its constants (the ``2`` in
``x**2``) and its result. The forward pass is one :class:`ForwardStep` per primitive
applied; the backward pass is one :class:`BackwardStep` per VJP applied, i.e. per
contribution one node's adjoint makes to one of its parents'. When a value feeds several
operations (fan-out), it receives several contributions, in separate steps, and each step
shows the sum growing: ``before + contribution = after``.

Steps are numbered across both passes, ``1 .. rec.steps``, so a single integer ``k`` tells
the whole story so far: :meth:`Recording.state_at` gives every value and adjoint known after
``k`` steps. Any view of a recording (the graph, the stepper, the inspector) is a function of
``(recording, k)``.

Nothing here differentiates anything itself: the forward pass is the core's ``trace`` and the
backward pass is the core's ``backward_pass``, watched through its observer hook.

**Forward mode.** ``record(f, 1.0, 2.0, mode="forward")`` records the other half of automatic
differentiation: no backward pass, but every forward step carries, beside the node's value,
its *tangent* ``ẋ_v3``: how fast that value moves when the input moves along the chosen
tangent (by default 1 on the differentiated input and 0 on the others; for an array input,
1 on its first element). Each step applies the primitive's JVP, registered in the core
beside its VJP, and its ``tangent_line`` reads like
``ẋ_v3 = ẋ_v1 · v2 + v1 · ẋ_v2 = 1.0 · 2.0 + 1.0 · 0.0 = 2.0``. The tangents are the core's
``forward_pass``, watched through its observer, exactly as the backward steps are.
``gradient`` is then the output's tangent, the directional derivative; with the default
tangent on a scalar input it is ∂f/∂x, equal to what ``grad`` returns.

**Functions with several outputs, in reverse mode.** A backward pass starts from the
output's adjoint ḡ, the *seed*. For a number out it is 1 (∂f/∂f = 1), and the pass gives
∂f/∂ each input: that is what ``grad`` returns, and ``grad`` refuses any other output. For
``f: ℝⁿ → ℝᵐ`` a backward pass pulls back one vector ḡ of the output's shape and gives
ḡᵀJ: ``record(f, x, seed=[0.0, 1.0, 0.0])`` (1 on output 1, 0 on the others) records
row 1 of the Jacobian, ∂f[1]/∂x, one VJP at a time, and :attr:`Recording.output_name`
says so (``"f[1]"``). Without ``seed`` such a function is refused, as ``grad`` refuses it,
with a message saying how to pick a row.

**Arrays.** Values may be arrays; every adjoint and tangent has the shape of its node. When
a VJP sums an adjoint over axes that broadcasting had stretched (``b`` of 3 numbers added to
every row of a 2×3 matrix), the backward line says so: ``ḡ_b += Σ over rows of ḡ_v4
(2×3 → 3)``.

**Which arguments become input nodes.** ``grad(f, argnum)`` traces only the argument it
differentiates. A learner looking at ``x*y`` still wants to see ``y`` as an input, so
:func:`record` traces *every* numeric argument (numbers and float arrays): each gets an input
node and an adjoint, and :attr:`Recording.gradients` holds ∂f/∂ each of them.
:attr:`Recording.gradient` is the one for ``argnum``, equal to what ``grad`` returns.
Arguments of other types (strings, lists, integer arrays, booleans...) stay plain
parameters. If tracing the extra arguments breaks ``f`` (say ``range(n)`` on a traced ``n``),
or reaches an operation with no VJP for one of them, ``f`` is recorded again with only the
differentiated argument(s) traced, exactly as ``grad`` would run it.
"""

from __future__ import annotations

import inspect
import numbers
import re
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

import numpy as _np

from .autograd.core import (MissingVJPError, backward_pass, input_adjoint, toposort, traceable,
                            vspace, zeros_like)
from .autograd.differential_operators import require_scalar
from .autograd.forward import MissingJVPError, forward_pass
from .autograd.tracer import getval, trace
from .autograd.wrap_util import unary_to_nary
from .notation import ADJOINT, TANGENT, shape_text, value_text
from .shapes import shape_of, summed_axes_text

__all__ = ["record", "Recording", "NodeInfo", "ForwardStep", "BackwardStep", "State",
           "ADJOINT", "TANGENT", "MODES", "CHANGES", "LISTING_PREFIX", "shown_text", "index_text",
           "is_unit", "element_name", "indexed_name"]

MODES = ("reverse", "forward")
_VALUE, _ADJOINT, _TANGENT_KIND = 0, 1, 2            # what a step changes, in State order
CHANGES = ("value", "adjoint", "tangent")            # the names of those, for changes(k)
# How a step's line starts in the listing; {k} is the step number, padded to the width of
# the largest (a view showing the listing fills in the same templates).
LISTING_PREFIX = {"forward": "[{k}] ", "backward": "[{k}] {node} → {parent}:  "}
_TANGENT_LETTERS = ("ẋ", "ẏ", "ż")                    # the tangents of arguments 0, 1, 2


# ------------------------------------------------------------------------------ records

@dataclass(frozen=True, eq=False)
class NodeInfo:
    """One node of the recorded graph.

    ``kind`` is ``"input"`` (an argument of ``f``), ``"constant"`` (a fixed number or array
    an operation used, such as the ``2`` in ``x**2``: it takes no adjoint), ``"operation"``
    (a primitive's result) or ``"output"`` (the operation whose value ``f`` returned).
    ``primitive`` is the primitive's name (``"multiply"``) and ``symbol`` what the graph draws
    (``"×"``); for an input ``symbol`` is its name and for a constant its value. ``parents``
    are the ids of the nodes the operation read, in argument order, constants included, and
    ``argnums`` the argument position of each. ``label`` is the short text to draw in the
    node: the input's name, the constant's value, the operation's symbol (``relu`` for
    ``maximum(v, 0)``, drawn with ``v`` as its one parent). ``formulas`` holds,
    for each parent, the VJP formula of that argument (empty for a constant: no adjoint flows
    to it).
    """

    id: str
    kind: str
    primitive: str | None
    symbol: str
    parents: tuple
    value: Any
    label: str
    name: str | None = None
    argnums: tuple = ()
    formulas: tuple = ()


@dataclass(frozen=True, eq=False)
class ForwardStep:
    """One primitive applied in the forward pass: ``node = primitive(*args)``.

    ``index`` is the step number ``k`` (counted from 1 across both passes) such that
    ``rec.state_at(k).step`` is this step. ``parents`` are the ids of the arguments that are
    nodes (inputs, earlier results, constants), ``argnums`` their positions in ``args``,
    which holds every argument's value. ``line`` reads like ``v3 = v1 × v2 = 2.0``; it is
    made of ``line_parts``, names and numbers by turns (``("v3 = v1 × v2 = ", "2.0")``), so
    a view can show the names before the step and the numbers after it (:func:`shown_text`).

    In a forward-mode recording the step also carries the node's ``tangent``, the JVP
    ``formulas`` used (one per traced argument, in ``tangent_argnums`` order), each traced
    argument's ``contributions`` to the tangent (None for an argument that passes none on)
    and the ``tangent_line``: ``ẋ_v3 = ẋ_v1 · v2 + v1 · ẋ_v2 = 1.0 · 2.0 + 1.0 · 0.0 = 2.0``
    (made of ``tangent_parts``). In reverse mode these are None or empty.
    """

    index: int
    node: str
    primitive: str
    symbol: str
    parents: tuple
    args: tuple
    value: Any
    line_parts: tuple
    argnums: tuple = ()
    kwargs: Any = field(default_factory=lambda: MappingProxyType({}))
    tangent: Any = None
    tangent_parts: tuple = ()
    formulas: tuple = ()
    tangent_argnums: tuple = ()
    tangent_parents: tuple = ()
    contributions: tuple = ()

    @property
    def phase(self):
        return "forward"

    @property
    def line(self):
        return "".join(self.line_parts)

    @property
    def tangent_line(self):
        return "".join(self.tangent_parts)

    @property
    def parts(self):
        """The whole listing line as parts: the line, then ``;   `` and the tangent line."""
        if not self.tangent_parts:
            return self.line_parts
        first, *rest = self.tangent_parts
        return self.line_parts + (";   " + first, *rest)


@dataclass(frozen=True, eq=False)
class BackwardStep:
    """One VJP applied in the backward pass: ``node`` passes part of its adjoint to ``parent``.

    ``g`` is ``node``'s adjoint (complete by now: every node using ``node`` has already
    contributed), ``formula`` the VJP for argument ``argnum`` as registered with the
    primitive, ``contribution`` its value, and ``before``/``after`` the parent's adjoint
    around this step: ``after = before + contribution``. ``before`` is zero (shaped like the
    parent) when nothing had reached ``parent`` yet; ``accumulates`` is True when something
    had, i.e. when this step adds to an earlier contribution (fan-out). ``line`` reads like
    ``ḡ_v1 += ḡ_v3 · v2 = 1.0 · 2.0 = 2.0  →  ḡ_v1 = 2.0``, made of ``line_parts`` (names
    and numbers by turns, see :class:`ForwardStep`). ``named_formula`` is the
    formula written in this step's node names (``ḡ_v3 · v2``), so that its letters are never
    read as the learner's own variables. ``broadcast`` is empty, or, when the VJP summed
    over axes that broadcasting had stretched ``parent`` along, ``(words, shape of g, shape
    of the contribution)`` such as ``("rows", (2, 3), (3,))``.
    """

    index: int
    node: str
    parent: str
    argnum: int
    formula: str
    g: Any
    contribution: Any
    before: Any
    after: Any
    line_parts: tuple
    accumulates: bool = False
    named_formula: str = ""
    broadcast: tuple = ()

    @property
    def phase(self):
        return "backward"

    @property
    def line(self):
        return "".join(self.line_parts)

    parts = property(lambda self: self.line_parts, doc="The listing line as parts.")


@dataclass(frozen=True, eq=False)
class State:
    """What is known after ``k`` steps of a recording.

    ``values`` maps node id -> value for every node computed so far (inputs and constants
    from the start), ``adjoints`` maps node id -> adjoint received so far (the output's seed
    from the end of the forward pass on). ``step`` is the step just taken (None at ``k = 0``)
    and ``phase`` is ``"start"`` (k = 0), ``"forward"``, ``"backward"`` or ``"done"``
    (k = rec.steps). ``tangents`` maps node id -> tangent known so far (forward mode: the
    inputs' from the start, each operation's from its step on; empty in reverse mode).
    """

    k: int
    phase: str
    step: ForwardStep | BackwardStep | None
    values: Any
    adjoints: Any
    tangents: Any = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True, eq=False)
class Recording:
    """One call of ``f`` differentiated, as forward and backward steps (see the module doc).

    Built by :func:`record`; immutable. The main attributes:

    - ``inputs``: argument name -> node id, in argument order; ``output``: the output's id;
    - ``nodes``: node id -> :class:`NodeInfo`, in id order;
    - ``forward``, ``backward``: tuples of :class:`ForwardStep` and :class:`BackwardStep`;
    - ``steps``: their total; ``state_at(k)`` the :class:`State` after ``k`` of them;
    - ``value``: ``f``'s value; ``gradient``: ∂f/∂(argument ``argnum``), equal to
      ``grad(f, argnum)(...)``; ``gradients``: argument name -> gradient for every input node;
    - ``argnum`` as given and ``wrt`` the name(s) of the argument(s) it designates;
    - ``arguments``: every argument of the call, name -> value; ``seed``: the output's adjoint
      the backward pass started from (1.0, or the ``seed`` given to :func:`record`), and
      ``output_name`` what ``gradient`` is the derivative of (``f``, ``f[1]``);
    - ``function_text``: f as one formula, when f says it (an expression parsed by
      :mod:`tutor.expression`, a practice question's function: their ``text``), else None;
    - ``mode``: ``"reverse"`` or ``"forward"``. In forward mode there are no backward steps,
      ``tangents`` holds each input's tangent (name -> tangent), ``gradient`` is the output's
      tangent (the directional derivative along ``tangents``) and ``gradients`` holds it
      under the name(s) of ``wrt``.
    """

    function_name: str
    arguments: Any
    inputs: Any
    output: str
    argnum: Any
    wrt: Any
    nodes: Any
    forward: tuple
    backward: tuple
    value: Any
    gradient: Any
    gradients: Any
    seed: Any
    _deltas: tuple = field(repr=False)
    _snapshots: tuple = field(repr=False)
    _interval: int = field(repr=False)
    mode: str = "reverse"
    tangents: Any = field(default_factory=lambda: MappingProxyType({}))
    function_text: Any = None

    @property
    def derivative_name(self):
        """What ``gradient`` is the derivative by, for a label ``∂f/∂<name>``.

        In reverse mode the name(s) of ``wrt``. In forward mode, when the tangent is 1 on a
        single number and 0 elsewhere, that number: ``x`` or ``W[0,1]``; otherwise
        ``x along ẋ`` (the directional derivative).
        """
        if self.mode != "forward":
            return _names_text(self.wrt)
        moving = [(name, _np.asarray(tangent)) for name, tangent in self.tangents.items()
                  if _np.any(_np.asarray(tangent) != 0)]
        if len(moving) == 1:
            name, tangent = moving[0]
            if is_unit(tangent):
                return element_name(name, tangent)
        return f"{_names_text(self.wrt)} along {TANGENT}"

    @property
    def output_name(self):
        """What ``gradient`` is the derivative *of*, for a label ``∂<name>/∂x``.

        ``f``, unless a reverse-mode recording started from a seed other than 1: then the
        output element the seed picks (``f[1]``, when ḡ is 1 there and 0 elsewhere: row 1
        of the Jacobian), or ``ḡ·f`` (f's elements weighted by ḡ and added up).
        """
        seed = _np.asarray(self.seed)
        if self.mode == "forward" or (seed.ndim == 0 and seed == 1):
            return "f"
        return element_name("f", seed) if seed.ndim and is_unit(seed) else f"{ADJOINT}·f"

    @property
    def steps(self):
        """The number of steps of both passes together."""
        return len(self.forward) + len(self.backward)

    def step(self, k):
        """The step numbered ``k`` (1 .. steps): forward steps first, then backward steps."""
        if not 1 <= k <= self.steps:
            raise IndexError(f"step {k} is out of range: this recording has steps 1 to "
                             f"{self.steps}")
        n_forward = len(self.forward)
        return self.forward[k - 1] if k <= n_forward else self.backward[k - 1 - n_forward]

    def state_at(self, k):
        """Everything known after ``k`` steps (0 <= k <= steps), as a :class:`State`.

        A pure function of ``k``. Each step changes exactly one or two entries (the value it
        computed, or the adjoint it added to), so the state is rebuilt from the nearest saved
        checkpoint before ``k`` plus the few steps since: cheap enough to call on every move
        of a slider, even for recordings with thousands of steps.
        """
        if isinstance(k, bool) or not isinstance(k, numbers.Integral):
            raise TypeError(f"state_at expects an integer step number, not {k!r}")
        k = int(k)
        if not 0 <= k <= self.steps:
            raise IndexError(f"state_at({k}): k must be between 0 and {self.steps}")
        checkpoint = k // self._interval
        known = tuple(dict(part) for part in self._snapshots[checkpoint])
        for index in range(checkpoint * self._interval, k):
            for kind, node_id, value in self._deltas[index]:
                known[kind][node_id] = value
        step = self.step(k) if k else None
        if k == self.steps:
            phase = "done"
        elif step is None:
            phase = "start"
        else:
            phase = step.phase
        values, adjoints, tangents = (MappingProxyType(part) for part in known)
        return State(k, phase, step, values, adjoints, tangents)

    # -- text ---------------------------------------------------------------------------

    def changes(self, k):
        """What step ``k`` (1 .. steps) changed, as ``(what, node id, new value)`` triples,
        ``what`` being ``"value"``, ``"adjoint"`` or ``"tangent"``: a forward step computes a
        value (and in forward mode a tangent; the last one also seeds the output's adjoint),
        a backward step adds to one adjoint. ``state_at(k)`` is ``state_at(k - 1)`` with these
        applied."""
        self.step(k)                                   # the same range check and message
        return tuple((CHANGES[kind], node_id, value)
                     for kind, node_id, value in self._deltas[k - 1])

    def listing_lines(self):
        """The listing as data, one entry per line, for views that show it step by step.

        Each entry is one of

        - ``("text", text)``: a line that reads the same at every step (a heading, an input,
          a constant), already indented;
        - ``("step", k, prefix, suffix)``: the line of step ``k``: ``prefix`` (``[ 3] `` or
          ``[ 9] v8 → v0:  ``), then the step's ``parts``, then ``suffix`` (``    (output)``);
        - ``("result", parts, known)``: the result line as parts (names and numbers by turns)
          and, for each number, the step from which it is known (f after the forward pass,
          the gradients at the end).

        :meth:`listing` prints it; a view hides what step ``k`` does not know yet.
        """
        forward_mode = self.mode == "forward"
        if forward_mode:
            along = ", ".join(f"{TANGENT}_{self.inputs[name]} = {value_text(value)}"
                              for name, value in self.tangents.items())
            entries = [("text", f"record of {self._call_text()}, forward mode: tangents pushed "
                                f"along with the values, starting from {along}")]
        else:
            pulled = self.output_name
            row = (f", pulling back {pulled} (the seed {ADJOINT} = {value_text(self.seed)})"
                   if pulled != "f" else "")
            entries = [("text", f"record of {self._call_text()}, "
                                f"differentiating with respect to {_names_text(self.wrt)}"
                                f"{row}")]
        width = len(str(self.steps))
        blank = " " * (width + 5)

        def text(line):
            entries.append(("text", line))

        text("inputs:")
        for name, node_id in self.inputs.items():
            tangent = (f";   {TANGENT}_{node_id} = {value_text(self.tangents[name])}"
                       if forward_mode and name in self.tangents else "")
            text(f"{blank}{node_id} = {name} = {value_text(self.nodes[node_id].value)}"
                 + tangent)
        if not self.inputs:
            text(f"{blank}(none traced)")
        text(f"forward pass ({counted(len(self.forward), 'step')}):")
        constants_before = self._constants_by_consumer()
        for step in self.forward:
            for constant in constants_before.get(step.node, ()):
                text(f"{blank}{constant.id} = {constant.label}    (constant)")
            suffix = "    (output)" if step.node == self.output else ""
            entries.append(("step", step.index, LISTING_PREFIX["forward"].format(
                k=f"{step.index:>{width}}"), suffix))
        output_info = self.nodes[self.output]
        if not self.forward and output_info.kind == "output":
            text(f"{blank}{self.output} = {value_text(output_info.value)}    "
                 f"(output: does not depend on the inputs)")
        n_forward = len(self.forward)
        if forward_mode:
            text(f"no backward pass in forward mode: the output's tangent "
                 f"{TANGENT}_{self.output} is the derivative along the input tangents")
            entries.append(("result", ("result: f = ", value_text(self.value),
                                       f";  ∂f/∂{_names_text(self.wrt)} along the tangent = "
                                       f"{TANGENT}_{self.output} = ", value_text(self.gradient)),
                            (n_forward, self.steps)))
            return entries
        text(f"backward pass ({counted(len(self.backward), 'step')}), from the seed "
             f"{ADJOINT}_{self.output} = {value_text(self.seed)}:")
        for step in self.backward:
            entries.append(("step", step.index, LISTING_PREFIX["backward"].format(
                k=f"{step.index:>{width}}", node=step.node, parent=step.parent), ""))
        if not self.backward:
            text(f"{blank}(nothing to propagate)")
        parts, known = ["result: f = ", value_text(self.value)], [n_forward]
        for number, (name, value) in enumerate(self.gradients.items()):
            parts += [(";  " if number == 0 else ", ") + f"∂{self.output_name}/∂{name} = ",
                      value_text(value)]
            known.append(self.steps)
        entries.append(("result", tuple(parts), tuple(known)))
        return entries

    def listing(self, k=None):
        """The SSA-style listing of both passes, one line per step; ``▶`` marks step ``k``."""
        lines = []
        for kind, *entry in self.listing_lines():
            if kind == "step":
                index, prefix, suffix = entry
                mark = "▶" if k is not None and index == k else " "
                lines.append(f"{mark} {prefix}{''.join(self.step(index).parts)}{suffix}")
            elif kind == "result":
                lines.append("".join(entry[0]))
            else:
                lines.append(entry[0])
        return "\n".join(lines)

    def __str__(self):
        return self.listing()

    def __repr__(self):
        mode = ", forward mode" if self.mode == "forward" else ""
        return (f"<Recording of {self._call_text()}{mode}: {len(self.nodes)} nodes, "
                f"{len(self.forward)} forward + {len(self.backward)} backward steps>")

    def _call_text(self):
        arguments = ", ".join(f"{name}={value_text(value)}"
                              for name, value in self.arguments.items())
        return f"{self.function_name}({arguments})"

    def _constants_by_consumer(self):
        consumers = {}
        for info in self.nodes.values():
            if info.kind in ("operation", "output"):
                for parent in info.parents:
                    if self.nodes[parent].kind == "constant":
                        consumers.setdefault(info.id, []).append(self.nodes[parent])
        return consumers


# ----------------------------------------------------------------------------- record

def record(f, *args, argnum=0, mode="reverse", tangent=None, seed=None, **kwargs):
    """Run ``grad(f, argnum)(*args, **kwargs)`` and keep every step, as a :class:`Recording`.

    ``argnum`` works as in ``grad``: an argument position (also for arguments passed by
    keyword), a parameter name, or a tuple of them (then ``gradient`` is a tuple). Errors are
    ``grad``'s: an exception raised by ``f`` propagates unchanged; a non-scalar output is a
    TypeError pointing at ``elementwise_grad`` and ``jacobian``; an operation with no VJP is
    a ``MissingVJPError``; an argument that cannot be differentiated (an integer array, a
    boolean) is a TypeError.

    ``mode="forward"`` records forward mode instead (see the module doc): the core's
    ``forward_pass`` pushes ``tangent`` from the input(s) ``argnum`` designates (a tuple of
    tangents for a tuple ``argnum``), shaped like the input. By default the tangent is 1
    for a number and, for an array, 1 on its first element and 0 elsewhere; the other
    inputs get tangent 0. The output may then be an array; ``gradient`` is its tangent.
    An operation with no JVP is a ``MissingJVPError``.

    ``seed`` (reverse mode) is the output's adjoint ḡ the backward pass starts from: numbers
    of the output's shape, such as ``[0.0, 1.0, 0.0]`` for row 1 of the Jacobian of a
    function with three outputs. By default it is 1, and the output must be a number. A
    seed of another shape is a ValueError naming both shapes.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be 'reverse' or 'forward', not {mode!r}")
    if tangent is not None and mode != "forward":
        raise ValueError("a tangent is only used in forward mode: pass mode='forward'")
    if seed is not None and mode != "reverse":
        raise ValueError("a seed (the output's adjoint) starts a backward pass, which only "
                         "reverse mode has; forward mode takes a tangent=")
    # grad's own argument lookup checks argnum (it raises before f runs)
    unary_to_nary(lambda fun, x: None)(f, argnum)(*args, **kwargs)
    slots = _Slots(f, args, kwargs)
    targets = slots.resolve(argnum)
    for target in targets:
        traceable(slots.value(target))          # grad's refusal of booleans, integer arrays...
    seeds = _tangents(slots, targets, argnum, tangent) if mode == "forward" else None

    extras = [slot for slot in slots.all
              if slot not in targets and _is_traceable(slots.value(slot))]
    traced = sorted(targets + extras, key=slots.all.index)
    if extras:
        try:
            return _record(f, slots, traced, targets, argnum, seeds, seed)
        except (TypeError, MissingVJPError, MissingJVPError) as error:
            if isinstance(error, _Refused):
                raise
            # tracing an extra argument broke f: record as grad runs it (see module doc)
    return _record(f, slots, targets, targets, argnum, seeds, seed)


def _tangents(slots, targets, argnum, tangent):
    """slot -> the tangent it starts with, for each differentiated input (checked)."""
    many = isinstance(argnum, (tuple, list))
    if tangent is None:
        given = [None] * len(targets)
    elif many:
        if not isinstance(tangent, (tuple, list)) or len(tangent) != len(targets):
            raise ValueError(f"with argnum={argnum!r}, give one tangent per input: a tuple of "
                             f"{len(targets)}")
        given = list(tangent)
    else:
        given = [tangent]
    seeds = {}
    for slot, direction in zip(targets, given):
        value = traceable(slots.value(slot))
        if direction is None:
            direction = vspace(value).zeros()
            if _np.ndim(direction):
                direction.flat[0] = 1.0
            else:
                direction = vspace(value).ones()
        else:
            direction = _np.asarray(direction, dtype=float) if _np.ndim(direction) else \
                _np.float64(direction)
            if _np.shape(direction) != _np.shape(value):
                raise ValueError(
                    f"the tangent of {slots.name(slot)} must have its shape "
                    f"({shape_text(_np.shape(value))}), not {shape_text(_np.shape(direction))}")
        seeds[slot] = direction
    return seeds


def _record(f, slots, traced, targets, argnum, seeds=None, seed=None):
    originals = tuple(slots.value(slot) for slot in traced)
    start_nodes, end_value, end_node = trace(slots.call_with(f, traced), traceable(originals))
    names = tuple(slots.name(slot) for slot in targets)
    many = isinstance(argnum, (tuple, list))
    text = getattr(f, "text", None)
    common = dict(function_name=getattr(f, "__name__", "f"),
                  function_text=text if isinstance(text, str) else None,
                  argnum=tuple(argnum) if many else argnum,
                  wrt=names if many else names[0], value=end_value)
    if seeds is not None:
        return _record_forward(slots, traced, start_nodes, end_node, end_value, seeds,
                               common, names, originals)
    seed = _output_adjoint(seed, end_value)
    builder = _Builder(slots, traced, start_nodes, end_node, end_value)
    adjoints = backward_pass(seed, end_node, builder.observe) if end_node is not None else {}
    gradients = {slots.name(slot): input_adjoint(adjoints, node, original)
                 for slot, node, original in zip(traced, start_nodes, originals)}
    return builder.finish(
        gradient=tuple(gradients[name] for name in names) if many else gradients[names[0]],
        gradients=gradients, seed=seed, **common)


def _record_forward(slots, traced, start_nodes, end_node, end_value, seeds, common, names,
                    originals):
    """Forward mode: the core's forward_pass, watched, from the tangents ``seeds``."""
    start = {}
    for slot, node in zip(traced, start_nodes):
        start[node] = seeds[slot] if slot in seeds else vspace(node.value).zeros()
    builder = _Builder(slots, traced, start_nodes, end_node, end_value, start_tangents=start)
    if end_node is not None:
        tangents = forward_pass(start, end_node, builder.observe_forward)
        gradient = tangents[end_node]
    else:
        gradient = zeros_like(end_value)
    if type(gradient) is _np.float64 and all(isinstance(original, (int, float))
                                             for original in originals):
        gradient = float(gradient)
    return builder.finish(
        gradient=gradient, gradients={name: gradient for name in names},
        seed=vspace(end_value).ones(), mode="forward",
        tangents=MappingProxyType({slots.name(slot): builder.initial_tangents[builder.ids[node]]
                                   for slot, node in zip(traced, start_nodes)}),
        **common)


class _Refused(TypeError):
    """An output :func:`record` cannot start a backward pass from (tracing fewer arguments
    would not change it, so the error goes straight to the caller)."""


def _output_adjoint(seed, end_value):
    """The seed of the backward pass: 1 for a number out (refusing any other output, as
    ``grad`` does), or the ``seed`` given, checked to be numbers of the output's shape."""
    if seed is None:
        try:
            require_scalar(end_value, "record (like grad)")
        except TypeError as error:
            shape = _np.shape(getval(end_value))
            if _np.size(getval(end_value)) == 1:
                raise
            raise _Refused(
                f"{error}\nOr record one row of the Jacobian: pass seed=, an output adjoint "
                f"{ADJOINT} of the output's shape ({shape_text(shape)}), 1 on the output to pull "
                f"back and 0 on the others.") from None
        return vspace(end_value).ones()
    try:
        adjoint = _np.array(seed, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"seed must be numbers shaped like f's output (an output adjoint "
                        f"{ADJOINT}), not {seed!r}") from None
    shape = _np.shape(getval(end_value))
    if adjoint.shape != shape:
        raise ValueError(
            f"the seed {ADJOINT} must have the shape of f's output, {shape_text(shape)}, not "
            f"{shape_text(adjoint.shape)}: one number per output element")
    if not _np.all(_np.isfinite(adjoint)):
        raise ValueError(f"the seed {ADJOINT} must be finite numbers, not {value_text(adjoint)}")
    return adjoint if adjoint.ndim else _np.float64(adjoint)


def is_unit(array):
    """Is ``array`` 1 at one element and 0 at all the others (a unit vector eᵢ)?"""
    array = _np.asarray(array)
    return bool(_np.count_nonzero(array) == 1 and array[array != 0][0] == 1)


def element_name(name, unit):
    """The element of ``name`` where the unit vector (or number) ``unit`` is 1: ``x`` for a
    number, ``x[1]`` for a vector, ``W[0,1]`` for a matrix."""
    unit = _np.asarray(unit)
    if unit.ndim == 0:
        return name
    return indexed_name(name, _np.unravel_index(int(_np.flatnonzero(unit)[0]), unit.shape))


def indexed_name(name, index):
    """``x`` for the index ``()`` of a number, ``x[1]``, ``W[0,1]``: one element's name."""
    return f"{name}[{','.join(str(int(i)) for i in index)}]" if len(index) else name


def recording_of_trace(f, args, argnum, start_node, end_node, end_value, steps, *, gradient,
                       tangent=None):
    """A Recording of a computation traced and differentiated by *another* autograd (the
    learner's own, watched by :func:`tutor.mygrad.compare`), so that every view shows it.

    The other trace is given as :class:`~tutor.autograd.tracer.Node` s standing for its own:
    ``start_node`` is argument ``argnum`` of ``f(*args)`` (the only one traced, as ``grad``
    traces it; ``f`` only lends its parameter names), ``end_node`` the output's (None when the
    output does not depend on it), each Node's ``fun`` carrying the ``__name__``, ``symbol``,
    ``formulas`` and ``vjps`` to show, as a primitive does. ``steps`` are what the other
    backward pass did, in its order, each ``(node, parent, argnum, g, contribution, before,
    after)`` as :func:`~tutor.autograd.core.backward_pass`'s observer sees them (``before``
    None for a first contribution); with ``tangent`` (the start's, forward mode) they are its
    forward pass's ``(node, tangents_in, contributions, tangent)`` instead. ``gradient`` is
    what the other autograd returned. Returns the Recording and the id each Node got.
    """
    slots = _Slots(f, args, {})
    traced = slots.resolve(argnum)
    wrt = slots.name(traced[0])
    common = dict(function_name=getattr(f, "__name__", "f"), argnum=argnum, wrt=wrt,
                  value=end_value, gradient=gradient, gradients={wrt: gradient},
                  seed=vspace(end_value).ones())
    starts = None if tangent is None else {start_node: tangent}
    builder = _Builder(slots, traced, [start_node], end_node, end_value, start_tangents=starts)
    for step in steps:
        (builder.observe if tangent is None else builder.observe_forward)(*step)
    if tangent is not None:
        common.update(mode="forward", tangents=MappingProxyType(
            {wrt: builder.initial_tangents[builder.ids[start_node]]}))
    return builder.finish(**common), dict(builder.ids)


def _is_traceable(value):
    """Numbers and float arrays become input nodes; everything else stays a plain parameter."""
    if isinstance(value, (bool, _np.bool_)):
        return False
    if isinstance(value, _np.ndarray):
        return value.dtype.kind == "f"
    return isinstance(value, (int, float, _np.integer, _np.floating))


class _Slots:
    """The arguments of one call, each a *slot* ``("args", i)`` or ``("kwargs", name)``.

    Knows each slot's name (from ``f``'s signature), resolves ``argnum`` the way ``grad``
    does, and builds the function of the traced slots that ``trace`` needs.
    """

    def __init__(self, f, args, kwargs):
        self.args, self.kwargs = args, kwargs
        try:
            parameters = list(inspect.signature(f).parameters.values())
        except (TypeError, ValueError):
            parameters = []
        self.positional = [p.name for p in parameters
                           if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        var = [p.name for p in parameters if p.kind == p.VAR_POSITIONAL]
        self.var_positional = var[0] if var else None
        keyword_order = [p.name for p in parameters]
        ordered_keys = sorted(kwargs, key=lambda key: (keyword_order.index(key)
                                                       if key in keyword_order else
                                                       len(keyword_order)))
        self.all = [("args", i) for i in range(len(args))] + [("kwargs", key)
                                                              for key in ordered_keys]

    def name(self, slot):
        where, key = slot
        if where == "kwargs":
            return key
        if key < len(self.positional):
            return self.positional[key]
        if self.var_positional:
            return f"{self.var_positional}[{key - len(self.positional)}]"
        return f"arg{key}"

    def value(self, slot):
        where, key = slot
        return self.args[key] if where == "args" else self.kwargs[key]

    def resolve(self, argnum):
        """The slot(s) ``argnum`` designates (already checked by grad's lookup)."""
        many = isinstance(argnum, (tuple, list))
        slots = []
        for one in (argnum if many else (argnum,)):
            slot = self._resolve_one(one)
            if slot not in slots:
                slots.append(slot)
        return slots

    def _resolve_one(self, argnum):
        n_args = len(self.args)
        if isinstance(argnum, int) and -n_args <= argnum < n_args:
            return ("args", argnum % n_args)
        if isinstance(argnum, str):
            name = argnum
            position = self.positional.index(name) if name in self.positional else None
        else:
            position = argnum
            name = self.positional[argnum] if 0 <= argnum < len(self.positional) else None
        if position is not None and position < n_args:
            return ("args", position)
        return ("kwargs", name)

    def call_with(self, f, traced):
        """``f`` as a function of one tuple: the values of the traced slots."""
        def unary(values):
            new_args, new_kwargs = list(self.args), dict(self.kwargs)
            for (where, key), value in zip(traced, values):
                if where == "args":
                    new_args[key] = value
                else:
                    new_kwargs[key] = value
            return f(*new_args, **new_kwargs)
        return unary


# ---------------------------------------------------------------------------- building

class _Builder:
    """Turns the core's Nodes into named nodes and steps, and watches the backward pass (or,
    in forward mode, the forward pass of tangents)."""

    def __init__(self, slots, traced, start_nodes, end_node, end_value, start_tangents=None):
        self.ids = {}                 # core Node -> node id
        self.tangent_steps = {}       # node id -> what the forward pass of tangents did there
        self.initial_tangents = {}
        self.nodes = {}               # node id -> NodeInfo
        self.forward = []
        self.backward = []
        self.initial_values = {}
        self.operands = {}            # node id -> per argument: its node id or None
        self.fan_out = {}             # node id -> how many contributions it will receive
        for slot, node in zip(traced, start_nodes):
            node_id = self._new_id(node)
            name = slots.name(slot)
            value = _frozen(node.value)
            self.nodes[node_id] = NodeInfo(node_id, "input", None, name, (), value, name,
                                           name=name)
            self.initial_values[node_id] = value
        self.inputs = {slots.name(slot): self.ids[node] for slot, node in zip(traced, start_nodes)}
        for node, tangent in (start_tangents or {}).items():
            self.initial_tangents[self.ids[node]] = _frozen(tangent)
        self.arguments = {slots.name(slot): slots.value(slot) for slot in slots.all}

        if end_node is None:                          # f's value does not depend on the inputs
            self.output = f"v{len(self.nodes)}"
            value = _frozen(end_value)
            text = value_text(value)
            self.nodes[self.output] = NodeInfo(self.output, "output", None, text, (), value,
                                               text)
            self.initial_values[self.output] = value
            return
        operations = sorted((node for node in toposort(end_node) if node not in self.ids),
                            key=lambda node: node.order)
        for node in operations:
            self._add_operation(node, is_output=node is end_node)
        self.output = self.ids[end_node]

    def _new_id(self, node=None):
        node_id = f"v{len(self.nodes)}"
        if node is not None:
            self.ids[node] = node_id
        return node_id

    def _add_operation(self, node, is_output):
        fun = node.fun
        name = getattr(fun, "__name__", "primitive")
        symbol = getattr(fun, "symbol", None) or name
        relu = _is_relu(name, node)
        if relu:
            symbol = "relu"            # drawn as relu of its one input, no 0.0 node beside it
        parent_of = dict(zip(node.parent_argnums, node.parents))
        operands = []                  # per argument: its node id, or None for a parameter
        for argnum, arg in enumerate(node.args):
            if argnum in parent_of:
                operands.append(self.ids[parent_of[argnum]])
            elif not relu and _is_operand(fun, argnum, arg):
                constant_id = self._new_id()
                value = _frozen(getval(arg))
                text = value_text(value)
                self.nodes[constant_id] = NodeInfo(constant_id, "constant", None, text, (),
                                                   value, text)
                self.initial_values[constant_id] = value
                operands.append(constant_id)
            else:
                operands.append(None)
        node_id = self._new_id(node)
        argnums = tuple(i for i, operand in enumerate(operands) if operand is not None)
        parents = tuple(operands[i] for i in argnums)
        value = _frozen(node.value)
        traced = set(node.parent_argnums)
        formulas = tuple(_formula_of(fun, i) if i in traced else "" for i in argnums)
        self.nodes[node_id] = NodeInfo(node_id, "output" if is_output else "operation", name,
                                       symbol, parents, value, symbol, argnums=argnums,
                                       formulas=formulas)
        shown = 1 if relu else len(node.args)        # relu(v1), not relu(v1, 0.0)
        expression = _expression_text(name, symbol, node.args[:shown], operands[:shown],
                                      node.kwargs)
        self.forward.append(ForwardStep(
            len(self.forward) + 1, node_id, name, symbol, parents,
            tuple(_frozen(getval(arg)) for arg in node.args), value,
            (f"{node_id} = {expression} = ", value_text(value)), argnums,
            MappingProxyType(dict(node.kwargs))))
        self.operands[node_id] = operands
        for parent in node.parents:
            self.fan_out[self.ids[parent]] = self.fan_out.get(self.ids[parent], 0) + 1

    def observe(self, node, parent, argnum, g, contribution, before, after):
        """The backward pass's observer: one call, one :class:`BackwardStep`."""
        node_id, parent_id = self.ids[node], self.ids[parent]
        formula = _formula_of(node.fun, argnum)
        accumulates = before is not None
        if before is None:
            before = zeros_like(parent.value)
        g, contribution = _frozen(g), _frozen(contribution)
        before, after = _frozen(before), _frozen(after)
        names = {"g": (g, f"{ADJOINT}_{node_id}"), "ans": (node.value, node_id)}
        operands = self.operands[node_id]
        for letter, position in (("x", 0), ("y", 1)):
            if position < len(node.args):
                names[letter] = (node.args[position], operands[position])
        line = _backward_parts(parent_id, formula, names, contribution, before, after,
                              accumulates, self.fan_out[parent_id] > 1, g)
        named = _fill_formula(formula, names, by_name=True) if set(
            _FORMULA_WORDS.findall(formula)) <= set(names) | _FORMULA_FUNCTIONS else formula
        big, small = shape_of(getval(g)), shape_of(getval(contribution))
        summed = summed_axes_text(big, small) if len(big) >= len(small) and big != small else ""
        self.backward.append(BackwardStep(0, node_id, parent_id, argnum, formula, g,
                                          contribution, before, after, line, accumulates,
                                          named, (summed, big, small) if summed else ()))

    def observe_forward(self, node, tangents_in, contributions, tangent):
        """The forward pass's observer: the tangent of one node, for its :class:`ForwardStep`."""
        node_id = self.ids[node]
        operands = self.operands[node_id]
        names = {"ans": (node.value, node_id)}
        for position, letter in enumerate(("x", "y", "z")):
            if position < len(node.args):
                names[letter] = (node.args[position], operands[position])
        for argnum, parent, tangent_in in zip(node.parent_argnums, node.parents, tangents_in):
            if argnum < 3:
                names[_TANGENT_LETTERS[argnum]] = (_frozen(tangent_in),
                                                   f"{TANGENT}_{self.ids[parent]}")
        formulas = tuple(_jvp_formula_of(node.fun, argnum)
                         for argnum in node.parent_argnums)
        self.tangent_steps[node_id] = dict(
            tangent=_frozen(tangent), formulas=formulas,
            tangent_argnums=tuple(node.parent_argnums),
            tangent_parents=tuple(self.ids[parent] for parent in node.parents),
            contributions=tuple(None if c is None else _frozen(c) for c in contributions),
            tangent_parts=_tangent_parts(node_id, formulas, names, contributions, tangent))

    def finish(self, **fields):
        if self.tangent_steps:
            self.forward = [replace(step, **self.tangent_steps[step.node])
                            if step.node in self.tangent_steps else step
                            for step in self.forward]
        n_forward = len(self.forward)
        backward = tuple(
            BackwardStep(n_forward + i + 1, *(getattr(step, name) for name in (
                "node", "parent", "argnum", "formula", "g", "contribution", "before", "after",
                "line_parts", "accumulates", "named_formula", "broadcast")))
            for i, step in enumerate(self.backward))
        forward = tuple(self.forward)
        seed = _frozen(fields["seed"])
        forward_mode = fields.get("mode") == "forward"
        # each delta: (0 value / 1 adjoint / 2 tangent, node id, what it becomes)
        deltas = [((_VALUE, step.node, step.value),) + (
            ((_TANGENT_KIND, step.node, step.tangent),) if forward_mode else ())
            for step in forward]
        if deltas and not forward_mode:
            deltas[-1] += ((_ADJOINT, self.output, seed),)
        deltas.extend(((_ADJOINT, step.parent, step.after),) for step in backward)
        initial = (dict(self.initial_values),
                   {} if forward or forward_mode else {self.output: seed},
                   dict(self.initial_tangents))
        interval = max(64, -(-len(deltas) // 16))
        snapshots = [initial]
        known = tuple(dict(part) for part in initial)
        for index, delta in enumerate(deltas, start=1):
            for kind, node_id, value in delta:
                known[kind][node_id] = value
            if index % interval == 0:
                snapshots.append(tuple(dict(part) for part in known))
        fields["seed"] = seed
        return Recording(
            arguments=MappingProxyType(self.arguments), inputs=MappingProxyType(self.inputs),
            output=self.output, nodes=MappingProxyType(self.nodes), forward=forward,
            backward=backward, gradients=MappingProxyType(fields.pop("gradients")),
            _deltas=tuple(deltas), _snapshots=tuple(snapshots),
            _interval=interval, **fields)


def _is_relu(name, node):
    """Is ``node`` ``maximum(v, 0)`` with ``v`` traced and 0 a fixed number?

    That is the ``relu(v)`` the expression language offers, and the recording draws it so:
    one ``relu`` node with ``v`` as its only parent (the 0 is a parameter, written into the
    formulas: ``ḡ_v4 += ḡ_v5 · [v4 ≥ 0.0]``), instead of a ``max`` node beside a constant.
    """
    if name != "maximum" or len(node.args) != 2 or tuple(node.parent_argnums) != (0,):
        return False
    zero = getval(node.args[1])
    return (isinstance(zero, (numbers.Real, _np.integer, _np.floating))
            and not isinstance(zero, (bool, _np.bool_)) and zero == 0)


def _is_operand(fun, argnum, value):
    """Is argument ``argnum`` of ``fun`` a constant worth a node (the ``2`` in ``x**2``)?

    Yes when it is a number or an array in a position that could carry a derivative (the
    primitive registers a VJP or a formula for it). An index, an axis, a shape stay
    parameters, shown inside the operation's line: ``v3 = v1[0]``, ``Σ(v2, axis=0)``.
    """
    if not isinstance(getval(value), (numbers.Number, _np.generic, _np.ndarray)):
        return False
    return argnum in getattr(fun, "vjps", {}) or bool(getattr(fun, "formulas", {}).get(argnum))


def _formula_of(fun, argnum):
    formula = getattr(fun, "formulas", {}).get(argnum)
    return formula or f"the VJP of {getattr(fun, '__name__', 'primitive')} for argument {argnum}"


def _jvp_formula_of(fun, argnum):
    formula = getattr(fun, "jvp_formulas", {}).get(argnum)
    return formula or f"the JVP of {getattr(fun, '__name__', 'primitive')} for argument {argnum}"


def _frozen(value):
    """A read-only view of an array (values in a Recording must not change); others as is."""
    if type(value) is _np.ndarray and value.flags.writeable:
        value = value.view()
        value.flags.writeable = False
    return value


# ------------------------------------------------------------------------------ text

_BINARY = {"+", "−", "×", "÷", "**", "@", "·", "mod"}
_UNARY_PREFIX = {"−", "+"}


def _expression_text(name, symbol, args, operands, kwargs):
    """``v1 × v2``, ``−v1``, ``v1ᵀ``, ``v1[0]``, ``sin(v1)``, ``Σ(v1, axis=0)``."""
    texts = [operand if operand is not None else _parameter_text(arg)
             for arg, operand in zip(args, operands)]
    if symbol == "[ ]" and len(texts) == 2:
        return f"{texts[0]}[{index_text(args[1])}]"
    if not kwargs:
        if len(texts) == 2 and symbol in _BINARY:
            return f"{texts[0]} {symbol} {texts[1]}"
        if len(texts) == 1 and symbol in _UNARY_PREFIX:
            return f"{symbol}{texts[0]}"
        if len(texts) == 1 and symbol == "ᵀ":
            return f"{texts[0]}ᵀ"
    texts += [f"{key}={_parameter_text(value)}" for key, value in kwargs.items()]
    return f"{symbol}({', '.join(texts)})"


def _parameter_text(value):
    value = getval(value)
    if isinstance(value, (numbers.Number, _np.generic, _np.ndarray)):
        return value_text(value)
    if isinstance(value, (tuple, list)):
        inner = ", ".join(_parameter_text(item) for item in value)
        return f"({inner},)" if isinstance(value, tuple) and len(value) == 1 else (
            f"({inner})" if isinstance(value, tuple) else f"[{inner}]")
    if isinstance(value, slice):
        return index_text(value)
    text = repr(value)
    return text if len(text) <= 30 else text[:27] + "..."


def index_text(index):
    """How an index is written between brackets: ``0``, ``1, 2``, ``:, 0``, ``1:3``."""
    if isinstance(index, tuple):
        return ", ".join(index_text(item) for item in index)
    if isinstance(index, slice):
        parts = ["" if part is None else str(part)
                 for part in (index.start, index.stop, index.step)]
        return ":".join(parts[:2]) + (f":{parts[2]}" if index.step is not None else "")
    if index is Ellipsis:
        return "..."
    return _parameter_text(index)


_FORMULA_WORDS = re.compile(r"[A-Za-z_ẋẏż]+")
_FORMULA_FUNCTIONS = {"cos", "sin", "tan", "log", "exp", "sign", "floor", "tanh", "sqrt",
                      "abs", "cosh", "sinh"}


def _backward_parts(parent_id, formula, names, contribution, before, after, accumulates,
                    fan_out=False, g=None):
    """``ḡ_v1 += ḡ_v3 · v2 = 1.0 · 2.0 = 2.0  →  ḡ_v1 = 2.0``: names, then numbers, as the
    four parts ``("ḡ_v1 += ḡ_v3 · v2 = ", "1.0 · 2.0 = 2.0", "  →  ḡ_v1 = ", "2.0")``
    (see :func:`shown_text`).

    When the parent receives several contributions (``fan_out``), the sum is spelled out
    from the first one on: ``ḡ_v1 = 0 + 2.0 = 2.0``, then ``ḡ_v1 = 2.0 + 0.5 = 2.5``.

    The registered formula's letters are ``g`` (the incoming adjoint), ``x``, ``y`` (the
    primitive's arguments) and ``ans`` (its result). The line first writes the formula with
    this step's node names in their place (``g · y`` for ``v3 = v1 × v2`` becomes
    ``ḡ_v3 · v2``), so the letters are never confused with the function's own variables;
    then, where the values are numbers, with the numbers in. A formula written in words
    (``g, copied over the summed axes``) is shown with the node names in place of its letters
    (``ḡ_v6, copied over the summed axes``), followed by its value.

    When the VJP had to sum its result over axes that broadcasting had stretched (the
    contribution is smaller than the incoming adjoint ``g``), the line says so, with the
    shapes: ``ḡ_v2 += Σ over rows of ḡ_v4 (2×3 → 3) = ...``.
    """
    result = value_text(contribution)
    words = set(_FORMULA_WORDS.findall(formula))
    big = shape_of(getval(g)) if g is not None else ()
    small = shape_of(getval(contribution))
    summed = summed_axes_text(big, small) if len(big) >= len(small) and big != small else ""
    if words <= set(names) | _FORMULA_FUNCTIONS:
        named = _fill_formula(formula, names, by_name=True)
        if summed:
            inner = named if " " not in named else f"({named})"
            named = f"Σ over {summed} of {inner} ({shape_text(big)} → {shape_text(small)})"
            numbers = [] if _same_text(named, result) else [result]
        else:
            numbers = _numbers_after(named, _fill_formula(formula, names), result)
    else:
        named = f"({_fill_formula(formula, names, by_name=True)})"
        numbers = [result]
    added = f"({result})" if result.startswith("-") else result
    if accumulates:
        total = f"{value_text(before)} + {added} = {value_text(after)}"
    elif fan_out:
        total = f"0 + {added} = {value_text(after)}"
    else:
        total = value_text(after)
    return (f"{ADJOINT}_{parent_id} += {named}" + (" = " if numbers else ""),
            " = ".join(numbers), f"  →  {ADJOINT}_{parent_id} = ", total)


def _numbers_after(named, filled, result):
    """What follows a formula in node names: the formula with the numbers in (unless that
    reads the same as the names or the result), then the result (unless the names already
    read as it)."""
    numbers = [filled] if filled != named and not _same_text(filled, result) else []
    if numbers or not _same_text(named, result):
        numbers.append(result)
    return numbers


def shown_text(parts, known=True):
    """A line given as parts: ``("v3 = v1 × v2 = ", "2.0")``, names and numbers by turns.

    Parts 0, 2, 4... (names, formulas in node names) are always shown; parts 1, 3, 5...
    (numbers) only once they are ``known``, before that as ``?`` (an empty one stays empty).
    ``known`` is True or False for every number, or a list saying it number by number.
    """
    def shown(index):
        return known[index // 2] if isinstance(known, (list, tuple)) else known
    return "".join(part if index % 2 == 0 or shown(index) else ("?" if part else "")
                   for index, part in enumerate(parts))


def _tangent_parts(node_id, formulas, names, contributions, tangent):
    """``ẋ_v3 = ẋ_v1 · v2 + v1 · ẋ_v2 = 1.0 · 2.0 + 1.0 · 0.0 = 2.0``: names, numbers, result,
    as parts (names and numbers by turns, see :func:`shown_text`).

    One term per traced argument, the JVP registered for it with this step's node names in
    place of its letters (``ẋ``, ``ẏ`` the arguments' tangents, ``x``, ``y`` the arguments,
    ``ans`` the result); a term of an argument that passes no tangent on is left out.
    """
    result = value_text(tangent)
    terms = [formula for formula, contribution in zip(formulas, contributions)
             if contribution is not None]
    if not terms:
        return (f"{TANGENT}_{node_id} = ", result, "   (no tangent passes through here)", "")
    known = set(names) | _FORMULA_FUNCTIONS
    if not all(set(_FORMULA_WORDS.findall(term)) <= known for term in terms):
        return (f"{TANGENT}_{node_id} = " + " + ".join(f"({term})" for term in terms) + " = ",
                result)

    def joined(parts):
        text = parts[0]
        for part in parts[1:]:
            text += f" − {part[1:].lstrip()}" if part.startswith("−") else f" + {part}"
        return text

    named = joined([_fill_formula(term, names, by_name=True) for term in terms])
    numbers = _numbers_after(named, joined([_fill_formula(term, names) for term in terms]),
                             result)
    return (f"{TANGENT}_{node_id} = {named}" + (" = " if numbers else ""), " = ".join(numbers))


def _same_text(a, b):
    return a.replace("−", "-").replace(" ", "") == b.replace("−", "-").replace(" ", "")


def _fill_formula(formula, names, by_name=False):
    """Replace the formula's letters by numbers (scalars) or node names (arrays, or all
    values when ``by_name``)."""
    def replace(match):
        word = match.group(0)
        if word not in names:
            return word
        value, node_id = names[word]
        plain = getval(value)
        if by_name and node_id is not None:
            text = node_id
        elif _np.size(plain) == 1 and isinstance(plain, (numbers.Number, _np.generic,
                                                          _np.ndarray)):
            text = value_text(plain)
            if text.startswith("-"):
                text = f"({text})"
        else:
            text = node_id if node_id is not None else value_text(plain)
        start = match.start()
        if start > 0 and formula[start - 1].isdigit():
            text = "·" + text          # "2x" becomes "2·3.0"
        return text
    return _FORMULA_WORDS.sub(replace, formula)


def counted(number, noun):
    """``1 step``, ``9 steps``, ``3 passes``: a count and its noun, plural when it is not 1."""
    if number == 1:
        return f"{number} {noun}"
    return f"{number} {noun}" + ("es" if noun.endswith(("s", "x", "sh", "ch")) else "s")


def _names_text(wrt):
    return ", ".join(wrt) if isinstance(wrt, tuple) else str(wrt)
