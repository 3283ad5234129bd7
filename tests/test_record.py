"""Specification of tutor.record: one grad call, captured as forward and backward steps.

The running example is the seed's ``f(x, y) = log(x**2) + y**2 + x*y`` at (1, 2), where
∂f/∂x = 2/x + y = 4 and ∂f/∂y = 2y + x = 5.
"""

import dataclasses
import math

import numpy
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tutor.autograd.numpy as np
from tutor.autograd import grad
from tutor.autograd.core import MissingVJPError
from tutor.autograd.extend import primitive
from tutor.record import BackwardStep, ForwardStep, record, shown_text


def f(x, y):
    return np.log(x**2) + y**2 + x*y


def close(a, b):
    return numpy.allclose(a, b, rtol=1e-12, atol=1e-12)


@pytest.fixture
def rec():
    return record(f, 1.0, 2.0)


# ------------------------------------------------------------------------ the forward pass

def test_inputs_come_first_named_after_the_arguments(rec):
    assert dict(rec.inputs) == {"x": "v0", "y": "v1"}
    assert [rec.nodes[i].kind for i in ("v0", "v1")] == ["input", "input"]
    assert rec.nodes["v0"].value == 1.0 and rec.nodes["v1"].value == 2.0


def test_seed_forward_pass_one_step_per_primitive(rec):
    assert [step.line for step in rec.forward] == [
        "v3 = v0 ** v2 = 1.0",
        "v4 = log(v3) = 0.0",
        "v6 = v1 ** v5 = 4.0",
        "v7 = v4 + v6 = 4.0",
        "v8 = v0 × v1 = 2.0",
        "v9 = v7 + v8 = 6.0",
    ]
    assert [step.primitive for step in rec.forward] == [
        "power", "log", "power", "add", "multiply", "add"]
    assert [step.symbol for step in rec.forward] == ["**", "log", "**", "+", "×", "+"]
    assert [step.index for step in rec.forward] == [1, 2, 3, 4, 5, 6]
    product = rec.forward[4]
    assert product.parents == ("v0", "v1") and product.args == (1.0, 2.0)
    assert product.value == 2.0


def test_constants_are_leaf_nodes_numbered_just_before_their_operation(rec):
    for constant in ("v2", "v5"):
        info = rec.nodes[constant]
        assert (info.kind, info.value, info.parents) == ("constant", 2, ())
    assert rec.nodes["v3"].parents == ("v0", "v2")
    assert rec.nodes["v6"].parents == ("v1", "v5")
    assert all(step.parent not in ("v2", "v5") for step in rec.backward)   # no adjoint


def test_output_node_and_value(rec):
    assert rec.output == "v9"
    assert rec.nodes["v9"].kind == "output"
    assert [info.kind for info in rec.nodes.values()].count("output") == 1
    assert rec.value == 6.0
    assert list(rec.nodes) == [f"v{i}" for i in range(10)]


# ----------------------------------------------------------------------- the backward pass

def test_seed_backward_pass_one_step_per_vjp(rec):
    assert [(step.node, step.parent, step.argnum) for step in rec.backward] == [
        ("v9", "v7", 0), ("v9", "v8", 1), ("v8", "v0", 0), ("v8", "v1", 1),
        ("v7", "v4", 0), ("v7", "v6", 1), ("v6", "v1", 0), ("v4", "v3", 0),
        ("v3", "v0", 0)]
    assert [step.index for step in rec.backward] == list(range(7, 16))
    assert rec.steps == 15


def test_backward_steps_show_formula_numbers_and_accumulation(rec):
    by_edge = {(step.node, step.parent): step for step in rec.backward}
    product_to_x = by_edge["v8", "v0"]
    assert product_to_x.formula == "g · y"
    assert (product_to_x.g, product_to_x.contribution) == (1.0, 2.0)
    assert product_to_x.line == "ḡ_v0 += ḡ_v8 · v1 = 1.0 · 2.0 = 2.0  →  ḡ_v0 = 0 + 2.0 = 2.0"
    square_to_x = by_edge["v3", "v0"]          # x's second contribution: 2.0 + 2.0
    assert (square_to_x.before, square_to_x.contribution, square_to_x.after) == (2.0, 2.0, 4.0)
    assert square_to_x.accumulates and not product_to_x.accumulates
    assert square_to_x.line.endswith("→  ḡ_v0 = 2.0 + 2.0 = 4.0")
    log_step = by_edge["v4", "v3"]
    assert log_step.formula == "g / x"
    assert log_step.line == "ḡ_v3 += ḡ_v4 / v3 = 1.0 / 1.0 = 1.0  →  ḡ_v3 = 1.0"
    assert by_edge["v9", "v7"].line == "ḡ_v7 += ḡ_v9 = 1.0  →  ḡ_v7 = 1.0"


