"""How exercise text becomes HTML: Markdown for what the course wrote, code spans for feedback.

Prompts, questions and hints are written by the course in Markdown (lists, code blocks,
``**bold**``) and go through a real Markdown renderer, :func:`markdown_html`. So a formula
in them is always written as code, between backticks: ``(w*x - t)**2`` outside backticks
would turn into emphasis.

Feedback is different: its sentences carry what the learner typed (``2*x*y``), numbers and
formulas, so nothing in it may become emphasis by accident. :func:`inline_html` renders only
code spans (and bold of plain words, ``**forward-mode**``) and writes every other character
as it is.
"""

import html
import re

_CODE_SPAN = re.compile(r"`([^`]+)`")
_BOLD_WORDS = re.compile(r"\*\*([^\W\d_][\w' -]*?)\*\*")


def markdown_html(text):
    """Markdown to HTML for prompts, questions and hints (mistune when installed, else the
    text as it is).

    Wrapped in a block with an ordinary line height: an HTML widget's own (one control's
    height per line) would spread a listing of code over the whole page.
    """
    try:
        import mistune
        body = mistune.html(text)
    except ImportError:     # pragma: no cover - mistune comes with Jupyter
        body = f"<pre style='white-space:pre-wrap'>{html.escape(text)}</pre>"
    return f"<div class='tutor-markdown' style='line-height:1.45'>{body}</div>"


def inline_html(text):
    """Feedback as HTML: `code spans` become ``<code>``, ``**words**`` bold; every other
    character is shown as it is (escaped), so ``2*x*y`` stays ``2*x*y``."""
    pieces = []
    last = 0
    for match in _CODE_SPAN.finditer(text):
        pieces.append(_bold_words(html.escape(text[last:match.start()])))
        pieces.append(f"<code>{html.escape(match.group(1))}</code>")
        last = match.end()
    pieces.append(_bold_words(html.escape(text[last:])))
    return "".join(pieces)


def _bold_words(escaped):
    return _BOLD_WORDS.sub(lambda match: f"<b>{match.group(1)}</b>", escaped)
