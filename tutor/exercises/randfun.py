"""Random functions for exercises, with their derivatives computed independently.

A function is a small expression graph of :class:`Var`, :class:`Const` and :class:`Apply`
objects. The same graph can be

* evaluated with any library of elementary functions (:func:`evaluate`): plain numpy, the
  tutor's traced ``tutor.autograd.numpy`` (so ``grad`` can differentiate it), or
* evaluated with **dual numbers** (:class:`Dual`): ``x + ε`` with ``ε² = 0``. Pushing
  ``Dual(x, 1)`` through a function gives ``Dual(f(x), f'(x))``: forward-mode
  differentiation, a reference that shares no code with the reverse mode being taught.
  A dual of duals gives the second derivative.
* printed as one formula (:func:`to_text`) or as a short program with one line per
  operation (:func:`to_program`), the way a trace records it.

An :class:`Apply` used twice is computed once (evaluation is memoised per object), so a graph
with shared parts records fan-out in a trace.
"""

import inspect

import numpy as np

from tutor.notation import number_text


class Var:
    def __init__(self, name):
        self.name = name


class Const:
    def __init__(self, value):
        self.value = float(value)


class Apply:
    """``op`` applied to ``args``: a binary operator (add, sub, mul, div, pow) or a function
    of one argument (neg, sin, cos, exp, log, tanh)."""

    def __init__(self, op, *args):
        self.op = op
        self.args = args


BINARY = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "**"}
UNARY = ("neg", "sin", "cos", "exp", "log", "tanh")


# ------------------------------------------------------------------------ evaluation

def evaluate(expr, env, lib=np):
    """The value of ``expr`` with variables from ``env`` and functions from ``lib``."""
    memo = {}

    def value(node):
        if id(node) not in memo:
            if isinstance(node, Var):
                memo[id(node)] = env[node.name]
            elif isinstance(node, Const):
                memo[id(node)] = node.value
            else:
                memo[id(node)] = _apply(node.op, [value(arg) for arg in node.args], lib)
        return memo[id(node)]

    return value(expr)


def _apply(op, args, lib):
    if op == "add":
        return args[0] + args[1]
    if op == "sub":
        return args[0] - args[1]
    if op == "mul":
        return args[0] * args[1]
    if op == "div":
        return args[0] / args[1]
    if op == "pow":
        return args[0] ** args[1]
    if op == "neg":
        return -args[0]
    return getattr(lib, op)(args[0])


def variables_of(expr):
    """Variable names in order of first appearance (left to right)."""
    names = []

    def walk(node):
        if isinstance(node, Var) and node.name not in names:
            names.append(node.name)
        for arg in getattr(node, "args", ()):
            walk(arg)

    walk(expr)
    return tuple(names)


