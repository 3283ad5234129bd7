"""tutor.exercises: the catalog, and how function exercises are checked.

Every function exercise passes with its own solution and fails, with a specific message,
for answers that are constant, raise, return NaN or None, hard-code one right result, or
never finish; the time limit stops the last kind and leaves Python usable.
"""

import os
import signal
import threading

import numpy as np
import pytest

import tutor.exercises as ex
from exercise_helpers import solution_copy
from tutor.exercises.compare import compare_values, summarize
from tutor.exercises.kit import Box, Node
from tutor.exercises.limits import TimeLimitExceeded, learner_traceback, time_limit

FUNCTION_EXERCISES = [exercise for exercise in ex.catalog() if exercise.kind == "function"]
FUNCTION_IDS = [exercise.id for exercise in FUNCTION_EXERCISES]
# Exercises whose result is a collection of Nodes rather than numbers.
NODE_RESULTS = {"l03-ancestors", "l06-toposort"}
SHORT_LIMIT = 0.3


@pytest.fixture(autouse=True)
def progress_file(tmp_path, monkeypatch):
    """Every test writes progress to its own file, never to the user's."""
    path = tmp_path / "progress.sqlite"
    monkeypatch.setenv("TUTOR_PROGRESS_DB", str(path))
    return path


# ------------------------------------------------------------------------- the catalog

def test_catalog_has_enough_exercises_of_each_kind():
    exercises = ex.catalog()
    kinds = [exercise.kind for exercise in exercises]
    assert len(exercises) >= 25
    assert kinds.count("function") >= 12
    assert {"number", "choice", "expression"} <= set(kinds)


def test_every_lesson_has_at_least_two_exercises():
    for lesson in range(1, 11):
        assert len(ex.catalog(lesson=lesson)) >= 2, lesson


def test_exercises_have_ids_titles_prompts_and_staged_hints():
    ids = [exercise.id for exercise in ex.catalog()]
    assert len(ids) == len(set(ids))
    for exercise in ex.catalog():
        assert exercise.id.startswith(f"l{exercise.lesson:02d}-")
        assert exercise.title and exercise.prompt
        assert 2 <= len(exercise.hints) <= 3
        assert ex.get(exercise.id) is exercise


def test_catalog_is_in_teaching_order_and_filters_by_kind():
    lessons = [exercise.lesson for exercise in ex.catalog()]
    assert lessons == sorted(lessons)
    assert all(exercise.kind == "choice" for exercise in ex.catalog(kind="choice"))


def test_unknown_id_suggests_close_ones():
    with pytest.raises(KeyError, match="l05-vjp-sin"):
        ex.get("l05-vjp-sine")


def test_function_solutions_show_their_source():
    assert "def vjp_sin(ans, x)" in ex.get("l05-vjp-sin").solution_source


# ---------------------------------------------------------- solutions pass, others fail

@pytest.mark.parametrize("exercise", FUNCTION_EXERCISES, ids=FUNCTION_IDS)
def test_solution_passes_its_own_check(exercise):
    for seed in range(3):
        result = ex.check(exercise.id, solution_copy(exercise), seed=seed, record=False)
        assert result.passed, result
        assert result.problem is None


def constant(*args, **kwargs):
    return 1.0


def raising(*args, **kwargs):
    raise ZeroDivisionError("learner's own bug")


def nan_answer(*args, **kwargs):
    return float("nan")


def none_answer(*args, **kwargs):
    return None


def looping(*args, **kwargs):
    while True:
        pass


@pytest.mark.parametrize("exercise", FUNCTION_EXERCISES, ids=FUNCTION_IDS)
@pytest.mark.parametrize("answer", [constant, raising, nan_answer, none_answer],
                         ids=["constant", "raising", "nan", "none"])
def test_simple_wrong_answers_fail(exercise, answer):
    result = ex.check(exercise.id, answer, record=False)
    assert not result.passed
    assert result.message


