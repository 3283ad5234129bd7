"""The Train tab: a tiny network learning live, and any iteration stepped through.

A learner picks a data set, a loss, a network and a learning rate from menus (nothing is
typed, nothing typed is run), presses Play, and watches: the loss curve falls, the decision
boundary moves over the points, the weights and their updates change colour and thickness,
and the stepper below shows one example's computation graph (the learner clicks a point to
choose it) with every value and adjoint of the current iteration. Paused, the same stepper
walks that iteration: the forward pass, the backward pass VJP by VJP down to every
weight's adjoint, then the update ``w ← w − η · ḡ_w`` of each weight, with the batch
gradient (the mean of the examples' gradients). The iteration slider goes back to any
iteration taken; Reset starts again from the seed, and the same numbers come again.

The parts: :class:`TrainPanel` (the tab, a VBox: menus, the view, the stepper),
:class:`TrainView` (an ``anywidget``: the controls, the pictures and the numbers, drawn by
``train.js``) and :class:`IterationStepper` (the stepper, showing an iteration's story,
:mod:`.train_story`). The numbers come from :class:`tutor.train.Training`.

**Who sets the pace.** While playing, the page asks for one iteration at a time (a
message, ``{"do": "step", "playing": true, "ticket": n, "graph": ...}``), keeps at most two
asked for and not yet drawn (the kernel computes one while the page draws the other), and
asks for the next once a frame naming its ticket has been drawn, at most ``speed`` times a
second. So the kernel is never handed more work than the page can show, it answers other
messages between iterations, and Pause acts at once: the page just stops asking (at most the
two iterations under way still arrive). The example's graph is the costly part to draw: the
page asks for it with an iteration only once the graph it asked for last has been drawn
(at full speed on a busy machine, every other iteration), and once paused it asks for the
current iteration again, graph and all (``show``).
From Python, :meth:`TrainPanel.step` does what one such message does.
"""

import json
import math

import anywidget
import ipywidgets as widgets
import numpy
import traitlets

from .. import train as _train
from ..notation import ADJOINT, number_text, typed_text
from .access import KEY_SCOPE
from .common import ErrorArea, asset, guarded
from .stepper import StepperView
from .train_story import iteration_story, update_status

__all__ = ["TrainPanel", "TrainView", "IterationStepper"]

GRID = 32                 # the decision boundary's grid: GRID × GRID scores
CURVE_POINTS = 300        # the loss curve sends at most this many points
DIGITS = 12               # the numbers table's digits


class TrainView(anywidget.AnyWidget):
    """The Train tab's controls and pictures, drawn in the page by ``train.js``.

    Traits sent to the page: ``data`` (the points, their labels and the network's layers:
    changes with the menus), ``frame`` (the iteration shown: its number, loss, boundary,
    weights and updates, the loss curve, and ``ticket``, the number of the page's request it
    answers while playing, 0 otherwise), ``numbers`` (every parameter's numbers at this
    iteration, one row each) and ``example`` (the example the graph shows). ``playing``
    and ``speed`` come back from the page; ``k`` is the stepper's step (linked in the page,
    so the numbers table shows what the stepper has reached).
    """

    _esm = asset("train.js")
    _css = asset("train.css")
    data = traitlets.Dict({}).tag(sync=True)
    frame = traitlets.Dict({}).tag(sync=True)
    numbers = traitlets.List([]).tag(sync=True)
    example = traitlets.Int(0).tag(sync=True)
    playing = traitlets.Bool(False).tag(sync=True)
    speed = traitlets.Int(30).tag(sync=True)   # iterations a second, at most (1, 3, 10, 30)
    k = traitlets.Int(0).tag(sync=True, echo_update=False)     # see IterationStepper.k

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.add_class("tutor-train-view")


