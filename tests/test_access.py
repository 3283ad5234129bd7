"""Stepping without a mouse and hearing what each step does, driven from Python.

The keys the page sends (``StepKeys.press``), the sentence a screen reader reads
(``graph_description``), and a listing that shows nothing before its step. The browser
side (real key presses, axe-core) is in ``test_accessibility.py``.
"""

import re

import pytest

from tutor.app import build_app
from tutor.expression import parse
from tutor.record import record
from tutor.widgets import Inspector, RecordingPlayer
from tutor.widgets.alt_text import graph_description, node_expression
from tutor.widgets.explorer import SEED
from tutor.widgets.inspector import hide_numbers

DECIMAL = re.compile(r"(?<![\w.])\d+\.\d")


@pytest.fixture(scope="module")
def seed():
    return record(parse(SEED), 1.0, 2.0, argnum=1)


def test_keys_step_like_the_buttons_and_space_plays():
    app = build_app()
    keys, stepper = app.step_keys, app.stepper
    seen = []
    for key in ["ArrowRight"] * 3 + ["ArrowLeft", "End", "Home"]:
        assert keys.press(key)
        seen.append(stepper.status.value)
    assert seen == ["forward 1/6", "forward 2/6", "forward 3/6", "forward 2/6",
                    "backward 9/9", "forward 0/6"]
    assert keys.press(" ") and stepper.play.playing
    assert keys.press(" ") and not stepper.play.playing
    keys.press(" ")
    assert keys.press("ArrowRight") and not stepper.play.playing   # a step stops playing


def test_unknown_keys_and_odd_messages_do_nothing():
    app = build_app()
    for message in ({"key": "a"}, {"key": "__import__('os')"}, {"key": 5}, ["ArrowRight"],
                    {}, {"key": "Enter"}):
        app.step_keys._on_message(app.step_keys, message, [])
    assert app.state.k == 0 and app.error.message == ""


def test_a_key_at_either_end_stays_there():
    app = build_app()
    app.step_keys.press("ArrowLeft")
    assert app.state.k == 0
    app.step_keys.press("End")
    app.step_keys.press("ArrowRight")
    assert app.state.k == app.state.steps


def test_the_description_follows_every_step_and_names_nodes_by_their_expression(seed):
    player = RecordingPlayer(seed)
    assert player.step_keys.description.startswith("Start: the graph of f has 10 nodes")
    player.state.go(13)
    assert player.step_keys.description == (
        "Backward step 7 of 9: v6 (y ** 2) sends 4.0 to y; y's adjoint is now 5.0, after 1.0 "
        "from x · y.")
    player.state.go(seed.steps)
    assert player.step_keys.description.endswith("Done: ∂f/∂x = 4.0, ∂f/∂y = 5.0.")


def test_every_step_is_described_without_numbers_from_the_future(seed):
    for k in range(seed.steps + 1):
        text = graph_description(seed, k)
        assert text.endswith(".")
        if k:
            assert text.startswith(("Forward step", "Backward step"))
            assert f"step {k if k <= 6 else k - 6} of" in text
    assert graph_description(seed, 3) == ("Forward step 3 of 6: v6 (y ** 2) = 4.0, from y and "
                                          "the constant 2.")
    assert "6.0" not in graph_description(seed, 5)       # f's value is not known yet


def test_node_expressions_bracket_only_operands_that_need_it():
    rec = record(parse("sin(x*y) / (x + 1) - x**2"), 0.5, 2.0)
    assert node_expression(rec, rec.output) == "(sin(x · y) / (x + 1)) - (x ** 2)"


def test_a_future_line_keeps_its_formula_and_hides_its_numbers():
    assert hide_numbers("v3 = v0 ^ v2 = 1.0") == "v3 = v0 ^ v2 = ?"
    assert hide_numbers("ḡ_v1 += ḡ_v6 · v5 · v1**(v5−1) = 1.0 · 2.0 · 2.0**(2.0−1) = 4.0  →  "
                        "ḡ_v1 = 1.0 + 4.0 = 5.0") == "ḡ_v1 += ḡ_v6 · v5 · v1**(v5−1) = ?  →  ḡ_v1 = ?"
    assert hide_numbers("v4 = sum(v3) = [1. 2.]") == "v4 = sum(v3) = ?"


