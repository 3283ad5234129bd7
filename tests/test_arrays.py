"""Arrays in the tutor: typed in, recorded, drawn, explained.

A learner types ``sum(tanh(W @ x + b))`` with ``W=[[...]]`` in the values box. What they
must see: the elements of small arrays, a heatmap for big ones, adjoints shaped like their
nodes, broadcasting sums named in words, and shape mistakes explained in their own terms.
"""

import re

import numpy
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tutor.autograd.numpy as np
import tutor.expression as expression_module
from tutor.autograd import grad
from tutor.expression import MAX_ELEMENTS, ShapeError, parse, parse_values
from tutor.record import record
from tutor.widgets import ErrorArea, Explorer, story_of
from tutor.widgets.explorer import EXAMPLES, InputProblem, make_recording
from tutor.widgets.words import step_text

LAYER = next(example for example in EXAMPLES if example.title.startswith("A linear layer"))
MSE = next(example for example in EXAMPLES if example.title.startswith("Mean squared"))


def test_the_values_box_takes_vectors_and_matrices_beside_numbers():
    values = parse_values("x=[1, 2, 3], W=[[1, 2], [3, 4]], c=0.5", ["x", "W", "c"])
    numpy.testing.assert_array_equal(values["x"], [1.0, 2.0, 3.0])
    assert values["W"].shape == (2, 2) and values["W"].dtype == float
    assert values["c"] == 0.5


def test_the_linear_layer_example_matches_grad():
    recording, expression, values = make_recording(LAYER.expression, LAYER.values, "W")
    expected = grad(expression, argnum=0)(**values)
    numpy.testing.assert_allclose(recording.gradient, expected)
    assert recording.gradient.shape == (2, 2)
    for name, node_id in recording.inputs.items():       # every adjoint has its node's shape
        assert numpy.shape(recording.gradients[name]) == numpy.shape(
            recording.nodes[node_id].value)


def test_broadcasting_is_named_in_the_backward_step():
    recording, _, _ = make_recording(MSE.expression, MSE.values, "w")
    to_w = [step for step in recording.backward if step.parent == recording.inputs["w"]]
    assert to_w and "Σ over all elements of" in to_w[0].line
    assert "(3 → scalar)" in to_w[0].line
    rec = record(lambda b, M: np.sum(M + b), numpy.array([1.0, 2.0, 3.0]), numpy.ones((2, 3)))
    line = next(step.line for step in rec.backward if step.parent == "v0")
    assert "ḡ_v0 += Σ over rows of ḡ_v2 (2×3 → 3)" in line


@pytest.mark.parametrize("text, values, message", [
    ("W @ x", "W=[[1, 2], [3, 4]], x=[1, 2, 3]",
     "W @ x: W is 2×2 but x has 3 elements; the inner sizes must match"),
    ("x + y", "x=[1, 2, 3], y=[1, 2]", "x + y: x has 3 elements but y has 2 elements"),
    ("sum(x, axis=1)", "x=[1, 2]", "sum(x, axis=1): x has 2 elements, so it has 1 axis"),
    ("x[3]", "x=[1, 2, 3]", "x[3]: x has 3 elements, so the index is out of range"),
    ("x[0]", "x=2", "x[0]: x is a number, which has no elements to index"),
    ("x @ y", "x=2, y=[1, 2]", "x is a number; a matrix product needs a vector or a matrix"),
    ("x*nan", "x=1", "nan would mean not a number"),
])
def test_shape_mistakes_are_feedback_in_the_learners_terms(text, values, message):
    with pytest.raises(InputProblem) as info:
        make_recording(text, values)
    assert message in str(info.value)
    assert "Traceback" not in str(info.value)


def test_a_vector_function_in_reverse_mode_pulls_back_one_output_row():
    # It used to be refused ("a backward pass starts from one number"); now the seed ḡ = eᵢ
    # picks output i (direction=i), and the pass gives row i of the Jacobian.
    recording, _, _ = make_recording("tanh(x)", "x=[1, 2]", direction=1)
    assert recording.output_name == "f[1]"
    numpy.testing.assert_allclose(recording.gradient, [0, 1 - numpy.tanh(2) ** 2])
    assert make_recording("tanh(x)", "x=[1, 2]", direction=7)[0].output_name == "f[0]"


