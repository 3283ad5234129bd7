"""One recording as one self-contained web page (issue 24): ``python -m tutor.export``, the
dashboard's "Export as web page" button, and the page itself in Chromium with every request
that is not the file itself refused.

The page must make no request, step by its buttons and by the keys, and say at every step
``k`` the same status and the same sentences as the dashboard (both come from the same
story, written by ``tutor.widgets.words``); axe-core finds nothing serious in it. Bad input
gets the dashboard's own message, exit status 2, and no file.
"""

import base64
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tutor.export import page_html, stepper_html
from tutor.widgets.common import ErrorArea
from tutor.widgets.explorer import EXAMPLES, InputProblem, make_recording
from tutor.widgets.export import ExportPanel
from tutor.widgets.state import StepState
from tutor.widgets.words import status_text, step_text

HERE = Path(__file__).parent
SEED = "log(x**2) + y**2 + x*y"
LAYER = next(example for example in EXAMPLES if example.expression.startswith("sum(tanh(W"))
PAGE_LIMIT = 300 * 1024          # bytes: a typical page, the script included
EXTERNAL = re.compile(r"""(?:src|href|action)\s*=\s*["']?(?:https?:)?//""", re.I)


def export(folder, *arguments):
    """``python -m tutor.export ...`` run in ``folder``."""
    return subprocess.run([sys.executable, "-m", "tutor.export", *arguments], cwd=folder,
                          capture_output=True, text=True, timeout=300)


def script_types(text):
    """The type of every <script> element of an HTML page, in order."""
    found = []

    class Scripts(HTMLParser):
        def handle_starttag(self, tag, attributes):
            if tag == "script":
                found.append(dict(attributes).get("type"))

    Scripts().feed(text)
    return found


def refusal(expression, values, wrt=None):
    """The message the dashboard shows for this input."""
    with pytest.raises(InputProblem) as problem:
        make_recording(expression, values, wrt)
    return str(problem.value)


# -- the command line ------------------------------------------------------------------------

def test_the_seed_becomes_one_page_with_everything_inside(tmp_path):
    done = export(tmp_path, SEED, "--values", "x=1, y=2", "--wrt", "x", "--mode", "reverse",
                  "--out", "seed.html")
    assert done.returncode == 0, done.stderr
    assert "wrote seed.html" in done.stdout and "15 steps" in done.stdout
    data = (tmp_path / "seed.html").read_bytes()
    assert len(data) <= PAGE_LIMIT, f"{len(data) // 1024} kB"
    text = data.decode("utf-8")
    assert not EXTERNAL.search(text), EXTERNAL.search(text)
    assert script_types(text) == ["application/json", "module"]    # the story, the stepper
    assert "function render(" in text
    assert "<h1>f(x, y) = log(x**2) + y**2 + x*y</h1>" in text
    assert "at x = 1, y = 2; ∂f/∂x, reverse mode" in text
    assert [path.name for path in tmp_path.iterdir()] == ["seed.html"]     # no leftovers


def test_an_array_example_and_forward_mode_export_too(tmp_path):
    done = export(tmp_path, LAYER.expression, "--values", LAYER.values, "--wrt", LAYER.wrt,
                  "--out", "layer.html")
    assert done.returncode == 0, done.stderr
    text = (tmp_path / "layer.html").read_text(encoding="utf-8")
    assert "f(W, x, b) = sum(tanh(W @ x + b))" in text and "2×2" in text
    assert len(text.encode()) <= PAGE_LIMIT
    done = export(tmp_path, "x*y + sin(x)", "--values", "x=0.5, y=2", "--mode", "forward",
                  "--embed", "--out", "forward.html")
    assert done.returncode == 0, done.stderr
    text = (tmp_path / "forward.html").read_text(encoding="utf-8")
    assert '<body class="tutor-embed">' in text and "<header" not in text
    assert '"mode":"forward"' in text


@pytest.mark.parametrize("expression, values", [
    ("foo(x) + y", "x=1, y=2"),                                    # an unknown function
    ("sum(W @ x)", "W=[[1, 2], [3, 4]], x=[1, 2, 3]"),             # a shape error
    ("sum(x)", "x=[" + ", ".join(["1"] * 1001) + "]"),             # 1,001 elements
], ids=["unknown-function", "shape-error", "1001-elements"])
def test_bad_input_gets_the_dashboards_message_exit_2_and_no_file(tmp_path, expression,
                                                                   values):
    done = export(tmp_path, expression, "--values", values, "--out", "page.html")
    assert done.returncode == 2
    assert done.stderr.strip() == f"error: {refusal(expression, values)}"
    assert "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_variable_or_a_step_the_recording_lacks_is_refused(tmp_path):
    done = export(tmp_path, SEED, "--values", "x=1, y=2", "--wrt", "z", "--out", "a.html")
    assert done.returncode == 2
    assert "f has no variable z (its variables: x, y)" in done.stderr
    done = export(tmp_path, SEED, "--values", "x=1, y=2", "--step", "16", "--out", "a.html")
    assert done.returncode == 2 and "steps are 0 to 15" in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_nothing_in_a_story_can_close_the_script_it_sits_in():
    html = stepper_html('{"title":"</script><script>alert(1)</script><!--"}')
    inside = html.split('<script type="application/json">', 1)[1].rsplit("</script>", 1)[0]
    assert "<" not in inside and ">" not in inside
    assert "\\u003c/script\\u003e" in inside


