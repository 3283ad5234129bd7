"""The stepper in the browser, through ``python -m tutor.server``, item by item of its issue.

Stepping needs no kernel (it works while the kernel is stopped); a node shows its whole
value and adjoint when hovered; an array's contribution is labelled by its shape, beside the
nodes, never by its size; every step's words start with their heading; nodes are clicked,
the graph zoomed and panned; a 1,000-node recording renders and steps; and the same module
renders in a page with no Jupyter at all, where it is checked further: on a phone the whole
graph fits and a pinch zooms it; a big array is described by its shape, range and heatmap;
a step, or a new recording of the same structure, keeps every node and edge element.
"""

import os
import re
import signal
from contextlib import contextmanager

import numpy
import pytest

import tutor.autograd.numpy as np
from server_probes import kernel_pids
from stepper_page import page_html
from test_browser import CHROMIUM, LOAD_TIMEOUT_MS, SEED, enter, open_dashboard
from tutor.expression import parse
from tutor.record import record
from tutor.widgets.explorer import EXAMPLES, make_recording
from tutor.widgets.story import story_json
from voila_server import start_voila, stop_process_tree

pytestmark = pytest.mark.browser

if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is missing (Debian: apt-get install chromium)",
                allow_module_level=True)
expect = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed").expect

LAYER = "A linear layer with tanh: sum(tanh(W @ x + b))"
MSE = "Mean squared error: mean((w*x + b - t)**2)"
HEADING = re.compile(r"^(Start|Forward step (\d+) of (\d+)|Backward step (\d+) of (\d+))\. ")
OVERLAP = """([a, b]) => a.left < b.right && b.left < a.right && a.top < b.bottom
                          && b.top < a.bottom"""


def choose_example(page, title):
    """Load an example from the menu; wait until the stepper shows its recording."""
    example = next(example for example in EXAMPLES if example.title == title)
    recording, _, _ = make_recording(example.expression, example.values, example.wrt)
    page.locator(".tutor-examples select").select_option(title)
    expect(page.locator(".tutor-status")).to_have_text(f"forward 0/{len(recording.forward)}")
    expect(page.locator(".tutor-slider input")).to_have_attribute("max", str(recording.steps))
    # the example's note comes last: once it shows, nothing above the stepper moves any more
    expect(page.locator(".tutor-example-note")).to_contain_text(example.lesson[:30])


def scrub(page, k):
    """Drag the step slider to k (what an input event from the slider says)."""
    page.locator(".tutor-slider input").evaluate(
        "(slider, k) => { slider.value = String(k);"
        " slider.dispatchEvent(new Event('input', {bubbles: true})); }", k)


def rect(locator):
    return locator.evaluate("e => { const r = e.getBoundingClientRect(); return {left: r.left,"
                            " top: r.top, right: r.right, bottom: r.bottom}; }")


def test_stepping_needs_no_kernel_it_works_while_the_kernel_is_stopped(voila_server, page):
    open_dashboard(page, voila_server.url)
    kernels = kernel_pids(voila_server.pid)
    assert kernels
    for pid in kernels:
        os.kill(pid, signal.SIGSTOP)
    try:
        status = page.locator(".tutor-status")
        page.click(".tutor-step-forward")
        expect(status).to_have_text("forward 1/6", timeout=2_000)
        page.keyboard.press("End")
        expect(status).to_have_text("backward 9/9", timeout=2_000)
        expect(page.locator(".tutor-gradient")).to_have_text("f = 6   ∂f/∂x = 4")
        scrub(page, 8)
        expect(status).to_have_text("backward 2/9", timeout=2_000)
        expect(page.locator(".tutor-listing .tutor-line-current")).to_contain_text("[ 8]")
    finally:
        for pid in kernels:
            os.kill(pid, signal.SIGCONT)
    enter(page, "tutor-expression", "x*y*y")           # the kernel carries on afterwards
    expect(page.locator(".tutor-status")).to_have_text("forward 0/2")


