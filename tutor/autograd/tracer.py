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

Whoever starts a trace chooses its kind of Node: ``trace(start_node, fun, x)`` records Nodes
of ``type(start_node)``. Reverse and forward mode use :class:`Node`, which keeps everything
the passes need; a subclass of your own sees every primitive application instead.
"""

from itertools import count

__all__ = ["Node", "Box", "primitive", "notrace_primitive", "register_notrace", "trace",
           "new_roots", "new_box", "isbox", "getval", "new_level", "box_types"]

_node_counter = count()


class Node:
    """One recorded primitive application: ``value = fun(*args, **kwargs)``.

    ``parents`` are the Nodes of the arguments that were being traced, and ``parent_argnums``
    says which argument position each parent was (``x * x`` has the same parent twice, at
    argnums 0 and 1). ``order`` increases with every Node created, so sorting by it gives the
    order in which the forward pass ran.

    A trace makes its Nodes with the class of the Node it started from, always through
    ``__init__(value, fun, args, kwargs, parent_argnums, parents)``; its first Node, the root,
    through :meth:`new_root`. So a subclass sees every primitive application of its trace: it
    can print them, count them or draw them instead of (or as well as) keeping them, as HIPS
    autograd's ``print_trace.py`` and ``dot_graph.py`` examples do.
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

    def initialize_root(self, value=None):
        """Make this Node a root: an input of the trace, with no parents and no primitive."""
        self.value = value
        self.fun = None
        self.args = self.parents = self.parent_argnums = ()
        self.kwargs = {}
        self.order = next(_node_counter)

    @classmethod
    def new_root(cls, *args, **kwargs):
        """A root Node of this class: where a trace starts (an input being differentiated).

        The arguments go to :meth:`initialize_root`, which a subclass may redefine; ours takes
        the input's value.
        """
        root = cls.__new__(cls)
        root.initialize_root(*args, **kwargs)
        return root

    def __repr__(self):
        name = getattr(getattr(self, "fun", None), "__name__", "input")
        return f"<Node {name} #{getattr(self, 'order', '?')}>"


_level_counter = count(1)


def new_level():
    """A fresh trace level: an int higher than any before it.

    Levels are never reused, so a Box left behind by a failed trace can never be mistaken for
    a Box of a later one.
    """
    return next(_level_counter)


def new_roots(x):
    """A root :class:`Node` for input ``x``, or a tuple of roots, one per entry of a tuple ``x``.

    (A root is a Node with no primitive and no parents: made directly, it costs one call.)
    """
    if isinstance(x, tuple):
        return tuple(Node(xi, None, (), {}, (), ()) for xi in x)
    return Node(x, None, (), {}, (), ())


def trace(*arguments):
    """Run ``fun(x)`` with ``x`` boxed, and return where the output came from.

    Two forms:

    * ``trace(start_node, fun, x)`` returns ``(end_value, end_node)`` (HIPS autograd's form).
      You make the root, e.g. ``start_node = Node.new_root(x)``; every Node of the trace is
      then made by ``type(start_node)``. ``start_node`` may be a tuple of roots, one per entry
      of the tuple ``x``: each input is then boxed on its own.
    * ``trace(fun, x)`` makes the roots itself (one :class:`Node` per entry when ``x`` is a
      tuple, as for ``grad(f, argnum=(0, 1))``) and returns ``(start_node, end_value,
      end_node)``.

    ``end_node`` is None when the output does not depend on ``x`` (nothing to differentiate).
    """
    if len(arguments) != 3:
        if len(arguments) != 2:
            raise TypeError(f"trace takes (start_node, fun, x) or (fun, x), not "
                            f"{len(arguments)} arguments")
        fun, x = arguments
        start_node = new_roots(x)
        return (start_node,) + trace(start_node, fun, x)
    start_node, fun, x = arguments
    level = new_level()
    if isinstance(start_node, tuple):
        start_box = tuple(new_box(xi, level, node) for xi, node in zip(x, start_node))
    else:
        start_box = new_box(x, level, start_node)
    end_box = fun(start_box)
    if isinstance(end_box, (list, tuple, dict)):   # a plain container of Boxes: traced whole
        from .builtins import traced_container
        end_box = traced_container(end_box)
    if type(end_box) in box_types and end_box._trace == level:
        return end_box._value, end_box._node
    return end_box, None


