"""Lesson 11: forward mode. Tangents travel with the values.

A dual number ``a + bε`` with ``ε² = 0`` carries a value ``a`` and a tangent ``b``; every
primitive's JVP says how its output's tangent follows from its inputs' tangents. The learner
writes three JVPs (``sin``, ``multiply`` and ``divide``, written ``jvp_sin(x, x_dot)``,
``jvp_multiply(x, x_dot, y, y_dot)`` and ``jvp_divide(x, x_dot, y, y_dot)``: values and
tangents in, the output's tangent out) and
then ``jvp(f, x, v)``, which pushes one tangent through a whole function with dual numbers.

``jvp`` is checked on random functions built from the dual-number primitives beside the
answer (the notebook's ``Dual``, ``sin``, ``cos``, ``exp``, ``tanh``, whose rules are the
learner's JVPs), so a wrong JVP shows up there too; the expected derivatives come from
:mod:`..randfun`'s own dual numbers.
"""

from functools import partial
from types import SimpleNamespace

import numpy as np

from tutor.notation import number_text

from ..model import Case, Exercise, FunctionSpec, Question, WrongAnswer, drawn_answer
from ..practice import _code_block, _header, _number, node_legend, random_recording
from ..randfun import _DUAL, Const, Dual, derivative, evaluate, random_smooth, to_text
from ..specs import (away_from_zero, cases, judge_with_mistakes, random_shape, random_value,
                     text_of)

LESSON = 11
DUAL_FUNCTIONS = ("sin", "cos", "exp", "tanh")
sin, cos, exp, tanh = (getattr(_DUAL, name) for name in DUAL_FUNCTIONS)   # for the reference


# ------------------------------------------------------------------------- jvp_sin

def jvp_sin(x, x_dot):
    return x_dot * np.cos(x)


def _sin_case(rng, index):
    shape = random_shape(rng)
    x, x_dot = random_value(rng, shape, -3.0, 3.0), random_value(rng, shape)
    return Case((x, x_dot), text=text_of(x=x, x_dot=x_dot))


JVP_SIN = Exercise(
    id="l11-jvp-sin", lesson=LESSON, kind="function",
    title="The JVP of sin",
    prompt=(
        "In forward mode every value `x` carries a tangent `x_dot` (ẋ): how fast `x` moves "
        "when the input moves. Write `jvp_sin(x, x_dot)`: the tangent of `ans = sin(x)`.\n\n"
        "`x` and `x_dot` are numbers or arrays of the same shape; work elementwise."),
    hints=(
        "If x moves at speed ẋ, sin(x) moves at speed ẋ times the slope of sin at x.",
        "The slope of sin is cos; `np.cos` works on arrays too.",
        "The idea: a JVP scales the incoming tangent by the local derivative, exactly as a "
        "VJP scales the incoming adjoint; only the direction of travel differs.",
    ),
    solution=jvp_sin,
    spec=FunctionSpec("jvp_sin", "jvp_sin(x, x_dot)", cases(30, _sin_case),
                      judge=judge_with_mistakes(
                          (lambda x, x_dot: np.cos(x),
                           "That is the slope of sin at x; the tangent is that slope times "
                           "the speed x_dot."),
                          (lambda x, x_dot: -x_dot * np.sin(x),
                           "That is the tangent of cos(x); sin's slope is cos(x)."))),
)


# -------------------------------------------------------------------- jvp_multiply

def jvp_multiply(x, x_dot, y, y_dot):
    return x_dot * y + x * y_dot


def _multiply_case(rng, index):
    shape = random_shape(rng)
    x, y = random_value(rng, shape), random_value(rng, shape)
    x_dot, y_dot = random_value(rng, shape), random_value(rng, shape)
    if index % 5 == 0:                       # one argument a constant: its tangent is 0
        y_dot = 0.0 * y
    return Case((x, x_dot, y, y_dot), text=text_of(x=x, x_dot=x_dot, y=y, y_dot=y_dot))


JVP_MULTIPLY = Exercise(
    id="l11-jvp-multiply", lesson=LESSON, kind="function",
    title="The JVP of x · y",
    prompt=(
        "`ans = x * y` has two arguments, and both may move. Write "
        "`jvp_multiply(x, x_dot, y, y_dot)`: the tangent of `ans` when `x` moves at `x_dot` "
        "and `y` at `y_dot`.\n\n"
        "All four are numbers or arrays of the same shape."),
    hints=(
        "Multiply the dual numbers (x + ẋε)(y + ẏε) out and drop the ε² term.",
        "What is left beside ε is one term for x moving and one for y moving.",
        "The idea: each argument contributes its own tangent times the partial derivative "
        "with respect to it, and the contributions add up: the product rule.",
    ),
    solution=jvp_multiply,
    spec=FunctionSpec("jvp_multiply", "jvp_multiply(x, x_dot, y, y_dot)",
                      cases(30, _multiply_case),
                      judge=judge_with_mistakes(
                          (lambda x, x_dot, y, y_dot: x_dot * y_dot,
                           "That is the term beside ε², and ε² = 0: keep the terms with "
                           "exactly one ε."),
                          (lambda x, x_dot, y, y_dot: x_dot * y,
                           "That is x's share only; y moves too, at y_dot."),
                          (lambda x, x_dot, y, y_dot: x * y_dot,
                           "That is y's share only; x moves too, at x_dot."))),
)


