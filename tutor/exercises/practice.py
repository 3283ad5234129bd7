"""Questions drawn from random functions: the dashboard's Practice tab and lesson quizzes.

Each maker takes the exercise id and a ``numpy.random.Generator`` and returns a fresh
:class:`~tutor.exercises.model.Question`:

* :func:`next_adjoint_question`: record a random function (``tutor.record``), stop the
  backward pass before one step, and ask what adjoint the receiving node holds after it;
* :func:`node_value_question`: the same in the forward pass, for a node's value;
* :func:`vjp_formula_question`: which formula is a primitive's VJP (from the formulas the
  core registered with ``defvjp``; the wrong options belong to other primitives);
* :func:`derivative_question`: type the derivative of a random formula; the typed text is
  parsed by ``tutor.expression`` and compared with ``tutor.autograd.grad`` at random points.

No learner code runs here: answers are numbers, options or whitelisted expressions.
"""

import numpy as np

from .model import Question
from tutor.notation import number_text

from .randfun import make_function, random_program, to_program

VARIABLES = ("x", "y")


# ---------------------------------------------------------------- recorded functions

def _number(value):
    value = float(np.asarray(value).reshape(()))
    return number_text(round(value, 6))


def random_recording(rng, variables=VARIABLES, mode="reverse"):
    """``(program_text, args, recording)`` of a random +, -, × function at small integers,
    recorded in ``mode`` (``"forward"``: tangents beside the values, for next-tangent questions).

    Functions that are trivial to differentiate are drawn again: a step such as ``a - a``
    (always 0), or a derivative with respect to the chosen variable that is 0 everywhere.
    """
    from tutor.record import record
    for _ in range(100):
        expr = random_program(rng, variables)
        argnum = int(rng.integers(len(variables)))
        if not_trivial(expr, variables, variables[argnum], rng):
            break
    f = make_function(expr, variables, lib="autograd")
    args = tuple(float(value) for value in rng.choice([-3, -2, -1, 1, 2, 3], size=len(variables)))
    return to_program(expr, variables), args, record(f, *args, argnum=argnum, mode=mode)


def not_trivial(expr, variables, wrt, rng):
    """False for a function with a step like ``a - a`` or whose derivative with respect to
    ``wrt`` is 0 at three random points (checked with dual numbers, not the recorder)."""
    from .randfun import Apply, derivative

    def has_self_difference(node):
        if not isinstance(node, Apply):
            return False
        if node.op == "sub" and node.args[0] is node.args[1]:
            return True
        return any(has_self_difference(arg) for arg in node.args)

    if has_self_difference(expr):
        return False
    points = [{name: float(rng.uniform(-2.0, 2.0)) for name in variables} for _ in range(3)]
    return any(abs(derivative(expr, point, wrt)) > 1e-9 for point in points)


def node_legend(recording):
    """``v0 is x (= 2), v1 is y (= -1), v3 is the constant 2``: every leaf node by name."""
    parts = []
    for node_id, node in recording.nodes.items():
        if node.kind == "input":
            parts.append(f"`{node_id}` is {node.label} (= {_number(node.value)})")
        elif node.kind == "constant":
            parts.append(f"`{node_id}` is the constant {_number(node.value)}")
    return "Nodes: " + ", ".join(parts) + "; every other node is computed below."


ORDINALS = ("first", "second", "third")


def argument_position(operation_parents, argnum):
    """``its first argument (the left v0)``: which argument of the operation a step is for."""
    if len(operation_parents) == 1:
        return "its argument"
    ordinal = ORDINALS[argnum] if argnum < len(ORDINALS) else f"argument {argnum}"
    side = {0: "left", 1: "right"}.get(argnum, "")
    parent = operation_parents[argnum]
    return f"its {ordinal} argument (the {side} `{parent}`)" if side else \
        f"its {ordinal} argument (`{parent}`)"


def _values_known(recording, k):
    """``v0 = 2 (x), v1 = 3 (y), v2 = 2 (constant)``: the values known after ``k`` steps."""
    state = recording.state_at(k)
    parts = []
    for node_id, value in state.values.items():
        kind = recording.nodes[node_id].kind
        extra = {"input": f" ({recording.nodes[node_id].label})", "constant": " (constant)"}.get(
            kind, "")
        parts.append(f"{node_id} = {_number(value)}{extra}")
    return ", ".join(parts)


