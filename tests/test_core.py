"""The core as a specification: grad and its relatives, argnum handling, errors, scale."""

import math
import subprocess
import sys
import textwrap

import numpy
import pytest

import tutor.autograd.numpy as np
from tutor.autograd import (
    checkpoint, deriv, elementwise_grad, grad, grad_and_aux, hessian, hessian_tensor_product,
    hessian_vector_product, holomorphic_grad, jacobian, make_ggnvp, make_hvp, make_jvp, make_vjp, primitive,
    tensor_jacobian_product, value_and_grad, vector_jacobian_product)
from tutor.autograd.core import MissingVJPError, backward_pass, toposort, vjp_info
from tutor.autograd.extend import defvjp, notrace_primitive
from tutor.autograd.test_util import check_grads
from tutor.autograd.tracer import trace
from tutor.autograd.wrap_util import ArgnumError


def seed_f(x, y):
    return np.log(x ** 2) + y ** 2 + x * y


# ------------------------------------------------------------------ the seed notebook

def test_seed_partials_by_position_and_keyword():
    assert grad(seed_f, argnum=0)(1, 2) == 4.0
    assert grad(seed_f, argnum=1)(1, 2) == 5.0
    assert grad(seed_f, argnum=1)(x=13, y=4) == 21.0
    assert grad(seed_f, argnum=0)(x=13, y=4) == pytest.approx(2 / 13 + 4)
    assert grad(seed_f, argnum=1)(13, y=4) == 21.0


def test_grad_returns_a_function_and_python_numbers_give_floats():
    dfdx = grad(seed_f, argnum=0)
    assert callable(dfdx)
    assert type(dfdx(1.0, 2.0)) is float
    assert dfdx(1, 2) == dfdx(1.0, 2.0)


def test_argnum_tuple_and_name():
    dx, dy = grad(seed_f, argnum=(0, 1))(1.0, 2.0)
    assert (dx, dy) == (4.0, 5.0)
    assert grad(seed_f, argnum=(1, 0))(x=1.0, y=2.0) == (5.0, 4.0)
    assert grad(seed_f, argnum="y")(1.0, 2.0) == 5.0


def test_argnum_errors_name_the_problem():
    with pytest.raises(ArgnumError, match=r"(?s)out of range.*seed_f\(x, y\)"):
        grad(seed_f, argnum=2)(1.0, 2.0)
    with pytest.raises(ArgnumError, match="did not pass 'y'"):
        grad(seed_f, argnum=1)(x=1.0)
    with pytest.raises(ArgnumError, match="names no parameter"):
        grad(seed_f, argnum="z")(1.0, 2.0)
    with pytest.raises(ArgnumError, match="must be an int"):
        grad(seed_f, argnum=1.5)


def test_argnum_with_star_args_and_negative_index():
    def total(*xs):
        return xs[0] * xs[1] * xs[2]
    assert grad(total, 2)(2.0, 3.0, 4.0) == 6.0
    assert grad(total, -1)(2.0, 3.0, 4.0) == 6.0


# ------------------------------------------------------------------ the operators

def test_value_and_grad_and_grad_and_aux():
    value, gradient = value_and_grad(seed_f)(1.0, 2.0)
    assert (value, gradient) == (pytest.approx(6.0), 4.0)
    gradient, aux = grad_and_aux(lambda x: (x ** 3, "aux"))(2.0)
    assert (gradient, aux) == (12.0, "aux")


def test_elementwise_grad_deriv_and_jacobian():
    x = numpy.linspace(-1, 1, 5)
    assert numpy.allclose(elementwise_grad(np.tanh)(x), 1 - numpy.tanh(x) ** 2)
    assert numpy.allclose(deriv(np.sin)(x), numpy.cos(x))
    A = numpy.arange(6.0).reshape(2, 3)
    assert numpy.allclose(jacobian(lambda v: A @ v)(numpy.ones(3)), A)
    J = jacobian(lambda M: M * 2.0)(numpy.ones((2, 2)))
    assert J.shape == (2, 2, 2, 2)
    assert numpy.allclose(J.reshape(4, 4), 2 * numpy.eye(4))


