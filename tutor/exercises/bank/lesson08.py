"""Lesson 8: arrays and broadcasting. VJPs of reductions and of matrix products.

A VJP's result always has the shape of its argument: the adjoint of ``x`` is shaped like
``x``, however the output was shaped.
"""

from functools import partial

import numpy as np

from ..model import Case, Exercise, FunctionSpec, Question, WrongAnswer, drawn_answer
from ..specs import cases, text_of, vjp_call
from .lesson05 import unbroadcast

LESSON = 8


# ------------------------------------------------------------------------- vjp_sum

def vjp_sum(ans, x, axis=None, keepdims=False):
    shape = np.shape(x)

    def vjp(g):
        if axis is not None and not keepdims:       # put the summed axes back, size 1
            axes = axis if isinstance(axis, tuple) else (axis,)
            for summed in sorted(a % len(shape) for a in axes):
                g = np.expand_dims(g, summed)
        return g * np.ones(shape)                   # copy along the summed axes
    return vjp


def _sum_case(rng, index):
    shape = tuple(int(size) for size in rng.integers(1, 5, size=int(rng.integers(1, 4))))
    x = np.round(rng.uniform(-2, 2, size=shape), 2)
    roll = rng.random()
    ndim = len(shape)
    if roll < 0.25:
        axis = None
    elif roll < 0.75 or ndim < 2:
        axis = int(rng.integers(-ndim, ndim))
    else:
        axis = tuple(int(a) for a in sorted(rng.choice(ndim, size=2, replace=False)))
    keepdims = bool(rng.random() < 0.4)
    ans = np.sum(x, axis=axis, keepdims=keepdims)
    g = np.round(rng.uniform(-2, 2, size=np.shape(ans)), 2)
    g = float(g) if np.ndim(g) == 0 else g
    return Case((ans, x, g), {"axis": axis, "keepdims": keepdims},
                text=f"x of shape {shape}, axis = {axis}, keepdims = {keepdims}, {text_of(g=g)}")


VJP_SUM = Exercise(
    id="l08-vjp-sum", lesson=LESSON, kind="function",
    title="The VJP of sum, with axis and keepdims",
    prompt=(
        "Write `vjp_sum(ans, x, axis=None, keepdims=False)` for `ans = np.sum(x, axis=axis, "
        "keepdims=keepdims)`: it returns a function of `g` (shaped like `ans`) giving the "
        "adjoint of `x` (shaped like `x`).\n\n"
        "Every element of `x` went into the sum with weight 1, so each receives the `g` of "
        "the sum it went into. `axis` is None (everything summed), an int (possibly "
        "negative), or a tuple of ints."),
    hints=(
        "Without keepdims the summed axes are gone from `g`; put them back with size 1 "
        "(`np.expand_dims`), in increasing order.",
        "Negative axes count from the end: `axis % x.ndim` gives the positive one.",
        "The idea: every element of x receives the g of the sum it went into, so g is "
        "copied back along the summed axes; numpy's broadcasting can do the copying.",
    ),
    solution=vjp_sum,
    spec=FunctionSpec("vjp_sum", "vjp_sum(ans, x, axis=..., keepdims=...)(g)",
                      cases(30, _sum_case),
                      call=vjp_call("vjp_sum", "ans, x, axis=..., keepdims=...")),
)


# ------------------------------------------------------------------- vjp_matmul_x

def vjp_matmul_x(ans, x, y):
    # unbroadcast is the solution of l05-unbroadcast
    return lambda g: unbroadcast(x, g @ np.swapaxes(y, -1, -2))


def _matmul_case(rng, index):
    batch = tuple(int(size) for size in rng.integers(2, 4, size=int(rng.integers(0, 3))))
    n, k, m = (int(size) for size in rng.integers(1, 5, size=3))

    def batch_of_one():
        drop = int(rng.integers(0, len(batch) + 1))
        return tuple(1 if rng.random() < 0.3 else size for size in batch[drop:])

    x = np.round(rng.uniform(-2, 2, size=batch_of_one() + (n, k)), 2)
    y = np.round(rng.uniform(-2, 2, size=batch_of_one() + (k, m)), 2)
    ans = x @ y
    g = np.round(rng.uniform(-2, 2, size=ans.shape), 2)
    return Case((ans, x, y, g), text=f"x of shape {x.shape}, y of shape {y.shape}, "
                                     f"{text_of(x=x, y=y, g=g)}")


def _matmul_call(answer, case):
    """The VJP maker called as usual; numpy's complaint about a batch gets a sentence."""
    try:
        return vjp_call("vjp_matmul_x", "ans, x, y")(answer, case)
    except ValueError as error:
        y = case.args[2]
        if np.ndim(y) <= 2 or "matmul" not in str(error):
            raise
        raise WrongAnswer("exception", f"your code raised ValueError: {error}. Here y has "
                                       f"batch axes, shape {np.shape(y)}: if you transposed "
                                       f"it with `.T`, that reverses every axis; only the "
                                       f"last two are the matrix.") from None


