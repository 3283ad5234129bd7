"""Differentiation: VJPs and the backward pass.

After :func:`tracer.trace` has recorded a graph of Nodes, reverse mode walks it backwards.
Every Node gets an *adjoint*: the derivative of the final output with respect to that Node's
value. The output's adjoint is the seed ``g`` (1.0 for a scalar function). A Node's adjoint is
passed to its parents through its primitive's **vector-Jacobian product** (VJP): for
``ans = sin(x)``, the parent ``x`` receives ``g · cos(x)``. When a value feeds several Nodes
(fan-out), its contributions add up: that is the chain rule summed over all paths.

The order matters: a Node may only pass its adjoint on once every Node that uses it has
contributed. Visiting Nodes in reverse topological order guarantees that.
"""

from collections import namedtuple
from operator import attrgetter

import numpy as _np

from .tracer import getval, isbox, trace

__all__ = ["make_vjp", "backward_pass", "toposort", "defvjp", "defvjp_argnum", "DirectVJP",
           "vjp_info", "VJPInfo", "vspace", "zeros_like", "add_adjoints", "MissingVJPError",
           "traceable", "input_adjoint", "primitive_vjps"]


# --------------------------------------------------------------------------- VJP registry

VJPInfo = namedtuple("VJPInfo", "name symbol formulas")
VJPInfo.__doc__ = """What a learner reads about a primitive: its name, the short symbol drawn
in the graph (``×``, ``sin``) and one VJP formula per argnum, written in the incoming adjoint
``g``, the arguments ``x`` (argnum 0) and ``y`` (argnum 1), and the output ``ans``."""


def defvjp(fun, *vjpmakers, argnums=None, symbol=None, formulas=None, direct=False):
    """Register the VJPs of primitive ``fun``, one maker per argument position.

    A maker has the shape ``lambda ans, x, y: lambda g: ...``: given the forward pass's output
    and inputs it returns the function taking the incoming adjoint ``g`` to this argument's
    contribution. ``None`` in place of a maker means "no gradient flows to that argument"
    (it contributes zeros). ``symbol`` and ``formulas`` are the teaching metadata: the label
    drawn in the graph and each argument's VJP as text, e.g. ``formulas=("g · y", "g · x")``
    for multiply.

        defvjp(sin, lambda ans, x: lambda g: g * cos(x), symbol="sin", formulas=("g · cos(x)",))

    With ``direct=True`` the VJPs are given directly, with ``g`` first, the shape ``defjvp``
    takes: ``lambda g, ans, x, y: ...``. That is the same function without the closure, and
    the backward pass, which would build one closure per step, calls it as it is (see
    :class:`DirectVJP`). The busiest primitives (arithmetic, ``dot``, indexing) use it.
    """
    argnums = range(len(vjpmakers)) if argnums is None else argnums
    for argnum, maker in zip(argnums, vjpmakers):
        if maker is None:
            maker = _zero_maker(argnum)
        elif direct:
            maker = DirectVJP(maker)
        fun.vjps[argnum] = maker
    _set_info(fun, symbol, formulas, argnums)


class DirectVJP:
    """A VJP given directly, ``vjp(g, ans, *args, **kwargs)`` (``defvjp(..., direct=True)``).

    Called as a maker, ``DirectVJP(vjp)(ans, *args)``, it returns ``lambda g: vjp(g, ans, *args)``,
    so whatever reads a VJP table can treat every entry as a maker. The backward pass skips
    that step and calls ``.vjp`` with ``g`` at once.
    """

    __slots__ = ("vjp",)

    def __init__(self, vjp):
        self.vjp = vjp

    def __call__(self, ans, *args, **kwargs):
        vjp = self.vjp
        return lambda g: vjp(g, ans, *args, **kwargs)


def defvjp_argnum(fun, vjpmaker, symbol=None, formulas=None):
    """Register one maker for every argument position: ``vjpmaker(argnum, ans, args, kwargs)``.

    For primitives taking any number of arguments, such as ``concatenate`` or ``einsum``.
    """
    fun.vjp_argnum = vjpmaker
    _set_info(fun, symbol, formulas, None)