# ---------------------------------------------------------------------- jvp_divide

def jvp_divide(x, x_dot, y, y_dot):
    return (x_dot * y - x * y_dot) / y ** 2


def _divide_case(rng, index):
    shape = random_shape(rng)
    x, x_dot, y_dot = (random_value(rng, shape) for _ in range(3))
    y = away_from_zero(rng, shape)
    return Case((x, x_dot, y, y_dot), text=text_of(x=x, x_dot=x_dot, y=y, y_dot=y_dot))


JVP_DIVIDE = Exercise(
    id="l11-jvp-divide", lesson=LESSON, kind="function",
    title="The JVP of x / y",
    prompt=(
        "Write `jvp_divide(x, x_dot, y, y_dot)`: the tangent of `ans = x / y` when `x` moves "
        "at `x_dot` and `y` at `y_dot`.\n\n"
        "All four are numbers or arrays of the same shape; `y` is never 0."),
    hints=(
        "Each argument gives its own share: x's tangent times ∂(x/y)/∂x, plus y's tangent "
        "times ∂(x/y)/∂y.",
        "Find ∂(x/y)/∂x and ∂(x/y)/∂y first, each with the other argument held still; mind "
        "the sign of the second.",
        "The idea: the quotient rule is the sum of the two shares, as the product rule was; "
        "nothing new beyond the two partial derivatives.",
    ),
    solution=jvp_divide,
    spec=FunctionSpec("jvp_divide", "jvp_divide(x, x_dot, y, y_dot)", cases(30, _divide_case),
                      judge=judge_with_mistakes(
                          (lambda x, x_dot, y, y_dot: (x_dot * y + x * y_dot) / y ** 2,
                           "Mind the sign of y's share: x / y falls when y grows."),
                          (lambda x, x_dot, y, y_dot: x_dot / y,
                           "That is x's share only; y moves too, at y_dot."),
                          (lambda x, x_dot, y, y_dot: x_dot / y_dot,
                           "Tangents are not divided like values: each argument's tangent is "
                           "multiplied by its own partial derivative."),
                          (lambda x, x_dot, y, y_dot: x_dot / y - x * y_dot / y,
                           "y's share has y to the first power; the derivative of y ** -1 has "
                           "it squared."),
                          (lambda x, x_dot, y, y_dot: -x * y_dot / y ** 2,
                           "That is y's share only; x moves too, at x_dot."))),
)


# ----------------------------------------------------------------------------- jvp

def jvp(f, x, v):
    out = f(Dual(x, v))
    if isinstance(out, Dual):
        return out.value, out.tangent
    return out, 0.0 * v                     # f does not depend on x: nothing moves


def dual_primitives_beside(answer):
    """The dual-number primitives defined beside ``answer`` (in its notebook or module), as
    a namespace randfun can build functions from; None when there are none."""
    found = getattr(answer, "__globals__", {})
    if not isinstance(found.get("Dual"), type) or \
            not all(callable(found.get(name)) for name in DUAL_FUNCTIONS):
        return None
    return SimpleNamespace(**{name: found[name] for name in DUAL_FUNCTIONS})


def _jvp_case(rng, index):
    if index % 8 == 0:              # f(x) = 2.0, say: f gives back a plain number
        expr = Const(int(rng.integers(1, 5)))
    else:
        expr = random_smooth(rng, ("x",), size=int(rng.integers(2, 6)))
    x = round(float(rng.uniform(-1.5, 1.5)), 3)
    v = float(rng.choice([1.0, -1.0, 2.0, 0.5, round(float(rng.uniform(-2, 2)), 2)]))
    return Case((expr, x, v),
                text=f"f(x) = {to_text(expr)}, x = {number_text(x)}, v = {number_text(v)}")


def _jvp_call(answer, case):
    """``answer(f, x, v)`` with ``f`` built from the dual primitives beside the answer
    (randfun's dual numbers when there are none)."""
    expr, x, v = case.args
    return on_dual_function(answer, expr, (x, v), "its tangent is 0")


