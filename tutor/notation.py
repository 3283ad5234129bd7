"""How the tutor writes what it shows: numbers, shapes, arrays and the symbols ḡ ẋ ``**``.

Every text a learner reads (the recorder's lines, the stepper's nodes and tables, the
exports, the exercises' feedback) writes values through these few functions, so a number
reads the same everywhere:

    >>> value_text(0.69314718), value_text(2.0), value_text(3)
    ('0.6931', '2.0', '3')
    >>> number_text(4.0), number_text(0.0707372016677)
    ('4', '0.0707372')
    >>> typed_text(numpy.array([[1.0, 2.0], [3.0, 0.5]]))
    '[[1, 2], [3, 0.5]]'
    >>> shape_text((2, 3)), shape_text((3,)), shape_text(())
    ('2×3', '3', 'scalar')

Three ways of writing a number, one for each job:

- :func:`value_text`, a value inside the computation: at most 4 significant digits, and a
  float always shows a decimal point (``2.0`` is a float, ``2`` an integer);
- :func:`number_text`, an answer (``∂f/∂x = 4``): as a learner would write it, 6 digits;
- :func:`typed_text`, a value as one types it in a values box (``x=0.5``): 12 digits.

**Arrays.** One rule says which arrays are *small*: numeric, at most 2 axes and at most
:data:`SMALL_ARRAY` elements. A small array is written out element by element, a matrix
row by row (:func:`value_lines`). A bigger one is described by its shape, its smallest and
largest element, and a *heatmap* (:func:`heat`): a grid of at most 16×16 cells, each a whole
number from −10 (the most negative element) through 0 to +10 (the most positive).

**Symbols.** :data:`ADJOINT` ``ḡ`` (an adjoint, ``ḡ_v3``), :data:`TANGENT` ``ẋ`` (a tangent,
``ẋ_v3``) and :data:`POWER` ``**`` (a power, as Python writes it, never ``^``).
"""

from __future__ import annotations

import math
import numbers

import numpy

__all__ = ["ADJOINT", "TANGENT", "POWER", "SMALL_ARRAY", "HEAT_CELLS", "shape_text",
           "shape_words",
           "is_small", "value_text", "number_text", "typed_text", "value_lines",
           "unknown_lines", "stats_text", "heat", "edge_label"]

ADJOINT = "ḡ"        # "g bar": the adjoint of node v3 is written ḡ_v3
TANGENT = "ẋ"        # "x dot": the tangent of node v3 is written ẋ_v3
POWER = "**"         # x ** 2, as Python writes it
SMALL_ARRAY = 12     # an array of at most this many numbers (and 2 axes) is written out
ROW_ELEMENTS = 6     # a long vector is written in lines of this many elements
HEAT_CELLS = 16      # a heatmap has at most this many rows and columns
HEAT_LEVELS = 10     # its cells run from -HEAT_LEVELS to +HEAT_LEVELS


def _plain(value):
    """The number or array inside a Box (or Boxes, for grad of grad); others as they are."""
    while hasattr(value, "_value") and hasattr(value, "_node"):
        value = value._value
    return value


def shape_text(shape):
    """``2×3`` for a matrix, ``3`` for a vector, ``scalar`` for a single number."""
    shape = tuple(shape)
    if not shape:
        return "scalar"
    return "×".join(str(size) for size in shape)


def shape_words(shape):
    """``3-vector``, ``2×3 matrix``, ``2×3×4 array``, ``number``: a shape as a noun."""
    shape = tuple(shape)
    if not shape:
        return "number"
    if len(shape) == 1:
        return f"{shape[0]}-vector"
    return f"{shape_text(shape)} {'matrix' if len(shape) == 2 else 'array'}"


def _numeric(value):
    return isinstance(value, numpy.ndarray) and value.dtype.kind in "biuf"


def is_small(value):
    """Is ``value`` an array written out element by element (the one small-array rule)?

    Numeric, 1 or 2 axes, at most :data:`SMALL_ARRAY` elements. Numbers are not arrays;
    an empty array is small (it is written ``[]``).
    """
    value = _plain(value)
    return (_numeric(value) and 1 <= value.ndim <= 2 and value.size <= SMALL_ARRAY)


