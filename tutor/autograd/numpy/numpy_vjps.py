"""The VJP table, part 1: arithmetic, elementwise functions and reductions.

A VJP says how a primitive passes the adjoint ``g`` of its output back to one argument. Each
line below registers one primitive: a curried maker per argument, ``lambda ans, x, y: lambda
g: ...`` (``ans`` is the forward output), and what a learner reads: the ``symbol`` drawn in the
graph and the ``formulas``, one per argument, in ``g``, ``x``, ``y`` and ``ans``.

Two rules make everything work:

* VJPs are written with the *wrapped* numpy (``anp``), never plain numpy, because ``g``, ``x``
  and ``ans`` may themselves be Boxes when we differentiate twice: ``grad(grad(f))`` traces the
  backward pass of the inner ``grad``, so the VJPs must be traceable too.
* Binary operations broadcast. ``x + y`` with ``x`` of shape (3,) and a scalar ``y`` gives shape
  (3,), so the adjoint arriving for ``y`` has shape (3,) and must be summed back to ``y``'s
  shape: that is :func:`unbroadcast`, used by every binary VJP.

The table continues in ``numpy_vjps_linalg.py`` (dot, matmul, einsum, ...),
``numpy_vjps_shapes.py`` (reshaping, joining, indexing) and ``linalg.py`` (``np.linalg``).
"""

import math
import sys

import numpy as _np

from ..core import defvjp
from ..tracer import getval, isbox
from . import numpy_wrapper as anp

# ----------------------------------------------------------------------------- helpers


def _shape(value):
    """The shape of a value, a Box or a Python number (``()`` for numbers)."""
    value = getval(value)
    try:
        return value.shape          # arrays and numpy scalars: an attribute lookup
    except AttributeError:
        return _np.shape(value)     # Python numbers, lists


def _match_complex(target, g):
    """A real input gets a real adjoint: drop the imaginary part a complex ``g`` picked up."""
    if _np.iscomplexobj(getval(g)) and not _np.iscomplexobj(getval(target)):
        return anp.real(g)
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
    g = _match_complex(target, g)
    target_shape = _shape(target)
    g_shape = _shape(g)
    if g_shape == target_shape:
        return g
    extra = len(g_shape) - len(target_shape)
    if extra > 0:
        g = anp.sum(g, axis=tuple(range(extra)))
    stretched = tuple(axis for axis, size in enumerate(target_shape)
                      if size == 1 and _shape(g)[axis] != 1)
    if stretched:
        g = anp.sum(g, axis=stretched, keepdims=True)
    return g


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

defvjp(anp.add,         lambda ans, x, y: lambda g: unbroadcast(x, g),
                        lambda ans, x, y: lambda g: unbroadcast(y, g),
       symbol="+", formulas=("g", "g"))
defvjp(anp.subtract,    lambda ans, x, y: lambda g: unbroadcast(x, g),
                        lambda ans, x, y: lambda g: unbroadcast(y, -g),
       symbol="−", formulas=("g", "−g"))
defvjp(anp.multiply,    lambda ans, x, y: lambda g: unbroadcast(x, g * y),
                        lambda ans, x, y: lambda g: unbroadcast(y, g * x),
       symbol="×", formulas=("g · y", "g · x"))
defvjp(anp.true_divide, lambda ans, x, y: lambda g: unbroadcast(x, g / y),
                        lambda ans, x, y: lambda g: unbroadcast(y, -g * x / y ** 2),
       symbol="÷", formulas=("g / y", "−g · x / y²"))


# d/dx x^y = y · x^(y−1); written so that y = 0 (x^0 = 1) and x = 0 give 0, not 0 · inf.
def _power_vjp_x(ans, x, y):
    if type(y) in (int, float):                 # a constant exponent, as in x**2: no where()
        return lambda g: unbroadcast(x, g * y * x ** (y - 1) if y else g * 0.0)
    return lambda g: unbroadcast(x, g * y * x ** anp.where(y, y - 1, 1.0))


