"""Checking derivatives against finite differences.

The test every VJP must pass: pick a random direction ``v`` in input space and a random
``u`` in output space. The chain rule says ``u · (J v) == (uᵀ J) · v``. The left side we get
numerically, from ``f(x + εv) − f(x − εv)``; the right side is our VJP applied to ``u``, dotted
with ``v``. If they agree for random ``u`` and ``v``, the VJP is right.

``order=2`` checks the VJP of the VJP the same way, which is what ``grad(grad(f))`` relies on.
"""

import itertools

import numpy as _np

from .core import make_vjp as _make_vjp
from .tracer import getval
from .wrap_util import unary_to_nary

__all__ = ["check_grads", "check_vjp", "combo_check", "check_equivalent", "scalar_close"]

EPS = 1e-6
RTOL = 1e-5
ATOL = 1e-6


def scalar_close(a, b, rtol=RTOL, atol=ATOL):
    """Are two numbers equal up to a relative and an absolute tolerance?"""
    return abs(a - b) <= atol + rtol * max(abs(a), abs(b))


def _parts(x):
    return x if isinstance(x, tuple) else (x,)


def _inner(a, b):
    """Real inner product of two values of the same space (tuples: summed over the parts)."""
    return sum(float(_np.real(_np.sum(_np.conj(getval(p)) * getval(q))))
               for p, q in zip(_parts(a), _parts(b)))


def _random_like(x, rng):
    parts = tuple(rng.standard_normal(_np.shape(getval(p))) if _np.ndim(getval(p))
                  else float(rng.standard_normal()) for p in _parts(x))
    return parts if isinstance(x, tuple) else parts[0]


def _step(x, v, scale):
    parts = tuple(getval(p) + scale * q for p, q in zip(_parts(x), _parts(v)))
    return parts if isinstance(x, tuple) else parts[0]


def check_equivalent(x, y):
    """Assert that ``x`` and ``y`` have the same shape and (nearly) the same values."""
    x, y = getval(x), getval(y)
    assert _np.shape(x) == _np.shape(y), f"shapes differ: {_np.shape(x)} vs {_np.shape(y)}"
    assert _np.allclose(x, y, rtol=RTOL, atol=ATOL, equal_nan=True), \
        f"values differ:\n{x}\nvs\n{y}"


def check_vjp(f, x, rng=None):
    """Check ``make_vjp(f)`` at ``x`` against central finite differences, once."""
    rng = rng or _np.random.default_rng(0)
    vjp, y = _make_vjp(f, x)
    v = _random_like(x, rng)            # a direction in input space
    u = _random_like(y, rng)            # a direction in output space
    exact = _inner(vjp(u), v)           # (uᵀ J) · v
    numeric = _inner(u, (_np.asarray(getval(f(_step(x, v, EPS)))) -
                         _np.asarray(getval(f(_step(x, v, -EPS))))) / (2 * EPS))  # u · (J v)
    name = getattr(f, "__name__", "f")
    assert scalar_close(numeric, exact), (
        f"VJP of {name} is wrong: finite differences give u·(Jv) = {numeric:.8g}, "
        f"the VJP gives (uᵀJ)·v = {exact:.8g}")


@unary_to_nary
def check_grads(f, x, modes=("fwd", "rev"), order=2):
    """Check the derivatives of ``f`` at ``x`` against finite differences, up to ``order``.

    ``check_grads(f, argnum=0, modes=["rev"], order=2)(*args)``. Forward mode is not
    implemented in tutor.autograd, so ``"fwd"`` in ``modes`` is accepted and skipped: with the
    default modes only reverse mode is checked. ``order=2`` also checks the VJP of the VJP,
    ``order=3`` the one after that, and so on.
    """
    modes = tuple(modes)
    unknown = set(modes) - {"fwd", "rev"}
    if unknown:
        raise ValueError(f"unknown modes {sorted(unknown)}; use 'fwd' and/or 'rev'")
    if "rev" not in modes:
        return
    check_vjp(f, x)
    if order > 1:
        _, y = _make_vjp(f, x)
        u = _random_like(y, _np.random.default_rng(1))
        parts = _parts(x)
        # The VJP as a function of (inputs..., u); one output part at a time when x is a tuple.
        for part in range(len(parts)):
            def vjp_of_f(*inputs_and_u, part=part):
                inputs, u = inputs_and_u[:-1], inputs_and_u[-1]
                pulled_back = _make_vjp(f, inputs if isinstance(x, tuple) else inputs[0])[0](u)
                return _parts(pulled_back)[part]
            vjp_of_f.__name__ = f"VJP_of_{getattr(f, '__name__', 'f')}"
            check_grads(vjp_of_f, tuple(range(len(parts) + 1)), modes, order=order - 1)(*parts, u)


def combo_check(fun, *args, **kwargs):
    """``check_grads`` on every combination of the given argument and keyword values.

    ``combo_check(f, [0])([x1, x2], [y1], axis=[0, 1])`` checks f(x1, y1, axis=0),
    f(x1, y1, axis=1), f(x2, y1, axis=0) and f(x2, y1, axis=1), each w.r.t. argument 0.
    """
    def checker(*arg_options, **kwarg_options):
        keyword_choices = [[(key, value) for value in values]
                           for key, values in kwarg_options.items()]
        for call_args in itertools.product(*arg_options):
            for call_kwargs in itertools.product(*keyword_choices):
                check_grads(fun, *args, **kwargs)(*call_args, **dict(call_kwargs))
    return checker
