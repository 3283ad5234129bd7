"""The VJP table: how each numpy primitive passes an adjoint ``g`` back to its arguments.

One line per primitive and argument, written with the wrapped numpy (so that the VJPs can
themselves be differentiated: that is all ``grad(grad(f))`` needs). Each registration also
carries what a learner reads: the symbol drawn in the graph and the formula in ``g``, the
arguments ``x``, ``y`` and the output ``ans``.

Binary operations broadcast: ``x + y`` with ``x`` of shape (3,) and ``y`` a scalar gives shape
(3,), so the adjoint reaching ``y`` has shape (3,) too and must be summed back to ``y``'s shape.
That is :func:`unbroadcast`.
"""

import numpy as _np

from ..core import defvjp, defvjp_argnum
from ..tracer import getval, isbox, primitive
from . import numpy_wrapper as anp

# ----------------------------------------------------------------------------- helpers


def _shape(value):
    value = getval(value)
    try:
        return value.shape          # arrays and numpy scalars: an attribute lookup
    except AttributeError:
        return _np.shape(value)     # Python numbers, lists


def unbroadcast(target, g):
    """Sum the adjoint ``g`` down to the shape of ``target`` (undoing numpy broadcasting).

    Broadcasting copies ``target`` along new leading axes and along axes of length 1; the
    adjoint of a copied value is the sum of the adjoints of its copies.
    """
    if type(g) is type(target) is _np.float64:
        return g                    # the common scalar case, decided without any shape lookups
    target_shape = _shape(target)
    g_shape = _shape(g)
    if g_shape == target_shape:
        return g
    extra = len(g_shape) - len(target_shape)
    if extra > 0:
        g = anp.sum(g, axis=tuple(range(extra)))
    axes = tuple(axis for axis, size in enumerate(target_shape) if size == 1 and _shape(g)[axis] != 1)
    if axes:
        g = anp.sum(g, axis=axes, keepdims=True)
    return g


def balanced_eq(x, z, y):
    """Where ``x`` was the max/min ``z``: 1, shared equally when ``x`` and ``y`` tie."""
    return (x == z) / (1.0 + (x == y))


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
defvjp(anp.power,       lambda ans, x, y: lambda g: unbroadcast(x, g * y * x ** anp.where(y, y - 1, 1.0)),
                        lambda ans, x, y: lambda g: unbroadcast(y, g * ans * anp.log(anp.where(x, x, 1.0))),
       symbol="^", formulas=("g · y · x^(y−1)", "g · ans · log(x)"))
defvjp(anp.negative,    lambda ans, x: lambda g: -g, symbol="−", formulas="−g")
defvjp(anp.positive,    lambda ans, x: lambda g: g, symbol="+", formulas="g")
defvjp(anp.remainder,   lambda ans, x, y: lambda g: unbroadcast(x, g),
                        lambda ans, x, y: lambda g: unbroadcast(y, -g * anp.floor(x / y)),
       symbol="mod", formulas=("g", "−g · floor(x / y)"))
anp.divide = anp.true_divide

# ------------------------------------------------------------------------- elementwise

defvjp(anp.exp,        lambda ans, x: lambda g: g * ans, formulas="g · ans")
defvjp(anp.log,        lambda ans, x: lambda g: g / x, formulas="g / x")
defvjp(anp.sin,        lambda ans, x: lambda g: g * anp.cos(x), formulas="g · cos(x)")
defvjp(anp.cos,        lambda ans, x: lambda g: -g * anp.sin(x), formulas="−g · sin(x)")
defvjp(anp.tanh,       lambda ans, x: lambda g: g * (1.0 - ans ** 2), formulas="g · (1 − ans²)")
defvjp(anp.sqrt,       lambda ans, x: lambda g: g * 0.5 / ans, formulas="g / (2 · ans)")
defvjp(anp.square,     lambda ans, x: lambda g: g * 2.0 * x, formulas="g · 2x")
defvjp(anp.absolute,   lambda ans, x: lambda g: g * anp.sign(x), symbol="abs", formulas="g · sign(x)")
defvjp(anp.maximum,    lambda ans, x, y: lambda g: unbroadcast(x, g * balanced_eq(x, ans, y)),
                       lambda ans, x, y: lambda g: unbroadcast(y, g * balanced_eq(y, ans, x)),
       symbol="max", formulas=("g · [x ≥ y]", "g · [y ≥ x]"))
defvjp(anp.minimum,    lambda ans, x, y: lambda g: unbroadcast(x, g * balanced_eq(x, ans, y)),
                       lambda ans, x, y: lambda g: unbroadcast(y, g * balanced_eq(y, ans, x)),
       symbol="min", formulas=("g · [x ≤ y]", "g · [y ≤ x]"))
defvjp(anp.where,      None,
                       lambda ans, c, x=None, y=None: lambda g: unbroadcast(x, anp.where(c, g, 0.0)),
                       lambda ans, c, x=None, y=None: lambda g: unbroadcast(y, anp.where(c, 0.0, g)),
       formulas=("", "g · [c]", "g · [not c]"))