def _set_info(fun, symbol, formulas, argnums):
    if symbol is not None:
        fun.symbol = symbol
    if formulas is not None:
        if isinstance(formulas, str):
            formulas = (formulas,)
        positions = range(len(formulas)) if argnums is None else argnums
        for argnum, formula in zip(positions, formulas):
            fun.formulas[argnum] = formula


def _zero_maker(argnum):
    def maker(ans, *args, **kwargs):
        return lambda g: zeros_like(args[argnum])
    return maker


class PrimitiveVJPs:
    """HIPS autograd's registry ``primitive_vjps``, as a view: each primitive keeps its own VJP
    table (``fun.vjps``, argnum -> maker), and ``primitive_vjps[fun]`` reads or replaces it.
    ``primitive_vjps.pop(fun)`` takes a primitive's VJPs away (differentiating through it then
    raises MissingVJPError) and returns them, so they can be put back."""

    def __contains__(self, fun):
        return bool(getattr(fun, "vjps", None))

    def __getitem__(self, fun):
        if fun not in self:
            raise KeyError(fun)
        return dict(fun.vjps)

    def __setitem__(self, fun, table):
        fun.vjps.clear()
        fun.vjps.update(table)

    def pop(self, fun, *default):
        if fun not in self:
            if default:
                return default[0]
            raise KeyError(fun)
        table = self[fun]
        fun.vjps.clear()
        return table


primitive_vjps = PrimitiveVJPs()


def vjp_info(fun):
    """The teaching metadata registered for primitive ``fun`` (see :class:`VJPInfo`)."""
    return read_info(VJPInfo, fun, getattr(fun, "formulas", {}))


def read_info(info_type, fun, formulas):
    """``info_type(name, symbol, formulas)`` for ``fun``, one formula per argnum ("" if none)."""
    count_ = max(formulas) + 1 if formulas else 0
    return info_type(fun.__name__, getattr(fun, "symbol", None) or fun.__name__,
                     tuple(formulas.get(i, "") for i in range(count_)))


class MissingVJPError(NotImplementedError):
    """Raised when the backward pass reaches a primitive with no VJP for an argument."""


def _vjp(node, argnum):
    fun = node.fun
    maker = fun.vjps.get(argnum)
    if maker is not None:
        return maker(node.value, *node.args, **node.kwargs)
    if fun.vjp_argnum is not None:
        return fun.vjp_argnum(argnum, node.value, node.args, node.kwargs)
    name = fun.__name__
    raise MissingVJPError(
        f"No VJP is registered for '{name}' with respect to argument {argnum}, so the gradient "
        f"cannot flow back through it.\nEither avoid '{name}' on values being differentiated, or "
        f"register one:\n    from tutor.autograd.extend import defvjp\n"
        f"    defvjp({name}, " + ", ".join(
            ["None"] * argnum + ["lambda ans, *args: lambda g: ...  # your VJP"]) + ")")


# ----------------------------------------------------------------------- backward pass

def toposort(end_node):
    """Nodes reachable from ``end_node``, each one before all of its parents (a list).

    Every Node is numbered when it is created (``node.order``), and a Node can only be created
    after its parents, because they are its inputs. So the reverse of creation order is
    always a valid order for the backward pass: find the reachable Nodes (a list read while
    it grows, not recursion, so a 100,000-step chain does not hit Python's recursion limit),
    then sort them, newest first.
    """
    reached = {end_node}
    nodes = [end_node]
    for node in nodes:                  # the list grows while it is read: each Node once
        for parent in node.parents:
            if parent not in reached:
                reached.add(parent)
                nodes.append(parent)
    nodes.sort(key=_creation_order, reverse=True)
    return nodes


_creation_order = attrgetter("order")


