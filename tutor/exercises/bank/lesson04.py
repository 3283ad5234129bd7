"""Lesson 4: wrapping Nodes in Boxes. Operator overloading and ``primitive``.

A :class:`~tutor.exercises.kit.Box` carries a value being traced and its Node. When Python
meets ``box * 3`` it calls ``Box.__mul__``; that is where tracing happens.
"""

from functools import partial

import numpy as np

from ..compare import compare_values, kind_of, summarize
from ..kit import Box, Node
from ..model import Case, Exercise, FunctionSpec, Mismatch, Question, drawn_answer
from ..specs import cases, random_shape, random_value, returns_function
from .lesson03 import judge_node

LESSON = 4


def _box(value, name):
    return Box(value, Node(value, None, (), name=name))


def _is_box(value):
    return isinstance(value, Box)


def _describe(arg):
    return f"Box({summarize(arg.value)})" if _is_box(arg) else summarize(arg)


def judge_box(got, value, fun, parents):
    """Is ``got`` a Box whose value and Node are right?"""
    if got is None:
        return Mismatch("none", "returned None instead of a Box. Did you forget `return`?")
    if not (hasattr(got, "value") and hasattr(got, "node")):
        return Mismatch("type", f"expected a Box (with .value and .node), got {kind_of(got)}")
    mismatch = compare_values(value, got.value)
    if mismatch is not None:
        return Mismatch(mismatch.problem, f"the Box's value: {mismatch.message}")
    return judge_node(got.node, value, fun, parents)


# ------------------------------------------------------------------------- box_mul

def box_mul(self, other):
    if isinstance(other, Box):
        value = self.value * other.value
        parents = (self.node, other.node)
    else:
        value = self.value * other                  # a constant: no Node, no parent
        parents = (self.node,)
    return Box(value, Node(value, "mul", parents))


def _box_mul_case(rng, index):
    shape = random_shape(rng, max_dims=2)
    this = _box(random_value(rng, shape), "a")
    roll = rng.random()
    if roll < 0.45:
        other = _box(random_value(rng, shape), "b")
    elif roll < 0.55:
        other = this                                # a * a
    else:
        other = random_value(rng, shape)
    shown = "self (the same Box)" if other is this else _describe(other)
    return Case((this, other), text=f"self = {_describe(this)}, other = {shown}")


def _box_mul_reference(case):
    this, other = case.args
    return this.value * (other.value if _is_box(other) else other)


def _box_mul_judge(case, got, expected):
    this, other = case.args
    parents = (this.node, other.node) if _is_box(other) else (this.node,)
    return judge_box(got, expected, "mul", parents)


BOX_MUL = Exercise(
    id="l04-box-mul", lesson=LESSON, kind="function",
    title="Box.__mul__: multiply and record",
    prompt=(
        "With `from tutor.exercises.kit import Box, Node`: a `Box(value, node)` wraps a value "
        "being traced. Write `box_mul(self, other)`, the method Python calls for "
        "`self * other` (`Box.__mul__ = box_mul`).\n\n"
        "`other` is another Box or a plain number or array (a constant). Return a new Box whose "
        "value is the product of the values, and whose node is "
        "`Node(value, \"mul\", parents)`: `parents` holds the Nodes of the Box operands only, "
        "in order — `(self.node, other.node)`, or `(self.node,)` for a constant. `a * a` has "
        "parents `(a.node, a.node)`."),
    hints=(
        "Tell the two cases apart with `isinstance`: is `other` a Box?",
        "A constant has no Node: it contributes its value but no parent.",
        "The result is a new Box around the product, and its Node records the operation name "
        "and the parents you collected.",
    ),
    solution=box_mul,
    spec=FunctionSpec("box_mul", "box_mul(self, other)", cases(30, _box_mul_case),
                      judge=_box_mul_judge, reference=_box_mul_reference),
)


# ----------------------------------------------------------------------- primitive

def primitive(raw_fun):
    def boxed_fun(*args):
        if not any(isinstance(arg, Box) for arg in args):
            return raw_fun(*args)                   # nothing is being traced
        values = [arg.value if isinstance(arg, Box) else arg for arg in args]
        parents = [arg.node for arg in args if isinstance(arg, Box)]
        value = raw_fun(*values)
        return Box(value, Node(value, raw_fun, parents))
    return boxed_fun


def _scale_add(x, y, z):
    return 2 * x + y * z


_RAW = (np.multiply, np.add, np.sin, np.subtract, np.exp, _scale_add)


def _primitive_case(rng, index):
    raw = _RAW[index % len(_RAW)]
    arity = 1 if raw in (np.sin, np.exp) else (3 if raw is _scale_add else 2)
    shape = random_shape(rng, max_dims=2)
    none_boxed = rng.random() < 0.2
    args = []
    for position in range(arity):
        value = random_value(rng, shape)
        boxed = not none_boxed and (position == 0 or rng.random() < 0.5)
        args.append(_box(value, f"a{position}") if boxed else value)
    shown = ", ".join(_describe(arg) for arg in args)
    return Case(((raw,), tuple(args)), text=f"raw_fun = {raw.__name__}, args = ({shown})")


