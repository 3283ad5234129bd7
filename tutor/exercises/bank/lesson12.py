"""Lesson 12: which mode. Jacobians by columns or by rows, and Hessian-vector products.

For ``f: ℝⁿ → ℝᵐ`` forward mode gives one column ``J e_i`` of the Jacobian per pass, reverse
mode one row ``e_jᵀ J``. The learner builds the Jacobian both ways with the library's
``make_jvp`` and ``make_vjp``, then a Hessian-vector product as forward mode over reverse
(``make_jvp`` of ``grad``), without ever forming the Hessian. An answer that calls the library's
``jacobian`` or ``hessian`` (or the other mode) is told so: the point is to build them.
"""

import types
from functools import partial

import numpy as np

import tutor.autograd as autograd
import tutor.autograd.numpy as anp
from tutor.autograd import grad, make_jvp, make_vjp

from ..compare import compare_values
from ..model import Case, Exercise, FunctionSpec, Mismatch, Question, WrongAnswer, drawn_answer
from ..specs import cases, text_of

LESSON = 12


# ----------------------------------------------------------- random functions ℝⁿ → ℝᵐ

def _matrix(rng, rows, columns):
    return np.round(rng.uniform(-1.5, 1.5, size=(rows, columns)), 2)


def random_vector_function(rng):
    """``(f, text, n, m)``: a random smooth ``f: ℝⁿ → ℝᵐ`` written with tutor.autograd.numpy."""
    n, m = int(rng.integers(1, 5)), int(rng.integers(1, 5))
    A, B, b = _matrix(rng, m, n), _matrix(rng, m, n), np.round(rng.uniform(-1, 1, size=m), 2)
    kind = int(rng.integers(3))
    if kind == 0:
        def f(x):
            return anp.tanh(A @ x + b)
        text = f"f(x) = tanh(A @ x + b), {text_of(A=A, b=b)}"
    elif kind == 1:
        def f(x):
            return anp.sin(A @ x) * (B @ x)
        text = f"f(x) = sin(A @ x) * (B @ x), {text_of(A=A, B=B)}"
    else:
        def f(x):
            return A @ (x ** 2) + b * anp.sum(anp.exp(x / 2))
        text = f"f(x) = A @ (x ** 2) + b * sum(exp(x / 2)), {text_of(A=A, b=b)}"
    f.__name__ = "f"
    return f, text, n, m


def random_scalar_function(rng):
    """``(f, text, n)``: a random smooth ``f: ℝⁿ → ℝ`` (a loss) with tutor.autograd.numpy."""
    n = int(rng.integers(1, 6))
    A, c = _matrix(rng, n, n), round(float(rng.uniform(0.2, 1.5)), 2)
    kind = int(rng.integers(3))
    if kind == 0:
        def f(x):
            return anp.sum(anp.tanh(A @ x) ** 2)
        text = f"f(x) = sum(tanh(A @ x) ** 2), {text_of(A=A)}"
    elif kind == 1:
        def f(x):
            return anp.sum(anp.sin(x) * (A @ x)) + c * anp.sum(x ** 2) ** 2
        text = f"f(x) = sum(sin(x) * (A @ x)) + c * sum(x ** 2) ** 2, {text_of(A=A, c=c)}"
    else:
        def f(x):
            return anp.log(1.0 + anp.sum(anp.exp(A @ x)))
        text = f"f(x) = log(1 + sum(exp(A @ x))), {text_of(A=A)}"
    f.__name__ = "f"
    return f, text, n


def _point(rng, n):
    return np.round(rng.uniform(-1.2, 1.2, size=n), 2)


# ------------------------------------------------ answers that call what they should build

def names_used(function):
    """``(names, objects)``: every global, attribute or imported name ``function``'s code (and
    the code nested in it) refers to, and the objects its closure holds."""
    names, stack = set(), [getattr(function, "__code__", None)]
    while stack:
        code = stack.pop()
        if code is None:
            continue
        names.update(code.co_names)
        stack.extend(const for const in code.co_consts if isinstance(const, types.CodeType))
    cells = getattr(function, "__closure__", None) or ()
    objects = []
    for cell in cells:
        try:
            objects.append(cell.cell_contents)
        except ValueError:                   # a cell not filled yet
            pass
    return names, objects


def calls_library(answer, library_name, library_function):
    """Does ``answer`` call ``library_function``: under its name, an alias, or from its
    closure?"""
    scope = getattr(answer, "__globals__", {})
    names, objects = names_used(answer)
    return (any(scope.get(name) is library_function for name in names)
            or (library_name in names and library_name not in scope)
            or any(item is library_function for item in objects))