class IterationStepper(StepperView):
    """The stepper showing one training iteration (:func:`.train_story.iteration_story`):
    its ``steps`` count the update pass too, and its ``status`` names it
    (``update 2/6``).

    Its ``k`` is not echoed back to the page: the page tells Python its steps in batches, and
    an echo of an earlier batch, arriving after the learner has stepped on, would move the
    page back to that step."""

    k = traitlets.Int(0).tag(sync=True, echo_update=False)

    def __init__(self, **kwargs):
        self.iteration = None
        super().__init__(**kwargs)

    @property
    def steps(self):
        extra = len(self.iteration.names) if self.iteration is not None else 0
        return super().steps + extra

    def show_iteration(self, iteration, k=None):
        """Show ``iteration`` at step ``k`` (default: the end, every value and adjoint
        known and every weight updated). A node pinned stays pinned."""
        text = json.dumps(iteration_story(iteration), ensure_ascii=False,
                          separators=(",", ":"))
        with self.hold_sync():
            self.iteration, self.recording = iteration, iteration.recording
            self.playing = False
            self.story = text
            self.story_id += 1
            self.seen = self.story_id
            self.k = self.steps if k is None else k

    @property
    def status(self):
        return update_status(self.iteration, self.k) if self.iteration else "no recording"


def _rounded(values, digits=6):
    """Numbers for drawing (not for reading): floats with a few significant digits."""
    return [float(f"{value:.{digits}g}") if math.isfinite(value) else 0.0
            for value in numpy.ravel(values).tolist()]


def _exact(number):
    """A number to :data:`DIGITS` significant digits, for a learner checking by hand."""
    return typed_text(number, DIGITS) if math.isfinite(number) else str(float(number))


def _element_names(name, value):
    """``W1[0,1]`` for every element of an array parameter, ``b3`` for a number."""
    shape = numpy.shape(value)
    if not shape:
        return [name]
    return [f"{name}[{','.join(str(i) for i in index)}]" for index in numpy.ndindex(shape)]


def _curve(losses):
    """The loss curve as ``[[iteration, loss], ...]``, at most :data:`CURVE_POINTS` of them
    (evenly spaced, the last one always kept)."""
    count = len(losses)
    stride = max(1, math.ceil(count / CURVE_POINTS))
    picked = list(range(0, count, stride))
    if picked[-1] != count - 1:
        picked.append(count - 1)
    return [[t, float(f"{losses[t]:.6g}") if math.isfinite(losses[t]) else None]
            for t in picked]


