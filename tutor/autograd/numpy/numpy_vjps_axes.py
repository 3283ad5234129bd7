"""The VJP table, part 1b: running along an axis, ``cumsum``, ``cumprod``, ``diff``, ``gradient``
and ``linspace``.

Each output entry here is built from its neighbours along one axis: a running sum, a
difference of neighbours, a central difference, a point between two ends. Every one of them
except ``cumprod`` is *linear*, so the JVP is the function itself applied to the tangent, and
the VJP runs the same recipe backwards: a running sum from the other end, differences taken
the other way round, the transposed difference matrix.
"""

import numpy as _np

from .. import builtins as _containers
from ..core import defvjp
from ..forward import defjvp
from ..tracer import getval, isbox, primitive
from . import numpy_wrapper as anp
from .numpy_vjps import _reduced_axes, _shape, unbroadcast

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


def _diff_jvp(g, ans, x, n=1, axis=-1, prepend=_np._NoValue, append=_np._NoValue):
    """diff is linear in x; what is prepended or appended is constant, so its tangent is 0."""
    kwargs = {key: _np.zeros_like(getval(value)) for key, value in
              (("prepend", prepend), ("append", append)) if value is not _np._NoValue}
    return anp.diff(g, n, axis, **kwargs)


# gradient(f) along one axis is linear in f: a matrix D of central differences inside and
# one-sided ones at the ends. Its VJP applies Dᵀ; D is found by applying gradient to the identity.
@primitive
def _gradient_along(f, axis, spacing, edge_order):
    """``np.gradient`` along one axis, as a primitive (``gradient`` calls it once per axis)."""
    return _np.gradient(f, spacing, axis=axis, edge_order=edge_order)


def _gradient_vjp(ans, f, axis, spacing, edge_order):
    D = _np.gradient(_np.eye(_shape(f)[axis]), spacing, axis=0, edge_order=edge_order)
    return lambda g: anp.moveaxis(anp.tensordot(D.T, anp.moveaxis(g, axis, 0), 1), 0, axis)


_gradient_along.__name__ = "gradient"


def gradient(f, *varargs, axis=None, edge_order=1):
    """``np.gradient``: one array per axis (a tuple of them for several axes, as numpy)."""
    if not isbox(f):
        return _np.gradient(f, *varargs, axis=axis, edge_order=edge_order)
    ndim = anp.ndim(f)
    axes = _reduced_axes(axis, ndim)
    spacings = varargs if len(varargs) == len(axes) else (varargs[0] if varargs else 1.0,) * len(axes)
    pieces = [_gradient_along(f, a, s, edge_order) for a, s in zip(axes, spacings)]
    return pieces[0] if len(pieces) == 1 else _containers.make_sequence(tuple, *pieces)   # traced


gradient.primitive = _gradient_along
anp.gradient = gradient

defvjp(anp.cumsum,  _cumsum_vjp, symbol="cumΣ", formulas="reverse cumulative sum of g")
defjvp(anp.cumsum,  "same", formulas="cumulative sum of ẋ")
defvjp(anp.cumprod, _cumprod_vjp, symbol="cumΠ", formulas="reverse cumulative sum of g · ans, / x")
defjvp(anp.cumprod, lambda g, ans, x, axis=None, *args, **kwargs: ans * anp.cumsum(g / x, axis),
       formulas="ans · cumulative sum of ẋ / x")
defvjp(anp.diff,    _diff_vjp, formulas="g[i−1] − g[i] (repeated n times)")
defjvp(anp.diff,    _diff_jvp, formulas="ẋ[i+1] − ẋ[i] (repeated n times)")
defvjp(_gradient_along, _gradient_vjp, symbol="∇", formulas="Dᵀ · g (D: the differences)")
defjvp(_gradient_along, "same", formulas="differences of ẋ")


# linspace(start, stop, num) = start + (stop − start) · t with t running from 0 to 1 (along
# ``axis``), so start's adjoint is Σ g · (1 − t) and stop's is Σ g · t.
def _linspace_fraction(ans, num, endpoint, axis):
    ndim = anp.ndim(ans)
    axis = axis % ndim
    t = _np.linspace(0.0, 1.0, num, endpoint=endpoint)
    return t.reshape([-1 if i == axis else 1 for i in range(ndim)]), axis


def _linspace_vjp(argnum):
    def maker(ans, start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
        t, axis = _linspace_fraction(ans, num, endpoint, axis)
        weight, target = (1.0 - t, start) if argnum == 0 else (t, stop)
        return lambda g: unbroadcast(target, anp.sum(g * weight, axis=axis))
    return maker


def _linspace_jvp(argnum):
    def jvp(g, ans, start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
        t, axis = _linspace_fraction(ans, num, endpoint, axis)
        one_sample = _shape(ans)[:axis] + _shape(ans)[axis + 1:]     # start and stop broadcast
        g = g if _shape(g) == one_sample else anp.broadcast_to(g, one_sample)
        return anp.expand_dims(g, axis) * (1.0 - t if argnum == 0 else t)
    return jvp


defvjp(anp.linspace, _linspace_vjp(0), _linspace_vjp(1), formulas=("Σ g · (1 − t)", "Σ g · t"))
defjvp(anp.linspace, _linspace_jvp(0), _linspace_jvp(1), formulas=("ẋ · (1 − t)", "ẏ · t"))