def test_hessian_and_hessian_products():
    def quadratic(x):
        return np.sum(x ** 2 * numpy.array([1.0, 2.0, 3.0])) + x[0] * x[1]
    H = numpy.array([[2.0, 1, 0], [1, 4, 0], [0, 0, 6]])
    x = numpy.array([0.3, -0.2, 0.5])
    v = numpy.array([1.0, 2.0, 3.0])
    assert numpy.allclose(hessian(quadratic)(x), H)
    assert numpy.allclose(hessian_tensor_product(quadratic)(x, v), H @ v)
    assert hessian_vector_product is hessian_tensor_product
    hvp, gradient = make_hvp(quadratic)(x)
    assert numpy.allclose(hvp(v), H @ v)
    assert numpy.allclose(gradient, grad(quadratic)(x))


def test_vector_jacobian_products():
    A = numpy.arange(6.0).reshape(2, 3)
    u = numpy.array([1.0, -1.0])
    assert numpy.allclose(tensor_jacobian_product(lambda v: A @ v)(numpy.ones(3), u), u @ A)
    assert vector_jacobian_product is tensor_jacobian_product
    vjp, value = make_vjp(lambda v: A @ v)(numpy.ones(3))
    assert numpy.allclose(value, A.sum(axis=1))
    assert numpy.allclose(vjp(u), u @ A)


def test_make_ggnvp_is_jt_j_for_half_squared_norm():
    A = numpy.array([[1.0, 2.0], [0.0, 3.0], [1.0, 1.0]])
    ggnvp = make_ggnvp(lambda x: A @ x)(numpy.zeros(2))
    v = numpy.array([1.0, -2.0])
    assert numpy.allclose(ggnvp(v), A.T @ A @ v)


def test_make_ggnvp_has_hipss_signature_with_a_loss_and_an_argnum():
    A = numpy.array([[1.0, 2.0], [0.0, 3.0], [1.0, 1.0]])
    f = lambda scale, x: np.tanh(A @ x) * scale
    g = lambda y: np.sum(np.exp(y))
    x, v = numpy.array([0.3, -0.2]), numpy.array([1.0, -2.0])
    J = jacobian(f, 1)(2.0, x)
    H = hessian(g)(f(2.0, x))
    assert numpy.allclose(make_ggnvp(f, g, 1)(2.0, x)(v), J.T @ H @ J @ v)
    assert numpy.allclose(make_ggnvp(f, f_argnum=1)(2.0, x)(v), J.T @ J @ v)


def test_holomorphic_grad_is_the_complex_derivative():
    """Regression: it returned conj(f'(z)), 2-2j for z**2 at 1+1j."""
    assert holomorphic_grad(lambda z: z ** 2)(1 + 1j) == pytest.approx(2 + 2j)
    z = 0.3 - 0.7j
    assert holomorphic_grad(np.exp)(z) == pytest.approx(numpy.exp(z))
    h = 1e-6
    assert holomorphic_grad(lambda z: np.sin(z) * z)(z) == pytest.approx(
        ((numpy.sin(z + h) * (z + h)) - numpy.sin(z - h) * (z - h)) / (2 * h))


def test_a_complex_inputs_gradient_stays_complex():
    assert grad(np.real)(1 + 1j) == 1 + 0j and numpy.iscomplexobj(grad(np.real)(1 + 1j))
    gradient = grad(lambda z: np.sum(np.real(z) ** 2))(numpy.array([1 + 1j, 2j]))
    assert gradient.dtype.kind == "c" and numpy.allclose(gradient, [2.0, 0.0])
    assert grad(lambda z: np.abs(z) ** 2)(1 + 1j) == pytest.approx(2 - 2j)     # 2 conj(z)


