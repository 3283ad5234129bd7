"""The dashboard end to end: Voila serves ``app.ipynb``, headless Chromium uses it.

These tests drive the page only through the controls' stable CSS classes (``tutor-...``),
the way a learner's clicks and key presses arrive. Each test opens its own tab, so it gets
its own kernel. Waits are on what the page shows (Playwright's ``expect`` retries until the
text appears), never on fixed sleeps.
"""

import re
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")   # Debian's package; the same one conftest.py launches

pytestmark = pytest.mark.browser

if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is missing (Debian: apt-get install chromium); the browser tests "
                "use the system Chromium and never download one", allow_module_level=True)
expect = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed").expect

SEED = "log(x**2) + y**2 + x*y"   # the seed notebook's f
LOAD_TIMEOUT_MS = 90_000          # first open: Voila's scripts load, the kernel builds the page
STATUS = re.compile(r"(forward|backward) \d+/\d+")

# True once the stepper has drawn the graph (its nodes are in the page).
GRAPH_LOADED = "() => document.querySelectorAll('.tutor-graph .tutor-node').length > 0"


def open_dashboard(page, url):
    """Open the dashboard and wait until its stepper can be used."""
    page.set_default_timeout(30_000)
    page.goto(url, wait_until="commit", timeout=LOAD_TIMEOUT_MS)
    expect(page.locator(".tutor-step-forward")).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    expect(page.locator(".tutor-status")).to_have_text(STATUS, timeout=LOAD_TIMEOUT_MS)
    page.wait_for_function(GRAPH_LOADED, timeout=LOAD_TIMEOUT_MS)


def enter(page, css_class, text):
    """Type ``text`` into the text box with ``css_class`` and press Enter, as a learner does."""
    box = page.locator(f".{css_class} input")
    box.fill(text)
    box.press("Enter")


def step(page, css_class):
    """Click a stepper button; wait until the status has changed (the page steps by itself:
    status, graph and inspector change together)."""
    status = page.locator(".tutor-status").inner_text()
    page.click(f".{css_class}")
    expect(page.locator(".tutor-status")).not_to_have_text(status)
    return page.locator(".tutor-status").inner_text()


def test_seed_f_shows_df_dx_4_then_df_dy_5(voila_server, page):
    open_dashboard(page, voila_server.url)
    enter(page, "tutor-expression", SEED)
    enter(page, "tutor-values", "x=1, y=2")
    page.click(".tutor-to-end")
    expect(page.locator(".tutor-gradient")).to_contain_text("∂f/∂x = 4")

    page.locator(".tutor-wrt select").select_option("y")
    expect(page.locator(".tutor-gradient")).to_contain_text("∂f/∂y = ?")   # the new recording
    expect(page.locator(".tutor-shown")).to_contain_text("∂f/∂y")      # and the line above it
    page.click(".tutor-to-end")
    expect(page.locator(".tutor-gradient")).to_contain_text("∂f/∂y = 5")
    expect(page.locator(".tutor-error")).to_have_text("")


def test_stepping_forward_and_back_changes_the_status_and_the_graph(voila_server, page):
    open_dashboard(page, voila_server.url)
    start = page.locator(".tutor-status").inner_text()
    assert start.startswith("forward 0/")
    expect(page.locator(".tutor-graph")).to_have_class(re.compile("tutor-graph-whole"))
    start_picture = page.locator(".tutor-graph-frame").screenshot()

    after_forward = step(page, "tutor-step-forward")
    assert after_forward.startswith("forward 1/")
    assert pixels_apart(page.locator(".tutor-graph-frame").screenshot(), start_picture) > 2000

    after_back = step(page, "tutor-step-back")
    assert after_back == start
    page.mouse.move(1, 1)                        # (no card shown, no button hovered)
    again = page.locator(".tutor-graph-frame").screenshot()
    assert pixels_apart(again, start_picture) < 200, "not the same picture again"


