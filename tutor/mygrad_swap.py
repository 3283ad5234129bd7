"""One function, run on another autograd: its primitives swapped for the other's.

:func:`tutor.mygrad.compare` runs the same ``f`` twice: on the learner's autograd and on
``tutor.autograd``. ``f`` may be written with either's primitives (``log(x**2) + x*y`` with
the learner's ``log``, or ``tnp.log(...)``), so each run gets ``f`` *rebuilt*: the same code,
reading globals (and closure cells) in which every primitive is the chosen autograd's one of
the same name. Functions of the same notebook that ``f`` calls (a helper such as ``mean``)
are rebuilt the same way, and a namespace of primitives (the ``tnp`` module, lesson 7's
``SimpleNamespace(log=log, ...)``) is seen through a proxy that swaps what it hands out.

A primitive is known by the raw function it wraps: ``raw_fun`` on the course's glue (and in
a closure of that name, as lesson 4's ``primitive`` keeps it); ``tutor.autograd``'s carry
``_is_autograd_primitive``. Nothing here runs ``f``.
"""

import sys
import types

import tutor.autograd.numpy as library

__all__ = ["rebuilt", "raw_of", "is_library_primitive", "Swapped"]


def raw_of(value):
    """The raw function a learner's primitive wraps (``np.sin`` for their ``sin``), or None."""
    try:
        raw = getattr(value, "raw_fun", None)
        if raw is None and isinstance(value, types.FunctionType) and value.__closure__:
            names = value.__code__.co_freevars
            if "raw_fun" in names:
                raw = value.__closure__[names.index("raw_fun")].cell_contents
        return raw if callable(raw) else None
    except Exception:                       # noqa: BLE001 - any object a notebook holds
        return None


def is_library_primitive(value):
    """Is ``value`` one of ``tutor.autograd``'s primitives (``tnp.sin``)?"""
    try:
        return getattr(value, "_is_autograd_primitive", False) is True
    except Exception:                       # noqa: BLE001
        return False


class Swapped:
    """A namespace seen with its primitives swapped: ``Swapped(tnp, replace).sin`` is
    ``replace(tnp.sin)``, anything ``replace`` leaves alone is the namespace's own."""

    def __init__(self, namespace, replace):
        self._namespace, self._replace = namespace, replace

    def __getattr__(self, name):
        value = getattr(self._namespace, name)
        swapped = self._replace(value)
        return value if swapped is None else swapped

    def __repr__(self):
        return f"<{self._namespace!r}, its primitives swapped>"


def _holds_primitives(namespace, replace):
    """Is ``namespace`` the library, or a namespace of primitives made in a notebook (a
    ``SimpleNamespace``, the module ``load()`` returns: not an imported module)?"""
    if namespace is library:
        return True
    if isinstance(namespace, types.ModuleType) and sys.modules.get(
            namespace.__name__) is namespace or not isinstance(
            namespace, (types.SimpleNamespace, types.ModuleType)):
        return False
    return any(replace(value) is not None for value in vars(namespace).values())


def rebuilt(function, replace):
    """``function`` reading, wherever it read a primitive ``p``, ``replace(p)`` instead.

    ``replace(value)`` returns the value to use, or None to keep ``value``. Globals, closure
    cells, the notebook functions ``function`` can reach through its globals and namespaces
    of primitives are all swapped; the code itself is never changed.
    """
    if not isinstance(function, types.FunctionType):
        replacement = replace(function)
        return function if replacement is None else replacement
    source = function.__globals__
    swapped_globals = {}
    made = {}

    def swap(value):
        try:
            replacement = replace(value)
        except Exception:                   # noqa: BLE001 - an object with a hostile getattr
            replacement = None
        if replacement is not None:
            return replacement
        if isinstance(value, types.FunctionType) and value.__globals__ is source:
            return again(value)
        try:
            if _holds_primitives(value, replace):
                return Swapped(value, replace)
        except Exception:                   # noqa: BLE001
            pass
        return value

    def again(one):
        """``one`` rebuilt on the swapped globals (once: a function reaching itself, through
        its globals or its closure, finds its copy)."""
        if id(one) in made:
            return made[id(one)]
        cells = tuple(types.CellType() for _ in one.__closure__ or ())
        copy = types.FunctionType(one.__code__, swapped_globals, one.__name__,
                                  one.__defaults__, cells or None)
        made[id(one)] = copy
        for cell, old in zip(cells, one.__closure__ or ()):
            if _filled(old):
                cell.cell_contents = swap(old.cell_contents)
        copy.__kwdefaults__ = one.__kwdefaults__
        copy.__dict__.update(one.__dict__)
        copy.__qualname__ = one.__qualname__
        return copy

    swapped_globals.update({name: value if name.startswith("__") else swap(value)
                            for name, value in source.items()})
    return again(function)


def _filled(cell):
    try:
        cell.cell_contents
        return True
    except ValueError:                      # an empty cell (a name not assigned yet)
        return False