def refuse_library(answer, forbidden, what):
    """Raise :class:`WrongAnswer` if ``answer`` calls one of the library functions in
    ``forbidden`` (``{name: function}``): under its own name (imported, or as an attribute of
    the library), under another name it was imported as, or held in a closure."""
    scope = getattr(answer, "__globals__", {})
    names, objects = names_used(answer)
    for library_name, library_function in forbidden.items():
        aliases = [name for name in names if scope.get(name) is library_function]
        if library_name in names and library_name not in scope:
            aliases.append(library_name)             # tutor.autograd.jacobian, or imported inside
        if any(item is library_function for item in objects):
            aliases.append(library_name)
        if aliases:
            raise WrongAnswer("value", f"your function calls the library's `{library_name}` "
                                       f"(as `{aliases[0]}`); {what}")


FOR_FORWARD = {"jacobian": autograd.jacobian, "hessian": autograd.hessian,
               "make_vjp": autograd.make_vjp, "grad": autograd.grad}
FOR_REVERSE = {"jacobian": autograd.jacobian, "hessian": autograd.hessian,
               "make_jvp": autograd.make_jvp}
FOR_HVP = {"jacobian": autograd.jacobian, "hessian": autograd.hessian,
           "hessian_vector_product": autograd.hessian_vector_product,
           "make_hvp": autograd.make_hvp}


def _guarded_call(forbidden, what):
    """Call the answer, after refusing one that calls the library functions ``forbidden``."""
    def call(answer, case):
        refuse_library(answer, forbidden, what)
        return answer(*case.args)
    return call


class ReverseOverReverse:
    """An hvp's result from an answer that never calls ``make_jvp``: judged by its numbers
    first, then refused for its method."""

    def __init__(self, value):
        self.value = value


def _hvp_call(answer, case):
    got = _guarded_call(FOR_HVP, "push a tangent through grad(f) instead.")(answer, case)
    if got is None or calls_library(answer, "make_jvp", autograd.make_jvp):
        return got
    return ReverseOverReverse(got)


def _hvp_judge(case, got, expected):
    unforwarded = isinstance(got, ReverseOverReverse)
    mismatch = compare_values(expected, got.value if unforwarded else got, 1e-6, 1e-7)
    if mismatch is None and unforwarded:
        return Mismatch("value", FORWARD_OVER)
    return mismatch


# ---------------------------------------------------------------- jacobian_forward

def jacobian_forward(f, x):
    push_forward = make_jvp(f)(x)
    columns = [push_forward(unit)[1] for unit in np.eye(len(x))]
    return np.stack(columns, axis=1)            # column i: how f moves along input i


def _jacobian_case(rng, index):
    f, text, n, m = random_vector_function(rng)
    x = _point(rng, n)
    return Case((f, x), text=f"{text}, x = {x.tolist()} (n = {n}, m = {m})")


def _jacobian_reference(case):
    f, x = case.args
    return np.asarray(autograd.jacobian(f)(x))


def _jacobian_judge(case, got, expected):
    """Compare as usual, and recognise the transpose: columns stacked as rows."""
    mismatch = compare_values(expected, got)
    if mismatch is None or mismatch.problem not in ("shape", "value"):
        return mismatch
    transposed = np.shape(got) == np.shape(expected)[::-1] and \
        compare_values(expected.T, np.asarray(got)) is None
    if transposed:
        return Mismatch(mismatch.problem, f"{mismatch.message}. Your result is the "
                                          f"transpose of the Jacobian: row i must hold output "
                                          f"i, column j input j (np.stack puts its pieces "
                                          f"along axis 0 unless told otherwise)")
    rows, columns = np.shape(expected)
    if mismatch.problem == "shape" and np.shape(got) == (columns, columns) and rows != columns:
        made = f"{columns} row{'s' * (columns != 1)}"
        return Mismatch("shape", f"{mismatch.message}. You made {made}, one per input: "
                                 f"reverse mode pulls back one unit vector per output, and "
                                 f"each has f(x)'s shape ({rows} number{'s' * (rows != 1)}). "
                                 f"(make_vjp takes an "
                                 f"adjoint of the wrong shape without a word, so the shape is "
                                 f"yours to get right.)")
    return mismatch


