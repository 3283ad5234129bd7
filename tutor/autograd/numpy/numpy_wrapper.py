"""numpy's namespace, with every function made traceable.

Each numpy function becomes a :func:`primitive` (it records a Node when it meets a Box), except
functions whose result has no derivative (``shape``, ``argmax``, ``floor``, comparisons...),
which become :func:`notrace_primitive` (they unwrap Boxes and return plain values). Classes,
dtypes and constants pass through unchanged, so ``np.pi``, ``np.float64`` and ``np.newaxis``
work as usual. ``np.random`` (``random.py``) is numpy's random module wrapped the same way:
random draws are inputs, not operations, so none of its functions has a VJP.

A function that is wrapped but has no VJP registered still runs; differentiating through it
gives a clear ``MissingVJPError`` naming it.
"""

import types

import numpy as _np

from ..tracer import notrace_primitive, primitive

# Functions whose output is piecewise constant, integer-valued, boolean or about shape: no
# gradient flows through them.
NOTRACE_NAMES = """
    floor ceil round around rint fix trunc all any argmax argmin argpartition argsort argwhere
    nonzero flatnonzero count_nonzero searchsorted ndim shape size floor_divide
    logical_and logical_or logical_not logical_xor isfinite isinf isnan isneginf isposinf
    allclose isclose array_equal array_equiv greater greater_equal less less_equal equal
    not_equal iscomplexobj iscomplex isreal isrealobj isscalar zeros_like ones_like empty_like
    full_like result_type can_cast promote_types issubdtype unique bincount digitize histogram
    histogram_bin_edges
""".split()


def wrap_namespace(source, target):
    """Fill dict ``target`` with ``source``'s public names, functions wrapped as primitives.

    Returns the list of names added.
    """
    names = []
    for name, obj in source.items():
        if name.startswith("_") or isinstance(obj, types.ModuleType):
            continue
        names.append(name)
        if name in NOTRACE_NAMES and callable(obj):
            target[name] = notrace_primitive(obj)
        elif callable(obj) and not isinstance(obj, type):
            target[name] = primitive(obj)
        else:
            target[name] = obj
    return names


__all__ = wrap_namespace(_np.__dict__, globals())
__version__ = _np.__version__           # np.__version__ is numpy's own: HIPS code checks it
__all__.append("__version__")


# Two primitives get a quicker raw function for their plainest call, the commonest in
# training code: ``np.reshape(params[a:b], shape)`` on an array, ``np.mean(errors ** 2)`` on a
# float array. numpy's own functions go through several Python layers first. Every other
# call is numpy's own, and the results are numpy's, bit for bit (the same array method; the
# same sum divided by the same count).
def _reshape(a, *args, **kwargs):
    if type(a) is _np.ndarray and len(args) == 1 and not kwargs:
        return a.reshape(args[0])
    return _np.reshape(a, *args, **kwargs)


def _mean(a, *args, **kwargs):
    if type(a) is _np.ndarray and a.dtype == _np.float64 and a.size and not (args or kwargs):
        return _np.add.reduce(a, None) / a.size
    return _np.mean(a, *args, **kwargs)


for _fast, _numpy_version in ((_reshape, _np.reshape), (_mean, _np.mean)):
    _fast.__name__ = _numpy_version.__name__
    _fast.__qualname__ = _numpy_version.__qualname__
    _fast.__doc__ = _numpy_version.__doc__
reshape = primitive(_reshape)
mean = primitive(_mean)
