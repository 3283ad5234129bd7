"""Both modes in the dashboard, driven from Python: the mode control, forward steps in the
graph and the inspector, the cost panel assembling Jacobians, and the boxes always saying
what the picture shows."""

import json

import numpy
import pytest

from tutor.app import build_app
from tutor.graph import look_at
from tutor.record import shown_text
from tutor.autograd import jacobian
from tutor.widgets.cost import MAX_PASSES, costs, element_names, jacobian_pass
from tutor.widgets.explorer import EXAMPLES, make_recording


@pytest.fixture
def app():
    return build_app()


def answer(app):
    told = json.loads(app.stepper.story)["result"]
    return shown_text(told["parts"], [app.stepper.k >= step for step in told["known"]])


def test_the_mode_control_re_records_the_current_function(app):
    assert app.explorer.mode.value == "reverse" and app.state.recording.mode == "reverse"
    assert "tutor-mode" in app.explorer.mode._dom_classes
    app.stepper.k = 3
    app.explorer.mode.value = "forward"
    recording = app.state.recording
    assert recording.mode == "forward" and app.state.k == 0
    assert recording.steps == len(recording.forward) == 6
    app.stepper.to_end()
    assert answer(app) == "f = 6   ∂f/∂x = 4"
    app.explorer.wrt.value = "y"                       # still forward mode: ∂f/∂y = 5
    app.stepper.to_end()
    assert app.state.recording.mode == "forward" and answer(app) == "f = 6   ∂f/∂y = 5"
    app.explorer.mode.value = "reverse"
    assert app.state.recording.mode == "reverse" and app.state.recording.backward


def test_forward_steps_colour_nodes_as_tangents_arrive_and_label_the_edges(app):
    app.explorer.mode.value = "forward"
    recording = app.state.recording
    start = look_at(recording, 0).nodes
    assert start["v0"].status == "tangent" and start["v0"].derivative == 1.0
    assert start["v3"].status == "pending"
    app.stepper.k = 5                                  # v8 = v0 × v1
    looks = look_at(recording, 5).nodes
    assert looks["v8"].status == "current" and looks["v8"].derivative == 2.0
    assert looks["v3"].status == "tangent"
    told = json.loads(app.stepper.story)
    labels = [told["values"][label]["label"] for _, label in told["steps"][5]["edges"]]
    assert labels == ["+2.0", "+0.0"]                  # ẋ_v0 · v1 and v0 · ẋ_v1
    assert shown_text(told["steps"][5]["tangent"]) == (
        "ẋ_v8 = ẋ_v0 · v1 + v0 · ẋ_v1 = 1.0 · 2.0 + 1.0 · 0.0 = 2.0")
    assert told["derivative"] == "tangent ẋ"
    assert told["result"]["pending"] == "(step to the end of the forward pass)"


def test_the_cost_panel_counts_both_modes_from_the_recording(app):
    counts = costs(app.state.recording)
    assert counts == dict(n=2, m=1, F=6, E=9, forward_passes=2, reverse_passes=1,
                          forward_total=30, reverse_total=15)
    summary = app.cost.summary.value
    assert "ℝ<sup>2</sup> → ℝ<sup>1</sup>" in summary and "reverse mode needs fewer passes" in summary
    assert "a million parameters" in summary


def test_reverse_mode_assembles_the_jacobian_row_by_row_and_forward_column_by_column(app):
    app.explorer.load_example(next(e.title for e in EXAMPLES if e.title.startswith("A linear")))
    app.cost.one_pass.click()                            # reverse: one row is the gradient
    app.state.to_end()                  # a pass fills its row once it is stepped to its end
    W, x, b = (app.explorer.arguments[name] for name in ("W", "x", "b"))
    gradient = numpy.concatenate([numpy.ravel(part) for part in app.state.recording.gradients
                                  .values()])
    numpy.testing.assert_allclose(app.cost.jacobian[0], gradient)
    assert app.cost.one_pass.disabled                    # m = 1: done in one pass
    app.explorer.mode.value = "forward"
    assert app.cost.passes_needed == 8 and numpy.isnan(app.cost.jacobian).all()
    app.cost.one_pass.click()
    assert app.cost.passes_done == 0                     # shown on the graph, not stepped yet
    app.state.to_end()
    assert app.cost.passes_done == 1 and numpy.isnan(app.cost.jacobian[0, 1:]).all()
    assert "1 of 8 forward passes done: each fills one column" in app.cost.table.value
    app.cost.all_passes.click()
    numpy.testing.assert_allclose(app.cost.jacobian[0], gradient)   # the same numbers
    assert "∂/∂W[0,1]" in app.cost.table.value and "?" not in app.cost.table.value


