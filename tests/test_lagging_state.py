"""Nothing lags behind a new function, and the texts say the right thing (issue 21, items 4
and 5), driven from Python: the GIF preview goes, forward mode's legend lists every colour
it draws, the Shown line summarises big arrays and points below, counts are singular when
they are 1, the examples write powers as **."""

import json

import pytest

from tutor.app import build_app
from tutor.widgets.explorer import EXAMPLES, make_recording
from tutor.widgets.story import story_of
from tutor.widgets.words import sentence


@pytest.fixture
def app():
    return build_app()


def test_the_gif_of_the_function_before_goes_when_the_function_changes(app):
    app.explorer.expression.value = "x*y"
    assert app.export.export(timeout=120) is not None
    assert "<img" in app.export.link.value
    app.explorer.expression.value = "x + y"
    assert app.export.link.value == "" and app.export.data is None
    app.state.to_end()                                        # stepping keeps nothing back
    assert app.export.link.value == ""


def test_a_gif_still_being_made_is_dropped_with_its_function(app):
    app.explorer.expression.value = "*".join(["x"] * 40)
    assert app.export.start()
    app.explorer.expression.value = "x + y"
    app.export.wait(120)
    assert app.export.data is None and "<img" not in app.export.link.value


@pytest.mark.parametrize("text, values", [("x**2 + y", "x=1, y=2"), ("3*x", "x=2"),
                                          ("x*y", "x=1, y=2")])
def test_forward_modes_legend_lists_every_status_it_draws(text, values):
    recording, _, _ = make_recording(text, values, mode="forward")
    story = story_of(recording)
    statuses = story["statuses"]
    drawn = {statuses[node["look"][0]] for node in story["nodes"]}
    drawn |= {statuses[look[1]] for step in story["steps"] if step for look in
              step.get("looks", ())}
    listed = {name for name, _ in story["legend"][:-1]}       # the last entry is the edge
    assert drawn <= listed, drawn - listed


def test_the_shown_line_summarises_a_big_matrix_in_one_line(app):
    matrix = "[" + ", ".join("[" + ", ".join(["1"] * 30) + "]" for _ in range(30)) + "]"
    app.explorer.values.value = f"W={matrix}"
    app.explorer.expression.value = "sum(W * W)"
    shown = app.explorer.shown.value
    assert "W: 30×30 array (min 1.0, max 1.0)" in shown
    assert "[1, 1" not in shown and len(shown) < 400


def test_a_refused_edit_points_to_the_message_below_it(app):
    app.explorer.expression.value = "log(x"
    assert "see the message below" in app.explorer.shown.value
    children = app.tabs.children[0].children
    assert children.index(app.explorer) < children.index(app.error)   # it is below


def test_counts_of_one_are_singular():
    recording, _, _ = make_recording("sin(x)", "x=1")
    assert "1 forward step and 1 backward step follow" in sentence(recording, 0)
    recording, _, _ = make_recording("sin(x)", "x=1", mode="forward")
    assert "1 step follows, each computing" in sentence(recording, 0)
    listing = recording.listing()
    assert "(1 step)" in listing and "1 steps" not in listing


def test_example_prose_writes_powers_with_two_stars():
    for example in EXAMPLES:
        assert "²" not in example.lesson and "³" not in example.lesson, example.title


def test_the_story_names_the_row_a_seeded_pass_pulls_back():
    recording, _, _ = make_recording("x * x[1]", "x=[1, 2, 3]", direction=2)
    told = story_of(recording)
    assert "   ∂f[2]/∂x = " in told["result"]["parts"]
    from tutor.widgets.words import notes
    said = " ".join(notes(recording, len(recording.forward)))
    assert "(1 on f[2], 0 on f's other numbers: this pass pulls back f[2])" in said
    assert json.dumps(told)
