"""Linear programs: what forward mode does to a tangent, written down so it can be transposed.

Lesson 15 derives reverse mode from forward mode, as JAX's Autodidax does. Fix the point ``x``:
a JVP is then a *linear* function of the tangent. Run ``f`` on a dual number whose tangent is
not a number but a :class:`Tangent`, a name in a :class:`Program`, and every JVP rule writes
down what it does to that name instead of doing it: the result is a straight-line program of
linear operations, the **linearization** of ``f`` at ``x``::

    program = Program()
    t = program.input()             # t0
    u = t * 0.5403 + t * 2.0        # t1 = 0.5403 * t0;  t2 = 2.0 * t0;  t3 = t1 + t2
    program.returning(u)

Only linear operations can be written: a tangent times a constant (``scale``), a sum or a
difference of tangents (``add``, ``sub``), a negated tangent (``neg``). A tangent times a
tangent is refused: no JVP rule may do that, and the error says so.

Each :class:`Equation` has an ``out`` name, an ``op``, its ``args`` (names) and, for
``scale``, the ``constant``. :meth:`Program.__call__` evaluates the program on numbers (the
JVP); running it backwards, each equation sending its output's cotangent to its inputs, is
its *transpose*, the VJP: that is the learner's exercise.
"""

import inspect
from collections import namedtuple

import numpy as np

from .compare import summarize

Equation = namedtuple("Equation", "out op args constant")
OPS = ("scale", "add", "sub", "neg")


class NotLinear(TypeError):
    """A step that is not linear in the tangents (a tangent times a tangent, say)."""


def _is_zero(value):
    """A plain number or array that is 0 everywhere: the tangent of a constant."""
    try:
        return not isinstance(value, Tangent) and bool(np.all(np.asarray(value) == 0))
    except (TypeError, ValueError):
        return False


def _is_constant(value):
    return not isinstance(value, Tangent) and isinstance(value, (int, float, np.number,
                                                                 np.ndarray))


class Tangent:
    """A tangent that is a name in a :class:`Program`: arithmetic on it records equations."""

    __array_ufunc__ = None          # numpy numbers on the left hand over to our operators

    def __init__(self, program, name):
        self.program, self.name = program, name

    def __repr__(self):
        return self.name

    def __add__(self, other):
        if _is_zero(other):                        # a constant's tangent adds nothing
            return self
        return self.program.record("add", (self, self._tangent(other, "+")))

    def __radd__(self, other):
        if _is_zero(other):
            return self
        return self.program.record("add", (self._tangent(other, "+"), self))

    def __sub__(self, other):
        if _is_zero(other):
            return self
        return self.program.record("sub", (self, self._tangent(other, "-")))

    def __rsub__(self, other):
        if _is_zero(other):
            return -self
        return self.program.record("sub", (self._tangent(other, "-"), self))

    def __neg__(self):
        return self.program.record("neg", (self,))

    def __mul__(self, other):
        return self.program.record("scale", (self,), self._constant(other, "*"))

    __rmul__ = __mul__

    def __truediv__(self, other):
        return self.program.record("scale", (self,), 1.0 / self._constant(other, "/"))

    def _tangent(self, other, symbol):
        if isinstance(other, Tangent):
            return other
        raise NotLinear(f"{self.name} {symbol} {summarize(other)}: adding a constant to a "
                        f"tangent is not linear (a tangent moves with the input; a constant "
                        f"does not). A constant's own tangent is 0.")

    def _constant(self, other, symbol):
        if isinstance(other, Tangent):
            raise NotLinear(f"{self.name} {symbol} {other.name}: a tangent times a tangent "
                            f"is not linear in the tangents, and no JVP rule may do it (the "
                            f"term ẋ·ẏ is the one beside ε², which is 0).")
        if not _is_constant(other):
            raise NotLinear(f"{self.name} {symbol} {summarize(other)}: a tangent can only be "
                            f"scaled by a number or an array")
        return np.asarray(other, dtype=float) if np.ndim(other) else float(other)


class Program:
    """A straight-line program of linear operations on tangents (see the module docstring).

    ``inputs`` are the names of the input tangents, ``equations`` the :class:`Equation` s in
    the order they were recorded, ``output`` the name of the output tangent.
    """

    def __init__(self):
        self.inputs, self.equations, self.output = [], [], None
        self._count = 0

    def _name(self):
        name = f"t{self._count}"
        self._count += 1
        return name

    def input(self):
        """A new input tangent of the program."""
        tangent = Tangent(self, self._name())
        self.inputs.append(tangent.name)
        return tangent

    def record(self, op, args, constant=None):
        """Write down ``op`` on the tangents ``args``; the tangent it gives."""
        out = Tangent(self, self._name())
        self.equations.append(Equation(out.name, op, tuple(arg.name for arg in args),
                                       constant))
        return out

    def returning(self, tangent):
        """Make ``tangent`` the program's output and return the program. A plain 0 (the
        output did not depend on the input) is written as the input scaled by 0."""
        if not isinstance(tangent, Tangent):
            if not _is_zero(tangent) or not self.inputs:
                raise NotLinear(f"a program returns a tangent of its own, not "
                                f"{summarize(tangent)}")
            tangent = self.record("scale", (Tangent(self, self.inputs[0]),),
                                  np.zeros_like(np.asarray(tangent, dtype=float))
                                  if np.ndim(tangent) else 0.0)
        self.output = tangent.name
        return self

    def __call__(self, *tangents):
        """The program run on numbers: the output tangent for these input tangents."""
        if len(tangents) != len(self.inputs):
            raise TypeError(f"this program takes {len(self.inputs)} input tangent(s), got "
                            f"{len(tangents)}")
        values = dict(zip(self.inputs, tangents))
        for equation in self.equations:
            args = [values[name] for name in equation.args]
            values[equation.out] = apply(equation, args)
        return values[self.output]

    def lines(self):
        """The program as text, one equation a line: ``t2 = 0.5403 * t1``."""
        return [equation_text(equation) for equation in self.equations]

    def __str__(self):
        inputs = ", ".join(self.inputs)
        body = "\n".join(f"    {line}" for line in self.lines())
        return f"linear program ({inputs}):\n{body}\n    return {self.output}"

    def __repr__(self):
        return f"<linear program of {len(self.equations)} equations: {', '.join(self.inputs)} "\
               f"-> {self.output}>"

    def as_function(self):
        """The program as a Python function of its input tangents, built from ``*``, ``+``,
        ``-``: ``tutor.record`` can record it, and its backward pass is the transpose."""
        def linear(*tangents):
            values = dict(zip(self.inputs, tangents))
            for equation in self.equations:
                values[equation.out] = apply(equation, [values[name] for name in
                                                        equation.args])
            return values[self.output]

        linear.__name__ = "linear"
        linear.__signature__ = inspect.Signature(
            [inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD)
             for name in self.inputs])
        return linear


def apply(equation, args):
    """One equation on numbers (or traced values)."""
    if equation.op == "scale":
        return equation.constant * args[0]
    if equation.op == "add":
        return args[0] + args[1]
    if equation.op == "sub":
        return args[0] - args[1]
    return -args[0]


def equation_text(equation):
    """``t2 = 0.5403 * t1``, ``t3 = t1 + t2``, ``t4 = -t3``."""
    args = equation.args
    if equation.op == "scale":
        return f"{equation.out} = {summarize(equation.constant)} * {args[0]}"
    if equation.op == "add":
        return f"{equation.out} = {args[0]} + {args[1]}"
    if equation.op == "sub":
        return f"{equation.out} = {args[0]} - {args[1]}"
    return f"{equation.out} = -{args[0]}"
