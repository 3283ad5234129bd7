"""Lesson 7: putting ``grad`` together, and checking it against finite differences.

The learner's ``grad`` is tried on random functions written with ``tutor.autograd.numpy``;
the expected derivatives come from forward-mode dual numbers (:mod:`..randfun`), which share
no code with the reverse mode being built.
"""

from functools import partial

from ..model import Case, Exercise, FunctionSpec, drawn_answer
from ..practice import derivative_question
from ..randfun import derivative, evaluate, make_function, random_smooth, to_text
from ..specs import cases, returns_function

LESSON = 7
NAMES = ("x", "y", "z")


# ---------------------------------------------------------------------------- grad

def grad(f, argnum=0):
    from tutor.autograd.core import make_vjp

    def gradient(*args):
        def f_of_one(value):            # f as a function of argument `argnum` only
            return f(*args[:argnum], value, *args[argnum + 1:])
        vjp, ans = make_vjp(f_of_one, args[argnum])
        return vjp(1.0)

    return gradient


def random_function_case(rng):
    """``(f, argnum, point, text)``: a random traced function, an argument, a point."""
    variables = NAMES[:int(rng.integers(1, 4))]
    expr = random_smooth(rng, variables, size=int(rng.integers(2, 6)))
    f = make_function(expr, variables, lib="autograd")
    f.expr = expr
    argnum = int(rng.integers(len(variables)))
    point = tuple(round(float(rng.uniform(-1.5, 1.5)), 3) for _ in variables)
    where = ", ".join(f"{name} = {value:g}" for name, value in zip(variables, point))
    text = f"f({', '.join(variables)}) = {to_text(expr)}, argnum = {argnum}, at {where}"
    return f, argnum, point, text


def _grad_case(rng, index):
    f, argnum, point, text = random_function_case(rng)
    return Case(((f, argnum), point), text=text)


def _env(f, point):
    names = list(f.__signature__.parameters)
    return dict(zip(names, point)), names


def _grad_reference(case):
    (f, argnum), point = case.args
    env, names = _env(f, point)
    return derivative(f.expr, env, names[argnum])


GRAD = Exercise(
    id="l07-grad", lesson=LESSON, kind="function",
    title="grad from make_vjp",
    prompt=(
        "Put the pieces together: write `grad(f, argnum=0)` returning a function that takes "
        "the same (positional) arguments as `f` and returns the derivative of `f` with "
        "respect to argument number `argnum`.\n\n"
        "Use `make_vjp(fun, x)` from `tutor.autograd.core`: it traces `fun(x)` for one "
        "argument and returns `(vjp, ans)`, where `vjp(g)` pulls the output adjoint `g` back "
        "to `x`. Checked on random functions of one to three numbers, built with "
        "`tutor.autograd.numpy`."),
    hints=(
        "`make_vjp` wants a function of one argument: inside the returned function, define "
        "`f_of_one(value)` calling `f` with `value` at position `argnum` and the other "
        "arguments as given.",
        "The output is a single number, so its adjoint seed is 1.0: `vjp(1.0)`.",
        "The idea: reverse mode differentiates a function of one input, so freeze every other "
        "argument, trace the one at position `argnum`, and pull the seed 1.0 back to it.",
    ),
    solution=grad,
    spec=FunctionSpec("grad", "grad(f, argnum)(*args)", cases(25, _grad_case),
                      call=returns_function("grad(f, argnum)", "a function of f's arguments"),
                      reference=_grad_reference),
)


# ------------------------------------------------------------------ value_and_grad

def value_and_grad(f, argnum=0):
    from tutor.autograd.core import make_vjp

    def value_and_gradient(*args):
        def f_of_one(value):
            return f(*args[:argnum], value, *args[argnum + 1:])
        vjp, ans = make_vjp(f_of_one, args[argnum])
        return ans, vjp(1.0)

    return value_and_gradient


def _value_and_grad_reference(case):
    (f, argnum), point = case.args
    env, names = _env(f, point)
    return float(evaluate(f.expr, env)), derivative(f.expr, env, names[argnum])


VALUE_AND_GRAD = Exercise(
    id="l07-value-and-grad", lesson=LESSON, kind="function",
    title="value_and_grad: both from one trace",
    prompt=(
        "A training loop wants the loss *and* its gradient, and tracing once gives both. "
        "Write `value_and_grad(f, argnum=0)`, returning a function of `f`'s arguments that "
        "returns the tuple `(f(*args), derivative with respect to argument argnum)`, using "
        "a single call of `make_vjp` (from `tutor.autograd.core`)."),
    hints=(
        "Start from your `grad`.",
        "`make_vjp` already returns the value: `vjp, ans = make_vjp(...)`.",
        "One trace gives both: the forward pass already computed the value; the backward "
        "pass, seeded with 1.0, gives the derivative. Return them as a pair, value first.",
    ),
    solution=value_and_grad,
    spec=FunctionSpec("value_and_grad", "value_and_grad(f, argnum)(*args)",
                      cases(25, _grad_case),
                      call=returns_function("value_and_grad(f, argnum)",
                                            "a function of f's arguments"),
                      reference=_value_and_grad_reference),
)


# ---------------------------------------------------------- expression: a derivative

DERIVATIVE_EXPRESSION = Exercise(
    id="l07-expr-derivative", lesson=LESSON, kind="expression",
    title="Type a derivative",
    prompt="Type the partial derivative ∂f/∂x of a random function; it is compared with "
           "`grad` at random points.",
    hints=(
        "Differentiate term by term; terms without x give 0.",
        "Chain rule inside sin and exp: d/dx sin(a*x) = a*cos(a*x).",
    ),
    solution=drawn_answer, make_question=partial(derivative_question, "l07-expr-derivative"),
)

EXERCISES = [GRAD, VALUE_AND_GRAD, DERIVATIVE_EXPRESSION]
