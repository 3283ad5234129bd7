"""The exercise widgets, driven from Python the way a learner's clicks drive them."""

import json

import numpy as np
import pytest

import tutor.exercises as ex
from tutor.exercises import widgets as exercise_widgets
from tutor.exercises.widgets import CheckWidget, PracticePanel, ProgressView


@pytest.fixture(autouse=True)
def progress_file(tmp_path, monkeypatch):
    monkeypatch.setenv("TUTOR_PROGRESS_DB", str(tmp_path / "progress.sqlite"))


def right_vjp_sin(ans, x):
    return lambda g: g * np.cos(x)


def wrong_vjp_sin(ans, x):
    return lambda g: g * np.sin(x)


def test_the_widgets_are_exported_from_the_package():
    assert ex.CheckWidget is CheckWidget
    assert ex.PracticePanel is PracticePanel
    assert ex.ProgressView is ProgressView


def test_check_button_shows_the_result_inline():
    widget = CheckWidget("l05-vjp-sin", lambda: right_vjp_sin)
    widget.check_button.click()
    assert widget.last_result.passed
    assert "Passed" in widget.feedback.value
    assert "tutor-exercise" in widget._dom_classes


def test_the_learners_latest_definition_is_checked():
    answers = {"current": wrong_vjp_sin}
    widget = CheckWidget("l05-vjp-sin", lambda: answers["current"])
    widget.check_button.click()
    assert not widget.last_result.passed
    answers["current"] = right_vjp_sin
    widget.check_button.click()
    assert widget.last_result.passed


def test_by_default_the_function_is_found_in_the_notebook(monkeypatch):
    namespace = {}
    monkeypatch.setattr(exercise_widgets, "_user_namespace", lambda: namespace)
    widget = CheckWidget("l05-vjp-sin")
    widget.check_button.click()
    assert widget.last_result is None
    assert "Define `vjp_sin`" in widget.feedback.value
    namespace["vjp_sin"] = right_vjp_sin
    widget.check_button.click()
    assert widget.last_result.passed


def test_the_solution_is_offered_after_three_failed_attempts():
    widget = CheckWidget("l05-vjp-sin", lambda: wrong_vjp_sin)
    for attempt in range(3):
        assert widget.solution_button.disabled
        widget.check_button.click()
    assert not widget.solution_button.disabled
    widget.solution_button.click()
    assert "def vjp_sin(ans, x)" in widget.solution_view.value


def test_hints_are_revealed_in_stages():
    widget = CheckWidget("l06-toposort", lambda: None)
    hints = ex.get("l06-toposort").hints
    widget.hint_button.click()
    assert widget.hint_view.value.count("<li>") == 1
    for _ in range(len(hints) - 1):
        widget.hint_button.click()
    assert widget.hint_view.value.count("<li>") == len(hints)
    assert widget.hint_button.disabled


def test_an_endless_loop_in_a_widget_check_is_stopped():
    def vjp_sin(ans, x):
        while True:
            pass
    widget = CheckWidget("l05-vjp-sin", lambda: vjp_sin, time_limit=0.3)
    widget.check_button.click()
    assert widget.last_result.problem == "timeout"
    assert "endless loop" in widget.feedback.value


def test_checks_from_the_widget_are_recorded():
    CheckWidget("l05-vjp-sin", lambda: right_vjp_sin).check_button.click()
    assert ex.progress().passed == {"l05-vjp-sin"}


def test_a_number_question_takes_one_attempt_then_a_new_question():
    widget = CheckWidget("l09-number-second-derivative", seed=4)
    first = widget.question
    assert "second derivative" in widget.question_view.value
    widget.answer_input.value = str(first.answer)
    widget.check_button.click()
    assert widget.last_result.passed
    assert widget.check_button.disabled and widget.answer_input.disabled
    widget.next_button.click()
    assert widget.question is not first
    assert not widget.check_button.disabled and widget.answer_input.value == ""


