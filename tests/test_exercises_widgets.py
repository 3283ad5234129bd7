"""The exercise widgets, driven from Python the way a learner's clicks drive them."""

import json

import numpy as np
import pytest

import tutor.exercises as ex
from exercise_helpers import answer_of, recording_of
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
    widget.answer_input.value = str(answer_of(first))
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
    widget.answer_input.value = str(answer_of(widget.question))
    widget.check_button.click()
    assert widget.last_result.passed


def test_a_choice_widget_offers_the_options():
    widget = CheckWidget("l04-choice-dunder", seed=0)
    assert list(widget.answer_input.options) == list(widget.question.options)
    widget.answer_input.value = answer_of(widget.question)
    widget.check_button.click()
    assert widget.last_result.passed


def test_an_expression_widget_checks_typed_formulas():
    widget = CheckWidget("l01-expr-dfdx", seed=0)
    widget.answer_input.value = "2/x + y"
    widget.check_button.click()
    assert widget.last_result.passed
    assert widget.check_button.disabled                # answered: the explanation is out
    assert widget.next_button.description == "Start again"   # a fixed question restarts
    widget.next_button.click()
    assert not widget.check_button.disabled


def test_question_solutions_show_the_current_answer():
    widget = CheckWidget("l02-number-precedence", seed=2)
    for _ in range(3):
        widget.answer_input.value = str(answer_of(widget.question) + 1)
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
    for guess in range(1, 4):                                     # three wrong guesses
        assert revealed == []                                     # not while tries are left
        widget.answer_input.value = str(answer_of(question) + guess)
        widget.check_button.click()
        assert not widget.last_result.passed
    assert widget.last_result.revealed
    (recording, k), = revealed
    assert recording is recording_of(question) and k == question.reveal_step
    state = recording.state_at(k)
    assert state.adjoints[state.step.parent] == pytest.approx(answer_of(question))
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


# --------------------------------------------------------------- tries, hints, reveals

def test_a_wrong_number_answer_gets_a_hint_and_another_try():
    widget = CheckWidget("l06-number-next-adjoint", seed=5, record=False)
    question = widget.question
    widget.answer_input.value = str(answer_of(question) + 7)
    widget.check_button.click()
    result = widget.last_result
    assert not result.passed and result.tries_left == 2 and not result.revealed
    assert format(answer_of(question), "g") not in result.message.split("is not it")[1]
    assert "Try again (2 tries left)" in widget.feedback.value
    assert widget.hints_shown == 1 and "<li>" in widget.hint_view.value
    assert not widget.check_button.disabled and not widget.answer_input.disabled
    widget.answer_input.value = str(answer_of(question))
    widget.check_button.click()
    assert widget.last_result.passed and widget.question is question
    assert widget.check_button.disabled and widget.hint_button.disabled
    assert widget.next_button.button_style == "info"


def test_the_answer_comes_out_after_the_last_try_then_a_new_question_is_offered():
    widget = CheckWidget("l03-number-node-value", seed=2, record=False)
    question = widget.question
    for guess in range(3):
        widget.answer_input.value = str(answer_of(question) + 10 + guess)
        widget.check_button.click()
    result = widget.last_result
    assert result.revealed and result.tries_left == 0
    assert "The answer is" in result.message
    assert widget.check_button.disabled and widget.solution_button.disabled
    assert widget.hint_button.disabled                  # no hint once the answer is out
    widget.next_button.click()
    assert widget.question is not question
    assert not widget.check_button.disabled and not widget.solution_button.disabled
    assert widget.hint_view.value == "" and not widget.hint_button.disabled


def test_show_solution_on_a_question_uses_it_up():
    widget = CheckWidget("l10-number-sgd", seed=3, record=False)
    question = widget.question
    assert not widget.solution_button.disabled          # the learner may ask at once
    widget.solution_button.click()
    assert widget.solution_view.value
    assert widget.check_button.disabled and widget.hint_button.disabled
    # Answering the shown question now is refused and not an attempt.
    refused = ex.check("l10-number-sgd", answer_of(question), question)
    assert not refused.passed and refused.problem == "invalid"
    assert "already out" in refused.message
    assert ex.progress().attempts == {}


def test_a_choice_question_takes_two_tries():
    widget = CheckWidget("l05-choice-vjp-formula", seed=1, record=False)
    question = widget.question
    wrong = [option for option in question.options if option != answer_of(question)]
    widget.answer_input.value = wrong[0]
    widget.check_button.click()
    assert widget.last_result.tries_left == 1
    assert "right option" not in widget.last_result.message
    widget.answer_input.value = wrong[1]
    widget.check_button.click()
    assert widget.last_result.revealed
    assert f"The right option is {answer_of(question)}." in widget.last_result.message


