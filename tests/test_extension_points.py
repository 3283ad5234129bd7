"""HIPS autograd's extension points, as a specification: a Node subclass sees every primitive
application of its trace; a new kind of value, with a Box and a VSpace of its own, is
differentiated in both modes; ``tutor.autograd.extend`` and ``util`` export what an extender
needs."""

import math
import warnings

import numpy as onp
import pytest

import tutor.autograd.numpy as np
from tutor.autograd import elementwise_grad, grad, make_jvp, make_vjp
from tutor.autograd.core import vspace
from tutor.autograd.extend import (
    Box, Node, VSpace, def_linear, defjvp, defjvp_argnums, defvjp, defvjp_argnums, primitive,
    register_notrace)
from tutor.autograd.test_util import check_grads
from tutor.autograd.tracer import trace
from tutor.autograd.util import func, subval


def f(x):
    return np.sin(x) * x


def d2f(x):
    """f''(x) for f(x) = x sin x."""
    return 2 * math.cos(x) - x * math.sin(x)


class CountingNode(Node):
    """Keeps every Node of its trace, in the order the primitives ran, in a list shared by
    the whole trace (the root makes it; each Node takes it from its first parent)."""

    def __init__(self, value, fun, args, kwargs, parent_argnums, parents):
        super().__init__(value, fun, args, kwargs, parent_argnums, parents)
        self.seen = parents[0].seen
        self.seen.append(self)

    def initialize_root(self, x):
        super().initialize_root(x)
        self.seen = []


def counted(fun, x):
    """Trace ``fun`` at ``x`` with CountingNodes: (its value, its end Node, the Nodes seen)."""
    root = CountingNode.new_root(x)
    value, end_node = trace(root, fun, x)
    return value, end_node, root, root.seen


def names(nodes):
    return [node.fun.__name__ for node in nodes]


# ------------------------------------------------------------- a Node subclass sees it all

def test_a_node_subclass_sees_the_forward_pass():
    value, end_node, root, seen = counted(f, 0.3)
    assert names(seen) == ["sin", "multiply"]
    assert end_node is seen[-1] and type(end_node) is CountingNode
    assert end_node.parents == (seen[0], root) and value == pytest.approx(0.3 * math.sin(0.3))


def test_a_node_subclass_sees_the_backward_pass_of_grad():
    """grad traces f one level up, so its Nodes' values are this trace's Boxes: everything the
    backward pass computes from them is a primitive application this trace sees."""
    value, _, _, seen = counted(grad(f), 0.3)
    assert value == pytest.approx(math.cos(0.3) * 0.3 + math.sin(0.3))
    assert names(seen) == [
        "sin", "multiply",            # the forward pass: y = sin(x), y · x
        "multiply", "multiply",       # multiply's VJPs: g · x to y, g · y to x
        "cos", "multiply",            # sin's VJP: g · cos(x)
        "add"]                        # x's two contributions added (VSpace.add)


def test_a_node_subclass_sees_the_tangents_of_make_jvp():
    value, _, _, seen = counted(lambda x: make_jvp(f)(x)(1.0)[1], 0.3)
    assert value == pytest.approx(math.cos(0.3) * 0.3 + math.sin(0.3))
    assert names(seen) == [
        "sin", "multiply",            # the forward pass
        "cos", "multiply",            # sin's JVP: ẋ · cos(x)
        "multiply", "multiply",       # multiply's JVPs: ẏ · x and y · ẋ
        "add"]                        # the two shares of the output's tangent added


def test_the_nodes_seen_under_grad_of_grad_are_the_whole_computation():
    """Replaying the Nodes seen at x = 0.3 on a new input gives f'' there: nothing the second
    derivative depends on was missed."""
    value, end_node, root, seen = counted(grad(grad(f)), 0.3)
    assert value == pytest.approx(d2f(0.3))
    assert len(seen) > 7 and names(seen)[:2] == ["sin", "multiply"]
    for x in (1.1, -2.0):
        values = {root: x}
        for node in seen:
            args = list(node.args)
            for argnum, parent in zip(node.parent_argnums, node.parents):
                args[argnum] = values[parent]
            values[node] = node.fun(*args, **node.kwargs)
        assert values[end_node] == pytest.approx(d2f(x))


def test_a_node_subclass_need_not_keep_anything():
    """Like HIPS's print_trace example: a Node that only names what it sees (its __init__
    does not call Node's), and a root made by its own initialize_root."""
    class NamingNode(Node):
        def __init__(self, value, fun, args, kwargs, parent_argnums, parents):
            self.lines = parents[0].lines
            self.name = f"v{len(self.lines)}"
            shown = list(args)
            for argnum, parent in zip(parent_argnums, parents):
                shown[argnum] = parent.name
            self.lines.append(f"{self.name} = {fun.__name__}({', '.join(map(str, shown))})")

        def initialize_root(self, x):
            self.lines, self.name = [], "x"

    root = NamingNode.new_root(2.0)
    trace(root, lambda x: np.exp(x * x) / 2.0, 2.0)
    assert root.lines == ["v0 = multiply(x, x)", "v1 = exp(v0)", "v2 = divide(v1, 2.0)"]


