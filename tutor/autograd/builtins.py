"""Lists, tuples and dicts of arrays, differentiated as one value.

A neural net's parameters are rarely one array: they are ``[(W1, b1), (W2, b2)]`` or
``{"W1": ..., "b1": ...}``. ``grad`` with respect to such a container returns the gradient in
the same shape of container, so ``params - step * grad(loss)(params)`` can be written entry by
entry. How that works:

* A container being differentiated is boxed as a whole, in a :class:`SequenceBox` (lists and
  tuples) or a :class:`DictBox` (dicts). Reading an entry, ``params[0]`` or ``params["W1"]``,
  is the primitive :func:`container_take`, which is recorded like any other.
* The VJP of taking entry ``i`` is the container that is zero everywhere except ``g`` at
  ``i`` (:func:`container_untake`). The adjoint of the whole container is the sum of those, one
  per entry read: containers add entry by entry (:class:`ContainerSpace`).
* Building a container from Boxes, ``list((x, y))`` or ``dict(a=x)``, is a primitive too
  (:func:`make_sequence`, :func:`make_dict`): its VJP hands each argument its entry of ``g``.

The names mirror HIPS autograd's ``autograd.builtins``: ``list``, ``tuple`` and ``dict`` are the
built-in types that also accept Boxes, and ``isinstance`` looks inside a Box, so
``isinstance(params, dict)`` is True while ``params`` is being differentiated.
"""

import builtins as _builtins

from .core import VSpace, add_adjoints, defvjp, defvjp_argnum, vspace, zeros_like
from .forward import defjvp, defjvp_argnum
from .tracer import Box, box_types, getval, primitive

__all__ = ["list", "tuple", "dict", "isinstance", "type", "SequenceBox", "DictBox",
           "container_take", "container_untake", "make_sequence", "make_dict", "traced_container",
           "ContainerSpace"]

_list, _tuple, _dict = _builtins.list, _builtins.tuple, _builtins.dict


# ------------------------------------------------------------- reading and writing entries

@primitive
def container_take(container, index):
    """``container[index]``: one entry of a list, tuple or dict (or a slice of a sequence)."""
    return container[index]


@primitive
def container_untake(g, index, like):
    """The adjoint of ``like[index]``: a container shaped like ``like``, zero except ``g`` at
    ``index``. ``like`` is the container that was read (only its shape is used)."""
    result = zeros_like(like)
    if _builtins.isinstance(result, _dict):
        result[index] = g
        return result
    entries = _list(result)
    entries[index] = g            # a slice index puts a whole list of adjoints back
    return _builtins.type(result)(entries)


defvjp(container_take,
       lambda ans, container, index: lambda g: container_untake(g, index, getval(container)),
       symbol="[ ]", formulas="g at the entry read, 0 at the others")
defvjp(container_untake, lambda ans, g, index, like: lambda h: container_take(h, index),
       symbol="scatter", formulas="g[index]")
defjvp(container_take, "same", formulas="ẋ[index]")
defjvp(container_untake, "same", formulas="ẋ at index, 0 at the others")
container_take.__name__ = "take"
container_untake.__name__ = "untake"


# ----------------------------------------------------------------- building containers

@primitive
def make_sequence(sequence_type, *entries):
    """A list or tuple (``sequence_type``) of ``entries``: ``list((x, y))`` with Boxes inside."""
    return sequence_type(entries)


defvjp_argnum(make_sequence, lambda argnum, ans, args, kwargs:
              lambda g: container_take(g, argnum - 1),
              symbol="[…]", formulas=("",) + ("g[i], this entry's adjoint",) * 64)
defjvp_argnum(make_sequence, lambda argnum, g, ans, args, kwargs:
              container_untake(g, argnum - 1, getval(ans)),
              formulas=("",) + ("ẋ in this entry's place, 0 in the others",) * 64)


@primitive
def _make_dict_from(keys, *values):
    return _dict(zip(keys, values))


