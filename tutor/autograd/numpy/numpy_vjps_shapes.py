"""The VJP table, part 3: functions that move entries around without changing them.

Reshaping, transposing, flipping, joining, splitting, indexing: each output entry *is* some
input entry. So the adjoint goes back by the inverse move: reshape ``g`` back, transpose it
back, flip it back. And every one of them is *linear*, so its JVP is the move itself applied
to the tangent (``"same"``): ``reshape(ẋ)``, ``ẋᵀ``, ``ẋ[index]``. When an input entry was used several times (``tile``, ``repeat``,
``x[[0, 0]]``, broadcasting), its adjoint is the sum over its copies; when it was not used at
all (a slice), it gets 0. Indexing's VJP, :func:`_untake`, does both: it adds ``g`` into zeros.
"""

from operator import getitem, itemgetter

import numpy as _np

from ..core import defvjp, defvjp_argnum, lazy_types
from ..forward import defjvp, defjvp_argnum
from ..tracer import getval, isbox, primitive
from . import numpy_wrapper as anp
from .numpy_vjps import _match_complex, _shape, unbroadcast


def _back_to_shape_of(g, ans, x, *args, **kwargs):
    """The VJP of functions that only change the shape: g reshaped back to x's shape."""
    shape = _shape(x)
    return g.reshape(shape) if type(g) is _np.ndarray else anp.reshape(g, shape)


# ------------------------------------------------------------------------- reshaping

for _fun in (anp.reshape, anp.ravel, anp.squeeze, anp.expand_dims, anp.atleast_1d,
             anp.atleast_2d, anp.atleast_3d):
    defvjp(_fun, _back_to_shape_of, formulas="g reshaped back to x's shape", direct=True)
    defjvp(_fun, "same", formulas="ẋ reshaped like ans")

defvjp(anp.copy, lambda ans, x, *args, **kwargs: lambda g: g, formulas="g")
defjvp(anp.copy, "same", formulas="ẋ")
defvjp(anp.broadcast_to, lambda ans, x, shape, *args, **kwargs: lambda g: unbroadcast(x, g),
       formulas="g summed over the broadcast copies")
defjvp(anp.broadcast_to, "same", formulas="ẋ copied like x")
defvjp(anp.full, lambda g, ans, shape, fill_value, *args, **kwargs: unbroadcast(fill_value, g),
       argnums=(1,), direct=True, formulas=("g summed over the copies of the fill value",))
defjvp(anp.full, "same", argnums=(1,), formulas=("ẋ copied to every entry",))


def _one_or_many(fun):
    """numpy's ``atleast_1d(a, b)`` returns a tuple; a primitive must return one array."""
    def wrapper(*arys):
        if len(arys) == 1:
            return fun(arys[0])
        return tuple(fun(a) for a in arys)
    wrapper.__name__ = fun.__name__
    wrapper.__doc__ = fun.__doc__
    wrapper.primitive = fun
    return wrapper

# ------------------------------------------------------------------------------ axes


def _transpose_vjp(ans, x, axes=None):
    if axes is None:
        return lambda g: anp.transpose(g)
    return lambda g: anp.transpose(g, tuple(_np.argsort([a % anp.ndim(x) for a in axes])))


defvjp(anp.transpose, _transpose_vjp, symbol="ᵀ", formulas="gᵀ (axes moved back)")
defjvp(anp.transpose, "same", formulas="ẋᵀ")
defvjp(anp.swapaxes, lambda ans, x, axis1, axis2: lambda g: anp.swapaxes(g, axis2, axis1),
       symbol="ᵀ", formulas="g with the axes swapped back")
defjvp(anp.swapaxes, "same", formulas="ẋ with the axes swapped")
defvjp(anp.moveaxis, lambda ans, x, source, destination:
                     lambda g: anp.moveaxis(g, destination, source),
       formulas="g with the axes moved back")
defjvp(anp.moveaxis, "same", formulas="ẋ with the axes moved")


def _rollaxis_vjp(ans, x, axis, start=0):
    """rollaxis is a transpose; its adjoint is the inverse transpose."""
    ndim = anp.ndim(x)
    axis, start = axis % ndim, start + ndim if start < 0 else start
    order = [a for a in range(ndim) if a != axis]
    order.insert(start - 1 if axis < start else start, axis)
    return lambda g: anp.transpose(g, tuple(_np.argsort(order)))


