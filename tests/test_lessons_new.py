"""Lessons 11-15: forward mode, Jacobians and Hessians, costs, where differentiation breaks,
and reverse mode derived from forward mode.

What the issue promised of each lesson, read from the notebooks and the catalog without a
kernel (the notebooks themselves run in test_notebooks.py): three exercises or more, two of
them code, every one of them in its notebook; the forward-mode and pass-count questions in
the dashboard's Practice tab, answered there by driving its widgets; and the numbers the
questions and exercises are built on.
"""

import math
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

import tutor.autograd.numpy as anp
import tutor.exercises as ex
from exercise_helpers import answer_of, recording_of, solution_copy
from tutor.autograd import make_jvp
from tutor.exercises.model import secret_of
from tutor.exercises.widgets import PracticePanel

REPO = Path(__file__).resolve().parent.parent
NEW_LESSONS = {11: "11_forward_mode", 12: "12_jacobians_hessians", 13: "13_cost",
               14: "14_where_it_breaks", 15: "15_reverse_from_forward"}
CHECKED = re.compile(r'^ex\.CheckWidget\("(?P<id>[^"]+)"\)$', re.MULTILINE)


@pytest.fixture(autouse=True)
def progress_file(tmp_path, monkeypatch):
    monkeypatch.setenv("TUTOR_PROGRESS_DB", str(tmp_path / "progress.sqlite"))


def checked_in(lesson):
    notebook = nbformat.read(REPO / "lessons" / f"{NEW_LESSONS[lesson]}.ipynb", as_version=4)
    return [match["id"] for cell in notebook.cells if cell.cell_type == "code"
            for match in CHECKED.finditer(cell.source)]


def test_the_catalog_holds_at_least_45_exercises_over_15_lessons():
    """Issue 20.16 adds lesson 15 (the issue of lessons 11-14 asked for 14)."""
    assert len(ex.catalog()) >= 45
    assert {exercise.lesson for exercise in ex.catalog()} == set(range(1, 16))
    assert set(ex.LESSON_TITLES) >= set(range(1, 16))


@pytest.mark.parametrize("lesson", sorted(NEW_LESSONS))
def test_each_new_lesson_has_three_exercises_two_of_code_all_in_its_notebook(lesson):
    exercises = ex.catalog(lesson=lesson)
    assert len(exercises) >= 3
    assert sum(exercise.kind == "function" for exercise in exercises) >= 2
    assert sorted(checked_in(lesson)) == sorted(exercise.id for exercise in exercises)


@pytest.mark.parametrize("lesson", sorted(NEW_LESSONS))
def test_each_new_lesson_has_a_picture_or_a_stepper_and_says_what_comes_next(lesson):
    notebook = nbformat.read(REPO / "lessons" / f"{NEW_LESSONS[lesson]}.ipynb", as_version=4)
    code = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
    assert "plt.show()" in code or "RecordingPlayer(" in code
    summary = notebook.cells[-1].source
    assert summary.startswith("## Summary")
    assert "Next" in summary or "last lesson" in summary


def test_lesson_11_steps_through_forward_mode():
    notebook = nbformat.read(REPO / "lessons" / "11_forward_mode.ipynb", as_version=4)
    code = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
    assert 'mode="forward"' in code and "RecordingPlayer(forward_x)" in code


# --------------------------------------------------------------- the Practice tab

def test_the_practice_tab_offers_next_tangents_pass_counts_and_transposes():
    panel = PracticePanel(seed=0, record=False)
    offered = [value for _, value in panel.chooser.options]
    assert "l11-number-next-tangent" in offered and "l12-number-passes" in offered
    assert "l15-number-transpose" in offered and "l15-choice-transpose" in offered
    assert not any(ex.get(exercise_id).kind == "function" for exercise_id in offered)


@pytest.mark.parametrize("exercise_id", ["l11-number-next-tangent", "l12-number-passes",
                                         "l15-number-transpose"])
