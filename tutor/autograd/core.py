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

from .tracer import getval, isbox, new_roots, primitive, trace

__all__ = ["make_vjp", "backward_pass", "toposort", "defvjp", "defvjp_argnum", "DirectVJP",
           "vjp_info", "VJPInfo", "vspace", "zeros_like", "add_adjoints", "MissingVJPError",
           "traceable", "input_adjoint", "primitive_vjps", "VSpace", "defvjp_argnums"]


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


def defvjp_argnums(fun, vjpmaker):
    """HIPS's most general form: ``vjpmaker(argnums, ans, args, kwargs)`` returns a function
    taking ``g`` to the contributions of all the arguments in ``argnums`` at once.

    The backward pass here asks for one argument at a time, so it is called with one argnum.
    """
    def one_argnum(argnum, ans, args, kwargs):
        vjp = vjpmaker((argnum,), ans, args, kwargs)
        return lambda g: next(iter(vjp(g)))
    defvjp_argnum(fun, one_argnum)


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


# Numbers and numeric arrays, by type (Python's, numpy's scalars, ndarray). Their Box is
# ArrayBox, their space ArrayVSpace, and their adjoints add with numpy's + (the common case).
numeric_types = {_np.ndarray} | {
    kind for kind in {float, int, complex, bool, *_np.sctypeDict.values()}
    if issubclass(kind, (_np.number, _np.bool_, float, int, complex))}


def is_numeric(value):
    """Is ``value`` a number or a numeric array (of a subclass too)?"""
    return type(value) in numeric_types or isinstance(
        value, (_np.ndarray, _np.number, _np.bool_, int, float, complex))


def add_adjoints(a, b):
    """Sum two contributions to one adjoint.

    Numbers and arrays add with numpy's ``+``. Anything else is added by its vector space,
    ``vspace(a).add(a, b)``: containers entry by entry, a value type of your own by its
    ``_add``; and Boxes (when differentiating twice) through the primitive ``VSpace.add``, so
    the sum is recorded like any other operation.
    """
    if type(a) in numeric_types and type(b) in numeric_types:
        return a + b
    if type(a) in lazy_types:
        return a.add(b)
    if type(b) in lazy_types:
        return b.add(a)
    return vspace(a).add(a, b)


# -------------------------------------------------------------------------- make_vjp

def make_vjp(fun, x):
    """Trace ``fun(x)`` and return ``(vjp, value)``: ``vjp(g)`` is ``g`` pulled back to ``x``.

    This is the unary form the differential operators are built from; the public
    ``tutor.autograd.make_vjp`` takes an ``argnum`` like ``grad`` does. ``x`` may be a tuple
    of inputs (``grad(f, argnum=(0, 1))``): each gets a root Node of its own.
    """
    traced_x = traceable(x)
    start_node = new_roots(traced_x)
    end_value, end_node = trace(start_node, fun, traced_x)

    if end_node is None:
        def vjp(g):
            check_adjoint_shape(g, end_value)
            return zeros_like(x)
    elif isinstance(start_node, tuple):
        def vjp(g):
            check_adjoint_shape(g, end_value)
            adjoints = backward_pass(g, end_node)
            return tuple(input_adjoint(adjoints, node, xi) for node, xi in zip(start_node, x))
    else:
        def vjp(g):
            check_adjoint_shape(g, end_value)
            return input_adjoint(backward_pass(g, end_node), start_node, x)
    return vjp, end_value


_PLAIN_VALUES = (_np.ndarray, float, int, complex, _np.number)


def check_adjoint_shape(g, end_value):
    """Refuse an output adjoint ``g`` whose shape is not the output's.

    ``vjp(g)`` pulls back a vector of the *output's* space: numpy would happily broadcast a
    wrong-shaped ``g`` through the VJPs and return a plausible but meaningless answer, so the
    shapes are compared first (plain numbers and arrays only; containers and Boxes are left
    to their own spaces).
    """
    if isinstance(g, _PLAIN_VALUES) and isinstance(end_value, _PLAIN_VALUES):
        if _np.shape(g) != _np.shape(end_value):
            raise ValueError(
                f"The output adjoint g has shape {_np.shape(g)}, but f's output has shape "
                f"{_np.shape(end_value)}: vjp(g) needs g of the output's shape (one number "
                f"per output element).")


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
    if type(x) in VSpace.mappings:             # a value type with a vector space of its own
        return x
    raise TypeError(f"Can't differentiate with respect to a value of type {type(x).__name__}. "
                    f"Pass a float or a float array (or register a VSpace for your type: see "
                    f"tutor.autograd.extend).")


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
    if type(value) is _np.ndarray:        # the common case, decided without building a space
        return _np.zeros(value.shape, value.dtype if value.dtype.kind in "fc" else _np.float64)
    if isinstance(value, (int, float)):
        return 0.0
    return vspace(value).zeros()