def test_a_vector_function_gets_its_jacobian_from_either_mode():
    recording, f, values = make_recording("tanh(W @ x)", "W=[[1, 2], [3, 4]], x=[0.1, -0.2]",
                                          "W", mode="forward")
    expected_W = jacobian(f, 0)(**values).reshape(2, 4)
    expected_x = jacobian(f, 1)(**values)
    expected = numpy.hstack([expected_W, expected_x])
    columns = numpy.stack([jacobian_pass(f, values, "forward", i)[0] for i in range(6)], 1)
    rows = numpy.stack([jacobian_pass(f, values, "reverse", j)[0] for j in range(2)])
    numpy.testing.assert_allclose(columns, expected)
    numpy.testing.assert_allclose(rows, expected)
    assert element_names("W", (2, 2)) == ["W[0,0]", "W[0,1]", "W[1,0]", "W[1,1]"]


def test_a_vector_function_in_reverse_mode_asks_for_a_scalar_or_forward_mode(app):
    app.explorer.values.value = "x=[1, 2], y=1"
    app.explorer.expression.value = "tanh(x) * y"
    assert "a backward pass starts from one number" in app.error.message
    assert "forward mode" in app.error.message
    app.explorer.mode.value = "forward"
    assert app.state.recording.mode == "forward" and app.error.message == ""
    assert costs(app.state.recording)["m"] == 2


def test_a_big_jacobian_is_bounded(app):
    app.explorer.values.value = "x=[" + ", ".join(["1"] * 70) + "]"
    app.explorer.expression.value = "sum(x**2)"
    app.explorer.mode.value = "forward"
    assert app.cost.passes_needed == 70
    app.cost.all_passes.click()
    assert app.cost.passes_done == MAX_PASSES and app.cost.all_passes.disabled
    assert f"runs at most {MAX_PASSES}" in app.cost.table.value


def test_after_a_refused_edit_the_shown_line_says_what_the_picture_shows(app):
    app.explorer.expression.value = "log(x)"
    assert "Shown: f = log(x) at x=1" in app.explorer.shown.value
    recording = app.state.recording
    app.explorer.values.value = "x=-1"                 # refused: log of a negative number
    assert "log of a negative number" in app.error.message
    assert app.state.recording is recording
    assert app.explorer.values.value == "x=-1"         # what was typed is not lost
    assert app.explorer.shown_expression == "log(x)" and app.explorer.shown_values == "x=1"
    assert "Your last edit was refused" in app.explorer.shown.value
    assert "f = log(x) at x=1," in app.explorer.shown.value
    app.stepper.to_end()
    assert answer(app) == "f = 0   ∂f/∂x = 1"


def test_menu_titles_say_what_they_load_and_relu_is_explained(app):
    titles = [example.title for example in EXAMPLES]
    assert "Operator precedence: (a*b) + c - d" in titles
    assert not any("(4*5)" in title for title in titles)
    app.explorer.load_example(next(t for t in titles if t.startswith("ReLU")))
    assert "relu(v) is max(v, 0)" in app.explorer.shown.value
    app.stepper.to_end()
    assert "-0" not in answer(app) and "-0.0" not in app.state.recording.listing()


def test_a_forward_recording_exports_its_forward_steps():
    from tutor.widgets.export import gif_steps
    recording, _, _ = make_recording("x*y + sin(x)", "x=1, y=2", "x", mode="forward")
    assert gif_steps(recording) == list(range(recording.steps + 1))


def test_a_jacobian_too_big_to_keep_only_counts_its_passes(app):
    app.explorer.values.value = "x=[" + ", ".join(["1"] * 200) + "]"
    app.explorer.expression.value = "sin(x)"
    app.explorer.mode.value = "forward"
    assert app.cost.counts["m"] * app.cost.counts["n"] == 40_000 and app.cost.jacobian is None
    app.cost.one_pass.click()
    app.state.to_end()
    assert app.cost.passes_done == 1 and "too big to list here" in app.cost.table.value


def test_every_header_cell_of_the_jacobian_table_has_a_name(app):
    """axe's empty-table-header: the corner cell says "output" to a screen reader (visually
    hidden), and every header says whether it heads a column or a row."""
    import html.parser

    class Headers(html.parser.HTMLParser):
        def __init__(self):
            super().__init__()
            self.cells, self._inside = [], None

        def handle_starttag(self, tag, attrs):
            if tag == "th":
                self._inside = [dict(attrs).get("scope"), ""]

        def handle_data(self, data):
            if self._inside is not None:
                self._inside[1] += data

        def handle_endtag(self, tag):
            if tag == "th":
                self.cells.append(tuple(self._inside))
                self._inside = None

    app.explorer.expression.value = "sin(x) * y"
    app.cost.all_passes.click()
    parser = Headers()
    parser.feed(app.cost.table.value)
    assert parser.cells[0] == ("col", "output")
    assert 'class="tutor-sr-only"' in app.cost.table.value
    assert all(text.strip() for _, text in parser.cells)
    assert [scope for scope, _ in parser.cells] == ["col", "col", "col", "row"]
