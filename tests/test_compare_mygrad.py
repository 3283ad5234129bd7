"""Your autograd stepped beside the reference (issue 25): ``tutor.mygrad.compare``.

Each test plays a learner whose autograd has one deliberate bug, kept in ``mygrad.py`` or
written in a lesson's notebook, and checks that the comparison finds it at the step where
it first shows, names the piece it lives in, and says it in one sentence; a correct autograd
agrees with the reference on random functions. Lesson 8's and 11's autograds are built
from the lessons' own cells.
"""

import inspect
import json
import re
import time
from pathlib import Path

import nbformat
import numpy as np
import pytest

import tutor.autograd.numpy as tnp
import tutor.exercises as ex
from tutor import mygrad
from tutor.exercises import checking
from tutor.exercises.randfun import evaluate, random_smooth, to_text
from tutor.record import BackwardStep, Recording

LESSONS = Path(__file__).resolve().parent.parent / "lessons"

BROKEN = {
    "vjp_sin": "def vjp_sin(ans, x):\n    return lambda g: g * np.sin(x)\n",
    "vjp_divide_y": "def vjp_divide_y(ans, x, y):\n    return lambda g: g * x / y ** 2\n",
    "overwriting": '''
def backward_pass(g, end_node):
    adjoints = {end_node: g}
    for node in toposort(end_node):
        if node.parents:
            for parent, contribution in zip(node.parents, node.vjp(adjoints[node])):
                adjoints[parent] = contribution            # forgets to add at fan-out
    return adjoints
''',
    "in place": '''
def backward_pass(g, end_node):
    adjoints = {end_node: g}
    for node in toposort(end_node):
        if node.parents:
            for parent, contribution in zip(node.parents, node.vjp(adjoints[node])):
                if parent in adjoints:
                    adjoints[parent] += contribution       # changes an array others hold
                else:
                    adjoints[parent] = contribution
    return adjoints
''',
    "breadth first": '''
def toposort(end_node):
    order, seen, queue = [], set(), [end_node]
    while queue:                      # breadth first: a node may come before its users
        node = queue.pop(0)
        if node not in seen:
            seen.add(node)
            order.append(node)
            queue.extend(node.parents)
    return order
''',
    "unbroadcast": '''
def unbroadcast(target, g):
    while np.ndim(g) > np.ndim(target):
        g = np.sum(g, axis=0)
    return g                          # forgets the axes of size 1 numpy stretched
''',
    "raising": "def vjp_sin(ans, x):\n    return lambda g: g * np.cos(x) / undefined_scale\n",
    "looping": "def toposort(end_node):\n    order = []\n    while True:\n        order.append(end_node)\n",
}


@pytest.fixture
def mygrad_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("TUTOR_MYGRAD_DIR", str(tmp_path / "mine"))
    monkeypatch.setenv("TUTOR_PROGRESS_DB", str(tmp_path / "progress.sqlite"))
    (tmp_path / "mine").mkdir()
    return tmp_path / "mine"


def keep_pieces(replace=None, leave_out=()):
    """``mygrad.py`` holding the reference's pieces as if the learner had written them, with
    ``replace`` (name -> source) kept instead, unchecked, as a learner editing the file."""
    replace = replace or {}
    sections = {name: replace.get(name, ex.get(exercise_id).solution_source)
                for name, (_, exercise_id) in mygrad.PIECES.items() if name not in leave_out}
    mygrad.path().write_text(mygrad._file_text(sections), encoding="utf-8")


def sin_times_x(x):
    return tnp.sin(x) * x


def fan_out(x):
    a = tnp.sin(x)
    return a + tnp.exp(a)


def lesson_1(x, y):
    return tnp.log(x ** 2) + y ** 2 + x * y


def cells(lesson, *ids):
    """The sources of cells ``ids`` of a lesson notebook, joined."""
    path = next(LESSONS.glob(f"{lesson:02d}_*.ipynb"))
    found = {cell.get("id"): cell.source for cell in nbformat.read(path, as_version=4).cells}
    return "\n".join(found[cell_id] for cell_id in ids)