VJP_MATMUL_X = Exercise(
    id="l08-vjp-matmul-x", lesson=LESSON, kind="function",
    title="The VJP of x @ y with respect to x, batched",
    prompt=(
        "Write `vjp_matmul_x(ans, x, y)` for `ans = x @ y`, returning a function of `g` "
        "giving the adjoint of `x`.\n\n"
        "`x` has shape `(..., n, k)` and `y` shape `(..., k, m)`, with at least two "
        "dimensions each; the leading (batch) dimensions broadcast as in numpy, so `x` may "
        "be shared across a batch. Use your `unbroadcast` from lesson 5."),
    hints=(
        "Let the shapes guide you: `g` is (n, m), `y` is (k, m) and the answer must be "
        "shaped like `x`, (n, k). Which product of `g` and `y`, one of them transposed, "
        "has that shape?",
        "With batch dimensions only the last two axes are the matrices: transpose those "
        "alone (`np.swapaxes` swaps two axes).",
        "The idea: a batch of products is many products side by side, and an `x` shared "
        "across the batch receives the sum of its contributions, as in lesson 5.",
    ),
    solution=vjp_matmul_x,
    spec=FunctionSpec("vjp_matmul_x", "vjp_matmul_x(ans, x, y)(g)", cases(30, _matmul_case),
                      call=_matmul_call),
)


# -------------------------------------------------------- choice: unbroadcast axes

def _steps_text(steps):
    text = "g"
    for axis, keepdims in steps:
        text += ".sum()" if axis is None else \
            f".sum(axis={axis}{', keepdims=True' if keepdims else ''})"
    return text


def _apply_steps(steps, g):
    for axis, keepdims in steps:
        g = np.sum(g, axis=axis, keepdims=keepdims)
    return np.asarray(g)


def _unbroadcast_question(exercise_id, rng):
    ans_shape = tuple(int(size) for size in rng.integers(2, 5, size=int(rng.integers(2, 4))))
    while True:
        drop = int(rng.integers(0, len(ans_shape)))
        x_shape = tuple(1 if rng.random() < 0.4 else size for size in ans_shape[drop:])
        if drop or 1 in x_shape:
            break
    correct = [(0, False)] * drop + [(axis, True) for axis, size in enumerate(x_shape)
                                     if size == 1]
    g = rng.normal(size=ans_shape)
    target = _apply_steps(correct, g)
    wrong = {}
    for _ in range(200):
        count = int(rng.integers(1, 3))
        steps = [(None, False)] if rng.random() < 0.1 else \
            [(int(rng.integers(0, len(ans_shape))), bool(rng.random() < 0.5))
             for _ in range(count)]
        try:
            result = _apply_steps(steps, g)
        except ValueError:              # numpy.AxisError is a ValueError
            continue
        if result.shape != target.shape or not np.allclose(result, target):
            wrong[_steps_text(steps)] = _why_not(result, target, x_shape)
        if len(wrong) >= 3:
            break
    slips = tuple(list(wrong.items())[:3])
    options = [_steps_text(correct)] + list(wrong)[:3]
    options = tuple(options[int(i)] for i in rng.permutation(len(options)))
    text = (f"`ans = x + y` where `x` has shape `{x_shape}` and `ans` has shape `{ans_shape}`. "
            f"The adjoint `g` arrives with shape `{ans_shape}`. Which expression gives the "
            f"adjoint of `x` (shape `{x_shape}`)?")
    steps = []
    if drop:
        steps.append(f"sum away the {drop} leading ax{'is' if drop == 1 else 'es'} x lacks "
                     f"(axis=0{' each time' if drop > 1 else ''})")
    if 1 in x_shape:
        steps.append("sum with keepdims=True over the axes where x has size 1")
    why = f"Compare the shapes right-aligned: {', then '.join(steps)}."
    return Question(exercise_id, text, _steps_text(correct), options=options, explanation=why,
                    slips=slips)


def _why_not(result, target, x_shape):
    """What is wrong with a sum that does not undo the broadcast, in one sentence."""
    if result.shape != target.shape:
        if result.size == target.size and np.allclose(result.ravel(), target.ravel()):
            return (f"Its numbers are right, but its shape is {result.shape}, not x's "
                    f"{x_shape}: keepdims=True keeps the axes of size 1.")
        return f"It gives shape {result.shape}, but x's adjoint must have x's shape {x_shape}."
    return ("It has x's shape, but not the right numbers: it adds up entries along the "
            "wrong axes.")


UNBROADCAST_CHOICE = Exercise(
    id="l08-choice-unbroadcast", lesson=LESSON, kind="choice",
    title="Which sum undoes the broadcast?",
    prompt="Pick the expression that sums an adjoint back to the shape of a broadcast input.",
    hints=(
        "Compare the shapes right-aligned, as numpy does when it broadcasts.",
        "Leading axes that x does not have are summed away; axes where x has size 1 are "
        "summed with keepdims=True.",
    ),
    solution=drawn_answer,
    make_question=partial(_unbroadcast_question, "l08-choice-unbroadcast"),
)

EXERCISES = [VJP_SUM, VJP_MATMUL_X, UNBROADCAST_CHOICE]
