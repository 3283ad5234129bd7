"""Checking an answer: learner code on many random inputs, or a typed answer to a question.

A ``function`` answer is called on every random input of its exercise (a fresh set per
check, so a hard-coded answer cannot pass) and compared with the reference solution on the
same input. The first input where they differ is reported with what was expected and what
came back. The learner's code runs under a time limit that covers all inputs together.

``number``, ``choice`` and ``expression`` answers are checked against the question that was
drawn for the attempt.
"""

import copy
import math
import re
import time
import warnings

import numpy as np

from .compare import compare_values, kind_of, summarize
from .limits import TimeLimitExceeded, describe_exception, learner_traceback, time_limit
from .model import Case, Mismatch, Result, WrongAnswer

DEFAULT_TIME_LIMIT = 3.0


def check_answer(exercise, answer, question=None, *, seed=None, limit=DEFAULT_TIME_LIMIT):
    """Check ``answer`` for ``exercise`` and return a :class:`Result` (nothing is recorded)."""
    if exercise.kind == "function":
        return check_function(exercise, answer, np.random.default_rng(seed), limit)
    if question is None:
        return Result(exercise.id, False, "There is no question to answer yet: draw one with "
                      f"`ask({exercise.id!r})` first.", problem="invalid")
    if question.exercise_id != exercise.id:
        return Result(exercise.id, False, f"This question belongs to {question.exercise_id!r}, "
                      f"not to {exercise.id!r}.", problem="invalid")
    checkers = {"number": check_number, "choice": check_choice, "expression": check_expression}
    return checkers[exercise.kind](exercise, answer, question, limit)


# ---------------------------------------------------------------------------- functions

def _timeout_message(limit):
    return (f"Your code took longer than {limit:g} s — is there an endless loop? "
            f"(It was stopped; the notebook is still fine.)")


def check_function(exercise, answer, rng, limit=DEFAULT_TIME_LIMIT):
    """Run ``answer`` on every random case of ``exercise`` and compare with the reference."""
    spec = exercise.spec
    if answer is None:
        return Result(exercise.id, False, f"The answer is None: pass your function "
                      f"`{spec.name}` itself.", problem="none")
    if not callable(answer):
        return Result(exercise.id, False, f"Expected a function `{spec.name}`, got "
                      f"{kind_of(answer)}.", problem="type")
    # Simplest inputs first (shortest description): the first failure is the easiest to read.
    cases = sorted(spec.cases(rng), key=lambda case: len(case.text))
    budget = limit
    for case in cases:
        expected = _expected(exercise, case)
        learner_case = _copy_case(case)
        intro = f"On input {case.text}: " if case.text else ""
        try:
            got, seconds = _run(spec.call, answer, learner_case, budget)
        except TimeLimitExceeded:
            return Result(exercise.id, False, _timeout_message(limit), problem="timeout",
                          input=case.text)
        except WrongAnswer as wrong:
            return Result(exercise.id, False, intro + wrong.mismatch.message,
                          problem=wrong.mismatch.problem, input=case.text)
        except NotImplementedError as exc:
            if type(exc) is not NotImplementedError:    # e.g. a missing VJP in the core
                return _raised(exercise, exc, intro, case)
            return Result(exercise.id, False, f"`{spec.name}` is not done yet: it still raises "
                          f"NotImplementedError. Replace the `raise` line with your code.",
                          problem="unfinished")
        except Exception as exc:  # the learner's bug: report it, never crash the check
            return _raised(exercise, exc, intro, case)
        budget -= seconds
        mismatch = _judge(spec, learner_case, got, expected)
        if mismatch is not None:
            return Result(exercise.id, False, intro + mismatch.message,
                          problem=mismatch.problem, input=case.text)
    return Result(exercise.id, True, f"Correct on all {len(cases)} random inputs. Well done!")


def _raised(exercise, exc, intro, case):
    return Result(exercise.id, False, f"{intro}your code raised {describe_exception(exc)}",
                  problem="exception", input=case.text, details=learner_traceback(exc))


def _expected(exercise, case):
    spec = exercise.spec
    reference_case = _copy_case(case)
    with _quiet():
        if spec.reference is not None:
            return spec.reference(reference_case)
        return spec.call(exercise.solution, reference_case)


def _copy_case(case):
    args, kwargs = copy.deepcopy((case.args, case.kwargs))
    return Case(args, kwargs, case.text)


def _run(call, answer, case, budget):
    start = time.monotonic()
    with _quiet(), time_limit(max(budget, 1e-3)):
        got = call(answer, case)
    return got, time.monotonic() - start


def _judge(spec, case, got, expected):
    try:
        with _quiet():
            if spec.judge is not None:
                return spec.judge(case, got, expected)
            return compare_values(expected, got, spec.rtol, spec.atol)
    except Exception as exc:  # e.g. a result missing an attribute the judge looks at
        return Mismatch("type", f"your result could not be inspected "
                                f"({describe_exception(exc)}); got {summarize(got)}")


class _quiet:
    """Silence numpy's floating-point warnings: NaN and inf get their own feedback instead."""

    def __enter__(self):
        self._errstate = np.errstate(all="ignore")
        self._errstate.__enter__()
        self._warnings = warnings.catch_warnings()
        self._warnings.__enter__()
        warnings.simplefilter("ignore", RuntimeWarning)
        return self

    def __exit__(self, *exc_info):
        self._warnings.__exit__(*exc_info)
        self._errstate.__exit__(*exc_info)
        return False