def _float_text(number):
    if math.isnan(number) or math.isinf(number):
        return str(number)
    if number == 0:
        return "0.0"                # -0.0 is a zero too: never shown with a sign
    text = f"{number:.4g}"
    if "." not in text and "e" not in text:
        text += ".0"
    return text


def _elements_text(value):
    """``[1.0, 2.0]``, ``[[1.0, 2.0], [3.0, 4.0]]``: an array, element by element."""
    if value.ndim == 0:
        return value_text(value[()])
    return "[" + ", ".join(_elements_text(part) for part in value) + "]"


def value_text(value):
    """A value in one short line: ``2.0``, ``0.6931``, ``3``, ``[1.0, 2.0]``,
    ``4×4 array (min -1.0, max 4.0)``.

    Numbers keep up to 4 significant digits; a small array (:func:`is_small`) is written out,
    a bigger one gives its shape and range. Tuples, lists and dicts are written with their
    items; anything else by its ``repr``, cut to 40 characters.
    """
    value = _plain(value)
    if isinstance(value, (bool, numpy.bool_)):
        return str(bool(value))
    if isinstance(value, (numbers.Integral, numpy.integer)):
        return str(int(value))
    if isinstance(value, (float, numpy.floating)):
        return _float_text(float(value))
    if isinstance(value, (complex, numpy.complexfloating)):
        value = complex(value)
        sign = "+" if value.imag >= 0 else "-"
        return f"({_float_text(value.real)}{sign}{_float_text(abs(value.imag))}j)"
    if isinstance(value, numpy.ndarray):
        if value.ndim == 0:
            return value_text(value[()])
        if value.size == 0:
            return "[]" if value.ndim == 1 else f"empty {shape_text(value.shape)} array"
        if is_small(value):
            return _elements_text(value)
        if _numeric(value):
            return f"{shape_text(value.shape)} array ({stats_text(value)})"
        return f"{shape_text(value.shape)} array of {value.dtype}"
    if value is None:
        return "None"
    if isinstance(value, (tuple, list)):
        inner = ", ".join(value_text(item) for item in value)
        if isinstance(value, list):
            return f"[{inner}]"
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{value_text(key)}: {value_text(item)}"
                               for key, item in value.items()) + "}"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def number_text(value):
    """An answer as a learner would write it: ``4`` for 4.0, ``0.0707372`` (6 digits).

    Arrays and anything else are written by :func:`value_text`.
    """
    value = _plain(value)
    if isinstance(value, numpy.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, (numbers.Real, numpy.floating, numpy.integer)) and not isinstance(
            value, (bool, numpy.bool_)):
        number = float(value)
        if math.isfinite(number) and number == round(number) and abs(number) < 1e15:
            return str(int(number))
        return f"{number:.6g}"
    return value_text(value)


def typed_text(value, digits=12):
    """A number or an array as one types it: ``2``, ``0.5``, ``[1, 2]``, ``[[1, 2], [3, 4]]``.

    Whole numbers lose their ``.0``, others keep ``digits`` significant digits, and a zero
    is never ``-0``. A number that is not finite reads ``nan``, ``inf`` or ``-inf`` (the
    values box refuses those, but a computed value may be one).
    """
    value = _plain(value)
    if isinstance(value, numpy.ndarray) and value.ndim > 0:
        return "[" + ", ".join(typed_text(part, digits) for part in value) + "]"
    number = float(value)
    if not math.isfinite(number):
        return str(number)
    if number == 0:
        return "0"
    if number == round(number) and abs(number) < 1e15:
        return str(int(number))
    return f"{number:.{digits}g}"


def stats_text(value):
    """``min -1.0, max 4.0``: the range of a numeric array."""
    value = numpy.asarray(_plain(value))
    if value.size == 0:
        return "no elements"
    return f"min {value_text(value.min())}, max {value_text(value.max())}"


