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
import weakref
from dataclasses import InitVar, dataclass, field
from typing import Any, Callable, Optional

from .markup import inline_html

KINDS = ("function", "number", "choice", "expression")


@dataclass(frozen=True)
class Case:
    """One random input for a ``function`` exercise.

    ``args``/``kwargs`` are what the learner's function is called with (the checker passes a
    deep copy, so a learner who changes them in place cannot spoil the reference); ``text``
    is how feedback names this input, e.g. ``"ans = 0.84, x = 1.0, g = 0.5"``. ``data`` is
    for the reference only (say, the formula of a random function whose derivative is
    wanted): it is never among the learner's arguments.
    """

    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    text: str = ""
    data: Any = field(default=None, repr=False)


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
    ``explain_raise``  ``(case, exception) -> str | None``: a sentence naming the slip behind
                   an exception the learner's code is known to raise, added to the message.
    """

    name: str
    signature: str
    cases: Callable
    call: Callable = call_plain
    judge: Optional[Callable] = None
    reference: Optional[Callable] = None
    rtol: float = 1e-6
    atol: float = 1e-8
    explain_raise: Optional[Callable] = None


@dataclass(frozen=True, eq=False)
class Question:
    """One drawn instance of a ``number``, ``choice`` or ``expression`` exercise.

    ``text`` is markdown to show. The constructor also takes what must stay hidden until
    the learner has tried: ``answer`` (a float, the right option's text, or a formula),
    ``explanation`` (shown once the answer is out), ``recording`` (lets a stepper show the
    step the question was about: the state after ``reveal_step`` steps reveals the answer)
    and, for expressions, ``reference(point) -> float``. ``slips`` pairs the typical wrong
    answers with what each one means (``(value or option, sentence)``: "that is the new
    contribution alone; ..."), so that feedback names the slip instead of only saying "not
    it"; ``order`` says which derivative an expression question asks for (2: the second).
    These are kept by the checker, not on the question (see :func:`secret_of`), so a learner
    who inspects ``q`` in a notebook does not read the answer by accident. For expressions,
    ``variables`` lists what the answer may use and ``points`` where it is compared.
    """

    exercise_id: str
    text: str
    answer: InitVar[Any]
    options: tuple = ()
    explanation: InitVar[str] = ""
    tolerance: float = 0.005
    variables: tuple = ()
    points: tuple = ()
    reference: InitVar[Optional[Callable]] = None
    recording: InitVar[Any] = None
    reveal_step: Optional[int] = None
    parts: InitVar[tuple] = ()
    slips: InitVar[tuple] = ()
    order: InitVar[int] = 1

    def __post_init__(self, answer, explanation, reference, recording, parts, slips, order):
        slips = tuple((slip, meaning) for slip, meaning in slips if not _same(slip, answer))
        _SECRETS[self] = Secret(answer, explanation or "", reference, recording, parts=parts,
                                slips=slips, order=order,
                                exercise_id=self.exercise_id,
                                answer_seen=self.exercise_id in _ANSWERS_SHOWN)

    def _repr_markdown_(self):
        lines = [self.text]
        for index, option in enumerate(self.options):
            lines.append(f"{index}. `{option}`")
        return "\n\n".join(lines)


def _same(slip, answer):
    """A typical wrong answer that happens to be the right one this time is no slip."""
    if isinstance(slip, str) or isinstance(answer, str):
        return slip == answer
    return abs(float(slip) - float(answer)) <= 1e-9 * max(1.0, abs(float(answer)))


@dataclass
class Secret:
    """What the checker knows about a drawn question and the learner does not (yet).

    ``tries`` counts the wrong answers given so far; ``revealed`` turns True once the
    answer has been shown (tries used up, or Show solution): the question is then used up
    and checking it again is refused. ``parts`` pairs each term of an expression question's
    function with that term's own derivative (see :mod:`.terms`), ``order`` says which
    derivative is asked for, and ``slips`` holds the typical wrong answers with their
    meaning (see :class:`Question`).

    ``answer_seen`` is True when a question of the same exercise had its answer shown
    earlier in this kernel. For an exercise that asks the same question every time
    (``fresh=False``), a right answer then does not count as passed: it may be copied.
    """

    answer: Any
    explanation: str = ""
    reference: Optional[Callable] = None
    recording: Any = None
    parts: tuple = ()
    slips: tuple = ()
    order: int = 1
    tries: int = 0
    revealed: bool = False
    passed: bool = False
    exercise_id: str = ""
    answer_seen: bool = False

    def __setattr__(self, name, value):
        super().__setattr__(name, value)
        if name == "revealed" and value and self.exercise_id:
            _ANSWERS_SHOWN.add(self.exercise_id)


_SECRETS = weakref.WeakKeyDictionary()      # Question -> Secret
_ANSWERS_SHOWN = set()                      # ids of exercises whose answer was shown here


def secret_of(question):
    """The hidden part of ``question`` (a :class:`Secret`); the checker's, not the learner's."""
    return _SECRETS[question]


def drawn_answer(question):
    """The solution of a ``number``, ``choice`` or ``expression`` exercise: the answer of the
    question that was drawn."""
    return secret_of(question).answer


@dataclass(frozen=True, eq=False)
class Exercise:
    """An exercise of the catalog.

    ``solution`` is the reference answer: for ``function`` exercises a callable that passes
    its own check; for ``number`` and ``choice`` exercises a callable ``question -> answer``
    (every question is different); for ``expression`` exercises likewise ``question -> text``.
    It is given to the constructor but not kept on the exercise a learner is handed
    (``ex.get(id).solution`` says where to look instead); the checker finds it with
    :func:`reference_of`.
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
    solution: InitVar[Any]
    spec: Optional[FunctionSpec] = field(default=None, repr=False)
    make_question: Optional[Callable] = field(default=None, repr=False)
    fresh: bool = True

    def __post_init__(self, solution):
        _REFERENCES[self.id] = solution
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
                return textwrap.dedent(inspect.getsource(reference_of(self))).strip()
            except (OSError, TypeError):
                return repr(reference_of(self))
        return "Each question has its own answer; it is shown when you run out of tries."

    def _repr_markdown_(self):
        return f"**{self.title}** (`{self.id}`, lesson {self.lesson}, {self.kind})\n\n{self.prompt}"


def _no_solution_here(self):
    raise AttributeError(f"{self.id}: the solution is not kept on the exercise. Try it "
                         f"yourself; the check widget's Show solution reveals it when you "
                         f"are stuck.")


Exercise.solution = property(_no_solution_here)
_REFERENCES = {}                # exercise id -> its reference solution


def reference_of(exercise):
    """The reference solution of ``exercise`` (the checker's; see :class:`Exercise`)."""
    return _REFERENCES[exercise.id]


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
    "answer-seen": "Right, but not counted",
}


@dataclass(frozen=True)
class Result:
    """The outcome of one check: ``passed`` and a ``message`` for the learner.

    ``problem`` names what went wrong (a key of ``PROBLEM_TITLES``; None when passed),
    ``input`` the first failing input, and ``details`` extra text such as the learner's own
    traceback lines. For questions, ``revealed`` says the answer is out (a pass, or the
    last try used) and ``tries_left`` how many wrong answers remain before that; ``notice``
    says when the attempt could not be saved. It shows itself as a coloured box in a notebook and as text elsewhere.
    """

    exercise_id: str
    passed: bool
    message: str
    problem: Optional[str] = None
    input: str = ""
    details: str = ""
    revealed: bool = False
    tries_left: Optional[int] = None
    notice: str = ""

    def __bool__(self):
        return self.passed

    def __repr__(self):
        mark = "✔ passed" if self.passed else "✘ " + PROBLEM_TITLES.get(self.problem, "failed")
        text = f"{self.exercise_id}: {mark}\n{self.message}"
        if self.details:
            text += "\n" + self.details
        if self.notice:
            text += "\n" + self.notice
        return text

    __str__ = __repr__

    def _repr_html_(self):
        return self.html()

    def html(self, heading=None):
        """The result as a coloured box; ``heading`` (default: the exercise id) names it."""
        colour, background = ("#1b5e20", "#e8f5e9") if self.passed else ("#b71c1c", "#ffebee")
        title = "✔ Passed" if self.passed else "✘ " + PROBLEM_TITLES.get(self.problem, "Failed")
        if self.tries_left and not self.passed:
            colour, background, title = "#8a4b00", "#fff4e0", "✘ Not yet"
        details = (f"<pre style='margin:6px 0 0 0;white-space:pre-wrap'>"
                   f"{html.escape(self.details)}</pre>") if self.details else ""
        notice = (f"<div class='tutor-exercise-notice' style='margin-top:4px;color:#6d4c00'>"
                  f"<b>Not saved:</b> {html.escape(self.notice)}</div>") if self.notice else ""
        heading = f"<code>{html.escape(self.exercise_id)}</code>" if heading is None \
            else html.escape(heading)
        return (f"<div class='tutor-exercise-result' style='border-left:4px solid {colour};"
                f"background:{background};padding:6px 10px;margin:4px 0'>"
                f"<b style='color:{colour}'>{html.escape(title)}</b> {heading}"
                f"<div style='white-space:pre-wrap'>{inline_html(self.message)}</div>"
                f"{details}{notice}</div>")
