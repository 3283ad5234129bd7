"""Feedback that points at the learner's real mistake (issue 20, items 1-8).

Each test plays a learner who makes one of the mistakes two learners made in their
walkthrough, and checks that the course now names that mistake (or refuses to be fooled by
it) instead of blaming another piece, passing a borrowed piece, or saying only "not it".
"""

import inspect
import re
import textwrap

import numpy as np
import pytest

import tutor.exercises as ex
from exercise_helpers import answer_of, learner_module, solution_copy
from tutor import mygrad
from tutor.exercises.model import secret_of


@pytest.fixture
def mygrad_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("TUTOR_MYGRAD_DIR", str(tmp_path / "mine"))
    monkeypatch.setenv("TUTOR_PROGRESS_DB", str(tmp_path / "progress.sqlite"))
    return tmp_path / "mine"


def keep_reference_pieces(tmp_path, names=tuple(mygrad.PIECES), replace=None):
    """Keep the reference solutions of ``names`` in mygrad.py as if the learner wrote them
    (``replace`` maps a name to other source for it, kept without checking)."""
    replace = replace or {}
    sources = [replace.get(name, ex.get(mygrad.KEPT[name][1]).solution_source)
               for name in names if name != "grad"]
    learner = learner_module(tmp_path, "learner", sources)
    for name in names:
        if name != "grad":
            mygrad.keep(getattr(learner, name), check=name not in replace)
    return learner


# -------------------------------------------- 1. lesson 7 names the piece that is wrong

GRAD_INSERTS = '''
def grad(f, argnum=0):
    def gradient(*args):
        def f_of_one(value):
            return f(*args[:argnum], value, *args[argnum:])     # inserted, not replaced
        vjp, ans = make_vjp(f_of_one, args[argnum])
        return vjp(1.0)
    return gradient
'''
PAIR_SWAPPED = '''
def value_and_grad(f, argnum=0):
    def both(*args):
        def f_of_one(value):
            return f(*args[:argnum], value, *args[argnum + 1:])
        vjp, ans = make_vjp(f_of_one, args[argnum])
        return vjp(1.0), ans                                    # the pair the wrong way round
    return both
'''
NOT_ADDING = '''
def backward_pass(g, end_node):
    adjoints = {end_node: g}
    for node in toposort(end_node):
        if node.parents:
            for parent, c in zip(node.parents, node.vjp(adjoints[node])):
                adjoints[parent] = c            # forgets to add up at fan-out
    return adjoints
'''


def beside_my_autograd(tmp_path, source):
    """Lesson 7 after ``load(globals())`` with all of the learner's pieces kept, and a cell
    ``source`` typed below it."""
    keep_reference_pieces(tmp_path)
    namespace = {}
    mygrad.load(into=namespace, quiet=True)
    exec(compile(textwrap.dedent(source), "<learner's cell>", "exec"), namespace)  # noqa: S102
    return namespace


def test_a_grad_that_inserts_its_argument_is_told_so_and_primitive_is_not_blamed(
        tmp_path, mygrad_dir):
    namespace = beside_my_autograd(tmp_path, GRAD_INSERTS)
    result = ex.check("l07-grad", namespace["grad"], record=False)
    assert not result.passed
    assert "your primitive" not in result.message, result.message
    assert "must take the place of argument number argnum" in result.message, result.message


def test_a_value_and_grad_whose_pair_is_swapped_is_told_so(tmp_path, mygrad_dir):
    namespace = beside_my_autograd(tmp_path, PAIR_SWAPPED)
    result = ex.check("l07-value-and-grad", namespace["value_and_grad"], record=False)
    assert not result.passed and "your primitive" not in result.message
    assert "your pair is (derivative, value)" in result.message, result.message
    alone = learner_module(tmp_path, "alone", [PAIR_SWAPPED])      # tutor.autograd's make_vjp
    result = ex.check("l07-value-and-grad", alone.value_and_grad, record=False)
    assert "your pair is (derivative, value)" in result.message, result.message


