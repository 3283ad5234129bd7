"""Lesson 14: where differentiation breaks, and how to fix it.

Branches (the gradient of the path taken), NaN gradients from ``where`` (the double-``where``
trick), overflow in ``log(sum(exp(x)))`` (a stable ``logsumexp``) and a VJP of one's own for
it, registered with ``defvjp``. The code exercises are checked where the naive answers break:
``x_log_x`` at zeros and negative numbers, ``logsumexp`` and its VJP on numbers near 1000.
"""

from functools import partial

import numpy as np

import tutor.autograd.numpy as tnp
from tutor.autograd import elementwise_grad

from tutor.notation import number_text

from ..compare import compare_values
from ..model import (Case, Exercise, FunctionSpec, Mismatch, Question, WrongAnswer,
                     drawn_answer)
from ..specs import cases, text_of, vjp_call

LESSON = 14


# ------------------------------------------------------------------------- x_log_x

def x_log_x(x):
    positive = x > 0
    safe_x = tnp.where(positive, x, 1.0)          # log never sees 0 or a negative number
    return tnp.where(positive, safe_x * tnp.log(safe_x), 0.0)


def _x_log_x_case(rng, index):
    size = int(rng.integers(2, 7))
    x = np.round(rng.uniform(-2.0, 3.0, size=size), 2)
    x[int(rng.integers(size))] = 0.0                           # always a zero
    if rng.random() < 0.7:
        x[int(rng.integers(size))] = -abs(x[int(rng.integers(size))]) - 0.5   # a negative
    return Case((x,), text=text_of(x=x))


def _x_log_x_call(answer, case):
    (x,) = case.args
    value = answer(x)
    if value is None:
        raise WrongAnswer("none", "`x_log_x(x)` returned None. Did you forget a `return` "
                                  "statement?")
    return value, elementwise_grad(answer)(x)


def _x_log_x_reference(case):
    (x,) = case.args
    positive = x > 0
    safe_x = np.where(positive, x, 1.0)
    return np.where(positive, x * np.log(safe_x), 0.0), np.where(positive, np.log(safe_x) + 1, 0.0)


def _x_log_x_judge(case, got, expected):
    (x,) = case.args
    if isinstance(got, tuple) and len(got) == 2 and got[0] is not None and got[1] is not None:
        value_ok = compare_values(expected[0], got[0]) is None
        gradient = np.asarray(got[1], dtype=float) if np.shape(got[1]) == np.shape(x) else None
        if value_ok and gradient is not None and np.isnan(gradient).any():
            where = float(x[np.isnan(gradient)][0])
            return Mismatch("nan", f"the values are right, but the gradient is NaN at x = "
                                   f"{number_text(where)}. np.where picks the branch for the "
                                   f"value, yet "
                                   f"both branches are differentiated, and the adjoint 0 that "
                                   f"reaches the unpicked one times an infinite or NaN local "
                                   f"derivative is NaN")
    mismatch = compare_values(expected, got)
    if mismatch is not None and "item [0]" in mismatch.message:
        return Mismatch(mismatch.problem, mismatch.message.replace("item [0]", "the value"))
    if mismatch is not None and "item [1]" in mismatch.message:
        return Mismatch(mismatch.problem, mismatch.message.replace("item [1]", "the gradient"))
    return mismatch