defvjp(anp.rollaxis, _rollaxis_vjp, symbol="ᵀ", formulas="g with the axes rolled back")
defjvp(anp.rollaxis, "same", formulas="ẋ with the axes rolled")
if hasattr(anp, "matrix_transpose"):     # numpy >= 2
    defvjp(anp.matrix_transpose, lambda ans, x: lambda g: anp.matrix_transpose(g), symbol="ᵀ",
           formulas="gᵀ")
    defjvp(anp.matrix_transpose, "same", formulas="ẋᵀ")

# --------------------------------------------------------------------------- reordering

defvjp(anp.flip,   lambda ans, x, axis=None: lambda g: anp.flip(g, axis), formulas="g flipped back")
defjvp(anp.flip,   "same", formulas="ẋ flipped")
defvjp(anp.fliplr, lambda ans, x: lambda g: anp.fliplr(g), formulas="g flipped back")
defjvp(anp.fliplr, "same", formulas="ẋ flipped")
defvjp(anp.flipud, lambda ans, x: lambda g: anp.flipud(g), formulas="g flipped back")
defjvp(anp.flipud, "same", formulas="ẋ flipped")
defvjp(anp.rot90,  lambda ans, x, k=1, axes=(0, 1): lambda g: anp.rot90(g, -k, axes),
       formulas="g rotated back")
defjvp(anp.rot90,  "same", formulas="ẋ rotated")
defvjp(anp.roll,   lambda ans, x, shift, axis=None:
                   lambda g: anp.roll(g, _np.negative(shift), axis), formulas="g rolled back")
defjvp(anp.roll,   "same", formulas="ẋ rolled")

# ----------------------------------------------------------------------------- indexing


_getitem = primitive(getitem)              # x[index] as a primitive: Box.__getitem__ is it


@primitive
def _untake(g, index, shape):
    """The adjoint of ``x[index]``: ``g`` added into zeros of ``shape`` at ``index``.

    ``numpy.add.at`` adds once per occurrence, so ``x[[0, 0]]`` sends both adjoints to x[0].
    When no position can repeat (slices, single integers, masks), plain assignment does the
    same, faster.
    """
    result = _np.zeros(shape, dtype=_np.result_type(g, _np.float64))
    if _selects_each_position_once(index):
        result[index] = g
    else:
        _np.add.at(result, index, g)
    return result


def _selects_each_position_once(index):
    if type(index) in (slice, int):             # x[2:5], x[3]: the usual cases, at once
        return True
    parts = index if isinstance(index, tuple) else (index,)
    return all(part is None or part is Ellipsis or isinstance(part, (slice, int, _np.integer))
               or (isinstance(part, _np.ndarray) and part.dtype == bool) for part in parts)


class Scattered:
    """The adjoint of an array some of whose entries were indexed: a list of pieces ``g`` to add
    at ``index`` into zeros of ``shape``, written out only once they have all arrived.

    Slicing one long parameter vector into a network's weights (``params[0:128]``,
    ``params[128:192]``...) or reading ``x[i]`` in a loop sends the vector one small adjoint
    per piece. Written out one by one, each would be a full-size array of zeros, and summing
    them would cost a full-size addition each. The backward pass keeps them as a
    ``Scattered`` (a lazy adjoint, see ``core.lazy_types``) and writes them into one array
    of zeros when the vector's adjoint is used. Only plain values are kept this way: when
    differentiating twice the pieces are Boxes, and ``untake`` records them as usual.
    """

    __slots__ = ("pieces", "shape")

    def __init__(self, pieces, shape):
        self.pieces = pieces            # [(index, g), ...]
        self.shape = shape

    def add(self, other):
        """This adjoint plus ``other`` (another Scattered, or any adjoint of the same shape)."""
        if type(other) is Scattered:
            return Scattered(self.pieces + other.pieces, self.shape)
        if type(other) is _np.ndarray:
            return self._write_into(other.astype(self._dtype(other.dtype)))     # a copy of other
        return other + self.written_out()

    def written_out(self):
        joined = self._joined()
        if joined is not None:
            return joined
        return self._write_into(_np.zeros(self.shape, dtype=self._dtype(_np.dtype(_np.float64))))

    def _joined(self):
        """The adjoint as the pieces joined end to end, when they are plain slices ``x[a:b]``
        of a vector that cover it exactly once: a flat parameter vector cut into a network's
        weights and biases. Then no zeros and no additions are needed. None otherwise."""
        if len(self.shape) != 1:
            return None
        length = self.shape[0]
        spans = []
        for index, g in self.pieces:
            if type(index) is not slice or index.step not in (None, 1):
                return None
            start, stop, _ = index.indices(length)
            if start < stop:                    # an empty slice adds nothing
                spans.append((start, stop, g))
        spans.sort(key=_start_of_span)
        end = 0
        for start, stop, _ in spans:
            if start != end:                    # a gap or an overlap: add into zeros instead
                return None
            end = stop
        if end != length:
            return None
        return _np.concatenate([g for _, _, g in spans])

    def _dtype(self, start):
        """The dtype that holds ``start``'s and every piece's values (complex if any is)."""
        dtypes = {g.dtype for _, g in self.pieces}
        return start if dtypes == {start} else _np.result_type(start, *dtypes)

    def _write_into(self, result):
        for index, g in self.pieces:
            if _selects_each_position_once(index):
                result[index] += g
            else:
                _np.add.at(result, index, g)
        return result