def value_lines(name, value):
    """The lines a graph node shows for one value (its own, its adjoint or its tangent).

    ``v3 = 2.0`` for a number. Every array says its shape: ``v1 (3) = [1.0, 2.0, 3.0]`` for
    a short vector (a longer one continues on further lines); a small matrix gives
    ``v0 (2×2) =`` and then one line per row; a bigger array gives ``v3: 4×4`` and its range
    (the view adds its :func:`heat` map). An adjoint (``name`` ``ḡ``) or a tangent (``ẋ``)
    has the shape of its node, so it is written the same way, under the value.
    """
    value = _plain(value)
    if not isinstance(value, numpy.ndarray) or value.ndim == 0:
        return [f"{name} = {value_text(value)}"]
    shape = shape_text(value.shape)
    if not _numeric(value) or value.size == 0:
        return [f"{name} ({shape}) = {value_text(value)}"]
    if not is_small(value):
        return [f"{name}: {shape}", stats_text(value)]
    if value.ndim == 1:
        chunks = [value[start:start + ROW_ELEMENTS]
                  for start in range(0, value.size, ROW_ELEMENTS)]
        texts = [", ".join(value_text(element) for element in chunk) for chunk in chunks]
        lines = [f"{name} ({shape}) = [" + texts[0]]
        lines += [" " + text for text in texts[1:]]
        for index in range(len(lines) - 1):
            lines[index] += ","
        lines[-1] += "]"
        return lines
    return [f"{name} ({shape}) ="] + [_elements_text(row) for row in value]


def unknown_lines(name, value):
    """A node whose value is not known yet: ``v3 = ?``, or with its shape when it will be
    an array (``v3 (2×3) = ?``): the shape follows from the inputs', the numbers are to come."""
    value = _plain(value)
    if isinstance(value, numpy.ndarray) and value.ndim > 0:
        return [f"{name} ({shape_text(value.shape)}) = ?"]
    return [f"{name} = ?"]


def heat(value):
    """An array as a heatmap (None for a number or an empty array).

    The graph draws one under a big array's lines, and beside the shape of an array an
    edge carries.

    Returns ``{"rows": r, "columns": c, "cells": [...]}``: ``r × c`` whole numbers, row
    after row, from ``-10`` (the most negative element) through ``0`` to ``10`` (the most
    positive), scaled by the largest magnitude. A matrix is drawn as it is (more than 16 rows
    or columns are averaged in blocks down to 16), a vector as one row, an array with more
    axes as its first axis by the rest flattened.
    """
    value = _plain(value)
    if not _numeric(value) or value.ndim == 0 or value.size == 0:
        return None
    grid = numpy.asarray(value, dtype=float)
    grid = grid.reshape(1, -1) if grid.ndim == 1 else grid.reshape(grid.shape[0], -1)
    for axis in (0, 1):
        if grid.shape[axis] > HEAT_CELLS:
            blocks = numpy.array_split(grid, HEAT_CELLS, axis=axis)
            grid = numpy.concatenate([block.mean(axis=axis, keepdims=True)
                                      for block in blocks], axis=axis)
    finite = numpy.where(numpy.isfinite(grid), grid, 0.0)
    largest = float(numpy.max(numpy.abs(finite))) or 1.0
    cells = numpy.rint(finite / largest * HEAT_LEVELS).astype(int)
    return {"rows": int(grid.shape[0]), "columns": int(grid.shape[1]),
            "cells": cells.ravel().tolist()}


def edge_label(value, broadcast=()):
    """What an edge says a step sent along it: ``+0.5403`` or ``-2.0`` for a number;
    for an array its shape in words (the view adds a small heatmap), never its size alone:
    ``2×2 matrix``, ``3-vector``, or, when broadcasting summed it, ``Σ rows → 3-vector``.
    ``broadcast`` is a :class:`~tutor.record.BackwardStep`'s ``(words, big shape, small
    shape)``."""
    value = _plain(value)
    if broadcast:
        words, _, small = broadcast
        return f"Σ {words} → {shape_words(small)}"
    if isinstance(value, numpy.ndarray) and value.ndim > 0:
        return shape_words(value.shape)
    text = value_text(value)
    return text if text.startswith("-") else "+" + text