def make_function(expr, variables, lib="numpy"):
    """A real Python function ``f(x, y, ...)`` computing ``expr``.

    ``lib`` is ``"numpy"`` or ``"autograd"`` (``tutor.autograd.numpy``, imported when
    called, so ``grad`` can trace it). Its signature names the variables, so tools that
    read ``inspect.signature`` (the recorder does) see ``f(x, y)``.
    """
    signature = inspect.Signature([inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD)
                                   for name in variables])

    def f(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        library = np
        if lib == "autograd":
            import tutor.autograd.numpy as library
        return evaluate(expr, dict(bound.arguments), library)

    f.__signature__ = signature
    f.__name__ = "f"
    f.__qualname__ = "f"
    f.text = to_text(expr)
    return f


# --------------------------------------------------------------------------- printing

_PRECEDENCE = {"add": 1, "sub": 1, "mul": 2, "div": 2, "neg": 3, "pow": 4}


def to_text(expr, names=None):
    """The expression as one Python formula, with only the parentheses it needs."""
    text, _ = _text(expr, names or {})
    return text


def _text(node, names):
    """``(text, precedence)``; atoms and calls bind tightest (5)."""
    if id(node) in names:
        return names[id(node)], 5
    if isinstance(node, Var):
        return node.name, 5
    if isinstance(node, Const):
        text = number_text(node.value)
        return text, (3 if node.value < 0 else 5)
    if node.op in UNARY and node.op != "neg":
        return f"{node.op}({_text(node.args[0], names)[0]})", 5
    if node.op == "neg":
        inner, inner_precedence = _text(node.args[0], names)
        return "-" + (inner if inner_precedence >= 3 else f"({inner})"), 3
    precedence = _PRECEDENCE[node.op]
    left, left_precedence = _text(node.args[0], names)
    right, right_precedence = _text(node.args[1], names)
    if node.op == "pow":
        left = left if left_precedence > precedence else f"({left})"
        right = right if right_precedence >= 5 else f"({right})"
        return f"{left}**{right}", precedence
    left = left if left_precedence >= precedence else f"({left})"
    needs = right_precedence <= precedence if node.op in ("sub", "div") \
        else right_precedence < precedence
    right = f"({right})" if needs else right
    return f"{left} {BINARY[node.op]} {right}", precedence


def to_program(expr, variables, name="f"):
    """The function as code with one line per operation, in the order it is computed::

        def f(x, y):
            a = x * y
            b = a + x
            return b * a
    """
    order = []

    def walk(node):
        if isinstance(node, Apply) and id(node) not in seen:
            seen.add(id(node))
            for arg in node.args:
                walk(arg)
            order.append(node)

    seen = set()
    walk(expr)
    names, lines = {}, [f"def {name}({', '.join(variables)}):"]
    letters = iter("abcdeghjkmnpqrstuvw")
    for node in order[:-1]:
        text = _text(node, names)[0]
        names[id(node)] = next(letters)
        lines.append(f"    {names[id(node)]} = {text}")
    final = _text(order[-1], names)[0] if order else to_text(expr)
    lines.append(f"    return {final}")
    return "\n".join(lines)


# ---------------------------------------------------------------------- dual numbers

class Dual:
    """``value + tangent·ε`` with ``ε² = 0``: carries a derivative along with a value."""

    __slots__ = ("value", "tangent")

    def __init__(self, value, tangent):
        self.value = value
        self.tangent = tangent

    @staticmethod
    def _lift(other):
        return other if isinstance(other, Dual) else Dual(other, 0.0)

    def __add__(self, other):
        other = self._lift(other)
        return Dual(self.value + other.value, self.tangent + other.tangent)

    __radd__ = __add__

    def __sub__(self, other):
        other = self._lift(other)
        return Dual(self.value - other.value, self.tangent - other.tangent)

    def __rsub__(self, other):
        return self._lift(other) - self

    def __mul__(self, other):
        other = self._lift(other)
        return Dual(self.value * other.value,
                    self.tangent * other.value + self.value * other.tangent)

    __rmul__ = __mul__

    def __truediv__(self, other):
        other = self._lift(other)
        return Dual(self.value / other.value,
                    (self.tangent * other.value - self.value * other.tangent)
                    / (other.value * other.value))

    def __rtruediv__(self, other):
        return self._lift(other) / self

    def __neg__(self):
        return Dual(-self.value, -self.tangent)

    def __pow__(self, exponent):
        if isinstance(exponent, Dual):
            raise TypeError("only constant exponents are supported")
        if exponent == 0:
            return Dual(1.0, 0.0)
        return Dual(self.value ** exponent,
                    exponent * self.value ** (exponent - 1) * self.tangent)


class _DualFunctions:
    """``sin``, ``exp``, ... for dual numbers (and plain numbers), by the chain rule."""

    @staticmethod
    def sin(a):
        if isinstance(a, Dual):
            return Dual(_DUAL.sin(a.value), _DUAL.cos(a.value) * a.tangent)
        return np.sin(a)

    @staticmethod
    def cos(a):
        if isinstance(a, Dual):
            return Dual(_DUAL.cos(a.value), -_DUAL.sin(a.value) * a.tangent)
        return np.cos(a)

    @staticmethod
    def exp(a):
        if isinstance(a, Dual):
            value = _DUAL.exp(a.value)
            return Dual(value, value * a.tangent)
        return np.exp(a)

    @staticmethod
    def log(a):
        if isinstance(a, Dual):
            return Dual(_DUAL.log(a.value), a.tangent / a.value)
        return np.log(a)

    @staticmethod
    def tanh(a):
        if isinstance(a, Dual):
            value = _DUAL.tanh(a.value)
            return Dual(value, (1.0 - value * value) * a.tangent)
        return np.tanh(a)


_DUAL = _DualFunctions()


def derivative(expr, env, wrt):
    """d expr / d wrt at ``env``, by forward mode."""
    seeded = {name: Dual(value, 1.0) if name == wrt else value for name, value in env.items()}
    result = evaluate(expr, seeded, _DUAL)
    return float(result.tangent) if isinstance(result, Dual) else 0.0


def second_derivative(expr, env, wrt):
    """d² expr / d wrt² at ``env``: a dual number whose parts are dual numbers."""
    seeded = {name: Dual(Dual(value, 1.0), Dual(1.0, 0.0)) if name == wrt else value
              for name, value in env.items()}
    result = evaluate(expr, seeded, _DUAL)
    if not isinstance(result, Dual) or not isinstance(result.tangent, Dual):
        return 0.0
    return float(result.tangent.tangent)


# ---------------------------------------------------------------------- random graphs

def random_smooth(rng, variables=("x",), size=4):
    """A random smooth function of ``variables`` (no division, no log): safe everywhere.

    Every variable appears. Unary functions and products keep values moderate for inputs
    in [-1.5, 1.5].
    """
    pool = [Var(name) for name in variables]
    expr = pool[int(rng.integers(len(pool)))]
    for _ in range(size):
        roll = rng.random()
        if roll < 0.35:
            expr = Apply(str(rng.choice(["sin", "cos", "tanh", "exp"])), expr)
            if expr.op == "exp" and _depth_has(expr.args[0], "exp"):
                expr = Apply("sin", expr.args[0])
        elif roll < 0.5:
            expr = Apply("pow", expr, Const(2))
        else:
            op = str(rng.choice(["add", "sub", "mul"]))
            other = pool[int(rng.integers(len(pool)))] if rng.random() < 0.7 \
                else Const(int(rng.integers(1, 4)))
            expr = Apply(op, expr, other) if rng.random() < 0.5 else Apply(op, other, expr)
    for name in variables:
        if name not in variables_of(expr):
            expr = Apply(str(rng.choice(["add", "mul"])), expr, Var(name))
    return expr


def _depth_has(node, op):
    return isinstance(node, Apply) and (node.op == op or any(_depth_has(a, op) for a in node.args))


def random_program(rng, variables=("x", "y"), operations=None, unary=False):
    """A random function built from +, -, × (and sin/exp when ``unary``), reusing earlier
    results so that some value feeds several operations (fan-out)."""
    count = int(rng.integers(3, 6)) if operations is None else operations
    pool = [Var(name) for name in variables]
    for _ in range(count):
        if unary and rng.random() < 0.2:
            pool.append(Apply(str(rng.choice(["sin", "exp"])), _recent(rng, pool)))
            continue
        op = str(rng.choice(["add", "sub", "mul"], p=[0.35, 0.25, 0.4]))
        left = _recent(rng, pool)
        right = pool[int(rng.integers(len(pool)))] if rng.random() < 0.8 \
            else Const(int(rng.integers(2, 4)))
        pool.append(Apply(op, left, right) if rng.random() < 0.6 else Apply(op, right, left))
    expr = pool[-1]
    for name in variables:
        if name not in variables_of(expr):
            expr = Apply(str(rng.choice(["add", "mul"])), expr, Var(name))
    return expr


def _recent(rng, pool):
    return pool[-1 - int(rng.integers(0, min(2, len(pool))))]
