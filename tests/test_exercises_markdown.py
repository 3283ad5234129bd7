"""Every text of the catalog reads right once rendered (issue 21.4, hints and feedback).

Prompts, questions and hints go through Markdown, feedback through the code-span renderer;
either way a learner must never see a raw backtick or asterisk, nor a formula whose ``*`` or
``**`` turned into emphasis ("d/dw (wx - t)*2 = 2(wx - t)*x" in italics). Each test renders
the texts as the widgets do and reads the result the way a browser shows it.
"""

import re
from html.parser import HTMLParser

import numpy as np
import pytest

import tutor.exercises as ex
from exercise_helpers import answer_of, solution_copy
from tutor.exercises.checking import check_answer, reveal
from tutor.exercises.markup import inline_html, markdown_html
from tutor.exercises.model import secret_of

WORDS = re.compile(r"^[^\W\d_][\w' -]*$")
CODE = re.compile(r"```.*?```|`[^`]*`", re.DOTALL)
BOLD = re.compile(r"(?<![\w*])\*\*(?=[^\s*])(.+?)(?<=[^\s*])\*\*(?![\w*])")
ITALIC_WORDS = re.compile(r"(?<![\w*])\*([^\W\d_][\w' -]*?)\*(?![\w*])")
BULLET = re.compile(r"^\s*\* ", re.MULTILINE)


class Shown(HTMLParser):
    """The text a browser shows outside code, and what it shows emphasised."""

    def __init__(self):
        super().__init__()
        self.code_depth = 0
        self.emphasis_depth = 0
        self.outside_code = []
        self.emphasised = []

    def handle_starttag(self, tag, attrs):
        if tag in ("code", "pre"):
            self.code_depth += 1
        if tag in ("em", "strong", "b", "i"):
            self.emphasis_depth += 1
            self.emphasised.append("")

    def handle_endtag(self, tag):
        if tag in ("code", "pre"):
            self.code_depth -= 1
        if tag in ("em", "strong", "b", "i"):
            self.emphasis_depth -= 1

    def handle_data(self, data):
        if not self.code_depth:
            self.outside_code.append(data)
        if self.emphasis_depth and self.emphasised:
            self.emphasised[-1] += data


def shown(rendered):
    parser = Shown()
    parser.feed(rendered)
    return "".join(parser.outside_code), parser.emphasised


def raw_marks(text, marks, where):
    found = []
    for mark in marks:
        if mark in text:
            at = text.index(mark)
            found.append(f"{where}: a raw {mark!r} shows: …{text[max(0, at - 40):at + 40]}…")
    return found


def markdown_problems(source, where):
    """A Markdown text (prompt, question, hint): every ``*`` outside code marks a list item,
    ``**bold**`` or ``*italic words*`` (so no formula's ``*`` or ``**`` can become
    emphasis), and once rendered no backtick or asterisk shows."""
    found = []
    prose = ITALIC_WORDS.sub(r"\1", BOLD.sub(r"\1", BULLET.sub("", CODE.sub("", source))))
    if "*" in prose:
        at = prose.index("*")
        found.append(f"{where}: a formula outside backticks: …{prose[max(0, at - 40):at + 40]}…")
    text, _ = shown(markdown_html(source))
    return found + raw_marks(text, "`*", where)


def feedback_problems(rendered, where):
    """Feedback as shown: no raw backtick, and nothing emphasised but the verdict's title
    and plain words (what the learner typed, ``2*x*y``, is shown as typed)."""
    text, emphasised = shown(rendered)
    found = raw_marks(text, "`", where)
    for words in emphasised[1:]:
        if not WORDS.match(words.strip()):
            found.append(f"{where}: emphasised: {words!r}")
    return found


EXERCISES = ex.catalog()


@pytest.mark.parametrize("exercise", EXERCISES, ids=[e.id for e in EXERCISES])
def test_prompts_and_hints_render_without_stray_marks(exercise):
    found = markdown_problems(exercise.prompt, f"{exercise.id} prompt")
    for stage, hint in enumerate(exercise.hints, 1):
        found += markdown_problems(hint, f"{exercise.id} hint {stage}")
    assert found == []


QUESTIONS = [exercise for exercise in EXERCISES if exercise.kind != "function"]


@pytest.mark.parametrize("exercise", QUESTIONS, ids=[e.id for e in QUESTIONS])
def test_questions_feedback_and_solutions_render_without_stray_marks(exercise):
    found = []
    for seed in range(6):
        rng = np.random.default_rng(seed)
        question = exercise.make_question(rng)
        found += markdown_problems(question.text, f"{exercise.id} question {seed}")
        wrong = {"number": "123456", "expression": "123*x*y" if "y" in question.variables
                 else "123*x*x"}.get(exercise.kind)
        if exercise.kind == "choice":
            wrong = next(option for option in question.options
                         if option != answer_of(question))
        slips = [slip for slip, _ in secret_of(question).slips]
        for answer in [wrong, *map(str, slips), wrong, wrong]:
            result = check_answer(exercise, answer, question)
            found += feedback_problems(result.html(), f"{exercise.id} feedback to {answer!r}")
            if result.revealed:
                break
        for paragraph in reveal(exercise, question).split("\n\n"):
            found += feedback_problems(inline_html(paragraph), f"{exercise.id} solution")
    assert found == []


FUNCTIONS = [exercise for exercise in EXERCISES if exercise.kind == "function"]


def constant(*args, **kwargs):
    return 1.0


def raising(*args, **kwargs):
    raise ZeroDivisionError("learner's own bug")


@pytest.mark.parametrize("exercise", FUNCTIONS, ids=[e.id for e in FUNCTIONS])
def test_code_feedback_renders_without_stray_marks(exercise):
    found = []
    for answer in (constant, raising, lambda *args, **kwargs: None,
                   solution_copy(exercise)):
        result = ex.check(exercise.id, answer, record=False)
        found += feedback_problems(result.html(), f"{exercise.id} feedback")
    assert found == []


def test_the_sgd_hint_keeps_its_powers():
    """The issue's example: the hint's formula reads as typed, in code, not in italics."""
    hint = ex.get("l10-number-sgd").hints[0]
    rendered = markdown_html(hint)
    assert "<em>" not in rendered and "<strong>" not in rendered
    assert "(w*x - t)**2" in rendered.replace("&lt;", "<")


def test_feedback_shows_code_spans_as_code_and_typed_stars_as_stars():
    rendered = inline_html("Right: 2*x*y agrees; the term `1/x` is off, see **forward-mode**")
    assert "2*x*y" in rendered and "<code>1/x</code>" in rendered and "`" not in rendered
    assert "<b>forward-mode</b>" in rendered
