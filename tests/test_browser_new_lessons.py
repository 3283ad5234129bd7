"""Lessons 11 and 12 in the real dashboard: their questions in the Practice tab, in Chromium.

Voila serves ``app.ipynb`` (the shared ``voila_server`` fixture); the page picks lesson 11's
next-tangent question and lesson 12's pass-count question in the Practice tab, answers each
wrong, and reads the feedback the kernel sends back: another try and a hint, in the lesson's
words.
"""

import pytest

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed").expect

LOAD_TIMEOUT_MS = 90_000
WAIT_MS = 30_000


def answer(page, text):
    feedback = page.locator(".tutor-practice .tutor-exercise-feedback")
    before = feedback.inner_text()
    field = page.locator(".tutor-practice .tutor-exercise-answer input")
    field.fill(text)
    field.press("Enter")
    page.locator(".tutor-practice .tutor-exercise-check").click()
    expect(feedback).not_to_have_text(before, timeout=WAIT_MS)
    return feedback.inner_text()


@pytest.mark.parametrize("label, words", [
    ("Lesson 11: Predict the next tangent", "ẋ_v"),
    ("Lesson 12: How many passes?", "passes"),
])
def test_practice_offers_the_new_lessons_questions(voila_server, page, artifacts_dir, label,
                                                   words):
    page.set_default_timeout(60_000)
    page.goto(voila_server.url, wait_until="commit", timeout=LOAD_TIMEOUT_MS)
    expect(page.locator(".tutor-step-forward")).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    page.locator(".lm-TabBar-tab", has_text="Practice").click()
    chooser = page.locator(".tutor-practice-chooser select")
    expect(chooser).to_be_visible(timeout=WAIT_MS)
    chooser.select_option(label=label)
    title = page.locator(".tutor-practice .tutor-exercise-title")
    expect(title).to_contain_text(label.split(":")[0], timeout=WAIT_MS)
    expect(page.locator(".tutor-practice")).to_contain_text(words, timeout=WAIT_MS)
    feedback = answer(page, "123456")
    assert "Try again" in feedback and "Hint" in feedback
    page.screenshot(path=str(artifacts_dir / f"practice-{label[:9].replace(' ', '')}.png"),
                    full_page=True)
    assert not [error for error in page.errors if error.kind == "uncaught"]
