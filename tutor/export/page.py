"""One web page that steps a recording with no Python, no server and no network.

The page carries everything inline: the stepper's ES modules and CSS
(:mod:`tutor.widgets.stepper`, the very code the dashboard loads through anywidget), the
recording's story (:mod:`tutor.widgets.story`, the JSON contract) and a few lines that
start the stepper with a model kept in the page (``boot.js``). So it opens from
``file://``, from any static host and inside an ``<iframe>``, and makes no request.

Why inline, even on the course's site where many pages share the code: a browser refuses to
load an ES module from a ``file://`` address (it has no origin to check it against), so a
page that must work from a folder on a learner's disk carries its module in itself.

The pieces are also used one by one by :mod:`tutor.site`: :func:`stepper_html` (one
stepper's place, with its story), :func:`script_html` (the one script a page needs, however
many steppers it shows) and :func:`style_text`.
"""

import json
import os
import re
import tempfile
from html import escape
from importlib import resources
from string import Template

from ..notation import number_text

# The stepper's code and the story come from tutor.widgets, whose GIF panel offers this page
# too: they are imported where they are used, so that either package can be imported first.

__all__ = ["page_html", "stepper_html", "script_html", "style_text", "document_html",
           "title_lines", "mode_words", "file_name", "write_page", "KEYS_HELP"]

KEYS_HELP = ("Keys: <kbd>→</kbd> <kbd>←</kbd> step, <kbd>Home</kbd> <kbd>End</kbd> jump to "
             "the start or the end, <kbd>Space</kbd> plays and pauses, <kbd>+</kbd> "
             "<kbd>−</kbd> zoom. Hover over a node, or Tab to it, to read its value and its "
             "adjoint; click it to follow it.")
_EXPORTED = re.compile(r"^export\s+(?=(?:async\s+)?(?:function|class|const|let)\b)", re.M)


def _read(name):
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def title_lines(recording, expression=None):
    """A recording's heading and the line under it: ``f(x, y) = x*y`` (or ``f(x, y)`` when
    the expression is not known) and ``at x = 1, y = 2``. The GIF's title frame and the
    web page's heading say the same."""
    names = ", ".join(recording.arguments)
    heading = f"{recording.function_name}({names})"
    if expression:
        heading += f" = {expression}"
    point = ", ".join(f"{name} = {number_text(value)}"
                      for name, value in recording.arguments.items())
    return heading, (f"at {point}" if point else "")


def mode_words(recording):
    """What the steps show, in a few words: ``∂f/∂x, reverse mode: ...``."""
    if getattr(recording, "mode", "reverse") == "forward":
        return (f"forward mode, tangent seeded on {recording.wrt}: each step computes a value "
                f"and carries its tangent ẋ along")
    return (f"∂f/∂{recording.wrt}, reverse mode: the forward pass node by node, then the "
            f"backward pass one VJP application at a time")


def _json_in_script(text):
    """JSON text made safe inside ``<script>``: ``<``, ``>`` and ``&`` only occur inside
    its strings, where ``\\u003c`` means the same."""
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _script_safe(code):
    """JavaScript text made safe inside ``<script>`` (nothing in it may close the element)."""
    return re.sub(r"</(script)", r"<\\/\1", code, flags=re.I).replace("<!--", "<\\!--")


def stepper_html(story, k=0, *, label=None, pinned="", mark=None, speed=2, link=None):
    """One stepper's place in a page: an element the page's script renders the stepper in,
    with ``story`` (a Recording, or a story's JSON text) inside it as JSON. Steppers given
    the same ``link`` step together."""
    from ..widgets.story import story_json
    text = story if isinstance(story, str) else story_json(story)
    data = {"k": int(k), "speed": int(speed)}
    if pinned:
        data["pinned"] = pinned
    if mark:
        data["mark"] = json.dumps(mark, ensure_ascii=False)
    if link is not None:
        data["link"] = link
    attributes = " ".join(f'data-{name}="{escape(str(value))}"' for name, value in data.items())
    named = f' role="region" aria-label="{escape(label)}"' if label else ""
    return (f'<div class="tutor-page-stepper tutor-keys-scope"{named} {attributes}>'
            f'<script type="application/json">{_json_in_script(text)}</script></div>')


def script_html():
    """The page's one ``<script type="module">``: the stepper's modules as anywidget gets them
    (:func:`tutor.widgets.stepper.module_text`), then ``boot.js`` in a block of its own
    (its names cannot clash with the stepper's), rendering every stepper of the page."""
    from ..widgets.stepper import module_text
    boot = _EXPORTED.sub("", _read("boot.js"))
    code = (f"{module_text()}\n// ---- tutor/export/boot.js\n{{\n{boot}\n"
            f"bootSteppers(document, render);\n}}\n")
    return f'<script type="module">\n{_script_safe(code)}</script>'


def style_text(extra=""):
    """The stepper's CSS, then the page's (and ``extra``)."""
    from ..widgets.stepper import css_text
    return "\n".join(part for part in (css_text(), _read("page.css"), extra) if part)


def document_html(title, body, *, embed=False, steppers=True, extra_style=""):
    """A whole page: ``body`` (HTML) under ``title``, with the styles and, when it shows
    ``steppers``, the script."""
    return Template(_read("page.html")).substitute(
        title=escape(title), style=style_text(extra_style), body=body,
        body_class="tutor-embed" if embed else "tutor-standalone",
        script=script_html() if steppers else "")


def page_html(recording, expression=None, *, k=0, embed=False, story=None):
    """The web page of ``recording``: its heading (the function, ``expression`` if given,
    and where it is evaluated), the stepper at step ``k``, and how to use the keys.
    ``embed=True`` leaves the heading and the notes out (for an ``<iframe>``): the stepper
    alone, its heading kept for screen readers. An address ending ``#k=7`` opens at step 7.
    ``story``: the recording's story JSON, when the caller has it already.
    """
    heading, point = title_lines(recording, expression)
    about = "; ".join(part for part in (point, mode_words(recording)) if part)
    stepper = stepper_html(story or recording, k, label=f"the steps of {heading}")
    if embed:
        body = (f'<main><h1 class="tutor-sr-only">{escape(heading)} {escape(point)}</h1>\n'
                f'{stepper}\n</main>')
    else:
        body = f"""<div class="tutor-page">
<header class="tutor-page-header"><h1>{escape(heading)}</h1><p>{escape(about)}.</p></header>
<main>
{stepper}
</main>
<footer class="tutor-page-footer"><p>{KEYS_HELP}</p>
<p>Made with autograd-tutor. This page is all there is: it needs no server and no network,
so it works offline, from any web host and inside an <code>&lt;iframe&gt;</code>.</p></footer>
</div>"""
    return document_html(f"{heading}: {recording.steps} steps", body, embed=embed)


def file_name(recording):
    """A name to save the page under: ``f-reverse.html``, ``f-forward.html``."""
    return f"{recording.function_name}-{getattr(recording, 'mode', 'reverse')}.html"


def write_page(path, text):
    """Write ``text`` to ``path`` whole or not at all (a file appears only when complete)."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".tutor-page-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
    return path
