"""The VJP table, part 1: arithmetic, elementwise functions and reductions.

A VJP says how a primitive passes the adjoint ``g`` of its output back to one argument. Each
line below registers one primitive: a curried maker per argument, ``lambda ans, x, y: lambda
g: ...`` (``ans`` is the forward output), and what a learner reads: the ``symbol`` drawn in the
graph and the ``formulas``, one per argument, in ``g``, ``x``, ``y`` and ``ans``.

Beside each VJP is the same primitive's JVP, for forward mode (``forward.py``): ``lambda g,
ans, x, y: ...`` where ``g`` is now the *tangent* of that argument, and the result is its share
of the output's tangent; its formulas are written in the tangents ``ẋ`` and ``ẏ``. ``"same"``
marks an argument the function is linear in: its JVP is the function itself.

Two rules make everything work:

* VJPs are written with the *wrapped* numpy (``anp``), never plain numpy, because ``g``, ``x``
  and ``ans`` may themselves be Boxes when we differentiate twice: ``grad(grad(f))`` traces the
  backward pass of the inner ``grad``, so the VJPs must be traceable too.
* Binary operations broadcast. ``x + y`` with ``x`` of shape (3,) and a scalar ``y`` gives shape
  (3,), so the adjoint arriving for ``y`` has shape (3,) and must be summed back to ``y``'s
  shape: that is :func:`unbroadcast`, used by every binary VJP.

The table continues in ``numpy_vjps_axes.py`` (cumsum, diff, gradient, linspace),
``numpy_vjps_linalg.py`` (dot, matmul, einsum, ...),
``numpy_vjps_shapes.py`` (reshaping, joining, indexing) and ``linalg.py`` (``np.linalg``).
"""

import math
import sys

import numpy as _np

from ..core import defvjp
from ..forward import defjvp
from ..tracer import getval, isbox
from . import numpy_wrapper as anp

# ----------------------------------------------------------------------------- helpers


def _shape(value):
    """The shape of a value, a Box or a Python number (``()`` for numbers)."""
    try:
        return value.shape          # arrays, numpy scalars and ArrayBoxes: an attribute lookup
    except AttributeError:
        return _np.shape(getval(value))     # Python numbers, lists (boxed or not)


def _is_complex(value):
    """Is ``value`` (maybe a Box) complex? (``np.iscomplexobj``, without its overhead.)"""
    value = getval(value)
    dtype = getattr(value, "dtype", None)
    return dtype.kind == "c" if dtype is not None else isinstance(value, complex)


def _match_complex(target, g):
    """A real input gets a real adjoint: drop the imaginary part a complex ``g`` picked up."""
    if _is_complex(g) and not _is_complex(target):
        return anp.real(g)
    return g


def _complex_like(target, g):
    """A complex input gets a complex adjoint, even where only its real part was used."""
    if _np.iscomplexobj(getval(target)) and not _np.iscomplexobj(getval(g)):
        return g + 0j
    return g


def unbroadcast(target, g):
    """Sum the adjoint ``g`` down to the shape of ``target`` (undoing numpy broadcasting).

    Broadcasting copies ``target`` along new leading axes and along its axes of length 1. A
    copied value influences the output once per copy, so its adjoint is the *sum* of the
    adjoints of its copies: ``x`` of shape (3,) added to ``y`` of shape (2, 3) gets ``g`` summed
    over axis 0.
    """
    if type(g) is type(target) is _np.float64:
        return g                    # the common scalar case, decided without any shape lookups
    if type(g) is _np.ndarray and g.dtype.kind == "f":    # a real array: no complex part to drop
        g_shape = g.shape
    else:
        g = _match_complex(target, g)
        g_shape = _shape(g)
    target_shape = target.shape if type(target) is _np.ndarray else _shape(target)
    if g_shape == target_shape:
        return g
    extra = len(g_shape) - len(target_shape)
    if extra > 0:               # the array method: the same sum as np.sum, less overhead
        g = g.sum(axis=0 if extra == 1 else tuple(range(extra)))
    if 1 not in target_shape:   # no stretched axes (a bias of shape (64,), say): done
        return g
    stretched = tuple(axis for axis, size in enumerate(target_shape)
                      if size == 1 and _shape(g)[axis] != 1)
    if stretched:
        g = g.sum(axis=stretched, keepdims=True)
    return g


def broadcast(g, ans):
    """Spread the tangent ``g`` of an argument to the output's shape (undoing nothing: the
    forward twin of :func:`unbroadcast`). ``x + y`` with a scalar ``x`` and ``y`` of shape (3,)
    moves every entry of the output when ``x`` moves."""
    shape = _shape(ans)
    return g if _shape(g) == shape else anp.broadcast_to(g, shape)