def test_every_backward_step_adds_its_contribution(rec):
    for step in rec.backward:
        assert close(step.before + step.contribution, step.after)


def test_incoming_adjoint_is_complete_when_a_node_passes_it_on(rec):
    final = rec.state_at(rec.steps).adjoints
    for step in rec.backward:
        assert close(step.g, final[step.node])
        assert close(rec.state_at(step.index - 1).adjoints[step.node], step.g)


@pytest.mark.parametrize("argnum, expected", [(0, 4.0), (1, 5.0)])
def test_seed_gradients(argnum, expected):
    rec = record(f, 1.0, 2.0, argnum=argnum)
    assert rec.gradient == expected == grad(f, argnum)(1.0, 2.0)
    assert dict(rec.gradients) == {"x": 4.0, "y": 5.0}
    assert rec.wrt == ("x", "y")[argnum]
    final = rec.state_at(rec.steps).adjoints
    assert (final["v0"], final["v1"]) == (4.0, 5.0)


@pytest.mark.parametrize("argnum", [1, "y"])
def test_keyword_calls(argnum):
    rec = record(f, x=1.0, y=2.0, argnum=argnum)
    assert rec.gradient == 5.0 == grad(f, argnum=1)(x=1.0, y=2.0)
    assert dict(rec.inputs) == {"x": "v0", "y": "v1"}
    mixed = record(f, 1.0, y=2.0, argnum=1)
    assert mixed.gradient == 5.0 and mixed.wrt == "y"


def test_several_argnums_give_a_tuple():
    rec = record(f, 1.0, 2.0, argnum=(1, 0))
    assert rec.gradient == (5.0, 4.0) == grad(f, (1, 0))(1.0, 2.0)
    assert rec.wrt == ("y", "x")


def test_python_numbers_give_python_float_gradients_like_grad():
    rec = record(f, 1, 2)
    assert type(rec.gradient) is type(grad(f)(1, 2)) is float


# ------------------------------------------------------------------------------- fan-out

def test_fan_out_contributions_arrive_in_separate_steps_and_sum_to_the_gradient():
    def g(x):
        return x*x + np.sin(x)

    x = 0.7
    rec = record(g, x)
    to_x = [step for step in rec.backward if step.parent == rec.inputs["x"]]
    assert len(to_x) == 3                     # x*x uses x twice, sin once
    assert sorted(step.argnum for step in to_x if step.node == rec.forward[0].node) == [0, 1]
    assert close(sum(step.contribution for step in to_x), grad(g)(x))
    assert close(rec.gradient, 2 * x + math.cos(x))
    assert [step.accumulates for step in to_x] == [False, True, True]
    assert to_x[0].before == 0
    for earlier, later in zip(to_x, to_x[1:]):
        assert later.before == earlier.after
    assert to_x[-1].after == rec.gradient


# ---------------------------------------------------------------------------- state_at

def test_state_at_start_knows_inputs_and_constants_only(rec):
    state = rec.state_at(0)
    assert (state.k, state.phase, state.step) == (0, "start", None)
    assert dict(state.values) == {"v0": 1.0, "v1": 2.0, "v2": 2, "v5": 2}
    assert dict(state.adjoints) == {}


def test_state_at_every_k_follows_the_steps(rec):
    n_forward = len(rec.forward)
    for k in range(rec.steps + 1):
        state = rec.state_at(k)
        assert state.k == k
        if k == 0:
            continue
        step = state.step
        assert step is rec.step(k) and step.index == k
        previous = rec.state_at(k - 1)
        if k <= n_forward:
            assert isinstance(step, ForwardStep)
            assert step.node not in previous.values and state.values[step.node] == step.value
            assert set(state.values) == set(previous.values) | {step.node}
            assert all(state.values[p] == previous.values[p] for p in step.parents)
            expected_adjoints = {rec.output: 1.0} if k == n_forward else {}
            assert dict(state.adjoints) == expected_adjoints
        else:
            assert isinstance(step, BackwardStep)
            assert dict(state.values) == dict(previous.values)
            assert close(previous.adjoints.get(step.parent, 0.0), step.before)
            assert state.adjoints[step.parent] == step.after
            changed = {key for key in state.adjoints
                       if previous.adjoints.get(key) is not state.adjoints[key]}
            assert changed == {step.parent}
        assert state.phase == ("done" if k == rec.steps else step.phase)


