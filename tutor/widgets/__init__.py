"""The dashboard's views of a Recording: the stepper, the explorer, the cost panel, the GIF.

Every view shows ``(recording, k)``: a :class:`StepState` holds the two, the explorer
makes new recordings, and the stepper (one front-end widget, drawn and stepped in the
browser) shows them. None of them computes a gradient. :mod:`tutor.app` puts them together.

    stepper/        the stepper: SVG graph, controls, listing, inspector, stepped in the page
    story.py        a Recording as the JSON the stepper draws (the contract)
    words.py        each step in words: heading, sentence, notes (what a screen reader hears)
    palette.py      the colours and borders of node states and edges
    player.py       the stepper with its state and error area (the lessons use it too)
    explorer.py     expression, values, ∂f/∂ choice, mode, pass, examples; refusing bad input
    textbox.py      the explorer's text boxes: Python never rewrites one the learner is in
    cost.py         which mode, and what it costs: the Jacobian by columns or by rows
    picture.py      the graph at a step as a matplotlib picture (for the GIF)
    export.py       the backward pass as an animated GIF, bounded, made in the background
    access.py       names and focus rings for the dashboard's ipywidgets controls
    state.py        the shared (recording, k)
    common.py       the error area, guarded callbacks
"""

from .common import ErrorArea, guarded
from .explorer import EXAMPLES, Example, Explorer, make_recording
from .export import ExportPanel, backward_gif, gif_bytes
from .player import RecordingPlayer
from .state import StepState
from .stepper import StepperView
from .story import story_json, story_of
from .words import status_text, step_text

__all__ = ["StepState", "StepperView", "RecordingPlayer", "Explorer", "EXAMPLES", "Example",
           "make_recording", "backward_gif", "gif_bytes", "ExportPanel", "ErrorArea",
           "guarded", "story_of", "story_json", "status_text", "step_text"]
