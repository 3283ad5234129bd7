"""Shapes in words: how the tutor talks about the size of a value.

A learner thinks of ``W`` as "a 2×3 matrix" and of ``x`` as "3 numbers", not as
``(2, 3)`` and ``(3,)``. The parser's shape errors, the recorder's broadcasting steps and the
graph's node labels all describe shapes with these few helpers (and
:func:`tutor.notation.shape_text`, which writes ``2×3``), so they always use the same words:

    >>> shape_text((2, 3)), shape_text((3,)), shape_text(())
    ('2×3', '3', 'scalar')
    >>> describe("W", (2, 2)), describe("x", (3,)), describe("c", ())
    ('W is 2×2', 'x has 3 elements', 'c is a number')
    >>> summed_axes_text((2, 3), (3,))
    'rows'
"""

import numpy as _np

from .autograd.tracer import getval
from .notation import shape_text

__all__ = ["shape_of", "shape_text", "describe", "summed_axes", "summed_axes_text"]


def shape_of(value):
    """The shape of a number, an array or a Box (``()`` for a number)."""
    value = getval(value)               # Boxes inside Boxes too (grad of grad)
    shape = getattr(value, "shape", None)
    if shape is None:
        shape = _np.shape(value)
    return tuple(shape)


def describe(name, shape):
    """``W is 2×2``, ``x has 3 elements``, ``c is a number``: a value's shape in a sentence."""
    shape = tuple(shape)
    if not shape:
        return f"{name} is a number"
    if len(shape) == 1:
        return f"{name} has {shape[0]} element{'s' if shape[0] != 1 else ''}"
    return f"{name} is {shape_text(shape)}"


def summed_axes(big, small):
    """The axes of ``big`` that broadcasting summed to get back to ``small``.

    Broadcasting stretches ``small`` along new leading axes and along its axes of size 1;
    the adjoint of a stretched value is the sum over those axes. Returns the axes of
    ``big`` (a tuple, empty when the shapes are equal).
    """
    big, small = tuple(big), tuple(small)
    extra = len(big) - len(small)
    if extra < 0:
        return ()
    axes = list(range(extra))
    axes += [extra + i for i, size in enumerate(small) if size == 1 and big[extra + i] != 1]
    return tuple(axes)


def summed_axes_text(big, small):
    """What summing ``big`` down to ``small`` adds up, in words.

    ``rows`` (a matrix summed down its columns to one row: axis 0), ``columns`` (axis 1),
    ``all elements`` (down to a single number), otherwise ``axes 0, 2``.
    """
    big, small = tuple(big), tuple(small)
    axes = summed_axes(big, small)
    if not axes:
        return ""
    if not small or _np.prod(small) == 1 and len(axes) == len(big):
        return "all elements"
    if len(big) == 2 and axes == (0,):
        return "rows"
    if len(big) == 2 and axes == (1,):
        return "columns"
    return ("axis " if len(axes) == 1 else "axes ") + ", ".join(str(axis) for axis in axes)