def test_state_at_is_a_pure_function_of_k(rec):
    later = rec.state_at(12)
    rec.state_at(3)
    again = rec.state_at(12)
    assert dict(later.values) == dict(again.values)
    assert dict(later.adjoints) == dict(again.adjoints)
    with pytest.raises(TypeError):
        later.values["v0"] = 5.0                      # states are read-only views
    assert rec.state_at(12).values["v0"] == 1.0


def test_state_at_rejects_out_of_range(rec):
    for bad in (-1, rec.steps + 1):
        with pytest.raises(IndexError):
            rec.state_at(bad)


def test_final_state_holds_every_adjoint(rec):
    final = rec.state_at(rec.steps)
    assert final.phase == "done"
    assert set(final.values) == set(rec.nodes)
    operations = {i for i, info in rec.nodes.items() if info.kind != "constant"}
    assert set(final.adjoints) == operations


def test_state_at_on_a_long_recording_matches_a_replay():
    def chain(x):
        for _ in range(150):
            x = np.sin(x) * 0.9 + x * 0.1
        return x
    rec = record(chain, 0.3)
    values, adjoints = dict(rec.state_at(0).values), {}
    for k in range(1, rec.steps + 1):
        step = rec.step(k)
        if isinstance(step, ForwardStep):
            values[step.node] = step.value
            if k == len(rec.forward):
                adjoints[rec.output] = rec.seed
        else:
            adjoints[step.parent] = step.after
        if k % 97 == 0 or k == rec.steps:
            state = rec.state_at(k)
            assert dict(state.values) == values and dict(state.adjoints) == adjoints
    assert rec.gradient == grad(chain)(0.3)


# ------------------------------------------------------------------------------ arrays

def test_array_function_keeps_shapes_and_matches_grad():
    rng = numpy.random.default_rng(0)
    W, x = rng.normal(size=(3, 3)), rng.normal(size=3)

    def layer(W, x):
        return np.sum(np.tanh(W @ x))

    for argnum in (0, 1):
        rec = record(layer, W, x, argnum=argnum)
        assert close(rec.gradient, grad(layer, argnum)(W, x))
    assert rec.gradients["W"].shape == (3, 3) and rec.gradients["x"].shape == (3,)
    values = rec.state_at(len(rec.forward)).values
    assert [numpy.shape(values[step.node]) for step in rec.forward] == [(3,), (3,), ()]
    assert rec.forward[0].line.startswith("v2 = v0 @ v1 = [")      # 3 numbers: written out
    assert "ḡ_v0 += ḡ_v2 @ v1ᵀ = [[" in str(rec)


def test_array_values_in_a_recording_are_read_only():
    rec = record(lambda x: np.sum(x * x), numpy.ones(3))
    with pytest.raises(ValueError):
        rec.forward[0].value[0] = 5.0
    with pytest.raises(ValueError):
        rec.backward[-1].after[0] = 5.0


def test_indexing_and_reductions_are_readable():
    rec = record(lambda x: x[0] * x[1] + np.sum(x[1:] ** 2, axis=0), numpy.array([1.0, 2.0, 3.0]))
    lines = [step.line for step in rec.forward]
    assert lines[0] == "v1 = v0[0] = 1.0"
    assert "v4 = v0[1:] = [2.0, 3.0]" in lines
    assert any(line.startswith("v7 = Σ(v6, axis=0) = 13.0") for line in lines)
    assert close(rec.gradient, numpy.array([2.0, 5.0, 6.0]))


# ------------------------------------------------------------------ closures, parameters

def test_closures_over_constants():
    c = numpy.array([1.0, -2.0, 3.0])
    a = 3.0

    def h(x):
        return np.sum(c * x) + a * np.sin(x[0])

    x = numpy.array([0.5, 0.25, 2.0])
    rec = record(h, x)
    constants = [info for info in rec.nodes.values() if info.kind == "constant"]
    assert any(numpy.array_equal(info.value, c) for info in constants)
    assert any(numpy.ndim(info.value) == 0 and info.value == 3.0 for info in constants)
    assert close(rec.gradient, grad(h)(x))
    assert list(rec.inputs) == ["x"]


