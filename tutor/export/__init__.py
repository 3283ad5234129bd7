"""Share a recording without a server: one self-contained web page, stepped in the browser.

From the command line (the same checks and messages as the dashboard's boxes)::

    python -m tutor.export "log(x**2) + y**2 + x*y" --values "x=1, y=2" --wrt x \\
        --mode reverse --out seed.html            # --embed: no page chrome, for an <iframe>

From Python::

    from tutor.export import page_html, write_page
    write_page("seed.html", page_html(recording, "log(x**2) + y**2 + x*y"))

The dashboard's "Export as web page" button (:class:`tutor.widgets.export.ExportPanel`)
gives the same file. The page runs the dashboard's own stepper (see :mod:`.page`): stepping,
playing, scrubbing, hovering, zooming, the keys and the screen reader's sentences are the
same, and it makes no request at all. :mod:`tutor.site` builds the whole course this way.
"""

from .page import (KEYS_HELP, document_html, file_name, mode_words, page_html, script_html,
                   stepper_html, style_text, title_lines, write_page)

__all__ = ["page_html", "write_page", "stepper_html", "script_html", "style_text",
           "document_html", "title_lines", "mode_words", "file_name", "KEYS_HELP"]
