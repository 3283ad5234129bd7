"""A Box behaves like the array (or number) inside it, and says clearly when it can't.

Inside a function being differentiated, a learner's array is a Box. Its operators, methods
and attributes must work as numpy's do *and* be recorded, so these tests check values and
gradients together. Comparisons give plain values (they have no derivative), and the two
mistakes that would silently cut the derivative (writing into the array, handing it to plain
numpy or ``math``) raise a TypeError that names the fix.
"""

import math

import numpy as onp
import pytest

import tutor.autograd.numpy as np
from tutor.autograd import elementwise_grad, grad, hessian
from tutor.autograd.numpy.numpy_boxes import ArrayBox
from tutor.autograd.tracer import Box, isbox

X = onp.array([[1.0, -2.0, 3.0], [0.5, 4.0, -1.5]])
V = onp.array([0.5, -1.0, 2.0])


def gradient_and_value(f, x):
    """(grad f at x, f's value inside the trace). The value is captured while x is a Box."""
    seen = {}

    def traced(x):
        out = f(x)
        seen["value"] = out._value if isbox(out) else out
        return out
    return grad(traced)(x), seen["value"]


def inside_trace(f, x=X):
    """Call ``f`` on a Box holding ``x`` and return what it returned."""
    seen = {}

    def traced(x):
        seen["result"] = f(x)
        return np.sum(x)
    grad(traced)(x)
    return seen["result"]


# --------------------------------------------------------------------------- attributes

def test_shape_ndim_size_dtype_len_are_plain():
    result = inside_trace(lambda x: (x.shape, x.ndim, x.size, x.dtype, len(x)))
    assert result == ((2, 3), 2, 6, onp.dtype(float), 2)


def test_shape_ndim_size_dtype_of_a_box_holding_a_box():
    """Differentiating twice puts a Box inside a Box; its attributes are the innermost value's."""
    hess = hessian(lambda x: np.sum(x ** 3) / x.shape[0])(onp.array([1.0, 2.0]))
    onp.testing.assert_allclose(hess, onp.diag([3.0, 6.0]))
    seen = {}

    def f(x):
        seen["attributes"] = (x.shape, x.ndim, x.size, x.dtype)
        return np.sum(x ** 2)
    elementwise_grad(grad(f))(onp.ones((2, 3)))        # inside f, x is a Box holding a Box
    assert seen["attributes"] == ((2, 3), 2, 6, onp.dtype(float))


def test_T_real_imag_are_traced():
    g, value = gradient_and_value(lambda x: np.sum(x.T * onp.arange(6.0).reshape(3, 2)), X)
    onp.testing.assert_allclose(g, onp.arange(6.0).reshape(3, 2).T)
    assert inside_trace(lambda x: isbox(x.T) and x.T.shape == (3, 2))
    onp.testing.assert_allclose(grad(lambda x: np.sum(x.real * 2.0 + x.imag))(X),
                                2.0 * onp.ones_like(X))


def test_repr_and_format_show_the_value():
    assert inside_trace(lambda x: repr(x[0, 0])).startswith("Box(")
    assert inside_trace(lambda x: f"{x[0, 0]:.2f}") == "1.00"


# -------------------------------------------------------------------------------- methods

# The same line of code runs on a Box and on an ndarray: the Box version must give numpy's
# value, be recorded, and have the right gradient.
METHODS = {
    "x.sum()": lambda x: x.sum(),
    "x.sum(axis=0)": lambda x: x.sum(axis=0),
    "x.mean()": lambda x: x.mean(),
    "x.mean(axis=1, keepdims=True)": lambda x: x.mean(axis=1, keepdims=True),
    "x.max()": lambda x: x.max(),
    "x.min(axis=0)": lambda x: x.min(axis=0),
    "x.prod()": lambda x: x.prod(),
    "x.var()": lambda x: x.var(),
    "x.std(ddof=1)": lambda x: x.std(ddof=1),
    "x.cumsum(axis=1)": lambda x: x.cumsum(axis=1),
    "x.cumprod()": lambda x: x.cumprod(),
    "x.reshape(3, 2)": lambda x: x.reshape(3, 2),
    "x.reshape((6,))": lambda x: x.reshape((6,)),
    "x.ravel()": lambda x: x.ravel(),
    "x.flatten()": lambda x: x.flatten(),
    "x.transpose()": lambda x: x.transpose(),
    "x.transpose(1, 0)": lambda x: x.transpose(1, 0),
    "x.swapaxes(0, 1)": lambda x: x.swapaxes(0, 1),
    "x.squeeze()": lambda x: x.squeeze(),
    "x.dot(V)": lambda x: x.dot(V),
    "x.clip(-1.0, 2.0)": lambda x: x.clip(-1.0, 2.0),
    "x.diagonal()": lambda x: x.diagonal(),
    "x.trace()": lambda x: x.trace(),
    "x.conj()": lambda x: x.conj(),
    "x.repeat(2, axis=0)": lambda x: x.repeat(2, axis=0),
    "x.take([0, 2], axis=1)": lambda x: x.take([0, 2], axis=1),
    "x.astype(float)": lambda x: x.astype(float),
    "x.copy()": lambda x: x.copy(),
    "x.item(1, 2)": lambda x: x.item(1, 2),
}