JACOBIAN_FORWARD = Exercise(
    id="l12-jacobian-forward", lesson=LESSON, kind="function",
    title="The Jacobian by columns (forward mode)",
    prompt=(
        "Write `jacobian_forward(f, x)`: the m × n Jacobian of `f: ℝⁿ → ℝᵐ` at the vector "
        "`x`, built **column by column** with forward mode. `make_jvp(f)(x)` traces `f` once "
        "and returns `push_forward`; `push_forward(v)` is `(f(x), J v)`.\n\n"
        "`x` is a 1-D array of n numbers and `f(x)` a 1-D array of m numbers. Use `make_jvp` "
        "only (not the library's `jacobian`, nor reverse mode)."),
    hints=(
        "`J v` with `v` the i-th unit vector (a 1 at position i, 0 elsewhere) is column i of "
        "J; `np.eye(n)` holds all n unit vectors as its rows.",
        "Collect the n columns in a list; `np.stack` puts them side by side when told along "
        "which axis.",
        "The idea: forward mode answers 'how does every output move when input i moves?', "
        "which is one column; n inputs, n passes.",
    ),
    solution=jacobian_forward,
    spec=FunctionSpec("jacobian_forward", "jacobian_forward(f, x)", cases(20, _jacobian_case),
                      call=_guarded_call(FOR_FORWARD, "build the columns with make_jvp."),
                      judge=_jacobian_judge, reference=_jacobian_reference),
)


# ---------------------------------------------------------------- jacobian_reverse

def jacobian_reverse(f, x):
    pull_back, y = make_vjp(f)(x)
    rows = [pull_back(unit) for unit in np.eye(len(y))]
    return np.stack(rows, axis=0)               # row j: how output j depends on every input


def _jacobian_reverse_raise(case, exc):
    """The core refuses an output adjoint of the wrong shape: name the slip behind it."""
    if "output adjoint g has shape" not in str(exc):
        return None
    f, x = case.args
    m = int(np.size(f(x)))
    return (f"The vectors you pull back live in the *output* space: one unit vector per "
            f"output, m = {m} of them, not one per input (n = {len(x)}).")


JACOBIAN_REVERSE = Exercise(
    id="l12-jacobian-reverse", lesson=LESSON, kind="function",
    title="The Jacobian by rows (reverse mode)",
    prompt=(
        "Write `jacobian_reverse(f, x)`: the same m × n Jacobian, built **row by row** with "
        "reverse mode. `make_vjp(f)(x)` traces `f` once and returns `(pull_back, f(x))`; "
        "`pull_back(u)` is `uᵀ J`, shaped like `x`.\n\n"
        "Use `make_vjp` only (not the library's `jacobian`, nor forward mode)."),
    hints=(
        "`uᵀ J` with `u` the j-th unit vector of the *output* space is row j of J; the output "
        "has `len(f(x))` numbers.",
        "Collect the m rows in a list; `np.stack` puts them one under the other.",
        "The idea: reverse mode answers 'how does output j depend on every input?', which is "
        "one row; m outputs, m passes, after one traced forward pass.",
    ),
    solution=jacobian_reverse,
    spec=FunctionSpec("jacobian_reverse", "jacobian_reverse(f, x)", cases(20, _jacobian_case),
                      call=_guarded_call(FOR_REVERSE, "build the rows with make_vjp."),
                      judge=_jacobian_judge, reference=_jacobian_reference,
                      explain_raise=_jacobian_reverse_raise),
)


# ------------------------------------------------------------------------------ hvp

def hvp(f, x, v):
    return make_jvp(grad(f))(x)(v)[1]


FORWARD_OVER = ("the numbers are right, but your hvp never calls make_jvp, so it is not "
                "forward over reverse: differentiating grad(f) again in reverse mode (reverse "
                "over reverse) gives the same numbers at the price of a second tape. Push the "
                "tangent v through grad(f) with make_jvp.")


def _hvp_case(rng, index):
    f, text, n = random_scalar_function(rng)
    x, v = _point(rng, n), np.round(rng.uniform(-1, 1, size=n), 2)
    return Case((f, x, v), text=f"{text}, x = {x.tolist()}, v = {v.tolist()}")


def _hvp_reference(case):
    f, x, v = case.args
    return np.asarray(autograd.hessian(f)(x)) @ v


