"""Lesson 9: higher-order derivatives. ``grad(grad(f))`` works because the backward pass is
itself traced when an outer ``grad`` is watching.
"""

from functools import partial

from tutor.autograd import grad

from ..model import Case, Exercise, FunctionSpec, Question, drawn_answer
from ..practice import derivative_question
from ..randfun import make_function, random_smooth, second_derivative, to_text
from ..specs import cases, returns_function
from .lesson07 import built_beside

LESSON = 9


# --------------------------------------------------------------- second_derivative

def second_derivative_of(f):
    return grad(grad(f))


def _second_case(rng, index):
    expr = random_smooth(rng, ("x",), size=int(rng.integers(2, 5)))
    f = make_function(expr, ("x",), lib="autograd")
    f.expr = expr
    x = round(float(rng.uniform(-1.5, 1.5)), 3)
    return Case(((f,), (x,)), text=f"f(x) = {to_text(expr)}, at x = {x:g}")


def _second_call(answer, case):
    """``second_derivative_of(f)(x)``, with ``f`` built from the primitives beside the answer
    (the notebook's leveled ones) when there are, else from ``tutor.autograd.numpy``."""
    (f,), inner = case.args
    call = returns_function("second_derivative_of(f)", "a function of x")
    return call(answer, Case(((built_beside(answer, f),), inner), case.kwargs, case.text))


def _second_reference(case):
    (f,), (x,) = case.args
    return second_derivative(f.expr, {"x": x}, "x")


SECOND_DERIVATIVE = Exercise(
    id="l09-second-derivative", lesson=LESSON, kind="function",
    title="The second derivative by nesting grad",
    prompt=(
        "Write `second_derivative_of(f)`: for `f`, a function of one number, return the "
        "function `x -> f''(x)`, using the leveled `grad` of this lesson.\n\n"
        "Checked on random functions built from the primitives beside your function (this "
        "notebook's `sin`, `cos`, `exp`, `tanh`, powers) at random points."),
    hints=(
        "`grad(f)` is itself a function of one number, like `f`.",
        "So you can take its derivative again.",
        "The idea: a derivative is itself a differentiable function of x, and `grad` accepts "
        "any such function.",
    ),
    solution=second_derivative_of,
    spec=FunctionSpec("second_derivative_of", "second_derivative_of(f)(x)",
                      cases(20, _second_case),
                      call=_second_call,
                      reference=_second_reference, rtol=1e-6, atol=1e-7),
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

EXERCISES = [SECOND_DERIVATIVE, SECOND_NUMBER, SECOND_EXPRESSION]
