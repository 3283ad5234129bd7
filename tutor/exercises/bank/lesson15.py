"""Lesson 15: reverse mode from forward mode. Linearize, then transpose.

At a fixed point a JVP is a linear function of the tangent. ``linearize`` runs ``f`` on a dual
number whose tangent is a name (:class:`~tutor.exercises.linear.Tangent`), so that the
learner's own JVP rules write the linear map down as a :class:`~..linear.Program`;
``transpose`` runs that program backwards and gives the VJP. The checks build their random
functions from the dual-number primitives beside the answer (the notebook's ``Dual``, whose
rules are the learner's lesson-11 JVPs), and their programs from the same kind of
linearization; the expected cotangents come from the program's coefficients, read off by
running it forwards, so they share no code with a backward walk.
"""

from functools import partial

import numpy as np

from tutor.notation import number_text

from ..compare import compare_values, kind_of, summarize
from ..graphs import IN_PLACE
from ..linear import Program, equation_text
from ..model import Case, Exercise, FunctionSpec, Mismatch, Question, WrongAnswer, drawn_answer
from ..randfun import (_DUAL, Const, Dual, derivative, evaluate, random_program,
                       random_smooth, to_text)
from ..specs import cases, text_of
from .lesson11 import on_dual_function

LESSON = 15
DIRECTIONS = (1.0, -0.5, 2.0)       # tangents a linearization is tried on


# ---------------------------------------------------------------------------- linearize

def linearize(f, x):
    program = Program()
    out = f(Dual(x, program.input()))           # the tangent is a name, not a number
    if not isinstance(out, Dual):               # f does not depend on x
        return out, program.returning(0.0)
    return out.value, program.returning(out.tangent)


def _linearize_case(rng, index):
    if index % 8 == 0:
        expr = Const(int(rng.integers(1, 5)))
    else:
        expr = random_smooth(rng, ("x",), size=int(rng.integers(2, 6)))
    x = round(float(rng.uniform(-1.5, 1.5)), 3)
    return Case((expr, x), text=f"f(x) = {to_text(expr)}, x = {number_text(x)}")


def _linearize_call(answer, case):
    """``answer(f, x)`` with ``f`` built from the dual primitives beside the answer; the
    program it returns is run on a few tangents (by the course's Program, not the learner)."""
    expr, x = case.args
    got = on_dual_function(answer, expr, (x,), "the program's output is the tangent 0 "
                                               "(program.returning(0.0))")
    if not isinstance(got, tuple) or len(got) != 2:
        return got                                   # the judge says what is wrong
    value, program = got
    if not isinstance(program, Program):
        return value, NotAProgram(program)
    if program.output is None:
        raise WrongAnswer("value", "your program has no output: end with "
                                   "program.returning(...) and the output's tangent")
    if len(program.inputs) != 1:
        raise WrongAnswer("value", f"your program has {len(program.inputs)} inputs; f has "
                                   f"one argument, so the program has one input tangent")
    return value, [program(direction) for direction in DIRECTIONS]


def _linearize_reference(case):
    expr, x = case.args
    slope = derivative(expr, {"x": x}, "x")
    return float(evaluate(expr, {"x": x})), [slope * direction for direction in DIRECTIONS]


class NotAProgram:
    """The second item of a linearize answer that is not a Program: judged after the value."""

    def __init__(self, item):
        self.item = item


def _linearize_judge(case, got, expected):
    if isinstance(got, tuple) and len(got) == 2 and isinstance(got[1], NotAProgram):
        mismatch = compare_values(expected[0], got[0])
        if mismatch is not None:
            return Mismatch(mismatch.problem, f"the value: {mismatch.message}")
        item = got[1].item
        return Mismatch("type", f"the second item should be the linear Program the tangent "
                                f"wrote, got {kind_of(item)} {summarize(item)}")
    mismatch = compare_values(expected, got)
    if mismatch is None:
        return None
    if "item [1]" in mismatch.message:
        return Mismatch(mismatch.problem, mismatch.message.replace(
            "item [1]: item [", "the program run on the tangent number ") +
            f" (the tangents tried: {', '.join(map(str, DIRECTIONS))})")
    return Mismatch(mismatch.problem, mismatch.message.replace("item [0]", "the value"))


