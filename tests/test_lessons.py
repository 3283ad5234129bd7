"""The course as a learner meets it: where the lessons are, and what the notebooks show.

These tests read the lesson notebooks and the catalog without running a kernel.
"""

from tutor.app import build_app, lessons_note


def test_the_dashboard_says_where_the_lessons_are():
    standalone = lessons_note({})
    assert "make lessons" in standalone
    hub = lessons_note({"JUPYTERHUB_SERVICE_PREFIX": "/user/ann/"})
    assert 'href="/user/ann/lab/tree/lessons/01_what_are_we_finding.ipynb"' in hub
    intro = build_app().children[0].value
    assert "tutor-lessons-note" in intro


# --------------------------------------------------- hints and solutions tell the truth

import re  # noqa: E402  (kept beside the tests that use it)

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import tutor.exercises as ex  # noqa: E402
from tutor.exercises.model import reference_of, secret_of  # noqa: E402
from tutor.expression import ExpressionError, parse  # noqa: E402

CODE_SPAN = re.compile(r"`([^`]+)`")


def squeezed(text):
    return re.sub(r"\s+", "", text)


def solution_lines(exercise):
    """The statements of a function exercise's reference solution, without its signature
    and docstring, spaces removed."""
    body = exercise.solution_source.splitlines()[1:]
    lines = [squeezed(line) for line in body]
    return [line for line in lines if len(line) >= 10 and not line.startswith(('"""', "#"))]


FUNCTION_EXERCISES = ex.catalog(kind="function")


@pytest.mark.parametrize("exercise", FUNCTION_EXERCISES, ids=[e.id for e in FUNCTION_EXERCISES])
def test_the_last_hint_points_at_the_idea_not_the_code(exercise):
    last = exercise.hints[-1]
    for span in CODE_SPAN.findall(last):      # issue 20.9: l01-partials' "return dfdx, dfdy"
        assert not span.strip().startswith("return"), \
            f"{exercise.id}: the last hint gives code: {span}"
    for line in solution_lines(exercise):
        assert line not in squeezed(last), f"{exercise.id}: the last hint holds `{line}`"


HANDED_OVER = {            # issue 20.9: hints that gave the code away at stage 1 or 2
    "l05-unbroadcast": "np.sum(g, axis=0)", "l05-vjp-divide-y": "-x / y",
    "l12-hvp": "second part", "l08-vjp-matmul-x": "g @ y.T", "l01-partials": "return dfdx",
}


@pytest.mark.parametrize("exercise", FUNCTION_EXERCISES, ids=[e.id for e in FUNCTION_EXERCISES])
def test_no_hint_hands_over_the_code(exercise):
    """No hint, at any stage, holds a statement of the solution or a piece of its code: a
    code span of the hints is a name or a tool, never an expression the solution writes
    (unless the prompt itself already gives it)."""
    body = squeezed("\n".join(exercise.solution_source.splitlines()[1:]))
    prompt = squeezed(exercise.prompt)
    for hint in exercise.hints:
        assert HANDED_OVER.get(exercise.id, "\0") not in hint, f"{exercise.id}: {hint}"
        for line in solution_lines(exercise):
            assert line not in squeezed(hint), f"{exercise.id}: a hint holds `{line}`"
        for span in CODE_SPAN.findall(hint):
            code = squeezed(span)
            if len(code) >= 8 and any(mark in code for mark in "(=[+*/@") and \
                    code not in prompt:
                assert code not in body, f"{exercise.id}: the hint `{span}` is solution code"


def formula(text):
    """A hint's formula as a parsed expression (``·`` a product, ``²`` a square), or None."""
    text = text.replace("·", "*").replace("²", "**2").replace("−", "-").strip().rstrip(".;,")
    try:
        return parse(text)
    except ExpressionError:
        return None


def random_points(variables, count=5, seed=0):
    rng = np.random.default_rng(seed)
    return [{name: float(rng.uniform(0.4, 1.8)) for name in variables} for _ in range(count)]


def derivative_at(expression, name, point, order=1, step=1e-4):
    """Central differences of a parsed expression (order 1 or 2) with respect to ``name``."""
    def at(shift):
        return float(expression(**{**point, name: point[name] + shift}))
    if order == 1:
        return (at(step) - at(-step)) / (2 * step)
    return (at(step) - 2 * at(0.0) + at(-step)) / step ** 2