def pixels_apart(first, second):
    """How many pixels of two screenshots differ (a repaint may shade a few edge pixels
    differently: anti-aliasing, not a different picture)."""
    import io

    import numpy
    from PIL import Image
    a, b = (numpy.asarray(Image.open(io.BytesIO(shot)).convert("RGB")).astype(int)
            for shot in (first, second))
    return int((numpy.abs(a - b).max(axis=2) > 0).sum()) if a.shape == b.shape else a.size


@pytest.mark.parametrize("attack", [
    "__import__('os').system('touch {path}')",
    "open('{path}', 'w').write('pwned')",
])
def test_a_hostile_expression_shows_an_error_and_runs_nothing(voila_server, page, tmp_path,
                                                             attack):
    target = tmp_path / "pwned"
    open_dashboard(page, voila_server.url)
    status = page.locator(".tutor-status").inner_text()

    enter(page, "tutor-expression", attack.format(path=target))

    expect(page.locator(".tutor-error")).not_to_have_text("")
    assert not target.exists()
    expect(page.locator(".tutor-status")).to_have_text(status)   # the last graph stays


def test_the_page_says_it_is_loading_then_shows_the_dashboard(voila_server, page):
    response = page.goto(voila_server.url, wait_until="commit", timeout=LOAD_TIMEOUT_MS)
    expect(page.locator(".tutor-step-forward")).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    # Voila's spinner and message come first in the page it streams; with a preheated kernel
    # they may be gone before a test could look, so read them in what was served.
    assert 'id="loading_text"' in response.text()
    expect(page.locator("#loading")).to_be_hidden()


def test_the_page_renders_every_widget_without_errors(voila_server, page, artifacts_dir):
    open_dashboard(page, voila_server.url)
    page.click(".tutor-to-end")
    expect(page.locator(".tutor-gradient")).to_contain_text("∂f/∂x = 4")
    for _ in range(3):                  # a few steps back: the backward pass half done
        step(page, "tutor-step-back")
    page.set_viewport_size({"width": 1400, "height": 1400})   # room for the whole listing
    page.screenshot(path=str(artifacts_dir / "dashboard.png"))

    for css_class in ("tutor-expression", "tutor-values", "tutor-wrt", "tutor-examples",
                      "tutor-step-forward", "tutor-step-back", "tutor-play", "tutor-to-end",
                      "tutor-reset", "tutor-slider", "tutor-status", "tutor-gradient",
                      "tutor-graph", "tutor-node", "tutor-inspector", "tutor-listing",
                      "tutor-table", "tutor-speed", "tutor-error"):
        assert page.locator(f".{css_class}").count() >= 1, f"no element with .{css_class}"
    assert page.locator(".tutor-node").count() == 10
    body = page.locator("body").inner_text()
    assert "Error displaying widget" not in body
    assert page.locator(".jupyter-widgets-error-widget").count() == 0
    assert page.locator(".jp-CodeCell .jp-InputArea").count() == 0, "sources are shown"
    assert "import main" not in page.content(), "the notebook's code reached the page"
    assert own_errors(page, voila_server.url) == []
    assert "Timeout waiting for IOPub output" not in voila_server.log()


def own_errors(page, server_url):
    """The page's errors, minus failed loads of files from other hosts.

    Voila's page template links a stylesheet from a CDN; on a machine without internet
    access that load fails, which says nothing about the dashboard.
    """
    return [error for error in page.errors
            if not (error.text.startswith("Failed to load resource")
                    and not error.source.startswith(server_url))]


def test_before_a_step_the_listing_shows_no_numbers_from_the_future(voila_server, page):
    open_dashboard(page, voila_server.url)
    listing = page.locator(".tutor-listing")
    text = listing.inner_text()
    assert "result: f = ?;" in text and "6.0" not in text and "∂f/∂x = 4" not in text
    assert re.search(r"\[ ?1\] v\d+ = v0 \*\* v\d+ = \?", text), text
    page.keyboard.press("End")
    expect(listing).to_contain_text("∂f/∂x = 4.0")
    assert "= ?" not in listing.inner_text()