def test_a_broken_backward_pass_is_named_first_and_alone(tmp_path, mygrad_dir):
    namespace = beside_my_autograd(tmp_path, NOT_ADDING + ex.get("l07-grad").solution_source)
    result = ex.check("l07-grad", namespace["grad"], record=False)
    assert not result.passed
    assert "The piece to fix first: your backward_pass (l06-backward-pass)" in result.message
    assert "your primitive" not in result.message, result.message


# ------------------------------------------ 2. the capstone is about *your* autograd only

BROKEN_VJP_SIN = "def vjp_sin(ans, x):\n    return lambda g: g * np.sin(x)\n"


def test_the_capstone_fails_and_names_a_piece_load_had_to_replace(tmp_path, mygrad_dir,
                                                                 capsys):
    keep_reference_pieces(tmp_path, replace={"vjp_sin": BROKEN_VJP_SIN})
    grad_module = learner_module(tmp_path, "with_grad", [ex.get("l07-grad").solution_source])
    mygrad.keep(grad_module.grad, check=False)
    mine = mygrad.load(quiet=True)
    assert ex.check("l07-grad", mine.grad, record=False).passed    # borrowed vjp_sin works
    verdict = mygrad.capstone(mine)
    assert not verdict.passed and verdict.problem == "unfinished"
    assert "vjp_sin (lesson 5): yours does not pass l05-vjp-sin" in verdict.message
    assert "Well done" not in verdict.message


def test_the_capstone_passes_on_a_whole_autograd_of_ones_own(tmp_path, mygrad_dir):
    keep_reference_pieces(tmp_path)
    grad_module = learner_module(tmp_path, "with_grad", [ex.get("l07-grad").solution_source])
    mygrad.keep(grad_module.grad, check=False)
    verdict = mygrad.capstone()
    assert verdict.passed, verdict
    assert repr(verdict).startswith("your whole autograd: ✔ passed")


# ---------------------------------------------------- 3. adding in place is a named bug

IN_PLACE = '''
def backward_pass(g, end_node):
    adjoints = {end_node: g}
    for node in toposort(end_node):
        if not node.parents:
            continue
        for parent, contribution in zip(node.parents, node.vjp(adjoints[node])):
            if parent in adjoints:
                adjoints[parent] += contribution
            else:
                adjoints[parent] = contribution
    return adjoints
'''


def test_a_backward_pass_adding_in_place_is_wrong_through_the_courses_add(mygrad_dir):
    """The bug as a learner meets it: (x + y) + x with seed ones(2) through the course's
    glue gives y the adjoint [2, 2] instead of [1, 1]."""
    namespace = {}
    mygrad.load(into=namespace, quiet=True)
    exec(compile(IN_PLACE, "<learner's cell>", "exec"), namespace)  # noqa: S102
    Box, Node = namespace["Box"], namespace["Node"]
    x = Box(np.array([1.0, 2.0]), Node(np.array([1.0, 2.0]), name="x"))
    y = Box(np.array([3.0, 4.0]), Node(np.array([3.0, 4.0]), name="y"))
    out = (x + y) + x
    adjoints = namespace["backward_pass"](np.ones(2), out.node)
    assert adjoints[y.node].tolist() == [2.0, 2.0]       # the classic aliasing bug
    result = ex.check("l06-backward-pass", namespace["backward_pass"], record=False)
    assert not result.passed
    assert "added to in place (`+=`)" in result.message, result.message
    assert "hold one and the same array" in result.message


def test_a_backward_pass_that_overwrites_is_told_so(mygrad_dir):
    """Overwriting instead of adding (micrograd's other classic): the message says the
    adjoint is just one of the node's contributions, whichever case fails first."""
    namespace = {}
    mygrad.load(into=namespace, quiet=True)
    exec(compile(NOT_ADDING, "<learner's cell>", "exec"), namespace)  # noqa: S102
    for seed in range(4):
        result = ex.check("l06-backward-pass", namespace["backward_pass"], seed=seed,
                          record=False)
        assert not result.passed
        assert re.search(r"receives \d+ contributions .* just one of them \(from v\d+\): "
                         r"the others were overwritten", result.message), result.message


