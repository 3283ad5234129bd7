"""The checker runs a learner's code in a forked child with a hard time and memory limit,
and cheats a learner finds by accident do not pass.

Each test reproduces one escape or one cheat as a learner would write it; every check here
ends within a few seconds however the learner's code behaves, and this process (standing in
for the learner's kernel) carries on afterwards.
"""

import numbers
import os
import signal
import sys
import time

import numpy as np
import pytest

import tutor.exercises as ex
from exercise_helpers import answer_of, solution_copy
from tutor.exercises import checking
from tutor.exercises.sandbox import CappedOutput, can_fork

pytestmark = pytest.mark.skipif(not can_fork(), reason="needs os.fork (Linux, macOS)")

LIMIT = 0.5                     # seconds: short, so the escapes are quick to test
DEADLINE = checking.hard_deadline(LIMIT) + 2.5    # at most, all told, on a busy machine


@pytest.fixture(autouse=True)
def progress_file(tmp_path, monkeypatch):
    monkeypatch.setenv("TUTOR_PROGRESS_DB", str(tmp_path / "progress.sqlite"))


def timed_check(answer, exercise_id="l05-vjp-sin", **options):
    options.setdefault("time_limit", LIMIT)
    start = time.monotonic()
    result = ex.check(exercise_id, answer, **options)
    return result, time.monotonic() - start


def right_vjp_sin(ans, x):
    return lambda g: g * np.cos(x)


# ------------------------------------------------------------ the time limit holds (7)

def test_a_long_c_loop_is_stopped_at_the_limit():
    def vjp_sin(ans, x):
        sum(range(3 * 10**8))           # one C call: signals wait until it returns
        return lambda g: g * np.cos(x)

    result, seconds = timed_check(vjp_sin)
    assert result.problem == "timeout" and "endless loop" in result.message
    assert seconds < DEADLINE


def test_catching_base_exception_does_not_escape_the_limit():
    def vjp_sin(ans, x):
        while True:
            try:
                while True:
                    pass
            except BaseException:
                pass

    result, seconds = timed_check(vjp_sin)
    assert result.problem == "timeout" and seconds < DEADLINE


def test_switching_the_alarm_off_does_not_escape_the_limit():
    def vjp_sin(ans, x):
        signal.setitimer(signal.ITIMER_REAL, 0)
        while True:
            pass

    result, seconds = timed_check(vjp_sin)
    assert result.problem == "timeout" and seconds < DEADLINE


@pytest.mark.parametrize("slow", ["__str__", "__repr__", "__array__", "__float__"])
def test_a_slow_method_on_the_result_is_stopped_too(slow):
    class Slow:
        """Looks like a number to the checker, so judging it calls the slow method."""

        def __init__(self, value):
            self.value = value

    def crawl(self, *args, **kwargs):
        time.sleep(30)
        return "never"

    setattr(Slow, slow, crawl)
    numbers.Real.register(Slow)

    def vjp_sin(ans, x):
        return lambda g: Slow(g)

    result, seconds = timed_check(vjp_sin)
    assert not result.passed and seconds < DEADLINE
    if slow in ("__array__", "__float__"):          # the judge needs them: it is cut off
        assert result.problem == "timeout" and "looking at what it returned" in result.message
    else:                                            # never called: plain feedback
        assert result.problem == "type"


def test_os_exit_in_an_answer_ends_only_the_checkers_copy():
    def vjp_sin(ans, x):
        os._exit(0)

    result, seconds = timed_check(vjp_sin)
    assert not result.passed and result.problem == "exception"
    assert "ended the process" in result.message and "your notebook is fine" in result.message
    assert ex.check("l05-vjp-sin", right_vjp_sin).passed        # this process goes on


def test_sys_exit_is_reported_as_the_learners_exception():
    def vjp_sin(ans, x):
        sys.exit(3)

    result, _ = timed_check(vjp_sin)
    assert result.problem == "exception" and "SystemExit" in result.message


def test_a_memory_hog_gets_a_memory_error_not_the_machine():
    def vjp_sin(ans, x):
        hog = bytearray(4 * 1024**3)            # 4 GiB: past the child's memory limit
        return lambda g: g * np.cos(x) + len(hog)

    result, seconds = timed_check(vjp_sin, time_limit=5)
    assert result.problem == "exception" and "MemoryError" in result.message
    assert seconds < 5


def test_a_number_without_float_is_feedback_not_a_crash():
    class FakeReal:
        pass

    numbers.Real.register(FakeReal)

    def vjp_sin(ans, x):
        return lambda g: FakeReal()

    result, _ = timed_check(vjp_sin)
    assert not result.passed and result.problem == "type"


def test_an_exception_whose_str_raises_is_feedback_not_a_crash():
    class Broken(Exception):
        def __str__(self):
            raise RuntimeError("no message for you")

    def vjp_sin(ans, x):
        raise Broken()

    result, _ = timed_check(vjp_sin)
    assert result.problem == "exception" and "Broken" in result.message


