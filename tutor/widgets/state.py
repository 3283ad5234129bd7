"""The one piece of state the dashboard's views share: a Recording and a step index ``k``.

Data flows one way. The explorer makes a :class:`~tutor.record.Recording`; the stepper
moves ``k``; every view (graph, inspector, status line, result) is redrawn from
``(recording, k)`` alone. No view computes a gradient or remembers what happened before: a
view shown at step 7 looks the same whether the learner got there by stepping forward,
stepping back or dragging the slider.
"""

__all__ = ["StepState"]


class StepState:
    """A recording and the number ``k`` of its steps taken so far (``0 <= k <= steps``).

    Call ``observe(callback)`` to be told about every change: the callback receives this
    state and reads ``state.recording`` and ``state.k``. ``load`` puts in a new recording,
    ``go`` moves to a step (clamped into range); the other methods are named moves.
    """

    def __init__(self, recording=None, k=0):
        self.recording = recording
        self.k = 0
        self._observers = []
        if recording is not None:
            self.k = self._clamp(k)

    @property
    def steps(self):
        """How many steps the recording has (0 when there is none)."""
        return self.recording.steps if self.recording is not None else 0

    def observe(self, callback):
        """Call ``callback(state)`` after every change (and return it, to use as a decorator)."""
        self._observers.append(callback)
        return callback

    def load(self, recording, k=0):
        """Show ``recording``, at step ``k`` (the start by default)."""
        self.recording = recording
        self.k = self._clamp(k)
        self._notify()

    def go(self, k):
        """Move to step ``k``; nothing happens (no notification) if we are already there."""
        k = self._clamp(k)
        if k != self.k:
            self.k = k
            self._notify()

    def forward(self):
        self.go(self.k + 1)

    def back(self):
        self.go(self.k - 1)

    def to_end(self):
        self.go(self.steps)

    def reset(self):
        self.go(0)

    def _clamp(self, k):
        return max(0, min(int(k), self.steps))

    def _notify(self):
        for callback in list(self._observers):
            callback(self)
