"""Building blocks shared by the exercise definitions in :mod:`tutor.exercises.bank`.

Random inputs (numbers and arrays of random shapes), the text that names an input in
feedback, and the ways of calling a learner's answer that several exercises share (a VJP
maker is called twice: ``vjp_sin(ans, x)`` gives a function, which is then given ``g``).
"""

import types

import numpy as np

from .compare import compare_values, kind_of, summarize
from .model import Case, Mismatch, WrongAnswer


def random_shape(rng, max_dims=3, max_size=4):
    """``()`` (a plain float) about a third of the time, else 1-3 dimensions of size 1-4."""
    dims = int(rng.integers(0, max_dims + 1))
    return tuple(int(size) for size in rng.integers(1, max_size + 1, size=dims))


def random_value(rng, shape, low=-2.0, high=2.0):
    """A float for shape ``()``, else an array; values rounded to 2 decimals for readable
    feedback."""
    values = np.round(rng.uniform(low, high, size=shape), 2)
    return float(values) if shape == () else values


def away_from_zero(rng, shape, low=0.5, high=2.0):
    """Values with ``low <= |v| <= high`` (safe to divide by)."""
    magnitude = random_value(rng, shape, low, high)
    sign = rng.choice([-1.0, 1.0], size=shape)
    return float(magnitude * sign) if shape == () else magnitude * sign


def text_of(**named):
    """``x = 0.5, g = array([1., 2.])``: how feedback names an input."""
    return ", ".join(f"{name} = {summarize(value)}" for name, value in named.items())


def vjp_call(name, maker_args):
    """How VJP makers are called: ``maker(*args, **kwargs)`` -> a function, then ``(g)``.

    The case's ``args`` are the maker's arguments followed by ``g``; ``kwargs`` go to the
    maker. ``maker_args`` names the maker's arguments for messages (``"ans, x"``).
    """
    def call(answer, case):
        *args, g = case.args
        inner = answer(*args, **case.kwargs)
        if inner is None:
            raise WrongAnswer("none", f"`{name}({maker_args})` returned None. It should return "
                                      f"a function of g: `return lambda g: ...`")
        if not callable(inner):
            raise WrongAnswer("type", f"`{name}({maker_args})` should return a function of g "
                                      f"(`return lambda g: ...`), but returned {kind_of(inner)} "
                                      f"{summarize(inner)}")
        return inner(g)

    return call


def returns_function(name, described):
    """For higher-order answers such as ``grad(f)``: call, insist on a function, call that.

    The case's ``args`` are ``(outer_args, inner_args)``.
    """
    def call(answer, case):
        outer_args, inner_args = case.args
        inner = answer(*outer_args, **case.kwargs)
        if inner is None:
            raise WrongAnswer("none", f"`{name}` returned None; it should return {described}")
        if not callable(inner):
            raise WrongAnswer("type", f"`{name}` should return {described}, but returned "
                                      f"{kind_of(inner)}")
        return inner(*inner_args)

    return call


def listing(result):
    """A generator or other iterable answer as a list (for answers such as ``toposort``)."""
    if isinstance(result, (types.GeneratorType, map, filter)):
        return list(result)
    return result


def cases(count, make):
    """``rng -> [make(rng, i) for i in range(count)]``: the usual ``cases`` function."""
    def generate(rng):
        return [make(rng, index) for index in range(count)]

    return generate


def judge_with_mistakes(*mistakes, rtol=1e-6, atol=1e-8):
    """Compare values as usual; when a result is wrong, say which typical mistake it is.

    Each mistake is ``(wrong_answer, advice)``: ``wrong_answer`` is called with the case's
    arguments, and when the learner's result equals it, ``advice`` follows the usual message.
    """
    def judge(case, got, expected):
        mismatch = compare_values(expected, got, rtol, atol)
        if mismatch is None or mismatch.problem != "value":
            return mismatch
        with np.errstate(all="ignore"):
            for wrong_answer, advice in mistakes:
                if compare_values(wrong_answer(*case.args), got, rtol, atol) is None:
                    return Mismatch("value", f"{mismatch.message}. {advice}")
        return mismatch
    return judge


__all__ = ["Case", "random_shape", "random_value", "away_from_zero", "text_of", "vjp_call",
           "returns_function", "listing", "cases", "judge_with_mistakes"]