def _share_aliases():
    """Give numpy's several names for one function (``abs``/``absolute``, ``pow``/``power``,
    ``acos``/``arccos``...) one single primitive, so one registration covers every name."""
    first_name = {}
    for name, obj in vars(_np).items():
        if name.startswith("_") or not callable(obj) or isinstance(obj, type):
            continue
        if not hasattr(anp, name):
            continue
        if id(obj) in first_name:
            setattr(anp, name, getattr(anp, first_name[id(obj)]))
        else:
            first_name[id(obj)] = name


_share_aliases()

_LN2, _LN10 = _np.log(2.0), _np.log(10.0)

# ------------------------------------------------------------------------- arithmetic

# The busiest rows give their VJPs directly, g first (``direct=True``, see core.DirectVJP).
defvjp(anp.add,         lambda g, ans, x, y: unbroadcast(x, g),
                        lambda g, ans, x, y: unbroadcast(y, g),
       symbol="+", formulas=("g", "g"), direct=True)
defjvp(anp.add,         lambda g, ans, x, y: broadcast(g, ans),
                        lambda g, ans, x, y: broadcast(g, ans), formulas=("ẋ", "ẏ"))
defvjp(anp.subtract,    lambda g, ans, x, y: unbroadcast(x, g),
                        lambda g, ans, x, y: unbroadcast(y, -g),
       symbol="−", formulas=("g", "−g"), direct=True)
defjvp(anp.subtract,    lambda g, ans, x, y: broadcast(g, ans),
                        lambda g, ans, x, y: broadcast(-g, ans), formulas=("ẋ", "−ẏ"))
defvjp(anp.multiply,    lambda g, ans, x, y: unbroadcast(x, g * y),
                        lambda g, ans, x, y: unbroadcast(y, g * x),
       symbol="×", formulas=("g · y", "g · x"), direct=True)
defjvp(anp.multiply,    lambda g, ans, x, y: g * y, lambda g, ans, x, y: x * g,
       formulas=("ẋ · y", "x · ẏ"))
defvjp(anp.true_divide, lambda g, ans, x, y: unbroadcast(x, g / y),
                        lambda g, ans, x, y: unbroadcast(y, -g * x / y ** 2),
       symbol="÷", formulas=("g / y", "−g · x / y**2"), direct=True)
defjvp(anp.true_divide, lambda g, ans, x, y: g / y, lambda g, ans, x, y: -g * x / y ** 2,
       formulas=("ẋ / y", "−ẏ · x / y**2"))


# d/dx x ** y = y · x**(y−1); written so that y = 0 (x ** 0 = 1) and x = 0 give 0, not 0 · inf.
def _power_jvp_x(g, ans, x, y):
    if type(y) in (int, float):                 # a constant exponent: no where()
        return g * y * x ** (y - 1) if y else g * 0.0
    return g * y * x ** anp.where(y, y - 1, 1.0)


# d/dy x ** y = x ** y · log(x) = ans · log(x); 0 ** y does not depend on y, so log(0) is replaced.
def _power_jvp_y(g, ans, x, y):
    return g * ans * anp.log(anp.where(x, x, 1.0))


def _power_vjp_x(g, ans, x, y):
    if type(y) in (int, float) and y == 2:      # x**2, the commonest power: 2x, no power at all
        return unbroadcast(x, g * (2.0 * x))
    return unbroadcast(x, _power_jvp_x(g, ans, x, y))


def _power_vjp_y(g, ans, x, y):
    return unbroadcast(y, _power_jvp_y(g, ans, x, y))


defvjp(anp.power,       _power_vjp_x, _power_vjp_y,
       symbol="**", formulas=("g · y · x**(y−1)", "g · ans · log(x)"), direct=True)
defjvp(anp.power,       _power_jvp_x, _power_jvp_y, formulas=("ẋ · y · x**(y−1)", "ẏ · ans · log(x)"))
defvjp(anp.float_power, _power_vjp_x, _power_vjp_y,
       symbol="**", formulas=("g · y · x**(y−1)", "g · ans · log(x)"), direct=True)
defjvp(anp.float_power, _power_jvp_x, _power_jvp_y, formulas=("ẋ · y · x**(y−1)", "ẏ · ans · log(x)"))
defvjp(anp.negative,    lambda g, ans, x: -g, symbol="−", formulas="−g", direct=True)
defjvp(anp.negative,    lambda g, ans, x: -g, formulas="−ẋ")
defvjp(anp.positive,    lambda ans, x: lambda g: g, symbol="+", formulas="g")
defjvp(anp.positive,    lambda g, ans, x: g, formulas="ẋ")
defvjp(anp.reciprocal,  lambda ans, x: lambda g: -g * ans ** 2, symbol="1/x", formulas="−g · ans**2")
defjvp(anp.reciprocal,  lambda g, ans, x: -g * ans ** 2, formulas="−ẋ · ans**2")
defvjp(anp.remainder,   lambda ans, x, y: lambda g: unbroadcast(x, g),
                        lambda ans, x, y: lambda g: unbroadcast(y, -g * anp.floor(x / y)),
       symbol="mod", formulas=("g", "−g · floor(x / y)"))