def test_hovering_a_node_shows_its_whole_2x2_adjoint(voila_server, page):
    open_dashboard(page, voila_server.url)
    choose_example(page, LAYER)
    page.click(".tutor-to-end")
    expect(page.locator(".tutor-status")).to_have_text("backward 6/6")
    page.locator('.tutor-node[data-node="0"] .tutor-node-box').hover()
    card = page.locator(".tutor-node-card")
    expect(card).to_be_visible()
    for line in ("v0 (2×2) =", "[0.5, -1.0]", "[2.0, 0.3]", "ḡ (2×2) =", "[0.2162, 0.4323]",
                 "[0.03238, 0.06477]"):
        expect(card).to_contain_text(line)
    # the node's own box writes the adjoint out whole too, row after row
    expect(page.locator('.tutor-node[data-node="0"] .tutor-node-body')).to_contain_text(
        "[0.03238, 0.06477]")
    page.mouse.move(2, 2)
    expect(card).to_be_hidden()


def labels_and_nodes(page):
    label = page.locator(".tutor-edge-label")
    assert label.count() == 1 or page.wait_for_function(
        "document.querySelectorAll('.tutor-edge-label').length === 1"), (
        page.locator(".tutor-status").inner_text())
    boxes = page.locator(".tutor-node .tutor-node-box")
    return label, [rect(boxes.nth(i)) for i in range(boxes.count())]


def test_an_array_contribution_is_labelled_by_shape_beside_the_nodes_never_by_size(
        voila_server, page):
    open_dashboard(page, voila_server.url)
    choose_example(page, MSE)
    page.click(".tutor-to-end")
    expect(page.locator(".tutor-status")).to_have_text(re.compile(r"backward (\d+)/\1"))
    for _ in range(40):                               # back to the step that reaches w
        if "to w through" in page.locator(".tutor-step").inner_text():
            break
        page.keyboard.press("ArrowLeft")
    label, nodes = labels_and_nodes(page)
    expect(label).to_have_text("Σ all elements → number")
    assert not any(page.evaluate(OVERLAP, [rect(label), node]) for node in nodes)
    enter(page, "tutor-values", "x=[1, 2, 3], W=[[1, 2, 3], [4, 5, 6]]")
    enter(page, "tutor-expression", "sum(x * W)")
    expect(page.locator(".tutor-shown")).to_contain_text("Shown: f = sum(x * W)")
    expect(page.locator(".tutor-status")).to_have_text("forward 0/2")
    page.locator(".tutor-step").click()               # out of the text box (End moves its cursor)
    page.click(".tutor-to-end")
    expect(page.locator(".tutor-status")).to_have_text("backward 3/3")
    label, nodes = labels_and_nodes(page)
    text = label.text_content()
    assert text in ("Σ rows → 3-vector", "2×3 matrix") and not re.fullmatch(r"\+?\d+", text)
    expect(label.locator(".tutor-heat rect").first).to_be_attached()     # with a small heatmap
    assert not any(page.evaluate(OVERLAP, [rect(label), node]) for node in nodes)


SPOKEN = """() => {
  const words = [];
  const say = () => [document.querySelector('.tutor-step p').textContent,
                     document.querySelector('.tutor-live').textContent];
  words.push(say());
  const button = document.querySelector('.tutor-step-forward');
  while (!button.disabled) { button.click(); words.push(say()); }
  return words;
}"""


