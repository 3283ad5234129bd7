"""The VJP table, part 4: numpy functions that return a list, or take one.

``np.split(x, 3)`` returns a *list* of arrays. To be differentiated (or returned from a
function being differentiated) that list must itself be traced, so each splitting function
is one primitive whose output is a list (a ``SequenceBox`` when traced, see ``builtins.py``).
Its VJP receives the list of the pieces' adjoints and glues them back together along the
axis that was split: the adjoint of splitting is concatenating. Splitting is linear, so its
JVP is the same split applied to the tangent.

The other way round, ``np.mean([x, y])`` hands numpy a list that *holds* Boxes. A primitive
only looks for Boxes among its direct arguments, so the reductions below first turn such a
list into one traced array (``np.array`` stacks the Boxes) and reduce that. ``np.r_`` and
``np.c_`` get the same treatment.
"""

from functools import wraps

import numpy as _np

from ..core import defvjp
from ..forward import defjvp
from ..tracer import getval, isbox, primitive
from . import numpy_wrapper as anp


# ------------------------------------------------------------------------------ splitting

def _split_axis(name, ndim, axis):
    """The axis each splitting function cuts along (hsplit: columns, unless x is 1-d)."""
    if name == "hsplit":
        return 1 if ndim > 1 else 0
    return {"vsplit": 0, "dsplit": 2}.get(name, axis)


def _splitting_primitive(numpy_split):
    """``numpy_split`` as a primitive returning a list, with its VJP and JVP."""
    name = numpy_split.__name__
    takes_axis = name in ("split", "array_split")

    def split(ary, indices_or_sections, axis=0):
        pieces = (numpy_split(ary, indices_or_sections, axis) if takes_axis
                  else numpy_split(ary, indices_or_sections))
        return list(pieces)

    split.__name__ = name
    split.__doc__ = (f"``np.{name}``: a list of pieces of ``ary``; traced as one list, so the "
                     f"pieces' adjoints are glued back together.")
    split = primitive(split)

    def vjp_maker(ans, ary, indices_or_sections, axis=0):
        along = _split_axis(name, anp.ndim(ary), axis)
        return lambda g: anp.concatenate([piece for piece in g], axis=along)

    defvjp(split, vjp_maker, symbol=name,
           formulas=("the pieces' adjoints g₀, g₁, … concatenated back",))
    defjvp(split, "same", formulas=(f"{name}(ẋ), the tangent cut the same way",))
    return split


split = _splitting_primitive(_np.split)
array_split = _splitting_primitive(_np.array_split)
hsplit = _splitting_primitive(_np.hsplit)
vsplit = _splitting_primitive(_np.vsplit)
dsplit = _splitting_primitive(_np.dsplit)


# --------------------------------------------------------- reductions of lists of Boxes

def _contains_box(value):
    if isbox(value):
        return True
    return isinstance(value, (list, tuple)) and any(_contains_box(item) for item in value)


def accepting_lists(fun):
    """``fun(a, ...)`` where ``a`` may also be a list or tuple holding Boxes: it is made one
    traced array first (by stacking, ``np.array``), so the Boxes stay traced."""
    @wraps(fun)
    def wrapper(a, *args, **kwargs):
        if isinstance(a, (list, tuple)) and _contains_box(a):
            a = anp.array(a)
        return fun(a, *args, **kwargs)
    wrapper.primitive = getattr(fun, "primitive", fun)
    return wrapper


mean = accepting_lists(anp.mean)
std = accepting_lists(anp.std)
var = accepting_lists(anp.var)


# ---------------------------------------------------------------------------- r_ and c_

class _Concatenator:
    """``np.r_[...]`` and ``np.c_[...]``: glue arrays, numbers and ``start:stop:step`` ranges.

    Without Boxes numpy does it. With Boxes: each entry becomes an array (a slice becomes its
    range, a number a 1-element array), then they are concatenated, traced. ``r_`` joins
    along the first axis; ``c_`` joins along the last, after making 1-d entries columns.
    Numpy's string directives (``np.r_['0,2', ...]``) are not supported with Boxes.
    """

    def __init__(self, numpy_version, columns):
        self.numpy_version = numpy_version
        self.columns = columns

    def __getitem__(self, key):
        entries = key if isinstance(key, tuple) else (key,)
        if not any(isbox(entry) for entry in entries):
            return self.numpy_version[key]
        if any(isinstance(entry, str) for entry in entries):
            raise NotImplementedError("np.r_ / np.c_ with a string directive ('0,2', 'r', ...) "
                                      "can't be traced; use np.concatenate or np.stack.")
        arrays = [self._as_array(entry) for entry in entries]
        if self.columns:
            arrays = [anp.reshape(a, (-1, 1)) if anp.ndim(a) == 1 else a for a in arrays]
            return anp.concatenate(arrays, axis=-1)
        return anp.concatenate(arrays, axis=0)

    def _as_array(self, entry):
        if isinstance(entry, slice):
            return self.numpy_version[entry]
        if isbox(entry):
            return entry if anp.ndim(entry) else anp.reshape(entry, (1,))
        return _np.atleast_1d(getval(entry))


r_ = _Concatenator(_np.r_, columns=False)
c_ = _Concatenator(_np.c_, columns=True)

for _function in (split, array_split, hsplit, vsplit, dsplit):
    setattr(anp, _function.__name__, _function)
