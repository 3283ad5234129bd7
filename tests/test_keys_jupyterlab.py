"""The lessons' players in JupyterLab answer the keyboard as the dashboard does, and pass axe.

A lesson notebook shows a :class:`~tutor.widgets.RecordingPlayer`; with focus inside it, →
steps forward, ← back, End jumps to the end, while JupyterLab's own keys keep working
outside it. Served by the same JupyterLab fixture as the lesson test (a copy of the
lessons, 127.0.0.1, a free port, a token), driven by headless Debian Chromium (the
``browser`` fixture of conftest.py).
"""

import re

import pytest

from test_lessons_browser import (KERNEL_TIMEOUT_MS, jupyterlab,  # noqa: F401 (a fixture)
                                  menu, only_loopback, sync_api)

pytestmark = pytest.mark.browser

LESSON = "02_computation_graph.ipynb"      # shows a RecordingPlayer
STATUS = re.compile(r"(forward|backward) \d+/\d+")


def test_a_lesson_player_steps_with_the_arrow_keys(jupyterlab, browser):  # noqa: F811
    url, token = jupyterlab
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.route("**/*", only_loopback)
    page.set_default_timeout(60_000)
    expect = sync_api.expect
    try:
        page.goto(f"{url}lab/tree/{LESSON}?token={token}", timeout=120_000)
        notebook = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook")
        expect(notebook.locator(".jp-Cell").first).to_be_visible(timeout=120_000)
        expect(page.locator(".jp-StatusBar-Item", has_text="Idle").first).to_be_visible(
            timeout=KERNEL_TIMEOUT_MS)                      # the kernel is ready
        menu(page, "Run", "Run All Cells")
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
    except Exception:
        from test_lessons_browser import ARTIFACTS
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "lesson-keys-in-jupyterlab-failed.png"),
                        full_page=True)
        raise
    finally:
        context.close()
