"""Practice and Explore agree (issue 21, items 2 and 5), driven from Python: after a
Practice answer the Explore tab's boxes, menus, Shown line and stepper all show the
question's function; the sentence saying so goes with the question; a name taken in
Progress shows in Practice; Progress titles are never cut."""

import pytest

import tutor.exercises.learners as learners
from exercise_helpers import answer_of, recording_of
from tutor.app import build_app


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("TUTOR_PROGRESS_DB", str(tmp_path / "progress.sqlite"))
    app = build_app()
    app.open_tab(1)
    return app


def give_up(widget):
    """Three wrong answers: the answer is out."""
    question = widget.question
    for guess in range(1, 4):
        widget.answer_input.value = str(answer_of(question) + guess)
        widget.check_button.click()
    return question


def test_a_practice_answer_switches_the_explore_boxes_to_its_function(app):
    widget = app.practice.check_widget
    question = give_up(widget)
    recording = recording_of(question)
    assert app.state.recording is recording and app.state.k == question.reveal_step
    explorer = app.explorer
    assert explorer.expression.value == recording.function_text
    shown_values = ", ".join(f"{name}={int(value)}" for name, value in
                             ((name, recording.arguments[name]) for name in explorer.variables))
    assert explorer.values.value == shown_values
    assert explorer.wrt.value == recording.wrt and explorer.examples.value == ""
    assert f"Shown: f = {recording.function_text} at {shown_values}" in explorer.shown.value
    assert explorer.recording is recording and app.cost.recording is recording
    assert "Practice tab" in explorer.note.value
    reveal = app.practice.reveal_view.value
    assert "<b>Explore</b> tab now shows this function" in reveal
    assert f"step {question.reveal_step} of {recording.steps}" in reveal
    widget.next_button.click()                               # New question
    assert app.practice.reveal_view.value == ""


def test_enter_in_a_box_after_practice_records_the_boxes_again(app):
    give_up(app.practice.check_widget)
    practice_recording = app.state.recording
    app.explorer.values.submit()                             # Enter on the text shown
    assert app.state.recording is not practice_recording
    assert app.state.recording.function_text == practice_recording.function_text
    assert app.state.recording.gradient == pytest.approx(practice_recording.gradient)


def test_a_name_taken_in_progress_shows_in_practice(tmp_path, monkeypatch):
    for name in ("TUTOR_PROGRESS_DB", "JUPYTERHUB_USER", "QUERY_STRING"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("VOILA_KERNEL_ID", "a-kernel-of-a-class-server")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setattr(learners, "_THIS_PAGE", None)
    app = build_app()
    app.open_tab(1)
    assert "Progress is kept for this page only" in app.practice.learner_box.status.value
    app.open_tab(2)
    app.progress.learner_box.name_input.value = "Ada"
    app.open_tab(1)
    assert "Progress is kept for this page only" not in app.practice.learner_box.status.value
    assert app.practice.learner_box.name_input.value == "Ada"


def test_progress_titles_wrap_instead_of_being_cut(app):
    app.open_tab(2)
    titles = [child for row in app.progress.children if "tutor-progress-lesson" in
              getattr(row, "_dom_classes", ()) for child in row.children[:1]]
    assert titles and all(type(title).__name__ == "HTML" for title in titles)
    assert any("12. Which mode" in title.value for title in titles)


def test_a_program_computing_a_part_once_is_said_to_have_a_smaller_graph(app):
    from tutor.record import record

    def f(x, y):
        shared = 3 + x * y
        return shared + shared
    f.text = "3 + x * y + 3 + x * y"                   # what the Practice question's text is
    recording = record(f, 3.0, 3.0, argnum=1)
    assert app.explorer.show_recording(recording)
    assert "computes a repeated part once" in app.explorer.note.value
    assert app.explorer.expression.value == "3 + x * y + 3 + x * y"
    f.text = "no formula ("
    assert not app.explorer.show_recording(record(f, 3.0, 3.0))
    assert "press Enter in a box to go back to yours" in app.explorer.note.value