def notebook(source):
    """A notebook's namespace after running ``source`` (the test plays the learner)."""
    namespace = {"__name__": "__main__"}
    exec(compile("import inspect\nimport numpy as np\n" + source, "<notebook>", "exec"),  # noqa: S102
         namespace)
    return namespace


def lesson_8(extra=""):
    """Lesson 8's own autograd (its first cell, with the learner's vjp_sum and vjp_matmul_x,
    array_sum and matmul), then ``extra`` typed below it."""
    answers = "\n".join(ex.get(exercise_id).solution_source
                        for exercise_id in ("l08-vjp-sum", "l08-vjp-matmul-x"))
    return notebook("\n".join([cells(8, "l08-04"), answers, cells(8, "l08-08", "l08-12"),
                               extra]))


def lesson_11(replace=None):
    """Lesson 11's dual numbers with the learner's rules and jvp (``replace``: other source)."""
    replace = replace or {}
    answers = "\n".join(replace.get(name, ex.get(exercise_id).solution_source)
                        for name, exercise_id in (("jvp_sin", "l11-jvp-sin"),
                                                  ("jvp_multiply", "l11-jvp-multiply"),
                                                  ("jvp_divide", "l11-jvp-divide"),
                                                  ("jvp", "l11-jvp")))
    return notebook(answers + "\n" + cells(11, "l11-25") + "\n"
                    "def f_of_x(x):\n    return x * x * x + 2 * x * tanh(x)\n")


def backward_step(comparison, k):
    step = comparison.mine.step(k)
    assert isinstance(step, BackwardStep)
    return step.node, step.parent


# ----------------------------------------------------------- each bug, at its step, named

def test_vjp_sin_with_sin_for_cos_is_found_where_sin_sends_to_x(mygrad_dir):
    keep_pieces({"vjp_sin": BROKEN["vjp_sin"]})
    comparison = mygrad.compare(sin_times_x, 0.5)
    assert isinstance(comparison.mine, Recording) and isinstance(comparison.reference, Recording)
    assert not comparison.agree
    difference = comparison.first_difference
    assert difference.piece == "vjp_sin" and difference.what == "contribution"
    assert backward_step(comparison, difference.step) == ("v1", "v0")      # sin(x) -> x
    assert difference.sentence == ("Step 5: your vjp_sin sent 0.2397 to x (g · sin(x)); the "
                                   "reference sends 0.4388 (g · cos(x)).")
    assert np.isclose(difference.got, 0.5 * np.sin(0.5)) and \
        np.isclose(difference.expected, 0.5 * np.cos(0.5))
    # the learner's recording shows their formula and their numbers
    assert "ḡ_v0 += ḡ_v1 · sin(v0)" in comparison.mine.step(5).line
    assert comparison.mine.gradient == pytest.approx(np.sin(0.5) + 0.5 * np.sin(0.5))
    assert comparison.whose["vjp_sin"] == "yours" and comparison.whose["toposort"] == "yours"


def test_vjp_divide_y_with_the_wrong_sign(mygrad_dir):
    keep_pieces({"vjp_divide_y": BROKEN["vjp_divide_y"]})
    comparison = mygrad.compare(lambda x, y: x / y, 1.5, 2.0, argnum=1)
    difference = comparison.first_difference
    assert difference.piece == "vjp_divide_y"
    assert backward_step(comparison, difference.step) == ("v2", "v0")      # x / y -> y
    assert comparison.mine.inputs == {"y": "v0"}
    assert difference.sentence.startswith(f"Step {difference.step}: your vjp_divide_y sent "
                                           f"0.375 to y (g · x / y**2); the reference sends "
                                           f"-0.375")


