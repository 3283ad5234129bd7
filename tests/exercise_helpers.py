"""What the exercise tests need from the checker's side: the hidden answers and solutions.

A learner is handed neither (``ex.get(id).solution`` and ``question.answer`` are not there);
the tests reach them the way the checker does.
"""

import importlib.util
import types

from tutor.exercises.model import reference_of, secret_of


def solution_copy(exercise):
    """The reference solution as a function of its own, as if a learner had typed it in.

    The checker refuses the catalog's own function object (and any function sharing its
    code), so the tests pass a copy with the same behaviour.
    """
    solution = reference_of(exercise)
    copy = types.FunctionType(solution.__code__.replace(), solution.__globals__,
                              solution.__name__, solution.__defaults__, solution.__closure__)
    copy.__kwdefaults__ = solution.__kwdefaults__
    return copy


def answer_of(question):
    """The answer of a drawn question."""
    return secret_of(question).answer


def recording_of(question):
    """The recording a question was drawn from (None if it has none)."""
    return secret_of(question).recording


def learner_module(tmp_path, name, sources):
    """A module of "learner" code (so that ``inspect.getsource`` finds it), as a notebook
    cell would define it: with lesson 3's Node and Box, and numpy, in scope."""
    path = tmp_path / f"{name}.py"
    path.write_text("import numpy as np\nfrom tutor.exercises.kit import Box, Node\n"
                    "from tutor.autograd.core import make_vjp\n\n" + "\n\n".join(sources))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