def test_a_practice_question_is_answered_by_driving_the_widgets(exercise_id):
    revealed = []
    panel = PracticePanel(seed=4, record=False,
                          on_reveal=lambda recording, k: revealed.append((recording, k)))
    panel.chooser.value = exercise_id
    widget = panel.check_widget
    widget.answer_input.value = "123456"
    widget.check_button.click()
    assert not widget.last_result.passed
    widget.answer_input.value = repr(answer_of(widget.question))
    widget.check_button.click()
    assert widget.last_result.passed
    if exercise_id == "l11-number-next-tangent":
        recording, k = revealed[-1]
        assert recording.mode == "forward"
        assert "step" in panel.reveal_view.value
    if exercise_id == "l15-number-transpose":       # the recorded walk of the transpose
        recording, k = revealed[-1]
        asked = widget.question.text.split("**ḡ_")[2].split("**")[0]
        node = recording.inputs[asked]
        assert recording.state_at(k).adjoints[node] == pytest.approx(
            answer_of(widget.question))


def test_a_next_tangent_question_asks_for_the_tangent_its_step_records():
    exercise = ex.get("l11-number-next-tangent")
    for seed in range(15):
        question = exercise.make_question(np.random.default_rng(seed))
        recording = recording_of(question)
        step = recording.forward[question.reveal_step - 1]
        assert answer_of(question) == pytest.approx(float(step.tangent))
        assert f"ẋ_{step.node}" in question.text
        assert step.tangent_line not in question.text          # the answer is not shown
        state = recording.state_at(question.reveal_step)
        assert state.tangents[step.node] == pytest.approx(answer_of(question))


def test_pass_counts_are_the_columns_the_rows_or_the_cheaper():
    exercise = ex.get("l12-number-passes")
    for seed in range(30):
        question = exercise.make_question(np.random.default_rng(seed))
        n, m = (int(value) for value in
                re.search(r"n = (\d+) numbers? in, m = (\d+) out", question.text).groups())
        expected = (n if "forward-mode" in question.text or "Hessian" in question.text else
                    m if "reverse-mode" in question.text else min(n, m))
        assert answer_of(question) == expected


def test_the_best_segment_is_the_square_root():
    exercise = ex.get("l13-number-segment")
    for seed in range(20):
        question = exercise.make_question(np.random.default_rng(seed))
        length = int(re.search(r"L = (\d+)", question.text).group(1))
        best = min(range(1, length + 1), key=lambda s: length / s + s)
        expected = best if "Which segment length" in question.text else length / best + best
        assert answer_of(question) == pytest.approx(expected)


# ---------------------------------------------------- what the exercises are built on

def test_the_dual_number_jvp_agrees_with_the_library_forward_mode():
    jvp = solution_copy(ex.get("l11-jvp"))
    from tutor.exercises.bank import lesson11
    value, tangent = jvp(lambda x: lesson11.sin(x) * x * x, 0.7, 2.0)
    library_value, library_tangent = make_jvp(lambda x: anp.sin(x) * x * x)(0.7)(2.0)
    assert (value, tangent) == pytest.approx((library_value, library_tangent))


def test_a_wrong_jvp_rule_in_the_notebook_fails_the_jvp_check_too():
    """l11-jvp builds its functions from the Dual primitives beside the answer: a notebook
    whose jvp_multiply is wrong cannot pass it with a right jvp."""
    namespace = {"np": np}
    source = ex.get("l11-jvp").solution_source
    from tutor.exercises.randfun import Dual
    exec(compile(source, "<learner's cell>", "exec"), namespace)  # noqa: S102 (a learner's cell)

    class WrongDual(Dual):
        def __mul__(self, other):                       # forgets x · ẏ
            other = other if isinstance(other, Dual) else Dual(other, 0.0)
            return WrongDual(self.value * other.value, self.tangent * other.value)
        __rmul__ = __mul__

    lift = lambda a: a if isinstance(a, Dual) else WrongDual(a, 0.0)        # noqa: E731
    namespace.update(Dual=WrongDual, **{name: (lambda f: lambda a: WrongDual(
        getattr(np, f)(lift(a).value), lift(a).tangent * {"sin": np.cos, "exp": np.exp}.get(
            f, lambda v: 1.0)(lift(a).value)))(name) for name in ("sin", "cos", "exp", "tanh")})
    assert not ex.check("l11-jvp", namespace["jvp"], record=False).passed