# d/dy x^y = x^y · log(x) = ans · log(x); 0^y does not depend on y, so log(0) is replaced.
def _power_vjp_y(ans, x, y):
    return lambda g: unbroadcast(y, g * ans * anp.log(anp.where(x, x, 1.0)))


defvjp(anp.power,       _power_vjp_x, _power_vjp_y,
       symbol="^", formulas=("g · y · x^(y−1)", "g · ans · log(x)"))
defvjp(anp.float_power, _power_vjp_x, _power_vjp_y,
       symbol="^", formulas=("g · y · x^(y−1)", "g · ans · log(x)"))
defvjp(anp.negative,    lambda ans, x: lambda g: -g, symbol="−", formulas="−g")
defvjp(anp.positive,    lambda ans, x: lambda g: g, symbol="+", formulas="g")
defvjp(anp.reciprocal,  lambda ans, x: lambda g: -g * ans ** 2, symbol="1/x", formulas="−g · ans²")
defvjp(anp.remainder,   lambda ans, x, y: lambda g: unbroadcast(x, g),
                        lambda ans, x, y: lambda g: unbroadcast(y, -g * anp.floor(x / y)),
       symbol="mod", formulas=("g", "−g · floor(x / y)"))
defvjp(anp.fmod,        lambda ans, x, y: lambda g: unbroadcast(x, g),
                        lambda ans, x, y: lambda g: unbroadcast(y, -g * anp.trunc(x / y)),
       symbol="fmod", formulas=("g", "−g · trunc(x / y)"))

# ------------------------------------------------------------ exponentials and logarithms

defvjp(anp.exp,        lambda ans, x: lambda g: g * ans, formulas="g · ans")
defvjp(anp.exp2,       lambda ans, x: lambda g: g * ans * _LN2, formulas="g · ans · ln 2")
defvjp(anp.expm1,      lambda ans, x: lambda g: g * (ans + 1.0), formulas="g · (ans + 1)")
defvjp(anp.log,        lambda ans, x: lambda g: g / x, formulas="g / x")
defvjp(anp.log2,       lambda ans, x: lambda g: g / (x * _LN2), formulas="g / (x · ln 2)")
defvjp(anp.log10,      lambda ans, x: lambda g: g / (x * _LN10), formulas="g / (x · ln 10)")
defvjp(anp.log1p,      lambda ans, x: lambda g: g / (1.0 + x), formulas="g / (1 + x)")
defvjp(anp.logaddexp,  lambda ans, x, y: lambda g: unbroadcast(x, g * anp.exp(x - ans)),
                       lambda ans, x, y: lambda g: unbroadcast(y, g * anp.exp(y - ans)),
       formulas=("g · exp(x − ans)", "g · exp(y − ans)"))
defvjp(anp.logaddexp2, lambda ans, x, y: lambda g: unbroadcast(x, g * anp.exp2(x - ans)),
                       lambda ans, x, y: lambda g: unbroadcast(y, g * anp.exp2(y - ans)),
       formulas=("g · 2^(x − ans)", "g · 2^(y − ans)"))

# ------------------------------------------------------------------ trigonometric

defvjp(anp.sin,     lambda ans, x: lambda g: g * anp.cos(x), formulas="g · cos(x)")
defvjp(anp.cos,     lambda ans, x: lambda g: -g * anp.sin(x), formulas="−g · sin(x)")
defvjp(anp.tan,     lambda ans, x: lambda g: g * (1.0 + ans ** 2), formulas="g · (1 + ans²)")
defvjp(anp.arcsin,  lambda ans, x: lambda g: g / anp.sqrt(1.0 - x ** 2), formulas="g / √(1 − x²)")
defvjp(anp.arccos,  lambda ans, x: lambda g: -g / anp.sqrt(1.0 - x ** 2), formulas="−g / √(1 − x²)")
defvjp(anp.arctan,  lambda ans, x: lambda g: g / (1.0 + x ** 2), formulas="g / (1 + x²)")
defvjp(anp.arctan2, lambda ans, x, y: lambda g: unbroadcast(x, g * y / (x ** 2 + y ** 2)),
                    lambda ans, x, y: lambda g: unbroadcast(y, -g * x / (x ** 2 + y ** 2)),
       formulas=("g · y / (x² + y²)", "−g · x / (x² + y²)"))