def test_the_reference_backward_pass_still_passes_the_aliasing_cases():
    for seed in range(3):
        assert ex.check("l06-backward-pass", solution_copy(ex.get("l06-backward-pass")),
                        seed=seed, record=False).passed


# ------------------------------------ 4. keep checks the copy that mygrad.py will hold

def test_keep_refuses_a_piece_that_needs_an_import_the_file_lacks(tmp_path, mygrad_dir, capsys):
    learner = learner_module(tmp_path, "imports", ["import math\n", textwrap.dedent('''
        def vjp_sin(ans, x):
            return lambda g: g * np.cos(x) * math.exp(0.0)
        ''')])
    assert ex.check("l05-vjp-sin", learner.vjp_sin, record=False).passed
    mygrad.keep(learner.vjp_sin)
    said = capsys.readouterr().out
    assert said.startswith("Not kept") and "NameError: name 'math' is not defined" in said
    assert "vjp_sin" not in mygrad.kept()


# --------------------------------- 5. a second derivative's term feedback says "second"

def test_term_feedback_on_a_second_derivative_says_which_derivative():
    from tutor.exercises.checking import check_answer
    from tutor.exercises.practice import expression_question
    exercise = ex.get("l09-expr-second-derivative")
    question = expression_question(exercise.id, "x**3 + exp(-x)", "6*x + exp(-x)",
                                   np.random.default_rng(0), order=2)
    once = check_answer(exercise, "6*x - exp(-x)", question).message
    assert "Your term `-exp(-x)` is the first derivative of `exp(-x)`" in once, once
    assert "it should be the derivative of" not in once
    off = check_answer(exercise, "6*x + 2*exp(-x)", question).message
    assert "it should be the second derivative of `exp(-x)`" in off, off


# ----------------------------------------------- 6. number questions know the slips

def first_wrong_message(exercise_id, seeds, slip_of):
    """Draw questions until ``slip_of(question)`` gives a wrong value; answer with it."""
    from tutor.exercises.checking import check_answer
    exercise = ex.get(exercise_id)
    for seed in seeds:
        question = exercise.make_question(np.random.default_rng(seed))
        value = slip_of(question)
        if value is not None and abs(value - float(answer_of(question))) > 0.1:
            return check_answer(exercise, str(value), question).message
    raise AssertionError("no question with that slip was drawn")


def test_forgetting_to_add_at_fan_out_is_named():
    def contribution_alone(question):
        step = secret_of(question).recording.backward[question.reveal_step - 1 -
                                                      len(secret_of(question).recording.forward)]
        return float(step.contribution) if float(step.before) != 0 else None

    message = first_wrong_message("l06-number-accumulate", range(40), contribution_alone)
    assert "is the new contribution alone" in message and "contributions add up" in message


def test_the_other_partial_derivative_is_named():
    def other(question):
        x, y = (float(v) for v in question.text.split("at x = ")[1].rstrip("? (Decimals are "
                                                                            "fine.)").split(", y = "))
        return 2 * y + x if "∂f/∂x" in question.text else 2 / x + y

    message = first_wrong_message("l01-number-partial", range(20), other)
    assert "the other partial derivative" in message, message


def test_the_sgd_sign_slip_is_named():
    def uphill(question):
        w = float(answer_of(question))
        text = question.text
        rate = float(text.split("learning rate ")[1].split(":")[0])
        old = float(text.split("With w = ")[1].split(",")[0])
        return old + (old - w)          # w + rate * gradient

    message = first_wrong_message("l10-number-sgd", range(20), uphill)
    assert "steps uphill" in message, message