def test_a_backward_pass_that_overwrites_is_found_at_the_second_share(mygrad_dir):
    keep_pieces({"backward_pass": BROKEN["overwriting"]})
    comparison = mygrad.compare(lesson_1, 1.0, 2.0)
    difference = comparison.first_difference
    assert difference.piece == "backward_pass's accumulation"
    step = comparison.mine.step(difference.step)
    assert step.parent == "v0" and step.accumulates        # x's second share: x*y, then x**2
    assert not any(earlier.parent == "v0" and earlier.accumulates
                   for earlier in comparison.mine.backward if earlier.index < step.index)
    assert "replaced ḡ_v0 = 2.0 by v2's share 2.0 instead of adding it: 2.0 + 2.0 = 4.0" \
        in difference.sentence


def test_a_toposort_that_visits_a_node_before_all_its_children(mygrad_dir):
    keep_pieces({"toposort": BROKEN["breadth first"]})
    comparison = mygrad.compare(fan_out, 0.5)
    difference = comparison.first_difference
    assert difference.piece == "toposort's order" and difference.what == "order"
    assert backward_step(comparison, difference.step) == ("v1", "v0")      # a passed on early
    assert "before v2 had sent its share: your toposort puts v1 before v2, which uses it" \
        in difference.sentence
    assert comparison.reference.step(difference.reference_step).node == "v1"


def test_adding_in_place_on_arrays_is_found_where_another_adjoint_changes():
    namespace = lesson_8(BROKEN["in place"] + "\nc = 2.0 * np.ones(3)\ndef f(x):\n"
                         "    v = x + c\n    return array_sum((v + x) * v)\n")
    comparison = mygrad.compare(namespace["f"], np.array([1.0, 2.0, 3.0]), autograd=namespace)
    difference = comparison.first_difference
    assert difference.piece == "backward_pass's accumulation (in place)"
    assert backward_step(comparison, difference.step) == ("v2", "v0")      # the second += to x
    assert "also changed ḡ_v3 from [3.0, 4.0, 5.0] to [10.0, 14.0, 18.0]" in difference.sentence
    assert "`+=`" in difference.sentence


def test_an_unbroadcast_of_the_wrong_shape():
    namespace = lesson_8(BROKEN["unbroadcast"] + "\nX = np.arange(6.0).reshape(2, 3)\n"
                         "def f(b):\n    return array_sum((X + b) ** 2)\n")
    comparison = mygrad.compare(namespace["f"], np.array([[1.0, -1.0, 0.5]]), autograd=namespace)
    difference = comparison.first_difference
    assert difference.piece == "unbroadcast's shape"
    assert backward_step(comparison, difference.step) == ("v2", "v0")      # X + b -> b
    assert "the shape 2×3, but b has shape 1×3" in difference.sentence
    assert np.shape(comparison.mine.step(difference.step).contribution) == (2, 3)


def test_lesson_8_linear_model_agrees_and_its_pieces_are_the_notebooks():
    namespace = lesson_8("X = np.arange(6.0).reshape(2, 3)\n"
                         "def loss(w, b):\n    return array_sum((X @ w + b) ** 2)\n")
    for argnum in (0, 1):
        comparison = mygrad.compare(namespace["loss"], np.array([1.0, 0.5, -1.0]), 0.3,
                                    argnum=argnum, autograd=namespace)
        assert comparison.agree, comparison
    assert comparison.whose["vjp_matmul_x"] == "this notebook's"


# ------------------------------------------------------------------ a correct autograd

def built(expr, names, lib):
    def f(*values):
        return evaluate(expr, dict(zip(names, values)), lib)
    f.__signature__ = inspect.Signature([inspect.Parameter(
        name, inspect.Parameter.POSITIONAL_OR_KEYWORD) for name in names])
    return f


@pytest.mark.parametrize("seed", range(3))
def test_a_correct_autograd_agrees_with_the_reference_on_random_functions(mygrad_dir, seed):
    keep_pieces()
    mine = mygrad.load(quiet=True)
    rng = np.random.default_rng(seed)
    for _ in range(8):
        names = ("x", "y", "z")[:int(rng.integers(1, 4))]
        expr = random_smooth(rng, names, size=int(rng.integers(2, 6)))
        point = tuple(round(float(rng.uniform(-1.5, 1.5)), 3) for _ in names)
        argnum = int(rng.integers(len(names)))
        for lib in (tnp, mine):             # written with tutor.autograd's, or the learner's
            comparison = mygrad.compare(built(expr, names, lib), *point, argnum=argnum)
            assert comparison.agree, (to_text(expr), point, argnum, comparison)
            assert comparison.first_difference is None
            assert comparison.mine.gradient == pytest.approx(comparison.reference.gradient)
            assert len(comparison.mine.backward) == len(comparison.reference.backward)