@pytest.mark.parametrize("expression, values", [
    ("sum(x * W)", "x=[1, 2, 3], W=[[1, 2, 3], [4, 5, 6]]"),
    ("sum(x + b)", "x=[[1, 2, 3], [4, 5, 6]], b=[0.5, 1, 2]"),
    ("mean((w*x + b - t)**2)", "w=0.5, b=0.1, x=[1, 2, 3], t=[2, 4, 6]"),
])
def test_every_step_sentence_starts_with_its_heading(voila_server, page, expression, values):
    open_dashboard(page, voila_server.url)
    enter(page, "tutor-values", values)
    enter(page, "tutor-expression", expression)
    expect(page.locator(".tutor-shown")).to_contain_text(expression)
    words = page.evaluate(SPOKEN)
    steps = len(words) - 1
    assert steps >= 3
    broadcast = 0
    for k, (shown, heard) in enumerate(words):
        for text in (shown, heard):
            assert HEADING.match(text), (k, text)
        broadcast += "stretched (broadcast)" in heard
    assert broadcast >= 1
    assert words[-1][1].startswith(f"Backward step {words[-1][1].split()[2]} of ")


def test_a_node_clicked_is_pinned_and_its_step_shown_and_the_graph_zooms_and_pans(
        voila_server, page):
    open_dashboard(page, voila_server.url)
    x = page.locator('.tutor-node[data-node="0"]')
    x.locator(".tutor-node-box").click()               # x: first reached at backward step 3
    expect(page.locator(".tutor-status")).to_have_text("backward 3/9")
    expect(page.locator(".tutor-pinned")).to_contain_text("v0 = input x")
    expect(x).to_have_class(re.compile("tutor-node-pinned"))
    x.locator(".tutor-node-box").click()               # again: the next step it receives
    expect(page.locator(".tutor-status")).to_have_text("backward 9/9")
    page.click(".tutor-unpin")
    expect(page.locator(".tutor-pinned")).to_be_hidden()

    zoom = page.locator(".tutor-zoom-level")
    fitted = zoom.inner_text()
    page.click(".tutor-zoom-in")
    expect(zoom).not_to_have_text(fitted)
    page.click(".tutor-zoom-fit")
    expect(zoom).to_have_text(fitted)
    graph = page.locator(".tutor-graph")
    view = "g => g.style.transform"
    frame = page.locator(".tutor-graph-frame").bounding_box()
    page.mouse.move(frame["x"] + 20, frame["y"] + frame["height"] - 10)
    page.mouse.wheel(0, -300)                          # the wheel zooms about the pointer
    expect(zoom).not_to_have_text(fitted)
    before = graph.evaluate(view)
    page.mouse.down()
    page.mouse.move(frame["x"] + 140, frame["y"] + frame["height"] - 60, steps=5)
    page.mouse.up()                                    # a drag pans
    assert graph.evaluate(view) != before
    zoomed = zoom.inner_text()
    page.keyboard.press("-")                           # and the − key zooms out
    expect(zoom).not_to_have_text(zoomed)
    assert page.locator(".tutor-status").inner_text() == "backward 9/9"   # no step taken


def test_the_listing_and_the_table_follow_the_current_step(voila_server, page):
    open_dashboard(page, voila_server.url)
    choose_example(page, "Taylor series of exp (about 60 nodes)")
    listing = page.locator(".tutor-listing")
    future = listing.locator(".tutor-line-future").first
    assert re.search(r"= \?", future.inner_text())
    page.click(".tutor-to-end")
    for _ in range(20):
        page.keyboard.press("ArrowLeft")
    current = page.locator(".tutor-table .tutor-row-current")
    expect(current).to_have_count(1)
    table = rect(page.locator(".tutor-table"))
    row = rect(current)
    assert table["top"] - 1 <= row["top"] and row["bottom"] <= table["bottom"] + 1
    line = rect(listing.locator(".tutor-line-current"))
    box = rect(listing)
    assert box["top"] - 1 <= line["top"] and line["bottom"] <= box["bottom"] + 1


@pytest.fixture(scope="module")
def big_server(artifacts_dir):
    server = start_voila("benchmarks/thousand_nodes.ipynb", artifacts_dir / "voila-big.log")
    try:
        yield server
    finally:
        stop_process_tree(server.process)


