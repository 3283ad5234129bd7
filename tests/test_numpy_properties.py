"""Properties that hold for *any* input, checked on many random ones (hypothesis).

The central one: a random composition of elementwise and broadcasting binary primitives has
first and second derivatives that agree with finite differences, in forward and in reverse
mode, and the two modes agree with each other. The others are facts a
learner can check by hand: the gradient of a linear function is its coefficient, a VJP is
linear in ``g``, a value used k times collects k adjoints, transposing the input transposes
the gradient.
"""

import numpy as onp
import pytest
from hypothesis import assume, given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import tutor.autograd.numpy as np
from tutor.autograd import elementwise_grad, grad, jacobian, make_jvp, make_vjp
from tutor.autograd.test_util import check_grads

SETTINGS = settings(deadline=None, max_examples=40, derandomize=True)


def floats(low=-1.5, high=1.5):
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


def arrays(shape, low=-1.5, high=1.5):
    return hnp.arrays(onp.float64, shape, elements=floats(low, high))


# ----------------------------------------------------------------- random compositions
#
# Smooth functions of every real number, so that no random input hits a pole or a kink.

UNARY = {
    "sin": np.sin, "cos": np.cos, "tanh": np.tanh, "arctan": np.arctan, "arcsinh": np.arcsinh,
    "negative": np.negative, "softplus": lambda t: np.logaddexp(0.0, t),
    "sqrt(1 + t²)": lambda t: np.sqrt(1.0 + np.square(t)), "log1p(t²)": lambda t: np.log1p(t ** 2),
    "expm1(tanh t)": lambda t: np.expm1(np.tanh(t)), "exp(sin t)": lambda t: np.exp(np.sin(t)),
    "cbrt(1 + t²)": lambda t: np.cbrt(1.0 + t * t), "hypot(t, 1)": lambda t: np.hypot(t, 1.0),
    "1 / (1 + t²)": lambda t: np.reciprocal(1.0 + t ** 2),
    "sinh(tanh t)": lambda t: np.sinh(np.tanh(t)),
    "cosh(sin t)": lambda t: np.cosh(np.sin(t)), "exp2(cos t)": lambda t: np.exp2(np.cos(t)),
    "arctan2(t, 2)": lambda t: np.arctan2(t, 2.0),
    "log(2 + sin t)": lambda t: np.log(2.0 + np.sin(t)),
    "sinc": np.sinc, "square": np.square,
}

BINARY = {
    "add": np.add, "subtract": np.subtract, "multiply": np.multiply,
    "logaddexp": np.logaddexp, "logaddexp2": np.logaddexp2,
    "a / (1 + b²)": lambda a, b: a / (1.0 + b * b),
    "hypot(a, 1 + b²)": lambda a, b: np.hypot(a, 1.0 + b * b),
    "arctan2(a, 2 + b²)": lambda a, b: np.arctan2(a, 2.0 + b ** 2),
    "(1 + a²) ** tanh b": lambda a, b: np.power(1.0 + a * a, np.tanh(b)),
    "a · b + a": lambda a, b: a * b + a,
}


@st.composite
def programs(draw):
    """A short straight-line program over inputs x and y: each step applies an operation to
    earlier values. Returns (steps, x, y) with x and y of shapes that broadcast together."""
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3))
    x = draw(arrays(shapes.input_shapes[0]))
    y = draw(arrays(shapes.input_shapes[1]))
    steps = []
    for length in range(2, 2 + draw(st.integers(1, 5))):
        if draw(st.booleans()):
            name = draw(st.sampled_from(sorted(UNARY)))
            steps.append((name, (draw(st.integers(0, length - 1)),)))
        else:
            name = draw(st.sampled_from(sorted(BINARY)))
            operands = (draw(st.integers(0, length - 1)), draw(st.integers(0, length - 1)))
            steps.append((name, operands))
    return steps, x, y


def run(steps):
    """The program as a function f(x, y): its last value, plus half the one before, plus
    x · y / 4 so that f depends on both inputs whatever the steps were."""
    def f(x, y):
        values = [x, y]
        for name, operands in steps:
            fun = UNARY.get(name) or BINARY[name]
            values.append(fun(*[values[i] for i in operands]))
        return values[-1] + 0.5 * values[-2] + 0.25 * x * y
    return f


def moderate(f, *args):
    """Keep examples whose values stay moderate: finite differences need a tame function."""
    value = onp.asarray(f(*args))
    return bool(onp.all(onp.isfinite(value)) and onp.max(onp.abs(value), initial=0.0) < 30.0)