@pytest.mark.parametrize("name", list(METHODS))
def test_methods_match_numpy_and_are_traced(name):
    method = METHODS[name]
    result = inside_trace(method)
    assert isbox(result)
    onp.testing.assert_allclose(result._value, method(X))
    numeric = _numeric_gradient(lambda x: onp.sum(method(x)), X)
    onp.testing.assert_allclose(grad(lambda x: np.sum(method(x)))(X), numeric, atol=1e-6)


def _numeric_gradient(f, x, eps=1e-6):
    gradient = onp.zeros_like(x)
    for index in onp.ndindex(x.shape):
        step = onp.zeros_like(x)
        step[index] = eps
        gradient[index] = (f(x + step) - f(x - step)) / (2 * eps)
    return gradient


def test_methods_giving_plain_values():
    assert inside_trace(lambda x: x.argmax()) == 4
    assert inside_trace(lambda x: x.argmin(axis=1)).tolist() == [1, 2]
    assert inside_trace(lambda x: x.argsort(axis=1)).tolist() == [[1, 0, 2], [2, 0, 1]]
    assert inside_trace(lambda x: (bool(x.any()), bool((x > 0).all()))) == (True, False)
    assert inside_trace(lambda x: x.round()).tolist() == [[1.0, -2.0, 3.0], [0.0, 4.0, -2.0]]
    assert inside_trace(lambda x: round(x[0, 2])) == 3.0


# ------------------------------------------------------------------------------ operators

@pytest.mark.parametrize("operation, expected", [
    (lambda x: x + 2.0, lambda x: onp.ones_like(x)),
    (lambda x: 2.0 + x, lambda x: onp.ones_like(x)),
    (lambda x: x - 2.0, lambda x: onp.ones_like(x)),
    (lambda x: 2.0 - x, lambda x: -onp.ones_like(x)),
    (lambda x: x * 3.0, lambda x: 3.0 * onp.ones_like(x)),
    (lambda x: 3.0 * x, lambda x: 3.0 * onp.ones_like(x)),
    (lambda x: x / 4.0, lambda x: 0.25 * onp.ones_like(x)),
    (lambda x: 4.0 / x, lambda x: -4.0 / x ** 2),
    (lambda x: x ** 2, lambda x: 2.0 * x),
    (lambda x: 2.0 ** x, lambda x: onp.log(2.0) * 2.0 ** x),
    (lambda x: -x, lambda x: -onp.ones_like(x)),
    (lambda x: +x, lambda x: onp.ones_like(x)),
    (lambda x: abs(x), lambda x: onp.sign(x)),
    (lambda x: x % 0.75, lambda x: onp.ones_like(x)),
    (lambda x: x * x, lambda x: 2.0 * x),
], ids=["add", "radd", "sub", "rsub", "mul", "rmul", "div", "rdiv", "pow", "rpow", "neg", "pos",
        "abs", "mod", "square"])
def test_operators_with_numbers(operation, expected):
    onp.testing.assert_allclose(elementwise_grad(operation)(X), expected(X))


P = onp.array([0.5, 2.0, 3.0])       # positive, for P ** x


@pytest.mark.parametrize("operation, expected", [
    (lambda x: V + x, lambda x: onp.ones_like(x)),
    (lambda x: V - x, lambda x: -onp.ones_like(x)),
    (lambda x: V * x, lambda x: onp.broadcast_to(V, x.shape)),
    (lambda x: V / x, lambda x: -V / x ** 2),
    (lambda x: P ** x, lambda x: onp.log(P) * P ** x),
    (lambda x: V % x, lambda x: -onp.floor(V / x)),
    (lambda x: V @ x.T, lambda x: onp.broadcast_to(V, x.shape)),
], ids=["add", "sub", "mul", "div", "pow", "mod", "matmul"])
def test_reflected_operators_with_a_plain_ndarray_on_the_left(operation, expected):
    """numpy hands ``ndarray (op) Box`` to the Box, which records it like ``Box (op) ndarray``."""
    assert isbox(inside_trace(operation))
    onp.testing.assert_allclose(grad(lambda x: np.sum(operation(x)))(X), expected(X))


def test_matmul_operator_both_ways():
    a = onp.arange(6.0).reshape(3, 2)
    onp.testing.assert_allclose(grad(lambda x: np.sum(x @ a))(X), onp.ones((2, 2)) @ a.T)
    onp.testing.assert_allclose(grad(lambda x: np.sum(a @ x))(X), a.T @ onp.ones((3, 3)))
    onp.testing.assert_allclose(grad(lambda v: np.sum(X @ v))(V), X.T @ onp.ones(2))
    onp.testing.assert_allclose(grad(lambda v: v @ v)(V), 2.0 * V)