def test_time_limit_none_means_no_limit_and_works():
    result, _ = timed_check(right_vjp_sin, time_limit=None)
    assert result.passed
    wrong, _ = timed_check(lambda ans, x: lambda g: g, time_limit=None)
    assert wrong.problem == "value"
    assert ex.progress().attempts == {"l05-vjp-sin": 2}


def test_what_a_check_prints_is_capped(capsys):
    def vjp_sin(ans, x):
        print("x" * 100_000)
        return lambda g: g * np.cos(x)

    result, _ = timed_check(vjp_sin)
    assert result.passed
    printed = capsys.readouterr().out
    assert len(printed) < 10_000 and "more characters of output not shown" in printed


def test_capped_output_keeps_the_start_and_counts_the_rest():
    output = CappedOutput(limit=10)
    output.write("hello ")
    output.write("world, again")
    assert output.text().startswith("hello worl")
    assert "8 more characters" in output.text()


def test_the_in_process_path_still_works_where_fork_is_missing(monkeypatch):
    monkeypatch.setattr(checking, "ISOLATE", False)
    assert ex.check("l05-vjp-sin", right_vjp_sin).passed

    def vjp_sin(ans, x):
        while True:
            pass

    result, seconds = timed_check(vjp_sin)
    assert result.problem == "timeout" and seconds < DEADLINE


# -------------------------------------------------------------- accidental cheats (6)

def test_the_catalogs_own_solution_is_not_on_the_exercise_and_does_not_pass():
    exercise = ex.get("l05-vjp-sin")
    with pytest.raises(AttributeError, match="not kept on the exercise"):
        exercise.solution
    from tutor.exercises.bank.lesson05 import vjp_sin      # the reference, imported
    result = ex.check("l05-vjp-sin", vjp_sin)
    assert not result.passed and result.problem == "invalid"
    assert ex.progress().attempts == {}                   # and nothing recorded


def test_a_question_does_not_carry_its_answer():
    question = ex.ask("l06-number-next-adjoint", seed=3)
    assert not hasattr(question, "answer")
    # Only the constructor's defaults are visible on the class; the drawn ones are not.
    assert getattr(question, "explanation", "") == ""
    assert getattr(question, "recording", None) is None
    assert answer_of(question) is not None


def test_re_answering_with_the_value_the_feedback_showed_is_refused():
    question = ex.ask("l06-number-next-adjoint", seed=11)
    for guess in (1000, 1001, 1002):                      # tries used: the answer is out
        result = ex.check("l06-number-next-adjoint", guess, question)
    assert result.revealed
    again = ex.check("l06-number-next-adjoint", answer_of(question), question)
    assert not again.passed and again.problem == "invalid"
    assert ex.progress().passed == frozenset()


def test_numerical_grad_cannot_read_the_formula_from_its_input():
    from tutor.exercises.randfun import derivative

    def numerical_grad(f, x, eps=1e-6):
        return derivative(f.expr, {"x": x}, "x")           # the old leak

    result = ex.check("l01-numerical-grad", numerical_grad)
    assert not result.passed and "AttributeError" in result.message


def test_walking_the_stack_finds_no_expected_value():
    def vjp_sin(ans, x):
        frame = sys._getframe()
        while frame is not None:
            if "expected" in frame.f_locals:
                found = frame.f_locals["expected"]
                return lambda g: found
            frame = frame.f_back
        return lambda g: g * 0.0

    result = ex.check("l05-vjp-sin", vjp_sin)
    assert not result.passed


def test_patching_numpy_isclose_does_not_change_a_verdict(monkeypatch):
    monkeypatch.setattr(np, "isclose", lambda *args, **kwargs: np.ones(np.shape(args[0]),
                                                                         dtype=bool))
    assert not ex.check("l05-vjp-sin", lambda ans, x: lambda g: g * 0.0).passed

    def patching_inside(ans, x):
        np.isclose = lambda *args, **kwargs: True
        return lambda g: g * 0.0

    assert not ex.check("l05-vjp-sin", patching_inside).passed


def test_patching_compare_values_does_not_change_a_verdict(monkeypatch):
    import tutor.exercises.compare as compare
    monkeypatch.setattr(checking, "compare_values", lambda *args, **kwargs: None)
    monkeypatch.setattr(compare, "compare_values", lambda *args, **kwargs: None)
    assert not ex.check("l05-vjp-sin", lambda ans, x: lambda g: g * 0.0).passed


def test_the_reference_passes_as_a_learners_own_copy():
    """The learner's own code, identical to ours, of course passes."""
    assert ex.check("l05-vjp-sin", solution_copy(ex.get("l05-vjp-sin"))).passed


# ------------------------------------------------------------------- feedback digits (14.3)

def test_close_numbers_are_shown_with_enough_digits_the_error_and_the_tolerance():
    def numerical_grad(f, x, eps=1e-6):
        return (f(x + eps) - f(x)) / eps                   # one-sided: close, not enough

    result = ex.check("l01-numerical-grad", numerical_grad)
    assert not result.passed and result.problem == "value"
    message = result.message
    expected = message.split("expected ")[1].split(",")[0]
    got = message.split("got ")[1].split(" ")[0]
    assert expected != got                                 # the digits show the difference
    assert "off by" in message and "allowed" in message
