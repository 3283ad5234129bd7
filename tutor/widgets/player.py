"""One Recording, stepped: the stepper, the result, the graph and the inspector together.

The dashboard puts an explorer on top of a player; a lesson notebook shows a player on its
own, for a recording it made itself:

    from tutor.record import record
    from tutor.widgets import RecordingPlayer
    RecordingPlayer(record(f, 1.0, 2.0))        # the last line of a cell displays it
"""

import ipywidgets as widgets

from .access import KEY_SCOPE, StepKeys
from .alt_text import graph_description
from .common import ErrorArea, guarded
from .graph_view import GraphView
from .inspector import GradientView, Inspector
from .state import StepState
from .stepper import Stepper

__all__ = ["RecordingPlayer"]


class RecordingPlayer(widgets.VBox):
    """Views of ``(recording, k)`` that all follow one :class:`StepState`.

    Parts, as attributes: ``state``, ``stepper``, ``gradient`` (the result line), ``graph``,
    ``inspector`` and ``error``. Pass ``state`` and ``error`` to share them with other
    widgets (the dashboard's explorer does); without ``error`` the player shows its own
    error area above the stepper.

    ``step_keys`` (a :class:`~tutor.widgets.access.StepKeys`) lets the keyboard step: → ←,
    Home, End and Space, with focus anywhere in the player but a text box. The dashboard
    passes ``key_scope=False`` and widens that area to its whole Explore tab.
    """

    def __init__(self, recording=None, k=0, state=None, error=None, key_scope=True,
                 **kwargs):
        self.state = state if state is not None else StepState()
        self.error = error if error is not None else ErrorArea()
        self.stepper = Stepper(self.state, self.error)
        # The graph takes the width its picture needs (scrolling if the page is narrower);
        # the inspector takes the rest, or wraps below when less than 380 pixels are left.
        self.graph = GraphView(layout=widgets.Layout(flex="0 1 auto", min_width="0",
                                                     max_width="100%"))
        self.inspector = Inspector(layout=widgets.Layout(flex="1 1 380px", min_width="0",
                                                         padding="0 0 0 10px"))
        self.gradient = GradientView()
        self.step_keys = StepKeys(self.stepper)
        self.state.observe(guarded(self.error, "drawing the step")(self._redraw))
        children = [self.step_keys, self.stepper, self.gradient,
                    widgets.HBox([self.graph, self.inspector],
                                 layout=widgets.Layout(flex_flow="row wrap",
                                                       align_items="flex-start"))]
        if error is None:
            children.insert(0, self.error)
        super().__init__(children, **kwargs)
        self.add_class("tutor-player")
        if key_scope:
            self.add_class(KEY_SCOPE)
        if recording is not None:
            self.state.load(recording, k)

    def _redraw(self, state):
        recording, k = state.recording, state.k
        # cheapest first, so the status line answers a click at once
        self.gradient.render(recording, k)
        self.inspector.render(recording, k)
        self.graph.render(recording, k)
        self.step_keys.description = graph_description(recording, k)