def test_checkpoint_gives_the_same_gradient():
    def block(x):
        return np.sin(x) * np.exp(-x)
    plain = grad(lambda x: np.sum(block(block(x))))
    checkpointed = grad(lambda x: np.sum(checkpoint(block)(checkpoint(block)(x))))
    x = numpy.array([0.1, 0.7, 1.3])
    assert numpy.allclose(plain(x), checkpointed(x))


def test_make_jvp_gives_the_value_and_the_directional_derivative():
    value, tangent = make_jvp(seed_f, argnum=1)(1.0, 2.0)(1.0)
    assert value == pytest.approx(6.0)
    assert tangent == pytest.approx(grad(seed_f, argnum=1)(1.0, 2.0))


def test_operators_name_the_function_they_return():
    def f(x, y):
        return x * y
    assert grad(f, 1).__name__ == "grad_of_f_wrt_argnum_1"
    assert grad(f, 1).__doc__.startswith("    grad of function f with respect to argument number 1")
    assert grad(grad(f, "y"), argnum="x")(x=2.0, y=3.0) == 1.0     # f's signature is kept


def test_an_integer_or_boolean_output_is_refused_clearly():
    with pytest.raises(TypeError, match="float output"):
        grad(lambda x: 3)(1.0)
    with pytest.raises(TypeError, match="float output"):
        grad(lambda x: np.allclose(x, (x * 3.0) / 3.0))(numpy.array([1.0, 2.0]))
    assert grad(lambda x: 3.0)(1.0) == 0.0


def test_function_not_depending_on_input_has_zero_gradient():
    assert grad(lambda x, y: y * 2.0)(1.0, 3.0) == 0.0
    assert numpy.array_equal(grad(lambda x: 5.0)(numpy.ones(3)), numpy.zeros(3))


# ------------------------------------------------------------------ nested differentiation

def test_nested_grad():
    assert grad(grad(np.sin))(1.0) == pytest.approx(-math.sin(1.0))
    assert grad(grad(grad(lambda x: x ** 4)))(2.0) == pytest.approx(48.0)
    assert grad(grad(seed_f, 0), 1)(1.0, 2.0) == pytest.approx(1.0)


def test_closure_over_an_outer_trace():
    def outer(x):
        inner = grad(lambda y: x * y ** 2)   # d/dy = 2xy, closes over the outer Box x
        return inner(3.0)
    assert grad(outer)(2.0) == pytest.approx(6.0)    # d/dx (2·x·3) = 6


def test_check_grads_catches_a_wrong_vjp():
    @primitive
    def cube(x):
        return x ** 3
    defvjp(cube, lambda ans, x: lambda g: g * 2 * x ** 2)     # should be 3x²
    with pytest.raises(AssertionError, match=r"\(VJP\) check of cube failed"):
        check_grads(cube, modes=["rev"])(1.3)
    defvjp(cube, lambda ans, x: lambda g: g * 3 * x ** 2)
    check_grads(cube, modes=["rev"], order=1)(1.3)


# ------------------------------------------------------------------ the backward pass

def test_backward_pass_observer_sees_every_vjp_application_and_fan_out():
    def f(x):
        return x * x + np.sin(x)
    start, value, end = trace(f, numpy.float64(0.5))
    seen = []
    adjoints = backward_pass(1.0, end, observer=lambda *step: seen.append(step))
    to_x = [step for step in seen if step[1] is start]
    assert len(to_x) == 3                                   # x*x twice and sin once
    assert to_x[0][5] is None                               # nothing had arrived yet
    for node, parent, argnum, g, contribution, before, after in to_x[1:]:
        assert after == pytest.approx(before + contribution)
    assert adjoints[start] == pytest.approx(2 * 0.5 + math.cos(0.5))


def test_toposort_puts_children_before_parents():
    start, _, end = trace(lambda x: np.exp(x) * np.sin(x) + x, numpy.float64(0.3))
    order = list(toposort(end))
    position = {node: i for i, node in enumerate(order)}
    for node in order:
        for parent in node.parents:
            assert position[parent] > position[node]
    assert order[0] is end and order[-1] is start


