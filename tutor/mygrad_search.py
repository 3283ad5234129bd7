"""Where the learner's autograd parts from the reference: a function to show it on.

Lesson 7's capstone fails with a check's verdict; the comparison that comes with it needs a
function on which the learner's autograd, as it is, differs from ``tutor.autograd``. It is
looked for in this order: the very case the check failed on (drawn again from the check's
seed), functions that exercise each piece (:func:`examples`), then random functions of the
check's kind. Each is built from the learner's own primitives, and compared.
"""

import inspect

import numpy as np

from .exercises import checking
from .mygrad_compare import compare

__all__ = ["search", "failing_case", "examples"]


def _built(expr, names, lib):
    """A function of ``names`` computing the random expression ``expr`` with ``lib``'s
    ``sin``, ``exp`` ... (a namespace the runs can swap for their own)."""
    from .exercises.randfun import evaluate

    def f(*values):
        return evaluate(expr, dict(zip(names, values)), lib)

    f.__signature__ = inspect.Signature([inspect.Parameter(
        name, inspect.Parameter.POSITIONAL_OR_KEYWORD) for name in names])
    return f


def examples():
    """Expressions that exercise each piece, as ``(expression, names, point, argnum)``:
    ``vjp_sin`` and fan-out in ``sin(x) * x``, ``vjp_divide_y`` in ``x / y`` by ``y``, an
    order that matters in ``a + exp(a)`` with ``a = sin(x)``, and lesson 1's
    ``log(x**2) + y**2 + x*y``."""
    from .exercises.randfun import Apply as Op, Const, Var
    x, y = Var("x"), Var("y")
    a = Op("sin", x)
    return [(Op("mul", a, x), ("x",), (0.5,), 0),
            (Op("div", x, y), ("x", "y"), (1.5, 2.0), 1),
            (Op("add", a, Op("exp", a)), ("x",), (0.5,), 0),
            (Op("add", Op("add", Op("log", Op("pow", x, Const(2.0))),
                          Op("pow", y, Const(2.0))), Op("mul", x, y)), ("x", "y"), (1.0, 2.0), 0)]


def failing_case(seed, text):
    """The case of ``l07-grad``'s check drawn with ``seed`` whose text is ``text`` (the input a
    failing result names), as ``(expression, names, point, argnum)``; None if none is."""
    from .exercises import get
    for case in get("l07-grad").spec.cases(np.random.default_rng(seed)):
        if case.text == text:
            (f, argnum), point = case.args
            return f.expr, tuple(f.__signature__.parameters), point, argnum
    return None


def search(autograd, seed=0, tries=12, first=(), limit=checking.DEFAULT_TIME_LIMIT):
    """The first :class:`Comparison` in which ``autograd`` (a module from ``load()``) parts
    from the reference: on the cases ``first`` (a failing check's), then the
    :func:`examples`, then random functions of lesson 7's kind; None when it agrees on all."""
    from types import SimpleNamespace
    from .exercises.randfun import UNARY, random_smooth
    lib = SimpleNamespace(**{name: getattr(autograd, name) for name in UNARY if name != "neg"})
    rng = np.random.default_rng(seed)
    cases = [*first, *examples()]
    while len(cases) < tries:
        names = ("x", "y", "z")[:int(rng.integers(1, 4))]
        expr = random_smooth(rng, names, size=int(rng.integers(2, 6)))
        point = tuple(round(float(rng.uniform(-1.5, 1.5)), 3) for _ in names)
        cases.append((expr, names, point, int(rng.integers(len(names)))))
    for expr, names, point, argnum in cases:
        comparison = compare(_built(expr, names, lib), *point, argnum=argnum,
                             autograd=autograd, limit=limit)
        if not comparison.agree:
            return comparison
    return None