def test_jacobians_that_call_the_library_are_told_to_build_them():
    from tutor.autograd import jacobian as library_jacobian

    def jacobian_forward(f, x):
        return library_jacobian(f)(x)

    result = ex.check("l12-jacobian-forward", jacobian_forward, record=False)
    assert not result.passed and "library's `jacobian`" in result.message


def test_the_hessian_vector_product_that_forms_the_hessian_is_refused():
    from tutor.autograd import hessian

    def hvp(f, x, v):
        return hessian(f)(x) @ v

    result = ex.check("l12-hvp", hvp, record=False)
    assert not result.passed and "hessian" in result.message


def test_segment_lengths_meet_their_bounds():
    segment_length = solution_copy(ex.get("l13-segment-length"))
    for length in (4, 10, 99, 400, 1000):
        best = min(math.ceil(length / s) + s for s in range(1, length + 1))
        s = segment_length(length, best)
        assert math.ceil(length / s) + s <= best
        assert math.ceil(length / (s + 1)) + s + 1 > best or s == length     # the longest
    too_long = ex.check("l13-segment-length", lambda L, bound: L, seed=0, record=False)
    assert not too_long.passed and "at the peak" in too_long.message
    square_root = ex.check("l13-segment-length", lambda L, bound: math.isqrt(L), seed=0,
                           record=False)
    assert not square_root.passed and "the longest segment that fits" in square_root.message


def test_a_chain_checkpointed_whole_or_not_at_all_is_told_which():
    from tutor.autograd import checkpoint

    def whole(steps, every):
        def run(x):
            for step in steps:
                x = step(x)
            return x
        return checkpoint(run)

    def none_at_all(steps, every):
        def run(x):
            for step in steps:
                x = step(x)
            return x
        return run

    too_few = ex.check("l13-checkpointed-chain", whole, record=False)
    too_many = ex.check("l13-checkpointed-chain", none_at_all, record=False)
    assert not too_few.passed and "one segment" in too_few.message
    assert not too_many.passed and "wrap each segment in checkpoint" in too_many.message


def test_the_naive_answers_of_lesson_14_fail_where_they_break():
    def x_log_x(x):
        return anp.where(x > 0, x * anp.log(x), 0.0)

    def logsumexp(x):
        return np.log(np.sum(np.exp(x)))

    def vjp_logsumexp(ans, x):
        return lambda g: g * np.exp(x) / np.sum(np.exp(x))

    nan_gradient = ex.check("l14-x-log-x", x_log_x, record=False)
    assert nan_gradient.problem == "nan" and "the values are right" in nan_gradient.message
    assert ex.check("l14-logsumexp", logsumexp, record=False).problem in ("value", "nan")
    assert ex.check("l14-vjp-logsumexp", vjp_logsumexp, record=False).problem == "nan"


def test_the_branch_question_is_the_derivative_of_the_branch_taken():
    from tutor.autograd import grad
    exercise = ex.get("l14-number-branch")
    for seed in range(20):
        question = exercise.make_question(np.random.default_rng(seed))
        c, a, b = (int(value) for value in re.search(
            r"if x > (-?\d+):\n        return (-?\d+) \* x \*\* 2\n    return (-?\d+) \* x",
            question.text).groups())
        x0 = float(re.search(r"grad\(f\)\((-?\d+)\.0\)", question.text).group(1))

        def f(x):
            return a * x ** 2 if x > c else b * x

        assert answer_of(question) == pytest.approx(grad(f)(x0))
        assert secret_of(question).explanation


