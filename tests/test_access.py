"""What a learner who cannot see the graph hears at every step, driven from Python.

Every step has a heading (``Backward step 2 of 9.``), a sentence and notes; a screen reader
hears them together (``step_text``), in the stepper's live region and as the graph's
description. The browser side (real key presses, the live region, focusable named nodes,
axe-core) is in ``test_accessibility.py``.
"""

import re

import numpy
import pytest

from tutor.expression import parse
from tutor.record import record, shown_text
from tutor.widgets import story_of
from tutor.widgets.explorer import EXAMPLES, SEED, make_recording
from tutor.widgets.words import node_expression, step_text

DECIMAL = re.compile(r"(?<![\w.])\d+\.\d")
MSE = next(example for example in EXAMPLES if example.title.startswith("Mean squared"))


@pytest.fixture(scope="module")
def seed():
    return record(parse(SEED), 1.0, 2.0, argnum=1)


def test_the_words_follow_every_step_and_name_nodes_by_their_expression(seed):
    assert step_text(seed, 0).startswith("Start. The graph of f has 10 nodes")
    assert step_text(seed, 13) == (
        "Backward step 7 of 9. v6 (y ** 2) sends 4.0 to y through the VJP "
        "ḡ_v6 · v5 · v1**(v5−1); y's adjoint is now 5.0. Contributions add up: y already had "
        "1.0 from x · y.")
    assert step_text(seed, seed.steps).endswith(
        "Done: every contribution has arrived. ∂f/∂x = 4, ∂f/∂y = 5.")


def test_every_step_is_described_without_numbers_from_the_future(seed):
    for k in range(seed.steps + 1):
        text = step_text(seed, k)
        assert text.endswith(".")
        if k:
            assert text.startswith(f"{'Forward' if k <= 6 else 'Backward'} step "
                                   f"{k if k <= 6 else k - 6} of ")
    assert step_text(seed, 3) == ("Forward step 3 of 6. v6 (y ** 2) = 4.0, from y and the "
                                  "constant 2.")
    assert "6.0" not in step_text(seed, 5)              # f's value is not known yet


@pytest.mark.parametrize("text, values", [
    ("sum(x * W)", "x=[1, 2, 3], W=[[1, 2, 3], [4, 5, 6]]"),
    ("sum(x + b)", "x=[[1, 2, 3], [4, 5, 6]], b=[0.5, 1, 2]"),
    (MSE.expression, MSE.values),
])
def test_every_step_sentence_starts_with_its_heading_broadcast_steps_included(text, values):
    recording, _, _ = make_recording(text, values)
    broadcast = [step.index for step in recording.backward if step.broadcast]
    assert broadcast, "no step sums over broadcast axes"
    n_forward = len(recording.forward)
    for k in range(1, recording.steps + 1):
        pass_words = ("Forward step {} of {}." if k <= n_forward else "Backward step {} of {}.")
        numbers = (k, n_forward) if k <= n_forward else (k - n_forward, len(recording.backward))
        assert step_text(recording, k).startswith(pass_words.format(*numbers) + " ")
    for k in broadcast:
        assert "stretched (broadcast)" in step_text(recording, k)


def test_node_expressions_bracket_only_operands_that_need_it():
    rec = record(parse("sin(x*y) / (x + 1) - x**2"), 0.5, 2.0)
    assert node_expression(rec, rec.output) == "(sin(x · y) / (x + 1)) - (x ** 2)"


def test_a_line_before_its_step_keeps_its_formula_and_hides_its_numbers(seed):
    told = story_of(seed)
    for k, step in enumerate(told["steps"][1:], start=1):
        hidden = shown_text(step["line"], known=False)
        names, _, after = hidden.partition(" = ")
        assert "?" in hidden and not DECIMAL.search(after.replace("v5−1", "")), (k, hidden)
    assert shown_text(told["steps"][13]["line"], False) == (
        "ḡ_v1 += ḡ_v6 · v5 · v1**(v5−1) = ?  →  ḡ_v1 = ?")


@pytest.fixture(scope="module")
def forward_mode():
    return record(parse(SEED), 1.0, 2.0, mode="forward")


def test_forward_mode_steps_are_described_with_their_tangents(forward_mode):
    assert step_text(forward_mode, 1) == (
        "Forward step 1 of 6. v3 (x ** 2) = 1.0, from x and the constant 2; its tangent ẋ is "
        "2.0.")
    assert step_text(forward_mode, 6).endswith(
        "is the derivative of f along the inputs' tangents. Done: forward mode needs no "
        "backward pass.")


def test_forward_mode_lines_hide_future_values_and_tangents(forward_mode):
    step = story_of(forward_mode)["steps"][3]
    assert shown_text(step["line"], False) == "v6 = v1 ** v5 = ?"
    assert shown_text(step["tangent"], False) == "ẋ_v6 = ẋ_v1 · v5 · v1**(v5−1) = ?"


def test_an_array_node_is_named_with_all_its_numbers():
    recording, _, _ = make_recording("sum(W @ x)", "W=[[0.5, -1], [2, 0.3]], x=[1, 2]", "W")
    told = story_of(recording)
    W = told["nodes"][0]
    last = [look for step in told["steps"][1:] for position, *look in step["looks"]
            if position == 0][-1]
    assert told["values"][last[2]]["text"] == "[[1.0, 2.0], [1.0, 2.0]]"
    assert numpy.shape(recording.gradient) == (2, 2) and W["shape"] == "2×2"
