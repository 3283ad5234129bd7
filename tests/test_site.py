"""The course as a static site (issue 24): ``make site`` runs every lesson and writes
``site/``, an index, one page per lesson and a gallery, in which every stepper steps and
hovers with no kernel and no network, and every exercise says that checking needs Python.

The pieces are checked on small notebooks made here (widgets made static, math as MathML);
then the real build runs once (``python -m tutor.site``, what ``make site`` runs) and
Chromium opens lesson 6's page from ``file://`` with every other request aborted.
"""

import re
import shutil
import subprocess
import sys
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import nbformat
import pytest

import tutor.autograd.numpy as tnp
from tutor.record import record
from tutor.site import MARKER, SIZE_LIMIT, SiteError, build_site
from tutor.site.convert import lesson_body, mathml
from tutor.site.widgets import WIDGET_STATE, WIDGET_VIEW, Where, static_widgets
from tutor.widgets.explorer import EXAMPLES, make_recording
from tutor.widgets.story import story_json
from tutor.widgets.words import status_text, step_text

from test_export_html import EXTERNAL, Offline, browser_ready

REPO = Path(__file__).resolve().parent.parent
LESSONS = sorted((REPO / "lessons").glob("[0-9][0-9]_*.ipynb"))
HUB = "https://hub.example.edu"


# -- widgets made static, on a notebook made here -------------------------------------------------

def model(name, **state):
    return {"model_name": name, "model_module": "@jupyter-widgets/controls", "state": state}


def widget_cell(source, model_id):
    cell = nbformat.v4.new_code_cell(source)
    cell.outputs = [nbformat.v4.new_output("execute_result", execution_count=1, data={
        WIDGET_VIEW: {"model_id": model_id, "version_major": 2, "version_minor": 0},
        "text/plain": "VBox(...)"})]
    return cell


def notebook_with_widgets():
    """A player, an exercise and a cost panel, as nbclient saves them."""
    recording, _, _ = make_recording("log(x**2) + y**2 + x*y", "x=1, y=2", "x")
    models = {
        "player": model("VBoxModel", _dom_classes=["tutor-player"],
                        children=["IPY_MODEL_error", "IPY_MODEL_view"]),
        "error": model("HTMLModel", value=""),
        "view": model("AnyModel", _dom_classes=["tutor-stepper-view"], k=4,
                      story=story_json(recording), pinned="v3", mark={}, speed=3),
        "exercise": model("VBoxModel", _dom_classes=["tutor-exercise"],
                          children=["IPY_MODEL_button"]),
        "button": model("ButtonModel", description="Check"),
        "cost": model("VBoxModel", _dom_classes=["tutor-cost"],
                      children=["IPY_MODEL_summary", "IPY_MODEL_row"]),
        "summary": model("HTMLModel", value="<b>Which mode, and what it costs.</b>"),
        "row": model("HBoxModel", children=["IPY_MODEL_label", "IPY_MODEL_more",
                                            "IPY_MODEL_layout"]),
        "label": model("HTMLModel", value="Assemble the Jacobian:"),
        "more": model("ButtonModel", description="One more pass"),
        "layout": model("LayoutModel"),
        "compare": model("HBoxModel", _dom_classes=["tutor-compare"],
                         children=["IPY_MODEL_mine", "IPY_MODEL_reference"]),
        "mine": model("AnyModel", k=0, story=story_json(recording)),
        "reference": model("AnyModel", k=0, story=story_json(recording)),
        "link": model("LinkModel", source=["IPY_MODEL_mine", "k"],
                      target=["IPY_MODEL_reference", "k"]),
    }
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [widget_cell("RecordingPlayer(recording)", "player"),
                      widget_cell('ex.CheckWidget("l06-toposort")', "exercise"),
                      widget_cell("CostPanel(...)", "cost"),
                      widget_cell("compare(f, 1.0, 2.0)", "compare")]
    notebook.metadata["widgets"] = {WIDGET_STATE: {"state": models, "version_major": 2,
                                                   "version_minor": 0}}
    return notebook


@pytest.fixture
def widget_notebook():
    return notebook_with_widgets()


def html_of(cell):
    (output,) = cell.outputs
    assert list(output.data) == ["text/html"]
    return output.data["text/html"]


def test_a_player_becomes_a_live_stepper_with_its_story_and_its_step(widget_notebook):
    assert static_widgets(widget_notebook, Where("06_backward_pass.ipynb", "index.html")) == 3
    player = html_of(widget_notebook.cells[0])
    assert player.startswith('<div class="tutor-site-box"><div class="tutor-page-stepper')
    assert 'data-k="4"' in player and 'data-speed="3"' in player and 'data-pinned="v3"' in player
    assert 'aria-label="the steps of f(x, y)"' in player
    assert '"title":"f(x, y)"' in player
    assert "widgets" not in widget_notebook.metadata
    assert "data-link" not in player
    compared = html_of(widget_notebook.cells[3])          # two steppers jslinked by k
    assert compared.count('data-link="1"') == 2
    assert 'aria-label="the steps of f(x, y) (2)"' in compared