X_LOG_X = Exercise(
    id="l14-x-log-x", lesson=LESSON, kind="function",
    title="Find and fix a NaN gradient",
    prompt=(
        "Entropy-like losses use `x * log(x)`, taken to be 0 where `x <= 0`. Written as "
        "`tnp.where(x > 0, x * tnp.log(x), 0.0)` its values are right but its gradient is NaN "
        "wherever `x <= 0`. Write `x_log_x(x)` with the same values and a gradient that is "
        "`log(x) + 1` where `x > 0` and 0 elsewhere, never NaN.\n\n"
        "`x` is a 1-D array that always holds a 0, often a negative number too. Use "
        "`tutor.autograd.numpy` (`tnp`); the check takes `elementwise_grad` of your function."),
    hints=(
        "Find where the NaN comes from: for `x <= 0`, what does `tnp.log(x)` give, and what is "
        "its local derivative?",
        "The branch `where` does not pick still runs, and is still differentiated. Give it an "
        "input where log is harmless (say 1.0) at the places it will not be picked.",
        "The idea: the double-where trick. One where makes the dangerous input safe, a second "
        "where picks the branch; then no NaN or inf is ever made, not even in the branch that "
        "is thrown away.",
    ),
    solution=x_log_x,
    spec=FunctionSpec("x_log_x", "x_log_x(x)", cases(25, _x_log_x_case), call=_x_log_x_call,
                      judge=_x_log_x_judge, reference=_x_log_x_reference),
)


# ------------------------------------------------------------------------ logsumexp

def logsumexp(x):
    biggest = np.max(x)
    return biggest + np.log(np.sum(np.exp(x - biggest)))   # exp never sees more than 0


def _large_vector(rng):
    """Numbers near 0, ±720, ±800 or ±1000; a third of the time spread over [-1000, 1000],
    so that no shift but the largest entry keeps every exp finite."""
    size = int(rng.integers(1, 7))
    if size > 1 and rng.random() < 0.35:
        x = rng.uniform(-1000.0, 1000.0, size=size)
        x[0], x[1] = 1000.0, -1000.0
        return np.round(rng.permutation(x), 2)
    offset = float(rng.choice([0.0, 800.0, 1000.0, -1000.0, 720.0]))
    return np.round(offset + rng.uniform(-5.0, 5.0, size=size), 2)


def _logsumexp_case(rng, index):
    x = _large_vector(rng)
    return Case((x,), text=text_of(x=x))


def _logsumexp_reference(case):
    (x,) = case.args
    return float(np.logaddexp.reduce(x))


def _logsumexp_judge(case, got, expected):
    """Compare as usual; a result of inf or −inf is an exp that overflowed or underflowed,
    and the message says which, whatever the code did to get there."""
    mismatch = compare_values(expected, got, rtol=1e-9, atol=1e-9)
    if mismatch is None or mismatch.problem != "value" or not np.isinf(np.real(got)):
        return mismatch
    why = ("An exp overflowed (exp is inf past about 709)" if got > 0 else
           "Every exp underflowed to 0, and log(0) is −inf")
    return Mismatch("value", f"{mismatch.message}. {why}: take a number m out of the sum so "
                             f"that every exp(xᵢ − m) is at most 1 and one of them is 1.")


LOGSUMEXP = Exercise(
    id="l14-logsumexp", lesson=LESSON, kind="function",
    title="A logsumexp that does not overflow",
    prompt=(
        "Write `logsumexp(x)` = log(Σᵢ exp(xᵢ)) for a 1-D numpy array `x`, returning a number. "
        "The formula as written overflows: `np.exp(1000.0)` is inf. Yours must be right for "
        "numbers near 1000 and near −1000 too (plain numpy is fine here)."),
    hints=(
        "Take any number m out of the sum: log(Σ exp(xᵢ)) = m + log(Σ exp(xᵢ − m)).",
        "Which m makes every exp(xᵢ − m) at most 1, with at least one of them exactly 1?",
        "The idea: shift by the largest entry. Nothing can overflow any more, and the biggest "
        "term of the sum is 1, so the log never sees 0 either.",
    ),
    solution=logsumexp,
    spec=FunctionSpec("logsumexp", "logsumexp(x)", cases(30, _logsumexp_case),
                      reference=_logsumexp_reference, rtol=1e-9, atol=1e-9,
                      judge=_logsumexp_judge),
)


# --------------------------------------------------------------------- its own VJP

def vjp_logsumexp(ans, x):
    return lambda g: g * np.exp(x - ans)                 # the softmax of x, times g


