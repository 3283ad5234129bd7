"""Practice and Progress in the real dashboard: Voila serves ``app.ipynb``, Chromium uses it.

Two learners on one Voila server, each in a page of their own: what A answers never shows
in B's progress or B's teacher export. And the kernel, not the page, decides what a click
does: a page that re-enables a disabled Check and clicks it gets nothing recorded.

This module starts its own Voila, with progress kept under a scratch data directory and no
``TUTOR_PROGRESS_DB`` (so the server is a shared one, as in a classroom).
"""

import base64
import json
import os
import re
from pathlib import Path
from unittest import mock

import pytest

from voila_server import REPO, start_voila, stop_process_tree

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.browser

if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is missing (Debian: apt-get install chromium); the browser tests "
                "use the system Chromium and never download one", allow_module_level=True)
expect = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed").expect

LOAD_TIMEOUT_MS = 90_000
WAIT_MS = 30_000        # for what the kernel builds or answers (a busy machine is slow)


@pytest.fixture(scope="module")
def shared_voila(tmp_path_factory, artifacts_dir):
    """Voila for a class: no progress file named, progress under a scratch data folder."""
    if not (REPO / "app.ipynb").exists():
        pytest.skip("app.ipynb is missing: there is no dashboard to serve")
    data = tmp_path_factory.mktemp("data")
    with mock.patch.dict(os.environ, {"XDG_DATA_HOME": str(data)}):   # restored after
        os.environ.pop("TUTOR_PROGRESS_DB", None)
        os.environ.pop("JUPYTERHUB_USER", None)
        server = start_voila("app.ipynb", artifacts_dir / "voila-practice.log")
    server.data = data
    try:
        yield server
    finally:
        stop_process_tree(server.process)