def test_an_exercise_says_checking_needs_python_and_where_to_find_it(widget_notebook):
    static_widgets(widget_notebook, Where("06_backward_pass.ipynb", "index.html#run", HUB))
    note = html_of(widget_notebook.cells[1])
    assert "Topological order for the backward pass" in note and "l06-toposort" in note
    assert "Write <code>toposort</code>" in note and "needs Python" in note
    assert "<code>make lessons</code>" in note and 'href="index.html#run"' in note
    assert f'href="{HUB}/hub/user-redirect/lab/tree/lessons/06_backward_pass.ipynb"' in note
    assert "Check" not in re.sub(r"Checking", "", note)        # no dead Check button
    plain = notebook_with_widgets()              # no hub given: no link to one
    static_widgets(plain, Where("06_backward_pass.ipynb", "index.html#run"))
    assert "or on your class's JupyterHub.</p>" in html_of(plain.cells[1])


def test_another_widget_shows_what_it_showed_and_names_its_controls(widget_notebook):
    static_widgets(widget_notebook, Where("12_jacobians_hessians.ipynb", "index.html"))
    panel = html_of(widget_notebook.cells[2])
    assert "<b>Which mode, and what it costs.</b>" in panel
    assert "Assemble the Jacobian:" in panel and "tutor-site-row" in panel
    assert "Its controls (One more pass) need Python." in panel
    assert "Layout" not in panel


def test_the_lessons_math_becomes_mathml_and_a_formula_it_cannot_read_stays_tex():
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell(
        "# A title\n\nThe adjoint $\\bar g_x$ is\n\n$$\\bar g_x = \\sum_j \\bar g_{v_j}$$\n")]
    body = lesson_body(notebook)
    assert body.count("<math") == 2 and 'display="block"' in body and "$" not in body
    assert mathml("\\frac{1}{") == '<code class="tutor-site-tex">\\frac{1}{</code>'


def test_the_builder_never_replaces_a_folder_it_did_not_write(tmp_path):
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "mine.txt").write_text("a teacher's notes")
    with pytest.raises(SiteError, match="holds files this builder did not write"):
        build_site(folder, REPO / "lessons")
    assert [path.name for path in folder.iterdir()] == ["mine.txt"]
    assert [path.name for path in tmp_path.iterdir()] == ["notes"]       # nothing left over


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_site_runs_the_site_builder():
    plan = subprocess.run(["make", "-n", "-o", ".venv/.installed", "site",
                           f"HUB={HUB}"], cwd=REPO, capture_output=True, text=True,
                          timeout=60)
    assert plan.returncode == 0, plan.stderr
    assert f".venv/bin/python -m tutor.site --out site --hub {HUB}" in plan.stdout


# -- the whole course, built once --------------------------------------------------------------