def test_a_valid_order_other_than_the_references_agrees(mygrad_dir):
    keep_pieces({"toposort": ex.get("l06-toposort").solution_source.replace(
        "for parent in node.parents", "for parent in reversed(node.parents)")})
    comparison = mygrad.compare(lambda x, y: lesson_1(x, y) * tnp.sin(x), 1.0, 2.0)
    assert comparison.agree, comparison
    order = [(step.node, step.parent) for step in comparison.mine.backward]
    assert order != [(step.node, step.parent) for step in comparison.reference.backward]


# ------------------------------------------- partly the course's, raising, looping, stubs

def test_pieces_partly_the_courses_are_said_whose(mygrad_dir):
    keep_pieces({"vjp_sin": BROKEN["vjp_sin"]}, leave_out=("toposort", "backward_pass"))
    comparison = mygrad.compare(sin_times_x, 0.5)
    assert comparison.whose["toposort"] == "the course's"
    assert comparison.whose["backward_pass"] == "the course's"
    assert comparison.whose["vjp_sin"] == "yours"
    assert comparison.piece == "vjp_sin"
    assert "toposort the course's" in repr(comparison)


def test_lesson_6_compares_the_notebooks_failing_attempt_not_the_stand_in(mygrad_dir, capsys):
    keep_pieces(leave_out=("backward_pass", "grad"))
    namespace = notebook("from tutor.mygrad import compare, keep, load\n"
                         "my_autograd = load(globals(), quiet=True)\n"
                         + BROKEN["overwriting"] +
                         "backward_pass = keep(backward_pass)\n"
                         "def f(x, y):\n    return log(x**2) + y**2 + x*y\n"
                         "comparison = compare(f, 1.0, 2.0)\n")       # as lesson 6's cells
    assert "Not kept: your backward_pass does not pass" in capsys.readouterr().out
    comparison = namespace["comparison"]
    assert comparison.whose["backward_pass"] == ("yours (it does not pass l06-backward-pass "
                                                 "yet)")
    assert comparison.whose["grad"] == "the course's"
    assert comparison.piece == "backward_pass's accumulation"


def test_code_that_raises_is_stopped_at_its_step_with_its_exception_in_one_line(mygrad_dir):
    keep_pieces({"vjp_sin": BROKEN["raising"]})
    comparison = mygrad.compare(sin_times_x, 0.5)
    difference = comparison.first_difference
    assert difference.what == "error" and difference.piece == "vjp_sin"
    assert difference.sentence == ("Step 5: your vjp_sin raised NameError: name "
                                   "'undefined_scale' is not defined while v1 passed its "
                                   "adjoint ḡ_v1 = 0.5 on.")
    assert comparison.mine.steps == 4               # the steps before it are there to step


def test_an_endless_loop_is_stopped_by_the_time_limit_and_nothing_hangs(mygrad_dir):
    keep_pieces({"toposort": BROKEN["looping"]})
    start = time.monotonic()
    comparison = mygrad.compare(sin_times_x, 0.5, limit=0.5)
    assert time.monotonic() - start < 0.5 + checking.GRACE_SECONDS + 5
    difference = comparison.first_difference
    assert difference.what == "time" and difference.piece == "toposort"
    assert difference.step == 3                     # the backward pass's first step
    assert "still running after 0.5 s" in difference.sentence
    assert comparison.view().reference is not None


