"""ipywidgets views of a Recording: the graph, the stepper, the inspector, the explorer.

Every view is a function of ``(recording, k)``: a :class:`StepState` holds the two, the
:class:`Stepper` moves ``k``, the :class:`Explorer` makes new recordings, and the views
(:class:`GraphView`, :class:`Inspector`, :class:`GradientView`) redraw themselves from the
state. None of them computes a gradient. :mod:`tutor.app` puts them together.

    graph_view.py   the graph: matplotlib artists drawn once, updated in place per step
    stepper.py      step buttons, play/pause with speed, the slider, the status line
    inspector.py    the current step in words and numbers, the listing, the table; the result
    explorer.py     expression, values, ∂f/∂ choice, mode, examples; refusing bad input kindly
    cost.py         which mode, and what it costs: the Jacobian by columns or by rows
    player.py       stepper + result + graph + inspector for one recording (notebooks too)
    export.py       the backward pass as an animated GIF, bounded, made in the background
    access.py       keyboard stepping, a live region, names for unnamed controls
    alt_text.py     the graph at step k in words (alt text and what a screen reader hears)
    state.py        the shared (recording, k)
    common.py       number formatting, the error area, guarded callbacks
"""

from .access import StepKeys
from .alt_text import graph_description
from .common import ErrorArea, guarded
from .explorer import EXAMPLES, Example, Explorer, make_recording
from .export import ExportPanel, backward_gif, gif_bytes
from .graph_view import GraphDrawing, GraphView
from .inspector import GradientView, Inspector
from .player import RecordingPlayer
from .state import StepState
from .stepper import Stepper, status_text

__all__ = ["StepState", "GraphDrawing", "GraphView", "Stepper", "status_text", "Inspector",
           "GradientView", "RecordingPlayer", "Explorer", "EXAMPLES", "Example", "make_recording",
           "backward_gif", "gif_bytes", "ExportPanel", "ErrorArea", "guarded", "StepKeys",
           "graph_description"]