_start_of_span = itemgetter(0)
lazy_types.add(Scattered)


def _getitem_vjp(g, ans, x, index):
    if type(g) in (_np.ndarray, _np.float64):
        return Scattered([(index, g)], _shape(x))
    return _untake(g, index, _shape(x))


defvjp(_getitem, _getitem_vjp, direct=True,
       symbol="[ ]", formulas="g added at the indexed positions, 0 elsewhere")
defjvp(_getitem, "same", formulas="ẋ[index]")
defvjp(_untake, lambda ans, g, index, shape: lambda h: _getitem(h, index),
       symbol="scatter", formulas="g[index]")
defjvp(_untake, "same", formulas="ẋ added into zeros at index")
_getitem.__name__ = "getitem"
_untake.__name__ = "untake"


def _along_axis(indices, axis, shape):
    """An index tuple for an output of ``shape``: ``indices`` along ``axis``, and along every
    other axis each position itself (the index form of ``take_along_axis``)."""
    ndim = len(shape)
    grid = [_np.arange(size).reshape([-1 if i == d else 1 for i in range(ndim)])
            for d, size in enumerate(shape)]
    grid[axis] = indices
    return tuple(grid)


def _take_vjp(ans, x, indices, axis=None, out=None, mode="raise"):
    shape = _shape(x)
    length = int(_np.prod(shape)) if axis is None else shape[axis]
    indices = _np.asarray(indices)
    indices = _np.clip(indices, 0, length - 1) if mode == "clip" else indices % length
    if axis is None:
        return lambda g: anp.reshape(_untake(g, indices, (length,)), shape)
    index = (slice(None),) * (axis % len(shape)) + (indices,)
    return lambda g: _untake(g, index, shape)


def _take_along_axis_vjp(ans, x, indices, axis=-1):
    shape = _shape(x)
    if axis is None:
        return lambda g: anp.reshape(_untake(g, indices, (int(_np.prod(shape)),)), shape)
    index = _along_axis(_np.asarray(indices), axis % len(shape), _shape(ans))
    return lambda g: _untake(g, index, shape)


def _sort_vjp(ans, x, axis=-1, *args, **kwargs):
    """sort(x) = x taken along ``axis`` in argsort order: the adjoint goes back to where each
    entry came from."""
    order = _np.argsort(getval(x), axis=axis, kind="stable")
    return _take_along_axis_vjp(ans, x, order, axis)


def _reordered(g, order, axis):
    """``g`` taken in ``order`` along ``axis`` (flattened first when ``axis`` is None)."""
    if axis is None:
        return anp.take(anp.ravel(g), order)
    return anp.take_along_axis(g, order, axis)


def _sort_jvp(g, ans, x, axis=-1, *args, **kwargs):
    return _reordered(g, _np.argsort(getval(x), axis=axis, kind="stable"), axis)


# partition(x, kth) is x taken in argpartition order, exactly like sort in argsort order.
def _partition_order(x, kth, axis=-1, kind="introselect", order=None):
    return _np.argpartition(getval(x), kth, axis=axis, kind=kind, order=order)


def _partition_vjp(ans, x, kth, axis=-1, *args, **kwargs):
    return _take_along_axis_vjp(ans, x, _partition_order(x, kth, axis, *args, **kwargs), axis)


def _partition_jvp(g, ans, x, kth, axis=-1, *args, **kwargs):
    return _reordered(g, _partition_order(x, kth, axis, *args, **kwargs), axis)


def _repeat_vjp(ans, x, repeats, axis=None):
    """repeat(x, r, axis) = take(x, [0, 0, 1, 1, ...], axis): each copy's adjoint adds up."""
    shape = _shape(x)
    length = int(_np.prod(shape)) if axis is None else shape[axis]
    copies_of = _np.repeat(_np.arange(length), repeats)
    return _take_vjp(ans, x, copies_of, axis)


