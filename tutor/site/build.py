"""Building ``site/``: the index, one page per lesson, the gallery and its examples' pages.

Every page is one self-contained file (:func:`tutor.export.document_html`): its CSS, its
steppers' stories and the stepper's script are inside it, so any one page works from a
folder on a disk (``file://``), from any static web host, and copied on its own.

The lessons run first, each in a fresh kernel (:mod:`.run`; ``jobs`` at a time), and become
pages (:mod:`.widgets`, :mod:`.convert`). The site is written into a new folder beside
``out`` and put in its place only once it is complete; an ``out`` folder that this builder
did not make is never removed.
"""

import functools
import multiprocessing
import re
import shutil
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from html import escape
from importlib import resources
from pathlib import Path

import nbformat

from ..export.page import KEYS_HELP, document_html, page_html, stepper_html
from ..widgets.explorer import EXAMPLES, make_recording
from ..widgets.story import story_json
from .convert import highlight_css, lesson_body
from .run import run_lesson
from .widgets import Where, static_widgets

__all__ = ["build_site", "SiteError", "Built", "MARKER", "RUN_ANCHOR", "SIZE_LIMIT"]

MARKER = ".tutor-site"               # in every folder this builder wrote
RUN_ANCHOR = "index.html#run-the-course"
SIZE_LIMIT = 20 * 1024 * 1024        # the whole site, in bytes (the bound)
HEADING = re.compile(r"^#\s+(.+)$", re.MULTILINE)
SEVERAL = ("With several steppers on a page, the keys step the one holding the focus: click "
           "one of its buttons, or Tab to it.")


class SiteError(Exception):
    """The site cannot be built where it was asked to be (the message says why)."""


@dataclass
class Built:
    """What :func:`build_site` wrote: ``pages`` (name -> bytes), the number of live
    ``steppers``, the lessons whose cells raised (``problems``) and the ``seconds`` taken."""
    folder: Path
    pages: dict = field(default_factory=dict)
    steppers: int = 0
    problems: dict = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def size(self):
        return sum(self.pages.values())


@dataclass(frozen=True)
class _Lesson:
    path: Path
    title: str

    @property
    def page(self):
        return self.path.stem + ".html"


@functools.cache
def _style():
    """The site's CSS and the code's colours (the page's and the stepper's come with
    :func:`tutor.export.document_html`)."""
    site_css = resources.files(__package__).joinpath("site.css").read_text(encoding="utf-8")
    return site_css + "\n" + highlight_css()


