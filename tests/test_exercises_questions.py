"""Number, choice and expression exercises: questions drawn fresh per attempt, checked
against the answer, and (for recorded functions) consistent with the Recording they show."""

import numpy as np
import pytest

import tutor.exercises as ex
from tutor.exercises.checking import read_number
from tutor.exercises.practice import derivative_question, join_terms, vjp_formulas
from tutor.exercises.randfun import (Apply, Const, Var, derivative, evaluate, make_function,
                                     random_program, random_smooth, second_derivative,
                                     to_program, to_text)

QUESTION_EXERCISES = [exercise for exercise in ex.catalog() if exercise.kind != "function"]
QUESTION_IDS = [exercise.id for exercise in QUESTION_EXERCISES]


@pytest.fixture(autouse=True)
def progress_file(tmp_path, monkeypatch):
    monkeypatch.setenv("TUTOR_PROGRESS_DB", str(tmp_path / "progress.sqlite"))


def wrong_answer(exercise, question):
    if exercise.kind == "number":
        return question.answer + 1
    if exercise.kind == "choice":
        return next(option for option in question.options if option != question.answer)
    return f"({question.answer}) + 1"


@pytest.mark.parametrize("exercise", QUESTION_EXERCISES, ids=QUESTION_IDS)
def test_the_solution_answers_every_drawn_question(exercise):
    for seed in range(8):
        question = ex.ask(exercise.id, seed=seed)
        assert question.text and question.exercise_id == exercise.id
        result = ex.check(exercise.id, exercise.solution(question), question, record=False)
        assert result.passed, (question.text, result)


@pytest.mark.parametrize("exercise", QUESTION_EXERCISES, ids=QUESTION_IDS)
def test_a_wrong_answer_fails_and_shows_the_right_one(exercise):
    for seed in range(5):
        question = ex.ask(exercise.id, seed=seed)
        result = ex.check(exercise.id, wrong_answer(exercise, question), question, record=False)
        assert not result.passed
        assert result.problem == "value"


@pytest.mark.parametrize("exercise", [e for e in QUESTION_EXERCISES if e.fresh],
                         ids=[e.id for e in QUESTION_EXERCISES if e.fresh])
def test_questions_are_drawn_fresh(exercise):
    texts = {ex.ask(exercise.id).text for _ in range(6)}
    assert len(texts) >= 2


@pytest.mark.parametrize("exercise", [e for e in QUESTION_EXERCISES if e.kind == "choice"],
                         ids=[e.id for e in QUESTION_EXERCISES if e.kind == "choice"])
def test_choices_offer_distinct_options_with_exactly_one_answer(exercise):
    for seed in range(10):
        question = ex.ask(exercise.id, seed=seed)
        assert len(question.options) == 4
        assert len(set(question.options)) == 4
        assert question.options.count(question.answer) == 1
        index = question.options.index(question.answer)
        assert ex.check(exercise.id, index, question, record=False).passed


def test_check_answers_the_question_last_asked_and_uses_it_up():
    exercise_id = "l09-number-second-derivative"
    question = ex.ask(exercise_id, seed=3)
    assert ex.check(exercise_id, question.answer, record=False).passed
    again = ex.check(exercise_id, question.answer, record=False)
    assert again.problem == "invalid" and "ask(" in again.message


def test_a_fixed_question_can_be_retried():
    question = ex.ask("l01-expr-dfdx", seed=0)
    assert not ex.check("l01-expr-dfdx", "2/x", record=False).passed
    assert ex.check("l01-expr-dfdx", "y + 2/x", record=False).passed
    assert question.answer == "2/x + y"


def test_a_question_of_another_exercise_is_refused():
    question = ex.ask("l02-number-precedence", seed=0)
    result = ex.check("l10-number-sgd", question.answer, question, record=False)
    assert result.problem == "invalid"


@pytest.mark.parametrize("typed, value", [("2.5", 2.5), (" -3 ", -3.0), ("1/4", 0.25),
                                          ("−2", -2.0), ("2.5e-1", 0.25), (7, 7.0)])
def test_numbers_may_be_typed_in_several_forms(typed, value):
    assert read_number(typed) == value


@pytest.mark.parametrize("typed, problem", [("two", "invalid"), ("", "none"), (None, "none"),
                                            (True, "invalid"), ("nan", "nan")])
def test_unreadable_numbers_get_their_own_message(typed, problem):
    question = ex.ask("l10-number-sgd", seed=0)
    assert ex.check("l10-number-sgd", typed, question, record=False).problem == problem


def test_numbers_are_accepted_when_rounded_sensibly():
    question = ex.ask("l10-number-sgd", seed=5)
    assert ex.check("l10-number-sgd", round(question.answer, 2), question, record=False).passed


# ---------------------------------------------------------- questions about recordings

def test_next_adjoint_answer_is_what_the_stepper_reveals():
    for seed in range(10):
        question = ex.ask("l06-number-next-adjoint", seed=seed)
        recording, k = question.recording, question.reveal_step
        step = recording.state_at(k).step
        assert recording.state_at(k).phase in ("backward", "done")
        assert recording.state_at(k).adjoints[step.parent] == pytest.approx(question.answer)
        assert f"ḡ_{step.parent}" in question.text