def test_the_right_sum_with_the_wrong_shape_is_named():
    from tutor.exercises.checking import check_answer
    exercise = ex.get("l08-choice-unbroadcast")
    for seed in range(200):
        question = exercise.make_question(np.random.default_rng(seed))
        if "(1, 1)" in question.text.split("`x` has shape")[1][:12] and \
                "g.sum()" in question.options:
            message = check_answer(exercise, "g.sum()", question).message
            assert "Its numbers are right, but its shape is (), not x's (1, 1)" in message
            return
    pytest.skip("no (1, 1) question offering g.sum() among 200 draws")


# ---------------------------------------- 8. a stand-in never shows the course's code

def test_use_hands_back_a_stand_in_that_hides_the_solution_and_is_not_an_answer(capsys):
    def vjp_sum(ans, x, axis=None, keepdims=False):
        raise NotImplementedError("not done yet")

    standing_in = mygrad.use(vjp_sum)
    source = inspect.getsource(standing_in)
    reference = ex.get("l08-vjp-sum").solution_source
    assert "expand_dims" in reference and "expand_dims" not in source
    assert standing_in.__name__ == "vjp_sum"
    assert np.allclose(standing_in(6.0, np.ones((2, 3)))(1.0), np.ones((2, 3)))
    result = ex.check("l08-vjp-sum", standing_in, record=False)
    assert not result.passed and "tutor's own" in result.message


def test_loaded_and_kept_stand_ins_hide_the_solution_too(mygrad_dir, capsys):
    mine = mygrad.load(quiet=True)
    for name in mygrad.PIECES:
        source = inspect.getsource(getattr(mine, name))
        assert ex.get(mygrad.PIECES[name][1]).solution_source.splitlines()[1].strip() \
            not in source, name
    def toposort(end_node):
        raise NotImplementedError("not done yet")
    in_use = mygrad.keep(toposort)
    assert "visited" not in inspect.getsource(in_use)
    assert not ex.check("l06-toposort", in_use, record=False).passed


# --------------------------------------------- 15. checks that let a wrong method through

def test_a_reverse_over_reverse_hvp_is_told_to_go_forward_over_reverse():
    from tutor.autograd import grad
    import tutor.autograd.numpy as tnp

    def hvp(f, x, v):
        return grad(lambda x: tnp.dot(grad(f)(x), v))(x)

    result = ex.check("l12-hvp", hvp, record=False)
    assert not result.passed and "not forward over reverse" in result.message, result


def test_a_jvp_without_the_constant_case_fails_on_a_constant_function():
    from tutor.exercises.randfun import Dual

    def jvp(f, x, v):
        out = f(Dual(x, v))
        return out.value, out.tangent

    result = ex.check("l11-jvp", jvp, record=False)
    assert not result.passed and "does not depend on x" in result.message, result


def test_a_jacobian_pulling_back_one_vector_per_input_is_told_why():
    from tutor.autograd import make_vjp

    def jacobian_reverse(f, x):
        pull_back, y = make_vjp(f)(x)
        return np.stack([pull_back(unit) for unit in np.eye(len(x))])

    for seed in range(10):
        result = ex.check("l12-jacobian-reverse", jacobian_reverse, seed=seed, record=False)
        if "one per input" in result.message:
            assert "one unit vector per output" in result.message
            return
    raise AssertionError(result.message)


def test_the_dunder_question_offers_only_believable_options():
    exercise = ex.get("l04-choice-dunder")
    for seed in range(10):
        question = exercise.make_question(np.random.default_rng(seed))
        names = {option.split("__")[1].removeprefix("r") for option in question.options}
        assert len(names) == 1, question.options           # one operator, never another
        assert len(question.options) == 4


# ------------------------------------- the usual slips of the code exercises, named

def _one_sided(f, x, eps=1e-6):
    return (f(x + eps) - f(x)) / eps


def _swapped_partials(x, y):
    return 2 * y + x, 2 / x + y


def _nodes_to_fun(fun, *parents):
    from tutor.exercises.kit import Node
    return Node(fun(*parents), fun, parents)


