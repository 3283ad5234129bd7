"""Lesson 1: what are we trying to find? Partial derivatives and finite differences.

The running example is ``f(x, y) = log(x**2) + y**2 + x*y`` with
``∂f/∂x = 2/x + y`` and ``∂f/∂y = 2*y + x``.
"""

from functools import partial

import numpy as np

from tutor.notation import number_text

from ..model import Case, Exercise, FunctionSpec, Question, drawn_answer
from ..practice import expression_question
from ..randfun import derivative, make_function, random_smooth, to_text
from ..specs import away_from_zero, cases, judge_with_mistakes, random_value, text_of

LESSON = 1
F_TEXT = "log(x**2) + y**2 + x*y"


# ------------------------------------------------------------------ numerical_grad

def numerical_grad(f, x, eps=1e-6):
    return (f(x + eps) - f(x - eps)) / (2 * eps)


def _numerical_grad_case(rng, index):
    # Only a function whose central difference at eps = 1e-05 really is good to six digits:
    # about one draw in 2,400 (cos(exp(3x**2)) near x = 1.5) curves so fast that the
    # solution itself missed, and a learner's right answer was called wrong.
    while True:
        expr = random_smooth(rng, ("x",), size=int(rng.integers(2, 5)))
        x = float(rng.uniform(-1.5, 1.5))
        f = make_function(expr, ("x",))
        exact = derivative(expr, {"x": x}, "x")
        if abs(numerical_grad(f, x, 1e-5) - exact) <= 0.1 * (1e-7 + 1e-6 * abs(exact)):
            break
    # The formula goes to the reference only (case.data), never on f, where the learner's
    # code could read it.
    return Case((f, x, 1e-5), text=f"f(x) = {to_text(expr)}, x = {x:.4g}, eps = 1e-05",
                data=expr)


def _numerical_grad_reference(case):
    f, x, _ = case.args
    return derivative(case.data, {"x": x}, "x")


NUMERICAL_GRAD = Exercise(
    id="l01-numerical-grad", lesson=LESSON, kind="function",
    title="Estimate a derivative with finite differences",
    prompt=(
        "Write `numerical_grad(f, x, eps=1e-6)`: an estimate of the derivative of `f` (a "
        "function of one number) at the number `x`, by a **central difference**: evaluate `f` "
        "a little to the right and a little to the left of `x`, and divide the change by the "
        "distance between the two points.\n\n"
        "It is checked on random smooth functions and points (the checker passes "
        "`eps=1e-05`); the estimate must agree with the exact derivative to about six digits."),
    hints=(
        "The slope between the points `x - eps` and `x + eps` is (change in f) / (change in x).",
        "The change in x between those two points is `2 * eps`.",
        "Your answer is a slope (rise over run) of the secant through two points placed "
        "symmetrically around x: the errors of the two one-sided slopes cancel to first order.",
    ),
    solution=numerical_grad,
    spec=FunctionSpec("numerical_grad", "numerical_grad(f, x, eps)",
                      cases(25, _numerical_grad_case), reference=_numerical_grad_reference,
                      rtol=1e-6, atol=1e-7, judge=judge_with_mistakes(
                          (lambda f, x, eps: (f(x + eps) - f(x)) / eps,
                           "That is a one-sided difference: its error shrinks only like eps. "
                           "Step to both sides of x."),
                          (lambda f, x, eps: (f(x + eps) - f(x - eps)) / eps,
                           "Divide by the distance between the two points, which is twice "
                           "eps."), rtol=1e-6, atol=1e-7)),
)


# ------------------------------------------------------------------------ partials

def partials(x, y):
    return 2 / x + y, 2 * y + x


def _partials_case(rng, index):
    x = away_from_zero(rng, (), 0.2, 3.0)
    y = random_value(rng, (), -3.0, 3.0)
    return Case((x, y), text=text_of(x=x, y=y))