@SETTINGS
@given(programs())
def test_random_compositions_match_finite_differences_to_second_order(program):
    steps, x, y = program
    f = run(steps)
    assume(moderate(f, x, y))
    check_grads(f, (0, 1), modes=["fwd", "rev"], order=2)(x, y)


@SETTINGS
@given(programs(), st.integers(0, 2 ** 32 - 1))
def test_forward_and_reverse_mode_are_transposes_of_each_other(program, seed):
    """u · (J v) from one forward pass equals (uᵀ J) · v from one backward pass, to rounding:
    the two modes compute the same Jacobian, one column or one row combination at a time."""
    steps, x, y = program
    f = run(steps)
    assume(moderate(f, x, y))
    rng = onp.random.default_rng(seed)
    v = (rng.standard_normal(onp.shape(x)), rng.standard_normal(onp.shape(y)))
    value, jv = make_jvp(f, (0, 1))(x, y)(v)
    u = rng.standard_normal(onp.shape(value))
    vjp, _ = make_vjp(f, (0, 1))(x, y)
    ujv = onp.sum(u * jv)
    ujv_reverse = sum(onp.sum(adjoint * vi) for adjoint, vi in zip(vjp(u), v))
    assert ujv == pytest.approx(ujv_reverse, rel=1e-9, abs=1e-9)
    _, doubled = make_jvp(f, (0, 1))(x, y)((2 * v[0], 2 * v[1]))          # linear in v
    onp.testing.assert_allclose(doubled, 2 * onp.asarray(jv), rtol=1e-12, atol=1e-12)


@SETTINGS
@given(programs(), st.floats(-2, 2), st.floats(-2, 2))
def test_a_vjp_is_linear_in_the_adjoint(program, a, b):
    steps, x, y = program
    f = run(steps)
    assume(moderate(f, x, y))
    vjp, value = make_vjp(f, argnum=(0, 1))(x, y)
    rng = onp.random.default_rng(0)
    u, w = rng.standard_normal(onp.shape(value)), rng.standard_normal(onp.shape(value))
    combined = vjp(a * u + b * w)
    for part, from_u, from_w in zip(combined, vjp(u), vjp(w)):
        onp.testing.assert_allclose(part, a * from_u + b * from_w, rtol=1e-9, atol=1e-9)


# ------------------------------------------------------------------ linear functions


@SETTINGS
@given(st.data())
def test_gradient_of_a_linear_function_is_its_coefficient(data):
    shapes = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3))
    x_shape, c_shape = shapes.input_shapes
    x, c = data.draw(arrays(x_shape)), data.draw(arrays(c_shape))
    gradient = grad(lambda x: np.sum(c * x + 3.0))(x)
    # c is broadcast against x: x's entries collect the coefficients of all their copies
    expected = onp.broadcast_to(c, shapes.result_shape)
    expected = expected.sum(axis=tuple(range(len(shapes.result_shape) - len(x_shape))))
    expected = expected.sum(axis=tuple(i for i, n in enumerate(x_shape) if n == 1), keepdims=True)
    onp.testing.assert_allclose(gradient, expected.reshape(x_shape), rtol=1e-12, atol=1e-12)


@SETTINGS
@given(st.integers(1, 4), st.integers(1, 4), st.data())
def test_gradient_of_matrix_products_is_the_coefficient(n, m, data):
    a = data.draw(arrays((n, m)))
    v, weights = data.draw(arrays((m,))), data.draw(arrays((n,)))
    onp.testing.assert_allclose(grad(lambda v: np.dot(weights, a @ v))(v), a.T @ weights)
    onp.testing.assert_allclose(grad(lambda a: np.dot(weights, a @ v))(a), onp.outer(weights, v))
    onp.testing.assert_allclose(grad(lambda v: np.einsum("i,ij,j->", weights, a, v))(v),
                                a.T @ weights)
    onp.testing.assert_allclose(grad(lambda a: np.tensordot(a, onp.outer(weights, v)))(a),
                                onp.outer(weights, v))


