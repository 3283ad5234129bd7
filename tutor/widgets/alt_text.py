"""The graph in words: what step ``k`` of a recording shows, for a screen reader.

A sighted learner sees the current node light up and a number travel along an edge. A
learner using a screen reader hears this instead, as the graph picture's alternative text
and in the dashboard's live region:

    >>> graph_description(rec, 13)                                   # doctest: +SKIP
    "Backward step 7 of 9: v6 (y ** 2) sends 4.0 to y; y's adjoint is now 5.0,
     after 1.0 from x · y"

Nodes are named the way a learner thinks of them: an input by its name (``y``), an
operation by its id and the expression it computes from the inputs (``v6 (y ** 2)``), a
constant by its value. Like every view, the text is a function of ``(recording, k)``, and it
reads forward-mode recordings too (their steps carry a ``tangent``).
"""

from ..notation import TANGENT, value_text as summarize
from .common import number_text

__all__ = ["graph_description", "node_expression", "node_words"]

# How a node's symbol is written in an expression: the tutor's one notation (``**`` for a
# power, ``·`` for a product).
_INFIX = {"+": "+", "-": "-", "−": "-", "×": "·", "*": "·", "·": "·", "/": "/", "^": "**",
          "**": "**", "@": "@", "÷": "/"}
LONGEST_EXPRESSION = 40       # characters; a longer expression is left out (the id stays)


def node_expression(recording, node_id, _depth=0):
    """What node ``node_id`` computes, written in the inputs' names: ``y ** 2``, ``x · y``,
    ``log(x ** 2)``. Inputs are their names and constants their values."""
    info = recording.nodes[node_id]
    if info.kind == "input":
        return info.name or node_id
    if info.kind == "constant":
        return number_text(info.value)
    if _depth > 12:
        return node_id
    parts = [node_expression(recording, parent, _depth + 1) for parent in info.parents]
    if len(parts) == 2 and info.symbol in _INFIX:
        operands = []
        for parent, text in zip(info.parents, parts):     # brackets only around an operand
            parent_info = recording.nodes[parent]           # that is itself a sum, product...
            if len(parent_info.parents) == 2 and parent_info.symbol in _INFIX:
                text = f"({text})"
            operands.append(text)
        return f"{operands[0]} {_INFIX[info.symbol]} {operands[1]}"
    if len(parts) == 1 and info.symbol in ("-", "−", "neg"):
        return f"-{parts[0]}"
    if len(parts) == 1 and "x" in info.symbol:          # symbols drawn around x: |x|, x², 1/x
        operand = parts[0] if parts[0].isidentifier() else f"({parts[0]})"
        return info.symbol.replace("x", operand)
    return f"{info.symbol}({', '.join(parts)})"


def node_words(recording, node_id):
    """How the description names a node: ``y`` (an input), ``v6 (y ** 2)`` (an operation;
    just ``v6`` when its expression is long), ``the constant 2.0``."""
    info = recording.nodes[node_id]
    if info.kind == "input":
        return info.name or node_id
    if info.kind == "constant":
        return f"the constant {number_text(info.value)}"
    expression = node_expression(recording, node_id)
    if len(expression) > LONGEST_EXPRESSION:
        return node_id
    return f"{node_id} ({expression})"


def _short_expression(recording, node_id):
    expression = node_expression(recording, node_id)
    return expression if len(expression) <= LONGEST_EXPRESSION else node_id


def _possessive(words):
    return words + "'" if words.endswith("s") else words + "'s"


def graph_description(recording, k):
    """One or two sentences saying what the graph shows after ``k`` steps."""
    if recording is None:
        return "No graph yet."
    n_forward, n_backward = len(recording.forward), len(recording.backward)
    nodes = len(recording.nodes)
    if k <= 0:
        known = ", ".join(f"{name} = {summarize(recording.nodes[node].value)}"
                          for name, node in recording.inputs.items())
        return (f"Start: the graph of f has {nodes} nodes; only the inputs"
                + (f" ({known})" if known else "") + " and the constants are known. "
                f"{n_forward} forward steps"
                + (f" and {n_backward} backward steps" if n_backward else "") + " follow.")
    step = recording.step(k)
    if step.phase == "forward":
        text = (f"Forward step {k} of {n_forward}: {node_words(recording, step.node)} "
                f"= {summarize(step.value)}")
        if step.parents:
            text += ", from " + " and ".join(node_words(recording, parent)
                                            for parent in step.parents)
        tangent = getattr(step, "tangent", None)
        if tangent is not None:
            text += f"; its tangent {TANGENT} is {summarize(tangent)}"
        if k == n_forward and getattr(recording, "mode", "reverse") == "forward":
            text += (". This is f's value, and its tangent is the derivative of f along the "
                     "inputs' tangents. Done")
        elif k == n_forward:
            text += ". This is f's value" + ("; the backward pass starts next"
                                              if n_backward else "")
        return text + "."
    index = k - n_forward
    child, parent = node_words(recording, step.node), node_words(recording, step.parent)
    parent_info = recording.nodes[step.parent]
    owner = parent_info.name if parent_info.kind == "input" and parent_info.name else step.parent
    text = (f"Backward step {index} of {n_backward}: {child} sends "
            f"{summarize(step.contribution)} to {parent}; {_possessive(owner)} adjoint is "
            f"now {summarize(step.after)}")
    if step.accumulates:
        earlier = [_short_expression(recording, before.node)
                   for before in recording.backward[:index - 1] if before.parent == step.parent]
        text += f", after {summarize(step.before)}"
        if earlier:
            text += " from " + " and ".join(dict.fromkeys(earlier))
    if k == recording.steps:
        gradients = ", ".join(f"∂f/∂{name} = {summarize(value)}"
                              for name, value in recording.gradients.items())
        text += f". Done: {gradients}" if gradients else ". Done"
    return text + "."