LINEARIZE = Exercise(
    id="l15-linearize", lesson=LESSON, kind="function",
    title="linearize: the JVP written down",
    prompt=(
        "Write `linearize(f, x)`, returning the pair `(f(x), program)`: `program` is the "
        "linear map that takes a tangent of `x` to the tangent of `f(x)`, written down as a "
        "`Program` (from `tutor.exercises.linear`).\n\n"
        "A `Program()` starts empty; `program.input()` gives a new input tangent, a *name* "
        "`t0` rather than a number, and arithmetic on names records equations (`t1 = 0.5 * "
        "t0`, `t2 = t0 + t1`). `program.returning(tangent)` makes a tangent the output and "
        "gives the program back. Use this notebook's `Dual`, whose rules are your JVPs.\n\n"
        "Checked on random functions of one number (constant ones too), built from the "
        "`Dual`, `sin`, `cos`, `exp` and `tanh` beside your function: the value, and the "
        "program run on a few tangents."),
    hints=(
        "It is lesson 11's `jvp` with one change: the input's tangent is a name from the "
        "program instead of a number.",
        "What comes out of `f` is a `Dual` whose tangent is a name too: the program's "
        "output. If it is a plain number, `f` did not depend on `x`, and the output tangent "
        "is 0.",
        "The idea: a JVP rule does the same arithmetic on a tangent whatever the tangent "
        "is; given a name, it writes down what it would have done.",
    ),
    solution=linearize,
    spec=FunctionSpec("linearize", "linearize(f, x)", cases(24, _linearize_case),
                      call=_linearize_call, judge=_linearize_judge,
                      reference=_linearize_reference),
)


# ---------------------------------------------------------------------------- transpose

def transpose(program, ct):
    cotangents = {program.output: ct}
    for equation in reversed(program.equations):       # last equation first
        if equation.out not in cotangents:
            continue                                    # nothing flows back through it
        g = cotangents[equation.out]
        if equation.op == "scale":
            shares = (equation.constant * g,)
        elif equation.op == "add":
            shares = (g, g)
        elif equation.op == "sub":
            shares = (g, -g)
        else:                                           # neg
            shares = (-g,)
        for name, share in zip(equation.args, shares):
            cotangents[name] = cotangents[name] + share if name in cotangents else share
    return tuple(cotangents.get(name, 0.0 * ct) for name in program.inputs)


def linearized(expr, variables, point):
    """``(value, program)``: ``expr`` linearized at ``point`` with randfun's dual numbers."""
    program = Program()
    env = {name: Dual(point[name], program.input()) for name in variables}
    out = evaluate(expr, env, _DUAL)
    if not isinstance(out, Dual):
        return out, program.returning(0.0 * point[variables[0]])
    return out.value, program.returning(out.tangent)


def reused_sum_program():
    """``t2 = t0 + t1; t3 = t2 + t0``: (x + y) + x linearized, where every equation hands its
    cotangent on as it is; an in-place ``+=`` changes the seed."""
    program = Program()
    t0, t1 = program.input(), program.input()
    return program.returning((t0 + t1) + t0)


def coefficients(program, like):
    """What each input's tangent is multiplied by on its way to the output (elementwise),
    read off by running the program forwards on one unit input at a time."""
    zero, one = np.zeros_like(like, dtype=float), np.ones_like(like, dtype=float)
    if np.ndim(like) == 0:
        zero, one = 0.0, 1.0
    return [program(*[one if j == i else zero for j in range(len(program.inputs))])
            for i in range(len(program.inputs))]


def program_text(program):
    return f"{'; '.join(program.lines())}; inputs {', '.join(program.inputs)}; output " \
           f"{program.output}"


