"""ArrayBox: a Box that behaves like the number or array inside it.

Every operator and array method a learner reaches for is defined here by calling a wrapped
numpy primitive, so ``x * y``, ``A @ B``, ``x.T`` and ``x.sum(axis=0)`` are all recorded.
Comparisons return plain booleans: they have no derivative.

Two mistakes get a clear message instead of a silent wrong answer or a puzzling numpy error:
writing into an array being differentiated (``x[0] = 1``), and handing a Box to plain numpy or
``math`` (``numpy.sin(x)``, ``math.exp(x)``, ``float(x)``), which would cut the trace.
Turning a Box into integers (``int(x)``, ``np.int64(x)``, indices computed from values) is
allowed: integers have no derivative, so nothing is lost.
"""

import operator as _operator

import numpy as _np

from ..core import numeric_types
from ..tracer import Box, getval
from . import numpy_wrapper as anp


class ArrayBox(Box):
    """A number or an array being differentiated (what ``grad`` hands your function).

    Its operators and methods, set below from ``_BOX_METHODS``, call the wrapped numpy, so
    ``x * y``, ``x.T`` and ``x.sum()`` are recorded. It is the Box of every numeric type, and
    of any type no other Box class was registered for.
    """

    __slots__ = ()

    def __len__(self):
        return len(self._value)

    def __hash__(self):
        return id(self)


def _binary(fun, reflected=False):
    # A primitive is a plain function, so it can be the method itself (``x + y`` calls
    # ``add(x, y)`` with no extra call in between); only the reflected form needs a wrapper.
    if reflected:
        return lambda self, other: fun(other, self)
    return fun


def _comparison(op):
    return lambda self, other: op(self._value, getval(other))


def _setitem(self, index, value):
    raise TypeError(
        "Item assignment into an array being differentiated (x[...] = ...) is not supported: "
        "it would overwrite a value the backward pass still needs.\nBuild a new array instead, "
        "e.g. with np.where(mask, new, x), np.concatenate([...]), or by collecting the pieces "
        "in a list and calling np.stack / np.array on it.")


def _to_array(self, dtype=None, copy=None):
    """``np.asarray(x, int)``, ``np.int64(x)``: integers carry no derivative, so a Box may become
    a plain integer array (indices computed from values). Floats may not: see below."""
    if dtype is not None and _np.dtype(dtype).kind in "biu":
        return _np.asarray(getval(self), dtype=dtype)
    return _plain_conversion("numpy array")(self)


def _plain_conversion(kind):
    def convert(self):
        raise TypeError(
            f"A Box (a value being differentiated) was turned into a plain {kind}. That happens "
            f"with functions from the math module (math.sin, math.exp, ...), with {kind}(x), or "
            f"when a Box is stored into a plain numpy array, and it would cut the derivative.\n"
            f"Use the traced versions instead: `import tutor.autograd.numpy as np` and np.sin, "
            f"np.exp, ...; collect values in a list and use np.array / np.stack.")
    return convert


# ufuncs that numpy calls when a plain ndarray meets a Box in an operator (ndarray * box).
_OPERATOR_UFUNCS = {
    _np.add: anp.add, _np.subtract: anp.subtract, _np.multiply: anp.multiply,
    _np.true_divide: anp.true_divide, _np.power: anp.power, _np.matmul: anp.matmul,
    _np.negative: anp.negative, _np.positive: anp.positive, _np.remainder: anp.remainder,
    _np.floor_divide: anp.floor_divide,
    _np.less: anp.less, _np.less_equal: anp.less_equal, _np.greater: anp.greater,
    _np.greater_equal: anp.greater_equal, _np.equal: anp.equal, _np.not_equal: anp.not_equal,
}


def _array_ufunc(self, ufunc, method, *inputs, **kwargs):
    traced = _OPERATOR_UFUNCS.get(ufunc)
    if traced is not None and method == "__call__" and not kwargs:
        return traced(*inputs)
    raise TypeError(
        f"Plain numpy's {ufunc.__name__} was applied to a Box (a value being differentiated); "
        f"plain numpy can't record it, so the derivative would be lost.\n"
        f"Use the traced version: `import tutor.autograd.numpy as np`, then np.{ufunc.__name__}(...).")