def test_practice_titles_and_feedback_use_the_lessons_words_not_ids():
    panel = PracticePanel(seed=0, record=False)
    widget = panel.check_widget
    assert "l06-number-next-adjoint" not in widget.children[0].value
    assert "Lesson 6: The backward pass" in widget.children[0].value
    widget.answer_input.value = "12345"
    widget.check_button.click()
    assert "l06-" not in widget.feedback.value


# ------------------------------------------------- the kernel decides what a click does

def comm_message(widget, data):
    """What arrives in the kernel when a page sends ``data`` over the widget's comm."""
    widget._handle_msg({"content": {"data": data}, "buffers": []})


def click_from_the_page(button):
    comm_message(button, {"method": "custom", "content": {"event": "click"}})


def test_a_click_sent_to_a_disabled_check_does_nothing():
    widget = CheckWidget("l06-number-next-adjoint", seed=7)
    question = widget.question
    widget.solution_button.click()                      # the answer is out: Check is off
    assert widget.check_button.disabled
    comm_message(widget.answer_input, {"method": "update",
                                       "state": {"value": str(answer_of(question))}})
    click_from_the_page(widget.check_button)
    assert widget.last_result is None                   # nothing was checked
    # Even a page that first switches the button back on gets nowhere.
    comm_message(widget.check_button, {"method": "update", "state": {"disabled": False}})
    click_from_the_page(widget.check_button)
    assert widget.last_result is None
    assert ex.progress().attempts == {}


def test_a_click_sent_to_a_disabled_show_solution_does_nothing():
    widget = CheckWidget("l05-vjp-sin", lambda: wrong_vjp_sin)
    assert widget.solution_button.disabled              # offered after three failures
    comm_message(widget.solution_button, {"method": "update", "state": {"disabled": False}})
    click_from_the_page(widget.solution_button)
    assert widget.solution_view.value == ""
    for _ in range(3):
        click_from_the_page(widget.check_button)
    click_from_the_page(widget.solution_button)
    assert "def vjp_sin" in widget.solution_view.value


def test_an_enabled_button_still_works_from_the_page():
    widget = CheckWidget("l06-number-next-adjoint", seed=8, record=False)
    comm_message(widget.answer_input, {"method": "update",
                                       "state": {"value": str(answer_of(widget.question))}})
    click_from_the_page(widget.check_button)
    assert widget.last_result.passed


# ------------------------------------------------ learners on one shared server (issue 9.3)

@pytest.fixture
def shared_server(tmp_path, monkeypatch):
    """A dashboard server of many learners: no progress file named, no JupyterHub."""
    monkeypatch.delenv("TUTOR_PROGRESS_DB", raising=False)
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    monkeypatch.delenv("QUERY_STRING", raising=False)
    monkeypatch.setenv("VOILA_KERNEL_ID", "a-kernel-of-a-class-server")   # Voila's kernels
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return tmp_path / "data" / "autograd-tutor"


def answer_wrong_three_times(panel):
    widget = panel.check_widget
    for guess in range(3):
        widget.answer_input.value = str(answer_of(widget.question) + 100 + guess)
        widget.check_button.click()
    return widget.last_result


def test_two_pages_on_one_server_never_share_progress(shared_server):
    from tutor.exercises.learners import Learner
    ana, ben = Learner(), Learner()                      # two pages, two kernels
    assert ana.shared and ana.store.path != ben.store.path
    practice = PracticePanel(seed=0, learner=ana)
    assert answer_wrong_three_times(practice).revealed
    assert ana.store.summary(ex.catalog()).attempts == {"l06-number-next-adjoint": 3}
    view = ProgressView(learner=ben)
    assert all(label.value.startswith("0 /") for _, label in view.rows.values())
    assert json.loads(view.export())["attempts"] == []
    assert "this page only" in view.learner_box.status.value


def test_a_name_keeps_a_learners_progress_and_carries_the_page_over(shared_server):
    from tutor.exercises.learners import Learner
    ana = Learner()
    practice = PracticePanel(seed=1, learner=ana)
    answer_wrong_three_times(practice)
    practice.learner_box.name_input.value = "Ana Lima"
    assert ana.name == "Ana Lima"
    assert ana.store.path.parent == shared_server / "learners"
    assert ana.store.path.name.startswith("ana-lima--")   # readable, and Ana Lima's only
    assert len(ana.store.attempts()) == 3                 # the page's attempts came along
    assert "Saving progress as Ana Lima" in practice.learner_box.status.value
    # The next answer goes to her file.
    practice.check_widget.next_button.click()
    answer_wrong_three_times(practice)
    assert len(Learner(name="Ana Lima").store.attempts()) == 6
    # Another learner, unnamed or named otherwise, sees none of it.
    assert Learner().store.attempts() == [] and Learner(name="Ben").store.attempts() == []