@pytest.mark.parametrize("width", [1400, 768])
def test_the_graph_and_the_listing_fit_the_width_they_have(voila_server, page, artifacts_dir,
                                                           width):
    page.set_viewport_size({"width": width, "height": 1100})
    open_dashboard(page, voila_server.url)
    page.keyboard.press("End")
    expect(page.locator(".tutor-status")).to_have_text("backward 9/9")
    description = page.locator(".tutor-graph").get_attribute("aria-describedby")
    expect(page.locator(f"#{description}")).to_have_text(re.compile(r"^Backward step 9 of 9\..*Done"))
    page.screenshot(path=str(artifacts_dir / f"dashboard-{width}.png"), full_page=True)
    page_width = page.evaluate("document.documentElement.clientWidth")
    frame = page.locator(".tutor-graph-frame").bounding_box()
    assert frame["x"] >= 0 and frame["x"] + frame["width"] <= page_width + 1, (frame, page_width)
    # fitted to the width: the whole graph shows, every node inside the frame, none cut off
    expect(page.locator(".tutor-graph")).to_have_class(re.compile("tutor-graph-whole"))
    boxes = page.locator(".tutor-node .tutor-node-box").evaluate_all(
        "boxes => boxes.map(b => { const r = b.getBoundingClientRect();"
        " return [r.left, r.top, r.right, r.bottom]; })")
    for left, top, right, bottom in boxes:
        assert (frame["x"] - 1 <= left and right <= frame["x"] + frame["width"] + 1
                and frame["y"] - 1 <= top and bottom <= frame["y"] + frame["height"] + 1)
    height = page.locator(".tutor-node-title").first.evaluate(
        "t => t.getBoundingClientRect().height")
    assert height >= 9, f"node text drawn {height:.1f} px high"       # readable, not shrunk
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth + 1")
    # every listing line ends inside the listing: wrapped, never cut off
    assert page.locator(".tutor-listing").evaluate(
        "l => l.scrollWidth <= l.clientWidth + 1"), "a listing line is cut off"
    last = page.locator(".tutor-listing > div").filter(has_text="[15]")
    assert last.inner_text().rstrip().endswith("= 4.0")


def test_the_gif_is_made_in_the_background_with_a_progress_bar(voila_server, page):
    open_dashboard(page, voila_server.url)
    enter(page, "tutor-expression", "*".join(["x"] + ["2"] * 74))   # 148 steps: a long export
    expect(page.locator(".tutor-status")).to_have_text("forward 0/74")
    page.click(".tutor-export-gif")
    expect(page.locator(".tutor-export-progress")).to_be_visible()
    expect(page.locator(".tutor-export-progress [role=progressbar]")).to_have_attribute(
        "aria-label", "GIF frames made")
    expect(page.locator(".tutor-export-link[role=status]")).to_contain_text("making the GIF")
    expect(page.locator(".tutor-export-cancel")).to_be_enabled()
    # the dashboard keeps stepping while the GIF is made
    assert step(page, "tutor-step-forward") == "forward 1/74"
    assert page.locator(".tutor-export-cancel").is_visible(), "the export ended too soon"
    page.click(".tutor-export-cancel")
    expect(page.locator(".tutor-export-link")).to_have_text("GIF cancelled.")
    expect(page.locator(".tutor-export-progress")).to_be_hidden()

    enter(page, "tutor-expression", SEED)
    expect(page.locator(".tutor-status")).to_have_text("forward 0/6")
    page.click(".tutor-export-gif")
    link = page.locator(".tutor-export-link a[download]")
    expect(link).to_be_visible(timeout=60_000)
    assert link.get_attribute("href").startswith("data:image/gif;base64,R0lGODlh")
    assert "log(x**2) + y**2 + x*y" in page.locator(".tutor-export-link img").get_attribute("alt")
