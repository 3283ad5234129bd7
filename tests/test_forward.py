"""Forward mode: make_jvp, defjvp and the forward pass's observer.

A JVP pushes a tangent (how fast a value moves along a direction ``v``) through one primitive;
the forward pass pushes the inputs' tangents through the whole graph, parents first. These
tests read as the specification of that machinery; the numpy table's JVPs are checked one
primitive at a time in test_numpy_vjps.py and test_forward_numpy.py.
"""

import numpy as onp
import pytest

import tutor.autograd.numpy as np
from tutor.autograd import deriv, grad, jacobian, make_jvp
from tutor.autograd.extend import defjvp, defvjp, jvp_info, primitive
from tutor.autograd.forward import MissingJVPError, forward_pass
from tutor.autograd.test_util import check_grads
from tutor.autograd.tracer import trace


def seed_f(x, y):
    return np.log(x ** 2) + y ** 2 + x * y


def test_make_jvp_returns_the_value_and_j_times_v():
    value, tangent = make_jvp(seed_f)(1.0, 2.0)(1.0)
    assert value == pytest.approx(6.0)
    assert tangent == pytest.approx(2 / 1.0 + 2.0)             # ∂f/∂x = 2/x + y
    _, scaled = make_jvp(seed_f)(1.0, 2.0)(3.0)
    assert scaled == pytest.approx(3 * tangent)                # linear in v


def test_make_jvp_by_keyword_and_with_several_inputs():
    assert make_jvp(seed_f, argnum=1)(x=13.0, y=4.0)(1.0)[1] == pytest.approx(2 * 4.0 + 13.0)
    _, both = make_jvp(seed_f, argnum=(0, 1))(1.0, 2.0)((1.0, 1.0))
    assert both == pytest.approx(4.0 + 5.0)


def test_forward_mode_gives_the_jacobians_columns():
    A = onp.array([[1.0, 2.0, 0.0], [0.0, 3.0, -1.0]])
    f = lambda x: np.tanh(A @ x)
    x = onp.array([0.1, -0.2, 0.3])
    J = jacobian(f)(x)
    for i in range(3):
        onp.testing.assert_allclose(make_jvp(f)(x)(onp.eye(3)[i])[1], J[:, i])


def test_deriv_is_forward_mode_along_ones():
    x = onp.linspace(-1, 1, 4)
    onp.testing.assert_allclose(deriv(np.sin)(x), onp.cos(x))
    onp.testing.assert_allclose(deriv(lambda t: np.array([t, t ** 2]))(3.0), [1.0, 6.0])


def test_forward_over_reverse_and_reverse_over_forward():
    f = lambda x: np.sin(x) * x ** 3
    second = lambda x: -np.sin(x) * x ** 3 + 6 * np.cos(x) * x ** 2 + 6 * np.sin(x) * x
    assert make_jvp(grad(f))(0.7)(1.0)[1] == pytest.approx(second(0.7))
    assert grad(lambda x: make_jvp(f)(x)(1.0)[1])(0.7) == pytest.approx(second(0.7))
    assert make_jvp(lambda x: make_jvp(f)(x)(1.0)[1])(0.7)(1.0)[1] == pytest.approx(second(0.7))
    third = deriv(deriv(deriv(f)))(0.7)
    assert third == pytest.approx(grad(grad(grad(f)))(0.7))


def test_output_not_depending_on_the_input_has_zero_tangent():
    value, tangent = make_jvp(lambda x: onp.ones(3))(1.0)(1.0)
    assert tangent.tolist() == [0.0, 0.0, 0.0]
    assert make_jvp(lambda x: x)(2.0)(5.0) == (2.0, 5.0)


def test_a_primitive_without_a_jvp_names_itself_and_the_fix():
    @primitive
    def twice(x):
        return 2 * x
    defvjp(twice, lambda ans, x: lambda g: 2 * g)
    with pytest.raises(MissingJVPError, match="twice.*argument 0(.|\n)*defjvp"):
        make_jvp(twice)(1.0)(1.0)
    defjvp(twice, "same")
    assert make_jvp(twice)(1.0)(1.5)[1] == 3.0
    assert jvp_info(twice).formulas == ("twice(ẋ)",)


def test_a_tangent_of_the_wrong_shape_is_refused_clearly():
    with pytest.raises(ValueError, match="shape"):
        make_jvp(np.sin)(onp.ones(3))(onp.ones(2))


def test_jvp_info_reads_the_tangent_formulas():
    assert jvp_info(np.sin).formulas == ("ẋ · cos(x)",)
    assert jvp_info(np.multiply).formulas == ("ẋ · y", "x · ẏ")
    assert jvp_info(np.multiply).symbol == "×"


def test_check_grads_really_checks_forward_mode():
    @primitive
    def cube(x):
        return x ** 3
    defvjp(cube, lambda ans, x: lambda g: 3 * g * x ** 2)
    defjvp(cube, lambda g, ans, x: 2 * g * x ** 2)              # wrong: should be 3 x²
    check_grads(cube, modes=["rev"])(1.3)
    with pytest.raises(AssertionError, match=r"\(JVP\) check of cube failed"):
        check_grads(cube, modes=["fwd"], order=1)(1.3)


def test_check_grads_checks_forward_mode_at_second_order():
    """A JVP written with plain numpy is right once, but cannot be differentiated again."""
    @primitive
    def cube(x):
        return x ** 3
    defvjp(cube, lambda ans, x: lambda g: 3 * g * x ** 2)
    defjvp(cube, lambda g, ans, x: g * 3 * onp.asarray(x) ** 2 if not hasattr(x, "_node")
           else g * 3 * onp.square(onp.asarray(x._value)))
    check_grads(cube, modes=["fwd"], order=1)(1.3)
    with pytest.raises(AssertionError):
        check_grads(cube, modes=["fwd"], order=2)(1.3)


def test_the_observer_sees_every_primitive_application_in_forward_order():
    start, _, end = trace(lambda x: np.sin(x) * x, 0.5)
    steps = []

    def observer(node, tangents_in, contributions, tangent):
        steps.append((node.fun.__name__, node.parents, tangents_in, contributions, tangent))

    tangents = forward_pass({start: 2.0}, end, observer)
    assert [name for name, *_ in steps] == ["sin", "multiply"]
    sin_node = end.parents[0]
    assert steps[0][1] == (start,) and steps[0][2] == (2.0,)
    assert steps[0][4] == pytest.approx(2.0 * onp.cos(0.5))
    name, parents, tangents_in, contributions, tangent = steps[1]
    assert parents == (sin_node, start)                       # link to parents by identity
    assert contributions[0] == pytest.approx(tangents[sin_node] * 0.5)
    assert contributions[1] == pytest.approx(onp.sin(0.5) * 2.0)
    assert tangent == pytest.approx(contributions[0] + contributions[1]) == tangents[end]


def test_the_observer_is_told_when_an_argument_passes_no_tangent():
    start, _, end = trace(lambda x: np.sign(x) * 1.0, 0.5)
    seen = []
    forward_pass({start: 1.0}, end, lambda node, t_in, contributions, t: seen.append(
        (node.fun.__name__, contributions, t)))
    assert seen[0][0] == "sign" and seen[0][1] == (None,) and seen[0][2] == 0.0
