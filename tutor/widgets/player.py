"""One Recording, stepped: the stepper view with its own state and error area (notebooks too).

The dashboard puts an explorer on top of a player; a lesson notebook shows a player on its
own, for a recording it made itself:

    from tutor.record import record
    from tutor.widgets import RecordingPlayer
    RecordingPlayer(record(f, 1.0, 2.0))        # the last line of a cell displays it

The page steps it by itself (see :mod:`tutor.widgets.stepper`); the player keeps the shared
:class:`~tutor.widgets.state.StepState` and the page's step ``k`` in agreement.
"""

import ipywidgets as widgets

from .access import KEY_SCOPE
from .common import ErrorArea, guarded
from .state import StepState
from .stepper import StepperView

__all__ = ["RecordingPlayer"]


class RecordingPlayer(widgets.VBox):
    """The stepper view of ``(recording, k)``, following one :class:`StepState`.

    Parts, as attributes: ``state``, ``view`` (the :class:`StepperView`, also called
    ``stepper``) and ``error``. Pass ``state`` and ``error`` to share them with other
    widgets (the dashboard's explorer does); without ``error`` the player shows its own
    error area above the stepper.

    With ``key_scope`` the keys step the player when the focus is anywhere inside it (but a
    text box); the dashboard passes ``key_scope=False`` and widens that area to its whole
    Explore tab.
    """

    def __init__(self, recording=None, k=0, state=None, error=None, key_scope=True,
                 **kwargs):
        self.state = state if state is not None else StepState()
        self.error = error if error is not None else ErrorArea()
        self.view = self.stepper = StepperView()
        self.state.observe(guarded(self.error, "drawing the step")(self._follow))
        self.view.observe(guarded(self.error, "stepping")(self._moved), "k")
        children = [self.view] if error is not None else [self.error, self.view]
        super().__init__(children, **kwargs)
        self.add_class("tutor-player")
        if key_scope:
            self.add_class(KEY_SCOPE)
        if recording is not None:
            self.state.load(recording, k)

    def _follow(self, state):
        """The state changed: a new recording goes to the page as a story, a new k as k."""
        if state.recording is not self.view.recording:
            self.view.show(state.recording, state.k)
        else:
            self.view.go(state.k)

    def _moved(self, change):
        """The page (or Python) moved the view: the state follows (unless the page's step
        was one of the recording shown before)."""
        if self.view.recording is self.state.recording and self.view.current():
            self.state.go(self.view.position)