defjvp(anp.remainder,   lambda g, ans, x, y: broadcast(g, ans),
                        lambda g, ans, x, y: -g * anp.floor(x / y), formulas=("ẋ", "−ẏ · floor(x / y)"))
defvjp(anp.fmod,        lambda ans, x, y: lambda g: unbroadcast(x, g),
                        lambda ans, x, y: lambda g: unbroadcast(y, -g * anp.trunc(x / y)),
       symbol="fmod", formulas=("g", "−g · trunc(x / y)"))
defjvp(anp.fmod,        lambda g, ans, x, y: broadcast(g, ans),
                        lambda g, ans, x, y: -g * anp.trunc(x / y), formulas=("ẋ", "−ẏ · trunc(x / y)"))

# ------------------------------------------------------------ exponentials and logarithms

defvjp(anp.exp,        lambda g, ans, x: g * ans, formulas="g · ans", direct=True)
defjvp(anp.exp,        lambda g, ans, x: g * ans, formulas="ẋ · ans")
defvjp(anp.exp2,       lambda ans, x: lambda g: g * ans * _LN2, formulas="g · ans · ln 2")
defjvp(anp.exp2,       lambda g, ans, x: g * ans * _LN2, formulas="ẋ · ans · ln 2")
defvjp(anp.expm1,      lambda ans, x: lambda g: g * (ans + 1.0), formulas="g · (ans + 1)")
defjvp(anp.expm1,      lambda g, ans, x: g * (ans + 1.0), formulas="ẋ · (ans + 1)")
defvjp(anp.log,        lambda g, ans, x: g / x, formulas="g / x", direct=True)
defjvp(anp.log,        lambda g, ans, x: g / x, formulas="ẋ / x")
defvjp(anp.log2,       lambda ans, x: lambda g: g / (x * _LN2), formulas="g / (x · ln 2)")
defjvp(anp.log2,       lambda g, ans, x: g / (x * _LN2), formulas="ẋ / (x · ln 2)")
defvjp(anp.log10,      lambda ans, x: lambda g: g / (x * _LN10), formulas="g / (x · ln 10)")
defjvp(anp.log10,      lambda g, ans, x: g / (x * _LN10), formulas="ẋ / (x · ln 10)")
defvjp(anp.log1p,      lambda ans, x: lambda g: g / (1.0 + x), formulas="g / (1 + x)")
defjvp(anp.log1p,      lambda g, ans, x: g / (1.0 + x), formulas="ẋ / (1 + x)")
defvjp(anp.logaddexp,  lambda ans, x, y: lambda g: unbroadcast(x, g * anp.exp(x - ans)),
                       lambda ans, x, y: lambda g: unbroadcast(y, g * anp.exp(y - ans)),
       formulas=("g · exp(x − ans)", "g · exp(y − ans)"))
defjvp(anp.logaddexp,  lambda g, ans, x, y: g * anp.exp(x - ans),
                       lambda g, ans, x, y: g * anp.exp(y - ans),
       formulas=("ẋ · exp(x − ans)", "ẏ · exp(y − ans)"))
defvjp(anp.logaddexp2, lambda ans, x, y: lambda g: unbroadcast(x, g * anp.exp2(x - ans)),
                       lambda ans, x, y: lambda g: unbroadcast(y, g * anp.exp2(y - ans)),
       formulas=("g · 2**(x − ans)", "g · 2**(y − ans)"))
defjvp(anp.logaddexp2, lambda g, ans, x, y: g * anp.exp2(x - ans),
                       lambda g, ans, x, y: g * anp.exp2(y - ans),
       formulas=("ẋ · 2**(x − ans)", "ẏ · 2**(y − ans)"))

# ------------------------------------------------------------------ trigonometric

defvjp(anp.sin,     lambda g, ans, x: g * anp.cos(x), formulas="g · cos(x)", direct=True)
defjvp(anp.sin,     lambda g, ans, x: g * anp.cos(x), formulas="ẋ · cos(x)")
defvjp(anp.cos,     lambda g, ans, x: -g * anp.sin(x), formulas="−g · sin(x)", direct=True)
defjvp(anp.cos,     lambda g, ans, x: -g * anp.sin(x), formulas="−ẋ · sin(x)")
defvjp(anp.tan,     lambda ans, x: lambda g: g * (1.0 + ans ** 2), formulas="g · (1 + ans**2)")
defjvp(anp.tan,     lambda g, ans, x: g * (1.0 + ans ** 2), formulas="ẋ · (1 + ans**2)")
defvjp(anp.arcsin,  lambda ans, x: lambda g: g / anp.sqrt(1.0 - x ** 2), formulas="g / √(1 − x**2)")
defjvp(anp.arcsin,  lambda g, ans, x: g / anp.sqrt(1.0 - x ** 2), formulas="ẋ / √(1 − x**2)")
defvjp(anp.arccos,  lambda ans, x: lambda g: -g / anp.sqrt(1.0 - x ** 2), formulas="−g / √(1 − x**2)")
defjvp(anp.arccos,  lambda g, ans, x: -g / anp.sqrt(1.0 - x ** 2), formulas="−ẋ / √(1 − x**2)")
defvjp(anp.arctan,  lambda ans, x: lambda g: g / (1.0 + x ** 2), formulas="g / (1 + x**2)")
defjvp(anp.arctan,  lambda g, ans, x: g / (1.0 + x ** 2), formulas="ẋ / (1 + x**2)")
defvjp(anp.arctan2, lambda ans, x, y: lambda g: unbroadcast(x, g * y / (x ** 2 + y ** 2)),
                    lambda ans, x, y: lambda g: unbroadcast(y, -g * x / (x ** 2 + y ** 2)),
       formulas=("g · y / (x**2 + y**2)", "−g · x / (x**2 + y**2)"))