@pytest.mark.parametrize("exercise", FUNCTION_EXERCISES, ids=FUNCTION_IDS)
def test_a_raising_answer_shows_only_the_learners_frames(exercise):
    result = ex.check(exercise.id, raising, record=False)
    assert result.problem == "exception"
    assert "ZeroDivisionError: learner's own bug" in result.message
    assert "in raising" in result.details and "test_exercises.py" in result.details
    assert f"{os.sep}tutor{os.sep}" not in result.details
    assert result.input                                   # the failing input is named


@pytest.mark.parametrize("exercise", FUNCTION_EXERCISES, ids=FUNCTION_IDS)
def test_returning_none_says_so(exercise):
    result = ex.check(exercise.id, none_answer, record=False)
    assert result.problem == "none"
    assert "None" in result.message


@pytest.mark.parametrize("exercise", FUNCTION_EXERCISES, ids=FUNCTION_IDS)
def test_an_endless_loop_is_stopped_by_the_time_limit(exercise):
    result = ex.check(exercise.id, looping, time_limit=SHORT_LIMIT, record=False)
    assert result.problem == "timeout"
    assert "endless loop" in result.message
    # Python is still usable: the same exercise checks normally right away.
    assert ex.check(exercise.id, solution_copy(exercise), record=False).passed


def remember_first(function):
    """A hard-coded answer: whatever the solution said the first time, forever."""
    memory = []

    def answer(*args, **kwargs):
        if not memory:
            memory.append(function(*args, **kwargs))
        return memory[0]

    return answer


@pytest.mark.parametrize("exercise", FUNCTION_EXERCISES, ids=FUNCTION_IDS)
def test_a_hard_coded_answer_fails(exercise):
    result = ex.check(exercise.id, remember_first(solution_copy(exercise)), record=False)
    assert not result.passed, result


def poisoned(function, leaf):
    """The solution with every number it produces replaced by ``leaf(number)``."""
    def answer(*args, **kwargs):
        return _poison(function(*args, **kwargs), leaf)

    return answer


def _poison(value, leaf):
    if isinstance(value, Box):
        new_value = leaf(value.value)
        return Box(new_value, Node(new_value, value.node.fun, value.node.parents))
    if isinstance(value, Node):
        return Node(leaf(value.value), value.fun, value.parents)
    if callable(value):
        return poisoned(value, leaf)
    if isinstance(value, (list, tuple)):
        return type(value)(_poison(item, leaf) for item in value)
    if isinstance(value, dict):
        return {key: _poison(item, leaf) for key, item in value.items()}
    if isinstance(value, (int, float, np.number, np.ndarray)):
        return leaf(value)
    return value


NUMERIC_EXERCISES = [exercise for exercise in FUNCTION_EXERCISES
                     if exercise.id not in NODE_RESULTS]


@pytest.mark.parametrize("exercise", NUMERIC_EXERCISES,
                         ids=[exercise.id for exercise in NUMERIC_EXERCISES])
def test_nan_inside_a_well_formed_result_gets_the_nan_message(exercise):
    answer = poisoned(solution_copy(exercise), lambda value: np.full(np.shape(value), np.nan))
    result = ex.check(exercise.id, answer, record=False)
    assert result.problem == "nan", result
    assert "NaN" in result.message


@pytest.mark.parametrize("exercise", NUMERIC_EXERCISES,
                         ids=[exercise.id for exercise in NUMERIC_EXERCISES])
def test_none_inside_a_well_formed_result_gets_the_none_message(exercise):
    result = ex.check(exercise.id, poisoned(solution_copy(exercise), lambda value: None),
                      record=False)
    assert result.problem == "none", result


@pytest.mark.parametrize("exercise", NUMERIC_EXERCISES,
                         ids=[exercise.id for exercise in NUMERIC_EXERCISES])
def test_a_slightly_wrong_result_names_input_expected_and_got(exercise):
    answer = poisoned(solution_copy(exercise), lambda value: np.asarray(value) * 1.01 + 0.01)
    result = ex.check(exercise.id, answer, record=False)
    assert result.problem == "value", result
    assert result.message.startswith("On input ")
    assert "expected" in result.message and "got" in result.message