def _no_keepdims(target, g):
    while np.ndim(g) > np.ndim(target):
        g = np.sum(g, axis=0)
    return g


def _uphill(params, grads, learning_rate):
    return [param + learning_rate * gradient for param, gradient in zip(params, grads)]


def _transpose_all_axes(ans, x, y):
    return lambda g: g @ y.T


SLIPS = [
    ("l01-numerical-grad", _one_sided, "one-sided difference"),
    ("l01-partials", _swapped_partials, "∂f/∂x comes first"),
    ("l03-record-op", _nodes_to_fun, "the parents' `.value`"),
    ("l05-unbroadcast", _no_keepdims, "keepdims=True"),
    ("l10-sgd-step", _uphill, "You stepped uphill"),
    ("l08-vjp-matmul-x", _transpose_all_axes, "reverses every axis"),
]


@pytest.mark.parametrize("exercise_id, answer, words", SLIPS, ids=[slip[0] for slip in SLIPS])
def test_a_usual_slip_is_named(exercise_id, answer, words):
    results = [ex.check(exercise_id, answer, seed=seed, record=False) for seed in range(4)]
    assert not any(result.passed for result in results)
    assert any(words in result.message for result in results), results[0]


def test_the_librarys_own_grad_is_not_the_learners():
    from tutor.autograd import grad
    result = ex.check("l07-grad", grad, record=False)
    assert not result.passed and "tutor.autograd's own grad" in result.message


# ------------------------------------------- lesson 5's VJPs: the usual slips are named

VJP_SLIPS = [
    ("l05-vjp-sin", lambda ans, x: lambda g: g * np.sin(x), "sin itself, not its slope"),
    ("l05-vjp-sin", lambda ans, x: lambda g: np.cos(x), "g is missing"),
    ("l05-vjp-sin", lambda ans, x: lambda g: -g * np.sin(x), "the derivative of cos"),
    ("l05-vjp-sin", lambda ans, x: lambda g: g * np.cos(ans), "belongs at the input x"),
    ("l05-vjp-divide-y", lambda ans, x, y: lambda g: g * x / y ** 2, "The sign is flipped"),
    ("l05-vjp-divide-y", lambda ans, x, y: lambda g: -g / y ** 2, "x is missing"),
    ("l05-vjp-divide-y", lambda ans, x, y: lambda g: -g * x / y, "y appears squared"),
    ("l05-vjp-divide-y", lambda ans, x, y: lambda g: g / y, "the contribution to x"),
]


@pytest.mark.parametrize("exercise_id, answer, named", VJP_SLIPS)
def test_a_vjp_slip_is_named(exercise_id, answer, named):
    result = ex.check(exercise_id, answer, seed=1, record=False)
    assert not result.passed and named in result.message, result.message


@pytest.mark.parametrize("answer, named", [
    (lambda x: np.log(np.sum(np.exp(x))), "An exp overflowed"),
    (lambda x: np.min(x) + np.log(np.sum(np.exp(x - np.min(x)))), "An exp overflowed"),
    (lambda x: np.log(np.sum(np.exp(x - 2000.0))), "Every exp underflowed to 0"),
])
def test_a_logsumexp_that_overflows_is_told_which_way(answer, named):
    """Whatever the code did, inf is an overflow and −inf an underflow (a guess at the code,
    "the formula as written", misled a learner who had shifted by the smallest entry)."""
    result = ex.check("l14-logsumexp", answer, seed=0, record=False)
    assert not result.passed and named in result.message, result.message


@pytest.mark.parametrize("answer, named", [
    (lambda x, x_dot, y, y_dot: x_dot / y - x * y_dot / y, "has it squared"),
    (lambda x, x_dot, y, y_dot: -x * y_dot / y ** 2, "y's share only"),
])
def test_a_jvp_divide_slip_is_named(answer, named):
    result = ex.check("l11-jvp-divide", answer, seed=0, record=False)
    assert not result.passed and named in result.message, result.message