def test_the_dashboard_shows_the_step_of_a_next_tangent_answer_in_forward_mode():
    from tutor.app import build_app
    app = build_app()
    app.open_tab(1)                                     # Practice
    app.practice.chooser.value = "l11-number-next-tangent"
    widget = app.practice.check_widget
    widget.answer_input.value = repr(answer_of(widget.question))
    widget.check_button.click()
    assert widget.last_result.passed
    assert app.state.recording.mode == "forward"
    assert app.state.k == widget.question.reveal_step
    step = app.state.recording.forward[app.state.k - 1]
    assert app.state.recording.state_at(app.state.k).tangents[step.node] == pytest.approx(
        answer_of(widget.question))


def test_the_progress_tab_counts_the_new_lessons():
    from tutor.exercises.widgets import ProgressView
    assert ex.check("l11-jvp-sin", solution_copy(ex.get("l11-jvp-sin"))).passed
    view = ProgressView()
    bar, label = view.rows[11]
    assert label.value == f"1 / {len(ex.catalog(lesson=11))} passed" and bar.value == 1
    for lesson in (12, 13, 14):
        assert view.rows[lesson][1].value == f"0 / {len(ex.catalog(lesson=lesson))} passed"



# ------------------------------------------------- lesson 15: reverse mode from forward mode

def test_linearize_then_transpose_is_the_vjp_on_random_functions():
    """The construction itself: the course's linearize and transpose, composed, agree with
    tutor.autograd's reverse mode (which shares no code with them)."""
    from tutor.autograd import grad
    from tutor.exercises.randfun import _DUAL, evaluate, make_function, random_smooth
    linearize = solution_copy(ex.get("l15-linearize"))
    transpose = solution_copy(ex.get("l15-transpose"))
    rng = np.random.default_rng(15)
    for _ in range(10):
        expr = random_smooth(rng, ("x",), size=4)
        x, g = float(rng.uniform(-1.5, 1.5)), float(rng.uniform(-2, 2))
        value, program = linearize(lambda v: evaluate(expr, {"x": v}, _DUAL), x)
        derived = transpose(program, g)[0]
        assert derived == pytest.approx(g * grad(make_function(expr, ("x",), "autograd"))(x))


def test_a_tangent_times_a_tangent_cannot_be_written_down():
    from tutor.exercises.linear import NotLinear, Program
    program = Program()
    t = program.input()
    with pytest.raises(NotLinear, match="tangent times a tangent"):
        t * t
    with pytest.raises(NotLinear, match="not linear"):
        t + 1.0


def test_a_wrong_jvp_rule_shows_up_in_linearize_as_not_linear():
    """Lesson 15's own Dual, on a jvp_multiply that multiplies the tangents: the learner's
    linearize is told that the rule is not linear."""
    notebook = nbformat.read(REPO / "lessons" / f"{NEW_LESSONS[15]}.ipynb", as_version=4)
    cell = next(cell.source for cell in notebook.cells if cell.get("id") == "l15-03")
    rules = ("def jvp_multiply(x, x_dot, y, y_dot):\n    return x_dot * y_dot\n"
             "def jvp_divide(x, x_dot, y, y_dot):\n    return (x_dot * y - x * y_dot) / y**2\n"
             "def jvp_sin(x, x_dot):\n    return x_dot * np.cos(x)\n")
    from tutor.exercises.linear import Program
    namespace = {"np": np, "Program": Program}
    source = rules + cell[cell.index("class Dual"):] + "\n" + \
        ex.get("l15-linearize").solution_source
    exec(compile(source, "<learner's cells>", "exec"), namespace)  # noqa: S102
    results = [ex.check("l15-linearize", namespace["linearize"], seed=seed, record=False)
               for seed in range(6)]
    assert not any(result.passed for result in results)
    assert any("tangent times a tangent" in result.message for result in results), results


def test_the_transpose_choice_names_the_slip_of_each_wrong_option():
    from tutor.exercises.checking import check_answer
    exercise = ex.get("l15-choice-transpose")
    for seed in range(8):
        question = exercise.make_question(np.random.default_rng(seed))
        for option in question.options:
            if option != answer_of(question):
                message = check_answer(exercise, option, question).message
                assert len(message) > len(f"Not this one: {option}.") + 10, message
                break