def test_a_teachers_link_names_the_learner(shared_server, monkeypatch):
    from tutor.exercises.learners import Learner, name_from_query
    monkeypatch.setenv("QUERY_STRING", "learner=ana&other=1")
    assert Learner().name == "ana"
    assert name_from_query("learner=../../etc") is None   # not a name: ignored


def test_a_bad_name_is_refused_in_the_page(shared_server):
    from tutor.exercises.learners import Learner
    view = ProgressView(learner=Learner())
    view.learner_box.name_input.value = "../../secret"
    assert "Type a name" in view.learner_box.status.value


def test_one_learner_servers_keep_using_their_own_file(tmp_path, monkeypatch):
    from tutor.exercises.learners import Learner
    monkeypatch.setenv("TUTOR_PROGRESS_DB", str(tmp_path / "mine.sqlite"))
    learner = Learner()
    assert not learner.shared and learner.store.path == tmp_path / "mine.sqlite"
    view = ProgressView(learner=learner)
    assert view.learner_box.children == (view.learner_box.status,)   # no name box
    monkeypatch.delenv("TUTOR_PROGRESS_DB")
    monkeypatch.setenv("VOILA_KERNEL_ID", "a-kernel")
    monkeypatch.setenv("JUPYTERHUB_USER", "ana")
    assert not Learner().shared                           # JupyterHub: the home is hers
    monkeypatch.delenv("JUPYTERHUB_USER")
    monkeypatch.delenv("VOILA_KERNEL_ID")
    monkeypatch.delenv("VOILA_PREHEAT", raising=False)
    monkeypatch.delenv("SERVER_SOFTWARE", raising=False)
    assert not Learner().shared                           # not Voila: the learner's own kernel


def test_progress_says_where_each_lessons_exercises_are():
    view = ProgressView()
    text = exercise_widgets.where_they_are(1)
    assert "in Practice" in text and "lesson 1's notebook" in text
    assert view.export_button.layout.width == "auto"      # the label is not cut off


# --------------------------------------------- a fixed question after its answer was shown

def test_a_fixed_question_re_answered_after_its_answer_was_shown_is_not_passed(tmp_path):
    from tutor.exercises.store import ProgressStore
    store = ProgressStore(tmp_path / "fixed.sqlite")
    ex.ask("l01-expr-dfdx", seed=0)
    for _ in range(3):                                       # every try used: answer shown
        result = ex.check("l01-expr-dfdx", "2/x", store=store)
    assert result.revealed and "2/x + y" in result.message
    ex.ask("l01-expr-dfdx", seed=1)                         # the same question again
    copied = ex.check("l01-expr-dfdx", "2/x + y", store=store)
    assert not copied.passed and copied.problem == "answer-seen"
    assert "does not count as passed" in copied.message and "Right" in copied.message
    assert "l01-expr-dfdx" not in store.summary().passed
    assert ex.check("l01-expr-dfdx", "2/x + y", store=store).problem == "invalid"  # used up


def test_start_again_after_show_solution_says_it_will_not_count():
    widget = CheckWidget("l01-expr-dfdx", seed=0)
    assert widget.feedback.value == ""
    widget.solution_button.click()
    assert "2/x + y" in widget.solution_view.value
    widget.next_button.click()                               # "Start again"
    assert "not counted as passed" in widget.feedback.value
    widget.answer_input.value = "2/x + y"
    widget.check_button.click()
    assert not widget.last_result.passed
    assert "Right, but not counted" in widget.feedback.value
    assert widget.check_button.disabled                      # used up: offer it again


def test_a_fixed_question_answered_right_first_still_passes_after_starting_again():
    widget = CheckWidget("l01-expr-dfdx", seed=0)
    widget.answer_input.value = "y + 2/x"
    widget.check_button.click()
    widget.next_button.click()
    widget.answer_input.value = "2/x + y"
    widget.check_button.click()
    assert widget.last_result.passed                         # nothing was shown before a pass


def test_a_fresh_question_after_a_shown_answer_counts():
    widget = CheckWidget("l02-number-precedence", seed=2)
    widget.solution_button.click()
    widget.next_button.click()                               # a new question, other numbers
    assert widget.feedback.value == ""
    widget.answer_input.value = str(answer_of(widget.question))
    widget.check_button.click()
    assert widget.last_result.passed
