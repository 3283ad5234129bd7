"""The explorer's boxes in the browser (issue 21, items 1 and 2): what the learner types is
never rewritten while they type, and Explore shows what Practice showed.

Driven only through the ``tutor-...`` classes, at a learner's pace (50 ms a key).
"""

import pytest

from test_browser import expect, open_dashboard

pytestmark = pytest.mark.browser


def test_values_typed_after_tab_are_never_rewritten(voila_server, page):
    open_dashboard(page, voila_server.url)
    page.locator(".tutor-expression input").click()
    page.keyboard.press("Control+a")
    page.keyboard.type("a*b + c", delay=50)
    page.keyboard.press("Tab")           # sends f: Python fills in a=1, b=1, c=1 meanwhile
    values = page.locator(".tutor-values input")
    expect(values).to_be_focused()
    page.keyboard.press("Control+a")
    page.keyboard.type("a=2, b=3, c=4", delay=50)
    expect(page.locator(".tutor-shown")).to_contain_text("Shown: f = a*b + c at a=1, b=1, c=1")
    expect(page.locator(".tutor-error")).to_contain_text("a had no value: using a = 1")
    assert values.input_value() == "a=2, b=3, c=4"          # nothing landed in the middle
    page.keyboard.press("Enter")
    expect(page.locator(".tutor-shown")).to_contain_text("Shown: f = a*b + c at a=2, b=3, c=4")
    expect(page.locator(".tutor-error")).to_have_text("")
    page.keyboard.press("Tab")
    expect(values).to_have_value("a=2, b=3, c=4")
    page.click(".tutor-to-end")
    expect(page.locator(".tutor-gradient")).to_contain_text("∂f/∂a = 3")


def test_a_value_filled_in_shows_once_the_learner_leaves_the_box(voila_server, page):
    open_dashboard(page, voila_server.url)
    box = page.locator(".tutor-expression input")
    box.click()
    page.keyboard.press("Control+a")
    page.keyboard.type("x*y*z", delay=50)
    page.keyboard.press("Enter")                   # still in the f box: its text stays
    expect(page.locator(".tutor-shown")).to_contain_text("Shown: f = x*y*z at x=1, y=2, z=1")
    expect(page.locator(".tutor-values input")).to_have_value("x=1, y=2, z=1")
    expect(box).to_have_value("x*y*z")


def test_after_a_practice_answer_explore_shows_its_function_everywhere(voila_server, page):
    open_dashboard(page, voila_server.url)
    page.locator(".lm-TabBar-tab", has_text="Practice").click()
    answer = page.locator(".tutor-exercise-answer input")
    expect(answer).to_be_visible()
    for _ in range(3):                                   # three wrong tries: the answer is out
        answer.fill("12345")
        answer.press("Enter")
        page.click(".tutor-exercise-check")
    reveal = page.locator(".tutor-practice-reveal")
    expect(reveal).to_contain_text("The Explore tab now shows this function, at step")
    page.locator(".lm-TabBar-tab", has_text="Explore").click()
    expression = page.locator(".tutor-expression input").input_value()
    values = page.locator(".tutor-values input").input_value()
    assert expression != "log(x**2) + y**2 + x*y"
    expect(page.locator(".tutor-shown")).to_contain_text(f"Shown: f = {expression} at {values}")
    expect(page.locator(".tutor-example-note")).to_contain_text("the Practice tab")
    page.locator(".lm-TabBar-tab", has_text="Practice").click()
    page.click(".tutor-exercise-next")                   # the sentence goes with the question
    expect(reveal).to_have_text("")