DERIVATIVE_CLAIM = re.compile(
    r"d(?P<order>²?)/d(?P<name>[a-z])²?\s+(?P<lhs>[^=;]+?)\s*=\s*(?P<rhs>[^;=]+?)(?=;|$|\.\s)")


def derivative_claims():
    """Every "d/dx <formula> = <formula>" in a hint, as (exercise id, order, name, lhs, rhs)."""
    found = []
    for exercise in ex.catalog():
        for hint in exercise.hints:
            for match in DERIVATIVE_CLAIM.finditer(hint.replace("`", "")):
                found.append((exercise.id, 2 if match["order"] else 1, match["name"],
                              match["lhs"], match["rhs"]))
    return found


CLAIMS = derivative_claims()


def test_hints_make_derivative_claims_the_test_can_read():
    assert len(CLAIMS) >= 3
    assert any(claim[0] == "l10-number-sgd" for claim in CLAIMS)


@pytest.mark.parametrize("exercise_id, order, name, lhs, rhs", CLAIMS,
                         ids=[f"{claim[0]}:{claim[3]}" for claim in CLAIMS])
def test_every_derivative_a_hint_states_is_right(exercise_id, order, name, lhs, rhs):
    left, right = formula(lhs), formula(rhs)
    assert left is not None and right is not None, f"{exercise_id}: cannot read {lhs} = {rhs}"
    variables = sorted(set(left.variables) | set(right.variables) | {name})
    for point in random_points(variables):
        claimed = float(right(**{key: point[key] for key in right.variables}))
        true = derivative_at(lambda **values: left(**{key: values[key]
                                                    for key in left.variables}),
                             name, point, order)
        assert claimed == pytest.approx(true, rel=1e-3, abs=1e-3), \
            f"{exercise_id}: d/d{name} {lhs} is not {rhs} at {point}"


QUESTION_EXERCISES = [exercise for exercise in ex.catalog() if exercise.kind != "function"]


def drawn(exercise, count=20):
    return [exercise.make_question(np.random.default_rng(seed)) for seed in range(count)]


@pytest.mark.parametrize("exercise", QUESTION_EXERCISES, ids=[e.id for e in QUESTION_EXERCISES])
def test_questions_and_explanations_write_formulas_one_way(exercise):
    for question in drawn(exercise):
        secret = secret_of(question)
        for text in (question.text, secret.explanation, str(secret.answer), *exercise.hints):
            assert "+ -" not in text, f"{exercise.id}: {text}"
        for text in (secret.explanation, str(secret.answer), *exercise.hints):
            assert "^" not in text, f"{exercise.id}: powers are written **: {text}"


def numeric_chains(text):
    """Runs of "a = b = c" in ``text`` whose parts are numbers or arithmetic on numbers."""
    for sentence in re.split(r"[;,→]\s|\.\s|\n", text):
        parts = [formula(part) for part in sentence.split(" = ")]
        numbers = [float(part()) for part in parts
                   if part is not None and not part.variables]
        if len(numbers) >= 2:
            yield sentence, numbers


@pytest.mark.parametrize("exercise", QUESTION_EXERCISES, ids=[e.id for e in QUESTION_EXERCISES])
def test_worked_numbers_in_explanations_agree_with_each_other_and_the_answer(exercise):
    for question in drawn(exercise):
        secret = secret_of(question)
        for sentence, numbers in numeric_chains(secret.explanation):
            assert numbers == pytest.approx([numbers[0]] * len(numbers), rel=1e-3, abs=1e-3), \
                f"{exercise.id}: {sentence}"
        if exercise.kind == "number":
            assert float(reference_of(exercise)(question)) == pytest.approx(
                float(secret.answer))


def test_the_second_derivative_explanation_differentiates_the_drawn_cubic():
    from tutor.autograd import grad
    exercise = ex.get("l09-number-second-derivative")
    for question in drawn(exercise):
        f_text = re.search(r"`f\(x\) = ([^`]+)`", question.text).group(1)
        first, second = re.search(r"f'\(x\) = (.+?), f''\(x\) = (.+?) = ",
                                  secret_of(question).explanation).groups()
        f = parse(f_text)
        for x in (-1.3, 0.4, 1.7):
            assert parse(first)(x=x) == pytest.approx(grad(f)(x))
            assert parse(second)(x=x) == pytest.approx(grad(grad(f))(x))


# ------------------------------------------------------------- the learner's autograd

import textwrap  # noqa: E402