def test_a_result_of_the_wrong_shape_says_so():
    def vjp_sin(ans, x):
        return lambda g: np.sum(g * np.cos(x)) * np.ones(3)
    result = ex.check("l05-vjp-sin", vjp_sin, record=False)
    assert result.problem == "shape"
    assert "shape" in result.message


def test_a_vjp_maker_must_return_a_function_of_g():
    result = ex.check("l05-vjp-sin", lambda ans, x: np.cos(x), record=False)
    assert result.problem == "type"
    assert "lambda g" in result.message


def test_an_answer_that_is_not_a_function_says_so():
    result = ex.check("l06-toposort", [1, 2, 3], record=False)
    assert result.problem == "type"
    assert "`toposort`" in result.message


def test_typical_mistakes_get_teaching_feedback():
    def toposort_breadth_first(end_node):
        order, seen = [end_node], {end_node}
        for node in order:
            for parent in node.parents:
                if parent not in seen:
                    seen.add(parent)
                    order.append(parent)
        return order

    def backward_pass_by_paths(g, end_node):          # right numbers, vjp called per path
        adjoints = {}

        def push(node, adjoint):
            adjoints[node] = adjoints.get(node, 0) + adjoint
            if node.parents:
                for parent, contribution in zip(node.parents, node.vjp(adjoint)):
                    push(parent, contribution)

        push(end_node, g)
        return adjoints

    topo = ex.check("l06-toposort", toposort_breadth_first, seed=0, record=False)
    assert not topo.passed and "must come first" in topo.message
    paths = ex.check("l06-backward-pass", backward_pass_by_paths, seed=0, record=False)
    assert not paths.passed and "was called" in paths.message


def test_a_learner_may_mutate_the_inputs_without_spoiling_the_reference():
    def sgd_step(params, grads, learning_rate):
        for index, (param, gradient) in enumerate(zip(params, grads)):
            params[index] = param - learning_rate * gradient
            grads[index] = 0.0
        return params
    assert ex.check("l10-sgd-step", sgd_step, record=False).passed


def test_checks_draw_fresh_inputs_unless_a_seed_is_given(monkeypatch):
    monkeypatch.setattr(ex.checking, "ISOLATE", False)     # the spy must run in this process
    calls = []

    def spy(f, x, eps=1e-6):
        calls.append(x)
        return (f(x + eps) - f(x - eps)) / (2 * eps)

    ex.check("l01-numerical-grad", spy, record=False)
    first = list(calls)
    calls.clear()
    ex.check("l01-numerical-grad", spy, record=False)
    assert calls != first
    assert len(set(first)) > 10


def test_results_render_for_notebooks_and_as_text():
    passed = ex.check("l05-vjp-sin", solution_copy(ex.get("l05-vjp-sin")), record=False)
    failed = ex.check("l05-vjp-sin", raising, record=False)
    assert "Passed" in passed._repr_html_() and "passed" in repr(passed)
    assert "tutor-exercise-result" in failed._repr_html_()
    assert "ZeroDivisionError" in repr(failed)
    assert bool(passed) and not bool(failed)


# ---------------------------------------------------------------- comparing values

@pytest.mark.parametrize("expected, got, problem, words", [
    (1.0, None, "none", "return"),
    (np.ones(3), [1.0, 1.0, 1.0], "type", "numpy array"),
    (1.0, "1.0", "type", "string"),
    (np.ones(3), np.ones((3, 1)), "shape", "(3,)"),
    (1.0, np.ones(1), "shape", "single number"),
    (np.ones(2), np.array([1.0, np.nan]), "nan", "index (1,)"),
    ((1.0, 2.0), (1.0, 3.0), "value", "item [1]"),
    ((1.0, 2.0), 1.0, "type", "tuple"),
    (np.zeros((2, 2)), np.eye(2), "value", "index (0, 0)"),
])
def test_compare_values_names_the_problem(expected, got, problem, words):
    mismatch = compare_values(expected, got)
    assert mismatch.problem == problem
    assert words in mismatch.message


