"""Specification of forward-mode recordings: tangents pushed along with the values.

``record(f, ..., mode="forward")`` is built on the core's ``forward_pass`` (watched through
its observer), as reverse recordings are built on ``backward_pass``. So the numbers must
agree with the core's ``make_jvp`` and ``grad``, and with finite differences.
"""

import numpy
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tutor.autograd.numpy as np
from tutor.autograd import grad, make_jvp
from tutor.expression import parse
from tutor.record import TANGENT, record


def seed_f(x, y):
    return np.log(x**2) + y**2 + x*y


def test_a_forward_recording_has_tangents_and_no_backward_pass():
    rec = record(seed_f, 1.0, 2.0, mode="forward")
    assert rec.mode == "forward"
    assert rec.backward == () and rec.steps == len(rec.forward) == 6
    assert all(step.tangent is not None for step in rec.forward)
    assert rec.gradient == pytest.approx(grad(seed_f)(1.0, 2.0)) == pytest.approx(4.0)
    assert record(seed_f, 1.0, 2.0, argnum=1, mode="forward").gradient == pytest.approx(5.0)
    assert record(seed_f, 1.0, 2.0).mode == "reverse"          # still the default


def test_a_tangent_line_names_the_nodes_then_fills_in_the_numbers():
    rec = record(lambda x, y: x * y, 1.0, 2.0, mode="forward")
    step = rec.forward[0]
    assert step.tangent_line == "ẋ_v2 = ẋ_v0 · v1 + v0 · ẋ_v1 = 1.0 · 2.0 + 1.0 · 0.0 = 2.0"
    assert step.formulas == ("ẋ · y", "x · ẏ")
    assert step.tangent_parents == ("v0", "v1") and step.tangent == 2.0
    assert step.line == "v2 = v0 × v1 = 2.0"                   # the value, as in reverse mode
    assert f"{TANGENT}_v2 = " in rec.listing()
    assert "no backward pass in forward mode" in rec.listing()


def test_subtraction_and_constants_read_naturally():
    rec = record(lambda x: x**2 - np.sin(x), 0.0, mode="forward")
    lines = [step.tangent_line for step in rec.forward]
    assert lines[0].startswith("ẋ_v2 = ẋ_v0 · v1 · v0**(v1−1)")    # ** for powers, not ^
    assert lines[-1].startswith("ẋ_v4 = ẋ_v2 − ẋ_v3")
    assert "-0.0" not in rec.listing()


def test_state_at_k_holds_the_tangents_known_after_k_steps():
    rec = record(seed_f, 1.0, 2.0, mode="forward")
    start = rec.state_at(0)
    assert dict(start.tangents) == {"v0": 1.0, "v1": 0.0}      # the inputs', from the start
    for k, step in enumerate(rec.forward, start=1):
        state = rec.state_at(k)
        assert state.tangents[step.node] == step.tangent
        assert set(state.tangents) == set(start.tangents) | {s.node for s in rec.forward[:k]}
    assert rec.state_at(rec.steps).tangents[rec.output] == pytest.approx(rec.gradient)
    assert dict(rec.tangents) == {"x": 1.0, "y": 0.0}


def test_an_array_tangent_gives_the_directional_derivative():
    W = numpy.array([[0.5, -1.0], [2.0, 0.3]])
    x = numpy.array([1.0, 2.0])
    v = numpy.array([[1.0, 0.5], [-0.2, 0.0]])

    def layer(W, x):
        return np.sum(np.tanh(W @ x))

    rec = record(layer, W, x, mode="forward", tangent=v)
    value, expected = make_jvp(layer)(W, x)(v)
    assert rec.gradient == pytest.approx(expected)
    assert rec.value == pytest.approx(value)
    assert rec.gradient == pytest.approx(numpy.sum(grad(layer)(W, x) * v))
    step = 1e-6
    numeric = (layer(W + step * v, x) - layer(W - step * v, x)) / (2 * step)
    assert rec.gradient == pytest.approx(numeric, rel=1e-6)
    # every tangent has the shape of its node
    for step_ in rec.forward:
        assert numpy.shape(step_.tangent) == numpy.shape(step_.value)


def test_the_default_tangent_of_an_array_is_its_first_element():
    rec = record(lambda x: np.sum(x**2), numpy.array([3.0, 4.0]), mode="forward")
    numpy.testing.assert_array_equal(rec.tangents["x"], [1.0, 0.0])
    assert rec.gradient == pytest.approx(6.0)                   # ∂/∂x[0] of x0² + x1²


def test_forward_mode_allows_an_array_output():
    rec = record(lambda x: np.sin(x) * 2.0, numpy.array([0.0, 1.0]), mode="forward",
                 tangent=numpy.array([1.0, 1.0]))
    numpy.testing.assert_allclose(rec.gradient, 2 * numpy.cos([0.0, 1.0]))
    with pytest.raises(TypeError):
        record(lambda x: np.sin(x), numpy.array([0.0, 1.0]))    # reverse mode: one number


@pytest.mark.parametrize("kwargs, message", [
    ({"mode": "sideways"}, "mode must be 'reverse' or 'forward'"),
    ({"tangent": 1.0}, "only used in forward mode"),
    ({"mode": "forward", "tangent": numpy.ones(3)}, "must have its shape (2), not 3"),
    ({"mode": "forward", "argnum": (0, 1), "tangent": 1.0}, "one tangent per input"),
])
def test_wrong_modes_and_tangents_are_refused_clearly(kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        record(lambda x, y: np.sum(x * y), numpy.ones(2), numpy.ones(2), **kwargs)


def test_a_function_of_constants_only_has_a_zero_tangent():
    rec = record(lambda x: 3.0, 1.0, mode="forward")
    assert rec.gradient == 0.0 and rec.forward == ()


@settings(max_examples=40, deadline=None)
@given(st.floats(0.2, 3.0), st.floats(-2.0, 2.0), st.floats(-2.0, 2.0), st.floats(-2.0, 2.0))
def test_forward_mode_is_the_reverse_gradient_along_the_tangent(x, y, a, b):
    f = parse("log(x**2) + y**2 + x*y + sin(x*y)")
    forward = record(f, x, y, argnum=(0, 1), mode="forward", tangent=(a, b))
    reverse = record(f, x, y, argnum=(0, 1))
    expected = a * reverse.gradient[0] + b * reverse.gradient[1]
    assert forward.gradient == pytest.approx(expected, rel=1e-9, abs=1e-9)


def test_the_derivative_is_named_by_the_number_the_tangent_moves():
    assert record(seed_f, 1.0, 2.0, mode="forward").derivative_name == "x"
    W = numpy.ones((2, 2))
    assert record(lambda W: np.sum(W), W, mode="forward").derivative_name == "W[0,0]"
    assert record(lambda W: np.sum(W), W, mode="forward",
                  tangent=numpy.eye(2)).derivative_name == "W along ẋ"
    assert record(seed_f, 1.0, 2.0).derivative_name == "x"
