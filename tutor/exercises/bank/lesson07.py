"""Lesson 7: putting ``grad`` together, and checking it against finite differences.

The learner's ``grad`` is tried on random functions. When it sits beside the learner's own
autograd (the notebook's ``sin``, ``exp``, ... and ``Box``, or a module from
:func:`tutor.mygrad.load`), the functions are built from *those* primitives: the whole
autograd is checked end to end, and a wrong answer names the piece that fails its own
check. Otherwise they are built with ``tutor.autograd.numpy`` (and its ``make_vjp``). The
expected derivatives come from forward-mode dual numbers (:mod:`..randfun`), which share no
code with the reverse mode being built.
"""

import inspect
import types
from functools import partial
from types import SimpleNamespace

from tutor.autograd import grad as library_grad
from tutor.autograd import value_and_grad as library_value_and_grad
from tutor.autograd.core import make_vjp

from tutor.notation import number_text

from ..checking import check_answer, is_reference
from ..compare import compare_values
from ..limits import describe_exception
from ..model import Case, Exercise, FunctionSpec, Mismatch, WrongAnswer, drawn_answer
from ..practice import derivative_question
from ..randfun import UNARY, derivative, evaluate, make_function, random_smooth, to_text
from ..specs import cases, returns_function

LESSON = 7
NAMES = ("x", "y", "z")


# ---------------------------------------------------------------------------- grad

def grad(f, argnum=0):
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
    where = ", ".join(f"{name} = {number_text(value)}" for name, value in zip(variables, point))
    text = f"f({', '.join(variables)}) = {to_text(expr)}, argnum = {argnum}, at {where}"
    return f, argnum, point, text


def _grad_case(rng, index):
    f, argnum, point, text = random_function_case(rng)
    return Case(((f, argnum), point), text=text)


def _env(f, point):
    names = list(f.__signature__.parameters)
    return dict(zip(names, point)), names


# The pieces of a learner's autograd that grad joins, each with the exercise that checks it.
PIECES = (("primitive", "l04-primitive"), ("vjp_sin", "l05-vjp-sin"),
          ("vjp_divide_y", "l05-vjp-divide-y"), ("unbroadcast", "l05-unbroadcast"),
          ("toposort", "l06-toposort"), ("backward_pass", "l06-backward-pass"))


def primitives_beside(answer):
    """The learner's primitives defined beside ``answer`` (in its module or notebook), as a
    namespace randfun can build functions from; None when there are none."""
    found = getattr(answer, "__globals__", {})
    names = [op for op in UNARY if op != "neg"]
    box = found.get("Box")
    if not inspect.isclass(box) or box.__module__.startswith("tutor.autograd") or \
            not all(callable(found.get(name)) for name in names):
        return None
    return SimpleNamespace(**{name: found[name] for name in names})


def built_beside(answer, f, name="grad"):
    """The random function ``f`` (it carries its ``expr``) rebuilt from the primitives beside
    ``answer``, or ``f`` itself when there are none. Either way a call with the wrong number
    of arguments is answered in words: the traced value must *replace* one argument."""
    lib = primitives_beside(answer)
    names = tuple(f.__signature__.parameters)

    def built(*args):
        if len(args) != len(names):
            raise WrongAnswer("value", f"your {name} called f with {len(args)} argument"
                                       f"{'s' * (len(args) != 1)}, but f takes {len(names)} "
                                       f"({', '.join(names)}): the traced value must take the "
                                       f"place of argument number argnum, not be added beside "
                                       f"the others.")
        if lib is None:
            return f(*args)
        return evaluate(f.expr, dict(zip(names, args)), lib)

    built.__signature__, built.expr, built.__name__ = f.__signature__, f.expr, "f"
    return built


def as_its_exercise_sees_it(piece):
    """``piece`` re-made to look its names up where its own exercise's Nodes and Boxes are
    lesson 3's (:mod:`..kit`): after ``load``, a notebook's ``Box`` is the course's, so the
    learner's ``primitive`` would not recognise the Boxes its check hands it."""
    from .. import kit
    namespace = dict(getattr(piece, "__globals__", {}))
    namespace.update(Box=kit.Box, Node=kit.Node)
    return types.FunctionType(piece.__code__, namespace, piece.__name__, piece.__defaults__,
                              piece.__closure__)


def which_piece_fails(answer, name="grad"):
    """A sentence naming the learner's pieces (beside ``answer``) that fail their checks,
    each checked the way its own exercise checks it."""
    from ..catalog import get
    found = getattr(answer, "__globals__", {})
    failing = []
    for piece_name, exercise_id in PIECES:
        piece = found.get(piece_name)
        if isinstance(piece, types.FunctionType) and not is_reference(get(exercise_id), piece):
            result = check_answer(get(exercise_id), as_its_exercise_sees_it(piece), limit=1.0)
            if not result.passed:
                failing.append(f"your {piece_name} ({exercise_id}): {result.message}")
    if not failing:
        return (f"Each piece beside your {name} passes its own check, so look at how {name} "
                f"joins them: the argument it traces and the seed 1.0 it pulls back.")
    return "The piece to fix first: " + "\n".join(failing)