# -- the dashboard's button, in Python ---------------------------------------------------------

def test_the_dashboards_button_offers_the_page_at_the_learners_step():
    state = StepState()
    panel = ExportPanel(state, ErrorArea(), title=lambda recording: SEED)
    assert "tutor-export-html" in panel.page_button._dom_classes
    panel.page_button.click()
    assert panel.page_link.value == "Nothing to export yet."
    recording, _, _ = make_recording(SEED, "x=1, y=2", "x")
    state.load(recording, k=9)
    panel.page_button.click()
    link = re.search(r'<a download="([^"]+)" href="data:text/html;charset=utf-8;base64,'
                     r'([^"]+)"', panel.page_link.value)
    assert link and link.group(1) == "f-reverse.html"
    page = base64.b64decode(link.group(2)).decode("utf-8")
    assert page == page_html(recording, SEED, k=9)
    assert 'data-k="9"' in page and "opens at step 9" in panel.page_link.value
    state.go(3)                               # the link follows the learner's step
    assert "opens at step 3" in panel.page_link.value
    assert base64.b64encode(page_html(recording, SEED, k=3).encode()).decode() in \
        panel.page_link.value
    state.load(make_recording("x*y", "x=1, y=2", "x")[0])     # a new recording drops it
    assert panel.page_link.value == ""


# -- the start-up script in Node ----------------------------------------------------------------

