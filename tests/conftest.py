"""Shared fixtures: a Voila server serving the dashboard, and headless Chromium to drive it.

The browser tests (``@pytest.mark.browser``) open the dashboard exactly as a learner does:
Voila serves ``app.ipynb`` from the repository root (so it reads the repository's
``voila.json``), each page gets its own kernel, and Chromium clicks the controls by their
stable CSS classes (``tutor-step-forward``, ``tutor-status``, ...).

Chromium is Debian's ``/usr/bin/chromium``, driven through Playwright's ``executable_path``.
Playwright's own browser download is never used; when the system browser (or Playwright)
is missing, the browser tests are skipped and say why.
"""

import pytest

# tests/ is on the path (pytest puts a conftest's folder there); the benchmarks use it too.
from voila_server import CHROMIUM, CHROMIUM_ARGS, REPO, start_voila, stop_process_tree

ARTIFACTS = REPO / "test-artifacts"


@pytest.fixture(autouse=True)
def no_answer_shown_yet():
    """Each test starts as a kernel does: no exercise has had its answer shown yet."""
    from tutor.exercises import model
    model._ANSWERS_SHOWN.clear()


@pytest.fixture(scope="session")
def artifacts_dir():
    """``test-artifacts/`` at the repository root (gitignored): screenshots and server logs."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="module")
def voila_server(artifacts_dir):
    """Voila serving ``app.ipynb``, shared by a test module's tests; yields a :class:`VoilaServer`.

    Module scope: the server and its kernels stop as soon as the browser tests are done.
    """
    if not (REPO / "app.ipynb").exists():
        pytest.skip("app.ipynb is missing: there is no dashboard to serve")
    server = start_voila("app.ipynb", artifacts_dir / "voila.log")
    try:
        yield server
    finally:
        stop_process_tree(server.process)


@pytest.fixture(scope="module")
def browser():
    """Headless Debian Chromium driven by Playwright, shared by a test module's tests.

    Module scope on purpose: while Playwright's synchronous API is running, it holds an
    asyncio event loop in this thread, and ``asyncio.run`` in any later test would fail.
    """
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (Debian: apt-get install chromium); "
                    "browser tests need the system Chromium and never download one")
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="Playwright is not installed (pip install playwright)")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                              args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


class PageError:
    """Something a page reported: a console message of type ``error`` or an uncaught exception.

    ``source`` is the URL the message is about (for a failed load, the file that failed).
    """

    def __init__(self, kind, text, source=""):
        self.kind, self.text, self.source = kind, text, source

    def __repr__(self):
        return f"{self.kind}: {self.text} ({self.source})" if self.source else \
            f"{self.kind}: {self.text}"


@pytest.fixture
def page(browser):
    """A fresh browser tab (its own context, so its own Voila kernel) for one test.

    ``page.errors`` collects the :class:`PageError` s the page reported.
    """
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    tab = context.new_page()
    tab.errors = []

    def console(message):
        if message.type == "error":
            tab.errors.append(PageError("console", message.text,
                                        (message.location or {}).get("url", "")))

    tab.on("console", console)
    tab.on("pageerror", lambda error: tab.errors.append(PageError("uncaught", str(error))))
    try:
        yield tab
    finally:
        context.close()