def test_accumulate_questions_are_about_a_node_that_already_has_an_adjoint():
    for seed in range(10):
        question = ex.ask("l06-number-accumulate", seed=seed)
        recording, k = question.recording, question.reveal_step
        parent = recording.state_at(k).step.parent
        assert parent in recording.state_at(k - 1).adjoints
        before = recording.state_at(k - 1).adjoints[parent]
        contribution = recording.state_at(k).step.contribution
        assert question.answer == pytest.approx(float(before) + float(contribution))


def test_node_value_answer_is_the_value_the_forward_step_records():
    for seed in range(10):
        question = ex.ask("l03-number-node-value", seed=seed)
        state = question.recording.state_at(question.reveal_step)
        assert state.phase == "forward"
        assert state.values[state.step.node] == pytest.approx(question.answer)


def test_vjp_formula_choices_come_from_the_registered_formulas():
    registered = {formula for *_, formula in vjp_formulas()}
    assert len(registered) >= 6
    for seed in range(10):
        question = ex.ask("l05-choice-vjp-formula", seed=seed)
        assert set(question.options) <= registered


# ------------------------------------------------------------------------ expressions

def test_expressions_are_parsed_safely_never_run():
    question = ex.ask("l07-expr-derivative", seed=1)
    for hostile in ("__import__('os').system('true')", "x.__class__", "[x for x in y]"):
        result = ex.check("l07-expr-derivative", hostile, question, record=False)
        assert result.problem == "invalid"


def test_expressions_may_only_use_the_functions_variables():
    question = ex.ask("l09-expr-second-derivative", seed=1)          # a function of x only
    result = ex.check("l09-expr-second-derivative", "y + x", question, record=False)
    assert result.problem == "invalid" and "y" in result.message


def test_an_expression_that_differs_names_the_point():
    question = ex.ask("l01-expr-dfdx", seed=2)
    result = ex.check("l01-expr-dfdx", "2/x - y", question, record=False)
    assert result.problem == "value"
    assert result.message.startswith("At x = ")


def test_derivative_questions_answer_text_agrees_with_grad():
    rng = np.random.default_rng(0)
    for _ in range(20):
        question = derivative_question("l07-expr-derivative", rng)
        for point in question.points:
            assert question.reference(point) == pytest.approx(
                _evaluate_text(question.answer, point), rel=1e-9, abs=1e-12)


def _evaluate_text(text, point):
    from tutor.expression import parse
    expression = parse(text)
    return float(expression(**{name: point[name] for name in expression.variables}))


def test_join_terms_writes_signs_and_drops_zeros():
    assert join_terms(["2*x", "-sin(x)", "0"]) == "2*x - sin(x)"
    assert join_terms(["0", "0"]) == "0"


# ------------------------------------------------------------------ random functions

def test_dual_numbers_give_first_and_second_derivatives():
    x = Var("x")
    expr = Apply("mul", Apply("sin", x), Apply("pow", x, Const(3)))     # sin(x) * x**3
    value = 0.7
    first = np.cos(value) * value ** 3 + np.sin(value) * 3 * value ** 2
    second = (-np.sin(value) * value ** 3 + 6 * np.cos(value) * value ** 2
              + np.sin(value) * 6 * value)
    assert derivative(expr, {"x": value}, "x") == pytest.approx(first)
    assert second_derivative(expr, {"x": value}, "x") == pytest.approx(second)


def test_random_functions_agree_with_finite_differences():
    rng = np.random.default_rng(1)
    for _ in range(30):
        expr = random_smooth(rng, ("x", "y"), size=4)
        env = {"x": float(rng.uniform(-1, 1)), "y": float(rng.uniform(-1, 1))}
        eps = 1e-6
        shifted = [evaluate(expr, {**env, "x": env["x"] + step}) for step in (eps, -eps)]
        numeric = (shifted[0] - shifted[1]) / (2 * eps)
        assert derivative(expr, env, "x") == pytest.approx(numeric, rel=1e-5, abs=1e-6)


def test_random_programs_print_one_line_per_operation_and_share_results():
    rng = np.random.default_rng(2)
    expr = random_program(rng, ("x", "y"), operations=5)
    program = to_program(expr, ("x", "y"))
    assert program.startswith("def f(x, y):") and "return " in program
    f = make_function(expr, ("x", "y"))
    assert f(1.5, -2.0) == pytest.approx(evaluate(expr, {"x": 1.5, "y": -2.0}))
    assert f(x=1.5, y=-2.0) == f(1.5, -2.0)


def test_formulas_print_with_the_parentheses_python_needs():
    x, y = Var("x"), Var("y")
    assert to_text(Apply("sub", x, Apply("sub", y, x))) == "x - (y - x)"
    assert to_text(Apply("mul", Apply("add", x, y), x)) == "(x + y) * x"
    assert to_text(Apply("pow", Apply("neg", x), Const(2))) == "(-x)**2"
    assert to_text(Apply("add", Apply("mul", x, y), Const(2))) == "x * y + 2"