@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_the_start_up_script_passes_its_node_tests():
    done = subprocess.run([shutil.which("node"), "--test",
                           str(HERE / "js_export" / "boot.test.mjs")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]


# -- the page in Chromium, offline ---------------------------------------------------------------

def browser_ready():
    from voila_server import CHROMIUM
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (Debian: apt-get install chromium)")
    return pytest.importorskip("playwright.sync_api",
                               reason="Playwright is not installed").expect


class Offline:
    """A tab that may load ``file://`` addresses only: anything else is aborted, and every
    request the page makes is listed in ``requests``."""

    def __init__(self, browser):
        self.context = browser.new_context(viewport={"width": 1300, "height": 1000})
        self.page = self.context.new_page()
        self.requests, self.errors = [], []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("console", lambda message: message.type == "error"
                     and self.errors.append(message.text))
        self.page.route("**/*", self._route)

    def _route(self, route):
        self.requests.append(route.request.url)
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            route.abort()

    def open(self, path, expect, status="forward 0/6"):
        """Open ``path`` (a file, or a ``file://`` address); wait until it can be stepped."""
        self.page.goto(path if str(path).startswith("file:") else Path(path).as_uri())
        expect(self.page.locator(".tutor-status").first).to_have_text(status)
        self.page.wait_for_function(
            "() => document.querySelectorAll('.tutor-graph .tutor-node').length > 0")
        return self.page

    def said(self):
        """The status line and what the screen reader's live region says."""
        return (self.page.locator(".tutor-status").inner_text(),
                self.page.locator(".tutor-live").text_content())


@pytest.fixture
def offline(browser):
    tab = Offline(browser)
    yield tab
    tab.context.close()


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """The seed's page and the array example's, written by the command line."""
    folder = tmp_path_factory.mktemp("pages")
    for name, arguments in {
            "seed.html": [SEED, "--values", "x=1, y=2", "--wrt", "x"],
            "layer.html": [LAYER.expression, "--values", LAYER.values, "--wrt", LAYER.wrt],
            "embed.html": [SEED, "--values", "x=1, y=2", "--embed"]}.items():
        done = export(folder, *arguments, "--out", name)
        assert done.returncode == 0, done.stderr
    return folder


@pytest.mark.browser
def test_the_page_makes_no_request_and_says_what_the_dashboard_says_at_every_step(
        offline, pages):
    expect = browser_ready()
    recording, _, _ = make_recording(SEED, "x=1, y=2", "x")
    page = offline.open(pages / "seed.html", expect)
    assert offline.said() == (status_text(recording, 0), step_text(recording, 0))
    page.click(".tutor-step-forward")
    expect(page.locator(".tutor-status")).to_have_text("forward 1/6")
    assert offline.said() == (status_text(recording, 1), step_text(recording, 1))
    page.locator("h1").click()                          # the focus on the page, not a button
    for k in range(2, recording.steps + 1):
        page.keyboard.press("ArrowRight")
        expect(page.locator(".tutor-status")).to_have_text(status_text(recording, k))
        assert offline.said() == (status_text(recording, k), step_text(recording, k))
    expect(page.locator(".tutor-gradient")).to_have_text("f = 6   ∂f/∂x = 4")
    page.keyboard.press("Home")
    expect(page.locator(".tutor-status")).to_have_text("forward 0/6")
    assert offline.requests == [(pages / "seed.html").as_uri()]
    assert offline.errors == []


@pytest.mark.browser
def test_the_page_plays_scrubs_hovers_and_zooms_an_array_recording(offline, pages):
    expect = browser_ready()
    recording, _, _ = make_recording(LAYER.expression, LAYER.values, LAYER.wrt)
    page = offline.open(pages / "layer.html", expect,
                        status=f"forward 0/{len(recording.forward)}")
    page.click(".tutor-play")
    expect(page.locator(".tutor-play")).to_have_attribute("aria-pressed", "true")
    expect(page.locator(".tutor-status")).not_to_have_text(status_text(recording, 0))
    page.click(".tutor-play")
    expect(page.locator(".tutor-play")).to_have_attribute("aria-pressed", "false")
    page.locator(".tutor-slider input").evaluate(
        "(slider, k) => { slider.value = String(k);"
        " slider.dispatchEvent(new Event('input', {bubbles: true})); }", recording.steps)
    expect(page.locator(".tutor-status")).to_have_text(status_text(recording, recording.steps))
    assert offline.said()[1] == step_text(recording, recording.steps)
    node = page.locator(".tutor-graph .tutor-node").first
    node.hover()
    expect(page.locator(".tutor-node-card")).to_be_visible()
    expect(page.locator(".tutor-node-card")).to_contain_text("W")
    zoom = page.locator(".tutor-zoom-level").inner_text()
    page.click(".tutor-zoom-in")
    expect(page.locator(".tutor-zoom-level")).not_to_have_text(zoom)
    assert offline.requests == [(pages / "layer.html").as_uri()]
    assert offline.errors == []


@pytest.mark.browser
def test_axe_finds_nothing_serious_in_the_page_and_its_embedded_form(offline, pages):
    expect = browser_ready()
    from test_accessibility import audit
    page = offline.open(pages / "seed.html", expect)
    for _ in range(9):
        page.click(".tutor-step-forward")
    expect(page.locator(".tutor-status")).to_have_text("backward 3/9")
    page.locator(".tutor-graph .tutor-node").first.hover()
    assert audit(page, "exported page, backward step 3", {}) == []
    page = offline.open(f"{(pages / 'embed.html').as_uri()}#k=7", expect,
                        status="backward 1/9")
    assert page.locator("header, footer, .tutor-page-header").count() == 0
    assert page.locator("h1").text_content() == "f(x, y) = log(x**2) + y**2 + x*y at x = 1, y = 2"
    assert audit(page, "exported page, embedded", {}) == []
    assert offline.errors == []


@pytest.mark.browser
def test_the_dashboards_button_gives_a_page_that_does_the_same(voila_server, page, browser,
                                                               tmp_path):
    expect = browser_ready()
    from test_browser import open_dashboard, step
    open_dashboard(page, voila_server.url)
    expect(page.locator(".tutor-status")).to_have_text("forward 0/6")
    for _ in range(8):
        step(page, "tutor-step-forward")
    dashboard = (page.locator(".tutor-status").inner_text(),
                 page.locator(".tutor-live").text_content())
    assert dashboard[0] == "backward 2/9"
    page.click(".tutor-export-html")
    link = page.locator(".tutor-export-html-link a[download]")
    expect(link).to_be_visible()
    expect(page.locator(".tutor-export-html-link")).to_contain_text("opens at step 8")
    # a screen reader hears the link arrive, as it hears the GIF's
    expect(page.locator(".tutor-export-html-link")).to_have_attribute("role", "status")
    expect(page.locator(".tutor-export-html-link")).to_have_attribute("aria-live", "polite")
    with page.expect_download() as download:
        link.click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == "f-reverse.html" and saved.stat().st_size <= PAGE_LIMIT

    tab = Offline(browser)
    try:
        tab.open(saved, expect, status="backward 2/9")
        assert tab.said() == dashboard
        tab.page.locator("h1").click()
        tab.page.keyboard.press("ArrowRight")
        step(page, "tutor-step-forward")
        expect(tab.page.locator(".tutor-status")).to_have_text("backward 3/9")
        assert tab.said() == (page.locator(".tutor-status").inner_text(),
                              page.locator(".tutor-live").text_content())
        assert tab.requests == [saved.as_uri()] and tab.errors == []
    finally:
        tab.context.close()