from exercise_helpers import learner_module  # noqa: E402
from tutor import mygrad  # noqa: E402
from tutor.exercises.kit import Box, Node  # noqa: E402


REFERENCE_PIECES = {name: ex.get(exercise_id).solution_source
                    for name, (_, exercise_id) in mygrad.PIECES.items()}


@pytest.fixture
def mygrad_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("TUTOR_MYGRAD_DIR", str(tmp_path / "mine"))
    monkeypatch.setenv("TUTOR_PROGRESS_DB", str(tmp_path / "progress.sqlite"))
    return tmp_path / "mine"


def test_with_nothing_kept_the_course_fills_in_and_says_so(mygrad_dir):
    mine = mygrad.load(quiet=True)
    assert mine.yours == [] and set(mine.missing) == set(mygrad.PIECES)
    assert "toposort       the course's: not kept yet (write it in lesson 6" in mine.report()
    assert mine.grad(lambda x: mine.sin(x) * x)(0.5) == pytest.approx(
        np.cos(0.5) * 0.5 + np.sin(0.5))


def test_kept_pieces_make_one_autograd_that_passes_the_capstone(tmp_path, mygrad_dir, capsys):
    learner = learner_module(tmp_path, "learner", REFERENCE_PIECES.values())
    for name in mygrad.PIECES:
        assert mygrad.keep(getattr(learner, name)) is getattr(learner, name)
        assert capsys.readouterr().out.startswith(f"Kept your {name}")
    assert mygrad.kept() == list(mygrad.PIECES)
    mine = mygrad.load(quiet=True)
    assert mine.yours == list(mygrad.PIECES), mine.report()
    assert ex.check("l07-grad", mine.grad, record=False).passed
    # The functions checked were built from the learner's primitives:
    from tutor.exercises.bank.lesson07 import primitives_beside
    assert primitives_beside(mine.grad).sin is mine.sin


def test_a_piece_that_fails_its_check_is_not_kept_and_not_used(tmp_path, mygrad_dir, capsys):
    learner = learner_module(tmp_path, "wrong", [
        "def toposort(end_node):\n    return [end_node]\n"])
    in_use = mygrad.keep(learner.toposort)
    assert capsys.readouterr().out.startswith(
        "Not kept: your toposort does not pass l06-toposort")
    assert in_use is not learner.toposort and in_use(Node(1.0)) != []     # the course's
    assert not mygrad.path().exists()
    mygrad.keep(learner.toposort, check=False)          # kept anyway, by hand
    mine = mygrad.load(quiet=True)
    assert "toposort" not in mine.yours
    assert mine.missing["toposort"].startswith("yours does not pass l06-toposort")


def test_the_capstone_names_the_piece_of_the_learners_autograd_that_fails(mygrad_dir):
    namespace = {}
    mygrad.load(into=namespace, quiet=True)
    broken = textwrap.dedent('''
        def backward_pass(g, end_node):
            adjoints = {end_node: g}
            for node in toposort(end_node):
                if node.parents:
                    for parent, c in zip(node.parents, node.vjp(adjoints[node])):
                        adjoints[parent] = c            # forgets to add up at fan-out
            return adjoints
    ''')
    code = compile(broken + "\n" + REFERENCE_PIECES["grad"], "<learner's cells>", "exec")
    exec(code, namespace)  # noqa: S102 (the test plays a learner typing into a notebook)
    result = ex.check("l07-grad", namespace["grad"], record=False)
    assert not result.passed
    assert "your backward_pass (l06-backward-pass)" in result.message, result.message


def test_leaving_out_the_end_node_is_named_as_the_end_node():
    end = Node(2.0, "mul", (Node(1.0, name="v0"),) * 2, name="v1")
    result = ex.check("l06-toposort", lambda node: [parent for parent in node.parents][:1],
                      record=False)
    assert not result.passed
    from tutor.exercises.bank.lesson03 import judge_node_collection
    mismatch = judge_node_collection(end, [end.parents[0]])
    assert mismatch.message == "v1 is missing: the end node itself belongs in your result"


CHEATS = {
    "constant": ("def grad(f, argnum=0):\n    return lambda *args: 1.0\n", "value"),
    "raising": ("def grad(f, argnum=0):\n    raise ZeroDivisionError('my bug')\n", "exception"),
    "nan": ("def grad(f, argnum=0):\n    return lambda *args: float('nan')\n", "nan"),
    "none": ("def grad(f, argnum=0):\n    return lambda *args: None\n", "none"),
    "looping": ("def grad(f, argnum=0):\n    while True:\n        pass\n", "timeout"),
    "hard-coded": ("def grad(f, argnum=0):\n    return lambda *args: 0.5403\n", "value"),
}