def test_every_numeric_argument_is_an_input_other_arguments_stay_parameters():
    def scaled(x, factor, kind="square", *, shift=0.0):
        return factor * (x**2 if kind == "square" else x) + shift

    rec = record(scaled, 3.0, 2.0, kind="square", shift=1.0)
    assert dict(rec.inputs) == {"x": "v0", "factor": "v1", "shift": "v2"}
    assert dict(rec.arguments) == {"x": 3.0, "factor": 2.0, "kind": "square", "shift": 1.0}
    assert dict(rec.gradients) == {"x": 12.0, "factor": 9.0, "shift": 1.0}
    assert rec.gradient == grad(scaled)(3.0, 2.0, kind="square", shift=1.0)


def test_an_argument_that_cannot_be_traced_falls_back_to_grads_behaviour():
    def polynomial(x, degree):
        return sum(x**i for i in range(degree))      # range() needs a plain int

    rec = record(polynomial, 2.0, 3)
    assert list(rec.inputs) == ["x"]
    assert rec.gradient == grad(polynomial)(2.0, 3) == 5.0


def test_function_returning_a_constant():
    rec = record(lambda x: 3.0, 1.0)
    assert rec.gradient == 0.0 and rec.value == 3.0
    assert rec.forward == () and rec.backward == () and rec.steps == 0
    assert rec.nodes[rec.output].kind == "output"
    assert rec.state_at(0).phase == "done"
    assert rec.state_at(0).values[rec.output] == 3.0


def test_identity_function():
    rec = record(lambda x: x, 2.5)
    assert rec.gradient == 1.0 and rec.output == rec.inputs["x"] and rec.steps == 0


# -------------------------------------------------------------------------------- errors

def test_exceptions_from_f_propagate_unchanged():
    class Oops(Exception):
        pass

    def broken(x):
        raise Oops("inside f")

    with pytest.raises(Oops, match="inside f"):
        record(broken, 1.0)
    assert record(f, 1.0, 2.0).gradient == 4.0      # nothing left behind


def test_non_scalar_output_points_to_elementwise_grad_and_jacobian():
    with pytest.raises(TypeError) as grad_error:
        grad(np.sin)(numpy.ones(3))
    with pytest.raises(TypeError) as record_error:
        record(np.sin, numpy.ones(3))
    for message in (str(grad_error.value), str(record_error.value)):
        assert "elementwise_grad" in message and "jacobian" in message


def test_operation_without_vjp_raises_missing_vjp_error():
    @primitive
    def cube(x):
        return x ** 3

    with pytest.raises(MissingVJPError, match="cube"):
        grad(cube)(2.0)
    with pytest.raises(MissingVJPError, match="cube"):
        record(lambda x, y: cube(x) * y, 2.0, 1.0)


def test_argument_that_cannot_be_differentiated_is_refused_like_grad():
    for bad in (numpy.array([1, 2]), True):
        with pytest.raises(TypeError):
            grad(lambda x: np.sum(x * 1.0))(bad)
        with pytest.raises(TypeError):
            record(lambda x: np.sum(x * 1.0), bad)


def test_bad_argnum_is_refused_like_grad():
    with pytest.raises(TypeError) as grad_error:
        grad(f, argnum=5)(1.0, 2.0)
    with pytest.raises(TypeError) as record_error:
        record(f, 1.0, 2.0, argnum=5)
    assert type(record_error.value) is type(grad_error.value)
    assert str(record_error.value) == str(grad_error.value)


# ------------------------------------------------------------------- immutability, text

def test_recording_is_immutable(rec):
    with pytest.raises(dataclasses.FrozenInstanceError):
        rec.output = "v0"
    with pytest.raises(TypeError):
        rec.inputs["z"] = "v9"
    with pytest.raises(TypeError):
        rec.nodes["v0"] = None
    with pytest.raises(dataclasses.FrozenInstanceError):
        rec.forward[0].line = "changed"
    assert isinstance(rec.forward, tuple) and isinstance(rec.backward, tuple)


def test_listing_has_one_line_per_step(rec):
    text = str(rec)
    lines = text.splitlines()
    for step in rec.forward + rec.backward:
        assert sum(step.line in line and f"[{step.index:>2}]" in line for line in lines) == 1
    assert "v2 = 2    (constant)" in text
    assert "∂f/∂x = 4.0" in text and "∂f/∂y = 5.0" in text
    assert repr(rec).startswith("<Recording of f(x=1.0, y=2.0): 10 nodes")
    assert "▶ [ 8]" in rec.listing(8)