def _operation(step):
    """``v1 × v2`` or ``sin(v1)``: a forward step's operation without its value."""
    parents = list(step.parents)
    if len(parents) == 2:
        return f"{parents[0]} {step.symbol} {parents[1]}"
    return f"{step.symbol}({', '.join(parents)})"


def _header(program, args, recording):
    inputs = ", ".join(f"{name} = {number_text(value)}"
                       for name, value in zip(recording.inputs, args))
    return (f"```python\n{program}\n```\n\nat {inputs}, differentiated with respect to "
            f"`{recording.wrt}`.")


def _code_block(lines):
    return "```\n" + "\n".join(lines) + "\n```"


def next_adjoint_question(exercise_id, rng, accumulate=False):
    """Predict the adjoint a node holds after the next backward step.

    With ``accumulate``, the step is one where the node already holds an adjoint (fan-out):
    the answer is the old adjoint plus the new contribution.
    """
    for _ in range(200):
        program, args, recording = random_recording(rng)
        candidates = []
        for index, step in enumerate(recording.backward):
            earlier = any(previous.parent == step.parent for previous in recording.backward[:index])
            if earlier or not accumulate:
                candidates.append(index)
        if candidates:
            break
    else:  # pragma: no cover - a random program always has backward steps
        raise RuntimeError("could not draw a question")
    index = candidates[int(rng.integers(len(candidates)))]
    step = recording.backward[index]
    forward = [forward_step.line for forward_step in recording.forward]
    done = [backward_step.line for backward_step in recording.backward[:index]]
    producers = [forward_step for forward_step in recording.forward
                 if forward_step.node == step.node]
    operation = _operation(producers[0]) if producers else step.node
    parents = list(producers[0].parents) if producers else [step.parent]
    adjoints = recording.state_at(len(recording.forward) + index).adjoints
    held = adjoints.get(step.parent)
    now = (f"So far `{step.parent}` holds ḡ_{step.parent} = {_number(held)}."
           if held is not None else f"So far `{step.parent}` holds no adjoint (count it as 0).")
    repeated = parents.count(step.parent) > 1
    other = (f" (`{step.parent}` appears twice in `{operation}`; the VJP for the other "
             f"position is a separate step.)" if repeated else "")
    text = "\n\n".join([
        "The function", _header(program, args, recording),
        node_legend(recording),
        "Forward pass:", _code_block(forward),
        "Backward pass so far (the output's adjoint starts at 1):",
        _code_block(done or ["(no step yet)"]),
        f"**Next step:** the VJP of `{step.node} = {operation}` for "
        f"{argument_position(parents, step.argnum)} sends one contribution to "
        f"`{step.parent}` (ḡ_{step.node} = {_number(step.g)}).{other} {now}",
        f"What is the adjoint **ḡ_{step.parent}** after this one step?",
    ])
    return Question(exercise_id, text, float(np.asarray(step.after).reshape(())),
                    explanation=f"The step: {step.line}", recording=recording,
                    reveal_step=len(recording.forward) + index + 1,
                    slips=adjoint_slips(step, producers[0] if producers else None, held,
                                        recording))


def _scalar(value):
    return float(np.asarray(value).reshape(()))


def adjoint_slips(step, producer, held, recording):
    """The typical wrong answers to "what does ḡ_parent hold after this backward step?", each
    with what it means: the new contribution alone (forgot to add), ḡ passed on unchanged
    (forgot the local derivative), the sign flipped, or a product's own factor used."""
    before, contribution, g = _scalar(step.before), _scalar(step.contribution), _scalar(step.g)
    parent, node = step.parent, step.node
    slips = []
    if held is not None and _scalar(held) != 0:
        slips.append((contribution, f"is the new contribution alone: `{parent}` already "
                                    f"held an adjoint, and contributions add up."))
    primitive = producer.primitive if producer is not None else ""
    if primitive in ("multiply", "subtract") or contribution != g:
        local = ("the right side of a `-` receives -ḡ" if primitive == "subtract" else
                 "a VJP multiplies it by the local derivative")
        slips.append((before + g, f"passes ḡ_{node} on unchanged, but {local}."))
    slips.append((before - contribution, "has the contribution's sign flipped."))
    if primitive == "multiply" and producer is not None and len(set(producer.parents)) == 2:
        own = _scalar(recording.nodes[parent].value)
        slips.append((before + g * own, f"multiplies ḡ_{node} by `{parent}`'s own value; in "
                                        f"a product each factor receives ḡ times the other "
                                        f"factor."))
    right = _scalar(step.after)
    return tuple((value, meaning) for value, meaning in slips if abs(value - right) > 1e-9)


