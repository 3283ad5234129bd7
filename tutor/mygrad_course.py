"""The course's glue around your pieces: what turns them into one working autograd.

This file is not imported on its own. :func:`tutor.mygrad.load` runs it inside the module
that holds *your* pieces (``primitive``, ``vjp_sin``, ``vjp_divide_y``, ``unbroadcast``,
``toposort``, ``backward_pass``, ``grad``), so every name below that is not defined here is
yours: ``differentiable`` calls your ``primitive``, the VJP table holds your makers, and
``make_vjp`` calls your ``backward_pass``. Everything here was shown in lessons 3-7.
"""

import numpy as np


class Node:
    """A value in the trace: value, the raw function that made it, parent Nodes, its VJP, a name."""

    def __init__(self, value, fun=None, parents=(), vjp=None, name=None):
        self.value, self.fun, self.parents, self.vjp, self.name = (
            value, fun, tuple(parents), vjp, name)

    def __repr__(self):
        return f"Node({self.name or getattr(self.fun, '__name__', 'input')} = {self.value})"


class Box:
    """A value being traced, and its Node. Arithmetic on a Box calls the primitives below."""

    __array_ufunc__ = None          # numpy arrays on the left hand over to our operators

    def __init__(self, value, node):
        self.value, self.node = value, node

    def __repr__(self):
        return f"Box({self.value!r})"

    __add__ = lambda self, other: add(self, other)
    __radd__ = lambda self, other: add(other, self)
    __sub__ = lambda self, other: subtract(self, other)
    __rsub__ = lambda self, other: subtract(other, self)
    __mul__ = lambda self, other: multiply(self, other)
    __rmul__ = lambda self, other: multiply(other, self)
    __truediv__ = lambda self, other: divide(self, other)
    __rtruediv__ = lambda self, other: divide(other, self)
    __pow__ = lambda self, other: power(self, other)
    __rpow__ = lambda self, other: power(other, self)
    __neg__ = lambda self: negative(self)


vjp_table = {}        # primitive -> (VJP maker for argument 0, for argument 1, ...)


def defvjp(fun, *makers):
    """Register one VJP maker per argument position of the primitive ``fun``."""
    vjp_table[fun] = makers


def differentiable(raw_fun):
    """``raw_fun`` as a primitive: your ``primitive`` records the Node (lesson 4), and the
    Node gets a ``vjp`` that calls the makers registered for it with ``defvjp`` (lesson 5)."""
    recorded = primitive(raw_fun)

    def boxed_fun(*args):
        out = recorded(*args)
        if isinstance(out, Box):
            values = [arg.value if isinstance(arg, Box) else arg for arg in args]
            argnums = [i for i, arg in enumerate(args) if isinstance(arg, Box)]

            def vjp(g):
                makers = vjp_table[boxed_fun]
                return tuple(makers[i](out.value, *values)(g) for i in argnums)

            out.node.vjp = vjp
        return out

    boxed_fun.__name__ = raw_fun.__name__
    boxed_fun.raw_fun = raw_fun
    return boxed_fun


add, subtract, multiply = (differentiable(np.add), differentiable(np.subtract),
                           differentiable(np.multiply))
divide, power, negative = (differentiable(np.true_divide), differentiable(np.power),
                           differentiable(np.negative))
exp, log, sin, cos, tanh = (differentiable(np.exp), differentiable(np.log),
                            differentiable(np.sin), differentiable(np.cos),
                            differentiable(np.tanh))


def vjp_divide_x(ans, x, y):
    return lambda g: unbroadcast(x, g / y)


defvjp(add,      lambda ans, x, y: lambda g: unbroadcast(x, g),
                 lambda ans, x, y: lambda g: unbroadcast(y, g))
defvjp(subtract, lambda ans, x, y: lambda g: unbroadcast(x, g),
                 lambda ans, x, y: lambda g: unbroadcast(y, -g))
defvjp(multiply, lambda ans, x, y: lambda g: unbroadcast(x, g * y),
                 lambda ans, x, y: lambda g: unbroadcast(y, g * x))
defvjp(divide,   vjp_divide_x,
                 lambda ans, x, y: lambda g: unbroadcast(y, vjp_divide_y(ans, x, y)(g)))
defvjp(power,    lambda ans, x, y: lambda g: unbroadcast(x, g * y * x ** (y - 1)),
                 lambda ans, x, y: lambda g: unbroadcast(y, g * ans * np.log(x)))
defvjp(negative, lambda ans, x: lambda g: -g)
defvjp(exp,      lambda ans, x: lambda g: g * ans)
defvjp(log,      lambda ans, x: lambda g: g / x)
defvjp(sin,      lambda ans, x: vjp_sin(ans, x))
defvjp(cos,      lambda ans, x: lambda g: -g * np.sin(x))
defvjp(tanh,     lambda ans, x: lambda g: g * (1 - ans ** 2))


def make_vjp(fun, x):
    """Trace ``fun(x)``; return ``(vjp, value)``, where ``vjp(g)`` is ``g`` pulled back to x
    by your ``backward_pass``."""
    start_node = Node(x, name="x")
    end_box = fun(Box(x, start_node))
    if not isinstance(end_box, Box):                 # fun(x) does not depend on x
        return (lambda g: 0.0 * x), end_box

    def vjp(g):
        return backward_pass(g, end_box.node).get(start_node, 0.0 * x)

    return vjp, end_box.value