OTHER_SLIPS = {       # name: (piece, its source, f, args, argnum, the piece named, words)
    "a VJP returning None": ("vjp_sin", "def vjp_sin(ans, x):\n    return lambda g: None\n",
                             sin_times_x, (0.5,), 0, "vjp_sin", "Step 5: your vjp_sin sent None"),
    "a toposort leaving a node out": ("toposort", "def toposort(end_node):\n"
                                                  "    return [end_node]\n", sin_times_x,
                                      (0.5,), 0, "toposort", "your toposort left out v1"),
    "a backward pass returning a list": (
        "backward_pass", BROKEN["overwriting"].replace("return adjoints",
                                                       "return list(adjoints.values())"),
        sin_times_x, (0.5,), 0, "backward_pass", "not a dict mapping each Node"),
    "a grad tracing the wrong argument": (
        "grad", ex.get("l07-grad").solution_source.replace("make_vjp(f_of_one, args[argnum])",
                                                           "make_vjp(f_of_one, args[0])"),
        lesson_1, (1.0, 2.0), 1, "grad", "your grad traced the value 1.0, but y = 2.0"),
    "a grad that never pulls back": (
        "grad", ex.get("l07-grad").solution_source.replace("return vjp(1.0)", "return ans"),
        sin_times_x, (0.5,), 0, "grad", "never started the backward pass"),
    "code ending the process": ("toposort", "def toposort(end_node):\n    import os\n"
                                            "    os._exit(3)\n", sin_times_x, (0.5,), 0,
                                "toposort", "Step 3: your code ended the process it ran in"),
    "a primitive recording one parent": (
        "primitive", ex.get("l04-primitive").solution_source.replace(
            "Node(value, raw_fun, parents)", "Node(value, raw_fun, parents[:1])"),
        sin_times_x, (0.5,), 0, "primitive", "with 1 parent, but 2 of its arguments are Boxes"),
    "a primitive f uses that the autograd lacks": (
        "vjp_sin", ex.get("l05-vjp-sin").solution_source, lambda x: tnp.sum(x) * x, (0.5,), 0,
        "f", "your autograd has no sum"),
}


@pytest.mark.parametrize("slip", OTHER_SLIPS)
def test_other_slips_are_named(mygrad_dir, slip):
    name, source, f, args, argnum, piece, words = OTHER_SLIPS[slip]
    keep_pieces({name: source})
    difference = mygrad.compare(f, *args, argnum=argnum).first_difference
    assert difference.piece == piece and words in difference.sentence, difference


def test_stubs_not_written_yet_are_the_courses(mygrad_dir):
    namespace = notebook('def toposort(end_node):\n    raise NotImplementedError("not done yet")\n')
    assert mygrad.compare(sin_times_x, 0.5, autograd=None).agree
    from tutor.mygrad_pieces import own_piece
    assert own_piece(namespace["toposort"]) is None


def test_without_fork_the_notebook_gets_its_names_back(monkeypatch):
    monkeypatch.setattr(checking, "ISOLATE", False)
    namespace = lesson_8(BROKEN["unbroadcast"] + "\nX = np.arange(6.0).reshape(2, 3)\n"
                         "def f(b):\n    return array_sum((X + b) ** 2)\n")
    before = dict(namespace)
    table = dict(namespace["vjp_table"])
    comparison = mygrad.compare(namespace["f"], np.array([[1.0, -1.0, 0.5]]), autograd=namespace)
    assert comparison.piece == "unbroadcast's shape"
    assert all(namespace[name] is value for name, value in before.items())
    assert namespace["vjp_table"] == table


# ------------------------------------------------------------------------ forward mode

def test_forward_mode_agrees_with_the_librarys_on_lesson_11s_function():
    namespace = lesson_11()
    comparison = mygrad.compare(namespace["f_of_x"], 0.7, mode="forward", autograd=namespace)
    assert comparison.agree, comparison
    assert comparison.mine.mode == comparison.reference.mode == "forward"
    assert comparison.mine.gradient == pytest.approx(comparison.reference.gradient)


