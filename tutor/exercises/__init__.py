"""Exercises: write a piece of autograd, or predict what it will do, and get it checked.

In a notebook::

    import tutor.exercises as ex
    ex.catalog(lesson=5)                       # what there is
    def vjp_sin(ans, x):
        return lambda g: g * np.cos(x)
    ex.check("l05-vjp-sin", vjp_sin)           # runs it on many random inputs
    ex.CheckWidget("l05-vjp-sin")              # the same, with Check / Hint / Solution buttons

    q = ex.ask("l06-number-next-adjoint")      # a fresh question each time
    ex.check("l06-number-next-adjoint", 2.5)   # answers the question just asked (a few tries)

The learner's function runs in a child process with a hard time limit (see
:mod:`.checking`). Answers stay with the checker: an exercise has no ``.solution`` and a
question no ``.answer`` for a learner to read by accident.

Each check is recorded in the learner's progress file (see :mod:`.store`);
``progress()`` reads it back and ``export_progress()`` turns it into JSON for a teacher.
On a dashboard serving a class, progress is kept per learner (see :mod:`.learners`).
"""

import warnings
from dataclasses import replace

import numpy as np

from .catalog import LESSON_TITLES, catalog, get
from .checking import DEFAULT_TIME_LIMIT, check_answer
from .model import Exercise, Question, Result
from .store import ProgressStore

__all__ = ["catalog", "get", "ask", "check", "hint", "progress", "export_progress",
           "CheckWidget", "PracticePanel", "ProgressView", "Exercise", "Question", "Result",
           "LESSON_TITLES"]

_pending = {}         # exercise id -> the question drawn last by ask()
_hint_stages = {}     # exercise id -> how many hints were given


def ask(exercise_id, seed=None):
    """Draw a fresh question for a ``number``, ``choice`` or ``expression`` exercise.

    The question is remembered: ``check(exercise_id, answer)`` answers it.
    """
    exercise = get(exercise_id)
    if exercise.kind == "function":
        raise ValueError(f"{exercise.id} is a function exercise: write `{exercise.spec.name}` "
                         f"and pass it to check().")
    question = exercise.make_question(np.random.default_rng(seed))
    _pending[exercise.id] = question
    return question


def check(exercise_id, answer, question=None, *, seed=None, time_limit=DEFAULT_TIME_LIMIT,
          record=True, store=None):
    """Check ``answer`` and return a :class:`Result` (``.passed``, ``.message``).

    For a ``function`` exercise, ``answer`` is the learner's function; it runs in a child
    process with a hard time limit (``time_limit`` seconds, None for none). For the other
    kinds it answers ``question``, by default the one last drawn with :func:`ask`. A
    question takes a few tries: a wrong answer gets a hint and another go, and the answer
    is shown after a pass or the last try; a question whose answer is out is used up.

    The attempt is recorded in the progress store (``store``, by default the learner's
    :class:`ProgressStore`) unless ``record`` is False, the answer could not be read at all,
    or it is an unfilled stub (a function still raising ``NotImplementedError``). If saving
    fails, ``result.notice`` says so.
    """
    exercise = get(exercise_id)
    if exercise.kind != "function" and question is None:
        question = _pending.get(exercise.id)
    result = check_answer(exercise, answer, question, seed=seed, limit=time_limit)
    unreadable = result.problem in ("invalid", "unfinished") or (
        exercise.kind != "function" and result.problem in ("none", "type"))
    if exercise.kind != "function" and result.revealed and _pending.get(exercise.id) is question:
        del _pending[exercise.id]
    if record and not unreadable:
        try:
            (store or ProgressStore()).record_attempt(exercise.id, exercise.lesson,
                                                      result.passed)
        except Exception as error:  # progress must never break a check
            notice = f"this attempt was not saved: {error}"
            warnings.warn(notice, RuntimeWarning)
            result = replace(result, notice=notice)
    return result


def hint(exercise_id, stage=None):
    """The next hint for an exercise (or hint number ``stage``, counting from 1)."""
    exercise = get(exercise_id)
    if stage is None:
        stage = min(_hint_stages.get(exercise.id, 0) + 1, len(exercise.hints))
    stage = max(1, min(int(stage), len(exercise.hints)))
    _hint_stages[exercise.id] = max(stage, _hint_stages.get(exercise.id, 0))
    return f"Hint {stage} of {len(exercise.hints)}: {exercise.hints[stage - 1]}"


def progress():
    """What the progress store holds (a :class:`~.store.Progress`): attempts, passes, ids of
    passed exercises (``.passed``) and a summary per lesson (``.lessons``)."""
    return ProgressStore().summary(catalog(), LESSON_TITLES)


def export_progress(path=None):
    """The learner's progress as JSON text for a teacher; also written to ``path`` if given."""
    text = ProgressStore().export_json(catalog(), LESSON_TITLES)
    if path is not None:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
    return text


def __getattr__(name):
    """The widgets are imported on first use: checking works without ipywidgets loaded."""
    if name in ("CheckWidget", "PracticePanel", "ProgressView"):
        from . import widgets
        return getattr(widgets, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