anp.abs = anp.absolute

# -------------------------------------------------------------------------- reductions


def _repeat_to_match_shape(g, shape, axis, keepdims):
    """Spread a reduced adjoint back over the axes that were summed away."""
    if shape == ():
        return g, 1
    axis = tuple(range(len(shape))) if axis is None else (
        tuple(axis) if isinstance(axis, (tuple, list)) else (axis,))
    axis = tuple(a % len(shape) for a in axis)
    kept_shape = tuple(1 if i in axis else size for i, size in enumerate(shape))
    count = int(_np.prod([shape[i] for i in axis]))
    return anp.broadcast_to(anp.reshape(g, kept_shape), shape), count


def _sum_vjp(ans, x, axis=None, keepdims=False, dtype=None):
    shape = _shape(x)
    return lambda g: _repeat_to_match_shape(g, shape, axis, keepdims)[0]


def _mean_vjp(ans, x, axis=None, keepdims=False, dtype=None):
    shape = _shape(x)

    def vjp(g):
        spread, count = _repeat_to_match_shape(g, shape, axis, keepdims)
        return spread / count
    return vjp


defvjp(anp.sum,  _sum_vjp, symbol="Σ", formulas="g, copied over the summed axes")
defvjp(anp.mean, _mean_vjp, formulas="g / n, copied over the averaged axes")

# ---------------------------------------------------------------------- linear algebra


def _matmul_vjp(argnum):
    """matmul: ans = x @ y with batch broadcasting; 1-d operands are promoted and squeezed."""
    def maker(ans, x, y):
        def vjp(g):
            x2 = anp.expand_dims(x, 0) if anp.ndim(x) == 1 else x
            y2 = anp.expand_dims(y, -1) if anp.ndim(y) == 1 else y
            g2 = g
            if anp.ndim(x) == 1:
                g2 = anp.expand_dims(g2, -2)
            if anp.ndim(y) == 1:
                g2 = anp.expand_dims(g2, -1)
            if argnum == 0:
                result = anp.matmul(g2, anp.swapaxes(y2, -1, -2))
                result = anp.squeeze(result, -2) if anp.ndim(x) == 1 else result
                return unbroadcast(x, result) if anp.ndim(x) > 1 else _sum_leading(result, 1)
            result = anp.matmul(anp.swapaxes(x2, -1, -2), g2)
            result = anp.squeeze(result, -1) if anp.ndim(y) == 1 else result
            return unbroadcast(y, result) if anp.ndim(y) > 1 else _sum_leading(result, 1)
        return vjp
    return maker


def _sum_leading(value, ndim):
    extra = anp.ndim(value) - ndim
    return anp.sum(value, axis=tuple(range(extra))) if extra > 0 else value


defvjp(anp.matmul, _matmul_vjp(0), _matmul_vjp(1), symbol="@", formulas=("g @ yᵀ", "xᵀ @ g"))


def _dot_as_matmul(argnum):
    """dot equals matmul for 1-d and 2-d operands, and plain multiply for scalars."""
    def maker(ans, x, y):
        if anp.ndim(x) == 0 or anp.ndim(y) == 0:
            other = y if argnum == 0 else x
            target = x if argnum == 0 else y
            return lambda g: unbroadcast(target, anp.sum(g * other)) if anp.ndim(target) == 0 \
                else g * other
        return _matmul_vjp(argnum)(ans, x, y)
    return maker


defvjp(anp.dot, _dot_as_matmul(0), _dot_as_matmul(1), symbol="·", formulas=("g · yᵀ", "xᵀ · g"))

# ------------------------------------------------------------------- shapes and indexing

defvjp(anp.reshape,   lambda ans, x, shape, order=None: lambda g: anp.reshape(g, _shape(x)),
       formulas="g reshaped back to x's shape")
defvjp(anp.ravel,     lambda ans, x, order=None: lambda g: anp.reshape(g, _shape(x)),
       formulas="g reshaped back to x's shape")


def _transpose_vjp(ans, x, axes=None):
    if axes is None:
        return lambda g: anp.transpose(g)
    return lambda g: anp.transpose(g, _np.argsort(axes))


defvjp(anp.transpose, _transpose_vjp, symbol="ᵀ", formulas="gᵀ")
defvjp(anp.broadcast_to, lambda ans, x, shape, subok=False: lambda g: unbroadcast(x, g),
       formulas="g summed over the broadcast axes")
defvjp(anp.swapaxes, lambda ans, x, axis1, axis2: lambda g: anp.swapaxes(g, axis2, axis1),
       formulas="g with the axes swapped back")
defvjp(anp.expand_dims, lambda ans, x, axis: lambda g: anp.reshape(g, _shape(x)),
       formulas="g reshaped back to x's shape")