def test_vjp_metadata_is_registered_with_the_vjp():
    info = vjp_info(np.multiply)
    assert info.symbol == "×" and info.formulas == ("g · y", "g · x")
    assert vjp_info(np.sin).formulas == ("g · cos(x)",)


# ------------------------------------------------------------------ errors a learner hits

def test_item_assignment_into_a_traced_array():
    def f(x):
        x[0] = 1.0
        return np.sum(x)
    with pytest.raises(TypeError, match=r"(?s)Item assignment.*np\.where"):
        grad(f)(numpy.ones(3))


def test_plain_numpy_on_a_box():
    with pytest.raises(TypeError, match=r"(?s)Plain numpy's sin.*tutor\.autograd\.numpy"):
        grad(lambda x: numpy.sin(x))(1.0)
    with pytest.raises(TypeError, match=r"(?s)Plain numpy's sum"):
        grad(lambda x: numpy.sum(x))(numpy.ones(3))


def test_math_module_on_a_box():
    with pytest.raises(TypeError, match=r"(?s)math module.*np\.sin"):
        grad(lambda x: math.sin(x))(1.0)


def test_primitive_without_vjp_names_it_and_the_fix():
    @primitive
    def mystery(x, y):
        return x + y
    with pytest.raises(MissingVJPError, match=r"(?s)'mystery' with respect to argument 1.*defvjp"):
        grad(lambda y: mystery(1.0, y))(2.0)


def test_non_scalar_output_points_to_elementwise_grad_and_jacobian():
    with pytest.raises(TypeError, match=r"(?s)shape \(3,\).*elementwise_grad.*jacobian"):
        grad(np.sin)(numpy.ones(3))


def test_integer_arrays_and_other_inputs_are_refused_clearly():
    with pytest.raises(TypeError, match=r"(?s)dtype int64.*astype\(float\)"):
        grad(lambda x: np.sum(x * 1.0))(numpy.array([1, 2]))
    assert grad(lambda x: x[0])([1.0, 2.0]) == [1.0, 0.0]    # a list is fine (builtins.py)
    with pytest.raises(TypeError, match="boolean"):
        grad(lambda x: x * 1.0)(True)
    with pytest.raises(TypeError, match="str"):
        grad(lambda x: x)("1.0")


def test_trace_state_is_clean_after_an_exception():
    def broken(x):
        np.sin(x)
        raise ValueError("learner's bug")
    for _ in range(3):
        with pytest.raises(ValueError, match="learner's bug"):
            grad(broken)(1.0)
        with pytest.raises(TypeError):
            grad(grad(lambda x: math.exp(x)))(1.0)
    assert grad(seed_f)(1.0, 2.0) == 4.0
    assert grad(grad(np.sin))(0.0) == 0.0


def test_notrace_primitive_cuts_the_trace():
    floor = notrace_primitive(numpy.floor)
    assert grad(lambda x: floor(x) * 0.0 + x * 2)(1.5) == 2.0


def test_comparisons_and_control_flow_on_boxes():
    def relu_ish(x):
        return x * 3.0 if x > 0 else -x
    assert grad(relu_ish)(2.0) == 3.0
    assert grad(relu_ish)(-2.0) == -1.0


def test_division_by_zero_follows_numpy_not_python():
    with numpy.errstate(divide="ignore"):
        assert grad(lambda x: 1 / x)(0.0) == -math.inf
    with numpy.errstate(invalid="ignore"):
        assert math.isnan(grad(lambda x: x ** 0.5)(-1.0))


# ------------------------------------------------------------------ agreement with HIPS autograd