PARTIALS = Exercise(
    id="l01-partials", lesson=LESSON, kind="function",
    title="Both partial derivatives of f",
    prompt=(
        f"For `f(x, y) = {F_TEXT}`, write `partials(x, y)` returning the tuple "
        "`(∂f/∂x, ∂f/∂y)` at the point `(x, y)`, worked out by hand.\n\n"
        "Checked at random points with `x ≠ 0`."),
    hints=(
        "Differentiate one term at a time, treating the other variable as a constant: for "
        "∂f/∂x, the term `y**2` does not change at all.",
        "`log(u)` changes at the rate `u'/u` (the chain rule), here with `u = x**2`; a "
        "product such as `x*y` changes at the rate of its other factor.",
        "The idea: a partial derivative moves one input and holds the others still. Work "
        "out both rates as formulas in x and y, then give them as a pair, the one for x "
        "first.",
    ),
    solution=partials,
    spec=FunctionSpec("partials", "partials(x, y)", cases(25, _partials_case),
                      judge=judge_with_mistakes(
                          (lambda x, y: (2 * y + x, 2 / x + y),
                           "Your pair is (∂f/∂y, ∂f/∂x): ∂f/∂x comes first."),
                          (lambda x, y: (2 / x, 2 * y),
                           "The term `x*y` is missing from both: it changes at the rate of its "
                           "other factor."))),
)


# ------------------------------------------------------------------ number: a partial

def _number(value):
    """A number to put into a formula: negative ones in parentheses (``2*(-1)``)."""
    return f"({number_text(value)})" if value < 0 else f"{number_text(value)}"


def _partial_question(exercise_id, rng):
    x = float(rng.choice([-4, -2, -1, -0.5, 0.5, 1, 2, 4]))
    y = float(rng.integers(-3, 4))
    by_x, by_y = 2 / x + y, 2 * y + x
    if rng.random() < 0.5:
        value, working = by_x, f"∂f/∂x = 2/x + y = 2/{_number(x)} + {_number(y)}"
        name, other, other_value = "x", "y", by_y
    else:
        value, working = by_y, f"∂f/∂y = 2*y + x = 2*{_number(y)} + {_number(x)}"
        name, other, other_value = "y", "x", by_x
    text = (f"`f(x, y) = {F_TEXT}`. What is **∂f/∂{name}** at x = {number_text(x)}, "
            f"y = {number_text(y)}? "
            f"(Decimals are fine.)")
    slips = ((other_value, f"is ∂f/∂{other}, the other partial derivative: this question "
                           f"holds {other} still and moves {name}."),
             (float(np.log(x ** 2) + y ** 2 + x * y), "is the value of f itself at that "
                                                      "point, not how fast it changes."))
    return Question(exercise_id, text, value, explanation=f"{working} = {number_text(value)}",
                    slips=slips)


PARTIAL_NUMBER = Exercise(
    id="l01-number-partial", lesson=LESSON, kind="number",
    title="A partial derivative at a point",
    prompt=f"Evaluate a partial derivative of `f(x, y) = {F_TEXT}` at a point drawn for you.",
    hints=(
        "First find the formula for the partial derivative, then put the numbers in.",
        "Hold the other variable still: its terms are constants. Find how fast each "
        "remaining term changes, add the rates, then put the numbers in.",
    ),
    solution=drawn_answer, make_question=partial(_partial_question, "l01-number-partial"),
)


# --------------------------------------------------------------- expression: ∂f/∂x

def _dfdx_question(exercise_id, rng):
    return expression_question(exercise_id, F_TEXT, "2/x + y", rng,
                               domain={"x": (0.3, 3.0), "y": (-3.0, 3.0)})


DFDX_EXPRESSION = Exercise(
    id="l01-expr-dfdx", lesson=LESSON, kind="expression",
    title="Type ∂f/∂x",
    prompt=f"Type the partial derivative ∂f/∂x of `f(x, y) = {F_TEXT}` as a formula.",
    hints=(
        "Treat y as a constant: `y**2` does not change when x changes.",
        "The derivative of `log(u)` is `u' / u`; here `u = x**2`.",
        "`x*y` changes at the rate y when x moves; simplify `2*x / x**2` before you type it.",
    ),
    solution=drawn_answer, make_question=partial(_dfdx_question, "l01-expr-dfdx"), fresh=False,
)

EXERCISES = [NUMERICAL_GRAD, PARTIALS, PARTIAL_NUMBER, DFDX_EXPRESSION]
