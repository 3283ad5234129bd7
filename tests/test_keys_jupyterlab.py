"""The lessons' players in JupyterLab answer the keyboard as the dashboard does, and pass axe.

A lesson notebook shows a :class:`~tutor.widgets.RecordingPlayer`; with focus inside it, →
steps forward, ← back, End jumps to the end, while JupyterLab's own keys keep working
outside it. Served by the same JupyterLab fixture as the lesson test (a copy of the
lessons, 127.0.0.1, a free port, a token), driven by headless Debian Chromium (the
``browser`` fixture of conftest.py).
"""

import json
import re
import time
import urllib.request

import pytest

from test_lessons_browser import (KERNEL_TIMEOUT_MS, jupyterlab,  # noqa: F401 (a fixture)
                                  lesson_page, menu, run_all_cells, sync_api)

pytestmark = pytest.mark.browser

LESSON = "02_computation_graph.ipynb"      # shows a RecordingPlayer
STATUS = re.compile(r"(forward|backward) \d+/\d+")


def test_a_lesson_player_steps_with_the_arrow_keys(jupyterlab, browser):  # noqa: F811
    expect = sync_api.expect
    with lesson_page(browser, "lesson-keys-in-jupyterlab-failed.png") as page:
        notebook = run_all_cells(page, jupyterlab, LESSON, "Lesson 2")
        player = notebook.locator(".tutor-player").first
        player.scroll_into_view_if_needed(timeout=KERNEL_TIMEOUT_MS)
        status = player.locator(".tutor-status")
        expect(status).to_have_text(STATUS, timeout=KERNEL_TIMEOUT_MS)
        player.locator(".tutor-step-forward").focus()           # focus inside the player
        for key, expected in [("Home", r"forward 0/"), ("ArrowRight", r"forward 1/"), ("ArrowRight", r"forward 2/"),
                              ("ArrowLeft", r"forward 1/"), ("End", r"backward (\d+)/\1$"),
                              ("Home", r"forward 0/")]:
            page.keyboard.press(key)
            expect(status).to_have_text(re.compile(expected))
        # the graph's description follows every step, in the page
        graph = player.locator(".tutor-graph")
        expect(player.locator(f"#{graph.get_attribute('aria-describedby')}")).to_have_text(
            re.compile(r"^Start\. The graph of f"))
        # axe-core on the lesson's players (JupyterLab's own interface is not ours to judge)
        axe = pytest.importorskip("axe_playwright_python.sync_playwright").Axe()
        violations = axe.run(page, context=".tutor-player").response["violations"]
        print("axe on a lesson's players:", {v["id"]: (v["impact"], len(v["nodes"]))
                                             for v in violations} or "no violations")
        assert [v["id"] for v in violations if v["impact"] in ("serious", "critical")] == []
        assert "landmark-unique" not in [v["id"] for v in violations]   # players apart


def kernel_idle(url, token, notebook, timeout=KERNEL_TIMEOUT_MS / 1000):
    """Wait until the server says the kernel of ``notebook``'s session is idle."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with urllib.request.urlopen(f"{url}api/sessions?token={token}", timeout=5) as answer:
            sessions = json.load(answer)
        if any(session["path"].endswith(notebook)
               and session["kernel"]["execution_state"] == "idle" for session in sessions):
            return
        time.sleep(0.5)
    raise AssertionError(f"the kernel of {notebook} was not idle within {timeout:.0f} s")


def test_a_lesson_player_steps_in_notebook_7(jupyterlab, browser):  # noqa: F811
    """The same player in Notebook 7's interface (the ``notebook`` package's pages, served by
    the same Jupyter server): it renders, and a click and the → key step it in the page."""
    # (a test dependency; voila.json keeps its lab extension out of Voila's page, where it fails)
    pytest.importorskip("notebook", reason="Notebook 7 is not installed")
    url, token = jupyterlab
    expect = sync_api.expect
    # Requests are watched, not intercepted: under Playwright's interception (page.route)
    # Notebook 7 never starts the notebook's kernel.
    with lesson_page(browser, "lesson-player-in-notebook-7-failed.png",
                     intercept=False) as page:
        elsewhere = []
        ours = ("http://127.0.0.1:", "ws://127.0.0.1:", "data:", "blob:")
        page.on("request", lambda request: None if request.url.startswith(ours)
                else elsewhere.append(request.url))
        page.goto(f"{url}notebooks/{LESSON}?token={token}", timeout=120_000)
        notebook = page.locator(".jp-Notebook")
        expect(notebook.locator(".jp-Cell").first).to_be_visible(timeout=120_000)
        kernel_idle(url, token, LESSON)          # "Run All" before the kernel is up is lost
        menu(page, "Run", "Run All Cells")
        player = notebook.locator(".tutor-player").first
        player.scroll_into_view_if_needed(timeout=KERNEL_TIMEOUT_MS)
        status = player.locator(".tutor-status")
        expect(status).to_have_text(re.compile(r"forward 0/"), timeout=KERNEL_TIMEOUT_MS)
        player.locator(".tutor-step-forward").click()
        expect(status).to_have_text(re.compile(r"forward 1/"))
        page.keyboard.press("ArrowRight")               # the focus is on the button clicked
        expect(status).to_have_text(re.compile(r"forward 2/"))
        page.keyboard.press("End")
        expect(status).to_have_text(re.compile(r"backward (\d+)/\1$"))
        assert player.locator(".tutor-node").count() >= 3
        assert elsewhere == []                   # nothing but our own server was asked