defjvp(anp.arctan2, lambda g, ans, x, y: g * y / (x ** 2 + y ** 2),
                    lambda g, ans, x, y: -g * x / (x ** 2 + y ** 2),
       formulas=("ẋ · y / (x**2 + y**2)", "−ẏ · x / (x**2 + y**2)"))
defvjp(anp.hypot,   lambda ans, x, y: lambda g: unbroadcast(x, g * x / ans),
                    lambda ans, x, y: lambda g: unbroadcast(y, g * y / ans),
       formulas=("g · x / ans", "g · y / ans"))
defjvp(anp.hypot,   lambda g, ans, x, y: g * x / ans, lambda g, ans, x, y: g * y / ans,
       formulas=("ẋ · x / ans", "ẏ · y / ans"))
defvjp(anp.deg2rad, lambda ans, x: lambda g: g * (_np.pi / 180.0), formulas="g · π / 180")
defjvp(anp.deg2rad, lambda g, ans, x: g * (_np.pi / 180.0), formulas="ẋ · π / 180")
defvjp(anp.radians, lambda ans, x: lambda g: g * (_np.pi / 180.0), formulas="g · π / 180")
defjvp(anp.radians, lambda g, ans, x: g * (_np.pi / 180.0), formulas="ẋ · π / 180")
defvjp(anp.rad2deg, lambda ans, x: lambda g: g * (180.0 / _np.pi), formulas="g · 180 / π")
defjvp(anp.rad2deg, lambda g, ans, x: g * (180.0 / _np.pi), formulas="ẋ · 180 / π")
defvjp(anp.degrees, lambda ans, x: lambda g: g * (180.0 / _np.pi), formulas="g · 180 / π")
defjvp(anp.degrees, lambda g, ans, x: g * (180.0 / _np.pi), formulas="ẋ · 180 / π")


# sinc(x) = sin(πx) / (πx), so sinc'(x) = (cos(πx) − sinc(x)) / x. Near 0 that is 0 / 0, so
# there we use its Taylor series −π²x/3 + π⁴x³/30 (which also gets the second derivative right).
def _sinc_slope(ans, x):
    near_zero = anp.abs(x) < 1e-3
    safe_x = anp.where(near_zero, 1.0, x)
    series = -_np.pi ** 2 / 3 * x + _np.pi ** 4 / 30 * x ** 3
    return anp.where(near_zero, series, (anp.cos(_np.pi * x) - ans) / safe_x)


defvjp(anp.sinc, lambda ans, x: lambda g: g * _sinc_slope(ans, x), formulas="g · (cos(πx) − ans) / x")
defjvp(anp.sinc, lambda g, ans, x: g * _sinc_slope(ans, x), formulas="ẋ · (cos(πx) − ans) / x")

# --------------------------------------------------------------------- hyperbolic

defvjp(anp.sinh,    lambda ans, x: lambda g: g * anp.cosh(x), formulas="g · cosh(x)")
defjvp(anp.sinh,    lambda g, ans, x: g * anp.cosh(x), formulas="ẋ · cosh(x)")
defvjp(anp.cosh,    lambda ans, x: lambda g: g * anp.sinh(x), formulas="g · sinh(x)")
defjvp(anp.cosh,    lambda g, ans, x: g * anp.sinh(x), formulas="ẋ · sinh(x)")
defvjp(anp.tanh,    lambda g, ans, x: g * (1.0 - ans ** 2), formulas="g · (1 − ans**2)", direct=True)
defjvp(anp.tanh,    lambda g, ans, x: g * (1.0 - ans ** 2), formulas="ẋ · (1 − ans**2)")
defvjp(anp.arcsinh, lambda ans, x: lambda g: g / anp.sqrt(x ** 2 + 1.0), formulas="g / √(x**2 + 1)")
defjvp(anp.arcsinh, lambda g, ans, x: g / anp.sqrt(x ** 2 + 1.0), formulas="ẋ / √(x**2 + 1)")
defvjp(anp.arccosh, lambda ans, x: lambda g: g / anp.sqrt(x ** 2 - 1.0), formulas="g / √(x**2 − 1)")
defjvp(anp.arccosh, lambda g, ans, x: g / anp.sqrt(x ** 2 - 1.0), formulas="ẋ / √(x**2 − 1)")
defvjp(anp.arctanh, lambda ans, x: lambda g: g / (1.0 - x ** 2), formulas="g / (1 − x**2)")
defjvp(anp.arctanh, lambda g, ans, x: g / (1.0 - x ** 2), formulas="ẋ / (1 − x**2)")

