"""What an exercise is, what a drawn question is, and what a check returns.

Four kinds of exercise:

``function``
    The learner writes code (a VJP, ``toposort``, ``grad`` ...). The exercise's
    :class:`FunctionSpec` says how to build random inputs (a :class:`Case` each), how to call
    the learner's function on them, and how to judge what comes back.
``number``
    The learner predicts a value. A fresh :class:`Question` is drawn per attempt.
``choice``
    The learner picks one of a question's ``options``.
``expression``
    The learner types a formula (``2/x + y``); it is compared at random points.

Everything here is plain data; :mod:`tutor.exercises.checking` does the work.
"""

import html
import inspect
import textwrap
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

KINDS = ("function", "number", "choice", "expression")


@dataclass(frozen=True)
class Case:
    """One random input for a ``function`` exercise.

    ``args``/``kwargs`` are what the learner's function is called with (the checker passes a
    deep copy, so a learner who changes them in place cannot spoil the reference); ``text``
    is how feedback names this input, e.g. ``"ans = 0.84, x = 1.0, g = 0.5"``.
    """

    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    text: str = ""


@dataclass(frozen=True)
class Mismatch:
    """Why a learner's result is not accepted: a ``problem`` key and a sentence for them.

    ``problem`` is one of ``"value"``, ``"nan"``, ``"none"``, ``"shape"``, ``"type"``.
    """

    problem: str
    message: str


class WrongAnswer(Exception):
    """Raised by a spec's ``call`` when the learner's result has the wrong form midway.

    For example a VJP maker must return a function of ``g``; if it returns ``None`` there is
    nothing to call, and this exception carries the :class:`Mismatch` that explains why.
    """

    def __init__(self, problem, message):
        super().__init__(message)
        self.mismatch = Mismatch(problem, message)


def call_plain(answer, case):
    """The usual way to try an answer: call it with the case's arguments."""
    return answer(*case.args, **case.kwargs)


@dataclass(frozen=True)
class FunctionSpec:
    """How a ``function`` exercise is checked.

    ``name``       the name the learner defines (``vjp_sin``); the notebook widget looks it up.
    ``signature``  how it is called, for messages (``vjp_sin(ans, x)(g)``).
    ``cases``      ``numpy.random.Generator -> list[Case]``: the random inputs, shapes included.
    ``call``       ``(answer, case) -> result``: applies an answer (learner's or reference).
    ``judge``      ``(case, got, expected) -> Mismatch | None``; None means "compare values".
    ``reference``  ``case -> expected``; None means "call the solution the same way".
    """

    name: str
    signature: str
    cases: Callable
    call: Callable = call_plain
    judge: Optional[Callable] = None
    reference: Optional[Callable] = None
    rtol: float = 1e-6
    atol: float = 1e-8


@dataclass(frozen=True, eq=False)
class Question:
    """One drawn instance of a ``number``, ``choice`` or ``expression`` exercise.

    ``text`` is markdown to show; ``answer`` the expected answer (a float, the right option's
    text, or a formula); ``explanation`` is shown after an attempt. ``recording`` and
    ``reveal_step`` let a stepper show the step the question was about (the state after
    ``reveal_step`` steps reveals the answer). For expressions, ``variables`` lists what the
    answer may use, ``points`` where it is compared and ``reference(point) -> float`` the
    expected value at a point.
    """

    exercise_id: str
    text: str
    answer: Any
    options: tuple = ()
    explanation: str = ""
    tolerance: float = 0.005
    variables: tuple = ()
    points: tuple = ()
    reference: Optional[Callable] = field(default=None, repr=False)
    recording: Any = field(default=None, repr=False)
    reveal_step: Optional[int] = None

    def _repr_markdown_(self):
        lines = [self.text]
        for index, option in enumerate(self.options):
            lines.append(f"{index}. `{option}`")
        return "\n\n".join(lines)