@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """``python -m tutor.site`` (what ``make site`` runs) on the course's lessons."""
    out = tmp_path_factory.mktemp("built") / "site"
    done = subprocess.run([sys.executable, "-m", "tutor.site", "--out", str(out),
                           "--lessons", str(REPO / "lessons")], cwd=out.parent,
                          capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    print(done.stdout)
    return out


@pytest.mark.notebooks
def test_the_site_has_an_index_a_page_per_lesson_and_the_gallery_all_offline(site):
    pages = {path.relative_to(site).as_posix(): path.read_text(encoding="utf-8")
             for path in site.rglob("*.html")}
    lesson_pages = [lesson.stem + ".html" for lesson in LESSONS]
    assert set(lesson_pages) | {"index.html", "gallery.html"} <= set(pages)
    assert len([name for name in pages if name.startswith("examples/")]) == len(EXAMPLES)
    for name in lesson_pages + ["gallery.html"]:
        assert f'href="{name}"' in pages["index.html"], name
    assert pages["gallery.html"].count('class="tutor-page-stepper') == len(EXAMPLES)
    assert (site / MARKER).exists()
    size = sum(path.stat().st_size for path in site.rglob("*") if path.is_file())
    assert size <= SIZE_LIMIT, f"{size / 2**20:.1f} MB"
    for name, text in pages.items():
        assert not EXTERNAL.search(text), (name, EXTERNAL.search(text))
        assert str(REPO) not in text and "/tmp/" not in text, name
        assert "output_error" not in text, name          # no cell raised
    for lesson in LESSONS:
        code = [cell.source for cell in nbformat.read(lesson, as_version=4).cells
                if cell.cell_type == "code"]
        page = pages[lesson.stem + ".html"]
        checks = sum(bool(re.match(r"ex\.CheckWidget\(", source)) for source in code)
        assert page.count('class="tutor-site-exercise"') == checks, lesson.name
        if any("RecordingPlayer(" in source for source in code):
            assert 'class="tutor-page-stepper' in page, lesson.name
    assert "<math" in pages["06_backward_pass.html"]


@pytest.fixture
def offline(browser):
    tab = Offline(browser)
    yield tab
    tab.context.close()


def lesson_6_recording():
    def f_tutor(x, y):
        return tnp.log(x**2) + y**2 + x*y
    return record(f_tutor, 1.0, 2.0)


@pytest.mark.notebooks
@pytest.mark.browser
def test_lesson_6s_player_steps_and_hovers_from_a_file_with_no_network(site, offline):
    expect = browser_ready()
    recording = lesson_6_recording()
    page = offline.open(site / "06_backward_pass.html", expect)
    player = page.locator(".tutor-page-stepper").first        # the seed's, "Watch it first"
    assert player.get_attribute("aria-label") == "the steps of f_tutor(x, y)"
    player.locator(".tutor-step-forward").click()
    expect(player.locator(".tutor-status")).to_have_text("forward 1/6")
    page.keyboard.press("ArrowRight")               # the focus is in the player
    expect(player.locator(".tutor-status")).to_have_text("forward 2/6")
    player.locator(".tutor-to-end").click()
    expect(player.locator(".tutor-status")).to_have_text(status_text(recording, 15))
    assert player.locator(".tutor-live").text_content() == step_text(recording, 15)
    player.locator(".tutor-graph .tutor-node").first.hover()
    expect(player.locator(".tutor-node-card")).to_be_visible()
    expect(player.locator(".tutor-node-card")).to_contain_text("4")      # x's adjoint
    assert page.locator(".tutor-site-exercise").first.is_visible()
    linked = page.locator(".tutor-page-stepper[data-link]")
    if linked.count():           # the learner's autograd beside the reference steps with it
        linked.first.locator(".tutor-to-end").click()
        for index in range(linked.count()):
            expect(linked.nth(index).locator(".tutor-status")).to_have_text(
                linked.first.locator(".tutor-status").inner_text())
        assert linked.first.locator(".tutor-status").inner_text() != "forward 0/6"
    assert offline.requests == [(site / "06_backward_pass.html").as_uri()]
    assert offline.errors == []


class QuietFiles(SimpleHTTPRequestHandler):
    def log_message(self, *arguments):
        pass


@pytest.mark.notebooks
@pytest.mark.browser
def test_the_gallery_steps_served_by_a_plain_web_server_too(site, browser):
    """Any static host: Python's own file server on 127.0.0.1, and nothing but it."""
    expect = browser_ready()
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietFiles, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    origin = f"http://127.0.0.1:{server.server_address[1]}/"
    context = browser.new_context(viewport={"width": 1300, "height": 1000})
    try:
        page = context.new_page()
        requests = []
        page.route("**/*", lambda route: (requests.append(route.request.url),
                                          route.continue_() if route.request.url.startswith(
                                              origin) else route.abort()))
        page.goto(origin + "gallery.html")
        expect(page.locator(".tutor-status")).to_have_count(len(EXAMPLES))
        neuron = page.locator(".tutor-page-stepper").nth(2)
        neuron.locator(".tutor-step-forward").click()
        page.keyboard.press("ArrowRight")
        example = EXAMPLES[2]
        recording, _, _ = make_recording(example.expression, example.values, example.wrt)
        expect(neuron.locator(".tutor-status")).to_have_text(status_text(recording, 2))
        expect(page.locator(".tutor-page-stepper").first.locator(".tutor-status")).to_have_text(
            "forward 0/6")                     # the keys stepped the stepper with the focus
        page.click("text=On a page of its own >> nth=2")
        expect(page.locator("h1")).to_have_text("f(w, x, b) = tanh(w*x + b)")
        assert requests == [origin + "gallery.html", origin + "examples/03-a-neuron.html"]
    finally:
        context.close()
        server.shutdown()
        server.server_close()
        thread.join(10)


@pytest.mark.notebooks
@pytest.mark.browser
def test_axe_finds_nothing_serious_on_the_index_a_lesson_and_the_gallery(site, offline):
    expect = browser_ready()
    from test_accessibility import audit
    page = offline.page
    page.goto((site / "index.html").as_uri())
    expect(page.locator("h1")).to_contain_text("autograd-tutor")
    assert audit(page, "site index", {}) == []
    page = offline.open(site / "06_backward_pass.html", expect)
    assert audit(page, "site lesson 6", {}) == []
    page.goto((site / "gallery.html").as_uri())
    expect(page.locator(".tutor-status")).to_have_count(len(EXAMPLES))
    assert audit(page, "site gallery", {}) == []
    assert offline.errors == []
