"""Lesson 5: making VJPs, one per primitive and argument; unbroadcasting.

VJPs are written in the curried HIPS form: ``vjp_sin(ans, x)`` is called after the forward
pass with the output ``ans`` and the input ``x``, and returns the function ``g -> g·cos(x)``
that the backward pass applies to the incoming adjoint ``g``.
"""

from functools import partial

import numpy as np

from ..compare import compare_values
from ..model import Case, Exercise, FunctionSpec, Mismatch, drawn_answer
from ..practice import vjp_formula_question
from ..specs import (away_from_zero, cases, judge_with_mistakes, random_shape, random_value,
                     text_of, vjp_call)

LESSON = 5


# ------------------------------------------------------------------------- vjp_sin

def vjp_sin(ans, x):
    return lambda g: g * np.cos(x)


def _sin_case(rng, index):
    shape = random_shape(rng)
    x = random_value(rng, shape, -3.0, 3.0)
    ans = np.sin(x)
    g = random_value(rng, shape)
    return Case((ans, x, g), text=text_of(x=x, ans=ans, g=g))


VJP_SIN = Exercise(
    id="l05-vjp-sin", lesson=LESSON, kind="function",
    title="The VJP of sin",
    prompt=(
        "Write the VJP maker of `sin` in the curried form: `vjp_sin(ans, x)` receives the "
        "output `ans = sin(x)` and the input `x` and returns a function of the incoming "
        "adjoint `g` giving the contribution to `x`'s adjoint:\n\n"
        "```python\ndef vjp_sin(ans, x):\n    return lambda g: ...\n```\n\n"
        "`x` and `g` are numbers or arrays of the same shape; work elementwise."),
    hints=(
        "The chain rule: the contribution is `g` times the derivative of sin at `x`.",
        "The derivative of sin is cos; use `np.cos` so that arrays work too.",
        "A VJP maker returns a function: the outer call receives the forward values, the "
        "inner function receives `g` and scales it by the local derivative.",
    ),
    solution=vjp_sin,
    spec=FunctionSpec("vjp_sin", "vjp_sin(ans, x)(g)", cases(30, _sin_case),
                      call=vjp_call("vjp_sin", "ans, x"), judge=judge_with_mistakes(
        (lambda ans, x, g: g * np.sin(x),
         "That is g · sin(x): sin itself, not its slope. The contribution is g times the "
         "derivative of sin at x."),
        (lambda ans, x, g: np.cos(x),
         "That is the slope alone: g is missing. The contribution scales the incoming "
         "adjoint g by the slope."),
        (lambda ans, x, g: -g * np.sin(x),
         "That is g times −sin(x), the derivative of cos; this is the VJP of sin."),
        (lambda ans, x, g: g * np.cos(ans),
         "The slope was taken at ans = sin(x); it belongs at the input x."))),
)


# ------------------------------------------------------------------ vjp_divide_y

def vjp_divide_y(ans, x, y):
    return lambda g: -g * x / y ** 2


def _divide_case(rng, index):
    shape = random_shape(rng)
    x = random_value(rng, shape)
    y = away_from_zero(rng, shape)
    ans = x / y
    g = random_value(rng, shape)
    return Case((ans, x, y, g), text=text_of(x=x, y=y, ans=ans, g=g))


VJP_DIVIDE_Y = Exercise(
    id="l05-vjp-divide-y", lesson=LESSON, kind="function",
    title="The VJP of x / y with respect to y",
    prompt=(
        "`ans = x / y` has two arguments, so it has two VJPs. Write the one for the "
        "**second** argument: `vjp_divide_y(ans, x, y)` returns a function of `g` giving the "
        "contribution to `y`'s adjoint.\n\n"
        "`x`, `y` and `g` are numbers or arrays of the same shape; `y` is never 0."),
    hints=(
        "Hold x fixed and write x / y as x times `y**-1`: the power rule gives the "
        "derivative with respect to y.",
        "That derivative is negative when x and y have the same sign; the contribution is "
        "the incoming adjoint times it.",
        "The idea: a VJP maker returns a function of `g` that scales `g` by the local "
        "derivative, here with respect to the second argument, the first held still.",
    ),
    solution=vjp_divide_y,
    spec=FunctionSpec("vjp_divide_y", "vjp_divide_y(ans, x, y)(g)", cases(30, _divide_case),
                      call=vjp_call("vjp_divide_y", "ans, x, y"), judge=judge_with_mistakes(
        (lambda ans, x, y, g: g * x / y ** 2,
         "The sign is flipped: x / y falls as y grows (when x and y have the same sign), so "
         "the derivative by y is negative."),
        (lambda ans, x, y, g: -g / y ** 2,
         "x is missing: y ** -1 is multiplied by x, so its derivative is too."),
        (lambda ans, x, y, g: -g * x / y,
         "The power rule on y ** -1 lowers the power by one: y appears squared."),
        (lambda ans, x, y, g: g / y,
         "That is the contribution to x (the first argument). This VJP is for y, with x "
         "held still."))),
)


