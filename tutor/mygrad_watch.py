"""Watching the learner's own autograd run, for :func:`tutor.mygrad.compare`.

The learner's code runs unchanged. What is watched is what it calls, from the outside:

* every **primitive** of their autograd's namespace is wrapped, so each application is seen
  (its arguments, the Node it recorded, that Node's parents and value) in the order of the
  forward pass;
* each recorded Node's ``vjp`` is wrapped, so each call the learner's ``backward_pass`` makes
  is seen: the adjoint it passes in, the contributions that come back, and, read from the
  learner's own dict of adjoints in the calling frame, every adjoint it holds just before;
* ``toposort`` and ``backward_pass`` are wrapped to see the order returned, the seed and the
  adjoints returned; the pieces that can be checked call by call (``vjp_sin``,
  ``unbroadcast``, ``jvp_multiply`` ...) are wrapped to see what each was given and gave;
* in forward mode, the operators of the learner's ``Dual`` and the functions on it.

This runs in the checker's child process (:mod:`tutor.exercises.sandbox`): a copy of the
learner's kernel, so the wrapping never outlives the comparison, and an endless loop is
stopped by the checker's time limit. What was seen goes to the parent as it happens, in
JSON messages of plain numbers and lists (:func:`encode`), so the steps seen before a hang or
a crash still arrive. :mod:`tutor.mygrad_compare` reads them.
"""

import contextlib
import numbers
import sys
import types

import numpy as np

from . import mygrad
from .exercises.compare import summarize
from .exercises.limits import TimeLimitExceeded, describe_exception, time_limit
from .mygrad_pieces import (CHECKED_CALLS, FORWARD_PIECES, PIECES, REVERSE_PIECES, _moved,
                            called_as, formula_of, innermost_piece, names_read, own_piece,
                            piece_codes, whose)
from .mygrad_swap import is_library_primitive, raw_of, rebuilt

# A Dual's operators: dunder -> (primitive, reflected?); None: unary.
DUNDERS = {"__add__": ("add", False), "__radd__": ("add", True),
           "__sub__": ("subtract", False), "__rsub__": ("subtract", True),
           "__mul__": ("multiply", False), "__rmul__": ("multiply", True),
           "__truediv__": ("divide", False), "__rtruediv__": ("divide", True),
           "__pow__": ("power", False), "__rpow__": ("power", True),
           "__neg__": ("negative", None)}
ELEMENTARY = ("sin", "cos", "exp", "log", "tanh")       # functions a Dual notebook defines


# -------------------------------------------------------------- changes, and undoing them

_MISSING = object()
_undo = None            # while :func:`undone` runs: every change, to be put back


@contextlib.contextmanager
def undone():
    """Put back every name and operator the watching changes, when it ends. Needed only
    where the learner's code runs in the kernel itself (no ``fork``): a child process is a
    copy, thrown away with its changes."""
    global _undo
    _undo = []
    try:
        yield
    finally:
        changes, _undo = _undo, None
        for container, key, old in reversed(changes):
            if isinstance(container, dict):
                if old is _MISSING:
                    container.pop(key, None)
                else:
                    container[key] = old
            elif old is _MISSING:
                delattr(container, key)
            else:
                setattr(container, key, old)


def _set(container, key, value):
    """``container[key] = value`` for a dict, ``setattr`` for a class; undoable."""
    if isinstance(container, dict):
        old = container.get(key, _MISSING)
        container[key] = value
    else:
        old = vars(container).get(key, _MISSING)
        setattr(container, key, value)
    if _undo is not None:
        _undo.append((container, key, old))


# ------------------------------------------------------------------------------- values

def encode(value):
    """A learner's value as plain JSON: a number, ``{"shape", "data"}`` for a numeric
    array, ``{"other": text}`` for anything else (None, a tuple, a string ...)."""
    try:
        if isinstance(value, (bool, np.bool_)):
            return {"other": f"{value} (a bool)"}
        if isinstance(value, (numbers.Real, np.floating, np.integer)):
            return float(value)
        if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
            return {"shape": list(value.shape),
                    "data": [float(item) for item in value.astype(float).ravel()]}
    except Exception:                       # noqa: BLE001 - a number whose float() fails
        pass
    return {"other": summarize(value)}


