"""Running out of memory in the dashboard: the learner reads it in plain words on the page,
and the last graph that worked stays on screen with its function and values.

The server gives each learner's kernel an address-space limit, so a big enough array or
graph fails with ``MemoryError`` somewhere in recording or drawing. Here the failure is
made on purpose by patching one function to raise it.
"""

import pytest

import tutor.widgets.explorer as explorer_module
import tutor.widgets.story as story_module
from tutor.app import build_app
from tutor.widgets import ErrorArea, guarded
from tutor.widgets.common import MEMORY_MESSAGE

PLAIN = "more memory than this server gives one learner: try smaller arrays"


@pytest.fixture
def app():
    app = build_app(expression="x*y + 1", values="x=2, y=3")
    app.stepper.to_end()
    return app


def out_of_memory(*args, **kwargs):
    raise MemoryError()


def assert_still_showing(app, recording, expression="x*y + 1", values="x=2, y=3"):
    assert app.state.recording is recording
    assert app.stepper.recording is recording
    assert app.explorer.recording is recording
    assert (app.explorer.shown_expression, app.explorer.shown_values) == (expression, values)
    assert list(app.explorer.wrt.options) == ["x", "y"]
    assert "still shows the last input that worked" in app.explorer.shown.value


def test_a_guarded_callback_says_memory_in_plain_words():
    area = ErrorArea()

    @guarded(area, "stepping")
    def step(_):
        raise MemoryError()

    step(None)
    assert area.message.startswith(MEMORY_MESSAGE) and PLAIN in area.message
    assert "while stepping" in area.message and "MemoryError" not in area.message
    assert isinstance(area.failure, MemoryError)


def test_recording_out_of_memory_keeps_the_last_graph(app, monkeypatch):
    before = app.state.recording
    monkeypatch.setattr(explorer_module, "record", out_of_memory)
    app.explorer.expression.value = "sum(x * y)"
    assert PLAIN in app.error.message and "previous graph is still shown" in app.error.message
    assert "MemoryError" not in app.error.message and app.error.kind == "error"
    assert_still_showing(app, before)
    assert app.explorer.expression.value == "sum(x * y)"     # what was typed is not lost
    monkeypatch.undo()
    app.explorer.submit()                                    # and it works again after
    assert app.error.message == "" and app.state.recording is not before


def test_drawing_out_of_memory_goes_back_to_the_last_graph(app, monkeypatch):
    before = app.state.recording
    k = app.state.k
    monkeypatch.setattr(story_module, "story_json", out_of_memory)
    app.explorer.values.value = "x=5"              # the new function records, but cannot be drawn
    app.explorer.expression.value = "x*x*x"
    assert PLAIN in app.error.message and "previous graph is still shown" in app.error.message
    assert_still_showing(app, before)
    assert app.explorer.values.value == "x=5"      # the boxes keep what the learner typed
    assert app.state.k == 0 and k > 0              # the old graph, shown from its start
    app.stepper.forward()                          # and the page still steps
    assert app.state.k == 1 and app.stepper.k == 1


def test_stepping_out_of_memory_is_said_on_the_page(app, monkeypatch):
    def full(state):
        raise MemoryError()
    monkeypatch.setattr(app.state, "_observers", [app.state._observers[0], full])
    app.stepper.reset()
    assert PLAIN in app.error.message and "stepping" in app.error.message
    monkeypatch.undo()
    app.stepper.forward()
    assert app.state.k == 1
