"""Each step of a recording in words: what a learner reads beside the graph and hears.

Every step has a *heading* (``Forward step 3 of 6.``, ``Backward step 7 of 9.``), a
*sentence* saying what happened, and a few *notes* (broadcasting, contributions adding up,
the end). The stepper shows the heading in bold, the sentence, the step's line and the
notes; a screen reader hears :func:`step_text`, the same heading, sentence and notes in one
breath, which is also the graph's alternative text:

    >>> step_text(rec, 13)                                          # doctest: +SKIP
    "Backward step 7 of 9. v6 (y ** 2) sends 4.0 to y through the VJP
     ḡ_v6 · v5 · v1**(v5−1); y's adjoint is now 5.0. Contributions add up: y already had
     1.0 from x · y."

Nodes are named the way a learner thinks of them: an input by its name (``y``), an
operation by its id and the expression it computes from the inputs (``v6 (y ** 2)``), a
constant by its value. Everything here is a function of ``(recording, k)``.
"""

import re
from functools import lru_cache

from ..notation import ADJOINT, POWER, TANGENT, number_text, shape_text, value_text
from ..record import counted, index_text

__all__ = ["status_text", "heading", "sentence", "notes", "step_text", "node_expression",
           "node_words", "gradient_parts", "STATUS", "HEADING"]

# Where step k is, in the status line and as a sentence's heading: {i} counts the step in
# its own pass, {n} the steps of that pass. (The stepper fills in the same templates.)
STATUS = {"start": "forward 0/{n}", "forward": "forward {i}/{n}",
          "backward": "backward {i}/{n}"}
HEADING = {"start": "Start.", "forward": "Forward step {i} of {n}.",
           "backward": "Backward step {i} of {n}."}

# How a node's symbol is written in an expression: the tutor's one notation (``**`` for a
# power, ``·`` for a product).
_INFIX = {"+": "+", "-": "-", "−": "-", "×": "·", "*": "·", "·": "·", "/": "/", "^": POWER,
          "**": POWER, "@": "@", "÷": "/"}
LONGEST_EXPRESSION = 40       # characters; a longer expression is left out (the id stays)


def status_text(recording, k):
    """``forward k/N`` or ``backward k/M``: where step ``k`` is, counted in its own pass.

    Step 0 (nothing computed yet) reads ``forward 0/N``; once the forward pass is done, the
    backward pass counts its own steps from 1.
    """
    if recording is None:
        return "no recording"
    return _filled(STATUS, recording, k)


def heading(recording, k):
    """``Start.``, ``Forward step 3 of 6.`` or ``Backward step 2 of 9.``"""
    return _filled(HEADING, recording, k)


def _filled(templates, recording, k):
    n_forward = len(recording.forward)
    if k <= 0:
        return templates["start"].format(i=0, n=n_forward)
    if k <= n_forward:
        return templates["forward"].format(i=k, n=n_forward)
    return templates["backward"].format(i=k - n_forward, n=len(recording.backward))


def node_expression(recording, node_id):
    """What node ``node_id`` computes, written in the inputs' names: ``y ** 2``, ``x · y``,
    ``log(x ** 2)``. Inputs are their names and constants their values; an expression
    longer than :data:`LONGEST_WRITTEN` characters is not written out (the node's id is
    returned)."""
    return _expressions(recording)[node_id] or node_id


LONGEST_WRITTEN = 200
_PLACE = re.compile(r"(?<![A-Za-z])x(?![A-Za-z])")   # the x of |x| or 1/x, not of exp or max