def _transpose_case(rng, index):
    shape = () if index % 3 else (int(rng.integers(2, 4)),)
    if index < 2:
        program = reused_sum_program()
        shape = (2,)
    else:
        variables = ("x", "y")[:int(rng.integers(1, 3))]
        expr = random_program(rng, variables, unary=True)
        point = {name: np.round(rng.uniform(-2, 2, size=shape), 2) if shape
                 else round(float(rng.uniform(-2, 2)), 2) for name in variables}
        _, program = linearized(expr, variables, point)
    ct = np.round(rng.uniform(0.5, 2.0, size=shape), 2) if shape else \
        float(rng.choice([1.0, 2.0, -1.0, 0.5]))
    return Case((program, ct), text=f"{program_text(program)}; {text_of(ct=ct)}",
                data=np.copy(ct))


def _transpose_reference(case):
    program, ct = case.args
    return tuple(coefficient * ct for coefficient in coefficients(program, ct))


def walk(program, ct, backwards=True, accumulate=True):
    """Cotangents of the inputs by a walk over the equations: the transpose when backwards
    and accumulating; the learner's usual slips otherwise (for naming them)."""
    cotangents = {program.output: ct}
    order = reversed(program.equations) if backwards else program.equations
    for equation in order:
        if equation.out not in cotangents:
            continue
        g = cotangents[equation.out]
        shares = {"scale": lambda: (equation.constant * g,), "add": lambda: (g, g),
                  "sub": lambda: (g, -g), "neg": lambda: (-g,)}[equation.op]()
        for name, share in zip(equation.args, shares):
            known = name in cotangents and accumulate
            cotangents[name] = cotangents[name] + share if known else share
    return tuple(cotangents.get(name, 0.0 * ct) for name in program.inputs)


def _transpose_judge(case, got, expected):
    program, ct = case.args
    if not isinstance(got, (tuple, list)) and got is not None and len(program.inputs) == 1:
        return Mismatch("type", f"expected a tuple of 1 cotangent (one per input, even when "
                                f"there is one input), got {kind_of(got)}")
    mismatch = compare_values(expected, got)
    if mismatch is None or mismatch.problem != "value":
        return mismatch
    if isinstance(ct, np.ndarray) and not np.array_equal(ct, case.data):
        return Mismatch("value", f"{mismatch.message}. The seed ct itself was changed: "
                                 f"{IN_PLACE}")
    seed = case.data
    slips = ((walk(program, seed, backwards=False),
              "You walked the equations first to last; a transpose runs them last to first, "
              "so that a variable's cotangent is complete before it is sent on."),
             (walk(program, seed, accumulate=False),
              "A variable used by several equations gets a share from each: add the shares "
              "up instead of keeping the last one."))
    for wrong, advice in slips:
        if compare_values(wrong, got) is None and compare_values(wrong, expected) is not None:
            return Mismatch("value", f"{mismatch.message}. {advice}")
    return mismatch


TRANSPOSE = Exercise(
    id="l15-transpose", lesson=LESSON, kind="function",
    title="transpose: the linear program run backwards",
    prompt=(
        "Write `transpose(program, ct)`: the transpose of a linear `Program`, applied to the "
        "cotangent `ct` of its output. Return a tuple with one cotangent per input, in the "
        "order of `program.inputs`.\n\n"
        "`program.equations` is a list of equations in the order they were written, each "
        "with `.out` (a name), `.op`, `.args` (the names it reads) and `.constant`:\n\n"
        "* `scale`: `out = constant * args[0]`\n"
        "* `add`: `out = args[0] + args[1]`\n"
        "* `sub`: `out = args[0] - args[1]`\n"
        "* `neg`: `out = -args[0]`\n\n"
        "`program.output` names the output. An input the output does not depend on gets a "
        "cotangent 0 (shaped like `ct`). Checked on programs of one and two inputs, with "
        "numbers and arrays (elementwise), where names are used more than once."),
    hints=(
        "Each equation's transpose sends the cotangent of its `out` back to its `args`: "
        "work out, for each of the four operations, what each argument receives.",
        "Walk the equations from the last to the first, keeping a dict from names to "
        "cotangents that starts with the output's `ct`; a name several equations read "
        "receives a share from each.",
        "The idea: transposing a linear map turns every use of a value into a sum and every "
        "sum into a copy. It is the backward pass of lesson 6, on a program whose VJPs are "
        "the transposes of its JVPs.",
    ),
    solution=transpose,
    spec=FunctionSpec("transpose", "transpose(program, ct)", cases(24, _transpose_case),
                      judge=_transpose_judge, reference=_transpose_reference),
)


