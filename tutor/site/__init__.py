"""The whole course as a static site: ``make site`` (``python -m tutor.site``) writes ``site/``.

``site/index.html`` lists the lessons; each lesson is one page, the notebook as it runs
before the learner writes anything (every lesson executed, the exercise stubs as shipped),
in which every ``RecordingPlayer`` is the live stepper of :mod:`tutor.export`: it steps,
plays and hovers with no kernel. An exercise says plainly that checking needs Python
(``make lessons``, or the class's JupyterHub) and links there. ``gallery.html`` steps the
dashboard's examples, each also on a page of its own under ``examples/``.

Every page carries its styles and script inside it and asks for nothing else: the site
works offline from ``file://``, from any static web host, and from a JupyterHub's static
files. How it is put together: :mod:`.run` (executing a lesson), :mod:`.widgets` (widget
outputs made static), :mod:`.convert` (nbconvert, math as MathML), :mod:`.build`.
"""

from .build import MARKER, SIZE_LIMIT, Built, SiteError, build_site

__all__ = ["build_site", "Built", "SiteError", "MARKER", "SIZE_LIMIT"]
