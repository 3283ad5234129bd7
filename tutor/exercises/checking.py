"""Checking an answer: learner code on many random inputs, or a typed answer to a question.

A ``function`` answer is called on every random input of its exercise (a fresh set per
check, so a hard-coded answer cannot pass) and compared with the reference solution on the
same input. The first input where they differ is reported with what was expected and what
came back. The learner's code runs under a time limit that covers all inputs together, in a
forked child process (:mod:`.sandbox`) so that nothing it does (a long C loop, catching
every exception, switching the alarm off, ``os._exit``, a memory hog) escapes the limit or
reaches the learner's kernel; the expected results are worked out in the parent meanwhile,
where the learner's code cannot find them.

``number``, ``choice`` and ``expression`` answers are checked against the question that was
drawn for the attempt. A question takes a few tries (:data:`TRIES`): a wrong answer gets a
hint and another go; the answer and its explanation come after a pass or the last try, and
from then on the question is used up.
"""

import contextlib
import copy
import math
import re
import sys
import time
import types
import warnings
from dataclasses import replace

import numpy as np

from tutor.notation import number_text

from .compare import compare_values, distinct_digits, kind_of, safe_text, summarize
from .limits import TimeLimitExceeded, describe_exception, learner_traceback, time_limit
from .model import Case, Mismatch, Result, WrongAnswer, reference_of, secret_of
from .terms import term_feedback
from .sandbox import CappedOutput, can_fork, run_forked

# The checker's own references: a learner who patches ``checking.compare_values`` or
# ``numpy.isclose`` in their notebook does not change a verdict.
_compare_values = compare_values

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
    refused = used_up(exercise, question)
    if refused is not None:
        return refused
    checkers = {"number": check_number, "choice": check_choice, "expression": check_expression}
    result = checkers[exercise.kind](exercise, answer, question, limit)
    return with_tries(exercise, question, answer, result)


# ---------------------------------------------------------------------------- functions

def _timeout_message(limit):
    return (f"Your code took longer than {limit:g} s — is there an endless loop? "
            f"(It was stopped; the notebook is still fine.)")


ISOLATE = True          # run learner code in a forked child where the platform can
GRACE_SECONDS = 1.5     # what the child may take beyond the limit (start-up, judging)


def hard_deadline(limit):
    """Seconds after which the child is killed, whatever it is doing (None: never).

    The learner's code gets ``limit`` (the child stops it itself, with a message naming the
    input); the rest is room for starting the child and judging the results on a busy
    machine, so that a right answer near the limit is never cut off.
    """
    return None if limit is None else limit + GRACE_SECONDS


def check_function(exercise, answer, rng, limit=DEFAULT_TIME_LIMIT):
    """Run ``answer`` on every random case of ``exercise`` and compare with the reference.

    The learner's code runs first, on all cases; only then is the expected result of each
    case computed (in the parent process when the code runs in a child), so nothing the
    learner's code can reach holds it. The verdict uses the checker's own references to its
    comparison functions, taken when this module was imported.
    """
    spec = exercise.spec
    if answer is None:
        return Result(exercise.id, False, f"The answer is None: pass your function "
                      f"`{spec.name}` itself.", problem="none")
    if not callable(answer):
        return Result(exercise.id, False, f"Expected a function `{spec.name}`, got "
                      f"{kind_of(answer)}.", problem="type")
    if is_reference(exercise, answer):
        return Result(exercise.id, False, f"This is the tutor's own `{spec.name}`, not yours: "
                      f"write the function yourself (nothing was recorded).",
                      problem="invalid")
    if limit is not None:
        limit = float(limit)
    # Simplest inputs first (shortest description): the first failure is the easiest to read.
    cases = sorted(spec.cases(rng), key=lambda case: len(case.text))
    output = CappedOutput()
    if ISOLATE and can_fork():
        result = _check_in_child(exercise, answer, cases, limit, output)
    else:
        result = _check_in_process(exercise, answer, cases, limit, output)
    printed = output.text()
    if printed:
        sys.stdout.write(printed)
    return result


def _check_in_process(exercise, answer, cases, limit, output):
    """The same check without a child process (no ``fork``): a softer time limit."""
    with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
        ran, early = _run_all(exercise, answer, cases, limit)
        expected = [_expected(exercise, case) for case, _ in ran]
        return _verdict(exercise, cases, ran, expected, early)


