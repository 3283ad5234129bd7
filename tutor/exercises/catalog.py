"""The catalog: every exercise of every lesson, looked up by id.

Ids read ``l05-vjp-sin``: the lesson number, then a name. The exercises themselves are
defined per lesson in :mod:`tutor.exercises.bank`.
"""

import difflib
import importlib

from .bank import LESSON_MODULES

LESSON_TITLES = {
    1: "What are we trying to find?",
    2: "Building a computation graph",
    3: "Nodes: recording a trace",
    4: "Wrapping Nodes in Boxes",
    5: "Making VJPs",
    6: "The backward pass",
    7: "Putting grad together",
    8: "Arrays and broadcasting",
    9: "Higher-order derivatives",
    10: "Training a small model",
    11: "Forward mode",
    12: "Which mode: Jacobians and Hessians",
    13: "What a gradient costs",
    14: "Where differentiation breaks",
    15: "Reverse mode from forward mode",
}

_EXERCISES = None


def _load():
    global _EXERCISES
    if _EXERCISES is None:
        exercises = {}
        for name in LESSON_MODULES:
            module = importlib.import_module(f"{__package__}.bank.{name}")
            for exercise in module.EXERCISES:
                if exercise.id in exercises:
                    raise ValueError(f"two exercises share the id {exercise.id!r}")
                exercises[exercise.id] = exercise
        _EXERCISES = exercises
    return _EXERCISES


def catalog(lesson=None, kind=None):
    """All exercises in teaching order; optionally only one lesson's, or one kind's."""
    return [exercise for exercise in _load().values()
            if (lesson is None or exercise.lesson == lesson)
            and (kind is None or exercise.kind == kind)]


def get(exercise_id):
    """The exercise with this id (a ``KeyError`` names the closest ids if there is none)."""
    if not isinstance(exercise_id, str):     # an Exercise passed in place of its id
        exercise_id = getattr(exercise_id, "id", exercise_id)
    try:
        return _load()[exercise_id]
    except KeyError:
        close = difflib.get_close_matches(str(exercise_id), list(_load()), n=3)
        suggestion = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
        raise KeyError(f"There is no exercise {exercise_id!r}.{suggestion}") from None
