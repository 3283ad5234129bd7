"""``flatten``: a nest of parameters as one vector, and the way back.

Optimizers and finite-difference checks want one flat vector; models want their parameters
as ``{"W1": matrix, "b1": vector, ...}``. ``flatten(params)`` gives both:

    >>> vector, unflatten = flatten({"W": np.ones((2, 2)), "b": 0.5})
    >>> vector
    array([0.5, 1. , 1. , 1. , 1. ])
    >>> unflatten(vector)["W"].shape
    (2, 2)

Entries are laid out in a fixed order: sequences in order, dicts by sorted key, each array by
``ravel``. Both directions are made of traced operations (ravel, concatenate, slicing,
reshape, and the traced list/tuple/dict constructors of ``builtins.py``), so gradients flow
through them: ``flatten`` works on Boxes inside containers, and ``unflatten`` can sit inside
a function being differentiated, even as its output.
"""

import numpy as _np

from .. import numpy as np
from ..builtins import make_dict, make_sequence
from ..tracer import getval

__all__ = ["flatten", "flatten_func"]


def flatten(value):
    """Return ``(vector, unflatten)``: every number of ``value`` in one 1-d array, and the
    function taking such a vector back to a value of ``value``'s structure."""
    leaves, rebuild = _take_apart(value)
    pieces = [np.ravel(leaf) for leaf in leaves]
    shapes = [_np.shape(getval(leaf)) for leaf in leaves]
    vector = np.concatenate(pieces) if pieces else _np.zeros(0)

    def unflatten(vector):
        """The structure ``flatten`` was given, filled with the numbers of ``vector``."""
        parts, start = [], 0
        for shape in shapes:
            size = int(_np.prod(shape))
            parts.append(np.reshape(vector[start:start + size], shape))
            start += size
        return rebuild(iter(parts))
    return vector, unflatten


def flatten_func(func, example):
    """``func(params, *args)`` as a function of one flat vector: returns
    ``(flat_func, unflatten, flat_example)`` with ``flat_func(vector, *args) ==
    func(unflatten(vector), *args)``, for optimizers that want vectors (scipy's minimize)."""
    flat_example, unflatten = flatten(example)

    def flat_func(vector, *args, **kwargs):
        return func(unflatten(vector), *args, **kwargs)
    return flat_func, unflatten, flat_example


def _take_apart(value):
    """The leaves (arrays and numbers) of a nest of containers, in flattening order, and a
    function rebuilding the nest from an iterator over new leaves."""
    plain = getval(value)
    if isinstance(plain, dict):
        keys = sorted(plain)
        parts = [_take_apart(value[key]) for key in keys]
        return ([leaf for leaves, _ in parts for leaf in leaves],
                lambda new: make_dict([(key, rebuild(new)) for key, (_, rebuild) in zip(keys, parts)]))
    if isinstance(plain, (list, tuple)):
        parts = [_take_apart(value[i]) for i in range(len(plain))]
        kind = list if isinstance(plain, list) else tuple
        return ([leaf for leaves, _ in parts for leaf in leaves],
                lambda new: make_sequence(kind, *[rebuild(new) for _, rebuild in parts]))
    return [value], next