def on_dual_function(answer, expr, args, zero):
    """``answer(f, *args)``, with ``f`` the random function ``expr`` of x built from the dual
    primitives beside the answer (randfun's when there are none). When ``f`` is a constant
    and the learner's code takes its output for a Dual, the error says so; ``zero`` ends the
    sentence (what the tangent of a constant output is)."""
    lib = dual_primitives_beside(answer) or _DUAL

    def f(value):
        return evaluate(expr, {"x": value}, lib)

    f.__name__ = "f"
    try:
        return answer(f, *args)
    except AttributeError as error:
        if not isinstance(expr, Const):
            raise
        raise WrongAnswer("exception", f"your code raised AttributeError: {error}. This f "
                                       f"does not depend on x, so it returns the plain number "
                                       f"{number_text(expr.value)}, not a Dual: nothing moved, "
                                       f"and {zero}.") from None


def _jvp_reference(case):
    expr, x, v = case.args
    return float(evaluate(expr, {"x": x})), derivative(expr, {"x": x}, "x") * v


JVP = Exercise(
    id="l11-jvp", lesson=LESSON, kind="function",
    title="jvp: one forward pass with a tangent",
    prompt=(
        "Write `jvp(f, x, v)`: run `f` once on a dual number that starts at `x` with tangent "
        "`v`, and return the pair `(f(x), ẋ_out)`, the value and the tangent of the output "
        "(the directional derivative f′(x)·v).\n\n"
        "Checked on random functions of one number built from this notebook's `Dual`, `sin`, "
        "`cos`, `exp` and `tanh`, which use your JVPs."),
    hints=(
        "A `Dual` made of `x` and `v` is the input with its tangent; pass it to `f`.",
        "What comes out is a `Dual` carrying the output's value and tangent: return both. If "
        "it is a plain number, `f` did not depend on `x`, and nothing moved.",
        "The idea: the tangent rides along with the value through every operation, so one "
        "ordinary call of f computes both; nothing is recorded and there is no backward "
        "pass.",
    ),
    solution=jvp,
    spec=FunctionSpec("jvp", "jvp(f, x, v)", cases(25, _jvp_case), call=_jvp_call,
                      reference=_jvp_reference),
)


# ------------------------------------------------------------ number: next tangent

def next_tangent_question(exercise_id, rng):
    """Predict the tangent the next step of a paused forward-mode pass gives its node."""
    program, args, recording = random_recording(rng, mode="forward")
    candidates = [index for index, step in enumerate(recording.forward) if step.tangent_argnums]
    moving = [index for index in candidates if recording.forward[index].tangent != 0]
    candidates = moving or candidates          # a tangent that is 0 is a dull question
    index = candidates[int(rng.integers(len(candidates)))]
    step = recording.forward[index]
    seeds = ", ".join(f"ẋ_{node} = {_number(recording.tangents[name])} ({name})"
                      for name, node in recording.inputs.items())
    done = [f"{earlier.line};   {earlier.tangent_line}" for earlier in recording.forward[:index]]
    known = {node: info for node, info in recording.nodes.items() if info.kind == "constant"}
    constants = " Constants have tangent 0." if known else ""
    text = "\n\n".join([
        "The function", _header(program, args, recording), node_legend(recording),
        f"Forward mode, with the tangents {seeds}.{constants}",
        "Forward pass so far, each value with its tangent:",
        _code_block(done or ["(no step yet)"]),
        f"**Next step:** the trace records `{step.line}`. What is its tangent "
        f"**ẋ_{step.node}**?",
    ])
    return Question(exercise_id, text, float(np.asarray(step.tangent).reshape(())),
                    explanation=f"The step: {step.tangent_line}", recording=recording,
                    reveal_step=index + 1, slips=tangent_slips(step))


def tangent_slips(step):
    """Typical wrong tangents: one argument's share alone, or a share's sign flipped."""
    shares = [float(np.asarray(share).reshape(())) for share in step.contributions
              if share is not None]
    if len(shares) != 2 or 0.0 in shares:
        return ()
    first, second = shares
    return ((first, "is the first argument's share alone; the other argument moves too, and "
                    "the shares add up."),
            (second, "is the second argument's share alone; the other argument moves too, "
                     "and the shares add up."),
            (first - second, "has the second share's sign flipped."))


NEXT_TANGENT = Exercise(
    id="l11-number-next-tangent", lesson=LESSON, kind="number",
    title="Predict the next tangent",
    prompt="A random function's forward-mode pass is paused before one step. Predict the "
           "tangent that step gives its node.",
    hints=(
        "For `+` the tangents add; for `-` they subtract; for `v = a × b` the tangent is "
        "ẋ_a · b + a · ẋ_b.",
        "Read the tangents of the step's arguments from the lines above (an input's is its "
        "seed, a constant's is 0) and their values from the same lines.",
    ),
    solution=drawn_answer, make_question=partial(next_tangent_question, "l11-number-next-tangent"),
)

EXERCISES = [JVP_SIN, JVP_MULTIPLY, JVP_DIVIDE, JVP, NEXT_TANGENT]
