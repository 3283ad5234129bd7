"""Lesson 9: higher-order derivatives. ``grad(grad(f))`` works because the backward pass is
itself traced when an outer ``grad`` is watching. The code exercise puts it to work: a step
of Newton's method needs the slope and the curvature of ``f``.
"""

from functools import partial

from tutor.autograd import grad

from tutor.notation import number_text

from ..compare import compare_values
from ..model import Case, Exercise, FunctionSpec, Mismatch, Question, drawn_answer
from ..practice import derivative_question
from ..randfun import (derivative, evaluate, make_function, random_smooth, second_derivative,
                       to_text)
from ..specs import cases
from .lesson07 import built_beside

LESSON = 9


# ---------------------------------------------------------------------- newton_step

def newton_step(f, x):
    slope = grad(f)(x)
    curvature = grad(grad(f))(x)        # the derivative of the derivative
    return x - slope / curvature        # the lowest point of the parabola that fits f at x


def _newton_case(rng, index):
    """A random smooth f and a point where f'' is well away from 0 (so the step is sane)."""
    for _ in range(100):
        expr = random_smooth(rng, ("x",), size=int(rng.integers(2, 5)))
        x = round(float(rng.uniform(-1.5, 1.5)), 3)
        if abs(second_derivative(expr, {"x": x}, "x")) >= 0.3:
            break
    f = make_function(expr, ("x",), lib="autograd")
    f.expr = expr
    return Case(((f,), (x,)), text=f"f(x) = {to_text(expr)}, at x = {number_text(x)}")


def _newton_call(answer, case):
    """``newton_step(f, x)``, with ``f`` built from the primitives beside the answer (the
    notebook's leveled ones) when there are, else from ``tutor.autograd.numpy``."""
    (f,), (x,) = case.args
    return answer(built_beside(answer, f, "newton_step"), x)


def _newton_parts(case):
    (f,), (x,) = case.args
    env = {"x": x}
    return (float(evaluate(f.expr, env)), derivative(f.expr, env, "x"),
            second_derivative(f.expr, env, "x"))


def _newton_reference(case):
    (f,), (x,) = case.args
    _, slope, curvature = _newton_parts(case)
    return x - slope / curvature


def _newton_judge(case, got, expected):
    mismatch = compare_values(expected, got, 1e-6, 1e-7)
    if mismatch is None or mismatch.problem != "value":
        return mismatch
    (f,), (x,) = case.args
    value, slope, curvature = _newton_parts(case)
    slips = ((x + slope / curvature, "Mind the sign: the step goes against the slope."),
             (x - value / slope, "That is Newton's step towards a zero of f; a minimum is a "
                                 "zero of f', so divide f' by its own derivative."),
             (x - slope, "That is a gradient-descent step of size 1; Newton's step divides "
                         "the slope by the curvature f'' instead."),
             (slope / curvature, "That is the length of the step; the new x is the old one "
                                 "moved by it."))
    for wrong, advice in slips:
        if compare_values(wrong, got, 1e-6, 1e-7) is None:
            return Mismatch("value", f"{mismatch.message}. {advice}")
    return mismatch


NEWTON_STEP = Exercise(
    id="l09-newton-step", lesson=LESSON, kind="function",
    title="A Newton step: the second derivative at work",
    prompt=(
        "Newton's method looks for a minimum of `f` by fitting, at the current `x`, the "
        "parabola with the same value, slope and curvature as `f`, and jumping to that "
        "parabola's lowest point. Write `newton_step(f, x)`, returning that new x, for `f` a "
        "function of one number, with this lesson's leveled `grad`.\n\n"
        "Checked on random functions built from the primitives beside your function (this "
        "notebook's `sin`, `cos`, `exp`, `tanh`, powers), at points where the curvature is "
        "well away from 0."),
    hints=(
        "Near x, `f(x + h) ≈ f(x) + f'(x)*h + f''(x)*h**2/2`: a parabola in the step h.",
        "The parabola is lowest where its slope in h is 0; solve that for h.",
        "The idea: the slope is one `grad` of f, the curvature is the derivative of the "
        "slope, and the leveled `grad` differentiates anything built from primitives, "
        "a derivative included.",
    ),
    solution=newton_step,
    spec=FunctionSpec("newton_step", "newton_step(f, x)", cases(20, _newton_case),
                      call=_newton_call, judge=_newton_judge, reference=_newton_reference),
)


# ------------------------------------------------------ number: f'' of a polynomial

def _second_question(exercise_id, rng):
    a, b, c = (int(value) for value in rng.choice([-3, -2, -1, 1, 2, 3], size=3))
    x = int(rng.integers(-2, 3))
    value = 6 * a * x + 2 * b
    f_text = polynomial_text((a, 3), (b, 2), (c, 1))
    text = f"`f(x) = {f_text}`. What is the second derivative **f''(x)** at x = {x}?"
    first = polynomial_text((3 * a, 2), (2 * b, 1), (c, 0))
    second = polynomial_text((6 * a, 1), (2 * b, 0))
    first_value = 3 * a * x ** 2 + 2 * b * x + c
    slips = ((float(first_value), "is f'(x), the first derivative: differentiate once more."),
             (float(6 * a * x), "leaves out a term: the x**2 term gives a constant in f''."))
    return Question(exercise_id, text, float(value),
                    explanation=f"f'(x) = {first}, f''(x) = {second} = {value} at x = {x}.",
                    slips=slips)


def polynomial_text(*terms):
    """``(coefficient, power)`` pairs as Python text: ``-9*x**2 - 2*x + 2``, never ``+ -``."""
    text = ""
    for coefficient, power in terms:
        body = {0: f"{abs(coefficient)}", 1: f"{abs(coefficient)}*x"}.get(
            power, f"{abs(coefficient)}*x**{power}")
        if not text:
            text = f"-{body}" if coefficient < 0 else body
        else:
            text += f" - {body}" if coefficient < 0 else f" + {body}"
    return text


SECOND_NUMBER = Exercise(
    id="l09-number-second-derivative", lesson=LESSON, kind="number",
    title="f'' of a cubic at a point",
    prompt="Differentiate a cubic twice and evaluate the result at a point.",
    hints=(
        "Differentiate once: the power rule, term by term.",
        "Differentiate the result again; the linear term disappears.",
    ),
    solution=drawn_answer, make_question=partial(_second_question, "l09-number-second-derivative"),
)

SECOND_EXPRESSION = Exercise(
    id="l09-expr-second-derivative", lesson=LESSON, kind="expression",
    title="Type a second derivative",
    prompt="Type f''(x) for a random function; it is compared with `grad(grad(f))` at random "
           "points.",
    hints=(
        "Differentiate once, write the result down, then differentiate that.",
        "`d²/dx² sin(a*x) = -a**2*sin(a*x)`; `d²/dx² exp(a*x) = a**2*exp(a*x)`; "
        "`d²/dx² log(x) = -1/x**2`.",
    ),
    solution=drawn_answer,
    make_question=partial(derivative_question, "l09-expr-second-derivative", order=2,
                          with_y=False),
)

EXERCISES = [NEWTON_STEP, SECOND_NUMBER, SECOND_EXPRESSION]