defvjp(anp.hypot,   lambda ans, x, y: lambda g: unbroadcast(x, g * x / ans),
                    lambda ans, x, y: lambda g: unbroadcast(y, g * y / ans),
       formulas=("g · x / ans", "g · y / ans"))
defvjp(anp.deg2rad, lambda ans, x: lambda g: g * (_np.pi / 180.0), formulas="g · π / 180")
defvjp(anp.radians, lambda ans, x: lambda g: g * (_np.pi / 180.0), formulas="g · π / 180")
defvjp(anp.rad2deg, lambda ans, x: lambda g: g * (180.0 / _np.pi), formulas="g · 180 / π")
defvjp(anp.degrees, lambda ans, x: lambda g: g * (180.0 / _np.pi), formulas="g · 180 / π")


# sinc(x) = sin(πx) / (πx), so sinc'(x) = (cos(πx) − sinc(x)) / x. Near 0 that is 0 / 0, so
# there we use its Taylor series −π²x/3 + π⁴x³/30 (which also gets the second derivative right).
def _sinc_vjp(ans, x):
    near_zero = anp.abs(x) < 1e-3
    safe_x = anp.where(near_zero, 1.0, x)
    series = -_np.pi ** 2 / 3 * x + _np.pi ** 4 / 30 * x ** 3
    return lambda g: g * anp.where(near_zero, series, (anp.cos(_np.pi * x) - ans) / safe_x)


defvjp(anp.sinc, _sinc_vjp, formulas="g · (cos(πx) − ans) / x")

# --------------------------------------------------------------------- hyperbolic

defvjp(anp.sinh,    lambda ans, x: lambda g: g * anp.cosh(x), formulas="g · cosh(x)")
defvjp(anp.cosh,    lambda ans, x: lambda g: g * anp.sinh(x), formulas="g · sinh(x)")
defvjp(anp.tanh,    lambda ans, x: lambda g: g * (1.0 - ans ** 2), formulas="g · (1 − ans²)")
defvjp(anp.arcsinh, lambda ans, x: lambda g: g / anp.sqrt(x ** 2 + 1.0), formulas="g / √(x² + 1)")
defvjp(anp.arccosh, lambda ans, x: lambda g: g / anp.sqrt(x ** 2 - 1.0), formulas="g / √(x² − 1)")
defvjp(anp.arctanh, lambda ans, x: lambda g: g / (1.0 - x ** 2), formulas="g / (1 − x²)")

# ------------------------------------------------------------- powers and roots

defvjp(anp.sqrt,   lambda ans, x: lambda g: g * 0.5 / ans, symbol="√", formulas="g / (2 · ans)")
defvjp(anp.cbrt,   lambda ans, x: lambda g: g / (3.0 * ans ** 2), symbol="∛",
       formulas="g / (3 · ans²)")
defvjp(anp.square, lambda ans, x: lambda g: g * 2.0 * x, symbol="x²", formulas="g · 2x")

# ------------------------------------------------ absolute value, sign, clipping, choosing


# |x| has slope sign(x) (0 at the kink x = 0); for complex x it is conj(x) / |x|.
def _absolute_vjp(ans, x):
    if anp.iscomplexobj(x):
        return lambda g: g * anp.conj(x) / anp.where(ans == 0, 1.0, ans)
    return lambda g: g * anp.sign(x)


def balanced_eq(x, z, y):
    """1 where ``x`` was the chosen value ``z``, 1/2 where ``x`` and ``y`` tied, else 0."""
    return (x == z) / (1.0 + (x == y))