def node_value_question(exercise_id, rng):
    """Predict the value the next forward step records."""
    program, args, recording = random_recording(rng)
    candidates = [index for index, step in enumerate(recording.forward) if step.parents]
    index = candidates[int(rng.integers(len(candidates)))]
    step = recording.forward[index]
    done = [forward_step.line for forward_step in recording.forward[:index]]
    text = "\n\n".join([
        "The function", _header(program, args, recording),
        node_legend(recording),
        "Values known so far: " + _values_known(recording, index) + ".",
        "Forward pass so far:", _code_block(done or ["(no step yet)"]),
        f"**Next step:** the trace records `{step.node} = {_operation(step)}`. "
        f"What value does **{step.node}** hold?",
    ])
    return Question(exercise_id, text, float(np.asarray(step.value).reshape(())),
                    explanation=f"The step: {step.line}", recording=recording,
                    reveal_step=index + 1)


# ----------------------------------------------------------------------- VJP formulas

PRIMITIVES = ("sin", "cos", "tan", "exp", "log", "tanh", "sqrt", "negative", "add", "subtract",
              "multiply", "divide", "power", "square", "reciprocal")
ARGUMENT_NAMES = ("x (its first argument)", "y (its second argument)")


def vjp_formulas():
    """``[(name, symbol, argnum, formula)]`` for the primitives that have formulas."""
    import tutor.autograd.numpy as anp
    from tutor.autograd.core import vjp_info
    entries = []
    for name in PRIMITIVES:
        fun = getattr(anp, name, None)
        if fun is None:
            continue
        info = vjp_info(fun)
        for argnum, formula in enumerate(info.formulas[:2]):
            if formula:
                entries.append((name, info.symbol, argnum, formula))
    return entries


def vjp_formula_question(exercise_id, rng, options=4):
    """Which formula is the VJP of a primitive with respect to one argument?"""
    entries = vjp_formulas()
    name, symbol, argnum, formula = entries[int(rng.integers(len(entries)))]
    binary = _binary(entries, name)
    # Wrong options a learner could believe: formulas of primitives with as many arguments,
    # for the same argument (a VJP for y of a function of x alone fools nobody).
    alike = {entry[3] for entry in entries
             if entry[0] != name and entry[3] != formula and _binary(entries, entry[0]) == binary
             and entry[2] == argnum}
    if len(alike) < options - 1:
        alike |= {entry[3] for entry in entries if entry[0] != name and entry[3] != formula}
    wrong = sorted(alike)
    picked = [wrong[int(i)] for i in rng.permutation(len(wrong))[:options - 1]]
    choices = [formula] + picked
    choices = [choices[int(i)] for i in rng.permutation(len(choices))]
    shown = f"`{name}` (drawn as `{symbol}`)" if symbol != name else f"`{name}`"
    text = (f"`ans = {name}(x{', y' if binary else ''})`. Which formula "
            f"is the VJP of {shown} with respect to {ARGUMENT_NAMES[argnum]}? `g` is the "
            f"adjoint arriving from `ans`.")
    return Question(exercise_id, text, formula, options=tuple(choices),
                    explanation=f"The VJP of {name} with respect to {ARGUMENT_NAMES[argnum][0]} "
                                f"is {formula}.")


def _binary(entries, name):
    return any(entry[0] == name and entry[2] == 1 for entry in entries)


# -------------------------------------------------------------------- derivatives

def _coef(a, rest):
    """``3*x``, ``x``, ``-x``: a coefficient times a term, written the way people write it."""
    if a == 0:
        return "0"
    if rest == "":
        return str(a)
    return rest if a == 1 else ("-" + rest if a == -1 else f"{a}*{rest}")


