"""The course end to end: JupyterLab opens lesson 1, a learner runs it and checks an answer.

``make lessons`` starts ``jupyter lab`` in ``lessons/`` with lesson 1 open. This test does
the same on a copy of the lessons in a scratch folder (so autosave never touches the
committed notebooks), on 127.0.0.1 and a free port, with a token it chose, and stops the
server itself. Headless Debian Chromium then does what a learner does: runs every cell,
replaces the stub of the first exercise with a right answer, runs that cell and presses the
exercise's Check button, and reads "Correct" in the check widget.
"""

import contextlib
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from voila_server import CHROMIUM, REPO, free_port, stop_process_tree

pytestmark = pytest.mark.browser

if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is missing (Debian: apt-get install chromium); the browser tests "
                "use the system Chromium and never download one", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
pytest.importorskip("jupyterlab", reason="JupyterLab is not installed (pip install -e .)")

ARTIFACTS = REPO / "test-artifacts"     # gitignored: a screenshot when the test fails
LESSON_1 = "01_what_are_we_finding.ipynb"
START_TIMEOUT = 90          # seconds for JupyterLab to answer
KERNEL_TIMEOUT_MS = 180_000  # running all of lesson 1 on a busy machine
ANSWER = "numerical_grad = lambda f, x, eps=1e-6: (f(x + eps) - f(x - eps)) / (2 * eps)"