@pytest.mark.parametrize("name", CHEATS)
def test_the_capstone_fails_cheating_answers_written_beside_the_learners_autograd(
        name, mygrad_dir):
    source, problem = CHEATS[name]
    namespace = {}
    mygrad.load(into=namespace, quiet=True)
    exec(compile(source, "<learner's cell>", "exec"), namespace)  # noqa: S102
    from tutor.exercises.bank.lesson07 import primitives_beside
    assert primitives_beside(namespace["grad"]) is not None     # the learner's-autograd path
    result = ex.check("l07-grad", namespace["grad"], time_limit=0.5, record=False)
    assert not result.passed and result.problem == problem, result


# ------------------------------------------------------ the catalog and the notebooks agree

import nbformat  # noqa: E402
from pathlib import Path  # noqa: E402

LESSON_FILES = sorted((Path(__file__).resolve().parent.parent / "lessons").glob(
    "[0-9][0-9]_*.ipynb"))
WIDGET = re.compile(r'ex\.CheckWidget\("([^"]+)"')


def test_every_exercise_of_the_catalog_is_in_its_lesson_so_progress_can_reach_100_percent():
    shown = {}
    for path in LESSON_FILES:
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code":
                for exercise_id in WIDGET.findall(cell.source):
                    shown.setdefault(exercise_id, int(path.name[:2]))
    lessons = {int(path.name[:2]) for path in LESSON_FILES}
    for exercise in ex.catalog():
        if exercise.lesson in lessons:
            assert shown.get(exercise.id) == exercise.lesson, \
                f"{exercise.id} has no check widget in lesson {exercise.lesson}"


EXPRESSION_EXERCISES = ex.catalog(kind="expression")


@pytest.mark.parametrize("exercise", EXPRESSION_EXERCISES,
                         ids=[e.id for e in EXPRESSION_EXERCISES])
def test_the_last_hint_of_an_expression_question_is_not_its_answer(exercise):
    for question in drawn(exercise, count=10):
        reference = secret_of(question).reference
        for span in CODE_SPAN.findall(exercise.hints[-1]):
            typed = formula(span)
            if typed is None or not set(typed.variables) <= set(question.variables):
                continue
            differs = any(abs(float(typed(**{k: p[k] for k in typed.variables}))
                              - reference(p)) > 1e-6 for p in question.points)
            assert differs, f"{exercise.id}: the last hint `{span}` is the answer"


def test_an_unfilled_grad_beside_the_learners_autograd_is_not_done_yet(mygrad_dir):
    namespace = {}
    mygrad.load(into=namespace, quiet=True)
    exec(compile("def grad(f, argnum=0):\n    raise NotImplementedError('not done yet')\n",  # noqa: S102
                 "<stub>", "exec"), namespace)
    result = ex.check("l07-grad", namespace["grad"], record=False)
    assert result.problem == "unfinished", result


def test_a_kept_piece_that_needs_a_helper_left_behind_says_what_to_do(tmp_path, mygrad_dir,
                                                                       capsys):
    """Issue 20.4: keep refuses a piece that passes beside its helper but cannot run from
    mygrad.py alone (it used to keep it, and load fell back later); kept by hand anyway,
    load still says what to do."""
    learner = learner_module(tmp_path, "helped", [
        "def visit_all(node, order, seen):\n"
        "    if node not in seen:\n"
        "        seen.add(node)\n"
        "        for parent in node.parents:\n"
        "            visit_all(parent, order, seen)\n"
        "        order.append(node)\n",
        "def toposort(end_node):\n    order = []\n    visit_all(end_node, order, set())\n"
        "    return order[::-1]\n"])
    assert mygrad.keep(learner.toposort) is learner.toposort   # it passes where it is
    said = capsys.readouterr().out
    assert said.startswith("Not kept: your toposort passes here, but not as mygrad.py would "
                           "hold it"), said
    assert "NameError: name 'visit_all' is not defined" in said
    assert "define any helper it needs inside it" in said
    assert mygrad.kept() == []
    mygrad.keep(learner.toposort, check=False)          # kept by hand: load says the same
    mine = mygrad.load(quiet=True)
    assert "toposort" not in mine.yours
    assert "define any helper it needs inside it" in mine.missing["toposort"]