def join_terms(terms):
    """``["2*x", "-sin(x)", "0"]`` -> ``"2*x - sin(x)"`` (zeros dropped)."""
    kept = [term for term in terms if term != "0"]
    if not kept:
        return "0"
    text = kept[0]
    for term in kept[1:]:
        text += f" - {term[1:]}" if term.startswith("-") else f" + {term}"
    return text


def _x_terms(a):
    """Terms in x with their first and second derivatives, for a small integer ``a``."""
    ax = _coef(a, "x")
    return [
        (_coef(a, "x**2"), _coef(2 * a, "x"), str(2 * a)),
        (_coef(a, "x**3"), _coef(3 * a, "x**2"), _coef(6 * a, "x")),
        (f"sin({ax})", _coef(a, f"cos({ax})"), _coef(-a * a, f"sin({ax})")),
        (f"exp({ax})", _coef(a, f"exp({ax})"), _coef(a * a, f"exp({ax})")),
        (_coef(a, "cos(x)"), _coef(-a, "sin(x)"), _coef(-a, "cos(x)")),
        (_coef(a, "log(x)"), f"{a}/x", f"{-a}/x**2"),
    ]


def _y_terms(a):
    """Terms with y, and their derivatives with respect to x."""
    return [
        (_coef(a, "x*y"), _coef(a, "y"), "0"),
        (_coef(a, "x**2*y"), _coef(2 * a, "x*y"), _coef(2 * a, "y")),
        (_coef(a, "y**2"), "0", "0"),
    ]


def sample_points(rng, variables, count=12, domain=None):
    """Random points (dicts) where formulas are compared; ``domain`` maps names to ranges."""
    domain = domain or {}
    points = []
    for _ in range(count):
        point = {}
        for name in variables:
            low, high = domain.get(name, (-2.0, 2.0))
            point[name] = float(rng.uniform(low, high))
        points.append(point)
    return tuple(points)


def derivative_reference(f_text, wrt="x", order=1):
    """``point -> float``: the ``order``-th derivative of the formula, via ``tutor.autograd``."""
    from tutor.autograd import grad
    from tutor.expression import parse
    f = parse(f_text)
    names = tuple(f.variables)
    argnum = names.index(wrt)
    derivative = f
    for _ in range(order):
        derivative = grad(derivative, argnum)

    def reference(point):
        return float(derivative(*[float(point[name]) for name in names]))

    return reference


def expression_question(exercise_id, f_text, answer, rng, wrt="x", order=1, domain=None):
    """A question: type the ``order``-th derivative of ``f_text`` with respect to ``wrt``."""
    from tutor.expression import parse
    variables = tuple(parse(f_text).variables)
    what = f"∂f/∂{wrt}" if order == 1 else f"∂²f/∂{wrt}²"
    text = (f"`f({', '.join(variables)}) = {f_text}`\n\nType {what} as a formula in "
            f"{', '.join(variables)} (Python syntax: `*` for products, `**` for powers; "
            f"sin, cos, exp, log are available).")
    domain = {"x": (0.5, 2.0), **(domain or {})}
    from .terms import term_parts
    return Question(exercise_id, text, answer, variables=variables,
                    points=sample_points(rng, variables, domain=domain),
                    reference=derivative_reference(f_text, wrt, order),
                    explanation=f"One way to write it: {what} = {answer}",
                    parts=term_parts(f_text, wrt, order), order=order)


def derivative_question(exercise_id, rng, order=1, with_y=True):
    """Type the derivative of a random sum of two or three terms."""
    a, b = (int(value) for value in rng.choice([1, 2, 3, -1, -2], size=2))
    x_terms = _x_terms(a)
    first, second = (x_terms[int(i)] for i in rng.permutation(len(x_terms))[:2])
    second = _x_terms(b)[_x_terms(a).index(second)]
    terms = [first, second]
    if with_y and rng.random() < 0.7:
        y_terms = _y_terms(int(rng.choice([1, 2, -1])))
        terms.append(y_terms[int(rng.integers(len(y_terms)))])
    f_text = join_terms([term[0] for term in terms])
    answer = join_terms([term[order] for term in terms])
    return expression_question(exercise_id, f_text, answer, rng, order=order)