# -------------------------------------------------------------------- unbroadcast

def unbroadcast(target, g):
    target_shape = np.shape(target)
    while np.ndim(g) > len(target_shape):           # axes numpy added in front
        g = np.sum(g, axis=0)
    for axis, size in enumerate(target_shape):      # axes of size 1 that numpy stretched
        if size == 1:
            g = np.sum(g, axis=axis, keepdims=True)
    return g


def _unbroadcast_case(rng, index):
    target_shape = random_shape(rng)
    if target_shape and rng.random() < 0.6:         # some axes of size 1
        target_shape = tuple(1 if rng.random() < 0.5 else size for size in target_shape)
    g_shape = tuple(int(size) if size != 1 or rng.random() < 0.3 else int(rng.integers(2, 4))
                    for size in target_shape)
    leading = tuple(int(size) for size in rng.integers(1, 4, size=int(rng.integers(0, 3))))
    g_shape = leading + g_shape                     # axes numpy adds in front
    target = random_value(rng, target_shape)
    g = np.round(rng.uniform(-2, 2, size=g_shape), 2)
    return Case((target, g), text=f"target of shape {np.shape(target)}, g of shape {g.shape}: "
                                  f"{text_of(g=g)}")


def _unbroadcast_judge(case, got, expected):
    """Compare as usual; a wrong shape says which kind of broadcast axis was left out."""
    mismatch = compare_values(expected, got)
    if mismatch is None or mismatch.problem != "shape":
        return mismatch
    target, g = case.args
    wanted, shape = np.shape(target), np.shape(got)
    if len(shape) > len(wanted):
        advice = "numpy added axes in front of target's: sum those away."
    elif len(shape) < len(wanted):
        advice = "an axis target has was summed away: keepdims=True keeps it, with size 1."
    else:
        advice = ("where target has size 1, g may be longer (numpy stretched that axis): "
                  "sum it too, keeping it (keepdims=True).")
    return Mismatch("shape", f"{mismatch.message}; {advice}")


UNBROADCAST = Exercise(
    id="l05-unbroadcast", lesson=LESSON, kind="function",
    title="Unbroadcast an adjoint",
    prompt=(
        "When numpy broadcasts `x + y` (say `x` of shape `(3, 1)` and `y` of shape `(4,)`), "
        "the adjoint `g` has the output's shape `(3, 4)`, bigger than `x`. Every element of "
        "`x` was used several times, so its adjoint is the **sum** of `g` over the copies.\n\n"
        "Write `unbroadcast(target, g)`: sum `g` down to the shape of `target` (a number or "
        "array; a number has shape `()`). Sum away the leading axes that `target` lacks, and "
        "sum with `keepdims=True` over the axes where `target` has size 1."),
    hints=(
        "`np.shape` works for numbers too: a number's shape is `()`.",
        "Broadcasting copies `target` in two ways: along axes added in front (which "
        "`target` lacks) and along its axes of size 1. Each copy received its own part of "
        "`g`.",
        "The idea: an element used k times gets the sum of its k contributions. `np.sum` "
        "sums along an `axis`; `keepdims=True` keeps that axis with size 1.",
    ),
    solution=unbroadcast,
    spec=FunctionSpec("unbroadcast", "unbroadcast(target, g)", cases(30, _unbroadcast_case),
                      judge=_unbroadcast_judge),
)


# --------------------------------------------------------------- choice: a formula

VJP_FORMULA_CHOICE = Exercise(
    id="l05-choice-vjp-formula", lesson=LESSON, kind="choice",
    title="Which formula is this VJP?",
    prompt="Pick the VJP formula of a primitive with respect to one of its arguments.",
    hints=(
        "The VJP is `g` times the partial derivative of the output with respect to that "
        "argument.",
        "Differentiate with respect to the named argument only; the other one is a constant.",
    ),
    solution=drawn_answer, make_question=partial(vjp_formula_question, "l05-choice-vjp-formula"),
)

EXERCISES = [VJP_SIN, VJP_DIVIDE_Y, UNBROADCAST, VJP_FORMULA_CHOICE]
