"""Tracing: how a function call turns into a graph of Nodes.

Reverse-mode differentiation needs to know, after ``f(x)`` has run, which operations were
applied to ``x`` and in what order. We find out by *tracing*:

1. ``x`` is wrapped in a :class:`Box`. A Box holds the value and a pointer to a :class:`Node`.
2. Every differentiable operation is a :func:`primitive`. When a primitive sees a Box among its
   arguments, it unwraps the values, computes the plain result, records a new Node (which
   primitive, which arguments, which parent Nodes) and returns the result wrapped in a new Box.
3. When ``f`` returns, the output Box's Node is the end of a graph that leads back to ``x``.

Nothing here knows about derivatives: differentiating that graph is ``core.py``'s job.

Trace levels make nested differentiation work. Each call to :func:`trace` gets a fresh, higher
level. ``grad(grad(f))`` boxes ``x`` at level 1 for the outer grad, then boxes that Box again at
level 2 for the inner one. A primitive only records at the *highest* level among its arguments
and calls itself again on the unwrapped values, so lower levels record too, one at a time.
"""

from itertools import count

__all__ = ["Node", "Box", "primitive", "notrace_primitive", "trace", "isbox", "getval",
           "new_level", "box_types"]

_node_counter = count()


class Node:
    """One recorded primitive application: ``value = fun(*args, **kwargs)``.

    ``parents`` are the Nodes of the arguments that were being traced, and ``parent_argnums``
    says which argument position each parent was (``x * x`` has the same parent twice, at
    argnums 0 and 1). ``order`` increases with every Node created, so sorting by it gives the
    order in which the forward pass ran.
    """

    __slots__ = ("value", "fun", "args", "kwargs", "parents", "parent_argnums", "order")

    def __init__(self, value, fun, args, kwargs, parent_argnums, parents):
        self.value = value
        self.fun = fun
        self.args = args
        self.kwargs = kwargs
        self.parent_argnums = parent_argnums
        self.parents = parents
        self.order = next(_node_counter)

    @classmethod
    def new_root(cls, value):
        """A Node with no parents: where a trace starts (an input being differentiated)."""
        return cls(value, None, (), {}, (), ())

    def __repr__(self):
        name = getattr(self.fun, "__name__", "input")
        return f"<Node {name} #{self.order}>"


_level_counter = count(1)


def new_level():
    """A fresh trace level: an int higher than any before it.

    Levels are never reused, so a Box left behind by a failed trace can never be mistaken for
    a Box of a later one.
    """
    return next(_level_counter)


def trace(fun, x):
    """Run ``fun(x)`` with ``x`` boxed and return ``(start_node, end_value, end_node)``.

    ``end_node`` is None when the output does not depend on ``x`` (nothing to differentiate).
    ``x`` may be a tuple of inputs (for ``grad(f, argnum=(0, 1))``): then each element gets
    its own root Node and ``start_node`` is the tuple of those Nodes.
    """
    level = new_level()
    if isinstance(x, tuple):
        start_node = tuple(Node.new_root(xi) for xi in x)
        start_box = tuple(_new_box(xi, level, node) for xi, node in zip(x, start_node))
    else:
        start_node = Node.new_root(x)
        start_box = _new_box(x, level, start_node)
    end_box = fun(start_box)
    if isinstance(end_box, (list, tuple, dict)):   # a plain container of Boxes: traced whole
        from .builtins import traced_container
        end_box = traced_container(end_box)
    if isinstance(end_box, Box) and end_box._trace == level:
        return start_node, end_box._value, end_box._node
    return start_node, end_box, None


