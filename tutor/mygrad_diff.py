"""Where the learner's autograd parts from the reference: the first differing step, and the
piece of theirs it lives in.

Both recordings are walked in the learner's order. Their steps are matched with the
reference's by what they do (which node sends to which parent, through which argument), not
by number: a topological order other than the reference's is just as right. For each step,
in the order the mistakes cause each other:

* the **forward pass**: the same operations on the same parents, giving the same values;
* the **adjoint passed on** (``ḡ`` of the sending node): when it differs, either some child
  had not sent its share yet (``toposort``'s order, or a backward pass that does not follow
  it), or the shares did not add up;
* the **contribution**: the pieces that computed it (``vjp_sin``, ``unbroadcast`` ...) are
  checked again on the very values they were given, against their exercise's reference,
  and the first that disagrees is named (``unbroadcast``'s shape when it is a shape);
* the **accumulation**: the parent's adjoint after the step must be the one before plus the
  contribution (``backward_pass``'s accumulation: overwriting, or adding in place so that
  another node's adjoint changes with it).

Then what never happened (a node that never passed its adjoint on), an error or a time limit
where it struck, and what ``grad`` returned. In forward mode the walk compares values and
tangents step by step, and the learner's ``jvp``'s start and result.
"""

from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

from .exercises.catalog import catalog
from .exercises.compare import compare_values
from .exercises.graphs import IN_PLACE
from .exercises.model import reference_of
from .mygrad_compare import Opaque
from .notation import ADJOINT, shape_text, value_text

__all__ = ["Difference", "first_difference"]


@dataclass(frozen=True)
class Difference:
    """The first step where the learner's autograd parts from the reference.

    ``step`` is its number in the learner's recording and ``reference_step`` the matching
    one in the reference's (None where one has no such step); ``node`` the node whose step it
    is (the sender in a backward step) and ``parent``, ``argnum`` where it sent to;
    ``what`` is what differs (``"value"``, ``"adjoint"``, ``"contribution"``,
    ``"accumulation"``, ``"tangent"``, ``"order"``, ``"missing"``, ``"error"``,
    ``"time"``, ``"result"``, ``"structure"``); ``expected`` and ``got`` the reference's and
    the learner's values; ``piece`` the learner's piece responsible (``vjp_sin``,
    ``backward_pass's accumulation``, ``toposort's order``, ``unbroadcast's shape`` ...);
    ``sentence`` all of it in words.
    """

    step: Optional[int]
    reference_step: Optional[int]
    node: Optional[str]
    what: str
    piece: str
    sentence: str
    parent: Optional[str] = None
    argnum: Optional[int] = None
    expected: Any = None
    got: Any = None

    def __str__(self):
        return self.sentence


def _close(expected, got):
    if isinstance(expected, Opaque) or isinstance(got, Opaque):
        return False
    return compare_values(expected, got) is None


def _text(value):
    return repr(value) if isinstance(value, Opaque) else value_text(value)


def _exercise(piece):
    return next((exercise for exercise in catalog(kind="function")
                 if exercise.spec.name == piece), None)


def blame(calls):
    """The first checked piece call whose result differs from its exercise's reference on
    the same values: ``(piece, what it should have given, what it gave)``, or None."""
    from .mygrad_compare import decode
    for call in calls:
        exercise = _exercise(call["piece"])
        if exercise is None:
            continue
        args = [decode(arg) for arg in call["args"]]
        kwargs = {key: decode(value) for key, value in call["kwargs"].items()}
        if any(isinstance(value, Opaque) for value in [*args, *kwargs.values()]):
            continue
        try:
            with np.errstate(all="ignore"):
                expected = reference_of(exercise)(*args, **kwargs)
                if "g" in call:
                    expected = expected(decode(call["g"]))
        except Exception:                   # noqa: BLE001 - values the reference refuses
            continue
        got = decode(call["result"])
        mismatch = compare_values(expected, got)
        if mismatch is not None:
            piece = call["piece"]
            if mismatch.problem == "shape" or piece == "unbroadcast" and np.shape(
                    expected) != np.shape(got):
                piece += "'s shape"
            return piece, expected, got
    return None