class TrainPanel(widgets.VBox):
    """The Train tab (CSS class ``tutor-train``).

    Parts, as attributes: ``dataset``, ``loss``, ``network``, ``rate`` (the menus),
    ``view`` (:class:`TrainView`), ``stepper`` (:class:`IterationStepper`), ``error``,
    ``training`` (the :class:`tutor.train.Training`) and ``iteration`` (the
    :class:`tutor.train.Iteration` shown). From Python: :meth:`step`, :meth:`reset`,
    :meth:`go`, :meth:`choose`, as the page's buttons, slider and points do.
    """

    def __init__(self, dataset="moons", loss="logistic", network="2 → 4 → 4 → 1",
                 learning_rate=0.3, seed=0, example=0, error=None, **kwargs):
        self.error = error if error is not None else ErrorArea()
        self.seed = seed
        self.dataset = widgets.Dropdown(
            options=[(words, name) for name, (words, _) in _train.DATASETS.items()],
            value=dataset, description="data")
        self.loss = widgets.Dropdown(
            options=[(f"{loss.name}: {loss.formula}", name)
                     for name, loss in _train.LOSSES.items()],
            value=loss, description="loss")
        self.network = widgets.Dropdown(options=list(_train.NETWORKS), value=network,
                                        description="network")
        self.rate = widgets.Dropdown(options=[(f"{rate:g}", rate)
                                              for rate in _train.LEARNING_RATES],
                                     value=learning_rate, description="η (rate)")
        for menu, name in ((self.dataset, "dataset"), (self.loss, "lossfn"),
                           (self.network, "network"), (self.rate, "rate")):
            menu.add_class(f"tutor-train-{name}")
            menu.style.description_width = "initial"
        self.view = TrainView(example=example)
        self.stepper = IterationStepper()
        self.stepper.add_class("tutor-train-stepper")
        self._link = widgets.jslink((self.stepper, "k"), (self.view, "k"))
        self.iteration = None

        self._guard = guarded(self.error, "training")
        for menu in (self.dataset, self.loss, self.network):
            menu.observe(self._guard(lambda change: self.restart()), "value")
        self.rate.observe(self._guard(self._new_rate), "value")
        self.view.on_msg(self._guard(self._message))

        stepped = widgets.VBox([self.stepper])
        stepped.add_class(KEY_SCOPE)         # the arrow keys step the graph when in it
        menus = widgets.HBox([self.dataset, self.loss, self.network, self.rate])
        menus.add_class("tutor-train-menus")
        super().__init__([menus, self.error, self.view, stepped], **kwargs)
        self.add_class("tutor-train")
        self.restart()

    # -- what the learner does ----------------------------------------------------------

    def restart(self):
        """A new training from the menus' choices and the seed, at iteration 0."""
        self.training = _train.Training(
            dataset=self.dataset.value, loss=self.loss.value,
            hidden=_train.NETWORKS[self.network.value], learning_rate=self.rate.value,
            seed=self.seed)
        self.error.clear()
        training = self.training
        names = training.names
        self.view.data = {
            "points": [_rounded(point) for point in training.inputs],
            "labels": [int(label) for label in training.labels],
            "bounds": list(training.bounds()),
            "layers": [2, *training.hidden, 1],
            "names": list(names),
            "size": GRID,
        }
        self.view.example = min(self.view.example, len(training.labels) - 1)
        self._show()

    def reset(self):
        """Back to iteration 0 with the seed's weights; later iterations are recomputed as
        the learner steps again (with the same numbers)."""
        self.training.reset()
        self.error.clear()
        self._show()

    def step(self, playing=False, k=None, ticket=0, graph=True):
        """One iteration of gradient descent. While playing, the graph shows the end of the
        new iteration; otherwise the stepper stays at the step the learner was at (``k``,
        by default the stepper's). Returns False (and says why) if the loss is no longer
        a finite number, or the training is as long as it goes. ``ticket`` numbers the page's request (the frame names it); without
        ``graph`` the example's graph is not sent (the page, busy drawing, skips it)."""
        try:
            self.training.step()
        except _train.Stopped as error:        # diverged, or as long as a training goes
            self.view.playing = False
            self.error.show(str(error), kind="warning")
            return False
        self._show(k=None if playing else self._k(k), ticket=ticket, graph=graph)
        return True

    def go(self, t, k=None):
        """Show iteration ``t``, one already taken (the slider)."""
        self.training.go(t)
        self._show(k=self._k(k))

    def choose(self, example, k=None):
        """Show the graph of example ``example`` (a click on a point)."""
        count = len(self.training.labels)
        if not 0 <= int(example) < count:
            raise IndexError(f"there is no example {example}: choose 0 to {count - 1}")
        self.view.example = int(example)
        self._show(k=self._k(k))

    def _k(self, k):
        return self.stepper.k if k is None else int(k)

    def _new_rate(self, change):
        self.training.learning_rate = change["new"]
        self._show(k=self.stepper.k)

    def _message(self, widget, content, buffers):
        """What the page asks: ``step`` (one iteration), ``reset``, ``go``, ``choose``,
        each with the stepper's ``k``, and ``show`` (the current iteration again, its graph
        at the end: what the page asks once paused). Every request is answered
        ``{"did": ..., "stop": ...}``; ``stop`` (the loss is no longer a number, or the
        request failed) makes the page stop playing."""
        action, k = content.get("do"), content.get("k")
        answer = {"did": action, "stop": False}
        try:
            if action == "step":
                answer["stop"] = not self.step(playing=bool(content.get("playing")), k=k,
                                               ticket=int(content.get("ticket") or 0),
                                               graph=content.get("graph", True) is not False)
            elif action == "show":
                self._show()
            elif action == "reset":
                self.reset()
            elif action == "go":
                self.go(int(content["iteration"]), k=k)
            elif action == "choose":
                self.choose(int(content["example"]), k=k)
        except (IndexError, ValueError) as error:      # an example or iteration not there
            answer["stop"] = True
            self.error.show(str(error), kind="warning")
        except Exception:
            answer["stop"] = True
            raise                       # guarded: one line in the error area
        finally:
            self.view.send(answer)

    # -- what the page shows ------------------------------------------------------------

    def _show(self, k=None, ticket=0, graph=True):
        """Send the current iteration to the page: the frame and, with ``graph``, the chosen
        example's graph (its recording, the stepper's story, the numbers table)."""
        training, view = self.training, self.view
        if graph:
            self.iteration = training.at(view.example)
        t, loss = training.iteration, training.loss
        params, updated = training.params, training.updated()
        scores = training.predictions()
        wrong = [int(i) for i in numpy.flatnonzero(numpy.sign(scores) != training.labels)]
        count = len(training.labels)
        example, point = view.example, training.inputs[view.example]
        label = float(training.labels[example])
        with numpy.errstate(all="ignore"):
            own_loss = float(_train.LOSSES[training.loss_name].of(scores[example], label))
        with view.hold_sync():
            view.frame = {
                "ticket": ticket,
                "iteration": t,
                "latest": training.latest,
                "loss": number_text(loss),
                "rate": f"{training.learning_rate:g}",
                "right": f"{count - len(wrong)} of {count} examples on their right side",
                "wrong": wrong,
                "grid": [int(round(100 * math.tanh(s))) if math.isfinite(s) else 0
                         for s in training.boundary(GRID).ravel().tolist()],
                "weights": {name: _rounded(params[name]) for name in training.names},
                "updates": {name: _rounded(updated[name] - params[name])
                            for name in training.names},
                "curve": _curve(training.losses),
                "example": (f"Example {example}: the point ({number_text(point[0])}, "
                            f"{number_text(point[1])}), class {label:+.0f}, score "
                            f"{number_text(scores[example])}, loss {number_text(own_loss)}."),
                "mean": (f"The batch gradient is the mean of the examples' gradients: "
                         f"{ADJOINT}_w = (1/{count}) · Σᵢ {ADJOINT}_w of example i. The graph "
                         f"below is example {example}'s loss alone, at iteration "
                         f"{self.iteration.number}; its last steps update every weight with "
                         f"the mean, w ← w − η · mean {ADJOINT}_w."),
            }
            if graph:
                view.numbers = self._numbers(self.iteration)
        if graph:
            self.stepper.show_iteration(self.iteration, k=k)

    def _numbers(self, iteration):
        """One row per number of every parameter: its value, this example's adjoint (and the
        step after which the stepper has it), the batch's mean, the update, the new value
        (and the step that makes it)."""
        recording = iteration.recording
        complete = {}
        for step in recording.backward:
            complete[step.parent] = step.index
        rows = []
        for number, name in enumerate(iteration.names):
            node = recording.inputs[name]
            values = [numpy.ravel(part) for part in (
                iteration.params[name], recording.gradients[name],
                iteration.batch_gradient[name],
                iteration.updated[name] - iteration.params[name], iteration.updated[name])]
            for index, element in enumerate(_element_names(name, iteration.params[name])):
                w, own, mean, change, after = (_exact(part[index]) for part in values)
                rows.append({"name": element, "w": w, "own": own,
                             "ownAt": complete.get(node, recording.steps), "mean": mean,
                             "change": change, "after": after,
                             "afterAt": recording.steps + number + 1})
        return rows