# ------------------------------------------------------------------- the learner's code

def learner_namespace(autograd, notebook, forward=False):
    """The namespace of the learner's autograd to run, and whose each piece is.

    ``autograd`` None: the pieces in ``mygrad.py`` as they are (even failing their checks),
    those defined in the ``notebook`` (its globals) in their place, the course's for the
    others, joined by the course's glue; in ``forward`` mode, the notebook's dual numbers
    (lesson 11), their rules the learner's. A dict (a notebook's ``globals()``, whose own
    autograd it is) or a module from :func:`tutor.mygrad.load`: that namespace. Either way
    every stand-in that replaced a learner's attempt is given the attempt back.
    """
    shares = {}
    if autograd is None and not forward:
        namespace = {}
        if mygrad.path().exists():
            error = mygrad._run_file(mygrad.path().read_text(encoding="utf-8"), namespace)
            if error:
                shares["mygrad.py"] = error.replace(f"{mygrad.FILE_NAME} ", "", 1)
        for name, (_, exercise_id) in mygrad.KEPT.items():
            mine = own_piece(notebook.get(name))
            if mine is not None:
                namespace[name] = _moved(mine, namespace)
                shares[name] = whose(name, notebook[name], True)
            elif own_piece(namespace.get(name)) is not None:
                shares[name] = "yours"
            else:
                namespace[name] = mygrad.stand_in(exercise_id, namespace)
                shares[name] = "the course's"
        mygrad._add_glue(namespace)
        return namespace, shares
    if autograd is None:
        namespace = notebook
    else:
        namespace = autograd if isinstance(autograd, dict) else autograd.namespace
    for name in PIECES:
        value = namespace.get(name)
        if callable(value):
            shares[name] = whose(name, value, autograd is None)
            mine = own_piece(value)
            if mine is not None and mine is not value:
                _set(namespace, name, _moved(mine, namespace))
    return namespace, shares


# --------------------------------------------------------------------------- the watcher