_WARMED = set()         # exercises whose reference has run once in this process


def _warm_up(exercise):
    """Run the reference once, on inputs of its own, before the first fork for an exercise:
    modules it imports on first use are then imported here, once, and not again in every
    child on the learner's time. (Those inputs are not the ones the learner gets.)"""
    if exercise.id in _WARMED:
        return
    _WARMED.add(exercise.id)
    try:
        spare = exercise.spec.cases(np.random.default_rng())[:1]
        for case in spare:
            _expected(exercise, case)
    except Exception:           # noqa: BLE001 - a warm-up only
        pass


def _check_in_child(exercise, answer, cases, limit, output):
    _warm_up(exercise)

    def child(send, receive):
        sys.stdout = sys.stderr = CappedOutput()
        try:
            ran, early = _run_all(exercise, answer, cases, limit,
                                  on_case=lambda index: send({"case": index}))
            send({"ran": len(ran)})
            expected = receive()
            if expected is None:            # it could not be sent: work it out here
                expected = [_expected(exercise, case) for case in cases]
            result = _verdict(exercise, cases, ran, expected[:len(ran)], early)
        except BaseException as exc:        # noqa: BLE001 - e.g. SystemExit in a judge
            result = Result(exercise.id, False, f"Checking stopped: {describe_exception(exc)}",
                            problem="exception")
        send({"output": sys.stdout.text()})
        send({"done": True, "result": _result_fields(result)})

    ended = run_forked(child, lambda: [_expected(exercise, case) for case in cases],
                       hard_deadline(limit))
    printed = ended.last("output")
    if printed:
        output.write(printed["output"])
    if ended.how == "finished":
        return Result(**ended.last("result")["result"])
    case = ended.last("case")
    case_text = cases[case["case"]].text if case else ""
    if ended.how == "timeout":
        if ended.last("ran") is not None:
            return Result(exercise.id, False, f"Your code returned, but looking at what it "
                          f"returned took longer than the time limit ({limit:g} s): a slow "
                          f"__repr__, __array__ or __eq__ on your result?", problem="timeout",
                          input=case_text)
        return Result(exercise.id, False, _timeout_message(limit), problem="timeout",
                      input=case_text)
    intro = f"On input {case_text}: " if case_text else ""
    return Result(exercise.id, False, f"{intro}your code ended the process it ran in "
                  f"({ended.describe_exit()}), e.g. with os._exit() or a crash in C code. "
                  f"Only the checker's copy of your notebook stopped; your notebook is fine.",
                  problem="exception", input=case_text)


def _result_fields(result):
    return {"exercise_id": str(result.exercise_id), "passed": bool(result.passed),
            "message": _plain(result.message), "problem": result.problem and str(result.problem),
            "input": _plain(result.input), "details": _plain(result.details)}


def _plain(text):
    """A learner's ``str`` subclass as a plain ``str`` (JSON would keep it anyway)."""
    return str.__str__(text) if isinstance(text, str) else safe_text(text)


def _run_all(exercise, answer, cases, limit, on_case=None):
    """Run the learner's code on the cases, in order, until the first one that fails.

    Returns ``(ran, early)``: ``(case, got)`` for each case that returned, and a
    :class:`Result` for the case that did not (None if all returned).
    """
    spec = exercise.spec
    budget = limit
    ran = []
    for index, case in enumerate(cases):
        if on_case is not None:
            on_case(index)
        learner_case = _copy_case(case)
        intro = f"On input {case.text}: " if case.text else ""
        try:
            got, seconds = _run(spec.call, answer, learner_case, budget)
        except TimeLimitExceeded:
            return ran, Result(exercise.id, False, _timeout_message(limit), problem="timeout",
                               input=case.text)
        except WrongAnswer as wrong:
            return ran, Result(exercise.id, False, intro + wrong.mismatch.message,
                               problem=wrong.mismatch.problem, input=case.text)
        except NotImplementedError as exc:
            if type(exc) is not NotImplementedError:    # e.g. a missing VJP in the core
                return ran, _raised(exercise, exc, intro, case)
            return ran, Result(exercise.id, False, f"`{spec.name}` is not done yet: it still "
                               f"raises NotImplementedError. Replace the `raise` line with "
                               f"your code.", problem="unfinished")
        except Exception as exc:  # the learner's bug: report it, never crash the check
            return ran, _raised(exercise, exc, intro, case)
        except BaseException as exc:    # SystemExit, KeyboardInterrupt from their code
            return ran, _raised(exercise, exc, intro, case)
        if budget is not None:
            budget -= seconds
        ran.append((learner_case, got))
    return ran, None