# ------------------------------------------------------------------------------ numbers

_FRACTION = re.compile(r"^\s*([-+]?[0-9.]+(?:e[-+]?\d+)?)\s*/\s*([-+]?[0-9.]+(?:e[-+]?\d+)?)\s*$")


def read_number(answer):
    """A typed or passed number as a float: ``2``, ``-0.5``, ``"1/3"``, ``"2.5e-1"``.

    Raises ``ValueError`` with a learner-facing sentence when it is not a number.
    """
    if isinstance(answer, bool):
        raise ValueError("expected a number, got a bool")
    if isinstance(answer, (int, float, np.integer, np.floating)):
        return float(answer)
    if isinstance(answer, np.ndarray) and answer.size == 1 and answer.dtype.kind in "iuf":
        return float(answer.reshape(()))
    if isinstance(answer, str):
        text = answer.strip().replace("−", "-")
        match = _FRACTION.match(text)
        try:
            if match:
                return float(match.group(1)) / float(match.group(2))
            return float(text)
        except (ValueError, ZeroDivisionError):
            pass
        raise ValueError(f"could not read {answer!r} as a number (write e.g. 2.5, -3 or 1/4)")
    raise ValueError(f"expected a number, got {kind_of(answer)}")


def check_number(exercise, answer, question, limit=None):
    """Right when within ``question.tolerance`` (relative, at least that much absolute)."""
    if answer is None or (isinstance(answer, str) and not answer.strip()):
        return Result(exercise.id, False, "No answer given yet.", problem="none")
    try:
        value = read_number(answer)
    except ValueError as exc:
        return Result(exercise.id, False, str(exc).capitalize() + ".", problem="invalid")
    expected = float(question.answer)
    after = f"\n{question.explanation}" if question.explanation else ""
    if math.isnan(value):
        return Result(exercise.id, False, f"NaN is not the answer: expected "
                      f"{_number_text(expected)}.{after}", problem="nan")
    if abs(value - expected) <= question.tolerance * max(1.0, abs(expected)):
        return Result(exercise.id, True, f"Right: {_number_text(expected)}.{after}")
    return Result(exercise.id, False, f"Not quite: expected {_number_text(expected)}, got "
                  f"{_number_text(value)}.{after}", problem="value")


def _number_text(value):
    return f"{value:.6g}"


# ------------------------------------------------------------------------------ choices

def check_choice(exercise, answer, question, limit=None):
    """An answer is an option's index (0, 1, ...) or its text."""
    options = list(question.options)
    if answer is None:
        return Result(exercise.id, False, "No option chosen yet.", problem="none")
    if isinstance(answer, (int, np.integer)) and not isinstance(answer, bool):
        if not 0 <= answer < len(options):
            return Result(exercise.id, False, f"There is no option {answer}; choose 0 to "
                          f"{len(options) - 1}.", problem="invalid")
        chosen = options[answer]
    elif isinstance(answer, str) and answer.strip() in options:
        chosen = answer.strip()
    else:
        return Result(exercise.id, False, f"{summarize(answer)} is not one of the options.",
                      problem="invalid")
    after = f"\n{question.explanation}" if question.explanation else ""
    if chosen == question.answer:
        return Result(exercise.id, True, f"Right: {chosen}{after}")
    return Result(exercise.id, False, f"Not this one: {chosen}. The right option is "
                  f"{question.answer}.{after}", problem="value")


# --------------------------------------------------------------------------- expressions

def check_expression(exercise, answer, question, limit=DEFAULT_TIME_LIMIT):
    """Parse the typed formula safely and compare it with the reference at random points."""
    if answer is None or (isinstance(answer, str) and not answer.strip()):
        return Result(exercise.id, False, "No expression typed yet.", problem="none")
    if not isinstance(answer, str):
        return Result(exercise.id, False, f"Type the expression as text, e.g. '2*x + y'; got "
                      f"{kind_of(answer)}.", problem="type")
    from tutor.expression import ExpressionError, parse
    try:
        expression = parse(answer)
    except ExpressionError as exc:
        return Result(exercise.id, False, f"Could not read {answer!r}: {exc}",
                      problem="invalid")
    unknown = [name for name in expression.variables if name not in question.variables]
    if unknown:
        allowed = ", ".join(question.variables)
        return Result(exercise.id, False, f"{', '.join(unknown)} is not a variable here; the "
                      f"expression may use {allowed}.", problem="invalid")
    for point in question.points:
        where = ", ".join(f"{name} = {value:.4g}" for name, value in point.items())
        with _quiet():
            expected = question.reference(point)
            try:
                with time_limit(limit):
                    got = expression(**{name: point[name] for name in expression.variables})
            except TimeLimitExceeded:
                return Result(exercise.id, False, _timeout_message(limit), problem="timeout")
            except Exception as exc:
                return Result(exercise.id, False, f"At {where}, evaluating your expression "
                              f"failed: {describe_exception(exc)}", problem="exception",
                              input=where)
        mismatch = compare_values(float(expected), _as_float(got), rtol=1e-6, atol=1e-8)
        if mismatch is not None:
            return Result(exercise.id, False, f"At {where}: {mismatch.message}",
                          problem=mismatch.problem, input=where)
    return Result(exercise.id, True, f"Right: {answer.strip()} agrees with the derivative at "
                  f"{len(question.points)} random points.")


def _as_float(value):
    try:
        return float(np.asarray(value).reshape(()))
    except (TypeError, ValueError):
        return value