def test_array_sizes_are_bounded_with_a_clear_message():
    f = parse("outer(x, y)")
    big = numpy.ones(MAX_ELEMENTS)
    with pytest.raises(ShapeError, match="would have 1000000 elements; at most 1000"):
        f(x=big, y=big)
    with pytest.raises(ShapeError, match="would be 1000×1000"):
        parse("x + y")(x=big, y=big.reshape(-1, 1))
    with pytest.raises(ShapeError, match="has 1001 elements|1001 elements"):
        parse("sum(x)")(x=numpy.ones(MAX_ELEMENTS + 1))
    with pytest.raises(InputProblem, match="at most 1000"):
        make_recording("sum(x)", "x=[" + ", ".join(["1"] * 1001) + "]")


def test_total_numbers_in_one_evaluation_are_bounded(monkeypatch):
    # With 150 parts and 1,000 numbers a value, typed text stays near the 100,000 bound; a
    # lower bound shows the check itself.
    monkeypatch.setattr(expression_module, "MAX_TOTAL_ELEMENTS", 5_000)
    with pytest.raises(ShapeError, match="add up to more than 5000 numbers"):
        parse("+".join(["x"] * 10))(x=numpy.ones(MAX_ELEMENTS))
    parse("+".join(["x"] * 4))(x=numpy.ones(MAX_ELEMENTS))


def last_look(told, node):
    """The node's look after the last step: [status, value, derivative]."""
    looks = [look for step in told["steps"][1:] for position, *look in step["looks"]
             if position == node]
    return looks[-1] if looks else told["nodes"][node]["look"]


def test_small_arrays_are_drawn_with_their_elements_and_big_ones_with_a_heatmap():
    recording, _, _ = make_recording(LAYER.expression, LAYER.values, "W")
    told = story_of(recording)
    _, value, adjoint = last_look(told, 0)                     # W, a 2×2 matrix
    assert told["values"][value]["lines"] == ["v0 (2×2) =", "[0.5, -1.0]", "[2.0, 0.3]"]
    assert told["values"][adjoint]["lines"][0] == "ḡ (2×2) ="
    assert len(told["values"][adjoint]["lines"]) == 3          # both rows, not the first only
    assert not any("heat" in entry for entry in told["values"] if "lines" in entry)

    big, _, _ = make_recording("sum(W @ x)", "W=[[1, 2, 3, 4], [4, 3, 2, 1], [0, 1, 0, 1], "
                               "[1, 1, 1, 1]], x=[1, 2, 3, 4]", "W")
    told = story_of(big)
    _, value, adjoint = last_look(told, 0)
    for entry in (told["values"][value], told["values"][adjoint]):
        assert entry["lines"][0].endswith(": 4×4") and entry["lines"][1].startswith("min ")
        assert (entry["heat"]["rows"], entry["heat"]["columns"]) == (4, 4)


def test_an_array_contribution_on_an_edge_is_labelled_by_shape_never_by_size():
    recording, _, _ = make_recording(MSE.expression, MSE.values, "w")
    labels = {told_label["label"] for told_label in story_of(recording)["values"]
              if "label" in told_label}
    assert "Σ all elements → number" in labels and "3-vector" in labels
    assert not any(re.fullmatch(r"[+-]?\d+", label) for label in labels), labels
    arrays = [entry for entry in story_of(recording)["values"]
              if entry.get("label", "").endswith("vector")]
    assert all("heat" in entry for entry in arrays)          # with a small heatmap


def test_the_inspector_table_lists_the_elements_of_small_arrays():
    recording, _, _ = make_recording(LAYER.expression, LAYER.values, "W")
    texts = [entry["text"] for entry in story_of(recording)["values"] if "text" in entry]
    assert "[[0.5, -1.0], [2.0, 0.3]]" in texts
    assert "[1.0, 2.0]" in texts