class VSpace:
    """The vector space a kind of value lives in: what differentiation needs beyond computing.

    The adjoint or the tangent of ``x`` lives in ``vspace(x)``. The backward pass adds
    contributions (``add``), ``grad`` starts from ``ones()``, a function that ignores its input
    has the gradient ``zeros()``, and checks against finite differences step along
    ``randn()`` directions and compare with ``inner_prod``. ``covector`` turns a vector into
    the dual one it pairs with (its complex conjugate; itself for real values);
    ``standard_basis()`` yields unit vectors, ``size`` of them.

    Numbers and arrays live in ``ArrayVSpace`` (``numpy/numpy_vspaces.py``), lists, tuples and
    dicts in ``ContainerSpace`` (``builtins.py``). A new kind of value gets a subclass with
    ``zeros``, ``ones``, ``randn``, ``standard_basis`` and the plain operations ``_add``,
    ``_scalar_mul`` and ``_inner_prod`` (``_covector`` and ``_mut_add`` too if the defaults
    below do not fit), registered with ``MySpace.register(MyType)``.

    ``add``, ``mut_add``, ``scalar_mul``, ``inner_prod`` and ``covector`` call those. They are
    primitives, with VJPs (below) and JVPs (``forward.py``), so they can be differentiated in
    turn: when ``grad(grad(f))`` adds two adjoints that are Boxes, the sum is recorded.
    """

    __slots__ = ()
    mappings = {}       # value type -> the VSpace class (or a function) that makes its space
    iscomplex = False

    def __init__(self, value):
        pass

    def zeros(self):
        raise NotImplementedError(f"{type(self).__name__} does not define zeros()")

    def ones(self):
        raise NotImplementedError(f"{type(self).__name__} does not define ones()")

    def standard_basis(self):
        raise NotImplementedError(f"{type(self).__name__} does not define standard_basis()")

    def randn(self):
        raise NotImplementedError(f"{type(self).__name__} does not define randn()")

    @primitive
    def add(self, x, y):
        """``x + y``."""
        return self._add(x, y)

    @primitive
    def mut_add(self, x, y):
        """``x + y``, written into ``x`` where the space allows it (``x`` None: zeros)."""
        return self._mut_add(self.zeros() if x is None else x, y)

    @primitive
    def scalar_mul(self, x, a):
        """``a · x`` for a real number ``a``."""
        return self._scalar_mul(x, a)

    @primitive
    def inner_prod(self, x, y):
        """``⟨x, y⟩``, a real number."""
        return self._inner_prod(x, y)

    @primitive
    def covector(self, x):
        """The vector that pairs with ``x`` in the inner product."""
        return self._covector(x)

    def _add(self, x, y):
        return x + y

    def _mut_add(self, x, y):
        x += y
        return x

    def _scalar_mul(self, x, a):
        return x * a

    def _inner_prod(self, x, y):
        raise NotImplementedError(f"{type(self).__name__} does not define _inner_prod")

    def _covector(self, x):
        return x

    def __eq__(self, other):
        return type(self) is type(other) and _attributes(self) == _attributes(other)

    def __repr__(self):
        return f"{type(self).__name__}_{_attributes(self)}"

    @classmethod
    def register(cls, value_type, vspace_maker=None):
        """Values of ``value_type`` live in this space (or in ``vspace_maker(value)``)."""
        VSpace.mappings[value_type] = vspace_maker or cls


def _attributes(space):
    return getattr(space, "__dict__", {})


def vspace(value):
    """The vector space of ``value`` (of the value inside, for a Box)."""
    maker = VSpace.mappings.get(type(value))
    if maker is not None:
        return maker(value)
    if isbox(value):
        return vspace(getval(value))
    if is_numeric(value):                     # of a subclass of a numeric type
        return VSpace.mappings[_np.ndarray](_np.asarray(value))
    raise TypeError(
        f"No vector space is known for values of type {type(value).__name__}, so they can't be "
        f"differentiated. Define one and register it:\n    from tutor.autograd.extend import "
        f"VSpace\n    class MySpace(VSpace): ...   # zeros, ones, randn, _add, _scalar_mul, "
        f"_inner_prod\n    MySpace.register({type(value).__name__})")


# Their VJPs: adding passes g on unchanged; ⟨x, y⟩ sends g · y to x; a · x sends a · g to x
# and ⟨g, x⟩ to a (covectors where complex numbers need them). Argument 0 is the space itself.
def _identity_vjp(ans, space, x, y):
    return lambda g: g


defvjp(VSpace.add, None, _identity_vjp, _identity_vjp, symbol="+", formulas=("", "g", "g"))
defvjp(VSpace.mut_add, None, _identity_vjp, _identity_vjp, symbol="+",
       formulas=("", "g", "g"))
defvjp(VSpace.inner_prod, None,
       lambda ans, space, x, y: lambda g: space.covector(space.scalar_mul(y, g)),
       lambda ans, space, x, y: lambda g: space.covector(space.scalar_mul(x, g)),
       symbol="⟨ , ⟩", formulas=("", "g · y", "g · x"))
defvjp(VSpace.covector, None, lambda ans, space, x: lambda g: space.covector(g),
       symbol="covector", formulas=("", "covector(g)"))
defvjp(VSpace.scalar_mul, None,
       lambda ans, space, x, a: lambda g: space.covector(space.scalar_mul(space.covector(g), a)),
       lambda ans, space, x, a: lambda g: space.inner_prod(g, space.covector(x)),
       symbol="·", formulas=("", "a · g", "⟨g, x⟩"))


# ``core.primitive`` is HIPS's: it also accepts the pre-``defvjp`` methods (deprecated.py).
from .deprecated import primitive  # noqa: E402,F811