defvjp(anp.take,          _take_vjp, formulas="g added at the taken positions, 0 elsewhere")
defjvp(anp.take,          "same", formulas="ẋ at the taken positions")
defvjp(anp.take_along_axis, _take_along_axis_vjp,
       formulas="g added at the taken positions, 0 elsewhere")
defjvp(anp.take_along_axis, "same", formulas="ẋ at the taken positions")
defvjp(anp.sort,          _sort_vjp, formulas="g sent back to each entry's unsorted position")
defjvp(anp.sort,          _sort_jvp, formulas="ẋ in the order that sorts x")
defvjp(anp.partition,     _partition_vjp, formulas="g sent back to each entry's position in x")
defjvp(anp.partition,     _partition_jvp, formulas="ẋ in the order that partitions x")
defvjp(anp.repeat,        _repeat_vjp, formulas="g summed over each entry's copies")
defjvp(anp.repeat,        "same", formulas="ẋ repeated")


# tile(x, reps): view g with axes (rep0, x0, rep1, x1, ...) and sum over the repetitions.
def _tile_vjp(ans, x, reps):
    reps = (reps,) if _np.ndim(reps) == 0 else tuple(reps)
    ndim = max(len(reps), anp.ndim(x))
    reps = (1,) * (ndim - len(reps)) + reps
    padded = (1,) * (ndim - anp.ndim(x)) + _shape(x)
    interleaved = tuple(size for pair in zip(reps, padded) for size in pair)
    summed = tuple(range(0, 2 * ndim, 2))
    return lambda g: anp.reshape(anp.sum(anp.reshape(g, interleaved), axis=summed), _shape(x))


defvjp(anp.tile, _tile_vjp, formulas="g summed over the tiles")
defjvp(anp.tile, "same", formulas="ẋ tiled")


# pad: constant padding is undone by slicing the padding off; edge/reflect/symmetric/wrap copy
# entries of x, so their adjoint is found by padding the *positions* of x the same way.
_INDEX_MODES = ("edge", "reflect", "symmetric", "wrap")


def _pad_vjp(ans, x, pad_width, mode="constant", **kwargs):
    shape = _shape(x)
    widths = _np.broadcast_to(_np.asarray(pad_width, dtype=int), (len(shape), 2))
    if mode == "constant":
        inside = tuple(slice(before, before + size) for (before, _), size in zip(widths, shape))
        return lambda g: g[inside]
    if mode in _INDEX_MODES:
        positions = _np.arange(int(_np.prod(shape))).reshape(shape)
        source = _np.pad(positions, widths, mode=mode, **kwargs)
        return lambda g: anp.reshape(_untake(g, source, (positions.size,)), shape)
    raise NotImplementedError(
        f"np.pad(mode={mode!r}) has no VJP in tutor.autograd; modes with a VJP: "
        f"'constant', {', '.join(repr(m) for m in _INDEX_MODES)}.")


def _pad_jvp(g, ans, x, pad_width, mode="constant", **kwargs):
    """The padding copies entries of x (moving with ẋ) or is constant (not moving at all)."""
    kwargs.pop("constant_values", None)
    kwargs.pop("end_values", None)
    return anp.pad(g, pad_width, mode, **kwargs)


defvjp(anp.pad, _pad_vjp, formulas="g with the padding cut off (copies summed)")
defjvp(anp.pad, _pad_jvp, formulas="ẋ padded (with zeros: the padding is constant)")

# ------------------------------------------------------------------------------- dtype


@primitive
def _astype(x, dtype, *args, **kwargs):
    """``x.astype(dtype)`` as a primitive."""
    return _np.asarray(x).astype(dtype, *args, **kwargs)


defvjp(_astype, lambda ans, x, dtype, *args, **kwargs:
                lambda g: _astype(_match_complex(x, g), _np.result_type(getval(x))),
       symbol="astype", formulas="g, converted back to x's dtype")
defjvp(_astype, "same", formulas="ẋ converted to the new dtype")
_astype.__name__ = "astype"

# ------------------------------------------------------- joining sequences of arrays
#
# concatenate([a, b, c]) takes a *list*; a primitive only looks for Boxes among its direct
# arguments, so the list is spread out: _concatenate_args(axis, a, b, c), one argnum per array.


@primitive
def _concatenate_args(axis, *arrays):
    return _np.concatenate(arrays, axis=axis)


