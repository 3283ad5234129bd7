"""Every pass of the Jacobian is a recording the learner steps (issue 21, item 3), driven
from Python: reverse mode on a function with several outputs pulls back the output chosen
in the "pass" menu; the cost panel's "One more pass" shows the next pass on the graph;
its row or column fills in when it is stepped to its end; counts read right."""

import json

import numpy
import pytest

from tutor.app import build_app
from tutor.autograd import jacobian
from tutor.expression import parse

SPIN = "sin(x) * x[0] + x"                 # ℝ³ → ℝ³: square
AT = "x=[0.5, -1, 2]"


@pytest.fixture
def app():
    app = build_app()
    app.explorer.values.value = AT
    app.explorer.expression.value = SPIN
    return app


def expected():
    return jacobian(parse(SPIN))(numpy.array([0.5, -1.0, 2.0]))


def test_reverse_mode_on_three_outputs_pulls_back_row_0_and_says_so(app):
    recording = app.state.recording
    assert recording.mode == "reverse" and recording.output_name == "f[0]"
    assert "pulls back f[0], from the seed ḡ = [1.0, 0.0, 0.0]" in app.error.message
    assert 'the menu "pass"' in app.error.message and "f gives has" not in app.error.message
    direction = app.explorer.direction
    assert [label for label, _ in direction.options] == [
        "pull back f[0]", "pull back f[1]", "pull back f[2]"]
    assert direction.layout.display is None and direction.description == "pass"
    assert "∂f[0]/∂x, reverse mode" in app.explorer.shown.value
    result = json.loads(app.stepper.story)["result"]["parts"]
    assert "   ∂f[0]/∂x = " in result


def test_choosing_an_output_records_its_row_and_the_table_fills_at_the_end(app):
    assert "0 of 3 reverse passes done" in app.cost.table.value
    app.state.to_end()                                   # the shown pass is row f[0]
    numpy.testing.assert_allclose(app.cost.jacobian[0], expected()[0])
    assert "1 of 3 reverse passes done" in app.cost.table.value
    app.explorer.direction.value = 2                     # the learner picks f[2]
    assert app.state.recording.output_name == "f[2]" and app.state.k == 0
    assert app.error.message == ""                       # chosen, so nothing to explain
    assert numpy.isnan(app.cost.jacobian[2]).all()       # not stepped yet
    assert "The graph shows the pass that gives the row f[2]" in app.cost.table.value
    app.state.to_end()
    numpy.testing.assert_allclose(app.cost.jacobian[2], expected()[2])
    assert app.cost.passes_done == 2                     # row 0 is kept


def test_one_more_pass_shows_the_next_row_on_the_graph(app):
    app.state.to_end()
    app.cost.one_pass.click()
    assert app.state.recording.output_name == "f[1]" and app.explorer.direction.value == 1
    assert app.cost.passes_done == 1
    app.state.to_end()
    app.cost.one_pass.click()
    app.state.to_end()
    numpy.testing.assert_allclose(app.cost.jacobian, expected())
    assert app.cost.one_pass.disabled and "?" not in app.cost.table.value


def test_forward_passes_are_columns_each_stepped_on_the_graph(app):
    app.explorer.mode.value = "forward"
    assert [label for label, _ in app.explorer.direction.options] == [
        "ẋ = 1 on x[0]", "ẋ = 1 on x[1]", "ẋ = 1 on x[2]"]
    assert app.explorer.direction.description == "pass"
    app.cost.one_pass.click()                            # column 0 is the one shown
    assert app.state.recording.derivative_name == "x[0]"
    app.state.to_end()
    app.cost.one_pass.click()
    assert app.state.recording.derivative_name == "x[1]"
    assert "∂f/∂x[1], forward mode" in app.explorer.shown.value
    app.state.to_end()
    numpy.testing.assert_allclose(app.cost.jacobian[:, :2], expected()[:, :2])
    assert numpy.isnan(app.cost.jacobian[:, 2]).all()


def test_forward_passes_over_two_variables_pick_the_variable_too():
    app = build_app()
    app.explorer.values.value = "x=[1, 2], y=3"
    app.explorer.expression.value = "x * y"
    app.explorer.mode.value = "forward"
    app.cost.all_passes.click()
    full = app.cost.jacobian.copy()
    app.explorer.show_pass(2)                            # the third number in: y
    assert app.state.recording.derivative_name == "y" and app.explorer.wrt.value == "y"
    numpy.testing.assert_allclose(full[:, 2], [1, 2])


def test_counts_are_right_for_square_functions_and_one_pass(app):
    summary = app.cost.summary.value
    assert "n = m = 3: 3 passes either way; per pass, reverse mode costs more" in summary
    assert "make_jvp traces f once" in summary
    app.explorer.values.value = "x=1"
    app.explorer.expression.value = "sin(x)"
    summary = app.cost.summary.value
    assert "n = 1 pass;" in summary and "n = 1 passes" not in summary
    assert "n = m = 1: one pass either way" in summary
    assert "1 of 1 reverse pass done" not in app.cost.table.value
    app.state.to_end()                                   # End in reverse mode: row filled
    assert "1 of 1 reverse pass done" in app.cost.table.value


def test_a_new_function_or_values_start_the_table_afresh(app):
    app.state.to_end()
    assert app.cost.passes_done == 1
    app.explorer.values.value = "x=[1, 2, 3]"
    assert app.cost.passes_done == 0 and numpy.isnan(app.cost.jacobian).all()
    assert app.state.recording.output_name == "f[0]"


def test_a_lessons_panel_without_a_stepper_runs_its_passes_at_once():
    from tutor.widgets import ErrorArea
    from tutor.widgets.cost import CostPanel
    from tutor.widgets.explorer import make_recording
    recording, function, values = make_recording(SPIN, AT)
    panel = CostPanel(ErrorArea())
    panel.show(recording, function, values)
    panel.one_pass.click()
    assert panel.passes_done == 1
    numpy.testing.assert_allclose(panel.jacobian[0], expected()[0])