class BoxTypes(dict):
    """Which Box class wraps a value of each type (``Box.register`` fills it in).

    A type nobody registered is wrapped by ``default``: ``ArrayBox`` (``numpy/numpy_boxes.py``),
    the Box that behaves like a number or an array.
    """

    default = None

    def __missing__(self, value_type):
        return self.default


class Box:
    """A value being differentiated, plus the trace level and the Node that produced it.

    This class knows nothing about the value it holds. ``ArrayBox`` (``numpy/numpy_boxes.py``)
    makes Boxes of numbers and arrays behave like them: ``x * y``, ``x.T``, ``x.sum()`` all call
    primitives. A new kind of value gets a Box class of its own with :meth:`register`.
    """

    __slots__ = ("_value", "_trace", "_node")
    type_mappings = BoxTypes()
    types = set()

    def __init__(self, value, trace, node):
        self._value = value
        self._trace = trace
        self._node = node

    def __repr__(self):
        return f"Box({self._value!r})"

    def __bool__(self):
        return bool(self._value)

    @classmethod
    def register(cls, value_type):
        """Values of ``value_type`` are wrapped by this Box class when they are traced.

            class PolynomialBox(Box, Polynomial): ...   # a Box that looks like a Polynomial
            PolynomialBox.register(Polynomial)
        """
        Box.types.add(cls)
        Box.type_mappings[value_type] = cls
        Box.type_mappings[cls] = cls         # a Box of this Box (differentiating twice): one too


box_types = Box.types
box_type_mappings = Box.type_mappings


def new_box(value, trace, node):
    """``value`` wrapped by the Box class registered for its type, at level ``trace``."""
    return box_type_mappings[type(value)](value, trace, node)


def isbox(x):
    """True when ``x`` is being traced (is a Box)."""
    return type(x) in box_types


def getval(x):
    """The plain value inside ``x``, however many Boxes deep (``x`` itself if not boxed)."""
    while type(x) in box_types:
        x = x._value
    return x


def primitive(f_raw):
    """Wrap ``f_raw`` so that it records a Node whenever it is called on Boxes.

    With no Box among the arguments, the wrapped function simply calls ``f_raw``: primitives
    cost almost nothing outside a trace. The Node is made by the class of the arguments' own
    Nodes (see :class:`Node`). The wrapper carries the VJP table that ``defvjp`` fills in
    (``.vjps``: argnum -> maker), the JVP table of ``defjvp`` (``.jvps``) and the teaching
    metadata (``.symbol``, ``.formulas``, ``.jvp_formulas``).
    """
    notrace_types = set()    # Node classes whose traces look through this primitive

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
        node_type = type(parents[0])
        if notrace_types and node_type in notrace_types:
            return f_wrapped(*argvals, **kwargs)
        ans = f_wrapped(*argvals, **kwargs) if lower else f_raw(*argvals, **kwargs)
        node = node_type(ans, f_wrapped, argvals, kwargs, parent_argnums, parents)
        return box_type_mappings[type(ans)](ans, top, node)

    f_wrapped.fun = f_raw
    f_wrapped._is_autograd_primitive = True
    f_wrapped.notrace_types = notrace_types
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


def register_notrace(node_type, primitive_fun):
    """Traces whose Nodes are of class ``node_type`` look through ``primitive_fun``.

    Its Boxes of such a trace are unwrapped and no Node is recorded, as for a
    :func:`notrace_primitive`, but only for that kind of trace: other traces still record it.
    """
    primitive_fun.notrace_types.add(node_type)


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