# ----------------------------------------------------------- choice: one equation's transpose

def _choice_options(op, out, args, constant):
    """``(right, [(wrong, why)])`` for the transpose of one equation."""
    g = f"ḡ_{out}"
    if op == "scale":
        a, c = args[0], summarize(constant)
        return (f"ḡ_{a} += {c} · {g}",
                [(f"ḡ_{a} += {g} / {c}", "Dividing undoes the scaling; the transpose of "
                                         "scaling by a constant scales by the same constant."),
                 (f"ḡ_{a} += {g}", "That drops the constant: the cotangent is scaled by it, "
                                   "as the tangent was."),
                 (f"ḡ_{out} += {c} · ḡ_{a}", "That runs the equation forwards again; the "
                                             "transpose sends the output's cotangent back to "
                                             "the input.")])
    if op == "add":
        a, b = args
        return (f"ḡ_{a} += {g};  ḡ_{b} += {g}",
                [(f"ḡ_{a} += {g} / 2;  ḡ_{b} += {g} / 2",
                  "Nothing is shared out: each argument moved the sum one for one, so each "
                  "receives the whole cotangent."),
                 (f"ḡ_{out} += ḡ_{a} + ḡ_{b}", "That runs the equation forwards again; the "
                                               "transpose of a sum is a copy to each argument."),
                 (f"ḡ_{a} += {g};  ḡ_{b} -= {g}", "That is the transpose of a difference, "
                                                   "not of a sum.")])
    if op == "sub":
        a, b = args
        return (f"ḡ_{a} += {g};  ḡ_{b} -= {g}",
                [(f"ḡ_{a} += {g};  ḡ_{b} += {g}", "The right side of a difference moved the "
                                                  "output the opposite way: it receives -ḡ."),
                 (f"ḡ_{a} -= {g};  ḡ_{b} += {g}", "The signs are swapped: the left side "
                                                  "moved the output with it."),
                 (f"ḡ_{out} += ḡ_{a} - ḡ_{b}", "That runs the equation forwards again.")])
    a = args[0]
    return (f"ḡ_{a} -= {g}",
            [(f"ḡ_{a} += {g}", "Negation flips the tangent, so its transpose flips the "
                               "cotangent too."),
             (f"ḡ_{out} -= ḡ_{a}", "That runs the equation forwards again."),
             (f"ḡ_{a} += -1 / {g}", "Nothing is inverted: a transpose of a linear step is "
                                    "linear in the cotangent.")])


def transpose_choice_question(exercise_id, rng):
    """Which lines are the transpose of one equation of a linearized random program?"""
    for _ in range(100):
        expr = random_program(rng, ("x", "y"), unary=True)
        point = {name: float(rng.choice([-2, -1, 1, 2, 3])) for name in ("x", "y")}
        _, program = linearized(expr, ("x", "y"), point)
        fair = [equation for equation in program.equations      # a scale by ±1 or 0 would
                if equation.op != "scale" or abs(equation.constant) not in (0.0, 1.0)]
        ops = sorted({equation.op for equation in fair})        # make two options right
        wanted = str(rng.choice(ops)) if ops else ""
        picks = [equation for equation in fair if equation.op == wanted]
        if picks:
            break
    equation = picks[int(rng.integers(len(picks)))]
    right, wrong = _choice_options(equation.op, equation.out, equation.args,
                                   equation.constant)
    options = [right] + [text for text, _ in wrong]
    options = tuple(options[int(i)] for i in rng.permutation(len(options)))
    text = (f"A linear program, written by linearizing a function of x and y:\n\n```\n"
            f"{chr(10).join(program.lines())}\n```\n\nIts transpose walks it backwards. "
            f"Which lines does the equation `{equation_text(equation)}` become, sending "
            f"the cotangent ḡ_{equation.out} of its output back to its inputs?")
    return Question(exercise_id, text, right, options=options, slips=tuple(wrong),
                    explanation=f"`{equation_text(equation)}` transposes to `{right}`: each "
                                f"argument receives the output's cotangent times how much it "
                                f"moved the output.")