def backward_pass(g, end_node, observer=None):
    """Propagate the adjoint ``g`` of ``end_node`` to every Node it depends on.

    Returns the dict Node -> adjoint. ``observer``, if given, is called once per VJP
    application as ``observer(node, parent, argnum, g, contribution, before, after)``, where
    ``before`` is None when ``parent`` had received nothing yet. The recorder uses it to show
    the backward pass one step at a time; it does not change what is computed.
    """
    adjoints = {end_node: g}
    for node in toposort(end_node):
        g = adjoints[node]
        if type(g) in lazy_types:                       # complete now: it is about to be used
            g = adjoints[node] = g.written_out()
        if not node.parents:
            continue
        vjps = node.fun.vjps
        for argnum, parent in zip(node.parent_argnums, node.parents):
            maker = vjps.get(argnum)        # the usual case, looked up here: this loop is hot
            if type(maker) is DirectVJP:    # a VJP taking g at once: no closure to build
                contribution = maker.vjp(g, node.value, *node.args, **node.kwargs)
            else:
                vjp = maker(node.value, *node.args, **node.kwargs) if maker else _vjp(node, argnum)
                contribution = vjp(g)
            before = adjoints.get(parent)
            after = contribution if before is None else add_adjoints(before, contribution)
            adjoints[parent] = after
            if observer is not None:
                observer(node, parent, argnum, g, written_out(contribution),
                         written_out(before), written_out(after))
    return adjoints


# Adjoints may be *lazy*: kept in a cheaper form until they are complete, and written out as a
# value only when needed (``numpy_vjps_shapes.Scattered``: the adjoints of slices, which would
# otherwise each be a full-size array of zeros). A lazy type has ``.written_out()`` and an
# ``.add(other)`` that the backward pass uses to sum contributions.
lazy_types = set()


def written_out(adjoint):
    """An adjoint as a plain value (a lazy one written out; anything else as it is)."""
    return adjoint.written_out() if type(adjoint) in lazy_types else adjoint


def add_adjoints(a, b):
    """Sum two contributions to one adjoint (Boxes too, when differentiating twice).

    Adjoints of containers (a list of arrays, a dict of parameters) add entry by entry: their
    vector space, registered in ``container_spaces`` by ``builtins.py``, knows how.
    """
    if type(a) in container_spaces:
        return container_spaces[type(a)](a).add(a, b)
    if type(a) in lazy_types:
        return a.add(b)
    if type(b) in lazy_types:
        return b.add(a)
    return a + b


# -------------------------------------------------------------------------- make_vjp

def make_vjp(fun, x):
    """Trace ``fun(x)`` and return ``(vjp, value)``: ``vjp(g)`` is ``g`` pulled back to ``x``.

    This is the unary form the differential operators are built from; the public
    ``tutor.autograd.make_vjp`` takes an ``argnum`` like ``grad`` does.
    """
    start_node, end_value, end_node = trace(fun, traceable(x))

    if end_node is None:
        def vjp(g):
            return zeros_like(x)
    elif isinstance(start_node, tuple):
        def vjp(g):
            adjoints = backward_pass(g, end_node)
            return tuple(input_adjoint(adjoints, node, xi) for node, xi in zip(start_node, x))
    else:
        def vjp(g):
            return input_adjoint(backward_pass(g, end_node), start_node, x)
    return vjp, end_value


def traceable(x):
    """Check that ``x`` can be differentiated with respect to, and prepare it for tracing.

    Python numbers become numpy float64 scalars, so that arithmetic inside the trace follows
    numpy's rules (``x / 0`` is inf, ``(-1.0) ** 0.5`` is nan) rather than Python's
    (ZeroDivisionError, a complex number). ``grad(f)(1, 2)`` is how people write it, so
    integers are accepted as floats. An integer *array* is refused: it usually means
    ``np.array([1, 2])`` was meant as floats, and its dtype cannot hold a gradient step.
    """
    if isinstance(x, tuple):
        return tuple(traceable(xi) for xi in x)
    if isbox(x) or type(x) is _np.ndarray and x.dtype.kind in "fc":
        return x
    if isinstance(x, (bool, _np.bool_)):
        raise TypeError("Can't differentiate with respect to a boolean. Pass a float instead.")
    if isinstance(x, (int, float, _np.integer, _np.floating)):
        return _np.float64(x)
    if isinstance(x, _np.ndarray):
        raise TypeError(
            f"Can't differentiate with respect to an array of dtype {x.dtype}: derivatives need "
            f"floats. Pass floats, e.g. np.array([1.0, 2.0]) or x.astype(float).")
    if isinstance(x, (complex, _np.complexfloating)):
        return x
    if isinstance(x, list):                    # containers: each entry must be traceable
        return type(x)(traceable(xi) for xi in x)
    if isinstance(x, dict):
        return type(x)((key, traceable(value)) for key, value in x.items())
    raise TypeError(f"Can't differentiate with respect to a value of type {type(x).__name__}. "
                    f"Pass a float or a float array.")