def test_trace_in_both_forms():
    root = Node.new_root(0.5)
    value, end_node = trace(root, f, 0.5)                          # HIPS's form
    assert value == pytest.approx(0.5 * math.sin(0.5)) and end_node.parents[1] is root
    assert trace(root, lambda x: 3.0, 0.5) == (3.0, None)         # output independent of x
    start, value, end_node = trace(f, 0.5)                         # ours: roots made for you
    assert type(start) is Node and start.value == 0.5 and end_node.parents[1] is start
    roots = (Node.new_root(1.0), Node.new_root(2.0))               # one root per input
    value, end_node = trace(roots, lambda xy: xy[0] * xy[1], (1.0, 2.0))
    assert value == 2.0 and end_node.parents == roots
    with pytest.raises(TypeError, match=r"\(start_node, fun, x\) or \(fun, x\)"):
        trace(f)


def test_register_notrace_hides_a_primitive_from_one_kind_of_trace_only():
    """As for a notrace_primitive, the trace does not continue through it, but only in the
    traces of that kind of Node: grad, with its own Nodes, still differentiates it."""
    @primitive
    def double(x):
        return 2.0 * x
    defvjp(double, lambda ans, x: lambda g: 2.0 * g)

    class QuietNode(CountingNode):
        pass
    register_notrace(QuietNode, double)
    root = QuietNode.new_root(1.5)
    value, end_node = trace(root, lambda x: np.sin(double(x)) + x, 1.5)
    assert names(root.seen) == ["add"] and end_node.parents == (root,)
    assert value == pytest.approx(math.sin(3.0) + 1.5)
    assert grad(lambda x: np.sin(double(x)))(1.5) == pytest.approx(2 * math.cos(3.0))


# --------------------------------------------------------- a new kind of value, its space

class Poly:
    """A polynomial c₀ + c₁ t + c₂ t² + ..., a vector of its coefficients. Adding and scaling
    go through its vector space, so they are recorded when a Poly is being differentiated."""

    def __init__(self, coefficients):
        self.coefficients = onp.asarray(coefficients, dtype=float)

    def __add__(self, other):
        return vspace(self).add(self, other)

    def __mul__(self, a):
        return vspace(self).scalar_mul(self, a)


class PolyBox(Box, Poly):
    """A Poly being differentiated: Box first, so it holds the value and the Node."""


PolyBox.register(Poly)


class PolySpace(VSpace):
    def __init__(self, value):
        self.degree = len(value.coefficients) - 1

    def zeros(self):
        return Poly(onp.zeros(self.degree + 1))

    def ones(self):
        return Poly(onp.ones(self.degree + 1))

    def randn(self):
        return Poly(onp.random.standard_normal(self.degree + 1))

    def standard_basis(self):
        for unit in onp.eye(self.degree + 1):
            yield Poly(unit)

    def _add(self, p, q):
        return Poly(p.coefficients + q.coefficients)

    def _scalar_mul(self, p, a):
        return Poly(p.coefficients * a)

    def _inner_prod(self, p, q):
        return float(onp.dot(p.coefficients, q.coefficients))


PolySpace.register(Poly)


@primitive
def evaluate(p, t):
    """p(t)."""
    return onp.polynomial.polynomial.polyval(t, p.coefficients)


def _derivative_at(p, t):
    return onp.polynomial.polynomial.polyval(t, onp.polynomial.polynomial.polyder(p.coefficients))


def _powers(p, t):
    """The Poly whose coefficients are 1, t, t², ...: the gradient of p(t) with respect to p."""
    return Poly(t ** onp.arange(len(p.coefficients)))


defvjp(evaluate, lambda ans, p, t: lambda g: _powers(p, t) * g,
       lambda ans, p, t: lambda g: g * _derivative_at(p, t))
defjvp(evaluate, lambda g, ans, p, t: evaluate(g, t),      # linear in p: the tangent, evaluated
       lambda g, ans, p, t: g * _derivative_at(p, t))

TIMES, TARGETS = onp.array([-1.0, 0.0, 0.5, 2.0]), onp.array([1.0, -1.0, 0.0, 3.0])


def loss(p):
    """Squared error of p at a few points; p + p * 0.5 exercises the space's add and scale."""
    q = p + p * 0.5
    return sum((evaluate(q, t) - y) ** 2 for t, y in zip(TIMES, TARGETS))


def loss_by_coefficients(c):
    return loss(Poly(c))


def numeric_gradient(fun, c, eps=1e-6):
    return onp.array([(fun(c + eps * unit) - fun(c - eps * unit)) / (2 * eps)
                      for unit in onp.eye(len(c))])


def test_a_new_value_type_is_differentiated_in_reverse_mode():
    c = onp.array([0.5, -1.0, 0.25])
    gradient = grad(loss)(Poly(c))
    assert type(gradient) is Poly
    onp.testing.assert_allclose(gradient.coefficients, numeric_gradient(loss_by_coefficients, c),
                                rtol=1e-6)


