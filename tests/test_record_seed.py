"""Reverse mode on functions with several outputs: ``record(f, ..., seed=ḡ)``.

A backward pass pulls back one output adjoint ḡ and gives ḡᵀJ; with ḡ = eᵢ that is row i
of the Jacobian. The rows must agree with the core's ``jacobian`` and ``make_vjp``.
"""

import numpy
import pytest

import tutor.autograd.numpy as np
from tutor.autograd import grad, jacobian
from tutor.record import counted, element_name, record


def spin(x):
    """ℝ³ → ℝ³, square: three passes either way."""
    return np.sin(x) * np.array([1.0, 2.0, 3.0]) + x[0] * x


X = numpy.array([0.5, -1.0, 2.0])


@pytest.mark.parametrize("row", [0, 1, 2])
def test_a_unit_seed_records_one_row_of_the_jacobian(row):
    seed = numpy.eye(3)[row]
    rec = record(spin, X, seed=seed)
    assert numpy.allclose(rec.gradient, jacobian(spin)(X)[row])
    assert numpy.array_equal(rec.seed, seed)
    assert rec.output_name == f"f[{row}]"
    assert rec.state_at(rec.steps).adjoints[rec.output] == pytest.approx(seed)
    listing = rec.listing()
    assert f"pulling back f[{row}]" in listing and f"∂f[{row}]/∂x = " in listing


def test_any_seed_gives_seed_transposed_times_the_jacobian():
    seed = [1.0, -2.0, 0.5]
    rec = record(spin, X, seed=seed)
    assert numpy.allclose(rec.gradient, numpy.array(seed) @ jacobian(spin)(X))
    assert rec.output_name == "ḡ·f"


def test_a_number_out_keeps_seed_one_and_its_name():
    rec = record(lambda x: np.sum(x**2), X)
    assert rec.seed == 1.0 and rec.output_name == "f"
    assert record(lambda x: np.sum(x**2), X, seed=1.0).output_name == "f"
    assert record(lambda x: np.sum(x**2), X, seed=2.0).gradient == pytest.approx(4 * X)


def test_a_vector_out_without_seed_is_refused_saying_how_to_pick_a_row():
    with pytest.raises(TypeError) as refused:
        record(spin, X)
    assert "pass seed=, an output adjoint ḡ of the output's shape (3)" in str(refused.value)
    with pytest.raises(TypeError):
        grad(spin)(X)                                        # grad keeps requiring a scalar


def test_a_vector_out_refusal_is_not_hidden_by_tracing_fewer_arguments():
    with pytest.raises(TypeError, match="seed="):
        record(lambda x, y: x * y, X, X)          # y is traced too, then the refusal stands


def test_a_seed_of_the_wrong_shape_or_mode_is_refused():
    with pytest.raises(ValueError, match="shape of f's output"):
        record(spin, X, seed=[1.0, 0.0])
    with pytest.raises(ValueError, match="finite"):
        record(spin, X, seed=[numpy.nan, 0.0, 0.0])
    with pytest.raises(TypeError, match="seed must be numbers"):
        record(spin, X, seed="row 1")
    with pytest.raises(ValueError, match="tangent="):
        record(spin, X, seed=[1.0, 0.0, 0.0], mode="forward")


def test_counts_and_element_names_read_right():
    assert counted(1, "step") == "1 step" and counted(9, "step") == "9 steps"
    assert counted(1, "pass") == "1 pass" and counted(3, "pass") == "3 passes"
    assert element_name("x", 1.0) == "x"
    assert element_name("x", [0, 1, 0]) == "x[1]"
    assert element_name("W", [[0, 1], [0, 0]]) == "W[0,1]"
    assert "forward pass (1 step)" in record(lambda x: np.sin(x), 1.0).listing()