def test_the_explorer_says_which_value_it_filled_in_beside_arrays():
    area = ErrorArea()
    explorer = Explorer(area, expression="sum(x * y)", values="x=[1, 2]")
    recording = explorer.submit()
    assert recording is not None and recording.value == 3.0
    assert explorer.values.value == "x=[1, 2], y=1"
    assert area.kind == "warning" and "y had no value: using y = 1" in area.message


def test_array_examples_load_in_the_explorer_in_both_modes():
    area = ErrorArea()
    explorer = Explorer(area)
    for example in (LAYER, MSE):
        for mode in ("reverse", "forward"):
            explorer.mode.value = mode
            recording = explorer.load_example(example.title)
            assert recording is not None and recording.mode == mode, area.message
            assert area.message == ""
    assert "-0.0" not in recording.listing()


def test_the_step_says_in_words_when_broadcasting_sums_an_adjoint():
    recording, _, _ = make_recording(MSE.expression, MSE.values, "w")
    step = next(step for step in recording.backward if step.parent == recording.inputs["w"])
    assert step.broadcast == ("all elements", (3,), ())
    text = step_text(recording, step.index)
    assert text.startswith(f"Backward step {step.index - len(recording.forward)} of ")
    assert ("v0 (scalar) was stretched (broadcast) to 3 in the forward pass, so it receives "
            "the sum of its copies' adjoints: Σ over all elements.") in text


arrays = st.lists(st.floats(-2.0, 2.0), min_size=2, max_size=2)


@settings(max_examples=25, deadline=None)
@given(st.lists(arrays, min_size=2, max_size=2), arrays, arrays,
       st.lists(arrays, min_size=2, max_size=2))
def test_forward_and_reverse_agree_on_the_linear_layer(W, x, b, direction):
    f = parse(LAYER.expression)
    W, x, b, direction = (numpy.array(value) for value in (W, x, b, direction))
    reverse = record(f, W, x, b)
    forward = record(f, W, x, b, mode="forward", tangent=direction)
    assert forward.gradient == pytest.approx(float(numpy.sum(reverse.gradient * direction)),
                                             abs=1e-9)
    step = 1e-6
    numeric = (f(W + step * direction, x, b) - f(W - step * direction, x, b)) / (2 * step)
    assert forward.gradient == pytest.approx(numeric, abs=1e-5)


def test_a_sentence_writes_an_indexed_operand_with_its_index():
    """x[0] in a step's words is x[0] (it read "[ ](x)": the index is not a node)."""
    from tutor.widgets.words import node_expression, sentence
    recording = record(lambda x: np.sin(x) * x[0] + x, numpy.array([0.5, -1.0, 2.0]),
                       seed=[0.0, 1.0, 0.0])
    assert [node_expression(recording, node) for node in recording.nodes] == [
        "x", "sin(x)", "x[0]", "sin(x) · x[0]", "(sin(x) · x[0]) + x"]
    assert "v3 (sin(x) · x[0])" in sentence(recording, 5)
    sliced = record(lambda x: np.sum((x + 1)[1:3]) * x[0, 1], numpy.ones((2, 3)))
    assert node_expression(sliced, sliced.output) == "Σ((x + 1)[1:3]) · x[0, 1]"


def test_a_note_names_three_earlier_senders_and_counts_the_rest():
    """y used in each of 200 turns of a loop: its note named 199 senders (1.8 kB a step)."""
    from tutor.widgets.words import notes as step_notes

    def chain(x, y):
        for _ in range(200):
            x = np.sin(x) * y + x * 0.5
        return x

    recording = record(chain, 0.3, 0.7)
    notes = [" ".join(step_notes(recording, k)) for k in range(1, recording.steps + 1)]
    last_to_y = max(k for k, step in enumerate(recording.backward)
                    if recording.nodes[step.parent].name == "y")
    note = notes[len(recording.forward) + last_to_y]
    assert re.search(r"y already had \S+ from v\d+, v\d+, v\d+ and 196 more\.", note), note
    assert max(map(len, notes)) < 200
    three = record(lambda x: np.sin(x) + np.exp(x) + np.cos(x), 2.0)   # two earlier: named
    said = " ".join(" ".join(step_notes(three, k)) for k in range(1, three.steps + 1))
    assert "x already had 6.48 from cos(x) and exp(x)." in said, said   # exp(x), not "exp"