def test_a_new_value_type_is_differentiated_in_forward_mode():
    c, direction = onp.array([0.5, -1.0, 0.25]), onp.array([1.0, 2.0, -0.5])
    value, tangent = make_jvp(loss)(Poly(c))(Poly(direction))
    assert value == pytest.approx(loss_by_coefficients(c))
    assert tangent == pytest.approx(numeric_gradient(loss_by_coefficients, c) @ direction)


def test_gradient_descent_on_polynomials_finds_the_least_squares_line():
    p = Poly(onp.zeros(2))
    for _ in range(300):
        p = p + grad(loss)(p) * -0.03
    vandermonde = onp.stack([onp.ones_like(TIMES), TIMES], axis=1)
    best = onp.linalg.lstsq(vandermonde, TARGETS, rcond=None)[0] / 1.5      # loss uses 1.5 p
    onp.testing.assert_allclose(p.coefficients, best, atol=1e-6)


def test_derivatives_with_respect_to_the_point_and_of_second_order():
    p = Poly([1.0, 2.0, 3.0])             # 1 + 2t + 3t²
    assert grad(evaluate, 1)(p, 2.0) == pytest.approx(2 + 6 * 2.0)
    assert grad(lambda t: evaluate(p, t) * evaluate(p, t))(0.5) == pytest.approx(
        2 * (1 + 1 + 0.75) * (2 + 3))
    assert elementwise_grad(lambda t: grad(evaluate, 1)(p, t))(0.5) == pytest.approx(6.0)


def test_the_vector_space_operations_have_vjps_and_jvps():
    """add, scalar_mul and inner_prod of a VSpace are primitives: differentiable in the vector
    and in the scalar, in both modes."""
    space = PolySpace(Poly([0.0, 0.0]))
    c = onp.array([0.3, -0.7])

    def f(a):
        p = space.scalar_mul(Poly(c), a)
        return space.inner_prod(space.add(p, p), p)           # 2a²|c|²
    assert grad(f)(1.5) == pytest.approx(4 * 1.5 * c @ c)
    assert make_jvp(f)(1.5)(1.0)[1] == pytest.approx(4 * 1.5 * c @ c)
    vjp, _ = make_vjp(lambda p: space.inner_prod(p, p))(Poly(c))
    onp.testing.assert_allclose(vjp(1.0).coefficients, 2 * c)


def test_vector_spaces_of_arrays_follow_hips():
    assert repr(vspace(onp.zeros((2, 1)))) == "ArrayVSpace_{'shape': (2, 1), 'dtype': dtype('float64')}"
    space = vspace(onp.zeros(2, complex))
    assert space.iscomplex and space.size == 4 and space.ones().tolist() == [1 + 1j, 1 + 1j]
    assert sum(space.standard_basis()).tolist() == space.ones().tolist()
    assert space.inner_prod(onp.array([1j, 0]), onp.array([1j, 0])) == 1.0
    assert vspace(2.0) == vspace(onp.float64(3.0)) != vspace(onp.zeros(1))
    assert type(vspace(2.0).zeros()) is onp.float64 and vspace(3).dtype == onp.float64


def test_a_value_type_without_a_space_is_refused_with_the_fix():
    class Unknown:
        pass
    with pytest.raises(TypeError, match=r"(?s)No vector space.*MySpace.register\(Unknown\)"):
        vspace(Unknown())
    with pytest.raises(TypeError, match="register a VSpace"):
        grad(lambda u: 1.0)(Unknown())


# ------------------------------------------------------------------- registration helpers

def test_all_argnums_at_once_and_linear_functions():
    @primitive
    def weighted(x, y):
        return 2.0 * x + 3.0 * y
    defvjp_argnums(weighted, lambda argnums, ans, args, kwargs:
                   lambda g: tuple({0: 2.0, 1: 3.0}[argnum] * g for argnum in argnums))
    defjvp_argnums(weighted, lambda argnums, gs, ans, args, kwargs:
                   sum({0: 2.0, 1: 3.0}[argnum] * g for argnum, g in zip(argnums, gs)))
    check_grads(weighted, modes=["fwd", "rev"], order=1)(0.5, -1.0)

    @primitive
    def scale(x, a):
        return x * a
    defvjp(scale, lambda ans, x, a: lambda g: g * a, lambda ans, x, a: lambda g: np.sum(g * x))
    def_linear(scale)
    check_grads(scale, modes=["fwd"], order=1)(onp.array([1.0, 2.0]), 3.0)


def test_util_and_the_deprecated_registrations():
    assert func(Poly.__add__) is Poly.__add__ and subval((1, 2, 3), 1, "b") == (1, "b", 3)
    from tutor.autograd.core import primitive as hips_primitive

    @hips_primitive
    def cube(x):
        return x ** 3
    with pytest.warns(FutureWarning, match="deprecated"):
        cube.defvjp(lambda g, ans, vs, gvs, x: g * 3 * x ** 2)
    assert grad(cube)(2.0) == 12.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        cube.defvjp_is_zero([0])
    assert grad(cube)(2.0) == 0.0