defvjp(anp.squeeze, lambda ans, x, axis=None: lambda g: anp.reshape(g, _shape(x)),
       formulas="g reshaped back to x's shape")


@primitive
def _getitem(x, index):
    """``x[index]`` as a primitive (Box.__getitem__ calls it)."""
    return x[index]


@primitive
def _untake(g, index, shape):
    """The adjoint of indexing: ``g`` added into zeros of ``shape`` at ``index``."""
    result = _np.zeros(shape, dtype=_np.result_type(g, _np.float64))
    if _selects_each_position_once(index):
        result[index] = g               # slices, single integers, masks: no position twice
    else:
        _np.add.at(result, index, g)    # integer arrays may repeat a position: accumulate
    return result


def _selects_each_position_once(index):
    parts = index if isinstance(index, tuple) else (index,)
    return all(part is None or part is Ellipsis or isinstance(part, (slice, int, _np.integer))
               or (isinstance(part, _np.ndarray) and part.dtype == bool) for part in parts)


defvjp(_getitem, lambda ans, x, index: lambda g: _untake(g, index, _shape(x)),
       symbol="[ ]", formulas="g placed at the indexed positions, zeros elsewhere")
defvjp(_untake, lambda ans, g, index, shape: lambda h: _getitem(h, index),
       symbol="scatter", formulas="g[index]")
anp._getitem = _getitem


@primitive
def _astype(x, dtype, *args, **kwargs):
    return _np.asarray(x).astype(dtype, *args, **kwargs)


defvjp(_astype, lambda ans, x, dtype, *args, **kwargs: lambda g: anp.asarray(g).astype(_np.result_type(getval(x))),
       formulas="g")
anp._astype = _astype

# ------------------------------------------------- functions taking sequences of arrays


@primitive
def _concatenate_args(axis, *arrays):
    return _np.concatenate(arrays, axis=axis)


def _concatenate_vjp(argnum, ans, args, kwargs):
    axis, arrays = args[0], args[1:]
    sizes = [_np.shape(getval(a))[axis] if _np.ndim(getval(a)) else 1 for a in arrays]
    start = sum(sizes[: argnum - 1])
    stop = start + sizes[argnum - 1]

    def vjp(g):
        index = [slice(None)] * anp.ndim(g)
        index[axis] = slice(start, stop)
        return g[tuple(index)]
    return vjp


defvjp_argnum(_concatenate_args, _concatenate_vjp, symbol="concat",
              formulas=("", "g, the slice that came from this array"))


def concatenate(arrays, axis=0, out=None, **kwargs):
    """``np.concatenate`` that accepts Boxes among the arrays."""
    arrays = list(arrays)
    if any(isbox(a) for a in arrays):
        return _concatenate_args(axis, *arrays)
    return _np.concatenate(arrays, axis=axis, out=out, **kwargs)


def stack(arrays, axis=0, **kwargs):
    """``np.stack`` that accepts Boxes: every array gains an axis, then they are concatenated."""
    arrays = [anp.asarray(a) if not isbox(a) else a for a in arrays]
    if not any(isbox(a) for a in arrays):
        return _np.stack(arrays, axis=axis, **kwargs)
    ndim = anp.ndim(arrays[0]) + 1
    axis = axis % ndim
    return concatenate([anp.expand_dims(a, axis) for a in arrays], axis=axis)


def hstack(arrays, **kwargs):
    arrays = [anp.atleast_1d(a) for a in arrays]
    return concatenate(arrays, axis=0 if anp.ndim(arrays[0]) == 1 else 1)


def vstack(arrays, **kwargs):
    return concatenate([anp.atleast_2d(a) for a in arrays], axis=0)


def column_stack(arrays):
    arrays = [anp.reshape(a, (-1, 1)) if anp.ndim(a) < 2 else a for a in arrays]
    return concatenate(arrays, axis=1)


def array(A, *args, **kwargs):
    """``np.array`` that accepts (nested) lists containing Boxes, by stacking them."""
    if isbox(A):
        return A
    if isinstance(A, (list, tuple)) and _contains_box(A):
        return stack([array(a) for a in A])
    return _np.array(A, *args, **kwargs)


def asarray(A, *args, **kwargs):
    if isbox(A) or (isinstance(A, (list, tuple)) and _contains_box(A)):
        return array(A)
    return _np.asarray(A, *args, **kwargs)


def _contains_box(value):
    if isbox(value):
        return True
    return isinstance(value, (list, tuple)) and any(_contains_box(item) for item in value)


for _function in (concatenate, stack, hstack, vstack, column_stack, array, asarray):
    setattr(anp, _function.__name__, _function)
anp.row_stack = vstack
defvjp(anp.atleast_1d, lambda ans, x: lambda g: anp.reshape(g, _shape(x)), formulas="g")
defvjp(anp.atleast_2d, lambda ans, x: lambda g: anp.reshape(g, _shape(x)), formulas="g")