def test_compare_values_accepts_any_scalar_form_and_small_rounding():
    assert compare_values(0.5, np.float32(0.5)) is None
    assert compare_values(0.5, np.array(0.5)) is None
    assert compare_values(np.ones(2), np.ones(2) + 1e-12) is None


def test_summarize_keeps_feedback_short():
    assert summarize(0.123456789) == "0.1235"
    assert summarize(np.zeros((10, 10))).startswith("10×10 array")       # tutor.notation (issue 19)
    assert len(summarize(list(range(100)))) <= 60


# ------------------------------------------------------------------ the time limit

def test_time_limit_stops_a_loop_in_the_main_thread_and_restores_an_outer_timer():
    previous = signal.signal(signal.SIGALRM, lambda *args: None)
    signal.setitimer(signal.ITIMER_REAL, 100.0)
    try:
        with pytest.raises(TimeLimitExceeded):
            with time_limit(0.05):
                while True:
                    pass
        remaining, _ = signal.getitimer(signal.ITIMER_REAL)
        assert remaining > 0                      # the outer timer is running again
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_time_limit_works_outside_the_main_thread():
    outcome = []

    def worker():
        try:
            with time_limit(0.05):
                while True:
                    pass
        except TimeLimitExceeded:
            outcome.append("stopped")

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join(timeout=30)
    assert outcome == ["stopped"]


def test_a_learner_cannot_swallow_the_time_limit():
    def stubborn(*args, **kwargs):
        while True:
            try:
                while True:
                    pass
            except Exception:
                pass

    result = ex.check("l05-vjp-sin", stubborn, time_limit=SHORT_LIMIT, record=False)
    assert result.problem == "timeout"


def test_check_in_a_thread_also_stops_endless_loops():
    results = []
    thread = threading.Thread(target=lambda: results.append(
        ex.check("l02-evaluate-tree", looping, time_limit=SHORT_LIMIT, record=False)))
    thread.start()
    thread.join(timeout=30)
    assert results[0].problem == "timeout"


def test_learner_traceback_leaves_out_tutor_frames():
    from tutor.exercises.checking import read_number

    def learner_code():
        return read_number(object())

    try:
        learner_code()
    except ValueError as error:
        text = learner_traceback(error)
    assert "learner_code" in text
    assert "checking.py" not in text
    assert text.splitlines()[-1].startswith("ValueError")


def test_an_unfilled_stub_is_not_done_yet_and_not_an_attempt():
    def vjp_sin(ans, x):
        raise NotImplementedError("not done yet")

    result = ex.check("l05-vjp-sin", vjp_sin)
    assert result.problem == "unfinished"
    assert "not done yet" in result.message
    assert ex.progress().attempts == {}


def test_other_not_implemented_errors_are_ordinary_exceptions():
    from tutor.autograd.core import MissingVJPError

    def grad(f, argnum=0):
        raise MissingVJPError("No VJP is registered for 'floor'")

    result = ex.check("l07-grad", grad, record=False)
    assert result.problem == "exception"
    assert "floor" in result.message


def test_numerical_grads_cases_are_ones_its_method_can_meet():
    """The central difference at eps = 1e-05 is within the check's tolerance of the exact
    derivative on every case drawn: cos(exp(3x**2)) near x = 1.5 made the solution itself
    fail (one check in a hundred), calling a learner's right answer wrong."""
    from tutor.exercises.bank.lesson01 import (_numerical_grad_case, _numerical_grad_reference,
                                               numerical_grad)
    from tutor.exercises.compare import compare_values
    for seed in range(100, 108):
        rng = np.random.default_rng(seed)
        for index in range(1000):
            case = _numerical_grad_case(rng, index)
            assert compare_values(_numerical_grad_reference(case), numerical_grad(*case.args),
                                  1e-6, 1e-7) is None, case.text