class Watcher:
    """Wraps what the learner's autograd calls and sends what it sees (see the module doc).

    Learner Nodes (and Duals) are numbered in the order they are first seen; messages name
    them by number: ``{"input": ...}``, ``{"apply": ...}``, ``{"order": ...}``,
    ``{"seed": ...}``, ``{"vjp": ...}``, ``{"adjoints": ...}``, ``{"result": ...}``,
    ``{"error": ...}``.
    """

    def __init__(self, namespace, send, f=None):
        self.namespace, self.send = namespace, send
        self.numbers, self.kept = {}, []           # id(node) -> number; the nodes, alive
        self.depth = 0                             # inside a watched primitive
        self.calls = []                            # piece calls during the current step
        self.end_node = None                       # where the backward pass starts
        self.held = {}                             # the learner's adjoints, as last sent
        self.stage = "forward"                     # then "backward", then "after"
        self.codes = piece_codes(namespace, f)
        self.own_codes = set()                     # the watchers' code: frames not read
        self.originals = {}                        # piece name -> the learner's function

    # -- numbering ----------------------------------------------------------------------

    def number(self, thing, value=None, tangent=None):
        """The number of a Node or Dual; one first met here is an input (sent as such)."""
        if id(thing) not in self.numbers:
            self.numbers[id(thing)] = len(self.kept)
            self.kept.append(thing)
            message = {"node": self.numbers[id(thing)], "value": encode(value)}
            if tangent is not None:
                message["tangent"] = encode(tangent)
            self.send({"input": message})
        return self.numbers[id(thing)]

    def known(self, thing):
        return self.numbers.get(id(thing))

    # -- reverse mode -------------------------------------------------------------------

    def watch_reverse(self):
        namespace = self.namespace
        table = namespace.get("vjp_table") if isinstance(namespace.get("vjp_table"), dict) \
            else {}
        for name, value in list(namespace.items()):
            raw = raw_of(value)
            if raw is not None and not isinstance(value, type):
                _set(namespace, name, self._primitive(value, raw.__name__, table.get(value, ())))
        self._watch_pieces(table)
        for name, wrap in (("toposort", self._toposort), ("backward_pass", self._backward)):
            if callable(namespace.get(name)):
                _set(namespace, name, wrap(namespace[name]))

    def _primitive(self, primitive, name, makers):
        formulas = {}
        shown = set(CHECKED_CALLS) - {"unbroadcast"}        # unbroadcast only sums: not shown
        for argnum, maker in enumerate(makers):
            for piece in sorted(names_read(maker) & shown) + (
                    [maker.__name__] if getattr(maker, "__name__", "") in shown else []):
                mine = own_piece(self.namespace.get(piece))
                if mine is not None:
                    formulas[argnum] = formula_of(mine, piece) or called_as(mine, piece)

        def watched(*args, **kwargs):
            if self.depth:
                return primitive(*args, **kwargs)
            self.depth += 1
            try:
                out = primitive(*args, **kwargs)
            finally:
                self.depth -= 1
            node = getattr(out, "node", None)
            if node is not None and hasattr(node, "parents"):
                self._applied(name, args, kwargs, out, node, formulas)
            return out

        watched.__name__ = getattr(primitive, "__name__", name)
        watched.raw_fun = raw_of(primitive)
        return watched

    def _operand(self, arg):
        node = getattr(arg, "node", None)
        if node is not None and hasattr(node, "parents"):
            return ["node", self.number(node, getattr(node, "value", None))]
        return ["value", encode(arg)]

    def _applied(self, name, args, kwargs, out, node, formulas):
        operands = [self._operand(arg) for arg in args]
        try:
            parents = [self.number(parent, getattr(parent, "value", None))
                       for parent in node.parents]
        except TypeError:                               # parents that are not a sequence
            parents = None
        number = self.numbers[id(node)] = len(self.kept)    # made by this application
        self.kept.append(node)
        self.send({"apply": {"node": number, "name": name, "args": operands,
                             "kwargs": {key: encode(value) for key, value in kwargs.items()},
                             "parents": parents, "value": encode(getattr(out, "value", None)),
                             "formulas": formulas}})
        vjp = getattr(node, "vjp", None)
        if callable(vjp):
            try:
                node.vjp = self._vjp(node, vjp)
            except AttributeError:                      # a Node that takes no new attributes
                pass

    def _vjp(self, node, vjp):
        def watched(g, *more, **kwargs):
            number = self.known(node)
            before = self._snapshot(sys._getframe(1))
            self.calls = []
            self.send({"calling": {"node": number, "g": encode(g), "before": before}})
            out = vjp(g, *more, **kwargs)
            if isinstance(out, (tuple, list)):
                contributions = [encode(item) for item in out]
            else:
                contributions = {"other": summarize(out)}
            self.send({"vjp": {"node": number, "out": contributions, "pieces": self.calls}})
            return out
        return watched

    def _snapshot(self, frame):
        """What changed in the learner's adjoints since the last VJP call, as ``{"changed":
        {number: value}, "gone": [number]}``, read from their dict of adjoints in the frames
        of their backward pass (the dict of numbers keyed by Nodes, the seed's Node among
        them if any is), or None when there is no such dict. Only changes travel: an array
        added to in place changes without a new object, so values are compared, not ids."""
        best, score = None, (False, 0)
        for _ in range(8):
            if frame is None or frame.f_code in self.own_codes:
                break
            for value in list(frame.f_locals.values()):
                if not isinstance(value, dict):
                    continue
                nodes = [key for key in list(value)[:200] if self.known(key) is not None]
                if nodes and not any("other" in encoded for encoded in (
                        encode(value[key]) for key in nodes[:3]) if isinstance(encoded, dict)):
                    mine = (any(key is self.end_node for key in nodes), len(nodes))
                    if mine > score:
                        best, score = value, mine
            frame = frame.f_back
        if best is None:
            return None
        now = {str(self.known(key)): encode(value) for key, value in list(best.items())
               if self.known(key) is not None}
        change = {"changed": {key: value for key, value in now.items()
                              if self.held.get(key) != value},
                  "gone": [key for key in self.held if key not in now]}
        self.held = now
        return change

    def _toposort(self, toposort):
        def watched(end_node, *more, **kwargs):
            self.send({"entered": "toposort"})
            order = toposort(end_node, *more, **kwargs)
            if isinstance(order, types.GeneratorType) or not hasattr(order, "__len__"):
                order = list(order)
            self.send({"order": [self.known(node) if self.known(node) is not None else -1
                                 for node in order]})
            return order
        watched.__name__ = "toposort"
        return watched

    def _backward(self, backward_pass):
        def watched(g, end_node, *more, **kwargs):
            self.send({"seed": {"g": encode(g), "node": self.known(end_node)}})
            self.end_node, self.stage = end_node, "backward"
            adjoints = backward_pass(g, end_node, *more, **kwargs)
            self.stage = "after"
            if isinstance(adjoints, dict):
                self.send({"adjoints": {str(self.known(key)): encode(value)
                                        for key, value in adjoints.items()
                                        if self.known(key) is not None}})
            else:
                self.send({"adjoints": {"other": summarize(adjoints)}})
            return adjoints
        watched.__name__ = "backward_pass"
        self.own_codes.add(watched.__code__)
        return watched

    # -- pieces checked call by call ------------------------------------------------------

    def _watch_pieces(self, table=None):
        """Wrap the learner's pieces checked call by call, where the namespace names them and
        where the VJP table holds them (lesson 8 registers ``vjp_sum`` itself)."""
        watched = {}
        for name in CHECKED_CALLS:
            mine = own_piece(self.namespace.get(name))
            if mine is not None:
                self.originals[name] = mine
                watched[name] = self._piece(name, mine)
                _set(self.namespace, name, watched[name])
        for primitive, makers in (table or {}).items():
            swapped = tuple(watched.get(getattr(maker, "__name__", ""), maker)
                            if own_piece(maker) is not None else maker for maker in makers)
            if swapped != tuple(makers):
                _set(table, primitive, swapped)

    def _piece(self, name, piece):
        def note(args, kwargs, result, g=None):
            call = {"piece": name, "args": [encode(arg) for arg in args],
                    "kwargs": {key: encode(value) for key, value in kwargs.items()},
                    "result": encode(result)}
            if g is not None:
                call["g"] = encode(g)
            self.calls.append(call)

        if name.startswith("vjp_"):
            def watched(*args, **kwargs):
                inner = piece(*args, **kwargs)
                if not callable(inner):
                    note(args, kwargs, inner)
                    return inner

                def watched_inner(g):
                    result = inner(g)
                    note(args, kwargs, result, g)
                    return result
                return watched_inner
        else:
            def watched(*args, **kwargs):
                result = piece(*args, **kwargs)
                note(args, kwargs, result)
                return result
        watched.__name__ = name
        return watched

    # -- forward mode (a Dual) ------------------------------------------------------------

    def watch_forward(self):
        dual = self.namespace.get("Dual")
        if not isinstance(dual, type):
            raise TypeError("forward mode compares your Dual (lesson 11): this notebook "
                            "defines no class Dual")
        self.dual = dual
        self._watch_pieces()
        for dunder, (name, reflected) in DUNDERS.items():
            if dunder in vars(dual):
                _set(dual, dunder, self._dual_operator(vars(dual)[dunder], name, reflected))
        for name in ELEMENTARY:
            if isinstance(self.namespace.get(name), types.FunctionType):
                _set(self.namespace, name, self._dual_function(self.namespace[name], name))

    def _dual_operator(self, operator, name, reflected):
        def watched(this, *other):
            args = (this,) if reflected is None else \
                ((other[0], this) if reflected else (this, other[0]))
            return self._dual_applied(name, lambda: operator(this, *other), args)
        return watched

    def _dual_function(self, function, name):
        def watched(*args):
            return self._dual_applied(name, lambda: function(*args), args)
        watched.__name__ = name
        return watched

    def _dual_applied(self, name, call, args):
        if self.depth:
            return call()
        operands = []
        for arg in args:
            if isinstance(arg, self.dual):
                operands.append(["node", self.number(arg, getattr(arg, "value", None),
                                                    getattr(arg, "tangent", None))])
            else:
                operands.append(["value", encode(arg)])
        self.calls = []
        self.depth += 1
        try:
            out = call()
        finally:
            self.depth -= 1
        if isinstance(out, self.dual) and self.known(out) is None:
            self.numbers[id(out)] = number = len(self.kept)
            self.kept.append(out)
            self.send({"apply": {
                "node": number, "name": name, "args": operands, "kwargs": {},
                "value": encode(getattr(out, "value", None)),
                "tangent": encode(getattr(out, "tangent", None)),
                "tangents_in": [encode(getattr(arg, "tangent", None)) for arg in args
                                if isinstance(arg, self.dual)],
                "pieces": self.calls, "formula": self._rule_formula(name)}})
        return out

    def _rule_formula(self, name):
        """The learner's JVP rule behind a Dual operation, in the recording's letters."""
        piece = {"sin": "jvp_sin", "multiply": "jvp_multiply", "divide": "jvp_divide"}.get(name)
        mine = own_piece(self.originals.get(piece)) if piece else None
        if mine is None:
            return None
        return formula_of(mine, piece) or called_as(mine, piece)