def text_of(listing_html):
    return [re.sub(r"<[^>]+>", "", line) for line in listing_html.split("</div>")]


@pytest.mark.parametrize("k", [0, 3, 6, 8, 15])
def test_the_listing_shows_only_what_is_known_at_step_k(seed, k):
    inspector = Inspector()
    inspector.render(seed, k)
    lines = text_of(inspector.listing_html)
    for line in lines:
        match = re.match(r"^[▶ ]\s*\[\s*(\d+)\]", line)
        if match and int(match.group(1)) > k:
            assert "?" in line and not DECIMAL.search(line.split("]", 1)[1]), line
        elif match:
            assert "?" not in line, line
    result = next(line for line in lines if line.startswith("result:"))
    if k < 6:
        assert result == "result: f = ?;  ∂f/∂x = ?, ∂f/∂y = ?"
    elif k < seed.steps:
        assert result == "result: f = 6.0;  ∂f/∂x = ?, ∂f/∂y = ?"
    else:
        assert result == "result: f = 6.0;  ∂f/∂x = 4.0, ∂f/∂y = 5.0"


def test_the_listing_wraps_instead_of_cutting_lines_off(seed):
    inspector = Inspector()
    inspector.render(seed, 15)
    assert "white-space:pre-wrap" in inspector.listing_html
    assert "overflow-x" not in inspector.listing_html


def test_the_table_has_headers_a_caption_and_marks_besides_colours(seed):
    inspector = Inspector()
    inspector.render(seed, 13)                          # v6 sends to v1 (y)
    table = inspector.table_html
    assert table.count('<th scope="col">') == 4 and "<caption" in table
    assert table.count('<th scope="row">') == len(seed.nodes)
    assert '<th scope="row">▶ v6</th>' in table and '<th scope="row">+ v1</th>' in table
    assert 'tabindex="0"' in table                       # it scrolls, so it takes focus


@pytest.fixture(scope="module")
def forward_mode():
    return record(parse(SEED), 1.0, 2.0, mode="forward")


def test_forward_mode_steps_are_described_with_their_tangents(forward_mode):
    assert graph_description(forward_mode, 1) == (
        "Forward step 1 of 6: v3 (x ** 2) = 1.0, from x and the constant 2; its tangent ẋ is "
        "2.0.")
    assert graph_description(forward_mode, 6).endswith(
        "This is f's value, and its tangent is the derivative of f along the inputs' "
        "tangents. Done.")


def test_forward_mode_listing_hides_future_values_and_tangents(forward_mode):
    inspector = Inspector()
    inspector.render(forward_mode, 2)
    lines = text_of(inspector.listing_html)
    future = [line for line in lines if re.match(r"^\s+\[[3-6]\]", line)]
    assert len(future) == 4
    for line in future:
        assert "ẋ_v" in line and line.count("= ?") == 2, line   # the JVP formula, no numbers
    result = next(line for line in lines if line.startswith("result:"))
    assert result == "result: f = ?;  ∂f/∂x along the tangent = ẋ_v9 = ?"


def test_space_at_the_end_plays_from_the_start_even_if_play_never_noticed_the_end():
    app = build_app()
    app.step_keys.press("End")
    app.stepper.play.playing = True               # the page's Play has not paused itself yet
    app.step_keys.press(" ")
    assert app.state.k == 0 and app.stepper.play.playing


def test_the_live_region_keeps_quiet_while_playing():
    app = build_app()
    assert not app.step_keys.quiet
    app.step_keys.press(" ")
    assert app.step_keys.quiet                       # ten sentences a second would drown
    app.step_keys.press(" ")
    assert not app.step_keys.quiet
    app.stepper.play.playing = True                  # the page's own Play button
    assert app.step_keys.quiet
    app.stepper.forward.click()                      # a step takes over from Play
    assert not app.step_keys.quiet