def make_dict(*args, **kwargs):
    """``dict(...)`` whose values may be Boxes: same arguments as the built-in ``dict``."""
    pairs = _dict(*args, **kwargs)
    return _make_dict_from(_tuple(pairs), *pairs.values())


defvjp_argnum(_make_dict_from, lambda argnum, ans, args, kwargs:
              lambda g: container_take(g, args[0][argnum - 1]),
              symbol="{…}", formulas=("",) + ("g[key], this value's adjoint",) * 64)
defjvp_argnum(_make_dict_from, lambda argnum, g, ans, args, kwargs:
              container_untake(g, args[0][argnum - 1], getval(ans)),
              formulas=("",) + ("ẋ at this key, 0 at the others",) * 64)
_make_dict_from.__name__ = "make_dict"


def traced_container(value):
    """A plain list, tuple or dict holding Boxes (``return x, x ** 2``), rebuilt with the
    traced constructors so that it is one traced value; nested containers too."""
    if _builtins.isinstance(value, _dict):
        return make_dict([(key, traced_container(entry)) for key, entry in value.items()])
    if _builtins.isinstance(value, (_list, _tuple)):
        kind = _list if _builtins.isinstance(value, _list) else _tuple
        return make_sequence(kind, *[traced_container(entry) for entry in value])
    return value


# ------------------------------------------------------------------ the vector spaces

class ContainerSpace(VSpace):
    """The vector space of a list, tuple or dict of arrays: each entry's space, side by side.

    Zeros, ones and random vectors are built entry by entry; adding and scaling act entry by
    entry; the inner product is the sum of the entries' inner products. Nested containers
    nest their spaces. Results are assembled with :func:`make_sequence` and
    :func:`make_dict`, so when the entries are Boxes (differentiating twice) the sum of two
    container adjoints is traced like any other value.
    """

    def __init__(self, value):
        self.value = getval(value)
        self.kind = _builtins.type(self.value)
        self.keys = _list(self.value) if _builtins.isinstance(self.value, _dict) else None
        self._spaces = None

    @property
    def spaces(self):
        """The vector space of each entry (worked out when first needed: adding doesn't)."""
        if self._spaces is None:
            self._spaces = [vspace(entry) for entry in self._entries(self.value)]
        return self._spaces

    def _build(self, entries):
        entries = _list(entries)
        kind = _tuple if hasattr(self.kind, "_fields") else self.kind    # namedtuple: a tuple
        if not any(_builtins.type(entry) in box_types for entry in entries):  # nothing traced
            return _dict(zip(self.keys, entries)) if self.keys is not None else kind(entries)
        if self.keys is not None:
            return make_dict(zip(self.keys, entries))
        return make_sequence(kind, *entries)

    def _entries(self, x):
        return [x[key] for key in self.keys] if self.keys is not None else _list(x)

    size = property(lambda self: sum(space.size for space in self.spaces))

    def zeros(self):
        return self._build(zeros_like(entry) for entry in self._entries(self.value))

    def ones(self):
        return self._build(space.ones() for space in self.spaces)

    def randn(self, rng=None):
        return self._build(space.randn(rng) for space in self.spaces)

    def _add(self, x, y):
        return self._build(add_adjoints(a, b) for a, b in zip(self._entries(x), self._entries(y)))

    def _mut_add(self, x, y):
        return self._add(x, y)

    def _scalar_mul(self, x, a):
        return self._build(space.scalar_mul(entry, a)
                           for space, entry in zip(self.spaces, self._entries(x)))

    def _inner_prod(self, x, y):
        products = [space.inner_prod(a, b) for space, a, b
                    in zip(self.spaces, self._entries(x), self._entries(y))]
        return sum(products[1:], products[0]) if products else 0.0

    def _covector(self, x):
        return self._build(space.covector(entry)
                           for space, entry in zip(self.spaces, self._entries(x)))

    def standard_basis(self):
        """Unit vectors: one entry at a time runs through its own basis, the others are 0."""
        for position, space in enumerate(self.spaces):
            for unit in space.standard_basis():
                entries = [other.zeros() for other in self.spaces]
                entries[position] = unit
                yield self._build(entries)

    def __eq__(self, other):
        return (_builtins.isinstance(other, ContainerSpace) and self.kind == other.kind
                and self.keys == other.keys and self.spaces == other.spaces)

    def __repr__(self):
        return f"{self.kind.__name__}space({self.spaces!r})"