class Served(tuple):
    """``(base url, token)``; ``.home`` is the course's home (JupyterLab's settings, the
    progress file and the learner's ``mygrad.py``)."""


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory):
    """JupyterLab serving a copy of ``lessons/``; yields ``(base url, token)`` (a
    :class:`Served`)."""
    root = tmp_path_factory.mktemp("course")
    for path in (REPO / "lessons").glob("*.ipynb"):
        shutil.copy(path, root / path.name)
    home = tmp_path_factory.mktemp("jupyter-home")
    # Every cell attached to the page: JupyterLab's default windowing leaves cells outside
    # the viewport out of the DOM, so a stub below the fold could not be found or typed into.
    tracker = home / "settings" / "@jupyterlab" / "notebook-extension"
    tracker.mkdir(parents=True)
    (tracker / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    port, token = free_port(), secrets.token_hex(16)
    environment = dict(os.environ, TUTOR_PROGRESS_DB=str(home / "progress.sqlite"),
                       TUTOR_MYGRAD_DIR=str(home), JUPYTERLAB_SETTINGS_DIR=str(home / "settings"),
                       JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
                       JUPYTER_RUNTIME_DIR=str(home / "runtime"))
    command = [sys.executable, "-m", "jupyterlab", LESSON_1, "--no-browser",
               "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
               "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
               "--LabApp.news_url=None", "--LabApp.extension_manager=readonly"]
    if os.geteuid() == 0:            # containers and CI often run as root
        command.append("--allow-root")
    log = open(home / "jupyterlab.log", "w")
    process = subprocess.Popen(command, cwd=root, env=environment, stdout=log,
                               stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                               start_new_session=True)
    log.close()
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            assert process.poll() is None, (home / "jupyterlab.log").read_text()[-2000:]
            try:
                urllib.request.urlopen(f"{url}api/status?token={token}", timeout=2)
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                assert time.monotonic() < deadline, "JupyterLab did not start"
                time.sleep(0.3)
        served = Served((url, token))
        served.home = home
        yield served
    finally:
        stop_process_tree(process)


def only_loopback(route):
    """The page may talk to our server only; anything else is refused, never sent."""
    if route.request.url.startswith(("http://127.0.0.1:", "ws://127.0.0.1:")):
        route.continue_()
    else:
        route.abort()


def menu(page, top, item):
    page.locator(".lm-MenuBar-itemLabel", has_text=top).first.click()
    page.locator(".lm-Menu-itemLabel", has_text=item).first.click()


def run_all_cells(page, served, lesson, heading):
    """Open ``lesson`` in JupyterLab, wait for its kernel, run all its cells; the notebook."""
    url, token = served
    page.goto(f"{url}lab/tree/{lesson}?token={token}", timeout=120_000)
    notebook = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook")
    sync_api.expect(notebook.locator(".jp-Cell").first).to_contain_text(heading,
                                                                        timeout=120_000)
    # The kernel first: "Run All" before the session exists asks for a kernel instead.
    sync_api.expect(page.locator("#jp-main-statusbar")).to_contain_text("Idle",
                                                                        timeout=120_000)
    menu(page, "Run", "Run All Cells")
    return notebook


@contextlib.contextmanager
def lesson_page(browser, failed_png, *, intercept=True):
    """A 1400×900 page for JupyterLab that asks nothing but the local server (``intercept``:
    any other request is aborted); when the test fails, a screenshot named ``failed_png``
    goes to the artifacts; the page's context is closed either way."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    if intercept:
        page.route("**/*", only_loopback)
    page.set_default_timeout(60_000)
    try:
        yield page
    except Exception:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / failed_png), full_page=True)
        raise
    finally:
        context.close()


def test_lesson_1_opens_runs_and_checks_an_answer(jupyterlab, browser):
    expect = sync_api.expect
    with lesson_page(browser, "lesson-1-in-jupyterlab-failed.png") as page:
        notebook = run_all_cells(page, jupyterlab, LESSON_1, "Lesson 1")
        widget = notebook.locator(".tutor-exercise",
                                  has_text="Estimate a derivative with finite differences").first
        check = widget.locator(".tutor-exercise-check")
        check.scroll_into_view_if_needed(timeout=KERNEL_TIMEOUT_MS)
        expect(check).to_be_visible(timeout=KERNEL_TIMEOUT_MS)

        code_cells = notebook.locator(".jp-CodeCell")
        index = page.evaluate("""() => [...document.querySelectorAll(
            '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell')].findIndex(
            cell => cell.textContent.includes('def numerical_grad'))""")
        assert index >= 0, "lesson 1 has no numerical_grad stub"
        stub = code_cells.nth(index)
        prompt = stub.locator(".jp-InputPrompt")
        expect(prompt).to_have_text(re.compile(r"\[\d+\]"), timeout=KERNEL_TIMEOUT_MS)
        ran_before = prompt.inner_text()
        stub.locator(".cm-content").click()
        page.keyboard.press("Control+A")
        page.keyboard.type(ANSWER)
        page.keyboard.press("Shift+Enter")
        expect(prompt).not_to_have_text(ran_before, timeout=KERNEL_TIMEOUT_MS)
        expect(prompt).to_have_text(re.compile(r"\[\d+\]"), timeout=KERNEL_TIMEOUT_MS)
        check.click()
        feedback = widget.locator(".tutor-exercise-feedback")
        expect(feedback).to_contain_text("Correct", timeout=60_000)


# ----------------------------------------------- issue 25: your autograd beside the reference

LESSON_7 = "07_grad.ipynb"
BROKEN_VJP_SIN = "def vjp_sin(ans, x):\n    return lambda g: g * np.sin(x)\n"


def keep_pieces_with_a_broken_vjp_sin(folder):
    """``mygrad.py`` as a learner's who kept every piece and then broke ``vjp_sin`` in it."""
    import tutor.exercises as ex
    from tutor import mygrad
    sections = {name: BROKEN_VJP_SIN if name == "vjp_sin" else
                ex.get(exercise_id).solution_source
                for name, (_, exercise_id) in mygrad.PIECES.items()}
    (folder / mygrad.FILE_NAME).write_text(mygrad._file_text(sections), encoding="utf-8")


def test_lesson_7_steps_a_broken_autograd_beside_the_reference(jupyterlab, browser):
    """The capstone fails on the broken vjp_sin, and its comparison shows two steppers side
    by side, stepping together, the first differing step marked on both graphs and in both
    listings, the piece named; axe finds nothing serious in it."""
    Axe = pytest.importorskip("axe_playwright_python.sync_playwright",
                              reason="axe-playwright-python is not installed").Axe
    keep_pieces_with_a_broken_vjp_sin(jupyterlab.home)
    expect = sync_api.expect
    with lesson_page(browser, "lesson-7-compare-failed.png") as page:
        notebook = run_all_cells(page, jupyterlab, LESSON_7, "Lesson 7")
        comparison = notebook.locator(".tutor-compare").first        # the capstone's
        comparison.scroll_into_view_if_needed(timeout=KERNEL_TIMEOUT_MS)
        expect(comparison).to_be_visible(timeout=KERNEL_TIMEOUT_MS)
        verdict = comparison.locator(".tutor-compare-verdict")
        expect(verdict).to_contain_text("Step 5: your vjp_sin sent 0.2397 to x (g · sin(x)); "
                                        "the reference sends 0.4388 (g · cos(x)).")
        expect(verdict).to_contain_text("The piece to fix: vjp_sin")
        sides = [comparison.locator(f"{side} .tutor-stepper-view")
                 for side in (".tutor-compare-mine", ".tutor-compare-reference")]
        for side in sides:
            expect(side.locator(".tutor-graph .tutor-node")).to_have_count(3)
            expect(side.locator(".tutor-graph .tutor-node-marked")).to_have_count(1)
            expect(side.locator(".tutor-listing")).to_contain_text("≠ first difference")
            expect(side.locator(".tutor-listing .tutor-line-current")).to_contain_text(
                "≠ first difference")
            expect(side.locator(".tutor-status")).to_have_text("backward 3/3")
            expect(side.locator(".tutor-mark-tick")).to_be_visible()
        mine, reference = sides
        expect(mine.locator(".tutor-listing")).to_contain_text("ḡ_v1 · sin(v0)")
        expect(reference.locator(".tutor-listing")).to_contain_text("ḡ_v1 · cos(v0)")
        mine.locator(".tutor-reset").click()                 # they step together
        expect(reference.locator(".tutor-status")).to_have_text(
            mine.locator(".tutor-status").inner_text())
        mine.locator(".tutor-step-forward").click()
        expect(reference.locator(".tutor-status")).to_have_text("forward 1/2")
        reference.locator(".tutor-to-end").click()
        expect(mine.locator(".tutor-status")).to_contain_text("3/3")
        violations = Axe().run(page, context=".tutor-compare").response["violations"]
        serious = [f"{v['id']}: {v['nodes'][0]['target']}" for v in violations
                   if v["impact"] in ("serious", "critical")]
        assert serious == [], serious
