"""Lesson 13: what a gradient costs, in time and in memory, and checkpointing.

The memory model the exercises use: a chain of ``L`` steps keeps one Node per step on the
tape. Cut into segments of ``s`` steps, each wrapped in ``tutor.autograd.checkpoint``, it
keeps one Node per segment during the forward pass, ``ceil(L / s)``, and during the backward
pass the ``s`` Nodes of the one segment being recomputed: a peak of ``ceil(L / s) + s``.
``checkpointed_chain`` is checked on real tapes: the gradient must be the plain chain's, and
``tutor.autograd.nodes_kept`` must count one Node per segment (plus the input).
"""

import math
from functools import partial

import numpy as np

import tutor.autograd.numpy as anp
from tutor.autograd import checkpoint, elementwise_grad, nodes_kept

from ..compare import kind_of, summarize
from ..model import Case, Exercise, FunctionSpec, Mismatch, Question, WrongAnswer, drawn_answer
from ..specs import cases, text_of

LESSON = 13


# ------------------------------------------------------------- choice: how it grows

GROWTH = (
    ("`f(x) = sum(sin(x) * x)` takes time proportional to n. When n doubles, how does the time "
     "of **one gradient by reverse mode** (grad) change?", "about doubles",
     "Reverse mode costs a small constant times f itself, whatever n is: f doubles, so the "
     "gradient does too."),
    ("`f(x) = sum(sin(x) * x)` takes time proportional to n. When n doubles, how does the "
     "**ratio** time(grad f) / time(f) change?", "stays about the same",
     "The cheap-gradient principle: the backward pass does a constant amount of work per "
     "operation of the forward pass, so the ratio does not depend on n."),
    ("`f(x) = sum(sin(x) * x)` takes time proportional to n. When n doubles, how does the time "
     "of the **whole gradient by finite differences** change?", "about quadruples",
     "Finite differences evaluate f once per input (n + 1 times), and each evaluation takes "
     "twice as long: twice as many evaluations of twice the cost."),
    ("`f(x) = sum(sin(x) * x)` takes time proportional to n. When n doubles, how does the time "
     "of the **whole gradient by forward mode** change?", "about quadruples",
     "Forward mode needs one pass per input (n passes), and each pass costs about as much as "
     "f: twice as many passes of twice the cost."),
    ("A chain of L steps is differentiated by reverse mode. When L doubles, how does the "
     "**memory** the tape keeps change?", "about doubles",
     "The tape keeps one Node per step until the backward pass has used it: twice the steps, "
     "twice the Nodes."),
    ("A chain of L steps is checkpointed in segments of √L steps. When L **quadruples**, how "
     "does the peak memory change?", "about doubles",
     "The peak is L/s + s with s = √L, that is 2√L; four times L gives twice √L."),
    ("A chain of L steps is differentiated by forward mode on dual numbers (lesson 11's "
     "`Dual`), with one input. When L doubles, how does the memory it keeps change?",
     "stays about the same",
     "Dual numbers keep no tape: each tangent is used by the next step and then forgotten. "
     "(The library's make_jvp keeps its trace to reuse it, so its memory would double.)"),
)
GROWTH_OPTIONS = ("about halves", "stays about the same", "about doubles", "about quadruples")


def growth_question(exercise_id, rng):
    text, answer, why = GROWTH[int(rng.integers(len(GROWTH)))]
    return Question(exercise_id, text, answer, options=GROWTH_OPTIONS, explanation=why)


GROWTH_CHOICE = Exercise(
    id="l13-choice-growth", lesson=LESSON, kind="choice",
    title="How do time and memory grow?",
    prompt="Predict how a cost grows when the input or the computation gets bigger.",
    hints=(
        "Count passes and the cost of each: finite differences and forward mode need one pass "
        "per input, reverse mode one backward pass per output.",
        "Memory: reverse mode keeps a Node per step until the backward pass; dual numbers "
        "keep nothing; checkpoints keep one Node per segment plus one segment.",
    ),
    solution=drawn_answer, make_question=partial(growth_question, "l13-choice-growth"),
)


# ----------------------------------------------------------- number: the best segment

SQUARES = (16, 25, 36, 49, 64, 100, 144, 400, 900, 2500, 10000)