def _verdict(exercise, cases, ran, expected, early):
    """Judge every case that ran, in order; the first mismatch (or ``early``) is the result."""
    spec = exercise.spec
    for (learner_case, got), wanted in zip(ran, expected):
        mismatch = _judge(spec, learner_case, got, wanted)
        if mismatch is not None:
            intro = f"On input {learner_case.text}: " if learner_case.text else ""
            return Result(exercise.id, False, intro + mismatch.message,
                          problem=mismatch.problem, input=learner_case.text)
    if early is not None:
        return early
    return Result(exercise.id, True, f"Correct on all {len(cases)} random inputs. Well done!")


def is_reference(exercise, answer):
    """True when ``answer`` is the catalog's own solution (or a function sharing its code),
    or the course's stand-in for it (:func:`tutor.mygrad.stand_in`)."""
    solution = reference_of(exercise)
    if answer is solution:
        return True
    if isinstance(answer, types.FunctionType) and \
            answer.__dict__.get("course_stand_in") == exercise.id:
        return True
    code = getattr(answer, "__code__", None)
    return code is not None and code is getattr(solution, "__code__", None)


def _raised(exercise, exc, intro, case):
    message = f"{intro}your code raised {describe_exception(exc)}"
    explain = getattr(exercise.spec, "explain_raise", None)
    slip = explain(case, exc) if explain is not None else None
    if slip:
        message = f"{message} {slip}"
    return Result(exercise.id, False, message, problem="exception", input=case.text,
                  details=learner_traceback(exc))


def _expected(exercise, case):
    spec = exercise.spec
    reference_case = _copy_case(case)
    with _quiet():
        if spec.reference is not None:
            return spec.reference(reference_case)
        return spec.call(reference_of(exercise), reference_case)


def _copy_case(case):
    args, kwargs = copy.deepcopy((case.args, case.kwargs))
    return Case(args, kwargs, case.text, case.data)


def _run(call, answer, case, budget):
    start = time.monotonic()
    with _quiet(), time_limit(None if budget is None else max(budget, 1e-3)):
        got = call(answer, case)
    return got, time.monotonic() - start


def _judge(spec, case, got, expected):
    try:
        with _quiet():
            if spec.judge is not None:
                return spec.judge(case, got, expected)
            return _compare_values(expected, got, spec.rtol, spec.atol)
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
    expected = float(secret_of(question).answer)
    if math.isnan(value):
        return Result(exercise.id, False, "NaN is not the answer.", problem="nan")
    allowed = question.tolerance * max(1.0, abs(expected))
    if abs(value - expected) <= allowed:
        return Result(exercise.id, True, f"Right: {number_text(expected)}.")
    for slip, meaning in secret_of(question).slips:
        if abs(value - float(slip)) <= question.tolerance * max(1.0, abs(float(slip))):
            return Result(exercise.id, False, f"Not quite: {number_text(value)} {meaning}",
                          problem="value")
    return Result(exercise.id, False, f"Not quite: {number_text(value)} is not it.",
                  problem="value")


def _number_answer(question, answer):
    """How a number question's answer is shown once it is out, next to the learner's."""
    expected = float(secret_of(question).answer)
    allowed = question.tolerance * max(1.0, abs(expected))
    try:
        value = read_number(answer)
    except ValueError:
        return f"The answer is {number_text(expected)}."
    left, right = distinct_digits(expected, value)
    return (f"The answer is {left}; you said {right} (off by {abs(value - expected):.2g}; "
            f"answers within ±{allowed:.2g} count).")


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
    if chosen == secret_of(question).answer:
        return Result(exercise.id, True, f"Right: {chosen}.")
    meaning = dict(secret_of(question).slips).get(chosen)
    why = f" {meaning}" if meaning else ""
    return Result(exercise.id, False, f"Not this one: {chosen}.{why}", problem="value")


# --------------------------------------------------------------------------- expressions