HVP = Exercise(
    id="l12-hvp", lesson=LESSON, kind="function",
    title="A Hessian-vector product without the Hessian",
    prompt=(
        "Write `hvp(f, x, v)`: the Hessian of the scalar function `f` at `x`, times the "
        "vector `v`, **without forming the Hessian**. The Hessian is the Jacobian of the "
        "gradient, so H v is the tangent of `grad(f)` when `x` moves along `v`.\n\n"
        "`x` and `v` are 1-D arrays of n numbers; return an array of n numbers. Use `grad` and "
        "`make_jvp` (not the library's `hessian`, `jacobian` or `hessian_vector_product`)."),
    hints=(
        "`grad(f)` is a function ℝⁿ → ℝⁿ like any other; what is its Jacobian?",
        "Forward mode pushes a tangent through a function and reports how its output moves: "
        "push `v` through the function whose Jacobian is H.",
        "The idea: forward mode over reverse mode. One forward pass with a tangent through "
        "the backward pass costs a few gradients, never n of them.",
    ),
    solution=hvp,
    spec=FunctionSpec("hvp", "hvp(f, x, v)", cases(20, _hvp_case),
                      call=_hvp_call, judge=_hvp_judge,
                      reference=_hvp_reference, rtol=1e-6, atol=1e-7),
)


# ------------------------------------------------------------- number: pass counts

def _shape_story(rng):
    """``(description, n, m)`` of a function a learner might meet."""
    n, m = (int(value) for value in rng.choice([1, 2, 3, 4, 5, 8, 10, 20, 100], size=2))
    stories = [
        (f"`f(x) = tanh(W @ x)` with `W` of shape ({m}, {n})", n, m),
        (f"a function of {n} numbers whose result is {m} numbers", n, m),
        (f"a loss of a model with n = {n * 100} parameters (one number out)", n * 100, 1),
        (f"a curve in space: one number in (the time), {3 * m} numbers out (positions of "
         f"{m} points)", 1, 3 * m),
    ]
    return stories[int(rng.integers(len(stories)))]


def pass_count_question(exercise_id, rng):
    """How many passes does a mode need for a whole Jacobian (or Hessian)?"""
    story, n, m = _shape_story(rng)
    variant = int(rng.integers(4))
    if variant == 3 and m != 1:
        variant = 2
    if variant == 0:
        ask, answer = "How many **forward-mode** passes give the whole Jacobian?", n
        why = (f"Forward mode gives one column per pass, and the Jacobian has n = {n} "
               f"columns (one per input number)")
    elif variant == 1:
        ask, answer = "How many **reverse-mode** (backward) passes give the whole Jacobian?", m
        why = (f"Reverse mode gives one row per backward pass, and the Jacobian has m = {m} "
               f"rows (one per output number)")
    elif variant == 2:
        ask, answer = ("Choosing the **cheaper** mode, how many passes give the whole "
                       "Jacobian?", min(n, m))
        why = (f"Forward mode needs n = {n} passes (columns), reverse mode m = {m} (rows); "
               f"the cheaper takes {min(n, m)}")
    else:
        ask, answer = ("Its full **Hessian** is built from Hessian-vector products (forward "
                       "over reverse). How many products are needed?", n)
        why = (f"Each product H v gives one column of the n × n Hessian when v is a unit "
               f"vector: {n} of them")
    text = f"Take {story}: n = {n} number{'s' * (n != 1)} in, m = {m} out.\n\n{ask}"
    slips = {0: ((m, "is the number of rows: reverse mode's count. Forward mode gives one "
                     "column per pass, one per input."),),
             1: ((n, "is the number of columns: forward mode's count. Reverse mode gives one "
                     "row per backward pass, one per output."),),
             2: ((max(n, m), "is the dearer mode's count."),),
             3: ((n * n, "is the number of entries of the Hessian; each product gives a "
                         "whole column of it."),)}[variant]
    return Question(exercise_id, text, float(answer), explanation=why + ".", slips=slips)


PASS_COUNT = Exercise(
    id="l12-number-passes", lesson=LESSON, kind="number",
    title="How many passes?",
    prompt="A function of n numbers to m numbers: count the passes a mode needs for its whole "
           "Jacobian (or Hessian).",
    hints=(
        "Forward mode: one pass per input number (a column each). Reverse mode: one backward "
        "pass per output number (a row each).",
        "A loss has one output; a curve has one input. A Hessian of n inputs has n columns.",
    ),
    solution=drawn_answer, make_question=partial(pass_count_question, "l12-number-passes"),
)

EXERCISES = [JACOBIAN_FORWARD, JACOBIAN_REVERSE, HVP, PASS_COUNT]