def test_forward_mode_finds_a_wrong_jvp_multiply_where_its_tangent_leaves():
    namespace = lesson_11({"jvp_multiply": "def jvp_multiply(x, x_dot, y, y_dot):\n"
                                           "    return x_dot * y\n"})
    comparison = mygrad.compare(lambda x: x * x * x + 2 * x * tnp.tanh(x), 0.7,
                                mode="forward", autograd=namespace)
    difference = comparison.first_difference
    assert difference.piece == "jvp_multiply" and difference.step == 1     # x * x
    assert difference.sentence.startswith("Step 1: your jvp_multiply gave v1 the tangent 0.7")
    assert "the reference gives 1.4 (ẋ · y + x · ẏ)" in difference.sentence


def test_forward_mode_names_a_jvp_that_ignores_its_tangent():
    namespace = lesson_11({"jvp": "def jvp(f, x, v):\n    out = f(Dual(x, 1.0))\n"
                                  "    return out.value, out.tangent\n"})
    comparison = mygrad.compare(namespace["f_of_x"], 0.7, mode="forward", tangent=0.5,
                                autograd=namespace)
    assert comparison.piece == "jvp"
    assert comparison.first_difference.sentence == (
        "Before step 1: your jvp started x with the tangent 1.0; it should start with v = 0.5.")


# --------------------------------------------------------------- the capstone and the view

def test_a_failing_capstone_comes_with_its_comparison(mygrad_dir):
    keep_pieces({"vjp_sin": BROKEN["vjp_sin"]})
    verdict = mygrad.capstone(mygrad.load(quiet=True))
    assert not verdict.passed and verdict.problem == "unfinished"
    assert verdict.comparison.piece == "vjp_sin"
    assert "beside the reference: Step 5: your vjp_sin sent" in verdict.message
    assert repr(verdict).startswith("your whole autograd: ✘")
    keep_pieces()
    assert mygrad.capstone(mygrad.load(quiet=True)).passed


def test_a_capstone_failing_on_a_case_of_its_check_compares_that_case(mygrad_dir):
    keep_pieces()
    mine = mygrad.load(quiet=True)
    wrong = OTHER_SLIPS["a grad tracing the wrong argument"][1]
    exec(compile(wrong, "<learner's cell>", "exec"), mine.namespace)  # noqa: S102
    mine.grad, mine.missing = mine.namespace["grad"], {}        # as if it had passed load's
    verdict = mygrad.capstone(mine)
    assert not verdict.passed and verdict.problem == "value"
    comparison = verdict.comparison
    assert comparison.piece == "grad"
    at = dict(re.findall(r"(\w+) = (-?[\d.]+)", verdict.input.rsplit(" at ", 1)[1]))
    assert {name: float(value) for name, value in at.items()} == dict(
        comparison.reference.arguments)                  # the very case the check failed on


def test_the_view_is_two_linked_steppers_marked_at_the_first_difference(mygrad_dir):
    keep_pieces({"vjp_sin": BROKEN["vjp_sin"]})
    comparison = mygrad.compare(sin_times_x, 0.5)
    view = comparison.view()
    assert view.link.source == (view.mine, "k") and view.link.target == (view.reference, "k")
    for stepper, k in ((view.mine, 5), (view.reference, 5)):
        assert stepper.k == k and stepper.mark == {"k": k, "node": "v0",
                                                   "note": comparison.first_difference.sentence}
        story = json.loads(stepper.story)
        marked = [entry for entry in story["listing"] if "first difference" in entry.get(
            "suffix", "")]
        assert [entry["step"] for entry in marked] == [k]
        assert story["steps"][k]["notes"][-1].startswith("≠ Step 5: your vjp_sin")
    assert "vjp_sin" in view.verdict.value
    view.mine.k = 2                                 # Python can move them too
    assert view.mine.k == 2
    bundle = comparison._repr_mimebundle_()
    assert bundle["text/plain"].startswith("Your autograd beside tutor.autograd on sin_times_x")


def test_when_they_agree_the_view_says_so(mygrad_dir):
    keep_pieces()
    comparison = mygrad.compare(sin_times_x, 0.5)
    view = comparison.view()
    assert "agree at every step (5 steps)" in view.verdict.value
    assert view.mine.mark == {} and view.mine.k == 0