# --------------------------------------------------------------------------------- runs

def learner_function(f, namespace, forward=False):
    """``f`` rebuilt to run on the learner's (watched) primitives, whoever's it was written
    with (their ``log``, the notebook's, or ``tnp.log``)."""
    if forward:
        functions = {name: namespace[name] for name in ELEMENTARY
                     if isinstance(namespace.get(name), types.FunctionType)}

        def replace(value):
            return functions.get(value.__name__) if is_library_primitive(value) else None
        return rebuilt(f, replace)
    primitives = {}
    for value in namespace.values():
        raw = raw_of(value)
        if raw is not None and hasattr(value, "raw_fun") and not isinstance(value, type):
            primitives.setdefault(raw.__name__, value)

    def replace(value):
        if is_library_primitive(value):
            return primitives.get(value.__name__) or _missing(value.__name__, primitives)
        raw = raw_of(value)
        if raw is not None:
            mine = primitives.get(raw.__name__)
            return None if mine is value else mine
        return None
    return rebuilt(f, replace)


class MissingPrimitive(Exception):
    """``f`` uses a primitive of ``tutor.autograd`` that the learner's autograd has not."""


def _missing(name, primitives):
    def missing(*args, **kwargs):
        raise MissingPrimitive(f"your autograd has no {name} (f calls tutor.autograd's): "
                               f"compare runs f on your own primitives, "
                               f"{', '.join(sorted(primitives))}")
    return missing