@SETTINGS
@given(st.data())
def test_einsum_and_matmul_have_the_same_gradients(data):
    n, k, m = (data.draw(st.integers(1, 4)) for _ in range(3))
    a, b, w = data.draw(arrays((n, k))), data.draw(arrays((k, m))), data.draw(arrays((n, m)))
    by_einsum = grad(lambda a, b: np.sum(np.einsum("ij,jk->ik", a, b) * w), argnum=(0, 1))(a, b)
    by_matmul = grad(lambda a, b: np.sum((a @ b) * w), argnum=(0, 1))(a, b)
    for left, right in zip(by_einsum, by_matmul):
        onp.testing.assert_allclose(left, right, rtol=1e-10, atol=1e-12)


# -------------------------------------------------------------------------- reductions


@SETTINGS
@given(st.data())
def test_reductions_with_any_axis_and_keepdims(data):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, max_side=3))
    # distinct values on a coarse grid: no ties for max and min, no all-equal input for std
    x = data.draw(hnp.arrays(onp.float64, shape, unique=True,
                             elements=st.integers(-30, 30).map(lambda k: k / 10)))
    axis = data.draw(st.none() | hnp.valid_tuple_axes(len(shape), min_size=1))
    keepdims = data.draw(st.booleans())
    name = data.draw(st.sampled_from(["sum", "mean", "prod", "max", "min", "var", "std"]))
    fun = getattr(np, name)
    if name == "std":
        assume(onp.all(onp.std(x, axis=axis) > 0.05))
    check_grads(fun, modes=["fwd", "rev"], order=2)(x, axis=axis, keepdims=keepdims)


@SETTINGS
@given(st.data())
def test_sum_and_mean_spread_the_adjoint_evenly(data):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, max_side=4))
    x = data.draw(arrays(shape))
    axis = data.draw(st.none() | hnp.valid_tuple_axes(len(shape), min_size=1))
    count = onp.size(x) // onp.size(onp.sum(x, axis=axis))
    onp.testing.assert_allclose(grad(lambda x: np.sum(np.sum(x, axis=axis)))(x), onp.ones(shape))
    onp.testing.assert_allclose(grad(lambda x: np.sum(np.mean(x, axis=axis)))(x),
                                onp.ones(shape) / count)


# ----------------------------------------------------------------- copies add adjoints


@SETTINGS
@given(st.integers(1, 5), st.data())
def test_an_entry_indexed_k_times_collects_k_adjoints(n, data):
    x = data.draw(arrays((n,)))
    index = data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=8))
    weights = data.draw(arrays((len(index),)))
    onp.testing.assert_allclose(grad(lambda x: np.sum(x[index]))(x),
                                onp.bincount(index, minlength=n))
    onp.testing.assert_allclose(grad(lambda x: np.sum(weights * np.take(x, index)))(x),
                                onp.bincount(index, weights=weights, minlength=n), atol=1e-12)


@SETTINGS
@given(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3), st.data())
def test_a_broadcast_input_collects_one_adjoint_per_copy(shapes, data):
    x_shape, y_shape = shapes.input_shapes
    x, y = data.draw(arrays(x_shape)), data.draw(arrays(y_shape))
    copies = int(onp.prod(shapes.result_shape)) // int(onp.prod(y_shape))
    onp.testing.assert_allclose(grad(lambda y: np.sum(x + y), argnum=0)(y),
                                onp.full(y_shape, float(copies)))


# ------------------------------------------------------------- symmetries of the gradient


@SETTINGS
@given(st.sampled_from(sorted(UNARY)), st.integers(1, 3), st.integers(1, 3), st.data())
def test_transposing_the_input_transposes_the_gradient(name, n, m, data):
    fun = UNARY[name]
    x, w = data.draw(arrays((n, m))), data.draw(arrays((m, n)))
    def f(x):
        return np.sum(fun(x) * w.T)
    transposed = grad(lambda x: np.sum(fun(x.T) * w))(x)
    onp.testing.assert_allclose(transposed, grad(f)(x), rtol=1e-10, atol=1e-12)


@SETTINGS
@given(st.sampled_from(sorted(UNARY)), st.data())
def test_elementwise_grad_is_the_diagonal_of_the_jacobian(name, data):
    fun = UNARY[name]
    x = data.draw(arrays((4,)))
    onp.testing.assert_allclose(elementwise_grad(fun)(x), onp.diag(jacobian(fun)(x)),
                                rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", sorted(UNARY))
def test_each_building_block_is_checked_on_its_own(name):
    """Every function the random programs use is itself right (a failure names it)."""
    check_grads(UNARY[name], modes=["fwd", "rev"], order=2)(onp.linspace(-1.4, 1.3, 5))
