"""The dashboard as a learner drives it, from Python: the same handlers the browser triggers."""

import base64
import io
import json
import re
from pathlib import Path

import ipywidgets as widgets
import nbformat
import pytest
from PIL import Image

from tutor.app import TutorApp, build_app
from tutor.record import shown_text
from tutor.widgets import EXAMPLES

ROOT = Path(__file__).resolve().parent.parent

# The CSS classes browser tests rely on (the contract in the dashboard issue); the stepper's
# own (tutor-step-forward, tutor-status, tutor-graph, tutor-node...) are made in the page
# and checked by the browser tests.
CONTRACT = ["tutor-expression", "tutor-values", "tutor-wrt", "tutor-examples",
            "tutor-stepper-view", "tutor-player", "tutor-error", "tutor-export-gif",
            "tutor-mode", "tutor-cost"]


@pytest.fixture(autouse=True)
def progress_in_tmp(tmp_path, monkeypatch):
    """Keep the Progress tab's store out of the home directory."""
    monkeypatch.setenv("TUTOR_PROGRESS_DB", str(tmp_path / "progress.sqlite"))


@pytest.fixture
def app():
    return build_app()


def descendants(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from descendants(child)


def shown(app):
    """What the page is told to show: the story and the step."""
    return app.stepper.story, app.stepper.k


def test_every_control_carries_its_css_class_once(app):
    for index in (1, 2):
        app.open_tab(index)
    classes = [css for widget in descendants(app) for css in widget._dom_classes]
    for css in CONTRACT:
        assert classes.count(css) == 1, css


def answer(app):
    """The result line the page shows at the view's step."""
    told = json.loads(app.stepper.story)["result"]
    known = [app.stepper.k >= step for step in told["known"]]
    return shown_text(told["parts"], known)


def test_the_seed_gives_4_then_5_after_switching_to_y(app):
    assert app.stepper.status == "forward 0/6"
    assert answer(app) == "f = ?   ∂f/∂x = ?"
    app.stepper.to_end()
    assert app.stepper.status == "backward 9/9" and app.state.k == 15
    assert answer(app) == "f = 6   ∂f/∂x = 4"
    app.explorer.wrt.value = "y"                      # changing wrt records again
    assert app.stepper.status == "forward 0/6"
    app.stepper.to_end()
    assert answer(app) == "f = 6   ∂f/∂y = 5"


def test_stepping_moves_the_shared_state_and_sends_nothing_else(app):
    story = app.stepper.story
    for k in range(1, app.state.recording.steps + 1):
        app.stepper.forward()
        assert app.state.k == k and app.stepper.story is story   # the story is sent once
    app.stepper.back()
    assert app.state.k == app.state.recording.steps - 1
    app.stepper.reset()
    assert (app.state.k, app.stepper.status) == (0, "forward 0/6")


def test_the_step_says_its_line_with_its_numbers(app):
    app.stepper.k = 9                                  # what the slider sends
    step = json.loads(app.stepper.story)["steps"][9]
    assert shown_text(step["line"], True) == ("ḡ_v0 += ḡ_v8 · v1 = 1.0 · 2.0 = 2.0  →  "
                                              "ḡ_v0 = 0 + 2.0 = 2.0")
    assert app.stepper.status == "backward 3/9"


def test_enter_in_the_expression_box_records_again(app):
    app.explorer.expression.value = "x*x + sin(x)"
    assert app.state.recording.function_name == "f"
    assert app.explorer.wrt.options == ("x",)
    assert app.explorer.values.value == "x=1"
    assert app.stepper.status == "forward 0/3"
    app.explorer.values.value = "x=2"
    assert app.state.recording.arguments["x"] == 2.0


@pytest.mark.parametrize("setup, box, text, message", [
    ({}, "expression", "log(x**2 +", "syntax error"),
    ({}, "expression", "__import__('os')", "names starting with _ are not allowed"),
    ({}, "values", "x=abc", "a value must be a number"),
    ({}, "expression", "mystery(x)", "unknown function"),
    ({"expression": "log(x)"}, "values", "x=-1",
     "log of a negative number gives nan at v1 = log(v0)"),
])
def test_bad_input_shows_a_message_and_keeps_the_previous_graph(app, setup, box, text,
                                                                message):
    for name, value in setup.items():
        getattr(app.explorer, name).value = value
    app.stepper.k = 1
    recording, before = app.state.recording, shown(app)
    getattr(app.explorer, box).value = text
    assert message in app.error.message
    assert app.state.recording is recording and app.state.k == 1
    assert shown(app) == before
    app.stepper.forward()                              # the old graph is still usable
    assert app.state.k == 2
    app.explorer.values.value = "x=2"                  # a good input clears the message
    app.explorer.expression.value = "x*x"
    assert app.error.message == ""


def test_the_examples_menu_loads_each_example(app):
    for example in EXAMPLES:
        app.explorer.examples.value = example.title
        assert app.error.message == "", example.title
        assert app.explorer.expression.value == example.expression
        assert app.stepper.status == f"forward 0/{len(app.state.recording.forward)}"
        app.stepper.to_end()
        assert f"∂f/∂{example.wrt} = " in answer(app)


def test_an_unexpected_error_in_a_view_becomes_a_message(app, monkeypatch):
    def broken(recording, k=0):
        raise RuntimeError("the graph fell over")
    monkeypatch.setattr(app.stepper, "show", broken)
    app.stepper.forward()
    app.explorer.expression.value = "x*y*y"              # must not raise
    assert app.error.message.startswith("Something went wrong")
    assert "the graph fell over" in app.error.message
    assert app.stepper.status == "forward 1/6"          # the last graph stays


def test_export_offers_a_gif_of_the_backward_pass(app):
    app.export.button.click()                           # made in the background
    app.export.wait(timeout=120)
    assert app.error.message == ""
    match = re.search(r'href="data:image/gif;base64,([^"]+)"', app.export.link.value)
    data = base64.b64decode(match.group(1))
    assert data[:6] == b"GIF89a"
    with Image.open(io.BytesIO(data)) as gif:
        assert gif.n_frames == len(app.state.recording.backward) + 1 + 2   # title, result


def test_a_refused_first_expression_falls_back_to_the_seed():
    app = build_app(expression="import os")
    assert app.state.recording is not None
    assert "statements" in app.error.message or "not allowed" in app.error.message


def test_practice_and_progress_tabs_open_lazily(app):
    assert app.practice is None and app.progress is None
    app.tabs.selected_index = 1
    assert app.practice is not None and app.tabs.children[1] is app.practice
    app.tabs.selected_index = 2
    assert app.progress is not None and app.tabs.children[2] is app.progress
    assert app.tabs.titles == TutorApp.TAB_TITLES
    assert app.error.message == ""


def test_a_broken_practice_tab_does_not_break_the_dashboard(app, monkeypatch):
    def broken():
        raise ImportError("no exercises today")
    monkeypatch.setattr(app, "_make_practice", broken)
    app.open_tab(1)
    assert isinstance(app.tabs.children[1], widgets.HTML)
    assert "not available" in app.tabs.children[1].value
    app.open_tab(0)
    app.stepper.forward()
    assert app.stepper.status == "forward 1/6"


def test_app_notebook_only_calls_tutor_app():
    notebook = nbformat.read(ROOT / "app.ipynb", as_version=4)
    code = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
    assert code == ["from tutor.app import main\n\nmain()"]


@pytest.mark.notebooks
def test_app_notebook_runs_in_a_kernel(tmp_path, monkeypatch):
    from nbclient import NotebookClient
    notebook = nbformat.read(ROOT / "app.ipynb", as_version=4)
    NotebookClient(notebook, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(ROOT)}}).execute()
    outputs = notebook.cells[-1].outputs
    assert [output.output_type for output in outputs] == ["display_data"]
    assert "application/vnd.jupyter.widget-view+json" in outputs[0].data