def segment_question(exercise_id, rng):
    length = int(SQUARES[int(rng.integers(len(SQUARES)))])
    root = math.isqrt(length)
    base = (f"A chain of L = {length} steps is checkpointed in segments of s steps. The tape "
            f"keeps one Node per segment, L/s of them, and the backward pass recomputes one "
            f"segment at a time, holding s more: a peak of L/s + s Nodes.")
    if rng.random() < 0.5:
        return Question(exercise_id, base + "\n\nWhich segment length **s** makes the peak "
                        "smallest?", float(root),
                        explanation=f"L/s + s is smallest where both parts are equal: s = "
                                    f"{root} (the square root of {length}), a peak of "
                                    f"{2 * root}.",
                        slips=((2 * root, "is the smallest peak; the question asks for the "
                                          "segment length that gives it."),
                               (length / 2, "halves the chain; the peak L/s + s is smallest "
                                            "where its two parts are equal.")))
    return Question(exercise_id, base + "\n\nWith the best segment length, what is the "
                    "**smallest peak**?", float(2 * root),
                    explanation=f"The best s is {root} (the square root of {length}): "
                                f"{length // root} Nodes kept plus {root} recomputed, "
                                f"{2 * root} in all.",
                    slips=((root, "is the best segment length; the peak adds the Nodes "
                                  "kept, L/s, to the s recomputed."),))


SEGMENT_NUMBER = Exercise(
    id="l13-number-segment", lesson=LESSON, kind="number",
    title="The best segment length",
    prompt="Choose checkpoints for a long chain: the segment length that keeps the fewest "
           "Nodes at once, or that smallest number.",
    hints=(
        "Try a few values of s: small s keeps many segments, large s recomputes a lot at once.",
        "The sum L/s + s is smallest when its two parts are equal.",
    ),
    solution=drawn_answer, make_question=partial(segment_question, "l13-number-segment"),
)


# ------------------------------------------------------------------ segment_length

def segment_length(L, bound):
    for s in range(L, 0, -1):              # the longest first: the fewest checkpoints
        peak = math.ceil(L / s) + s        # segments kept, plus one segment recomputed
        if peak <= bound:
            return s


def smallest_peak(length):
    return min(math.ceil(length / s) + s for s in range(1, length + 1))


def _segment_case(rng, index):
    length = int(rng.integers(4, 400))
    bound = smallest_peak(length) + int(rng.integers(0, 3))
    return Case((length, bound), text=f"L = {length}, bound = {bound}")


def _segment_judge(case, got, expected):
    length, bound = case.args
    if got is None:
        return Mismatch("none", "returned None: return the number of steps per segment")
    if isinstance(got, np.ndarray) and got.ndim == 0:
        got = got.item()                     # a number in a 0-d array is still a number
    if isinstance(got, (bool, np.bool_)) or not isinstance(got, (int, float, np.number)):
        return Mismatch("type", f"expected a whole number (steps per segment), got "
                                f"{kind_of(got)} {summarize(got)}")
    if np.isnan(got):
        return Mismatch("nan", "got NaN; expected a whole number of steps per segment")
    if float(got) != int(got) or not 1 <= int(got) <= length:
        return Mismatch("value", f"expected a whole number of steps from 1 to L = {length}, "
                                 f"got {summarize(got)}")
    s = int(got)
    peak = math.ceil(length / s) + s
    if peak > bound:
        return Mismatch("value", f"expected a segment length whose peak stays within "
                                 f"{bound} Nodes, got s = {s}: ceil({length}/{s}) + {s} = "
                                 f"{peak} Nodes at the peak")
    longest = longest_segment(length, bound)
    if s < longest:
        return Mismatch("value", f"expected the longest segment that fits, got s = {s}: it "
                                 f"fits, but so does s = {longest} (ceil({length}/{longest}) + "
                                 f"{longest} = {math.ceil(length / longest) + longest} ≤ "
                                 f"{bound}), with fewer checkpoints to call")
    return None


def longest_segment(length, bound):
    """The reference's own search, from the short end: the last segment length that fits."""
    fitting = [s for s in range(1, length + 1) if math.ceil(length / s) + s <= bound]
    return fitting[-1]


SEGMENT_LENGTH = Exercise(
    id="l13-segment-length", lesson=LESSON, kind="function",
    title="Checkpoints under a memory bound",
    prompt=(
        "A chain of `L` steps, checkpointed every `s` steps, keeps `ceil(L / s)` Nodes "
        "(one per segment) and, while the backward pass recomputes one segment, `s` more. "
        "Write `segment_length(L, bound)`: return the **longest** segment, a whole number `s` "
        "from 1 to `L`, whose peak `ceil(L / s) + s` is at most `bound` (every checkpoint is "
        "one more call to make, so fewer is better).\n\n"
        "Every `bound` checked can be met."),
    hints=(
        "`ceil(L / s)` counts the segments (the `math` module has `ceil`); the last one may "
        "be shorter.",
        "Try the segment lengths one after the other, from the longest down, and return the "
        "first whose peak fits.",
        "The idea: short segments keep many Nodes on the tape, long ones hold many while they "
        "are recomputed; the peak is smallest near the square root of L, and a bound at or "
        "a little above that smallest peak leaves several lengths to choose from.",
    ),
    solution=segment_length,
    spec=FunctionSpec("segment_length", "segment_length(L, bound)", cases(30, _segment_case),
                      judge=_segment_judge),
)


