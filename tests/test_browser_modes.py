"""Both modes and arrays, end to end: Voila serves the dashboard, headless Chromium uses it.

A learner switches the mode control to forward, steps tangents through the seed's f, loads
an array example from the menu, assembles a Jacobian in the cost panel, and types a shape
mistake. The page is driven only through the controls' ``tutor-...`` classes.
"""

import pytest

from test_browser import SEED, enter, expect, open_dashboard, step
from tutor.widgets.explorer import MODES

pytestmark = pytest.mark.browser

LAYER = "A linear layer with tanh: sum(tanh(W @ x + b))"


def choose(page, css_class, value):
    """Pick ``value`` in the dropdown with ``css_class``, as a learner does (the page lists
    the options by their labels: the mode control's are in ``MODES``)."""
    label = dict((value, label) for label, value in MODES).get(value, value)
    page.locator(f".{css_class} select").select_option(label=label)


def test_forward_mode_steps_tangents_through_the_seed(voila_server, page):
    open_dashboard(page, voila_server.url)
    enter(page, "tutor-expression", SEED)
    choose(page, "tutor-mode", "forward")
    expect(page.locator(".tutor-status")).to_have_text("forward 0/6")
    expect(page.locator(".tutor-shown")).to_contain_text("forward mode")
    assert step(page, "tutor-step-forward") == "forward 1/6"
    expect(page.locator(".tutor-step")).to_contain_text("and its tangent, through the JVP")
    expect(page.locator(".tutor-step")).to_contain_text("ẋ_v3 = ẋ_v0 · v2 · v0**(v2−1)")
    page.click(".tutor-to-end")
    expect(page.locator(".tutor-gradient")).to_contain_text("∂f/∂x = 4")
    expect(page.locator(".tutor-cost")).to_contain_text("Forward mode: one pass per input")
    choose(page, "tutor-mode", "reverse")
    expect(page.locator(".tutor-status")).to_have_text("forward 0/6")
    page.click(".tutor-to-end")
    expect(page.locator(".tutor-status")).to_have_text("backward 9/9")
    expect(page.locator(".tutor-gradient")).to_contain_text("∂f/∂x = 4")
    assert not [error for error in page.errors if error.kind == "uncaught"], page.errors


def test_an_array_example_in_both_modes_and_its_jacobian(voila_server, page, artifacts_dir):
    open_dashboard(page, voila_server.url)
    choose(page, "tutor-examples", LAYER)
    expect(page.locator(".tutor-expression input")).to_have_value("sum(tanh(W @ x + b))")
    expect(page.locator(".tutor-table")).to_contain_text("[[0.5, -1.0], [2.0, 0.3]]")
    step(page, "tutor-step-forward")
    page.click(".tutor-to-end")
    expect(page.locator(".tutor-gradient")).to_contain_text("∂f/∂W = ")
    # reverse: one row, the whole gradient; the pass shown was stepped to its end, so it is in
    expect(page.locator(".tutor-jacobian")).to_contain_text("1 of 1 reverse pass done")
    choose(page, "tutor-mode", "forward")
    expect(page.locator(".tutor-jacobian")).to_contain_text("0 of 8 forward passes done")
    page.click(".tutor-jacobian-pass")                 # shows the first column's pass
    expect(page.locator(".tutor-jacobian")).to_contain_text("The graph shows the pass")
    page.click(".tutor-to-end")                        # stepped to its end, it fills in
    expect(page.locator(".tutor-jacobian")).to_contain_text("1 of 8 forward passes done")
    page.click(".tutor-jacobian-all")
    expect(page.locator(".tutor-jacobian")).to_contain_text("8 of 8 forward passes done")
    page.click(".tutor-reset")                         # back to the start of the pass shown
    step(page, "tutor-step-forward")
    expect(page.locator(".tutor-step")).to_contain_text("ẋ_v3 = ")
    page.screenshot(path=str(artifacts_dir / "modes-array-forward.png"), full_page=True)


def test_a_shape_mistake_is_explained_and_the_picture_stays(voila_server, page):
    open_dashboard(page, voila_server.url)
    choose(page, "tutor-examples", LAYER)
    expect(page.locator(".tutor-shown")).to_contain_text("Shown: f = sum(tanh(W @ x + b))")
    enter(page, "tutor-values", "W=[[1, 2], [3, 4]], x=[1, 2, 3], b=[0, 0]")
    expect(page.locator(".tutor-error")).to_contain_text(
        "W @ x: W is 2×2 but x has 3 elements; the inner sizes must match")
    expect(page.locator(".tutor-shown")).to_contain_text("Your last edit was refused")
    expect(page.locator(".tutor-values input")).to_have_value(
        "W=[[1, 2], [3, 4]], x=[1, 2, 3], b=[0, 0]")
    assert step(page, "tutor-step-forward") == "forward 1/4"   # the old graph still steps