TRANSPOSE_RULE = Exercise(
    id="l15-choice-transpose", lesson=LESSON, kind="choice",
    title="The transpose of one linear step",
    prompt="Pick the lines one equation of a linear program becomes in its transpose.",
    hints=(
        "An argument's cotangent is the output's cotangent times how much that argument "
        "moves the output: the equation's coefficient for it.",
        "A transpose runs backwards: it adds to the arguments' cotangents, it never changes "
        "the output's.",
    ),
    solution=drawn_answer, make_question=partial(transpose_choice_question,
                                                 "l15-choice-transpose"),
)


# ----------------------------------------------------------- number: a cotangent that arrives

def _recorded(program, asked):
    """The program recorded by ``tutor.record``: its forward pass is the linear program, its
    backward pass the transpose; and the step after which ``asked``'s cotangent is complete."""
    from tutor.record import record
    linear = program.as_function()
    recording = record(linear, *[1.0] * len(program.inputs),
                       argnum=program.inputs.index(asked))
    node = recording.inputs[asked]
    last = max((index for index, step in enumerate(recording.backward) if step.parent == node),
               default=len(recording.backward) - 1)
    return recording, len(recording.forward) + last + 1


def transpose_number_question(exercise_id, rng):
    """The cotangent that reaches one input when a linearized program is transposed."""
    for _ in range(200):            # a program short enough to walk by hand, with fan-out
        expr = random_program(rng, ("x", "y"), operations=3)
        point = {name: float(rng.choice([-2, -1, 1, 2])) for name in ("x", "y")}
        _, program = linearized(expr, ("x", "y"), point)
        asked = program.inputs[int(rng.integers(2))]
        uses = sum(asked in equation.args for equation in program.equations)
        answer = walk(program, 1.0)[program.inputs.index(asked)]
        if uses >= 2 and answer != 0 and abs(answer) <= 30 and len(program.equations) <= 8:
            break
    recording, reveal = _recorded(program, asked)
    text = (f"A linear program, written by linearizing `f(x, y) = {to_text(expr)}` at "
            f"x = {number_text(point['x'])}, y = {number_text(point['y'])} (inputs: t0 the "
            f"tangent of x, t1 of y):"
            f"\n\n```\n{chr(10).join(program.lines())}\nreturn {program.output}\n```\n\n"
            f"Transpose it with the output's cotangent **ḡ_{program.output} = 1**. What "
            f"cotangent **ḡ_{asked}** reaches the input {asked}?")
    slips = ((walk(program, 1.0, accumulate=False)[program.inputs.index(asked)],
              f"is the last share alone: {asked} is read by several equations, and their "
              f"shares add up."),
             (walk(program, 1.0, backwards=False)[program.inputs.index(asked)],
              "comes from walking the equations first to last; the transpose runs them last "
              "to first."))
    return Question(exercise_id, text, float(answer), recording=recording, reveal_step=reveal,
                    slips=slips, explanation=f"Walking back from ḡ_{program.output} = 1, "
                                             f"{asked} receives {number_text(answer)} in all, "
                                             f"∂f/∂{'xy'[program.inputs.index(asked)]} at "
                                             f"that point: the transpose is the VJP.")


TRANSPOSE_NUMBER = Exercise(
    id="l15-number-transpose", lesson=LESSON, kind="number",
    title="Transpose a linear program by hand",
    prompt="Walk a linearized program backwards and predict the cotangent one input receives.",
    hints=(
        "Start from the last equation: its output's cotangent is 1. Each equation sends its "
        "output's cotangent to its arguments (scaled by its constant, negated for `-`).",
        "An input read by several equations receives a share from each; add them.",
    ),
    solution=drawn_answer,
    make_question=partial(transpose_number_question, "l15-number-transpose"),
)

EXERCISES = [LINEARIZE, TRANSPOSE_RULE, TRANSPOSE, TRANSPOSE_NUMBER]
