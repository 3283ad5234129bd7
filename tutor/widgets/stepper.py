"""The stepper: buttons, a play control and a slider that move ``k`` through a recording.

Every control only moves the shared :class:`~tutor.widgets.state.StepState`; the views
follow it. The status line reads ``forward k/N`` during the forward pass (N operations) and
``backward k/M`` during the backward pass (M VJP applications), so a learner always knows
which pass they are in and how far along.

Play runs in the browser: an ``ipywidgets.Play`` is linked to the slider on the page
(``jslink``), so it keeps ticking without a kernel thread; each tick moves the slider, and
the slider's new value reaches the kernel like a drag would. The speed control sets the
Play's interval. (So in the kernel ``slider.value`` is ``k``; ``play.value`` lags behind.)
"""

import ipywidgets as widgets

from .common import guarded

__all__ = ["Stepper", "status_text"]


def status_text(recording, k):
    """``forward k/N`` or ``backward k/M`` for step ``k`` of ``recording``.

    Step 0 (nothing computed yet) reads ``forward 0/N``; once the forward pass is done, the
    backward pass counts its own steps from 1.
    """
    if recording is None:
        return "no recording"
    n_forward, n_backward = len(recording.forward), len(recording.backward)
    if k <= n_forward:
        return f"forward {k}/{n_forward}"
    return f"backward {k - n_forward}/{n_backward}"


class Stepper(widgets.VBox):
    """Controls for one :class:`~tutor.widgets.state.StepState`.

    Parts (each with its CSS class): ``reset`` (``tutor-reset``), ``back``
    (``tutor-step-back``), ``forward`` (``tutor-step-forward``) and ``to_end``
    (``tutor-to-end``) buttons; ``play`` (``tutor-play``, an ``ipywidgets.Play``: its first
    button plays, the second pauses); ``speed`` (``tutor-speed``, steps per second);
    ``slider`` (``tutor-slider``, the step ``k``); ``status`` (``tutor-status``).
    From Python: ``stepper.forward.click()``, ``stepper.slider.value = 5``.
    """

    def __init__(self, state, error_area, **kwargs):
        self.state = state
        self.error_area = error_area
        self._updating = False

        def button(description, css, tooltip):
            control = widgets.Button(description=description, tooltip=tooltip,
                                     layout=widgets.Layout(width="auto"))
            control.add_class(css)
            return control

        self.reset = button("◀◀ Reset", "tutor-reset", "back to the start (k = 0)")
        self.back = button("◀ Back", "tutor-step-back", "undo one step")
        self.forward = button("Step ▶", "tutor-step-forward", "take one step")
        self.to_end = button("End ▶▶", "tutor-to-end", "jump to the end of the backward pass")
        self.play = widgets.Play(value=0, min=0, max=0, step=1, interval=500,
                                 show_repeat=False, description="play",
                                 layout=widgets.Layout(width="auto"))
        self.play.add_class("tutor-play")
        self.speed = widgets.IntSlider(value=2, min=1, max=10, description="steps/s",
                                       continuous_update=False,
                                       layout=widgets.Layout(width="220px"),
                                       style={"description_width": "56px"})
        self.speed.add_class("tutor-speed")
        self.slider = widgets.IntSlider(value=0, min=0, max=0, description="step k",
                                        continuous_update=True,
                                        layout=widgets.Layout(width="98%"),
                                        style={"description_width": "56px"})
        self.slider.add_class("tutor-slider")
        self.status = widgets.HTML("no recording", layout=widgets.Layout(min_width="150px"))
        self.status.add_class("tutor-status")
        widgets.jslink((self.play, "value"), (self.slider, "value"))

        guard = guarded(error_area, "stepping")
        self.reset.on_click(guard(lambda _: self.move(state.reset)))
        self.back.on_click(guard(lambda _: self.move(state.back)))
        self.forward.on_click(guard(lambda _: self.move(state.forward)))
        self.to_end.on_click(guard(lambda _: self.move(state.to_end)))
        # Only the slider moves the state. The Play is linked to it in the browser, so a tick
        # of the Play arrives here as a slider change. (The Play's own value also comes back
        # to the kernel, late; listening to it could move the state back to a step already
        # left behind when a learner clicks quickly.)
        self.slider.observe(guard(self._moved), "value")
        self.speed.observe(guard(self._set_speed), "value")
        self._set_speed({"new": self.speed.value})
        state.observe(guard(lambda _: self.update()))

        buttons = widgets.HBox([self.reset, self.back, self.forward, self.to_end, self.play,
                                self.speed, self.status],
                               layout=widgets.Layout(align_items="center",
                                                     flex_flow="row wrap"))
        super().__init__([buttons, self.slider], **kwargs)
        self.add_class("tutor-stepper")
        self.update()

    def _moved(self, change):
        if not self._updating:
            self.state.go(change["new"])

    def move(self, move):
        """Stop playing and make ``move`` (a method of the state, e.g. ``state.forward``):
        what a button press or an arrow key does."""
        self.play.playing = False           # a button press takes over from Play
        move()

    def toggle_play(self):
        """Play if paused, pause if playing: what Space does. At the end, play from the start
        (the page's Play may still count as playing there until its next tick)."""
        if self.state.k >= self.state.steps:
            self.play.playing = False
            self.state.reset()
            self.play.playing = True
        else:
            self.play.playing = not self.play.playing

    def _set_speed(self, change):
        self.play.interval = max(50, int(round(1000 / max(1, change["new"]))))

    def update(self):
        """Make every control agree with the state (called after each change)."""
        recording, k, steps = self.state.recording, self.state.k, self.state.steps
        self._updating = True
        try:
            # The Play follows the slider in the browser (jslink), so on an ordinary step only
            # the slider is sent. When the range changes, both are set, value first where
            # needed, so that neither is ever clamped to a step the state is not at.
            controls = (self.slider, self.play) if self.play.max != steps else (self.slider,)
            for control in controls:
                if k > control.max:          # widen first, so that k fits
                    control.max = steps
                    control.value = k
                else:                        # move first, so that narrowing keeps k
                    control.value = k
                    control.max = steps
        finally:
            self._updating = False
        self.status.value = status_text(recording, k)
        self.back.disabled = self.reset.disabled = k == 0
        self.forward.disabled = self.to_end.disabled = k >= steps