def open_tab(browser, url, tab_title):
    """A new page (its own kernel) with the dashboard open at ``tab_title``."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(url, wait_until="commit", timeout=LOAD_TIMEOUT_MS)
    expect(page.locator(".tutor-step-forward")).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    page.locator(".lm-TabBar-tab", has_text=tab_title).click()
    return page


def answer(page, text):
    feedback = page.locator(".tutor-practice .tutor-exercise-feedback")
    before = feedback.inner_text()
    page.locator(".tutor-practice .tutor-exercise-answer input").fill(text)
    page.locator(".tutor-practice .tutor-exercise-answer input").press("Enter")
    page.locator(".tutor-practice .tutor-exercise-check").click()
    expect(feedback).not_to_have_text(before, timeout=WAIT_MS)
    return feedback.inner_text()


def export(page):
    page.locator(".tutor-progress-export").click()
    link = page.locator(".tutor-progress-download a")
    expect(link).to_be_visible(timeout=WAIT_MS)
    href = link.get_attribute("href")
    return json.loads(base64.b64decode(href.split("base64,", 1)[1]))


def test_two_learners_on_one_server_see_only_their_own_progress(shared_voila, browser,
                                                               artifacts_dir):
    page_a = open_tab(browser, shared_voila.url, "Practice")
    expect(page_a.locator(".tutor-practice-chooser")).to_be_visible(timeout=WAIT_MS)
    expect(page_a.locator(".tutor-learner-status")).to_contain_text("this page only",
                                                                     timeout=WAIT_MS)
    first = answer(page_a, "12345")
    assert "Try again" in first and "l06-" not in first       # lesson words, a second try
    answer(page_a, "12346")
    last = answer(page_a, "12347")
    assert "The answer is" in last                             # out of tries: the answer
    page_a.locator(".tutor-practice .tutor-learner-name input").fill("ana")
    page_a.locator(".tutor-practice .tutor-learner-name input").press("Enter")
    expect(page_a.locator(".tutor-practice .tutor-learner-status")).to_contain_text(
        "Saving progress as ana", timeout=WAIT_MS)
    page_a.screenshot(path=str(artifacts_dir / "practice-tries-1400.png"), full_page=True)
    # A passes one: lesson 1's fixed question, whose answer we know.
    page_a.locator(".tutor-practice-chooser select").select_option(label="Lesson 1: Type ∂f/∂x")
    expect(page_a.locator(".tutor-practice .tutor-exercise-title")).to_contain_text(
        "Lesson 1", timeout=WAIT_MS)
    assert "Right" in answer(page_a, "2/x + y")

    page_a.locator(".lm-TabBar-tab", has_text="Progress").click()
    expect(page_a.locator(".tutor-progress")).to_be_visible(timeout=WAIT_MS)
    expect(page_a.locator(".tutor-progress-lesson").first).to_contain_text(
        "1 / 4 passed", timeout=WAIT_MS)
    mine = export(page_a)
    assert len(mine["attempts"]) == 4 and mine["passed"] == 1

    page_b = open_tab(browser, shared_voila.url, "Progress")
    expect(page_b.locator(".tutor-progress")).to_be_visible(timeout=WAIT_MS)
    labels = page_b.locator(".tutor-progress-lesson").all_inner_texts()
    assert labels and all(re.search(r"\b0 / \d+ passed", label) for label in labels)
    assert "in Practice" in labels[0] and "notebook" in labels[0]
    theirs = export(page_b)
    assert theirs["attempts"] == [] and theirs["passed"] == 0
    page_b.screenshot(path=str(artifacts_dir / "progress-1400.png"), full_page=True)
    assert (shared_voila.data / "autograd-tutor" / "learners" / "ana.sqlite").exists()
    page_a.context.close()
    page_b.context.close()


def test_a_teachers_link_names_the_learner(shared_voila, browser):
    page = open_tab(browser, shared_voila.url + "?learner=ben", "Practice")
    expect(page.locator(".tutor-practice .tutor-learner-status")).to_contain_text(
        "Saving progress as ben", timeout=WAIT_MS)
    answer(page, "12345")
    assert (shared_voila.data / "autograd-tutor" / "learners" / "ben.sqlite").exists()
    page.context.close()


def test_disabled_buttons_clicked_from_the_page_do_nothing(shared_voila, browser):
    page = open_tab(browser, shared_voila.url, "Practice")
    check = page.locator(".tutor-practice .tutor-exercise-check")
    page.locator(".tutor-practice .tutor-exercise-solution").click()   # the answer is out
    expect(check).to_be_disabled(timeout=WAIT_MS)
    solution = page.locator(".tutor-practice .tutor-exercise-solution-text")
    expect(solution).to_contain_text("Solution", timeout=WAIT_MS)
    shown = solution.inner_text()
    value = shown.split("Solution", 1)[1].strip().split()[0]
    # A page (or a learner with the browser's tools) switches the answer box and the button
    # back on, types the answer just shown and clicks.
    page.evaluate("""(value) => {
        const input = document.querySelector('.tutor-practice .tutor-exercise-answer input');
        input.disabled = false;
        input.value = value;
        input.dispatchEvent(new Event('input', {bubbles: true}));
        input.dispatchEvent(new Event('change', {bubbles: true}));
        for (const name of ['check', 'hint']) {      // Hint is off once the answer is out
            const button = document.querySelector(`.tutor-practice .tutor-exercise-${name}`);
            button.disabled = false;
            button.click();
        }
    }""", value)
    # The kernel handles a page's messages in order: once the Progress tab it builds after
    # the click has answered, the click has been dealt with.
    page.locator(".lm-TabBar-tab", has_text="Progress").click()
    expect(page.locator(".tutor-progress")).to_be_visible(timeout=WAIT_MS)
    assert export(page)["attempts"] == []
    feedback = page.locator(".tutor-practice .tutor-exercise-feedback").inner_text()
    assert "Passed" not in feedback and "Right" not in feedback
    assert page.locator(".tutor-practice .tutor-exercise-hints").inner_text().strip() == ""
    page.context.close()


@pytest.mark.parametrize("width", [1400, 768])
def test_practice_and_progress_fit_the_width_they_have(shared_voila, browser, artifacts_dir,
                                                       width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(shared_voila.url, wait_until="commit", timeout=LOAD_TIMEOUT_MS)
    expect(page.locator(".tutor-step-forward")).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    for tab, css in (("Practice", ".tutor-practice"), ("Progress", ".tutor-progress")):
        page.locator(".lm-TabBar-tab", has_text=tab).click()
        expect(page.locator(css)).to_be_visible(timeout=WAIT_MS)
        overflow = page.evaluate(f"""() => {{
            const panel = document.querySelector('{css}');
            return panel.scrollWidth - panel.clientWidth;
        }}""")
        page.screenshot(path=str(artifacts_dir / f"{tab.lower()}-{width}.png"), full_page=True)
        assert overflow <= 1, f"{tab} is {overflow} px wider than its tab at {width} px"
        export_button = page.locator(".tutor-progress-export")
        if tab == "Progress":                     # the label is whole, not cut off
            assert export_button.evaluate("b => b.scrollWidth <= b.clientWidth + 1")
    context.close()