def _array_function(self, func, types, args, kwargs):
    name = getattr(func, "__name__", str(func))
    raise TypeError(
        f"Plain numpy's {name} was applied to a Box (a value being differentiated); plain numpy "
        f"can't record it, so the derivative would be lost.\n"
        f"Use the traced version: `import tutor.autograd.numpy as np`, then np.{name}(...).")


def _iter(self):
    return (self[i] for i in range(len(self)))


def _reshape(self, *shape, **kwargs):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    return anp.reshape(self, shape, **kwargs)


def _transpose(self, *axes):
    if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
        axes = axes[0]
    return anp.transpose(self, axes or None)


_BOX_METHODS = {
    "__add__": _binary(anp.add), "__radd__": _binary(anp.add, True),
    "__sub__": _binary(anp.subtract), "__rsub__": _binary(anp.subtract, True),
    "__mul__": _binary(anp.multiply), "__rmul__": _binary(anp.multiply, True),
    "__truediv__": _binary(anp.true_divide), "__rtruediv__": _binary(anp.true_divide, True),
    "__pow__": _binary(anp.power), "__rpow__": _binary(anp.power, True),
    "__matmul__": _binary(anp.matmul), "__rmatmul__": _binary(anp.matmul, True),
    "__mod__": _binary(anp.remainder), "__rmod__": _binary(anp.remainder, True),
    "__floordiv__": _binary(anp.floor_divide), "__rfloordiv__": _binary(anp.floor_divide, True),
    "__neg__": lambda self: anp.negative(self),
    "__pos__": lambda self: self,
    "__abs__": lambda self: anp.absolute(self),
    "__round__": lambda self, ndigits=0: anp.round(self, ndigits),
    "__format__": lambda self, spec: format(self._value, spec),
    "__getitem__": anp._getitem,
    "__setitem__": _setitem,
    "__iter__": _iter,
    "__lt__": _comparison(_np.less), "__le__": _comparison(_np.less_equal),
    "__gt__": _comparison(_np.greater), "__ge__": _comparison(_np.greater_equal),
    "__eq__": _comparison(_np.equal), "__ne__": _comparison(_np.not_equal),
    "__float__": _plain_conversion("float"), "__complex__": _plain_conversion("complex"),
    # int(x) and x as an index are piecewise constant: derivative 0, nothing is lost
    "__int__": lambda self: int(getval(self)),
    "__index__": lambda self: _operator.index(getval(self)),
    "__array__": _to_array,
    "__array_ufunc__": _array_ufunc,
    "__array_function__": _array_function,
    "__array_priority__": 100.0,
    # getval: when differentiating twice, a Box holds a Box, and the shape is the innermost value's
    "shape": property(lambda self: _np.shape(getval(self))),
    "ndim": property(lambda self: _np.ndim(getval(self))),
    "size": property(lambda self: _np.size(getval(self))),
    "dtype": property(lambda self: _np.result_type(getval(self))),
    "T": property(lambda self: anp.transpose(self)),
    "real": property(lambda self: anp.real(self)),
    "imag": property(lambda self: anp.imag(self)),
    "reshape": _reshape,
    "transpose": _transpose,
    "astype": lambda self, dtype, *args, **kwargs: anp._astype(self, dtype, *args, **kwargs),
    "item": lambda self, *args: self[args] if args else anp.reshape(self, ()),
}

for _name in ("dot sum mean prod max min var std cumsum cumprod ravel squeeze swapaxes clip "
              "conj conjugate diagonal trace flatten round argmax argmin argsort nonzero "
              "any all repeat take copy").split():
    _BOX_METHODS[_name] = getattr(anp, _name if _name != "flatten" else "ravel")   # x.sum(): sum(x)

for _name, _attribute in _BOX_METHODS.items():
    setattr(ArrayBox, _name, _attribute)

for _type in numeric_types:
    ArrayBox.register(_type)
Box.type_mappings.default = ArrayBox