# ------------------------------------------------------------- powers and roots

defvjp(anp.sqrt,   lambda ans, x: lambda g: g * 0.5 / ans, symbol="√", formulas="g / (2 · ans)")
defjvp(anp.sqrt,   lambda g, ans, x: g * 0.5 / ans, formulas="ẋ / (2 · ans)")
defvjp(anp.cbrt,   lambda ans, x: lambda g: g / (3.0 * ans ** 2), symbol="∛",
       formulas="g / (3 · ans**2)")
defjvp(anp.cbrt,   lambda g, ans, x: g / (3.0 * ans ** 2), formulas="ẋ / (3 · ans**2)")
defvjp(anp.square, lambda ans, x: lambda g: g * 2.0 * x, symbol="x**2", formulas="g · 2x")
defjvp(anp.square, lambda g, ans, x: g * 2.0 * x, formulas="ẋ · 2x")

# ------------------------------------------------ absolute value, sign, clipping, choosing


# |x| has slope sign(x) (0 at the kink x = 0); for complex x it is conj(x) / |x|.
def _absolute_vjp(ans, x):
    if anp.iscomplexobj(x):
        return lambda g: g * anp.conj(x) / anp.where(ans == 0, 1.0, ans)
    return lambda g: g * anp.sign(x)


def _absolute_jvp(g, ans, x):
    if anp.iscomplexobj(x):
        return anp.real(anp.conj(x) * g) / anp.where(ans == 0, 1.0, ans)
    return g * anp.sign(x)


def balanced_eq(x, z, y):
    """1 where ``x`` was the chosen value ``z``, 1/2 where ``x`` and ``y`` tied, else 0."""
    return (x == z) / (1.0 + (x == y))


def _clip_inside(x, a_min=None, a_max=None, *args, **kwargs):
    """Where ``x`` was not clipped: there the output moves with ``x``."""
    low = kwargs.get("min", a_min)
    high = kwargs.get("max", a_max)
    inside = _np.ones(_shape(x), dtype=bool)
    if low is not None:
        inside = inside & (x >= low)
    if high is not None:
        inside = inside & (x <= high)
    return inside


def _clip_vjp(ans, x, *args, **kwargs):
    inside = _clip_inside(x, *args, **kwargs)
    return lambda g: g * inside


defvjp(anp.absolute, _absolute_vjp, symbol="|x|", formulas="g · sign(x)")
defjvp(anp.absolute, _absolute_jvp, formulas="ẋ · sign(x)")
defvjp(anp.fabs,     lambda ans, x: lambda g: g * anp.sign(x), symbol="|x|", formulas="g · sign(x)")
defjvp(anp.fabs,     lambda g, ans, x: g * anp.sign(x), formulas="ẋ · sign(x)")
defvjp(anp.sign,     None, formulas="0 (sign is flat away from 0)")
defjvp(anp.sign,     None, formulas="0 (sign is flat away from 0)")
defvjp(anp.clip,     _clip_vjp, formulas="g · [low ≤ x ≤ high]")
defjvp(anp.clip,     lambda g, ans, x, *args, **kwargs: g * _clip_inside(x, *args, **kwargs),
       formulas="ẋ · [low ≤ x ≤ high]")
# max and min (and their nan-ignoring twins fmax, fmin) pass g to whichever argument won.
_winner_vjps = (lambda ans, x, y: lambda g: unbroadcast(x, g * balanced_eq(x, ans, y)),
                lambda ans, x, y: lambda g: unbroadcast(y, g * balanced_eq(y, ans, x)))
_winner_jvps = (lambda g, ans, x, y: g * balanced_eq(x, ans, y),
                lambda g, ans, x, y: g * balanced_eq(y, ans, x))