def _primitive_reference(case):
    (raw,), args = case.args
    return raw(*[arg.value if _is_box(arg) else arg for arg in args])


def _primitive_judge(case, got, expected):
    (raw,), args = case.args
    parents = [arg.node for arg in args if _is_box(arg)]
    if not parents:
        if hasattr(got, "node"):
            return Mismatch("type", "with no Box among the arguments nothing is traced: return "
                                    "the plain result, not a Box")
        return compare_values(expected, got)
    return judge_box(got, expected, raw, parents)


PRIMITIVE = Exercise(
    id="l04-primitive", lesson=LESSON, kind="function",
    title="primitive: make any function traceable",
    prompt=(
        "Write `primitive(raw_fun)`, returning a new function `boxed_fun(*args)` that works "
        "like `raw_fun` but records a Node when Boxes are involved "
        "(`from tutor.exercises.kit import Box, Node`):\n\n"
        "* if no argument is a Box, return `raw_fun(*args)` unchanged;\n"
        "* otherwise call `raw_fun` on the values (a Box's `.value`, other arguments as they "
        "are) and return `Box(result, Node(result, raw_fun, parents))`, where `parents` are "
        "the Nodes of the Box arguments, in argument order.\n\n"
        "Checked with functions of one, two and three arguments, numbers and arrays."),
    hints=(
        "`primitive` returns a function defined inside it (a closure over `raw_fun`).",
        "Only Boxes are unwrapped: a Box gives `raw_fun` its `.value`, any other argument "
        "is passed on as it is.",
        "The idea: a Node's parents are the Nodes of the arguments that were Boxes, in "
        "argument order; constants are passed to `raw_fun` but are nobody's parent.",
    ),
    solution=primitive,
    spec=FunctionSpec("primitive", "primitive(raw_fun)(*args)", cases(30, _primitive_case),
                      call=returns_function("primitive(raw_fun)", "the boxed function"),
                      judge=_primitive_judge, reference=_primitive_reference),
)


# ------------------------------------------------------------ choice: which method?

_OPERATORS = (("+", "add"), ("-", "sub"), ("*", "mul"), ("/", "truediv"), ("**", "pow"))


def _dunder_question(exercise_id, rng):
    symbol, name = _OPERATORS[int(rng.integers(len(_OPERATORS)))]
    box_on_left = rng.random() < 0.5
    expression = f"b {symbol} c" if box_on_left else f"c {symbol} b"
    correct = f"Box.__{name}__" if box_on_left else f"Box.__r{name}__"
    mirror = f"Box.__r{name}__" if box_on_left else f"Box.__{name}__"
    float_only = f"none: float.__{name}__ computes it"
    float_reflected = f"none: float.__r{name}__ computes it"
    # Only answers a learner could believe: the operator's method, its reflected twin, or
    # one of the float's own two doing the work.
    options = tuple((correct, mirror, float_only, float_reflected)[int(i)]
                    for i in rng.permutation(4))
    slips = ((mirror, "That is the reflected method, which Python calls when the left operand "
                      "cannot do it." if box_on_left else "That would be called if the Box were "
                      "on the left."),
             (float_only, "float's method is tried first when the float is on the left, but "
                          "it does not know Boxes and returns NotImplemented." if not box_on_left
              else "The float is on the right: Python asks the left operand, the Box, first."),
             (float_reflected, "A float's reflected method runs only when the float is on the "
                               "right and the left operand gave up; Box methods always know "
                               "floats."))
    text = (f"`b` is a Box and `c` is a float. Which method of Box does Python call to compute "
            f"`{expression}`?")
    why = (f"The Box is on the left, so Python calls b.__{name}__(c)." if box_on_left else
           f"Python first tries float.__{name}__(c, b), which does not know Boxes and returns "
           f"NotImplemented; then it calls the reflected method b.__r{name}__(c).")
    return Question(exercise_id, text, correct, options=options, explanation=why, slips=slips)


DUNDER_CHOICE = Exercise(
    id="l04-choice-dunder", lesson=LESSON, kind="choice",
    title="Which special method runs?",
    prompt="Operator overloading: pick the method Python calls for an expression with a Box.",
    hints=(
        "Python first asks the **left** operand for the operator's method: for `-` that is "
        "`__sub__`, for `*` `__mul__`, for `**` `__pow__`.",
        "When the left operand is a plain float, it does not know Boxes; Python then asks the "
        "right operand for the reflected method, `__radd__`, `__rmul__`, ...",
    ),
    solution=drawn_answer, make_question=partial(_dunder_question, "l04-choice-dunder"),
)

EXERCISES = [BOX_MUL, PRIMITIVE, DUNDER_CHOICE]