def test_a_thousand_node_recording_renders_and_steps(big_server, page):
    page.set_default_timeout(60_000)
    page.goto(big_server.url, wait_until="commit", timeout=LOAD_TIMEOUT_MS)
    expect(page.locator(".tutor-status")).to_have_text("forward 0/800", timeout=LOAD_TIMEOUT_MS)
    assert page.locator(".tutor-node").count() == 1002
    size = page.locator(".tutor-node-title").first.evaluate(
        "t => t.getBoundingClientRect().height")
    assert size >= 7, "a hairball: text too small to read"
    frame = rect(page.locator(".tutor-graph-frame"))
    for key, status in [("End", "backward 1200/1200"), ("Home", "forward 0/800")]:
        page.keyboard.press(key)
        expect(page.locator(".tutor-status")).to_have_text(status)
    scrub(page, 1500)
    expect(page.locator(".tutor-status")).to_have_text("backward 700/1200")
    current = rect(page.locator(".tutor-node.tutor-status-current .tutor-node-box"))
    assert frame["left"] <= current["left"] and current["right"] <= frame["right"]  # in sight
    assert frame["top"] <= current["top"] and current["bottom"] <= frame["bottom"]
    page.click(".tutor-step-forward")
    expect(page.locator(".tutor-status")).to_have_text("backward 701/1200")


@contextmanager
def page_without_jupyter(browser, tmp_path, recording, viewport=None):
    """A page of ``recording`` in the stepper with no Jupyter (``tests/stepper_page.py``),
    opened at its start; closed afterwards."""
    page = browser.new_page(viewport=viewport or {"width": 1200, "height": 900})
    try:
        target = tmp_path / "stepper.html"
        target.write_text(page_html(recording), encoding="utf-8")
        page.goto(target.as_uri())
        expect(page.locator(".tutor-status")).to_have_text(f"forward 0/{len(recording.forward)}")
        yield page
    finally:
        page.close()


def seed_recording(x=1.0, y=2.0):
    return record(parse(SEED), x, y)


# Mark elements, then count how many of them are still in the page (not drawn anew).
MARK = "parts => { parts.forEach(part => { part.__kept = true; }); return parts.length; }"
KEPT = "parts => parts.filter(part => part.__kept).length"

# Two fingers on the graph, moved apart from 40 px to 120 px around (x, y): a pinch.
PINCH = """(frame, [x, y]) => {
  const touch = (type, id, dx) => frame.dispatchEvent(new PointerEvent(type, {
    pointerId: id, pointerType: 'touch', isPrimary: id === 1, button: type === 'pointermove'
    ? -1 : 0, clientX: x + dx, clientY: y, bubbles: true, cancelable: true}));
  touch('pointerdown', 1, -20);
  touch('pointerdown', 2, 20);
  touch('pointermove', 1, -60);
  touch('pointermove', 2, 60);
  touch('pointerup', 1, -60);
  touch('pointerup', 2, 60);
}"""


def test_on_a_phone_fit_shows_the_whole_graph_its_output_too(browser, tmp_path):
    """At 390 px the seed's graph is shrunk below the readable scale rather than cut off;
    a pinch zooms it."""
    phone = {"width": 390, "height": 844}
    with page_without_jupyter(browser, tmp_path, seed_recording(), phone) as page:
        page.click(".tutor-zoom-in")
        page.click(".tutor-zoom-fit")
        expect(page.locator(".tutor-graph")).to_have_class(re.compile("tutor-graph-whole"))
        frame = rect(page.locator(".tutor-graph-frame"))
        boxes = page.locator(".tutor-node .tutor-node-box").evaluate_all(
            "boxes => boxes.map(b => { const r = b.getBoundingClientRect();"
            " return [r.left, r.top, r.right, r.bottom]; })")
        assert len(boxes) == 10
        for left, top, right, bottom in boxes:
            assert (frame["left"] <= left and right <= frame["right"]
                    and frame["top"] <= top and bottom <= frame["bottom"]), (frame, boxes)
        zoom = page.locator(".tutor-zoom-level")
        fitted = int(zoom.inner_text().rstrip(" %"))
        page.locator(".tutor-graph-frame").evaluate(PINCH, [frame["left"] + 150,
                                                            frame["top"] + 60])
        assert int(zoom.inner_text().rstrip(" %")) > 1.5 * fitted       # two fingers apart