def _clip_vjp(ans, x, a_min=None, a_max=None, *args, **kwargs):
    low = kwargs.get("min", a_min)
    high = kwargs.get("max", a_max)
    inside = _np.ones(_shape(x), dtype=bool)
    if low is not None:
        inside = inside & (x >= low)
    if high is not None:
        inside = inside & (x <= high)
    return lambda g: g * inside


defvjp(anp.absolute, _absolute_vjp, symbol="|x|", formulas="g · sign(x)")
defvjp(anp.fabs,     lambda ans, x: lambda g: g * anp.sign(x), symbol="|x|", formulas="g · sign(x)")
defvjp(anp.sign,     None, formulas="0 (sign is flat away from 0)")
defvjp(anp.clip,     _clip_vjp, formulas="g · [low ≤ x ≤ high]")
# max and min (and their nan-ignoring twins fmax, fmin) pass g to whichever argument won.
_winner_vjps = (lambda ans, x, y: lambda g: unbroadcast(x, g * balanced_eq(x, ans, y)),
                lambda ans, x, y: lambda g: unbroadcast(y, g * balanced_eq(y, ans, x)))
defvjp(anp.maximum,  *_winner_vjps, symbol="max", formulas=("g · [x ≥ y]", "g · [y ≥ x]"))
defvjp(anp.minimum,  *_winner_vjps, symbol="min", formulas=("g · [x ≤ y]", "g · [y ≤ x]"))
defvjp(anp.fmax,     *_winner_vjps, symbol="max", formulas=("g · [x ≥ y]", "g · [y ≥ x]"))
defvjp(anp.fmin,     *_winner_vjps, symbol="min", formulas=("g · [x ≤ y]", "g · [y ≤ x]"))
defvjp(anp.where,    None,
                     lambda ans, c, x=None, y=None: lambda g: unbroadcast(x, anp.where(c, g, 0.0)),
                     lambda ans, c, x=None, y=None: lambda g: unbroadcast(y, anp.where(c, 0.0, g)),
       formulas=("0 (the condition only chooses)", "g where c, else 0", "g where not c, else 0"))

# ------------------------------------------------------------------- complex parts

defvjp(anp.real,      lambda ans, x: lambda g: anp.real(g), formulas="real(g)")
defvjp(anp.imag,      lambda ans, x: lambda g: _match_complex(x, -1j * g), formulas="−i · g")
defvjp(anp.conjugate, lambda ans, x: lambda g: anp.conj(g), symbol="conj", formulas="conj(g)")

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
    axes = _reduced_axes(axis, len(shape))
    kept_shape = tuple(1 if i in axes else size for i, size in enumerate(shape))
    return anp.broadcast_to(anp.reshape(g, kept_shape), shape)


def _count(shape, axis):
    """How many entries were reduced into each output entry."""
    return math.prod(shape[i] for i in _reduced_axes(axis, len(shape)))


def _sum_vjp(ans, x, axis=None, *args, **kwargs):
    shape = _shape(x)
    return lambda g: _spread(g, shape, axis)


def _mean_vjp(ans, x, axis=None, *args, **kwargs):
    shape = _shape(x)
    return lambda g: _spread(g, shape, axis) / _count(shape, axis)


def _prod_vjp(ans, x, axis=None, *args, **kwargs):
    shape = _shape(x)
    return lambda g: _spread(g * ans, shape, axis) / x


def _max_vjp(ans, x, axis=None, *args, **kwargs):
    """Only the entries equal to the max receive the adjoint (shared equally between ties)."""
    shape = _shape(x)
    winners = x == _spread(ans, shape, axis)
    ties = _np.sum(winners, axis=_reduced_axes(axis, len(shape)) or None, keepdims=True)
    return lambda g: _spread(g, shape, axis) * winners / ties


def _var_vjp(ans, x, axis=None, dtype=None, out=None, ddof=0, *args, **kwargs):
    shape = _shape(x)
    dof = _count(shape, axis) - ddof
    centred = x - anp.mean(x, axis=axis, keepdims=True)
    return lambda g: _spread(g, shape, axis) * 2.0 * centred / dof