def test_an_unreadable_number_can_be_corrected_without_losing_the_question():
    widget = CheckWidget("l10-number-sgd", seed=1)
    widget.answer_input.value = "about three"
    widget.check_button.click()
    assert widget.last_result.problem == "invalid"
    assert not widget.check_button.disabled and widget.failures == 0
    widget.answer_input.value = str(widget.question.answer)
    widget.check_button.click()
    assert widget.last_result.passed


def test_a_choice_widget_offers_the_options():
    widget = CheckWidget("l04-choice-dunder", seed=0)
    assert list(widget.answer_input.options) == list(widget.question.options)
    widget.answer_input.value = widget.question.answer
    widget.check_button.click()
    assert widget.last_result.passed


def test_an_expression_widget_checks_typed_formulas():
    widget = CheckWidget("l01-expr-dfdx", seed=0)
    widget.answer_input.value = "2/x + y"
    widget.check_button.click()
    assert widget.last_result.passed
    assert not widget.check_button.disabled           # a fixed question may be retried


def test_question_solutions_show_the_current_answer():
    widget = CheckWidget("l02-number-precedence", seed=2)
    for _ in range(3):
        widget.answer_input.value = str(widget.question.answer + 1)
        widget.check_button.click()
        widget.next_button.click()
    widget.solution_button.click()
    assert widget.solution_view.value
    assert "Python groups it as" in widget.solution_view.value


# ----------------------------------------------------------------------- Practice tab

def test_practice_offers_only_questions_never_code():
    panel = PracticePanel(seed=0, record=False)
    offered = [value for _, value in panel.chooser.options]
    assert offered and all(ex.get(exercise_id).kind != "function" for exercise_id in offered)
    with pytest.raises(ValueError):
        PracticePanel(["l05-vjp-sin"])


def test_practice_reveals_the_step_in_the_stepper_after_an_answer():
    revealed = []
    panel = PracticePanel(seed=3, on_reveal=lambda recording, k: revealed.append((recording, k)),
                          record=False)
    assert panel.chooser.value == "l06-number-next-adjoint"
    widget = panel.check_widget
    question = widget.question
    widget.answer_input.value = "no idea"                         # not an attempt yet
    widget.check_button.click()
    assert revealed == []
    widget.answer_input.value = str(question.answer + 1)         # a wrong guess
    widget.check_button.click()
    assert not widget.last_result.passed
    (recording, k), = revealed
    assert recording is question.recording and k == question.reveal_step
    state = recording.state_at(k)
    assert state.adjoints[state.step.parent] == pytest.approx(question.answer)
    assert "step" in panel.reveal_view.value


def test_practice_switches_between_exercises():
    panel = PracticePanel(seed=1, record=False)
    panel.chooser.value = "l05-choice-vjp-formula"
    assert panel.check_widget.exercise.id == "l05-choice-vjp-formula"
    assert panel.check_widget.answer_input.options


# ------------------------------------------------------------------------ progress

def test_progress_view_shows_passes_per_lesson_and_exports_json():
    view = ProgressView()
    bar, label = view.rows[5]
    assert bar.value == 0 and label.value.startswith("0 /")
    ex.check("l05-vjp-sin", right_vjp_sin)
    view.refresh_button.click()
    assert bar.value == 1 and label.value == f"1 / {len(ex.catalog(lesson=5))} passed"
    view.export_button.click()
    assert "data:application/json;base64," in view.download.value
    assert json.loads(view.export())["passed"] == 1


def test_progress_view_reports_a_corrupt_store(tmp_path, monkeypatch):
    path = tmp_path / "damaged.sqlite"
    path.write_bytes(b"not a database at all " * 40)
    monkeypatch.setenv("TUTOR_PROGRESS_DB", str(path))
    with pytest.warns(UserWarning):
        view = ProgressView()
    assert "moved aside" in view.notice.value