# ------------------------------------------------------------------------- the boxes

def _no_changes(what):
    """A method refusing to change a container being differentiated, saying what to do."""
    def refuse(self, *args, **kwargs):
        kind = _builtins.type(getval(self)).__name__
        raise TypeError(
            f"A {kind} being differentiated can't be changed in place ({what}): the backward "
            f"pass still needs it as it was.\nBuild a new one instead, e.g. "
            + ("new = params + [value]" if kind != "dict" else "new = dict(params, key=value)")
            + ".")
    return refuse


class SequenceBox(Box):
    """A list or tuple being differentiated. Reading entries records ``container_take``."""

    __slots__ = ()

    def __getitem__(self, index):
        return container_take(self, index)

    def __len__(self):
        return len(self._value)

    def __iter__(self):
        return (container_take(self, i) for i in range(len(self._value)))

    def __add__(self, other):
        return make_sequence(_builtins.type(getval(self)), *self, *other)

    def __radd__(self, other):
        return make_sequence(_builtins.type(getval(self)), *other, *self)

    def index(self, value):
        return self._value.index(value)

    __setitem__ = _no_changes("item assignment")
    append = extend = insert = pop = remove = _no_changes("a list method")


class DictBox(Box):
    """A dict being differentiated. ``d[key]``, ``.get``, ``.values()``, ``.items()`` record
    ``container_take``; keys are plain, as they are not differentiated."""

    __slots__ = ()

    def __getitem__(self, key):
        return container_take(self, key)

    def __len__(self):
        return len(self._value)

    def __iter__(self):
        return iter(self._value)

    def __contains__(self, key):
        return key in self._value

    def keys(self):
        return self._value.keys()

    def values(self):
        return [self[key] for key in self._value]

    def items(self):
        return [(key, self[key]) for key in self._value]

    def get(self, key, default=None):
        return self[key] if key in self._value else default

    __setitem__ = _no_changes("item assignment")
    update = pop = setdefault = _no_changes("a dict method")


for _kind in (_list, _tuple):
    SequenceBox.register(_kind)
    ContainerSpace.register(_kind)
DictBox.register(_dict)
ContainerSpace.register(_dict)


# --------------------------------------------------- list, tuple, dict, isinstance, type

class _ContainerType(_builtins.type):
    """Metaclass of our ``list``/``tuple``/``dict``: calling one builds the container through
    a primitive (so Boxes inside are traced), and ``isinstance`` checks against the built-in."""

    def __call__(cls, *args, **kwargs):
        return cls.build(*args, **kwargs)

    def __instancecheck__(cls, instance):
        return _builtins.isinstance(getval(instance), cls.builtin)


class list(_list, metaclass=_ContainerType):
    """``list(iterable)``, also when the entries are Boxes (the result is then traced)."""
    builtin = _list

    @staticmethod
    def build(iterable=()):
        return make_sequence(_list, *iterable)


class tuple(_tuple, metaclass=_ContainerType):
    """``tuple(iterable)``, also when the entries are Boxes (the result is then traced)."""
    builtin = _tuple

    @staticmethod
    def build(iterable=()):
        return make_sequence(_tuple, *iterable)


class dict(_dict, metaclass=_ContainerType):
    """``dict(...)``, also when the values are Boxes (the result is then traced)."""
    builtin = _dict
    build = staticmethod(make_dict)


def isinstance(obj, classinfo):
    """The built-in ``isinstance``, looking through Boxes at the value being differentiated."""
    return _builtins.isinstance(getval(obj), classinfo)


def type(obj):
    """The built-in ``type`` of the value inside ``obj`` (``obj``'s own type if not a Box)."""
    return _builtins.type(getval(obj))