def _std_vjp(ans, x, axis=None, dtype=None, out=None, ddof=0, *args, **kwargs):
    shape = _shape(x)
    dof = _count(shape, axis) - ddof
    centred = x - anp.mean(x, axis=axis, keepdims=True)
    safe_ans = anp.where(ans == 0, 1.0, ans)     # all values equal (e.g. one value): slope 0
    return lambda g: _spread(g / safe_ans, shape, axis) * centred / dof


def _nansum_vjp(ans, x, axis=None, *args, **kwargs):
    shape = _shape(x)
    counted = ~_np.isnan(getval(x))
    return lambda g: _spread(g, shape, axis) * counted


defvjp(anp.sum,    _sum_vjp, symbol="Σ", formulas="g, copied over the summed axes")
defvjp(anp.nansum, _nansum_vjp, symbol="Σ", formulas="g, copied to the entries that are not NaN")
defvjp(anp.mean,   _mean_vjp, formulas="g / n, copied over the averaged axes")
defvjp(anp.prod,   _prod_vjp, symbol="Π", formulas="g · ans / x")
defvjp(anp.max,    _max_vjp, formulas="g at the maximum, 0 elsewhere")
defvjp(anp.amax,   _max_vjp, formulas="g at the maximum, 0 elsewhere")
defvjp(anp.min,    _max_vjp, formulas="g at the minimum, 0 elsewhere")
defvjp(anp.amin,   _max_vjp, formulas="g at the minimum, 0 elsewhere")
defvjp(anp.var,    _var_vjp, formulas="g · 2 · (x − mean) / (n − ddof)")
defvjp(anp.std,    _std_vjp, formulas="g · (x − mean) / ((n − ddof) · ans)")


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

# ---------------------------------------------------------- cumulative sums and differences


def _reverse_cumsum(g, axis):
    """Sum from the end: entry i gets g[i] + g[i+1] + ..., the adjoint of a running sum."""
    return anp.flip(anp.cumsum(anp.flip(g, axis), axis), axis)


def _cumsum_vjp(ans, x, axis=None, *args, **kwargs):
    shape = _shape(x)
    if axis is None:    # numpy flattens x first
        return lambda g: anp.reshape(_reverse_cumsum(g, 0), shape)
    return lambda g: _reverse_cumsum(g, axis)


# ans[i] = x[0] · ... · x[i], so x[j] receives Σ_{i ≥ j} g[i] · ans[i] / x[j].
def _cumprod_vjp(ans, x, axis=None, *args, **kwargs):
    shape = _shape(x)
    if axis is None:
        return lambda g: anp.reshape(_reverse_cumsum(g * ans, 0), shape) / x
    return lambda g: _reverse_cumsum(g * ans, axis) / x


def _diff_vjp(ans, x, n=1, axis=-1, prepend=_np._NoValue, append=_np._NoValue):
    """ans[i] = x[i+1] − x[i], so x[j] receives g[j−1] − g[j] (missing terms are 0); n times."""
    ndim = anp.ndim(x)
    axis = axis % ndim
    before = 0 if prepend is _np._NoValue else (_shape(prepend)[axis] if anp.ndim(prepend) else 1)
    length = _shape(x)[axis]

    def along(start, stop):
        index = [slice(None)] * ndim
        index[axis] = slice(start, stop)
        return tuple(index)

    def vjp(g):
        for _ in range(n):
            widths = [(0, 0)] * ndim
            widths[axis] = (1, 1)
            padded = anp.pad(g, widths)
            g = padded[along(None, -1)] - padded[along(1, None)]
        return g[along(before, before + length)]
    return vjp


defvjp(anp.cumsum,  _cumsum_vjp, symbol="cumΣ", formulas="reverse cumulative sum of g")
defvjp(anp.cumprod, _cumprod_vjp, symbol="cumΠ", formulas="reverse cumulative sum of g · ans, / x")
defvjp(anp.diff,    _diff_vjp, formulas="g[i−1] − g[i] (repeated n times)")


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