defvjp(anp.maximum,  *_winner_vjps, symbol="max", formulas=("g · [x ≥ y]", "g · [y ≥ x]"))
defjvp(anp.maximum,  *_winner_jvps, formulas=("ẋ · [x ≥ y]", "ẏ · [y ≥ x]"))
defvjp(anp.minimum,  *_winner_vjps, symbol="min", formulas=("g · [x ≤ y]", "g · [y ≤ x]"))
defjvp(anp.minimum,  *_winner_jvps, formulas=("ẋ · [x ≤ y]", "ẏ · [y ≤ x]"))
defvjp(anp.fmax,     *_winner_vjps, symbol="max", formulas=("g · [x ≥ y]", "g · [y ≥ x]"))
defjvp(anp.fmax,     *_winner_jvps, formulas=("ẋ · [x ≥ y]", "ẏ · [y ≥ x]"))
defvjp(anp.fmin,     *_winner_vjps, symbol="min", formulas=("g · [x ≤ y]", "g · [y ≤ x]"))
defjvp(anp.fmin,     *_winner_jvps, formulas=("ẋ · [x ≤ y]", "ẏ · [y ≤ x]"))
defvjp(anp.where,    None,
                     lambda ans, c, x=None, y=None: lambda g: unbroadcast(x, anp.where(c, g, 0.0)),
                     lambda ans, c, x=None, y=None: lambda g: unbroadcast(y, anp.where(c, 0.0, g)),
       formulas=("0 (the condition only chooses)", "g where c, else 0", "g where not c, else 0"))
defjvp(anp.where,    None,
                     lambda g, ans, c, x=None, y=None: broadcast(anp.where(c, g, 0.0), ans),
                     lambda g, ans, c, x=None, y=None: broadcast(anp.where(c, 0.0, g), ans),
       formulas=("0 (the condition only chooses)", "ẋ where c, else 0", "ẏ where not c, else 0"))


def where(condition, x=None, y=None):
    """``np.where``, also called with keywords (``where(condition=c, x=a, y=b)``). With only a
    condition it gives the indices where it holds, as numpy does."""
    if x is None and y is None:
        return _np.where(getval(condition))
    if isinstance(condition, (bool, _np.bool_)) and not any(      # one choice of two numbers
            isinstance(v, _np.ndarray) or isbox(v) for v in (x, y)):  # or lists: keep its type
        return x if condition else y
    return where.primitive(condition, x, y)


where.primitive = anp.where
anp.where = where


def select(condlist, choicelist, default=0):
    """``np.select``: entry by entry, the first choice whose condition holds (else ``default``),
    traced as nested ``where``s: the last condition innermost, so the first one wins."""
    if not (isbox(choicelist) or isbox(default) or any(isbox(c) for c in choicelist)):
        return _np.select(condlist, choicelist, default)
    result = default
    for condition, choice in reversed(list(zip(condlist, choicelist))):
        result = where(condition, choice, result)
    return result


anp.select = select

# ------------------------------------------------------------------- complex parts

defvjp(anp.real,      lambda ans, x: lambda g: _complex_like(x, anp.real(g)), formulas="real(g)")
defjvp(anp.real,      lambda g, ans, x: anp.real(g), formulas="real(ẋ)")
defvjp(anp.imag,      lambda ans, x: lambda g: _match_complex(x, -1j * g), formulas="−i · g")
defjvp(anp.imag,      lambda g, ans, x: anp.imag(g), formulas="imag(ẋ)")
defvjp(anp.conjugate, lambda ans, x: lambda g: anp.conj(g), symbol="conj", formulas="conj(g)")


# angle(x) = atan2(imag x, real x): it turns by imag(conj(x) · ẋ) / |x|² (0 for real x and ẋ).
def _angle_scale(x, deg):
    """1 / |x|², in degrees if asked (and 1 where x = 0, where the angle does not move)."""
    abs2 = anp.real(anp.conj(x) * x)
    return (180.0 / _np.pi if deg else 1.0) / anp.where(abs2 == 0, 1.0, abs2)


defvjp(anp.angle, lambda ans, x, deg=False:
                  lambda g: _match_complex(x, g * anp.conj(x * 1j) * _angle_scale(x, deg)),
       formulas="g · conj(i · x) / |x|**2")
defjvp(anp.angle, lambda g, ans, x, deg=False: anp.imag(anp.conj(x) * g) * _angle_scale(x, deg),
       formulas="imag(conj(x) · ẋ) / |x|**2")
# real_if_close drops an imaginary part that is (nearly) zero: the adjoint goes back complex.
defvjp(anp.real_if_close, lambda ans, x, tol=100: lambda g: _complex_like(x, g),
       symbol="real?", formulas="g (complex again if x was)")
defjvp(anp.real_if_close, lambda g, ans, x, tol=100: g if anp.iscomplexobj(ans) else anp.real(g),
       formulas="ẋ (its real part if ans is real)")
# nan_to_num replaces nan and ±inf by constants: only the finite entries move with x.
defvjp(anp.nan_to_num, lambda ans, x, *args, **kwargs:
                       lambda g: anp.where(_np.isfinite(getval(x)), g, 0.0),
       symbol="nan→num", formulas="g where x is finite, else 0")
defjvp(anp.nan_to_num, lambda g, ans, x, *args, **kwargs: anp.where(_np.isfinite(getval(x)), g, 0.0),
       formulas="ẋ where x is finite, else 0")