def drawn_answer(question):
    """The solution of a ``number``, ``choice`` or ``expression`` exercise: the answer of the
    question that was drawn."""
    return question.answer


@dataclass(frozen=True, eq=False)
class Exercise:
    """An exercise of the catalog.

    ``solution`` is the reference answer: for ``function`` exercises a callable that passes
    its own check; for ``number`` and ``choice`` exercises a callable ``question -> answer``
    (every question is different); for ``expression`` exercises likewise ``question -> text``.
    ``make_question(rng)`` draws a :class:`Question` (not used by ``function`` exercises,
    whose ``spec`` is a :class:`FunctionSpec`). ``fresh`` says whether questions differ from
    draw to draw.
    """

    id: str
    lesson: int
    kind: str
    title: str
    prompt: str
    hints: tuple
    solution: Any = field(repr=False)
    spec: Optional[FunctionSpec] = field(default=None, repr=False)
    make_question: Optional[Callable] = field(default=None, repr=False)
    fresh: bool = True

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown exercise kind {self.kind!r}; expected one of {KINDS}")
        if (self.kind == "function") != (self.spec is not None):
            raise ValueError(f"{self.id}: a FunctionSpec is given exactly for function exercises")
        if self.kind != "function" and self.make_question is None:
            raise ValueError(f"{self.id}: a {self.kind} exercise needs make_question")

    @property
    def solution_source(self) -> str:
        """The solution as text a learner can read (source code for function exercises)."""
        if self.kind == "function":
            try:
                return textwrap.dedent(inspect.getsource(self.solution)).strip()
            except (OSError, TypeError):
                return repr(self.solution)
        return "Each question has its own answer; it is shown after every attempt."

    def _repr_markdown_(self):
        return f"**{self.title}** (`{self.id}`, lesson {self.lesson}, {self.kind})\n\n{self.prompt}"


PROBLEM_TITLES = {
    None: "Passed",
    "value": "Wrong value",
    "nan": "NaN in the result",
    "none": "Returned None",
    "shape": "Wrong shape",
    "type": "Wrong type",
    "exception": "Your code raised an exception",
    "timeout": "Time limit reached",
    "invalid": "Could not read the answer",
    "unfinished": "Not done yet",
}


@dataclass(frozen=True)
class Result:
    """The outcome of one check: ``passed`` and a ``message`` for the learner.

    ``problem`` names what went wrong (a key of ``PROBLEM_TITLES``; None when passed),
    ``input`` the first failing input, and ``details`` extra text such as the learner's own
    traceback lines. It shows itself as a coloured box in a notebook and as text elsewhere.
    """

    exercise_id: str
    passed: bool
    message: str
    problem: Optional[str] = None
    input: str = ""
    details: str = ""

    def __bool__(self):
        return self.passed

    def __repr__(self):
        mark = "✔ passed" if self.passed else "✘ " + PROBLEM_TITLES.get(self.problem, "failed")
        text = f"{self.exercise_id}: {mark}\n{self.message}"
        if self.details:
            text += "\n" + self.details
        return text

    __str__ = __repr__

    def _repr_html_(self):
        colour, background = ("#1b5e20", "#e8f5e9") if self.passed else ("#b71c1c", "#ffebee")
        title = "✔ Passed" if self.passed else "✘ " + PROBLEM_TITLES.get(self.problem, "Failed")
        details = (f"<pre style='margin:6px 0 0 0;white-space:pre-wrap'>"
                   f"{html.escape(self.details)}</pre>") if self.details else ""
        return (f"<div class='tutor-exercise-result' style='border-left:4px solid {colour};"
                f"background:{background};padding:6px 10px;margin:4px 0'>"
                f"<b style='color:{colour}'>{html.escape(title)}</b> "
                f"<code>{html.escape(self.exercise_id)}</code>"
                f"<div style='white-space:pre-wrap'>{html.escape(self.message)}</div>"
                f"{details}</div>")