def test_agrees_with_hips_autograd_on_a_small_network():
    autograd = pytest.importorskip("autograd")
    import autograd.numpy as hnp

    def make_loss(np):
        def loss(params, inputs, targets):
            W1 = np.reshape(params[:6], (2, 3))
            hidden = np.tanh(np.dot(inputs, W1) + params[6:9])
            out = np.dot(hidden, np.reshape(params[9:12], (3, 1)))
            return np.mean((out - targets) ** 2) + 0.1 * np.sum(np.abs(params))
        return loss

    rng = numpy.random.default_rng(3)
    args = (rng.standard_normal(12), rng.standard_normal((5, 2)), rng.standard_normal((5, 1)))
    ours = grad(make_loss(np))(*args)
    theirs = autograd.grad(make_loss(hnp))(*args)
    assert numpy.allclose(ours, theirs)


# ------------------------------------------------------------------ scale

def test_a_100k_operation_chain_needs_no_recursion_and_little_memory():
    """Run in a fresh interpreter so that peak memory is this computation's own."""
    script = textwrap.dedent("""
        import resource, sys, tracemalloc
        import tutor.autograd.numpy as np
        from tutor.autograd import grad
        sys.setrecursionlimit(1000)
        def chain(x):
            for _ in range(100_000):
                x = x * 1.00001 + 0.00001
            return x
        tracemalloc.start()
        g = grad(chain)(1.0)
        _, peak = tracemalloc.get_traced_memory()
        expected = 1.00001 ** 100_000
        assert abs(g - expected) < 1e-6 * expected, (g, expected)
        print(peak / 2**20)
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    peak_mb = float(result.stdout.strip())
    assert peak_mb < 300, f"peak traced memory {peak_mb:.0f} MB"


def test_a_vjp_given_directly_works_like_a_maker_in_every_use():
    """defvjp(..., direct=True) takes ``lambda g, ans, x, y: ...``; the backward pass calls it
    at once, and anything reading the table can still call it as a maker."""
    from tutor.autograd.core import DirectVJP, primitive_vjps

    @primitive
    def scaled_product(x, y):
        return 3.0 * x * y

    defvjp(scaled_product, lambda g, ans, x, y: 3.0 * g * y, lambda g, ans, x, y: 3.0 * g * x,
           direct=True, formulas=("3 · g · y", "3 · g · x"))
    entry = scaled_product.vjps[0]
    assert type(entry) is DirectVJP and entry(6.0, 1.0, 2.0)(0.5) == 3.0   # as a maker
    f = lambda x, y: np.sin(scaled_product(x, y)) * x
    assert grad(f)(0.3, 0.7) == pytest.approx(math.cos(0.63) * 2.1 * 0.3 + math.sin(0.63))
    check_grads(f, modes=["rev"], order=2)(0.3, 0.7)               # second order goes through it
    steps = []
    backward_pass(1.0, trace(lambda x: scaled_product(x, x), 2.0)[2],
                  observer=lambda *step: steps.append(step))
    assert [step[4] for step in steps] == [6.0, 6.0] and steps[1][6] == 12.0
    table = primitive_vjps.pop(scaled_product)                      # HIPS's registry round trip
    with pytest.raises(MissingVJPError):
        grad(lambda x: scaled_product(x, 1.0))(1.0)
    primitive_vjps[scaled_product] = table
    assert grad(lambda x: scaled_product(x, 1.0))(1.0) == 3.0


def test_make_vjp_refuses_an_adjoint_of_the_wrong_shape():
    """vjp(g) needs g of the output's shape; numpy would otherwise broadcast a wrong one."""
    from tutor.autograd import make_vjp
    vjp, value = make_vjp(lambda x: x * 2.0)(np.ones(2))
    assert np.allclose(vjp(np.array([1.0, 3.0])), [2.0, 6.0])
    with pytest.raises(ValueError, match=r"shape \(3,\).*output has shape \(2,\)"):
        vjp(np.ones(3))
    with pytest.raises(ValueError, match="output's shape"):
        vjp(np.ones((2, 1)))
    scalar_vjp, _ = make_vjp(lambda x: np.sum(x * x))(np.ones(2))
    assert np.allclose(scalar_vjp(1.0), [2.0, 2.0])