class Box:
    """A value being differentiated, plus the Node that produced it.

    Boxes behave like the value they hold: arithmetic operators, ``.T``, ``.shape``, ``.sum()``
    and friends all work, because they call primitives (see ``numpy/numpy_boxes.py``, which
    adds those methods). Comparisons give plain values: they have no derivative.
    """

    __slots__ = ("_value", "_trace", "_node")
    type_mappings = {}

    def __init__(self, value, trace, node):
        self._value = value
        self._trace = trace
        self._node = node

    def __repr__(self):
        return f"Box({self._value!r})"

    def __bool__(self):
        return bool(self._value)

    def __len__(self):
        return len(self._value)

    def __hash__(self):
        return id(self)

    @classmethod
    def register(cls, value_type):
        """HIPS-compatible hook: values of ``value_type`` are boxed by ``cls``."""
        Box.type_mappings[value_type] = cls
        box_types.add(cls)


box_types = {Box}


def isbox(x):
    """True when ``x`` is being traced (is a Box)."""
    return type(x) in box_types


def getval(x):
    """The plain value inside ``x``, however many Boxes deep (``x`` itself if not boxed)."""
    while type(x) in box_types:
        x = x._value
    return x


def _new_box(value, level, node):
    cls = Box.type_mappings.get(type(value), Box) if Box.type_mappings else Box
    return cls(value, level, node)


def primitive(f_raw):
    """Wrap ``f_raw`` so that it records a Node whenever it is called on Boxes.

    With no Box among the arguments, the wrapped function simply calls ``f_raw``: primitives
    cost almost nothing outside a trace. The wrapper carries the VJP table that ``defvjp``
    fills in (``.vjps``: argnum -> maker), the JVP table of ``defjvp`` (``.jvps``) and the
    teaching metadata (``.symbol``, ``.formulas``, ``.jvp_formulas``).
    """

    def f_wrapped(*args, **kwargs):
        top = 0              # the highest trace level among the boxed arguments
        for arg in args:
            if type(arg) in box_types and arg._trace > top:
                top = arg._trace
        if not top:
            return f_raw(*args, **kwargs)
        argvals = list(args)
        parents = parent_argnums = ()
        lower = False        # will boxes of lower levels remain (nested differentiation)?
        for argnum, arg in enumerate(args):
            if type(arg) in box_types:
                if arg._trace == top:
                    argvals[argnum] = value = arg._value
                    parents += (arg._node,)
                    parent_argnums += (argnum,)
                    if type(value) in box_types:
                        lower = True
                else:
                    lower = True
        ans = f_wrapped(*argvals, **kwargs) if lower else f_raw(*argvals, **kwargs)
        node = Node(ans, f_wrapped, argvals, kwargs, parent_argnums, parents)
        return Box.type_mappings.get(type(ans), Box)(ans, top, node)

    f_wrapped.fun = f_raw
    f_wrapped._is_autograd_primitive = True
    f_wrapped.vjps = {}
    f_wrapped.vjp_argnum = None
    f_wrapped.jvps = {}
    f_wrapped.jvp_argnum = None
    f_wrapped.symbol = None
    f_wrapped.formulas = {}
    f_wrapped.jvp_formulas = {}
    f_wrapped.__name__ = getattr(f_raw, "__name__", "primitive")
    f_wrapped.__qualname__ = getattr(f_raw, "__qualname__", f_wrapped.__name__)
    f_wrapped.__doc__ = getattr(f_raw, "__doc__", None)
    f_wrapped.__wrapped__ = f_raw
    return f_wrapped


def notrace_primitive(f_raw):
    """Wrap a function whose output carries no derivative (``shape``, ``argmax``, ``floor``...).

    Boxes are unwrapped and the plain result is returned: the trace simply does not continue
    through it, which is exactly right for piecewise-constant or integer-valued functions.
    """

    def f_wrapped(*args, **kwargs):
        return f_raw(*[getval(arg) for arg in args],
                     **{key: getval(value) for key, value in kwargs.items()})

    f_wrapped.fun = f_raw
    f_wrapped._is_autograd_primitive = True
    f_wrapped.__name__ = getattr(f_raw, "__name__", "notrace_primitive")
    f_wrapped.__doc__ = getattr(f_raw, "__doc__", None)
    f_wrapped.__wrapped__ = f_raw
    return f_wrapped