def pair_in_wrong_order(expected, got):
    """For ``value_and_grad``: the sentence for a pair given as (derivative, value)."""
    if isinstance(expected, tuple) and isinstance(got, tuple) and len(got) == 2 and \
            compare_values(expected, got) is not None and \
            compare_values((expected[1], expected[0]), got) is None:
        return ("your pair is (derivative, value); value_and_grad returns the value first, "
                "then the derivative.")
    return None


def _grad_call(name):
    """Call ``grad`` on a random function built from the learner's own primitives when they
    are beside it; name the failing piece when the result is wrong."""
    plain = returns_function(f"{name}(f, argnum)", "a function of f's arguments")

    def call(answer, case):
        (f, argnum), point = case.args
        if answer in (library_grad, library_value_and_grad):
            raise WrongAnswer("value", f"that is tutor.autograd's own {answer.__name__}; "
                                       f"write yours, on make_vjp.")
        names = tuple(f.__signature__.parameters)
        built = built_beside(answer, f, name)
        if primitives_beside(answer) is None:
            return plain(answer, Case(((built, argnum), point), case.kwargs, case.text))
        try:
            got = plain(answer, Case(((built, argnum), point), case.kwargs, case.text))
        except WrongAnswer:
            raise
        except NotImplementedError as error:
            if type(error) is NotImplementedError:      # a stub: "not done yet", as anywhere
                raise
            raise WrongAnswer("exception", f"your autograd raised "
                                           f"{describe_exception(error)}\n"
                                           f"{which_piece_fails(answer, name)}") from None
        except Exception as error:            # noqa: BLE001 (the learner's bug, explained)
            raise WrongAnswer("exception", f"your autograd raised "
                                           f"{describe_exception(error)}\n"
                                           f"{which_piece_fails(answer, name)}") from None
        expected = _grad_reference(case)
        if isinstance(got, tuple) and len(got) == 2:        # value_and_grad
            expected = (float(evaluate(f.expr, dict(zip(names, point)))), expected)
        mismatch = compare_values(expected, got)
        if mismatch is not None and mismatch.problem == "value":
            swapped = pair_in_wrong_order(expected, got)
            if swapped:
                raise WrongAnswer("value", f"{mismatch.message}: {swapped}")
            raise WrongAnswer("value", f"{mismatch.message}\n{which_piece_fails(answer, name)}")
        return got

    return call


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
        "Use `make_vjp(fun, x)`: it traces `fun(x)` for one argument and returns "
        "`(vjp, ans)`, where `vjp(g)` pulls the output adjoint `g` back to `x` with your "
        "`backward_pass`. Checked on random functions of one to three numbers built from "
        "the primitives beside your `grad` (your autograd's `sin`, `exp`, `*`, ...), so the "
        "whole of your autograd is checked at once; a wrong result names the piece that "
        "fails its own check."),
    hints=(
        "`make_vjp` traces a function of one argument: make one that calls `f` with its "
        "argument in position `argnum` and the other arguments as they were given.",
        "The output is a single number, and its adjoint is ∂f/∂f = 1: that is the seed to "
        "pull back.",
        "The idea: reverse mode differentiates a function of one input, so freeze every other "
        "argument, trace the one at position `argnum`, and pull the seed 1.0 back to it.",
    ),
    solution=grad,
    spec=FunctionSpec("grad", "grad(f, argnum)(*args)", cases(25, _grad_case),
                      call=_grad_call("grad"), reference=_grad_reference),
)


# ------------------------------------------------------------------ value_and_grad

def value_and_grad(f, argnum=0):
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


def _value_and_grad_judge(case, got, expected):
    mismatch = compare_values(expected, got)
    swapped = pair_in_wrong_order(expected, got)
    if swapped:
        return Mismatch("value", f"{mismatch.message}: {swapped}")
    return mismatch


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
        "`make_vjp` already returns the value it computed, beside the function that pulls "
        "adjoints back.",
        "One trace gives both: the forward pass already computed the value; the backward "
        "pass, seeded with 1.0, gives the derivative. Return them as a pair, value first.",
    ),
    solution=value_and_grad,
    spec=FunctionSpec("value_and_grad", "value_and_grad(f, argnum)(*args)",
                      cases(25, _grad_case),
                      call=_grad_call("value_and_grad"), judge=_value_and_grad_judge,
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
        "Chain rule inside sin and exp: `d/dx sin(a*x) = a*cos(a*x)`.",
    ),
    solution=drawn_answer, make_question=partial(derivative_question, "l07-expr-derivative"),
)

EXERCISES = [GRAD, VALUE_AND_GRAD, DERIVATIVE_EXPRESSION]