# --------------------------------------------------------------- checkpointed_chain

def checkpointed_chain(steps, every):
    def segment(part):
        def run_part(x):
            for step in part:
                x = step(x)
            return x
        return checkpoint(run_part)

    segments = [segment(steps[start:start + every]) for start in range(0, len(steps), every)]

    def run(x):
        for run_segment in segments:
            x = run_segment(x)
        return x

    return run


def scale(x):
    return 0.9 * x + 0.1


def wave(x):
    return anp.sin(x) * 1.2


def squash(x):
    return anp.tanh(x) + 0.05 * x


def bend(x):
    return anp.cos(x) * x


STEPS = (scale, wave, squash, bend)


def _chain_case(rng, index):
    length = int(rng.integers(4, 30))
    every = int(rng.integers(2, 7))
    steps = [STEPS[int(i)] for i in rng.integers(len(STEPS), size=length)]
    x = np.round(rng.uniform(-1.5, 1.5, size=int(rng.integers(1, 4))), 2)
    names = ", ".join(step.__name__ for step in steps[:6]) + (", ..." if length > 6 else "")
    return Case((steps, every, x), text=f"{length} steps [{names}], every = {every}, "
                                        f"{text_of(x=x)}")


def _plain_chain(steps):
    def run(x):
        for step in steps:
            x = step(x)
        return x
    return run


def _chain_call(answer, case):
    """``(value, gradient)`` of the learner's chain at ``x``, after counting its tape."""
    steps, every, x = case.args
    run = answer(steps, every)
    if run is None:
        raise WrongAnswer("none", "`checkpointed_chain(steps, every)` returned None; it "
                                  "should return a function of x")
    if not callable(run):
        raise WrongAnswer("type", f"`checkpointed_chain(steps, every)` should return a "
                                  f"function of x, but returned {kind_of(run)}")
    segments = math.ceil(len(steps) / every)
    kept = nodes_kept(run, x)
    if kept != segments + 1:
        advice = ("wrap each segment in checkpoint" if kept > segments + 1 else
                  "each checkpoint should hold one segment of `every` steps, no more, so that "
                  "the backward pass never recomputes more than that at once")
        raise WrongAnswer("value", f"expected the tape to keep {segments + 1} Nodes (one per "
                                   f"segment of {every} steps, and the input), got {kept}: "
                                   f"{advice}")
    return run(x), elementwise_grad(run)(x)


def _chain_reference(case):
    steps, every, x = case.args
    plain = _plain_chain(steps)
    return plain(x), elementwise_grad(plain)(x)


CHECKPOINTED_CHAIN = Exercise(
    id="l13-checkpointed-chain", lesson=LESSON, kind="function",
    title="A chain with checkpoints",
    prompt=(
        "`steps` is a list of functions, each applied elementwise to an array. Write "
        "`checkpointed_chain(steps, every)`: return a function `run(x)` that applies the "
        "steps in order, with every `every` consecutive steps (the last group may be shorter) "
        "wrapped in **one** `checkpoint`.\n\n"
        "Checked on random chains: `run`'s value and gradient must be those of the plain "
        "chain, and `nodes_kept(run, x)` must count one Node per segment plus one for the "
        "input."),
    hints=(
        "Cut `steps` into consecutive groups of `every` (the last may be shorter); a `range` "
        "with a step gives where each group starts.",
        "Make a function that applies one segment's steps, and pass that function to "
        "`checkpoint`; build all of them before `run` is called.",
        "The idea: a checkpointed function is one primitive on the outer tape; what happens "
        "inside it is recorded only when its VJP recomputes it.",
    ),
    solution=checkpointed_chain,
    spec=FunctionSpec("checkpointed_chain", "checkpointed_chain(steps, every)(x)",
                      cases(15, _chain_case), call=_chain_call, reference=_chain_reference),
)

EXERCISES = [GROWTH_CHOICE, SEGMENT_NUMBER, SEGMENT_LENGTH, CHECKPOINTED_CHAIN]
