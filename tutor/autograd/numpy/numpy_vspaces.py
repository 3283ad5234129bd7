"""The vector spaces of numbers and arrays.

A real array of shape ``(2, 3)`` is a point of ℝ⁶: adding, scaling and the dot product are
numpy's, and the standard basis has one unit vector per entry. A complex array is a point of
a real space twice that size: each entry has a real and an imaginary direction, the inner
product is ``Re Σ conj(x)·y`` and the covector of ``x`` is ``conj(x)``.

Integers are differentiated as floats (``grad(f)(1)`` means ``grad(f)(1.0)``), so a space's
dtype is always a float or complex one. A number gives numbers (``zeros()`` of ``2.0`` is
``np.float64(0.0)``); an array gives arrays.
"""

import numpy as _np

from ..core import VSpace, numeric_types

__all__ = ["ArrayVSpace", "ComplexArrayVSpace"]


class ArrayVSpace(VSpace):
    """Real numbers and real arrays of one shape (``ℝⁿ`` with the dot product)."""

    def __init__(self, value):
        self.shape = _np.shape(value)
        self.dtype = float_dtype(value)
        self.number = not isinstance(value, _np.ndarray)   # a number, not a 0-d array

    size = property(lambda self: int(_np.prod(self.shape)))
    ndim = property(lambda self: len(self.shape))

    def _shaped(self, array):
        """``array`` as this space's vectors are: a numpy number for a number, else the array."""
        array = _np.asarray(array, self.dtype)
        return array[()] if self.number else array

    def zeros(self):
        return self._shaped(_np.zeros(self.shape, self.dtype))

    def ones(self):
        return self._shaped(_np.ones(self.shape, self.dtype))

    def standard_basis(self):
        for index in _np.ndindex(*self.shape):
            vector = _np.zeros(self.shape, self.dtype)
            vector[index] = 1
            yield self._shaped(vector)

    def randn(self, rng=None):
        """A random vector (standard normal entries; ``rng``: a numpy Generator, or np.random)."""
        return self._shaped(_draw(self.shape, rng))

    def _inner_prod(self, x, y):
        return _np.dot(_np.ravel(x), _np.ravel(y))

    def __eq__(self, other):
        return type(self) is type(other) and (self.shape, self.dtype) == (other.shape, other.dtype)

    def __repr__(self):
        return f"{type(self).__name__}_{ {'shape': self.shape, 'dtype': self.dtype} }"


class ComplexArrayVSpace(ArrayVSpace):
    """Complex numbers and arrays: each entry is two real dimensions, 1 and i."""

    iscomplex = True
    size = property(lambda self: 2 * int(_np.prod(self.shape)))

    def ones(self):
        return self._shaped(_np.full(self.shape, 1 + 1j, self.dtype))

    def standard_basis(self):
        for index in _np.ndindex(*self.shape):
            for unit in (1, 1j):
                vector = _np.zeros(self.shape, self.dtype)
                vector[index] = unit
                yield self._shaped(vector)

    def randn(self, rng=None):
        return self._shaped(_draw(self.shape, rng) + 1j * _draw(self.shape, rng))

    def _inner_prod(self, x, y):
        return _np.real(_np.vdot(x, y))          # vdot conjugates x: Re Σ conj(x)·y

    def _covector(self, x):
        return _np.conj(x)


def float_dtype(value):
    """The dtype of ``value``'s derivatives: its own if inexact, float64 for integers."""
    dtype = value.dtype if type(value) is _np.ndarray else _np.result_type(value)
    return dtype if dtype.kind in "fc" else _np.dtype(_np.float64)


def _draw(shape, rng):
    return (rng.standard_normal if rng is not None else _np.random.standard_normal)(shape)


def _array_space(value):
    return (ComplexArrayVSpace if _np.iscomplexobj(value) else ArrayVSpace)(value)


for _type in numeric_types - {_np.ndarray}:
    complex_type = issubclass(_type, (_np.complexfloating, complex))
    (ComplexArrayVSpace if complex_type else ArrayVSpace).register(_type)
VSpace.register(_np.ndarray, _array_space)