def _concatenate_vjp(argnum, ans, args, kwargs):
    """Each array gets back the slice of g that came from it."""
    axis, arrays = args[0], args[1:]
    sizes = [_shape(a)[axis] for a in arrays]
    start = sum(sizes[: argnum - 1])
    stop = start + sizes[argnum - 1]

    def vjp(g):
        index = [slice(None)] * anp.ndim(g)
        index[axis] = slice(start, stop)
        return g[tuple(index)]
    return vjp


def _concatenate_jvp(argnum, g, ans, args, kwargs):
    """Joining is linear in all the arrays at once: this array's tangent, zeros for the rest."""
    axis, arrays = args[0], args[1:]
    pieces = [g if i == argnum - 1 else _np.zeros(_shape(a)) for i, a in enumerate(arrays)]
    return _concatenate_args(axis, *pieces)


_concatenate_args.__name__ = "concatenate"
defvjp_argnum(_concatenate_args, _concatenate_vjp, symbol="concat",
              formulas=("",) + ("the slice of g that came from this array",) * 64)
defjvp_argnum(_concatenate_args, _concatenate_jvp,
              formulas=("",) + ("ẋ in this array's place, zeros elsewhere",) * 64)


def concatenate(arrays, axis=0, out=None, **kwargs):
    """``np.concatenate`` that accepts Boxes among the arrays."""
    arrays = list(arrays)
    if not any(isbox(a) for a in arrays):
        return _np.concatenate(arrays, axis=axis, out=out, **kwargs)
    if axis is None:
        arrays, axis = [anp.ravel(a) for a in arrays], 0
    return _concatenate_args(axis, *arrays)


def stack(arrays, axis=0, **kwargs):
    """``np.stack``: every array gains a new axis, then they are concatenated along it."""
    arrays = [a if isbox(a) else _np.asarray(a) for a in arrays]
    if not any(isbox(a) for a in arrays):
        return _np.stack(arrays, axis=axis, **kwargs)
    axis = axis % (anp.ndim(arrays[0]) + 1)
    return concatenate([anp.expand_dims(a, axis) for a in arrays], axis=axis)


def hstack(arrays, **kwargs):
    arrays = [atleast_1d(a) for a in arrays]
    return concatenate(arrays, axis=0 if anp.ndim(arrays[0]) == 1 else 1)


def vstack(arrays, **kwargs):
    return concatenate([atleast_2d(a) for a in arrays], axis=0)


def dstack(arrays):
    return concatenate([atleast_3d(a) for a in arrays], axis=2)


def column_stack(arrays):
    arrays = [anp.reshape(a, (-1, 1)) if anp.ndim(a) < 2 else a for a in arrays]
    return concatenate(arrays, axis=1)


def array(A, *args, **kwargs):
    """``np.array`` that accepts (nested) lists containing Boxes, by stacking them."""
    if isbox(A) and not isinstance(getval(A), (list, tuple)):
        return A
    if isinstance(getval(A), (list, tuple)) and _contains_box(A):   # a traced list too
        return stack([array(a) for a in A])
    return _np.array(A, *args, **kwargs)


def asarray(A, *args, **kwargs):
    """``np.asarray`` that keeps Boxes traced."""
    if isbox(A) or (isinstance(A, (list, tuple)) and _contains_box(A)):
        return array(A)
    return _np.asarray(A, *args, **kwargs)


def _contains_box(value):
    if isbox(value):
        return True
    return isinstance(value, (list, tuple)) and any(_contains_box(item) for item in value)

def append(arr, values, axis=None):
    """``np.append``: without ``axis`` both are flattened first, as in numpy."""
    if not (isbox(arr) or isbox(values)):
        return _np.append(arr, values, axis=axis)
    if axis is None:
        return concatenate([anp.ravel(arr), anp.ravel(values)])
    return concatenate([arr, values], axis=axis)

# Splitting (split, array_split, hsplit, ...) returns a list: see numpy_vjps_sequences.py.


concat = concatenate
row_stack = vstack
atleast_1d = _one_or_many(anp.atleast_1d)
atleast_2d = _one_or_many(anp.atleast_2d)
atleast_3d = _one_or_many(anp.atleast_3d)

for _function in (concatenate, stack, hstack, vstack, dstack, column_stack, array, asarray, append,
                  atleast_1d, atleast_2d, atleast_3d):
    setattr(anp, _function.__name__, _function)
anp.concat = concat
anp.row_stack = row_stack
anp._getitem = _getitem
anp._astype = _astype