defjvp(anp.conjugate, lambda g, ans, x: anp.conj(g), formulas="conj(ẋ)")

# -------------------------------------------------------------------------- reductions
#
# A reduction such as sum(x, axis=0) maps many entries to one, so its VJP spreads the reduced
# adjoint back over the axes that were reduced away: ``_spread``.


def _reduced_axes(axis, ndim):
    """``axis`` (None, an int or a tuple, maybe negative) as a tuple of non-negative ints."""
    if axis is None:
        return tuple(range(ndim))
    axes = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
    return tuple(a % ndim for a in axes)


def _spread(g, shape, axis):
    """Copy a reduced value (with or without ``keepdims``) back over the reduced axes."""
    if shape == ():
        return g
    if axis is None and type(g) is _np.float64:         # a plain number over the whole array
        return _np.full(shape, g)
    axes = _reduced_axes(axis, len(shape))
    kept_shape = tuple(1 if i in axes else size for i, size in enumerate(shape))
    return anp.broadcast_to(anp.reshape(g, kept_shape), shape)


def _count(shape, axis):
    """How many entries were reduced into each output entry."""
    if axis is None:                    # all of them (np.mean(x), the usual loss)
        return math.prod(shape)
    return math.prod(shape[i] for i in _reduced_axes(axis, len(shape)))


def _sum_vjp(g, ans, x, axis=None, *args, **kwargs):
    return _spread(g, _shape(x), axis)


def _mean_vjp(g, ans, x, axis=None, *args, **kwargs):
    shape = _shape(x)
    return _spread(g / _count(shape, axis), shape, axis)


def _prod_vjp(ans, x, axis=None, *args, **kwargs):
    shape = _shape(x)
    return lambda g: _spread(g * ans, shape, axis) / x


def _share_of_max(ans, x, axis):
    """1 / (number of ties) at the entries equal to the max, 0 elsewhere."""
    shape = _shape(x)
    winners = x == _spread(ans, shape, axis)
    ties = _np.sum(winners, axis=_reduced_axes(axis, len(shape)) or None, keepdims=True)
    return winners / ties


def _max_vjp(ans, x, axis=None, *args, **kwargs):
    """Only the entries equal to the max receive the adjoint (shared equally between ties)."""
    share = _share_of_max(ans, x, axis)
    return lambda g: _spread(g, _shape(x), axis) * share


# The JVPs of reductions reduce the tangent the same way: Σ over the axes of (slope · ẋ).
def _reduce_like(value, ans, axis):
    """Sum ``value`` over ``axis``, keeping dimensions exactly when ``ans`` kept them."""
    kept = anp.ndim(ans) == anp.ndim(value) and anp.ndim(value) > 0
    return anp.sum(value, axis=axis, keepdims=kept)


def _max_jvp(g, ans, x, axis=None, *args, **kwargs):
    return _reduce_like(g * _share_of_max(ans, x, axis), ans, axis)


def _prod_jvp(g, ans, x, axis=None, *args, **kwargs):
    return _reduce_like(g * _spread(ans, _shape(x), axis) / x, ans, axis)


def _nansum_jvp(g, ans, x, axis=None, *args, **kwargs):
    return _reduce_like(g * ~_np.isnan(getval(x)), ans, axis)


def _variance_slope(x, axis, ddof):
    """∂var/∂x = 2 (x − mean) / (n − ddof), conjugated for complex x (as ∂|z|²/∂z = 2 conj(z))."""
    dof = _count(_shape(x), axis) - ddof
    centred = x - anp.mean(x, axis=axis, keepdims=True)
    return 2.0 * (anp.conj(centred) if _is_complex(x) else centred) / dof


def _real_tangent(x, tangent):
    """var and std are real even for complex x: their tangent is the real part."""
    return anp.real(tangent) if _is_complex(x) else tangent


def _var_vjp(ans, x, axis=None, dtype=None, out=None, ddof=0, *args, **kwargs):
    shape, slope = _shape(x), _variance_slope(x, axis, ddof)
    return lambda g: _spread(g, shape, axis) * slope


def _var_jvp(g, ans, x, axis=None, dtype=None, out=None, ddof=0, *args, **kwargs):
    return _real_tangent(x, _reduce_like(g * _variance_slope(x, axis, ddof), ans, axis))


# std = √var, so its slope is var's divided by 2 · std (and 0 where all values are equal).
def _std_vjp(ans, x, axis=None, dtype=None, out=None, ddof=0, *args, **kwargs):
    shape, slope = _shape(x), _variance_slope(x, axis, ddof)
    twice_std = 2.0 * anp.where(ans == 0, 1.0, ans)
    return lambda g: _spread(g / twice_std, shape, axis) * slope


def _std_jvp(g, ans, x, axis=None, dtype=None, out=None, ddof=0, *args, **kwargs):
    var_tangent = _var_jvp(g, ans, x, axis, dtype, out, ddof)
    return var_tangent / (2.0 * anp.where(ans == 0, 1.0, ans))