def check_expression(exercise, answer, question, limit=DEFAULT_TIME_LIMIT):
    """Parse the typed formula safely and compare it with the reference at random points.

    When it differs, say where, and which term of it (or of ``f``) is off, where the terms
    can be matched up (see :mod:`.terms`).
    """
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
    reference = secret_of(question).reference
    for point in question.points:
        where = ", ".join(f"{name} = {value:.4g}" for name, value in point.items())
        with _quiet():
            expected = reference(point)
            try:
                with time_limit(limit):
                    got = expression(**{name: point[name] for name in expression.variables})
            except TimeLimitExceeded:
                return Result(exercise.id, False, _timeout_message(limit), problem="timeout")
            except Exception as exc:
                return Result(exercise.id, False, f"At {where}, evaluating your expression "
                              f"failed: {describe_exception(exc)}", problem="exception",
                              input=where)
        mismatch = _compare_values(float(expected), _as_float(got), rtol=1e-6, atol=1e-8)
        if mismatch is not None:
            mine, right = (distinct_digits(float(got), float(expected))
                           if mismatch.problem == "value" else ("", ""))
            message = f"At {where}, your expression gives {mine}, but the right formula " \
                      f"gives {right}."
            if mismatch.problem != "value":
                message = f"At {where}: {mismatch.message}"
            where_off = term_feedback(question, answer)
            if where_off:
                message += " " + where_off
            return Result(exercise.id, False, message, problem=mismatch.problem, input=where)
    return Result(exercise.id, True, f"Right: {answer.strip()} agrees with the derivative at "
                  f"{len(question.points)} random points.")


def _as_float(value):
    try:
        return float(np.asarray(value).reshape(()))
    except (TypeError, ValueError):
        return value


# ------------------------------------------------------------------ tries and reveals

TRIES = {"number": 3, "expression": 3, "choice": 2}


def tries_for(exercise):
    """How many wrong answers a question of this exercise takes before its answer is shown."""
    return TRIES.get(exercise.kind, 1)


def with_tries(exercise, question, answer, result):
    """Count a try on ``question``: a wrong answer with tries left gets a hint and another
    go; the last wrong one (or a right one) brings the answer and its explanation."""
    secret = secret_of(question)
    if result.problem in ("invalid", "none", "type"):
        return result                               # not an attempt: nothing counted
    explanation = f"\n{secret.explanation}" if secret.explanation else ""
    if result.passed and secret.answer_seen and not exercise.fresh:
        secret.revealed = True          # the same question as one whose answer was shown
        return replace(result, passed=False, problem="answer-seen", revealed=True, message=(
            f"{result.message} It does not count as passed, though: this exercise asks the "
            f"same question every time, and its answer has already been shown here."
            f"{explanation}"))
    if result.passed:
        secret.passed = True
        return replace(result, message=result.message + explanation, revealed=True)
    secret.tries += 1
    left = tries_for(exercise) - secret.tries
    if left > 0:
        hint = exercise.hints[min(secret.tries, len(exercise.hints)) - 1]
        return replace(result, tries_left=left, message=(
            f"{result.message} Try again ({left} {'try' if left == 1 else 'tries'} left). "
            f"Hint: {hint}"))
    secret.revealed = True
    shown = "" if exercise.kind == "expression" and secret.explanation else \
        " " + answer_text(exercise, question, answer)    # (the explanation gives the formula)
    return replace(result, tries_left=0, revealed=True,
                   message=f"{result.message}{shown}{explanation}")


def answer_text(exercise, question, answer=None):
    """The answer of a question as a sentence."""
    solution = secret_of(question).answer
    if exercise.kind == "number":
        return _number_answer(question, answer)
    if exercise.kind == "choice":
        return f"The right option is {solution}."
    return f"One way to write it: {solution}"


def reveal(exercise, question):
    """Show the answer of ``question`` (Show solution): it is used up from now on."""
    secret = secret_of(question)
    secret.revealed = True
    solution = secret.answer
    text = f"{number_text(float(solution))}" if exercise.kind == "number" else str(solution)
    return f"{text}\n\n{secret.explanation}".strip()


def used_up(exercise, question):
    """A Result refusing a question whose answer is out (None if it may still be answered)."""
    secret = secret_of(question)
    if secret.revealed or (secret.passed and exercise.fresh):
        fresh = "draw a new one (New question, or `ask()` again)" if exercise.fresh else \
            "press New question to start it again"
        return Result(exercise.id, False, f"This question's answer is already out: {fresh}. "
                      f"Nothing was recorded.", problem="invalid")
    return None
