"""Lesson 2: building a computation graph. ``(4*5)+2-4``, precedence, evaluating a tree.

An expression tree here is a number, or a tuple ``(op, left, right)`` with ``op`` one of
``"+" "-" "*" "/"``: ``4*5 + 2 - 4`` is ``("-", ("+", ("*", 4, 5), 2), 4)``.
"""

from functools import partial

from tutor.notation import number_text

from ..model import Case, Exercise, FunctionSpec, Question, drawn_answer
from ..specs import cases

LESSON = 2
EXAMPLE = ("-", ("+", ("*", 4, 5), 2), 4)


# ------------------------------------------------------------------------ evaluate

def evaluate(tree):
    if not isinstance(tree, tuple):
        return tree
    op, left, right = tree
    a, b = evaluate(left), evaluate(right)
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    return a / b


def random_tree(rng, depth=3):
    """A random tree of small integers; never divides by zero."""
    if depth == 0 or rng.random() < 0.25:
        return int(rng.integers(1, 10))
    op = str(rng.choice(["+", "-", "*", "/"]))
    left, right = random_tree(rng, depth - 1), random_tree(rng, depth - 1)
    if op == "/" and evaluate(right) == 0:
        op = "+"
    return (op, left, right)


def _evaluate_case(rng, index):
    tree = EXAMPLE if index == 0 else random_tree(rng, depth=int(rng.integers(1, 5)))
    return Case((tree,), text=f"tree = {tree!r}")


EVALUATE = Exercise(
    id="l02-evaluate-tree", lesson=LESSON, kind="function",
    title="Evaluate an expression tree",
    prompt=(
        "An expression tree is either a number, or a tuple `(op, left, right)` where `op` is "
        "one of `'+'`, `'-'`, `'*'`, `'/'` and `left`, `right` are trees. "
        "`4*5 + 2 - 4` is `('-', ('+', ('*', 4, 5), 2), 4)`.\n\n"
        "Write `evaluate(tree)` returning the tree's value. Checked on random trees of depth "
        "up to 4."),
    hints=(
        "A number is its own value. For a tuple, first evaluate both subtrees.",
        "The function calls itself on `left` and `right` (recursion), then combines the two "
        "values with `op`.",
        "The idea: the value of a tree is its operator applied to the values of its two "
        "subtrees, and a subtree is a smaller tree of the same kind.",
    ),
    solution=evaluate,
    spec=FunctionSpec("evaluate", "evaluate(tree)", cases(30, _evaluate_case)),
)


# --------------------------------------------------------------- Python's grouping

def python_tree(numbers, ops):
    """The tree Python builds: ``*`` and ``/`` before ``+`` and ``-``, left to right."""
    terms, term_ops = [numbers[0]], []
    for op, number in zip(ops, numbers[1:]):
        if op in "*/":
            terms[-1] = (op, terms[-1], number)
        else:
            term_ops.append(op)
            terms.append(number)
    tree = terms[0]
    for op, term in zip(term_ops, terms[1:]):
        tree = (op, tree, term)
    return tree


def all_trees(numbers, ops):
    """Every way to put parentheses into ``n0 op0 n1 op1 n2 ...``."""
    if len(numbers) == 1:
        return [numbers[0]]
    trees = []
    for split in range(len(ops)):
        for left in all_trees(numbers[:split + 1], ops[:split]):
            for right in all_trees(numbers[split + 1:], ops[split + 1:]):
                trees.append((ops[split], left, right))
    return trees


def grouped_text(tree, outer=True):
    """``(4 * 5) + 2``: a tree with every inner operation in parentheses."""
    if not isinstance(tree, tuple):
        return str(tree)
    op, left, right = tree
    inner = f"{grouped_text(left, False)} {op} {grouped_text(right, False)}"
    return inner if outer else f"({inner})"


def _flat_text(numbers, ops):
    return " ".join([str(numbers[0])] + [f"{op} {n}" for op, n in zip(ops, numbers[1:])])


def _draw(rng, count, operators):
    numbers = [int(n) for n in rng.integers(1, 10, size=count)]
    ops = [str(op) for op in rng.choice(list(operators), size=count - 1)]
    return numbers, ops


def _value_question(exercise_id, rng):
    numbers, ops = _draw(rng, int(rng.integers(4, 6)), "+-*")
    tree = python_tree(numbers, ops)
    text = (f"What value does Python compute for `{_flat_text(numbers, ops)}`? Think of the "
            f"graph it builds.")
    left_to_right = numbers[0]
    for op, number in zip(ops, numbers[1:]):
        left_to_right = evaluate((op, left_to_right, number))
    slips = ((float(left_to_right), "is what you get working strictly from left to right; "
                                    "`*` binds tighter than `+` and `-`."),)
    return Question(exercise_id, text, float(evaluate(tree)),
                    explanation=f"Python groups it as {grouped_text(tree)} = "
                                f"{number_text(evaluate(tree))}.",
                    slips=slips)


PRECEDENCE_NUMBER = Exercise(
    id="l02-number-precedence", lesson=LESSON, kind="number",
    title="What does Python compute?",
    prompt="Evaluate an expression the way Python does, respecting operator precedence.",
    hints=(
        "Multiplication binds tighter than addition and subtraction.",
        "Do every `*` first, then the `+` and `-` from left to right.",
    ),
    solution=drawn_answer, make_question=partial(_value_question, "l02-number-precedence"),
)


def _grouping_question(exercise_id, rng):
    numbers, ops = _draw(rng, 4, "+-*/")
    correct = grouped_text(python_tree(numbers, ops))
    others = sorted({grouped_text(tree) for tree in all_trees(numbers, ops)} - {correct})
    options = [correct] + [others[int(i)] for i in rng.permutation(len(others))[:3]]
    options = tuple(options[int(i)] for i in rng.permutation(len(options)))
    text = (f"Which grouping does Python use for `{_flat_text(numbers, ops)}`, i.e. which "
            f"computation graph does it build?")
    return Question(exercise_id, text, correct, options=options,
                    explanation=f"`*` and `/` bind tighter than `+` and `-`; operators of the "
                                f"same level group from the left: {correct}.")


GROUPING_CHOICE = Exercise(
    id="l02-choice-grouping", lesson=LESSON, kind="choice",
    title="Which graph does Python build?",
    prompt="Pick the parenthesisation Python uses for an expression: it is the graph it builds.",
    hints=(
        "Find the `*` and `/` first: they become the deepest nodes.",
        "Between `+` and `-` (or between `*` and `/`), the leftmost is done first.",
    ),
    solution=drawn_answer, make_question=partial(_grouping_question, "l02-choice-grouping"),
)

EXERCISES = [EVALUATE, PRECEDENCE_NUMBER, GROUPING_CHOICE]