def test_floor_division_gives_plain_values():
    assert not isbox(inside_trace(lambda x: x // 2.0))
    assert not isbox(inside_trace(lambda x: 7.0 // x))
    assert grad(lambda x: x * (x // 1.0))(2.5) == 2.0


# ----------------------------------------------------------------------------- comparisons

def test_comparisons_give_plain_values():
    results = inside_trace(lambda x: [x > 0, x >= 0, x < 1, x <= 1, x == 3.0, x != 3.0,
                                      V > x[0], x[0, 0] < 2])
    for result in results:
        assert not isbox(result)
    assert results[0].tolist() == [[True, False, True], [True, True, False]]
    assert results[4].tolist() == [[False, False, True], [False, False, False]]
    assert results[6].tolist() == [False, True, False]
    assert results[7] is True or results[7] == onp.True_


def test_control_flow_on_comparisons_and_truth():
    def relu_sum(x):
        total = 0.0
        for value in x:
            total = total + (value if value > 0 else 0.0 * value)
        return total
    onp.testing.assert_allclose(grad(relu_sum)(V), [1.0, 0.0, 1.0])
    assert grad(lambda x: x * 2.0 if x else x)(1.0) == 2.0


# ---------------------------------------------------------------------------- iteration

def test_iteration_and_len():
    rows = inside_trace(lambda x: list(x))
    assert len(rows) == 2 and all(isbox(row) for row in rows)
    onp.testing.assert_allclose(rows[1]._value, X[1])
    onp.testing.assert_allclose(grad(lambda x: sum(row[0] * row[1] for row in x))(X),
                                [[-2.0, 1.0, 0.0], [4.0, 0.5, 0.0]])
    assert inside_trace(lambda x: len(x[0])) == 3


def test_unpacking_and_indexing():
    def f(v):
        a, b, c = v
        return a * b + v[-1] ** 2 + np.sum(v[::2]) + v[onp.array([0, 0])].sum()
    onp.testing.assert_allclose(grad(f)(V), [-1.0 + 1.0 + 2.0, 0.5, 4.0 + 1.0])


# -------------------------------------------------------------------- mistakes, said clearly

def test_item_assignment_is_a_clear_type_error():
    def f(x):
        x[0] = 1.0
        return np.sum(x)
    with pytest.raises(TypeError, match=r"(?s)Item assignment.*np\.where"):
        grad(f)(V)


def test_plain_numpy_ufunc_on_a_box_is_a_clear_type_error():
    with pytest.raises(TypeError, match=r"(?s)Plain numpy's sin.*tutor\.autograd\.numpy"):
        grad(lambda x: onp.sin(x))(1.0)


def test_plain_numpy_function_on_a_box_is_a_clear_type_error():
    with pytest.raises(TypeError, match=r"(?s)Plain numpy's sum.*np\.sum"):
        grad(lambda x: onp.sum(x))(V)
    with pytest.raises(TypeError, match="traced"):
        grad(lambda x: onp.exp(x).sum())(V)


def test_math_module_on_a_box_is_a_clear_type_error():
    with pytest.raises(TypeError, match=r"(?s)math module.*np\.sin"):
        grad(lambda x: math.sin(x))(1.0)
    with pytest.raises(TypeError, match="float"):
        grad(lambda x: float(x))(1.0)


def test_integers_from_a_box_are_allowed_they_have_no_derivative():
    """HIPS's test_cast_to_int: indices computed from the values being differentiated."""
    def f(W):
        rows = np.int64(W[:, -1])                   # plain integers: no derivative to lose
        assert rows.dtype == onp.int64 and not isbox(rows)
        return np.sum(W[rows, 0]) + W[int(W[0, -1]), 1] * 2.0
    W = onp.array([[0.0, 2.0, 1.0], [3.0, 4.0, 0.0]])
    onp.testing.assert_allclose(grad(f)(W), [[1.0, 0.0, 0.0], [1.0, 2.0, 0.0]])
    with pytest.raises(TypeError, match="plain numpy array"):
        grad(lambda x: np.sum(onp.asarray(x, dtype=float)))(W)


def test_storing_a_box_into_a_plain_array_is_a_clear_type_error():
    def f(v):
        out = onp.zeros((2, 3))
        out[0] = v
        return np.sum(out)
    with pytest.raises(TypeError, match=r"(?s)plain numpy array.*np\.array / np\.stack"):
        grad(f)(V)


def test_storing_a_scalar_box_into_a_plain_array_fails_loudly():
    """numpy itself refuses a scalar Box (it has __getitem__, so numpy sees a sequence)."""
    def f(x):
        out = onp.zeros(2)
        out[0] = x
        return np.sum(out)
    with pytest.raises((TypeError, ValueError)):
        grad(f)(1.0)


def test_np_array_of_boxes_is_traced_instead():
    onp.testing.assert_allclose(grad(lambda x: np.sum(np.array([x, 2.0 * x, x ** 2])))(3.0), 9.0)


def test_an_array_is_boxed_in_an_array_box():
    """HIPS's names: ArrayBox, a Box; a number inside a trace is one too."""
    assert inside_trace(lambda x: type(x)) is ArrayBox
    assert inside_trace(lambda x: isinstance(x, Box) and isinstance(x[0, 0], ArrayBox))
    assert inside_trace(lambda x: hash(x) == hash(x))
