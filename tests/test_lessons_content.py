"""What the lessons say and show (issue 20, items 7 and 10-16), read from the notebooks.

No kernel is started: the notebooks are read as files, and where a statement is about what a
cell computes, that cell's code runs here on its own (the notebooks themselves run top to
bottom in test_notebooks.py).
"""

import itertools
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

import tutor.exercises as ex

REPO = Path(__file__).resolve().parent.parent
LESSONS = sorted((REPO / "lessons").glob("[0-9][0-9]_*.ipynb"))
STUB = re.compile(r'^ex\.get\("(?P<id>[^"]+)"\)$')
WIDGET = re.compile(r'^ex\.CheckWidget\("(?P<id>[^"]+)"\)$')


def notebook(number):
    return nbformat.read(next(path for path in LESSONS if path.name.startswith(f"{number:02d}_")),
                         as_version=4)


def cell(number, cell_id):
    return next(item.source for item in notebook(number).cells if item.get("id") == cell_id)


def cells_above(number, exercise_id):
    """Every cell's text above the first place the learner meets ``exercise_id`` (its prompt
    or its check widget)."""
    above = []
    for item in notebook(number).cells:
        source = item.source.strip()
        found = STUB.match(source) or WIDGET.match(source)
        if found and found["id"] == exercise_id:
            return above
        above.append(item.source)
    raise AssertionError(f"{exercise_id} is not in lesson {number}")


def squeezed(text):
    return re.sub(r"\s+", "", text)


# ------------------------------------------------- 7. nothing shown before the attempt

CODE_EXERCISES = [(int(path.name[:2]), exercise.id) for path in LESSONS
                  for exercise in ex.catalog(lesson=int(path.name[:2]), kind="function")]


@pytest.mark.parametrize("number, exercise_id", CODE_EXERCISES,
                         ids=[exercise_id for _, exercise_id in CODE_EXERCISES])
def test_no_cell_above_a_code_exercise_holds_its_solution(number, exercise_id):
    """Two statements of the solution above its exercise give it away; one alone is a
    common line (a loop over parents, the course's own API shown for use)."""
    body = ex.get(exercise_id).solution_source.splitlines()[1:]
    lines = [squeezed(line) for line in body if len(squeezed(line)) >= 12
             and not line.strip().startswith(("#", '"""', "from ", "import "))]
    shown = squeezed("\n".join(cells_above(number, exercise_id)))
    given = [line for line in lines if line in shown]
    assert len(given) < 2, f"lesson {number} shows {given} above {exercise_id}"


SHOWN_BEFORE = [    # the issue's examples, as they were written in the lessons
    (3, "l03-ancestors", "stack.extend(node.parents)"),
    (1, "l01-expr-dfdx", r"\frac{2}{x} + y"), (1, "l01-number-partial", r"\frac{2}{x} + y"),
    (1, "l01-partials", "2y + x"),
    (5, "l05-vjp-sin", r"\bar g_v \cos a"), (5, "l05-vjp-divide-y", r"\frac{x}{y^2}"),
    (1, "l01-numerical-grad", r"f(x + \varepsilon) - f(x - \varepsilon)"),
]


@pytest.mark.parametrize("number, exercise_id, answer", SHOWN_BEFORE,
                         ids=[item[1] for item in SHOWN_BEFORE])
def test_the_answers_the_issue_found_above_their_exercises_are_gone(number, exercise_id, answer):
    assert answer not in "\n".join(cells_above(number, exercise_id))


def test_lesson_9s_code_exercise_is_not_written_out_above_it():
    exercise = ex.catalog(lesson=9, kind="function")[0]
    assert "grad(grad(f))" not in exercise.solution_source.splitlines()[-1]
    shown = "\n".join(cells_above(9, exercise.id))
    assert "/ grad(grad(" not in shown and "slope / curvature" not in shown


# ------------------------------------------------------------ 10. lesson 13's claims

def test_lesson_13_claims_only_what_it_measures_as_ratios_with_repeats():
    text = "\n".join(item.source for item in notebook(13).cells)
    for claim in ("nearly **flat**", "finite differences win", "repeats=1",
                  "This takes a few seconds", "(best run)"):
        assert claim not in text, claim
    assert r"\text{time}(\nabla f) /" in text and "time(whole gradient) / time(f)" in text
    from tutor.exercises.bank.lesson13 import GROWTH
    reverse = next(item for item in GROWTH if "reverse mode" in item[0] and "ratio" not in
                   item[0])
    ratio = next(item for item in GROWTH if "ratio" in item[0])
    assert reverse[1] == "about doubles" and ratio[1] == "stays about the same"


# ------------------------------------------- 11. which forward mode keeps nothing

@pytest.mark.parametrize("number", [11, 13])
def test_forward_mode_keeps_nothing_only_on_dual_numbers(number):
    text = " ".join(item.source for item in notebook(number).cells)
    for sentence in re.split(r"(?<=[.!?])\s+|\n\|", text):
        if re.search(r"keeps? (nothing|none|no tape)", sentence) and "orward" in sentence:
            assert "ual" in sentence, sentence            # Dual, dual numbers
    assert "make_jvp" in text and "keep" in text


from tutor.exercises.bank.lesson13 import GROWTH  # noqa: E402