def _lessons(folder):
    lessons = []
    for path in sorted(Path(folder).glob("[0-9][0-9]_*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        text = next((cell.source for cell in notebook.cells if cell.cell_type == "markdown"), "")
        found = HEADING.search(text)
        title = found.group(1).replace("`", "").strip() if found else path.stem
        lessons.append(_Lesson(path, title))
    return lessons


def _run(path):
    """One lesson executed (in a worker process): the notebook as text."""
    return nbformat.writes(run_lesson(path))


def _nav(lessons, index, label, end=False):
    parts = ['<a href="index.html">The course</a>']
    if index > 0:
        before = lessons[index - 1]
        parts.append(f'<a rel="prev" href="{before.page}">← {escape(before.title)}</a>')
    if index + 1 < len(lessons):
        after = lessons[index + 1]
        parts.append(f'<a class="tutor-site-next" rel="next" href="{after.page}">'
                     f'{escape(after.title)} →</a>')
    kind = " tutor-site-nav-end" if end else ""
    return f'<nav class="tutor-site-nav{kind}" aria-label="{label}">{" ".join(parts)}</nav>'


def _lesson_page(lessons, index, notebook, hub):
    lesson = lessons[index]
    where = Where(lesson.path.name, RUN_ANCHOR, hub)
    steppers = static_widgets(notebook, where)
    body = f"""<div class="tutor-page">
{_nav(lessons, index, "lessons")}
<main>
<p class="tutor-site-static">This is the lesson as it runs before you write anything: its
steppers step right here, but no code runs on this page, so the exercises cannot be
checked. {where.how()}</p>
{lesson_body(notebook)}
</main>
{_nav(lessons, index, "lessons, at the end of the page", end=True)}
<footer class="tutor-page-footer"><p>{KEYS_HELP} {SEVERAL}</p></footer>
</div>"""
    return document_html(f"{lesson.title} · autograd-tutor", body, steppers=steppers > 0,
                         extra_style=_style()), steppers


def _slug(number, title):
    words = re.findall(r"[a-z0-9]+", title.lower().split(":")[0])
    return f"{number:02d}-{'-'.join(words[:5]) or 'example'}"


def _gallery():
    """The gallery page and one page per example: ``({name: html}, steppers)``."""
    pages, sections = {}, []
    for number, example in enumerate(EXAMPLES, start=1):
        recording, _, _ = make_recording(example.expression, example.values, example.wrt)
        story = story_json(recording)
        name = f"examples/{_slug(number, example.title)}.html"
        pages[name] = page_html(recording, example.expression, story=story)
        sections.append(f"""<section class="tutor-site-example" aria-labelledby="example-{number}">
<h2 id="example-{number}">{escape(example.title)}</h2>
<p>{escape(example.lesson)}</p>
<p><code>f = {escape(example.expression)}</code> at <code>{escape(example.values)}</code>,
∂f/∂{escape(example.wrt)}. <a href="{name}">On a page of its own</a> (one file: save it,
share it, or put it in an <code>&lt;iframe&gt;</code>).</p>
{stepper_html(story, label=f"the steps of {example.title}")}
</section>""")
    body = f"""<div class="tutor-page">
<nav class="tutor-site-nav" aria-label="the course"><a href="index.html">The course</a></nav>
<main>
<h1>Gallery: the dashboard's examples</h1>
<p>The functions of the dashboard's "Try:" menu, each recorded at its values and stepped
right here: the forward pass node by node, then the backward pass one VJP application at a
time. {KEYS_HELP} {SEVERAL}</p>
{chr(10).join(sections)}
</main>
</div>"""
    pages["gallery.html"] = document_html("Gallery: the dashboard's examples · autograd-tutor",
                                          body, extra_style=_style())
    return pages, len(EXAMPLES)


def _index(lessons, hub):
    items = "\n".join(f'<li><a href="{lesson.page}">{escape(lesson.title)}</a></li>'
                      for lesson in lessons)
    hub_item = (f'<a href="{escape(hub.rstrip("/"))}/hub/">your class\'s JupyterHub</a>' if hub
                else "your class's JupyterHub, if your teacher runs one,")
    body = f"""<div class="tutor-page">
<main>
<h1>autograd-tutor: automatic differentiation, built from scratch</h1>
<p>How does <code>grad</code> work? These lessons trace a function into a computation graph,
then rebuild autograd piece by piece: Nodes, Boxes, vector-Jacobian products, the backward
pass, <code>grad</code>, arrays, higher derivatives, forward mode. Every recording in them is
a live stepper: step through the forward pass node by node and the backward pass one VJP
at a time, and hover over a node to read its value and its adjoint.</p>
<h2>Lessons</h2>
<ul class="tutor-site-lessons">
{items}
</ul>
<h2>Gallery</h2>
<p><a href="gallery.html">The dashboard's examples</a>, each a live stepper: the seed's
<code>log(x**2) + y**2 + x*y</code>, a neuron, fan-out, a small network, arrays.</p>
<h2 id="run-the-course">Run the code, check your exercises</h2>
<p>These pages show each lesson as it runs before you write anything: no code runs here,
so the exercises cannot be checked. To write them and have them checked, run the lessons
with Python:</p>
<ul>
<li>On your machine, in the project's folder: <code>make lessons</code> (JupyterLab opens
lesson 1; your code is kept in <code>mygrad.py</code>, lesson after lesson).
<code>make app</code> opens the dashboard, where you type your own functions.</li>
<li>In a class: log in to {hub_item} and open <code>lessons/</code> in your own copy.</li>
</ul>
</main>
<footer class="tutor-page-footer"><p>These pages need no server and no network: open
<code>index.html</code> from a folder, or put the folder on any web host.</p></footer>
</div>"""
    return document_html("autograd-tutor: the course", body, steppers=False,
                         extra_style=_style())


def _prepare(out):
    out = Path(out).resolve()
    if out.exists() and not out.is_dir():
        raise SiteError(f"{out.name} is a file, not a folder")
    if out.exists() and any(out.iterdir()) and not (out / MARKER).exists():
        raise SiteError(f"{out.name}/ holds files this builder did not write; give another "
                        f"--out (the site replaces its folder whole)")
    out.parent.mkdir(parents=True, exist_ok=True)
    return out, Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))


def _errors(notebook):
    return sum(output.get("output_type") == "error"
               for cell in notebook.cells for output in cell.get("outputs", []))


def build_site(out="site", lessons="lessons", hub=None, jobs=2, say=print):
    """Run every lesson and write the site to ``out`` (see the module doc); returns
    :class:`Built`. ``hub``: the class's JupyterHub address, for the exercises' links."""
    started = time.perf_counter()
    out, work = _prepare(out)
    try:
        found = _lessons(lessons)
        if not found:
            raise SiteError(f"no lesson notebooks (NN_name.ipynb) in {Path(lessons).name}/")
        built = Built(out)
        pages = {"index.html": _index(found, hub)}
        gallery, examples = _gallery()
        pages.update(gallery)
        built.steppers += examples
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=max(1, jobs), mp_context=context) as pool:
            runs = [pool.submit(_run, lesson.path) for lesson in found]
            for index, (lesson, run) in enumerate(zip(found, runs)):
                notebook = nbformat.reads(run.result(), as_version=4)
                errors = _errors(notebook)
                if errors:
                    built.problems[lesson.path.name] = errors
                pages[lesson.page], steppers = _lesson_page(found, index, notebook, hub)
                built.steppers += steppers
                say(f"{lesson.page}: {steppers} stepper{'s' * (steppers != 1)}"
                    + (f", {errors} cell{'s' * (errors != 1)} raised" if errors else ""))
        for name, text in pages.items():
            path = work / name
            path.parent.mkdir(parents=True, exist_ok=True)
            data = text.encode("utf-8")
            path.write_bytes(data)
            built.pages[name] = len(data)
        (work / MARKER).write_text("Written by python -m tutor.site (make site); the whole "
                                   "folder is replaced at each build.\n", encoding="utf-8")
        work.chmod(0o755)                # a web server must be able to read it
        if out.exists():
            shutil.rmtree(out)
        work.rename(out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    built.seconds = time.perf_counter() - started
    return built