def _vjp_case(rng, index):
    x = _large_vector(rng)
    ans = float(np.logaddexp.reduce(x))
    g = round(float(rng.uniform(-2.0, 2.0)), 2)
    return Case((ans, x, g), text=text_of(x=x, ans=ans, g=g))


def _vjp_reference(case):
    ans, x, g = case.args
    shifted = np.exp(x - np.max(x))
    return g * shifted / np.sum(shifted)


VJP_LOGSUMEXP = Exercise(
    id="l14-vjp-logsumexp", lesson=LESSON, kind="function",
    title="logsumexp's own VJP",
    prompt=(
        "Write the VJP maker of `logsumexp`: `vjp_logsumexp(ans, x)` receives the output "
        "`ans = logsumexp(x)` (a number) and the 1-D array `x`, and returns a function of the "
        "incoming adjoint `g` (a number) giving the contribution to `x`'s adjoint, an array "
        "shaped like `x`.\n\n"
        "Checked on numbers near ±1000, where the textbook `exp(x) / sum(exp(x))` is inf / inf."),
    hints=(
        "∂/∂xᵢ log(Σⱼ exp(xⱼ)) = exp(xᵢ) / Σⱼ exp(xⱼ): the softmax of x.",
        "The denominator Σⱼ exp(xⱼ) is exp(ans). Dividing by it is subtracting ans inside the "
        "exponent.",
        "The idea: reuse the forward pass. The output already holds the hard part of the "
        "derivative, and using it leaves nothing to overflow.",
    ),
    solution=vjp_logsumexp,
    spec=FunctionSpec("vjp_logsumexp", "vjp_logsumexp(ans, x)(g)", cases(30, _vjp_case),
                      call=vjp_call("vjp_logsumexp", "ans, x"), reference=_vjp_reference,
                      rtol=1e-7, atol=1e-10),
)


# ------------------------------------------------------- number: the branch taken

def branch_question(exercise_id, rng):
    """The gradient of a function with an ``if`` is the gradient of the branch taken."""
    a, b = (int(value) for value in rng.choice([-3, -2, -1, 2, 3, 4], size=2))
    c = int(rng.integers(-1, 2))
    x0 = int(rng.choice([value for value in range(-3, 4) if value != c]))
    code = (f"```python\ndef f(x):\n    if x > {c}:\n        return {a} * x ** 2\n"
            f"    return {b} * x\n```")
    if x0 > c:
        answer, other = 2 * a * x0, b
        why = (f"At x = {x0} the test x > {c} is true, so the trace is {a} * x ** 2 and the "
               f"gradient is 2 · {a} · {x0} = {answer}.")
    else:
        answer, other = b, 2 * a * x0
        why = (f"At x = {x0} the test x > {c} is false, so the trace is {b} * x and the "
               f"gradient is {b}.")
    text = f"{code}\n\nWhat does `grad(f)({x0}.0)` return?"
    slips = ((float(other), f"is the derivative of the branch that does not run at x = "
                            f"{x0}: only the branch taken is traced."),
             (float(a * x0 ** 2 if x0 > c else b * x0), "is the value f returns, not its "
                                                       "derivative."))
    return Question(exercise_id, text, float(answer), explanation=why, slips=slips)


BRANCH = Exercise(
    id="l14-number-branch", lesson=LESSON, kind="number",
    title="The gradient of the branch taken",
    prompt="A function with an `if` on its input: predict what `grad` returns at a point.",
    hints=(
        "The tracer runs the Python code as it is: only one branch runs, and only that one is "
        "recorded.",
        "Decide which branch runs at this x, then differentiate that branch alone.",
    ),
    solution=drawn_answer, make_question=partial(branch_question, "l14-number-branch"),
)

EXERCISES = [BRANCH, X_LOG_X, LOGSUMEXP, VJP_LOGSUMEXP]