def run(send, *, f, args, argnum, autograd, notebook, mode, tangent, limit):
    """Run the learner's ``grad`` (or ``jvp`` in forward mode) on ``f`` at ``args``, watched;
    every message goes to ``send``."""
    watcher = None
    phase = "setup"
    try:
        namespace, shares = learner_namespace(autograd, notebook, mode == "forward")
        shown = FORWARD_PIECES if mode == "forward" else REVERSE_PIECES
        send({"whose": {name: share for name, share in shares.items()
                        if name in shown or name == "mygrad.py"}})
        watcher = Watcher(namespace, send, f)
        if mode == "forward":
            watcher.watch_forward()
            jvp = namespace.get("jvp")
            if own_piece(jvp) is None:
                jvp = mygrad.stand_in("l11-jvp", namespace)
            mine = learner_function(f, namespace, forward=True)
            x = args[argnum]

            def f_of_one(value):
                return mine(*args[:argnum], value, *args[argnum + 1:])
            phase = "forward"
            with time_limit(limit):
                value, tangent_out = jvp(f_of_one, x, tangent)
            send({"result": {"value": encode(value), "tangent": encode(tangent_out)}})
        else:
            watcher.watch_reverse()
            grad = namespace.get("grad")
            if not callable(grad):
                grad = mygrad.stand_in("l07-grad", namespace)
            mine = learner_function(f, namespace)
            phase = "forward"
            with time_limit(limit):
                gradient = grad(mine, argnum)(*args)
            send({"result": {"gradient": encode(gradient)}})
    except MissingPrimitive as error:
        send({"error": {"text": str(error), "timeout": False, "piece": "f", "phase": "f"}})
    except BaseException as error:          # noqa: BLE001 - the learner's error, reported
        timeout = isinstance(error, TimeLimitExceeded)
        codes = watcher.codes if watcher is not None else piece_codes({}, f)
        send({"error": {"text": "" if timeout else describe_exception(error),
                        "timeout": timeout, "piece": innermost_piece(error, codes),
                        "phase": watcher.stage if watcher and phase != "setup"
                        else phase}})