@lru_cache(maxsize=16)
def _expressions(recording):
    """node id -> its expression (None when longer than :data:`LONGEST_WRITTEN`), made
    once per recording, operands first (a node's id comes after its parents')."""
    written = {}
    indices = {step.node: step.args[1] for step in recording.forward
               if step.symbol == "[ ]" and len(step.args) == 2}
    for node_id, info in recording.nodes.items():
        if info.kind == "input":
            written[node_id] = info.name or node_id
            continue
        if info.kind == "constant":
            written[node_id] = number_text(info.value)
            continue
        parts = [written[parent] for parent in info.parents]
        if None in parts:
            written[node_id] = None
            continue
        if len(parts) == 2 and info.symbol in _INFIX:
            operands = []
            for parent, text in zip(info.parents, parts):   # brackets only around an operand
                parent_info = recording.nodes[parent]         # that is itself a sum, product...
                if len(parent_info.parents) == 2 and parent_info.symbol in _INFIX:
                    text = f"({text})"
                operands.append(text)
            text = f"{operands[0]} {_INFIX[info.symbol]} {operands[1]}"
        elif len(parts) == 1 and node_id in indices:        # x[0], (x + y)[1:3]
            text = f"{_operand(parts[0])}[{index_text(indices[node_id])}]"
        elif len(parts) == 1 and info.symbol in ("-", "−", "neg"):
            text = f"-{parts[0]}"
        elif len(parts) == 1 and _PLACE.search(info.symbol):   # drawn around x: |x|, 1/x
            text = _PLACE.sub(lambda _: _operand(parts[0]), info.symbol)
        else:
            text = f"{info.symbol}({', '.join(parts)})"
        written[node_id] = text if len(text) <= LONGEST_WRITTEN else None
    return written


def _operand(text):
    """``x`` as it is, ``(x + y)`` in brackets: an operand a symbol is written around."""
    return text if text.isidentifier() else f"({text})"


def short_expression(recording, node_id):
    """:func:`node_expression`, or the node's id when the expression is too long to read."""
    expression = node_expression(recording, node_id)
    return expression if len(expression) <= LONGEST_EXPRESSION else node_id


def node_words(recording, node_id):
    """How a sentence names a node: ``y`` (an input), ``v6 (y ** 2)`` (an operation; just
    ``v6`` when its expression is long), ``the constant 2``."""
    info = recording.nodes[node_id]
    if info.kind == "input":
        return info.name or node_id
    if info.kind == "constant":
        return f"the constant {number_text(info.value)}"
    expression = short_expression(recording, node_id)
    return node_id if expression == node_id else f"{node_id} ({expression})"


def _possessive(words):
    return words + "'" if words.endswith("s") else words + "'s"


def _owner(recording, node_id):
    """``y`` for an input, ``v4`` for anything else: whose adjoint a sentence talks about."""
    info = recording.nodes[node_id]
    return info.name if info.kind == "input" and info.name else node_id


def gradient_parts(recording):
    """``[(name, gradient)]`` for the argument(s) differentiated (forward mode: the one
    directional derivative, named by ``derivative_name``)."""
    if recording.mode == "forward":
        return [(recording.derivative_name, recording.gradient)]
    wrt = recording.wrt
    names = list(wrt) if isinstance(wrt, tuple) else [wrt]
    gradients = recording.gradient if len(names) > 1 else (recording.gradient,)
    return list(zip(names, gradients))


def sentence(recording, k):
    """What step ``k`` did, in one sentence (the heading not included)."""
    forward_mode = recording.mode == "forward"
    if k <= 0:
        inputs = ", ".join(f"{name} = {value_text(recording.nodes[node].value)}"
                           for name, node in recording.inputs.items())
        known = f" ({inputs})" if inputs else ""
        if forward_mode:
            tangents = ", ".join(f"{TANGENT}_{recording.inputs[name]} = {value_text(value)}"
                                 for name, value in recording.tangents.items())
            return (f"Forward mode: the graph of f has {len(recording.nodes)} nodes; only the "
                    f"inputs{known} and their tangents ({tangents}) are known. "
                    f"{_follow(counted(len(recording.forward), 'step'))}, each computing one "
                    f"operation's value and, through its JVP, its tangent.")
        steps = counted(len(recording.forward), "forward step")
        if recording.backward:
            steps += f" and {counted(len(recording.backward), 'backward step')}"
        return (f"The graph of f has {len(recording.nodes)} nodes; only the inputs{known} and "
                f"the constants are known. {_follow(steps)}.")
    step = recording.step(k)
    if step.phase == "forward":
        text = f"{node_words(recording, step.node)} = {value_text(step.value)}"
        if step.parents:
            text += ", from " + " and ".join(node_words(recording, parent)
                                            for parent in step.parents)
        if step.tangent is not None:
            text += f"; its tangent {TANGENT} is {value_text(step.tangent)}"
        return text + "."
    formula = step.named_formula or step.formula
    return (f"{node_words(recording, step.node)} sends {value_text(step.contribution)} to "
            f"{node_words(recording, step.parent)} through the VJP {formula}; "
            f"{_possessive(_owner(recording, step.parent))} adjoint is now "
            f"{value_text(step.after)}.")