class _Walk:
    """One walk over both recordings (see the module doc); :meth:`first` gives the
    :class:`Difference`, or None when they agree."""

    def __init__(self, reference, mine, ids, mirror, seen, mode, limit, argnum):
        self.reference, self.mine, self.mirror, self.seen = reference, mine, mirror, seen
        self.mode, self.limit, self.argnum = mode, limit, argnum
        self.number_of = {node_id: number for number, node in mirror.nodes.items()
                          for node_id in [ids.get(node)] if node_id is not None}
        self.whose = seen.whose

    # -- words --------------------------------------------------------------------------

    def name(self, node_id, recording=None):
        info = (recording or self.mine or self.reference).nodes.get(node_id)
        return info.name if info is not None and info.name else node_id

    def yours(self, piece):
        return self.whose.get(piece, "").startswith("yours")

    def difference(self, step, what, piece, sentence, reference_step=None, **more):
        return Difference(step, reference_step if reference_step is not None else step,
                          more.pop("node", None), what, piece, sentence, **more)

    # -- the walk -----------------------------------------------------------------------

    def first(self):
        for check in (self.forward, self.backward if self.mode == "reverse" else self.tangents,
                      self.returned, self.stopped, self.missing, self.result):
            found = check()
            if found is not None:
                return found
        return None

    def forward(self):
        mine, reference = self.mine, self.reference
        start = self.mirror.start
        if start is not None:
            wrt = reference.wrt
            expected = reference.nodes[reference.inputs[wrt]].value
            if not _close(expected, start.value):
                return self.difference(0, "structure", "grad", (
                    f"Before step 1: your grad traced the value {_text(start.value)}, but "
                    f"{wrt} = {_text(expected)}: trace argument number {self.argnum}."),
                    node=reference.inputs[wrt], expected=expected, got=start.value)
        theirs = mine.forward if mine is not None else ()
        for k, expected in enumerate(reference.forward, start=1):
            if k > len(theirs):
                return None                 # an error or a shorter trace: said below
            got = theirs[k - 1]
            shape = (got.primitive, got.parents, got.argnums)
            if shape != (expected.primitive, expected.parents, expected.argnums):
                return self._structure(k, got, expected)
            if not _close(expected.value, got.value):
                same_args = all(_close(a, b) for a, b in zip(expected.args, got.args))
                return self.difference(k, "value", "primitive" if same_args else "f", (
                    f"Step {k}: your autograd computed {expected.node} = {_text(got.value)}; "
                    f"the reference computes {_text(expected.value)}."),
                    node=expected.node, expected=expected.value, got=got.value)
        if mine is not None and len(theirs) > len(reference.forward):
            extra = theirs[len(reference.forward)]
            return self.difference(extra.index, "structure", "f", (
                f"Step {extra.index}: your autograd recorded one more operation than the "
                f"reference ({''.join(extra.line_parts)})."), node=extra.node)
        return None

    def _structure(self, k, got, expected):
        """Step ``k`` of the forward pass records another operation or other parents."""
        named = "".join(expected.line_parts[:1]).rstrip(" =")
        if got.primitive != expected.primitive:
            return self.difference(k, "structure", "f", (
                f"Step {k}: your autograd applied {got.primitive} where the reference applies "
                f"{named}: f ran differently on your autograd."), node=expected.node)
        number = self.number_of.get(got.node)
        applied = next(message for message in self.seen.applied if message["node"] == number)
        boxes = sum(operand[0] == "node" for operand in applied["args"])
        count = len(applied.get("parents") or ())
        how = (f"{count} parent{'s' * (count != 1)}, but {boxes} of its arguments "
               f"{'are Boxes' if boxes != 1 else 'is a Box'}" if count != boxes
               else "its parents in another order than its Box arguments")
        return self.difference(k, "structure", "primitive", (
            f"Step {k}: your primitive recorded {named} with {how}: a Node's parents are "
            f"the Nodes of the Box arguments, in argument order."), node=expected.node)

    def backward(self):
        mine, reference, seen = self.mine, self.reference, self.seen
        if mine is None or self.mirror.end is None:
            return None
        first_k = len(mine.forward) + 1
        if seen.seed is not None and not _close(reference.seed, seen.seed):
            return self.difference(first_k, "adjoint", "grad", (
                f"Step {first_k}: your grad started the backward pass from "
                f"{ADJOINT}_{reference.output} = {_text(seen.seed)}; the seed is "
                f"{_text(reference.seed)} (∂f/∂f)."), node=reference.output,
                expected=reference.seed, got=seen.seed)
        by_key = {(step.node, step.parent, step.argnum): step for step in reference.backward}
        done = set()
        calls = self.mirror.step_calls
        for position, step in enumerate(mine.backward):
            key = (step.node, step.parent, step.argnum)
            expected = by_key.get(key)
            k = step.index
            if expected is None:
                return self.difference(k, "structure", "primitive", (
                    f"Step {k}: your backward pass sent an adjoint from {step.node} to "
                    f"{self.name(step.parent)}, along an edge the reference does not have."),
                    node=step.node, parent=step.parent)
            if key in done:
                piece = "toposort's order" if self._listed_twice(step.node) else \
                    "backward_pass"
                return self.difference(k, "order", piece, (
                    f"Step {k}: your backward pass applied {step.node}'s VJP a second time"
                    + (f": your toposort lists {step.node} twice." if piece != "backward_pass"
                       else ". Each node passes its adjoint on once, when it is complete.")),
                    expected.index, node=step.node, parent=step.parent, argnum=step.argnum)
            found = self._adjoint(step, expected, done) or \
                self._contribution(step, expected, calls[position]) or \
                self._accumulation(step) or self._aside(step, position)
            if found is not None:
                return found
            done.add(key)
        self.done = done
        return None

    def _adjoint(self, step, expected, done):
        """The adjoint the sending node passed on, against the reference's."""
        if _close(expected.g, step.g):
            return None
        k, node = step.index, step.node
        waiting = [other for other in self.reference.backward
                   if other.parent == node and (other.node, other.parent, other.argnum)
                   not in done]
        common = dict(node=node, parent=step.parent, argnum=step.argnum,
                      expected=expected.g, got=step.g)
        if waiting:
            child = waiting[0].node
            order = self._order()
            if order is not None and child not in order:
                piece, why = "toposort", f"your toposort left out {child}"
            elif order is not None and node in order and \
                    order.index(node) < order.index(child):
                piece, why = "toposort's order", (f"your toposort puts {node} before {child}, "
                                                  f"which uses it")
            elif order is not None:
                piece, why = "backward_pass's order", (
                    f"your backward_pass did not follow toposort's order, which puts {child} "
                    f"first")
            else:
                piece, why = "backward_pass's order", (
                    f"{node} passes its adjoint on only once every node using it has sent "
                    f"its share")
            return self.difference(k, "order", piece, (
                f"Step {k}: your backward pass passed {node}'s adjoint on "
                f"({ADJOINT}_{node} = {_text(step.g)}) before {child} had sent its share: "
                f"{why}. The reference waits for it: {ADJOINT}_{node} = {_text(expected.g)}."),
                expected.index, **common)
        return self.difference(k, "adjoint", "backward_pass's accumulation", (
            f"Step {k}: your backward pass passed on {ADJOINT}_{node} = {_text(step.g)}, but "
            f"what {node} received adds up to {_text(expected.g)}."), expected.index, **common)

    def _contribution(self, step, expected, call):
        """The contribution sent, against the reference's; the piece that made it."""
        got = call[1]
        if _close(expected.contribution, got):
            return None
        k, parent = step.index, self.name(step.parent)
        found = blame(self.seen.calls[call[0]].pieces)
        formula = f" ({step.formula})" if not step.formula.startswith("the VJP") else ""
        if found is not None:
            piece, should, gave = found
            if piece == "unbroadcast's shape":
                sentence = (f"Step {k}: your unbroadcast gave {parent}'s share the shape "
                            f"{shape_text(np.shape(gave))}, but {parent} has shape "
                            f"{shape_text(np.shape(expected.contribution))}: the reference "
                            f"sends {_text(expected.contribution)}.")
            else:
                sentence = (f"Step {k}: your {piece} sent {_text(got)} to {parent}{formula}; "
                            f"the reference sends {_text(expected.contribution)} "
                            f"({expected.formula}).")
        else:
            primitive = self.reference.nodes[step.node].primitive
            piece = f"the VJP of {primitive}"
            sentence = (f"Step {k}: {step.node}'s VJP ({primitive}, argument {step.argnum}) "
                        f"sent {_text(got)} to {parent}; the reference sends "
                        f"{_text(expected.contribution)} ({expected.formula}).")
        return self.difference(k, "contribution", piece, sentence, expected.index,
                               node=step.node, parent=step.parent, argnum=step.argnum,
                               expected=expected.contribution, got=got)

    def _accumulation(self, step):
        """The parent's adjoint after the step: the one before plus the contribution."""
        before = step.before if step.accumulates else 0.0
        with np.errstate(all="ignore"):
            should = before + step.contribution
        if _close(should, step.after):
            return None
        k, parent = step.index, step.parent
        if step.accumulates and _close(step.contribution, step.after):
            how = (f"replaced {ADJOINT}_{parent} = {_text(step.before)} by {step.node}'s share "
                   f"{_text(step.contribution)} instead of adding it: "
                   f"{_text(step.before)} + {_text(step.contribution)} = {_text(should)}")
        else:
            how = (f"holds {ADJOINT}_{parent} = {_text(step.after)} after {step.node}'s share "
                   f"{_text(step.contribution)}; {_text(before)} + {_text(step.contribution)} "
                   f"= {_text(should)}")
        return self.difference(k, "accumulation", "backward_pass's accumulation",
                               f"Step {k}: your backward_pass {how}.", self._reference_k(step),
                               node=step.node, parent=parent, argnum=step.argnum,
                               expected=should, got=step.after)

    def _aside(self, step, position):
        """Adjoints that changed in a step that sent them nothing: adding in place."""
        calls = self.mirror.step_calls
        index = calls[position][0]
        if position + 1 < len(calls) and calls[position + 1][0] == index:
            return None                     # only once the call's last share has arrived
        changed = self.mirror.side_effects.get(index)
        if not changed:
            return None
        ids = {number: node_id for node_id, number in self.number_of.items()}
        number, (old, new) = next(iter(changed.items()))
        other = ids.get(number, f"node {number}")
        return self.difference(step.index, "accumulation",
                               "backward_pass's accumulation (in place)", (
                                   f"Step {step.index}: adding {step.node}'s share to "
                                   f"{ADJOINT}_{step.parent} also changed {ADJOINT}_{other} "
                                   f"from {_text(old)} to {_text(new)}, though nothing was "
                                   f"sent to {other}: {IN_PLACE}"), self._reference_k(step),
                               node=step.node, parent=step.parent, argnum=step.argnum,
                               expected=old, got=new)

    def _reference_k(self, step):
        key = (step.node, step.parent, step.argnum)
        return next((other.index for other in self.reference.backward
                     if (other.node, other.parent, other.argnum) == key), step.index)

    def _order(self):
        """The learner's toposort order as node ids, or None when it was not seen."""
        if self.seen.order is None or not self.yours("toposort"):
            return None
        ids = {number: node_id for node_id, number in self.number_of.items()}
        return [ids.get(number, "?") for number in self.seen.order]

    def _listed_twice(self, node):
        order = self._order()
        return order is not None and order.count(node) > 1

    # -- forward mode -------------------------------------------------------------------

    def tangents(self):
        mine, reference = self.mine, self.reference
        if mine is None:
            return None
        wrt = reference.wrt
        start, should = mine.tangents.get(wrt), reference.tangents.get(wrt)
        if not _close(should, start):
            return self.difference(0, "tangent", "jvp", (
                f"Before step 1: your jvp started {wrt} with the tangent {_text(start)}; it "
                f"should start with v = {_text(should)}."), node=reference.inputs[wrt],
                expected=should, got=start)
        for k, (got, expected) in enumerate(zip(mine.forward, reference.forward), start=1):
            if _close(expected.tangent, got.tangent):
                continue
            applied = self.mirror.step_calls[k - 1]
            found = blame(applied.get("pieces", []))
            formula = f" ({got.formulas[0]})" if got.formulas and not got.formulas[0].startswith(
                "the JVP") else ""
            should = " + ".join(text for text, part in zip(expected.formulas,
                                                           expected.contributions)
                                if part is not None)
            if found is not None:
                piece = found[0]
                who = f"your {piece}"
            else:
                piece = f"the Dual's {got.primitive}"
                who = f"your Dual's {got.primitive}"
            return self.difference(k, "tangent", piece, (
                f"Step {k}: {who} gave {got.node} the tangent {_text(got.tangent)}{formula}; "
                f"the reference gives {_text(expected.tangent)} ({should})."),
                node=got.node, expected=expected.tangent, got=got.tangent)
        return None

    # -- the end ------------------------------------------------------------------------

    def stopped(self):
        """An exception or the time limit, where it struck."""
        error = self.seen.error
        if error is None:
            return None
        mine = self.mine
        k = (mine.steps if mine is not None else len(self.seen.applied)) + 1
        if error["phase"] == "forward" and mine is not None and self.mode == "reverse":
            k = len(mine.forward) + 1
        piece = error.get("piece") or {"forward": "primitive", "backward": "backward_pass",
                                       "after": "grad", "setup": "mygrad.py"}[error["phase"]]
        calling = self.seen.calls[-1] if self.seen.calls and error["phase"] == "backward" \
            and self.seen.calls[-1].out is None else None
        where = ""
        if calling is not None:
            ids = {number: node_id for node_id, number in self.number_of.items()}
            node = ids.get(calling.node, f"node {calling.node}")
            where = f" while {node} passed its adjoint {ADJOINT}_{node} = " \
                    f"{_text(calling.g)} on"
        if error["timeout"]:
            return self.difference(k, "time", piece, (
                f"Step {k}: your {piece} was still running after {self.limit:g} s{where}: "
                f"is there an endless loop? (It was stopped; the notebook is fine.)"),
                min(k, self.reference.steps))
        if error.get("ended"):
            return self.difference(k, "error", piece, (
                f"Step {k}: your code ended the process it ran in{where} (os._exit, a crash "
                f"in C code, too much memory, or more values than a comparison carries). "
                f"Only the comparison's copy of your notebook stopped; your notebook is "
                f"fine."), min(k, self.reference.steps))
        return self.difference(k, "error", piece, (
            f"Step {k}: your {piece} raised {error['text']}{where}."),
            min(k, self.reference.steps))

    def returned(self):
        """What ``backward_pass`` returned, when it is not a dict of adjoints."""
        if not isinstance(self.seen.adjoints, Opaque) or self.mine is None:
            return None
        k = self.mine.steps
        return self.difference(k, "result", "backward_pass", (
            f"After step {k}: your backward_pass returned {self.seen.adjoints!r}, not a dict "
            f"mapping each Node to its adjoint."), self.reference.steps,
            got=self.seen.adjoints)

    def missing(self):
        """Steps of the reference the learner's backward pass never took."""
        if self.mode != "reverse" or self.mine is None or self.mirror.end is None or \
                self.seen.seed is None:     # no backward pass at all: said with the result
            return None
        done = getattr(self, "done", set())
        for expected in self.reference.backward:
            if (expected.node, expected.parent, expected.argnum) not in done:
                order = self._order()
                if order is not None and expected.node not in order:
                    piece, why = "toposort", f"your toposort left out {expected.node}"
                else:
                    piece, why = "backward_pass", "your backward_pass stopped before it"
                k = self.mine.steps
                return self.difference(k, "missing", piece, (
                    f"After step {k}: {expected.node} never passed its adjoint on to "
                    f"{self.name(expected.parent)} (the reference's step {expected.index}): "
                    f"{why}."), expected.index, node=expected.node, parent=expected.parent,
                    argnum=expected.argnum)
        return None

    def result(self):
        """What ``grad`` (or ``jvp``) returned, against the reference."""
        mine, reference, result = self.mine, self.reference, self.seen.result
        k = mine.steps if mine is not None else 0
        if self.mode == "forward":
            got = (result.get("value"), result.get("tangent"))
            should = (reference.value, reference.gradient)
            if all(_close(a, b) for a, b in zip(should, got)):
                return None
            return self.difference(k, "result", "jvp", (
                f"After step {k}: your jvp returned ({_text(got[0])}, {_text(got[1])}); "
                f"the reference's value and tangent are ({_text(should[0])}, "
                f"{_text(should[1])})."), reference.steps, expected=should, got=got)
        got = result.get("gradient")
        if _close(reference.gradient, got):
            return None
        wrt = reference.wrt
        held = None
        if isinstance(self.seen.adjoints, dict) and self.mirror.start is not None:
            number = next((n for n, node in self.mirror.nodes.items()
                           if node is self.mirror.start), None)
            held = self.seen.adjoints.get(number)
        also = (f", though your backward pass gave {wrt} the adjoint {_text(held)}"
                if held is not None and _close(reference.gradient, held) else "")
        if self.seen.seed is None and self.mine is not None and self.mine.backward == ():
            also = " and never started the backward pass (it pulls the seed 1.0 back with vjp)"
        return self.difference(k, "result", "grad", (
            f"After step {k}: your grad returned {_text(got)}{also}; ∂f/∂{wrt} is "
            f"{_text(reference.gradient)}."), reference.steps, expected=reference.gradient,
            got=got)


def first_difference(reference, mine, ids, mirror, seen, *, mode="reverse", limit=3.0,
                     argnum=0, no_reference="", not_drawn=""):
    """The first :class:`Difference` between the learner's run and the reference's, or None
    when they agree at every step (see the module doc)."""
    if reference is None:
        return Difference(None, None, None, "error", "f",
                          f"No comparison: {no_reference.rstrip('.')}.")
    if seen.error is not None and seen.error["phase"] == "f":
        return Difference(None, None, None, "error", "f",
                          f"No comparison: {seen.error['text']}.")
    if seen.error is not None and seen.error["phase"] == "setup":
        piece = seen.error.get("piece") or "mygrad.py"
        return Difference(0, 0, None, "error", piece,
                          f"Your autograd could not be put together: {seen.error['text']}.")
    found = _Walk(reference, mine, ids, mirror, seen, mode, limit, argnum).first()
    if found is None and mine is None:
        return Difference(None, None, None, "structure", "primitive",
                          f"Your trace could not be drawn: {not_drawn}.")
    return found
