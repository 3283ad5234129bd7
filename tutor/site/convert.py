"""An executed lesson notebook as the HTML of a site page's body (nbconvert, with no CDN).

nbconvert's ``basic`` template gives the cells' HTML alone: the code highlighted, the
outputs, the Markdown rendered; the page around it is :func:`tutor.export.document_html`'s,
like every page of the site. Two things differ from nbconvert's usual page, both so that a
page needs no network:

- the math of the lessons' Markdown (``$\\bar g_x$``) is written as MathML when the site is
  built (latex2mathml), which the browser draws itself: no MathJax to fetch, and screen
  readers read it as math;
- widget outputs have been made static by :mod:`.widgets` first, so there is no widget
  manager to load either.
"""

from html import escape

from latex2mathml.converter import convert as latex_to_mathml
from nbconvert import HTMLExporter
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
from pygments.formatters import HtmlFormatter

try:                                        # jinja2 >= 3 calls it pass_context
    from jinja2 import pass_context
except ImportError:                         # pragma: no cover
    from jinja2 import contextfilter as pass_context

__all__ = ["lesson_body", "mathml", "highlight_css"]


def mathml(tex, display="inline"):
    """``tex`` as MathML; what latex2mathml cannot read stays as its TeX, in code type."""
    try:
        return latex_to_mathml(tex, display=display)
    except Exception:               # noqa: BLE001 (one formula must not stop the site)
        return f'<code class="tutor-site-tex">{escape(tex)}</code>'


class _MathMLRenderer(IPythonRenderer):
    """nbconvert's Markdown renderer, with the math as MathML instead of TeX for MathJax."""

    def block_math(self, body):
        return mathml(body, "block")

    def inline_math(self, body):
        return mathml(body, "inline")

    def latex_environment(self, name, body):
        return mathml(f"\\begin{{{name}}}{body}\\end{{{name}}}", "block")


class _LessonExporter(HTMLExporter):
    """The ``basic`` template (cells only), no prompts, math as MathML."""

    @pass_context
    def markdown2html(self, context, source):
        cell = context.get("cell", {})
        renderer = _MathMLRenderer(escape=False, attachments=cell.get("attachments", {}),
                                   anchor_link_text="#")
        return MarkdownWithMath(renderer=renderer).render(source)


def lesson_body(notebook):
    """The HTML of ``notebook``'s cells (executed, its widgets already static)."""
    exporter = _LessonExporter(template_name="basic", exclude_input_prompt=True,
                               exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(notebook)
    return body


def highlight_css():
    """The colours of highlighted code (Pygments' default style), for ``.highlight``."""
    return HtmlFormatter(style="default").get_style_defs(".highlight")