def test_a_line_is_names_and_numbers_by_turns(rec):
    """Before its step a view shows a line's names and formulas and ``?`` for its numbers:
    the parts say which is which, so nothing is guessed from the printed text."""
    product = rec.step(9)                                # v8 = x*y sends ḡ·y to x
    assert product.line_parts == ("ḡ_v0 += ḡ_v8 · v1 = ", "1.0 · 2.0 = 2.0",
                                  "  →  ḡ_v0 = ", "0 + 2.0 = 2.0")
    assert shown_text(product.line_parts, known=False) == "ḡ_v0 += ḡ_v8 · v1 = ?  →  ḡ_v0 = ?"
    assert shown_text(product.line_parts) == product.line
    assert rec.step(1).line_parts == ("v3 = v0 ** v2 = ", "1.0")
    assert shown_text(rec.step(7).line_parts, False) == "ḡ_v7 += ḡ_v9 = ?  →  ḡ_v7 = ?"
    forward = record(f, 1.0, 2.0, mode="forward").step(1)
    assert shown_text(forward.parts, False) == (
        "v3 = v0 ** v2 = ?;   ẋ_v3 = ẋ_v0 · v2 · v0**(v2−1) = ?")


def test_changes_are_what_each_step_computed(rec):
    assert rec.changes(1) == (("value", "v3", 1.0),)
    assert rec.changes(6) == (("value", "v9", 6.0), ("adjoint", "v9", 1.0))   # f, and its seed
    assert rec.changes(15) == (("adjoint", "v0", 4.0),)
    for k in range(1, rec.steps + 1):
        before, after = rec.state_at(k - 1), rec.state_at(k)
        for what, node, value in rec.changes(k):
            assert {"value": after.values, "adjoint": after.adjoints}[what][node] == value
    with pytest.raises(IndexError):
        rec.changes(0)


def test_the_listing_as_data_prints_as_the_listing(rec):
    entries = rec.listing_lines()
    assert ("step", 9, "[ 9] v8 → v0:  ", "") in entries
    assert entries[-1] == ("result", ("result: f = ", "6.0", ";  ∂f/∂x = ", "4.0",
                                      ", ∂f/∂y = ", "5.0"), (6, 15, 15))
    assert len(entries) == len(str(rec).splitlines())


# ------------------------------------------------------------------- random compositions

UNARY = [np.sin, np.cos, np.tanh, lambda v: v * v, lambda v: -v, lambda v: np.exp(np.sin(v))]
BINARY = [lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a * b,
          lambda a, b: a / (1.5 + np.cos(b))]


@st.composite
def compositions(draw):
    """A random function of (x, y), as a list of (operation, operand indices)."""
    program = []
    for position in range(draw(st.integers(1, 8))):
        available = position + 2
        if draw(st.booleans()):
            program.append((draw(st.sampled_from(range(len(UNARY)))), "unary",
                            draw(st.integers(0, available - 1)), None))
        else:
            program.append((draw(st.sampled_from(range(len(BINARY)))), "binary",
                            draw(st.integers(0, available - 1)),
                            draw(st.integers(0, available - 1))))
    return program


def run(program):
    def composed(x, y):
        values = [x, y]
        for op, kind, a, b in program:
            values.append(UNARY[op](values[a]) if kind == "unary"
                          else BINARY[op](values[a], values[b]))
        return values[-1]
    return composed


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(compositions(), st.floats(-2, 2), st.floats(-2, 2), st.sampled_from([0, 1]))
def test_recording_gradient_equals_grad_on_random_compositions(program, x, y, argnum):
    composed = run(program)
    rec = record(composed, x, y, argnum=argnum)
    assert close(rec.gradient, grad(composed, argnum)(x, y))
    assert close(rec.gradients["x"], grad(composed, 0)(x, y))
    assert close(rec.gradients["y"], grad(composed, 1)(x, y))
    final = rec.state_at(rec.steps)
    for name, node_id in rec.inputs.items():
        assert close(final.adjoints.get(node_id, 0.0), rec.gradients[name])
    for step in rec.backward:
        assert close(step.before + step.contribution, step.after)
    assert rec.steps == len(rec.forward) + len(rec.backward)


def test_a_formula_in_words_names_the_adjoint_as_every_other_line_does():
    recording = record(lambda x: np.sum(np.tanh(x)), np.array([0.1, 0.2]))
    line = recording.backward[0].line          # sum's VJP is registered in words
    assert "copied over the summed axes" in line
    assert line.startswith("ḡ_v1 += (ḡ_v2, copied") and "(g," not in line