def test_the_memory_question_says_which_forward_mode():
    question = next(item for item in GROWTH if "forward mode" in item[0] and "memory" in item[0])
    assert "dual numbers" in question[0]


# ---------------------------------------------------- 12. lesson 12's invitation

def test_lesson_12_sends_a_function_of_several_outputs_to_the_forward_mode_cell():
    invitation = cell(12, "l12-08")
    assert "records in reverse mode" in invitation and "forward mode" in invitation
    assert "needs $n$ passes either way" in invitation


def test_lesson_12_builds_a_jacobian_in_one_pass_with_many_tangents():
    namespace = {"np": np, "SimpleNamespace": __import__("types").SimpleNamespace}
    exec(compile(cell(12, "l12-19c"), "l12-19c", "exec"), namespace)  # noqa: S102 (course code)
    import tutor.autograd.numpy as tnp
    from tutor.autograd import jacobian
    A = np.array([[0.5, -1.0], [1.2, 0.4]])
    many = namespace["many"]
    x = np.array([0.3, -0.5])
    one_pass = namespace["jacobian_in_one_pass"](
        lambda v: many.tanh(A @ v) * v[0] - many.sin(v), x)
    assert np.allclose(one_pass, jacobian(lambda v: tnp.tanh(A @ v) * v[0] - tnp.sin(v))(x))


# ---------------------------------------------------------------- 13. lesson 11

def lesson_11_namespace():
    """Lesson 11's Dual and its tagged duals, on the course's JVP rules."""
    namespace = {"np": np, "itertools": itertools}
    for exercise_id in ("l11-jvp-sin", "l11-jvp-multiply", "l11-jvp-divide", "l11-jvp"):
        exec(ex.get(exercise_id).solution_source, namespace)  # noqa: S102 (course code)
    for cell_id in ("l11-25", "l11-31e"):
        exec(compile(cell(11, cell_id), cell_id, "exec"), namespace)  # noqa: S102
    return namespace


def test_nested_jvp_confuses_perturbations_and_tags_cure_it():
    namespace = lesson_11_namespace()
    jvp, tagged_jvp = namespace["jvp"], namespace["tagged_jvp"]
    confused = jvp(lambda x: x * jvp(lambda y: x + y, 1.0, 1.0)[1], 1.0, 1.0)[1]
    right = tagged_jvp(lambda x: x * tagged_jvp(lambda y: x + y, 1.0, 1.0)[1], 1.0, 1.0)[1]
    assert confused == 2.0 and right == 1.0
    assert "perturbation" in cell(11, "l11-31d")


def test_lesson_11_says_what_it_shows():
    text = "\n".join(item.source for item in notebook(11).cells)
    assert "seed's" not in text                     # the project's history, not the learner's
    assert "**seeds**" in text                      # the word explained where it is used
    assert "`ẋ_v1 = 1.0`" in cell(11, "l11-21")     # y's tangent, as the recorder prints it
    assert "function of x alone (with y = 2" not in text


def test_seed_is_explained_where_the_backward_pass_starts():
    assert "called its **seed**" in cell(6, "l06-00")


# ---------------------------------------------------------------- 14. lesson 14

def test_double_until_ten_refuses_what_would_loop_and_its_jumps_are_all_named():
    from tutor.autograd import grad
    namespace = {"grad": grad, "print": lambda *args: None}
    exec(compile(cell(14, "l14-05"), "l14-05", "exec"), namespace)  # noqa: S102
    from tutor.exercises.limits import time_limit
    for x in (0.0, -1.0):                       # it used to loop for ever: a hung kernel
        with pytest.raises(ValueError, match="x > 0"), time_limit(2.0):
            namespace["double_until_ten"](x)
    assert "every $10/2^k$" in cell(14, "l14-06") and "$x = 10$" in cell(14, "l14-06")


def test_lesson_14_shows_the_silent_wrong_gradient_and_stop_gradient():
    import tutor.autograd.numpy as tnp
    from tutor.autograd import grad, make_vjp
    from tutor.autograd.tracer import getval
    printed = []
    namespace = {"np": np, "tnp": tnp, "make_vjp": make_vjp, "grad": grad, "getval": getval,
                 "print": lambda *args: printed.append(args)}
    for cell_id in ("l14-34c", "l14-34e", "l14-34g"):
        exec(compile(cell(14, cell_id), cell_id, "exec"), namespace)  # noqa: S102
    assert list(printed[0][1]) == [100.0, 2.0]                   # silently wrong
    assert namespace["rounded"](1.3) == 1.0 and grad(namespace["rounded"])(1.3) == 1.0


# --------------------------------------------------------------- 15. notation

def test_no_lesson_mentions_the_seed_notebook():
    for path in LESSONS:
        text = path.read_text(encoding="utf-8")
        assert "seed notebook" not in text and "seed's" not in text, path.name


def test_lesson_7_writes_powers_with_two_stars_and_its_summary_credits_the_wrapper():
    assert "²" not in cell(7, "l07-12")
    summary = cell(7, "l07-24")
    assert "`with_keywords` wraps it" in summary


def test_lesson_10_points_to_lesson_11():
    assert "Next, lesson 11" in notebook(10).cells[-1].source


def test_lesson_3_says_the_recorder_names_constants_before_its_question():
    assert "names constants too" in "\n".join(cells_above(3, "l03-number-node-value"))