def input_adjoint(adjoints, node, x):
    """The adjoint that reached input ``node``, as a float when ``x`` was a Python number."""
    adjoint = written_out(adjoints.get(node))
    if adjoint is None:
        return zeros_like(x)
    if isinstance(x, (int, float)) and type(adjoint) is _np.float64:
        return float(adjoint)
    return adjoint


# ------------------------------------------------------------------- vector spaces

def zeros_like(x):
    """A zero adjoint with the shape and kind of ``x`` (a float 0.0 for a Python number)."""
    if isinstance(x, tuple):
        return tuple(zeros_like(part) for part in x)
    value = getval(x)
    if type(value) in container_spaces:
        return container_spaces[type(value)](value).zeros()
    if isinstance(value, (int, float)):
        return 0.0
    return _np.zeros(_np.shape(value), dtype=_float_dtype(value))


def _float_dtype(value):
    dtype = _np.result_type(value)
    return dtype if _np.issubdtype(dtype, _np.inexact) else _np.dtype(_np.float64)


# Containers of arrays (lists, tuples, dicts: see builtins.py) are vector spaces too, entry by
# entry. builtins.py registers their space classes here, by type; vspace(x) then returns one.
container_spaces = {}


class vspace:
    """The vector space a value lives in: its shape and the zero/one/add it needs.

    A small, HIPS-style helper: ``vspace(x).zeros()``, ``.ones()``, ``.add(a, b)``,
    ``.scalar_mul(x, a)``, ``.inner_prod(x, y)``, ``.standard_basis()``, ``.shape``, ``.size``,
    ``.ndim``, ``.dtype``, ``.randn()``, ``.flatten(v)``. For a list, tuple or dict it returns
    that container's space (see ``container_spaces``), which has the same methods.
    """

    def __new__(cls, value):
        space = container_spaces.get(type(getval(value)))
        return super().__new__(cls) if space is None else space(value)

    def __init__(self, value):
        value = getval(value)
        self.shape = _np.shape(value)
        self.dtype = _float_dtype(value)
        self.scalar = _np.ndim(value) == 0 and not isinstance(value, _np.ndarray)

    # A complex number is two real dimensions: that is how many basis vectors it has.
    size = property(lambda self: int(_np.prod(self.shape)) * (2 if self.iscomplex else 1))
    iscomplex = property(lambda self: _np.issubdtype(self.dtype, _np.complexfloating))
    ndim = property(lambda self: len(self.shape))

    def zeros(self):
        return self.dtype.type(0) if self.scalar else _np.zeros(self.shape, self.dtype)

    def ones(self):
        return self.dtype.type(1) if self.scalar else _np.ones(self.shape, self.dtype)

    def add(self, a, b):
        return add_adjoints(a, b)

    def randn(self, rng=None):
        """A random vector of this space (``rng``: a numpy Generator; default np.random)."""
        draw = rng.standard_normal if rng is not None else _np.random.standard_normal
        value = draw(self.shape)
        if self.iscomplex:
            value = value + 1j * draw(self.shape)
        value = _np.asarray(value).astype(self.dtype)
        return self.dtype.type(value) if self.scalar else value

    def scalar_mul(self, x, a):
        return x * a

    def inner_prod(self, x, y):
        """The real inner product ``Re Σ conj(x)·y``, traceable (x and y may be Boxes)."""
        from . import numpy as traced_np      # (imported here: numpy/ itself imports core)
        return traced_np.real(traced_np.sum(traced_np.conj(x) * y))

    def covector(self, x):
        return _np.conj(x)

    def standard_basis(self):
        """The unit vectors of this space, one per real dimension (and ``1j`` ones if complex)."""
        units = (1.0, 1j) if self.iscomplex else (1.0,)
        for index in _np.ndindex(*self.shape):
            for unit in units:
                vector = _np.zeros(self.shape, self.dtype)
                vector[index] = unit
                yield self.dtype.type(vector) if self.scalar else vector

    def flatten(self, value):
        return _np.ravel(getval(value))

    def __eq__(self, other):
        return isinstance(other, vspace) and (self.shape, self.dtype) == (other.shape, other.dtype)

    def __repr__(self):
        return f"vspace(shape={self.shape}, dtype={self.dtype})"
