"""Checking derivatives against finite differences.

The test every VJP and JVP must pass: pick a random direction ``v`` in input space and a
random ``u`` in output space. Finite differences give ``J v`` numerically, from
``(f(x + εv) − f(x − εv)) / 2ε``. Forward mode must give the same ``J v`` (compared through
``u · J v``); reverse mode must give ``(uᵀ J) · v``, which the chain rule says is the same
number. If they agree for random ``u`` and ``v``, the JVP and the VJP are right.

``order=2`` checks the derivatives of the derivatives the same way: the VJP of the VJP (what
``grad(grad(f))`` relies on), the JVP of the JVP, and each mode over the other.
"""

import itertools

import numpy as _np

from .core import make_vjp as _make_vjp
from .forward import make_jvp as _make_jvp
from .tracer import getval
from .wrap_util import unary_to_nary

__all__ = ["check_grads", "check_vjp", "check_jvp", "combo_check", "check_equivalent", "scalar_close"]

EPS = 1e-6
RTOL = 1e-5
ATOL = 1e-6


def scalar_close(a, b, rtol=RTOL, atol=ATOL):
    """Are two numbers equal up to a relative and an absolute tolerance?"""
    return abs(a - b) <= atol + rtol * max(abs(a), abs(b))


def _parts(x):
    return x if isinstance(x, tuple) else (x,)


def _leafwise(combine, x, *others):
    """Apply ``combine`` to the arrays at the leaves of ``x`` (tuples, lists and dicts of
    arrays are vectors too), with the matching leaves of ``others``; same structure back."""
    x = getval(x)
    others = [getval(other) for other in others]
    if isinstance(x, dict):
        return type(x)((key, _leafwise(combine, x[key], *[o[key] for o in others])) for key in x)
    if isinstance(x, (list, tuple)):
        items = [_leafwise(combine, *entries) for entries in zip(x, *others)]
        return type(x)(*items) if hasattr(x, "_fields") else type(x)(items)  # namedtuples too
    return combine(x, *others)


def _leaves(x):
    x = getval(x)
    if isinstance(x, dict):
        return [leaf for key in x for leaf in _leaves(x[key])]
    if isinstance(x, (list, tuple)):
        return [leaf for item in x for leaf in _leaves(item)]
    return [x]


def _inner(a, b):
    """Real inner product of two values of the same space (containers: all their numbers in
    order, so a list of numbers and the array of its adjoints pair up entry by entry)."""
    return float(_np.real(_np.sum(_np.conj(_numbers(a)) * _numbers(b))))


def _numbers(x):
    return _np.concatenate([_np.ravel(leaf) for leaf in _leaves(x)] or [_np.zeros(0)])


def _random_like(x, rng):
    return _leafwise(lambda p: rng.standard_normal(_np.shape(p)) if _np.ndim(p)
                     else float(rng.standard_normal()), x)


def _step(x, v, scale):
    return _leafwise(lambda p, q: p + scale * q, x, v)


def check_equivalent(x, y):
    """Assert that ``x`` and ``y`` have the same shape and (nearly) the same values."""
    x, y = getval(x), getval(y)
    assert _np.shape(x) == _np.shape(y), f"shapes differ: {_np.shape(x)} vs {_np.shape(y)}"
    assert _np.allclose(x, y, rtol=RTOL, atol=ATOL, equal_nan=True), \
        f"values differ:\n{x}\nvs\n{y}"


def _finite_difference(f, x, v):
    """``J v`` by central differences: how fast ``f`` moves when ``x`` moves along ``v``."""
    return _leafwise(lambda ahead, behind: (_np.asarray(ahead) - _np.asarray(behind)) / (2 * EPS),
                     f(_step(x, v, EPS)), f(_step(x, v, -EPS)))