def _follow(steps):
    """``1 step follows``, ``6 steps follow``, ``1 forward step and 1 backward step follow``."""
    return steps + (" follows" if steps.startswith("1 ") and " and " not in steps
                    else " follow")


def notes(recording, k):
    """What else step ``k`` teaches: broadcasting summed an adjoint, contributions add up,
    the forward pass or the whole story is done. A list of sentences (often empty)."""
    if k <= 0:
        return []
    step = recording.step(k)
    n_forward = len(recording.forward)
    said = []
    if step.phase == "forward":
        if k == n_forward and recording.mode == "forward":
            said.append(f"This is f's value, and its tangent {TANGENT}_{recording.output} = "
                        f"{value_text(recording.gradient)} is the derivative of f along the "
                        f"inputs' tangents. Done: forward mode needs no backward pass.")
        elif k == n_forward:
            pulled = recording.output_name
            why = ("(∂f/∂f = 1)" if pulled == "f" else
                   f"(1 on {pulled}, 0 on f's other numbers: this pass pulls back {pulled})"
                   if "[" in pulled else "(f's numbers weighted by it)")
            said.append(f"This is f's value. The backward pass starts next, from the seed "
                        f"{ADJOINT}_{recording.output} = {value_text(recording.seed)} {why}.")
        return said
    if step.broadcast:
        words, big, small = step.broadcast
        said.append(f"{step.parent} ({shape_text(small)}) was stretched (broadcast) to "
                    f"{shape_text(big)} in the forward pass, so it receives the sum of its "
                    f"copies' adjoints: Σ over {words}.")
    if step.accumulates:
        earlier = [short_expression(recording, node)
                   for index, node in _senders(recording)[step.parent] if index < k]
        source = _senders_text(list(dict.fromkeys(earlier)))
        said.append(f"Contributions add up: {_owner(recording, step.parent)} already had "
                    f"{value_text(step.before)} from {source}.")
    if k == recording.steps:
        every = (gradient_parts(recording) if recording.mode == "forward"
                 else recording.gradients.items())
        of = recording.output_name                               # f, or f[1]
        result = ", ".join(f"∂{of}/∂{name} = {number_text(value)}" for name, value in every)
        said.append(f"Done: every contribution has arrived. {result}.")
    return said


NAMED_SENDERS = 3     # a note names this many earlier senders, then counts the others


def _senders_text(names):
    """``v4``, ``v4 and v7``, ``v4, v7 and v9``; past :data:`NAMED_SENDERS`, the rest
    counted (``v998, v993, v988 and 197 more``): y in a loop of 200 received from every
    turn, and a note naming them all was longer than the step's listing."""
    if not names:
        return "another path"
    if len(names) > NAMED_SENDERS:
        return f"{', '.join(names[:NAMED_SENDERS])} and {len(names) - NAMED_SENDERS} more"
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


@lru_cache(maxsize=16)
def _senders(recording):
    """node id -> ``[(step, sending node), ...]``: the backward steps adding to its adjoint."""
    senders = {}
    for step in recording.backward:
        senders.setdefault(step.parent, []).append((step.index, step.node))
    return senders


def step_text(recording, k):
    """Heading, sentence and notes of step ``k`` together: what a screen reader hears."""
    if recording is None:
        return "No graph yet."
    return " ".join([heading(recording, k), sentence(recording, k), *notes(recording, k)])