def test_a_big_array_shows_shape_range_and_heatmap_and_a_step_redraws_nothing_whole(
        browser, tmp_path):
    """A 4×4 matrix (16 elements: not small) is described on hover by its shape, range and
    heatmap; and stepping keeps every node and edge element, changing only classes and texts
    (the step's own overlay, its coloured edges and labels, is the one part drawn anew)."""
    recording = record(lambda W: np.sum(np.tanh(W)), numpy.arange(16.0).reshape(4, 4) / 8)
    with page_without_jupyter(browser, tmp_path, recording) as page:
        parts = page.locator(".tutor-node, .tutor-edges path")     # (not the step's overlay)
        total = parts.evaluate_all(MARK)
        page.click(".tutor-to-end")
        expect(page.locator(".tutor-status")).to_have_text(re.compile(r"^backward (\d+)/\1$"))
        page.click(".tutor-step-back")
        assert parts.evaluate_all(KEPT) == parts.count() == total >= 5   # the same elements
        page.click(".tutor-to-end")
        page.locator('.tutor-node[data-node="0"] .tutor-node-box').hover()
        card = page.locator(".tutor-node-card")
        for text in ("v0: 4×4", "min 0.0, max 1.875", "ḡ: 4×4"):
            expect(card).to_contain_text(text)
        assert card.locator(".tutor-card-heat").count() == 2            # value and adjoint
        assert card.locator(".tutor-card-heat rect").count() >= 2 * 16


def test_a_recording_of_the_same_structure_reuses_every_element(browser, tmp_path):
    """A new recording of the same graph (other values: a training's next iteration) keeps
    the drawing's elements and changes their texts: no new layout, no new SVG."""
    with page_without_jupyter(browser, tmp_path, seed_recording()) as page:
        parts = page.locator(".tutor-node, .tutor-edges path")
        total = parts.evaluate_all(MARK)
        new_story = ("([story, id]) => { window.model.set('story_id', id);"
                     " window.model.set('step', id + ':0'); window.model.set('story', story); }")
        x = page.locator('.tutor-node[data-node="0"]')
        for values, number in [((2.0, 3.0), 2), ((3.0, 1.0), 3)]:
            page.evaluate(new_story, [story_json(seed_recording(*values)), number])
            expect(page.locator(".tutor-status")).to_have_text("forward 0/6")
            expect(x).to_have_attribute("aria-label", f"v0 = input x = {values[0]}")
            expect(x.locator(".tutor-node-body")).to_have_text(f"v0 = {values[0]}")
            assert parts.evaluate_all(KEPT) == total > 5
            statuses = page.locator(".tutor-node").evaluate_all(
                "nodes => nodes.map(n => [...n.classList]"
                ".filter(name => name.startsWith('tutor-status-')))")
            assert all(len(classes) == 1 for classes in statuses), statuses  # old ones gone
            page.click(".tutor-to-end")                # the next story replaces the end's looks


def test_the_stepper_renders_with_no_jupyter_at_all(browser, tmp_path):
    with page_without_jupyter(browser, tmp_path, seed_recording()) as page:
        page.click(".tutor-to-end")
        expect(page.locator(".tutor-gradient")).to_have_text("f = 6   ∂f/∂x = 4")
        assert page.evaluate("window.model.get('k')") == 15        # told its model
        page.evaluate("window.model.set('k', 3)")                 # and follows it
        expect(page.locator(".tutor-status")).to_have_text("forward 3/6")