def check_vjp(f, x, rng=None):
    """Check ``make_vjp(f)`` at ``x`` against central finite differences, once."""
    rng = rng or _np.random.default_rng(0)
    vjp, y = _make_vjp(f, x)
    v = _random_like(x, rng)            # a direction in input space
    u = _random_like(y, rng)            # a direction in output space
    exact = _inner(vjp(u), v)           # (uᵀ J) · v
    numeric = _inner(u, _finite_difference(f, x, v))     # u · (J v)
    name = getattr(f, "__name__", "f")
    assert scalar_close(numeric, exact), (
        f"Derivative (VJP) check of {name} failed: finite differences give "
        f"u·(Jv) = {numeric:.8g}, the VJP gives (uᵀJ)·v = {exact:.8g}")


def check_jvp(f, x, rng=None):
    """Check ``make_jvp(f)`` at ``x`` against central finite differences, once."""
    rng = rng or _np.random.default_rng(0)
    v = _random_like(x, rng)            # a direction in input space
    y, jv = _make_jvp(f, x)(v)          # J v, by forward mode
    u = _random_like(y, rng)            # a direction in output space, to compare through
    check_equivalent_shapes(jv, y, getattr(f, "__name__", "f"))
    exact = _inner(u, jv)
    numeric = _inner(u, _finite_difference(f, x, v))
    name = getattr(f, "__name__", "f")
    assert scalar_close(numeric, exact), (
        f"Derivative (JVP) check of {name} failed: finite differences give "
        f"u·(Jv) = {numeric:.8g}, the JVP gives u·(Jv) = {exact:.8g}")


def check_equivalent_shapes(tangent, value, name):
    """A tangent has the shape of the value it belongs to (entry by entry for containers)."""
    for tangent_leaf, value_leaf in zip(_leaves(tangent), _leaves(value)):
        assert _np.shape(tangent_leaf) == _np.shape(value_leaf), (
            f"JVP of {name} gives a tangent of shape {_np.shape(tangent_leaf)} for an output "
            f"of shape {_np.shape(value_leaf)}")


@unary_to_nary
def check_grads(f, x, modes=("fwd", "rev"), order=2):
    """Check the derivatives of ``f`` at ``x`` against finite differences, up to ``order``.

    ``check_grads(f, argnum=0, modes=["fwd", "rev"], order=2)(*args)``. ``"fwd"`` checks
    forward mode (``make_jvp``), ``"rev"`` reverse mode (``make_vjp``). ``order=2`` then checks
    the JVP and the VJP as functions in their own right, in every mode asked for: the JVP of
    the JVP, the VJP of the JVP, the JVP of the VJP and the VJP of the VJP. ``order=3`` goes
    one level further, and so on.
    """
    modes = tuple(modes)
    unknown = set(modes) - {"fwd", "rev"}
    if unknown:
        raise ValueError(f"unknown modes {sorted(unknown)}; use 'fwd' and/or 'rev'")
    parts = _parts(x)
    name = getattr(f, "__name__", "f")
    if "fwd" in modes:
        check_jvp(f, x)
        if order > 1:
            v = _random_like(x, _np.random.default_rng(2))

            # The JVP as a function of (inputs..., tangents...).
            def jvp_of_f(*inputs_and_v):
                inputs, v = inputs_and_v[:len(parts)], inputs_and_v[len(parts):]
                if not isinstance(x, tuple):
                    inputs, v = inputs[0], v[0]
                return _make_jvp(f, inputs)(v)[1]
            jvp_of_f.__name__ = f"jvp_{name}"
            check_grads(jvp_of_f, tuple(range(2 * len(parts))), modes, order=order - 1)(
                *parts, *_parts(v))
    if "rev" in modes:
        check_vjp(f, x)
        if order > 1:
            _, y = _make_vjp(f, x)
            u = _random_like(y, _np.random.default_rng(1))
            # The VJP as a function of (inputs..., u); one output part at a time when x is a tuple.
            for part in range(len(parts)):
                def vjp_of_f(*inputs_and_u, part=part):
                    inputs, u = inputs_and_u[:-1], inputs_and_u[-1]
                    pulled_back = _make_vjp(f, inputs if isinstance(x, tuple) else inputs[0])[0](u)
                    return _parts(pulled_back)[part]
                vjp_of_f.__name__ = f"vjp_{name}"
                check_grads(vjp_of_f, tuple(range(len(parts) + 1)), modes, order=order - 1)(
                    *parts, u)


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