def _nansum_vjp(ans, x, axis=None, *args, **kwargs):
    shape = _shape(x)
    counted = ~_np.isnan(getval(x))
    return lambda g: _spread(g, shape, axis) * counted


defvjp(anp.sum,    _sum_vjp, symbol="Σ", formulas="g, copied over the summed axes", direct=True)
defjvp(anp.sum,    "same", formulas="Σ ẋ over the summed axes")
defvjp(anp.nansum, _nansum_vjp, symbol="Σ", formulas="g, copied to the entries that are not NaN")
defjvp(anp.nansum, _nansum_jvp, formulas="Σ ẋ over the entries that are not NaN")
defvjp(anp.mean,   _mean_vjp, formulas="g / n, copied over the averaged axes", direct=True)
defjvp(anp.mean,   "same", formulas="mean of ẋ over the averaged axes")
defvjp(anp.prod,   _prod_vjp, symbol="Π", formulas="g · ans / x")
defjvp(anp.prod,   _prod_jvp, formulas="ans · Σ ẋ / x")
defvjp(anp.max,    _max_vjp, formulas="g at the maximum, 0 elsewhere")
defjvp(anp.max,    _max_jvp, formulas="ẋ at the maximum")
defvjp(anp.amax,   _max_vjp, formulas="g at the maximum, 0 elsewhere")
defjvp(anp.amax,   _max_jvp, formulas="ẋ at the maximum")
defvjp(anp.min,    _max_vjp, formulas="g at the minimum, 0 elsewhere")
defjvp(anp.min,    _max_jvp, formulas="ẋ at the minimum")
defvjp(anp.amin,   _max_vjp, formulas="g at the minimum, 0 elsewhere")
defjvp(anp.amin,   _max_jvp, formulas="ẋ at the minimum")
defvjp(anp.var,    _var_vjp, formulas="g · 2 · (x − mean) / (n − ddof)")
defjvp(anp.var,    _var_jvp, formulas="Σ ẋ · 2 · (x − mean) / (n − ddof)")
defvjp(anp.std,    _std_vjp, formulas="g · (x − mean) / ((n − ddof) · ans)")
defjvp(anp.std,    _std_jvp, formulas="Σ ẋ · (x − mean) / ((n − ddof) · ans)")


# numpy writes these in Python on top of the reductions above; with Boxes we do the same.
def average(a, axis=None, weights=None, returned=False, *, keepdims=False):
    """``np.average``: the mean, or ``Σ w·a / Σ w`` along ``axis`` with ``weights``."""
    if not (isbox(a) or isbox(weights)):
        return _np.average(a, axis, weights, returned, keepdims=keepdims)
    if weights is None:
        result = anp.mean(a, axis=axis, keepdims=keepdims)
        total = _np.broadcast_to(_np.size(getval(a)) / _np.size(getval(result)), _shape(result))
    else:
        if anp.ndim(weights) == 1 and anp.ndim(a) > 1:     # 1-d weights run along ``axis``
            shape = [1] * anp.ndim(a)
            shape[axis] = -1
            weights = anp.reshape(weights, shape)
        weights = weights * anp.ones_like(a)
        total = anp.sum(weights, axis=axis, keepdims=keepdims)
        result = anp.sum(a * weights, axis=axis, keepdims=keepdims) / total
    return (result, total) if returned else result


def ptp(a, axis=None, out=None, keepdims=False):
    """``np.ptp``: peak to peak, ``max − min``."""
    if not isbox(a):
        return _np.ptp(a, axis=axis, keepdims=keepdims)
    return anp.max(a, axis=axis, keepdims=keepdims) - anp.min(a, axis=axis, keepdims=keepdims)


anp.average, anp.ptp = average, ptp

# ------------------------------------------------------------------ what is registered

def registered_primitives():
    """Every distinct primitive of ``tutor.autograd.numpy`` that has a VJP registered.

    Found by looking through the modules of this package for primitives whose VJP table
    (``.vjps``, or ``.vjp_argnum`` for any-argument primitives) is filled in.
    Primitives sharing one VJP table (the operator twins of ``operators.py``) count once; the
    public numpy name is the one returned.
    """
    found = {}
    package = __name__.rsplit(".", 1)[0]
    modules = [module for name, module in list(sys.modules.items())
               if module is not None and (name == package or name.startswith(package + "."))]
    modules.sort(key=lambda module: module.__name__ != anp.__name__)    # public names first
    for module in modules:
        for obj in list(vars(module).values()):
            for candidate in (obj, getattr(obj, "primitive", None)):
                if getattr(candidate, "vjps", None) or getattr(candidate, "vjp_argnum", None):
                    found.setdefault(id(candidate.vjps), candidate)
    return sorted(found.values(), key=lambda fun: fun.__name__)
